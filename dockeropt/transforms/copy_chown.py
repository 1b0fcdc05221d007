"""DO211 copy-chown: give copied files their owner with ``COPY --chown``, not a later ``chown``.

What it does
    Finds a ``COPY`` followed by a ``RUN`` whose first command changes the owner of what
    was just copied, and moves the owner into the ``COPY``::

        COPY src/ /app/                    COPY --chown=app:app src/ /app/
        RUN chown -R app:app /app     ->

    The ``chown`` is matched when its one path operand is the ``COPY``'s destination
    (``-R`` needed), or the copied file itself (``COPY app.jar /srv/`` then
    ``chown app /srv/app.jar``). Relative paths are read against the stage's last
    ``WORKDIR``. ``chown user`` keeps the file's group, which a ``COPY`` from the
    build context sets to 0, so it becomes ``--chown=user:0``; ``chown :group``
    becomes ``--chown=0:group``.

    When the ``chown`` is the whole ``RUN``, the ``RUN`` goes with its leading comment
    lines; when it starts an ``&&`` chain, only ``chown ... &&`` goes.

Why
    ``chown`` rewrites the metadata of every file it touches, and a layer stores a
    changed file whole: the ``RUN`` layer holds a second copy of every copied byte.
    ``COPY --chown`` writes the files once, with their owner.

Example
    ::

        FROM node:22-slim
        COPY . /app/
        RUN chown -R node:node /app

    Use instead::

        FROM node:22-slim
        COPY --chown=node:node . /app/

Fix safety
    Names resolve the same way at both points: ``COPY --chown`` reads the image's
    ``/etc/passwd`` and ``/etc/group`` as they are at the ``COPY``, ``chown`` reads
    them in the ``RUN`` right after, and nothing between may change them.

    Unsafe in general. Real builds (buildah 1.28, ``tests/builds``) and BuildKit's
    issues (moby/buildkit#640, #790, #2414) show where the two differ:

    - ``chown -R /app`` also takes files that were in ``/app`` before the ``COPY``
      (from the base image or an earlier instruction); ``COPY --chown`` leaves them
      to their owner. The base image's content is unknown here.
    - a destination directory that exists keeps its owner under ``COPY --chown``
      (BuildKit, buildah), but ``chown -R`` changes it.
    - directories the ``COPY`` creates on the way (``/srv/www`` for
      ``COPY x /srv/www/app/``) get the new owner from ``COPY --chown`` (BuildKit,
      buildah) and stay root's under ``COPY`` plus ``chown``. buildah's ``WORKDIR``
      does not create its directory, so an earlier ``WORKDIR`` does not prove one.

    Safe only where none of this can happen: one regular file (checked in the
    build context) copied straight under ``/``, such as ``COPY app.jar /app.jar``
    then ``chown app /app.jar``.

When it refuses
    No finding:

    - the ``chown`` is not the first command of a plain ``&&`` chain (the commands
      before it would run after the owner changed), or the ``RUN`` has flags, a
      heredoc or exec form;
    - another instruction than ``ENV``, ``ARG``, ``LABEL``, ``EXPOSE``, ``CMD``,
      ``ENTRYPOINT``, ``HEALTHCHECK``, ``STOPSIGNAL`` or ``MAINTAINER`` lies between;
    - the ``COPY`` has ``--chown`` already, a heredoc, or is ``ADD`` (its archives
      unpack to files of their own owners);
    - ``chown`` has options other than ``-R``/``--recursive``, more than one path,
      an owner ``user:`` (the login group), ``user.group``, or variables, quotes or
      globs; ``chown user`` after ``COPY --from`` (the group it keeps is unknown);
    - without ``-R`` the source is not known to be one regular file;
    - a relative path with no ``WORKDIR`` in the stage, or a ``USER`` other than root.

    A finding without a fix: an earlier instruction of the stage writes into the
    destination (a ``COPY``/``ADD`` there, a ``RUN`` that names it or runs in it, as
    ``RUN npm ci`` in ``WORKDIR /app`` does), so ``chown -R`` likely covers more than
    the copied files.

See also
    hadolint has no rule for this; DL3022/DL3021 are about ``COPY --from`` and
    ``COPY`` with more than two arguments.
"""

