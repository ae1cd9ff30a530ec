"""Plain data that flows out of the analysis: findings, their fixes and file errors."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple


class Applicability(str, enum.Enum):
    """How safe a fix is (Ruff's model): ``--fix`` applies safe fixes only."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` (character offsets into the decoded text) by ``content``."""

    start: int
    end: int
    content: str


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with ``edits`` (non-overlapping) applied."""
    out, last = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[last : edit.start])
        out.append(edit.content)
        last = edit.end
    out.append(text[last:])
    return "".join(out)


@dataclass(frozen=True)
class Fix:
    """A fix: whether it is safe is decided with the finding; its ``edits`` are rendered
    only when a run needs them (``--fix``, ``--diff``, formats that carry edits), from
    ``plan`` (what to change, in the fix modules' terms; dropped once rendered)."""

    message: str
    applicability: Applicability
    edits: Tuple[Edit, ...] = ()
    plan: Optional[object] = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Diagnostic:
    """One finding.

    ``line``/``end_line`` are 1-based; ``column``/``end_column`` are 0-based character
    offsets into the line (the CLI prints ``column + 1``; flake8 adds the 1 itself).
    """

    code: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    fix: Optional[Fix] = None
    #: Why no fix is offered, when the rule could have fixed such a case.
    no_fix_reason: Optional[str] = None
    #: In a notebook: the 1-based cell (over all cells) that ``line`` counts rows of.
    cell: Optional[int] = None

    def sort_key(self) -> tuple:
        return (self.cell or 0, self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class FileError:
    """A file that could not be checked: one clear line naming the problem."""

    message: str
    line: int = 1
    column: int = 0
    kind: str = "error"
    #: In a notebook: the cell ``line`` counts rows of.
    cell: Optional[int] = None


@dataclass
class FileResult:
    path: str
    diagnostics: list = field(default_factory=list)
    error: Optional[FileError] = None
    #: Number of fixes applied to this file (``--fix``).
    fixed: int = 0
    #: Class qualname -> attributes its graph code stores tensors in (EST102), for the
    #: project index: other modules reading them get EST104.  Set for project modules.
    captures: Dict[str, List[str]] = field(default_factory=dict)
    #: Module-level model_fn qualname -> its PREDICT keys (EST105 in importing modules).
    prediction_keys: Dict[str, List[str]] = field(default_factory=dict)
    #: (question, qualname, answer) about captures and keys the project index gave while
    #: its facts were still being learnt (None: not recorded).
    fact_queries: Optional[List[Tuple[str, Tuple[str, ...], object]]] = None
