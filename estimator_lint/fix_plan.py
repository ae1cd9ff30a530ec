"""Deciding fixes, on the ``ast``: whether a finding has a fix, safe or unsafe, and what
it changes (a :class:`RewritePlan` of nodes named by their ``ast`` positions).

No libcst here: a check run knows which findings are fixable without a concrete tree.
:mod:`estimator_lint.fix_render` turns a plan into edits when a run needs them.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from estimator_lint import tfapi
from estimator_lint.analysis.model import FileModel, GraphStore, predictions_argument
from estimator_lint.analysis.scopes import FunctionInfo, parent_map, walk_nodes
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


class _ReordersVariables(NoFix):
    """Moving the value would make its variables in another order (or not at all in some
    mode): the fix keeps the statement where it is, or is only an unsafe move."""



def _assigned_values(fn: FunctionInfo, name: str) -> List[ast.expr]:
    """The values of ``name = value`` statements in ``fn`` (its own body, in order)."""
    return [
        a.value for a in fn.assigns
        if len(a.targets) == 1 and isinstance(a.targets[0], ast.Name) and a.targets[0].id == name
    ]


#: Lines as ``ast.get_source_segment`` splits them (at ``\r\n``, ``\r`` and ``\n`` only).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


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
    replace: Dict[NodeRef, str] = field(default_factory=dict)



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
        self._parent_maps: Dict[int, Dict[int, ast.AST]] = {}
        #: The nodes of a function or statement (:func:`walk_nodes`), kept: every capture's fix walks the
        #: capturing class's methods again (id keys: the tree outlives the planner).
        self._walks: Dict[int, List[ast.AST]] = {}
        self._capture_node_ids: Optional[Set[int]] = None
        #: Answers that every capture of a class (or model_fn) asks again; the planner
        #: lives as long as the file's tree, so node ids in the keys stay unique.
        self._answers: Dict[tuple, object] = {}

    def _answer(self, key: tuple, compute):
        """``compute()``, once per ``key`` for the planner's life."""
        if key not in self._answers:
            self._answers[key] = compute()
        return self._answers[key]

    def walk(self, node: ast.AST) -> List[ast.AST]:
        found = self._walks.get(id(node))
        if found is None:
            found = self._walks[id(node)] = walk_nodes(node)
        return found

    def rewriter(self) -> RewritePlan:
        if self._too_deep is None:
            self._too_deep = self.model.nesting_depth() > MAX_REWRITE_DEPTH
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

    def column(self, node: ast.AST) -> int:
        """The character column of ``node`` (libcst counts characters, ``ast`` bytes)."""
        return self._char_column(node.lineno, node.col_offset)

    def statement_node(self, stmt: ast.stmt) -> NodeRef:
        kind = {ast.Assign: "Assign", ast.AugAssign: "AugAssign", ast.AnnAssign: "AnnAssign", ast.Expr: "Expr"}.get(
            type(stmt)
        )
        if kind is None:
            raise NoFix("only simple statements are rewritten")
        return (kind, stmt.lineno, self.column(stmt))

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
        if isinstance(node, ast.Name):  # ``preds = spec.predictions`` ... ``preds['output']``
            bound = _assigned_values(fn, node.id)
            node = bound[0] if len(bound) == 1 else node
        if isinstance(node, ast.Attribute) and node.attr == "predictions":
            return self.model.values_of(fn).kind(node.value) == GRAPH
        return False

    def graph_reads(self, store: GraphStore) -> List[Tuple[FunctionInfo, ast.Attribute]]:
        """Loads of ``self.<attr>`` in graph-building methods of the capturing class or its
        subclasses here (the model_fn itself: ``self.logits = dense(...)`` then
        ``softmax(self.logits)``): removing the store would break building the graph.
        (Reads outside graph code are EST104's: they make a fix unsafe, :meth:`reads_elsewhere`.)"""
        storing = self._store_nodes(store, of_class=True)
        augmented = self._augmented_targets(store)
        return [
            (fn, node)
            for fn, node in self._self_attributes(store)
            if fn in self.model.contexts and node is not store.node and (
                isinstance(node.ctx, ast.Load) and id(node) not in storing or id(node) in augmented
            )
        ]

    def _augmented_targets(self, store: GraphStore) -> Set[int]:
        """Ids of ``self.<attr>`` targets of ``+=`` (and other augmented stores) in the
        class family: an augmented store reads the attribute before it stores it."""
        if store.cls is None:
            return set()
        return {
            id(node.target)
            for fn in self._family_methods(store.cls)
            for node in self.walk(fn.node)
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute)
            and node.target.attr == store.name
        }

    def _family_methods(self, cls) -> Iterator[FunctionInfo]:
        """Methods (with an instance parameter) of ``cls`` and of the classes of this file
        derived from it: their ``self`` is one too."""
        return iter(self._answer(("family_methods", id(cls)), lambda: list(self._find_family_methods(cls))))

    def _find_family_methods(self, cls) -> Iterator[FunctionInfo]:
        family = [cls]
        grown = True
        while grown:
            grown = False
            for other in self.model.scopes.classes:
                if other not in family and any(self.model.local_class(b) in family for b in other.node.bases):
                    family.append(other)
                    grown = True
        for fn in self.model.scopes.functions:
            if fn.self_name is not None and self.model.method_class(fn) in family:
                yield fn

    def _self_attributes(self, store: GraphStore) -> Iterator[Tuple[FunctionInfo, ast.Attribute]]:
        """Every ``self.<attr>`` of the captured attribute in the class family's methods."""
        if store.cls is None:
            return iter(())
        by_name = self._answer(("self_attributes", id(store.cls)), lambda: self._family_self_attributes(store.cls))
        return iter(by_name.get(store.name, ()))

    def _family_self_attributes(self, cls) -> Dict[str, List[Tuple[FunctionInfo, ast.Attribute]]]:
        """attr -> every ``self.<attr>`` in the methods of ``cls``'s family: one walk answers
        every attribute's question."""
        by_name: Dict[str, List[Tuple[FunctionInfo, ast.Attribute]]] = {}
        for fn in self._family_methods(cls):
            for node in self.walk(fn.node):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == fn.self_name:
                    by_name.setdefault(node.attr, []).append((fn, node))
        return by_name

    def _store_nodes(self, store: GraphStore, of_class: bool = False) -> Set[int]:
        """Ids of the nodes of every capture statement of the attribute (``of_class``: by
        the capturing class itself): ``self.outputs[k] = t`` and ``self.history.append(t)``
        load it to store, ``setattr(self, "x", t)`` names it."""
        return {
            id(node)
            for other in self.model.stores
            if other.how == "self" and other.name == store.name and (not of_class or other.cls is store.cls)
            for node in self.walk(other.statement)
        }

    def _other_uses(self, store: GraphStore, target: ast.Attribute, renamed: Set[int] = frozenset()) -> Optional[str]:
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
            if node is not target and id(node) not in placeholders and id(node) not in renamed and not isinstance(node.ctx, ast.Load):
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
            for node in self.walk(fn.node):
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
        for node in walk_nodes(fn.node):
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

    def local_name_fix(
        self, store: GraphStore, key: str, reads: List[Tuple[FunctionInfo, ast.Attribute]], unpacked: bool = False
    ) -> Fix:
        """The model_fn reads the captured attribute again: keep the tensor in a local name
        instead (``self.logits = t`` -> ``logits = t``, every ``self.logits`` after it ->
        ``logits``) and predict it (an Operation or a metric pair just stays local)."""
        fn, statement = store.function, store.statement
        attr = store.name
        elsewhere = next((f for f, _ in reads if f is not fn), None)
        if elsewhere is not None:
            raise NoFix(f"`{elsewhere.name}` reads `self.{attr}` too: keep the tensor in a local name by hand")
        target = statement.targets[0] if isinstance(statement, ast.Assign) and len(statement.targets) == 1 else None
        if isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target = statement.target  # ``self.total: tf.Tensor = t`` -> ``total: tf.Tensor = t``
        if unpacked:
            # ``self.values, self.indices = tf.nn.top_k(x)``: this element becomes a local name.
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else []
            target = next((e for e in elements if e is store.node), None)
            if any(isinstance(e, ast.Starred) for e in elements):
                raise NoFix("the capture is part of a multiple assignment with a starred target")
            if target is None:
                raise NoFix("the capture is part of a nested or starred unpacking")
        if not (isinstance(target, ast.Attribute) and target.attr == attr):
            raise NoFix(f"`{fn.name}` reads `self.{attr}` again and the store is not a plain assignment")
        parents = self._parents(fn)
        if any(f is fn and id(node) in {id(n) for n in fn.nodes} and not _dominates(parents, statement, node) for f, node in reads) and (
            statement not in fn.node.body
        ):
            # ``if mode == PREDICT: self.logits = t; ... self.logits``: fine inside that block only.
            raise NoFix(f"`{fn.name}` reads `self.{attr}` again and the store is inside a block that may not run first")
        # ``self.total += t`` after the store: renamed with the reads (``total += t``); the
        # prediction then follows the last of them.
        augmented = [
            parents[id(node)] for _, node in reads
            if isinstance(parents.get(id(node)), ast.AugAssign) and parents[id(node)].target is node
        ]
        other = self._other_uses(store, target, {id(a.target) for a in augmented})
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
        if unpacked:
            misfit = self._item_misfit(store, misfit)
        predicted = misfit not in _NOT_A_PREDICTION
        fresh = True
        if predicted:
            last = max(augmented, key=lambda a: (a.lineno, a.col_offset), default=None)
            if last is not None and not _dominates(parents, statement, last):
                raise NoFix(f"`{fn.name}` adds to `self.{attr}` where the store does not always run first")
            context = self.model.contexts.get(fn)
            if store.model_fn is not fn or (context is not None and context.reason == "helper"):
                # ``def encode(self, x): self.encoded = t; return self.encoded``: predicted
                # where the model_fn binds what the helper returns.
                if augmented:
                    raise NoFix(f"`{fn.name}` is a helper of the model_fn that adds to `self.{attr}`: predict it by hand")
                caller, there, call_statement, _ = self._result_in_caller(
                    store, target, fn, *self._caller_of(store)
                )
                fresh = self._add_prediction(
                    rewriter, store, key, ast.Name(id=there), source=there, at=call_statement, fn=caller
                )
            else:
                fresh = self._add_prediction(rewriter, store, key, ast.Name(id=local), source=local, at=last)
        safe = fresh and not augmented and not self.reads_elsewhere(store) and (
            not predicted
            or misfit is None and not (_SCALAR_HINT.search(key) or _SCALAR_HINT.search(self.source_of(store.value)))
        )
        message = f"Keep `{local}` in a local name" + (" and move it into the PREDICT `predictions` dict" if predicted else "")
        return Fix(message, Applicability.SAFE if safe else Applicability.UNSAFE, (), rewriter)

    def _attribute_node(self, node: ast.Attribute) -> NodeRef:
        """The concrete ``self.<attr>`` of ``node`` (nested attributes start at one position)."""
        return ("attribute", node.lineno, self.column(node), node.attr)

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

    def _item_misfit(self, store: GraphStore, misfit: Optional[str]) -> Optional[str]:
        """The misfit of an item of what the stored call returns (an unpacked store): the
        call's own misfit says little about it, unless the call gives no Tensors at all."""
        if misfit in ("pair", "operation", "summary"):
            raise NoFix(f"`{self.source_of(store.value)}` gives no Tensors `predictions` can hold")
        return None if misfit is None else "unbatched"

    def reads_elsewhere(self, store: GraphStore) -> bool:
        """Whether the captured attribute or outer name is read outside the model_fn (also
        by reflection: ``getattr`` with its name or a computed one, ``vars()``, ``__dict__``,
        ``globals()``, anywhere in the file: the receiver may be the capturing object)."""
        if self._reflective_reads(store):
            return True
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
            return _reads_name(nodes, name)

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

    def _reflective_reads(self, store: GraphStore) -> bool:
        if store.how in ("item", "call"):
            return False  # items of a container: no attribute to read by name
        if self._capture_node_ids is None:
            self._capture_node_ids = {id(n) for other in self.model.stores for n in self.walk(other.statement)}
        capture_nodes = self._capture_node_ids
        global_name = store.how in ("global", "nonlocal")
        for node in self.model.reflective_nodes():
            if id(node) in capture_nodes:
                continue
            if isinstance(node, ast.Attribute):  # ``obj.__dict__``
                if not global_name:
                    return True
                continue
            name = node.func.id  # type: ignore[union-attr]
            if name in ("globals", "locals") or (name == "vars" and not node.args):
                if global_name:
                    return True
                continue
            if global_name:
                continue
            if name == "vars":
                return True
            if len(node.args) >= 2:
                attr = node.args[1]
                if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)) or attr.value == store.name:
                    return True
        return False

    # -- EST102 / EST103 ------------------------------------------------------------

    def _augmented_value(self, store: GraphStore) -> Optional[ast.expr]:
        """``self.total += t`` / ``OUT += [t]``: what the store holds after one call, when
        nothing else than a constant placeholder (``__init__``, module level) binds it."""
        statement = store.statement
        value = statement.value  # type: ignore[union-attr]
        if not isinstance(statement.op, ast.Add):  # type: ignore[union-attr]
            raise NoFix("an augmented store other than `+=` is not moved")
        if isinstance(value, (ast.List, ast.Tuple)):
            if len(value.elts) != 1:
                raise NoFix("the augmented store adds several values")
            value = value.elts[0]
        if store.how == "self":
            others = [n for _, n in self._self_attributes(store) if n is not store.node and not isinstance(n.ctx, ast.Load)]
            placeholders = set()
            if store.cls is not None and "__init__" in store.cls.methods:
                init = store.cls.methods["__init__"]
                placeholders = {
                    id(st.targets[0]) for st in init.node.body
                    if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.value, ast.Constant)
                }
            if any(id(n) not in placeholders for n in others):
                raise NoFix(f"`{store.name}` is assigned elsewhere too: what it should hold is unclear")
            return value
        if store.how in ("global", "nonlocal"):
            stores = [
                n for f in self.model.scopes.functions for n in f.nodes
                if isinstance(n, ast.Name) and n.id == store.name and not isinstance(n.ctx, ast.Load)
                and (f is store.function or store.name in f.global_names)
            ]
            if any(n is not store.node for n in stores) or _reads_name(
                (n for n in walk_nodes(store.function.node) if n is not statement), store.name
            ):
                raise NoFix(f"`{store.name}` is assigned or read elsewhere too: what it should hold is unclear")
            return value
        raise NoFix("only a plain assignment or a single-value store is moved")

    def _first_store(self, store: GraphStore) -> Optional[GraphStore]:
        """The plain capture of the same attribute or name earlier in the same function
        (``self.total = t`` before ``self.total += u``)."""
        return next(
            (
                other for other in self.model.stores
                if other.how == store.how and other.name == store.name and other.function is store.function
                and isinstance(other.statement, (ast.Assign, ast.AnnAssign)) and other.statement.lineno < store.statement.lineno
            ),
            None,
        )

    def global_local_fix(self, store: GraphStore, key: str, unpacked: bool = False) -> Fix:
        """``global probs; probs = t; ... top(probs)``: the model_fn reads the name again,
        so the store stays and becomes local (the name leaves the ``global`` or ``nonlocal``
        statement)."""
        fn, statement = store.function, store.statement
        if statement not in fn.node.body:
            raise NoFix(f"`{fn.name}` reads `{store.name}` again and the store is inside a block")
        # ``probs += t`` after the store reads and stores the (now local) name: it stays.
        augmented = [
            n for n in self.walk(fn.node)
            if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == store.name
        ]
        augmented_targets = {id(n.target) for n in augmented}
        stores = [
            n for n in self.walk(fn.node)
            if isinstance(n, ast.Name) and n.id == store.name and not isinstance(n.ctx, ast.Load) and id(n) not in augmented_targets
        ]
        loads = [
            n for n in self.walk(fn.node)
            if isinstance(n, ast.Name) and n.id == store.name and (isinstance(n.ctx, ast.Load) or id(n) in augmented_targets)
        ]
        if len(stores) != 1 or any(n.lineno <= (statement.end_lineno or statement.lineno) for n in loads):
            raise NoFix(f"`{fn.name}` reads `{store.name}` before the store or assigns it again")
        last = max(augmented, key=lambda a: (a.lineno, a.col_offset), default=None)
        if last is not None and not _dominates(self._parents(fn), statement, last):
            raise NoFix(f"`{fn.name}` adds to `{store.name}` where the store does not always run first")
        for nested in self.model.scopes.functions:
            if nested is not fn and fn in list(nested.enclosing()) and (
                store.name in nested.global_names or store.name in nested.nonlocal_names
            ):
                raise NoFix(f"a function nested in `{fn.name}` declares `{store.name}` too")
        rewriter = self.rewriter()
        declaration = ast.Global if store.how == "global" else ast.Nonlocal
        declarations = [n for n in fn.node.body if isinstance(n, declaration) and store.name in n.names]
        if len(declarations) != 1:
            raise NoFix(f"`{store.name}` is declared {store.how} more than once, or inside a block")
        rewriter.global_names[(declaration.__name__, declarations[0].lineno, self.column(declarations[0]))] = {store.name}
        misfit = self.prediction_misfit(store.value, fn)
        if unpacked:
            elements = statement.targets[0].elts if isinstance(statement, ast.Assign) else []  # type: ignore[union-attr]
            if not all(isinstance(e, ast.Name) for e in elements):
                raise NoFix("the capture is part of a nested or starred unpacking")
            misfit = self._item_misfit(store, misfit)
        predicted = misfit not in _NOT_A_PREDICTION
        fresh = True
        if predicted:
            fresh = self._add_prediction(rewriter, store, key, ast.Name(id=store.name), source=store.name, at=last)
        safe = fresh and not augmented and not unpacked and not self.reads_elsewhere(store) and (
            not predicted
            or misfit is None and not (_SCALAR_HINT.search(key) or _SCALAR_HINT.search(self.source_of(store.value)))
        )
        message = f"Keep `{store.name}` local" + (" and move it into the PREDICT `predictions` dict" if predicted else "")
        return Fix(message, Applicability.SAFE if safe else Applicability.UNSAFE, (), rewriter)

    def _returned_to(self, store: GraphStore, value: ast.expr) -> Tuple[FunctionInfo, object, ast.stmt, Optional[str]]:
        """Where the model_fn has a helper's captured tensor: (the model_fn, the local name
        it binds the helper's result to, or the expression it can compute the tensor with,
        the statement after which it has it, that expression's source)."""
        helper = store.function
        caller, why = self._caller_of(store)
        try:
            return self._result_in_caller(store, value, helper, caller, why)
        except NoFix as returned:
            # ``def _record(t): TENSORS.append(t)``, ``def _head(x): OUT['p'] = tf.nn.softmax(x)``:
            # the same expression over the arguments the model_fn passed.
            computed = self._from_arguments(store, value, helper, caller, why)
            if computed is None:
                raise returned
            return computed

    def _caller_of(self, store: GraphStore) -> Tuple[FunctionInfo, str]:
        """The model_fn that calls the helper holding ``store``, and how messages say so."""
        helper = store.function
        context = self.model.contexts.get(helper)
        caller = context.called_from if context is not None and context.called_from is not None else store.model_fn
        if caller is None or caller is helper:
            raise NoFix("the tensor is stored outside the model_fn body that builds the predictions")
        return caller, f"`{helper.name}` is a helper of the model_fn `{caller.name}`"

    def _result_in_caller(self, store, value, helper, caller, why):
        returns = [n for n in helper.nodes if isinstance(n, ast.Return)]
        if len(returns) != 1 or returns[0] is not helper.node.body[-1] or returns[0].value is None:
            raise NoFix(f"{why}: return the tensor to it and predict it there")
        result = returns[0].value
        index = None
        if not _same_expression(result, value):
            elements = result.elts if isinstance(result, (ast.Tuple, ast.List)) else []
            index = next((i for i, e in enumerate(elements) if _same_expression(e, value)), None)
            if index is None:
                raise NoFix(f"{why} that does not return the tensor: return it and predict it there")
        names = {n.id for n in walk_nodes(value) if isinstance(n, ast.Name)}
        end = store.statement.end_lineno or store.statement.lineno
        if any(
            isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Store) and n.lineno > end
            for n in helper.nodes
        ):
            raise NoFix(f"{why} that changes the tensor's inputs before returning it")
        call = self._single_call(helper, caller, why)
        parents = self._parents(caller)
        bound = parents.get(id(call))
        target = bound.targets[0] if isinstance(bound, ast.Assign) and len(bound.targets) == 1 else None
        if index is None and isinstance(target, ast.Name):
            return caller, target.id, bound, None
        if (
            index is not None and isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == len(result.elts)
            and isinstance(target.elts[index], ast.Name)
        ):
            return caller, target.elts[index].id, bound, None
        raise NoFix(f"{why} whose result `{caller.name}` does not bind to a name: predict the tensor by hand")

    def _from_arguments(self, store: GraphStore, value: ast.expr, helper: FunctionInfo, caller: FunctionInfo, why: str):
        """The captured value as the model_fn can compute it: the value reads only the
        helper's parameters (never rebound in it) and names from outside the helper; each
        parameter becomes the argument of the model_fn's one call (``self`` its ``self``).
        None when the value reads anything else."""
        params = set(helper.call_params)
        if helper.self_name is not None:
            params.add(helper.self_name)
        names = [n for n in walk_nodes(value) if isinstance(n, ast.Name)]
        used = {n.id for n in names if n.id in params}
        if not used or any(n.id not in params and helper.is_local(n.id) for n in names):
            return None
        if any(isinstance(n, (ast.Lambda, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.NamedExpr)) for n in walk_nodes(value)):
            return None
        if any(isinstance(n, ast.Name) and n.id in used and not isinstance(n.ctx, ast.Load) for n in helper.nodes):
            return None  # a parameter rebound in the helper
        for node in walk_nodes(value):
            if isinstance(node, ast.Call):
                # Computed in the model_fn instead of the helper: only plain TensorFlow ops,
                # never a layer or anything else that makes variables (their names, and so
                # the checkpoints, follow the order they are made in).
                qualname = self._callee(node.func, helper)
                if not tfapi.is_tf_qualname(qualname) or tfapi.may_make_variables(qualname):
                    return None
        call = self._single_call(helper, caller, why)
        arguments: Dict[str, Tuple[ast.expr, str]] = {}
        for name in used:
            if name == helper.self_name:
                if caller.self_name is None or not isinstance(call.func, ast.Attribute):
                    return None
                arguments[name] = (ast.Name(id=caller.self_name, ctx=ast.Load()), caller.self_name)
                continue
            position = helper.call_params.index(name)
            argument = next((k.value for k in call.keywords if k.arg == name), None)
            if argument is None and position < len(call.args) and not any(
                isinstance(a, ast.Starred) for a in call.args[: position + 1]
            ):
                argument = call.args[position]
            if argument is None:
                raise NoFix(f"{why}: which argument holds the tensor is unclear")
            text = self.source_of(argument)
            if not isinstance(argument, (ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.Constant)) and not (
                text.startswith("(") and text.endswith(")")
            ):
                text = f"({text})"
            arguments[name] = (argument, text)
        if isinstance(value, ast.Name):
            expression, text = arguments[value.id]
        else:
            expression = _substitute(value, {k: a for k, (a, _) in arguments.items()})
            text = self._spliced(value, {k: t for k, (_, t) in arguments.items()})
        return caller, expression, _enclosing_statement(self._parents(caller), call), text

    def _spliced(self, value: ast.expr, texts: Dict[str, str]) -> str:
        """``value``'s source with each parameter name replaced by its argument's text (a
        value over several lines is printed anew)."""
        segment = self.segment(value)
        if segment is None or "\n" in segment or value.lineno != value.end_lineno:  # type: ignore[attr-defined]
            return ast.unparse(_substitute(value, {k: ast.parse(t, mode="eval").body for k, t in texts.items()}))
        raw = segment.encode()
        pieces, at = [], 0
        for node in sorted(
            (n for n in walk_nodes(value) if isinstance(n, ast.Name) and n.id in texts), key=lambda n: n.col_offset
        ):
            start, stop = node.col_offset - value.col_offset, node.end_col_offset - value.col_offset  # type: ignore[operator]
            pieces.append(raw[at:start].decode())
            pieces.append(texts[node.id])
            at = stop
        pieces.append(raw[at:].decode())
        return "".join(pieces)

    def _single_call(self, helper: FunctionInfo, caller: FunctionInfo, why: str) -> ast.Call:
        calls = [c for c in caller.nodes if isinstance(c, ast.Call) and self._calls_function(c, helper, caller)]
        if len(calls) != 1:
            raise NoFix(f"{why} called {len(calls) or 'not'} {'times' if calls else 'directly'} there: predict the tensor by hand")
        return calls[0]

    def _calls_function(self, call: ast.Call, helper: FunctionInfo, caller: FunctionInfo) -> bool:
        func = call.func
        if isinstance(func, ast.Name):
            return func.id == helper.name and (helper.parent is None or helper.parent is caller) and helper.cls is None
        return (
            isinstance(func, ast.Attribute) and func.attr == helper.name and helper.cls is not None
            and isinstance(func.value, ast.Name) and func.value.id == caller.self_name
        )

    def capture_fix(self, store: GraphStore) -> Fix:
        statement = store.statement
        value = store.value
        aug_note = ""
        if isinstance(statement, ast.AugAssign) and statement.target is store.node and value is not None:
            primary = self._first_store(store)
            if primary is not None:
                # ``self.total = t`` ... ``self.total += u``: the first store's fix (a local
                # name that the ``+=`` adds to) fixes this one too.
                return self.capture_fix(primary)
            # ``self.total += t`` with no other store than a constant placeholder: in the one
            # graph of a call the total is ``t`` (the running total across calls goes: unsafe).
            value = self._augmented_value(store)
            aug_note = " (an augmented store: the value across calls is not kept)"
        if value is None or not isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Expr, ast.AugAssign)):
            raise NoFix("only a plain assignment or a single-value store is moved")
        element = None
        if isinstance(statement, ast.Assign) and (
            len(statement.targets) != 1 or isinstance(statement.targets[0], (ast.Tuple, ast.List))
        ):
            element = _parallel_element(statement, store.node)
            if element is None:
                if store.how in ("global", "nonlocal") and len(statement.targets) == 1:
                    # ``global mean, var; mean, var = tf.nn.moments(x, [1])``: the names become local.
                    return self.global_local_fix(store, store.name, unpacked=True)
                if store.how != "self" or len(statement.targets) != 1:
                    raise NoFix("the capture is part of a multiple assignment")
                # ``self.values, self.indices = tf.nn.top_k(x)``: unpack into local names.
                return self.local_name_fix(store, store.key or store.name, self.graph_reads(store), unpacked=True)
        is_setattr = False
        key = store.key
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            is_setattr = isinstance(call.func, ast.Name) and call.func.id == "setattr" and store.how == "self"
            if not is_setattr:
                value, key = self._container_call_value(call, store, value, key)
        elif isinstance(value, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)):
            raise NoFix(
                f"`{_short(self.source_of(value))}` is a {_LITERAL_KIND[type(value)]}, not a Tensor: "
                "`predictions` cannot hold it (predict its tensors one by one)"
            )
        if not key or not key.isidentifier():
            raise NoFix("no name to use as the predictions key")
        fn = store.function
        if store.how == "self":
            reads = self.graph_reads(store)
            if reads:
                if aug_note or is_setattr:
                    raise NoFix(f"`{fn.name}` reads `{fn.self_name}.{store.name}` again")
                return self.local_name_fix(store, key, reads)
            mention = self._string_mention(store)
            if mention is not None:
                raise NoFix(f"{mention}: removing the attribute would change it")
        if store.how in ("global", "nonlocal") and _reads_name(
            (n for n in walk_nodes(fn.node) if n is not statement), store.name
        ):
            if aug_note or element is not None or not isinstance(statement, ast.Assign):
                raise NoFix(f"`{fn.name}` reads `{store.name}` again: keep the tensor in a local name by hand")
            return self.global_local_fix(store, key)
        returned = None
        context = self.model.contexts.get(fn)
        if store.model_fn is not fn or (context is not None and context.reason == "helper"):
            returned = self._returned_to(store, value)
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
                    rewriter.global_names[(kind, node.lineno, self.column(node))] = {store.name}
        already = self.is_predictions_entry(value, fn)
        misfit = None if already else self.prediction_misfit(value, fn)
        if misfit in _NOT_A_PREDICTION:
            raise NoFix(f"`{self.source_of(value)}` is {_NOT_A_PREDICTION[misfit]}")
        fresh = True
        if not already and returned is not None:
            caller, local, call_statement, text = returned
            if isinstance(local, ast.expr):  # computed from the arguments the model_fn passed the helper
                fresh = self._add_prediction(rewriter, store, key, local, at=call_statement, fn=caller, text=text)
            else:
                fresh = self._add_prediction(
                    rewriter, store, key, ast.Name(id=local), source=local, at=call_statement, fn=caller
                )
        elif not already:
            try:
                fresh = self._add_prediction(rewriter, store, key, value)
            except _ReordersVariables as reorder:
                # ``self.logits = tf.layers.dense(net, 3)`` moved past another layer: the
                # statement stays where it is, as a local name the predictions read.
                kept = self._kept_in_place(store, key, element, is_setattr or bool(aug_note))
                if kept is not None:
                    return kept
                fresh = self._add_prediction(rewriter, store, key, value, reorder=True)
                aug_note += f" (unsafe: {reorder})"
        safe = fresh and not aug_note and not self.reads_elsewhere(store)
        if safe and not already:
            safe = misfit is None and not (
                _SCALAR_HINT.search(key) or _SCALAR_HINT.search(self.segment(value) or "")
            )
        message = (
            f"Remove the capture of `{key}` (already in `predictions`)"
            if already
            else f"Move `{key}` into the PREDICT `predictions` dict" + aug_note
        )
        return Fix(message, Applicability.SAFE if safe else Applicability.UNSAFE, (), rewriter)

    def _container_call_value(self, call: ast.Call, store: GraphStore, value: ast.expr, key: Optional[str]):
        """The one tensor (and its key) a container call stores: ``OUT.append(t)``,
        ``OUT.extend([t])``, ``OUT.update(probs=t)``, ``OUT.update({'probs': t})``,
        ``OUT.setdefault('probs', t)``, ``OUT.insert(0, t)``."""
        method = call.func.attr if isinstance(call.func, ast.Attribute) else None
        if store.how not in ("call", "self") or method is None:
            raise NoFix("the store call passes more than one value")
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise NoFix(f"`{method}` gets unpacked arguments: which tensor it stores is unclear")
        if method in ("setdefault", "insert") and len(call.args) == 2 and not call.keywords:
            if method == "setdefault":
                first = call.args[0]
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    raise NoFix("`setdefault` stores under a computed key: name the prediction by hand")
                return call.args[1], first.value  # ``OUT.setdefault('probs', t)`` -> 'probs'
            return call.args[1], key
        if len(call.args) + len(call.keywords) != 1:
            raise NoFix(f"`{method}` stores several values: move them into `predictions` by hand")
        if call.keywords:
            return call.keywords[0].value, call.keywords[0].arg  # ``OUTER.update(probs=t)`` -> 'probs'
        if method in ("extend", "extendleft", "update"):
            items = value
            if isinstance(items, ast.Dict) and method == "update":
                if len(items.keys) == 1 and isinstance(items.keys[0], ast.Constant) and isinstance(items.keys[0].value, str):
                    return items.values[0], items.keys[0].value  # ``OUT.update({'probs': t})``
                raise NoFix("`update` stores several or computed keys: move them into `predictions` by hand")
            if isinstance(items, (ast.List, ast.Tuple)) and len(items.elts) == 1 and not isinstance(items.elts[0], ast.Starred):
                return items.elts[0], key  # ``OUT.extend([t])``: one tensor
            raise NoFix(
                f"`{method}` stores each item of `{_short(self.source_of(items))}`: predict the tensors one by one"
            )
        return value, key

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
        self,
        rewriter: RewritePlan,
        store: GraphStore,
        key: str,
        value: ast.expr,
        source: Optional[str] = None,
        at: Optional[ast.stmt] = None,
        fn: Optional[FunctionInfo] = None,
        text: Optional[str] = None,
        reorder: bool = False,
    ) -> bool:
        """Add ``key: value`` to the PREDICT predictions; ``source``: the value's text when it
        is the local name the fix itself binds at the store (then the dict must follow it).
        ``at``/``fn``: the statement (of the model_fn ``fn``) where the value is there, when
        it is not the store's own (a helper's capture, predicted where its result arrives).

        The entry goes into the dict literal when everything it reads is bound there;
        otherwise ``predictions['key'] = value`` follows ``at`` (a dict bound once by name,
        by ``dict(...)``, a comprehension or a helper's return, filled on the way to the
        spec).  Returns whether the dict is known to be a fresh ``dict`` (False: it comes
        from a call whose result may not take items: an unsafe fix).

        A value moved from the store that may make variables raises
        :class:`_ReordersVariables` when it would then be made in another order or mode
        (``reorder``: move it anyway, the caller makes the fix unsafe)."""
        moved = source is None and text is None and at is None
        if fn is None:
            fn = store.function
            if store.model_fn is not fn:
                raise NoFix("the tensor is stored outside the model_fn body that builds the predictions")
            context = self.model.contexts.get(fn)
            if context is not None and context.reason == "helper":
                caller = context.called_from.name if context.called_from is not None else "the model_fn"
                raise NoFix(
                    f"`{fn.name}` is a helper of the model_fn `{caller}`: return the tensor to it and predict it there"
                )
        at = at if at is not None else store.statement
        if not self._modes_at(fn, at) & {"infer"}:
            raise NoFix(
                f"line {at.lineno} only runs when training or evaluating, so `predict()` never computes the tensor"
            )
        site = self._predictions_of(fn)
        if site.literal is not None:
            target = site.literal
            if source is not None and isinstance(store.node, ast.expr) and any(
                ast.unparse(v) == ast.unparse(store.node) for v in target.values
            ):
                return True  # ``{'logits': self.logits}``: renamed with the rest, already predicted
            for k, v in zip(target.keys, target.values):
                if isinstance(k, ast.Constant) and k.value == key:
                    if ast.dump(v) == ast.dump(value):
                        return True
                    if isinstance(store.node, ast.expr) and ast.unparse(v) == ast.unparse(store.node):
                        # ``self.logits = t`` ... ``predictions={'logits': self.logits}``
                        raise NoFix(
                            f"the predictions dict reads `{self.source_of(v)}` itself: keep the tensor "
                            "in a local name and predict that"
                        )
                    raise NoFix(f"the predictions dict already has a key '{key}' with another value")
            if any(ast.dump(v) == ast.dump(value) for v in target.values):
                if moved and not reorder and self._variable_calls(value, fn):
                    raise _ReordersVariables(
                        f"`{_short(self.source_of(value))}` makes variables and the predictions make their own"
                    )
                return True  # the same value is already predicted under another key
        elif site.binding is not None and site.name is not None:
            for node in fn.nodes:
                if (
                    isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == site.name
                    and isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Constant) and node.slice.value == key
                ):
                    raise NoFix(f"the predictions dict already gets a key '{key}'")
        value_src = source if source is not None else text if text is not None else self.source_of(value)
        # 1. into the literal (or right after the statement binding the dict), when all the
        #    value reads is bound there on every path and unchanged since the store.
        if site.inline is not None:
            if not self._available_at(value, source, store, at, fn, site.inline):
                raise NoFix("the tensor is not there where the PREDICT spec's predictions are built")
            inline = site.inline
            if moved and not reorder:
                self._check_variable_order(store, value, fn, inline)
            rewriter.replace[(type(inline).__name__, inline.lineno, self.column(inline))] = (
                f"{{**{self.source_of(inline)}, {key!r}: {value_src}}}"
            )
            return site.fresh
        anchor = site.literal if site.literal is not None else site.binding
        if anchor is not None and self._available_at(value, source, store, at, fn, anchor):
            if moved and not reorder:
                self._check_variable_order(store, value, fn, anchor)
            if site.literal is not None:
                rewriter.dict_entries.setdefault(("Dict", anchor.lineno, self.column(anchor)), []).append(
                    (key, value_src)
                )
            else:
                rewriter.insert_after.setdefault(self.statement_node(anchor), []).append(
                    f"{site.name}[{key!r}] = {value_src}\n"
                )
            return site.fresh
        # 2. ``predictions['key'] = value`` where the value is: the dict is bound (once)
        #    before, on every path to that point, and the spec comes after it.
        if (
            site.name is not None and site.binding is not None
            and site.binding.lineno < at.lineno and _dominates(self._parents(fn), site.binding, at)
            and (at.end_lineno or at.lineno) < site.call.lineno
        ):
            rewriter.insert_after.setdefault(self.statement_node(at), []).append(
                f"{site.name}[{key!r}] = {value_src}\n"
            )
            # Under a condition other than the mode (a loop, ``if labels is not None``), the
            # key may be missing from what predict() yields: unsafe.
            return site.fresh and self._runs_whenever_predicting(fn, at, site.call)
        names = [n.id for n in walk_nodes(value) if isinstance(n, ast.Name)] if source is None else [source]
        missing = next((n for n in sorted(set(names)) if fn.is_local(n) and n not in fn.params), None)
        if missing is not None:
            raise NoFix(f"`{missing}` is not defined (or not the same) where the predictions dict is built")
        raise NoFix("the predictions dict is built where the tensor is not there")

    def _variable_calls(self, value: ast.expr, fn: FunctionInfo) -> List[ast.Call]:
        """The calls in ``value`` that may make variables (:func:`tfapi.may_make_variables`)."""
        return [n for n in walk_nodes(value) if isinstance(n, ast.Call) and self._may_make_variables(n, fn)]

    def _may_make_variables(self, call: ast.Call, fn: FunctionInfo) -> bool:
        func = call.func
        if isinstance(func, ast.Name) and func.id in tfapi.PLAIN_BUILTINS and not any(
            scope.is_local(func.id) for scope in fn.enclosing()
        ) and self.model.imports.resolve_name(func.id) is None:
            return False
        return tfapi.may_make_variables(self._callee(func, fn))

    def _check_variable_order(self, store: GraphStore, value: ast.expr, fn: FunctionInfo, destination: ast.AST) -> None:
        """Raise :class:`_ReordersVariables` when ``value``, moved from the store to
        ``destination``, may make variables and either another call that may make variables
        runs in between (its default names, ``dense/kernel`` vs ``dense_1/kernel``, follow
        the order they are made in: a checkpoint would no longer restore) or the
        destination does not run in every mode the store runs in (training would no longer
        make them, and predict() would find them in no checkpoint)."""
        makers = self._variable_calls(value, fn)
        if not makers:
            return
        what = _short(self.source_of(makers[0]))
        statement = store.statement
        if not self._modes_at(fn, destination) >= self._modes_at(fn, statement):
            raise _ReordersVariables(
                f"`{what}` makes variables, and the predictions are built only in PREDICT mode: "
                "training would no longer make them"
            )
        around = self._ancestor_ids(fn, destination)
        inside = {id(n) for n in self.walk(statement)}
        first = min((statement.lineno, statement.col_offset), (destination.lineno, destination.col_offset))
        last = max(
            (statement.end_lineno, statement.end_col_offset), (destination.end_lineno, destination.end_col_offset)
        )
        for call in fn.calls:
            if id(call) in inside or id(call) in around or not first <= (call.lineno, call.col_offset) < last:
                continue
            if self._may_make_variables(call, fn):
                raise _ReordersVariables(
                    f"`{what}` makes variables and `{_short(self.source_of(call))}` may make some in between: "
                    "moved, they would get other names and a saved checkpoint would no longer restore"
                )

    def _kept_in_place(self, store: GraphStore, key: str, element: Optional[int], unusual: bool) -> Optional[Fix]:
        """The fix that keeps a capture whose value makes variables where it is, as a local
        name the predictions read (``self.logits = dense(x)`` -> ``logits = dense(x)``), or
        None when the store has no such shape."""
        statement = store.statement
        if unusual or element is not None or not isinstance(statement, (ast.Assign, ast.AnnAssign)):
            return None
        try:
            if store.how == "self":
                return self.local_name_fix(store, key, [])
            if store.how in ("global", "nonlocal") and isinstance(statement, ast.Assign) and key == store.name:
                return self.global_local_fix(store, key)
        except NoFix:
            return None
        return None

    def _available_at(self, value, source, store: GraphStore, at: ast.stmt, fn: FunctionInfo, anchor: ast.AST) -> bool:
        """Whether ``value`` (or the local ``source``) can be evaluated at ``anchor`` with the
        value it had at ``at``: each local name it reads is bound before, on every path to
        ``anchor``, and not bound again between ``at`` and ``anchor``."""
        if source is not None:
            # The local name the fix binds at ``at`` is bound where the dict is only when
            # ``at`` runs first on every path there.
            end = at.end_lineno or at.lineno
            return anchor.lineno > end and _dominates(self._parents(fn), at, anchor) and not any(
                isinstance(n, ast.Name) and n.id == source and isinstance(n.ctx, ast.Store) and end < n.lineno <= anchor.lineno
                for n in fn.nodes
            )
        parents = self._parents(fn)
        if anchor.lineno < at.lineno and any(
            isinstance(n, (ast.Lambda, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.NamedExpr))
            for n in walk_nodes(value)
        ):
            return False  # evaluated earlier than written: keep it simple
        first, last = sorted(((at.end_lineno or at.lineno), anchor.lineno))
        for name in sorted({n.id for n in walk_nodes(value) if isinstance(n, ast.Name)}):
            if not fn.is_local(name):
                continue  # a global, a builtin or a closure variable
            stores = [n for n in fn.nodes if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)]
            if any(first < n.lineno < last or n.lineno == anchor.lineno for n in stores):
                return False  # bound again in between: the value there would differ
            if name in fn.params:
                continue
            if any(
                n.lineno < anchor.lineno and _dominates(parents, _enclosing_statement(parents, n), anchor) for n in stores
            ):
                continue
            if not self._bound_by_def(name, fn, anchor):
                return False  # not bound on every path to the dict
        return True

    def _bound_by_def(self, name: str, fn: FunctionInfo, anchor: ast.AST) -> bool:
        """``def name`` / ``import name`` / ``class name`` in the body before ``anchor``."""
        parents = self._parents(fn)
        for node in fn.nodes:
            if getattr(node, "lineno", anchor.lineno) >= anchor.lineno:
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
                return _dominates(parents, node, anchor)
            if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name.split(".")[0]) == name for a in node.names
            ):
                return _dominates(parents, node, anchor)
        return False

    def _runs_whenever_predicting(self, fn: FunctionInfo, at: ast.AST, call: ast.AST) -> bool:
        """Whether ``at`` runs on every PREDICT-mode path to ``call``: the blocks around it
        that do not hold ``call`` too are only ``if``s on the mode that allow PREDICT."""
        parents = self._parents(fn)
        around_call = self._ancestor_ids(fn, call)
        child, parent = at, parents.get(id(at))
        while parent is not None and id(parent) not in around_call:
            if isinstance(parent, ast.If):
                modes = _modes_where(parent.test, child in parent.body)
                if modes == _ALL_MODES or "infer" not in modes:
                    return False
            elif not isinstance(parent, (ast.With, ast.AsyncWith)):
                return False
            child, parent = parent, parents.get(id(parent))
        return True

    def _ancestor_ids(self, fn: FunctionInfo, node: ast.AST) -> Set[int]:
        """Ids of the nodes of ``fn`` around ``node`` (its parent, grandparent, ...)."""
        parents = self._parents(fn)
        found: Set[int] = set()
        above = parents.get(id(node))
        while above is not None:
            found.add(id(above))
            above = parents.get(id(above))
        return found

    def _parents(self, fn: FunctionInfo) -> Dict[int, ast.AST]:
        """Child id -> parent node, for the nodes of ``fn`` (cached per function)."""
        cached = self._parent_maps.get(id(fn))
        if cached is None:
            cached = self._parent_maps[id(fn)] = parent_map(self.walk(fn.node))
        return cached

    def _modes_at(self, fn: FunctionInfo, node: ast.AST) -> frozenset:
        """The modes (``train``/``eval``/``infer``) in which ``node`` of ``fn`` can run, from
        the ``if mode == ...`` tests around it and the ``if ...: return`` before it."""
        return self._answer(("modes_at", id(fn), id(node)), lambda: self._find_modes(fn, node))

    def _find_modes(self, fn: FunctionInfo, node: ast.AST) -> frozenset:
        parents = self._parents(fn)
        modes = _ALL_MODES
        child, parent = node, parents.get(id(node))
        while parent is not None and child is not fn.node:
            if isinstance(parent, ast.If) and child is not parent.test:
                modes &= _modes_where(parent.test, child in parent.body)
            for name in ("body", "orelse", "finalbody"):
                block = getattr(parent, name, None)
                if isinstance(block, list) and child in block:
                    for earlier in block[: block.index(child)]:
                        if isinstance(earlier, ast.If):
                            if _ends(earlier.body) and not (earlier.orelse and _ends(earlier.orelse)):
                                modes &= _modes_where(earlier.test, False)
                            elif earlier.orelse and _ends(earlier.orelse) and not _ends(earlier.body):
                                modes &= _modes_where(earlier.test, True)
            if parent is fn.node:
                break
            child, parent = parent, parents.get(id(parent))
        return modes

    def _predictions_of(self, fn: FunctionInfo) -> "_PredictionSite":
        """Where the PREDICT spec's predictions come from: its dict literal, or the name
        bound once to the dict (a literal, ``dict(...)``, a comprehension, a call)."""
        def find():
            try:
                return self._find_predictions(fn)
            except NoFix as exc:
                return exc  # kept too: every capture of the model_fn asks again

        found = self._answer(("predictions_of", id(fn)), find)
        if isinstance(found, NoFix):
            raise NoFix(str(found))
        return found

    def _find_predictions(self, fn: FunctionInfo) -> "_PredictionSite":
        found = predictions_argument(self.model, fn)
        if not found:
            raise NoFix("no PREDICT EstimatorSpec with a predictions dict in the model_fn")
        predicting = [(call, arg) for call, arg in found if "infer" in self._modes_at(fn, call)]
        if not predicting:
            raise NoFix("every EstimatorSpec with predictions is returned outside PREDICT mode")
        if len(predicting) > 1:
            names = {arg.id if isinstance(arg, ast.Name) else None for _, arg in predicting}
            if len(names) != 1 or None in names:
                raise NoFix(
                    "several EstimatorSpecs may be the PREDICT one (no `if mode == PREDICT` tells them apart) "
                    "and they predict different dicts"
                )
            # One dict shared by the specs (TensorFlow ignores predictions outside PREDICT).
        call, arg = max(predicting, key=lambda pair: pair[0].lineno)
        if isinstance(arg, ast.Dict):
            return _PredictionSite(call, arg, None, None, True)
        if isinstance(arg, ast.Name):
            # The statements (and walruses) holding a store of the name: its ancestors.
            holders: Set[int] = set()
            for t in self.walk(fn.node):
                if type(t) is ast.Name and t.id == arg.id and type(t.ctx) is ast.Store:
                    holders |= self._ancestor_ids(fn, t)
            bindings = [
                n for n in fn.nodes
                if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.With, ast.NamedExpr))
                and id(n) in holders
            ]
            if len(bindings) == 1 and isinstance(bindings[0], ast.Assign) and len(bindings[0].targets) == 1 and (
                isinstance(bindings[0].targets[0], ast.Name)
            ):
                binding = bindings[0]
                if binding.lineno > call.lineno:
                    raise NoFix(f"`{arg.id}` is bound after the PREDICT spec")
                literal = binding.value if isinstance(binding.value, ast.Dict) else None
                if literal is None and self._makes_tensor(binding.value, fn):
                    raise NoFix(_SINGLE_TENSOR)
                fresh = literal is not None or self._makes_dict(binding.value, fn)
                return _PredictionSite(call, literal, arg.id, binding, fresh)
            if not bindings and arg.id in fn.params:
                raise NoFix(f"the predictions dict `{arg.id}` is passed in by the caller")
            raise NoFix(f"the predictions dict `{arg.id}` is bound more than once")
        if isinstance(arg, ast.DictComp) or isinstance(arg, ast.Call) and not self._makes_tensor(arg, fn):
            return _PredictionSite(call, None, None, None, self._makes_dict(arg, fn), arg)
        if isinstance(arg, ast.Call):
            raise NoFix(_SINGLE_TENSOR)
        raise NoFix(f"the PREDICT spec's predictions are `{_short(self.segment(arg) or '...')}`, not a dict the model_fn builds")

    def _makes_tensor(self, value: ast.expr, fn: FunctionInfo) -> bool:
        """Whether ``value`` is a TensorFlow call's result (a tensor, not a dict of them)."""
        if not isinstance(value, ast.Call):
            return not isinstance(value, (ast.Dict, ast.DictComp, ast.Name))
        qualname = self._callee(value.func, fn)
        return bool(qualname) and tfapi.is_tf_qualname(qualname)

    def _makes_dict(self, value: ast.expr, fn: FunctionInfo) -> bool:
        """Whether ``value`` makes a new ``dict``: ``dict(...)``, a comprehension, or a call
        of a function of this file whose every ``return`` gives a dict literal."""
        if isinstance(value, (ast.Dict, ast.DictComp)):
            return True
        if not isinstance(value, ast.Call):
            return False
        if isinstance(value.func, ast.Name) and value.func.id == "dict" and not fn.is_local("dict"):
            return True
        if isinstance(value.func, ast.Name):
            for scope in fn.enclosing():
                if value.func.id in scope.nested:
                    return _returns_dicts(scope.nested[value.func.id])
                if scope.is_local(value.func.id):
                    return False
            helper = next(
                (f for f in self.model.scopes.functions if f.parent is None and f.cls is None and f.name == value.func.id),
                None,
            )
            return helper is not None and _returns_dicts(helper)
        return False

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


