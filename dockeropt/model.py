"""The build a Dockerfile describes: its stages, their bases, and what is in force at each
instruction. Computed once per tree (``build_of``); every transform reads it, none tracks
stage state on its own.

- A **stage** starts at a FROM. Its **base** is an image or an earlier stage (``FROM
  <stage>``), read after substituting the ``ARG`` defaults declared before the first FROM
  (the defaults are what the file names; a ``--build-arg`` may name another).
- A base image's **operating system** and release come from its name and tag where they say
  it: ``debian:jessie``, ``ubuntu:14.04``, ``alpine:3.2``, ``python:2.7-slim-stretch``,
  ``node:20-alpine3.19``; Windows from ``windowsservercore``/``nanoserver``/
  ``mcr.microsoft.com/windows/...`` or ``--platform=windows/...``.
- A stage **ships** when its layers reach the final image: the final stage and the stages
  it is built FROM.
- At each instruction, the **state in force** before it runs: WORKDIR (None while the base
  image's own is unknown), SHELL (the default is ``/bin/sh -c``, or cmd on Windows), USER,
  the ENV inherited through ``FROM <stage>`` plus this stage's ARGs, and whether an
  earlier RUN replaced ``/bin/sh``.
"""

from __future__ import annotations

import posixpath
import re

from dockeropt import releases
from dockeropt.cst import Arg, Dockerfile, Env, ExecForm, From, Instruction, Onbuild, Run, Shell, ShellForm, Stage, User, Workdir
from dockeropt.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

# sh-compatible shells whose ``-c`` reads a script as sh does. Not zsh: it does not split
# unquoted expansions and fails on a glob that matches nothing, so text written for sh
# (and what the fixes append) may not run the same.
POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "mksh", "busybox"})
_DASH_C = re.compile(r"-[a-zA-Z]*c")  # the option cluster that ends the shell's flags
_WINDOWS = re.compile(r"windows|nanoserver|servercore|dotnet/framework|ltsc20\d\d", re.IGNORECASE)
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")
_ROOT_USERS = frozenset({"root", "0", "root:root", "0:0", "root:0", "0:root"})
_DISTROS = {
    "debian": "debian", "ubuntu": "ubuntu", "alpine": "alpine", "centos": "centos",
    "fedora": "fedora", "rockylinux": "rhel", "almalinux": "rhel", "oraclelinux": "rhel",
    "amazonlinux": "amazonlinux", "opensuse/leap": "opensuse", "archlinux": "arch",
    "busybox": "busybox", "redhat/ubi8": "rhel", "redhat/ubi9": "rhel",
}


@record(frozen=True, slots=True)
class Base:
    """What a stage starts from."""

    reference: str  # as the build reads it (ARG defaults substituted), "" when absent
    stage: int | None = None  # the stage it builds FROM, if it names one
    name: str | None = None  # the repository without registry or ``library/``: "python"
    tag: str | None = None
    os: str | None = None  # "debian", "ubuntu", "alpine", "windows", ... when the reference says
    release: str | None = None  # "jessie", "trusty", "3.2", ... when it says
    distro: bool = False  # the image is the OS image itself (its tools are the distribution's)
    windows: bool = False
    unresolved: bool = False  # an ARG without a default, or another expansion, remains

    def lacks(self, tool: str, option: str) -> str | None:
        """Why this base's ``tool`` has no ``option``, or None (see ``dockeropt.releases``)."""
        return releases.lacks(self.os, self.release, self.distro, tool, option) or releases.image_lacks(
            self.name, self.tag, tool, option
        )

    @property
    def scratch(self) -> bool:
        return self.reference.lower() == "scratch"


@record(frozen=True, slots=True)
class ShellState:
    """The shell a RUN in shell form runs in."""

    argv: tuple[str, ...] | None  # None: not a POSIX shell we can read (cmd, PowerShell)
    posix: bool = True
    errexit: bool = False  # -e in SHELL: a failing command ends the script
    rereads: bool = False  # -l/-i/--rcfile, or BASH_ENV for bash: start-up files run each time

    @property
    def program(self) -> str | None:
        return _program(self.argv) if self.argv else None


DEFAULT_SHELL = ShellState(("/bin/sh", "-c"))
CMD_SHELL = ShellState(None, posix=False)


