"""npm, yarn and pnpm: package.json, their lockfiles, node_modules and the npm and yarn caches."""

from __future__ import annotations

import json
import posixpath
import re

from dockeropt.buildcontext import ContextError
from dockeropt.cst import Run
from dockeropt.ecosystems.base import (
    Cache, Ecosystem, NamedInstall, Refused, Verdict, explicit, in_dir, is_local_path, json_object,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.buildcontext import BuildContext
    from dockeropt.cst import Dockerfile
    from dockeropt.model import Build
    from dockeropt.shell.nodes import DependencyInstall, Invocation

    from dockeropt.ecosystems.base import Site

#: ``npm install`` and the spellings npm accepts for it.
INSTALL_VERBS = frozenset({"install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal",
                           "isntall", "add"})
CI_VERBS = ("ci", "clean-install", "ic", "install-clean", "isntall-clean")
#: The lockfiles ``npm ci`` installs from.
LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")
_NPM_MANIFESTS = ("package.json", *LOCKFILES)
_YARN_MANIFESTS = ("package.json", "yarn.lock", ".yarnrc.yml", ".yarn/")
_PNPM_MANIFESTS = ("package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml")
_SCRIPTS_CAVEAT = ("lifecycle scripts of the root package (preinstall, install, "
                   "postinstall, prepare) run and may read sources; --ignore-scripts avoids it")
#: package.json scripts that run during an install.
_HOOKS = ("preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare", "prepublish")
_LOCAL_SPEC = r"^(?:file:|link:|workspace:|portal:|\.{1,2}/|/|~/)"
#: node image tags by codename that ship npm older than 8.
_OLD_NODE_CODENAMES = ("argon", "boron", "carbon", "dubnium", "erbium", "fermium")
_HOME = r"(?:~|\$HOME|\$\{HOME\}|/root)"


# --- what a command reads ------------------------------------------------------------------


def read_npm(inv: Invocation) -> Verdict | None:
    if inv.subcommand in CI_VERBS:
        kind = "ci"
    elif inv.subcommand in INSTALL_VERBS:
        kind = "install"
    else:
        return None
    if kind == "install" and inv.operands:
        return explicit("npm", inv.operands)
    directory = inv.values("--prefix")
    manifests = in_dir(directory[0] if directory else None, _NPM_MANIFESTS)
    config = in_dir(directory[0] if directory else None, (".npmrc",))
    caveats = () if inv.has_flag("--ignore-scripts") else (_SCRIPTS_CAVEAT,)
    if kind == "install" and inv.has_flag("-g", "--global"):
        return Verdict("npm", manifests, config, needs_sources=True,
                       reason="'npm install -g' without packages installs the project itself")
    return Verdict("npm", manifests, config, caveats=caveats)


def read_yarn(inv: Invocation) -> Verdict | None:
    if inv.subcommand == "add":
        return explicit("yarn", inv.operands)
    if inv.subcommand not in (None, "install"):
        return None
    directory = inv.values("--cwd")
    base = directory[0] if directory else None
    caveats = () if inv.has_flag("--ignore-scripts") or inv.values("--mode") == ("skip-build",) \
        else (_SCRIPTS_CAVEAT,)
    return Verdict("yarn", in_dir(base, _YARN_MANIFESTS),
                   in_dir(base, (".yarnrc", ".npmrc", ".pnp.cjs")), caveats=caveats)


def read_pnpm(inv: Invocation) -> Verdict | None:
    directory = inv.values("-C", "--dir")
    base = directory[0] if directory else None
    config = in_dir(base, (".npmrc", ".pnpmfile.cjs"))
    if inv.subcommand == "add":
        return explicit("pnpm", inv.operands)
    if inv.subcommand == "fetch":
        return Verdict("pnpm", in_dir(base, ("pnpm-lock.yaml",)), config,
                       reason="'pnpm fetch' reads only the lockfile")
    if inv.subcommand not in ("install", "i"):
        return None
    if inv.operands:
        return explicit("pnpm", inv.operands)
    caveats = () if inv.has_flag("--ignore-scripts") else (_SCRIPTS_CAVEAT,)
    return Verdict("pnpm", in_dir(base, _PNPM_MANIFESTS), config, caveats=caveats)


def _global_install(inv: Invocation) -> bool:
    """``npm install -g``: installs outside the project."""
    return inv.subcommand in INSTALL_VERBS and inv.has_flag("-g", "--global")


def _global_by_name(inv: Invocation) -> bool:
    return _global_install(inv) and bool(inv.operands) and not any(is_local_path(o) for o in inv.operands)


def _yarn_global(inv: Invocation) -> bool:
    return inv.subcommand == "global"


def _yarn_global_add(inv: Invocation) -> bool:
    """``yarn global add NAME...``: installs named packages outside the project."""
    return (inv.subcommand == "global" and inv.operands[:1] == ("add",)
            and len(inv.operands) > 1 and not any(is_local_path(o) for o in inv.operands[1:]))


def runs_script(inv: Invocation) -> bool:
    """``npm run build``: a package.json script (checked against the cache when one is read)."""
    return inv.tool in ("npm", "yarn", "pnpm") and inv.subcommand in ("run", "run-script", "test", "start", "build")


# --- what the build context shows ------------------------------------------------------------


def check(install: DependencyInstall, inv: Invocation, listed: list[str], site: Site) -> tuple[list[str], str | None]:
    ctx = site.files
    package = json_object(ctx, "package.json", listed)
    if "workspaces" in package:
        raise Refused("package.json declares workspaces, whose manifests live in subfolders")
    scripts = package.get("scripts") or {}
    hooks = [h for h in _HOOKS if h in scripts]
    if hooks and not inv.has_flag("--ignore-scripts"):
        raise Refused(f"package.json has a {hooks[0]} script, which runs during the install and may read sources")
    for section in ("dependencies", "devDependencies", "optionalDependencies", "overrides", "resolutions"):
        for name, spec in (package.get(section) or {}).items():
            if isinstance(spec, str) and re.match(_LOCAL_SPEC, spec):
                raise Refused(f"the dependency {name} comes from the local path {spec}")
    _check_tail_scripts(site, scripts)
    frozen = {
        "npm": install.subcommand in ("ci", "clean-install", "ic", "install-clean"),
        "yarn": inv.has_flag("--frozen-lockfile", "--immutable"),
        "pnpm": inv.has_flag("--frozen-lockfile") or install.subcommand == "fetch",
    }[install.ecosystem]
    lock = {"npm": "package-lock.json", "yarn": "yarn.lock", "pnpm": "pnpm-lock.yaml"}[install.ecosystem]
    if install.ecosystem == "npm" and "npm-shrinkwrap.json" in listed:
        lock = "npm-shrinkwrap.json"
    if frozen or lock not in listed:
        return [], None
    if install.ecosystem == "npm":
        why = _npm_lock_changes(ctx, package, lock, listed, site.build, site.run)
    elif install.ecosystem == "yarn":
        why = _yarn_lock_changes(ctx, package, listed)
    else:
        why = "pnpm's lockfile is not checked"
    if why is None:
        return [], None
    return [], f"`{install.tool} {install.subcommand or 'install'}` may rewrite {lock}: {why}"


def _check_tail_scripts(site: Site, scripts: dict) -> None:
    """A trailing cache clean-up moves to the install: the scripts run after it must not
    use the package tools (``npx`` in a build script would refill npm's cache)."""
    for inv in site.before_cleanup:
        if inv is None or not runs_script(inv):
            continue
        name = inv.operands[0] if inv.subcommand in ("run", "run-script") and inv.operands else inv.subcommand
        text = scripts.get(name)
        if not isinstance(text, str) or re.search(r"\b(?:npm|npx|yarn|pnpm|pnpx)\b", text):
            raise Refused(f"the script {name} may fill the cache that the clean-up after the install empties")


def _npm_lock_changes(ctx, package, lock_name, listed, build: Build, run) -> str | None:  # noqa: ANN001
    """Why ``npm install`` may write a lockfile other than the repository's, or None."""
    base = build.stage_of(run).base
    major = _node_major(base.name, base.tag)
    if major is None:
        return "the base image's npm version is not known"
    if major < 16:
        return "npm before 8 (node before 16) converts the lockfile"
    if ".npmrc" in listed and "lockfile-version" in ctx.read(".npmrc"):
        return ".npmrc sets lockfile-version"
    try:
        lock = json.loads(ctx.read(lock_name))
    except ValueError:
        return f"{lock_name} is not valid JSON"
    if not isinstance(lock, dict) or lock.get("lockfileVersion") not in (2, 3):
        return "its lockfileVersion is not 2 or 3, and npm converts it"
    packages = lock.get("packages")
    root = packages.get("") if isinstance(packages, dict) else None
    if not isinstance(root, dict):
        return "it has no entry for the root package"
    workdir = build.state(run).workdir
    name = package.get("name") or (posixpath.basename(workdir) if workdir else None)
    if name is None or lock.get("name") != name or root.get("name", name) != name:
        return "its name is not package.json's"
    if lock.get("version") != package.get("version") or root.get("version") != package.get("version"):
        return "its version is not package.json's"
    for field in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies",
                  "peerDependenciesMeta", "bin", "engines", "license", "funding", "os", "cpu"):
        if (package.get(field) or None) != (root.get(field) or None):
            return f"its root entry's {field} is not package.json's"
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        for dep in package.get(section) or {}:
            if not isinstance(packages, dict) or f"node_modules/{dep}" not in packages:
                return f"it has no entry for {dep}"
    return None


