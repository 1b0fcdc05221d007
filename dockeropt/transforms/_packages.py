"""What the package-manager hygiene rules (DO201-DO207) share.

A ``ShellRun`` is a RUN these rules may read and edit: shell form, no heredoc, a POSIX
shell, text that ``dockeropt.shell`` reads without errors. It maps offsets in the
command text to source offsets, so findings point at the command inside the RUN and
edits land in the right bytes whatever the continuations, escape character and line
endings.

The rules never fight because each asks the same questions here: is a cache served by
a ``--mount=type=cache`` (then nothing is deleted and nothing disables it), does a later
RUN need what would be deleted (then nothing is deleted), and is the deletion already
written (then nothing is added).
"""

from __future__ import annotations

from dockeropt import model, shell
from dockeropt.cst import Copy, Dockerfile, Run, ShellForm, Stage
from dockeropt.record import record
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, Style, per_script, per_tree, script_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

#: The setting of DO201, DO203-DO206 that reports cache hygiene in stages that never
#: reach the final image too (as DO101's of the same name merges there too).
ALL_STAGES = "all_stages"


@record(frozen=True)
class ShellRun:
    """A RUN in shell form whose text is readable, with its stage, the state in force
    (``dockeropt.model``) and its parsed script."""

    run: Run
    stage: Stage
    script: shell.Script
    state: model.State
    ships: bool  # its stage's layers reach the final image

    @property
    def text(self) -> str:
        return self.script.text

    def at(self, offset: int, *, end: bool = False) -> int:
        """The source offset of an offset in the command text (``Run.at``)."""
        return self.run.at(offset, end=end)

    def invocations(self, *tools: str) -> list[shell.Invocation]:
        """Like ``shell.package_manager_commands(self.script, tools)``."""
        return script_invocations(self.script).of(tools)

    def mentions(self, fragment: str) -> bool:
        return fragment in self.text


class _Invocations:
    """A script's commands read as invocations, each the first time a rule asks about its
    tool: the rules ask about a few package managers, and most commands run something else."""

    def __init__(self, script: shell.Script) -> None:
        self.commands = script.commands
        self.tools = tuple(map(shell.tool_of, script.commands))
        self.read: dict[int, shell.Invocation | None] = {}  # by command index

    def of(self, tools: tuple[str, ...]) -> list[shell.Invocation]:
        found = []
        for index, tool in enumerate(self.tools):
            if tool in tools:
                if index not in self.read:
                    self.read[index] = shell.invocation(self.commands[index])
                invocation = self.read[index]
                if invocation is not None:  # always, for a command that names a tool
                    found.append(invocation)
        return found


script_invocations = per_script(_Invocations)  # a script's tool invocations, read once per script text


def shell_runs(tree: Dockerfile) -> Iterator[ShellRun]:
    """Every RUN the rules may read, in file order."""
    return iter(_shell_runs(tree))


def stage_runs(tree: Dockerfile, stage: Stage) -> Iterator[ShellRun]:
    """The RUNs of one stage the rules may read, in file order."""
    return (r for r in _shell_runs(tree) if r.stage is stage)


def hygiene_runs(tree: Dockerfile, context: Context, code: str) -> Iterator[ShellRun]:
    """The RUNs a cache-hygiene rule reports on: those whose layers ship (a cache left in
    a builder stage costs nothing that ships), or every one with the rule's
    ``all_stages`` setting."""
    every = wide(context, code)
    return (r for r in _shell_runs(tree) if every or r.ships)


def wide(context: Context, code: str) -> bool:
    """The rule's ``all_stages`` setting: report in every stage."""
    return bool(context.option(code, ALL_STAGES, False))


@per_tree
def _shell_runs(tree: Dockerfile) -> tuple[ShellRun, ...]:
    return tuple(_read_runs(tree))


@per_tree
def _by_run(tree: Dockerfile) -> dict[int, ShellRun]:
    return {id(r.run): r for r in _shell_runs(tree)}


def shell_run(tree: Dockerfile, run: Run) -> ShellRun | None:
    """The RUN as the rules read it (see ``shell_runs``), or None when they cannot."""
    return _by_run(tree).get(id(run))


def _read_runs(tree: Dockerfile) -> Iterator[ShellRun]:
    build = model.build_of(tree)
    for stage in build.stages:
        for inst in stage.stage.instructions:
            if not isinstance(inst, Run) or not isinstance(inst.command, ShellForm) or inst.heredocs:
                continue
            state = build.state(inst)
            if not state.shell.posix:  # cmd, PowerShell, a Windows base without a POSIX SHELL
                continue
            script = script_of(inst)
            if script.ok and script.items:
                yield ShellRun(inst, stage.stage, script, state, stage.ships)


# --- the stages a RUN's layer reaches ----------------------------------------------------------


