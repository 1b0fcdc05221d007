"""What the build rejects although BuildKit's parser reads it.

BuildKit reads a Dockerfile in two steps: its parser splits the lines into instructions,
flags and arguments (dockeropt's grammar does the same, and accepts what that parser
accepts), then its instruction parser gives each instruction a meaning, and fails the build
at once on what makes none: an unknown instruction, a bare ``FROM``, ``ONBUILD ONBUILD``,
a ``HEALTHCHECK`` of no known type, a flag the instruction does not take. ``check`` finds
the first such line, as a build would, and raises it as a DockerfileError at that line,
worded as BuildKit words it. dockeropt never fixes these: the author must choose.
"""

from __future__ import annotations

from dockeropt.errors import DockerfileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dockeropt.cst import Dockerfile, Flag, Instruction

# BuildKit's instruction names, as its suggestions are chosen from.
INSTRUCTIONS = (
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
)  # fmt: skip

# The flags each instruction takes, over the Dockerfile frontends in use (a flag that only
# newer frontends know counts: the file may ask for one with ``# syntax=``); the value is
# how the flag is read: "string" needs ``=value``, "strings" may repeat, "bool" may stand
# alone. An instruction missing here takes no flag at all.
FLAGS: dict[str, dict[str, str]] = {
    "FROM": {"platform": "string"},
    "RUN": {"mount": "strings", "network": "string", "security": "string", "device": "strings"},
    "COPY": {"chown": "string", "chmod": "string", "from": "string", "link": "bool", "parents": "bool", "exclude": "strings"},
    "ADD": {
        "chown": "string", "chmod": "string", "link": "bool", "keep-git-dir": "bool", "checksum": "string",
        "exclude": "strings", "unpack": "bool",
    },  # fmt: skip
    "HEALTHCHECK": {
        "interval": "string", "timeout": "string", "start-period": "string", "start-interval": "string", "retries": "string",
    },  # fmt: skip
}
UNCHECKED_FLAGS = frozenset({"STOPSIGNAL"})  # BuildKit never reads its flags


def check(tree: Dockerfile) -> None:
    """Raise a DockerfileError for the first instruction the build would reject."""
    stage_seen = False
    for inst in tree.instructions:
        problem = instruction_problem(inst)
        if problem is None and inst.name == "FROM":
            stage_seen = True
        elif problem is None and not stage_seen and inst.name != "ARG":
            problem = ("no build stage in current context", inst.line, inst.column)
        if problem is not None:
            message, line, column = problem
            raise DockerfileError(message, line, column)


def instruction_problem(inst: Instruction) -> tuple[str, int, int] | None:
    """What BuildKit's instruction parser says of ``inst``, with where it says it; None when it takes it."""
    name = inst.name
    at = (inst.line, inst.column)
    if name not in INSTRUCTIONS:
        return (f"unknown instruction: {inst.keyword}{_suggestion(inst.keyword)}", *at)
    words = [w.text for w in inst.words]
    if name == "FROM":
        if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
            return ("FROM requires either one or three arguments", *at)
        return _flags_problem(inst)
    if name == "ONBUILD":
        return _onbuild_problem(inst)
    if name == "HEALTHCHECK":
        return _healthcheck_problem(inst, words)
    if name in UNCHECKED_FLAGS:
        return None
    return _flags_problem(inst)


def _onbuild_problem(inst: Instruction) -> tuple[str, int, int] | None:
    trigger = getattr(inst, "inner", None)
    if trigger is None:
        return ("ONBUILD requires at least one argument", inst.line, inst.column)
    found = _flags_problem(inst)
    if found is not None:
        return found
    where = (trigger.line, trigger.column)
    if trigger.name == "ONBUILD":
        return ("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", *where)
    if trigger.name in ("FROM", "MAINTAINER"):
        return (f"{trigger.name} isn't allowed as an ONBUILD trigger", *where)
    return None


def _healthcheck_problem(inst: Instruction, words: list[str]) -> tuple[str, int, int] | None:
    at = (inst.line, inst.column)
    if not words:
        return ("HEALTHCHECK requires at least one argument", *at)
    kind = words[0].upper()
    if kind == "NONE":  # BuildKit reads no flags then
        return ("HEALTHCHECK NONE takes no arguments", *at) if len(words) > 1 else None
    found = _flags_problem(inst)
    if found is not None:
        return found
    if kind != "CMD":
        return (f'Unknown type "{kind}" in HEALTHCHECK (try CMD)', *at)
    command = getattr(inst, "command", None)
    if command is None or not (getattr(command, "values", None) or getattr(command, "text", "").strip()):
        return ("Missing command after HEALTHCHECK CMD", *at)
    return None


def _flags_problem(inst: Instruction) -> tuple[str, int, int] | None:
    takes = FLAGS.get(inst.name, {})
    seen: set[str] = set()
    for flag in inst.flags:
        message = _flag_problem(flag, takes, seen)
        if message is not None:
            return (message, flag.line, flag.column)
        seen.add(flag.name)
    return None


def _flag_problem(flag: Flag, takes: dict[str, str], seen: set[str]) -> str | None:
    kind = takes.get(flag.name)
    if kind is None:
        return f"Unknown flag: {flag.name}"
    if flag.name in seen and kind != "strings":
        return f"Duplicate flag specified: {flag.name}"
    if kind == "bool":
        if flag.value == "":
            return f"Missing a value on flag: {flag.name}"
        if flag.value is not None and flag.value.lower() not in ("true", "false"):
            return f"Expecting boolean value for flag {flag.name}, not: {flag.value}"
    elif flag.value is None:
        return f"Missing a value on flag: {flag.name}"
    return None


def _suggestion(keyword: str) -> str:
    """BuildKit's hint: the instruction fewer than 3 edits away, in the keyword's case."""
    best, distance = None, 3
    for name in INSTRUCTIONS:
        d = _edits(keyword.lower(), name.lower())
        if d < distance:
            best, distance = name, d
    if best is None:
        return ""
    if keyword == keyword.lower():
        best = best.lower()
    elif keyword != keyword.upper():
        best = best.lower()  # BuildKit keeps its own lower-case name for mixed case
    return f" (did you mean {best}?)"


def _edits(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
