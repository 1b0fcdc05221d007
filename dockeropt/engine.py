"""Runs the transforms over a file and applies their fixes until nothing changes.

Fixes that do not overlap are applied together, from the end of the file backwards; the
result is parsed again and the transforms run again, until no applicable fix is left.
If a result no longer parses, or the passes do not settle, the file is left exactly as
it was and the reason is reported.
"""

from __future__ import annotations

from bisect import bisect_right

from dockeropt.cst import Dockerfile, parse
from dockeropt.errors import DockerfileError
from dockeropt.record import field, record
from dockeropt.transforms.base import Applicability, Context, Finding, Fix, Transform

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

MAX_PASSES = 16


@record
class Result:
    source: str
    output: str
    findings: list[Finding]  # what remains in the output (all of them when not fixing)
    applied: list[Finding] = field(default_factory=list)
    reverted: str | None = None  # why fixes were thrown away
    found: list[Finding] = field(default_factory=list)  # the findings of the source as it is
    tree: Dockerfile | None = field(default=None, repr=False, compare=False)  # the source's tree

    @property
    def changed(self) -> bool:
        return self.output != self.source


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    if fix is None:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


if TYPE_CHECKING:  # given a tree, the test its findings must pass
    Keep = Callable[[Dockerfile], Callable[[Finding], bool]]


def keep_all(tree: Dockerfile) -> Callable[[Finding], bool]:
    return lambda finding: True


def collect(tree: Dockerfile, context: Context, transforms: Sequence[Transform], keep: Keep = keep_all) -> list[Finding]:
    """Every finding of ``transforms`` on ``tree`` that ``keep(tree)`` lets through."""
    keeps = keep(tree)
    findings: list[Finding] = []
    for transform in transforms:
        findings.extend(f for f in transform.check(tree, context) if keeps(f))
    findings.sort(key=lambda f: (f.start, f.code))
    return findings


def choose(findings: Iterable[Finding], tree: Dockerfile | None = None) -> list[Finding]:
    """The findings whose fixes can be applied together.

    Fixes conflict when they touch the same bytes, or when fixes of two different
    transforms touch the same instruction: each was computed from the instruction as it
    was, not as the other leaves it. (One transform's fixes on one instruction are made to
    go together.) Of conflicting fixes the one that starts first goes now; the others are
    computed again on the next pass, from the rewritten file.
    """
    starts = [i.start for i in tree.instructions] if tree is not None else []
    chosen: list[Finding] = []
    byte_end = -1  # where the chosen fixes' bytes end
    insert_at = -1  # the last chosen insertion point: two insertions there would race
    reach: dict[str, int] = {}  # per transform, where the instructions its fixes touch end
    for finding in sorted(findings, key=lambda f: (f.fix.span, f.code)):
        start, end = finding.fix.span
        if start < byte_end or (start == end == insert_at):
            continue
        wide_start, wide_end = _footprint(start, end, tree, starts)
        if any(wide_start < other_end for code, other_end in reach.items() if code != finding.code):
            continue
        chosen.append(finding)
        byte_end = max(byte_end, end)
        if start == end:
            insert_at = start
        reach[finding.code] = max(reach.get(finding.code, -1), wide_end)
    return chosen


def _footprint(start: int, end: int, tree: Dockerfile | None, starts: list[int]) -> tuple[int, int]:
    """A span widened to the whole instructions it touches."""
    if tree is None or not starts:
        return start, end
    first = bisect_right(starts, start) - 1
    if first >= 0 and start < tree.instructions[first].end:
        start = tree.instructions[first].start
    last = bisect_right(starts, max(end - 1, start)) - 1
    if last >= 0 and end <= tree.instructions[last].end:
        end = max(end, tree.instructions[last].end)
    return start, end


def apply(text: str, fixes: Iterable[Fix]) -> str:
    """``text`` with the fixes' edits made; the edits must not overlap."""
    edits = sorted((e for f in fixes for e in f.edits), key=lambda e: (e.start, e.end))
    pieces: list[str] = []
    at = 0
    for edit in edits:
        pieces += (text[at : edit.start], edit.text)
        at = edit.end
    pieces.append(text[at:])
    return "".join(pieces)


def run(
    text: str,
    context: Context,
    transforms: Sequence[Transform],
    *,
    fix: bool = False,
    unsafe: bool = False,
    keep: Keep = keep_all,
    validate: Callable[[str], None] | None = None,
    checked: Result | None = None,
) -> Result:
    """Check ``text``, and with ``fix`` rewrite it. Raises DockerfileError on bad input.

    ``keep`` is given each tree as it is checked and returns the test findings must pass
    (selection, suppression comments: offsets belong to that tree). ``validate`` is an
    extra check of each rewritten text (tests pass BuildKit's parser); it raises to
    reject the rewrite. ``checked`` is an earlier check of the same text with the same
    context, transforms and ``keep`` (the language server's diagnostics): it stands for
    the first pass instead of reading the text again.
    """
    if checked is not None and checked.tree is not None and checked.source == text:
        tree, found = checked.tree, checked.found
    else:
        tree = parse(text)
        found = collect(tree, context, transforms, keep)
    findings, first = found, tree
    if not fix:
        return Result(text, text, findings, found=found, tree=first)
    applied: list[Finding] = []
    current = text
    for _ in range(MAX_PASSES):
        fixable = [f for f in findings if applicable(f.fix, unsafe) and f.fix.edits]  # appends: runner.py
        if not fixable:
            return Result(text, current, findings, applied, found=found, tree=first)
        chosen = choose(fixable, tree)
        new_text = apply(current, (f.fix for f in chosen))
        try:
            tree = parse(new_text)
            if validate is not None:
                validate(new_text)
        except (DockerfileError, ValueError) as exc:
            codes = ", ".join(sorted({f.code for f in chosen}))
            reason = f"fixes by {codes} made a file that does not parse ({exc}); left unchanged"
            return Result(text, text, found, [], reason, found, first)
        applied.extend(chosen)
        current = new_text
        findings = collect(tree, context, transforms, keep)
    reason = f"fixes did not settle after {MAX_PASSES} passes; left unchanged"
    return Result(text, text, found, [], reason, found, first)
