"""The command line: ``dockeropt [PATH...]``, ``dockeropt rule CODE``, ``dockeropt rules``,
``dockeropt parse PATH``, ``dockeropt lsp``,
``dockeropt explain``, ``dockeropt verify [PATH]`` (``verify.py``).

Exit status:

    0   all is well: no findings; with ``--check``/``--diff`` nothing would change;
        with ``--fix`` the files were written (findings it cannot fix do not count)
    1   there are findings; with ``--check``/``--diff``, some file would change
    2   an error: a file or configuration that cannot be read or parsed, a bad option

The highest status of any file wins. ``entry`` is the console script. The command line is
declared with click (``commands``), but ``read_simple`` reads the common ones itself
(paths or ``-``, ``--fix``, ``--diff``, ``--check``, the unsafe-fixes switches,
``--format``, ``--stdin-filename``, ``--no-color``): importing click would cost every
format-on-save about a third of its time. Everything else (help, version, ``--select``,
``--config``, the subcommands, anything unusual or wrong) goes to click.
``tests/test_cli.py`` checks that both readings give the same options for the same
command lines. What the main command then does is ``command.check``.
"""

from __future__ import annotations

import os
import sys

from dockeropt.command import EXIT_ERROR, FORMATS, Options, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    import click

SUBCOMMANDS = ("parse", "lsp", "rule", "rules", "explain", "verify")  # the names ``commands()`` declares besides the main one


def entry() -> None:
    """The ``dockeropt`` console script and ``python -m dockeropt``: ``main``, then exit at once.

    At exit the interpreter frees every object and module one by one: 5-6 ms of a 42 ms run
    on a small file, for a process that is ending anyway. So, once everything written is
    flushed, the process ends without that teardown (mypy ends the same way). ``main``
    itself raises SystemExit as usual, for callers in the same process.
    """
    try:
        main()
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if isinstance(exc.code, str):
            _error(exc.code)
    for stream in (sys.stdout, sys.stderr):
        if stream.closed:  # the language server closes stdout when the client says exit
            continue
        try:
            stream.flush()
        except OSError:  # the reader went away: what was written is lost
            status = status or 1
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> None:
    """The ``dockeropt`` command; raises SystemExit with the exit status."""
    from dockeropt.runner import collect_less

    collect_less()  # before the parser and the transforms are imported: 1 ms of a cold run
    args = list(sys.argv[1:] if argv is None else argv)
    simple = read_simple(args)
    if simple is None:
        name = args[0] if args and args[0] in SUBCOMMANDS else ""
        commands()[name].main(args[1:] if name else args, prog_name=f"dockeropt {name}".strip())
        return
    from dockeropt import command

    try:
        status = command.check(*simple)
    except KeyboardInterrupt:  # as click says it
        _error("Aborted!")
        status = 1
    except BrokenPipeError:  # the reader went away (``| head``): nothing more to say
        sys.stderr.close()
        status = 1
    sys.exit(status)


def _error(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# --- the common command lines, read without click ---------------------------------------------

_FLAGS = {"--fix": "fix", "--diff": "diff", "--check": "check", "--no-color": "no_color"}
_VALUED = {"--format": "format", "--stdin-filename": "stdin_filename"}
_SWITCH = {"--unsafe-fixes": "--no-unsafe-fixes", "--no-unsafe-fixes": "--unsafe-fixes"}  # each to its opposite


def read_simple(args: Sequence[str]) -> tuple[list[str], Options] | None:
    """The paths and options of a common command line, or None for click to read it.

    Only what click would read the same way is read here: each known option once, in its
    exact spelling; paths that do not start with ``-`` (or ``-`` alone, once, with no
    other path); valid ``--format`` values; no ``--diff`` with another format.
    """
    if args and args[0] in SUBCOMMANDS:
        return None
    values: dict = {"fix": False, "diff": False, "check": False, "no_color": False}
    values.update(unsafe=None, format="text", stdin_filename=None)
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
    return paths, Options(
        values["fix"], values["diff"], values["check"], values["unsafe"], (), (), values["stdin_filename"],
        format=values["format"], no_color=values["no_color"],
    )  # fmt: skip


def _as_pathlib_prints(arg: str) -> str:
    """``str(Path(arg))`` without importing pathlib (3 ms): no empty or ``.`` parts, no
    trailing slash; ``..`` kept; POSIX keeps exactly two leading slashes. Findings name the
    file as click's ``Path`` arguments print it."""
    if arg.startswith("//") and not arg.startswith("///"):
        root = "//"
    else:
        root = "/" if arg.startswith("/") else ""
    return root + "/".join(part for part in arg.split("/") if part and part != ".") or "."


def _codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())