def _node_major(name: str | None, tag: str | None) -> int | None:
    """The node major version a ``node`` image's tag names; 99 for latest/lts/current."""
    if name != "node":
        return None
    tag = (tag or "latest").lower()
    match = re.match(r"(\d+)", tag)
    if match:
        return int(match.group(1))
    if tag.startswith(_OLD_NODE_CODENAMES):
        return 14
    return 99


_YARN_HEADER = r'^("?[^\s"][^"]*"?(?:,\s*"?[^"]+"?)*):\s*$'


def _yarn_lock_changes(ctx, package, listed) -> str | None:  # noqa: ANN001
    """Why yarn 1 may write ``yarn.lock``: it does not when the lock holds exactly the
    entries reachable from package.json's dependencies."""
    manager = package.get("packageManager")
    if ".yarnrc.yml" in listed or (manager is not None and not str(manager).startswith("yarn@1.")):
        return "it is not known to be yarn 1"
    if package.get("resolutions"):
        return "package.json has resolutions"
    text = ctx.read("yarn.lock")
    if "yarn lockfile v1" not in text[:300]:
        return "it is not a yarn 1 lockfile"
    entries: dict[str, list[str]] = {}
    current: list[str] = []
    in_deps = False
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            match = re.match(_YARN_HEADER, line)
            if match is None:
                return "its entries cannot be read"
            keys = [k.strip().strip('"') for k in match.group(1).split(",")]
            current = keys
            deps: list[str] = []
            for k in current:
                entries[k] = deps
            in_deps = False
            continue
        stripped = line.strip()
        if line.startswith("  ") and not line.startswith("    "):
            in_deps = stripped in ("dependencies:", "optionalDependencies:")
            continue
        if in_deps and current:
            dep_name, _, spec = stripped.partition(" ")
            entries[current[0]].append(f"{dep_name.strip(chr(34))}@{spec.strip().strip(chr(34))}")
    todo = [f"{n}@{s}" for section in ("dependencies", "devDependencies", "optionalDependencies")
            for n, s in (package.get(section) or {}).items()]
    seen: set[str] = set()
    while todo:
        pattern = todo.pop()
        if pattern in seen:
            continue
        if pattern not in entries:
            return f"it has no entry for {pattern}"
        seen.add(pattern)
        todo += entries[pattern]
    if seen != set(entries):
        return "it holds entries no dependency needs"
    return None


