"""Behaviour that a mutation run found unguarded or guarded by one test only.

Each test here fails on a specific change to the product (named in its docstring); they go
through the public entry points (``lint_source``, the CLI, ``fix_file``) so that they hold
however the code behind them is arranged.
"""

import os
import textwrap

import pytest

from estimator_lint.cli import main
from helpers import codes, lint, triples

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
