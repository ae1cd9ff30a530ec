"""Whole runs: the same results with 1 or N jobs, with the prefilter on or off, in order,
streamed; and the text screen that decides which files are parsed at all."""

import itertools
import os

import pytest

from estimator_lint.discovery import discover
from estimator_lint.engine import Settings, lint_file
from estimator_lint.runner import lint_paths
from estimator_lint.screen import may_hold_findings, may_hold_findings_bytes
from helpers import FIXTURES

BAD = (
    "import tensorflow as tf\n\n"
    "class MyEstimator(tf.estimator.Estimator):\n"
    "    def train(self, input_fn, steps=None):\n"
    "        return self\n"
)


def fixture_files():
    files, _ = discover([FIXTURES])
    assert len(files) > 20
    return files


def snapshot(results):
    return [(r.path, list(r.diagnostics), r.error) for r in results]


@pytest.fixture(scope="module")
def reference():
    """Every fixture file linted one by one, without any screening."""
    settings = Settings(prefilter=False)
    return snapshot(lint_file(p, settings) for p in fixture_files())


@pytest.mark.parametrize("jobs", [1, 2, 3])
@pytest.mark.parametrize("prefilter", [True, False])
def test_fixture_findings_identical_for_jobs_and_prefilter(reference, jobs, prefilter):
    files = fixture_files()
    got = snapshot(lint_paths(files, Settings(prefilter=prefilter), jobs=jobs))
    assert got == reference
    assert sum(len(d) for _, d, _ in got) > 20  # the fixtures do hold findings


def test_screened_run_equals_lint_file_per_file():
    files = fixture_files()
    assert snapshot(lint_paths(files)) == snapshot(lint_file(p) for p in files)


def _mixed_tree(tmp_path, n=120):
    """Findings, clean Estimator code, words only in docstrings, and bad files, interleaved."""
    paths = []
    for i in range(n):
        kind = i % 6
        path = tmp_path / f"m{i:04d}.py"
        if kind == 0:
            path.write_text(BAD)
        elif kind == 1:
            path.write_text('"""Mentions Estimator and model_fn only here."""\nx = 1\n')
        elif kind == 2:
            path.write_text("import os\n# model_fn\nprint(os.sep)\n")
        elif kind == 3:
            path.write_text("import tensorflow as tf\nclass Estimator(:\n")
        elif kind == 4:
            path.write_bytes(b"# Estimator caf\xe9\n")
        else:
            path.write_text(BAD.replace("def train", "def model_fn"))
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("jobs", [2, 4])
def test_order_and_errors_preserved_in_parallel(tmp_path, jobs):
    paths = _mixed_tree(tmp_path)
    paths.insert(7, str(tmp_path / "missing.py"))
    (tmp_path / "dir.py").mkdir()
    paths.insert(50, str(tmp_path / "dir.py"))
    serial = snapshot(lint_paths(paths))
    assert [p for p, _, _ in serial] == paths
    assert snapshot(lint_paths(paths, jobs=jobs)) == serial
    assert snapshot(lint_paths(iter(paths), jobs=jobs)) == serial  # any iterable
    assert serial == snapshot(lint_file(p) for p in paths)
    errors = [e.message for _, _, e in serial if e is not None]
    assert any(m.startswith("syntax error") for m in errors)
    assert any(m.startswith("cannot decode") for m in errors)
    assert any(m.startswith("cannot read") for m in errors)


def test_few_files_many_jobs(tmp_path):
    paths = _mixed_tree(tmp_path, n=3)
    assert snapshot(lint_paths(paths, jobs=8)) == snapshot(lint_paths(paths))
    assert list(lint_paths([], jobs=2)) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_stream_with_bounded_lookahead(tmp_path, jobs):
    """An endless input: results come out while the input is consumed a bounded way ahead."""
    consumed = itertools.count()

    def endless():
        for i in itertools.count():
            next(consumed)
            yield str(tmp_path / f"nope{i}.py")

    results = lint_paths(endless(), jobs=jobs)
    first = [next(results) for _ in range(5)]
    results.close()
    assert [r.path for r in first] == [str(tmp_path / f"nope{i}.py") for i in range(5)]
    assert all(r.error.message.startswith("cannot read") for r in first)
    assert next(consumed) < 4000  # two windows of files at most (runner.WINDOW_FILES)


# --------------------------------------------------------------------------------------
# the screen
# --------------------------------------------------------------------------------------

