"""``--statistics``: one row per code with its count, like ``ruff check --statistics``,
then (in text) the same summary lines as the ``text`` format: the total and what is fixable."""

from __future__ import annotations

import json

from estimator_lint.diagnostics import FileResult
from estimator_lint.output import Reporter, RunStats
from estimator_lint.rules import RULES_BY_CODE

#: The row that counts files that could not be checked.
FILE_ERROR = "file-error"


class StatisticsReporter(Reporter):
    streams = False

    def __init__(self, out, *, as_json: bool = False, **options) -> None:
        super().__init__(out, **options)
        self.as_json = as_json

    @property
    def summarizes(self) -> bool:
        return not self.as_json and not self.quiet

    def file(self, result: FileResult) -> None:
        pass

    def rows(self, stats: RunStats):
        rows = [
            {"code": code, "name": RULES_BY_CODE[code].name, "count": count, "fixable": code in stats.fixable_codes}
            for code, count in sorted(stats.by_code.items(), key=lambda item: (-item[1], item[0]))
        ]
        if stats.errors:
            rows.append({"code": None, "name": FILE_ERROR, "count": stats.errors, "fixable": False})
        return rows

    def finish(self, stats: RunStats) -> None:
        rows = self.rows(stats)
        if self.as_json:
            self.out.write(json.dumps(rows, indent=2) + "\n")
            return
        if rows:
            self.table(rows)
        if not self.quiet:
            from estimator_lint.output.text import summary

            self.out.write("".join(line + "\n" for line in summary(stats)))

    def table(self, rows) -> None:
        count_width = max(len(str(r["count"])) for r in rows)
        code_width = max(len(r["code"] or "") for r in rows)
        any_fixable = any(r["fixable"] for r in rows)
        for r in rows:
            mark = ("[*] " if r["fixable"] else "[ ] ") if any_fixable else ""
            self.out.write(f"{r['count']:>{count_width}}\t{r['code'] or '':<{code_width}}\t{mark}{r['name']}\n")
