"""Every ecosystem dockeropt knows the installs of, one module each. Adding one means writing
its module (an ``Ecosystem`` record, see ``base``) and listing it here.

``dockeropt.shell.dependency_installs`` reads commands through each record's ``read``; DO102
manifests-first copies its manifests before the sources with the rest of the record; the
caches (``CACHES``) are what DO102's clean-up, DO204, DO205 and DO207 know of download caches.
``tests/test_ecosystems.py`` checks that each module declares what they need.
"""

from __future__ import annotations

from dockeropt.ecosystems import bundler, cargo, composer, dotnet, go, gradle, maven, npm, pip

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.ecosystems.base import Cache, Ecosystem, NamedInstall

ECOSYSTEMS: tuple[Ecosystem, ...] = (
    pip.PIP, pip.UV, pip.POETRY, pip.PIPENV,
    npm.NPM, npm.YARN, npm.PNPM,
    go.GO, bundler.BUNDLER, composer.COMPOSER, cargo.CARGO, maven.MAVEN, gradle.GRADLE, dotnet.DOTNET,
)
#: The ecosystem each program runs (``bundle`` and ``bundler``, ``mvn`` and ``mvnw`` ...).
BY_TOOL: dict[str, Ecosystem] = {tool: e for e in ECOSYSTEMS for tool in e.tools}
#: By ``DependencyInstall.ecosystem``.
BY_NAME: dict[str, Ecosystem] = {e.name: e for e in ECOSYSTEMS}
#: The download caches the installs fill, each once.
CACHES: tuple[Cache, ...] = tuple(dict.fromkeys(e.cache for e in ECOSYSTEMS if e.cache is not None))
#: The installs by name, by program (``pip``, ``npm``, ``yarn``, ``gem`` ...).
NAMED: dict[str, NamedInstall] = {n.tool: n for e in ECOSYSTEMS for n in e.named}
