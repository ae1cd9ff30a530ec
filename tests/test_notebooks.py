"""Jupyter notebooks: linted as one module of their code cells, fixed cell by cell."""

import json
import os

import pytest

from estimator_lint.cli import main
from estimator_lint.engine import lint_file
from estimator_lint.notebook import Notebook

MODEL_CELL = (
    "class MyClassifier(tf.estimator.Estimator):\n"
    "    def __init__(self, model_dir):\n"
    "        super().__init__(model_fn=self._model_fn, model_dir=model_dir)\n"
    "\n"
    "    def _model_fn(self, features, labels, mode, params):\n"
    "        logits = tf.layers.dense(features, units=2)\n"
    "        if mode == tf.estimator.ModeKeys.PREDICT:\n"
    "            self.logits = logits\n"
    "            predictions = {'class_ids': tf.argmax(logits, axis=1)}\n"
    "            return tf.estimator.EstimatorSpec(mode, predictions=predictions)\n"
    "        loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)\n"
    "        train_op = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=tf.train.get_global_step())\n"
    "        return tf.estimator.EstimatorSpec(mode=mode, loss=loss, train_op=train_op)"
)
CELLS = [
    ("markdown", "# Training\nColab-style notebook."),
    ("code", "%matplotlib inline\n!pip install -q tensorflow-cpu\nimport tensorflow.compat.v1 as tf"),
    ("code", MODEL_CELL),
    ("code", "%%time\nestimator = MyClassifier(model_dir='/tmp/m')\nestimator.train(input_fn=None, steps=1)"),
    ("code", "estimator.logits?\nprint(estimator.logits)"),
]


