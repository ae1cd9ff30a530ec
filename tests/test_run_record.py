"""Run records: an unchanged re-run replays its output; any changed input runs the linter."""

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from estimator_lint import run_record, trust
from estimator_lint.cli import main

BAD = (
    "import tensorflow as tf\n"
    "class E(tf.estimator.Estimator):\n"
    "    def train(self, input_fn, steps=None):\n"
    "        return 1\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    # Files written by the test are older than its runs; no need to wait out the racy window.
    monkeypatch.setattr(run_record, "RACY_SECONDS", 0.0)
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "bad.py").write_text(BAD)
    (root / "ok.py").write_text("x = 1\n")
    monkeypatch.chdir(root)
    return root


def run(capsys, monkeypatch, *argv, cache="../cache"):
    """(exit status, stdout, stderr, whether the run was replayed)."""
    replays = []
    real = run_record.replay

    def spy(args):
        replays.append(real(args))
        return replays[-1]

    monkeypatch.setattr(run_record, "replay", spy)
    code = main(["--cache-dir", cache, *argv])
    out, err = capsys.readouterr()
    return code, out, err, replays[-1] is not None


def test_an_unchanged_rerun_replays_what_the_run_printed(project, capsys, monkeypatch):
    first = run(capsys, monkeypatch, ".")
    assert first[0] == 1 and "pkg/bad.py:3:5: EST101" in first[1] and not first[3]
    second = run(capsys, monkeypatch, ".")
    assert second == (*first[:3], True)
    # --quiet, --output-format, another path: other invocations, other records.
    assert not run(capsys, monkeypatch, "--quiet", ".")[3]
    assert run(capsys, monkeypatch, "--quiet", ".")[3]
    assert not run(capsys, monkeypatch, "--output-format", "json", ".")[3]


@pytest.mark.parametrize("change", ["edit", "add", "remove", "init", "config", "chmod", "index"])
def test_any_changed_input_runs_the_linter(project, capsys, monkeypatch, change):
    # Only pkg/ is walked: the configuration and __init__.py files above it are probes.
    (project / "pkg" / "__init__.py").write_text("")
    run(capsys, monkeypatch, "pkg")
    assert run(capsys, monkeypatch, "pkg")[3]
    bad = project / "pkg" / "bad.py"
    if change == "edit":
        bad.write_text(BAD.replace("def train", "def train_more"))
    elif change == "add":
        (project / "pkg" / "new.py").write_text(BAD.replace("E(", "F("))
    elif change == "remove":
        bad.unlink()
    elif change == "init":
        # Module names come from __init__.py files: pkg.bad becomes proj.pkg.bad.
        (project / "__init__.py").write_text("")
    elif change == "config":
        (project / "pyproject.toml").write_text('[tool.estimator-lint]\nignore = ["EST101"]\n')
    elif change == "chmod":
        os.chmod(bad, 0o600)
    elif change == "index":
        # The project index the run saved for flake8: a replay would not write it again.
        (project.parent / "cache" / "project-index.json").unlink()
    code, out, err, replayed = run(capsys, monkeypatch, "pkg")
    assert not replayed
    expected = {"edit": "", "add": "pkg/new.py:3:5: EST101", "remove": "", "init": "pkg/bad.py:3:5", "config": "",
                "chmod": "pkg/bad.py:3:5", "index": "pkg/bad.py:3:5"}[change]
    assert expected in out
    if change in ("edit", "remove", "config"):
        assert "EST101" not in out and code == 0
    assert run(capsys, monkeypatch, "pkg")[3]  # the new state is recorded in turn
    if change == "index":
        assert (project.parent / "cache" / "project-index.json").exists()


def test_fixing_runs_are_never_recorded_or_replayed(project, capsys, monkeypatch):
    for argv in (["--diff", "."], ["--diff", "."], ["--no-cache", "."], ["--no-cache", "."]):
        assert not run(capsys, monkeypatch, *argv)[3]
    assert not os.path.exists(os.path.join(project.parent, "cache", run_record.RUNS_DIR))


def test_inputs_changed_just_before_the_run_are_not_recorded(project, capsys, monkeypatch):
    monkeypatch.setattr(run_record, "RACY_SECONDS", 3600.0)  # every file is "just written"
    run(capsys, monkeypatch, ".")
    assert not run(capsys, monkeypatch, ".")[3]


def test_a_damaged_record_or_an_edited_linter_replays_nothing(project, capsys, monkeypatch):
    first = run(capsys, monkeypatch, ".")
    runs = project.parent / "cache" / run_record.RUNS_DIR
    [record] = list(runs.iterdir())
    record.write_bytes(record.read_bytes()[:100])
    assert run(capsys, monkeypatch, ".")[:3] == first[:3]  # ran, and wrote a new record
    assert json.loads(trust.unseal(record.read_bytes()))["exit"] == 1
    assert run(capsys, monkeypatch, ".")[3]
    monkeypatch.setattr(run_record, "code_stats", lambda: [["engine.py", [1, 2, 3, 4]]])
    assert not run(capsys, monkeypatch, ".")[3]


def test_a_replayed_run_imports_only_the_record(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    time.sleep(run_record.RACY_SECONDS + 0.1)  # out of the racy window: the first run records
    code = textwrap.dedent(
        """
        import sys
        from estimator_lint.cli import main
        status = main(["--cache-dir", "cache", "bad.py", "ok_missing_is_not_here.py"][:3])
        loaded = sorted(m for m in sys.modules if m.startswith("estimator_lint"))
        print(loaded, file=sys.stderr)
        sys.exit(status)
        """
    )
    runs = [subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True) for _ in "ab"]
    assert [r.returncode for r in runs] == [1, 1] and runs[0].stdout == runs[1].stdout
    assert "bad.py:3:5: EST101" in runs[1].stdout
    assert "estimator_lint.engine" in runs[0].stderr
    assert runs[1].stderr.strip().splitlines()[-1] == str(
        ["estimator_lint", "estimator_lint.cli", "estimator_lint.run_record", "estimator_lint.trust"]
    )


def test_a_named_path_that_disappears_is_seen(project, capsys, monkeypatch):
    # Excluded by --force-exclude, the path is neither walked nor checked; deleting it is
    # still an error a real run reports.
    gone = project / "gone.py"
    gone.write_text("x = 1\n")
    argv = ("--force-exclude", "--extend-exclude", "gone.py", "gone.py", "ok.py")
    run(capsys, monkeypatch, *argv)
    assert run(capsys, monkeypatch, *argv)[3]
    gone.unlink()
    code, _, err, replayed = run(capsys, monkeypatch, *argv)
    assert not replayed and code == 1 and err == ""
