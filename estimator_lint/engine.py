"""The one core API every adapter calls.

``lint_source`` lints one text, ``lint_tree`` one already-parsed module (flake8 hands us
its tree), ``lint_file`` one path (never raises: bad input becomes a :class:`FileError`);
:func:`estimator_lint.runner.lint_paths` runs it over many files.  The pipeline per file:

    read bytes -> decode (PEP 263 cookie, BOM) -> text prefilter -> ast.parse -> FileModel
    -> rules -> noqa -> sorted diagnostics

Analysis runs on the standard library's ``ast`` (about 10x faster to parse than libcst and
with no metadata pass); libcst is used only where code is rewritten.
"""

from __future__ import annotations

import ast
import os
import re
from typing import TYPE_CHECKING, List, Optional, Tuple

from estimator_lint.diagnostics import Diagnostic, FileError, FileResult
from estimator_lint.screen import might_have_findings
from estimator_lint.settings import Settings
from estimator_lint.source import (
    collector_paused,
    TOO_DEEP,
    SourceError,
    _has_relative_import,
    bounded_recursion,
    decode_source,
    memory_error_reason,
    package_of,
    parse,
    physical_lines,
    read_error,
    read_source_bytes,
    source_text,
    too_large,
)

if TYPE_CHECKING:
    from estimator_lint.analysis.model import ClassResolver, FileModel

# The analysis, the rules and noqa are imported by the first file that is analysed
# (_analyse): a run the result cache or the prefilter answers never loads them.

__all__ = [
    "Settings",
    "SourceError",
    "decode_source",
    "lint_source",
    "lint_tree",
    "lint_file",
    "finish_fixes",
    "in_project",
]


# --------------------------------------------------------------------------------------
# linting
# --------------------------------------------------------------------------------------


def lint_tree(
    tree: ast.Module,
    text: str,
    path: str = "<string>",
    settings: Optional[Settings] = None,
    *,
    package: Optional[str] = None,
    index: Optional[ClassResolver] = None,
    module: Optional[str] = None,
) -> List[Diagnostic]:
    """Run the selected rules on a parsed module.

    ``module`` is the module's dotted name in the project (from the project index), so
    that the analysis can ask the index about this module's own classes.

    Raises :class:`SourceError` (:data:`TOO_DEEP`) when the analysis runs out of stack.
    Planning fixes parses the file again with libcst; input libcst cannot handle costs the
    findings their fixes, never the findings.
    """
    settings = settings or Settings()
    return finish_fixes(_analyse(tree, text, path, settings, package, index, module)[0], text, settings.fix_edits, tree)


def _analyse(
    tree: ast.Module, text: str, path: str, settings: Settings, package, index, module
) -> Tuple[List[Diagnostic], Optional[FileModel]]:
    """:func:`lint_tree`, also returning the file's model (None when no rule is selected)."""
    from estimator_lint.noqa import NoqaMap
    from estimator_lint.rules import select_rules

    rules = select_rules(settings.select, settings.ignore)
    if not rules:
        return [], None
    try:
        with bounded_recursion():
            try:
                # Fixes are wanted unless _rewritable says no (asked when one is first planned).
                ctx, diagnostics = _check_rules(tree, text, path, settings, rules, package, index, settings.plan_fixes, module)
            except Exception as exc:
                if not _fix_planning_failure(exc):
                    raise
                ctx, diagnostics = _check_rules(tree, text, path, settings, rules, package, index, False, module)
    except RecursionError:
        raise SourceError(TOO_DEEP) from None
    if settings.respect_noqa and diagnostics:
        noqa = NoqaMap(ctx.source.lines)
        unfiltered = diagnostics
        diagnostics = [d for d in diagnostics if not noqa.suppresses(d.line, d.code)]
    else:
        unfiltered = diagnostics
    if settings.respect_noqa and any(rule.code == "EST100" for rule in rules):
        from estimator_lint.noqa import unused_suppressions

        enabled = [rule.code for rule in rules]
        unused = unused_suppressions(text, ctx.source.lines, unfiltered, enabled)
        noqa = NoqaMap(ctx.source.lines)
        # ``# noqa: EST102, EST100`` keeps its stale code on purpose.
        diagnostics += [d for d in unused if "EST100" not in (noqa.codes(d.line) or ())]
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics, ctx.model


