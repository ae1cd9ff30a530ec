"""Run every fixture program under real TensorFlow and check what its run.json declares.

One test per case and phase (``<case>-before``, ``<case>-after``), discovered by globbing
``fixtures/*/run.json``: a new case directory needs no code change here.  A phase runs
``<phase>.py``, or the file its "program" names (project cases: e.g. ``main.py`` beside its
packages; they have only a "before" phase).  A case's after.py is run even when run.json
has no "after" entry (then it only has to run to completion).  Each test starts
``fixture_worker.py`` in a subprocess of this interpreter with a fresh ``MODEL_DIR`` and
reads the JSON report it prints as its last stdout line.  See ``fixtures/README.md`` for
the run.json format.

Run in parallel with pytest-xdist (``pytest tests/tf -n 2``): the tests are independent,
so xdist's default load scheduling spreads them over the workers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The fixtures directory (override with ESTIMATOR_LINT_FIXTURES, e.g. to try out new cases).
FIXTURES = Path(os.environ.get("ESTIMATOR_LINT_FIXTURES", ROOT / "fixtures"))
WORKER = Path(__file__).resolve().with_name("fixture_worker.py")
PHASES = ("before", "after")
#: Per-run timeout in seconds (override with ESTIMATOR_LINT_TF_TIMEOUT).
TIMEOUT = float(os.environ.get("ESTIMATOR_LINT_TF_TIMEOUT", "240"))


def _cases() -> list:
    params = []
    for run_json in sorted(FIXTURES.glob("*/run.json")):
        case_dir = run_json.parent
        try:
            spec = json.loads(run_json.read_text(encoding="utf-8"))
        except ValueError as exc:  # reported by the test, not at collection
            params.append(pytest.param(case_dir, "before", None, f"invalid JSON: {exc}", id=f"{case_dir.name}-run.json"))
            continue
        for phase in PHASES:
            # A checked-in after.py is always run, at least "must run to completion".
            if phase in spec or (case_dir / f"{phase}.py").is_file():
                program = _program(case_dir, spec, phase)
                params.append(pytest.param(case_dir, phase, program, None, id=f"{case_dir.name}-{phase}"))
    return params


def _program(case_dir: Path, spec: dict, phase: str) -> Path:
    """The file a phase runs: its "program" (relative to the case directory) or <phase>.py."""
    entry = spec.get(phase)
    name = entry.get("program") if isinstance(entry, dict) else None
    return case_dir / (name if isinstance(name, str) and name else f"{phase}.py")


def _last_json_line(stdout: str):
    lines = stdout.strip().splitlines()
    try:
        return json.loads(lines[-1]) if lines else None
    except ValueError:
        return None


def _report(result: dict) -> str:
    lines = [f"{result.get('case')} [{result.get('phase')}] in {result.get('seconds')}s:"]
    for check in result.get("checks", []):
        mark = "ok  " if check["ok"] else "FAIL"
        lines.append(f"  {mark} {check['what']}")
        if check["detail"] and not check["ok"]:
            lines.extend("         " + line for line in check["detail"].splitlines())
    if "worker_error" in result:
        lines.append("worker error:\n" + result["worker_error"])
    if not result.get("checks") and "worker_error" not in result:
        lines.append("  (no checks were run)")
    return "\n".join(lines)


@pytest.mark.parametrize("case_dir, phase, program, problem", _cases())
def test_fixture_under_tensorflow(case_dir: Path, phase: str, program, problem, tmp_path: Path,
                                  record_property) -> None:
    if problem:
        pytest.fail(f"{case_dir.name}/run.json: {problem}")
    assert program.is_file(), f"run.json declares phase {phase!r} but {program} does not exist"

    model_dir = tmp_path / "model_dir"
    model_dir.mkdir()
    spec = json.loads((case_dir / "run.json").read_text(encoding="utf-8"))
    first = spec.get(phase, {}).get("model_dir_from")
    if first is not None:
        # ``"model_dir_from": "before"``: the after program starts from the model directory
        # (the checkpoint) the before program left, as a user's fixed program would.
        _run_worker(case_dir, first, model_dir, tmp_path, record_property)
    _run_worker(case_dir, phase, model_dir, tmp_path, record_property)


def _run_worker(case_dir: Path, phase: str, model_dir: Path, tmp_path: Path, record_property) -> None:
    env = dict(os.environ)
    env.update(
        MODEL_DIR=str(model_dir),
        TF_CPP_MIN_LOG_LEVEL="3",  # C++ logging: errors only
        PYTHONHASHSEED="0",  # TF's "does override [...]" lists come from a set
        PYTHONDONTWRITEBYTECODE="1",
        CUDA_VISIBLE_DEVICES="",
    )
    command = [sys.executable, str(WORKER), str(case_dir), phase]
    start = time.time()
    proc = timed_out = None
    try:
        proc = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:  # subprocess.run has killed the worker
        timed_out = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    finally:
        record_property("tf_run", {"case": case_dir.name, "phase": phase, "start": start, "end": time.time()})
    if proc is None:
        pytest.fail(f"{case_dir.name} [{phase}] timed out after {TIMEOUT:.0f}s (ESTIMATOR_LINT_TF_TIMEOUT)\n"
                    f"--- stderr (tail) ---\n{timed_out[-4000:]}", pytrace=False)

    result = _last_json_line(proc.stdout)
    if result is None:
        pytest.fail(f"{case_dir.name} [{phase}]: the worker printed no JSON report (exit code {proc.returncode})\n"
                    f"--- stdout (tail) ---\n{proc.stdout[-2000:]}\n--- stderr (tail) ---\n{proc.stderr[-6000:]}",
                    pytrace=False)
    if not result["ok"]:
        pytest.fail(_report(result) + "\n--- program/worker stderr (tail) ---\n" + proc.stderr[-3000:], pytrace=False)
