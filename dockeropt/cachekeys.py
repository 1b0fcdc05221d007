"""What each step of a build reads, and which steps a set of changed files re-runs.

A builder with a layer cache (BuildKit, ``buildah bud --layers``) keeps a step's result
while the step's key is unchanged. The key of a step is the step before it (the cached
state it starts from, ENV and WORKDIR included) and the step itself: its text, the ARGs
in scope for a RUN (a ``--build-arg`` changes them), and the content of what it takes in:

- a ``COPY``/``ADD`` from the context: the context files its sources match (globs and
  folders resolved against the folder, less what ``.dockerignore`` leaves out);
- a ``COPY --from=<stage>`` (or ``RUN --mount=from=<stage>``): that stage's result;
- a ``COPY --from=<image>``, an ``ADD`` of a URL: something outside the context, which no
  edit of the context changes;
- a ``RUN --mount=type=bind`` without ``from``: the context files below its source.

For a set of changed files, a stage re-runs from the first step whose input changed, and
every step after it in that stage; a stage built FROM a stage that re-ran re-runs whole;
a stage that copies from a stage that re-ran re-runs from that copy. Only the stages the
build needs are built: the final stage and what it reads, directly or not.

Without a context folder the files a step reads are unknown (``reads`` is None); a change
is then matched against the sources as written, and ``.dockerignore`` is not read.
"""

from __future__ import annotations

import posixpath
import re

from dockeropt.buildcontext import ContextError, glob_regex, has_glob
from dockeropt.cst import Add, Arg, Copy, Dockerfile, Instruction, Run
from dockeropt.model import build_of
from dockeropt.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable

    from dockeropt.buildcontext import BuildContext
    from dockeropt.model import Build

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@)", re.IGNORECASE)


@record(frozen=True, slots=True)
class Step:
    """One instruction after a FROM, with what its cache key reads."""

    stage: int  # the stage's index
    instruction: Instruction
    sources: tuple[str, ...]  # the context sources it takes, as the build reads them
    reads: tuple[str, ...] | None  # the context files they match; None: unknown (no folder)
    stage_inputs: tuple[int, ...]  # the stages it reads (COPY --from, RUN --mount=from)
    external: tuple[str, ...]  # what it reads from outside the context (an image, a URL)
    arguments: tuple[str, ...]  # the ARGs in scope for a RUN
    unresolved: bool = False  # a source with a variable the file gives no value

    @property
    def line(self) -> int:
        return self.instruction.line

    @property
    def reads_context(self) -> bool:
        return bool(self.sources) or self.unresolved


@record(frozen=True, slots=True)
class Rerun:
    """Why a step re-runs."""

    step: Step
    because: str


@record(frozen=True)
class Keys:
    """The steps of a build and what each reads."""

    build: Build
    steps: tuple[Step, ...]
    context: BuildContext | None
    built: frozenset[int]  # the stages the build needs
    problem: str | None = None  # why the context's files could not be read

    def stage_steps(self, index: int) -> list[Step]:
        return [s for s in self.steps if s.stage == index]

    def changes(self, step: Step, changed: Iterable[str]) -> list[str]:
        """The changed files among what ``step`` takes from the context."""
        ignore = self.context.ignore if self.context is not None and self.problem is None else None
        out = []
        for path in changed:
            if ignore is not None and ignore.excludes(path):
                continue
            if step.unresolved or any(takes(source, path) for source in step.sources):
                out.append(path)
        return out

    def reruns(self, changed: Iterable[str]) -> list[Rerun]:
        """The steps that re-run when ``changed`` (context paths) change, in build order."""
        changed = [normalize(p) for p in changed]
        rerun_stages: set[int] = set()
        out: list[Rerun] = []
        for stage in self.build.stages:
            if stage.index not in self.built:
                continue
            cause: str | None = None
            if stage.parent is not None and stage.parent in rerun_stages:
                cause = f"its base, stage {self._stage_name(stage.parent)}, re-runs"
            for step in self.stage_steps(stage.index):
                if cause is None:
                    first = self._cause(step, changed, rerun_stages)
                    if first is None:
                        continue
                    out.append(Rerun(step, first))
                    cause = f"line {step.line} before it re-runs"
                else:
                    out.append(Rerun(step, cause))
            if cause is not None:
                rerun_stages.add(stage.index)
        return out

    def _cause(self, step: Step, changed: list[str], rerun_stages: set[int]) -> str | None:
        hit = self.changes(step, changed)
        if hit:
            shown = ", ".join(hit[:3]) + (f" and {len(hit) - 3} more" if len(hit) > 3 else "")
            return f"it copies {shown}" if not step.unresolved else f"its source is not known ({shown} may be in it)"
        for index in step.stage_inputs:
            if index in rerun_stages:
                return f"it reads stage {self._stage_name(index)}, which re-runs"
        return None

    def _stage_name(self, index: int) -> str:
        return self.build.stages[index].name or str(index)

    def cost(self) -> list[tuple[str, int]]:
        """Each context file a step reads, with how many steps an edit of it re-runs, most
        first, then by name."""
        if self.context is None or self.problem is not None:
            return []
        seen: dict[str, int] = {}
        for step in self.steps:
            for name in step.reads or ():
                if name not in seen:
                    seen[name] = len(self.reruns([name]))
        return sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))


