"""Configuration: ``[tool.dockeropt]`` in ``pyproject.toml``, or ``.dockeropt.toml``.

A file that ``--config`` names may hold its settings either way: under ``[tool.dockeropt]``
or at the top level.

The file that applies to a Dockerfile is the nearest one found from the Dockerfile's
folder upward. In one folder ``.dockeropt.toml`` wins over ``pyproject.toml``, and a
``pyproject.toml`` without a ``[tool.dockeropt]`` table is passed over. Keys:

    select          codes or code prefixes to run (default: all)
    ignore          codes or code prefixes to skip
    unsafe-fixes    also apply unsafe fixes (bool)
    exclude         globs of paths that directory walks skip (relative to the file's folder),
                    instead of the default list (``walk.DEFAULT_EXCLUDE``)
    extend-exclude  globs skipped as well as the default list
    extra-manifests globs of extra dependency manifests for DO102
    contexts        a table of Dockerfile globs to build contexts, both relative to the
                    file's folder: ``"services/*/Dockerfile" = "."`` (see ``contexts.py``)
    options         a table per code: ``[tool.dockeropt.options.DO103] prefer = "alpine"``;
                    each code's keys and values are checked (``OPTIONS``)

Anything else is an error that names the key, so a typo never passes in silence.
"""

from __future__ import annotations

import os
import re
import sys

from dockeropt.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection
    from types import ModuleType
    from typing import NoReturn

KEYS = ("select", "ignore", "unsafe-fixes", "exclude", "extend-exclude", "extra-manifests", "contexts", "options")

#: The options each transform reads (its docstring says what they do), and what each takes:
#: checked here, where the file is read, so that a bad value is an error at its line.
_STAGES = {"all_stages": "bool"}
OPTIONS: dict[str, dict[str, str]] = {
    "DO101": {"max_lines": "count", "all_stages": "bool"},
    "DO103": {"prefer": "slim|alpine"},
    "DO104": {"date": "date"},
    **{code: _STAGES for code in ("DO201", "DO203", "DO204", "DO205", "DO206")},
}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODE = re.compile(r"[A-Z]+[0-9]*")


