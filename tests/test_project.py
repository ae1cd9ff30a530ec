"""Whole-project runs (estimator_lint.project.lint_project): the index, then the defining
files, then the rest; each file analysed once unless captures changed."""

import os
import shutil
import time

import pytest

from estimator_lint import project
from estimator_lint.analysis import model as analysis_model
from estimator_lint.engine import Settings
from estimator_lint.runner import lint_paths
from helpers import FIXTURES

CASE = "multi_module_package"


def _tree(tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(os.path.join(FIXTURES, CASE), root)
    old = time.time() - 3600  # older than the racy window: stats are trusted
    files = sorted(str(p) for p in root.rglob("*.py"))
    for f in files:
        os.utime(f, (old, old))
    return root, files


def _summary(results, root):
    return {
        os.path.relpath(r.path, root): [
            (d.line, d.column, d.code, d.message, d.fix.applicability.value if d.fix else None) for d in r.diagnostics
        ]
        for r in results
    }


def _seed_copies(root, per_package: int) -> str:
    """The seed's first snippet (an Estimator subclass capturing a tensor) copied into
    packages ``p1`` and ``p2`` as ``m0.py``, ``m1.py``, ...; returns its text."""
    source = open(os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")).read()
    for package in ("p1", "p2"):
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
        for i in range(per_package):
            (root / package / f"m{i}.py").write_text(source)
    return source


def _count_analyses(monkeypatch):
    """Count FileModel constructions in this process (jobs=1 runs analyse here)."""
    calls = []
    real = analysis_model.FileModel

    def counting(tree, **kwargs):
        calls.append(kwargs.get("module"))
        return real(tree, **kwargs)

    monkeypatch.setattr(analysis_model, "FileModel", counting)
    return calls


@pytest.mark.parametrize("jobs", [1, 2])
def test_lint_project_equals_complete_index_then_lint_paths(tmp_path, jobs):
    root, files = _tree(tmp_path)
    settings = Settings()
    reference = _summary(lint_paths(files, settings, index=project.build_project_index(files, settings)), root)
    assert reference["main.py"] and reference[os.path.join("estpkg", "models", "a.py")][0][4] == "unsafe"
    cache_dir = str(tmp_path / "cache")
    assert _summary(project.lint_project(files, settings, jobs=jobs), root) == reference
    assert _summary(project.lint_project(files, settings, jobs=jobs, cache_dir=cache_dir), root) == reference  # cold
    assert _summary(project.lint_project(files, settings, jobs=jobs, cache_dir=cache_dir), root) == reference  # warm
    # Results stream out in the order of the files, defining files included.
    assert [r.path for r in project.lint_project(files, settings, jobs=jobs)] == files


def test_without_captures_or_keys_every_file_is_analysed_once(tmp_path, monkeypatch):
    """Nothing for the index to learn (no capture, no statically known PREDICT keys): the
    first files' results stand, no file is analysed twice."""
    root, files = _tree(tmp_path)
    a = root / "estpkg" / "models" / "a.py"
    text = a.read_text().replace("        self.hidden = hidden\n", "")
    a.write_text(text.replace('predictions={"output": output}', "predictions=dict(output=output)"))
    calls = _count_analyses(monkeypatch)
    results = list(project.lint_project(files, Settings()))
    assert sorted(calls) == ["estpkg", "estpkg.base", "estpkg.models.a", "estpkg.models.b", "main"]
    assert all(not r.captures for r in results)


def test_captures_found_are_learnt_from_the_lint_pass(tmp_path, monkeypatch):
    root, files = _tree(tmp_path)
    calls = _count_analyses(monkeypatch)
    results = {os.path.relpath(r.path, root): r for r in project.lint_project(files, Settings())}
    assert results[os.path.join("estpkg", "models", "a.py")].captures == {"estpkg.models.a.RegressorA": ["hidden"]}
    # No saved index to start from: a defining file is analysed again only when a question
    # it asked the index gets another answer once the captures are known.  a.py asked
    # whether another module reads its captured `hidden` (main.py does: its fix is unsafe).
    assert sorted(calls) == sorted(["estpkg", "main", "estpkg.base", "estpkg.models.a", "estpkg.models.b", "estpkg.models.a"])
    assert results[os.path.join("estpkg", "models", "a.py")].diagnostics[0].fix.applicability.value == "unsafe"


def test_self_contained_files_with_captures_are_analysed_once(tmp_path, monkeypatch):
    """Many files with captures and PREDICT keys that no other file asks about (a codebase
    full of findings): the facts learnt change no answer, every file is analysed once."""
    _seed_copies(tmp_path, 3)
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    calls = _count_analyses(monkeypatch)
    results = list(project.lint_project(files, Settings()))
    assert sorted(calls) == sorted(f"{p}.m{i}" for p in ("p1", "p2") for i in range(3))
    assert all(r.captures for r in results if not r.path.endswith("__init__.py"))
    assert all(any(d.code == "EST102" for d in r.diagnostics) for r in results if not r.path.endswith("__init__.py"))


def _count_parses(monkeypatch):
    """Paths handed to ``source.parse`` (the index's and the lint's parser) in this process."""
    from estimator_lint import engine, source

    parsed = []
    real = source.parse

    def counting(text, path):
        parsed.append(path)
        return real(text, path)

    monkeypatch.setattr(source, "parse", counting)
    monkeypatch.setattr(engine, "parse", counting)
    return parsed


def test_one_process_parses_each_file_once(tmp_path, monkeypatch):
    """The index parses the files defining Estimator classes; the lint pass reuses those
    trees instead of parsing the files again, and finds the same findings."""
    _seed_copies(tmp_path, 3)
    files = sorted(str(p) for p in tmp_path.rglob("m*.py"))
    reference = _summary(project.lint_project(files, Settings(), jobs=2), tmp_path)
    parses = _count_parses(monkeypatch)
    results = _summary(project.lint_project(files, Settings()), tmp_path)
    assert results == reference and all(any(d[2] == "EST102" for d in found) for found in results.values())
    assert sorted(parses) == files  # each once: by the index, its tree then linted


@pytest.mark.skipif(
    __import__("multiprocessing").get_start_method() != "fork", reason="workers inherit the trees only when forked"
)
def test_forked_workers_lint_the_trees_the_index_parsed(tmp_path, monkeypatch):
    """``-j2``: the workers, forked after the index pass, inherit its bytes and trees; no
    file is parsed twice in the whole process tree."""
    from estimator_lint import engine, source

    root = tmp_path / "tree"
    root.mkdir()
    _seed_copies(root, 3)
    files = sorted(str(p) for p in root.rglob("m*.py"))
    reference = _summary(project.lint_project(files, Settings()), root)
    log = tmp_path / "parses.log"
    real = source.parse

    def logged(text, path):  # forked workers inherit this function: the log is a file
        with open(log, "a") as f:
            f.write(path + "\n")
        return real(text, path)

    monkeypatch.setattr(source, "parse", logged)
    monkeypatch.setattr(engine, "parse", logged)
    assert _summary(project.lint_project(files, Settings(), jobs=2), root) == reference
    assert sorted(log.read_text().split()) == files


def test_fix_parses_each_file_once_before_fixing_it(tmp_path, monkeypatch, capsys):
    """``--fix``: the index's trees serve the analysis that learns the captures and then
    the fixer's first lint of the file (the fixed text is parsed again, being new)."""
    from estimator_lint.cli import main

    source = _seed_copies(tmp_path, 2)
    parses = _count_parses(monkeypatch)
    assert main(["--isolated", "--no-cache", "--fix", str(tmp_path)]) in (0, 1)
    files = sorted(str(p) for p in tmp_path.rglob("m*.py"))
    assert sorted(p for p in parses if p.endswith(".py") and "m" in os.path.basename(p)) == files
    fixed = open(files[0]).read()
    assert fixed != source and "self.dense_output =" not in fixed


def test_a_tree_is_used_only_for_the_bytes_it_was_parsed_from(tmp_path, monkeypatch):
    """A file edited between the index pass and the lint pass is parsed again (its new
    text is linted, never the index's tree of the old one)."""
    from estimator_lint import runner, source

    root, files = _tree(tmp_path)
    base = root / "estpkg" / "base.py"
    edited = base.read_bytes() + b"\n\nclass Late(BaseEstimator):\n    def train(self):\n        pass\n"
    real_read = source.read_source_bytes

    def read_after_the_index(path):
        # The lint pass reads the file (the index read it before): it has changed by then.
        return edited if path == str(base) and read_after_the_index.index_done else real_read(path)

    read_after_the_index.index_done = False
    real_build = project._build

    def build_then_edit(*args, **kwargs):
        index = real_build(*args, **kwargs)
        read_after_the_index.index_done = True
        return index

    monkeypatch.setattr(runner, "read_source_bytes", read_after_the_index)
    monkeypatch.setattr(project, "_build", build_then_edit)
    # Bytes beyond the run's budget are read again by the lint pass (here: all of them).
    monkeypatch.setattr(source.ParsedFiles, "hold", lambda self, path, data: None)
    parses = _count_parses(monkeypatch)
    results = _summary(project.lint_project(files, Settings()), root)
    assert parses.count(str(base)) == 2
    assert ("EST101", "Late") in {(d[2], d[3].split("`")[1].split(".")[0]) for d in results["estpkg/base.py"]}


def _count_reads(monkeypatch):
    from estimator_lint import runner, source

    reads = []
    real = source.read_source_bytes

    def counting(path):
        reads.append(path)
        return real(path)

    monkeypatch.setattr(source, "read_source_bytes", counting)
    monkeypatch.setattr(runner, "read_source_bytes", counting)
    return reads


@pytest.mark.parametrize("cached", [False, True])
def test_one_process_reads_each_file_once(tmp_path, monkeypatch, cached):
    """The bytes the index reads serve the capture scan and the lint pass; with a cache
    too (the cache's stamp is the stat taken before that read)."""
    import time

    root, files = _tree(tmp_path)
    cache_dir = str(tmp_path / "cache") if cached else None
    reference = _summary(project.lint_project(files, Settings(), jobs=2), root)
    real_ns = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real_ns() + 60 * 10**9)  # stats old enough to trust
    reads = _count_reads(monkeypatch)
    assert _summary(project.lint_project(files, Settings(), cache_dir=cache_dir), root) == reference
    assert sorted(reads) == files
    assert any(found for found in reference.values())


def test_an_edit_while_a_run_lints_shows_in_the_next_run(tmp_path, monkeypatch):
    """A run lints each file as it read it once; the cache stamps that result with the
    stat taken before the read, so a file edited after it is linted again next time."""
    import time

    root, files = _tree(tmp_path)
    base = root / "estpkg" / "base.py"
    cache_dir = str(tmp_path / "cache")
    real_ns = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real_ns() + 60 * 10**9)
    real_build = project._build

    def build_then_edit(*args, **kwargs):
        index = real_build(*args, **kwargs)
        with open(base, "a") as f:  # after the index read it, before the lint pass
            f.write("\n\ntf.estimator.Estimator.evaluate = None\n")  # the index stays as it is
        return index

    def late(results):
        return any(d[2] == "EST101" and "`tf.estimator.Estimator.evaluate`" in d[3] for d in results["estpkg/base.py"])

    monkeypatch.setattr(project, "_build", build_then_edit)
    assert not late(_summary(project.lint_project(files, Settings(), cache_dir=cache_dir), root))
    monkeypatch.setattr(project, "_build", real_build)
    assert late(_summary(project.lint_project(files, Settings(), cache_dir=cache_dir), root))