@record(frozen=True, slots=True)
class State:
    """What is in force when an instruction runs (before its own effect)."""

    workdir: str | None  # absolute; None while it depends on the base image
    shell: ShellState
    user: str | None  # None: the base image's (root for the images we know nothing of)
    env: dict[str, str] = field(compare=False)  # ENV through FROM <stage>, plus this stage's ARGs
    shell_replaced: int | None = None  # line of an earlier RUN (this stage or its bases) that replaced /bin/sh
    args: frozenset[str] = frozenset()  # the names in ``env`` that this stage's ARGs set (no ENV of theirs)

    @property
    def root(self) -> bool:
        """The instruction runs as root, as far as the file says."""
        return self.user is None or self.user.strip() in _ROOT_USERS

    def resolve(self, path: str) -> str | None:
        """An absolute path for ``path`` relative to the WORKDIR; None when unknown."""
        if path.startswith("/"):
            return posixpath.normpath(path)
        if self.workdir is None:
            return None
        return posixpath.normpath(posixpath.join(self.workdir, path))


@record(frozen=True, slots=True)
class StageModel:
    """One stage of the build, with what the model knows of it."""

    stage: Stage
    base: Base
    ships: bool
    parent: int | None  # the stage it is built FROM
    onbuild: tuple[Instruction, ...]  # ONBUILD triggers registered here or in its bases

    @property
    def index(self) -> int:
        return self.stage.index

    @property
    def name(self) -> str | None:
        return self.stage.name


@record(frozen=True)
class Build:
    """The model of one tree's build."""

    tree: Dockerfile = field(repr=False, compare=False)
    stages: tuple[StageModel, ...]
    meta_args: dict[str, str]  # ARGs before the first FROM, with their defaults
    states: dict[int, State] = field(repr=False, compare=False)  # by id() of the instruction
    stage_index: dict[int, int] = field(repr=False, compare=False)  # by id() of the instruction

    @property
    def final(self) -> StageModel | None:
        return self.stages[-1] if self.stages else None

    @property
    def shipped(self) -> frozenset[int]:
        return frozenset(s.index for s in self.stages if s.ships)

    def stage_of(self, inst: Instruction) -> StageModel:
        return self.stages[self.stage_index[id(inst)]]

    def state(self, inst: Instruction) -> State:
        """The state in force before ``inst`` (an instruction of a stage of this tree)."""
        return self.states[id(inst)]

    def after(self, inst: Instruction) -> State:
        """The state in force after ``inst``: before the next instruction of its stage, or at
        the end of the stage."""
        stage = self.stage_of(inst).stage
        body = stage.instructions
        for i, other in enumerate(body):
            if other is inst:
                return self.states[id(body[i + 1])] if i + 1 < len(body) else self._end_state(stage.index)
        raise KeyError(inst)

    def _end_state(self, index: int) -> State:
        return self.states[-(index + 1)]  # the end of stage i is kept under -(i + 1)

    def end(self, stage: StageModel | Stage) -> State:
        """The state at the end of a stage: what a stage built FROM it starts with."""
        return self._end_state(stage.index)

    def lineage(self, stage: StageModel | Stage) -> list[StageModel]:
        """The stage and the stages it is built FROM, nearest first."""
        chain = [self.stages[stage.index]]
        while chain[-1].parent is not None:
            chain.append(self.stages[chain[-1].parent])
        return chain

    def descendants(self, stage: StageModel | Stage) -> list[StageModel]:
        """The stages built FROM this one, directly or not: they start from its layers."""
        found: list[StageModel] = []
        family = {stage.index}
        for other in self.stages[stage.index + 1 :]:
            if other.parent in family:
                found.append(other)
                family.add(other.index)
        return found

    def by_name(self, name: str) -> StageModel | None:
        """The stage ``COPY --from`` or ``FROM`` means by ``name`` (a stage name or an index)."""
        lowered = name.lower()
        for s in self.stages:
            if s.name and s.name.lower() == lowered:
                return s
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        return None

    def expand(self, text: str, inst: Instruction | None = None) -> str | None:
        """``text`` with ``$VAR``/``${VAR}`` replaced from the variables in force (the meta
        ARGs when no instruction is given); None when a variable has no known value."""
        values = self.meta_args if inst is None else self.state(inst).env
        return _expand(text, values)


