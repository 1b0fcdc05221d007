"""DO214 exec-form: write ``CMD`` and ``ENTRYPOINT`` in exec (JSON) form.

What it does
    Finds ``CMD`` and ``ENTRYPOINT`` in shell form whose text uses nothing of the
    shell, only a program and its arguments, and writes them as a JSON array:
    ``CMD gunicorn app:app -b 0.0.0.0:8000`` becomes
    ``CMD ["gunicorn", "app:app", "-b", "0.0.0.0:8000"]``. Quoted words keep their
    quoted value (``CMD echo "a b"`` becomes ``CMD ["echo", "a b"]``).

Why
    In shell form the container runs ``/bin/sh -c "<text>"``: the shell is process 1
    and does not pass ``SIGTERM`` on, so ``docker stop`` waits its timeout and then
    kills the program without letting it clean up. In exec form the program is
    process 1 and gets the signal.

Example
    ::

        CMD node server.js

    Use instead::

        CMD ["node", "server.js"]

Fix safety
    Unsafe: the change is the point, and it shows. The image config's ``Cmd`` becomes
    ``["node","server.js"]`` instead of ``["/bin/sh","-c","node server.js"]``; the
    program now runs as process 1, so it receives signals and must reap children
    itself; and ``docker run image args`` or a ``CMD`` now reach an exec-form
    ``ENTRYPOINT`` as arguments, where the shell form ignored them. An
    ``ENTRYPOINT`` inherited from the base image (unknown here) also gets different
    arguments from an exec-form ``CMD``. Programs are looked up in the image's
    ``PATH`` either way.

    A suggestion, never applied, where the file shows that the meaning changes: a
    ``CMD`` in a stage that has an ``ENTRYPOINT`` (the ``CMD`` is its arguments, and
    the words ``/bin/sh -c`` go), or an ``ENTRYPOINT`` followed by a ``CMD`` in its
    stage (whose words the exec form would now pass to it).

When it refuses
    No finding, because the text needs a shell:

    - variables or substitutions (``$``, backquotes), ``~``, globs (``*``, ``?``,
      ``[``), backslashes, ``&&``, ``||``, ``;``, pipes, ``&``, redirections,
      comments, subshells, braces, ``if``/``for``..., assignments (``A=1 prog``);
    - the program is a shell built-in that is no program (``exec``, ``cd``,
      ``export``, ``source``, ``.``, ``set``, ``trap``, ``ulimit``, ``umask``, ...);
    - the text continues over lines (a comment line could hide in it);
    - a ``SHELL`` instruction is in effect (shell form runs that shell, which may not
      read the text as ``sh`` does), or the base image is Windows (``cmd /S /C``);
    - ``ONBUILD CMD``, ``HEALTHCHECK CMD`` (not the container's process 1).

See also
    hadolint DL3025 (use arguments JSON notation for CMD and ENTRYPOINT).
"""

from __future__ import annotations

import json
import re

from dockeropt import shell
from dockeropt.cst import Cmd, Dockerfile, Entrypoint, ShellForm, Stage
from dockeropt.model import DEFAULT_SHELL, build_of
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

# Characters that make the shell do more than split words.
# a pattern, not compiled: re compiles (and caches) it on first use, which most runs never reach
_SHELL_SYNTAX = r"[$`~*?\[\]\\;&|<>(){}#\n]"
_BUILTINS = frozenset({
    "exec", "cd", "export", "source", ".", "set", "unset", "trap", "ulimit", "umask",
    "eval", "alias", "read", "wait", "shift", "exit", "return", "readonly", "local",
    "declare", "typeset", "let", "hash", "type", "command", "builtin", "times", "jobs",
    "fg", "bg", "getopts", "!", "if", "for", "while", "until", "case",
})


class CmdExecForm:
    code = "DO214"
    hadolint = ("DL3025",)  # the hadolint rules this corresponds to
    name = "exec-form"
    summary = "Write CMD and ENTRYPOINT in exec (JSON) form so that signals reach the program"
    instructions = frozenset({"CMD", "ENTRYPOINT"})
    fix_kinds = frozenset({Applicability.SUGGESTION, Applicability.UNSAFE})  # the applicabilities its fixes can have

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        build = build_of(tree)
        for stage in build.stages:
            body = stage.stage.instructions
            for i, inst in enumerate(body):
                # under another SHELL (or cmd on Windows) shell form does not mean /bin/sh -c
                if isinstance(inst, (Cmd, Entrypoint)) and build.state(inst).shell == DEFAULT_SHELL:
                    found = self._check(tree, inst, stage.stage, body[i + 1 :])
                    if found is not None:
                        yield found

    def _check(self, tree: Dockerfile, inst: Cmd | Entrypoint, stage: Stage, after: tuple) -> Finding | None:
        command = inst.command
        if not isinstance(command, ShellForm) or inst.heredocs:
            return None
        values = _words(command.text)
        if values is None or tree.source[command.start : command.end] != command.text:
            return None
        if isinstance(inst, Cmd):
            meaning_changes = any(isinstance(i, Entrypoint) for i in stage.instructions)
        else:
            meaning_changes = any(isinstance(i, Cmd) for i in after)
        array = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"
        line, column = command.line, command.column
        if isinstance(inst, Cmd) and meaning_changes:
            message = f"CMD in shell form gives ENTRYPOINT the words /bin/sh -c: {array} would give it {values[0]} first"
        else:
            message = f"{inst.name} in shell form runs under /bin/sh, which keeps signals from {values[0]}: use {array}"
            if meaning_changes:
                message += " (the CMD that follows would become its arguments)"
        applicability = Applicability.SUGGESTION if meaning_changes else Applicability.UNSAFE
        fix = Fix(f"Use exec form {array}", (Edit(command.start, command.end, array),), applicability)
        return Finding(self.code, message, line, column, command.start, command.end, fix)


def _words(text: str) -> tuple[str, ...] | None:
    """The words ``sh -c text`` would run, when it only splits and unquotes them."""
    if re.search(_SHELL_SYNTAX, text):
        return None
    script = shell.parse(text)
    if not script.ok or len(script.commands) != 1 or script.compounds:
        return None
    command = script.commands[0]
    if command.assignments or command.redirections or not command.words:
        return None
    if any(w.expansion or '"' in w.value for w in command.words):
        return None
    if command.words[0].value in _BUILTINS or command.words[0].quoted:
        return None
    return command.argv