@dataclass
class _PredictionSite:
    """The PREDICT spec (``call``) and where its predictions dict is made: a ``literal``
    (inline or bound), and/or the ``name`` its one ``binding`` gives it; ``fresh``: the
    dict is a new ``dict`` (a literal, ``dict(...)``, a comprehension, a helper's dict)."""

    call: ast.Call
    literal: Optional[ast.Dict]
    name: Optional[str]
    binding: Optional[ast.Assign]
    fresh: bool
    #: ``predictions=make(x)`` / ``predictions={... for ...}``: the expression in the spec.
    inline: Optional[ast.expr] = None


_LITERAL_KIND = {
    ast.List: "list", ast.Tuple: "tuple", ast.Set: "set", ast.Dict: "dict",
    ast.ListComp: "list", ast.SetComp: "set", ast.DictComp: "dict",
}

_SINGLE_TENSOR = (
    "the PREDICT spec predicts a single tensor, not a dict: adding a key would make predict() yield "
    "dicts instead of arrays (make it a dict by hand)"
)

_ALL_MODES = frozenset({"train", "eval", "infer"})
_MODE_OF = {"TRAIN": "train", "EVAL": "eval", "PREDICT": "infer", "INFER": "infer"}


def _mode_constant(expr: ast.AST) -> Optional[str]:
    """``tf.estimator.ModeKeys.PREDICT`` -> ``infer``; ``'train'`` -> ``train``."""
    if isinstance(expr, ast.Attribute) and expr.attr in _MODE_OF and "ModeKeys" in ast.unparse(expr.value):
        return _MODE_OF[expr.attr]
    if isinstance(expr, ast.Constant) and expr.value in _ALL_MODES:
        return expr.value
    return None


