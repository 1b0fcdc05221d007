"""Dependency installs: which files each ecosystem's install reads from its project
folder (npm, yarn, pnpm, pip, uv, poetry, pipenv, go, bundler, composer, cargo, maven,
gradle, dotnet)."""

from __future__ import annotations

from dockeropt.record import record, replace
from dockeropt.shell.nodes import DependencyInstall, Invocation, Script
from dockeropt.shell.parser import parse
from dockeropt.shell.tools import invocation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

# --------------------------------------------------------------------------
# Dependency installs
# --------------------------------------------------------------------------

_NPM_MANIFESTS = ("package.json", "package-lock.json", "npm-shrinkwrap.json")
_YARN_MANIFESTS = ("package.json", "yarn.lock", ".yarnrc.yml", ".yarn/")
_PNPM_MANIFESTS = ("package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml")
_GRADLE_MANIFESTS = ("build.gradle", "build.gradle.kts", "settings.gradle",
                     "settings.gradle.kts", "gradle/")
_DOTNET_MANIFESTS = ("*.csproj", "*.sln", "NuGet.config", "Directory.Build.props",
                     "Directory.Packages.props")
_SCRIPTS_CAVEAT = ("lifecycle scripts of the root package (preinstall, install, "
                   "postinstall, prepare) run and may read sources; --ignore-scripts avoids it")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2")
#: Names of package files a tool installs from the working directory (``./x.deb``, ``x.gem``).
PACKAGE_FILE_SUFFIXES = (*_ARCHIVE_SUFFIXES, ".gem", ".deb", ".rpm", ".apk")


def _in_dir(directory: str | None, files: Iterable[str]) -> tuple[str, ...]:
    if directory in (None, "", ".", "./"):
        return tuple(files)
    return tuple(directory.rstrip("/") + "/" + f for f in files)


def is_local_path(operand: str) -> bool:
    """An install operand that names a path (``.``, ``./pkg``, ``x.whl``), not a package."""
    if "://" in operand or operand.startswith("git+"):
        return False
    if operand in (".", "..") or operand.startswith(("./", "../", "/", "~", ".[", "file:")):
        return True
    return "/" in operand or operand.endswith(_ARCHIVE_SUFFIXES)


@record(frozen=True, slots=True)
class _Verdict:
    """What an ecosystem rule decided; completed into a DependencyInstall."""

    ecosystem: str
    manifests: tuple[str, ...] = ()
    config_files: tuple[str, ...] = ()
    from_manifests: bool = True
    needs_sources: bool = False
    reason: str = "reads only the dependency manifests"
    caveats: tuple[str, ...] = ()


def _explicit(ecosystem: str, operands: Sequence[str]) -> _Verdict:
    local = [o for o in operands if is_local_path(o)]
    if local:
        return _Verdict(ecosystem, from_manifests=False, needs_sources=True,
                        reason=f"installs the local path {local[0]!r}, which needs the sources")
    return _Verdict(ecosystem, from_manifests=False,
                    reason="installs explicitly named packages, not from manifests")


def _npm(inv: Invocation) -> _Verdict | None:
    if inv.subcommand in ("ci", "clean-install", "ic", "install-clean", "isntall-clean"):
        kind = "ci"
    elif inv.subcommand in ("install", "i", "in", "ins", "inst", "insta", "instal", "isnt",
                            "isnta", "isntal", "isntall", "add"):
        kind = "install"
    else:
        return None
    if kind == "install" and inv.operands:
        return _explicit("npm", inv.operands)
    directory = inv.values("--prefix")
    manifests = _in_dir(directory[0] if directory else None, _NPM_MANIFESTS)
    config = _in_dir(directory[0] if directory else None, (".npmrc",))
    caveats = () if inv.has_flag("--ignore-scripts") else (_SCRIPTS_CAVEAT,)
    if kind == "install" and inv.has_flag("-g", "--global"):
        return _Verdict("npm", manifests, config, needs_sources=True,
                        reason="'npm install -g' without packages installs the project itself")
    return _Verdict("npm", manifests, config, caveats=caveats)


def _yarn(inv: Invocation) -> _Verdict | None:
    if inv.subcommand == "add":
        return _explicit("yarn", inv.operands)
    if inv.subcommand not in (None, "install"):
        return None
    directory = inv.values("--cwd")
    base = directory[0] if directory else None
    caveats = () if inv.has_flag("--ignore-scripts") or inv.values("--mode") == ("skip-build",) \
        else (_SCRIPTS_CAVEAT,)
    return _Verdict("yarn", _in_dir(base, _YARN_MANIFESTS),
                    _in_dir(base, (".yarnrc", ".npmrc", ".pnp.cjs")), caveats=caveats)


