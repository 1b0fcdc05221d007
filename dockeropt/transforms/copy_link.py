"""DO109 copy-link: ``COPY --link`` where it gives the same files, so the layer survives a
change below it.

What it does
    In a file that declares a ``# syntax=docker/dockerfile`` frontend of version 1.4 or
    later (or a channel: ``1``, ``labs``, ``latest``), suggests ``--link`` on a ``COPY``
    of a stage that ships when the ``COPY`` meets the conditions under which BuildKit's
    documentation and issues show ``--link`` gives the same files:

    - no part of the destination can be a symlink the base image made (``/bin``,
      ``/sbin``, ``/lib*``, ``/var/run``, ``/var/lock``): with ``--link`` the ``COPY``
      cannot read the layers below, so it does not follow them (the Dockerfile
      reference, ``COPY --link``);
    - the destination is a new folder: no earlier instruction of the stage (or of the
      stages it is built ``FROM``) wrote into it, and every folder above it is one that
      is root's and 0755 in any image (``/``, ``/usr/local``, ``/etc``, ``/opt``,
      ``/srv``...) or that a ``WORKDIR`` made as root. The linked layer carries the
      destination's folders as root's with 0755, and they replace the base image's
      (moby/buildkit#3602: ``COPY --link x /tmp/`` turned ``/tmp`` from 1777 to 0755);
    - what is copied is a folder, or the destination ends with ``/`` (without the layers
      below, ``COPY file /app`` cannot tell whether ``/app`` is a folder);
    - no ``--chown``: a name needs the image's ``/etc/passwd``, which a linked layer
      cannot read, and the owner also goes to the folders above (docker/buildx#1855).

Why
    Without ``--link`` a ``COPY`` layer is computed on top of the layers below it, and
    rebuilt whenever one of them changes (a new base image, an earlier ``RUN``). With
    ``--link`` the copied files make a layer of their own that BuildKit reuses and
    rebases onto the new layers below, without copying again, and can push without
    pulling the base (the Dockerfile reference, ``COPY --link``).

Example
    ::

        # syntax=docker/dockerfile:1
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        FROM gcr.io/distroless/static-debian12
        COPY --from=build /out/ /app/

    Suggested::

        COPY --link --from=build /out/ /app/

Fix safety
    A suggestion, never applied: whether the base image has the destination already
    (with another owner or mode) is not in the file, buildah 1.28 (the version the
    real-build suite runs) and the legacy builder reject ``--link``, and the gain is in
    the cache of the builder and the registry, not in the image.

When it refuses
    No finding: no ``# syntax=`` directive, or one older than 1.4 or not Docker's; the
    ``COPY`` has ``--link`` already, ``--parents``, ``--exclude``, ``--chown``, a
    heredoc, variables, quotes or globs in its paths; the destination is ``/``, ``/tmp``,
    ``/var/tmp``, ``/root``, ``/home``, ``/run`` or below a folder not known to be root's;
    the stage does not ship; an ``ADD``.

See also
    DO102 manifests-first (the order of layers).
"""

from __future__ import annotations

import posixpath
import re

from dockeropt.cst import Add, Copy, Dockerfile, Instruction, Run, ShellForm, Workdir
from dockeropt.model import Build, build_of
from dockeropt.transforms import _layers as ly
from dockeropt.transforms.base import Applicability, Context, Finding, Fix, finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from dockeropt.buildcontext import BuildContext

# Paths that a base image may have as symlinks (merged /usr, /var/run -> /run).
_LINKED = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/var/run", "/var/lock")
# Folders that are root's and 0755 in every image: the linked layer writes the destination's
# folders that way, over what the base has (moby/buildkit#3602, moby/moby#44956).
ROOT_FOLDERS = frozenset({
    "/", "/usr", "/usr/local", "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib", "/usr/local/share",
    "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/share", "/etc", "/opt", "/srv", "/var", "/var/lib",
})
_SPECIAL = frozenset({"/tmp", "/var/tmp", "/root", "/home", "/run", "/dev", "/dev/shm", "/proc", "/sys"})


