"""Which TensorFlow a project admits, read statically from where projects declare it.

EST106 needs one fact about the project being linted: does its declared TensorFlow
requirement let in a release without ``tf.estimator`` (2.16 or later)?  This module reads
the declarations (never installing, importing or executing anything) from the project
directory: the nearest directory at or above the first linted path that holds a
``pyproject.toml``, ``setup.cfg``, ``setup.py`` or ``requirements*.txt``.

* ``pyproject.toml``: ``[project] dependencies`` and each ``[project.optional-dependencies]``
  extra, ``[dependency-groups]`` (PEP 735), Poetry's ``[tool.poetry.dependencies]``, its
  groups and ``dev-dependencies`` (Poetry's ``^``/``~``/``*``/``||`` constraints are
  translated to PEP 440);
* ``requirements*.txt`` and ``requirements/*.txt``: with ``-r`` includes and ``-c``
  constraints (relative to the including file), comments, line continuations, options
  such as ``--hash``, environment markers;
* ``setup.cfg``: ``[options] install_requires`` and ``[options.extras_require]``;
* ``setup.py``: ``install_requires``/``extras_require`` of the ``setup(...)`` call when they
  are literals (or a module-level name bound once to a literal), parsed with ``ast``.

Each way of installing the project is a *route*: the base dependencies, each extra or
group on top of them, each requirements file with its includes and constraints.  In a
route the specifiers for one distribution intersect, as pip intersects them; a
requirement with an environment marker holds only where the marker does, so it is an
alternative of its own (intersected with the unmarked ones).  A route admits the removed
API when one alternative admits a version >= 2.16 (:func:`admits_from`).  EST106 reports
the first route that does: a project that pins TensorFlow in ``requirements.txt`` but
lets ``pip install .`` pull any TensorFlow is still one ``pip install .`` away from the
``AttributeError``.

The distributions that install TensorFlow (``tensorflow``, ``tensorflow-cpu``,
``tensorflow-gpu``, ``tf-nightly``, ``tensorflow-macos``, ``tensorflow-intel``, ...) decide.
``tensorflow-estimator`` does not constrain TensorFlow (TensorFlow depends on it, not the
other way round) but its version follows the TensorFlow line it was made for, so in a
route that names no TensorFlow distribution it is read as that route's TensorFlow line:
``tensorflow-estimator==2.15.*`` is a project on 2.15, an unbounded ``tensorflow-estimator``
one that has not pinned its line.  (No ``tensorflow-estimator`` release exists past
2.15.0, so a specifier that admits only >= 2.16 cannot install at all; it is reported too.)

``target-tensorflow = "2.15"`` in ``[tool.estimator-lint]`` overrides all of this, as
Ruff's ``target-version`` overrides ``requires-python``.
"""

from __future__ import annotations

import ast
import glob
import itertools
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from estimator_lint import tfapi

__all__ = [
    "DECLARATION_FILES",
    "Declaration",
    "Route",
    "Scan",
    "TensorFlowRequirement",
    "admits_from",
    "poetry_specifiers",
    "project_directory",
    "scan_project",
    "search_probes",
    "tensorflow_requirement",
    "parse_target",
]

#: Files whose presence makes a directory the project directory.
DECLARATION_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
REQUIREMENTS_GLOBS = ("requirements*.txt", os.path.join("requirements", "*.txt"))
#: ``-r`` nesting deeper than this is a cycle or a mistake; the include is reported.
MAX_INCLUDE_DEPTH = 20
#: Declaration files larger than this are not read (a requirements file is a few KB).
MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class TensorFlowRequirement:
    """What EST106 reports and what a run's settings (and so its cache key) carry: the
    declaration that lets in a TensorFlow without ``tf.estimator``."""

    #: Where it is declared: ``requirements.txt:3``, ``pyproject.toml`` (for the target).
    where: str
    #: The declaration as written: ``tensorflow>=2.12``, ``target-tensorflow = "2.16"``.
    text: str
    #: Read from ``tensorflow-estimator`` (the route names no TensorFlow distribution).
    via_estimator: bool = False

    def describe(self) -> str:
        return f"`{self.where}: {self.text}`"


