"""State the linter did not write is never trusted; no write outside the project; output
that cannot be forged; no litter left by killed runs."""

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from estimator_lint import __version__, project, run_record
from estimator_lint.cli import main
from helpers import FIXTURES

OVERRIDE = "import tensorflow as tf\n\n\nclass M(tf.estimator.Estimator):\n    def train(self):\n        pass\n"
FIXABLE = os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")


def _strip_tag(data: bytes) -> bytes:
    """A state file's JSON body, whether or not a tag line precedes it."""
    first, _, rest = data.partition(b"\n")
    return rest if first[:1] != b"{" and rest.startswith(b"{") else data


# --------------------------------------------------------------------------------------
# committed or forged state
# --------------------------------------------------------------------------------------


def test_a_committed_index_does_not_silence_flake8(tmp_path):
    """The issue's case: ``.estimator_lint_cache/project-index.json`` committed with
    ``words`` that match nothing made flake8 report nothing in every clone."""
    (tmp_path / "m.py").write_text(OVERRIDE)
    cache = tmp_path / ".estimator_lint_cache"
    cache.mkdir()
    forged = {
        "format": project.INDEX_FORMAT, "version": __version__, "signature": None,
        "candidates": [str(tmp_path / "m.py")], "defining": [], "words": ["NothingMatchesThis"],
        "classes": {}, "aliases": {}, "stars": {}, "modules": {str(tmp_path / "m.py"): ["m", ""]},
        "ambiguous": [], "captured": {}, "model_fn_keys": {}, "spec_files": [], "external_reads": [],
        "passed_methods": {}, "files": [str(tmp_path / "m.py")], "tree": None, "hashed": [],
    }
    (cache / project.INDEX_FILE).write_text(json.dumps(forged))
    env = {k: v for k, v in os.environ.items() if k != "ESTIMATOR_LINT_CACHE_DIR"}
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "EST", "m.py"], cwd=tmp_path, env=env,
        capture_output=True, text=True,
    )
    assert proc.stdout.startswith("./m.py:5:5: EST101") or proc.stdout.startswith("m.py:5:5: EST101"), proc.stdout


def test_flake8_ignores_an_index_once_the_tree_changed(tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(os.path.join(FIXTURES, "multi_module_package"), root)
    env = {k: v for k, v in os.environ.items() if k != "ESTIMATOR_LINT_CACHE_DIR"}

    def flake8():
        proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "EST", "."], cwd=root, env=env,
                              capture_output=True, text=True)
        return proc.stdout

    subprocess.run([sys.executable, "-m", "estimator_lint", "."], cwd=root, env=env, capture_output=True)
    assert "models/b.py:5:5: EST101" in flake8()  # the index is the tree's
    # The base class goes: with the old index flake8 would still report b.py's override.
    base = root / "estpkg" / "base.py"
    base.write_text(base.read_text().replace("(tf.estimator.Estimator)", "(object)"))
    assert "models/b.py" not in flake8()


def test_a_forged_run_record_is_not_replayed(tmp_path, capsys, monkeypatch):
    (tmp_path / "m.py").write_text(OVERRIDE)
    monkeypatch.chdir(tmp_path)
    argv = ["--cache-dir", "cache", "m.py"]
    invocation = run_record._invocation(argv)
    record = {
        "format": run_record.FORMAT, "invocation": invocation, "code": run_record.code_stats(), "stats": [],
        "stdout": "All checks passed (1 files checked).\n", "stderr": "", "exit": 0,
    }
    target = run_record._path(os.path.abspath("cache"), invocation)
    os.makedirs(os.path.dirname(target))
    with open(target, "w") as f:
        json.dump(record, f)
    assert main(argv) == 1
    assert "m.py:5:5: EST101" in capsys.readouterr().out


