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


def test_unused_noqa_is_opt_in_and_fixed_safely(tmp_path, capsys):
    source = (
        "import tensorflow as tf\n"
        "OUT = []\n"
        "def model_fn(features, labels, mode):\n"
        "    OUT.append(features)  # noqa: EST103, EST102\n"
        "    x = 1  # keep  # noqa: EST104\n"
        "    y = '# noqa: EST101'\n"
        "    z = 2  # noqa: E501, EST105\n"
        "    w = 3  # noqa\n"
    )
    path = tmp_path / "a.py"
    path.write_text(source)
    assert run(capsys, "--no-cache", str(path))[0] == 0  # not selected by the default EST
    assert run(capsys, "--no-cache", "--select", "EST1", str(path))[0] == 0
    code, out, _ = run(capsys, "--no-cache", "--extend-select", "EST100", str(path))
    assert [line.split(": ", 1)[0].rsplit(":", 2)[1:] + [line.split(" ")[1]] for line in out.splitlines() if "EST100" in line] == [
        ["4", "27", "EST100"], ["5", "20", "EST100"], ["7", "12", "EST100"],
    ]
    # A code of a rule the run turns off is not judged.
    _, out, _ = run(capsys, "--no-cache", "--extend-select", "EST100", "--ignore", "EST104", str(path))
    assert ":5:" not in out
    run(capsys, "--no-cache", "--extend-select", "EST100", "--fix", str(path))
    assert path.read_text() == source.replace("  # noqa: EST103, EST102", "  # noqa: EST103").replace(
        "  # keep  # noqa: EST104", "  # keep"
    ).replace("# noqa: E501, EST105", "# noqa: E501")
    assert run(capsys, "--no-cache", "--extend-select", "EST100", str(path))[0] == 0


def test_unused_noqa_in_a_file_without_estimator_code_and_in_notebooks(tmp_path, capsys):
    (tmp_path / "plain.py").write_text("x = 1  # noqa: EST102\n")
    cells = [c if c[1] != MODEL_CELL else ("code", MODEL_CELL + "  # noqa: EST104") for c in CELLS]
    (tmp_path / "n.ipynb").write_text(notebook(cells))
    _, out, _ = run(capsys, "--no-cache", "--extend-select", "EST100", str(tmp_path))
    assert "plain.py:1:8: EST100 [*] Unused `noqa` directive (unused: EST102)" in out
    assert "n.ipynb:cell 3:13:" in out and "(unused: EST104)" in out
    run(capsys, "--no-cache", "--extend-select", "EST100", "--fix", str(tmp_path))
    assert (tmp_path / "plain.py").read_text() == "x = 1\n"
    assert "noqa" not in "".join(json.loads((tmp_path / "n.ipynb").read_text())["cells"][2]["source"])
