"""Whole-project runs: the project index, then per-file analysis that can see it.

A run over several files (:func:`lint_project`) goes in three steps:

1. the index's cheap text pass (:func:`estimator_lint.index.build_index`, with the
   engine's comment- and string-aware prefilter): candidates, classes, bases, re-exports;
   a saved index is reused instead while every file keeps its stat;
2. the files that define Estimator subclasses or build an ``EstimatorSpec`` are linted
   first: their results say which attributes each class captures (EST102, read across
   modules by EST104, and making fixes unsafe where another module reads them) and the
   PREDICT keys of module-level model_fns and Estimator constructors (EST105).  A rebuilt
   index starts from the captures and keys of the last saved one, so only a run in which
   they appeared, vanished or moved lints those files a second time;
3. every other file is linted with the complete index; results come out in the order of
   the files, as :func:`estimator_lint.runner.lint_paths` gives them.

No file is analysed twice unless what it asked the index about the project's captures
and keys changed during the run (each first file's questions are logged with their
answers: :class:`estimator_lint.index.FactLog`), and the lint pass is the only analysis a
file gets (``--fix`` aside: :func:`build_project_index`).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from estimator_lint import engine, runner, screen, source
from estimator_lint.settings import Settings
from estimator_lint.diagnostics import FileResult
from estimator_lint.index import AbsolutePaths, ProjectIndex, build_index


@dataclass
class ProjectRun:
    """The complete index of a run, its result cache, and the files already linted."""

    index: ProjectIndex
    #: An :class:`estimator_lint.cache.ResultCache` keyed by the final index (None: no cache).
    cache: object = None
    #: Results of the files linted first (step 2), linted with the final index.
    done: Dict[str, FileResult] = field(default_factory=dict)
    #: What the index read and parsed, for the lint pass.
    parsed: Optional[source.ParsedFiles] = None
    #: With ``jobs > 1``: the worker processes of the run, shared by its lint passes
    #: (shut down by the caller when the run ends).
    workers: Optional[runner.Workers] = None


def lint_project(
    files: Iterable[str],
    settings: Settings,
    *,
    jobs: int = 1,
    cache_dir: Optional[str] = None,
    save_index: bool = True,
) -> Iterator[FileResult]:
    """Lint ``files`` as one project: results in the order of ``files``.

    ``cache_dir``: where results and the project index are cached (None: no cache).
    ``save_index=False`` leaves the saved index (the one flake8 reads) as it is: a run
    over a few named files (pre-commit) must not replace the index of the whole project.
    One file alone is linted without an index (nothing to see across modules).
    """
    files = list(files)
    if len(files) < 2:
        yield from runner.lint_paths(files, settings, jobs, cache=_open_cache(settings, cache_dir, None))
        return
    import gc

    run = None
    try:
        run = prepare_project(files, settings, jobs=jobs, cache_dir=cache_dir, save_index=save_index, freeze=True)
        rest = runner.lint_paths(
            [f for f in files if f not in run.done],
            settings,
            jobs,
            cache=run.cache,
            index=run.index,
            save_cache=False,
            parsed=run.parsed,
            workers=run.workers,
        )
        try:
            for path in files:
                yield run.done[path] if path in run.done else next(rest)
        finally:
            rest.close()
            if run.cache is not None:
                run.cache.save()
    finally:
        if run is not None:
            if run.workers is not None:
                run.workers.shutdown()
            source.release(run.parsed)
        gc.unfreeze()  # what the index pass froze (prepare_project) is collectable again


def prepare_project(
    files: Sequence[str],
    settings: Settings,
    *,
    jobs: int = 1,
    cache_dir: Optional[str] = None,
    save_index: bool = True,
    freeze: bool = False,
) -> ProjectRun:
    """Steps 1 and 2 of a run (see the module docstring); the caller lints the rest.

    The returned cache is not saved yet: the caller saves it when the run ends.
    ``freeze``: what the index pass keeps for the run is frozen out of the cyclic garbage
    collector (``gc.freeze``); the caller calls ``gc.unfreeze()`` when the run ends.
    With ``jobs > 1`` the run's worker processes are still running, for the caller's
    pass: the caller shuts them down (``run.workers.shutdown()``).
    """
    stats: Dict[str, object] = {}
    # The bytes the index reads and the trees it parses serve the capture scan and the
    # lint pass (forked workers inherit them: runner._pool).
    parsed = source.ParsedFiles()
    parsed.stats = stats  # taken before the index reads the files
    with _collector_paused(freeze):
        index, reused, signature = _saved_or_built(files, settings, cache_dir, stats=stats, parsed=parsed, jobs=jobs)
    cache = _open_cache(settings, cache_dir, index, stats)
    first = [f for f in files if f in index.defining or f in index.spec_files]
    pool = runner.Workers(jobs, settings, index, parsed) if jobs > 1 else None
    try:
        results = _first_pass(first, settings, jobs, cache, index, parsed, pool)
        captured, keys = _captures_of(results), _keys_of(results)
        if (captured, keys) != (index.captured, index.model_fn_keys):
            # These files read the index too (inherited captures, fix safety, keys of imported
            # model_fns).  What they export does not depend on it, but what they report may:
            # a file is linted again only when a question it asked gets another answer now.
            _set_facts(index, captured, keys, read=_held_or_read(parsed))
            reused = False
            first_cache, cache = cache, _open_cache(settings, cache_dir, index, stats)
            stale = [
                r.path for r in results if r.fact_queries is None or not index.still_answers(r.path, r.fact_queries)
            ]
            if cache is not None:
                cache.adopt(first_cache, set(first) - set(stale))
            again = {
                r.path: r
                for r in runner.lint_paths(
                    stale, settings, jobs, cache=cache, index=index, save_cache=False, parsed=parsed, workers=pool
                )
            }
            results = [again.get(r.path, r) for r in results]
    except BaseException:
        if pool is not None:
            pool.shutdown()
        raise
    for result in results:
        result.fact_queries = None
    if cache_dir is not None and not reused and save_index:
        write_index(index, cache_dir, signature, files, settings, stats=stats, parsed=parsed)
    return ProjectRun(index, cache, {r.path: r for r in results}, parsed, pool)


def _first_pass(first, settings: Settings, jobs: int, cache, index: ProjectIndex, parsed, workers) -> List[FileResult]:
    """Step 2's lint of the defining files, each logging the fact questions it asks."""
    index.record_fact_queries = True
    try:
        return list(
            runner.lint_paths(first, settings, jobs, cache=cache, index=index, save_cache=False, parsed=parsed, workers=workers)
        )
    finally:
        index.record_fact_queries = False


