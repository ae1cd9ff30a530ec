"""The fixer: golden results on every fixture, idempotence, byte preservation, safe writes."""

import ast
import glob
import json
import os
import stat

import pytest

from estimator_lint.diagnostics import Applicability
from estimator_lint.engine import lint_source
from estimator_lint.fix_apply import FixResult, fix_file, fix_source
from estimator_lint.diagnostics import apply_edits
from helpers import FIXTURES

GOLDEN = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(FIXTURES, "*", "after.py")))


def unsafe_golden(case):
    """Whether the case's after.py is what ``--fix --unsafe-fixes`` writes: its run.json
    says ``"unsafe_fixes": true`` (fixtures/README.md); otherwise ``--fix`` alone."""
    path = os.path.join(FIXTURES, case, "run.json")
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as f:
        return json.load(f).get("unsafe_fixes") is True


#: Cases whose after.py ``--fix`` alone writes (the tests that take "some golden case").
SAFE_GOLDEN = [case for case in GOLDEN if not unsafe_golden(case)]
BEFORE = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(FIXTURES, "*", "before.py")))


def read(case, name):
    with open(os.path.join(FIXTURES, case, name), encoding="utf-8", newline="") as f:
        return f.read()


def test_there_are_golden_fixtures():
    assert len(GOLDEN) >= 8


@pytest.mark.parametrize("case", GOLDEN)
def test_fix_matches_golden_after(case):
    unsafe = unsafe_golden(case)
    result = fix_source(read(case, "before.py"), "before.py", unsafe=unsafe)
    assert result.text == read(case, "after.py")
    assert result.applied
    if unsafe:
        # The case is about an unsafe fix: --fix alone must leave its result unwritten.
        assert fix_source(read(case, "before.py"), "before.py").text != result.text


@pytest.mark.parametrize("case", BEFORE)
def test_fix_round_trip_properties(case):
    before = read(case, "before.py")
    once = fix_source(before, "before.py", unsafe=True)
    ast.parse(once.text)
    assert fix_source(once.text, "before.py", unsafe=True).text == once.text, "not idempotent"
    assert not [d for d in lint_source(once.text) if d.fix is not None], "fixable findings left"
    if not once.applied:
        assert once.text == before
    # Each single fix touches only its own spans: the rest of the file is byte-identical.
    for diag in lint_source(before):
        if diag.fix is None:
            continue
        fixed = apply_edits(before, diag.fix.edits)
        edits = sorted(diag.fix.edits, key=lambda e: e.start)
        assert fixed[: edits[0].start] == before[: edits[0].start]
        tail = len(before) - edits[-1].end
        assert fixed[len(fixed) - tail :] == before[edits[-1].end :]
        ast.parse(fixed)


@pytest.mark.parametrize("case", GOLDEN)
def test_crlf_and_bom_survive_fix_file(case, tmp_path):
    before = read(case, "before.py").replace("\n", "\r\n")
    path = tmp_path / "m.py"
    path.write_bytes(b"\xef\xbb\xbf" + before.encode("utf-8"))
    os.chmod(path, 0o640)
    result = fix_file(str(path), unsafe=unsafe_golden(case))
    assert result.error is None
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8") == read(case, "after.py").replace("\n", "\r\n")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_seed_snippet1_fix_is_the_seeds_correct_pattern():
    fixed = read("seed_snippet1_override_capture", "after.py")
    tree = ast.parse(fixed)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "_call_model_fn"]
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "dense_output"]
    assert fixed == fix_source(read("seed_snippet1_override_capture", "before.py")).text


def test_unsafe_fixes_need_the_flag():
    src = (
        "import tensorflow as tf\n"
        "def model_fn(features, labels, mode):\n"
        "    global total_loss\n"
        "    logits = tf.compat.v1.layers.dense(features, 1)\n"
        "    total_loss = tf.reduce_mean(logits)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})\n"
    )
    [diag] = lint_source(src)
    assert diag.fix.applicability is Applicability.UNSAFE
    assert fix_source(src).text == src
    fixed = fix_source(src, unsafe=True).text
    assert "'total_loss': tf.reduce_mean(logits)" in fixed and "global" not in fixed


def _self_capture(value: str, pre: str = "") -> str:
    return (
        "import tensorflow as tf\n"
        "class E(tf.estimator.Estimator):\n"
        "    def __init__(self):\n"
        "        super().__init__(model_fn=self._model_fn)\n"
        "    def _model_fn(self, features, labels, mode):\n"
        "        x = tf.compat.v1.layers.dense(features['x'], 4)\n"
        f"{pre}"
        f"        self.kept = {value}\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'x': x})\n"
    )


@pytest.mark.parametrize(
    "value, why",
    [
        ("tf.group(x)", "is an Operation, not a Tensor"),
        ("tf.no_op()", "is an Operation, not a Tensor"),
        ("tf.debugging.assert_positive(x)", "is an Operation, not a Tensor"),
        ("tf.compat.v1.train.AdamOptimizer(0.1).minimize(x)", "is an Operation, not a Tensor"),
        ("tf.compat.v1.metrics.accuracy(labels, x)", "is a (value, update_op) pair"),
        ("tf.compat.v1.summary.merge_all()", "is a summary op"),
        ("tf.compat.v1.summary.histogram('h', x)", "is a summary op"),
    ],
)
def test_values_predictions_cannot_hold_are_never_moved(value, why):
    # EstimatorSpec accepts only Tensors as predictions: moving these would break every mode.
    [diag] = lint_source(_self_capture(value))
    assert diag.code == "EST102" and diag.fix is None
    assert f"(no automatic fix: `{value}` {why}" in diag.message


