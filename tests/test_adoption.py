"""Adopting the linter: .gitignore in directory walks, --add-noqa, per-file ignores."""

import json
import os
import time

import pytest

from estimator_lint.cli import main
from test_notebooks import CELLS, MODEL_CELL, notebook

LEAK = (
    "import tensorflow as tf\n"
    "OUT = []\n"
    "def model_fn(features, labels, mode):\n"
    "    OUT.append(features)\n"
)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def repo(tmp_path):
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "bad.py").write_text(LEAK)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.py").write_text(LEAK)
    (tmp_path / ".gitignore").write_text("gen/\n")
    return tmp_path


def test_gitignore_is_respected_by_default(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    repo(tmp_path)
    _, out, _ = run(capsys, "--no-cache", str(tmp_path))
    assert "src/bad.py" in out and "gen/bad.py" not in out
    _, out, _ = run(capsys, "--no-cache", "--no-respect-gitignore", str(tmp_path))
    assert "gen/bad.py" in out
    # Named explicitly, an ignored file is checked (as excludes are).
    _, out, _ = run(capsys, "--no-cache", str(tmp_path / "gen" / "bad.py"))
    assert "gen/bad.py" in out


def test_config_nested_negation_info_exclude_and_global(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    repo(tmp_path)
    (tmp_path / "src" / ".gitignore").write_text("*.py\n!keep.py\n")
    (tmp_path / "src" / "keep.py").write_text(LEAK)
    (tmp_path / "local.py").write_text(LEAK)
    (tmp_path / "glob.py").write_text(LEAK)
    (tmp_path / ".git" / "info" / "exclude").write_text("local.py\n")
    (tmp_path / "xdg" / "git").mkdir(parents=True)
    (tmp_path / "xdg" / "git" / "ignore").write_text("glob.py\n")
    _, out, _ = run(capsys, "--no-cache", str(tmp_path))
    files = sorted({line.split(":")[0] for line in out.splitlines() if ": EST" in line})
    assert files == [str(tmp_path / "src" / "keep.py")]
    # Walking from a subdirectory: the repository's ignore files above it still apply.
    _, out, _ = run(capsys, "--no-cache", str(tmp_path / "src"))
    assert "keep.py" in out and "src/bad.py" not in out
    (tmp_path / "pyproject.toml").write_text("[tool.estimator-lint]\nrespect-gitignore = false\n")
    _, out, _ = run(capsys, "--no-cache", str(tmp_path))
    assert "gen/bad.py" in out and "local.py" in out and "glob.py" in out


def test_cached_run_notices_an_edited_gitignore(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(repo(tmp_path))
    old = time.time() - 60
    for root, dirs, files in os.walk(tmp_path):
        for name in dirs + files:
            os.utime(os.path.join(root, name), (old, old))
    os.utime(tmp_path, (old, old))
    first = run(capsys, ".")
    assert "gen/bad.py" not in first[1]
    assert run(capsys, ".") == first  # replayed from the run record
    with open(".gitignore", "w") as handle:  # in place: the directory's stat does not change
        handle.write("# nothing ignored\n")
    cached = run(capsys, ".")
    assert cached == run(capsys, "--no-cache", ".")
    assert "gen/bad.py" in cached[1]


def test_add_noqa_merges_and_is_idempotent(tmp_path, capsys):
    (tmp_path / "a.py").write_text(LEAK.replace("OUT.append(features)\n", "OUT.append(features)  # keep  # noqa: E501\n"))
    (tmp_path / "n.ipynb").write_text(notebook())
    code, out, _ = run(capsys, "--no-cache", "--add-noqa", str(tmp_path))
    assert code == 0 and "Added 3 noqa directives." in out
    assert "    OUT.append(features)  # keep  # noqa: E501, EST103\n" in (tmp_path / "a.py").read_text()
    cells = json.loads((tmp_path / "n.ipynb").read_text())["cells"]
    assert "            self.logits = logits  # noqa: EST102\n" in cells[2]["source"]
    assert cells[4]["source"][-1] == "print(estimator.logits)  # noqa: EST104"
    assert cells[4]["outputs"] == json.loads(notebook())["cells"][4]["outputs"]
    _, out, _ = run(capsys, "--no-cache", "--add-noqa", str(tmp_path))
    assert "Added 0 noqa directives." in out
    assert run(capsys, "--no-cache", str(tmp_path))[0] == 0


def test_add_noqa_does_not_duplicate_a_covering_code(tmp_path, capsys):
    (tmp_path / "a.py").write_text(LEAK.replace("OUT.append(features)\n", "OUT.append(features)  # noqa: EST104\n"))
    _, out, _ = run(capsys, "--no-cache", "--add-noqa", str(tmp_path / "a.py"))
    assert "Added 1 noqa directive." in out
    assert "  # noqa: EST104, EST103\n" in (tmp_path / "a.py").read_text()


def test_per_file_ignores_flags_and_extend_config(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LEAK)
    (tmp_path / "b.py").write_text(LEAK)
    code, out, _ = run(capsys, "--no-cache", "--per-file-ignores", "a.py:EST103", ".")
    assert "a.py" not in out and "b.py:4:5: EST103" in out
    (tmp_path / "pyproject.toml").write_text(
        '[tool.estimator-lint]\nper-file-ignores = {"a.py" = ["EST103"]}\nextend-per-file-ignores = {"b.py" = ["EST1"]}\n'
    )
    code, out, _ = run(capsys, "--no-cache", ".")
    assert code == 0
    # The flag replaces the file's per-file-ignores; extend- adds to them.
    code, out, _ = run(capsys, "--no-cache", "--per-file-ignores", "x.py:EST1", ".")
    assert "a.py:4:5: EST103" in out and "b.py" not in out
    with pytest.raises(SystemExit) as exit_info:
        main(["--no-cache", "--per-file-ignores", "nocodes", "."])
    assert exit_info.value.code == 2 and "PATTERN:CODES" in capsys.readouterr().err
