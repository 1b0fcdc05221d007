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

from dockeropt import shell
from dockeropt.cst import Arg, Copy, Dockerfile, Env, ExecForm, Run, Shell, ShellForm, Stage, User
from dockeropt.record import record
from dockeropt.transforms.base import Edit, Finding, Fix, Style, per_script, per_tree, script_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

_POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "mksh", "zsh"})
_ROOT_USERS = frozenset({"root", "0", "root:root", "0:0"})


@record(frozen=True)
class ShellRun:
    """A RUN in shell form whose text is readable, with its stage and parsed script."""

    run: Run
    stage: Stage
    script: shell.Script

    @property
    def text(self) -> str:
        return self.script.text

    def at(self, offset: int, *, end: bool = False) -> int:
        """The source offset of an offset in the command text."""
        logical = self.run.logical
        return logical.to_source(logical.parse.args_span[0] + offset, end=end)

    def invocations(self, *tools: str) -> list[shell.Invocation]:
        """Like ``shell.package_manager_commands(self.script, tools)``."""
        return _invocations(self.script).of(tools)

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


_invocations = per_script(_Invocations)


def shell_runs(tree: Dockerfile) -> Iterator[ShellRun]:
    """Every RUN the rules may read, in file order."""
    return iter(_shell_runs(tree))


@per_tree
def _shell_runs(tree: Dockerfile) -> tuple[ShellRun, ...]:
    return tuple(_read_runs(tree))


def _read_runs(tree: Dockerfile) -> Iterator[ShellRun]:
    shells: dict[str, bool] = {}  # stage name -> its SHELL is POSIX
    for stage in tree.stages:
        posix = shells.get(_parent_name(stage), True)
        for inst in stage.instructions:
            if isinstance(inst, Shell):
                posix = _posix_shell(inst.command)
            elif posix and isinstance(inst, Run) and isinstance(inst.command, ShellForm) and not inst.heredocs:
                script = script_of(inst)
                if script.ok and script.items:
                    yield ShellRun(inst, stage, script)
        if stage.name:
            shells[stage.name.lower()] = posix


def _posix_shell(command: ShellForm | ExecForm | None) -> bool:
    if not isinstance(command, ExecForm) or not command.values:
        return False
    return command.values[0].rsplit("/", 1)[-1] in _POSIX_SHELLS


def _parent_name(stage: Stage) -> str:
    ref = stage.from_.image
    return ref.text.lower() if ref else ""


# --- the stages a RUN's layer reaches ----------------------------------------------------------


def lineage(tree: Dockerfile, stage: Stage) -> list[Stage]:
    """The stage and the stages it is built FROM, nearest first."""
    by_name = {s.name.lower(): s for s in tree.stages if s.name}
    chain = [stage]
    parent = by_name.get(_parent_name(stage))
    while parent is not None and parent.index < chain[-1].index and parent not in chain:
        chain.append(parent)
        parent = by_name.get(_parent_name(parent))
    return chain


def descendants(tree: Dockerfile, stage: Stage) -> list[Stage]:
    """The stages built FROM this stage, directly or not: they start from its layers."""
    found: list[Stage] = []
    names = {stage.name.lower()} if stage.name else set()
    for other in tree.stages[stage.index + 1 :]:
        if _parent_name(other) in names:
            found.append(other)
            if other.name:
                names.add(other.name.lower())
    return found


def later_runs(tree: Dockerfile, srun: ShellRun) -> Iterator[ShellRun]:
    """The readable RUNs that start from this RUN's layer: later in its stage, or in a
    stage built FROM it."""
    stages = {srun.stage.index} | {s.index for s in descendants(tree, srun.stage)}
    for other in shell_runs(tree):
        if other.stage.index in stages and other.run.start > srun.run.start:
            yield other


def unreadable_later_run_mentions(tree: Dockerfile, srun: ShellRun, fragment: str) -> bool:
    """A later RUN on this layer that the rules cannot read (exec form, heredoc, another
    shell) mentions ``fragment``: it may need what this RUN would delete."""
    stages = [srun.stage, *descendants(tree, srun.stage)]
    readable = {id(r.run) for r in later_runs(tree, srun)}
    return any(
        isinstance(inst, Run) and inst.start > srun.run.start and id(inst) not in readable and fragment in inst.text
        for stage in stages
        for inst in stage.instructions
    )


def environment(tree: Dockerfile, srun: ShellRun) -> dict[str, str]:
    """The variables ENV (inherited through FROM <stage>) and ARG (this stage) set before
    the RUN, with their values as written."""
    env: dict[str, str] = {}
    for stage in reversed(lineage(tree, srun.stage)):
        for inst in stage.instructions:
            if inst is srun.run:
                break
            if isinstance(inst, Env) or (isinstance(inst, Arg) and stage is srun.stage):
                for pair in inst.pairs:
                    env[pair.key.text] = pair.value.text if pair.value else ""
    return env


def may_delete(tree: Dockerfile, srun: ShellRun, invocations: Iterable[shell.Invocation]) -> bool:
    """A plain command appended to the RUN can delete what the tools wrote: the RUN runs as
    root and no tool was raised to root by ``sudo``/``doas`` (a plain ``rm`` could not
    follow it)."""
    return runs_as_root(tree, srun) and not elevated(invocations)


def elevated(invocations: Iterable[shell.Invocation]) -> bool:
    """Some tool runs through ``sudo``/``doas``: it writes as another user than the RUN's."""
    return any({"sudo", "doas"} & set(i.wrappers) for i in invocations)


def runs_as_root(tree: Dockerfile, srun: ShellRun) -> bool:
    """No USER before the RUN (in its stage or those it is built FROM) names another user."""
    user = "root"
    for stage in reversed(lineage(tree, srun.stage)):
        for inst in stage.instructions:
            if inst is srun.run:
                break
            if isinstance(inst, User) and inst.arguments is not None:
                user = inst.arguments.text.strip()
    return user in _ROOT_USERS


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


def delete_chain_element(tree: Dockerfile, srun: ShellRun, index: int) -> Edit | None:
    """Delete command ``index`` of a plain ``&&`` chain with one ``&&`` next to it.

    None when the script is not a plain chain, has one command only, or a comment line
    lies in the deleted source.
    """
    script = srun.script
    commands = script.commands
    if not shell.is_simple_chain(script) or len(commands) < 2:
        return None
    if index == 0:
        start, end = srun.at(commands[0].start), srun.at(commands[1].start)
    else:
        start, end = srun.at(commands[index - 1].end, end=True), srun.at(commands[index].end, end=True)
    if "#" in tree.source[start:end]:
        return None
    return Edit(start, end, "")


def cache_copied(tree: Dockerfile, stage: Stage, fragment: str) -> bool:
    """Another stage copies a path holding ``fragment`` out of this one (``COPY --from``):
    a cache there is wanted, not waste."""
    names = {str(stage.index)} | ({stage.name.lower()} if stage.name else set())
    for inst in tree.instructions:
        if not isinstance(inst, Copy):
            continue
        source = inst.flag("from")
        if source and (source.value or "").lower() in names and any(fragment in w.text for w in inst.sources):
            return True
    return False
