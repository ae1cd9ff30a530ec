"""The linter's TensorFlow tables (estimator_lint.tfapi) against the live library.

The linter never imports TensorFlow, so its facts are written down by hand; these tests
read the same facts from the installed tensorflow / tensorflow_estimator and fail when
they drift apart (e.g. after a TensorFlow upgrade).

Live sources:
* members: ``dir()`` of ``tf.estimator.Estimator`` and ``tf.compat.v1.estimator.Estimator``
  minus dunder names -- exactly what ``_assert_members_are_not_overridden`` compares;
* allowed overrides: the ``allowed_overrides`` literal parsed from the source text of
  ``tensorflow_estimator.python.estimator.estimator._assert_members_are_not_overridden``,
  cross-checked by calling that function on one probe subclass per member.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_TIMING = {"start": None, "recorded": False}


@pytest.fixture(scope="module")
def tfapi():
    """estimator_lint.tfapi, imported lazily (the linter package is written in parallel)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if importlib.util.find_spec("estimator_lint") is None or importlib.util.find_spec("estimator_lint.tfapi") is None:
        pytest.skip("estimator_lint.tfapi does not exist yet")
    return importlib.import_module("estimator_lint.tfapi")


@pytest.fixture(scope="module")
def live():
    """TensorFlow's own view: the Estimator classes and the module holding the check."""
    _TIMING["start"] = time.time()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    from tensorflow_estimator.python.estimator import estimator as estimator_lib

    tf.get_logger().setLevel("ERROR")
    return {
        "tf": tf,
        "lib": estimator_lib,
        "classes": {
            "tf.estimator.Estimator": tf.estimator.Estimator,
            "tf.compat.v1.estimator.Estimator": tf.compat.v1.estimator.Estimator,
        },
    }


@pytest.fixture(autouse=True)
def _record_tf_time(record_property):
    start = time.time()
    yield
    if _TIMING["start"] is not None:
        if not _TIMING["recorded"]:  # the first test also pays for importing TensorFlow
            start, _TIMING["recorded"] = _TIMING["start"], True
        record_property("tf_run", {"case": "tfapi", "phase": "live", "start": start, "end": time.time()})


def _members(cls) -> frozenset:
    return frozenset(m for m in dir(cls) if not m.startswith("__"))


def _allowed_from_source(estimator_lib) -> frozenset:
    """The ``allowed_overrides = set([...])`` literal inside TF's check, read from its source."""
    source = textwrap.dedent(inspect.getsource(estimator_lib._assert_members_are_not_overridden))
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "allowed_overrides" for t in node.targets
        ):
            value = node.value
            if isinstance(value, ast.Call) and len(value.args) == 1:  # set([...]) / frozenset({...})
                value = value.args[0]
            found.append(frozenset(ast.literal_eval(value)))
    assert len(found) == 1, f"expected one `allowed_overrides = ...` literal in TF's check, found {len(found)}"
    return found[0]


def _refuses(estimator_lib, base, member: str, class_name: str = "Probe") -> bool:
    """Does TF's check refuse a subclass of ``base`` whose own __dict__ overrides ``member``?"""
    probe = type(class_name, (base,), {member: object()})
    instance = probe.__new__(probe)  # the check only looks at the class; skip Estimator.__init__
    try:
        estimator_lib._assert_members_are_not_overridden(base, instance)
    except ValueError as exc:
        assert repr(member) in str(exc)
        return True
    return False


@pytest.mark.parametrize("spelling", ["tf.estimator.Estimator", "tf.compat.v1.estimator.Estimator"])
def test_estimator_members_match_dir_of_estimator(tfapi, live, spelling):
    actual = _members(live["classes"][spelling])
    expected = frozenset(tfapi.ESTIMATOR_MEMBERS)
    assert expected == actual, (
        f"tfapi.ESTIMATOR_MEMBERS differs from dir({spelling}): "
        f"missing {sorted(actual - expected)}, extra {sorted(expected - actual)}"
    )


def test_allowed_overrides_match_tf_source(tfapi, live):
    actual = _allowed_from_source(live["lib"])
    expected = frozenset(tfapi.ALLOWED_OVERRIDES)
    assert expected == actual, (
        "tfapi.ALLOWED_OVERRIDES differs from allowed_overrides in TF's _assert_members_are_not_overridden: "
        f"missing {sorted(actual - expected)}, extra {sorted(expected - actual)}"
    )


@pytest.mark.parametrize("spelling", ["tf.estimator.Estimator", "tf.compat.v1.estimator.Estimator"])
def test_allowed_overrides_match_tf_behaviour(tfapi, live, spelling):
    """Override each member in turn and ask TF's check: the accepted ones are the allowed ones."""
    base = live["classes"][spelling]
    accepted = frozenset(m for m in _members(base) if not _refuses(live["lib"], base, m))
    expected = frozenset(tfapi.ALLOWED_OVERRIDES) & frozenset(tfapi.ESTIMATOR_MEMBERS)
    assert expected == accepted, (
        f"members TF accepts as overrides of {spelling} differ from tfapi.ALLOWED_OVERRIDES & ESTIMATOR_MEMBERS: "
        f"accepted but not allowed {sorted(accepted - expected)}, allowed but refused {sorted(expected - accepted)}"
    )


