"""flake8 adapter: the same findings, from the tree and lines flake8 already has.

flake8 parses each file once and hands every plugin the ``ast`` tree and the physical
lines, so the plugin costs a substring test per file, plus the analysis for the few
files that can hold a finding.  flake8 applies ``--select``/``--ignore``/``# noqa`` itself.

From the ``[tool.estimator-lint]`` table of the nearest ``pyproject.toml`` above the linted
file (looked up once per directory) the plugin takes ``extra-estimator-bases`` and
``target-tensorflow``, and EST106 reads the requirements of the project directory above
the file (:mod:`estimator_lint.requirements`, once per directory); the rest of
the table is the command's. A table the command would reject is reported once per process
as ``EST001 invalid configuration: <the command's message>``, and files are checked with
the defaults.
"""

from __future__ import annotations

import ast
import functools
import os
from typing import Iterator, List, Optional, Set, Tuple

from estimator_lint import __version__
from estimator_lint.config import ConfigError, FileConfig, load_pyproject
from estimator_lint.engine import Settings, SourceError, in_project, lint_tree
from estimator_lint.screen import mentions_words
from estimator_lint.tfapi import ESTIMATOR_API_WORD

# flake8 loads its plugins, then forks its workers: importing the analysis and the rules
# here (the command imports them lazily) lets every worker share one import.
import estimator_lint.analysis.model  # noqa: E402,F401
import estimator_lint.rules.base  # noqa: E402,F401
from estimator_lint.rules import ALL_RULES  # noqa: E402,F401

# flake8 cannot apply fixes: the plugin does not decide them (a fifth of its cost), and
# its messages leave out the command's note on why a finding has no automatic fix.
_SETTINGS = Settings(respect_noqa=False, fix_edits=False, plan_fixes=False)


@functools.lru_cache(maxsize=None)
def _config_in(directory: str) -> Optional[FileConfig]:
    """The nearest ``[tool.estimator-lint]`` table at or above ``directory`` (cached per directory)."""
    candidate = os.path.join(directory, "pyproject.toml")
    if os.path.isfile(candidate):
        config = load_pyproject(candidate)
        if config is not None:
            return config
    parent = os.path.dirname(directory)
    return None if parent == directory else _config_in(parent)


@functools.lru_cache(maxsize=None)
def settings_for_directory(directory: str) -> Tuple[Settings, Optional[str]]:
    """(settings, configuration error) for the files of ``directory``."""
    from estimator_lint import requirements

    try:
        config = _config_in(directory)
    except ConfigError as exc:
        return _SETTINGS, str(exc)
    # flake8's --select decides whether EST106 reports; the requirement only has to be known.
    target = config.target_tensorflow if config is not None else None
    scan = None if target else requirements.scan_project(requirements.project_directory(directory))
    tensorflow = requirements.tensorflow_requirement(scan, target, os.path.relpath(config.path) if target else "")
    bases = config.extra_estimator_bases if config is not None and config.extra_estimator_bases else ()
    if not bases and tensorflow is None:
        return _SETTINGS, None
    return Settings(
        respect_noqa=False, fix_edits=False, plan_fixes=False, extra_estimator_bases=bases,
        tensorflow_requirement=tensorflow,
    ), None


def _settings_for(filename: str) -> Tuple[Settings, Optional[str]]:
    if filename in ("-", "<stdin>", "stdin"):
        return settings_for_directory(os.getcwd())
    return settings_for_directory(os.path.dirname(os.path.abspath(filename)))


#: Configuration errors already reported by this process (once each, not once per file).
_REPORTED: Set[str] = set()


_INDEX: dict = {}


def _saved_index(settings: Settings):
    """The project index the last ``estimator-lint`` run saved in the cache directory, while
    the tree is as that run saw it (read once per flake8 process and settings), so that
    cross-module findings show under flake8 too; None for a stale, foreign or forged one."""
    words = tuple(settings.prefilter_words())
    if words not in _INDEX:
        from estimator_lint.cache import default_cache_dir
        from estimator_lint.project import load_index_for_tree

        _INDEX[words] = load_index_for_tree(default_cache_dir(), settings)
    return _INDEX[words]


class EstimatorLintPlugin:
    name = "estimator-lint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: List[str], filename: str = "<stdin>") -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        text = "".join(self.lines)
        if text.startswith("\ufeff"):
            text = text[1:]
        settings, config_error = _settings_for(self.filename)
        if config_error is not None and config_error not in _REPORTED:
            # A plugin cannot stop flake8 cleanly: say it once, then lint with the defaults.
            _REPORTED.add(config_error)
            yield 1, 0, f"EST001 invalid configuration: {config_error}", type(self)
        index = _saved_index(settings)
        module = package = None
        if index is not None:
            index, module, package = in_project(index, os.path.abspath(self.filename))
            if module is None:
                index = None  # a file the last CLI run did not see: analyse it on its own
        # The engine's screen: a word outside comments and strings (the index's words when saved).
        words = tuple(index.words) if index is not None else settings.prefilter_words()
        if index is not None and settings.tensorflow_requirement is not None:
            words += (ESTIMATOR_API_WORD,)  # an index saved by a run that had no requirement
        if not mentions_words(text, words):
            return
        try:
            diagnostics = lint_tree(self.tree, text, self.filename, settings, package=package, index=index, module=module)
        except SourceError as exc:
            # flake8 itself reports syntax errors (E999); this is analysis giving up.
            yield exc.line, exc.column, f"EST001 could not analyse this file: {exc}", type(self)
            return
        for diag in diagnostics:
            # flake8 columns are 0-based here; flake8 adds 1 when it prints them.
            yield diag.line, diag.column, f"{diag.code} {diag.message}", type(self)
