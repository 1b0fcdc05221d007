"""Suppression comments: ``# dockeropt: ignore=CODE`` and hadolint's ``# hadolint ignore=DL...``.

    # dockeropt: ignore=DO101,DO204     on the comment lines directly above an instruction:
    RUN ...                             its findings of those codes are dropped

    # dockeropt: ignore-file=DO103      anywhere in the file: for the whole file
    # dockeropt: ignore-file            (no codes) every code, for the whole file

A finding belongs to the instruction whose source (its leading comments included)
contains the finding's start, and to every later instruction its span covers: a merge of
three RUNs (DO101) is held back by an ignore above any of them, as hadolint reports
DL3059 on the second RUN, not the first. Codes may be prefixes (``DO2``). hadolint's own comments,
``# hadolint ignore=DL3059`` above an instruction and ``# hadolint global ignore=...``,
count too, for the transforms that name the hadolint rules they correspond to:

    class MergeRun:
        code = "DO101"
        hadolint = ("DL3059",)   # this transform's findings are what hadolint's DL3059 reports

The engine asks for the filter of each tree it checks (``keep``), so the offsets of the
findings and of the comments always belong to the same text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from functools import lru_cache

from dockeropt.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from dockeropt.cst import Dockerfile, Trivia
    from dockeropt.transforms.base import Finding, Transform

_COMMENT = (
    r"(?:(?P<ours>dockeropt\s*:\s*(?P<scope>ignore-file|ignore))|(?P<theirs>hadolint\s+(?P<glob>global\s+)?ignore))"
    r"(?:\s*=\s*(?P<codes>[A-Za-z0-9]+(?:\s*,\s*[A-Za-z0-9]+)*))?\s*(?:$|\s)"
)
EVERYTHING = frozenset({""})  # the empty prefix: every code starts with it


@record(frozen=True)
class Directive:
    """One suppression comment, its codes already in our terms."""

    file_wide: bool
    codes: frozenset[str]  # our codes or prefixes; EVERYTHING for a bare ignore-file


@lru_cache(maxsize=1)
def _comment_pattern() -> re.Pattern[str]:
    return re.compile(_COMMENT, re.IGNORECASE)


def read_comment(comment: str, hadolint: Mapping[str, Sequence[str]]) -> Directive | None:
    """The suppression a comment's text (after ``#``) asks for, or None."""
    text = comment.strip()
    if not text[:9].lower().startswith(("dockeropt", "hadolint")):
        return None  # most comments: no need to compile the pattern, nor to run it
    m = _comment_pattern().match(text)
    if m is None:
        return None
    codes = [c.strip().upper() for c in (m["codes"] or "").split(",") if c.strip()]
    if m["ours"]:
        file_wide = m["scope"].lower() == "ignore-file"
        if not codes:
            return Directive(True, EVERYTHING) if file_wide else None
        return Directive(file_wide, frozenset(codes))
    ours = frozenset(code for dl in codes for code in hadolint.get(dl, ()))
    return Directive(bool(m["glob"]), ours) if ours else None


@record(frozen=True)
class Suppressions:
    file_wide: frozenset[str]
    starts: tuple[int, ...]  # each instruction's full start, in order
    ends: tuple[int, ...]
    per_instruction: tuple[frozenset[str], ...]

    def keeps(self, finding: Finding) -> bool:
        if _covered(finding.code, self.file_wide):
            return False
        first = max(bisect_right(self.starts, finding.start) - 1, 0)
        last = bisect_left(self.starts, max(finding.end, finding.start + 1))
        return not any(
            self.ends[i] > finding.start and _covered(finding.code, self.per_instruction[i]) for i in range(first, last)
        )


def _covered(code: str, prefixes: frozenset[str]) -> bool:
    return any(code.startswith(p) for p in prefixes)


def _above(leading: tuple[Trivia, ...]) -> Iterator[Trivia]:
    """The comment lines directly above an instruction: the last run of comments, no blank line after."""
    for trivia in reversed(leading):
        if trivia.kind != "comment":
            return
        yield trivia


def suppressions(tree: Dockerfile, hadolint: Mapping[str, Sequence[str]]) -> Suppressions:
    file_wide: set[str] = set()
    starts, ends, per = [], [], []
    for inst in tree.instructions:
        mine: set[str] = set()
        above = {id(t) for t in _above(inst.leading)}
        for trivia in inst.leading:
            directive = read_comment(trivia.comment, hadolint) if trivia.kind == "comment" else None
            if directive is None:
                continue
            if directive.file_wide:
                file_wide |= directive.codes
            elif id(trivia) in above:
                mine |= directive.codes
        starts.append(inst.full_start)
        ends.append(inst.end)
        per.append(frozenset(mine))
    for trivia in tree.trailer:
        directive = read_comment(trivia.comment, hadolint) if trivia.kind == "comment" else None
        if directive is not None and directive.file_wide:
            file_wide |= directive.codes
    return Suppressions(frozenset(file_wide), tuple(starts), tuple(ends), tuple(per))


def hadolint_map(transforms: Iterable[Transform]) -> Mapping[str, tuple[str, ...]]:
    """hadolint rule -> our codes, from each transform's optional ``hadolint`` attribute.

    Read when a ``# hadolint ignore=`` comment first asks, not before: reading the
    attribute imports the transform's module, which files without such comments skip.
    """
    return _HadolintMap(transforms)


class _HadolintMap(Mapping):
    def __init__(self, transforms: Iterable[Transform]) -> None:
        self._transforms = transforms
        self._map: dict[str, tuple[str, ...]] | None = None

    def _loaded(self) -> dict[str, tuple[str, ...]]:
        if self._map is None:
            out: dict[str, tuple[str, ...]] = {}
            for t in self._transforms:
                for rule in getattr(t, "hadolint", ()):
                    out[rule.upper()] = (*out.get(rule.upper(), ()), t.code)
            self._map = out
        return self._map

    def __getitem__(self, rule: str) -> tuple[str, ...]:
        return self._loaded()[rule]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())
