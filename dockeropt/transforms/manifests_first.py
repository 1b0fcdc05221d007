"""DO102 manifests-first: plan a stage around its full-source COPY, so that a source edit
re-runs only what reads the sources.

What it does
    Finds ``COPY . <dest>`` (or ``ADD .``, ``COPY ./ <dest>``) and the steps after it in
    the same stage, and orders them by what they read:

    - a dependency install (``npm ci``, ``npm install``, ``pip install -r``, ``go mod
      download``, ``bundle install``, ``composer install`` ...) gets only its manifests
      and lockfiles copied before it, the rest after it::

          COPY package.json package-lock.json ./
          RUN npm ci
          COPY . .

      An install chained with a step that needs the sources (``npm ci && npm run
      build``) is split into ``RUN npm ci`` before the full copy and ``RUN npm run
      build`` after it; a cache clean-up at the end of the chain (``npm cache clean
      --force``, ``yarn cache clean``, ``pip cache purge``, ``rm -rf ~/.npm``) stays with
      the install, whose cache it empties;
    - a RUN that reads nothing the COPY writes (packages installed by name: ``apt-get``,
      ``apk``, ``dnf``, ``pip install NAME...``, ``npm install -g``, ``yarn global add``,
      ``gem install NAME``) moves above the COPY, where no source edit re-runs it.

    The WORKDIR may change between the COPY and the install when the install still runs
    in the COPY's destination (``COPY . /app`` / ``WORKDIR /app`` / ``RUN pip install -r
    requirements.txt``); the full copy is then written with its absolute destination.

Why
    A ``COPY .`` layer changes whenever any file of the context changes, and every step
    after it re-runs: editing one source file re-downloads every dependency. With the
    manifests first, the install comes from the build cache until a manifest changes;
    a package install moved above the COPY comes from the cache until the lines above
    it change.

Example
    ``WORKDIR /app`` / ``COPY --chown=node . .`` / ``RUN apt-get install -y git`` /
    ``RUN npm ci`` becomes ``WORKDIR /app`` / ``RUN apt-get install -y git`` /
    ``COPY --chown=node package.json package-lock.json ./`` / ``RUN npm ci`` /
    ``COPY --chown=node . .``. Flags ``--chown``, ``--chmod`` and ``--link`` are kept on
    both copies; the later full copy writes the manifests again with the same content
    and metadata, so the image's files, modes and owners are those of the original.

Fix safety
    Safe when the build context beside the Dockerfile shows that the plan cannot change
    the image: only manifests that exist there (and are not excluded by
    ``.dockerignore``) are listed, requirement files are followed through ``-r``/``-c``,
    and the install is known to read nothing else.

    The lockfile an install may rewrite, decided per tool:

    - ``npm install``: safe when ``package-lock.json`` is in sync with ``package.json``
      (the lock's name and version, and its root entry's dependency fields, equal the
      manifest's; every direct dependency has its ``node_modules/`` entry), its
      ``lockfileVersion`` is 2 or 3 and the base is ``node`` 16 or later: npm 8 and later
      keep such a lockfile's version (npm's ``lockfile-version`` setting: "otherwise
      maintain current lockfile version"), and with every root dependency satisfied by
      the lock npm builds the tree from the lock alone. The install reads the same two
      files in both orders, so ``node_modules`` is the same; the most it can write to the
      lockfile is the same tree serialized again, and the later ``COPY . .`` puts the
      repository's own copy back, which describes that same tree: nothing the image runs
      or installs reads a difference. Out of sync (or npm 6, a version-1 lockfile, a
      ``lockfile-version`` in ``.npmrc``): unsafe, since the fixed image would carry the
      repository's stale lockfile beside a ``node_modules`` resolved anew.
    - ``yarn`` (1.x) without ``--frozen-lockfile``: safe when ``yarn.lock`` is a v1
      lockfile whose entries are exactly those reachable from ``package.json``'s
      dependencies (yarn 1 then writes no lockfile) and there are no ``resolutions`` or
      ``packageManager`` switching yarn; unsafe otherwise (yarn 2+ included).
    - ``bundle install`` without frozen mode (``--frozen``, ``--deployment``,
      ``BUNDLE_FROZEN``/``BUNDLE_DEPLOYMENT``): unsafe. Bundler rewrites ``Gemfile.lock``
      for reasons the files alone do not show: the platform it runs on missing from
      ``PLATFORMS``, its own version against ``BUNDLED WITH``.
    - ``poetry install --no-root``: safe. Poetry installs from an existing
      ``poetry.lock`` and never writes it (an outdated lock is an error or a warning,
      not a new lock); without a lock both orders write the same new one, which the
      later COPY does not replace.
    - ``pipenv install`` without ``--deploy`` and ``uv sync`` without ``--locked``/
      ``--frozen``: unsafe (they re-lock when the manifest's hash differs).

    Unsafe too when the install runs as a non-root ``USER`` (builders differ in who owns
    the destination folder during the install), and for the composer idiom: ``composer
    install`` without ``--no-scripts --no-autoloader`` becomes ``composer install
    --no-scripts --no-autoloader`` before the sources and ``composer dump-autoload``
    (with the install's ``--no-dev``, ``-o``, ``-a``, ``--apcu-autoloader``) after them,
    plus ``composer run-script post-install-cmd`` when composer.json has that script:
    plugins and the other install scripts no longer see the sources. Without a build
    context (stdin) the fix is only a suggestion: the files it lists may not exist and
    the install scripts cannot be read.

    A moved RUN is safe: it names no relative path, nothing under the destination, no
    variable that does, and its program is not found through a PATH entry there; no
    ENV, ARG, WORKDIR, USER or SHELL lies between, so it runs in the environment it had.
    The COPY writes nothing the RUN reads or writes, so the files of the image are the
    same. ``yarn global add`` (which reads ``.yarnrc``/``.npmrc`` from the working
    directory) and ``gem install`` (which prefers a ``NAME.gem`` there) move only when
    the build context shows no such file.

When it refuses
    The finding is reported without a fix when:

    - the install needs the sources (``pip install .``, ``-e .``, ``poetry install``
      without ``--no-root``, ``uv sync`` without ``--no-install-project``, ``cargo``:
      even ``cargo fetch`` needs ``src/main.rs`` or ``src/lib.rs``);
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
      may read or write the sources (a RUN other than package installs by name, a COPY,
      VOLUME, or an ENV/ARG when the copy uses variables): the finding names it;
    - the install RUN mounts the context, uses a heredoc, or is chained with commands
      that cannot be split safely: not a pure ``&&`` chain, a state change (``cd``,
      ``export``) before the split point, or clean-up after it (``npm prune``, ``rm``)
      other than a cache clean-up the later commands cannot refill;
    - ``COPY`` has flags it cannot carry (``--exclude``, ``--parents``; ADD's
      ``--checksum`` ...) or the exec (JSON) form.

    A RUN that reads none of the sources stays below the COPY, with a finding saying
    why, when an ENV/ARG/WORKDIR/USER/SHELL lies between, when it names a relative path
    or a path under the destination, when the destination is a folder package tools read
    or write (``/``, ``/usr/local``, ``/root``, ``/var/www``, ``/srv`` ...) or unknown, or when
    its program may come from there.

Plan first, merge after
    DO101 (merge-run) asks ``keeps_apart`` before joining two RUNs: a RUN this rule moves
    above the full copy is never merged with one it leaves below, since their inputs
    differ (merged, every source edit would re-run the package install again). Moved
    RUNs land next to the RUNs above the COPY, where DO101 merges them: a move adds no
    layer; the split adds the manifest COPY, and a RUN when it splits a chain.

See also hadolint's DL3045 neighbourhood; ruff-style one rule per file.
"""

