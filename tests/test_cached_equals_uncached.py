"""A cached run answers exactly as a run without the cache, after any kind of edit.

The saved project index, the result cache and the run records each reuse earlier work
while what they were built from is unchanged; these tests make edits of every kind
(content, same size with the mtime put back, files and directories added, removed and
renamed, ``__init__.py``, star imports, aliases, configuration) and compare the cached
run's output with ``--no-cache`` after each one.
"""

import contextlib
import io
import os
import shutil
import tempfile
import time
from unittest import mock

from hypothesis import HealthCheck, given, settings, strategies as st

from estimator_lint.cli import main

BASE = "import tensorflow as tf\n\n\nclass Base(tf.estimator.Estimator):\n    pass\n"
PROJECT = {
    "pyproject.toml": "[tool.estimator-lint]\n",
    "pkg/__init__.py": "from .base import Base\n",
    "pkg/base.py": BASE,
    "pkg/middle.py": "from pkg.base import Base as Other\n",
    "pkg/sub.py": "from pkg.middle import Base\n\n\nclass Sub(Base):\n    def train(self):\n        pass\n",
    "pkg/sub2.py": "from pkg.middle import Alias\n\n\nclass Sub2(Alias):\n    def evaluate(self):\n        pass\n",
    "pkg/models/__init__.py": "",
    "pkg/models/a.py": (
        "import tensorflow as tf\n\nfrom ..base import Base\n\n\nclass RegressorA(Base):\n"
        "    def __init__(self):\n        super().__init__(model_fn=self._model_fn)\n\n"
        "    def _model_fn(self, features, labels, mode):\n"
        '        hidden = tf.layers.dense(features["x"], units=10)\n'
        "        self.hidden = hidden\n"
        "        output = tf.layers.dense(hidden, units=1)\n"
        "        if mode == tf.estimator.ModeKeys.PREDICT:\n"
        '            return tf.estimator.EstimatorSpec(mode, predictions={"output": output})\n'
        "        loss = tf.reduce_mean(output)\n"
        "        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())\n"
    ),
    "main.py": "from pkg.models.a import RegressorA\n\n\ndef report():\n    return RegressorA().hidden\n",
}


def _write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _make(root):
    for rel, text in PROJECT.items():
        _write(root, rel, text)


def _toggle_line(root, rel, line):
    path = os.path.join(root, rel)
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        text = f.read()
    _write(root, rel, text.replace(line, "") if line in text else text + line)


