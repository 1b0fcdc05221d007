"""The lossless syntax tree of a Dockerfile, its builder and its printer.

Every byte of the source has exactly one owner: the file owns its byte order mark, its
parser directives and the comment or blank lines after the last instruction; an
instruction owns the comment and blank lines directly above it, its own lines (with the
continuations and the comment or empty lines inside them), its line ending and its heredoc
bodies. Printing a tree (``.code``) concatenates what the nodes own, in order, and gives
back the source exactly.

Offsets (``start``, ``end``) index the source text; ``line`` and ``column`` are 1-based.
Values read from an instruction (flags, words, key/value pairs) are what BuildKit reads
from the instruction's logical line, where continuations are already removed.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate, repeat
from operator import add

from dockeropt.errors import DockerfileError
from dockeropt.grammar import table
from dockeropt.grammar.lexer import (
    BOM,
    Logical,
    Token,
    directive_parts,
    instruction_tokens,
    line_body,
    physical_lines,
    tokenize,
)
from dockeropt.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from dockeropt.grammar.semantics import LineParse

# --- nodes ---------------------------------------------------------------------------------


@record(frozen=True, slots=True)
class Node:
    """What every node has: its source offsets and where it starts (1-based)."""

    start: int
    end: int
    line: int
    column: int


@record(frozen=True, slots=True)
class Trivia(Node):
    """A comment line or a blank line, with its line ending."""

    kind: str  # "comment" or "blank"
    text: str

    @property
    def comment(self) -> str:
        """The comment's text after ``#``, stripped; empty for a blank line."""
        return line_body(self.text).strip()[1:].strip() if self.kind == "comment" else ""


@record(frozen=True, slots=True)
class Directive(Node):
    """A parser directive such as ``# syntax=docker/dockerfile:1``."""

    name: str
    value: str
    text: str


@record(frozen=True, slots=True)
class Word(Node):
    """A value read from an instruction, as written (quotes kept), with its source span.

    ``text`` is the value as BuildKit reads it from the logical line; a word that spans a
    continuation has a source span that covers the continuation too.
    """

    text: str


@record(frozen=True, slots=True)
class Flag(Node):
    """A ``--name=value`` flag; ``value`` is None for a bare ``--name``."""

    name: str
    value: str | None
    text: str  # as BuildKit reports it: "--name=value", quotes removed


@record(frozen=True, slots=True)
class KeyValue(Node):
    """One key and value of ENV, LABEL or ARG. ARG's value may be absent (None)."""

    key: Word
    value: Word | None
    legacy: bool  # the old ``ENV key value words`` form


@record(frozen=True, slots=True)
class ShellForm(Node):
    """A command in shell form: ``text`` is what the shell runs (continuations joined)."""

    text: str


@record(frozen=True, slots=True)
class ExecForm(Node):
    """A command in exec (JSON) form: its JSON text as written and the decoded list."""

    json: str
    values: tuple[str, ...]


@record(frozen=True, slots=True)
class Heredoc(Node):
    """A heredoc: ``<<[-]NAME`` on the instruction line, its body and its terminator line.

    ``start``/``end`` cover the body and the terminator line.
    """

    name: str
    marker: str  # the marker as written on the instruction line, e.g. ``3<<-"EOF"``
    file_descriptor: int
    chomp: bool  # ``<<-``: leading tabs are stripped
    quoted: bool  # some part of the name was quoted: the body is not expanded
    body: str
    terminator: str  # the terminator line as written, with its line ending


@record(frozen=True, slots=True)
class ImageRef(Node):
    """FROM's image reference, split into its parts."""

    text: str
    name: str
    tag: str | None
    digest: str | None


