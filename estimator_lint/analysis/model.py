"""The per-file model the rules read: Estimator classes, model_fns and graph-value stores.

Built once per file from the ``ast`` tree in a few linear passes:

1. imports and scopes (:mod:`.imports`, :mod:`.scopes`);
2. Estimator classes: bases resolved by import analysis, transitively through classes
   of the same file and, when given, the project index;
3. model_fn contexts: functions passed as ``model_fn=`` (or positionally to an Estimator),
   named like a model_fn, returned by a model_fn builder, Estimator graph-building
   overrides, and the in-file helpers they call;
4. graph values (:mod:`.values`) and the facts rules report: overrides, stores of graph
   values on ``self`` or outside the model_fn, and later reads of captured attributes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Protocol, Set, Tuple

from estimator_lint import tfapi
from estimator_lint.analysis.imports import ImportTable, module_aliases
from estimator_lint.analysis.scopes import WITH_SINGLETON_CHILD, ClassInfo, FunctionInfo, ScopeCollector, child_nodes, walk_nodes
from estimator_lint.analysis.values import GRAPH, FunctionValues, join

#: An exported PREDICT-keys entry ``[SAME_KEYS_AS + "pkg.a.model_fn"]``: the class's
#: constructor installs that model_fn of another module, whose keys are its keys.
SAME_KEYS_AS = "\x00same-keys-as:"

#: Methods that put a value into a container or object.
MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "add", "update", "setdefault", "appendleft", "extendleft", "put", "__setitem__"}
)


class ClassResolver(Protocol):
    """What the analysis needs from a project index (cross-module classes)."""

    def estimator_chain(self, qualname: str) -> Optional[List[str]]:
        """Display chain from the class ``qualname`` up to a TF Estimator, or None."""


# --------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------


@dataclass(eq=False)
class EstimatorClass:
    info: ClassInfo
    #: ``["C", "B", "tf.estimator.Estimator"]``: the class, its Estimator ancestors, the TF base.
    chain: List[str]
    #: In-file Estimator classes deriving from this one.
    subclasses: List[ClassInfo] = field(default_factory=list)
    #: Labels of classes in other modules of the project deriving from this one.
    external_subclasses: List[str] = field(default_factory=list)

    @property
    def is_direct(self) -> bool:
        return len(self.chain) == 2


@dataclass(eq=False)
class GraphStore:
    """A graph value stored where it outlives the graph (EST102 / EST103)."""

    #: ``self`` (EST102) / ``global`` / ``nonlocal`` / ``item`` / ``attribute`` / ``call``.
    how: str
    #: Attribute name (self) or the outer name.
    name: str
    #: A key naming the value (``self.dense_output`` -> ``dense_output``; ``OUTER['emb']`` -> ``emb``).
    key: Optional[str]
    node: ast.AST
    statement: ast.stmt
    value: Optional[ast.expr]
    function: FunctionInfo
    #: The model_fn whose call builds the graph (None for stores outside any model_fn).
    model_fn: Optional[FunctionInfo]
    #: The class of ``self`` for EST102.
    cls: Optional[ClassInfo] = None
    #: ``setattr(self, <expression>, t)``: ``name`` is the expression's source, not an
    #: attribute name (never read back, exported or fixed).
    computed: bool = False


@dataclass(eq=False)
class CapturedRead:
    """A read of an attribute that holds a captured tensor (EST104)."""

    node: ast.Attribute
    receiver: str
    #: The capture in this file (None when the capturing class is in another module).
    store: Optional[GraphStore]
    function: Optional[FunctionInfo]
    #: Where the tensor was captured, for messages (``MyEstimator._call_model_fn``).
    where: str = ""


@dataclass(eq=False)
class GraphContext:
    #: The function whose boundary decides what is "outside" for EST103.
    root: FunctionInfo
    #: why: ``model_fn=`` / ``named`` / ``builder`` / ``override`` / ``helper`` / ``nested``.
    reason: str
    #: A method whose ``self`` outlives the graph (passed as model_fn, or an Estimator's).
    self_captures: bool = False
    #: For helpers: the model_fn (root) whose code calls this function.
    called_from: Optional[FunctionInfo] = None


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------


class FileModel:
    def __init__(
        self,
        tree: ast.Module,
        *,
        package: Optional[str] = None,
        module: Optional[str] = None,
        index: Optional[ClassResolver] = None,
        extra_bases: Iterable[str] = (),
    ) -> None:
        self.tree = tree
        self._reflective: Optional[List[ast.AST]] = None
        self._depth: Optional[int] = None
        self.module = module
        self.index = index
        self.extra_bases = frozenset(extra_bases)
        self.scopes = ScopeCollector().collect(tree)
        nested = (n for scope in (*self.scopes.functions, *self.scopes.classes) for n in scope.imports)
        self.imports = ImportTable.from_module(tree, package, nested)
        self.classes_by_name: Dict[str, ClassInfo] = {}
        for cls in self.scopes.classes:
            self.classes_by_name.setdefault(cls.name, cls)
        for cls in self.scopes.module_classes.values():
            self.classes_by_name[cls.name] = cls
        self.module_aliases = module_aliases(tree, self.imports, self.classes_by_name)

        self.estimators: Dict[ClassInfo, EstimatorClass] = {}
        self._resolve_estimators()

        self.module_values = FunctionValues(self, None, graph_mode=False)
        self.module_values.solve(self.scopes.module_nodes)

        self.contexts: Dict[FunctionInfo, GraphContext] = {}
        self.model_fns: Dict[FunctionInfo, str] = {}
        #: input_fns: called in the Estimator's graphs too (their graph values are as short-lived).
        self.input_fns: Set[FunctionInfo] = set()
        #: Methods handed to an Estimator as its model_fn (here, or in another module).
        self.passed_methods: Set[FunctionInfo] = set()
        self._find_model_fns()

        # The facts below are found when a rule (or a fix, or the project index) first asks
        # for them: a run that selects EST101 alone never evaluates graph values.
        self._stores: List[GraphStore] = []
        self._evaluated = False
        self._reads: Optional[List[CapturedRead]] = None
        self.values: Dict[FunctionInfo, FunctionValues] = {}
        self._param_kinds: Dict[FunctionInfo, Dict[str, int]] = {}
        #: Answers of the per-function questions below (:func:`predictions_argument`,
        #: :func:`prediction_keys`): rules, fixes and the index ask them several times.
        self._answers: Dict[Tuple[str, FunctionInfo], object] = {}

    @property
    def stores(self) -> List[GraphStore]:
        """Graph values stored where they outlive the graph (EST102, EST103)."""
        self._evaluate()
        return self._stores

    @property
    def reads(self) -> List[CapturedRead]:
        """Reads of captured attributes outside graph code (EST104; fix safety)."""
        if self._reads is None:
            self._reads = []
            self._find_reads()
        return self._reads

    def _evaluate(self) -> None:
        if not self._evaluated:
            self._evaluated = True
            self._evaluate_functions()

    # -- Estimator classes ------------------------------------------------------------

    def _resolve_estimators(self) -> None:
        chains: Dict[ClassInfo, Optional[List[str]]] = {}
        for cls in self.scopes.classes:
            chain = self._estimator_chain(cls, chains, set())
            if chain:
                self.estimators[cls] = EstimatorClass(cls, chain)
        for cls, est in self.estimators.items():
            for base in cls.node.bases:
                local = self.local_class(base)
                if local is not None and local in self.estimators:
                    self.estimators[local].subclasses.append(cls)
            if self.index is not None and self.module and hasattr(self.index, "subclasses_of"):
                est.external_subclasses = list(self.index.subclasses_of(self.class_qualname(cls), self.module))

    def _estimator_chain(
        self, cls: ClassInfo, chains: Dict[ClassInfo, Optional[List[str]]], visiting: Set[ClassInfo]
    ) -> Optional[List[str]]:
        """The chain of class names from ``cls`` to an Estimator base (None: not one);
        ``chains`` memoizes it per class, ``visiting`` breaks cycles of bases."""
        if cls in chains:
            return chains[cls]
        if cls in visiting:
            return None
        visiting.add(cls)
        result: Optional[List[str]] = None
        for base in cls.node.bases:
            base = self.dealias(base)
            local = self.local_class(base)
            if local is not None and local is not cls:
                sub = self._estimator_chain(local, chains, visiting)
                if sub:
                    result = [cls.name, *sub]
                    break
                continue
            qual = self.imports.resolve(base)
            if qual is None and isinstance(base, ast.Name) and self.imports.star_modules and self.module:
                qual = f"{self.module}.{base.id}"  # maybe from ``from .base import *`` (the index knows)
            if qual is None:
                continue
            if tfapi.is_estimator_qualname(qual):
                result = [cls.name, tfapi.display_qualname(qual)]
                break
            if qual in self.extra_bases:
                result = [cls.name, qual]
                break
            if self.index is not None:
                sub = self.index.estimator_chain(qual)
                if sub:
                    result = [cls.name, *sub]
                    break
        visiting.discard(cls)
        chains[cls] = result
        return result

    def dealias(self, expr: ast.AST) -> ast.AST:
        """``Base`` after a module-level ``Base = BaseEstimator``: the aliased expression."""
        for _ in range(8):
            if not (isinstance(expr, ast.Name) and expr.id in self.module_aliases):
                break
            expr = self.module_aliases[expr.id]
        return expr

    def local_class(self, expr: ast.AST) -> Optional[ClassInfo]:
        expr = self.dealias(expr)
        if isinstance(expr, ast.Name) and expr.id not in self.imports.names:
            return self.classes_by_name.get(expr.id)
        return None

    def is_estimator_class_expr(self, expr: ast.AST) -> bool:
        expr = self.dealias(expr)
        local = self.local_class(expr)
        if local is not None:
            return local in self.estimators
        qual = self.imports.resolve(expr)
        return bool(qual) and (tfapi.is_estimator_qualname(qual) or qual in self.extra_bases)

    def estimator_of(self, fn: Optional[FunctionInfo]) -> Optional[EstimatorClass]:
        """The Estimator class whose method ``fn`` is (or is nested in)."""
        for f in fn.enclosing() if fn else ():
            if f.cls is not None:
                return self.estimators.get(f.cls)
        return None

    # -- model_fn discovery -----------------------------------------------------------

    def _find_model_fns(self) -> None:
        passed: Set[FunctionInfo] = set()
        # 1. Functions passed as ``model_fn=`` or as an Estimator's first argument.
        for fn, node in self.all_calls():
            targets = self._model_fn_arguments(node, fn)
            to_estimator = bool(targets) and self._constructs_estimator(node.func, fn)
            for target in targets:
                for model_fn in self.function_targets(target, fn, 0):
                    self.model_fns.setdefault(model_fn, "passed as model_fn")
                    if to_estimator and model_fn.cls is not None:
                        passed.add(model_fn)
        # 1b. Methods another module hands to an Estimator (``Estimator(model_fn=m.model_fn)``
        # with ``m = ThisClass()``), as the project index read from that module's text;
        # only those shaped like a model_fn (``features`` first, or a ``mode`` parameter).
        passed_elsewhere = getattr(self.index, "passed_methods_of", None)
        if passed_elsewhere is not None and self.module is not None:
            for cls in self.scopes.module_classes.values():
                for name in passed_elsewhere(self.class_qualname(cls)):
                    method = cls.methods.get(name)
                    if method is not None and (method.call_params[:1] == ["features"] or "mode" in method.call_params):
                        self.model_fns.setdefault(method, "passed as model_fn in another module")
                        passed.add(method)
        for fn in self.scopes.functions:
            # 2. Named like a model_fn, with TensorFlow's parameter names (TF passes them
            # by name: ``def model_fn(self, mode, features, labels)`` is one too).
            name = fn.name
            if ("model_fn" == name or name.endswith("_model_fn")) and _model_fn_signature(fn):
                self.model_fns.setdefault(fn, "named like a model_fn")
            # 3. Returned by a model_fn builder.
            if "model_fn" in name:
                for returned in self._returned_functions(fn, 0):
                    if returned is not fn:
                        self.model_fns.setdefault(returned, f"returned by {name}()")
        self.passed_methods = passed
        for fn, reason in self.model_fns.items():
            est = self.estimator_of(fn)
            self.contexts[fn] = GraphContext(fn, reason, self_captures=fn in passed or est is not None)
        # 3b. input_fns: the Estimator calls them inside each graph it builds, too.
        self._find_input_fns()
        # 4. Overrides of the Estimator's own graph-building methods.
        for cls in self.estimators:
            for name, method in cls.methods.items():
                if method not in self.contexts and (name in tfapi.GRAPH_BUILDING_MEMBERS):
                    self.contexts[method] = GraphContext(method, "override", self_captures=True)
        # 5. In-file helpers called from graph code, and functions nested in it.
        work = list(self.contexts)
        while work:
            fn = work.pop()
            ctx = self.contexts[fn]
            for callee in self._called_functions(fn):
                if callee in self.contexts:
                    continue
                enclosing = next((f for f in callee.enclosing() if f in self.contexts), None)
                if enclosing is not None:
                    # A function nested in graph code: same boundary as its enclosing model_fn.
                    outer = self.contexts[enclosing]
                    self.contexts[callee] = GraphContext(outer.root, "nested", outer.self_captures)
                else:
                    via_self = callee.cls is not None and callee.cls is self.method_class(fn)
                    self.contexts[callee] = GraphContext(
                        callee,
                        "helper",
                        self_captures=ctx.self_captures and via_self or self.estimator_of(callee) is not None,
                        called_from=ctx.called_from or ctx.root,
                    )
                work.append(callee)
        for fn in self.scopes.functions:  # parents come before nested functions
            if fn not in self.contexts and fn.parent is not None and fn.parent in self.contexts:
                parent = self.contexts[fn.parent]
                self.contexts[fn] = GraphContext(parent.root, "nested", parent.self_captures)

    def _find_input_fns(self) -> None:
        """input_fns: functions passed as ``input_fn=`` or first to ``train``/``evaluate``/
        ``predict``/``TrainSpec``/``EvalSpec``, and functions named ``*input_fn`` taking
        ``params`` or ``mode``.  A graph value they keep outlives the graph the Estimator
        built around the call, like a model_fn's."""
        found: Dict[FunctionInfo, None] = {}
        for fn, node in self.all_calls():
            args = [kw.value for kw in node.keywords if kw.arg == "input_fn"]
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if not args and node.args and name in tfapi.INPUT_FN_TAKERS:
                args.append(node.args[0])
            for arg in args:
                for target in self.function_targets(arg, fn, 0):
                    found.setdefault(target)
        for fn in self.scopes.functions:
            if (fn.name == "input_fn" or fn.name.endswith("_input_fn")) and {"params", "mode"} & set(fn.call_params):
                found.setdefault(fn)
        for fn in found:
            if fn not in self.contexts:
                self.input_fns.add(fn)
                self.contexts[fn] = GraphContext(fn, "input_fn", self_captures=fn.cls is not None)

    def input_fn_of(self, root: Optional[FunctionInfo]) -> Optional[FunctionInfo]:
        """The input_fn whose call runs graph code rooted at ``root`` (a store's
        ``model_fn``), itself or the input_fn calling its helper; None for model_fns."""
        ctx = self.contexts.get(root) if root is not None else None
        if ctx is None:
            return None
        for fn in (ctx.root, ctx.called_from):
            if fn is not None and fn in self.input_fns:
                return fn
        return None

    def all_calls(self):
        for node in self.scopes.module_calls:
            yield None, node
        for fn in self.scopes.functions:
            for node in fn.calls:
                yield fn, node

    def _model_fn_arguments(self, call: ast.Call, fn: Optional[FunctionInfo]) -> List[ast.expr]:
        found = [kw.value for kw in call.keywords if kw.arg == "model_fn"]
        if call.args and not found:
            func = call.func
            if self._takes_model_fn_first(func, fn):
                found.append(call.args[0])
        return found

    def _constructs_estimator(self, func: ast.AST, fn: Optional[FunctionInfo]) -> bool:
        """Whether calling ``func`` builds an Estimator (so a method passed to it outlives the graph)."""
        if self.is_estimator_class_expr(func):
            return True
        if isinstance(func, ast.Attribute) and func.attr == "__init__":
            return self.estimator_of(fn) is not None
        qual = self.imports.resolve(func)
        name = (qual or "").rsplit(".", 1)[-1] or (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
        return name.endswith("Estimator")

    def _takes_model_fn_first(self, func: ast.AST, fn: Optional[FunctionInfo]) -> bool:
        qual = self.imports.resolve(func)
        if qual and tfapi.is_estimator_qualname(qual):
            return qual.rsplit(".", 1)[-1] in tfapi.MODEL_FN_ESTIMATOR_NAMES
        local = self.local_class(func)
        if local is not None and local in self.estimators:
            init = local.methods.get("__init__")
            return init is not None and init.call_params[:1] == ["model_fn"]
        # ``super().__init__(model_fn, ...)`` in a direct Estimator subclass.
        if isinstance(func, ast.Attribute) and func.attr == "__init__" and isinstance(func.value, ast.Call):
            if isinstance(func.value.func, ast.Name) and func.value.func.id == "super":
                est = self.estimator_of(fn)
                return est is not None and est.is_direct
        return False

    def method_class(self, fn: Optional[FunctionInfo]) -> Optional[ClassInfo]:
        for f in fn.enclosing() if fn else ():
            if f.cls is not None:
                return f.cls
        return None

    def visible_self_name(self, fn: Optional[FunctionInfo]) -> Optional[str]:
        """The name of ``self`` visible in ``fn`` (its own, or its enclosing method's)."""
        for f in fn.enclosing() if fn else ():
            if f.cls is not None:
                return f.self_name
        return None

    def _find_method(self, cls: ClassInfo, name: str) -> Optional[FunctionInfo]:
        seen: Set[ClassInfo] = set()
        todo = [cls]
        while todo:
            c = todo.pop(0)
            if c in seen:
                continue
            seen.add(c)
            if name in c.methods:
                return c.methods[name]
            todo.extend(b for b in (self.local_class(base) for base in c.node.bases) if b is not None)
        return None

    def _lookup_function(self, name: str, fn: Optional[FunctionInfo]) -> Optional[FunctionInfo]:
        for f in fn.enclosing() if fn else ():
            if name in f.nested:
                return f.nested[name]
            if f.is_local(name):
                return None
        return self.scopes.module_functions.get(name)

    def _assigned_values(self, name: str, fn: Optional[FunctionInfo]) -> List[ast.expr]:
        nodes = fn.nodes if fn is not None else self.scopes.module_nodes
        values = []
        for node in nodes:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                values.append(node.value)
        return values

    def function_targets(self, expr: ast.AST, fn: Optional[FunctionInfo], depth: int) -> List[FunctionInfo]:
        """The in-file functions an expression passed as ``model_fn`` may denote."""
        if depth > 6:
            return []
        if isinstance(expr, ast.Name):
            found = self._lookup_function(expr.id, fn)
            if found is not None:
                return [found]
            scope = fn
            while scope is not None and not scope.is_local(expr.id):
                scope = scope.parent
            out: List[FunctionInfo] = []
            for value in self._assigned_values(expr.id, scope):
                if value is not expr:
                    out.extend(self.function_targets(value, scope, depth + 1))
            return out
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Call):
            # ``Estimator(model_fn=Net().model_fn)``: a method of an instance built right there.
            built = self.local_class(expr.value.func)
            method = self._find_method(built, expr.attr) if built is not None else None
            return [method] if method is not None else []
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            owner = expr.value.id
            cls: Optional[ClassInfo] = None
            if owner == self.visible_self_name(fn):
                cls = self.method_class(fn)
            elif owner in self.classes_by_name and owner not in self.imports.names:
                cls = self.classes_by_name[owner]
            else:
                # ``model = MyModel(...); Estimator(model_fn=model.model_fn)``
                for value in self._assigned_values(owner, fn):
                    if isinstance(value, ast.Call):
                        cls = self.local_class(value.func)
                        if cls is not None:
                            break
            if cls is not None:
                method = self._find_method(cls, expr.attr)
                return [method] if method is not None else []
            return []
        if isinstance(expr, ast.Call):
            func = expr.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name == "partial" and expr.args:
                return self.function_targets(expr.args[0], fn, depth + 1)
            local = self.local_class(func)
            if local is not None:
                # ``model_fn=ModelFn()``: the instance's ``__call__`` is the model_fn.
                call = self._find_method(local, "__call__")
                return [call] if call is not None else []
            out = []
            for builder in self.function_targets(func, fn, depth + 1):
                out.extend(self._returned_functions(builder, depth + 1))
            return out
        if isinstance(expr, ast.Lambda) and isinstance(expr.body, ast.Call):
            return self.function_targets(expr.body.func, fn, depth + 1)
        return []

    def _returned_functions(self, fn: FunctionInfo, depth: int) -> List[FunctionInfo]:
        out: List[FunctionInfo] = []
        for node in fn.nodes:
            if isinstance(node, ast.Return) and node.value is not None:
                value = node.value
                if isinstance(value, ast.Name) and value.id in fn.nested:
                    out.append(fn.nested[value.id])
                elif isinstance(value, (ast.Call, ast.Lambda)) and depth < 3:
                    out.extend(self.function_targets(value, fn, depth + 1))
        return out

    def _called_functions(self, fn: FunctionInfo) -> List[FunctionInfo]:
        out = []
        self_name = self.visible_self_name(fn)
        for node in fn.nodes:
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name):
                callee = self._lookup_function(func.id, fn)
                if callee is not None:
                    out.append(callee)
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self_name:
                cls = self.method_class(fn)
                if cls is not None:
                    callee = self._find_method(cls, func.attr)
                    if callee is not None:
                        out.append(callee)
        return out

    def calls_model_fn(self, func: ast.AST, fn: Optional[FunctionInfo]) -> bool:
        """Whether ``func(...)`` calls one of this file's model_fns (returning a spec)."""
        if isinstance(func, ast.Name):
            target = self._lookup_function(func.id, fn)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self.visible_self_name(fn):
            cls = self.method_class(fn)
            target = self._find_method(cls, func.attr) if cls is not None else None
        else:
            return False
        return target is not None and target in self.model_fns

    # -- graph stores: values kept where they outlive the graph ---------------------

    def _evaluate_functions(self) -> None:
        # When graph code calls in-file helpers, a first round records the kinds of the
        # arguments passed to them; then functions are evaluated with those parameter kinds.
        param_kinds: Dict[FunctionInfo, Dict[str, int]] = {}

        def record(call: ast.Call, values: FunctionValues) -> None:
            callee = None
            func = call.func
            if isinstance(func, ast.Name):
                callee = self._lookup_function(func.id, values.function)
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                if func.value.id == self.visible_self_name(values.function):
                    cls = self.method_class(values.function)
                    callee = self._find_method(cls, func.attr) if cls is not None else None
            if callee is None or callee not in self.contexts or self.contexts[callee].reason not in ("helper", "nested"):
                return
            kinds = param_kinds.setdefault(callee, {})
            for name, arg in zip(callee.call_params, call.args):
                if not isinstance(arg, ast.Starred):
                    kinds[name] = join(kinds.get(name, 0), values.kind(arg))
            for kw in call.keywords:
                if kw.arg in callee.params:
                    kinds[kw.arg] = join(kinds.get(kw.arg, 0), values.kind(kw.value))

        # Only graph code and Estimator methods can hold a capture (_collect_stores); their
        # values need those of the functions around them.  Every other function is
        # evaluated only when a question needs it (values_of).
        wanted: Set[FunctionInfo] = set()
        for fn in self.scopes.functions:
            if fn in self.contexts or self.estimator_of(fn) is not None:
                wanted.update(fn.enclosing())
        self._param_kinds = param_kinds
        if any(c.reason == "helper" for c in self.contexts.values()):
            # Round 0: record the kinds of the arguments passed to in-file helpers.
            self.values = {}
            for fn in self.scopes.functions:  # parents before nested functions
                values = self._new_values(fn, self.values.get(fn.parent) if fn.parent is not None else None)
                values.on_call = record
                values.solve(fn.nodes)
                self.values[fn] = values
                for node in fn.nodes:
                    if isinstance(node, ast.Call):
                        values.kind(node)  # every call once, so that helper arguments are recorded
        self.values = {}
        for fn in self.scopes.functions:
            if fn in wanted:
                self._collect_stores(fn, self.values_of(fn))

    def _new_values(self, fn: FunctionInfo, parent: Optional[FunctionValues]) -> FunctionValues:
        ctx = self.contexts.get(fn)
        kinds: Dict[str, int] = {}
        if ctx is not None and ctx.reason != "helper":
            kinds.update((p, GRAPH) for p in fn.params if p in tfapi.MODEL_FN_TENSOR_PARAMS)
        kinds.update(self._param_kinds.get(fn, {}))
        return FunctionValues(self, fn, ctx is not None, kinds, parent)

    def values_of(self, fn: FunctionInfo) -> FunctionValues:
        """The graph values of ``fn``'s names (evaluated on first use)."""
        self._evaluate()  # helpers' parameter kinds come from the first round
        values = self.values.get(fn)
        if values is None:
            values = self._new_values(fn, self.values_of(fn.parent) if fn.parent is not None else None)
            values.solve(fn.nodes)
            self.values[fn] = values
        return values

    def _collect_stores(self, fn: FunctionInfo, values: FunctionValues) -> None:
        ctx = self.contexts.get(fn)
        self_captures = (ctx is not None and ctx.self_captures) or self.estimator_of(fn) is not None
        if ctx is None and not self_captures:
            return
        self_name = self.visible_self_name(fn)
        if self_name is not None and any(f.is_local(self_name) and f.self_name != self_name for f in fn.enclosing() if f.cls is None):
            self_name = None  # ``self`` rebound in a nested function
        for node in fn.nodes:
            pairs: List[Tuple[ast.AST, Optional[ast.expr], int, ast.AST]] = []
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if _may_outlive(target, fn):
                        pairs.extend(_target_value_pairs(target, node.value, values, fn))
            elif isinstance(node, ast.AugAssign):
                pairs.append((node.target, node.value, values.kind(node.value), node.target))
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                pairs.append((node.target, node.value, values.kind(node.value), node.target))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 3:
                    name = node.args[1].value if isinstance(node.args[1], ast.Constant) else None
                    if isinstance(name, str):
                        pairs.append((ast.Attribute(value=node.args[0], attr=name), node.args[2], values.kind(node.args[2]), node))
                    elif not isinstance(node.args[1], (ast.Constant, ast.Starred)):
                        # ``setattr(self, head + "_output", t)``: a name known only at run time
                        # (kept as its source text; :attr:`GraphStore.computed`).
                        target = ast.Attribute(value=node.args[0], attr=ast.unparse(node.args[1]))
                        pairs.append((_ComputedName(target), node.args[2], values.kind(node.args[2]), node))
                elif (
                    isinstance(func, ast.Attribute)
                    and func.attr in MUTATING_METHODS
                    and not self.imports.is_module_or_library(func.value)
                ):
                    args = [*node.args, *(k.value for k in node.keywords)]
                    kind = join(*(values.kind(a) for a in args)) if args else 0
                    value = node.args[-1] if node.args else (node.keywords[-1].value if node.keywords else None)
                    pairs.append((_ContainerOf(func.value), value, kind, node))
            else:
                continue
            for target, value, kind, report in pairs:
                if kind != GRAPH:
                    continue
                computed = isinstance(target, _ComputedName)
                statement = _statement_of(node, fn)
                store = self._classify_store(
                    target.expr if computed else target, value, fn, ctx, self_name, self_captures, report, statement
                )
                if store is not None:
                    store.computed = computed
                    self.stores.append(store)

    def _classify_store(self, target, value, fn, ctx, self_name, self_captures, report, statement) -> Optional[GraphStore]:
        container = isinstance(target, _ContainerOf)
        expr = target.expr if container else target
        root, first_attr, key = _root_of(expr)
        model_fn = ctx.root if ctx is not None else None
        if root is None:
            return None
        if self_name is not None and root == self_name and first_attr is not None:
            if not self_captures:
                if ctx is not None and fn.self_name != self_name and not self._bound_inside(root, fn, ctx.root):
                    # ``self`` of an enclosing method, captured by a nested model_fn.
                    how = "item" if isinstance(expr, ast.Subscript) else "attribute"
                    return GraphStore("call" if container else how, root, key, report, statement, value, fn, model_fn)
                return None
            return GraphStore(
                "self", first_attr, prediction_key(key), report, statement, value, fn, model_fn, self.method_class(fn)
            )
        if ctx is None:
            return None
        if isinstance(expr, ast.Name) and not container:
            if root in fn.global_names:
                return GraphStore("global", root, root, report, statement, value, fn, model_fn)
            if root in fn.nonlocal_names and (fn is ctx.root or not self._bound_inside(root, fn.parent, ctx.root)):
                return GraphStore("nonlocal", root, root, report, statement, value, fn, model_fn)
            return None
        if self._bound_inside(root, fn, ctx.root) and root not in fn.global_names:
            return None
        if root in ("self", "cls") and self.method_class(fn) is not None:
            return None
        how = "call" if container else ("item" if isinstance(expr, ast.Subscript) else "attribute")
        return GraphStore(how, root, key, report, statement, value, fn, model_fn)

    def _bound_inside(self, name: str, fn: Optional[FunctionInfo], root: FunctionInfo) -> bool:
        """Whether ``name`` used in ``fn`` is bound in a function up to ``root`` (inclusive)."""
        f = fn
        while f is not None:
            if name in f.global_names:
                return False
            if name in f.bound and name not in f.nonlocal_names:
                return True
            if f is root:
                return False
            f = f.parent
        return False

    # -- reads of captured attributes ------------------------------------------------

    def captured_attributes(self, cls: ClassInfo) -> Dict[str, Tuple[Optional[GraphStore], str]]:
        """attr -> (the capture in this file or None, where it was captured), inherited too."""
        found: Dict[str, Tuple[Optional[GraphStore], str]] = {}
        todo, seen = [cls], set()
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            for store in self.stores:
                if store.how == "self" and store.cls is c and self._readable_capture(store):
                    found.setdefault(store.name, (store, store.function.qualname))
            for base in c.node.bases:
                local = self.local_class(base)
                if local is not None:
                    todo.append(local)
                else:
                    self._external_captures(base, found)
        return found

    def _readable_capture(self, store: GraphStore) -> bool:
        """Whether EST104 follows reads of this capture: a named attribute a model_fn keeps
        (an input_fn's iterator is no prediction to read instead)."""
        return not store.computed and self.input_fn_of(store.model_fn) is None

    def _external_captures(self, expr: Optional[ast.AST], into: Dict[str, Tuple[Optional[GraphStore], str]]) -> None:
        if expr is None or self.index is None or not hasattr(self.index, "captured_attributes"):
            return
        qual = self.imports.resolve(expr)
        if not qual:
            return
        inherited = getattr(self.index, "inherited_captures", None)
        if inherited is not None:
            # The class's own captures and those it inherits from bases in other modules.
            for attr, owner in inherited(qual):
                into.setdefault(attr, (None, owner))
            return
        for attr in self.index.captured_attributes(qual):
            into.setdefault(attr, (None, qual))

    def reflective_nodes(self) -> List[ast.AST]:
        """Reads by name or of a namespace: ``getattr``/``hasattr`` calls, ``vars()``,
        ``globals()``/``locals()`` and ``x.__dict__`` loads anywhere in the file."""
        if self._reflective is None:
            self._walk_tree()
        return self._reflective  # type: ignore[return-value]

    def nesting_depth(self) -> int:
        """The nesting depth of the tree (fixes refuse files deeper than libcst can be
        trusted with)."""
        if self._depth is None:
            self._walk_tree()
        return self._depth  # type: ignore[return-value]

    def _walk_tree(self) -> None:
        """One walk of the whole tree, level by level, for the questions fixes ask of all
        of it: the reflective reads and the nesting depth (as ``ast.walk`` counts it: the
        context and operator singletons are a level below their node)."""
        found: List[ast.AST] = []
        deepest, level = 0, [self.tree]
        Call, Name, Attribute, Load = ast.Call, ast.Name, ast.Attribute, ast.Load
        reflective_calls = ("getattr", "hasattr", "vars", "globals", "locals")
        while level:
            deepest += 1
            below: List[ast.AST] = []
            extend = below.extend
            singleton_below = False
            for node in level:
                kind = type(node)
                if kind is Call:
                    func = node.func  # type: ignore[attr-defined]
                    if type(func) is Name and func.id in reflective_calls:
                        found.append(node)
                elif kind is Attribute and node.attr == "__dict__" and type(node.ctx) is Load:  # type: ignore[attr-defined]
                    found.append(node)
                if kind in WITH_SINGLETON_CHILD:
                    singleton_below = True
                extend(child_nodes(node))
            if singleton_below and not below:
                deepest += 1  # only singletons below the deepest level
            level = below
        self._reflective = found  # in ``ast.walk``'s order (breadth first)
        self._depth = deepest

    def class_qualname(self, cls: ClassInfo) -> str:
        return f"{self.module}.{cls.qualname}" if self.module else cls.qualname

    def captures_by_class(self) -> Dict[str, List[str]]:
        """Class qualname -> captured attributes (what the project index learns from this file)."""
        out: Dict[str, List[str]] = {}
        for store in self.stores:
            if store.how == "self" and store.cls is not None and self._readable_capture(store):
                attrs = out.setdefault(self.class_qualname(store.cls), [])
                if store.name not in attrs:
                    attrs.append(store.name)
        return out

    def exported_prediction_keys(self) -> Dict[str, List[str]]:
        """Module-level function or Estimator class qualname -> the statically known
        PREDICT keys of it (a class: of the model_fn its constructor passes), what the
        project index learns from this file for EST105 in modules that import them."""
        if self.module is None:
            return {}
        out: Dict[str, List[str]] = {}
        for name, fn in self.scopes.module_functions.items():
            keys = prediction_keys(self, fn)
            if keys is not None:
                out[f"{self.module}.{name}"] = sorted(keys)
        for name, cls in self.scopes.module_classes.items():
            if cls in self.estimators:
                how, fn = self.constructor_model_fn(cls)
                keys = prediction_keys(self, fn) if how == "fixed" and fn is not None else None
                if keys is not None:
                    out[f"{self.module}.{name}"] = sorted(keys)
                elif how == "unknown":
                    # ``super().__init__(model_fn=imported_model_fn)``: the keys are that
                    # module's; the index follows the link when asked (two hops).
                    passed = self.constructor_imported_model_fn(cls)
                    qual = self.imports.resolve(passed[0]) if passed is not None else None
                    if qual:
                        out[f"{self.module}.{name}"] = [SAME_KEYS_AS + qual]
        for method in self.passed_methods:
            # ``Estimator(model_fn=model.model_fn)`` in another module asks for these.
            keys = prediction_keys(self, method)
            if keys is not None and method.cls is not None:
                out[f"{self.class_qualname(method.cls)}.{method.name}"] = sorted(keys)
        return out

    def constructor_model_fn(self, cls: ClassInfo) -> Tuple[str, Optional[FunctionInfo]]:
        """Which model_fn constructing Estimator class ``cls`` installs:

        * ``("passthrough", None)``: the caller's ``model_fn=`` (no ``__init__`` of its own up
          to TensorFlow's, or one that hands ``model_fn``/``**kwargs`` on to the base);
        * ``("fixed", fn)``: the constructor always passes ``fn`` (``model_fn=self._model_fn``);
        * ``("unknown", None)``: anything else.
        """
        seen: Set[ClassInfo] = set()
        while cls not in seen:
            seen.add(cls)
            init = cls.methods.get("__init__")
            if init is not None:
                return self._init_model_fn(init)
            local_bases = [b for b in (self.local_class(base) for base in cls.node.bases) if b in self.estimators]
            if not local_bases:
                est = self.estimators.get(cls)
                # Straight from TensorFlow's class (or another module's: not known here).
                return ("passthrough", None) if est is not None and est.is_direct else ("unknown", None)
            cls = local_bases[0]
        return "unknown", None

    def constructor_imported_model_fn(self, cls: ClassInfo) -> Optional[Tuple[ast.expr, FunctionInfo]]:
        """(expression, ``__init__``) when the constructor of Estimator class ``cls`` (or of
        its nearest in-file base with one) passes an imported model_fn to the base:
        ``super().__init__(model_fn=other_module.model_fn)``."""
        seen: Set[ClassInfo] = set()
        while cls not in seen:
            seen.add(cls)
            init = cls.methods.get("__init__")
            if init is not None:
                for call in init.calls:
                    func = call.func
                    if isinstance(func, ast.Attribute) and func.attr == "__init__":
                        value = next((k.value for k in call.keywords if k.arg == "model_fn"), None)
                        if value is None and call.args and isinstance(func.value, ast.Call) and self.estimator_of(init):
                            est = self.estimator_of(init)
                            value = call.args[0] if est is not None and est.is_direct else None
                        root = value
                        while isinstance(root, ast.Attribute):
                            root = root.value
                        if (
                            isinstance(root, ast.Name)
                            and root.id in self.imports.names
                            and not init.is_local(root.id)
                            and not self.function_targets(value, init, 0)
                        ):
                            return value, init
                        return None
                return None
            bases = [b for b in (self.local_class(base) for base in cls.node.bases) if b in self.estimators]
            if not bases:
                return None
            cls = bases[0]
        return None

    def _init_model_fn(self, init: FunctionInfo) -> Tuple[str, Optional[FunctionInfo]]:
        for call in init.calls:
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
                continue
            value = next((k.value for k in call.keywords if k.arg == "model_fn"), None)
            if value is None:
                forwards = any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args)
                return ("passthrough", None) if forwards and init.node.args.kwarg is not None else ("unknown", None)
            if isinstance(value, ast.Name) and value.id == "model_fn" and "model_fn" in init.params:
                return "passthrough", None
            targets = self.function_targets(value, init, 0)
            return ("fixed", targets[0]) if len(targets) == 1 else ("unknown", None)
        return "unknown", None

    def _class_captures(self, expr: Optional[ast.AST], cache: Dict[int, Dict]) -> Dict[str, Tuple[Optional[GraphStore], str]]:
        """Captured attributes of the class an expression (a call's callee, an annotation) names."""
        if expr is None:
            return {}
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            try:
                expr = ast.parse(expr.value, mode="eval").body
            except SyntaxError:
                return {}
        local = self.local_class(expr)
        if local is not None:
            if id(local) not in cache:
                cache[id(local)] = self.captured_attributes(local)
            return cache[id(local)]
        found: Dict[str, Tuple[Optional[GraphStore], str]] = {}
        self._external_captures(expr, found)
        return found

    def _find_reads(self) -> None:
        # With an index, other modules' classes may carry captures: asked per class (so a
        # file's questions, not the index's whole state, decide whether its result holds).
        if self.index is None and not any(s.how == "self" for s in self.stores):
            return
        cache: Dict[int, Dict] = {}
        # Functions annotated as returning a captured class: ``def make() -> MyEstimator``.
        factories: Dict[str, Dict] = {}
        for name, fn in self.scopes.module_functions.items():
            attrs = self._class_captures(fn.node.returns, cache)
            if attrs:
                factories[name] = attrs
        store_nodes = {id(s.node) for s in self.stores}
        scopes: List[Tuple[Optional[FunctionInfo], List[ast.AST]]] = [(None, self.scopes.module_nodes)]
        scopes.extend((fn, fn.nodes) for fn in self.scopes.functions if fn not in self.contexts)
        for fn, nodes in scopes:
            instances: Dict[str, Dict] = {}
            self_name = self.visible_self_name(fn) if fn is not None else None
            if self_name is not None:
                cls = self.method_class(fn)
                if cls is not None:
                    if id(cls) not in cache:
                        cache[id(cls)] = self.captured_attributes(cls)
                    if cache[id(cls)]:
                        instances[self_name] = cache[id(cls)]
            if fn is not None:
                for arg in (*fn.node.args.posonlyargs, *fn.node.args.args, *fn.node.args.kwonlyargs):
                    attrs = self._class_captures(arg.annotation, cache)
                    if attrs:
                        instances[arg.arg] = attrs
            for node in nodes:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    func = node.value.func
                    attrs = self._class_captures(func, cache)
                    if not attrs and isinstance(func, ast.Name):
                        attrs = factories.get(func.id, {})
                    if attrs:
                        for t in node.targets:
                            if isinstance(t, ast.Name):
                                instances[t.id] = attrs
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    attrs = self._class_captures(node.annotation, cache)
                    if attrs:
                        instances[node.target.id] = attrs
            if not instances:
                continue
            for node in nodes:
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.ctx, ast.Load)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in instances
                    and id(node) not in store_nodes
                ):
                    attrs = instances[node.value.id]
                    if node.attr in attrs:
                        store, where = attrs[node.attr]
                        self.reads.append(CapturedRead(node, node.value.id, store, fn, where))


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


