"""DO106 copy-chmod: give a copied file its mode with ``COPY --chmod``, not a later ``chmod``.

What it does
    Finds a ``COPY`` followed by a ``RUN`` whose first command is ``chmod MODE PATH`` of
    the file just copied, and moves the mode into the ``COPY``::

        COPY entrypoint.sh /usr/local/bin/          COPY --chmod=755 entrypoint.sh /usr/local/bin/
        RUN chmod +x /usr/local/bin/entrypoint.sh   ->

    The mode is worked out as ``chmod`` would: an octal mode as written; a symbolic one
    (``+x``, ``u+x,go-w``, ``a=r``...) from the file's mode in the build context, with
    the umask a RUN has (022) for clauses without ``u``/``g``/``o``/``a``. When the
    ``chmod`` is the whole ``RUN``, the ``RUN`` goes; when it starts an ``&&`` chain,
    only ``chmod ... &&`` goes.

Why
    ``chmod`` changes the metadata of the file, and a layer stores a changed file whole:
    the ``RUN`` layer holds a second copy of every byte the ``COPY`` wrote.

Example
    ::

        FROM debian:bookworm-slim
        COPY run.sh /usr/local/bin/run.sh
        RUN chmod 755 /usr/local/bin/run.sh

    becomes::

        FROM debian:bookworm-slim
        COPY --chmod=755 run.sh /usr/local/bin/run.sh

Fix safety
    The file's mode is the same when the build context shows one regular file and the
    mode is worked out from it: then the fix is safe if the file declares a ``# syntax=
    docker/dockerfile`` frontend that has ``COPY --chmod`` (1.2 or later), unsafe
    without a directive (BuildKit and buildah read ``--chmod``, the legacy builder,
    ``DOCKER_BUILDKIT=0``, rejects it). Checked by real builds (``tests/builds``).

    A suggestion: without a build context (the source may be a folder, whose files
    ``--chmod`` would all set alike); for a folder (``chmod -R`` also sets the
    destination folder, which ``COPY --chmod`` leaves 0755: a real build shows
    ``/opt/bin`` 0700 against 0755); with ``--from`` (the file's mode in that stage is
    unknown); for a mode with setuid, setgid or sticky bits.

When it refuses
    No finding: the ``chmod`` is not the first command of a plain ``&&`` chain, or the
    ``RUN`` has flags, a heredoc or exec form; an instruction other than ``ENV``,
    ``ARG``, ``LABEL``, ``WORKDIR``, ``EXPOSE``, ``CMD``... lies between; the ``COPY``
    has ``--chmod`` already, a heredoc, or is an ``ADD``; ``chmod`` has options other
    than ``-R``, several paths, a path that is not what was copied, or a mode it cannot
    read (``u=g``, variables); a symbolic mode without a context to read the file's
    mode from gets a finding without a fix.

See also
    DO211 copy-chown (the same for the owner). hadolint has no rule for this.
"""

from __future__ import annotations

import posixpath
import re

from dockeropt import shell
from dockeropt.cst import Add, Copy, Dockerfile
from dockeropt.model import Build, build_of
from dockeropt.transforms import _layers as ly
from dockeropt.transforms.base import Applicability, Context, Finding, Fix, finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from dockeropt.buildcontext import BuildContext

UMASK = 0o022  # what a RUN's shell starts with under BuildKit and buildah
# patterns, not compiled: re compiles (and caches) each on first use, which most runs never reach
_CLAUSE = r"([ugoa]*)([-+=][rwxXst]*)+\Z"
_ACTION = r"([-+=])([rwxXst]*)"
_WHO = {"u": 0o4700, "g": 0o2070, "o": 0o1007}
_PERM = {"r": 0o444, "w": 0o222, "x": 0o111, "s": 0o6000, "t": 0o1000}


