"""DO109 copy-link: ``COPY --link`` where BuildKit documents it as the same, so the layer
survives a change below it.

What it does
    In a file that declares a ``# syntax=docker/dockerfile`` frontend of version 1.4 or
    later (or a channel: ``1``, ``labs``, ``latest``), suggests ``--link`` on a ``COPY``
    of a stage that ships when the ``COPY`` meets the conditions of BuildKit's
    documentation for ``--link``:

    - the destination is a folder no earlier instruction of the stage (or the stages it
      is built ``FROM``) wrote into: the ``COPY`` fills a new, empty folder;
    - no part of the destination can be a symlink the base image made (``/bin``,
      ``/sbin``, ``/lib*``, ``/var/run``, ``/var/lock``, and ``/`` itself): with
      ``--link`` the ``COPY`` cannot read the layers below, so it does not follow them;
    - what is copied is a folder, or the destination ends with ``/`` (without the layers
      below, ``COPY file /app`` cannot tell whether ``/app`` is a folder);
    - no ``--chown`` by name: resolving a name needs the image's ``/etc/passwd``, which
      a linked layer cannot read; numeric ids are fine.

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
    A suggestion, never applied: the files are the same, but the folders above the
    destination come from the linked layer (root, 0755) instead of the base image, and
    buildah before 1.29 and the legacy builder reject ``--link``.

When it refuses
    No finding: no ``# syntax=`` directive, or one older than 1.4 or not Docker's; the
    ``COPY`` has ``--link`` already, ``--parents``, a heredoc, variables, quotes or globs
    in its paths; the stage does not ship; an ``ADD`` (it may read remote or archived
    sources).

See also
    DO102 manifests-first (the order of layers).
"""

from __future__ import annotations

import re

from dockeropt.cst import Add, Copy, Dockerfile, Instruction, Run, ShellForm, Workdir
from dockeropt.model import Build, build_of
from dockeropt.transforms import _layers as ly
from dockeropt.transforms.base import Applicability, Context, Finding, Fix, finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

# Paths that a base image may have as symlinks (merged /usr, /var/run -> /run).
_LINKED = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/var/run", "/var/lock")
_NUMERIC = re.compile(r"\d+(:\d+)?\Z")


class CopyLink:
    __doc__ = __doc__

    code = "DO109"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "copy-link"
    summary = "Use COPY --link where the copy does not depend on the layers below"

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

    def _linkable(self, build: Build, inst: Copy, files) -> bool:  # noqa: ANN001
        if any(f.name in ("link", "parents", "exclude") for f in inst.flags):
            return False
        chown = inst.flag("chown")
        if chown is not None and not _NUMERIC.match(chown.value or ""):
            return False
        copy = ly.copied(build, inst)
        if copy is None or copy.dest is None or copy.dest == "/":
            return False
        if any(copy.dest == p or copy.dest.startswith(p + "/") for p in _LINKED):
            return False
        folders = all(s.endswith("/") or ly.source_kind(files, copy, s) == "dir" for s in copy.sources)
        if not (copy.into_folder or folders):
            return False
        return not _written_before(build, inst, copy.dest)


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
        return bool(under.search(text)) or (workdir is not None and bool(under.match(workdir)))
    return False
