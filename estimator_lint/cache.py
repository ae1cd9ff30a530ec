"""The result cache: unchanged files are answered without reading them.

Layout (like ``.ruff_cache``)::

    .estimator_lint_cache/          default: in the current directory
        CACHEDIR.TAG                backup tools skip the directory
        .gitignore                  ``*``: never committed
        results-<key>.json          one file per configuration (files unused for 30 days are pruned)

``<key>`` is a digest of everything that changes what a run reports besides a file's own
bytes (:func:`cache_key`): the tool version and a fingerprint of its code, the Python
minor version (``ast`` differs), every :class:`~estimator_lint.settings.Settings` field, the
selected rules, the prefilter words and the layout of the serialised diagnostics.  Two
configurations never share a results file, so a run never sees another's results.

Inside a results file each entry is keyed by absolute path and holds the file's stat
(``mtime_ns``, ``ctime_ns``, size, inode), a SHA-256 of its bytes, its package when it has
relative imports, and the result (diagnostics or a :class:`FileError`).  Lookup:

* same stat, and the entry is not *racy* -> the stored result, without reading the file;
* stat differs (touched, checked out again) -> the file is read and hashed; the same
  digest reuses the result, another one relints;
* *racy*: the file was modified less than :data:`RACY_SECONDS` before it was read, when
  a second edit within the same timestamp tick could keep mtime and size, so its stat is
  never trusted: it is always hashed (git's "racily clean" rule).

Results of files that could not be read and internal errors are not stored (the cause is
not in the file's bytes); decode, syntax and nesting errors are.

The cache is written once, when a run ends, by the process that owns it (workers of
``--jobs`` only return results): to a temporary file in the cache directory, then
``os.replace`` over the old one, so readers see the old or the new file, never a half.
A file that is missing, truncated, corrupt, of another format or key is ignored and
rebuilt.  The format is JSON (a pickle could be made to run code by whoever can write
the directory, and linters run on untrusted checkouts), sealed with an HMAC under this
user's key (:mod:`estimator_lint.trust`): a results file the linter did not write itself
-- committed to a repository, forged -- is ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sys
import time
from typing import Any, Dict, Optional, Tuple

from estimator_lint import __version__
from estimator_lint.diagnostics import Applicability, Diagnostic, Edit, FileError, FileResult, Fix

__all__ = [
    "CACHE_DIR_NAME",
    "CACHE_DIR_ENV",
    "FileStamp",
    "ResultCache",
    "cache_key",
    "content_digest",
    "default_cache_dir",
]

#: Default directory name, created in the current working directory.
CACHE_DIR_NAME = ".estimator_lint_cache"
#: Environment variable overriding the default directory (``--cache-dir`` wins over it).
CACHE_DIR_ENV = "ESTIMATOR_LINT_CACHE_DIR"
#: Bumped when the results file's layout changes.
FORMAT = 3
#: A file modified less than this before it was read is always re-hashed.
RACY_SECONDS = 2.0
#: Results files not written for this long are deleted when another is saved.
STALE_DAYS = 30

CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by estimator-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


#: Temporary files of ours in the cache directory: ``.results-<pid>-…tmp``, ``.index-<pid>-…``.
_CACHE_LITTER = re.compile(r"\.(?:results|index)-(\d+)-[\w.]*$")


def default_cache_dir() -> str:
    """``$ESTIMATOR_LINT_CACHE_DIR`` if set, else ``./.estimator_lint_cache``."""
    return os.environ.get(CACHE_DIR_ENV) or os.path.join(os.getcwd(), CACHE_DIR_NAME)


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class FileStamp:
    """What a worker saw of a file: its stat before reading, and the digest of its bytes."""

    mtime_ns: int
    ctime_ns: int
    size: int
    inode: int
    digest: str
    #: ``package_of(path)`` when the file has relative imports (the analysis uses it), else None.
    package: Optional[str] = None
    #: Modified less than RACY_SECONDS before the stat: its stat is never trusted.
    racy: bool = False

    @classmethod
    def of(cls, st: os.stat_result, digest: str, package: Optional[str] = None) -> "FileStamp":
        racy = st.st_mtime_ns >= time.time_ns() - int(RACY_SECONDS * 1e9)
        return cls(st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, digest, package, racy)

    def stat_key(self) -> Tuple[int, int, int, int]:
        return (self.mtime_ns, self.ctime_ns, self.size, self.inode)


# --------------------------------------------------------------------------------------
# the key
# --------------------------------------------------------------------------------------


def code_fingerprint() -> str:
    """Size and mtime of the package's own modules: an edited checkout invalidates the cache."""
    from estimator_lint.run_record import code_stats

    # [mtime_ns, ctime_ns, size, inode] per module; the cache keys on size and mtime only.
    parts = [f"{path}:{st[2]}:{st[0]}" for path, st in code_stats() if st is not None]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _schema() -> str:
    """Field names of the stored dataclasses: a changed layout is another key."""
    return ";".join(
        f"{cls.__name__}({','.join(f.name for f in dataclasses.fields(cls))})"
        for cls in (Diagnostic, Fix, Edit, FileError)
    )


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list, frozenset, set)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def cache_key(settings, *, index_digest: Optional[str] = None) -> Dict[str, Any]:
    """Everything besides a file's bytes that decides its result.

    ``index_digest``: cross-module analysis (a project-wide index of classes, planned) makes
    a file's findings depend on other files; the run then passes the index's digest here,
    so a changed index selects another results file.  (Per-file dependency digests would
    invalidate less; this field is where either goes.)
    """
    from estimator_lint.rules import selected_codes

    return {
        "format": FORMAT,
        "tool": __version__,
        "code": code_fingerprint(),
        "python": "%d.%d" % sys.version_info[:2],
        "settings": {f.name: _plain(getattr(settings, f.name)) for f in dataclasses.fields(settings)},
        "rules": list(selected_codes(settings.select, settings.ignore)),
        "prefilter_words": list(settings.prefilter_words()) if settings.prefilter else None,
        "schema": _schema(),
        "index": index_digest,
    }