def finish_fixes(
    diagnostics: List[Diagnostic], text: str, render: bool, tree: Optional[ast.Module] = None
) -> List[Diagnostic]:
    """Each fix's plan rendered into edits with libcst (``render``), or dropped.  A plan
    libcst cannot carry out leaves its finding without a fix.  ``tree``: ``text``'s ``ast``,
    when the caller has it."""
    import dataclasses

    if not any(d.fix is not None and d.fix.plan is not None for d in diagnostics):
        return diagnostics
    if not render:
        return [
            dataclasses.replace(d, fix=dataclasses.replace(d.fix, plan=None)) if d.fix is not None and d.fix.plan else d
            for d in diagnostics
        ]
    # Imported only to render: a check run never loads libcst.
    from estimator_lint.fix_render import ConcreteFile
    from estimator_lint.fix_plan import NoFix

    try:
        with bounded_recursion():
            concrete = ConcreteFile(text, tree)
    except Exception as exc:
        if not _fix_planning_failure(exc):
            raise
        return [dataclasses.replace(d, fix=None) if d.fix is not None and d.fix.plan else d for d in diagnostics]
    finished = []
    for d in diagnostics:
        if d.fix is not None and d.fix.plan is not None:
            try:
                with bounded_recursion():
                    edits = concrete.render(d.fix.plan)
            except NoFix as exc:
                d = dataclasses.replace(d, fix=None, message=f"{d.message} (no automatic fix: {exc})", no_fix_reason=str(exc))
            except Exception as exc:
                if not _fix_planning_failure(exc):
                    raise
                d = dataclasses.replace(d, fix=None)
            else:
                d = dataclasses.replace(d, fix=dataclasses.replace(d.fix, edits=edits, plan=None))
        finished.append(d)
    return finished


def _check_rules(tree, text, path, settings, rules, package, index, want_fixes: bool, module=None):
    from estimator_lint.analysis.model import FileModel
    from estimator_lint.rules.base import RuleContext, SourceText

    model = FileModel(tree, package=package, module=module, index=index, extra_bases=settings.extra_estimator_bases)
    source = SourceText(text)
    # Python breaks lines at \n, \r\n and \r only; str.splitlines also at \x0b, \x0c,
    # \x1c-\x1e, \x85, \u2028 and \u2029, which may sit in comments and strings and would
    # shift every later line (wrong columns on non-ASCII lines, # noqa read off the wrong line).
    source.lines = physical_lines(text)
    ctx = RuleContext(
        model, source, path, want_fixes=want_fixes, fixes_possible=lambda: _rewritable(tree, text),
        tensorflow_requirement=settings.tensorflow_requirement, fix_notes=settings.plan_fixes,
    )
    return ctx, [d for rule in rules for d in rule.check(ctx)]


#: libcst nests ``a and b and c ...`` one level per operand where ``ast`` keeps one flat
#: ``BoolOp``: its native parser overflows the C stack (SIGSEGV) at about 8,000 operands
#: and its Python visitors hit the recursion limit near 1,000.  Files with longer chains
#: get findings without fixes.
MAX_REWRITABLE_BOOL_OPERANDS = 500
_BOOL_KEYWORD = re.compile(r"\b(?:and|or)\b")


def _rewritable(tree: ast.AST, text: str) -> bool:
    """Whether libcst can be trusted with this file (cheap text tests first)."""
    if text.count("and") + text.count("or") <= MAX_REWRITABLE_BOOL_OPERANDS:
        return True  # the words are among these substrings ("order", "standard" too)
    count = 0
    for _ in _BOOL_KEYWORD.finditer(text):
        count += 1
        if count > MAX_REWRITABLE_BOOL_OPERANDS:
            break
    else:
        return True
    return not any(
        isinstance(node, ast.BoolOp) and len(node.values) > MAX_REWRITABLE_BOOL_OPERANDS for node in ast.walk(tree)
    )


def _fix_planning_failure(exc: BaseException) -> bool:
    """An error libcst raised (or ran into) while fixes were planned: retry without fixes."""
    return isinstance(exc, (RecursionError, MemoryError)) or type(exc).__module__.split(".")[0] == "libcst"


def lint_source(
    source,
    path: str = "<string>",
    settings: Optional[Settings] = None,
    *,
    package: Optional[str] = None,
    index: Optional[ClassResolver] = None,
    module: Optional[str] = None,
    keep_plans: bool = False,
    tree: Optional[ast.Module] = None,
) -> List[Diagnostic]:
    """Lint one source text (``str`` or ``bytes``). Raises :class:`SourceError` on bad input.

    ``bytes`` are decoded as the interpreter would (:func:`decode_source`: cookie, BOM);
    a ``str`` is taken as decoded text, so one that still starts with a BOM is rejected
    (positions and fix offsets always refer to the text without it).  ``keep_plans``:
    fixes keep their plans, unrendered (:func:`finish_fixes` renders the ones wanted).
    ``tree``: the text's ``ast``, when the caller parsed it already (the fixer, checking
    that its fixed text parses).
    """
    settings = settings or Settings()
    text = decode_source(source) if isinstance(source, bytes) else source
    diagnostics, tree = plan_text(text, path, settings, package=package, index=index, module=module, tree=tree)
    return diagnostics if keep_plans else finish_fixes(diagnostics, text, settings.fix_edits, tree)


