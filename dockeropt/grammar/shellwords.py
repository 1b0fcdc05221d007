"""Shell-style word splitting and variable expansion, BuildKit flavoured.

This module reproduces the behaviour of BuildKit's Dockerfile shell lexer
(``frontend/dockerfile/shell``) and of the heredoc detection done by its
Dockerfile parser, so that dockeropt agrees with ``docker build`` about
which words of a ``RUN``/``COPY``/``ADD`` line open a heredoc and about how
``$VAR`` / ``${VAR...}`` references expand.

Public API
----------
``process_words``      split a string into words (after expansion)
``process_word``       expand a string, keeping it as a single string
``parse_heredoc_word`` interpret one word as a heredoc opener (or not)
``heredocs_from_line`` all heredoc openers of a logical instruction line
``HeredocWord``        result of the two functions above
``ShellWordError``     raised for lexing / substitution errors

Dialects
--------
BuildKit v0.12 (the version wrapped by the ``dockerfile`` PyPI package that
the test-suite uses as an oracle) only knows the ``-``, ``+`` and ``?``
modifiers (with or without ``:``).  Later releases (v0.13+, Dockerfile
frontend 1.7+) added ``#``, ``##``, ``%``, ``%%``, ``/`` and ``//`` and, at the
same time, started to strip escape characters from the word of the
``-``/``+``/``?`` modifiers even when the lexer keeps escapes elsewhere.  The
``pattern_modifiers`` keyword selects the newer behaviour (``True``) or the
v0.12 one (``False``).
"""

from __future__ import annotations

import re

from dockeropt.grammar.semantics import GO_SPACE
from dockeropt.record import record

__all__ = [
    "ShellWordError",
    "HeredocWord",
    "process_words",
    "process_word",
    "parse_heredoc_word",
    "heredocs_from_line",
    "GO_SPACE_CHARS",
]


class ShellWordError(ValueError):
    """A string could not be lexed (unterminated quote, bad ``${}`` ...)."""