class _ComputedName:
    """Marks ``setattr(obj, <expression>, v)``: ``expr`` is ``obj.<expression source>``."""

    __slots__ = ("expr",)

    def __init__(self, expr: ast.Attribute) -> None:
        self.expr = expr


class _ContainerOf:
    """Marks a store made by a mutating call on ``expr`` (``expr.append(v)``)."""

    __slots__ = ("expr",)

    def __init__(self, expr: ast.AST) -> None:
        self.expr = expr


def _model_fn_signature(fn: FunctionInfo) -> bool:
    """Parameters TensorFlow can pass a model_fn (by name): ``features`` first as most
    code writes it, or ``features`` with ``mode``/``labels`` in any order, nothing else
    required."""
    params = fn.call_params
    if params[:1] == ["features"]:
        return True
    if "features" not in params or not ({"mode", "labels"} & set(params)):
        return False
    args = fn.node.args
    required = params[: len(params) - len(args.defaults)] if args.defaults else params
    return set(required) <= set(tfapi.MODEL_FN_PARAMS)


def _may_outlive(target: ast.AST, fn: FunctionInfo) -> bool:
    """Whether storing into ``target`` can keep a value past ``fn``'s call: not when it
    only binds names local to ``fn`` (their values' kinds are then never needed here)."""
    if isinstance(target, ast.Starred):
        target = target.value
    if isinstance(target, ast.Name):
        return target.id in fn.global_names or target.id in fn.nonlocal_names
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_may_outlive(t, fn) for t in target.elts)
    return True