@contextmanager
def _collector_paused(freeze: bool):
    """With ``freeze``: the index pass allocates what the run keeps (bytes, trees, the
    index) with the cyclic collector paused (each collection would walk all of it, about a
    sixth of a run on a corpus full of Estimator code), and all of it is then frozen out of
    later collections."""
    if not freeze:
        yield
        return
    import gc

    with source.collector_paused():
        try:
            yield
        finally:
            # Frozen before the collector runs again: its first collection would otherwise
            # walk everything the pass allocated (one more full walk of the trees).
            gc.freeze()


def build_project_index(
    files: Sequence[str],
    settings: Settings,
    cache_dir: Optional[str] = None,
    *,
    save_index: bool = True,
    read: Optional[Callable[[str], Optional[bytes]]] = None,
    parsed: Optional[source.ParsedFiles] = None,
    freeze: bool = False,
) -> ProjectIndex:
    """The complete project index of ``files``, for ``--fix`` and for API users who lint
    files one at a time; with ``cache_dir``, saved there and reused while no file changes.

    The captures are learnt by analysing the defining files without running the rules
    (no fixes are planned: ``--fix`` plans its own).  ``read(path)``: a file's bytes (None:
    unreadable) where they are not the ones on disk (an editor's unsaved texts, stdin);
    such an index is never saved nor taken from the cache.  ``parsed``: keeps the trees
    parsed here for the fixing pass (:class:`estimator_lint.source.ParsedFiles`).
    ``freeze``: as :func:`prepare_project`'s (the caller calls ``gc.unfreeze()``).
    """
    if read is not None:
        cache_dir = None
    stats: Dict[str, object] = {}  # taken before the index reads the files
    with _collector_paused(freeze):
        index, reused, signature = _saved_or_built(
            files, settings, cache_dir, seed=False, stats=stats, read=read, parsed=parsed
        )
    if reused:
        return index
    read = _held_or_read(parsed, read)
    _set_facts(index, *_analysed_facts(index, settings, read, parsed), read=read)
    if cache_dir is not None and save_index:
        write_index(index, cache_dir, signature, files, settings, stats=stats, parsed=parsed)
    return index


