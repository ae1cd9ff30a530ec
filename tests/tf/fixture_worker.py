"""Run one fixture program under real TensorFlow and check what its run.json declares.

Usage (the pytest harness does this, one subprocess per case and phase)::

    MODEL_DIR=/fresh/tmp/dir python tests/tf/fixture_worker.py fixtures/<case> before|after

The program ``fixtures/<case>/<phase>.py`` -- or the phase's ``"program"``, a path relative to
the case directory (project cases: e.g. ``"main.py"`` next to its packages) -- is executed
like ``python <program>`` would (module name ``__main__``, ``sys.argv[0]`` = the file, its
directory first on ``sys.path``), but in-process so that its global namespace survives --
also when it raises -- and the declared checks can look into it.

The worker never asserts: it records every check as ``{"what", "ok", "detail"}`` and prints
ONE JSON object as the LAST line of stdout.  Everything the program itself prints goes to
stderr, so stdout stays parseable.

run.json format -- see ``fixtures/README.md`` for the full description::

    {
      "about": "free text, ignored",
      "before": {                      # phase: runs before.py (likewise "after" runs after.py)
        "program": "main.py",          # optional: run this file instead of <phase>.py
        "raises": {"type": "ValueError", "match": "<regex>", "line_contains": "<text>"},
        "checks": [{"expr": "<python expr>", "equals": <json value>},
                   {"expr": "<python expr>", "raises": "AttributeError", "match": "<regex>"},
                   {"expr": "<python expr>", "matches": "<regex on str(value)>"}],
        "evaluate": {"input_fn": "<expr>", "keys": ["mse", "loss"]},
        "predict": {"input_fn": "<expr>", "keys": ["dense_output"], "batch_size": 1}
      }
    }
"""

from __future__ import annotations

import contextlib
import json
import linecache
import os
import re
import sys
import time
import traceback
import types
from pathlib import Path

#: ``model_dir_from`` is read by the harness (tests/tf/test_fixtures_tf.py), which runs that
#: phase first in the same MODEL_DIR; the worker only accepts it.
PHASE_KEYS = {"about", "note", "program", "raises", "checks", "evaluate", "predict", "model_dir_from"}
RAISES_KEYS = {"type", "match", "line_contains", "note"}
CHECK_KEYS = {"expr", "equals", "raises", "match", "matches", "note"}
EVALUATE_KEYS = {"estimator", "input_fn", "keys", "note"}
PREDICT_KEYS = {"estimator", "input_fn", "keys", "batch_size", "note"}


class Recorder:
    def __init__(self) -> None:
        self.checks: list[dict] = []

    def add(self, what: str, ok: bool, detail: str = "") -> bool:
        self.checks.append({"what": what, "ok": bool(ok), "detail": detail})
        return bool(ok)


def _type_names(exc: BaseException) -> set[str]:
    """Names of the exception's class and its bases (so "OpError" matches its subclasses)."""
    return {cls.__name__ for cls in type(exc).__mro__}


def _describe(exc: BaseException) -> str:
    """Exception type and message; long multi-line messages (tf.errors.OpError carries a
    "Detected at node ... defined at" trace) are cut to their first and last lines."""
    lines = [line for line in _message(exc).splitlines()
             if line.strip() and not line.strip().startswith('File "')]
    if len(lines) > 5:
        lines = lines[:1] + ["[...]"] + lines[-3:]
    return f"{type(exc).__module__}.{type(exc).__qualname__}: " + "\n".join(lines)


def _message(exc: BaseException) -> str:
    # tf.errors.OpError.__str__ prepends a long "Graph execution error: Detected at node ..."
    # trace; .message is the same text.  Keep str(); it is what a user sees.
    return str(exc)


