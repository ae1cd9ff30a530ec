"""``estimator-lint --fix`` / ``--diff``: the fixing run, reported like Ruff does."""

from __future__ import annotations

from typing import Callable, List, Sequence, TextIO, Union

from estimator_lint.settings import Settings
from estimator_lint.fix_apply import fix_file

EXIT_CLEAN, EXIT_FINDINGS = 0, 1


def _display(path: str) -> str:
    from estimator_lint.output import display_path, printable

    return printable(display_path(path))


def lint_without_fixing(path: str, settings: Settings, index, why: str):
    """A file ``--fix`` must not write: linted, and ``why`` said on stderr."""
    import sys

    from estimator_lint.runner import lint_paths

    print(f"estimator-lint: warning: {_display(path)}: {why}", file=sys.stderr)
    (result,) = lint_paths([path], settings, index=index)
    return result


def _line_ended(cell_source: str) -> str:
    """A cell's source for its diff: a cell is no file, its last line needs no newline."""
    return cell_source if not cell_source or cell_source.endswith(("\n", "\r")) else cell_source + "\n"


def run_fix(
    files: List[str],
    settings: Union[Settings, Callable[[str], Settings]],
    *,
    unsafe: bool,
    diff_only: bool,
    quiet: bool,
    out: TextIO,
    exit_non_zero_on_fix: bool = False,
    show_fixes: bool = False,
    index=None,
    outside=None,
    missing_paths: Sequence[str] = (),
    parsed=None,
) -> int:
    from estimator_lint.diagnostics import FileResult
    from estimator_lint.output import RunStats, missing_path, write_unified_diff
    from estimator_lint.output.text import TextReporter

    # Findings and file errors print exactly as a checking run prints them, and the
    # summary counts findings as it does (see estimator_lint.output.text.summary).
    reporter = TextReporter(out, quiet=quiet, unsafe_fixes=unsafe)
    if not diff_only:
        import os

        from estimator_lint.fix_apply import remove_litter

        remove_litter(os.path.dirname(os.path.realpath(p)) for p in files)
    stats = RunStats(unsafe_fixes=unsafe, mode="diff" if diff_only else "fix")
    fixed_by_file: List[tuple] = []
    changed_files = 0
    for path in missing_paths:
        reporter.file(missing_path(path))
        stats.add(missing_path(path))
    for path in files:
        # ``settings`` may be per file (``Options.settings_for``: per-file-ignores).
        file_settings = settings(path) if callable(settings) else settings
        if outside and path in outside:
            # Reached through a symbolic link out of the tree: linted, never rewritten.
            remaining_result = lint_without_fixing(path, file_settings, index, outside[path])
            stats.add(remaining_result)
            reporter.file(remaining_result)
            continue
        result = fix_file(path, file_settings, unsafe=unsafe, write=not diff_only, index=index, parsed=parsed)
        shown = _display(path)
        counted = FileResult(path, list(result.remaining), result.error, fixed=result.fixed)
        stats.add(counted)
        stats.unreported += result.unreported
        # --diff prints the diff instead of the remaining findings.
        reporter.file(FileResult(path, [], result.error) if diff_only else counted)
        if result.fixed:
            fixed_by_file.append((shown, result.fixed_by_code()))
        changed_files += result.changed
        if result.changed and diff_only:
            # A notebook's diff is one per changed cell, named as Ruff names them.
            parts = (
                [(f"{shown}:cell {cell}", _line_ended(old), _line_ended(new)) for cell, old, new in result.cells]
                if result.cells is not None
                else [(shown, result.original, result.text)]
            )
            for name, old, new in parts:
                write_unified_diff(out, name, old, new)
    if show_fixes and fixed_by_file:
        # Ruff's --show-fixes: what was (or would be) fixed, per file and code.
        from estimator_lint.output import plural
        from estimator_lint.rules import RULES_BY_CODE

        out.write(f"\n{'Would fix' if diff_only else 'Fixed'} {plural(stats.fixed, 'finding')}:\n")
        for shown, counts in fixed_by_file:
            out.write(f"- {shown}:\n")
            for code in sorted(counts):
                rule = RULES_BY_CODE.get(code)
                out.write(f"    {counts[code]} \u00d7 {code} ({rule.name if rule else code})\n")
    reporter.finish(stats)
    out.flush()
    if diff_only:
        return EXIT_FINDINGS if changed_files or stats.errors else EXIT_CLEAN
    if exit_non_zero_on_fix and stats.fixed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if stats.findings or stats.errors else EXIT_CLEAN
