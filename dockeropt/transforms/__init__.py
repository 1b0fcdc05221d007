"""Every transform dockeropt runs, in order. Adding one means adding it here."""

from __future__ import annotations

from dockeropt.transforms.base import Transform
from dockeropt.transforms.smaller_base import SmallerBase

ALL: tuple[Transform, ...] = (
    SmallerBase(),
)


def by_code() -> dict[str, Transform]:
    return {t.code: t for t in ALL}
