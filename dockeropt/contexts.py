"""Which folder a Dockerfile is built from: its build context.

In order, the first that names one:

1. ``--context DIR`` on the command line;
2. ``[tool.dockeropt.contexts]`` in the configuration: a glob of Dockerfile paths
   (relative to the configuration file's folder) mapped to a folder (relative to it too),
   e.g. ``"services/*/Dockerfile" = "."``;
3. a compose file (``compose.yaml``, ``compose.yml``, ``docker-compose.yaml``,
   ``docker-compose.yml``) in the Dockerfile's folder or a folder above it, one of whose
   ``services.*.build`` names this Dockerfile (``context``, default the compose file's
   folder; ``dockerfile``, default ``Dockerfile``, relative to the context);
4. the Dockerfile's own folder.

Paths are strings (os.path): this runs on every format-on-save, and pathlib costs 3 ms.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.config import Config

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_composes: dict[str, list[tuple[str, str]]] = {}  # compose file -> [(dockerfile, context)], real paths


def context_for(
    dockerfile: str | os.PathLike[str] | None,
    folder: str | os.PathLike[str] | None,
    explicit: str | os.PathLike[str] | None = None,
    config: Config | None = None,
    composes: dict[str, tuple[str, ...]] | None = None,
) -> str | os.PathLike[str] | None:
    """The build context of ``dockerfile`` (None: stdin without a name); ``folder`` is the
    Dockerfile's folder, the answer when nothing names another. ``composes`` remembers, per
    folder, the compose files above it, for a run over many Dockerfiles of a few folders."""
    if explicit is not None:
        return os.fspath(explicit)
    if dockerfile is None or os.fspath(dockerfile) == "-":
        return folder
    real = os.path.realpath(dockerfile)
    if config is not None and getattr(config, "contexts", None) and config.root:
        configured = _configured(real, config.root, config.contexts)
        if configured is not None:
            return configured
    composed = _from_compose(real, composes)
    return composed if composed is not None else folder


def _configured(dockerfile: str, root: str, contexts: dict[str, str]) -> str | None:
    from dockeropt.buildcontext import glob_regex

    rel = os.path.relpath(dockerfile, os.path.realpath(root)).replace(os.sep, "/")
    if rel.startswith("../"):
        return None
    for pattern, target in contexts.items():
        if re.fullmatch(glob_regex(pattern.strip("/")), rel):
            return os.path.normpath(os.path.join(root, target))
    return None


def _from_compose(dockerfile: str, composes: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The context a compose file above ``dockerfile`` builds it with, or None."""
    folder = os.path.dirname(dockerfile)
    if composes is None:
        found = _composes_above(folder)
    elif folder in composes:
        found = composes[folder]
    else:
        found = composes[folder] = _composes_above(folder)
    for path in found:
        for named, context in _services(path):
            if named == dockerfile:
                return context
    return None


def _composes_above(candidate: str) -> tuple[str, ...]:
    """The compose files in ``candidate`` and the folders above it, nearest first, up to the
    repository's root (a compose file above it is another project's)."""
    found: list[str] = []
    while True:
        found += (p for p in (os.path.join(candidate, name) for name in COMPOSE_NAMES) if os.path.isfile(p))
        if os.path.isdir(os.path.join(candidate, ".git")):
            return tuple(found)
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return tuple(found)
        candidate = parent


def _services(path: str) -> list[tuple[str, str]]:
    """The (Dockerfile, context) pairs a compose file builds; [] when it cannot be read."""
    if path not in _composes:
        _composes[path] = _read_compose(path)
    return _composes[path]


def _read_compose(path: str) -> list[tuple[str, str]]:
    try:
        import yaml
    except ImportError:
        return []
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return []
    here = os.path.dirname(path)
    out = []
    for service in services.values():
        build = service.get("build") if isinstance(service, dict) else None
        if isinstance(build, str):
            build = {"context": build}
        if not isinstance(build, dict):
            continue
        context = build.get("context", ".")
        dockerfile = build.get("dockerfile", "Dockerfile")
        if not isinstance(context, str) or not isinstance(dockerfile, str) or "://" in context or "$" in context:
            continue
        root = os.path.realpath(os.path.join(here, context))
        out.append((os.path.realpath(os.path.join(root, dockerfile)), root))
    return out
