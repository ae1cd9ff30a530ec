"""``estimator-lint - [--stdin-filename PATH]``: check (or fix) the text on standard input.

The text is checked as if it were the file ``PATH``: the configuration found from
``PATH``, its per-file ignores, the excludes (with ``--force-exclude``, as Ruff does) and
the project index of the project around it (:class:`estimator_lint.workspace.Workspace`).
Without ``--stdin-filename`` the text is named ``-`` and checked on its own with the
configuration of the current directory.

Checking prints findings as a run over files does.  ``--fix`` writes the fixed source to
standard output (the input unchanged, byte for byte, when nothing is fixed or the input
cannot be checked) and the remaining findings to standard error; ``--diff`` writes the
diff to standard output.  Exit status as for files.  The result cache is never written.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

from estimator_lint import config, output
from estimator_lint.diagnostics import FileResult
from estimator_lint.workspace import Workspace

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
STDIN_NAME = "-"


def check_stdin(args, overrides: config.Overrides, cache_dir: Optional[str], prog: str) -> int:
    """Run the command for ``-``; ``args`` are the parsed command line."""
    name = args.stdin_filename
    data = sys.stdin.buffer.read()
    try:
        workspace = Workspace.load(name or os.getcwd(), config_path=args.config, isolated=args.isolated, overrides=overrides)
    except config.ConfigError as exc:
        return _fail(prog, str(exc), data if args.fix and not args.diff else None)
    options = workspace.options
    path = os.path.abspath(name) if name else STDIN_NAME
    shown = name or STDIN_NAME
    if name and options.force_exclude and workspace.excluded(path):
        # Excluded: nothing to say (and, fixing, the text passes through untouched).
        if args.fix and not args.diff:
            _write_bytes(data)
        return EXIT_CLEAN

    from estimator_lint.engine import SourceError, decode_source

    try:
        text = decode_source(data)
    except SourceError as exc:
        from estimator_lint.diagnostics import FileError

        result = FileResult(shown, error=FileError(str(exc), exc.line, exc.column))
        if args.fix and not args.diff:
            _write_bytes(data)
            return _report(args, options, result, None, sys.stderr)
        return _report(args, options, result, None, sys.stdout)

    index = None
    if name and workspace.contains(path):
        # Only read from the cache: a saved index is used while it is current and the text
        # is the file's; otherwise one is built with the text in place of the file.
        index = workspace.build_index({path: text}, cache_dir=cache_dir)

    if not (args.fix or args.diff):
        result = workspace.check(text, path, index)
        result.path = shown
        return _report(args, options, result, text, sys.stdout)

    fixed = workspace.fix(text, path, index, unsafe=options.unsafe_fixes)
    remaining = FileResult(shown, list(fixed.remaining), fixed.error, fixed=len(fixed.applied))
    if args.diff:
        if fixed.changed:
            output.write_unified_diff(sys.stdout, shown, fixed.original, fixed.text)
        sys.stdout.flush()
        if not args.quiet:
            count = len(fixed.applied)
            sys.stderr.write(f"Would apply {count} {'fix' if count == 1 else 'fixes'} to {shown}.\n")
        if fixed.error is not None:
            return _report(args, options, FileResult(shown, error=fixed.error), text, sys.stderr)
        return EXIT_FINDINGS if fixed.changed else EXIT_CLEAN

    new_data = data
    if fixed.changed and fixed.error is None:
        new_data = _encoded(data, fixed.text)
        if new_data is None:
            from estimator_lint.diagnostics import FileError

            remaining = FileResult(shown, list(fixed.remaining), FileError("not fixed: the fixed text cannot be encoded as the input was"))
            new_data = data
    _write_bytes(new_data)
    code = _report(args, options, remaining, fixed.text, sys.stderr, fixing=True)
    if code == EXIT_CLEAN and args.exit_non_zero_on_fix and remaining.fixed and not args.exit_zero:
        return EXIT_FINDINGS
    return code


def _encoded(original: bytes, text: str) -> Optional[bytes]:
    """``text`` in the encoding (and with the BOM) of ``original``; None if it cannot be."""
    import codecs
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(original).readline)
    except SyntaxError:
        encoding = "utf-8"
    bom = original.startswith(codecs.BOM_UTF8)
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    try:
        return (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding)
    except UnicodeEncodeError:
        return None


def _write_bytes(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _fail(prog: str, message: str, passthrough: Optional[bytes]) -> int:
    if passthrough is not None:
        _write_bytes(passthrough)  # a fixing editor must get its text back, whatever happened
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _report(args, options, result: FileResult, text: Optional[str], out, *, fixing: bool = False) -> int:
    """Print ``result`` in the configured format on ``out``; the exit status of the run."""
    stats = output.RunStats(unsafe_fixes=options.unsafe_fixes)
    reporter = output.create(
        options.output_format,
        out,
        statistics=args.statistics,
        quiet=args.quiet,
        unsafe_fixes=options.unsafe_fixes,
    )
    if text is not None:
        reporter.use_text(result.path, text)
    stats.add(result)
    reporter.file(result)
    if fixing and result.fixed and not args.quiet and options.output_format == "text" and not args.statistics:
        out.write(f"Fixed {result.fixed} {'finding' if result.fixed == 1 else 'findings'}.\n")
    reporter.finish(stats)
    out.flush()
    if stats.internal_errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if stats.findings or stats.errors else EXIT_CLEAN
