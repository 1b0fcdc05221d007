"""Dependency installs: which files each ecosystem's install reads from its project folder
(npm, yarn, pnpm, pip, uv, poetry, pipenv, go, bundler, composer, cargo, maven, gradle,
dotnet), as the ecosystem modules of ``dockeropt.ecosystems`` say."""

from __future__ import annotations

from dockeropt.record import replace
from dockeropt.shell.nodes import DependencyInstall, Script
from dockeropt.shell.parser import parse
from dockeropt.shell.tools import invocation

ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2")
#: Names of package files a tool installs from the working directory (``./x.deb``, ``x.gem``).
PACKAGE_FILE_SUFFIXES = (*ARCHIVE_SUFFIXES, ".gem", ".deb", ".rpm", ".apk")


def is_local_path(operand: str) -> bool:
    """An install operand that names a path (``.``, ``./pkg``, ``x.whl``), not a package."""
    if "://" in operand or operand.startswith("git+"):
        return False
    if operand in (".", "..") or operand.startswith(("./", "../", "/", "~", ".[", "file:")):
        return True
    return "/" in operand or operand.endswith(ARCHIVE_SUFFIXES)


def dependency_installs(script: str | Script) -> list[DependencyInstall]:
    """The commands that install dependencies, with what they read.

    Each command's program picks its ecosystem (``dockeropt.ecosystems.BY_TOOL``), whose
    ``read`` decides: npm ``ci``/``install``, ``pip install -r``, ``go mod download``,
    ``composer install`` (sources needed unless ``--no-scripts --no-autoloader``) ...
    Installs of explicitly named packages (``npm install lodash``) are
    reported with ``from_manifests=False``; local paths (``pip install .``,
    ``-e .``) and commands under ``xargs`` are reported with
    ``needs_sources=True``.  Other commands of a chain (``npm ci && npm run
    build``) are not installs: use ``command_index`` with ``split_chain``.
    """
    # here, not at the top: the ecosystem modules load only for a file whose rules read installs
    from dockeropt.ecosystems import BY_TOOL

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
