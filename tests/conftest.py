"""Timing summary for the TensorFlow-backed tests.

Each TensorFlow run records a ``tf_run`` user property (case, phase, start, end).  User
properties travel with the test report, so this also works under pytest-xdist, where the
runs happen in worker processes and the summary is printed by the controller.

Lives in the top-level conftest so that the controller always loads it, with or
without tests/tf on the command line.
"""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Hypothesis keeps its example database and Unicode tables in ./.hypothesis by default:
# outside the checkout instead (the suite leaves the checkout as it found it).
try:
    import tempfile

    from hypothesis import configuration as _hypothesis_configuration

    _hypothesis_configuration.set_hypothesis_home_dir(
        os.path.join(tempfile.gettempdir(), f"estimator-lint-tests-hypothesis-{os.getuid()}")
    )
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass
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


# --------------------------------------------------------------------------------------
# The suite never changes the checkout it runs in
# --------------------------------------------------------------------------------------

#: What the test runner itself keeps in the checkout (not the suite's doing).
_RUNNER_STATE = ("__pycache__", ".pytest_cache", ".hypothesis", ".venv", ".venv-ci", ".git")


def _runner_owned(rel: str) -> bool:
    parts = rel.replace(os.sep, "/").strip("/").split("/")
    return any(p in _RUNNER_STATE or p.startswith(".venv") or p.endswith(".egg-info") for p in parts)


def _checkout_state():
    """``git status --porcelain --ignored`` and every file's and directory's mode, size and
    mtime; None outside a git checkout (an unpacked sdist)."""
    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    status = sorted(line for line in proc.stdout.splitlines() if not _runner_owned(line[3:]))
    entries = {}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT)
        dirnames[:] = [d for d in dirnames if not _runner_owned(os.path.join(rel_dir, d))]
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            kind = "link" if stat.S_ISLNK(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode) else "file"
            entries[os.path.relpath(path, ROOT)] = (
                kind, stat.S_IMODE(st.st_mode), None if kind == "dir" else (st.st_size, st.st_mtime_ns)
            )
    return status, entries


@pytest.fixture(scope="session", autouse=True)
def _checkout_is_left_unchanged():
    """Fails the run if a test wrote, removed or chmod-ed anything in the checkout (caches
    included, ignored or not): tests work in tmp_path and give subprocesses cwd=tmp_path."""
    before = _checkout_state()
    yield
    after = _checkout_state()
    if before is None or after is None or before == after:
        return
    status_before, entries_before = before
    status_after, entries_after = after
    changes = [f"git status: + {line}" for line in status_after if line not in status_before]
    changes += [f"git status: - {line}" for line in status_before if line not in status_after]
    for rel in sorted(set(entries_before) | set(entries_after)):
        if entries_before.get(rel) != entries_after.get(rel):
            changes.append(f"{rel}: {entries_before.get(rel)} -> {entries_after.get(rel)}")
    pytest.fail("the test suite changed the checkout:\n  " + "\n  ".join(changes[:40]), pytrace=False)


@pytest.fixture(autouse=True)
def _state_outside_the_checkout(monkeypatch, tmp_path_factory):
    """Each test's default cache directory (and the user cache directory, where the cache's
    key lives) is a temporary one: a run without --cache-dir writes nothing in the checkout
    and never answers from another test's cache."""
    monkeypatch.setenv("ESTIMATOR_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "user-cache"))
