"""Configuration: the ``[tool.estimator-lint]`` table of ``pyproject.toml`` and the command line.

A run reads the nearest ``pyproject.toml`` that has a ``[tool.estimator-lint]`` table,
searched upward from the first path given (or the current directory), unless ``--config
PATH`` names one or ``--isolated`` ignores them all (as Ruff does). Command-line flags
override the file. Anything wrong with the file is one :class:`ConfigError` line naming the
file and the key; nothing is silently ignored.

Patterns (``exclude``, ``include``, ``per-file-ignores`` and their ``extend-`` forms) with a ``/`` are relative to
the directory of the file that sets them (the current directory for flags); patterns
without one match a file or directory name anywhere.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from estimator_lint.discovery import DEFAULT_EXCLUDE, DEFAULT_INCLUDE, glob_match
from estimator_lint.settings import FORMATS, Settings
from estimator_lint.rules import DEFAULT_CODES, OPT_IN, RULE_CODES

if TYPE_CHECKING:
    from estimator_lint.requirements import Scan

__all__ = [
    "KEYS",
    "TABLE",
    "ConfigError",
    "FileConfig",
    "Overrides",
    "Options",
    "parse_codes",
    "parse_dotted_name",
    "parse_per_file_ignore",
    "load_pyproject",
    "find_config",
    "search_start",
    "load_for_run",
    "resolve",
    "resolve_rules",
]

TABLE = "tool.estimator-lint"


@dataclass(frozen=True)
class Key:
    """A key of the table, as the README's configuration table documents it (Markdown)."""

    type: str
    default: str
    meaning: str


#: Every key of ``[tool.estimator-lint]``; the README's table is generated from this.
KEYS: Dict[str, Key] = {
    "select": Key("list of codes", '`["EST"]`', "rule codes or prefixes to enable"),
    "extend-select": Key("list of codes", "`[]`", "codes or prefixes to enable on top of `select`"),
    "ignore": Key(
        "list of codes", "`[]`", "codes or prefixes to disable (the longest matching prefix wins; `ignore` wins a tie)"
    ),
    "exclude": Key(
        "list of globs",
        "`.git`, `.venv`, `build`, ... (see [Command line](command-line.md))",
        "paths to skip, replacing the defaults",
    ),
    "extend-exclude": Key("list of globs", "`[]`", "paths to skip on top of `exclude`"),
    "force-exclude": Key(
        "bool", "`false`", "apply the excludes to files named explicitly too (pre-commit names every file)"
    ),
    "include": Key(
        "list of globs", '`["*.py", "*.pyi", "*.ipynb"]`', "the files a directory walk checks, replacing the defaults"
    ),
    "extend-include": Key("list of globs", "`[]`", "more files a directory walk checks, on top of `include`"),
    "respect-gitignore": Key(
        "bool",
        "`true`",
        "skip what `.gitignore`, `.git/info/exclude` and git's global excludes file ignore in directory walks",
    ),
    "per-file-ignores": Key(
        "table: glob = list of codes", "`{}`", "codes to ignore in the files a glob matches (also under `--fix`)"
    ),
    "extend-per-file-ignores": Key(
        "table: glob = list of codes", "`{}`", "more per-file ignores, on top of `per-file-ignores`"
    ),
    "unsafe-fixes": Key("bool", "`false`", "let `--fix` apply unsafe fixes too, and count them as fixable"),
    "output-format": Key("string", '`"text"`', ", ".join(f"`{f}`" for f in FORMATS[:-1]) + f" or `{FORMATS[-1]}`"),
    "extra-estimator-bases": Key(
        "list of dotted names", "`[]`", "your own Estimator base classes, e.g. `my_pkg.base.MyEstimatorBase`"
    ),
    "target-tensorflow": Key(
        "string",
        "read from the project's requirements",
        "the TensorFlow version the code runs on, e.g. `\"2.15\"` (EST106: 2.16 and later have no `tf.estimator`); "
        "overrides the requirement read from `pyproject.toml`, `requirements*.txt`, `setup.cfg` or `setup.py`",
    ),
    "max-file-size": Key(
        "integer (bytes)", "`10485760` (10 MiB)", "larger files are reported, not analysed (`0`: no limit)"
    ),
}


