#!/usr/bin/env python3
"""Mutation testing of the rules, the analysis, the fix modules, the cache and the noqa parser.

Runs mutmut (``pip install -e '.[mutation]'``; configured in pyproject.toml's
``[tool.mutmut]``) in a copy of the checkout, so the checkout itself is never written to.
Each mutant runs the fast, TensorFlow-free tests that exercise its function (mutmut
records which tests reach which function in one traced run first).

    nice -n 19 python scripts/mutation.py --every 15 --cap 30 --rounds 3 --jobs 2

* ``--every N``: a deterministic sample, every N-th mutant of each module (sorted by
  name; ``--offset`` picks another of the N samples).  ``--every 1`` runs them all.
* ``--cap N``: at most N mutants of each module (evenly spread over its sample).
* ``--rounds R``: run the sample in R parts that each take a share of every module.
* ``--budget MIN``: stop after MIN minutes; mutants not reached count as not checked.
* ``--only GLOB``: restrict to mutant names matching GLOB (e.g. ``'estimator_lint.noqa.*'``).

It prints, per module, how many sampled mutants were killed, survived, timed out or had
no test, the score killed / (killed + survived) and every survivor's diff; ``--report``
also writes that to a file.  See docs/mutation-testing.md for the last run's numbers
and the survivors judged equivalent.
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The modules mutated (pyproject.toml's [tool.mutmut] only_mutate says the same by path).
MODULE_PREFIXES = (
    "estimator_lint.rules.",
    "estimator_lint.analysis.",
    "estimator_lint.fix_plan.",
    "estimator_lint.fix_render.",
    "estimator_lint.fix_apply.",
    "estimator_lint.fix_command.",
    "estimator_lint.cache.",
    "estimator_lint.noqa.",
)
KILLED = {"killed", "caught by type check"}
#: The one mutant the first (generating, test-tracing) mutmut run is limited to: of a
#: function few tests reach, so that run's clean-test pass is short.
FIRST_MUTANT = "estimator_lint.noqa.x_add_code_edit__mutmut_1"
#: Tests of the result cache: each lints the whole fixtures tree two or three times and
#: compares the cached run with an uncached one (together two thirds of the per-mutant
#: set's time).  Outside cache.py a mutant changes both sides alike, so these tests can
#: only kill it by a crash or a lost finding, which the fixture tests catch first; they
#: run for the cache module's mutants only.
CACHE_ONLY_TESTS = (
    "tests/test_cache.py::",
    "tests/test_mutation_gaps.py::test_cached_results_are_not_served_after_a_same_size_edit_of_a_rule",
)


def _mutmut() -> list:
    exe = Path(sys.executable).with_name("mutmut")
    if not exe.exists():
        sys.exit("mutmut is not installed in this interpreter's environment: pip install -e '.[mutation]'")
    return [str(exe)]


def _copy_checkout(dest: Path) -> None:
    """The checkout's tracked and untracked (not ignored) files, as they are on disk."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the work tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _env() -> dict:
    env = dict(os.environ)
    env.update(PYTHONDONTWRITEBYTECODE="1", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    return env


def _run_mutmut(args: list, cwd: Path, budget_seconds: float | None) -> int:
    """Run ``mutmut <args>``; past the budget interrupt it (mutmut keeps what it finished)."""
    proc = subprocess.Popen(_mutmut() + args, cwd=cwd, env=_env(), start_new_session=True)
    try:
        return proc.wait(timeout=budget_seconds)
    except subprocess.TimeoutExpired:
        print("\n-- time budget reached: interrupting mutmut", flush=True)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            return proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            return proc.wait()


def _results(cwd: Path) -> dict:
    """mutant name -> status, from ``mutmut results --all true``."""
    out = subprocess.run(_mutmut() + ["results", "--all", "true"], cwd=cwd, env=_env(),
                         capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            found[name] = status
    return found


def _module(name: str) -> str:
    """``estimator_lint.noqa.xǁNoqaMapǁcodes__mutmut_3`` -> ``estimator_lint.noqa``."""
    head = name.split("__mutmut_")[0]
    parts = head.split(".")
    return ".".join(parts[:-1])


def _sample(names: list, every: int, offset: int, only: str | None, cap: int | None = None) -> list:
    """Every ``every``-th mutant of each module; at most ``cap`` of a module, evenly spread."""
    chosen = []
    for picks in _sample_by_module(names, every, offset, only, cap).values():
        chosen.extend(picks)
    return chosen


def _sample_by_module(names: list, every: int, offset: int, only: str | None, cap: int | None) -> dict:
    by_module = collections.defaultdict(list)
    for name in sorted(names):
        if name.startswith(MODULE_PREFIXES) and (only is None or fnmatch.fnmatch(name, only)):
            by_module[_module(name)].append(name)
    sample = {}
    for module in sorted(by_module):
        picks = by_module[module][offset::every]
        if cap is not None and len(picks) > cap:
            picks = [picks[i * len(picks) // cap] for i in range(cap)]
        sample[module] = picks
    return sample


def _rounds(sample_by_module: dict, rounds: int) -> list:
    """The sample cut into ``rounds`` runs, each taking its share of every module, so that
    a budget that ends early has reached every module rather than the fast ones only
    (mutmut runs the mutants it is given fastest first)."""
    return [[name for picks in sample_by_module.values() for name in picks[r::rounds]] for r in range(rounds)]


def _narrow_cache_tests(checkout: Path) -> int:
    """Run the cache's tests (:data:`CACHE_ONLY_TESTS`) for cache.py's mutants only.

    Edits mutmut's record of which tests reach which function (kept while the tests and
    the configuration stay the same); returns how many function-test pairs it dropped.
    """
    path = checkout / "mutants" / "mutmut-stats.json"
    stats = json.loads(path.read_text(encoding="utf-8"))
    dropped = 0
    for function, tests in stats["tests_by_mangled_function_name"].items():
        if function.startswith("estimator_lint.cache."):
            continue
        kept = [t for t in tests if not t.startswith(CACHE_ONLY_TESTS)]
        dropped += len(tests) - len(kept)
        stats["tests_by_mangled_function_name"][function] = kept
    path.write_text(json.dumps(stats, indent=4), encoding="utf-8")
    return dropped


def _show(cwd: Path, name: str) -> str:
    return subprocess.run(_mutmut() + ["show", name], cwd=cwd, env=_env(), capture_output=True, text=True).stdout


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, help="where the copy of the checkout goes (default: a new temporary directory)")
    parser.add_argument("--every", type=int, default=1, help="run every N-th mutant of each module (default: all)")
    parser.add_argument("--offset", type=int, default=0, help="which of the N samples (0..N-1)")
    parser.add_argument("--budget", type=float, default=None, help="minutes for running mutants (default: no limit)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default: 1)")
    parser.add_argument("--cap", type=int, default=None, help="at most this many mutants of each module (evenly spread)")
    parser.add_argument("--rounds", type=int, default=1, help="run the sample in this many parts, each with a share of every module")
    parser.add_argument("--only", help="glob over mutant names, e.g. 'estimator_lint.noqa.*'")
    parser.add_argument("--report", type=Path, help="also write the report (markdown) to this file")
    parser.add_argument("--resume", action="store_true", help="reuse --workdir's mutants and results (no fresh copy)")
    args = parser.parse_args(argv)
    if args.every < 1 or not 0 <= args.offset < args.every:
        parser.error("--every must be >= 1 and 0 <= --offset < --every")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="estimator-lint-mutation-"))
    checkout = workdir / "checkout"
    if not args.resume:
        if checkout.exists():
            shutil.rmtree(checkout)
        checkout.mkdir(parents=True)
        _copy_checkout(checkout)
    print(f"-- working in {checkout}", flush=True)
    started = time.monotonic()

    # 1. Generate the mutants and record which tests reach which function: a run limited
    #    to one mutant does both for every module.
    #    (After a change to the tests or the configuration, mutmut traces again here.)
    _run_mutmut(["run", "--max-children", str(args.jobs), FIRST_MUTANT], checkout, None)
    print(f"-- cache tests dropped from {_narrow_cache_tests(checkout)} function-test pairs outside cache.py", flush=True)
    everything = _results(checkout)
    by_module = _sample_by_module(list(everything), args.every, args.offset, args.only, args.cap)
    sample = [name for picks in by_module.values() for name in picks]
    todo = [name for name in sample if everything[name] == "not checked"]
    print(f"-- {len(everything)} mutants in all, {len(sample)} sampled, {len(todo)} still to run", flush=True)

    # 2. The sample, within the budget, in rounds that each reach every module.
    for number, part in enumerate(_rounds(by_module, args.rounds), 1):
        part = [name for name in part if name in todo]
        budget = None
        if args.budget is not None:
            budget = args.budget * 60 - (time.monotonic() - started)
            if budget < 60:
                print(f"-- time budget spent before round {number} of {args.rounds}", flush=True)
                break
        if part:
            print(f"-- round {number} of {args.rounds}: {len(part)} mutants", flush=True)
            _run_mutmut(["run", "--max-children", str(args.jobs)] + part, checkout, budget)

    # 3. The report.
    status = _results(checkout)
    report = _report(checkout, sample, status, args)
    print(report)
    if args.report:
        args.report.write_text(report, encoding="utf-8")
    return 0


def _report(checkout: Path, sample: list, status: dict, args) -> str:
    per_module = collections.OrderedDict()
    for name in sample:
        per_module.setdefault(_module(name), collections.Counter())[status.get(name, "not checked")] += 1
    cap = f", at most {args.cap} a module" if args.cap else ""
    lines = [f"# Mutation run (every {args.every}th mutant, offset {args.offset}{cap})", "",
             "| module | sampled | killed | survived | timeout | no tests | not checked | score |",
             "|---|---|---|---|---|---|---|---|"]
    total = collections.Counter()
    for module, counts in per_module.items():
        total.update(counts)
        lines.append(_row(module, counts))
    lines.append(_row("**all**", total))
    survivors = [n for n in sample if status.get(n) == "survived"]
    lines += ["", f"## Survivors ({len(survivors)})", ""]
    for name in survivors:
        lines += ["```diff", _show(checkout, name).strip(), "```", ""]
    other = [n for n in sample if status.get(n) not in KILLED | {"survived", "not checked"}]
    if other:
        lines += ["## Not killed for another reason", ""] + [f"- {n}: {status.get(n)}" for n in other]
    return "\n".join(lines) + "\n"


def _row(module: str, counts: collections.Counter) -> str:
    killed = sum(counts[s] for s in KILLED)
    judged = killed + counts["survived"]
    score = f"{100.0 * killed / judged:.1f} %" if judged else "-"
    return (f"| {module} | {sum(counts.values())} | {killed} | {counts['survived']} | {counts['timeout']} "
            f"| {counts['no tests']} | {counts['not checked']} | {score} |")


if __name__ == "__main__":
    sys.exit(main())
