"""The README works as written: its commands, its summaries, the flake8 extra, CI's command.

(The pre-commit snippet is run by the real pre-commit in ``test_precommit.py``; the
configuration example in ``test_config.py``; the generated parts in ``test_rule_docs.py``.)
"""

import importlib.metadata
import os
import re
import shlex
import shutil
import subprocess
import sys

from helpers import FIXTURES, ROOT

EXE = os.path.join(os.path.dirname(sys.executable), "estimator-lint")
SEED = os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")


def readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def section(title):
    return readme().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def code_blocks(text, lang="sh"):
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_readme_stays_short():
    """What a user needs on one or two screens; the rest lives in docs/."""
    assert len(readme().splitlines()) <= 140


def test_ci_runs_the_readme_test_command():
    (setup, test) = code_blocks(section("Set up this checkout"))
    command = test.strip().split(" && ")[-1]
    assert command == ".venv/bin/python -m pytest -n 2"
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
        ci = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    assert ci[-1] == command
    assert ".venv/bin/pip install --quiet -e '.[test]'" in ci
    assert setup.strip().startswith("python3 -m venv .venv && .venv/bin/pip install -e . && ")


def test_the_common_commands_run_as_written(tmp_path):
    (block,) = code_blocks(section("Common commands"))
    commands = [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]
    assert len(commands) == 5
    (tmp_path / "src").mkdir()
    shutil.copy(SEED, tmp_path / "src" / "model.py")
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "estimator-lint"
        proc = subprocess.run([EXE, *argv[1:]], cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode in (0, 1), (command, proc.stderr)
        assert proc.stderr == "" and proc.stdout, command
    # --diff changed nothing, --fix fixed: the fixed file checks clean.
    assert subprocess.run([EXE, "src/"], cwd=tmp_path, capture_output=True).returncode == 0


def test_the_summaries_the_readme_quotes_are_what_the_seed_prints(tmp_path):
    text = " ".join(section("Common commands").split())
    shutil.copy(SEED, tmp_path / "model.py")
    check = subprocess.run([EXE, "model.py"], cwd=tmp_path, capture_output=True, text=True).stdout
    fix = subprocess.run([EXE, "--fix", "model.py"], cwd=tmp_path, capture_output=True, text=True).stdout
    quoted = re.findall(r"`((?:Found|\[\*\] \d)[^`]*)`", text)
    assert len(quoted) == 3
    first, fixable, fixed = quoted
    assert check.endswith(f"{first}\n{fixable}\n")
    assert fix == f"{fixed}\n"


def test_flake8_extra_installs_flake8_and_the_readme_says_so():
    extras = importlib.metadata.metadata("estimator-lint").get_all("Provides-Extra") or []
    assert "flake8" in extras
    requires = importlib.metadata.requires("estimator-lint") or []
    assert any(re.match(r"flake8\b.*extra == .flake8.", r) for r in requires), requires
    flake8 = section("flake8")
    assert "needs flake8" in flake8
    assert "pip install 'estimator-lint[flake8]'" in code_blocks(flake8)[0]


def test_install_lines_name_the_package_and_the_repository():
    from estimator_lint.rules.base import REPOSITORY_URL

    blocks = code_blocks(section("Install into your project"))
    assert [b.strip() for b in blocks] == ["pip install estimator-lint", f"pip install git+{REPOSITORY_URL}"]
