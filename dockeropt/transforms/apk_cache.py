"""DO203 apk-cache: install Alpine packages with ``apk add --no-cache``.

What it does
    - ``apk add`` without ``--no-cache`` in a RUN that does not clean ``/var/cache/apk``:
      adds ``--no-cache`` after ``add``.
    - ``apk update && apk add ... [&& rm -rf /var/cache/apk/*]`` as a plain ``&&`` chain:
      drops the update and the removal and adds ``--no-cache`` to the adds, which is the
      same thing written once.
    - ``apk update`` in any other RUN that does not clean the cache: appends
      ``&& rm -rf /var/cache/apk/*``.
    - ``rm -rf /var/cache/apk/*`` twice in one RUN (two merged RUNs each had it), or
      only before apk fetches an index again: one removal, at the end of the chain.

Why
    ``apk add`` and ``apk update`` keep the repository index (``APKINDEX.*.tar.gz``, a
    few megabytes per repository) in ``/var/cache/apk``, where it stays in the layer.
    With ``--no-cache`` apk fetches the index into memory and writes no cache at all.

Example
    ::

        RUN apk update && apk add curl && rm -rf /var/cache/apk/*
        RUN apk add git

    becomes::

        RUN apk add --no-cache curl
        RUN apk add --no-cache git

Fix safety
    Safe. ``--no-cache`` installs the same packages; only the index's freshness can
    differ. Without it, ``apk add`` reuses a cached index when one is there and younger
    than its cache age, else fetches it; with it, apk always fetches it. The only cached
    index an ``apk add`` could find comes from an earlier layer (official Alpine images
    ship none), and using a fresh index is what ``apk add`` does whenever that one is
    old. A later ``apk add`` finds no index either way and fetches one, as apk does by
    itself. ``--no-cache`` also stops the package cache that ``/etc/apk/cache`` turns on,
    which only a cache mount makes worth keeping (and then the rule stays away).

    The rewrite of ``apk update && apk add && rm`` gives the same layer: the update's
    index and the removal both go. It is only done on a plain ``&&`` chain holding one
    ``apk update`` without options, ``apk add`` commands and at most a plain
    ``rm -rf /var/cache/apk/*``, and not when a comment line sits in a deleted range.
    The update and the removal go with their ``&&``, wherever they are in the chain and
    however its lines are laid out, so the rest reads as a chain of the other commands
    (a RUN merged by DO101 first included).

    One removal instead of several: safe. The last one is kept; an earlier one goes only
    when the first ``apk`` after it is ``apk update`` (or has ``-U``/``--no-cache``).

When it refuses
    - a ``--mount=type=cache`` of the RUN holds ``/var/cache/apk`` or ``/etc/apk/cache``:
      the cache is meant to be kept there;
    - the RUN mentions ``/var/cache/apk`` or ``/etc/apk/cache`` other than in the plain
      removal (it manages the cache itself);
    - the RUN has ``--network=none``, or ``apk add --no-network``: there is no index to
      fetch;
    - the update runs through ``sudo``/``doas`` or as a ``USER`` other than root (the
      removal gets no fix), or the RUN ends in a background job;
    - the base is Alpine before 3.3 (``alpine:3.2``, ``dockeropt.releases``): its apk has
      no ``--no-cache`` (the finding says so, without a fix), and it does not fetch a
      missing index by itself, so ``apk update`` keeps its index when a later RUN (or an
      ONBUILD trigger) runs apk without an update of its own.

    Exec-form and heredoc RUNs, RUNs whose shell is not POSIX (a ``SHELL`` that is not
    sh/bash/dash/ash/ksh with ``-c``, or cmd on a Windows base without such a ``SHELL``;
    ``dockeropt.model`` says which), and RUN text the shell reader cannot read are left
    alone.

    Cache findings only in stages whose layers reach the final image (the last stage and
    the stages it is built ``FROM``): a cache left in a builder stage costs nothing that
    ships. The ``all_stages`` option reports them everywhere.

Options
    ``all_stages`` (bool, default false): report cache findings in stages that do not
    ship too.

See also
    hadolint DL3019 (use ``--no-cache``). DO207 cache-mounts.
"""

from __future__ import annotations

from dockeropt import shell
from dockeropt.cst import Dockerfile
from dockeropt.transforms import _packages as pk
from dockeropt.transforms.base import Applicability, Context, Finding, Fix, Style, style_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

CACHE = "/var/cache/apk"
REMOVE = "rm -rf /var/cache/apk/*"
_CACHE_PATHS = (CACHE, "/etc/apk/cache")
_RM_FLAGS = frozenset({"-rf", "-fr", "-r", "-f", "-R", "-Rf", "-fR"})


