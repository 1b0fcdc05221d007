"""``cst.reparse``: reading again only what edits touched gives the tree ``parse`` gives.

Each case is a file and edits to it, as the engine makes them (start, end, new text, in
order); the tree of ``reparse`` must equal the tree of ``parse`` of the edited text in
every field, those left out of ``==`` too (logical lines, line starts, stages), and an
edit that makes the file unreadable must raise the error ``parse`` raises. The corpus case
replays the engine's own edits on every real file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockeropt import DockerfileError, engine
from dockeropt.cst import Dockerfile, parse, reparse
from dockeropt.transforms import ALL
from dockeropt.transforms.base import Context


def everything(value: object) -> object:
    """A record as nested tuples of its class and all its fields, compared or not."""
    fields = getattr(type(value), "__fields__", None)
    if fields is not None:
        return (type(value).__name__, *(everything(getattr(value, f.name)) for f in fields))
    if isinstance(value, (tuple, list)):
        return tuple(everything(item) for item in value)
    return value


def assert_same_tree(got: Dockerfile, want: Dockerfile) -> None:
    assert got.code == want.source
    for name in ("source", "bom", "directives", "escape", "line_starts", "trailer"):
        assert everything(getattr(got, name)) == everything(getattr(want, name)), name
    assert len(got.instructions) == len(want.instructions)
    for mine, theirs in zip(got.instructions, want.instructions):
        assert everything(mine) == everything(theirs), f"instruction on line {theirs.line}"
    assert everything(got.stages) == everything(want.stages)
    own = {id(inst) for inst in got.instructions}  # the stages hold the tree's own nodes
    assert all(id(stage.from_) in own and all(id(i) in own for i in stage.instructions) for stage in got.stages)


def edited(text: str, edits: list[tuple[int, int, str]]) -> str:
    out, at = [], 0
    for start, end, new in edits:
        out += [text[at:start], new]
        at = end
    return "".join(out) + text[at:]


def replace(text: str, old: str, new: str, count: int = 1) -> tuple[int, int, str]:
    """The edit that replaces the ``count``-th ``old`` in ``text`` with ``new``."""
    start = -1
    for _ in range(count):
        start = text.index(old, start + 1)
    return start, start + len(old), new


def check(text: str, edits: list[tuple[int, int, str]]) -> None:
    new = edited(text, edits)
    tree = parse(text)
    try:
        want = parse(new)
    except DockerfileError as error:
        with pytest.raises(DockerfileError) as info:
            reparse(tree, new, edits)
        assert (info.value.message, info.value.line, info.value.column) == (error.message, error.line, error.column)
        return
    assert_same_tree(reparse(tree, new, edits), want)


FILE = (
    "# syntax=docker/dockerfile:1\n"
    "FROM alpine:3.19 AS build\n"
    "# install\n"
    "RUN apk add curl \\\n"
    "    # a comment inside\n"
    "    git\n"
    "\n"
    "ENV A=1 B=2\n"
    "COPY --chown=1 . /app\n"
    "RUN <<EOF cat > /x\n"
    "echo hi\n"
    "EOF\n"
    "ONBUILD RUN make\n"
    "HEALTHCHECK CMD curl -f localhost\n"
    "FROM build\n"
    'CMD ["sh"]\n'
    "# trailer\n"
)
NO_LAST_NEWLINE = "FROM alpine\nRUN a\nRUN b"
CRLF = "FROM alpine\r\nRUN a \\\r\n  b\r\nENV X=1\r\nRUN c\r\n"
BOM = "\ufeffFROM alpine\nRUN a\nRUN b\n"
DIRECTIVE_THEN_COMMENT = "# syntax=docker/dockerfile:1\n# hello\nFROM alpine\nRUN a \\\nRUN b\n"
COMMENT_FIRST = "# hello\nFROM alpine\nRUN a \\\nRUN b\n"
BACKTICK = "# escape=`\nFROM alpine\nRUN a `\n  b\nRUN c \\\nRUN d\n"

CASES = [
    pytest.param(FILE, [replace(FILE, "RUN make", "RUN make install")], id="an edit in the middle, the same lines"),
    pytest.param(FILE, [replace(FILE, "git\n", "git wget\n")], id="an edit in a continuation line"),
    pytest.param(FILE, [replace(FILE, "ENV A=1 B=2\n", "")], id="an instruction deleted"),
    pytest.param(FILE, [replace(FILE, "COPY", "RUN x\nRUN y\nCOPY")], id="lines added before instructions that move"),
    pytest.param(FILE, [replace(FILE, "# install\n", "")], id="leading comment deleted"),
    pytest.param(FILE, [replace(FILE, "\nENV", "\n\n\n# more\nENV")], id="trivia added between instructions"),
    pytest.param(FILE, [replace(FILE, "curl \\\n", "curl\n")], id="a continuation removed: its lines become instructions"),
    pytest.param(FILE, [replace(FILE, "B=2\n", "B=2 \\\n")], id="a continuation added: the next instruction joins"),
    pytest.param(FILE, [replace(FILE, "echo hi", "echo bye\necho again")], id="a heredoc body edited"),
    pytest.param(FILE, [replace(FILE, "<<EOF", "<<END")], id="a heredoc marker renamed: unterminated"),
    pytest.param(FILE, [replace(FILE, "<<EOF cat", "cat")], id="a heredoc marker removed: its body becomes instructions"),
    pytest.param(FILE, [replace(FILE, "ENV A=1", "RUN <<ENV\nENV A=1")], id="a heredoc added that swallows lines"),
    pytest.param(FILE, [replace(FILE, "EOF\n", "EOF\n")], id="an edit that changes nothing"),
    pytest.param(
        FILE,
        [replace(FILE, "apk add", "apk add --no-cache"), replace(FILE, "/app", "/srv"), replace(FILE, "\"sh\"", "\"bash\"")],
        id="edits in three instructions",
    ),
    pytest.param(
        FILE,
        [(FILE.index("ENV"), FILE.index("ENV"), "RUN one\n"), (FILE.index("ENV"), FILE.index("COPY"), "ENV C=3\n")],
        id="an insertion at an instruction's start, then a replacement from there",
    ),
    pytest.param(FILE, [replace(FILE, "RUN make", "ONBUILD RUN make")], id="ONBUILD ONBUILD"),
    pytest.param(FILE, [replace(FILE, "ENV A=1 B=2", "ENV A")], id="an instruction BuildKit rejects"),
    pytest.param(FILE, [replace(FILE, "echo hi", "echo \x00")], id="a NUL byte"),
    pytest.param(FILE, [replace(FILE, "echo hi", "echo " + "x" * 70_000)], id="a line too long"),
    pytest.param(FILE, [(0, 0, "# escape=`\n")], id="a directive added at the start"),
    pytest.param(FILE, [replace(FILE, "# syntax=docker/dockerfile:1\n", "")], id="the directive deleted"),
    pytest.param(FILE, [replace(FILE, "alpine:3.19", "alpine:3.20")], id="the first instruction edited"),
    pytest.param(
        DIRECTIVE_THEN_COMMENT,
        [replace(DIRECTIVE_THEN_COMMENT, "hello", "escape=`")],
        id="the comment after the directives becomes the escape directive",
    ),
    pytest.param(COMMENT_FIRST, [replace(COMMENT_FIRST, "hello", "escape=`")], id="the first comment becomes a directive"),
    pytest.param(FILE, [replace(FILE, "# trailer\n", "")], id="the trailer deleted"),
    pytest.param(FILE, [replace(FILE, "# trailer\n", "# trailer\n\n# another\n")], id="the trailer edited"),
    pytest.param(FILE, [(len(FILE), len(FILE), "RUN last\n")], id="an instruction appended after the trailer"),
    pytest.param(FILE, [replace(FILE, "# trailer\n", "RUN last")], id="the trailer replaced by an instruction"),
    pytest.param(NO_LAST_NEWLINE, [(len(NO_LAST_NEWLINE), len(NO_LAST_NEWLINE), " c")], id="the last line, without newline, extended"),
    pytest.param(NO_LAST_NEWLINE, [(len(NO_LAST_NEWLINE), len(NO_LAST_NEWLINE), "\n")], id="a newline added at the end"),
    pytest.param(NO_LAST_NEWLINE, [replace(NO_LAST_NEWLINE, "RUN a\n", "")], id="a line deleted before the last"),
    pytest.param(NO_LAST_NEWLINE, [(NO_LAST_NEWLINE.index("RUN a"), len(NO_LAST_NEWLINE), "")], id="all instructions but one deleted"),
    pytest.param(NO_LAST_NEWLINE, [(NO_LAST_NEWLINE.index("\nRUN a") + 1, len(NO_LAST_NEWLINE), "# gone\n")], id="trailer replaces the end"),
    pytest.param("# c\nFROM a\nRUN b\n", [(4, 17, "")], id="every instruction deleted"),
    pytest.param(CRLF, [replace(CRLF, "a \\\r\n", "a\r\n")], id="CRLF: a continuation removed"),
    pytest.param(CRLF, [replace(CRLF, "X=1", "X=2 Y=3")], id="CRLF: an edit, CRLF instructions moved"),
    pytest.param(BOM, [replace(BOM, "RUN a", "RUN a b")], id="a byte order mark, an edit after it"),
    pytest.param(BOM, [replace(BOM, "RUN b\n", "RUN b\nRUN c\n")], id="a byte order mark, an instruction added"),
    pytest.param(BACKTICK, [replace(BACKTICK, "RUN a", "RUN aa")], id="escape `: a continued line edited"),
    pytest.param(BACKTICK, [replace(BACKTICK, "RUN c", "RUN cc")], id="escape `: a backslash does not continue"),
]


@pytest.mark.parametrize(("text", "edits"), CASES)
def test_reparse_gives_the_tree_parse_gives(text: str, edits: list[tuple[int, int, str]]) -> None:
    check(text, edits)


def test_instructions_before_the_edits_are_the_old_nodes() -> None:
    tree = parse(FILE)
    new = reparse(tree, *_with([replace(FILE, "/app", "/srv")]))
    copy = next(i for i in new.instructions if i.name == "COPY")
    before = new.instructions[: new.instructions.index(copy)]
    assert before and all(any(b is old for old in tree.instructions) for b in before)
    assert not any(copy is old for old in tree.instructions)


def _with(edits: list[tuple[int, int, str]]) -> tuple[str, list[tuple[int, int, str]]]:
    return edited(FILE, edits), edits


def test_the_engine_reparses_as_parse_on_the_corpus(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pass of every real file's fixing, unsafe fixes too (the most edits): the tree
    the engine gets from ``reparse`` is the tree ``parse`` gives."""
    checked = 0

    def both(tree: Dockerfile, text: str, edits: list[tuple[int, int, str]]) -> Dockerfile:
        nonlocal checked
        try:
            got = reparse(tree, text, edits)
        except DockerfileError:
            with pytest.raises(DockerfileError):
                parse(text)
            raise
        assert_same_tree(got, parse(text))
        checked += 1
        return got

    monkeypatch.setattr(engine, "reparse", both)
    for path in sorted((corpus / "real").iterdir()):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        try:
            engine.run(text, Context(), ALL, fix=True, unsafe=True)
        except DockerfileError:
            continue
    assert checked > 1000
