"""Rendering fixes: libcst carries out a :class:`~estimator_lint.fix_plan.RewritePlan` on the
lossless concrete tree (so comments, quotes, blank lines and line endings outside the
change survive), and the difference between the old and the new text becomes the fix's
line-granular :class:`~estimator_lint.diagnostics.Edit` hunks.

Only runs that need edits import this module (``--fix``, ``--diff``, formats that carry
edits); one concrete tree per file serves all of its fixes.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import re
from typing import Dict, List, Optional, Set, Tuple, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from estimator_lint.diagnostics import Edit
from estimator_lint.fix_plan import NodeRef, NoFix, RewritePlan
from estimator_lint.source import physical_lines


class ConcreteFile:
    """A file's concrete (libcst) code, parsed in pieces on demand.

    libcst parses, indexes positions in and rewrites only the pieces of the file a plan
    touches, and each piece alone: a statement of a class body (a method, usually; parsed
    under a stand-in ``class _:`` line) or a top-level statement.  Parsing, position
    metadata and a transforming visit cost in proportion to the code they cover, and a
    fix touches a method or two of a file.  A plan that would remove or add a whole piece
    (an override removed) is rendered on the next level's pieces (its class); one whose
    nodes are not all inside pieces, or that removes a top-level statement, on the whole
    module (:class:`_WholeModule`), as are files whose pieces libcst cannot take.
    """

    #: The levels tried in turn (tests pin one to compare their edits).
    LEVELS = ("member", "top")

    def __init__(self, text: str, tree: Optional[ast.Module] = None, levels: Optional[Tuple[str, ...]] = None) -> None:
        """``tree``: the text's ``ast`` when the caller has it (it places the pieces)."""
        self.text = text
        self.levels = self.LEVELS if levels is None else levels
        self._tree = tree
        self._pieces: Optional[Dict[str, List[Tuple[int, int]]]] = None
        self._parsed: Dict[Tuple[str, int], "_Piece"] = {}
        self._whole: Union[None, _WholeModule, Exception] = None
        self._offsets: Optional[List[int]] = None
        newline = _NEWLINE.search(text)
        #: libcst's defaults for the whole file (a piece alone would detect its own).
        self.default_newline = newline.group(0) if newline else "\n"

    # -- pieces -----------------------------------------------------------------------

    def _pieces_of(self) -> Dict[str, List[Tuple[int, int]]]:
        """(first line, last line) of each piece, per level, in line order."""
        if self._pieces is None:
            tree = self._tree if self._tree is not None else ast.parse(self.text)
            self._tree = None  # not needed any longer
            members: List[Tuple[int, int]] = []
            for statement in tree.body:
                if isinstance(statement, ast.ClassDef) and statement.body[0].lineno > statement.lineno:
                    members += _line_groups(statement.body)
            self._pieces = {"top": _line_groups(tree.body), "member": members}
        return self._pieces

    def _piece(self, level: str, line: int) -> Optional["_Piece"]:
        pieces = self._pieces_of()[level]
        i = bisect.bisect_right(pieces, (line, float("inf"))) - 1
        if i < 0 or line > pieces[i][1]:
            return None
        piece = self._parsed.get((level, i))
        if piece is None:
            first, last = pieces[i]
            piece = self._parsed[(level, i)] = _Piece(self, first, last, wrapped=level == "member")
        return piece

    def line_offsets(self) -> List[int]:
        """The offset in the text where each line starts (and the text's length last)."""
        if self._offsets is None:
            offsets = [0]
            for line in physical_lines(self.text):
                offsets.append(offsets[-1] + len(line))
            self._offsets = offsets
        return self._offsets

    def whole(self) -> "_WholeModule":
        """The whole module, parsed once (a parse that failed fails again at once)."""
        if self._whole is None:
            try:
                self._whole = _WholeModule(self.text)
            except Exception as exc:
                self._whole = exc
        if isinstance(self._whole, Exception):
            raise self._whole
        return self._whole

    # -- rendering --------------------------------------------------------------------

    def render(self, plan: RewritePlan) -> Tuple[Edit, ...]:
        """The edits of ``plan`` on this file (raises :class:`NoFix` when it cannot be done)."""
        refs = [
            *plan.remove, *plan.dict_entries, *plan.insert_after, *plan.global_names,
            *plan.drop_element, *plan.rename, *plan.replace,
        ]
        for level in self.levels:
            pieces = []
            for ref in refs:
                piece = self._piece(level, _ref_line(ref))
                if piece is None or piece not in pieces:  # (a piece is equal only to itself)
                    pieces.append(piece)
            if not refs or None in pieces:
                continue
            try:
                new_text = _render_pieces(self, plan, pieces)
            except (_WholeNeeded, cst.ParserSyntaxError):
                # A piece removed or added (a method removed: its class, a piece of the
                # next level, holds it), or a piece libcst did not take alone.
                continue
            return _edits(self.text, new_text)
        return self.whole().render(plan)


