"""Applying fixes: in passes until none applies, verified, written atomically.

``fix_source`` turns a text into its fixed text; ``fix_file`` does it for a file on disk,
keeping its encoding, BOM, line endings (libcst preserves them) and permissions, writing
through symlinks, and refusing to overwrite a file that changed since it was read.
"""

from __future__ import annotations

import ast
import io
import os
import tempfile
import tokenize
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from estimator_lint.diagnostics import Applicability, Diagnostic, Edit, FileError
from estimator_lint.engine import (
    Settings,
    SourceError,
    in_project,
    lint_source,
    package_of,
    read_error,
    read_source_bytes,
    source_text,
)
from estimator_lint.fixes import apply_edits

#: Conflicting fixes are applied one pass at a time; this bounds the passes.
MAX_PASSES = 10


@dataclass
class FixResult:
    path: str
    original: str
    text: str
    #: Diagnostics whose fixes were applied (their edits refer to the text of their pass).
    applied: List[Diagnostic] = field(default_factory=list)
    #: Findings left in the fixed text.
    remaining: List[Diagnostic] = field(default_factory=list)
    error: Optional[FileError] = None
    #: A notebook's (cell, old source, new source) of each changed code cell.
    cells: Optional[List[Tuple[int, str, str]]] = None
    #: The fixed notebook (a notebook's fix only).
    notebook: Optional[object] = field(default=None, repr=False)

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def unsafe_available(self) -> int:
        return sum(1 for d in self.remaining if d.fix is not None and d.fix.applicability is Applicability.UNSAFE)


def _allowed(diag: Diagnostic, unsafe: bool) -> bool:
    return diag.fix is not None and (unsafe or diag.fix.applicability is Applicability.SAFE)


def _non_overlapping(diagnostics: List[Diagnostic], unsafe: bool) -> List[Diagnostic]:
    """Fixes whose edits overlap none chosen before them (each fix is all or nothing)."""
    taken: List[Tuple[int, int]] = []
    chosen = []
    for diag in diagnostics:
        if not _allowed(diag, unsafe):
            continue
        spans = [(e.start, e.end) for e in diag.fix.edits]
        if any(s < te and ts < e or (s == e == ts) for s, e in spans for ts, te in taken):
            continue
        taken.extend(spans)
        chosen.append(diag)
    return chosen


def fix_source(text: str, path: str = "<string>", settings: Optional[Settings] = None, unsafe: bool = False,
               package: Optional[str] = None, index=None, notebook=None) -> FixResult:
    """Apply fixes until none applies. Raises :class:`SourceError` for bad input.

    ``index``: the project index, so that cross-module findings are fixed alike.
    ``notebook``: ``text`` is this notebook's code (:mod:`estimator_lint.notebook`); fixes
    whose edits cross a cell boundary or touch a magic line are left out, and the fixed
    notebook is ``result.notebook``.
    """
    settings = settings or Settings()
    result = FixResult(path, text, text)
    current = text
    index, module, known_package = in_project(index, path)
    package = known_package if known_package is not None else package

    def lint(current_text: str):
        return lint_source(current_text, path, settings, package=package, index=index, module=module)

    diagnostics = lint(current)
    for _ in range(MAX_PASSES):
        chosen = _non_overlapping(diagnostics, unsafe)
        if notebook is not None:
            chosen = [d for d in chosen if notebook.accepts(d.fix.edits)]
        if not chosen:
            break
        edits: List[Edit] = [e for d in chosen for e in d.fix.edits]
        if notebook is not None:
            fixed_notebook = notebook.apply(edits)
            candidate = fixed_notebook.text
        else:
            candidate = apply_edits(current, edits)
        try:
            ast.parse(candidate)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            break  # never write code that does not parse (a bug: the edits are dropped)
        current = candidate
        if notebook is not None:
            notebook = fixed_notebook
        result.applied.extend(chosen)
        diagnostics = lint(current)
    result.text = current
    result.remaining = diagnostics
    result.notebook = notebook
    return result


# --------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------


def _encoding_of(data: bytes) -> Tuple[str, bool]:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    bom = data.startswith(b"\xef\xbb\xbf")
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    return encoding, bom


def fix_file(
    path: str, settings: Optional[Settings] = None, unsafe: bool = False, write: bool = True, index=None
) -> FixResult:
    """Fix one file; with ``write`` replace it atomically when the fixed text differs."""
    try:
        data = read_source_bytes(path)  # never blocks on a FIFO, never reads a device
    except (OSError, ValueError) as exc:
        result = FixResult(path, "", "")
        result.error = read_error(path, exc)
        return result
    try:
        text, notebook = source_text(path, data)
    except SourceError as exc:
        result = FixResult(path, "", "")
        result.error = FileError(str(exc), exc.line, exc.column)
        return result
    try:
        package = package_of(path) if "from ." in text else None
        result = fix_source(text, path, settings, unsafe, package=package, index=index, notebook=notebook)
    except SourceError as exc:
        result = FixResult(path, text, text)
        cell, line = notebook.locate(exc.line) if notebook is not None else (None, exc.line)
        result.error = FileError(str(exc), line, exc.column, cell=cell)
        return result
    if notebook is not None:
        result.remaining = result.notebook.to_cells(result.remaining)
        result.cells = notebook.changed_cells(result.notebook)
    if write and result.changed:
        if notebook is not None:
            from estimator_lint.notebook import NotebookError

            try:
                new_data = result.notebook.dumps()
            except NotebookError as exc:
                result.error = FileError(f"not fixed: {exc}")
                result.text = result.original
                result.cells = []
                return result
        else:
            encoding, bom = _encoding_of(data)
            try:
                new_data = (b"\xef\xbb\xbf" if bom else b"") + result.text.encode(encoding)
            except UnicodeEncodeError as exc:
                result.error = FileError(f"not fixed: the fixed text cannot be encoded as {encoding}: {exc.reason}")
                result.text = result.original
                return result
        try:
            write_atomically(path, data, new_data)
        except (OSError, FileChangedError) as exc:
            result.error = FileError(f"not fixed: {exc}")
            result.text = result.original
    return result


class FileChangedError(Exception):
    pass


def write_atomically(path: str, expected_old: bytes, new_data: bytes) -> None:
    """Replace ``path``'s content with ``new_data`` via a temp file in the same directory.

    A symlink is written through to its target (it stays a symlink); the target keeps its
    permission bits and, where we may, its owner. If the file no longer holds
    ``expected_old`` the write is refused.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    stat = os.stat(target)
    if not stat.st_mode & 0o222:
        # Read-only by its mode: respected even by root, who could write it anyway.
        raise PermissionError(f"{path} is read-only")
    with open(target, "rb") as handle:
        if handle.read() != expected_old:
            raise FileChangedError("the file changed on disk since it was read; not overwritten")
    fd, tmp = tempfile.mkstemp(prefix=".estimator-lint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new_data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.st_mode & 0o7777)
        try:
            os.chown(tmp, stat.st_uid, stat.st_gid)
        except (PermissionError, AttributeError):
            pass
        if not os.access(target, os.W_OK) and os.geteuid() != 0:
            raise PermissionError(f"{path} is read-only")
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
