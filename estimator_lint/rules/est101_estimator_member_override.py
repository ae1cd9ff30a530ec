"""EST101 estimator-member-override."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, List, Optional, Set, Tuple

from estimator_lint import tfapi
from estimator_lint.analysis.model import EstimatorClass, FileModel, class_body_definitions
from estimator_lint.analysis.scopes import ClassInfo, FunctionInfo, walk_nodes
from estimator_lint.diagnostics import Diagnostic
from estimator_lint.rules.base import Invalid, Rule, RuleContext

if TYPE_CHECKING:
    from estimator_lint.diagnostics import Fix
    from estimator_lint.fix_plan import FixPlanner


class EstimatorMemberOverride(Rule):
    """
    ## What it does
    Checks for methods, properties and class attributes of an `Estimator` subclass whose
    name is a member of `tf.estimator.Estimator` (`train`, `predict`, `_call_model_fn`, ...)
    that TensorFlow does not allow to override, for code that disables TensorFlow's
    guard, `_assert_members_are_not_overridden` (on TensorFlow's class or a subclass, at
    module level, or from a method through the instance's class: `self.__class__.<guard> = ...`,
    `type(self).<guard> = ...`, `setattr(self.__class__, ...)`), and for module-level
    assignments of an Estimator member on TensorFlow's class itself
    (`tf.estimator.Estimator._call_model_fn = wrapped`, `setattr(Estimator, "evaluate", f)`).

    ## Why is this bad?
    `Estimator.__init__` checks the instantiated class's own `__dict__` against the
    Estimator's members: a direct subclass overriding one raises
    `ValueError: Subclasses of Estimator cannot override members of Estimator` at
    construction. An override placed in an intermediate base class is *not* caught (the
    check reads only the instantiated class) and silently changes how the Estimator
    trains, evaluates or predicts. Once the guard is patched, overrides of the classes
    it covers run silently too. A member replaced on TensorFlow's class itself changes
    every Estimator in the process, canned ones included, and no check ever sees it. Such overrides are usually there to capture tensors
    on `self`, which never works: the graph they belong to is discarded.

    TensorFlow allows `model_fn`, `latest_checkpoint`, `_create_and_assert_global_step`,
    `_export_all_saved_models` and its API-name attributes, and exempts a class named
    exactly `TPUEstimator`. A class attribute that is the Estimator's own member again
    (`predict = tf.estimator.Estimator.predict`) passes its check and is not reported.

    ## Example
    ```python
    class MyEstimator(tf.estimator.Estimator):
        def _call_model_fn(self, features, labels, mode, config):
            model_ops = super()._call_model_fn(features, labels, mode, config)
            self.dense_output = model_ops.predictions["output"]
            return model_ops
    ```

    ## Use instead
    ```python
    def my_model_fn(features, labels, mode, params):
        ...
        if mode == tf.estimator.ModeKeys.PREDICT:
            predictions = {"output": output, "dense_output": dense}
            return tf.estimator.EstimatorSpec(mode, predictions=predictions)

    estimator = tf.estimator.Estimator(model_fn=my_model_fn)
    for prediction in estimator.predict(input_fn):
        prediction["dense_output"]
    ```

    ## Fix safety
    An override whose body only delegates to `super()`, captures tensors and returns is
    removed (with the captured tensors moved into `predictions`, see EST102); this fix is
    safe. Overrides that do anything else are reported and never changed.
    """

    code = "EST101"
    name = "estimator-member-override"
    summary = "Estimator subclass overrides an Estimator member"

    VALID = (
        "import tensorflow as tf\n"
        "class MyEstimator(tf.estimator.Estimator):\n"
        "    def model_fn(self):\n"
        "        return 1\n",
        "from sklearn.base import BaseEstimator as Estimator\n"
        "class Mine(Estimator):\n"
        "    def predict(self, x):\n"
        "        return x\n",
        "import tensorflow as tf\n"
        "class TPUEstimator(tf.estimator.Estimator):\n"
        "    def train(self, input_fn):\n"
        "        pass\n",
    )
    INVALID = (
        Invalid(
            "import tensorflow as tf\n"
            "class MyEstimator(tf.estimator.Estimator):\n"
            "    def _call_model_fn(self, features, labels, mode, config):\n"
            "        return super()._call_model_fn(features, labels, mode, config)\n",
            [(3, 5)],
            fixed=None,
        ),
        Invalid(
            "from tensorflow.estimator import Estimator as E\n"
            "class Base(E):\n"
            "    train = None\n"
            "class Child(Base):\n"
            "    pass\n",
            [(3, 5)],
            fixed=None,
        ),
        Invalid(
            "import tensorflow as tf\n"
            "tf.estimator.Estimator._assert_members_are_not_overridden = lambda self: None\n",
            [(2, 1)],
            fixed=None,
        ),
    )

    @staticmethod
    def _guard_disabled(model, est, guard_patches) -> str:
        """Where TF's override check is switched off for this class, if anywhere in the file."""
        todo, seen = [est.info], set()
        while todo:
            cls = todo.pop()
            if cls in seen:
                continue
            seen.add(cls)
            if tfapi.OVERRIDE_GUARD in cls.methods:
                return f"`{cls.name}.{tfapi.OVERRIDE_GUARD}`"
            todo.extend(c for c in (model.local_class(b) for b in cls.node.bases) if c is not None)
        for patch in guard_patches:
            # A patch of one class (``self.__class__.<guard> = ...``) covers it and its subclasses.
            if patch.cls is None or patch.cls in seen:
                return f"the patch of `{patch.target}.{tfapi.OVERRIDE_GUARD}` at line {patch.node.lineno}"
        return ""

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        model = ctx.model
        facts = find_overrides(model)
        for override in facts.overrides:
            est = override.estimator
            cls = est.info.name
            chain = " -> ".join(est.chain)
            if override.member == tfapi.OVERRIDE_GUARD:
                message = (
                    f"`{cls}` overrides `{tfapi.OVERRIDE_GUARD}`, which disables TensorFlow's check "
                    f"that Estimator members are not overridden for `{cls}` and its subclasses ({chain})"
                )
            elif self._guard_disabled(model, est, facts.guard_patches):
                message = (
                    f"`{cls}.{override.member}` overrides an Estimator member ({chain}); TensorFlow's check is "
                    f"disabled by {self._guard_disabled(model, est, facts.guard_patches)}, so this override runs silently"
                )
            elif est.subclasses or est.external_subclasses:
                names = [s.name for s in est.subclasses] + list(est.external_subclasses)
                shown = [f"`{n}`" for n in names[:3]]
                if len(names) > 3:
                    subs = ", ".join(shown) + " and others"
                else:
                    subs = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
                verb = "runs" if len(names) == 1 else "run"
                message = (
                    f"`{cls}.{override.member}` overrides an Estimator member in an intermediate base class "
                    f"({chain}): TensorFlow checks only the instantiated class, so {subs} silently {verb} this "
                    f"override (constructing `{cls}` itself raises `{tfapi.OVERRIDE_ERROR}`)"
                )
            else:
                message = (
                    f"`{cls}.{override.member}` overrides an Estimator member ({chain}): constructing `{cls}` "
                    f"raises `{tfapi.OVERRIDE_ERROR}`"
                )
            fix, reason = None, None
            captures = [s for s in model.stores if s.function.node is override.statement and s.how == "self"]
            if override.member != tfapi.OVERRIDE_GUARD and captures and not any(s.computed for s in captures):
                fix, reason = ctx.plan_fix(override_fix, override)
            yield ctx.diagnostic(self.code, override.node, message, fix, reason)
        for member_patch in facts.member_patches:
            yield ctx.diagnostic(
                self.code,
                member_patch.node,
                f"Assigning `{member_patch.target}.{member_patch.member}` replaces an Estimator member on "
                f"TensorFlow's class itself: it changes every `{member_patch.class_name}` in the "
                f"process (TensorFlow's override check never sees it); wrap the model_fn or use a "
                f"`SessionRunHook` instead",
            )
        for patch in facts.guard_patches:
            scope = f" for `{patch.cls.name}` and its subclasses" if patch.cls is not None else ""
            yield ctx.diagnostic(
                self.code,
                patch.node,
                f"Replacing `{patch.target}.{tfapi.OVERRIDE_GUARD}` disables TensorFlow's check that "
                f"Estimator members are not overridden{scope}; overridden members then run silently",
            )


