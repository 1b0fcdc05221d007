"""Dependency installs: which files each ecosystem's install reads from its project folder
(npm, yarn, pnpm, pip, uv, poetry, pipenv, go, bundler, composer, cargo, maven, gradle,
dotnet), as the ecosystem modules of ``dockeropt.ecosystems`` say."""

from __future__ import annotations

from dockeropt.ecosystems import BY_TOOL
from dockeropt.ecosystems.base import PACKAGE_FILE_SUFFIXES, is_local_path  # noqa: F401  (shell's API)
from dockeropt.record import replace
from dockeropt.shell.nodes import DependencyInstall, Script
from dockeropt.shell.parser import parse
from dockeropt.shell.tools import invocation


def dependency_installs(script: str | Script) -> list[DependencyInstall]:
    """The commands that install dependencies, with what they read.

    Recognises npm ``install``/``i``/``ci``, yarn (bare or ``install``), pnpm
    ``install``/``i``/``fetch``, ``pip install -r/-c`` (repeatable), uv
    ``sync`` and ``pip install``/``pip sync``, poetry ``install`` (``--no-root``
    decides whether the sources are needed), pipenv ``install``/``sync``, ``go
    mod download``, ``bundle install``, ``composer install`` (sources needed
    unless ``--no-scripts --no-autoloader``), ``cargo fetch``/``build``, maven
    ``dependency:*`` goals, gradle ``dependencies`` and ``dotnet restore``.
    Installs of explicitly named packages (``npm install lodash``) are
    reported with ``from_manifests=False``; local paths (``pip install .``,
    ``-e .``) and commands under ``xargs`` are reported with
    ``needs_sources=True``.  Other commands of a chain (``npm ci && npm run
    build``) are not installs: use ``command_index`` with ``split_chain``.
    """
    found = []
    for command in parse(script).commands:
        inv = invocation(command)
        if inv is None:
            continue
        ecosystem = BY_TOOL.get(inv.tool)
        verdict = ecosystem.read(inv) if ecosystem is not None else None
        if verdict is None:
            continue
        if "xargs" in inv.wrappers:
            verdict = replace(verdict, needs_sources=True, from_manifests=False,
                              reason="arguments also come from xargs at run time")
        found.append(DependencyInstall(
            ecosystem=verdict.ecosystem, tool=inv.tool, subcommand=inv.subcommand,
            start=command.start, end=command.end, command_index=command.index,
            manifests=verdict.manifests, config_files=verdict.config_files,
            from_manifests=verdict.from_manifests, needs_sources=verdict.needs_sources,
            reason=verdict.reason, caveats=verdict.caveats))
    return found
