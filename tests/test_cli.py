"""The estimator-lint command: output, exit codes, discovery, selection, bad input."""

import os
import subprocess
import sys

import pytest

from estimator_lint.cli import main
from helpers import FIXTURES

BAD = (
    "import tensorflow as tf\n"
    "class M(tf.estimator.Estimator):\n"
    "    def train(self, input_fn):\n"
    "        pass\n"
)
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


def test_findings_exit_1_with_path_row_col_code(tmp_path, capsys):
    (tmp_path / "bad.py").write_text(BAD)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'bad.py'}:3:5: EST101 ")
    assert "Found 1 finding in 1 of 1 file checked." in out


def test_clean_exit_0(tmp_path, capsys):
    (tmp_path / "ok.py").write_text("x = 1\n")
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0
    assert "All checks passed (1 file checked)." in out


def test_exit_zero(tmp_path, capsys):
    (tmp_path / "bad.py").write_text(BAD)
    assert run(capsys, "--exit-zero", str(tmp_path))[0] == 0


def test_select_and_ignore(tmp_path, capsys):
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "leak.py").write_text(LEAK)
    _, out, _ = run(capsys, "--select", "EST103", str(tmp_path))
    assert [l.split()[1] for l in out.splitlines() if ": EST" in l] == ["EST103"]
    _, out, _ = run(capsys, "--ignore", "EST101", str(tmp_path))
    assert [l.split()[1] for l in out.splitlines() if ": EST" in l] == ["EST103"]


def test_unknown_code_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--select", "XYZ1", "."])
    assert exc.value.code == 2
    assert "unknown rule code" in capsys.readouterr().err


def test_discovery_skips_junk_unless_named(tmp_path, capsys):
    for junk in (".venv", "build", "__pycache__", "site-packages", ".git", "pkg.egg-info"):
        (tmp_path / junk).mkdir()
        (tmp_path / junk / "bad.py").write_text(BAD)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.pyi").write_text(BAD)
    (tmp_path / "src" / "notes.txt").write_text(BAD)
    _, out, _ = run(capsys, str(tmp_path))
    assert "Found 1 finding in 1 of 1 file checked." in out
    assert "bad.pyi" in out
    _, out, _ = run(capsys, str(tmp_path / "build"))
    assert "Found 1 finding" in out


def test_missing_path_is_an_e902_finding_and_other_files_are_checked(tmp_path, capsys):
    (tmp_path / "bad.py").write_text(BAD)
    code, out, err = run(capsys, str(tmp_path / "nope.py"), str(tmp_path / "bad.py"))
    assert code == 1 and err == ""
    assert out.splitlines()[0] == f"{tmp_path / 'nope.py'}:1:1: E902 No such file or directory"
    assert "EST101" in out
    assert out.endswith("Found 1 finding in 1 of 1 file checked.\n1 file could not be checked.\n")


@pytest.mark.parametrize("flags", [[], ["--fix"], ["--diff"], ["--statistics"]])
def test_a_missing_path_alone_never_claims_success(tmp_path, capsys, monkeypatch, flags):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *flags, "nonexistent.py")
    assert code == 1 and err == ""
    assert "passed" not in out and "No Python files" not in out
    assert out.endswith("1 file could not be checked.\n")
    if "--statistics" not in flags:
        assert out.startswith("nonexistent.py:1:1: E902 No such file or directory\n")
    assert run(capsys, *flags, "--exit-zero", "nonexistent.py")[0] == 0


@pytest.mark.parametrize("flags", [[], ["--fix"], ["--diff"]])
def test_a_directory_without_python_files_says_so(tmp_path, capsys, flags):
    (tmp_path / "notes.txt").write_text("model_fn\n")
    code, out, err = run(capsys, *flags, str(tmp_path))
    assert (code, out, err) == (0, "No Python files found.\n", "")


