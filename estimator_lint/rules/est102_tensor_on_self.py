"""EST102 tensor-on-self."""

from __future__ import annotations

from typing import Iterator

from estimator_lint.diagnostics import Diagnostic
from estimator_lint.rules.base import INPUT_FN_NO_FIX, Invalid, Rule, RuleContext, input_fn_message


class TensorOnSelf(Rule):
    """
    ## What it does
    Checks for graph tensors stored on `self` inside an `Estimator` subclass or inside a
    method passed as a `model_fn` (`Estimator(model_fn=self.model_fn)`, or from another
    module of the project: `net = Net(); Estimator(model_fn=net.model_fn)`, or
    `Estimator(model_fn=Net().model_fn)`): plain, augmented,
    annotated and tuple assignments, `setattr(self, ...)` (with a literal name, or one
    computed at run time: `setattr(self, head + "_output", t)`), and
    `self.outputs[...] = t` / `self.outputs.append(t)`. The same holds for an input_fn's
    `self` (see EST103): a dataset iterator or tensor it keeps on its object.

    Graph values are the `features` and `labels` of a model_fn, results of TensorFlow and
    Keras operations (resolved through imports), `super()._call_model_fn(...)` and
    `EstimatorSpec(...)` with their attributes and items, and anything computed from those.
    Configuration objects (layers, optimizers, feature columns, `RunConfig`, dtypes) and
    plain Python values are not. Outside a model_fn (in `__init__`, say) only explicit
    tensor makers such as `tf.constant` or `tf.Variable` count.

    ## Why is this bad?
    An Estimator builds a new graph for every `train`, `evaluate` and `predict` call and
    discards it afterwards. A tensor kept on `self` is a symbolic tensor of a graph that
    is gone: it has no value (`.numpy()` raises `AttributeError`), a new `Session` cannot
    run it ("The Session graph is empty"), and the next call builds a different one.

    ## Example
    ```python
    class MyEstimator(tf.estimator.Estimator):
        def _call_model_fn(self, features, labels, mode, config):
            model_ops = super()._call_model_fn(features, labels, mode, config)
            self.dense_output = model_ops.predictions["output"]
            return model_ops
    ```

    ## Use instead
    Return the tensor in the `predictions` of the PREDICT-mode `EstimatorSpec` and read
    it through `estimator.predict(...)` (metrics through `evaluate()`):
    ```python
    predictions = {"output": output, "dense_output": dense}
    return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    ```

    ## Fix safety
    Stores under a computed name and stores in input_fns are never fixed. The fix moves
    the tensor into the `predictions` dict under the attribute's name and removes the
    capture and its `self.x = None` placeholder. It is safe for per-example
    values derived from `features`; it is unsafe when the value may be a scalar (a loss,
    a reduction, a metric's value, `tf.size`: predictions need the batch dimension),
    changes state, when the attribute is read elsewhere (another module, `getattr`,
    `vars()`, `__dict__`), for tuple unpacking and for `+=`. Operations (`tf.group`,
    `optimizer.minimize(...)`), metric pairs and summary ops are never moved: `predictions`
    holds only Tensors. When the model_fn reads the attribute again after storing it, the
    fix keeps the tensor in a local name instead (`self.logits = t` -> `logits = t`, later
    `self.logits` -> `logits`) and predicts that. The entry goes into the PREDICT spec's
    dict (one shared by several specs too), or as `predictions['key'] = value` where the
    value is made; a helper's capture is predicted where the model_fn receives the tensor
    (see docs/fixes.md). A value that makes variables (a layer) is not moved past another
    one, nor into a PREDICT-only block (its variables would be renamed and a checkpoint
    would no longer restore): it stays as a local name the predictions read.
    """

    code = "EST102"
    name = "tensor-on-self"
    summary = "Graph tensor stored on `self`"

    VALID = (
        "import tensorflow as tf\n"
        "class MyEstimator(tf.estimator.Estimator):\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        super().__init__(*args, **kwargs)\n"
        "        self.dense_output = None\n"
        "        self.dtype = tf.float32\n"
        "        self.optimizer = tf.compat.v1.train.AdamOptimizer(0.01)\n",
        "import tensorflow as tf\n"
        "class Hook(tf.estimator.SessionRunHook):\n"
        "    def begin(self):\n"
        "        self.step = tf.compat.v1.train.get_global_step()\n",
    )
    INVALID = (
        Invalid(
            "import tensorflow as tf\n"
            "class MyEstimator(tf.estimator.Estimator):\n"
            "    def _call_model_fn(self, features, labels, mode, config):\n"
            "        model_ops = super()._call_model_fn(features, labels, mode, config)\n"
            "        self.dense_output = model_ops.predictions['output']\n"
            "        return model_ops\n",
            [(3, 5), (5, 9)],
            fixed=(
                "import tensorflow as tf\n"
                "class MyEstimator(tf.estimator.Estimator):\n"
                "    pass\n"
            ),
        ),
        Invalid(
            "import tensorflow as tf\n"
            "class Model:\n"
            "    def model_fn(self, features, labels, mode):\n"
            "        self.logits = tf.compat.v1.layers.dense(features, 1)\n"
            "    def build(self):\n"
            "        return tf.estimator.Estimator(model_fn=self.model_fn)\n",
            [(4, 9)],
            fixed=None,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "\n"
            "\n"
            "class Model:\n"
            "    def model_fn(self, features, labels, mode):\n"
            '        logits = tf.compat.v1.layers.dense(features["x"], 1)\n'
            "        self.hidden = tf.nn.relu(logits)\n"
            '        predictions = {"logits": logits}\n'
            "        return tf.estimator.EstimatorSpec(mode, predictions=predictions)\n"
            "\n"
            "    def build(self):\n"
            "        return tf.estimator.Estimator(model_fn=self.model_fn)\n",
            [(7, 9)],
            fixed=(
                "import tensorflow as tf\n"
                "\n"
                "\n"
                "class Model:\n"
                "    def model_fn(self, features, labels, mode):\n"
                '        logits = tf.compat.v1.layers.dense(features["x"], 1)\n'
                '        predictions = {"logits": logits, "hidden": tf.nn.relu(logits)}\n'
                "        return tf.estimator.EstimatorSpec(mode, predictions=predictions)\n"
                "\n"
                "    def build(self):\n"
                "        return tf.estimator.Estimator(model_fn=self.model_fn)\n"
            ),
        ),
        # A method of an instance built in the argument; a layer stays where it is made
        # (moved into the PREDICT block, its variables would get other names).
        Invalid(
            "import tensorflow as tf\n"
            "\n"
            "\n"
            "class Net:\n"
            "    def model_fn(self, features, labels, mode):\n"
            '        hidden = tf.compat.v1.layers.dense(features["x"], 4)\n'
            "        self.logits = tf.compat.v1.layers.dense(hidden, 2)\n"
            "        if mode == tf.estimator.ModeKeys.PREDICT:\n"
            '            return tf.estimator.EstimatorSpec(mode, predictions={"hidden": hidden})\n'
            "        loss = tf.reduce_mean(hidden)\n"
            "        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())\n"
            "\n"
            "\n"
            "estimator = tf.estimator.Estimator(model_fn=Net().model_fn)\n",
            [(7, 9)],
            fixed=(
                "import tensorflow as tf\n"
                "\n"
                "\n"
                "class Net:\n"
                "    def model_fn(self, features, labels, mode):\n"
                '        hidden = tf.compat.v1.layers.dense(features["x"], 4)\n'
                "        logits = tf.compat.v1.layers.dense(hidden, 2)\n"
                "        if mode == tf.estimator.ModeKeys.PREDICT:\n"
                '            return tf.estimator.EstimatorSpec(mode, predictions={"hidden": hidden, "logits": logits})\n'
                "        loss = tf.reduce_mean(hidden)\n"
                "        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.no_op())\n"
                "\n"
                "\n"
                "estimator = tf.estimator.Estimator(model_fn=Net().model_fn)\n"
            ),
        ),
        Invalid(
            "import tensorflow as tf\n"
            "\n"
            "\n"
            "class Model:\n"
            "    def network(self, features, labels, mode, params):\n"
            '        self.probs = tf.nn.softmax(features["x"])\n'
            '        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions={"x": features["x"]})\n'
            "\n"
            "\n"
            "estimator = tf.compat.v1.estimator.tpu.TPUEstimator(model_fn=Model().network, use_tpu=False)\n",
            [(6, 9)],
            fixed=(
                "import tensorflow as tf\n"
                "\n"
                "\n"
                "class Model:\n"
                "    def network(self, features, labels, mode, params):\n"
                '        return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, predictions={"x": features["x"], "probs": tf.nn.softmax(features["x"])})\n'
                "\n"
                "\n"
                "estimator = tf.compat.v1.estimator.tpu.TPUEstimator(model_fn=Model().network, use_tpu=False)\n"
            ),
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for store in ctx.model.stores:
            if store.how != "self":
                continue
            where = f"`{store.function.qualname}`"
            if store.model_fn is not None and store.model_fn is not store.function:
                where += f" (called from model_fn `{store.model_fn.qualname}`)"
            receiver = store.function.self_name or "self"  # ``def _model_fn(me, ...)``: ``me.x``
            input_fn = ctx.model.input_fn_of(store.model_fn)
            if input_fn is not None:
                yield ctx.diagnostic(
                    self.code, store.node, input_fn_message(f"`{receiver}.{store.name}`", store.function.qualname, input_fn),
                    None, INPUT_FN_NO_FIX,
                )
                continue
            if store.computed:
                yield ctx.diagnostic(
                    self.code,
                    store.node,
                    f"Graph tensor stored on `{receiver}` under the computed name `{store.name}` "
                    f"(`setattr({receiver}, {store.name}, ...)`) in {where}: it belongs to a graph that is "
                    f"discarded after the call; return it in the PREDICT EstimatorSpec's `predictions` "
                    f"(under that key) and read it with `estimator.predict()`",
                    None,
                    "the attribute name is computed at run time",
                )
                continue
            message = (
                f"Graph tensor stored on `{receiver}.{store.name}` in {where}: it belongs to a graph that is "
                f"discarded after the call; return it in the PREDICT EstimatorSpec's `predictions` "
                f"and read it with `estimator.predict()`"
            )
            # The capture fix EST102 and EST103 share (fix_plan.FixPlanner.capture_fix):
            # the tensor moves into the PREDICT predictions, or into a local name they read.
            fix, reason = ctx.plan_fix(lambda planner, s: planner.capture_fix(s), store)
            yield ctx.diagnostic(self.code, store.node, message, fix, reason)