def yarn_classic(tree: Dockerfile, files: BuildContext | None) -> bool:
    """The build context shows yarn 1, and no RUN changes yarn's version: cleaning its
    cache cannot break Plug'n'Play, which loads packages from the cache."""
    if files is None or files.exists(".yarnrc.yml") or not files.is_file("yarn.lock"):
        return False
    try:
        head = files.read("yarn.lock")[:500]
    except ContextError:
        return False
    if "yarn lockfile v1" not in head:
        return False
    texts = [i.text for i in tree.instructions if isinstance(i, Run)]
    return not any("corepack" in t or "set version" in t for t in texts)


# --- the records -----------------------------------------------------------------------------------

NPM_CACHE = Cache(
    "npm", "npm", frozenset({"npm", "npx", "pnpm"}), ("/root/.npm",),
    installs=frozenset({"install", "i", "in", "isntall", "add", "ci", "clean-install", "ic", "install-clean",
                        "install-test", "it", "install-ci-test", "cit", "update", "up", "upgrade"}),
    moved_by=(("npm_config_cache", ""), ("NPM_CONFIG_CACHE", "")), own_cache=("--cache",),
    names=(".npm", "npm", "_cacache"), copied_name=".npm", clean="npm cache clean --force",
    fragments=("/.npm", "_cacache", "npm_config_cache", "NPM_CONFIG_CACHE"), folder_text="/.npm",
    cleanups=(("npm", "cache"),), cleanup_verbs=("clean", "purge"),
    removed=rf"^{_HOME}/\.npm(?:/.*)?$", command=("npm", "cache"),
)
YARN_CACHE = Cache(
    "yarn", "yarn", frozenset({"yarn"}), ("/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn"),
    installs=frozenset({None, "install", "add", "global"}), moved_by=(("YARN_CACHE_FOLDER", ""),),
    own_cache=("--cache-folder",), names=("yarn", ".yarn", ".cache"), copied_name="yarn",
    clean="yarn cache clean", clean_safe=yarn_classic,
    fragments=(".cache/yarn", "YARN_CACHE_FOLDER", "cache-folder"), folder_text=".cache/yarn",
    cleanups=(("yarn", "cache"),), cleanup_verbs=("clean", "purge"),
    removed=rf"^(?:/usr/local/share/\.cache/yarn|{_HOME}/\.cache/yarn)(?:/.*)?$", command=("yarn", "cache"),
)