def test_summaries_use_plurals(tmp_path, capsys):
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "b.py").write_text(BAD)
    assert "Found 2 findings in 2 of 2 files checked." in run(capsys, str(tmp_path))[1]
    (tmp_path / "b.py").write_text("x = 1\n")
    assert "Found 1 finding in 1 of 2 files checked." in run(capsys, str(tmp_path))[1]
    (tmp_path / "a.py").write_text("x = 1\n")
    assert run(capsys, str(tmp_path / "a.py"))[1] == "All checks passed (1 file checked).\n"


def test_bad_files_get_one_line_and_the_run_goes_on(tmp_path, capsys):
    (tmp_path / "a_syntax.py").write_text("import tensorflow as tf\nclass Estimator(:\n")
    (tmp_path / "b_bad.py").write_text(BAD)
    (tmp_path / "c_nul.py").write_bytes(b"model_fn = 1\x00\n")
    (tmp_path / "d_latin1.py").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + BAD.encode())
    (tmp_path / "e_badutf8.py").write_bytes(b"# Estimator caf\xe9\n")
    code, out, _ = run(capsys, str(tmp_path))
    lines = out.splitlines()
    assert code == 1
    assert any(l.startswith(f"{tmp_path / 'a_syntax.py'}:2:") and "error: syntax error" in l for l in lines)
    assert any(l.startswith(f"{tmp_path / 'c_nul.py'}:1:1: error: file contains a NUL byte") for l in lines)
    assert any(l.startswith(f"{tmp_path / 'd_latin1.py'}:5:5: EST101") for l in lines)
    assert any(l.startswith(f"{tmp_path / 'e_badutf8.py'}:1:1: error: cannot decode as utf-8") for l in lines)
    assert any(l.startswith(f"{tmp_path / 'b_bad.py'}:3:5: EST101") for l in lines)
    assert "3 files could not be checked." in out


