"""Import resolution: which dotted name does a local name or attribute chain stand for?

A small explicit model (pyflakes-style) rather than libcst's ``QualifiedNameProvider``:
it runs on the standard ``ast`` tree, costs one pass over the module's imports, and
handles the spellings Estimator code uses (``import tensorflow.compat.v1 as tf``,
``tf = tf.compat.v1``, ``from tensorflow.estimator import Estimator as E``, relative
imports once the module's package is known, and star imports of TensorFlow modules).
"""

from __future__ import annotations

import ast
from typing import Container, Dict, Iterable, Iterator, List, Optional

from estimator_lint import tfapi


def _absolute_module(module: Optional[str], level: int, package: Optional[str]) -> Optional[str]:
    """Resolve ``from .x import y``'s module against the importing module's package."""
    if level == 0:
        return module
    if package is None:
        # Unknown package: keep a recognisable relative spelling.
        return "." * level + (module or "")
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if module:
        base = base + module.split(".")
    return ".".join(base) if base else None


#: Libraries whose imported names are functions and modules, not a project's containers.
LIBRARY_ROOTS = tfapi.TF_ROOTS | {"numpy", "math", "operator", "jax", "torch", "scipy", "functools", "itertools"}


class ImportTable:
    """Local name -> dotted name, for one module.

    Built from every import statement in the file (module level and inside functions:
    Estimator code often imports TensorFlow inside ``model_fn``) and from module-level
    aliases such as ``tf = tf.compat.v1``.
    """

    def __init__(self, package: Optional[str] = None) -> None:
        self.package = package
        self.names: Dict[str, str] = {}
        self.star_modules: List[str] = []
        #: Names bound by ``import x`` / ``import x as y``: modules, never containers.
        self.module_names: set = set()

    # -- building ---------------------------------------------------------------------

    def add_import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.module_names.add(alias.asname or alias.name.split(".", 1)[0])
            if alias.asname:
                self.names[alias.asname] = alias.name
            else:
                top = alias.name.split(".", 1)[0]
                # ``import a.b.c`` binds ``a``; keep an earlier, more specific binding.
                self.names.setdefault(top, top)

    def add_import_from(self, node: ast.ImportFrom) -> None:
        module = _absolute_module(node.module, node.level or 0, self.package)
        if module is None:
            return
        for alias in node.names:
            if alias.name == "*":
                self.star_modules.append(module)
                continue
            self.names[alias.asname or alias.name] = f"{module}.{alias.name}"

    def add_alias_assignment(self, node: ast.Assign) -> None:
        """``tf = tf.compat.v1`` / ``Estimator = tf.estimator.Estimator`` at module level."""
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            return
        target = node.targets[0].id
        qual = self.resolve(node.value)
        if qual is not None and tfapi.is_tf_qualname(qual):
            self.names[target] = qual

    @classmethod
    def from_module(
        cls, tree: ast.Module, package: Optional[str] = None, nested_nodes: Optional[Iterable[ast.AST]] = None
    ) -> "ImportTable":
        """Imports of ``tree``; ``nested_nodes`` (the nodes of every function and class
        body, when the caller already has them) saves walking the nested scopes again."""
        table = cls(package)
        # Module-level statements in order (aliases depend on earlier imports), then
        # imports nested anywhere else.
        nested: List[ast.AST] = []
        for stmt in tree.body:
            table._add_statement(stmt, nested, top=True)
        if nested_nodes is None:
            nested_nodes = _imports_in(nested)
        for sub in nested_nodes:
            if isinstance(sub, ast.Import):
                table.add_import(sub)
            elif isinstance(sub, ast.ImportFrom):
                table.add_import_from(sub)
        return table

    def _add_statement(self, stmt: ast.stmt, nested: List[ast.AST], top: bool) -> None:
        if isinstance(stmt, ast.Import):
            self.add_import(stmt)
        elif isinstance(stmt, ast.ImportFrom):
            self.add_import_from(stmt)
        elif isinstance(stmt, ast.Assign) and top:
            self.add_alias_assignment(stmt)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
            # ``try: import tensorflow.compat.v1 as tf / except ImportError: ...``
            for field in ("body", "orelse", "finalbody"):
                for sub in getattr(stmt, field, ()) or ():
                    self._add_statement(sub, nested, top)
            for handler in getattr(stmt, "handlers", ()) or ():
                for sub in handler.body:
                    self._add_statement(sub, nested, top)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            nested.append(stmt)

    # -- queries ----------------------------------------------------------------------

    def resolve(self, expr: ast.AST) -> Optional[str]:
        """The dotted name an expression stands for, or None if it is not an import."""
        attrs: List[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.resolve_name(node.id)
        if base is None:
            return None
        attrs.reverse()
        return ".".join([base, *attrs]) if attrs else base

    def is_module_or_library(self, expr: ast.AST) -> bool:
        """Whether ``expr``'s root is an imported module or library object (``tf.math``, ``np``)."""
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return False
        if root.id in self.module_names:
            return True
        qual = self.names.get(root.id)
        return bool(qual) and qual.split(".", 1)[0] in LIBRARY_ROOTS

    def resolve_name(self, name: str) -> Optional[str]:
        qual = self.names.get(name)
        if qual is not None:
            return qual
        for module in self.star_modules:
            # A star import of a TensorFlow namespace brings its Estimator classes.
            if tfapi.is_tf_qualname(module) and (
                tfapi.is_estimator_qualname(f"{module}.{name}") or name in tfapi.ESTIMATOR_SPEC_NAMES
            ):
                return f"{module}.{name}"
        return None


#: The fields that hold statements: imports hide nowhere else (expressions hold none).
_STATEMENT_FIELDS = ("cases", "handlers", "finalbody", "orelse", "body")  # reversed source order


def _imports_in(statements: List[ast.AST]) -> Iterator[ast.stmt]:
    """The import statements in ``statements`` and every block under them, in source order."""
    stack = list(reversed(statements))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        for name in _STATEMENT_FIELDS:
            block = getattr(node, name, None)
            if block:
                stack.extend(reversed(block))


def module_aliases(tree: ast.Module, imports: ImportTable, classes: Container[str]) -> Dict[str, ast.expr]:
    """Module-level ``Alias = Name`` / ``Alias = module.Name`` bound once (class aliases
    such as ``Base = BaseEstimator``); imports, the module's ``classes`` and rebound names
    are left out.  The file's analysis and the project index follow the same aliases."""
    found: Dict[str, ast.expr] = {}
    counts: Dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        counts[node.id] = counts.get(node.id, 0) + 1
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, (ast.Name, ast.Attribute))
            ):
                found[stmt.targets[0].id] = stmt.value
    return {
        name: value for name, value in found.items()
        if counts.get(name) == 1 and name not in imports.names and name not in classes
        and not (isinstance(value, ast.Name) and value.id == name)
    }