def test_parsed_files_hold_bytes_within_their_budget():
    from estimator_lint.source import ParsedFiles

    held = ParsedFiles(bytes_budget=10)
    held.hold("a.py", b"x = 1")
    held.hold("b.py", b"y = 22222")  # 9 bytes: over the 5 left
    assert held.held("a.py") == b"x = 1" and held.held("b.py") is None
    held.hold("c.ipynb", b"{}")  # the index reads a notebook's code cells, not its bytes
    assert held.held("c.ipynb") is None and held.bytes_budget == 5


def test_parsed_files_hold_trees_within_their_budget():
    import ast

    from estimator_lint.source import ParsedFiles

    held = ParsedFiles(budget=10)
    tree = ast.parse("x = 1")
    held.keep("a.py", b"x = 1", tree)
    held.keep("b.py", b"y = 22222", ast.parse("y = 22222"))  # 9 bytes: over the 5 left
    assert held.take("b.py", b"y = 22222") is None
    assert held.take("a.py", b"x = 2") is None  # other bytes: not this tree
    held.keep("a.py", b"x = 1", tree)
    assert held.take("a.py", b"x = 1") is tree
    assert held.take("a.py", b"x = 1") is None  # handed on once
    assert held.budget == 10


def test_a_rebuilt_index_starts_from_the_saved_captures(tmp_path, monkeypatch):
    root, files = _tree(tmp_path)
    cache_dir = str(tmp_path / "cache")
    list(project.lint_project(files, Settings(), cache_dir=cache_dir))
    main = root / "main.py"
    main.write_text(main.read_text() + "\n# edited\n")
    os.utime(main, (time.time() - 60, time.time() - 60))
    calls = _count_analyses(monkeypatch)
    results = {os.path.relpath(r.path, root): r for r in project.lint_project(files, Settings(), cache_dir=cache_dir)}
    assert calls == ["main"]  # only the edited file; the defining files come from the cache
    assert [d.code for d in results["main.py"].diagnostics] == ["EST104", "EST104"]


