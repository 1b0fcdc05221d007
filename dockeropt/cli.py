"""The command line: ``dockeropt [PATH...]``, ``dockeropt parse PATH`` and ``dockeropt lsp``.

Exit status:

    0   all is well: no findings; with ``--check``/``--diff`` nothing would change;
        with ``--fix`` the files were written (findings it cannot fix do not count)
    1   there are findings; with ``--check``/``--diff``, some file would change
    2   an error: a file or configuration that cannot be read or parsed, a bad option

The highest status of any file wins.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import click

from dockeropt.errors import DockerfileError
from dockeropt.record import field, record
from dockeropt.runner import Job, Outcome, Settings, encode, read_source, write_atomic
from dockeropt.walk import SKIP_DIRS, dockerfiles, is_dockerfile_name

if TYPE_CHECKING:
    from dockeropt.config import Config

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("parse", "lsp")
FORMATS = ("text", "json", "sarif", "github")
PROGRESS_FROM = 50  # files: fewer finish before a bar is worth drawing

__all__ = ["SKIP_DIRS", "discover", "encode", "is_dockerfile_name", "main", "read_source", "write_atomic"]


def discover(root: Path) -> list[Path]:
    """The Dockerfiles under ``root``, in a stable order (git's ignore rules apply)."""
    return dockerfiles(root)


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


def _codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "parse":
        parse_command.main(args[1:], prog_name="dockeropt parse")
    elif args and args[0] == "lsp":
        lsp_command.main(args[1:], prog_name="dockeropt lsp")
    else:
        run_command.main(args, prog_name="dockeropt")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@click.option("--fix", is_flag=True, help="Rewrite files in place (with -: print the fixed file).")
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change.")
@click.option("--check", is_flag=True, help="Exit 1 if --fix would change anything.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe", default=None, help="Also apply fixes that may change the image.")
@click.option("--select", multiple=True, help="Only these codes or prefixes (comma separated; replaces the configured list).")
@click.option("--ignore", multiple=True, help="Skip these codes or prefixes (comma separated; added to the configured list).")
@click.option("--config", "config", type=click.Path(path_type=Path, dir_okay=False), help="Use this configuration file, not the nearest one.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="How findings are printed.")
@click.option("--stdin-filename", help="The path of the file read from stdin (configuration and build context).")
@click.version_option(package_name="dockeropt", prog_name="dockeropt")
def run_command(paths, fix, diff, check, unsafe, select, ignore, config, output_format, stdin_filename) -> None:  # noqa: ANN001
    """Make Dockerfiles build faster and weigh less.

    With no PATH, checks the Dockerfiles under the current folder (Dockerfile,
    Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile), skipping what git
    ignores and what the configuration excludes. Use - for stdin.
    Other commands: dockeropt parse PATH [--json]; dockeropt lsp.

    Exit status: 0 clean, 1 findings (or, with --check/--diff, changes), 2 error.
    """
    options = Options(fix, diff, check, unsafe, _codes(select), _codes(ignore), stdin_filename, config, output_format)
    if diff and output_format != "text":
        raise click.UsageError(f"--diff prints a diff; it cannot be combined with --format {output_format}")
    if any(str(p) == "-" for p in paths):
        if len(paths) > 1:
            raise click.UsageError("- (stdin) cannot be combined with other paths")
        sys.exit(_run_stdin(options))
    sys.exit(_run_paths(paths or (Path("."),), options))


# --- configuration ---------------------------------------------------------------------------


class Configs:
    """The configuration of each folder: the nearest file upward, or the one ``--config`` names."""

    def __init__(self, explicit: Path | None) -> None:
        from dockeropt.transforms import by_code

        self.codes = tuple(by_code())
        self.explicit = explicit
        self._files: dict[Path, Path | None] = {}
        self._loaded: dict[Path | None, Config | Exception] = {}

    def for_folder(self, folder: Path) -> Config:
        """Raises ConfigError for a file that cannot be used."""
        from dockeropt import config

        if self.explicit is not None:
            path: Path | None = self.explicit
        else:
            folder = folder.resolve()
            if folder not in self._files:
                self._files[folder] = config.discover(folder)
            path = self._files[folder]
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
        return bool(found.exclude) and matches_exclude(path, found.root, found.exclude)

    def check_codes(self, options: Options) -> None:
        from dockeropt.config import is_known

        for flag, codes in (("--select", options.select), ("--ignore", options.ignore)):
            for code in codes:
                if not is_known(code, self.codes):
                    raise click.UsageError(f"unknown code {code!r} in {flag} (known: {', '.join(self.codes)})")


def _job(shown: str, folder: Path, configs: Configs, options: Options, **where) -> Job:  # noqa: ANN003
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


def _run_stdin(options: Options) -> int:
    """One buffer from stdin. With ``--fix`` stdout gets the file, whole and once, and nothing else."""
    from dockeropt.runner import check_file, failed

    source = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    shown = options.stdin_filename or "-"
    folder = Path(options.stdin_filename).resolve().parent if options.stdin_filename else None
    try:
        configs = Configs(options.config)
        configs.check_codes(options)
        job = _job(shown, folder or Path.cwd(), configs, options, text=source, build_context=folder)
        outcome = check_file(job)
    except click.UsageError as exc:
        outcome = failed(shown, source, f"dockeropt: {exc.message}")
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


def _targets(paths: Sequence[Path], configs: Configs) -> list[Path]:
    """Named files as they are, folders walked; each file once, in order."""
    seen: set[Path] = set()
    targets = []
    for p in paths:
        found = dockerfiles(p, configs.excluded) if p.is_dir() else [p]
        for path in found:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                targets.append(path)
    return targets


def _run_paths(paths: Sequence[Path], options: Options) -> int:
    from dockeropt.runner import run_many

    configs = Configs(options.config)
    configs.check_codes(options)
    if options.config is not None:  # an explicit file that cannot be used stops everything
        from dockeropt.config import ConfigError

        try:
            configs.for_folder(Path.cwd())
        except ConfigError as exc:
            click.echo(str(exc), err=True)
            return EXIT_ERROR
    targets = _targets(paths, configs)
    jobs = [_job(str(t), t.resolve().parent, configs, options, path=t, build_context=t.resolve().parent) for t in targets]
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
                click.echo(outcome.error, err=True)
            return
        if outcome.reverted:
            click.echo(f"{outcome.shown}:1:1: {outcome.reverted}", err=True)
        if self.options.diff:
            report.print_diff(outcome.shown, outcome.source, outcome.output)
        if self.options.format == "text":  # says what it fixed, too
            report.print_findings(
                outcome.shown, outcome, to_stderr=self.to_stderr, fixing=self.options.writing, quiet=self.options.diff
            )
            return
        if self.options.writing and outcome.applied:
            click.echo(f"{outcome.shown}: fixed {len(outcome.applied)} finding{'s' * (len(outcome.applied) != 1)}", err=True)
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


# --- other commands --------------------------------------------------------------------------


@click.command()
@click.argument("path", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="BuildKit's parse result as JSON.")
def parse_command(path: Path, as_json: bool) -> None:
    """Print the syntax tree of a Dockerfile."""
    from dockeropt.cst import parse

    shown = str(path)
    try:
        source = sys.stdin.buffer.read().decode("utf-8", "surrogateescape") if shown == "-" else read_source(path)
        tree = parse(source)
    except OSError as exc:
        click.echo(f"{shown}:1:1: cannot read: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)
    except DockerfileError as exc:
        click.echo(exc.located(shown), err=True)
        sys.exit(EXIT_ERROR)
    if as_json:
        import json

        from dockeropt.dump import buildkit_json

        sys.stdout.buffer.write(encode(json.dumps(buildkit_json(tree), indent=2, ensure_ascii=False) + "\n"))
    else:
        from dockeropt.report import print_tree

        print_tree(tree)


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def lsp_command() -> None:
    """Run the language server (LSP over stdin and stdout) for editors."""
    try:
        from dockeropt.lsp import main as lsp_main
    except ImportError as exc:
        click.echo(f"dockeropt: the language server is not available: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    lsp_main()
