"""bundler and gem: the Gemfile and its lockfile, the ``.bundle`` folder, ``gem install NAME``."""

from __future__ import annotations

import re

from dockeropt.ecosystems.base import Ecosystem, NamedInstall, Refused, Verdict, is_local_path, need

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.ecosystems.base import Site
    from dockeropt.shell.nodes import DependencyInstall, Invocation


def read(inv: Invocation) -> Verdict | None:
    if inv.subcommand not in (None, "install"):
        return None
    gemfile = inv.values("--gemfile")
    manifests = (gemfile[0], gemfile[0] + ".lock") if gemfile else ("Gemfile", "Gemfile.lock")
    return Verdict("bundler", manifests, (".bundle/config",),
                   caveats=("'gemspec' and 'path:' gems in the Gemfile need their sources",))


_GEMFILE_LOCAL = r"^\s*(gemspec|eval_gemfile)\b|\bpath\s*:|:path\s*=>|\bfile\s*:"


def check(install: DependencyInstall, inv: Invocation, listed: list[str], site: Site) -> tuple[list[str], str | None]:
    gemfile = next((m for m in listed if not m.endswith(".lock")), "Gemfile")
    if re.search(_GEMFILE_LOCAL, need(site.files, gemfile, listed), re.M):
        raise Refused(f"the {gemfile} uses gemspec, path: or file:, which need the sources")
    env = site.build.state(site.run).env
    frozen = inv.has_flag("--frozen", "--deployment") or any(
        env.get(name, "").strip("'\"").lower() in ("true", "1") for name in ("BUNDLE_FROZEN", "BUNDLE_DEPLOYMENT"))
    locks = [m for m in listed if m.endswith(".lock")]
    return [], None if frozen or not locks else f"`bundle install` without frozen mode may rewrite {locks[0]}"


def _gem_installs(inv: Invocation) -> bool:
    return inv.subcommand == "install"


def _gem_by_name(inv: Invocation) -> bool:
    """``gem install NAME...``; it prefers a ``NAME.gem`` in the working directory."""
    return (inv.subcommand == "install" and bool(inv.operands)
            and not inv.has_flag("-g", "--file", "--install-dir", "-i")
            and not any(is_local_path(o) or o.endswith(".gem") for o in inv.operands))


BUNDLER = Ecosystem(
    "bundler", ("bundle", "bundler"), read, example="bundle install --deployment",
    outputs=(".bundle", "vendor/bundle"), refuse_present=(".bundle",), guess=("Gemfile", "Gemfile.lock"),
    check=check,
    removing=(("bundle", "clean"),),
    named=(NamedInstall("gem", _gem_installs, _gem_by_name, ("*.gem",)),),
)