@pytest.mark.parametrize(
    "value",
    [
        "tf.shape(x)[0]",
        "tf.size(x)",
        "tf.rank(x)",
        "tf.compat.v1.metrics.accuracy(labels, x)[0]",
        "tf.compat.v1.assign_add(tf.compat.v1.train.get_global_step(), 1)",
        "tf.compat.v1.losses.get_total_loss()",
    ],
)
def test_values_without_a_batch_dimension_or_with_effects_are_only_unsafe_moves(value):
    # Estimator.predict slices every prediction along its first dimension; a moved update
    # would run at predict time.
    [diag] = lint_source(_self_capture(value))
    assert diag.fix is not None and diag.fix.applicability is Applicability.UNSAFE


def test_a_local_name_is_followed_to_its_value_for_fix_safety():
    [diag] = lint_source(_self_capture("op", pre="        op = tf.group(x)\n"))
    assert diag.fix is None and "`op` is an Operation" in diag.message
    [diag] = lint_source(_self_capture("probs", pre="        probs = tf.nn.softmax(x)\n"))
    assert diag.fix.applicability is Applicability.SAFE


def test_a_store_on_an_object_the_caller_passed_in_is_an_unsafe_fix():
    src = (
        "import tensorflow as tf\n"
        "def model_fn_builder(cfg):\n"
        "    def model_fn(features, labels, mode):\n"
        "        logits = tf.compat.v1.layers.dense(features['x'], 3)\n"
        "        cfg.last_logits = logits\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})\n"
        "    return model_fn\n"
    )
    # Whoever called the builder holds ``cfg`` and may read ``cfg.last_logits``.
    [diag] = lint_source(src)
    assert diag.code == "EST103" and diag.fix.applicability is Applicability.UNSAFE
    assert fix_source(src).text == src
    local = src.replace("def model_fn_builder(cfg):\n", "def model_fn_builder():\n    cfg = Config()\n")
    [diag] = lint_source(local)
    assert diag.fix.applicability is Applicability.SAFE


def test_no_fix_says_why():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def model_fn(features, labels, mode):\n"
        "    logits = tf.compat.v1.layers.dense(features, 1)\n"
        "    OUT['x'] = logits\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=logits)\n"
    )
    [diag] = lint_source(src)
    assert diag.fix is None
    assert "(no automatic fix: the PREDICT spec predicts a single tensor, not a dict" in diag.message


def test_predictions_from_a_call_in_the_spec_get_the_entry_merged_in():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def make_predictions(logits):\n"
        "    return {'logits': logits}\n"
        "def model_fn(features, labels, mode):\n"
        "    logits = tf.compat.v1.layers.dense(features, 1)\n"
        "    OUT['probs'] = tf.nn.sigmoid(logits)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={PRED})\n"
    )
    fixed = fix_source(src.replace("{PRED}", "make_predictions(logits)")).text
    assert "predictions={**make_predictions(logits), 'probs': tf.nn.sigmoid(logits)})" in fixed
    assert "OUT['probs']" not in fixed
    # A call of unknown return type may not give a mapping: only an unsafe fix.
    unknown = src.replace("{PRED}", "other(logits)")
    [diag] = lint_source(unknown)
    assert diag.fix.applicability is Applicability.UNSAFE


def test_predictions_built_another_way_get_an_assignment_after_it():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def model_fn(features, labels, mode):\n"
        "    logits = tf.compat.v1.layers.dense(features, 1)\n"
        "    OUT['emb'] = logits\n"
        "    preds = dict(logits=logits)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=preds)\n"
    )
    fixed = fix_source(src).text
    assert "    preds = dict(logits=logits)\n    preds['emb'] = logits\n" in fixed
    assert "OUT['emb']" not in fixed


def test_a_value_made_after_the_dict_is_added_where_it_is_made():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def model_fn(features, labels, mode):\n"
        "    predictions = {'x': features}\n"
        "    late = tf.nn.relu(features)\n"
        "    OUT['late'] = late\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=predictions)\n"
    )
    [diag] = lint_source(src)
    assert diag.fix.applicability is Applicability.SAFE
    assert "    late = tf.nn.relu(features)\n    predictions['late'] = late\n    return" in fix_source(src).text


def test_names_not_yet_bound_block_the_fix():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def model_fn(features, labels, mode):\n"
        "    early = {'x': features}\n"
        "    late = tf.nn.relu(features)\n"
        "    OUT['late'] = late\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'x': early['x'], 'late': late} if late else early)\n"
    )
    [diag] = lint_source(src)
    assert diag.fix is None


def test_a_capture_outside_predict_mode_is_not_predicted():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def model_fn(features, labels, mode):\n"
        "    if mode == tf.estimator.ModeKeys.PREDICT:\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'x': features})\n"
        "    loss = tf.reduce_mean(features)\n"
        "    OUT['loss'] = loss\n"
        "    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())\n"
    )
    [diag] = lint_source(src)
    assert diag.fix is None and "only runs when training or evaluating" in diag.message


def test_existing_key_with_another_value_blocks_the_fix():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def model_fn(features, labels, mode):\n"
        "    a = tf.nn.relu(features)\n"
        "    OUT['x'] = a\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'x': features})\n"
    )
    [diag] = lint_source(src)
    assert diag.fix is None and "already has a key 'x'" in diag.message


