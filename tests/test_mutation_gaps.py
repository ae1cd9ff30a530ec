"""Behaviour that a mutation run found unguarded or guarded by one test only.

Each test here fails on a specific change to the product (named in its docstring); they go
through the public entry points (``lint_source``, the CLI, ``fix_file``) so that they hold
however the code behind them is arranged.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import estimator_lint.fix_apply as fix_apply
from estimator_lint.diagnostics import Applicability
from estimator_lint.cli import main
from estimator_lint.fix_apply import FileChangedError, fix_file, write_atomically
from helpers import FIXTURES, codes, lint, triples

# --------------------------------------------------------------------------------------
# tf.math.* calls build graph ops (mutation: "math" treated as a non-graph namespace)
# --------------------------------------------------------------------------------------

MATH_CALLS = [
    'tf.math.log(features["x"])',
    'tf.math.reduce_sum(features["x"], axis=1)',
    'tf.math.sigmoid(features["x"])',
    'tf.compat.v1.math.log1p(features["x"])',
    'tf.math.l2_normalize(features["x"])',
]


@pytest.mark.parametrize("call", MATH_CALLS)
def test_tf_math_result_leaking_through_a_global_is_est103(call):
    source = textwrap.dedent(
        f"""\
        import tensorflow as tf
        X = None
        def model_fn(features, labels, mode, params):
            global X
            X = {call}
            return tf.estimator.EstimatorSpec(mode, predictions={{"x": features["x"]}})
        """
    )
    assert triples(lint(source)) == [(5, 5, "EST103")]


def test_tf_math_result_stored_on_self_is_est102():
    source = textwrap.dedent(
        """\
        import tensorflow as tf
        class M(tf.estimator.Estimator):
            def __init__(self):
                super().__init__(model_fn=self._fn)
            def _fn(self, features, labels, mode):
                self.log_x = tf.math.log(features["x"])
                return tf.estimator.EstimatorSpec(mode, predictions={"x": features["x"]})
        """
    )
    assert codes(source) == ["EST102"]


def test_tf_math_from_import_alias_is_a_graph_op():
    source = textwrap.dedent(
        """\
        import tensorflow as tf
        from tensorflow import math as tfm
        OUT = {}
        def model_fn(features, labels, mode, params):
            OUT["y"] = tfm.exp(features["x"])
            return tf.estimator.EstimatorSpec(mode, predictions={"x": features["x"]})
        """
    )
    assert triples(lint(source)) == [(5, 5, "EST103")]


# --------------------------------------------------------------------------------------
# ``# noqa: CODES`` suppresses the listed codes only (mutation: the list ignored)
# --------------------------------------------------------------------------------------

LEAK = textwrap.dedent(
    """\
    import tensorflow as tf
    OUT = {{}}
    def model_fn(features, labels, mode, params):
        OUT["k"] = features["x"]  {comment}
        return tf.estimator.EstimatorSpec(mode, predictions={{"x": features["x"]}})
    """
)


@pytest.mark.parametrize(
    "comment",
    ["# noqa: EST101,EST102", "# noqa: EST104 EST105", "# noqa:EST102", "# NOQA: EST104", "# noqa: E501", "# noqa: EST1030"],
)
def test_noqa_listing_other_codes_keeps_the_finding(comment):
    assert triples(lint(LEAK.format(comment=comment))) == [(4, 5, "EST103")]


@pytest.mark.parametrize(
    "comment",
    ["# noqa: EST103", "# noqa: EST101,EST103", "# noqa:EST102 EST103", "# noqa: est103", "# noqa: EST1", "# noqa"],
)
def test_noqa_listing_the_code_or_its_prefix_suppresses_it(comment):
    assert lint(LEAK.format(comment=comment)) == []
    assert triples(lint(LEAK.format(comment=comment), respect_noqa=False)) == [(4, 5, "EST103")]


def test_noqa_on_the_first_and_the_last_line():
    first = 'def model_fn(features, labels, mode, params): OUT["k"] = features["x"]  # noqa: EST103\n'
    rest = "import tensorflow as tf\nOUT = {}\n"
    assert lint(first + rest) == [] and triples(lint(first + rest, respect_noqa=False)) == [(1, 47, "EST103")]
    last = rest + 'def model_fn(features, labels, mode, params): OUT["k"] = features["x"]  # noqa: EST103'
    assert lint(last) == [] and triples(lint(last, respect_noqa=False)) == [(3, 47, "EST103")]


def test_noqa_code_list_applies_to_its_own_line_only(tmp_path, capsys):
    source = textwrap.dedent(
        """\
        import tensorflow as tf
        OUT = {}
        def model_fn(features, labels, mode, params):
            OUT["a"] = features["x"]  # noqa: EST102
            OUT["b"] = features["x"]  # noqa: EST103
            OUT["c"] = features["x"]
            return tf.estimator.EstimatorSpec(mode, predictions={"x": features["x"]})
        """
    )
    path = tmp_path / "m.py"
    path.write_text(source)
    code = main(["--no-cache", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert [line.split(": ", 1)[0] for line in out.splitlines() if "EST103" in line] == [f"{path}:4:5", f"{path}:6:5"]


# --------------------------------------------------------------------------------------
# A fix is never written over a file that changed since it was read, nor over a read-only
# file (mutations: the re-check dropped or weakened; the read-only check dropped)
# --------------------------------------------------------------------------------------

FIXABLE = os.path.join(FIXTURES, "seed_snippet1_override_capture")


def _fixable(tmp_path, name="m.py"):
    with open(os.path.join(FIXABLE, "before.py"), "rb") as f:
        data = f.read()
    path = tmp_path / name
    path.write_bytes(data)
    return path, data


def _no_temp_files(directory):
    return [n for n in os.listdir(directory) if n.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "edit",
    [
        lambda data: b"# edited meanwhile\n" + data,  # longer
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data.replace(b"dense_output", b"dense_Output", 1),  # same size
        lambda data: b"",  # emptied
    ],
    ids=["longer", "truncated", "same-size", "emptied"],
)
def test_write_atomically_refuses_a_file_that_no_longer_holds_what_was_read(tmp_path, edit):
    path, data = _fixable(tmp_path)
    meanwhile = edit(data)
    stat_before = os.stat(path)
    path.write_bytes(meanwhile)
    os.utime(path, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns))  # even with its old mtime
    with pytest.raises(FileChangedError):
        write_atomically(str(path), data, b"fixed\n")
    assert path.read_bytes() == meanwhile
    assert _no_temp_files(tmp_path)


def test_write_atomically_writes_when_the_file_is_unchanged(tmp_path):
    path, data = _fixable(tmp_path)
    write_atomically(str(path), data, b"fixed\n")
    assert path.read_bytes() == b"fixed\n"
    assert _no_temp_files(tmp_path)


def _racing_fix_file(monkeypatch, path, meanwhile):
    """fix_file, with ``meanwhile`` written to ``path`` after the fixer read it."""
    real = fix_apply.fix_source

    def racing(*args, **kwargs):
        result = real(*args, **kwargs)
        path.write_bytes(meanwhile)
        return result

    monkeypatch.setattr(fix_apply, "fix_source", racing)


def test_fix_file_keeps_a_same_size_edit_made_while_fixing(tmp_path, monkeypatch):
    path, data = _fixable(tmp_path)
    meanwhile = data.replace(b"dense_output", b"dense_Output", 1)
    assert len(meanwhile) == len(data) and meanwhile != data
    _racing_fix_file(monkeypatch, path, meanwhile)
    result = fix_file(str(path))
    assert result.error is not None and "changed on disk since it was read" in result.error.message
    assert result.text == result.original  # nothing is reported as fixed
    assert path.read_bytes() == meanwhile and _no_temp_files(tmp_path)


def test_cli_fix_reports_the_changed_file_and_fixes_the_others(tmp_path, monkeypatch, capsys):
    racy, data = _fixable(tmp_path, "a_racy.py")
    calm, _ = _fixable(tmp_path, "b_calm.py")
    real = fix_apply.fix_source

    def racing(text, path, *args, **kwargs):
        result = real(text, path, *args, **kwargs)
        if path == str(racy):
            racy.write_bytes(b"# mine\n" + data)
        return result

    monkeypatch.setattr(fix_apply, "fix_source", racing)
    code = main(["--fix", "--no-cache", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{racy}:1:1: error: not fixed: the file changed on disk since it was read; not overwritten" in out
    assert racy.read_bytes() == b"# mine\n" + data
    with open(os.path.join(FIXABLE, "after.py"), "rb") as f:
        assert calm.read_bytes() == f.read()


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555])
def test_write_atomically_refuses_a_read_only_file(tmp_path, mode):
    path, data = _fixable(tmp_path)
    os.chmod(path, mode)
    with pytest.raises(PermissionError, match="is read-only"):
        write_atomically(str(path), data, b"fixed\n")
    assert path.read_bytes() == data and os.stat(path).st_mode & 0o7777 == mode
    assert _no_temp_files(tmp_path)


def test_fix_file_refuses_a_read_only_file_behind_a_symlink(tmp_path):
    target, data = _fixable(tmp_path, "target.py")
    os.chmod(target, 0o444)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    result = fix_file(str(link))
    assert result.error is not None and result.error.message == f"not fixed: {link} is read-only"
    # The fix was found (the finding keeps it), not written.
    assert result.text == result.original and any(d.fix is not None for d in result.remaining)
    assert target.read_bytes() == data and link.is_symlink()
    assert _no_temp_files(tmp_path)


def test_fix_keeps_the_mode_of_a_writable_file(tmp_path):
    path, _ = _fixable(tmp_path)
    os.chmod(path, 0o604)
    assert fix_file(str(path)).error is None
    assert os.stat(path).st_mode & 0o7777 == 0o604


# --------------------------------------------------------------------------------------
# The result cache's code fingerprint changes when the linter is edited, even when the
# edit keeps every module's size (mutation: fingerprint of module sizes only)
# --------------------------------------------------------------------------------------

LEAKY = textwrap.dedent(
    """\
    import tensorflow as tf
    OUT = {}
    def model_fn(features, labels, mode, params):
        OUT["k"] = features["x"]
        return tf.estimator.EstimatorSpec(mode, predictions={"x": features["x"]})
    """
)


def _linter_copy(tmp_path):
    """A copy of the estimator_lint package, imported instead of the installed one."""
    import estimator_lint

    lib = tmp_path / "lib"
    shutil.copytree(os.path.dirname(estimator_lint.__file__), lib / "estimator_lint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PYTHONPATH=str(lib), PYTHONDONTWRITEBYTECODE="1")
    env.pop("ESTIMATOR_LINT_CACHE_DIR", None)
    return lib / "estimator_lint", env


def _same_size_edit(path, old, new):
    assert len(old) == len(new)
    data = path.read_bytes()
    assert old in data
    st = os.stat(path)
    path.write_bytes(data.replace(old, new))
    # An editor's save: a later mtime (set explicitly: the test must not depend on the clock tick).
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert os.stat(path).st_size == st.st_size


def test_code_fingerprint_changes_on_a_same_size_edit_of_the_linter(tmp_path):
    package, env = _linter_copy(tmp_path)
    probe = ("import estimator_lint, estimator_lint.cache as c, estimator_lint.engine as e;"
             "print(estimator_lint.__file__); print(c.cache_key(e.Settings())['code'])")

    def fingerprint():
        out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                             check=True).stdout.split()
        assert out[0] == str(package / "__init__.py")  # the copy is what runs
        return out[1]

    before = fingerprint()
    assert fingerprint() == before  # stable while nothing changes
    _same_size_edit(package / "noqa.py", b"(flake8's syntax)", b"(flake8's SYNTAX)")
    assert fingerprint() != before


def test_cached_results_are_not_served_after_a_same_size_edit_of_a_rule(tmp_path):
    package, env = _linter_copy(tmp_path)
    source = tmp_path / "m.py"
    source.write_text(LEAKY)
    command = [sys.executable, "-m", "estimator_lint", "--cache-dir", str(tmp_path / "cache"), str(source)]

    def run():
        proc = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 1, proc.stderr
        return proc.stdout

    assert "Graph tensor escapes model_fn" in run()
    assert os.listdir(tmp_path / "cache")  # the result was stored
    _same_size_edit(package / "rules" / "est103_tensor_escapes_model_fn.py",
                    b'f"Graph tensor escapes model_fn', b'f"Graph tensor ESCAPES model_fn')
    assert "Graph tensor ESCAPES model_fn" in run()


# --------------------------------------------------------------------------------------
# Survivors of the mutation run (docs/mutation-testing.md)
# --------------------------------------------------------------------------------------

UNSAFE_ONLY = textwrap.dedent(
    """\
    import tensorflow as tf
    def model_fn(features, labels, mode):
        global total_loss
        total_loss = tf.reduce_mean(features)
        return tf.estimator.EstimatorSpec(mode, predictions={"f": features})
    """
)


@pytest.mark.parametrize("mode", ["--fix", "--diff"])
def test_fix_and_diff_count_the_fixes_left_for_unsafe_fixes(tmp_path, capsys, mode):
    path = tmp_path / "m.py"
    path.write_text(UNSAFE_ONLY)
    main([mode, "--no-cache", str(path)])
    assert "1 more fixable with --fix --unsafe-fixes." in capsys.readouterr().out
    main([mode, "--unsafe-fixes", "--no-cache", str(path)])
    out = capsys.readouterr().out
    assert "more fixable" not in out and "total_loss" in out + path.read_text()


def test_rules_package_attributes():
    import estimator_lint.rules as rules

    assert [r.code for r in rules.ALL_RULES] == sorted(rules.RULES_BY_CODE) == list(rules.RULE_CODES)
    assert not hasattr(rules, "NO_SUCH_NAME")
    with pytest.raises(AttributeError, match="has no attribute 'NO_SUCH_NAME'"):
        rules.NO_SUCH_NAME


def test_a_fixed_text_the_file_encoding_cannot_hold_is_not_written(tmp_path, monkeypatch):
    """Defensive: a fix that brought in a character the file's declared encoding lacks."""
    path = tmp_path / "m.py"
    with open(os.path.join(FIXABLE, "before.py"), encoding="utf-8") as f:
        original = ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + f.read()).encode("latin-1")
    path.write_bytes(original)
    real = fix_apply.fix_source

    def euro(*args, **kwargs):
        result = real(*args, **kwargs)
        result.text = result.text.replace("# caf\xe9", "# \u20ac")
        return result

    monkeypatch.setattr(fix_apply, "fix_source", euro)
    result = fix_file(str(path))
    assert result.error is not None
    assert result.error.message.startswith("not fixed: the fixed text cannot be encoded as iso-8859-1: ")
    assert result.text == result.original and path.read_bytes() == original


