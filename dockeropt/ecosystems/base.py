"""What an ecosystem module declares (``Ecosystem``, ``Cache``) and the helpers its rules share.

An ``Ecosystem`` is one install tool's facts: the programs that run it, ``read`` (which files
a command of it reads, from the command alone: ``dockeropt.shell.dependency_installs``), and
what DO102 manifests-first needs to copy its manifests before the sources (what the install
writes into the project folder, which files' presence means it reads more, ``check`` against
the build context). A ``Cache`` is a download cache an install fills: where it is, what moves
or empties it (DO102's clean-up, DO204, DO205, DO207).

Their patterns are strings, which ``re`` compiles the first time a check uses one: most runs
never do, and compiling them all would cost about as much as loading the modules. They load
when a rule that reads installs loads (DO102, DO204, DO205, DO207), or at the first
``dockeropt.shell.dependency_installs``; not on a run that needs none of them.
"""

from __future__ import annotations

import json

from dockeropt.record import record
from dockeropt.shell.installs import is_local_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from dockeropt.buildcontext import BuildContext
    from dockeropt.cst import Dockerfile, Run
    from dockeropt.model import Build
    from dockeropt.shell.nodes import DependencyInstall, Invocation


class Refused(Exception):
    """The rewrite could change the image; the message says why."""


@record(frozen=True, slots=True)
class Verdict:
    """What an ecosystem's ``read`` decided about one command; completed into a DependencyInstall."""

    ecosystem: str
    manifests: tuple[str, ...] = ()
    config_files: tuple[str, ...] = ()
    from_manifests: bool = True
    needs_sources: bool = False
    reason: str = "reads only the dependency manifests"
    caveats: tuple[str, ...] = ()


@record(frozen=True, slots=True)
class Site:
    """Where an install runs, for an ecosystem's ``check`` against the build context."""

    files: BuildContext
    build: Build
    run: Run  # the RUN that installs
    #: The commands DO102's split leaves after the sources, before the cache clean-up it moves
    #: to the install (empty when none moves), as invocations: they must not fill that cache again.
    before_cleanup: tuple[Invocation | None, ...] = ()


@record(frozen=True, slots=True)
class Cache:
    """A download cache an install fills, in root's home unless a variable moves it."""

    name: str
    tool: str  # the program whose installs fill it (as ``dockeropt.shell.invocation`` names it)
    fillers: frozenset[str]  # the programs whose commands fill it
    paths: tuple[str, ...] = ()  # where it is for root; a cache mount targets the first
    installs: frozenset[str | None] = frozenset()  # the subcommands of ``tool`` that fill it
    moved_by: tuple[tuple[str, str], ...] = ()  # (variable, suffix): the cache is the value + suffix
    disabled_by: tuple[str, ...] = ()  # variables that turn it off
    own_cache: tuple[str, ...] = ()  # options that pick a cache for the command
    names: tuple[str, ...] = ()  # what a cache mount holding it is likely called
    copied_name: str = ""  # the folder a COPY --from of the cache names
    clean: str = ""  # the command that empties it after the install (DO205)
    clean_safe: Callable[[Dockerfile, BuildContext | None], bool] | None = None  # (tree, files): cleaning cannot break
    no_cache_option: str = ""  # the install option that keeps no cache (DO204)
    fragments: tuple[str, ...] = ()  # text in a RUN that means it handles the cache itself
    folder_text: str = ""  # text in a RUN that names the cache folder (an ``rm`` of it)
    cleanups: tuple[tuple[str, str], ...] = ()  # (tool, subcommand) that empty it
    cleanup_verbs: tuple[str, ...] = ()  # the first operand those need (empty: any)
    removed: str = ""  # a pattern of the paths whose ``rm`` empties it (``re.match``)
    command: tuple[str, str] | None = None  # (tool, subcommand) that reads and writes only the cache

    def folders(self, env: dict[str, str]) -> list[str]:
        """Where the cache is for root, as far as the image's variables tell."""
        return [*self.paths, *(env[v].rstrip("/") + suffix for v, suffix in self.moved_by if env.get(v))]

    def settings(self) -> tuple[str, ...]:
        """The variables that move or turn off the cache."""
        return (*self.disabled_by, *(v for v, _ in self.moved_by))


