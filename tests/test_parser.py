"""The lexer and grammar on small hand-written cases, one rule of BuildKit's at a time.

Each case is checked three ways: the tree prints back the input byte for byte, the
BuildKit-shaped result equals BuildKit's own (the ``dockerfile`` package), and the typed
nodes say what the rule says.
"""

from __future__ import annotations

import random

import pytest

from dockeropt import DockerfileError, parse
from dockeropt.cst import Add, Arg, Copy, Env, ExecForm, From, Healthcheck, Label, Onbuild, Run, ShellForm, Unknown
from dockeropt.dump import buildkit_json
from dockeropt.grammar.semantics import GO_SPACE, parse_words
from needs import need_module
from oracle import as_dicts

dockerfile = need_module("dockerfile", "the BuildKit oracle `dockerfile` (the test extra) is not installed")


def buildkit(text: str) -> list[dict]:
    return as_dicts(dockerfile.parse_string(text))


def like_buildkit(text: str):  # noqa: ANN201
    tree = parse(text)
    assert tree.code == text, f"round trip lost bytes:\n{text!r}\n{tree.code!r}"
    assert buildkit_json(tree) == buildkit(text)
    return tree


def rejected_like_buildkit(text: str) -> DockerfileError:
    with pytest.raises(dockerfile.GoParseError):
        dockerfile.parse_string(text)
    with pytest.raises(DockerfileError) as info:
        parse(text)
    return info.value


