"""EST100 unused-noqa (opt-in)."""

from __future__ import annotations

from typing import Iterator

from estimator_lint.diagnostics import Diagnostic
from estimator_lint.rules.base import Rule, RuleContext


class UnusedNoqa(Rule):
    """
    ## What it does
    Checks for `# noqa: EST10x` comments that suppress no finding: the code was fixed, or
    the comment sits on another line than the finding. Opt-in: enabled only when selected
    by its full code (`--extend-select EST100`, `extend-select = ["EST100"]`), never by
    a prefix such as `EST` or `EST1`.

    Only codes of this linter's rules that the run enables are judged: another tool's
    codes (`# noqa: E501`) and a bare `# noqa` are never reported, nor are codes of rules
    the run turns off (with `ignore` or `per-file-ignores` the comment may still matter
    to another run).

    ## Why is this bad?
    A stale suppression hides the next real finding on its line, and after
    `--add-noqa` on a large codebase the comments that fixes made useless pile up.

    ## Example
    ```python
    predictions = {"logits": logits}  # noqa: EST102
    ```

    ## Use instead
    ```python
    predictions = {"logits": logits}
    ```

    ## Fix safety
    Safe: the fix removes the unused codes from the comment (the whole comment when no
    code is left), inside the comment only; other comments on the line and the other
    codes of the `noqa` are kept.
    """

    code = "EST100"
    name = "unused-noqa"
    summary = "`# noqa` comment that suppresses nothing"

    VALID = (
        "import tensorflow as tf\n"
        "OUT = []\n"
        "def model_fn(features, labels, mode):\n"
        "    OUT.append(features)  # noqa: EST103\n",
        "x = 1  # noqa: E501\n",
    )

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        # Decided after every other rule and the noqa filter (engine._analyse, noqa.unused).
        return iter(())