def test_a_removed_capture_clears_reads_in_other_modules(tmp_path):
    root, files = _tree(tmp_path)
    cache_dir = str(tmp_path / "cache")
    first = _summary(project.lint_project(files, Settings(), cache_dir=cache_dir), root)
    assert [d[2] for d in first["main.py"]] == ["EST104", "EST104"]
    a = root / "estpkg" / "models" / "a.py"
    a.write_text(a.read_text().replace("        self.hidden = hidden\n", ""))
    os.utime(a, (time.time() - 60, time.time() - 60))
    again = _summary(project.lint_project(files, Settings(), cache_dir=cache_dir), root)
    assert again["main.py"] == [] and again[os.path.join("estpkg", "models", "a.py")] == []
    assert project.load_index(cache_dir).captured == {}
    # ... and a capture added back is seen again, in the reader too.
    a.write_text(a.read_text().replace("        output = tf.layers", "        self.hidden = hidden\n        output = tf.layers"))
    os.utime(a, (time.time() - 30, time.time() - 30))
    assert _summary(project.lint_project(files, Settings(), cache_dir=cache_dir), root) == first


def test_one_file_is_linted_without_an_index(tmp_path):
    root, files = _tree(tmp_path)
    main = [f for f in files if f.endswith("main.py")]
    # Alone, main.py cannot know what RegressorA captures: nothing to report.
    assert [r.diagnostics for r in project.lint_project(main, Settings())] == [[]]


