"""``github``: GitHub Actions workflow commands, which GitHub shows as annotations.

``::error file=PATH,line=ROW,col=COL,endLine=ROW,endColumn=COL,title=EST102::message``,
escaped as the Actions toolkit does: ``%``, CR and LF in the message; those and ``:`` and
``,`` in property values.
"""

from __future__ import annotations

from estimator_lint.diagnostics import FileResult
from estimator_lint.output import Reporter, display_path

#: The title of an annotation for a file that could not be checked.
FILE_ERROR_TITLE = "estimator-lint error"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(path: str, line: int, col: int, end_line: int, end_col: int, title: str, message: str) -> str:
    props = {"file": path, "line": line, "col": col, "endLine": end_line, "endColumn": end_col, "title": title}
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props.items())
    return f"::error {joined}::{escape_data(message)}\n"


class GithubReporter(Reporter):
    def file(self, result: FileResult) -> None:
        path = display_path(result.path)
        if result.error is not None:
            err = result.error
            col = err.column + 1
            message = f"cell {err.cell}: {err.message}" if err.cell is not None else err.message
            self.out.write(command(path, err.line, col, err.line, col, FILE_ERROR_TITLE, message))
        for d in result.diagnostics:
            # A notebook's rows count within a cell: the message names the cell (as Ruff's does).
            message = f"cell {d.cell}:{d.line}:{d.column + 1}: {d.message}" if d.cell is not None else d.message
            self.out.write(command(path, d.line, d.column + 1, d.end_line, d.end_column + 1, d.code, message))