def _saved_or_built(
    files: Sequence[str],
    settings: Settings,
    cache_dir: Optional[str],
    seed: bool = True,
    stats=None,
    read=None,
    parsed: Optional[source.ParsedFiles] = None,
    jobs: int = 1,
):
    """(index, reused, signature): the saved index while no file changed, else a new one
    that (``seed``) starts from the saved captures and keys (they rarely change between
    runs; the caller checks them).  ``stats``: filled with each file's stat."""
    signature = _signature(files, settings, stats) if cache_dir is not None else None
    saved = _load(cache_dir) if cache_dir is not None else None
    if saved is not None and signature is not None and saved[1] == signature:
        return _relocate(saved[0], files), True, signature
    index = _build(files, settings, read, parsed, jobs)
    if seed and saved is not None:
        _set_facts(index, saved[0].captured, saved[0].model_fn_keys, read=_held_or_read(parsed, read))
    return index, False, signature


def _read_file(path: str) -> Optional[bytes]:
    try:
        return source.read_source_bytes(path)
    except (OSError, ValueError):
        return None


def _held_or_read(parsed: Optional[source.ParsedFiles], read=None) -> Callable[[str], Optional[bytes]]:
    """A file's bytes: as an earlier pass read them while ``parsed`` holds them, else read."""
    read = read or _read_file
    return parsed.reader(read) if parsed is not None else read


def _analysed_facts(index: ProjectIndex, settings: Settings, read=None, parsed: Optional[source.ParsedFiles] = None):
    """(captures, model_fn keys) of the project, from analyses without rules."""
    from estimator_lint.analysis.model import FileModel

    read = read or _read_file
    results = []
    for path in sorted(index.defining | index.spec_files):
        view, module, package = engine.in_project(index, path)
        if module is None:
            continue
        try:
            data = read(path)
            if data is None:
                continue
            tree = parsed.peek(path, data) if parsed is not None else None
            if tree is None:
                tree = source.parse(source.source_text(path, data)[0], path)
            with source.bounded_recursion():
                model = FileModel(
                    tree,
                    package=package,
                    module=module,
                    index=view,
                    extra_bases=settings.extra_estimator_bases,
                )
        except Exception:  # the lint pass reports whatever is wrong with the file
            continue
        results.append(
            FileResult(path, captures=model.captures_by_class(), prediction_keys=model.exported_prediction_keys())
        )
    return _captures_of(results), _keys_of(results)


def _open_cache(settings: Settings, cache_dir: Optional[str], index: Optional[ProjectIndex], stats=None):
    """The run's result cache; ``stats`` (the index signature's) spare it a second stat per file."""
    if cache_dir is None:
        return None
    from estimator_lint.cache import ResultCache

    cache = ResultCache(settings, cache_dir, index_digest=index.digest() if index is not None else None)
    if stats:
        cache.stat_hints = dict(stats)
    return cache


