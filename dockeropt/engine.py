"""Runs the transforms over a file and applies their fixes until nothing changes.

Fixes that do not overlap are applied together, from the end of the file backwards; the
result is parsed again and the transforms run again, until no applicable fix is left.
If a result no longer parses, or the passes do not settle, the file is left exactly as
it was and the reason is reported.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from dockeropt.cst import Dockerfile, parse
from dockeropt.errors import DockerfileError
from dockeropt.transforms.base import Applicability, Context, Finding, Fix, Transform

MAX_PASSES = 16


@dataclass
class Result:
    source: str
    output: str
    findings: list[Finding]  # what remains in the output (all of them when not fixing)
    applied: list[Finding] = field(default_factory=list)
    reverted: str | None = None  # why fixes were thrown away

    @property
    def changed(self) -> bool:
        return self.output != self.source


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    if fix is None:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


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


def choose(fixes: Iterable[Fix], tree: Dockerfile | None = None) -> list[Fix]:
    """The fixes that can be applied together.

    Two fixes conflict when they touch the same instruction, even at different bytes: each
    was computed from the instruction as it was, not as the other leaves it. Of two
    conflicting fixes the one that starts first goes now; the other is computed again on
    the next pass, from the rewritten file.
    """
    starts = [i.start for i in tree.instructions] if tree is not None else []
    chosen: list[Fix] = []
    last_end = -1
    for fix in sorted(fixes, key=lambda f: f.span):
        start, end = _footprint(fix, tree, starts)
        if start < last_end or (start == last_end and chosen and start == end):
            continue
        chosen.append(fix)
        last_end = max(end, start + 1) if start == end else end
    return chosen


def _footprint(fix: Fix, tree: Dockerfile | None, starts: list[int]) -> tuple[int, int]:
    """The fix's span widened to the whole instructions its edits touch."""
    start, end = fix.span
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
    edits = sorted((e for f in fixes for e in f.edits), key=lambda e: (e.start, e.end), reverse=True)
    for edit in edits:
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def run(
    text: str,
    context: Context,
    transforms: Sequence[Transform],
    *,
    fix: bool = False,
    unsafe: bool = False,
    keep: Keep = keep_all,
    validate: Callable[[str], None] | None = None,
) -> Result:
    """Check ``text``, and with ``fix`` rewrite it. Raises DockerfileError on bad input.

    ``keep`` is given each tree as it is checked and returns the test findings must pass
    (selection, suppression comments: offsets belong to that tree). ``validate`` is an
    extra check of each rewritten text (tests pass BuildKit's parser); it raises to
    reject the rewrite.
    """
    tree = parse(text)
    findings = collect(tree, context, transforms, keep)
    if not fix:
        return Result(text, text, findings)
    applied: list[Finding] = []
    current = text
    for _ in range(MAX_PASSES):
        fixable = [f for f in findings if applicable(f.fix, unsafe)]
        if not fixable:
            return Result(text, current, findings, applied)
        chosen = choose((f.fix for f in fixable), tree)
        chosen_ids = {id(c) for c in chosen}
        new_text = apply(current, chosen)
        try:
            tree = parse(new_text)
            if validate is not None:
                validate(new_text)
        except (DockerfileError, ValueError) as exc:
            codes = ", ".join(sorted({f.code for f in fixable if id(f.fix) in chosen_ids}))
            reason = f"fixes by {codes} made a file that does not parse ({exc}); left unchanged"
            return Result(text, text, collect(parse(text), context, transforms, keep), [], reason)
        applied.extend(f for f in fixable if id(f.fix) in chosen_ids)
        current = new_text
        findings = collect(tree, context, transforms, keep)
    reason = f"fixes did not settle after {MAX_PASSES} passes; left unchanged"
    return Result(text, text, collect(parse(text), context, transforms, keep), [], reason)
