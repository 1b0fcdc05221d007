"""How BuildKit reads one logical instruction line.

The lexer joins an instruction's physical lines into the logical line BuildKit sees; this
module splits that line the way BuildKit's parser does (keyword, ``--flags``, then one
argument parser per instruction) and records, beside each value, where it stands in the
logical line so that the tree can point back at the source bytes.

The rules follow moby/buildkit ``frontend/dockerfile/parser`` (v0.12): word splitting
with Go's notion of white space, flags read byte by byte, JSON arrays decoded as a first
value with anything after it ignored, the legacy ``ENV key value words`` form.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from dockeropt.errors import DockerfileError
from dockeropt.record import record

# Go's unicode.IsSpace. Python's str.isspace also counts \x1c-\x1f, which Go does not.
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_GO_SPACE_SET = frozenset(GO_SPACE)
# BuildKit's reWhitespace: the separators between an instruction's words.
_RE_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
_RE_WORD = re.compile(r"[^\t\v\f\r ]+")

HEREDOC_INSTRUCTIONS = frozenset({"run", "copy", "add"})

NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"


class ArgumentError(DockerfileError):
    """An instruction whose arguments BuildKit rejects; the lexer adds the location."""


Span = tuple[int, int]


@record(frozen=True, slots=True)
class LineParse:
    """BuildKit's reading of one logical line, with offsets into that line.

    ``value`` is BuildKit's list of argument values (for ONBUILD, the inner instruction's
    values, as BuildKit reports them); ``spans`` gives for each value where its raw text
    stands in the logical line, or None where the value is not a slice of the line (a
    decoded JSON string).
    """

    cmd: str
    cmd_span: Span
    flags: tuple[str, ...]
    flag_spans: tuple[Span, ...]
    args: str
    args_span: Span
    value: tuple[str, ...]
    spans: tuple[Span | None, ...]
    json: bool
    inner: "LineParse | None"

    @property
    def name(self) -> str:
        return self.cmd.lower()

    def can_contain_heredoc(self) -> bool:
        """BuildKit's canContainHeredoc: RUN, COPY, ADD in shell form, also inside ONBUILD."""
        node = self.inner if self.name == "onbuild" and self.inner is not None else self
        return node.name in HEREDOC_INSTRUCTIONS and not node.json


def go_trim_space(text: str) -> tuple[int, int]:
    """The bounds of ``text`` with Go white space trimmed from both ends."""
    start = len(text) - len(text.lstrip(GO_SPACE))
    return start, max(start, len(text.rstrip(GO_SPACE)))


@lru_cache(maxsize=2048)
def parse_line(line: str, escape: str) -> LineParse:
    """Split a logical line as BuildKit's newNodeFromLine does.

    Remembered for the last lines read: after a fix, and in the editor after each change,
    the file is read again and most of its lines are as they were.
    """
    start, end = go_trim_space(line)
    m = _RE_WHITESPACE.search(line, start, end)
    if m is None:
        cmd_span = (start, end)
        flags: tuple[str, ...] = ()
        flag_spans: tuple[Span, ...] = ()
        args_span = (end, end)
    else:
        cmd_span = (start, m.start())
        after = m.end()
        if line.startswith("--", after) or line[after : after + 1] in _GO_SPACE_SET:
            flags, flag_spans, rest_start = extract_builder_flags(line, after, end)
        else:  # most lines: no flags, and the arguments start right after the separator
            flags, flag_spans, rest_start = (), (), after
        a, b = go_trim_space(line[rest_start:end])
        args_span = (rest_start + a, rest_start + b)
    cmd = line[cmd_span[0] : cmd_span[1]]
    args = line[args_span[0] : args_span[1]]
    value, spans, is_json, inner = _dispatch(cmd.lower(), args, args_span[0], escape)
    return LineParse(cmd, cmd_span, flags, flag_spans, args, args_span, value, spans, is_json, inner)


def extract_builder_flags(line: str, pos: int, end: int) -> tuple[tuple[str, ...], tuple[Span, ...], int]:
    """Read the leading ``--flag`` words of ``line[pos:end]``.

    Returns the flags as BuildKit reports them (quotes and backslashes removed), their
    spans, and where the arguments start. BuildKit reads this part byte by byte, turning
    each byte into a rune: bytes 0x85 and 0xA0 count as white space and every byte of a
    multi-byte character becomes a Latin-1 character. Non-ASCII text is read that way too.
    """
    segment = line[pos:end]
    if segment.isascii():
        flags, spans, rest = _read_flags(segment)
        return flags, tuple((pos + a, pos + b) for a, b in spans), pos + rest
    raw = segment.encode("utf-8", "surrogateescape")
    flags, spans, rest = _read_flags(raw.decode("latin-1"))

    def char_offset(byte_offset: int) -> int:
        return pos + len(raw[:byte_offset].decode("utf-8", "surrogateescape"))

    return flags, tuple((char_offset(a), char_offset(b)) for a, b in spans), char_offset(rest)


