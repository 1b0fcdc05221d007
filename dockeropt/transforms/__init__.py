"""Every transform dockeropt runs, in order. Adding one means adding it here."""

from __future__ import annotations

from dockeropt.transforms.add_to_copy import AddToCopy
from dockeropt.transforms.apk_cache import ApkCache
from dockeropt.transforms.apt_flags import AptFlags
from dockeropt.transforms.apt_lists import AptLists
from dockeropt.transforms.base import Transform
from dockeropt.transforms.cache_mounts import CacheMounts
from dockeropt.transforms.cd_to_workdir import CdToWorkdir
from dockeropt.transforms.copy_chown import CopyChown
from dockeropt.transforms.exec_form import CmdExecForm
from dockeropt.transforms.maintainer import MaintainerLabel
from dockeropt.transforms.manifests_first import ManifestsFirst
from dockeropt.transforms.merge_run import MergeRun
from dockeropt.transforms.npm_cache import NpmCache
from dockeropt.transforms.pip_cache import PipCache
from dockeropt.transforms.rpm_cache import RpmCache
from dockeropt.transforms.smaller_base import SmallerBase

ALL: tuple[Transform, ...] = (
    # cache and layers
    ManifestsFirst(),
    CopyChown(),  # before merge-run, which would otherwise fold the chown into another RUN
    MergeRun(),
    SmallerBase(),
    # package-manager hygiene
    AptLists(),
    AptFlags(),
    ApkCache(),
    PipCache(),
    NpmCache(),
    RpmCache(),
    CacheMounts(),
    # instruction hygiene
    AddToCopy(),
    CdToWorkdir(),
    CmdExecForm(),
    MaintainerLabel(),
)


def by_code() -> dict[str, Transform]:
    return {t.code: t for t in ALL}