from __future__ import annotations

import posixpath
import re

from dockeropt import shell
from dockeropt.buildcontext import ContextError
from dockeropt.cst import Add, Arg, Copy, Dockerfile, Env, Instruction, Run, ShellForm, Stage, Workdir
from dockeropt.ecosystems import BY_NAME, CACHES, ECOSYSTEMS, NAMED, npm
from dockeropt.ecosystems.base import Refused, Site
from dockeropt.model import build_of
from dockeropt.record import record
from dockeropt.transforms.base import (
    Applicability, Context, Edit, Finding, Fix, Style, finding, per_script, per_tree, script_of, shell_form, style_of,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import TypeGuard

    from dockeropt.buildcontext import BuildContext
    from dockeropt.ecosystems.base import Cache, Ecosystem
    from dockeropt.model import Build

CODE = "DO102"

#: Instructions that may stand between the copy and the install without reading sources.
_PASSIVE = {"ENV", "ARG", "LABEL", "EXPOSE", "USER", "CMD", "ENTRYPOINT", "HEALTHCHECK",
            "STOPSIGNAL", "MAINTAINER", "SHELL", "ONBUILD", "WORKDIR"}
#: Instructions that change the environment a RUN runs in: a RUN does not move above them.
_ENVIRONMENT = {"ENV", "ARG", "WORKDIR", "USER", "SHELL"}
_COPY_FLAGS = {"chown", "chmod", "link"}
# patterns as strings: re compiles them when a plan first needs them, not on every run
_SAFE_NAME = r"^[A-Za-z0-9._@+-]+(?:/[A-Za-z0-9._@+-]+)*$"

#: Commands that neither read nor write the project folder: they may run before the sources.
_SYSTEM_TOOLS = {"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "corepack"}
#: File commands a moved RUN may hold (package hygiene), on absolute paths only.
_FILE_TOOLS = {"rm", "mkdir", "ln"}
#: Commands that remove files: after a split their files would stay in the install's layer.
_REMOVERS = {"rm", "rmdir", "unlink"}
_REMOVING_SUBCOMMANDS = {
    ("apt-get", "purge"), ("apt-get", "remove"), ("apt-get", "autoremove"), ("apt-get", "clean"), ("apk", "del"),
    *(pair for e in ECOSYSTEMS for pair in e.removing),
}
#: Cache clean-ups that belong to the install before them (``npm cache clean``), and the paths
#: whose ``rm`` empties a cache (``rm -rf ~/.npm``): the cache each empties.
_CLEANUP_COMMANDS: dict[tuple[str, str], Cache] = {pair: c for c in CACHES for pair in c.cleanups}
_CACHE_PATHS = tuple((c, c.removed) for c in CACHES if c.removed)
#: A tool's own cache commands (``npm cache``): they read and write only the cache.
_CACHE_COMMANDS = {c.command for c in CACHES if c.command is not None}
#: Folders whose files package tools read or write (a package's own web root in /var/www or
#: /srv included): a RUN does not move above a COPY into them.
_SYSTEM_FOLDERS = ("/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/usr/bin", "/usr/sbin",
                   "/usr/lib", "/usr/lib64", "/usr/libexec", "/usr/share", "/usr/include",
                   "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib", "/usr/local/share",
                   "/usr/local/etc", "/usr/local/include", "/var", "/srv", "/root",
                   "/home", "/tmp", "/run", "/proc", "/sys", "/dev")
_SYSTEM_SET = frozenset(_SYSTEM_FOLDERS)
_SYSTEM_PARENTS = frozenset(s[:k] for s in _SYSTEM_FOLDERS for k in range(len(s)) if s[k] == "/")  # "", "/usr" ...


class ManifestsFirst:
    code = CODE
    hadolint = ()  # the hadolint rules this corresponds to
    name = "manifests-first"
    summary = "Copy dependency manifests before the install and the sources after it"
    instructions = frozenset({"COPY", "ADD"})

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        planned = scans(tree)
        if not planned:
            return  # no full-source COPY: nothing to plan
        build = build_of(tree)
        for stage in tree.stages:
            yield from _check_stage(tree, build, stage, context, planned)


# --- what DO111 (layer-order) and DO101 (merge-run) read of this rule ---------------------------


def is_context_copy(inst: Instruction) -> TypeGuard[Copy | Add]:
    """``COPY . <dest>`` (or ``ADD .``, ``COPY ./``) without ``--from`` or the exec form: the
    full-source copy this rule plans around."""
    if not isinstance(inst, (Copy, Add)) or inst.exec_form is not None or inst.flag("from"):
        return False
    return len(inst.sources) == 1 and inst.sources[0].text in (".", "./") and inst.destination is not None


def named_install(inv: shell.Invocation) -> bool:
    """A package install by name that reads nothing of the working directory."""
    named = NAMED.get(inv.tool)
    return named is not None and named.by_name(inv)


def system_folder(path: str) -> bool:
    """``path`` (absolute) is, holds or lies in a folder whose files package tools read or
    write (``/``, ``/etc``, ``/usr/local``...): a step does not move above a COPY into it."""
    if path == "/" or path in _SYSTEM_SET or path.rstrip("/") in _SYSTEM_PARENTS:
        return True
    cut = path.find("/", 1)
    while cut > 0:  # each folder above ``path``
        if path[:cut] in _SYSTEM_SET:
            return True
        cut = path.find("/", cut + 1)
    return False


@record
class Scan:
    """The steps after a full-source COPY, read from the tree alone."""

    copy: Copy | Add
    dest: str | None  # the destination as an absolute path, when known
    moves: list[Run]  # RUNs reading none of the sources, movable above the COPY
    stuck: tuple[Run, str] | None  # the first such RUN that cannot move, and why
    install: tuple[Run, shell.Script, dict] | None  # the first RUN that installs from manifests
    blocker: Instruction | None  # what ended the scan before an install, if anything


@per_tree
def scans(tree: Dockerfile) -> dict[int, Scan]:
    """The scan of every full-source COPY of the tree (``is_context_copy``), by id of the
    COPY, in file order: read once for DO102's plan, DO101's ``keeps_apart`` and DO111's
    pairs (the rules must agree on which steps are DO102's)."""
    found: dict[int, Scan] = {}
    for stage in tree.stages:
        for i, inst in enumerate(stage.instructions):
            if is_context_copy(inst):
                found[id(inst)] = _scan(build_of(tree), stage, i)
    return found


# --- the plan of a stage: what follows each full-source COPY ---------------------------------


@record
class _Install:
    """The RUN that installs, and where its chain splits (None: it moves whole)."""

    run: Run
    installs: list[shell.DependencyInstall]
    split_after: int | None  # index of the last command that runs before the sources
    cleanup_from: int | None = None  # first command of a trailing cache clean-up moved to the head
    #: An install that reads the sources only through its scripts (``composer install``): it
    #: runs with its ``split_flags`` before the sources, its ``after_sources`` after them.
    idiom: tuple[shell.SimpleCommand, Ecosystem] | None = None


def _scan(build: Build, stage: Stage, index: int) -> Scan:
    body = stage.instructions
    copy = body[index]
    assert isinstance(copy, (Copy, Add)), "a scan starts at a full-source COPY"
    dest = _destination(build, copy)
    moves: list[Run] = []
    stuck: tuple[Run, str] | None = None
    between: list[Instruction] = []
    install = blocker = None
    for inst in body[index + 1 :]:
        if not isinstance(inst, Run):
            if inst.name in _PASSIVE:
                between.append(inst)
                continue
            blocker = inst
            break
        parsed = _parsed(build.tree, inst)
        if parsed is None:
            blocker = inst
            break
        installs = {d.command_index: d for d in _dependency_installs(parsed)}
        if any(d.from_manifests or d.needs_sources for d in installs.values()):
            install = (inst, parsed, installs)
            break
        if not all(_before_sources_ok(c, installs, dest) for c in parsed.commands):
            blocker = inst
            if stuck is None and all(_package_tool(c) for c in parsed.commands):
                stuck = (inst, _reads_what(parsed, dest))
            break
        if stuck is None:
            why = _move_refusal(build, copy, dest, inst, parsed, between)
            if why is None:
                moves.append(inst)
            else:
                stuck = (inst, why)
    return Scan(copy, dest, moves, stuck, install, blocker)


def _reads_what(parsed: shell.Script, dest: str | None) -> str:
    """Why a package install reads (or may read) what the COPY writes."""
    if dest is None:
        return "the COPY's destination is not known"
    reasons = (_command_refusal(c, dest) for c in parsed.commands)
    return next((r for r in reasons if r), "it redirects or nests commands whose files are not followed")


def _destination(build: Build, copy: Copy | Add) -> str | None:
    if copy.destination is None:
        return None
    dest = copy.destination.text
    if "$" in dest or '"' in dest or "'" in dest:
        return None
    return build.state(copy).resolve(dest)


@per_tree
def _moved_runs(tree: Dockerfile) -> dict[int, tuple[Run, Copy | Add]]:
    """The RUNs the plan moves above a full-source COPY, by id, with that COPY."""
    found: dict[int, tuple[Run, Copy | Add]] = {}
    for scan in scans(tree).values():
        for run in scan.moves:
            found[id(run)] = (run, scan.copy)
    return found


def keeps_apart(tree: Dockerfile, first: Instruction, second: Instruction) -> str | None:
    """Why DO101 must not merge ``first`` and ``second`` (adjacent RUNs), or None.

    The plan moves some RUNs above a full-source COPY; merged with a RUN that stays below,
    the package install would re-run on every source edit again. The decision reads the
    tree only (not the build context), so that it does not change with the folder.
    """
    moved = _moved_runs(tree)
    a, b = moved.get(id(first)), moved.get(id(second))
    if (a is None) == (b is None):
        return None
    pair = a or b
    assert pair is not None
    run, copy = pair
    return (f"DO102 moves `{_first_line(run)}` above `{_first_line(copy)}` (line {copy.line}): "
            "it reads none of the sources, and merged it would re-run on every source edit")


def _check_stage(tree: Dockerfile, build: Build, stage: Stage, context: Context,
                 planned: dict[int, Scan]) -> Iterator[Finding]:
    body = stage.instructions
    for i, inst in enumerate(body):
        scan = planned.get(id(inst))
        if scan is None:
            continue
        yield from _move_findings(tree, build, scan, context)
        if scan.stuck is not None:
            run, why = scan.stuck
            yield finding(CODE, f"`{_command_line(run)}` is not moved above `{_first_line(inst)}` (line "
                          f"{inst.line}), where a source edit would not re-run it: {why}", run)
        if scan.install is not None:
            run, parsed, installs = scan.install
            subject = next(parsed.commands[k].text for k, d in installs.items() if d.from_manifests or d.needs_sources)
            try:
                found = _plan_run(run, parsed, installs, scan.dest)
                yield _rewrite(tree, build, stage, i, found, context.files, style_of(tree), subject)
            except (Refused, ContextError) as exc:
                yield finding(CODE, _message(subject, f"not rewritten: {exc}"), inst)
        elif scan.blocker is not None:
            unread = _unread_install(tree, scan.blocker)
            if unread is not None:
                yield finding(CODE, _message(unread[0], f"not rewritten: {unread[1]}"), inst)
                continue
            later = _later_install(tree, body[next(k for k in range(i, len(body)) if body[k] is scan.blocker) :])
            if later is not None:
                yield finding(CODE, _message(later, f"not rewritten: `{_first_line(scan.blocker)}` (line "
                                             f"{scan.blocker.line}) comes between and may read or write the sources"), inst)


def _unread_install(tree: Dockerfile, inst: Instruction) -> tuple[str, str] | None:
    """A RUN in a form the plan does not rewrite (heredoc, exec form, unreadable shell) that
    installs from manifests: the install as written, and why it is left."""
    if not isinstance(inst, Run) or _parsed(tree, inst) is not None:
        return None  # a RUN the scan read installs nothing from manifests, or it would not block
    if inst.heredocs:
        texts, why = [h.body for h in inst.heredocs], "the install RUN uses a heredoc"
    elif not isinstance(inst.command, ShellForm):
        texts, why = [" ".join(inst.value)], "the install RUN is in exec form"
    else:
        texts, why = [inst.command.text], "the install RUN's shell text cannot be read"
    for text in texts:
        for d in shell.dependency_installs(text):
            if d.from_manifests:
                return text[d.start : d.end], why
    return None


def _later_install(tree: Dockerfile, rest: Iterable[Instruction]) -> str | None:
    """The first dependency install of the stage's remaining RUNs, as written."""
    for inst in rest:
        parsed = _parsed(tree, inst) if isinstance(inst, Run) else None
        if parsed is None:
            continue
        for d in _dependency_installs(parsed):
            if d.from_manifests:
                return parsed.commands[d.command_index].text
    return None


def _first_line(inst: Instruction) -> str:
    return inst.text.split("\n", 1)[0].rstrip("\\ \r\t")


def _command_line(run: Run) -> str:
    """The first line of a RUN's command, for messages."""
    return run.command.text.split("\n", 1)[0].rstrip("\\ \t") if isinstance(run.command, ShellForm) else _first_line(run)


def _commands_of(tree: Dockerfile, run: Run) -> list[shell.SimpleCommand]:
    parsed = _parsed(tree, run)
    return list(parsed.commands) if parsed is not None else []


@per_script
def _dependency_installs(script: shell.Script) -> tuple[shell.DependencyInstall, ...]:
    """The script's dependency installs, read once per RUN text: the plan is made again on
    every pass and the same RUNs come back."""
    return tuple(shell.dependency_installs(script))


def _parsed(tree: Dockerfile, run: Run) -> shell.Script | None:
    """The RUN's script when it is shell form without heredocs and reads cleanly."""
    if run.heredocs or not isinstance(run.command, ShellForm):
        return None
    parsed = script_of(run)
    return parsed if parsed.ok else None


def _plan_run(run: Run, parsed: shell.Script, installs: dict[int, shell.DependencyInstall],
              dest: str | None) -> _Install:
    commands = parsed.commands

    def head_ok(c: shell.SimpleCommand) -> bool:
        return _before_sources_ok(c, installs, dest) or _idiom(installs.get(c.index)) is not None

    boundary = next((k for k, c in enumerate(commands) if not head_ok(c)), len(commands))
    head = [installs[k] for k in range(boundary) if k in installs
            and (installs[k].from_manifests or _idiom(installs[k]) is not None)]
    idiom = next(((commands[d.command_index], e) for d in head if (e := _idiom(d)) is not None), None)
    if not head:
        blocker = installs.get(boundary)
        if blocker is not None and blocker.needs_sources:
            raise Refused(blocker.reason)
        raise Refused(f"`{commands[boundary].text}` runs before the install and may use the sources")
    for mount in (f for f in run.flags if f.name == "mount"):
        value = mount.value or ""
        if "from=" not in value and ("type=bind" in value or "type=" not in value):
            raise Refused("the install mounts the build context")
    cleanup_from = _cleanup_start(commands, boundary)
    if boundary == len(commands) or cleanup_from == boundary:
        return _Install(run, head, None, idiom=idiom)
    if shell.split_chain(parsed, boundary - 1) is None:
        raise Refused(f"`{commands[boundary].text}` needs the sources and the RUN is not a plain && chain")
    if shell.shell_state_changes(parsed.text[: commands[boundary - 1].end]):
        raise Refused("the commands before the split change the shell's state")
    tail = commands[boundary:cleanup_from]
    for c in tail:
        if _removes(c):
            raise Refused(f"`{c.text}` removes files after the install; split, they would stay in a layer")
    if cleanup_from < len(commands):
        families = {_cleanup_family(c) for c in commands[cleanup_from:]}
        filled = {BY_NAME[d.ecosystem].cache for d in head}
        if not families <= filled:
            raise Refused(f"`{commands[cleanup_from].text}` cleans a cache the install before the sources does not fill")
        for c in tail:
            inv = shell.invocation(c)
            if inv is not None and any(f is not None and inv.tool in f.fillers for f in families) and not npm.runs_script(inv):
                raise Refused(f"`{c.text}` may fill the cache that `{commands[cleanup_from].text}` cleans")
    return _Install(run, head, boundary - 1, cleanup_from if cleanup_from < len(commands) else None, idiom)


def _cleanup_start(commands: tuple[shell.SimpleCommand, ...], boundary: int) -> int:
    """Where the chain's trailing cache clean-ups start (len(commands) when there are none)."""
    k = len(commands)
    while k > boundary and _cleanup_family(commands[k - 1]) is not None:
        k -= 1
    return k


def _cleanup_family(command: shell.SimpleCommand) -> Cache | None:
    """The cache a command empties (``npm cache clean``, ``rm -rf ~/.npm``), or None."""
    inv = shell.invocation(command)
    if inv is None or command.nested or command.redirections:
        return None
    family = _CLEANUP_COMMANDS.get((inv.tool, inv.subcommand or ""))
    if family is not None:
        if family.cleanup_verbs and (not inv.operands or inv.operands[0] not in family.cleanup_verbs):
            return None
        return family
    if inv.tool == "rm" and inv.subcommand is not None:
        paths = (inv.subcommand, *inv.operands)
        kinds = {next((f for f, p in _CACHE_PATHS if re.match(p, w)), None) for w in paths}
        if len(kinds) == 1 and None not in kinds:
            return kinds.pop()
    return None


def _idiom(install: shell.DependencyInstall | None) -> Ecosystem | None:
    """The ecosystem of an install that reads the sources only through its scripts and
    autoloader (``composer install``), which its ``split_flags`` turn off."""
    if install is not None and install.needs_sources:
        ecosystem = BY_NAME[install.ecosystem]
        if ecosystem.split_flags:
            return ecosystem
    return None


def _before_sources_ok(command: shell.SimpleCommand, installs: dict[int, shell.DependencyInstall],
                       dest: str | None = None) -> bool:
    """True when a command neither reads nor writes the project folder (``dest``, when known)."""
    install = installs.get(command.index)
    if install is not None and install.from_manifests:
        return not install.needs_sources
    if _relative_path(command) is not None:
        return False
    inv = shell.invocation(command)
    if inv is None or command.redirections or command.nested:
        return False
    if install is not None:
        return not install.needs_sources and named_install(inv)
    if inv.tool in _SYSTEM_TOOLS:
        return not any("/" in o for o in inv.operands)
    if inv.tool in _FILE_TOOLS:  # rm -rf /var/lib/apt/lists/*: absolute paths outside the project
        paths = [w for w in (inv.subcommand, *inv.operands) if w is not None]
        return dest is not None and all(p.startswith("/") and not _names_path(p, dest) for p in paths)
    if inv.tool == "npm" and inv.subcommand == "config":
        return not any("location" in o or o.startswith("-L") for o in inv.flags)
    if named_install(inv):
        return True
    return (inv.tool, inv.subcommand) in _CACHE_COMMANDS


def _reads_when_present(inv: shell.Invocation) -> tuple[str, ...]:
    """The files of the working directory an install by name reads when they are there
    (``yarn global add``: its rc files; ``gem install NAME``: a local ``.gem``)."""
    named = NAMED.get(inv.tool)
    return named.reads if named is not None and named.by_name(inv) else ()


def _relative_path(command: shell.SimpleCommand) -> str | None:
    """A word of the command that names a path relative to the working directory."""
    words = [*command.words[1:], *command.assignments, *(r.target for r in command.redirections if r.target)]
    for word in words:
        value = word.value.split("=", 1)[-1]  # --opt=PATH, Dir::Cache=PATH, VAR=PATH
        if not value or "://" in value or value.startswith(("/", "~", "$", "-")):
            continue
        if value.startswith(".") or "/" in value or value.endswith(shell.PACKAGE_FILE_SUFFIXES):
            return value
    return None


def _removes(command: shell.SimpleCommand) -> bool:
    inv = shell.invocation(command)
    if inv is None:
        return False
    return inv.tool in _REMOVERS or (inv.tool, inv.subcommand) in _REMOVING_SUBCOMMANDS or (
        inv.tool == "find" and "-delete" in command.argv
    )


# --- moving a RUN that reads none of the sources ------------------------------------------------


def _move_refusal(build: Build, copy: Copy | Add, dest: str | None, run: Run, parsed: shell.Script,
                  between: list[Instruction]) -> str | None:
    """Why ``run`` cannot move above ``copy`` (the tree alone decides), or None."""
    for inst in between:
        if inst.name in _ENVIRONMENT:
            return f"{inst.name} on line {inst.line} changes its environment"
    for mount in (f for f in run.flags if f.name == "mount"):
        value = mount.value or ""
        if "from=" not in value and ("type=bind" in value or "type=" not in value):
            return "it mounts the build context"
    if dest is None:
        return "the COPY's destination is not known"
    if system_folder(dest):
        return f"the COPY writes into {dest}, where package tools read and write"
    for name, value in build.state(run).env.items():
        if _names_path(value, dest):
            return f"{name} names {dest}, which the COPY writes"
    for command in parsed.commands:
        why = _command_refusal(command, dest)
        if why is not None:
            return why
    return None


def _command_refusal(command: shell.SimpleCommand, dest: str) -> str | None:
    inv = shell.invocation(command)
    if inv is None or command.nested:
        return f"`{command.text}` is not a plain command"
    relative = _relative_path(command) or next(
        (v for o in inv.options if o.value and (v := o.value) and not v.startswith("/") and "://" not in v
         and o.name in ("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-f", "--find-links",
                        "--file", "-g")), None)
    if relative is not None:
        return f"`{command.text}` names the relative path {relative}"
    if not (inv.tool in _SYSTEM_TOOLS or named_install(inv) or inv.tool in _FILE_TOOLS
            or (inv.tool, inv.subcommand) in _CACHE_COMMANDS):
        return f"`{command.text}` is not a package install by name"
    for word in (*command.words[1:], *(r.target for r in command.redirections if r.target)):
        value = word.value.split("=", 1)[-1]
        if _names_path(value, dest):
            return f"`{command.text}` names {value}, which the COPY writes"
    if inv.tool in _FILE_TOOLS and not all(o.startswith("/") for o in (inv.subcommand or "", *inv.operands)):
        return f"`{command.text}` names a path that is not absolute"
    return None


def _package_tool(command: shell.SimpleCommand) -> bool:
    """The command installs packages (by name or not): whatever it reads, no build step."""
    inv = shell.invocation(command)
    if inv is None:
        return False
    named = NAMED.get(inv.tool)
    return inv.tool in _SYSTEM_TOOLS or (named is not None and named.installs(inv))


def _names_path(value: str, dest: str) -> bool:
    """``value`` mentions ``dest`` or a path below it (``PATH=/app/.venv/bin:...``)."""
    for part in re.split(r"[:\s=,;]", value):
        if part == dest or part.startswith(dest.rstrip("/") + "/"):
            return True
    return False


def _move_context_refusal(files: BuildContext | None, build: Build, run: Run, dest: str) -> str | None:
    """Why the build context keeps ``run`` below the COPY: a file it would read from there."""
    if files is None:
        return None
    workdir = build.state(run).workdir
    if workdir is not None and not _names_path(workdir, dest):
        return None
    parsed = _parsed(build.tree, run)
    for command in parsed.commands if parsed else ():
        inv = shell.invocation(command)
        if inv is None:
            continue
        present = _local_files_read(files, inv)
        if present:
            return f"`{command.text}` reads {present[0]} from the working directory, which the COPY writes"
    return None


def _move_findings(tree: Dockerfile, build: Build, scan: Scan, context: Context) -> Iterator[Finding]:
    """The move of the RUNs the build context lets move, and why the next one stays."""
    copy, runs = scan.copy, list(scan.moves)
    where = f"`{_first_line(copy)}` (line {copy.line})"
    files = context.files
    for k, run in enumerate(runs):
        try:
            why = _move_context_refusal(files, build, run, scan.dest or "")
        except ContextError as exc:
            why = str(exc)
        if why is not None:
            yield finding(CODE, f"`{_command_line(run)}` is not moved above {where}, where a source edit would "
                                f"not re-run it: {why}", run)
            runs = runs[:k]
            break
    if not runs:
        return
    source = tree.source
    moved = "".join(_with_newline(source[r.full_start : r.end], tree.newline) for r in runs)
    edits = [Edit(copy.full_start, copy.full_start, moved)]
    edits += [Edit(r.full_start, r.end, "") for r in runs]
    needs_context = any(_reads_when_present(inv) for r in runs for c in _commands_of(tree, r)
                        if (inv := shell.invocation(c)) is not None)
    applicability = Applicability.SUGGESTION if needs_context and files is None else Applicability.SAFE
    it = "it" if len(runs) == 1 else f"these {len(runs)} RUNs"
    fix = Fix(f"Move {it} above {_first_line(copy)}", tuple(edits), applicability)
    message = (f"`{_command_line(runs[0])}` re-runs whenever any file changes, though it reads none of the files "
               f"{where} writes; move {it} above the COPY")
    yield finding(CODE, message, runs[0], fix)


def _with_newline(text: str, newline: str) -> str:
    return text if text.endswith("\n") else text + newline


# --- the manifest split ------------------------------------------------------------------------


def _rewrite(tree: Dockerfile, build: Build, stage: Stage, copy_index: int, found: _Install,
             files: BuildContext | None, style: Style, subject: str) -> Finding:
    copy = stage.instructions[copy_index]
    assert isinstance(copy, (Copy, Add)) and copy.destination is not None
    flags = _carried_flags(tree, copy)
    dest = copy.destination.text
    between = stage.instructions[copy_index + 1 : stage.instructions.index(found.run)]
    moved_dest = _check_between(build, copy, between, found.run)
    unsafe: list[str] = []
    state = build.state(found.run)
    if not state.root:
        unsafe.append(f"the install runs as USER {state.user}")
    listed: list[str] = []
    for install in found.installs:
        ecosystem = BY_NAME[install.ecosystem]
        if ecosystem.unsupported:
            raise Refused(ecosystem.unsupported)
        if files is None:
            listed += ecosystem.guess if ecosystem.guess is not None else install.manifests
            continue
        these, reason = _manifests(install, found, build, files)
        listed += these
        if reason:
            unsafe.append(reason)
    if files is not None:
        listed += _env_files(build, copy, found.run, files)
    listed = list(dict.fromkeys(listed))
    if files is not None:
        _check_between_reads(tree, between, listed, files)
    bad = [f for f in listed if not re.match(_SAFE_NAME, f) or ".." in f.split("/")]
    if not listed or bad:
        raise Refused(f"cannot write the manifest name {bad[0]!r}" if bad else "no manifest found in the context")
    dump = _after_sources(found.idiom, files) if found.idiom is not None else None
    if dump is not None:
        assert found.idiom is not None
        unsafe.append(f"{found.idiom[1].name}'s plugins and install scripts no longer see the sources; "
                      f"`{dump}` runs after them")
    if files is None:
        applicability = Applicability.SUGGESTION
        note = "no build context: check that these files exist"
    elif unsafe:
        applicability, note = Applicability.UNSAFE, "; ".join(unsafe)
    else:
        applicability, note = Applicability.SAFE, ""
    edits = _edits(tree, copy, found, flags, dest, moved_dest, listed, style, dump)
    names = ", ".join(listed)
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


def _check_between(build: Build, copy: Copy | Add, between: Iterable[Instruction], run: Run) -> str | None:
    """Refuse unless the install runs in the copy's destination; the destination the full
    copy must be written with after the install (None: as it is)."""
    uses_variables = "$" in copy.text
    workdirs = [inst for inst in between if isinstance(inst, Workdir)]
    for inst in between:
        if isinstance(inst, (Env, Arg)) and uses_variables:
            raise Refused(f"{copy.name} uses variables and {inst.name} comes before the install")
    if copy.destination is None:
        raise Refused(f"{copy.name} has no destination")
    dest = copy.destination.text
    if dest in (".", "./") and not workdirs:
        return None
    target = _destination(build, copy)
    workdir = build.state(run).workdir
    if target is None or workdir is None:
        raise Refused(f"the install may not run in {dest} (the WORKDIR is not known to be it)")
    if target != workdir:
        raise Refused(f"the install runs in {workdir}, not in {target}")
    if workdirs and not dest.startswith("/"):
        return target + ("/" if dest.endswith("/") else "")
    return None


_PATH_VARIABLE = r"(?:FILE|CONFIG|RC|PATH|DIR|HOME)$"


def _env_files(build: Build, copy: Copy | Add, run: Run, files: BuildContext) -> list[str]:
    """Context files an ENV of the install names in the destination (``PIP_CONFIG_FILE=
    /app/pip.conf``): the install may read them, so they are copied with the manifests."""
    dest = _destination(build, copy)
    if dest is None:
        return []
    found = []
    for name, value in build.state(run).env.items():
        if name in ("HOME", "XDG_CONFIG_HOME") and _names_path(value, dest):
            raise Refused(f"{name} is {value}: the install may read its configuration from the sources")
        for part in re.split(r"[:\s=,;]", value):
            if part.startswith("/"):
                if not _names_path(part, dest) or part == dest:
                    continue
                rel = posixpath.relpath(posixpath.normpath(part), dest)
            elif part and re.search(_PATH_VARIABLE, name, re.I) and "://" not in value:
                rel = posixpath.normpath(part)
            else:
                continue
            if rel.startswith(".."):
                continue
            if files.sent_file(rel):
                found.append(rel)
            elif files.present(rel):
                raise Refused(f"{name} names {part}, a folder the context holds")
    return found


def _local_files_read(files: BuildContext, inv: shell.Invocation) -> list[str]:
    """The context files a ``yarn global add`` (its rc files) or a ``gem install NAME`` (a
    local ``.gem``) would read from the working directory, as the context holds them."""
    names = _reads_when_present(inv)
    present: list[str] = []
    for name in names:
        present += files.existing(name) if "*" in name else [name] if files.present(name) else []
    return present


def _check_between_reads(tree: Dockerfile, between: Iterable[Instruction], listed: list[str],
                         files: BuildContext) -> None:
    """A RUN left between the manifests and the install reads no file the sources bring."""
    for inst in between:
        parsed = _parsed(tree, inst) if isinstance(inst, Run) else None
        for command in parsed.commands if parsed else ():
            inv = shell.invocation(command)
            if inv is None:
                continue
            unlisted = [p for p in _local_files_read(files, inv) if p not in listed]
            if unlisted:
                raise Refused(f"`{command.text}` reads {unlisted[0]} from the working directory")


def _edits(tree: Dockerfile, copy: Copy | Add, found: _Install, flags: list[str], dest: str,
           moved_dest: str | None, files: list[str], style: Style, dump: str | None) -> tuple[Edit, ...]:
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
    moved = _with_newline(copy.text, newline)
    if moved_dest is not None:
        word = copy.destination
        assert word is not None  # a context copy has one
        cut = word.start - copy.start, word.end - copy.start
        moved = moved[: cut[0]] + moved_dest + moved[cut[1] :]
    run = found.run
    edits = [Edit(copy.start, copy.end, "".join(lines))]
    if found.idiom is not None:
        command, ecosystem = found.idiom
        missing = [f for f in ecosystem.split_flags if not shell.has_flag(command, f)]
        at = run.at(command.end, end=True)
        edits.append(Edit(at, at, " " + " ".join(missing)))
    keyword_part = source[run.start : shell_form(run).start]
    if found.split_after is None:
        prefix = "" if run.text.endswith("\n") else newline
        after = f"{keyword_part}{dump}{newline}" if dump else ""
        edits.append(Edit(run.end, run.end, prefix + moved + after))
        return tuple(edits)
    commands = shell.parse(shell_form(run).text).commands
    head_end = run.at(commands[found.split_after].end, end=True)
    tail_start = run.at(commands[found.split_after + 1].start)
    _no_comment(source[head_end:tail_start])
    cleanup = ""
    if found.cleanup_from is not None:
        tail_end = run.at(commands[found.cleanup_from - 1].end, end=True)
        clean_start = run.at(commands[found.cleanup_from].start)
        clean_end = run.at(commands[-1].end, end=True)
        _no_comment(source[tail_end:clean_end])
        cleanup = source[tail_end:clean_end]
        edits.append(Edit(tail_end, clean_end, ""))
        assert clean_start >= tail_end
    edits.append(Edit(head_end, tail_start, cleanup + newline + moved + keyword_part + (f"{dump} && " if dump else "")))
    return tuple(edits)


def _no_comment(gap: str) -> None:
    if any(line.lstrip().startswith("#") for line in gap.splitlines()[1:]):
        raise Refused("a comment sits where the RUN would be split")


def _after_sources(idiom: tuple[shell.SimpleCommand, Ecosystem], files: BuildContext | None) -> str:
    """What runs after the sources in place of what the idiom's flags turned off."""
    command, ecosystem = idiom
    inv = shell.invocation(command)
    assert inv is not None and ecosystem.after_sources is not None  # the install was read as one
    return ecosystem.after_sources(inv, files)


# --- what the install reads, checked against the build context ---------------------------


def _manifests(install: shell.DependencyInstall, found: _Install, build: Build,
               ctx: BuildContext) -> tuple[list[str], str | None]:
    """The files to copy first, and why the fix is only unsafe (None: safe)."""
    eco = install.ecosystem
    ecosystem = BY_NAME[eco]
    primary = install.manifests[0] if install.manifests else ""
    if not ecosystem.subfolder_manifests and "/" in primary.rstrip("/"):
        raise Refused(f"{install.tool} installs from the subfolder {posixpath.dirname(primary)}")
    for name in ecosystem.refuse_present:
        if ctx.present(name):
            raise Refused(f"{name} is in the context and the install may read it")
    for name in ecosystem.outputs:
        if ctx.present(name):
            raise Refused(f"{name} is in the context: the later COPY would lay it over the installed one")
    listed: list[str] = []
    for pattern in (*install.manifests, *install.config_files, *ecosystem.extra_config):
        if pattern.endswith("/"):
            if ctx.present(pattern.rstrip("/")):
                raise Refused(f"the install reads the folder {pattern}")
            continue
        listed += ctx.existing(pattern)
    command = script_of(found.run).commands[install.command_index]
    inv = shell.invocation(command)
    check = ecosystem.check
    if check is None:
        return listed, None
    before_cleanup: tuple[shell.Invocation | None, ...] = ()
    if found.cleanup_from is not None and found.split_after is not None:
        commands = shell.parse(shell_form(found.run).text).commands
        before_cleanup = tuple(shell.invocation(c) for c in commands[found.split_after + 1 : found.cleanup_from])
    assert inv is not None  # an install is read from an invocation
    extra, unsafe = check(install, inv, listed, Site(ctx, build, found.run, before_cleanup))
    return listed + [e for e in extra if e not in listed], unsafe


