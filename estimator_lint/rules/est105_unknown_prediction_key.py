"""EST105 unknown-prediction-key."""

from __future__ import annotations

import ast
import difflib
import re
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Set, Tuple

from estimator_lint import tfapi
from estimator_lint.analysis.model import FileModel, prediction_keys
from estimator_lint.analysis.scopes import FunctionInfo
from estimator_lint.diagnostics import Diagnostic
from estimator_lint.rules.base import Invalid, Rule, RuleContext

if TYPE_CHECKING:
    from estimator_lint.diagnostics import Fix
    from estimator_lint.fix_plan import FixPlanner


#: ``.predict`` as the tokenizer may spell it (spaces, line continuations or a comment
#: inside brackets between the dot and the name): a file without it uses no key.
_PREDICT_ATTRIBUTE = re.compile(r"\.[\s\\]*(?:#[^\n]*\n[\s\\]*)*predict\b")


class UnknownPredictionKey(Rule):
    """
    ## What it does
    Checks `estimator.predict(..., predict_keys=...)` and `prediction["key"]` on the items
    `estimator.predict(...)` yields (in a `for` loop, a comprehension, through `next(...)`
    or a `list(...)` of them), when the Estimator's model_fn and the keys of its PREDICT
    `predictions` dict are statically known (a dict literal in the model_fn), for keys the
    model_fn never predicts, or that a literal `predict_keys` left out. The Estimator is
    a name bound in the same function, or once at module level (bound again to another
    Estimator, its keys are no longer known). A key the code assigns (`p["k"] = ...`) or
    tests (`if "k" in p:`) is not reported. The Estimator may be `tf.estimator.Estimator`
    itself or a subclass whose constructor hands the caller's `model_fn` on
    (`super().__init__(*args, **kwargs)`) or always passes its own
    (`model_fn=self._model_fn`, or a model_fn imported from another module). The model_fn
    or the subclass may live in another module of the project, the two also in different
    ones (a subclass in `b.py` installing `a.py`'s model_fn, built in `main.py`) (imported directly or through a package's re-export): the command line
    learns their keys in the project index, which the flake8 plugin reads once saved.

    ## Why is this bad?
    `predict()` yields the keys of the PREDICT `EstimatorSpec`'s `predictions`, and with
    `predict_keys` only those keys `k` for which `k in predict_keys` holds (a list picks
    its members, a string every key it contains). Asking for another key fails at run
    time, after the graph was built and the checkpoint restored: `KeyError` when indexing a
    prediction; with `predict_keys`, TensorFlow drops unknown keys silently and raises
    `ValueError: Expected to run at least one output from dict_keys([...]), provided [...]`
    only when no key is left. A typo, or a tensor someone meant to add to `predictions`
    (see EST102) and never did.

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
    When the unknown key is a near miss of a predicted one (another case, `-`/`_`/no
    separator, a plural, a small typo: `"probabilties"`), the message asks "did you mean
    'probabilities'?" and an unsafe fix replaces the key with it: whether that is the
    tensor the code wanted is the author's decision. Otherwise the message lists the
    model_fn's keys and nothing is fixed.
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
            fixed=None,
        ),
    )

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not _PREDICT_ATTRIBUTE.search(ctx.source.text):
            return  # every key use goes through ``<estimator>.predict(...)``
        model = ctx.model
        module_level = self._estimators_in(model, None, model.scopes.module_nodes)
        # A function also sees the module's Estimators (``est = Estimator(...)`` at the top,
        # ``def main(): est.predict(...)``) that are bound once and not shadowed.
        stores = [n.id for n in model.scopes.module_nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        shared = {name: info for name, info in module_level.items() if stores.count(name) == 1}
        for fn, body in [(None, model.scopes.module_nodes), *((f, f.nodes) for f in model.scopes.functions)]:
            if fn is None:
                estimators = module_level
            else:
                visible = {n: i for n, i in shared.items() if not any(f.is_local(n) for f in fn.enclosing())}
                estimators = {**visible, **self._estimators_in(model, fn, body)}
            if not estimators or not _predicts(model.scopes.module_calls if fn is None else fn.calls, estimators):
                continue  # every key use starts at ``<estimator>.predict(...)`` in this body
            for node, key, (model_fn, keys, narrowed), how in self._key_uses(body, estimators):
                if how == "subscript" and key in keys:
                    continue
                known = ", ".join(repr(k) for k in sorted(keys)) or "none"
                where = f"the PREDICT predictions of {model_fn} (keys: {known})"
                if how == "predict_keys_text":
                    message = (
                        f"predict_keys={key!r} names none of {where}; a string selects the keys it "
                        f"contains: TensorFlow raises `{_NOTHING_SELECTED}`"
                    )
                elif how == "predict_keys":
                    message = f"Prediction key {key!r} is not in {where}: TensorFlow raises `{_NOTHING_SELECTED}`"
                elif how == "predict_keys_dropped":
                    message = (
                        f"Prediction key {key!r} is not in {where}: TensorFlow drops it from predict_keys "
                        "silently, and reading it from a prediction raises `KeyError`"
                    )
                elif narrowed is not None:
                    message = (
                        f"Prediction key {key!r} is not among the keys `predict_keys={narrowed}` selects "
                        f"(keys: {known}): TensorFlow raises `KeyError`"
                    )
                else:
                    message = f"Prediction key {key!r} is not in {where}: TensorFlow raises `KeyError`"
                fix = reason = None
                suggestion = close_key(key, keys) if how != "predict_keys_text" else None
                if suggestion is not None:
                    message += f"; did you mean {suggestion!r}?"
                    fix, reason = ctx.plan_fix(key_fix, node, suggestion)
                yield ctx.diagnostic(self.code, node, message, fix, reason)

    @staticmethod
    def _estimators_in(model: FileModel, fn: Optional[FunctionInfo], body) -> Dict[str, _Info]:
        """Names bound to an Estimator whose model_fn's prediction keys are known:
        name -> (how to name the model_fn in a message, its keys, None).  A name bound
        again to anything else is dropped (its keys are no longer known)."""
        found: Dict[str, _Info] = {}
        for node in body:
            if not isinstance(node, ast.Assign):
                continue
            known = UnknownPredictionKey._keys_of(model, fn, node.value) if isinstance(node.value, ast.Call) else None
            for t in node.targets:
                if isinstance(t, ast.Name):
                    if known is None:
                        found.pop(t.id, None)
                    else:
                        found[t.id] = known
        return found

    @staticmethod
    def _keys_of(model: FileModel, fn: Optional[FunctionInfo], call: ast.Call) -> Optional[_Info]:
        """The prediction keys of the Estimator ``call`` constructs, when statically known."""
        qual = model.imports.resolve(call.func)
        local = model.local_class(call.func)
        direct = (
            bool(qual) and tfapi.is_estimator_qualname(qual)
            and qual.rsplit(".", 1)[-1] in tfapi.MODEL_FN_ESTIMATOR_NAMES
        )
        how, installed = (
            model.constructor_model_fn(local) if local is not None and local in model.estimators else ("", None)
        )
        if how == "fixed" and installed is not None:
            # ``MyEstimator()`` whose constructor passes ``model_fn=self._model_fn``.
            return UnknownPredictionKey._in_file(model, installed)
        if how == "unknown" and local is not None:
            # ``super().__init__(model_fn=other_module.model_fn)`` in the constructor.
            passed = model.constructor_imported_model_fn(local)
            return UnknownPredictionKey._imported_model_fn(model, passed[1], passed[0]) if passed else None
        if direct or how == "passthrough":
            target = next((k.value for k in call.keywords if k.arg == "model_fn"), None)
            if target is None and call.args and direct:
                target = call.args[0]
            if target is None:
                return None
            model_fns = model.function_targets(target, fn, 0)
            if len(model_fns) == 1:
                return UnknownPredictionKey._in_file(model, model_fns[0])
            return None if model_fns else UnknownPredictionKey._imported_model_fn(model, fn, target)
        if local is None and qual and not direct:
            # A class of another module whose constructor installs a known model_fn.
            return UnknownPredictionKey._imported_model_fn(model, fn, call.func, of_class=True)
        return None

    @staticmethod
    def _in_file(model: FileModel, model_fn: FunctionInfo) -> Optional[Tuple[str, Set[str]]]:
        keys = prediction_keys(model, model_fn)
        return (f"model_fn `{model_fn.qualname}`", keys, None) if keys is not None else None

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
        if not isinstance(root, ast.Name):
            return None
        if any(f.is_local(root.id) for f in (fn.enclosing() if fn else ())) or root.id not in model.imports.names:
            # ``model_fn=model.model_fn`` with ``model = Model()`` of another module.
            qual = _method_of_instance(model, fn, target)
        else:
            qual = model.imports.resolve(target)
        hit = index.prediction_keys(qual) if qual else None
        if hit is None or of_class != (hit[0] in getattr(index, "classes", {})):
            return None  # unknown, or a class where a function is expected (or the other way round)
        # ``train@tag.model_fn``: a module name several files share; show the name only.
        name = re.sub(r"@\w+", "", hit[0])
        label = f"the model_fn `{name}`'s constructor passes" if of_class else f"model_fn `{name}`"
        return label, set(hit[1]), None

    @staticmethod
    def _key_uses(body, estimators):
        """(node, key, estimator info, how) for every statically visible use of a prediction
        key; ``how`` is ``subscript``, ``predict_keys`` (predict raises: nothing selected),
        ``predict_keys_dropped`` (other keys are selected: this one is dropped silently) or
        ``predict_keys_text`` (a string, which selects the keys it contains)."""

        def estimator_of(expr) -> Optional[_Info]:
            if (
                isinstance(expr, ast.Call)
                and isinstance(expr.func, ast.Attribute)
                and expr.func.attr == "predict"
                and isinstance(expr.func.value, ast.Name)
                and expr.func.value.id in estimators
            ):
                return estimators[expr.func.value.id]
            return None

        def predict_call(expr) -> Optional[_Info]:
            """What the items of ``est.predict(...)`` hold: its ``predict_keys`` narrow them."""
            info = estimator_of(expr)
            if info is None:
                return None
            return _selection(expr, info)[0]

        # One pass in source order: a name is a prediction only until it is rebound.
        generators: Dict[str, _Info] = {}  # names of predict() generators, or lists of them
        items: Dict[str, _Info] = {}  # names of single predictions

        def source_of(expr) -> Optional[_Info]:
            """``est.predict(...)``, a name bound to it, or ``list(...)``/``tuple(...)`` of either."""
            if (
                isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
                and expr.func.id in ("list", "tuple", "iter") and len(expr.args) == 1 and not expr.keywords
            ):
                expr = expr.args[0]
            return predict_call(expr) or (generators.get(expr.id) if isinstance(expr, ast.Name) else None)

        def item_of(expr) -> Optional[_Info]:
            """A prediction: a name bound to one, ``next(source)``, ``source_list[i]``."""
            if isinstance(expr, ast.Name):
                return items.get(expr.id)
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "next" and expr.args:
                return source_of(expr.args[0])
            if isinstance(expr, ast.Subscript) and not _is_text(expr.slice) and not isinstance(expr.slice, ast.Slice):
                return source_of(expr.value)
            return None

        # Keys a prediction gets (``p["k"] = ...``) or that are tested (``if "k" in p:``)
        # before they are read: such a read is not a KeyError.
        settled = set()
        for node in body:
            if (
                isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load)
                and isinstance(node.value, ast.Name) and _is_text(node.slice)
            ):
                settled.add((node.value.id, node.slice.value))
            elif (
                isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn))
                and _is_text(node.left) and isinstance(node.comparators[0], ast.Name)
            ):
                settled.add((node.comparators[0].id, node.left.value))
        for node in body:
            if isinstance(node, ast.Call) and estimator_of(node) is not None:
                yield from _selection(node, estimator_of(node))[1]
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        generators.pop(target.id, None)
                        items.pop(target.id, None)
                if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    name, value = node.targets[0].id, node.value
                    if source_of(value) is not None:
                        generators[name] = source_of(value)
                    elif item_of(value) is not None:
                        items[name] = item_of(value)
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
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_text(node.slice):
                info = item_of(node.value)
                if info is not None and not (
                    isinstance(node.value, ast.Name) and (node.value.id, node.slice.value) in settled
                ):
                    yield node.slice, node.slice.value, info, "subscript"


# -- the fix ----------------------------------------------------------------------------


def key_fix(planner: "FixPlanner", node: ast.expr, key: str) -> "Fix":
    """The fix of a misspelt prediction key (a plain string literal): ``key`` in its place,
    unsafe (the code that reads the key changes what it reads)."""
    from estimator_lint.diagnostics import Applicability, Fix
    from estimator_lint.fix_plan import NoFix

    text = planner.segment(node) or ""
    match = re.fullmatch(r"([uU]?)(['\"])([^'\"\\\r\n]*)\2", text)
    if match is None or "'" in key or '"' in key or "\\" in key:
        raise NoFix("the key is not a plain string literal")
    rewriter = planner.rewriter()
    rewriter.replace[("SimpleString", node.lineno, planner.column(node))] = f"{match.group(1)}{match.group(2)}{key}{match.group(2)}"
    return Fix(f"Replace the key with {key!r}", Applicability.UNSAFE, (), rewriter)


def _predicts(calls: List[ast.Call], estimators: Dict[str, object]) -> bool:
    """Whether one of ``calls`` is ``<estimator>.predict(...)`` for one of ``estimators``."""
    for call in calls:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "predict" and isinstance(func.value, ast.Name):
            if func.value.id in estimators:
                return True
    return False


def _normal(key: str) -> str:
    """A key without case and separators (``Class_IDs`` -> ``classids``)."""
    return re.sub(r"[\W_]+", "", key.lower())


def _singular(key: str) -> str:
    for tail in ("ies", "es", "s"):
        if key.endswith(tail) and len(key) > len(tail) + 1:
            return key[: -len(tail)] + ("y" if tail == "ies" else "")
    return key


def close_key(key: str, keys: Set[str]) -> Optional[str]:
    """The one predicted key that ``key`` probably misspells: the same but for case,
    separators or a plural, else the best close match (``difflib``, ratio >= 0.8)."""
    if not key:
        return None
    ordered = sorted(keys)
    for same in (_normal, lambda k: _singular(_normal(k))):
        matches = [k for k in ordered if same(k) == same(key)]
        if len(matches) == 1:
            return matches[0]
    normal = {_normal(k): k for k in ordered}
    if len(normal) != len(ordered):
        return None
    close = difflib.get_close_matches(_normal(key), list(normal), n=2, cutoff=0.8)
    if len(close) == 1 or (len(close) == 2 and _ratio(_normal(key), close[0]) > _ratio(_normal(key), close[1])):
        return normal[close[0]]
    return None


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _method_of_instance(model: FileModel, fn: Optional[FunctionInfo], target: ast.expr) -> Optional[str]:
    """``obj.method`` where ``obj = Class(...)`` is bound once in the same scope and
    ``Class`` is imported: ``module.Class.method``."""
    if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
        return None
    name = target.value.id
    body = fn.nodes if fn is not None else model.scopes.module_nodes
    values = [
        node.value for node in body
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]
    if len(values) != 1 or not isinstance(values[0], ast.Call):
        return None
    cls = model.imports.resolve(values[0].func)
    return f"{cls}.{target.attr}" if cls else None


_NOTHING_SELECTED = "ValueError: Expected to run at least one output from ..."

#: What the items of an Estimator's ``predict()`` hold: (how to name its model_fn, the keys
#: they hold, the ``predict_keys=`` source that narrowed them to these keys or None).
_Info = Tuple[str, Set[str], Optional[str]]


def _is_text(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _selection(call: ast.Call, info: _Info) -> Tuple[_Info, list]:
    """``predict(..., predict_keys=...)`` as TensorFlow reads it (``Estimator._extract_keys``:
    the model_fn's keys ``k`` with ``k in predict_keys``, a ValueError when there are none):
    (what the items hold, findings); ``info`` as it is when the keys are not literal."""
    value = next((kw.value for kw in call.keywords if kw.arg == "predict_keys"), None)
    if value is None:
        return info, []
    label, keys, _ = info
    if (_is_text(value) and not value.value) or (isinstance(value, (ast.List, ast.Tuple, ast.Set)) and not value.elts):
        return info, []  # ``if not predict_keys: return predictions``: every key
    source = ast.unparse(value) if hasattr(ast, "unparse") else "predict_keys"
    if _is_text(value):
        # A string: ``k in "probs_and_logits"`` is a substring test.
        chosen = {k for k in keys if k in value.value}
        findings = [] if chosen else [(value, value.value, info, "predict_keys_text")]
    elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        named = [v for v in value.elts if _is_text(v)]
        complete = len(named) == len(value.elts)
        chosen = keys & {v.value for v in named}
        # Nothing selected: predict() raises; else the unknown keys are dropped silently.
        how = "predict_keys" if complete and not chosen else "predict_keys_dropped"
        findings = [(v, v.value, info, how) for v in named if v.value not in keys]
        if not complete:
            return info, findings
    else:
        return info, []
    return ((label, chosen, source) if chosen else info), findings
