"""The project index: classes, their bases and re-exports across all files of a run.

Built in a first, cheap pass, before any file is analysed:

1. every file's text is searched for the prefilter words (``Estimator``, ``model_fn``,
   the canned estimator names, configured bases);
2. class headers (``class X(...):``) whose bases mention a word make ``X`` a word too, and
   the search is repeated until no new word appears (a fixed point): a file that derives
   from ``BaseEstimator`` defined elsewhere is found although it never says "Estimator";
3. only the files that define such classes, or alias a word at module level
   (``Base = BaseEstimator``), are parsed (``ast``), to record each class's bases and each
   alias as resolved dotted names; re-exports (``from .base import BaseEstimator`` in an
   ``__init__.py``, star imports) are read from the import lines of the other candidates.

Files that mention no word cannot hold a finding and are never parsed.  The index answers
the analysis's questions about classes of other modules (:class:`ClassResolver`).
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from estimator_lint import tfapi
from estimator_lint.analysis.imports import ImportTable, module_aliases
from estimator_lint.analysis.model import SAME_KEYS_AS

# The text scans run on b"\n" + data: a pattern starting with a literal newline lets the
# regex engine jump from newline to newline instead of trying every position.
_CLASS_HEADER = re.compile(rb"\n[ \t]*class[ \t]+(\w+)[ \t]*\((.*?)\)[ \t]*:", re.S)
_ALIAS = re.compile(rb"\n(\w+)[ \t]*=[ \t]*([\w.]+)[ \t]*(?:#[^\r\n]*)?(?=\r?\n|\Z)")
_IMPORT_FROM = re.compile(rb"\n[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)")
#: An import statement's names: ``import a as b`` / ``from m import (x as y, ...)``.
_IMPORT_NAMES = re.compile(rb"\n[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(\([^)]*\)|[^\n]*)")
_WORD = re.compile(rb"\w+")
#: ``import ... Base as B`` (and ``from x import Base as B``): ``B`` stands for ``Base``.
_AS = re.compile(rb"\b(\w+)[ \t]+as[ \t]+(\w+)")
#: ``import a.b`` / ``import a.b as c`` (one module a line).
_IMPORT_MODULE = re.compile(rb"\n[ \t]*import[ \t]+([\w.]+)(?:[ \t]+as[ \t]+(\w+))?[ \t]*(?:#[^\n]*)?(?=\n|\Z)")
#: ``model_fn=model.model_fn``: a method of an object handed to an Estimator.
# Both start with a literal (the word boundary before it is checked by _word_matches):
# re finds a literal prefix about ten times faster than one behind ``\b``.
_PASSED_METHOD = re.compile(rb"model_fn[ \t]*=[ \t]*([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b(?![ \t]*[(.\[])")
#: ``model_fn=Net(...).model_fn``: a method of an instance built in the argument itself.
_PASSED_INSTANCE_METHOD = re.compile(
    rb"model_fn[ \t]*=[ \t]*([A-Za-z_][\w.]*)[ \t]*\([^()\n]*\)[ \t]*\.[ \t]*([A-Za-z_]\w*)\b(?![ \t]*[(.\[])"
)


#: Bytes of not-yet-candidate files kept between rounds of the fixed point; beyond, they
#: are read again (from the page cache) when a later round screens them.
MAX_HELD_BYTES = 4 * 1024 * 1024


def module_name(path: str, packages: Optional[Dict[str, str]] = None) -> Tuple[str, str]:
    """(module, package) of a file from the ``__init__.py`` files around it; ``packages``
    remembers the package of each directory (the files of one directory share it)."""
    from estimator_lint.source import package_of

    stem = os.path.basename(path).rsplit(".", 1)[0]
    if packages is None:
        package = package_of(path) or ""
    else:
        directory = os.path.dirname(path)
        package = packages.get(directory)
        if package is None:
            package = packages[directory] = package_of(path) or ""
    if stem == "__init__":
        return package or stem, package
    return (f"{package}.{stem}" if package else stem), package


class AbsolutePaths(dict):
    """``os.path.abspath`` of each path, made once: the index's fields share their paths."""

    def __missing__(self, path: str) -> str:
        absolute = self[path] = os.path.abspath(path)
        return absolute


@dataclass
class ClassEntry:
    qualname: str
    name: str
    path: str
    bases: List[str]
    methods: Set[str] = field(default_factory=set)


