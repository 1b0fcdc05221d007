"""What ``dockeropt [PATH...]`` does once its options are read: no click here.

``cli.py`` declares the command line with click; this module runs it. ``main`` reads the
common command lines (paths or ``-``, ``--fix``, ``--diff``, ``--check``, the unsafe-fixes
switches, ``--format``, ``--stdin-filename``) itself and hands every other one (help,
version, ``--select``, ``--config``, subcommands, anything unusual or wrong) to click, so
that format-on-save does not pay for importing click on every save. ``tests/test_cli.py``
checks that both readings give the same options for the same command lines.
"""

from __future__ import annotations

import os
import sys

from dockeropt.record import field, record
from dockeropt.runner import Job, Outcome, Settings, encode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from dockeropt.config import Config

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")
PROGRESS_FROM = 50  # files: fewer finish before a bar is worth drawing


class UsageError(Exception):
    """A command line that cannot run; click reports it with the usage."""


def _error(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# --- options ---------------------------------------------------------------------------------


@record
class Options:
    fix: bool
    diff: bool
    check: bool
    unsafe: bool | None  # None: as configured
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    stdin_filename: str | None
    config: Path | None = None
    format: str = "text"

    @property
    def writing(self) -> bool:
        return self.fix and not self.check and not self.diff


# --- configuration ---------------------------------------------------------------------------


class Configs:
    """The configuration of each folder: the nearest file upward, or the one ``--config`` names."""

    def __init__(self, explicit: str | os.PathLike[str] | None) -> None:
        from dockeropt.transforms import by_code

        self.codes = tuple(by_code())
        self.explicit = explicit
        self._files: dict[str, str | None] = {}
        self._loaded: dict[object, Config | Exception] = {}

    def for_folder(self, folder: str | os.PathLike[str]) -> Config:
        """Raises ConfigError for a file that cannot be used."""
        from dockeropt import config

        if self.explicit is not None:
            path: str | os.PathLike[str] | None = self.explicit
        else:
            key = os.fspath(folder)  # as given: a walk asks about one folder for each of its files
            if key not in self._files:
                self._files[key] = config.discover(os.path.realpath(key))
            path = self._files[key]
        if path not in self._loaded:
            try:
                self._loaded[path] = config.load(path, self.codes) if path else config.Config()
            except config.ConfigError as exc:
                self._loaded[path] = exc
        loaded = self._loaded[path]
        if isinstance(loaded, Exception):
            raise loaded
        return loaded

    def excluded(self, path: Path) -> bool:
        """Whether a directory walk skips ``path`` (the configuration of its folder says so)."""
        from dockeropt.config import ConfigError
        from dockeropt.walk import matches_exclude

        try:
            found = self.for_folder(path.parent)
        except ConfigError:
            return False  # reported when the file is checked
        if not found.exclude:
            return False
        from pathlib import Path  # a folder walk: pathlib is loaded already

        return matches_exclude(path, Path(found.root), found.exclude)

    def check_codes(self, options: Options) -> None:
        from dockeropt.config import is_known

        for flag, codes in (("--select", options.select), ("--ignore", options.ignore)):
            for code in codes:
                if not is_known(code, self.codes):
                    raise UsageError(f"unknown code {code!r} in {flag} (known: {', '.join(self.codes)})")


def _job(shown: str, folder: str, configs: Configs, options: Options, **where) -> Job:  # noqa: ANN003
    """A file's job: the command line's options merged over its folder's configuration."""
    from dockeropt.config import ConfigError

    try:
        found = configs.for_folder(folder)
    except ConfigError as exc:
        return Job(shown, error=str(exc), **where)
    settings = Settings(
        fix=options.fix or options.check or options.diff,
        write=options.writing,
        unsafe=found.unsafe_fixes if options.unsafe is None else options.unsafe,
        select=options.select or found.select,
        ignore=found.ignore + options.ignore,
        options=found.transform_options(),
    )
    return Job(shown, settings=settings, **where)


# --- stdin (format-on-save) ------------------------------------------------------------------


def run_stdin(options: Options) -> int:
    """One buffer from stdin. With ``--fix`` stdout gets the file, whole and once, and nothing else."""
    from dockeropt.runner import check_file, failed

    source = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    shown = options.stdin_filename or "-"
    folder = os.path.dirname(os.path.realpath(options.stdin_filename)) if options.stdin_filename else None
    try:
        configs = Configs(options.config)
        configs.check_codes(options)
        job = _job(shown, folder or os.getcwd(), configs, options, text=source, build_context=folder)
        outcome = check_file(job)
    except UsageError as exc:
        outcome = failed(shown, source, f"dockeropt: {exc}")
    except Exception as exc:  # noqa: BLE001 - format-on-save must get its buffer back whatever happens
        outcome = failed(shown, source, f"{shown}:1:1: internal error: {type(exc).__name__}: {exc}")
    if options.writing:
        sys.stdout.buffer.write(encode(source if outcome.error else outcome.output))
        sys.stdout.buffer.flush()
    reporter = Reporter(options, to_stderr=options.writing)
    reporter.file(outcome)
    reporter.finish()
    return _status(outcome, options)


# --- paths -----------------------------------------------------------------------------------


def _targets(paths: Sequence[str | Path], configs: Configs) -> list[tuple[str | Path, str]]:
    """Named files as they are, folders walked; each file once, in order, with its resolved path."""
    seen: set[str] = set()
    targets = []
    for p in paths:
        if os.path.isdir(p):
            from pathlib import Path  # only to walk folders: a named file's run does without it

            from dockeropt.walk import dockerfiles

            found: list = dockerfiles(Path(p), configs.excluded)
        else:
            found = [p]
        for path in found:
            resolved = os.path.realpath(path)
            if resolved not in seen:
                seen.add(resolved)
                targets.append((path, resolved))
    return targets


def run_paths(paths: Sequence[str | Path], options: Options) -> int:
    from dockeropt.runner import run_many

    configs = Configs(options.config)
    configs.check_codes(options)
    if options.config is not None:  # an explicit file that cannot be used stops everything
        from dockeropt.config import ConfigError

        try:
            configs.for_folder(os.getcwd())
        except ConfigError as exc:
            _error(str(exc))
            return EXIT_ERROR
    targets = _targets(paths, configs)
    jobs = [_job(str(t), os.path.dirname(r), configs, options, path=t, build_context=os.path.dirname(r)) for t, r in targets]
    reporter = Reporter(options, to_stderr=False, many=len(jobs) > 1)
    outcomes = run_many(jobs)
    status = EXIT_OK
    if len(jobs) >= PROGRESS_FROM and sys.stderr.isatty():
        from dockeropt import report

        done = []
        with report.progress(len(jobs)) as advance:  # print after the bar, not through it
            for outcome in outcomes:
                done.append(outcome)
                advance()
        outcomes = iter(done)
    for outcome in outcomes:
        status = max(status, _status(outcome, options))
        reporter.file(outcome)
    reporter.finish()
    return status


def _status(outcome: Outcome, options: Options) -> int:
    if outcome.error:
        return EXIT_ERROR
    if options.check or options.diff:
        return EXIT_FINDINGS if outcome.changed else EXIT_OK
    if options.writing:
        return EXIT_OK
    return EXIT_FINDINGS if outcome.findings else EXIT_OK


# --- output ----------------------------------------------------------------------------------


@record
class Reporter:
    """Prints each file's outcome as it comes (text, github) or all at the end (json, sarif)."""

    options: Options
    to_stderr: bool  # stdout holds the fixed file (``--fix -``)
    many: bool = False  # print a summary at the end
    outcomes: list[Outcome] = field(default_factory=list)
    errors_shown: set[str] = field(default_factory=set)

    def file(self, outcome: Outcome) -> None:
        from dockeropt import report

        self.outcomes.append(outcome)
        if outcome.error:
            if outcome.error not in self.errors_shown:  # one bad configuration, many files
                self.errors_shown.add(outcome.error)
                _error(outcome.error)
            return
        if outcome.reverted:
            _error(f"{outcome.shown}:1:1: {outcome.reverted}")
        if self.options.diff:
            report.print_diff(outcome.shown, outcome.source, outcome.output)
        if self.options.format == "text":  # says what it fixed, too
            report.print_findings(
                outcome.shown, outcome, to_stderr=self.to_stderr, fixing=self.options.writing, quiet=self.options.diff
            )
            return
        if self.options.writing and outcome.applied:
            _error(f"{outcome.shown}: fixed {len(outcome.applied)} finding{'s' * (len(outcome.applied) != 1)}")
        if self.options.format == "github":
            from dockeropt.formats import to_github

            self._write(to_github([outcome]))

    def finish(self) -> None:
        from dockeropt.transforms import ALL as transforms

        fmt = self.options.format
        if fmt == "json":
            from dockeropt.formats import to_json

            self._write(to_json(self.outcomes))
        elif fmt == "sarif":
            from dockeropt import __version__
            from dockeropt.formats import to_sarif

            selected = [t for t in transforms if _selected(t.code, self.options)]
            self._write(to_sarif(self.outcomes, selected, __version__))
        elif fmt == "github":
            from dockeropt.formats import to_github

            self._write(to_github(o for o in self.outcomes if o.error))
        elif self.many:
            from dockeropt import report

            report.print_summary(
                self.outcomes, transforms, fixing=self.options.writing, previewing=self.options.check or self.options.diff
            )

    def _write(self, text: str) -> None:
        stream = sys.stderr if self.to_stderr else sys.stdout
        stream.buffer.write(encode(text))
        stream.flush()


def _selected(code: str, options: Options) -> bool:
    """Whether the command line leaves ``code`` in (configurations may narrow it further)."""
    return Settings(select=options.select, ignore=options.ignore).selects(code)


# --- the entry point ---------------------------------------------------------------------------

_FLAGS = {"--fix": "fix", "--diff": "diff", "--check": "check"}
_VALUED = {"--format": "format", "--stdin-filename": "stdin_filename"}
_SWITCH = {"--unsafe-fixes": "--no-unsafe-fixes", "--no-unsafe-fixes": "--unsafe-fixes"}  # each to its opposite


def read_simple(args: Sequence[str]) -> tuple[list[str], Options] | None:
    """The paths and options of a common command line, or None for click to read it.

    Only what click would read the same way is read here: each known option once, in its
    exact spelling; paths that do not start with ``-`` (or ``-`` alone, once, with no
    other path); valid ``--format`` values; no ``--diff`` with another format.
    """
    if args and args[0] in ("parse", "lsp", "verify"):  # subcommands
        return None
    values: dict = {"fix": False, "diff": False, "check": False, "unsafe": None, "format": "text", "stdin_filename": None}
    seen: set[str] = set()
    paths: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "-" or (arg and not arg.startswith("-")):
            paths.append(_as_pathlib_prints(arg))
            continue
        name, eq, value = arg.partition("=")
        if name in seen:
            return None
        seen.add(name)
        if name in _FLAGS and not eq:
            values[_FLAGS[name]] = True
        elif name in _SWITCH and not eq and _SWITCH[name] not in seen:  # click would take the last one
            values["unsafe"] = name == "--unsafe-fixes"
        elif name in _VALUED:
            if not eq:
                if i >= len(args) or args[i].startswith("-"):
                    return None
                value = args[i]
                i += 1
            values[_VALUED[name]] = value
        else:
            return None
    if values["format"] not in FORMATS or (values["diff"] and values["format"] != "text"):
        return None
    if len(paths) > 1 and any(str(p) == "-" for p in paths):
        return None
    return paths, Options(values["fix"], values["diff"], values["check"], values["unsafe"], (), (), values["stdin_filename"], None, values["format"])


def _as_pathlib_prints(arg: str) -> str:
    """``str(Path(arg))`` without importing pathlib (3 ms): no empty or ``.`` parts, no
    trailing slash; ``..`` kept; POSIX keeps exactly two leading slashes. Findings name the
    file as click's ``Path`` arguments print it."""
    if arg.startswith("//") and not arg.startswith("///"):
        root = "//"
    else:
        root = "/" if arg.startswith("/") else ""
    return root + "/".join(part for part in arg.split("/") if part and part != ".") or "."


def run(paths: Sequence[str | Path], options: Options) -> int:
    """Run the main job; the exit status."""
    from dockeropt.runner import collect_less

    collect_less()
    if any(str(p) == "-" for p in paths):
        return run_stdin(options)
    return run_paths(paths or (".",), options)


def main(argv: Sequence[str] | None = None) -> None:
    """The ``dockeropt`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    simple = read_simple(args)
    if simple is None:
        from dockeropt.cli import main as click_main

        click_main(args)
        return
    try:
        status = run(*simple)
    except KeyboardInterrupt:  # as click says it
        _error("Aborted!")
        status = 1
    except BrokenPipeError:  # the reader went away (``| head``): nothing more to say
        sys.stderr.close()
        status = 1
    sys.exit(status)


def entry() -> None:
    """The ``dockeropt`` console script and ``python -m dockeropt``: ``main``, then exit at once.

    At exit the interpreter frees every object and module one by one: 5-6 ms of a 42 ms run
    on a small file, for a process that is ending anyway. So, once everything written is
    flushed, the process ends without that teardown (mypy ends the same way). ``main``
    itself raises SystemExit as usual, for callers in the same process.
    """
    from dockeropt.runner import collect_less

    collect_less()  # before the parser and the transforms are imported: 1 ms of a cold run
    try:
        main()
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if isinstance(exc.code, str):
            _error(exc.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or the reader went away
            status = status or 1
    os._exit(status)
