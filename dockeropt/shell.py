"""What the optimizer needs to know about the shell text of a ``RUN``.

The input is the shell-form command of a ``RUN`` exactly as Docker hands it to
``/bin/sh -c`` (Dockerfile line continuations already joined).  Nothing here
executes or expands anything: the module reads the text the way a POSIX shell
would and answers questions about it, always with offsets into the input so
that transforms can build precise edits.

Layers
------
``tokenize``   POSIX ``sh`` token recognition (words, operators, redirections,
               comments, newlines, here-document bodies).  Never raises: the
               result carries ``ok``/``errors``.
``parse``      a recursive-descent reading of the POSIX grammar (``list``,
               ``and_or``, ``pipeline``, ``command``) into a flat list of
               ``SimpleCommand`` plus the ``Command`` nodes (simple, compound,
               function definition) that contain them.
queries        ``shell_state_changes``, ``trailing_comment``,
               ``ends_with_operator``, ``is_simple_chain``, ``command_count``,
               ``find_commands``/``invocation``/``has_flag``,
               ``dependency_installs``, ``split_chain``,
               ``package_manager_commands``.

Every query accepts either the script text or an already parsed ``Script``.

Dialect: POSIX ``sh`` as implemented by dash (Debian/Ubuntu ``/bin/sh``),
busybox ash (Alpine) and bash (RHEL family).  A few bash-isms are recognised
where that makes the answers more conservative (``function f``, ``&>``,
``((...))``, ``for ((...))``).  Text the module cannot read makes ``ok`` false;
callers are expected to leave such scripts alone.
"""

from __future__ import annotations

import re

from dockeropt.record import record, replace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "WORD", "RESERVED", "OPERATOR", "REDIRECT", "NEWLINE", "COMMENT", "HEREDOC",
    "ShellError", "Token", "TokenList", "Redirection", "SimpleCommand", "Command",
    "Script", "StateChange", "Option", "Invocation", "DependencyInstall",
    "tokenize", "parse", "shell_state_changes", "trailing_comment",
    "ends_with_operator", "is_simple_chain", "command_count", "find_commands",
    "invocation", "has_flag", "dependency_installs", "split_chain",
    "package_manager_commands",
]

# --------------------------------------------------------------------------
# Token kinds
# --------------------------------------------------------------------------

WORD = "word"            #: an ordinary word (argument, command name, assignment)
RESERVED = "reserved"    #: a reserved word in command position (``if``, ``{``, ...)
OPERATOR = "operator"    #: a control operator: ``&& || ; ;; | & ( )`` ...
REDIRECT = "redirect"    #: a redirection operator, with its io-number (``2>&``)
NEWLINE = "newline"      #: a newline that separates commands
COMMENT = "comment"      #: ``# ...`` up to (not including) the end of line
HEREDOC = "heredoc"      #: a here-document body plus its delimiter line

#: Words that are reserved when they appear unquoted in command position.
RESERVED_WORDS = frozenset({
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac",
    "while", "until", "for", "select", "function", "{", "}", "!",
})
# After these reserved words the next word is again in command position.
_OPENING_RESERVED = frozenset({"if", "then", "else", "elif", "do", "while", "until", "{", "!"})

# Operators, longest first so that ``&&`` wins over ``&``.
_OPERATORS = (
    ";;&", "<<<", "<<-", "&>>",
    "&&", "||", ";;", ";&", "|&", "<<", ">>", "<&", ">&", "<>", ">|", "&>",
    ";", "|", "&", "(", ")", "<", ">",
)
# The operators each first character can start, in the order above.
_OPERATORS_BY_FIRST = {c: tuple(op for op in _OPERATORS if op[0] == c) for c in {op[0] for op in _OPERATORS}}
# Where an operator may start: its first character, or the digits of an io_number (``2>``).
_OPERATOR_STARTS = frozenset(_OPERATORS_BY_FIRST) | frozenset("0123456789")
_REDIRECT_OPERATORS = frozenset({
    "<<<", "<<-", "&>>", "<<", ">>", "<&", ">&", "<>", ">|", "&>", "<", ">",
})
_HEREDOC_OPERATORS = frozenset({"<<", "<<-"})
_METACHARACTERS = frozenset(" \t\n;&|()<>")
# Characters a word takes as they are: no metacharacter, quote, escape or expansion.
_PLAIN_RUN = re.compile(r"[^ \t\n;&|()<>\\'\"$`]+")
_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | _DIGITS
_SPECIAL_PARAMETERS = frozenset("@*#?-$!")


# --------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------

@record(frozen=True, slots=True)
class ShellError:
    """Something the tokenizer or parser could not read.

    ``kind`` is ``"unterminated"`` (the text stops inside a quote, a
    substitution, a here-document, a compound command or after ``&&``/``|``
    ...) or ``"syntax"`` (a token that cannot appear where it does).
    """

    kind: str
    message: str
    start: int
    end: int


@record(frozen=True, slots=True)
class Token:
    """One token; ``script[start:end] == text``.

    ``value`` is the word after quote removal (substitutions are kept verbatim,
    nothing is expanded); for operators and redirections it is the operator
    itself (``"2>&"`` has value ``">&"``); for comments and here-documents it is
    the comment text / the body.  ``quoted`` is true when any part of a word was
    quoted or escaped (for a here-document: when its delimiter was quoted, so
    the body is not expanded).  ``expansion`` is true when the word contains a
    parameter, command or arithmetic substitution outside single quotes.
    """

    kind: str
    start: int
    end: int
    text: str
    value: str
    quoted: bool = False
    expansion: bool = False


class TokenList(list):
    """The list of tokens returned by ``tokenize`` plus what went wrong.

    Behaves as a plain ``list[Token]``; ``errors`` holds the ``ShellError``s and
    ``ok`` is true when there are none.
    """

    def __init__(self, tokens: Iterable[Token] = (), errors: Iterable[ShellError] = ()):
        super().__init__(tokens)
        self.errors: tuple[ShellError, ...] = tuple(errors)

    @property
    def ok(self) -> bool:
        return not self.errors


@record(frozen=True, slots=True)
class Redirection:
    """An ``io_redirect``: ``fd`` (or None), operator, target word.

    For ``<<``/``<<-`` the ``target`` is the delimiter word and ``heredoc`` the
    body token (which lies *after* the command in the text).
    """

    op: str
    fd: int | None
    target: Token | None
    start: int
    end: int
    heredoc: Token | None = None


@record(frozen=True, slots=True)
class SimpleCommand:
    """A POSIX ``simple_command`` with its position and surroundings.

    ``assignments`` is the ``cmd_prefix`` (``FOO=1`` words before the command
    name), ``words`` the argv tokens, ``redirections`` every ``io_redirect``.
    ``connector`` is the operator that follows it at its own nesting level
    (``"&&"``, ``"||"``, ``";"``, ``"|"``, ``"&"``, ``"\\n"``) or None.
    ``context`` lists the enclosing constructs from the outside in, e.g.
    ``("subshell",)`` or ``("if", "brace")``; ``index`` is the position in
    ``Script.commands``.
    """

    index: int
    start: int
    end: int
    text: str
    assignments: tuple[Token, ...]
    words: tuple[Token, ...]
    redirections: tuple[Redirection, ...]
    connector: str | None = None
    context: tuple[str, ...] = ()
    negated: bool = False

    @property
    def argv(self) -> tuple[str, ...]:
        """The words after quote removal."""
        return tuple(w.value for w in self.words)

    @property
    def name(self) -> str | None:
        """``argv[0]`` as written (no wrapper unwrapping), or None."""
        return self.words[0].value if self.words else None

    @property
    def nested(self) -> bool:
        """True inside a subshell, brace group, compound command or function."""
        return bool(self.context)


@record(frozen=True, slots=True)
class Command:
    """A POSIX ``command``: a simple command, a compound command or a function.

    ``kind`` is one of ``simple``, ``subshell``, ``brace``, ``if``, ``for``,
    ``select``, ``while``, ``until``, ``case``, ``function``, ``arith`` (bash
    ``((...))``).  ``commands`` holds the indices of the ``SimpleCommand``s it
    contains; ``name`` is the function name or the loop variable.
    """

    kind: str
    start: int
    end: int
    context: tuple[str, ...]
    commands: tuple[int, ...] = ()
    connector: str | None = None
    negated: bool = False
    name: str | None = None


