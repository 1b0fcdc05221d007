"""DO102 manifests-first: copy the dependency manifests before the install, the sources after.

What it does
    Finds ``COPY . <dest>`` (or ``ADD .``, ``COPY ./ <dest>``) followed in the same stage
    by a dependency install (``npm ci``, ``pip install -r``, ``go mod download``,
    ``bundle install``, ``composer install --no-scripts --no-autoloader`` ...) and
    rewrites it to copy only the manifests and lockfiles first, run the install, then
    copy the rest::

        COPY package.json package-lock.json ./
        RUN npm ci
        COPY . .

    An install chained with a step that needs the sources (``npm ci && npm run build``)
    is split into ``RUN npm ci`` before the full copy and ``RUN npm run build`` after it.

Why
    A ``COPY .`` layer changes whenever any file of the context changes, and every step
    after it re-runs: editing one source file re-downloads every dependency. With the
    manifests first, the install comes from the build cache until a manifest changes.

Example
    ``WORKDIR /app`` / ``COPY --chown=node . .`` / ``RUN npm ci`` becomes
    ``COPY --chown=node package.json package-lock.json ./`` / ``RUN npm ci`` /
    ``COPY --chown=node . .``. Flags ``--chown``, ``--chmod`` and ``--link`` are kept on
    both copies; the later full copy writes the manifests again with the same content
    and metadata, so the image's files, modes and owners are those of the original.

Fix safety
    Safe when the build context beside the Dockerfile shows that the split cannot
    change the image: only manifests that exist there (and are not excluded by
    ``.dockerignore``) are listed, requirement files are followed through ``-r``/``-c``,
    and the install is known to read nothing else. Unsafe when the install may rewrite
    a lockfile that the later full copy would put back (``npm install``, ``yarn``
    without ``--frozen-lockfile``, ``bundle install`` without frozen mode, ``pipenv
    install`` without ``--deploy``, ``uv sync`` without ``--locked``/``--frozen``), or
    when it runs as a non-root ``USER`` (builders differ in who owns the destination
    folder during the install). Without a build context (stdin) the fix is only a
    suggestion: the files it lists may not exist and the install scripts cannot be read.

When it refuses
    The finding is reported without a fix when:
    - the install needs the sources (``pip install .``, ``-e .``, ``poetry install``
      without ``--no-root``, ``uv sync`` without ``--no-install-project``, composer
      without ``--no-scripts --no-autoloader``, ``cargo``: even ``cargo fetch`` needs
      ``src/main.rs`` or ``src/lib.rs``);
    - package.json has ``preinstall``/``install``/``postinstall``/``prepare`` scripts
      (they run during the install and may read sources) unless ``--ignore-scripts``,
      declares workspaces or ``file:``/``link:`` dependencies, or ``binding.gyp`` exists;
    - requirement files install local paths or include files that are missing or lie
      outside the context; a Gemfile uses ``gemspec``/``path:``; go.mod replaces with
      a local folder; go.work, pnpm-workspace.yaml, ``.yarn/``, ``.bundle/`` exist;
    - something the install writes into the destination (``node_modules``, ``vendor``,
      ``.venv`` ...) is also in the context: the later ``COPY .`` would lay the host's
      copy over the installed one, where the original's install replaced it;
    - ``.dockerignore`` has a pattern it cannot evaluate, or a manifest is a symlink;
    - the install does not run in the copy's destination (``COPY . /src`` with another
      WORKDIR, a ``cd`` before the install), or anything between the copy and the install
      may read or write the sources (a RUN other than system package installs, a COPY,
      WORKDIR, VOLUME, or an ENV/ARG when the copy uses variables);
    - the install RUN mounts the context, uses a heredoc, or is chained with commands
      that cannot be split safely: not a pure ``&&`` chain, a state change (``cd``,
      ``export``) before the split point, or clean-up after it (``npm prune``, ``rm``),
      whose deleted files would stay in the install's layer and make the image heavier;
    - ``COPY`` has flags it cannot carry (``--exclude``, ``--parents``; ADD's
      ``--checksum`` ...) or the exec (JSON) form.

See also hadolint's DL3045 neighbourhood; ruff-style one rule per file.
"""

