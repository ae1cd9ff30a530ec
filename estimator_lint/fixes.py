"""Deciding fixes, on the ``ast``: whether a finding has a fix, safe or unsafe, and what
it changes (a :class:`RewritePlan` of nodes named by their ``ast`` positions).

No libcst here: a check run knows which findings are fixable without a concrete tree.
:mod:`estimator_lint.fix_render` turns a plan into edits when a run needs them.

The two fixes the rules share live here: moving a captured tensor into the PREDICT
``predictions`` dict (EST102/EST103) and removing an override that only delegates and
captures (EST101).
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from estimator_lint import tfapi
from estimator_lint.analysis.model import FileModel, GraphStore, predictions_argument
from estimator_lint.analysis.scopes import FunctionInfo
from estimator_lint.analysis.values import GRAPH
from estimator_lint.diagnostics import Applicability, Fix

#: Deeper expressions than this are not handed to libcst's native parser (it can crash).
MAX_REWRITE_DEPTH = 150

#: Words in a moved expression or its key suggesting a scalar (loss, metric, reduction):
#: predictions need a batch dimension, so such a move is only an unsafe fix.
_SCALAR_HINT = re.compile(
    r"reduce_|\bmean\b|\bsum\b|loss|metric|accuracy|auc|precision|recall|norm|global_step|scalar|count|"
    r"learning_rate|\bstep\b",
    re.IGNORECASE,
)


#: Values a fix never moves into ``predictions`` (:func:`estimator_lint.tfapi.prediction_misfit`).
_NOT_A_PREDICTION = {
    "operation": "an Operation, not a Tensor: `predictions` cannot hold it",
    "pair": "a (value, update_op) pair, not a Tensor: `predictions` cannot hold it",
    "summary": "a summary op (a serialised proto), not a prediction",
    "container": "a list, tuple or Variable, not a Tensor: `predict()` refuses it",
}


class NoFix(Exception):
    """Why a case that a rule could fix is not fixed (the message says so)."""


def _assigned_values(fn: FunctionInfo, name: str) -> List[ast.expr]:
    """The values of ``name = value`` statements in ``fn`` (its own body, in order)."""
    return [
        a.value for a in fn.assigns
        if len(a.targets) == 1 and isinstance(a.targets[0], ast.Name) and a.targets[0].id == name
    ]


#: Lines as ``ast.get_source_segment`` splits them (at ``\r\n``, ``\r`` and ``\n`` only).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _max_depth(tree: ast.AST) -> int:
    """The nesting depth of ``tree`` (counting stops past :data:`MAX_REWRITE_DEPTH`)."""
    deepest, level = 0, [tree]
    AST = ast.AST
    while level:
        deepest += 1
        if deepest > MAX_REWRITE_DEPTH:
            return deepest
        below = []
        for node in level:
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    below.extend(item for item in value if isinstance(item, AST))
                elif isinstance(value, AST):
                    below.append(value)
        level = below
    return deepest


#: Where a fix changes the concrete tree, named from the ``ast`` so that no libcst tree is
#: needed to decide a fix: ``(kind, line, column)`` of a node libcst starts there,
#: ``("function", name, line)`` or ``("attribute", line, column, attr)``.
NodeRef = Tuple


@dataclass
class RewritePlan:
    """What a fix changes, decided on the ``ast`` and rendered by libcst only when its
    edits are wanted (``--fix``, ``--diff``, formats that carry edits)."""

    remove: Set[NodeRef] = field(default_factory=set)
    dict_entries: Dict[NodeRef, List[Tuple[str, str]]] = field(default_factory=dict)
    insert_after: Dict[NodeRef, List[str]] = field(default_factory=dict)
    global_names: Dict[NodeRef, Set[str]] = field(default_factory=dict)
    drop_element: Dict[NodeRef, int] = field(default_factory=dict)
    rename: Dict[NodeRef, str] = field(default_factory=dict)



# --------------------------------------------------------------------------------------
# shared fix logic
# --------------------------------------------------------------------------------------


class FixPlanner:
    """Decides fixes for one file on its ``ast``: a :class:`Fix` with a :class:`RewritePlan`
    (rendered into edits later, and only when they are wanted)."""

    def __init__(self, model: FileModel, text: str, char_column) -> None:
        self.model = model
        self.text = text
        self._char_column = char_column
        self._too_deep: Optional[bool] = None
        self._lines: Optional[List[str]] = None

    def rewriter(self) -> RewritePlan:
        if self._too_deep is None:
            self._too_deep = _max_depth(self.model.tree) > MAX_REWRITE_DEPTH
        if self._too_deep:
            raise NoFix("the file is too deeply nested to rewrite safely")
        return RewritePlan()

    def segment(self, node: ast.AST) -> Optional[str]:
        """``ast.get_source_segment(text, node)``, with the file's lines split once."""
        if self._lines is None:
            self._lines = _LINE.findall(self.text)
        try:
            if node.end_lineno is None or node.end_col_offset is None:  # type: ignore[attr-defined]
                return None
            first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
            start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return None
        lines = self._lines
        if first == last:
            return lines[first].encode()[start:end].decode()
        head = lines[first].encode()[start:].decode()
        tail = lines[last].encode()[:end].decode()
        return "".join([head, *lines[first + 1 : last], tail])

    def _col(self, node: ast.AST) -> int:
        return self._char_column(node.lineno, node.col_offset)

    def statement_node(self, stmt: ast.stmt) -> NodeRef:
        kind = {ast.Assign: "Assign", ast.AugAssign: "AugAssign", ast.AnnAssign: "AnnAssign", ast.Expr: "Expr"}.get(
            type(stmt)
        )
        if kind is None:
            raise NoFix("only simple statements are rewritten")
        return (kind, stmt.lineno, self._col(stmt))

    def source_of(self, node: ast.AST) -> str:
        segment = self.segment(node)
        if segment is None:
            raise NoFix("the expression's source could not be recovered")
        if "\n" in segment:
            segment = "(" + segment + ")" if not (segment.startswith("(") and segment.endswith(")")) else segment
        return segment

    # -- pieces ---------------------------------------------------------------------

    def remove_placeholders(self, rewriter: RewritePlan, store: GraphStore, attrs: Sequence[str]) -> List[ast.stmt]:
        """``self.<attr> = None`` (or a constant) in ``__init__`` of the storing class."""
        removed: List[ast.stmt] = []
        if store.cls is None:
            return removed
        init = store.cls.methods.get("__init__")
        if init is None or init.self_name is None:
            return removed
        for stmt in init.node.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Attribute)
                and isinstance(stmt.targets[0].value, ast.Name)
                and stmt.targets[0].value.id == init.self_name
                and stmt.targets[0].attr in attrs
                and isinstance(stmt.value, ast.Constant)
            ):
                rewriter.remove.add(self.statement_node(stmt))
                removed.append(stmt)
        return removed

    def is_predictions_entry(self, value: ast.expr, fn: FunctionInfo) -> bool:
        """``spec.predictions['k']`` (or ``spec.predictions``): already a predictions entry."""
        node = value
        if isinstance(node, ast.Subscript):
            node = node.value
        if isinstance(node, ast.Attribute) and node.attr == "predictions":
            return self.model.values_of(fn).kind(node.value) == GRAPH
        return False

    def graph_reads(self, store: GraphStore) -> List[Tuple[FunctionInfo, ast.Attribute]]:
        """Loads of ``self.<attr>`` in graph-building methods of the capturing class or its
        subclasses here (the model_fn itself: ``self.logits = dense(...)`` then
        ``softmax(self.logits)``): removing the store would break building the graph.
        (Reads outside graph code are EST104's: they make a fix unsafe, :meth:`reads_elsewhere`.)"""
        storing = self._store_nodes(store, of_class=True)
        return [
            (fn, node)
            for fn, node in self._self_attributes(store)
            if fn in self.model.contexts and isinstance(node.ctx, ast.Load) and id(node) not in storing
        ]

    def _family_methods(self, cls) -> Iterator[FunctionInfo]:
        """Methods (with an instance parameter) of ``cls`` and of the classes of this file
        derived from it: their ``self`` is one too."""
        family = [cls]
        grown = True
        while grown:
            grown = False
            for other in self.model.scopes.classes:
                if other not in family and any(self.model._local_class(b) in family for b in other.node.bases):
                    family.append(other)
                    grown = True
        for fn in self.model.scopes.functions:
            if fn.self_name is not None and self.model._method_class(fn) in family:
                yield fn

    def _self_attributes(self, store: GraphStore) -> Iterator[Tuple[FunctionInfo, ast.Attribute]]:
        """Every ``self.<attr>`` of the captured attribute in the class family's methods."""
        if store.cls is None:
            return
        for fn in self._family_methods(store.cls):
            for node in ast.walk(fn.node):
                if (
                    isinstance(node, ast.Attribute) and node.attr == store.name
                    and isinstance(node.value, ast.Name) and node.value.id == fn.self_name
                ):
                    yield fn, node

    def _store_nodes(self, store: GraphStore, of_class: bool = False) -> Set[int]:
        """Ids of the nodes of every capture statement of the attribute (``of_class``: by
        the capturing class itself): ``self.outputs[k] = t`` and ``self.history.append(t)``
        load it to store, ``setattr(self, "x", t)`` names it."""
        return {
            id(node)
            for other in self.model.stores
            if other.how == "self" and other.name == store.name and (not of_class or other.cls is store.cls)
            for node in ast.walk(other.statement)
        }

    def _other_uses(self, store: GraphStore, target: ast.Attribute) -> Optional[str]:
        """Why renaming ``self.<attr>`` to a local name would change the program: another
        store, augmented store or ``del`` of it, or its name in ``getattr``, anywhere in
        the class or its subclasses here."""
        # ``self.logits = None`` in ``__init__``: a placeholder, removed with the capture.
        placeholders = {
            id(stmt.targets[0])
            for fn in self._family_methods(store.cls)
            if fn.name == "__init__"
            for stmt in fn.node.body
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Constant)
        }
        for fn, node in self._self_attributes(store):
            if node is not target and id(node) not in placeholders and not isinstance(node.ctx, ast.Load):
                return f"`{fn.name}` also assigns or deletes `self.{store.name}`"
        return self._string_mention(store)

    def _string_mention(self, store: GraphStore) -> Optional[str]:
        """A method of the class (or of a subclass here) that names the captured attribute
        in ``getattr(self, "logits")`` (or ``hasattr``/``setattr``/``delattr``)."""
        if store.cls is None:
            return None
        captures = self._store_nodes(store)
        for fn in self._family_methods(store.cls):
            if fn.name == "__init__":
                continue
            for node in ast.walk(fn.node):
                if (
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr", "setattr", "delattr") and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value == store.name
                    and id(node.args[1]) not in captures
                ):
                    return f"`{fn.name}` names `{store.name}` in `{node.func.id}`"
        return None

    @staticmethod
    def _binds(fn: FunctionInfo, name: str) -> bool:
        """Whether ``name`` is bound or used anywhere in ``fn`` (nested scopes included)."""
        if name in fn.params or name in fn.bound or name in fn.global_names or name in fn.nonlocal_names:
            return True
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Name) and node.id == name:
                return True
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
                return True
            if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) == name:
                return True
            if isinstance(node, ast.ExceptHandler) and node.name == name:
                return True
            if isinstance(node, ast.arg) and node.arg == name:
                return True
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return True
        return False

    def local_name_fix(self, store: GraphStore, key: str, reads: List[Tuple[FunctionInfo, ast.Attribute]]) -> Fix:
        """The model_fn reads the captured attribute again: keep the tensor in a local name
        instead (``self.logits = t`` -> ``logits = t``, every ``self.logits`` after it ->
        ``logits``) and predict it (an Operation or a metric pair just stays local)."""
        fn, statement = store.function, store.statement
        attr = store.name
        elsewhere = next((f for f, _ in reads if f is not fn), None)
        if elsewhere is not None:
            raise NoFix(f"`{elsewhere.name}` reads `self.{attr}` too: keep the tensor in a local name by hand")
        target = statement.targets[0] if isinstance(statement, ast.Assign) and len(statement.targets) == 1 else None
        if not (isinstance(target, ast.Attribute) and target.attr == attr):
            raise NoFix(f"`{fn.name}` reads `self.{attr}` again and the store is not a plain assignment")
        if statement not in fn.node.body:
            raise NoFix(f"`{fn.name}` reads `self.{attr}` again and the store is inside a block")
        other = self._other_uses(store, target)
        if other is not None:
            raise NoFix(f"`{fn.name}` reads `self.{attr}` again and {other}")
        local = key
        if keyword.iskeyword(local) or self._binds(fn, local):
            raise NoFix(f"`{fn.name}` reads `self.{attr}` again and already uses the name `{local}`")
        end = (statement.end_lineno, statement.end_col_offset)
        if any((node.lineno, node.col_offset) < end for _, node in reads):  # type: ignore[operator]
            raise NoFix(f"`{fn.name}` reads `self.{attr}` before it is stored")
        fn_nodes = {id(n) for n in fn.nodes}
        if any(id(node) not in fn_nodes for _, node in reads):
            raise NoFix(f"a function nested in `{fn.name}` reads `self.{attr}`")
        rewriter = self.rewriter()
        for node in [target, *(node for _, node in reads)]:
            rewriter.rename[self._attribute_node(node)] = local
        self.remove_placeholders(rewriter, store, [attr])
        misfit = self.prediction_misfit(store.value, fn)
        predicted = misfit not in _NOT_A_PREDICTION
        if predicted:
            self._add_prediction(rewriter, store, key, ast.Name(id=local), source=local)
        safe = not self.reads_elsewhere(store) and (
            not predicted
            or misfit is None and not (_SCALAR_HINT.search(key) or _SCALAR_HINT.search(self.source_of(store.value)))
        )
        message = f"Keep `{local}` in a local name" + (" and move it into the PREDICT `predictions` dict" if predicted else "")
        return Fix(message, Applicability.SAFE if safe else Applicability.UNSAFE, (), rewriter)

    def _attribute_node(self, node: ast.Attribute) -> NodeRef:
        """The concrete ``self.<attr>`` of ``node`` (nested attributes start at one position)."""
        return ("attribute", node.lineno, self._col(node), node.attr)

    _FRESH_CALLS = frozenset({"dict", "list", "set", "defaultdict", "OrderedDict", "deque", "object", "SimpleNamespace"})

    def _fresh_object(self, fn: FunctionInfo, name: str) -> bool:
        """Whether every binding of ``name`` in ``fn`` makes a new object (a literal, a
        comprehension, ``dict()``, ``Config()``): no caller holds it."""
        if name in fn.params:
            return False
        values = _assigned_values(fn, name)
        if not values or len(values) != sum(
            isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in fn.nodes
        ):
            return False  # bound another way too (a loop, a ``with``, an unpacking)
        for value in values:
            if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.Tuple, ast.DictComp, ast.ListComp, ast.SetComp)):
                continue
            if isinstance(value, ast.Call):
                func = value.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                # ``dict()``, or a class (a CamelCase name: a constructor makes a new object).
                if called in self._FRESH_CALLS or (isinstance(func, ast.Name) and func.id[:1].isupper()):
                    continue
            return False
        return True

    def reads_elsewhere(self, store: GraphStore) -> bool:
        """Whether the captured attribute or outer name is read outside the model_fn."""
        if store.how == "self":
            if any(
                r.store is not None and r.store.name == store.name and r.store.cls is store.cls
                for r in self.model.reads
            ):
                return True
            index = self.model.index
            return (
                store.cls is not None
                and hasattr(index, "read_elsewhere")
                and index.read_elsewhere(self.model.class_qualname(store.cls), store.name)
            )
        name, root = store.name, store.model_fn or store.function
        if store.how in ("attribute", "item", "call"):
            binder = next((fn for fn in root.enclosing() if fn.is_local(name)), None)
            if binder is not None and binder is not root and not self._fresh_object(binder, name):
                # ``def builder(cfg): def model_fn(...): cfg.logits = t`` (or ``c = cfg``,
                # ``cfg = args[0]``): the caller passed the object in and may read it
                # anywhere (``print(cfg.logits)`` after training).
                return True
        inside = {id(f) for f in self.model.scopes.functions if root in f.enclosing()}

        def loads(nodes) -> bool:
            return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in nodes)

        if loads(self.model.scopes.module_nodes):
            return True
        for fn in self.model.scopes.functions:
            if id(fn) in inside:
                continue
            # A function that binds the name itself reads its own variable, unless the
            # model_fn is nested in it (then the name is the one the model_fn stored to).
            if fn.is_local(name) and fn not in list(root.enclosing()):
                continue
            if loads(fn.nodes):
                return True
        return False

    # -- EST102 / EST103 ------------------------------------------------------------

    def capture_fix(self, store: GraphStore) -> Fix:
        statement = store.statement
        value = store.value
        if value is None or not isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Expr)):
            raise NoFix("only a plain assignment or a single-value store is moved")
        element = None
        if isinstance(statement, ast.Assign) and (
            len(statement.targets) != 1 or isinstance(statement.targets[0], (ast.Tuple, ast.List))
        ):
            element = _parallel_element(statement, store.node)
            if element is None:
                raise NoFix("the capture is part of a multiple assignment")
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            if len(call.args) + len(call.keywords) != 1 or store.how not in ("call", "self"):
                raise NoFix("the store call passes more than one value")
        key = store.key
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) and statement.value.keywords:
            key = statement.value.keywords[0].arg  # ``OUTER.update(probs=t)`` -> 'probs'
        if not key or not key.isidentifier():
            raise NoFix("no name to use as the predictions key")
        fn = store.function
        if store.how == "self":
            reads = self.graph_reads(store)
            if reads:
                return self.local_name_fix(store, key, reads)
            mention = self._string_mention(store)
            if mention is not None:
                raise NoFix(f"{mention}: removing the attribute would change it")
        rewriter = self.rewriter()
        if element is None:
            rewriter.remove.add(self.statement_node(statement))
        else:
            # ``self.a, n = a, 3`` -> ``n = 3``: only this pair goes (the rest is kept).
            rewriter.drop_element[self.statement_node(statement)] = element
        if store.how == "self":
            self.remove_placeholders(rewriter, store, [store.name])
        if store.how in ("global", "nonlocal"):
            # The declaration goes too once nothing in the function assigns the name.
            kind = "Global" if store.how == "global" else "Nonlocal"
            other_stores = [
                n
                for n in fn.nodes
                if isinstance(n, ast.Name) and n.id == store.name and isinstance(n.ctx, (ast.Store, ast.Del))
                and n is not getattr(statement, "targets", [None])[0] and n is not store.node
            ]
            for node in fn.node.body:
                if isinstance(node, (ast.Global, ast.Nonlocal)) and store.name in node.names and not other_stores:
                    rewriter.global_names[(kind, node.lineno, self._col(node))] = {store.name}
        already = self.is_predictions_entry(value, fn)
        misfit = None if already else self.prediction_misfit(value, fn)
        if misfit in _NOT_A_PREDICTION:
            raise NoFix(f"`{self.source_of(value)}` is {_NOT_A_PREDICTION[misfit]}")
        if not already:
            self._add_prediction(rewriter, store, key, value)
        safe = not self.reads_elsewhere(store)
        if safe and not already:
            safe = misfit is None and not (
                _SCALAR_HINT.search(key) or _SCALAR_HINT.search(self.segment(value) or "")
            )
        message = (
            f"Remove the capture of `{key}` (already in `predictions`)"
            if already
            else f"Move `{key}` into the PREDICT `predictions` dict"
        )
        return Fix(message, Applicability.SAFE if safe else Applicability.UNSAFE, (), rewriter)

    def prediction_misfit(self, value: ast.expr, fn: FunctionInfo) -> Optional[str]:
        """Why ``value`` is no safe prediction (:func:`estimator_lint.tfapi.prediction_misfit`,
        from the TensorFlow call that makes it), or None.  A local name is followed to its
        one assignment in ``fn``; ``tf.shape(x)[0]``-style items keep their call's misfit."""
        if isinstance(value, ast.Name):
            bindings = _assigned_values(fn, value.id)
            if len(bindings) != 1:
                return None
            value = bindings[0]
        subscripted = False
        while isinstance(value, ast.Subscript):
            value, subscripted = value.value, True
        if not isinstance(value, ast.Call):
            return None
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in tfapi.OPERATION_METHODS:
            misfit: Optional[str] = "operation"
        elif isinstance(func, ast.Attribute) and func.attr.startswith(tfapi.STATEFUL_METHOD_PREFIXES):
            misfit = "stateful"  # ``v.assign(x)``
        else:
            qualname = self._callee(func, fn)
            misfit = tfapi.prediction_misfit(qualname) if tfapi.is_tf_qualname(qualname) else None
        # An item of a metric's (value, update_op) pair, or of a list: an unsafe move.
        return "unbatched" if misfit in ("pair", "container") and subscripted else misfit

    def _callee(self, func: ast.expr, fn: FunctionInfo) -> Optional[str]:
        """The dotted name a call's function stands for, through imports and through one
        local alias (``grp = tf.group``; ``summ = tf.summary`` then ``summ.histogram``)."""
        qualname = self.model.imports.resolve(func)
        if qualname:
            return qualname
        root, attrs = func, []
        while isinstance(root, ast.Attribute):
            attrs.append(root.attr)
            root = root.value
        if not isinstance(root, ast.Name):
            return None
        for scope in fn.enclosing():
            bindings = _assigned_values(scope, root.id)
            if bindings:
                base = self.model.imports.resolve(bindings[0]) if len(bindings) == 1 else None
                return ".".join([base, *reversed(attrs)]) if base else None
        return None

    def _add_prediction(
        self, rewriter: RewritePlan, store: GraphStore, key: str, value: ast.expr, source: Optional[str] = None
    ) -> None:
        """Add ``key: value`` to the PREDICT predictions; ``source``: the value's text when it
        is the local name the fix itself binds at the store (then the dict must follow it)."""
        fn = store.function
        if store.model_fn is not fn:
            raise NoFix("the tensor is stored outside the model_fn body that builds the predictions")
        context = self.model.contexts.get(fn)
        if context is not None and context.reason == "helper":
            caller = context.called_from.name if context.called_from is not None else "the model_fn"
            raise NoFix(f"`{fn.name}` is a helper of the model_fn `{caller}`: return the tensor to it and predict it there")
        target = self._predictions_of(fn)
        anchor_line = target.lineno
        if source is not None:
            value_src = source
            if anchor_line <= (store.statement.end_lineno or store.statement.lineno):
                raise NoFix(f"`{source}` is not defined where the predictions dict is built")
        else:
            value_src = self.source_of(value)
            for name in sorted({n.id for n in ast.walk(value) if isinstance(n, ast.Name)}):
                if not self._bound_before(name, fn, anchor_line):
                    raise NoFix(f"`{name}` is not defined where the predictions dict is built")
        if isinstance(target, ast.Dict):
            if source is not None and isinstance(store.node, ast.expr) and any(
                ast.unparse(v) == ast.unparse(store.node) for v in target.values
            ):
                return  # ``{'logits': self.logits}``: renamed with the rest, already predicted
            for k, v in zip(target.keys, target.values):
                if isinstance(k, ast.Constant) and k.value == key:
                    if ast.dump(v) == ast.dump(value):
                        return
                    if isinstance(store.node, ast.expr) and ast.unparse(v) == ast.unparse(store.node):
                        # ``self.logits = t`` ... ``predictions={'logits': self.logits}``
                        raise NoFix(
                            f"the predictions dict reads `{self.source_of(v)}` itself: keep the tensor "
                            "in a local name and predict that"
                        )
                    raise NoFix(f"the predictions dict already has a key '{key}' with another value")
            if any(ast.dump(v) == ast.dump(value) for v in target.values):
                return  # the same value is already predicted under another key
            rewriter.dict_entries.setdefault(("Dict", target.lineno, self._col(target)), []).append(
                (key, value_src)
            )
        else:  # an assignment statement building the dict another way
            name = target.targets[0].id  # type: ignore[union-attr]
            anchor = self.statement_node(target)
            rewriter.insert_after.setdefault(anchor, []).append(f"{name}[{key!r}] = {value_src}\n")

    def _predictions_of(self, fn: FunctionInfo):
        """The dict literal (or the statement binding the dict) of the PREDICT spec."""
        found = predictions_argument(self.model, fn)
        if not found:
            raise NoFix("no PREDICT EstimatorSpec with a predictions dict in the model_fn")
        if len(found) > 1:
            raise NoFix("several EstimatorSpecs have predictions; which one is PREDICT is ambiguous")
        _, arg = found[0]
        if isinstance(arg, ast.Dict):
            return arg
        if isinstance(arg, ast.Name):
            bindings = [
                n
                for n in fn.nodes
                if isinstance(n, ast.Assign)
                and len(n.targets) == 1
                and isinstance(n.targets[0], ast.Name)
                and n.targets[0].id == arg.id
            ]
            if len(bindings) == 1:
                binding = bindings[0]
                return binding.value if isinstance(binding.value, ast.Dict) else binding
        raise NoFix("the predictions dict is not a literal or a single local assignment")

    def _bound_before(self, name: str, fn: FunctionInfo, line: int) -> bool:
        if name in fn.params:
            return True
        if not fn.is_local(name):
            return True  # a global, a builtin or a closure variable
        for node in fn.nodes:
            lineno = getattr(node, "lineno", None)
            if lineno is None or lineno >= line:
                continue
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
                return True
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
                return True
            if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name.split(".")[0]) == name for a in node.names
            ):
                return True
        return False

    # -- EST101 ---------------------------------------------------------------------

    def override_fix(self, override) -> Fix:
        method_node = override.statement
        if not isinstance(method_node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            raise NoFix("only method overrides are removed")
        cls = override.estimator.info
        method = cls.methods.get(method_node.name)
        if method is None or method.node is not method_node or method.self_name is None:
            raise NoFix("the override could not be analysed")
        captures = [s for s in self.model.stores if s.function is method and s.how == "self"]
        if not captures:
            raise NoFix("the override does more than delegate and capture tensors")
        capture_statements = {id(s.statement) for s in captures}
        delegated: Optional[str] = None
        body = list(method_node.body)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # docstring

        def only_captures(stmts) -> bool:
            for stmt in stmts:
                if id(stmt) in capture_statements:
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
        rewriter = self.rewriter()
        rewriter.remove.add(("function", method_node.name, method_node.lineno))
        attrs = sorted({s.name for s in captures})
        removed = self.remove_placeholders(rewriter, captures[0], attrs)
        init = cls.methods.get("__init__")
        if init is not None and init is not method and _bare_init(init, removed):
            rewriter.remove.add(("function", init.node.name, init.node.lineno))
        safe = all(self.is_predictions_entry(s.value, method) for s in captures if s.value is not None) and not any(
            self.reads_elsewhere(s) for s in captures
        )
        return Fix(
            f"Remove the override `{method_node.name}` (it only delegates to super() and captures tensors)",
            Applicability.SAFE if safe else Applicability.UNSAFE,
            (),
            rewriter,
        )


def _ast_pure(test: ast.expr) -> bool:
    return not any(isinstance(n, (ast.Call, ast.Await, ast.NamedExpr, ast.Yield, ast.YieldFrom)) for n in ast.walk(test))


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


def _parallel_element(statement: ast.Assign, target: ast.AST) -> Optional[int]:
    """Where ``target`` stands in ``t1, t2 = v1, v2`` (one flat target tuple or list and a
    value tuple or list of the same length, no starred items): that pair can go alone."""
    if len(statement.targets) != 1:
        return None
    left, right = statement.targets[0], statement.value
    if not (isinstance(left, (ast.Tuple, ast.List)) and isinstance(right, (ast.Tuple, ast.List))):
        return None
    if len(left.elts) != len(right.elts) or len(left.elts) < 2:
        return None
    if any(isinstance(e, ast.Starred) for e in (*left.elts, *right.elts)):
        return None
    for index, element in enumerate(left.elts):
        if element is target:
            return index
    return None
