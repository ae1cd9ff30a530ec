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
import io
import os
import tokenize
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

from estimator_lint import tfapi
from estimator_lint.analysis.model import ClassResolver, FileModel
from estimator_lint.diagnostics import Diagnostic, FileError, FileResult
from estimator_lint.noqa import NoqaMap
from estimator_lint.rules import select_rules
from estimator_lint.rules.base import RuleContext, SourceText

__all__ = [
    "Settings",
    "SourceError",
    "decode_source",
    "lint_source",
    "lint_tree",
    "lint_file",
    "lint_paths",
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
        if "encoding problem" in str(exc) or "unknown encoding" in str(exc):
            raise SourceError(f"cannot decode: {exc}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        raise SourceError(f"cannot decode as {encoding}{where}: {reason}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def parse(text: str, path: str) -> ast.Module:
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SourceError("file contains a NUL byte", line)
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as exc:
        message = exc.msg or "invalid syntax"
        if "too many nested" in message or "too complex" in message:
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
) -> List[Diagnostic]:
    """Run the selected rules on a parsed module."""
    settings = settings or Settings()
    rules = select_rules(settings.select, settings.ignore)
    if not rules:
        return []
    try:
        model = FileModel(tree, package=package, index=index, extra_bases=settings.extra_estimator_bases)
        ctx = RuleContext(model, SourceText(text), path)
        diagnostics = [d for rule in rules for d in rule.check(ctx)]
    except RecursionError:
        raise SourceError(TOO_DEEP) from None
    if settings.respect_noqa and diagnostics:
        noqa = NoqaMap(ctx.source.lines)
        diagnostics = [d for d in diagnostics if not noqa.suppresses(d.line, d.code)]
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics


def lint_source(
    source,
    path: str = "<string>",
    settings: Optional[Settings] = None,
    *,
    package: Optional[str] = None,
    index: Optional[ClassResolver] = None,
) -> List[Diagnostic]:
    """Lint one source text (``str`` or ``bytes``). Raises :class:`SourceError` on bad input."""
    settings = settings or Settings()
    text = decode_source(source) if isinstance(source, bytes) else source
    if settings.prefilter and not might_have_findings(text, settings.prefilter_words()):
        return []
    tree = parse(text, path)
    return lint_tree(tree, text, path, settings, package=package, index=index)


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


def lint_file(path: str, settings: Optional[Settings] = None, index: Optional[ClassResolver] = None) -> FileResult:
    """Lint one file; any problem with the input becomes the result's ``error``."""
    settings = settings or Settings()
    result = FileResult(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:
        result.error = FileError("cannot read: is a directory")
        return result
    except FileNotFoundError:
        result.error = FileError("cannot read: file not found (deleted or a broken symlink?)")
        return result
    except OSError as exc:
        result.error = FileError(f"cannot read: {exc.strerror or exc}")
        return result
    try:
        text = decode_source(data)
        if settings.prefilter and not might_have_findings(text, settings.prefilter_words()):
            return result
        tree = parse(text, path)
        package = package_of(path) if _has_relative_import(text) else None
        result.diagnostics = lint_tree(tree, text, path, settings, package=package, index=index)
    except SourceError as exc:
        result.error = FileError(str(exc), exc.line, exc.column)
    except Exception as exc:  # an internal fault: report it, keep going with other files
        result.error = FileError(
            f"internal error: {type(exc).__name__}: {exc} (please report this at the estimator-lint issue tracker)",
            kind="internal",
        )
    return result


def _has_relative_import(text: str) -> bool:
    return "from ." in text


def _lint_file_job(args) -> FileResult:
    path, settings = args
    return lint_file(path, settings)


def lint_paths(files: Iterable[str], settings: Optional[Settings] = None, jobs: int = 1) -> Iterator[FileResult]:
    """Lint files in order; with ``jobs > 1`` in a process pool (results stay in order)."""
    settings = settings or Settings()
    files = list(files)
    if jobs <= 1 or len(files) < 2:
        for path in files:
            yield lint_file(path, settings)
        return
    chunk = max(1, min(64, len(files) // (jobs * 4) or 1))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_lint_file_job, ((p, settings) for p in files), chunksize=chunk)


@dataclass
class RunSummary:
    files: int = 0
    findings: int = 0
    errors: int = 0
    by_code: dict = field(default_factory=dict)