# --- building the model ------------------------------------------------------------------------

_last: tuple[Dockerfile, Build] | None = None  # transforms ask about one tree after another


def build_of(tree: Dockerfile) -> Build:
    """The model of ``tree``'s build, computed once per tree."""
    global _last
    last = _last
    if last is not None and last[0] is tree:
        return last[1]
    built = _build(tree)
    _last = (tree, built)
    return built


def _build(tree: Dockerfile) -> Build:
    meta: dict[str, str] = {}
    for inst in tree.instructions:
        if isinstance(inst, From):
            break
        if isinstance(inst, Arg):
            for pair in inst.pairs:
                if pair.value is not None:
                    meta[pair.key.text] = _unquote(pair.value.text)
                else:
                    meta.setdefault(pair.key.text, "\0")  # declared without a default
    meta = {k: v for k, v in meta.items() if v != "\0"}

    stages: list[StageModel] = []
    states: dict[int, State] = {}
    owner: dict[int, int] = {}
    ends: list[State] = []
    names: dict[str, int] = {}
    for stage in tree.stages:
        base = _base(stage, meta, names, stages)
        parent = base.stage
        if parent is not None:
            end = ends[parent]  # ENV is image config and carries over; an ARG ends with its stage
            env = {k: v for k, v in end.env.items() if k not in end.args}
            start = State(end.workdir, end.shell, end.user, env, end.shell_replaced)
            inherited_onbuild = stages[parent].onbuild
        else:
            shell = CMD_SHELL if base.windows else DEFAULT_SHELL
            workdir = "/" if base.scratch else None
            start = State(workdir, shell, None, {}, None)
            inherited_onbuild = ()
        state = start
        onbuild: list[Instruction] = list(inherited_onbuild)
        owner[id(stage.from_)] = stage.index
        states[id(stage.from_)] = start
        for inst in stage.instructions:
            owner[id(inst)] = stage.index
            states[id(inst)] = state
            state = _effect(state, inst, meta)
            if isinstance(inst, Onbuild):
                onbuild.append(inst)
        ends.append(state)
        stages.append(StageModel(stage, base, False, parent, tuple(onbuild)))
        if stage.name:
            names[stage.name.lower()] = stage.index
    shipped = _shipped(stages)
    stages = [StageModel(s.stage, s.base, s.index in shipped, s.parent, s.onbuild) for s in stages]
    for i, end in enumerate(ends):
        states[-(i + 1)] = end
    return Build(tree, tuple(stages), meta, states, owner)


def _shipped(stages: Sequence[StageModel]) -> set[int]:
    shipped: set[int] = set()
    index = len(stages) - 1 if stages else None
    while index is not None and index not in shipped:
        shipped.add(index)
        index = stages[index].parent
    return shipped


def _effect(state: State, inst: Instruction, meta: dict[str, str]) -> State:
    """The state after ``inst``."""
    if isinstance(inst, Workdir):
        value = inst.value[0] if inst.value else ""
        expanded = _expand(value, state.env)
        if expanded is None:
            return _replace(state, workdir=None)
        if expanded.startswith("/"):
            workdir: str | None = posixpath.normpath(expanded)
        else:
            workdir = None if state.workdir is None else posixpath.normpath(posixpath.join(state.workdir, expanded))
        return _replace(state, workdir=workdir)
    if isinstance(inst, Shell):
        argv = inst.command.values if isinstance(inst.command, ExecForm) else None
        return _replace(state, shell=shell_state(argv, "BASH_ENV" in state.env))
    if isinstance(inst, Env):
        env = dict(state.env)
        for pair in inst.pairs:
            raw = _unquote(pair.value.text) if pair.value else ""
            env[pair.key.text] = _expand(raw, state.env) or raw
        args = state.args - {p.key.text for p in inst.pairs}
        shell = state.shell
        if "BASH_ENV" in env and "BASH_ENV" not in state.env:
            shell = shell_state(shell.argv, True) if shell.argv else shell
        return _replace(state, env=env, shell=shell, args=args)
    if isinstance(inst, Arg):
        env = dict(state.env)
        names = set(state.args)
        for pair in inst.pairs:
            key = pair.key.text
            if pair.value is not None:
                if not env.get(key):  # an ENV of the same name wins over the ARG
                    env[key] = _unquote(pair.value.text)
            elif key in meta:
                env[key] = meta[key]
            else:
                env.setdefault(key, "")
            if key not in state.env or key in state.args:
                names.add(key)
        return _replace(state, env=env, args=frozenset(names))
    if isinstance(inst, User):
        user = inst.arguments.text.strip() if inst.arguments is not None else None
        return _replace(state, user=user)
    if isinstance(inst, Run) and state.shell.posix and replaces_shell(inst):
        return _replace(state, shell_replaced=inst.line)
    return state