class _WholeNeeded(Exception):
    """The plan adds or removes a whole piece: only a bigger piece (or the whole module)
    renders it as libcst would."""


class _Piece:
    """Lines ``first``..``last`` of the file, parsed alone (``wrapped``: under ``class _:``)."""

    def __init__(self, concrete: ConcreteFile, first: int, last: int, wrapped: bool) -> None:
        offsets = concrete.line_offsets()
        self.start, self.end = offsets[first - 1], offsets[last]
        self.code = concrete.text[self.start : self.end]
        self.wrapped = wrapped
        self.header = "class _:" + concrete.default_newline if wrapped else ""
        config = cst.PartialParserConfig(default_newline=concrete.default_newline)
        self.module = cst.parse_module(self.header + self.code, config=config)
        self.line_offset = first - 1 - (1 if wrapped else 0)
        self.by_start: Dict[Tuple[str, int, int], cst.CSTNode] = {}
        self.defs: Dict[Tuple[str, int], cst.FunctionDef] = {}
        self.lines: Dict[cst.CSTNode, Tuple[int, int]] = {}
        _index_positions(
            MetadataWrapper(self.module, unsafe_skip_copy=True),
            self.line_offset,
            self.by_start,
            self.defs,
            self.lines,
            from_line=2 if wrapped else 1,  # not the stand-in ``class _:`` line
        )

    @property
    def roots(self) -> List[cst.CSTNode]:
        """The statements of the piece (a class body's, under the stand-in line)."""
        return list(self.module.body[0].body.body) if self.wrapped else list(self.module.body)

    def resolve(self, ref: NodeRef) -> cst.CSTNode:
        kind = ref[0]
        if kind == "function":
            found = self.defs.get((ref[1], ref[2]))
            if found is None:
                raise NoFix("the function could not be located for rewriting")
            return found
        if kind == "attribute":
            return _attribute_named(self.by_start.get(("Attribute", ref[1], ref[2])), ref[3])
        found = self.by_start.get((kind, ref[1], ref[2]))
        if found is None:
            raise NoFix("the code could not be located for rewriting")
        return found

    def rewritten(self, rewriter: "Rewriter") -> str:
        """The piece's code after ``rewriter`` (raises :class:`_WholeNeeded`)."""
        new_roots = []
        for root in self.roots:
            new = root.visit(rewriter)
            if isinstance(new, (cst.RemovalSentinel, cst.FlattenSentinel)):
                raise _WholeNeeded()
            new_roots.append(new)
        if self.wrapped:
            holder = self.module.body[0]
            module = self.module.with_changes(
                body=[holder.with_changes(body=holder.body.with_changes(body=new_roots))]
            )
        else:
            module = self.module.with_changes(body=new_roots)
        code = module.code
        if not code.startswith(self.header):
            raise _WholeNeeded()
        code = code[len(self.header) :]
        if self.code.endswith(("\n", "\r")) and not code.endswith(("\n", "\r")):
            # libcst takes code ending in a lone "\r" for code without a final newline.
            code += self.code[-2:] if self.code.endswith("\r\n") else self.code[-1]
        return code


def _render_pieces(concrete: ConcreteFile, plan: RewritePlan, pieces) -> str:
    pieces = sorted(pieces, key=lambda p: p.start)
    offsets = concrete.line_offsets()

    def resolve(ref: NodeRef) -> cst.CSTNode:
        at = offsets[_ref_line(ref) - 1]
        for piece in pieces:
            if piece.start <= at < piece.end:
                return piece.resolve(ref)
        raise NoFix("the code could not be located for rewriting")

    lines_of: Dict[cst.CSTNode, Tuple[int, int]] = {}
    for piece in pieces:
        lines_of.update(piece.lines)
    rewriter = Rewriter.of_refs(plan, resolve, lines_of, pieces[0].module.config_for_parsing)
    out, last = [], 0
    for piece in pieces:
        out += [concrete.text[last : piece.start], piece.rewritten(rewriter)]
        last = piece.end
    out.append(concrete.text[last:])
    return "".join(out)


