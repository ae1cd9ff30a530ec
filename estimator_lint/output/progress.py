"""A progress bar on the terminal for long runs, and the line that closes it.

Shown only when stderr is a terminal, the ``CI`` environment variable is unset, the run is
not ``--quiet`` and it checks more than :data:`MIN_FILES` files: pipes, CI logs and short
runs stay exactly as they were. The bar is drawn by tqdm on stderr; lines written to the
output meanwhile go through :meth:`Progress.wrap`, which lifts the bar out of their way.
"""

from __future__ import annotations

import os
import time
from typing import Mapping, Optional, TextIO

#: Runs over more files than this show a bar.
MIN_FILES = 50


def wanted(stream: TextIO, files: int, *, quiet: bool = False, env: Optional[Mapping[str, str]] = None) -> bool:
    env = os.environ if env is None else env
    if quiet or files <= MIN_FILES or env.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class Progress:
    """The bar over ``total`` files; :meth:`close` prints the closing line."""

    def __init__(self, total: int, stream: TextIO) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.stream = stream
        self.start = time.monotonic()
        self.bar = tqdm(total=total, file=stream, unit="file", desc="Checking", leave=False, dynamic_ncols=True)

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def wrap(self, out: TextIO) -> TextIO:
        """``out``, with writes that lift the bar out of the way when both share a terminal."""
        isatty = getattr(out, "isatty", None)
        return _Guarded(out, self) if isatty and isatty() else out

    def close(self, files: int, findings: int, fixed: int) -> None:
        self.bar.close()
        elapsed = time.monotonic() - self.start
        finding_s = "finding" if findings == 1 else "findings"
        self.stream.write(f"Checked {files} files in {elapsed:.1f}s: {findings} {finding_s}, {fixed} fixed.\n")
        self.stream.flush()


class _Guarded:
    def __init__(self, out: TextIO, progress: Progress) -> None:
        self._out = out
        self._progress = progress

    def write(self, text: str) -> int:
        with self._progress._tqdm.external_write_mode(file=self._progress.stream):
            return self._out.write(text)

    def __getattr__(self, name):
        return getattr(self._out, name)