class ConfigError(Exception):
    """A configuration problem; ``str(self)`` is the one line to print."""


# --------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------


def parse_codes(values: Sequence[str]) -> Tuple[str, ...]:
    """Upper-cased rule codes or prefixes; ``ValueError`` names the first unknown one."""
    codes = []
    for value in values:
        code = value.strip().upper()
        if not code:
            continue
        if not code.startswith("EST") or not any(known.startswith(code) for known in RULE_CODES):
            raise ValueError(f"unknown rule code or prefix {value.strip()!r}")
        codes.append(code)
    return tuple(codes)


def parse_per_file_ignore(value: str) -> Tuple[str, Tuple[str, ...]]:
    """``GLOB:CODE[,CODE...]`` (the command line's form of a per-file ignore)."""
    glob, sep, codes = value.rpartition(":")
    if not sep or not glob.strip() or not codes.strip():
        raise ValueError(f"expected PATTERN:CODES (e.g. 'tests/*.py:EST102,EST104'), not {value!r}")
    return glob.strip(), parse_codes(codes.split(","))


def parse_dotted_name(value: str) -> str:
    name = value.strip()
    if not name or not all(part.isidentifier() for part in name.split(".")):
        raise ValueError(f"invalid dotted name {value!r} (expected something like 'my_pkg.base.MyEstimatorBase')")
    return name


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date/time"


def _display(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel


# --------------------------------------------------------------------------------------
# the file
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileConfig:
    """A validated ``[tool.estimator-lint]`` table; ``None`` means the key is not set."""

    path: str
    select: Optional[Tuple[str, ...]] = None
    extend_select: Optional[Tuple[str, ...]] = None
    ignore: Optional[Tuple[str, ...]] = None
    exclude: Optional[Tuple[str, ...]] = None
    extend_exclude: Optional[Tuple[str, ...]] = None
    force_exclude: Optional[bool] = None
    per_file_ignores: Optional[Tuple[Tuple[str, Tuple[str, ...]], ...]] = None
    extend_per_file_ignores: Optional[Tuple[Tuple[str, Tuple[str, ...]], ...]] = None
    include: Optional[Tuple[str, ...]] = None
    extend_include: Optional[Tuple[str, ...]] = None
    respect_gitignore: Optional[bool] = None
    unsafe_fixes: Optional[bool] = None
    output_format: Optional[str] = None
    extra_estimator_bases: Optional[Tuple[str, ...]] = None
    target_tensorflow: Optional[str] = None
    max_file_size: Optional[int] = None

    @property
    def root(self) -> str:
        """The directory relative patterns in the file are anchored at."""
        return os.path.dirname(os.path.abspath(self.path))


class _Validator:
    def __init__(self, path: str) -> None:
        self.where = f"{_display(path)}: [{TABLE}]"

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.where} {message}")

    def strings(self, key: str, value: Any) -> List[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad = value if not isinstance(value, list) else next(v for v in value if not isinstance(v, str))
            what = _kind(value) if not isinstance(value, list) else f"an array holding {_kind(bad)}"
            raise self.fail(f"{key!r} must be an array of strings, not {what}")
        return value

    def codes(self, key: str, value: Any) -> Tuple[str, ...]:
        try:
            return parse_codes(self.strings(key, value))
        except ValueError as exc:
            raise self.fail(f"{key!r} has an {exc}") from None

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false, not {_kind(value)}")
        return value


def _validate(path: str, table: Mapping[str, Any]) -> FileConfig:
    v = _Validator(path)
    values: Dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            import difflib  # only to word an error

            close = difflib.get_close_matches(key, list(KEYS), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(KEYS)})"
            raise v.fail(f"unknown key {key!r}{hint}")
        attr = key.replace("-", "_")
        if key in ("select", "extend-select", "ignore"):
            values[attr] = v.codes(key, value)
        elif key in ("exclude", "extend-exclude", "include", "extend-include"):
            values[attr] = tuple(v.strings(key, value))
        elif key in ("force-exclude", "unsafe-fixes", "respect-gitignore"):
            values[attr] = v.boolean(key, value)
        elif key == "output-format":
            if not isinstance(value, str) or value not in FORMATS:
                shown = repr(value) if isinstance(value, str) else _kind(value)
                raise v.fail(f"'output-format' must be one of {', '.join(map(repr, FORMATS))}, not {shown}")
            values[attr] = value
        elif key == "extra-estimator-bases":
            names = v.strings(key, value)
            try:
                values[attr] = tuple(parse_dotted_name(name) for name in names)
            except ValueError as exc:
                raise v.fail(f"{key!r} has an {exc}") from None
        elif key == "target-tensorflow":
            from estimator_lint.requirements import parse_target

            if not isinstance(value, str):
                raise v.fail(f"'target-tensorflow' must be a version string such as \"2.15\", not {_kind(value)}")
            try:
                values[attr] = parse_target(value)
            except ValueError as exc:
                raise v.fail(f"'target-tensorflow' has an {exc}") from None
        elif key == "max-file-size":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise v.fail(f"'max-file-size' must be a whole number of bytes (0: no limit), not {value!r}")
            values[attr] = value
        elif key in ("per-file-ignores", "extend-per-file-ignores"):
            if not isinstance(value, dict):
                raise v.fail(f"{key!r} must be a table of glob = array of codes, not {_kind(value)}")
            values[attr] = tuple((glob, v.codes(f"{key}.{_toml_key(glob)}", codes)) for glob, codes in value.items())
    return FileConfig(path=path, **values)


