"""DO104 end-of-life-base: move a base image off a release that is no longer supported.

What it does
    Finds each ``FROM`` whose official image tag names a release that has reached its end
    of life, and suggests the nearest supported tag of the same form: ``python:3.8``
    becomes ``python:3.11``, ``node:16-alpine`` becomes ``node:22-alpine``,
    ``debian:buster-slim`` becomes ``debian:bookworm-slim``, ``ubuntu:18.04`` becomes
    ``ubuntu:22.04``, ``alpine:3.17`` becomes ``alpine:3.22``. Both parts of a tag are
    judged: the image's own version (``node:16``) and the distribution it is built on
    (``python:3.12-slim-buster``, ``node:22-alpine3.17``); each part that is past its end
    is moved to the oldest supported release after it, and the first such tag that the
    official image publishes is suggested.

    The releases and their end-of-life dates are a table shipped with dockeropt
    (``dockeropt/data/end-of-life.json``), written from endoflife.date and the projects'
    own release pages (each product names its source there). It covers python, node,
    golang, ruby, php, postgres, debian, ubuntu, alpine, fedora, centos and
    buildpack-deps (whose tags are Debian and Ubuntu codenames). For Debian the end
    is that of Debian LTS; for Ubuntu, that of standard security maintenance (the image
    gets no Expanded Security Maintenance without Ubuntu Pro).

    A release is judged against the table's own date (``2026-12-01``), not the clock, so
    that a run gives the same findings on every machine and every day; the ``date``
    option judges against another day (``date = 2027-06-01`` shows what ends by then,
    within what the table knows). Which tags exist comes from docker-library/official-images
    (``dockeropt/data/supported-tags.json``, rebuilt by ``dockeropt/data/rebuild.py``).
    The data is read only when a ``FROM`` names one of these images.

Why
    A release past its end of life gets no security fixes: every vulnerability found
    after that date stays in the image, and rebuilding does not help. Builder stages
    count too: what they compile and download ships in the final image.

Example
    ::

        FROM node:16-alpine
        COPY . /app
        RUN npm ci

    Use instead::

        FROM node:22-alpine
        COPY . /app
        RUN npm ci

Fix safety
    A suggestion, never applied: a new major release (Node 16 to 22, Python 3.8 to 3.11,
    Debian buster to bookworm) changes the runtime and the system libraries, and only
    the project's own tests can show that it still works. The edit is there for editors
    to offer.

When it refuses
    - the reference uses a variable, or names another stage, or an image outside the
      official library;
    - the tag names no release (``latest``, ``lts``, ``stable``, ``edge``) or one the
      table does not know (newer than the table, or a tag outside it);
    - with a digest (``python:3.8@sha256:...``), the finding names the tag to move to
      but carries no edit: the digest must be looked up;
    - when the official image publishes no supported tag of that form (``centos``
      publishes none at all), the finding says so and carries no edit.

See also
    DO103 (smaller-base) for a smaller variant of the same release. hadolint has no
    rule for this; DL3006 and DL3007 are about tagging at all.
"""

from __future__ import annotations

from functools import lru_cache

import re

from dockeropt.cst import Dockerfile, ImageRef
from dockeropt.record import record
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, finding
from dockeropt.transforms.smaller_base import official_name, package_data

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

# The images the table covers (its "images"), known without reading it.
IMAGES = frozenset({
    "python", "node", "golang", "ruby", "php", "postgres", "debian", "ubuntu", "alpine", "fedora", "centos", "buildpack-deps",
})
_VERSION = re.compile(r"\d+(\.\d+)*")
_ALPINE_PART = re.compile(r"alpine(\d+\.\d+)")
# a pattern, not compiled: re compiles (and caches) it on first use, which most runs never reach
_DATE = r"\d{4}-\d{2}-\d{2}"
_DISTROS = ("debian", "ubuntu")  # whose codenames a tag's later parts may name


