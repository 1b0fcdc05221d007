"""Tests for dockeropt.grammar.shellwords (BuildKit's shell lexer and heredoc detection)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from needs import need_module

from dockeropt.grammar.shellwords import (
    GO_SPACE_CHARS,
    HeredocWord,
    ShellWordError,
    heredocs_from_line,
    parse_heredoc_word,
    process_word,
    process_words,
)

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"
SHELL_TABLES = CORPUS / "buildkit-extra" / "shell"

try:
    import dockerfile  # BuildKit's own parser, wrapped for Python (the oracle)
except ImportError:  # pragma: no cover - the test extra is not installed
    dockerfile = None


@pytest.fixture
def _oracle_installed() -> None:
    need_module("dockerfile", "the BuildKit oracle `dockerfile` (the test extra) is not installed")


needs_oracle = pytest.mark.usefixtures("_oracle_installed")

UINT64_MAX = (1 << 64) - 1


# ---------------------------------------------------------------------------
# BuildKit's lexer tables (lex_test.go data files), read at test time
# ---------------------------------------------------------------------------
def _go_trim_space(text: str) -> str:
    return text.strip(GO_SPACE_CHARS)


def _words_cases() -> list:
    path = SHELL_TABLES / "wordsTest"
    if not path.is_file():
        return [pytest.param(None, None, None, marks=pytest.mark.skip(reason=f"{path} is absent"))]
    cases = []
    env: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#"):
            continue
        if line.startswith("ENV "):
            key, _, value = line[3:].lstrip(" ").partition("=")
            env = {**env, key: value}
            continue
        source, sep, expected = line.partition("|")
        assert sep and "|" not in expected, f"malformed line {lineno}: {line!r}"
        cases.append(
            pytest.param(
                _go_trim_space(source),
                expected.lstrip(" ").split(","),
                env,
                id=f"wordsTest:{lineno}",
            )
        )
    return cases


def _env_var_cases() -> list:
    path = SHELL_TABLES / "envVarTest"
    if not path.is_file():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{path} is absent"))]
    cases = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#"):
            continue
        line = _go_trim_space(line)
        if not line:
            continue
        fields = line.split("|")
        assert len(fields) == 3, f"malformed line {lineno}: {line!r}"
        platform, source, expected = (_go_trim_space(f) for f in fields)
        if platform not in ("A", "U"):  # Windows-only expectations
            continue
        cases.append(pytest.param(source, expected, id=f"envVarTest:{lineno}"))
    return cases


ENV_VAR_TEST_ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}


@pytest.mark.parametrize("modern", [False, True], ids=["v0.12", "modern"])
@pytest.mark.parametrize(("source", "expected", "env"), _words_cases())
def test_buildkit_words_table(source, expected, env, modern):
    try:
        got = process_words(
            source,
            raw_quotes=False,
            raw_escapes=False,
            skip_unset_env=False,
            env=env,
            pattern_modifiers=modern,
        )
    except ShellWordError:
        got = ["error"]
    assert got == expected


@pytest.mark.parametrize("modern", [False, True], ids=["v0.12", "modern"])
@pytest.mark.parametrize(("source", "expected"), _env_var_cases())
def test_buildkit_env_var_table(source, expected, modern):
    if expected == "error":
        with pytest.raises(ShellWordError):
            process_word(source, env=ENV_VAR_TEST_ENV, pattern_modifiers=modern)
    else:
        assert process_word(source, env=ENV_VAR_TEST_ENV, pattern_modifiers=modern) == expected


# ---------------------------------------------------------------------------
# Hand-written lexer cases
# ---------------------------------------------------------------------------
def words(text, **kw):
    kw.setdefault("raw_quotes", False)
    kw.setdefault("raw_escapes", False)
    return process_words(text, **kw)


def test_empty_quotes_make_no_word():
    assert words('a "" b') == ["a", "b"]
    assert words("''") == []
    assert words('""', raw_quotes=True) == ['""']


def test_go_whitespace_not_python_whitespace():
    # U+001C..U+001F are whitespace for Python but not for Go.
    assert words("a\x1cb c") == ["a\x1cb", "c"]
    assert words("a\xa0b\u3000c\x85d") == ["a", "b", "c", "d"]


def test_escape_at_end_of_input():
    assert words("ab\\") == ["ab"]
    assert words("ab\\", raw_escapes=True) == ["ab\\"]
    assert words("a\\ b") == ["a b"]
    assert words("a\\ b", raw_escapes=True) == ["a\\ b"]


def test_backtick_escape():
    assert words("a` b \\x", escape="`") == ["a b", "\\x"]


def test_raw_escapes_inside_double_quotes_duplicate_unknown_escape():
    # BuildKit writes the escape twice when it does not escape anything.
    assert words('"a\\b"', raw_quotes=True, raw_escapes=True) == ['"a\\\\b"']
    assert words('"a\\"b"', raw_quotes=True, raw_escapes=True) == ['"a\\"b"']


def test_expansion_result_is_split_but_quoted_expansion_is_not():
    env = {"V": " x  y "}
    assert words("a${V}b", env=env) == ["a", "x", "y", "b"]
    assert words('a"${V}"b', env=env) == ["a x  y b"]


def test_skip_unset_env_rebuilds_expression():
    assert words("$X ${X} ${X:-a b} ${X?} ${X:=y}", skip_unset_env=True) == [
        "$X",
        "${X}",
        "${X:-a",
        "b}",
        "${X?}",
        "${X:=y}",
    ]
    assert process_word("${X}", skip_unset_env=False) == ""
    assert process_word("${X-d}${Y:-e}", env={"X": "", "Y": ""}) == "e"
    assert process_word("${X+d}${Y:+e}", env={"X": "", "Y": ""}) == "d"


def test_special_and_positional_parameters():
    assert process_word("$@ $* $# $? $- $$ $! $0 $12x", skip_unset_env=True) == (
        "$@ $* $# $? $- $$ $! $0 $12x"
    )
    assert process_word("$12x") == "x"
    assert process_word("${#}a") == "a"


@pytest.mark.parametrize(
    "text",
    ["${}", "${:x}", "${{x}", "${X", "${X:-a", "'abc", '"abc', "${X=a}", "${X.}", "${X:}"],
)
def test_errors(text):
    with pytest.raises(ShellWordError):
        process_word(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${X%.jpg}", "foo/bar/image"),
        ("${X%%/*}", "foo"),
        ("${X%/*}", "foo/bar"),
        ("${X#*/}", "bar/image.jpg"),
        ("${X##*/}", "image.jpg"),
        ("${X#nope}", "foo/bar/image.jpg"),
        ("${X/o/0}", "f0o/bar/image.jpg"),
        ("${X//o/0}", "f00/bar/image.jpg"),
        ("${X//?/-}", "-----------------"),
        ("${X/\\//:}", "foo:bar/image.jpg"),
        ("${X:#foo}", "/bar/image.jpg"),
        ("${Y//*/z}", "z"),  # Go skips the empty match right after a match
    ],
)
def test_pattern_modifiers(text, expected):
    env = {"X": "foo/bar/image.jpg", "Y": "abc"}
    assert process_word(text, env=env) == expected
    with pytest.raises(ShellWordError):
        process_word(text, env=env, pattern_modifiers=False)


def test_pattern_modifiers_unset_kept_verbatim():
    assert process_word("${X#a} ${X:-a}", skip_unset_env=True) == "${X#a} ${X:-a}"
    # BuildKit rebuilds a replace-all with a single slash; so do we.
    assert process_word("${X//a/b}", skip_unset_env=True) == "${X/a/b}"


def test_byte_order_mark_is_skipped_at_start_only():
    assert words("\ufeffa \ufeffb") == ["a", "\ufeffb"]


# ---------------------------------------------------------------------------
# Heredoc detection, checked against BuildKit's parser
# ---------------------------------------------------------------------------
def _oracle(source: str):
    """Heredocs (name, fd) of the first RUN of ``source``, or the error type."""
    try:
        cmds = dockerfile.parse_string(source)
    except dockerfile.GoParseError as err:
        return ("error", str(err))
    for cmd in cmds:
        if cmd.cmd.upper() == "RUN":
            return [
                (h.name, h.file_descriptor if h.file_descriptor >= 0 else h.file_descriptor + (1 << 64))
                for h in cmd.heredocs
            ]
    raise AssertionError(f"no RUN in {source!r}")


def _mine(line: str):
    try:
        docs = heredocs_from_line("RUN " + line)
    except ShellWordError as err:
        return ("error", str(err))
    return [(d.name, d.file_descriptor) for d in docs]


def _unterminable(line: str) -> bool:
    """A ``<<-`` heredoc whose name starts with a tab can never be terminated
    (BuildKit strips the tabs of candidate terminator lines first)."""
    try:
        docs = heredocs_from_line("RUN " + line)
    except ShellWordError:
        return False
    return any(d.chomp and d.name.startswith("\t") for d in docs)


def _dockerfile_for(line: str, docs) -> str:
    body = ""
    if isinstance(docs, list):
        for name, _fd in docs:
            body += "body\n" + name + "\n"
    return "FROM a\nRUN " + line + "\n" + body


def _agrees_with_oracle(line: str):
    mine = _mine(line)
    oracle = _oracle(_dockerfile_for(line, mine))
    if _unterminable(line):
        return ("unterminable", oracle[0] == "error"), ("unterminable", True)
    if isinstance(mine, tuple) or isinstance(oracle, tuple):
        # both must fail; compare only the kind of outcome
        return (mine[0] if isinstance(mine, tuple) else mine), (
            oracle[0] if isinstance(oracle, tuple) else oracle
        )
    return mine, oracle


HEREDOC_CASES = [
    ("<<EOF", [HeredocWord("EOF", 0, False, True)]),
    ("<<-EOF", [HeredocWord("EOF", 0, True, True)]),
    ("3<<EOF", [HeredocWord("EOF", 3, False, True)]),
    ("007<<-EOF", [HeredocWord("EOF", 7, True, True)]),
    ('<<"EOF"', [HeredocWord("EOF", 0, False, False)]),
    ("<<'EOF'", [HeredocWord("EOF", 0, False, False)]),
    ('<<E"O"F', [HeredocWord("EOF", 0, False, False)]),
    ("<<E''OF", [HeredocWord("EOF", 0, False, False)]),
    (
        "cat <<A - 2<<-'B' >out",
        [HeredocWord("A", 0, False, True), HeredocWord("B", 2, True, False)],
    ),
    ("cat<<EOF", []),
    ("<<EOF>file", [HeredocWord("EOF>file", 0, False, True)]),
    ("<<<EOF", []),
    ("<<EOF<x", []),
    ('"<<EOF"', []),
    ("'<<EOF'", []),
    ("\\<<EOF", []),
    ("<<\\EOF", [HeredocWord("EOF", 0, False, True)]),
    ("<<E\\OF", [HeredocWord("EOF", 0, False, True)]),
    ("<<EOF\\ x", [HeredocWord("EOF x", 0, False, True)]),
    ("<<$X", [HeredocWord("$X", 0, False, True)]),
    ("<<${X}", [HeredocWord("${X}", 0, False, True)]),
    ("<<${X:-d}", [HeredocWord("${X:-d}", 0, False, True)]),
    ("<<'$X'", [HeredocWord("$X", 0, False, False)]),
    ("<<EOF 'unterminated", []),
    ('<<EOF "unterminated', []),
    ('<<"EOF\\"', []),
    ("<<EOF ${X", []),
    ("<<EOF ${}", []),
    ("<<EOF ${X=d}", []),
    ("<<EOF ${X:=d}", [HeredocWord("EOF", 0, False, True)]),
    ("<<EOF ${X#d}", []),  # BuildKit v0.12 has no '#' modifier: lexing error
    ("<<", []),
    ("<<-", []),
    ("<<EOF\xa0x", [HeredocWord("EOF", 0, False, True)]),
    ('<<""', []),
    ("<<''EOF", [HeredocWord("EOF", 0, False, False)]),
    ("--mount=type=cache,target=/x <<EOF", [HeredocWord("EOF", 0, False, True)]),
    ("echo <<EOF && echo <<EOF2", [HeredocWord("EOF", 0, False, True), HeredocWord("EOF2", 0, False, True)]),
    ("99999999999999999999<<EOF", [HeredocWord("EOF", UINT64_MAX, False, True)]),
    ("9" * 5000 + "<<EOF", [HeredocWord("EOF", UINT64_MAX, False, True)]),
]


@pytest.mark.parametrize(("line", "expected"), HEREDOC_CASES, ids=[c[0][:40] for c in HEREDOC_CASES])
def test_heredocs_from_line(line, expected):
    assert heredocs_from_line("RUN " + line) == expected


@needs_oracle
@pytest.mark.parametrize(("line", "expected"), HEREDOC_CASES, ids=[c[0][:40] for c in HEREDOC_CASES])
def test_heredocs_from_line_matches_buildkit(line, expected):
    mine, oracle = _agrees_with_oracle(line)
    assert mine == oracle


ERROR_LINES = ["<<${X:-a\\ b}", "<<${X:-a b}", '<<""${X:-" "}']


@needs_oracle
@pytest.mark.parametrize("line", ERROR_LINES)
def test_heredoc_word_errors_fail_the_parse(line):
    with pytest.raises(ShellWordError):
        heredocs_from_line("RUN " + line)
    assert _oracle(_dockerfile_for(line, []))[0] == "error"


@needs_oracle
def test_escape_directive_does_not_affect_heredoc_detection():
    source = "# escape=`\nFROM a\nRUN <<E\\OF\nx\nEOF\n"
    assert _oracle(source) == [("EOF", 0)]
    assert [d.name for d in heredocs_from_line("RUN <<E\\OF")] == ["EOF"]


def test_parse_heredoc_word():
    assert parse_heredoc_word("<<EOF") == HeredocWord("EOF", 0, False, True)
    assert parse_heredoc_word("2<<-'E F'") == HeredocWord("E F", 2, True, False)
    assert parse_heredoc_word("<<EOF\n") == HeredocWord("EOF", 0, False, True)
    assert parse_heredoc_word("\u0663<<EOF") is None  # only ASCII digits
    assert parse_heredoc_word("x<<EOF") is None
    assert parse_heredoc_word("<<a b") is None  # not exactly one word
    with pytest.raises(ShellWordError):
        parse_heredoc_word("<<'EOF")


def test_modern_dialect_accepts_pattern_modifiers():
    assert heredocs_from_line("RUN <<EOF ${X#d}", pattern_modifiers=True) == [
        HeredocWord("EOF", 0, False, True)
    ]
    assert heredocs_from_line("RUN <<EOF ${X//a/b}", pattern_modifiers=True) == [
        HeredocWord("EOF", 0, False, True)
    ]


def test_fast_path():
    assert heredocs_from_line("RUN echo hello") == []
    assert heredocs_from_line("RUN echo '<' \"<\"") == []


# ---------------------------------------------------------------------------
# Randomised comparison with the oracle
# ---------------------------------------------------------------------------
FUZZ_ALPHABET = ["<", "-", "'", '"', "\\", "$", "{", "}", " ", "E", "O", "3", "x"]
# weights: quotes and backslashes are rarer so that some lines still lex
FUZZ_WEIGHTS = [3, 3, 1, 1, 1, 3, 3, 3, 2, 5, 5, 2, 2]
FUZZ_PREFIXES = ["<<", "<<", "<<-", "3<<", "<<<", "x<<", "'<<", "<<${E:-", ""]


def _fuzz_lines(count: int, seed: int) -> list[str]:
    """Lines of 1-4 words; most words look a bit like a heredoc opener."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 4)):
            body = "".join(rng.choices(FUZZ_ALPHABET, FUZZ_WEIGHTS, k=rng.randint(0, 7)))
            parts.append(rng.choice(FUZZ_PREFIXES) + body)
        line = " ".join(parts)
        if line.rstrip(" \t").endswith("\\"):
            line += "x"  # avoid a line continuation
        lines.append(line)
    return lines


@needs_oracle
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz_against_buildkit(seed):
    mismatches = []
    for line in _fuzz_lines(300, seed):
        mine, oracle = _agrees_with_oracle(line)
        if mine != oracle:
            mismatches.append((line, mine, oracle))
    assert not mismatches, mismatches[:10]


# ---------------------------------------------------------------------------
# Speed (a loose guard against accidental per-character overhead)
# ---------------------------------------------------------------------------
def test_speed():
    import time

    line = "RUN --mount=type=cache,target=/root/.cache " + "apt-get install -y foo bar baz && " * 20 + "cat <<EOF > /x"
    start = time.perf_counter()
    for _ in range(2000):
        heredocs_from_line(line)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0