def test_deeply_nested_file_is_reported_not_crashed(tmp_path, capsys):
    (tmp_path / "deep.py").write_text("model_fn = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    (tmp_path / "sum.py").write_text("model_fn = " + "+".join(["1"] * 50000) + "\n")
    (tmp_path / "bad.py").write_text(BAD)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    assert "too deeply nested to analyse" in out
    assert "bad.py:3:5: EST101" in out


def test_python_dash_m_and_console_script_agree(tmp_path):
    bad = os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")
    a = subprocess.run([sys.executable, "-m", "estimator_lint", bad], capture_output=True, text=True, cwd=tmp_path)
    assert a.returncode == 1
    assert ": EST101 " in a.stdout and ": EST102 " in a.stdout
    exe = os.path.join(os.path.dirname(sys.executable), "estimator-lint")
    b = subprocess.run([exe, bad], capture_output=True, text=True, cwd=tmp_path)
    assert b.stdout == a.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_command_writes_all_its_output_before_it_ends_at_once(tmp_path, capsys, monkeypatch, jobs):
    """The command ends with os._exit (what the run held is left to the system): its
    output, block-buffered into a file or a pipe, is flushed first, and its exit code is
    main's; the cache it writes is complete."""
    source = open(os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")).read()
    for package in ("p1", "p2"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        for i in range(40):
            (tmp_path / package / f"m{i}.py").write_text(source)
    code, expected, _ = run(capsys, "--isolated", "--no-cache", "--jobs", jobs, str(tmp_path))
    assert code == 1 and expected.count("\n") > 160
    with open(tmp_path / "out.txt", "w") as out:
        proc = subprocess.run(
            [sys.executable, "-m", "estimator_lint", "--isolated", "--no-cache", "--jobs", jobs, str(tmp_path)],
            stdout=out, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        )
    assert (proc.returncode, proc.stderr) == (1, "")
    assert (tmp_path / "out.txt").read_text() == expected
    cache = tmp_path / "cache"
    args = ["--isolated", "--cache-dir", str(cache), "--jobs", jobs, str(tmp_path / "p1")]
    first = subprocess.run([sys.executable, "-m", "estimator_lint", *args], capture_output=True, text=True, cwd=tmp_path)
    import estimator_lint.runner

    def not_from_the_cache(path, *a, **k):
        raise AssertionError(f"{path} was linted again: the command's cache was not saved")

    monkeypatch.setattr(estimator_lint.runner, "lint_file", not_from_the_cache)
    code, again, _ = run(capsys, *args[:-3], "--jobs", "1", args[-1])  # all answered by that cache
    assert first.returncode == code == 1 and first.stdout == again


def test_the_command_ends_quietly_when_its_reader_goes_away(tmp_path):
    source = open(os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")).read()
    for i in range(300):
        (tmp_path / f"m{i}.py").write_text(source)
    proc = subprocess.Popen(
        [sys.executable, "-m", "estimator_lint", "--isolated", "--no-cache", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
    )
    assert proc.stdout.readline().startswith(str(tmp_path).encode())
    proc.stdout.close()  # as ``estimator-lint ... | head -1`` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert err == ""


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("estimator-lint ")


def _copy_case(tmp_path, case):
    import shutil

    shutil.copyfile(os.path.join(FIXTURES, case, "before.py"), tmp_path / "m.py")
    with open(os.path.join(FIXTURES, case, "after.py"), encoding="utf-8") as f:
        return f.read()


def test_fixable_findings_are_marked_and_counted(tmp_path, capsys):
    _copy_case(tmp_path, "global_leak")
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    assert ": EST103 [*] Graph tensor escapes" in out
    assert "[*] 1 fixable with --fix." in out


def test_diff_prints_the_fix_and_changes_nothing(tmp_path, capsys):
    after = _copy_case(tmp_path, "global_leak")
    before = (tmp_path / "m.py").read_text()
    code, out, _ = run(capsys, "--diff", str(tmp_path / "m.py"))
    assert code == 1
    assert "-    global logits_out\n" in out
    assert "+        predictions = {'output': output, 'logits_out': dense}\n" in out
    assert out.endswith("Would fix 1 finding in 1 of 1 file checked.\n")
    assert (tmp_path / "m.py").read_text() == before != after


def test_fix_rewrites_then_second_fix_changes_nothing(tmp_path, capsys):
    after = _copy_case(tmp_path, "seed_snippet1_override_capture")
    code, out, _ = run(capsys, "--fix", str(tmp_path))
    assert code == 0, out
    # One fix (the override removed whole) fixes both findings, the capture's too.
    assert out == "Found 2 findings in 1 of 1 file checked (2 fixed, 0 remaining).\n"
    assert (tmp_path / "m.py").read_text() == after
    code, out, _ = run(capsys, "--diff", str(tmp_path))
    assert code == 0 and out == "Nothing to fix (1 file checked).\n"


def test_unsafe_fixes_only_with_the_flag(tmp_path, capsys):
    (tmp_path / "m.py").write_text(
        "import tensorflow as tf\n"
        "def model_fn(features, labels, mode):\n"
        "    global total_loss\n"
        "    total_loss = tf.reduce_mean(features)\n"
        "    return tf.estimator.EstimatorSpec(mode, predictions={'f': features})\n"
    )
    code, out, _ = run(capsys, "--fix", str(tmp_path))
    assert code == 1 and out.endswith("(0 fixed, 1 remaining).\n1 more fixable with --fix --unsafe-fixes.\n")
    code, out, _ = run(capsys, "--fix", "--unsafe-fixes", str(tmp_path))
    assert code == 0
    assert "'total_loss': tf.reduce_mean(features)" in (tmp_path / "m.py").read_text()


def test_show_fixes_lists_applied_fixes_per_file_and_code(tmp_path, capsys):
    _copy_case(tmp_path, "global_leak")
    code, out, _ = run(capsys, "--fix", "--show-fixes", str(tmp_path))
    assert code == 0
    assert f"Fixed 1 finding:\n- {tmp_path / 'm.py'}:\n    1 \u00d7 EST103 (tensor-escapes-model-fn)\n" in out
