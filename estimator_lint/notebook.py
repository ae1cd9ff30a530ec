"""Jupyter notebooks (``.ipynb``) as one Python module made of their code cells.

A notebook is linted as the concatenation of its code cells, in order, each ending with a
newline, so that a tensor captured in one cell and read in a later one is one module's
flow.  IPython syntax that is not Python (line magics ``%``, cell magics ``%%``, shell
escapes ``!``, help ``?``) is replaced line for line by a comment placeholder: rows and
the other lines' columns do not move, and a placeholder inside a string stays text.

Positions are mapped back to (cell, row in cell) as Ruff prints them
(``train.ipynb:cell 3:2:8``); cells are numbered from 1 over all cells, markdown included,
as Jupyter shows them.

Fixes are edits of the concatenated text.  :meth:`Notebook.apply` carries them back into
the cells; an edit that would cross a cell boundary or touch a magic line is refused
(:meth:`Notebook.accepts`).  Only the changed cells' ``source`` values are replaced, and
the document is written with the layout it was read with.

Why plain :mod:`json` and not nbformat: nbformat's writer re-serialises the whole
document its own way (sorted keys, indent 1, sources split into lines, ids added or
upgraded), so a fix would rewrite every byte of a notebook written otherwise.  The
standard library keeps key order, and :func:`_layout_of` finds the ``json.dumps``
arguments that reproduce the file byte for byte; a notebook that no such arguments
reproduce is still linted but not rewritten (one clear error).
"""

from __future__ import annotations

import bisect
import copy
import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

NOTEBOOK_SUFFIX = ".ipynb"

#: Cell magics whose body is Python (timed, captured or profiled code): only their first
#: line is replaced.  The body of any other cell magic (``%%bash``, ``%%writefile``,
#: ``%%html``, ...) is not Python, and the whole cell is replaced.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "pdb", "profile"})

#: What replaces a line of IPython syntax: a comment, whatever the line's indentation.
PLACEHOLDER = "# (IPython)"

# ``files = !ls`` and ``t = %timeit -o f()``: an assignment from a magic or shell command.
_ASSIGNED_MAGIC = re.compile(r"[\w.\[\], ]+=\s*[%!]")
# ``obj?``, ``obj??``, ``?obj``: IPython's help syntax.
_HELP = re.compile(r"\?\??\s*$|^\?")


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class NotebookError(ValueError):
    """A file that is not a notebook we can read; ``str(self)`` is the one-line reason."""


def is_notebook(path: str) -> bool:
    return isinstance(path, str) and path.lower().endswith(NOTEBOOK_SUFFIX)


def _is_ipython_line(stripped: str) -> bool:
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "%!":
        return True
    return bool(_ASSIGNED_MAGIC.match(stripped) or _HELP.search(stripped))


@dataclass(frozen=True)
class _CodeCell:
    number: int  # 1-based over all cells
    position: int  # index in the document's "cells" list
    original: str  # the cell's source, joined
    python: str  # the same with IPython lines replaced, ending with a newline
    #: (start, original line) of each placeholder in ``python`` (the line without its ending).
    magics: Tuple[Tuple[int, str], ...]
    added_newline: bool


def _python_of(source: str) -> Tuple[str, Tuple[Tuple[int, str], ...]]:
    lines = _LINE.findall(source)
    out: List[str] = []
    magics: List[Tuple[int, str]] = []
    offset = 0
    first = lines[0].strip() if lines else ""
    magic = first[2:].split(None, 1)[0] if first.startswith("%%") and first[2:].strip() else ""
    whole_cell = first.startswith("%%") and magic not in PYTHON_CELL_MAGICS
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        stripped = body.strip()
        if (whole_cell and stripped) or (i == 0 and stripped.startswith("%%")) or _is_ipython_line(stripped):
            magics.append((offset, body))
            body = PLACEHOLDER
        out.append(body + ending)
        offset += len(body) + len(ending)
    return "".join(out), tuple(magics)


def _join(source: Any) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    raise NotebookError("a cell's 'source' is neither a string nor a list of strings")


@dataclass(frozen=True)
class _Layout:
    indent: Optional[int]
    ensure_ascii: bool
    separators: Tuple[str, str]
    newline: bool

    def dumps(self, document: Any) -> bytes:
        text = json.dumps(document, indent=self.indent, ensure_ascii=self.ensure_ascii, separators=self.separators)
        return (text + ("\n" if self.newline else "")).encode("utf-8")


def _layout_of(data: bytes, document: Any) -> Optional[_Layout]:
    """The ``json.dumps`` arguments that write ``document`` as ``data`` (None: none do)."""
    text = data.decode("utf-8")
    newline = text.endswith("\n")
    match = re.match(r"\{\r?\n( *)\S", text)
    indents: List[Optional[int]] = [len(match.group(1))] if match else [None]
    for indent in indents:
        for ensure_ascii in (False, True):
            for separators in ((",", ": "), (", ", ": "), (",", ":")):
                layout = _Layout(indent, ensure_ascii, separators, newline)
                if layout.dumps(document) == data:
                    return layout
    return None


