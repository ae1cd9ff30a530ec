"""The linter never runs the code it checks, writes only the files it fixes, needs no network,
and ``--fix`` never leaves a file half-written."""

import hashlib
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys

import pytest

from estimator_lint.cli import main
from helpers import FIXTURES

#: The only directory a run may create: the result cache (when there is one).
ALLOWED_NEW = {".estimator_lint_cache"}

FIXABLE = os.path.join(FIXTURES, "seed_snippet1_override_capture", "before.py")


def _evil_tree(base, markers):
    """Files that, if imported or executed, create a file in ``markers``."""

    def touch(name):
        return f"open({os.path.join(markers, name)!r}, 'w').close()\n"

    est = "import tensorflow as tf\n"
    files = {
        "top_level.py": est + touch("top_level") + "class M(tf.estimator.Estimator):\n    def train(self): pass\n",
        "class_body.py": est + "class M(tf.estimator.Estimator):\n    " + touch("class_body") + "    def train(self): pass\n",
        "defaults.py": est + f"def model_fn(features, labels, mode, x={touch('defaults').strip()}):\n    pass\n",
        "decorator.py": est + f"@(lambda f: ({touch('decorator').strip()}, f)[1])\ndef model_fn(features, labels, mode):\n    pass\n",
        "pkg/__init__.py": touch("package_init"),
        "pkg/model.py": est + "from . import base\nfrom .base import Base\nclass M(Base):\n    def train(self): pass\n",
        "pkg/base.py": est + touch("package_module") + "class Base(tf.estimator.Estimator):\n    pass\n",
        # Modules that shadow what the linter or TF import, were the tree on sys.path.
        "tensorflow.py": touch("tensorflow_shadow"),
        "tensorflow/__init__.py": touch("tensorflow_pkg_shadow"),
        "libcst.py": touch("libcst_shadow"),
        "difflib.py": touch("difflib_shadow"),
        "tempfile.py": touch("tempfile_shadow"),
        "sitecustomize.py": touch("sitecustomize"),
        "usercustomize.py": touch("usercustomize"),
        "conftest.py": touch("conftest"),
        "setup.py": touch("setup") + "import tensorflow as tf\nEstimator = tf.estimator.Estimator\n",
        "__main__.py": touch("dunder_main") + "model_fn = 1\n",
        "evil.pth": "import os; " + touch("pth"),
        "eval_me.py": est + "model_fn = eval(" + repr(touch("eval")) + ")\nexec(" + repr(touch("exec")) + ")\n",
    }
    for rel, text in files.items():
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return files


def test_linting_never_imports_or_executes_the_checked_code(tmp_path, capsys):
    markers = tmp_path / "markers"
    markers.mkdir()
    tree = tmp_path / "tree"
    _evil_tree(str(tree), str(markers))
    for jobs in (1, 2):
        main(["--jobs", str(jobs), "--no-prefilter", str(tree)])
        out = capsys.readouterr().out
        assert f"{tree / 'top_level.py'}:4:5: EST101" in out and f"{tree / 'class_body.py'}:4:5: EST101" in out
    fixed = tmp_path / "fixed"
    shutil.copytree(tree, fixed)
    main(["--fix", "--unsafe-fixes", str(fixed)])
    capsys.readouterr()
    # The console script with the tree as working directory, and flake8 there too.
    exe = os.path.join(os.path.dirname(sys.executable), "estimator-lint")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # (Console scripts: ``python -m`` puts the working directory on sys.path, so the tree's
    # tempfile.py would shadow the standard library's, for flake8 as for any program.)
    flake8 = os.path.join(os.path.dirname(sys.executable), "flake8")
    for cmd in ([exe, "--jobs", "2", "."], [exe, "--fix", "--unsafe-fixes", "."], [flake8, "--select", "EST", "."]):
        proc = subprocess.run(cmd, cwd=fixed, capture_output=True, text=True, env=env)
        assert "Traceback" not in proc.stderr, proc.stderr
    assert os.listdir(markers) == []


