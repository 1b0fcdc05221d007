"""DO101 merge-run: run adjacent RUN instructions of a stage as one RUN.

What it does
    Finds RUN instructions that follow each other in a stage, with nothing but comment
    and blank lines between them, and joins each such run of RUNs into one whose
    commands are chained with ``&&``::

        RUN a            RUN a \\
        # why b      ->      # why b
        RUN b                && b

    The merged RUN keeps the first RUN's keyword, flags, leading comments and
    formatting. Each later RUN's keyword and flags go; its comment lines move inside the
    continuation (BuildKit drops comment lines there, so the command is unchanged) and
    its blank lines are dropped (an empty continuation line is deprecated). The file's
    escape character, line ending and continuation indent are used, and ``&&`` goes at
    the start of the new line, or at the end of the line before when the file's RUNs
    mostly write it there.

    A later command whose own top level is more than an ``&&`` chain (``x || y``,
    ``x; y``) is put in braces, ``&& { x || y; }``, so that it still runs only when
    everything before it succeeded and its exit status still decides the build.

    Only the stages that ship run it: the final stage and the stages it is built
    ``FROM``. A builder stage's layers never reach the image, while its RUNs are cache
    points worth keeping (option ``all_stages`` changes this).

Why
    Every RUN commits a layer. Fewer layers build, push and pull faster, and files that
    one RUN creates and the next one deletes (``apt-get`` lists, caches, archives) only
    stop costing space when both happen in the same layer.

Example
    ::

        FROM debian:bookworm-slim
        RUN apt-get update
        RUN apt-get install -y --no-install-recommends curl
        # the lists are useless once installed
        RUN rm -rf /var/lib/apt/lists/*

    becomes::

        FROM debian:bookworm-slim
        RUN apt-get update \\
            && apt-get install -y --no-install-recommends curl \\
            # the lists are useless once installed
            && rm -rf /var/lib/apt/lists/*

Fix safety
    Safe. Separate RUNs are separate ``sh -c`` processes that share only the filesystem
    (and the environment BuildKit gives both, since no instruction lies between them).
    ``a && b`` in one process is the same when (1) ``b`` runs only if the first RUN
    succeeded, and the build fails when either part fails; and (2) ``b`` starts in the
    shell state a fresh shell has. The rule only merges when it can show both:

    - ``&&`` binds to the last and-or list of the first text, and that list's status is
      the first RUN's status (``a; b`` as a RUN fails exactly when ``b`` fails), so the
      first text is kept as written. The second is braced when it is not a plain
      ``&&``/pipe chain, since ``T1 && x || y`` would run ``y`` after ``T1`` failed.
    - the first text must leave no shell state behind, as ``dockeropt.shell`` reads it:
      no ``export``, ``set``, ``umask``, ``source``/``.``, ``exit``, ``exec``,
      ``trap``, ``ulimit``, ``eval``, ``read``..., no bare assignment, function
      definition, ``for`` variable or assigning expansion, no ``&`` anywhere (a
      background job would keep running into the second command). A plain ``cd`` is
      the one state allowed, when every later RUN of the merge cannot tell where it
      starts: it begins with ``cd`` to a literal absolute path, or each of its commands
      is a package install by name (``apt-get``, ``apk``, ``dnf``, ...) or a file tool
      (``rm``, ``mkdir``, ``ln``, ``chmod``, ...) given only absolute paths, with
      absolute redirections, and it does not read ``$PWD``/``$OLDPWD``;
    - the first text must not change ``/bin/sh`` (``rm``/``ln``/``mv`` of it, a dash
      reconfiguration): the second part would still run in the shell it replaced;
    - the two RUNs must read the same inputs as DO102 plans the stage (plan first, merge
      after): a RUN that a manifest COPY or a move above the full-source COPY would
      separate from its neighbour is not merged with it (``manifests_first.keeps_apart``),
      so a lockfile change does not re-run an apt install that reads nothing of it;

    Wrapping the first text in a subshell, ``( T1 ) && T2``, would contain its state,
    but it is not used: a compound command left of ``&&`` runs with ``set -e``
    ignored, so ``( set -e; false; echo hi ) && T2`` prints ``hi`` and goes on, in
    dash, busybox sh and bash alike, where the RUN alone would have failed.

When it refuses
    No finding (the RUNs are not merge candidates):

    - another instruction (including ``ONBUILD RUN``) lies between them;
    - either is in exec form (``RUN ["a"]``) or has a heredoc;
    - their flags differ (``--mount``, ``--network``, ``--security``); equal flags may
      merge, except ``--mount=type=tmpfs`` and writable bind mounts, whose contents
      the second RUN would no longer get fresh;
    - the shell in effect is not POSIX (``dockeropt.model``): a ``SHELL`` that is not
      sh/bash/dash/ash/ksh/mksh with ``-c`` (PowerShell, cmd, zsh), a Windows base image
      named by tag, path, ``--platform`` or an ``ARG`` default (its default shell is cmd),
      or a shell that reads start-up files each time (``-l``, ``-i``, or ``BASH_ENV``
      set by ``ENV`` for bash), since the second RUN would re-read them;
    - the merged RUN would span more than ``max_lines`` lines (default 30): a run of
      RUNs is cut there, so long chains stay separate cache points;
    - the stage does not ship (see above), unless ``all_stages`` is set.

    A finding without a fix (the RUNs could merge, but not provably safely):

    - the first text changes the shell state (see Fix safety) or cannot be read;
    - the first text ends with a shell comment (``make # build`` would swallow
      ``&& b``) or with ``;``;
    - the second text cannot be read, has no command, starts a background job, needs
      braces but ends with a comment, or reads ``$_`` (bash's last argument of the
      previous command);
    - the ``SHELL`` has ``-e`` and the first text's last and-or list holds a compound
      command, or the first text is braced by the merge and holds several lists
      (``x; y``): left of ``&&``, ``-e`` is ignored inside them (dash, busybox sh and
      bash agree), so ``x`` failing would no longer stop the build.

Options
    ``max_lines`` (int, default 30): the longest merged RUN, in lines.
    ``all_stages`` (bool, default false): merge in builder stages too.

See also
    hadolint DL3059 (multiple consecutive RUN instructions).
"""