@dataclass
class ProjectIndex:
    """Answers "is this dotted name an Estimator class, and through which chain?"."""

    classes: Dict[str, ClassEntry] = field(default_factory=dict)
    #: ``module.name`` -> the dotted name it was imported from (re-exports).
    aliases: Dict[str, str] = field(default_factory=dict)
    #: module -> modules it star-imports.
    stars: Dict[str, List[str]] = field(default_factory=dict)
    #: path -> (module, package).
    modules: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    #: Files that can hold a finding (passed the prefilter at the fixed point).
    candidates: Set[str] = field(default_factory=set)
    #: The words of the fixed point (prefilter words plus derived class names).
    words: Tuple[str, ...] = ()
    #: Class qualname -> attributes EST102 found captured (from the defining files).
    captured: Dict[str, List[str]] = field(default_factory=dict)
    #: Module names that two or more files share: each such file is indexed under
    #: ``name@tag`` (:func:`root_tag` of its import root), and an import of ``name`` means
    #: the one under the importer's own root, where Python would find it first.
    ambiguous: Set[str] = field(default_factory=set)
    #: Files defining classes derived from an Estimator word (parsed for the index).
    defining: Set[str] = field(default_factory=set)
    #: (class qualname, attribute) captured in one file and possibly read in another.
    external_reads: Set[Tuple[str, str]] = field(default_factory=set)
    #: Module-level model_fn (or Estimator class, for the model_fn its constructor passes)
    #: qualname -> the keys of its PREDICT ``predictions`` (EST105).
    model_fn_keys: Dict[str, List[str]] = field(default_factory=dict)
    #: Candidates that build an ``EstimatorSpec`` (may define a model_fn others import).
    spec_files: Set[str] = field(default_factory=set)
    #: Class qualname -> methods another module hands to an Estimator as its model_fn
    #: (``model = Model(); Estimator(model_fn=model.model_fn)``): their ``self`` outlives
    #: the graph in the class's own file too.
    passed_methods: Dict[str, List[str]] = field(default_factory=dict)
    #: While set, files linted with this index log the answers they got about what the
    #: lint pass learns (captures, PREDICT keys): see :meth:`still_answers`.
    record_fact_queries: bool = field(default=False, repr=False)
    _chains: Dict[str, Optional[List[str]]] = field(default_factory=dict, repr=False)
    _locals: Optional[Set[str]] = field(default=None, repr=False)
    _subclasses: Optional[Dict[str, List[ClassEntry]]] = field(default=None, repr=False)

    # -- one module name, several files ---------------------------------------------

    def localize(self, qualname: Optional[str], tag: Optional[str]) -> Optional[str]:
        """``qualname`` as seen from files under the import root ``tag``: a name in an
        ambiguous module becomes the one of that root (unchanged when there is none)."""
        if not qualname or not tag or not self.ambiguous or "@" in qualname:
            return qualname
        parts = qualname.split(".")
        for end in range(len(parts), 0, -1):  # the longest module prefix decides
            module = ".".join(parts[:end])
            if module in self.ambiguous:
                local = f"{module}@{tag}"
                if local in self._local_modules():
                    return local + qualname[len(module):]
        return qualname

    def _local_modules(self) -> Set[str]:
        if self._locals is None:
            self._locals = {m for m, _ in self.modules.values() if "@" in m}
        return self._locals

    def for_file(self, path: str):
        """The index as ``path`` sees it (itself, unless module names are shared); while
        :attr:`record_fact_queries` is set, a :class:`FactLog` of the answers it gives."""
        view = self._view(path)
        return FactLog(view) if self.record_fact_queries else view

    def _view(self, path: str):
        if not self.ambiguous or path not in self.modules:
            return self
        module, package = self.modules[path]
        return _FileView(self, root_tag(path, package))

    def learnt_facts(self) -> tuple:
        """What a project run learns while it lints, after the index pass (captures, keys,
        the reads of captures elsewhere, and whether fact questions are logged): a worker
        process started earlier holds an older state of it (:class:`estimator_lint.runner.Workers`)."""
        return (self.record_fact_queries, self.captured, self.model_fn_keys, self.external_reads)

    def take_learnt_facts(self, facts: tuple) -> None:
        """The state of :meth:`learnt_facts` another process's index holds."""
        self.record_fact_queries, self.captured, self.model_fn_keys, self.external_reads = facts

    def still_answers(self, path: str, queries: Sequence[Tuple[str, Tuple[str, ...], object]]) -> bool:
        """Whether the fact questions a file asked (:class:`FactLog`) get the same answers
        now: then its lint result stands, whatever else the project index learnt since."""
        view = self._view(path)
        return all(FactLog.answer(view, name, *args) == answer for name, args, answer in queries)

    # -- the ClassResolver protocol ---------------------------------------------------

    def canonical(self, qualname: str, known: Optional[Dict[str, object]] = None) -> str:
        """``qualname`` followed through re-exports and star imports to where it is defined
        (in ``known``: the classes by default)."""
        known = self.classes if known is None else known
        seen = set()
        while qualname not in known and qualname not in seen:
            seen.add(qualname)
            if qualname in self.aliases:
                qualname = self.aliases[qualname]
                continue
            module, _, name = qualname.rpartition(".")
            for star in self.stars.get(module, ()):
                if f"{star}.{name}" in known or f"{star}.{name}" in self.aliases:
                    qualname = f"{star}.{name}"
                    break
            else:
                break
        return qualname

    def estimator_chain(self, qualname: str) -> Optional[List[str]]:
        qualname = self.canonical(qualname)
        if qualname not in self.classes and tfapi.is_estimator_qualname(qualname):
            # Another module's ``BaseEstimator = tf.estimator.Estimator``: TF's class itself.
            return [tfapi.display_qualname(qualname)]
        if qualname in self._chains:
            return self._chains[qualname]
        self._chains[qualname] = None  # cycle guard
        entry = self.classes.get(qualname)
        result: Optional[List[str]] = None
        if entry is not None:
            for base in entry.bases:
                if tfapi.is_estimator_qualname(base):
                    result = [self._label(entry), tfapi.display_qualname(base)]
                    break
                sub = self.estimator_chain(base)
                if sub:
                    result = [self._label(entry), *sub]
                    break
        self._chains[qualname] = result
        return result

    def subclasses_of(self, qualname: str, outside: Optional[str] = None) -> List[str]:
        """Labels of the project's classes deriving directly from ``qualname`` (those of
        module ``outside`` left out: the file itself knows its own)."""
        if self._subclasses is None:
            self._subclasses = {}
            for entry in self.classes.values():
                for base in entry.bases:
                    self._subclasses.setdefault(self.canonical(base), []).append(entry)
        return [
            self._label(entry)
            for entry in self._subclasses.get(self.canonical(qualname), [])
            if entry.qualname.rpartition(".")[0] != outside
        ]

    def captured_attributes(self, qualname: str) -> List[str]:
        return self.captured.get(self.canonical(qualname), [])

    def descendants(self, qualname: str) -> List[ClassEntry]:
        """The project's classes deriving from ``qualname``, directly or not."""
        self.subclasses_of(qualname)  # builds the relation
        assert self._subclasses is not None
        found: List[ClassEntry] = []
        todo, seen = [self.canonical(qualname)], set()
        while todo:
            qual = todo.pop()
            for entry in self._subclasses.get(qual, ()):
                if entry.qualname not in seen:
                    seen.add(entry.qualname)
                    found.append(entry)
                    todo.append(entry.qualname)
        return found

    def inherited_captures(self, qualname: str) -> List[Tuple[str, str]]:
        """(attribute, capturing class) for every capture an instance of ``qualname`` has:
        its own and those of its project bases, nearest first (``obj = Sub()`` where a base
        in another module captures ``self.x``)."""
        found: List[Tuple[str, str]] = []
        names: Set[str] = set()
        todo, seen = [self.canonical(qualname)], set()
        while todo:
            qual = todo.pop(0)
            if qual in seen:
                continue
            seen.add(qual)
            for attr in self.captured.get(qual, ()):
                if attr not in names:
                    names.add(attr)
                    found.append((attr, qual))
            entry = self.classes.get(qual)
            if entry is not None:
                todo.extend(self.canonical(base) for base in entry.bases)
        return found

    def passed_methods_of(self, qualname: str) -> List[str]:
        return self.passed_methods.get(qualname, [])

    def read_elsewhere(self, qualname: str, attr: str) -> bool:
        """Whether another module may read the attribute ``attr`` that class ``qualname`` captures."""
        return (qualname, attr) in self.external_reads

    def prediction_keys(self, qualname: str) -> Optional[Tuple[str, List[str]]]:
        """(qualname where defined, PREDICT keys) of a model_fn of another module, if known."""
        where = self.canonical(qualname, self.model_fn_keys)
        keys = self.model_fn_keys.get(where)
        seen = {where}
        # A class whose constructor installs another module's model_fn: that one's keys.
        while keys is not None and len(keys) == 1 and keys[0].startswith(SAME_KEYS_AS):
            target = self.canonical(keys[0][len(SAME_KEYS_AS):], self.model_fn_keys)
            if target in seen:
                return None
            seen.add(target)
            keys = self.model_fn_keys.get(target)
        return (where, keys) if keys is not None else None

    @staticmethod
    def _label(entry: ClassEntry) -> str:
        return f"{entry.name} ({os.path.relpath(entry.path)})"

    def digest(self) -> str:
        """A stable fingerprint of everything the index says (part of cache keys): every
        field the analysis can ask about -- classes with their files, bases and methods,
        aliases, star imports, module names, shared module names, words, the defining and
        spec files, captures, external reads, model_fn keys, methods handed on.  A field
        left out here would let a cached result outlive an edit that changes it."""
        h = hashlib.sha256()

        def feed(tag: str, value) -> None:
            # Module names come from file names, which need not be UTF-8.
            h.update(f"{tag}{value!r}\n".encode("utf-8", "surrogateescape"))

        absolute_path = AbsolutePaths().__getitem__
        for qual in sorted(self.classes):
            entry = self.classes[qual]
            feed("class", (qual, entry.name, absolute_path(entry.path), entry.bases, sorted(entry.methods)))
        feed("aliases", sorted(self.aliases.items()))
        feed("stars", sorted((m, list(s)) for m, s in self.stars.items()))
        feed("modules", sorted((absolute_path(p), tuple(m)) for p, m in self.modules.items()))
        feed("ambiguous", sorted(self.ambiguous))
        feed("words", sorted(self.words))
        for name in ("candidates", "defining", "spec_files"):
            feed(name, sorted(absolute_path(p) for p in getattr(self, name)))
        feed("captured", sorted((c, list(a)) for c, a in self.captured.items()))
        feed("external_reads", sorted(self.external_reads))  # decides which fixes are safe
        feed("model_fn_keys", sorted((f, list(k)) for f, k in self.model_fn_keys.items()))
        feed("passed_methods", sorted((c, list(m)) for c, m in self.passed_methods.items()))
        return h.hexdigest()[:16]