def plan_text(
    text: str,
    path: str,
    settings: Settings,
    *,
    package: Optional[str] = None,
    index: Optional[ClassResolver] = None,
    module: Optional[str] = None,
    tree: Optional[ast.Module] = None,
) -> Tuple[List[Diagnostic], Optional[ast.Module]]:
    """The findings of a decoded text, their fixes unrendered, and the ``ast`` they were
    found on (None when the prefilter let the text go unparsed): :func:`finish_fixes`
    renders with that tree.  ``tree``: the text's ``ast``, when the caller parsed it."""
    words = getattr(index, "words", None) or settings.prefilter_words()
    if settings.prefilter and not might_have_findings(text, words) and not noqa_to_check(text, settings):
        return [], tree
    if tree is None:
        tree = parse(text, path)
    return _analyse(tree, text, path, settings, package, index, module)[0], tree


def in_project(index, path: str) -> Tuple[Optional[ClassResolver], Optional[str], Optional[str]]:
    """(the index as ``path`` sees it, module, package): module and package are None for a
    file the project index does not know; shared module names resolve from its own root."""
    known = getattr(index, "modules", {}).get(path)
    if known is None:
        return index, None, None
    view = index.for_file(path) if hasattr(index, "for_file") else index
    return view, known[0], known[1]


def lint_file(
    path: str,
    settings: Optional[Settings] = None,
    index: Optional[ClassResolver] = None,
    *,
    data: Optional[bytes] = None,
    screened: bool = False,
    tree: Optional[ast.Module] = None,
) -> FileResult:
    """Lint one file; any problem with the input becomes the result's ``error``.

    A run that already read the file passes its bytes as ``data``, and ``screened=True``
    when the prefilter (or the project index) already let it through, and the ``tree``
    parsed from ``data`` when it has one.
    """
    settings = settings or Settings()
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    # A file's tree and analysis live until it is done: collections during it would walk
    # them again and again; the first one after it finds only what the file kept.
    with collector_paused():
        return _lint_file(path, settings, index, data, screened, tree)


def _lint_file(path, settings, index, data, screened, tree) -> FileResult:
    result = FileResult(path)
    if data is None:
        try:
            data = read_source_bytes(path)
        except (OSError, ValueError) as exc:
            result.error = read_error(path, exc)
            return result
    reason = too_large(len(data), settings)
    if reason is not None:
        result.error = FileError(reason)
        return result
    notebook = None
    try:
        text, notebook = source_text(path, data)
        # With a project index, its fixed-point words (Estimator subclasses of other files too).
        words = getattr(index, "words", None) or settings.prefilter_words()
        if settings.prefilter and not screened and not might_have_findings(text, words):
            if not noqa_to_check(text, settings):
                return result
        if tree is None:
            tree = parse(text, path)
        index, module, package = in_project(index, path)
        if module is None and package is None and _has_relative_import(text):
            package = package_of(path)
        diagnostics, model = _analyse(tree, text, path, settings, package, index, module)
        result.diagnostics = finish_fixes(diagnostics, text, settings.fix_edits, tree)
        if notebook is not None:
            result.diagnostics = notebook.to_cells(result.diagnostics)
        if hasattr(index, "queries"):  # a FactLog: the project runner checks these answers later
            result.fact_queries = index.queries
        if model is not None and module is not None:
            # What the project index learns from this file (see project.prepare_project).
            result.captures = model.captures_by_class()
            # No PREDICT keys without an EstimatorSpec (the index's spec_files), or a
            # constructor handing on another module's model_fn (``super().__init__(model_fn=f)``).
            if "EstimatorSpec" in text or "model_fn" in text:
                result.prediction_keys = model.exported_prediction_keys()
    except SourceError as exc:
        cell, line = notebook.locate(exc.line) if notebook is not None else (None, exc.line)
        result.error = FileError(str(exc), line, exc.column, cell=cell)
    except MemoryError:
        result.error = FileError(memory_error_reason(len(data)))
    except Exception as exc:  # an internal fault: report it, keep going with other files
        detail = " ".join(str(exc).split())  # one line, whatever the exception says
        if len(detail) > 300:
            detail = detail[:300] + "..."
        result.error = FileError(
            f"internal error: {type(exc).__name__}: {detail} (please report this at the estimator-lint issue tracker)",
            kind="internal",
        )
    return result


def screens_noqa(settings: Settings) -> bool:
    """Whether EST100 (unused noqa) is selected: then a file with a ``noqa`` comment
    is analysed even when the prefilter finds no Estimator code in it."""
    from estimator_lint.rules import selected_codes

    return "EST100" in selected_codes(settings.select, settings.ignore)


def noqa_to_check(text: str, settings: Settings) -> bool:
    return "noqa" in text and screens_noqa(settings)
