"""Which tool a command runs (through ``sudo``, ``env``, ``python -m`` and other wrappers),
with its subcommand and options."""

from __future__ import annotations

from dockeropt.record import record
from dockeropt.shell.nodes import Invocation, Option, Script, SimpleCommand, Token
from dockeropt.shell.parser import _is_assignment_word, parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

# --------------------------------------------------------------------------
# Invocations: wrappers, tool, options
# --------------------------------------------------------------------------

@record(frozen=True, slots=True)
class _WrapperSpec:
    value_options: frozenset[str] = frozenset()
    positionals: int = 0              # e.g. timeout DURATION
    assignments: bool = False         # env NAME=value ...
    lookup_options: frozenset[str] = frozenset()  # command -v: no execution
    opaque_options: frozenset[str] = frozenset()  # env -S: cannot follow


#: Programs that run another program given as their arguments, and how to skip
#: their own options.  ``xargs`` is unwrapped too (the command it runs is still
#: the interesting one) but its presence is recorded in ``Invocation.wrappers``
#: because arguments then also come from stdin.
WRAPPERS: dict[str, _WrapperSpec] = {
    "sudo": _WrapperSpec(frozenset({
        "-u", "--user", "-g", "--group", "-h", "--host", "-p", "--prompt", "-C",
        "--close-from", "-D", "--chdir", "-r", "--role", "-t", "--type", "-U",
        "--other-user", "-T", "--command-timeout"})),
    "doas": _WrapperSpec(frozenset({"-u", "-C"})),
    "env": _WrapperSpec(frozenset({"-u", "--unset", "-C", "--chdir"}), assignments=True,
                        opaque_options=frozenset({"-S", "--split-string"})),
    "command": _WrapperSpec(lookup_options=frozenset({"-v", "-V"})),
    "builtin": _WrapperSpec(),
    "exec": _WrapperSpec(frozenset({"-a"})),
    "nice": _WrapperSpec(frozenset({"-n", "--adjustment"})),
    "nohup": _WrapperSpec(),
    "time": _WrapperSpec(frozenset({"-f", "--format", "-o", "--output"})),
    "timeout": _WrapperSpec(frozenset({"-s", "--signal", "-k", "--kill-after"}), positionals=1),
    "stdbuf": _WrapperSpec(frozenset({"-i", "-o", "-e", "--input", "--output", "--error"})),
    "xargs": _WrapperSpec(frozenset({
        "-I", "-n", "-P", "-d", "-a", "-E", "-L", "-s", "--max-args", "--max-procs",
        "--delimiter", "--arg-file", "--max-lines", "--max-chars", "--eof"})),
}

_PYTHON_VALUE_OPTIONS = frozenset({"-W", "-X", "-Q"})

#: Options that take a separate value, per tool (merged over subcommands).
VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "apt-get": frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release",
                          "--default-release", "-a", "--host-architecture"}),
    "apk": frozenset({"-X", "--repository", "-p", "--root", "--cache-dir", "--keys-dir",
                      "--arch", "-t", "--virtual", "--repositories-file"}),
    "yum": frozenset({"-c", "--config", "--installroot", "--releasever", "--enablerepo",
                      "--disablerepo", "--repo", "--repoid", "-d", "--debuglevel", "-e",
                      "--errorlevel", "-x", "--exclude", "--setopt", "--forcearch"}),
    "zypper": frozenset({"-R", "--root", "-c", "--config", "-r", "--repo", "-t", "--type",
                         "--from"}),
    "pip": frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable",
                      "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t",
                      "--target", "--prefix", "--root", "--src", "--upgrade-strategy",
                      "--platform", "--python-version", "--implementation", "--abi",
                      "--no-binary", "--only-binary", "--progress-bar", "--cache-dir",
                      "--log", "--proxy", "--retries", "--timeout", "--trusted-host",
                      "--cert", "--client-cert", "--exists-action", "--global-option",
                      "--config-settings", "-C", "--report", "--python"}),
    "npm": frozenset({"--prefix", "--registry", "--cache", "--omit", "--include", "-w",
                      "--workspace", "--loglevel", "--userconfig", "--globalconfig"}),
    "yarn": frozenset({"--cwd", "--modules-folder", "--cache-folder", "--network-timeout",
                       "--mutex", "--registry"}),
    "pnpm": frozenset({"-C", "--dir", "--filter", "-F", "--store-dir", "--reporter",
                       "--registry", "--modules-dir", "--virtual-store-dir"}),
    "poetry": frozenset({"-C", "--directory", "-P", "--project", "--only", "--with",
                         "--without", "-E", "--extras"}),
    "pipenv": frozenset({"--python", "-r", "--requirements", "-e", "--editable",
                         "--categories"}),
    "uv": frozenset({"--project", "--directory", "-p", "--python", "--extra", "--group",
                     "--only-group", "--no-group", "-i", "--index-url", "--extra-index-url",
                     "--index", "-r", "--requirement", "-c", "--constraint", "--cache-dir",
                     "-e", "--editable", "--package"}),
    "bundle": frozenset({"--gemfile", "--path", "-j", "--jobs", "--retry", "--without",
                         "--with"}),
    "composer": frozenset({"-d", "--working-dir"}),
    "cargo": frozenset({"--manifest-path", "-p", "--package", "--target", "-F", "--features",
                        "-j", "--jobs", "--profile", "--target-dir", "--config", "-Z",
                        "--bin", "--example", "--path", "--root", "--version", "--git",
                        "--branch", "--tag", "--rev"}),
    "mvn": frozenset({"-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P",
                      "-pl", "--projects", "-T", "--threads", "-l", "--log-file", "-rf",
                      "-D", "-t", "--toolchains"}),
    "gradle": frozenset({"-p", "--project-dir", "-b", "--build-file", "-c",
                         "--settings-file", "-g", "--gradle-user-home", "-x",
                         "--exclude-task", "-D", "-P", "-I", "--init-script", "--console",
                         "--max-workers"}),
    "dotnet": frozenset({"-s", "--source", "--packages", "-r", "--runtime", "--configfile",
                         "-v", "--verbosity", "-c", "--configuration", "-o", "--output",
                         "-f", "--framework", "-a", "--arch", "--os"}),
}
_NO_VALUE_OPTIONS: frozenset[str] = frozenset()
for _alias, _tool in (("apt", "apt-get"), ("dnf", "yum"), ("microdnf", "yum"),
                      ("bundler", "bundle"), ("mvnw", "mvn"), ("gradlew", "gradle")):
    VALUE_OPTIONS[_alias] = VALUE_OPTIONS[_tool]