# -- the facts ---------------------------------------------------------------------------


@dataclass(eq=False)
class MemberOverride:
    """A class-body definition whose name is an Estimator member (EST101)."""

    estimator: EstimatorClass
    member: str
    node: ast.AST
    #: The statement defining it (for fixes).
    statement: ast.stmt


@dataclass(eq=False)
class GuardPatch:
    """``Estimator._assert_members_are_not_overridden = ...`` outside a class body."""

    node: ast.AST
    target: str
    #: For ``self.__class__.<guard> = ...`` in a method: the class it switches the check off
    #: for (with its subclasses); None: every class (TensorFlow's own is patched).
    cls: Optional[ClassInfo] = None


@dataclass(eq=False)
class MemberPatch:
    """``tf.estimator.Estimator.train = wrapped``: a member replaced on TensorFlow's class."""

    node: ast.AST
    #: The class as written (``tf.estimator.Estimator``).
    target: str
    member: str
    #: TensorFlow's name of the class (``Estimator``, ``DNNClassifier``).
    class_name: str


@dataclass
class OverrideFacts:
    """EST101's facts of a file (:func:`find_overrides`)."""

    overrides: List[MemberOverride] = field(default_factory=list)
    guard_patches: List[GuardPatch] = field(default_factory=list)
    member_patches: List[MemberPatch] = field(default_factory=list)


