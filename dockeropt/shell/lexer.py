"""POSIX ``sh`` token recognition: words, operators, redirections, comments, newlines and
here-document bodies, with offsets into the script. Never raises: errors are data."""

from __future__ import annotations

import re

from dockeropt.record import record
from dockeropt.shell.nodes import (
    _HEREDOC_OPERATORS,
    _METACHARACTERS,
    _NAME_CHARS,
    _OPENING_RESERVED,
    _PLAIN_RUN,
    _SPECIAL_PARAMETERS,
    COMMENT,
    HEREDOC,
    NEWLINE,
    OPERATOR,
    REDIRECT,
    RESERVED,
    RESERVED_WORDS,
    WORD,
    ShellError,
    Token,
    TokenList,
)

# --------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------

# Blanks and line continuations to skip, then what the token is, tried in order: a redirection
# (with its io_number, so before a word), a word without quotes, escapes or expansions (its own
# value) that a metacharacter or the end follows, a control operator (each longest first, so
# that ``&&`` wins over ``&``), a newline, a comment, the end, or (empty) a word ``_read_word``
# reads. ``run`` tells them apart by group number.
_TOKEN = re.compile(r"""
    (?:[ \t]|\\\n)*
    (?:
      (?P<redirect>[0-9]+(?:<<<|<<-|<<|>>|<&|>&|<>|>\||<|>)|<<<|<<-|&>>|<<|>>|<&|>&|<>|>\||&>|<|>)
    | (?P<word>[^ \t\n;&|()<>\\'"$`\#][^ \t\n;&|()<>\\'"$`]*(?=[ \t\n;&|()<>]|\Z))
    | (?P<operator>;;&|&&|\|\||;;|;&|\|&|[;|&()])
    | (?P<newline>\n)
    | (?P<comment>\#[^\n]*)
    | (?P<end>\Z)
    | (?P<other>)
    )
""", re.VERBOSE)
_REDIRECT, _WORD, _OPERATOR, _NEWLINE, _COMMENT, _END, _OTHER = (
    _TOKEN.groupindex[name]
    for name in ("redirect", "word", "operator", "newline", "comment", "end", "other"))

# Characters a double-quoted string takes as they are.
_DOUBLE_QUOTED_RUN = re.compile(r'[^"\\$`]*')


@record(slots=True)
class _PendingHeredoc:
    delimiter: str
    strip_tabs: bool
    quoted: bool
    opener: Token


