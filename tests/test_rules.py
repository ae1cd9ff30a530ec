"""Rule behaviour: each rule's own VALID/INVALID examples, import spellings, traps."""

import os
import subprocess
import sys
import textwrap

import pytest

import estimator_lint.rules
from estimator_lint.rules import ALL_RULES, REGISTRY, RULE_CODES, select_rules, selected_codes
from helpers import codes, lint, triples


def _examples(kind):
    for rule in ALL_RULES:
        for i, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind.lower()}-{i}")


@pytest.mark.parametrize("rule,example", list(_examples("VALID")))
def test_valid_examples_are_silent(rule, example):
    assert rule.code not in codes(example, **rule.example_settings())


@pytest.mark.parametrize("rule,example", list(_examples("INVALID")))
def test_invalid_examples_are_flagged_where_documented(rule, example):
    diagnostics = triples(lint(example.code, **rule.example_settings()))
    # ``expected`` lists the (row, col) of every finding the example produces, in order.
    assert [(row, col) for row, col, _ in diagnostics] == list(example.expected)
    assert rule.code in [code for _, _, code in diagnostics]


@pytest.mark.parametrize("rule,example", list(_examples("INVALID")))
def test_invalid_examples_are_fixed_as_stated(rule, example):
    """Each INVALID example states its fix (Fixit's ``expected_replacement``): the code
    after ``--fix --unsafe-fixes``, or None when the rule offers none for it."""
    from estimator_lint.fix_apply import fix_source
    from estimator_lint.rules.base import UNSTATED
    from estimator_lint.settings import Settings

    assert example.fixed != UNSTATED, f"{rule.code}: an INVALID example must state its fix (or fixed=None)"
    result = fix_source(example.code, "example.py", Settings(**rule.example_settings()), unsafe=True)
    if example.fixed is None:
        assert result.text == example.code and not result.applied
    else:
        assert result.applied and result.text == example.fixed


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_documentation_has_every_section(rule):
    doc = rule.documentation()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in doc, f"{rule.code} lacks {heading}"
    assert rule.name and rule.code.startswith("EST")


OVERRIDE_BODY = """
    def _call_model_fn(self, features, labels, mode, config):
        return None
"""

