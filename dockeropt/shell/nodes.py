"""The values the shell reader produces: tokens, commands, scripts, and what the queries return."""

from __future__ import annotations

import re

from dockeropt.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

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

# The operators are read by ``lexer._TOKEN``, each longest first (``&&`` before ``&``).
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
        return tuple([w.value for w in self.words])  # a list first: twice as fast as a generator

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
        return tuple([o.text for o in self.options])

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
