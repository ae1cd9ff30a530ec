"""EST104 captured-tensor-read."""

from __future__ import annotations

from typing import Iterator

from estimator_lint.analysis.model import prediction_key
from estimator_lint.diagnostics import Diagnostic
from estimator_lint.rules.base import Invalid, Rule, RuleContext


class CapturedTensorRead(Rule):
    """
    ## What it does
    Checks, outside any model_fn, for reads of an attribute that EST102 found holding a
    captured graph tensor: `estimator.dense_output`, `self.dense_output` in another
    method, `sess.run(estimator.logits)`. The receiver is a name bound to a call of the
    capturing class, or of a class inheriting the capture (`est = WideRegressor()` where a
    base captures), annotated with one (`def f(est: WideRegressor)`), or built by a function
    annotated to return one; the classes may live in other modules of the project.

    ## Why is this bad?
    The attribute holds a symbolic tensor of a graph the Estimator has already discarded
    (or `None`, before the first call). It is not a value: `.numpy()` raises
    `AttributeError` and a new `Session` cannot run it.

    ## Example
    ```python
    estimator.train(input_fn, steps=100)
    print(estimator.dense_output)
    ```

    ## Use instead
    ```python
    for prediction in estimator.predict(input_fn, predict_keys=["dense_output"]):
        print(prediction["dense_output"])
    ```

    ## Fix safety
    Never fixed automatically: a tensor and the numpy values `predict()` yields are
    different things, so the reading code needs a human.
    """

    code = "EST104"
    name = "captured-tensor-read"
    summary = "Read of a captured graph tensor"

    VALID = (
        "import tensorflow as tf\n"
        "class MyEstimator(tf.estimator.Estimator):\n"
        "    pass\n"
        "est = MyEstimator(model_fn=None)\n"
        "print(est.model_dir)\n",
    )
    INVALID = (
        Invalid(
            "import tensorflow as tf\n"
            "class MyEstimator(tf.estimator.Estimator):\n"
            "    def _call_model_fn(self, features, labels, mode, config):\n"
            "        spec = super()._call_model_fn(features, labels, mode, config)\n"
            "        self.out = spec.predictions['output']\n"
            "        return spec\n"
            "est = MyEstimator(model_fn=None)\n"
            "print(est.out)\n",
            [(3, 5), (5, 9), (8, 7)],
            fixed=(
                "import tensorflow as tf\n"
                "class MyEstimator(tf.estimator.Estimator):\n"
                "    pass\n"
                "est = MyEstimator(model_fn=None)\n"
                "print(est.out)\n"
            ),
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        for read in ctx.model.reads:
            attr = read.node.attr
            key = read.store.key if read.store is not None and read.store.key else prediction_key(attr)
            message = (
                f"`{read.receiver}.{attr}` reads a graph tensor captured in `{read.where}`: "
                f"it is a symbolic tensor of a discarded graph, not a value; add it to the PREDICT "
                f"`predictions` and read it with `estimator.predict(input_fn, predict_keys=['{key}'])` "
                f"(metrics with `evaluate()`)"
            )
            yield ctx.diagnostic(self.code, read.node, message)
