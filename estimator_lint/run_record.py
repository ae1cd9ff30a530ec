"""Run records: a check run whose every input is unchanged prints what it printed before.

The result cache (:mod:`estimator_lint.cache`) spares unchanged files their analysis, but a
run still imports the linter, parses its arguments and configuration, walks the tree and
loads the cache: most of a cached run.  A *run record* keeps, for one exact invocation,
everything the run read besides the linter itself, and what it printed:

* the invocation: arguments, working directory, interpreter, the environment variables
  the linter reads, whether stdout/stderr are terminals and their encodings;
* the linter's own code (size and mtime of every module, as the result cache's key);
* the stat (mtime, ctime, size, inode) of every file linted and of every directory the
  walk listed (a file added, removed or renamed there changes the directory's stat);
* *probes*: the paths the run looked for outside the walked tree, present or not (the
  paths named on the command line, each ``pyproject.toml`` of the configuration search,
  ``--config``'s file, the ``__init__.py`` files above each path that decide module names,
  and the project's requirement declarations EST106 read, with the files looked for on the
  way up to the project directory and that directory itself: its stat changes when a
  ``requirements*.txt`` is added there);
* stdout, stderr and the exit status; and the stat of the project index the run saved
  for flake8 (a replay must not hide that it was deleted).

:func:`replay` runs before anything else is imported (``estimator-lint`` starts in
:func:`estimator_lint.cli.main`): it stats what the record lists and, when everything is
as recorded, writes the recorded output.  Anything else -- a changed stat, another
argument, a record of another version, an unreadable record -- runs the linter as usual.

A record is written only by a plain check run (no ``--fix``/``--diff``, with the cache,
no progress bar, exit status 0 or 1) and only when every recorded stat is at least
:data:`RACY_SECONDS` older than the run's start: then nothing changed while the run read
it, and a later edit within the same timestamp tick cannot go unnoticed (git's "racily
clean" rule).  Records live in ``<cache dir>/runs/``, one per invocation (the newest
:data:`MAX_RECORDS` are kept), in JSON.

Records are sealed with an HMAC under this user's key (:mod:`estimator_lint.trust`): a
record the linter did not write itself is never replayed.

This module imports only what its fast path needs (``os``, ``sys``, ``json``, ``zlib``,
``hmac``).
"""

from __future__ import annotations

import json
import os
import sys
import zlib

FORMAT = 2
RUNS_DIR = "runs"
#: Stats this close to the run's start are not trusted (see the module docstring).
RACY_SECONDS = 2.0
#: Records kept per cache directory (one per distinct invocation).
MAX_RECORDS = 32
#: Environment variables the linter reads.
ENV_KEYS = ("ESTIMATOR_LINT_CACHE_DIR", "PYTHONIOENCODING", "PYTHONUTF8")
#: Arguments whose runs are never replayed (they change files or print no findings).
NOT_REPLAYED = ("--fix", "--diff", "--add-noqa", "--no-cache", "--help", "-h", "--version")