def test_override_doing_more_is_never_deleted():
    src = (
        "import tensorflow as tf\n"
        "class M(tf.estimator.Estimator):\n"
        "    def _call_model_fn(self, features, labels, mode, config):\n"
        "        spec = super()._call_model_fn(features, labels, mode, config)\n"
        "        print('built')\n"
        "        self.out = spec.predictions['y']\n"
        "        return spec\n"
    )
    diags = lint_source(src)
    est101 = [d for d in diags if d.code == "EST101"][0]
    assert est101.fix is None and "does more than delegate" in est101.message
    fixed = fix_source(src).text
    assert "print('built')" in fixed and "def _call_model_fn" in fixed and "self.out" not in fixed


def test_file_changed_on_disk_is_not_overwritten(tmp_path, monkeypatch):
    case = SAFE_GOLDEN[0]
    path = tmp_path / "m.py"
    path.write_text(read(case, "before.py"))
    import estimator_lint.fix_apply as fix_apply

    real = fix_apply.fix_source

    def racing(*args, **kwargs):
        result = real(*args, **kwargs)
        path.write_text("# edited meanwhile\n" + read(case, "before.py"))
        return result

    monkeypatch.setattr(fix_apply, "fix_source", racing)
    result = fix_apply.fix_file(str(path))
    assert "changed on disk" in result.error.message
    assert path.read_text().startswith("# edited meanwhile")


def test_symlink_is_written_through(tmp_path):
    case = SAFE_GOLDEN[0]
    target = tmp_path / "real.py"
    target.write_text(read(case, "before.py"))
    link = tmp_path / "link.py"
    link.symlink_to(target)
    assert fix_file(str(link)).error is None
    assert link.is_symlink()
    assert target.read_text() == read(case, "after.py")
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_fix_result_reports_remaining_unsafe():
    src = (
        "import tensorflow as tf\n"
        "def model_fn(features, labels, mode):\n"
        "    global total_loss\n"
        "    total_loss = tf.reduce_mean(features)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'f': features})\n"
    )
    result = fix_source(src)
    assert isinstance(result, FixResult) and not result.changed
    assert result.unsafe_available() == 1


