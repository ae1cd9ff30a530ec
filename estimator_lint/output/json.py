"""``json``: one array of findings shaped like Ruff's ``--output-format json``.

Each finding has every key of current Ruff's (``cell``: the 1-based notebook cell its rows
count in, else null; ``code``, ``end_location``, ``filename``, ``fix``, ``location``,
``message``, ``noqa_row``, ``url``) and the rule's ``name``::

    {"cell": null, "code": "EST102", "name": "tensor-on-self", "message": "...",
     "filename": "/abs/path.py",
     "location": {"row": 5, "column": 9}, "end_location": {"row": 5, "column": 26},
     "fix": {"applicability": "safe", "message": "...",
             "edits": [{"content": "...", "location": {...}, "end_location": {...}}]} | null,
     "noqa_row": 5, "url": "https://...#est102-tensor-on-self"}

A file that could not be checked is an object of the same shape with the reason as
``message``, ``"fix": null``, ``"noqa_row": null`` and ``"url": null``, and as ``code``
what current Ruff uses: ``"E902"`` (name ``io-error``) for a file that could not be read
or does not exist, ``"invalid-syntax"`` for a syntax error, else ``null``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List

from estimator_lint.diagnostics import Diagnostic, FileResult
from estimator_lint.output import IO_ERROR_CODE, Reporter, RunStats, error_code
from estimator_lint.rules import RULES_BY_CODE


def _loc(row: int, column: int) -> Dict[str, int]:
    return {"row": row, "column": column}


class JsonReporter(Reporter):
    streams = False

    def __init__(self, out, **options) -> None:
        super().__init__(out, **options)
        self.items: List[Dict[str, Any]] = []

    def file(self, result: FileResult) -> None:
        filename = os.path.abspath(result.path)
        if result.error is not None:
            err = result.error
            code = error_code(err)
            self.items.append(
                {
                    "cell": err.cell,
                    "code": code,
                    "name": "io-error" if code == IO_ERROR_CODE else code,
                    "message": err.message,
                    "filename": filename,
                    "location": _loc(err.line, err.column + 1),
                    "end_location": _loc(err.line, err.column + 1),
                    "fix": None,
                    "noqa_row": None,
                    "url": None,
                }
            )
        for diag in result.diagnostics:
            self.items.append(self.finding(result.path, filename, diag))

    def finding(self, path: str, filename: str, diag: Diagnostic) -> Dict[str, Any]:
        rule = RULES_BY_CODE.get(diag.code)
        fix = None
        if diag.fix is not None:
            fix = {
                "applicability": diag.fix.applicability.value,
                "message": diag.fix.message,
                "edits": [
                    {"content": content, "location": _loc(*start), "end_location": _loc(*end)}
                    for start, end, content in self.edit_ranges(path, diag)
                ],
            }
        return {
            "cell": diag.cell,
            "code": diag.code,
            "name": rule.name if rule else None,
            "message": diag.message,
            "filename": filename,
            "location": _loc(diag.line, diag.column + 1),
            "end_location": _loc(diag.end_line, diag.end_column + 1),
            "fix": fix,
            "noqa_row": diag.line,
            "url": rule.url() if rule else None,
        }

    def finish(self, stats: RunStats) -> None:
        self.out.write(json.dumps(self.items, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