class _Lexer:
    """Token recognition over ``text`` starting at ``pos``.

    In ``nested`` mode (the inside of ``$(...)``) it stops at the ``)`` that
    closes the substitution and sets ``closed``.
    """

    def __init__(self, text: str, pos: int = 0, nested: bool = False,
                 errors: list[ShellError] | None = None):
        self.text = text
        self.pos = pos
        self.nested = nested
        self.tokens: list[Token] = []
        self.errors: list[ShellError] = [] if errors is None else errors
        self.closed = False
        self._saw_expansion = False

    # -- driver -------------------------------------------------------------

    def run(self) -> _Lexer:
        # The state lives in locals: this loop sees every token of every script.
        text, n, nested = self.text, len(self.text), self.nested
        start = pos = self.pos
        match, append = _TOKEN.match, self.tokens.append
        command_position = True  # a word here may be a reserved word
        function_name_next = False  # after ``function`` the name, then the body's ``{``
        expect_target = False  # the word after a redirection operator is its target
        heredoc_opener: Token | None = None  # the ``<<`` whose delimiter is the target
        pending: list[_PendingHeredoc] = []  # bodies that start after the next newline
        paren_depth = case_depth = 0
        while True:
            m = match(text, pos)
            assert m is not None  # the last alternative matches the empty string
            group = m.lastindex or _OTHER  # never None: every alternative is a group
            if group == _WORD:  # no quote, escape or expansion: the word is its own value
                pos, end = m.span(_WORD)
                raw = value = text[pos:end]
                quoted = expansion = False
            elif group == _OTHER:
                pos = m.end()
                end, value, quoted, expansion = self._read_word(pos)
                raw = text[pos:end]
            else:
                token_start, end = m.span(group)
                if group == _OPERATOR:
                    value = text[token_start:end]
                    if value == ")":
                        if nested and paren_depth == 0 and case_depth == 0:  # closes ``$(``
                            self.pos = token_start
                            self.closed = True
                            break
                        if paren_depth:
                            paren_depth -= 1
                    elif value == "(":
                        paren_depth += 1
                    append(Token(OPERATOR, token_start, end, value, value, False, False))
                    command_position, expect_target = True, False
                elif group == _END:
                    self.pos = end
                    break
                elif group == _REDIRECT:
                    raw = text[token_start:end]
                    value = raw.lstrip("0123456789")  # the io_number is not part of the value
                    token = Token(REDIRECT, token_start, end, raw, value, False, False)
                    append(token)
                    expect_target = True
                    heredoc_opener = token if value in _HEREDOC_OPERATORS else None
                elif group == _NEWLINE:
                    append(Token(NEWLINE, token_start, end, "\n", "\n", False, False))
                    command_position, expect_target = True, False
                    for doc in pending:
                        end = self._read_heredoc_body(doc, end)
                    pending = []
                else:
                    value = text[token_start:end]
                    append(Token(COMMENT, token_start, end, value, value, False, False))
                pos = end
                continue
            if expect_target:
                append(Token(WORD, pos, end, raw, value, quoted, expansion))
                expect_target = False
                if heredoc_opener is not None:
                    pending.append(_PendingHeredoc(
                        value, heredoc_opener.value == "<<-", quoted, heredoc_opener))
                    heredoc_opener = None
            elif command_position and not quoted and value in RESERVED_WORDS:
                append(Token(RESERVED, pos, end, raw, value, quoted, expansion))
                command_position = value in _OPENING_RESERVED
                function_name_next = value == "function"
                if value == "case":
                    case_depth += 1
                elif value == "esac" and case_depth:
                    case_depth -= 1
            else:
                append(Token(WORD, pos, end, raw, value, quoted, expansion))
                command_position = function_name_next
                function_name_next = False
            pos = end
        for doc in pending:
            self._error("unterminated", f"here-document {doc.delimiter!r} has no body",
                        doc.opener.start, doc.opener.end)
        if nested and not self.closed:
            self._error("unterminated", "unterminated $(", max(start - 2, 0), n)
        return self

    def _error(self, kind: str, message: str, start: int, end: int) -> None:
        self.errors.append(ShellError(kind, message, start, end))

    # -- here-documents ------------------------------------------------------

    def _read_heredoc_body(self, doc: _PendingHeredoc, pos: int) -> int:
        """Read the body that starts at ``pos``; return where the text after it starts."""
        text, n = self.text, len(self.text)
        body_start = line_start = pos
        while line_start < n:
            eol = text.find("\n", line_start)
            line_end = n if eol < 0 else eol
            line = text[line_start:line_end]
            if (line.lstrip("\t") if doc.strip_tabs else line) == doc.delimiter:
                body = text[body_start:line_start]
                if doc.strip_tabs:
                    body = "".join(part.lstrip("\t") for part in body.splitlines(keepends=True))
                self.tokens.append(Token(HEREDOC, body_start, line_end, text[body_start:line_end],
                                         body, doc.quoted, False))
                return n if eol < 0 else eol + 1
            line_start = n if eol < 0 else eol + 1
        self._error("unterminated", f"here-document {doc.delimiter!r} is not terminated",
                    doc.opener.start, n)
        self.tokens.append(Token(HEREDOC, body_start, n, text[body_start:n], text[body_start:n],
                                 doc.quoted, False))
        return n

    # -- words ----------------------------------------------------------------

    def _read_word(self, pos: int) -> tuple[int, str, bool, bool]:
        """The end, value, ``quoted`` and ``expansion`` of a word with quotes, escapes or
        expansions (``_TOKEN`` reads the others)."""
        text, n = self.text, len(self.text)
        parts: list[str] = []
        quoted = False
        self._saw_expansion = False
        while pos < n and text[pos] not in _METACHARACTERS:
            c = text[pos]
            if c == "\\":
                if pos + 1 >= n:
                    self._error("unterminated", "backslash at end of script", pos, n)
                    parts.append("\\")
                    pos += 1
                elif text[pos + 1] == "\n":
                    pos += 2
                else:
                    parts.append(text[pos + 1])
                    quoted = True
                    pos += 2
            elif c == "'":
                pos = self._read_single_quoted(pos, parts)
                quoted = True
            elif c == '"':
                pos = self._read_double_quoted(pos, parts)
                quoted = True
            elif c in "$`":
                end = self._skip_expansion(pos, in_double_quotes=False)
                parts.append(text[pos:end])
                pos = end
            else:
                plain = _PLAIN_RUN.match(text, pos)
                assert plain is not None  # the character at pos starts a plain run
                end = plain.end()
                parts.append(text[pos:end])
                pos = end
        return pos, "".join(parts), quoted, self._saw_expansion

    def _read_single_quoted(self, pos: int, parts: list[str]) -> int:
        end = self.text.find("'", pos + 1)
        if end < 0:
            self._error("unterminated", "unterminated single quote", pos, len(self.text))
            parts.append(self.text[pos + 1:])
            return len(self.text)
        parts.append(self.text[pos + 1:end])
        return end + 1

    def _read_double_quoted(self, pos: int, parts: list[str]) -> int:
        text, n = self.text, len(self.text)
        j = pos + 1
        while j < n:
            c = text[j]
            if c == '"':
                return j + 1
            if c == "\\" and j + 1 < n and text[j + 1] in '$`"\\\n':
                if text[j + 1] != "\n":
                    parts.append(text[j + 1])
                j += 2
            elif c in "$`":
                end = self._skip_expansion(j, in_double_quotes=True)
                parts.append(text[j:end])
                j = end
            else:  # this character (a backslash that escapes nothing) and the plain ones after it
                run = _DOUBLE_QUOTED_RUN.match(text, j + 1)
                assert run is not None  # it matches the empty string
                end = run.end()
                parts.append(text[j:end])
                j = end
        self._error("unterminated", "unterminated double quote", pos, n)
        return n

    # -- substitutions (kept verbatim inside the word) ------------------------

    def _skip_expansion(self, pos: int, in_double_quotes: bool) -> int:
        """Return the end of the expansion starting at ``pos`` (``$`` or backquote)."""
        text = self.text
        if text[pos] == "`":
            self._saw_expansion = True
            return self._skip_backquoted(pos)
        following = text[pos + 1] if pos + 1 < len(text) else ""
        if text.startswith("$((", pos):
            self._saw_expansion = True
            return self._skip_arithmetic(pos)
        if following == "(":
            self._saw_expansion = True
            return self._skip_command_substitution(pos)
        if following == "{":
            self._saw_expansion = True
            return self._skip_braced_parameter(pos, in_double_quotes)
        if following and (following in _NAME_CHARS or following in _SPECIAL_PARAMETERS):
            self._saw_expansion = True
        return pos + 1

    def _skip_backquoted(self, pos: int) -> int:
        text, n = self.text, len(self.text)
        j = pos + 1
        while j < n:
            if text[j] == "\\":
                j += 2
            elif text[j] == "`":
                return j + 1
            else:
                j += 1
        self._error("unterminated", "unterminated backquote", pos, n)
        return n

    def _skip_arithmetic(self, pos: int) -> int:
        text, n = self.text, len(self.text)
        depth = 0
        for j in range(pos + 1, n):
            if text[j] == "(":
                depth += 1
            elif text[j] == ")":
                depth -= 1
                if depth == 0:
                    return j + 1
        self._error("unterminated", "unterminated $((", pos, n)
        return n

    def _skip_command_substitution(self, pos: int) -> int:
        inner = _Lexer(self.text, pos + 2, nested=True, errors=self.errors).run()
        return inner.pos + 1 if inner.closed else len(self.text)

    def _skip_braced_parameter(self, pos: int, in_double_quotes: bool) -> int:
        text, n = self.text, len(self.text)
        j = pos + 2
        while j < n:
            c = text[j]
            if c == "\\":
                j += 2
            elif c == "}":
                return j + 1
            elif c == "'" and not in_double_quotes:
                end = text.find("'", j + 1)
                j = n if end < 0 else end + 1
            elif c == '"':
                j = self._read_double_quoted(j, [])
            elif c in "$`":
                j = self._skip_expansion(j, in_double_quotes)
            else:
                j += 1
        self._error("unterminated", "unterminated ${", pos, n)
        return n


def tokenize(script: str) -> TokenList:
    """Split ``script`` into POSIX ``sh`` tokens with exact offsets.

    Returns a ``TokenList`` (a ``list[Token]``) whose ``ok``/``errors`` say
    whether everything could be read: an unterminated quote, substitution or
    here-document, or a backslash at the very end, is recorded as an error
    while the rest is still tokenized on a best-effort basis.  Quotes, ``\\``
    escapes, ``$(...)``, ``$((...))``, ``${...}`` and backquotes (nested at
    will) stay inside their word; ``#`` starts a comment only at the start of a
    word; a here-document body becomes one ``heredoc`` token placed after the
    newline that ends the line of its ``<<`` operator.  Never raises.
    """
    script = "" if script is None else str(script)
    lexer = _Lexer(script)
    try:
        lexer.run()
    except RecursionError:
        return TokenList(lexer.tokens, [*lexer.errors, ShellError(
            "syntax", "substitutions nested too deeply", 0, len(script))])
    return TokenList(lexer.tokens, lexer.errors)
