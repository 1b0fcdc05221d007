"""DO108 build-tools-in-final: build in a builder stage, so the tools stay out of the image.

What it does
    Finds a final stage that builds in place with tools it does not need at run time:

    - it installs a compiler or build system (``build-essential``, ``build-base``,
      ``gcc``, ``g++``, ``make``, ``cmake``, ``clang``, ``autoconf``, ``libtool``...),
      often with headers (``*-dev``, ``*-devel``, ``linux-headers``), and does not
      remove them in the same ``RUN``, and a ``RUN`` of the stage compiles (``make``,
      ``gcc``, ``cmake``, ``./configure``, ``go build``, ``cargo build``, or a ``pip``/
      ``npm``/``gem`` install that builds native extensions);
    - or its base is an SDK image (``golang``, ``maven``, ``gradle``, ``rust``,
      ``mcr.microsoft.com/dotnet/sdk``) and a ``RUN`` builds with it.

    The message names what would move to a builder stage: the tools, and the command
    that builds.

Why
    A compiler toolchain weighs hundreds of megabytes (``build-essential`` about 250 MB,
    the ``golang`` image 800 MB against a few MB for a static binary on ``scratch`` or
    distroless). In a builder stage, only what ``COPY --from`` takes reaches the image,
    which then also carries less to patch.

Example
    ::

        FROM golang:1.22
        WORKDIR /src
        COPY . .
        RUN go build -o /app .
        CMD ["/app"]

    Use instead::

        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /app .

        FROM gcr.io/distroless/static-debian12
        COPY --from=build /app /app
        CMD ["/app"]

Fix safety
    No fix: what the built program needs at run time (shared libraries, data files,
    the runtime of an interpreted language) is the author's to say.

When it refuses
    No finding:

    - the stage is not the final one; no ``RUN`` of the stage builds (``gcc
      --version``, ``mvn -v`` do not count);
    - the tools are removed in the ``RUN`` that installed them: by name, by a variable
      (``apt-get purge -y $buildDeps``, ``apk del $deps``), an ``apk --virtual`` group,
      or the official images' ``apt-mark auto`` and ``apt-get purge --auto-remove``;
    - only headers are kept (``libpq-dev``, ``python3-dev``, ``linux-headers``): a
      runtime may need them (an FFI loader opens the unversioned ``libfoo.so`` that only
      the ``-dev`` package installs), and the compiler, if any, comes with the base;
    - the image is one to build or work in, whose tools are the point: its base is a
      build image (``buildpack-deps``, ``gcc``, a name with ``builder``, ``runner``,
      ``agent``, ``ci``, ``sdk``, ``toolchain``, ``devcontainer``...; an SDK image as
      the base is the other finding), its path is a ``.devcontainer``, it installs
      debuggers, editors or interactive shells (``gdb``, ``valgrind``, ``strace``,
      ``vim``, ``emacs``, ``tmux``, ``zsh``...), or it takes the host user's ids
      (``ARG UID``, ``ARG USER_ID``...);
    - the ``RUN`` is in exec form, has a heredoc or a shell that is not POSIX.

See also
    DO107 package-removed, DO103 smaller-base. hadolint has no rule for this.
"""

from __future__ import annotations

import posixpath
import re

from dockeropt import shell
from dockeropt.cst import Arg, Dockerfile, Run
from dockeropt.model import Base, build_of
from dockeropt.record import record
from dockeropt.transforms import _layers as ly
from dockeropt.transforms._packages import command_finding, script_invocations
from dockeropt.transforms.base import Applicability, Context, Finding, finding, per_script

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

TOOLS = frozenset({
    "build-essential", "build-base", "gcc", "g++", "gcc-c++", "clang", "make", "cmake", "autoconf",
    "automake", "libtool", "pkg-config", "pkgconf", "pkgconfig", "musl-dev", "linux-headers",
    "alpine-sdk", "golang", "go", "rust", "cargo", "maven", "gradle", "openjdk-17-jdk", "default-jdk",
})
#: The tools that compile (not headers alone, which a runtime may need: an FFI loader opens
#: the unversioned ``libfoo.so`` that only ``libfoo-dev`` installs).
TOOLCHAINS = TOOLS - {"linux-headers", "musl-dev", "pkg-config", "pkgconf", "pkgconfig"}
_NAMED = 5  # tools named in a message
_COMPILERS = frozenset({"make", "gcc", "g++", "cc", "c++", "clang", "cmake", "configure", "ninja", "meson"})
_NATIVE: dict[str, str | tuple[str, ...]] = {"pip": "install", "npm": ("install", "ci"), "yarn": "install", "gem": "install", "bundle": "install"}
_SDK_BUILDS: dict[str, tuple[str, ...] | None] = {"go": ("build", "install"), "cargo": ("build", "install"), "mvn": None, "gradle": None,
               "gradlew": None, "mvnw": None, "dotnet": ("build", "publish")}