def _target_value_pairs(target: ast.AST, value: ast.expr, values: FunctionValues, fn: FunctionInfo):
    if isinstance(target, (ast.Tuple, ast.List)):
        if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
            for t, v in zip(target.elts, value.elts):
                if _may_outlive(t, fn):
                    yield from _target_value_pairs(t, v, values, fn)
            return
        kind = values.kind(value)
        for t in target.elts:
            t = t.value if isinstance(t, ast.Starred) else t
            yield from ((x, value, kind, x) for x in [t] if not isinstance(x, (ast.Tuple, ast.List)))
        return
    yield target, value, values.kind(value), target


def prediction_key(attr: str) -> str:
    """The ``predictions`` key for a captured attribute: ``self._logits`` -> ``'logits'``
    (a key is public: ``predict()`` callers name it)."""
    return attr.lstrip("_") or attr


def _root_of(expr: ast.AST) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """``a.b[c].d`` -> (``a``, ``b``, key): the root name, the first attribute, a key name."""
    key: Optional[str] = None
    first_attr: Optional[str] = None
    node = expr
    while True:
        if isinstance(node, ast.Attribute):
            first_attr = node.attr
            if key is None:
                key = node.attr
            node = node.value
        elif isinstance(node, ast.Subscript):
            if key is None:
                sl = node.slice
                if isinstance(sl, ast.Constant) and isinstance(sl.value, str):
                    key = sl.value
            first_attr = None
            node = node.value
        elif isinstance(node, ast.Call):
            return None, None, None
        else:
            break
    if isinstance(node, ast.Name):
        if key is None:
            key = node.id
        return node.id, first_attr, key
    return None, None, None


