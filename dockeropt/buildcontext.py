"""The build context: the folder a build reads, less what ``.dockerignore`` leaves out.

One object per run, shared by every transform that looks at the disk. Nothing is read until
a transform asks, and nothing is read twice: the ignore file, the folder's listing, each
file's text.

``.dockerignore`` is read as BuildKit reads it (moby's ``patternmatcher`` and
``ignorefile``): one pattern a line, ``#`` lines are comments, surrounding spaces are
trimmed, a leading ``!`` makes an exception, a pattern is cleaned like a path and loses a
leading ``/``; ``*`` and ``?`` stay within one path segment, ``**`` crosses segments; the
last pattern that matches a path decides, and a pattern that matches a parent folder
matches everything below it. A ``<Dockerfile>.dockerignore`` beside the Dockerfile wins
over the context's own ``.dockerignore``.
"""

from __future__ import annotations

import os
import posixpath
import re
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterator
    from typing import Any, TypeVar

    _T = TypeVar("_T")


class ContextError(Exception):
    """The context cannot answer a question reliably (a pattern it cannot read, a symlink,
    an unreadable file); the message says why."""


class Ignore:
    """Parsed ``.dockerignore`` patterns."""

    __slots__ = ("patterns", "problem")

    def __init__(self, patterns: list[tuple[re.Pattern[str], bool, str]], problem: str | None = None) -> None:
        self.patterns = patterns  # (regex, is an exception, the pattern as cleaned)
        self.problem = problem

    @classmethod
    def parse(cls, text: str) -> Ignore:
        """Read an ignore file's text; a pattern that cannot be read makes the whole file
        unreadable (``problem``), as a careful reader must not guess what it excludes."""
        patterns = []
        try:
            for raw in text.removeprefix("\ufeff").splitlines():
                if raw.startswith("#"):
                    continue
                line = raw.strip()
                if not line:
                    continue
                exception = line.startswith("!")
                if exception:
                    line = line[1:].strip()
                if not line:
                    continue
                line = posixpath.normpath(line)
                if len(line) > 1 and line.startswith("/"):
                    line = line.lstrip("/")
                if line.startswith(".."):
                    raise ContextError(f"the pattern {line!r} points outside the context")
                patterns.append((re.compile(glob_regex(line)), exception, line))
        except ContextError as exc:
            return cls([], str(exc))
        return cls(patterns)

    def require(self) -> None:
        if self.problem:
            raise ContextError(f".dockerignore cannot be evaluated: {self.problem}")

    def excludes(self, path: str) -> bool:
        """Whether the context leaves out ``path`` (relative, ``/``-separated)."""
        parts = path.split("/")
        parents = ["/".join(parts[:i]) for i in range(1, len(parts))]
        excluded = False
        for regex, exception, _ in self.patterns:
            if exception != excluded:  # an exception matters only to what is excluded, and back
                continue
            if regex.fullmatch(path) or any(regex.fullmatch(p) for p in parents):
                excluded = not exception
        return excluded

    def mentions(self, name: str) -> bool:
        """Some pattern excludes ``name`` or re-includes it: the file speaks about it."""
        return any(regex.fullmatch(name) for regex, _, _ in self.patterns)


