"""Rule documentation: `estimator-lint rule`, the generated parts of the README and docs/, rule URLs."""

import os
import re
import subprocess
import sys

import pytest

from estimator_lint import docs
from estimator_lint.cli import main
from estimator_lint.rules import ALL_RULES
from estimator_lint.rules.base import REPOSITORY_URL, RULES_PAGE
from helpers import ROOT

README = os.path.join(ROOT, "README.md")


def read(relative):
    with open(os.path.join(ROOT, relative), encoding="utf-8") as f:
        return f.read()


def read_readme():
    return read("README.md")


def github_slug(heading):
    """GitHub's anchor for a Markdown heading (lowercase; punctuation but - and _ dropped)."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def readme_anchors(text):
    anchors, in_code = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"#{1,6} ", line):
            anchors.append(github_slug(line.lstrip("#")))
    return anchors


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------------------
# the README
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", list(docs.GENERATED))
def test_generated_parts_match_the_rules(relative):
    text = read(relative)
    assert docs.render(text, docs.GENERATED[relative]) == text, (
        f"{relative} is stale: run `python -m estimator_lint.docs --update-readme`"
    )


def test_generated_blocks_live_where_they_are_documented():
    assert docs.GENERATED == {
        "README.md": ("rules-table",),
        "docs/rules.md": ("rule-pages",),
        "docs/configuration.md": ("config-table",),
    }
    assert "rule-pages:start" not in read_readme()  # the rule reference moved to docs/rules.md


def test_readme_table_lists_every_rule_with_a_link_to_its_section():
    text = read_readme()
    table = text.split(docs.MARKERS["rules-table"][0])[1].split(docs.MARKERS["rules-table"][1])[0]
    for rule in ALL_RULES:
        assert f"| [{rule.code}](docs/rules.md#{rule.anchor()}) | {rule.name} | {rule.summary} |" in table


def test_every_rule_url_is_an_anchor_of_the_rules_page():
    anchors = readme_anchors(read(RULES_PAGE))
    for rule in ALL_RULES:
        base, _, anchor = rule.url().partition("#")
        assert base == f"{REPOSITORY_URL}/blob/main/docs/rules.md"
        assert anchor == github_slug(rule.heading())
        assert anchors.count(anchor) == 1, f"{rule.code}: no unique heading for #{anchor} in {RULES_PAGE}"


def test_rules_page_sections_hold_the_docstrings():
    text = read(RULES_PAGE)
    for rule in ALL_RULES:
        section = text.split(f"## {rule.heading()}\n", 1)[1].split("\n## ", 1)[0]
        for heading, body in docs.sections(rule).items():
            assert f"### {heading}\n" in section
            assert body in section


def test_every_relative_link_of_the_readme_and_docs_resolves():
    """Links between the README and docs/ pages: the file exists and so does the anchor."""
    pages = ["README.md"] + [f"docs/{name}" for name in sorted(os.listdir(os.path.join(ROOT, "docs")))]
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", read(page)):
            if re.match(r"[a-z]+:", target):
                continue  # an absolute URL
            file_part, _, anchor = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(page), file_part)) if file_part else page
            assert os.path.exists(os.path.join(ROOT, resolved)), (page, target)
            if anchor:
                assert anchor in readme_anchors(read(resolved)), (page, target)


def _checkout_copy(tmp_path):
    for relative in docs.GENERATED:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(read(relative), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("relative", list(docs.GENERATED))
def test_docs_check_and_update(tmp_path, relative):
    root = _checkout_copy(tmp_path)
    (block,) = docs.GENERATED[relative]
    text = read(relative)
    start, end = docs.MARKERS[block]
    (root / relative).write_text(text.replace(text[text.index(start) : text.index(end)], start + "\nold\n"))
    cmd = [sys.executable, "-m", "estimator_lint.docs"]
    proc = subprocess.run([*cmd, "--check", "--root", str(root)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and f"{relative} is out of date" in proc.stderr
    proc = subprocess.run([*cmd, "--update-readme", "--root", str(root)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.count("updated ") == 1
    assert (root / relative).read_text() == text
    assert subprocess.run([*cmd, "--check", "--root", str(root)], cwd=tmp_path).returncode == 0
    assert subprocess.run([*cmd, "--check"], cwd=tmp_path).returncode == 0  # this checkout


def test_render_needs_its_markers():
    with pytest.raises(ValueError, match="rules-table:start"):
        docs.render_readme("# no markers\n")
    with pytest.raises(ValueError, match="rule-pages:start"):
        docs.render("# no markers\n", ["rule-pages"])


# --------------------------------------------------------------------------------------
# estimator-lint rule
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_prints_the_page(capsys, rule):
    code, out, _ = run(capsys, "rule", rule.code)
    assert code == 0
    assert out.startswith(f"# {rule.code} {rule.name}\n\n{rule.summary}.\n\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in out
    assert rule.documentation() in out
    assert out.endswith(f"Documentation: {rule.url()}\n")


def test_rule_accepts_lowercase_codes_and_names(capsys):
    page = run(capsys, "rule", "EST102")[1]
    assert run(capsys, "rule", "est102")[1] == page
    assert run(capsys, "rule", "tensor-on-self")[1] == page


def test_rule_all_lists_every_rule(capsys):
    code, out, _ = run(capsys, "rule", "--all")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(ALL_RULES)
    for line, rule in zip(lines, ALL_RULES):
        assert re.fullmatch(rf"{rule.code}  {re.escape(rule.name)} *  {re.escape(rule.summary)}", line)


def test_unknown_rule_is_one_line_exit_2(capsys):
    code, out, err = run(capsys, "rule", "EST999")
    assert code == 2 and out == ""
    known = ", ".join(rule.code for rule in ALL_RULES)
    assert err == f"estimator-lint: error: unknown rule 'EST999' (known: {known}; see `estimator-lint rule --all`)\n"


@pytest.mark.parametrize("argv", [["rule"], ["rule", "EST102", "--all"]])
def test_rule_needs_a_code_or_all(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "give a rule code, or --all" in capsys.readouterr().err


def test_a_file_named_rule_is_linted_as_dot_slash_rule(tmp_path, capsys, monkeypatch):
    (tmp_path / "rule").write_text(
        "import tensorflow as tf\nclass M(tf.estimator.Estimator):\n    def train(self, input_fn):\n        pass\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "./rule")
    assert code == 1
    assert out.startswith("rule:3:5: EST101 ")
    code, out, _ = run(capsys, "--select", "EST101", "rule")  # not first: a path too
    assert code == 1 and out.startswith("rule:3:5: EST101 ")


def test_rule_subcommand_through_the_console_script(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "estimator-lint")
    proc = subprocess.run([exe, "rule", "EST103"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("# EST103 tensor-escapes-model-fn\n")


def test_help_mentions_the_rule_subcommand(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "estimator-lint rule EST102" in capsys.readouterr().out
