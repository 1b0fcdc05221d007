"""DO105 copy-deleted: do not COPY a file that a later RUN deletes or moves.

What it does
    Finds a ``COPY`` or ``ADD`` in a stage that ships whose file (or folder) a later
    ``RUN`` of the stage deletes (``rm``) or moves away (``mv``): an archive copied,
    extracted and removed; an installer copied, run and removed; a binary copied to
    ``/tmp`` and moved into place. The message gives the bytes at stake when the build
    context shows them.

    Where the ``RUN`` right after the ``COPY`` is a plain ``&&`` chain, it offers one
    of three rewrites:

    - a local tar archive extracted into a folder and removed::

          COPY app.tar.gz /tmp/                    ADD app.tar.gz /opt/
          RUN tar -xzf /tmp/app.tar.gz -C /opt \\   ->
              && rm /tmp/app.tar.gz

      ``ADD`` extracts a local archive (gzip, bzip2, xz or none, told by its content)
      in one layer; a ``mkdir -p`` of the folder before the ``tar`` goes too;
    - a file used and removed: the ``RUN`` gets it through a bind mount of the build
      context that is never stored::

          COPY install.sh /tmp/                    RUN --mount=type=bind,source=install.sh,target=/tmp/install.sh,rw \\
          RUN sh /tmp/install.sh \\           ->       sh /tmp/install.sh
              && rm /tmp/install.sh

      (``rw``: what the commands write there is thrown away, as the ``rm`` did);
    - a file moved into place: the ``COPY`` writes it there, and the ``mv`` goes;
    - a file copied and deleted by a ``RUN`` that does nothing else: both go.

Why
    A layer keeps every byte it adds. An ``rm`` in a later layer only hides the file:
    the image still stores, pushes and pulls it, and ``mv`` stores it a second time.

Example
    ::

        FROM debian:bookworm-slim
        COPY vendor.tar.gz /tmp/
        RUN tar -xzf /tmp/vendor.tar.gz -C /opt && rm /tmp/vendor.tar.gz

    becomes::

        FROM debian:bookworm-slim
        ADD vendor.tar.gz /opt/

Fix safety
    ``ADD`` instead of ``tar``: safe when the build context shows the archive and every
    entry of it is a plain file, folder or link owned by 0:0 with a relative name, and
    the ``RUN`` runs as root: ``tar`` run by root and ``ADD`` then write the same files
    with the same owners, modes and times (checked by real builds, ``tests/builds``).
    Entries of other owners make it a suggestion: ``tar`` maps their names through the
    image's ``/etc/passwd``, ``ADD`` keeps the numbers (a real build: an entry of uid
    1000 named ``www-data`` is 33:33 after ``tar``, 1000:1000 after ``ADD``). Without a
    context, a suggestion.

    The bind mount: unsafe when the file declares a ``# syntax=docker/dockerfile``
    frontend that has ``RUN --mount`` (1.2 or later), the context shows the source and
    it was copied straight into ``/tmp`` or ``/``; a suggestion otherwise. The
    legacy builder rejects ``--mount`` (so without a directive, a suggestion), and the
    mounted files keep the owner the context gives them, where ``COPY`` made them
    0:0: a command that copies them with their owner (``cp -a``) would see a
    difference. An ``rm`` of the copied path is dropped; it would fail on a mount.
    The builders may keep the mount point in the layer: a folder mounted at a path the
    image did not have can stay as an empty folder, root's, 0755, where the ``rm -rf``
    left nothing (BuildKit in Docker 20.10 does; buildah 1.28 does with some stores and
    not with others; tests/builds/test_waste_builds.py, test_waste_verify_builds.py).

    Dropping a ``COPY`` and a ``RUN`` that only deletes it: unsafe when the context
    shows the source and it went straight into ``/tmp`` or ``/``, a suggestion otherwise.

    ``COPY`` to the place ``mv`` puts it: unsafe when the file went straight into
    ``/tmp`` or ``/`` (nothing the ``COPY`` created stays behind) and the context
    shows a file; ``mv`` keeps the owner, mode and time, as ``COPY`` writes them.

When it refuses
    No finding: the stage does not ship; the ``COPY`` has variables, quotes, globs or
    a heredoc; no later ``RUN`` of the stage removes or moves the path; an instruction
    that writes the path again (``COPY``/``ADD``) comes first.

    A finding without a fix: the removal is not in the ``RUN`` right after (with only
    ``ENV``, ``ARG``, ``LABEL``, ``WORKDIR``... between); that ``RUN`` is not a plain
    ``&&`` chain, is in exec form or has a heredoc; the ``rm`` removes a folder above
    the path or a glob; the ``COPY`` has several sources, ``--from``, ``--chown``,
    ``--chmod`` or ``--link`` (the mount and ``ADD`` cannot say them), or is an ``ADD``;
    a command after the ``rm`` names the path.

See also
    DO101 merge-run (what one RUN creates and the next deletes), DO212 add-to-copy.
    hadolint has no rule for this.
"""