class _LexFailure(Exception):
    """Internal error carrying the scanner position at the time of failure."""

    __slots__ = ("msg", "pos")

    def __init__(self, msg: str, pos: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.pos = pos


# Characters for which Go's unicode.IsSpace is true (not Python's str.isspace()).
GO_SPACE_CHARS = GO_SPACE
_SPACE_RUN = re.compile("[" + re.escape(GO_SPACE_CHARS) + "]+")
_ASCII_NAME = re.compile(r"[A-Za-z0-9_]*")
_UNICODE_DIGITS = re.compile(r"\d+")  # str pattern: \d is exactly category Nd
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_EOF_RUNE = "\ufffd"  # what Go's string(rune(-1)) yields
_UINT64_MAX = (1 << 64) - 1

_run_cache: dict[tuple[str, str, bool], re.Pattern[str]] = {}


def _plain_run(escape: str, stop: str, quotes: bool) -> re.Pattern[str]:
    """Regex matching a run of characters that need no special handling."""
    key = (escape, stop, quotes)
    pat = _run_cache.get(key)
    if pat is None:
        special = "$" + escape + stop + ("'\"" if quotes else "")
        pat = re.compile("[^" + "".join(re.escape(c) for c in sorted(set(special))) + "]+")
        _run_cache[key] = pat
    return pat


_dq_cache: dict[str, re.Pattern[str]] = {}


def _dq_run(escape: str) -> re.Pattern[str]:
    pat = _dq_cache.get(escape)
    if pat is None:
        pat = re.compile("[^" + "".join(re.escape(c) for c in sorted(set('"$' + escape))) + "]+")
        _dq_cache[escape] = pat
    return pat


def _split_into(words: list[str], cur: str, text: str) -> str:
    """Append ``text`` to the current word, splitting on whitespace.

    Completed words are appended to ``words``; the (possibly empty) word in
    progress is returned.
    """
    parts = _SPACE_RUN.split(text)
    if len(parts) == 1:
        return cur + text
    cur += parts[0]
    if cur:
        words.append(cur)
    for part in parts[1:-1]:
        if part:
            words.append(part)
    return parts[-1]


class _Lexer:
    __slots__ = (
        "src",
        "n",
        "esc",
        "raw_quotes",
        "raw_escapes",
        "skip_unset",
        "env",
        "quotes",
        "modern",
    )

    def __init__(
        self,
        src: str,
        escape: str,
        raw_quotes: bool,
        raw_escapes: bool,
        skip_unset: bool,
        env: dict[str, str] | None,
        quotes: bool,
        modern: bool,
    ) -> None:
        self.src = src
        self.n = len(src)
        self.esc = escape
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_unset = skip_unset
        self.env = env or {}
        self.quotes = quotes
        self.modern = modern

    # -- main loop -------------------------------------------------------
    def run(self, i: int, stop: str, want_words: bool) -> tuple[str, list[str], int]:
        """Lex from ``i`` up to (and consuming) ``stop``; ``""`` means end of input.

        Returns ``(text, words, next_index)``.
        """
        src = self.src
        n = self.n
        esc = self.esc
        quotes = self.quotes
        match_run = _plain_run(esc, stop, quotes).match
        out: list[str] = []
        words: list[str] = []
        cur = ""
        while i < n:
            m = match_run(src, i)
            if m is not None:
                text = m.group()
                i = m.end()
                out.append(text)
                if want_words:
                    cur = _split_into(words, cur, text)
                continue
            ch = src[i]
            if ch == stop:
                if cur:
                    words.append(cur)
                return "".join(out), words, i + 1
            if ch == "$":
                text, i = self.dollar(i)
                out.append(text)
                if want_words:
                    cur = _split_into(words, cur, text)
            elif quotes and ch == "'":
                text, i = self.single_quote(i)
                out.append(text)
                cur += text
            elif quotes and ch == '"':
                text, i = self.double_quote(i)
                out.append(text)
                cur += text
            else:  # the escape character
                i += 1
                if self.raw_escapes:
                    out.append(ch)
                    cur += ch
                if i >= n:
                    break
                ch = src[i]
                i += 1
                out.append(ch)
                cur += ch
        if stop:
            raise _LexFailure(
                "unexpected end of statement while looking for matching " + stop, n
            )
        if cur:
            words.append(cur)
        return "".join(out), words, i

    def read_until(self, i: int, stop: str, raw_escapes: bool, missing: str) -> tuple[str, int]:
        """``run_with_escapes``, saying ``missing`` when the input ends before ``stop``."""
        try:
            return self.run_with_escapes(i, stop, raw_escapes)
        except _LexFailure as err:
            if err.pos >= self.n:
                raise _LexFailure(missing, err.pos) from None
            raise

    def run_with_escapes(self, i: int, stop: str, raw_escapes: bool) -> tuple[str, int]:
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            text, _, i = self.run(i, stop, False)
        finally:
            self.raw_escapes = saved
        return text, i

    # -- quotes ----------------------------------------------------------
    def single_quote(self, i: int) -> tuple[str, int]:
        end = self.src.find("'", i + 1)
        if end < 0:
            raise _LexFailure(
                "unexpected end of statement while looking for matching single-quote", self.n
            )
        if self.raw_quotes:
            return self.src[i : end + 1], end + 1
        return self.src[i + 1 : end], end + 1

    def double_quote(self, i: int) -> tuple[str, int]:
        src = self.src
        n = self.n
        esc = self.esc
        match_run = _dq_run(esc).match
        out: list[str] = ['"'] if self.raw_quotes else []
        i += 1
        while True:
            m = match_run(src, i)
            if m is not None:
                out.append(m.group())
                i = m.end()
            if i >= n:
                raise _LexFailure(
                    "unexpected end of statement while looking for matching double-quote", n
                )
            ch = src[i]
            if ch == '"':
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out), i + 1
            if ch == "$":
                text, i = self.dollar(i)
                out.append(text)
                continue
            # escape character
            i += 1
            if self.raw_escapes:
                out.append(ch)
            if i >= n:
                continue  # reported as an unterminated quote above
            nxt = src[i]
            if nxt == '"' or nxt == "$" or nxt == esc:
                out.append(nxt)
                i += 1
            else:
                # The escape stays literal (and is written a second time when
                # escapes are kept raw -- BuildKit does exactly this).
                out.append(ch)

    # -- variables -------------------------------------------------------
    def name(self, i: int) -> tuple[str, int]:
        src = self.src
        n = self.n
        if i >= n:
            return "", i
        ch = src[i]
        if ch.isdecimal():
            m = _UNICODE_DIGITS.match(src, i)
            return m.group(), m.end()  # type: ignore[union-attr]
        if ch in _SPECIAL_PARAMS:
            return ch, i + 1
        j = i
        while True:
            j = _ASCII_NAME.match(src, j).end()  # type: ignore[union-attr]
            if j < n:
                c = src[j]
                if c > "\x7f" and (c.isalpha() or c.isdecimal()):
                    j += 1
                    continue
            break
        return src[i:j], j

    def lookup(self, name: str) -> str | None:
        return self.env.get(name)

    def dollar(self, i: int) -> tuple[str, int]:
        src = self.src
        n = self.n
        i += 1
        if i >= n or src[i] != "{":
            name, i = self.name(i)
            if not name:
                return "$", i
            value = self.lookup(name)
            if value is None:
                return ("$" + name if self.skip_unset else ""), i
            return value, i

        i += 1
        if i >= n:
            raise _LexFailure("syntax error: missing '}'", i)
        if src[i] in "{}:":
            raise _LexFailure("syntax error: bad substitution", i)
        name, i = self.name(i)
        if i >= n:
            raise _LexFailure(f"unsupported modifier ({_EOF_RUNE}) in substitution", i)
        op = src[i]
        i += 1

        if op == "}":
            value = self.lookup(name)
            if value is None:
                return ("${" + name + "}" if self.skip_unset else ""), i
            return value, i

        modern = self.modern
        null_is_unset = False
        mod = op
        if op == ":":
            null_is_unset = True
            if i >= n:
                raise _LexFailure("syntax error: missing '}'", i)
            op = src[i]
            i += 1
            mod = ":" + op
        elif op == "/" and modern:
            return self.replace(name, i)
        elif not (op in "+-?" or (modern and op in "#%")):
            raise _LexFailure(f"unsupported modifier ({op}) in substitution", i)

        raw = (op == "#" or op == "%") if modern else self.raw_escapes
        word, i = self.read_until(i, "}", raw, "syntax error: missing '}'")

        value = self.lookup(name)
        if value is None and self.skip_unset:
            return "${" + name + mod + word + "}", i
        empty = value is None or (null_is_unset and value == "")
        if op == "-":
            return (word if empty else value), i  # type: ignore[return-value]
        if op == "+":
            return ("" if empty else word), i
        if op == "?":
            if value is None:
                raise _LexFailure(f"{name}: {word or 'is not allowed to be unset'}", i)
            if null_is_unset and value == "":
                raise _LexFailure(f"{name}: {word or 'is not allowed to be empty'}", i)
            return value, i
        if modern and op in "#%":
            greedy = False
            if word[:1] == op:
                greedy = True
                word = word[1:]
            try:
                if op == "%":
                    return _trim_suffix(word, value or "", greedy), i
                return _trim_prefix(word, value or "", greedy), i
            except _LexFailure as err:
                raise _LexFailure(err.msg, i) from None
        raise _LexFailure(f"unsupported modifier ({mod}) in substitution", i)

    def replace(self, name: str, i: int) -> tuple[str, int]:
        n = self.n
        replace_all = i < n and self.src[i] == "/"
        if replace_all:
            i += 1
        pattern, i = self.read_until(i, "/", True, "syntax error: missing '/' in ${}")
        replacement, i = self.read_until(i, "}", True, "syntax error: missing '}'")
        value = self.lookup(name)
        if value is None and self.skip_unset:
            return "${" + name + "/" + pattern + "/" + replacement + "}", i
        value = value or ""
        try:
            regex = _shell_pattern_regex(pattern, True, False)
        except _LexFailure as err:
            raise _LexFailure(err.msg, i) from None
        if replace_all:
            return _go_replace_all(regex, value, replacement), i
        m = regex.search(value)
        if m is not None:
            value = value[: m.start()] + replacement + value[m.end() :]
        return value, i