def _positions(wrapper: MetadataWrapper):
    """``wrapper.resolve(PositionProvider)``, without the resolver's batched visit.

    libcst's resolver visits the whole module for the batchable providers asked for even
    when there is none (positions are not batchable): a traversal that costs about as much
    as the positions themselves.  The provider's own generation is asked directly; should
    a libcst release change it, the resolver answers as before.
    """
    try:
        return PositionProvider()._gen(wrapper)
    except (AttributeError, TypeError):
        return wrapper.resolve(PositionProvider)


def _index_positions(
    wrapper: MetadataWrapper,
    line_offset: int,
    by_start: Dict[Tuple[str, int, int], cst.CSTNode],
    defs: Dict[Tuple[str, int], cst.FunctionDef],
    lines: Dict[cst.CSTNode, Tuple[int, int]],
    from_line: int = 1,
) -> None:
    """Index the nodes of ``wrapper``'s module from its line ``from_line`` on, at their
    lines in the file (``line_offset`` lines down): by (kind, line, column) where they
    start, function definitions by (name, line of the name), and each node's lines."""
    positions = _positions(wrapper)
    for found, where in positions.items():
        if where.start.line < from_line:
            continue
        lines[found] = (where.start.line + line_offset, where.end.line + line_offset)
        by_start.setdefault((type(found).__name__, where.start.line + line_offset, where.start.column), found)
        if isinstance(found, cst.FunctionDef):
            defs.setdefault((found.name.value, positions[found.name].start.line + line_offset), found)