def test_fix_reports_a_read_only_file_and_goes_on(tmp_path, capsys):
    from estimator_lint.cli import main

    case = SAFE_GOLDEN[0]
    ro, rw = tmp_path / "a_readonly.py", tmp_path / "b_writable.py"
    for p in (ro, rw):
        p.write_text(read(case, "before.py"))
    os.chmod(ro, 0o444)
    # --no-cache: the run saves no project index in the current directory (the checkout).
    code = main(["--fix", "--no-cache", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{ro}:1:1: error: not fixed: {ro} is read-only" in out
    assert ro.read_text() == read(case, "before.py")
    assert rw.read_text() == read(case, "after.py")


TUPLE_TEMPLATE = '''import tensorflow as tf


class MyEstimator(tf.estimator.Estimator):
    def __init__(self, model_dir=None):
        super().__init__(model_fn=self._model_fn, model_dir=model_dir)

    def _model_fn(self, features, labels, mode):
        hidden = tf.layers.dense(features["x"], 4)
        output = tf.layers.dense(hidden, 1)
        {line}
        return tf.estimator.EstimatorSpec(mode, predictions={{"out": output}})
'''


@pytest.mark.parametrize(
    "line, kept",
    [
        ("self.hidden, n = hidden, 3", "n = 3"),
        ("n, self.hidden = 3, hidden", "n = 3"),
        ("(self.hidden, n) = (hidden, 3)", "n = 3"),
        ("[self.hidden, n] = [hidden, 3]", "n = 3"),
        ("self.hidden, n, = hidden, 3,", "n = 3"),
        ("self.hidden, n, m = hidden, 3, 4", "n, m = 3, 4"),
        ("n, m, self.hidden = 3, 4, hidden", "n, m = 3, 4"),
        ("self.hidden, (a, b) = hidden, (1, 2)", "(a, b) = (1, 2)"),
    ],
)
def test_a_capture_inside_a_parallel_assignment_moves_alone(line, kept):
    """``self.hidden, n = hidden, 3``: the pair with the capture goes into predictions, the
    rest of the assignment stays."""
    before = TUPLE_TEMPLATE.format(line=line)
    result = fix_source(before)
    assert [d.code for d in result.remaining] == []
    expected = before.replace(line, kept).replace('{"out": output}', '{"out": output, "hidden": hidden}')
    assert result.text == expected
    assert fix_source(result.text).text == result.text  # nothing left to do


def test_two_captures_in_one_assignment_both_move():
    before = TUPLE_TEMPLATE.format(line="self.hidden, self.extra = hidden, hidden * 2")
    result = fix_source(before)
    assert len(result.applied) == 2 and result.remaining == []
    assert "self.hidden" not in result.text and "self.extra" not in result.text
    assert '{"out": output, "hidden": hidden, "extra": hidden * 2}' in result.text
    ast.parse(result.text)


def test_a_starred_parallel_assignment_is_reported_without_a_fix():
    before = TUPLE_TEMPLATE.format(line="self.hidden, *rest = hidden, 1, 2")
    (diag,) = lint_source(before)
    assert diag.fix is None and "part of a multiple assignment" in diag.message
    assert fix_source(before).text == before


def test_a_private_attribute_becomes_a_public_predictions_key():
    src = _self_capture("tf.nn.softmax(x)").replace("self.kept", "self._probs") + "est = E()\nprint(est._probs)\n"
    found = {d.code: d for d in lint_source(src)}
    assert "predict_keys=['probs']" in found["EST104"].message
    fixed = fix_source(src, unsafe=True).text  # unsafe: est._probs is read
    assert "predictions={'x': x, 'probs': tf.nn.softmax(x)}" in fixed and "self._probs =" not in fixed


def test_a_capture_in_a_helper_says_where_to_predict_it():
    src = (
        "import tensorflow as tf\n"
        "class E(tf.estimator.Estimator):\n"
        "    def __init__(self):\n"
        "        super().__init__(model_fn=self._model_fn)\n"
        "    def _model_fn(self, features, labels, mode):\n"
        "        self.layers(features)\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'x': features})\n"
        "    def layers(self, x):\n"
        "        self.hidden = tf.compat.v1.layers.dense(x, 3)\n"
    )
    [diag] = lint_source(src)
    assert diag.fix is None
    assert "(no automatic fix: `layers` is a helper of the model_fn `_model_fn`" in diag.message


# The model_fn reads the captured attribute again: the tensor becomes a local name.
LOCAL = (
    "import tensorflow as tf\n"
    "class E(tf.estimator.Estimator):\n"
    "    def __init__(self):\n"
    "        super().__init__(model_fn=self._model_fn)\n"
    "        self.logits = None\n"
    "    def _model_fn(self, features, labels, mode):\n"
    "        self.logits = tf.compat.v1.layers.dense(features['x'], 3)\n"
    "        probs = tf.nn.softmax(self.logits)\n"
    "        return tf.estimator.EstimatorSpec(mode, predictions={'probs': probs})\n"
)


def test_a_capture_the_model_fn_reads_again_becomes_a_local_name():
    [diag] = lint_source(LOCAL)
    assert diag.fix.applicability is Applicability.SAFE
    assert diag.fix.message == "Keep `logits` in a local name and move it into the PREDICT `predictions` dict"
    assert fix_source(LOCAL).text == (
        "import tensorflow as tf\n"
        "class E(tf.estimator.Estimator):\n"
        "    def __init__(self):\n"
        "        super().__init__(model_fn=self._model_fn)\n"
        "    def _model_fn(self, features, labels, mode):\n"
        "        logits = tf.compat.v1.layers.dense(features['x'], 3)\n"
        "        probs = tf.nn.softmax(logits)\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'probs': probs, 'logits': logits})\n"
    )


def test_a_predictions_entry_reading_the_capture_is_renamed_with_it():
    src = LOCAL.replace("{'probs': probs}", "{'probs': probs, 'raw': self.logits}")
    fixed = fix_source(src).text
    assert "predictions={'probs': probs, 'raw': logits})" in fixed and "self.logits" not in fixed


def test_an_operation_read_again_stays_a_local_name_and_is_not_predicted():
    src = LOCAL.replace(
        "        return tf.estimator.EstimatorSpec(mode, predictions={'probs': probs})\n",
        "        self.train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(probs)\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'probs': probs}, train_op=self.train_op)\n",
    )
    fixed = fix_source(src, unsafe=True).text
    assert "        train_op = tf.compat.v1.train.AdamOptimizer(0.1).minimize(probs)\n" in fixed
    assert "predictions={'probs': probs, 'logits': logits}, train_op=train_op)" in fixed
    ast.parse(fixed)


@pytest.mark.parametrize(
    "change, why",
    [
        (("        probs = tf.nn.softmax(self.logits)\n", "        probs = tf.nn.softmax(self.logits)\n        logits = 1\n"),
         "already uses the name `logits`"),
        (("        self.logits = tf", "        if mode:\n            self.logits = tf"), "the store is inside a block"),
        (("        self.logits = tf", "        first = self.logits\n        self.logits = tf"), "before it is stored"),
        (("        return tf.estimator", "        def later():\n            return self.logits\n        return tf.estimator"),
         "a function nested in `_model_fn` reads"),
    ],
)
def test_when_a_local_name_cannot_replace_the_capture_no_fix_says_why(change, why):
    src = LOCAL.replace(*change)
    diags = [d for d in lint_source(src) if d.code == "EST102"]
    assert diags and all(d.fix is None for d in diags)
    assert why in diags[0].message


def test_a_capture_another_graph_method_reads_is_not_renamed():
    src = LOCAL + "    def _call_model_fn(self, features, labels, mode, config):\n        return self.logits\n"
    diag = next(d for d in lint_source(src) if d.code == "EST102")
    assert diag.fix is None and "`_call_model_fn` reads `self.logits` too" in diag.message


@pytest.mark.parametrize(
    "change, why",
    [
        (("        probs = tf.nn.softmax(self.logits)\n",
          "        probs = tf.nn.softmax(self.logits)\n        self.logits = tf.compat.v1.layers.dense(probs, 3)\n"),
         "also assigns or deletes `self.logits`"),
        (("        return tf.estimator", "        del self.logits\n        return tf.estimator"),
         "also assigns or deletes `self.logits`"),
        (("        probs = tf.nn.softmax(self.logits)\n", "        probs = tf.nn.softmax(getattr(self, 'logits'))\n"),
         "names `logits` in `getattr`"),
        (("        return tf.estimator", "        import os.path as logits\n        return tf.estimator"),
         "already uses the name `logits`"),
        (("        return tf.estimator", "        global logits\n        return tf.estimator"),
         "already uses the name `logits`"),
    ],
)
def test_a_rename_that_would_change_the_program_is_not_offered(change, why):
    src = LOCAL.replace(*change)
    diags = [d for d in lint_source(src) if d.code == "EST102"]
    assert diags and all(d.fix is None for d in diags), [d.message for d in diags]
    assert why in diags[0].message


def test_an_augmented_store_after_the_capture_adds_to_the_local_name():
    # ``self.logits *= 2.0`` reads the attribute: removing the capture alone would break it.
    src = LOCAL.replace(
        "        probs = tf.nn.softmax(self.logits)\n", "        self.logits *= 2.0\n        probs = tf.nn.softmax(self.logits)\n"
    )
    [diag] = lint_source(src)
    assert diag.fix.applicability is Applicability.UNSAFE
    fixed = fix_source(src, unsafe=True).text
    assert "        logits = tf.compat.v1.layers.dense(features['x'], 3)\n        logits *= 2.0\n" in fixed
    assert "predictions={'probs': probs, 'logits': logits}" in fixed and "self.logits" not in fixed


def test_a_subclass_reading_the_capture_blocks_the_rename():
    src = LOCAL + (
        "class Child(E):\n"
        "    def _model_fn(self, features, labels, mode):\n"
        "        spec = super()._model_fn(features, labels, mode)\n"
        "        tf.compat.v1.summary.histogram('l', self.logits)\n"
        "        return spec\n"
    )
    diag = next(d for d in lint_source(src) if d.code == "EST102" and d.line == 7)
    assert diag.fix is None


@pytest.mark.parametrize(
    "pre, value, outcome",
    [
        ("", "tf.compat.v1.get_variable('w', [3, 2])", "none"),
        ("        v = tf.Variable(tf.zeros([3]))\n", "v", "none"),
        ("", "tf.gradients(x, [features['x']])", "none"),
        ("", "tf.nn.top_k(x, 1)", "none"),
        ("", "tf.split(x, 2, axis=1)", "none"),
        ("", "tf.nn.moments(x, [0])", "none"),
        ("", "tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.UPDATE_OPS)", "none"),
        ("        grp = tf.group\n", "grp(x)", "none"),
        ("        summ = tf.compat.v1.summary\n", "summ.histogram('h', x)", "none"),
        ("        v = tf.Variable(tf.zeros([3]))\n", "v.assign_add(tf.ones([3]))", "unsafe"),
        ("", "tf.cond(tf.constant(True), lambda: x, lambda: x)", "unsafe"),
        ("", "tf.constant([1.0, 2.0])", "unsafe"),
        ("", "tf.split(x, 2, axis=1)[0]", "unsafe"),
    ],
)
def test_values_that_are_no_batched_tensor(pre, value, outcome):
    [diag] = lint_source(_self_capture(value, pre=pre))
    if outcome == "none":
        assert diag.fix is None and "(no automatic fix:" in diag.message
    else:
        assert diag.fix is not None and diag.fix.applicability is Applicability.UNSAFE


@pytest.mark.parametrize(
    "binding",
    ["    c = cfg\n", "    c = args[0]\n", "    c = kwargs['cfg']\n", "    c = cfg.sub\n"],
)
def test_a_store_on_an_alias_of_what_the_caller_passed_in_is_unsafe(binding):
    src = (
        "import tensorflow as tf\n"
        "def model_fn_builder(cfg, *args, **kwargs):\n"
        f"{binding}"
        "    def model_fn(features, labels, mode):\n"
        "        logits = tf.compat.v1.layers.dense(features['x'], 3)\n"
        "        c.probs = tf.nn.softmax(logits)\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})\n"
        "    return model_fn\n"
    )
    [diag] = lint_source(src)
    assert diag.fix.applicability is Applicability.UNSAFE


@pytest.mark.parametrize(
    "asked, suggested",
    [
        ("probabilties", "probabilities"),
        ("Probabilities", "probabilities"),
        ("classIds", "class_ids"),
        ("class-ids", "class_ids"),
        ("class_id", "class_ids"),
        ("logits", None),
        ("y3", None),
    ],
)
def test_unknown_prediction_key_suggests_a_close_match_as_an_unsafe_fix(asked, suggested):
    src = (
        "import tensorflow as tf\n"
        "def model_fn(features, labels, mode):\n"
        "    logits = tf.compat.v1.layers.dense(features, 2)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'probabilities': tf.nn.softmax(logits),\n"
        "                                                         'class_ids': tf.argmax(logits, 1), 'y1': logits})\n"
        "est = tf.estimator.Estimator(model_fn=model_fn)\n"
        f"rows = [p[{asked!r}] for p in est.predict(input_fn)]\n"
    )
    [diag] = lint_source(src)
    assert diag.code == "EST105"
    if suggested is None:
        assert diag.fix is None and "did you mean" not in diag.message
        assert "(keys: 'class_ids', 'probabilities', 'y1')" in diag.message
        return
    assert diag.message.endswith(f"did you mean {suggested!r}?")
    assert diag.fix.applicability is Applicability.UNSAFE
    assert fix_source(src).text == src
    assert fix_source(src, unsafe=True).text == src.replace(f"p[{asked!r}]", f"p[{suggested!r}]")


@pytest.mark.parametrize(
    "reader, safe",
    [
        ("def show(obj, name):\n    return getattr(obj, name)\n", False),
        ("def show(obj):\n    return getattr(obj, 'probs', None)\n", False),
        ("def show(obj):\n    return getattr(obj, 'other', None)\n", True),
        ("def show(obj):\n    return vars(obj)\n", False),
        ("def show(obj):\n    return obj.__dict__\n", False),
    ],
)
def test_reflective_reads_in_the_file_make_removing_an_attribute_unsafe(reader, safe):
    src = (
        "import tensorflow as tf\n"
        "class Net(tf.estimator.Estimator):\n"
        "    def _model_fn(self, features, labels, mode):\n"
        "        logits = tf.compat.v1.layers.dense(features, 2)\n"
        "        self.probs = tf.nn.softmax(logits)\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})\n"
        + reader
    )
    [diag] = [d for d in lint_source(src) if d.code == "EST102"]
    assert diag.fix.applicability is (Applicability.SAFE if safe else Applicability.UNSAFE)


def test_globals_read_through_globals_make_the_move_unsafe():
    src = (
        "import tensorflow as tf\n"
        "probs = None\n"
        "def model_fn(features, labels, mode):\n"
        "    global probs\n"
        "    logits = tf.compat.v1.layers.dense(features, 2)\n"
        "    probs = tf.nn.softmax(logits)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})\n"
        "est = tf.estimator.Estimator(model_fn=model_fn)\n"
    )
    [diag] = lint_source(src)
    assert diag.fix.applicability is Applicability.SAFE
    [diag] = lint_source(src + "print(globals()['probs'])\n")
    assert diag.fix.applicability is Applicability.UNSAFE


def test_a_global_the_model_fn_reads_again_stays_local():
    src = (
        "import tensorflow as tf\n"
        "probs = None\n"
        "def model_fn(features, labels, mode):\n"
        "    global probs\n"
        "    logits = tf.compat.v1.layers.dense(features, 2)\n"
        "    probs = tf.nn.softmax(logits)\n"
        "    top = tf.argmax(probs, 1)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'top': top})\n"
        "est = tf.estimator.Estimator(model_fn=model_fn)\n"
    )
    fixed = fix_source(src).text
    assert "global probs" not in fixed and "    probs = tf.nn.softmax(logits)\n" in fixed
    assert "predictions={'top': top, 'probs': probs}" in fixed


def test_a_helper_capturing_its_argument_is_predicted_from_the_argument():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def _record(tensor):\n"
        "    OUT['emb'] = tensor\n"
        "def model_fn(features, labels, mode):\n"
        "    emb = tf.compat.v1.layers.dense(features, 4)\n"
        "    _record(emb)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'logits': tf.compat.v1.layers.dense(emb, 1)})\n"
        "est = tf.estimator.Estimator(model_fn=model_fn)\n"
    )
    fixed = fix_source(src).text
    assert "OUT['emb']" not in fixed and "'emb': emb}" in fixed


def test_a_helper_that_does_not_return_the_tensor_says_so():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def tower(x):\n"
        "    hidden = tf.compat.v1.layers.dense(x, 4)\n"
        "    OUT['hidden'] = hidden\n"
        "    return tf.compat.v1.layers.dense(hidden, 1)\n"
        "def model_fn(features, labels, mode):\n"
        "    logits = tower(features)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})\n"
        "est = tf.estimator.Estimator(model_fn=model_fn)\n"
    )
    [diag] = lint_source(src)
    assert diag.fix is None and "does not return the tensor" in diag.message