def _snapshot(root):
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            digest = None
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            state[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return state


def _new_entries(root):
    return {name for name in os.listdir(root)} - ALLOWED_NEW


def test_linting_writes_nothing_anywhere(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES, tree)
    os.symlink(FIXABLE, tree / "link_outside.py")
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):  # chmod follows a link: it would make FIXABLE read-only
                os.chmod(path, 0o444)
    # The linked file in the checkout keeps its mode (the suite never changes the checkout).
    assert os.stat(FIXABLE).st_mode & 0o200
    before = _snapshot(tree)
    outside_before = _snapshot(os.path.dirname(FIXABLE))
    home, work, tmp = tmp_path / "home", tmp_path / "cwd", tmp_path / "tmp"
    for d in (home, work, tmp):
        d.mkdir()
    env = dict(os.environ, HOME=str(home), TMPDIR=str(tmp), XDG_CACHE_HOME=str(home / ".cache"))
    exe = os.path.join(os.path.dirname(sys.executable), "estimator-lint")
    for cmd in (
        [exe, str(tree)],
        [exe, "--jobs", "2", str(tree)],
        [exe, "--diff", str(tree)],
        [exe, "--output-format", "json", str(tree)],
        [sys.executable, "-m", "flake8", "--select", "EST", str(tree)],
    ):
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
        # Findings everywhere (flake8 too); --diff has fixes to show: each exits 1.
        assert proc.returncode == 1 and proc.stdout, (cmd, proc.stderr)
    after = _snapshot(tree)
    new = {k for k in after if k not in before and k.split(os.sep)[0] not in ALLOWED_NEW}
    assert new == set()
    assert {k: v for k, v in after.items() if k in before} == before
    assert _snapshot(os.path.dirname(FIXABLE)) == outside_before
    # Outside the tree only the user's key (the cache's authentication) may appear, private.
    key = home / ".cache" / "estimator-lint" / "key"
    assert _new_entries(work) == set() and os.listdir(tmp) == []
    assert _new_entries(home) <= {".cache"} and os.listdir(home / ".cache" / "estimator-lint") == ["key"]
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_no_network_needed(tmp_path, capsys, monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES, tree)
    assert main([str(tree)]) == 1
    capsys.readouterr()
    # Some findings have no fix (EST101): findings remain, exit 1; and fixes were applied.
    assert main(["--fix", "--unsafe-fixes", str(tree)]) == 1
    out, err = capsys.readouterr()
    fixed = re.search(r"\((\d+) fixed, \d+ remaining", out)
    assert fixed and int(fixed.group(1)) > 20, out[-500:]
    assert "Traceback" not in err
    assert attempts == []


def test_no_network_namespace(tmp_path):
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"], capture_output=True, cwd=tmp_path).returncode != 0:
        pytest.skip("unshare -n is not available here")
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES, tree)
    exe = os.path.join(os.path.dirname(sys.executable), "estimator-lint")
    run = dict(capture_output=True, text=True, cwd=tmp_path)
    proc = subprocess.run(["unshare", "-n", exe, "--jobs", "2", str(tree)], **run)
    assert proc.returncode == 1 and proc.stdout.count(": EST1") > 20, proc.stderr
    proc = subprocess.run(["unshare", "-n", exe, "--fix", str(tree)], **run)
    fixed = re.search(r"\((\d+) fixed, ", proc.stdout)
    assert proc.returncode == 1 and fixed and int(fixed.group(1)) > 10, proc.stdout[-500:] + proc.stderr


# --------------------------------------------------------------------------------------
# --fix: data safety
# --------------------------------------------------------------------------------------


def _fixed_text(path):
    from estimator_lint.engine import Settings, decode_source
    from estimator_lint.fix_apply import fix_source

    with open(path, "rb") as f:
        return fix_source(decode_source(f.read()), path, Settings(), False).text


