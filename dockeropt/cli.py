"""The command line, declared with click: ``dockeropt [PATH...]``, ``dockeropt parse PATH``, ``dockeropt lsp``.

Exit status:

    0   all is well: no findings; with ``--check``/``--diff`` nothing would change;
        with ``--fix`` the files were written (findings it cannot fix do not count)
    1   there are findings; with ``--check``/``--diff``, some file would change
    2   an error: a file or configuration that cannot be read or parsed, a bad option

The highest status of any file wins. What the main job does lives in ``command.py``, whose
``main`` reads the common command lines without importing this module (see there).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

import click

from dockeropt import command
from dockeropt.command import EXIT_ERROR, FORMATS, Options
from dockeropt.errors import DockerfileError
from dockeropt.runner import encode, read_source, write_atomic
from dockeropt.walk import SKIP_DIRS, dockerfiles, is_dockerfile_name

SUBCOMMANDS = ("parse", "lsp", "verify")

__all__ = ["SKIP_DIRS", "discover", "encode", "is_dockerfile_name", "main", "read_source", "write_atomic"]


def discover(root: Path) -> list[Path]:
    """The Dockerfiles under ``root``, in a stable order (git's ignore rules apply)."""
    return dockerfiles(root)


def _codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "parse":
        parse_command.main(args[1:], prog_name="dockeropt parse")
    elif args and args[0] == "lsp":
        lsp_command.main(args[1:], prog_name="dockeropt lsp")
    elif args and args[0] == "verify":
        verify_command.main(args[1:], prog_name="dockeropt verify")
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
    Other commands: dockeropt parse PATH [--json]; dockeropt lsp; dockeropt verify [PATH] (--help for each).

    Exit status: 0 clean, 1 findings (or, with --check/--diff, changes), 2 error.
    """
    options = Options(fix, diff, check, unsafe, _codes(select), _codes(ignore), stdin_filename, config, output_format)
    if diff and output_format != "text":
        raise click.UsageError(f"--diff prints a diff; it cannot be combined with --format {output_format}")
    if any(str(p) == "-" for p in paths) and len(paths) > 1:
        raise click.UsageError("- (stdin) cannot be combined with other paths")
    try:
        status = command.run(paths, options)
    except command.UsageError as exc:
        raise click.UsageError(str(exc)) from None
    sys.exit(status)


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


@click.command()
@click.argument("path", type=click.Path(dir_okay=True), default="Dockerfile")
@click.option("--builder", type=click.Choice(("docker", "buildah", "podman")), help="Build with this one (default: the first of them that works here).")
@click.option("--changed", metavar="FILE", help="Also rebuild both after FILE of the context changes; report which steps re-ran.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe", default=None, help="Verify the unsafe fixes too.")
@click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text", show_default=True)
def verify_command(path: str, builder: str | None, changed: str | None, unsafe: bool | None, output_format: str) -> None:
    """Build PATH as it is and as --fix writes it, and compare the two images.

    Exit status: 0 the same (but for removed package caches), 1 different, 2 a build failed or no builder.
    """
    import os

    from dockeropt.verify import main as verify_main

    sys.exit(verify_main(os.path.join(path, "Dockerfile") if os.path.isdir(path) else path, builder, changed, unsafe, output_format))
