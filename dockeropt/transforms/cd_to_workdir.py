"""DO213 cd-to-workdir: say where a RUN works with ``WORKDIR``, not ``cd``.

What it does
    Finds a ``RUN`` whose command starts ``cd DIR && ...`` and moves the directory out
    of the shell:

    - when ``DIR`` is the stage's ``WORKDIR`` already, the ``cd`` only repeats it and
      goes: ``RUN cd /app && make`` becomes ``RUN make``;
    - otherwise ``WORKDIR DIR`` goes above the ``RUN`` (below its comment lines) and
      the ``cd DIR &&`` goes from it.

Why
    A ``cd`` inside a ``RUN`` is forgotten at its end, so every later ``RUN`` repeats
    it, and readers must find it inside a chain. ``WORKDIR`` states the directory once,
    for every later instruction, and creates it when it is missing.

Example
    ::

        RUN cd /src && make
        WORKDIR /app

    Use instead::

        WORKDIR /src
        RUN make
        WORKDIR /app

Fix safety
    The working directory is not local to the ``RUN``: ``WORKDIR`` stays in force for
    every later instruction and becomes the image's ``WorkingDir``. So the tier
    depends on what follows the ``RUN`` in its stage:

    - ``DIR`` is the current ``WORKDIR``: safe, the ``cd`` changes nothing (the
      directory exists, the ``WORKDIR`` made it; only ``$OLDPWD`` would differ, and a
      ``RUN`` that reads it or ``cd -`` is left alone).
    - a later absolute ``WORKDIR`` resets the directory before any instruction reads
      it (a ``RUN``, a ``COPY``/``ADD`` to a relative destination, a relative
      ``WORKDIR``): unsafe. The files and the image config end up the same when the
      build works, but where the ``cd`` made the build fail on a missing directory,
      ``WORKDIR`` creates it, and builders differ in whether that adds a layer.
    - otherwise: a suggestion, never applied, since later instructions or the image's
      ``WorkingDir`` (and so the container's start directory) would change.

When it refuses
    No finding:

    - the ``RUN`` is in exec form or has a heredoc; its text is not a plain ``&&``
      chain (with ``cd DIR; make`` or ``cd DIR || true`` a missing directory does not
      stop the build, so ``WORKDIR`` creating it would change what runs);
    - ``cd`` has options, no operand, ``-``, or an operand with variables, quotes,
      ``~`` or the escape character (``WORKDIR`` expands differently from the shell);
    - ``cd`` is the whole command, or a later command reads ``$OLDPWD`` or runs
      ``cd -``;
    - a ``SHELL`` instruction changed the shell, or ``CDPATH`` is set by ``ENV`` or
      ``ARG`` and ``DIR`` is relative;
    - a ``--mount`` of the ``RUN`` has a relative target (it follows the directory).

See also
    hadolint DL3003 (use WORKDIR to switch to a directory).
"""

from __future__ import annotations

import posixpath
import re

from dockeropt import shell
from dockeropt.cst import Add, Copy, Dockerfile, Instruction, Run, ShellForm, Workdir
from dockeropt.model import DEFAULT_SHELL, build_of
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, script_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

# patterns, not compiled: re compiles (and caches) each on first use, which most runs never reach
_PLAIN_DIR = r"[A-Za-z0-9_./@+,:=-]+\Z"
_RELATIVE_MOUNT = r"(?:^|,)(?:target|dst|destination)=(?!/)"


class CdToWorkdir:
    code = "DO213"
    hadolint = ("DL3003",)  # the hadolint rules this corresponds to
    name = "cd-to-workdir"
    summary = "Use WORKDIR instead of cd at the start of a RUN"
    instructions = frozenset({"RUN"})
    words = ("cd",)

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        build = build_of(tree)
        for stage in build.stages:
            body = stage.stage.instructions
            for i, inst in enumerate(body):
                if not isinstance(inst, Run):
                    continue
                state = build.state(inst)
                if state.shell != DEFAULT_SHELL:  # another shell may read cd otherwise (or be cmd)
                    continue
                found = self._run(tree, inst, state.workdir, "CDPATH" in state.env, body[i + 1 :])
                if found is not None:
                    yield found

    def _run(
        self, tree: Dockerfile, run: Run, workdir: str | None, cdpath: bool, after: Sequence[Instruction]
    ) -> Finding | None:
        if not isinstance(run.command, ShellForm) or run.heredocs:
            return None
        if any(f.name == "mount" and re.search(_RELATIVE_MOUNT, f.value or "") for f in run.flags):
            return None
        script = script_of(run)
        if not shell.is_simple_chain(script) or len(script.commands) < 2:
            return None
        cd, rest = script.commands[0], script.commands[1:]
        if cd.name != "cd" or cd.assignments or cd.redirections or len(cd.words) != 2:
            return None
        word = cd.words[1]
        directory = word.value
        if word.quoted or word.expansion or not re.match(_PLAIN_DIR, directory) or directory.startswith("-"):
            return None
        if cdpath and not directory.startswith("/"):
            return None
        if any("OLDPWD" in c.text or c.argv[:2] == ("cd", "-") for c in rest):
            return None
        target = _resolve(workdir, directory)
        start, end = run.at(cd.start), run.at(cd.end, end=True)
        line, column = tree.position(start)
        drop = Edit(start, run.at(rest[0].start), "")
        if target is not None and target == workdir:
            message = f"`cd {directory}` changes nothing: {workdir} is the WORKDIR already"
            fix = Fix(f"Remove `cd {directory} &&`", (drop,), Applicability.SAFE)
            return Finding(self.code, message, line, column, start, end, fix)
        keyword = "WORKDIR" if run.keyword.isupper() or not run.keyword.islower() else "workdir"
        indent = run.text[: len(run.text) - len(run.text.lstrip(" \t"))]
        insert = Edit(run.start, run.start, f"{indent}{keyword} {directory}{tree.newline}")
        reset = _reset_before_use(after)
        applicability = Applicability.UNSAFE if reset else Applicability.SUGGESTION
        message = f"use WORKDIR {directory} instead of `cd {directory}` in RUN"
        if not reset:
            message += " (the later instructions and the image's WorkingDir would change)"
        fix = Fix(f"Use WORKDIR {directory}", (insert, drop), applicability)
        return Finding(self.code, message, line, column, start, end, fix)


def _reset_before_use(after: Sequence[Instruction]) -> bool:
    """A later absolute WORKDIR comes before anything that depends on the directory."""
    for inst in after:
        if isinstance(inst, Workdir):
            return bool(inst.value) and inst.value[0].startswith("/")
        if isinstance(inst, Run):
            return False
        if isinstance(inst, (Copy, Add)):
            dest = inst.exec_form.values[-1] if inst.exec_form else inst.destination.text if inst.destination else ""
            if not dest.startswith("/"):
                return False
    return False


def _resolve(workdir: str | None, path: str) -> str | None:
    if path.startswith("/"):
        return posixpath.normpath(path)
    return None if workdir is None else posixpath.normpath(posixpath.join(workdir, path))
