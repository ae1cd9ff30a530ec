"""Graph-value evaluation: which expressions denote TensorFlow graph values?

A small abstract interpreter over ``ast`` expressions.  Every expression gets one kind:

``NONE``   a plain Python value, or unknown (the default: no finding without evidence)
``CONFIG`` a TensorFlow configuration object: a layer, an optimizer, a feature column,
           a hook, ``RunConfig``, a session, a dtype... (calling it builds graph values)
``HOLDER`` a user object built from graph values (``BertModel(input_ids=features[...])``);
           not reported itself, but its attributes and method results are graph values
``GRAPH``  a tensor, an op, an ``EstimatorSpec``, or a container of those

Kinds are ordered; a join is their maximum.  Inside a model_fn (``graph_mode``) any
TensorFlow op builds a graph value; elsewhere only explicit tensor makers do
(``tf.constant``, ``tf.Variable``, ...), so that ``__init__`` code is judged strictly.
"""

from __future__ import annotations

import ast
import weakref
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

from estimator_lint import tfapi
from estimator_lint.analysis.scopes import FunctionInfo

if TYPE_CHECKING:  # pragma: no cover
    from estimator_lint.analysis.model import FileModel

NONE, CONFIG, HOLDER, GRAPH = 0, 1, 2, 3

#: Builtins that return plain Python values whatever their arguments.
_PYTHON_BUILTINS = frozenset(
    {
        "len", "int", "float", "str", "bool", "repr", "id", "type", "isinstance", "issubclass",
        "hasattr", "callable", "print", "hash", "format", "ord", "chr", "abs", "round", "range",
        "open", "vars", "dir", "getattr_static", "super", "object", "bytes", "divmod",
    }
)
#: Builtins whose result carries the kind of their arguments (containers, selectors).
_PROPAGATING_BUILTINS = frozenset(
    {"list", "tuple", "dict", "set", "frozenset", "sorted", "reversed", "iter", "next", "max", "min",
     "sum", "zip", "enumerate", "map", "filter", "getattr", "copy", "deepcopy"}
)
#: Methods of containers whose result is not a graph value.
_PYTHON_METHODS = frozenset(
    {"format", "join", "startswith", "endswith", "split", "strip", "lower", "upper", "replace",
     "keys", "count", "index", "__len__", "encode", "decode", "is_compatible_with", "as_list"}
)


def join(*kinds: int) -> int:
    return max(kinds) if kinds else NONE


