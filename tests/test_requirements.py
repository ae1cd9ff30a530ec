"""EST106's input: the project's TensorFlow requirement, read statically (estimator_lint.requirements)."""

import json
import textwrap

import pytest

from estimator_lint import requirements, run_record
from estimator_lint.cli import main
from estimator_lint.requirements import admits_from, poetry_specifiers, scan_project, tensorflow_requirement

USES_ESTIMATOR = "import tensorflow as tf\nconfig = tf.estimator.RunConfig()\nmode = tf.estimator.ModeKeys.TRAIN\n"


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def requirement_of(root, target=None):
    return tensorflow_requirement(scan_project(str(root)), target)


@pytest.mark.parametrize(
    "specifier,admits",
    [
        ("", True),  # no bound at all
        (">=2.12", True),
        ("==2.*", True),
        ("~=2.15", True),  # >=2.15, ==2.*
        (">2.16", True),
        ("<2.16.1", True),  # 2.16.0
        ("!=2.15.0", True),
        ("!=2.16.*,<2.17.1", True),  # 2.17.0
        ("==2.16.0rc0", True),  # 2.16's pre-releases lack tf.estimator too
        ("~=2.15.0", False),
        ("==2.15.1", False),
        ("<2.16", False),
        ("<=2.15.1", False),
        (">=2.12,<2.16", False),
        ("!=2.16.*,<2.17", False),
        ("===2.15.1", False),
        ("==2.15.*", False),
    ],
)
def test_admits_a_version_without_tf_estimator(specifier, admits):
    assert admits_from(specifier) is admits


def test_nightly_releases_are_all_pre_releases():
    assert admits_from("", nightly=True) and admits_from("<2.17", nightly=True)
    assert not admits_from("<2.16", nightly=True)


@pytest.mark.parametrize(
    "constraint,specifiers",
    [
        ("^2.12", (">=2.12,<3",)),
        ("~2.15", (">=2.15,<2.16",)),
        ("~2.15.0", (">=2.15.0,<2.16",)),
        ("2.15.1", ("==2.15.1",)),
        ("2.15.*", ("==2.15.*",)),
        ("*", ("",)),
        (">=2.12 <2.16", (">=2.12,<2.16",)),
        ("^2.12 || ^1.15", (">=2.12,<3", ">=1.15,<2")),
        ("^0.2.3", (">=0.2.3,<0.3",)),
    ],
)
def test_poetry_constraints_in_pep_440(constraint, specifiers):
    assert poetry_specifiers(constraint) == specifiers


def test_requirements_txt_with_includes_constraints_comments_continuations_and_markers(tmp_path):
    write(tmp_path, {
        "requirements.txt": """
            # comment line
            -r requirements-base.txt
            --constraint=constraints.txt
            numpy<2 \\
                --hash=sha256:00  # an option continued on the next line
            -e .
            --index-url https://example.invalid/simple
            ./vendored/pkg
            """,
        "requirements-base.txt": 'tensorflow-cpu >= 2.12 ; sys_platform == "linux"  # trailing comment\n',
        "constraints.txt": "tensorflow-cpu<2.16\n",
    })
    scan = scan_project(str(tmp_path))
    assert scan.problems == []
    main_route = next(r for r in scan.routes if r.name == "requirements.txt")
    assert [d.text for d in main_route.requirements] == ['tensorflow-cpu >= 2.12 ; sys_platform == "linux"']
    assert [d.text for d in main_route.constraints] == ["tensorflow-cpu<2.16"]
    # The -c constraint keeps requirements.txt below 2.16, but requirements-base.txt alone
    # (a route of its own) admits 2.16+.
    found = requirement_of(tmp_path)
    assert (found.where, found.text) == ("requirements-base.txt:1", 'tensorflow-cpu >= 2.12 ; sys_platform == "linux"')
    (tmp_path / "requirements-base.txt").write_text("tensorflow-cpu>=2.12,<2.16\n")
    assert requirement_of(tmp_path) is None


def test_a_marked_line_is_an_alternative_not_an_intersection(tmp_path):
    write(tmp_path, {"requirements.txt": """
        tensorflow<2.16; python_version < "3.12"
        tensorflow>=2.16; python_version >= "3.12"
        """})
    assert requirement_of(tmp_path).where == "requirements.txt:2"


