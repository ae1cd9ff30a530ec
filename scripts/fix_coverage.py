"""Print fix coverage per rule (safe / unsafe / none) on the probe cases of
``tests/fix_coverage_cases.py`` and on every ``fixtures/*/before.py``.

    python scripts/fix_coverage.py            # the table
    python scripts/fix_coverage.py --cases    # and one line per probe finding

A finding counts as fixed when the fix it carries renders into edits (``json`` output
would carry them); a finding without a fix shows the reason its message gives.
"""

import argparse
import collections
import glob
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from estimator_lint.engine import Settings, lint_source  # noqa: E402
from fix_coverage_cases import CASES  # noqa: E402

RULES = ("EST101", "EST102", "EST103", "EST104", "EST105")


def kind(diag) -> str:
    if diag.fix is None:
        return "none"
    return diag.fix.applicability.value


def table(title, counts) -> None:
    print(f"\n{title}")
    print(f"| rule | safe | unsafe | none | fixed |")
    print("|---|---:|---:|---:|---:|")
    for rule in RULES:
        c = counts[rule]
        total = sum(c.values())
        if not total:
            continue
        share = (c["safe"] + c["unsafe"]) / total
        print(f"| {rule} | {c['safe']} | {c['unsafe']} | {c['none']} | {share:.0%} |")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", action="store_true", help="one line per probe finding")
    args = parser.parse_args()
    settings = Settings(fix_edits=True)
    probe = collections.defaultdict(collections.Counter)
    mismatches = 0
    for name, (source, expected) in CASES.items():
        diagnostics = lint_source(source, f"{name}.py", settings)
        missing = set(expected) - {(d.line, d.code) for d in diagnostics}
        mismatches += len(missing)
        for line, code in sorted(missing):
            print(f"{name}:{line} {code} not reported (expected {expected[(line, code)]})")
        for diag in diagnostics:
            got = kind(diag)
            probe[diag.code][got] += 1
            want = expected.get((diag.line, diag.code), "?")
            mismatches += want != got
            if args.cases or want != got:
                reason = f"  -- {diag.no_fix_reason}" if diag.no_fix_reason else ""
                print(f"{name}:{diag.line} {diag.code} {got} (expected {want}){reason}")
    fixtures = collections.defaultdict(collections.Counter)
    silent = []
    for path in sorted(glob.glob(os.path.join(ROOT, "fixtures", "*", "before.py"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for diag in lint_source(text, path, settings):
            fixtures[diag.code][kind(diag)] += 1
            if diag.fix is None and not diag.no_fix_reason and diag.code in ("EST102", "EST103"):
                silent.append(f"{os.path.relpath(path, ROOT)}:{diag.line} {diag.code}")
    table(f"probe cases ({len(CASES)} programs, {mismatches} not as expected)", probe)
    table("fixtures/*/before.py", fixtures)
    for line in silent:
        print(f"no fix and no reason: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