def normalize(path: str) -> str:
    clean = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    return "" if clean == "." else clean


def takes(source: str, path: str) -> bool:
    """A COPY source (a name, a folder or a glob, relative to the context) brings in ``path``."""
    return _taker(source)(path)


def _taker(source: str) -> Callable[[str], bool]:
    """``takes(source, path)`` as a test of ``path``, the source read once for many paths."""
    clean = normalize(source)
    if clean == "":
        return _anything
    if has_glob(clean):
        try:
            regex = re.compile(glob_regex(clean))
        except (ContextError, re.error):
            return _anything  # a pattern we cannot read: it may take anything

        def matches(path: str) -> bool:
            parts = path.split("/")
            return any(regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts) + 1))

        return matches
    below = clean + "/"
    return lambda path: path == clean or path.startswith(below)


def _anything(path: str) -> bool:
    return True


def keys_of(tree: Dockerfile, context: BuildContext | None) -> Keys:
    """What every step of ``tree`` reads, with ``context`` as the build context (or None)."""
    build = build_of(tree)
    problem = None
    if context is not None:
        try:
            context.files()
        except ContextError as exc:
            problem = str(exc)
    steps: list[Step] = []
    for stage in build.stages:
        arguments: list[str] = []
        for inst in stage.stage.instructions:
            steps.append(_step(build, stage.index, inst, tuple(arguments), None if problem else context))
            if isinstance(inst, Arg):
                arguments.extend(p.key.text for p in inst.pairs if p.key.text not in arguments)
    return Keys(build, tuple(steps), context, _built(build, steps), problem)


def _built(build: Build, steps: list[Step]) -> frozenset[int]:
    """The final stage and the stages it reads, directly or not."""
    if not build.stages:
        return frozenset()
    needs: dict[int, set[int]] = {s.index: ({s.parent} if s.parent is not None else set()) for s in build.stages}
    for step in steps:
        needs[step.stage].update(step.stage_inputs)
    todo, built = [build.stages[-1].index], set()
    while todo:
        index = todo.pop()
        if index not in built:
            built.add(index)
            todo.extend(needs[index])
    return frozenset(built)


def _step(build: Build, stage: int, inst: Instruction, arguments: tuple[str, ...], context: BuildContext | None) -> Step:
    if not isinstance(inst, (Copy, Add, Run)):  # it reads nothing but the step before it
        return Step(stage, inst, (), None if context is None else (), (), (), ())
    sources: list[str] = []
    stage_inputs: list[int] = []
    external: list[str] = []
    unresolved = False
    if isinstance(inst, (Copy, Add)):
        origin = inst.flag("from")
        if origin is not None and origin.value:
            found = build.by_name(origin.value)
            if found is not None and found.index < stage:
                stage_inputs.append(found.index)
            else:
                external.append(origin.value)
        else:
            for source in _file_sources(inst):
                expanded = build.expand(source, inst)
                if expanded is None:
                    unresolved = True
                elif _REMOTE.match(expanded):
                    external.append(expanded)
                else:
                    sources.append(expanded)
    elif isinstance(inst, Run):
        for mount in inst.flags:
            if mount.name != "mount" or not mount.value:
                continue
            fields = dict(part.partition("=")[::2] for part in mount.value.split(","))
            kind = fields.get("type", "bind")
            source = fields.get("from") or ""
            if source:
                found = build.by_name(source)
                if found is not None and found.index < stage:
                    stage_inputs.append(found.index)
                elif kind == "bind":
                    external.append(source)
            elif kind == "bind":
                sources.append(fields.get("source", fields.get("src", ".")) or ".")
    reads: tuple[str, ...] | None = None
    if context is not None:
        names: set[str] = set()
        for source in sources:
            names.update(context.matching(source))
        reads = tuple(sorted(names))
    return Step(
        stage, inst, tuple(sources), reads, tuple(stage_inputs), tuple(external),
        arguments if isinstance(inst, Run) else (), unresolved,
    )


