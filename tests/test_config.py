"""``[tool.estimator-lint]`` in pyproject.toml: discovery, every key, flags over the file, errors."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

from estimator_lint import config
from estimator_lint.cli import main
from estimator_lint.config import RuleSelection, resolve_rules
from estimator_lint.rules import ALL_RULES
from helpers import FIXTURES, ROOT

OVERRIDE = (  # EST101 at 3:5
    "import tensorflow as tf\n"
    "class M(tf.estimator.Estimator):\n"
    "    def train(self, input_fn):\n"
    "        pass\n"
)
LEAK = (  # EST103 at 4:5
    "import tensorflow as tf\n"
    "OUT = []\n"
    "def model_fn(features, labels, mode):\n"
    "    OUT.append(features)\n"
)
UNSAFE = (  # EST103 with an unsafe fix only (a scalar moved into predictions)
    "import tensorflow as tf\n"
    "def model_fn(features, labels, mode):\n"
    "    global total_loss\n"
    "    total_loss = tf.reduce_mean(features)\n"
    "    return tf.estimator.EstimatorSpec(mode, predictions={'f': features})\n"
)
CUSTOM_BASE = (  # EST101 only when my_pkg.base.MyBase is an Estimator base
    "from my_pkg.base import MyBase\n"
    "class M(MyBase):\n"
    "    def train(self, input_fn):\n"
    "        pass\n"
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text) if text.startswith("\n") else text)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def codes_in(out):
    return [line.split(": ")[1].split()[0] for line in out.splitlines() if re.match(r".*:\d+:\d+: EST\d", line)]


def files_in(out, root):
    return sorted(os.path.relpath(line.split(":")[0], root) for line in out.splitlines() if ": EST" in line)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    write(root / "src" / "override.py", OVERRIDE)
    write(root / "src" / "leak.py", LEAK)
    return root


# --------------------------------------------------------------------------------------
# finding the file
# --------------------------------------------------------------------------------------


def test_nearest_pyproject_above_the_first_path_is_used(project, capsys, monkeypatch, tmp_path):
    write(project / "pyproject.toml", '[tool.estimator-lint]\nselect = ["EST103"]\n')
    monkeypatch.chdir(tmp_path)  # the current directory has no configuration
    code, out, _ = run(capsys, project / "src")
    assert code == 1
    assert codes_in(out) == ["EST103"]


def test_current_directory_is_the_start_without_paths(project, capsys, monkeypatch):
    write(project / "pyproject.toml", '[tool.estimator-lint]\nselect = ["EST101"]\n')
    monkeypatch.chdir(project / "src")
    _, out, _ = run(capsys)
    assert codes_in(out) == ["EST101"]


def test_pyproject_without_our_table_is_skipped(project, capsys):
    write(project / "pyproject.toml", '[tool.estimator-lint]\nselect = ["EST103"]\n')
    write(project / "src" / "pyproject.toml", '[project]\nname = "inner"\n[tool.ruff]\nselect = ["E"]\n')
    _, out, _ = run(capsys, project / "src")
    assert codes_in(out) == ["EST103"]


def test_config_flag_and_isolated(project, capsys, tmp_path):
    write(project / "pyproject.toml", '[tool.estimator-lint]\nselect = ["EST103"]\n')
    other = write(tmp_path / "elsewhere" / "custom.toml", '[tool.estimator-lint]\nselect = ["EST101"]\n')
    assert codes_in(run(capsys, "--config", other, project / "src")[1]) == ["EST101"]
    assert sorted(codes_in(run(capsys, "--isolated", project / "src")[1])) == ["EST101", "EST103"]


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--config", "{tmp}/missing.toml"], "{tmp}/missing.toml: no such configuration file"),
        (["--config", "{tmp}/empty.toml"], "[tool.estimator-lint] table"),
        (["--config", "{tmp}/empty.toml", "--isolated"], "--config and --isolated cannot be used together"),
    ],
)
def test_config_flag_errors(tmp_path, capsys, argv, message):
    write(tmp_path / "empty.toml", "[project]\nname = 'x'\n")
    argv = [a.format(tmp=tmp_path) for a in argv] + [str(tmp_path)]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("estimator-lint: error: ") and message.format(tmp=tmp_path) in err
    assert err.count("\n") == 1


# --------------------------------------------------------------------------------------
# every key
# --------------------------------------------------------------------------------------


def test_select_ignore_extend_select_layers():
    all_codes = tuple(rule.code for rule in ALL_RULES if rule.code != "EST100")  # opt-in: never by default
    assert resolve_rules([]) == all_codes
    assert resolve_rules([RuleSelection(("EST",), ("EST104",), ("EST1",))]) == ("EST104",)
    assert resolve_rules([RuleSelection(None, (), ("EST101",))]) == all_codes[1:]
    # the flags' layer: --select starts over, --ignore/--extend-select adjust the file's
    file_layer = RuleSelection(("EST101", "EST102"), (), ())
    assert resolve_rules([file_layer, RuleSelection(("EST104",))]) == ("EST104",)
    assert resolve_rules([file_layer, RuleSelection(None, ("EST103",), ("EST101",))]) == ("EST102", "EST103")
    assert resolve_rules([RuleSelection(("EST101",), (), ("EST101",))]) == ()  # ignore wins a tie


def test_cli_flags_override_the_file(project, capsys):
    write(project / "pyproject.toml", '[tool.estimator-lint]\nselect = ["EST103"]\n')
    assert codes_in(run(capsys, "--select", "EST101", project / "src")[1]) == ["EST101"]
    assert sorted(codes_in(run(capsys, "--extend-select", "EST101", project / "src")[1])) == ["EST101", "EST103"]
    write(project / "pyproject.toml", '[tool.estimator-lint]\nignore = ["EST101"]\n')
    assert codes_in(run(capsys, project / "src")[1]) == ["EST103"]
    assert codes_in(run(capsys, "--ignore", "EST103", project / "src")[1]) == []


def test_exclude_and_extend_exclude_are_relative_to_the_config_file(tmp_path, capsys, monkeypatch):
    root = tmp_path / "project"
    write(root / "pyproject.toml", '[tool.estimator-lint]\nextend-exclude = ["src/gen", "skipme_*.py"]\n')
    write(root / "src" / "gen" / "a.py", OVERRIDE)
    write(root / "src" / "keep" / "gen" / "b.py", OVERRIDE)  # not src/gen: kept
    write(root / "src" / "deep" / "skipme_c.py", OVERRIDE)  # name pattern: anywhere
    write(root / "src" / "build" / "d.py", OVERRIDE)  # default excludes still apply
    monkeypatch.chdir(tmp_path)  # a different current directory: patterns stay anchored
    _, out, _ = run(capsys, root / "src")
    assert files_in(out, root) == ["src/keep/gen/b.py"]


def test_exclude_replaces_the_defaults(tmp_path, capsys):
    root = tmp_path / "project"
    write(root / "pyproject.toml", '[tool.estimator-lint]\nexclude = ["/vendor"]\n')
    write(root / "build" / "a.py", OVERRIDE)
    write(root / "vendor" / "b.py", OVERRIDE)
    write(root / "sub" / "vendor" / "c.py", OVERRIDE)  # a leading / anchors at the file's directory
    _, out, _ = run(capsys, root)
    assert files_in(out, root) == ["build/a.py", "sub/vendor/c.py"]


def test_cli_exclude_patterns_are_relative_to_the_current_directory(tmp_path, capsys, monkeypatch):
    write(tmp_path / "pkg" / "gen" / "a.py", OVERRIDE)
    write(tmp_path / "pkg" / "b.py", OVERRIDE)
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "--extend-exclude", "pkg/gen", "pkg")
    assert files_in(out, tmp_path) == ["pkg/b.py"]


def test_cli_exclude_replaces_the_defaults(tmp_path, capsys, monkeypatch):
    write(tmp_path / "build" / "a.py", OVERRIDE)
    write(tmp_path / "gen" / "b.py", OVERRIDE)
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "--exclude", "gen", ".")
    assert files_in(out, tmp_path) == ["build/a.py"]


@pytest.mark.parametrize(
    "path,pattern,hit",
    [
        ("a/b/c.py", "a/**/c.py", True),
        ("a/c.py", "a/**/c.py", True),
        ("test_x.py", "**/test_*.py", True),
        ("pkg/sub/test_x.py", "**/test_*.py", True),
        ("a/b/c.py", "a/*.py", True),  # `*` crosses `/`, as in Ruff
        ("a/b/c.py", "a/b", True),  # a directory covers what is below it
        ("a/bc/d.py", "a/b", False),
        ("a/c.py", "a/[ab].py", False),
        ("a/b.py", "a/[!c].py", True),
        ("a/b.py", "a/?.py", True),
    ],
)
def test_glob_semantics(path, pattern, hit):
    from estimator_lint.discovery import glob_match

    assert glob_match(path, pattern) is hit


def test_force_exclude_applies_excludes_to_named_files(tmp_path, capsys, monkeypatch):
    write(tmp_path / "pyproject.toml", '[tool.estimator-lint]\nextend-exclude = ["legacy"]\n')
    bad = write(tmp_path / "legacy" / "old.py", OVERRIDE)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "legacy/old.py")[0] == 1  # named explicitly: checked
    code, out, _ = run(capsys, "--force-exclude", "legacy/old.py")
    assert code == 0 and out == "No Python files found.\n"
    write(tmp_path / "pyproject.toml", '[tool.estimator-lint]\nextend-exclude = ["legacy"]\nforce-exclude = true\n')
    assert run(capsys, str(bad))[0] == 0
    assert run(capsys, "--no-force-exclude", str(bad))[0] == 1


def test_force_exclude_ignores_directories_above_the_project(tmp_path, capsys, monkeypatch):
    root = tmp_path / "build" / "project"  # the checkout itself lives below a `build` dir
    write(root / "pyproject.toml", "[tool.estimator-lint]\nforce-exclude = true\n")
    write(root / "m.py", OVERRIDE)
    monkeypatch.chdir(root)
    assert run(capsys, "m.py")[0] == 1


def test_per_file_ignores(tmp_path, capsys, monkeypatch):
    root = tmp_path / "project"
    write(
        root / "pyproject.toml",
        '[tool.estimator-lint.per-file-ignores]\n"legacy/*" = ["EST101"]\n"test_*.py" = ["EST1"]\n',
    )
    write(root / "legacy" / "a.py", OVERRIDE + LEAK)
    write(root / "pkg" / "test_b.py", OVERRIDE + LEAK)
    write(root / "other" / "legacy" / "c.py", OVERRIDE)  # anchored at the file's directory: not matched
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, root)
    found = sorted((os.path.relpath(l.split(":")[0], root), codes_in(l)[0]) for l in out.splitlines() if ": EST" in l)
    assert found == [("legacy/a.py", "EST103"), ("other/legacy/c.py", "EST101")]


def test_per_file_ignores_hold_under_fix(tmp_path, capsys):
    with open(os.path.join(FIXTURES, "global_leak", "before.py"), encoding="utf-8") as f:
        before = f.read()
    write(tmp_path / "pyproject.toml", '[tool.estimator-lint]\nper-file-ignores = { "keep/*" = ["EST103"] }\n')
    kept = write(tmp_path / "keep" / "m.py", before)
    fixed = write(tmp_path / "fix" / "m.py", before)
    run(capsys, "--fix", tmp_path)
    assert kept.read_text() == before
    assert fixed.read_text() != before


def test_extra_estimator_bases_from_the_file_and_the_flag(tmp_path, capsys):
    write(tmp_path / "m.py", CUSTOM_BASE)
    assert run(capsys, tmp_path)[0] == 0
    write(tmp_path / "pyproject.toml", '[tool.estimator-lint]\nextra-estimator-bases = ["my_pkg.base.MyBase"]\n')
    assert codes_in(run(capsys, tmp_path)[1]) == ["EST101"]
    write(tmp_path / "pyproject.toml", '[tool.estimator-lint]\nextra-estimator-bases = ["other.Base"]\n')
    assert run(capsys, tmp_path)[0] == 0
    assert codes_in(run(capsys, "--extra-estimator-bases", "my_pkg.base.MyBase", tmp_path)[1]) == ["EST101"]


def test_output_format_from_the_file_and_the_flag(project, capsys):
    write(project / "pyproject.toml", '[tool.estimator-lint]\noutput-format = "github"\n')
    _, out, _ = run(capsys, project / "src")
    assert out.startswith("::error file=")
    _, out, _ = run(capsys, "--output-format", "text", project / "src")
    assert "Found 2 findings" in out


def test_unsafe_fixes_from_the_file(tmp_path, capsys):
    write(tmp_path / "m.py", UNSAFE)
    _, out, _ = run(capsys, tmp_path)
    assert "No fixes available with --fix (1 unsafe fix with --fix --unsafe-fixes)." in out
    write(tmp_path / "pyproject.toml", "[tool.estimator-lint]\nunsafe-fixes = true\n")
    _, out, _ = run(capsys, tmp_path)
    assert "[*] 1 fixable with --fix." in out
    _, out, _ = run(capsys, "--no-unsafe-fixes", tmp_path)
    assert "(1 unsafe fix with --fix --unsafe-fixes)" in out
    code, out, _ = run(capsys, "--fix", tmp_path)
    assert code == 0, out
    assert "'total_loss': tf.reduce_mean(features)" in (tmp_path / "m.py").read_text()


# --------------------------------------------------------------------------------------
# errors: one line, the file and the key, exit 2
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,message",
    [
        ("selekt = ['EST1']", "[tool.estimator-lint] unknown key 'selekt' (did you mean 'select'?)"),
        ("extra_estimator_bases = []", "unknown key 'extra_estimator_bases' (did you mean 'extra-estimator-bases'?)"),
        ("colour = true", "unknown key 'colour' (known keys: select, extend-select, ignore, exclude,"),
        ("select = 'EST1'", "'select' must be an array of strings, not a string"),
        ("ignore = ['EST1', 2]", "'ignore' must be an array of strings, not an array holding an integer"),
        ("extend-select = ['E501']", "'extend-select' has an unknown rule code or prefix 'E501'"),
        ("select = ['EST9']", "'select' has an unknown rule code or prefix 'EST9'"),
        ("exclude = 'build'", "'exclude' must be an array of strings, not a string"),
        ("extend-exclude = [['a']]", "'extend-exclude' must be an array of strings, not an array holding an array"),
        ("force-exclude = 'yes'", "'force-exclude' must be true or false, not a string"),
        ("unsafe-fixes = 1", "'unsafe-fixes' must be true or false, not an integer"),
        ("output-format = 'xml'", "'output-format' must be one of 'text', 'json', 'sarif', 'github', not 'xml'"),
        ("output-format = 3", "'output-format' must be one of 'text', 'json', 'sarif', 'github', not an integer"),
        ("per-file-ignores = ['a']", "'per-file-ignores' must be a table of glob = array of codes, not an array"),
        (
            "per-file-ignores = { 'a/*' = 'EST1' }",
            "'per-file-ignores.\"a/*\"' must be an array of strings, not a string",
        ),
        ("per-file-ignores = { x = ['X1'] }", "'per-file-ignores.x' has an unknown rule code or prefix 'X1'"),
        ("extra-estimator-bases = ['my-pkg.Base']", "'extra-estimator-bases' has an invalid dotted name 'my-pkg.Base'"),
        ("extra-estimator-bases = 'a.B'", "'extra-estimator-bases' must be an array of strings, not a string"),
        ("[tool.estimator-lint.nested]\nx = 1", "unknown key 'nested'"),
    ],
)
def test_bad_configuration_is_one_line_naming_file_and_key(tmp_path, capsys, monkeypatch, body, message):
    write(tmp_path / "pyproject.toml", f"[tool.estimator-lint]\n{body}\n")
    write(tmp_path / "m.py", OVERRIDE)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "m.py")
    assert code == 2 and out == ""
    assert err.startswith("estimator-lint: error: pyproject.toml: ")
    assert message in err
    assert err.count("\n") == 1, err


def test_table_that_is_not_a_table(tmp_path, capsys, monkeypatch):
    write(tmp_path / "pyproject.toml", '[tool]\nestimator-lint = "on"\n')
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, ".")
    assert code == 2
    assert err == "estimator-lint: error: pyproject.toml: [tool.estimator-lint] must be a table, not a string\n"


def test_malformed_toml_is_one_line_with_file_and_toml_message(tmp_path, capsys, monkeypatch):
    write(tmp_path / "sub" / "pyproject.toml", '[tool.estimator-lint]\nselect = ["EST1"\nignore = []\n')
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "sub")
    assert code == 2 and out == ""
    assert re.fullmatch(
        r"estimator-lint: error: sub/pyproject\.toml: cannot parse TOML: .+ \(at line 3, column \d+\)\n", err
    ), err


def test_configuration_file_outside_the_current_directory_is_named_absolutely(tmp_path, capsys, monkeypatch):
    write(tmp_path / "project" / "pyproject.toml", "[tool.estimator-lint]\nselekt = []\n")
    write(tmp_path / "cwd" / "x.txt", "")
    monkeypatch.chdir(tmp_path / "cwd")
    _, _, err = run(capsys, tmp_path / "project")
    assert f"error: {tmp_path / 'project' / 'pyproject.toml'}: [tool.estimator-lint] unknown key" in err


def test_documented_example_configuration_is_valid(tmp_path):
    with open(os.path.join(ROOT, "docs", "configuration.md"), encoding="utf-8") as f:
        section = f.read()
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    write(tmp_path / "pyproject.toml", example)
    loaded = config.load_pyproject(str(tmp_path / "pyproject.toml"), required=True)
    assert loaded.extra_estimator_bases == ("my_pkg.base.MyEstimatorBase",)


def test_every_key_is_documented():
    with open(os.path.join(ROOT, "docs", "configuration.md"), encoding="utf-8") as f:
        section = f.read()
    documented = re.findall(r"^\| `([a-z-]+)` \|", section, re.M)
    assert documented == list(config.KEYS)


# --------------------------------------------------------------------------------------
# flake8 reads the same table
# --------------------------------------------------------------------------------------


def _flake8(path, cwd):
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "EST", str(path)], capture_output=True, text=True, cwd=cwd
    )


def test_flake8_reads_extra_estimator_bases_from_pyproject(tmp_path):
    write(tmp_path / "pkg" / "sub" / "m.py", CUSTOM_BASE)
    proc = _flake8(tmp_path / "pkg", tmp_path)
    assert proc.stdout == "", proc.stdout + proc.stderr
    write(tmp_path / "pyproject.toml", '[tool.estimator-lint]\nextra-estimator-bases = ["my_pkg.base.MyBase"]\n')
    proc = _flake8(tmp_path / "pkg", tmp_path)
    assert proc.returncode == 1
    (line,) = proc.stdout.splitlines()
    assert line.startswith(f"{tmp_path / 'pkg' / 'sub' / 'm.py'}:3:5: EST101 `M.train` overrides an Estimator member")


def test_flake8_reports_a_bad_table_once_and_goes_on(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.estimator-lint]\nselekt = []\n")
    write(tmp_path / "m.py", OVERRIDE)
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "-j", "1", "--select", "EST", "m.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stdout.splitlines()[0] == (
        "m.py:1:1: EST001 invalid configuration: pyproject.toml: [tool.estimator-lint] unknown key 'selekt'"
        " (did you mean 'select'?)"
    )
    assert proc.stdout.splitlines()[1].startswith("m.py:3:5: EST101 ")
    assert "Traceback" not in proc.stderr
