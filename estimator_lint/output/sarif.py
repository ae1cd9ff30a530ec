"""``sarif``: one SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers.

``tool.driver.rules`` carries every rule of the registry (id, name, short and full
descriptions, the rule's page as ``help``, ``helpUri``); each finding is a ``result`` with
its rule, level ``error``, message and region (1-based, end column exclusive, in Unicode
code points), plus its fix when it has one. Paths below the current directory are
relative to ``%SRCROOT%``. Files that could not be checked are
``invocations[0].toolExecutionNotifications``.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict, List
from urllib.parse import quote

from estimator_lint import __version__
from estimator_lint.diagnostics import Diagnostic, FileResult
from estimator_lint.output import Reporter, RunStats
from estimator_lint.rules import ALL_RULES
from estimator_lint.rules.base import REPOSITORY_URL

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def rule_descriptors() -> List[Dict[str, Any]]:
    from estimator_lint.docs import rule_markdown, section

    descriptors = []
    for rule in ALL_RULES:
        page = rule_markdown(rule)
        descriptors.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": section(rule, "What it does")},
                "help": {"text": page, "markdown": page},
                "helpUri": rule.url(),
                "defaultConfiguration": {"level": "error"},
            }
        )
    return descriptors


def _region(line: int, column: int, end_line: int, end_column: int) -> Dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


class SarifReporter(Reporter):
    streams = False

    def __init__(self, out, **options) -> None:
        super().__init__(out, **options)
        self.results: List[Dict[str, Any]] = []
        self.notifications: List[Dict[str, Any]] = []
        self.rule_index = {rule.code: i for i, rule in enumerate(ALL_RULES)}

    def artifact(self, path: str) -> Dict[str, str]:
        full = os.path.abspath(path)
        rel = os.path.relpath(full, self.cwd)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return {"uri": pathlib.Path(full).as_uri()}
        return {"uri": quote(rel.replace(os.sep, "/")), "uriBaseId": SRCROOT}

    def file(self, result: FileResult) -> None:
        artifact = self.artifact(result.path)
        if result.error is not None:
            err = result.error
            self.notifications.append(
                {
                    "level": "error",
                    "message": {"text": err.message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": artifact,
                                "region": {"startLine": err.line, "startColumn": err.column + 1},
                            },
                            **({"properties": {"cell": err.cell}} if err.cell is not None else {}),
                        }
                    ],
                }
            )
        for diag in result.diagnostics:
            self.results.append(self.result(result.path, artifact, diag))

    def result(self, path: str, artifact: Dict[str, str], diag: Diagnostic) -> Dict[str, Any]:
        item: Dict[str, Any] = {
            "ruleId": diag.code,
            "level": "error",
            "message": {"text": diag.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact,
                        "region": _region(diag.line, diag.column + 1, diag.end_line, diag.end_column + 1),
                    }
                }
            ],
        }
        if diag.code in self.rule_index:
            item["ruleIndex"] = self.rule_index[diag.code]
        if diag.cell is not None:
            # SARIF has no notebook cells: rows count within the cell this property names.
            item["locations"][0]["properties"] = {"cell": diag.cell}
        edits = self.edit_ranges(path, diag)
        if edits:
            item["fixes"] = [
                {
                    "description": {"text": diag.fix.message},
                    "artifactChanges": [
                        {
                            "artifactLocation": artifact,
                            "replacements": [
                                {"deletedRegion": _region(*start, *end), "insertedContent": {"text": content}}
                                for start, end, content in edits
                            ],
                        }
                    ],
                }
            ]
        return item

    def finish(self, stats: RunStats) -> None:
        log = {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "estimator-lint",
                            "version": __version__,
                            "informationUri": REPOSITORY_URL,
                            "rules": rule_descriptors(),
                        }
                    },
                    "invocations": [
                        {
                            "executionSuccessful": stats.internal_errors == 0,
                            "toolExecutionNotifications": self.notifications,
                        }
                    ],
                    "originalUriBaseIds": {SRCROOT: {"uri": pathlib.Path(self.cwd).as_uri().rstrip("/") + "/"}},
                    "columnKind": "unicodeCodePoints",
                    "results": self.results,
                }
            ],
        }
        self.out.write(json.dumps(log, indent=2, ensure_ascii=False) + "\n")
