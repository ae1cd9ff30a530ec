"""``text``: ``path:row:col: CODE [*] message`` per finding, then a summary."""

from __future__ import annotations

from typing import List

from estimator_lint.diagnostics import FileResult
from estimator_lint.output import (
    IO_ERROR_CODE,
    MISSING,
    Reporter,
    RunStats,
    display_path,
    fix_enabled,
    plural,
    position,
    printable,
)


def summary(stats: RunStats) -> List[str]:
    """The closing lines of a run, one counting for ``check``, ``--fix`` and ``--diff``.

    Findings are counted as the check run counts them: ``[*] N fixable with --fix``
    announces the number ``--diff`` says it would fix and ``--fix`` says it fixed
    (as Ruff's ``Found 2 errors (2 fixed, 0 remaining).``).  Findings that a fix made
    disappear without fixing them (EST104 reads of a moved capture, under
    ``--unsafe-fixes``) are counted apart, so that the numbers add up to the check run's.
    """
    lines = []
    checked = f"{plural(stats.files, 'file')} checked"
    remaining = stats.findings
    unreported = f", {stats.unreported} no longer reported" if stats.unreported else ""
    if stats.mode == "fix" and (stats.fixed or remaining):
        total = stats.fixed + remaining + stats.unreported
        lines.append(
            f"Found {plural(total, 'finding')} in {stats.files_with_findings} of {checked}"
            f" ({stats.fixed} fixed, {remaining} remaining{unreported})."
        )
    elif stats.mode == "diff" and stats.fixed:
        unreported = f" ({stats.unreported} more would no longer be reported)" if stats.unreported else ""
        lines.append(f"Would fix {plural(stats.fixed, 'finding')} in {stats.files_fixed} of {checked}{unreported}.")
    elif stats.mode == "check" and remaining:
        lines.append(f"Found {plural(remaining, 'finding')} in {stats.files_with_findings} of {checked}.")
    elif stats.files == 0 and not stats.errors:
        lines.append("No Python files found.")
    elif stats.errors:
        lines.append(f"No findings in {checked}." if stats.mode != "diff" else f"Nothing to fix in {checked}.")
    elif stats.mode == "diff":
        lines.append(f"Nothing to fix ({checked}).")
    else:
        lines.append(f"All checks passed ({checked}).")
    if stats.fixable and stats.mode == "check":
        more = f" ({stats.hidden_fixes} more with --fix --unsafe-fixes)" if stats.hidden_fixes else ""
        lines.append(f"[*] {stats.fixable} fixable with --fix{more}.")
    elif stats.hidden_fixes and stats.mode == "check":
        # As Ruff says it: nothing for a plain --fix, but unsafe fixes exist.
        fixes = plural(stats.hidden_fixes, "unsafe fix", "unsafe fixes")
        lines.append(f"No fixes available with --fix ({fixes} with --fix --unsafe-fixes).")
    elif stats.hidden_fixes:
        lines.append(f"{stats.hidden_fixes} more fixable with --fix --unsafe-fixes.")
    if stats.errors:
        lines.append(f"{plural(stats.errors, 'file')} could not be checked.")
    return lines


class TextReporter(Reporter):
    @property
    def summarizes(self) -> bool:
        return not self.quiet

    def file(self, result: FileResult) -> None:
        path = printable(display_path(result.path))  # a file name cannot forge a line
        write = self.out.write
        if result.error is not None:
            err = result.error
            if err.kind == MISSING:
                # As Ruff reports it: a finding-like line, never a success after it.
                write(f"{path}:1:1: {IO_ERROR_CODE} {err.message}\n")
            else:
                write(f"{path}:{position(err.line, err.column + 1, err.cell)}: error: {printable(err.message)}\n")
        for diag in result.diagnostics:
            # As in Ruff: marked when this run's --fix would apply it (unsafe ones need --unsafe-fixes).
            mark = " [*]" if fix_enabled(diag, self.unsafe_fixes) else ""
            write(f"{path}:{position(diag.line, diag.column + 1, diag.cell)}: {diag.code}{mark} {printable(diag.message)}\n")

    def finish(self, stats: RunStats) -> None:
        if not self.quiet:
            self.out.write("".join(line + "\n" for line in summary(stats)))
