"""``--fix`` killed with SIGKILL at chosen points leaves every file whole.

The fixing run is a subprocess whose ``os.replace`` (and the temporary file's write) are
wrapped by the test, so the kill lands at an exact checkpoint: after N files were replaced,
after the N+1-th file's temporary copy was written but before it replaced the file, or in
the middle of writing that copy.  The outcome is then exact: the first N files (in the
order the run fixes them) hold the fixed text, every other file its original bytes, and at
most the one interrupted temporary file is left, never under a ``.py`` name.
"""

import os
import re
import subprocess
import sys

import pytest

from helpers import FIXTURES

CASE = os.path.join(FIXTURES, "seed_snippet1_override_capture")
FILES = 12

#: Installed in the fixing process before the CLI runs (test-only: the product has no hook).
HOOK = r'''
import os, signal, sys
N, WHERE = int(os.environ["KILL_AFTER"]), os.environ["KILL_AT"]
replaced = 0
real_replace, real_fdopen = os.replace, os.fdopen

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def replace(src, dst, *args, **kwargs):
    global replaced
    if not str(dst).endswith(".py"):
        return real_replace(src, dst, *args, **kwargs)
    if WHERE == "before-replace" and replaced == N:
        die()
    real_replace(src, dst, *args, **kwargs)
    replaced += 1
    if WHERE == "after-replace" and replaced == N:
        die()

class HalfWritten:
    def __init__(self, handle):
        self.handle = handle
    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        die()
    def __getattr__(self, name):
        return getattr(self.handle, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)

def fdopen(fd, *args, **kwargs):
    handle = real_fdopen(fd, *args, **kwargs)
    name = os.readlink(f"/proc/self/fd/{fd}")
    if WHERE == "mid-write" and replaced == N and os.path.basename(name).startswith(".estimator-lint-"):
        return HalfWritten(handle)
    return handle

os.replace, os.fdopen = replace, fdopen
from estimator_lint.cli import main
sys.exit(main(sys.argv[1:]))
'''


def _read(name):
    with open(os.path.join(CASE, name), "rb") as f:
        return f.read()


def _run_fix(tree, cwd, kill_at, kill_after):
    env = dict(os.environ, KILL_AT=kill_at, KILL_AFTER=str(kill_after))
    return subprocess.run([sys.executable, "-c", HOOK, "--fix", "--no-cache", str(tree)], cwd=cwd, env=env,
                          capture_output=True, text=True)


@pytest.mark.parametrize(
    "kill_at, kill_after, temp_left",
    [
        ("after-replace", 1, 0),
        ("after-replace", 7, 0),
        ("before-replace", 0, 1),
        ("before-replace", 5, 1),
        ("mid-write", 0, 1),
        ("mid-write", FILES - 1, 1),
    ],
)
def test_kill_9_at_a_checkpoint_of_fix(tmp_path, kill_at, kill_after, temp_left):
    original, fixed = _read("before.py"), _read("after.py")
    tree = tmp_path / "tree"
    tree.mkdir()
    names = [f"m{i:03}.py" for i in range(FILES)]
    for name in names:
        (tree / name).write_bytes(original)

    proc = _run_fix(tree, tmp_path, kill_at, kill_after)
    assert proc.returncode == -9, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])

    # Exactly the first kill_after files (the run fixes them in path order) are fixed.
    assert [(tree / n).read_bytes() == fixed for n in names] == [i < kill_after for i in range(FILES)]
    assert all((tree / n).read_bytes() == original for n in names[kill_after:])
    # What the kill left besides them: the writer's own scratch files, never a .py name.
    left = sorted(set(os.listdir(tree)) - set(names))
    assert all(n.startswith(".estimator-lint-") and not n.endswith(".py") for n in left), left
    temps = [n for n in left if n.endswith(".tmp")]
    assert len(temps) == temp_left, left
    if kill_at == "mid-write":
        half = (tree / temps[0]).read_bytes()
        assert 0 < len(half) < len(fixed) and fixed.startswith(half)  # the kill did cut a write short

    # A run that is not killed finishes the job; the leftover temporary file is not Python.
    done = _run_fix(tree, tmp_path, "never", -1)
    assert done.returncode == 0, done.stdout[-2000:]
    assert re.search(r"\(\d+ fixed, 0 remaining\)", done.stdout), done.stdout[-500:]
    assert all((tree / n).read_bytes() == fixed for n in names)