def test_a_forged_results_file_is_not_believed(tmp_path, capsys, monkeypatch):
    (tmp_path / "m.py").write_text(OVERRIDE)
    old = 1_600_000_000
    os.utime(tmp_path / "m.py", (old, old))
    monkeypatch.chdir(tmp_path)
    assert main(["--cache-dir", "cache", "m.py"]) == 1
    capsys.readouterr()
    shutil.rmtree(tmp_path / "cache" / run_record.RUNS_DIR, ignore_errors=True)  # no replay
    [results] = [p for p in (tmp_path / "cache").iterdir() if p.name.startswith("results-")]
    data = json.loads(_strip_tag(results.read_bytes()))
    for entry in data["entries"].values():
        entry[-1] = {"d": [], "e": None}  # "nothing found", as a forger writes it
    results.write_text(json.dumps(data))
    assert main(["--cache-dir", "cache", "m.py"]) == 1
    assert "m.py:5:5: EST101" in capsys.readouterr().out


def test_the_key_is_private_and_outside_the_project(tmp_path, monkeypatch):
    from estimator_lint import trust

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(trust, "_key", [])
    sealed = trust.seal(b"body")
    path = tmp_path / "xdg" / "estimator-lint" / "key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and len(path.read_bytes()) == 32
    assert trust.unseal(sealed) == b"body" and trust.unseal(b"0" * 64 + b"\nbody") is None
    # A key others can read is no secret: not used (state from before is not trusted).
    os.chmod(path, 0o644)
    monkeypatch.setattr(trust, "_key", [])
    assert trust.unseal(sealed) is None


def test_a_cache_directory_tracked_by_git_is_ignored_with_a_warning(tmp_path, capsys, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (tmp_path / "m.py").write_text(OVERRIDE)
    cache = tmp_path / ".estimator_lint_cache"
    cache.mkdir()
    (cache / "results-x.json").write_text("{}")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-f", "."], ["commit", "-qm", "x"]):
        subprocess.run(git + args, cwd=tmp_path, check=True, capture_output=True)
    monkeypatch.delenv("ESTIMATOR_LINT_CACHE_DIR")
    monkeypatch.chdir(tmp_path)
    assert main(["m.py"]) == 1
    out, err = capsys.readouterr()
    assert "m.py:5:5: EST101" in out
    [warning] = err.splitlines()
    assert "tracked by git" in warning
    assert sorted(os.listdir(cache)) == ["results-x.json"]  # nothing written there


# --------------------------------------------------------------------------------------
# symbolic links
# --------------------------------------------------------------------------------------


def test_links_inside_the_cache_directory_are_never_written_through(tmp_path, capsys):
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "m.py").write_text(OVERRIDE)
    (tmp_path / "tree" / "n.py").write_text(OVERRIDE)
    for f in ("m.py", "n.py"):
        os.utime(tmp_path / "tree" / f, (1_600_000_000, 1_600_000_000))
    cache, victim = tmp_path / "cache", tmp_path / "victim"
    cache.mkdir()
    victim.mkdir()
    os.symlink(victim / "tag", cache / "CACHEDIR.TAG")
    os.symlink(victim / "ignore", cache / ".gitignore")
    os.symlink(victim, cache / run_record.RUNS_DIR)
    for _ in range(2):
        main(["--cache-dir", str(cache), str(tmp_path / "tree")])
    capsys.readouterr()
    assert os.listdir(victim) == []


def test_fix_on_a_directory_does_not_rewrite_a_link_to_outside_it(tmp_path, capsys):
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    shutil.copy(FIXABLE, outside / "victim.py")
    shutil.copy(FIXABLE, tree / "own.py")
    os.symlink(outside / "victim.py", tree / "link.py")
    original = (outside / "victim.py").read_bytes()
    main(["--fix", "--no-cache", str(tree)])
    out, err = capsys.readouterr()
    assert (outside / "victim.py").read_bytes() == original
    assert (tree / "own.py").read_bytes() != original  # the tree's own file is fixed
    assert f"{tree / 'link.py'}:31:5: EST101" in out  # the link is still linted ...
    assert "link.py: not fixed: a symbolic link to" in err  # ... and says why it is not fixed


# --------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------


