"""What a script leaves behind for a command appended after it (shell state), and how it
ends: trailing comments and operators, simple ``&&`` chains, splitting a chain."""

from __future__ import annotations

from dockeropt.shell.nodes import (
    _NAME_CHARS,
    COMMENT,
    HEREDOC,
    NEWLINE,
    OPERATOR,
    REDIRECT,
    Command,
    Script,
    SimpleCommand,
    StateChange,
    Token,
)
from dockeropt.shell.parser import parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

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
    if name in _STATE_BUILTINS:
        if name in _LISTING_WHEN_BARE and command.argv[at + 1:] in ((), ("-p",)):
            return None
        return StateChange("builtin", f"{name!r} {_STATE_BUILTINS[name]}",
                           command.start, command.end, command.index)
    if name == "printf" and any(a == "-v" or a.startswith("-v") for a in command.argv[at + 1:at + 2]):
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
    if "$((" not in raw and ("${" not in raw or "=" not in raw):
        return False  # the only two ways the loop below answers True
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


def _command_changes(command: SimpleCommand, may_assign: bool) -> list[StateChange]:
    """The changes of one simple command; its words are read for assigning expansions only
    when ``may_assign`` (the script holds ``$((``, or ``${`` and ``=``)."""
    changes = []
    if not command.words and command.assignments:
        names = ", ".join(a.text.split("=", 1)[0] for a in command.assignments)
        changes.append(StateChange("assignment", f"assignment to {names} persists",
                                   command.start, command.end, command.index))
    elif command.words:
        change = _builtin_change(command)
        if change is not None:
            changes.append(change)
    if not may_assign:
        return changes
    for tokens in (command.assignments, command.words,
                   [r.target for r in command.redirections if r.target is not None]):
        for token in tokens:
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
    if "&" not in script.text:  # each of these tokens is or holds one
        return []
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
    text = parsed.text
    # what ``_expansion_assigns`` needs in a word, looked for once in the whole script
    may_assign = "$((" in text or ("${" in text and "=" in text)
    for command in parsed.commands:
        if not command.context or _leaks(command.context):
            changes.extend(_command_changes(command, may_assign))
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
