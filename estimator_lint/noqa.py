"""``# noqa`` and ``# noqa: EST102,EST104`` suppression comments (flake8's syntax)."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

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