def test_prediction_keys_follow_the_model_fn_across_modules_and_edits(tmp_path):
    root = tmp_path / "keys"
    shutil.copytree(os.path.join(FIXTURES, "multi_module_predict_keys"), root)
    files = sorted(str(p) for p in root.rglob("*.py"))
    for f in files:
        os.utime(f, (time.time() - 3600, time.time() - 3600))
    cache_dir = str(tmp_path / "cache")
    first = _summary(project.lint_project(files, Settings(), cache_dir=cache_dir), root)
    assert [(d[0], d[2]) for d in first["main.py"]] == [(18, "EST105"), (24, "EST105")]
    assert "model_fn `keyspkg.model.my_model_fn` (keys: 'output')" in first["main.py"][0][3]
    assert project.load_index(cache_dir).model_fn_keys == {"keyspkg.model.my_model_fn": ["output"]}
    # The model_fn starts predicting the key: the reader's findings go, on a cached run too.
    model = root / "keyspkg" / "model.py"
    model.write_text(model.read_text().replace('{"output": output}', '{"output": output, "dense_output": dense}'))
    os.utime(model, (time.time() - 60, time.time() - 60))
    again = _summary(project.lint_project(files, Settings(), cache_dir=cache_dir), root)
    assert again["main.py"] == []
    # Unknown keys (a dict built elsewhere): silent.
    model.write_text(model.read_text().replace('predictions = {"output": output, "dense_output": dense}', "predictions = make(output)"))
    os.utime(model, (time.time() - 30, time.time() - 30))
    assert _summary(project.lint_project(files, Settings(), cache_dir=cache_dir), root)["main.py"] == []


def test_a_local_name_shadowing_an_imported_model_fn_is_not_followed(tmp_path):
    root = tmp_path / "keys"
    shutil.copytree(os.path.join(FIXTURES, "multi_module_predict_keys"), root)
    main = root / "main.py"
    main.write_text(
        "import tensorflow.compat.v1 as tf\n"
        "from keyspkg import my_model_fn\n"
        "def run(make):\n"
        "    my_model_fn = make()\n"
        "    est = tf.estimator.Estimator(model_fn=my_model_fn)\n"
        "    return next(est.predict(None))['dense_output']\n"
    )
    files = sorted(str(p) for p in root.rglob("*.py"))
    assert _summary(project.lint_project(files, Settings()), root)["main.py"] == []


def test_scripts_sharing_module_names_in_experiment_folders(tmp_path):
    """``exp1/base.py`` and ``exp2/base.py``: each folder's imports mean its own files."""
    base_bad = (
        "import tensorflow as tf\n"
        "class BaseEstimator(tf.estimator.Estimator):\n"
        "    def train(self, input_fn, steps=None):\n"
        "        return super().train(input_fn, steps=steps)\n"
    )
    base_ok = "import tensorflow as tf\nclass BaseEstimator(tf.estimator.Estimator):\n    pass\n"
    model = (
        "import tensorflow as tf\n"
        "from base import BaseEstimator\n"
        "class Model(BaseEstimator):\n"
        "    def __init__(self):\n"
        "        super().__init__(model_fn=self._model_fn)\n"
        "    def _model_fn(self, features, labels, mode):\n"
        "        hidden = tf.layers.dense(features, 4)\n"
        "        self.hidden = hidden\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'out': hidden})\n"
    )
    run = "from model import Model\ndef main():\n    est = Model()\n    return est.hidden\n"
    for exp, base in (("exp1", base_bad), ("exp2", base_ok)):
        (tmp_path / exp).mkdir()
        for name, text in (("base.py", base), ("model.py", model), ("run.py", run)):
            (tmp_path / exp / name).write_text(text)
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    got = _summary(project.lint_project(files, Settings()), tmp_path)
    codes = {k: [d[2] for d in v] for k, v in got.items()}
    assert codes == {
        os.path.join("exp1", "base.py"): ["EST101"],
        os.path.join("exp1", "model.py"): ["EST102"],
        os.path.join("exp1", "run.py"): ["EST104"],
        os.path.join("exp2", "base.py"): [],
        os.path.join("exp2", "model.py"): ["EST102"],
        os.path.join("exp2", "run.py"): ["EST104"],
    }
    # The chain names the folder's own base module.
    assert "Model (" in got[os.path.join("exp1", "base.py")][0][3]
    assert os.path.join("exp1", "model.py") in got[os.path.join("exp1", "base.py")][0][3]
    assert os.path.join("exp2", "model.py") not in got[os.path.join("exp1", "base.py")][0][3]