# --- the command line, declared with click -----------------------------------------------------


def commands() -> dict[str, click.Command]:
    """The main command (under ``""``) and each of ``SUBCOMMANDS``, declared with click.

    Declared when first asked for, so that click is imported only by the command lines
    ``read_simple`` leaves to it.
    """
    global _commands
    if _commands is None:
        _commands = _declare()
    return _commands


_commands: dict[str, click.Command] | None = None


def _declare() -> dict[str, click.Command]:
    from pathlib import Path

    import click

    from dockeropt.errors import DockerfileError
    from dockeropt.runner import encode, read_source

    text_or_json = click.Choice(("text", "json"))

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
    @click.option("--no-color", is_flag=True, help="No colours, even on a terminal (as NO_COLOR does).")
    @click.option("--context", type=click.Path(file_okay=False, exists=True), help="The build context (default: from the configuration, a compose file, or the Dockerfile's folder).")
    @click.version_option(package_name="dockeropt", prog_name="dockeropt")
    def main_command(paths, fix, diff, check, unsafe, select, ignore, config, output_format, stdin_filename, no_color, context) -> None:  # noqa: ANN001
        """Make Dockerfiles build faster and weigh less.

        With no PATH, checks the Dockerfiles under the current folder (Dockerfile,
        Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile), skipping what git
        ignores and what the configuration excludes. Use - for stdin.
        Other commands: dockeropt rule CODE; dockeropt rules; dockeropt parse PATH [--json];
        dockeropt lsp; dockeropt explain [PATH...] [--changed FILE] [--since REF];
        dockeropt verify [PATH].

        Exit status: 0 clean, 1 findings (or, with --check/--diff, changes), 2 error.
        """
        from dockeropt import command

        options = Options(
            fix, diff, check, unsafe, _codes(select), _codes(ignore), stdin_filename, config, output_format, no_color, context
        )
        if diff and output_format != "text":
            raise click.UsageError(f"--diff prints a diff; it cannot be combined with --format {output_format}")
        if any(str(p) == "-" for p in paths) and len(paths) > 1:
            raise click.UsageError("- (stdin) cannot be combined with other paths")
        try:
            status = command.check(paths, options)
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None
        sys.exit(status)

    @click.command()
    @click.argument("code")
    @click.option("--format", "output_format", type=text_or_json, default="text", show_default=True)
    def rule_command(code: str, output_format: str) -> None:
        """Explain a transform: what it does, why, an example, how safe its fix is, when it refuses."""
        from dockeropt import rules
        from dockeropt.transforms import ALL

        try:
            transform = rules.by_code(code, ALL)
        except LookupError as exc:
            raise click.UsageError(str(exc)) from None
        sys.stdout.buffer.write(encode(rules.rule_json(transform) if output_format == "json" else rules.rule_text(transform)))

    @click.command()
    @click.option("--format", "output_format", type=text_or_json, default="text", show_default=True)
    def rules_command(output_format: str) -> None:
        """List every transform: code, name, hadolint counterparts and fix tier."""
        from dockeropt import rules
        from dockeropt.transforms import ALL

        sys.stdout.buffer.write(encode(rules.rules_json(ALL) if output_format == "json" else rules.rules_text(ALL)))

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
    @click.argument("path", type=click.Path(), default="Dockerfile")
    @click.option("--builder", type=click.Choice(("docker", "buildah", "podman")), help="Build with this one (default: the first that works here).")
    @click.option("--changed", metavar="FILE", help="Also rebuild both after FILE of the context changes; report which steps re-ran.")
    @click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe", default=None, help="Verify the unsafe fixes too.")
    @click.option("--format", "output_format", type=text_or_json, default="text", show_default=True)
    def verify_command(path: str, builder: str | None, changed: str | None, unsafe: bool | None, output_format: str) -> None:
        """Build PATH (a Dockerfile, or a folder holding one) as it is and as --fix writes it,
        and compare the two images.

        Exit status: 0 the same (but for removed package caches), 1 different, 2 a build failed or no builder.
        """
        from dockeropt.verify import main as verify_main

        dockerfile = os.path.join(path, "Dockerfile") if os.path.isdir(path) else path
        sys.exit(verify_main(dockerfile, builder, changed, unsafe, output_format))

    from dockeropt.explain import explain_command

    return {
        "": main_command, "parse": parse_command, "lsp": lsp_command, "rule": rule_command, "rules": rules_command,
        "explain": explain_command, "verify": verify_command,
    }
