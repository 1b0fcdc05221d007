"""DO207 cache-mounts: keep pip's, npm's and yarn's caches in a BuildKit cache mount.

What it does
    For a RUN that installs with ``pip``, ``npm`` or ``yarn`` and has no cache mount for
    that tool, suggests one::

        RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt

    The suggested edit adds the flag and takes out what would defeat it: pip's
    ``--no-cache-dir`` on the RUN's ``pip install`` commands, ``npm cache clean --force``
    or ``yarn cache clean`` in the RUN's ``&&`` chain.

    Targets: pip ``/root/.cache/pip``, npm ``/root/.npm``, yarn 1
    ``/usr/local/share/.cache/yarn``.

Why
    Deleting a cache keeps it out of the image but downloads everything again on every
    build that reruns the RUN. A cache mount keeps it out of the image too (the mount is
    not part of any layer) and keeps it between builds on the same builder, so a
    changed requirements file downloads only what changed.

Example
    ::

        # syntax=docker/dockerfile:1
        FROM python:3.12-slim
        COPY requirements.txt .
        RUN pip install --no-cache-dir -r requirements.txt

    Suggested::

        RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt

Fix safety
    A suggestion, never applied. The image is the same, but the build now needs a
    builder with cache mounts: BuildKit (Docker Engine 23 and later by default, or
    ``docker buildx``), buildah or podman. The legacy builder (``DOCKER_BUILDKIT=0``)
    rejects ``--mount``. A CI whose builder starts empty each time gains nothing unless
    its cache is exported.

    Which files allow it: without a ``# syntax=`` directive the builder's built-in
    frontend is used, and every BuildKit release that is the default builder reads
    ``RUN --mount``; the suggestion is offered. With a directive, only when it names
    ``docker/dockerfile`` (or ``docker/dockerfile-upstream``) at a version that has
    ``RUN --mount``: ``1``, ``1.2`` and later, ``1.x-labs``, ``labs``, ``latest``,
    ``master``, or ``1.0-experimental``/``1.1-experimental``. Another frontend, an
    older version or a digest without a tag gets no finding.

    The rules do not fight: DO207 reads the same installs as DO204 and DO205 and gives
    the same advice (the cache out of the image) the other way, saying which of their
    fixes the mount replaces; with the mount in place DO204 and DO205 no longer ask for
    ``--no-cache-dir`` or cleaning, and no rule removes a cache a mount holds. Builder
    stages get the suggestion too: a mount speeds up every stage's rebuilds.

When it refuses
    - a cache mount of the RUN already holds the tool's cache;
    - a ``USER`` other than root is in effect (the cache is then in that user's home,
      and the mount needs its ``uid``), or the tool runs through ``sudo``/``doas``;
    - pip is a distribution's pip older than 6.0 (it keeps no cache; see DO204);
    - the image moves the cache (``PIP_CACHE_DIR``, ``XDG_CACHE_HOME``,
      ``npm_config_cache``, ``YARN_CACHE_FOLDER``) or turns it off
      (``PIP_NO_CACHE_DIR``), or the command picks its own (``--cache-dir``,
      ``--cache``, ``--cache-folder``);
    - the finding has no edit when ``--no-cache-dir`` or the cleaning command cannot be
      taken out cleanly (it is not a plain ``&&`` chain element, or a continuation
      splits it).

    apt, apk and the rpm tools are not covered: their caches need configuration changes
    to be useful in a mount (Debian's images delete downloaded packages through
    ``/etc/apt/apt.conf.d/docker-clean``; apk only caches packages with
    ``/etc/apk/cache``), which is more than a flag.

See also
    hadolint has no rule for this. DO204 pip-cache, DO205 npm-cache.
"""

from __future__ import annotations

from dockeropt import ecosystems, shell
from dockeropt.cst import Dockerfile
from dockeropt.transforms import _packages as pk
from dockeropt.model import declared_frontend
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, shell_form

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from dockeropt.ecosystems.base import Cache

