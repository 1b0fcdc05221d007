"""maven: ``dependency:*`` goals read pom.xml (and ``-s`` settings)."""

from __future__ import annotations

from dockeropt.ecosystems.base import Ecosystem, Refused, Verdict, need

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.ecosystems.base import Site
    from dockeropt.shell.nodes import DependencyInstall, Invocation


def read(inv: Invocation) -> Verdict | None:
    goals = [g for g in (inv.subcommand, *inv.operands) if g is not None]
    dependency_goals = [g for g in goals if g.startswith("dependency:")]
    if not dependency_goals:
        return None
    pom = inv.values("-f", "--file")
    manifests = (pom[0] if pom else "pom.xml", *inv.values("-s", "--settings"))
    config = (".mvn/",) + (("mvnw",) if inv.tool == "mvnw" else ())
    caveats = ("multi-module builds also need every module's pom.xml",)
    others = [g for g in goals if not g.startswith("dependency:") and g != "help"]
    if others:
        return Verdict("maven", manifests, config, needs_sources=True, caveats=caveats,
                       reason=f"also runs {' '.join(others)}, which needs the sources")
    return Verdict("maven", manifests, config, caveats=caveats)


def check(install: DependencyInstall, inv: Invocation, listed: list[str], site: Site) -> tuple[list[str], str | None]:
    if "<modules>" in need(site.files, "pom.xml", listed):
        raise Refused("pom.xml has modules, whose poms live in subfolders")
    return [], None


MAVEN = Ecosystem(
    "maven", ("mvn", "mvnw"), read, example="mvn dependency:go-offline",
    outputs=("target",), refuse_present=(".mvn", "mvnw"), guess=("pom.xml",), check=check,
)
