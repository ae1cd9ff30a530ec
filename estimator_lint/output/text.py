"""``text``: ``path:row:col: CODE [*] message`` per finding, then a summary."""

from __future__ import annotations

from estimator_lint.diagnostics import FileResult
from estimator_lint.output import Reporter, RunStats, display_path, fix_enabled, position


class TextReporter(Reporter):
    def file(self, result: FileResult) -> None:
        path = display_path(result.path)
        write = self.out.write
        if result.error is not None:
            err = result.error
            write(f"{path}:{position(err.line, err.column + 1, err.cell)}: error: {err.message}\n")
        for diag in result.diagnostics:
            # As in Ruff: marked when this run's --fix would apply it (unsafe ones need --unsafe-fixes).
            mark = " [*]" if fix_enabled(diag, self.unsafe_fixes) else ""
            write(f"{path}:{position(diag.line, diag.column + 1, diag.cell)}: {diag.code}{mark} {diag.message}\n")

    def finish(self, stats: RunStats) -> None:
        if self.quiet:
            return
        write = self.out.write
        if stats.findings:
            noun = "finding" if stats.findings == 1 else "findings"
            write(f"Found {stats.findings} {noun} in {stats.files_with_findings} of {stats.files} files checked.\n")
            if stats.fixable:
                more = f" ({stats.hidden_fixes} more with --fix --unsafe-fixes)" if stats.hidden_fixes else ""
                write(f"[*] {stats.fixable} fixable with --fix{more}.\n")
            elif stats.hidden_fixes:
                # As Ruff says it: nothing for a plain --fix, but unsafe fixes exist.
                noun = "fix" if stats.hidden_fixes == 1 else "fixes"
                write(f"No fixes available with --fix ({stats.hidden_fixes} unsafe {noun} with --fix --unsafe-fixes).\n")
        elif not stats.errors:
            write(f"All checks passed ({stats.files} files checked).\n")
        else:
            write(f"No findings in {stats.files} files checked.\n")
        if stats.errors:
            write(f"{stats.errors} file(s) could not be checked.\n")
