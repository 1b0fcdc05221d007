"""DO101 merge-run: quick before/after pairs; whole files live in tests/golden/merge_run."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_golden import buildkit_parses

from dockeropt import engine
from dockeropt.cst import parse
from dockeropt.transforms.base import Applicability, Context
from dockeropt.transforms.merge_run import MergeRun, ShellInfo, mount_is_shared, shell_info

RULE = MergeRun()
GOLDEN = Path(__file__).parent / "golden" / "merge_run"


def fix(text: str, **options) -> str:
    context = Context(options={RULE.code: options})
    result = engine.run(text, context, [RULE], fix=True, validate=buildkit_parses)
    assert result.reverted is None, result.reverted
    again = engine.run(result.output, context, [RULE], fix=True)
    assert again.output == result.output, "fixing the fixed file changed it again"
    return result.output


def messages(text: str) -> list[str]:
    return [f.message for f in engine.run(text, Context(), [RULE]).findings]


@pytest.mark.parametrize(
    ("src", "expected"),
    (
        pytest.param("FROM a\nRUN x\nRUN y\n", "FROM a\nRUN x \\\n    && y\n", id="two RUNs"),
        pytest.param("FROM a\nRUN x\nRUN y\nRUN z\n", "FROM a\nRUN x \\\n    && y \\\n    && z\n", id="three RUNs at once"),
        pytest.param("FROM a\nRUN x\n# c\n\nRUN y\n", "FROM a\nRUN x \\\n    # c\n    && y\n", id="comment moves inside, blank line goes"),
        pytest.param("FROM a\n# above\nRUN x\nRUN y\n", "FROM a\n# above\nRUN x \\\n    && y\n", id="first RUN keeps its comment"),
        pytest.param("FROM a\r\nRUN x\r\nRUN y\r\n", "FROM a\r\nRUN x \\\r\n    && y\r\n", id="CRLF"),
        pytest.param("# escape=`\nFROM a\nRUN x\nRUN y\n", "# escape=`\nFROM a\nRUN x `\n    && y\n", id="backtick escape"),
        pytest.param("from a\nrun x\nRUN y\n", "from a\nrun x \\\n    && y\n", id="first keyword's case"),
        pytest.param("FROM a\nRUN x \\\n\t&& w\nRUN y\n", "FROM a\nRUN x \\\n\t&& w \\\n\t&& y\n", id="tab indent"),
        pytest.param("FROM a\nRUN x && \\\n  w\nRUN y\n", "FROM a\nRUN x && \\\n  w && \\\n  y\n", id="operators at line end"),
        pytest.param("FROM a\nRUN x   \nRUN y\n", "FROM a\nRUN x \\\n    && y\n", id="trailing blanks go"),
        pytest.param("FROM a\nRUN x; w\nRUN y\n", "FROM a\nRUN x; w \\\n    && y\n", id="first's last list gates the second"),
        pytest.param("FROM a\nRUN x\nRUN y || z\n", "FROM a\nRUN x \\\n    && { y || z; }\n", id="|| is braced"),
        pytest.param("FROM a\nRUN x\nRUN y; z;\n", "FROM a\nRUN x \\\n    && { y; z; }\n", id="; is braced, no double ;"),
        pytest.param("FROM a\nRUN x\nRUN y | z\n", "FROM a\nRUN x \\\n    && y | z\n", id="a pipe binds tighter than &&"),
        pytest.param("FROM a\nRUN x\nRUN y # note\n", "FROM a\nRUN x \\\n    && y # note\n", id="comment at the very end is fine"),
        pytest.param("FROM a\nRUN x\nRUN cd /b && y\n", "FROM a\nRUN x \\\n    && cd /b && y\n", id="cd in the last RUN leaks nowhere"),
        pytest.param("FROM a\nRUN (cd /b && y)\nRUN z\n", "FROM a\nRUN (cd /b && y) \\\n    && z\n", id="cd in a subshell stays there"),
        pytest.param("FROM a\nRUN --network=none x\nRUN --network=none y\n", "FROM a\nRUN --network=none x \\\n    && y\n", id="equal flags"),
        pytest.param(
            "FROM a\nRUN --mount=type=secret,id=t x\nRUN --mount=type=secret,id=t y\n",
            "FROM a\nRUN --mount=type=secret,id=t x \\\n    && y\n",
            id="equal secret mounts",
        ),
        pytest.param("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\nRUN x\nRUN y\n", "FROM a\nSHELL [\"/bin/bash\", \"-c\"]\nRUN x \\\n    && y\n", id="bash"),
        pytest.param("FROM a\nRUN x\nRUN y", "FROM a\nRUN x \\\n    && y", id="no newline at the end"),
        pytest.param("FROM a\nRUN x \\\\\nRUN y\n", "FROM a\nRUN x \\\\ \\\n    && y\n", id="an escaped backslash is a word"),
    ),
)
def test_merges(src: str, expected: str) -> None:
    assert fix(src) == expected


@pytest.mark.parametrize(
    "src",
    (
        pytest.param("FROM a\nRUN cd /b\nRUN pwd\n", id="cd moves the second"),
        pytest.param("FROM a\nRUN export X=1\nRUN env\n", id="export reaches the second"),
        pytest.param("FROM a\nRUN set -e\nRUN false; true\n", id="set -e would stop the second"),
        pytest.param("FROM a\nRUN umask 077\nRUN touch /f\n", id="umask changes the second's files"),
        pytest.param("FROM a\nRUN . /env\nRUN env\n", id="source reaches the second"),
        pytest.param("FROM a\nRUN f() { :; }\nRUN f\n", id="a function reaches the second"),
        pytest.param("FROM a\nRUN X=1\nRUN env\n", id="a bare assignment reaches the second"),
        pytest.param("FROM a\nRUN x &\nRUN y\n", id="a background job keeps running"),
        pytest.param("FROM a\nRUN x & w\nRUN y\n", id="a background job in the middle too"),
        pytest.param("FROM a\nRUN x\nRUN y &\n", id="'&' after the second would background the first"),
        pytest.param("FROM a\nRUN exit 0\nRUN y\n", id="exit ends the script"),
        pytest.param("FROM a\nRUN exec x\nRUN y\n", id="exec replaces the shell"),
        pytest.param("FROM a\nRUN trap 'rm /f' EXIT\nRUN y\n", id="a trap would fire later"),
        pytest.param("FROM a\nRUN ulimit -n 64\nRUN y\n", id="ulimit reaches the second"),
        pytest.param("FROM a\nRUN for i in 1; do :; done\nRUN echo $i\n", id="a loop variable reaches the second"),
        pytest.param("FROM a\nRUN : ${X:=1}\nRUN env\n", id="an assigning expansion reaches the second"),
        pytest.param("FROM a\nRUN x # why\nRUN y\n", id="a trailing comment would swallow && y"),
        pytest.param("FROM a\nRUN x;\nRUN y\n", id="; && is a syntax error"),
        pytest.param("# escape=`\nFROM a\nRUN x \\\nRUN y\n", id="a lone backslash would escape the space"),
        pytest.param("FROM a\nRUN x\nRUN y || z # why\n", id="braces would be commented out"),
        pytest.param("FROM a\nRUN x\nRUN if y\n", id="an unreadable second"),
        pytest.param("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\nRUN x\nRUN echo $_\n", id="$_ is the first's last argument"),
        pytest.param("FROM a\nRUN --mount=type=cache,target=/c x\nRUN y\n", id="different mounts"),
        pytest.param("FROM a\nRUN --network=none x\nRUN y\n", id="different network"),
        pytest.param("FROM a\nRUN --mount=type=tmpfs,target=/t x\nRUN --mount=type=tmpfs,target=/t y\n", id="tmpfs is fresh per RUN"),
        pytest.param("FROM a\nRUN --mount=type=bind,rw,target=/t x\nRUN --mount=type=bind,rw,target=/t y\n", id="rw bind writes are dropped per RUN"),
        pytest.param("FROM a\nRUN [\"x\"]\nRUN y\n", id="exec form first"),
        pytest.param("FROM a\nRUN x\nRUN [\"y\"]\n", id="exec form second"),
        pytest.param("FROM a\nRUN <<EOF\nx\nEOF\nRUN y\n", id="heredoc first"),
        pytest.param("FROM a\nRUN x\nRUN <<EOF\ny\nEOF\n", id="heredoc second"),
        pytest.param("FROM a\nRUN x\nENV A=1\nRUN y\n", id="an instruction between"),
        pytest.param("FROM a\nRUN x\nONBUILD RUN y\nRUN z\n", id="ONBUILD RUN is no RUN"),
        pytest.param("FROM a\nRUN x\nFROM b\nRUN y\n", id="a new stage"),
        pytest.param("FROM a\nSHELL [\"pwsh\", \"-Command\"]\nRUN x\nRUN y\n", id="PowerShell"),
        pytest.param("FROM a\nSHELL [\"cmd\", \"/S\", \"/C\"]\nRUN x\nRUN y\n", id="cmd"),
        pytest.param("FROM mcr.microsoft.com/windows/nanoserver\nRUN x\nRUN y\n", id="Windows runs cmd"),
        pytest.param("FROM a AS p\nSHELL [\"pwsh\", \"-Command\"]\nFROM p\nRUN x\nRUN y\n", id="SHELL is inherited from a stage"),
        pytest.param("FROM a\nSHELL [\"/bin/bash\", \"-lc\"]\nRUN x\nRUN y\n", id="a login shell rereads the profile"),
        pytest.param("FROM a\nENV BASH_ENV=/e\nSHELL [\"bash\", \"-c\"]\nRUN x\nRUN y\n", id="bash rereads BASH_ENV"),
        pytest.param("FROM a\nSHELL [\"/bin/sh\", \"-ec\"]\nRUN { x; w; }\nRUN y\n", id="-e is ignored left of &&"),
        pytest.param("FROM a AS b\nRUN x\nRUN y\nFROM c\nCOPY --from=b / /\n", id="a builder stage keeps its cache points"),
    ),
)
def test_leaves_alone(src: str) -> None:
    assert fix(src) == src


@pytest.mark.parametrize(
    ("src", "message"),
    (
        ("FROM a\nRUN cd /b\nRUN pwd\n", "not merged into the RUN on line 2: 'cd' changes the working directory"),
        ("FROM a\nRUN x # y\nRUN z\n", "not merged into the RUN on line 2: it ends with a shell comment, which would swallow '&& ...'"),
        ("FROM a\nRUN x\nRUN y\n", "2 adjacent RUN instructions can be one RUN (1 layer fewer)"),
    ),
)
def test_messages(src: str, message: str) -> None:
    assert messages(src) == [message]


def test_no_finding_where_the_rule_does_not_apply() -> None:
    assert messages("FROM a\nRUN [\"x\"]\nRUN y\nENV A=1\nRUN --network=none z\n") == []


def test_fix_is_safe_and_covers_the_group() -> None:
    (found,) = engine.run("FROM a\nRUN x\nRUN y\nRUN z\n", Context(), [RULE]).findings
    assert found.fix.applicability is Applicability.SAFE
    assert (found.line, found.column) == (2, 1)
    assert len(found.fix.edits) == 2


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.iterdir()))
def test_one_pass_settles(case: str) -> None:
    """Each run of RUNs merges in one pass: what is left after it has no fix to offer."""
    source = (GOLDEN / case / "input.Dockerfile").read_bytes().decode()
    findings = [f for f in RULE.check(parse(source), Context()) if f.fix]
    once = engine.apply(source, (f.fix for f in engine.choose(findings)))
    assert [f.message for f in RULE.check(parse(once), Context()) if f.fix] == []


def test_max_lines_cuts_a_run_of_runs() -> None:
    src = "FROM a\nRUN x\nRUN y\nRUN z\n"
    assert fix(src, max_lines=2) == "FROM a\nRUN x \\\n    && y\nRUN z\n"
    assert fix(src, max_lines=1) == src


def test_max_lines_counts_comments_only_of_the_runs_that_join() -> None:
    """A RUN whose comment lines would take the merge past the limit starts the next run
    of RUNs, and its comments, which stay above it, count for none."""
    src = "FROM a\nRUN x\nRUN y\n# one\n# two\nRUN z\nRUN w\n"
    assert fix(src, max_lines=3) == "FROM a\nRUN x \\\n    && y\n# one\n# two\nRUN z \\\n    && w\n"


def test_all_stages() -> None:
    src = "FROM a AS b\nRUN x\nRUN y\nFROM c\n"
    assert fix(src, all_stages=True) == "FROM a AS b\nRUN x \\\n    && y\nFROM c\n"


def test_final_stage_built_from_a_stage_ships_that_stage() -> None:
    src = "FROM a AS b\nRUN x\nRUN y\nFROM b\n"
    assert fix(src) == "FROM a AS b\nRUN x \\\n    && y\nFROM b\n"


@pytest.mark.parametrize(
    ("argv", "expected"),
    (
        (("/bin/sh", "-c"), ShellInfo(posix=True)),
        (("/bin/bash", "-o", "pipefail", "-c"), ShellInfo(posix=True)),
        (("/bin/bash", "-euxo", "pipefail", "-c"), ShellInfo(posix=True, errexit=True)),
        (("/bin/bash", "-o", "errexit", "-c"), ShellInfo(posix=True, errexit=True)),
        (("sh", "-ec"), ShellInfo(posix=True, errexit=True)),
        (("/bin/busybox", "sh", "-c"), ShellInfo(posix=True)),
        (("/usr/bin/env", "bash", "-c"), ShellInfo(posix=True)),
        (("/bin/zsh", "-c"), ShellInfo(posix=False)),
        (("bash", "-c", "--"), ShellInfo(posix=False)),
        (("bash", "--login", "-c"), ShellInfo(posix=False)),
        (("powershell", "-Command"), ShellInfo(posix=False)),
    ),
)
def test_shell_info(argv: tuple[str, ...], expected: ShellInfo) -> None:
    assert shell_info(argv, bash_env=False) == expected


@pytest.mark.parametrize(
    ("value", "shared"),
    (
        ("type=cache,target=/c", True),
        ("type=secret,id=x", True),
        ("type=ssh", True),
        ("target=/src", True),
        ("type=bind,target=/src,ro", True),
        ("type=bind,target=/src,rw", False),
        ("type=bind,target=/src,readwrite=true", False),
        ("target=/src,readonly=false", False),
        ("type=tmpfs,target=/t", False),
    ),
)
def test_mount_is_shared(value: str, shared: bool) -> None:
    assert mount_is_shared(value) is shared
