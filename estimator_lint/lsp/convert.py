"""Findings, file errors and fix edits in the Language Server Protocol's terms.

LSP positions are 0-based lines and columns counted in the client's position encoding
(UTF-16 code units unless the client negotiated UTF-8 or UTF-32); lines end at ``\\n``,
``\\r\\n`` and ``\\r`` only, where Python's tokenizer ends them.  The engine counts
1-based lines and 0-based characters, so a finding the CLI prints at ``31:5`` is at line
30, character 4 here (for a line of ASCII or BMP text).
"""

from __future__ import annotations

import bisect
from typing import List, Optional, Sequence

from lsprotocol import types

from estimator_lint.diagnostics import Applicability, Diagnostic, Edit, FileError
from estimator_lint.source import physical_lines

SOURCE = "estimator-lint"


class LineIndex:
    """Character offsets and engine positions of one text, as LSP positions (and back)."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.text = text
        self.lines: List[str] = physical_lines(text)
        self._starts = [0]
        for line in self.lines:
            self._starts.append(self._starts[-1] + len(line))
        self._encoding = str(getattr(encoding, "value", encoding))

    def _units(self, chars: str) -> int:
        if chars.isascii() or self._encoding == "utf-32":
            return len(chars)
        if self._encoding == "utf-8":
            return len(chars.encode("utf-8", "surrogatepass"))
        return len(chars.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, line: int, column: int) -> types.Position:
        """The LSP position of 0-based ``line`` and character ``column``."""
        if line >= len(self.lines):
            return types.Position(line=len(self.lines), character=0)
        content = self.lines[line].rstrip("\r\n")
        return types.Position(line=line, character=self._units(content[: max(column, 0)]))

    def position_at(self, offset: int) -> types.Position:
        """The LSP position of a character offset into the text."""
        line = bisect.bisect_right(self._starts, offset) - 1
        if line >= len(self.lines):
            return types.Position(line=len(self.lines), character=0)
        return self.position(line, offset - self._starts[line])

    def offset(self, position: types.Position) -> int:
        """The character offset of an LSP position (clamped to its line)."""
        if position.line >= len(self.lines):
            return len(self.text)
        content = self.lines[position.line].rstrip("\r\n")
        if content.isascii() or self._encoding == "utf-32":
            column = min(position.character, len(content))
        else:
            column, units = 0, 0
            while column < len(content) and units < position.character:
                units += self._units(content[column])
                column += 1
        return self._starts[position.line] + column

    def range(self, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        """The LSP range of an engine span (1-based lines, 0-based characters)."""
        return types.Range(start=self.position(line - 1, column), end=self.position(end_line - 1, end_column))


def diagnostic(diag: Diagnostic, lines: LineIndex) -> types.Diagnostic:
    """A finding as an LSP diagnostic: code, the rule's page as ``codeDescription``, and
    the rule's name in ``data``."""
    from estimator_lint.rules import RULES_BY_CODE

    rule = RULES_BY_CODE.get(diag.code)
    data = {"name": rule.name if rule else diag.code}
    return types.Diagnostic(
        range=lines.range(diag.line, diag.column, diag.end_line, diag.end_column),
        message=diag.message,
        severity=types.DiagnosticSeverity.Warning,
        code=diag.code,
        code_description=types.CodeDescription(href=rule.url()) if rule else None,
        source=SOURCE,
        data=data,
    )


def file_error(error: FileError, lines: LineIndex) -> types.Diagnostic:
    """Why the text could not be checked, as one diagnostic at the place it names."""
    line = max(error.line, 1)
    end = len(lines.lines[line - 1].rstrip("\r\n")) if line <= len(lines.lines) else error.column
    return types.Diagnostic(
        range=lines.range(line, error.column, line, max(end, error.column)),
        message=error.message,
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def text_edits(edits: Sequence[Edit], lines: LineIndex) -> List[types.TextEdit]:
    return [
        types.TextEdit(range=types.Range(start=lines.position_at(e.start), end=lines.position_at(e.end)), new_text=e.content)
        for e in sorted(edits, key=lambda e: (e.start, e.end))
    ]


def replacement(old: str, new: str) -> Optional[Edit]:
    """One edit turning ``old`` into ``new``: the differing middle (None when equal)."""
    if old == new:
        return None
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    return Edit(start, end_old, new[start:end_new])


def fix_title(diag: Diagnostic) -> str:
    """The quick fix's title; unsafe fixes say so."""
    unsafe = diag.fix is not None and diag.fix.applicability is Applicability.UNSAFE
    return f"Fix {diag.code}: {diag.fix.message}" + (" (unsafe)" if unsafe else "")


def overlaps(a: types.Range, b: types.Range) -> bool:
    """Whether two ranges share a position (an empty range touching another counts)."""
    def key(p: types.Position):
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