def test_local_name_fix_removes_the_init_placeholder_of_a_class_without_bases():
    """``self.logits = None`` in ``__init__`` is a placeholder (removed with the capture),
    also in a class with no base classes at all."""
    source = textwrap.dedent(
        """\
        import tensorflow.compat.v1 as tf


        class Model:
            def __init__(self, model_dir):
                self.logits = None
                self.estimator = tf.estimator.Estimator(model_fn=self._model_fn, model_dir=model_dir)

            def _model_fn(self, features, labels, mode):
                self.logits = tf.layers.dense(features, units=3)
                return tf.estimator.EstimatorSpec(mode, predictions={"probs": tf.nn.softmax(self.logits)})
        """
    )
    result = fix_apply.fix_source(source, "m.py")
    assert result.text == source.replace("        self.logits = None\n", "").replace(
        "self.logits = tf", "logits = tf").replace(
        '{"probs": tf.nn.softmax(self.logits)}', '{"probs": tf.nn.softmax(logits), "logits": logits}')
    assert [d.code for d in result.applied] == ["EST102"] and result.remaining == []


@pytest.mark.parametrize("case", ["multi_module_predict_keys", "multi_module_package"])
def test_cached_project_results_keep_captures_and_prediction_keys(tmp_path, case):
    """What the project index learns from a file (its captures, its model_fns' PREDICT keys)
    comes back from the result cache as it was stored."""
    import glob

    from estimator_lint.cache import ResultCache
    from estimator_lint.engine import Settings
    from estimator_lint.runner import lint_paths
    from estimator_lint.project import build_project_index

    root = tmp_path / case
    shutil.copytree(os.path.join(FIXTURES, case), root, ignore=shutil.ignore_patterns("*.json"))
    files = sorted(glob.glob(str(root / "**" / "*.py"), recursive=True))
    for path in files:
        os.utime(path, (1_000_000_000, 1_000_000_000))  # old: the cache trusts their stat
    settings = Settings()

    def run():
        cache = ResultCache(settings, str(tmp_path / "cache"))
        index = build_project_index(files, settings)
        results = [(r.path, r.captures, r.prediction_keys, [d.sort_key() for d in r.diagnostics])
                   for r in lint_paths(files, settings, cache=cache, index=index)]
        return results, cache.hits

    cold, cold_hits = run()
    warm, warm_hits = run()
    assert cold_hits == 0 and warm_hits == len(files)
    assert warm == cold
    assert any(keys for _, _, keys, _ in cold) or any(captures for _, captures, _, _ in cold)


