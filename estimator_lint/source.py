"""The source floor: reading a file's bytes, decoding them as the interpreter would,
parsing with ``ast`` under a recursion budget, and naming what went wrong in one line.

Everything above (the screen, the per-file engine, the project runner, the fixer, the
adapters) reads and parses files through here; it imports nothing of ours.
"""

from __future__ import annotations

import ast
import functools
import io
import os
import re
import stat
import sys
import threading
import tokenize
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Optional, Tuple

from estimator_lint.diagnostics import FileError

if TYPE_CHECKING:
    from estimator_lint.settings import Settings

TOO_DEEP = "too deeply nested to analyse"
OUT_OF_MEMORY = "out of memory while analysing this file (see max-file-size)"


def memory_error_reason(size: int) -> str:
    """What a MemoryError means for a file of ``size`` bytes: CPython's parser raises it
    for deep nesting in a small file (its stack); in a large one memory ran out."""
    return OUT_OF_MEMORY if size > 1024 * 1024 else TOO_DEEP


def too_large(size: int, settings: "Settings") -> Optional[str]:
    """The one-line reason a file of ``size`` bytes is not analysed, or None."""
    limit = settings.max_file_size
    if not limit or size <= limit:
        return None
    return (
        f"too large to analyse: {size:,} bytes, over max-file-size ({limit:,} bytes); "
        "raise max-file-size in [tool.estimator-lint] to check it"
    )


class SourceError(Exception):
    """Input that cannot be analysed; ``str(self)`` is the one-line reason."""

    def __init__(self, message: str, line: int = 1, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def decode_source(data: bytes) -> str:
    """Decode a Python file as the interpreter would (BOM, PEP 263 cookie, else UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # No usable cookie and the first lines are not UTF-8: say where decoding fails.
        encoding = "utf-8"
        if "encoding problem" in str(exc) and data.startswith(b"\xef\xbb\xbf"):
            raise SourceError("cannot decode: the file starts with a UTF-8 BOM but its coding cookie names another encoding") from None
        if "encoding problem" in str(exc) or "unknown encoding" in str(exc):
            raise SourceError(f"cannot decode: {exc}") from None
    if encoding not in ("utf-8", "utf-8-sig") and not _ascii_compatible(encoding):
        # The interpreter refuses these too ("encoding problem: utf-16"): the cookie itself
        # was read as ASCII, so the file cannot be in an encoding that is not.
        raise SourceError(f"cannot decode: the coding cookie names {encoding}, which is not ASCII-compatible") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            line = data.count(b"\n", 0, exc.start) + 1
            raise SourceError(f"cannot decode as {encoding} at byte {exc.start}: {exc.reason}", line) from None
        raise SourceError(f"cannot decode as {encoding}: {exc}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


#: Python frames the parse and the analysis of one file may add to the caller's stack.
#: ``ast.parse`` builds the tree recursively in C, up to 3 levels per allowed frame, and
#: the analysis recurses through C calls: under a host that raised ``sys.setrecursionlimit``
#: (to 100,000, say) a 2-million-term ``1+1+...`` or ``a.a.a...`` overflows the C stack and
#: the process dies with SIGSEGV instead of raising RecursionError.  At Python's default
#: limit this budget changes nothing.
RECURSION_BUDGET = 1000


_budget_lock = threading.Lock()


_budget_users = 0


_budget_saved: Optional[Tuple[int, int]] = None  # (the caller's limit, the limit we set)


#: What runs hold until they end (their bytes and trees), when the process ends right
#: after its command (:func:`keep_until_exit`).  None: freed as usual.
_kept_until_exit: Optional[List[object]] = None


def keep_until_exit() -> None:
    """This process ends with ``os._exit`` once its command is done (the ``estimator-lint``
    command: :func:`estimator_lint.cli.console_main`): what a run holds for all its passes
    is then left to the operating system instead of being freed object by object (about
    15 ms for the trees of a 1,000-file project)."""
    global _kept_until_exit
    _kept_until_exit = []


def release(held: object) -> None:
    """The end of a run's hold on ``held``: kept until the process exits (see
    :func:`keep_until_exit`), otherwise dropped."""
    if _kept_until_exit is not None:
        _kept_until_exit.append(held)


_collector_lock = threading.Lock()
_collector_users = 0
_collector_resume = False  # whether the collector was enabled before the first pause


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a pass allocates what lives until it ends (a
    file's tree and analysis, a run's held bytes and trees): each collection would walk
    all of it again.  Nested and concurrent uses share one pause; the last one out enables
    the collector again if it was enabled before the first."""
    import gc

    global _collector_users, _collector_resume
    with _collector_lock:
        if _collector_users == 0:
            _collector_resume = gc.isenabled()
            gc.disable()
        _collector_users += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_users -= 1
            if _collector_users == 0 and _collector_resume:
                gc.enable()