def _short(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[: limit // 2] + " [...] " + text[-limit // 2:]


def _jsonable(value):
    """Turn a Python/numpy value into plain JSON data for comparison with run.json."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with TensorFlow
        np = None
    if np is not None:
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, np.generic):
            return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _unknown_keys(rec: Recorder, where: str, spec: dict, allowed: set[str]) -> None:
    extra = sorted(set(spec) - allowed)
    if extra:
        rec.add(f"{where}: only known keys are used", False, f"unknown keys {extra}; allowed {sorted(allowed)}")


def _program_lines(tb, program: str) -> list[tuple[int, str]]:
    """Program frames of a traceback, outermost first: [(line number, source line)]."""
    return [(line, linecache.getline(program, line).strip())
            for frame, line in traceback.walk_tb(tb) if frame.f_code.co_filename == program]


def run_program(program: Path) -> tuple[types.ModuleType, BaseException | None, float]:
    """Execute ``program`` as ``__main__``; return its module, the exception it raised, seconds."""
    path = str(program)
    source = program.read_text(encoding="utf-8")
    code = compile(source, path, "exec", dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    sys.argv = [path]
    sys.path.insert(0, str(program.parent))
    start = time.monotonic()
    error = None
    try:
        exec(code, module.__dict__)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            error = exc
    except BaseException as exc:  # noqa: B902 - the program's failure is the observation
        error = exc
    return module, error, time.monotonic() - start


def check_outcome(rec: Recorder, spec: dict, program: Path, error: BaseException | None) -> None:
    expected = spec.get("raises")
    if expected is None:
        detail = ""
        if error is not None:
            detail = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        rec.add("program runs to completion", error is None, _short(detail, 4000))
        return
    _unknown_keys(rec, "raises", expected, RAISES_KEYS)
    want = expected["type"]
    if error is None:
        rec.add(f"program raises {want}", False, "the program completed without raising")
        return
    rec.add(f"program raises {want}", want in _type_names(error), _describe(error))
    if "match" in expected:
        rec.add(f"exception message matches /{expected['match']}/",
                re.search(expected["match"], _message(error), re.DOTALL) is not None, _short(_message(error)))
    if "line_contains" in expected:
        # The outermost program frame: the top-level statement that failed.
        frames = _program_lines(error.__traceback__, str(program)) or [(None, "")]
        rec.add(f"exception surfaces at the program statement containing {expected['line_contains']!r}",
                expected["line_contains"] in frames[0][1],
                " <- ".join(f"{program.name}:{n}: {text}" for n, text in frames))


def run_checks(rec: Recorder, checks: list, namespace: dict) -> None:
    for i, check in enumerate(checks):
        _unknown_keys(rec, f"checks[{i}]", check, CHECK_KEYS)
        expr = check["expr"]
        modes = [k for k in ("equals", "raises", "matches") if k in check]
        if len(modes) != 1:
            rec.add(f"checks[{i}] {expr!r}", False, "give exactly one of equals / raises / matches")
            continue
        mode = modes[0]
        try:
            value = eval(expr, namespace)  # noqa: S307 - run.json is part of the test suite
        except BaseException as exc:  # noqa: B902
            if mode != "raises":
                rec.add(f"{expr} {mode} {check[mode]!r}", False, "evaluating it raised " + _short(_describe(exc)))
                continue
            what = f"{expr} raises {check['raises']}"
            ok = check["raises"] in _type_names(exc)
            if ok and "match" in check:
                what += f" matching /{check['match']}/"
                ok = re.search(check["match"], _message(exc), re.DOTALL) is not None
            rec.add(what, ok, _short(_describe(exc)))
            continue
        if mode == "raises":
            rec.add(f"{expr} raises {check['raises']}", False, f"no exception; value {_short(repr(value))}")
        elif mode == "equals":
            shown = f"({expr})" if re.search(r"[<>=!]=?| is | in | and | or ", expr) else expr
            rec.add(f"{shown} == {check['equals']!r}", _jsonable(value) == check["equals"], _short(repr(value)))
        else:
            rec.add(f"str({expr}) matches /{check['matches']}/",
                    re.search(check["matches"], str(value), re.DOTALL) is not None, _short(str(value)))


def _eval_estimator(spec: dict, namespace: dict):
    return eval(spec.get("estimator", "estimator"), namespace)  # noqa: S307


def run_evaluate(rec: Recorder, spec: dict, namespace: dict) -> None:
    import numpy as np

    _unknown_keys(rec, "evaluate", spec, EVALUATE_KEYS)
    keys = spec["keys"]
    try:
        estimator = _eval_estimator(spec, namespace)
        metrics = estimator.evaluate(input_fn=eval(spec["input_fn"], namespace))  # noqa: S307
    except BaseException:  # noqa: B902
        rec.add(f"estimator.evaluate() returns metrics {keys}", False, _short(traceback.format_exc(), 4000))
        return
    rec.add(f"estimator.evaluate() returns metrics {keys}", set(keys) <= set(metrics),
            f"got {sorted(metrics)}")
    for key in keys:
        if key in metrics:
            value = np.asarray(metrics[key])
            rec.add(f"evaluate()[{key!r}] is a finite number",
                    value.shape == () and np.issubdtype(value.dtype, np.number) and bool(np.isfinite(value)),
                    repr(metrics[key]))


def run_predict(rec: Recorder, spec: dict, namespace: dict) -> None:
    """Batch view (yield_single_examples=False): every key is a numpy array of
    ``batch_size`` rows.  Per-example view (the default, as users iterate it): the same
    keys are numpy values whose shape is the batch shape without its first dimension."""
    import numpy as np

    _unknown_keys(rec, "predict", spec, PREDICT_KEYS)
    keys, batch_size = spec["keys"], spec["batch_size"]
    try:
        estimator = _eval_estimator(spec, namespace)
        input_fn = eval(spec["input_fn"], namespace)  # noqa: S307
        batch = next(iter(estimator.predict(input_fn=input_fn, yield_single_examples=False)))
        single = next(iter(estimator.predict(input_fn=input_fn)))
    except BaseException:  # noqa: B902
        rec.add(f"estimator.predict() yields {keys}", False, _short(traceback.format_exc(), 4000))
        return
    shapes = {k: getattr(v, "shape", type(v).__name__) for k, v in batch.items()}
    rec.add(f"estimator.predict() yields keys {keys}", set(keys) <= set(batch), f"got {shapes}")
    for key in keys:
        if key not in batch:
            continue
        value = batch[key]
        ok = isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == batch_size
        rec.add(f"predict(yield_single_examples=False)[{key!r}] is a numpy array with batch dimension "
                f"{batch_size}", ok, f"{type(value).__name__} shape={getattr(value, 'shape', None)}")
        if ok and np.issubdtype(value.dtype, np.floating):
            rec.add(f"predict()[{key!r}] values are finite", bool(np.all(np.isfinite(value))), _short(repr(value)))
        item = single.get(key)
        rec.add(f"predict()[{key!r}] (one example) is a numpy value of shape {tuple(value.shape[1:])}",
                isinstance(item, (np.ndarray, np.generic)) and np.shape(item) == tuple(value.shape[1:]),
                f"{type(item).__name__} shape={np.shape(item) if item is not None else None}")


def program_path(case_dir: Path, phase: str, spec: dict) -> Path:
    """The file a phase runs: its "program" (relative to the case directory) or <phase>.py."""
    name = spec.get("program", f"{phase}.py")
    if not isinstance(name, str) or not name or Path(name).is_absolute():
        raise ValueError(f'{phase}: "program" must be a relative path, got {name!r}')
    case = case_dir.resolve()
    program = (case / name).resolve()
    if case not in program.parents:
        raise ValueError(f'{phase}: "program" {name!r} lies outside the case directory')
    if not program.is_file():
        raise ValueError(f"{phase}: the program {name!r} does not exist in {case_dir}")
    return program


def run_phase(case_dir: Path, phase: str, rec: Recorder) -> dict:
    spec_all = json.loads((case_dir / "run.json").read_text(encoding="utf-8"))
    spec = spec_all.get(phase, {})  # no entry: the program only has to run to completion
    _unknown_keys(rec, phase, spec, PHASE_KEYS)
    program = program_path(case_dir, phase, spec)

    import tensorflow as tensorflow_module  # the program would import it anyway
    tensorflow_module.get_logger().setLevel("ERROR")
    import numpy

    module, error, seconds = run_program(program)
    check_outcome(rec, spec, program, error)
    if error is not None and "raises" not in spec:
        return {"program_seconds": seconds}  # nothing sensible left to check

    namespace = module.__dict__
    # Names check expressions may rely on whatever the program imported itself.
    namespace.setdefault("tensorflow", tensorflow_module)
    namespace.setdefault("np", numpy)
    run_checks(rec, spec.get("checks", []), namespace)
    if "evaluate" in spec:
        run_evaluate(rec, spec["evaluate"], namespace)
    if "predict" in spec:
        run_predict(rec, spec["predict"], namespace)
    return {"program_seconds": seconds}


def main(argv: list[str]) -> int:
    case_dir, phase = Path(argv[1]), argv[2]
    real_stdout = sys.stdout
    rec = Recorder()
    result: dict = {"case": case_dir.name, "phase": phase, "pid": os.getpid()}
    start = time.monotonic()
    try:
        with contextlib.redirect_stdout(sys.stderr):
            result.update(run_phase(case_dir, phase, rec))
    except BaseException:  # noqa: B902 - a harness or run.json error, reported as such
        result["worker_error"] = traceback.format_exc()
    result["seconds"] = round(time.monotonic() - start, 3)
    result["checks"] = rec.checks
    result["ok"] = "worker_error" not in result and bool(rec.checks) and all(c["ok"] for c in rec.checks)
    real_stdout.write("\n" + json.dumps(result) + "\n")
    real_stdout.flush()
    # Skip interpreter teardown of TensorFlow (slow, sometimes noisy); everything is flushed.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