@dataclass(frozen=True)
class Declaration:
    """One requirement (or constraint) as a file declares it."""

    #: Canonical distribution name (``tensorflow-cpu``).
    name: str
    #: PEP 440 specifier sets, alternatives (Poetry's ``||``; usually one).
    specifiers: Tuple[str, ...]
    #: The requirement as written (one line, whitespace collapsed).
    text: str
    path: str
    line: int
    marker: Optional[str] = None

    def where(self, root: str) -> str:
        rel = os.path.relpath(self.path, root) if root else self.path
        if rel.startswith(os.pardir):
            rel = self.path
        return f"{rel.replace(os.sep, '/')}:{self.line}"


@dataclass
class Route:
    """One way of installing the project, e.g. ``requirements-dev.txt`` or an extra."""

    name: str
    requirements: List[Declaration] = field(default_factory=list)
    constraints: List[Declaration] = field(default_factory=list)


@dataclass
class Scan:
    """What :func:`scan_project` found."""

    directory: Optional[str]
    routes: List[Route] = field(default_factory=list)
    #: Every path the scan looked at, present or not (the run record's probes).
    looked_at: List[str] = field(default_factory=list)
    #: One line per problem: ``requirements.txt:3: invalid requirement ...``.
    problems: List[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# deciding: does a specifier admit a version without tf.estimator?
# --------------------------------------------------------------------------------------


def _packaging():
    # Imported when a declaration is found: most runs never need it.
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    return Requirement, InvalidRequirement, SpecifierSet, InvalidSpecifier, Version, InvalidVersion, canonicalize_name


def _candidates(specifier, floor) -> List[Any]:
    """Versions >= ``floor`` that decide whether ``specifier`` admits any: ``floor``, a very
    large version, and around every version the specifier names (itself, a post-release,
    one more in each release segment, one more segment).  A specifier is a set of intervals
    with holes (``!=``, ``==X.*``); each interval that reaches past ``floor`` contains one
    of these."""
    _, _, _, _, Version, InvalidVersion, _ = _packaging()
    found = {floor, Version("99999")}
    for spec in specifier:
        text = spec.version[:-2] if spec.version.endswith(".*") else spec.version
        try:
            version = Version(text)
        except InvalidVersion:  # ``===`` with an arbitrary string
            continue
        release = version.release
        base = ".".join(map(str, release))
        steps = [version, Version(base), Version(base + ".post1"), Version(base + ".1"), Version(base + ".0.1")]
        for i in range(len(release)):
            steps.append(Version(".".join(map(str, release[:i] + (release[i] + 1,)))))
        found.update(steps)
    return sorted(v for v in found if v >= floor)


def admits_from(specifier: str, floor: str = tfapi.ESTIMATOR_API_REMOVED_IN, *, nightly: bool = False) -> bool:
    """Whether the PEP 440 ``specifier`` admits a version >= ``floor`` (``"" `` admits all).

    ``~=2.15.0``, ``==2.15.1``, ``<2.16``, ``<=2.15.1`` do not; ``>=2.12``, ``==2.*``, ``!=2.15.0``
    do.  Pre-releases count as PEP 440 says (only if the specifier names one), except for
    nightly distributions, all of whose releases are pre-releases.
    """
    _, _, SpecifierSet, _, Version, _, _ = _packaging()
    spec = SpecifierSet(specifier)
    lowest = Version(f"{floor}.dev0")  # 2.16's pre-releases lack tf.estimator too
    for candidate in _candidates(spec, lowest):
        versions = [candidate]
        if nightly:
            versions.append(Version(f"{candidate.base_version}.dev20240101"))
        if any(spec.contains(v, prereleases=nightly or None) for v in versions):
            return True
    return False


def _intersect(specifiers: Iterable[str]) -> str:
    return ",".join(s for s in specifiers if s)


def _route_verdict(route: Route) -> Optional[Tuple[Declaration, bool]]:
    """(the declaration to name, read from tensorflow-estimator) if ``route`` admits >= 2.16."""
    tf = [d for d in route.requirements if d.name in tfapi.TENSORFLOW_DISTRIBUTIONS]
    via_estimator = not tf
    pool = tf or [d for d in route.requirements if d.name == tfapi.ESTIMATOR_DISTRIBUTION]
    for name in dict.fromkeys(d.name for d in pool):
        mine = [d for d in pool if d.name == name]
        unmarked = [d for d in mine if not d.marker]
        constraints = [c for c in route.constraints if c.name == name and not c.marker]
        alternatives = ([unmarked] if unmarked else []) + [unmarked + [d] for d in mine if d.marker]
        for group in alternatives:
            for choice in itertools.product(*(d.specifiers for d in group + constraints)):
                if admits_from(_intersect(choice), nightly=name in tfapi.NIGHTLY_DISTRIBUTIONS):
                    named = group[-1] if group[-1].marker else group[0]
                    return named, via_estimator
    return None


def parse_target(value: str) -> str:
    """A ``target-tensorflow`` value, checked (``"2.15"``); ``ValueError`` says why not."""
    _, _, _, _, Version, InvalidVersion, _ = _packaging()
    try:
        Version(value)
    except InvalidVersion:
        raise ValueError(f"invalid TensorFlow version {value!r} (expected something like \"2.15\")") from None
    return value.strip()


def tensorflow_requirement(
    scan: Optional[Scan], target: Optional[str] = None, target_where: str = "pyproject.toml"
) -> Optional[TensorFlowRequirement]:
    """The declaration that admits a TensorFlow without ``tf.estimator``, or None (none
    admits one, or the project declares no TensorFlow).  ``target`` (``target-tensorflow``)
    decides alone when set."""
    if target is not None:
        _, _, _, _, Version, _, _ = _packaging()
        if Version(target) >= Version(tfapi.ESTIMATOR_API_REMOVED_IN):
            return TensorFlowRequirement(target_where, f'target-tensorflow = "{target}"')
        return None
    if scan is None:
        return None
    for route in scan.routes:
        verdict = _route_verdict(route)
        if verdict is not None:
            declaration, via_estimator = verdict
            return TensorFlowRequirement(declaration.where(scan.directory or ""), declaration.text, via_estimator)
    return None


# --------------------------------------------------------------------------------------
# finding the project and its files
# --------------------------------------------------------------------------------------


def _requirement_files(directory: str) -> List[str]:
    found: List[str] = []
    for pattern in REQUIREMENTS_GLOBS:
        found.extend(sorted(glob.glob(os.path.join(glob.escape(directory), pattern))))
    # requirements.txt first: the file most projects install from.
    return sorted(dict.fromkeys(found), key=lambda p: (os.path.basename(p) != "requirements.txt", p))


def project_directory(start: str) -> Optional[str]:
    """The nearest directory at or above ``start`` that declares requirements, or None."""
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        if any(os.path.isfile(os.path.join(directory, name)) for name in DECLARATION_FILES) or _requirement_files(
            directory
        ):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def search_probes(start: str) -> List[str]:
    """What :func:`project_directory` looks at, for the run record: the declaration files it
    looks for in each directory up to the one it settles on, and that directory itself (its
    stat changes when a ``requirements*.txt`` is added to it).  A ``requirements-*.txt``
    added to a directory below it that has no other declaration is not noticed by a replay."""
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    settled = project_directory(directory)
    found = []
    while True:
        found.extend(os.path.join(directory, name) for name in (*DECLARATION_FILES, "requirements.txt"))
        if directory == settled:
            found.append(directory)
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return found


class _Reader:
    """Collects routes and problems for one project directory."""

    def __init__(self, directory: str) -> None:
        self.scan = Scan(directory)

    @staticmethod
    def canonical(name: str) -> str:
        """PEP 503's normalised name (what ``packaging.utils.canonicalize_name`` returns),
        without importing packaging for the names that are not TensorFlow's."""
        return re.sub(r"[-_.]+", "-", name).lower()

    def display(self, path: str) -> str:
        rel = os.path.relpath(path, self.scan.directory)
        return path if rel.startswith(os.pardir) else rel.replace(os.sep, "/")

    def problem(self, path: str, line: Optional[int], message: str) -> None:
        where = self.display(path) + (f":{line}" if line else "")
        self.scan.problems.append(f"{where}: {message}")

    def read_text(self, path: str) -> Optional[str]:
        self.scan.looked_at.append(path)
        try:
            # Non-blocking, and checked on the open descriptor: a FIFO named requirements.txt
            # must not hang the run, nor a device behind a symlink fill the memory.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    self.problem(path, None, "not read: not a regular file")
                    return None
                if st.st_size > MAX_FILE_BYTES:
                    self.problem(path, None, f"not read: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
                    return None
                with os.fdopen(fd, "rb") as handle:
                    fd = -1
                    data = handle.read(MAX_FILE_BYTES + 1)
            finally:
                if fd >= 0:
                    os.close(fd)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.problem(path, None, f"cannot read: {exc.strerror or exc}")
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.problem(path, None, f"cannot read: not UTF-8 at byte {exc.start}")
            return None

    def requirement(self, text: str, path: str, line: int, *, quiet: bool = False) -> Optional[Declaration]:
        """A PEP 508 requirement string of a TensorFlow distribution (or tensorflow-estimator),
        else None; an unreadable one is reported unless ``quiet``.  Other packages are not
        parsed: this is no requirements linter, and packaging's import is spared."""
        text = " ".join(text.split())
        if not _TENSORFLOW_NAME.match(text):
            return None
        Requirement, InvalidRequirement, _, _, _, _, _ = _packaging()
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            if not quiet:
                self.problem(path, line, f"invalid requirement {text!r}: {str(exc).splitlines()[0]}")
            return None
        return Declaration(
            self.canonical(req.name), (str(req.specifier),), text, path, line, str(req.marker) if req.marker else None
        )


#: A requirement that starts with the name of a distribution EST106 reads.
_TENSORFLOW_NAME = re.compile(
    "(?:"
    + "|".join(
        re.sub(r"-", "[-_.]+", name)
        for name in sorted(tfapi.TENSORFLOW_DISTRIBUTIONS | {tfapi.ESTIMATOR_DISTRIBUTION}, key=len, reverse=True)
    )
    + r")\s*(?:[\[(<>=!~;@]|$)",
    re.IGNORECASE,
)


def _line_of(text: str, needle: str, start: int = 0) -> int:
    """1-based line of the first ``needle`` in ``text`` (at or after offset ``start``), else 1."""
    at = text.find(needle, start)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


# -- requirements files ----------------------------------------------------------------

_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTION = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^-\s]))(\S+)")