# -- shell patterns (modern dialect only) ---------------------------------
_REGEX_META = frozenset("[]{}.+()|^$")


def _shell_pattern_regex(pattern: str, greedy: bool, anchored: bool) -> re.Pattern[str]:
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            out.append(star)
        elif c == "?":
            out.append(".")
        elif c == "\\":
            nxt = pattern[i] if i < n else ""
            if nxt == "}" or nxt == "/":
                continue
            if nxt not in ("*", "?", "\\"):
                shown = nxt if nxt else _EOF_RUNE
                raise _LexFailure(
                    f"invalid pattern ({pattern}) in substitution: invalid escape '\\{shown}'", 0
                )
            out.append("\\" + nxt)
            i += 1
        elif c in _REGEX_META:
            out.append("\\" + c)
        else:
            out.append(re.escape(c))
    return re.compile("".join(out))


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    m = _shell_pattern_regex(pattern, greedy, True).search(value)
    return value[m.end() :] if m is not None else value


def _reverse_pattern(pattern: str) -> str:
    out = [""] * len(pattern)
    last = len(pattern) - 1
    i = 0
    while i <= last:
        c = pattern[i]
        pos = last - i
        if c == "\\" and i != last:
            out[pos - 1] = c
            out[pos] = pattern[i + 1]
            i += 2
        else:
            out[pos] = c
            i += 1
    return "".join(out)


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]