def _replace(state: State, **changes: object) -> State:
    values: dict[str, object] = {
        "workdir": state.workdir, "shell": state.shell, "user": state.user,
        "env": state.env, "shell_replaced": state.shell_replaced, "args": state.args,
    }
    values.update(changes)
    return State(**values)  # type: ignore[arg-type]


def _base(stage: Stage, meta: dict[str, str], names: dict[str, int], stages: list[StageModel]) -> Base:
    ref = stage.from_.image
    platform = (stage.from_.platform or "").lower()
    if ref is None:
        return Base("", windows="windows" in platform, os="windows" if "windows" in platform else None)
    text = ref.text
    expanded = _expand(text, meta)
    unresolved = expanded is None
    reference = text if expanded is None else expanded
    parent = names.get(reference.lower())
    if parent is not None and parent < stage.index:
        up = stages[parent].base
        return Base(reference, parent, up.name, up.tag, up.os, up.release, up.distro, up.windows, up.unresolved)
    name, tag = split_reference(reference)
    os_name, release, distro = _os_of(name, tag)
    windows = os_name == "windows" or "windows" in platform
    if windows:
        os_name = "windows"
    return Base(reference, None, name, tag, os_name, release, distro, windows, unresolved)


def split_reference(reference: str) -> tuple[str, str | None]:
    """``registry/library/name:tag@digest`` -> ``("name", "tag")``; the registry (a first part
    with a dot, a colon or ``localhost``) and ``library/`` are dropped."""
    rest = reference.partition("@")[0]
    slash, colon = rest.rfind("/"), rest.rfind(":")
    name, tag = (rest[:colon], rest[colon + 1 :]) if colon > slash else (rest, None)
    parts = name.lower().split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "library":
        parts = parts[1:]
    return "/".join(parts), tag


def _os_of(name: str, tag: str | None) -> tuple[str | None, str | None, bool]:
    """The OS family, release and whether the image is the OS image itself."""
    lowered_tag = (tag or "").lower()
    if _WINDOWS.search(name) or _WINDOWS.search(lowered_tag):
        return "windows", None, name.startswith("windows")
    distro = _DISTROS.get(name)
    if distro is not None:
        first = lowered_tag.split("-")[0] if lowered_tag and lowered_tag != "latest" else None
        release = first
        if distro == "debian" and first in releases.DEBIAN:
            release = releases.DEBIAN[first]
        elif distro == "debian" and first and "." in first and first.split(".")[0] in releases.DEBIAN:
            release = releases.DEBIAN[first.split(".")[0]]
        elif distro == "ubuntu" and first in releases.UBUNTU:
            release = releases.UBUNTU[first]
        return distro, release, True
    for part in lowered_tag.split("-"):
        if part.startswith("alpine"):
            return "alpine", part[len("alpine") :] or None, False
        if part in releases.DEBIAN_CODENAMES:
            return "debian", part, False
        if part in releases.UBUNTU_CODENAMES:
            return "ubuntu", part, False
    return None, None, False


def shell_state(argv: Sequence[str] | None, bash_env: bool = False) -> ShellState:
    """Read a SHELL's argv: a POSIX shell with ``-c`` last, or not one we can read."""
    if not argv:
        return CMD_SHELL
    words = list(argv)
    while words and _program(words[:1]) == "env":
        words.pop(0)
    if not words or not _DASH_C.fullmatch(words[-1]):
        return ShellState(tuple(argv), posix=False)
    program = _program(words)
    options = words[1:]
    if program == "busybox":  # busybox sh -c
        if len(options) < 2 or options[0] not in ("sh", "ash"):
            return ShellState(tuple(argv), posix=False)
        options = options[1:]
    clusters = "".join(w[1:] for w in options if w.startswith("-") and not w.startswith("--"))
    rereads = "l" in clusters or "i" in clusters or any(w in ("--login", "--rcfile", "--init-file") for w in options)
    rereads = rereads or (bash_env and program == "bash")
    if program not in POSIX_SHELLS:
        return ShellState(tuple(argv), posix=False)
    return ShellState(tuple(argv), True, "e" in clusters or "errexit" in options, rereads)


