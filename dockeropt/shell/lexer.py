"""POSIX ``sh`` token recognition: words, operators, redirections, comments, newlines and
here-document bodies, with offsets into the script. Never raises: errors are data."""

from __future__ import annotations

from dockeropt.record import record
from dockeropt.shell.nodes import (
    _DIGITS,
    _HEREDOC_OPERATORS,
    _METACHARACTERS,
    _NAME_CHARS,
    _OPENING_RESERVED,
    _OPERATOR_STARTS,
    _OPERATORS_BY_FIRST,
    _PLAIN_RUN,
    _REDIRECT_OPERATORS,
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
        self._command_position = True
        self._expect_target = False
        self._heredoc_opener: Token | None = None
        self._pending: list[_PendingHeredoc] = []
        self._paren_depth = 0
        self._case_depth = 0
        self._function_name_next = False
        self._saw_expansion = False

    # -- driver -------------------------------------------------------------

    def run(self) -> "_Lexer":
        text, n = self.text, len(self.text)
        start = self.pos
        while self.pos < n:
            c = text[self.pos]
            if c in " \t":
                self.pos += 1
            elif c == "\\" and text.startswith("\\\n", self.pos):
                self.pos += 2
            elif c == "\n":
                self._emit(NEWLINE, self.pos, self.pos + 1, "\n")
                self.pos += 1
                self._read_heredoc_bodies()
            elif c == "#":
                self._read_comment()
            elif c == ")" and self._closes_substitution():
                self.closed = True
                break
            elif c not in _OPERATOR_STARTS or not self._read_operator():
                self._read_word()
        for pending in self._pending:
            self._error("unterminated", f"here-document {pending.delimiter!r} has no body",
                        pending.opener.start, pending.opener.end)
        if self.nested and not self.closed:
            self._error("unterminated", "unterminated $(", max(start - 2, 0), n)
        return self

    def _closes_substitution(self) -> bool:
        return self.nested and self._paren_depth == 0 and self._case_depth == 0

    def _error(self, kind: str, message: str, start: int, end: int) -> None:
        self.errors.append(ShellError(kind, message, start, end))

    # -- emitting ------------------------------------------------------------

    def _emit(self, kind: str, start: int, end: int, value: str,
              quoted: bool = False, expansion: bool = False) -> Token:
        if kind == WORD and not self._expect_target and not quoted \
                and self._command_position and value in RESERVED_WORDS:
            kind = RESERVED
        token = Token(kind, start, end, self.text[start:end], value, quoted, expansion)
        self.tokens.append(token)
        self._update_state(token)
        return token

    def _update_state(self, token: Token) -> None:
        kind, value = token.kind, token.value
        if kind == WORD and self._expect_target:
            self._expect_target = False
            if self._heredoc_opener is not None:
                self._pending.append(_PendingHeredoc(
                    value, self._heredoc_opener.value == "<<-", token.quoted,
                    self._heredoc_opener))
                self._heredoc_opener = None
        elif kind == WORD:
            # after ``function NAME`` the body's ``{`` is in command position
            self._command_position = self._function_name_next
            self._function_name_next = False
        elif kind == RESERVED:
            self._command_position = value in _OPENING_RESERVED
            self._function_name_next = value == "function"
            if value == "case":
                self._case_depth += 1
            elif value == "esac" and self._case_depth:
                self._case_depth -= 1
        elif kind in (OPERATOR, NEWLINE):
            self._command_position = True
            self._expect_target = False
            if value == "(":
                self._paren_depth += 1
            elif value == ")" and self._paren_depth:
                self._paren_depth -= 1
        elif kind == REDIRECT:
            self._expect_target = True
            self._heredoc_opener = token if value in _HEREDOC_OPERATORS else None

    # -- comments, operators, here-documents --------------------------------

    def _read_comment(self) -> None:
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end
        self._emit(COMMENT, self.pos, end, self.text[self.pos:end])
        self.pos = end

    def _match_operator(self, pos: int) -> str | None:
        for op in _OPERATORS_BY_FIRST.get(self.text[pos:pos + 1], ()):
            if self.text.startswith(op, pos):
                return op
        return None

    def _read_operator(self) -> bool:
        pos = self.pos
        end = pos
        while end < len(self.text) and self.text[end] in _DIGITS:
            end += 1
        if end > pos:  # io_number: digits immediately followed by < or >
            op = self._match_operator(end)
            if op is None or op[0] not in "<>":
                return False
        else:
            op = self._match_operator(pos)
            if op is None:
                return False
        kind = REDIRECT if op in _REDIRECT_OPERATORS else OPERATOR
        self._emit(kind, pos, end + len(op), op)
        self.pos = end + len(op)
        return True

    def _read_heredoc_bodies(self) -> None:
        pending, self._pending = self._pending, []
        for doc in pending:
            self._read_heredoc_body(doc)

    def _read_heredoc_body(self, doc: _PendingHeredoc) -> None:
        text, n = self.text, len(self.text)
        body_start = line_start = self.pos
        while line_start < n:
            eol = text.find("\n", line_start)
            line_end = n if eol < 0 else eol
            line = text[line_start:line_end]
            if (line.lstrip("\t") if doc.strip_tabs else line) == doc.delimiter:
                body = text[body_start:line_start]
                if doc.strip_tabs:
                    body = "".join(part.lstrip("\t") for part in body.splitlines(keepends=True))
                self._emit(HEREDOC, body_start, line_end, body, quoted=doc.quoted)
                self.pos = n if eol < 0 else eol + 1
                return
            line_start = n if eol < 0 else eol + 1
        self._error("unterminated", f"here-document {doc.delimiter!r} is not terminated",
                    doc.opener.start, n)
        self._emit(HEREDOC, body_start, n, text[body_start:n], quoted=doc.quoted)
        self.pos = n

    # -- words ----------------------------------------------------------------

    def _read_word(self) -> None:
        text, n = self.text, len(self.text)
        start = pos = self.pos
        plain = _PLAIN_RUN.match(text, pos)
        if plain is not None and (plain.end() == n or text[plain.end()] in _METACHARACTERS):
            # most words have no quote, escape or expansion: the word is its own value
            self.pos = plain.end()
            self._emit(WORD, start, self.pos, plain.group())
            return
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
        self.pos = pos
        self._emit(WORD, start, pos, "".join(parts), quoted, self._saw_expansion)

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
            else:
                parts.append(c)
                j += 1
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
