"""DO211-DO215 ("lighter images"): unit cases per transform, and all five together.

Each case is ``(input, expected)`` fixed with unsafe fixes on; ``expected`` equal to the
input means no fix applies. The no-op cases say in their id why nothing may change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockeropt import engine
from dockeropt.transforms.add_to_copy import AddToCopy, _is_archive
from dockeropt.transforms.base import Applicability, Context
from dockeropt.transforms.cd_to_workdir import CdToWorkdir
from dockeropt.transforms.copy_chown import CopyChown
from dockeropt.transforms.exec_form import CmdExecForm
from dockeropt.transforms.maintainer import MaintainerLabel

HYGIENE = (CopyChown(), AddToCopy(), CdToWorkdir(), CmdExecForm(), MaintainerLabel())
GOLDEN = Path(__file__).parent / "golden"


def fixed(text: str, transform, context: Context | None = None, unsafe: bool = True) -> str:
    result = engine.run(text, context or Context(), [transform], fix=True, unsafe=unsafe)
    assert result.reverted is None, result.reverted
    return result.output


def tiers(text: str, transform, context: Context | None = None) -> list[str]:
    findings = engine.run(text, context or Context(), [transform]).findings
    return [f.fix.applicability.value if f.fix else "-" for f in findings]


# ---------------------------------------------------------------- DO211 copy-chown


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(
            "FROM a\nCOPY . /app/\nRUN chown -R u:g /app\n",
            "FROM a\nCOPY --chown=u:g . /app/\n",
            id="recursive chown of the destination",
        ),
        pytest.param(
            "FROM a\nWORKDIR /w\nCOPY src/ out/\nRUN chown -R 7:8 out && make\n",
            "FROM a\nWORKDIR /w\nCOPY --chown=7:8 src/ out/\nRUN make\n",
            id="relative paths read against WORKDIR, rest of the chain kept",
        ),
        pytest.param(
            'FROM a\nCOPY ["x/", "/app/"]\nRUN chown -R u /app\n',
            'FROM a\nCOPY --chown=u:0 ["x/", "/app/"]\n',
            id="chown user keeps group 0 of copied files",
        ),
        pytest.param(
            "FROM a\nCOPY . /app/\nRUN make && chown -R u:g /app\n",
            "FROM a\nCOPY . /app/\nRUN make && chown -R u:g /app\n",
            id="chown after another command: that command saw root's files",
        ),
        pytest.param(
            "FROM a\nCOPY . /app/\nRUN chown -R u:g /app || true\n",
            "FROM a\nCOPY . /app/\nRUN chown -R u:g /app || true\n",
            id="not a plain && chain: a failing chown did not stop the build",
        ),
        pytest.param(
            "FROM a\nCOPY . /app/\nRUN --mount=type=cache,target=/app chown -R u:g /app\n",
            "FROM a\nCOPY . /app/\nRUN --mount=type=cache,target=/app chown -R u:g /app\n",
            id="RUN with a mount: the chown may touch the mount, not the copy",
        ),
        pytest.param(
            "FROM a\nCOPY . /app/\nVOLUME /app\nRUN chown -R u:g /app\n",
            "FROM a\nCOPY . /app/\nVOLUME /app\nRUN chown -R u:g /app\n",
            id="VOLUME between: changes after it may be discarded",
        ),
        pytest.param(
            "FROM a\nCOPY . app/\nRUN chown -R u:g app\n",
            "FROM a\nCOPY . app/\nRUN chown -R u:g app\n",
            id="relative paths without WORKDIR: the base image's is unknown",
        ),
        pytest.param(
            "FROM a\nCOPY . /app/\nRUN chown -R u:g /app/*\n",
            "FROM a\nCOPY . /app/\nRUN chown -R u:g /app/*\n",
            id="a glob is not the destination",
        ),
        pytest.param(
            "FROM a\nCOPY . /app/\nRUN chown -fR u:g /app\n",
            "FROM a\nCOPY . /app/\nRUN chown -fR u:g /app\n",
            id="-f hides failures COPY --chown would report",
        ),
        pytest.param(
            "FROM a\nCOPY . /\nRUN chown -R u:g /\n",
            "FROM a\nCOPY . /\nRUN chown -R u:g /\n",
            id="chown of the whole filesystem",
        ),
    ],
)
def test_copy_chown(src: str, expected: str) -> None:
    assert fixed(src, CopyChown()) == expected


def test_copy_chown_tiers(tmp_path: Path) -> None:
    (tmp_path / "app.jar").write_text("jar\n")
    (tmp_path / "conf").mkdir()
    context = Context(build_context=tmp_path)
    under_root = "FROM a\nCOPY app.jar /app.jar\nRUN chown u:g /app.jar\n"
    assert tiers(under_root, CopyChown(), context) == ["safe"]
    assert tiers(under_root, CopyChown()) == []  # no context: it may be a folder
    assert tiers("FROM a\nCOPY app.jar /srv/app.jar\nRUN chown u:g /srv/app.jar\n", CopyChown(), context) == ["unsafe"]
    # conf is a folder: chown without -R changes only the destination itself
    assert tiers("FROM a\nCOPY conf /etc/conf\nRUN chown u:g /etc/conf\n", CopyChown(), context) == []


# ---------------------------------------------------------------- DO212 add-to-copy


@pytest.mark.parametrize(
    ("files", "src", "expected"),
    [
        pytest.param({"a.txt": "a"}, "FROM b\nADD a.txt /x/\n", "FROM b\nCOPY a.txt /x/\n", id="plain file"),
        pytest.param({"d/a.tgz": "not really"}, "FROM b\nADD d /x/\n", "FROM b\nCOPY d /x/\n", id="folder: nothing inside is unpacked"),
        pytest.param({"a.zip": b"PK\x03\x04"}, "FROM b\nAdd a.zip /x/\n", "FROM b\nCOPY a.zip /x/\n", id="zip is not unpacked by ADD"),
        pytest.param({"a.txt": b"\x1f\x8b\x08rest"}, "FROM b\nADD a.txt /x/\n", "FROM b\nADD a.txt /x/\n", id="gzip content under a text name"),
        pytest.param({"a.bin": b"\xfd7zXZ\x00rest"}, "FROM b\nADD a.bin /x/\n", "FROM b\nADD a.bin /x/\n", id="xz content"),
        pytest.param({"a.txt": "a"}, "FROM b\nADD a.tar /x/\n", "FROM b\nADD a.tar /x/\n", id="archive name not in the context"),
        pytest.param({"a.txt": "a"}, "FROM b\nADD --unpack=true a.txt /x/\n", "FROM b\nADD --unpack=true a.txt /x/\n", id="flag COPY lacks"),
        pytest.param({"a.txt": "a"}, "FROM b\nADD ../a.txt /x/\n", "FROM b\nADD ../a.txt /x/\n", id="outside the context: not checked"),
    ],
)
def test_add_to_copy(tmp_path: Path, files: dict, src: str, expected: str) -> None:
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    assert fixed(src, AddToCopy(), Context(build_context=tmp_path)) == expected


def test_old_tar_without_magic_is_an_archive() -> None:
    header = bytearray(512)
    header[:5] = b"x.txt"
    header[100:108] = b"0000644\x00"
    header[148:156] = b" " * 8
    header[148:156] = f"{sum(header):06o}\x00 ".encode()
    assert _is_archive(bytes(header))
    header[0] = ord("y")  # the checksum no longer matches
    assert not _is_archive(bytes(header))


# ---------------------------------------------------------------- DO213 cd-to-workdir


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param("FROM a\nWORKDIR /w\nRUN cd /w/ && x\n", "FROM a\nWORKDIR /w\nRUN x\n", id="same directory, spelled differently"),
        pytest.param(
            "FROM a\nRUN cd /s && x\nCOPY f /etc/f\nWORKDIR /w\n",
            "FROM a\nWORKDIR /s\nRUN x\nCOPY f /etc/f\nWORKDIR /w\n",
            id="absolute COPY before the reset does not read the directory",
        ),
        pytest.param(
            "FROM a\nRUN cd /s && x\nCOPY f f\nWORKDIR /w\n",
            "FROM a\nRUN cd /s && x\nCOPY f f\nWORKDIR /w\n",
            id="relative COPY before the reset would land elsewhere",
        ),
        pytest.param(
            "FROM a\nRUN cd /s && x\nWORKDIR sub\n",
            "FROM a\nRUN cd /s && x\nWORKDIR sub\n",
            id="a relative WORKDIR builds on the directory",
        ),
        pytest.param(
            "FROM a\nENV CDPATH=/opt\nWORKDIR /w\nRUN cd s && x\nWORKDIR /\n",
            "FROM a\nENV CDPATH=/opt\nWORKDIR /w\nRUN cd s && x\nWORKDIR /\n",
            id="CDPATH can send a relative cd elsewhere",
        ),
        pytest.param("FROM a\nRUN cd /s && x\nFROM b\nWORKDIR /\n", "FROM a\nRUN cd /s && x\nFROM b\nWORKDIR /\n", id="a reset in the next stage does not count"),
    ],
)
def test_cd_to_workdir(src: str, expected: str) -> None:
    assert fixed(src, CdToWorkdir()) == expected


# ---------------------------------------------------------------- DO214 exec-form


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param("FROM a\nCMD prog\n", 'FROM a\nCMD ["prog"]\n', id="one word"),
        pytest.param("FROM a\nCMD /usr/bin/prog -v --x=1 a,b\n", 'FROM a\nCMD ["/usr/bin/prog", "-v", "--x=1", "a,b"]\n', id="options"),
        pytest.param("FROM a\nCMD prog héllo\n", 'FROM a\nCMD ["prog", "héllo"]\n', id="non-ASCII kept as is"),
        pytest.param("FROM a\nCMD prog 'a\"b'\n", "FROM a\nCMD prog 'a\"b'\n", id="a double quote in a value"),
        pytest.param("FROM a\nCMD prog [x]\n", "FROM a\nCMD prog [x]\n", id="brackets are a glob"),
        pytest.param("FROM a\nCMD { prog; }\n", "FROM a\nCMD { prog; }\n", id="brace group"),
        pytest.param("FROM a\nCMD if x; then y; fi\n", "FROM a\nCMD if x; then y; fi\n", id="if"),
        pytest.param("FROM a\nCMD 'prog' x\n", "FROM a\nCMD 'prog' x\n", id="quoted program name may be a reserved word"),
        pytest.param("FROM a\nCMD . /env\n", "FROM a\nCMD . /env\n", id="dot is a built-in"),
    ],
)
def test_exec_form(src: str, expected: str) -> None:
    assert fixed(src, CmdExecForm()) == expected


# ---------------------------------------------------------------- DO215 maintainer


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param("FROM a\nMAINTAINER x\n", 'FROM a\nLABEL org.opencontainers.image.authors="x"\n', id="word"),
        pytest.param("FROM a\nMaintainer x\nrun y\n", 'FROM a\nlabel org.opencontainers.image.authors="x"\nrun y\n', id="mixed case follows the file"),
        pytest.param("FROM a\nMAINTAINER a\\b $x\n", "FROM a\nLABEL org.opencontainers.image.authors='a\\b $x'\n", id="single quotes read nothing"),
        pytest.param(
            "FROM a\nMAINTAINER O'Hara \\ $x\n",
            'FROM a\nLABEL org.opencontainers.image.authors="O\'Hara \\\\ \\$x"\n',
            id="double quotes with escapes",
        ),
        pytest.param("# escape=`\nFROM a\nMAINTAINER O'Hara `x\n", "# escape=`\nFROM a\nMAINTAINER O'Hara `x\n", id="no quoting reads back in a backquote file"),
        pytest.param("FROM a\nMAINTAINER a \\\n  b\n", "FROM a\nMAINTAINER a \\\n  b\n", id="continued over lines"),
    ],
)
def test_maintainer(src: str, expected: str) -> None:
    assert fixed(src, MaintainerLabel()) == expected


# ---------------------------------------------------------------- all five together

TOGETHER = """\
# escape=\\
FROM node:22-slim AS build
MAINTAINER Ops <ops@example.com>
WORKDIR /src
ADD package.json ./
RUN cd /src && npm ci
ADD <<EOF /etc/motd
hello
EOF
RUN cd tools && make \\
    && make install
