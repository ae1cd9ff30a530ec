"""Shared helpers for the lint tests."""

import glob
import json
import os

from estimator_lint.engine import Settings, lint_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")


def fixture_cases():
    """Every ``fixtures/<case>/expected.json``."""
    return sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(FIXTURES, "*", "expected.json")))


def expected_for(case):
    with open(os.path.join(FIXTURES, case, "expected.json"), encoding="utf-8") as f:
        return json.load(f)


def triples(diagnostics):
    """(row, 1-based col, code) as the CLI prints them."""
    return [(d.line, d.column + 1, d.code) for d in diagnostics]


def lint(code, **settings):
    return lint_source(code, "<test>", Settings(**settings))


def codes(code, **settings):
    return [d.code for d in lint(code, **settings)]
