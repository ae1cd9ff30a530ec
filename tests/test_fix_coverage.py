"""Fix coverage on model_fns in the shapes real code captures tensors in
(``tests/fix_coverage_cases.py``): each finding gets the fix the case states, every fix
gives a program that parses and has no capture left, and no fix always says why."""

import ast

import pytest

from estimator_lint.diagnostics import Applicability
from estimator_lint.engine import lint_source
from estimator_lint.fix_apply import fix_source
from fix_coverage_cases import CASES

CAPTURES = ("EST102", "EST103")


def _kind(diag):
    return "none" if diag.fix is None else diag.fix.applicability.value


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_finding_gets_the_stated_fix(name):
    source, expected = CASES[name]
    found = {(d.line, d.code): _kind(d) for d in lint_source(source, f"{name}.py")}
    assert found == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_finding_without_a_fix_says_why(name):
    source, _ = CASES[name]
    for diag in lint_source(source, f"{name}.py"):
        if diag.fix is None:
            assert diag.no_fix_reason and f"(no automatic fix: {diag.no_fix_reason})" in diag.message


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixing_leaves_a_program_without_captures(name):
    source, expected = CASES[name]
    fixed = fix_source(source, f"{name}.py", unsafe=True).text
    ast.parse(fixed)
    assert fix_source(fixed, f"{name}.py", unsafe=True).text == fixed
    left = [(d.line, d.code) for d in lint_source(fixed, f"{name}.py") if d.code in CAPTURES]
    assert len(left) == sum(kind == "none" for (_, code), kind in expected.items() if code in CAPTURES)
    safe_only = fix_source(source, f"{name}.py").text
    if not any(kind == "safe" for kind in expected.values()):
        assert safe_only == source


def test_coverage_of_captures_is_at_least_nine_in_ten():
    counts = {code: [0, 0] for code in CAPTURES}
    for name, (source, _) in CASES.items():
        for diag in lint_source(source, f"{name}.py"):
            if diag.code in counts:
                counts[diag.code][0] += diag.fix is not None
                counts[diag.code][1] += 1
    for code, (fixed, total) in counts.items():
        assert fixed / total >= 0.9, (code, fixed, total)


def test_removing_a_capture_that_a_later_augmented_store_reads_is_never_safe():
    # ``self.score += logits`` reads ``self.score``: removing only ``self.score = t``
    # would raise AttributeError when the graph is built.
    source, _ = CASES["self_augmented_assigned_before"]
    fixed = fix_source(source, unsafe=True).text
    assert "score = tf.nn.softmax(logits)\n        score += logits\n" in fixed
    assert "predictions={\"logits\": logits, \"score\": score}" in fixed
    assert fix_source(source).text == source


def test_extend_moves_the_one_tensor_never_the_list():
    source, _ = CASES["list_extend"]
    fixed = fix_source(source).text
    assert '"TENSORS": tf.nn.softmax(logits)}' in fixed and "[tf.nn.softmax" not in fixed
    several = source.replace("TENSORS.extend([tf.nn.softmax(logits)])", "TENSORS.extend([logits, logits])")
    [diag] = lint_source(several)
    assert diag.fix is None and "stores each item of `[logits, logits]`" in diag.message


@pytest.mark.parametrize("value", ["[logits]", "(logits, logits)", "{'a': logits}"])
def test_a_container_value_is_never_moved_into_predictions(value):
    source, _ = CASES["registry_item"]
    [diag] = lint_source(source.replace("tf.nn.softmax(logits)", value))
    assert diag.fix is None and "not a Tensor: `predictions` cannot hold it" in diag.message


def test_a_nonlocal_read_again_stays_a_local_name():
    source, _ = CASES["nonlocal_builder"]
    read_again = source.replace('        hidden_out = hidden\n', '        hidden_out = hidden\n        hidden = tf.nn.relu(hidden_out)\n')
    [diag] = lint_source(read_again)
    fixed = fix_source(read_again).text
    assert "nonlocal" not in fixed and "hidden_out = hidden\n" in fixed and '"hidden_out": hidden_out' in fixed


def test_a_helper_capture_of_a_layer_is_not_recomputed_in_the_model_fn():
    source = (
        "import tensorflow as tf\n"
        "CACHE = {}\n"
        "def _tower(x):\n"
        "    CACHE['t'] = tf.compat.v1.layers.dense(x, 3)\n"
        "def model_fn(features, labels, mode):\n"
        "    _tower(features)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'x': features})\n"
    )
    [diag] = lint_source(source)
    assert diag.fix is None and "`_tower` is a helper of the model_fn `model_fn`" in diag.message


def test_a_helper_capture_over_its_arguments_is_predicted_with_the_arguments():
    source, _ = CASES["helper_no_return"]
    [diag] = lint_source(source)
    assert diag.fix.applicability is Applicability.SAFE
    fixed = fix_source(source).text
    assert '"probs": tf.nn.softmax(logits)}' in fixed and 'CACHE["probs"]' not in fixed
