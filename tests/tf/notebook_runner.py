"""Run a notebook's code cells in order, as a kernel would, and report as JSON.

Usage: ``MODEL_DIR=/fresh/dir python notebook_runner.py NOTEBOOK EXPR`` prints one JSON
object as the last stdout line: ``{"ok": bool, "error": "Type: message", "cell": N,
"value": <repr of EXPR evaluated after the run>}``.

Written independently of the linter's notebook model (a test must not lean on the code
it tests): IPython lines are dropped -- line magics (``%``), shell escapes (``!``), help
(``obj?``) -- a ``%%time``/``%%capture`` cell runs its body, other cell magics are skipped.
"""

from __future__ import annotations

import contextlib
import json
import sys

PYTHON_CELL_MAGICS = {"time", "timeit", "capture"}


def cell_code(source: str):
    lines = source.splitlines()
    if lines and lines[0].startswith("%%"):
        if lines[0][2:].split()[0] not in PYTHON_CELL_MAGICS:
            return None
        lines = lines[1:]
    kept = [
        line for line in lines
        if not line.lstrip().startswith(("%", "!")) and not line.rstrip().endswith("?")
    ]
    return "\n".join(kept) + "\n"


def main() -> None:
    path, expr = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    namespace = {"__name__": "__main__"}
    report = {"ok": True}
    with contextlib.redirect_stdout(sys.stderr):
        for number, cell in enumerate(cells, 1):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            code = cell_code(source) if cell["cell_type"] == "code" else None
            if code is None:
                continue
            try:
                exec(compile(code, f"{path}:cell {number}", "exec"), namespace)
            except Exception as exc:  # the notebook's failure is the result
                report = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "cell": number}
                break
        try:
            report["value"] = repr(eval(expr, namespace))
        except Exception as exc:
            report["value_error"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(report))


if __name__ == "__main__":
    main()
