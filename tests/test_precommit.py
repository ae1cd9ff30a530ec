"""The pre-commit hook, run by the real pre-commit against a throwaway git repository.

The hook source is a snapshot of this working tree (tracked files plus new ones git does
not ignore, without tests and fixtures) committed into its own git repository: pre-commit
clones it at that commit, reads its ``.pre-commit-hooks.yaml`` and pip-installs it into a
fresh virtualenv, exactly as it does for a user's ``repo: https://...`` entry. The
snapshot and pre-commit's cache are built once per test run (shared by the xdist workers).
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys

import pytest

from estimator_lint.rules.base import REPOSITORY_URL
from helpers import FIXTURES, ROOT

pytest.importorskip("pre_commit")
fcntl = pytest.importorskip("fcntl")  # the shared build is locked with flock (POSIX)

SKIPPED_TOP_LEVEL = {"tests", "fixtures", "benchmarks", ".ci", ".github"}
BAD = (
    "import tensorflow as tf\n"
    "class M(tf.estimator.Estimator):\n"
    "    def train(self, input_fn):\n"
    "        pass\n"
)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT")) and k != "SKIP"}
    env.update(
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    env.update(extra)
    return env


def _git(cwd, *args):
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _source_files():
    listed = _git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    return sorted(
        p for p in listed if p and p.split("/", 1)[0] not in SKIPPED_TOP_LEVEL and os.path.isfile(os.path.join(ROOT, p))
    )


@contextlib.contextmanager
def _locked(path):
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory):
    """(repo path, rev, PRE_COMMIT_HOME): this tree as a hook repository, built once per run."""
    if not os.path.exists(os.path.join(ROOT, ".git")):  # a directory, or a file in a git worktree
        pytest.skip("needs the project's git checkout")
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    repo = shared / "estimator-lint-hook-source"
    with _locked(shared / "estimator-lint-hook-source.lock"):
        if not (repo / ".git").is_dir():
            building = shared / "estimator-lint-hook-source.tmp"
            shutil.rmtree(building, ignore_errors=True)
            for rel in _source_files():
                dest = building / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(os.path.join(ROOT, rel), dest)
            _git(building, "init", "-q")
            _git(building, "add", "-A")
            _git(building, "commit", "-q", "-m", "snapshot of the working tree")
            building.rename(repo)
    rev = _git(repo, "rev-parse", "HEAD").strip()
    return str(repo), rev, str(shared / "pre-commit-home")


def _project(tmp_path, hook_source, files, args=None, pyproject=None):
    repo, rev, _ = hook_source
    project = tmp_path / "project"
    project.mkdir()
    hook = "      - id: estimator-lint\n" + (f"        args: {args}\n" if args else "")
    (project / ".pre-commit-config.yaml").write_text(f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n{hook}")
    if pyproject:
        (project / "pyproject.toml").write_text(pyproject)
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    return project


def _pre_commit(project, hook_source):
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=project,
        env=_env(PRE_COMMIT_HOME=hook_source[2]),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hook_manifest_declares_the_hook():
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(os.path.join(ROOT, ".pre-commit-hooks.yaml"))
    assert hook["id"] == "estimator-lint"
    assert hook["entry"] == "estimator-lint"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["python", "pyi", "jupyter"]
    assert hook["require_serial"] is False
    assert hook["args"] == []


def test_hook_fails_on_a_bad_file_with_our_message(tmp_path, hook_source):
    from test_notebooks import notebook

    files = {"pkg/bad.py": BAD, "pkg/ok.py": "x = 1\n", "notes.txt": BAD, "train.ipynb": notebook()}
    project = _project(tmp_path, hook_source, files)
    proc = _pre_commit(project, hook_source)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "estimator-lint" in proc.stdout and "Failed" in proc.stdout
    assert "pkg/bad.py:3:5: EST101 `M.train` overrides an Estimator member" in proc.stdout
    assert "train.ipynb:cell 3:8:13: EST102" in proc.stdout  # types_or: jupyter
    assert "notes.txt" not in proc.stdout  # types_or: python files only


def test_hook_passes_on_clean_files(tmp_path, hook_source):
    project = _project(tmp_path, hook_source, {"ok.py": "x = 1\n", "stub.pyi": "def f() -> int: ...\n"})
    proc = _pre_commit(project, hook_source)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_hook_reads_the_projects_pyproject(tmp_path, hook_source):
    pyproject = '[tool.estimator-lint]\nper-file-ignores = { "legacy/*" = ["EST101"] }\n'
    project = _project(tmp_path, hook_source, {"legacy/bad.py": BAD}, pyproject=pyproject)
    proc = _pre_commit(project, hook_source)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hook_with_fix_rewrites_the_file_and_fails(tmp_path, hook_source):
    case = os.path.join(FIXTURES, "seed_snippet1_override_capture")
    with open(os.path.join(case, "before.py"), encoding="utf-8") as f:
        before = f.read()
    with open(os.path.join(case, "after.py"), encoding="utf-8") as f:
        after = f.read()
    project = _project(tmp_path, hook_source, {"model.py": before}, args="[--fix]")
    proc = _pre_commit(project, hook_source)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "files were modified by this hook" in proc.stdout
    assert (project / "model.py").read_text(encoding="utf-8") == after


def test_the_readme_snippet_works_as_written(tmp_path, hook_source):
    """The README's `.pre-commit-config.yaml`, with only `repo:` pointing at a local clone of
    this tree (no network); then `pre-commit autoupdate`, as the README says, pins `rev:`."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    snippet = readme.split("\n## pre-commit\n", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    url = re.search(r"^  - repo: (\S+)$", snippet, re.M).group(1)
    assert url == REPOSITORY_URL
    repo, rev, home = hook_source
    project = tmp_path / "project"
    project.mkdir()
    (project / ".pre-commit-config.yaml").write_text(snippet.replace(url, repo))
    (project / "bad.py").write_text(BAD)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    proc = _pre_commit(project, hook_source)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.py:3:5: EST101 `M.train` overrides an Estimator member" in proc.stdout

    update = subprocess.run(
        [sys.executable, "-m", "pre_commit", "autoupdate", "--color", "never"],
        cwd=project,
        env=_env(PRE_COMMIT_HOME=home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert update.returncode == 0, update.stdout + update.stderr
    # No release is tagged in the clone: autoupdate pins the commit.
    assert f"rev: {rev}\n" in (project / ".pre-commit-config.yaml").read_text()
    proc = _pre_commit(project, hook_source)
    assert proc.returncode == 1 and "bad.py:3:5: EST101" in proc.stdout
    assert "mutable reference" not in proc.stdout + proc.stderr
