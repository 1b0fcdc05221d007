"""pip, uv, poetry and pipenv: requirement files, pyproject.toml and its lockfiles, pip's cache."""

from __future__ import annotations

import posixpath
import re

from dockeropt.ecosystems.base import (
    Cache, Ecosystem, NamedInstall, Refused, Verdict, explicit, in_dir, is_local_path, need,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from dockeropt.ecosystems.base import Site
    from dockeropt.shell.nodes import DependencyInstall, Invocation


# --- what a command reads ------------------------------------------------------------------


def _pip_like(ecosystem: str, inv: Invocation, operands: Sequence[str]) -> Verdict | None:
    requirements = inv.values("-r", "--requirement")
    constraints = inv.values("-c", "--constraint")
    editable = inv.values("-e", "--editable")
    local = [o for o in (*editable, *operands) if is_local_path(o)]
    manifests = requirements + constraints
    caveats = ("requirement files may include other files (-r/-c) or local paths "
               "(-e .) that are not inspected",) if requirements else ()
    if local:
        return Verdict(ecosystem, manifests, from_manifests=bool(requirements),
                       needs_sources=True, caveats=caveats,
                       reason=f"installs the local project {local[0]!r}, which needs the sources")
    if requirements:
        return Verdict(ecosystem, manifests, caveats=caveats,
                       reason="reads only the requirement files")
    if operands or editable:
        return explicit(ecosystem, [*operands, *editable])
    return None


def read_pip(inv: Invocation) -> Verdict | None:
    if inv.subcommand != "install":
        return None
    return _pip_like("pip", inv, inv.operands)


def read_uv(inv: Invocation) -> Verdict | None:
    directory = inv.values("--directory", "--project")
    base = directory[0] if directory else None
    if inv.subcommand == "sync":
        manifests = in_dir(base, ("pyproject.toml", "uv.lock"))
        config = in_dir(base, ("uv.toml", ".python-version"))
        if inv.has_flag("--no-install-project"):
            return Verdict("uv", manifests, config,
                           reason="--no-install-project: only the locked dependencies")
        return Verdict("uv", manifests, config, needs_sources=True,
                       reason="'uv sync' also builds and installs the project itself; "
                              "add --no-install-project")
    if inv.subcommand == "pip" and inv.operands[:1] == ("install",):
        return _pip_like("uv", inv, inv.operands[1:])
    if inv.subcommand == "pip" and inv.operands[:1] == ("sync",):
        files = inv.operands[1:]
        return Verdict("uv", tuple(files), reason="reads only the requirement files") \
            if files else None
    return None


def read_poetry(inv: Invocation) -> Verdict | None:
    if inv.subcommand not in ("install", "sync"):
        return None
    directory = inv.values("-C", "--directory", "-P", "--project")
    base = directory[0] if directory else None
    manifests = in_dir(base, ("pyproject.toml", "poetry.lock"))
    config = in_dir(base, ("poetry.toml",))
    caveats = ("path dependencies need their directories",)
    if inv.has_flag("--no-root") and not inv.has_flag("--only-root"):
        return Verdict("poetry", manifests, config, caveats=caveats,
                       reason="--no-root: the project itself is not installed")
    return Verdict("poetry", manifests, config, needs_sources=True, caveats=caveats,
                   reason="without --no-root poetry installs the project itself, "
                          "which needs the sources")


def read_pipenv(inv: Invocation) -> Verdict | None:
    if inv.subcommand not in ("install", "sync"):
        return None
    editable = inv.values("-e", "--editable")
    requirements = inv.values("-r", "--requirements")
    if any(is_local_path(e) for e in editable):
        return Verdict("pipenv", ("Pipfile", "Pipfile.lock"), needs_sources=True,
                       reason="installs the local project in editable mode")
    if inv.operands:
        return explicit("pipenv", inv.operands)
    return Verdict("pipenv", ("Pipfile", "Pipfile.lock", *requirements))


def _installs(inv: Invocation) -> bool:
    return inv.subcommand == "install"


def _by_name(inv: Invocation) -> bool:
    """``pip install NAME...``: what it reads is named, none of it in the working directory."""
    return (inv.subcommand == "install" and bool(inv.operands)
            and not inv.has_flag("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t",
                                 "--target", "--prefix", "--root", "--src", "-f", "--find-links")
            and not any(is_local_path(o) for o in inv.operands))


# --- what the build context shows ------------------------------------------------------------


def check_requirements(install: DependencyInstall, inv: Invocation, listed: list[str],
                       site: Site) -> tuple[list[str], str | None]:
    """The requirement files, followed through ``-r``/``-c``: all of them are copied first."""
    ctx = site.files
    if inv.has_flag("-t", "--target", "--prefix", "--root", "--src", "-f", "--find-links"):
        raise Refused("the install writes into or reads from folders it names")
    seen: list[str] = []
    todo = [posixpath.normpath(m) for m in install.manifests]
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        if name.startswith("../") or name.startswith("/") or not ctx.existing(name):
            raise Refused(f"the requirement file {name} is not in the build context")
        seen.append(name)
        for include in _requirement_includes(name, ctx.read(name)):
            todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(name), include)))
    return seen, None


