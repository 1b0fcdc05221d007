"""What the optimizer needs to know about the shell text of a ``RUN``.

The input is the shell-form command of a ``RUN`` exactly as Docker hands it to
``/bin/sh -c`` (Dockerfile line continuations already joined).  Nothing here
executes or expands anything: the module reads the text the way a POSIX shell
would and answers questions about it, always with offsets into the input so
that transforms can build precise edits.

Modules
-------
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

from dockeropt.shell.effects import (  # noqa: F401
    command_count,
    ends_with_operator,
    is_simple_chain,
    shell_state_changes,
    split_chain,
    trailing_comment,
)
from dockeropt.shell.installs import (  # noqa: F401
    PACKAGE_FILE_SUFFIXES,
    dependency_installs,
    is_local_path,
)
from dockeropt.shell.lexer import (  # noqa: F401
    tokenize,
)
from dockeropt.shell.nodes import (  # noqa: F401
    COMMENT,
    HEREDOC,
    NEWLINE,
    OPERATOR,
    REDIRECT,
    RESERVED,
    WORD,
    Command,
    DependencyInstall,
    Invocation,
    Option,
    Redirection,
    Script,
    ShellError,
    SimpleCommand,
    StateChange,
    Token,
    TokenList,
)
from dockeropt.shell.parser import (  # noqa: F401
    parse,
)
from dockeropt.shell.tools import (  # noqa: F401
    find_commands,
    has_flag,
    invocation,
    package_manager_commands,
    tool_of,
)

__all__ = [
    "WORD",
    "RESERVED",
    "OPERATOR",
    "REDIRECT",
    "NEWLINE",
    "COMMENT",
    "HEREDOC",
    "ShellError",
    "Token",
    "TokenList",
    "Redirection",
    "SimpleCommand",
    "Command",
    "Script",
    "StateChange",
    "Option",
    "Invocation",
    "DependencyInstall",
    "tokenize",
    "parse",
    "shell_state_changes",
    "trailing_comment",
    "ends_with_operator",
    "is_simple_chain",
    "command_count",
    "find_commands",
    "invocation",
    "has_flag",
    "dependency_installs",
    "split_chain",
    "package_manager_commands",
]