def test_an_entry_added_under_a_condition_other_than_the_mode_is_unsafe():
    src = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        "def model_fn(features, labels, mode):\n"
        "    predictions = {}\n"
        "    logits = tf.compat.v1.layers.dense(features, 2)\n"
        "    if labels is not None:\n"
        "        OUT['probs'] = tf.nn.softmax(logits)\n"
        "    if mode != tf.estimator.ModeKeys.TRAIN:\n"
        "        OUT['top'] = tf.argmax(logits, 1)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=predictions)\n"
        "est = tf.estimator.Estimator(model_fn=model_fn)\n"
    )
    probs, top = lint_source(src)
    assert probs.fix.applicability is Applicability.UNSAFE
    assert top.fix.applicability is Applicability.SAFE
    assert "        predictions['top'] = tf.argmax(logits, 1)\n" in fix_source(src).text


def test_rendering_does_not_trust_a_reused_object_id(monkeypatch):
    """CPython reuses the id of a freed node for a later one; an emptied ``if`` block
    recognised by id alone once deleted the PREDICT ``if`` after it (run-dependent, seen
    in CI). Make every id collide: only the block really emptied may take its ``if``."""
    from estimator_lint import fix_render

    monkeypatch.setattr(fix_render, "id", lambda obj: 0, raising=False)
    case = "fix_setattr_capture_tpu_spec"
    result = fix_source(read(case, "before.py"), "before.py")
    assert result.text == read(case, "after.py")
    assert "if mode == tf.estimator.ModeKeys.PREDICT:" in result.text