def _statement_of(node: ast.AST, fn: FunctionInfo) -> ast.stmt:
    if isinstance(node, ast.stmt):
        return node
    for stmt in fn.nodes:
        if isinstance(stmt, ast.Expr) and stmt.value is node:
            return stmt
    return node  # type: ignore[return-value]


def class_body_definitions(body: List[ast.stmt]):
    """(name, report node, statement) for every name a class body defines."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield stmt.name, stmt, stmt
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for name_node in _names_in_target(target):
                    yield name_node.id, name_node, stmt
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and isinstance(stmt.target, ast.Name):
            if not isinstance(stmt, ast.AnnAssign) or stmt.value is not None:
                yield stmt.target.id, stmt.target, stmt
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
            for field_name in ("body", "orelse", "finalbody"):
                yield from class_body_definitions(getattr(stmt, field_name, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                yield from class_body_definitions(handler.body)


def _names_in_target(target: ast.AST):
    if isinstance(target, ast.Name):
        yield target
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _names_in_target(elt)
    elif isinstance(target, ast.Starred):
        yield from _names_in_target(target.value)


# --------------------------------------------------------------------------------------
# PREDICT outputs (EST105, and the fixer)
# --------------------------------------------------------------------------------------


def predictions_argument(model: FileModel, fn: FunctionInfo) -> List[Tuple[ast.Call, ast.expr]]:
    """Every (EstimatorSpec call, predictions argument) in ``fn``'s own body."""
    key = ("predictions_argument", fn)
    found = model._answers.get(key)
    if found is None:
        found = model._answers[key] = _predictions_argument(model, fn)
    return list(found)


