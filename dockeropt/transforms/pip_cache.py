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

    Exec-form and heredoc RUNs, RUNs under a non-POSIX ``SHELL``, and RUN text the shell
    reader cannot read are left alone.

See also
    hadolint DL3042 (avoid the cache directory with ``pip install --no-cache-dir``).
    DO207 cache-mounts.
"""

from __future__ import annotations

from dockeropt.cst import Dockerfile
from dockeropt.transforms import _packages as pk
from dockeropt.transforms.base import Applicability, Context, Finding, Fix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

CACHE = "/root/.cache/pip"
SETTING = "PIP_NO_CACHE_DIR"


class PipCache:
    __doc__ = __doc__

    code = "DO204"

    hadolint = ("DL3042",)  # the hadolint rules this corresponds to
    name = "pip-cache"
    summary = "Install Python packages with pip install --no-cache-dir"

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        for srun in pk.shell_runs(tree):
            installs = [i for i in srun.invocations("pip") if i.subcommand == "install"]
            if not installs or srun.mentions(SETTING):
                continue
            env = pk.environment(tree, srun)
            if SETTING in env or pk.served(srun.run, cache_paths(env), ("pip", ".cache")):
                continue
            if pk.cache_copied(tree, srun.stage, ".cache"):
                continue
            for inv in installs:
                if inv.has_flag("--no-cache-dir", "--cache-dir"):
                    continue
                verb = pk.verb(inv)
                fix = Fix("Add --no-cache-dir", (pk.insert_after(srun, verb, " --no-cache-dir"),), Applicability.SAFE)
                message = "pip install without --no-cache-dir keeps every downloaded wheel in ~/.cache/pip"
                yield pk.command_finding(self.code, message, tree, srun, inv.command, fix)


def cache_paths(env: dict[str, str]) -> list[str]:
    """Where pip's cache is for root, as far as the image's variables tell."""
    paths = [CACHE]
    if env.get("PIP_CACHE_DIR"):
        paths.append(env["PIP_CACHE_DIR"].rstrip("/"))
    if env.get("XDG_CACHE_HOME"):
        paths.append(env["XDG_CACHE_HOME"].rstrip("/") + "/pip")
    return paths