class Notebook:
    """A parsed notebook: its code as one text, and the way back to its cells."""

    def __init__(self, document: Dict[str, Any], data: Optional[bytes] = None, layout: Optional[_Layout] = None):
        self.document = document
        self.data = data
        self._layout = layout
        self._layout_known = layout is not None
        cells = document.get("cells")
        if not isinstance(cells, list):
            raise NotebookError("no 'cells' list (only nbformat 4 notebooks are supported)")
        self.python = _is_python(document)
        self.cells: List[_CodeCell] = []
        parts: List[str] = []
        self.starts: List[int] = []  # offset of each code cell in text
        self.row_starts: List[int] = []  # 1-based row of each code cell's first line
        offset, row = 0, 1
        for position, cell in enumerate(cells):
            if not isinstance(cell, dict):
                raise NotebookError(f"cell {position + 1} is not a JSON object")
            if cell.get("cell_type") != "code" or not self.python:
                if "source" in cell:
                    _join(cell["source"])  # validated all the same
                continue
            original = _join(cell.get("source", ""))
            python, magics = _python_of(original)
            added = bool(python) and not python.endswith(("\n", "\r"))
            if added:
                python += "\n"
            self.cells.append(_CodeCell(position + 1, position, original, python, magics, added))
            self.starts.append(offset)
            self.row_starts.append(row)
            parts.append(python)
            offset += len(python)
            row += len(re.findall(r"\r\n|\r|\n", python))
        self.text = "".join(parts)

    @classmethod
    def parse(cls, data: bytes) -> "Notebook":
        try:
            text = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
        except UnicodeDecodeError as exc:
            raise NotebookError(f"invalid notebook: not UTF-8 at byte {exc.start}") from None
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise NotebookError(f"invalid notebook: not JSON ({exc})") from None
        if not isinstance(document, dict):
            raise NotebookError("invalid notebook: the JSON document is not an object")
        try:
            return cls(document, data)
        except NotebookError as exc:
            raise NotebookError(f"invalid notebook: {exc}") from None

    # positions ---------------------------------------------------------------------------

    def locate(self, row: int) -> Tuple[Optional[int], int]:
        """(cell number, row in the cell) of a 1-based row of :attr:`text`."""
        if not self.cells:
            return None, row
        i = max(bisect.bisect_right(self.row_starts, row) - 1, 0)
        return self.cells[i].number, row - self.row_starts[i] + 1

    def to_cells(self, diagnostics: Sequence) -> list:
        """Diagnostics of :attr:`text` with their rows in cell terms (``cell`` set)."""
        import dataclasses

        out = []
        for d in diagnostics:
            cell, line = self.locate(d.line)
            end_cell, end_line = self.locate(d.end_line)
            if end_cell != cell:  # a span reaching into a later cell ends with its first cell
                end_line, end_column = line, d.column
            else:
                end_column = d.end_column
            out.append(dataclasses.replace(d, cell=cell, line=line, end_line=end_line, end_column=end_column))
        return out

    # edits ---------------------------------------------------------------------------------

    def _protected(self) -> List[Tuple[int, int]]:
        spans = []
        for cell, start in zip(self.cells, self.starts):
            spans.extend((start + m, start + m + len(PLACEHOLDER)) for m, _ in cell.magics)
        return spans

    def accepts(self, edits: Sequence) -> bool:
        """Whether the edits stay inside single cells and leave magic lines alone."""
        inner = self.starts[1:]
        protected = self._protected()
        for e in edits:
            if any(e.start < b < e.end for b in inner):
                return False
            if any(e.start < pe and ps < e.end or ps < e.start < pe for ps, pe in protected):
                return False
        return True

    def apply(self, edits: Sequence) -> "Notebook":
        """The notebook with ``edits`` (of :attr:`text`; :meth:`accepts` them) carried into its cells."""
        from estimator_lint.diagnostics import apply_edits

        new_text = apply_edits(self.text, list(edits))

        def moved(pos: int, boundary: bool) -> int:
            delta = 0
            for e in edits:
                before = (e.end < pos or (e.end == pos and e.start < pos)) if boundary else e.end <= pos
                if before:
                    delta += len(e.content) - (e.end - e.start)
            return pos + delta

        document = copy.copy(self.document)
        cells = list(self.document["cells"])
        document["cells"] = cells
        new_starts = [moved(s, True) for s in self.starts] + [len(new_text)]
        for k, cell in enumerate(self.cells):
            start, end = new_starts[k], new_starts[k + 1]
            pieces, cursor = [], start
            for m, line in cell.magics:
                at = moved(self.starts[k] + m, False)
                pieces.append(new_text[cursor:at])
                pieces.append(line)
                cursor = at + len(PLACEHOLDER)
            pieces.append(new_text[cursor:end])
            source = "".join(pieces)
            if cell.added_newline and source.endswith("\n"):
                source = source[:-1]
            if source == cell.original:
                continue
            old = cells[cell.position]
            new_cell = dict(old)
            new_cell["source"] = _LINE.findall(source) if isinstance(old.get("source"), list) else source
            cells[cell.position] = new_cell
        return Notebook(document, None, self._layout if self._layout_known else self.layout())

    def changed_cells(self, other: "Notebook") -> List[Tuple[int, str, str]]:
        """(cell number, old source, new source) of the code cells ``other`` changed."""
        return [(a.number, a.original, b.original) for a, b in zip(self.cells, other.cells) if a.original != b.original]

    # writing -------------------------------------------------------------------------------

    def layout(self) -> Optional[_Layout]:
        if not self._layout_known:
            self._layout = _layout_of(self.data, self.document) if self.data is not None else None
            self._layout_known = True
        return self._layout

    def dumps(self) -> bytes:
        layout = self.layout()
        if layout is None:
            raise NotebookError(
                "the notebook's JSON layout cannot be reproduced (it was not written by json.dumps); "
                "save it from Jupyter once to fix it"
            )
        return layout.dumps(self.document)


def _is_python(document: Dict[str, Any]) -> bool:
    """Whether the notebook's kernel runs Python (no language said counts as Python)."""
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return True
    info = metadata.get("language_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return info["name"].lower() == "python"
    spec = metadata.get("kernelspec")
    if isinstance(spec, dict) and isinstance(spec.get("language"), str):
        return spec["language"].lower() == "python"
    return True