class EndOfLifeBase:
    code = "DO104"
    hadolint = ()  # the hadolint rules this corresponds to
    name = "end-of-life-base"
    summary = "Move a base image off a release that has reached its end of life"
    instructions = frozenset({"FROM"})
    fix_kinds = frozenset({Applicability.SUGGESTION})  # the applicabilities its fixes can have
    words = (
        "python", "node", "golang", "ruby", "php", "postgres", "debian", "ubuntu", "alpine", "fedora", "centos",
        "buildpack-deps",
    )

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        today: object = context.option(self.code, "date", None)
        if today is not None and hasattr(today, "isoformat"):  # TOML's unquoted date = 2027-06-01
            today = str(today.isoformat())[:10]
        if today is not None and not (isinstance(today, str) and re.fullmatch(_DATE, today)):
            raise ValueError(f"{self.code} date must be a day as YYYY-MM-DD, not {today!r}")
        for stage in tree.stages:
            ref = stage.from_.image
            # a FROM naming an earlier stage has no tag: only tagged images are judged
            image = official_name(ref.name) if ref is not None else None
            if ref is None or not ref.tag or "$" in ref.text or image is None or image not in IMAGES:
                continue
            found = self._judge(tree, ref, image, str(today or _table()["date"]))
            if found is not None:
                yield found

    def _judge(self, tree: Dockerfile, ref: ImageRef, image: str, today: str) -> Finding | None:
        parts = (ref.tag or "").split("-")
        past = [e for e in (judge_part(image, i, p, today) for i, p in enumerate(parts)) if e is not None]
        if not past:
            return None
        message = f"{ref.text}: " + " and ".join(e.describe() for e in past)
        tag = nearest_tag(image, parts, past)
        if tag is None:
            successor = _product(image).get("successor")
            if successor and not supported_tags(image):
                message += f"; the {image} image has no supported tag ({successor} continue it)"
            else:
                message += f"; the {image} image publishes no supported tag of this form"
            return finding(self.code, message, ref)
        newer = f"{ref.name}:{tag}"
        message += f"; the nearest supported tag is {newer}"
        if ref.digest:
            return finding(self.code, message + " (pin its digest)", ref)
        fix = None
        if tree.source[ref.start : ref.end] == ref.text:  # not split by a line continuation
            fix = Fix(f"Use {newer}", (Edit(ref.start, ref.end, newer),), Applicability.SUGGESTION)
        return finding(self.code, message, ref, fix)


@record(frozen=True, slots=True)
class Ended:
    """A part of a tag that names a release past its end: which, since when, what follows."""

    index: int  # of the part in the tag
    product: str
    cycle: str
    eol: str | bool  # the day, or True when the table gives none
    alias: str | None  # the codename the tag used
    successors: tuple[str, ...]  # the supported releases after it, nearest first

    def describe(self) -> str:
        entry = _table()["products"][self.product]
        what = f"{entry['name']} {self.cycle}" + (f" ({self.alias})" if self.alias else "")
        return f"{what} reached end of life" + (f" on {self.eol}" if isinstance(self.eol, str) else "")


def judge_part(image: str, index: int, part: str, today: str) -> Ended | None:
    """The release ``part`` of a tag names, when it has ended by ``today``: the first part
    is the image's own version; a later one may name the distribution it is built on."""
    product: str | None
    if index == 0:
        product, found = version_of(image, part)
    else:
        match = _ALPINE_PART.fullmatch(part)
        product, found = ("alpine", cycle_of("alpine", match.group(1))) if match else (None, None)
        for distro in _DISTROS:
            if found is None and part.lower() in _table()["products"][distro].get("aliases", {}):
                product, found = distro, cycle_of(distro, part)
        if product in _table()["images"][image]:
            return None  # debian:bookworm-backports: the first part already said which release
    if found is None or product is None:
        return None
    cycle, alias = found
    cycles = _product_of(product)["cycles"]
    eol = cycles[cycle]
    if not ended(eol, today):
        return None
    after = key(cycle)
    later = tuple(c for k, c in _in_order(product) if k > after and not ended(cycles[c], today))
    return Ended(index, product, cycle, eol, alias, later)