from __future__ import annotations

import re

from dockeropt import shell
from dockeropt.cst import Dockerfile, Instruction, Run, ShellForm
from dockeropt.model import State, build_of, replaces_shell, shell_state
from dockeropt.record import record
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, Style, finding, per_script, per_tree, script_of, shell_form, style_of
from dockeropt.transforms.manifests_first import ManifestsFirst, keeps_apart

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import TypeGuard

MAX_LINES = 30
_LAST_ARGUMENT = re.compile(r"\$\{?_(?![A-Za-z0-9_])")
# connectors that keep a pipeline inside one and-or list of ``&&``s
_CHAINING = frozenset({"&&", "|", "|&"})
_LIST_SEPARATORS = frozenset({";", "&", "\n"})
_REASONS = {"trailing-comment": "it ends with a shell comment, which would swallow '&& ...'"}


@record(frozen=True, slots=True)
class ShellInfo:
    """The shell a stage's RUNs run in, as far as merging cares."""

    posix: bool
    errexit: bool = False  # -e: a failing command ends the script


UNKNOWN_SHELL = ShellInfo(posix=False)
_POSIX = {errexit: ShellInfo(posix=True, errexit=errexit) for errexit in (False, True)}  # shared: one per kind


@record(frozen=True, slots=True)
class Link:
    """How a RUN joins the RUN above it: braced or not, or why it cannot."""

    refusal: str | None = None
    wrap: bool = False  # the second text goes in ``{ ...; }``
    close: str = "; }"


