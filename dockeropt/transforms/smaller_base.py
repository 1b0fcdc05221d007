"""DO103 smaller-base: build the final image on the ``-slim`` or ``-alpine`` variant.

What it does
    Finds the base image the built image ships on and, when it is an official image
    with a ``-slim`` or ``-alpine`` variant of the same tag, suggests that variant:
    ``python:3.12`` becomes ``python:3.12-slim``, ``node:22-bookworm`` becomes
    ``node:22-bookworm-slim``, ``nginx:1.31`` becomes ``nginx:1.31-alpine``, ``python``
    (no tag, i.e. ``latest``) becomes ``python:slim``.

    Only the final stage ships, so only its base counts. When the final stage is
    ``FROM <stage>``, the chain is followed to the stage that names an image; builder
    stages and stages the final one copies from (``COPY --from``) do not ship and are
    left alone. A build of another ``--target`` is not considered.

    Which variant is suggested depends on what the stages built on that base (the final
    stage and every stage that starts ``FROM`` it, since all of them change with it) run:

    - ``apt-get``/``apt``: the base must stay Debian: ``-slim`` only.
    - ``apk``: the base must be Alpine: ``-alpine`` only.
    - ``DEBIAN_FRONTEND`` set by ``ENV`` or ``ARG``: counted as ``apt-get`` (it is
      often set for an install script the RUN calls).
    - ``yum``, ``dnf``, ``microdnf``, ``zypper``: neither; no finding.
    - ``make``, ``cmake``, ``gcc``, ``cc``, ``g++``, ``c++``, ``clang``: the stage
      compiles on the toolchain of the full image, which neither variant has; no finding
      (moving the build to a builder stage comes first).
    - ``pip install``, there or in a stage the final one copies from (a virtualenv built
      there): ``-slim`` only, since most prebuilt wheels are built for glibc, not musl.
    - otherwise the ``prefer`` option decides (``"slim"``, the default, or
      ``"alpine"``), falling back to the other variant when the preferred one does not
      exist (``golang``, ``nginx`` and ``postgres`` have no ``-slim``).

    When the variant suggested is not the preferred one, the message says why (``not
    -alpine: the stages on it run pip install, ...`` or ``there is no -slim variant of
    golang:1.26``). When it is ``-alpine``, the message names what Alpine changes for that
    image: for ``postgres``, locales and collation (musl has no glibc locales, so text sorts
    differently and a data directory made on the Debian image needs ``REINDEX``); for
    ``python``, wheels; for ``node``, native addons; otherwise musl instead of glibc.

    Both tags' sizes are given where the shipped data has them, in one measure, named::

        python:3.12 (1.1 GB on disk) has a smaller variant: python:3.12-slim (119 MB)
        python:3.12 (411 MB compressed) has a smaller variant: python:3.12-alpine (18 MB)

    "On disk" is the unpacked image, "compressed" what a pull transfers; both are for
    linux/amd64, in decimal units. Where the data lacks either tag, the message gives no
    size. The sizes come from docker-library/repo-info (``dockeropt/data/image-sizes.json``,
    with the date it was read; snapshots of mid-2026, so "about this size"); which
    variants exist comes from docker-library/official-images
    (``dockeropt/data/official-image-tags.json``, the commit recorded there). Both are
    rebuilt by ``dockeropt/data/rebuild.py`` and read only when a FROM could match.

Why
    A ``-slim`` variant drops compilers, headers and documentation (``python:3.12`` is
    1.1 GB on disk, ``python:3.12-slim`` 119 MB); an ``-alpine`` variant is smaller
    still. Smaller images pull, push and start faster and carry fewer vulnerable
    packages.

Example
    ::

        FROM python:3.12
        COPY . /app
        RUN pip install -r /app/requirements.txt

    Use instead::

        FROM python:3.12-slim
        COPY . /app
        RUN pip install -r /app/requirements.txt

Fix safety
    A suggestion, never applied: the smaller base lacks tools (``gcc``, ``git``,
    ``curl``, locales) that the build or the running container may need, and a
    successful build cannot show that the container still works. The edit is there
    for editors to offer. Alpine also swaps glibc for musl, which breaks prebuilt
    native code (Python wheels, Node addons, binaries copied from a glibc stage) and,
    for a database, changes how text collates; ``prefer = "slim"`` keeps that to images
    that have no ``-slim``.

When it refuses
    - the reference uses a variable (``FROM python:${PY}``): its value is unknown;
    - the tag is pinned by a digest (``python:3.12@sha256:...``): the digest names one
      exact image, so the finding says which variant to pin but carries no edit; with a
      digest and no tag there is no finding;
    - ``scratch``, images outside Docker Hub's official library (a registry or a
      ``/`` namespace other than ``library/``; ``docker.io/`` is fine), distroless images;
    - the tag is already ``-slim``, ``-alpine…`` or ``-minimal``, or the official tag
      list has no variant for it (old versions, Windows tags, other distributions);
    - the stages built on the base use a package manager that neither variant has, or
      compile C.

    ``--platform`` and the spelling of the image name (``docker.io/library/``) are kept.

See also
    DO104 (end-of-life-base) for a base whose release is no longer supported.
    hadolint has no rule for this. DL3006 (always tag the image) and DL3007 (do not use
    ``latest``) are about which tag is used; this rule keeps the tag's version.
"""

