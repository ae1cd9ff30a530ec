"""Output formats: how a run's findings are written (``--output-format``).

Every format is a :class:`Reporter`: the command calls :meth:`Reporter.file` with each
file's result as it arrives (``text`` and ``github`` stream; ``json`` and ``sarif`` write one
document at the end) and :meth:`Reporter.finish` once with the run's :class:`RunStats`.
Positions are 1-based rows and columns everywhere; an end column is the column just past
the finding, as in Ruff.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, TextIO, Tuple

from estimator_lint.diagnostics import Applicability, Diagnostic, FileResult
from estimator_lint.settings import FORMATS, FORMATS_WITH_EDITS

_NEWLINE = re.compile(r"\r\n|\r|\n")

#: ``FileError.kind`` of a path named on the command line that does not exist.
MISSING = "missing"
#: The code of a file that could not be read (Ruff's, after pycodestyle's ``E902``).
IO_ERROR_CODE = "E902"

__all__ = [
    "FORMATS",
    "FORMATS_WITH_EDITS",
    "MISSING",
    "IO_ERROR_CODE",
    "RunStats",
    "Reporter",
    "SourceIndex",
    "create",
    "display_path",
    "plural",
    "printable",
    "error_code",
    "missing_path",
]


def plural(count: int, noun: str, nouns: str = "") -> str:
    """``1 file``, ``2 files`` (``nouns``: an irregular plural)."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def missing_path(path: str) -> FileResult:
    """A path named on the command line that does not exist, as a file that could not be
    checked (Ruff reports it as ``E902 No such file or directory``)."""
    from estimator_lint.diagnostics import FileError

    return FileResult(path, error=FileError("No such file or directory", kind=MISSING))


def error_code(error) -> Optional[str]:
    """The code under which the machine-readable formats report a file that could not be
    checked, as current Ruff does: ``E902`` when it could not be read (or does not
    exist), ``invalid-syntax`` for a syntax error, none otherwise (nesting too deep, a
    worker that died, an internal error)."""
    if error.kind == MISSING or error.message.startswith(("cannot read", "cannot decode", "file contains a NUL")):
        return IO_ERROR_CODE
    if error.message.startswith("syntax error"):
        return "invalid-syntax"
    return None


def display_path(path: str) -> str:
    """The path as the text formats show it (as given, without a leading ``./``).

    A file name that is not UTF-8 (bytes kept as surrogates) is shown with backslash
    escapes, so that printing it can never fail.
    """
    path = path[2:] if path.startswith("./") else path
    return os.fsencode(path).decode("utf-8", "backslashreplace")


#: Characters a terminal acts on instead of showing: C0/C1 controls and DEL (a newline can
#: forge a finding line, ESC starts an ANSI sequence), line/paragraph separators and the
#: bidirectional overrides and isolates (text that reads differently than it is).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every character a terminal would act on shown as an escape (``\\n``,
    ``\\x1b``, ``\\u202e``): a path or message can never print as another line."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: "re.Match[str]") -> str:
    ch = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or (
        f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
    )


def write_unified_diff(out: TextIO, name: str, old: str, new: str) -> None:
    """``--diff``: the unified diff of ``old`` into ``new`` for ``name`` (``a/name`` and
    ``b/name``, or the path itself when absolute), as ``diff -u`` and ``patch`` read it."""
    labels = (name, name) if os.path.isabs(name) else (f"a/{name}", f"b/{name}")
    for line in difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=labels[0], tofile=labels[1]
    ):
        out.write(line)
        if not line.endswith(("\n", "\r")):
            # A last line without a line break (old or new): marked as diff marks it.
            out.write("\n\\ No newline at end of file\n")


def position(row: int, column: int, cell=None) -> str:
    """``row:col`` (1-based column), ``cell N:row:col`` in a notebook, as Ruff prints them."""
    return f"cell {cell}:{row}:{column}" if cell is not None else f"{row}:{column}"


def fix_enabled(diag: Diagnostic, unsafe_fixes: bool) -> bool:
    """Whether ``--fix`` would apply this finding's fix."""
    return diag.fix is not None and (unsafe_fixes or diag.fix.applicability is Applicability.SAFE)


