"""Run settings: everything that changes what a run reports (part of every cache key)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Tuple

from estimator_lint import tfapi

if TYPE_CHECKING:
    from estimator_lint.requirements import TensorFlowRequirement

#: ``--output-format`` values; ``text`` is the default.  (Named here, under the settings,
#: so that configuration can check them without importing the output formats.)
FORMATS: Tuple[str, ...] = ("text", "json", "sarif", "github")
#: The formats that carry each fix's edits (the others only mark a finding fixable).
FORMATS_WITH_EDITS: Tuple[str, ...] = ("json", "sarif")


@dataclass(frozen=True)
class Settings:
    """Everything that changes what a run reports (part of any cache key)."""

    select: Tuple[str, ...] = ("EST",)
    ignore: Tuple[str, ...] = ()
    extra_estimator_bases: Tuple[str, ...] = ()
    #: Skip files that cannot hold a finding before parsing them (off only in tests).
    prefilter: bool = True
    respect_noqa: bool = True
    #: Render each fix's edits (libcst parses the file): off for runs that only need to
    #: know whether a finding is fixable (a text check run, flake8).
    fix_edits: bool = True
    #: Decide fixes at all (whether a finding has one, and why not): off for flake8, which
    #: cannot apply them and whose messages leave the fix note out.
    plan_fixes: bool = True
    #: The project's declaration that admits a TensorFlow without ``tf.estimator`` (EST106
    #: reports against it), from :func:`estimator_lint.requirements.tensorflow_requirement`.
    tensorflow_requirement: Optional["TensorFlowRequirement"] = None
    #: Larger files are reported, not analysed (``max-file-size``; 0: no limit): analysis
    #: takes about 200 times a file's size in memory.
    max_file_size: int = 10 * 1024 * 1024

    def prefilter_words(self) -> Tuple[str, ...]:
        extra = tuple(name.rsplit(".", 1)[-1] for name in self.extra_estimator_bases)
        if self.tensorflow_requirement is not None:
            # EST106: every spelling of the Estimator API (tensorflow_estimator, tf.estimator).
            extra += (tfapi.ESTIMATOR_API_WORD,)
        return tfapi.PREFILTER_WORDS + extra

