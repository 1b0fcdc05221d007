"""DO202 apt-flags: run apt-get non-interactively, without recommended packages.

What it does
    Checks each ``apt-get`` (and ``apt``) command of a RUN for three things:

    - ``-y`` is missing on a subcommand that asks for confirmation (``install``,
      ``upgrade``, ``remove``...): adds ``-y`` after the subcommand;
    - ``apt`` is used instead of ``apt-get``: ``apt install`` becomes ``apt-get install``
      (for ``update``, ``install``, ``reinstall``, ``remove``, ``purge``, ``autoremove``;
      ``apt upgrade`` and ``apt list``/``search``/``show`` have no same-meaning
      ``apt-get`` spelling and get a finding only);
    - ``--no-install-recommends`` is missing on ``install``: adds it after ``install``.

Why
    A build has no terminal: when apt-get asks "Do you want to continue? [Y/n]" it reads
    end of input and aborts, failing the build. ``apt`` prints "apt does not have a stable
    CLI interface. Use with caution in scripts": it is the command for people, apt-get
    the one for scripts. Recommended packages are installed by default and often double
    an image's size with documentation, extra tools and libraries nobody asked for.

Example
    ::

        RUN apt update && apt install curl

    becomes, with ``--unsafe-fixes``::

        RUN apt-get update && apt-get install -y --no-install-recommends curl

Fix safety
    ``-y``: safe for ``install``, ``reinstall``, ``build-dep``, ``upgrade``,
    ``dist-upgrade`` and ``full-upgrade``. A build that passed without ``-y`` never
    reached a prompt, and ``-y`` changes nothing there; a build that reached one failed.
    The fix can only turn a failing build into the one the RUN asks for. ``-y`` still
    refuses what apt calls undesirable (held packages, essential packages, unauthenticated
    ones). Unsafe for ``remove``, ``purge``, ``autoremove``: there the prompt is where
    apt lists the other packages it would take away.

    ``apt`` to ``apt-get``: unsafe. The two share the solver, but ``apt`` deletes
    downloaded ``.deb`` files after installing (``Binary::apt::APT::Keep-Downloaded-
    Packages "false"``) and ``apt-get`` keeps them in ``/var/cache/apt/archives``
    unless the base image cleans them (Debian's and Ubuntu's official images do), so
    the switch can make a layer larger.

    ``--no-install-recommends``: unsafe. It can leave out a package the image needs at
    run time (``ca-certificates`` recommended by ``curl`` is the classic one); only a
    test of the running image can tell.

When it refuses
    - ``-y``: the command already says yes some way (``-y``, ``--yes``, ``--assume-yes``,
      ``-qq``, ``--force-yes``, ``-o APT::Get::Assume-Yes=true``), it reads its
      answers from a pipe (``yes | apt-get install``), or a RUN writes
      ``APT::Get::Assume-Yes`` into ``/etc/apt``;
    - ``--no-install-recommends``: the command has it or ``-o
      APT::Install-Recommends=...``, or a RUN writes ``APT::Install-Recommends`` into
      ``/etc/apt``.

    Exec-form and heredoc RUNs, RUNs whose shell is not POSIX (a ``SHELL`` that is not
    sh/bash/dash/ash/ksh with ``-c``, or cmd on a Windows base without such a ``SHELL``;
    ``dockeropt.model`` says which), and RUN text the shell reader cannot read are left
    alone.

See also
    hadolint DL3014 (use ``-y``), DL3015 (avoid additional packages), DL3027 (do not use
    ``apt``). DO201 apt-lists.
"""

from __future__ import annotations

from dockeropt import shell
from dockeropt.cst import Dockerfile, Run
from dockeropt.transforms import _packages as pk
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

