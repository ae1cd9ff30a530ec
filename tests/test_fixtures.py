"""Every fixture's diagnostics are exactly those in its expected.json."""

import os

import pytest

from estimator_lint.engine import Settings, lint_file
from helpers import FIXTURES, expected_for, fixture_cases

CASES = fixture_cases()


def test_fixture_suite_is_not_empty():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("prefilter", [True, False], ids=["prefilter", "no-prefilter"])
def test_fixture_diagnostics(case, prefilter):
    expected = expected_for(case)
    assert expected, f"{case}/expected.json lists no file"
    for name, wanted in expected.items():
        path = os.path.join(FIXTURES, case, name)
        result = lint_file(path, Settings(prefilter=prefilter))
        assert result.error is None, result.error
        got = [{"row": d.line, "col": d.column + 1, "code": d.code} for d in result.diagnostics]
        assert got == wanted, f"{case}/{name}"


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
