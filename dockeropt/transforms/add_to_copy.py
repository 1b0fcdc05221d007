"""DO212 add-to-copy: use ``COPY`` for local files, keep ``ADD`` for what only it does.

What it does
    Finds ``ADD`` instructions whose sources are local files or folders of the build
    context, or heredocs, and that use no flag ``COPY`` lacks, and spells them ``COPY``.
    Only the keyword changes (its case follows the ``ADD`` as written); flags,
    sources, destination and exec form stay.

Why
    ``ADD`` does more than copy: it fetches URLs, clones git repositories and unpacks
    local tar archives (plain, gzip, bzip2, xz or zstd compressed), deciding by the
    file's content, not its name. Where none of that is meant, ``COPY`` says so and
    cannot start unpacking when a file in the context changes.

Example
    ::

        ADD requirements.txt src/ /app/

    Use instead::

        COPY requirements.txt src/ /app/

Fix safety
    Safe when every source is known not to be an archive: the rule reads the build
    context (the folder beside the Dockerfile) and checks each source, and each file
    a wildcard matches, by content: gzip, bzip2, xz and zstd magic numbers, and a tar
    header (``ustar`` magic or a valid header checksum, as old tar files have). A
    folder is never unpacked, nor is anything inside it, so folders are fine. A
    heredoc source is a file ``ADD`` writes from the Dockerfile itself and never
    unpacks. ``--chown``, ``--chmod`` and ``--link`` mean the same on both.

    Without the build context (stdin, or a source that is not there, such as one a
    CI step generates) the sources cannot be checked: a suggestion, never applied.
    A file named ``notes.txt`` can still be a tarball, and ``ADD`` would unpack it.

When it refuses
    No finding, because ``ADD`` does something ``COPY`` cannot:

    - a source is a URL (``https://...``) or a git repository (``git@...``);
    - a source's name is an archive's (``.tar``, ``.tar.gz``, ``.tgz``, ``.tar.bz2``,
      ``.tbz2``, ``.tar.xz``, ``.txz``, ``.tar.zst``, ``.tzst``, ``.gz``, ``.bz2``,
      ``.xz``, ``.zst``), or the build context shows that a source is an archive;
    - a flag other than ``--chown``, ``--chmod``, ``--link`` (``--checksum``,
      ``--keep-git-dir``, ``--unpack``, ``--exclude``);
    - the source uses a variable (its value is unknown), or the ``ADD`` is inside
      ``ONBUILD`` (it runs against another build's context).

See also
    hadolint DL3020 (use COPY instead of ADD for files and folders).
"""

from __future__ import annotations


from dockeropt.cst import Add, Dockerfile
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, style_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from dockeropt.buildcontext import BuildContext

_COPY_FLAGS = frozenset({"chown", "chmod", "link"})
_ARCHIVE_SUFFIXES = (
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz",
    ".tar.zst", ".tzst", ".gz", ".bz2", ".xz", ".zst",
)
# What BuildKit's archive detection recognises as compressed: gzip, bzip2, xz, zstd.
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")
_TAR_BLOCK = 512


class AddToCopy:
    code = "DO212"
    hadolint = ("DL3020",)  # the hadolint rules this corresponds to
    name = "add-to-copy"
    summary = "Use COPY instead of ADD for local files and folders"
    instructions = frozenset({"ADD"})

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        style = None
        for inst in tree.instructions:
            if not isinstance(inst, Add):
                continue
            sources = _sources(inst)
            if sources is None:
                continue
            verdict = _verdict(context.files, sources)
            if verdict == "archive":
                continue
            style = style or style_of(tree)
            keyword = "COPY" if inst.keyword.isupper() else "copy" if inst.keyword.islower() else style.keyword("COPY")
            at = inst.start + len(inst.text) - len(inst.text.lstrip(" \t"))
            end = at + len(inst.keyword)
            line, column = tree.position(at)
            if verdict == "local":
                message = "ADD of local files: COPY does the same and never unpacks"
                applicability = Applicability.SAFE
            else:
                message = f"ADD of local files: COPY does the same, unless {verdict}"
                applicability = Applicability.SUGGESTION
            fix = Fix(f"Use {keyword}", (Edit(at, end, keyword),), applicability)
            yield Finding(self.code, message, line, column, at, end, fix)


def _sources(add: Add) -> tuple[str, ...] | None:
    """The ADD's sources when it may be a COPY, else None."""
    if any(flag.name not in _COPY_FLAGS for flag in add.flags):
        return None
    if add.exec_form is not None:
        sources = add.exec_form.values[:-1]
    else:
        sources = tuple(w.text for w in add.sources)
    heredoc_markers = {h.marker for h in add.heredocs}
    sources = tuple(s for s in sources if s not in heredoc_markers)
    for source in sources:
        lowered = source.lower()
        if "://" in source or lowered.startswith(("git@", "github.com/")) or "$" in source:
            return None
        if lowered.endswith(_ARCHIVE_SUFFIXES):
            return None
    if not sources and not add.heredocs:
        return None
    return sources


def _verdict(files: BuildContext | None, sources: Sequence[str]) -> str:
    """``local`` (no source is an archive), ``archive``, or which source could not be
    checked and why; ``files`` is the build context."""
    if files is None:
        return f"`{sources[0]}` is a tar archive (not checked: no build context)" if sources else "local"
    for source in sources:
        matches = files.entries(source)
        if not matches:
            return f"`{source}` is a tar archive (not checked: not in the build context)"
        for name in matches:
            kind = _kind(files, name)
            if kind != "local":
                return kind if kind == "archive" else f"`{source}` is a tar archive (not checked: unreadable)"
    return "local"


def _kind(files: BuildContext, name: str) -> str:
    """``local`` for a folder or a file that is no archive, ``archive``, or ``unknown``."""
    kind = files.kind(name)  # links followed; None for a link out of the context
    if kind is None:
        return "unknown"
    if kind == "dir":
        return "local"
    head = files.read_bytes(name, _TAR_BLOCK)
    if head is None:
        return "unknown"
    return "archive" if _is_archive(head) else "local"


def _is_archive(head: bytes) -> bool:
    if head.startswith(_COMPRESSED):
        return True
    if len(head) < _TAR_BLOCK:
        return False
    if head[257:262] == b"ustar":
        return True
    # An old (v7) tar header has no magic, only a checksum over the block.
    field = head[148:156].replace(b"\x00", b" ").strip()
    try:
        stored = int(field, 8)
    except ValueError:
        return False
    return stored == sum(head[:148]) + 8 * 32 + sum(head[156:])
