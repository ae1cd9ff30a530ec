"""Which files a run checks: ``*.py``, ``*.pyi`` and ``*.ipynb`` (``include``) below the given
paths, minus the usual junk (``exclude``) and what git ignores (:class:`GitIgnores`)."""

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
#: File name patterns a directory walk checks (``include``; ``extend-include`` adds).
DEFAULT_INCLUDE: Tuple[str, ...] = ("*.py", "*.pyi", "*.ipynb")


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


class GitIgnores:
    """What git ignores, for directory walks: ``.gitignore`` files, ``.git/info/exclude``
    and the global excludes file (``core.excludesFile``, else ``$XDG_CONFIG_HOME/git/ignore``),
    with git's semantics (the ``pathspec`` library's ``GitIgnoreSpec``).

    ``.gitignore`` files apply to their directory and below: those below a walked path,
    and inside a git repository those of the directories above it up to the repository's
    root, where ``info/exclude`` and the global file apply.  :attr:`consulted` lists every
    ignore file looked for (present or not): a run record stats them, so that an edited
    ``.gitignore`` is noticed.
    """

    def __init__(self) -> None:
        self.consulted: List[str] = []
        self._stacks: dict = {}
        self._absolute: dict = {}

    def _spec(self, path: str):
        self.consulted.append(path)
        try:
            with open(path, "r", encoding="utf-8", errors="surrogateescape") as handle:
                lines = handle.read().splitlines()
        except OSError:
            return None
        import pathspec  # only when there is an ignore file to read

        return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None

    def start(self, top: str) -> None:
        """Prepare the walk of directory ``top``: the ignore files above it."""
        top = os.path.abspath(top)
        repo = _repository_root(top)
        stack: list = []
        if repo is not None:
            for path in [_global_excludes_file(self.consulted), _info_exclude(repo)]:
                spec = self._spec(path) if path else None
                if spec is not None:
                    stack.append((repo, spec))
            above: List[str] = []
            directory = os.path.dirname(top)
            while len(directory) >= len(repo):
                above.append(directory)
                if directory == repo:
                    break
                directory = os.path.dirname(directory)
            for directory in reversed(above):
                spec = self._spec(os.path.join(directory, ".gitignore"))
                if spec is not None:
                    stack.append((directory, spec))
        self._stacks = {os.path.dirname(top): tuple(stack)}
        if stack and self.ignored(os.path.dirname(top), os.path.basename(top), True):
            # Named explicitly although git ignores it (or a directory above it): walked
            # with the ignore files below it only, as an explicitly named file is checked.
            self._stacks = {os.path.dirname(top): ()}

    def enter(self, directory: str, filenames: Sequence[str]) -> None:
        """A directory of the walk, with its file names (its own ``.gitignore`` joins)."""
        absolute = os.path.abspath(directory)
        stack = self._stacks.get(os.path.dirname(absolute), ())
        if ".gitignore" in filenames:
            spec = self._spec(os.path.join(absolute, ".gitignore"))
            if spec is not None:
                stack = stack + ((absolute, spec),)
        self._stacks[absolute] = stack
        self._stacks[directory] = stack
        self._absolute[directory] = absolute

    def ignored(self, directory: str, name: str, is_dir: bool) -> bool:
        """Whether git ignores ``name`` in ``directory`` (entered before)."""
        stack = self._stacks.get(directory)
        if stack is None:
            stack = self._stacks.get(os.path.abspath(directory), ())
        if not stack:
            return False
        absolute = self._absolute.get(directory) or os.path.abspath(directory)
        full = os.path.join(absolute, name)
        verdict = None
        for base, spec in stack:
            # ``base`` is ``absolute`` or a directory above it: the path below it, git-style.
            rel = full[len(base):].lstrip(os.sep)
            if os.sep != "/":
                rel = rel.replace(os.sep, "/")
            result = spec.check_file(rel + "/" if is_dir else rel).include
            if result is not None:
                verdict = result
        return bool(verdict)