SPELLINGS = {
    "tf.estimator": "import tensorflow as tf\nclass M(tf.estimator.Estimator):",
    "tf.compat.v1.estimator": "import tensorflow as tf\nclass M(tf.compat.v1.estimator.Estimator):",
    "tf.compat.v2.estimator": "import tensorflow as tf\nclass M(tf.compat.v2.estimator.Estimator):",
    "compat.v1 alias": "import tensorflow.compat.v1 as tf\nclass M(tf.estimator.Estimator):",
    "compat.v2 alias": "import tensorflow.compat.v2 as tf\nclass M(tf.estimator.Estimator):",
    "from compat import v1": "from tensorflow.compat import v1 as tf\nclass M(tf.estimator.Estimator):",
    "from-import alias": "from tensorflow.estimator import Estimator as E\nclass M(E):",
    "from tensorflow import estimator": "from tensorflow import estimator\nclass M(estimator.Estimator):",
    "tensorflow_estimator Estimator": "from tensorflow_estimator.python.estimator.estimator import Estimator\nclass M(Estimator):",
    "tensorflow_estimator EstimatorV2": "import tensorflow_estimator.python.estimator.estimator as est\nclass M(est.EstimatorV2):",
    "estimator_lib": "from tensorflow_estimator.python.estimator import estimator as estimator_lib\nclass M(estimator_lib.Estimator):",
    "tf1 estimator_lib": "from tensorflow.python.estimator import estimator as estimator_lib\nclass M(estimator_lib.Estimator):",
    "tf1 python.estimator": "import tensorflow.python.estimator.estimator\nclass M(tensorflow.python.estimator.estimator.Estimator):",
    "tensorflow_estimator top": "import tensorflow_estimator as tfe\nclass M(tfe.estimator.Estimator):",
    "module alias assignment": "import tensorflow as tf\ntf1 = tf.compat.v1\nclass M(tf1.estimator.Estimator):",
    "class alias assignment": "import tensorflow as tf\nBase = tf.estimator.Estimator\nclass M(Base):",
    "try/except import": "try:\n    import tensorflow.compat.v1 as tf\nexcept ImportError:\n    import tensorflow as tf\nclass M(tf.estimator.Estimator):",
    "star import": "from tensorflow.estimator import *\nclass M(Estimator):",
    "canned DNNClassifier": "import tensorflow as tf\nclass M(tf.estimator.DNNClassifier):",
    "canned LinearRegressor v1": "import tensorflow as tf\nclass M(tf.compat.v1.estimator.LinearRegressor):",
    "canned DNNLinearCombined": "import tensorflow as tf\nclass M(tf.estimator.DNNLinearCombinedEstimator):",
    "canned BoostedTrees": "import tensorflow as tf\nclass M(tf.estimator.BoostedTreesClassifier):",
    "canned Baseline": "import tensorflow as tf\nclass M(tf.estimator.BaselineRegressor):",
    "canned module V2": "from tensorflow_estimator.python.estimator.canned import dnn\nclass M(dnn.DNNClassifierV2):",
    "canned module V1": "from tensorflow_estimator.python.estimator.canned import linear\nclass M(linear.LinearClassifier):",
    "TPUEstimator compat.v1": "import tensorflow as tf\nclass M(tf.compat.v1.estimator.tpu.TPUEstimator):",
    "TPUEstimator contrib": "import tensorflow as tf\nclass M(tf.contrib.tpu.TPUEstimator):",
    "TPUEstimator module": "from tensorflow_estimator.python.estimator.tpu import tpu_estimator\nclass M(tpu_estimator.TPUEstimator):",
    "experimental RNN": "import tensorflow as tf\nclass M(tf.estimator.experimental.RNNClassifier):",
    "in-function import": "def f():\n    import tensorflow as tf\n    class M(tf.estimator.Estimator):",
}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_estimator_spellings_are_recognised(spelling):
    head = SPELLINGS[spelling]
    indent = "    " if "def f" in head else ""
    source = head + "\n" + textwrap.indent(OVERRIDE_BODY, indent)
    assert codes(source) == ["EST101"], source


def test_transitive_subclass_in_same_file():
    source = (
        "import tensorflow as tf\n"
        "class A(tf.estimator.Estimator):\n    pass\n"
        "class B(A):\n    pass\n"
        "class C(B):\n    def train(self, input_fn):\n        pass\n"
    )
    diags = lint(source)
    assert triples(diags) == [(7, 5, "EST101")]
    assert "C -> B -> A -> tf.estimator.Estimator" in diags[0].message


NOT_ESTIMATORS = {
    "sklearn": "from sklearn.base import BaseEstimator as Estimator\nclass M(Estimator):",
    "own class": "class Estimator:\n    pass\nclass M(Estimator):",
    "unrelated module": "from mylib.estimator import Estimator\nclass M(Estimator):",
    "keras model": "import tensorflow as tf\nclass M(tf.keras.Model):",
    "tf hook": "import tensorflow as tf\nclass M(tf.estimator.SessionRunHook):",
    "bare name": "class M(Estimator):",
}


@pytest.mark.parametrize("name", sorted(NOT_ESTIMATORS))
def test_classes_merely_named_estimator_are_not_estimators(name):
    source = NOT_ESTIMATORS[name] + "\n" + OVERRIDE_BODY
    assert codes(source) == []


def test_tpu_estimator_named_class_is_exempt_like_in_tensorflow():
    source = "import tensorflow as tf\nclass TPUEstimator(tf.estimator.Estimator):\n" + OVERRIDE_BODY
    assert codes(source) == []


def test_allowed_overrides_are_silent():
    source = (
        "import tensorflow as tf\n"
        "class M(tf.estimator.Estimator):\n"
        "    def model_fn(self):\n        pass\n"
        "    def latest_checkpoint(self):\n        pass\n"
        "    def _create_and_assert_global_step(self, graph):\n        pass\n"
        "    _estimator_api_names = ('x',)\n"
        "    def my_helper(self):\n        pass\n"
    )
    assert codes(source) == []


