#!/usr/bin/env python3
"""Benchmark estimator-lint against the parse floor, flake8 and, where installed, Ruff,
Fixit and TorchFix, on the TensorFlow sources installed in the running interpreter.

    python benchmarks/run.py [--reps 5] [--only NAME,...] [--tools-bin DIR] [--json FILE]

Corpora (found with ``importlib.util.find_spec``, which does not import TensorFlow):

* E: the ``tensorflow_estimator`` package (the Estimator code itself);
* T: ``tensorflow/python`` (TensorFlow's Python sources: mostly no Estimator code).

Every measured command runs in a subprocess of its own, started by a small wrapper
process (``run.py --measure``) that reports wall time, CPU time and peak RSS
(``getrusage(RUSAGE_CHILDREN)``) of that one command tree.  Repetitions are interleaved
(rep 1 of every command, then rep 2, ...) so that load from other processes spreads over
all of them; the table shows medians.  Only the Python standard library is used to
measure.  See benchmarks/README.md for what each row and ratio means.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# --------------------------------------------------------------------------------------
# child modes: the measuring wrapper, the parse floor, libcst, the API driver, flake8
# --------------------------------------------------------------------------------------


def measure_main(argv: Sequence[str]) -> int:
    """``run.py --measure OUT.json -- CMD ...``: run CMD, write its wall/CPU/max RSS."""
    import resource

    out, cmd = argv[0], list(argv[2:])
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss: kilobytes on Linux, bytes on macOS.
    maxrss_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    with open(out, "w") as f:
        json.dump(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "maxrss_mb": maxrss_mb,
                "rc": proc.returncode,
                "stderr": proc.stderr.decode("utf-8", "replace")[-2000:],
            },
            f,
        )
    return 0


def _parse_every_file(list_file: str, parse) -> int:
    """Read every file named in ``list_file`` and hand its bytes to ``parse`` (errors ignored)."""
    with open(list_file) as f:
        files = f.read().splitlines()
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            parse(data, path)
        except Exception:
            pass
    return 0


def floor_main(argv: Sequence[str]) -> int:
    """``run.py --floor LIST``: read and ``ast.parse`` every file named in LIST."""
    import ast

    return _parse_every_file(argv[0], lambda data, path: ast.parse(data, path))


def libcst_main(argv: Sequence[str]) -> int:
    """``run.py --libcst LIST``: ``libcst.parse_module`` every file named in LIST."""
    import libcst

    return _parse_every_file(argv[0], lambda data, path: libcst.parse_module(data))


def driver_main(argv: Sequence[str]) -> int:
    """``run.py --driver [--jobs N] [--cache-dir DIR] PATH...``: the engine API, as the CLI
    runs it (for a CLI that does not have the cache flags yet)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--cache-dir")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    from estimator_lint.discovery import discover
    from estimator_lint.runner import Settings, lint_paths

    settings = Settings()
    cache = None
    if args.cache_dir:
        from estimator_lint.cache import ResultCache

        cache = ResultCache(settings, args.cache_dir)
    files, _ = discover(args.paths)
    out = sys.stdout
    n = 0
    for result in lint_paths(files, settings, jobs=args.jobs, cache=cache):
        if result.error is not None:
            out.write(f"{result.path}:{result.error.line}:{result.error.column + 1}: error: {result.error.message}\n")
        for d in result.diagnostics:
            n += 1
            out.write(f"{result.path}:{d.line}:{d.column + 1}: {d.code} {d.message}\n")
    out.write(f"{n} findings in {len(files)} files\n")
    return 0


