"""``# noqa`` and ``# noqa: EST102,EST104`` suppression comments (flake8's syntax)."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, List, Optional, Sequence

from estimator_lint.diagnostics import Edit

_NOQA = re.compile(r"#\s*noqa(?::[\s]*(?P<codes>[A-Z][0-9A-Z]*(?:[\s,]+[A-Z][0-9A-Z]*)*))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z][0-9A-Z]*", re.IGNORECASE)


class NoqaMap:
    """Which codes each line suppresses (``None`` means every code)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = lines
        self._cache: Dict[int, Optional[List[str]]] = {}

    def codes(self, line: int) -> Optional[List[str]]:
        if line not in self._cache:
            text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
            match = _NOQA.search(text) if "noqa" in text.lower() else None
            if match is None:
                self._cache[line] = []
            elif match.group("codes"):
                self._cache[line] = [c.upper() for c in _CODE.findall(match.group("codes"))]
            else:
                self._cache[line] = None
        return self._cache[line]

    def suppresses(self, line: int, code: str) -> bool:
        codes = self.codes(line)
        if codes is None:
            return True
        return any(code.startswith(c) for c in codes)


def add_code_edit(text: str, lines: Sequence[str], line: int, code: str) -> Optional[Edit]:
    """The edit that makes ``line`` (1-based) of ``text`` suppress ``code``: ``code`` merged
    into the line's ``# noqa: ...`` list, or ``  # noqa: CODE`` added at the end of the line.

    ``lines`` are ``text``'s physical lines with their endings.  None when the line already
    suppresses ``code``, or when no comment can end it (it ends inside a string or
    continues with a backslash): a comment there would change the code or be no comment.
    """
    if not 0 < line <= len(lines):
        return None
    start = sum(len(previous) for previous in lines[: line - 1])
    physical = lines[line - 1]
    body = physical.rstrip("\r\n")
    noqa = NoqaMap([physical])
    codes = noqa.codes(1)
    if codes is None or any(code.startswith(c) for c in codes):
        return None
    if codes:
        match = _NOQA.search(body)
        end = start + match.end("codes")
        return Edit(end, end, f", {code}")
    if not _comment_can_end(text, line):
        return None
    kept = len(body.rstrip())
    return Edit(start + kept, start + len(body), f"  # noqa: {code}" if kept else f"# noqa: {code}")


def _comment_can_end(text: str, line: int) -> bool:
    """Whether ``line`` ends where a comment may stand: its end is a (logical or non-logical)
    newline token, not the inside of a string nor a backslash continuation."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] > line:
                return False
            if token.type in (tokenize.NEWLINE, tokenize.NL) and token.start[0] == line:
                return True
    except (tokenize.TokenError, SyntaxError):
        return False
    return False
