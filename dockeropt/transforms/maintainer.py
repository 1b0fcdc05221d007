r"""DO215 maintainer: replace the deprecated ``MAINTAINER`` with the OCI authors label.

What it does
    Rewrites ``MAINTAINER <text>`` as ``LABEL org.opencontainers.image.authors="<text>"``
    with the same text, in the keyword case of the ``MAINTAINER`` as written.

Why
    ``MAINTAINER`` has been deprecated since Docker 1.13. It sets the image's
    ``Author`` field, which the OCI image config does not have and few tools read; the
    ``org.opencontainers.image.authors`` label is the standard place (registries,
    scanners and ``docker inspect`` show it).

Example
    ::

        MAINTAINER Jane Doe <jane@example.com>

    Use instead::

        LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"

Fix safety
    Unsafe: the image metadata changes, by design. ``Author`` is no longer set (a
    ``docker inspect -f '{{.Author}}'`` or a policy reading it sees nothing) and a
    label appears, which stages and images built ``FROM`` this one inherit. Files and
    the container's behaviour are not touched (``tests/builds`` checks both).

    The text is kept exactly as BuildKit stores it for ``MAINTAINER`` (the rest of the
    line, quotes included, variables not expanded). ``LABEL`` would read quotes,
    ``$`` and escapes in it, so it goes in double quotes when it has none of them,
    else in single quotes (inside which nothing is read), else, with a ``\``
    escape character, in double quotes with ``\"``, ``\$`` and ``\\`` escaped.

When it refuses
    - a finding without a fix when the stage already sets
      ``org.opencontainers.image.authors`` (which value should win is the author's
      call), when the ``MAINTAINER`` continues over lines, or when the text has a
      single quote and the file's escape character is a backquote (buildah 1.28
      failed on a backslash before the closing quote in such a file, so no quoting
      was found that reads back the same everywhere);
    - no finding for ``ONBUILD MAINTAINER`` or a ``MAINTAINER`` without text.

See also
    hadolint DL4000 (MAINTAINER is deprecated).
"""

from __future__ import annotations

from dockeropt.cst import Dockerfile, Label, Maintainer, Stage
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, style_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

AUTHORS = "org.opencontainers.image.authors"


class MaintainerLabel:
    code = "DO215"
    hadolint = ("DL4000",)  # the hadolint rules this corresponds to
    name = "maintainer"
    summary = "Replace MAINTAINER with the org.opencontainers.image.authors label"
    instructions = frozenset({"MAINTAINER"})
    fix_kinds = frozenset({Applicability.UNSAFE})  # the applicabilities its fixes can have

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        for stage in tree.stages:
            for inst in stage.instructions:
                if isinstance(inst, Maintainer) and inst.value and inst.value[0] and inst.arguments:
                    yield self._finding(tree, stage, inst)

    def _finding(self, tree: Dockerfile, stage: Stage, inst: Maintainer) -> Finding:
        at = inst.start + len(inst.text) - len(inst.text.lstrip(" \t"))
        assert inst.arguments is not None, "check finds only MAINTAINERs that name someone"
        end = inst.arguments.end
        line, column = tree.position(at)
        message = f"MAINTAINER is deprecated: use LABEL {AUTHORS}"
        if _has_authors(stage):
            return Finding(self.code, message + f" (not fixed: the stage sets {AUTHORS} already)", line, column, at, end)
        if "\n" in tree.source[at:end]:
            return Finding(self.code, message, line, column, at, end)
        value = _quoted(inst.value[0], tree.escape)
        if value is None:
            return Finding(self.code, message, line, column, at, end)
        keyword = _label_keyword(tree, inst.keyword)
        text = f"{keyword} {AUTHORS}={value}"
        fix = Fix(f"Use LABEL {AUTHORS}", (Edit(at, end, text),), Applicability.UNSAFE)
        return Finding(self.code, message, line, column, at, end, fix)


def _has_authors(stage: Stage) -> bool:
    return any(
        isinstance(i, Label) and any(p.key.text.strip("\"'") == AUTHORS for p in i.pairs) for i in stage.instructions
    )


def _label_keyword(tree: Dockerfile, written: str) -> str:
    if written.isupper():
        return "LABEL"
    if written.islower():
        return "label"
    return style_of(tree).keyword("LABEL")


def _quoted(text: str, escape: str) -> str | None:
    """``text`` quoted so that LABEL reads it back as ``text``, or None."""
    if not any(c in text for c in ('"', "$", "\\", escape)):
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"  # nothing inside single quotes is escaped or expanded
    if escape != "\\":
        return None  # buildah reads a backslash before a quote as an escape even then
    return '"' + "".join("\\" + c if c in ('"', "$", "\\") else c for c in text) + '"'