def _go_expand(template: str, match: re.Match[str]) -> str:
    """Go's regexp.Expand for a regex without capture groups."""
    out: list[str] = []
    while template:
        k = template.find("$")
        if k < 0:
            out.append(template)
            break
        out.append(template[:k])
        template = template[k:]
        if len(template) > 1 and template[1] == "$":
            out.append("$")
            template = template[2:]
            continue
        brace = len(template) > 1 and template[1] == "{"
        body = template[2:] if brace else template[1:]
        j = 0
        while j < len(body) and (body[j] == "_" or body[j].isalpha() or body[j].isdecimal()):
            j += 1
        ok = j > 0
        name = body[:j]
        if ok and brace:
            if j >= len(body) or body[j] != "}":
                ok = False
            else:
                j += 1
        if not ok:
            out.append("$")
            template = template[1:]
            continue
        template = body[j:]
        if name == "0":
            out.append(match.group())
        # any other group number or name does not exist: expands to nothing
    return "".join(out)


def _go_replace_all(regex: re.Pattern[str], value: str, template: str) -> str:
    out: list[str] = []
    last_end = 0
    pos = 0
    n = len(value)
    while pos <= n:
        m = regex.search(value, pos)
        if m is None:
            break
        start, end = m.span()
        out.append(value[last_end:start])
        if end > last_end or start == 0:
            out.append(_go_expand(template, m))
        last_end = end
        pos = pos + 1 if pos + 1 > end else end
    out.append(value[last_end:])
    return "".join(out)


# -- public API ------------------------------------------------------------
def _process(
    text: str,
    escape: str,
    raw_quotes: bool,
    raw_escapes: bool,
    skip_unset_env: bool,
    env: dict[str, str] | None,
    skip_process_quotes: bool,
    pattern_modifiers: bool,
    want_words: bool,
) -> tuple[str, list[str]]:
    if len(escape) != 1:
        raise ValueError("escape must be a single character")
    lexer = _Lexer(
        text,
        escape,
        raw_quotes,
        raw_escapes,
        skip_unset_env,
        env,
        not skip_process_quotes,
        pattern_modifiers,
    )
    # Go's text/scanner silently drops a byte-order mark at the very start.
    start = 1 if text.startswith("\ufeff") else 0
    try:
        result, words, _ = lexer.run(start, "", want_words)
    except _LexFailure as err:
        raise ShellWordError(f"failed to process {_go_quote(text)}: {err.msg}") from None
    except RecursionError:
        # Only reachable with hundreds of nested ${...}; BuildKit has no limit.
        raise ShellWordError(f"failed to process {_go_quote(text)}: nesting too deep") from None
    return result, words


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace(
        "\t", "\\t"
    ) + '"'


