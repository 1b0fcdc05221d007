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
      there): ``-slim`` only, since many prebuilt wheels are built for glibc, not musl.
    - otherwise the ``prefer`` option decides (``"slim"``, the default, or
      ``"alpine"``), falling back to the other variant when the preferred one does not
      exist (``golang``, ``nginx`` and ``postgres`` have no ``-slim``).

    Which variants exist comes from docker-library/official-images, shipped in
    ``dockeropt/data/official-image-tags.json`` (the commit is recorded there); it is
    read only when a FROM could match.

Why
    A ``-slim`` variant drops compilers, headers and documentation (``python:3.12`` is
    about 1 GB, ``python:3.12-slim`` about 130 MB); an ``-alpine`` variant is smaller
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
    native code (Python wheels, Node addons, binaries copied from a glibc stage);
    ``prefer = "slim"`` keeps that to images that have no ``-slim``.

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
    hadolint has no rule for this. DL3006 (always tag the image) and DL3007 (do not use
    ``latest``) are about which tag is used; this rule keeps the tag's version.
"""

from __future__ import annotations

import json
import os
import shlex
from functools import lru_cache

from dockeropt.cst import Arg, Copy, Dockerfile, Env, ExecForm, ImageRef, Run, ShellForm, Stage
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

KINDS = ("slim", "alpine")
_DEBIAN_TOOLS = frozenset({"apt-get", "apt"})
_RPM_TOOLS = frozenset({"yum", "dnf", "microdnf", "zypper"})
_TOOLS = _DEBIAN_TOOLS | _RPM_TOOLS | {"apk", "pip"}
# The full images carry a C toolchain; -slim and -alpine do not.
_COMPILERS = ("make", "cmake", "gcc", "cc", "g++", "c++", "clang")


class SmallerBase:
    code = "DO103"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "smaller-base"
    summary = "Build the final image on the -slim or -alpine variant of its official base"

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        prefer = context.option(self.code, "prefer", "slim")
        if prefer not in KINDS:
            raise ValueError(f"{self.code} prefer must be 'slim' or 'alpine', not {prefer!r}")
        stages = tree.stages
        if not stages:
            return
        roots = stage_roots(stages)
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
        kinds = allowed_kinds(family, copied_from(family, stages), prefer)
        kind = next((k for k in kinds if k in variants), None)
        if kind is None:
            return
        yield self._finding(tree, ref, variants[kind], kind)

    def _finding(self, tree: Dockerfile, ref: ImageRef, tag: str, kind: str) -> Finding:
        smaller = f"{ref.name}:{tag}"
        message = f"the final image's base {ref.text} has a smaller variant: {smaller}"
        if kind == "alpine":
            message += " (musl libc: check native code)"
        if ref.digest:
            return finding(self.code, message + "; pin its digest instead", ref)
        fix = None
        if tree.source[ref.start : ref.end] == ref.text:  # not split by a line continuation
            fix = Fix(f"Use {smaller}", (Edit(ref.start, ref.end, smaller),), Applicability.SUGGESTION)
        return finding(self.code, message, ref, fix)


def stage_roots(stages: tuple[Stage, ...]) -> list[int]:
    """For each stage, the index of the stage whose FROM names the image it builds on."""
    by_name: dict[str, int] = {}
    roots: list[int] = []
    for stage in stages:
        ref = stage.from_.image
        parent = by_name.get(ref.text.lower()) if ref else None
        roots.append(stage.index if parent is None else roots[parent])
        if stage.name:
            by_name[stage.name.lower()] = stage.index
    return roots


def copied_from(family: list[Stage], stages: tuple[Stage, ...]) -> list[Stage]:
    """The earlier stages that ``COPY --from`` in ``family`` names (by name or index)."""
    by_ref = {str(s.index): s for s in stages} | {s.name.lower(): s for s in stages if s.name}
    found: dict[int, Stage] = {}
    for stage in family:
        for inst in stage.instructions:
            source = inst.flag("from") if isinstance(inst, Copy) else None
            other = by_ref.get((source.value or "").lower()) if source else None
            if other is not None and other.index < stage.index:
                found[other.index] = other
    return list(found.values())


def allowed_kinds(family: list[Stage], sources: list[Stage], prefer: str) -> tuple[str, ...]:
    """The variants the stages on the base can move to, the preferred one first."""
    tools = stage_tools(family)
    if tools & _RPM_TOOLS or "compiler" in tools:
        return ()
    kinds = [prefer] + [k for k in KINDS if k != prefer]
    if tools & _DEBIAN_TOOLS or "pip" in tools or "pip" in stage_tools(sources):
        kinds.remove("alpine")
    if "apk" in tools:
        kinds.remove("slim")
    return tuple(kinds)


def stage_tools(stages: Iterable[Stage]) -> set[str]:
    """The package managers the stages' RUNs call (``pip`` only for ``pip install``),
    ``apt`` where ``DEBIAN_FRONTEND`` is set, and ``compiler`` where they compile C."""
    from dockeropt import shell  # 25 ms to import; only needed once a FROM could match

    tools: set[str] = set()
    for stage in stages:
        for inst in stage.instructions:
            if isinstance(inst, (Env, Arg)) and any(p.key.text == "DEBIAN_FRONTEND" for p in inst.pairs):
                tools.add("apt")
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


@lru_cache(maxsize=1)
def _official_tags() -> dict[str, list[str]]:
    # beside the package, as pip installs it (importlib.resources would cost more than the read)
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "official-image-tags.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)["images"]