LOCAL_NAME_SCALAR = textwrap.dedent(
    """\
    import tensorflow.compat.v1 as tf


    class MyClassifier(tf.estimator.Estimator):
        def __init__(self, model_dir):
            super().__init__(model_fn=self._model_fn, model_dir=model_dir)

        def _model_fn(self, features, labels, mode):
            logits = tf.layers.dense(features, units=3)
            self.{attr} = {value}
            return tf.estimator.EstimatorSpec(mode, predictions={{"probs": tf.nn.softmax(logits) * self.{attr}}})
    {tail}"""
)


@pytest.mark.parametrize(
    "attr, value, tail",
    [
        ("loss", "tf.reduce_mean(logits)", ""),  # a scalar: predict() cannot slice it
        ("scale", "tf.reduce_sum(logits)", ""),
        ("scale", "tf.nn.relu(logits)", "\nest = MyClassifier('m')\nprint(est.scale)\n"),  # read outside
    ],
    ids=["scalar-name", "scalar-value", "read-outside"],
)
def test_local_name_fix_that_may_change_behaviour_is_unsafe(attr, value, tail):
    source = LOCAL_NAME_SCALAR.format(attr=attr, value=value, tail=tail)
    est102 = [d for d in lint(source) if d.code == "EST102"]
    assert len(est102) == 1 and est102[0].fix is not None
    assert est102[0].fix.message.startswith(f"Keep `{attr}` in a local name")
    assert est102[0].fix.applicability.value == "unsafe"
    assert fix_apply.fix_source(source, "m.py").text == source  # not without --unsafe-fixes
    assert f"{attr} = {value}" in fix_apply.fix_source(source, "m.py", unsafe=True).text


