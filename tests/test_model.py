"""The build model: stages, bases (through ARG defaults and FROM <stage>), OS and release,
what ships, and the state in force at each instruction."""

from __future__ import annotations

import pytest

from dockeropt.cst import parse
from dockeropt.model import build_of, replaces_shell, shell_state, split_reference


def model(text: str):
    tree = parse(text)
    return tree, build_of(tree)


@pytest.mark.parametrize(
    ("reference", "os", "release", "distro", "windows"),
    [
        pytest.param("debian:jessie", "debian", "jessie", True, False, id="debian by codename"),
        pytest.param("debian:8", "debian", "jessie", True, False, id="debian by number"),
        pytest.param("debian:8.11-slim", "debian", "jessie", True, False, id="debian point release"),
        pytest.param("ubuntu:14.04", "ubuntu", "trusty", True, False, id="ubuntu by number"),
        pytest.param("ubuntu:precise", "ubuntu", "precise", True, False, id="ubuntu by codename"),
        pytest.param("alpine:3.2", "alpine", "3.2", True, False, id="alpine"),
        pytest.param("python:2.7-slim-stretch", "debian", "stretch", False, False, id="language image on debian"),
        pytest.param("node:20-alpine3.19", "alpine", "3.19", False, False, id="language image on alpine"),
        pytest.param("golang:1.8-windowsservercore", "windows", None, False, True, id="windows by tag"),
        pytest.param("mcr.microsoft.com/windows/nanoserver:1809", "windows", None, True, True, id="windows by path"),
        pytest.param("mcr.microsoft.com/dotnet/framework/sdk:4.8", "windows", None, False, True, id="dotnet framework"),
        pytest.param("python:3.12", None, None, False, False, id="unknown release says nothing"),
        pytest.param("docker.io/library/debian:bookworm", "debian", "bookworm", True, False, id="registry and library dropped"),
    ],
)
def test_base_os_and_release(reference: str, os: str | None, release: str | None, distro: bool, windows: bool) -> None:
    _, build = model(f"FROM {reference}\nRUN true\n")
    base = build.stages[0].base
    assert (base.os, base.release, base.distro, base.windows) == (os, release, distro, windows)


def test_base_through_arg_default_and_stage_chain() -> None:
    _, build = model(
        "ARG BASE=golang:1.8-windowsservercore\nFROM ${BASE} AS build\nRUN go build\n"
        "FROM build AS test\nRUN go test\nFROM scratch\n"
    )
    first, second, last = build.stages
    assert first.base.reference == "golang:1.8-windowsservercore" and first.base.windows
    assert second.base.stage == 0 and second.base.windows and second.parent == 0
    assert last.base.scratch and last.parent is None


def test_arg_without_default_leaves_the_base_unresolved() -> None:
    _, build = model("ARG BASE\nFROM $BASE\n")
    assert build.stages[0].base.unresolved


def test_platform_windows_makes_a_windows_base() -> None:
    _, build = model("FROM --platform=windows/amd64 myorg/tools\nRUN x\n")
    assert build.stages[0].base.windows
    assert not build.state(build.stages[0].stage.instructions[0]).shell.posix


def test_final_stage_and_its_bases_ship_builders_do_not() -> None:
    _, build = model("FROM a AS base\nFROM b AS builder\nFROM base AS final\nFROM final\n")
    assert [s.ships for s in build.stages] == [True, False, True, True]
    assert build.shipped == {0, 2, 3}


def test_states_workdir_user_env_and_shell() -> None:
    tree, build = model(
        "FROM debian\nRUN a\nWORKDIR /app\nWORKDIR src\nUSER nobody\nENV X=1\nARG Y=2\n"
        'SHELL ["/bin/bash", "-e", "-c"]\nRUN b\n'
    )
    first, *_, last = tree.stages[0].instructions
    assert build.state(first).workdir is None and build.state(first).root
    state = build.state(last)
    assert state.workdir == "/app/src"
    assert state.user == "nobody" and not state.root
    assert state.env == {"X": "1", "Y": "2"}
    assert state.shell.posix and state.shell.errexit and state.shell.program == "bash"
    assert state.resolve("x/../y") == "/app/src/y"