class ApkCache:
    __doc__ = __doc__

    code = "DO203"

    hadolint = ("DL3019",)  # the hadolint rules this corresponds to
    name = "apk-cache"
    summary = "Install Alpine packages with apk add --no-cache"
    instructions = frozenset({"RUN"})
    words = ("apk",)

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        style = style_of(tree)
        for srun in pk.hygiene_runs(tree, context, self.code):
            apks = srun.invocations("apk")
            if not apks or pk.served(srun.run, _CACHE_PATHS) or pk.network_none(srun.run):
                continue
            removals = [c for c in srun.script.commands if is_removal(c)]
            mentions = srun.text.count(CACHE) + srun.text.count("/etc/apk/cache")
            if mentions > len(removals):
                continue
            updates = [i for i in apks if i.subcommand == "update"]
            adds = [i for i in apks if i.subcommand == "add" and not i.has_flag("--no-cache", "--no-network")]
            if updates:
                yield from self._update(tree, srun, apks, updates, removals, style)
            elif removals:
                yield from self._placement(tree, srun, style)
            else:
                old = pk.lacks(tree, srun, "apk", "--no-cache")
                for inv in adds:
                    verb = pk.verb(inv)
                    fix: Fix | None = Fix("Add --no-cache", (pk.insert_after(srun, verb, " --no-cache"),), Applicability.SAFE)
                    message = "apk add without --no-cache leaves the package index in /var/cache/apk"
                    if old:
                        fix, message = None, f"{message}; not fixed: {old}"
                    yield pk.command_finding(self.code, message, tree, srun, inv.command, fix)

    def _placement(self, tree: Dockerfile, srun: pk.ShellRun, style: Style) -> Iterator[Finding]:
        """The RUN removes the index twice (two merged RUNs did), or before apk runs again."""
        placed = pk.misplaced_cleanups(
            tree, srun, style, is_removal, writes_index, reads_index_first,
            may_clean_end=pk.may_delete(tree, srun, srun.invocations("apk"))
            and not (pk.lacks(tree, srun, "apk", "--no-cache") and index_read_later(tree, srun)),
        )
        if placed is not None:
            message, fix = placed
            last = [c for c in srun.script.commands if is_removal(c)][-1]
            yield pk.command_finding(self.code, message, tree, srun, last, fix)

    def _update(
        self,
        tree: Dockerfile,
        srun: pk.ShellRun,
        apks: list[shell.Invocation],
        updates: list[shell.Invocation],
        removals: list[shell.SimpleCommand],
        style: Style,
    ) -> Iterator[Finding]:
        update = updates[0]
        old = pk.lacks(tree, srun, "apk", "--no-cache")
        fix = None if old else mechanical(tree, srun, apks, removals)
        if fix is not None:
            yield pk.command_finding(
                self.code, "apk update and apk add: apk add --no-cache does both and keeps no cache",
                tree, srun, update.command, fix,
            )
            return
        if removals:
            yield from self._placement(tree, srun, style)
            return
        message = "apk update leaves the package index in /var/cache/apk: remove it in this RUN"
        if old and index_read_later(tree, srun):
            # an apk that predates --no-cache does not fetch a missing index by itself
            message = f"{message}; not fixed: a later RUN installs from it, and {old}"
        elif pk.may_delete(tree, srun, apks):
            edit = pk.append_command(tree, srun, REMOVE, style)
            fix = Fix(f"Append && {REMOVE}", (edit,), Applicability.SAFE) if edit else None
        yield pk.command_finding(self.code, message, tree, srun, update.command, fix)


def writes_index(command: shell.SimpleCommand) -> bool:
    """``apk update``, or an ``apk`` that may fetch the index into the cache."""
    inv = shell.invocation(command) if shell.tool_of(command) == "apk" else None
    return inv is not None and inv.subcommand != "del" and not inv.has_flag("--no-cache")


def reads_index_first(commands: Sequence[shell.SimpleCommand]) -> bool:
    """An ``apk`` among the commands may use a cached index before an update of its own."""
    for command in commands:
        inv = shell.invocation(command) if shell.tool_of(command) == "apk" else None
        if inv is None:
            continue
        if inv.subcommand == "update" or inv.has_flag("--update-cache", "-U"):
            return False
        if not inv.has_flag("--no-cache"):
            return True
    return False


def index_read_later(tree: Dockerfile, srun: pk.ShellRun) -> bool:
    """A later RUN on this layer runs apk before an ``apk update`` of its own."""
    if pk.unreadable_later_run_mentions(tree, srun, "apk"):
        return True
    for later in pk.later_runs(tree, srun):
        apks = later.invocations("apk")
        if apks and apks[0].subcommand != "update" and not apks[0].has_flag("--update-cache", "-U"):
            return True
    return False


def is_removal(command: shell.SimpleCommand) -> bool:
    """``rm -rf /var/cache/apk/*``, as written by hand in countless Dockerfiles."""
    argv = command.argv
    return (
        len(argv) >= 3
        and argv[0] == "rm"
        and all(a in _RM_FLAGS for a in argv[1:-1])
        and "r" in "".join(argv[1:-1]).lower()
        and argv[-1].rstrip("*").rstrip("/") == CACHE
    )


def mechanical(
    tree: Dockerfile, srun: pk.ShellRun, apks: list[shell.Invocation], removals: list[shell.SimpleCommand]
) -> Fix | None:
    """``apk update && apk add x [&& rm -rf /var/cache/apk/*]`` -> ``apk add --no-cache x``."""
    updates = [i for i in apks if i.subcommand == "update"]
    adds = [i for i in apks if i.subcommand == "add"]
    if len(updates) != 1 or not adds or len(adds) + 1 != len(apks) or len(removals) > 1:
        return None
    update = updates[0]
    if update.options or update.operands or update.wrappers or update.command.assignments:
        return None
    if any(i.start < update.start or i.has_flag("--no-network") for i in adds):
        return None
    if removals and removals[0].index < update.command.index:
        return None
    edits = pk.delete_chain_elements(tree, srun, [update.command.index, *(r.index for r in removals)])
    if edits is None:
        return None
    for inv in adds:
        if not inv.has_flag("--no-cache"):
            edits.append(pk.insert_after(srun, pk.verb(inv), " --no-cache"))
    return Fix("Use apk add --no-cache", tuple(edits), Applicability.SAFE)