def _same_size_swap(root, rel, a, b):
    """Swap ``a`` and ``b`` (same length) and put the mtime back (``cp -p``, ``touch -r``)."""
    path = os.path.join(root, rel)
    if not os.path.exists(path):
        return
    st_before = os.stat(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = text.replace(a, b) if a in text else text.replace(b, a)
    with open(path, "r+", encoding="utf-8") as f:  # in place: the inode stays too
        f.write(text)
    os.utime(path, ns=(st_before.st_atime_ns, st_before.st_mtime_ns))


def _rename(root, a, b):
    pa, pb = os.path.join(root, a), os.path.join(root, b)
    if os.path.exists(pa):
        os.rename(pa, pb)
    elif os.path.exists(pb):
        os.rename(pb, pa)


def _toggle_file(root, rel, text):
    path = os.path.join(root, rel)
    if os.path.exists(path):
        os.unlink(path)
    elif os.path.isdir(os.path.dirname(path)):
        _write(root, rel, text)


EDITS = {
    "star import": lambda r: _toggle_line(r, "pkg/middle.py", "from pkg.base import *\n"),
    "alias": lambda r: _toggle_line(r, "pkg/middle.py", "Alias = Other\n"),
    "content": lambda r: _toggle_line(r, "pkg/models/a.py", "\n    def predict(self):\n        pass\n"),
    "same-size read": lambda r: _same_size_swap(r, "main.py", ").hidden", ").hiddex"),
    "same-size base": lambda r: _same_size_swap(r, "pkg/base.py", "estimator.Estimator", "estimator.Estimatox"),
    "same-size method": lambda r: _same_size_swap(r, "pkg/sub.py", "def train", "def trian"),
    "add/remove file": lambda r: _toggle_file(
        r, "pkg/extra.py", "from pkg.base import Base\n\n\nclass Extra(Base):\n    def train(self):\n        pass\n"
    ),
    "rename file": lambda r: _rename(r, "pkg/sub.py", "pkg/sub_renamed.py"),
    "rename directory": lambda r: _rename(r, "pkg/models", "pkg/models2"),
    "__init__.py": lambda r: _toggle_file(r, "pkg/models/__init__.py", ""),
    "config": lambda r: _toggle_line(r, "pyproject.toml", 'ignore = ["EST104"]\n'),
}


def _run(argv, cwd):
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


def _later(seconds):
    """The clock ``seconds`` ahead: files edited just now look old, so their stats are
    trusted (the racy rule would otherwise hash them and hide a stat that misses an edit)."""
    real_time, real_ns = time.time, time.time_ns
    return mock.patch.multiple(
        time, time=lambda: real_time() + seconds, time_ns=lambda: real_ns() + int(seconds * 1e9)
    )


def _compare(root, cache, later=3600):
    with _later(later):
        cached = _run(["--cache-dir", cache, "."], root)
    uncached = _run(["--no-cache", "."], root)
    return cached, uncached


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=6))
def test_cached_runs_answer_as_uncached_runs_after_every_edit(edits):
    with tempfile.TemporaryDirectory() as tmp:
        root, cache = os.path.join(tmp, "proj"), os.path.join(tmp, "cache")
        _make(root)
        cached, uncached = _compare(root, cache)
        assert cached == uncached
        for step, edit in enumerate(edits):
            EDITS[edit](root)
            cached, uncached = _compare(root, cache, later=3600 * (step + 2))
            assert cached == uncached, f"after {edits[: step + 1]}"


def test_a_star_import_added_to_a_middle_module(tmp_path):
    """The issue's case: ``from pkg.base import *`` in the module a subclass imports its base from."""
    root, cache = str(tmp_path / "proj"), str(tmp_path / "cache")
    _make(root)
    first, _ = _compare(root, cache)
    assert "pkg/sub.py" not in first[1]
    EDITS["star import"](root)
    for later in (3600, 7200):  # and it stays right on later runs
        cached, uncached = _compare(root, cache, later)
        assert "pkg/sub.py:5:5: EST101" in uncached[1]
        assert cached == uncached


def test_a_same_size_edit_with_its_mtime_put_back_is_seen_by_fix(tmp_path):
    """A same-size edit of a reader, mtime restored: the saved index must not be reused,
    or ``--fix`` removes, as a safe fix, the attribute the reader now reads."""
    root, cache = str(tmp_path / "proj"), str(tmp_path / "cache")
    _make(root)
    _same_size_swap(root, "main.py", ").hidden", ").hiddex")  # nobody reads .hidden
    old = time.time() - 3600
    for dirpath, _, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(dirpath, name), (old, old))
    with _later(60):
        diff = _run(["--diff", "--cache-dir", cache, "."], root)  # saves the project index
    assert "-        self.hidden = hidden" in diff[1]  # read nowhere: a safe fix
    _same_size_swap(root, "main.py", ").hidden", ").hiddex")  # now main.py reads it
    copy = str(tmp_path / "copy")
    shutil.copytree(root, copy, symlinks=True)
    with _later(60):
        fixed = _run(["--fix", "--cache-dir", cache, "."], root)
    reference = _run(["--fix", "--no-cache", "."], copy)
    a = os.path.join("pkg", "models", "a.py")
    with open(os.path.join(root, a)) as f, open(os.path.join(copy, a)) as g:
        assert f.read() == g.read()
    with open(os.path.join(root, a)) as f:
        assert "self.hidden = hidden" in f.read()  # read elsewhere: not a safe fix
    assert fixed == reference