_BUILDERS = _COMPILERS | set(_SDK_BUILDS) | set(_NATIVE)  # the programs _build_commands reads
SDK_IMAGES = {
    "golang": "a static binary on gcr.io/distroless/static or alpine",
    "rust": "the binary on debian:*-slim or distroless",
    "maven": "the jar on eclipse-temurin:*-jre",
    "gradle": "the jar on eclipse-temurin:*-jre",
    "mcr.microsoft.com/dotnet/sdk": "the output on mcr.microsoft.com/dotnet/aspnet or runtime",
    "mcr.microsoft.com/dotnet/core/sdk": "the output on mcr.microsoft.com/dotnet/aspnet or runtime",
}


#: Images that are build environments themselves: what they ship is their compilers.
BUILD_IMAGES = frozenset({"buildpack-deps", "gcc", "jenkins/jenkins", "jenkins/agent", "jenkins/inbound-agent",
                          "gitlab/gitlab-runner", "circleci/buildpack-deps", "cimg/base"})
#: Words in an image's name that say it is one (``myorg/ci-runner``, ``foo-builder``, ``dotnet/sdk``).
_BUILD_WORDS = frozenset({"builder", "buildenv", "runner", "agent", "ci", "devcontainer", "devcontainers",
                          "toolchain", "sdk", "buildpack", "buildpacks", "crossbuild"})
#: Packages only an image people work in installs: with them, the compilers are the point.
WORKSTATION = frozenset({
    "gdb", "gdb-multiarch", "valgrind", "strace", "ltrace", "emacs", "emacs-nox", "vim", "vim-nox", "neovim",
    "tmux", "screen", "zsh", "fish", "man-db", "manpages-dev", "bash-completion",
})
#: ARGs that carry the host user's ids into the image (``useradd --uid $UID``).
_HOST_USER_ARGS = frozenset({"UID", "GID", "USER_ID", "GROUP_ID", "USER_UID", "USER_GID", "HOST_UID", "HOST_GID"})
_VERSION_FLAGS = frozenset({"-v", "-V", "--version", "-version", "version", "--help", "-h", "help"})


def is_tool(package: str) -> bool:
    return package in TOOLS or package.endswith(("-dev", "-devel"))


class BuildToolsInFinal:
    __doc__ = __doc__

    code = "DO108"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "build-tools-in-final"
    summary = "Build in a builder stage: compilers in the final stage ship with the image"
    instructions = frozenset({"RUN"})
    fix_kinds: frozenset[Applicability] = frozenset()  # the applicabilities its fixes can have

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        build = build_of(tree)
        final = build.final
        if final is None or final.base.windows:
            return
        repository = _repository(final.base)
        ships = SDK_IMAGES.get(repository) if final.base.stage is None else None  # what an SDK base would ship
        sdk_base = ships is not None
        if not sdk_base and not any(_installs_toolchain(srun.script) for srun in ly.stage_runs(tree, final.stage)):
            return  # no compiler installed in the stage: it builds with what its base has, if anything
        if not sdk_base and _build_image(final.base.name):
            return  # an image to build in: no SDK finding, and its tools are the point
        tools: list[tuple[ly.ShellRun, shell.SimpleCommand, tuple[str, ...]]] = []
        builds: list[str] = []
        installed: set[str] = set()
        for inst in final.stage.instructions:
            if isinstance(inst, Arg) and any(p.key.text.upper() in _HOST_USER_ARGS for p in inst.pairs):
                return  # built for the developer's own user id: a development or CI image
            if not isinstance(inst, Run):
                continue
            srun = ly.shell_run(tree, inst)
            if srun is None:
                continue
            facts = _run_facts(srun.script)
            if facts.removes_everything:
                continue  # ``apt-mark auto`` then ``purge --auto-remove``, or ``apk del $buildDeps``: nothing ships
            installed.update(facts.installed)
            tools += ((srun, command, kept) for command, kept in facts.tools)
            builds += (text for text, native in facts.builds if tools or not native)
        if not installed.isdisjoint(WORKSTATION) or "devcontainer" in context.path.replace("\\", "/").lower():
            return  # debuggers, editors, interactive shells: an image to work in, whose tools are the point
        if sdk_base and any(_sdk(b) for b in builds):
            ref = final.stage.from_.image
            if ref is not None:
                sdk_build = next(b for b in builds if _sdk(b))
                message = (
                    f"the final stage builds on the SDK image {final.base.reference} (`{sdk_build}`): "
                    f"build in a builder stage and ship {ships}"
                )
                yield finding(self.code, message, ref)
                return
        compiles = [b for b in builds if not _sdk(b) or repository not in SDK_IMAGES]
        if compiles and any(n in TOOLCHAINS for _, _, ns in tools for n in ns) and not _build_image(final.base.name):
            srun, command, _ = tools[0]
            every = sorted({n for _, _, ns in tools for n in ns})
            named = ", ".join(every[:_NAMED]) + (f" and {len(every) - _NAMED} more" if len(every) > _NAMED else "")
            message = (
                f"the final stage installs build tools ({named}) and builds in place (`{compiles[0]}`): "
                "build in a builder stage and COPY --from it only what runs"
            )
            yield command_finding(self.code, message, tree, srun, command, None)