def glob_regex(pattern: str) -> str:
    """A Go ``filepath.Match`` pattern, with ``**`` as patternmatcher reads it, as a regular
    expression over ``/``-separated paths. The one glob translator of the package: COPY
    sources and ``.dockerignore`` lines both use it."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                i += 2
                while i < n and pattern[i] == "*":
                    i += 1
                if i < n and pattern[i] == "/":
                    out.append("(?:.*/)?")
                    i += 1
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\":
            if i + 1 >= n:
                raise ContextError(f"the pattern {pattern!r} ends with an escape")
            out.append(re.escape(pattern[i + 1]))
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                raise ContextError(f"the pattern {pattern!r} has an unclosed [")
            body = pattern[i + 1 : end]
            if "\\" in body or "[" in body:
                raise ContextError(f"the pattern {pattern!r} has a character class it cannot read")
            negate = body.startswith("^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("^", "\\^") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def has_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


# The files each context folder sends, by folder and ignore patterns, shared by the
# Dockerfiles of one run (``share_walks``): a repository's Dockerfiles often share a folder,
# and each walking it again made a run over N files in one folder take N^2 time. Off (None)
# where a process lives on while the folders change (the language server).
_walks: dict[tuple[str, tuple[tuple[bool, str], ...]], tuple[str, ...]] | None = None
_sizes: dict[str, int | None] | None = None  # and the files' sizes, by path
_facts: dict[tuple, Any] | None = None  # and what else is read of a folder (``BuildContext.remembered``)
_sized: dict[tuple, Any] | None = None  # of that, what reads the files' sizes


def share_walks(on: bool = True) -> None:
    """Remember each folder's walk for the rest of this run (on), or forget them (off).
    The runner turns it on for a batch of files and forgets after it writes a file."""
    global _walks, _sizes, _facts, _sized
    _walks, _sizes, _facts, _sized = ({}, {}, {}, {}) if on else (None, None, None, None)


def forget_walks(rewritten: str | os.PathLike[str] | None = None) -> None:
    """A file was written (when sharing is on): walk again where needed. A file that was
    there and is ``rewritten`` leaves every folder's names as they were: only its size and
    what was read of sizes go, so that ``--fix`` over many Dockerfiles of one context does
    not walk it again after each one (which made such a run take N^2 time)."""
    if _walks is None or _sizes is None or _facts is None or _sized is None:
        return
    _sized.clear()
    if rewritten is not None:
        for path in {os.path.abspath(rewritten), os.path.realpath(rewritten)}:
            _sizes.pop(path, None)
        return
    _walks.clear()
    _sizes.clear()
    _facts.clear()


# In a process that lives on while the folders change (the language server, ``keep_walks``),
# each context's walk is kept with the modification times of the folders it read, and is used
# again while none of them changed: making, removing or renaming an entry changes its folder's
# time. A walk is not kept when a folder changed less than ``_RACY`` before it began, as a
# later change in the same tick of the file system's clock would leave the time as it was.
_kept: dict[tuple, tuple[tuple[str, ...], tuple[tuple[str, int], ...]]] | None = None
_KEPT = 16  # contexts
_RACY = 2_000_000_000  # ns: coarser than any clock of a file system a project lives on but FAT's


def keep_walks(on: bool = True) -> None:
    """Keep each context's walk, checked against its folders' times before each use (on), or not."""
    global _kept
    _kept = {} if on else None


def path_times(paths: list[str], began: int) -> tuple[tuple[str, int], ...] | None:
    """The modification times of folders (or files) read since ``began`` (``time.time_ns()``),
    or None when one may have changed while they were read, or is gone."""
    times = []
    for path in paths:
        try:
            changed = os.stat(path).st_mtime_ns
        except OSError:
            return None
        if changed >= began - _RACY:
            return None
        times.append((path, changed))
    return tuple(times)


def unchanged(times: tuple[tuple[str, int], ...]) -> bool:
    """Each path of ``path_times`` is there with the time it had."""
    for path, changed in times:
        try:
            if os.stat(path).st_mtime_ns != changed:
                return False
        except OSError:
            return False
    return True


class BuildContext:
    """A build context folder and its ignore file, read on demand and remembered."""

    def __init__(self, root: str, dockerfile: str | None = None) -> None:
        self.root = os.path.abspath(root)
        self.dockerfile = dockerfile  # the Dockerfile's path, for <Dockerfile>.dockerignore
        self._ignore: Ignore | None = None
        self._ignore_file: str | None | bool = False  # False: not looked for yet
        self._texts: dict[str, str | None] = {}
        self._files: tuple[str, ...] | None = None
        self._facts: dict[tuple, Any] = {}
        self._disk: dict[tuple[str, str], bool] = {}

    @classmethod
    def open(cls, root: str | os.PathLike[str] | None, dockerfile: str | None = None) -> BuildContext | None:
        """The context at ``root``, or None when there is no such folder."""
        if root is None:
            return None
        root = os.fspath(root)
        if not os.path.isdir(root):
            return None
        return cls(root, dockerfile if dockerfile not in (None, "-") else None)

    # --- the ignore file -------------------------------------------------------------------

    @property
    def ignore_file(self) -> str | None:
        """The ignore file that applies: ``<Dockerfile>.dockerignore`` beside the Dockerfile,
        else ``.dockerignore`` at the root, else None."""
        if self._ignore_file is False:
            candidates = [self.dockerfile + ".dockerignore"] if self.dockerfile else []
            candidates.append(os.path.join(self.root, ".dockerignore"))
            self._ignore_file = next((p for p in candidates if os.path.isfile(p)), None)
        return self._ignore_file  # type: ignore[return-value]

    @property
    def ignore(self) -> Ignore:
        if self._ignore is None:
            path = self.ignore_file
            if path is None:
                self._ignore = Ignore([])
            else:
                try:
                    with open(path, encoding="utf-8") as f:
                        self._ignore = Ignore.parse(f.read())
                except (OSError, UnicodeDecodeError) as exc:
                    self._ignore = Ignore([], str(exc))
        return self._ignore

    # --- what is there ---------------------------------------------------------------------

    def path(self, name: str) -> str:
        return os.path.join(self.root, *name.split("/"))

    # What is on disk is looked up once per context: the rules and the engine's passes ask
    # about the same few names again and again, and one check of a file sees one folder.

    def exists(self, name: str) -> bool:
        """``name`` is on disk in the folder, sent or not."""
        return self._on_disk("exists", name, os.path.lexists)

    def is_file(self, name: str) -> bool:
        return self._on_disk("file", name, os.path.isfile)

    def is_dir(self, name: str) -> bool:
        return self._on_disk("dir", name, os.path.isdir)

    def _on_disk(self, what: str, name: str, test: Callable[[str], bool]) -> bool:
        key = (what, name)
        found = self._disk.get(key)
        if found is None:
            found = self._disk[key] = test(self.path(name))
        return found

    def sent(self, name: str) -> bool:
        """``name`` is on disk and the build gets it (``.dockerignore`` leaves it in)."""
        self.ignore.require()
        return self.exists(name) and not self.ignore.excludes(name)

    def sent_file(self, name: str) -> bool:
        """``name`` is a regular file the build gets."""
        return self.is_file(name) and self.sent(name)

    def present(self, name: str) -> bool:
        """``name``, or anything below it, is sent with the context."""
        self.ignore.require()
        if not self.exists(name):
            return False
        if not self.ignore.excludes(name):
            return True
        prefix = name.rstrip("/") + "/"
        return any(f.startswith(prefix) for f in self.files())

    def existing(self, pattern: str) -> list[str]:
        """Regular files at the root matching ``pattern`` (a name or a glob) that are sent;
        a symlink among them is refused (what it points to is not what the build sees)."""
        self.ignore.require()
        if has_glob(pattern):
            regex = re.compile(glob_regex(pattern))
            names = sorted(n for n in self._listing("") if regex.fullmatch(n))
        else:
            names = [pattern]
        out = []
        for name in names:
            if os.path.islink(self.path(name)):
                raise ContextError(f"{name} is a symlink")
            if self.is_file(name) and not self.ignore.excludes(name):
                out.append(name)
        return out

    def read(self, name: str) -> str:
        """The text of a context file; ContextError when it cannot be read."""
        if name not in self._texts:
            try:
                with open(self.path(name), encoding="utf-8") as f:
                    self._texts[name] = f.read()
            except (OSError, UnicodeDecodeError) as exc:
                self._texts[name] = None
                raise ContextError(f"cannot read {name}: {exc}") from None
        text = self._texts[name]
        if text is None:
            raise ContextError(f"cannot read {name}")
        return text

    def read_bytes(self, name: str, size: int = -1) -> bytes | None:
        """The first ``size`` bytes of a context file (links followed), or None."""
        try:
            with open(os.path.realpath(self.path(name)), "rb") as f:
                return f.read(size)
        except OSError:
            return None

    def size(self, name: str) -> int | None:
        path = self.path(name)
        if _sizes is not None and path in _sizes:
            return _sizes[path]
        try:
            size: int | None = os.path.getsize(path)
        except OSError:
            size = None
        if _sizes is not None:
            _sizes[path] = size
        return size

    def mode(self, name: str) -> int | None:
        try:
            return os.stat(self.path(name)).st_mode & 0o7777
        except OSError:
            return None

    def files(self) -> tuple[str, ...]:
        """Every file the build gets (``/``-separated, relative, sorted), walked once.
        Symlinked folders are not followed, as the build does not follow them."""
        if self._files is None:
            self.ignore.require()
            key = (self.root, self._patterns())
            if _walks is not None and key in _walks:
                self._files = _walks[key]
                return self._files
            kept = _kept.get(key) if _kept is not None else None
            if kept is not None and unchanged(kept[1]):
                self._files = kept[0]
                return self._files
            began = time.time_ns()
            found, walked = [], []
            # Without an exception (``!``) nothing under a left-out folder comes back, so the
            # walk need not go in (node_modules, .git): what it finds is the same.
            prune = not any(exception for _, exception, _ in self.ignore.patterns)
            for folder, dirs, names in os.walk(self.root):
                walked.append(folder)
                rel = os.path.relpath(folder, self.root).replace(os.sep, "/")
                if prune:
                    dirs[:] = [d for d in dirs if not self.ignore.excludes(d if rel == "." else f"{rel}/{d}")]
                dirs.sort()
                for entry in names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                    name = entry if rel == "." else f"{rel}/{entry}"
                    if not self.ignore.excludes(name):
                        found.append(name)
            self._files = tuple(sorted(found))
            if _walks is not None:
                _walks[key] = self._files
            if _kept is not None:
                times = path_times(walked, began)
                if times is not None:
                    if len(_kept) >= _KEPT:
                        _kept.clear()
                    _kept[key] = (self._files, times)
        return self._files

    def folder_names(self) -> frozenset[str]:
        """The names of the folders the sent files lie in, at any depth."""
        return _folder_names(self.files())

    def matching(self, source: str) -> list[str]:
        """The context files a COPY/ADD source brings in: the file itself, everything under
        a folder, or what a glob matches (and everything under the folders it matches)."""
        clean = posixpath.normpath(source.lstrip("/")) if source not in ("", ".", "/") else "."
        if clean in (".", ""):
            return list(self.files())
        if has_glob(clean):
            regex = re.compile(glob_regex(clean))
            out = []
            for name in self.files():
                parts = name.split("/")
                if any(regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts) + 1)):
                    out.append(name)
            return out
        prefix = clean + "/"
        return [n for n in self.files() if n == clean or n.startswith(prefix)]

    def entries(self, source: str) -> list[str]:
        """What a COPY/ADD source names at its own level: the path itself when it exists, or
        the paths a glob matches (files and folders, not what lies below them), sorted."""
        clean = posixpath.normpath(source.lstrip("/").rstrip("/") or ".")
        if not has_glob(clean):
            return [clean] if self.exists(clean) else []
        regex = re.compile(glob_regex(clean))
        return sorted(name for name in self._level(clean.count("/")) if regex.fullmatch(name))

    def _level(self, depth: int) -> tuple[str, ...]:
        """The paths ``depth`` folders down (files and folders, links not followed)."""

        def walk() -> tuple[str, ...]:
            found: list[str] = []
            for folder, dirs, names in os.walk(self.root):
                rel = os.path.relpath(folder, self.root).replace(os.sep, "/")
                level = 0 if rel == "." else rel.count("/") + 1
                if level == depth:
                    found += (entry if rel == "." else f"{rel}/{entry}" for entry in dirs + names)
                if level >= depth:
                    dirs[:] = []
            return tuple(found)

        return self.remembered(("level", depth), walk, ignored=False)

    def remembered(self, what: Hashable, compute: Callable[[], _T], ignored: bool = True, sized: bool = False) -> _T:
        """``compute()``, a fact about this folder (and, with ``ignored``, its ignore file's
        patterns; ``sized``: one that reads the files' sizes): read once per context, or
        once per run while walks are shared."""
        key = (self.root, self._patterns() if ignored else None, what)
        shared = _sized if sized else _facts
        memo = shared if shared is not None else self._facts
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def _patterns(self) -> tuple[tuple[bool, str], ...]:
        return tuple((exception, line) for _, exception, line in self.ignore.patterns)

    def kind(self, name: str) -> str | None:
        """``file`` or ``dir`` for what ``name`` is once links are followed, or None when it
        is missing or a link leads out of the context (the build cannot follow it)."""
        real = os.path.realpath(self.path(name))
        root = os.path.realpath(self.root)
        if real != root and not real.startswith(root + os.sep):
            return None
        if os.path.isdir(real):
            return "dir"
        return "file" if os.path.isfile(real) else None

    def is_link(self, name: str) -> bool:
        return os.path.islink(self.path(name))

    def _listing(self, folder: str) -> list[str]:
        try:
            return os.listdir(self.path(folder) if folder else self.root)
        except OSError:
            return []

    def walk_sent(self, name: str) -> Iterator[str]:
        """The sent files under the folder ``name``."""
        prefix = name.rstrip("/") + "/"
        return (f for f in self.files() if f.startswith(prefix))


_folders: tuple[tuple[str, ...], frozenset[str]] | None = None  # the last walk's, by identity


def _folder_names(files: tuple[str, ...]) -> frozenset[str]:
    global _folders
    last = _folders
    if last is not None and last[0] is files:
        return last[1]
    names = frozenset(part for name in files for part in name.split("/")[:-1])
    _folders = (files, names)
    return names
