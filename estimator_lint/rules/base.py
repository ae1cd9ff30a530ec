"""What every rule is: a code, a name, its documentation, examples, and a check."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, ClassVar, Iterator, List, Optional, Sequence

from estimator_lint.diagnostics import Diagnostic, Fix

if TYPE_CHECKING:
    from estimator_lint.analysis.model import FileModel
    from estimator_lint.requirements import TensorFlowRequirement

#: Where the project lives.
REPOSITORY_URL = "https://github.com/estimator-lint/estimator-lint"
#: The page of the rule reference, relative to the repository; every rule's documentation
#: URL is an anchor of it.
RULES_PAGE = "docs/rules.md"


class SourceText:
    """The decoded text of a file, with the conversions positions need."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self._line_offsets: Optional[List[int]] = None

    def char_column(self, line: int, byte_col: int) -> int:
        """``ast`` columns count UTF-8 bytes; diagnostics count characters."""
        if line < 1 or line > len(self.lines):
            return byte_col
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def offset(self, line: int, char_col: int) -> int:
        """Character offset into :attr:`text` of a (1-based line, 0-based column)."""
        if self._line_offsets is None:
            offsets, total = [0], 0
            for text in self.lines:
                total += len(text)
                offsets.append(total)
            self._line_offsets = offsets
        return self._line_offsets[line - 1] + char_col


@dataclass
class RuleContext:
    """What a rule sees: the file's model and text, and a way to make diagnostics."""

    model: FileModel
    source: SourceText
    path: str
    #: Whether rules should compute fixes (a libcst parse of files with fixable findings).
    want_fixes: bool = True
    #: Decides ``want_fixes`` when the first fix is planned (most files plan none).
    fixes_possible: Optional[Callable[[], bool]] = None
    #: The project's TensorFlow requirement when it admits a release without ``tf.estimator``.
    tensorflow_requirement: Optional["TensorFlowRequirement"] = None
    #: Whether messages say why a finding has no fix (off where fixes are never shown: flake8).
    fix_notes: bool = True
    _planner: Optional[object] = None

    @property
    def planner(self):
        """The file's :class:`~estimator_lint.fix_plan.FixPlanner` (the concrete tree is parsed lazily)."""
        if self._planner is None:
            from estimator_lint.fix_plan import FixPlanner

            self._planner = FixPlanner(self.model, self.source.text, self.source.char_column)
        return self._planner

    def plan_fix(self, build, *args):
        """(fix, reason): a fix from ``build(planner, *args)`` or why there is none."""
        if self.want_fixes and self.fixes_possible is not None:
            self.want_fixes, self.fixes_possible = self.fixes_possible(), None
        if not self.want_fixes:
            return None, None
        from estimator_lint.fix_plan import NoFix

        try:
            return build(self.planner, *args), None
        except NoFix as exc:
            return None, str(exc)

    def diagnostic(
        self,
        code: str,
        node: ast.AST,
        message: str,
        fix: Optional[Fix] = None,
        no_fix_reason: Optional[str] = None,
    ) -> Diagnostic:
        line, end_line = node.lineno, getattr(node, "end_lineno", None) or node.lineno
        column = self.source.char_column(line, node.col_offset)
        end_col = getattr(node, "end_col_offset", None)
        end_column = self.source.char_column(end_line, end_col) if end_col is not None else column
        if not self.fix_notes:
            no_fix_reason = None
        if no_fix_reason:
            message = f"{message} (no automatic fix: {no_fix_reason})"
        return Diagnostic(code, message, line, column, end_line, end_column, fix, no_fix_reason)


#: ``Invalid.fixed`` of an example that states nothing: the examples' test fails on it.
UNSTATED = "<the example does not state its fix>"


@dataclass(frozen=True)
class Invalid:
    """An example the rule must flag: ``code``, the expected (row, 1-based col) list of
    every finding, and ``fixed``: the code after ``--fix --unsafe-fixes`` (None: the rule
    offers no fix for it), as Fixit's ``expected_replacement``."""

    code: str
    expected: Sequence[tuple] = ()
    fixed: Optional[str] = UNSTATED


class Rule:
    """Base class. A rule's docstring is its documentation page, written as
    ``What it does`` / ``Why is this bad?`` / ``Example`` / ``Use instead`` / ``Fix safety``.
    ``VALID`` examples must produce no finding of this rule, ``INVALID`` ones must.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    VALID: ClassVar[Sequence[str]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def example_settings(cls) -> dict:
        """:class:`~estimator_lint.engine.Settings` fields the examples are checked with
        (a rule that depends on the project, not only the file, says what project)."""
        return {}

    @classmethod
    def heading(cls) -> str:
        """The title of the rule's page: its heading in :data:`RULES_PAGE` and ``rule`` output."""
        return f"{cls.code} {cls.name}"

    @classmethod
    def anchor(cls) -> str:
        """GitHub's anchor for :meth:`heading` (lowercase, spaces to hyphens)."""
        return cls.heading().lower().replace(" ", "-")

    @classmethod
    def url(cls) -> str:
        return f"{REPOSITORY_URL}/blob/main/{RULES_PAGE}#{cls.anchor()}"

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


#: Why a value an input_fn keeps is never fixed: there is no ``predictions`` to move it to,
#: and the code that reuses it is the user's to change.
INPUT_FN_NO_FIX = (
    "an input_fn has no predictions to move the value into, and whatever reuses it must change with it"
)


def input_fn_message(target: str, function_name: str, input_fn) -> str:
    """EST102/EST103 for a graph value an input_fn (or its helper ``function_name``) keeps."""
    helper = f" (in its helper `{function_name}`)" if function_name != input_fn.qualname else ""
    return (
        f"Graph value escapes input_fn `{input_fn.qualname}`{helper} into {target}: the Estimator calls "
        f"the input_fn inside each graph it builds and discards that graph after the call, so the kept "
        f"dataset iterator or tensor belongs to a dead graph (\"must be from the same graph\" when reused); "
        f"build it in the input_fn on every call and return it"
    )