def _captures_of(results: Iterable[FileResult]) -> Dict[str, List[str]]:
    captured: Dict[str, Set[str]] = {}
    for result in results:
        for qualname, attrs in result.captures.items():
            captured.setdefault(qualname, set()).update(attrs)
    return {q: sorted(attrs) for q, attrs in sorted(captured.items())}


def _keys_of(results: Iterable[FileResult]) -> Dict[str, List[str]]:
    return dict(sorted((q, k) for result in results for q, k in result.prediction_keys.items()))


def _set_facts(index: ProjectIndex, captured: Dict[str, List[str]], keys: Dict[str, List[str]], read=None) -> None:
    """What the lint results of the first files taught: captures and model_fn keys (only
    of this run's modules: a saved index may know modules since deleted)."""
    modules = {m for m, _ in index.modules.values()}

    def in_run(qualname: str) -> bool:
        # ``pkg.mod.fn``, ``pkg.mod.Class`` or ``pkg.mod.Class.method`` of a module of this run.
        module = qualname.rpartition(".")[0]
        return module in modules or module.rpartition(".")[0] in modules

    index.captured = {q: a for q, a in captured.items() if q in index.classes or in_run(q)}
    index.model_fn_keys = {q: k for q, k in keys.items() if in_run(q)}
    index.external_reads = _find_external_reads(index, read) if index.captured else set()


def _relocate(index: ProjectIndex, files: Sequence[str]) -> ProjectIndex:
    """Key a loaded index (absolute paths) by the paths this run names its files with."""
    import os

    absolute = {path: os.path.abspath(path) for path in files}
    index.modules = {p: index.modules[a] for p, a in absolute.items() if a in index.modules}
    for name in ("candidates", "defining", "spec_files"):
        saved = getattr(index, name)
        setattr(index, name, {p for p, a in absolute.items() if a in saved})
    return index


def _signature(files: Sequence[str], settings: Settings, stats=None) -> Optional[str]:
    """What the saved index was built from: the linter (version, code, Python), the
    settings, and the tree (:func:`tree_signature`).  None when a file changed too
    recently for its stat to be trusted."""
    import dataclasses
    import hashlib
    import sys

    from estimator_lint import __version__
    from estimator_lint.cache import code_fingerprint

    tree = tree_signature(files, stats)
    # (Whether fixes are rendered changes no fact of the index: not part of the signature.)
    if tree is None:
        return None
    h = hashlib.sha256(f"{__version__}|{code_fingerprint()}|{sys.version}|{dataclasses.replace(settings, fix_edits=True)!r}|{tree}".encode())
    return h.hexdigest()[:24]