def _program(argv: Sequence[str]) -> str:
    """The program's name: no folder (``/`` or ``\\``), no ``.exe``, past ``env``."""
    names = [re.split(r"[/\\]", w)[-1].lower().removesuffix(".exe") for w in argv]
    while names and names[0] == "env":
        names.pop(0)
    return names[0] if names else ""


# A RUN that replaces the shell later RUNs start: /bin/sh (or the SHELL's program) named as
# the target of ln, mv, cp, rm, install, dpkg-divert, update-alternatives, or a dash
# reconfiguration. Text mentioning /bin/sh anywhere else as an argument counts too: a false
# alarm costs a merge, a miss breaks a build.
_SH_ARGUMENT = re.compile(r"(?:^|[\s'\"=;&|(])/(?:usr/)?bin/sh(?=$|[\s'\";&|)])")
_SH_AS_COMMAND = re.compile(r"(?:^|[;&|(]|&&|\|\||\bthen|\bdo|\belse)\s*(?:exec\s+)?/(?:usr/)?bin/sh\b")
_RECONFIGURE = re.compile(r"dpkg-reconfigure\b[^;&|]*\bdash\b|update-alternatives\b[^;&|]*\bsh\b|debconf-set-selections")


def replaces_shell(run: Run) -> bool:
    """This RUN may change what ``/bin/sh`` is for the RUNs after it."""
    text = run.command.text if isinstance(run.command, ShellForm) else " ".join(run.value)
    if "bin/sh" not in text and "dash" not in text and "alternatives" not in text:
        return False
    if _RECONFIGURE.search(text) and ("dash" in text or " sh" in text):
        return True
    arguments = len(_SH_ARGUMENT.findall(text))
    commands = len(_SH_AS_COMMAND.findall(text))
    return arguments > commands


_FRONTENDS = frozenset({"docker/dockerfile", "docker/dockerfile-upstream"})
_FRONTEND_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.\d+)?(-labs|-experimental)?")


@record(frozen=True, slots=True)
class Frontend:
    """What the ``# syntax=`` directive names, as far as the features a fix needs go."""

    tag: str  # "latest" when none is given
    version: tuple[int, int] | None  # major, minor of a numbered tag; None for a channel or another image
    suffix: str | None = None  # "-labs", "-experimental"
    channel: bool = False  # a moving tag (latest, labs, 1, ...): ask the caller's list of channels


def declared_frontend(tree: Dockerfile) -> Frontend | None:
    """The ``docker/dockerfile`` frontend the file declares; None without a directive. A
    frontend of another name, a digest without a tag, or a tag that is no version reads as
    ``Frontend(tag, None)``: nothing is known of its features."""
    directive = tree.directive("syntax")
    if directive is None:
        return None
    name, _, digest = directive.value.strip().partition("@")
    last = name.rsplit("/", 1)[-1]
    name, tag = name.rsplit(":", 1) if ":" in last else (name, "")
    name = name.removeprefix("docker.io/").removeprefix("index.docker.io/")
    if name not in _FRONTENDS or (digest and not tag):
        return Frontend(tag or "latest", None)
    tag = tag or "latest"
    version = _FRONTEND_VERSION.fullmatch(tag)
    if version is None:
        return Frontend(tag, None, channel=True)
    return Frontend(tag, (int(version[1]), int(version[2])), version[3])


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _expand(text: str, values: dict[str, str]) -> str | None:
    if "$" not in text:
        return text
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1) or m.group(2)
        whole = m.group(0)
        if name in values:
            return values[name]
        if whole.startswith("${") and ":-" in whole:
            return whole[whole.index(":-") + 2 : -1]
        if whole.startswith("${") and "-" in whole[2:] and not whole.startswith("${" + name + "+"):
            return whole[whole.index("-", 2) + 1 : -1]
        missing = True
        return whole

    out = _VARIABLE.sub(one, text)
    return None if missing else out

