"""EST105 unknown-prediction-key."""

from __future__ import annotations

import ast
import re
from typing import Dict, Iterator, Optional, Set, Tuple

from estimator_lint import tfapi
from estimator_lint.analysis.model import FileModel, prediction_keys
from estimator_lint.analysis.scopes import FunctionInfo
from estimator_lint.diagnostics import Diagnostic
from estimator_lint.rules.base import Invalid, Rule, RuleContext


class UnknownPredictionKey(Rule):
    """
    ## What it does
    Checks `estimator.predict(..., predict_keys=[...])` and `prediction["key"]` on the
    items `estimator.predict(...)` yields, when the Estimator's model_fn and the keys of
    its PREDICT `predictions` dict are statically known (a dict literal in the model_fn),
    for keys the model_fn never predicts. The Estimator may be `tf.estimator.Estimator`
    itself or a subclass whose constructor hands the caller's `model_fn` on
    (`super().__init__(*args, **kwargs)`) or always passes its own
    (`model_fn=self._model_fn`). The model_fn or the subclass may live in another module of
    the project (imported directly or through a package's re-export): the command line
    learns their keys in the project index, which the flake8 plugin reads once saved.

    ## Why is this bad?
    `predict()` yields exactly the keys of the PREDICT `EstimatorSpec`'s `predictions`.
    Asking for another one fails at run time, after the graph was built and the checkpoint
    restored: `ValueError: Expected to run at least one output from dict_keys([...]),
    provided [...]` for `predict_keys`, `KeyError` when indexing a prediction. A typo, or a
    tensor someone meant to add to `predictions` (see EST102) and never did.

    ## Example
    ```python
    def model_fn(features, labels, mode):
        ...
        return tf.estimator.EstimatorSpec(mode, predictions={"output": output})

    estimator = tf.estimator.Estimator(model_fn=model_fn)
    for prediction in estimator.predict(input_fn):
        print(prediction["dense_output"])
    ```

    ## Use instead
    ```python
        return tf.estimator.EstimatorSpec(mode, predictions={"output": output, "dense_output": dense})
    ```

    ## Fix safety
    Not fixed automatically: which tensor the key should name is the author's decision.
    The rule is silent whenever the keys are not statically known.
    """

    code = "EST105"
    name = "unknown-prediction-key"
    summary = "Prediction key the model_fn does not predict"

    VALID = (
        "import tensorflow as tf\n"
        "def model_fn(features, labels, mode):\n"
        "    preds = make(features)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions=preds)\n"
        "est = tf.estimator.Estimator(model_fn=model_fn)\n"
        "for p in est.predict(None):\n"
        "    p['anything']\n",
    )
    INVALID = (
        Invalid(
            "import tensorflow as tf\n"
            "def model_fn(features, labels, mode):\n"
            "    return tf.estimator.EstimatorSpec(mode, predictions={'output': features})\n"
            "est = tf.estimator.Estimator(model_fn=model_fn)\n"
            "list(est.predict(None, predict_keys=['output', 'logits']))\n"
            "for p in est.predict(None):\n"
            "    p['output'], p['dense']\n",
            [(5, 48), (7, 20)],
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        model = ctx.model
        for fn, body in [(None, model.scopes.module_nodes), *((f, f.nodes) for f in model.scopes.functions)]:
            estimators = self._estimators_in(model, fn, body)
            if not estimators:
                continue
            for node, key, (model_fn, keys), how in self._key_uses(body, estimators):
                if key in keys:
                    continue
                known = ", ".join(repr(k) for k in sorted(keys)) or "none"
                error = (
                    "ValueError: Expected to run at least one output from ..."
                    if how == "predict_keys"
                    else "KeyError"
                )
                message = (
                    f"Prediction key {key!r} is not in the PREDICT predictions of {model_fn} "
                    f"(keys: {known}): TensorFlow raises `{error}`"
                )
                yield ctx.diagnostic(self.code, node, message)

    @staticmethod
    def _estimators_in(model: FileModel, fn: Optional[FunctionInfo], body) -> Dict[str, Tuple[str, Set[str]]]:
        """Names bound to an Estimator whose model_fn's prediction keys are known:
        name -> (how to name the model_fn in a message, its keys)."""
        found: Dict[str, Tuple[str, Set[str]]] = {}
        for node in body:
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            call = node.value
            qual = model.imports.resolve(call.func)
            local = model._local_class(call.func)
            direct = (
                bool(qual) and tfapi.is_estimator_qualname(qual)
                and qual.rsplit(".", 1)[-1] in tfapi.MODEL_FN_ESTIMATOR_NAMES
            )
            how, installed = (
                model.constructor_model_fn(local) if local is not None and local in model.estimators else ("", None)
            )
            if how == "fixed" and installed is not None:
                # ``MyEstimator()`` whose constructor passes ``model_fn=self._model_fn``.
                known = UnknownPredictionKey._in_file(model, installed)
            elif direct or how == "passthrough":
                target = next((k.value for k in call.keywords if k.arg == "model_fn"), None)
                if target is None and call.args and direct:
                    target = call.args[0]
                if target is None:
                    continue
                model_fns = model._function_targets(target, fn, 0)
                if len(model_fns) == 1:
                    known = UnknownPredictionKey._in_file(model, model_fns[0])
                else:
                    known = None if model_fns else UnknownPredictionKey._imported_model_fn(model, fn, target)
            elif local is None and qual and not direct:
                # A class of another module whose constructor installs a known model_fn.
                known = UnknownPredictionKey._imported_model_fn(model, fn, call.func, of_class=True)
            else:
                continue
            if known is None:
                continue
            for t in node.targets:
                if isinstance(t, ast.Name):
                    found[t.id] = known
        return found

    @staticmethod
    def _in_file(model: FileModel, model_fn: FunctionInfo) -> Optional[Tuple[str, Set[str]]]:
        keys = prediction_keys(model, model_fn)
        return (f"model_fn `{model_fn.qualname}`", keys) if keys is not None else None

    @staticmethod
    def _imported_model_fn(model: FileModel, fn: Optional[FunctionInfo], target: ast.expr, of_class: bool = False):
        """(qualname, keys) of a model_fn imported from another module of the project, or
        (``of_class``) of the one an imported Estimator class's constructor installs."""
        index = model.index
        if index is None or not hasattr(index, "prediction_keys"):
            return None
        root = target
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or any(f.is_local(root.id) for f in (fn.enclosing() if fn else ())):
            return None
        qual = model.imports.resolve(target)
        hit = index.prediction_keys(qual) if qual else None
        if hit is None or of_class != (hit[0] in getattr(index, "classes", {})):
            return None  # unknown, or a class where a function is expected (or the other way round)
        # ``train@tag.model_fn``: a module name several files share; show the name only.
        name = re.sub(r"@\w+", "", hit[0])
        label = f"the model_fn `{name}`'s constructor passes" if of_class else f"model_fn `{name}`"
        return label, set(hit[1])

    @staticmethod
    def _key_uses(body, estimators):
        """(node, key, estimator info, how) for every statically visible use of a prediction key."""

        def predict_call(expr) -> Optional[Tuple[str, Set[str]]]:
            if (
                isinstance(expr, ast.Call)
                and isinstance(expr.func, ast.Attribute)
                and expr.func.attr == "predict"
                and isinstance(expr.func.value, ast.Name)
                and expr.func.value.id in estimators
            ):
                return estimators[expr.func.value.id]
            return None

        # One pass in source order: a name is a prediction only until it is rebound.
        generators: Dict[str, Tuple[str, Set[str]]] = {}
        items: Dict[str, Tuple[str, Set[str]]] = {}

        def source_of(expr) -> Optional[Tuple[str, Set[str]]]:
            return predict_call(expr) or (generators.get(expr.id) if isinstance(expr, ast.Name) else None)

        for node in body:
            info = predict_call(node) if isinstance(node, ast.Call) else None
            if info is not None:
                for kw in node.keywords:
                    if kw.arg == "predict_keys":
                        values = kw.value.elts if isinstance(kw.value, (ast.List, ast.Tuple, ast.Set)) else [kw.value]
                        for v in values:
                            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                                yield v, v.value, info, "predict_keys"
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        generators.pop(target.id, None)
                        items.pop(target.id, None)
                if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    name, value = node.targets[0].id, node.value
                    if predict_call(value) is not None:
                        generators[name] = predict_call(value)
                    elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "next":
                        info = source_of(value.args[0]) if value.args else None
                        if info is not None:
                            items[name] = info
            elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                # The element is visited before its ``for``: bind the targets first.
                for gen in node.generators:
                    if isinstance(gen.target, ast.Name) and source_of(gen.iter) is not None:
                        items[gen.target.id] = source_of(gen.iter)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and isinstance(node.target, ast.Name):
                info = source_of(node.iter)
                if info is not None:
                    items[node.target.id] = info
                else:
                    items.pop(node.target.id, None)
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Load)
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str)
            ):
                value = node.value
                info = None
                if isinstance(value, ast.Name):
                    info = items.get(value.id)
                elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "next" and value.args:
                    info = source_of(value.args[0])
                if info is not None:
                    yield node.slice, node.slice.value, info, "subscript"