@record(frozen=True, slots=True)
class _RunFacts:
    """What one RUN's script says for this rule; the same for every RUN of that text."""

    removes_everything: bool
    installed: tuple[str, ...]  # installed and not removed in the RUN
    tools: tuple[tuple[shell.SimpleCommand, tuple[str, ...]], ...]  # an install, its build tools kept
    builds: tuple[tuple[str, bool], ...]  # a command that compiles; True: only with build tools installed


def _installs_toolchain(script: shell.Script) -> bool:
    """The RUN installs a package that compiles (removed again or not)."""
    return any(n in TOOLCHAINS for c in ly.script_package_changes(script) if c.installs for n in c.names)


@per_script
def _run_facts(script: shell.Script) -> _RunFacts:
    changes = ly.script_package_changes(script)  # the changes of every RUN of this text
    removed = {n for c in changes if not c.installs for n in c.names}  # in this RUN: nothing ships
    installed = tuple(n for c in changes if c.installs for n in c.names if n not in removed)
    tools = []
    for change in changes:
        if change.installs and change.group not in removed:
            kept = tuple(n for n in change.names if is_tool(n) and n not in removed)
            if kept:
                tools.append((change.command, kept))
    return _RunFacts(_removes_everything(script, changes), installed, tuple(tools), tuple(_build_commands(script)))


def _removes_everything(script: shell.Script, changes: list[ly.PackageChange]) -> bool:
    """The RUN ends by removing every package it installed: apt's ``apt-mark auto`` followed
    by ``purge --auto-remove``/``autoremove`` (the official images' idiom), or a removal
    whose packages are a variable (``apt-get purge -y $buildDeps``, ``apk del $deps``)."""
    installed = [c.command.index for c in changes if c.installs]
    if not installed:
        return False
    marked = None
    # only these tools mark, remove or autoremove: every other command leaves the answer as it is
    tools = ("apt-mark", "apt-get", "apt", *{c.tool for c in changes if not c.installs})
    for inv in script_invocations(script).of(tools):
        command = inv.command
        if command.index < installed[0]:
            continue
        if inv.tool == "apt-mark" and inv.subcommand == "auto":
            marked = command.index
        removal = next((c for c in changes if c.command.index == command.index and not c.installs), None)
        if removal is not None and any("$" in o for o in inv.operands):
            return True
        auto = inv.subcommand == "autoremove" or (removal is not None and inv.has_flag("--auto-remove", "--autoremove"))
        if marked is not None and inv.tool in ("apt-get", "apt") and auto:
            return True
    return False


def _build_image(name: str | None) -> bool:
    """The final image's base is a build image itself (a CI runner, a development container,
    an image of compilers): the image built on it ships its tools on purpose."""
    if name is None:
        return False
    return name in BUILD_IMAGES or any(part in _BUILD_WORDS for part in re.split(r"[/_.-]", name))


_MCR = "mcr.microsoft.com/"


def _repository(base: Base) -> str:
    """The base's repository as ``SDK_IMAGES`` names it: the model's name has no registry,
    and the .NET images are only on mcr.microsoft.com, so theirs keeps it."""
    name = base.name or ""
    if base.reference.lower().startswith(_MCR):
        return _MCR + name
    return name


def _sdk(text: str) -> bool:
    return text.split(" ", 1)[0] in _SDK_BUILDS


def _build_commands(script: shell.Script) -> list[tuple[str, bool]]:
    """The commands of the RUN that compile, shortened to their first two words; True for a
    package install that compiles only when build tools are there (``pip install``)."""
    found = []
    for command in script.commands:
        if not command.words:
            continue
        program = posixpath.basename(command.words[0].value)
        if program not in _BUILDERS:
            continue  # most commands: nothing to read further
        argv = command.argv
        sub = argv[1] if len(argv) > 1 else None
        if len(argv) == 2 and sub in _VERSION_FLAGS:
            continue  # ``gcc --version``, ``mvn -v``: no build
        if program in _COMPILERS:
            found.append((" ".join(argv[:2]) if program != "configure" else argv[0], False))
        elif program in _SDK_BUILDS and ((verbs := _SDK_BUILDS[program]) is None or sub in verbs):
            found.append((f"{program} {sub or ''}".strip(), False))
        elif program in _NATIVE and sub in (_NATIVE[program] if isinstance(_NATIVE[program], tuple) else (_NATIVE[program],)):
            found.append((f"{program} {sub}", True))
    return found