def _plans(text):
    return [d.fix.plan for d in lint_source(text, "before.py", keep_plans=True) if d.fix is not None and d.fix.plan]


def _concrete(text, whole=False, levels=None):
    from estimator_lint.fix_render import ConcreteFile

    concrete = ConcreteFile(text, levels=() if whole else levels)
    if whole:  # the last fallback: one position index and one visit of the whole module
        module = concrete.whole()
        module._spans = None
        module._index(module.module, 0)
    return concrete


def _render_both_ways(text):
    """Each plan's edits rendered piece by piece (a class body statement, else a top-level
    statement), top-level statement by statement, statement by statement of the whole
    module, and over the whole module."""
    from estimator_lint.fix_plan import NoFix

    def render(concrete, plan):
        try:
            return concrete.render(plan)
        except NoFix as exc:
            return f"NoFix: {exc}"

    ways = [_concrete(text), _concrete(text, levels=("top",)), _concrete(text, levels=()), _concrete(text, whole=True)]
    return [tuple(render(way, p) for way in ways) for p in _plans(text)]


#: A module-level container capture; its fix adds ``'logits': logits`` to the predictions.
_CONTAINER_CAPTURE = (
    "import tensorflow as tf\n"
    "CAPTURED = {}\n\n\n"
    "def my_model_fn(features, labels, mode):\n"
    "    logits = tf.layers.dense(features['x'], 3)\n"
    "    CAPTURED['logits'] = logits\n"
    "    return tf.estimator.EstimatorSpec(mode, predictions={'y': tf.argmax(logits, 1)})"
)