class MergeRun:
    __doc__ = __doc__  # the module docstring is the rule's documentation

    code = "DO101"

    hadolint = ("DL3059",)  # the hadolint rules this corresponds to
    name = "merge-run"
    summary = "Merge adjacent RUN instructions into one RUN"
    instructions = frozenset({"RUN"})

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        max_lines = context.option(self.code, "max_lines", MAX_LINES)
        every_stage = context.option(self.code, "all_stages", False)
        build = build_of(tree)
        for stage in build.stages:
            if every_stage or stage.ships:
                entries = [(inst, info_of(build.state(inst))) for inst in stage.stage.instructions]
                yield from self._stage(tree, entries, max_lines)

    def _stage(
        self,
        tree: Dockerfile,
        entries: list[tuple[Instruction, ShellInfo]],
        max_lines: int,
    ) -> Iterator[Finding]:
        """Grow runs of RUNs while each joins the one above; a refusal or the size limit ends one."""
        group: list[Run] = []
        links: list[Link] = []
        lines = 0
        moved: str | None = None  # why the group's working directory is no longer the WORKDIR
        from dockeropt import transforms  # not above: the registry imports this module before it defines may_find

        planned = transforms.may_find(ManifestsFirst, tree)  # a COPY that DO102 plans around: see join
        for (before, _), (inst, info) in zip([(None, None), *entries], entries):
            link = join(tree, before, inst, info, links[-1].wrap, planned) if group else None
            if link is not None and link.refusal is None and moved and isinstance(inst, Run) and not cwd_independent(tree, inst):
                link = Link(moved)  # a cd leaks through the RUNs between
            size = inst.end_line - inst.line + 1
            if link is not None and link.refusal is None and isinstance(inst, Run):
                joined = size + sum(t.kind == "comment" for t in inst.leading)  # its comments move into the RUN
                if lines + joined <= max_lines:
                    group.append(inst)
                    links.append(link)
                    lines += joined
                    moved = moved or changes_directory(tree, inst)
                    continue
            if len(group) > 1:
                yield self._merge(tree, group, links)
            if link is not None and link.refusal is not None and before is not None:
                yield finding(self.code, f"not merged into the RUN on line {before.line}: {link.refusal}", inst)
            group, links, lines = ([inst], [Link()], size) if isinstance(inst, Run) else ([], [], 0)
            moved = changes_directory(tree, inst) if group else None
        if len(group) > 1:
            yield self._merge(tree, group, links)

    def _merge(self, tree: Dockerfile, group: list[Run], links: list[Link]) -> Finding:
        style, leading = style_of(tree), operators_lead(tree)  # read only where RUNs merge
        pairs = zip(group, group[1:], links, links[1:])
        edits = [join_edit(a, b, link_a, link_b, style, leading) for a, b, link_a, link_b in pairs]
        if links[-1].wrap:
            end = shell_form(group[-1]).end
            edits.append(Edit(end, end, links[-1].close))
        fewer = len(group) - 1
        message = f"{len(group)} adjacent RUN instructions can be one RUN ({fewer} layer{'s' * (fewer > 1)} fewer)"
        first = group[0]
        fix = Fix("Merge into one RUN", tuple(edits), Applicability.SAFE)
        return Finding(self.code, message, first.line, first.column, first.start, group[-1].end, fix)


# --- which shell ---------------------------------------------------------------------------


def info_of(state: State) -> ShellInfo:
    """The shell in force, as merging cares (from the build model): a shell that re-reads
    start-up files for each RUN counts as unknown."""
    shell_ = state.shell
    if not shell_.posix or shell_.rereads:
        return UNKNOWN_SHELL
    return _POSIX[shell_.errexit]


def shell_info(argv: tuple[str, ...] | None, bash_env: bool) -> ShellInfo:
    """Read a SHELL's argv (``dockeropt.model.shell_state``) as merging cares."""
    state = shell_state(argv, bash_env)
    if not state.posix or state.rereads:
        return UNKNOWN_SHELL
    return _POSIX[state.errexit]


# --- can two RUNs be one --------------------------------------------------------------------


