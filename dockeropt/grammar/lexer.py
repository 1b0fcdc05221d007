"""The context-sensitive half of the Dockerfile grammar.

A Dockerfile is not context free: ``# escape=`` changes which character continues a
line, comment and blank lines inside a continuation are dropped from the command, and a
heredoc body runs until a terminator named on the instruction line. This lexer walks the
physical lines the way BuildKit's parser does and hands the LALR grammar whole-line
tokens, so that every byte of the input lives in exactly one token:

    BOM            the UTF-8 byte order mark at the very start
    DIRECTIVE      a parser directive line (``# syntax=...``, ``# escape=...``, ``# check=...``)
    COMMENT        comment lines between instructions
    BLANK          empty or white-space lines between instructions
    FIRST_LINE     the first line of an instruction that fits on one line
    FIRST_LINE_CONT  the first line of an instruction ending with the escape character
    LINE_CONT      later lines that continue again
    LINE_END       the last line of a continued instruction
    CONT_COMMENT   comment lines inside a continuation (BuildKit drops them)
    CONT_BLANK     empty lines inside a continuation (BuildKit drops them)
    HEREDOC_BODY   the body lines of one heredoc
    HEREDOC_END    the line that terminates it

A run of consecutive lines of one kind is one token (fewer tokens, a faster parse); each
token keeps the line endings of its lines. The first line token of an instruction also
carries the instruction's logical line (what BuildKit parses) and BuildKit's reading of it.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right

from dockeropt.errors import DockerfileError
from dockeropt.grammar.semantics import GO_SPACE, ArgumentError, LineParse, parse_line
from dockeropt.grammar.table import END
from dockeropt.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator

    from dockeropt.grammar.shellwords import HeredocWord

BOM = "\ufeff"
# bufio.Scanner's limit in BuildKit: a line, with its newline, of at most 64 KiB
MAX_LINE_BYTES = 64 * 1024
_MAX = sys.maxsize
VALID_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_DIRECTIVE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")

# A token is a tuple, the cheapest object Python makes: (kind, start, end, line), its kind,
# its source offsets and the line it starts on (1-based); its text is source[start:end].
# An instruction's first line token also carries the column its keyword starts at and the
# instruction's Logical line: (kind, start, end, line, column, logical). The stream ends
# with (END, len(text), len(text), the last line).
Token = tuple


@record(frozen=True, slots=True)
class Logical:
    """An instruction's logical line: the physical lines joined as BuildKit joins them.

    ``segments`` maps it back to the source: each entry is (offset in the logical line,
    offset in the source) for one contributing piece of a physical line.
    """

    text: str
    segments: tuple[tuple[int, int], ...]
    parse: LineParse
    heredocs: tuple[HeredocWord, ...]
    start_line: int
    end_line: int
    escape: str

    def to_source(self, offset: int, *, end: bool = False) -> int:
        """The source offset of a logical-line offset.

        An ``end`` offset belongs to the piece holding the character before it, so that a
        span ending at a piece boundary does not swallow the continuation that follows.
        """
        key = offset - 1 if end and offset > 0 else offset
        index = bisect_right(self.segments, (key, _MAX)) - 1
        logical_start, source_start = self.segments[max(index, 0)]
        return source_start + (offset - logical_start)

    def span_to_source(self, start: int, end: int) -> tuple[int, int]:
        source_start = self.to_source(start)
        return source_start, (source_start if end == start else self.to_source(end, end=True))


def go_lstrip(text: str) -> str:
    return text.lstrip(GO_SPACE)


def line_body(line: str) -> str:
    """The line without its trailing CR and LF characters (BuildKit's trimNewline)."""
    return line.rstrip("\r\n")


def physical_lines(text: str) -> list[str]:
    """The physical lines without their LF (only the last may lack one); raises
    DockerfileError for a line longer than BuildKit reads."""
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()
    _check_line_lengths(lines, text.endswith("\n"))
    return lines


def tokenize(text: str) -> Iterator[Token]:
    lines = physical_lines(text)
    size = len(text)
    count = len(lines)
    pos = 0
    index = 0
    if text.startswith(BOM):
        yield ("BOM", 0, 1, 1)
        pos = 1
        lines[0] = lines[0][1:]

    # Parser directives: only the unbroken run of directive lines at the very top.
    escape = "\\"
    seen: set[str] = set()
    while index < count:
        line = lines[index]
        name, value = directive_parts(line.rstrip("\r"))
        if name is None:
            break
        if name in seen:
            raise DockerfileError(f"only one {name} parser directive can be used", index + 1, 1)
        seen.add(name)
        if name == "escape":
            if value not in ("\\", "`"):
                raise DockerfileError(f"invalid escape token '{value}' does not match ` or \\", index + 1, 1)
            escape = value
        end = min(pos + len(line) + 1, size)
        yield ("DIRECTIVE", pos, end, index + 1)
        pos = end
        index += 1

    instructions = yield from instruction_tokens(text, lines, index, pos, escape)
    if instructions == 0:
        raise DockerfileError("file with no instructions", max(count, 1), 1)
    yield (END, size, size, max(count, 1))


def instruction_tokens(
    text: str, lines: list[str], index: int, pos: int, escape: str, stop: Callable[[int], bool] | None = None
) -> Generator[Token, None, int]:
    """The tokens of the instructions and trivia from ``lines[index]`` on, which starts at
    ``pos`` in ``text``, and how many instructions they hold: to the end of the text, or
    until ``stop(offset)``, asked at the end of each instruction, says to stop there."""
    size = len(text)
    count = len(lines)
    space = GO_SPACE
    instructions = 0
    while index < count:
        line = lines[index]
        body = line.rstrip("\r")
        stripped = body.lstrip(space)
        if not stripped or stripped[0] == "#":
            # a run of comment lines, or of blank lines, is one token
            blank = not stripped
            run_start, run_index = pos, index
            pos += len(line) + 1
            index += 1
            while index < count:
                following = lines[index].rstrip("\r").lstrip(space)
                if (not following) != blank or (not blank and following[0] != "#"):
                    break
                pos += len(lines[index]) + 1
                index += 1
            pos = min(pos, size)
            yield ("BLANK" if blank else "COMMENT", run_start, pos, run_index + 1)
            continue

        # An instruction: its first line, then the lines it continues onto.
        instructions += 1
        start_index = index
        first_start = pos
        indent = len(body) - len(stripped)
        last = stripped[-1]
        cut = -1 if last != escape and last != " " and last != "\t" else _continuation(stripped, escape)
        first_kind = "FIRST_LINE" if cut < 0 else "FIRST_LINE_CONT"
        first_text = stripped if cut < 0 else stripped[:cut]
        first_end = pos = pos + len(line) + 1
        if pos > size:  # the last line, without a line ending
            first_end = pos = size
        index += 1
        tokens: list[Token] = []
        if cut < 0:
            logical_text = first_text
            segments: tuple[tuple[int, int], ...] = ((0, first_start + indent),)
        else:
            pieces = [first_text]
            segment_list = [(0, first_start + indent)]
            logical_len = len(first_text)
            run_kind, run_start, run_index = "", pos, index
            continued = True
            while continued and index < count:
                line = lines[index]
                body = line.rstrip("\r")
                stripped = body.lstrip(space)
                if stripped[:1] == "#":
                    kind = "CONT_COMMENT"
                elif not stripped:
                    kind = "CONT_BLANK"
                else:
                    trimmed = body.rstrip(" \t")  # continued again, as _continuation says
                    continued = trimmed[-1:] == escape and trimmed[-2:-1] != escape
                    piece = trimmed[:-1] if continued else body
                    segment_list.append((logical_len, pos))
                    pieces.append(piece)
                    logical_len += len(piece)
                    kind = "LINE_CONT" if continued else "LINE_END"
                if kind != run_kind:
                    # consecutive lines of one kind make one token
                    if run_kind:
                        tokens.append((run_kind, run_start, pos, run_index + 1))
                    run_kind, run_start, run_index = kind, pos, index
                pos += len(line) + 1
                index += 1
            if pos > size:
                pos = size
            if run_kind:
                tokens.append((run_kind, run_start, pos, run_index + 1))
            logical_text = "".join(pieces)
            segments = tuple(segment_list)

        try:
            parse = parse_line(logical_text, escape)
        except ArgumentError as exc:
            raise DockerfileError(exc.message, start_index + 1, 1) from None
        heredocs: tuple[HeredocWord, ...] = ()
        if "<<" in logical_text and parse.can_contain_heredoc():
            # BuildKit's shell lexer is only needed where a heredoc may start
            from dockeropt.grammar.shellwords import ShellWordError, heredocs_from_line

            try:
                heredocs = tuple(heredocs_from_line(logical_text))
            except ShellWordError as exc:
                raise DockerfileError(str(exc), start_index + 1, 1) from None
        for heredoc in heredocs:
            body_start = pos
            body_index = index
            while index < count:
                candidate = lines[index].rstrip("\r")
                if heredoc.chomp:
                    candidate = candidate.lstrip("\t")
                if candidate == heredoc.name:
                    break
                pos += len(lines[index]) + 1
                index += 1
            else:
                raise DockerfileError("unterminated heredoc", start_index + 1, 1)
            if pos > body_start:
                tokens.append(("HEREDOC_BODY", body_start, pos, body_index + 1))
            end = min(pos + len(lines[index]) + 1, size)
            tokens.append(("HEREDOC_END", pos, end, index + 1))
            pos = end
            index += 1

        logical = Logical(logical_text, segments, parse, heredocs, start_index + 1, index, escape)
        yield (first_kind, first_start, first_end, start_index + 1, indent + 1, logical)
        if tokens:
            yield from tokens
        if stop is not None and stop(pos):
            break
    return instructions


def _continuation(text: str, escape: str) -> int:
    """Where the escape character that continues ``text`` onto the next line stands, or -1:
    the last character before trailing blanks, unless it is itself escaped."""
    trimmed = text.rstrip(" \t")
    return len(trimmed) - 1 if trimmed[-1:] == escape and trimmed[-2:-1] != escape else -1


def directive_parts(body: str) -> tuple[str | None, str]:
    if not body.startswith("#"):
        body = go_lstrip(body)
        if not body.startswith("#"):
            return None, ""
    m = _DIRECTIVE.match(go_lstrip(body[1:]))
    if m is None:
        return None, ""
    name = m.group(1).lower()
    if name not in VALID_DIRECTIVES:
        return None, ""
    return name, m.group(2)


def _check_line_lengths(lines: list[str], last_has_newline: bool) -> None:
    # a character is at most 4 bytes, so only long lines need counting
    if not lines or (max(map(len, lines)) + 1) * 4 <= MAX_LINE_BYTES:
        return
    for index, line in enumerate(lines):
        if index + 1 < len(lines) or last_has_newline:
            line += "\n"
        if len(line) * 4 > MAX_LINE_BYTES and len(line.encode("utf-8", "surrogateescape")) > MAX_LINE_BYTES:
            raise DockerfileError(
                f"line is longer than BuildKit's limit of {MAX_LINE_BYTES - 1} bytes", index + 1, 1
            )
