"""DO203 apk-cache: install Alpine packages with ``apk add --no-cache``.

What it does
    - ``apk add`` without ``--no-cache`` in a RUN that does not clean ``/var/cache/apk``:
      adds ``--no-cache`` after ``add``.
    - ``apk update && apk add ... [&& rm -rf /var/cache/apk/*]`` as a plain ``&&`` chain:
      drops the update and the removal and adds ``--no-cache`` to the adds, which is the
      same thing written once.
    - ``apk update`` in any other RUN that does not clean the cache: appends
      ``&& rm -rf /var/cache/apk/*``.

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

When it refuses
    - a ``--mount=type=cache`` of the RUN holds ``/var/cache/apk`` or ``/etc/apk/cache``:
      the cache is meant to be kept there;
    - the RUN mentions ``/var/cache/apk`` or ``/etc/apk/cache`` other than in the plain
      removal (it manages the cache itself);
    - the RUN has ``--network=none``, or ``apk add --no-network``: there is no index to
      fetch;
    - the update runs through ``sudo``/``doas`` or as a ``USER`` other than root (the
      removal gets no fix), or the RUN ends in a background job.

    Exec-form and heredoc RUNs, RUNs under a non-POSIX ``SHELL``, and RUN text the shell
    reader cannot read are left alone.

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
    from collections.abc import Iterator

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

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        style = style_of(tree)
        for srun in pk.shell_runs(tree):
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
            elif not removals:
                for inv in adds:
                    verb = pk.verb(inv)
                    fix = Fix("Add --no-cache", (pk.insert_after(srun, verb, " --no-cache"),), Applicability.SAFE)
                    message = "apk add without --no-cache leaves the package index in /var/cache/apk"
                    yield pk.command_finding(self.code, message, tree, srun, inv.command, fix)

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
        fix = mechanical(tree, srun, apks, removals)
        if fix is not None:
            yield pk.command_finding(
                self.code, "apk update and apk add: apk add --no-cache does both and keeps no cache",
                tree, srun, update.command, fix,
            )
            return
        if removals:
            return
        if pk.may_delete(tree, srun, apks):
            edit = pk.append_command(tree, srun, REMOVE, style)
            fix = Fix(f"Append && {REMOVE}", (edit,), Applicability.SAFE) if edit else None
        message = "apk update leaves the package index in /var/cache/apk: remove it in this RUN"
        yield pk.command_finding(self.code, message, tree, srun, update.command, fix)


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
    edits = []
    for index in [update.command.index, *(r.index for r in removals)]:
        edit = pk.delete_chain_element(tree, srun, index)
        if edit is None:
            return None
        edits.append(edit)
    for inv in adds:
        if not inv.has_flag("--no-cache"):
            edits.append(pk.insert_after(srun, pk.verb(inv), " --no-cache"))
    return Fix("Use apk add --no-cache", tuple(edits), Applicability.SAFE)
