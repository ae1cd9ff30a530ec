"""The project index's text pass: which files are candidates, which words and classes it learns."""

import textwrap

import pytest

from estimator_lint.screen import mentions_words_bytes
from estimator_lint.settings import Settings
from estimator_lint import index as index_module
from estimator_lint.index import build_index

WORDS = Settings().prefilter_words()


def _project(tmp_path, files):
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(textwrap.dedent(text).encode() if isinstance(text, str) else text)
        paths.append(str(path))
    return paths


def _index(paths, **kwargs):
    return build_index(paths, WORDS, screen=mentions_words_bytes, **kwargs)


@pytest.mark.parametrize("held", [None, 0], ids=["bytes-kept", "bytes-read-again"])
def test_subclass_chains_across_files_reach_a_fixed_point(tmp_path, monkeypatch, held):
    if held is not None:  # no budget: every later round reads the files again
        monkeypatch.setattr(index_module, "MAX_HELD_BYTES", held)
    paths = _project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": "import tensorflow as tf\nclass BaseEst(tf.estimator.Estimator):\n    pass\n",
            "pkg/mid.py": "from pkg.base import BaseEst\nclass Mid(BaseEst):\n    pass\n",
            "pkg/leaf.py": "from pkg.mid import Mid\nclass Leaf(Mid):\n    def train(self):\n        pass\n",
            "pkg/other.py": "class Unrelated(object):\n    pass\n",
        },
    )
    index = _index(paths)
    names = {p.rsplit("/", 1)[-1] for p in index.candidates}
    assert names == {"base.py", "mid.py", "leaf.py"}
    assert {p.rsplit("/", 1)[-1] for p in index.defining} == {"base.py", "mid.py", "leaf.py"}
    assert {"BaseEst", "Mid", "Leaf"} <= set(index.words)
    assert index.estimator_chain("pkg.leaf.Leaf")[-1] == "tf.estimator.Estimator"
    assert index.classes["pkg.leaf.Leaf"].methods == {"train"}


def test_import_aliases_and_assignment_aliases_are_words(tmp_path):
    paths = _project(
        tmp_path,
        {
            "base.py": "import tensorflow as tf\nclass BaseEst(tf.estimator.Estimator):\n    pass\n",
            "a.py": "from base import BaseEst as B\nclass A(B):\n    pass\n",
            "b.py": "import base\nAlias = base.BaseEst  # re-exported under another name\n",
            "c.py": "from b import Alias\nclass C(Alias):\n    pass\n",
        },
    )
    index = _index(paths)
    assert {"B", "Alias", "A", "C"} <= set(index.words)
    assert {p.rsplit("/", 1)[-1] for p in index.candidates} == {"base.py", "a.py", "b.py", "c.py"}


def test_as_in_prose_makes_no_word(tmp_path):
    """``... Estimator as the base ...`` in a docstring or comment is not an import alias."""
    paths = _project(
        tmp_path,
        {
            "a.py": '''\
                """Uses tf.estimator.Estimator as the base of everything."""
                import tensorflow as tf
                # DNNClassifier as a reference
                est = tf.estimator.Estimator(model_fn=None)
                ''',
            "b.py": "the = 1\nprint(the)\n",
        },
    )
    index = _index(paths)
    assert "the" not in index.words and "a" not in index.words
    assert [p.rsplit("/", 1)[-1] for p in index.candidates] == ["a.py"]


def test_crlf_files_are_read_like_lf_files(tmp_path):
    paths = _project(
        tmp_path,
        {
            "base.py": b"import tensorflow as tf\r\nclass BaseEst(tf.estimator.Estimator):\r\n    pass\r\n",
            "b.py": b"import base\r\nAlias = base.BaseEst\r\n",
            "c.py": b"from b import Alias\r\nclass C(Alias):\r\n    pass\r\n",
        },
    )
    index = _index(paths)
    assert {"BaseEst", "Alias", "C"} <= set(index.words)
    assert {p.rsplit("/", 1)[-1] for p in index.defining} == {"base.py", "c.py"}


def test_a_shared_module_name_resolves_to_the_importers_own_root(tmp_path):
    base = "import tensorflow as tf\nclass E(tf.estimator.Estimator):\n    pass\n"
    plain = "class E(object):\n    pass\n"
    user = "from models import E\nclass F(E):\n    pass\n"
    paths = _project(
        tmp_path, {"one/models.py": base, "one/use.py": user, "two/models.py": base + plain, "two/use.py": user}
    )
    index = _index(paths)
    assert index.ambiguous == {"models", "use"}
    one, two = (index.for_file(p) for p in sorted(paths) if p.endswith("use.py"))
    assert one.estimator_chain("models.E")[0].startswith("E (") and "one" in one.estimator_chain("models.E")[0]
    # two/models.py redefines E as a plain class last: two's F is not an Estimator.
    assert two.estimator_chain("models.E") is None
    assert sorted(q.split("@")[0] + "." + q.split(".")[-1] for q in index.classes) == [
        "models.E", "models.E", "use.F", "use.F"
    ]