@pytest.mark.parametrize(
    "first",
    [
        "model_ops = self._inner._call_model_fn(features, labels, mode, config)",  # not super()
        "model_ops = build()._call_model_fn(features, labels, mode, config)",  # a call, not super()
    ],
)
def test_override_delegating_to_something_else_than_super_has_no_fix(first):
    source = textwrap.dedent(
        f"""\
        import tensorflow as tf


        class MyEstimator(tf.estimator.Estimator):
            def _call_model_fn(self, features, labels, mode, config):
                {first}
                self.dense_output = model_ops.predictions
                return model_ops
        """
    )
    est101 = [d for d in lint(source) if d.code == "EST101"]
    assert len(est101) == 1 and est101[0].fix is None
    assert est101[0].no_fix_reason == "the override does more than delegate to super() and capture tensors"


# --------------------------------------------------------------------------------------
# Second round (every 15th mutant of each module, at most 30 a module): survivors
# --------------------------------------------------------------------------------------

TPU_CASE = "fix_setattr_capture_tpu_spec"


def _fixture_text(case, name="before.py"):
    with open(os.path.join(FIXTURES, case, name), encoding="utf-8") as handle:
        return handle.read()


def test_override_returning_something_else_than_the_super_result_has_no_fix():
    """mutation: ``return <any name>`` taken for ``return <what super() returned>``."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf


        class MyEstimator(tf.estimator.Estimator):
            def _call_model_fn(self, features, labels, mode, config):
                model_ops = super()._call_model_fn(features, labels, mode, config)
                self.dense_output = model_ops.predictions
                return features
        """
    )
    est101 = [d for d in lint(source) if d.code == "EST101"]
    assert len(est101) == 1 and est101[0].fix is None
    assert est101[0].no_fix_reason == "the override does more than delegate to super() and capture tensors"


