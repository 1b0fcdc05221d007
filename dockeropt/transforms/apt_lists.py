"""DO201 apt-lists: remove apt's package lists in the RUN that downloads them.

What it does
    Finds RUNs that run ``apt-get update`` (or ``apt update``) and leave the package
    lists it downloads in ``/var/lib/apt/lists``, and appends
    ``&& rm -rf /var/lib/apt/lists/*`` to the RUN.

    Also finds an ``apt-get install`` (or another command that reads the lists:
    ``apt-get source``, ``apt-cache policy``...) whose RUN has no ``apt-get update``
    of its own while an earlier RUN of the image ran one: the lists it installs from
    are that earlier layer's.

    And a RUN that removes the lists more than once (two RUNs that each did, merged by
    DO101), or only before apt runs again: one ``rm -rf /var/lib/apt/lists/*``, at the
    end of the chain.

Why
    The lists weigh tens of megabytes and are useless once the packages are installed;
    every container that needs them runs ``apt-get update`` first. Deleted in a later
    RUN they still cost their bytes, since the earlier layer keeps them: the removal
    must be in the same RUN.

    An update in its own RUN is cached with that RUN's text, so a rebuild that changes
    the install reuses lists that may be weeks old: the install then fails on package
    versions the mirror no longer has, or silently installs old ones.

Example
    ::

        RUN apt-get update && apt-get install -y --no-install-recommends curl

    becomes::

        RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*

    A RUN on several lines gets a continuation line laid out like its others.

Fix safety
    Safe. The removal runs only when the RUN's commands succeeded (``&&`` after its
    last command), removes only the indexes ``apt-get update`` writes, and leaves
    installed packages and ``/var/lib/dpkg`` alone. The rule makes sure nothing after it
    reads those lists: no later RUN of the stage, nor of a stage built ``FROM`` it, nor
    an ``ONBUILD`` trigger (it runs in the next build, on this image's lists), runs
    without its own ``apt-get update`` first an apt command that reads the lists, a tool
    that runs apt itself (``aptitude``, ``gdebi``, ``mk-build-deps``, ``rosdep``,
    ``ansible-playbook``, ``puppet``, ``chef-solo``...), or a command that runs apt from
    its arguments (``eatmydata apt-get``, ``sh -c '...'``, ``bash -c``, ``su -c``). RUNs
    the rule cannot read count as readers when they mention apt or such a tool. The
    official Debian and Ubuntu images ship without lists, so a container that installs
    packages has to update first anyway.

    One removal instead of several: safe. The last removal, after the last apt command,
    is kept; an earlier one goes only when the first apt command after it is an
    ``apt-get update`` (what runs between finds fresh lists either way). Moved to the end
    only under the conditions of the removal itself (nothing later reads them).

    The stale-lists finding has no fix: the cure is one RUN for the update and the
    install, which DO101 merge-run does when the RUNs are adjacent.

When it refuses
    No finding when a ``--mount=type=cache`` of the RUN holds ``/var/lib/apt/lists``
    (``target=/var/lib/apt`` or ``/var/lib/apt/lists``): the lists live in the cache, not
    in the layer, and deleting them would empty the cache. No finding either when the
    RUN already mentions ``/var/lib/apt/lists`` (it removes them its own way, or moves
    them), or a later RUN uses the lists (that RUN gets the stale-lists finding).

    Cache findings only in stages whose layers reach the final image (the last stage and
    the stages it is built ``FROM``): lists left in a builder stage cost nothing that
    ships. The ``all_stages`` option reports them everywhere. The stale-lists finding is
    about the build, and is reported in every stage.

    A finding without a fix when the update runs through ``sudo``/``doas`` or a ``USER``
    other than root is in effect (a plain ``rm`` could not delete root's files), when
    the RUN ends in a background job (``&``), or when apt is pointed at another state
    directory (``-o Dir::...``). Exec-form and heredoc RUNs, RUNs whose shell is not
    POSIX (a non-POSIX ``SHELL``, or cmd on a Windows base without a POSIX ``SHELL``),
    and RUN text the shell reader cannot read are left alone.

Options
    ``all_stages`` (bool, default false): report in stages that do not ship too.

See also
    hadolint DL3009 (delete the apt-get lists after installing something). DO101
    merge-run, DO202 apt-flags, DO207 cache-mounts.
"""