def test_pyproject_dependencies_extras_groups_and_poetry(tmp_path):
    write(tmp_path, {"pyproject.toml": """
        [project]
        name = "x"
        dependencies = ["tensorflow~=2.15.0"]

        [project.optional-dependencies]
        gpu = ["tensorflow-gpu>=2.10"]
        """})
    found = requirement_of(tmp_path)
    assert (found.where, found.text) == ("pyproject.toml:6", "tensorflow-gpu>=2.10")
    write(tmp_path, {"pyproject.toml": """
        [dependency-groups]
        dev = ["tf-nightly"]
        """})
    assert requirement_of(tmp_path).text == "tf-nightly"
    write(tmp_path, {"pyproject.toml": """
        [tool.poetry.dependencies]
        python = "^3.9"
        tensorflow = {version = "~2.15", markers = "sys_platform == 'linux'"}

        [tool.poetry.group.gpu.dependencies]
        tensorflow = "^2.12"
        """})
    found = requirement_of(tmp_path)
    assert found.text == 'tensorflow = "^2.12"' and found.where == "pyproject.toml:6"


def test_setup_cfg_and_setup_py_are_read_never_run(tmp_path):
    write(tmp_path, {"setup.cfg": """
        [options]
        install_requires =
            numpy

        [options.extras_require]
        new = tensorflow>=2.16
        """})
    assert requirement_of(tmp_path).where == "setup.cfg:6"
    (tmp_path / "setup.cfg").unlink()
    ran = tmp_path / "setup_py_ran"
    write(tmp_path, {"setup.py": f"""
        from setuptools import setup
        open({str(ran)!r}, "w").close()
        DEPS = ["tensorflow-cpu>=2.13"]
        setup(name="x", install_requires=DEPS, extras_require={{"old": ["tensorflow<2.16"]}})
        """})
    found = requirement_of(tmp_path)
    assert (found.where, found.text) == ("setup.py:3", "tensorflow-cpu>=2.13") and not ran.exists()


def test_tensorflow_estimator_alone_stands_for_its_tensorflow_line(tmp_path):
    write(tmp_path, {"requirements.txt": "tensorflow-estimator==2.15.*\n"})
    assert requirement_of(tmp_path) is None
    write(tmp_path, {"requirements.txt": "tensorflow-estimator\n"})
    assert requirement_of(tmp_path).via_estimator
    # With a TensorFlow requirement, TensorFlow decides (it does not depend on the estimator pin).
    write(tmp_path, {"requirements.txt": "tensorflow>=2.12\ntensorflow-estimator==2.15.*\n"})
    found = requirement_of(tmp_path)
    assert found.text == "tensorflow>=2.12" and not found.via_estimator


def test_no_tensorflow_requirement_and_the_target_override(tmp_path):
    write(tmp_path, {"requirements.txt": "numpy<2\ntensorflow_datasets>=4\n"})
    assert requirement_of(tmp_path) is None
    assert requirement_of(tmp_path, target="2.16").text == 'target-tensorflow = "2.16"'
    write(tmp_path, {"requirements.txt": "tensorflow>=2.12\n"})
    assert requirement_of(tmp_path, target="2.15") is None


def test_bad_declarations_are_one_line_problems_naming_the_file(tmp_path):
    write(tmp_path, {
        "requirements.txt": "-r missing.txt\ntensorflow>=>2\n",
        "pyproject.toml": "[project\n",
    })
    problems = scan_project(str(tmp_path)).problems
    assert any(p.startswith("missing.txt: included file does not exist") for p in problems)
    assert any(p.startswith("requirements.txt:2: invalid requirement 'tensorflow>=>2'") for p in problems)
    assert any(p.startswith("pyproject.toml: cannot parse TOML") for p in problems)
    assert all("\n" not in p for p in problems)


def test_a_fifo_named_requirements_txt_does_not_hang_the_scan(tmp_path):
    import os

    os.mkfifo(tmp_path / "requirements.txt")
    scan = scan_project(str(tmp_path))
    assert scan.problems == ["requirements.txt: not read: not a regular file"]


def test_include_cycles_end(tmp_path):
    write(tmp_path, {"requirements.txt": "-r requirements-b.txt\ntensorflow\n", "requirements-b.txt": "-r requirements.txt\n"})
    assert requirement_of(tmp_path).text == "tensorflow"


def test_the_project_directory_is_the_nearest_one_with_declarations(tmp_path):
    write(tmp_path, {"requirements.txt": "tensorflow\n", "src/pkg/mod.py": "x = 1\n"})
    assert requirements.project_directory(str(tmp_path / "src" / "pkg" / "mod.py")) == str(tmp_path)