def test_exempt_class_name_matches_tf(tfapi, live):
    name = getattr(tfapi, "EXEMPT_CLASS_NAME", None)
    if name is None:
        pytest.skip("tfapi.EXEMPT_CLASS_NAME is not defined")
    base = live["classes"]["tf.estimator.Estimator"]
    assert not _refuses(live["lib"], base, "train", class_name=name), f"TF refuses a class named {name!r}"
    assert _refuses(live["lib"], base, "train", class_name=name + "X"), "the exemption is not by exact name"


def test_override_guard_disables_the_check(tfapi, live, tmp_path):
    """Estimator.__init__ calls the check through the (overridable) method OVERRIDE_GUARD."""
    guard = getattr(tfapi, "OVERRIDE_GUARD", None)
    if guard is None:
        pytest.skip("tfapi.OVERRIDE_GUARD is not defined")
    init_source = inspect.getsource(live["lib"].Estimator.__init__)
    assert f"self.__class__.{guard}(self)" in init_source

    def model_fn(features, labels, mode):  # never called: nothing is trained
        raise AssertionError

    muted = type("Muted", (live["classes"]["tf.estimator.Estimator"],),
                 {guard: lambda self: None, "train": lambda self, *a, **k: None})
    muted(model_fn=model_fn, model_dir=str(tmp_path))  # no ValueError although train is overridden


# What --fix may move into ``predictions`` (tfapi.prediction_misfit), built in a TF1 graph.
_PREDICTION_PROBES = {
    # expression -> the qualname the linter resolves, and what TF makes of it
    "tf.group(x)": ("tensorflow.group", "rejected"),
    "tf.no_op()": ("tensorflow.no_op", "rejected"),
    "tf.debugging.assert_positive(x)": ("tensorflow.debugging.assert_positive", "rejected"),
    "tf.compat.v1.metrics.accuracy(labels, x)": ("tensorflow.compat.v1.metrics.accuracy", "rejected"),
    "tf.compat.v1.summary.merge_all()": ("tensorflow.compat.v1.summary.merge_all", "rejected"),
    "tf.compat.v1.summary.histogram('h', x)": ("tensorflow.compat.v1.summary.histogram", "scalar"),
    "tf.size(x)": ("tensorflow.size", "scalar"),
    "tf.rank(x)": ("tensorflow.rank", "scalar"),
    "tf.compat.v1.losses.mean_squared_error(labels, x)": ("tensorflow.compat.v1.losses.mean_squared_error", "scalar"),
    "tf.nn.softmax(x)": ("tensorflow.nn.softmax", "batched"),
}


@pytest.mark.parametrize("expression", sorted(_PREDICTION_PROBES))
def test_prediction_misfits_match_what_estimator_spec_accepts(tfapi, live, expression):
    """Values the fix never moves are refused by EstimatorSpec (only Tensors); the unsafe
    ones are scalars (no batch dimension for predict() to slice); the rest is batched."""
    tf = live["tf"]
    qualname, behaviour = _PREDICTION_PROBES[expression]
    misfit = tfapi.prediction_misfit(qualname)
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        labels = tf.compat.v1.placeholder(tf.float32, [None, 3])
        value = eval(expression, {"tf": tf, "x": x, "labels": labels})  # noqa: S307 (a fixed probe)
        try:
            tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.PREDICT, predictions={"k": value})
            accepted = True
        except TypeError:
            accepted = False
    if behaviour == "rejected":
        assert not accepted and misfit in ("operation", "pair", "summary")
    elif behaviour == "scalar":
        assert accepted and value.shape.rank == 0 and misfit in ("unbatched", "summary")
    else:
        assert accepted and value.shape.rank == 2 and misfit is None


@pytest.mark.parametrize("spelling", ["tf.estimator.Estimator", "tf.compat.v1.estimator.Estimator"])
def test_a_member_aliased_to_the_estimators_own_passes_tfs_check(live, spelling):
    """``predict = tf.estimator.Estimator.predict`` is no override to TF (EST101 stays silent);
    another member's function under the name is."""
    base = live["classes"][spelling]
    for member, value, refused in (("predict", base.predict, False), ("evaluate", base.train, True)):
        probe = type("Aliased", (base,), {member: value})
        instance = probe.__new__(probe)
        try:
            live["lib"]._assert_members_are_not_overridden(base, instance)
            raised = False
        except ValueError:
            raised = True
        assert raised is refused, (spelling, member)