def test_without_the_prefilter_every_readable_file_is_a_candidate(tmp_path):
    paths = _project(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    assert _index(paths).candidates == set()
    assert _index(paths, everything=True).candidates == set(paths)


def test_shared_package_and_module_names_resolve_by_the_longest_module(tmp_path):
    """``one/pkg/base.py`` and ``two/pkg/base.py``: both ``pkg`` and ``pkg.base`` are shared;
    ``pkg.base.E`` means the module ``pkg.base`` of the importer's root (not ``pkg`` + ``base.E``)."""
    base = "import tensorflow as tf\nclass E(tf.estimator.Estimator):\n    pass\n"
    user = "from pkg.base import E\nclass F(E):\n    pass\n"
    paths = _project(
        tmp_path,
        {
            "one/pkg/__init__.py": "from .base import E\n",
            "one/pkg/base.py": base,
            "one/pkg/use.py": user,
            "two/pkg/__init__.py": "from .base import E\n",
            "two/pkg/base.py": base,
            "two/pkg/use.py": user,
        },
    )
    index = _index(paths)
    assert {"pkg", "pkg.base", "pkg.use"} <= index.ambiguous
    for root in ("one", "two"):
        view = index.for_file(next(p for p in paths if p.endswith(f"{root}/pkg/use.py")))
        chain = view.estimator_chain("pkg.base.E")
        assert chain is not None and f"{root}/pkg/base.py" in chain[0], chain


@pytest.mark.parametrize(
    "text",
    [
        b"model_fn=a.b",
        b"x = 1\nmodel_fn = net.model_fn\n",
        b"my_model_fn = a.b\nmodel_fn = c.d\n",
        b"xmodel_fn=model_fn.model_fn = a.b",  # a match inside a longer word, a real one after
        b"9model_fn=a.b",
        b"est(model_fn=Net(1).fn, model_fn=Other().g)",
        b"amodel_fn=Net().fn model_fn=N(x).g",
        b"model_fn=a.b(",
    ],
)
def test_passed_method_patterns_match_only_at_a_word_start(text):
    import re

    from estimator_lint import index as index_module

    for pattern in (index_module._PASSED_METHOD, index_module._PASSED_INSTANCE_METHOD):
        bounded = re.compile(rb"\b" + pattern.pattern)
        assert index_module._word_matches(pattern, text) == bounded.findall(text)


@pytest.mark.parametrize(
    "text",
    [
        b"import a\nimport b as c\r\nfrom x import (a,\n b)\nfrom . import y;z\n  import q # c",
        b"from a import b",
        b"import a",
        b"\nimport a\n\nimport b.c as d  # note\nfrom ..m import *\n",
        b"x = 1\nfrom m import a as b, c\n",
    ],
)
def test_import_line_patterns_match_at_line_starts(text):
    """The import scans run on b"\\n" + data (the engine then jumps from newline to
    newline); they find what the line-anchored patterns find on the data."""
    import re

    line_from = re.compile(rb"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.M)
    line_import = re.compile(rb"^[ \t]*import[ \t]+([\w.]+)(?:[ \t]+as[ \t]+(\w+))?[ \t]*(?:#[^\n]*)?$", re.M)
    assert index_module._IMPORT_FROM.findall(b"\n" + text) == line_from.findall(text)
    assert index_module._IMPORT_MODULE.findall(b"\n" + text) == line_import.findall(text)


def _many_estimator_modules(root, count=48, padding=6000):
    """``count`` modules of a package, each defining an Estimator subclass (one alias, one
    re-export), bulked up by a docstring: more bytes than a run keeps trees for."""
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    doc = '"""' + "x" * padding + '"""\n'
    for i in range(count):
        base = "tf.estimator.Estimator" if i == 0 else f"m{i - 1}.Est{i - 1}"
        (package / f"m{i}.py").write_text(
            doc
            + "import tensorflow as tf\n"
            + (f"from pkg import m{i - 1}\n" if i else "")
            + f"Alias{i} = tf.estimator.Estimator\n"
            + f"class Est{i}({base}):\n    def train(self):\n        pass\n"
            + f"def model_fn(features, labels, mode):\n    return est.model_fn\n"
        )
    return sorted(str(p) for p in package.glob("*.py"))


@pytest.mark.parametrize("worker_fails", [False, True])
def test_workers_parse_what_the_run_does_not_keep_into_the_same_index(tmp_path, monkeypatch, worker_fails):
    """With jobs > 1, the defining files whose trees will not be kept are parsed by forked
    workers (only their facts come back) while the parent parses the others; the index is
    the one a single process builds, also when a worker fails (the parent parses its files)."""
    from estimator_lint.source import ParsedFiles

    paths = _many_estimator_modules(tmp_path)
    words = Settings().prefilter_words()
    alone = build_index(paths, words, parsed=ParsedFiles(budget=32 * 1024))
    sent = []
    real_result = index_module._FactsElsewhere.result

    def noting(self):
        sent.append(len(self.paths))
        return real_result(self)

    monkeypatch.setattr(index_module._FactsElsewhere, "result", noting)
    if worker_fails:
        monkeypatch.setattr(index_module, "_class_facts_of_chunk", lambda chunk: 1 / 0)
    held = ParsedFiles(budget=32 * 1024)
    shared = build_index(paths, words, parsed=held, jobs=2)
    assert sent and sent[0] > 30  # most files went to the workers
    assert shared.digest() == alone.digest()
    assert shared.classes == alone.classes and shared.aliases == alone.aliases
    assert len(shared.classes) == 48 and shared.estimator_chain("pkg.m47.Est47")
    # The parent kept the trees it could (the first files), as a single process does.
    kept = [p for p in paths if held.peek(p, held.held(p)) is not None]
    assert kept and len(kept) < 10
