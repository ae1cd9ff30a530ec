"""Summaries that add up: the number a check run announces as fixable is the number
``--diff`` would fix and the number ``--fix`` fixes, all counted in findings."""

import os
import re
import shutil

import pytest

from estimator_lint.cli import main
from estimator_lint.fix_apply import fix_source
from helpers import FIXTURES

SEED = os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")


def run(capsys, *argv):
    code = main(["--no-cache", *map(str, argv)])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def announced(out):
    """(found, fixable, more with --unsafe-fixes) from a check run's summary."""
    found = int(re.search(r"^Found (\d+) findings? in ", out, re.M).group(1))
    m = re.search(r"^\[\*\] (\d+) fixable with --fix(?: \((\d+) more with --fix --unsafe-fixes\))?\.$", out, re.M)
    return found, int(m.group(1)), int(m.group(2) or 0)


def would_fix(out):
    return int(re.search(r"^Would fix (\d+) findings? in \d+ of ", out, re.M).group(1))


def fixed(out):
    """(found, fixed, remaining, no longer reported) from a --fix run's summary."""
    m = re.search(r"^Found (\d+) findings? in \d+ of .* \((\d+) fixed, (\d+) remaining(?:, (\d+) no longer reported)?\)\.$", out, re.M)
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)


def shown_fixes(out):
    total = int(re.search(r"^(?:Would fix|Fixed) (\d+) findings?:$", out, re.M).group(1))
    listed = sum(int(n) for n in re.findall(r"^    (\d+) \u00d7 EST\d+ ", out, re.M))
    return total, listed


@pytest.mark.parametrize("unsafe", [[], ["--unsafe-fixes"]], ids=["safe", "unsafe"])
def test_fixable_would_fix_and_fixed_are_one_number_on_the_fixtures(tmp_path, capsys, unsafe):
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree)
    found, fixable, more = announced(run(capsys, *unsafe, tree)[1])
    assert fixable > 20 and (more > 0) == (not unsafe)

    code, out = run(capsys, "--diff", "--show-fixes", *unsafe, tree)
    assert code == 1 and would_fix(out) == fixable
    assert shown_fixes(out) == (fixable, fixable)

    code, out = run(capsys, "--fix", "--show-fixes", *unsafe, tree)
    total, done, remaining, gone = fixed(out)
    assert done == fixable and total == found == done + remaining + gone
    assert shown_fixes(out) == (fixable, fixable)
    after = run(capsys, *unsafe, tree)[1]
    if not unsafe:
        # What remains is what a check run of the fixed tree finds.  (Not so under
        # --unsafe-fixes: moving a capture another module reads changes the project index,
        # and those EST104 reads, remaining in the fix run, are gone from the next one.)
        assert re.search(rf"^Found {remaining} findings? in ", after, re.M)


def test_one_fix_that_resolves_two_findings_counts_two(tmp_path, capsys):
    """The seed: removing the override whole also removes the capture inside it, whose own
    (overlapping) fix is then never applied; both findings are fixed."""
    shutil.copy(SEED, tmp_path / "seed.py")
    code, out = run(capsys, tmp_path)
    assert out.endswith("Found 2 findings in 1 of 1 file checked.\n[*] 2 fixable with --fix.\n")
    code, out = run(capsys, "--diff", tmp_path)
    assert out.endswith("Would fix 2 findings in 1 of 1 file checked.\n")
    code, out = run(capsys, "--fix", tmp_path)
    assert (code, out) == (0, "Found 2 findings in 1 of 1 file checked (2 fixed, 0 remaining).\n")

    with open(SEED, encoding="utf-8") as f:
        result = fix_source(f.read())
    assert len(result.applied) == 1  # one fix applied ...
    assert result.fixed == 2 and result.fixed_by_code() == {"EST101": 1, "EST102": 1}  # ... two findings fixed


def test_reads_a_moved_capture_leaves_behind_are_counted_apart(tmp_path, capsys):
    """An unsafe fix moving a capture that is read elsewhere: the EST104 read is no longer
    reported, but it was neither fixable nor fixed."""
    (tmp_path / "m.py").write_text(
        "import tensorflow as tf\n"
        "class E(tf.estimator.Estimator):\n"
        "    def _call_model_fn(self, features, labels, mode, config):\n"
        "        spec = super()._call_model_fn(features, labels, mode, config)\n"
        "        self.out = spec.predictions['x']\n"
        "        return spec\n"
        "e = E(model_fn=None)\n"
        "print(e.out)\n"
    )
    codes = run(capsys, "--unsafe-fixes", tmp_path)[1]
    found, fixable, _ = announced(codes)
    assert ": EST104 " in codes and found == fixable + 1
    code, out = run(capsys, "--diff", "--unsafe-fixes", tmp_path)
    assert f"Would fix {fixable} findings in 1 of 1 file checked (1 more would no longer be reported)." in out
    code, out = run(capsys, "--fix", "--unsafe-fixes", tmp_path)
    assert fixed(out) == (found, fixable, 0, 1)


def test_a_fix_that_is_not_written_fixed_nothing(tmp_path, capsys):
    shutil.copy(SEED, tmp_path / "seed.py")
    findings = run(capsys, tmp_path)[1].splitlines()[:2]
    os.chmod(tmp_path / "seed.py", 0o444)
    code, out = run(capsys, "--fix", tmp_path)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'seed.py'}:1:1: error: not fixed: ")
    # The findings of the unchanged file remain, at their positions in it.
    assert lines[1:3] == findings
    assert lines[3:] == ["Found 2 findings in 1 of 1 file checked (0 fixed, 2 remaining).", "1 file could not be checked."]