@record(frozen=True, slots=True)
class Script:
    """The parsed script.

    ``commands``: every simple command in text order, at any depth.
    ``items``: the top-level ``Command``s (the and-or lists' elements).
    ``compounds``: every non-simple ``Command`` at any depth.
    """

    text: str
    tokens: tuple[Token, ...]
    commands: tuple[SimpleCommand, ...]
    items: tuple[Command, ...]
    compounds: tuple[Command, ...]
    errors: tuple[ShellError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


@record(frozen=True, slots=True)
class StateChange:
    """Why text appended after the script would not run as if alone.

    ``kind``: ``builtin`` (cd, export, set, ...), ``assignment``,
    ``expansion`` (``${x:=v}``, ``$((x=1))``), ``function``, ``background``,
    ``dynamic-command`` (command name comes from an expansion), ``arithmetic``,
    ``unterminated``/``syntax`` (unreadable text), ``trailing-comment``,
    ``trailing-separator``, ``trailing-heredoc``.
    """

    kind: str
    reason: str
    start: int
    end: int
    command_index: int | None = None


@record(frozen=True, slots=True)
class Option:
    """One option of an invocation.

    ``name`` is the option as written up to ``=`` (``--opt``, ``-qy``, ``-r``),
    ``shorts`` the single-letter flags a short cluster stands for
    (``-qy`` -> ``("-q", "-y")``), ``value`` its argument if it takes one
    (``--opt=v``, ``--opt v``, ``-rfile``, ``-r file``); ``text`` is the option
    word after quote removal and ``start``/``end`` cover the option and its value.
    """

    name: str
    text: str
    value: str | None
    shorts: tuple[str, ...]
    start: int
    end: int

    def matches(self, spelling: str) -> bool:
        """True when ``spelling`` (``-y``, ``--yes``) names this option."""
        return spelling == self.name or spelling in self.shorts


@record(frozen=True, slots=True)
class Invocation:
    """A simple command read as ``tool [options] subcommand [operands]``.

    ``tool`` is the canonical program name after unwrapping ``wrappers``
    (``sudo``, ``env``, ...), taking the basename and folding ``pip3``/
    ``pip3.11``/``python -m pip`` to ``pip``.  ``subcommand`` is the first
    non-option word after the tool; ``operands`` the other non-option words.
    """

    command: SimpleCommand
    tool: str
    program: Token
    wrappers: tuple[str, ...]
    subcommand: str | None
    options: tuple[Option, ...]
    operands: tuple[str, ...]
    operand_tokens: tuple[Token, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        """The option words as written, in order (``-y``, ``--opt=v``, ``-o``)."""
        return tuple(o.text for o in self.options)

    @property
    def start(self) -> int:
        return self.command.start

    @property
    def end(self) -> int:
        return self.command.end

    def has_flag(self, *spellings: str) -> bool:
        """True when any option matches one of ``spellings``."""
        return self.option(*spellings) is not None

    def option(self, *spellings: str) -> Option | None:
        """The first option matching one of ``spellings``, or None."""
        for opt in self.options:
            if any(opt.matches(s) for s in spellings):
                return opt
        return None

    def values(self, *spellings: str) -> tuple[str, ...]:
        """The values of every option matching ``spellings`` (``-r a -r b``)."""
        return tuple(
            o.value for o in self.options
            if o.value is not None and any(o.matches(s) for s in spellings)
        )


@record(frozen=True, slots=True)
class DependencyInstall:
    """A command that installs dependencies (see ``dependency_installs``).

    ``manifests``: the files/dirs/globs the install reads (relative to the
    working directory; ``--prefix``-like options are applied).  ``config_files``:
    further files read when present (``.npmrc``, ``NuGet.config`` ...).
    ``from_manifests`` is false when the command installs explicitly named
    packages instead.  ``needs_sources`` is true when it also needs the rest
    of the source tree; ``reason`` says why (or why not).  ``caveats`` lists
    known ways the manifests alone may not be enough.
    """

    ecosystem: str
    tool: str
    subcommand: str | None
    start: int
    end: int
    command_index: int
    manifests: tuple[str, ...]
    config_files: tuple[str, ...]
    from_manifests: bool
    needs_sources: bool
    reason: str
    caveats: tuple[str, ...] = ()


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
                end = _PLAIN_RUN.match(text, pos).end()
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


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------

def _is_assignment_word(token: Token) -> bool:
    """``NAME=...`` (or bash ``NAME+=...``) with an unquoted valid name."""
    if token.kind != WORD:
        return False
    text = token.text
    eq = text.find("=")
    if eq <= 0:
        return False
    name = text[:eq - 1] if text[eq - 1] == "+" else text[:eq]
    return bool(name) and name[0] in _NAME_START and all(c in _NAME_CHARS for c in name)


class _Parser:
    """Recursive descent over the POSIX grammar; records instead of raising."""

    _CLOSERS = frozenset({"then", "else", "elif", "fi", "do", "done", "esac", "}"})

    def __init__(self, text: str, tokens: TokenList):
        self.text = text
        self.all_tokens = tokens
        self.toks = [t for t in tokens if t.kind not in (COMMENT, HEREDOC)]
        self.heredocs = [t for t in tokens if t.kind == HEREDOC]
        self.i = 0
        self.errors: list[ShellError] = list(tokens.errors)
        self.commands: list[SimpleCommand] = []
        self.nodes: list[Command] = []
        self.context: list[str] = []
        self._heredoc_index = 0

    # -- helpers ----------------------------------------------------------------

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    @staticmethod
    def is_op(token: Token | None, *values: str) -> bool:
        return token is not None and token.kind == OPERATOR and token.value in values

    @staticmethod
    def is_reserved(token: Token | None, *values: str) -> bool:
        return token is not None and token.kind == RESERVED and token.value in values

    def advance(self) -> Token:
        token = self.toks[self.i]
        self.i += 1
        return token

    def last_end(self) -> int:
        return self.toks[self.i - 1].end if self.i else 0

    def skip_newlines(self) -> None:
        while self.peek() is not None and self.peek().kind == NEWLINE:
            self.i += 1

    def error(self, kind: str, message: str, token: Token | None) -> None:
        if token is None:
            self.errors.append(ShellError(kind, message, len(self.text), len(self.text)))
        else:
            self.errors.append(ShellError(kind, message, token.start, token.end))

    def expect_reserved(self, value: str, opener: str) -> bool:
        token = self.peek()
        if self.is_reserved(token, value) or (token is not None and token.kind == WORD
                                              and not token.quoted and token.value == value):
            self.i += 1
            return True
        if token is None:
            self.error("unterminated", f"{opener!r} without {value!r}", None)
        else:
            self.error("syntax", f"expected {value!r}, found {token.text!r}", token)
        return False

    def set_connector(self, node_index: int | None, op: str) -> None:
        if node_index is None:
            return
        # every field written out: ``replace`` took a tenth of the parse
        n = self.nodes[node_index]
        self.nodes[node_index] = Command(n.kind, n.start, n.end, n.context, n.commands, op, n.negated, n.name)
        if n.kind == "simple":
            cmd_index = n.commands[0]
            c = self.commands[cmd_index]
            self.commands[cmd_index] = SimpleCommand(
                c.index, c.start, c.end, c.text, c.assignments, c.words, c.redirections, op, c.context, c.negated)

    # -- grammar --------------------------------------------------------------------

    def parse(self) -> Script:
        self.parse_list((), ())
        while self.peek() is not None:  # stray closers at top level
            token = self.advance()
            self.error("syntax", f"unexpected {token.text!r}", token)
            self.parse_list((), ())
        nodes = tuple(self.nodes)
        return Script(
            text=self.text,
            tokens=tuple(self.all_tokens),
            commands=tuple(self.commands),
            items=tuple(n for n in nodes if not n.context),
            compounds=tuple(n for n in nodes if n.kind != "simple"),
            errors=tuple(self.errors),
        )

    def parse_list(self, stop_reserved: tuple[str, ...], stop_ops: tuple[str, ...]) -> None:
        """``list``/``compound_list``: and-or lists separated by ``;``, ``&``, newline."""
        while True:
            self.skip_newlines()
            token = self.peek()
            if token is None or self.is_reserved(token, *stop_reserved) \
                    or self.is_op(token, *stop_ops):
                return
            if (token.kind == OPERATOR and token.value != "(") or \
                    (token.kind == RESERVED and token.value in self._CLOSERS):
                if self.context:  # let the enclosing construct report it
                    return
                self.advance()
                self.error("syntax", f"unexpected {token.text!r}", token)
                continue
            last = self.parse_and_or()
            token = self.peek()
            if self.is_op(token, ";", "&"):
                self.set_connector(last, token.value)
                self.advance()
            elif token is not None and token.kind == NEWLINE:
                self.set_connector(last, "\n")
                self.advance()
            elif last is None:
                return

    def parse_and_or(self) -> int | None:
        last = self.parse_pipeline()
        while last is not None and self.is_op(self.peek(), "&&", "||"):
            op = self.advance()
            self.set_connector(last, op.value)
            self.skip_newlines()
            last = self.parse_pipeline()
            if last is None:
                self._missing_command(op)
        return last

    def parse_pipeline(self) -> int | None:
        negated = False
        if self.is_reserved(self.peek(), "!"):
            self.advance()
            negated = True
        last = self.parse_command(negated)
        while last is not None and self.is_op(self.peek(), "|", "|&"):
            op = self.advance()
            self.set_connector(last, "|")
            self.skip_newlines()
            last = self.parse_command(False)
            if last is None:
                self._missing_command(op)
        return last

    def _missing_command(self, op: Token) -> None:
        token = self.peek()
        if token is None:
            self.error("unterminated", f"nothing after {op.value!r}", op)
        else:
            self.error("syntax", f"expected a command after {op.value!r}", token)

    def parse_command(self, negated: bool) -> int | None:
        token = self.peek()
        if token is None:
            return None
        if token.kind == RESERVED:
            handler = {
                "{": self.parse_brace_group, "if": self.parse_if,
                "while": self.parse_loop, "until": self.parse_loop,
                "for": self.parse_for, "select": self.parse_for,
                "case": self.parse_case, "function": self.parse_function_keyword,
            }.get(token.value)
            return handler(negated) if handler else None
        if self.is_op(token, "("):
            following = self.peek(1)
            if self.is_op(following, "(") and following.start == token.end:
                return self.parse_arith(negated)
            return self.parse_subshell(negated)
        if token.kind == OPERATOR or token.kind == NEWLINE:
            return None
        if token.kind == WORD and not _is_assignment_word(token) \
                and self.is_op(self.peek(1), "(") and self.is_op(self.peek(2), ")"):
            return self.parse_function_definition(negated)
        return self.parse_simple_command(negated)

    # -- compound commands ---------------------------------------------------------

    def open_node(self, kind: str, start: int, negated: bool, name: str | None = None) -> int:
        self.nodes.append(Command(kind, start, start, tuple(self.context),
                                  negated=negated, name=name))
        self.context.append(kind)
        return len(self.nodes) - 1

    def close_node(self, index: int, first_command: int) -> int:
        self.context.pop()
        self.parse_redirect_list()
        self.nodes[index] = replace(
            self.nodes[index], end=self.last_end(),
            commands=tuple(range(first_command, len(self.commands))))
        return index

    def parse_redirect_list(self) -> list[Redirection]:
        found = []
        while self.peek() is not None and self.peek().kind == REDIRECT:
            found.append(self.parse_redirection())
        return found

    def parse_brace_group(self, negated: bool) -> int:
        opener = self.advance()
        node, first = self.open_node("brace", opener.start, negated), len(self.commands)
        self.parse_list(("}",), ())
        self.expect_reserved("}", "{")
        return self.close_node(node, first)

    def parse_subshell(self, negated: bool) -> int:
        opener = self.advance()
        node, first = self.open_node("subshell", opener.start, negated), len(self.commands)
        self.parse_list((), (")",))
        if self.is_op(self.peek(), ")"):
            self.advance()
        else:
            self.error("unterminated" if self.peek() is None else "syntax",
                       "'(' without ')'", opener)
        return self.close_node(node, first)

    def parse_arith(self, negated: bool) -> int:
        """bash ``(( expression ))``: skipped as one opaque command."""
        opener = self.peek()
        node, first = self.open_node("arith", opener.start, negated), len(self.commands)
        depth = 0
        while self.peek() is not None:
            token = self.advance()
            if self.is_op(token, "("):
                depth += 1
            elif self.is_op(token, ")"):
                depth -= 1
                if depth == 0:
                    break
        if depth:
            self.error("unterminated", "'((' without '))'", opener)
        return self.close_node(node, first)

    def parse_if(self, negated: bool) -> int:
        opener = self.advance()
        node, first = self.open_node("if", opener.start, negated), len(self.commands)
        self.parse_list(("then",), ())
        if self.expect_reserved("then", "if"):
            self.parse_list(("elif", "else", "fi"), ())
            while self.is_reserved(self.peek(), "elif"):
                self.advance()
                self.parse_list(("then",), ())
                if not self.expect_reserved("then", "elif"):
                    break
                self.parse_list(("elif", "else", "fi"), ())
            if self.is_reserved(self.peek(), "else"):
                self.advance()
                self.parse_list(("fi",), ())
            self.expect_reserved("fi", "if")
        return self.close_node(node, first)

    def parse_loop(self, negated: bool) -> int:
        opener = self.advance()
        node, first = self.open_node(opener.value, opener.start, negated), len(self.commands)
        self.parse_list(("do",), ())
        self.parse_do_group(opener.value)
        return self.close_node(node, first)

    def parse_do_group(self, opener: str) -> None:
        if self.expect_reserved("do", opener):
            self.parse_list(("done",), ())
            self.expect_reserved("done", "do")

    def parse_for(self, negated: bool) -> int:
        opener = self.advance()
        name_token = self.peek()
        name = None
        if self.is_op(name_token, "("):  # bash: for (( init; test; step ))
            while self.peek() is not None and not self.is_reserved(self.peek(), "do"):
                self.advance()
        elif name_token is not None and name_token.kind in (WORD, RESERVED):
            name = name_token.value
            self.advance()
        else:
            self.error("syntax" if name_token else "unterminated",
                       f"{opener.value!r} without a variable name", name_token or opener)
        node, first = self.open_node(opener.value, opener.start, negated, name), len(self.commands)
        self.skip_newlines()
        token = self.peek()
        if token is not None and token.kind == WORD and token.value == "in":
            self.advance()
            while self.peek() is not None and self.peek().kind in (WORD, RESERVED):
                self.advance()
        if self.is_op(self.peek(), ";"):
            self.advance()
        self.skip_newlines()
        self.parse_do_group(opener.value)
        return self.close_node(node, first)

    def parse_case(self, negated: bool) -> int:
        opener = self.advance()
        node, first = self.open_node("case", opener.start, negated), len(self.commands)
        if self.peek() is not None and self.peek().kind in (WORD, RESERVED):
            self.advance()
        self.skip_newlines()
        if self.expect_reserved("in", "case"):
            self.parse_case_items()
        return self.close_node(node, first)

    def parse_case_items(self) -> None:
        while True:
            self.skip_newlines()
            token = self.peek()
            if token is None:
                self.error("unterminated", "'case' without 'esac'", None)
                return
            if token.kind in (WORD, RESERVED) and token.value == "esac" and not token.quoted:
                self.advance()
                return
            if self.is_op(token, "("):
                self.advance()
            while self.peek() is not None and not self.is_op(self.peek(), ")"):
                if self.peek().kind == NEWLINE:
                    break
                self.advance()  # pattern words and '|'
            if not self.is_op(self.peek(), ")"):
                self.error("unterminated" if self.peek() is None else "syntax",
                           "case pattern without ')'", self.peek() or token)
                return
            self.advance()
            self.parse_list(("esac",), (";;", ";&", ";;&"))
            if self.is_op(self.peek(), ";;", ";&", ";;&"):
                self.advance()

    def parse_function_definition(self, negated: bool) -> int | None:
        name = self.advance()
        self.advance()  # (
        self.advance()  # )
        return self.parse_function_body(name.start, name.value, negated)

    def parse_function_keyword(self, negated: bool) -> int | None:
        opener = self.advance()
        token = self.peek()
        if token is None or token.kind not in (WORD, RESERVED):
            self.error("unterminated" if token is None else "syntax",
                       "'function' without a name", token or opener)
            return None
        self.advance()
        if self.is_op(self.peek(), "(") and self.is_op(self.peek(1), ")"):
            self.i += 2
        return self.parse_function_body(opener.start, token.value, negated)

    def parse_function_body(self, start: int, name: str, negated: bool) -> int:
        node, first = self.open_node("function", start, negated, name), len(self.commands)
        self.skip_newlines()
        token = self.peek()
        body = self.parse_command(False) if token is not None and (
            token.kind == RESERVED or self.is_op(token, "(")) else None
        if body is None:
            self.error("unterminated" if token is None else "syntax",
                       f"function {name!r} without a body", token)
        return self.close_node(node, first)

    # -- simple commands -------------------------------------------------------------

    def parse_redirection(self) -> Redirection:
        op = self.advance()
        fd_text = op.text[:len(op.text) - len(op.value)]
        fd = int(fd_text) if fd_text else None
        target = self.peek()
        if target is not None and target.kind in (WORD, RESERVED):
            self.advance()
        else:
            self.error("unterminated" if target is None else "syntax",
                       f"{op.text!r} without a target", op)
            target = None
        heredoc = None
        if op.value in _HEREDOC_OPERATORS and self._heredoc_index < len(self.heredocs):
            heredoc = self.heredocs[self._heredoc_index]
            self._heredoc_index += 1
        end = target.end if target is not None else op.end
        return Redirection(op.value, fd, target, op.start, end, heredoc)

    def parse_simple_command(self, negated: bool) -> int | None:
        toks = self.toks  # read directly: this loop sees every word of the script
        start = toks[self.i].start
        assignments: list[Token] = []
        words: list[Token] = []
        redirections: list[Redirection] = []
        while self.i < len(toks):
            token = toks[self.i]
            kind = token.kind
            if kind == REDIRECT:
                redirections.append(self.parse_redirection())
            elif kind == WORD or (kind == RESERVED and (words or assignments)):
                if not words and _is_assignment_word(token):
                    assignments.append(token)
                else:
                    words.append(token)
                self.i += 1
            else:
                break
        if not (words or assignments or redirections):
            return None
        end = self.last_end()
        command = SimpleCommand(
            index=len(self.commands), start=start, end=end, text=self.text[start:end],
            assignments=tuple(assignments), words=tuple(words),
            redirections=tuple(redirections), context=tuple(self.context), negated=negated)
        self.commands.append(command)
        self.nodes.append(Command("simple", start, end, tuple(self.context),
                                  (command.index,), negated=negated))
        return len(self.nodes) - 1


def parse(script: str | Script) -> Script:
    """Parse ``script`` into a ``Script`` (never raises).

    The result lists every ``SimpleCommand`` (argv words, ``FOO=1`` prefix
    assignments, redirections, offsets, the connector to the next command and
    the enclosing constructs), the top-level ``items`` and every compound
    command or function definition.  Tokenizer and grammar errors (an ``if``
    without ``fi``, a dangling ``&&``, a stray ``)``) are collected in
    ``errors``; ``ok`` is false when there are any.  A ``Script`` passes
    through unchanged.
    """
    if isinstance(script, Script):
        return script
    text = "" if script is None else str(script)
    tokens = tokenize(text)
    parser = _Parser(text, tokens)
    try:
        return parser.parse()
    except RecursionError:
        return Script(text, tuple(tokens), (), (), (), (*parser.errors, ShellError(
            "syntax", "constructs nested too deeply", 0, len(text))))


# --------------------------------------------------------------------------
# Shell state
# --------------------------------------------------------------------------

_STATE_BUILTINS = {
    "cd": "changes the working directory",
    "pushd": "changes the working directory",
    "popd": "changes the working directory",
    "export": "exports variables to the commands that follow",
    "unset": "removes variables or functions",
    "set": "changes shell options or positional parameters",
    "shopt": "changes shell options",
    "umask": "changes the file-creation mask",
    "source": "runs a file in the current shell",
    ".": "runs a file in the current shell",
    "exit": "exits the shell: what follows would not run",
    "return": "returns from the shell: what follows would not run",
    "exec": "replaces the shell or redirects its file descriptors",
    "trap": "installs signal or exit handlers",
    "ulimit": "changes resource limits",
    "alias": "defines aliases",
    "unalias": "removes aliases",
    "readonly": "sets read-only variables",
    "local": "sets variables",
    "declare": "sets variables or attributes",
    "typeset": "sets variables or attributes",
    "eval": "runs arbitrary text in the current shell",
    "hash": "changes the command lookup table",
    "wait": "waits for background jobs",
    "shift": "shifts positional parameters",
    "read": "assigns variables",
    "getopts": "assigns variables",
    "let": "assigns variables",
    "mapfile": "assigns variables",
    "readarray": "assigns variables",
    "enable": "enables or disables builtins",
    "disown": "changes the job table",
}
# Built-ins that only print something when given no operands (or just -p).
_LISTING_WHEN_BARE = frozenset({
    "set", "export", "alias", "trap", "umask", "readonly", "declare", "typeset",
    "hash", "shopt", "ulimit", "local",
})
# POSIX special built-ins: assignments written before them persist.
_SPECIAL_BUILTINS = frozenset({
    "break", ":", "continue", ".", "eval", "exec", "exit", "export",
    "readonly", "return", "set", "shift", "times", "trap", "unset",
})


def _state_command_name(command: SimpleCommand) -> tuple[str | None, Token | None, int]:
    """argv[0] for state purposes: ``command``/``builtin``/``time`` are see-through."""
    words = command.words
    i = 0
    while i < len(words) and words[i].value in ("command", "builtin", "time"):
        nxt = words[i + 1].value if i + 1 < len(words) else None
        if words[i].value == "command" and nxt in ("-v", "-V"):
            return None, None, i  # a lookup, not an execution
        i += 1
        while i < len(words) and words[i].value in ("-p", "--"):
            i += 1
    if i >= len(words):
        return None, None, i
    return words[i].value, words[i], i


def _builtin_change(command: SimpleCommand) -> StateChange | None:
    name, token, at = _state_command_name(command)
    if token is None:
        return None
    operands = command.argv[at + 1:]
    if name in _STATE_BUILTINS:
        if name in _LISTING_WHEN_BARE and operands in ((), ("-p",)):
            return None
        return StateChange("builtin", f"{name!r} {_STATE_BUILTINS[name]}",
                           command.start, command.end, command.index)
    if name == "printf" and any(a == "-v" or a.startswith("-v") for a in operands[:1]):
        return StateChange("builtin", "'printf -v' assigns a variable",
                           command.start, command.end, command.index)
    if command.assignments and name in _SPECIAL_BUILTINS:
        return StateChange("assignment",
                           f"assignments before the special built-in {name!r} persist",
                           command.start, command.end, command.index)
    if token.expansion and "/" not in token.value:
        return StateChange("dynamic-command",
                           f"command name {token.text!r} is only known at run time",
                           token.start, token.end, command.index)
    return None


def _arithmetic_assigns(expression: str) -> bool:
    if "++" in expression or "--" in expression:
        return True
    for i, c in enumerate(expression):
        if c != "=":
            continue
        before = expression[i - 1] if i else ""
        after = expression[i + 1] if i + 1 < len(expression) else ""
        if after == "=" or before in ("=", "!"):
            continue
        if before in "<>" and before and (i < 2 or expression[i - 2] != before):
            continue  # <= or >=, but not <<= / >>=
        return True
    return False


def _expansion_assigns(raw: str) -> bool:
    """True for ``${name=...}``, ``${name:=...}`` or an assigning ``$((...))``."""
    i, n = 0, len(raw)
    in_double = False
    while i < n:
        c = raw[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and not in_double:
            end = raw.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if c == '"':
            in_double = not in_double
        elif raw.startswith("$((", i):
            depth, j = 0, i + 1
            while j < n:
                depth += {"(": 1, ")": -1}.get(raw[j], 0)
                if depth == 0:
                    break
                j += 1
            if _arithmetic_assigns(raw[i + 3:j - 1]):
                return True
        elif raw.startswith("${", i):
            j = i + 2
            while j < n and raw[j] in _NAME_CHARS:
                j += 1
            if j > i + 2 and (raw.startswith("=", j) or raw.startswith(":=", j)):
                return True
        i += 1
    return False


def _words_of(command: SimpleCommand) -> Iterable[Token]:
    yield from command.assignments
    yield from command.words
    for redirection in command.redirections:
        if redirection.target is not None:
            yield redirection.target


def _command_changes(command: SimpleCommand) -> list[StateChange]:
    changes = []
    if not command.words and command.assignments:
        names = ", ".join(a.text.split("=", 1)[0] for a in command.assignments)
        changes.append(StateChange("assignment", f"assignment to {names} persists",
                                   command.start, command.end, command.index))
    elif command.words:
        change = _builtin_change(command)
        if change is not None:
            changes.append(change)
    for token in _words_of(command):
        if token.expansion and _expansion_assigns(token.text):
            changes.append(StateChange("expansion", f"{token.text!r} assigns a variable",
                                       token.start, token.end, command.index))
    return changes


def _leaks(context: tuple[str, ...]) -> bool:
    return "subshell" not in context and "function" not in context


def _compound_changes(node: Command) -> list[StateChange]:
    if not _leaks(node.context):
        return []
    if node.kind == "function":
        return [StateChange("function", f"defines the function {node.name!r}",
                            node.start, node.end)]
    if node.kind in ("for", "select") and node.name:
        return [StateChange("assignment", f"the loop leaves {node.name!r} set",
                            node.start, node.end)]
    if node.kind == "arith":
        return [StateChange("arithmetic", "'((...))' may assign variables",
                            node.start, node.end)]
    return []


def _token_changes(script: Script) -> list[StateChange]:
    changes = []
    for token in script.tokens:
        if token.kind == OPERATOR and token.value == "&":
            changes.append(StateChange(
                "background", "'&' starts a background job that keeps running",
                token.start, token.end))
        elif token.kind == REDIRECT and token.value in ("&>", "&>>"):
            changes.append(StateChange(
                "background", f"{token.value!r} means '&' then '>' in POSIX sh (dash)",
                token.start, token.end))
    return changes


def _ending_changes(script: Script) -> list[StateChange]:
    changes = []
    comment = trailing_comment(script)
    if comment is not None:
        changes.append(StateChange("trailing-comment", "text appended would be commented out",
                                   *comment))
    op = ends_with_operator(script)
    if op is not None and op.value in (";", ";;"):
        changes.append(StateChange("trailing-separator",
                                   f"ends with {op.value!r}: '&& ...' cannot follow",
                                   op.start, op.end))
    last = _last_significant(script.tokens, skip_comments=True)
    if last is not None and last.kind == HEREDOC:
        changes.append(StateChange("trailing-heredoc",
                                   "ends with a here-document delimiter line",
                                   last.start, last.end))
    return changes


def shell_state_changes(script: str | Script) -> list[StateChange]:
    """What could make a command appended after ``script`` behave differently.

    Reports, with offsets, every construct that runs in the current shell and
    changes state a later command of the same ``sh -c`` would see: built-ins
    such as ``cd``/``export``/``set``/``umask``/``exec``/``exit``/``eval`` ...,
    bare assignments (``FOO=1`` alone, not ``FOO=1 cmd``), assignments before
    special built-ins, assigning expansions (``${x:=1}``), function definitions,
    ``for`` loop variables, background jobs (``&`` anywhere, and bash ``&>``
    which dash reads as ``&``), command names only known at run time, and
    everything the tokenizer/parser could not read (kind ``unterminated`` or
    ``syntax``, e.g. a dangling ``&&``, a trailing ``\\``, an open ``if``).  It
    also reports endings that break appending: a trailing comment, a trailing
    ``;`` and a final here-document.  Commands inside ``( ... )`` or inside a
    function body are not reported; commands inside pipelines are (dash and
    bash run them in subshells, but this errs on the safe side).
    """
    parsed = parse(script)
    changes: list[StateChange] = [
        StateChange(e.kind, e.message, e.start, e.end) for e in parsed.errors]
    for command in parsed.commands:
        if _leaks(command.context):
            changes.extend(_command_changes(command))
    for node in parsed.compounds:
        changes.extend(_compound_changes(node))
    changes.extend(_token_changes(parsed))
    changes.extend(_ending_changes(parsed))
    changes.sort(key=lambda c: (c.start, c.end))
    return changes


# --------------------------------------------------------------------------
# Endings and chains
# --------------------------------------------------------------------------

def _last_significant(tokens: Sequence[Token], skip_comments: bool) -> Token | None:
    for token in reversed(tokens):
        if token.kind == NEWLINE or (skip_comments and token.kind == COMMENT):
            continue
        return token
    return None


def trailing_comment(script: str | Script) -> tuple[int, int] | None:
    """The span of a comment that ends the script, or None.

    A comment counts when nothing but whitespace follows it, so appending
    `` && other`` to the (right-stripped) text would be swallowed by it, as in
    ``make # build``.  ``#`` inside a word (``a#b``), inside quotes or in
    ``${#x}`` is not a comment, and a comment followed by more commands on
    later lines is not trailing.
    """
    parsed = parse(script)
    last = _last_significant(parsed.tokens, skip_comments=False)
    if last is not None and last.kind == COMMENT:
        return last.start, last.end
    return None


def ends_with_operator(script: str | Script) -> Token | None:
    """The control operator the script ends with (comments/newlines ignored).

    Returns the operator ``Token`` (``&&``, ``||``, ``|``, ``;``, ``&`` ...)
    when no command follows it, or a synthetic operator token with value
    ``"\\\\"`` when the script ends with a lone backslash; None when the
    script ends with a command or a closing ``)``.
    """
    parsed = parse(script)
    text = parsed.text
    stripped = text.rstrip(" \t")
    if stripped.endswith("\\") and any(e.message == "backslash at end of script"
                                       for e in parsed.errors):
        at = len(stripped) - 1
        return Token(OPERATOR, at, at + 1, "\\", "\\")
    last = _last_significant(parsed.tokens, skip_comments=True)
    if last is not None and last.kind == OPERATOR and last.value != ")":
        return last
    return None


def is_simple_chain(script: str | Script) -> bool:
    """True when the script is only simple commands joined by ``&&``.

    The script must parse cleanly and have no compound commands; a final
    ``;`` or newline after the last command is tolerated.  A single simple
    command is a (trivial) chain.
    """
    parsed = parse(script)
    if not parsed.ok or not parsed.items:
        return False
    if any(item.kind != "simple" for item in parsed.items):
        return False
    if any(item.connector != "&&" for item in parsed.items[:-1]):
        return False
    return parsed.items[-1].connector in (None, ";", "\n")


def command_count(script: str | Script) -> int:
    """The number of simple commands in the script, at any nesting depth."""
    return len(parse(script).commands)


def split_chain(script: str | Script, index: int) -> tuple[str, str] | None:
    """Split a top-level ``&&`` chain after command ``index``.

    Returns ``(head_text, tail_text)``: the original text of commands
    ``0..index`` and of the commands after it, each stripped, quoting and
    comments preserved.  Returns None when the script is not a pure chain
    (see ``is_simple_chain``), contains a here-document (its body would end up
    on the wrong side), or when ``index`` is out of range or the last command.
    """
    parsed = parse(script)
    if not is_simple_chain(parsed) or not 0 <= index < len(parsed.commands) - 1:
        return None
    if any(t.kind == HEREDOC for t in parsed.tokens):
        return None
    text = parsed.text
    head = text[:parsed.commands[index].end].strip()
    tail = text[parsed.commands[index + 1].start:].strip()
    return head, tail


# --------------------------------------------------------------------------
# Invocations: wrappers, tool, options
# --------------------------------------------------------------------------

@record(frozen=True, slots=True)
class _WrapperSpec:
    value_options: frozenset[str] = frozenset()
    positionals: int = 0              # e.g. timeout DURATION
    assignments: bool = False         # env NAME=value ...
    lookup_options: frozenset[str] = frozenset()  # command -v: no execution
    opaque_options: frozenset[str] = frozenset()  # env -S: cannot follow


#: Programs that run another program given as their arguments, and how to skip
#: their own options.  ``xargs`` is unwrapped too (the command it runs is still
#: the interesting one) but its presence is recorded in ``Invocation.wrappers``
#: because arguments then also come from stdin.
WRAPPERS: dict[str, _WrapperSpec] = {
    "sudo": _WrapperSpec(frozenset({
        "-u", "--user", "-g", "--group", "-h", "--host", "-p", "--prompt", "-C",
        "--close-from", "-D", "--chdir", "-r", "--role", "-t", "--type", "-U",
        "--other-user", "-T", "--command-timeout"})),
    "doas": _WrapperSpec(frozenset({"-u", "-C"})),
    "env": _WrapperSpec(frozenset({"-u", "--unset", "-C", "--chdir"}), assignments=True,
                        opaque_options=frozenset({"-S", "--split-string"})),
    "command": _WrapperSpec(lookup_options=frozenset({"-v", "-V"})),
    "builtin": _WrapperSpec(),
    "exec": _WrapperSpec(frozenset({"-a"})),
    "nice": _WrapperSpec(frozenset({"-n", "--adjustment"})),
    "nohup": _WrapperSpec(),
    "time": _WrapperSpec(frozenset({"-f", "--format", "-o", "--output"})),
    "timeout": _WrapperSpec(frozenset({"-s", "--signal", "-k", "--kill-after"}), positionals=1),
    "stdbuf": _WrapperSpec(frozenset({"-i", "-o", "-e", "--input", "--output", "--error"})),
    "xargs": _WrapperSpec(frozenset({
        "-I", "-n", "-P", "-d", "-a", "-E", "-L", "-s", "--max-args", "--max-procs",
        "--delimiter", "--arg-file", "--max-lines", "--max-chars", "--eof"})),
}

_PYTHON_VALUE_OPTIONS = frozenset({"-W", "-X", "-Q"})

#: Options that take a separate value, per tool (merged over subcommands).
VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "apt-get": frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release",
                          "--default-release", "-a", "--host-architecture"}),
    "apk": frozenset({"-X", "--repository", "-p", "--root", "--cache-dir", "--keys-dir",
                      "--arch", "-t", "--virtual", "--repositories-file"}),
    "yum": frozenset({"-c", "--config", "--installroot", "--releasever", "--enablerepo",
                      "--disablerepo", "--repo", "--repoid", "-d", "--debuglevel", "-e",
                      "--errorlevel", "-x", "--exclude", "--setopt", "--forcearch"}),
    "zypper": frozenset({"-R", "--root", "-c", "--config", "-r", "--repo", "-t", "--type",
                         "--from"}),
    "pip": frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable",
                      "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t",
                      "--target", "--prefix", "--root", "--src", "--upgrade-strategy",
                      "--platform", "--python-version", "--implementation", "--abi",
                      "--no-binary", "--only-binary", "--progress-bar", "--cache-dir",
                      "--log", "--proxy", "--retries", "--timeout", "--trusted-host",
                      "--cert", "--client-cert", "--exists-action", "--global-option",
                      "--config-settings", "-C", "--report", "--python"}),
    "npm": frozenset({"--prefix", "--registry", "--cache", "--omit", "--include", "-w",
                      "--workspace", "--loglevel", "--userconfig", "--globalconfig"}),
    "yarn": frozenset({"--cwd", "--modules-folder", "--cache-folder", "--network-timeout",
                       "--mutex", "--registry"}),
    "pnpm": frozenset({"-C", "--dir", "--filter", "-F", "--store-dir", "--reporter",
                       "--registry", "--modules-dir", "--virtual-store-dir"}),
    "poetry": frozenset({"-C", "--directory", "-P", "--project", "--only", "--with",
                         "--without", "-E", "--extras"}),
    "pipenv": frozenset({"--python", "-r", "--requirements", "-e", "--editable",
                         "--categories"}),
    "uv": frozenset({"--project", "--directory", "-p", "--python", "--extra", "--group",
                     "--only-group", "--no-group", "-i", "--index-url", "--extra-index-url",
                     "--index", "-r", "--requirement", "-c", "--constraint", "--cache-dir",
                     "-e", "--editable", "--package"}),
    "bundle": frozenset({"--gemfile", "--path", "-j", "--jobs", "--retry", "--without",
                         "--with"}),
    "composer": frozenset({"-d", "--working-dir"}),
    "cargo": frozenset({"--manifest-path", "-p", "--package", "--target", "-F", "--features",
                        "-j", "--jobs", "--profile", "--target-dir", "--config", "-Z",
                        "--bin", "--example", "--path", "--root", "--version", "--git",
                        "--branch", "--tag", "--rev"}),
    "mvn": frozenset({"-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P",
                      "-pl", "--projects", "-T", "--threads", "-l", "--log-file", "-rf",
                      "-D", "-t", "--toolchains"}),
    "gradle": frozenset({"-p", "--project-dir", "-b", "--build-file", "-c",
                         "--settings-file", "-g", "--gradle-user-home", "-x",
                         "--exclude-task", "-D", "-P", "-I", "--init-script", "--console",
                         "--max-workers"}),
    "dotnet": frozenset({"-s", "--source", "--packages", "-r", "--runtime", "--configfile",
                         "-v", "--verbosity", "-c", "--configuration", "-o", "--output",
                         "-f", "--framework", "-a", "--arch", "--os"}),
}
for _alias, _tool in (("apt", "apt-get"), ("dnf", "yum"), ("microdnf", "yum"),
                      ("bundler", "bundle"), ("mvnw", "mvn"), ("gradlew", "gradle")):
    VALUE_OPTIONS[_alias] = VALUE_OPTIONS[_tool]