_CHANNELS = frozenset({"latest", "labs", "master", "master-labs", "1", "1-labs"})


#: The caches a mount can hold, those with a folder: pip's, npm's and yarn's.
CACHES = tuple(c for c in ecosystems.CACHES if c.paths)
_TOOLS = tuple(c.tool for c in CACHES)


class CacheMounts:
    __doc__ = __doc__

    code = "DO207"

    hadolint = ()  # the hadolint rules this corresponds to
    name = "cache-mounts"
    summary = "Keep pip's, npm's and yarn's caches in a BuildKit cache mount"
    instructions = frozenset({"RUN"})
    fix_kinds = frozenset({Applicability.SUGGESTION})  # the applicabilities its fixes can have
    words = ("pip", "npm", "yarn")

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        if not mounts_supported(tree):
            return
        for srun in pk.shell_runs(tree):
            if not srun.invocations(*_TOOLS):
                continue  # nothing to suggest: spare the walks over the stages below
            if not srun.state.root:
                continue
            env = srun.state.env
            for cache in CACHES:
                finding = self._suggest(tree, srun, cache, env)
                if finding is not None:
                    yield finding

    def _suggest(self, tree: Dockerfile, srun: pk.ShellRun, cache: Cache, env: dict[str, str]) -> Finding | None:
        invocations = srun.invocations(cache.tool)
        installs = [i for i in invocations if i.subcommand in cache.installs]
        target = cache.paths[0]
        if not installs or pk.served(srun.run, [target], cache.names):
            return None
        if any(s in env or s in srun.text for s in cache.settings()):
            return None
        if cache.no_cache_option and pk.lacks(tree, srun, cache.tool, cache.no_cache_option):
            return None  # a pip before 6.0 keeps no cache to mount
        if pk.elevated(invocations) or any(i.has_flag(*cache.own_cache) for i in invocations):
            return None
        flag = f"--mount=type=cache,target={target}"
        # the same advice as DO204/DO205 (the cache out of the image), the other way to follow it
        instead = cache.no_cache_option or cache.clean
        message = f"{cache.tool} could keep its cache between builds, out of the image, instead of {instead}: RUN {flag}"
        undo = undo_edits(tree, srun, cache, invocations)
        fix = None
        if undo is not None:
            run = srun.run
            at = run.flags[0].start if run.flags else shell_form(run).start
            fix = Fix(f"Add {flag}", (Edit(at, at, flag + " "), *undo), Applicability.SUGGESTION)
        return pk.command_finding(self.code, message, tree, srun, installs[0].command, fix)


def undo_edits(
    tree: Dockerfile, srun: pk.ShellRun, cache: Cache, invocations: list[shell.Invocation]
) -> list[Edit] | None:
    """Edits that take out what would keep the mount empty, or None when one cannot be made."""
    edits: list[Edit | None] = []
    if cache.no_cache_option:
        for inv in invocations:
            edits.extend(pk.delete_word(tree, srun, o) for o in inv.options if o.name == cache.no_cache_option)
    else:
        for inv in invocations:
            if inv.subcommand == "cache" and inv.operands[:1] == ("clean",):
                edits.append(pk.delete_chain_element(tree, srun, inv.command.index))
    if cache.folder_text and cache.folder_text in srun.text:
        return None  # an ``rm`` of the cache folder: not taken out by hand here
    made = [e for e in edits if e is not None]
    return made if len(made) == len(edits) else None


def mounts_supported(tree: Dockerfile) -> bool:
    """The file's frontend reads ``RUN --mount`` (see the docstring)."""
    frontend = declared_frontend(tree)
    if frontend is None:
        return True
    if frontend.channel:
        return frontend.tag in _CHANNELS
    if frontend.version is None:
        return False
    major, minor = frontend.version
    return major > 1 or (major == 1 and (minor >= 2 or frontend.suffix == "-experimental"))