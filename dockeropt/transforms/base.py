"""What a transform is and what it returns.

A transform reads the tree and returns findings. A finding may carry a fix: text edits on
the source plus an applicability that says when the fix may be applied without asking:

    SAFE        applied by ``--fix`` and by format-on-save
    UNSAFE      applied only with ``--unsafe-fixes``
    SUGGESTION  shown, never applied (the edit is there for editors to offer)
"""

from __future__ import annotations

import enum
import os
import re
from functools import lru_cache

from dockeropt import shell
from dockeropt.cst import Dockerfile, Node, Run, ShellForm
from dockeropt.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Protocol, TypeVar

    from dockeropt.buildcontext import BuildContext

    _T = TypeVar("_T")
else:
    Protocol = object  # for type checkers a Protocol; at run time typing is not imported


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
class Append:
    """Add ``lines`` to the end of the file at ``path`` (beside the Dockerfile, e.g. its
    ``.dockerignore``), creating it when missing; lines already in it are not added again."""

    path: str
    lines: tuple[str, ...]


@record(frozen=True, slots=True)
class Fix:
    """Edits that fix a finding, and when they may be applied. A fix with no ``edits`` and
    some ``appends`` changes another file: the engine leaves it to whoever writes files
    (``runner.check_file`` with ``--fix``)."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability
    appends: tuple[Append, ...] = ()

    @property
    def span(self) -> tuple[int, int]:
        return min(e.start for e in self.edits), max(e.end for e in self.edits)

    def applies(self, unsafe: bool) -> bool:
        """Whether ``--fix`` applies it (with ``unsafe``, ``--unsafe-fixes``): a suggestion never."""
        return self.applicability is Applicability.SAFE or (unsafe and self.applicability is Applicability.UNSAFE)


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

    ``build_context`` is the build context folder (the Dockerfile's, or as ``--context``,
    the configuration or a compose file name it; None for stdin without
    ``--stdin-filename``); ``files`` reads it, the one way a transform looks at the disk;
    ``options`` holds per-transform settings from configuration.
    """

    path: str = "-"
    build_context: str | os.PathLike[str] | None = None
    options: dict = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)  # the files, once read

    @property
    def files(self) -> BuildContext | None:
        """The build context as one shared object (``dockeropt.buildcontext``), or None
        without a folder: every transform that reads the disk goes through it."""
        if "files" not in self._memo:
            from dockeropt.buildcontext import BuildContext

            self._memo["files"] = BuildContext.open(self.build_context, self.path)
        return self._memo["files"]

    def option(self, code: str, key: str, default: _T) -> _T:
        return self.options.get(code, {}).get(key, default)


class Transform(Protocol):
    # read-only: a transform class declares them as class attributes
    @property
    def code(self) -> str: ...  # ours, e.g. "DO101"
    @property
    def name(self) -> str: ...  # e.g. "merge-run"
    @property
    def summary(self) -> str: ...  # one line, imperative
    @property
    def hadolint(self) -> tuple[str, ...]: ...  # hadolint rules it corresponds to (their ignore comments count)

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


_TREES = 8  # how many trees each cache holds: the engine checks one at a time


def per_tree(compute: Callable[[Dockerfile], _T]) -> Callable[[Dockerfile], _T]:
    """``compute(tree)`` worked out once per tree: the transforms run one after another on
    the same tree and ask it the same questions.

    Trees are told apart by identity, not equality: a value may hold the tree's own nodes,
    which transforms compare with ``is``. Each step is one dict operation, so threads that
    share the cache need no lock (at worst one computes a value twice).
    """
    remembered: dict[int, tuple[Dockerfile, _T]] = {}

    def cached(tree: Dockerfile) -> _T:
        hit = remembered.get(id(tree))
        if hit is not None and hit[0] is tree:
            return hit[1]
        value = compute(tree)
        if len(remembered) >= _TREES:
            remembered.clear()
        remembered[id(tree)] = (tree, value)
        return value

    cached.__doc__ = compute.__doc__
    return cached


_SCRIPTS = 256  # how many RUN texts each script cache holds: a file's RUNs, and more


def shell_form(run: Run) -> ShellForm:
    """The command of a RUN known to be in shell form."""
    assert isinstance(run.command, ShellForm), "a RUN in shell form was expected"
    return run.command


def script_of(run: Run) -> shell.Script:
    """The parsed shell text of a shell-form RUN."""
    return _read_script(shell_form(run).text)


# Keyed by the text, not the tree: after a fix the engine checks the whole file again, and
# the RUNs the fix did not touch read as they did (a ``Script`` holds no node of the tree).
_read_script = lru_cache(maxsize=_SCRIPTS)(shell.parse)
read_script = _read_script  # a RUN text's parse, shared with the engine's check of what fixes wrote


def per_script(compute: Callable[[shell.Script], _T]) -> Callable[[shell.Script], _T]:
    """``compute(script)`` worked out once per script text, as ``script_of`` parses it.

    The value is shared by every tree with a RUN of that text: it must hold no node of a tree,
    and the parts of the script it holds are equal to the given script's, not always the same objects.
    """

    @lru_cache(maxsize=_SCRIPTS)
    def by_text(text: str) -> _T:
        return compute(_read_script(text))

    def cached(script: shell.Script) -> _T:
        return by_text(script.text)

    cached.__doc__ = compute.__doc__
    return cached




# A continuation line's indent (spaces and tabs), where the line holds more than blanks and a comment.
_INDENT = re.compile(r"\n([ \t]+)(?=[^\S\n]*[^\s#])")


@per_tree
def style_of(tree: Dockerfile) -> Style:
    upper = lower = 0
    indents: dict[str, int] = {}  # in the order first seen: a tie goes to the first
    for inst in tree.instructions:
        keyword = inst.keyword
        if keyword.isalpha():
            if keyword.isupper():
                upper += 1
            else:
                lower += 1
        if inst.end_line == inst.line:
            continue  # no continuation line to read an indent from
        for indent in _INDENT.findall(inst.text):
            indents[indent] = indents.get(indent, 0) + 1
    indent = max(indents, key=indents.__getitem__) if indents else "    "
    return Style(tree.newline, tree.escape, upper >= lower, indent)