class CopyLink:
    __doc__ = __doc__

    code = "DO109"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "copy-link"
    summary = "Use COPY --link where the copy does not depend on the layers below"
    instructions = frozenset({"COPY"})
    fix_kinds = frozenset({Applicability.SUGGESTION})  # the applicabilities its fixes can have

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        if not ly.syntax_at_least(tree, 4):
            return
        build = build_of(tree)
        files = context.files
        for stage in build.stages:
            if not stage.ships:
                continue
            for inst in stage.stage.instructions:
                if isinstance(inst, Copy) and not isinstance(inst, Add) and self._linkable(build, inst, files):
                    fix = Fix("Add --link", (ly.insert_flag(inst, "--link"),), Applicability.SUGGESTION)
                    message = (
                        "this COPY needs nothing from the layers below it: with --link its layer "
                        "is reused when they change (a new base image) instead of copied again"
                    )
                    yield finding(self.code, message, inst, fix)

    def _linkable(self, build: Build, inst: Copy, files: BuildContext | None) -> bool:
        if any(f.name in ("link", "parents", "exclude") for f in inst.flags):
            return False
        if inst.flag("chown") is not None:
            return False  # the linked layer gives the owner to the folders above too (docker/buildx#1855)
        copy = ly.copied(build, inst)
        if copy is None or copy.dest is None or copy.dest in _SPECIAL or copy.dest == "/":
            return False
        if any(copy.dest == p or copy.dest.startswith(p + "/") for p in _LINKED):
            return False
        parent = posixpath.dirname(copy.dest)
        while parent not in ROOT_FOLDERS:
            if parent in _made_by_root(build, inst):
                parent = posixpath.dirname(parent)
                continue
            return False
        folders = all(s.endswith("/") or ly.source_kind(files, copy, s) == "dir" for s in copy.sources)
        if not (copy.into_folder or folders):
            return False
        return not _written_before(build, inst, copy.dest)


def _made_by_root(build: Build, inst: Copy) -> set[str]:
    """The folders WORKDIRs of the stage's lineage made as root before ``inst`` (0755,
    root's: what the linked layer writes too)."""
    made: set[str] = set()
    stage = build.stage_of(inst)
    for model in reversed(build.lineage(stage)):
        for other in model.stage.instructions:
            if model is stage and other.start >= inst.start:
                break
            if isinstance(other, Workdir) and build.state(other).root:
                path = build.after(other).workdir
                while path and path != "/":
                    made.add(path)
                    path = posixpath.dirname(path)
    return made


def _written_before(build: Build, inst: Copy, dest: str) -> bool:
    """An earlier instruction of the stage's lineage wrote at, under or above ``dest``'s
    folder (a WORKDIR made by root only counts when under it)."""
    under = re.compile(re.escape(dest.rstrip("/")) + r"(?![^/\s\"';&|)])")
    stage = build.stage_of(inst)
    for model in build.lineage(stage):
        for other in model.stage.instructions:
            if model is stage and other.start >= inst.start:
                break
            if _writes(build, other, dest, under):
                return True
    return False


def _writes(build: Build, other: Instruction, dest: str, under: re.Pattern[str]) -> bool:
    state = build.state(other)
    if isinstance(other, (Copy, Add)):
        copy = ly.copied(build, other)
        target = copy.dest if copy is not None else None
        return target is None or bool(under.match(target)) or dest.startswith(target.rstrip("/") + "/")
    if isinstance(other, Workdir):
        made = build.after(other).workdir
        return made is None or bool(under.match(made)) and not state.root  # made by another user: its owner
    if isinstance(other, Run):
        text = other.command.text if isinstance(other.command, ShellForm) else " ".join(other.value)
        workdir = state.workdir
        if under.search(text):
            return True
        if workdir is None:  # relative paths from a folder the file does not name
            return posixpath.basename(dest.rstrip("/")) in text
        # it runs in the destination, or above it where a relative path may make it
        return bool(under.match(workdir)) or workdir != "/" and dest.startswith(workdir.rstrip("/") + "/")
    return False