def _basename(program: str) -> str:
    return program.rstrip("/").rsplit("/", 1)[-1] if "/" in program else program


def _is_python(name: str) -> bool:
    rest = name[len("python"):] if name.startswith("python") else None
    return rest is not None and all(c in "0123456789." for c in rest)


def _canonical_tool(name: str) -> str:
    """``pip3``/``pip3.11`` -> ``pip``; everything else unchanged."""
    if name.startswith("pip") and name != "pip" and all(c in "0123456789." for c in name[3:]):
        return "pip"
    return name


def _skip_wrapper(words: tuple[Token, ...], i: int, spec: _WrapperSpec) -> int | None:
    """Index of the wrapped command's name, or None when there is none."""
    j = i + 1
    while j < len(words):
        w = words[j].value
        if spec.assignments and _is_assignment_word(words[j]):
            j += 1
            continue
        if w == "--":
            j += 1
            break
        if not w.startswith("-") or w == "-":
            break
        name = w.split("=", 1)[0]
        if name in spec.lookup_options or name in spec.opaque_options:
            return None
        if name in spec.value_options and "=" not in w:
            j += 2
        else:
            j += 1
    while spec.assignments and j < len(words) and _is_assignment_word(words[j]):
        j += 1
    j += spec.positionals
    return j if j < len(words) else None


def _unwrap(words: tuple[Token, ...]) -> tuple[int, tuple[str, ...]]:
    i, wrappers = 0, []
    while i < len(words):
        name = _basename(words[i].value)
        spec = WRAPPERS.get(name)
        if spec is None:
            break
        j = _skip_wrapper(words, i, spec)
        if j is None:
            break
        wrappers.append(name)
        i = j
    return i, tuple(wrappers)


def _python_module(words: tuple[Token, ...], i: int) -> tuple[str, int] | None:
    """For ``python -m mod args``: (mod, index of the word holding the module)."""
    j = i + 1
    while j < len(words):
        w = words[j].value
        if w == "-m":
            return (words[j + 1].value, j + 1) if j + 1 < len(words) else None
        if w.startswith("-m"):
            return w[2:], j
        if w == "-c" or not w.startswith("-") or w == "-":
            return None
        j += 2 if w in _PYTHON_VALUE_OPTIONS else 1
    return None


def _parse_options(args: Sequence[Token], value_options: frozenset[str]
                   ) -> tuple[list[Option], list[Token]]:
    options: list[Option] = []
    positionals: list[Token] = []
    words = iter(args)  # an option that takes the next word as its value consumes it
    for token in words:
        w = token.value
        if not w.startswith("-") or w == "-":
            positionals.append(token)
            continue
        if w == "--":  # the end of the options: the rest are operands
            positionals.extend(words)
            break
        name, eq, attached = w.partition("=")
        value: str | None = attached if eq else None
        shorts: tuple[str, ...] = ()
        end = token.end
        takes_value = name in value_options
        if w.startswith("--") or takes_value:
            if takes_value and not eq:
                nxt = next(words, None)
                if nxt is not None:
                    value, end = nxt.value, nxt.end
            if not w.startswith("--") and len(name) == 2:
                shorts = (name,)
        elif len(w) > 2 and w[:2] in value_options:  # -rfile, -Dkey=value
            name, value, shorts = w[:2], w[2:], (w[:2],)
        else:  # cluster of single-letter flags: -qy
            letters = []
            for k, ch in enumerate(name[1:], start=1):
                letters.append("-" + ch)
                if "-" + ch in value_options:
                    rest = w[k + 1:]
                    if rest:
                        value = rest
                    else:
                        nxt = next(words, None)
                        if nxt is not None:
                            value, end = nxt.value, nxt.end
                    break
            shorts = tuple(letters)
        options.append(Option(name, w, value, shorts, token.start, end))
    return options, positionals