def test_fix_keeps_permissions_and_writes_through_symlinks(tmp_path, capsys):
    target = tmp_path / "real" / "model.py"
    target.parent.mkdir()
    shutil.copy(FIXABLE, target)
    os.chmod(target, 0o640)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    expected = _fixed_text(str(target))
    assert expected != target.read_text()
    main(["--fix", str(link)])
    assert "(2 fixed, 0 remaining)" in capsys.readouterr().out
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == expected
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert os.listdir(target.parent) == ["model.py"]  # no temporary file left


def test_fix_keeps_crlf_and_bom_and_latin1(tmp_path, capsys):
    with open(FIXABLE, encoding="utf-8") as f:
        text = f.read()
    variants = {
        "crlf.py": text.replace("\n", "\r\n").encode(),
        "bom.py": b"\xef\xbb\xbf" + text.encode(),
        "latin1.py": ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + text).encode("latin-1"),
    }
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
    main(["--fix", str(tmp_path)])
    capsys.readouterr()
    crlf = (tmp_path / "crlf.py").read_bytes()
    assert crlf != variants["crlf.py"] and b"\n" not in crlf.replace(b"\r\n", b"")
    bom = (tmp_path / "bom.py").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf") and bom != variants["bom.py"]
    latin = (tmp_path / "latin1.py").read_bytes()
    assert b"# caf\xe9\n" in latin and latin != variants["latin1.py"]


def test_kill_9_during_fix_leaves_every_file_whole(tmp_path):
    """SIGKILL at chosen points of ``--fix``: each file is the original or the fixed text."""
    with open(FIXABLE, "rb") as f:
        original = f.read()
    fixed = _fixed_text(FIXABLE).encode()
    exe = os.path.join(os.path.dirname(sys.executable), "estimator-lint")
    seen = []
    # Killed after n files were replaced (watched, not timed): n = 0 kills during the
    # project index, the others between and during the writes.
    for attempt, wanted in enumerate((0, 1, 40, 100)):
        tree = tmp_path / f"run{attempt}"
        tree.mkdir()
        for i in range(150):
            (tree / f"m{i:03}.py").write_bytes(original)
        proc = subprocess.Popen(
            [exe, "--fix", str(tree)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path
        )
        while proc.poll() is None:
            done = sum(1 for p in tree.glob("*.py") if p.read_bytes() == fixed)
            if done >= wanted:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        states = {"original": 0, "fixed": 0}
        for name in os.listdir(tree):
            path = tree / name
            if name.endswith(".py"):
                data = path.read_bytes()
                assert data in (original, fixed), f"{name} is neither the original nor the fixed text"
                states["original" if data == original else "fixed"] += 1
            else:
                # A temporary file the kill interrupted: never a .py file, so never linted
                # (or the old file's backup link, which a completed fix removes).
                assert name.startswith(".estimator-lint-") and name.endswith((".tmp", ".bak")), name
        assert sum(states.values()) == 150
        seen.append(states["fixed"])
    # Some kills landed mid-run (the test is not vacuous).
    assert any(0 < n < 150 for n in seen), seen


@pytest.mark.parametrize("mode", ["--fix", "--diff"])
def test_fix_does_not_hang_on_a_fifo(tmp_path, mode):
    shutil.copy(FIXABLE, tmp_path / "model.py")
    os.mkfifo(tmp_path / "fifo.py")
    exe = os.path.join(os.path.dirname(sys.executable), "estimator-lint")
    try:
        proc = subprocess.run([exe, mode, str(tmp_path)], capture_output=True, text=True, timeout=8, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail(f"estimator-lint {mode} hung on a FIFO named fifo.py")
    assert f"{tmp_path / 'fifo.py'}:1:1: error: cannot read: not a regular file (a FIFO)" in proc.stdout
    assert proc.returncode == 1