def _toml_key(key: str) -> str:
    bare = key and all(c.isalnum() or c in "-_" for c in key)
    return key if bare else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_toml(path: str) -> Dict[str, Any]:
    # Imported here: most runs read no configuration file (start-up time counts).
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigError(f"{_display(path)}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{_display(path)}: cannot parse TOML: not UTF-8 at byte {exc.start}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_display(path)}: cannot parse TOML: {exc}") from None


def load_pyproject(path: str, *, required: bool = False) -> Optional[FileConfig]:
    """The validated table of ``path``; ``None`` if it has none (an error if ``required``)."""
    document = _read_toml(path)
    tool = document.get("tool", {})
    table = tool.get("estimator-lint") if isinstance(tool, dict) else None
    if table is None:
        if required:
            raise ConfigError(f"{_display(path)}: no [{TABLE}] table")
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{_display(path)}: [{TABLE}] must be a table, not {_kind(table)}")
    return _validate(path, table)


def find_config(start: str) -> Optional[FileConfig]:
    """The nearest ``pyproject.toml`` with a ``[tool.estimator-lint]`` table, from ``start`` up."""
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            config = load_pyproject(candidate)
            if config is not None:
                return config
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load_for_run(
    paths: Sequence[str], config_path: Optional[str] = None, isolated: bool = False, cwd: Optional[str] = None
) -> Optional[FileConfig]:
    """The configuration a command-line run uses (see the module docstring)."""
    if isolated and config_path:
        raise ConfigError("--config and --isolated cannot be used together")
    if isolated:
        return None
    if config_path:
        if not os.path.isfile(config_path):
            raise ConfigError(f"{config_path}: no such configuration file")
        return load_pyproject(config_path, required=True)
    return find_config(search_start(paths, cwd))


def search_start(paths: Sequence[str], cwd: Optional[str] = None) -> str:
    """Where the search for ``pyproject.toml`` starts: the first path, else the current directory."""
    cwd = cwd or os.getcwd()
    return os.path.join(cwd, paths[0]) if paths else cwd