def _edits(text: str, new_text: str) -> Tuple[Edit, ...]:
    if new_text == text:
        raise NoFix("the rewrite changes nothing")
    try:
        ast.parse(new_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise NoFix("the rewritten code would not parse") from None
    return diff_edits(text, new_text)


def _attribute_named(found, attr: str) -> cst.Attribute:
    """The concrete ``self.<attr>`` starting there (nested attributes start at one position)."""
    while isinstance(found, cst.Attribute):
        if found.attr.value == attr and isinstance(found.value, cst.Name):
            return found
        found = found.value
    raise NoFix("the code could not be located for rewriting")


def _ref_line(ref: NodeRef) -> int:
    """The line a :data:`~estimator_lint.fix_plan.NodeRef` names its node by."""
    return ref[2] if ref[0] == "function" else ref[1]


def _line_groups(statements: List[ast.stmt]) -> List[Tuple[int, int]]:
    """(first line, last line) of ``statements`` (decorators included), those sharing a
    line (``a = 1; b = 2``) in one group."""
    groups: List[Tuple[int, int]] = []
    for statement in statements:
        first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
        last = statement.end_lineno or statement.lineno
        if groups and first <= groups[-1][1]:
            groups[-1] = (groups[-1][0], max(last, groups[-1][1]))
        else:
            groups.append((first, last))
    return groups


_NEWLINE = re.compile(r"\r\n?|\n")


class _WholeModule:
    """A file's whole libcst module (the fallback of :class:`ConcreteFile`).

    Positions are computed, and rewrites carried out, only for the top-level statements a
    plan touches (the class or function holding the model_fn, usually): libcst's position
    metadata and a transforming visit cost two to three parses each over a whole module.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.module = cst.parse_module(text)
        #: Per top-level statement: (first line, last line, start offset, end offset) of
        #: its code (leading comment and blank lines included); None: the statements'
        #: code does not add up to the text, and the whole module is indexed instead.
        self._spans: Optional[List[Tuple[int, int, int, int]]] = self._statement_spans()
        self._indexed: Set[int] = set()
        #: The statements the plan being rendered resolved nodes in (the ones to visit).
        self._touched: Set[int] = set()
        self._by_start: Dict[Tuple[str, int, int], cst.CSTNode] = {}
        #: Node -> (first line, last line) in the file, for the indexed statements.
        self._lines: Dict[cst.CSTNode, Tuple[int, int]] = {}
        self._defs: Dict[Tuple[str, int], cst.FunctionDef] = {}
        if self._spans is None:
            self._index(self.module, 0)

    def _statement_spans(self) -> Optional[List[Tuple[int, int, int, int]]]:
        module = self.module
        offset = sum(len(module.code_for_node(line)) for line in module.header)
        line = 1 + sum(1 for _ in module.header)
        spans = []
        for statement in module.body:
            code = module.code_for_node(statement)
            lines = len(physical_lines(code)) or 1
            spans.append((line, line + lines - 1, offset, offset + len(code)))
            offset += len(code)
            line += lines
        offset += sum(len(module.code_for_node(line)) for line in module.footer)
        # Without a trailing newline the module's code drops the last one.
        if offset != len(self.text) and not (not module.has_trailing_newline and offset == len(self.text) + len(module.default_newline)):
            return None
        return spans

    def _index(self, node: cst.CSTNode, line_offset: int) -> None:
        """Index ``node``'s subtree by (kind, line, column); ``line_offset``: lines above it."""
        if node is self.module:
            wrapper = MetadataWrapper(node, unsafe_skip_copy=True)
        else:
            # The statement alone in a module of the file's own formatting: its positions
            # are the file's, ``line_offset`` lines down (top-level code starts at column 0).
            alone = self.module.with_changes(body=[node], header=[], footer=[], has_trailing_newline=True)
            wrapper = MetadataWrapper(alone, unsafe_skip_copy=True)
        _index_positions(wrapper, line_offset, self._by_start, self._defs, self._lines)

    def _statement_at(self, line: int) -> Optional[int]:
        """The index of the top-level statement whose code holds ``line`` (indexed first)."""
        if self._spans is None:
            return None
        starts = [span[0] for span in self._spans]
        i = bisect.bisect_right(starts, line) - 1
        if i < 0 or line > self._spans[i][1]:
            return None
        self._touched.add(i)
        if i not in self._indexed:
            self._indexed.add(i)
            self._index(self.module.body[i], self._spans[i][0] - 1)
        return i

    def node(self, kind: str, line: int, column: int) -> cst.CSTNode:
        self._statement_at(line)
        found = self._by_start.get((kind, line, column))
        if found is None:
            raise NoFix("the code could not be located for rewriting")
        return found

    def attribute(self, line: int, column: int, attr: str) -> cst.Attribute:
        """The concrete ``self.<attr>`` starting there (nested attributes start at one position)."""
        return _attribute_named(self.node("Attribute", line, column), attr)

    def resolve(self, ref: NodeRef) -> cst.CSTNode:
        kind = ref[0]
        if kind == "function":
            return self.function_at(ref[1], ref[2])
        if kind == "attribute":
            return self.attribute(ref[1], ref[2], ref[3])
        return self.node(kind, ref[1], ref[2])

    def function_at(self, name: str, line: int) -> cst.FunctionDef:
        self._statement_at(line)
        found = self._defs.get((name, line))
        if found is None:
            raise NoFix("the function could not be located for rewriting")
        return found

    def render(self, plan: RewritePlan) -> Tuple[Edit, ...]:
        """The edits of ``plan`` on this file (raises :class:`NoFix` when it cannot be done)."""
        self._touched = set()
        return self.edits(Rewriter.of_plan(plan, self))

    def edits(self, rewriter: "Rewriter") -> Tuple[Edit, ...]:
        return _edits(self.text, self._rewritten(rewriter))

    def _rewritten(self, rewriter: "Rewriter") -> str:
        """The text after ``rewriter``: only the top-level statements it touches are visited
        (all of them when the file is indexed as one module)."""
        ends_a_line = self.text.endswith(("\n", "\r"))
        if self._spans is None:
            code = self.module.visit(rewriter).code
            # libcst takes a file ending in a lone "\r" for one without a final newline.
            return code + "\r" if ends_a_line and not code.endswith(("\n", "\r")) else code
        module, pieces, last = self.module, [], 0
        for i in sorted(self._touched):
            statement = module.body[i]
            _, _, start, end = self._spans[i]
            new = statement.visit(rewriter)
            if isinstance(new, cst.RemovalSentinel):
                code = ""
            elif isinstance(new, cst.FlattenSentinel):
                code = "".join(module.code_for_node(n) for n in new.nodes)
            else:
                code = module.code_for_node(new)
            pieces += [self.text[last:start], code]
            last = end
        if last >= len(self.text) and not ends_a_line:
            # The last statement's code ends in the newline the file does not have.
            text = "".join(pieces)
            return text[: -len(module.default_newline)] if text.endswith(module.default_newline) else text
        pieces.append(self.text[last:])
        return "".join(pieces)


def diff_edits(old: str, new: str) -> Tuple[Edit, ...]:
    """Line-granular edits turning ``old`` into ``new`` (offsets into ``old``)."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    offsets = [0]
    for line in old_lines:
        offsets.append(offsets[-1] + len(line))
    edits = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(Edit(offsets[i1], offsets[i2], "".join(new_lines[j1:j2])))
    return tuple(edits)


class Rewriter(cst.CSTTransformer):
    """Removes statements and definitions, adds dict entries, inserts statements."""

    def __init__(self) -> None:
        super().__init__()
        self.remove: Set[cst.CSTNode] = set()
        self.dict_entries: Dict[cst.Dict, List[Tuple[str, str]]] = {}
        self.insert_after: Dict[cst.CSTNode, List[str]] = {}
        self.global_names: Dict[cst.Global, Set[str]] = {}
        #: ``a, b = x, y`` assignments losing their element at this index (both sides).
        self.drop_element: Dict[cst.Assign, int] = {}
        #: ``self.logits`` nodes that become a local name (``logits``).
        self.rename: Dict[cst.Attribute, str] = {}
        #: Expressions replaced by new code (``make(x)`` -> ``{**make(x), 'k': v}``).
        self.replace: Dict[cst.CSTNode, str] = {}
        #: Blocks this rewriter emptied, keyed by ``id`` and holding the block itself: a
        #: bare id of a discarded node can be reused by a later, unrelated block.
        self._emptied: Dict[int, cst.IndentedBlock] = {}
        self.config: Optional[cst.PartialParserConfig] = None
        #: The (first, last) lines of the nodes the plan names, and the lines of every
        #: indexed node: the visit does not descend into a node that holds none of them
        #: (libcst rebuilds every node it descends into).  None: descend everywhere.
        self.focus: Optional[List[Tuple[int, int]]] = None
        self.lines_of: Dict[cst.CSTNode, Tuple[int, int]] = {}

    def on_visit(self, node) -> bool:
        if self.focus is not None:
            lines = self.lines_of.get(node)
            if lines is not None and not any(first <= lines[1] and lines[0] <= last for first, last in self.focus):
                return False
        return super().on_visit(node)

    def on_leave(self, original, updated):
        updated = super().on_leave(original, updated)
        code = self.replace.get(original)
        if code is None:
            return updated
        return cst.parse_expression(code, config=self.config).with_changes(
            lpar=original.lpar, rpar=original.rpar
        )

    # statements
    def _maybe_remove(self, original, updated):
        return cst.RemoveFromParent() if original in self.remove else updated

    def leave_Assign(self, original, updated):
        index = self.drop_element.get(original)
        if index is None or original in self.remove:
            return self._maybe_remove(original, updated)
        target, value = updated.targets[0].target, updated.value
        left = [e for i, e in enumerate(target.elements) if i != index]
        right = [e for i, e in enumerate(value.elements) if i != index]
        if len(left) == 1:
            # ``self.a, b = x, y`` -> ``b = y``: one pair left, no tuple.
            new_target, new_value = left[0].value, right[0].value
        else:
            if index == len(target.elements) - 1:  # the new last element keeps no comma
                left[-1] = left[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                right[-1] = right[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            new_target, new_value = target.with_changes(elements=left), value.with_changes(elements=right)
        return updated.with_changes(targets=[updated.targets[0].with_changes(target=new_target)], value=new_value)

    def leave_AugAssign(self, original, updated):
        return self._maybe_remove(original, updated)

    def leave_Attribute(self, original, updated):
        name = self.rename.get(original)
        return cst.Name(name) if name is not None else updated

    def leave_AnnAssign(self, original, updated):
        return self._maybe_remove(original, updated)

    def leave_Expr(self, original, updated):
        return self._maybe_remove(original, updated)

    def leave_FunctionDef(self, original, updated):
        return self._maybe_remove(original, updated)

    def leave_Nonlocal(self, original, updated):
        return self.leave_Global(original, updated)

    def leave_Global(self, original, updated):
        drop = self.global_names.get(original)
        if not drop:
            return updated
        names = [n for n in updated.names if n.name.value not in drop]
        if not names:
            return cst.RemoveFromParent()
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=names)

    def leave_SimpleStatementLine(self, original, updated):
        extra = [code for small in original.body for code in self.insert_after.get(small, [])]
        if not updated.body:
            if extra:
                return cst.FlattenSentinel([cst.parse_statement(c, config=self.config) for c in extra])
            return cst.RemoveFromParent()
        if extra:
            return cst.FlattenSentinel([updated, *(cst.parse_statement(c, config=self.config) for c in extra)])
        return updated

    def leave_IndentedBlock(self, original, updated):
        if not updated.body:
            block = updated.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
            self._emptied[id(block)] = block
            return block
        return updated

    def leave_If(self, original, updated):
        # ``if mode == TRAIN: <capture>`` with the capture gone: drop the whole ``if``
        # when nothing else is lost (no else branch, a test without calls).
        if self._emptied.get(id(updated.body)) is updated.body and updated.orelse is None and _pure(original.test):
            return cst.RemoveFromParent()
        return updated

    def leave_Dict(self, original, updated):
        entries = self.dict_entries.get(original)
        if not entries:
            return updated
        elements = list(updated.elements)
        quote = _quote_style(elements)
        new = [
            cst.DictElement(
                key=cst.SimpleString(f"{quote}{key}{quote}"), value=cst.parse_expression(value, config=self.config)
            )
            for key, value in entries
        ]
        if not elements:
            return updated.with_changes(elements=new)
        last = elements[-1]
        if isinstance(last.comma, cst.Comma):
            # Trailing-comma (often multi-line) style: keep it for the new entries.
            separator = cst.Comma(whitespace_after=updated.lbrace.whitespace_after)
            if len(elements) > 1 and isinstance(elements[-2].comma, cst.Comma):
                separator = elements[-2].comma
            elements[-1] = last.with_changes(comma=separator)
            for i, element in enumerate(new):
                new[i] = element.with_changes(comma=separator if i < len(new) - 1 else last.comma)
        else:
            separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            elements[-1] = last.with_changes(comma=separator)
            for i, element in enumerate(new[:-1]):
                new[i] = element.with_changes(comma=separator)
        return updated.with_changes(elements=[*elements, *new])

    @classmethod
    def of_plan(cls, plan: RewritePlan, concrete: "_WholeModule") -> "Rewriter":
        return cls.of_refs(plan, concrete.resolve, concrete._lines, concrete.module.config_for_parsing)

    @classmethod
    def of_refs(cls, plan: RewritePlan, resolve, lines_of, config) -> "Rewriter":
        """The rewriter of ``plan``, its nodes found by ``resolve``; ``lines_of``: the lines
        of the concrete nodes (see :attr:`focus`); ``config``: to parse new code with."""
        rewriter = cls()
        rewriter.config = config
        rewriter.remove = {resolve(ref) for ref in plan.remove}
        rewriter.dict_entries = {resolve(ref): list(entries) for ref, entries in plan.dict_entries.items()}
        rewriter.insert_after = {resolve(ref): list(code) for ref, code in plan.insert_after.items()}
        rewriter.global_names = {resolve(ref): set(names) for ref, names in plan.global_names.items()}
        rewriter.drop_element = {resolve(ref): index for ref, index in plan.drop_element.items()}
        rewriter.rename = {resolve(ref): name for ref, name in plan.rename.items()}
        rewriter.replace = {resolve(ref): code for ref, code in plan.replace.items()}
        named = [
            *rewriter.remove, *rewriter.dict_entries, *rewriter.insert_after, *rewriter.global_names,
            *rewriter.drop_element, *rewriter.rename, *rewriter.replace,
        ]
        focus = [lines_of.get(node) for node in named]
        if named and None not in focus:
            rewriter.focus, rewriter.lines_of = focus, lines_of
        return rewriter


def _quote_style(elements) -> str:
    """The quote character the dict's existing string keys use (single by default)."""
    for element in elements:
        key = getattr(element, "key", None)
        if isinstance(key, cst.SimpleString):
            return '"' if key.value.lstrip("rbuRBU").startswith('"') else "'"
    return "'"


def _pure(test: cst.BaseExpression) -> bool:
    """A condition whose evaluation has no effect (names, attributes, comparisons, constants)."""
    for node in _cst_walk(test):
        if isinstance(node, (cst.Call, cst.Await, cst.NamedExpr, cst.Yield)):
            return False
    return True


def _cst_walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)