def _basename(program: str) -> str:
    return program.rstrip("/").rsplit("/", 1)[-1]


def _is_python(name: str) -> bool:
    rest = name[len("python"):] if name.startswith("python") else None
    return rest is not None and all(c in "0123456789." for c in rest)


def _canonical_tool(name: str) -> str:
    """``pip3``/``pip3.11`` -> ``pip``; everything else unchanged."""
    if name.startswith("pip") and name != "pip" and all(c in "0123456789." for c in name[3:]):
        return "pip"
    return name


def _skip_wrapper(words: tuple[Token, ...], i: int, spec: _WrapperSpec) -> int | None:
    """Index of the wrapped command's name, or None when there is none."""
    j = i + 1
    while j < len(words):
        w = words[j].value
        if spec.assignments and _is_assignment_word(words[j]):
            j += 1
            continue
        if w == "--":
            j += 1
            break
        if not w.startswith("-") or w == "-":
            break
        name = w.split("=", 1)[0]
        if name in spec.lookup_options or name in spec.opaque_options:
            return None
        if name in spec.value_options and "=" not in w:
            j += 2
        else:
            j += 1
    while spec.assignments and j < len(words) and _is_assignment_word(words[j]):
        j += 1
    j += spec.positionals
    return j if j < len(words) else None