from __future__ import annotations

import json
import os
import shlex
from functools import lru_cache

from dockeropt.cst import (
    Arg,
    Copy,
    Dockerfile,
    Env,
    ExecForm,
    ImageRef,
    Run,
    ShellForm,
    Stage,
)
from dockeropt.model import Build, build_of
from dockeropt.transforms.base import (
    Applicability,
    Context,
    Edit,
    Finding,
    Fix,
    finding,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

KINDS = ("slim", "alpine")
_DEBIAN_TOOLS = frozenset({"apt-get", "apt"})
_RPM_TOOLS = frozenset({"yum", "dnf", "microdnf", "zypper"})
_TOOLS = _DEBIAN_TOOLS | _RPM_TOOLS | {"apk", "pip"}
# The full images carry a C toolchain; -slim and -alpine do not.
_COMPILERS = ("make", "cmake", "gcc", "cc", "g++", "c++", "clang")

# What moving to Alpine risks, by image: musl libc instead of glibc, and what that breaks there.
ALPINE_CAVEAT = "Alpine uses musl libc, not glibc: check native code"
ALPINE_CAVEATS = {
    "postgres": "Alpine's musl has no glibc locales: text collates and sorts differently, "
    "and a data directory made on the Debian image needs REINDEX of its text indexes",
    "python": "Alpine uses musl libc: few wheels are prebuilt for it, and pip builds C extensions from source",
    "node": "Alpine uses musl libc: native addons prebuilt for glibc do not load",
    "ruby": "Alpine uses musl libc: native gems build from source",
    "php": "Alpine uses musl libc: iconv has no //TRANSLIT, and extensions build from source",
    "golang": "Alpine uses musl libc: cgo binaries built against glibc do not run",
}


class SmallerBase:
    code = "DO103"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "smaller-base"
    summary = "Build the final image on the -slim or -alpine variant of its official base"
    instructions = frozenset({"FROM"})
    fix_kinds = frozenset({Applicability.SUGGESTION})  # the applicabilities its fixes can have

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        prefer = context.option(self.code, "prefer", "slim")
        if prefer not in KINDS:
            raise ValueError(f"{self.code} prefer must be 'slim' or 'alpine', not {prefer!r}")
        build = build_of(tree)
        stages = tree.stages
        if not stages:
            return
        roots = stage_roots(build)
        base = stages[roots[-1]]
        ref = base.from_.image
        if ref is None or "$" in ref.text or is_small(ref.tag):
            return
        image = official_name(ref.name)
        if image is None or (ref.digest and not ref.tag):
            return
        variants = siblings(image).get(ref.tag or "latest")
        if not variants:
            return
        family = [s for s in stages if roots[s.index] == base.index]
        refused = refusals(family, copied_from(family, build))
        if refused is None:
            return
        order = (prefer, *(k for k in KINDS if k != prefer))
        kind = next((k for k in order if k in variants and k not in refused), None)
        if kind is None:
            return
        why = None
        if kind != prefer:  # say why the preference is not followed
            reason = refused.get(prefer)
            missing = f"there is no -{prefer} variant of {ref.name}:{ref.tag or 'latest'}"
            why = f"not -{prefer}: {reason}" if reason else missing
        yield self._finding(tree, ref, image, variants[kind], kind, why)

    def _finding(self, tree: Dockerfile, ref: ImageRef, image: str, tag: str, kind: str, why: str | None) -> Finding:
        smaller = f"{ref.name}:{tag}"
        before, after = size_notes(image, ref.tag or "latest", tag)
        message = f"the final image's base {ref.text}{before} has a smaller variant: {smaller}{after}"
        if why:
            message += f"; {why}"
        if kind == "alpine":
            message += f"; {ALPINE_CAVEATS.get(image, ALPINE_CAVEAT)}"
        if ref.digest:
            return finding(self.code, message + "; pin its digest instead", ref)
        fix = None
        if tree.source[ref.start : ref.end] == ref.text:  # not split by a line continuation
            fix = Fix(f"Use {smaller}", (Edit(ref.start, ref.end, smaller),), Applicability.SUGGESTION)
        return finding(self.code, message, ref, fix)


def stage_roots(build: Build) -> list[int]:
    """For each stage, the index of the stage whose FROM names the image it builds on."""
    roots: list[int] = []
    for stage in build.stages:
        roots.append(stage.index if stage.parent is None else roots[stage.parent])
    return roots


def copied_from(family: list[Stage], build: Build) -> list[Stage]:
    """The earlier stages that ``COPY --from`` in ``family`` names (by name or index)."""
    found: dict[int, Stage] = {}
    for stage in family:
        for inst in stage.instructions:
            source = inst.flag("from") if isinstance(inst, Copy) else None
            other = build.by_name(source.value or "") if source else None
            if other is not None and other.index < stage.index:
                found[other.index] = other.stage
    return list(found.values())


def refusals(family: list[Stage], sources: list[Stage]) -> dict[str, str] | None:
    """Why each variant would break the stages on the base (``{"alpine": "..."}``), or None
    when neither variant can serve them."""
    tools = stage_tools(family)
    if tools & _RPM_TOOLS or "compiler" in tools:
        return None
    refused = {}
    if "apk" in tools:
        refused["slim"] = "the stages on it run apk, which needs Alpine"
    if tools & _DEBIAN_TOOLS:
        refused["alpine"] = f"the stages on it run {min(tools & _DEBIAN_TOOLS)}, which needs Debian"
    elif "DEBIAN_FRONTEND" in tools:
        refused["alpine"] = "the stages on it set DEBIAN_FRONTEND, for apt-get"
    elif "pip" in tools:
        refused["alpine"] = "the stages on it run pip install, and most prebuilt wheels need glibc"
    elif "pip" in stage_tools(sources):
        refused["alpine"] = "it copies from a stage that runs pip install, and most prebuilt wheels need glibc"
    return refused


def stage_tools(stages: Iterable[Stage]) -> set[str]:
    """The package managers the stages' RUNs call (``pip`` only for ``pip install``),
    ``DEBIAN_FRONTEND`` where it is set, and ``compiler`` where they compile C."""
    from dockeropt import shell  # 25 ms to import; only needed once a FROM could match

    tools: set[str] = set()
    for stage in stages:
        for inst in stage.instructions:
            if isinstance(inst, (Env, Arg)) and any(p.key.text == "DEBIAN_FRONTEND" for p in inst.pairs):
                tools.add("DEBIAN_FRONTEND")
            if not isinstance(inst, Run):
                continue
            for script in map(shell.parse, run_scripts(inst)):
                for call in shell.package_manager_commands(script, _TOOLS):
                    if call.tool != "pip" or call.subcommand == "install":
                        tools.add(call.tool)
                if shell.find_commands(script, _COMPILERS):
                    tools.add("compiler")
    return tools


def run_scripts(run: Run) -> Iterator[str]:
    """The shell text a RUN executes: its command and its heredoc bodies."""
    command = run.command
    if isinstance(command, ShellForm):
        yield command.text
    elif isinstance(command, ExecForm):
        values = command.values
        yield values[2] if len(values) >= 3 and values[1] == "-c" else shlex.join(values)
    for heredoc in run.heredocs:
        yield heredoc.body


def official_name(name: str) -> str | None:
    """The official image's name (``python``), or None for any other repository."""
    name = name.removeprefix("docker.io/").removeprefix("index.docker.io/").removeprefix("library/")
    return None if "/" in name or name == "scratch" else name


def is_small(tag: str | None) -> bool:
    """The tag already names a small variant."""
    return tag is not None and any(p in ("slim", "minimal") or p.startswith("alpine") for p in tag.split("-"))


@lru_cache(maxsize=256)
def siblings(image: str) -> dict[str, dict[str, str]]:
    """Each tag of ``image`` that has variants, with them: ``{"3.12": {"slim": "3.12-slim"}}``.

    A variant is a tag with one ``slim`` or ``alpine`` part; removing that part gives
    the tag it is a variant of (nothing left stands for ``latest``).
    """
    out: dict[str, dict[str, str]] = {}
    for tag in _official_tags().get(image, ()):
        parts = tag.split("-")
        kind = next(k for k in KINDS if k in parts)
        base = "-".join(p for p in parts if p != kind) or "latest"
        out.setdefault(base, {})[kind] = tag
    return out


def size_notes(image: str, tag: str, smaller: str) -> tuple[str, str]:
    """`` (1.1 GB on disk)`` and `` (119 MB)``: both tags' sizes in the first measure the data
    has for both (on disk, then compressed), or two empty strings when it has none, or when
    its numbers do not show the variant smaller."""
    sizes = _sizes().get(image, {})
    first, second = sizes.get(tag), sizes.get(smaller)
    if first is None or second is None:
        return "", ""
    for i, measure in ((1, "on disk"), (0, "compressed")):
        if first[i] is not None and second[i] is not None:
            if first[i] <= second[i]:
                break
            return f" ({human(first[i])} {measure})", f" ({human(second[i])})"
    return "", ""


def human(size: int) -> str:
    """Bytes in decimal units, as registries and ``docker images`` count them: 1.1 GB, 119 MB, 5.7 MB."""
    if size >= 10**9:
        return f"{size / 10**9:.1f} GB"
    if size >= 10**7:
        return f"{round(size / 10**6)} MB"
    if size >= 10**6:
        return f"{size / 10**6:.1f} MB"
    return f"{round(size / 10**3)} kB"


@lru_cache(maxsize=1)
def _sizes() -> dict[str, dict[str, list]]:
    return package_data("image-sizes.json")["images"]


@lru_cache(maxsize=1)
def _official_tags() -> dict[str, list[str]]:
    return package_data("official-image-tags.json")["images"]


def package_data(name: str) -> dict:
    """A JSON file of ``dockeropt/data``, shared by the rules about base images."""
    # beside the package, as pip installs it (importlib.resources would cost more than the read)
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", name)
    with open(path, encoding="utf-8") as f:
        return json.load(f)