def process_words(
    text: str,
    *,
    escape: str = "\\",
    raw_quotes: bool,
    raw_escapes: bool,
    skip_unset_env: bool = True,
    env: dict[str, str] | None = None,
    skip_process_quotes: bool = False,
    pattern_modifiers: bool = True,
) -> list[str]:
    """Split ``text`` into words like BuildKit's ``Lex.ProcessWords``.

    Variables are expanded from ``env`` first; only unquoted text and the
    results of ``$`` expansions are split on whitespace.  Quoted text and
    escaped characters are added verbatim, and an empty word (e.g. ``""``
    without raw quotes) produces no word at all.

    Raises ``ShellWordError`` on malformed input.
    """
    return _process(
        text,
        escape,
        raw_quotes,
        raw_escapes,
        skip_unset_env,
        env,
        skip_process_quotes,
        pattern_modifiers,
        True,
    )[1]


def process_word(
    text: str,
    *,
    escape: str = "\\",
    raw_quotes: bool = False,
    raw_escapes: bool = False,
    skip_unset_env: bool = False,
    env: dict[str, str] | None = None,
    skip_process_quotes: bool = False,
    pattern_modifiers: bool = True,
) -> str:
    """Expand ``text`` like BuildKit's ``Lex.ProcessWord`` (no splitting).

    The defaults match how BuildKit expands instruction arguments: quotes and
    escapes are removed and unset variables expand to the empty string.
    """
    return _process(
        text,
        escape,
        raw_quotes,
        raw_escapes,
        skip_unset_env,
        env,
        skip_process_quotes,
        pattern_modifiers,
        False,
    )[0]


@record(frozen=True)
class HeredocWord:
    """A heredoc opener such as ``<<EOF``, ``<<-"EOF"`` or ``3<<EOF``."""

    name: str
    file_descriptor: int
    chomp: bool
    expand: bool


_HEREDOC_RE = re.compile(r"([0-9]*)<<(-?)([^<]*)")


def parse_heredoc_word(word: str, *, pattern_modifiers: bool = False) -> HeredocWord | None:
    """Interpret ``word`` as a heredoc opener, like BuildKit's ``ParseHeredoc``.

    Returns ``None`` when the word is not a heredoc.  Raises
    ``ShellWordError`` when the terminator part cannot be lexed (BuildKit then
    fails the whole parse).
    """
    m = _HEREDOC_RE.fullmatch(word)
    if m is None:
        return None
    fd_text, dash, rest = m.groups()
    if not rest:
        return None
    plain = _process(rest, "\\", False, False, True, None, False, pattern_modifiers, True)[1]
    if len(plain) != 1:
        return None
    raw = _process(rest, "\\", True, False, True, None, False, pattern_modifiers, True)[1]
    if len(raw) != 1:
        raise ShellWordError(
            f"internal lexing of heredoc produced inconsistent results: {rest}"
        )
    name = plain[0]
    raw_name = raw[0]
    expand = (name.count("'") + name.count('"')) == (raw_name.count("'") + raw_name.count('"'))
    fd_text = fd_text.lstrip("0")
    # Go's ParseUint saturates on overflow (and the error is ignored).
    fd = _UINT64_MAX if len(fd_text) > 20 else min(int(fd_text or "0"), _UINT64_MAX)
    return HeredocWord(name, fd, dash == "-", expand)


def heredocs_from_line(line: str, *, pattern_modifiers: bool = False) -> list[HeredocWord]:
    """Heredoc openers of a logical ``RUN``/``COPY``/``ADD`` line.

    ``line`` is the whole logical line (continuations joined, instruction
    keyword included), as BuildKit's ``heredocsFromLine`` receives it.  A line
    that cannot be lexed has no heredocs; a heredoc word whose terminator
    cannot be lexed raises ``ShellWordError`` (BuildKit reports a parse error).

    ``pattern_modifiers`` defaults to ``False``: BuildKit v0.12 behaviour, as
    in the pinned ``dockerfile`` package.
    """
    if "<<" not in line:
        return []
    try:
        words = _process(line, "\\", True, True, True, None, False, pattern_modifiers, True)[1]
    except ShellWordError:
        return []
    found: list[HeredocWord] = []
    for word in words:
        if "<<" in word:
            doc = parse_heredoc_word(word, pattern_modifiers=pattern_modifiers)
            if doc is not None:
                found.append(doc)
    return found
