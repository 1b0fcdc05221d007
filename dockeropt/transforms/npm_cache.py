"""DO205 npm-cache: clean the npm and yarn caches in the RUN that fills them; ``npm ci``.

What it does
    - A RUN that installs with npm (``npm install``, ``npm ci``...) and does not clean
      npm's cache gets ``&& npm cache clean --force`` right after its last install, on
      that command's line.
    - A RUN that installs with yarn (``yarn``, ``yarn install``, ``yarn add``) and does
      not clean yarn's cache gets ``&& yarn cache clean`` the same way.
    - A RUN that cleans twice (two merged RUNs each did), or cleans before another
      install: one cleanup, after the last install.
    - ``npm install`` with no package names, when the build sends a
      ``package-lock.json`` or ``npm-shrinkwrap.json`` (in the context and not left out
      by ``.dockerignore``) that a COPY of the stage brings in: ``npm ci`` instead.

Why
    npm keeps every tarball it fetches in ``~/.npm/_cacache`` and yarn 1 in
    ``/usr/local/share/.cache/yarn``: a second copy of ``node_modules``, compressed,
    that nothing in the image reads. ``npm ci`` installs exactly what the lockfile
    says, fails when it disagrees with ``package.json`` instead of rewriting it, and is
    faster.

Example
    ::

        COPY package.json package-lock.json ./
        RUN npm install

    becomes, with ``--unsafe-fixes``::

        COPY package.json package-lock.json ./
        RUN npm ci && npm cache clean --force

    and ``RUN npm install && npm run build`` becomes ``RUN npm install && npm cache
    clean --force && npm run build``.

Fix safety
    ``npm cache clean --force``: safe. It runs after the install succeeded and removes
    only the download cache (``npm cache`` says as much when it asks for ``--force``);
    ``node_modules`` and global packages are untouched. A later install downloads again.
    It goes right after the last install, not at the end of the RUN: then DO102
    manifests-first can still split ``npm ci && npm run build`` before the build (a
    clean-up after its split point makes it refuse), and splitting the fixed RUN gives
    the file that splitting first and cleaning then gives. What later commands of the
    RUN download into the cache (``npx``, scripts) may stay: the layer is then bigger
    than it could be, never broken.

    One cleanup instead of several: safe; an earlier one goes unless an install between
    reads the cache (``--offline``, ``--prefer-offline``). A ``yarn cache clean`` moved
    after a later install is as safe as adding one (see above).

    ``yarn cache clean``: safe when the build context shows yarn 1 (a ``yarn.lock``
    that says ``yarn lockfile v1`` and no ``.yarnrc.yml``) and no RUN switches yarn's
    version (``corepack``, ``yarn set version``); unsafe otherwise. With yarn 2 and
    later, Plug'n'Play can load packages straight from the cache, and cleaning it
    would break the app at run time.

    ``npm ci``: unsafe. It fails where ``npm install`` would have updated a lockfile
    that is out of date, and it deletes ``node_modules`` first (a ``node_modules``
    copied in from the context, or built by an earlier RUN, is gone).

    pnpm is left alone: its store is hard-linked into ``node_modules``, so in a layer the
    two share their bytes, and ``pnpm store prune`` keeps every package a project uses.

When it refuses
    No cleaning finding when a ``--mount=type=cache`` of the RUN holds the cache
    (``/root/.npm``, ``$npm_config_cache``, ``/usr/local/share/.cache/yarn``,
    ``$YARN_CACHE_FOLDER``, a folder above them, or a target named ``.npm``, ``npm``,
    ``_cacache``, ``yarn``, ``.yarn`` or, for yarn, ``.cache``): the mount keeps it out
    of the layer and cleaning would empty the mount. None either when
    the RUN already cleans (``npm cache clean``, ``yarn cache clean``, or it mentions the
    cache folder), or another stage copies the cache out of this one.

    A finding without a fix when a later RUN of the image installs ``--offline`` or
    ``--prefer-offline`` (it reads the cache), when the install runs through
    ``sudo``/``doas``, or when the RUN ends in a background job.

    The ``npm ci`` finding has no fix on a ``node`` image before 10 (``node:8``): its npm
    may predate ``npm ci`` (``dockeropt.releases``).

    No ``npm ci`` finding without a build context (``-`` without ``--stdin-filename``),
    when ``.dockerignore`` (or ``<Dockerfile>.dockerignore``) leaves the lockfile out or
    cannot be read, for ``npm install <packages>``, ``-g``, ``--no-package-lock`` or
    ``--package-lock-only``. The context is read through ``Context.files``, the build
    context as BuildKit sends it.

    Exec-form and heredoc RUNs, RUNs whose shell is not POSIX (a ``SHELL`` that is not
    sh/bash/dash/ash/ksh with ``-c``, or cmd on a Windows base without such a ``SHELL``;
    ``dockeropt.model`` says which), and RUN text the shell reader cannot read are left
    alone.

    Cache findings only in stages whose layers reach the final image (the last stage and
    the stages it is built ``FROM``): a cache left in a builder stage costs nothing that
    ships. The ``all_stages`` option reports them everywhere.

Options
    ``all_stages`` (bool, default false): report cache findings in stages that do not
    ship too.

See also
    hadolint DL3060 (``yarn cache clean`` after ``yarn install``); hadolint has no rule
    for npm's cache or ``npm ci``. DO207 cache-mounts.
"""