def test_an_alias_of_tensorflows_estimator_in_another_module(tmp_path):
    """``BaseEstimator = tf.estimator.Estimator`` in one module, subclassed in another: a
    direct subclass of TF's class, which TensorFlow refuses to construct with an override."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text(
        "import tensorflow as tf\n\nBaseEstimator = tf.estimator.Estimator\nV1 = tf.compat.v1.estimator.Estimator\n"
    )
    (pkg / "model.py").write_text(
        "from pkg.base import BaseEstimator\n"
        "from pkg import base\n"
        "class A(BaseEstimator):\n"
        "    def train(self, input_fn, steps=None):\n"
        "        return 1\n"
        "class B(base.V1):\n"
        "    def predict(self, input_fn):\n"
        "        return 2\n"
    )
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    got = _summary(project.lint_project(files, Settings()), tmp_path)[os.path.join("pkg", "model.py")]
    assert [(d[0], d[2]) for d in got] == [(4, "EST101"), (7, "EST101")]
    assert "(A -> tf.estimator.Estimator)" in got[0][3] and "(B -> tf.compat.v1.estimator.Estimator)" in got[1][3]


def test_class_aliases_and_star_imports_across_modules(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text("import tensorflow as tf\nclass BaseEstimator(tf.estimator.Estimator):\n    pass\n")
    (pkg / "aliases.py").write_text("from pkg.base import BaseEstimator\n\nBase = BaseEstimator\n")
    (pkg / "star.py").write_text(
        "from .base import *\nclass S(BaseEstimator):\n    def evaluate(self, input_fn):\n        return 1\n"
    )
    (pkg / "model.py").write_text(
        "from pkg.aliases import Base\nclass A(Base):\n    def train(self, input_fn, steps=None):\n        return 1\n"
    )
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    got = _summary(project.lint_project(files, Settings()), tmp_path)
    for name, cls in (("model.py", "A"), ("star.py", "S")):
        diags = got[os.path.join("pkg", name)]
        assert [(d[0], d[2]) for d in diags] == [(3, "EST101")], name
        assert f"({cls} -> BaseEstimator (" in diags[0][3]
        assert f"{os.path.join('pkg', 'base.py')}) -> tf.estimator.Estimator)" in diags[0][3]


def test_a_module_level_class_alias_in_one_file():
    from estimator_lint.engine import lint_source

    source = (
        "import tensorflow as tf\n"
        "class BaseEstimator(tf.estimator.Estimator):\n"
        "    pass\n"
        "Base = BaseEstimator\n"
        "class A(Base):\n"
        "    def train(self, input_fn, steps=None):\n"
        "        return 1\n"
    )
    assert [(d.line, d.code) for d in lint_source(source)] == [(6, "EST101")]
    # Rebound later: no longer a plain alias, not followed.
    assert lint_source(source.replace("class A(Base):", "Base = object\nclass A(Base):")) == []


SEEDLIKE = '''import tensorflow.compat.v1 as tf


def my_model_fn(features, labels, mode, params):
    output = tf.layers.dense(features, units=1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"output": output})
    return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(output))


class MyEstimator(tf.estimator.Estimator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)


class Fixed(tf.estimator.Estimator):
    def __init__(self, model_dir=None):
        super(Fixed, self).__init__(model_fn=self._model_fn, model_dir=model_dir)

    def _model_fn(self, features, labels, mode):
        out = tf.layers.dense(features, units=1)
        return tf.estimator.EstimatorSpec(mode, predictions={"out": out})


estimator = MyEstimator(model_fn=my_model_fn, model_dir="x")
for prediction in estimator.predict(input_fn=None):
    print(prediction["dense_output"], prediction["output"])

fixed = Fixed()
print(next(fixed.predict(None))["output"], next(fixed.predict(None))["out"])
'''


def test_prediction_keys_through_estimator_subclass_constructors(tmp_path):
    """The seed's MyEstimator(*args, **kwargs) hands the caller's model_fn on; a
    constructor passing model_fn=self._model_fn fixes it, here and in importing modules."""
    (tmp_path / "seedlike.py").write_text(SEEDLIKE)
    (tmp_path / "user.py").write_text(
        "from seedlike import Fixed, my_model_fn\n"
        "est = Fixed(model_dir='y')\n"
        "list(est.predict(None, predict_keys=['out', 'logits']))\n"
        "spec = my_model_fn(None, None, 'infer', None)\n"  # a model_fn called directly: no Estimator
        "spec.predict(None, predict_keys=['zzz'])\n"
    )
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    got = _summary(project.lint_project(files, Settings()), tmp_path)
    assert [(d[0], d[1] + 1, d[2]) for d in got["seedlike.py"]] == [(27, 22, "EST105"), (30, 33, "EST105")]
    assert "model_fn `my_model_fn` (keys: 'output')" in got["seedlike.py"][0][3]
    assert "model_fn `Fixed._model_fn` (keys: 'out')" in got["seedlike.py"][1][3]
    assert [(d[0], d[2]) for d in got["user.py"]] == [(3, "EST105")]
    assert "'logits'" in got["user.py"][0][3] and "`seedlike.Fixed`'s constructor passes" in got["user.py"][0][3]


# A plain class's model_fn method handed to an Estimator by another module
# (fixtures/multi_module_model_object runs it under TensorFlow).
NET = (
    "import tensorflow.compat.v1 as tf\n"
    "class Net(object):\n"
    "    def model_fn(self, features, labels, mode, params):\n"
    "        self.hidden = tf.layers.dense(features, 3)\n"
    "        return tf.estimator.EstimatorSpec(mode, predictions={'output': tf.nn.relu(features)})\n"
    "    def build(self, x):\n"
    "        self.kept = tf.layers.dense(x, 3)\n"
    "        return self.kept\n"
)


def _net_project(tmp_path, main):
    pkg = tmp_path / "netpkg"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "model.py").write_text(NET)
    (tmp_path / "main.py").write_text(main)
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    old = time.time() - 3600
    for f in files:
        os.utime(f, (old, old))
    return files


def _codes(summary):
    return {name: [(d[0], d[2]) for d in diags] for name, diags in summary.items() if diags}


@pytest.mark.parametrize(
    "imports, make",
    [("from netpkg.model import Net", "Net()"), ("import netpkg.model as nm", "nm.Net()"), ("import netpkg.model", "netpkg.model.Net()")],
)
def test_a_method_another_module_hands_to_an_estimator_is_a_model_fn(tmp_path, imports, make):
    main = (
        "import tensorflow.compat.v1 as tf\n"
        f"{imports}\n"
        "def run():\n"
        f"    net = {make}\n"
        "    est = tf.estimator.Estimator(model_fn=net.model_fn)\n"
        "    print(next(est.predict(None))['hidden'])\n"
        "    return net.hidden\n"
    )
    files = _net_project(tmp_path, main)
    cache_dir = str(tmp_path / ".cache")
    got = _codes(_summary(project.lint_project(files, Settings(), cache_dir=cache_dir), tmp_path))
    assert got == {
        os.path.join("netpkg", "model.py"): [(4, "EST102")],
        "main.py": [(6, "EST105"), (7, "EST104")],
    }
    assert project.load_index(cache_dir).passed_methods == {"netpkg.model.Net": ["model_fn"]}
    # main.py stops handing the method on: the class's own findings go, on a cached run too.
    (tmp_path / "main.py").write_text(main.replace("model_fn=net.model_fn", "model_fn=other_model_fn"))
    os.utime(tmp_path / "main.py", (time.time() - 60, time.time() - 60))
    got = _codes(_summary(project.lint_project(files, Settings(), cache_dir=cache_dir), tmp_path))
    assert os.path.join("netpkg", "model.py") not in got


@pytest.mark.parametrize(
    "main",
    [
        # Not handed on: a method named model_fn alone does not make its ``self`` outlive a graph.
        "from netpkg.model import Net\nnet = Net()\nout = net.model_fn(1, 2, 3, 4)\n",
        # ``net`` is bound to two different things: the receiver's class is not known.
        "import tensorflow as tf\nfrom netpkg.model import Net\nnet = Net()\nnet = Other()\n"
        "est = tf.estimator.Estimator(model_fn=net.model_fn)\n",
        # A method that does not take a model_fn's arguments.
        "import tensorflow as tf\nfrom netpkg.model import Net\nnet = Net()\nest = tf.estimator.Estimator(model_fn=net.build)\n",
    ],
)
def test_methods_not_handed_on_as_model_fns_stay_silent(tmp_path, main):
    files = _net_project(tmp_path, main)
    got = _codes(_summary(project.lint_project(files, Settings()), tmp_path))
    assert os.path.join("netpkg", "model.py") not in got


@pytest.mark.parametrize(
    "main",
    [
        # A class of the handing file shadows the imported one.
        "import tensorflow as tf\nfrom netpkg.model import Net\nclass Net:\n    def model_fn(self, features, labels, mode):\n"
        "        return None\nnet = Net()\nest = tf.estimator.Estimator(model_fn=net.model_fn)\n",
        # The receiver is a parameter: which object it is, is not known.
        "import tensorflow as tf\nfrom netpkg.model import Net\nnet = Net()\ndef make(net):\n"
        "    return tf.estimator.Estimator(model_fn=net.model_fn)\n",
        # Bound conditionally.
        "import tensorflow as tf\nfrom netpkg.model import Net\nnet = Net() if flag else Other()\n"
        "est = tf.estimator.Estimator(model_fn=net.model_fn)\n",
    ],
)
def test_receivers_whose_class_is_not_known_hand_nothing_on(tmp_path, main):
    files = _net_project(tmp_path, main)
    got = _codes(_summary(project.lint_project(files, Settings()), tmp_path))
    assert os.path.join("netpkg", "model.py") not in got


@pytest.mark.parametrize(
    "reader",
    [
        "print(getattr(est, name))",
        "print(getattr(est, 'probs'))",
        "print(vars(est))",
        "print(est.__dict__)",
    ],
)
def test_a_reflective_read_in_another_module_makes_removing_the_capture_unsafe(tmp_path, reader):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "model.py").write_text(
        "import tensorflow as tf\n"
        "class Net(tf.estimator.Estimator):\n"
        "    def __init__(self):\n"
        "        super().__init__(model_fn=self._model_fn)\n"
        "    def _model_fn(self, features, labels, mode):\n"
        "        logits = tf.compat.v1.layers.dense(features, 2)\n"
        "        self.probs = tf.nn.softmax(logits)\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})\n"
    )
    (tmp_path / "main.py").write_text(f"from pkg.model import Net\nname = 'probs'\nest = Net()\n{reader}\n")
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    old = time.time() - 3600
    for f in files:
        os.utime(f, (old, old))
    results = {os.path.relpath(r.path, tmp_path): r for r in project.lint_project(files, Settings())}
    [diag] = results[os.path.join("pkg", "model.py")].diagnostics
    assert diag.code == "EST102" and diag.fix.applicability.value == "unsafe"
    (tmp_path / "main.py").write_text("from pkg.model import Net\nest = Net()\nprint(getattr(est, 'other'))\n")
    results = {os.path.relpath(r.path, tmp_path): r for r in project.lint_project(files, Settings())}
    [diag] = results[os.path.join("pkg", "model.py")].diagnostics
    assert diag.fix.applicability.value == "safe"


def _copy_case(tmp_path, case):
    root = tmp_path / case
    shutil.copytree(os.path.join(FIXTURES, case), root)
    return root, sorted(str(p) for p in root.rglob("*.py"))


def test_a_capture_inherited_from_another_module_is_read_through_the_subclass(tmp_path):
    root, files = _copy_case(tmp_path, "multi_module_subclass_capture")
    # A reader that is itself linted first (it defines a subclass): its question about
    # the inherited captures is logged, so it is linted again once they are learnt.
    (root / "regpkg" / "reader.py").write_text(
        "from regpkg.sub import WideRegressor\n\n\n"
        "class Wider(WideRegressor):\n"
        "    pass\n\n\n"
        "def peek(est: Wider):\n"
        "    return est.hidden\n"
    )
    files.append(str(root / "regpkg" / "reader.py"))
    summary = _summary(project.lint_project(sorted(files), Settings()), root)
    assert [(d[0], d[2]) for d in summary["main.py"]] == [(14, "EST104"), (33, "EST104")]
    assert [(d[0], d[2]) for d in summary[os.path.join("regpkg", "reader.py")]] == [(9, "EST104")]
    assert "captured in `regpkg.base.CapturingRegressor`" in summary["main.py"][0][3]
    # Read only through subclasses elsewhere: removing the capture is an unsafe fix.
    assert summary[os.path.join("regpkg", "base.py")][0][4] == "unsafe"


def test_an_inherited_capture_no_other_module_reads_keeps_a_safe_fix(tmp_path):
    root, files = _copy_case(tmp_path, "multi_module_subclass_capture")
    main = root / "main.py"
    main.write_text(main.read_text().replace(".hidden", ".model_dir"))
    summary = _summary(project.lint_project(files, Settings()), root)
    assert summary["main.py"] == []
    assert summary[os.path.join("regpkg", "base.py")][0][4] == "safe"


def test_prediction_keys_two_modules_away(tmp_path):
    root, files = _copy_case(tmp_path, "multi_module_two_hop_predict_keys")
    summary = _summary(project.lint_project(files, Settings()), root)
    assert [(d[0], d[2]) for d in summary["main.py"]] == [(26, "EST105")]
    assert "(keys: 'output')" in summary["main.py"][0][3]
    # The same subclass built in its own module asks the model_fn's module too.
    est = root / "hop" / "estimators.py"
    est.write_text(est.read_text() + "\n\ndef build():\n    e = FixedRegressor()\n    return list(e.predict(None, predict_keys=['nope']))\n")
    summary = _summary(project.lint_project(files, Settings()), root)
    assert [d[2] for d in summary[os.path.join("hop", "estimators.py")]] == ["EST105"]
    # A cycle of links (a class handing on a model_fn that is its own name) stays silent.
    assert project.ProjectIndex(model_fn_keys={"a.C": [analysis_model.SAME_KEYS_AS + "a.C"]}).prediction_keys("a.C") is None


def test_a_text_check_with_fixable_findings_never_loads_libcst(tmp_path):
    """Whether a finding has a fix (``[*]``) is decided on the ``ast``; libcst is loaded
    only to render edits (``--fix``, ``--diff``, json, sarif)."""
    import subprocess
    import sys

    root, _ = _tree(tmp_path)
    probe = (
        "import sys\n"
        "from estimator_lint.cli import main\n"
        "code = main(['--isolated', '--no-cache', {fmt!r} , sys.argv[1]])\n"
        "print('LIBCST', 'libcst' in sys.modules, file=sys.stderr)\n"
    )
    seen = {}
    for fmt in ("--output-format=text", "--output-format=json"):
        run = subprocess.run(
            [sys.executable, "-c", probe.format(fmt=fmt), str(root)], capture_output=True, text=True, cwd=tmp_path
        )
        assert "1 unsafe fix with --fix --unsafe-fixes" in run.stdout or '"applicability": "unsafe"' in run.stdout
        seen[fmt] = run.stderr.strip().splitlines()[-1]
    assert seen == {"--output-format=text": "LIBCST False", "--output-format=json": "LIBCST True"}


@pytest.mark.parametrize("stop_early", [False, True])
def test_a_run_leaves_the_garbage_collector_as_it_found_it(tmp_path, stop_early):
    """The index pass pauses the cyclic collector and freezes what the run keeps; when the
    run ends (or its consumer stops reading it) nothing stays frozen and it is enabled."""
    import gc

    root, files = _tree(tmp_path)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    results = project.lint_project(files, Settings())
    first = next(results)
    assert gc.get_freeze_count() > 0 and gc.isenabled()  # the index's objects, frozen for the run
    if stop_early:
        results.close()
    else:
        assert len([first, *results]) == len(files)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_fixing_run_leaves_nothing_frozen(tmp_path, capsys):
    import gc

    from estimator_lint.cli import main

    _seed_copies(tmp_path, 2)
    assert main(["--isolated", "--no-cache", "--fix", str(tmp_path)]) in (0, 1)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_the_index_pass_is_frozen_before_the_collector_runs_again(tmp_path, monkeypatch):
    """Enabled first, the collector's next collection would walk everything the index
    pass allocated (its trees and bytes) once more before it is frozen out."""
    import gc

    root, files = _tree(tmp_path)
    calls = []
    enable, freeze = gc.enable, gc.freeze
    monkeypatch.setattr(gc, "enable", lambda: (calls.append("enable"), enable())[1])
    monkeypatch.setattr(gc, "freeze", lambda: (calls.append("freeze"), freeze())[1])
    results = list(project.lint_project(files, Settings()))
    assert len(results) == len(files)
    assert calls[:2] == ["freeze", "enable"]


def test_a_files_analysis_is_freed_without_the_cyclic_collector(monkeypatch):
    """The analysis of a file holds no reference cycle through its model: when the file is
    done, reference counting frees the model and the file's tree at once (a cycle would
    keep them for a collection that walks all of them)."""
    import ast
    import gc
    import weakref

    from estimator_lint.engine import lint_file

    models = []
    init = analysis_model.FileModel.__init__

    def keep_a_weak_reference(self, *args, **kwargs):
        init(self, *args, **kwargs)
        models.append(weakref.ref(self))

    monkeypatch.setattr(analysis_model.FileModel, "__init__", keep_a_weak_reference)
    path = os.path.join(FIXTURES, "rule_est102_local_name", "before.py")
    with open(path, "rb") as f:
        data = f.read()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        tree = ast.parse(data)
        tree_ref = weakref.ref(tree)
        result = lint_file(path, Settings(), data=data, tree=tree)
        del tree
        assert [d.code for d in result.diagnostics] and models
        assert [m() for m in models] == [None] * len(models)
        assert tree_ref() is None
    finally:
        if was_enabled:
            gc.enable()


def test_a_file_is_analysed_with_the_collector_paused_and_left_as_found(monkeypatch):
    import gc

    from estimator_lint.engine import lint_file

    during = []
    init = analysis_model.FileModel.__init__

    def note_the_collector(self, *args, **kwargs):
        during.append(gc.isenabled())
        init(self, *args, **kwargs)

    monkeypatch.setattr(analysis_model.FileModel, "__init__", note_the_collector)
    path = os.path.join(FIXTURES, "rule_est102_local_name", "before.py")
    assert gc.isenabled()
    assert lint_file(path, Settings()).diagnostics
    assert during == [False] and gc.isenabled()


def test_a_parallel_run_starts_its_workers_once_for_all_its_passes(tmp_path, monkeypatch):
    """The defining files, those linted again and the rest go to the same workers; what
    the index learnt after they started goes with the chunks (main.py's EST104 needs the
    capture a.py's lint found, a.py's unsafe fix needs main.py's read of it)."""
    from estimator_lint import runner

    root, files = _tree(tmp_path)
    reference = _summary(project.lint_project(files, Settings(), jobs=1), root)
    started = []
    real = runner._pool

    def counting(*args, **kwargs):
        started.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "_pool", counting)
    calls = _count_analyses(monkeypatch)  # in this process: none, the workers analyse
    assert _summary(project.lint_project(files, Settings(), jobs=2), root) == reference
    assert started == [2] and calls == []
    assert {d[2] for d in reference["main.py"]} == {"EST104"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_cached_result_that_no_longer_loads_is_linted_again_with_the_index(tmp_path, monkeypatch, jobs):
    """A touched file whose bytes still hash to its cache entry takes the stored result;
    when that result cannot be loaded (a damaged entry) the file is linted again, with
    the project index like every other file of the run (main.py's EST104 needs it)."""
    from estimator_lint import cache

    root, files = _tree(tmp_path)
    cache_dir = str(tmp_path / "cache")
    reference = _summary(project.lint_project(files, Settings(), jobs=jobs, cache_dir=cache_dir), root)
    main_py = str(root / "main.py")
    assert {d[2] for d in reference["main.py"]} == {"EST104"}
    real = cache.load_result

    def damaged_for_main(path, data):
        if os.path.basename(path) == "main.py":
            raise ValueError("diagnostic layout changed")
        return real(path, data)

    monkeypatch.setattr(cache, "load_result", damaged_for_main)
    newer = time.time() - 1800
    os.utime(main_py, (newer, newer))  # a new stat, the same bytes
    assert _summary(project.lint_project(files, Settings(), jobs=jobs, cache_dir=cache_dir), root) == reference


@pytest.mark.parametrize("aged", [True, False])
def test_a_file_edited_while_the_index_is_built_is_not_trusted_later(tmp_path, monkeypatch, aged):
    """The saved index says which tree it was built from: the stats taken before its files
    were read (and, for files changed just before, the bytes it read).  A file edited
    after it was read, before the index is written, makes the saved one stale: the flake8
    plugin must not take it."""
    root, files = _tree(tmp_path)
    if not aged:
        now = time.time()
        for f in files:
            os.utime(f, (now, now))  # changed just now: identified by their bytes
    cache_dir = str(tmp_path / "cache")
    edited = root / "estpkg" / "models" / "b.py"
    real = project.write_index

    def edit_then_write(*args, **kwargs):
        edited.write_text(edited.read_text() + "\n\nclass Late(tf.estimator.Estimator):\n    def train(self):\n        pass\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(project, "write_index", edit_then_write)
    assert len(list(project.lint_project(files, Settings(), cache_dir=cache_dir))) == len(files)
    assert os.path.exists(os.path.join(cache_dir, project.INDEX_FILE))
    assert project.load_index_for_tree(cache_dir, Settings()) is None
    # Unedited, the tree is trusted (the write itself changes nothing).
    monkeypatch.setattr(project, "write_index", real)
    for f in files:
        os.utime(f, (time.time() - 3600, time.time() - 3600))
    assert len(list(project.lint_project(files, Settings(), cache_dir=cache_dir))) == len(files)
    assert project.load_index_for_tree(cache_dir, Settings()) is not None