def later_runs(tree: Dockerfile, srun: ShellRun) -> Iterator[ShellRun]:
    """The readable RUNs that start from this RUN's layer: later in its stage, or in a
    stage built FROM it."""
    stages = {srun.stage.index} | {s.index for s in model.build_of(tree).descendants(srun.stage)}
    for other in shell_runs(tree):
        if other.stage.index in stages and other.run.start > srun.run.start:
            yield other


def unreadable_later_runs(tree: Dockerfile, srun: ShellRun) -> Iterator[str]:
    """The text of what may run later on this layer that the rules cannot read: exec-form
    and heredoc RUNs, RUNs under another shell, and the ONBUILD triggers of its stage or
    a stage built FROM it (``StageModel.onbuild``: wherever it is written, a trigger runs
    in the next build FROM the image, on its layers)."""
    build = model.build_of(tree)
    readable = {id(r.run) for r in later_runs(tree, srun)}
    for stage in [build.stage_of(srun.run), *build.descendants(srun.stage)]:
        yield from (trigger.text for trigger in stage.onbuild)
        for inst in stage.stage.instructions:
            if isinstance(inst, Run) and inst.start > srun.run.start and id(inst) not in readable:
                yield inst.text


def unreadable_later_run_mentions(tree: Dockerfile, srun: ShellRun, fragment: str) -> bool:
    """A later RUN on this layer that the rules cannot read (exec form, heredoc, another
    shell, an ONBUILD trigger) mentions ``fragment``: it may need what this RUN would delete."""
    return any(fragment in text for text in unreadable_later_runs(tree, srun))


def may_delete(tree: Dockerfile, srun: ShellRun, invocations: Iterable[shell.Invocation]) -> bool:
    """A plain command appended to the RUN can delete what the tools wrote: the RUN runs as
    root and no tool was raised to root by ``sudo``/``doas`` (a plain ``rm`` could not
    follow it)."""
    return srun.state.root and not elevated(invocations)


def elevated(invocations: Iterable[shell.Invocation]) -> bool:
    """Some tool runs through ``sudo``/``doas``: it writes as another user than the RUN's."""
    return any({"sudo", "doas"} & set(i.wrappers) for i in invocations)


def lacks(tree: Dockerfile, srun: ShellRun, tool: str, option: str) -> str | None:
    """Why the tool on this RUN's base has no ``option`` (``dockeropt.releases``), or None."""
    return model.build_of(tree).stage_of(srun.run).base.lacks(tool, option)


# --- mounts ------------------------------------------------------------------------------------


def cache_mounts(run: Run) -> list[str]:
    """The targets of the RUN's ``--mount=type=cache`` flags."""
    targets = []
    for flag in run.flags:
        if flag.name != "mount" or not flag.value:
            continue
        fields = dict(part.partition("=")[::2] for part in flag.value.split(","))
        target = fields.get("target") or fields.get("dst") or fields.get("destination")
        if fields.get("type") == "cache" and target:
            targets.append(target.rstrip("/") or "/")
    return targets


def serves(target: str, path: str) -> bool:
    """A mount at ``target`` holds ``path`` (the path is the target or lies below it)."""
    return target == "/" or path == target or path.startswith(target + "/")


def served(run: Run, paths: Iterable[str], names: Iterable[str] = ()) -> bool:
    """A cache mount of the RUN holds one of ``paths``, or its target's last part is one of
    ``names`` (a cache moved elsewhere by configuration still ends in its usual name)."""
    paths, names = tuple(paths), tuple(names)
    for target in cache_mounts(run):
        if any(serves(target, p) for p in paths) or target.rsplit("/", 1)[-1] in names:
            return True
    return False


def network_none(run: Run) -> bool:
    return any(f.name == "network" and f.value == "none" for f in run.flags)


# --- findings and edits --------------------------------------------------------------------------


def command_finding(
    code: str, message: str, tree: Dockerfile, srun: ShellRun, command: shell.SimpleCommand, fix: Fix | None
) -> Finding:
    """A finding on one command inside a RUN."""
    start, end = srun.at(command.start), srun.at(command.end, end=True)
    line, column = tree.position(start)
    return Finding(code, message, line, column, start, end, fix)


def subcommand_token(inv: shell.Invocation) -> shell.Token | None:
    """The word that holds the invocation's subcommand (``install``)."""
    words = inv.command.words
    first = next(i for i, w in enumerate(words) if w is inv.program) + 1
    for word in words[first:]:
        # ``python -m pip install``: the module's words come before the subcommand
        if word.value == inv.subcommand and not any(o.start <= word.start < o.end for o in inv.options):
            return word
    return None


def verb(inv: shell.Invocation) -> shell.Token:
    """The subcommand's word of an invocation matched by its subcommand."""
    token = subcommand_token(inv)
    assert token is not None, f"{inv.tool} {inv.subcommand}: a matched subcommand is one of the words"
    return token