# --------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------


def _read_file(path: str) -> Optional[bytes]:
    """The file's bytes; never blocks on a FIFO or reads a device (the lint pass reports those)."""
    from estimator_lint.source import read_code_bytes

    try:
        return read_code_bytes(path)  # a notebook's code cells
    except (OSError, ValueError):
        return None


def build_index(
    paths: Sequence[str],
    words: Sequence[str],
    screen: Optional[Callable[[bytes, Tuple[str, ...]], bool]] = None,
    everything: bool = False,
    read: Optional[Callable[[str], Optional[bytes]]] = None,
    parsed=None,
    jobs: int = 1,
) -> ProjectIndex:
    """Build the index of ``paths`` (see the module docstring for the passes).

    ``screen(data, words)`` decides whether a file's bytes mention one of ``words`` where
    it matters (the engine passes its comment- and string-aware prefilter); by default a
    plain substring test.  With ``everything`` every readable file is a candidate (the
    prefilter switched off).  ``read(path)`` gives a file's bytes (None: unreadable); by
    default they are read from disk (an editor passes its unsaved texts over them).
    ``parsed``: a :class:`estimator_lint.source.ParsedFiles` that keeps the candidates'
    bytes and the trees parsed here for the passes after this one.  ``jobs``: with more
    than one, the files whose trees ``parsed`` will not keep are parsed by as many forked
    workers (their facts only come back) while this process parses the others.
    """
    _read = read or _read_file
    index = ProjectIndex()
    if screen is None:
        screen = lambda data, ws: any(w.encode() in data for w in ws)  # noqa: E731
    word_set: Set[str] = set(words)
    facts: Dict[str, _TextFacts] = {}
    # Files that did not pass the screen yet, with their bytes while a budget allows
    # (None: read again if a later round needs them): memory does not grow with the tree.
    pending: Dict[str, Optional[bytes]] = {}
    held = 0
    unreadable: Set[str] = set()
    new_words = tuple(sorted(word_set))

    def admit(path: str, data: bytes) -> None:
        index.candidates.add(path)
        if parsed is not None:
            parsed.hold(path, data)
        facts[path] = _TextFacts.of(data)
        if b"EstimatorSpec" in data:
            index.spec_files.add(path)

    for path in paths:
        data = _read(path)
        if data is None:
            index.candidates.add(path)  # let the lint pass report the read error
            unreadable.add(path)
        elif everything or screen(data, new_words):
            admit(path, data)
        else:
            keep = held + len(data) <= MAX_HELD_BYTES
            held += len(data) if keep else 0
            pending[path] = data if keep else None
    defining: Set[str] = set()
    # Files with ``X = word`` at module level (``BaseEstimator = tf.estimator.Estimator``):
    # parsed like the defining ones, so that the alias resolves through their imports.
    aliasing: Set[str] = set()
    first_round = True
    while new_words:
        if not first_round:  # the first round was screened while reading
            for path in list(pending):
                data = pending[path]
                if data is None:
                    data = _read(path)
                if data is not None and screen(data, new_words):
                    del pending[path]
                    admit(path, data)
        first_round = False
        # Words make more words, in every candidate (a new word can make an older
        # candidate's line relevant): ``X = word`` and ``import word as X`` aliases, and
        # class headers naming a word, whose class then is a word too.
        found: Set[str] = set()
        grown = True
        while grown:
            known = word_set | found
            before = len(found)
            for path, fact in facts.items():
                for name, tokens in fact.aliases:
                    if tokens & known:
                        aliasing.add(path)
                        if name not in known:
                            found.add(name)
                for name, alias in fact.as_pairs:
                    if name in known and alias not in known:
                        found.add(alias)
                for name, tokens in fact.headers:
                    if tokens & known:
                        defining.add(path)
                        if name not in known:
                            found.add(name)
            grown = len(found) > before
        new_words = tuple(sorted(found - word_set))
        word_set |= found
    index.words = tuple(sorted(word_set))
    index.defining = set(defining)

    if parsed is not None:  # the lint pass reads these files too (their noqa, their digest)
        for path, data in pending.items():
            if data is not None:
                parsed.hold(path, data)
    del pending
    packages: Dict[str, str] = {}
    for path in sorted(index.candidates - unreadable):
        if path.lower().endswith(".ipynb"):
            continue  # a notebook is linted with the index, but no module imports it
        module, package = module_name(path, packages)
        index.modules[path] = (module, package)
    counts: Dict[str, int] = {}
    for module, _ in index.modules.values():
        counts[module] = counts.get(module, 0) + 1
    # Two files with one module name (``train.py`` in two experiment folders): each is
    # indexed under its import root, and imports resolve to the importer's own root.
    index.ambiguous = {m for m, n in counts.items() if n > 1}
    tags: Dict[str, str] = {}
    if index.ambiguous:
        for path, (module, package) in list(index.modules.items()):
            tags[path] = root_tag(path, package)
            if module in index.ambiguous:
                index.modules[path] = (f"{module}@{tags[path]}", package)
    # The files that define (or alias) classes are parsed: their facts first (some by
    # workers, see _FactsElsewhere), then every file's, in order, go into the index.
    parsed_files = [
        (path, module, package, tags.get(path))
        for path, (module, package) in sorted(index.modules.items())
        if path in defining or path in aliasing
    ]
    elsewhere = _FactsElsewhere(index, parsed_files, parsed, jobs)
    facts: Dict[str, Optional[_ClassFacts]] = {}
    passed: Dict[str, List[Tuple[str, str]]] = {}  # model_fn=obj.method of the files parsed here

    # Bytes the text pass held, else read again (they were not kept).
    read_bytes = parsed.reader(_read) if parsed is not None else _read

    def parse_here(path: str, module: str, package: str, tag: Optional[str]) -> None:
        data = read_bytes(path)
        if data is not None:  # (unreadable: the lint pass reports it)
            facts[path] = _class_facts(index, path, data, module, package, tag, parsed)
            passed[path] = _passed_methods(data) if b"model_fn" in data else []

    for item in parsed_files:
        if item[0] not in elsewhere.paths:
            parse_here(*item)
    found = elsewhere.result()
    for item in parsed_files:
        if item[0] in elsewhere.paths:
            if item[0] in found:
                facts[item[0]] = found[item[0]]
            else:
                parse_here(*item)  # its worker failed
    passers: List[Tuple[str, str, str]] = []
    for path, (module, package) in sorted(index.modules.items()):
        tag = tags.get(path)
        if path in defining or path in aliasing:
            if path not in facts:
                continue  # unreadable
            if facts[path] is not None:
                _add_class_facts(index, facts[path], module, tag)
            methods = passed.get(path)
            if methods is None:  # parsed by a worker: its bytes are held
                data = parsed.held(path)
                methods = _passed_methods(data) if data is not None and b"model_fn" in data else []
            passers.extend((module, cls, method) for cls, method in methods)
            continue
        data = read_bytes(path)
        if data is None:
            continue
        _index_imports(index, data, module, package, tag)
        if b"model_fn" in data:
            passers.extend((module, cls, method) for cls, method in _passed_methods(data))
    _resolve_passed_methods(index, passers)
    return index


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _word_matches(pattern: "re.Pattern[bytes]", data: bytes) -> List[Tuple[bytes, ...]]:
    """``pattern.findall(data)`` as if the pattern began with ``\\b`` (it begins with a word)."""
    found = []
    pos = 0
    while True:
        match = pattern.search(data, pos)
        if match is None:
            return found
        start = match.start()
        if start and data[start - 1] in _WORD_BYTES:
            pos = start + 1  # inside a longer word: a match may still start further on
            continue
        found.append(match.groups())
        pos = max(match.end(), start + 1)


