"""What ``dockeropt [PATH...]`` does once ``cli.py`` has read its options: ``check``.

The files named (folders walked, ``-`` for stdin) are checked, and fixed with ``--fix``,
each with its folder's configuration under the command line's options; their outcomes are
reported as they come, and ``check`` returns the exit status. No click here, and nothing
here imports ``cli.py``.
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
    from dockeropt.walk import Exclusion

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")
NAMES = "Dockerfile, Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile"
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
    no_color: bool = False  # --no-color (NO_COLOR in the environment does the same)
    context: str | None = None  # --context DIR: the build context of every file

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
        self._exclusions: dict[tuple[str, ...], Exclusion] = {}
        self._realpaths: dict[str, str] = {}
        self.composes: dict[str, tuple[str, ...]] = {}  # per folder, the compose files above it

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

    def excluded(self, path: Path, top: Path) -> bool:
        """Whether a walk of ``top`` skips ``path`` (the configuration of its folder says so)."""
        from dockeropt.config import ConfigError

        folder = os.fspath(path.parent)
        try:
            found = self.for_folder(folder)
        except ConfigError:
            return False  # reported when the file is checked
        patterns = found.walk_exclude()
        if not patterns:
            return False
        if patterns not in self._exclusions:
            from dockeropt.walk import Exclusion

            self._exclusions[patterns] = Exclusion(patterns)
        real = os.path.join(self._real(folder), path.name)
        top_real = self._real(os.fspath(top))
        root = self._real(found.root) if found.root is not None else top_real
        return self._exclusions[patterns].matches(real, root, top_real)

    def _real(self, folder: str) -> str:
        """``os.path.realpath``, once per folder of a walk."""
        if folder not in self._realpaths:
            self._realpaths[folder] = os.path.realpath(folder)
        return self._realpaths[folder]

    def check_codes(self, options: Options) -> None:
        from dockeropt.config import is_known

        for flag, codes in (("--select", options.select), ("--ignore", options.ignore)):
            for code in codes:
                if not is_known(code, self.codes):
                    raise UsageError(f"unknown code {code!r} in {flag} (known: {', '.join(sorted(self.codes))})")


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
    from dockeropt.contexts import context_for

    named = where.get("path") or options.stdin_filename
    where["build_context"] = context_for(named, where.get("build_context"), options.context, found, configs.composes)
    return Job(shown, settings=settings, **where)


# --- the main command -----------------------------------------------------------------------


def check(paths: Sequence[str | Path], options: Options) -> int:
    """Check (and with ``--fix``, fix) the files the command line names; the exit status."""
    if any(str(p) == "-" for p in paths):
        return check_stdin(options)
    return check_paths(paths or (".",), options)


# --- stdin (format-on-save) ------------------------------------------------------------------


def check_stdin(options: Options) -> int:
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
        sys.stdout.buffer.write(encode(source if outcome.error else outcome.fixed))
        sys.stdout.buffer.flush()
    reporter = Reporter(options, to_stderr=options.writing, gain=not options.writing)
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

            top = Path(p)

            def excluded(path: Path, top: Path = top) -> bool:
                return configs.excluded(path, top)

            found: list = dockerfiles(top, excluded)
            if not found:
                _error(f"dockeropt: no Dockerfile found under {p} (looked for {NAMES}, skipping ignored and excluded paths)")
        else:
            found = [p]
        for path in found:
            resolved = os.path.realpath(path)
            if resolved not in seen:
                seen.add(resolved)
                targets.append((path, resolved))
    return targets


def check_paths(paths: Sequence[str | Path], options: Options) -> int:
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
    gain: bool = True  # say what --fix won (layers, steps a source edit re-runs); not on save
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
        for note in outcome.taken_back:
            _error(f"{outcome.shown}:{note}")
        if self.options.diff:
            report.print_diff(outcome.shown, outcome.source, outcome.fixed, color=not self.options.no_color)
        if self.options.format == "text":  # says what it fixed, too
            report.print_findings(
                outcome.shown,
                outcome,
                to_stderr=self.to_stderr,
                fixing=self.options.writing,
                quiet=self.options.diff,
                hint=not self.many,  # the summary says it once, at the end
                color=not self.options.no_color,
                gain=self.gain,
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
                self.outcomes,
                transforms,
                fixing=self.options.writing,
                previewing=self.options.check or self.options.diff,
                color=not self.options.no_color,
            )

    def _write(self, text: str) -> None:
        stream = sys.stderr if self.to_stderr else sys.stdout
        stream.buffer.write(encode(text))
        stream.flush()


def _selected(code: str, options: Options) -> bool:
    """Whether the command line leaves ``code`` in (configurations may narrow it further)."""
    return Settings(select=options.select, ignore=options.ignore).selects(code)
