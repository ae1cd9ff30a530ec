"""The floors of the package (pyproject.toml's ``[tool.importlinter]`` contracts) hold:
no module imports from a floor above its own, and the analysis has no import cycles."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _lint_imports(config: str, cwd: str) -> subprocess.CompletedProcess:
    script = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    return subprocess.run(
        [script, "--config", config, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_layers_contract_is_kept():
    run = _lint_imports(os.path.join(ROOT, "pyproject.toml"), ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 kept, 0 broken" in run.stdout


@pytest.mark.parametrize(
    "module, line",
    [
        # The ground floor reaching up into the engine, and the analysis into the rules.
        ("source.py", "from estimator_lint import engine  # upward\n"),
        ("analysis/scopes.py", "from estimator_lint.rules import base  # upward\n"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, line):
    """The contract is not vacuous: a copy of the package with one upward import fails it."""
    import shutil

    copy = tmp_path / "estimator_lint"
    shutil.copytree(os.path.join(ROOT, "estimator_lint"), copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + line)
    config = tmp_path / "pyproject.toml"
    with open(os.path.join(ROOT, "pyproject.toml")) as handle:
        config.write_text(handle.read())
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    script = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    run = subprocess.run(
        [script, "--config", str(config), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode != 0
    assert "BROKEN" in run.stdout or "broken" in run.stdout
