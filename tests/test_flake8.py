"""The flake8 plugin reports exactly what the CLI reports, at the same positions."""

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

from helpers import FIXTURES, ROOT  # noqa: F401


def _lines(cmd, cwd):
    # The default cache directory, ./.estimator_lint_cache, in ``cwd`` (a temporary copy).
    env = {k: v for k, v in os.environ.items() if k != "ESTIMATOR_LINT_CACHE_DIR"}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
    # The CLI marks fixable findings with ``[*]`` after the code and says why others have no
    # fix; flake8 cannot apply fixes, and its messages carry neither.
    return proc, sorted(
        _FIX_NOTE.sub("", l.replace(" [*] ", " ", 1)) for l in proc.stdout.splitlines() if ": EST1" in l
    )


_FIX_NOTE = re.compile(r" \(no automatic fix: .*\)$")


def _single_file_cases():
    """Every single-file fixture program (project cases need the CLI's project index)."""
    return sorted(
        os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(FIXTURES, "*", "*.py"))
        if os.path.exists(os.path.join(os.path.dirname(p), "before.py"))
    )


def test_flake8_and_cli_agree_line_by_line_on_the_fixtures(tmp_path):
    files = _single_file_cases()
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    # EST106 depends on the project's requirements: one project directory per CLI run (from
    # the first path), one per linted file's directory under flake8; compared per case below.
    flake8, f_lines = _lines([sys.executable, "-m", "flake8", "--select", "EST", "--extend-ignore", "EST106", *files], tmp_path)
    cli, c_lines = _lines([sys.executable, "-m", "estimator_lint", "--ignore", "EST106", *files], tmp_path)
    assert flake8.returncode == 1 and cli.returncode == 1, flake8.stderr
    assert len(c_lines) >= 20
    assert f_lines == c_lines


def test_flake8_and_cli_agree_on_est106_in_each_project():
    cases = sorted(glob.glob(os.path.join(FIXTURES, "est106_*", "before.py")))
    assert len(cases) >= 10
    found = 0
    for before in cases:
        case = os.path.dirname(before)
        files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(case, "*.py")))
        _, f_lines = _lines([sys.executable, "-m", "flake8", "--select", "EST", *files], case)
        _, c_lines = _lines([sys.executable, "-m", "estimator_lint", "--no-cache", *files], case)
        assert [l.replace("./", "", 1) for l in f_lines] == c_lines, case
        found += len(c_lines)
    assert found >= 8


def test_flake8_messages_have_no_fix_note_and_the_plugin_plans_no_fix(tmp_path, monkeypatch):
    """flake8 cannot apply fixes: the plugin never plans one (a fifth of its cost) and
    leaves the command's "(no automatic fix: ...)" note out; the finding is the same."""
    import ast

    from estimator_lint import fix_plan
    from estimator_lint.flake8_plugin import EstimatorLintPlugin

    text = open(os.path.join(FIXTURES, "computed_setattr_name", "before.py")).read()
    path = tmp_path / "m.py"
    path.write_text(text)

    def no_planning(*args, **kwargs):
        raise AssertionError("the flake8 plugin planned a fix")

    monkeypatch.setattr(fix_plan.FixPlanner, "__init__", no_planning)
    found = [m for _, _, m, _ in EstimatorLintPlugin(ast.parse(text), text.splitlines(True), str(path)).run()]
    assert found and all(m.startswith("EST102 ") and "no automatic fix" not in m for m in found)
    _, cli = _lines([sys.executable, "-m", "estimator_lint", "--isolated", "--no-cache", "m.py"], tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "estimator_lint", "--isolated", "--no-cache", "m.py"], capture_output=True, text=True, cwd=tmp_path
    )
    notes = [l for l in proc.stdout.splitlines() if ": EST102 " in l]
    assert len(notes) == len(found) and all(l.endswith("(no automatic fix: the attribute name is computed at run time)") for l in notes)
    assert [l.split(": ", 1)[1] for l in cli] == [m for m in found]