def test_class_level_assignments_and_properties_are_overrides():
    source = (
        "import tensorflow as tf\n"
        "class M(tf.estimator.Estimator):\n"
        "    params = {}\n"
        "    @property\n"
        "    def config(self):\n        return None\n"
        "    predict = staticmethod(lambda: None)\n"
    )
    assert triples(lint(source)) == [(3, 5, "EST101"), (5, 5, "EST101"), (7, 5, "EST101")]


# -- EST102 / EST103 traps and graph-value classification -----------------------------------


def model_fn_module(body, header="import tensorflow.compat.v1 as tf\nOUT = {}\n"):
    return header + "def model_fn(features, labels, mode, params):\n" + textwrap.indent(textwrap.dedent(body), "    ")


@pytest.mark.parametrize(
    "value",
    [
        "tf.layers.dense(features['x'], 1)",
        "features['x'] * 2",
        "labels",
        "tf.reduce_mean(features['x'])",
        "tf.estimator.EstimatorSpec(mode, predictions={})",
        "[tf.nn.relu(features['x'])]",
        "tf.keras.layers.Dense(3)(features['x'])",
        "tf.train.get_global_step()",
        "tf.feature_column.input_layer(features, [])",
        "tf.shape(features['x'])[0]",
    ],
)
def test_graph_values_leaking_are_reported(value):
    assert codes(model_fn_module(f"OUT['k'] = {value}\n")) == ["EST103"]


@pytest.mark.parametrize(
    "value",
    [
        "mode",
        "params['batch_size']",
        "features['x'].shape",
        "features['x'].dtype",
        "tf.float32",
        "tf.estimator.ModeKeys.TRAIN",
        "tf.keras.layers.Dense(3)",
        "tf.train.AdamOptimizer(0.1)",
        "tf.estimator.RunConfig()",
        "tf.feature_column.numeric_column('x')",
        "tf.glorot_uniform_initializer()",
        "len(features)",
        "str(features['x'])",
        "'{}'.format(features['x'])",
        "tf.train.LoggingTensorHook({'x': features['x']}, every_n_iter=1)",
        "features['x'].shape.as_list()",
        "isinstance(labels, dict)",
        "None",
        "3",
    ],
)
def test_python_values_and_config_objects_are_not_graph_values(value):
    assert codes(model_fn_module(f"OUT['k'] = {value}\n")) == []


def test_outside_model_fn_only_explicit_tensor_makers_count():
    source = (
        "import tensorflow as tf\n"
        "class M(tf.estimator.Estimator):\n"
        "    def __init__(self, *a, **kw):\n"
        "        super().__init__(*a, **kw)\n"
        "        self.a = None\n"
        "        self.b = tf.float32\n"
        "        self.c = tf.nn.relu\n"
        "        self.d = tf.compat.v1.placeholder(tf.float32)\n"
        "        self.e = tf.zeros([3])\n"
        "        self.f = tf.random.normal([3])\n"
        "        self.g = tf.Variable(1.0)\n"
        "        self.h = [tf.estimator.RunConfig()]\n"
    )
    assert triples(lint(source)) == [(8, 9, "EST102"), (9, 9, "EST102"), (10, 9, "EST102"), (11, 9, "EST102")]


def test_seed_capture_through_super_call_model_fn():
    source = (
        "import tensorflow as tf\n"
        "class Base(tf.estimator.Estimator):\n"
        "    pass\n"
        "class M(Base):\n"
        "    def _call_model_fn(self, features, labels, mode, config):\n"
        "        ops = super(M, self)._call_model_fn(features, labels, mode, config)\n"
        "        self.loss = ops.loss\n"
        "        self.mode = ops.mode\n"
        "        return ops\n"
    )
    assert triples(lint(source)) == [(5, 5, "EST101"), (7, 9, "EST102")]


def test_model_fn_passed_positionally_and_through_partial_and_lambda():
    source = (
        "import functools\n"
        "import tensorflow as tf\n"
        "G = []\n"
        "def a(features, labels, mode, params):\n    G.append(features)\n"
        "def b(features, labels, mode, params, extra):\n    G.append(features)\n"
        "def c(f, l, m):\n    G.append(tf.nn.relu(f))\n"
        "tf.estimator.Estimator(a)\n"
        "tf.estimator.Estimator(model_fn=functools.partial(b, extra=1))\n"
        "tf.estimator.Estimator(model_fn=lambda features, labels, mode: c(features, labels, mode))\n"
    )
    assert triples(lint(source)) == [(5, 5, "EST103"), (7, 5, "EST103"), (9, 5, "EST103")]