def _passed_methods(data: bytes) -> List[Tuple[str, str]]:
    """(class expression, method) for ``model_fn=obj.method`` where ``obj = Class(...)``
    is bound in the same file (a text test: the class's file checks the method)."""
    passed = []
    text = b"\n" + data
    for receiver, method in set(_word_matches(_PASSED_METHOD, data)):
        if receiver in (b"self", b"cls"):
            continue  # the class's own file sees these
        if re.search(rb"\bdef[ \t]+\w+[ \t]*\([^)]*\b" + receiver + rb"\b", data):
            continue  # a parameter somewhere: which object it is, is not known here
        binding = re.compile(rb"\n[ \t]*" + receiver + rb"[ \t]*=[ \t]*([A-Za-z_][\w.]*)[ \t]*\(([^\n]*)")
        bound = binding.findall(text)
        classes = {cls.decode() for cls, _ in bound}
        if len(classes) != 1 or any(re.search(rb"\b(?:if|else|or|and)\b", rest) for _, rest in bound):
            continue  # bound to several classes, or conditionally (``Net() if a else Other()``)
        passed.append((classes.pop(), method.decode()))
    # ``model_fn=Net(...).model_fn``: the class is right there.
    passed += [(cls.decode(), method.decode()) for cls, method in _word_matches(_PASSED_INSTANCE_METHOD, data)]
    return sorted({
        (expr, method) for expr, method in passed
        # Not a class of this file (its own analysis sees it), shadowing any import.
        if not re.search(rb"\n[ \t]*class[ \t]+" + re.escape(expr.split(".")[0].encode()) + rb"\b", text)
    })


