"""Authenticating the linter's own state: results, run records, the saved project index.

State in the cache directory decides what a run prints without linting, so state the
linter did not write itself -- committed to a repository, copied from another machine,
forged -- must never be believed.  Every such file carries an HMAC-SHA256 of its body
under a key kept outside any project: ``<user cache dir>/estimator-lint/key``, 32 random
bytes created once, mode 0600 (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux,
``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows).  A file whose tag does not
verify is ignored and rebuilt.  When the key cannot be read or created, a key for this
process alone is used: nothing saved earlier is trusted, nothing is lost but speed.

Stdlib only, and cheap to import: the run-record fast path uses it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from typing import Optional

_KEY_BYTES = 32
_key: list = []


def user_cache_dir() -> str:
    """The platform's per-user cache directory."""
    if sys.platform.startswith("win"):
        return os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Caches")
    return os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")


def key_path() -> str:
    return os.path.join(user_cache_dir(), "estimator-lint", "key")


def _read_key(path: str) -> Optional[bytes]:
    """The key, if ``path`` is a regular file of ours that only we can read (never a link)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        import stat

        if not stat.S_ISREG(st.st_mode):
            return None
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o077):
            return None  # someone else's, or readable by others: not a secret
        data = os.read(fd, _KEY_BYTES + 1)
    finally:
        os.close(fd)
    return data if len(data) == _KEY_BYTES else None


def _create_key(path: str) -> Optional[bytes]:
    key = os.urandom(_KEY_BYTES)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return _read_key(path)  # another run made it first
    except OSError:
        return None
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def key() -> bytes:
    """This user's key (created on first use); a key of this process alone if there is none."""
    if not _key:
        path = key_path()
        _key.append(_read_key(path) or _create_key(path) or os.urandom(_KEY_BYTES))
    return _key[0]


def tag(body: bytes) -> bytes:
    return hmac.new(key(), body, hashlib.sha256).hexdigest().encode("ascii")


def seal(body: bytes) -> bytes:
    """``body`` with its tag in front: what the linter writes."""
    return tag(body) + b"\n" + body


def write_sealed(target: str, body: bytes, temporary: str) -> None:
    """Write ``body``, sealed, to ``target``: through ``temporary``, created exclusively
    (never following or reusing someone else's file; mode 0o666 & umask, like any file),
    then renamed over ``target`` at once.  Raises OSError; leaves no temporary behind."""
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(seal(body))
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def unseal(data: bytes) -> Optional[bytes]:
    """The body of a sealed file, or None when the tag does not verify (not ours)."""
    expected, sep, body = data.partition(b"\n")
    if not sep or not hmac.compare_digest(expected, tag(body)):
        return None
    return body


def tracked_by_git(directory: str) -> Optional[str]:
    """The git work tree that tracks a file under ``directory``, or None.

    Only asked when a ``.git`` is found above the directory (no subprocess otherwise).
    """
    directory = os.path.abspath(directory)
    top = directory
    while not os.path.exists(os.path.join(top, ".git")):
        parent = os.path.dirname(top)
        if parent == top:
            return None
        top = parent
    if not os.path.isdir(directory):
        return None
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--", os.path.relpath(directory, top)],
            cwd=top, capture_output=True, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return top if proc.returncode == 0 and proc.stdout.strip(b"\0") else None


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (temporary files carry their writer's pid)."""
    if pid == os.getpid() or os.name == "nt":
        return True  # (on Windows os.kill would end the process: never asked there)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's: leave its files alone
    return True