_REQ_OPTION = r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?<=-r|-c))(\S+)"


def _requirement_includes(name: str, text: str) -> Iterator[str]:
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(_REQ_OPTION, line)
        if match:
            if "://" in match.group(2):
                continue
            yield match.group(2)
        elif line.startswith(("-e", "--editable", "-f", "--find-links", ".", "/", "file:")) or "@ file:" in line:
            raise Refused(f"{name} installs a local path: {line}")


def check_uv(install: DependencyInstall, inv: Invocation, listed: list[str],
             site: Site) -> tuple[list[str], str | None]:
    if install.subcommand != "sync":
        return check_requirements(install, inv, listed, site)
    text = need(site.files, "pyproject.toml", listed)
    if "[tool.uv.workspace]" in text or re.search(r"\bpath\s*=", text):
        raise Refused("pyproject.toml has path sources or a uv workspace")
    if not inv.has_flag("--locked", "--frozen") and "uv.lock" in listed:
        return [], "`uv sync` without --locked may rewrite uv.lock"
    return [], None


def check_poetry(install: DependencyInstall, inv: Invocation, listed: list[str],
                 site: Site) -> tuple[list[str], str | None]:
    if re.search(r"\bpath\s*=", need(site.files, "pyproject.toml", listed)):
        raise Refused("pyproject.toml has path dependencies")
    return [], None


def check_pipenv(install: DependencyInstall, inv: Invocation, listed: list[str],
                 site: Site) -> tuple[list[str], str | None]:
    if re.search(r"\bpath\s*=", need(site.files, "Pipfile", listed)):
        raise Refused("the Pipfile has path dependencies")
    frozen = install.subcommand == "sync" or inv.has_flag("--deploy", "--ignore-pipfile")
    return [], None if frozen or "Pipfile.lock" not in listed else "`pipenv install` may rewrite Pipfile.lock"


# --- the records -----------------------------------------------------------------------------------

PIP_CACHE = Cache(
    "pip", "pip", frozenset({"pip", "pipenv", "poetry"}), ("/root/.cache/pip",), installs=frozenset({"install"}),
    moved_by=(("PIP_CACHE_DIR", ""), ("XDG_CACHE_HOME", "/pip")), disabled_by=("PIP_NO_CACHE_DIR",),
    own_cache=("--cache-dir",), names=("pip", ".cache"), copied_name=".cache", no_cache_option="--no-cache-dir",
    cleanups=(("pip", "cache"),), cleanup_verbs=("clean", "purge"),
    removed=r"^(?:~|\$HOME|\$\{HOME\}|/root)/\.cache/pip(?:/.*)?$", command=("pip", "cache"),
)

PIP = Ecosystem(
    "pip", ("pip",), read_pip, example="pip install -r requirements.txt",
    check=check_requirements, cache=PIP_CACHE, subfolder_manifests=True,
    removing=(("pip", "uninstall"), ("pip", "cache")),
    named=(NamedInstall("pip", _installs, _by_name),),
)
UV = Ecosystem(
    "uv", ("uv",), read_uv, example="uv sync --locked --no-install-project",
    outputs=(".venv",), guess=("pyproject.toml", "uv.lock"), check=check_uv, subfolder_manifests=True,
)
POETRY = Ecosystem(
    "poetry", ("poetry",), read_poetry, example="poetry install --no-root",
    outputs=(".venv",), guess=("pyproject.toml", "poetry.lock"), check=check_poetry,
)
PIPENV = Ecosystem(
    "pipenv", ("pipenv",), read_pipenv, example="pipenv install --deploy",
    outputs=(".venv",), extra_config=(".env",), guess=("Pipfile", "Pipfile.lock"), check=check_pipenv,
)