WORKDIR /srv
COPY dist/ /app/
RUN chown -R node:node /app && echo ok
CMD node /app/server.js
"""


def _golden_inputs() -> list:
    mods = ("copy_chown", "add_to_copy", "cd_to_workdir", "exec_form", "maintainer")
    cases = [pytest.param(TOGETHER, None, id="together")]
    for folder in sorted(p for m in mods for p in (GOLDEN / m).iterdir()):
        context = folder / "context"
        text = (folder / "input.Dockerfile").read_bytes().decode()
        cases.append(pytest.param(text, context if context.is_dir() else None, id=f"{folder.parent.name}/{folder.name}"))
    return cases


@pytest.mark.parametrize(("text", "context_dir"), _golden_inputs())
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_all_five_together_are_stable(text: str, context_dir: Path | None, unsafe: bool) -> None:
    """fix(fix(x)) == fix(x) with every DO211-DO215 transform running at once, checked
    once (not by looping, which would hide an oscillation)."""
    context = Context(build_context=context_dir)
    once = engine.run(text, context, HYGIENE, fix=True, unsafe=unsafe)
    assert once.reverted is None, once.reverted
    twice = engine.run(once.output, context, HYGIENE, fix=True, unsafe=unsafe)
    assert twice.output == once.output
    left = [f for f in twice.findings if engine.applicable(f.fix, unsafe)]
    assert left == [], "an applicable fix is still on offer after fixing"


def test_together_result() -> None:
    out = engine.run(TOGETHER, Context(), HYGIENE, fix=True, unsafe=True).output
    assert out == """\
# escape=\\
FROM node:22-slim AS build
LABEL org.opencontainers.image.authors="Ops <ops@example.com>"
WORKDIR /src
ADD package.json ./
RUN npm ci
COPY <<EOF /etc/motd
hello
EOF
WORKDIR tools
RUN make \\
    && make install
WORKDIR /srv
COPY --chown=node:node dist/ /app/
RUN echo ok
CMD ["node", "/app/server.js"]
"""


def test_tiers_are_deliberate() -> None:
    assert tiers("FROM a\nMAINTAINER x\n", MaintainerLabel()) == [Applicability.UNSAFE.value]
    assert tiers("FROM a\nCMD x\n", CmdExecForm()) == [Applicability.UNSAFE.value]
    assert tiers("FROM a\nADD a /b\n", AddToCopy()) == [Applicability.SUGGESTION.value]
