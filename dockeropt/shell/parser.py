"""A recursive-descent reading of the POSIX grammar (``list``, ``and_or``, ``pipeline``,
``command``) into simple commands and the compound commands that hold them."""

from __future__ import annotations

import re

from dockeropt.record import replace
from dockeropt.shell.lexer import tokenize
from dockeropt.shell.nodes import (
    _HEREDOC_OPERATORS,
    COMMENT,
    HEREDOC,
    NEWLINE,
    OPERATOR,
    REDIRECT,
    RESERVED,
    WORD,
    Command,
    Redirection,
    Script,
    ShellError,
    SimpleCommand,
    Token,
    TokenList,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeGuard

# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------

# ``NAME=`` or bash ``NAME+=`` at the start of a word, the name unquoted.
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")


def _is_assignment_word(token: Token) -> bool:
    """``NAME=...`` (or bash ``NAME+=...``) with an unquoted valid name."""
    return token.kind == WORD and _ASSIGNMENT.match(token.text) is not None


# What a simple command's ``connector`` is, by the operator that follows it.
_CONNECTORS = {"&&": "&&", "||": "||", ";": ";", "&": "&", "|": "|", "|&": "|"}


class _Parser:
    """Recursive descent over the POSIX grammar; records instead of raising."""

    _CLOSERS = frozenset({"then", "else", "elif", "fi", "do", "done", "esac", "}"})

    def __init__(self, text: str, tokens: TokenList):
        self.text = text
        self.all_tokens = tokens
        if "#" in text or "<<" in text:  # a comment or a here-document body may be among them
            self.toks = [t for t in tokens if t.kind not in (COMMENT, HEREDOC)]
            self.heredocs = [t for t in tokens if t.kind == HEREDOC]
        else:
            self.toks, self.heredocs = tokens, []
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

    def peek_kind(self, k: int = 0) -> str | None:
        token = self.peek(k)
        return token.kind if token is not None else None

    @staticmethod
    def is_op(token: Token | None, *values: str) -> TypeGuard[Token]:
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
        while self.peek_kind() == NEWLINE:
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
        n = self.nodes[node_index]
        if n.kind == "simple":  # made with its connector: the token after it (``_CONNECTORS``)
            return
        # every field written out: ``replace`` took a tenth of the parse
        self.nodes[node_index] = Command(n.kind, n.start, n.end, n.context, n.commands, op, n.negated, n.name)

    # -- grammar --------------------------------------------------------------------

    def parse(self) -> Script:
        self.parse_list((), ())
        while self.peek() is not None:  # stray closers at top level
            token = self.advance()
            self.error("syntax", f"unexpected {token.text!r}", token)
            self.parse_list((), ())
        nodes = self.nodes
        return Script(
            text=self.text,
            tokens=tuple(self.all_tokens),
            commands=tuple(self.commands),
            items=tuple([n for n in nodes if not n.context]),
            compounds=tuple([n for n in nodes if n.kind != "simple"]),
            errors=tuple(self.errors),
        )

    # The grammar's hot paths read ``self.toks`` directly instead of through ``peek``: they
    # see every command of every script.

    def parse_list(self, stop_reserved: tuple[str, ...], stop_ops: tuple[str, ...]) -> None:
        """``list``/``compound_list``: and-or lists separated by ``;``, ``&``, newline."""
        toks = self.toks
        n = len(toks)
        while True:
            i = self.i
            while i < n and toks[i].kind == NEWLINE:
                i += 1
            self.i = i
            if i == n:
                return
            token = toks[i]
            kind = token.kind
            if kind == RESERVED:
                if token.value in stop_reserved:
                    return
                closer = token.value in self._CLOSERS
            elif kind == OPERATOR:
                if token.value in stop_ops:
                    return
                closer = token.value != "("
            else:
                closer = False
            if closer:
                if self.context:  # let the enclosing construct report it
                    return
                self.i = i + 1
                self.error("syntax", f"unexpected {token.text!r}", token)
                continue
            last = self.parse_and_or()
            i = self.i
            token = toks[i] if i < n else None
            if token is not None and token.kind == OPERATOR and token.value in (";", "&"):
                self.set_connector(last, token.value)
                self.i = i + 1
            elif token is not None and token.kind == NEWLINE:
                self.set_connector(last, "\n")
                self.i = i + 1
            elif last is None:
                return

    def parse_and_or(self) -> int | None:
        toks, nodes = self.toks, self.nodes
        n = len(toks)
        last = self.parse_pipeline()
        while last is not None and self.i < n:
            op = toks[self.i]
            if op.kind != OPERATOR or op.value not in ("&&", "||"):
                break
            if nodes[last].kind != "simple":  # a simple command has its connector
                self.set_connector(last, op.value)
            i = self.i + 1
            while i < n and toks[i].kind == NEWLINE:
                i += 1
            self.i = i
            last = self.parse_pipeline()
            if last is None:
                self._missing_command(op)
        return last

    def parse_pipeline(self) -> int | None:
        toks, nodes = self.toks, self.nodes
        n = len(toks)
        negated = False
        if self.i < n and toks[self.i].kind == RESERVED and toks[self.i].value == "!":
            self.i += 1
            negated = True
        last = self.parse_command(negated)
        while last is not None and self.i < n:
            op = toks[self.i]
            if op.kind != OPERATOR or op.value not in ("|", "|&"):
                break
            if nodes[last].kind != "simple":  # a simple command has its connector
                self.set_connector(last, "|")
            i = self.i + 1
            while i < n and toks[i].kind == NEWLINE:
                i += 1
            self.i = i
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
        toks, i = self.toks, self.i
        if i >= len(toks):
            return None
        token = toks[i]
        kind = token.kind
        if kind == WORD or kind == REDIRECT:
            if kind == WORD and i + 2 < len(toks) and self.is_op(toks[i + 1], "(") \
                    and self.is_op(toks[i + 2], ")") and not _is_assignment_word(token):
                return self.parse_function_definition(negated)
            return self.parse_simple_command(negated)
        if kind == RESERVED:
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
        return None  # another operator or a newline

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
        while self.peek_kind() == REDIRECT:
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
        assert opener is not None  # the caller saw the opening ``((``
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
            while self.peek_kind() in (WORD, RESERVED):
                self.advance()
        if self.is_op(self.peek(), ";"):
            self.advance()
        self.skip_newlines()
        self.parse_do_group(opener.value)
        return self.close_node(node, first)

    def parse_case(self, negated: bool) -> int:
        opener = self.advance()
        node, first = self.open_node("case", opener.start, negated), len(self.commands)
        if self.peek_kind() in (WORD, RESERVED):
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
                if self.peek_kind() == NEWLINE:
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
        n, i = len(toks), self.i
        start = toks[i].start
        assignments: list[Token] = []
        words: list[Token] = []
        redirections: list[Redirection] = []
        while i < n:  # the prefix: assignments and redirections, up to the command name
            token = toks[i]
            kind = token.kind
            if kind == WORD or (kind == RESERVED and assignments):
                i += 1
                text = token.text
                if kind == WORD and "=" in text and _ASSIGNMENT.match(text) is not None:
                    assignments.append(token)
                else:
                    words.append(token)
                    break
            elif kind == REDIRECT:
                self.i = i
                redirections.append(self.parse_redirection())
                i = self.i
            else:
                break
        if words:
            while i < n:  # the arguments, and redirections among them
                token = toks[i]
                kind = token.kind
                if kind == WORD or kind == RESERVED:
                    words.append(token)
                    i += 1
                elif kind == REDIRECT:
                    self.i = i
                    redirections.append(self.parse_redirection())
                    i = self.i
                else:
                    break
        self.i = i
        if not (words or assignments or redirections):
            return None
        end = toks[i - 1].end
        # the connector is the token that follows, as the callers would set it
        connector = None
        if i < n:
            following = toks[i]
            if following.kind == OPERATOR:
                connector = _CONNECTORS.get(following.value)
            elif following.kind == NEWLINE:
                connector = "\n"
        index = len(self.commands)
        context = tuple(self.context)
        self.commands.append(SimpleCommand(
            index, start, end, self.text[start:end], tuple(assignments), tuple(words),
            tuple(redirections), connector, context, negated))
        self.nodes.append(Command("simple", start, end, context, (index,), connector, negated))
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