def test_a_store_call_with_two_values_says_why_it_has_no_fix():
    """mutation: the reason's text altered (it is part of the printed message)."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf
        OUT = {}
        def model_fn(features, labels, mode, params):
            OUT.update(a=features["x"], b=features["y"])
            return tf.estimator.EstimatorSpec(mode, predictions={"x": features["x"]})
        """
    )
    (finding,) = lint(source)
    assert finding.code == "EST103" and finding.fix is None
    assert finding.message.endswith("(no automatic fix: `update` stores several values: move them into `predictions` by hand)")


@pytest.mark.parametrize(
    "condition",
    ["not mode == tf.estimator.ModeKeys.TRAIN", "not (mode == tf.estimator.ModeKeys.TRAIN)", "mode != tf.estimator.ModeKeys.TRAIN"],
)
def test_a_negated_mode_test_is_understood_like_its_opposite(condition):
    """mutation: ``not <test>`` no longer analysed (the fix crashed and was lost)."""
    before = _fixture_text(TPU_CASE).replace("if mode != tf.estimator.ModeKeys.TRAIN:", f"if {condition}:")
    (finding,) = lint(before)
    assert finding.code == "EST102" and finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert fix_apply.fix_source(before, "m.py").text == _fixture_text(TPU_CASE, "after.py")


def test_an_emptied_if_whose_test_calls_something_is_kept():
    """mutation: every test counted as free of calls, so the ``if`` went with its call."""
    before = _fixture_text(TPU_CASE).replace(
        "if mode != tf.estimator.ModeKeys.TRAIN:", "if mode != tf.estimator.ModeKeys.TRAIN and log_once():"
    )
    fixed = fix_apply.fix_source(before, "m.py").text
    assert "        if mode != tf.estimator.ModeKeys.TRAIN and log_once():\n            pass\n" in fixed
    assert '"probabilities": tf.nn.softmax(logits)' in fixed


def test_unused_noqa_fix_is_named_in_json(tmp_path, capsys):
    """mutation: the EST100 fix's message dropped."""
    path = tmp_path / "m.py"
    path.write_text("import tensorflow as tf\nx = 1  # noqa: EST102\n")
    main(["--no-cache", "--extend-select", "EST100", "--output-format", "json", str(path)])
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding["code"] == "EST100" and finding["fix"]["message"] == "Remove unused `noqa` directive"


def test_removing_an_unused_noqa_on_the_last_line_keeps_the_line_break_before_it(tmp_path, capsys):
    """mutation: the whitespace scan before the comment ran one column too far (to the end
    of the previous line, through its line break)."""
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\n# noqa: EST102 ")  # no line break at the end
    main(["--no-cache", "--extend-select", "EST100", "--fix", str(path)])
    assert path.read_bytes() == b"x = 1\n "


def test_unsafe_fixes_hint_is_not_given_when_unsafe_fixes_are_on(tmp_path, capsys):
    """mutation: ``--unsafe-fixes`` not passed to the run's counts, so a finding left by a
    read-only file was counted as needing ``--unsafe-fixes``."""
    path = tmp_path / "m.py"
    path.write_text(UNSAFE_ONLY)
    path.chmod(0o444)  # refused by its mode, even for root
    main(["--fix", "--unsafe-fixes", "--no-cache", str(path)])
    out = capsys.readouterr().out
    assert "is read-only" in out and "1 remaining" in out
    assert "more fixable" not in out


NO_FINAL_BREAK = b"x = 1  # noqa: EST102"  # EST100's fix removes the comment


def test_diff_of_a_file_without_a_final_line_break_is_a_valid_patch(tmp_path, capsys):
    """A bug the mutation run led to: the removed and the added last line were printed on
    one line (``-x = 1  # noqa: EST102+x = 1``), and only one of them was marked."""
    path = tmp_path / "m.py"
    path.write_bytes(NO_FINAL_BREAK)
    main(["--diff", "--no-cache", "--extend-select", "EST100", str(path)])
    out = capsys.readouterr().out
    assert out.startswith(
        f"--- {path}\n+++ {path}\n@@ -1 +1 @@\n"
        "-x = 1  # noqa: EST102\n\\ No newline at end of file\n"
        "+x = 1\n\\ No newline at end of file\n"
    )
    assert path.read_bytes() == NO_FINAL_BREAK


def test_stdin_diff_of_text_without_a_final_line_break_is_a_valid_patch(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "estimator_lint", "--no-cache", "--extend-select", "EST100", "--diff", "-",
         "--stdin-filename", "m.py"],
        input=NO_FINAL_BREAK, cwd=tmp_path, capture_output=True,
    )
    assert proc.stdout.decode() == (
        "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n"
        "-x = 1  # noqa: EST102\n\\ No newline at end of file\n"
        "+x = 1\n\\ No newline at end of file\n"
    )


