"""Rule documentation from one source, the rules' docstrings.

``estimator-lint rule EST102`` prints :func:`rule_page`. Generated between marker
comments: the README's rule table, the per-rule sections of ``docs/rules.md`` (every
rule's :meth:`~estimator_lint.rules.base.Rule.url` is the anchor of its section) and the
configuration table of ``docs/configuration.md`` (from :data:`estimator_lint.config.KEYS`)::

    python -m estimator_lint.docs --update-readme   # rewrite the generated parts
    python -m estimator_lint.docs --check           # exit 1 if the README or docs/ drifted
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from estimator_lint.rules import ALL_RULES
from estimator_lint.rules.base import RULES_PAGE

__all__ = [
    "MARKERS",
    "rule_markdown",
    "rule_page",
    "rules_list",
    "rules_table",
    "rule_reference",
    "config_table",
    "sections",
    "section",
    "render_readme",
    "render",
    "GENERATED",
    "main",
]

#: (start, end) comment pairs around each generated block.
MARKERS: Dict[str, Tuple[str, str]] = {
    "rules-table": ("<!-- rules-table:start -->", "<!-- rules-table:end -->"),
    "rule-pages": ("<!-- rule-pages:start -->", "<!-- rule-pages:end -->"),
    "config-table": ("<!-- config-table:start -->", "<!-- config-table:end -->"),
}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Which generated blocks each file holds (paths relative to the repository).
GENERATED: Dict[str, Tuple[str, ...]] = {
    "README.md": ("rules-table",),
    RULES_PAGE: ("rule-pages",),
    "docs/configuration.md": ("config-table",),
}


def sections(rule) -> Dict[str, str]:
    """The docstring's ``## Heading`` sections, heading -> body (stripped)."""
    result: Dict[str, str] = {}
    current: Optional[str] = None
    body: List[str] = []
    in_code = False
    for line in rule.documentation().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            if current is not None:
                result[current] = "\n".join(body).strip()
            current, body = line[3:].strip(), []
        elif current is not None:
            body.append(line)
    if current is not None:
        result[current] = "\n".join(body).strip()
    return result


def section(rule, heading: str) -> str:
    return sections(rule).get(heading, "")


def _demote(markdown: str, levels: int) -> str:
    """Push every heading outside code blocks ``levels`` deeper."""
    out, in_code = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and re.match(r"#+ ", line):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)


def rule_markdown(rule) -> str:
    """The rule's documentation page body (its docstring), Markdown."""
    return rule.documentation().strip()


def rule_page(rule) -> str:
    """What ``estimator-lint rule CODE`` prints."""
    return f"# {rule.heading()}\n\n{rule.summary}.\n\n{rule_markdown(rule)}\n\nDocumentation: {rule.url()}\n"


def rules_list(rules: Iterable = ALL_RULES) -> str:
    """What ``estimator-lint rule --all`` prints: code, name and summary, aligned."""
    rules = list(rules)
    width = max(len(rule.name) for rule in rules)
    return "".join(f"{rule.code}  {rule.name:<{width}}  {rule.summary}\n" for rule in rules)


def rules_table() -> str:
    """The README's table; each code links to its section of the rule reference."""
    lines = ["| Code | Name | Summary |", "|---|---|---|"]
    for rule in ALL_RULES:
        lines.append(f"| [{rule.code}]({RULES_PAGE}#{rule.anchor()}) | {rule.name} | {rule.summary} |")
    return "\n".join(lines)


def rule_reference() -> str:
    """The rule reference of ``docs/rules.md``: a ``##`` section per rule."""
    parts = []
    for rule in ALL_RULES:
        parts.append(f"## {rule.heading()}\n\n{rule.summary}.\n\n{_demote(rule_markdown(rule), 1)}")
    return "\n\n".join(parts)


def config_table() -> str:
    from estimator_lint.config import KEYS

    lines = ["| Key | Type | Default | Meaning |", "|---|---|---|---|"]
    for name, key in KEYS.items():
        lines.append(f"| `{name}` | {key.type} | {key.default} | {key.meaning} |")
    return "\n".join(lines)


def _blocks() -> Dict[str, str]:
    return {"rules-table": rules_table(), "rule-pages": rule_reference(), "config-table": config_table()}


def render(text: str, blocks: Iterable[str]) -> str:
    """``text`` with each of the named generated blocks replaced by its current content."""
    contents = _blocks()
    for name in blocks:
        start, end = MARKERS[name]
        if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
            raise ValueError(f"needs exactly one {start} ... {end} pair")
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{contents[name]}\n{end}{tail}"
    return text


def render_readme(text: str) -> str:
    """The README's text with its generated block (the rule table) brought up to date."""
    return render(text, GENERATED["README.md"])


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m estimator_lint.docs", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--update-readme", action="store_true", help="rewrite the generated blocks of the README and docs/ pages"
    )
    action.add_argument("--check", action="store_true", help="exit 1 if a generated block is stale")
    parser.add_argument(
        "--root", default=ROOT, help="the checkout whose README.md and docs/ to update or check (default: this one)"
    )
    args = parser.parse_args(argv)
    status = 0
    for relative, blocks in GENERATED.items():
        path = os.path.join(args.root, relative)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        try:
            rendered = render(text, blocks)
        except ValueError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        if rendered == text:
            continue
        if args.check:
            print(f"{path} is out of date: run `python -m estimator_lint.docs --update-readme`", file=sys.stderr)
            status = 1
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(rendered)
            print(f"updated {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