SCREEN_CASES = [
    ("x = 1  # Estimator\n", False),
    ('"""Estimator docs, model_fn too."""\nx = 1\n', False),
    ("x = 'model_fn'\n", False),
    ("x = 'a\\'Estimator'\n", False),
    ("x = b'Estimator'  # model_fn\n", False),
    ("x = '''Estimator'''\n", False),
    ("x = '''a'''' '  # Estimator\n", False),
    ('x = r"\\"" ; Estimator = 1\n', True),
    ("x = '''a''' + Estimator\n", True),
    ("class A(tf.estimator.Estimator): pass\n", True),
    ("def my_model_fn(features): pass\n", True),
    ("from tensorflow.estimator import DNNClassifier\n", True),
    ("from tensorflow.estimator import LinearSDCA\n", True),
    ("tf.compat.v1.estimator.BoostedTreesRegressor\n", True),
    ('x = f"{Estimator}"\n', True),
    ('x = f"{y}" + "Estimator"\n', False),
    ("x = f\"{d['k']}\"\ny = Estimator\n", True),
    ("x = 'unterminated Estimator\n", True),  # not a literal: counts as code
    ("x = 1\n", False),
]


@pytest.mark.parametrize("text, expected", SCREEN_CASES)
def test_screen(text, expected):
    assert may_hold_findings(text, Settings()) is expected
    assert may_hold_findings_bytes(text.encode(), Settings()) is expected
    assert may_hold_findings(text, Settings(prefilter=False)) is True


def test_screen_extra_bases():
    text = "from my_pkg.base import MyBase\nclass A(MyBase): pass\n"
    assert may_hold_findings(text, Settings()) is False
    assert may_hold_findings(text, Settings(extra_estimator_bases=("my_pkg.base.MyBase",))) is True


def test_screen_bytes_decodes_what_needs_decoding():
    s = Settings()
    latin = b"# -*- coding: latin-1 -*-\n# caf\xe9\nclass A(tf.estimator.Estimator): pass\n"
    assert may_hold_findings_bytes(latin, s) is True
    assert may_hold_findings_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9 Estimator\n", s) is False
    assert may_hold_findings_bytes(b"\xef\xbb\xbfEstimator = 1\n", s) is True  # BOM
    # Undecodable: passed on, so that lint_file reports it.
    assert may_hold_findings_bytes(b"x = 1  # caf\xe9\n", s) is True
    assert may_hold_findings_bytes(b"# coding: no-such-codec\nx = 1\n", s) is True


def test_screen_is_exact_on_every_fixture():
    """Every fixture file with a finding passes the screen (the prefilter on/off test, per file)."""
    for path in fixture_files():
        with open(path, "rb") as f:
            data = f.read()
        if lint_file(path, Settings(prefilter=False)).diagnostics:
            assert may_hold_findings_bytes(data, Settings()), path
    assert os.path.isdir(FIXTURES)


def _words_in_code_reference(text, words):
    """The screen's scan as it was first written: every hit listed first, then skipped
    past comments and literals (kept here to compare the lazy scan with)."""
    import sys

    from estimator_lint.screen import _NON_CODE, _prefix_of_literal, _words_in_names

    hits = [m.start() for m in words.finditer(text)]
    if not hits:
        return False
    i, n = 0, len(hits)
    for m in _NON_CODE.finditer(text):
        start, end = m.span()
        if hits[i] < start:
            return True
        if text[start] != "#":
            prefix = _prefix_of_literal(text, start)
            if any(c in prefix for c in "fFtT"):
                if sys.version_info >= (3, 12):
                    return _words_in_names(text, words)
                if hits[i] < end:
                    return True
        while i < n and hits[i] < end:
            i += 1
        if i == n:
            return False
    return True


def test_the_screen_scan_equals_its_reference_on_random_texts():
    import random

    from estimator_lint.screen import _screen_plan, _words_in_code

    plan = _screen_plan(tuple(Settings().prefilter_words()))
    pieces = [
        "Estimator", "model_fn", "x", " = ", "\n", "# ", "'", '"', "'''", '"""', "\\", "f", "rb", "(", ")",
        "{", "}", "Estimator_x", "est.", " ", "#Estimator\n", "'Estimator'", '"model_fn"', "\t",
    ]
    rng = random.Random(14)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 24)))
        assert _words_in_code(text, plan.words) == _words_in_code_reference(text, plan.words), repr(text)