def _resolve_passed_methods(index: ProjectIndex, passers: List[Tuple[str, str, str]]) -> None:
    """Record, for classes of other project modules, the methods handed on as model_fns."""
    modules = {m for m, _ in index.modules.values()}
    for module, expr, method in passers:
        head, _, rest = expr.partition(".")
        target = index.aliases.get(f"{module}.{head}")
        if target is None:
            continue  # not imported: a class of this module (its own analysis sees it) or unknown
        qualname = index.canonical(f"{target}.{rest}" if rest else target)
        owner = qualname.rpartition(".")[0]
        if owner in modules and owner != module:
            methods = index.passed_methods.setdefault(qualname, [])
            if method not in methods:
                methods.append(method)
                methods.sort()


def root_tag(path: str, package: str) -> str:
    """A short name for the directory ``path`` is imported from (above its top package)."""
    directory = os.path.dirname(os.path.abspath(path))
    for _ in package.split(".") if package else ():
        directory = os.path.dirname(directory)
    return hashlib.sha256(os.fsencode(directory)).hexdigest()[:8]


class _FileView:
    """:class:`ProjectIndex` for one file of a project whose module names are not unique:
    qualnames are localized to the file's import root before every question."""

    def __init__(self, index: ProjectIndex, tag: str) -> None:
        self._index, self._tag = index, tag

    def __getattr__(self, name: str):
        return getattr(self._index, name)

    def canonical(self, qualname: str, known=None) -> str:
        return self._index.canonical(self._index.localize(qualname, self._tag), known)

    def estimator_chain(self, qualname: str):
        return self._index.estimator_chain(self._index.localize(qualname, self._tag))

    def subclasses_of(self, qualname: str, outside: Optional[str] = None):
        return self._index.subclasses_of(self._index.localize(qualname, self._tag), outside)

    def captured_attributes(self, qualname: str):
        return self._index.captured_attributes(self._index.localize(qualname, self._tag))

    def inherited_captures(self, qualname: str):
        return self._index.inherited_captures(self._index.localize(qualname, self._tag))

    def prediction_keys(self, qualname: str):
        return self._index.prediction_keys(self._index.localize(qualname, self._tag))

    def passed_methods_of(self, qualname: str):
        return self._index.passed_methods_of(self._index.localize(qualname, self._tag))

    def read_elsewhere(self, qualname: str, attr: str):
        return self._index.read_elsewhere(qualname, attr)


