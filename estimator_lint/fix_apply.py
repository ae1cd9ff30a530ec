"""Applying fixes: in passes until none applies, verified, written atomically.

``fix_source`` turns a text into its fixed text; ``fix_file`` does it for a file on disk,
keeping its encoding, BOM, line endings (libcst preserves them) and permissions, writing
through symlinks, and refusing to overwrite a file that changed since it was read.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tempfile
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from estimator_lint import trust
from estimator_lint.diagnostics import Applicability, Diagnostic, Edit, FileError, apply_edits
from estimator_lint.engine import finish_fixes, in_project, plan_text
from estimator_lint.settings import Settings
from estimator_lint.source import (
    SourceError,
    package_of,
    read_error,
    read_source_bytes,
    read_to_end,
    source_text,
    too_large,
)

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
    #: A notebook's (cell, old source, new source) of each changed code cell.
    cells: Optional[List[Tuple[int, str, str]]] = None
    #: The fixed notebook (a notebook's fix only).
    notebook: Optional[object] = field(default=None, repr=False)

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
               package: Optional[str] = None, index=None, notebook=None, tree=None) -> FixResult:
    """Apply fixes until none applies. Raises :class:`SourceError` for bad input.

    ``index``: the project index, so that cross-module findings are fixed alike.
    ``notebook``: ``text`` is this notebook's code (:mod:`estimator_lint.notebook`); fixes
    whose edits cross a cell boundary or touch a magic line are left out, and the fixed
    notebook is ``result.notebook``.  ``tree``: ``text``'s ``ast``, when it was parsed before.
    """
    settings = settings or Settings()
    result = FixResult(path, text, text, unsafe=unsafe)
    current = text
    index, module, known_package = in_project(index, path)
    package = known_package if known_package is not None else package

    def lint(current_text: str, tree=None):
        """Findings with their fix plans, and the tree they were found on (rendering uses it)."""
        return plan_text(current_text, path, settings, package=package, index=index, module=module, tree=tree)

    diagnostics, tree = lint(current, tree)
    result.found = list(diagnostics)
    for _ in range(MAX_PASSES):
        # Only the fixes this run applies are rendered (one libcst tree of the text).
        wanted = [d for d in diagnostics if _allowed(d, unsafe)]
        if not wanted:
            break
        rendered = finish_fixes(wanted, current, render=True, tree=tree)
        if notebook is not None:
            # Edits must stay inside one cell and off magic lines.
            rendered = [d for d in rendered if d.fix is None or notebook.accepts(d.fix.edits)]
        chosen = _non_overlapping(rendered, unsafe)
        if not chosen:
            break
        edits: List[Edit] = [e for d in chosen for e in d.fix.edits]
        if notebook is not None:
            fixed_notebook = notebook.apply(edits)
            candidate = fixed_notebook.text
        else:
            candidate = apply_edits(current, edits)
        try:
            tree = ast.parse(candidate)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            break  # never write code that does not parse (a bug: the edits are dropped)
        current = candidate
        if notebook is not None:
            notebook = fixed_notebook
        result.applied.extend(chosen)
        diagnostics, tree = lint(current, tree)
    result.text = current
    result.remaining = finish_fixes(diagnostics, current, settings.fix_edits, tree)
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
    path: str, settings: Optional[Settings] = None, unsafe: bool = False, write: bool = True, index=None, parsed=None
) -> FixResult:
    """Fix one file; with ``write`` replace it atomically when the fixed text differs.

    ``parsed``: trees parsed before in the run (:class:`estimator_lint.source.ParsedFiles`);
    one parsed from the bytes read here spares their parse."""
    try:
        data = read_source_bytes(path)  # never blocks on a FIFO, never reads a device
    except (OSError, ValueError) as exc:
        result = FixResult(path, "", "")
        result.error = read_error(path, exc)
        return result
    reason = too_large(len(data), settings or Settings())
    if reason is not None:
        result = FixResult(path, "", "")
        result.error = FileError(reason)
        return result
    try:
        text, notebook = source_text(path, data)
    except SourceError as exc:
        result = FixResult(path, "", "")
        result.error = FileError(str(exc), exc.line, exc.column)
        return result
    try:
        package = package_of(path) if "from ." in text else None
        tree = parsed.take(path, data) if parsed is not None and notebook is None else None
        result = fix_source(text, path, settings, unsafe, package=package, index=index, notebook=notebook, tree=tree)
    except SourceError as exc:
        result = FixResult(path, text, text)
        cell, line = notebook.locate(exc.line) if notebook is not None else (None, exc.line)
        result.error = FileError(str(exc), line, exc.column, cell=cell)
        return result
    if notebook is not None:
        result.remaining = result.notebook.to_cells(result.remaining)
        result.found = notebook.to_cells(result.found)
        result.cells = notebook.changed_cells(result.notebook)
    if write and result.changed:
        if notebook is not None:
            from estimator_lint.notebook import NotebookError

            try:
                new_data = result.notebook.dumps()
            except NotebookError as exc:
                result._not_written(FileError(f"not fixed: {exc}"))
                result.cells = []
                return result
        else:
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
    """The file changed on disk while it was being fixed: it keeps the other writer's text."""


#: Prefix of the temporary files (and backup links) ``--fix`` creates beside a source file;
#: ``<prefix><pid>-<random>.tmp``: the next run removes those of processes that are gone.
TEMP_PREFIX = ".estimator-lint-"