def tree_signature(
    files: Sequence[str],
    stats=None,
    hashed: Optional[Set[str]] = None,
    known: Optional[Dict[str, object]] = None,
    read: Optional[Callable[[str], Optional[bytes]]] = None,
) -> Optional[str]:
    """Each file's path and stat -- mtime, ctime, size, inode, as the result cache compares
    them (ctime: an edit that puts the mtime back, ``cp -p`` or ``touch -r``, still moves
    it) -- and the ``__init__.py`` files above them, which decide module names.

    A file changed too recently for its stat to be trusted makes it None; unless it is
    in ``hashed``, whose files are identified by their bytes instead of their stat.
    ``stats``: filled with each file's stat.  ``known``: stats taken earlier (used instead
    of a new stat), ``read``: the bytes of a hashed file as they were read then (None:
    not known, and the signature then matches no tree)."""
    import hashlib
    import os
    import time

    h = hashlib.sha256()
    limit = time.time_ns() - 2_000_000_000
    directories = set()
    untrusted = False
    for path in files:
        st = _stat_of(path, known)
        if st is None:
            h.update(os.fsencode(path) + b"|missing;")
            continue
        if stats is not None:
            stats[path] = st
        if hashed is not None and path in hashed:
            if read is not None:
                data = read(path)
                digest = hashlib.sha256(data).digest() if data is not None else b"not kept: matches no tree"
            else:
                try:
                    digest = hashlib.sha256(source.read_source_bytes(path)).digest()
                except (OSError, ValueError):
                    digest = hashlib.sha256(b"unreadable").digest()
            h.update(os.fsencode(path) + b"|" + digest + b";")
        elif max(st.st_mtime_ns, st.st_ctime_ns) >= limit:
            if stats is None:
                return None  # changed just now: the stat could miss a second change
            untrusted = True  # (the other files' stats are still wanted)
        else:
            h.update(os.fsencode(path) + f"|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino};".encode())
        directories.add(os.path.dirname(os.path.abspath(path)))
    # Module names come from the __init__.py files above each file, which need not be
    # among the files of the run (a run over named files).
    markers = set()
    for directory in directories:
        while True:
            marker = os.path.join(directory, "__init__.py")
            if marker in markers:
                break
            markers.add(marker)
            if not os.path.isfile(marker):
                break
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    if untrusted:
        return None
    for marker in sorted(markers):
        h.update(os.fsencode(marker) + (b"|present;" if os.path.isfile(marker) else b"|absent;"))
    return h.hexdigest()[:24]


def _recent(files: Sequence[str], known: Optional[Dict[str, object]] = None) -> Set[str]:
    """The files changed too recently for their stat to be trusted (absolute paths);
    ``known``: their stats taken earlier (used instead of a new stat)."""
    import os
    import time

    limit = time.time_ns() - 2_000_000_000
    found = set()
    for path in files:
        st = _stat_of(path, known)
        if st is not None and max(st.st_mtime_ns, st.st_ctime_ns) >= limit:
            found.add(os.path.abspath(path))
    return found


def _stat_of(path: str, known: Optional[Dict[str, object]] = None):
    """``path``'s stat as taken earlier (``known``), else now; None when it cannot be taken."""
    import os

    st = known.get(path) if known is not None else None
    if st is None:
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
    return st


def _build(files: Sequence[str], settings: Settings, read=None, parsed=None, jobs: int = 1) -> ProjectIndex:
    return build_index(
        files,
        settings.prefilter_words(),
        screen=screen.mentions_words_bytes,
        everything=not settings.prefilter,
        read=read,
        parsed=parsed,
        jobs=jobs,
    )


def _find_external_reads(index: ProjectIndex, read=None) -> Set[Tuple[str, str]]:
    """Which captured attributes other files may read (a text test, erring on "read").

    A fix that removes a captured attribute is unsafe when code elsewhere reads it; a file
    that names the class (or its module) on an import line and mentions ``.attr`` counts
    as such a reader.  Each file is read and scanned once, whatever the number of captures.
    """
    # What a reader names on an import line (the class or its module) -> (capture, ``.attr``, home file).
    wanted: Dict[bytes, List[Tuple[Tuple[str, str], bytes, Optional[str]]]] = {}
    for qual, attrs in index.captured.items():
        entry = index.classes.get(qual)
        # Readers name the class, or a subclass inheriting the capture (``WideRegressor()``).
        for named in [qual, *(sub.qualname for sub in index.descendants(qual))]:
            module, _, name = named.rpartition(".")
            last = module.rpartition(".")[2].partition("@")[0]  # ``train@tag``: a shared module name
            for attr in attrs:
                want = ((qual, attr), b"." + attr.encode(), entry.path if entry else None)
                wanted.setdefault(name.encode(), []).append(want)
                wanted.setdefault(last.encode(), []).append(want)
    read = read or _read_file
    found: Set[Tuple[str, str]] = set()
    if not wanted:
        return found
    for path in index.candidates:
        data = read(path)
        if data is None:
            continue
        try:
            data = source.code_bytes(path, data)  # a notebook: its code cells
        except ValueError:
            continue
        mentioned: Dict[bytes, bool] = {}
        for word in _import_words(data).intersection(wanted):
            for capture, dotted, home in wanted[word]:
                if home == path or capture in found:
                    continue
                if dotted not in mentioned:
                    mentioned[dotted] = dotted in data or _reads_by_name(data, capture[1])
                if mentioned[dotted]:
                    found.add(capture)
    return found