def _predictions_argument(model: FileModel, fn: FunctionInfo) -> List[Tuple[ast.Call, ast.expr]]:
    found = []
    for node in fn.calls:
        qual = model.imports.resolve(node.func)
        if not qual or qual.rsplit(".", 1)[-1] not in tfapi.ESTIMATOR_SPEC_NAMES:
            continue
        arg = next((k.value for k in node.keywords if k.arg == "predictions"), None)
        if arg is None and len(node.args) >= 2:
            arg = node.args[1]
        if arg is not None and not (isinstance(arg, ast.Constant) and arg.value is None):
            found.append((node, arg))
    return found


def prediction_keys(model: FileModel, fn: FunctionInfo) -> Optional[Set[str]]:
    """The keys ``predict()`` yields for model_fn ``fn``, when they are statically known.

    Known means: one EstimatorSpec with predictions, a dict literal with string keys (or
    a local name bound once to one), extended only by ``name['key'] = ...``.
    """
    key = ("prediction_keys", fn)
    if key not in model._answers:
        model._answers[key] = _prediction_keys(model, fn)
    keys = model._answers[key]
    return None if keys is None else set(keys)


def _prediction_keys(model: FileModel, fn: FunctionInfo) -> Optional[Set[str]]:
    specs = predictions_argument(model, fn)
    if len(specs) != 1:
        return None
    _, arg = specs[0]
    literal: Optional[ast.Dict] = arg if isinstance(arg, ast.Dict) else None
    name = arg.id if isinstance(arg, ast.Name) else None
    if name is not None:
        bindings = [
            n for n in fn.nodes
            if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.With))
            and any(isinstance(t, ast.Name) and t.id == name for t in walk_nodes(n) if isinstance(getattr(t, "ctx", None), ast.Store))
        ]
        if len(bindings) != 1 or not isinstance(bindings[0], ast.Assign) or not isinstance(bindings[0].value, ast.Dict):
            return None
        literal = bindings[0].value
    if literal is None:
        return None
    keys: Set[str] = set()
    for key in literal.keys:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None  # ``**other`` or a computed key
        keys.add(key.value)
    if name is not None:
        spec_call = specs[0][0]
        for node in fn.nodes:
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name:
                if isinstance(node.ctx, ast.Load):
                    continue
                if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                    keys.add(node.slice.value)
                else:
                    return None
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name:
                return None  # ``predictions.update(...)`` and friends
            elif isinstance(node, ast.Call) and node is not spec_call:
                if any(isinstance(a, ast.Name) and a.id == name for a in [*node.args, *(k.value for k in node.keywords)]):
                    return None  # handed to a function that may add keys
    return keys
