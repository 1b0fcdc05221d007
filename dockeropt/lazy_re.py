"""Regular expressions compiled on first use.

Compiling a pattern costs 0.05-0.13 ms, and a run on a small file uses few of the ones its
modules declare: compiling them all at import was about a millisecond of every cold start.
``lazy(pattern, flags)`` stands for ``re.compile(pattern, flags)``; on first use it compiles
the pattern and keeps its methods as its own attributes, so later calls cost what a
compiled pattern's do.
"""

from __future__ import annotations

import re

_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer", "pattern", "flags", "groups")


class LazyPattern:
    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> object:  # only until compiled: then the attributes exist
        compiled = re.compile(*self._source)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
