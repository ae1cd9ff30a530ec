"""Rule documentation from one source, the rules' docstrings.

``estimator-lint rule EST102`` prints :func:`rule_page`; the README's rule table and its
per-rule sections (and its configuration table, from :data:`estimator_lint.config.KEYS`)
are generated between marker comments, and every rule's
:meth:`~estimator_lint.rules.base.Rule.url` is the anchor of its section::

    python -m estimator_lint.docs --update-readme   # rewrite the generated parts
    python -m estimator_lint.docs --check           # exit 1 if the README has drifted
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from estimator_lint.rules import ALL_RULES

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
    "main",
]

#: (start, end) comment pairs around each generated block of the README.
MARKERS: Dict[str, Tuple[str, str]] = {
    "rules-table": ("<!-- rules-table:start -->", "<!-- rules-table:end -->"),
    "rule-pages": ("<!-- rule-pages:start -->", "<!-- rule-pages:end -->"),
    "config-table": ("<!-- config-table:start -->", "<!-- config-table:end -->"),
}

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


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
    lines = ["| Code | Name | Summary |", "|---|---|---|"]
    for rule in ALL_RULES:
        lines.append(f"| [{rule.code}](#{rule.anchor()}) | {rule.name} | {rule.summary} |")
    return "\n".join(lines)


def rule_reference() -> str:
    parts = []
    for rule in ALL_RULES:
        parts.append(f"### {rule.heading()}\n\n{rule.summary}.\n\n{_demote(rule_markdown(rule), 2)}")
    return "\n\n".join(parts)


def config_table() -> str:
    from estimator_lint.config import KEYS

    lines = ["| Key | Type | Default | Meaning |", "|---|---|---|---|"]
    for name, key in KEYS.items():
        lines.append(f"| `{name}` | {key.type} | {key.default} | {key.meaning} |")
    return "\n".join(lines)


def _blocks() -> Dict[str, str]:
    return {"rules-table": rules_table(), "rule-pages": rule_reference(), "config-table": config_table()}


def render_readme(text: str) -> str:
    """``text`` with every generated block replaced by its current content."""
    for name, content in _blocks().items():
        start, end = MARKERS[name]
        if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
            raise ValueError(f"the README needs exactly one {start} ... {end} pair")
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{content}\n{end}{tail}"
    return text


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m estimator_lint.docs", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--update-readme", action="store_true", help="rewrite the README's generated blocks")
    action.add_argument("--check", action="store_true", help="exit 1 if the README's generated blocks are stale")
    parser.add_argument("--readme", default=README, help="the README to update or check (default: the repository's)")
    args = parser.parse_args(argv)
    with open(args.readme, encoding="utf-8") as handle:
        text = handle.read()
    try:
        rendered = render_readme(text)
    except ValueError as exc:
        print(f"{args.readme}: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if rendered != text:
            print(f"{args.readme} is out of date: run `python -m estimator_lint.docs --update-readme`", file=sys.stderr)
            return 1
        return 0
    if rendered != text:
        with open(args.readme, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(rendered)
        print(f"updated {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
