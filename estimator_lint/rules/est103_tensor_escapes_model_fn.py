"""EST103 tensor-escapes-model-fn."""

from __future__ import annotations

from typing import Iterator

from estimator_lint.diagnostics import Diagnostic
from estimator_lint.rules.base import INPUT_FN_NO_FIX, Invalid, Rule, RuleContext, input_fn_message


class TensorEscapesModelFn(Rule):
    """
    ## What it does
    Checks for graph tensors that a `model_fn` stores where they outlive the call: a
    `global` or `nonlocal` name bound outside the model_fn, or an object that lives
    outside it (`OUTER.append(t)`, `OUTER[k] = t`, `OUTER.update(...)`, `obj.attr = t`).

    A model_fn is a function passed as `model_fn=` (or as an Estimator's first argument),
    a function returned by a `*model_fn*` builder, a function named `model_fn` or
    `*_model_fn` taking `features` first, or taking `features` with `mode` or `labels`
    in any order and nothing else TensorFlow would not pass by name
    (`def model_fn(self, mode, features, labels, params)`), an override of an Estimator
    graph-building method, and the in-file helpers these call.

    input_fns are checked the same way: functions passed as `input_fn=` or first to
    `train`/`evaluate`/`predict`/`TrainSpec`/`EvalSpec`, and functions named `input_fn`
    or `*_input_fn` taking `params` or `mode`. The Estimator calls them inside each graph
    it builds, so a dataset iterator or tensor they keep outside (or on their object's
    `self`, EST102) belongs to a discarded graph; reused, TensorFlow refuses it ("must be
    from the same graph"). These are never fixed automatically.

    ## Why is this bad?
    The Estimator calls the model_fn once per `train`/`evaluate`/`predict` call, in a new
    graph that it discards afterwards. A tensor that escapes is a symbolic tensor of that
    dead graph: reading it later gives no value, and running it in another session fails.

    Containers created inside the model_fn, `tf.compat.v1.add_to_collection`, hooks and
    Python values (counters, strings, the `mode`) are fine.

    ## Example
    ```python
    CAPTURED = {}

    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        CAPTURED["logits"] = logits
        ...
    ```

    ## Use instead
    ```python
    def model_fn(features, labels, mode, params):
        logits = tf.compat.v1.layers.dense(features["x"], 1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
        ...
    ```

    ## Fix safety
    The fix moves the tensor into the PREDICT `predictions` dict under the name used
    (`global logits_out` -> `'logits_out'`, `OUTER['emb']` -> `'emb'`) and removes the
    store. Safe for per-example values; unsafe for values that may be scalars or change
    state, and for stores on an object the caller handed in (`def builder(cfg)`: the
    caller may read `cfg.logits`), or that other code may read (`globals()`, `getattr`).
    A `global` the model_fn reads again stays a local name and is predicted. Operations,
    metric pairs and summary ops are never moved.
    """

    code = "EST103"
    name = "tensor-escapes-model-fn"
    summary = "Graph tensor escapes the model_fn"

    VALID = (
        "import tensorflow as tf\n"
        "calls = [0]\n"
        "def model_fn(features, labels, mode, params):\n"
        "    calls[0] += 1\n"
        "    outputs = []\n"
        "    outputs.append(tf.compat.v1.layers.dense(features, 1))\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'y': outputs[0]})\n",
        "import tensorflow as tf\n"
        "def model_fn(features, labels, mode, params):\n"
        "    total = None\n"
        "    def add(t):\n"
        "        nonlocal total\n"
        "        total = t\n"
        "    add(features['x'] * 2)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'y': total})\n",
    )
    INVALID = (
        Invalid(
            "import tensorflow as tf\n"
            "logits_out = None\n"
            "def my_model_fn(features, labels, mode, params):\n"
            "    global logits_out\n"
            "    logits_out = tf.compat.v1.layers.dense(features, 1)\n",
            [(5, 5)],
            fixed=None,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "OUTER = []\n"
            "def build(features, labels, mode):\n"
            "    OUTER.append(tf.compat.v1.layers.dense(features, 1))\n"
            "est = tf.estimator.Estimator(model_fn=build)\n",
            [(4, 5)],
            fixed=None,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "\n"
            "captured = {}\n"
            "\n"
            "\n"
            "def model_fn(features, labels, mode):\n"
            '    logits = tf.compat.v1.layers.dense(features["x"], 1)\n'
            '    captured["probs"] = tf.sigmoid(logits)\n'
            '    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})\n',
            [(8, 5)],
            fixed=(
                "import tensorflow as tf\n"
                "\n"
                "captured = {}\n"
                "\n"
                "\n"
                "def model_fn(features, labels, mode):\n"
                '    logits = tf.compat.v1.layers.dense(features["x"], 1)\n'
                '    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits, "probs": tf.sigmoid(logits)})\n'
            ),
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for store in ctx.model.stores:
            if store.how == "self":
                continue
            model_fn = store.model_fn.qualname if store.model_fn is not None else store.function.qualname
            caller = ctx.model.contexts[store.model_fn].called_from if store.model_fn in ctx.model.contexts else None
            where = f"`{model_fn}`"
            if caller is not None:
                where = f"`{caller.qualname}` (through its helper `{model_fn}`)"
            how = {
                "global": f"global `{store.name}`",
                "nonlocal": f"nonlocal `{store.name}` bound outside it",
                "item": f"`{store.name}`, which lives outside it",
                "attribute": f"`{store.name}`, which lives outside it",
                "call": f"`{store.name}`, which lives outside it",
            }[store.how]
            input_fn = ctx.model.input_fn_of(store.model_fn)
            if input_fn is not None:
                yield ctx.diagnostic(
                    self.code, store.node, input_fn_message(how, store.function.qualname, input_fn), None, INPUT_FN_NO_FIX
                )
                continue
            message = (
                f"Graph tensor escapes model_fn {where} into {how}: it belongs to a graph that is "
                f"discarded after the call; return it in the PREDICT EstimatorSpec's `predictions` "
                f"and read it with `estimator.predict()`"
            )
            # The capture fix EST102 and EST103 share (fix_plan.FixPlanner.capture_fix):
            # the tensor moves into the PREDICT predictions, or into a local name they read.
            fix, reason = ctx.plan_fix(lambda planner, s: planner.capture_fix(s), store)
            yield ctx.diagnostic(self.code, store.node, message, fix, reason)