def notebook(cells=CELLS, indent=1, **extra):
    out = []
    for i, (kind, source) in enumerate(cells):
        cell = {"cell_type": kind, "id": f"cell-{i}", "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=i, outputs=[{"name": "stdout", "output_type": "stream", "text": ["héllo 1e-05\n"]}])
        out.append(cell)
    doc = {"cells": out, "metadata": {"colab": {"provenance": []}, "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    doc.update(extra)
    return json.dumps(doc, indent=indent, ensure_ascii=False) + "\n"


def run(capsys, *argv):
    code = main(["--no-cache", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cells_are_one_module_with_cell_positions(tmp_path, capsys):
    path = tmp_path / "train.ipynb"
    path.write_text(notebook(), encoding="utf-8")
    code, out, _ = run(capsys, str(path))
    assert code == 1
    lines = out.splitlines()
    # Captured in cell 3, read in cell 5 (a later cell): EST104.  The magic lines moved nothing.
    assert lines[0].startswith(f"{path}:cell 3:8:13: EST102 ")
    assert lines[1].startswith(f"{path}:cell 5:2:7: EST104 ")


def test_magics_and_shell_escapes_are_placeholders_line_for_line():
    nb = Notebook.parse(notebook().encode())
    rows = nb.text.splitlines()
    assert rows[0].strip() == rows[1].strip() == "# (IPython)"
    assert rows[2] == "import tensorflow.compat.v1 as tf"
    assert len(rows) == 3 + MODEL_CELL.count("\n") + 1 + 3 + 2
    assert nb.locate(4) == (3, 1)


def test_non_python_cell_magic_is_skipped_whole(tmp_path):
    cells = CELLS + [("code", "%%bash\nexport X=1\nfor f in *; do echo $f; done")]
    path = tmp_path / "n.ipynb"
    path.write_text(notebook(cells))
    result = lint_file(str(path))
    assert result.error is None
    assert [(d.cell, d.code) for d in result.diagnostics] == [(3, "EST102"), (5, "EST104")]


def test_noqa_inside_a_cell(tmp_path, capsys):
    cells = [c if c[1] != MODEL_CELL else ("code", MODEL_CELL.replace("self.logits = logits", "self.logits = logits  # noqa: EST102")) for c in CELLS]
    path = tmp_path / "n.ipynb"
    path.write_text(notebook(cells))
    assert [d.code for d in lint_file(str(path)).diagnostics] == ["EST104"]


def test_json_sarif_github_carry_the_cell(tmp_path, capsys):
    path = tmp_path / "n.ipynb"
    path.write_text(notebook())
    _, out, _ = run(capsys, "--output-format", "json", str(path))
    items = json.loads(out)
    assert [(i["cell"], i["location"]["row"], i["code"]) for i in items] == [(3, 8, "EST102"), (5, 2, "EST104")]
    _, out, _ = run(capsys, "--output-format", "sarif", str(path))
    results = json.loads(out)["runs"][0]["results"]
    assert results[0]["locations"][0]["properties"] == {"cell": 3}
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    _, out, _ = run(capsys, "--output-format", "github", str(path))
    assert "line=8," in out.splitlines()[0] and "::cell 3:8:13: " in out.splitlines()[0]


@pytest.mark.parametrize("indent", [1, 2, None])
def test_fix_writes_back_only_the_changed_cell_keeping_the_layout(tmp_path, capsys, indent):
    path = tmp_path / "n.ipynb"
    original = notebook(indent=indent)
    path.write_text(original, encoding="utf-8")
    code, out, _ = run(capsys, "--fix", "--unsafe-fixes", str(path))
    assert "(1 fixed, 0 remaining, 1 no longer reported)." in out
    fixed = path.read_text(encoding="utf-8")
    before, after = json.loads(original), json.loads(fixed)
    # Everything but the model cell's source is as it was: outputs, ids, metadata, order.
    changed = [i for i, (a, b) in enumerate(zip(before["cells"], after["cells"])) if a != b]
    assert changed == [2]
    assert {k: v for k, v in after["cells"][2].items() if k != "source"} == {
        k: v for k, v in before["cells"][2].items() if k != "source"
    }
    assert "'logits': logits" in "".join(after["cells"][2]["source"])
    # And the bytes: re-serialised with the file's own layout, as it was written.
    assert fixed == json.dumps(after, indent=indent, ensure_ascii=False) + "\n"
    assert list(after) == list(before) and list(after["cells"][2]) == list(before["cells"][2])


def test_diff_names_the_cell_and_changes_nothing(tmp_path, capsys):
    path = tmp_path / "n.ipynb"
    path.write_text(notebook())
    code, out, _ = run(capsys, "--diff", "--unsafe-fixes", str(path))
    assert code == 1
    assert f"--- {path}:cell 3\n+++ {path}:cell 3\n" in out
    assert "-            self.logits = logits\n" in out
    assert path.read_text() == notebook()


def test_fix_never_touches_magic_lines(tmp_path, capsys):
    cell = MODEL_CELL.replace("        if mode", "        %time x = 1\n        if mode")
    path = tmp_path / "n.ipynb"
    path.write_text(notebook([c if c[1] != MODEL_CELL else ("code", cell) for c in CELLS]))
    run(capsys, "--fix", "--unsafe-fixes", str(path))
    source = "".join(json.loads(path.read_text())["cells"][2]["source"])
    assert "        %time x = 1\n" in source and "'logits': logits" in source


def test_invalid_notebook_is_one_clear_error(tmp_path, capsys):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [')
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    assert out.splitlines()[0].startswith(f"{path}:1:1: error: invalid notebook: not JSON")
    path.write_text('{"worksheets": []}')
    assert "only nbformat 4" in run(capsys, str(path))[1]


def test_syntax_error_in_a_cell_names_the_cell(tmp_path, capsys):
    path = tmp_path / "n.ipynb"
    path.write_text(notebook(CELLS + [("code", "x = 1\ndef broken(:\n")]))
    _, out, _ = run(capsys, str(path))
    assert f"{path}:cell 6:2:" in out and "syntax error" in out


def test_other_kernels_are_not_python(tmp_path):
    path = tmp_path / "r.ipynb"
    path.write_text(notebook(metadata={"language_info": {"name": "R"}}))
    result = lint_file(str(path))
    assert result.error is None and result.diagnostics == []


def test_walk_includes_notebooks_and_include_settings(tmp_path, capsys):
    (tmp_path / "n.ipynb").write_text(notebook())
    _, out, _ = run(capsys, str(tmp_path))
    assert "n.ipynb:cell 3:8:13: EST102" in out
    (tmp_path / "pyproject.toml").write_text('[tool.estimator-lint]\ninclude = ["*.py"]\n')
    _, out, _ = run(capsys, str(tmp_path))
    assert "No Python files found." in out
    (tmp_path / "pyproject.toml").write_text('[tool.estimator-lint]\ninclude = ["*.py"]\nextend-include = ["*.ipynb"]\n')
    _, out, _ = run(capsys, str(tmp_path))
    assert "n.ipynb:cell 3:8:13: EST102" in out


def test_cached_run_keeps_cells(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "n.ipynb").write_text(notebook())
    first = main(["n.ipynb"]), capsys.readouterr().out
    second = main(["n.ipynb"]), capsys.readouterr().out
    assert first == second and "n.ipynb:cell 3:8:13" in first[1]


def test_edits_stay_in_their_cell_and_off_magic_lines():
    from estimator_lint.diagnostics import Edit

    nb = Notebook.parse(notebook([("code", "%time x = 1\ny = 2"), ("markdown", "m"), ("code", "z = 3\n")]).encode())
    assert nb.text == "# (IPython)\ny = 2\nz = 3\n"
    second = nb.text.index("z")
    assert not nb.accepts([Edit(second - 2, second + 1, "")])  # across the cell boundary
    assert not nb.accepts([Edit(2, 4, "")])  # inside the magic line
    assert nb.accepts([Edit(second, second, "w = 0\n")])  # at a cell's start: that cell's
    fixed = nb.apply([Edit(second, second, "w = 0\n"), Edit(12, 17, "y = 20")])
    sources = ["".join(c["source"]) for c in fixed.document["cells"]]
    assert sources == ["%time x = 1\ny = 20", "m", "w = 0\nz = 3\n"]
    assert fixed.dumps() == notebook([("code", "%time x = 1\ny = 20"), ("markdown", "m"), ("code", "w = 0\nz = 3\n")]).encode()


def test_unreproducible_layout_is_not_rewritten(tmp_path, capsys):
    path = tmp_path / "n.ipynb"
    text = notebook().replace('\n "metadata"', '\n   "metadata"', 1)  # hand-indented
    path.write_text(text)
    code, out, _ = run(capsys, "--fix", "--unsafe-fixes", str(path))
    assert "not fixed: the notebook's JSON layout cannot be reproduced" in out
    assert path.read_text() == text
