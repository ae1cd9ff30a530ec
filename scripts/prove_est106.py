"""Prove EST106's runtime claim: each EST106 fixture fails under TensorFlow 2.16 exactly as
its message says, and runs under TensorFlow 2.15.1.

    python scripts/prove_est106.py [--venv DIR] [--tf215-python PYTHON]

Creates (or reuses) a virtual environment with ``tensorflow-cpu==2.16.2`` from the package
index (``--venv``, default: a directory in the system's temporary directory), then, for
every ``fixtures/est106_*`` case:

* lints it as a run in its directory would (its own declaration files), and reads the
  exception each EST106 message announces (``AttributeError: module 'tensorflow' has no
  attribute 'estimator'``, ``ModuleNotFoundError: No module named 'tensorflow_estimator'``);
* runs the case's program under 2.16.2: a case with a finding must fail with that
  exception (``...`` in a message stands for any text), a clean case must run, unless it
  keeps Estimator code behind a pin below 2.16 (then 2.16 is not its TensorFlow: reported,
  not judged);
* runs the same program under 2.15.1 (``--tf215-python``, default: this interpreter, the
  test environment): every case must run.

Not part of the test suite: installing TensorFlow and running ~35 TensorFlow programs takes
minutes.  Prints one line per case and run, and exits 1 if any claim does not hold.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from estimator_lint import config, requirements  # noqa: E402
from estimator_lint.runner import lint_paths  # noqa: E402
from estimator_lint.project import build_project_index  # noqa: E402

TF_216 = "tensorflow-cpu==2.16.2"
# Runs the program as `python program.py` would, and prints how it ended as one JSON line.
RUNNER = r"""
import json, os, runpy, sys, traceback
program = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.dirname(program))
sys.argv = [program]
try:
    runpy.run_path(program, run_name="__main__")
    outcome = {"ok": True}
except BaseException as exc:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(os.path.dirname(program))]
    where = f"{os.path.relpath(frames[-1].filename, os.path.dirname(program))}:{frames[-1].lineno}" if frames else "?"
    outcome = {"ok": False, "type": type(exc).__name__, "message": str(exc), "where": where}
import tensorflow
outcome["tf"] = tensorflow.__version__
print(json.dumps(outcome))
"""


def ensure_venv(directory: str) -> str:
    python = os.path.join(directory, "bin", "python")
    if not os.path.exists(python):
        print(f"creating {directory} and installing {TF_216} ...", flush=True)
        venv.create(directory, with_pip=True)
    check = subprocess.run([python, "-c", "import tensorflow as tf; print(tf.__version__)"], capture_output=True,
                           text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if check.stdout.strip() != TF_216.split("==")[1]:
        subprocess.run([python, "-m", "pip", "install", "-q", TF_216, "numpy<2"], check=True)
    return python


def case_program(case_dir: str) -> str:
    spec = json.load(open(os.path.join(case_dir, "run.json"), encoding="utf-8"))
    return os.path.join(case_dir, spec.get("before", {}).get("program", "before.py"))


def findings(case_dir: str) -> list:
    """The EST106 diagnostics of a case, linted with its own declarations."""
    pyproject = os.path.join(case_dir, "pyproject.toml")
    file_config = config.load_pyproject(pyproject) if os.path.exists(pyproject) else None
    scan = requirements.scan_project(case_dir)
    settings = config.resolve(config.Overrides(), file_config, case_dir, requirements=scan).settings
    files = sorted(
        os.path.join(directory, name)
        for directory, _, names in os.walk(case_dir)
        for name in names
        if name.endswith(".py") and name != "setup.py"
    )
    index = build_project_index(files, settings) if len(files) > 1 else None
    return [
        (os.path.relpath(result.path, case_dir), d)
        for result in lint_paths(files, settings, index=index)
        for d in result.diagnostics
        if d.code == "EST106"
    ]


def announced(message: str) -> str:
    """The exception an EST106 message announces: `Type: message` (``...``: any text)."""
    match = re.search(r"\((\w+(?:Error|Exception): [^)]*)\)", message)
    assert match, message
    return match.group(1)


def matches(announcement: str, raised: str) -> bool:
    pattern = "^" + re.escape(announcement).replace(re.escape("..."), ".*") + "$"
    return re.match(pattern, raised) is not None


def run(python: str, program: str) -> dict:
    with tempfile.TemporaryDirectory() as model_dir:
        env = {**os.environ, "MODEL_DIR": model_dir, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
        proc = subprocess.run([python, "-c", RUNNER, program], capture_output=True, text=True, env=env, cwd=model_dir,
                              timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"ok": False, "type": "crash", "message": proc.stderr[-500:], "where": "?", "tf": "?"}
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", default=os.path.join(tempfile.gettempdir(), "estimator-lint-tf216"))
    parser.add_argument("--tf215-python", default=sys.executable)
    args = parser.parse_args()
    python_216 = ensure_venv(args.venv)
    cases = sorted(
        os.path.join(ROOT, "fixtures", name)
        for name in os.listdir(os.path.join(ROOT, "fixtures"))
        if name.startswith("est106_")
    )
    failures = 0
    for case_dir in cases:
        name = os.path.basename(case_dir)
        program = case_program(case_dir)
        found = findings(case_dir)
        new = run(python_216, program)
        old = run(args.tf215_python, program)
        shown = os.path.relpath(program, case_dir)
        if found:
            # The program fails in the file it runs first: main.py of a project case.
            (path, first), = [(p, d) for p, d in found if p == shown] or found[:1]
            announcement = announced(first.message)
            got = f"{new.get('type')}: {new.get('message')}"
            held = not new["ok"] and matches(announcement, got)
            verdict = "HOLDS" if held else "DOES NOT HOLD"
            print(f"{name}: EST106 at {path}:{first.line} announces {announcement}")
            print(f"    TF {new['tf']}: {got} at {new.get('where')}  -> {verdict}")
        else:
            # Clean: either no Estimator code (must run under 2.16 too) or kept below 2.16.
            uses_estimators = new["ok"] is False and "estimator" in new.get("message", "")
            held = new["ok"] or uses_estimators
            note = "runs" if new["ok"] else (
                f"{new['type']}: {new['message']} (Estimator code whose declarations do not admit 2.16: "
                "EST106 is silent by design)"
            )
            verdict = "HOLDS" if held else "DOES NOT HOLD"
            print(f"{name}: no EST106 finding")
            print(f"    TF {new['tf']}: {note}  -> {verdict}")
        print(f"    TF {old['tf']}: {'runs' if old['ok'] else 'FAILS: ' + old.get('type', '') + ': ' + old.get('message', '')}")
        failures += (not held) + (not old["ok"])
    print(f"{len(cases)} cases, {failures} claims that do not hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
