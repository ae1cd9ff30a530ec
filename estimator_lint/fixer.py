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
from collections import Counter
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from estimator_lint.diagnostics import Applicability, Diagnostic, Edit, FileError
from estimator_lint.engine import (
    Settings,
    SourceError,
    decode_source,
    in_project,
    lint_source,
    package_of,
    read_error,
    read_source_bytes,
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
    #: Findings of the original text (before any fix).
    found: List[Diagnostic] = field(default_factory=list)
    #: Whether unsafe fixes were applied too.
    unsafe: bool = False

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def _gone_by_code(self) -> Counter:
        """Code -> how many of the original text's findings are not in the fixed text.

        Positions and messages move with the edits; the count per code does not.
        """
        if not self.changed:
            return Counter()
        return Counter(d.code for d in self.found) - Counter(d.code for d in self.remaining)

    def fixed_by_code(self) -> Counter:
        """Code -> how many findings of that code the fixes fixed.

        Counted in findings, as the check run counts ``[*] N fixable``: a finding with a
        fix this run may apply, gone from the fixed text.  One fix may resolve several
        findings (an override removed whole takes its captures with it; their own
        overlapping fixes are then never applied), so the applied fixes are not the count.
        """
        fixable = Counter(d.code for d in self.found if _allowed(d, self.unsafe))
        gone = self._gone_by_code()
        return Counter({code: min(count, fixable[code]) for code, count in gone.items() if fixable[code]})

    @property
    def fixed(self) -> int:
        """How many findings the fixes fixed (see :meth:`fixed_by_code`)."""
        return sum(self.fixed_by_code().values())

    @property
    def unreported(self) -> int:
        """Findings without a fix of their own that the fixes made disappear, though the
        code is still there: an EST104 read of an attribute whose capture a fix moved (the
        reason such a fix is unsafe).  Neither fixed nor remaining."""
        return sum(self._gone_by_code().values()) - self.fixed

    def _not_written(self, error: FileError) -> None:
        """The fixed text was not written: the file keeps its findings."""
        self.error = error
        self.text = self.original
        self.applied = []
        self.remaining = list(self.found)

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
               package: Optional[str] = None, index=None) -> FixResult:
    """Apply fixes until none applies. Raises :class:`SourceError` for bad input.

    ``index``: the project index, so that cross-module findings are fixed alike.
    """
    settings = settings or Settings()
    result = FixResult(path, text, text, unsafe=unsafe)
    current = text
    index, module, known_package = in_project(index, path)
    package = known_package if known_package is not None else package

    def lint(current_text: str):
        return lint_source(current_text, path, settings, package=package, index=index, module=module)

    diagnostics = lint(current)
    result.found = list(diagnostics)
    for _ in range(MAX_PASSES):
        chosen = _non_overlapping(diagnostics, unsafe)
        if not chosen:
            break
        edits: List[Edit] = [e for d in chosen for e in d.fix.edits]
        candidate = apply_edits(current, edits)
        try:
            ast.parse(candidate)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            break  # never write code that does not parse (a bug: the edits are dropped)
        current = candidate
        result.applied.extend(chosen)
        diagnostics = lint(current)
    result.text = current
    result.remaining = diagnostics
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
        text = decode_source(data)
    except SourceError as exc:
        result = FixResult(path, "", "")
        result.error = FileError(str(exc), exc.line, exc.column)
        return result
    try:
        package = package_of(path) if "from ." in text else None
        result = fix_source(text, path, settings, unsafe, package=package, index=index)
    except SourceError as exc:
        result = FixResult(path, text, text)
        result.error = FileError(str(exc), exc.line, exc.column)
        return result
    if write and result.changed:
        encoding, bom = _encoding_of(data)
        try:
            new_data = (b"\xef\xbb\xbf" if bom else b"") + result.text.encode(encoding)
        except UnicodeEncodeError as exc:
            result._not_written(FileError(f"not fixed: the fixed text cannot be encoded as {encoding}: {exc.reason}"))
            return result
        try:
            write_atomically(path, data, new_data)
        except (OSError, FileChangedError) as exc:
            result._not_written(FileError(f"not fixed: {exc}"))
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
