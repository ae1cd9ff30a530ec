"""Functions, classes and the names each function binds (Python's scoping rules).

One walk over the tree records every function and class with its enclosing scope, so
that later questions — "is ``OUTER`` bound inside this model_fn?", "which methods does
this class define?" — are dictionary look-ups.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Set, Union

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


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


def iter_body_nodes(body: List[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a function body, not descending into nested scopes.

    Nested ``def``/``class``/``lambda`` nodes themselves are yielded (they bind a name
    or are values) but their insides are not.  Comprehensions are descended into:
    their element expressions run in the function's frame for our purposes.
    """
    stack: List[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPE_NODES):
            # Decorators and defaults are evaluated in the enclosing scope.
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                stack.extend(reversed(node.decorator_list))
                stack.extend(d for d in node.args.defaults)
                stack.extend(d for d in node.args.kw_defaults if d is not None)
            elif isinstance(node, ast.ClassDef):
                stack.extend(reversed(node.decorator_list))
                stack.extend(reversed(node.bases))
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


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

    def collect(self, tree: ast.Module) -> "ScopeCollector":
        self.module_nodes = list(iter_body_nodes(tree.body))
        self._scan_nodes(self.module_nodes, function=None, cls=None)
        self.module_bound = self._bindings(self.module_nodes)[0]
        return self

    # -- walking ----------------------------------------------------------------------

    def _scan_nodes(self, nodes: List[ast.AST], function: Optional[FunctionInfo], cls: Optional[ClassInfo]) -> None:
        """Find the scopes directly among ``nodes`` and recurse into them."""
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # Inside a class body every def found is a method (nested scopes are not entered).
                self._add_function(node, function, cls)
            elif isinstance(node, ast.ClassDef):
                self._add_class(node, function, cls)
            elif isinstance(node, ast.Lambda):
                continue

    def _add_class(self, node: ast.ClassDef, function: Optional[FunctionInfo], outer: Optional[ClassInfo]) -> None:
        info = ClassInfo(node=node, name=node.name, function=function, outer_class=outer)
        self.classes.append(info)
        self.class_of_node[node] = info
        if function is None and outer is None:
            self.module_classes[node.name] = info
        # Methods: defs in the class body (including under if/try in the body).
        info.nodes = list(iter_body_nodes(node.body))
        self._scan_nodes(info.nodes, function=function, cls=info)

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
        info.nodes = list(iter_body_nodes(node.body))
        bound, globals_, nonlocals = self._bindings(info.nodes)
        info.bound = bound | set(params)
        info.global_names = globals_
        info.nonlocal_names = nonlocals
        self.functions.append(info)
        self.function_of_node[node] = info
        if cls is not None:
            cls.methods[node.name] = info
        elif parent is not None:
            parent.nested[node.name] = info
        else:
            self.module_functions[node.name] = info
        self._scan_nodes(info.nodes, function=info, cls=None)

    @staticmethod
    def _bindings(nodes: List[ast.AST]):
        bound: Set[str] = set()
        globals_: Set[str] = set()
        nonlocals: Set[str] = set()
        for node in nodes:
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name != "*":
                        bound.add(alias.asname or alias.name.split(".", 1)[0])
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
            elif isinstance(node, ast.Global):
                globals_.update(node.names)
            elif isinstance(node, ast.Nonlocal):
                nonlocals.update(node.names)
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) if hasattr(ast, "MatchAs") else False:
                if node.name:
                    bound.add(node.name)
        return bound, globals_, nonlocals

