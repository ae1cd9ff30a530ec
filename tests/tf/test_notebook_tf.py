"""A notebook with the bug, run cell by cell under real TensorFlow before and after --fix.

``notebooks/classifier_capture.ipynb`` (Colab-style: magics, a ``%%time`` cell, markdown)
stores ``self.logits`` in its model_fn (cell 3) and a later cell reads ``p['logits']`` from
``predict()``: run in order, the notebook fails with ``KeyError``.  ``estimator-lint --fix``
moves the tensor into the PREDICT predictions; the fixed notebook trains and ``predict()``
yields the moved key.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "notebooks" / "classifier_capture.ipynb"
RUNNER = HERE / "notebook_runner.py"
TIMEOUT = float(os.environ.get("ESTIMATOR_LINT_TF_TIMEOUT", "240"))


def run_notebook(path: Path, model_dir: Path, expr: str) -> dict:
    env = dict(os.environ, MODEL_DIR=str(model_dir), TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(path), expr],
        capture_output=True, text=True, cwd=path.parent, env=env, timeout=TIMEOUT,
    )
    lines = proc.stdout.strip().splitlines()
    assert lines, proc.stderr[-2000:]
    return json.loads(lines[-1])


def test_notebook_fails_before_and_predicts_the_moved_key_after_fix(tmp_path):
    notebook = tmp_path / "classifier_capture.ipynb"
    shutil.copy(NOTEBOOK, notebook)

    before = run_notebook(notebook, tmp_path / "model_before", "type(estimator.logits).__name__")
    assert before["ok"] is False and before["cell"] == 7
    assert before["error"] == "KeyError: 'logits'"
    assert before["value"] == "'SymbolicTensor'"  # what the model_fn left on the Estimator

    fix = subprocess.run(
        [sys.executable, "-m", "estimator_lint", "--no-cache", "--fix", notebook.name],
        capture_output=True, text=True, cwd=tmp_path, timeout=TIMEOUT,
    )
    assert "(1 fixed, " in fix.stdout, fix.stdout + fix.stderr
    original, fixed = json.loads(NOTEBOOK.read_text()), json.loads(notebook.read_text())
    assert [c for i, c in enumerate(original["cells"]) if i != 2] == [c for i, c in enumerate(fixed["cells"]) if i != 2]

    after = run_notebook(
        notebook, tmp_path / "model_after",
        "(int(estimator.get_variable_value('global_step')), len(logits), [len(x) for x in logits][:1], "
        "hasattr(estimator, 'logits'))",
    )
    assert after["ok"] is True, after
    assert after["value"] == "(5, 8, [2], False)"
