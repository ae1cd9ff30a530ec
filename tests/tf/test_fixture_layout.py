"""Static checks of the fixtures/ layout (fast, no TensorFlow).

fixtures/<case>/ holds before.py, expected.json, optionally after.py (the expected result of
``estimator-lint --fix``) and run.json (what running the programs under TensorFlow shows).
A project case (no before.py) has packages and modules, expected.json and optionally a run.json
whose only phase, "before", names the file to run as "program".  See fixtures/README.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from estimator_lint.rules import RULES_BY_CODE

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))) \
    if FIXTURES.is_dir() else []
CODES = set(RULES_BY_CODE)
PHASE_KEYS = {"about", "note", "program", "raises", "checks", "evaluate", "predict", "model_dir_from"}
#: Top-level keys of run.json besides the phases.
CASE_KEYS = {"about", "note", "unsafe_fixes"}
#: The project's requirement declarations (EST106 reads them), allowed beside a single-file case.
DECLARATIONS = re.compile(r"pyproject\.toml|setup\.cfg|setup\.py|(requirements|constraints)[\w.-]*\.txt")


def test_there_are_cases():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_layout(case: Path):
    assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", case.name), "case directories are snake_case"
    files = {p.name for p in case.iterdir() if not p.name.startswith(".") and p.name != "__pycache__"}
    assert "expected.json" in files, "missing expected.json"
    if "before.py" in files:
        # A single-file case.
        declarations = {f for f in files if DECLARATIONS.fullmatch(f)}
        assert files - declarations <= {"before.py", "after.py", "expected.json", "run.json"}, f"unexpected {sorted(files)}"
        programs = sorted(f for f in files if f.endswith(".py"))
    else:
        # A project case (several modules, packages): every .py file below it is linted
        # together, with the project index, and listed by its relative path.
        assert "after.py" not in files, "project cases have no after.py"
        programs = sorted(
            p.relative_to(case).as_posix() for p in case.rglob("*.py") if "__pycache__" not in p.parts
        )
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    assert sorted(expected) == programs, "expected.json has one entry per program file"
    for name, diagnostics in expected.items():
        lines = (case / name).read_text(encoding="utf-8").splitlines()
        compile("\n".join(lines) + "\n", str(case / name), "exec")
        for d in diagnostics:
            assert set(d) == {"row", "col", "code"} and d["code"] in CODES, d
            assert 1 <= d["row"] <= len(lines) and 1 <= d["col"] <= len(lines[d["row"] - 1]), (name, d)
        assert diagnostics == sorted(diagnostics, key=lambda d: (d["row"], d["col"], d["code"])), name


@pytest.mark.parametrize("case", [c for c in CASES if (c / "run.json").exists()],
                         ids=[c.name for c in CASES if (c / "run.json").exists()])
def test_run_json(case: Path):
    spec = json.loads((case / "run.json").read_text(encoding="utf-8"))
    phases = set(spec) - CASE_KEYS
    assert phases and phases <= {"before", "after"}, sorted(spec)
    if "unsafe_fixes" in spec:
        # after.py is what ``--fix --unsafe-fixes`` writes (tests/test_fix.py checks it).
        assert spec["unsafe_fixes"] is True and (case / "after.py").exists(), '"unsafe_fixes": true needs an after.py'
    assert "model_dir_from" not in spec.get("before", {}), '"model_dir_from" is for the after phase'
    assert spec.get("after", {}).get("model_dir_from", "before") == "before", '"model_dir_from" can only be "before"'
    if not (case / "before.py").exists():
        _check_project_run_json(case, spec)
        return
    assert not any("program" in spec[p] for p in phases), \
        'single-file cases run <phase>.py; "program" is for project cases'
    if "after" in spec:
        assert (case / "after.py").exists(), "run.json has an 'after' entry but there is no after.py"
    for phase in ("before", "after"):
        if not (case / f"{phase}.py").exists():
            continue
        assert set(spec.get(phase, {})) <= PHASE_KEYS, sorted(set(spec[phase]) - PHASE_KEYS)
        source = (case / f"{phase}.py").read_text(encoding="utf-8")
        assert 'os.environ["MODEL_DIR"]' in source, "model_dir must come from the MODEL_DIR environment variable"


def _check_project_run_json(case: Path, spec: dict) -> None:
    """A project case runs one program (e.g. main.py beside its packages), phase "before" only."""
    assert set(spec) - {"about", "note"} == {"before"}, "a project case's run.json has only a 'before' phase"
    assert "model_dir_from" not in spec["before"], '"model_dir_from" is for the after phase of a single-file case'
    phase = spec["before"]
    assert set(phase) <= PHASE_KEYS, sorted(set(phase) - PHASE_KEYS)
    name = phase.get("program")
    assert isinstance(name, str) and name.endswith(".py"), 'a project case names its "program", e.g. "main.py"'
    program = (case / name).resolve()
    assert not Path(name).is_absolute() and case.resolve() in program.parents, f"{name!r} is outside the case"
    assert program.is_file(), f'"program" {name!r} does not exist'
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    assert Path(name).as_posix() in expected, f'"program" {name!r} is not one of the linted files'
    # The model directory comes from the environment: in the program, or passed in by the checks.
    source = program.read_text(encoding="utf-8")
    assert 'os.environ["MODEL_DIR"]' in source or "MODEL_DIR" in json.dumps(phase), \
        "model_dir must come from the MODEL_DIR environment variable"
