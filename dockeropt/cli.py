"""The command line: ``dockeropt [PATH...]`` and ``dockeropt parse PATH``.

Exit status: 0 when all is well, 1 when there are findings (or, with ``--check`` and
``--diff``, when a file would change), 2 when a file cannot be read or parsed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import click

from dockeropt.errors import DockerfileError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("parse",)
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox"})


def is_dockerfile_name(name: str) -> bool:
    return (
        name in ("Dockerfile", "Containerfile")
        or name.startswith("Dockerfile.")
        or name.endswith((".Dockerfile", ".dockerfile"))
    )


def discover(root: Path) -> list[Path]:
    """The Dockerfiles under ``root``, in a stable order."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(Path(folder) / f for f in sorted(files) if is_dockerfile_name(f))
    return found


def read_source(path: Path) -> str:
    """The file's text; bytes that are not UTF-8 are kept as they are (surrogate escapes)."""
    return path.read_bytes().decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` via a temporary file and a rename, keeping its mode."""
    data = encode(text)
    mode = path.stat().st_mode & 0o7777
    tmp = path.with_name(f".{path.name}.dockeropt-{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@dataclass
class Options:
    fix: bool
    diff: bool
    check: bool
    unsafe: bool
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    stdin_filename: str | None


def _codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        parse_command.main(args[1:], prog_name="dockeropt parse")
    else:
        run_command.main(args, prog_name="dockeropt")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@click.option("--fix", is_flag=True, help="Rewrite files in place (with -: print the fixed file).")
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change.")
@click.option("--check", is_flag=True, help="Exit 1 if --fix would change anything.")
@click.option("--unsafe-fixes", "unsafe", is_flag=True, help="Also apply fixes that may change the image.")
@click.option("--select", multiple=True, help="Only these codes (comma separated).")
@click.option("--ignore", multiple=True, help="Skip these codes (comma separated).")
@click.option("--stdin-filename", help="The path of the file read from stdin (for context).")
@click.version_option(package_name="dockeropt", prog_name="dockeropt")
def run_command(paths, fix, diff, check, unsafe, select, ignore, stdin_filename) -> None:  # noqa: ANN001
    """Make Dockerfiles build faster and weigh less.

    With no PATH, checks the Dockerfiles under the current folder (Dockerfile,
    Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile). Use - for stdin.
    Other commands: dockeropt parse PATH [--json].
    """
    options = Options(fix, diff, check, unsafe, _codes(select), _codes(ignore), stdin_filename)
    targets: list[Path] = []
    if not paths:
        targets = discover(Path("."))
    for p in paths:
        if str(p) != "-" and p.is_dir():
            targets.extend(discover(p))
        else:
            targets.append(p)
    status = EXIT_OK
    for target in targets:
        status = max(status, process(target, options))
    sys.exit(status)


def _keep(options: Options):  # noqa: ANN202
    def keep(finding) -> bool:  # noqa: ANN001
        if options.select and not any(finding.code.startswith(s) for s in options.select):
            return False
        return not any(finding.code.startswith(i) for i in options.ignore)

    return keep


def process(path: Path, options: Options) -> int:
    from dockeropt import engine
    from dockeropt.transforms import ALL
    from dockeropt.transforms.base import Context

    stdin = str(path) == "-"
    shown = options.stdin_filename or "-" if stdin else str(path)
    try:
        source = sys.stdin.buffer.read().decode("utf-8", "surrogateescape") if stdin else read_source(path)
    except OSError as exc:
        click.echo(f"{shown}:1:1: cannot read: {exc.strerror or exc}", err=True)
        return EXIT_ERROR
    context_dir = None
    if not stdin:
        context_dir = path.resolve().parent
    elif options.stdin_filename:
        context_dir = Path(options.stdin_filename).resolve().parent
    context = Context(path=shown, build_context=context_dir)
    writing = options.fix and not options.check and not options.diff
    try:
        result = engine.run(
            source,
            context,
            ALL,
            fix=options.fix or options.check or options.diff,
            unsafe=options.unsafe,
            keep=_keep(options),
        )
    except DockerfileError as exc:
        click.echo(exc.located(shown), err=True)
        if stdin and writing:
            sys.stdout.buffer.write(encode(source))  # format-on-save: never lose the buffer
        return EXIT_ERROR
    except RecursionError:
        click.echo(f"{shown}:1:1: file is nested too deeply to read", err=True)
        if stdin and writing:
            sys.stdout.buffer.write(encode(source))
        return EXIT_ERROR

    from dockeropt import report

    if result.reverted:
        click.echo(f"{shown}:1:1: {result.reverted}", err=True)
    if options.diff:
        report.print_diff(shown, result.source, result.output)
    if writing:
        if stdin:
            sys.stdout.buffer.write(encode(result.output))
        elif result.changed:
            write_atomic(path, result.output)
    to_stderr = stdin and writing
    report.print_findings(shown, result, to_stderr=to_stderr, fixing=writing, quiet=options.diff)
    if options.check or options.diff:
        return EXIT_FINDINGS if result.changed else EXIT_OK
    if writing:
        return EXIT_OK
    return EXIT_FINDINGS if result.findings else EXIT_OK


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