def _key_digest(key: Dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]


# --------------------------------------------------------------------------------------
# (de)serialising results
# --------------------------------------------------------------------------------------


def _dump_fix(fix: Optional[Fix]) -> Any:
    if fix is None:
        return None
    return [fix.message, Applicability(fix.applicability).value, [[e.start, e.end, e.content] for e in fix.edits]]


def _load_fix(data: Any) -> Optional[Fix]:
    if data is None:
        return None
    message, applicability, edits = data
    return Fix(message, Applicability(applicability), tuple(Edit(s, e, c) for s, e, c in edits))


_DIAG_FIELDS = tuple(f.name for f in dataclasses.fields(Diagnostic))
_ERROR_FIELDS = tuple(f.name for f in dataclasses.fields(FileError))


def _dump_value(value: Any) -> Any:
    return _plain(value)


def _load_value(value: Any) -> Any:
    return tuple(_load_value(v) for v in value) if isinstance(value, list) else value


def dump_result(result: FileResult) -> Dict[str, Any]:
    diagnostics = []
    for diag in result.diagnostics:
        row = []
        for name in _DIAG_FIELDS:
            value = getattr(diag, name)
            row.append(_dump_fix(value) if name == "fix" else _dump_value(value))
        diagnostics.append(row)
    error = None
    if result.error is not None:
        error = [_dump_value(getattr(result.error, name)) for name in _ERROR_FIELDS]
    data: Dict[str, Any] = {"d": diagnostics, "e": error}
    if result.captures:
        data["c"] = result.captures
    if result.prediction_keys:
        data["k"] = result.prediction_keys
    return data