from __future__ import annotations

import json
import os
import posixpath
import re

from dockeropt import shell
from dockeropt.cst import Add, Arg, Copy, Dockerfile, Env, Instruction, Run, ShellForm, Stage, User, Workdir
from dockeropt.record import field, record
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, Style, finding, script_of, shell_form, style_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

CODE = "DO102"

#: Instructions that may stand between the copy and the install without reading sources.
_PASSIVE = {"ENV", "ARG", "LABEL", "EXPOSE", "USER", "CMD", "ENTRYPOINT", "HEALTHCHECK",
            "STOPSIGNAL", "MAINTAINER", "SHELL", "ONBUILD"}
_COPY_FLAGS = {"chown", "chmod", "link"}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._@+-]+(?:/[A-Za-z0-9._@+-]+)*$")

#: What an install writes into its project folder: if the context has it too, the later
#: full copy would lay the host's copy over the installed one.
_OUTPUTS = {
    "npm": ("node_modules",),
    "yarn": ("node_modules", ".yarn", ".pnp.cjs", ".pnp.loader.mjs"),
    "pnpm": ("node_modules",),
    "poetry": (".venv",),
    "pipenv": (".venv",),
    "uv": (".venv",),
    "bundler": (".bundle", "vendor/bundle"),
    "composer": ("vendor",),
    "maven": ("target",),
    "gradle": (".gradle", "build"),
    "dotnet": ("obj", "bin"),
}
#: Further files an install reads when present, beyond what shell.py lists.
_EXTRA_CONFIG = {"yarn": (".yarnclean",), "pipenv": (".env",)}
#: Files whose presence means the install reads more than root-level manifests.
_REFUSE_PRESENT = {
    "npm": ("binding.gyp",),
    "yarn": ("binding.gyp", "pnpm-workspace.yaml"),
    "pnpm": ("binding.gyp", "pnpm-workspace.yaml"),
    "go": ("go.work",),
    "bundler": (".bundle",),
    "maven": (".mvn", "mvnw"),
    "gradle": ("gradle", "buildSrc", "gradlew"),
}
#: Conventional files, listed when there is no build context to look at.
_GUESS = {
    "npm": ("package.json", "package-lock.json"), "yarn": ("package.json", "yarn.lock"),
    "pnpm": ("package.json", "pnpm-lock.yaml"), "poetry": ("pyproject.toml", "poetry.lock"),
    "pipenv": ("Pipfile", "Pipfile.lock"), "uv": ("pyproject.toml", "uv.lock"),
    "go": ("go.mod", "go.sum"), "bundler": ("Gemfile", "Gemfile.lock"),
    "composer": ("composer.json", "composer.lock"), "maven": ("pom.xml",),
    "gradle": ("build.gradle", "settings.gradle"),
}
_UNSUPPORTED = {
    "cargo": "cargo needs the crate's targets (src/main.rs or src/lib.rs) even to fetch",
    "dotnet": "dotnet restore follows project references into the source tree",
}
_NPM_HOOKS = ("preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare",
              "prepublish")
