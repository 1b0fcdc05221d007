"""Every transform dockeropt runs, in order. Adding one means adding it here."""

from __future__ import annotations

from dockeropt.transforms.base import Transform

ALL: tuple[Transform, ...] = ()


def by_code() -> dict[str, Transform]:
    return {t.code: t for t in ALL}
