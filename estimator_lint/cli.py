"""``estimator-lint``: the command-line adapter over :mod:`estimator_lint.engine`."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional, Sequence

from estimator_lint import __version__
from estimator_lint.discovery import DEFAULT_EXCLUDE, discover
from estimator_lint.engine import Settings, lint_paths
from estimator_lint.rules import ALL_RULES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: str) -> List[str]:
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    for code in codes:
        if not code.startswith("EST") or not any(r.code.startswith(code) for r in ALL_RULES) and code != "EST":
            raise argparse.ArgumentTypeError(f"unknown rule code or prefix: {code!r}")
    return codes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="estimator-lint",
        description="Find TensorFlow Estimator code that keeps graph tensors outside the graph.",
    )
    parser.add_argument("paths", nargs="*", default=None, help="files or directories to check (default: .)")
    parser.add_argument("--version", action="version", version=f"estimator-lint {__version__}")
    parser.add_argument("--select", type=_codes, action="append", help="rule codes or prefixes to enable (default: EST)")
    parser.add_argument("--ignore", type=_codes, action="append", help="rule codes or prefixes to disable")
    parser.add_argument(
        "--extra-estimator-bases",
        action="append",
        default=[],
        metavar="DOTTED.NAME",
        help="treat this class (e.g. my_pkg.base.MyEstimatorBase) as an Estimator base; repeatable",
    )
    parser.add_argument("--extend-exclude", action="append", default=[], metavar="PATTERN", help="more paths to skip")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix/--diff, also apply unsafe fixes")
    parser.add_argument("--diff", action="store_true", help="print the diff --fix would apply; change nothing")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default: 1)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    parser.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")
    parser.add_argument("--no-prefilter", action="store_true", help=argparse.SUPPRESS)
    return parser


def _flatten(groups: Optional[List[List[str]]]) -> List[str]:
    return [c for group in groups or [] for c in group]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    settings = Settings(
        select=tuple(_flatten(args.select)) or ("EST",),
        ignore=tuple(_flatten(args.ignore)),
        extra_estimator_bases=tuple(args.extra_estimator_bases),
        prefilter=not args.no_prefilter,
    )
    paths = args.paths or ["."]
    files, missing = discover(paths, DEFAULT_EXCLUDE + tuple(args.extend_exclude))
    out = sys.stdout
    for path in missing:
        print(f"estimator-lint: error: {path}: no such file or directory", file=sys.stderr)

    if args.fix or args.diff:
        from estimator_lint.fix_command import run_fix

        code = run_fix(files, settings, unsafe=args.unsafe_fixes, diff_only=args.diff, quiet=args.quiet, out=out)
        return EXIT_ERROR if missing else (EXIT_CLEAN if args.exit_zero and code == EXIT_FINDINGS else code)

    findings = errors = internal = 0
    files_with_findings = set()
    fixable = {"safe": 0, "unsafe": 0}
    try:
        for result in lint_paths(files, settings, jobs=args.jobs):
            path = _display(result.path)
            if result.error is not None:
                errors += 1
                internal += result.error.kind == "internal"
                err = result.error
                out.write(f"{path}:{err.line}:{err.column + 1}: error: {err.message}\n")
            for diag in result.diagnostics:
                findings += 1
                if diag.fix is not None:
                    fixable[diag.fix.applicability.value] += 1
                files_with_findings.add(path)
                marker = " [*]" if diag.fix is not None else ""
                out.write(f"{path}:{diag.line}:{diag.column + 1}: {diag.code}{marker} {diag.message}\n")
    except KeyboardInterrupt:
        print("estimator-lint: interrupted", file=sys.stderr)
        return 130
    if not args.quiet:
        if findings:
            noun = "finding" if findings == 1 else "findings"
            out.write(f"Found {findings} {noun} in {len(files_with_findings)} of {len(files)} files checked.\n")
            if fixable["safe"] or fixable["unsafe"]:
                out.write(
                    f"[*] {fixable['safe']} fixable with --fix"
                    + (f" ({fixable['unsafe']} more with --fix --unsafe-fixes)" if fixable["unsafe"] else "")
                    + ".\n"
                )
        elif not errors:
            out.write(f"All checks passed ({len(files)} files checked).\n")
        else:
            out.write(f"No findings in {len(files)} files checked.\n")
        if errors:
            out.write(f"{errors} file(s) could not be checked.\n")
    out.flush()
    if missing or internal:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if findings or errors else EXIT_CLEAN


def _display(path: str) -> str:
    if path.startswith("./"):
        return path[2:]
    return path


__all__ = ["main", "build_parser"]