NPM = Ecosystem(
    "npm", ("npm",), read_npm, example="npm ci",
    outputs=("node_modules",), refuse_present=("binding.gyp",), guess=("package.json", "package-lock.json"),
    check=check, cache=NPM_CACHE,
    removing=(("npm", "prune"), ("npm", "cache"), ("npm", "uninstall")),
    named=(NamedInstall("npm", _global_install, _global_by_name),),
)
YARN = Ecosystem(
    "yarn", ("yarn",), read_yarn, example="yarn install --frozen-lockfile",
    outputs=("node_modules", ".yarn", ".pnp.cjs", ".pnp.loader.mjs"), extra_config=(".yarnclean",),
    refuse_present=("binding.gyp", "pnpm-workspace.yaml"), guess=("package.json", "yarn.lock"),
    check=check, cache=YARN_CACHE,
    removing=(("yarn", "cache"), ("yarn", "remove")),
    named=(NamedInstall("yarn", _yarn_global, _yarn_global_add, (".yarnrc", ".yarnrc.yml", ".npmrc")),),
)
PNPM = Ecosystem(
    "pnpm", ("pnpm",), read_pnpm, example="pnpm install --frozen-lockfile",
    outputs=("node_modules",), refuse_present=("binding.gyp", "pnpm-workspace.yaml"),
    guess=("package.json", "pnpm-lock.yaml"), check=check,
    removing=(("pnpm", "prune"), ("pnpm", "store")),
    named=(NamedInstall("pnpm", _global_install, _global_by_name),),
)
