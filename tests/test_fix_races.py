"""``--fix`` and another process writing the same file: no edit of the other writer is lost.

The dangerous moment is between the fixer's last look at the file and the rename that
puts the fixed text in place.  These tests land a write exactly there (through the
rename itself, or the fixer's test hook) and check that the other writer's text is what
the file holds afterwards and that the file is reported as not fixed.
"""

import os
import stat
import sys

import pytest

from estimator_lint import fix_apply
from estimator_lint.fix_apply import fix_file
from helpers import FIXTURES

FIXABLE = os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")
EDIT = b"# a line another process appended\n"


def _fixable(tmp_path, name="model.py"):
    path = tmp_path / name
    with open(FIXABLE, "rb") as f:
        path.write_bytes(f.read())
    return path


def _replace_with_a_write(monkeypatch, write):
    """Make the next ``os.replace`` onto a ``.py`` file run ``write(target)`` around it."""
    real = os.replace
    calls = []

    def replace(src, dst, *args, **kwargs):
        if not calls and str(dst).endswith(".py"):
            calls.append(dst)
            return write(src, dst, lambda: real(src, dst, *args, **kwargs))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_a_write_landing_just_before_the_rename_is_kept(tmp_path, monkeypatch):
    path = _fixable(tmp_path)
    original = path.read_bytes()
    held = open(path, "ab")  # an editor with the file open, saving in place

    def write(src, dst, rename):
        held.write(EDIT)  # right before the rename, after every check
        held.flush()
        rename()

    try:
        calls = _replace_with_a_write(monkeypatch, write)
        result = fix_file(str(path))
    finally:
        held.close()
    assert calls, "the fixer did not rename onto the file"
    assert path.read_bytes() == original + EDIT
    assert result.error is not None and "not fixed" in result.error.message
    assert [n for n in os.listdir(tmp_path) if n != "model.py"] == []


def test_a_write_through_a_descriptor_opened_earlier_landing_after_the_rename_is_kept(tmp_path, monkeypatch):
    path = _fixable(tmp_path)
    original = path.read_bytes()
    held = open(path, "ab")  # a process that had the file open before the fix began

    def write(src, dst, rename):
        done = rename()
        held.write(EDIT)  # lands on the old file, which the rename just unlinked
        held.flush()
        return done

    try:
        _replace_with_a_write(monkeypatch, write)
        result = fix_file(str(path))
    finally:
        held.close()
    assert path.read_bytes() == original + EDIT
    assert result.error is not None and "while it was being replaced" in result.error.message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="file leases are Linux's")
def test_an_open_in_the_window_breaks_the_lease_and_the_old_file_stays(tmp_path, monkeypatch):
    """Another process opening the file between the check and the rename (it would get the
    old file): the old file is put back, the very inode, so its write is not lost."""
    path = _fixable(tmp_path)
    original = path.read_bytes()
    inode = os.stat(path).st_ino
    opened = []

    def open_in_the_window(target):
        try:
            fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK)
        except BlockingIOError:
            opened.append("waits for the lease")  # the lease is now broken: the fixer sees it
        else:
            os.close(fd)
            opened.append("no lease")

    monkeypatch.setattr(fix_apply, "_before_replace", open_in_the_window)
    result = fix_file(str(path))
    if opened == ["no lease"]:
        pytest.skip("this file system does not grant write leases")
    assert opened == ["waits for the lease"]
    assert os.stat(path).st_ino == inode and path.read_bytes() == original
    assert result.error is not None and "other writer's version was kept" in result.error.message


def test_without_a_concurrent_write_the_fix_lands_and_nothing_is_left_behind(tmp_path):
    path = _fixable(tmp_path)
    original = path.read_bytes()
    result = fix_file(str(path))
    assert result.error is None and result.applied
    assert path.read_bytes() != original and path.read_bytes() == result.text.encode()
    assert os.listdir(tmp_path) == ["model.py"]


def test_setuid_and_setgid_bits_are_kept(tmp_path):
    path = _fixable(tmp_path)
    os.chmod(path, 0o6755)
    if stat.S_IMODE(os.stat(path).st_mode) != 0o6755:
        pytest.skip("this file system does not keep setuid/setgid bits")
    result = fix_file(str(path))
    assert result.error is None and result.applied
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o6755


def test_a_file_with_other_hard_links_is_not_fixed_and_says_why(tmp_path):
    path = _fixable(tmp_path)
    other = tmp_path / "other_name.py"
    os.link(path, other)
    original = path.read_bytes()
    result = fix_file(str(path))
    assert result.error is not None and "2 hard links" in result.error.message
    assert path.read_bytes() == original == other.read_bytes()
    assert os.stat(path).st_ino == os.stat(other).st_ino
