"""What a transform finds does not depend on which of the shared caches are warm.

``per_script`` values are shared by every RUN of the same text and outlive the parse of the
script they were computed from (``transforms.base``): a transform that compares their parts
with the parts of ``script_of(run)`` by identity answers differently once the script cache
has let that parse go, which made a corpus run's findings depend on the order of its files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockeropt import parse
from dockeropt.transforms import ALL, base
from dockeropt.transforms.base import Context

GOLDEN = Path(__file__).parent / "golden"


def _inputs() -> list[Path]:
    return sorted(GOLDEN.glob("*/*/input.Dockerfile"))


def _found(text: str) -> list:
    tree = parse(text)
    return [(t.code, f) for t in ALL for f in t.check(tree, Context())]


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_findings_do_not_depend_on_the_script_cache(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    warm = _found(text)  # computes and remembers the per-script values
    base._read_script.cache_clear()  # the scripts are parsed anew; the per-script values stay
    assert _found(text) == warm
