"""DO204 pip-cache: install Python packages with ``pip install --no-cache-dir``.

What it does
    Finds ``pip install`` (also ``pip3``, ``pip3.12``, ``python -m pip``, behind ``sudo``
    or ``env``) without ``--no-cache-dir`` and adds it after ``install``.

Why
    pip keeps every wheel it downloads or builds in ``~/.cache/pip``. In an image that
    cache is never read again, and it is often as large as the packages themselves.

Example
    ::

        RUN pip install -r requirements.txt

    becomes::

        RUN pip install --no-cache-dir -r requirements.txt

Fix safety
    Safe. The flag changes where pip looks for and keeps downloads, not what it
    installs: the same requirements resolve against the same index. A later ``pip
    install`` of the image downloads again instead of reading the cache; nothing a
    build or container does can tell, besides the time.

When it refuses
    - ``PIP_NO_CACHE_DIR`` is set: by ``ENV`` in the stage or a stage it is built
      ``FROM``, by ``ARG`` in the stage, or anywhere in the RUN (``export``, an
      assignment before ``pip``). pip reads any value of it, ``0`` and ``false``
      included, as "no cache". An ``ENV`` in an unrelated earlier stage does not count;
    - a ``--mount=type=cache`` of the RUN holds the cache: ``/root/.cache/pip`` or a
      folder above it, ``$PIP_CACHE_DIR``, or a target named ``pip`` or ``.cache``.
      The mount is what keeps the cache out of the layer, and ``--no-cache-dir``
      would make it useless;
    - the command picks its own cache with ``--cache-dir``;
    - another stage copies a ``.cache`` folder out of this stage (``COPY --from``).

    A finding without a fix, saying why, where the pip of the base has no
    ``--no-cache-dir``: the distribution's own pip on Ubuntu precise/trusty and Debian
    wheezy/jessie (the OS image itself, ``ubuntu:14.04``; ``dockeropt.releases`` names
    the versions) predates pip 6.0. Every ``pip install`` of such a stage is left as
    it is, ``pip install --upgrade pip`` included: that command runs the old pip. A
    ``python:*`` image brings its own modern pip and gets the fix.

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
    hadolint DL3042 (avoid the cache directory with ``pip install --no-cache-dir``).
    DO207 cache-mounts.
"""

from __future__ import annotations

from dockeropt.cst import Dockerfile
from dockeropt.ecosystems.pip import PIP_CACHE as CACHE
from dockeropt.transforms import _packages as pk
from dockeropt.transforms.base import Applicability, Context, Finding, Fix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

SETTING = CACHE.disabled_by[0]  # PIP_NO_CACHE_DIR: pip reads any value of it as "no cache"
OPTION = CACHE.no_cache_option  # --no-cache-dir


class PipCache:
    __doc__ = __doc__

    code = "DO204"

    hadolint = ("DL3042",)  # the hadolint rules this corresponds to
    name = "pip-cache"
    summary = "Install Python packages with pip install --no-cache-dir"
    instructions = frozenset({"RUN"})
    words = ("pip",)  # pip3, python -m pip

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        for srun in pk.hygiene_runs(tree, context, self.code):
            installs = [i for i in srun.invocations(CACHE.tool) if i.subcommand in CACHE.installs]
            if not installs or srun.mentions(SETTING):
                continue
            env = srun.state.env
            if SETTING in env or pk.served(srun.run, CACHE.folders(env), CACHE.names):
                continue
            if pk.cache_copied(tree, srun.stage, CACHE.copied_name):
                continue
            old = pk.lacks(tree, srun, CACHE.tool, OPTION)
            for inv in installs:
                if inv.has_flag(OPTION, *CACHE.own_cache):
                    continue
                verb = pk.verb(inv)
                fix: Fix | None = Fix(f"Add {OPTION}", (pk.insert_after(srun, verb, " " + OPTION),), Applicability.SAFE)
                message = "pip install without --no-cache-dir keeps every downloaded wheel in ~/.cache/pip"
                if old:  # an upgraded pip is not known to run instead: the old one may fail first
                    fix, message = None, f"{message}; not fixed: {old}"
                yield pk.command_finding(self.code, message, tree, srun, inv.command, fix)