def test_nonlocal_bound_in_builder_escapes_but_not_inside_model_fn():
    source = (
        "import tensorflow as tf\n"
        "def build_model_fn():\n"
        "    saved = None\n"
        "    def model_fn(features, labels, mode):\n"
        "        nonlocal saved\n"
        "        saved = tf.nn.relu(features)\n"
        "        inner = None\n"
        "        def helper():\n"
        "            nonlocal inner\n"
        "            inner = tf.nn.relu(features)\n"
        "        helper()\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'x': inner})\n"
        "    return model_fn\n"
    )
    assert triples(lint(source)) == [(6, 9, "EST103")]


def test_method_passed_as_model_fn_in_non_estimator_class():
    source = (
        "import tensorflow as tf\n"
        "class Trainer:\n"
        "    def __init__(self):\n"
        "        self.estimator = tf.estimator.Estimator(model_fn=self.build)\n"
        "    def build(self, features, labels, mode):\n"
        "        self.logits = tf.compat.v1.layers.dense(features, 1)\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'logits': self.logits})\n"
        "    def show(self):\n"
        "        return self.logits\n"
    )
    assert triples(lint(source)) == [(6, 9, "EST102"), (9, 16, "EST104")]


def test_per_call_objects_built_in_model_fn_keep_tensors_silently():
    source = (
        "import tensorflow as tf\n"
        "class Tower:\n"
        "    def __init__(self, x):\n"
        "        self.out = tf.compat.v1.layers.dense(x, 1)\n"
        "def model_fn(features, labels, mode):\n"
        "    tower = Tower(features)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'out': tower.out})\n"
    )
    assert codes(source) == []


def test_registry_lists_every_rule_module_under_its_own_code():
    # The registry (read without importing the rules) must agree with the rule classes.
    assert [rule.code for rule in ALL_RULES] == list(RULE_CODES) == sorted(RULE_CODES)
    for code, (module, cls) in REGISTRY.items():
        assert module.startswith(code.lower() + "_") and getattr(ALL_RULES[RULE_CODES.index(code)], "__name__") == cls
    modules = {name[:-3] for name in os.listdir(os.path.dirname(estimator_lint.rules.__file__)) if name.startswith("est")}
    assert modules == {module for module, _ in REGISTRY.values()}


