"""The layer-waste rules DO105-DO109: the pieces they compute (modes, tar commands, the
declared frontend) and the cases the golden files do not spell out."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from dockeropt import engine, parse
from dockeropt.transforms import by_code, may_find
from dockeropt.transforms import _layers as ly
from dockeropt.transforms import base
from dockeropt.transforms.base import Context
from dockeropt.transforms.build_tools import BuildToolsInFinal
from dockeropt.transforms.copy_chmod import CopyChmod, apply_mode
from dockeropt.transforms.copy_deleted import CopyDeleted, _covers, _tar
from dockeropt.transforms.copy_link import CopyLink
from dockeropt.transforms.package_removed import PackageRemoved


@pytest.mark.parametrize(
    ("expression", "mode", "expected"),
    [
        pytest.param("755", 0o600, 0o755, id="octal ignores the old mode"),
        pytest.param("0640", 0o777, 0o640, id="octal with a leading zero"),
        pytest.param("+x", 0o644, 0o755, id="no who: a"),
        pytest.param("+w", 0o444, 0o644, id="no who: the umask keeps group and others from w"),
        pytest.param("a+w", 0o444, 0o666, id="a ignores the umask"),
        pytest.param("u+x,go-w", 0o666, 0o744, id="two clauses"),
        pytest.param("ug+rx", 0o600, 0o750, id="two who letters"),
        pytest.param("a=r", 0o755, 0o444, id="= clears the rest"),
        pytest.param("u=rwx,go=rx", 0o600, 0o755, id="= per who"),
        pytest.param("+X", 0o644, 0o644, id="X on a file without x"),
        pytest.param("+X", 0o744, 0o755, id="X on a file with x"),
        pytest.param("g+s", 0o755, 0o2755, id="setgid"),
        pytest.param("-x", 0o755, 0o644, id="minus"),
        pytest.param("u+x-w", 0o644, 0o544, id="two actions in one clause"),
    ],
)
def test_apply_mode(expression: str, mode: int, expected: int) -> None:
    assert apply_mode(expression, mode, directory=False) == expected


@pytest.mark.parametrize(
    "expression",
    [
        pytest.param("u=g", id="copying another who's bits"),
        pytest.param("=r", id="= without who"),
        pytest.param("u+z", id="an unknown permission"),
        pytest.param("$MODE", id="a variable"),
    ],
)
def test_apply_mode_refuses(expression: str) -> None:
    assert apply_mode(expression, 0o644, directory=False) is None


@pytest.mark.parametrize(
    ("header", "minor", "expected"),
    [
        pytest.param("", 2, None, id="no directive"),
        pytest.param("# syntax=docker/dockerfile:1\n", 4, True, id="the 1 channel"),
        pytest.param("# syntax=docker/dockerfile:1.4\n", 4, True, id="exact"),
        pytest.param("# syntax=docker/dockerfile:1.3\n", 4, False, id="older"),
        pytest.param("# syntax=docker/dockerfile:1.10.0\n", 4, True, id="minor compared as a number"),
        pytest.param("# syntax=docker.io/docker/dockerfile:1.7-labs\n", 4, True, id="registry and labs"),
        pytest.param("# syntax=example.com/other:1.9\n", 2, False, id="another frontend"),
        pytest.param("# syntax=docker/dockerfile@sha256:" + "a" * 64 + "\n", 2, False, id="a digest alone"),
    ],
)
def test_syntax_at_least(header: str, minor: int, expected: bool | None) -> None:
    assert ly.syntax_at_least(parse(header + "FROM a\n"), minor) is expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param("tar -xzf /tmp/a.tgz -C /opt", ("/tmp/a.tgz", "/opt"), id="dashed cluster"),
        pytest.param("tar xzf a.tgz", ("a.tgz", None), id="old style, no folder"),
        pytest.param("tar -C /opt -x -z -f a.tgz", ("a.tgz", "/opt"), id="separate options"),
        pytest.param("tar --extract --file=a.tgz --directory=/opt", ("a.tgz", "/opt"), id="long options"),
        pytest.param("tar zxvf a.tgz -C /opt", ("a.tgz", "/opt"), id="verbose"),
        pytest.param("tar -xzf a.tgz -C /opt member", None, id="member names"),
        pytest.param("tar --strip-components=1 -xzf a.tgz", None, id="another option"),
        pytest.param("tar -czf a.tgz /opt", None, id="create"),
        pytest.param("tar -xfz a.tgz", None, id="f not last in its cluster"),
        pytest.param("tar -xzo -f a.tgz", None, id="no-same-owner"),
    ],
)
def test_tar(command: str, expected: tuple | None) -> None:
    assert _tar(tuple(command.split())) == expected


@pytest.mark.parametrize(
    ("operand", "path", "expected"),
    [
        ("/tmp/a.tgz", "/tmp/a.tgz", True),
        ("/tmp", "/tmp/a.tgz", True),
        ("/tmp/*.tgz", "/tmp/a.tgz", True),
        ("/tmp/*", "/tmp/src/a", True),
        ("/tmp/a", "/tmp/a.tgz", False),
        ("/tmp/src/build", "/tmp/src", False),
    ],
)
def test_covers(operand: str, path: str, expected: bool) -> None:
    assert _covers(operand, path) is expected


def run(transform, text: str, folder: Path | None = None, *, fix: bool = False, unsafe: bool = False):
    return engine.run(text, Context(build_context=folder), [transform], fix=fix, unsafe=unsafe)


def context(tmp_path: Path, files: dict[str, bytes | tuple[bytes, int]]) -> Path:
    for name, spec in files.items():
        data, mode = spec if isinstance(spec, tuple) else (spec, 0o644)
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
    return tmp_path


def test_copy_chmod_symbolic_mode_from_the_context(tmp_path: Path) -> None:
    folder = context(tmp_path, {"run.sh": (b"#!/bin/sh\n", 0o640)})
    text = "FROM a\nCOPY run.sh /run.sh\nRUN chmod u+x,o+r /run.sh && /run.sh\n"
    result = run(CopyChmod(), text, folder, fix=True, unsafe=True)
    assert result.output == "FROM a\nCOPY --chmod=744 run.sh /run.sh\nRUN /run.sh\n"


def test_copy_chmod_a_folder_in_the_context_is_a_suggestion(tmp_path: Path) -> None:
    folder = context(tmp_path, {"bin/x": b"x"})
    text = "FROM a\nCOPY bin /opt/bin\nRUN chmod -R 755 /opt/bin\n"
    [found] = run(CopyChmod(), text, folder).findings
    assert found.fix is not None and found.fix.applicability.value == "suggestion"


def test_copy_deleted_gives_the_bytes_of_a_folder(tmp_path: Path) -> None:
    folder = context(tmp_path, {"src/a": b"a" * 1500, "src/b/c": b"c" * 1500})
    text = "FROM a\nCOPY src/ /tmp/src/\nRUN make -C /tmp/src\nRUN rm -rf /tmp/src\n"
    [found] = run(CopyDeleted(), text, folder).findings
    assert "src (3.0 kB)" in found.message and found.fix is None


def test_copy_deleted_a_file_that_is_no_archive_gets_the_mount(tmp_path: Path) -> None:
    folder = context(tmp_path, {"data.tar.gz": b"not an archive at all"})
    text = "# syntax=docker/dockerfile:1\nFROM a\nCOPY data.tar.gz /tmp/\nRUN tar -xzf /tmp/data.tar.gz -C /opt && rm /tmp/data.tar.gz\n"
    [found] = run(CopyDeleted(), text, folder).findings
    assert found.fix is not None and found.fix.title.startswith("Mount")


def test_copy_deleted_archive_from_the_context_as_root_is_safe(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("x")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    folder = context(tmp_path, {"a.tgz": gzip.compress(buf.getvalue())})
    text = "FROM a\nCOPY a.tgz /tmp/\nRUN tar -xzf /tmp/a.tgz -C /opt && rm /tmp/a.tgz\n"
    assert run(CopyDeleted(), text, folder, fix=True).output == "FROM a\nADD a.tgz /opt/\n"
    as_user = "FROM a\nUSER app\nCOPY a.tgz /tmp/\nRUN tar -xzf /tmp/a.tgz -C /opt && rm /tmp/a.tgz\n"
    [found] = run(CopyDeleted(), as_user, folder).findings
    assert found.fix.applicability.value == "suggestion"  # tar as another user: its owner


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("FROM a\nCOPY x /tmp/\nRUN rm -f /tmp/y\n", id="another file"),
        pytest.param("FROM a\nCOPY $X /tmp/\nRUN rm -f /tmp/x\n", id="a variable in the COPY"),
        pytest.param("FROM a\nCOPY x /tmp/\nRUN [\"rm\", \"/tmp/x\"]\n", id="exec form"),
        pytest.param("FROM a\nCOPY x /tmp/\nRUN echo rm /tmp/x\n", id="rm as an argument"),
        pytest.param("FROM a\nCOPY x y\nRUN rm y\n", id="relative without WORKDIR"),
        pytest.param("FROM a\nCOPY x /tmp/\nRUN cd /var && rm x\n", id="after a cd, relative paths are unknown"),
        pytest.param("FROM a AS b\nCOPY x /tmp/\nRUN rm /tmp/x\nFROM c\n", id="a stage that does not ship"),
    ],
)
def test_copy_deleted_no_finding(text: str) -> None:
    assert run(CopyDeleted(), text).findings == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("FROM a\nRUN apt-get install -y gcc\nRUN apt-get install -y make && apt-get purge -y make\n", id="same RUN"),
        pytest.param("FROM a\nRUN apt-get purge -y gcc\nRUN apt-get install -y gcc\n", id="removed before installed"),
        pytest.param("FROM a\nRUN apk add gcc\nRUN apt-get remove -y g++\n", id="another package"),
    ],
)
def test_package_removed_no_finding(text: str) -> None:
    assert run(PackageRemoved(), text).findings == []


def test_package_removed_names_every_install_line() -> None:
    text = "FROM a\nRUN apt-get install -y gcc\nRUN apt-get install -y make\nRUN apt-get purge -y gcc make\n"
    [found] = run(PackageRemoved(), text).findings
    assert found.message.startswith("gcc, make installed on lines 2, 3 and removed here")


def test_build_tools_lists_at_most_five() -> None:
    text = "FROM a\nRUN apt-get install -y a-dev b-dev c-dev d-dev e-dev f-dev gcc\nRUN make\n"
    [found] = run(BuildToolsInFinal(), text).findings
    assert "(a-dev, b-dev, c-dev, d-dev, e-dev and 2 more)" in found.message


def test_package_removed_zypper_rm() -> None:
    text = "FROM a\nRUN zypper install -y gcc\nRUN zypper rm -y gcc\n"
    [found] = run(PackageRemoved(), text).findings
    assert found.message.startswith("gcc installed on line 2 and removed here")


def test_build_tools_reads_the_purge_idiom_whatever_the_script_cache_holds() -> None:
    text = "FROM a\nRUN apt-get install -y gcc && make && apt-mark auto '.*' && apt-get purge -y --auto-remove\n"
    assert run(BuildToolsInFinal(), text).findings == []
    base.read_script.cache_clear()  # the RUN is read again; the package changes of its text are still remembered
    assert run(BuildToolsInFinal(), text).findings == []


@pytest.mark.parametrize("base", ["mcr.microsoft.com/dotnet/sdk:8.0", "MCR.microsoft.com/dotnet/core/sdk:3.1"])
def test_build_tools_dotnet_sdk_as_final_base(base: str) -> None:
    text = f"FROM {base}\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -c Release -o /app\n"
    [found] = run(BuildToolsInFinal(), text).findings
    assert found.message.startswith(f"the final stage builds on the SDK image {base} (`dotnet publish`)")
    assert "mcr.microsoft.com/dotnet/aspnet" in found.message


def test_build_tools_dotnet_sdk_repository_elsewhere_is_not_the_sdk() -> None:
    text = "FROM example.com/dotnet/sdk:8.0\nRUN dotnet publish -c Release -o /app\n"
    assert run(BuildToolsInFinal(), text).findings == []


def test_build_tools_windows_final_stage_is_left_alone() -> None:
    text = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN choco install make\nRUN make\n"
    assert run(BuildToolsInFinal(), text).findings == []


def test_copy_link_fix_is_a_suggestion_with_the_flag() -> None:
    text = "# syntax=docker/dockerfile:1\nFROM a\nCOPY --from=b /out/ /app/\n"
    [found] = run(CopyLink(), text).findings
    assert found.fix.applicability.value == "suggestion"
    assert engine.apply(text, [found.fix]) == "# syntax=docker/dockerfile:1\nFROM a\nCOPY --link --from=b /out/ /app/\n"


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        pytest.param("DO105", "FROM a\nCOPY x /tmp/\nRUN rm /tmp/x\n", True, id="rm"),
        pytest.param("DO105", "FROM a\nCOPY x /tmp/\nRUN make\n", False, id="no rm or mv"),
        pytest.param("DO106", "FROM a\nCOPY x /x\nRUN chmod +x /x\n", True, id="chmod"),
        pytest.param("DO107", "FROM a\nRUN apk del x\n", True, id="apk del"),
        pytest.param("DO107", "FROM a\nRUN zypper -n rm x\n", True, id="zypper rm"),
        pytest.param("DO107", "FROM a\nRUN rm -rf /tmp/x\n", False, id="an rm of files removes no package"),
        pytest.param("DO109", "FROM a\nRUN x\n", False, id="no COPY"),
    ],
)
def test_triggers(code: str, text: str, expected: bool) -> None:
    assert may_find(by_code()[code], parse(text)) is expected


@pytest.mark.parametrize("transform", [CopyDeleted, CopyChmod, PackageRemoved, BuildToolsInFinal, CopyLink], ids=lambda t: t.code)
def test_documentation_has_the_headings_in_order(transform) -> None:
    doc = transform.__doc__
    assert doc.startswith(f"{transform.code} {transform.name}: ")
    places = [doc.find(f"\n{heading}\n") for heading in ("What it does", "Why", "Example", "Fix safety", "When it refuses", "See also")]
    assert -1 not in places and places == sorted(places)


def test_with_every_transform_the_fixes_compose_and_settle(tmp_path: Path) -> None:
    from dockeropt.transforms import ALL

    folder = context(tmp_path, {"run.sh": b"#!/bin/sh\n", "install.sh": b"#!/bin/sh\n"})
    text = (
        "# syntax=docker/dockerfile:1\n"
        "FROM debian:bookworm-slim\n"
        "COPY install.sh /tmp/\n"
        "RUN sh /tmp/install.sh && rm /tmp/install.sh\n"
        "COPY run.sh /usr/local/bin/\n"
        "RUN chown node /usr/local/bin/run.sh && chmod +x /usr/local/bin/run.sh\n"
        "CMD [\"run.sh\"]\n"
    )
    once = engine.run(text, Context(build_context=folder), ALL, fix=True, unsafe=True)
    assert once.reverted is None
    assert once.output == (
        "# syntax=docker/dockerfile:1\n"
        "FROM debian:bookworm-slim\n"
        "RUN --mount=type=bind,source=install.sh,target=/tmp/install.sh,rw sh /tmp/install.sh\n"
        "COPY --chmod=755 --chown=node:0 run.sh /usr/local/bin/\n"
        "CMD [\"run.sh\"]\n"
    )
    assert engine.run(once.output, Context(build_context=folder), ALL, fix=True, unsafe=True).output == once.output