from __future__ import annotations

import posixpath
import re

from dockeropt import shell
from dockeropt.cst import (
    Add,
    Arg,
    Cmd,
    Copy,
    Dockerfile,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Instruction,
    Label,
    Maintainer,
    Run,
    ShellForm,
    Stopsignal,
)
from dockeropt.model import Build, build_of
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, script_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from dockeropt.buildcontext import BuildContext

# Instructions that neither touch the filesystem nor change how the chown runs.
_INERT = (Env, Arg, Label, Expose, Cmd, Entrypoint, Healthcheck, Stopsignal, Maintainer)
_CHOWN = frozenset({"chown", "/bin/chown", "/usr/bin/chown"})
_RECURSIVE = frozenset({"-R", "--recursive"})
# a pattern, not compiled: re compiles (and caches) it on first use, which most runs never reach
_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z"
_PLAIN = re.compile(r"[A-Za-z0-9_./@+,:=-]+\Z")  # a path with nothing to expand or quote
_ROOT_USERS = frozenset({"root", "0", "root:root", "0:0"})


class CopyChown:
    code = "DO211"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "copy-chown"
    summary = "Set the owner with COPY --chown instead of a RUN chown of the copied files"
    instructions = frozenset({"COPY"})
    words = ("chown",)

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        build = build_of(tree)
        for stage in build.stages:
            body = stage.stage.instructions
            for i, inst in enumerate(body):
                if isinstance(inst, Copy) and build.state(inst).root:
                    run = _next_run(body[i + 1 :])
                    if run is not None:
                        found = self._pair(tree, build, inst, run, body[:i], context)
                        if found is not None:
                            yield found

    def _pair(
        self,
        tree: Dockerfile,
        build: Build,
        copy: Copy,
        run: Run,
        before: Sequence[Instruction],
        context: Context,
    ) -> Finding | None:
        workdir = build.state(copy).workdir
        paths = _copy_paths(copy)
        if paths is None:
            return None
        sources, dest_text = paths
        chown = _chown(tree, run)
        if chown is None:
            return None
        command, script, recursive, owner_text, path_text = chown
        dest = _resolve(workdir, dest_text)
        target = _resolve(workdir, path_text)
        if dest is None or target is None or dest == "/":
            return None
        from_stage = copy.flag("from") is not None
        owner = _owner(owner_text, from_stage)
        if owner is None:
            return None
        kind = _source_kind(context.files, sources) if not from_stage else None
        dest_is_dir = dest_text.endswith(("/", "/.", "/..")) or dest_text in (".", "..") or len(sources) > 1 or kind == "dir"
        if target == dest and not dest_is_dir and kind == "file":
            single_file = True
        elif target == dest and recursive:
            single_file = False
        elif dest_is_dir and len(sources) == 1 and kind == "file" and target == posixpath.join(dest, posixpath.basename(sources[0].rstrip("/"))):
            single_file = True
        else:
            return None
        start, end = run.at(command.start), run.at(command.end, end=True)
        line, column = tree.position(start)
        message = f"`{command.text}` after COPY rewrites every copied file in a new layer: use COPY --chown={owner}"
        covered = _earlier_writer(dest if not single_file else target, [(i, build.state(i).workdir) for i in before])
        if covered is not None:
            message += f" (not fixed: {covered} also wrote under {dest})"
            return Finding(self.code, message, line, column, start, end)
        safe = single_file and posixpath.dirname(target) == "/"
        edits = (_add_flag(copy, owner), _remove_command(run, script, command))
        applicability = Applicability.SAFE if safe else Applicability.UNSAFE
        fix = Fix(f"Use COPY --chown={owner} and drop the chown", edits, applicability)
        return Finding(self.code, message, line, column, start, end, fix)


def _next_run(after: Sequence[Instruction]) -> Run | None:
    for inst in after:
        if isinstance(inst, Run):
            return inst
        if not isinstance(inst, _INERT):
            return None
    return None