@pytest.mark.parametrize("case", BEFORE)
def test_rendering_only_the_touched_statements_equals_rendering_the_module(case):
    for renders in _render_both_ways(read(case, "before.py")):
        assert len(set(renders)) == 1, renders


@pytest.mark.parametrize("case", BEFORE)
def test_visiting_only_around_the_named_nodes_equals_visiting_everything(case, monkeypatch):
    """The rewrite does not descend into nodes that hold none of the plan's nodes; the
    edits are those of a visit of every node."""
    import libcst as cst

    from estimator_lint import fix_render

    text = read(case, "before.py")
    focused = _render_both_ways(text)
    visits = []
    monkeypatch.setattr(
        fix_render.Rewriter, "on_visit", lambda self, node: visits.append(node) or cst.CSTTransformer.on_visit(self, node)
    )
    assert _render_both_ways(text) == focused
    assert visits or not focused


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("trailing", [True, False])
def test_a_fix_in_the_last_statement_keeps_the_files_last_line_ending(ending, trailing):
    text = _CONTAINER_CAPTURE.replace("\n", ending) + (ending if trailing else "")
    (plan,) = _plans(text)
    for way in (_concrete(text), _concrete(text, levels=()), _concrete(text, whole=True)):
        fixed = apply_edits(text, way.render(plan))
        assert fixed.endswith("'logits': logits})" + (ending if trailing else ""))
    assert fix_source(text, "before.py").text == fixed


#: A method capture in the last statement of a class at the end of the file, a comment
#: block after the method inside the class: rendered as the method alone.
_METHOD_CAPTURE = (
    "import tensorflow as tf\n\n\n"
    "def build():\n"
    "    return tf.estimator.Estimator(model_fn=Model().model_fn)\n\n\n"
    "class Model:\n"
    "    # the model\n"
    "    def model_fn(self, features, labels, mode):\n"
    "        logits = tf.layers.dense(features['x'], 3)\n"
    "        self.logits = logits  # kept\n"
    "        return tf.estimator.EstimatorSpec(mode, predictions={'y': tf.argmax(logits, 1)})\n"
    "    # trailing comment of the class"
)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("trailing", [True, False])
def test_a_method_rendered_alone_keeps_the_files_lines(ending, trailing):
    text = _METHOD_CAPTURE.replace("\n", ending) + (ending if trailing else "")
    (plan,) = _plans(text)
    renders = [
        _concrete(text, levels=levels).render(plan) for levels in (("member",), ("top",), ())
    ] + [_concrete(text, whole=True).render(plan)]
    assert len(set(renders)) == 1
    alone = _concrete(text)
    assert alone.render(plan) == renders[0] and alone._whole is None  # the module was never parsed
    assert [key for key in alone._parsed] == [("member", 0)]  # the method only
    fixed = apply_edits(text, renders[0])
    assert "self.logits" not in fixed and "'logits': logits" in fixed
    assert fixed.endswith("# trailing comment of the class" + (ending if trailing else ""))
    assert fix_source(text, "before.py").text == fixed


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("trailing", [True, False])
def test_statement_rendering_keeps_line_endings_and_a_missing_last_newline(ending, trailing):
    text = ("# header comment\n" + _CONTAINER_CAPTURE + "\n# footer comment").replace("\n", ending) + (
        ending if trailing else ""
    )
    # (Over the whole module, libcst drops the last "\r" of a file with "\r" endings.)
    pairs = _render_both_ways(text)
    assert len(pairs) == 1 and isinstance(pairs[0][0], tuple)
    fixed = apply_edits(text, pairs[0][0])
    assert len(fixed.split(ending)) == len(text.split(ending)) - 1  # one line less: the capture
    assert fixed.endswith("# footer comment" + (ending if trailing else ""))
    result = fix_source(text, "before.py")
    assert result.applied and "CAPTURED[" not in result.text and "'logits': logits" in result.text
    assert result.text.endswith(ending) == trailing
    assert ending * 2 in result.text or ending == "\n"  # untouched blank lines keep their ending
    ast.parse(result.text)


@pytest.mark.parametrize("case", BEFORE[:8])
def test_positions_asked_of_the_provider_equal_the_resolvers(case):
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from estimator_lint.fix_render import _positions

    module = cst.parse_module(read(case, "before.py"))
    fast = _positions(MetadataWrapper(module, unsafe_skip_copy=True))
    resolved = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert len(fast) > 50 and dict(fast) == dict(resolved)