def _est106_message(source):
    from estimator_lint.requirements import TensorFlowRequirement

    settings = {"tensorflow_requirement": TensorFlowRequirement("requirements.txt:1", "tensorflow==2.16.1")}
    found = [d for d in lint(source, **settings) if d.code == "EST106"]
    assert len(found) == 1
    return found[0].message


@pytest.mark.parametrize(
    "source, failure",
    [
        ("import tensorflow.estimator\n", "(ModuleNotFoundError: No module named 'tensorflow.estimator')"),
        ("import tensorflow.estimator.experimental\n", "(ModuleNotFoundError: No module named 'tensorflow.estimator')"),
        ("import tensorflow_estimator.python\n", "(ModuleNotFoundError: No module named 'tensorflow_estimator')"),
        ("import tensorflow as tf\nest = tf.estimator.Estimator(model_fn=None)\n",
         "(AttributeError: module 'tensorflow' has no attribute 'estimator')"),
    ],
)
def test_est106_names_what_tensorflow_2_16_raises(source, failure):
    """mutations: the missing module cut at the wrong dot; the AttributeError text altered."""
    assert failure in _est106_message(source)


def test_input_fn_findings_name_the_input_fn_and_only_a_real_helper():
    """mutation: the helper clause of the input_fn message replaced by ``None``."""
    found = lint(_fixture_text("input_fn_keeps_graph_values"))
    assert [d.message.split(": the Estimator calls")[0] for d in found] == [
        "Graph value escapes input_fn `DataSource.input_fn` into `self.iterator`",
        "Graph value escapes input_fn `eval_input_fn` into `_LAST_BATCH`, which lives outside it",
    ]


def test_unknown_prediction_key_suggests_the_singular_of_an_es_plural():
    """mutation: the ``-es`` plural no longer recognised ('boxes' is too far from 'box'
    for a close-match ratio of 0.8)."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf


        def model_fn(features, labels, mode, params):
            return tf.estimator.EstimatorSpec(mode, predictions={"box": features["x"]})


        estimator = tf.estimator.Estimator(model_fn=model_fn)
        for row in estimator.predict(input_fn=None):
            print(row["boxes"])
        """
    )
    (finding,) = lint(source)
    assert finding.code == "EST105" and "did you mean 'box'?" in finding.message
    assert finding.fix is not None and finding.fix.message == "Replace the key with 'box'"


def test_imported_model_fn_passed_positionally_by_a_subclass_is_followed(tmp_path, capsys):
    """mutation: an Estimator subclass passing an imported model_fn as ``super().__init__``'s
    first argument (not ``model_fn=``) not followed into the other module."""
    project = tmp_path / "p"
    shutil.copytree(os.path.join(FIXTURES, "multi_module_predict_keys"), project)
    main_py = project / "main.py"
    main_py.write_text(
        main_py.read_text().replace(
            'estimator = tf.estimator.Estimator(model_fn=my_model_fn, model_dir=os.environ["MODEL_DIR"])',
            "class MyEstimator(tf.estimator.Estimator):\n"
            "    def __init__(self, model_dir):\n"
            "        super().__init__(my_model_fn, model_dir=model_dir)\n\n\n"
            'estimator = MyEstimator(os.environ["MODEL_DIR"])',
        )
    )
    main(["--no-cache", str(project)])
    out = capsys.readouterr().out
    assert [line.split(" ")[0] for line in out.splitlines() if " EST" in line] == [
        f"{main_py}:23:21:", f"{main_py}:29:94:"
    ]


GRAPH_VALUES_MODEL = textwrap.dedent(
    """\
    import numpy as np
    import tensorflow as tf


    class MyEstimator(tf.estimator.Estimator):
        def __init__(self):
            super().__init__(model_fn=self._model_fn)

        def _model_fn(self, features, labels, mode):
            dense = tf.keras.layers.Dense(3)
            self.layer_name = dense.name
            self.kernel = dense.kernel
            self.constant_out = dense(np.ones((1, 3), "float32"))
            bert = BertModel(input_ids=features["x"])
            self.pooled = tf.keras.layers.Dense(3)(bert)
            with tf.name_scope("outputs"):
                logits = tf.layers.dense(features["x"], 3)
            with features["x"] as held:
                self.held = held
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    """
)


def test_graph_values_of_layers_model_objects_and_with_targets():
    """mutations: a layer called on a Python value, a layer called on a model object, an
    attribute of a layer that is no variable (``name``), a ``with ... as`` target."""
    assert [(d.line, d.code) for d in lint(GRAPH_VALUES_MODEL)] == [
        (12, "EST102"),  # dense.kernel; dense.name (line 11) is a string
        (13, "EST102"),
        (15, "EST102"),
        (19, "EST102"),
    ]


GLOBALS_AND_LOOPS = textwrap.dedent(
    """\
    import tensorflow as tf


    def model_fn(features, labels, mode, params):
        global total_loss, step
        total_loss = tf.reduce_mean(features["x"])
        step = 1
        return tf.estimator.EstimatorSpec(mode, predictions={"f": features["x"]})


    def model_fn2(features, labels, mode, params):
        scaled = 2 * features["x"]
        for t in tf.unstack(features["x"]):
            last = t
        OUT["scaled"] = scaled
        OUT["last"] = last
        return tf.estimator.EstimatorSpec(mode, predictions={"f": features["x"]})


    OUT = {}
    estimator = tf.estimator.Estimator(model_fn=model_fn2)
    """
)