# --------------------------------------------------------------------------------------
# the command: EST106 on and off, the cache and the run record
# --------------------------------------------------------------------------------------


def lint_run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_est106_follows_the_requirement_through_the_cache_and_the_run_record(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(run_record, "RACY_SECONDS", 0.0)  # the files are older than the runs
    write(tmp_path / "proj", {"requirements.txt": "tensorflow>=2.12\n", "train.py": USES_ESTIMATOR})
    monkeypatch.chdir(tmp_path / "proj")
    argv = ("--cache-dir", str(tmp_path / "cache"), ".")
    code, out, _ = lint_run(capsys, *argv)
    assert code == 1 and "train.py:2:10: EST106" in out and "`requirements.txt:1: tensorflow>=2.12`" in out
    assert "(the first of 2 uses of the Estimator API in this file)" in out
    assert lint_run(capsys, *argv)[1] == out  # replayed or cached: the same answer
    # Pinning below 2.16: the cached results and the run record must not answer for it.
    (tmp_path / "proj" / "requirements.txt").write_text("tensorflow>=2.12,<2.16\n")
    code, out, _ = lint_run(capsys, *argv)
    assert code == 0 and "EST106" not in out
    (tmp_path / "proj" / "requirements.txt").write_text("tensorflow>=2.13\n")
    assert "`requirements.txt:1: tensorflow>=2.13`" in lint_run(capsys, *argv)[1]
    # A declaration file added later is found too (the directory is an input).
    (tmp_path / "proj" / "requirements.txt").unlink()
    assert "EST106" not in lint_run(capsys, *argv)[1]
    (tmp_path / "proj" / "setup.cfg").write_text("[options]\ninstall_requires =\n    tensorflow\n")
    assert "`setup.cfg:3: tensorflow`" in lint_run(capsys, *argv)[1]


def test_target_tensorflow_key_and_flag(tmp_path, capsys, monkeypatch):
    write(tmp_path, {"requirements.txt": "tensorflow==2.15.1\n", "train.py": USES_ESTIMATOR})
    monkeypatch.chdir(tmp_path)
    assert "EST106" not in lint_run(capsys, "--no-cache", ".")[1]
    out = lint_run(capsys, "--no-cache", "--target-tensorflow", "2.16", ".")[1]
    assert '`--target-tensorflow: target-tensorflow = "2.16"`' in out
    (tmp_path / "pyproject.toml").write_text('[tool.estimator-lint]\ntarget-tensorflow = "2.17.0"\n')
    assert '`pyproject.toml: target-tensorflow = "2.17.0"`' in lint_run(capsys, "--no-cache", ".")[1]
    (tmp_path / "pyproject.toml").write_text('[tool.estimator-lint]\ntarget-tensorflow = "two"\n')
    code, _, err = lint_run(capsys, "--no-cache", ".")
    assert code == 2 and "pyproject.toml: [tool.estimator-lint] 'target-tensorflow' has an invalid TensorFlow version 'two'" in err


def test_a_bad_requirement_is_a_warning_and_the_run_goes_on(tmp_path, capsys, monkeypatch):
    write(tmp_path, {"requirements.txt": "tensorflow>=>2\ntensorflow-cpu>=2.12\n", "train.py": USES_ESTIMATOR})
    monkeypatch.chdir(tmp_path)
    code, out, err = lint_run(capsys, "--no-cache", "--output-format", "json", ".")
    assert "estimator-lint: warning: requirements.txt:1: invalid requirement 'tensorflow>=>2'" in err
    (finding,) = json.loads(out)
    assert finding["code"] == "EST106" and "requirements.txt:2: tensorflow-cpu>=2.12" in finding["message"]
    assert finding["url"].endswith("#est106-estimator-api-removed")


def test_est106_is_silent_when_deselected_and_on_files_that_only_say_estimator_in_comments(tmp_path, capsys, monkeypatch):
    write(tmp_path, {
        "requirements.txt": "tensorflow\n",
        "train.py": USES_ESTIMATOR,
        "notes.py": "# tf.estimator is gone\nestimator = 'tf.estimator.Estimator'\n",
    })
    monkeypatch.chdir(tmp_path)
    out = lint_run(capsys, "--no-cache", ".")[1]
    assert "train.py:2:10: EST106" in out and "notes.py" not in out
    assert "EST106" not in lint_run(capsys, "--no-cache", "--ignore", "EST106", ".")[1]
