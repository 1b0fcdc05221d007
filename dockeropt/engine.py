"""Runs the transforms over a file and applies their fixes until nothing changes.

Fixes that do not overlap are applied together, from the end of the file backwards; the
result is parsed again (``cst.reparse``: only the instructions the edits touched are read
again) and the transforms run again, until no applicable fix is left, so
a fix of one transform always works on the text the fixes before it wrote. After each
pass every RUN a fix wrote must still be a shell script that dockeropt's shell parser
reads without error (where the RUNs it came from were): a fix that breaks one is taken
back, alone, and said so (``Result.taken_back``), and never offered again in that run.
If a result no longer parses, or the passes do not settle, the file is left exactly as
it was and the reason is reported.
"""

from __future__ import annotations

from bisect import bisect_right

from dockeropt.cst import Dockerfile, Instruction, Run, ShellForm, parse, reparse
from dockeropt.errors import DockerfileError
from dockeropt.record import field, record
from dockeropt.transforms import finders, may_fix
from dockeropt.transforms.base import Context, Finding, Fix, Transform, read_script

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

MAX_PASSES = 16


@record
class Result:
    source: str
    output: str
    findings: list[Finding]  # the output's: what fixing left (all of the source's when not fixing)
    applied: list[Finding] = field(default_factory=list)
    reverted: str | None = None  # why fixes were thrown away
    source_findings: list[Finding] = field(default_factory=list)  # the source's, before any fix
    tree: Dockerfile | None = field(default=None, repr=False, compare=False)  # the source's tree
    taken_back: list[tuple[Finding, str]] = field(default_factory=list)  # fixes not applied, and why

    @property
    def changed(self) -> bool:
        return self.output != self.source


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and fix.applies(unsafe)


if TYPE_CHECKING:  # given a tree, the test its findings must pass
    Keep = Callable[[Dockerfile], Callable[[Finding], bool]]


def keep_all(tree: Dockerfile) -> Callable[[Finding], bool]:
    return lambda finding: True


def collect(tree: Dockerfile, context: Context, transforms: Sequence[Transform], keep: Keep = keep_all) -> list[Finding]:
    """Every finding of ``transforms`` on ``tree`` that ``keep(tree)`` lets through."""
    keeps = keep(tree)
    findings: list[Finding] = []
    for transform in finders(transforms, tree, context):  # their triggers rule out most tool rules on most files
        findings.extend(f for f in transform.check(tree, context) if keeps(f))
    findings.sort(key=_order)
    return findings


def _order(finding: Finding) -> tuple[int, str]:
    return finding.start, finding.code


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
    for finding in sorted(findings, key=lambda f: (_span(f), f.code)):
        start, end = _span(finding)
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


def _span(finding: Finding) -> tuple[int, int]:
    assert finding.fix is not None, "only findings with fixes are chosen from"
    return finding.fix.span


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
    return _apply(text, fixes)[0]


def _apply(text: str, fixes: Iterable[Fix]) -> tuple[str, list[tuple[int, int, Fix]], list[tuple[int, int, str]]]:
    """``apply``, where each edit's new text lies in the result, and the edits in order
    (start, end, new text), as ``reparse`` takes them."""
    edits = sorted(((e, f) for f in fixes for e in f.edits), key=lambda p: (p[0].start, p[0].end))
    pieces: list[str] = []
    placed: list[tuple[int, int, Fix]] = []
    at = 0
    length = 0
    for edit, fix in edits:
        kept = text[at : edit.start]
        pieces += (kept, edit.text)
        length += len(kept)
        placed.append((length, length + len(edit.text), fix))
        length += len(edit.text)
        at = edit.end
    pieces.append(text[at:])
    return "".join(pieces), placed, [(e.start, e.end, e.text) for e, _ in edits]


def _script_ok(text: str) -> bool:
    return not read_script(text).errors


def _shell_runs(tree: Dockerfile, runs: Iterable[Instruction] | None = None) -> list[tuple[Run, str]]:
    """The shell-form RUNs (of ``runs``, or of the tree) that run in a POSIX shell, with their script text."""
    from dockeropt.model import build_of  # the model is needed only once a fix is applied

    build = build_of(tree)
    return [
        (inst, inst.command.text)
        for inst in (tree.instructions if runs is None else runs)
        if isinstance(inst, Run) and isinstance(inst.command, ShellForm) and not inst.heredocs
        and id(inst) in build.states and build.state(inst).shell.posix
    ]


def _touched(inst: Instruction, placed: list[tuple[int, int, Fix]]) -> list[Fix]:
    """The fixes whose new text lies in or against ``inst``."""
    return [fix for start, end, fix in placed if start <= inst.end and end >= inst.full_start]