def _modes_where(test: ast.expr, truth: bool) -> frozenset:
    """The modes in which ``test`` is ``truth`` (every mode when the test is not about it)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _modes_where(test.operand, not truth)
    if isinstance(test, ast.BoolOp):
        parts = [_modes_where(v, truth) for v in test.values]
        joined = parts[0]
        for part in parts[1:]:
            # ``a and b`` true / ``a or b`` false: both; otherwise either.
            joined = joined & part if isinstance(test.op, ast.And) == truth else joined | part
        return joined
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        left_text = ast.unparse(test.left).lower()
        if "mode" not in left_text:
            left_text, right = ast.unparse(right).lower(), test.left
            if "mode" not in left_text:
                return _ALL_MODES
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            named = [_mode_constant(e) for e in right.elts]
            positive = isinstance(op, ast.In)
        elif isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
            named = [_mode_constant(right)]
            positive = isinstance(op, (ast.Eq, ast.Is))
        else:
            return _ALL_MODES
        if None in named:
            return _ALL_MODES
        inside = frozenset(named)  # type: ignore[arg-type]
        return inside if positive == truth else _ALL_MODES - inside
    return _ALL_MODES


def _ends(block: List[ast.stmt]) -> bool:
    """Whether a block always leaves the function (its last statement returns or raises)."""
    return bool(block) and isinstance(block[-1], (ast.Return, ast.Raise))


def _enclosing_statement(parents: Dict[int, ast.AST], node: ast.AST) -> ast.AST:
    while not isinstance(node, ast.stmt) and id(node) in parents:
        node = parents[id(node)]
    return node


def _dominates(parents: Dict[int, ast.AST], stmt: ast.AST, node: ast.AST) -> bool:
    """Whether ``stmt`` runs before ``node`` on every path to it: ``node`` is (inside) a
    later statement of the block that holds ``stmt``."""
    parent = parents.get(id(stmt))
    if parent is None:
        return False
    for name in ("body", "orelse", "finalbody"):
        block = getattr(parent, name, None)
        if isinstance(block, list) and any(s is stmt for s in block):
            break
    else:
        return False
    index = next(i for i, s in enumerate(block) if s is stmt)
    child = node
    while child is not None:
        up = parents.get(id(child))
        if up is parent:
            position = next((i for i, s in enumerate(block) if s is child), None)
            return position is not None and position > index
        child = up
    return False


def _returns_dicts(fn: FunctionInfo) -> bool:
    """Every ``return`` of ``fn`` gives a new dict (a literal, a comprehension, ``dict()``)."""
    returns = [n for n in fn.nodes if isinstance(n, ast.Return)]
    return bool(returns) and all(
        isinstance(r.value, (ast.Dict, ast.DictComp))
        or isinstance(r.value, ast.Call) and isinstance(r.value.func, ast.Name) and r.value.func.id == "dict"
        for r in returns
    )


def _short(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


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


def _reads_name(nodes, name: str) -> bool:
    """Whether ``nodes`` read ``name``: a load, or ``name += x`` (which reads it first)."""
    return any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
        or isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == name
        for n in nodes
    )


def _same_expression(a: ast.AST, b: ast.AST) -> bool:
    """The same code, whether loaded or stored (``return self.x`` and ``self.x = t``)."""
    return ast.unparse(a) == ast.unparse(b)


def _substitute(value: ast.expr, names: Dict[str, ast.expr]) -> ast.expr:
    """A copy of ``value`` with each name of ``names`` replaced by its expression."""
    import copy

    class _Substitute(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            replacement = names.get(node.id)
            return copy.deepcopy(replacement) if replacement is not None else node

    return _Substitute().visit(copy.deepcopy(value))