def _repository_root(start: str) -> Optional[str]:
    directory = start
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _info_exclude(repo: str) -> Optional[str]:
    dot_git = os.path.join(repo, ".git")
    if os.path.isdir(dot_git):
        return os.path.join(dot_git, "info", "exclude")
    try:  # a worktree or submodule: ``gitdir: <path>``; info/ lives in the common directory
        with open(dot_git, "r", encoding="utf-8") as handle:
            first = handle.readline().strip()
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    gitdir = os.path.join(repo, first[len("gitdir:"):].strip())
    try:
        with open(os.path.join(gitdir, "commondir"), "r", encoding="utf-8") as handle:
            gitdir = os.path.join(gitdir, handle.read().strip())
    except OSError:
        pass
    return os.path.join(os.path.normpath(gitdir), "info", "exclude")


_EXCLUDES_FILE = re.compile(r"^\s*excludesfile\s*=\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def _global_excludes_file(consulted: List[str]) -> Optional[str]:
    """git's global excludes file: ``core.excludesFile`` of the user's git configuration,
    else ``$XDG_CONFIG_HOME/git/ignore``.  The configuration files read join ``consulted``."""
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    configs = [os.environ.get("GIT_CONFIG_GLOBAL") or ""] if os.environ.get("GIT_CONFIG_GLOBAL") else [
        os.path.join(xdg, "git", "config"),
        os.path.join(home, ".gitconfig"),
    ]
    chosen = None
    for config in configs:  # the later file wins, as in git
        consulted.append(config)
        try:
            with open(config, "r", encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        core = re.search(r"^\s*\[core\]([^\[]*)", text, re.IGNORECASE | re.MULTILINE)
        found = _EXCLUDES_FILE.search(core.group(1)) if core else None
        if found:
            chosen = os.path.expanduser(found.group(1).strip('"'))
    return chosen or os.path.join(xdg, "git", "ignore")


def discover(
    paths: Iterable[str],
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
    *,
    force_exclude: bool = False,
    root: Optional[str] = None,
    walked: Optional[List[str]] = None,
    include: Sequence[str] = DEFAULT_INCLUDE,
    gitignore: Optional[GitIgnores] = None,
) -> Tuple[List[str], List[str]]:
    """Return (files, missing paths). Files keep command-line order, sorted within a directory.

    A path named explicitly is checked whatever ``exclude`` says, unless ``force_exclude``
    (as pre-commit passes every staged file by name); ``root`` anchors that test.

    Nothing is skipped silently: a directory that cannot be listed is returned among the
    files (``lint_file`` reports why it cannot be read), as are symlinks whose target is
    missing or a loop, FIFOs and devices named ``*.py``.  ``bytes`` paths are accepted and
    returned as ``str`` (``os.fsdecode``: undecodable bytes become surrogate escapes).
    ``walked``, when given, receives every directory listed (a run record stats them).
    A walk takes the files whose name (or, for patterns with a ``/``, absolute path)
    matches ``include``; with ``gitignore`` it skips what git ignores.
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
    included = _excluder(tuple(include))
    include_by_path = bool(included.relative or included.absolute)
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
        if gitignore is not None:
            gitignore.start(path)
        for root_dir, dirnames, filenames in os.walk(path, onerror=unlistable, followlinks=False):
            if walked is not None:
                walked.append(root_dir)
            rel_root = os.path.relpath(root_dir, path) if by_path else ""
            if gitignore is not None:
                gitignore.enter(root_dir, filenames)
            dirnames[:] = sorted(
                d
                for d in dirnames
                if not skip(d, rel_root, root_dir) and not (gitignore and gitignore.ignored(root_dir, d, True))
            )
            for name in sorted(filenames):
                wanted = included(name, name, os.path.join(root_dir, name) if include_by_path else None)
                if not wanted or skip(name, rel_root, root_dir):
                    continue
                if gitignore is not None and gitignore.ignored(root_dir, name, False):
                    continue
                full = os.path.join(root_dir, name)
                if full not in seen:
                    seen.add(full)
                    files.append(full)
    return files, missing
