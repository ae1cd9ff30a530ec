"""Many files: the result cache, screening and a process pool around the per-file
engine (:func:`estimator_lint.engine.lint_file`).  The project runner
(:mod:`estimator_lint.project`) drives it with the project index.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Iterable, Iterator, List, Optional

from estimator_lint.diagnostics import FileError, FileResult
from estimator_lint.engine import lint_file, screens_noqa
from estimator_lint.screen import may_hold_findings_bytes
from estimator_lint.settings import Settings
from estimator_lint.source import is_notebook, package_of, read_source_bytes

def _check_file(path: str, settings: Settings, known_digest: Optional[str], stamp_wanted: bool, index=None, parsed=None):
    """Lint one file of a run: ``(result, stamp)``.

    The stat is taken before the read, so a later edit always shows in the next run's
    stat.  ``result`` is None when the bytes still hash to ``known_digest`` (the cached
    result holds); ``stamp`` is None when the file could not be read.  ``parsed``: the
    bytes (and trees) an earlier pass of the run read (with the stat taken before, when
    a stamp is wanted): the file is not read again.
    """
    data = parsed.held(path) if parsed is not None else None
    st = parsed.stats.get(path) if data is not None and stamp_wanted else None
    if data is None or (stamp_wanted and st is None):
        try:
            st = os.stat(path) if stamp_wanted else None
            data = read_source_bytes(path)  # never blocks on a FIFO, never reads a device
        except (OSError, ValueError):
            return lint_file(path, settings, index), None
    stamp = None
    if stamp_wanted:
        from estimator_lint.cache import FileStamp, content_digest

        package = package_of(path) if b"from ." in data else None
        stamp = FileStamp.of(st, content_digest(data), package)
        if known_digest is not None and stamp.digest == known_digest:
            return None, stamp
    # The project index already screened every file (to its fixed point of words).
    # A notebook's JSON is screened as its code, by lint_file.
    notebook = is_notebook(path)
    if path in index.candidates if index is not None else (notebook or may_hold_findings_bytes(data, settings)):
        tree = parsed.take(path, data) if parsed is not None else None
        return lint_file(path, settings, index, data=data, screened=not notebook, tree=tree), stamp
    if b"noqa" in data and screens_noqa(settings):  # EST100: its noqa comments may be stale
        return lint_file(path, settings, index, data=data, screened=True), stamp
    return FileResult(path), stamp


def _check_chunk(chunk, settings: Settings, stamp_wanted: bool, index=None, parsed=None) -> list:
    return [_check_file(path, settings, digest, stamp_wanted, index, parsed) for path, digest in chunk]


#: A worker's part of the run, set once when the worker starts (:func:`_start_worker`):
#: the settings, the project index (hundreds of kilobytes on a big project) and what the
#: run's index pass read and parsed are not sent again with every chunk.
_WORKER_RUN: Optional[tuple] = None


def _start_worker(settings: Settings, stamp_wanted: bool, index, parsed=None) -> None:
    global _WORKER_RUN
    _WORKER_RUN = (settings, stamp_wanted, index, parsed)
    if parsed is not None:
        import gc

        # Everything inherited from the parent (its trees above all) stays out of this
        # worker's cyclic collections: walking them would cost time and copy their pages.
        gc.freeze()


def _check_chunk_in_worker(chunk, stamp_wanted: Optional[bool] = None, facts=None) -> list:
    """A chunk in a worker; ``stamp_wanted`` (None: as when the worker started) and
    ``facts`` (None: the index as the worker got it) are those of the pass that sent it."""
    assert _WORKER_RUN is not None, "a pool worker runs _start_worker first"
    settings, started_stamp_wanted, index, parsed = _WORKER_RUN
    if facts is not None:
        index.take_learnt_facts(facts)
    return _check_chunk(chunk, settings, started_stamp_wanted if stamp_wanted is None else stamp_wanted, index, parsed)


def _learnt_facts(index) -> Optional[tuple]:
    return index.learnt_facts() if index is not None else None


def _pool(jobs: int, settings: Settings, stamp_wanted: bool, index, parsed=None):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context()
    # A forked worker inherits the bytes and trees the parent's index pass holds with its
    # memory (nothing is sent); any other start method would pickle them, so such workers
    # read and parse their files themselves.
    inherited = parsed if context.get_start_method() == "fork" else None
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(settings, stamp_wanted, index, inherited)
    )


class Workers:
    """The worker processes of a run: started when a chunk first needs them, shared by the
    run's lint passes (:func:`lint_paths` with ``workers=``), shut down by the caller.

    A project run lints its defining files first, then the rest (:mod:`estimator_lint.project`);
    one pool for both passes saves starting, and warming, a second one.  What the index
    learnt after the workers started (``index.learnt_facts()``, tens of kilobytes) goes with
    every chunk from then on.
    """

    def __init__(self, jobs: int, settings: Settings, index=None, parsed=None) -> None:
        self.jobs, self.settings, self.index, self.parsed = jobs, settings, index, parsed
        self._pool = None
        self._started_with: Optional[tuple] = None
        self._updated = False  # once some worker may hold newer facts, every chunk carries them

    def submit(self, work: list, stamp_wanted: bool):
        from concurrent.futures.process import BrokenProcessPool

        if self._pool is None:
            self._start(stamp_wanted)
        facts = _learnt_facts(self.index)
        if self._updated or facts != self._started_with:
            self._updated = True
        else:
            facts = None
        try:
            return self._pool.submit(_check_chunk_in_worker, work, stamp_wanted, facts)
        except BrokenProcessPool:
            # Broken by a worker's death in an earlier chunk: a fresh pool from here on.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._start(stamp_wanted)
            return self._pool.submit(_check_chunk_in_worker, work, stamp_wanted, None)

    def _start(self, stamp_wanted: bool) -> None:
        # Forked (or pickled) now, the workers' index holds the facts learnt so far.
        self._pool = _pool(self.jobs, self.settings, stamp_wanted, self.index, self.parsed)
        self._started_with, self._updated = _learnt_facts(self.index), False

    def check_isolated(self, chunk: list, stamp_wanted: bool) -> list:
        return _check_chunk_isolated(chunk, self.settings, stamp_wanted, self.index, self.parsed)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


WORKER_DIED = "worker process died while checking this file"


def _check_chunk_isolated(chunk, settings: Settings, stamp_wanted: bool, index=None, parsed=None) -> list:
    """:func:`_check_chunk` after a worker died: each file alone in a fresh single worker.

    A worker's death (a crash in native code, the OOM killer) fails every chunk in flight
    with ``BrokenProcessPool``, so a chunk's files are checked again one at a time; only a
    file that kills its worker again is reported (:data:`WORKER_DIED`), and not cached.
    """
    from concurrent.futures.process import BrokenProcessPool

    answers = []
    solo = None
    try:
        for path, digest in chunk:
            if solo is None:
                solo = _pool(1, settings, stamp_wanted, index, parsed)
            try:
                answers.append(solo.submit(_check_chunk_in_worker, [(path, digest)]).result()[0])
            except BrokenProcessPool:
                solo.shutdown(wait=False, cancel_futures=True)
                solo = None
                answers.append((FileResult(path, error=FileError(WORKER_DIED)), None))
    finally:
        if solo is not None:
            solo.shutdown(wait=True)
    return answers


def _settle(path: str, result, stamp, settings: Settings, cache, index=None, parsed=None) -> FileResult:
    """A worker's answer as the run's result, recorded in the cache."""
    if cache is None or stamp is None:
        return result
    if result is None:
        cached = cache.revalidated(path, stamp)
        if cached is not None:
            return cached
        # The stored result does not load (or its package changed): lint the file here,
        # with the run's index like every other file (without it, cross-module findings
        # would be lost, and cached as if they were the project's answer).
        result, stamp = _check_file(path, settings, None, True, index, parsed)
        if stamp is None:
            return result
    cache.store(path, stamp, result)
    return result


def lint_paths(
    files: Iterable[str],
    settings: Optional[Settings] = None,
    jobs: int = 1,
    *,
    cache=None,
    index=None,
    save_cache: bool = True,
    parsed=None,
    workers: Optional[Workers] = None,
) -> Iterator[FileResult]:
    """Lint files; results stream out in the order of ``files``, whatever ``jobs`` is.

    Each file is read once and screened (:func:`may_hold_findings_bytes`): a file that
    cannot hold a finding costs that read; the others go through :func:`lint_file`.
    ``cache`` (an :class:`estimator_lint.cache.ResultCache` opened for ``settings``)
    answers unchanged files without reading them and is saved once, when the run ends.
    With ``jobs > 1`` the files the cache cannot answer are linted in a process pool, in
    chunks, with a bounded number of chunks in flight (memory does not grow with the
    number of files); workers only return results, the cache stays in this process.
    With ``save_cache=False`` the caller saves it (a run made of several calls).
    ``parsed``: what the project index read and parsed (:class:`estimator_lint.source.ParsedFiles`),
    used in this process and by forked workers.  ``workers``: the run's :class:`Workers`
    (the same settings, index and parsed files), left running for its next pass; without
    them a pool is started for this call and shut down when it ends.
    """
    settings = settings or Settings()
    if cache is not None and cache.settings != settings:
        raise ValueError("lint_paths: the cache was opened for other settings")
    try:
        if jobs <= 1:
            for path in files:
                digest = None
                if cache is not None:
                    hit, digest = cache.lookup(path)
                    if hit is not None:
                        yield hit
                        continue
                result, stamp = _check_file(path, settings, digest, cache is not None, index, parsed)
                yield _settle(path, result, stamp, settings, cache, index, parsed)
        else:
            yield from _lint_parallel(files, settings, jobs, cache, index, parsed, workers)
    finally:
        if cache is not None and save_cache:
            cache.save()


#: A run's files are dispatched in windows of this many files to lint: inside a window
#: the biggest files go first (the longest jobs start early, the small ones fill in at the
#: end), and results are yielded in input order once their window is done.  Two windows
#: are in flight at most, so memory stays bounded whatever the number of files.
WINDOW_FILES = 1024


#: A chunk (one task for a worker) closes at this many bytes or files.
CHUNK_BYTES = 128 * 1024


CHUNK_FILES = 64


def _lint_parallel(
    files: Iterable[str], settings: Settings, jobs: int, cache, index=None, parsed=None, workers: Optional[Workers] = None
) -> Iterator[FileResult]:
    stamps = cache is not None
    own = workers is None
    if own:
        workers = Workers(jobs, settings, index, parsed)
    elif workers.index is not index or workers.parsed is not parsed or workers.settings != settings:
        raise ValueError("lint_paths: the workers were started for another run")
    # Dispatched windows: (slots, misses, chunks, futures).  A slot is a FileResult the
    # cache answered or the index of a miss; a miss is (path, cached digest, size).
    windows: deque = deque()
    slots: list = []
    misses: list = []

    def dispatch() -> None:
        nonlocal slots, misses
        order = sorted(range(len(misses)), key=lambda i: -misses[i][2])
        # At least 4 chunks per worker when there are files enough: a small run spreads too.
        per_chunk = max(1, min(CHUNK_FILES, -(-len(misses) // (jobs * 4))))
        chunks: List[List[int]] = []
        current: List[int] = []
        size = 0
        for i in order:
            current.append(i)
            size += misses[i][2]
            if size >= CHUNK_BYTES or len(current) >= per_chunk:
                chunks.append(current)
                current, size = [], 0
        if current:
            chunks.append(current)
        # Always in workers, even a few files: a worker's crash costs one file, ours the run.
        futures = [workers.submit([misses[i][:2] for i in chunk], stamps) for chunk in chunks]
        windows.append((slots, misses, chunks, futures))
        slots, misses = [], []

    def drain() -> Iterator[FileResult]:
        from concurrent.futures.process import BrokenProcessPool

        window_slots, window_misses, chunks, futures = windows.popleft()
        answers: list = [None] * len(window_misses)
        for chunk, future in zip(chunks, futures):
            try:
                chunk_answers = future.result()
            except BrokenProcessPool:
                # A worker died (native crash, OOM killer): every chunk in flight fails;
                # each of their files is checked again alone (_check_chunk_isolated).
                chunk_answers = workers.check_isolated([window_misses[i][:2] for i in chunk], stamps)
            for i, answer in zip(chunk, chunk_answers):
                answers[i] = answer
        for slot in window_slots:
            if isinstance(slot, int):
                result, stamp = answers[slot]
                yield _settle(window_misses[slot][0], result, stamp, settings, cache, index, parsed)
            else:
                yield slot

    def ready() -> Iterator[FileResult]:
        nonlocal slots
        while windows and all(f.done() for f in windows[0][3]):
            yield from drain()
        if not windows and not misses and slots:
            done, slots = slots, []
            yield from done

    try:
        for path in files:
            digest = None
            held = parsed.held(path) if parsed is not None and cache is None else None
            if held is not None:
                size = len(held)  # what the worker lints: no stat needed without a cache
            else:
                try:
                    st: Optional[os.stat_result] = os.stat(path)
                except (OSError, ValueError):
                    st = None
                if cache is not None and st is not None:
                    hit, digest = cache.lookup(path, st)
                    if hit is not None:
                        slots.append(hit)
                        yield from ready()
                        continue
                size = st.st_size if st is not None else 0
            slots.append(len(misses))
            misses.append((path, digest, size))
            if len(misses) >= WINDOW_FILES:
                dispatch()
                while len(windows) > 2:
                    yield from drain()
                yield from ready()
        if slots:
            dispatch()
        while windows:
            yield from drain()
    finally:
        if own:
            workers.shutdown()