@record(frozen=True, slots=True)
class NamedInstall:
    """A program's install of packages by name, outside the project (``pip install NAME``,
    ``npm install -g NAME``): DO102 may move it above the full-source COPY."""

    tool: str
    installs: Callable[[Invocation], bool]  # the command installs packages, by name or not
    by_name: Callable[[Invocation], bool]  # ... by name, reading nothing of the project folder
    reads: tuple[str, ...] = ()  # files of the working directory it reads when present (globs)


@record(frozen=True, slots=True)
class Ecosystem:
    """One install tool's facts: what its installs read and write."""

    name: str  # ``DependencyInstall.ecosystem``
    tools: tuple[str, ...]  # the programs that run it
    read: Callable[[Invocation], Verdict | None]  # which files the command reads, or None: not an install
    example: str = ""  # a command of it that installs from the manifests alone (tests and docs run it)
    #: What the install writes into the project folder: if the build context has it too, the
    #: full copy after the install would lay the host's copy over the installed one.
    outputs: tuple[str, ...] = ()
    extra_config: tuple[str, ...] = ()  # further files the install reads when present
    refuse_present: tuple[str, ...] = ()  # files whose presence means it reads more than the manifests
    guess: tuple[str, ...] | None = None  # the conventional manifests, listed without a build context
    unsupported: str = ""  # why DO102 never splits it (empty: it may)
    #: (install, invocation, files listed, site) -> (more files to copy, why the split is only
    #: unsafe or None); raises Refused when the build context shows the split may change the image.
    check: Callable[[DependencyInstall, Invocation, list[str], Site], tuple[list[str], str | None]] | None = None
    cache: Cache | None = None  # the cache its install fills, for DO102's clean-up
    #: Flags without which the install reads the sources only through its scripts and
    #: autoloader: DO102 adds them before the sources and runs ``after_sources`` after them.
    split_flags: tuple[str, ...] = ()
    after_sources: Callable[[Invocation, BuildContext | None], str] | None = None
    subfolder_manifests: bool = False  # its manifests are files the command names, in any folder
    removing: tuple[tuple[str, str], ...] = ()  # (tool, subcommand) that remove files
    named: tuple[NamedInstall, ...] = ()  # its programs' installs by name


def in_dir(directory: str | None, files: Iterable[str]) -> tuple[str, ...]:
    """``files`` in the project folder ``directory`` (None or ``.``: the working directory)."""
    if directory in (None, "", ".", "./"):
        return tuple(files)
    return tuple(directory.rstrip("/") + "/" + f for f in files)


def explicit(ecosystem: str, operands: Sequence[str]) -> Verdict:
    """An install of named packages (or of a local path, which needs the sources)."""
    local = [o for o in operands if is_local_path(o)]
    if local:
        return Verdict(ecosystem, from_manifests=False, needs_sources=True,
                       reason=f"installs the local path {local[0]!r}, which needs the sources")
    return Verdict(ecosystem, from_manifests=False,
                   reason="installs explicitly named packages, not from manifests")


def need(files: BuildContext, name: str, listed: list[str]) -> str:
    """The text of a manifest the check reads; refused when the context does not hold it."""
    if name not in listed:
        raise Refused(f"{name} is not in the build context")
    return files.read(name)


def json_object(files: BuildContext, name: str, listed: list[str]) -> dict:
    """A JSON manifest (``package.json``, ``composer.json``) as an object."""
    try:
        data = json.loads(need(files, name, listed))
    except ValueError:
        raise Refused(f"{name} is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refused(f"{name} is not an object")
    return data