class FactLog:
    """An index view that logs each question about the facts the lint pass learns
    (captured attributes, PREDICT keys) with its answer.  The first files of a run are
    linted before those facts are complete; a file whose questions still get the same
    answers afterwards need not be analysed again (:meth:`ProjectIndex.still_answers`)."""


    def __init__(self, target) -> None:
        self.target = target
        self.queries: List[Tuple[str, Tuple[str, ...], object]] = []

    def __getattr__(self, name: str):
        return getattr(self.target, name)

    @staticmethod
    def answer(view, name: str, *args: str):
        value = getattr(view, name)(*args)
        # Comparable, picklable and JSON-able: lists become tuples.
        if isinstance(value, tuple):
            return (value[0], tuple(value[1]))
        if isinstance(value, list):
            return tuple(tuple(v) if isinstance(v, list) else v for v in value)
        return value

    def _asked(self, name: str, *args: str):
        self.queries.append((name, args, self.answer(self.target, name, *args)))
        return getattr(self.target, name)(*args)

    def captured_attributes(self, qualname: str):
        return self._asked("captured_attributes", qualname)

    def inherited_captures(self, qualname: str):
        return self._asked("inherited_captures", qualname)

    def prediction_keys(self, qualname: str):
        return self._asked("prediction_keys", qualname)

    def read_elsewhere(self, qualname: str, attr: str):
        return self._asked("read_elsewhere", qualname, attr)


