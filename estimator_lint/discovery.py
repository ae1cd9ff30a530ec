"""Which files a run checks: ``*.py``/``*.pyi`` below the given paths, minus the usual junk."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from typing import Iterable, List, Optional, Sequence, Tuple

#: Directory or file name patterns skipped while walking (gitignore-style globs).
#: A path given explicitly on the command line is always checked.
DEFAULT_EXCLUDE: Tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    ".env",
    "env",
    "__pycache__",
    "build",
    "dist",
    ".tox",
    ".nox",
    ".eggs",
    "*.egg-info",
    "site-packages",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".estimator_lint_cache",
    "__pypackages__",
)

PYTHON_SUFFIXES = (".py", ".pyi")


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> "re.Pattern[str]":
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[" and "]" in pattern[i + 2:]:
            j = pattern.index("]", i + 2)
            body = pattern[i + 1:j]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"(?:/.*)?\Z", re.S)


def glob_match(path: str, pattern: str) -> bool:
    """Whether ``path`` (with ``/`` separators) or a directory above it matches ``pattern``.

    ``*``, ``?`` and ``[...]`` as in :mod:`fnmatch` (``*`` also crosses ``/``, as in Ruff's
    globs); ``**/`` also matches no directory at all.
    """
    return _glob_regex(pattern.rstrip("/")).match(path) is not None


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


class _Excluder:
    """``patterns`` compiled once: all name patterns become one regular expression (a
    walk tests every directory and file name against them)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        names, self.relative, self.absolute = [], [], []
        for pattern in patterns:
            if os.path.isabs(pattern):
                self.absolute.append(_glob_regex(_posix(pattern).rstrip("/")))
            elif "/" in pattern.strip("/"):
                self.relative.append(_glob_regex(pattern.strip("/")))
            else:
                names.append(fnmatch.translate(pattern.rstrip("/")))
        # fnmatch.fnmatch compares os.path.normcase'd names: case-insensitive on Windows.
        flags = re.IGNORECASE if os.path.normcase("A") == "a" else 0
        self.names = re.compile("|".join(f"(?:{n})" for n in names), flags) if names else None

    def __call__(self, name: str, rel: str, full: Optional[str]) -> bool:
        if self.names is not None and self.names.match(name):
            return True
        if self.relative:
            rel = _posix(rel)
            if any(r.match(rel) for r in self.relative):
                return True
        if self.absolute and full is not None:
            absolute = _posix(os.path.abspath(full))
            if any(r.match(absolute) for r in self.absolute):
                return True
        return False


@functools.lru_cache(maxsize=32)
def _excluder(patterns: Tuple[str, ...]) -> _Excluder:
    return _Excluder(patterns)


def _excluded(name: str, rel: str, patterns: Sequence[str], full: Optional[str] = None) -> bool:
    """``name`` and ``rel`` (relative to the walked directory) of a candidate; ``full`` its path.

    Name patterns (no ``/`` inside) match the name; absolute patterns match the absolute
    path (configuration files anchor theirs at their own directory); other patterns with a
    ``/`` match the path relative to the directory being walked.
    """
    return _excluder(tuple(patterns))(name, rel, full)


def excluded_explicitly(path: str, patterns: Sequence[str], root: Optional[str] = None) -> bool:
    """Whether a path named on the command line falls under ``patterns`` (``--force-exclude``).

    The path itself and its parent directories below ``root`` (default: the current
    directory) are tested, so ``build`` excludes ``build/x.py`` but a checkout that lives in
    ``/home/build/project`` is not excluded as a whole.
    """
    full = os.path.abspath(path)
    root = os.path.abspath(root or os.getcwd())
    rel = os.path.relpath(full, root)
    if rel == os.curdir:
        return False
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        # Outside the root: only the path's own name and absolute patterns apply.
        return _excluded(os.path.basename(full), os.path.basename(full), patterns, full)
    parts = rel.split(os.sep)
    for depth in range(1, len(parts) + 1):
        sub_rel = os.sep.join(parts[:depth])
        if _excluded(parts[depth - 1], sub_rel, patterns, os.path.join(root, sub_rel)):
            return True
    return False


def discover(
    paths: Iterable[str],
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
    *,
    force_exclude: bool = False,
    root: Optional[str] = None,
    walked: Optional[List[str]] = None,
) -> Tuple[List[str], List[str]]:
    """Return (files, missing paths). Files keep command-line order, sorted within a directory.

    A path named explicitly is checked whatever ``exclude`` says, unless ``force_exclude``
    (as pre-commit passes every staged file by name); ``root`` anchors that test.

    Nothing is skipped silently: a directory that cannot be listed is returned among the
    files (``lint_file`` reports why it cannot be read), as are symlinks whose target is
    missing or a loop, FIFOs and devices named ``*.py``.  ``bytes`` paths are accepted and
    returned as ``str`` (``os.fsdecode``: undecodable bytes become surrogate escapes).
    ``walked``, when given, receives every directory listed (a run record stats them).
    """
    files: List[str] = []
    missing: List[str] = []
    seen = set()

    def unlistable(exc: OSError) -> None:
        name = exc.filename
        if isinstance(name, str) and name not in seen:
            seen.add(name)
            files.append(name)

    excluded = _excluder(tuple(exclude))
    # Most exclude lists are names only: then a candidate's paths are not needed.
    by_path = bool(excluded.relative or excluded.absolute)

    def skip(name: str, rel_root: str, root_dir: str) -> bool:
        if not by_path:
            return excluded(name, name, None)
        return excluded(name, os.path.normpath(os.path.join(rel_root, name)), os.path.join(root_dir, name))

    for path in paths:
        path = os.fsdecode(path)
        if not os.path.lexists(path):
            missing.append(path)
            continue
        if force_exclude and excluded_explicitly(path, exclude, root):
            continue
        if not os.path.isdir(path):
            # Given explicitly: checked whatever its name (FIFOs, devices, broken or looping
            # symlinks included: lint_file says why it cannot read them).
            if path not in seen:
                seen.add(path)
                files.append(path)
            continue
        for root_dir, dirnames, filenames in os.walk(path, onerror=unlistable, followlinks=False):
            if walked is not None:
                walked.append(root_dir)
            rel_root = os.path.relpath(root_dir, path) if by_path else ""
            dirnames[:] = sorted(d for d in dirnames if not skip(d, rel_root, root_dir))
            for name in sorted(filenames):
                if not name.endswith(PYTHON_SUFFIXES) or skip(name, rel_root, root_dir):
                    continue
                full = os.path.join(root_dir, name)
                if full not in seen:
                    seen.add(full)
                    files.append(full)
    return files, missing
