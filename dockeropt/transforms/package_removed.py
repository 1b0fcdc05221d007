"""DO107 package-removed: a package installed in one RUN and removed in a later one still ships.

What it does
    Finds ``apt-get purge``/``remove``, ``apk del``, ``yum``/``dnf remove``, ``zypper
    remove`` of a package that an earlier ``RUN`` of the image installed (in the stage, or
    a stage it is built ``FROM``), and says where it came in. ``apk add --virtual NAME``
    followed later by ``apk del NAME`` counts as the packages the group installed.

Why
    The removal only hides the package's files: the layer of the ``RUN`` that installed
    them keeps every byte, and the image ships them. Build tools installed, used and
    then purged in a later layer are the usual case.

Example
    ::

        FROM python:3.12-slim
        RUN apt-get update && apt-get install -y gcc libpq-dev
        RUN pip install --no-cache-dir psycopg2
        RUN apt-get purge -y gcc libpq-dev

    Either install, use and purge in one ``RUN``::

        RUN apt-get update && apt-get install -y gcc libpq-dev \\
            && pip install --no-cache-dir psycopg2 \\
            && apt-get purge -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*

    or build in a stage of its own and copy the result out of it.

Fix safety
    No fix: which commands go into the one ``RUN``, or what a builder stage must hand
    on, is a design choice. The finding names the line of the install.

When it refuses
    No finding: the install and the removal are in the same ``RUN`` (nothing ships); the
    stage does not ship; the removed name was not installed by an earlier ``RUN`` that
    the file shows (it came with the base image); the ``RUN`` is in exec form, has a
    heredoc, or runs under a shell that is not POSIX.

See also
    DO108 build-tools-in-final, DO101 merge-run. hadolint has no rule for this.
"""

from __future__ import annotations

from dockeropt.cst import Dockerfile, Run, Stage
from dockeropt.model import build_of
from dockeropt.transforms import _layers as ly
from dockeropt.transforms._packages import command_finding
from dockeropt.transforms.base import Applicability, Context, Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator


class PackageRemoved:
    __doc__ = __doc__

    code = "DO107"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "package-removed"
    summary = "Install, use and remove a package in one RUN: removed later, it still ships"
    instructions = frozenset({"RUN"})
    fix_kinds: frozenset[Applicability] = frozenset()  # the applicabilities its fixes can have
    words = ("purge", "remove", "del", "erase", "zypper")  # the removals' verbs; zypper's ``rm`` needs zypper

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        build = build_of(tree)
        for stage in build.stages:
            if not stage.ships or not _removes_packages(tree, stage.stage):
                continue  # each stage reports its own removals
            installed: dict[str, int] = {}  # package (or apk group) -> line of the RUN
            for model in reversed(build.lineage(stage)):
                for inst in model.stage.instructions:
                    if not isinstance(inst, Run):
                        continue
                    srun = ly.shell_run(tree, inst)
                    if srun is None:
                        continue
                    here: set[str] = set()
                    for change in ly.package_changes(srun):
                        if change.installs:
                            here.update(change.names)
                            if change.group:
                                here.add(change.group)
                            continue
                        if model is not stage:
                            continue  # a stage's own removals: each stage reports its own
                        earlier = [n for n in change.names if n in installed and n not in here]
                        if earlier:
                            lines = sorted({installed[n] for n in earlier})
                            where = ", ".join(str(line) for line in lines)
                            names = ", ".join(earlier)
                            message = (
                                f"{names} installed on line{'s' if len(lines) > 1 else ''} {where} and removed here: "
                                "the earlier layer keeps the files, which ship; install, use and remove in one RUN, "
                                "or build in a builder stage"
                            )
                            yield command_finding(self.code, message, tree, srun, change.command, None)
                    for name in here:
                        installed[name] = inst.line


def _removes_packages(tree: Dockerfile, stage: Stage) -> bool:
    """A RUN of the stage that the rules read removes a package by name."""
    return any(not c.installs and c.names for srun in ly.stage_runs(tree, stage) for c in ly.package_changes(srun))
