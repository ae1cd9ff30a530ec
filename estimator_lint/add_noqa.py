"""``estimator-lint --add-noqa``: suppress every current finding where it is reported.

Adopting the linter on a big codebase: each line with findings gets ``# noqa: EST10x``
(the codes merged into a ``# noqa: ...`` already there, never twice; other comments kept),
so that the run is clean and only new code is held to the rules.  A second run adds
nothing.  Notebooks get the comments in their cells.

A finding reported on a line that ends inside a multi-line string or with a backslash
continuation cannot take a comment there; such findings are counted as skipped.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from typing import Dict, List, Optional, Set

from estimator_lint.diagnostics import Edit, FileError
from estimator_lint.engine import in_project, lint_source
from estimator_lint.settings import Settings
from estimator_lint.source import (
    SourceError,
    package_of,
    physical_lines,
    read_error,
    read_source_bytes,
    source_text,
)
from estimator_lint.noqa import merge_noqa


@dataclass
class AddNoqaResult:
    path: str
    added: int = 0
    skipped: int = 0
    error: Optional[FileError] = None


def _uncommentable_lines(text: str) -> Set[int]:
    """Lines a comment cannot end: inside a multi-line string token (all but its last line)."""
    lines: Set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                lines.update(range(tok.start[0], tok.end[0]))
            elif getattr(tokenize, "FSTRING_MIDDLE", None) == tok.type and tok.end[0] > tok.start[0]:
                lines.update(range(tok.start[0], tok.end[0]))
    except (tokenize.TokenError, SyntaxError):
        pass
    return lines


def add_noqa_file(path: str, settings: Optional[Settings] = None, index=None) -> AddNoqaResult:
    """Add ``# noqa: CODES`` for every finding of ``path`` and write it back."""
    from estimator_lint.fix_apply import FileChangedError, _encoding_of, write_atomically
    from estimator_lint.diagnostics import apply_edits

    settings = settings or Settings()
    result = AddNoqaResult(path)
    try:
        data = read_source_bytes(path)
    except (OSError, ValueError) as exc:
        result.error = read_error(path, exc)
        return result
    try:
        text, notebook = source_text(path, data)
        view, module, package = in_project(index, path)
        if package is None and "from ." in text:
            package = package_of(path)
        diagnostics = lint_source(text, path, settings, package=package, index=view, module=module)
    except SourceError as exc:
        result.error = FileError(str(exc), exc.line, exc.column)
        return result
    codes_by_line: Dict[int, List[str]] = {}
    for diag in diagnostics:
        codes = codes_by_line.setdefault(diag.line, [])
        if diag.code not in codes:
            codes.append(diag.code)
    if not codes_by_line:
        return result
    lines = physical_lines(text)
    blocked = _uncommentable_lines(text)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits: List[Edit] = []
    for number in sorted(codes_by_line):
        codes = codes_by_line[number]
        content = lines[number - 1] if number <= len(lines) else ""
        body = content.rstrip("\r\n")
        if number in blocked or body.endswith("\\"):
            result.skipped += len(codes)
            continue
        new_body, added = merge_noqa(body, codes)
        if added:
            start = offsets[number - 1]
            edits.append(Edit(start, start + len(body), new_body))
            result.added += added
    if not edits:
        return result
    try:
        if notebook is not None:
            if not notebook.accepts(edits):  # never: a finding's line is code of one cell
                result.error = FileError("not changed: a noqa comment would land outside a code cell")
                result.added = 0
                return result
            new_data = notebook.apply(edits).dumps()
        else:
            encoding, bom = _encoding_of(data)
            new_data = (b"\xef\xbb\xbf" if bom else b"") + apply_edits(text, edits).encode(encoding)
        write_atomically(path, data, new_data)
    except (OSError, FileChangedError, UnicodeEncodeError, ValueError) as exc:
        result.error = FileError(f"not changed: {exc}")
        result.added = 0
    return result
