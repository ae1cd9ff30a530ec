"""A progress bar on the terminal for long runs.

Shown only when stderr is a terminal, the ``CI`` environment variable is unset, the run is
not ``--quiet`` and it checks more than :data:`MIN_FILES` files: pipes, CI logs and short
runs stay exactly as they were. The bar is drawn by tqdm on stderr; lines written to the
output meanwhile go through :meth:`Progress.wrap`, which lifts the bar out of their way.

The bar shows files done and the time so far, and no estimate of the time left: the cost
of a file is not known before it is checked (most files are screened out by a substring
test, a few are analysed), so an estimate from the first files would be wild.  It leaves
no line behind, except for formats that print no summary of their own (see
:meth:`Progress.close`): a run ends with one summary.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Mapping, Optional, TextIO

if TYPE_CHECKING:
    from estimator_lint.output import RunStats

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


#: Files done, of all, and the time so far: no rate and no time left (see the module's doc).
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} files [{elapsed}]"


class Progress:
    """The bar over ``total`` files."""

    def __init__(self, total: int, stream: TextIO) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.stream = stream
        self.start = time.monotonic()
        self.bar = tqdm(
            total=total, file=stream, desc="Checking", leave=False, dynamic_ncols=True, bar_format=BAR_FORMAT
        )

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def wrap(self, out: TextIO) -> TextIO:
        """``out``, with writes that lift the bar out of the way when both share a terminal."""
        isatty = getattr(out, "isatty", None)
        return _Guarded(out, self) if isatty and isatty() else out

    def close(self, stats: "Optional[RunStats]" = None) -> None:
        """Remove the bar; with ``stats`` (the format prints no summary), say what the run
        did instead: ``Checked 61 files in 2.1s: 1 finding.``"""
        self.bar.close()
        if stats is None:
            return
        from estimator_lint.output import plural

        elapsed = time.monotonic() - self.start
        done = f"{plural(stats.findings, 'finding')}" + (f", {stats.fixed} fixed" if stats.mode == "fix" else "")
        self.stream.write(f"Checked {plural(stats.files, 'file')} in {elapsed:.1f}s: {done}.\n")
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
