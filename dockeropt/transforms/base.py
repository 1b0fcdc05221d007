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
import threading
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Protocol, TypeVar

from dockeropt import shell
from dockeropt.cst import Dockerfile, Node, Run
from dockeropt.record import field, record


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    SUGGESTION = "suggestion"


@record(frozen=True, slots=True)
class Edit:
    """Replace ``source[start:end]`` with ``text``."""

    start: int
    end: int
    text: str


@record(frozen=True, slots=True)
class Fix:
    """Edits that fix a finding, and when they may be applied."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability

    @property
    def span(self) -> tuple[int, int]:
        return min(e.start for e in self.edits), max(e.end for e in self.edits)


@record(frozen=True, slots=True)
class Finding:
    """What a transform found: code, message, where (line, column, offsets), and a fix."""

    code: str
    message: str
    line: int
    column: int
    start: int
    end: int
    fix: Fix | None = None


@record(frozen=True)
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


@record(frozen=True)
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


_T = TypeVar("_T")
_TREES = 8  # how many trees each cache holds: the engine checks one at a time


def per_tree(compute: Callable[[Dockerfile], _T]) -> Callable[[Dockerfile], _T]:
    """``compute(tree)`` worked out once per tree: the transforms run one after another on
    the same tree and ask it the same questions.

    Trees are told apart by identity, not equality: a value may hold the tree's own nodes,
    which transforms compare with ``is``.
    """
    remembered: dict[int, tuple[Dockerfile, _T]] = {}
    lock = threading.Lock()

    def cached(tree: Dockerfile) -> _T:
        hit = remembered.get(id(tree))
        if hit is not None and hit[0] is tree:
            return hit[1]
        value = compute(tree)
        with lock:
            while len(remembered) >= _TREES:
                del remembered[next(iter(remembered))]
            remembered[id(tree)] = (tree, value)
        return value

    cached.__doc__ = compute.__doc__
    return cached


def per_run(compute: Callable[[Dockerfile, Run], _T]) -> Callable[[Dockerfile, Run], _T]:
    """``compute(tree, run)`` worked out once per RUN of a tree (see ``per_tree``)."""
    table: Callable[[Dockerfile], dict[int, tuple[Run, _T]]] = per_tree(lambda tree: {})

    def cached(tree: Dockerfile, run: Run) -> _T:
        values = table(tree)
        hit = values.get(id(run))
        if hit is not None and hit[0] is run:
            return hit[1]
        value = compute(tree, run)
        values[id(run)] = (run, value)
        return value

    cached.__doc__ = compute.__doc__
    return cached


@per_run
def script_of(tree: Dockerfile, run: Run) -> shell.Script:
    """The parsed shell text of a shell-form RUN of ``tree``, parsed once per tree."""
    return shell.parse(run.command.text)


_INDENT = re.compile(r"[ \t]+")


@per_tree
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