def join(
    tree: Dockerfile, first: Instruction | None, second: Instruction, info: ShellInfo, first_wrapped: bool,
    planned: bool = True,
) -> Link | None:
    """How ``second`` joins ``first``: None when they are no merge candidates at all.

    Plan first, merge after: RUNs that DO102's plan of the stage keeps apart (their inputs
    differ, ``manifests_first.keeps_apart``) do not join. ``planned`` is False when DO102's
    triggers rule out any plan (no COPY to plan around), which spares asking."""
    if not (info.posix and is_plain_run(second) and is_plain_run(first)):
        return None
    if first.flags or second.flags:
        if [f.text for f in first.flags] != [f.text for f in second.flags]:
            return None
        if not all(mount_is_shared(f.value or "") for f in first.flags if f.name == "mount"):
            return None
    apart = keeps_apart(tree, first, second) if planned else None  # plan first, merge after
    if apart is not None:
        return Link(apart)
    before = script_of(first)
    if replaces_shell(first):
        return Link("it changes /bin/sh, and the next RUN would still run in the shell it replaced")
    cds = []
    for change in state_changes(before):
        if first_wrapped and change.kind == "trailing-separator":  # ``{ a; }`` ends with ``}``
            continue
        if _is_cd(before, change):  # harmless when the next RUN cannot tell where it starts
            cds.append(change)
            continue
        return Link(_REASONS.get(change.kind, change.reason))
    if cds and not cwd_independent(tree, second):
        return Link(cds[0].reason)
    if info.errexit and compound_ends(before):
        return Link("with -e in SHELL, -e would be ignored inside its last compound command")
    if info.errexit and first_wrapped and any(i.connector in _LIST_SEPARATORS for i in before.items):
        return Link("with -e in SHELL, -e would be ignored inside the braces it needs")
    return second_link(tree, second)


def changes_directory(tree: Dockerfile, run: Instruction) -> str | None:
    """Why a RUN leaves another working directory behind (a plain ``cd``), or None."""
    if not is_plain_run(run):
        return None
    script = script_of(run)
    if any(_is_cd(script, c) for c in state_changes(script)):
        return f"the RUN on line {run.line} changes the working directory ('cd'), and this RUN may depend on it"
    return None


def _is_cd(script: shell.Script, change: shell.StateChange) -> bool:
    """The change is a plain ``cd`` (not ``pushd``, not ``cd`` in a compound)."""
    if change.kind != "builtin" or change.command_index is None:
        return False
    return script.commands[change.command_index].name == "cd"


# Tools whose operands are package names: they read nothing of the working directory.
_BY_NAME = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper"})
# Tools whose operands are paths: they read the working directory only through relative ones.
_BY_PATH = frozenset({"rm", "mkdir", "ln", "chmod", "chown", "chgrp", "touch", "cp", "mv", "rmdir"})
_FIRST_NOT_PATH = frozenset({"chmod", "chown", "chgrp"})  # their first operand is a mode or owner
_LOCAL_PACKAGE = re.compile(r"\.(?:deb|rpm|apk)$")
_CWD_WORDS = re.compile(r"PWD|OLDPWD|pushd|popd|\bdirs\b|\$\(|`")


def cwd_independent(tree: Dockerfile, run: Run) -> bool:
    """The RUN does the same whatever directory it starts in: it starts with ``cd`` to a
    literal absolute path, or each of its commands is a package install by name or a file
    tool given only absolute paths, with absolute redirections."""
    script = script_of(run)
    if not script.ok or not script.commands or _CWD_WORDS.search(script.text):
        return False
    first = script.commands[0]
    argv = first.argv
    if (
        first.name == "cd"
        and len(argv) == 2
        and argv[1].startswith("/")
        and "$" not in argv[1]
        and (len(script.items) == 1 or script.items[0].connector == "&&")
        and first.context == ()
    ):
        return True
    for command in script.commands:
        for r in command.redirections:
            if r.op in ("<<", "<<-") or r.target is None:
                return False
            if not (r.target.value.startswith("/") or (r.op.endswith("&") and r.target.value.isdigit())):
                return False
        words = command.argv
        if not words:
            return False
        tool = words[0]
        operands = [w for w in words[1:] if not w.startswith("-")]
        if tool in _BY_NAME:
            if any(("/" in w and not w.startswith("/")) or (_LOCAL_PACKAGE.search(w) and not w.startswith("/")) for w in operands):
                return False
        elif tool in _BY_PATH:
            paths = operands[1:] if tool in _FIRST_NOT_PATH else operands
            if not paths or any(not w.startswith("/") for w in paths):
                return False
        else:
            return False
    return True


