#!/usr/bin/env python3
"""A long property-based campaign: the tests of ``tests/test_properties.py`` at scale.

    python scripts/fuzz_campaign.py --scale 100          # ~100x the CI budgets
    python scripts/fuzz_campaign.py --scale 20 --jobs 2 -k "grammar or estimator"

It runs pytest with ``HYPOTHESIS_PROFILE=campaign`` and ``FUZZ_SCALE=<scale>`` (every
property's CI example budget is multiplied by the scale), prints Hypothesis' statistics
per property and a summary: examples run, time, failures.  A failure prints the
minimal failing program and a ``@reproduce_failure`` blob, as in any Hypothesis run.
"""

import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100, help="multiply every CI example budget (default 100)")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="pytest-xdist workers (default 2)")
    parser.add_argument("-k", dest="keyword", help="only the properties matching this pytest -k expression")
    parser.add_argument("--seed", help="hypothesis seed (default: random)")
    args = parser.parse_args(argv)
    env = dict(os.environ, HYPOTHESIS_PROFILE="campaign", FUZZ_SCALE=str(args.scale))
    cmd = [
        sys.executable, "-m", "pytest", os.path.join(ROOT, "tests", "test_properties.py"),
        "-p", "no:cacheprovider", "-q", "--hypothesis-show-statistics", "-n", str(args.jobs),
        "-k", args.keyword or "not every_fixture and not comment_lines and not line_endings_and_bom",
    ]
    if args.seed:
        cmd.append(f"--hypothesis-seed={args.seed}")
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    # Hypothesis statistics, per property and phase: "- 150 passing, 0 failing, and 262 invalid test cases"
    totals = {"passing": 0, "failing": 0, "invalid": 0}
    per_test = {}
    current = None
    for line in proc.stdout.splitlines():
        m = re.match(r"^(?:tests/)?test_properties\.py::(\w+)(?:\[.*\])?:$", line.strip())
        if m:
            current = m.group(1)
            continue
        m = re.search(r"(\d+) passing, (\d+) failing,? and (\d+) invalid", line) or re.search(
            r"(\d+) passing examples?, (\d+) failing examples?, (\d+) invalid examples?", line
        )
        if m and current:
            counts = dict(zip(("passing", "failing", "invalid"), map(int, m.groups())))
            row = per_test.setdefault(current, {"passing": 0, "failing": 0, "invalid": 0})
            for k, v in counts.items():
                row[k] += v
                totals[k] += v
    print("\n== campaign summary ==")
    for name, row in sorted(per_test.items()):
        print(f"{name}: {row['passing']} passing, {row['failing']} failing, {row['invalid']} invalid examples")
    print(
        f"total: {totals['passing']} passing, {totals['failing']} failing, {totals['invalid']} invalid examples "
        f"in {elapsed:.0f} s (scale {args.scale}, {args.jobs} workers); pytest exit status {proc.returncode}"
    )
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