def test_graph_values_through_arithmetic_and_loops_and_a_global_list_fix():
    """mutations: ``2 * t`` judged by its left operand only; a loop over a tensor's rows
    not giving tensors; the rest of a ``global a, b`` statement rendered from the wrong name."""
    found = lint(GLOBALS_AND_LOOPS)
    assert [(d.line, d.code) for d in found] == [(6, "EST103"), (15, "EST103"), (16, "EST103")]
    fixed = fix_apply.fix_source(GLOBALS_AND_LOOPS, "m.py", unsafe=True).text
    assert "    global step\n    step = 1\n" in fixed
    assert 'predictions={"f": features["x"], "total_loss": tf.reduce_mean(features["x"])}' in fixed
    assert 'predictions={"f": features["x"], "scaled": scaled}' in fixed


def test_a_suggested_key_with_a_quote_in_it_is_not_written_into_a_string():
    """mutation: a replacement key holding ``"`` accepted (``row["a"b"]``: broken code)."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf


        def model_fn(features, labels, mode, params):
            return tf.estimator.EstimatorSpec(mode, predictions={'a"b': features["x"]})


        estimator = tf.estimator.Estimator(model_fn=model_fn)
        for row in estimator.predict(input_fn=None):
            print(row["a_b"])
        """
    )
    (finding,) = lint(source)
    assert "did you mean 'a\"b'?" in finding.message and finding.fix is None
    assert finding.no_fix_reason == "the key is not a plain string literal"
    assert fix_apply.fix_source(source, "m.py", unsafe=True).text == source


def test_several_unconditional_specs_say_why_there_is_no_fix():
    """mutation: the reason's text altered."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf


        def model_fn(features, labels, mode, params):
            OUT["x"] = features["x"]
            if params["a"]:
                return tf.estimator.EstimatorSpec(mode, predictions={"p": features["x"]})
            return tf.estimator.EstimatorSpec(mode, predictions={"q": features["x"]})


        OUT = {}
        """
    )
    (finding,) = lint(source)
    assert finding.no_fix_reason == (
        "several EstimatorSpecs may be the PREDICT one (no `if mode == PREDICT` tells them apart) "
        "and they predict different dicts"
    )


BUILT_MODEL_FNS = textwrap.dedent(
    """\
    import tensorflow as tf

    CompanyEstimator = load_estimator_class()


    class Model:
        def model_fn(self, features, labels, mode, params):
            self.logits = tf.layers.dense(features["x"], 3)
            return tf.estimator.EstimatorSpec(mode, predictions={"p": self.logits})


    def make_model_fn(units):
        def fn(features, labels, mode, params):
            OUT["x"] = tf.layers.dense(features["x"], units)
            return tf.estimator.EstimatorSpec(mode, predictions={"p": features["x"]})
        return fn


    def make_hook(units):
        def fn(features, labels, mode, params):
            OUT["y"] = features["x"]
            return None
        return fn


    OUT = {}
    model = Model()
    estimator = CompanyEstimator(model_fn=model.model_fn)
    """
)


def test_model_fns_passed_to_an_estimator_by_name_and_returned_by_a_builder():
    """mutations: a class called by a plain name (not imported) not recognised as an
    Estimator by its name; functions returned by a ``*model_fn*`` builder taken from every
    other function instead."""
    assert [(d.line, d.code) for d in lint(BUILT_MODEL_FNS)] == [(8, "EST102"), (14, "EST103")]


def test_an_estimator_module_alias_is_one_use_not_two():
    """mutation: ``est.Estimator`` after ``from tensorflow import estimator as est`` counted
    as a second use (the import is the finding)."""
    message = _est106_message("from tensorflow import estimator as est\ne = est.Estimator(model_fn=None)\n")
    assert "the first of" not in message
    two = _est106_message("from tensorflow import estimator as est\nimport tensorflow as tf\ne = tf.estimator.Estimator(model_fn=None)\n")
    assert "(the first of 2 uses of the Estimator API in this file)" in two


def test_a_noqa_added_to_a_blank_line_has_no_leading_spaces():
    """mutation: ``# noqa`` always added after two spaces, also where there is no code."""
    from estimator_lint.diagnostics import apply_edits
    from estimator_lint.noqa import add_code_edit
    from estimator_lint.source import physical_lines

    text = "x = 1\n\ny = 2\n"
    edit = add_code_edit(text, physical_lines(text), 2, "EST102")
    assert apply_edits(text, [edit]) == "x = 1\n# noqa: EST102\ny = 2\n"


def test_unknown_key_through_an_estimator_subclass_that_sets_its_model_fn():
    """mutation: the model_fn an in-file Estimator subclass passes to ``super().__init__``
    not followed, so the subclass's predictions were unknown."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf


        def my_model_fn(features, labels, mode, params):
            return tf.estimator.EstimatorSpec(mode, predictions={"output": features["x"]})


        class MyEst(tf.estimator.Estimator):
            def __init__(self, model_dir):
                super().__init__(model_fn=my_model_fn, model_dir=model_dir)


        est = MyEst("/tmp/m")
        print(next(est.predict(None))["outptu"])
        """
    )
    (finding,) = lint(source)
    assert (finding.line, finding.code) == (14, "EST105") and "did you mean 'output'?" in finding.message


