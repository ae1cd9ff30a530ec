"""Checkpoint safety of moved captures: a value that may make variables (a layer, a layer
object's call, ``tf.get_variable``, an unknown call) is not moved past another call that may
make variables, nor into a block that runs only when predicting: the variables' default names
(``dense/kernel`` vs ``dense_1/kernel``) follow the order they are made in, and a checkpoint
written before the fix would no longer restore (or restore into the wrong layers)."""

import ast

import pytest

from estimator_lint.diagnostics import Applicability
from estimator_lint.engine import lint_source
from estimator_lint.fix_apply import fix_source
from estimator_lint import tfapi


def _model(capture: str, between: str = "", predict_guard: bool = True, extra: str = "") -> str:
    spec = "tf.estimator.EstimatorSpec(mode, predictions={'aux': aux}, loss=tf.reduce_mean(aux), train_op=tf.no_op())"
    body = (
        "import tensorflow.compat.v1 as tf\n"
        "OUT = []\n"
        "class Net:\n"
        "    def model_fn(self, features, labels, mode):\n"
        f"{extra}"
        "        net = tf.layers.dense(features['x'], 8)\n"
        f"        {capture}\n"
        f"        aux = {between or 'tf.nn.relu(net)'}\n"
    )
    if predict_guard:
        body += (
            "        if mode == tf.estimator.ModeKeys.PREDICT:\n"
            "            return tf.estimator.EstimatorSpec(mode, predictions={'aux': aux})\n"
            "        return tf.estimator.EstimatorSpec(mode, loss=tf.reduce_mean(aux), train_op=tf.no_op())\n"
        )
    else:
        body += f"        return {spec}\n"
    return body + "net_obj = Net()\nestimator = tf.estimator.Estimator(model_fn=net_obj.model_fn)\n"


def _fix(src):
    [diag] = [d for d in lint_source(src) if d.code in ("EST102", "EST103")]
    return diag, fix_source(src, unsafe=True).text


@pytest.mark.parametrize(
    "value",
    [
        "tf.layers.dense(net, 3)",
        "tf.keras.layers.Dense(3)(net)",
        "tf.get_variable('w', [8, 3]) * 1.0",
        "self.head(net)",
        "build_head(net)",
    ],
)
def test_a_value_that_makes_variables_moved_past_another_maker_stays_as_a_local_name(value):
    src = _model(f"self.logits = {value}", between="tf.layers.dense(net, 2)", predict_guard=False)
    diag, fixed = _fix(src)
    assert diag.fix.applicability is Applicability.SAFE
    assert f"        logits = {value}\n" in fixed
    assert "predictions={'aux': aux, 'logits': logits}" in fixed
    # The layers are made in the same order as before the fix.
    assert fixed.index("logits = ") < fixed.index("aux = tf.layers.dense(net, 2)")
    assert fix_source(src).text == fixed


def test_a_layer_is_not_moved_into_a_block_that_runs_only_when_predicting():
    # No other layer in between, but training would no longer make the layer's variables.
    diag, fixed = _fix(_model("self.logits = tf.layers.dense(net, 3)"))
    assert diag.fix.applicability is Applicability.SAFE
    assert "        logits = tf.layers.dense(net, 3)\n" in fixed
    assert "predictions={'aux': aux, 'logits': logits}" in fixed


@pytest.mark.parametrize("value", ["tf.nn.softmax(net)", "tf.argmax(net, 1)", "net * 2.0 + 1.0", "tf.cast(net, tf.int32)"])
def test_a_plain_op_still_moves(value):
    src = _model(f"self.out = {value}", between="tf.layers.dense(net, 2)")
    diag, fixed = _fix(src)
    assert diag.fix.applicability is Applicability.SAFE
    assert f"'out': {value}" in fixed and "out = " not in fixed


def test_a_layer_with_nothing_in_between_still_moves():
    src = _model("self.logits = tf.layers.dense(net, 3)", predict_guard=False)
    diag, fixed = _fix(src)
    assert diag.fix.applicability is Applicability.SAFE
    assert "'logits': tf.layers.dense(net, 3)" in fixed


def test_when_no_local_name_can_hold_it_the_move_is_unsafe_with_the_reason():
    # ``logits`` is taken in the model_fn: the value cannot stay as ``logits = ...``.
    src = _model("self.logits = tf.layers.dense(net, 3)", between="tf.layers.dense(net, 2)",
                 predict_guard=False, extra="        logits = None\n")
    diag, fixed = _fix(src)
    assert diag.fix.applicability is Applicability.UNSAFE
    assert "makes variables" in diag.fix.message and "checkpoint" in diag.fix.message
    assert fix_source(src).text == src


def test_a_container_call_of_a_layer_is_an_unsafe_move():
    src = _model("OUT.append(tf.layers.dense(net, 3))", between="tf.layers.dense(net, 2)", predict_guard=False)
    diag, fixed = _fix(src)
    assert diag.fix.applicability is Applicability.UNSAFE
    assert "makes variables" in diag.fix.message
    ast.parse(fixed)


def test_a_duplicate_layer_already_predicted_is_not_dropped():
    # Two calls of tf.layers.dense make two layers: removing the capture would drop one.
    src = _model("self.logits = tf.layers.dense(net, 3)", predict_guard=False).replace(
        "predictions={'aux': aux}", "predictions={'aux': aux, 'l': tf.layers.dense(net, 3)}"
    )
    diag, fixed = _fix(src)
    assert fixed.count("tf.layers.dense(net, 3)") == 2


@pytest.mark.parametrize(
    "qualname, makes",
    [
        ("tensorflow.compat.v1.layers.dense", True),
        ("tensorflow.keras.layers.Dense", True),
        ("tensorflow.compat.v1.get_variable", True),
        ("tensorflow.Variable", True),
        ("tensorflow.compat.v1.metrics.accuracy", True),
        (None, True),
        ("numpy.mean", True),
        ("tensorflow.nn.softmax", False),
        ("tensorflow.math.argmax", False),
        ("tensorflow.estimator.EstimatorSpec", False),
        ("len", False),
    ],
)
def test_tf_fact_calls_that_may_make_variables(qualname, makes):
    assert tfapi.may_make_variables(qualname) is makes