def _read_flags(segment: str) -> tuple[tuple[str, ...], tuple[Span, ...], int]:
    flags: list[str] = []
    spans: list[Span] = []
    i, n = 0, len(segment)
    while True:
        while i < n and segment[i] in _GO_SPACE_SET:
            i += 1
        if i >= n or not segment.startswith("--", i):
            return tuple(flags), tuple(spans), i
        word, j, blank_ok = _flag_word(segment, i, n)
        if word == "--":
            # a bare "--" ends the flags; what follows it is the arguments
            return tuple(flags), tuple(spans), j
        if blank_ok or word:
            flags.append(word)
            spans.append((i, j))
        i = j


def _flag_word(segment: str, i: int, n: int) -> tuple[str, int, bool]:
    """One flag word starting at ``i``: its value, its end, and whether it had quotes."""
    out: list[str] = []
    quote = ""
    blank_ok = False
    while i < n:
        ch = segment[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\":
                if i + 1 == n:
                    quote = ""
                else:
                    i += 1
                    out.append(segment[i])
            else:
                out.append(ch)
        elif ch in _GO_SPACE_SET:
            break
        elif ch in "'\"":
            quote = ch
            blank_ok = True
        elif ch == "\\":
            if i + 1 < n:
                i += 1
                out.append(segment[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out), i, blank_ok


# --- the argument parsers, one per instruction -------------------------------------------

_Result = tuple[tuple[str, ...], tuple["Span | None", ...], bool, "LineParse | None"]


def _dispatch(name: str, args: str, offset: int, escape: str) -> _Result:
    parser = _DISPATCH.get(name)
    if parser is None:
        # BuildKit keeps an unknown instruction with one empty value
        return ("",), (None,), False, None
    return parser(args, offset, escape)


def _whitespace_words(args: str, offset: int) -> _Result:
    if not args:
        return (), (), False, None
    values, spans = [], []
    for m in _RE_WORD.finditer(args):
        values.append(m.group())
        spans.append((offset + m.start(), offset + m.end()))
    return tuple(values), tuple(spans), False, None


def _string(args: str, offset: int, escape: str) -> _Result:
    if not args:
        return (), (), False, None
    return (args,), ((offset, offset + len(args)),), False, None


def parse_json_array(args: str) -> tuple[str, ...] | None:
    """The strings of a JSON array at the start of ``args``, or None for shell form.

    Like Go's json.Decoder, only the first value is read; text after it is ignored.
    Raises ArgumentError for an array with a non-string element.
    """
    text = args.lstrip(GO_SPACE)
    if not text.startswith("["):
        return None
    try:
        data, _ = _JSON.raw_decode(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list):
        return None
    for item in data:
        if isinstance(item, float) and item in (float("inf"), float("-inf")):
            return None  # Go cannot hold the number: a decoding error, so shell form
        if not isinstance(item, str):
            raise ArgumentError(NOT_STRING_ARRAY)
    return tuple(_go_string(item) for item in data)


def _reject_constant(name: str) -> None:
    raise ValueError(name)  # NaN and Infinity are not JSON to Go


_JSON = json.JSONDecoder(parse_constant=_reject_constant)


def _go_string(value: str) -> str:
    # Go's decoder turns an escaped lone surrogate into U+FFFD
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)
    return value


def _maybe_json(args: str, offset: int, escape: str) -> _Result:
    if not args:
        return (), (), False, None
    values = parse_json_array(args)
    if values is not None:
        return values, (None,) * len(values), True, None
    return (args,), ((offset, offset + len(args)),), False, None


def _maybe_json_to_list(args: str, offset: int, escape: str) -> _Result:
    values = parse_json_array(args)
    if values is not None:
        return values, (None,) * len(values), True, None
    return _whitespace_words(args, offset)


def parse_words(args: str, escape: str) -> list[tuple[str, int, int]]:
    """BuildKit's parseWords: words split on white space, quotes and escapes kept.

    Each word is returned with its bounds in ``args``; the word is that slice, except
    that an escape character at the very end of ``args`` is dropped.
    """
    words = [(m.group(), m.start(), m.end()) for m in _words_pattern(escape).finditer(args)]
    if words and words[-1][2] == len(args) - 1 and args.endswith(escape):
        # the word runs on to an escape character that ends the line, which it drops
        text, start, _end = words[-1]
        words[-1] = (text, start, len(args))
    return words


@lru_cache(maxsize=None)
def _words_pattern(escape: str) -> re.Pattern[str]:
    """A word of parseWords: characters other than white space, an escape character with
    the character after it, a single-quoted part (no escapes inside) or a double-quoted
    one (with escapes); a quote left open runs to the end of the line."""
    e = re.escape(escape)
    # Go's white space is Python's but for \x1c-\x1f; \s compiles far faster than a class of them
    return re.compile(rf"(?:[^\s'\"{e}]|[\x1c-\x1f]|{e}.|'[^']*'?|\"(?:[^\"{e}]|{e}.)*\"?)+", re.DOTALL)


def _name_val(args: str, offset: int, escape: str, key: str) -> _Result:
    words = parse_words(args, escape)
    if not words:
        return (), (), False, None
    if "=" not in words[0][0]:
        parts = _RE_WHITESPACE.split(args, 1)
        if len(parts) < 2:
            raise ArgumentError(f"{key} must have two arguments")
        sep = _RE_WHITESPACE.search(args)
        assert sep is not None
        return (
            (parts[0], parts[1]),
            ((offset, offset + sep.start()), (offset + sep.end(), offset + len(args))),
            False,
            None,
        )
    values: list[str] = []
    spans: list[Span | None] = []
    for word, start, _end in words:
        if "=" not in word:
            raise ArgumentError(f'Syntax error - can\'t find = in "{word}". Must be of the form: name=value')
        eq = word.index("=")
        values += [word[:eq], word[eq + 1 :]]
        spans += [(offset + start, offset + start + eq), (offset + start + eq + 1, offset + start + len(word))]
    return tuple(values), tuple(spans), False, None


def _env(args: str, offset: int, escape: str) -> _Result:
    return _name_val(args, offset, escape, "ENV")


def _label(args: str, offset: int, escape: str) -> _Result:
    return _name_val(args, offset, escape, "LABEL")


def _name_or_name_val(args: str, offset: int, escape: str) -> _Result:
    words = parse_words(args, escape)
    return (
        tuple(w for w, _, _ in words),
        tuple((offset + s, offset + s + len(w)) for w, s, _ in words),
        False,
        None,
    )


def _healthcheck(args: str, offset: int, escape: str) -> _Result:
    # BuildKit finds the end of the first word byte by byte
    if not args.isascii():
        raw = args.encode("utf-8", "surrogateescape")
        sep = 0
        while sep < len(raw) and chr(raw[sep]) not in _GO_SPACE_SET:
            sep += 1
        nxt = sep
        while nxt < len(raw) and chr(raw[nxt]) in _GO_SPACE_SET:
            nxt += 1
        sep = len(raw[:sep].decode("utf-8", "surrogateescape"))
        nxt = len(raw[:nxt].decode("utf-8", "surrogateescape"))
    else:
        sep = 0
        while sep < len(args) and args[sep] not in _GO_SPACE_SET:
            sep += 1
        nxt = sep
        while nxt < len(args) and args[nxt] in _GO_SPACE_SET:
            nxt += 1
    if sep == 0:
        return (), (), False, None
    values, spans, is_json, _ = _maybe_json(args[nxt:], offset + nxt, escape)
    return (args[:sep],) + values, ((offset, offset + sep),) + spans, is_json, None


def _onbuild(args: str, offset: int, escape: str) -> _Result:
    if not args:
        return (), (), False, None
    inner = parse_line(args, escape)
    inner = _shift(inner, offset)
    return inner.value, inner.spans, inner.json, inner


def _shift(parse: LineParse, offset: int) -> LineParse:
    def s(span: Span | None) -> Span | None:
        return None if span is None else (span[0] + offset, span[1] + offset)

    return LineParse(
        parse.cmd,
        s(parse.cmd_span),  # type: ignore[arg-type]
        parse.flags,
        tuple(s(x) for x in parse.flag_spans),  # type: ignore[misc]
        parse.args,
        s(parse.args_span),  # type: ignore[arg-type]
        parse.value,
        tuple(s(x) for x in parse.spans),
        parse.json,
        None if parse.inner is None else _shift(parse.inner, offset),
    )


def _whitespace(args: str, offset: int, escape: str) -> _Result:
    return _whitespace_words(args, offset)


_DISPATCH = {
    "add": _maybe_json_to_list,
    "arg": _name_or_name_val,
    "cmd": _maybe_json,
    "copy": _maybe_json_to_list,
    "entrypoint": _maybe_json,
    "env": _env,
    "expose": _whitespace,
    "from": _whitespace,
    "healthcheck": _healthcheck,
    "label": _label,
    "maintainer": _string,
    "onbuild": _onbuild,
    "run": _maybe_json,
    "shell": _maybe_json,
    "stopsignal": _string,
    "user": _string,
    "volume": _maybe_json_to_list,
    "workdir": _string,
}