def _unwrap(words: tuple[Token, ...]) -> tuple[int, tuple[str, ...]]:
    i, wrappers = 0, []
    while i < len(words):
        name = _basename(words[i].value)
        spec = WRAPPERS.get(name)
        if spec is None:
            break
        j = _skip_wrapper(words, i, spec)
        if j is None:
            break
        wrappers.append(name)
        i = j
    return i, tuple(wrappers)


def _python_module(words: tuple[Token, ...], i: int) -> tuple[str, int] | None:
    """For ``python -m mod args``: (mod, index of the word holding the module)."""
    j = i + 1
    while j < len(words):
        w = words[j].value
        if w == "-m":
            return (words[j + 1].value, j + 1) if j + 1 < len(words) else None
        if w.startswith("-m"):
            return w[2:], j
        if w == "-c" or not w.startswith("-") or w == "-":
            return None
        j += 2 if w in _PYTHON_VALUE_OPTIONS else 1
    return None


def _parse_options(args: Sequence[Token], value_options: frozenset[str]
                   ) -> tuple[list[Option], list[Token]]:
    options: list[Option] = []
    positionals: list[Token] = []
    j, options_ended = 0, False
    while j < len(args):
        token = args[j]
        w = token.value
        if options_ended or not w.startswith("-") or w == "-":
            positionals.append(token)
            j += 1
            continue
        if w == "--":
            options_ended = True
            j += 1
            continue
        nxt = args[j + 1] if j + 1 < len(args) else None
        name, eq, attached = w.partition("=")
        value: str | None = attached if eq else None
        shorts: tuple[str, ...] = ()
        end = token.end
        takes_value = name in value_options
        if w.startswith("--") or takes_value:
            if takes_value and not eq and nxt is not None:
                value, end, j = nxt.value, nxt.end, j + 1
            if not w.startswith("--") and len(name) == 2:
                shorts = (name,)
        elif len(w) > 2 and w[:2] in value_options:  # -rfile, -Dkey=value
            name, value, shorts = w[:2], w[2:], (w[:2],)
        else:  # cluster of single-letter flags: -qy
            letters = []
            for k, ch in enumerate(name[1:], start=1):
                letters.append("-" + ch)
                if "-" + ch in value_options:
                    rest = w[k + 1:]
                    if rest:
                        value = rest
                    elif nxt is not None:
                        value, end, j = nxt.value, nxt.end, j + 1
                    break
            shorts = tuple(letters)
        options.append(Option(name, token.value, value, shorts, token.start, end))
        j += 1
    return options, positionals