def version_of(image: str, part: str) -> tuple[str | None, tuple[str, str | None] | None]:
    """The product and release the first part of an image's tag names (buildpack-deps:jammy
    is Ubuntu 22.04, buildpack-deps:bookworm Debian 12)."""
    for product in _table()["images"][image]:
        found = cycle_of(product, part)
        if found is not None:
            return product, found
    return None, None


def cycle_of(product: str, part: str) -> tuple[str, str | None] | None:
    """The release cycle a tag's part names, and the codename it was named by: ``3.8.10`` is
    Python 3.8, ``carbon`` is Node 8, ``2`` the newest Python 2; None when unknown."""
    entry = _product_of(product)
    aliases = entry.get("aliases", {})
    if part.lower() in aliases:
        return aliases[part.lower()], part
    if not _VERSION.fullmatch(part):
        return None
    cycles = entry["cycles"]
    if part in cycles:
        return part, None
    prefixes = [c for c in cycles if part.startswith(c + ".")]
    if prefixes:
        return max(prefixes, key=len), None
    floating = [c for c in cycles if c.startswith(part + ".")]  # python:2 is the newest 2.x
    return (max(floating, key=key), None) if floating else None


def nearest_tag(image: str, parts: list[str], ended_parts: list[Ended]) -> str | None:
    """The first published tag with each ended part moved to a later supported release,
    the nearest first, spelled as the tag spelled it."""
    options: list[list[str | None]] = []
    by_index = {e.index: e for e in ended_parts}
    version = version_of(image, parts[0])[1]
    for i, part in enumerate(parts):
        if i in by_index:
            options.append(spellings(by_index[i], part))
        elif i == 0 and version is not None:
            options.append([part, version[0]])  # 3.11.4-slim-buster: 3.11.4-slim-bookworm, else 3.11-...
        elif part.isdigit() and len(part) >= 8:
            options.append([part, None])  # a build date (xenial-20210416): later releases have others
        else:
            options.append([part])
    published = set(supported_tags(image))
    for tag in combinations(options):
        if tag in published:
            return tag
    return None


def spellings(ended_part: Ended, part: str) -> list[str | None]:
    """How the releases after an ended one would be written in its place, nearest first."""
    entry = _product_of(ended_part.product)
    names = {cycle: alias for alias, cycle in entry.get("aliases", {}).items()}
    out: list[str | None] = []
    for cycle in ended_part.successors:
        if ended_part.alias:
            out += [names[cycle]] if cycle in names else []
            out.append(cycle)
        elif part.startswith("alpine"):
            out.append(f"alpine{cycle}")
        else:
            width = part.count(".") + 1  # python:2 becomes python:3, ubuntu:16.04 stays two parts
            out += [".".join(cycle.split(".")[:width]), cycle]
    return list(dict.fromkeys(out))


def combinations(options: list[list[str | None]]) -> Iterator[str]:
    """Every tag the options spell, earlier options of earlier parts first."""
    if not options:
        yield ""
        return
    for first in options[0]:
        for rest in combinations(options[1:]):
            yield "-".join(p for p in (first, rest) if p)


def ended(eol: str | bool | None, today: str) -> bool:
    return eol is True or (isinstance(eol, str) and eol <= today)


def key(cycle: str) -> tuple[int, ...]:
    return tuple(int(n) for n in cycle.split("."))


@lru_cache(maxsize=None)
def _in_order(product: str) -> tuple[tuple[tuple[int, ...], str], ...]:
    """The product's release cycles, oldest first, with their sort keys (read once)."""
    return tuple(sorted(((key(c), c) for c in _product_of(product)["cycles"]), key=lambda p: p[0]))


def _product(image: str) -> dict:
    return _product_of(_table()["images"][image][0])


def _product_of(product: str) -> dict:
    return _table()["products"][product]


def supported_tags(image: str) -> list[str]:
    return _supported()["images"].get(image, [])


@lru_cache(maxsize=1)
def _table() -> dict:
    return package_data("end-of-life.json")


@lru_cache(maxsize=1)
def _supported() -> dict:
    return package_data("supported-tags.json")
