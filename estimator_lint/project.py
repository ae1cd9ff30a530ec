"""Whole-project runs: the project index, then per-file analysis that can see it.

:func:`build_project_index` runs the index's cheap pass (:mod:`estimator_lint.index`)
with the engine's comment- and string-aware prefilter, then analyses the files that
define Estimator subclasses once more to learn which attributes their classes capture
(EST102), so that reads in *other* modules can be reported (EST104).
"""

from __future__ import annotations

from typing import Sequence, Tuple

from estimator_lint import engine
from estimator_lint.analysis.model import FileModel
from estimator_lint.index import ProjectIndex, build_index


def _screen(data: bytes, words: Tuple[str, ...]) -> bool:
    """Whether ``data`` mentions one of ``words`` outside comments and strings."""
    plan = engine._screen_plan(tuple(words))
    if plan is None:
        return True
    if data.isascii() and not engine._has_coding_cookie(data):
        if not any(anchor in data for anchor in plan.anchors_bytes):
            return False
        text = data.decode("ascii")
    else:
        try:
            text = engine.decode_source(data)
        except engine.SourceError:
            return True
    return engine._words_in_code(text, plan.words)


def build_project_index(files: Sequence[str], settings: engine.Settings) -> ProjectIndex:
    index = build_index(files, settings.prefilter_words(), screen=_screen, everything=not settings.prefilter)
    for path in sorted(index.defining):
        module, package = index.modules.get(path, (None, None))
        if module is None or module in index.ambiguous:
            continue
        try:
            with open(path, "rb") as handle:
                text = engine.decode_source(handle.read())
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
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        for qual, name, attr in wanted:
            entry = index.classes.get(qual)
            if entry is not None and entry.path == path:
                continue
            if name.encode() in data and b"." + attr.encode() in data:
                index.external_reads.add((qual, attr))
