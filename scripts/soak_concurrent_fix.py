"""Soak: ``estimator-lint --fix`` while another process keeps appending to the same files.

An appender process (an editor saving, a formatter on save) appends a numbered comment
line to a random file every 0.2-0.5 ms, opening and closing the file each time, while
``--fix`` runs over the tree.  After each round the appender stops, and every line it
appended must still be in its file.  Prints the file-fixes attempted, the files the fixer
refused (and said so), and the lost edits (the target is 0).

    python scripts/soak_concurrent_fix.py --files 300 --rounds 10
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXABLE = os.path.join(HERE, "..", "fixtures", "seed_snippet1_override_capture", "before.py")


def _append_forever(paths, stop, log_path, seed):
    rng = random.Random(seed)
    done = []
    n = 0
    while not stop.is_set():
        path = rng.choice(paths)
        n += 1
        line = f"# edit {seed}-{n}\n"
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line)
        done.append(f"{path}\t{line}")
        time.sleep(rng.uniform(0.0002, 0.0005))
    with open(log_path, "w", encoding="utf-8") as handle:
        handle.writelines(done)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--appenders", type=int, default=1)
    args = parser.parse_args()
    with open(FIXABLE, "rb") as handle:
        original = handle.read()
    exe = os.path.join(os.path.dirname(sys.executable), "estimator-lint")
    attempted = refused = lost = appended = fixed_files = 0
    refused_names = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        os.mkdir(tree)
        paths = [os.path.join(tree, f"m{i:04}.py") for i in range(args.files)]
        for round_no in range(args.rounds):
            for path in paths:  # every file fixable again
                with open(path, "wb") as handle:
                    handle.write(original)
            stop = multiprocessing.Event()
            logs = [os.path.join(tmp, f"appended-{round_no}-{k}.txt") for k in range(args.appenders)]
            workers = [
                multiprocessing.Process(target=_append_forever, args=(paths, stop, log, round_no * 100 + k))
                for k, log in enumerate(logs)
            ]
            for worker in workers:
                worker.start()
            proc = subprocess.run(
                [exe, "--fix", "--no-cache", tree], cwd=tmp, capture_output=True, text=True
            )
            stop.set()
            for worker in workers:
                worker.join()
            attempted += args.files
            match = re.search(r"Fixed \d+ finding\(s\) in (\d+) file\(s\)", proc.stdout)
            if match is None:
                print(f"round {round_no + 1}: no summary (exit {proc.returncode}): {proc.stderr[-600:]}")
            fixed_files += int(match.group(1)) if match else 0
            for line in proc.stdout.splitlines():
                if "not fixed" in line:
                    refused += 1
                    refused_names.append(line.split(":", 1)[0])
            contents = {}
            for path in paths:
                with open(path, encoding="utf-8") as handle:
                    contents[path] = handle.read()
            for log in logs:
                with open(log, encoding="utf-8") as handle:
                    for entry in handle:
                        path, line = entry.split("\t", 1)
                        appended += 1
                        if line not in contents[path]:
                            lost += 1
            print(f"round {round_no + 1}: fixed {match.group(1) if match else '?'} files, "
                  f"lost so far {lost}", flush=True)
    print(f"file-fixes attempted: {attempted}")
    print(f"files fixed: {fixed_files}")
    print(f"files refused (changed while being fixed, reported): {refused}")
    print(f"lines appended concurrently: {appended}")
    print(f"lost edits: {lost}")
    if refused_names:
        print("refused, e.g.: " + ", ".join(os.path.basename(n) for n in refused_names[:5]))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
