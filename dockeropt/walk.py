"""Finding the Dockerfiles under a folder.

Inside a git work tree git says which files count (``git ls-files --cached --others
--exclude-standard``: tracked files and untracked ones that no ignore file excludes).
Elsewhere the folder is walked and each folder's ``.gitignore`` is read for the common
patterns (``name``, ``*.ext``, ``dir/``, ``/anchored``, ``a/**/b``, ``!negated``);
``.gitignore`` files above the walked folder and git's global excludes are not read there.
Either way version control folders are skipped, and so are the paths the configuration
excludes: ``DEFAULT_EXCLUDE`` (dependency, virtual-environment, cache and build-output
folders), which its ``exclude`` replaces and its ``extend-exclude`` adds to.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from dockeropt.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"})  # never walked, whatever is configured
DEFAULT_EXCLUDE = (
    *sorted(VCS_DIRS),
    "node_modules",
    "bower_components",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    "__pypackages__",
    "site-packages",
    ".eggs",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".direnv",
    ".terraform",
    "build",
    "dist",
    "_build",
    "buck-out",
    "target",
)


def is_dockerfile_name(name: str) -> bool:
    return (
        name in ("Dockerfile", "Containerfile")
        or name.startswith("Dockerfile.")
        or name.endswith((".Dockerfile", ".dockerfile"))
    )


def dockerfiles(root: Path, excluded: Callable[[Path], bool] = lambda p: False) -> list[Path]:
    """The Dockerfiles under ``root``, in a stable order, minus ignored and ``excluded`` paths."""
    listed = _git_files(root)
    found = _walk(root, excluded) if listed is None else _filter(root, listed, excluded)
    return sorted(found, key=lambda p: p.parts)


def _git_files(root: Path) -> list[str] | None:
    """The paths git knows under ``root`` (relative to it), or None outside a work tree."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return [p for p in os.fsdecode(proc.stdout).split("\0") if p]


def _filter(root: Path, listed: Iterable[str], excluded: Callable[[Path], bool]) -> Iterable[Path]:
    for rel in listed:
        parts = rel.split("/")
        if not is_dockerfile_name(parts[-1]) or VCS_DIRS.intersection(parts[:-1]):
            continue
        path = root / rel
        if path.is_file() and not excluded(path):  # --cached lists files deleted since
            yield path


def _walk(root: Path, excluded: Callable[[Path], bool]) -> Iterable[Path]:
    rules_by_folder: dict[str, list[Rule]] = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        parent_rules = rules_by_folder.get(os.path.dirname(folder), []) if here != root else []
        rules = parent_rules + read_gitignore(here)
        rules_by_folder[folder] = rules
        dirs[:] = sorted(
            d for d in dirs if d not in VCS_DIRS and not ignored(here / d, True, rules) and not excluded(here / d)
        )
        for name in sorted(files):
            path = here / name
            if is_dockerfile_name(name) and not ignored(path, False, rules) and not excluded(path):
                yield path


@record(frozen=True)
class Rule:
    """One ``.gitignore`` line."""

    base: Path  # the folder of the .gitignore
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool  # matched against the path from ``base``, else against the name alone


def read_gitignore(folder: Path) -> list[Rule]:
    try:
        text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip() if not raw.endswith("\\ ") else raw
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = line[1:] if negate else line
        line = line[1:] if line.startswith("\\") else line
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        anchored = "/" in line
        rules.append(Rule(folder, re.compile(glob_regex(line.lstrip("/"))), negate, dir_only, anchored))
    return rules


def glob_regex(pattern: str) -> str:
    """A gitignore-style glob as a regex: ``*`` and ``?`` stay inside one folder, ``**`` crosses them."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out) + r"\Z"


def ignored(path: Path, is_dir: bool, rules: Iterable[Rule]) -> bool:
    """Whether the last rule that matches ``path`` ignores it."""
    verdict = False
    for rule in rules:
        if rule.dir_only and not is_dir:
            continue
        try:
            rel = path.relative_to(rule.base).as_posix()
        except ValueError:
            continue
        if rule.regex.match(rel if rule.anchored else path.name):
            verdict = not rule.negate
    return verdict


def matches_exclude(path: Path, root: Path, patterns: Iterable[str], below: Path | None = None) -> bool:
    """Whether ``path`` or a folder above it (below ``root``) matches one of ``exclude``'s globs.

    A pattern without ``/`` matches a name at any depth (``vendor``, ``*.tmpl.Dockerfile``);
    one with ``/`` matches the path from ``root`` (``services/legacy``, ``docs/**``). With
    ``below`` (the folder being walked), only the names below it count: a walk of
    ``~/build/app`` is not excluded by ``build``.
    """
    real = os.path.realpath
    return Exclusion(tuple(patterns)).matches(real(path), real(root), real(below) if below is not None else None)


class Exclusion:
    """A configuration's ``exclude`` globs, compiled once for a whole walk."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        names = set()
        self.globs: list[tuple[bool, re.Pattern[str]]] = []  # (anchored, regex)
        for pattern in patterns:
            pattern = pattern.strip().rstrip("/")
            anchored = "/" in pattern.lstrip("*/") or pattern.startswith("/")
            glob = pattern.lstrip("/") if anchored else pattern.removeprefix("**/")
            if not anchored and not any(c in glob for c in "*?[\\"):
                names.add(glob)  # a plain name (the defaults): a set lookup
            else:
                self.globs.append((anchored, re.compile(glob_regex(glob))))
        self.names = frozenset(names)

    def matches(self, path: str, root: str, below: str | None = None) -> bool:
        """``matches_exclude`` for real (symlink-free) absolute paths."""
        parts = _parts_below(path, root)
        if parts is None:
            return False
        first = 0
        if below is not None:
            above = _parts_below(below, root)
            first = len(above) if above is not None else 0
        if self.names.intersection(parts[first:]):
            return True
        for depth in range(first + 1, len(parts) + 1):
            for anchored, regex in self.globs:
                if regex.match("/".join(parts[:depth]) if anchored else parts[depth - 1]):
                    return True
        return False


def _parts_below(path: str, root: str) -> list[str] | None:
    """The names from ``root`` down to ``path``; None when ``path`` is not inside ``root``."""
    if path == root:
        return []
    prefix = root if root.endswith(os.sep) else root + os.sep
    return path[len(prefix) :].split(os.sep) if path.startswith(prefix) else None
