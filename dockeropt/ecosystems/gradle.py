"""gradle: the ``dependencies`` task reads the build and settings scripts."""

from __future__ import annotations

import re

from dockeropt.ecosystems.base import Ecosystem, Refused, Verdict, in_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.ecosystems.base import Site
    from dockeropt.shell.nodes import DependencyInstall, Invocation

_MANIFESTS = ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle/")


def read(inv: Invocation) -> Verdict | None:
    tasks = [t for t in (inv.subcommand, *inv.operands) if t is not None]
    if not any(t == "dependencies" or t.endswith(":dependencies") for t in tasks):
        return None
    project = inv.values("-p", "--project-dir")
    base = project[0] if project else None
    manifests = in_dir(base, _MANIFESTS)
    if inv.tool == "gradlew":
        manifests += ("gradlew",)
    caveats = ("buildSrc/, included builds and subproject build files are needed too",)
    config = in_dir(base, ("gradle.properties",))
    others = [t for t in tasks if t != "dependencies" and not t.endswith(":dependencies")]
    if others:
        return Verdict("gradle", manifests, config, needs_sources=True, caveats=caveats,
                       reason=f"also runs {' '.join(others)}, which needs the sources")
    return Verdict("gradle", manifests, config, caveats=caveats)


def check(install: DependencyInstall, inv: Invocation, listed: list[str], site: Site) -> tuple[list[str], str | None]:
    settings = [m for m in listed if m.startswith("settings.gradle")]
    if any(re.search(r"\binclude", site.files.read(s)) for s in settings):
        raise Refused("the gradle settings include other projects")
    return [], None


GRADLE = Ecosystem(
    "gradle", ("gradle", "gradlew"), read, example="gradle dependencies",
    outputs=(".gradle", "build"), refuse_present=("gradle", "buildSrc", "gradlew"),
    guess=("build.gradle", "settings.gradle"), check=check,
)
