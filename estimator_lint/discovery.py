"""Which files a run checks: ``*.py``/``*.pyi`` below the given paths, minus the usual junk."""

from __future__ import annotations

import fnmatch
import os
from typing import Iterable, List, Sequence, Tuple

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


def _excluded(name: str, rel: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        if "/" in pattern.strip("/"):
            if fnmatch.fnmatch(rel, pattern.strip("/")) or fnmatch.fnmatch(rel, pattern.strip("/") + "/*"):
                return True
        elif fnmatch.fnmatch(name, pattern.rstrip("/")):
            return True
    return False


def discover(paths: Iterable[str], exclude: Sequence[str] = DEFAULT_EXCLUDE) -> Tuple[List[str], List[str]]:
    """Return (files, missing paths). Files keep command-line order, sorted within a directory."""
    files: List[str] = []
    missing: List[str] = []
    seen = set()
    for path in paths:
        if not os.path.lexists(path):
            missing.append(path)
            continue
        if not os.path.isdir(path):
            # Given explicitly: checked whatever its name (a directory named x.py included).
            if path not in seen:
                seen.add(path)
                files.append(path)
            continue
        for root, dirnames, filenames in os.walk(path, followlinks=False):
            rel_root = os.path.relpath(root, path)
            dirnames[:] = sorted(
                d for d in dirnames
                if not _excluded(d, os.path.normpath(os.path.join(rel_root, d)), exclude)
            )
            for name in sorted(filenames):
                if not name.endswith(PYTHON_SUFFIXES):
                    continue
                rel = os.path.normpath(os.path.join(rel_root, name))
                if _excluded(name, rel, exclude):
                    continue
                full = os.path.join(root, name)
                if full not in seen:
                    seen.add(full)
                    files.append(full)
    return files, missing