# --------------------------------------------------------------------------------------
# resolution: file + command line -> what a run does
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSelection:
    """One layer of rule selection; a layer with ``select`` starts over (Ruff's model)."""

    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()


def _weight(code: str, prefixes: Sequence[str]) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def resolve_rules(layers: Sequence[RuleSelection]) -> Tuple[str, ...]:
    """The enabled rule codes after applying ``layers`` (the file's, then the flags') in order.

    Within a layer the most specific prefix wins and ``ignore`` wins a tie: ``select = ["EST"]``
    with ``ignore = ["EST1"]`` and ``extend-select = ["EST104"]`` enables EST104 only.
    Opt-in rules (EST100) are enabled only by their full code.
    """
    codes = RULE_CODES
    enabled = set(DEFAULT_CODES)
    for layer in layers:
        selectors = (layer.select or ()) + layer.extend_select
        base = set() if layer.select is not None else enabled
        chosen = set()
        for code in codes:
            sel, ign = _weight(code, selectors), _weight(code, layer.ignore)
            if code in OPT_IN and sel != len(code):
                sel = -1  # opt-in rules are selected by their full code only
            if sel > ign or (ign < 0 and code in base):
                chosen.add(code)
        enabled = chosen
    return tuple(code for code in codes if code in enabled)


@dataclass(frozen=True)
class Overrides:
    """What the command line says; ``None`` (or empty) leaves the file's value."""

    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    exclude: Optional[Tuple[str, ...]] = None
    extend_exclude: Tuple[str, ...] = ()
    force_exclude: Optional[bool] = None
    unsafe_fixes: Optional[bool] = None
    output_format: Optional[str] = None
    extra_estimator_bases: Optional[Tuple[str, ...]] = None
    prefilter: bool = True
    target_tensorflow: Optional[str] = None
    respect_gitignore: Optional[bool] = None
    #: ``--per-file-ignores`` (replaces the file's) and ``--extend-per-file-ignores``.
    per_file_ignores: Optional[Tuple[Tuple[str, Tuple[str, ...]], ...]] = None
    extend_per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()


def _anchor(pattern: str, root: str, *, in_file: bool = True) -> str:
    """A pattern with a ``/`` becomes absolute below ``root``; a name pattern stays as it is.

    In a configuration file a leading ``/`` anchors at the file's directory, as in
    ``.gitignore``; on the command line an absolute path is just that.
    """
    if "/" not in pattern.rstrip("/") or (not in_file and os.path.isabs(pattern)):
        return pattern
    return os.path.normpath(os.path.join(root, pattern.lstrip("/")))


@dataclass(frozen=True)
class Options:
    """Everything a command-line run needs, resolved from the file and the flags."""

    settings: Settings
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    force_exclude: bool = False
    #: (pattern, codes): absolute patterns match the path, others the file name.
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    unsafe_fixes: bool = False
    output_format: str = "text"
    #: The project root: the configuration file's directory, else the current directory.
    root: str = field(default_factory=os.getcwd)
    config_path: Optional[str] = None
    include: Tuple[str, ...] = DEFAULT_INCLUDE
    respect_gitignore: bool = True

    def ignored_codes(self, path: str) -> Tuple[str, ...]:
        """Code prefixes ``per-file-ignores`` turns off for ``path``."""
        if not self.per_file_ignores:
            return ()
        full = os.path.abspath(path).replace(os.sep, "/")
        name = os.path.basename(full)
        codes: List[str] = []
        for pattern, ignored in self.per_file_ignores:
            if os.path.isabs(pattern):
                hit = glob_match(full, pattern.replace(os.sep, "/"))
            else:
                hit = fnmatch.fnmatch(name, pattern)
            if hit:
                codes.extend(ignored)
        return tuple(codes)

    def settings_for(self, path: str) -> Settings:
        """:attr:`settings` for one file, without the rules its per-file ignores turn off."""
        ignored = self.ignored_codes(path)
        if not ignored:
            return self.settings
        enabled = resolve_rules([RuleSelection(self.settings.select, (), self.settings.ignore)])
        kept = tuple(code for code in enabled if not any(code.startswith(prefix) for prefix in ignored))
        return dataclasses.replace(self.settings, select=kept, ignore=())

    def filter(self, path: str, diagnostics: Sequence) -> list:
        """``diagnostics`` of ``path`` minus those its per-file ignores turn off."""
        ignored = self.ignored_codes(path)
        if not ignored:
            return list(diagnostics)
        return [d for d in diagnostics if not any(d.code.startswith(code) for code in ignored)]