def _copy_paths(copy: Copy) -> tuple[tuple[str, ...], str] | None:
    """The COPY's sources and destination when all are plain paths, else None."""
    if isinstance(copy, Add) or copy.heredocs or copy.flag("chown") is not None:
        return None
    if copy.exec_form is not None:
        values = copy.exec_form.values
    else:
        values = tuple(w.text for w in (*copy.sources, copy.destination) if w is not None)
    if len(values) < 2 or not all(_PLAIN.match(v) for v in values):
        return None
    return values[:-1], values[-1]


def _chown(tree: Dockerfile, run: Run) -> tuple[shell.SimpleCommand, shell.Script, bool, str, str] | None:
    """The RUN's leading ``chown [-R] owner path``: (command, script, recursive, owner, path)."""
    if not isinstance(run.command, ShellForm) or run.flags or run.heredocs:
        return None
    script = script_of(run)
    if not shell.is_simple_chain(script):
        return None
    command = script.commands[0]
    if command.assignments or command.redirections or command.name not in _CHOWN:
        return None
    if any(w.quoted or w.expansion for w in command.words):
        return None
    recursive = False
    operands: list[str] = []
    for word in command.argv[1:]:
        if operands or not word.startswith("-"):
            operands.append(word)
        elif word in _RECURSIVE:
            recursive = True
        elif word != "--":
            return None
    if len(operands) != 2 or not _PLAIN.match(operands[1]) or "*" in operands[1]:
        return None
    return command, script, recursive, operands[0], operands[1]


def _owner(text: str, from_stage: bool) -> str | None:
    """``--chown``'s value for what ``chown text`` does to files a COPY made, or None."""
    user, colon, group = text.partition(":")
    if not colon:
        if "." in user or not re.match(_NAME, user) or from_stage:
            return None  # user.group is ambiguous; after --from the kept group is unknown
        return f"{user}:0"
    if not group or (user and not re.match(_NAME, user)) or not re.match(_NAME, group):
        return None  # ``user:`` means the login group, which --chown cannot say
    if not user:
        return None if from_stage else f"0:{group}"
    return f"{user}:{group}"


def _resolve(workdir: str | None, path: str) -> str | None:
    if path.startswith("/"):
        return posixpath.normpath(path) if not path.startswith("//") else posixpath.normpath(path[1:])
    if workdir is None:
        return None
    return posixpath.normpath(posixpath.join(workdir, path))


def _source_kind(files: BuildContext | None, sources: Sequence[str]) -> str | None:
    """``file`` or ``dir`` when the build context shows the one source is that, else None."""
    if files is None or len(sources) != 1 or any(c in sources[0] for c in "*?["):
        return None
    name = sources[0].strip("/") or "."
    if files.is_link(name):
        return None
    return files.kind(name)


def _earlier_writer(dest: str, before: Sequence[tuple[Instruction, str | None]]) -> str | None:
    """An earlier instruction of the stage that may write at or under ``dest``: a COPY or
    ADD there, a RUN that names it or runs in it."""
    under = re.compile(re.escape(dest) + r"(?![^/\s\"';&|)])")
    for inst, workdir in before:
        if isinstance(inst, (Copy, Add)):
            written = inst.exec_form.values[-1] if inst.exec_form else inst.destination.text if inst.destination else ""
            if under.match(_resolve(workdir, written) or written):
                return f"line {inst.line} {inst.name}"
        elif isinstance(inst, Run):
            text = inst.command.text if isinstance(inst.command, ShellForm) else ""
            if under.search(text) or (workdir is not None and under.match(workdir)):
                return f"line {inst.line} RUN"
    return None


def _add_flag(copy: Copy, owner: str) -> Edit:
    at = copy.start + len(copy.text) - len(copy.text.lstrip(" \t")) + len(copy.keyword)
    return Edit(at, at, f" --chown={owner}")


def _remove_command(run: Run, script: shell.Script, command: shell.SimpleCommand) -> Edit:
    if len(script.commands) == 1:
        return Edit(run.full_start, run.end, "")
    start, end = run.at(command.start), run.at(script.commands[1].start)
    return Edit(start, end, "")