ACCEPTED = [
    pytest.param("FROM a\nRUN x\n", id="plain"),
    pytest.param("\ufeffFROM a\n", id="byte order mark"),
    pytest.param("\ufeff# escape=`\nFROM a\nRUN a `\n b\n", id="directive after byte order mark"),
    pytest.param("FROM a\r\nRUN a \\\r\n b\r\n", id="CRLF"),
    pytest.param("FROM a\nRUN a \\\r\n b\nRUN c\r\n", id="mixed line endings"),
    pytest.param("FROM a\nRUN x", id="no final newline"),
    pytest.param("FROM a\nRUN a\r", id="CR at end of file"),
    pytest.param("FROM a\nRUN a\rb\n", id="lone CR inside a line"),
    pytest.param("# syntax=x\n# escape=`\nFROM a\nRUN a `\n b\n", id="directives at the top"),
    pytest.param("# comment\n# escape=`\nFROM a\nRUN a `\n b\n", id="directive after a comment is a comment"),
    pytest.param("\n# escape=`\nFROM a\nRUN a \\\n b\n", id="directive after a blank line is a comment"),
    pytest.param("FROM a\n# escape=`\nRUN a \\\n b\n", id="directive after an instruction is a comment"),
    pytest.param("# foo=bar\n# escape=`\nFROM a\n", id="unknown directive ends the directives"),
    pytest.param("#  ESCAPE  =  `  \nFROM a\nRUN a `\n b\n", id="directive spacing and case"),
    pytest.param("# escape=\\\nFROM a\nRUN a \\\n b\n", id="backslash escape directive"),
    pytest.param("FROM a\nRUN a \\   \n b\n", id="white space after the escape character"),
    pytest.param("FROM a\nRUN a \\ \t\n b\n", id="tab after the escape character"),
    pytest.param("FROM a\nRUN echo \\\\\nRUN x\n", id="escaped escape at end of line"),
    pytest.param("FROM a\nRUN echo \\\\\\\nRUN x\n", id="three escapes at end of line"),
    pytest.param("FROM a\nRUN a \\\n\n  \n b\n", id="empty continuation lines"),
    pytest.param("FROM a\nRUN a \\", id="continuation at end of file"),
    pytest.param("FROM a\nRUN a \\\n", id="continuation then end of file"),
    pytest.param("FROM a\nRUN a \\\n# comment\n  # indented comment\n b\n", id="comments inside a continuation"),
    pytest.param("\\\nFROM a\n", id="lone escape line starts an instruction"),
    pytest.param("FROM a\nRUN \\\n\n", id="keyword then continuation to end"),
    pytest.param("FROM a\n   # c\nRUN x\n", id="indented comment"),
    pytest.param("  FROM a\n\tRUN x\n", id="indented instructions"),
    pytest.param("from a\nrun x\nCoPy a b\n", id="keyword case kept"),
    pytest.param("FROM a\nFOO bar baz\n", id="unknown instruction"),
    pytest.param("FROM a\nRUN\u00a0x\n", id="no-break space is not a separator"),
    pytest.param("FROM a\nRUN <<EOF\nhello\nEOF\n", id="heredoc"),
    pytest.param("FROM a\nCOPY <<EOF /x\nhi\nEOF\n", id="heredoc on COPY"),
    pytest.param("FROM a\nADD <<EOF /x\nhi\nEOF\n", id="heredoc on ADD"),
    pytest.param("FROM a\nCMD <<EOF\nx\nEOF\n", id="no heredoc on CMD"),
    pytest.param("FROM a\nRUN [\"<<EOF\"]\nEOF\n", id="no heredoc in exec form"),
    pytest.param("FROM a\nRUN cat<<EOF\nEOF\n", id="heredoc must be its own word"),
    pytest.param("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n", id="heredoc inside ONBUILD"),
    pytest.param("FROM a\nRUN <<-EOF\n\tx\n\t\tEOF\n", id="chomped heredoc"),
    pytest.param("FROM a\nRUN <<'E O' x\nx\nE O\n", id="quoted terminator"),
    pytest.param("FROM a\nRUN <<E'O'F x\nx\nEOF\n", id="partly quoted terminator"),
    pytest.param("FROM a\nRUN <<A cat && 3<<-\"B\" x\nhello\r\n\tA\nA\n\tB\n", id="two heredocs on one line with fd"),
    pytest.param("FROM a\nRUN <<EOF \\\n  cat\nx\nEOF\n", id="heredoc line continued"),
    pytest.param("FROM a\nRUN <<EOF\nx\nEOF", id="terminator at end of file"),
    pytest.param("FROM a\nRUN <<EOF>file\nx\nEOF>file\n", id="heredoc word with redirection"),
    pytest.param("FROM a\nCMD [ \"a\" ] trailing\n", id="JSON followed by text"),
    pytest.param("FROM a\nCMD [\"a\\u0041\\n\"]\n", id="JSON escapes"),
    pytest.param("FROM a\nCMD [NaN]\n", id="NaN is not JSON"),
    pytest.param("FROM a\nCMD [\"a\", \n", id="unterminated JSON is shell form"),
    pytest.param("FROM a\nCMD []\n", id="empty JSON array"),
    pytest.param("FROM a\nVOLUME [\"/a\", \"/b\"]\nVOLUME /c /d\n", id="volume both forms"),
    pytest.param("FROM a\nCOPY --from foo a b\n", id="flag without a value"),
    pytest.param("FROM a\nCOPY --from=foo --chown=\"a b\" a b\n", id="quoted flag value"),
    pytest.param("FROM a\nRUN --mount=type=cache,target=\"/a\\\"b\" x\n", id="escaped quote in flag"),
    pytest.param("FROM a\nRUN -- --x\n", id="double dash ends the flags"),
    pytest.param("FROM a\nRUN --x\n", id="only a flag"),
    pytest.param("FROM a\nRUN --mount=\u00e0b x\n", id="non-ASCII flag read byte by byte"),
    pytest.param("FROM a\nENV a\t b  c \n", id="legacy ENV"),
    pytest.param("FROM a\nENV x=1 y=\"2 3\" z\\ w=4\n", id="ENV pairs"),
    pytest.param("FROM a\nLABEL \"a b\"=\"c d\" e\\ f=g\n", id="LABEL quoted keys"),
    pytest.param("FROM a\nARG x y=1 z=\n", id="ARG forms"),
    pytest.param("FROM a\nARG\n", id="empty ARG"),
    pytest.param("FROM a\nHEALTHCHECK --interval=5s CMD [\"a\"]\nHEALTHCHECK NONE\nHEALTHCHECK CMD curl x\n", id="HEALTHCHECK"),
    pytest.param("FROM a\nHEALTHCHECK\n", id="empty HEALTHCHECK"),
    pytest.param("FROM --platform=$X a:b@sha256:00 AS build\n", id="FROM parts"),
    pytest.param("FROM a\nONBUILD COPY --from=a x y\nONBUILD --x RUN y\nONBUILD\n", id="ONBUILD"),
    pytest.param("FROM a\nEXPOSE 80 \t 443\n", id="EXPOSE"),
    pytest.param("FROM a\nRUN\n", id="RUN without arguments"),
    pytest.param("# escape=`\nFROM a\nRUN echo `\n  b\nCOPY `\n  a b\n", id="backtick escape"),
    pytest.param("# escape=`\nFROM a\nRUN dir c:\\\nRUN x\n", id="backslash is plain with backtick escape"),
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_like_buildkit(text: str) -> None:
    like_buildkit(text)


REJECTED = [
    pytest.param("", "file with no instructions", id="empty file"),
    pytest.param("# only a comment\n\n", "file with no instructions", id="only comments"),
    pytest.param("# escape=x\nFROM a\n", "invalid escape token", id="bad escape directive"),
    pytest.param("# escape=`\n# escape=\\\nFROM a\n", "only one escape parser directive", id="repeated escape directive"),
    pytest.param("# syntax=a\n# syntax=b\nFROM a\n", "only one syntax parser directive", id="repeated syntax directive"),
    pytest.param("FROM a\nRUN <<EOF\nx\n", "unterminated heredoc", id="unterminated heredoc"),
    pytest.param("FROM a\nCMD [1]\n", "arrays must be comprised of strings", id="non-string in JSON"),
    pytest.param("FROM a\nCMD [[\"a\"]]\n", "arrays must be comprised of strings", id="nested JSON array"),
    pytest.param("FROM a\nENV a\n", "ENV must have two arguments", id="ENV without value"),
    pytest.param("FROM a\nENV a=b c\n", "can't find =", id="ENV pair without ="),
]


@pytest.mark.parametrize(("text", "message"), REJECTED)
def test_rejected_like_buildkit(text: str, message: str) -> None:
    error = rejected_like_buildkit(text)
    assert message in error.message


def test_error_points_at_the_instruction() -> None:
    error = rejected_like_buildkit("FROM a\n\nRUN <<EOF\nx\n")
    assert (error.line, error.column) == (3, 1)


def test_line_longer_than_buildkit_allows() -> None:
    fits = "FROM a\nRUN " + "x" * (65535 - 4) + "\n"
    like_buildkit(fits)
    too_long = "FROM a\nRUN " + "x" * (65536 - 4) + "\n"
    error = rejected_like_buildkit(too_long)
    assert error.line == 2


def test_nul_byte_is_binary() -> None:
    with pytest.raises(DockerfileError, match="NUL"):
        parse("FROM a\nRUN \x00\n")


def test_typed_nodes_of_from() -> None:
    tree = like_buildkit("FROM --platform=linux/amd64 registry:5000/team/app:1.2@sha256:ab AS build\n")
    node = tree.instructions[0]
    assert isinstance(node, From)
    assert node.platform == "linux/amd64"
    assert (node.image.name, node.image.tag, node.image.digest) == ("registry:5000/team/app", "1.2", "sha256:ab")
    assert node.stage.text == "build"
    assert tree.stages[0].name == "build"


def test_typed_nodes_of_run_continuation() -> None:
    text = "FROM a\nRUN apt-get update \\\n    # note\n    && apt-get install -y x\n"
    tree = like_buildkit(text)
    run = tree.instructions[1]
    assert isinstance(run, Run)
    assert isinstance(run.command, ShellForm)
    assert run.command.text == "apt-get update     && apt-get install -y x"
    assert (run.line, run.end_line) == (2, 4)
    assert text[run.command.start : run.command.end] == "apt-get update \\\n    # note\n    && apt-get install -y x"


def test_typed_nodes_of_exec_form() -> None:
    tree = like_buildkit('FROM a\nCMD ["node", "server.js"]\n')
    cmd = tree.instructions[1]
    assert isinstance(cmd.command, ExecForm)
    assert cmd.command.values == ("node", "server.js")
    assert cmd.command.json == '["node", "server.js"]'


def test_typed_nodes_of_flags() -> None:
    text = "FROM a\nCOPY --from=build --chown=app:app --link src/ /dst/\n"
    tree = like_buildkit(text)
    copy = tree.instructions[1]
    assert isinstance(copy, Copy)
    assert [(f.name, f.value) for f in copy.flags] == [("from", "build"), ("chown", "app:app"), ("link", None)]
    assert [text[f.start : f.end] for f in copy.flags] == ["--from=build", "--chown=app:app", "--link"]
    assert [s.text for s in copy.sources] == ["src/"]
    assert copy.destination.text == "/dst/"
    assert (copy.flags[1].line, copy.flags[1].column) == (2, 19)


def test_typed_nodes_of_pairs() -> None:
    text = 'FROM a\nENV A=1 B="two words"\nENV OLD value with words\nLABEL x=y\nARG V=1 W\n'
    tree = like_buildkit(text)
    env, old, label, arg = tree.instructions[1:]
    assert isinstance(env, Env) and isinstance(label, Label) and isinstance(arg, Arg)
    assert [(p.key.text, p.value.text, p.legacy) for p in env.pairs] == [("A", "1", False), ("B", '"two words"', False)]
    assert [(p.key.text, p.value.text, p.legacy) for p in old.pairs] == [("OLD", "value with words", True)]
    assert [(p.key.text, p.value.text if p.value else None) for p in arg.pairs] == [("V", "1"), ("W", None)]
    assert text[env.pairs[1].value.start : env.pairs[1].value.end] == '"two words"'


def test_typed_nodes_of_heredocs() -> None:
    text = 'FROM a\nRUN <<A cat && 3<<-"B" x\nhello\nA\n\tB\n'
    tree = like_buildkit(text)
    run = tree.instructions[1]
    a, b = run.heredocs
    assert (a.name, a.marker, a.file_descriptor, a.chomp, a.quoted, a.body, a.terminator) == ("A", "<<A", 0, False, False, "hello\n", "A\n")
    assert (b.name, b.marker, b.file_descriptor, b.chomp, b.quoted, b.body, b.terminator) == ("B", '3<<-"B"', 3, True, True, "", "\tB\n")
    assert text[run.start : run.end] == run.text


def test_typed_nodes_of_onbuild_and_healthcheck() -> None:
    tree = like_buildkit("FROM a\nONBUILD RUN make\nHEALTHCHECK --interval=5s CMD curl -f x\n")
    onbuild, health = tree.instructions[1:]
    assert isinstance(onbuild, Onbuild) and isinstance(onbuild.inner, Run)
    assert onbuild.inner.command.text == "make"
    assert isinstance(health, Healthcheck)
    assert health.kind == "CMD" and health.command.text == "curl -f x"


def test_trivia_belongs_to_the_instruction_below() -> None:
    text = "# syntax=x\n\n# about FROM\nFROM a\n\n# about RUN\nRUN x\n# trailing\n"
    tree = like_buildkit(text)
    assert [d.name for d in tree.directives] == ["syntax"]
    assert [t.kind for t in tree.instructions[0].leading] == ["blank", "comment"]
    assert [t.comment for t in tree.instructions[1].leading] == ["", "about RUN"]
    assert [t.comment for t in tree.trailer] == ["trailing"]


def test_unknown_instruction_kept() -> None:
    tree = like_buildkit("FROM a\nFOO bar\n")
    assert isinstance(tree.instructions[1], Unknown)
    assert tree.instructions[1].keyword == "FOO"


def test_add_is_typed() -> None:
    tree = like_buildkit('FROM a\nADD ["a b", "/c"]\n')
    add = tree.instructions[1]
    assert isinstance(add, Add)
    assert add.exec_form.values == ("a b", "/c")


def test_check_directive_is_a_directive() -> None:
    # BuildKit >= 0.14 knows `check`; the 0.12 oracle does not, so no parity check here.
    tree = parse("# check=skip=all\n# escape=`\nFROM a\nRUN a `\n b\n")
    assert [d.name for d in tree.directives] == ["check", "escape"]
    assert tree.instructions[1].command.text == "a  b"


def test_position_of_offsets() -> None:
    tree = parse("FROM a\r\nRUN x\n")
    assert tree.position(8) == (2, 1)
    assert tree.newline == "\r\n"


def test_continuation_pieces() -> None:
    text = "FROM a\n  RUN apt-get update \\\n    # note\n\n    && apt-get install -y x \\\n    && rm -rf /var/lib/apt/lists/*\n"
    run = like_buildkit(text).instructions[1]
    pieces = run.pieces()
    assert [p.text for p in pieces] == ["RUN apt-get update ", "    && apt-get install -y x ", "    && rm -rf /var/lib/apt/lists/*"]
    assert "".join(p.text for p in pieces) == run.logical.text
    assert [(p.line, p.column) for p in pieces] == [(2, 3), (5, 1), (6, 1)]
    assert all(text[p.start : p.end] == p.text for p in pieces)


def _parse_words_by_hand(args: str, escape: str) -> list[tuple[str, int, int]]:
    """BuildKit's parseWords as a loop over the characters, the way parser.go reads them:
    what the regular expression of ``semantics.parse_words`` must agree with."""
    words = []
    i, n = 0, len(args)
    while i < n:
        while i < n and args[i] in GO_SPACE:
            i += 1
        if i >= n:
            break
        start, quote, quoted, dropped = i, "", False, False
        while i < n:
            ch = args[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == escape and quote != "'":
                    if i + 1 == n:
                        dropped, i = True, n
                        break
                    i += 1
            elif ch in GO_SPACE:
                break
            elif ch in "'\"":
                quote, quoted = ch, True
            elif ch == escape:
                if i + 1 == n:
                    dropped, i = True, n
                    break
                i += 1
            i += 1
        text = args[start : i - 1] if dropped else args[start:i]
        if quoted or text:
            words.append((text, start, i))
    return words


WORDS = [
    pytest.param('a "b c" d', id="double quotes keep white space"),
    pytest.param("a 'b \\' c", id="no escapes inside single quotes"),
    pytest.param('a "b \\" c" d', id="escaped quote inside double quotes"),
    pytest.param("a\\ b c", id="escaped white space"),
    pytest.param("a b\\", id="escape character ending the line is dropped"),
    pytest.param("a \\", id="a lone escape character at the end is no word"),
    pytest.param('"open quote \\', id="open double quote ending in the escape character"),
    pytest.param("'open quote \\", id="open single quote ending in the escape character"),
    pytest.param('"" \'\'', id="empty quotes are words"),
    pytest.param("a\u2000b\x1cc\x85d\xa0e", id="Go's white space, not Python's"),
    pytest.param("x\\\\", id="escaped escape character at the end"),
]


@pytest.mark.parametrize("escape", ["\\", "`"])
@pytest.mark.parametrize("args", WORDS)
def test_parse_words_reads_as_buildkit_loop(args: str, escape: str) -> None:
    args = args.replace("\\", escape)
    assert parse_words(args, escape) == _parse_words_by_hand(args, escape)


def test_parse_words_agrees_with_the_loop_on_random_lines() -> None:
    rng = random.Random(15)
    alphabet = ["a", "=", " ", "\t", "\\", "`", "'", '"', "\u2000", "\x85", "\r", "\x1c", "é"]
    for _ in range(20000):
        args = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        for escape in ("\\", "`"):
            assert parse_words(args, escape) == _parse_words_by_hand(args, escape), (args, escape)


def test_env_label_and_arg_words_like_buildkit_on_random_lines() -> None:
    rng = random.Random(15)
    alphabet = ["a", "b", "=", "=", " ", "\t", "\\", "'", '"', "\u2000"]
    for _ in range(300):
        args = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
        text = f"FROM a\n{rng.choice(['ENV', 'LABEL', 'ARG'])} {args}\n"
        try:
            dockerfile.parse_string(text)
        except dockerfile.GoParseError:
            with pytest.raises(DockerfileError):
                parse(text)
        else:
            like_buildkit(text)