@dataclass
class _TextFacts:
    """What the fixed point needs of a candidate's text, found once per file."""

    #: ``X = a.b.c`` lines: (X, the words of the value).
    aliases: List[Tuple[str, Set[str]]]
    #: ``... name as alias`` (imports): (name, alias).
    as_pairs: List[Tuple[str, str]]
    #: ``class X(bases):`` headers: (X, the words of the bases).
    headers: List[Tuple[str, Set[str]]]

    @classmethod
    def of(cls, data: bytes) -> "_TextFacts":
        text = b"\n" + data
        aliases = [(m.group(1).decode(), _tokens(m.group(2))) for m in _ALIAS.finditer(text)]
        as_pairs = []
        if b" as " in data:
            for names in _IMPORT_NAMES.findall(text):
                as_pairs.extend((m.group(1).decode(), m.group(2).decode()) for m in _AS.finditer(names))
        headers = [(m.group(1).decode(), _tokens(m.group(2))) for m in _CLASS_HEADER.finditer(text)]
        return cls(aliases, as_pairs, headers)


def _tokens(data: bytes) -> Set[str]:
    return {t.decode() for t in _WORD.findall(data)}


@dataclass
class _ClassFacts:
    """What the index takes from a file it parses: its imports, its module-level aliases
    and its classes (found where the file was parsed: a worker, for a file whose tree the
    run does not keep)."""

    #: The import table's names (alias -> dotted target) and star-imported modules.
    names: Dict[str, str]
    star_modules: List[str]
    #: ``module.Name`` -> what ``Name = ...`` at module level stands for.
    aliases: List[Tuple[str, str]]
    classes: List[ClassEntry]


def _class_facts(
    index: ProjectIndex, path: str, data: bytes, module: str, package: str, tag=None, parsed=None
) -> Optional[_ClassFacts]:
    """Parse ``path`` and find its :class:`_ClassFacts` (None: it does not parse; the lint
    pass reports why).  Reads the index only for names it already has (module names)."""
    from estimator_lint.source import SourceError, parse, source_text

    try:
        # Parsed as the lint pass parses it, so that the tree can serve that pass too.
        tree = parse(source_text(path, data)[0], path)
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if parsed is not None:
        parsed.keep(path, data, tree)
    imports = ImportTable.from_module(tree, package)
    local = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    aliases = []
    # ``Base = BaseEstimator`` (a class of this module, or another module's / TF's through
    # the import table): the same aliases the file's own analysis follows.
    for name, value in module_aliases(tree, imports, local).items():
        if isinstance(value, ast.Name) and value.id in local and value.id not in imports.names:
            target = f"{module}.{value.id}"
        else:
            target = index.localize(imports.resolve(value), tag)
        if target:
            aliases.append((f"{module}.{name}", target))
    classes = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = []
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id not in imports.names:
                # A class of this module, an alias of one, or a name a star import brings:
                # the index follows ``module.name`` (canonical).
                bases.append(f"{module}.{base.id}")
            else:
                qual = imports.resolve(base)
                if qual:
                    bases.append(index.localize(qual, tag))
        methods = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        qualname = f"{module}.{node.name}"
        classes.append(ClassEntry(qualname, node.name, path, bases, methods))
    return _ClassFacts(dict(imports.names), list(imports.star_modules), aliases, classes)


def _add_class_facts(index: ProjectIndex, facts: _ClassFacts, module: str, tag: Optional[str]) -> None:
    _record_imports(index, facts.names, facts.star_modules, module, tag)
    for key, target in facts.aliases:
        index.aliases.setdefault(key, target)
    for entry in facts.classes:
        index.classes[entry.qualname] = entry


#: Set in this process while its forked workers find :class:`_ClassFacts` (they inherit
#: it): the index as far as it is built, and what the run read.
_FACTS_PASS: Optional[Tuple[ProjectIndex, object]] = None

