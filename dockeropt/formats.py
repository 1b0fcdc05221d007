"""Machine-readable reports: ``--format json``, ``sarif`` and ``github``.

Each takes the outcomes of a whole run (one per file, in order) and returns the text to
print. Positions are 1-based lines and columns (columns count characters); an end is
exclusive, the column after the last character, as SARIF and GitHub read it. A finding's
region stops before its last line ending, so an instruction's finding ends on its own line.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from dockeropt.runner import Outcome
    from dockeropt.transforms.base import Finding, Fix, Transform

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/dockeropt/"


class Positions:
    """Offsets of one text turned into (line, column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self.starts = starts

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def span(self, start: int, end: int) -> tuple[int, int, int, int]:
        """start line, start column, end line, end column of a finding (trailing line ending dropped)."""
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return (*self.at(start), *self.at(end))


def _fix_json(fix: "Fix", positions: Positions) -> dict:
    return {
        "applicability": fix.applicability.value,
        "message": fix.title,
        "edits": [
            {
                "content": e.text,
                "location": dict(zip(("line", "column"), positions.at(e.start))),
                "end_location": dict(zip(("line", "column"), positions.at(e.end))),
            }
            for e in fix.edits
        ],
    }


def to_json(outcomes: Iterable["Outcome"]) -> str:
    """A list of findings, each with its path, span, code, message and fix (or null)."""
    import json

    records = []
    for outcome in outcomes:
        positions = Positions(outcome.checked)
        for f in outcome.findings:
            line, column, end_line, end_column = positions.span(f.start, f.end)
            records.append(
                {
                    "path": outcome.shown,
                    "line": line,
                    "column": column,
                    "end_line": end_line,
                    "end_column": end_column,
                    "code": f.code,
                    "message": f.message,
                    "fix": _fix_json(f.fix, positions) if f.fix else None,
                }
            )
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def _uri(shown: str) -> str:
    """The file as a URI relative to the current folder (GitHub reads it from the repository root)."""
    from urllib.parse import quote

    path = Path(shown)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return quote(Path(os.path.normpath(path)).as_posix())


def _region(line: int, column: int, end_line: int, end_column: int) -> dict:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def to_sarif(outcomes: Sequence["Outcome"], transforms: Sequence["Transform"], version: str) -> str:
    """A SARIF 2.1.0 log with one run, in the shape GitHub code scanning reads."""
    import json

    from dockeropt import rules as docs

    rules = []
    for t in transforms:
        what = docs.sections(t)
        rules.append(
            {
                "id": t.code,
                "name": _rule_name(t.name),
                "shortDescription": {"text": t.summary},
                "fullDescription": {"text": what.get("What it does") or what[""]},
                "help": {"text": docs.documentation(t)},
                "defaultConfiguration": {"level": "note" if docs.tier(t) == "suggestion" else "warning"},
                "properties": {"fix": docs.tier(t), **({"hadolint": list(t.hadolint)} if t.hadolint else {})},
            }
        )
    index = {t.code: i for i, t in enumerate(transforms)}
    results, notifications = [], []
    for outcome in outcomes:
        uri = _uri(outcome.shown)
        if outcome.error:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": outcome.error},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}}],
                }
            )
            continue
        positions = Positions(outcome.checked)
        for f in outcome.findings:
            location = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "region": _region(*positions.span(f.start, f.end))}
            result: dict = {
                "ruleId": f.code,
                "level": _level(f),
                "message": {"text": f.message},
                "locations": [{"physicalLocation": location}],
            }
            if f.code in index:
                result["ruleIndex"] = index[f.code]
            if f.fix and f.fix.edits:
                result["fixes"] = [
                    {
                        "description": {"text": f"{f.fix.title} ({f.fix.applicability.value})"},
                        "artifactChanges": [
                            {
                                "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                                "replacements": [
                                    {
                                        "deletedRegion": _region(*positions.at(e.start), *positions.at(e.end)),
                                        "insertedContent": {"text": e.text},
                                    }
                                    for e in f.fix.edits
                                ],
                            }
                        ],
                    }
                ]
            results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "dockeropt", "version": version, "informationUri": INFORMATION_URI, "rules": rules}},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _level(finding: Finding) -> str:
    """A suggestion is a ``note`` (the file is not wrong, a choice is offered), as the
    language server makes it Information; every other finding is a ``warning``."""
    from dockeropt.transforms.base import Applicability

    suggestion = finding.fix is not None and finding.fix.applicability is Applicability.SUGGESTION
    return "note" if suggestion else "warning"


def _rule_name(name: str) -> str:
    """SARIF rule names are identifiers: ``merge-run`` -> ``MergeRun``."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def _escape(text: str, property_value: bool = False) -> str:
    """GitHub's workflow-command escaping (its ``escapeData``/``escapeProperty``)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def to_github(outcomes: Iterable["Outcome"]) -> str:
    """One ``::warning`` per finding (``::notice`` for a suggestion), one ``::error`` per file that failed."""
    lines = []
    for outcome in outcomes:
        file = _escape(outcome.shown, True)
        if outcome.error:
            lines.append(f"::error file={file},title=dockeropt::{_escape(outcome.error)}")
            continue
        positions = Positions(outcome.checked)
        for f in outcome.findings:
            line, col, end_line, end_col = positions.span(f.start, f.end)
            where = f"file={file},line={line},col={col},endLine={end_line},endColumn={end_col}"
            command = "notice" if _level(f) == "note" else "warning"
            lines.append(f"::{command} {where},title={_escape(f.code, True)}::{_escape(f.message)}")
    return "".join(line + "\n" for line in lines)