_ASKS = frozenset({"install", "reinstall", "build-dep", "upgrade", "dist-upgrade", "full-upgrade"})
_ASKS_TO_REMOVE = frozenset({"remove", "purge", "autoremove", "autopurge"})
_YES = ("-y", "--yes", "--assume-yes", "--force-yes")
_QUIET_YES = ("-qq", "-q=2", "--quiet=2")  # quiet level 2 implies -y
# apt subcommands whose apt-get spelling does the same thing
_AS_APT_GET = frozenset({"update", "install", "reinstall", "remove", "purge", "autoremove"})


class AptFlags:
    __doc__ = __doc__

    code = "DO202"

    hadolint = ("DL3014", "DL3015", "DL3027")  # the hadolint rules this corresponds to
    name = "apt-flags"
    summary = "Run apt-get non-interactively, without recommended packages"
    instructions = frozenset({"RUN"})
    words = ("apt",)  # apt, apt-get, apt-cache

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        # apt configuration a RUN writes to /etc/apt applies to every later apt-get
        configured = " ".join(i.text for i in tree.instructions if isinstance(i, Run) and "/etc/apt" in i.text).lower()
        assume_yes = "apt::get::assume-yes" in configured
        recommends = "apt::install-recommends" in configured
        for srun in pk.shell_runs(tree):
            for inv in srun.invocations("apt-get", "apt"):
                verb = pk.subcommand_token(inv)
                if verb is None:
                    continue
                if inv.tool == "apt":
                    yield self._apt(tree, srun, inv)
                if inv.subcommand in _ASKS | _ASKS_TO_REMOVE and not says_yes(inv, srun) and not assume_yes:
                    tier = Applicability.SAFE if inv.subcommand in _ASKS else Applicability.UNSAFE
                    fix = Fix("Add -y", (pk.insert_after(srun, verb, " -y"),), tier)
                    message = f"{inv.tool} {inv.subcommand} without -y aborts at its prompt in a build"
                    yield pk.command_finding(self.code, message, tree, srun, inv.command, fix)
                if inv.subcommand == "install" and not recommends and not skips_recommends(inv):
                    edit = pk.insert_after(srun, after_yes(inv, verb), " --no-install-recommends")
                    fix = Fix("Add --no-install-recommends", (edit,), Applicability.UNSAFE)
                    message = f"{inv.tool} install without --no-install-recommends also installs recommended packages"
                    yield pk.command_finding(self.code, message, tree, srun, inv.command, fix)

    def _apt(self, tree: Dockerfile, srun: pk.ShellRun, inv: shell.Invocation) -> Finding:
        program = inv.program
        fix = None
        if inv.subcommand in _AS_APT_GET and program.text == program.value:  # unquoted: a plain swap
            at = srun.at(program.end, end=True)
            fix = Fix("Use apt-get", (Edit(at, at, "-get"),), Applicability.UNSAFE)
        message = f"apt {inv.subcommand} in a script: apt's command line is not stable, use apt-get"
        return pk.command_finding(self.code, message, tree, srun, inv.command, fix)


def says_yes(inv: shell.Invocation, srun: pk.ShellRun) -> bool:
    if inv.has_flag(*_YES) or any(o.text in _QUIET_YES for o in inv.options):
        return True
    if any("Assume-Yes" in v for v in inv.values("-o", "--option")):
        return True
    # ``yes | apt-get install``: the answers come from a pipe
    return any(c.connector in ("|", "|&") and c.index == inv.command.index - 1 for c in srun.script.commands)


def after_yes(inv: shell.Invocation, verb: shell.Token) -> shell.Token:
    """Where ``--no-install-recommends`` goes: after a ``-y`` that follows ``install``
    (it reads ``install -y --no-install-recommends``), else after ``install``."""
    words = inv.command.words
    index = words.index(verb)
    following = words[index + 1] if index + 1 < len(words) else None
    return following if following is not None and following.value in _YES else verb


def skips_recommends(inv: shell.Invocation) -> bool:
    return inv.has_flag("--no-install-recommends") or any(
        "Install-Recommends" in v for v in inv.values("-o", "--option")
    )
