"""The transforms' own documentation, for ``dockeropt rule CODE``, ``dockeropt rules`` and SARIF.

A transform's docstring (its module's, when the class has none) is its documentation: a
first line ``CODE name: what it does``, then sections under the same headings every time
(What it does, Why, Example, Fix safety, When it refuses, See also), each indented.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from dockeropt.transforms.base import Transform

# The fix tier of each transform, in a few words: which fixes ``--fix`` applies (safe), which
# only with ``--unsafe-fixes`` (unsafe), which are only shown (suggestion). Each transform's
# "Fix safety" section says why; tests/test_rules.py checks that every transform has one.
TIERS = {
    "DO101": "safe where provable, else none",
    "DO102": "safe; unsafe when the install may rewrite a lockfile; suggestion without a build context",
    "DO103": "suggestion",
    "DO104": "suggestion",
    "DO105": "safe (ADD of a root-owned tar), unsafe or suggestion by case",
    "DO106": "safe for one file with a declared syntax, unsafe without one, else suggestion",
    "DO107": "none (a suggestion in the message)",
    "DO108": "none (a suggestion in the message)",
    "DO109": "suggestion",
    "DO110": "safe when no step reads what it ignores; unsafe for dist, target or when a step may",
    "DO111": "suggestion",
    "DO201": "safe",
    "DO202": "safe (-y on install), else unsafe",
    "DO203": "safe",
    "DO204": "safe",
    "DO205": "safe; npm ci unsafe",
    "DO206": "safe; removals unsafe",
    "DO207": "suggestion",
    "DO211": "unsafe (safe for a single file)",
    "DO212": "safe when the build context shows no archive",
    "DO213": "safe, unsafe or suggestion by case",
    "DO214": "unsafe",
    "DO215": "unsafe",
}


def documentation(transform: Transform) -> str:
    """The transform's docstring, dedented."""
    import inspect

    doc = transform.__doc__
    if not doc:
        doc = sys.modules[type(transform).__module__].__doc__
    return inspect.cleandoc(doc or "")


def sections(transform: Transform) -> dict[str, str]:
    """The documentation's sections by heading, each body dedented; ``""`` holds the first line."""
    import textwrap

    lines = documentation(transform).splitlines()
    found: dict[str, list[str]] = {"": lines[:1]}
    heading = ""
    for line in lines[1:]:
        if line and not line[0].isspace():
            heading = line.strip()
            found[heading] = []
        else:
            found.setdefault(heading, []).append(line)
    return {name: textwrap.dedent("\n".join(body)).strip() for name, body in found.items()}


def tier(transform: Transform) -> str:
    return TIERS.get(transform.code, "")


def describe(transform: Transform) -> dict:
    """What ``dockeropt rules --format json`` gives for one transform."""
    return {
        "code": transform.code,
        "name": transform.name,
        "summary": transform.summary,
        "fix": tier(transform),
        "hadolint": list(transform.hadolint),
    }


def by_code(code: str, transforms: Sequence[Transform]) -> Transform:
    """The transform of ``code``; raises LookupError naming the known codes."""
    for t in transforms:
        if t.code == code.strip().upper():
            return t
    raise LookupError(f"unknown code {code!r} (known: {', '.join(sorted(t.code for t in transforms))})")


def rule_text(transform: Transform) -> str:
    """``dockeropt rule CODE``: the documentation, then its tier and hadolint counterparts."""
    facts = [f"Fix: {tier(transform)}"]
    if transform.hadolint:
        facts.append(f"hadolint: {', '.join(transform.hadolint)}")
    return documentation(transform) + "\n\n" + "\n".join(facts) + "\n"


def rule_json(transform: Transform) -> str:
    """``dockeropt rule CODE --format json``: what ``rules`` says of it, and its documentation."""
    import json

    return json.dumps({**describe(transform), "documentation": documentation(transform)}, indent=2) + "\n"


def rules_text(transforms: Sequence[Transform]) -> str:
    """``dockeropt rules``: one line per code, in code order."""
    rows = [("code", "name", "hadolint", "fix")]
    for t in sorted(transforms, key=lambda t: t.code):
        rows.append((t.code, t.name, ",".join(t.hadolint) or "-", tier(t)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n" for row in rows)


def rules_json(transforms: Sequence[Transform]) -> str:
    import json

    return json.dumps([describe(t) for t in sorted(transforms, key=lambda t: t.code)], indent=2) + "\n"