def _logical_lines(text: str) -> Iterable[Tuple[int, str]]:
    """(first line number, text) of each logical line: comments dropped, ``\\`` joined."""
    pending: List[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", raw)
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield start, " ".join(pending).strip()
        pending = []
    if pending:
        yield start, " ".join(pending).strip()


def _read_requirements(reader: _Reader, path: str, route: Route, depth: int, constraint: bool, seen: set) -> None:
    real = os.path.realpath(path)
    if real in seen:
        return
    seen.add(real)
    text = reader.read_text(path)
    if text is None:
        if not os.path.exists(path):
            reader.problem(path, None, "included file does not exist")
        return
    directory = os.path.dirname(path)
    for number, line in _logical_lines(text):
        if not line:
            continue
        option = _OPTION.match(line)
        if option:
            flag, target = option.groups()
            nested = os.path.join(directory, target)
            if depth >= MAX_INCLUDE_DEPTH:
                reader.problem(path, number, f"includes nested deeper than {MAX_INCLUDE_DEPTH}: {target} not read")
                continue
            as_constraint = constraint or flag in ("-c", "--constraint")
            _read_requirements(reader, nested, route, depth + 1, as_constraint, seen)
            continue
        if line.startswith("-"):
            continue  # -e, -i, --index-url, --hash on its own line, ...: not a requirement
        # pip's own split: the requirement runs up to the first option (``--hash=...``).
        words = line.split()
        cut = next((i for i, word in enumerate(words) if word.startswith("-")), len(words))
        requirement = " ".join(words[:cut])
        if not requirement or re.match(r"^(\.|/|[a-z][a-z0-9+.-]*://|[A-Za-z]:\\)", requirement) or (
            requirement.endswith((".whl", ".tar.gz", ".zip")) and "@" not in requirement
        ):
            continue  # a path or a URL: nothing we can read a version from
        declaration = reader.requirement(requirement, path, number)
        if declaration is not None:
            (route.constraints if constraint else route.requirements).append(declaration)


# -- pyproject.toml -------------------------------------------------------------------


def _toml(reader: _Reader, path: str) -> Optional[Dict[str, Any]]:
    text = reader.read_text(path)
    if text is None:
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    try:
        return {"": text, **tomllib.loads(text)}
    except tomllib.TOMLDecodeError as exc:
        reader.problem(path, None, f"cannot parse TOML: {exc}")
        return None


def _pep508_list(reader: _Reader, path: str, text: str, values: Any, where: str) -> List[Declaration]:
    if not isinstance(values, list):
        reader.problem(path, None, f"{where} must be an array of strings")
        return []
    found = []
    for value in values:
        if isinstance(value, str):
            line = _line_of(text, f'"{value}"') if f'"{value}"' in text else _line_of(text, f"'{value}'")
            declaration = reader.requirement(value, path, line)
            if declaration is not None:
                found.append(declaration)
    return found


def _pyproject_routes(reader: _Reader, path: str) -> List[Route]:
    document = _toml(reader, path)
    if document is None:
        return []
    text = document.pop("")
    name = reader.display(path)
    routes: List[Route] = []
    project = document.get("project")
    if isinstance(project, dict):
        base = _pep508_list(reader, path, text, project.get("dependencies", []), "[project] dependencies")
        routes.append(Route(f"{name} [project] dependencies", base))
        extras = project.get("optional-dependencies", {})
        if isinstance(extras, dict):
            for extra, values in extras.items():
                more = _pep508_list(reader, path, text, values, f"[project.optional-dependencies] {extra}")
                routes.append(Route(f"{name} extra {extra}", base + more))
    groups = document.get("dependency-groups")
    if isinstance(groups, dict):
        base = routes[0].requirements if routes else []
        for group, values in groups.items():
            strings = [v for v in values if isinstance(v, str)] if isinstance(values, list) else values
            more = _pep508_list(reader, path, text, strings, f"[dependency-groups] {group}")
            routes.append(Route(f"{name} group {group}", base + more))
    poetry = document.get("tool", {}).get("poetry") if isinstance(document.get("tool"), dict) else None
    if isinstance(poetry, dict):
        main = _poetry_table(reader, path, text, poetry.get("dependencies"), "tool.poetry.dependencies")
        routes.append(Route(f"{name} [tool.poetry.dependencies]", main))
        tables = [("dev-dependencies", poetry.get("dev-dependencies"), "tool.poetry.dev-dependencies")]
        if isinstance(poetry.get("group"), dict):
            tables += [(group, table.get("dependencies"), f"tool.poetry.group.{group}.dependencies")
                       for group, table in poetry["group"].items() if isinstance(table, dict)]
        for group, table, header in tables:
            if table is not None:
                more = _poetry_table(reader, path, text, table, header)
                routes.append(Route(f"{name} Poetry group {group}", main + more))
    return routes


def _poetry_table(reader: _Reader, path: str, text: str, table: Any, header: str) -> List[Declaration]:
    if not isinstance(table, dict):
        return []
    # Lines are found after the table's header (the same name may sit in several tables).
    anchor = max(text.find(f"[{header}]"), 0)
    found = []
    for raw_name, value in table.items():
        name = reader.canonical(raw_name)
        if name not in tfapi.TENSORFLOW_DISTRIBUTIONS and name != tfapi.ESTIMATOR_DISTRIBUTION:
            continue  # python = "^3.9" and every other package: not ours to validate
        line = _line_of(text, f"\n{raw_name}", anchor) + 1 if text.find(f"\n{raw_name}", anchor) >= 0 else 1
        for entry in value if isinstance(value, list) else [value]:
            constraint = entry if isinstance(entry, str) else entry.get("version") if isinstance(entry, dict) else None
            if constraint is None:
                continue  # a path, git or url dependency: no version to read
            marked = isinstance(entry, dict) and (entry.get("markers") or entry.get("python") or entry.get("platform"))
            try:
                specifiers = poetry_specifiers(constraint)
            except ValueError as exc:
                reader.problem(path, line, f"invalid Poetry constraint for {raw_name}: {exc}")
                continue
            shown = f"{raw_name} = {constraint!r}" if isinstance(entry, str) else f"{raw_name} = {{version = {constraint!r}, ...}}"
            found.append(Declaration(name, specifiers, shown.replace("'", '"'), path, line, str(marked) if marked else None))
    return found


def _poetry_one(part: str) -> str:
    """One Poetry constraint (``^2.12``, ``~2.12``, ``2.15.*``, ``>=2.12``, ``2.15.1``) as PEP 440."""
    part = part.strip()
    if part in ("", "*"):
        return ""
    if part.startswith("^") or (part.startswith("~") and not part.startswith("~=")):
        version = part[1:].strip()
        numbers = [int(n) for n in re.findall(r"\d+", version.split("-")[0].split("a")[0].split("b")[0].split("rc")[0])]
        if not numbers or not re.match(r"^\d+(\.\d+)*", version):
            raise ValueError(f"cannot read {part!r}")
        if part.startswith("^"):
            index = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
        else:
            index = min(1, len(numbers) - 1) if len(numbers) > 1 else 0
        upper = numbers[:index] + [numbers[index] + 1]
        return f">={version},<{'.'.join(map(str, upper))}"
    if re.match(r"^\d", part):
        return f"=={part}"
    if part.startswith("="):
        return "=" + part if not part.startswith("==") else part
    return part


def poetry_specifiers(constraint: str) -> Tuple[str, ...]:
    """A Poetry version constraint as PEP 440 specifier sets, one per ``||`` alternative."""
    _, _, SpecifierSet, InvalidSpecifier, _, _, _ = _packaging()
    found = []
    for alternative in constraint.split("||"):
        parts = [p for p in re.split(r"\s*,\s*|\s+(?=[<>=!~^\d*])", alternative.strip()) if p.strip()]
        specifier = _intersect(_poetry_one(p) for p in parts)
        try:
            SpecifierSet(specifier)
        except InvalidSpecifier as exc:
            raise ValueError(str(exc)) from None
        found.append(specifier)
    return tuple(found) or ("",)


# -- setup.cfg and setup.py -----------------------------------------------------------


def _setup_cfg_routes(reader: _Reader, path: str) -> List[Route]:
    text = reader.read_text(path)
    if text is None:
        return []
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        reader.problem(path, None, f"cannot parse: {' '.join(str(exc).split())}")
        return []
    name = reader.display(path)

    def declarations(value: str, anchor: int) -> List[Declaration]:
        found = []
        for item in value.replace(";", "\0").splitlines() if value else []:
            item = item.replace("\0", ";").strip()
            if not item or item.startswith("#") or item.startswith("file:"):
                continue
            declaration = reader.requirement(item, path, _line_of(text, item, anchor))
            if declaration is not None:
                found.append(declaration)
        return found

    base = declarations(parser.get("options", "install_requires", fallback=""), text.find("install_requires"))
    routes = [Route(f"{name} [options] install_requires", base)]
    if parser.has_section("options.extras_require"):
        anchor = text.find("[options.extras_require]")
        for extra, value in parser.items("options.extras_require"):
            routes.append(Route(f"{name} extra {extra}", base + declarations(value, anchor)))
    return routes


def _setup_py_routes(reader: _Reader, path: str) -> List[Route]:
    text = reader.read_text(path)
    if text is None:
        return []
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reader.problem(path, getattr(exc, "lineno", None), "cannot parse (install_requires not read)")
        return []
    # Module-level names bound once, to a literal: REQUIRED_PACKAGES = [...]
    bound: Dict[str, List[ast.AST]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, []).append(stmt.value)

    def literal(node: Optional[ast.AST]) -> Optional[ast.AST]:
        if isinstance(node, ast.Name) and len(bound.get(node.id, ())) == 1:
            node = bound[node.id][0]
        return node if isinstance(node, (ast.List, ast.Tuple, ast.Dict)) else None

    def strings(node: Optional[ast.AST]) -> List[Declaration]:
        node = literal(node)
        found = []
        for element in node.elts if isinstance(node, (ast.List, ast.Tuple)) else []:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                declaration = reader.requirement(element.value, path, element.lineno)
                if declaration is not None:
                    found.append(declaration)
        return found

    name = reader.display(path)
    routes: List[Route] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if called != "setup":
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        base = strings(keywords.get("install_requires"))
        routes.append(Route(f"{name} install_requires", base))
        extras = literal(keywords.get("extras_require"))
        if isinstance(extras, ast.Dict):
            for key, value in zip(extras.keys, extras.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    routes.append(Route(f"{name} extra {key.value}", base + strings(value)))
    return routes


def scan_project(directory: Optional[str]) -> Scan:
    """Every route of the project in ``directory`` (see the module docstring)."""
    if directory is None:
        return Scan(None)
    reader = _Reader(directory)
    reader.scan.looked_at.append(directory)
    routes = reader.scan.routes
    routes.extend(_pyproject_routes(reader, os.path.join(directory, "pyproject.toml")))
    routes.extend(_setup_cfg_routes(reader, os.path.join(directory, "setup.cfg")))
    routes.extend(_setup_py_routes(reader, os.path.join(directory, "setup.py")))
    requirements_dir = os.path.join(directory, "requirements")
    if os.path.isdir(requirements_dir):
        reader.scan.looked_at.append(requirements_dir)
    for path in _requirement_files(directory):
        route = Route(reader.display(path))
        _read_requirements(reader, path, route, 0, False, set())
        routes.append(route)
    reader.scan.looked_at = list(dict.fromkeys(reader.scan.looked_at))
    return reader.scan