def tool_of(command: SimpleCommand) -> str | None:
    """The ``tool`` of ``invocation(command)``, without reading the options (much cheaper)."""
    return _read_tool(command.words)[1] if command.words else None


def _read_tool(words: tuple[Token, ...]) -> tuple[Token, str, int, tuple[str, ...]]:
    """The program's word, the tool, the index of the word before its arguments, the wrappers."""
    i, wrappers = _unwrap(words)
    program = words[i]
    tool = _basename(program.value)
    if _is_python(tool):
        module = _python_module(words, i)
        if module is not None:
            tool, i = module
    return program, _canonical_tool(tool), i, wrappers


def invocation(command: SimpleCommand) -> Invocation | None:
    """Read a simple command as ``tool [options] subcommand [operands]``.

    Wrappers are skipped with their own options and recorded in ``wrappers``:
    ``sudo``, ``doas``, ``env`` (options and ``VAR=value``), ``command`` and
    ``builtin`` (but ``command -v`` is a lookup and is left alone), ``exec``,
    ``nice``, ``nohup``, ``time``, ``timeout``, ``stdbuf`` and ``xargs``.  The
    tool is the basename of the program; ``python -m mod`` becomes ``mod`` and
    ``pip3``/``pip3.11`` become ``pip``.  Options are split with per-tool
    knowledge of which options take a separate value (``VALUE_OPTIONS``), so
    ``apt-get -o X=Y install a`` has subcommand ``install``.  Returns None when
    the command has no words (assignments or redirections only).
    """
    words = command.words
    if not words:
        return None
    program, tool, i, wrappers = _read_tool(words)
    options, positionals = _parse_options(words[i + 1:], VALUE_OPTIONS.get(tool, frozenset()))
    subcommand = positionals[0].value if positionals else None
    operand_tokens = tuple(positionals[1:])
    return Invocation(command, tool, program, wrappers, subcommand, tuple(options),
                      tuple(t.value for t in operand_tokens), operand_tokens)


