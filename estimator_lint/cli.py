"""``estimator-lint``: the command-line adapter over :mod:`estimator_lint.engine`.

``estimator-lint [PATH ...]`` checks files (``--fix``/``--diff`` fix them);
``estimator-lint rule CODE`` / ``rule --all`` prints the rules' documentation. Configuration
is :mod:`estimator_lint.config`'s, output formats :mod:`estimator_lint.output`'s.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import TYPE_CHECKING, Iterator, List, Optional, Sequence

from estimator_lint import __version__

if TYPE_CHECKING:
    import argparse

    from estimator_lint import config
    from estimator_lint.config import Options
    from estimator_lint.diagnostics import FileResult

# Everything else is imported when used: a run that its run record answers
# (estimator_lint.run_record) imports nothing more than the record needs.

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
PROG = "estimator-lint"


def _codes(value: str) -> List[str]:
    import argparse

    from estimator_lint import config

    try:
        return list(config.parse_codes(value.split(",")))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _per_file_ignore(value: str):
    import argparse

    from estimator_lint import config

    try:
        return config.parse_per_file_ignore(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _dotted(value: str) -> str:
    import argparse

    from estimator_lint import config

    try:
        return config.parse_dotted_name(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _target(value: str) -> str:
    import argparse

    from estimator_lint.requirements import parse_target

    try:
        return parse_target(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> "argparse.ArgumentParser":
    import argparse

    from estimator_lint import output

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Find TensorFlow Estimator code that keeps graph tensors outside the graph.",
        epilog="Rule documentation: `estimator-lint rule EST102`, `estimator-lint rule --all`. "
        "Editors: `estimator-lint server` (a language server; pip install 'estimator-lint[server]').",
    )
    parser.add_argument(
        "paths", nargs="*", default=None, help="files or directories to check (default: .); - reads standard input"
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")

    cfg = parser.add_argument_group("configuration")
    cfg.add_argument(
        "--config", metavar="PATH", help="read [tool.estimator-lint] from this file, not the nearest pyproject.toml"
    )
    cfg.add_argument("--isolated", action="store_true", help="ignore every configuration file")

    rules = parser.add_argument_group("rule selection")
    rules.add_argument("--select", type=_codes, action="append", help="rule codes or prefixes to enable (default: EST)")
    rules.add_argument("--extend-select", type=_codes, action="append", help="codes or prefixes to enable on top")
    rules.add_argument("--ignore", type=_codes, action="append", help="rule codes or prefixes to disable")
    rules.add_argument(
        "--extra-estimator-bases",
        type=_dotted,
        action="append",
        default=[],
        metavar="DOTTED.NAME",
        help="treat this class (e.g. my_pkg.base.MyEstimatorBase) as an Estimator base; repeatable",
    )

    rules.add_argument(
        "--target-tensorflow",
        type=_target,
        metavar="VERSION",
        help="the TensorFlow version the code runs on (EST106); default: read from the project's requirements",
    )
    rules.add_argument(
        "--per-file-ignores",
        type=_per_file_ignore,
        action="append",
        metavar="PATTERN:CODES",
        help="ignore these codes in the files PATTERN matches, replacing the configured per-file-ignores; repeatable",
    )
    rules.add_argument(
        "--extend-per-file-ignores",
        type=_per_file_ignore,
        action="append",
        default=[],
        metavar="PATTERN:CODES",
        help="like --per-file-ignores, on top of the configured ones; repeatable",
    )

    files = parser.add_argument_group("file selection")
    files.add_argument("--exclude", action="append", metavar="PATTERN", help="paths to skip, replacing the defaults")
    files.add_argument("--extend-exclude", action="append", default=[], metavar="PATTERN", help="more paths to skip")
    files.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="check standard input as if it were this file (configuration, excludes, project)",
    )
    files.add_argument(
        "--force-exclude",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="apply the excludes to paths named on the command line too (for pre-commit)",
    )
    files.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip files that .gitignore, .git/info/exclude and git's global excludes ignore (default: on)",
    )

    fixing = parser.add_argument_group("fixing")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    fixing.add_argument(
        "--unsafe-fixes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="with --fix/--diff, also apply unsafe fixes",
    )
    fixing.add_argument("--diff", action="store_true", help="print the diff --fix would apply; change nothing")
    fixing.add_argument(
        "--add-noqa",
        action="store_true",
        help="add '# noqa: CODES' to every line with findings (adopting the linter on existing code)",
    )
    fixing.add_argument("--exit-non-zero-on-fix", action="store_true", help="with --fix, exit 1 if anything was fixed")
    fixing.add_argument(
        "--show-fixes",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="with --fix/--diff, list the fixes applied per file and code",
    )

    report = parser.add_argument_group("reporting")
    report.add_argument("--output-format", choices=output.FORMATS, help="how findings are printed (default: text)")
    report.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead")
    report.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")
    report.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")

    parser.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default: 1)")
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where results and the project index are cached (default: $ESTIMATOR_LINT_CACHE_DIR or ./.estimator_lint_cache)",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--no-prefilter", action="store_true", help=argparse.SUPPRESS)
    return parser


def _flatten(groups: Optional[List[List[str]]]) -> Optional[tuple]:
    return None if groups is None else tuple(c for group in groups for c in group)


def _overrides(args: "argparse.Namespace") -> "config.Overrides":
    from estimator_lint import config

    return config.Overrides(
        select=_flatten(args.select),
        extend_select=_flatten(args.extend_select) or (),
        ignore=_flatten(args.ignore) or (),
        exclude=tuple(args.exclude) if args.exclude is not None else None,
        extend_exclude=tuple(args.extend_exclude),
        force_exclude=args.force_exclude,
        unsafe_fixes=args.unsafe_fixes,
        output_format=args.output_format,
        extra_estimator_bases=tuple(args.extra_estimator_bases) or None,
        prefilter=not args.no_prefilter,
        target_tensorflow=args.target_tensorflow,
        respect_gitignore=args.respect_gitignore,
        per_file_ignores=tuple(args.per_file_ignores) if args.per_file_ignores is not None else None,
        extend_per_file_ignores=tuple(args.extend_per_file_ignores),
    )


def _error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def console_main() -> None:
    """The ``estimator-lint`` command (and ``python -m estimator_lint``): :func:`main`,
    then the process ends at once.

    Its output is flushed first; the pools are shut down and the cache is saved before
    :func:`main` returns.  What the run held (bytes, trees, the index) is left to the
    operating system (``os._exit``) instead of being freed object by object and then
    torn down with the interpreter: about 5 % of a run on a 1,000-file project.  The
    ``server`` and ``rule`` subcommands exit as usual (the server's worker processes end
    with the interpreter's exit handlers).
    """
    if sys.argv[1:2] in (["server"], ["rule"]):
        sys.exit(main())
    from estimator_lint import source

    source.keep_until_exit()
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            pass  # the reader went away: nothing more to say (main stops quietly too)
        except (OSError, ValueError):
            code = code or EXIT_ERROR  # output that could not be written is an error
    os._exit(code)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        from estimator_lint import run_record

        replayed = run_record.replay(argv)
        if replayed is not None:
            return replayed
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``estimator-lint ... | head``): stop quietly, as Ruff does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    except Exception as exc:  # an internal fault: a short message, not a traceback
        detail = " ".join(str(exc).split())[:300]
        print(f"{PROG}: internal error: {type(exc).__name__}: {detail}", file=sys.stderr)
        print(f"{PROG}: please report this at the estimator-lint issue tracker", file=sys.stderr)
        return EXIT_ERROR


def _main(argv: List[str]) -> int:
    if argv[:1] == ["rule"]:
        return rule_command(argv[1:])
    if argv[:1] == ["server"]:
        from estimator_lint.lsp import main as server_main

        return server_main(argv[1:], prog=f"{PROG} server")
    from estimator_lint import config
    from estimator_lint.cache import default_cache_dir

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if "-" in (args.paths or []) or (args.stdin_filename and not args.paths):
        return _check_stdin(parser, args)
    paths = args.paths or ["."]
    try:
        file_config = config.load_for_run(paths, args.config, args.isolated)
    except config.ConfigError as exc:
        return _error(str(exc))
    # EST106 reads the project's TensorFlow requirement; a declaration it cannot read is a
    # warning naming the file, and the run goes on.
    from estimator_lint import requirements

    scan = requirements.scan_project(requirements.project_directory(config.search_start(paths)))
    for problem in scan.problems:
        print(f"{PROG}: warning: {problem}", file=sys.stderr)
    options = config.resolve(_overrides(args), file_config, requirements=scan)

    # Results and the project index (read by flake8 too) are cached here.
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    if cache_dir is not None:
        from estimator_lint.trust import tracked_by_git

        if tracked_by_git(cache_dir):
            # State committed to a repository is not this user's: neither read nor written.
            print(f"{PROG}: warning: {cache_dir}: the cache directory is tracked by git; running without it",
                  file=sys.stderr)
            cache_dir = None
    fixing = args.fix or args.diff or args.add_noqa
    from estimator_lint import run_record

    if cache_dir is not None and not fixing and not run_record.isatty(sys.stderr):
        # A check run records what it read and printed (estimator_lint.run_record): the
        # same invocation on unchanged inputs then only replays it.  (Not with a progress
        # bar on a terminal: a bar is not output to replay.)

        seen: dict = {"files": [], "walked": [], "ignore_files": []}
        recorder = run_record.Recorder(argv, cache_dir)
        with recorder:
            code = _check(args, paths, options, cache_dir, seen)
        if code in (EXIT_CLEAN, EXIT_FINDINGS):
            search = None if args.isolated or args.config else config.search_start(paths)
            probes = run_record.probes(paths, search, options.config_path, args.config)
            # The requirement scan is an input too: editing requirements.txt changes EST106's answer.
            probes += run_record.requirement_probes(config.search_start(paths), scan.looked_at)
            probes += seen["ignore_files"]
            from estimator_lint.project import INDEX_FILE

            saved = [os.path.join(cache_dir, INDEX_FILE)] if _saves_index(paths) and len(seen["files"]) > 1 else []
            recorder.save(code, seen["files"], seen["walked"], probes, outputs=saved)
        return code
    return _check(args, paths, options, cache_dir)


def _check_stdin(parser, args) -> int:
    """``estimator-lint -``: the text on standard input (estimator_lint.stdin)."""
    from estimator_lint.cache import default_cache_dir
    from estimator_lint.stdin import check_stdin

    if args.paths and args.paths != ["-"]:
        parser.error("- (standard input) cannot be combined with other paths")
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    return check_stdin(args, _overrides(args), cache_dir, PROG)


def _saves_index(paths) -> bool:
    """The saved index (flake8 reads it) is the whole project's: a run over named files
    (pre-commit passes the staged ones) uses an index of those files and keeps it."""
    return any(os.path.isdir(p) for p in paths)


def _check(args, paths, options, cache_dir, seen: Optional[dict] = None) -> int:
    """The run proper: discovery, then fixing or linting, then the report.  ``seen``
    collects the files checked and the directories walked (for the run record)."""
    import gc

    try:
        return _check_files(args, paths, options, cache_dir, seen)
    finally:
        gc.unfreeze()  # what a fixing run's index pass froze (build_project_index)


def _check_files(args, paths, options, cache_dir, seen: Optional[dict] = None) -> int:
    from estimator_lint import discovery, output
    from estimator_lint.output import progress
    from estimator_lint.project import build_project_index, lint_project

    walked = seen["walked"] if seen is not None else None
    gitignore = discovery.GitIgnores() if options.respect_gitignore else None
    files, missing = discovery.discover(
        paths,
        options.exclude,
        force_exclude=options.force_exclude,
        root=options.root,
        walked=walked,
        include=options.include,
        gitignore=gitignore,
    )
    if seen is not None:
        seen["files"] = files
        # The ignore files read decide which files were checked: the run record stats them.
        seen["ignore_files"] = gitignore.consulted if gitignore is not None else []
    # A path that does not exist is reported like a file that could not be checked
    # (Ruff's ``E902 No such file or directory``), never followed by a success line.
    missing_results = [output.missing_path(path) for path in missing]
    fixing = args.fix or args.diff or args.add_noqa
    # Files a directory walk reached through a symbolic link to outside the directories
    # given: linted, never rewritten (as Ruff and Black do not follow such links).
    outside = _outside_roots(paths, files) if fixing else {}
    save_index = _saves_index(paths)
    # Fixes need the whole-project index first (which captures other modules read).
    # Trees the index parses serve the fixing pass (each file parsed once).
    from estimator_lint import source
    from estimator_lint.source import ParsedFiles

    parsed = ParsedFiles() if fixing else None
    source.release(parsed)  # held for the whole command
    index = (
        build_project_index(files, options.settings, cache_dir, save_index=save_index, parsed=parsed, freeze=True)
        if fixing and len(files) > 1
        else None
    )

    if args.add_noqa:
        for path in missing:
            print(f"{PROG}: error: {output.printable(path)}: no such file or directory", file=sys.stderr)
        return _add_noqa(files, options, index, args.quiet, outside) if not missing else EXIT_ERROR

    if args.diff or (args.fix and options.output_format == "text" and not args.statistics):
        from estimator_lint.fix_command import run_fix

        # The fixing run renders the fixes it applies; what remains is printed as text.
        options = dataclasses.replace(options, settings=dataclasses.replace(options.settings, fix_edits=False))

        code = run_fix(
            files,
            options.settings_for,
            unsafe=options.unsafe_fixes,
            diff_only=args.diff,
            quiet=args.quiet,
            out=sys.stdout,
            exit_non_zero_on_fix=args.exit_non_zero_on_fix,
            show_fixes=args.show_fixes,
            index=index,
            outside=outside,
            missing_paths=missing,
            parsed=parsed,
        )
        return EXIT_CLEAN if args.exit_zero and code == EXIT_FINDINGS else code

    if not args.fix and options.output_format not in output.FORMATS_WITH_EDITS:
        # Whether a finding is fixable is all a report without edits shows: no fix is
        # rendered (no libcst parse of the file).
        options = dataclasses.replace(options, settings=dataclasses.replace(options.settings, fix_edits=False))
    stats = output.RunStats(unsafe_fixes=options.unsafe_fixes, mode="fix" if args.fix else "check")
    show_bar = progress.wanted(sys.stderr, len(files), quiet=args.quiet)
    bar = progress.Progress(len(files), sys.stderr) if show_bar else None
    reporter = output.create(
        options.output_format,
        bar.wrap(sys.stdout) if bar else sys.stdout,
        statistics=args.statistics,
        quiet=args.quiet,
        unsafe_fixes=options.unsafe_fixes,
    )
    if args.fix:
        results = _fixed(files, options, index, outside)
    else:
        # Whole-project analysis: classes, bases and captures across the files of this run.
        results = lint_project(files, options.settings, jobs=args.jobs, cache_dir=cache_dir, save_index=save_index)
    for result in missing_results:
        stats.add(result)
        reporter.file(result)
    try:
        for result in results:
            result.diagnostics = options.filter(result.path, result.diagnostics)
            stats.add(result)
            reporter.file(result)
            if bar:
                bar.advance()
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    finally:
        if bar:
            # One closing summary: the bar's line only when the format prints none.
            bar.close(None if reporter.summarizes else stats)
    reporter.finish(stats)
    sys.stdout.flush()

    if stats.internal_errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    if args.exit_non_zero_on_fix and stats.fixed:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if stats.findings or stats.errors else EXIT_CLEAN


def _outside_roots(paths: Sequence[str], files: Sequence[str]) -> dict:
    """{file: why it is not fixed} for the files a walk of a directory given found, whose
    real path is outside every directory given (a symbolic link out of the tree)."""
    roots = [os.path.realpath(p) for p in paths if os.path.isdir(p)]
    named = {os.path.abspath(p) for p in paths}
    outside = {}
    for path in files:
        if os.path.abspath(path) in named:
            continue  # named on the command line: the user asked for that file
        real = os.path.realpath(path)
        if not any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots):
            outside[path] = f"not fixed: a symbolic link to {real}, outside the directories given"
    return outside


def _add_noqa(files: Sequence[str], options: Options, index, quiet: bool, outside=None) -> int:
    from estimator_lint.add_noqa import add_noqa_file
    from estimator_lint.output import display_path, position, printable

    added = skipped = errors = 0
    for path in files:
        if outside and path in outside:
            # As --fix: a file reached through a symbolic link out of the tree is not rewritten.
            print(f"{PROG}: warning: {printable(display_path(path))}: {outside[path]}", file=sys.stderr)
            continue
        result = add_noqa_file(path, options.settings_for(path), index=index)
        added += result.added
        skipped += result.skipped
        if result.error is not None:
            errors += 1
            err = result.error
            where = position(err.line, err.column + 1, err.cell)
            print(f"{printable(display_path(path))}:{where}: error: {printable(err.message)}")
    if not quiet:
        print(f"Added {added} noqa directive{'' if added == 1 else 's'}.")
        if skipped:
            print(f"{skipped} finding(s) are on lines that cannot take a comment (in a multi-line string).")
    sys.stdout.flush()
    return EXIT_FINDINGS if errors or skipped else EXIT_CLEAN


def _fixed(files: Sequence[str], options: Options, index=None, outside=None) -> Iterator[FileResult]:
    """``--fix`` for the machine-readable formats: each file fixed, then what remains."""
    from estimator_lint.diagnostics import FileResult
    from estimator_lint.fix_apply import fix_file, remove_litter

    remove_litter(os.path.dirname(os.path.realpath(p)) for p in files)
    for path in files:
        if outside and path in outside:
            from estimator_lint.fix_command import lint_without_fixing

            yield lint_without_fixing(path, options.settings_for(path), index, outside[path])
            continue
        fixed = fix_file(path, options.settings_for(path), unsafe=options.unsafe_fixes, index=index)
        yield FileResult(path, list(fixed.remaining), fixed.error, fixed=fixed.fixed)


# --------------------------------------------------------------------------------------
# estimator-lint rule
# --------------------------------------------------------------------------------------


def rule_command(argv: Sequence[str]) -> int:
    import argparse

    from estimator_lint import docs
    from estimator_lint.rules import ALL_RULES, RULES_BY_CODE

    parser = argparse.ArgumentParser(
        prog=f"{PROG} rule",
        description="Print a rule's documentation (to lint a file named `rule`, pass it as ./rule).",
    )
    parser.add_argument("code", nargs="?", help="a rule code (EST102) or name (tensor-on-self)")
    parser.add_argument("--all", action="store_true", help="list every rule: code, name, summary")
    args = parser.parse_args(argv)
    if args.all == bool(args.code):
        parser.error("give a rule code, or --all")
    if args.all:
        sys.stdout.write(docs.rules_list(ALL_RULES))
        return EXIT_CLEAN
    wanted = args.code.strip()
    rule = RULES_BY_CODE.get(wanted.upper()) or next((r for r in ALL_RULES if r.name == wanted.lower()), None)
    if rule is None:
        return _error(f"unknown rule {wanted!r} (known: {', '.join(RULES_BY_CODE)}; see `{PROG} rule --all`)")
    sys.stdout.write(docs.rule_page(rule))
    return EXIT_CLEAN


__all__ = ["main", "build_parser", "rule_command"]
