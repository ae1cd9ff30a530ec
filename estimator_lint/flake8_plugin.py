"""flake8 adapter: the same findings, from the tree and lines flake8 already has.

flake8 parses each file once and hands every plugin the ``ast`` tree and the physical
lines, so the plugin costs a substring test per file, plus the analysis for the few
files that can hold a finding.  flake8 applies ``--select``/``--ignore``/``# noqa`` itself.
"""

from __future__ import annotations

import ast
from typing import Iterator, List, Tuple

from estimator_lint import __version__
from estimator_lint.engine import Settings, SourceError, lint_tree, might_have_findings

_SETTINGS = Settings(respect_noqa=False)


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
        if not might_have_findings(text, _SETTINGS.prefilter_words()):
            return
        try:
            diagnostics = lint_tree(self.tree, text, self.filename, _SETTINGS)
        except SourceError as exc:
            # flake8 itself reports syntax errors (E999); this is analysis giving up.
            yield exc.line, exc.column, f"EST001 could not analyse this file: {exc}", type(self)
            return
        for diag in diagnostics:
            # flake8 columns are 0-based here; flake8 adds 1 when it prints them.
            yield diag.line, diag.column, f"{diag.code} {diag.message}", type(self)
