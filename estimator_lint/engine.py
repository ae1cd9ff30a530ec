"""The one core API every adapter calls.

``lint_source`` lints one text, ``lint_tree`` one already-parsed module (flake8 hands us
its tree), ``lint_file`` one path (never raises: bad input becomes a :class:`FileError`),
``lint_paths`` a whole run.  The pipeline per file:

    read bytes -> decode (PEP 263 cookie, BOM) -> text prefilter -> ast.parse -> FileModel
    -> rules -> noqa -> sorted diagnostics

Analysis runs on the standard library's ``ast`` (about 10x faster to parse than libcst and
with no metadata pass); libcst is used only where code is rewritten.
"""

from __future__ import annotations

import ast
import functools
import io
import os
import re
import stat
import sys
import threading
import tokenize
from contextlib import contextmanager
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, List, Optional, Sequence, Tuple

from estimator_lint import tfapi
from estimator_lint.diagnostics import Diagnostic, FileError, FileResult

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
    "lint_paths",
    "may_hold_findings",
    "may_hold_findings_bytes",
    "might_have_findings",
]

TOO_DEEP = "too deeply nested to analyse"


@dataclass(frozen=True)
class Settings:
    """Everything that changes what a run reports (part of any cache key)."""

    select: Tuple[str, ...] = ("EST",)
    ignore: Tuple[str, ...] = ()
    extra_estimator_bases: Tuple[str, ...] = ()
    #: Skip files that cannot hold a finding before parsing them (off only in tests).
    prefilter: bool = True
    respect_noqa: bool = True
    #: Render each fix's edits (libcst parses the file): off for runs that only need to
    #: know whether a finding is fixable (a text check run, flake8).
    fix_edits: bool = True

    def screens_noqa(self) -> bool:
        """Whether EST100 (unused noqa) is selected: then a file with a ``noqa`` comment
        is analysed even when the prefilter finds no Estimator code in it."""
        from estimator_lint.rules import selected_codes

        return "EST100" in selected_codes(self.select, self.ignore)

    def prefilter_words(self) -> Tuple[str, ...]:
        extra = tuple(name.rsplit(".", 1)[-1] for name in self.extra_estimator_bases)
        return tfapi.PREFILTER_WORDS + extra


