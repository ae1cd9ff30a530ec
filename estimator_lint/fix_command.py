"""``estimator-lint --fix`` / ``--diff``: the fixing run, reported like Ruff does."""

from __future__ import annotations

import difflib
from typing import Callable, List, TextIO, Union

from estimator_lint.engine import Settings
from estimator_lint.fixer import fix_file

EXIT_CLEAN, EXIT_FINDINGS = 0, 1


def _display(path: str) -> str:
    from estimator_lint.output import display_path

    return display_path(path)


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
) -> int:
    from estimator_lint.diagnostics import FileResult
    from estimator_lint.output.text import TextReporter

    # Findings and file errors print exactly as a checking run prints them.
    reporter = TextReporter(out, quiet=quiet, unsafe_fixes=unsafe)
    fixed_total = remaining_total = unsafe_left = errors = changed_files = 0
    applied_by_file: List[tuple] = []
    for path in files:
        # ``settings`` may be per file (``Options.settings_for``: per-file-ignores).
        file_settings = settings(path) if callable(settings) else settings
        result = fix_file(path, file_settings, unsafe=unsafe, write=not diff_only, index=index)
        shown = _display(path)
        errors += result.error is not None
        # --diff prints the diff instead of the remaining findings.
        remaining = [] if diff_only else list(result.remaining)
        remaining_total += len(remaining)
        reporter.file(FileResult(path, remaining, result.error))
        if result.changed:
            changed_files += 1
            fixed_total += len(result.applied)
            applied_by_file.append((shown, result.applied))
            if diff_only:
                # A notebook's diff is one per changed cell, named as Ruff names them.
                parts = (
                    [(f"{shown}:cell {cell}", _line_ended(old), _line_ended(new)) for cell, old, new in result.cells]
                    if result.cells is not None
                    else [(shown, result.original, result.text)]
                )
                for name, old, new in parts:
                    out.writelines(
                        difflib.unified_diff(
                            old.splitlines(keepends=True),
                            new.splitlines(keepends=True),
                            fromfile=name if name.startswith("/") else f"a/{name}",
                            tofile=name if name.startswith("/") else f"b/{name}",
                        )
                    )
                    if new and not new.endswith("\n"):
                        out.write("\n\\ No newline at end of file\n")
        unsafe_left += result.unsafe_available() if not unsafe else 0
    if show_fixes and applied_by_file:
        # Ruff's --show-fixes: what was (or would be) fixed, per file and code.
        from estimator_lint.rules import RULES_BY_CODE

        out.write(f"\n{'Would fix' if diff_only else 'Fixed'} {fixed_total} finding(s):\n")
        for shown, applied in applied_by_file:
            out.write(f"- {shown}:\n")
            counts: dict = {}
            for diag in applied:
                counts[diag.code] = counts.get(diag.code, 0) + 1
            for code in sorted(counts):
                rule = RULES_BY_CODE.get(code)
                out.write(f"    {counts[code]} \u00d7 {code} ({rule.name if rule else code})\n")
    if not quiet:
        if diff_only:
            noun = "fix" if fixed_total == 1 else "fixes"
            out.write(f"Would apply {fixed_total} {noun} in {changed_files} file(s).\n")
        else:
            out.write(f"Fixed {fixed_total} finding(s) in {changed_files} file(s); {remaining_total} remaining.\n")
        if unsafe_left:
            out.write(f"{unsafe_left} more fixable with --unsafe-fixes.\n")
        if errors:
            out.write(f"{errors} file(s) could not be checked.\n")
    out.flush()
    if diff_only:
        return EXIT_FINDINGS if changed_files or errors else EXIT_CLEAN
    if exit_non_zero_on_fix and fixed_total:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if remaining_total or errors else EXIT_CLEAN
