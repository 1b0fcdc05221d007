"""DO108 build-tools-in-final: build in a builder stage, so the tools stay out of the image.

What it does
    Finds a final stage that builds in place with tools it does not need at run time:

    - it installs compilers or headers (``build-essential``, ``gcc``, ``g++``, ``make``,
      ``cmake``, ``clang``, ``autoconf``, ``libtool``, ``pkg-config``, ``*-dev``,
      ``*-devel``, ``musl-dev``, ``linux-headers``...) and never removes them in the
      same ``RUN``, and a ``RUN`` of the stage compiles (``make``, ``gcc``, ``cmake``,
      ``./configure``, ``go build``, ``cargo build``, or a ``pip``/``npm``/``gem``
      install that builds native extensions);
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
    No finding: the stage is not the final one; the tools are removed in the ``RUN``
    that installed them; no ``RUN`` of the stage builds; the ``RUN`` is in exec form,
    has a heredoc or a shell that is not POSIX.

See also
    DO107 package-removed, DO103 smaller-base. hadolint has no rule for this.
"""

from __future__ import annotations

import posixpath

from dockeropt.cst import Dockerfile, Run
from dockeropt.model import build_of
from dockeropt.transforms import _layers as ly
from dockeropt.transforms._packages import command_finding
from dockeropt.transforms.base import Context, Finding, finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from dockeropt import shell

TOOLS = frozenset({
    "build-essential", "build-base", "gcc", "g++", "gcc-c++", "clang", "make", "cmake", "autoconf",
    "automake", "libtool", "pkg-config", "pkgconf", "pkgconfig", "musl-dev", "linux-headers",
    "alpine-sdk", "golang", "go", "rust", "cargo", "maven", "gradle", "openjdk-17-jdk", "default-jdk",
})
_NAMED = 5  # tools named in a message
_COMPILERS = frozenset({"make", "gcc", "g++", "cc", "c++", "clang", "cmake", "configure", "ninja", "meson"})
_NATIVE: dict[str, str | tuple[str, ...]] = {"pip": "install", "npm": ("install", "ci"), "yarn": "install", "gem": "install", "bundle": "install"}
_SDK_BUILDS: dict[str, tuple[str, ...] | None] = {"go": ("build", "install"), "cargo": ("build", "install"), "mvn": None, "gradle": None,
               "gradlew": None, "mvnw": None, "dotnet": ("build", "publish")}
SDK_IMAGES = {
    "golang": "a static binary on gcr.io/distroless/static or alpine",
    "rust": "the binary on debian:*-slim or distroless",
    "maven": "the jar on eclipse-temurin:*-jre",
    "gradle": "the jar on eclipse-temurin:*-jre",
    "mcr.microsoft.com/dotnet/sdk": "the output on mcr.microsoft.com/dotnet/aspnet or runtime",
    "mcr.microsoft.com/dotnet/core/sdk": "the output on mcr.microsoft.com/dotnet/aspnet or runtime",
}


def is_tool(package: str) -> bool:
    return package in TOOLS or package.endswith(("-dev", "-devel"))


class BuildToolsInFinal:
    __doc__ = __doc__

    code = "DO108"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "build-tools-in-final"
    summary = "Build in a builder stage: compilers in the final stage ship with the image"
    instructions = frozenset({"RUN"})

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        build = build_of(tree)
        final = build.final
        if final is None or final.base.windows:
            return
        tools: list[tuple[ly.ShellRun, shell.SimpleCommand, list[str]]] = []
        builds: list[str] = []
        for inst in final.stage.instructions:
            if not isinstance(inst, Run):
                continue
            srun = ly.shell_run(tree, inst)
            if srun is None:
                continue
            changes = ly.package_changes(srun)
            removed = {n for c in changes if not c.installs for n in c.names}  # in this RUN: nothing ships
            for change in changes:
                if change.installs and change.group not in removed:
                    kept = [n for n in change.names if is_tool(n) and n not in removed]
                    if kept:
                        tools.append((srun, change.command, kept))
            builds += _build_commands(srun, bool(tools))
        if final.base.stage is None and final.base.name in SDK_IMAGES and any(_sdk(b) for b in builds):
            ref = final.stage.from_.image
            if ref is not None:
                sdk_build = next(b for b in builds if _sdk(b))
                message = (
                    f"the final stage builds on the SDK image {final.base.reference} (`{sdk_build}`): "
                    f"build in a builder stage and ship {SDK_IMAGES[final.base.name]}"
                )
                yield finding(self.code, message, ref)
                return
        compiles = [b for b in builds if not _sdk(b) or final.base.name not in SDK_IMAGES]
        if tools and compiles:
            srun, command, _ = tools[0]
            every = sorted({n for _, _, ns in tools for n in ns})
            named = ", ".join(every[:_NAMED]) + (f" and {len(every) - _NAMED} more" if len(every) > _NAMED else "")
            message = (
                f"the final stage installs build tools ({named}) and builds in place (`{compiles[0]}`): "
                "build in a builder stage and COPY --from it only what runs"
            )
            yield command_finding(self.code, message, tree, srun, command, None)


def _sdk(text: str) -> bool:
    return text.split(" ", 1)[0] in _SDK_BUILDS


def _build_commands(srun: ly.ShellRun, tools: bool) -> list[str]:
    """The commands of the RUN that compile, shortened to their first two words."""
    found = []
    for command in srun.script.commands:
        argv = command.argv
        if not argv:
            continue
        program = posixpath.basename(argv[0])
        sub = argv[1] if len(argv) > 1 else None
        if program in _COMPILERS:
            found.append(" ".join(argv[:2]) if program != "configure" else argv[0])
        elif program in _SDK_BUILDS and ((verbs := _SDK_BUILDS[program]) is None or sub in verbs):
            found.append(f"{program} {sub or ''}".strip())
        elif tools and program in _NATIVE and sub in (_NATIVE[program] if isinstance(_NATIVE[program], tuple) else (_NATIVE[program],)):
            found.append(f"{program} {sub}")
    return found