def resolve(
    overrides: Overrides,
    config: Optional[FileConfig],
    cwd: Optional[str] = None,
    *,
    requirements: Optional["Scan"] = None,
) -> Options:
    """``requirements``: the project's declarations (:func:`estimator_lint.requirements.scan_project`),
    for EST106; ``target-tensorflow`` (flag, then file) overrides them."""
    cwd = os.path.abspath(cwd or os.getcwd())
    cfg = config or FileConfig(path=os.path.join(cwd, "pyproject.toml"))
    root = cfg.root

    layers = [RuleSelection(cfg.select, cfg.extend_select or (), cfg.ignore or ())]
    if overrides.select is not None or overrides.extend_select or overrides.ignore:
        layers.append(RuleSelection(overrides.select, overrides.extend_select, overrides.ignore))
    enabled = resolve_rules(layers)
    bases = overrides.extra_estimator_bases or cfg.extra_estimator_bases or ()
    tensorflow = None
    if "EST106" in enabled:
        from estimator_lint.requirements import tensorflow_requirement

        target = overrides.target_tensorflow or cfg.target_tensorflow
        where = "--target-tensorflow" if overrides.target_tensorflow else _display(cfg.path)
        tensorflow = tensorflow_requirement(requirements, target, where)
    settings = Settings(
        select=("EST",) if enabled == DEFAULT_CODES else enabled,
        extra_estimator_bases=tuple(bases),
        prefilter=overrides.prefilter,
        tensorflow_requirement=tensorflow,
        **({"max_file_size": cfg.max_file_size} if cfg.max_file_size is not None else {}),
    )

    if overrides.exclude is not None:
        exclude = tuple(_anchor(p, cwd, in_file=False) for p in overrides.exclude)
    elif cfg.exclude is not None:
        exclude = tuple(_anchor(p, root) for p in cfg.exclude)
    else:
        exclude = DEFAULT_EXCLUDE
    exclude += tuple(_anchor(p, root) for p in cfg.extend_exclude or ())
    exclude += tuple(_anchor(p, cwd, in_file=False) for p in overrides.extend_exclude)

    include = tuple(_anchor(p, root) for p in cfg.include) if cfg.include is not None else DEFAULT_INCLUDE
    include += tuple(_anchor(p, root) for p in cfg.extend_include or ())

    if overrides.per_file_ignores is not None:
        per_file = tuple((_anchor(g, cwd, in_file=False), c) for g, c in overrides.per_file_ignores)
    else:
        per_file = tuple((_anchor(g, root), c) for g, c in cfg.per_file_ignores or ())
    per_file += tuple((_anchor(g, root), c) for g, c in cfg.extend_per_file_ignores or ())
    per_file += tuple((_anchor(g, cwd, in_file=False), c) for g, c in overrides.extend_per_file_ignores)

    return Options(
        settings=settings,
        exclude=exclude,
        force_exclude=_first(overrides.force_exclude, cfg.force_exclude, False),
        per_file_ignores=per_file,
        include=include,
        respect_gitignore=_first(overrides.respect_gitignore, cfg.respect_gitignore, True),
        unsafe_fixes=_first(overrides.unsafe_fixes, cfg.unsafe_fixes, False),
        output_format=_first(overrides.output_format, cfg.output_format, "text"),
        root=root,
        config_path=config.path if config else None,
    )


def _first(*values):
    return next(v for v in values if v is not None)
