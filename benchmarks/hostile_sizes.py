#!/usr/bin/env python3
"""Wall time of linting one very long file: 50,000 generated statements and an Estimator
subclass with one finding at the end (the case tests/test_hostile_input.py checks for
behaviour only).

    python benchmarks/hostile_sizes.py [--lines 50000] [--reps 3]

Runs the CLI in this process (``estimator_lint.cli.main``, no cache) on a scratch
directory and prints the median and the spread over ``--reps`` runs, after one unmeasured
run.  Numbers are printed, never asserted: they depend on the machine and its load
(the old test's ceiling was 60 s on two shared cores).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time

BAD_CLASS = (
    "class M(tf.estimator.Estimator):\n"
    "    def train(self, input_fn):\n"
    "        pass\n"
)


def make_file(directory: str, lines: int) -> str:
    path = os.path.join(directory, "big.py")
    body = "".join(f"v{i} = tf.constant({i})  # generated\n" for i in range(lines))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("import tensorflow as tf\n" + body + BAD_CLASS)
    return path


def lint_once(path: str) -> float:
    from estimator_lint.cli import main

    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = main(["--no-cache", path])
    elapsed = time.perf_counter() - start
    if code != 1 or "EST101" not in out.getvalue():
        sys.exit(f"unexpected result (exit {code}): {out.getvalue()[:500]}")
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=50_000, help="generated statements before the class")
    parser.add_argument("--reps", type=int, default=3, help="measured runs (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="estimator-lint-bench-") as scratch:
        path = make_file(scratch, args.lines)
        lint_once(path)  # imports, page cache
        times = [lint_once(path) for _ in range(args.reps)]
    print(f"{args.lines:,}-line file: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {args.reps} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