_LOCAL_SPEC = re.compile(r"^(?:file:|link:|workspace:|portal:|\.{1,2}/|/|~/)")
#: Commands that neither read nor write the project folder: they may run before the sources.
_SYSTEM_TOOLS = {"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "corepack"}
#: Commands that remove files: after a split their files would stay in the install's layer.
_REMOVERS = {"rm", "rmdir", "unlink"}
_REMOVING_SUBCOMMANDS = {
    ("npm", "prune"), ("npm", "cache"), ("npm", "uninstall"), ("yarn", "cache"), ("yarn", "remove"),
    ("pnpm", "prune"), ("pnpm", "store"), ("pip", "uninstall"), ("pip", "cache"),
    ("apt-get", "purge"), ("apt-get", "remove"), ("apt-get", "autoremove"), ("apt-get", "clean"),
    ("apk", "del"), ("go", "clean"), ("composer", "clear-cache"), ("bundle", "clean"),
}


class Refused(Exception):
    """The rewrite could change the image; the message says why."""


class ManifestsFirst:
    code = CODE
    hadolint = ()  # the hadolint rules this corresponds to
    name = "manifests-first"
    summary = "Copy dependency manifests before the install and the sources after it"

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        style = style_of(tree)
        for stage in tree.stages:
            yield from _check_stage(tree, stage, context, style)


# --- detection -----------------------------------------------------------------------------


@record
class _Install:
    """The RUN that installs, and where its chain splits (None: it moves whole)."""

    run: Run
    installs: list[shell.DependencyInstall]
    split_after: int | None  # index of the last command that runs before the sources


def _check_stage(tree: Dockerfile, stage: Stage, context: Context, style: Style) -> Iterator[Finding]:
    workdir: str | None = "/" if stage.from_.image and stage.from_.image.name == "scratch" else None
    body = stage.instructions
    for i, inst in enumerate(body):
        if isinstance(inst, Workdir):
            workdir = _resolve(workdir, inst.value[0] if inst.value else "")
        elif _is_context_copy(inst):
            candidate = _next_install(body, i)
            if candidate is None:
                continue
            run, parsed, installs = candidate
            subject = next(parsed.commands[k].text for k, d in installs.items() if d.from_manifests or d.needs_sources)
            try:
                found = _plan_run(run, parsed, installs)
                # the build context is read only here: few files get this far
                yield _rewrite(tree, stage, i, found, workdir, _BuildContext.open(context), style, subject)
            except Refused as exc:
                yield finding(CODE, _message(subject, f"not rewritten: {exc}"), inst)


def _is_context_copy(inst: Instruction) -> bool:
    if not isinstance(inst, (Copy, Add)) or inst.exec_form is not None or inst.flag("from"):
        return False
    return len(inst.sources) == 1 and inst.sources[0].text in (".", "./") and inst.destination is not None


def _resolve(workdir: str | None, value: str) -> str | None:
    if not value or "$" in value or (workdir is None and not value.startswith("/")):
        return None
    return posixpath.normpath(posixpath.join(workdir or "/", value))


def _next_install(body: tuple[Instruction, ...], copy_index: int):  # noqa: ANN202
    """The first RUN after the copy, with its parsed script, if it installs from manifests.

    RUNs that only use system package managers are stepped over: they stay in place.
    """
    for inst in body[copy_index + 1 :]:
        if not isinstance(inst, Run):
            if inst.name in _PASSIVE:
                continue
            return None
        script = _script(inst)
        parsed = shell.parse(script) if script is not None else None
        if parsed is None or not parsed.ok:
            return None
        installs = {d.command_index: d for d in shell.dependency_installs(parsed)}
        if any(d.from_manifests or d.needs_sources for d in installs.values()):
            return inst, parsed, installs
        if not all(_before_sources_ok(c, installs) for c in parsed.commands):
            return None
    return None


def _script(run: Run) -> str | None:
    if run.heredocs or not isinstance(run.command, ShellForm):
        return None
    return run.command.text


def _plan_run(run: Run, parsed: shell.Script, installs: dict[int, shell.DependencyInstall]) -> _Install:
    commands = parsed.commands
    boundary = next((k for k, c in enumerate(commands) if not _before_sources_ok(c, installs)), len(commands))
    head = [installs[k] for k in range(boundary) if k in installs and installs[k].from_manifests]
    if not head:
        blocker = installs.get(boundary)
        if blocker is not None and blocker.needs_sources:
            raise Refused(blocker.reason)
        raise Refused(f"`{commands[boundary].text}` runs before the install and may use the sources")
    for mount in (f for f in run.flags if f.name == "mount"):
        value = mount.value or ""
        if "from=" not in value and ("type=bind" in value or "type=" not in value):
            raise Refused("the install mounts the build context")
    if boundary == len(commands):
        return _Install(run, head, None)
    if shell.split_chain(parsed, boundary - 1) is None:
        raise Refused(f"`{commands[boundary].text}` needs the sources and the RUN is not a plain && chain")
    if shell.shell_state_changes(parsed.text[: commands[boundary - 1].end]):
        raise Refused("the commands before the split change the shell's state")
    for c in commands[boundary:]:
        if _removes(c):
            raise Refused(f"`{c.text}` removes files after the install; split, they would stay in a layer")
    return _Install(run, head, boundary - 1)


def _before_sources_ok(command: shell.SimpleCommand, installs: dict[int, shell.DependencyInstall]) -> bool:
    """True when a command neither reads nor writes the project folder."""
    install = installs.get(command.index)
    if install is not None:
        if install.from_manifests:
            return not install.needs_sources
        inv = shell.invocation(command)
        if install.needs_sources or inv is None:
            return False
        if install.tool in ("npm", "yarn", "pnpm"):
            return inv.has_flag("-g", "--global")
        return install.tool == "pip" and not inv.has_flag("-t", "--target", "--prefix", "--root", "--src")
    inv = shell.invocation(command)
    if inv is None or command.redirections or command.nested:
        return False
    if inv.tool in _SYSTEM_TOOLS:
        return not any("/" in o for o in inv.operands)
    if inv.tool == "npm" and inv.subcommand == "config":
        return not any("location" in o or o.startswith("-L") for o in inv.flags)
    return (inv.tool, inv.subcommand) in {("npm", "cache"), ("yarn", "cache"), ("pip", "cache")}


def _removes(command: shell.SimpleCommand) -> bool:
    inv = shell.invocation(command)
    if inv is None:
        return False
    return inv.tool in _REMOVERS or (inv.tool, inv.subcommand) in _REMOVING_SUBCOMMANDS or (
        inv.tool == "find" and "-delete" in command.argv
    )


# --- the rewrite ---------------------------------------------------------------------------


def _rewrite(tree: Dockerfile, stage: Stage, copy_index: int, found: _Install, workdir: str | None,
             build_context: "_BuildContext | None", style: Style, subject: str) -> Finding:
    copy = stage.instructions[copy_index]
    assert isinstance(copy, (Copy, Add)) and copy.destination is not None
    flags = _carried_flags(tree, copy)
    dest = copy.destination.text
    between = stage.instructions[copy_index + 1 : stage.instructions.index(found.run)]
    _check_between(copy, between, dest, workdir)
    unsafe: list[str] = []
    user = _user_at(stage, found.run)
    if user is not None:
        unsafe.append(f"the install runs as USER {user}")
    files: list[str] = []
    for install in found.installs:
        if install.ecosystem in _UNSUPPORTED:
            raise Refused(_UNSUPPORTED[install.ecosystem])
        if build_context is None:
            files += _GUESS.get(install.ecosystem, install.manifests)
            continue
        listed, reason = _manifests(install, found, stage, build_context)
        files += listed
        if reason:
            unsafe.append(reason)
    files = list(dict.fromkeys(files))
    bad = [f for f in files if not _SAFE_NAME.match(f) or ".." in f.split("/")]
    if not files or bad:
        raise Refused(f"cannot write the manifest name {bad[0]!r}" if bad else "no manifest found in the context")
    if build_context is None:
        applicability = Applicability.SUGGESTION
        note = "no build context: check that these files exist"
    elif unsafe:
        applicability, note = Applicability.UNSAFE, "; ".join(unsafe)
    else:
        applicability, note = Applicability.SAFE, ""
    edits = _edits(tree, copy, found, flags, dest, files, style)
    names = ", ".join(files)
    fix = Fix(f"Copy {names} before the install", edits, applicability)
    message = f"copy {names} first" + (f" ({note})" if note else "")
    return finding(CODE, _message(subject, message), copy, fix)


def _message(subject: str, tail: str) -> str:
    return f"`{subject}` re-runs whenever any file changes; {tail}"


def _carried_flags(tree: Dockerfile, copy: Copy | Add) -> list[str]:
    out = []
    for flag in copy.flags:
        if flag.name not in _COPY_FLAGS:
            raise Refused(f"{copy.name} --{flag.name} cannot be carried to the manifest copy")
        out.append(tree.source[flag.start : flag.end])
    return out


def _check_between(copy: Copy | Add, between: Iterable[Instruction], dest: str, workdir: str | None) -> None:
    uses_variables = "$" in copy.text
    for inst in between:
        if isinstance(inst, (Env, Arg)) and uses_variables:
            raise Refused(f"{copy.name} uses variables and {inst.name} comes before the install")
    if dest in (".", "./"):
        return
    if "$" in dest or "\"" in dest or "'" in dest or not dest.startswith("/") or workdir is None:
        raise Refused(f"the install may not run in {dest} (the WORKDIR is not known to be it)")
    if posixpath.normpath(dest) != workdir:
        raise Refused(f"the install runs in {workdir}, not in {dest}")


def _user_at(stage: Stage, run: Run) -> str | None:
    user = None
    for inst in stage.instructions:
        if inst is run:
            break
        if isinstance(inst, User) and inst.value:
            user = inst.value[0]
    return None if user is None or user.split(":")[0] in ("root", "0") else user


def _edits(tree: Dockerfile, copy: Copy | Add, found: _Install, flags: list[str], dest: str,
           files: list[str], style: Style) -> tuple[Edit, ...]:
    source, newline = tree.source, style.newline
    indent = source[copy.start : copy.start + len(copy.text) - len(copy.text.lstrip(" \t"))]
    # the line stands where the user's COPY stood: it keeps that keyword's spelling
    keyword = copy.keyword if copy.name == "COPY" else style.keyword("COPY")
    by_folder: dict[str, list[str]] = {}
    for name in files:
        by_folder.setdefault(posixpath.dirname(name), []).append(name)
    lines = []
    for folder, names in by_folder.items():
        target = (dest if dest.endswith("/") else dest + "/") + (folder + "/" if folder else "")
        words = [keyword, *flags, *names, target]
        lines.append(indent + " ".join(words) + newline)
    moved = copy.text if copy.text.endswith("\n") else copy.text + newline
    run = found.run
    edits = [Edit(copy.start, copy.end, "".join(lines))]
    if found.split_after is None:
        prefix = "" if run.text.endswith("\n") else newline
        edits.append(Edit(run.end, run.end, prefix + moved))
        return tuple(edits)
    head_end, tail_start = _split_offsets(run, found.split_after)
    gap = source[head_end:tail_start]
    if any(line.lstrip().startswith("#") for line in gap.splitlines()[1:]):
        raise Refused("a comment sits where the RUN would be split")
    command_start = shell_form(run).start
    keyword_part = source[run.start : command_start]
    edits.append(Edit(head_end, tail_start, newline + moved + keyword_part))
    return tuple(edits)


def _split_offsets(run: Run, index: int) -> tuple[int, int]:
    """Source offsets of the end of command ``index`` and the start of the next one."""
    parsed = script_of(run)
    base = run.logical.parse.args_span[0]
    head_end = run.logical.to_source(base + parsed.commands[index].end, end=True)
    tail_start = run.logical.to_source(base + parsed.commands[index + 1].start)
    return head_end, tail_start


# --- what the install reads, checked against the build context ---------------------------


def _manifests(install: shell.DependencyInstall, found: _Install, stage: Stage,
               ctx: "_BuildContext") -> tuple[list[str], str | None]:
    """The files to copy first, and why the fix is only unsafe (None: safe)."""
    eco = install.ecosystem
    primary = install.manifests[0] if install.manifests else ""
    if eco not in ("pip", "uv") and "/" in primary.rstrip("/"):
        raise Refused(f"{install.tool} installs from the subfolder {posixpath.dirname(primary)}")
    for name in _REFUSE_PRESENT.get(eco, ()):
        if ctx.present(name):
            raise Refused(f"{name} is in the context and the install may read it")
    for name in _OUTPUTS.get(eco, ()):
        if ctx.present(name):
            raise Refused(f"{name} is in the context: the later COPY would lay it over the installed one")
    listed: list[str] = []
    for pattern in (*install.manifests, *install.config_files, *_EXTRA_CONFIG.get(eco, ())):
        if pattern.endswith("/"):
            if ctx.present(pattern.rstrip("/")):
                raise Refused(f"the install reads the folder {pattern}")
            continue
        listed += ctx.existing(pattern)
    command = script_of(found.run).commands[install.command_index]
    inv = shell.invocation(command)
    check = _ECOSYSTEM_CHECKS.get(eco)
    extra, unsafe = check(install, inv, listed, stage, found.run, ctx) if check else ([], None)
    return listed + [e for e in extra if e not in listed], unsafe


def _need(ctx: "_BuildContext", name: str, listed: list[str]) -> str:
    if name not in listed:
        raise Refused(f"{name} is not in the build context")
    return ctx.read(name)


def _node(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
    try:
        package = json.loads(_need(ctx, "package.json", listed))
    except ValueError:
        raise Refused("package.json is not valid JSON") from None
    if not isinstance(package, dict):
        raise Refused("package.json is not an object")
    if "workspaces" in package:
        raise Refused("package.json declares workspaces, whose manifests live in subfolders")
    scripts = package.get("scripts") or {}
    hooks = [h for h in _NPM_HOOKS if h in scripts]
    if hooks and not inv.has_flag("--ignore-scripts"):
        raise Refused(f"package.json has a {hooks[0]} script, which runs during the install and may read sources")
    for section in ("dependencies", "devDependencies", "optionalDependencies", "overrides", "resolutions"):
        for name, spec in (package.get(section) or {}).items():
            if isinstance(spec, str) and _LOCAL_SPEC.match(spec):
                raise Refused(f"the dependency {name} comes from the local path {spec}")
    frozen = {
        "npm": install.subcommand in ("ci", "clean-install", "ic", "install-clean"),
        "yarn": inv.has_flag("--frozen-lockfile", "--immutable"),
        "pnpm": inv.has_flag("--frozen-lockfile") or install.subcommand == "fetch",
    }[install.ecosystem]
    lock = {"npm": "package-lock.json", "yarn": "yarn.lock", "pnpm": "pnpm-lock.yaml"}[install.ecosystem]
    if not frozen and (lock in listed or "npm-shrinkwrap.json" in listed):
        return [], f"`{install.tool} {install.subcommand or 'install'}` may rewrite {lock}"
    return [], None


def _python_requirements(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
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


_REQ_OPTION = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?<=-r|-c))(\S+)")


def _requirement_includes(name: str, text: str) -> Iterator[str]:
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = _REQ_OPTION.match(line)
        if match:
            if "://" in match.group(2):
                continue
            yield match.group(2)
        elif line.startswith(("-e", "--editable", "-f", "--find-links", ".", "/", "file:")) or "@ file:" in line:
            raise Refused(f"{name} installs a local path: {line}")


def _uv(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
    if install.subcommand != "sync":
        return _python_requirements(install, inv, listed, stage, run, ctx)
    text = _need(ctx, "pyproject.toml", listed)
    if "[tool.uv.workspace]" in text or re.search(r"\bpath\s*=", text):
        raise Refused("pyproject.toml has path sources or a uv workspace")
    if not inv.has_flag("--locked", "--frozen") and "uv.lock" in listed:
        return [], "`uv sync` without --locked may rewrite uv.lock"
    return [], None


def _poetry(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
    if re.search(r"\bpath\s*=", _need(ctx, "pyproject.toml", listed)):
        raise Refused("pyproject.toml has path dependencies")
    return [], None


def _pipenv(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
    if re.search(r"\bpath\s*=", _need(ctx, "Pipfile", listed)):
        raise Refused("the Pipfile has path dependencies")
    frozen = install.subcommand == "sync" or inv.has_flag("--deploy", "--ignore-pipfile")
    return [], None if frozen or "Pipfile.lock" not in listed else "`pipenv install` may rewrite Pipfile.lock"


_GO_LOCAL_REPLACE = re.compile(r"=>\s*(\.{1,2}/|/)", re.M)


def _go(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
    if _GO_LOCAL_REPLACE.search(_need(ctx, "go.mod", listed)):
        raise Refused("go.mod replaces a module with a local folder")
    return [], None


_GEMFILE_LOCAL = re.compile(r"^\s*(gemspec|eval_gemfile)\b|\bpath\s*:|:path\s*=>|\bfile\s*:", re.M)


def _bundler(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
    gemfile = next((m for m in listed if not m.endswith(".lock")), "Gemfile")
    if _GEMFILE_LOCAL.search(_need(ctx, gemfile, listed)):
        raise Refused(f"the {gemfile} uses gemspec, path: or file:, which need the sources")
    frozen = inv.has_flag("--frozen", "--deployment") or _env_true(stage, run, ("BUNDLE_FROZEN", "BUNDLE_DEPLOYMENT"))
    locks = [m for m in listed if m.endswith(".lock")]
    return [], None if frozen or not locks else f"`bundle install` without frozen mode may rewrite {locks[0]}"


def _composer(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
    try:
        data = json.loads(_need(ctx, "composer.json", listed))
    except ValueError:
        raise Refused("composer.json is not valid JSON") from None
    repositories = data.get("repositories") if isinstance(data, dict) else None
    entries = repositories.values() if isinstance(repositories, dict) else repositories or []
    if any(isinstance(r, dict) and r.get("type") == "path" for r in entries):
        raise Refused("composer.json has a path repository")
    return [], None


def _maven(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
    if "<modules>" in _need(ctx, "pom.xml", listed):
        raise Refused("pom.xml has modules, whose poms live in subfolders")
    return [], None


def _gradle(install, inv, listed, stage, run, ctx):  # noqa: ANN001, ANN202
    settings = [m for m in listed if m.startswith("settings.gradle")]
    if any(re.search(r"\binclude", ctx.read(s)) for s in settings):
        raise Refused("the gradle settings include other projects")
    return [], None


_ECOSYSTEM_CHECKS = {
    "npm": _node, "yarn": _node, "pnpm": _node, "pip": _python_requirements,
    "uv": _uv, "poetry": _poetry, "pipenv": _pipenv, "go": _go,
    "bundler": _bundler, "composer": _composer, "maven": _maven, "gradle": _gradle,
}


def _env_true(stage: Stage, run: Run, names: tuple[str, ...]) -> bool:
    for inst in stage.instructions:
        if inst is run:
            break
        if isinstance(inst, Env):
            for pair in inst.pairs:
                if pair.key.text in names and pair.value and pair.value.text.strip("'\"").lower() in ("true", "1"):
                    return True
    return False


# --- the build context and .dockerignore --------------------------------------------------


@record
class _BuildContext:
    root: Path
    ignore: "_Ignore"

    @classmethod
    def open(cls, context: Context) -> "_BuildContext | None":
        from pathlib import Path  # here: few runs read the build context

        root = context.folder
        if root is None or not root.is_dir():
            return None
        candidates = [Path(context.path + ".dockerignore")] if context.path != "-" else []
        candidates.append(root / ".dockerignore")
        ignore_file = next((p for p in candidates if p.is_file()), None)
        try:
            ignore = _Ignore.parse(ignore_file.read_text(encoding="utf-8") if ignore_file else "")
        except (ValueError, OSError) as exc:
            return _BuildContext(root, _Ignore.unreadable(str(exc)))
        return cls(root, ignore)

    def existing(self, pattern: str) -> list[str]:
        """Regular files matching ``pattern`` (a name or a root-level glob) that are sent."""
        self.ignore.require()
        if any(c in pattern for c in "*?["):
            names = sorted(p.name for p in self.root.iterdir() if re.fullmatch(_pattern_regex(pattern), p.name))
        else:
            names = [pattern]
        out = []
        for name in names:
            path = self.root / name
            if path.is_symlink():
                raise Refused(f"{name} is a symlink")
            if path.is_file() and not self.ignore.excludes(name):
                out.append(name)
        return out

    def present(self, name: str) -> bool:
        """True when ``name``, or anything below it, is sent with the context."""
        self.ignore.require()
        path = self.root / name
        if not path.exists() and not path.is_symlink():
            return False
        if not self.ignore.excludes(name):
            return True
        if path.is_dir() and not path.is_symlink():
            for folder, dirs, files in os.walk(path):
                for entry in (*dirs, *files):
                    rel = os.path.relpath(os.path.join(folder, entry), self.root).replace(os.sep, "/")
                    if not self.ignore.excludes(rel):
                        return True
        return False

    def read(self, name: str) -> str:
        try:
            return (self.root / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise Refused(f"cannot read {name}: {exc}") from None


@record
class _Ignore:
    """``.dockerignore`` patterns, evaluated as BuildKit does: the last match decides,
    and a pattern that matches a parent folder matches everything below it."""

    patterns: list[tuple[re.Pattern[str], bool]] = field(default_factory=list)  # regex, exclusion
    problem: str | None = None

    @classmethod
    def unreadable(cls, why: str) -> "_Ignore":
        return cls([], why)

    @classmethod
    def parse(cls, text: str) -> "_Ignore":
        patterns = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exclusion = line.startswith("!")
            line = line[1:].strip() if exclusion else line
            line = posixpath.normpath(line).lstrip("/")
            if line in ("", "."):
                continue
            if line.startswith(".."):
                raise ValueError(f"the pattern {line!r} points outside the context")
            patterns.append((re.compile(_pattern_regex(line)), exclusion))
        return cls(patterns)

    def require(self) -> None:
        if self.problem:
            raise Refused(f".dockerignore cannot be evaluated: {self.problem}")

    def excludes(self, path: str) -> bool:
        parts = path.split("/")
        excluded = False
        for regex, exclusion in self.patterns:
            if exclusion != excluded:
                continue
            match = bool(regex.fullmatch(path)) or any(
                regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts))
            )
            if match:
                excluded = not exclusion
        return excluded


def _pattern_regex(pattern: str) -> str:
    """A Go filepath.Match pattern with ``**`` as a regular expression."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                i += 2
                while i < n and pattern[i] == "*":
                    i += 1
                if i < n and pattern[i] == "/":
                    out.append("(?:.*/)?")
                    i += 1
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\":
            if i + 1 >= n:
                raise ValueError(f"the pattern {pattern!r} ends with an escape")
            out.append(re.escape(pattern[i + 1]))
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                raise ValueError(f"the pattern {pattern!r} has an unclosed [")
            body = pattern[i + 1 : end]
            if "\\" in body or "[" in body:
                raise ValueError(f"the pattern {pattern!r} has a character class it cannot read")
            negate = body.startswith("^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("^", "\\^") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)