class CopyChmod:
    __doc__ = __doc__

    code = "DO106"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "copy-chmod"
    summary = "Set the mode with COPY --chmod instead of a RUN chmod of the copied file"
    instructions = frozenset({"COPY"})
    words = ("chmod",)

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        build = build_of(tree)
        for inst in tree.instructions:
            if isinstance(inst, Copy) and not isinstance(inst, Add) and inst.flag("chmod") is None and id(inst) in build.stage_index:
                found = self._pair(tree, build, inst, context.files)
                if found is not None:
                    yield found

    def _pair(self, tree: Dockerfile, build: Build, inst: Copy, files: BuildContext | None) -> Finding | None:
        copy = ly.copied(build, inst)
        run = ly.next_run(build, inst)
        if copy is None or run is None or run.flags or len(copy.sources) != 1:
            return None
        srun = ly.shell_run(tree, run)
        if srun is None or not shell.is_simple_chain(srun.script):
            return None
        command = srun.script.commands[0]
        argv = ly.plain_argv(command)
        if not argv or posixpath.basename(argv[0]) != "chmod":
            return None
        words = [w for w in argv[1:] if w != "--"]
        recursive = bool(words) and words[0] in ("-R", "--recursive")
        words = words[1:] if recursive else words
        if len(words) != 2 or words[0].startswith("-") and not re.match(_CLAUSE, words[0]):
            return None
        expression, operand = words
        target = build.state(run).resolve(operand)
        source = copy.sources[0]
        kind = ly.source_kind(files, copy, source)
        landed = {p for p in (copy.target(source, d) for d in ([kind == "dir"] if kind else [False, True])) if p}
        if target is None or target not in landed:
            return None
        mode = _octal(expression)
        if kind == "file" and files is not None and mode is None:
            current = files.mode(posixpath.normpath(source.lstrip("/")))
            mode = apply_mode(expression, current, directory=False) if current is not None else None
        if mode is None and not _readable(expression):
            return None
        size = ly.bytes_of(files, copy, source)
        copied = f" ({ly.human(size)})" if size is not None else ""
        message = f"`{command.text}` after COPY rewrites what was copied{copied} in a new layer"
        if mode is None:
            return finding(self.code, message + ": use COPY --chmod with the mode it gives", run)
        applicability = Applicability.SUGGESTION
        if kind == "file":
            declared = ly.syntax_at_least(tree, 2)
            if declared is False:
                return finding(self.code, message + f": COPY --chmod={mode:o} needs a newer # syntax", run)
            applicability = Applicability.SAFE if declared else Applicability.UNSAFE
        if copy.inst.flag("from") is not None or mode & 0o7000:
            applicability = Applicability.SUGGESTION
        removed = ly.remove_commands(tree, srun, [0])
        if removed is None:
            return finding(self.code, message + f": use COPY --chmod={mode:o}", run)
        edits = (ly.insert_flag(inst, f"--chmod={mode:o}"), *removed)
        fix = Fix(f"Use COPY --chmod={mode:o} and drop the chmod", edits, applicability)
        return finding(self.code, message + f": use COPY --chmod={mode:o}", run, fix)


def _octal(expression: str) -> int | None:
    if re.fullmatch(r"[0-7]{1,4}", expression):
        return int(expression, 8)
    return None


def _readable(expression: str) -> bool:
    return all(re.match(_CLAUSE, c) for c in expression.split(","))


def apply_mode(expression: str, mode: int, *, directory: bool, umask: int = UMASK) -> int | None:
    """The mode ``chmod expression`` gives a file of mode ``mode``, or None when the
    expression is not one this reads (octal, or ``[ugoa]*[-+=][rwxXst]*`` clauses)."""
    octal = _octal(expression)
    if octal is not None:
        return octal
    mode &= 0o7777
    for clause in expression.split(","):
        m = re.match(_CLAUSE, clause)
        if m is None:
            return None
        who = m.group(1)
        mask = 0o7777 if not who or "a" in who else sum(_WHO[w] for w in set(who))
        limit = ~umask & 0o7777 if not who else 0o7777  # no who: the umask's bits are left alone
        for op, perms in re.findall(_ACTION, clause[len(who) :]):
            bits = 0
            for p in perms:
                if p == "X":
                    if directory or mode & 0o111:
                        bits |= 0o111
                else:
                    bits |= _PERM[p]
            bits &= mask & limit
            if not who and "s" in perms:
                bits &= ~0o1000
            if op == "+":
                mode |= bits
            elif op == "-":
                mode &= ~bits
            else:
                if not who:
                    return None  # ``=`` without who: the umask rule differs between chmods
                mode = (mode & ~(mask & 0o7777)) | bits
    return mode
