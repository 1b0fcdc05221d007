"""DO206 rpm-cache: run yum, dnf and zypper non-interactively and clean their caches.

What it does
    - ``yum``/``dnf`` commands that ask for confirmation (``install``, ``update``,
      ``remove``...) without ``-y``: adds ``-y`` after the subcommand.
    - ``zypper`` commands that ask (``install``, ``update``, ``remove``...) without
      ``--non-interactive`` (or ``-n``, or the command's ``-y``/``--no-confirm``): adds
      ``--non-interactive`` after ``zypper``, where zypper's global options go.
    - A RUN that installs or updates with ``yum``, ``dnf``, ``microdnf`` or ``zypper``
      and does not clean up: appends ``&& yum clean all`` (``dnf clean all``,
      ``microdnf clean all``, ``zypper clean --all``), with the tool the RUN uses.

Why
    A build has no terminal: "Is this ok [y/N]" reads end of input and the build fails.
    The metadata and downloaded packages these tools keep in ``/var/cache/yum``,
    ``/var/cache/dnf`` or ``/var/cache/zypp`` weigh tens to hundreds of megabytes and
    stay in the layer unless removed by the same RUN.

Example
    ::

        RUN dnf install httpd

    becomes::

        RUN dnf install -y httpd && dnf clean all

Fix safety
    ``-y`` and ``--non-interactive``: safe for installs and updates, for the reason
    DO202 gives for apt-get: a build that passed never reached the prompt, one that
    reached it failed. Unsafe for ``remove``/``erase``/``autoremove`` (zypper
    ``remove``), whose prompt lists the other packages it takes away.
    ``microdnf`` never asks and is left alone.

    ``clean all``: safe. It runs after the RUN's commands succeeded and removes only the
    tool's caches; a later ``install`` downloads the metadata again by itself. The rule
    makes sure no later RUN of the image reads the cache alone (``-C``,
    ``--cacheonly``, zypper ``--no-refresh``).

    A RUN that cleans twice (two merged RUNs each did), or leaves ``yum clean all`` in
    the middle of its chain with an install after it and none at the end: one
    cleanup, after the last download. Safe: the commands between find the metadata
    the same RUN downloaded moments before instead of downloading it again, and the
    layer ends as the last cleanup leaves it. Not when a command between reads the
    cache alone, or the cleanups differ (``clean metadata``, then ``clean all``).

When it refuses
    - ``-y``: the command has ``-y``, ``--assumeyes`` or ``--setopt=assumeyes=...``, or
      a RUN writes ``assumeyes`` into ``/etc``;
    - cleaning: a ``--mount=type=cache`` of the RUN holds the cache (``/var/cache/dnf``,
      ``/var/cache/yum``, ``/var/cache/libdnf5``, ``/var/cache/zypp`` or a folder above
      them, or a target named after them): cleaning would empty the mount. The RUN
      already cleans (``clean``, or it mentions the cache folder), or keeps the cache
      on purpose (``keepcache``);
    - cleaning gets no fix through ``sudo``/``doas`` or a non-root ``USER``, or when the
      RUN ends in a background job;
    - ``-y`` findings are reported in every stage (a prompt fails any build); cleaning
      only where the stage ships (see below).

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
    hadolint DL3032 (``yum clean all``), DL3038 (``dnf -y``), DL3040 (``dnf clean all``),
    DL3041 (pin dnf versions), DL3030/DL3034/DL3036/DL3037 (zypper), DL3033 (pin yum).
"""

from __future__ import annotations

from dockeropt import shell
from dockeropt.cst import Dockerfile, Run
from dockeropt.transforms import _packages as pk
from dockeropt.transforms.base import Applicability, Context, Finding, Fix, Style, style_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

_YUM = ("yum", "dnf", "microdnf")
_ASKS = frozenset({"install", "reinstall", "groupinstall", "localinstall", "update", "upgrade", "downgrade",
                   "distro-sync", "dsync", "group", "groups", "builddep", "swap", "upgrade-minimal", "update-minimal"})
_ASKS_TO_REMOVE = frozenset({"remove", "erase", "autoremove", "groupremove", "rm"})
_ZYPPER_ASKS = frozenset({"install", "in", "update", "up", "patch", "dist-upgrade", "dup", "source-install", "si"})
_ZYPPER_ASKS_TO_REMOVE = frozenset({"remove", "rm"})
_DOWNLOADS = _ASKS | _ZYPPER_ASKS | {"makecache", "refresh", "ref"}
CACHES = ("/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/zypp")
_CACHE_NAMES = ("yum", "dnf", "libdnf5", "zypp")
_OFFLINE = ("-C", "--cacheonly", "--no-refresh")