def test_file_names_cannot_forge_lines_or_reach_the_terminal_raw(tmp_path, capsys):
    forged = "ok\nreal.py:1:1: EST101 forged finding\nzz.py"
    (tmp_path / forged).write_text(OVERRIDE)
    (tmp_path / "a\x1b[31mred.py").write_text(OVERRIDE)
    (tmp_path / "b\u202eyp.py").write_text(OVERRIDE)
    assert main(["--no-cache", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert not any(line.startswith("real.py") for line in lines)
    assert "\x1b" not in out and "\u202e" not in out
    assert f"{tmp_path}/ok\\nreal.py:1:1: EST101 forged finding\\nzz.py:5:5: EST101" in out
    assert f"{tmp_path}/a\\x1b[31mred.py:5:5: EST101" in out
    assert len(lines) == 4  # three findings and the summary


# --------------------------------------------------------------------------------------
# litter of killed runs
# --------------------------------------------------------------------------------------


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temporary_files_of_a_killed_fix_are_removed_by_the_next_run(tmp_path, capsys):
    shutil.copy(FIXABLE, tmp_path / "model.py")
    dead = _dead_pid()
    litter = [f".estimator-lint-{dead}-abc123.tmp", f".estimator-lint-{dead}-def456.bak"]
    for name in litter:
        (tmp_path / name).write_bytes(b"half a file")
    alive = f".estimator-lint-{os.getppid()}-zzz.tmp"  # a live process's: left alone
    (tmp_path / alive).write_bytes(b"x")
    main(["--fix", "--no-cache", str(tmp_path)])
    capsys.readouterr()
    assert sorted(os.listdir(tmp_path)) == sorted([alive, "model.py"])


def test_temporary_files_in_the_cache_of_a_killed_run_are_removed(tmp_path, capsys):
    for name in ("m.py", "n.py"):
        (tmp_path / name).write_text(OVERRIDE)
        os.utime(tmp_path / name, (1_600_000_000, 1_600_000_000))
    cache = tmp_path / "cache"
    (cache / run_record.RUNS_DIR).mkdir(parents=True)
    dead = _dead_pid()
    litter = [cache / f".index-{dead}-k2j3", cache / f".results-{dead}-abcdef.tmp",
              cache / run_record.RUNS_DIR / f"run-0123abcd.json.{dead}.tmp"]
    for path in litter:
        path.write_bytes(b"{trunc")
    main(["--cache-dir", str(cache), str(tmp_path / "m.py"), str(tmp_path / "n.py")])
    capsys.readouterr()
    assert [p for p in litter if p.exists()] == []


# --------------------------------------------------------------------------------------
# size and memory
# --------------------------------------------------------------------------------------


def test_a_file_over_max_file_size_is_reported_not_analysed(tmp_path, capsys, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[tool.estimator-lint]\nmax-file-size = 100\n")
    (tmp_path / "big.py").write_text(OVERRIDE + "# padding\n" * 20)
    (tmp_path / "small.py").write_text("x = 1\n")
    size = os.path.getsize(tmp_path / "big.py")
    monkeypatch.chdir(tmp_path)
    for argv in (["--no-cache", "."], ["--fix", "--no-cache", "."]):
        assert main(argv) == 1
        out = capsys.readouterr().out
        assert f"big.py:1:1: error: too large to analyse: {size} bytes, over max-file-size (100 bytes)" in out
        assert "small.py" not in out
    assert (tmp_path / "big.py").read_text().startswith(OVERRIDE)


def test_a_bad_max_file_size_is_a_configuration_error(tmp_path, capsys, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.estimator-lint]\nmax-file-size = "10MB"\n')
    (tmp_path / "m.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "."]) == 2
    assert "'max-file-size' must be a whole number of bytes" in capsys.readouterr().err


def test_running_out_of_memory_is_named_as_such(tmp_path, capsys, monkeypatch):
    import ast as ast_module

    # (A MemoryError for a small file is CPython's parser stack: "too deeply nested".)
    (tmp_path / "m.py").write_text(OVERRIDE + "# a large generated file\n" * 60_000)

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(ast_module, "parse", no_memory)
    assert main(["--no-cache", str(tmp_path / "m.py")]) == 1
    out = capsys.readouterr().out
    assert "m.py:1:1: error: out of memory while analysing this file" in out
    assert "too deeply nested" not in out