def test_configurations_differing_in_a_list_setting_do_not_share_results():
    """mutation: list and tuple settings left out of the cache key (as None)."""
    from estimator_lint.cache import cache_key
    from estimator_lint.engine import Settings

    one = cache_key(Settings(prefilter=False, extra_estimator_bases=("company.BaseEstimator",)))
    other = cache_key(Settings(prefilter=False, extra_estimator_bases=("company.OtherEstimator",)))
    assert one != other
    assert one["settings"]["extra_estimator_bases"] == ["company.BaseEstimator"]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="try/except* is Python 3.11 syntax")
def test_imports_inside_try_star_are_seen():
    """mutation: ``try: ... except* ...`` blocks not searched for imports."""
    source = textwrap.dedent(
        """\
        try:
            import tensorflow as tf
        except* ImportError:
            tf = None


        class M(tf.estimator.Estimator):
            def train(self, input_fn):
                pass
        """
    )
    assert triples(lint(source)) == [(8, 5, "EST101")]


@pytest.mark.parametrize("mode", ["--fix", "--diff"])
def test_fix_reports_a_broken_symlink_and_fixes_the_other_files(tmp_path, capsys, mode):
    """mutations: the read error of ``--fix`` built without the path (a crash on a broken
    link) or without the original text; a decode error with no result to carry it."""
    (tmp_path / "link.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "latin1.py").write_bytes(b"# Estimator caf\xe9\n")
    path = tmp_path / "m.py"
    path.write_text(UNSAFE_ONLY)
    code = main([mode, "--unsafe-fixes", "--no-cache", str(tmp_path / "link.py"), str(tmp_path / "latin1.py"), str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{tmp_path / 'latin1.py'}:1:" in out and "error: cannot decode" in out
    assert f"{tmp_path / 'link.py'}:1:1: error: cannot read: broken symbolic link (to '{tmp_path / 'nowhere.py'}'" in out
    assert "total_loss" in out + path.read_text() and "internal error" not in out


OVERRIDE_AND_TEXT_KEYS = textwrap.dedent(
    """\
    import tensorflow as tf


    class MyEstimator(tf.estimator.Estimator):
        def __init__(self, model_dir):
            super().__init__(model_fn=self._model_fn, model_dir=model_dir)

        def _model_fn(self, features, labels, mode):
            self.logits = tf.layers.dense(features["x"], 3)
            dense = tf.keras.layers.Dense(3)
            self.applied = dense.apply(BertModel(input_ids=features["x"]))
            return tf.estimator.EstimatorSpec(mode, predictions={"output": self.logits})

        def train(self, input_fn, steps=None):
            return self


    est = MyEstimator("/tmp/m")
    rows = est.predict(input_fn=None, predict_keys="outptu")
    """
)


def test_override_without_captures_and_predict_keys_text():
    """mutations: an override's captures taken from every ``self`` store of the file (so
    an override with none got a "no automatic fix" reason); a misspelling suggested for
    ``predict_keys`` given as one string (which selects the keys it contains); a layer's
    method called on a model object not giving graph values."""
    found = {(d.line, d.code): d for d in lint(OVERRIDE_AND_TEXT_KEYS)}
    assert sorted(found) == [(9, "EST102"), (11, "EST102"), (14, "EST101"), (19, "EST105")]
    assert found[14, "EST101"].message.endswith("raises `ValueError: Subclasses of Estimator cannot override members of Estimator`")
    assert found[14, "EST101"].no_fix_reason is None
    assert "did you mean" not in found[19, "EST105"].message and found[19, "EST105"].fix is None


def test_show_fixes_with_diff_says_would_fix(tmp_path, capsys):
    """mutation: the ``--show-fixes`` heading of a ``--diff`` run altered."""
    path = tmp_path / "m.py"
    path.write_text(UNSAFE_ONLY)
    main(["--diff", "--show-fixes", "--unsafe-fixes", "--no-cache", str(path)])
    assert "\nWould fix 1 finding:\n" in capsys.readouterr().out
    main(["--fix", "--show-fixes", "--unsafe-fixes", "--no-cache", str(path)])
    assert "\nFixed 1 finding:\n" in capsys.readouterr().out


def test_a_capture_that_only_runs_when_training_has_no_fix():
    """mutation: the ``if mode == TRAIN`` around a store not taken into account (the fix
    moved into the predictions a tensor ``predict()`` never computes there)."""
    source = textwrap.dedent(
        """\
        import tensorflow as tf
        OUT = {}
        def model_fn(features, labels, mode, params):
            if mode == tf.estimator.ModeKeys.TRAIN:
                OUT["x"] = features["x"] * 2
            return tf.estimator.EstimatorSpec(mode, predictions={"p": features["x"]})
        """
    )
    (finding,) = lint(source)
    assert finding.code == "EST103" and finding.fix is None
    assert finding.no_fix_reason == "line 5 only runs when training or evaluating, so `predict()` never computes the tensor"