def tool_of(command: SimpleCommand) -> str | None:
    """The ``tool`` of ``invocation(command)``, without reading the options (much cheaper)."""
    words = command.words
    if not words:
        return None
    name = _basename(words[0].value)
    if name not in WRAPPERS and not name.startswith(("python", "pip")):
        return name  # no wrapper to skip, no ``python -m`` and no ``pipX`` to fold: the common case
    return _read_tool(words)[1]


def _read_tool(words: tuple[Token, ...]) -> tuple[Token, str, int, tuple[str, ...]]:
    """The program's word, the tool, the index of the word before its arguments, the wrappers."""
    name = _basename(words[0].value)
    if name not in WRAPPERS and not name.startswith(("python", "pip")):
        return words[0], name, 0, ()  # as in ``tool_of``: nothing to unwrap or fold
    i, wrappers = _unwrap(words)
    program = words[i]
    tool = _basename(program.value)
    if _is_python(tool):
        module = _python_module(words, i)
        if module is not None:
            tool, i = module
    return program, _canonical_tool(tool), i, wrappers


def invocation(command: SimpleCommand) -> Invocation | None:
    """Read a simple command as ``tool [options] subcommand [operands]``.

    Wrappers are skipped with their own options and recorded in ``wrappers``:
    ``sudo``, ``doas``, ``env`` (options and ``VAR=value``), ``command`` and
    ``builtin`` (but ``command -v`` is a lookup and is left alone), ``exec``,
    ``nice``, ``nohup``, ``time``, ``timeout``, ``stdbuf`` and ``xargs``.  The
    tool is the basename of the program; ``python -m mod`` becomes ``mod`` and
    ``pip3``/``pip3.11`` become ``pip``.  Options are split with per-tool
    knowledge of which options take a separate value (``VALUE_OPTIONS``), so
    ``apt-get -o X=Y install a`` has subcommand ``install``.  Returns None when
    the command has no words (assignments or redirections only).
    """
    words = command.words
    if not words:
        return None
    program, tool, i, wrappers = _read_tool(words)
    options, positionals = _parse_options(words[i + 1:], VALUE_OPTIONS.get(tool, _NO_VALUE_OPTIONS))
    subcommand = positionals[0].value if positionals else None
    operand_tokens = tuple(positionals[1:])
    return Invocation(command, tool, program, wrappers, subcommand, tuple(options),
                      tuple([t.value for t in operand_tokens]), operand_tokens)


def find_commands(script: str | Script, names: Iterable[str] | str) -> list[SimpleCommand]:
    """The simple commands whose tool (see ``invocation``) is one of ``names``.

    ``names`` are compared with the canonical tool name and with the basename
    of the program as written, so ``find_commands(s, ["pip3"])`` and
    ``find_commands(s, ["pip"])`` both find ``sudo pip3 install x``.  Commands
    at every depth are returned, in text order.
    """
    wanted = {names} if isinstance(names, str) else set(names)
    found = []
    for command in parse(script).commands:
        inv = invocation(command)
        if inv is not None and (inv.tool in wanted or _basename(inv.program.value) in wanted):
            found.append(command)
    return found


def has_flag(command: SimpleCommand | Invocation, *spellings: str) -> bool:
    """True when the command has an option spelled one of ``spellings``.

    Recognises combined short flags (``-qy`` has ``-y``), ``--opt=value`` and
    ``--opt value`` (``spellings`` name the option only: ``"--opt"``).  Pass
    every spelling that matters, e.g. ``has_flag(c, "-y", "--yes",
    "--assume-yes")``.
    """
    inv = command if isinstance(command, Invocation) else invocation(command)
    return inv is not None and inv.has_flag(*spellings)


#: Tools reported by ``package_manager_commands``.
PACKAGE_MANAGERS = frozenset({
    "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "pip", "npm", "yarn", "pnpm",
})


def package_manager_commands(script: str | Script,
                             tools: Iterable[str] = PACKAGE_MANAGERS) -> list[Invocation]:
    """The package-manager invocations of the script, as ``Invocation``s.

    By default apt-get, apt, apk, yum, dnf, microdnf, zypper, pip (any
    ``pipX``/``python -m pip`` spelling), npm, yarn and pnpm, with wrappers
    such as ``sudo`` skipped; each carries tool, subcommand, options and
    operands for cache-hygiene transforms.  ``tools`` overrides the set.
    """
    wanted = set(tools)
    result = []
    for command in parse(script).commands:
        inv = invocation(command)
        if inv is not None and inv.tool in wanted:
            result.append(inv)
    return result
