"""Lines BuildKit's parser reads but the build rejects: errors at their line, never fixed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import dockeropt
from dockeropt.cst import parse
from dockeropt.validate import check

REJECTED = [
    pytest.param("FRM node\n", 1, 1, "unknown instruction: FRM (did you mean FROM?)", id="a misspelt FROM"),
    pytest.param("FROM a\nfrm b\n", 2, 1, "unknown instruction: frm (did you mean from?)", id="the hint in the keyword's case"),
    pytest.param("FROM a\nCOPYY x y\nRUN z\n", 2, 1, "unknown instruction: COPYY (did you mean COPY?)", id="a misspelt COPY"),
    pytest.param("FROM a\nINSTALL curl\n", 2, 1, "unknown instruction: INSTALL", id="no instruction is close"),
    pytest.param("FROM\n", 1, 1, "FROM requires either one or three arguments", id="a bare FROM"),
    pytest.param("FROM a b\n", 1, 1, "FROM requires either one or three arguments", id="FROM with two words"),
    pytest.param("FROM a\nONBUILD ONBUILD RUN x\n", 2, 9, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", id="ONBUILD ONBUILD"),
    pytest.param("FROM a\nONBUILD FROM b\n", 2, 9, "FROM isn't allowed as an ONBUILD trigger", id="ONBUILD FROM"),
    pytest.param("FROM a\nONBUILD maintainer me\n", 2, 9, "MAINTAINER isn't allowed as an ONBUILD trigger", id="ONBUILD MAINTAINER"),
    pytest.param("FROM a\nHEALTHCHECK --interval=5s\n", 2, 1, "HEALTHCHECK requires at least one argument", id="HEALTHCHECK with flags alone"),
    pytest.param("FROM a\nHEALTHCHECK curl -f localhost\n", 2, 1, 'Unknown type "CURL" in HEALTHCHECK (try CMD)', id="HEALTHCHECK without CMD"),
    pytest.param("FROM a\nHEALTHCHECK CMD\n", 2, 1, "Missing command after HEALTHCHECK CMD", id="HEALTHCHECK CMD alone"),
    pytest.param("FROM a\nHEALTHCHECK NONE now\n", 2, 1, "HEALTHCHECK NONE takes no arguments", id="HEALTHCHECK NONE with words"),
    pytest.param("FROM a\nCOPY --bogus=1 x y\n", 2, 6, "Unknown flag: bogus", id="a flag COPY does not take"),
    pytest.param("FROM a\nCMD --help\n", 2, 5, "Unknown flag: help", id="CMD takes no flag"),
    pytest.param("FROM --chown=1 a\n", 1, 6, "Unknown flag: chown", id="a flag FROM does not take"),
    pytest.param("FROM a\nCOPY --from=a --from=b x y\n", 2, 15, "Duplicate flag specified: from", id="a flag twice"),
    pytest.param("FROM a\nCOPY --from build x y\n", 2, 6, "Missing a value on flag: from", id="a flag without its value"),
    pytest.param("FROM a\nCOPY --link=maybe x y\n", 2, 6, "Expecting boolean value for flag link, not: maybe", id="a yes-or-no flag"),
    pytest.param("ENV A=b\nFROM a\n", 1, 1, "no build stage in current context", id="ENV before FROM"),
]

ACCEPTED = [
    pytest.param("ARG V=1\nFROM a:$V\n", id="ARG before FROM"),
    pytest.param("FROM a AS b\nFROM --platform=$BUILDPLATFORM b\n", id="FROM with AS and --platform"),
    pytest.param("FROM a\nRUN --mount=type=cache,target=/x --mount=type=tmpfs,target=/y --network=none x\n", id="RUN flags, --mount twice"),
    pytest.param("FROM a\nCOPY --link --chmod=644 --chown=1:1 --from=b x y\nADD --checksum=sha256:0 --keep-git-dir=true x y\n", id="COPY and ADD flags"),
    pytest.param("FROM a\nCOPY --parents --exclude=*.md --exclude=*.txt x y\n", id="flags of newer frontends"),
    pytest.param("FROM a\nHEALTHCHECK --interval=5s --retries=3 CMD curl -f localhost\nHEALTHCHECK NONE\n", id="HEALTHCHECK forms"),
    pytest.param("FROM a\nHEALTHCHECK --interval=5s NONE\n", id="HEALTHCHECK NONE ignores its flags"),
    pytest.param("FROM a\nONBUILD RUN x\nONBUILD COPY --bogus=1 x y\n", id="ONBUILD triggers are read when they fire"),
    pytest.param("FROM a\nSTOPSIGNAL --x SIGTERM\n", id="STOPSIGNAL's flags are never read"),
    pytest.param("from a\nrun x\n", id="lower-case keywords"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), REJECTED)
def test_what_the_build_rejects(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(dockeropt.DockerfileError) as caught:
        check(parse(text))
    assert (caught.value.line, caught.value.column, caught.value.message) == (line, column, message)


@pytest.mark.parametrize("text", ACCEPTED)
def test_what_the_build_accepts(text: str) -> None:
    check(parse(text))


def test_the_api_raises_and_never_fixes() -> None:
    text = "FROM a\nRUN x\nRUN y\nHEALTHCHECK curl -f localhost\n"
    for call in (dockeropt.check, dockeropt.fix):
        with pytest.raises(dockeropt.DockerfileError, match="in HEALTHCHECK"):
            call(text)


@pytest.mark.parametrize("mode", [[], ["--check"], ["--fix"], ["--diff"]])
def test_the_command_line_reports_an_error_at_its_line_and_keeps_the_file(tmp_path: Path, mode: list[str]) -> None:
    path = tmp_path / "Dockerfile"
    content = b"FROM a\nRUN x\nRUN y\nONBUILD ONBUILD RUN z\n"
    path.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "dockeropt", *mode, "Dockerfile"], capture_output=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.decode() == "Dockerfile:4:9: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed\n"
    assert proc.stdout == b""
    assert path.read_bytes() == content


def test_format_on_save_gives_the_buffer_back() -> None:
    content = b"FRM node\nRUN x\nRUN y\n"
    proc = subprocess.run([sys.executable, "-m", "dockeropt", "--fix", "-"], input=content, capture_output=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == content
    assert proc.stderr.decode().startswith("-:1:1: unknown instruction: FRM")