class RpmCache:
    __doc__ = __doc__

    code = "DO206"

    hadolint = ("DL3030", "DL3032", "DL3034", "DL3036", "DL3038", "DL3040")  # the hadolint rules this corresponds to
    name = "rpm-cache"
    summary = "Run yum, dnf and zypper non-interactively and clean their caches"
    instructions = frozenset({"RUN"})
    words = ("yum", "dnf", "zypper")

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        style = style_of(tree)
        writes = " ".join(i.text for i in tree.instructions if isinstance(i, Run) and "/etc/" in i.text).lower()
        assume_yes = "assumeyes" in writes
        for srun in pk.shell_runs(tree):
            tools = srun.invocations(*_YUM, "zypper")
            for inv in tools:
                if inv.tool == "zypper":
                    yield from self._zypper(tree, srun, inv)
                elif inv.tool != "microdnf" and not assume_yes:
                    yield from self._yes(tree, srun, inv)
            if not srun.ships and not pk.wide(context, self.code):
                continue  # the caches of a builder stage do not reach the image
            for family in ("dnf", "zypper"):
                finding = self._clean(tree, srun, [i for i in tools if _family(i.tool) == family], style)
                if finding is not None:
                    yield finding

    def _yes(self, tree: Dockerfile, srun: pk.ShellRun, inv: shell.Invocation) -> Iterator[Finding]:
        if inv.subcommand not in _ASKS | _ASKS_TO_REMOVE or inv.has_flag("-y", "--assumeyes"):
            return
        if any("assumeyes" in v for v in inv.values("--setopt")):
            return
        verb = pk.verb(inv)
        tier = Applicability.UNSAFE if inv.subcommand in _ASKS_TO_REMOVE else Applicability.SAFE
        fix = Fix("Add -y", (pk.insert_after(srun, verb, " -y"),), tier)
        message = f"{inv.tool} {inv.subcommand} without -y aborts at its prompt in a build"
        yield pk.command_finding(self.code, message, tree, srun, inv.command, fix)

    def _zypper(self, tree: Dockerfile, srun: pk.ShellRun, inv: shell.Invocation) -> Iterator[Finding]:
        asks = _ZYPPER_ASKS | _ZYPPER_ASKS_TO_REMOVE
        if inv.subcommand not in asks or inv.has_flag("-n", "--non-interactive", "-y", "--no-confirm"):
            return
        tier = Applicability.UNSAFE if inv.subcommand in _ZYPPER_ASKS_TO_REMOVE else Applicability.SAFE
        fix = Fix("Add --non-interactive", (pk.insert_after(srun, inv.program, " --non-interactive"),), tier)
        message = f"zypper {inv.subcommand} without --non-interactive aborts at its prompt in a build"
        yield pk.command_finding(self.code, message, tree, srun, inv.command, fix)

    def _clean(
        self, tree: Dockerfile, srun: pk.ShellRun, tools: list[shell.Invocation], style: Style
    ) -> Finding | None:
        """One tool family's cache (yum, dnf and microdnf share theirs on current systems)."""
        downloads = [i for i in tools if i.subcommand in _DOWNLOADS]
        if not downloads or pk.served(srun.run, CACHES, _CACHE_NAMES):
            return None
        if any(c in srun.text for c in CACHES) or "keepcache" in srun.text:
            return None
        cleans = [i for i in tools if i.subcommand == "clean"]
        if cleans:
            return self._placement(tree, srun, tools, cleans, style)
        last = downloads[-1]
        clean = f"{last.tool} clean --all" if last.tool == "zypper" else f"{last.tool} clean all"
        fix = None
        if pk.may_delete(tree, srun, tools) and not reads_cache_later(tree, srun):
            edit = pk.append_command(tree, srun, clean, style)
            fix = Fix(f"Append && {clean}", (edit,), Applicability.SAFE) if edit else None
        message = f"{last.tool} {last.subcommand} leaves its metadata and packages in /var/cache: {clean} in this RUN"
        return pk.command_finding(self.code, message, tree, srun, last.command, fix)


    def _placement(
        self, tree: Dockerfile, srun: pk.ShellRun, tools: list[shell.Invocation], cleans: list[shell.Invocation],
        style: Style,
    ) -> Finding | None:
        """The RUN cleans twice (two merged RUNs did), or before the tool downloads again."""
        by_index = {i.command.index: i for i in tools}
        cleaning = {i.command.index for i in cleans}
        downloading = {k for k, i in by_index.items() if i.subcommand in _DOWNLOADS}

        def offline(between: Sequence[shell.SimpleCommand]) -> bool:
            return any(c.index in by_index and by_index[c.index].has_flag(*_OFFLINE) for c in between)

        placed = pk.misplaced_cleanups(
            tree, srun, style, lambda c: c.index in cleaning, lambda c: c.index in downloading, offline,
            may_clean_end=pk.may_delete(tree, srun, tools) and not reads_cache_later(tree, srun),
        )
        if placed is None:
            return None
        message, fix = placed
        return pk.command_finding(self.code, message, tree, srun, cleans[-1].command, fix)


def _family(tool: str) -> str:
    return "zypper" if tool == "zypper" else "dnf"


def reads_cache_later(tree: Dockerfile, srun: pk.ShellRun) -> bool:
    if any(pk.unreadable_later_run_mentions(tree, srun, tool) for tool in (*_YUM, "zypper")):
        return True
    return any(
        i.has_flag(*_OFFLINE) for later in pk.later_runs(tree, srun) for i in later.invocations(*_YUM, "zypper")
    )
