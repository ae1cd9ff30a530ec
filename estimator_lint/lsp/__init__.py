"""``estimator-lint server``: a language server (LSP over stdio) for editors.

Built on pygls, an optional dependency: ``pip install 'estimator-lint[server]'``.
:mod:`estimator_lint.lsp.server` has the handlers, :mod:`estimator_lint.lsp.convert` the
translation of findings and edits into LSP terms.  See docs/editors.md.
"""

from __future__ import annotations

import sys
from typing import Optional, Sequence

__all__ = ["main"]


def main(argv: Optional[Sequence[str]] = None, prog: str = "estimator-lint server") -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run the estimator-lint language server on standard input and output (LSP).",
    )
    parser.add_argument("--log-file", metavar="PATH", help="write the server's log to this file")
    args = parser.parse_args(list(argv or []))
    try:
        import pygls  # noqa: F401
    except ImportError:
        print(
            f"{prog}: error: the language server needs pygls: pip install 'estimator-lint[server]'",
            file=sys.stderr,
        )
        return 2
    import logging

    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=logging.INFO)
    from estimator_lint.lsp.server import create_server

    create_server().start_io()
    return 0