def is_plain_run(inst: Instruction | None) -> TypeGuard[Run]:
    """A RUN in shell form, without heredocs, whose lines hold nothing after the command."""
    if not isinstance(inst, Run) or not isinstance(inst.command, ShellForm) or inst.heredocs:
        return False
    return not inst.text[inst.command.end - inst.start :].strip()


def mount_is_shared(value: str) -> bool:
    """A mount the second RUN would see in the same state either way (no tmpfs, no rw bind)."""
    fields = dict(f.partition("=")[::2] for f in value.split(","))
    kind = fields.get("type", "bind")
    if kind == "tmpfs":
        return False
    if kind == "bind":
        writable = any(k in fields and fields[k] not in ("false", "0") for k in ("rw", "readwrite"))
        return not (writable or fields.get("ro", fields.get("readonly", "")) in ("false", "0"))
    return True


def compound_ends(script: shell.Script) -> bool:
    """True when the last and-or list of the script holds a compound command."""
    tail: list[shell.Command] = []
    for item in script.items:
        tail.append(item)
        if item.connector in _LIST_SEPARATORS:
            tail = []
    return any(item.kind != "simple" for item in tail)


@per_script
def state_changes(script: shell.Script) -> list[shell.StateChange]:
    """``shell.shell_state_changes`` of a RUN, which is asked as the second RUN of a pair
    and again as the first of the next."""
    return shell.shell_state_changes(script)


def second_link(tree: Dockerfile, second: Run) -> Link:
    """How a RUN's script goes after ``&&``: as written, braced, or not at all."""
    script = script_of(second)
    if not script.ok:
        return Link(f"this RUN's text cannot be read ({script.errors[0].message})")
    if not script.items:
        return Link("this RUN has no command")
    if any(c.kind == "background" for c in state_changes(script)):
        return Link("this RUN starts a background job")
    if _LAST_ARGUMENT.search(script.text):
        return Link("this RUN reads $_, the last argument of the command before it")
    if all(item.connector in _CHAINING for item in script.items[:-1]):
        return Link()
    if shell.trailing_comment(script) is not None:
        return Link("this RUN would need braces, and its trailing comment would swallow the closing one")
    last = shell.ends_with_operator(script)
    return Link(wrap=True, close=" }" if last is not None and last.value == ";" else "; }")


# --- the edit -------------------------------------------------------------------------------


def join_edit(first: Run, second: Run, first_link: Link, link: Link, style: Style, leading: bool) -> Edit:
    """Replace what lies between the two commands with a continuation and ``&&``."""
    close = first_link.close if first_link.wrap else ""
    comments = "".join(
        style.indent + t.text.lstrip(" \t") for t in second.leading if t.kind == "comment"
    )
    opening = "{ " if link.wrap else ""
    if leading:
        text = f"{close}{style.continuation}{comments}{style.indent}&& {opening}"
    else:
        text = f"{close} &&{style.continuation}{comments}{style.indent}{opening}"
    return Edit(shell_form(first).end, shell_form(second).start, text)


@per_tree
def operators_lead(tree: Dockerfile) -> bool:
    """True unless the file's RUNs mostly end lines with ``&& \\`` rather than start them with ``&&``."""
    lead = trail = 0
    for inst in tree.instructions:
        if not isinstance(inst, Run) or inst.heredocs:
            continue
        for line in inst.text.splitlines():
            body = line.strip()
            lead += body.startswith(("&&", "||"))
            if body.endswith(tree.escape):
                trail += body[:-1].rstrip().endswith(("&&", "||"))
    return trail <= lead