def find_overrides(model: FileModel) -> "OverrideFacts":
    """What EST101 reports in a file: overrides of Estimator members in Estimator classes,
    patches of TensorFlow's override guard, and members replaced on TensorFlow's classes."""
    facts = OverrideFacts()
    for cls, est in model.estimators.items():
        if cls.name == tfapi.EXEMPT_CLASS_NAME:
            continue
        for name, node, stmt in class_body_definitions(cls.node.body):
            if name in tfapi.FORBIDDEN_OVERRIDES and not _same_member(model, name, stmt):
                facts.overrides.append(MemberOverride(est, name, node, stmt))
    for fn, node in _all_statements(model):
        targets: List[Tuple[ast.AST, ast.AST]] = []
        if isinstance(node, ast.Assign):
            targets = [(t, t) for t in node.targets]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                targets = [(ast.Attribute(value=node.args[0], attr=node.args[1].value), node)]
        for target, report in targets:
            if not isinstance(target, ast.Attribute):
                continue
            if target.attr == tfapi.OVERRIDE_GUARD:
                if model.is_estimator_class_expr(target.value):
                    local = model.local_class(target.value)
                    facts.guard_patches.append(GuardPatch(report, ast.unparse(target.value), local))
                elif _own_class_expr(model, target.value, fn):
                    facts.guard_patches.append(GuardPatch(report, ast.unparse(target.value), model.method_class(fn)))
            elif fn is None and target.attr in tfapi.ESTIMATOR_MEMBERS:
                # ``tf.estimator.Estimator.train = wrapped``: TensorFlow's class itmodel.
                qual = model.imports.resolve(model.dealias(target.value))
                if qual and tfapi.is_estimator_qualname(qual) and model.local_class(target.value) is None:
                    facts.member_patches.append(
                        MemberPatch(report, ast.unparse(target.value), target.attr, qual.rsplit(".", 1)[-1])
                    )
    return facts

def _own_class_expr(model: FileModel, expr: ast.AST, fn: Optional[FunctionInfo]) -> bool:
    """``model.__class__`` / ``type(self)`` in a method of an Estimator class."""
    self_name = model.visible_self_name(fn)
    if self_name is None or model.estimator_of(fn) is None:
        return False
    if isinstance(expr, ast.Attribute) and expr.attr == "__class__":
        return isinstance(expr.value, ast.Name) and expr.value.id == self_name
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id == "type"
        and len(expr.args) == 1
        and isinstance(expr.args[0], ast.Name)
        and expr.args[0].id == self_name
    )

def _same_member(model: FileModel, name: str, stmt: ast.AST) -> bool:
    """``predict = tf.estimator.Estimator.predict``: the Estimator's own function again,
    which TensorFlow's check (``Estimator.__dict__[m] != cls.__dict__[m]``) lets pass."""
    value = getattr(stmt, "value", None)
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or not isinstance(value, ast.Attribute):
        return False
    qualname = model.imports.resolve(value)
    owner, _, attr = (qualname or "").rpartition(".")
    return attr == name and tfapi.is_estimator_qualname(owner)

def _all_statements(model: FileModel):
    """Assignments and calls, where the guard can be patched."""
    yield from ((None, node) for node in model.scopes.module_assigns)
    yield from model.all_calls()
    for fn in model.scopes.functions:
        for node in fn.assigns:
            yield fn, node


# -- the fix ----------------------------------------------------------------------------