from __future__ import annotations

import fnmatch
import posixpath

from dockeropt import shell
from dockeropt.cst import Add, Copy, Dockerfile, Run, Stage
from dockeropt.model import Build, build_of
from dockeropt.transforms import _layers as ly
from dockeropt.transforms._packages import ShellRun, delete_word
from dockeropt.transforms.base import (
    Applicability,
    Context,
    Edit,
    Finding,
    Fix,
    finding,
    per_script,
    style_of,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from dockeropt.buildcontext import BuildContext

_RM_OPTIONS = frozenset({"-f", "-r", "-R", "-rf", "-fr", "-Rf", "-fR", "--force", "--recursive"})
_TAR_LETTERS = frozenset("xzjJvfp")  # extract, a compression, verbose, file, keep modes
_SCRATCH = ("/tmp", "/")  # folders every image has: a COPY into them creates nothing else


class CopyDeleted:
    __doc__ = __doc__

    code = "DO105"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "copy-deleted"
    summary = "Do not COPY what a later RUN deletes or moves: the bytes stay in the COPY's layer"
    instructions = frozenset({"COPY", "ADD"})
    words = ("rm", "mv")

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        build = build_of(tree)
        files = context.files
        for stage in build.stages:
            if not stage.ships or not _removes_anything(tree, stage.stage):
                continue  # no rm or mv in a RUN of the stage: nothing it copies is taken back
            for inst in stage.stage.instructions:
                copy = ly.copied(build, inst)
                if copy is not None and copy.dest is not None and len(copy.sources) == 1:
                    found = self._copy(tree, build, files, copy)
                    if found is not None:
                        yield found

    def _copy(self, tree: Dockerfile, build: Build, files: BuildContext | None, copy: ly.Copied) -> Finding | None:
        source = copy.sources[0]
        kind: str | None
        if isinstance(copy.inst, Add) and "://" in source:
            kind = "file"
        else:
            kind = ly.source_kind(files, copy, source)
            if isinstance(copy.inst, Add) and _extracted(files, source, kind):
                return None  # ADD unpacked it: the archive itself never was in the layer
        kinds = [kind == "dir"] if kind else [False, True]
        # as a file first: where the context does not say, the removal is matched against
        # the file's own path before the folder's (an ordered list: the same answer every run)
        paths = list(dict.fromkeys(p for p in (copy.target(source, d) for d in kinds) if p and p != "/"))
        hit = _first_removal(tree, build, copy, paths)
        if hit is None:
            return None
        srun, command, path, verb = hit
        size = None if "://" in source else _bytes(files, copy, source)
        name = posixpath.basename(source.rstrip("/")) or source
        what = ("the whole context" if name == "." else name) + (f" ({ly.human(size)})" if size is not None else "")
        verbed = "moves it away" if verb == "mv" else "deletes it"
        message = f"{copy.inst.name} brings in {what} and the RUN on line {srun.run.line} {verbed}: its bytes stay in this layer"
        if isinstance(copy.inst, Add) and "://" in source:
            return finding(self.code, message + "; download, use and delete it in one RUN", copy.inst)
        fix = None
        if ly.next_run(build, copy.inst) is srun.run:
            fix = _fix(tree, build, files, copy, kind, srun, command, path, verb)
        if fix is None and verb == "mv":
            message += "; COPY it to where it goes"
        elif fix is None:
            extract = " or extract it with ADD" if _extracted(files, source, kind) else ""
            message += "; use it from a bind mount (RUN --mount=type=bind)" + extract
        return finding(self.code, message, copy.inst, fix)


def _bytes(files: BuildContext | None, copy: ly.Copied, source: str) -> int | None:
    """``ly.bytes_of`` a local source, once per build context: each pass over a file asks again."""
    if files is None:
        return None
    key = ("bytes of", source, copy.inst.flag("from") is not None)  # what ``source_kind`` reads of the COPY
    return files.remembered(key, lambda: ly.bytes_of(files, copy, source), sized=True)


def _extracted(files: BuildContext | None, source: str, kind: str | None) -> bool:
    """ADD extracts this local source: the context shows an archive, or (without one) its
    name says so."""
    if kind == "file" and files is not None:
        return ly.is_archive(files, posixpath.normpath(source.lstrip("/")))
    return kind is None and source.lower().endswith(ly.ARCHIVE_NAMES)


def _first_removal(
    tree: Dockerfile, build: Build, copy: ly.Copied, paths: list[str]
) -> tuple[ShellRun, shell.SimpleCommand, str, str] | None:
    """The first later RUN command of the stage that removes or moves one of ``paths``."""
    for inst in ly.body_after(build, copy.inst):
        if isinstance(inst, (Copy, Add)) and _writes_again(build, inst, paths):
            return None
        if not isinstance(inst, Run):
            continue
        srun = ly.shell_run(tree, inst)
        if srun is None:
            if any(p in inst.text for p in paths):
                return None
            continue
        state = build.state(inst)
        for command, tool, operands, moved in _removals(srun.script):
            for operand in operands:
                where = state.resolve(operand) if operand.startswith("/") or not moved else None
                path = next((p for p in paths if where and _covers(where, p)), None)
                if path is not None:
                    return srun, command, path, tool
    return None


def _removes_anything(tree: Dockerfile, stage: Stage) -> bool:
    """A RUN of the stage that the rule reads has an ``rm`` or an ``mv``."""
    return any(_removals(srun.script) for srun in ly.stage_runs(tree, stage))


@per_script
def _removals(script: shell.Script) -> tuple[tuple[shell.SimpleCommand, str, tuple[str, ...], bool], ...]:
    """The plain ``rm`` and ``mv`` commands of a script: each with its tool, the operands it
    takes away, and whether a ``cd`` before it makes relative operands unknown."""
    found = []
    moved = False
    for command in script.commands:
        argv = ly.plain_argv(command)
        if not argv:
            continue
        tool = posixpath.basename(argv[0])
        if tool in ("cd", "pushd", "popd"):
            moved = True
        elif tool in ("rm", "mv"):
            found.append((command, tool, tuple(_operands(argv, tool)), moved))
    return tuple(found)


def _writes_again(build: Build, inst: Copy | Add, paths: list[str]) -> bool:
    """A later COPY/ADD writes one of ``paths`` again (or may: its paths are not plain)."""
    again = ly.copied(build, inst)
    if again is None or again.dest is None:
        return True
    for source in again.sources:
        folder = again.target(source, True) or ""
        if again.target(source, False) in paths or folder in paths:
            return True
        if (source.endswith("/") or source == ".") and any(p.startswith(folder.rstrip("/") + "/") for p in paths):
            return True
    return False


def _operands(argv: tuple[str, ...], tool: str) -> list[str]:
    words = [w for w in argv[1:] if w != "--"]
    operands = [w for w in words if not w.startswith("-")]
    return operands[:-1] if tool == "mv" else operands  # mv's last operand is where it goes


def _covers(operand: str, path: str) -> bool:
    """``rm operand`` takes ``path`` away: the path itself, a folder above it, or a glob of
    either."""
    prefixes = [path] + [path[:i] for i in range(len(path)) if path[i] == "/" and i > 0]
    if any(c in operand for c in "*?["):
        return any(fnmatch.fnmatchcase(p, operand) for p in prefixes)
    return operand in prefixes


def _fix(
    tree: Dockerfile, build: Build, files: BuildContext | None, copy: ly.Copied, kind: str | None,
    srun: ShellRun, command: shell.SimpleCommand, path: str, verb: str,
) -> Fix | None:
    inst = copy.inst
    if isinstance(inst, Add) or inst.exec_form is not None or inst.destination is None:
        return None
    if not shell.is_simple_chain(srun.script):
        return None
    if verb == "mv":
        return _move_fix(tree, build, copy, kind, srun, command, path)
    if inst.flags:
        return None
    tar = _extract_fix(tree, build, files, copy, kind, srun, path)
    if tar is not None:
        return tar
    return _mount_fix(tree, copy, kind, srun, command, path)


# --- ADD for tar -------------------------------------------------------------------------------


def _extract_fix(
    tree: Dockerfile, build: Build, files: BuildContext | None, copy: ly.Copied, kind: str | None,
    srun: ShellRun, path: str,
) -> Fix | None:
    commands = srun.script.commands
    state = build.state(srun.run)
    start = 0
    folder: str | None = None
    first = ly.plain_argv(commands[0])
    if first and first[0] == "mkdir" and len(first) == 3 and first[1] in ("-p", "--parents"):
        folder, start = state.resolve(first[2]), 1
    if len(commands) < start + 2:
        return None
    tar = _tar(ly.plain_argv(commands[start]) or ())
    if tar is None:
        return None
    archive, into = tar
    into = state.resolve(into) if into is not None else state.workdir
    if state.resolve(archive) != path or into is None or (start and folder != into):
        return None
    rm = ly.plain_argv(commands[start + 1]) or ()
    if not rm or rm[0] != "rm" or [state.resolve(o) for o in _operands(rm, "rm")] != [path] or not _rm_options(rm):
        return None
    if any(path in c.text for c in commands[start + 2 :]):
        return None
    removed = ly.remove_commands(tree, srun, range(start + 2))
    if removed is None:
        return None
    inst = copy.inst
    destination = inst.destination
    applicability = _archive_applicability(files, copy, kind, state.root)
    if applicability is None or destination is None:
        return None
    style = style_of(tree)
    keyword_at = inst.start + len(inst.text) - len(inst.text.lstrip(" \t"))
    dest = into.rstrip("/") + "/"
    edits = [
        Edit(keyword_at, keyword_at + len(inst.keyword), style.keyword("add")),
        Edit(destination.start, destination.end, dest),
        *removed,
    ]
    return Fix(f"Extract with ADD {copy.sources[0]} {dest} and drop the tar", tuple(edits), applicability)


def _tar(argv: tuple[str, ...]) -> tuple[str, str | None] | None:
    """(archive, folder) of a plain ``tar -x -f ARCHIVE [-C FOLDER]``; None for anything else."""
    if not argv or argv[0] != "tar":
        return None
    words = list(argv[1:])
    archive = folder = None
    extract = False
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-C", "--directory") and i + 1 < len(words):
            folder, i = words[i + 1], i + 2
            continue
        if word.startswith("--directory="):
            folder = word.partition("=")[2]
        elif word.startswith("--file="):
            archive = word.partition("=")[2]
        elif word in ("--extract", "-x", "--gzip", "-z", "--verbose", "-v", "-j", "-J", "--bzip2", "--xz"):
            extract = extract or word in ("--extract", "-x")
        elif word in ("-f", "--file") and i + 1 < len(words):
            archive, i = words[i + 1], i + 2
            continue
        elif (i == 0 or word.startswith("-")) and set(word.lstrip("-")) <= _TAR_LETTERS and word.lstrip("-"):
            letters = word.lstrip("-")
            extract = extract or "x" in letters
            if "f" in letters:
                if not letters.endswith("f") or i + 1 >= len(words):
                    return None
                archive, i = words[i + 1], i + 2
                continue
        else:
            return None  # another option, or member names: not the whole archive
        i += 1
    return (archive, folder) if extract and archive else None


def _archive_applicability(files: BuildContext | None, copy: ly.Copied, kind: str | None, root: bool) -> Applicability | None:
    """Safe when the archive's entries are plain and root's; a suggestion when the context
    cannot show that; None when the file is no archive ADD would extract."""
    if files is None or kind != "file":
        return Applicability.SUGGESTION
    name = posixpath.normpath(copy.sources[0].lstrip("/"))
    if not ly.is_archive(files, name):
        return None  # ADD would copy it as it is
    try:
        import tarfile  # here: only an archive a RUN extracts is read (2 ms of a cold start)

        with tarfile.open(files.path(name)) as archive:
            members = archive.getmembers()
    except (OSError, tarfile.TarError, EOFError):
        return Applicability.SUGGESTION
    plain = all(
        (m.isfile() or m.isdir() or m.issym())
        and m.uid == 0 and m.gid == 0
        and not m.name.startswith("/")
        and ".." not in m.name.split("/")
        and posixpath.normpath(m.name) != "."
        for m in members
    )
    return Applicability.SAFE if plain and root else Applicability.SUGGESTION


# --- a bind mount --------------------------------------------------------------------------------


def _mount_fix(
    tree: Dockerfile, copy: ly.Copied, kind: str | None, srun: ShellRun, command: shell.SimpleCommand, path: str
) -> Fix | None:
    argv = ly.plain_argv(command) or ()
    operands = _operands(argv, "rm")
    if not _rm_options(argv):
        return None
    if path not in [_absolute(o) for o in operands]:
        return None  # it removes a folder above, or a glob: the mount point is in the way
    later = srun.script.commands[command.index + 1 :]
    if any(path in c.text or posixpath.basename(path) in c.text for c in later):
        return None
    if len(operands) == 1:
        removed = ly.remove_commands(tree, srun, [command.index])
    else:
        token = next(w for w in command.words[1:] if _absolute(w.value) == path)
        edit = delete_word(tree, srun, token)
        removed = [edit] if edit else None
    if removed is None:
        return None
    if removed[0].start == srun.run.full_start and removed[0].end == srun.run.end:
        # the RUN only deleted it: no mount needed, the two go
        scratch = kind is not None and posixpath.dirname(path) in _SCRATCH
        edits = [ly.delete_instruction(copy.inst), *removed]
        tier = Applicability.UNSAFE if scratch else Applicability.SUGGESTION
        return Fix("Drop the COPY and the RUN that deletes it", tuple(edits), tier)
    mounts = ly.syntax_at_least(tree, 2)
    if mounts is False:
        return None
    source = copy.sources[0].rstrip("/") or "."
    applicability = Applicability.SUGGESTION
    if mounts and kind is not None and posixpath.dirname(path) in _SCRATCH:
        applicability = Applicability.UNSAFE
    flag = f"--mount=type=bind,source={source},target={path},rw"
    edits = [ly.delete_instruction(copy.inst), ly.insert_flag(srun.run, flag), *removed]
    return Fix(f"Mount {source} in the RUN instead of copying it", tuple(edits), applicability)


def _absolute(operand: str) -> str | None:
    # the mount needs the path the rm names whatever a ``cd`` before it did: absolute only
    return posixpath.normpath(operand) if operand.startswith("/") else None


def _rm_options(argv: tuple[str, ...]) -> bool:
    return all(w in _RM_OPTIONS for w in argv[1:] if w.startswith("-"))


# --- COPY to where mv puts it -----------------------------------------------------------------------


def _move_fix(
    tree: Dockerfile, build: Build, copy: ly.Copied, kind: str | None, srun: ShellRun, command: shell.SimpleCommand, path: str
) -> Fix | None:
    argv = ly.plain_argv(command) or ()
    operands = _operands(argv, "mv") + [argv[-1]] if argv else []
    if len(operands) != 2 or any(w.startswith("-") and w not in ("-f", "--force") for w in argv[1:]):
        return None
    commands = srun.script.commands
    before = [ly.plain_argv(c) for c in commands[: command.index]]
    if any(not b or b[0] != "mkdir" for b in before):
        return None  # only a mkdir of the place may come first
    state = build.state(srun.run)
    if state.resolve(operands[0]) != path:
        return None
    where = state.resolve(operands[1])
    if where is None or copy.inst.flag("link") is not None:
        return None
    dest = where + ("/" if operands[1].endswith("/") and where != "/" else "")
    removed = ly.remove_commands(tree, srun, [command.index])
    if removed is None:
        return None
    safe_place = posixpath.dirname(path) in _SCRATCH and kind == "file"
    applicability = Applicability.UNSAFE if safe_place else Applicability.SUGGESTION
    destination = copy.inst.destination
    if destination is None:
        return None
    edits = [Edit(destination.start, destination.end, dest), *removed]
    return Fix(f"COPY straight to {dest} and drop the mv", tuple(edits), applicability)