def insert_after(srun: ShellRun, token: shell.Token, text: str) -> Edit:
    """Insert ``text`` right after a word of the command."""
    at = srun.at(token.end, end=True)
    return Edit(at, at, text)


def delete_word(tree: Dockerfile, srun: ShellRun, token: shell.Token | shell.Option) -> Edit | None:
    """Delete a word with the blank before it, when both are on one source line."""
    before = srun.text[: token.start]
    gap = len(before) - len(before.rstrip(" \t"))
    start, end = srun.at(token.start - gap), srun.at(token.end, end=True)
    if gap == 0 or "\n" in tree.source[start:end]:
        return None
    return Edit(start, end, "")


def append_command(tree: Dockerfile, srun: ShellRun, command: str, style: Style) -> Edit | None:
    """Run ``command`` after the RUN's script when the script succeeded: ``&& command``.

    It goes after the last top-level command (before a ``;`` or a trailing comment), on a
    new continuation line laid out like the RUN's others when the RUN spans several lines.
    None when the script's end is not a place to append: it ends in a background job.
    """
    last = srun.script.items[-1]
    if last.connector == "&":
        return None
    at = srun.at(last.end, end=True)
    source = tree.source
    line_start = source.rfind("\n", 0, at) + 1
    line_end = source.find("\n", at)
    rest = source[at : line_end if line_end != -1 else len(source)]
    if line_start <= srun.run.start or rest.strip():
        return Edit(at, at, f" && {command}")
    trail = operators_trail(srun.run, style.escape)
    indent = chain_indent(srun.run, style.escape, trail) or _indent(source[line_start:at]) or style.indent
    if trail:
        return Edit(at, at, f" &&{style.continuation}{indent}{command}")
    return Edit(at, at, f"{style.continuation}{indent}&& {command}")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def chain_indent(run: Run, escape: str, trail: bool) -> str | None:
    """The indent of the RUN's last command line: the last one starting with ``&&``, or
    (operators at line ends) the last one after ``&& \\``; package-list lines are
    often indented deeper."""
    found = None
    lines = run.text.splitlines()
    for before, line in zip(lines, lines[1:]):
        body = before.strip()
        if trail and body.endswith(escape) and body[:-1].rstrip().endswith(("&&", "||")):
            found = _indent(line)
        elif not trail and line.lstrip().startswith(("&&", "||")):
            found = _indent(line)
    return found


def operators_trail(run: Run, escape: str) -> bool:
    """The RUN's lines end with ``&& \\`` more often than they start with ``&&``."""
    lead = trail = 0
    for line in run.text.splitlines():
        body = line.strip()
        lead += body.startswith(("&&", "||"))
        trail += body.endswith(escape) and body[:-1].rstrip().endswith(("&&", "||"))
    return trail > lead


def insert_after_command(
    tree: Dockerfile, srun: ShellRun, index: int, command: str, style: Style, *, inline: bool = False
) -> Edit | None:
    """Run ``command`` right after command ``index`` of the RUN, when it succeeded.

    After the last command this is ``append_command``. Inside a plain ``&&`` chain the new
    element is laid out like the joint it goes before: on the same line when the next
    command is, else on a continuation line of its own indented like the next command's,
    with ``&&`` where the chain has it (line start or line end). None elsewhere.

    ``inline`` puts it on the command's own line wherever it is (`` && command``), so that
    the command and its follower stay together when another fix splits the RUN after them.
    """
    commands = srun.script.commands
    last = index == len(commands) - 1
    chain = shell.is_simple_chain(srun.script)
    if last and not (chain and inline):
        return append_command(tree, srun, command, style)
    if not chain:
        return None
    at = srun.at(commands[index].end, end=True)
    if inline:
        return Edit(at, at, f" && {command}")
    following = srun.at(commands[index + 1].start)
    between = tree.source[at:following]
    if "\n" not in between:
        return Edit(at, at, f" && {command}")
    if "#" in between:
        return None
    line_start = tree.source.rfind("\n", 0, following) + 1
    indent = _indent(tree.source[line_start:following]) or style.indent
    if between.lstrip().startswith("&&"):  # operators at line ends
        return Edit(at, at, f" &&{style.continuation}{indent}{command}")
    return Edit(at, at, f"{style.continuation}{indent}&& {command}")