def _pnpm(inv: Invocation) -> _Verdict | None:
    directory = inv.values("-C", "--dir")
    base = directory[0] if directory else None
    config = _in_dir(base, (".npmrc", ".pnpmfile.cjs"))
    if inv.subcommand == "add":
        return _explicit("pnpm", inv.operands)
    if inv.subcommand == "fetch":
        return _Verdict("pnpm", _in_dir(base, ("pnpm-lock.yaml",)), config,
                        reason="'pnpm fetch' reads only the lockfile")
    if inv.subcommand not in ("install", "i"):
        return None
    if inv.operands:
        return _explicit("pnpm", inv.operands)
    caveats = () if inv.has_flag("--ignore-scripts") else (_SCRIPTS_CAVEAT,)
    return _Verdict("pnpm", _in_dir(base, _PNPM_MANIFESTS), config, caveats=caveats)


def _pip_like(ecosystem: str, inv: Invocation, operands: Sequence[str]) -> _Verdict | None:
    requirements = inv.values("-r", "--requirement")
    constraints = inv.values("-c", "--constraint")
    editable = inv.values("-e", "--editable")
    local = [o for o in (*editable, *operands) if is_local_path(o)]
    manifests = requirements + constraints
    caveats = ("requirement files may include other files (-r/-c) or local paths "
               "(-e .) that are not inspected",) if requirements else ()
    if local:
        return _Verdict(ecosystem, manifests, from_manifests=bool(requirements),
                        needs_sources=True, caveats=caveats,
                        reason=f"installs the local project {local[0]!r}, which needs the sources")
    if requirements:
        return _Verdict(ecosystem, manifests, caveats=caveats,
                        reason="reads only the requirement files")
    if operands or editable:
        return _explicit(ecosystem, [*operands, *editable])
    return None


def _pip(inv: Invocation) -> _Verdict | None:
    if inv.subcommand != "install":
        return None
    return _pip_like("pip", inv, inv.operands)


def _uv(inv: Invocation) -> _Verdict | None:
    directory = inv.values("--directory", "--project")
    base = directory[0] if directory else None
    if inv.subcommand == "sync":
        manifests = _in_dir(base, ("pyproject.toml", "uv.lock"))
        config = _in_dir(base, ("uv.toml", ".python-version"))
        if inv.has_flag("--no-install-project"):
            return _Verdict("uv", manifests, config,
                            reason="--no-install-project: only the locked dependencies")
        return _Verdict("uv", manifests, config, needs_sources=True,
                        reason="'uv sync' also builds and installs the project itself; "
                               "add --no-install-project")
    if inv.subcommand == "pip" and inv.operands[:1] == ("install",):
        return _pip_like("uv", inv, inv.operands[1:])
    if inv.subcommand == "pip" and inv.operands[:1] == ("sync",):
        files = inv.operands[1:]
        return _Verdict("uv", tuple(files), reason="reads only the requirement files") \
            if files else None
    return None


def _poetry(inv: Invocation) -> _Verdict | None:
    if inv.subcommand not in ("install", "sync"):
        return None
    directory = inv.values("-C", "--directory", "-P", "--project")
    base = directory[0] if directory else None
    manifests = _in_dir(base, ("pyproject.toml", "poetry.lock"))
    config = _in_dir(base, ("poetry.toml",))
    caveats = ("path dependencies need their directories",)
    if inv.has_flag("--no-root") and not inv.has_flag("--only-root"):
        return _Verdict("poetry", manifests, config, caveats=caveats,
                        reason="--no-root: the project itself is not installed")
    return _Verdict("poetry", manifests, config, needs_sources=True, caveats=caveats,
                    reason="without --no-root poetry installs the project itself, "
                           "which needs the sources")


def _pipenv(inv: Invocation) -> _Verdict | None:
    if inv.subcommand not in ("install", "sync"):
        return None
    editable = inv.values("-e", "--editable")
    requirements = inv.values("-r", "--requirements")
    if any(is_local_path(e) for e in editable):
        return _Verdict("pipenv", ("Pipfile", "Pipfile.lock"), needs_sources=True,
                        reason="installs the local project in editable mode")
    if inv.operands:
        return _explicit("pipenv", inv.operands)
    return _Verdict("pipenv", ("Pipfile", "Pipfile.lock", *requirements))


def _go(inv: Invocation) -> _Verdict | None:
    if inv.subcommand != "mod" or inv.operands[:1] != ("download",):
        return None
    return _Verdict("go", ("go.mod", "go.sum"), ("go.work", "go.work.sum"),
                    caveats=("replace directives pointing at local directories need them",))


def _bundle(inv: Invocation) -> _Verdict | None:
    if inv.subcommand not in (None, "install"):
        return None
    gemfile = inv.values("--gemfile")
    manifests = (gemfile[0], gemfile[0] + ".lock") if gemfile else ("Gemfile", "Gemfile.lock")
    return _Verdict("bundler", manifests, (".bundle/config",),
                    caveats=("'gemspec' and 'path:' gems in the Gemfile need their sources",))


