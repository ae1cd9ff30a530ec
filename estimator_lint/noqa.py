"""``# noqa`` and ``# noqa: EST102,EST104`` suppression comments (flake8's syntax)."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, List, Optional, Sequence, Tuple

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
def merge_noqa(line: str, codes: Sequence[str]) -> Tuple[str, int]:
    """``line`` (without its ending) with ``codes`` in its ``# noqa``: (new line, codes added).

    Codes join an existing ``# noqa: ...`` (none twice); a bare ``# noqa`` already covers
    every code; otherwise ``  # noqa: CODES`` goes at the end, after any other comment.
    """
    match = _NOQA.search(line) if "noqa" in line.lower() else None
    if match is not None and not match.group("codes"):
        return line, 0
    if match is not None:
        present = [c.upper() for c in _CODE.findall(match.group("codes"))]
        missing = [c for c in codes if not any(c.startswith(p) for p in present)]
        if not missing:
            return line, 0
        merged = f"# noqa: {', '.join(present + missing)}"
        return line[: match.start()] + merged + line[match.end():], len(missing)
    stripped = line.rstrip()
    return f"{stripped}  # noqa: {', '.join(codes)}", len(codes)


def unused_suppressions(text: str, lines: Sequence[str], diagnostics: Sequence, enabled: Sequence[str]) -> list:
    """EST100 findings: ``# noqa: CODES`` comments whose codes of ``enabled`` rules suppress
    none of ``diagnostics`` (all findings of the file, before the noqa filter), each with
    a safe fix that removes those codes (the comment when none is left).

    Only real comments count (the tokenizer's, not ``# noqa`` inside a string); a bare
    ``# noqa`` and codes of other tools or of rules not enabled are left alone.
    """
    import io
    import tokenize

    from estimator_lint.diagnostics import Applicability, Diagnostic, Edit, Fix

    if "noqa" not in text.lower():
        return []
    by_line: Dict[int, List[str]] = {}
    for d in diagnostics:
        by_line.setdefault(d.line, []).append(d.code)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    found = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    for tok in tokens:
        if tok.type != tokenize.COMMENT or "noqa" not in tok.string.lower():
            continue
        row, col = tok.start
        match = _NOQA.search(tok.string)
        if match is None or not match.group("codes"):
            continue
        codes = [c.upper() for c in _CODE.findall(match.group("codes"))]
        judged = [c for c in codes if c != "EST100" and any(e.startswith(c) for e in enabled if e != "EST100")]
        unused = [c for c in judged if not any(code.startswith(c) for code in by_line.get(row, ()))]
        if not unused:
            continue
        kept = [c for c in codes if c not in unused]
        start = col + match.start()
        end = col + match.end()
        rest = tok.string[match.end():].strip()
        edit_start, content = start, ""
        if kept:
            content = f"# noqa: {', '.join(kept)}"
        elif rest and match.start() == 0:
            content = "#"  # ``# noqa: EST102 -- why``: the rest stays a comment
        elif not rest:
            # The whitespace before it goes too (before the comment, or inside it).
            line = lines[row - 1]
            while edit_start > 0 and line[edit_start - 1] in " \t":
                edit_start -= 1
        base = offsets[row - 1]
        edit = Edit(base + edit_start, base + end, content)
        message = f"Unused `noqa` directive (unused: {', '.join(unused)})"
        found.append(
            Diagnostic(
                "EST100", message, row, start, row, end, Fix("Remove unused `noqa` directive", Applicability.SAFE, (edit,))
            )
        )
    return found