#: ``getattr(obj, name)`` with a computed name, ``vars(obj)``, ``obj.__dict__``: any
#: attribute may be read (``getattr(obj, "attr")`` is checked per attribute).
_REFLECTIVE = re.compile(rb"\b(?:getattr|hasattr)[ \t]*\([^,()]*,[ \t]*(?![ \t]*[rbuRBU]?['\"])|\bvars[ \t]*\([ \t]*[^) \t]|\.__dict__\b")


def _reads_by_name(data: bytes, attr: str) -> bool:
    """Whether ``data`` may read ``attr`` by reflection (a text test, erring on "read")."""
    if _REFLECTIVE.search(data):
        return True
    return bool(re.search(rb"\b(?:getattr|hasattr)[ \t]*\([^()]*['\"]" + re.escape(attr.encode()) + rb"['\"]", data))


#: An import line: the words before any ``(``, and those inside ``( ... )`` up to the
#: first ``)`` (``from m import (\n A,\n B)`` spans lines).
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:from|import)[ \t]([^\n(]*)(?:\(([^)]*))?", re.M)
_WORD = re.compile(rb"\w+")


def _import_words(data: bytes) -> Set[bytes]:
    """The words of ``data``'s import lines (a class or module named there may be imported:
    erring on yes)."""
    words: Set[bytes] = set()
    for head, inside in _IMPORT_LINE.findall(data):
        words.update(_WORD.findall(head))
        words.update(_WORD.findall(inside))
    return words


# --------------------------------------------------------------------------------------
# the saved index (for the flake8 plugin, which sees one file at a time)
# --------------------------------------------------------------------------------------

INDEX_FILE = "project-index.json"
INDEX_FORMAT = 6


def write_index(
    index: ProjectIndex,
    cache_dir: str,
    signature: Optional[str] = None,
    files: Sequence[str] = (),
    settings: Optional[Settings] = None,
    stats: Optional[Dict[str, object]] = None,
    parsed: Optional[source.ParsedFiles] = None,
) -> Optional[str]:
    """Write the index where the flake8 plugin finds it; paths are stored absolute.

    With ``files``, their list and :func:`tree_signature` are stored too: the plugin
    uses the index only while the tree is as it was (:func:`load_index_for_tree`).
    ``stats``: the files' stats taken before the index read them, and ``parsed`` the
    bytes it read: the tree is the one the index was built from (a file edited since
    then, before this write, makes the saved index stale, never trusted).
    The file is sealed (:mod:`estimator_lint.trust`): one the linter did not write is ignored.
    """
    import json
    import os
    import tempfile

    from estimator_lint import __version__, trust

    absolute_path = AbsolutePaths().__getitem__  # each path made absolute once
    absolute_files = sorted(absolute_path(p) for p in files)
    known = read = None
    if stats is not None:
        known = {absolute_path(p): st for p, st in stats.items()}
        relative = {absolute_path(p): p for p in files}
        read = (lambda path: parsed.held(relative[path])) if parsed is not None else (lambda path: None)
    hashed = _recent(absolute_files, known)
    data = {
        "format": INDEX_FORMAT,
        "version": __version__,
        "signature": signature,
        "files": absolute_files,
        "hashed": sorted(hashed),
        "tree": tree_signature(absolute_files, hashed=hashed, known=known, read=read) if files else None,
        "prefilter_words": sorted(settings.prefilter_words()) if settings is not None else None,
        "candidates": sorted(absolute_path(p) for p in index.candidates),
        "defining": sorted(absolute_path(p) for p in index.defining),
        "words": list(index.words),
        "classes": {q: [e.name, absolute_path(e.path), e.bases, sorted(e.methods)] for q, e in index.classes.items()},
        "aliases": index.aliases,
        "stars": index.stars,
        "modules": {absolute_path(p): list(m) for p, m in index.modules.items()},
        "ambiguous": sorted(index.ambiguous),
        "captured": index.captured,
        "model_fn_keys": index.model_fn_keys,
        "spec_files": sorted(absolute_path(p) for p in index.spec_files),
        "external_reads": sorted(list(x) for x in index.external_reads),
        "passed_methods": index.passed_methods,
    }
    try:
        os.makedirs(cache_dir, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".index-{os.getpid()}-", dir=cache_dir)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(trust.seal(json.dumps(data).encode("utf-8", "surrogateescape")))
            target = os.path.join(cache_dir, INDEX_FILE)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)  # a full disk leaves no truncated index behind
            except OSError:
                pass
            raise
        return target
    except OSError:
        return None


