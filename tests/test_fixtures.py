"""Every fixture's diagnostics are exactly those in its expected.json."""

import glob
import os

import pytest

from estimator_lint import config, requirements
from estimator_lint.engine import Settings, lint_file
from estimator_lint.runner import lint_paths
from estimator_lint.project import build_project_index
from helpers import FIXTURES, expected_for, fixture_cases

CASES = fixture_cases()


def test_fixture_suite_is_not_empty():
    assert len(CASES) >= 15


def _project_results(case, settings, jobs=1):
    """A project case: every .py below it, linted together with the project index."""
    root = os.path.join(FIXTURES, case)
    files = sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True))
    index = build_project_index(files, settings)
    return {os.path.relpath(r.path, root): r for r in lint_paths(files, settings, jobs=jobs, index=index)}


def case_settings(case, prefilter=True):
    """The settings a run in the case's directory gets: its [tool.estimator-lint] table and
    the TensorFlow requirement its declaration files state (EST106)."""
    root = os.path.join(FIXTURES, case)
    pyproject = os.path.join(root, "pyproject.toml")
    file_config = config.load_pyproject(pyproject) if os.path.exists(pyproject) else None
    scan = requirements.scan_project(root)
    assert not scan.problems, scan.problems
    return config.resolve(config.Overrides(prefilter=prefilter), file_config, root, requirements=scan).settings


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("prefilter", [True, False], ids=["prefilter", "no-prefilter"])
def test_fixture_diagnostics(case, prefilter):
    expected = expected_for(case)
    assert expected, f"{case}/expected.json lists no file"
    settings = case_settings(case, prefilter)
    project = None if os.path.exists(os.path.join(FIXTURES, case, "before.py")) else _project_results(case, settings)
    for name, wanted in expected.items():
        path = os.path.join(FIXTURES, case, name)
        result = project[name] if project is not None else lint_file(path, settings)
        assert result.error is None, result.error
        got = [{"row": d.line, "col": d.column + 1, "code": d.code} for d in result.diagnostics]
        assert got == wanted, f"{case}/{name}"


def test_project_case_finds_cross_module_chains_and_reads():
    results = _project_results("multi_module_package", Settings())
    b = results[os.path.join("estpkg", "models", "b.py")].diagnostics
    assert "RegressorB -> BaseEstimator (" in b[0].message and "base.py) -> tf.compat.v1.estimator.Estimator" in b[0].message
    base = results[os.path.join("estpkg", "base.py")].diagnostics
    assert "intermediate base class" in base[0].message and "RegressorA" in base[0].message
    main = results["main.py"].diagnostics
    assert [d.code for d in main] == ["EST104", "EST104"]
    # The capture is read in another module: removing it is an unsafe fix.
    a = results[os.path.join("estpkg", "models", "a.py")].diagnostics
    assert a[0].fix is not None and a[0].fix.applicability.value == "unsafe"
    assert {k: [d.sort_key() for d in r.diagnostics] for k, r in results.items()} == {
        k: [d.sort_key() for d in r.diagnostics] for k, r in _project_results("multi_module_package", Settings(), jobs=2).items()
    }


def test_seed_snippets():
    """The seed's bad snippet gives EST101 on the override and EST102 on the capture; the good ones nothing."""
    bad = expected_for("seed_snippet1_override_capture")["before.py"]
    assert [d["code"] for d in bad] == ["EST101", "EST102"]
    with open(os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")) as f:
        lines = f.read().splitlines()
    assert lines[bad[0]["row"] - 1].lstrip().startswith("def _call_model_fn")
    assert lines[bad[1]["row"] - 1].lstrip().startswith("self.dense_output = model_ops.predictions")
    assert expected_for("seed_snippet2_predictions_clean")["before.py"] == []
    assert expected_for("seed_snippet3_evaluate_clean")["before.py"] == []


def test_every_python_file_in_fixtures_is_covered_by_an_expectation():
    for case in CASES:
        listed = set(expected_for(case))
        on_disk = {n for n in os.listdir(os.path.join(FIXTURES, case)) if n.endswith(".py")}
        assert on_disk <= listed, f"{case}: {sorted(on_disk - listed)} have no expected diagnostics"