@dataclass
class RunStats:
    """Counts over a whole run (the summary, ``--statistics`` and the progress line).

    In a ``--fix`` run a result's ``diagnostics`` are the findings that remain and its
    ``fixed`` the findings its fixes resolved; in a ``--diff`` run (``mode`` ``"diff"``)
    ``fixed`` counts the findings ``--fix`` would resolve.
    """

    unsafe_fixes: bool = False
    #: ``check``, ``fix`` or ``diff``: which summary the text formats print.
    mode: str = "check"
    files: int = 0
    #: Paths named on the command line that do not exist (also counted in ``errors``).
    missing: int = 0
    findings: int = 0
    errors: int = 0
    internal_errors: int = 0
    fixed: int = 0
    files_with_findings: int = 0
    #: Files with findings that fixes resolved (or would resolve, with ``--diff``).
    files_fixed: int = 0
    #: Findings without a fix of their own that are no longer reported after the fixes
    #: (``FixResult.unreported``): neither fixed nor remaining.
    unreported: int = 0
    #: Findings ``--fix`` would fix with the current settings.
    fixable: int = 0
    #: Findings with an unsafe fix that ``--unsafe-fixes`` would enable.
    hidden_fixes: int = 0
    by_code: Counter = field(default_factory=Counter)
    fixable_codes: Set[str] = field(default_factory=set)

    def add(self, result: FileResult) -> None:
        if result.error is not None and result.error.kind == MISSING:
            self.missing += 1
            self.errors += 1
            return
        self.files += 1
        self.fixed += result.fixed
        self.files_fixed += result.fixed > 0
        if result.error is not None:
            self.errors += 1
            self.internal_errors += result.error.kind == "internal"
        if result.diagnostics or result.fixed:
            self.files_with_findings += 1
        for diag in result.diagnostics:
            self.findings += 1
            self.by_code[diag.code] += 1
            if fix_enabled(diag, self.unsafe_fixes):
                self.fixable += 1
            elif diag.fix is not None:
                self.hidden_fixes += 1
            if diag.fix is not None:
                self.fixable_codes.add(diag.code)


class SourceIndex:
    """Character offsets of a text to 1-based (row, column); lines end as Python's do.

    For a notebook (``notebook``: its :class:`~estimator_lint.notebook.Notebook`) the text
    is its code cells' and rows count within the offset's cell.
    """

    def __init__(self, text: str, notebook=None) -> None:
        self._starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        self._notebook = notebook

    def location(self, offset: int) -> Tuple[int, int]:
        row = bisect.bisect_right(self._starts, offset) - 1
        column = offset - self._starts[row] + 1
        if self._notebook is not None:
            return self._notebook.locate(row + 1)[1], column
        return row + 1, column


class Reporter:
    """Base class of the formats."""

    #: Whether the format streams lines (and so suits a progress bar on a terminal).
    streams = True

    @property
    def summarizes(self) -> bool:
        """Whether :meth:`finish` prints a summary (else a progress bar prints its own)."""
        return False

    def __init__(
        self,
        out: TextIO,
        *,
        quiet: bool = False,
        unsafe_fixes: bool = False,
        cwd: Optional[str] = None,
    ) -> None:
        self.out = out
        self.quiet = quiet
        self.unsafe_fixes = unsafe_fixes
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self._sources: Dict[str, Optional[SourceIndex]] = {}

    def file(self, result: FileResult) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def finish(self, stats: RunStats) -> None:
        pass

    # helpers ---------------------------------------------------------------------------

    def use_text(self, path: str, text: str) -> None:
        """The text ``path``'s findings refer to, when it is not the file on disk (stdin)."""
        self._sources[path] = SourceIndex(text)

    def source_index(self, path: str) -> Optional[SourceIndex]:
        """The file's text as the analysis saw it (for fix edit positions), read on demand."""
        if path not in self._sources:
            from estimator_lint.source import SourceError, source_text

            try:
                with open(path, "rb") as handle:
                    self._sources[path] = SourceIndex(*source_text(path, handle.read()))
            except (OSError, SourceError):
                self._sources[path] = None
        return self._sources[path]

    def edit_ranges(self, path: str, diag: Diagnostic) -> List[Tuple[Tuple[int, int], Tuple[int, int], str]]:
        """((row, col), (end_row, end_col), content) of each edit of the finding's fix."""
        index = self.source_index(path) if diag.fix is not None else None
        if index is None:
            return []
        return [(index.location(e.start), index.location(e.end), e.content) for e in diag.fix.edits]


def create(fmt: str, out: TextIO, *, statistics: bool = False, **options) -> Reporter:
    """The reporter for ``--output-format fmt`` (``--statistics`` replaces the findings)."""
    if statistics:
        from estimator_lint.output.statistics import StatisticsReporter

        return StatisticsReporter(out, as_json=fmt == "json", **options)
    if fmt == "text":
        from estimator_lint.output.text import TextReporter

        return TextReporter(out, **options)
    if fmt == "json":
        from estimator_lint.output.json import JsonReporter

        return JsonReporter(out, **options)
    if fmt == "sarif":
        from estimator_lint.output.sarif import SarifReporter

        return SarifReporter(out, **options)
    if fmt == "github":
        from estimator_lint.output.github import GithubReporter

        return GithubReporter(out, **options)
    raise ValueError(f"unknown output format {fmt!r}")
