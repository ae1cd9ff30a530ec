"""``--jobs N``: a worker that dies costs one file, and the output never depends on N."""

import os
import shutil
import subprocess
import sys

import pytest

import _worker_hooks
from estimator_lint.cli import main
from estimator_lint.discovery import discover
from estimator_lint.engine import Settings
from estimator_lint.runner import WORKER_DIED, lint_paths
from helpers import FIXTURES, ROOT

KILLER = (
    "import tensorflow as tf\n"
    "class Killer(tf.estimator.Estimator):\n"
    "    def train(self, input_fn):\n"
    "        pass\n"
)


def _tree(tmp_path, killers=("m_killer.py",), copies=2):
    """The fixtures (``copies`` times) plus files that the hook makes fatal."""
    for i in range(copies):
        shutil.copytree(FIXTURES, tmp_path / f"copy{i}", ignore=shutil.ignore_patterns("run.json", "*.json"))
    for name in killers:
        (tmp_path / "copy0" / name).write_text(KILLER)
    files, missing = discover([str(tmp_path)])
    assert not missing and len(files) > 50
    return files


def _summary(results):
    return [(r.path, r.error and r.error.message, [(d.line, d.column, d.code) for d in r.diagnostics]) for r in results]


@pytest.mark.parametrize("how", ["sigkill", "segv", "exit"])
def test_dying_worker_costs_exactly_its_file(tmp_path, monkeypatch, how):
    files = _tree(tmp_path)
    expected = _summary(lint_paths(files, Settings(), jobs=1))
    _worker_hooks.patch_pool(monkeypatch, ["m_killer.py"], how)
    got = _summary(lint_paths(files, Settings(), jobs=2))
    killer = str(tmp_path / "copy0" / "m_killer.py")
    assert [p for p, _, _ in got] == files  # every file once, in order
    for (path, error, diags), (_, want_error, want_diags) in zip(got, expected):
        if path == killer:
            assert (error, diags) == (WORKER_DIED, [])
        else:
            assert (error, diags) == (want_error, want_diags), path


def test_the_deliberate_segfault_prints_no_crash_report(tmp_path):
    """The README's test command must not print "Fatal Python error: Segmentation fault"
    for the worker the test above kills on purpose (pytest's faulthandler writes it to
    the terminal, past pytest's capture)."""
    test = os.path.join(ROOT, "tests", "test_concurrency.py") + "::test_dying_worker_costs_exactly_its_file[segv]"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "base"), test],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "1 passed" in proc.stdout
    assert "Fatal Python error" not in proc.stdout + proc.stderr
    assert "Segmentation fault" not in proc.stdout + proc.stderr


def test_several_deadly_files_and_many_chunks(tmp_path, monkeypatch):
    killers = ("a_killer.py", "m_killer.py", "z_killer.py")
    files = _tree(tmp_path, killers, copies=4)
    expected = _summary(lint_paths(files, Settings(), jobs=1))
    _worker_hooks.patch_pool(monkeypatch, killers, "sigkill")
    got = _summary(lint_paths(files, Settings(), jobs=3))
    died = [p for p, error, _ in got if error == WORKER_DIED]
    assert sorted(died) == sorted(str(tmp_path / "copy0" / k) for k in killers)
    assert [row for row in got if row[0] not in died] == [row for row in expected if row[0] not in died]


def test_a_death_that_does_not_repeat_costs_nothing(tmp_path, monkeypatch):
    files = _tree(tmp_path)
    expected = _summary(lint_paths(files, Settings(), jobs=1))
    markers = tmp_path / "markers"
    markers.mkdir()
    _worker_hooks.patch_pool(monkeypatch, ["m_killer.py"], "once", str(markers))
    assert _summary(lint_paths(files, Settings(), jobs=2)) == expected
    assert os.listdir(markers) == ["m_killer.py.died"]  # it did die once


def test_cli_reports_the_dead_worker_file_and_finishes(tmp_path):
    files = _tree(tmp_path, copies=1)
    killer = tmp_path / "copy0" / "m_killer.py"
    script = (
        "import sys\n"
        f"sys.path.insert(0, {os.path.join(ROOT, 'tests')!r})\n"
        "import _worker_hooks\n"
        "_worker_hooks.patch_pool(None, ['m_killer.py'], 'sigkill')\n"
        "from estimator_lint.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, "--jobs", "2", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    plain = subprocess.run([sys.executable, "-m", "estimator_lint", "--jobs", "1", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert f"{killer}:1:1: error: {WORKER_DIED}\n" in proc.stdout
    assert "Traceback" not in proc.stderr
    # Everything else is what a sequential run prints.
    other = [l for l in proc.stdout.splitlines() if not l.startswith(str(killer)) and str(tmp_path) in l]
    want = [l for l in plain.stdout.splitlines() if not l.startswith(str(killer)) and str(tmp_path) in l]
    assert other == want and len(want) > 20
    assert "1 file could not be checked." in proc.stdout


def _outputs_per_jobs(capsys, tmp_path, target, jobs_list):
    """``main()`` per job count, each run linting everything: ``--no-cache``, and a fresh cache
    directory (the run fills it, nothing answers from it) -- never a cache another run filled."""
    outputs = {}
    for jobs in jobs_list:
        for how in ("no-cache", "fresh-cache"):
            cache = ["--no-cache"] if how == "no-cache" else ["--cache-dir", str(tmp_path / f"cache-{jobs}")]
            code = main(["--jobs", str(jobs), *cache, target])
            outputs[jobs, how] = (code, capsys.readouterr().out)
        assert os.path.isdir(tmp_path / f"cache-{jobs}")
    return outputs


def test_output_is_identical_for_any_number_of_jobs(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no default cache directory in the checkout either
    outputs = _outputs_per_jobs(capsys, tmp_path, FIXTURES, (1, 2, 3))
    code, out = outputs[1, "no-cache"]
    # The sequential run (no workers) finds them all; every other run must equal it.
    assert code == 1 and out.count(": EST1") > 20
    assert set(outputs.values()) == {(code, out)}, {k: v[1].count(": EST1") for k, v in outputs.items()}


def test_output_is_identical_for_any_number_of_jobs_with_bad_files(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURES, tmp_path / "fx")
    (tmp_path / "fx" / "deep.py").write_text("model_fn = " + "(" * 300 + ")" * 300 + "\n")
    (tmp_path / "fx" / "syntax.py").write_text("model_fn(:\n")
    (tmp_path / "fx" / "binary.py").write_bytes(b"\xff\xfe Estimator")
    (tmp_path / "fx" / "broken.py").symlink_to(tmp_path / "nowhere")
    outputs = _outputs_per_jobs(capsys, tmp_path, str(tmp_path / "fx"), (1, 2, 3, 8))
    assert len(set(outputs.values())) == 1
    (code, out), = set(outputs.values())
    assert code == 1 and "4 files could not be checked." in out and out.count(": EST1") > 20