from __future__ import annotations

import re

from dockeropt import model, shell
from dockeropt.cst import Dockerfile
from dockeropt.transforms import _packages as pk
from dockeropt.transforms.base import (
    Applicability,
    Context,
    Finding,
    Fix,
    Style,
    per_script,
    style_of,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

LISTS = "/var/lib/apt/lists"
REMOVE = "rm -rf /var/lib/apt/lists/*"
_APT = ("apt-get", "apt", "apt-cache")
# Subcommands that never read the package lists.
_LISTLESS = frozenset({"update", "clean", "autoclean", "remove", "purge", "autoremove", "autopurge"})
# Tools that install Debian packages through apt themselves, or may (configuration management).
_CALLS_APT = frozenset({
    "aptitude", "gdebi", "mk-build-deps", "rosdep", "ansible-playbook", "ansible", "puppet", "chef-solo",
    "chef-client", "salt-call", "apt-fast", "nala", "install_packages", "apt-install",
})
# apt named as a command in a word: ``sh -c 'apt-get install x'``, ``eatmydata apt-get``; or a
# tool above named in text the rules cannot read (not the ``apt`` of /var/lib/apt).
_READER = re.compile(
    r"(?:^|[\s;&|('\"`])(?:\S*/)?(?:apt-get|apt-cache|apt|" + "|".join(sorted(_CALLS_APT)).replace("-", "\\-") + r")(?=$|[\s;&|)'\"`])"
)


class AptLists:
    __doc__ = __doc__

    code = "DO201"

    hadolint = ("DL3009",)  # the hadolint rules this corresponds to
    name = "apt-lists"
    summary = "Remove apt's package lists in the RUN that downloads them"
    instructions = frozenset({"RUN"})
    words = ("apt",)  # apt, apt-get, apt-cache

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        style = style_of(tree)
        runs = list(pk.shell_runs(tree))
        every = pk.wide(context, self.code)
        for srun in runs:
            if pk.served(srun.run, [LISTS]):
                continue
            apts = srun.invocations(*_APT)
            reader = first_reader(apts)
            if reader is not None and updated_before(apts, reader) is None:
                line = earlier_update(tree, runs, srun)
                if line is not None:
                    message = (
                        f"{reader.tool} {reader.subcommand or ''} reads the package lists of the apt-get update "
                        f"on line {line}: a cached layer keeps them stale; update in this RUN"
                    )
                    yield pk.command_finding(self.code, message.replace("  ", " "), tree, srun, reader.command, None)
            updates = [i for i in apts if is_update(i)]
            if not updates or not (srun.ships or every):
                continue  # the lists of a builder stage do not reach the image
            if srun.mentions(LISTS):
                yield from self._placement(tree, srun, style)
                continue
            if lists_read_later(tree, srun):
                continue
            message = f"{updates[0].tool} update leaves the package lists in the layer: remove {LISTS}/* in this RUN"
            fix = self._fix(tree, srun, apts, style)
            yield pk.command_finding(self.code, message, tree, srun, updates[0].command, fix)

    def _placement(self, tree: Dockerfile, srun: pk.ShellRun, style: Style) -> Iterator[Finding]:
        """The RUN removes the lists twice (two merged RUNs did), or before apt runs again."""
        placed = pk.misplaced_cleanups(
            tree, srun, style, is_removal, uses_apt, reads_lists_first_of,
            may_clean_end=lambda: not lists_read_later(tree, srun) and pk.may_delete(tree, srun, srun.invocations(*_APT)),
        )
        if placed is not None:
            message, fix = placed
            last = [c for c in srun.script.commands if is_removal(c)][-1]
            yield pk.command_finding(self.code, message, tree, srun, last, fix)

    def _fix(self, tree: Dockerfile, srun: pk.ShellRun, apts: list[shell.Invocation], style: Style) -> Fix | None:
        if not pk.may_delete(tree, srun, apts):
            return None
        if any(v.startswith("Dir") for i in apts for v in i.values("-o", "--option")):
            return None
        edit = pk.append_command(tree, srun, REMOVE, style)
        return Fix(f"Append && {REMOVE}", (edit,), Applicability.SAFE) if edit else None


def is_update(inv: shell.Invocation) -> bool:
    return inv.tool != "apt-cache" and inv.subcommand == "update"


def first_reader(apts: list[shell.Invocation]) -> shell.Invocation | None:
    """The first apt command that reads the package lists."""
    return next((i for i in apts if i.tool == "apt-cache" or i.subcommand not in _LISTLESS), None)


def updated_before(apts: list[shell.Invocation], reader: shell.Invocation) -> shell.Invocation | None:
    return next((i for i in apts if is_update(i) and i.start < reader.start), None)


def is_removal(command: shell.SimpleCommand) -> bool:
    """``rm -rf /var/lib/apt/lists/*`` (or the folder itself), and nothing else."""
    argv = command.argv
    return (
        len(argv) >= 3 and argv[0] == "rm" and not command.redirections
        and all(a.startswith("-") and set(a[1:].lower()) <= set("rfv") for a in argv[1:-1])
        and "r" in "".join(argv[1:-1]).lower()
        and argv[-1].rstrip("*").rstrip("/") == LISTS
    )


def uses_apt(command: shell.SimpleCommand) -> bool:
    """Runs apt, or a tool that runs it (see ``reads_lists_first_of``)."""
    return shell.tool_of(command) in _APT or reads_lists_first_of([command])


def lists_read_later(tree: Dockerfile, srun: pk.ShellRun) -> bool:
    """Something that may run later on this layer reads the package lists: a later RUN
    of the stage or of a stage built FROM it, or an ONBUILD trigger (the next image's
    build installs from this one's lists)."""
    if any(_READER.search(text) for text in pk.unreadable_later_runs(tree, srun)):
        return True
    later = pk.later_runs(tree, srun)
    return any(reads_lists_first(r) for r in later if not pk.served(r.run, [LISTS]))


def reads_lists_first(srun: pk.ShellRun) -> bool:
    return _reads_lists_first(srun.script)


@per_script  # each RUN that updates asks it of every RUN after it
def _reads_lists_first(script: shell.Script) -> bool:
    return reads_lists_first_of(script.commands)


def reads_lists_first_of(commands: Sequence[shell.SimpleCommand]) -> bool:
    """The commands may read the lists before an ``apt-get update`` of their own: an apt command
    that reads them, a tool that calls apt itself (``aptitude``, ``gdebi``,
    ``mk-build-deps``, ``rosdep``, configuration management), or a command that runs apt
    from its arguments (``eatmydata apt-get``, ``sh -c '...'``, ``su -c``, ``chroot``)."""
    for command in commands:
        tool = shell.tool_of(command)
        if tool in _APT:
            inv = shell.invocation(command)
            if inv is not None and is_update(inv):
                return False
            if inv is None or inv.tool == "apt-cache" or inv.subcommand not in _LISTLESS:
                return True
        elif tool in _CALLS_APT or any(_READER.search(word) for word in command.argv[1:]):
            return True
    return False


def earlier_update(tree: Dockerfile, runs: list[pk.ShellRun], srun: pk.ShellRun) -> int | None:
    """The line of the last earlier RUN on this layer that left fresh lists behind."""
    chain = {s.index for s in model.build_of(tree).lineage(srun.stage)}
    line = None
    for other in runs:
        if other.run.start >= srun.run.start:
            break
        if other.stage.index not in chain or pk.served(other.run, [LISTS]):
            continue
        if other.mentions(LISTS):
            line = None
        elif any(is_update(i) for i in other.invocations(*_APT)):
            line = other.run.line
    return line
