"""dockeropt: rewrites Dockerfiles so that images build faster and weigh less.

The public API (``dockeropt --help`` for the command line):

    parse(text) -> Dockerfile      a lossless tree; ``parse(text).code == text``
    check(text) -> [Finding]       what the transforms find, in file order
    fix(text) -> str               the text with the safe fixes applied (``unsafe=True``: all)

``check`` and ``fix`` take ``select``/``ignore`` code prefixes and honour ignore comments
as the command line does; ``build_context`` is the folder ``COPY`` reads from (needed by
DO102, which leaves files alone without it); ``options`` are per-code transform options
(``{"DO101": {"max_lines": 20}}``). Bad input raises ``DockerfileError``. No configuration
file is read: pass what you need.
"""

from __future__ import annotations

from dockeropt.cst import Dockerfile, parse
from dockeropt.errors import DockerfileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from os import PathLike

    from dockeropt.engine import Result
    from dockeropt.transforms.base import Finding

__all__ = ["Dockerfile", "DockerfileError", "check", "fix", "parse"]
__version__ = "0.1.0"


def check(
    text: str,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    build_context: str | PathLike[str] | None = None,
    options: Mapping[str, dict] | None = None,
) -> list[Finding]:
    """The findings in ``text``; their offsets index ``text``."""
    return _run(text, False, False, select, ignore, build_context, options).findings


def fix(
    text: str,
    *,
    unsafe: bool = False,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    build_context: str | PathLike[str] | None = None,
    options: Mapping[str, dict] | None = None,
) -> str:
    """``text`` with its fixes applied, to a fixed point; ``text`` itself when fixes could
    not be applied safely together (the engine reverts them all, as ``--fix`` does)."""
    return _run(text, True, unsafe, select, ignore, build_context, options).output


def _run(
    text: str,
    fixing: bool,
    unsafe: bool,
    select: Sequence[str],
    ignore: Sequence[str],
    build_context: str | PathLike[str] | None,
    options: Mapping[str, dict] | None,
) -> Result:
    from dockeropt.runner import Settings, run_text

    settings = Settings(
        fix=fixing,
        unsafe=unsafe,
        select=tuple(c.upper() for c in select),
        ignore=tuple(c.upper() for c in ignore),
        options=dict(options or {}),
    )
    return run_text(text, settings, path="Dockerfile", build_context=build_context)