class ConfigError(Exception):
    """A configuration file dockeropt will not use, located as ``PATH:LINE:COL: message``."""

    def __init__(self, path: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@record(frozen=True)
class Config:
    path: str | None = None  # None: no file, the defaults
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    exclude: tuple[str, ...] | None = None  # None: the default list
    extend_exclude: tuple[str, ...] = ()
    extra_manifests: tuple[str, ...] = ()
    contexts: dict[str, str] = field(default_factory=dict)
    options: dict[str, dict] = field(default_factory=dict)

    @property
    def root(self) -> str | None:
        """The folder that ``exclude`` patterns are relative to."""
        return os.path.dirname(self.path) if self.path else None

    def walk_exclude(self) -> tuple[str, ...]:
        """What directory walks skip: ``exclude`` (or the default list), then ``extend-exclude``."""
        if self.exclude is None:
            from dockeropt.walk import DEFAULT_EXCLUDE

            return DEFAULT_EXCLUDE + self.extend_exclude
        return self.exclude + self.extend_exclude

    def transform_options(self) -> dict[str, dict]:
        """``Context.options``: the per-code tables, with ``extra-manifests`` given to DO102."""
        options = {code: dict(table) for code, table in self.options.items()}
        if self.extra_manifests:
            options.setdefault("DO102", {})["extra_manifests"] = list(self.extra_manifests)
        return options


def discover(folder: str | os.PathLike[str], read: list[str] | None = None) -> str | None:
    """The configuration file nearest to ``folder``, looking upward; None when there is none.
    ``read`` gets the folders looked in and the files found there, whose changes could change
    the answer (the language server keeps the answer while their times stay).

    Paths here are strings (os.path): importing pathlib would cost a cold run 3 ms.
    """
    seen = [] if read is None else read
    candidate = os.fspath(folder)
    while True:
        seen.append(candidate)
        dotfile = os.path.join(candidate, ".dockeropt.toml")
        if os.path.isfile(dotfile):
            seen.append(dotfile)
            return dotfile
        pyproject = os.path.join(candidate, "pyproject.toml")
        if os.path.isfile(pyproject):
            seen.append(pyproject)
            if _has_table(pyproject):
                return pyproject
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return None
        candidate = parent


# Where a [tool.dockeropt] table can be written: a table header or a dotted key naming
# tool.dockeropt (quoted or not, spaced or not), a [tool] table, or an inline table for tool.
_MAY_HOLD_TABLE = re.compile(r"""\btool["']?\s*(?:\.\s*["']?dockeropt|=\s*\{|\])""")


def _has_table(pyproject: str) -> bool:
    try:
        text = _read(pyproject)
    except (OSError, UnicodeDecodeError):
        return False
    if "dockeropt" not in text:  # skip parsing the many pyproject files that never mention us
        return False
    if not _MAY_HOLD_TABLE.search(text):  # named (a project called dockeropt) but no tool table
        return False
    try:
        data = _toml().loads(text)
    except Exception:  # noqa: BLE001 - a broken pyproject that mentions us is reported by load()
        return True
    return "dockeropt" in data.get("tool", {})


def _toml() -> ModuleType:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    return tomllib


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def load(path: str | os.PathLike[str], codes: Collection[str]) -> Config:
    """Read and check one configuration file; ``codes`` are the transforms' codes."""
    path = os.fspath(path)
    try:
        text = _read(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    toml = _toml()
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line, column = (int(where[1]), int(where[2])) if where else (text.count("\n") + 1, 1)  # "at end of document"
        raise ConfigError(path, f"invalid TOML: {message}", line, column) from None
    name = os.path.basename(path)
    tool = data.get("tool")
    if name == "pyproject.toml" or (isinstance(tool, dict) and "dockeropt" in tool):  # any file --config names
        table = tool.get("dockeropt", {}) if isinstance(tool, dict) else {}
        return _Reader(path, text, "[tool.dockeropt]", codes).read(table)
    return _Reader(path, text, name, codes).read(data)


@record
class _Reader:
    path: str
    text: str
    where: str  # how messages name the table: "[tool.dockeropt]" or ".dockeropt.toml"
    codes: Collection[str]

    def read(self, table: dict) -> Config:
        if not isinstance(table, dict):
            self.fail("dockeropt", f"{self.where} must be a table")
        for key in table:
            if key not in KEYS:
                hint = _near(key, KEYS)
                self.fail(key, f"unknown key {key!r} in {self.where}" + (f" (did you mean {hint!r}?)" if hint else ""))
        unsafe = table.get("unsafe-fixes", False)
        if not isinstance(unsafe, bool):
            self.fail("unsafe-fixes", f"'unsafe-fixes' in {self.where} must be true or false, not {_kind(unsafe)}")
        return Config(
            path=self.path,
            select=self.codes_of("select", table),
            ignore=self.codes_of("ignore", table),
            unsafe_fixes=unsafe,
            exclude=self.strings("exclude", table) if "exclude" in table else None,
            extend_exclude=self.strings("extend-exclude", table),
            extra_manifests=self.strings("extra-manifests", table),
            contexts=self.contexts(table.get("contexts", {})),
            options=self.options(table.get("options", {})),
        )

    def strings(self, key: str, table: dict) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"{key!r} in {self.where} must be a list of strings, not {_kind(value)}")
        return tuple(value)

    def codes_of(self, key: str, table: dict) -> tuple[str, ...]:
        out = []
        for value in self.strings(key, table):
            code = value.strip().upper()
            if not is_known(code, self.codes):
                self.fail(value, f"unknown code {value!r} in {key!r} of {self.where} ({self.known()})", quoted=True)
            out.append(code)
        return tuple(out)

    def contexts(self, value: object) -> dict[str, str]:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.fail("contexts", f"'contexts' in {self.where} must map Dockerfile globs to folders (strings)")
        return dict(value)

    def options(self, value: object) -> dict[str, dict]:
        if not isinstance(value, dict):
            self.fail("options", f"'options' in {self.where} must be a table of tables, one per code, not {_kind(value)}")
        for code, table in value.items():
            if code not in self.codes:
                self.fail(code, f"unknown code {code!r} in the options of {self.where} ({self.known()})")
            if not isinstance(table, dict):
                self.fail(code, f"options for {code} in {self.where} must be a table, not {_kind(table)}")
            for key, option in table.items():
                self.option(code, key, option)
        return {code: dict(table) for code, table in value.items()}

    def option(self, code: str, key: str, value: object) -> None:
        """Fail unless ``code`` takes the option ``key`` and ``value`` is one it accepts."""
        takes = OPTIONS.get(code, {})
        if key not in takes:
            known = f"{code} takes: {', '.join(sorted(takes))}" if takes else f"{code} takes no options"
            hint = _near(key, takes)
            self.fail(key, f"unknown option {key!r} for {code} in {self.where} ({known})"
                      + (f"; did you mean {hint!r}?" if hint else ""), after=code)
        why = _wrong(takes[key], value)
        if why is not None:
            self.fail(key, f"option {key!r} for {code} in {self.where} must be {why}, not {_shown(value)}", after=code)

    def known(self) -> str:
        return "known: " + ", ".join(sorted(self.codes))

    def fail(self, needle: str, message: str, quoted: bool = False, after: str | None = None) -> NoReturn:
        raise ConfigError(self.path, message, *self.position_of(needle, quoted, after))

    def position_of(self, needle: str, quoted: bool, after: str | None = None) -> tuple[int, int]:
        """Line and column of the first place that names ``needle`` as a key (or as a string),
        after our table's header and, with ``after``, after the key ``after`` (an option's code)."""
        start = 0
        header = re.search(r"^\s*\[\s*tool\s*\.\s*dockeropt\b", self.text, re.M)
        if header and self.where.startswith("["):
            start = header.start()
        if after is not None:
            start = self._key(after, start) or start
        end = self._key(needle, start, quoted)
        if end is None:
            return 1, 1
        line_start = self.text.rfind("\n", 0, end) + 1
        return self.text.count("\n", 0, end) + 1, end - line_start + 1

    def _key(self, needle: str, start: int, quoted: bool = False) -> int | None:
        name = re.escape(needle)
        if quoted:
            pattern = rf"(?P<key>[\"']{name}[\"'])"
        else:  # a bare or quoted key, before ``=`` or as the last part of a table header
            pattern = rf"(?:^|[ \t.\[{{,])(?P<key>[\"']?{name}[\"']?)\s*(?:=|\])"
        found = re.compile(pattern, re.M).search(self.text, start)
        return found.start("key") if found else None


def is_known(code: str, codes: Collection[str]) -> bool:
    """A code or a code prefix (``DO1``) that names at least one transform."""
    return bool(_CODE.fullmatch(code)) and any(c.startswith(code) for c in codes)


def _wrong(kind: str, value: object) -> str | None:
    """What an option of ``kind`` must be, when ``value`` is not that; else None."""
    if kind == "bool":
        return None if isinstance(value, bool) else "true or false"
    if kind == "count":
        return None if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else "a whole number, 1 or more"
    if kind == "date":  # TOML's unquoted 2027-06-01 is a date; a string must spell one
        if type(value).__name__ == "date":
            return None
        if isinstance(value, str) and _DAY.fullmatch(value):
            import datetime

            try:
                datetime.date.fromisoformat(value)
                return None
            except ValueError:
                pass
        return "a day as YYYY-MM-DD"
    choices = kind.split("|")
    return None if value in choices else " or ".join(repr(c) for c in choices)


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else _kind(value)


def _kind(value: object) -> str:
    return {bool: "a boolean", str: "a string", int: "a number", float: "a number", list: "a list", dict: "a table"}.get(
        type(value), type(value).__name__
    )


def _near(key: str, keys: Collection[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    return close[0] if close else None
