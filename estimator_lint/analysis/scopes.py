"""Functions, classes and the names each function binds (Python's scoping rules).

One walk over the tree records every function and class with its enclosing scope, so
that later questions — "is ``OUTER`` bound inside this model_fn?", "which methods does
this class define?" — are dictionary look-ups.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


@dataclass(eq=False)
class ClassInfo:
    node: ast.ClassDef
    name: str
    #: Enclosing function, if the class is defined inside one.
    function: Optional["FunctionInfo"]
    #: Enclosing class, for nested classes.
    outer_class: Optional["ClassInfo"]
    methods: Dict[str, "FunctionInfo"] = field(default_factory=dict)
    #: Every node of the class body, not entering nested scopes.
    nodes: List[ast.AST] = field(default_factory=list)
    #: The calls, imports and assignments among ``nodes``.
    calls: List[ast.Call] = field(default_factory=list)
    imports: List[ast.stmt] = field(default_factory=list)
    assigns: List[ast.Assign] = field(default_factory=list)

    @property
    def qualname(self) -> str:
        if self.outer_class is not None:
            return f"{self.outer_class.qualname}.{self.name}"
        if self.function is not None:
            return f"{self.function.qualname}.<locals>.{self.name}"
        return self.name


@dataclass(eq=False)
class FunctionInfo:
    node: FunctionNode
    name: str
    parent: Optional["FunctionInfo"]
    #: The class whose body defines this function (a method), if any.
    cls: Optional[ClassInfo]
    params: List[str]
    #: Parameters in order, without ``self``/``cls`` for methods.
    call_params: List[str]
    #: The instance parameter of a method (``self``), None for static methods.
    self_name: Optional[str]
    bound: Set[str] = field(default_factory=set)
    #: Every node of the body, not entering nested scopes (computed once, read by every pass).
    nodes: List[ast.AST] = field(default_factory=list)
    #: The calls, imports and assignments among ``nodes``.
    calls: List[ast.Call] = field(default_factory=list)
    imports: List[ast.stmt] = field(default_factory=list)
    assigns: List[ast.Assign] = field(default_factory=list)
    global_names: Set[str] = field(default_factory=set)
    nonlocal_names: Set[str] = field(default_factory=set)
    #: Nested function definitions by name (the last definition wins).
    nested: Dict[str, "FunctionInfo"] = field(default_factory=dict)

    @property
    def qualname(self) -> str:
        if self.cls is not None:
            return f"{self.cls.qualname}.{self.name}"
        if self.parent is not None:
            return f"{self.parent.qualname}.<locals>.{self.name}"
        return self.name

    def enclosing(self) -> Iterator["FunctionInfo"]:
        """This function and the functions around it, innermost first."""
        fn: Optional[FunctionInfo] = self
        while fn is not None:
            yield fn
            fn = fn.parent

    def is_local(self, name: str) -> bool:
        return name in self.bound and name not in self.global_names and name not in self.nonlocal_names


def _decorator_names(node: FunctionNode) -> Set[str]:
    names = set()
    for dec in node.decorator_list:
        while isinstance(dec, ast.Call):
            dec = dec.func
        if isinstance(dec, ast.Attribute):
            names.add(dec.attr)
        elif isinstance(dec, ast.Name):
            names.add(dec.id)
    return names


def _bind_target(target: ast.AST, into: Set[str]) -> None:
    if isinstance(target, ast.Name):
        into.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            _bind_target(elt, into)
    elif isinstance(target, ast.Starred):
        _bind_target(target.value, into)


#: Fields that never hold a node worth visiting: names, numbers, strings and the operator
#: and context singletons (``Load``, ``Add``, ``Eq``...), which no question looks at.
_SCALAR_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "name", "asname", "module", "level", "kind", "type_comment",
     "conversion", "is_async", "simple", "rest", "kwd_attrs", "tag"}
)
#: Node type -> :func:`child_fields`, filled as types are met.
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}
#: :data:`_CHILD_FIELDS` backwards (:func:`scan_body` pushes children on a stack).
_REVERSED_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def child_fields(node_type: type) -> Tuple[str, ...]:
    """The fields of ``node_type`` that may hold child nodes, in ``_fields`` order, without
    the ones holding names, numbers and the context and operator singletons."""
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        fields = _CHILD_FIELDS[node_type] = tuple(
            f for f in node_type._fields  # type: ignore[attr-defined]
            if f not in _SCALAR_FIELDS
            and not (f == "value" and node_type.__name__ in ("Constant", "MatchSingleton"))
            and not (f == "names" and node_type.__name__ in ("Global", "Nonlocal"))  # strings
        )
    return fields


#: Node types with a context or operator singleton child (``Name(ctx=Load())``,
#: ``BinOp(op=Add())``, ``Compare(ops=[Eq()])``): ``ast.walk`` visits those a level below.
WITH_SINGLETON_CHILD = frozenset(
    t for t in vars(ast).values()
    if isinstance(t, type) and issubclass(t, ast.AST) and {"ctx", "op", "ops"} & set(getattr(t, "_fields", ()))
)


def child_nodes(node: ast.AST) -> List[ast.AST]:
    """``list(ast.iter_child_nodes(node))`` without the context and operator singletons
    (``Load``, ``Store``, ``Add``...), which no question looks for, by the field tables."""
    found: List[ast.AST] = []
    fields = _CHILD_FIELDS.get(type(node))  # (the table first: this runs for every node)
    if fields is None:
        fields = child_fields(type(node))
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            # Lists hold nodes, and None for a dict display's ``**mapping`` key or a
            # keyword-only argument without default (``global`` names are not a field here).
            found.extend(value if None not in value else [item for item in value if item is not None])
        elif value is not None:
            found.append(value)
    return found


def walk_nodes(node: ast.AST) -> List[ast.AST]:
    """``list(ast.walk(node))`` (breadth first, in the same order) without the singletons
    (:func:`child_nodes`)."""
    found = [node]
    extend = found.extend
    for current in found:  # the list grows while it is read: breadth first
        extend(child_nodes(current))
    return found


def parent_map(nodes: Iterable[ast.AST]) -> Dict[int, ast.AST]:
    """Child id -> parent node, for the children of ``nodes`` (:func:`child_nodes`)."""
    return {id(child): node for node in nodes for child in child_nodes(node)}


_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_BINDING_TYPES = frozenset(
    {ast.Name, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.ExceptHandler,
     ast.Global, ast.Nonlocal, *(getattr(ast, n) for n in ("MatchAs", "MatchStar") if hasattr(ast, n))}
)


@dataclass
class BodyScan:
    """One walk over a body (see :func:`scan_body`)."""

    nodes: List[ast.AST]
    #: Nested ``def``/``class`` nodes found directly in the body (not inside nested scopes).
    scopes: List[ast.AST]
    bound: Set[str]
    global_names: Set[str]
    nonlocal_names: Set[str]
    #: The ``Call`` nodes among ``nodes`` (most questions are about calls).
    calls: List[ast.Call]
    #: The ``Import``/``ImportFrom`` nodes among ``nodes``.
    imports: List[ast.stmt]
    #: The ``Assign`` nodes among ``nodes``.
    assigns: List[ast.Assign]


def scan_body(body: List[ast.stmt]) -> BodyScan:
    """Every node of a function (or class, or module) body and the names it binds.

    The nodes come in source order (pre-order), without descending into nested scopes:
    nested ``def``/``class``/``lambda`` nodes themselves are listed (they bind a name or
    are values) but their insides are not; their decorators, defaults and bases are, as
    they run in this scope.  Comprehensions are descended into: their element
    expressions run in the function's frame for our purposes.

    This walk is the analysis's hottest loop (every node of every candidate file passes
    through it once), hence the per-type field tables instead of ``ast.iter_child_nodes``.
    """
    nodes: List[ast.AST] = []
    scopes: List[ast.AST] = []
    bound: Set[str] = set()
    globals_: Set[str] = set()
    nonlocals: Set[str] = set()
    calls: List[ast.Call] = []
    imports: List[ast.stmt] = []
    assigns: List[ast.Assign] = []
    stack: List[ast.AST] = list(reversed(body))
    pop, push, extend, emit = stack.pop, stack.append, stack.extend, nodes.append
    fields_of = _REVERSED_CHILD_FIELDS.get
    Name, Load, Call, Assign, Lambda = ast.Name, ast.Load, ast.Call, ast.Assign, ast.Lambda
    while stack:
        node = pop()
        if node is None:
            continue  # the key of a ``**mapping`` entry of a dict display
        emit(node)
        node_type = type(node)
        if node_type in _BINDING_TYPES:
            if node_type is Name:
                if type(node.ctx) is not Load:
                    bound.add(node.id)
                continue  # a name's only child is its context singleton
            elif node_type in _FUNCTION_TYPES:
                bound.add(node.name)
                scopes.append(node)
                # Decorators and defaults are evaluated in the enclosing scope.
                extend(reversed(node.decorator_list))
                extend(node.args.defaults)
                extend(d for d in node.args.kw_defaults if d is not None)
                continue
            elif node_type is ast.ClassDef:
                bound.add(node.name)
                scopes.append(node)
                extend(reversed(node.decorator_list))
                extend(reversed(node.bases))
                continue
            elif node_type is ast.Import or node_type is ast.ImportFrom:
                imports.append(node)
                for alias in node.names:
                    if alias.name != "*":
                        bound.add(alias.asname or alias.name.split(".", 1)[0])
            elif node_type is ast.Global:
                globals_.update(node.names)
                continue  # names, no nodes
            elif node_type is ast.Nonlocal:
                nonlocals.update(node.names)
                continue
            elif node.name:  # ExceptHandler, MatchAs, MatchStar
                bound.add(node.name)
        elif node_type is Call:
            calls.append(node)
        elif node_type is Assign:
            assigns.append(node)
        elif node_type is Lambda:
            continue
        fields = fields_of(node_type)
        if fields is None:
            fields = _REVERSED_CHILD_FIELDS[node_type] = child_fields(node_type)[::-1]
        # Fields hold a node, None, or a list of nodes (a dict display's keys: None for
        # ``**mapping``; the names of ``global`` and ``nonlocal`` are not walked).
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                extend(reversed(value))
            elif value is not None:
                push(value)
    return BodyScan(nodes, scopes, bound, globals_, nonlocals, calls, imports, assigns)


class ScopeCollector:
    """Collects every class and function of a module with their bindings."""

    def __init__(self) -> None:
        self.classes: List[ClassInfo] = []
        self.functions: List[FunctionInfo] = []
        #: Module-level functions and classes by name.
        self.module_functions: Dict[str, FunctionInfo] = {}
        self.module_classes: Dict[str, ClassInfo] = {}
        #: Names bound at module level.
        self.module_bound: Set[str] = set()
        self.class_of_node: Dict[ast.ClassDef, ClassInfo] = {}
        self.function_of_node: Dict[ast.AST, FunctionInfo] = {}
        self.module_nodes: List[ast.AST] = []
        self.module_calls: List[ast.Call] = []
        self.module_assigns: List[ast.Assign] = []

    def collect(self, tree: ast.Module) -> "ScopeCollector":
        scan = scan_body(tree.body)
        self.module_nodes = scan.nodes
        self.module_calls = scan.calls
        self.module_assigns = scan.assigns
        self.module_bound = scan.bound
        self._add_scopes(scan.scopes, function=None, cls=None)
        return self

    # -- walking ----------------------------------------------------------------------

    def _add_scopes(self, nodes: List[ast.AST], function: Optional[FunctionInfo], cls: Optional[ClassInfo]) -> None:
        """Record the scopes found directly in a body, and recurse into them."""
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                self._add_class(node, function, cls)
            else:
                # Inside a class body every def found is a method (nested scopes are not entered).
                self._add_function(node, function, cls)

    def _add_class(self, node: ast.ClassDef, function: Optional[FunctionInfo], outer: Optional[ClassInfo]) -> None:
        info = ClassInfo(node=node, name=node.name, function=function, outer_class=outer)
        self.classes.append(info)
        self.class_of_node[node] = info
        if function is None and outer is None:
            self.module_classes[node.name] = info
        # Methods: defs in the class body (including under if/try in the body).
        scan = scan_body(node.body)
        info.nodes, info.calls, info.imports, info.assigns = scan.nodes, scan.calls, scan.imports, scan.assigns
        self._add_scopes(scan.scopes, function=function, cls=info)

    def _add_function(self, node: FunctionNode, parent: Optional[FunctionInfo], cls: Optional[ClassInfo]) -> None:
        args = node.args
        params = [a.arg for a in (*args.posonlyargs, *args.args)]
        if args.vararg:
            params.append(args.vararg.arg)
        params.extend(a.arg for a in args.kwonlyargs)
        if args.kwarg:
            params.append(args.kwarg.arg)
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        self_name = None
        call_params = positional
        if cls is not None:
            decorators = _decorator_names(node)
            if "staticmethod" not in decorators and positional:
                self_name = positional[0] if "classmethod" not in decorators else None
                call_params = positional[1:]
        info = FunctionInfo(
            node=node,
            name=node.name,
            parent=parent,
            cls=cls,
            params=params,
            call_params=call_params,
            self_name=self_name,
        )
        scan = scan_body(node.body)
        info.nodes, info.calls, info.imports, info.assigns = scan.nodes, scan.calls, scan.imports, scan.assigns
        info.bound = scan.bound | set(params)
        info.global_names = scan.global_names
        info.nonlocal_names = scan.nonlocal_names
        self.functions.append(info)
        self.function_of_node[node] = info
        if cls is not None:
            cls.methods[node.name] = info
        elif parent is not None:
            parent.nested[node.name] = info
        else:
            self.module_functions[node.name] = info
        self._add_scopes(scan.scopes, function=info, cls=None)