def flake8_main(argv: Sequence[str]) -> int:
    """``run.py --flake8 with|without ARGS``: flake8, with or without the EST plugin.

    Without: ``importlib.metadata.distributions()``, where flake8 finds its plugins, leaves
    out the estimator-lint distribution, as if it were not installed.  Both runs go
    through this same wrapper.
    """
    import importlib.metadata as metadata

    if argv[0] == "timed":
        # With the plugin, timing it from inside: the time flake8 spends in the plugin
        # (constructor and run) is printed last on stderr.  Use with --jobs 1.
        import atexit
        import functools

        from estimator_lint import flake8_plugin

        spent = [0.0]
        plugin = flake8_plugin.EstimatorLintPlugin
        real_init, real_run = plugin.__init__, plugin.run

        @functools.wraps(real_init)  # flake8 reads the parameters it passes from the signature
        def __init__(self, *args, **kwargs):
            start = time.perf_counter()
            try:
                real_init(self, *args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        @functools.wraps(real_run)
        def run(self):
            start = time.perf_counter()
            try:
                results = list(real_run(self))
            finally:
                spent[0] += time.perf_counter() - start
            return iter(results)

        plugin.__init__, plugin.run = __init__, run
        atexit.register(lambda: print(f"plugin seconds: {spent[0]:.4f}", file=sys.stderr))
    elif argv[0] == "without":
        original = metadata.distributions

        def distributions(**kwargs):
            for dist in original(**kwargs):
                if (dist.metadata["Name"] or "").lower().replace("_", "-") != "estimator-lint":
                    yield dist

        metadata.distributions = distributions
    from flake8.main.cli import main

    return main(list(argv[1:]))


# --------------------------------------------------------------------------------------
# the benchmark
# --------------------------------------------------------------------------------------


def package_dir(name: str) -> Optional[str]:
    spec = importlib.util.find_spec(name)  # a top-level package: not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def find_corpora() -> Dict[str, str]:
    corpora = {}
    est = package_dir("tensorflow_estimator")
    if est:
        corpora["E"] = est
    tf = package_dir("tensorflow")
    if tf and os.path.isdir(os.path.join(tf, "python")):
        corpora["T"] = os.path.join(tf, "python")
    return corpora


#: Corpus D: the fixtures' ``before.py`` files copied into this many package folders, to
#: about :data:`D_FILES` files: a codebase full of findings (most files have one or more).
D_PACKAGES, D_FILES = 10, 1000
FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")


def make_findings_corpus(dest: str) -> str:
    """Corpus D under ``dest`` (generated from ``fixtures/``, no download)."""
    sources = sorted(
        os.path.join(FIXTURES, name, "before.py")
        for name in os.listdir(FIXTURES)
        if os.path.isfile(os.path.join(FIXTURES, name, "before.py"))
    )
    per_package = -(-D_FILES // D_PACKAGES)
    for p in range(D_PACKAGES):
        package = os.path.join(dest, f"pkg{p}")
        os.makedirs(package, exist_ok=True)
        open(os.path.join(package, "__init__.py"), "w").close()
        for i in range(per_package):
            source = sources[(p * per_package + i) % len(sources)]
            shutil.copyfile(source, os.path.join(package, f"m{i}_{os.path.basename(os.path.dirname(source))}.py"))
    return dest


def python_files(root: str) -> List[str]:
    from estimator_lint.discovery import discover

    files, _ = discover([root])
    return files


def which(name: str, tools_bin: Sequence[str]) -> Optional[str]:
    for directory in [*tools_bin, os.path.dirname(sys.executable)]:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name)


def importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


class Bench:
    def __init__(self, args) -> None:
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="estimator-lint-bench-")
        self.rows: Dict[str, dict] = {}
        self.order: List[str] = []
        self.self_cmd = [sys.executable, os.path.abspath(__file__)]

    def add(
        self, name: str, corpus: str, files: int, cmd: List[str], before=None, note: str = "", max_reps: int = 0
    ) -> None:
        if self.args.only and not any(o in name for o in self.args.only):
            return
        self.rows[name] = {
            "corpus": corpus,
            "files": files,
            "cmd": cmd,
            "before": before,
            "note": note,
            "runs": [],
            "max_reps": max_reps,  # 0: --reps; else at most this many, and no warm-up run
        }
        self.order.append(name)

    def run_one(self, name: str) -> dict:
        row = self.rows[name]
        if row["before"]:
            row["before"]()
        out = os.path.join(self.tmp, "measure.json")
        subprocess.run([*self.self_cmd, "--measure", out, "--", *row["cmd"]], check=True, cwd=self.tmp)
        with open(out) as f:
            m = json.load(f)
        row["runs"].append(m)
        return m

    def run(self, reps: int, slow_reps: int) -> None:
        # A first, unmeasured round: warms the page cache, primes warm caches, finds slow tools.
        slow = set()
        for name in self.order:
            if self.rows[name]["max_reps"]:
                continue
            m = self.run_one(name)
            if m["wall"] > self.args.slow_seconds and self.rows[name]["note"] == "reference":
                # A slow reference tool: its warm-up run counts as the first repetition.
                slow.add(name)
            else:
                self.rows[name]["runs"].clear()
            print(f"  warm-up {name}: {m['wall']:.2f}s (exit {m['rc']})", file=sys.stderr, flush=True)
        for rep in range(reps):
            for name in self.order:
                if name in slow and rep >= slow_reps - 1:
                    continue
                if self.rows[name]["max_reps"] and len(self.rows[name]["runs"]) >= self.rows[name]["max_reps"]:
                    continue
                self.run_one(name)
            print(f"  rep {rep + 1}/{reps} done", file=sys.stderr, flush=True)

    def median(self, name: str, key: str = "wall") -> Optional[float]:
        row = self.rows.get(name)
        if not row or not row["runs"]:
            return None
        return statistics.median(r[key] for r in row["runs"])

    def paired_ratio(self, num: str, den: str, key: str = "wall") -> Optional[float]:
        """The median of ``num``/``den`` over the repetitions: each repetition runs every
        command once (these two back to back), so a drift of the machine's speed between
        repetitions cancels out (a ratio of medians keeps it)."""
        a, b = self.rows.get(num), self.rows.get(den)
        if not a or not b:
            return None
        pairs = [x[key] / y[key] for x, y in zip(a["runs"], b["runs"]) if y[key]]
        return statistics.median(pairs) if pairs else None

    def peak(self, name: str) -> Optional[float]:
        row = self.rows.get(name)
        if not row or not row["runs"]:
            return None
        return max(r["maxrss_mb"] for r in row["runs"])