def _composer(inv: Invocation) -> _Verdict | None:
    if inv.subcommand != "install":
        return None
    directory = inv.values("-d", "--working-dir")
    base = directory[0] if directory else None
    manifests = _in_dir(base, ("composer.json", "composer.lock"))
    config = _in_dir(base, ("auth.json",))
    missing = [f for f in ("--no-scripts", "--no-autoloader") if not inv.has_flag(f)]
    if missing:
        return _Verdict("composer", manifests, config, needs_sources=True,
                        reason="scripts and the autoloader read the sources unless "
                               + " and ".join(missing) + (" are" if len(missing) > 1 else " is")
                               + " given")
    return _Verdict("composer", manifests, config,
                    reason="--no-scripts --no-autoloader: only the dependencies")


def _cargo(inv: Invocation) -> _Verdict | None:
    manifest = inv.values("--manifest-path")
    if manifest:
        base = manifest[0].rsplit("/", 1)[0] if "/" in manifest[0] else None
        manifests = (manifest[0], *_in_dir(base, ("Cargo.lock",)))
    else:
        manifests = ("Cargo.toml", "Cargo.lock")
    config = (".cargo/config.toml",)
    if inv.subcommand == "fetch":
        return _Verdict("cargo", manifests, config, caveats=(
            "cargo needs a target file (src/main.rs or src/lib.rs) and the manifests of "
            "workspace members; stub them",))
    if inv.subcommand in ("build", "b"):
        return _Verdict("cargo", manifests, config, needs_sources=True,
                        reason="'cargo build' compiles the crate")
    if inv.subcommand == "install":
        path = inv.values("--path")
        if path:
            return _Verdict("cargo", manifests, config, from_manifests=False, needs_sources=True,
                            reason=f"installs the local crate {path[0]!r}")
        return _explicit("cargo", inv.operands) if inv.operands else None
    return None


def _maven(inv: Invocation) -> _Verdict | None:
    goals = [g for g in (inv.subcommand, *inv.operands) if g is not None]
    dependency_goals = [g for g in goals if g.startswith("dependency:")]
    if not dependency_goals:
        return None
    pom = inv.values("-f", "--file")
    manifests = (pom[0] if pom else "pom.xml", *inv.values("-s", "--settings"))
    config = (".mvn/",) + (("mvnw",) if inv.tool == "mvnw" else ())
    caveats = ("multi-module builds also need every module's pom.xml",)
    others = [g for g in goals if not g.startswith("dependency:") and g != "help"]
    if others:
        return _Verdict("maven", manifests, config, needs_sources=True, caveats=caveats,
                        reason=f"also runs {' '.join(others)}, which needs the sources")
    return _Verdict("maven", manifests, config, caveats=caveats)


def _gradle(inv: Invocation) -> _Verdict | None:
    tasks = [t for t in (inv.subcommand, *inv.operands) if t is not None]
    if not any(t == "dependencies" or t.endswith(":dependencies") for t in tasks):
        return None
    project = inv.values("-p", "--project-dir")
    base = project[0] if project else None
    manifests = _in_dir(base, _GRADLE_MANIFESTS)
    if inv.tool == "gradlew":
        manifests += ("gradlew",)
    caveats = ("buildSrc/, included builds and subproject build files are needed too",)
    config = _in_dir(base, ("gradle.properties",))
    others = [t for t in tasks if t != "dependencies" and not t.endswith(":dependencies")]
    if others:
        return _Verdict("gradle", manifests, config, needs_sources=True, caveats=caveats,
                        reason=f"also runs {' '.join(others)}, which needs the sources")
    return _Verdict("gradle", manifests, config, caveats=caveats)


def _dotnet(inv: Invocation) -> _Verdict | None:
    if inv.subcommand != "restore":
        return None
    config = ("global.json", "*.fsproj", "*.vbproj", "Directory.Build.targets")
    caveats = ("project files in subdirectories must keep their paths",)
    if inv.operands:
        manifests = (*inv.operands, "NuGet.config", "Directory.Build.props",
                     "Directory.Packages.props")
        return _Verdict("dotnet", manifests, config, caveats=caveats)
    return _Verdict("dotnet", _DOTNET_MANIFESTS, config, caveats=caveats)


_ECOSYSTEM_RULES = {
    "npm": _npm, "yarn": _yarn, "pnpm": _pnpm, "pip": _pip, "uv": _uv, "poetry": _poetry,
    "pipenv": _pipenv, "go": _go, "bundle": _bundle, "bundler": _bundle,
    "composer": _composer, "cargo": _cargo, "mvn": _maven, "mvnw": _maven,
    "gradle": _gradle, "gradlew": _gradle, "dotnet": _dotnet,
}


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
        rule = _ECOSYSTEM_RULES.get(inv.tool)
        verdict = rule(inv) if rule is not None else None
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