from __future__ import annotations

import fnmatch

from dockeropt import ecosystems, model
from dockeropt.buildcontext import ContextError
from dockeropt.cst import Copy, Dockerfile
from dockeropt.ecosystems.npm import LOCKFILES
from dockeropt.transforms import _packages as pk
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, Style, style_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from dockeropt import shell
    from dockeropt.buildcontext import BuildContext
    from dockeropt.cst import Run
    from dockeropt.ecosystems.base import Cache

#: The caches DO205 cleans after the install: those with a cleaning command (npm's, yarn's).
CACHES = tuple(c for c in ecosystems.CACHES if c.clean)


def served(cache: Cache, run: Run, env: dict[str, str]) -> bool:
    """A cache mount of the RUN holds the cache, where it is or where a variable moves it."""
    return pk.served(run, cache.folders(env), cache.names)


def cleaned(cache: Cache, srun: pk.ShellRun) -> bool:
    """The RUN handles the cache itself (``npm cache ...``, or it names the cache folder)."""
    invocations = srun.invocations(cache.tool)
    if any(i.subcommand == "cache" for i in invocations):
        return True
    return any(f in srun.text for f in cache.fragments)


class NpmCache:
    __doc__ = __doc__

    code = "DO205"

    hadolint = ("DL3060",)  # the hadolint rules this corresponds to
    name = "npm-cache"
    summary = "Clean the npm and yarn caches in the RUN that fills them; npm ci with a lockfile"
    instructions = frozenset({"RUN"})
    words = ("npm", "yarn")

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        style = style_of(tree)
        every = pk.wide(context, self.code)
        for srun in pk.shell_runs(tree):
            if srun.ships or every:  # the caches of a builder stage do not reach the image
                for cache in CACHES:
                    finding = self._cache(tree, srun, cache, style, context.files)
                    if finding is not None:
                        yield finding
            if context.build_context is not None:
                yield from self._ci(tree, srun, context)

    def _cache(
        self, tree: Dockerfile, srun: pk.ShellRun, cache: Cache, style: Style, files: BuildContext | None
    ) -> Finding | None:
        invocations = srun.invocations(cache.tool)
        installs = [i for i in invocations if i.subcommand in cache.installs]
        if not installs or served(cache, srun.run, srun.state.env):
            return None
        if pk.cache_copied(tree, srun.stage, cache.copied_name):
            return None
        if cleaned(cache, srun):
            return self._placement(tree, srun, cache, style, files)
        fix = None
        # the cache is in the home of the user that installs, who may clean it
        if not pk.elevated(invocations) and not reads_cache_later(tree, srun, cache):
            # right after the last install and on its line, not at the end: ``npm ci && npm
            # cache clean --force && npm run build`` is a RUN DO102 can still split before
            # the build (a clean-up after the split point makes it refuse), and the piece it
            # keeps reads as DO205 would write it on the split file
            last = installs[-1].command.index
            edit = pk.insert_after_command(tree, srun, last, cache.clean, style, inline=True)
            edit = edit or pk.append_command(tree, srun, cache.clean, style)
            fix = Fix(f"Clean with {cache.clean}", (edit,), _tier(cache, tree, files)) if edit else None
        first = installs[0]
        verb = f"{cache.tool} {first.subcommand or 'install'}"
        message = f"{verb} leaves its download cache in the layer: {cache.clean} in this RUN"
        return pk.command_finding(self.code, message, tree, srun, first.command, fix)

    def _placement(
        self, tree: Dockerfile, srun: pk.ShellRun, cache: Cache, style: Style, files: BuildContext | None
    ) -> Finding | None:
        """The RUN cleans the cache twice, or before another install fills it again."""
        cleanups = [i for i in srun.invocations(cache.tool) if i.subcommand == "cache" and i.operands[:1] == ("clean",)]
        if not cleanups:
            return None
        tools = {i.command.index: i for i in srun.invocations(cache.tool)}  # by command index
        cleaning = {i.command.index for i in cleanups}
        installing = {k for k, i in tools.items() if i.subcommand in cache.installs}

        def offline(between: Sequence[shell.SimpleCommand]) -> bool:
            return any(c.index in tools and tools[c.index].has_flag("--offline", "--prefer-offline") for c in between)

        placed = pk.misplaced_cleanups(
            tree, srun, style, lambda c: c.index in cleaning, lambda c: c.index in installing, offline,
            may_clean_end=not reads_cache_later(tree, srun, cache), keep_first=True,
        )
        if placed is None:
            return None
        message, fix = placed
        if fix is not None and cleanups[-1].command.index < max(installing):
            # a move cleans what the later install fetched: with yarn 2 and later, Plug'n'Play may load it from there
            fix = Fix(fix.title, fix.edits, _tier(cache, tree, files))
        return pk.command_finding(self.code, message, tree, srun, cleanups[-1].command, fix)

    def _ci(self, tree: Dockerfile, srun: pk.ShellRun, context: Context) -> Iterator[Finding]:
        installs = [
            inv
            for inv in srun.invocations("npm")
            if inv.subcommand in ("install", "i", "in", "isntall") and not inv.operands
            and not inv.has_flag("-g", "--global", "--no-package-lock", "--package-lock-only", "--package-lock")
        ]
        if not installs:  # before the build context is read: most RUNs have none
            return
        lockfile = sent_lockfile(context.files)
        if lockfile is None or not copies_in(srun, lockfile):
            return
        base = model.build_of(tree).stage_of(srun.run).base
        old = base.lacks("npm", "ci")
        for inv in installs:
            verb = pk.verb(inv)
            start, end = srun.at(verb.start), srun.at(verb.end, end=True)
            fix: Fix | None = Fix("Use npm ci", (Edit(start, end, "ci"),), Applicability.UNSAFE)
            message = (
                f"npm {inv.subcommand} with {lockfile} in the build context: npm ci installs exactly the locked versions"
            )
            if old:
                fix, message = None, f"{message}; not fixed: {old}"
            yield pk.command_finding(self.code, message, tree, srun, inv.command, fix)