class FunctionValues:
    """Kinds of a function's local names, computed to a fixed point."""

    def __init__(
        self,
        model: "FileModel",
        function: Optional[FunctionInfo],
        graph_mode: bool,
        param_kinds: Optional[Dict[str, int]] = None,
        parent: Optional["FunctionValues"] = None,
    ) -> None:
        # The model owns its values: a strong reference back would make a cycle, and then
        # a file's whole analysis (its tree with it) would wait for the cyclic collector
        # instead of going when the file is done.
        self.model = weakref.proxy(model)
        self._imports = model.imports
        #: The module's values (None: these are the module's).
        self._module_values: Optional[FunctionValues] = getattr(model, "module_values", None)
        self.function = function
        self.graph_mode = graph_mode
        self.parent = parent
        self.env: Dict[str, int] = {}
        #: Body nodes given to :meth:`solve`, not solved yet (solved on the first question).
        self._pending: Optional[List[ast.AST]] = None
        if function is not None:
            for name in function.params:
                self.env[name] = NONE
            if param_kinds:
                self.env.update(param_kinds)
        #: Hook called for every call expression evaluated (the model records the
        #: argument kinds of calls to in-file helper functions).
        self.on_call: Optional[Callable[[ast.Call, "FunctionValues"], None]] = None
        #: Kinds of expressions asked once the environment is final (rules and fixes ask
        #: about the same values again): id -> (the node itself, kind).  The node is kept
        #: so that its id cannot pass to another, later node.
        self._kinds: Dict[int, Tuple[ast.AST, int]] = {}
        self._final = False

    # -- the environment --------------------------------------------------------------

    def solve(self, nodes: List[ast.AST]) -> None:
        """Assign kinds to every local name (flow-insensitive, may-analysis).

        ``nodes`` are the body's nodes (:attr:`FunctionInfo.nodes`), computed once.  The
        work is done when the first kind is asked for: most functions of a file never are.
        """
        self._pending = nodes

    def _solve(self) -> None:
        nodes, self._pending = self._pending, None
        assignments = [n for n in nodes if isinstance(n, _BINDING_STATEMENTS)]
        for _ in range(6):
            before = dict(self.env)
            for node in assignments:
                self._bind(node)
            if self.env == before:
                break
        self._final = True

    def _set(self, target: ast.AST, kind: int) -> None:
        if isinstance(target, ast.Name):
            if self.function is not None and target.id in self.function.global_names:
                return
            self.env[target.id] = join(self.env.get(target.id, NONE), kind)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._set(elt, kind)
        elif isinstance(target, ast.Starred):
            self._set(target.value, kind)

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            value = node.value
            for target in node.targets:
                if (
                    isinstance(target, (ast.Tuple, ast.List))
                    and isinstance(value, (ast.Tuple, ast.List))
                    and len(target.elts) == len(value.elts)
                    and not any(isinstance(e, ast.Starred) for e in target.elts)
                ):
                    for t, v in zip(target.elts, value.elts):
                        self._set(t, self.kind(v))
                else:
                    self._set(target, self.kind(value))
        elif isinstance(node, ast.AugAssign):
            self._set(node.target, self.kind(node.value))
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._set(node.target, self.kind(node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._set(node.target, self._element_kind(node.iter))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._set(item.optional_vars, self.kind(item.context_expr))
        elif isinstance(node, ast.NamedExpr):
            self._set(node.target, self.kind(node.value))

    def lookup(self, name: str) -> int:
        values: Optional[FunctionValues] = self
        while values is not None:
            if values._pending is not None:
                values._solve()
            if name in values.env:
                return values.env[name]
            values = values.parent
        module_values = self._module_values
        if module_values is None:
            return NONE
        if module_values._pending is not None:
            module_values._solve()
        return module_values.env.get(name, NONE)

    # -- expressions ------------------------------------------------------------------

    def _element_kind(self, iterable: ast.expr) -> int:
        kind = self.kind(iterable)
        return GRAPH if kind == GRAPH else (kind if kind in (CONFIG, HOLDER) else NONE)

    def kind(self, expr: Optional[ast.AST]) -> int:
        if expr is None:
            return NONE
        if self._pending is not None:
            self._solve()
        # Memoized only when nothing can change the answer: this environment is final and
        # no hook watches the calls evaluated (enclosing scopes are solved before a lookup).
        memo = self._final and self.on_call is None
        if memo:
            known = self._kinds.get(id(expr))
            if known is not None and known[0] is expr:
                return known[1]
        method = _KIND_METHODS.get(type(expr))
        if method is None:
            method = _KIND_METHODS[type(expr)] = getattr(type(self), "_kind_" + type(expr).__name__, _no_kind)
        kind = method(self, expr)
        if memo:
            self._kinds[id(expr)] = (expr, kind)
        return kind

    def _kind_Name(self, node: ast.Name) -> int:
        return self.lookup(node.id)

    def _kind_Constant(self, node: ast.Constant) -> int:
        return NONE

    def resolve_import(self, expr: ast.AST) -> Optional[str]:
        """The dotted import name of ``expr``, unless its root is a local variable."""
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.env:
            return None
        return self._imports.resolve(expr)

    def _kind_Attribute(self, node: ast.Attribute) -> int:
        qual = self.resolve_import(node)
        if qual is not None and tfapi.is_tf_qualname(qual):
            # ``tf.float32``, ``tf.estimator.ModeKeys.TRAIN``, ``tf.nn.relu``: not values of the graph.
            return NONE
        base = self.kind(node.value)
        if base == GRAPH:
            return NONE if node.attr in tfapi.STATIC_TENSOR_ATTRIBUTES else GRAPH
        if base == HOLDER:
            return NONE if node.attr in tfapi.STATIC_TENSOR_ATTRIBUTES else GRAPH
        if base == CONFIG:
            return GRAPH if node.attr in tfapi.GRAPH_ATTRIBUTES_OF_OBJECTS else NONE
        return NONE

    def _kind_Subscript(self, node: ast.Subscript) -> int:
        base = self.kind(node.value)
        if base in (GRAPH, HOLDER):
            return GRAPH
        return NONE

    def _kind_Starred(self, node: ast.Starred) -> int:
        return self.kind(node.value)

    def _kind_NamedExpr(self, node: ast.NamedExpr) -> int:
        return self.kind(node.value)

    def _kind_BinOp(self, node: ast.BinOp) -> int:
        return GRAPH if GRAPH in (self.kind(node.left), self.kind(node.right)) else NONE

    def _kind_UnaryOp(self, node: ast.UnaryOp) -> int:
        if isinstance(node.op, ast.Not):
            return NONE
        return GRAPH if self.kind(node.operand) == GRAPH else NONE

    def _kind_BoolOp(self, node: ast.BoolOp) -> int:
        return join(*(self.kind(v) for v in node.values))

    def _kind_Compare(self, node: ast.Compare) -> int:
        if all(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in node.ops):
            kinds = [self.kind(node.left), *(self.kind(c) for c in node.comparators)]
            return GRAPH if GRAPH in kinds else NONE
        return NONE

    def _kind_IfExp(self, node: ast.IfExp) -> int:
        return join(self.kind(node.body), self.kind(node.orelse))

    def _containers(self, elts) -> int:
        return join(*(self.kind(e) for e in elts if e is not None))

    def _kind_Tuple(self, node: ast.Tuple) -> int:
        return self._containers(node.elts)

    _kind_List = _kind_Tuple
    _kind_Set = _kind_Tuple

    def _kind_Dict(self, node: ast.Dict) -> int:
        return self._containers(node.values)

    def _comprehension(self, node, elements: List[ast.expr]) -> int:
        saved = dict(self.env)
        try:
            for gen in node.generators:
                self._set(gen.target, self._element_kind(gen.iter))
            return join(*(self.kind(e) for e in elements))
        finally:
            self.env = saved

    def _kind_ListComp(self, node: ast.ListComp) -> int:
        return self._comprehension(node, [node.elt])

    _kind_SetComp = _kind_ListComp
    _kind_GeneratorExp = _kind_ListComp

    def _kind_DictComp(self, node: ast.DictComp) -> int:
        return self._comprehension(node, [node.value])

    def _kind_Await(self, node: ast.Await) -> int:
        return self.kind(node.value)

    def _kind_Call(self, node: ast.Call) -> int:
        if self.on_call is not None:
            self.on_call(node, self)
        func = node.func
        args = [*node.args, *(k.value for k in node.keywords)]

        def args_kind() -> int:
            return join(*(self.kind(a) for a in args))

        # ``super()._call_model_fn(...)``, ``self._call_model_fn(...)``: an EstimatorSpec.
        if isinstance(func, ast.Attribute) and func.attr == "_call_model_fn":
            return GRAPH
        qual = self.resolve_import(func)
        if qual is not None and tfapi.is_tf_qualname(qual):
            call_kind = tfapi.classify_tf_call(qual)
            if call_kind in (tfapi.CallKind.SPEC, tfapi.CallKind.MAKER):
                return GRAPH
            if call_kind == tfapi.CallKind.GRAPH:
                if self.graph_mode:
                    return GRAPH
                return GRAPH if args_kind() == GRAPH else NONE
            if call_kind == tfapi.CallKind.CONFIG:
                return CONFIG
            return NONE
        # A call of a model_fn defined in this file returns an EstimatorSpec.
        if self.graph_mode and self.model.calls_model_fn(func, self.function):
            return GRAPH
        if isinstance(func, ast.Name):
            if func.id in _PYTHON_BUILTINS and self.lookup(func.id) == NONE:
                return NONE
            if func.id in _PROPAGATING_BUILTINS:
                return args_kind()
            callee_kind = self.lookup(func.id)
            if callee_kind in (CONFIG, HOLDER):
                # Calling a layer / model object on tensors builds graph values.
                return GRAPH if args_kind() >= HOLDER or self.graph_mode and args else NONE
            produced = args_kind()
            if produced >= HOLDER:
                return HOLDER if func.id[:1].isupper() else GRAPH
            return NONE
        if isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Constant):
                return NONE
            receiver = self.kind(func.value)
            if func.attr in _PYTHON_METHODS or func.attr in tfapi.PYTHON_VALUE_METHODS:
                return NONE
            if receiver == GRAPH or receiver == HOLDER:
                return GRAPH
            if receiver == CONFIG:
                if self.graph_mode and func.attr in tfapi.ITERATOR_METHODS:
                    return GRAPH  # ``dataset.make_one_shot_iterator()``: an op of this graph
                # ``optimizer.minimize(loss)``, ``layer.apply(x)``.
                return GRAPH if args_kind() >= HOLDER else CONFIG if func.attr[:1].isupper() else NONE
            produced = args_kind()
            if produced >= HOLDER:
                return HOLDER if func.attr[:1].isupper() else GRAPH
            return NONE
        if isinstance(func, ast.Call):
            # ``tf.keras.layers.Dense(3)(features)``.
            callee = self.kind(func)
            if callee in (CONFIG, HOLDER):
                return GRAPH if args_kind() >= HOLDER else NONE
        return GRAPH if args_kind() == GRAPH else NONE

    def _kind_Lambda(self, node: ast.Lambda) -> int:
        return NONE

    def _kind_JoinedStr(self, node: ast.JoinedStr) -> int:
        return NONE


_BINDING_STATEMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.NamedExpr)


def _no_kind(values: FunctionValues, expr: ast.AST) -> int:
    return NONE


#: node type -> the ``FunctionValues._kind_*`` method for it (filled on first use).
_KIND_METHODS: Dict[type, Callable[[FunctionValues, ast.AST], int]] = {}