def test_cross_module_findings_need_the_cli(tmp_path):
    """flake8 sees one file at a time: a subclass of another module's Estimator base is
    invisible to it without the project index, which the CLI builds."""
    case = os.path.join("fixtures", "multi_module_package")
    shutil.copytree(os.path.join(FIXTURES, "multi_module_package"), tmp_path / case)
    _, f_lines = _lines([sys.executable, "-m", "flake8", "--select", "EST", case], tmp_path)
    _, c_lines = _lines([sys.executable, "-m", "estimator_lint", "--no-cache", case], tmp_path)
    assert not any("models/b.py" in l for l in f_lines)
    assert any("models/b.py:5:5: EST101" in l for l in c_lines)


def test_flake8_plugin_is_registered_under_est(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert "estimator-lint" in proc.stdout


def test_flake8_noqa_and_extend_ignore(tmp_path):
    src = (
        "import tensorflow as tf\n"
        "OUT = []\n"
        "def model_fn(features, labels, mode):\n"
        "    OUT.append(features)\n"
        "    OUT.append(labels)  # noqa: EST103\n"
    )
    (tmp_path / "m.py").write_text(src)
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "EST", str(tmp_path / "m.py")], capture_output=True, text=True,
        cwd=tmp_path,
    )
    assert [l.split(": ")[0] for l in proc.stdout.splitlines()] == [f"{tmp_path / 'm.py'}:4:5"]
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "EST", "--extend-ignore", "EST103", str(tmp_path / "m.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stdout == ""


def test_flake8_uses_the_index_a_cli_run_saved(tmp_path):
    import shutil

    shutil.copytree(os.path.join(FIXTURES, "multi_module_package"), tmp_path / "proj")
    cwd = tmp_path / "proj"
    _, before = _lines([sys.executable, "-m", "flake8", "--select", "EST", "."], cwd)
    assert not any("models/b.py" in l for l in before)
    cli, _ = _lines([sys.executable, "-m", "estimator_lint", "."], cwd)
    assert (cwd / ".estimator_lint_cache" / "project-index.json").exists(), cli.stderr
    _, after = _lines([sys.executable, "-m", "flake8", "--select", "EST", "."], cwd)
    assert any("models/b.py:5:5: EST101" in l and "BaseEstimator (estpkg/base.py)" in l for l in after)
    assert any("main.py:8:12: EST104" in l for l in after)


PROJECT_CASES = sorted(
    os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(FIXTURES, "*", "expected.json"))
    if not os.path.exists(os.path.join(os.path.dirname(p), "before.py"))
)


@pytest.mark.parametrize("case", PROJECT_CASES)
def test_flake8_with_the_saved_index_matches_the_cli_on_project_cases(tmp_path, case):
    """After one CLI run, flake8 (one file at a time) reports every cross-module finding."""
    import shutil

    shutil.copytree(os.path.join(FIXTURES, case), tmp_path / "proj")
    cwd = tmp_path / "proj"
    _, c_lines = _lines([sys.executable, "-m", "estimator_lint", "."], cwd)
    _, f_lines = _lines([sys.executable, "-m", "flake8", "--select", "EST", "."], cwd)
    assert c_lines and [l.replace("./", "", 1) for l in f_lines] == c_lines


def test_a_run_over_named_files_keeps_the_saved_index(tmp_path):
    """pre-commit passes the staged files by name: that run must not replace the index of
    the whole project that flake8 reads."""
    import shutil

    shutil.copytree(os.path.join(FIXTURES, "multi_module_package"), tmp_path / "proj")
    cwd = tmp_path / "proj"
    _lines([sys.executable, "-m", "estimator_lint", "."], cwd)
    saved = (cwd / ".estimator_lint_cache" / "project-index.json").read_bytes()
    named, _ = _lines([sys.executable, "-m", "estimator_lint", "main.py", os.path.join("estpkg", "base.py")], cwd)
    assert named.returncode == 1, named.stderr  # base.py's EST101 is still found
    assert (cwd / ".estimator_lint_cache" / "project-index.json").read_bytes() == saved
    _, after = _lines([sys.executable, "-m", "flake8", "--select", "EST", "."], cwd)
    assert any("models/b.py:5:5: EST101" in l for l in after)
