"""composer: composer.json and composer.lock, ``vendor``, the scripts and autoloader that read
the sources, composer's cache."""

from __future__ import annotations

import json

from dockeropt.ecosystems.base import Cache, Ecosystem, Refused, Verdict, in_dir, json_object

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.buildcontext import BuildContext
    from dockeropt.ecosystems.base import Site
    from dockeropt.shell.nodes import DependencyInstall, Invocation

#: Without these, ``composer install`` reads the sources through its scripts and autoloader.
SPLIT_FLAGS = ("--no-scripts", "--no-autoloader")
#: The install options ``composer dump-autoload`` takes too, as it spells them.
_DUMP_FLAGS = {"--no-dev": "--no-dev", "-o": "--optimize", "--optimize-autoloader": "--optimize",
               "-a": "--classmap-authoritative", "--classmap-authoritative": "--classmap-authoritative",
               "--apcu-autoloader": "--apcu"}


def read(inv: Invocation) -> Verdict | None:
    if inv.subcommand != "install":
        return None
    directory = inv.values("-d", "--working-dir")
    base = directory[0] if directory else None
    manifests = in_dir(base, ("composer.json", "composer.lock"))
    config = in_dir(base, ("auth.json",))
    missing = [f for f in SPLIT_FLAGS if not inv.has_flag(f)]
    if missing:
        return Verdict("composer", manifests, config, needs_sources=True,
                       reason="scripts and the autoloader read the sources unless "
                              + " and ".join(missing) + (" are" if len(missing) > 1 else " is")
                              + " given")
    return Verdict("composer", manifests, config,
                   reason="--no-scripts --no-autoloader: only the dependencies")


def check(install: DependencyInstall, inv: Invocation, listed: list[str], site: Site) -> tuple[list[str], str | None]:
    data = json_object(site.files, "composer.json", listed)
    repositories = data.get("repositories")
    entries = repositories.values() if isinstance(repositories, dict) else repositories or []
    if any(isinstance(r, dict) and r.get("type") == "path" for r in entries):
        raise Refused("composer.json has a path repository")
    return [], None


def after_sources(inv: Invocation, files: BuildContext | None) -> str:
    """``composer dump-autoload`` with the install's autoloader options, and the install's
    post-install script when composer.json has one."""
    flags: list[str] = []
    for option in inv.options:
        for spelling in (option.name, *option.shorts):
            mapped = _DUMP_FLAGS.get(spelling)
            if mapped is not None and mapped not in flags:
                flags.append(mapped)
    text = " ".join(["composer", "dump-autoload", *flags])
    if files is not None and files.sent_file("composer.json"):
        try:
            data = json.loads(files.read("composer.json"))
        except ValueError:
            data = None
        scripts = data.get("scripts") if isinstance(data, dict) else None
        if isinstance(scripts, dict) and "post-install-cmd" in scripts:
            text += " && composer run-script post-install-cmd"
        if isinstance(scripts, dict) and "pre-install-cmd" in scripts:
            raise Refused("composer.json has a pre-install-cmd script, which would run before the sources")
    return text


CACHE = Cache(
    "composer", "composer", frozenset({"composer"}),
    cleanups=(("composer", "clear-cache"), ("composer", "clearcache")),
    removed=r"^(?:~|\$HOME|\$\{HOME\}|/root)/\.(?:cache/)?composer/cache(?:/.*)?$",
)

COMPOSER = Ecosystem(
    "composer", ("composer",), read, example="composer install --no-scripts --no-autoloader",
    outputs=("vendor",), guess=("composer.json", "composer.lock"), check=check, cache=CACHE,
    split_flags=SPLIT_FLAGS, after_sources=after_sources,
    removing=(("composer", "clear-cache"),),
)
