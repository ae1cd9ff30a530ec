"""``estimator-lint -`` and ``--stdin-filename``: standard input checked as a file of the project.

Every run is a subprocess with a real standard input and cwd=tmp_path.
"""

import json
import os
import subprocess
import sys

from helpers import FIXTURES

SEED = os.path.join(FIXTURES, "seed_snippet1_override_capture")
BAD = b"import tensorflow as tf\nclass M(tf.estimator.Estimator):\n    def train(self, input_fn):\n        pass\n"


def seed(name: str) -> bytes:
    with open(os.path.join(SEED, name), "rb") as handle:
        return handle.read()


def lint(cwd, data: bytes, *argv):
    proc = subprocess.run(
        [sys.executable, "-m", "estimator_lint", *argv], input=data, cwd=cwd, capture_output=True
    )
    return proc.returncode, proc.stdout, proc.stderr.decode()


def findings(text: str):
    return [line for line in text.splitlines() if ": EST" in line]


def test_stdin_is_checked_as_the_named_file(tmp_path):
    (tmp_path / "model.py").write_bytes(seed("before.py"))
    code, out, _ = lint(tmp_path, seed("before.py"), "-", "--stdin-filename", "model.py")
    file_code, file_out, _ = lint(tmp_path, b"", "--no-cache", "model.py")
    assert code == file_code == 1
    assert findings(out.decode()) == findings(file_out.decode())
    assert [line.split()[:2] for line in findings(out.decode())] == [
        ["model.py:31:5:", "EST101"],
        ["model.py:34:13:", "EST102"],
    ]
    # --stdin-filename alone reads standard input too; - alone names it "-".
    assert findings(lint(tmp_path, seed("before.py"), "--stdin-filename", "model.py")[1].decode()) == findings(out.decode())
    code, out, _ = lint(tmp_path, seed("before.py"), "-")
    assert code == 1 and [line.split()[0] for line in findings(out.decode())] == ["-:31:5:", "-:34:13:"]
    code, out, _ = lint(tmp_path, seed("after.py"), "-", "--stdin-filename", "model.py")
    assert code == 0 and findings(out.decode()) == []
    assert not (tmp_path / ".estimator_lint_cache").exists()


def test_fix_writes_the_fixed_source_to_stdout_and_findings_to_stderr(tmp_path):
    code, out, err = lint(tmp_path, seed("before.py"), "-", "--stdin-filename", "model.py", "--fix")
    assert code == 0
    assert out == seed("after.py")
    assert "Fixed 1 finding." in err
    assert not (tmp_path / "model.py").exists()

    # A finding without a fix stays, on stderr; the text passes through byte for byte.
    source = b"# -*- coding: latin-1 -*-\r\n# caf\xe9\r\n" + BAD.replace(b"\n", b"\r\n")
    code, out, err = lint(tmp_path, source, "-", "--stdin-filename", "m.py", "--fix")
    assert code == 1
    assert out == source
    assert [line.split()[:2] for line in findings(err)] == [["m.py:5:5:", "EST101"]]


def test_fix_passes_bad_input_through_untouched(tmp_path):
    broken = b"import tensorflow as tf\nclass M(tf.estimator.Estimator:\n"
    code, out, err = lint(tmp_path, broken, "-", "--stdin-filename", "m.py", "--fix")
    assert code == 1
    assert out == broken
    assert "m.py:2:" in err and "syntax error" in err
    code, out, _ = lint(tmp_path, broken, "-", "--stdin-filename", "m.py")
    assert code == 1 and b"m.py:2:" in out and b"error: syntax error" in out


def test_diff_prints_the_diff(tmp_path):
    code, out, err = lint(tmp_path, seed("before.py"), "-", "--stdin-filename", "model.py", "--diff")
    assert code == 1
    text = out.decode()
    assert text.startswith("--- a/model.py\n+++ b/model.py\n")
    assert "-    def _call_model_fn(self, features, labels, mode, config):\n" in text
    assert "+    pass\n" in text
    assert "Would apply 1 fix to model.py." in err
    code, out, _ = lint(tmp_path, seed("after.py"), "-", "--stdin-filename", "model.py", "--diff")
    assert code == 0 and out == b""


def test_configuration_excludes_and_per_file_ignores_follow_the_named_path(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.estimator-lint]\nextend-exclude = ["generated"]\n'
        'per-file-ignores = { "legacy/*.py" = ["EST101"] }\n'
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    # The configuration is found from the named file, wherever the command runs.
    assert lint(sub, BAD, "-", "--stdin-filename", "../legacy/m.py")[0] == 0
    code, out, _ = lint(sub, BAD, "-", "--stdin-filename", "../new/m.py")
    assert code == 1 and [line.split()[1] for line in findings(out.decode())] == ["EST101"]
    # Excludes apply with --force-exclude (as for files named on the command line).
    assert lint(tmp_path, BAD, "-", "--stdin-filename", "generated/m.py")[0] == 1
    code, out, _ = lint(tmp_path, BAD, "-", "--stdin-filename", "generated/m.py", "--force-exclude")
    assert code == 0 and out == b""
    code, out, _ = lint(tmp_path, BAD, "-", "--stdin-filename", "generated/m.py", "--force-exclude", "--fix")
    assert code == 0 and out == BAD


def test_the_project_index_is_the_named_files_project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.estimator-lint]\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text("import tensorflow as tf\n\n\nclass Base(tf.estimator.Estimator):\n    pass\n")
    child = b"from pkg.base import Base\n\n\nclass Child(Base):\n    def train(self, input_fn):\n        return 1\n"
    # On disk the child is still clean: the text on stdin is what is checked.
    (pkg / "child.py").write_text("from pkg.base import Base\n")
    code, out, _ = lint(tmp_path, child, "-", "--stdin-filename", "pkg/child.py")
    assert code == 1
    (line,) = findings(out.decode())
    assert line.startswith("pkg/child.py:5:5: EST101")
    assert "Child -> Base (pkg/base.py) -> tf.estimator.Estimator" in line
    # The same text as a new file of the project, and from a subdirectory.
    assert lint(pkg, child, "-", "--stdin-filename", "new_child.py")[0] == 1
    assert not (tmp_path / ".estimator_lint_cache").exists() and not (pkg / ".estimator_lint_cache").exists()


def test_json_output_positions_refer_to_the_text_on_stdin(tmp_path):
    code, out, _ = lint(tmp_path, seed("before.py"), "-", "--stdin-filename", "model.py", "--output-format", "json")
    assert code == 1
    report = json.loads(out)
    assert [(f["code"], f["location"]["row"], f["location"]["column"]) for f in report] == [
        ("EST101", 31, 5),
        ("EST102", 34, 13),
    ]
    assert report[0]["filename"] == str(tmp_path / "model.py")
    edit = report[0]["fix"]["edits"][0]
    assert (edit["location"]["row"], edit["end_location"]["row"]) == (27, 36)


def test_dash_with_other_paths_is_a_usage_error(tmp_path):
    (tmp_path / "m.py").write_bytes(BAD)
    code, _, err = lint(tmp_path, BAD, "-", "m.py")
    assert code == 2 and "cannot be combined" in err