@record(frozen=True, slots=True)
class Instruction(Node):
    """One instruction: its leading trivia, its own lines, and what BuildKit reads there.

    ``keyword`` is the instruction word as written (case kept); ``name`` is its upper case.
    ``start`` is where its first line starts (its leading trivia lies before); ``end`` is
    after its line ending and heredocs.
    """

    keyword: str
    leading: tuple[Trivia, ...]
    text: str  # its own source: lines, continuations, line ending, heredocs
    end_line: int
    flags: tuple[Flag, ...]
    arguments: Word | None  # the argument text after keyword and flags
    words: tuple[Word, ...]  # BuildKit's values where they are slices of the line
    heredocs: tuple[Heredoc, ...]
    logical: Logical = field(repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.keyword.upper()

    @property
    def code(self) -> str:
        return "".join(t.text for t in self.leading) + self.text

    @property
    def full_start(self) -> int:
        """Where the instruction's leading trivia starts."""
        return self.leading[0].start if self.leading else self.start

    @property
    def value(self) -> tuple[str, ...]:
        """BuildKit's values for the instruction (for ONBUILD, those of the inner one)."""
        return self.logical.parse.value

    @property
    def is_json(self) -> bool:
        return self.logical.parse.json

    def flag(self, name: str) -> Flag | None:
        for f in self.flags:
            if f.name == name:
                return f
        return None

    def pieces(self) -> tuple[Word, ...]:
        """The continuation pieces: what each physical line gives the logical line.

        A piece is a line's text without its continuation character and line ending
        (the first line's also without its indentation); comment and empty lines inside
        the continuation give none. Joined, the pieces' texts are the logical line.
        """
        logical = self.logical
        bounds = [offset for offset, _ in logical.segments] + [len(logical.text)]
        out = []
        for (offset, source), end in zip(logical.segments, bounds[1:]):
            line = self.line + self.text.count("\n", 0, source - self.start)
            column = source - (self.text.rfind("\n", 0, source - self.start) + 1 + self.start) + 1
            out.append(Word(source, source + end - offset, line, column, logical.text[offset:end]))
        return tuple(out)


@record(frozen=True, slots=True)
class From(Instruction):
    """FROM: the image reference, ``--platform`` and the stage name after AS."""

    image: ImageRef | None = None
    platform: str | None = None
    stage: Word | None = None  # the name after AS


@record(frozen=True, slots=True)
class _CommandInstruction(Instruction):
    """RUN, CMD, ENTRYPOINT and SHELL: a command in shell or exec form."""

    command: ShellForm | ExecForm | None = None

    def at(self, offset: int, *, end: bool = False) -> int:
        """The source offset of an offset in the shell-form command text (``command.text``):
        the one mapping from a script's offsets back to the file, whatever the continuations,
        comment lines, escape character and line endings between."""
        logical = self.logical
        return logical.to_source(logical.parse.args_span[0] + offset, end=end)


class Run(_CommandInstruction):
    __slots__ = ()


class Cmd(_CommandInstruction):
    __slots__ = ()


class Entrypoint(_CommandInstruction):
    __slots__ = ()


class Shell(_CommandInstruction):
    __slots__ = ()


@record(frozen=True, slots=True)
class _FileInstruction(Instruction):
    """COPY or ADD: ``sources`` and ``destination`` in either form."""

    exec_form: ExecForm | None = None
    sources: tuple[Word, ...] = ()
    destination: Word | None = None


class Copy(_FileInstruction):
    __slots__ = ()


class Add(_FileInstruction):
    __slots__ = ()


@record(frozen=True, slots=True)
class _PairsInstruction(Instruction):
    """ENV, LABEL and ARG: key/value pairs."""

    pairs: tuple[KeyValue, ...] = ()


class Env(_PairsInstruction):
    __slots__ = ()


class Label(_PairsInstruction):
    __slots__ = ()


class Arg(_PairsInstruction):
    __slots__ = ()


@record(frozen=True, slots=True)
class Onbuild(Instruction):
    """ONBUILD and the instruction it holds."""

    inner: Instruction | None = None


@record(frozen=True, slots=True)
class Healthcheck(Instruction):
    """HEALTHCHECK: ``CMD`` with a command, or ``NONE``."""

    kind: str | None = None  # CMD or NONE
    command: ShellForm | ExecForm | None = None


class Expose(Instruction):
    __slots__ = ()


class Volume(Instruction):
    __slots__ = ()


class Workdir(Instruction):
    __slots__ = ()


class User(Instruction):
    __slots__ = ()


class Maintainer(Instruction):
    __slots__ = ()


class Stopsignal(Instruction):
    __slots__ = ()


class Unknown(Instruction):
    """A word BuildKit does not know as an instruction; BuildKit keeps it, ignored."""

    __slots__ = ()


@record(frozen=True, slots=True)
class Stage:
    """A build stage: its FROM and the instructions up to the next FROM."""

    index: int
    from_: From
    instructions: tuple[Instruction, ...]  # after the FROM

    @property
    def name(self) -> str | None:
        return self.from_.stage.text if self.from_.stage else None


@record(frozen=True, slots=True)
class Dockerfile:
    """A parsed Dockerfile. ``code`` prints it back, byte for byte."""

    source: str = field(repr=False)
    bom: str
    directives: tuple[Directive, ...]
    instructions: tuple[Instruction, ...]
    trailer: tuple[Trivia, ...]
    escape: str
    line_starts: tuple[int, ...] = field(repr=False, compare=False)
    stages: tuple[Stage, ...] = field(default=(), repr=False, compare=False)  # built once, with the tree

    @property
    def code(self) -> str:
        return (
            self.bom
            + "".join(d.text for d in self.directives)
            + "".join(i.code for i in self.instructions)
            + "".join(t.text for t in self.trailer)
        )

    def directive(self, name: str) -> Directive | None:
        for d in self.directives:
            if d.name == name:
                return d
        return None

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a source offset."""
        index = bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    @property
    def newline(self) -> str:
        """The file's line ending style: CRLF when most lines use it, else LF."""
        crlf = self.source.count("\r\n")
        return "\r\n" if crlf and crlf * 2 >= self.source.count("\n") else "\n"


# --- builder -------------------------------------------------------------------------------

_CLASSES: dict[str, type[Instruction]] = {
    "FROM": From,
    "RUN": Run,
    "CMD": Cmd,
    "ENTRYPOINT": Entrypoint,
    "SHELL": Shell,
    "COPY": Copy,
    "ADD": Add,
    "ENV": Env,
    "LABEL": Label,
    "ARG": Arg,
    "ONBUILD": Onbuild,
    "HEALTHCHECK": Healthcheck,
    "EXPOSE": Expose,
    "VOLUME": Volume,
    "WORKDIR": Workdir,
    "USER": User,
    "MAINTAINER": Maintainer,
    "STOPSIGNAL": Stopsignal,
}


def _line_starts(text: str) -> tuple[int, ...]:
    # each line starts one past the end of the one before: its length and its LF
    return tuple(accumulate(map(add, map(len, text.split("\n")[:-1]), repeat(1)), initial=0))


def _stages(instructions: list[Instruction]) -> tuple[Stage, ...]:
    """The build stages: each FROM with the instructions up to the next FROM."""
    stages: list[Stage] = []
    current: From | None = None
    body: list[Instruction] = []
    for inst in instructions:
        if isinstance(inst, From):
            if current is not None:
                stages.append(Stage(len(stages), current, tuple(body)))
            current, body = inst, []
        elif current is not None:
            body.append(inst)
    if current is not None:
        stages.append(Stage(len(stages), current, tuple(body)))
    return tuple(stages)


class _Source:
    """The text being parsed, with its line starts for turning offsets into positions."""

    __slots__ = ("source", "line_starts")

    def __init__(self, source: str) -> None:
        self.source = source
        self.line_starts = _line_starts(source)

    def _pos(self, offset: int) -> tuple[int, int]:
        index = bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1


class _Builder:
    """Turns the grammar's reductions into the typed nodes above, as the parser reduces them:
    one method per named rule of the grammar. One builder per parse, for the text it parses."""

    __slots__ = ("current",)

    def __init__(self, text: str) -> None:
        self.current = _Source(text)

    def callbacks(self) -> dict[str, Callable[[list], object]]:
        return {"start": self.start, "directives": self.directives, "instruction": self.instruction, "trivia": self.trivia, "heredoc": self.heredoc}

    def start(self, children: list) -> Dockerfile:
        bom = ""
        directives: tuple[Directive, ...] = ()
        instructions: list[Instruction] = []
        trailer: tuple[Trivia, ...] = ()
        for child in children:
            if isinstance(child, Instruction):
                instructions.append(child)
            elif not child:
                continue
            elif isinstance(child[0], str):  # the BOM token
                bom = BOM
            elif isinstance(child[0], Directive):
                directives = child
            else:
                trailer = child
        escape = next((d.value for d in directives if d.name == "escape"), "\\")
        current = self.current
        return Dockerfile(
            current.source, bom, directives, tuple(instructions), trailer, escape, current.line_starts, _stages(instructions)
        )

    def directives(self, tokens: list[Token]) -> tuple[Directive, ...]:
        out = []
        source = self.current.source
        for _kind, start, end, line in tokens:
            text = source[start:end]
            name, value = directive_parts(line_body(text))
            assert name is not None
            out.append(Directive(start, end, line, 1, name, value, text))
        return tuple(out)

    def trivia(self, tokens: list[Token]) -> tuple[Trivia, ...]:
        out = []
        source = self.current.source
        for kind, start, end, line in tokens:
            kind = "comment" if kind == "COMMENT" else "blank"
            while start < end:  # one Trivia per line, with its LF
                stop = source.find("\n", start, end) + 1 or end
                out.append(Trivia(start, stop, line, 1, kind, source[start:stop]))
                start = stop
                line += 1
        return tuple(out)

    def heredoc(self, tokens: list[Token]) -> tuple[Token | None, Token]:
        if len(tokens) == 1:
            return None, tokens[0]
        return tokens[0], tokens[1]

    def instruction(self, children: list) -> Instruction:
        # [leading trivia] first line token, the tokens of its other lines, heredoc pairs
        leading: tuple[Trivia, ...] = ()
        at = 0
        if isinstance(children[0][0], Trivia):
            leading = children[0]
            at = 1
        _kind, start, end, line, column, logical = children[at]
        heredocs: list[tuple[Token | None, Token]] = []
        if len(children) > at + 1:  # continued, or with heredocs
            for child in children[at + 1 :]:
                if isinstance(child[0], str):  # a line token
                    end = child[2]
                else:
                    heredocs.append(child)
        return build_instruction(self.current, logical, leading, start, end, line, column, heredocs)


def build_instruction(
    ctx: _Source,
    logical: Logical,
    leading: tuple[Trivia, ...],
    start: int,
    end: int,
    line: int,
    column: int,
    heredoc_parts: list[tuple[Token | None, Token]],
) -> Instruction:
    """The instruction whose lines span ``start:end`` of the source, its keyword at ``line``
    and ``column``, followed by its heredocs (each an optional body token and an end token)."""
    parse = logical.parse
    heredocs: tuple[Heredoc, ...] = ()
    if heredoc_parts:
        end = heredoc_parts[-1][1][2]
        heredocs = _heredocs(ctx, logical, heredoc_parts)
    place = _placer(ctx, logical, line)
    flags = tuple([_flag(place, text, span) for text, span in zip(parse.flags, parse.flag_spans)]) if parse.flags else ()
    args, values, spans = parse.args, parse.value, parse.spans
    arguments = Word(*place(parse.args_span), args) if args else None
    words: tuple[Word, ...]
    if arguments is not None and len(values) == 1 and values[0] is args and spans[0] == parse.args_span:
        words = (arguments,)  # the one value is the argument text (RUN's, WORKDIR's): one Word for both
    elif len(logical.segments) == 1:  # one line, the most common case: no call per word
        base = logical.segments[0][1]
        column_base = base - ctx.line_starts[line - 1] + 1
        words = tuple(
            [Word(base + span[0], base + span[1], line, column_base + span[0], value) for value, span in zip(values, spans) if span is not None]
        )
    else:
        words = tuple([Word(*place(span), value) for value, span in zip(values, spans) if span is not None])
    cls = _CLASSES.get(parse.cmd.upper(), Unknown)
    return cls(
        start,  # its own text starts at its line start: indentation is part of it
        end,
        line,
        column,
        parse.cmd,
        leading,
        ctx.source[start:end],
        logical.end_line,
        flags,
        arguments,
        words,
        heredocs,
        logical,
        *_payload(ctx, cls, parse, logical, words, arguments, place),
    )


def _placer(ctx: _Source, logical: Logical, line: int) -> Callable[[tuple[int, int]], tuple[int, int, int, int]]:
    """What turns a span of the logical line into source (start, end, line, column)."""
    if len(logical.segments) > 1:  # continued: look the pieces and lines up

        def place(span: tuple[int, int]) -> tuple[int, int, int, int]:
            a, b = logical.span_to_source(*span)
            return (a, b, *ctx._pos(a))

        return place
    # one line, the most common case: the logical line is a slice of it
    base = logical.segments[0][1]
    line_start = ctx.line_starts[line - 1]

    def place_on_line(span: tuple[int, int]) -> tuple[int, int, int, int]:
        a = base + span[0]
        return a, base + span[1], line, a - line_start + 1

    return place_on_line


def _flag(place: Callable[[tuple[int, int]], tuple[int, int, int, int]], text: str, span: tuple[int, int]) -> Flag:
    body = text[2:] if text.startswith("--") else text
    name, eq, value = body.partition("=")
    return Flag(*place(span), name, value if eq else None, text)


def _payload(
    ctx: _Source,
    cls: type[Instruction],
    parse: LineParse,
    logical: Logical,
    words: tuple[Word, ...],
    arguments: Word | None,
    place: Callable[[tuple[int, int]], tuple[int, int, int, int]],
) -> tuple:
    """The fields a kind of instruction adds, in their order (those left out keep their defaults)."""
    if issubclass(cls, _CommandInstruction):
        return (_command(parse, arguments),)
    if cls is From:
        return _from(parse, words)
    if issubclass(cls, _FileInstruction):
        if parse.json:
            return (_command(parse, arguments),)
        return (None, words[:-1], words[-1] if words else None)
    if issubclass(cls, _PairsInstruction):
        return (_pairs(cls, parse, logical, words, place),)
    if cls is Onbuild:
        return (_inner(ctx, parse, logical),)
    if cls is Healthcheck:
        if not parse.value:
            return ()
        kind = parse.value[0]
        if parse.json or len(parse.value) > 1:
            rest_start = parse.spans[0][1] if parse.spans[0] else parse.args_span[0]
            rest = parse.args[rest_start - parse.args_span[0] :].lstrip()
            offset = parse.args_span[1] - len(rest)
            if parse.json:
                a, b = logical.span_to_source(offset, parse.args_span[1])
                ln, col = ctx._pos(a)
                return (kind, ExecForm(a, b, ln, col, rest, parse.value[1:]))
            a, b = logical.span_to_source(offset, parse.args_span[1])
            ln, col = ctx._pos(a)
            return (kind, ShellForm(a, b, ln, col, rest))
        return (kind,)
    return ()


def _command(parse: LineParse, arguments: Word | None) -> ShellForm | ExecForm | None:
    if arguments is None:
        return None
    if parse.json:
        return ExecForm(arguments.start, arguments.end, arguments.line, arguments.column, arguments.text, parse.value)
    return ShellForm(arguments.start, arguments.end, arguments.line, arguments.column, arguments.text)


def _from(parse: LineParse, words: tuple[Word, ...]) -> tuple[ImageRef | None, str | None, Word | None]:
    platform = next((f[len("--platform=") :] for f in parse.flags if f.startswith("--platform=")), None)
    if not words:
        return None, platform, None
    image = words[0]
    stage = words[2] if len(words) >= 3 and words[1].text.lower() == "as" else None
    return _image_ref(image), platform, stage


def _image_ref(word: Word) -> ImageRef:
    text = word.text
    rest, at, digest = text.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        name, tag = rest[:colon], rest[colon + 1 :]
    else:
        name, tag = rest, None
    return ImageRef(word.start, word.end, word.line, word.column, text, name, tag, digest if at else None)


def _pairs(
    cls: type[Instruction],
    parse: LineParse,
    logical: Logical,
    words: tuple[Word, ...],
    place: Callable[[tuple[int, int]], tuple[int, int, int, int]],
) -> tuple[KeyValue, ...]:
    # every value of ARG, ENV and LABEL is a slice of the line: ``words`` holds them all
    pairs: list[KeyValue] = []
    if cls is Arg:
        for word, (a, b) in zip(words, parse.spans):  # type: ignore[misc]
            key_text, eq, val_text = word.text.partition("=")
            if not eq:  # a name alone: its Word is the key
                pairs.append(KeyValue(word.start, word.end, word.line, word.column, word, None, False))
                continue
            key = Word(*place((a, a + len(key_text))), key_text)
            val = Word(*place((a + len(key_text) + 1, b)), val_text)
            pairs.append(KeyValue(key.start, val.end, key.line, key.column, key, val, False))
        return tuple(pairs)
    # the key of a ``key=value`` pair is followed by "="; a legacy key by white space
    spans = parse.spans
    first = spans[0] if spans else None
    legacy = first is not None and logical.text[first[1] : first[1] + 1] != "="
    for key, val in zip(words[::2], words[1::2]):
        pairs.append(KeyValue(key.start, val.end, key.line, key.column, key, val, legacy))
    return tuple(pairs)


def _inner(ctx: _Source, parse: LineParse, logical: Logical) -> Instruction | None:
    inner = parse.inner
    if inner is None:
        return None
    inner_logical = Logical(logical.text, logical.segments, inner, (), logical.start_line, logical.end_line, logical.escape)
    a, _ = logical.span_to_source(*inner.cmd_span)
    ln, col = ctx._pos(a)
    end = logical.to_source(len(logical.text), end=True)
    return build_instruction(ctx, inner_logical, (), a, end, ln, col, [])


_MARKER = re.compile(r"(?<![^\s])\d*<<-?(?:'[^']*'|\"[^\"]*\"|[^\s<])+")


def _heredocs(ctx: _Source, logical: Logical, parts: list[tuple[Token | None, Token]]) -> tuple[Heredoc, ...]:
    if not parts:
        return ()
    out = []
    markers = _markers(logical.text)
    source = ctx.source
    for i, (doc, (body, end)) in enumerate(zip(logical.heredocs, parts)):
        start = body[1] if body is not None else end[1]
        ln, col = ctx._pos(start)
        marker = markers[i] if i < len(markers) else f"<<{'-' if doc.chomp else ''}{doc.name}"
        out.append(
            Heredoc(
                start,
                end[2],
                ln,
                col,
                doc.name,
                marker,
                doc.file_descriptor,
                doc.chomp,
                not doc.expand,
                source[body[1] : body[2]] if body is not None else "",
                source[end[1] : end[2]],
            )
        )
    return tuple(out)


def _markers(text: str) -> list[str]:
    return [m.group(0) for m in _MARKER.finditer(text)]


# --- entry points --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _table() -> table.Table:
    return table.load()


def parse(text: str) -> Dockerfile:
    """Parse Dockerfile text into a lossless tree; raises DockerfileError on bad input."""
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise DockerfileError("binary file: contains a NUL byte", line, column)
    tree = table.run(_table(), tokenize(text), _Builder(text).callbacks())
    assert isinstance(tree, Dockerfile)
    return tree


def reparse(tree: Dockerfile, text: str, edits: Sequence[tuple[int, int, str]]) -> Dockerfile:
    """``parse(text)``, where ``text`` is ``tree.source`` with ``edits`` made: (start, end,
    new text), in ``tree.source``'s offsets, in order, not overlapping.

    A fix rewrites a few instructions and the engine parses the file again: only the
    instructions the edits touch are read again; those before them are the old nodes, and
    those after are built again from their old logical lines, moved. An instruction ends
    where the lexer stands between instructions with nothing to carry but the escape
    character, so reading again stops at the first end of an instruction, after an edit,
    that is an old instruction's end moved. An edit of the byte order mark, the parser
    directives or the line after them may change how every line reads: that, and any
    error, is left to ``parse``.
    """
    old = tree.instructions
    source = tree.source
    head = old[0].full_start  # where the parser directives end
    if not edits or edits[0][0] <= _line_end(source, head) or any("\x00" in e[2] for e in edits):
        return parse(text)
    try:
        return _Reparse(tree, text, edits).tree()
    except DockerfileError:
        return parse(text)  # the error as a full parse reports it


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


class _Reparse:
    """One ``reparse``: the old tree, the new text and where the edits put the old text."""

    __slots__ = ("old", "text", "builder", "lines", "ends", "edits", "shifts", "next_edit")

    def __init__(self, tree: Dockerfile, text: str, edits: Sequence[tuple[int, int, str]]) -> None:
        self.old = tree
        self.text = text
        self.builder = _Builder(text)
        lines = physical_lines(text)
        if tree.bom:
            lines[0] = lines[0][1:]
        self.lines = lines
        self.ends = [inst.end for inst in tree.instructions]
        # per edit, its (start, end, new start, new end); per edit, how far it moves the
        # old text after it, in offsets and in lines
        source = tree.source
        placed = []
        shifts = []
        delta = lines_delta = 0
        for start, end, new in edits:
            placed.append((start, end, start + delta, start + delta + len(new)))
            delta += len(new) - (end - start)
            lines_delta += new.count("\n") - source.count("\n", start, end)
            shifts.append((delta, lines_delta))
        self.edits = placed
        self.shifts = shifts
        self.next_edit = 0

    def tree(self) -> Dockerfile:
        old = self.old.instructions
        out: list[Instruction] = []
        trailer: tuple[Trivia, ...] | None = None
        at = 0  # the next old instruction to place
        delta = lines_delta = 0
        while self.next_edit < len(self.edits) and trailer is None:
            edit_start = self.edits[self.next_edit][0]
            touched = bisect_left(self.ends, edit_start, at)  # the first that ends at or after it
            out.extend(self._moved(inst, delta, lines_delta) for inst in old[at:touched])
            if touched < len(old):
                old_from = old[touched].full_start
                line = old[touched].leading[0].line if old[touched].leading else old[touched].line
            else:  # after the last instruction
                old_from = old[-1].end
                line = self.old.position(old_from)[0] if old_from < len(self.old.source) else len(self.lines) + 1
            synced, read, trailer = self._read(old_from + delta, line - 1 + lines_delta)
            out.extend(read)
            if synced is not None:
                at, delta, lines_delta = synced
        if trailer is None:
            out.extend(self._moved(inst, delta, lines_delta) for inst in old[at:])
            trailer = tuple(Trivia(t.start + delta, t.end + delta, t.line + lines_delta, 1, t.kind, t.text) for t in self.old.trailer)
        if not out:
            raise DockerfileError("file with no instructions", 1, 1)  # parse says where
        current = self.builder.current
        return Dockerfile(
            self.text, self.old.bom, self.old.directives, tuple(out), trailer, self.old.escape, current.line_starts, _stages(out)
        )

    def _read(self, pos: int, index: int) -> tuple[tuple[int, int, int] | None, list[Instruction], tuple[Trivia, ...] | None]:
        """Read the new text from ``pos`` (line ``index``, 0-based), an old instruction's start
        moved: where it joins the old text again (the next old instruction, and the shift from
        there on) or None at the end of the text; the instructions read; the trailer at the end."""
        synced: list[tuple[int, int, int]] = []

        def stop(end: int) -> bool:
            edits, k = self.edits, self.next_edit
            while k < len(edits) and edits[k][2] < end and edits[k][3] <= end:
                k += 1  # this edit lies before the end of the instruction just read
            self.next_edit = k
            if k < len(edits) and edits[k][2] <= end:
                return False  # in an edit, or one starts here: it touches the next instruction
            delta, lines_delta = self.shifts[k - 1] if k else (0, 0)
            old_end = end - delta
            index = bisect_left(self.ends, old_end)
            if index == len(self.ends) or self.ends[index] != old_end:
                return False
            synced.append((index + 1, delta, lines_delta))
            return True

        text = self.text
        tokens = instruction_tokens(text, self.lines, index, pos, self.old.escape, stop)
        callbacks = self.builder.callbacks()
        callbacks["start"] = lambda children: children
        children = table.run(_table(), _ended(tokens, len(text), len(self.lines)), callbacks)
        assert isinstance(children, list)
        read = [child for child in children if isinstance(child, Instruction)]
        if synced:
            return synced[0], read, None
        self.next_edit = len(self.edits)
        trailer = next((c for c in children if c and isinstance(c, tuple) and isinstance(c[0], Trivia)), ())
        return None, read, trailer

    def _moved(self, inst: Instruction, delta: int, lines_delta: int) -> Instruction:
        """``inst`` of the old tree, at its place in the new text."""
        if not delta and not lines_delta:
            return inst
        logical = inst.logical
        moved = Logical(
            logical.text,
            tuple([(at, source + delta) for at, source in logical.segments]),
            logical.parse,
            logical.heredocs,
            logical.start_line + lines_delta,
            logical.end_line + lines_delta,
            logical.escape,
        )
        leading = tuple([Trivia(t.start + delta, t.end + delta, t.line + lines_delta, 1, t.kind, t.text) for t in inst.leading])
        heredocs = [
            (
                ("HEREDOC_BODY", doc.start + delta, doc.start + delta + len(doc.body), 0) if doc.body else None,
                ("HEREDOC_END", doc.end + delta - len(doc.terminator), doc.end + delta, 0),
            )
            for doc in inst.heredocs
        ]
        return build_instruction(
            self.builder.current, moved, leading, inst.start + delta, inst.end + delta, inst.line + lines_delta, inst.column, heredocs
        )


def _ended(tokens: Iterator[Token], size: int, lines: int) -> Iterator[Token]:
    yield from tokens
    yield (table.END, size, size, max(lines, 1))