def misplaced_cleanups(
    tree: Dockerfile,
    srun: ShellRun,
    style: Style,
    is_cleanup: Callable[[shell.SimpleCommand], bool],
    fills: Callable[[shell.SimpleCommand], bool],
    unsafe_between: Callable[[Sequence[shell.SimpleCommand]], bool],
    may_clean_end: bool | Callable[[], bool] = True,
    keep_first: bool = False,
) -> tuple[str, Fix | None] | None:
    """One cleanup, at the end of what it cleans: a message and fix when the RUN cleans a
    cache twice (a merge of two RUNs that each cleaned it), or cleans it only before a
    later command fills it again.

    The fix keeps the last cleanup that follows the last filling command (the first one
    with ``keep_first``: DO205's, where DO102 can still split the RUN after it), or (when
    none does) moves the last cleanup right after that command, and deletes the others. It
    is made only in a plain ``&&`` chain of cleanups written alike, only when no command
    between a deleted cleanup and the one kept could tell the difference
    (``unsafe_between``: it reads the cache, which it now finds full, where it found it
    empty), and a move only when nothing later needs what the RUN left (``may_clean_end``,
    or its answer when called: asked only for a move).
    """
    commands = srun.script.commands
    cleanups = [c.index for c in commands if is_cleanup(c)]
    if not cleanups:
        return None
    last_fill = max((c.index for c in commands if fills(c)), default=-1)
    if len(cleanups) == 1 and cleanups[0] > last_fill:
        return None
    text = commands[cleanups[-1]].text
    if cleanups[-1] > last_fill:
        kept = next(c for c in cleanups if c > last_fill) if keep_first else cleanups[-1]
        doomed = [c for c in cleanups if c != kept]
        message = f"`{text}` runs {len(cleanups)} times in this RUN: once, after the last command that fills the cache, is enough"
    else:
        kept, doomed = None, cleanups
        if not (may_clean_end() if callable(may_clean_end) else may_clean_end):
            return None  # what the RUN leaves at its end is wanted later
        message = f"`{text}` runs before `{commands[last_fill].text}`: clean once, at the end of the chain"
    if not shell.is_simple_chain(srun.script) or "\n" in text:
        return message, None
    if len({commands[c].text for c in cleanups}) > 1:
        return message, None  # ``clean metadata`` then ``clean all``: not one cleanup twice
    until = kept if kept is not None else last_fill + 1
    if any(c < until and unsafe_between(commands[c + 1 : until]) for c in doomed):
        return message, None  # (a cleanup after the one kept has nothing to fill it in between)
    edits = delete_chain_elements(tree, srun, doomed)
    if edits is None:
        return message, None
    if kept is None:
        insert = insert_after_command(tree, srun, last_fill, text, style)
        if insert is None:
            return message, None
        edits.append(insert)
    title = "Clean once, at the end" if kept is None else "Remove the earlier cleanups"
    return message, Fix(title, tuple(edits), Applicability.SAFE)


def delete_chain_element(tree: Dockerfile, srun: ShellRun, index: int) -> Edit | None:
    """Delete command ``index`` of a plain ``&&`` chain with its joint (see
    ``delete_chain_elements``)."""
    edits = delete_chain_elements(tree, srun, [index])
    return edits[0] if edits else None


def delete_chain_elements(tree: Dockerfile, srun: ShellRun, indices: Iterable[int]) -> list[Edit] | None:
    """Delete commands of a plain ``&&`` chain, each with one ``&&`` next to it, so that
    what is left is the chain of the other commands.

    The edits never overlap, whichever commands go: each run of neighbouring deleted
    commands is one edit. A run at the start goes up to the first kept command (its
    ``&&``, blanks and continuation with it); any other goes from the end of the kept
    command before it to its own end. So ``&&`` at line starts or line ends, and the
    continuation lines between, are left as the rest of the RUN has them.

    None when the script is not a plain chain, no command would be left, or a comment
    sits in the deleted source (it would go too).
    """
    script = srun.script
    commands = script.commands
    doomed = sorted(set(indices))
    if not shell.is_simple_chain(script) or not doomed or len(doomed) >= len(commands):
        return None
    if doomed[0] < 0 or doomed[-1] >= len(commands):
        return None
    runs: list[list[int]] = []
    for index in doomed:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    edits = []
    for first, *rest in runs:
        last = rest[-1] if rest else first
        if first == 0:
            start, end = srun.at(commands[0].start), srun.at(commands[last + 1].start)
        else:
            start, end = srun.at(commands[first - 1].end, end=True), srun.at(commands[last].end, end=True)
        if "#" in tree.source[start:end]:
            return None
        edits.append(Edit(start, end, ""))
    return edits


def cache_copied(tree: Dockerfile, stage: Stage, fragment: str) -> bool:
    """Another stage copies a path holding ``fragment`` out of this one (``COPY --from``,
    the stage found by name or index as ``Build.by_name`` finds it): a cache there is
    wanted, not waste."""
    build = model.build_of(tree)
    for inst in tree.instructions:
        source = inst.flag("from") if isinstance(inst, Copy) else None
        if source is None or not isinstance(inst, Copy) or not any(fragment in w.text for w in inst.sources):
            continue
        copied = build.by_name(source.value or "")
        if copied is not None and copied.index == stage.index:
            return True
    return False
