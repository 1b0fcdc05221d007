"""Every transform dockeropt runs, in order. Adding one means adding it here.

Each transform class says what a file must hold for it to find anything (its triggers):
``instructions``, one of which the file must hold (ONBUILD's inner ones count); ``words``,
for a rule about particular tools, one of which the file's text must mention (in any case,
continuations joined); ``needs_folder``, for a rule that reads the build context folder.
The engine skips a transform that ``may_find`` rules out, which spares about a tenth of the
time the transforms take over the corpus. ``tests/test_registry.py`` checks over the whole
corpus that the skipped transforms find nothing when run anyway.

A class may also say which applicabilities its fixes that edit the Dockerfile can have
(``fix_kinds``; none declared: any). A rule that only suggests, or whose fixes write another
file, cannot change the Dockerfile, so the engine runs it once on the file as it is and once
on the fixed result, not on every pass between (``may_fix``); the registry's tests check the
declarations over the corpus.
"""

from __future__ import annotations

from dockeropt.transforms.add_to_copy import AddToCopy
from dockeropt.transforms.apk_cache import ApkCache
from dockeropt.transforms.apt_flags import AptFlags
from dockeropt.transforms.apt_lists import AptLists
from dockeropt.transforms.base import Applicability, per_tree
from dockeropt.transforms.build_tools import BuildToolsInFinal
from dockeropt.transforms.cache_mounts import CacheMounts
from dockeropt.transforms.cd_to_workdir import CdToWorkdir
from dockeropt.transforms.copy_chmod import CopyChmod
from dockeropt.transforms.copy_chown import CopyChown
from dockeropt.transforms.copy_deleted import CopyDeleted
from dockeropt.transforms.copy_link import CopyLink
from dockeropt.transforms.dockerignore import DockerignoreCache
from dockeropt.transforms.end_of_life import EndOfLifeBase
from dockeropt.transforms.exec_form import CmdExecForm
from dockeropt.transforms.layer_order import LayerOrder
from dockeropt.transforms.maintainer import MaintainerLabel
from dockeropt.transforms.manifests_first import ManifestsFirst
from dockeropt.transforms.merge_run import MergeRun
from dockeropt.transforms.npm_cache import NpmCache
from dockeropt.transforms.package_removed import PackageRemoved
from dockeropt.transforms.pip_cache import PipCache
from dockeropt.transforms.rpm_cache import RpmCache
from dockeropt.transforms.smaller_base import SmallerBase

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from dockeropt.cst import Dockerfile
    from dockeropt.transforms.base import Context, Transform

ALL: tuple[Transform, ...] = (
    # cache and layers
    ManifestsFirst(),  # DO102
    DockerignoreCache(),  # DO110
    LayerOrder(),  # DO111
    CopyChown(),  # DO211: before merge-run, which would otherwise fold the chown into another RUN
    MergeRun(),  # DO101
    SmallerBase(),  # DO103
    EndOfLifeBase(),  # DO104
    # waste a later layer cannot take back, and layers that outlive a base update
    CopyDeleted(),  # DO105
    CopyChmod(),  # DO106
    PackageRemoved(),  # DO107
    BuildToolsInFinal(),  # DO108
    CopyLink(),  # DO109
    # package-manager hygiene
    AptLists(),  # DO201
    AptFlags(),  # DO202
    ApkCache(),  # DO203
    PipCache(),  # DO204
    NpmCache(),  # DO205
    RpmCache(),  # DO206
    CacheMounts(),  # DO207
    # instruction hygiene
    AddToCopy(),  # DO212
    CdToWorkdir(),  # DO213
    CmdExecForm(),  # DO214
    MaintainerLabel(),  # DO215
)


def by_code() -> dict[str, Transform]:
    return {t.code: t for t in ALL}


def may_find(transform: object, tree: Dockerfile, context: Context | None = None) -> bool:
    """Whether ``tree`` (and ``context``'s build context folder; None: no folder) holds what
    ``transform`` needs to find anything, as its class's triggers say. A transform that
    declares none may find something in any file."""
    return _may_find(transform, _facts(tree), context is not None and context.build_context is not None)


def finders(transforms: Sequence[Transform], tree: Dockerfile, context: Context | None = None) -> list[Transform]:
    """The ``transforms`` that may find something in ``tree`` (``may_find``), in order."""
    facts, folder = _facts(tree), context is not None and context.build_context is not None
    return [t for t in transforms if _may_find(t, facts, folder)]


def _may_find(transform: object, facts: tuple[frozenset[str], str], folder: bool) -> bool:
    if not folder and getattr(transform, "needs_folder", False):
        return False
    instructions: frozenset[str] | None = getattr(transform, "instructions", None)
    if instructions is not None and instructions.isdisjoint(facts[0]):
        return False
    words: tuple[str, ...] = getattr(transform, "words", ())
    if not words:
        return True
    text = facts[1]
    for word in words:
        if word in text:
            return True
    return False


def may_fix(transform: object, unsafe: bool) -> bool:
    """Whether ``transform`` can offer a fix that edits the Dockerfile and that ``--fix`` (with
    ``unsafe``, ``--unsafe-fixes``) applies, as its class's ``fix_kinds`` says; a class that
    declares none may."""
    kinds: frozenset[Applicability] | None = getattr(transform, "fix_kinds", None)
    if kinds is None:
        return True
    return Applicability.SAFE in kinds or (unsafe and Applicability.UNSAFE in kinds)


@per_tree  # every transform asks about the same tree
def _facts(tree: Dockerfile) -> tuple[frozenset[str], str]:
    """The instruction names in ``tree`` (ONBUILD's inner ones too) and its text in lower case,
    as written and with continuations joined (a tool's name may be split across lines)."""
    names = set()
    texts = []
    for inst in tree.instructions:
        names.add(inst.name)
        inner = getattr(inst, "inner", None)
        if inner is not None:
            names.add(inner.name)
        texts.append(inst.text)
        texts.append(inst.logical.text)
    return frozenset(names), "\n".join(texts).lower()