#: Files whose trees the run does not keep are parsed for the index by worker processes
#: when there are at least this many bytes of them (a pool's start costs a few ms).
PARALLEL_FACTS_BYTES = 256 * 1024


def _class_facts_of_chunk(chunk: List[Tuple[str, str, str, Optional[str]]]) -> List[Optional[_ClassFacts]]:
    assert _FACTS_PASS is not None, "forked from build_index"
    index, parsed = _FACTS_PASS
    return [_class_facts(index, path, parsed.held(path), module, package, tag) for path, module, package, tag in chunk]


class _FactsElsewhere:
    """Worker processes finding the :class:`_ClassFacts` of the files whose trees the run
    will not keep (the tree budget of ``parsed`` is spent on the first files, in order),
    while this process parses the others.  Only with ``jobs > 1``, forked workers (they
    inherit the index and the bytes: nothing is sent but paths) and enough such bytes."""

    def __init__(self, index: ProjectIndex, wanted: List[Tuple[str, str, str, Optional[str]]], parsed, jobs: int) -> None:
        self.paths: Set[str] = set()
        self._pool = None
        self._futures: list = []
        import multiprocessing

        # Only where workers are forked by default (as the lint pass's are: runner._pool).
        if jobs < 2 or parsed is None or multiprocessing.get_context().get_start_method() != "fork":
            return
        budget = parsed.budget
        elsewhere = []
        for item in wanted:
            data = parsed.held(item[0])
            if data is None:
                continue  # not held: this process reads and parses it
            if len(data) <= budget:
                budget -= len(data)  # its tree is kept for the lint pass: parsed here
            else:
                elsewhere.append((len(data), item))
        if sum(size for size, _ in elsewhere) < PARALLEL_FACTS_BYTES:
            return
        from concurrent.futures import ProcessPoolExecutor

        global _FACTS_PASS
        elsewhere.sort(key=lambda pair: -pair[0])  # the biggest first: the last chunks are small
        chunks: List[List[Tuple[str, str, str, Optional[str]]]] = [[] for _ in range(jobs * 4)]
        for i, (_, item) in enumerate(elsewhere):
            chunks[i % len(chunks)].append(item)
        _FACTS_PASS = (index, parsed)  # inherited by the workers, forked at the first submit
        try:
            self._pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context())
            for chunk in chunks:
                if chunk:
                    self._futures.append((chunk, self._pool.submit(_class_facts_of_chunk, chunk)))
                    self.paths.update(path for path, *_ in chunk)
        except Exception:  # no worker could be started: this process parses them all
            self.paths = set()
        finally:
            _FACTS_PASS = None

    def result(self) -> Dict[str, Optional[_ClassFacts]]:
        """The facts found; a file whose worker failed is missing (the caller parses it)."""
        found: Dict[str, Optional[_ClassFacts]] = {}
        for chunk, future in self._futures:
            try:
                for (path, *_), facts in zip(chunk, future.result()):
                    found[path] = facts
            except Exception:
                continue
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        return found


def _index_imports(index: ProjectIndex, data: bytes, module: str, package: str, tag=None) -> None:
    """Re-exports from import lines, without parsing the file."""
    table = ImportTable(package)
    text = b"\n" + data
    for match in _IMPORT_FROM.finditer(text):
        source = match.group(1).decode()
        names = match.group(2).decode().strip().strip("()")
        level = len(source) - len(source.lstrip("."))
        node = ast.ImportFrom(module=source.lstrip(".") or None, names=[], level=level)
        for part in names.replace("\n", " ").split(","):
            part = part.strip()
            if not part:
                continue
            bits = part.split()
            if len(bits) == 3 and bits[1] == "as":
                node.names.append(ast.alias(name=bits[0], asname=bits[2]))
            elif len(bits) == 1 and (bits[0] == "*" or bits[0].isidentifier()):
                node.names.append(ast.alias(name=bits[0], asname=None))
        table.add_import_from(node)
    for name, alias in _IMPORT_MODULE.findall(text):
        table.add_import(ast.Import(names=[ast.alias(name=name.decode(), asname=alias.decode() or None)]))
    _record_imports(index, table.names, table.star_modules, module, tag)


def _record_imports(index: ProjectIndex, names: Dict[str, str], star_modules: List[str], module: str, tag: Optional[str]) -> None:
    """A module's imported names (re-exports) and star imports, seen from its root."""
    for alias, target in names.items():
        index.aliases.setdefault(f"{module}.{alias}", index.localize(target, tag))
    if star_modules:
        index.stars[module] = [index.localize(m, tag) for m in star_modules]