def override_fix(planner: "FixPlanner", override: "MemberOverride") -> "Fix":
    """The fix of an override that only delegates to ``super()`` and captures tensors: the
    override goes (with its captures' placeholders, and an ``__init__`` left bare), safe
    when every capture is already among the PREDICT predictions and no other module reads
    it."""
    from estimator_lint.diagnostics import Applicability, Fix
    from estimator_lint.fix_plan import NoFix

    method_node = override.statement
    if not isinstance(method_node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise NoFix("only method overrides are removed")
    cls = override.estimator.info
    method = cls.methods.get(method_node.name)
    if method is None or method.node is not method_node or method.self_name is None:
        raise NoFix("the override could not be analysed")
    captures = [s for s in planner.model.stores if s.function is method and s.how == "self"]
    if not captures:
        raise NoFix("the override does more than delegate and capture tensors")
    capture_statements = {id(s.statement) for s in captures}
    delegated: Optional[str] = None
    body = list(method_node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # docstring

    # ``preds = spec.predictions`` read only by the captures (and such aliases): part of them.
    aliases = _capture_aliases(body, capture_statements, method)

    def only_captures(stmts) -> bool:
        for stmt in stmts:
            if id(stmt) in capture_statements or id(stmt) in aliases:
                continue
            if isinstance(stmt, ast.If) and not stmt.orelse and _ast_pure(stmt.test) and only_captures(stmt.body):
                continue
            return False
        return True

    for i, stmt in enumerate(body):
        if i == 0 and isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            if _is_super_call(stmt.value, method_node.name):
                delegated = stmt.targets[0].id
                continue
        if i == len(body) - 1 and isinstance(stmt, ast.Return):
            if isinstance(stmt.value, ast.Name) and stmt.value.id == delegated:
                continue
            if stmt.value is not None and _is_super_call(stmt.value, method_node.name):
                continue
        if only_captures([stmt]):
            continue
        raise NoFix("the override does more than delegate to super() and capture tensors")
    if delegated is None and not (body and isinstance(body[-1], ast.Return)):
        raise NoFix("the override does not return what super() returns")
    rewriter = planner.rewriter()
    rewriter.remove.add(("function", method_node.name, method_node.lineno))
    attrs = sorted({s.name for s in captures})
    removed = planner.remove_placeholders(rewriter, captures[0], attrs)
    init = cls.methods.get("__init__")
    if init is not None and init is not method and _bare_init(init, removed):
        rewriter.remove.add(("function", init.node.name, init.node.lineno))
    safe = all(planner.is_predictions_entry(s.value, method) for s in captures if s.value is not None) and not any(
        planner.reads_elsewhere(s) for s in captures
    )
    return Fix(
        f"Remove the override `{method_node.name}` (it only delegates to super() and captures tensors)",
        Applicability.SAFE if safe else Applicability.UNSAFE,
        (),
        rewriter,
    )


def _ast_pure(test: ast.expr) -> bool:
    return not any(isinstance(n, (ast.Call, ast.Await, ast.NamedExpr, ast.Yield, ast.YieldFrom)) for n in walk_nodes(test))


def _capture_aliases(body: List[ast.stmt], captures: Set[int], method: FunctionInfo) -> Set[int]:
    """Ids of ``name = <expression without calls>`` statements of ``body`` (or of its plain
    ``if`` blocks) whose name only capture statements (or other such statements) read."""
    statements = []
    todo = list(body)
    while todo:
        stmt = todo.pop()
        if isinstance(stmt, ast.If):
            todo.extend(stmt.body)
        elif (
            isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and _ast_pure(stmt.value) and id(stmt) not in captures
        ):
            statements.append(stmt)
    chosen = {id(s): s for s in statements}
    changed = True
    while changed:
        changed = False
        for ident, stmt in list(chosen.items()):
            name = stmt.targets[0].id  # type: ignore[attr-defined]
            users = set()
            for node in walk_nodes(method.node):
                if isinstance(node, ast.Name) and node.id == name and node is not stmt.targets[0]:  # type: ignore[attr-defined]
                    users.add(id(node))
            allowed = {
                id(n) for s in [*(st for st in method.nodes if id(st) in captures), *chosen.values()] if s is not stmt
                for n in walk_nodes(s) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
            }
            if not users or not users <= allowed:
                del chosen[ident]
                changed = True
    return set(chosen)


def _is_super_call(value: ast.AST, method: str) -> bool:
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == method
        and isinstance(value.func.value, ast.Call)
        and isinstance(value.func.value.func, ast.Name)
        and value.func.value.func.id == "super"
    )


def _bare_init(init: FunctionInfo, removed: List[ast.stmt]) -> bool:
    """``def __init__(self, *args, **kwargs): super().__init__(*args, **kwargs)`` once placeholders go."""
    args = init.node.args
    if args.posonlyargs or args.kwonlyargs or args.defaults or len(args.args) != 1 or not args.vararg or not args.kwarg:
        return False
    rest = [s for s in init.node.body if s not in removed]
    if rest and isinstance(rest[0], ast.Expr) and isinstance(rest[0].value, ast.Constant):
        return False  # keep a documented __init__
    if len(rest) != 1 or not isinstance(rest[0], ast.Expr):
        return False
    call = rest[0].value
    return (
        _is_super_call(call, "__init__")
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Starred)
        and isinstance(call.args[0].value, ast.Name)
        and call.args[0].value.id == args.vararg.arg
        and len(call.keywords) == 1
        and call.keywords[0].arg is None
        and isinstance(call.keywords[0].value, ast.Name)
        and call.keywords[0].value.id == args.kwarg.arg
    )