#: Called with the target path between the last check and the rename (tests inject a
#: concurrent write there: the one moment a write can land unseen).
_before_replace = None


def write_atomically(path: str, expected_old: bytes, new_data: bytes) -> None:
    """Replace ``path``'s content with ``new_data`` via a temp file in the same directory.

    A symlink is written through to its target (it stays a symlink); the target keeps its
    permission bits (setuid/setgid included) and, where we may, its owner.  The write is
    refused (:class:`FileChangedError`, the file left as the other writer made it) when
    the file no longer holds ``expected_old`` -- checked right before the rename, and
    again on the old file right after it: a write that landed in between is put back.
    On Linux a write lease on the old file makes another process's ``open`` of it wait
    while the check and the rename run, and tells us it tried (see docs/reliability.md).
    A file with several hard links is refused: a rename would leave the other names on
    the old text.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    stat = os.stat(target)
    if not stat.st_mode & 0o222:
        # Read-only by its mode: respected even by root, who could write it anyway.
        raise PermissionError(f"{path} is read-only")
    if stat.st_nlink > 1:
        raise FileChangedError(
            f"the file has {stat.st_nlink} hard links; replacing it would leave the other links with the old text"
        )
    if not os.access(target, os.W_OK) and os.geteuid() != 0:
        raise PermissionError(f"{path} is read-only")
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=directory)
    backup = None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new_data)
            handle.flush()
            # chown first: changing the owner clears setuid/setgid, chmod then sets them.
            try:
                os.fchown(handle.fileno(), stat.st_uid, stat.st_gid)
            except (PermissionError, AttributeError):
                pass
            os.fchmod(handle.fileno(), stat.st_mode & 0o7777)
            os.fsync(handle.fileno())
        # Everything slow is done: from here to the rename only the checks run.
        old = os.open(target, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            leased = _take_lease(old)
            before = os.fstat(old)
            if not _holds(old, before, expected_old) or os.stat(target).st_ino != before.st_ino:
                raise FileChangedError("the file changed on disk since it was read; not overwritten")
            # A second name for the old file, so that a write that lands on it after the
            # check can be put back in place whole.
            backup = _link_aside(target, directory)
            if _before_replace is not None:
                _before_replace(target)
            os.replace(tmp, target)
            tmp = None
            if _lease_broken(old, leased) or not _holds(old, before, expected_old):
                _restore(old, backup, target, directory)
                backup = None
                raise FileChangedError(
                    "the file changed on disk while it was being replaced; the other writer's version was kept"
                )
        finally:
            _release_lease(old)
            os.close(old)
    finally:
        for leftover in (tmp, backup):
            if leftover is not None:
                try:
                    os.unlink(leftover)
                except OSError:
                    pass


def _holds(fd: int, before: os.stat_result, expected: bytes) -> bool:
    """Whether the open file still is as checked: same size and mtime, same bytes.  (Not
    ctime: the backup link and the rename change the old file's link count, and so its ctime.)"""
    now = os.fstat(fd)
    if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        return False
    if now.st_size != len(expected):
        return False
    return os.pread(fd, len(expected) + 1, 0) == expected if hasattr(os, "pread") else _read_all(fd) == expected


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    return read_to_end(fd)


def _link_aside(target: str, directory: str) -> Optional[str]:
    """A hard link to ``target`` under a temporary name (None where links are not supported)."""
    name = os.path.join(directory, f"{TEMP_PREFIX}{os.getpid()}-{os.urandom(6).hex()}.bak")
    try:
        os.link(target, name)
    except (OSError, AttributeError, NotImplementedError):
        return None
    return name


def _restore(old: int, backup: Optional[str], target: str, directory: str) -> None:
    """Put the old file (with the concurrent write in it) back at ``target``."""
    if backup is not None:
        os.replace(backup, target)  # the very inode the other writer holds
        return
    data = _read_all(old)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _take_lease(fd: int) -> bool:
    """A write lease (Linux): another process's ``open`` of the file now waits for us and
    breaks the lease, which :func:`_lease_broken` sees.  No signal is sent (owner 0)."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
    except (ImportError, AttributeError, OSError):
        return False  # not Linux, not our file, or open elsewhere: the checks alone
    try:
        fcntl.fcntl(fd, fcntl.F_SETOWN, 0)
    except OSError:
        pass
    return True


def _lease_broken(fd: int, leased: bool) -> bool:
    if not leased:
        return False
    import fcntl

    try:
        return fcntl.fcntl(fd, fcntl.F_GETLEASE) != fcntl.F_WRLCK
    except OSError:
        return True


def _release_lease(fd: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    except (ImportError, AttributeError, OSError):
        pass


#: Our temporary files and backup links (``<TEMP_PREFIX><pid>-<random>.tmp|.bak``).
_LITTER = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-[\w]+\.(?:tmp|bak)$")


def remove_litter(directories) -> int:
    """Remove the temporary files and backup links that runs killed mid-write (kill -9,
    power loss) left in ``directories``: those of processes that no longer exist.  Returns
    how many were removed."""
    removed = 0
    for directory in set(directories):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            match = _LITTER.match(name)
            if match is None or trust.process_alive(int(match.group(1))):
                continue
            try:
                os.unlink(os.path.join(directory, name))
                removed += 1
            except OSError:
                pass
    return removed

