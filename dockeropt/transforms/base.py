"""What a transform is and what it returns.

A transform reads the tree and returns findings. A finding may carry a fix: text edits on
the source plus an applicability that says when the fix may be applied without asking:

    SAFE        applied by ``--fix`` and by format-on-save
    UNSAFE      applied only with ``--unsafe-fixes``
    SUGGESTION  shown, never applied (the edit is there for editors to offer)
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol

from dockeropt.cst import Dockerfile, Instruction, Node


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    SUGGESTION = "suggestion"


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``source[start:end]`` with ``text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """Edits that fix a finding, and when they may be applied."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability

    @property
    def span(self) -> tuple[int, int]:
        return min(e.start for e in self.edits), max(e.end for e in self.edits)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a transform found: code, message, where (line, column, offsets), and a fix."""

    code: str
    message: str
    line: int
    column: int
    start: int
    end: int
    fix: Fix | None = None


@dataclass(frozen=True)
class Context:
    """What a transform may know beyond the tree.

    ``build_context`` is the folder beside the Dockerfile (None for stdin without
    ``--stdin-filename``); ``options`` holds per-transform settings from configuration.
    """

    path: str = "-"
    build_context: Path | None = None
    options: dict = field(default_factory=dict)

    def option(self, code: str, key: str, default):  # noqa: ANN001, ANN201
        return self.options.get(code, {}).get(key, default)


class Transform(Protocol):
    code: str  # ours, e.g. "DO101"
    name: str  # e.g. "merge-run"
    summary: str  # one line, imperative
    hadolint: tuple[str, ...]  # hadolint rules it corresponds to (their ignore comments count)

    def check(self, tree: Dockerfile, context: Context) -> Iterable[Finding]: ...


def finding(
    code: str, message: str, node: Node, fix: Fix | None = None
) -> Finding:
    return Finding(code, message, node.line, node.column, node.start, node.end, fix)


@dataclass(frozen=True)
class Style:
    """How a file writes things, so that lines a fix writes look like their neighbours."""

    newline: str
    escape: str
    upper: bool  # keywords in upper case
    indent: str  # indentation of continuation lines

    def keyword(self, name: str) -> str:
        return name.upper() if self.upper else name.lower()

    @property
    def continuation(self) -> str:
        """What ends a line that continues: `` \\`` plus the newline."""
        return f" {self.escape}{self.newline}"


_INDENT = re.compile(r"[ \t]+")


def style_of(tree: Dockerfile) -> Style:
    keywords = Counter(i.keyword.isupper() for i in tree.instructions if i.keyword.isalpha())
    indents: Counter[str] = Counter()
    for inst in tree.instructions:
        lines = inst.text.split("\n")[1 : inst.end_line - inst.line + 1]
        for line in lines:
            m = _INDENT.match(line)
            if m and line.strip() and not line.lstrip().startswith("#"):
                indents[m.group()] += 1
    indent = indents.most_common(1)[0][0] if indents else "    "
    upper = keywords[True] >= keywords[False]
    return Style(tree.newline, tree.escape, upper, indent)


def stage_of(tree: Dockerfile, inst: Instruction):  # noqa: ANN201
    """The stage an instruction belongs to, or None before the first FROM."""
    for stage in tree.stages:
        if stage.from_ is inst or any(i is inst for i in stage.instructions):
            return stage
    return None