class SourceError(Exception):
    """Input that cannot be analysed; ``str(self)`` is the one-line reason."""

    def __init__(self, message: str, line: int = 1, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


# --------------------------------------------------------------------------------------
# decoding and parsing
# --------------------------------------------------------------------------------------


def decode_source(data: bytes) -> str:
    """Decode a Python file as the interpreter would (BOM, PEP 263 cookie, else UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # No usable cookie and the first lines are not UTF-8: say where decoding fails.
        encoding = "utf-8"
        if "encoding problem" in str(exc) and data.startswith(b"\xef\xbb\xbf"):
            raise SourceError("cannot decode: the file starts with a UTF-8 BOM but its coding cookie names another encoding") from None
        if "encoding problem" in str(exc) or "unknown encoding" in str(exc):
            raise SourceError(f"cannot decode: {exc}") from None
    if encoding not in ("utf-8", "utf-8-sig") and not _ascii_compatible(encoding):
        # The interpreter refuses these too ("encoding problem: utf-16"): the cookie itself
        # was read as ASCII, so the file cannot be in an encoding that is not.
        raise SourceError(f"cannot decode: the coding cookie names {encoding}, which is not ASCII-compatible") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            line = data.count(b"\n", 0, exc.start) + 1
            raise SourceError(f"cannot decode as {encoding} at byte {exc.start}: {exc.reason}", line) from None
        raise SourceError(f"cannot decode as {encoding}: {exc}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def is_notebook(path) -> bool:
    """A Jupyter notebook: linted as the module its code cells make (estimator_lint.notebook)."""
    return isinstance(path, str) and path.lower().endswith(".ipynb")


def source_text(path: str, data: bytes):
    """``(text, notebook)``: the Python text of a file's bytes -- a notebook's code cells
    (with the :class:`~estimator_lint.notebook.Notebook`), any other file decoded (None)."""
    if not is_notebook(path):
        return decode_source(data), None
    from estimator_lint.notebook import Notebook, NotebookError

    try:
        notebook = Notebook.parse(data)
    except NotebookError as exc:
        raise SourceError(str(exc)) from None
    return notebook.text, notebook


def read_code_bytes(path: str) -> bytes:
    """:func:`read_source_bytes`, a notebook's code cells as UTF-8 (for text screens);
    an invalid notebook raises ``ValueError``."""
    data = read_source_bytes(path)
    if is_notebook(path):
        try:
            return source_text(path, data)[0].encode("utf-8", "surrogatepass")
        except SourceError as exc:
            raise ValueError(str(exc)) from None
    return data


# --------------------------------------------------------------------------------------
# the C stack: a recursion budget while we parse and analyse
# --------------------------------------------------------------------------------------

#: Python frames the parse and the analysis of one file may add to the caller's stack.
#: ``ast.parse`` builds the tree recursively in C, up to 3 levels per allowed frame, and
#: the analysis recurses through C calls: under a host that raised ``sys.setrecursionlimit``
#: (to 100,000, say) a 2-million-term ``1+1+...`` or ``a.a.a...`` overflows the C stack and
#: the process dies with SIGSEGV instead of raising RecursionError.  At Python's default
#: limit this budget changes nothing.
RECURSION_BUDGET = 1000

_budget_lock = threading.Lock()
_budget_users = 0
_budget_saved: Optional[Tuple[int, int]] = None  # (the caller's limit, the limit we set)


def _stack_depth() -> int:
    depth, frame = 0, sys._getframe(1)
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


@contextmanager
def bounded_recursion() -> Iterator[None]:
    """Lower the recursion limit to the current depth + :data:`RECURSION_BUDGET` (never raise it).

    Nested and concurrent uses share one lowering; the last one out restores the limit,
    unless someone else changed it meanwhile.
    """
    global _budget_users, _budget_saved
    with _budget_lock:
        if _budget_users == 0:
            old = sys.getrecursionlimit()
            new = _stack_depth() + RECURSION_BUDGET
            _budget_saved = None
            if new < old:
                try:
                    sys.setrecursionlimit(new)
                    _budget_saved = (old, new)
                except RecursionError:  # already deeper than that: leave the limit alone
                    pass
        _budget_users += 1
    try:
        yield
    finally:
        with _budget_lock:
            _budget_users -= 1
            if _budget_users == 0 and _budget_saved is not None:
                old, new = _budget_saved
                if sys.getrecursionlimit() == new:
                    sys.setrecursionlimit(old)
                _budget_saved = None


@functools.lru_cache(maxsize=64)
def _ascii_compatible(encoding: str) -> bool:
    sample = bytes(range(32, 127)) + b"\t\n\r"
    try:
        return sample.decode(encoding) == sample.decode("ascii")
    except (UnicodeError, LookupError):
        return False


def parse(text: str, path: str) -> ast.Module:
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SourceError("file contains a NUL byte", line)
    try:
        with bounded_recursion():
            return ast.parse(text, filename=path)
    except SyntaxError as exc:
        message = exc.msg or "invalid syntax"
        # CPython's own nesting limits: 200 open brackets, 100 indentation levels.
        if "too many nested" in message or "too complex" in message or "too many levels of indentation" in message:
            raise SourceError(f"{TOO_DEEP} ({message})", exc.lineno or 1) from None
        raise SourceError(f"syntax error: {message}", exc.lineno or 1, max((exc.offset or 1) - 1, 0)) from None
    except (RecursionError, MemoryError):
        raise SourceError(TOO_DEEP) from None
    except ValueError as exc:
        raise SourceError(f"cannot parse: {exc}") from None


def might_have_findings(text: str, words: Sequence[str]) -> bool:
    """Cheap text test: a file that mentions none of ``words`` cannot hold a finding."""
    return any(word in text for word in words)


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
    return _analyse(tree, text, path, settings or Settings(), package, index, module)[0]


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
                ctx, diagnostics = _check_rules(tree, text, path, settings, rules, package, index, True, module)
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
    if any(d.fix is not None for d in diagnostics):
        diagnostics = _finish_fixes(diagnostics, text, settings.fix_edits)
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics, ctx.model


def _finish_fixes(diagnostics: List[Diagnostic], text: str, render: bool) -> List[Diagnostic]:
    """Each fix's plan rendered into edits with one libcst tree of the file (``render``),
    or dropped.  A plan libcst cannot carry out leaves its finding without a fix."""
    import dataclasses

    from estimator_lint.fixes import ConcreteFile, NoFix

    if not render:
        return [
            dataclasses.replace(d, fix=dataclasses.replace(d.fix, plan=None)) if d.fix is not None else d
            for d in diagnostics
        ]
    try:
        with bounded_recursion():
            concrete = ConcreteFile(text)
    except Exception as exc:
        if not _fix_planning_failure(exc):
            raise
        return [dataclasses.replace(d, fix=None) if d.fix is not None else d for d in diagnostics]
    finished = []
    for d in diagnostics:
        if d.fix is not None and d.fix.plan is None:
            pass  # edits made with the finding (EST100)
        elif d.fix is not None:
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
    ctx = RuleContext(model, source, path, want_fixes=want_fixes, fixes_possible=lambda: _rewritable(tree, text))
    return ctx, [d for rule in rules for d in rule.check(ctx)]


_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def physical_lines(text: str) -> List[str]:
    """``text`` split into lines (with their endings) where the tokenizer splits it."""
    return _PHYSICAL_LINE.findall(text)


#: libcst nests ``a and b and c ...`` one level per operand where ``ast`` keeps one flat
#: ``BoolOp``: its native parser overflows the C stack (SIGSEGV) at about 8,000 operands
#: and its Python visitors hit the recursion limit near 1,000.  Files with longer chains
#: get findings without fixes.
MAX_REWRITABLE_BOOL_OPERANDS = 500
_BOOL_KEYWORD = re.compile(r"\b(?:and|or)\b")


def _rewritable(tree: ast.AST, text: str) -> bool:
    """Whether libcst can be trusted with this file (a cheap text test first)."""
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
) -> List[Diagnostic]:
    """Lint one source text (``str`` or ``bytes``). Raises :class:`SourceError` on bad input.

    ``bytes`` are decoded as the interpreter would (:func:`decode_source`: cookie, BOM);
    a ``str`` is taken as decoded text, so one that still starts with a BOM is rejected
    (positions and fix offsets always refer to the text without it).
    """
    settings = settings or Settings()
    text = decode_source(source) if isinstance(source, bytes) else source
    words = getattr(index, "words", None) or settings.prefilter_words()
    if settings.prefilter and not might_have_findings(text, words) and not _noqa_to_check(text, settings):
        return []
    tree = parse(text, path)
    return lint_tree(tree, text, path, settings, package=package, index=index, module=module)


def in_project(index, path: str) -> Tuple[Optional[ClassResolver], Optional[str], Optional[str]]:
    """(the index as ``path`` sees it, module, package): module and package are None for a
    file the project index does not know; shared module names resolve from its own root."""
    known = getattr(index, "modules", {}).get(path)
    if known is None:
        return index, None, None
    view = index.for_file(path) if hasattr(index, "for_file") else index
    return view, known[0], known[1]


def package_of(path: str) -> Optional[str]:
    """The dotted package a file belongs to, from the ``__init__.py`` files around it."""
    directory = os.path.dirname(os.path.abspath(path))
    parts: List[str] = []
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        parts.append(os.path.basename(directory))
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return ".".join(reversed(parts)) if parts else ""


class NotARegularFile(OSError):
    """A path that names a FIFO, a device or a socket: reading it could block or never end."""


_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_source_bytes(path: str) -> bytes:
    """A file's bytes, for regular files only; raises ``OSError`` (see :func:`read_error`).

    The file is opened non-blocking and checked with ``fstat`` on the open descriptor, so
    a FIFO named ``x.py`` cannot hang the run and ``/dev/zero`` behind a symlink cannot
    fill the memory.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a directory", path)
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
            raise NotARegularFile(f"not a regular file ({kind})")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        return handle.read()


def read_error(path: str, exc: BaseException) -> FileError:
    """The one-line reason why ``path`` could not be read."""
    if isinstance(exc, NotARegularFile):
        reason = str(exc)
    elif isinstance(exc, IsADirectoryError):
        reason = _directory_error(path)
    elif isinstance(exc, FileNotFoundError):
        try:
            target = os.readlink(path)
        except (OSError, ValueError):
            target = None
        if target is not None:
            reason = f"broken symbolic link (to {target!r}, which does not exist)"
        else:
            reason = "file not found (deleted while the run was going on?)"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        if os.path.isdir(path):
            reason = f"cannot list directory: {reason}"
    elif isinstance(exc, (ValueError, UnicodeError)):
        reason = f"invalid file name ({exc})"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return FileError(f"cannot read: {reason}")


def _directory_error(path: str) -> str:
    """A directory in the list of files: discovery could not list it, or it was named so."""
    try:
        os.listdir(path)
    except OSError as exc:
        return f"cannot list directory: {exc.strerror or exc}"
    return "is a directory"


def lint_file(
    path: str,
    settings: Optional[Settings] = None,
    index: Optional[ClassResolver] = None,
    *,
    data: Optional[bytes] = None,
    screened: bool = False,
) -> FileResult:
    """Lint one file; any problem with the input becomes the result's ``error``.

    A run that already read the file passes its bytes as ``data``, and ``screened=True``
    when the prefilter (or the project index) already let it through.
    """
    settings = settings or Settings()
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    result = FileResult(path)
    if data is None:
        try:
            data = read_source_bytes(path)
        except (OSError, ValueError) as exc:
            result.error = read_error(path, exc)
            return result
    notebook = None
    try:
        text, notebook = source_text(path, data)
        # With a project index, its fixed-point words (Estimator subclasses of other files too).
        words = getattr(index, "words", None) or settings.prefilter_words()
        if settings.prefilter and not screened and not might_have_findings(text, words):
            if not _noqa_to_check(text, settings):
                return result
        tree = parse(text, path)
        index, module, package = in_project(index, path)
        if module is None and package is None and _has_relative_import(text):
            package = package_of(path)
        result.diagnostics, model = _analyse(tree, text, path, settings, package, index, module)
        if notebook is not None:
            result.diagnostics = notebook.to_cells(result.diagnostics)
        if hasattr(index, "queries"):  # a FactLog: the project runner checks these answers later
            result.fact_queries = index.queries
        if model is not None and module is not None:
            # What the project index learns from this file (see project.prepare_project).
            result.captures = model.captures_by_class()
            if "EstimatorSpec" in text:  # no PREDICT keys without one (the index's spec_files)
                result.prediction_keys = model.exported_prediction_keys()
    except SourceError as exc:
        cell, line = notebook.locate(exc.line) if notebook is not None else (None, exc.line)
        result.error = FileError(str(exc), line, exc.column, cell=cell)
    except Exception as exc:  # an internal fault: report it, keep going with other files
        detail = " ".join(str(exc).split())  # one line, whatever the exception says
        if len(detail) > 300:
            detail = detail[:300] + "..."
        result.error = FileError(
            f"internal error: {type(exc).__name__}: {detail} (please report this at the estimator-lint issue tracker)",
            kind="internal",
        )
    return result


def _noqa_to_check(text: str, settings: Settings) -> bool:
    return "noqa" in text and settings.screens_noqa()


def _has_relative_import(text: str) -> bool:
    return "from ." in text


# --------------------------------------------------------------------------------------
# screening: which files can hold a finding, decided before parsing (and mostly decoding)
# --------------------------------------------------------------------------------------

#: Comments and string literals.  A prefix (``r``, ``b``, ``f``, ...) stays outside the
#: match; a literal's end is found as the tokenizer finds it (escapes, triple quotes).
_NON_CODE = re.compile(
    r"#[^\r\n]*"
    r"|'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'[^'\\\r\n]*(?:\\[\s\S][^'\\\r\n]*)*'"
    r'|"[^"\\\r\n]*(?:\\[\s\S][^"\\\r\n]*)*"'
)


@dataclass(frozen=True)
class _ScreenPlan:
    #: Every word contains one of these (fewer, shorter needles: one pass over the text each).
    anchors: Tuple[str, ...]
    anchors_bytes: Tuple[bytes, ...]
    #: The words themselves (none containing another).
    words: "re.Pattern[str]"


@functools.lru_cache(maxsize=16)
def _screen_plan(words: Tuple[str, ...]) -> Optional[_ScreenPlan]:
    """None when every text passes (an empty word)."""
    if not words or "" in words:
        return None
    minimal = sorted({w for w in words if not any(o != w and o in w for o in words)}, key=lambda w: (-len(w), w))
    anchors = _anchors(minimal)
    return _ScreenPlan(
        tuple(anchors),
        tuple(a.encode("utf-8") for a in anchors),
        re.compile("|".join(re.escape(w) for w in minimal)),
    )


def _anchors(words: Sequence[str]) -> List[str]:
    """A few substrings that every word contains: CamelCase tails shared by several words
    (``Classifier``, ``Regressor``), the other words themselves."""
    tails: dict = {}
    for word in sorted(words):
        for i in range(1, len(word) - 5):
            if word[i].isupper():
                tails.setdefault(word[i:], set()).add(word)
    uncovered = set(words)
    anchors: List[str] = []
    while tails:
        tail, covers = max(tails.items(), key=lambda kv: (len(kv[1] & uncovered), len(kv[0])))
        if len(covers & uncovered) < 2:
            break
        anchors.append(tail)
        uncovered -= covers
        del tails[tail]
    return anchors + sorted(uncovered)


def _prefix_of_literal(text: str, start: int) -> str:
    """The letters right before the quote at ``start`` (a string prefix such as ``rb``)."""
    prefix = text[max(0, start - 2):start]
    while prefix and not prefix.isalpha():
        prefix = prefix[1:]
    return prefix


def _words_in_names(text: str, words: "re.Pattern[str]") -> bool:
    """Python >= 3.12 (PEP 701: quotes nest inside f-strings): ask the C tokenizer."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME and words.search(tok.string):
                return True
    except Exception:  # not tokenizable: let the parser report it
        return True
    return False


def _words_in_code(text: str, words: "re.Pattern[str]") -> bool:
    """Whether one of ``words`` occurs outside comments and string literals.

    Conservative by construction: text the scanner does not recognise as a complete
    comment or literal counts as code, and f-strings (whose replacement fields are code)
    count as code whole.
    """
    hits = [m.start() for m in words.finditer(text)]
    if not hits:
        return False
    i, n = 0, len(hits)
    for m in _NON_CODE.finditer(text):
        start, end = m.span()
        if hits[i] < start:
            return True
        if text[start] != "#":
            prefix = _prefix_of_literal(text, start)
            if "f" in prefix or "F" in prefix or "t" in prefix or "T" in prefix:
                if sys.version_info >= (3, 12):
                    return _words_in_names(text, words)
                if hits[i] < end:
                    return True
        while i < n and hits[i] < end:
            i += 1
        if i == n:
            return False
    return True


def may_hold_findings(text: str, settings: Optional[Settings] = None) -> bool:
    """Whether ``text`` can hold a finding: a prefilter word outside comments and strings.

    Every finding needs an Estimator class or a model_fn, and the analysis finds those
    only through identifiers (import, base class, call, keyword, function name) that
    contain one of :meth:`Settings.prefilter_words`; a word that occurs only in comments
    or docstrings (as in most of TensorFlow's own modules) cannot make one.  Always true
    when ``settings.prefilter`` is off.
    """
    settings = settings or Settings()
    return not settings.prefilter or mentions_words(text, settings.prefilter_words())


def mentions_words(text: str, words: Sequence[str]) -> bool:
    """Whether one of ``words`` occurs in ``text`` outside comments and string literals."""
    plan = _screen_plan(tuple(words))
    if plan is None:
        return True
    if not any(anchor in text for anchor in plan.anchors):
        return False
    return _words_in_code(text, plan.words)


def _has_coding_cookie(data: bytes) -> bool:
    end = data.find(b"\n")
    if end >= 0:
        end = data.find(b"\n", end + 1)
    return b"coding" in (data if end < 0 else data[:end])


def may_hold_findings_bytes(data: bytes, settings: Optional[Settings] = None) -> bool:
    """:func:`may_hold_findings` for a file's bytes, decoding only the files that need it.

    Pure-ASCII bytes without a coding cookie decode as themselves, so they are screened
    as bytes; anything else is decoded as the interpreter would.  True also when the
    bytes cannot be decoded, so that :func:`lint_file` reports why.
    """
    settings = settings or Settings()
    return not settings.prefilter or mentions_words_bytes(data, settings.prefilter_words())


def mentions_words_bytes(data: bytes, words: Sequence[str]) -> bool:
    """:func:`mentions_words` for a file's bytes (the project index screens with it too).

    Pure-ASCII bytes without a coding cookie are screened as bytes; anything else is
    decoded as the interpreter would.  True when the bytes cannot be decoded.
    """
    plan = _screen_plan(tuple(words))
    if plan is None:
        return True
    if data.isascii() and not _has_coding_cookie(data):
        if not any(anchor in data for anchor in plan.anchors_bytes):
            return False
        text = data.decode("ascii")
    else:
        try:
            text = decode_source(data)
        except SourceError:
            return True
    return mentions_words(text, words)


# --------------------------------------------------------------------------------------
# whole runs: screening, result cache, process pool
# --------------------------------------------------------------------------------------


def _check_file(path: str, settings: Settings, known_digest: Optional[str], stamp_wanted: bool, index=None):
    """Lint one file of a run: ``(result, stamp)``.

    The stat is taken before the read, so a later edit always shows in the next run's
    stat.  ``result`` is None when the bytes still hash to ``known_digest`` (the cached
    result holds); ``stamp`` is None when the file could not be read.
    """
    try:
        st = os.stat(path)
        data = read_source_bytes(path)  # never blocks on a FIFO, never reads a device
    except (OSError, ValueError):
        return lint_file(path, settings, index), None
    stamp = None
    if stamp_wanted:
        from estimator_lint.cache import FileStamp, content_digest

        package = package_of(path) if b"from ." in data else None
        stamp = FileStamp.of(st, content_digest(data), package)
        if known_digest is not None and stamp.digest == known_digest:
            return None, stamp
    # The project index already screened every file (to its fixed point of words).
    # A notebook's JSON is screened as its code, by lint_file.
    notebook = is_notebook(path)
    if path in index.candidates if index is not None else (notebook or may_hold_findings_bytes(data, settings)):
        return lint_file(path, settings, index, data=data, screened=not notebook), stamp
    if b"noqa" in data and settings.screens_noqa():  # EST100: its noqa comments may be stale
        return lint_file(path, settings, index, data=data, screened=True), stamp
    return FileResult(path), stamp


def _check_chunk(chunk, settings: Settings, stamp_wanted: bool, index=None) -> list:
    return [_check_file(path, settings, digest, stamp_wanted, index) for path, digest in chunk]


WORKER_DIED = "worker process died while checking this file"


def _check_chunk_isolated(chunk, settings: Settings, stamp_wanted: bool, index=None) -> list:
    """:func:`_check_chunk` after a worker died: each file alone in a fresh single worker.

    A worker's death (a crash in native code, the OOM killer) fails every chunk in flight
    with ``BrokenProcessPool``, so a chunk's files are checked again one at a time; only a
    file that kills its worker again is reported (:data:`WORKER_DIED`), and not cached.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    answers = []
    solo = None
    try:
        for path, digest in chunk:
            if solo is None:
                solo = ProcessPoolExecutor(max_workers=1)
            try:
                answers.append(solo.submit(_check_file, path, settings, digest, stamp_wanted, index).result())
            except BrokenProcessPool:
                solo.shutdown(wait=False, cancel_futures=True)
                solo = None
                answers.append((FileResult(path, error=FileError(WORKER_DIED)), None))
    finally:
        if solo is not None:
            solo.shutdown(wait=True)
    return answers


def _settle(path: str, result, stamp, settings: Settings, cache) -> FileResult:
    """A worker's answer as the run's result, recorded in the cache."""
    if cache is None or stamp is None:
        return result
    if result is None:
        cached = cache.revalidated(path, stamp)
        if cached is not None:
            return cached
        result, stamp = _check_file(path, settings, None, True)
        if stamp is None:
            return result
    cache.store(path, stamp, result)
    return result


def lint_paths(
    files: Iterable[str],
    settings: Optional[Settings] = None,
    jobs: int = 1,
    *,
    cache=None,
    index=None,
    save_cache: bool = True,
) -> Iterator[FileResult]:
    """Lint files; results stream out in the order of ``files``, whatever ``jobs`` is.

    Each file is read once and screened (:func:`may_hold_findings_bytes`): a file that
    cannot hold a finding costs that read; the others go through :func:`lint_file`.
    ``cache`` (an :class:`estimator_lint.cache.ResultCache` opened for ``settings``)
    answers unchanged files without reading them and is saved once, when the run ends.
    With ``jobs > 1`` the files the cache cannot answer are linted in a process pool, in
    chunks, with a bounded number of chunks in flight (memory does not grow with the
    number of files); workers only return results, the cache stays in this process.
    With ``save_cache=False`` the caller saves it (a run made of several calls).
    """
    settings = settings or Settings()
    if cache is not None and cache.settings != settings:
        raise ValueError("lint_paths: the cache was opened for other settings")
    try:
        if jobs <= 1:
            for path in files:
                digest = None
                if cache is not None:
                    hit, digest = cache.lookup(path)
                    if hit is not None:
                        yield hit
                        continue
                result, stamp = _check_file(path, settings, digest, cache is not None, index)
                yield _settle(path, result, stamp, settings, cache)
        else:
            yield from _lint_parallel(files, settings, jobs, cache, index)
    finally:
        if cache is not None and save_cache:
            cache.save()


#: A run's files are dispatched in windows of this many files to lint: inside a window
#: the biggest files go first (the longest jobs start early, the small ones fill in at the
#: end), and results are yielded in input order once their window is done.  Two windows
#: are in flight at most, so memory stays bounded whatever the number of files.
WINDOW_FILES = 1024
#: A chunk (one task for a worker) closes at this many bytes or files.
CHUNK_BYTES = 128 * 1024
CHUNK_FILES = 64


def _lint_parallel(files: Iterable[str], settings: Settings, jobs: int, cache, index=None) -> Iterator[FileResult]:
    stamps = cache is not None
    pool = None
    # Dispatched windows: (slots, misses, chunks, futures).  A slot is a FileResult the
    # cache answered or the index of a miss; a miss is (path, cached digest, size).
    windows: deque = deque()
    slots: list = []
    misses: list = []

    def dispatch() -> None:
        nonlocal pool, slots, misses
        order = sorted(range(len(misses)), key=lambda i: -misses[i][2])
        # At least 4 chunks per worker when there are files enough: a small run spreads too.
        per_chunk = max(1, min(CHUNK_FILES, -(-len(misses) // (jobs * 4))))
        chunks: List[List[int]] = []
        current: List[int] = []
        size = 0
        for i in order:
            current.append(i)
            size += misses[i][2]
            if size >= CHUNK_BYTES or len(current) >= per_chunk:
                chunks.append(current)
                current, size = [], 0
        if current:
            chunks.append(current)
        futures: list = []
        # Imported when there is work: a run the cache answers starts no pool.
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        for chunk in chunks:
            # Always in workers, even a few files: a worker's crash costs one file, ours the run.
            work = [misses[i][:2] for i in chunk]
            if pool is None:
                pool = ProcessPoolExecutor(max_workers=jobs)
            try:
                futures.append(pool.submit(_check_chunk, work, settings, stamps, index))
            except BrokenProcessPool:
                # Broken by a worker's death in an earlier chunk: a fresh pool from here on.
                pool.shutdown(wait=False, cancel_futures=True)
                pool = ProcessPoolExecutor(max_workers=jobs)
                futures.append(pool.submit(_check_chunk, work, settings, stamps, index))
        windows.append((slots, misses, chunks, futures))
        slots, misses = [], []

    def drain() -> Iterator[FileResult]:
        from concurrent.futures.process import BrokenProcessPool

        window_slots, window_misses, chunks, futures = windows.popleft()
        answers: list = [None] * len(window_misses)
        for chunk, future in zip(chunks, futures):
            try:
                chunk_answers = future.result()
            except BrokenProcessPool:
                # A worker died (native crash, OOM killer): every chunk in flight fails;
                # each of their files is checked again alone (_check_chunk_isolated).
                chunk_answers = _check_chunk_isolated([window_misses[i][:2] for i in chunk], settings, stamps, index)
            for i, answer in zip(chunk, chunk_answers):
                answers[i] = answer
        for slot in window_slots:
            if isinstance(slot, int):
                result, stamp = answers[slot]
                yield _settle(window_misses[slot][0], result, stamp, settings, cache)
            else:
                yield slot

    def ready() -> Iterator[FileResult]:
        nonlocal slots
        while windows and all(f.done() for f in windows[0][3]):
            yield from drain()
        if not windows and not misses and slots:
            done, slots = slots, []
            yield from done

    try:
        for path in files:
            try:
                st: Optional[os.stat_result] = os.stat(path)
            except (OSError, ValueError):
                st = None
            digest = None
            if cache is not None and st is not None:
                hit, digest = cache.lookup(path, st)
                if hit is not None:
                    slots.append(hit)
                    yield from ready()
                    continue
            slots.append(len(misses))
            misses.append((path, digest, st.st_size if st is not None else 0))
            if len(misses) >= WINDOW_FILES:
                dispatch()
                while len(windows) > 2:
                    yield from drain()
                yield from ready()
        if slots:
            dispatch()
        while windows:
            yield from drain()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

