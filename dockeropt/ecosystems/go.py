"""go: ``go mod download`` reads go.mod and go.sum."""

from __future__ import annotations

import re

from dockeropt.ecosystems.base import Ecosystem, Refused, Verdict, need

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.ecosystems.base import Site
    from dockeropt.shell.nodes import DependencyInstall, Invocation


def read(inv: Invocation) -> Verdict | None:
    if inv.subcommand != "mod" or inv.operands[:1] != ("download",):
        return None
    return Verdict("go", ("go.mod", "go.sum"), ("go.work", "go.work.sum"),
                   caveats=("replace directives pointing at local directories need them",))


_LOCAL_REPLACE = r"=>\s*(\.{1,2}/|/)"


def check(install: DependencyInstall, inv: Invocation, listed: list[str], site: Site) -> tuple[list[str], str | None]:
    if re.search(_LOCAL_REPLACE, need(site.files, "go.mod", listed), re.M):
        raise Refused("go.mod replaces a module with a local folder")
    return [], None


GO = Ecosystem(
    "go", ("go",), read, example="go mod download",
    refuse_present=("go.work",), guess=("go.mod", "go.sum"), check=check,
    removing=(("go", "clean"),),
)