def _stack_depth() -> int:
    depth, frame = 0, sys._getframe(1)
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


@contextmanager
def bounded_recursion() -> Iterator[None]:
    """Lower the recursion limit to the current depth + :data:`RECURSION_BUDGET` (never raise it).

    Nested and concurrent uses share one lowering; the last one out restores the limit,
    unless someone else changed it meanwhile.
    """
    global _budget_users, _budget_saved
    with _budget_lock:
        if _budget_users == 0:
            old = sys.getrecursionlimit()
            new = _stack_depth() + RECURSION_BUDGET
            _budget_saved = None
            if new < old:
                try:
                    sys.setrecursionlimit(new)
                    _budget_saved = (old, new)
                except RecursionError:  # already deeper than that: leave the limit alone
                    pass
        _budget_users += 1
    try:
        yield
    finally:
        with _budget_lock:
            _budget_users -= 1
            if _budget_users == 0 and _budget_saved is not None:
                old, new = _budget_saved
                if sys.getrecursionlimit() == new:
                    sys.setrecursionlimit(old)
                _budget_saved = None



def is_notebook(path) -> bool:
    """A Jupyter notebook: linted as the module its code cells make (estimator_lint.notebook)."""
    return isinstance(path, str) and path.lower().endswith(".ipynb")


def source_text(path: str, data: bytes):
    """``(text, notebook)``: the Python text of a file's bytes -- a notebook's code cells
    (with the :class:`~estimator_lint.notebook.Notebook`), any other file decoded (None)."""
    if not is_notebook(path):
        return decode_source(data), None
    from estimator_lint.notebook import Notebook, NotebookError

    try:
        notebook = Notebook.parse(data)
    except NotebookError as exc:
        raise SourceError(str(exc)) from None
    return notebook.text, notebook


def read_code_bytes(path: str) -> bytes:
    """:func:`read_source_bytes`, a notebook's code cells as UTF-8 (for text screens);
    an invalid notebook raises ``ValueError``."""
    return code_bytes(path, read_source_bytes(path))


def code_bytes(path: str, data: bytes) -> bytes:
    """A file's bytes as text screens read them: a notebook's code cells as UTF-8 (an
    invalid notebook raises ``ValueError``), any other file as it is."""
    if is_notebook(path):
        try:
            return source_text(path, data)[0].encode("utf-8", "surrogatepass")
        except SourceError as exc:
            raise ValueError(str(exc)) from None
    return data


@functools.lru_cache(maxsize=64)
def _ascii_compatible(encoding: str) -> bool:
    sample = bytes(range(32, 127)) + b"\t\n\r"
    try:
        return sample.decode(encoding) == sample.decode("ascii")
    except (UnicodeError, LookupError):
        return False


def parse(text: str, path: str) -> ast.Module:
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SourceError("file contains a NUL byte", line)
    try:
        with bounded_recursion():
            return ast.parse(text, filename=path)
    except SyntaxError as exc:
        message = exc.msg or "invalid syntax"
        # CPython's own nesting limits: 200 open brackets, 100 indentation levels.
        if "too many nested" in message or "too complex" in message or "too many levels of indentation" in message:
            raise SourceError(f"{TOO_DEEP} ({message})", exc.lineno or 1) from None
        raise SourceError(f"syntax error: {message}", exc.lineno or 1, max((exc.offset or 1) - 1, 0)) from None
    except RecursionError:
        raise SourceError(TOO_DEEP) from None
    except MemoryError:
        raise SourceError(memory_error_reason(len(text))) from None
    except ValueError as exc:
        raise SourceError(f"cannot parse: {exc}") from None


