"""Every transform dockeropt runs, in order. Adding one means adding it here."""

from __future__ import annotations

from dockeropt.transforms.base import Transform
from dockeropt.transforms.manifests_first import ManifestsFirst
from dockeropt.transforms.merge_run import MergeRun
from dockeropt.transforms.smaller_base import SmallerBase

ALL: tuple[Transform, ...] = (
    ManifestsFirst(),
    MergeRun(),
    SmallerBase(),
)


def by_code() -> dict[str, Transform]:
    return {t.code: t for t in ALL}