def make_synthetic(base_files: Sequence[str], dest: str, copies: int) -> List[str]:
    """``copies`` copies of the base files, each under its own package, each file perturbed
    (a header line naming the copy), so contents and paths differ."""
    made = []
    common = os.path.commonpath(base_files)
    for c in range(copies):
        for i, src in enumerate(base_files):
            rel = os.path.relpath(src, common)
            target = os.path.join(dest, f"copy{c:02d}", rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(src, "rb") as f:
                data = f.read()
            if data.startswith(b"\xef\xbb\xbf") or b"coding" in data[:200]:
                payload = data  # keep the BOM / cookie on the first lines
            else:
                payload = b"# synthetic copy %d of %d\n" % (c, i) + data
            with open(target, "wb") as f:
                f.write(payload)
            made.append(target)
    return made


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    modes = {
        "--measure": measure_main,
        "--floor": floor_main,
        "--libcst": libcst_main,
        "--driver": driver_main,
        "--flake8": flake8_main,
    }
    if argv and argv[0] in modes:
        return modes[argv[0]](argv[1:])

    # Installed packages run from compiled bytecode; with PYTHONDONTWRITEBYTECODE set (some
    # CI images set it) an editable checkout would be compiled again by every measured
    # run.  The unmeasured first round writes the bytecode for all the tools measured.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="measured repetitions of each command (default 5)")
    parser.add_argument(
        "--slow-reps",
        type=int,
        default=1,
        help="repetitions of reference tools (Ruff, Fixit, TorchFix) whose warm-up took over --slow-seconds (default 1)",
    )
    parser.add_argument("--slow-seconds", type=float, default=60.0)
    parser.add_argument(
        "--timed-reps",
        type=int,
        default=1,
        help="runs of flake8 -j1 timing the plugin from inside (default 1; ~80 s each on T)",
    )
    parser.add_argument("--only", type=lambda s: [x for x in s.split(",") if x], default=[], help="run only rows whose name contains one of these")
    parser.add_argument("--no-flake8", action="store_true", help="skip flake8 (the slowest rows)")
    parser.add_argument("--no-synthetic", action="store_true", help="skip the 10x linear-growth tree")
    parser.add_argument("--copies", type=int, default=10, help="size of the synthetic tree, in copies of its base (default 10)")
    parser.add_argument(
        "--tools-bin",
        action="append",
        default=[],
        metavar="DIR",
        help="also look here for ruff, fixit, torchfix (e.g. a scratch venv's bin/)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write every measurement here")
    args = parser.parse_args(argv)

    corpora = find_corpora()
    bench_tmp_d = None
    if corpora and os.path.isdir(FIXTURES):
        bench_tmp_d = tempfile.mkdtemp(prefix="estimator-lint-D-")
        corpora["D"] = make_findings_corpus(os.path.join(bench_tmp_d, "D"))
    if not corpora:
        print("neither tensorflow_estimator nor tensorflow is installed in this interpreter", file=sys.stderr)
        return 2
    files = {c: python_files(root) for c, root in corpora.items()}
    bench = Bench(args)
    lists = {}
    for c, fs in files.items():
        lists[c] = os.path.join(bench.tmp, f"files-{c}.txt")
        with open(lists[c], "w") as f:
            f.write("\n".join(fs) + "\n")

    elint = which("estimator-lint", [])
    elint_cmd = [elint] if elint else [sys.executable, "-m", "estimator_lint"]
    help_text = subprocess.run([*elint_cmd, "--help"], capture_output=True, text=True).stdout
    cli_has_cache = "--cache-dir" in help_text and "--no-cache" in help_text
    isolated = ["--isolated"] if "--isolated" in help_text else []
    print("corpora: " + ", ".join(f"{c}={root} ({len(files[c])} files)" for c, root in corpora.items()), file=sys.stderr)
    print(f"estimator-lint: {' '.join(elint_cmd)} (cache flags in CLI: {cli_has_cache})", file=sys.stderr)

    def lint_cmd(paths, jobs, cache_dir=None):
        """The console script; for cache rows of a CLI without the cache flags, the API driver."""
        if cli_has_cache or not cache_dir:
            cache = (["--cache-dir", cache_dir] if cache_dir else ["--no-cache"]) if cli_has_cache else []
            return [*elint_cmd, *isolated, "--quiet", "--exit-zero", "--jobs", str(jobs), *cache, *paths]
        return [*bench.self_cmd, "--driver", "--jobs", str(jobs), "--cache-dir", cache_dir, *paths]

    def fresh(directory):
        return lambda: shutil.rmtree(directory, ignore_errors=True)

    def prime(cmd):
        # Before each warm repetition, an unmeasured run fills the cache (a cache made
        # earlier may have been invalidated meanwhile, e.g. by an edit of the linter).
        return lambda: subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=bench.tmp)

    for c, root in corpora.items():
        n = len(files[c])
        bench.add(f"ast.parse floor {c}", c, n, [*bench.self_cmd, "--floor", lists[c]])
        if c in ("E", "D") and importable("libcst"):
            bench.add(f"libcst parse_module {c}", c, n, [*bench.self_cmd, "--libcst", lists[c]])
        for jobs in (1, 2):
            bench.add(f"estimator-lint {c} -j{jobs} no-cache", c, n, lint_cmd([root], jobs))
            cold = os.path.join(bench.tmp, f"cache-cold-{c}-{jobs}")
            bench.add(f"estimator-lint {c} -j{jobs} cold", c, n, lint_cmd([root], jobs, cold), before=fresh(cold))
            warm = os.path.join(bench.tmp, f"cache-warm-{c}-{jobs}")
            bench.add(f"estimator-lint {c} -j{jobs} warm", c, n, lint_cmd([root], jobs, warm), before=prime(lint_cmd([root], jobs, warm)))
        if c == "D":
            # --fix on a fresh copy of D each time (a fixed tree has little left to fix).
            fixed = os.path.join(bench.tmp, "D-fix")

            def fresh_copy(src=root, dst=fixed):
                shutil.rmtree(dst, ignore_errors=True)
                shutil.copytree(src, dst)

            bench.add(
                f"estimator-lint {c} -j1 no-cache --fix",
                c,
                n,
                [*elint_cmd, *isolated, "--quiet", "--exit-zero", "--no-cache", "--fix", fixed],
                before=fresh_copy,
            )
        if not args.no_flake8 and importable("flake8"):
            common = ["--isolated", "--exit-zero"]
            bench.add(f"flake8 {c} (no plugin)", c, n, [*bench.self_cmd, "--flake8", "without", *common, root])
            bench.add(f"flake8 {c} (with plugin)", c, n, [*bench.self_cmd, "--flake8", "with", *common, root])
            bench.add(
                f"flake8 {c} -j1, plugin timed inside",
                c,
                n,
                [*bench.self_cmd, "--flake8", "timed", *common, "--jobs", "1", root],
                max_reps=args.timed_reps,
            )
        ruff = which("ruff", args.tools_bin)
        if ruff:
            bench.add(f"ruff {c}", c, n, [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "-q", root], note="reference")
        if c == "E":
            fixit = which("fixit", args.tools_bin)
            if fixit:
                bench.add(f"fixit {c}", c, n, [fixit, "lint", root], note="reference")
            torchfix = which("torchfix", args.tools_bin)
            if torchfix:
                bench.add(f"torchfix {c}", c, n, [torchfix, root], note="reference")

    synthetic_base = None
    if not args.no_synthetic and "E" in files:
        # Base: E plus every 10th file of T (Estimator and non-Estimator modules mixed).
        base_files = list(files["E"]) + list(files.get("T", []))[::10]
        base_dir = os.path.join(bench.tmp, "synthetic-1x")
        big_dir = os.path.join(bench.tmp, f"synthetic-{args.copies}x")
        base = make_synthetic(base_files, base_dir, 1)
        big = make_synthetic(base_files, big_dir, args.copies)
        synthetic_base = (len(base), len(big))
        bench.add("estimator-lint synthetic 1x -j1 no-cache", "S1", len(base), lint_cmd([base_dir], 1))
        bench.add(f"estimator-lint synthetic {args.copies}x -j1 no-cache", f"S{args.copies}", len(big), lint_cmd([big_dir], 1))

    if bench.rows.get("flake8 E (no plugin)"):
        check = subprocess.run([*bench.self_cmd, "--flake8", "without", "--version"], capture_output=True, text=True)
        if "estimator-lint" in check.stdout:
            print("warning: could not hide the plugin from flake8", file=sys.stderr)

    print(f"measuring {len(bench.order)} commands x {args.reps} reps (work dir {bench.tmp})", file=sys.stderr)
    bench.run(args.reps, args.slow_reps)

    # ---- the table ------------------------------------------------------------------
    lines = []
    lines.append(f"{'command':44} {'files':>6} {'wall s':>8} {'cpu s':>8} {'max RSS MB':>10} {'runs':>4}")
    for name in bench.order:
        row = bench.rows[name]
        if not row["runs"]:
            continue
        bad = [r for r in row["runs"] if r["rc"] not in (0, 1)]
        flag = f"  exit {bad[0]['rc']}: {bad[0]['stderr'].strip().splitlines()[-1:] }" if bad else ""
        lines.append(
            f"{name:44} {row['files']:>6} {bench.median(name):>8.3f} {bench.median(name, 'cpu'):>8.3f} "
            f"{bench.peak(name):>10.1f} {len(row['runs']):>4}{flag}"
        )

    ratios = []

    def ratio(label, num, den, limit, *, le=True):
        a, b = bench.median(num), bench.median(den)
        if a is None or b is None or b == 0:
            ratios.append((label, None, limit, "n/a", None))
            return
        value = a / b
        ca, cb = bench.median(num, "cpu"), bench.median(den, "cpu")
        cpu = ca / cb if cb else None
        ratios.append((label, value, limit, "MET" if (value <= limit if le else value < limit) else "MISSED", cpu))

    ratio("E: estimator-lint -j1 / ast.parse floor", "estimator-lint E -j1 no-cache", "ast.parse floor E", 3.0)
    ratio("E: estimator-lint -j1 / flake8 (no plugin)", "estimator-lint E -j1 no-cache", "flake8 E (no plugin)", 1.0, le=False)
    ratio("T: estimator-lint -j2 / ast.parse floor", "estimator-lint T -j2 no-cache", "ast.parse floor T", 0.5)
    ratio("T: estimator-lint -j2 / ruff", "estimator-lint T -j2 no-cache", "ruff T", 1.5)
    for c, limit in (("E", 0.15), ("T", 0.03), ("D", 0.15)):
        over = bench.paired_ratio(f"flake8 {c} (with plugin)", f"flake8 {c} (no plugin)")
        if over is not None:
            over_cpu = bench.paired_ratio(f"flake8 {c} (with plugin)", f"flake8 {c} (no plugin)", "cpu")
            ratios.append(
                (f"{c}: flake8 plugin overhead (with/without - 1)", over - 1, limit, "MET" if over - 1 <= limit else "MISSED", over_cpu - 1)
            )
        else:
            ratios.append((f"{c}: flake8 plugin overhead (with/without - 1)", None, limit, "n/a", None))
        timed = bench.rows.get(f"flake8 {c} -j1, plugin timed inside")
        shares = []
        for run in (timed or {}).get("runs", []):
            tail = [line for line in run["stderr"].splitlines() if line.startswith("plugin seconds: ")]
            if tail:
                spent = float(tail[-1].split(": ")[1])
                shares.append(spent / max(run["cpu"] - spent, 1e-9))
        if shares:
            share = statistics.median(shares)
            ratios.append(
                (f"{c}: plugin time / rest of flake8 -j1 (timed inside)", share, limit, "MET" if share <= limit else "MISSED", None)
            )
    ratio("D: estimator-lint -j2 / ast.parse floor", "estimator-lint D -j2 no-cache", "ast.parse floor D", 3.0)
    ratio("D: estimator-lint -j1 / ast.parse floor", "estimator-lint D -j1 no-cache", "ast.parse floor D", 5.0)
    ratio("D: estimator-lint -j1 / flake8 (no plugin)", "estimator-lint D -j1 no-cache", "flake8 D (no plugin)", 1.0, le=False)
    fix, floor_d, cst_d = (
        bench.median("estimator-lint D -j1 no-cache --fix"), bench.median("ast.parse floor D"), bench.median("libcst parse_module D")
    )
    if fix and floor_d and cst_d:
        value = fix / (floor_d + cst_d)
        ratios.append(("D: --fix / (ast.parse floor + libcst parse) of D", value, 2.0, "MET" if value <= 2.0 else "MISSED", None))
    for jobs in (1, 2):
        ratio(f"T: warm / cold cache, -j{jobs}", f"estimator-lint T -j{jobs} warm", f"estimator-lint T -j{jobs} cold", 0.10)
    if synthetic_base:
        ratio(
            f"synthetic {args.copies}x / 1x ({synthetic_base[1]} / {synthetic_base[0]} files)",
            f"estimator-lint synthetic {args.copies}x -j1 no-cache",
            "estimator-lint synthetic 1x -j1 no-cache",
            1.1 * args.copies,
        )
    peak = bench.peak("estimator-lint T -j2 no-cache")
    for name in ("estimator-lint T -j1 no-cache", "estimator-lint T -j2 no-cache"):
        peak = bench.peak(name)
        status = "n/a" if peak is None else ("MET" if peak <= 200 else "MISSED")
        ratios.append((f"T: peak RSS of {name.split(' T ')[1].split()[0]} (MB, max of runs)", peak, 200.0, status, None))
    p1, p10 = bench.peak("estimator-lint synthetic 1x -j1 no-cache"), bench.peak(f"estimator-lint synthetic {args.copies}x -j1 no-cache")
    if p1 and p10:
        # Flat means: no per-file data kept.  Allocator fragmentation moves the peak a
        # little (a few MB) before it levels off; a leak would scale with the copies.
        ratios.append((f"peak RSS synthetic {args.copies}x / 1x", p10 / p1, 1.5, "MET" if p10 / p1 <= 1.5 else "MISSED", None))

    lines.append("")
    lines.append(f"{'target (ratios of median wall times)':52} {'value':>8} {'limit':>8}  {'status':7} {'by CPU':>7}")
    for label, value, limit, status, cpu in ratios:
        v = "-" if value is None else f"{value:.3f}"
        c = "" if cpu is None else f"{cpu:.3f}"
        lines.append(f"{label:52} {v:>8} {limit:>8.2f}  {status:7} {c:>7}")
    text = "\n".join(lines)
    print(f"\nmedians of {args.reps} runs (reference tools slower than {args.slow_seconds:.0f}s: {args.slow_reps});"
          f" python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": bench.rows, "ratios": ratios, "corpora": corpora}, f, indent=1, default=str)
    shutil.rmtree(bench.tmp, ignore_errors=True)
    if bench_tmp_d:
        shutil.rmtree(bench_tmp_d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