class ParsedFiles:
    """What one pass of a run read and parsed, held for the next passes: the project
    index reads every file and parses the ones that define Estimator classes, then the
    capture scan and the lint pass need the same bytes and trees.  A file is read and
    parsed once.

    Bytes are held for at most :attr:`bytes_budget` bytes in all, and trees for at most
    :attr:`budget` bytes of source (a tree takes about 50 times its source's size); a
    file beyond a budget is read or parsed again.  A tree is handed on only for the very
    bytes it was parsed from, and once.  :attr:`stats`: each file's stat, when the caller
    took it before the read (the result cache stamps a file with a stat older than its
    bytes).
    """

    def __init__(self, budget: int = 512 * 1024, *, bytes_budget: int = 8 * 1024 * 1024) -> None:
        self.budget = budget
        self.bytes_budget = bytes_budget
        self._held: Dict[str, Tuple[bytes, ast.Module]] = {}
        self._bytes: Dict[str, bytes] = {}
        self.stats: Dict[str, os.stat_result] = {}

    def hold(self, path: str, data: bytes) -> None:
        """Keep the bytes of ``path`` for a later pass (not a notebook's: passes before the
        lint read its code cells, not the file)."""
        if not is_notebook(path) and len(data) <= self.bytes_budget and path not in self._bytes:
            self._bytes[path] = data
            self.bytes_budget -= len(data)

    def held(self, path: str) -> Optional[bytes]:
        """The bytes of ``path`` as they were read, or None (not held: read them).  They stay
        held until the run ends (each pass of the run may need them)."""
        return self._bytes.get(path)

    def reader(self, read: Callable[[str], Optional[bytes]]) -> Callable[[str], Optional[bytes]]:
        """A file's bytes as they were read while they are held, else ``read(path)``."""

        def held_or_read(path: str) -> Optional[bytes]:
            data = self._bytes.get(path)
            return data if data is not None else read(path)

        return held_or_read

    def keep(self, path: str, data: bytes, tree: ast.Module) -> None:
        if len(data) <= self.budget and path not in self._held:
            self._held[path] = (data, tree)
            self.budget -= len(data)

    def peek(self, path: str, data: bytes) -> Optional[ast.Module]:
        """The tree of ``path`` if it was parsed from ``data``, held on for a later pass."""
        held = self._held.get(path)
        return held[1] if held is not None and held[0] == data else None

    def take(self, path: str, data: bytes) -> Optional[ast.Module]:
        """The tree of ``path`` if it was parsed from ``data``; it is not held any longer."""
        tree = self.peek(path, data)
        held = self._held.pop(path, None)
        if held is not None:
            self.budget += len(held[0])
        return tree


_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def physical_lines(text: str) -> List[str]:
    """``text`` split into lines (with their endings) where the tokenizer splits it."""
    if "\r" in text:
        return _PHYSICAL_LINE.findall(text)
    # Only ``\n`` ends a line: str.split does the same, about twice as fast.
    parts = text.split("\n")
    last = parts.pop()
    lines = [part + "\n" for part in parts]
    if last:
        lines.append(last)
    return lines


def package_of(path: str) -> Optional[str]:
    """The dotted package a file belongs to, from the ``__init__.py`` files around it."""
    directory = os.path.dirname(os.path.abspath(path))
    parts: List[str] = []
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        parts.append(os.path.basename(directory))
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return ".".join(reversed(parts)) if parts else ""


class NotARegularFile(OSError):
    """A path that names a FIFO, a device or a socket: reading it could block or never end."""


_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_source_bytes(path: str) -> bytes:
    """A file's bytes, for regular files only; raises ``OSError`` (see :func:`read_error`).

    The file is opened non-blocking and checked with ``fstat`` on the open descriptor, so
    a FIFO named ``x.py`` cannot hang the run and ``/dev/zero`` behind a symlink cannot
    fill the memory.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a directory", path)
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
            raise NotARegularFile(f"not a regular file ({kind})")
        # Plain reads on the descriptor: no buffered file object for every file of a run.
        return read_to_end(fd, st.st_size)
    finally:
        os.close(fd)


def read_to_end(fd: int, size: int = 0) -> bytes:
    """What is left of the open file ``fd``, up to its end (``size``: the expected size,
    one read when right; more reads when the file has grown)."""
    chunks = [os.read(fd, size + 1 if size else 1 << 16)]
    while chunks[-1]:
        chunks.append(os.read(fd, max(size, 1 << 16)))
    return b"".join(chunks)


def read_error(path: str, exc: BaseException) -> FileError:
    """The one-line reason why ``path`` could not be read."""
    if isinstance(exc, NotARegularFile):
        reason = str(exc)
    elif isinstance(exc, IsADirectoryError):
        reason = _directory_error(path)
    elif isinstance(exc, FileNotFoundError):
        try:
            target = os.readlink(path)
        except (OSError, ValueError):
            target = None
        if target is not None:
            reason = f"broken symbolic link (to {target!r}, which does not exist)"
        else:
            reason = "file not found (deleted while the run was going on?)"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        if os.path.isdir(path):
            reason = f"cannot list directory: {reason}"
    elif isinstance(exc, (ValueError, UnicodeError)):
        reason = f"invalid file name ({exc})"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return FileError(f"cannot read: {reason}")


def _directory_error(path: str) -> str:
    """A directory in the list of files: discovery could not list it, or it was named so."""
    try:
        os.listdir(path)
    except OSError as exc:
        return f"cannot list directory: {exc.strerror or exc}"
    return "is a directory"


def _has_relative_import(text: str) -> bool:
    return "from ." in text

