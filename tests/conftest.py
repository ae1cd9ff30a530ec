"""Timing summary for the TensorFlow-backed tests.

Each TensorFlow run records a ``tf_run`` user property (case, phase, start, end).  User
properties travel with the test report, so this also works under pytest-xdist, where the
runs happen in worker processes and the summary is printed by the controller.

Lives in the top-level conftest so that the controller always loads it, with or
without tests/tf on the command line.
"""

from __future__ import annotations


import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")


_RUNS: dict[tuple, dict] = {}
_FAILED: set[str] = set()


def pytest_runtest_logreport(report):
    if report.failed:
        _FAILED.add(report.nodeid)
    # A property recorded in a fixture's teardown only shows up on the teardown report.
    for name, value in report.user_properties:
        if name == "tf_run":
            _RUNS[(report.nodeid, value["start"])] = dict(value, nodeid=report.nodeid)


def pytest_terminal_summary(terminalreporter):
    if not _RUNS:
        return
    runs = list(_RUNS.values())
    wall = max(r["end"] for r in runs) - min(r["start"] for r in runs)
    busy = sum(r["end"] - r["start"] for r in runs)
    slowest = sorted(runs, key=lambda r: r["start"] - r["end"])[:3]
    failed = len({r["nodeid"] for r in runs} & _FAILED)
    tr = terminalreporter
    tr.write_sep("-", "TensorFlow part")
    tr.write_line(
        f"{len(runs)} TensorFlow-backed tests ({failed} failed): total wall time {wall:.1f}s "
        f"(first start to last end), {busy:.1f}s summed over runs"
    )
    tr.write_line(
        "slowest: " + ", ".join(f"{r['case']}[{r['phase']}] {r['end'] - r['start']:.1f}s" for r in slowest)
    )