def load_index(cache_dir: str, signature: Optional[str] = None) -> Optional[ProjectIndex]:
    """The index a CLI run saved, or None (missing, unreadable, other version, or, when
    ``signature`` is given, saved for other files or settings)."""
    saved = _load(cache_dir)
    if saved is None or (signature is not None and saved[1] != signature):
        return None
    return saved[0]


def load_index_for_tree(cache_dir: str, settings: Settings) -> Optional[ProjectIndex]:
    """The saved index while the tree it was built from is unchanged (every file's stat,
    the ``__init__.py`` files, the prefilter words): for the flake8 plugin, which does not
    know the project's files.  None when anything differs: each file is then checked on
    its own, as without an index."""
    saved = _load(cache_dir, raw=True)
    if saved is None:
        return None
    index, data = saved
    files, tree = data.get("files"), data.get("tree")
    if not files or tree is None or data.get("prefilter_words") != sorted(settings.prefilter_words()):
        return None
    if tree_signature(files, hashed=set(data.get("hashed", ()))) != tree:
        return None
    return index


def _load(cache_dir: str, raw: bool = False):
    """The saved index and the signature it was saved with (``raw``: and all it holds)."""
    import json
    import os

    from estimator_lint import __version__, trust
    from estimator_lint.index import ClassEntry

    try:
        with open(os.path.join(cache_dir, INDEX_FILE), "rb") as handle:
            body = trust.unseal(handle.read())
        if body is None:
            return None  # not written by this user's linter (committed, copied, forged)
        data = json.loads(body)
        if data.get("format") != INDEX_FORMAT or data.get("version") != __version__:
            return None
        index = ProjectIndex()
        index.words = tuple(data["words"])
        for qual, (name, path, bases, methods) in data["classes"].items():
            index.classes[qual] = ClassEntry(qual, name, path, list(bases), set(methods))
        index.aliases = dict(data["aliases"])
        index.stars = {k: list(v) for k, v in data["stars"].items()}
        index.modules = {p: (m[0], m[1]) for p, m in data["modules"].items()}
        index.ambiguous = set(data["ambiguous"])
        index.captured = {k: list(v) for k, v in data["captured"].items()}
        index.external_reads = {(a, b) for a, b in data["external_reads"]}
        # Paths are stored absolute; a run names files as given (relative or not).
        index.candidates = set(data.get("candidates", ()))
        index.defining = set(data.get("defining", ()))
        index.spec_files = set(data.get("spec_files", ()))
        index.model_fn_keys = {k: list(v) for k, v in data.get("model_fn_keys", {}).items()}
        index.passed_methods = {k: list(v) for k, v in data.get("passed_methods", {}).items()}
        return (index, data) if raw else (index, data.get("signature"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