def _stat(path: str):
    """The stat a record compares: [mtime_ns, ctime_ns, size, inode], or None if absent."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino]


def _cache_dir(argv) -> "str | None":
    """The cache directory the run would use, from the exact spellings only (an abbreviated
    flag simply finds no record)."""
    for i, arg in enumerate(argv):
        if arg == "--cache-dir" and i + 1 < len(argv):
            return os.path.abspath(argv[i + 1])
        if arg.startswith("--cache-dir="):
            return os.path.abspath(arg.partition("=")[2])
    from_env = os.environ.get("ESTIMATOR_LINT_CACHE_DIR")
    return os.path.abspath(from_env) if from_env else os.path.join(os.getcwd(), ".estimator_lint_cache")


def _invocation(argv) -> dict:
    return {
        "argv": list(argv),
        "cwd": os.getcwd(),
        "python": sys.version,
        "executable": sys.executable,
        "env": {key: os.environ.get(key) for key in ENV_KEYS},
        "tty": [isatty(sys.stdout), isatty(sys.stderr)],
        "encoding": [getattr(sys.stdout, "encoding", None), getattr(sys.stdout, "errors", None),
                     getattr(sys.stderr, "encoding", None)],
    }


def isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _path(cache_dir: str, invocation: dict) -> str:
    digest = zlib.crc32(json.dumps(invocation, sort_keys=True).encode("utf-8", "surrogateescape"))
    return os.path.join(cache_dir, RUNS_DIR, f"run-{digest:08x}.json")


def code_stats() -> list:
    """[relative path, stat] of the linter's own modules: an edited linter replays nothing
    (and gets another result-cache key, :func:`estimator_lint.cache.cache_key`)."""
    root = os.path.dirname(os.path.abspath(__file__))
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                full = os.path.join(directory, name)
                found.append([os.path.relpath(full, root), _stat(full)])
    return found


def replay(argv) -> "int | None":
    """Write the recorded output of this invocation and return its exit status, or None
    when there is no record or anything it lists changed (the caller then runs)."""
    if not argv or argv[0] == "rule" or any(a in NOT_REPLAYED for a in argv):
        return None
    try:
        cache_dir = _cache_dir(argv)
        invocation = _invocation(argv)
        from estimator_lint import trust

        with open(_path(cache_dir, invocation), "rb") as handle:
            body = trust.unseal(handle.read())
        if body is None:
            return None  # not written by this user's linter: never replayed
        record = json.loads(body)
        if record.get("format") != FORMAT or record.get("invocation") != invocation:
            return None
        for path, stat in record["stats"]:
            if _stat(path) != stat:
                return None
        if record["code"] != code_stats():
            return None
        out, err, status = record["stdout"], record["stderr"], record["exit"]
    except (OSError, ValueError, KeyError, TypeError, UnicodeError):
        return None
    try:
        sys.stdout.write(out)
        sys.stdout.flush()
        if err:
            sys.stderr.write(err)
            sys.stderr.flush()
    except UnicodeError:
        return None  # nothing was written: encoding fails before the stream takes the text
    return status


# --------------------------------------------------------------------------------------
# recording (the normal run)
# --------------------------------------------------------------------------------------


class _Tee:
    """A text stream that passes writes on and keeps a copy."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.parts: list = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class Recorder:
    """Captures what a run prints and, when it ends cleanly, saves its record.

    ``with Recorder(argv, cache_dir) as rec: ...`` swaps ``sys.stdout``/``sys.stderr`` for
    tees; :meth:`save` then writes the record if every input is old enough.
    """

    def __init__(self, argv, cache_dir: str) -> None:
        import time

        self.argv = list(argv)
        self.cache_dir = cache_dir
        self.invocation = _invocation(argv)  # before the tees replace the streams
        self.start_ns = time.time_ns()
        self._saved = None

    def __enter__(self) -> "Recorder":
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = _Tee(sys.stdout), _Tee(sys.stderr)
        return self

    def __exit__(self, *exc) -> None:
        self.out, self.err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self._saved

    def save(self, status: int, files, walked_dirs, probes, outputs=()) -> bool:
        """Write the record; False (and nothing written) when an input is too recent or
        cannot be stat'ed.  ``outputs``: files the run itself writes for others (the
        project index flake8 reads): recorded, so that a replay does not hide their loss,
        but not subject to the racy rule."""
        limit = self.start_ns - int(RACY_SECONDS * 1e9)
        stats = []
        for path in [*files, *walked_dirs]:
            stat = _stat(path)
            if stat is None or stat[0] >= limit or stat[1] >= limit:
                return False
            stats.append([path, stat])
        for path in probes:
            stat = _stat(path)
            if stat is not None and (stat[0] >= limit or stat[1] >= limit):
                return False
            stats.append([path, stat])
        stats.extend([path, _stat(path)] for path in outputs)
        record = {
            "format": FORMAT,
            "invocation": self.invocation,
            "code": code_stats(),
            "stats": stats,
            "stdout": "".join(self.out.parts),
            "stderr": "".join(self.err.parts),
            "exit": status,
        }
        target = _path(self.cache_dir, self.invocation)
        try:
            directory = os.path.dirname(target)
            os.makedirs(directory, exist_ok=True)
            if os.path.islink(directory):
                return False  # never written through a link: it points out of the cache
            from estimator_lint import trust

            body = json.dumps(record, separators=(",", ":")).encode("utf-8", "surrogateescape")
            trust.write_sealed(target, body, f"{target}.{os.getpid()}.tmp")
            _prune(directory)
        except OSError:
            return False
        return True


def _prune(directory: str) -> None:
    try:
        remove_litter(directory)
        names = [n for n in os.listdir(directory) if n.startswith("run-") and n.endswith(".json")]
        if len(names) <= MAX_RECORDS:
            return
        dated = sorted(names, key=lambda n: os.stat(os.path.join(directory, n)).st_mtime_ns)
        for name in dated[: len(names) - MAX_RECORDS]:
            os.unlink(os.path.join(directory, name))
    except OSError:
        pass


def remove_litter(directory: str) -> None:
    """Remove ``run-<crc>.json.<pid>.tmp`` files of runs killed mid-write."""
    from estimator_lint.trust import process_alive

    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        pid = name.rpartition(".json.")[2][: -len(".tmp")] if name.endswith(".tmp") else ""
        if name.startswith("run-") and pid.isdigit() and not process_alive(int(pid)):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass


def _upward(path: str):
    """The directory of ``path`` (``path`` itself if a directory), then each one above it."""
    directory = os.path.abspath(path)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        yield directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def probes(paths, config_search: "str | None", config_found: "str | None", config_file: "str | None") -> list:
    """Paths outside the walked tree whose presence decides the run (see the module docstring).

    ``config_search``: the start of the ``pyproject.toml`` search (None with ``--isolated``
    or ``--config``); ``config_found``: the file it settled on; ``config_file``: ``--config``'s.
    """
    # The paths named on the command line themselves (one excluded by ``--force-exclude``
    # is neither walked nor checked, but its disappearance is an error).
    found = [os.path.abspath(path) for path in paths]
    if config_file:
        found.append(os.path.abspath(config_file))
    if config_search is not None:
        settled = os.path.abspath(config_found) if config_found else None
        for directory in _upward(config_search):
            candidate = os.path.join(directory, "pyproject.toml")
            found.append(candidate)
            if candidate == settled:
                break
    for path in paths:
        # Module names come from the __init__.py files around a file (package_of): above
        # each path, up to the first directory without one.
        for directory in _upward(path):
            marker = os.path.join(directory, "__init__.py")
            found.append(marker)
            if not os.path.isfile(marker):
                break
    return list(dict.fromkeys(found))


def requirement_probes(search_start: str, looked_at) -> list:
    """The requirement scan's inputs (:mod:`estimator_lint.requirements`): what the search
    for the project directory looked at, and every file the scan read or looked for."""
    from estimator_lint.requirements import search_probes

    return list(dict.fromkeys([*search_probes(search_start), *looked_at]))