def _file_sources(inst: Copy | Add) -> tuple[str, ...]:
    """The sources of a COPY/ADD as written, less its heredocs."""
    if inst.exec_form is not None:
        values = inst.exec_form.values[:-1]
    else:
        values = tuple(w.text for w in inst.sources)
    heredocs = {h.marker for h in inst.heredocs}
    return tuple(v for v in values if v not in heredocs)


# --- what a fix won --------------------------------------------------------------------------

_LAYERS = frozenset({"RUN", "COPY", "ADD"})  # the instructions that make a filesystem layer


def layers(keys: Keys) -> int:
    """The filesystem layers the file adds to the image it ships (its shipped stages' RUN, COPY, ADD)."""
    shipped = keys.build.shipped
    return sum(1 for s in keys.steps if s.stage in shipped and s.instruction.name in _LAYERS)


def source_file(before: Keys, after: Keys) -> str | None:
    """A source file: one the build reads that no COPY names itself (not a manifest, not the
    Dockerfile or its ignore file); of those, the one whose edit costs the fixed file most."""
    if before.context is None or before.problem is not None:
        return None
    named = {normalize(s) for keys in (before, after) for step in keys.steps for s in step.sources}
    candidates = sorted(
        {name for step in before.steps for name in step.reads or ()}
        - named
        - {n for n in before.context.files() if n.rsplit("/", 1)[-1].startswith(("Dockerfile", ".dockerignore"))}
    )
    if not candidates:
        return None
    counts = _rerun_counts(after, candidates)
    most = max(counts.values())
    chosen = None
    # of the names with the most re-runs, the first, or a longer one that begins with it
    for name in candidates:
        if counts[name] == most and (chosen is None or name.startswith(chosen)):
            chosen = name
    return chosen


def _rerun_counts(keys: Keys, names: Iterable[str]) -> dict[str, int]:
    """``len(keys.reruns([name]))`` for each name, worked out once for each set of steps
    that take the file: a COPY of the whole context takes thousands, all alike."""
    ignore = keys.context.ignore if keys.context is not None and keys.problem is None else None
    readers = [(i, s.unresolved, [_taker(source) for source in s.sources]) for i, s in enumerate(keys.steps) if s.reads_context]
    every = frozenset(i for i, unresolved, takers in readers if unresolved or _anything in takers)  # take any file
    some = [(i, takers) for i, _, takers in readers if i not in every]
    by_steps: dict[frozenset[int], int] = {}
    counts = {}
    for name in names:
        path = normalize(name)  # as ``changes`` reads it
        if ignore is not None and ignore.excludes(path):
            taken: frozenset[int] = frozenset()
        elif some:
            taken = every.union(i for i, takers in some if any(t(path) for t in takers))
        else:
            taken = every
        if taken not in by_steps:
            by_steps[taken] = len(keys.reruns([name]))
        counts[name] = by_steps[taken]
    return counts


def gain(source: str, output: str, context: str | os.PathLike[str] | None) -> str:
    """``  layers 7 -> 6; editing src/app.js re-runs 4 steps -> 1`` for a fix, or "" when
    the texts cannot be read or nothing it measures changed."""
    from dockeropt.buildcontext import BuildContext
    from dockeropt.cst import parse
    from dockeropt.errors import DockerfileError

    if source == output:
        return ""
    try:
        files = BuildContext.open(context)  # one folder, read once for both
        before = keys_of(parse(source), files)
        after = keys_of(parse(output), files)
    except (DockerfileError, RecursionError):
        return ""
    parts = [f"layers {layers(before)} -> {layers(after)}"]
    edited = source_file(before, after)
    if edited is not None:
        parts.append(f"editing {edited} re-runs {_rerun_text(before, edited)} -> {_rerun_text(after, edited)}")
    return "  " + "; ".join(parts) + "\n"


def _rerun_text(keys: Keys, edited: str) -> str:
    """``4 steps (RUN npm ci && npm run build)``: how many, and the RUNs among them."""
    reruns = keys.reruns([edited])
    runs = [" ".join(" ".join(r.step.instruction.value).split()) for r in reruns if isinstance(r.step.instruction, Run)]
    shown = ", ".join(t if len(t) <= 40 else t[:37] + "..." for t in runs[:3]) + (", ..." if len(runs) > 3 else "")
    return f"{len(reruns)} step{'s' * (len(reruns) != 1)}" + (f" (RUN {shown})" if runs else "")