@pytest.mark.parametrize("case", BEFORE[:12])
def test_parent_map_equals_iter_child_nodes(case):
    """The planner's parent map (field tables) is ``ast.iter_child_nodes``'s, but for the
    shared ``Load``/``Store``/operator singletons, which have no one parent."""
    from estimator_lint.analysis.scopes import parent_map

    tree = ast.parse(read(case, "before.py"))
    nodes = list(ast.walk(tree))
    expected = {
        id(child): node
        for node in nodes
        for child in ast.iter_child_nodes(node)
        if not isinstance(child, (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop))
    }
    assert parent_map(nodes) == expected and len(expected) > 20


_SINGLETONS = (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)
_DEEP = "x = " + " + ".join(["a"] * 40) + "\nif a:\n    pass\nelif b < c:\n    y = -d\n" * 3


@pytest.mark.parametrize("case", BEFORE[:12] + [None])
def test_walk_nodes_is_ast_walk_without_singletons(case):
    """The analysis's walk visits what ``ast.walk`` does, in its (breadth-first) order, but
    for the shared context and operator singletons."""
    from estimator_lint.analysis.scopes import walk_nodes

    tree = ast.parse(read(case, "before.py") if case else _DEEP)
    for node in [tree, *tree.body]:
        expected = [n for n in ast.walk(node) if not isinstance(n, _SINGLETONS)]
        found = walk_nodes(node)
        assert len(found) == len(expected) and all(a is b for a, b in zip(found, expected))


def _scope_nodes(node, top=True):
    """Pre-order nodes of a body as the scope walk defines them (reference: recursion)."""
    if isinstance(node, _SINGLETONS):
        return []
    found = [node]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        inner = [*node.decorator_list, *node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]
    elif isinstance(node, ast.ClassDef):
        inner = [*node.decorator_list, *node.bases]
    elif isinstance(node, ast.Lambda):
        inner = []
    else:
        inner = list(ast.iter_child_nodes(node))
    for child in inner:
        found += _scope_nodes(child)
    return found


@pytest.mark.parametrize("case", BEFORE[:12] + [None])
def test_scan_body_visits_each_scope_node_once(case):
    """The scope walk lists every node of a body once, nested scopes' insides excepted
    (their decorators, defaults and bases run in the body's scope), and no singleton."""
    from estimator_lint.analysis.scopes import scan_body

    tree = ast.parse(read(case, "before.py") if case else _DEEP + "d = {**a, 'k': -b}\nglobal g\n")
    bodies = [tree.body] + [n.body for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    for body in bodies:
        expected = [n for stmt in body for n in _scope_nodes(stmt)]
        found = scan_body(body).nodes
        assert sorted(map(id, found)) == sorted(map(id, expected)) and len(found) == len(expected)
        assert [n for n in found if isinstance(n, ast.stmt)] == [n for n in expected if isinstance(n, ast.stmt)]


@pytest.mark.parametrize(
    "source",
    [
        _DEEP, "x", "-x", "a < b", "pass", "", "def f():\n    return vars(a).b.__dict__\n",
        "def f(*, a, b=1):\n    global g\n    return {**a, 'k': b}\n", "global g\n",
    ],
)
def test_nesting_depth_and_reflective_reads_count_as_ast_walk_does(source):
    """The fix guard's depth counts the singletons' level below their node (as ``ast.walk``
    does), and the reflective reads come in ``ast.walk``'s order."""
    from estimator_lint.analysis.model import FileModel

    tree = ast.parse(source)
    depth, level = 0, [tree]
    while level:
        depth, level = depth + 1, [c for n in level for c in ast.iter_child_nodes(n)]
    model = FileModel(tree)
    reflective = [
        n for n in ast.walk(tree)
        if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("getattr", "hasattr", "vars", "globals", "locals"))
        or (isinstance(n, ast.Attribute) and n.attr == "__dict__" and isinstance(n.ctx, ast.Load))
    ]
    assert model.nesting_depth() == depth
    assert model.reflective_nodes() == reflective


def test_removing_an_override_renders_its_class_not_the_module():
    """The EST101 fix removes a method: its piece goes, so the class around it (a top-level
    piece) is rendered, as the whole module would render it; the module is never parsed."""
    text = read("seed_snippet1_override_capture", "before.py")
    plans = _plans(text)
    assert any(plan.remove and any(ref[0] == "function" for ref in plan.remove) for plan in plans)
    concrete = _concrete(text)
    assert [concrete.render(p) for p in plans] == [_concrete(text, whole=True).render(p) for p in plans]
    assert concrete._whole is None and any(level == "top" for level, _ in concrete._parsed)


@pytest.mark.parametrize("fixing", [False, True])
def test_rendering_places_pieces_with_the_tree_the_lint_parsed(monkeypatch, fixing):
    """Rendering edits (a json run, ``--fix``) reuses the ``ast`` the lint parsed to cut the
    file into pieces: the text is parsed once (by the lint); the renderer parses only the
    rewritten texts, to check them."""
    from estimator_lint import fix_render
    from estimator_lint.settings import Settings

    text = read("seed_snippet1_override_capture", "before.py")
    real_parse = ast.parse
    parsed_texts = []

    def counting(source, *args, **kwargs):
        parsed_texts.append(source)
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(fix_render.ast, "parse", counting)
    if fixing:
        assert fix_source(text, "before.py").applied
    else:
        assert any(d.fix is not None and d.fix.edits for d in lint_source(text, "before.py", Settings(fix_edits=True)))
    assert parsed_texts.count(text) == 1 and len(parsed_texts) > 1