def load_result(path: str, data: Dict[str, Any]) -> FileResult:
    result = FileResult(path)
    for row in data["d"]:
        if len(row) != len(_DIAG_FIELDS):
            raise ValueError("diagnostic layout changed")
        kwargs = {
            name: (_load_fix(value) if name == "fix" else _load_value(value)) for name, value in zip(_DIAG_FIELDS, row)
        }
        result.diagnostics.append(Diagnostic(**kwargs))
    if data["e"] is not None:
        if len(data["e"]) != len(_ERROR_FIELDS):
            raise ValueError("error layout changed")
        result.error = FileError(**{name: _load_value(v) for name, v in zip(_ERROR_FIELDS, data["e"])})
    for name, field_name in (("c", "captures"), ("k", "prediction_keys")):
        value = data.get(name)
        if value:
            setattr(result, field_name, {str(q): [str(a) for a in items] for q, items in value.items()})
    return result


def cacheable(result: FileResult) -> bool:
    """Results decided by the file's bytes: not read failures, not internal errors."""
    error = result.error
    return error is None or (error.kind != "internal" and not error.message.startswith("cannot read"))


# --------------------------------------------------------------------------------------
# the cache
# --------------------------------------------------------------------------------------


class ResultCache:
    """Results of one configuration, loaded once, written once (see the module docstring).

    Only the process that created it uses it: :func:`estimator_lint.runner.lint_paths`
    looks results up in the parent, workers return :class:`FileStamp` s with their results,
    and :meth:`save` writes the file when the run ends.
    """

    def __init__(self, settings, cache_dir: Optional[str] = None, *, index_digest: Optional[str] = None) -> None:
        self.settings = settings
        self.directory = os.path.abspath(cache_dir or default_cache_dir())
        self.key = cache_key(settings, index_digest=index_digest)
        # The file is named by the key without the index digest, which changes with every
        # edit of an Estimator class anywhere in the project: a new index makes the file's
        # entries stale (its stored key differs) and the run rewrites it, rather than
        # leaving one more results file behind.
        self.path = os.path.join(self.directory, f"results-{_key_digest(dict(self.key, index=None))}.json")
        #: abspath -> [mtime_ns, ctime_ns, size, inode, digest, racy, package, result]
        self.entries: Dict[str, list] = {}
        self.touched: set = set()
        #: path -> os.stat_result taken earlier in the run (the project index's signature):
        #: used, once, instead of a second stat.
        self.stat_hints: Dict[str, os.stat_result] = {}
        self.dirty = False
        #: Counters for tests and ``--verbose``-style reporting.
        self.hits = self.rehashed = self.misses = 0
        self._load()

    # -- reading ----------------------------------------------------------------------

    def _load(self) -> None:
        try:
            from estimator_lint import trust

            with open(self.path, "rb") as handle:
                body = trust.unseal(handle.read())
            if body is None:
                return  # not written by this user's linter (see estimator_lint.trust)
            data = json.loads(body)
            if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != self.key:
                return
            entries = data["entries"]
            if isinstance(entries, dict):
                self.entries = entries
        except (OSError, ValueError, KeyError, TypeError, RecursionError, MemoryError):
            # Missing, partial or corrupt: start empty; save() replaces it.
            self.entries = {}

    def lookup(self, path: str, st: Optional[os.stat_result] = None) -> Tuple[Optional[FileResult], Optional[str]]:
        """``(result, None)`` on a trusted stat match; ``(None, digest)`` when the file must be
        hashed and compared with ``digest``; ``(None, None)`` when it is unknown."""
        key = os.path.abspath(path)
        entry = self.entries.get(key)
        if entry is None:
            self.misses += 1
            return None, None
        if not isinstance(entry, list) or len(entry) != 8:
            del self.entries[key]
            self.dirty = True
            self.misses += 1
            return None, None
        try:
            if st is None:
                st = self.stat_hints.pop(path, None) or os.stat(path)
            mtime_ns, ctime_ns, size, inode, digest, racy, package, payload = entry
            if (
                not racy
                and (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino) == (mtime_ns, ctime_ns, size, inode)
                and self._package_unchanged(path, package)
            ):
                result = load_result(path, payload)
                self.hits += 1
                self.touched.add(key)
                return result, None
            return None, digest
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.entries.pop(key, None)
            self.dirty = True
            self.misses += 1
            return None, None

    @staticmethod
    def _package_unchanged(path: str, package: Optional[str]) -> bool:
        if package is None:
            return True
        from estimator_lint.source import package_of

        return package_of(path) == package

    def revalidated(self, path: str, stamp: FileStamp) -> Optional[FileResult]:
        """The stored result for a file whose bytes hashed to the stored digest (new stat)."""
        key = os.path.abspath(path)
        entry = self.entries.get(key)
        if entry is None or entry[4] != stamp.digest or not self._package_unchanged(path, entry[6]):
            return None
        try:
            result = load_result(path, entry[7])
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        entry[:4] = [stamp.mtime_ns, stamp.ctime_ns, stamp.size, stamp.inode]
        entry[5] = stamp.racy
        self.touched.add(key)
        self.dirty = True
        self.rehashed += 1
        return result

    # -- writing ----------------------------------------------------------------------

    def store(self, path: str, stamp: FileStamp, result: FileResult) -> None:
        if not cacheable(result):
            return
        key = os.path.abspath(path)
        self.entries[key] = [
            stamp.mtime_ns,
            stamp.ctime_ns,
            stamp.size,
            stamp.inode,
            stamp.digest,
            stamp.racy,
            stamp.package,
            dump_result(result),
        ]
        self.touched.add(key)
        self.dirty = True

    def adopt(self, other: "ResultCache", paths) -> None:
        """Take ``other``'s entries for ``paths`` (results that hold under this key too)."""
        for path in paths:
            key = os.path.abspath(path)
            entry = other.entries.get(key)
            if entry is not None:
                self.entries[key] = entry
                self.touched.add(key)
                self.dirty = True

    def save(self) -> bool:
        """Write the results file atomically; False (and no exception) when it cannot be written."""
        if not self.dirty:
            return True
        for key in [k for k in self.entries if k not in self.touched]:
            if not os.path.exists(key):
                del self.entries[key]
        try:
            self._prepare_directory()
            self._prune()
            data = json.dumps({"format": FORMAT, "key": self.key, "entries": self.entries}, separators=(",", ":"))
            from estimator_lint import trust

            tmp = os.path.join(self.directory, f".results-{os.getpid()}-{os.urandom(6).hex()}.tmp")
            trust.write_sealed(self.path, data.encode("utf-8"), tmp)
        except OSError:
            return False
        self.dirty = False
        return True

    def _prune(self) -> None:
        """Drop results files unused for :data:`STALE_DAYS` (old versions, old configurations)."""
        cutoff = time.time() - STALE_DAYS * 86400
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        from estimator_lint import run_record
        from estimator_lint.trust import process_alive

        runs = os.path.join(self.directory, run_record.RUNS_DIR)
        if not os.path.islink(runs):
            run_record.remove_litter(runs)
        for name in names:
            # Temporary files of runs killed mid-write (or a full disk): ours, process gone.
            litter = _CACHE_LITTER.match(name)
            if litter is not None and not process_alive(int(litter.group(1))):
                try:
                    os.unlink(os.path.join(self.directory, name))
                except OSError:
                    pass
                continue
            if name.startswith("results-") and name.endswith(".json"):
                full = os.path.join(self.directory, name)
                try:
                    if full != self.path and os.stat(full).st_mtime < cutoff:
                        os.unlink(full)
                except OSError:
                    pass

    def _prepare_directory(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        for name, content in (("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", "# Created by estimator-lint.\n*\n")):
            target = os.path.join(self.directory, name)
            if os.path.lexists(target):
                continue  # never written through: a symbolic link here points elsewhere
            # O_EXCL|O_NOFOLLOW: a link planted after the check is not followed either.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
            try:
                fd = os.open(target, flags, 0o666)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
