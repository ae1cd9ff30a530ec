"""Whole-project runs: the project index, then per-file analysis that can see it.

:func:`build_project_index` runs the index's cheap pass (:mod:`estimator_lint.index`)
with the engine's comment- and string-aware prefilter, then analyses the files that
define Estimator subclasses once more to learn which attributes their classes capture
(EST102), so that reads in *other* modules can be reported (EST104).
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from estimator_lint import engine
from estimator_lint.analysis.model import FileModel
from estimator_lint.index import ProjectIndex, build_index


def build_project_index(
    files: Sequence[str], settings: engine.Settings, cache_dir: Optional[str] = None
) -> ProjectIndex:
    """The project index of ``files``; with ``cache_dir``, the saved one when no file changed.

    The saved index is reused when every file has the stat it had (path, size, mtime,
    inode) and the settings and tool version are the same; otherwise it is rebuilt and
    saved, for the next run and for the flake8 plugin.
    """
    signature = _signature(files, settings) if cache_dir is not None else None
    if signature is not None:
        saved = load_index(cache_dir, signature)
        if saved is not None:
            return _relocate(saved, files)
    index = _build(files, settings)
    if cache_dir is not None:
        save_index(index, cache_dir, signature)
    return index


def _relocate(index: ProjectIndex, files: Sequence[str]) -> ProjectIndex:
    """Key a loaded index (absolute paths) by the paths this run names its files with."""
    import os

    modules, candidates, defining = {}, set(), set()
    for path in files:
        absolute = os.path.abspath(path)
        if absolute in index.modules:
            modules[path] = index.modules[absolute]
        if absolute in index.candidates:
            candidates.add(path)
        if absolute in index.defining:
            defining.add(path)
    index.modules, index.candidates, index.defining = modules, candidates, defining
    return index


def _signature(files: Sequence[str], settings: engine.Settings) -> Optional[str]:
    import hashlib
    import os
    import time

    from estimator_lint import __version__

    h = hashlib.sha256(f"{__version__}|{settings!r}".encode())
    now = time.time()
    for path in files:
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            h.update(b"missing")
            continue
        if now - st.st_mtime < 2.0:
            return None  # modified just now: the stat could miss a second change
        h.update(os.fsencode(path) + f"|{st.st_size}|{st.st_mtime_ns}|{st.st_ino};".encode())
    return h.hexdigest()[:24]


def _build(files: Sequence[str], settings: engine.Settings) -> ProjectIndex:
    index = build_index(
        files, settings.prefilter_words(), screen=engine.mentions_words_bytes, everything=not settings.prefilter
    )
    for path in sorted(index.defining):
        module, package = index.modules.get(path, (None, None))
        if module is None or module in index.ambiguous:
            continue
        try:
            text = engine.decode_source(engine.read_source_bytes(path))
            tree = engine.parse(text, path)
            with engine.bounded_recursion():
                model = FileModel(
                    tree, package=package, module=module, index=index, extra_bases=settings.extra_estimator_bases
                )
        except Exception:  # the lint pass reports whatever is wrong with the file
            continue
        for qualname, attrs in model.captures_by_class().items():
            index.captured.setdefault(qualname, [])
            index.captured[qualname].extend(a for a in attrs if a not in index.captured[qualname])
    if index.captured:
        _find_external_reads(index)
    return index


def _find_external_reads(index: ProjectIndex) -> None:
    """Which captured attributes other files may read (a text test, erring on "read").

    A fix that removes a captured attribute is unsafe when code elsewhere reads it; a file
    that names the class and mentions ``.attr`` counts as such a reader.
    """
    wanted = [(qual, qual.rsplit(".", 1)[-1], attr) for qual, attrs in index.captured.items() for attr in attrs]
    for path in index.candidates:
        try:
            data = engine.read_source_bytes(path)
        except (OSError, ValueError):
            continue
        for qual, name, attr in wanted:
            entry = index.classes.get(qual)
            if entry is not None and entry.path == path:
                continue
            if b"." + attr.encode() in data and _imports(data, qual):
                index.external_reads.add((qual, attr))


def _imports(data: bytes, qualname: str) -> bool:
    """Whether an import line of ``data`` names the class or its module (erring on yes)."""
    module, _, name = qualname.rpartition(".")
    last = module.rpartition(".")[2]
    names = rb"\b(?:" + re.escape(name.encode()) + rb"|" + re.escape(last.encode()) + rb")\b"
    # ``from m import A`` on one line, or inside ``from m import (\n A,\n B)``.
    pattern = re.compile(rb"^[ \t]*(?:from|import)[ \t](?:[^\n(]*|[^\n(]*\([^)]*)" + names, re.M)
    return bool(pattern.search(data))


# --------------------------------------------------------------------------------------
# the saved index (for the flake8 plugin, which sees one file at a time)
# --------------------------------------------------------------------------------------

INDEX_FILE = "project-index.json"
INDEX_FORMAT = 1


def save_index(index: ProjectIndex, cache_dir: str, signature: Optional[str] = None) -> Optional[str]:
    """Write the index where the flake8 plugin finds it; paths are stored absolute."""
    import json
    import os
    import tempfile

    from estimator_lint import __version__

    data = {
        "format": INDEX_FORMAT,
        "version": __version__,
        "signature": signature,
        "candidates": sorted(os.path.abspath(p) for p in index.candidates),
        "defining": sorted(os.path.abspath(p) for p in index.defining),
        "words": list(index.words),
        "classes": {q: [e.name, os.path.abspath(e.path), e.bases, sorted(e.methods)] for q, e in index.classes.items()},
        "aliases": index.aliases,
        "stars": index.stars,
        "modules": {os.path.abspath(p): list(m) for p, m in index.modules.items()},
        "ambiguous": sorted(index.ambiguous),
        "captured": index.captured,
        "external_reads": sorted(list(x) for x in index.external_reads),
    }
    try:
        os.makedirs(cache_dir, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", dir=cache_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        target = os.path.join(cache_dir, INDEX_FILE)
        os.replace(tmp, target)
        return target
    except OSError:
        return None


def load_index(cache_dir: str, signature: Optional[str] = None) -> Optional[ProjectIndex]:
    """The index a CLI run saved, or None (missing, unreadable, other version, or, when
    ``signature`` is given, saved for other files or settings)."""
    import json
    import os

    from estimator_lint import __version__
    from estimator_lint.index import ClassEntry

    try:
        with open(os.path.join(cache_dir, INDEX_FILE), encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") != INDEX_FORMAT or data.get("version") != __version__:
            return None
        if signature is not None and data.get("signature") != signature:
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
        return index
    except (OSError, ValueError, KeyError, TypeError):
        return None