def sent_lockfile(files: BuildContext | None) -> str | None:
    """The lockfile the build gets: on disk and not left out by ``.dockerignore`` (``npm ci``
    fails without one); None when the ignore file cannot be read."""
    if files is None:
        return None
    try:
        return next((name for name in LOCKFILES if files.sent_file(name)), None)
    except ContextError:
        return None


def _tier(cache: Cache, tree: Dockerfile, files: BuildContext | None) -> Applicability:
    """How safe cleaning the cache is (for yarn it depends on its version: ``clean_safe``)."""
    if cache.clean_safe is not None and not cache.clean_safe(tree, files):
        return Applicability.UNSAFE
    return Applicability.SAFE


def reads_cache_later(tree: Dockerfile, srun: pk.ShellRun, cache: Cache) -> bool:
    """A later RUN on this layer installs offline, from the cache this RUN would clean."""
    if pk.unreadable_later_run_mentions(tree, srun, "offline"):
        return True
    return any(
        i.has_flag("--offline", "--prefer-offline")
        for later in pk.later_runs(tree, srun)
        for i in later.invocations(cache.tool)
    )


def copies_in(srun: pk.ShellRun, lockfile: str) -> bool:
    """A COPY or ADD of the stage, before the RUN, has a source that can bring the lockfile."""
    for inst in srun.stage.instructions:
        if inst is srun.run:
            return False
        if isinstance(inst, Copy) and inst.flag("from") is None:
            for source in inst.sources:
                name = source.text.rstrip("/").rsplit("/", 1)[-1]
                if name in (".", "", "*") or fnmatch.fnmatchcase(lockfile, name):
                    return True
    return False