def find_commands(script: str | Script, names: Iterable[str] | str) -> list[SimpleCommand]:
    """The simple commands whose tool (see ``invocation``) is one of ``names``.

    ``names`` are compared with the canonical tool name and with the basename
    of the program as written, so ``find_commands(s, ["pip3"])`` and
    ``find_commands(s, ["pip"])`` both find ``sudo pip3 install x``.  Commands
    at every depth are returned, in text order.
    """
    wanted = {names} if isinstance(names, str) else set(names)
    found = []
    for command in parse(script).commands:
        inv = invocation(command)
        if inv is not None and (inv.tool in wanted or _basename(inv.program.value) in wanted):
            found.append(command)
    return found


def has_flag(command: SimpleCommand | Invocation, *spellings: str) -> bool:
    """True when the command has an option spelled one of ``spellings``.

    Recognises combined short flags (``-qy`` has ``-y``), ``--opt=value`` and
    ``--opt value`` (``spellings`` name the option only: ``"--opt"``).  Pass
    every spelling that matters, e.g. ``has_flag(c, "-y", "--yes",
    "--assume-yes")``.
    """
    inv = command if isinstance(command, Invocation) else invocation(command)
    return inv is not None and inv.has_flag(*spellings)


#: Tools reported by ``package_manager_commands``.
PACKAGE_MANAGERS = frozenset({
    "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "pip", "npm", "yarn", "pnpm",
})