def test_a_stage_built_from_another_inherits_its_state() -> None:
    tree, build = model('FROM debian AS a\nWORKDIR /w\nENV K=v\nSHELL ["pwsh", "-c"]\nFROM a\nRUN x\n')
    run = tree.stages[1].instructions[0]
    state = build.state(run)
    assert state.workdir == "/w" and state.env == {"K": "v"} and not state.shell.posix


def test_arg_in_a_stage_takes_the_meta_default() -> None:
    tree, build = model("ARG V=3.2\nFROM alpine:$V\nARG V\nRUN echo $V\n")
    assert build.stages[0].base.release == "3.2"
    assert build.state(tree.stages[0].instructions[1]).env["V"] == "3.2"


@pytest.mark.parametrize(
    ("argv", "posix", "errexit", "rereads"),
    [
        (("/bin/sh", "-c"), True, False, False),
        (("/bin/bash", "-eo", "pipefail", "-c"), True, True, False),
        (("/bin/bash", "-l", "-c"), True, False, True),
        (("/usr/bin/env", "bash", "-c"), True, False, False),
        (("/bin/zsh", "-c"), False, False, False),
        (("powershell", "-Command"), False, False, False),
        (("cmd", "/S", "/C"), False, False, False),
        (("busybox", "sh", "-c"), True, False, False),
    ],
)
def test_shell_state(argv: tuple[str, ...], posix: bool, errexit: bool, rereads: bool) -> None:
    state = shell_state(argv)
    assert (state.posix, state.errexit, state.rereads) == (posix, errexit, rereads)


@pytest.mark.parametrize(
    ("text", "replaces"),
    [
        ("rm /bin/sh && ln -s /bin/bash /bin/sh", True),
        ("ln -sf bash /bin/sh", True),
        ("mv /bin/sh /bin/sh.orig", True),
        ('echo "dash dash/sh boolean false" | debconf-set-selections && dpkg-reconfigure dash', True),
        ("/bin/sh -c 'echo hi'", False),
        ("apt-get install -y bash", False),
        ("echo /bin/shell", False),
    ],
)
def test_a_run_that_replaces_the_shell(text: str, replaces: bool) -> None:
    tree = parse(f"FROM debian\nRUN {text}\n")
    assert replaces_shell(tree.stages[0].instructions[0]) is replaces


def test_the_replaced_shell_is_state_for_later_runs() -> None:
    tree, build = model("FROM debian\nRUN rm /bin/sh && ln -s /bin/bash /bin/sh\nRUN source x\n")
    assert build.state(tree.stages[0].instructions[1]).shell_replaced == 2


def test_split_reference() -> None:
    assert split_reference("localhost:5000/team/app:1.0@sha256:ab") == ("team/app", "1.0")
    assert split_reference("python") == ("python", None)


def test_the_model_is_computed_once_per_tree() -> None:
    tree = parse("FROM a\n")
    assert build_of(tree) is build_of(tree)


def test_args_end_with_their_stage_env_carries_over() -> None:
    tree, build = model("FROM debian AS a\nARG VERSION=1\nENV KEEP=yes\nARG BOTH=x\nENV BOTH=y\nFROM a\nRUN x\n")
    assert build.state(tree.stages[1].instructions[0]).env == {"KEEP": "yes", "BOTH": "y"}


def test_a_windows_path_shell_is_read_by_its_program() -> None:
    assert shell_state(("C:\\Program Files\\Git\\bin\\bash.exe", "-c")).posix
    assert not shell_state(("C:\\Windows\\System32\\cmd.exe", "/S", "/C")).posix


@pytest.mark.parametrize(
    ("directive", "tag", "version", "channel"),
    [
        ("docker/dockerfile:1.4", "1.4", (1, 4), False),
        ("docker.io/docker/dockerfile:1.2.1-labs", "1.2.1-labs", (1, 2), False),
        ("docker/dockerfile:labs", "labs", None, True),
        ("docker/dockerfile", "latest", None, True),
        ("myorg/frontend:2.0", "2.0", None, False),
        ("docker/dockerfile@sha256:abc", "latest", None, False),
    ],
)
def test_the_declared_frontend(directive: str, tag: str, version: tuple[int, int] | None, channel: bool) -> None:
    from dockeropt.model import declared_frontend

    frontend = declared_frontend(parse(f"# syntax={directive}\nFROM a\n"))
    assert frontend is not None
    assert (frontend.tag, frontend.version, frontend.channel) == (tag, version, channel)
    assert declared_frontend(parse("FROM a\n")) is None