def broken_by(before: Dockerfile, after: Dockerfile, placed: list[tuple[int, int, Fix]]) -> dict[int, str]:
    """The fixes (by id) that wrote a RUN of ``after`` that is not a readable shell script,
    where the RUNs they edited in ``before`` were; with the parser's complaint."""
    # a RUN no fix wrote blames none: look at the others only, and at the model only if there are some
    written = [inst for inst in after.instructions if isinstance(inst, Run) and _touched(inst, placed)]
    if not written:
        return {}
    blamed: dict[int, str] = {}
    old: list[tuple[Run, str]] | None = None
    for run, text in _shell_runs(after, written):
        parsed = read_script(text)
        if not parsed.errors:
            continue
        if old is None:
            old = _shell_runs(before)
        culprits = _touched(run, placed)
        if not _edited_only_readable(old, culprits):
            continue  # the RUNs the fixes edited were not shell to begin with
        for fix in culprits:
            blamed.setdefault(id(fix), f"it would write a RUN on line {run.line} that is not a shell script ({parsed.errors[0].message})")
    return blamed


def _edited_only_readable(old: list[tuple[Run, str]], fixes: list[Fix]) -> bool:
    """Every RUN of the old tree that the fixes edit was a readable script."""
    spans = [f.span for f in fixes]
    for run, text in old:
        touched = any((s < run.end and e > run.full_start) or s == e == run.end for s, e in spans)
        if touched and not _script_ok(text):
            return False
    return True


def _without_fix(finding: Finding) -> Finding:
    return Finding(finding.code, finding.message, finding.line, finding.column, finding.start, finding.end)


def fix_key(tree: Dockerfile, finding: Finding) -> tuple:
    """A fix as it would read on another pass: its code and its edits relative to the
    instructions it touches, with their text (offsets move as other fixes land)."""
    assert finding.fix is not None
    start, end = finding.fix.span
    wide_start, wide_end = _footprint(start, end, tree, [i.start for i in tree.instructions])
    edits = tuple((e.start - wide_start, e.end - wide_start, e.text) for e in finding.fix.edits)
    return finding.code, tree.source[wide_start:wide_end], edits


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
    complete: bool = True,
    parsed: Dockerfile | None = None,
) -> Result:
    """Check ``text``, and with ``fix`` rewrite it. Raises DockerfileError on bad input.

    ``keep`` is given each tree as it is checked and returns the test findings must pass
    (selection, suppression comments: offsets belong to that tree). ``validate`` is an
    extra check of each rewritten text (tests pass BuildKit's parser); it raises to
    reject the rewrite. ``checked`` is an earlier check of the same text with the same
    context, transforms and ``keep`` (the language server's diagnostics): it stands for
    the first pass instead of reading the text again. The passes after the first run only the
    transforms that can offer an applicable fix (``may_fix``); with ``complete`` the others
    run once more on the result, for ``Result.findings``. Without it (``--check`` and
    ``--diff`` report the source's findings) they do not, and ``Result.findings`` of a
    changed file holds only the fixers' findings. ``parsed`` is ``text`` already parsed
    (the language server reparses an edited version from the one before).
    """
    if checked is not None and checked.tree is not None and checked.source == text:
        tree, found = checked.tree, checked.source_findings
    else:
        tree = parsed if parsed is not None and parsed.source == text else parse(text)
        found = collect(tree, context, transforms, keep)
    findings, first = found, tree
    if not fix:
        return Result(text, text, findings, source_findings=found, tree=first)
    fixers = [t for t in transforms if may_fix(t, unsafe)]
    applied: list[Finding] = []
    taken_back: list[tuple[Finding, str]] = []
    rejected: set[tuple] = set()
    current = text
    for _ in range(MAX_PASSES):
        fixable = [f for f in findings if f.fix is not None and f.fix.edits and applicable(f.fix, unsafe)]  # appends: runner.py
        if rejected:
            fixable = [f for f in fixable if fix_key(tree, f) not in rejected]
        if not fixable:
            if complete and tree is not first and len(fixers) < len(transforms):  # the rest, once
                rest = [t for t in transforms if t not in fixers]
                findings = sorted(findings + collect(tree, context, rest, keep), key=_order)
            if rejected:
                findings = [_without_fix(f) if f.fix and fix_key(tree, f) in rejected else f for f in findings]
            return Result(text, current, findings, applied, source_findings=found, tree=first, taken_back=taken_back)
        chosen = choose(fixable, tree)
        new_tree: Dockerfile | None = None
        while True:
            new_text, placed, edits = _apply(current, (f.fix for f in chosen if f.fix is not None))
            try:
                new_tree = reparse(tree, new_text, edits)  # what parse(new_text) gives, reading only what changed
                if validate is not None:
                    validate(new_text)
            except (DockerfileError, ValueError) as exc:
                codes = ", ".join(sorted({f.code for f in chosen}))
                reason = f"fixes by {codes} made a file that does not parse ({exc}); left unchanged"
                return Result(text, text, found, [], reason, found, first)
            blamed = broken_by(tree, new_tree, placed)
            if not blamed:
                break
            for f in chosen:
                if id(f.fix) in blamed:
                    taken_back.append((f, blamed[id(f.fix)]))
                    rejected.add(fix_key(tree, f))
            chosen = [f for f in chosen if id(f.fix) not in blamed]
            if not chosen:
                new_tree = None
                break
        if new_tree is None:
            continue  # every fix of the pass was taken back: the others are found again
        applied.extend(chosen)
        current, tree = new_text, new_tree
        findings = collect(tree, context, fixers, keep)
    reason = f"fixes did not settle after {MAX_PASSES} passes; left unchanged"
    return Result(text, text, found, [], reason, found, first)