def package_manager_commands(script: str | Script,
                             tools: Iterable[str] = PACKAGE_MANAGERS) -> list[Invocation]:
    """The package-manager invocations of the script, as ``Invocation``s.

    By default apt-get, apt, apk, yum, dnf, microdnf, zypper, pip (any
    ``pipX``/``python -m pip`` spelling), npm, yarn and pnpm, with wrappers
    such as ``sudo`` skipped; each carries tool, subcommand, options and
    operands for cache-hygiene transforms.  ``tools`` overrides the set.
    """
    wanted = set(tools)
    result = []
    for command in parse(script).commands:
        inv = invocation(command)
        if inv is not None and inv.tool in wanted:
            result.append(inv)
    return result


# --------------------------------------------------------------------------
# Dependency installs
# --------------------------------------------------------------------------

_NPM_MANIFESTS = ("package.json", "package-lock.json", "npm-shrinkwrap.json")
_YARN_MANIFESTS = ("package.json", "yarn.lock", ".yarnrc.yml", ".yarn/")
_PNPM_MANIFESTS = ("package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml")
_GRADLE_MANIFESTS = ("build.gradle", "build.gradle.kts", "settings.gradle",
                     "settings.gradle.kts", "gradle/")
_DOTNET_MANIFESTS = ("*.csproj", "*.sln", "NuGet.config", "Directory.Build.props",
                     "Directory.Packages.props")
_SCRIPTS_CAVEAT = ("lifecycle scripts of the root package (preinstall, install, "
                   "postinstall, prepare) run and may read sources; --ignore-scripts avoids it")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2")
#: Names of package files a tool installs from the working directory (``./x.deb``, ``x.gem``).
PACKAGE_FILE_SUFFIXES = (*_ARCHIVE_SUFFIXES, ".gem", ".deb", ".rpm", ".apk")


def _in_dir(directory: str | None, files: Iterable[str]) -> tuple[str, ...]:
    if directory in (None, "", ".", "./"):
        return tuple(files)
    return tuple(directory.rstrip("/") + "/" + f for f in files)


def is_local_path(operand: str) -> bool:
    """An install operand that names a path (``.``, ``./pkg``, ``x.whl``), not a package."""
    if "://" in operand or operand.startswith("git+"):
        return False
    if operand in (".", "..") or operand.startswith(("./", "../", "/", "~", ".[", "file:")):
        return True
    return "/" in operand or operand.endswith(_ARCHIVE_SUFFIXES)


@record(frozen=True, slots=True)
class _Verdict:
    """What an ecosystem rule decided; completed into a DependencyInstall."""

    ecosystem: str
    manifests: tuple[str, ...] = ()
    config_files: tuple[str, ...] = ()
    from_manifests: bool = True
    needs_sources: bool = False
    reason: str = "reads only the dependency manifests"
    caveats: tuple[str, ...] = ()


def _explicit(ecosystem: str, operands: Sequence[str]) -> _Verdict:
    local = [o for o in operands if is_local_path(o)]
    if local:
        return _Verdict(ecosystem, from_manifests=False, needs_sources=True,
                        reason=f"installs the local path {local[0]!r}, which needs the sources")
    return _Verdict(ecosystem, from_manifests=False,
                    reason="installs explicitly named packages, not from manifests")


def _npm(inv: Invocation) -> _Verdict | None:
    if inv.subcommand in ("ci", "clean-install", "ic", "install-clean", "isntall-clean"):
        kind = "ci"
    elif inv.subcommand in ("install", "i", "in", "ins", "inst", "insta", "instal", "isnt",
                            "isnta", "isntal", "isntall", "add"):
        kind = "install"
    else:
        return None
    if kind == "install" and inv.operands:
        return _explicit("npm", inv.operands)
    directory = inv.values("--prefix")
    manifests = _in_dir(directory[0] if directory else None, _NPM_MANIFESTS)
    config = _in_dir(directory[0] if directory else None, (".npmrc",))
    caveats = () if inv.has_flag("--ignore-scripts") else (_SCRIPTS_CAVEAT,)
    if kind == "install" and inv.has_flag("-g", "--global"):
        return _Verdict("npm", manifests, config, needs_sources=True,
                        reason="'npm install -g' without packages installs the project itself")
    return _Verdict("npm", manifests, config, caveats=caveats)


def _yarn(inv: Invocation) -> _Verdict | None:
    if inv.subcommand == "add":
        return _explicit("yarn", inv.operands)
    if inv.subcommand not in (None, "install"):
        return None
    directory = inv.values("--cwd")
    base = directory[0] if directory else None
    caveats = () if inv.has_flag("--ignore-scripts") or inv.values("--mode") == ("skip-build",) \
        else (_SCRIPTS_CAVEAT,)
    return _Verdict("yarn", _in_dir(base, _YARN_MANIFESTS),
                    _in_dir(base, (".yarnrc", ".npmrc", ".pnp.cjs")), caveats=caveats)


def _pnpm(inv: Invocation) -> _Verdict | None:
    directory = inv.values("-C", "--dir")
    base = directory[0] if directory else None
    config = _in_dir(base, (".npmrc", ".pnpmfile.cjs"))
    if inv.subcommand == "add":
        return _explicit("pnpm", inv.operands)
    if inv.subcommand == "fetch":
        return _Verdict("pnpm", _in_dir(base, ("pnpm-lock.yaml",)), config,
                        reason="'pnpm fetch' reads only the lockfile")
    if inv.subcommand not in ("install", "i"):
        return None
    if inv.operands:
        return _explicit("pnpm", inv.operands)
    caveats = () if inv.has_flag("--ignore-scripts") else (_SCRIPTS_CAVEAT,)
    return _Verdict("pnpm", _in_dir(base, _PNPM_MANIFESTS), config, caveats=caveats)


def _pip_like(ecosystem: str, inv: Invocation, operands: Sequence[str]) -> _Verdict | None:
    requirements = inv.values("-r", "--requirement")
    constraints = inv.values("-c", "--constraint")
    editable = inv.values("-e", "--editable")
    local = [o for o in (*editable, *operands) if is_local_path(o)]
    manifests = requirements + constraints
    caveats = ("requirement files may include other files (-r/-c) or local paths "
               "(-e .) that are not inspected",) if requirements else ()
    if local:
        return _Verdict(ecosystem, manifests, from_manifests=bool(requirements),
                        needs_sources=True, caveats=caveats,
                        reason=f"installs the local project {local[0]!r}, which needs the sources")
    if requirements:
        return _Verdict(ecosystem, manifests, caveats=caveats,
                        reason="reads only the requirement files")
    if operands or editable:
        return _explicit(ecosystem, [*operands, *editable])
    return None


def _pip(inv: Invocation) -> _Verdict | None:
    if inv.subcommand != "install":
        return None
    return _pip_like("pip", inv, inv.operands)


def _uv(inv: Invocation) -> _Verdict | None:
    directory = inv.values("--directory", "--project")
    base = directory[0] if directory else None
    if inv.subcommand == "sync":
        manifests = _in_dir(base, ("pyproject.toml", "uv.lock"))
        config = _in_dir(base, ("uv.toml", ".python-version"))
        if inv.has_flag("--no-install-project"):
            return _Verdict("uv", manifests, config,
                            reason="--no-install-project: only the locked dependencies")
        return _Verdict("uv", manifests, config, needs_sources=True,
                        reason="'uv sync' also builds and installs the project itself; "
                               "add --no-install-project")
    if inv.subcommand == "pip" and inv.operands[:1] == ("install",):
        return _pip_like("uv", inv, inv.operands[1:])
    if inv.subcommand == "pip" and inv.operands[:1] == ("sync",):
        files = inv.operands[1:]
        return _Verdict("uv", tuple(files), reason="reads only the requirement files") \
            if files else None
    return None


