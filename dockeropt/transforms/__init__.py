"""Every transform dockeropt runs, in order. Adding one means adding it here.

Each entry names the transform's module, class and code, and what a file must hold for it
to find anything: one of the instructions it
reads and, for a rule about particular tools, one of their names. A transform's module is
imported the first time a file holds those, so a run loads only the rules that can apply
(start-up time counts on every save). ``tests/test_registry.py`` checks each entry against
its class, and that over the whole corpus the filtered transforms find exactly what the
transforms themselves find.
"""

from __future__ import annotations

import sys

from dockeropt.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from dockeropt.cst import Dockerfile
    from dockeropt.transforms.base import Context, Finding, Transform


@record(frozen=True, slots=True)
class Entry:
    code: str
    module: str  # in dockeropt.transforms
    cls: str
    instructions: frozenset[str]  # it finds nothing in a file without one of these
    words: tuple[str, ...] = ()  # nor (when given) in one that never mentions one of these
    folder: bool = False  # nor without a build context folder to read


_RUN = frozenset({"RUN"})
_APT = ("apt",)  # apt, apt-get, apt-cache

ENTRIES: tuple[Entry, ...] = (
    # cache and layers
    Entry("DO102", "manifests_first", "ManifestsFirst", frozenset({"COPY", "ADD"})),
    Entry("DO110", "dockerignore", "DockerignoreCache", frozenset({"COPY", "ADD"}), folder=True),
    Entry("DO111", "layer_order", "LayerOrder", frozenset({"COPY", "ADD"})),
    # before merge-run, which would otherwise fold the chown into another RUN
    Entry("DO211", "copy_chown", "CopyChown", frozenset({"COPY"}), ("chown",)),
    Entry("DO101", "merge_run", "MergeRun", _RUN),
    Entry("DO103", "smaller_base", "SmallerBase", frozenset({"FROM"})),
    Entry("DO104", "end_of_life", "EndOfLifeBase", frozenset({"FROM"}),
          ("python", "node", "golang", "ruby", "php", "postgres", "debian", "ubuntu", "alpine", "fedora", "centos",
           "buildpack-deps")),
    # waste a later layer cannot take back, and layers that outlive a base update
    Entry("DO105", "copy_deleted", "CopyDeleted", frozenset({"COPY", "ADD"}), ("rm", "mv")),
    Entry("DO106", "copy_chmod", "CopyChmod", frozenset({"COPY"}), ("chmod",)),
    Entry("DO107", "package_removed", "PackageRemoved", _RUN, ("purge", "remove", "del", "erase", " rm")),
    Entry("DO108", "build_tools", "BuildToolsInFinal", _RUN),
    Entry("DO109", "copy_link", "CopyLink", frozenset({"COPY"})),
    # package-manager hygiene
    Entry("DO201", "apt_lists", "AptLists", _RUN, _APT),
    Entry("DO202", "apt_flags", "AptFlags", _RUN, _APT),
    Entry("DO203", "apk_cache", "ApkCache", _RUN, ("apk",)),
    Entry("DO204", "pip_cache", "PipCache", _RUN, ("pip",)),  # pip3, python -m pip
    Entry("DO205", "npm_cache", "NpmCache", _RUN, ("npm", "yarn")),
    Entry("DO206", "rpm_cache", "RpmCache", _RUN, ("yum", "dnf", "zypper")),
    Entry("DO207", "cache_mounts", "CacheMounts", _RUN, ("pip", "npm", "yarn")),
    # instruction hygiene
    Entry("DO212", "add_to_copy", "AddToCopy", frozenset({"ADD"})),
    Entry("DO213", "cd_to_workdir", "CdToWorkdir", _RUN, ("cd",)),
    Entry("DO214", "exec_form", "CmdExecForm", frozenset({"CMD", "ENTRYPOINT"})),
    Entry("DO215", "maintainer", "MaintainerLabel", frozenset({"MAINTAINER"})),
)


class Registered:
    # A transform as listed here: code and triggers known without importing its module;
    # every other attribute (name, summary, hadolint, documentation) is the transform's own.

    __slots__ = ("_transform", "entry")
    if TYPE_CHECKING:  # what __getattr__ gives: the transform's own
        name: str
        summary: str
        hadolint: tuple[str, ...]

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self._transform: Transform | None = None

    @property
    def code(self) -> str:
        return self.entry.code

    @property
    def transform(self) -> Transform:
        if self._transform is None:
            name = f"dockeropt.transforms.{self.entry.module}"
            __import__(name)  # importlib.import_module would import importlib first
            module = sys.modules[name]
            self._transform = getattr(module, self.entry.cls)()
        return self._transform

    @property
    def __doc__(self) -> str | None:  # type: ignore[override]
        return self.transform.__doc__

    def check(self, tree: Dockerfile, context: Context) -> Iterable[Finding]:
        if not may_find(self.entry, tree) or (self.entry.folder and context.build_context is None):
            return ()
        return self.transform.check(tree, context)

    def __getattr__(self, name: str) -> object:
        return getattr(self.transform, name)

    def __repr__(self) -> str:
        return f"Registered({self.entry.code}: {self.entry.module}.{self.entry.cls})"


ALL: tuple[Registered, ...] = tuple(Registered(e) for e in ENTRIES)


def by_code() -> dict[str, Registered]:
    return {t.code: t for t in ALL}


def may_find(entry: Entry, tree: Dockerfile) -> bool:
    """Whether ``tree`` holds what the entry's transform needs to find anything."""
    names, text = _facts(tree)
    if entry.instructions.isdisjoint(names):
        return False
    return not entry.words or any(w in text for w in entry.words)


_last: tuple[object, tuple[frozenset[str], str]] | None = None  # every entry asks about the same tree


def _facts(tree: Dockerfile) -> tuple[frozenset[str], str]:
    """The instruction names in ``tree`` (ONBUILD's inner ones too) and its text in lower case,
    as written and with continuations joined (a tool's name may be split across lines)."""
    global _last
    last = _last
    if last is not None and last[0] is tree:
        return last[1]
    names = set()
    texts = []
    for inst in tree.instructions:
        names.add(inst.name)
        inner = getattr(inst, "inner", None)
        if inner is not None:
            names.add(inner.name)
        texts.append(inst.text)
        texts.append(inst.logical.text)
    facts = (frozenset(names), "\n".join(texts).lower())
    _last = (tree, facts)
    return facts