def test_reading_rule_codes_does_not_import_the_rules_or_the_analysis(tmp_path):
    code = (
        "import sys\n"
        "from estimator_lint.rules import RULE_CODES, selected_codes\n"
        "print(selected_codes(['EST10'], ['EST103']))\n"
        "print(sorted(m for m in sys.modules if m.startswith('estimator_lint.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert out.splitlines() == ["('EST101', 'EST102', 'EST104', 'EST105', 'EST106')", "['estimator_lint.rules']"]


def test_select_and_ignore_by_prefix():
    selected = [r.code for r in select_rules(["EST"], ["EST10"])]
    assert selected == []
    assert [r.code for r in select_rules(["EST10"], ["EST103"])] == ["EST101", "EST102", "EST104", "EST105", "EST106"]
    assert [r.code for r in select_rules(["EST104"], ["EST1"])] == ["EST104"]
    assert selected_codes(["EST104"], ["EST1"]) == ("EST104",) and selected_codes(["EST1"], ["EST1"]) == ()


def test_noqa_suppresses_by_code_and_blanket():
    source = model_fn_module(
        "OUT['a'] = features  # noqa\n"
        "OUT['b'] = features  # noqa: EST103\n"
        "OUT['c'] = features  # noqa: EST102\n"
        "OUT['d'] = features  # NOQA:EST101,EST103\n"
    )
    assert triples(lint(source)) == [(6, 5, "EST103")]
    assert len(lint(source, respect_noqa=False)) == 4


def test_non_ascii_columns_are_characters():
    source = model_fn_module("é = 1; OUT['k'] = features\n")
    assert triples(lint(source)) == [(4, 12, "EST103")]


# --------------------------------------------------------------------------------------
# EST105: predict_keys as Estimator._extract_keys reads them (`k in predict_keys` for each
# key `k` of the model_fn; ValueError only when none is left) -- fixtures/predict_keys_selection
# runs the same cases under TensorFlow.
# --------------------------------------------------------------------------------------

PREDICTING = (
    "import tensorflow as tf\n"
    "def model_fn(features, labels, mode):\n"
    "    logits = tf.compat.v1.layers.dense(features, 3)\n"
    "    return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits, 'probs': tf.nn.softmax(logits)})\n"
    "est = tf.estimator.Estimator(model_fn=model_fn)\n"
)


def _est105(code):
    return [(d.line - 5, d.message) for d in lint(PREDICTING + code) if d.code == "EST105"]


def test_predict_keys_that_select_nothing_raise_value_error():
    [(_, first), (_, second)] = _est105("list(est.predict(None, predict_keys=['classes', 'ids']))\n")
    assert "'classes' is not in the PREDICT predictions" in first and "raises `ValueError: Expected" in first
    assert "'ids'" in second


def test_an_unknown_key_among_known_ones_is_dropped_silently():
    [(_, message)] = _est105("list(est.predict(None, predict_keys=['logits', 'classes']))\n")
    assert "'classes' is not in the PREDICT predictions" in message
    assert "drops it from predict_keys silently" in message and "ValueError" not in message


def test_a_string_predict_keys_selects_the_keys_it_contains():
    assert _est105("list(est.predict(None, predict_keys='probs_and_logits'))\n") == []
    assert _est105("list(est.predict(None, predict_keys='probs'))\n") == []
    [(_, message)] = _est105("list(est.predict(None, predict_keys='prob'))\n")
    assert message.startswith("predict_keys='prob' names none of") and "ValueError" in message


def test_predict_keys_narrow_what_each_prediction_holds():
    found = _est105(
        "for p in est.predict(None, predict_keys=['logits']):\n"
        "    p['logits'], p['probs']\n"
        "for p in est.predict(None, predict_keys='probs'):\n"
        "    p['probs']\n"
    )
    assert [(line, "`predict_keys=['logits']` selects" in m) for line, m in found] == [(2, True)]


def test_predict_keys_that_are_not_literal_keep_every_key():
    assert _est105("for p in est.predict(None, predict_keys=KEYS):\n    p['probs']\n") == []
    [(_, message)] = _est105("list(est.predict(None, predict_keys=['nope', extra]))\n")
    assert "drops it" in message  # ``extra`` may select something: no claim of a ValueError


@pytest.mark.parametrize(
    "code",
    [
        "list(est.predict(None))[0]['nope']\n",
        "for p in list(est.predict(None)):\n    p['nope']\n",
        "preds = list(est.predict(None))\npreds[1]['nope']\n",
        "preds = tuple(est.predict(None))\nfirst = preds[0]\nfirst['nope']\n",
        "first = next(iter(est.predict(None)))\nfirst['nope']\n",
    ],
)
def test_predictions_collected_in_a_list_are_predictions_too(code):
    [(_, message)] = _est105(code)
    assert "'nope' is not in the PREDICT predictions" in message and "KeyError" in message


def test_slices_and_rebinding_end_the_tracking():
    assert _est105("preds = list(est.predict(None))\npreds[1:]['x']\n") == []
    assert _est105("preds = list(est.predict(None))\npreds = other()\npreds[0]['nope']\n") == []


def test_a_member_aliased_to_the_estimators_own_is_no_override():
    source = (
        "import tensorflow as tf\n"
        "from tensorflow.estimator import Estimator\n"
        "class A(tf.estimator.Estimator):\n"
        "    predict = tf.estimator.Estimator.predict\n"
        "    train = Estimator.train\n"
        "    evaluate = Estimator.train\n"
    )
    assert [(row, code) for row, _, code in triples(lint(source))] == [(6, "EST101")]


def test_a_module_level_estimator_is_seen_inside_functions():
    found = _est105(
        "def show():\n"
        "    for p in est.predict(None):\n"
        "        p['nope']\n"
        "def shadowed(est):\n"
        "    next(est.predict(None))['nope']\n"
    )
    assert [line for line, _ in found] == [3]
    # Bound twice at module level: which one a function sees is not known.
    assert _est105("est = other()\ndef show():\n    next(est.predict(None))['nope']\n") == []


@pytest.mark.parametrize(
    "code",
    [
        # ``if not predict_keys: return predictions``: an empty selection is every key.
        "for p in est.predict(None, predict_keys=''):\n    p['logits']\n",
        "for p in est.predict(None, predict_keys=[]):\n    p['logits']\n",
        # A tested or assigned key is no KeyError.
        "for p in est.predict(None):\n    if 'nope' in p:\n        print(p['nope'])\n",
        "for p in est.predict(None):\n    p['nope'] = 1\n    print(p['nope'])\n",
        # Bound again to an Estimator whose keys are unknown.
        "est = tf.estimator.Estimator(model_fn=imported_model_fn)\nfor p in est.predict(None):\n    p['nope']\n",
    ],
)
def test_reads_that_do_not_fail_under_tensorflow_are_silent(code):
    assert _est105(code) == []


def test_the_message_names_the_instance_parameter_as_written():
    source = (
        "import tensorflow as tf\n"
        "class E(tf.estimator.Estimator):\n"
        "    def __init__(me):\n"
        "        super().__init__(model_fn=me._model_fn)\n"
        "    def _model_fn(me, features, labels, mode):\n"
        "        me.logits = tf.compat.v1.layers.dense(features['x'], 3)\n"
        "        return tf.estimator.EstimatorSpec(mode, predictions={'x': features['x']})\n"
    )
    [diag] = lint(source)
    assert diag.message.startswith("Graph tensor stored on `me.logits` in `E._model_fn`")


# -- recall on unseen code --------------------------------------------------------------


def test_intermediate_base_message_agrees_with_the_number_of_subclasses():
    base = "import tensorflow as tf\nclass Base(tf.estimator.Estimator):\n    def train(self, input_fn):\n        pass\n"
    [one] = lint(base + "class Child(Base):\n    pass\n")
    assert "so `Child` silently runs this override" in one.message
    [two] = lint(base + "class A(Base):\n    pass\nclass B(Base):\n    pass\n")
    assert "so `A` and `B` silently run this override" in two.message


GUARD_BYPASSES = {
    "self.__class__": "        self.__class__._assert_members_are_not_overridden = lambda _: None\n",
    "type(self)": "        type(self)._assert_members_are_not_overridden = lambda _: None\n",
    "setattr": "        setattr(self.__class__, '_assert_members_are_not_overridden', lambda _: None)\n",
}


@pytest.mark.parametrize("spelling", sorted(GUARD_BYPASSES))
def test_guard_bypass_through_the_instance_covers_its_class_only(spelling):
    source = (
        "import tensorflow as tf\n"
        "class Quiet(tf.estimator.Estimator):\n"
        "    def __init__(self, model_fn):\n"
        + GUARD_BYPASSES[spelling]
        + "        super().__init__(model_fn)\n"
        "    def train(self, input_fn):\n"
        "        pass\n"
        "class Loud(tf.estimator.Estimator):\n"
        "    def train(self, input_fn):\n"
        "        pass\n"
    )
    patch, quiet, loud = lint(source)
    assert (patch.line, quiet.line, loud.line) == (4, 6, 9)
    assert "for `Quiet` and its subclasses" in patch.message
    assert "disabled by the patch of" in quiet.message and "raises" not in quiet.message
    assert "raises `ValueError" in loud.message


def test_a_guard_set_on_the_instance_or_outside_an_estimator_is_no_bypass():
    source = (
        "import tensorflow as tf\n"
        "class Strict(tf.estimator.Estimator):\n"
        "    def __init__(self, model_fn):\n"
        "        self._assert_members_are_not_overridden = lambda: None\n"
        "        super().__init__(model_fn)\n"
        "class Plain:\n"
        "    def __init__(self):\n"
        "        self.__class__._assert_members_are_not_overridden = None\n"
    )
    assert lint(source) == []


@pytest.mark.parametrize(
    "statement",
    [
        "tf.estimator.Estimator._call_model_fn = wrapped",
        "Estimator.train = wrapped",
        "setattr(Estimator, 'evaluate', wrapped)",
        "tf.estimator.DNNClassifier.predict = wrapped",
    ],
)
def test_members_patched_on_tensorflows_class_change_every_estimator(statement):
    source = "import tensorflow as tf\nfrom tensorflow.estimator import Estimator\nwrapped = None\n" + statement + "\n"
    [diag] = lint(source)
    assert diag.code == "EST101" and diag.line == 4
    assert "changes every `" in diag.message and "in the process" in diag.message


@pytest.mark.parametrize(
    "statement",
    [
        "tf.estimator.Estimator.project_tag = 'x'",  # not a member
        "Mine.train = wrapped",  # not TensorFlow's class
        "def restore():\n    Estimator.train = wrapped",  # not at module level
    ],
)
def test_other_class_attribute_assignments_are_not_member_patches(statement):
    source = (
        "import tensorflow as tf\nfrom tensorflow.estimator import Estimator\nwrapped = None\n"
        "class Mine:\n    def train(self):\n        pass\n" + statement + "\n"
    )
    assert lint(source) == []


def test_computed_setattr_names_are_reported_without_a_fix():
    source = (
        "import tensorflow as tf\n"
        "class E(tf.estimator.Estimator):\n"
        "    def _call_model_fn(self, features, labels, mode, config):\n"
        "        spec = super()._call_model_fn(features, labels, mode, config)\n"
        "        for head in ('a', 'b'):\n"
        "            setattr(self, head + '_output', spec.predictions[head])\n"
        "            setattr(self, head + '_count', 1)\n"
        "        return spec\n"
        "est = E(model_fn=None)\n"
        "print(est.a_output)\n"
    )
    override, store = lint(source)
    assert (override.code, store.code, store.line) == ("EST101", "EST102", 6)
    assert "`head + '_output'`" in store.message and store.fix is None
    assert override.fix is None  # removing the override would drop the computed stores


@pytest.mark.parametrize(
    "definition, call",
    [
        ("def input_fn(self):", "est.train(input_fn=self.input_fn)"),
        ("def make(self):", "est.evaluate(self.make, steps=1)"),
        ("def make(self):", "tf.estimator.TrainSpec(self.make)"),
        ("def train_input_fn(self, params):", ""),
        ("def input_fn(self, mode):", ""),
    ],
)
def test_input_fns_keeping_iterators_on_self(definition, call):
    source = (
        "import tensorflow as tf\n"
        "class Data:\n"
        f"    {definition}\n"
        "        ds = tf.data.Dataset.range(3)\n"
        "        self.it = tf.compat.v1.data.make_one_shot_iterator(ds)\n"
        "        self.count = 1\n"
        "        return self.it.get_next()\n"
        "    def run(self):\n"
        "        est = tf.estimator.Estimator(model_fn=None)\n"
        f"        {call or 'pass'}\n"
    )
    [diag] = lint(source)
    assert (diag.code, diag.line) == ("EST102", 5)
    assert "escapes input_fn `Data." in diag.message and diag.fix is None


def test_functions_not_used_or_named_as_input_fns_keep_their_values():
    source = (
        "import tensorflow as tf\n"
        "class Data:\n"
        "    def input_fn(self):\n"  # named, but neither params nor mode, and not passed
        "        self.it = tf.compat.v1.data.make_one_shot_iterator(tf.data.Dataset.range(3))\n"
        "    def run(self, model, x):\n"
        "        model.predict(x)\n"  # data, not an in-file function
    )
    assert lint(source) == []


@pytest.mark.parametrize(
    "signature, found",
    [
        ("mode, features, labels, params", True),
        ("labels, features, mode", True),
        ("mode, features, labels=None, hparams=None", True),
        ("hparams, features, mode", False),  # TensorFlow would not pass hparams
        ("mode, params", False),  # no features
    ],
)
def test_model_fns_are_recognised_by_tensorflows_parameter_names(signature, found):
    source = (
        "import tensorflow as tf\n"
        "OUT = {}\n"
        f"def model_fn({signature}):\n"
        "    OUT['x'] = tf.compat.v1.layers.dense(features['x'] if 'features' in dir() else None, 1)\n"
    )
    source = source.replace("features['x'] if 'features' in dir() else None", "features" if "features" in signature else "None")
    assert codes(source) == (["EST103"] if found else [])