def _poetry(inv: Invocation) -> _Verdict | None:
    if inv.subcommand not in ("install", "sync"):
        return None
    directory = inv.values("-C", "--directory", "-P", "--project")
    base = directory[0] if directory else None
    manifests = _in_dir(base, ("pyproject.toml", "poetry.lock"))
    config = _in_dir(base, ("poetry.toml",))
    caveats = ("path dependencies need their directories",)
    if inv.has_flag("--no-root") and not inv.has_flag("--only-root"):
        return _Verdict("poetry", manifests, config, caveats=caveats,
                        reason="--no-root: the project itself is not installed")
    return _Verdict("poetry", manifests, config, needs_sources=True, caveats=caveats,
                    reason="without --no-root poetry installs the project itself, "
                           "which needs the sources")


def _pipenv(inv: Invocation) -> _Verdict | None:
    if inv.subcommand not in ("install", "sync"):
        return None
    editable = inv.values("-e", "--editable")
    requirements = inv.values("-r", "--requirements")
    if any(is_local_path(e) for e in editable):
        return _Verdict("pipenv", ("Pipfile", "Pipfile.lock"), needs_sources=True,
                        reason="installs the local project in editable mode")
    if inv.operands:
        return _explicit("pipenv", inv.operands)
    return _Verdict("pipenv", ("Pipfile", "Pipfile.lock", *requirements))


def _go(inv: Invocation) -> _Verdict | None:
    if inv.subcommand != "mod" or inv.operands[:1] != ("download",):
        return None
    return _Verdict("go", ("go.mod", "go.sum"), ("go.work", "go.work.sum"),
                    caveats=("replace directives pointing at local directories need them",))


def _bundle(inv: Invocation) -> _Verdict | None:
    if inv.subcommand not in (None, "install"):
        return None
    gemfile = inv.values("--gemfile")
    manifests = (gemfile[0], gemfile[0] + ".lock") if gemfile else ("Gemfile", "Gemfile.lock")
    return _Verdict("bundler", manifests, (".bundle/config",),
                    caveats=("'gemspec' and 'path:' gems in the Gemfile need their sources",))


def _composer(inv: Invocation) -> _Verdict | None:
    if inv.subcommand != "install":
        return None
    directory = inv.values("-d", "--working-dir")
    base = directory[0] if directory else None
    manifests = _in_dir(base, ("composer.json", "composer.lock"))
    config = _in_dir(base, ("auth.json",))
    missing = [f for f in ("--no-scripts", "--no-autoloader") if not inv.has_flag(f)]
    if missing:
        return _Verdict("composer", manifests, config, needs_sources=True,
                        reason="scripts and the autoloader read the sources unless "
                               + " and ".join(missing) + (" are" if len(missing) > 1 else " is")
                               + " given")
    return _Verdict("composer", manifests, config,
                    reason="--no-scripts --no-autoloader: only the dependencies")


def _cargo(inv: Invocation) -> _Verdict | None:
    manifest = inv.values("--manifest-path")
    if manifest:
        base = manifest[0].rsplit("/", 1)[0] if "/" in manifest[0] else None
        manifests = (manifest[0], *_in_dir(base, ("Cargo.lock",)))
    else:
        manifests = ("Cargo.toml", "Cargo.lock")
    config = (".cargo/config.toml",)
    if inv.subcommand == "fetch":
        return _Verdict("cargo", manifests, config, caveats=(
            "cargo needs a target file (src/main.rs or src/lib.rs) and the manifests of "
            "workspace members; stub them",))
    if inv.subcommand in ("build", "b"):
        return _Verdict("cargo", manifests, config, needs_sources=True,
                        reason="'cargo build' compiles the crate")
    if inv.subcommand == "install":
        path = inv.values("--path")
        if path:
            return _Verdict("cargo", manifests, config, from_manifests=False, needs_sources=True,
                            reason=f"installs the local crate {path[0]!r}")
        return _explicit("cargo", inv.operands) if inv.operands else None
    return None


def _maven(inv: Invocation) -> _Verdict | None:
    goals = [g for g in (inv.subcommand, *inv.operands) if g is not None]
    dependency_goals = [g for g in goals if g.startswith("dependency:")]
    if not dependency_goals:
        return None
    pom = inv.values("-f", "--file")
    manifests = (pom[0] if pom else "pom.xml", *inv.values("-s", "--settings"))
    config = (".mvn/",) + (("mvnw",) if inv.tool == "mvnw" else ())
    caveats = ("multi-module builds also need every module's pom.xml",)
    others = [g for g in goals if not g.startswith("dependency:") and g != "help"]
    if others:
        return _Verdict("maven", manifests, config, needs_sources=True, caveats=caveats,
                        reason=f"also runs {' '.join(others)}, which needs the sources")
    return _Verdict("maven", manifests, config, caveats=caveats)


def _gradle(inv: Invocation) -> _Verdict | None:
    tasks = [t for t in (inv.subcommand, *inv.operands) if t is not None]
    if not any(t == "dependencies" or t.endswith(":dependencies") for t in tasks):
        return None
    project = inv.values("-p", "--project-dir")
    base = project[0] if project else None
    manifests = _in_dir(base, _GRADLE_MANIFESTS)
    if inv.tool == "gradlew":
        manifests += ("gradlew",)
    caveats = ("buildSrc/, included builds and subproject build files are needed too",)
    config = _in_dir(base, ("gradle.properties",))
    others = [t for t in tasks if t != "dependencies" and not t.endswith(":dependencies")]
    if others:
        return _Verdict("gradle", manifests, config, needs_sources=True, caveats=caveats,
                        reason=f"also runs {' '.join(others)}, which needs the sources")
    return _Verdict("gradle", manifests, config, caveats=caveats)


def _dotnet(inv: Invocation) -> _Verdict | None:
    if inv.subcommand != "restore":
        return None
    config = ("global.json", "*.fsproj", "*.vbproj", "Directory.Build.targets")
    caveats = ("project files in subdirectories must keep their paths",)
    if inv.operands:
        manifests = (*inv.operands, "NuGet.config", "Directory.Build.props",
                     "Directory.Packages.props")
        return _Verdict("dotnet", manifests, config, caveats=caveats)
    return _Verdict("dotnet", _DOTNET_MANIFESTS, config, caveats=caveats)


_ECOSYSTEM_RULES = {
    "npm": _npm, "yarn": _yarn, "pnpm": _pnpm, "pip": _pip, "uv": _uv, "poetry": _poetry,
    "pipenv": _pipenv, "go": _go, "bundle": _bundle, "bundler": _bundle,
    "composer": _composer, "cargo": _cargo, "mvn": _maven, "mvnw": _maven,
    "gradle": _gradle, "gradlew": _gradle, "dotnet": _dotnet,
}


def dependency_installs(script: str | Script) -> list[DependencyInstall]:
    """The commands that install dependencies, with what they read.

    Recognises npm ``install``/``i``/``ci``, yarn (bare or ``install``), pnpm
    ``install``/``i``/``fetch``, ``pip install -r/-c`` (repeatable), uv
    ``sync`` and ``pip install``/``pip sync``, poetry ``install`` (``--no-root``
    decides whether the sources are needed), pipenv ``install``/``sync``, ``go
    mod download``, ``bundle install``, ``composer install`` (sources needed
    unless ``--no-scripts --no-autoloader``), ``cargo fetch``/``build``, maven
    ``dependency:*`` goals, gradle ``dependencies`` and ``dotnet restore``.
    Installs of explicitly named packages (``npm install lodash``) are
    reported with ``from_manifests=False``; local paths (``pip install .``,
    ``-e .``) and commands under ``xargs`` are reported with
    ``needs_sources=True``.  Other commands of a chain (``npm ci && npm run
    build``) are not installs: use ``command_index`` with ``split_chain``.
    """
    found = []
    for command in parse(script).commands:
        inv = invocation(command)
        rule = _ECOSYSTEM_RULES.get(inv.tool) if inv is not None else None
        verdict = rule(inv) if rule is not None else None
        if verdict is None:
            continue
        if "xargs" in inv.wrappers:
            verdict = replace(verdict, needs_sources=True, from_manifests=False,
                              reason="arguments also come from xargs at run time")
        found.append(DependencyInstall(
            ecosystem=verdict.ecosystem, tool=inv.tool, subcommand=inv.subcommand,
            start=command.start, end=command.end, command_index=command.index,
            manifests=verdict.manifests, config_files=verdict.config_files,
            from_manifests=verdict.from_manifests, needs_sources=verdict.needs_sources,
            reason=verdict.reason, caveats=verdict.caveats))
    return found
