"""What the layer-waste rules (DO105-DO109) share: the paths a COPY writes, the RUN that
follows it, the file's declared frontend, and edits that take commands out of a RUN.

Every path is resolved with the build model (``dockeropt.model``): the WORKDIR in force
at each instruction, never tracked here.
"""

from __future__ import annotations

import posixpath
import re

from dockeropt import shell
from dockeropt.cst import (
    Add,
    Arg,
    Cmd,
    Copy,
    Dockerfile,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Instruction,
    Label,
    Maintainer,
    Run,
    Stopsignal,
    Workdir,
)
from dockeropt.model import Build, declared_frontend
from dockeropt.record import record
from dockeropt.transforms._packages import ShellRun, delete_chain_elements, script_invocations
from dockeropt.transforms._packages import shell_run as shell_run  # one reading of the RUNs for all rules
from dockeropt.transforms._packages import stage_runs as stage_runs
from dockeropt.transforms.base import Edit, per_script, per_tree

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from dockeropt.buildcontext import BuildContext

# Instructions that write no file and change nothing a later RUN reads of the filesystem
# (WORKDIR counts: the model resolves paths on each side of it).
INERT = (Env, Arg, Label, Expose, Cmd, Entrypoint, Healthcheck, Stopsignal, Maintainer, Workdir)
_PLAIN = re.compile(r"[A-Za-z0-9_./@+,:=-]+\Z")  # a path with nothing to expand, quote or glob
_CHANNELS = frozenset({"latest", "labs", "master", "1", "1-labs"})


@record(frozen=True, slots=True)
class Copied:
    """What a COPY/ADD with plain paths writes: its sources, its destination as written and
    resolved, and whether the destination is a folder."""

    inst: Copy | Add
    sources: tuple[str, ...]
    dest_text: str
    dest: str | None  # absolute, None while the WORKDIR is unknown
    into_folder: bool  # the destination ends with / or there are several sources

    def target(self, source: str, is_dir: bool) -> str | None:
        """Where ``source`` lands: a folder's contents go into the destination itself."""
        if self.dest is None:
            return None
        if is_dir or not self.into_folder:
            return self.dest
        return posixpath.join(self.dest, posixpath.basename(source.rstrip("/")))


def copied(build: Build, inst: Instruction) -> Copied | None:
    """The COPY/ADD's paths when all are plain (no variable, quote, glob or heredoc)."""
    if not isinstance(inst, (Copy, Add)) or inst.heredocs:
        return None
    known = _copies(build.tree)  # the waste rules each ask about every COPY
    key = id(inst)
    if key not in known:
        known[key] = _copied(build, inst)
    return known[key]


@per_tree
def _copies(tree: Dockerfile) -> dict[int, Copied | None]:
    return {}


def _copied(build: Build, inst: Copy | Add) -> Copied | None:
    if inst.exec_form is not None:
        values = inst.exec_form.values
    else:
        values = tuple(w.text for w in (*inst.sources, inst.destination) if w is not None)
    if len(values) < 2 or not all(_PLAIN.match(v) for v in values):
        return None
    sources, dest_text = values[:-1], values[-1]
    into = dest_text.endswith(("/", "/.")) or dest_text in (".", "..") or len(sources) > 1
    return Copied(inst, sources, dest_text, build.state(inst).resolve(dest_text), into)


def source_kind(files: BuildContext | None, copy: Copied, source: str) -> str | None:
    """``file`` or ``dir`` when the context shows what ``source`` is, else None."""
    if files is None or copy.inst.flag("from") is not None or isinstance(copy.inst, Add) and "://" in source:
        return None
    name = posixpath.normpath(source.lstrip("/"))
    from dockeropt.buildcontext import ContextError

    try:
        if files.is_file(name) and files.sent_file(name):
            return "file"
        if files.is_dir(name) and files.present(name):
            return "dir"
    except ContextError:  # an ignore file it cannot read: the context cannot tell
        return None
    return None


def bytes_of(files: BuildContext | None, copy: Copied, source: str) -> int | None:
    """The bytes ``source`` brings in, from the context (a folder: every file under it)."""
    kind = source_kind(files, copy, source)
    if kind is None or files is None:
        return None
    name = posixpath.normpath(source.lstrip("/"))
    if kind == "file":
        return files.size(name)
    # read once per context (per run, for the Dockerfiles of one folder): a COPY of the whole
    # context would stat every file of it again for each of them
    return files.remembered(("bytes under", name), lambda: _folder_bytes(files, name), sized=True)


def _folder_bytes(files: BuildContext, name: str) -> int | None:
    """The bytes of the sent files under the folder ``name``; None when one has no size."""
    sizes = [files.size(n) for n in files.matching(name)]
    return None if None in sizes else sum(s for s in sizes if s is not None)


_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")  # gzip, bzip2, xz: what ADD extracts
ARCHIVE_NAMES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")


def is_archive(files: BuildContext, name: str) -> bool:
    """The context file is one ADD extracts, by its content as ADD decides."""
    head = files.read_bytes(name, 512) or b""
    return head.startswith(_MAGIC) or head[257:262] == b"ustar"


def human(size: int) -> str:
    """``size`` bytes in the units ``docker images`` uses (powers of 1000)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def body_after(build: Build, inst: Instruction) -> tuple[Instruction, ...]:
    """The instructions of ``inst``'s stage after it."""
    body = build.stage_of(inst).stage.instructions
    return body[next(i for i, other in enumerate(body) if other is inst) + 1 :]


def next_run(build: Build, inst: Instruction) -> Run | None:
    """The first RUN after ``inst`` in its stage when only inert instructions lie between."""
    for other in body_after(build, inst):
        if isinstance(other, Run):
            return other
        if not isinstance(other, INERT):
            return None
    return None


def plain_argv(command: shell.SimpleCommand) -> tuple[str, ...] | None:
    """The command's words when none is quoted or expanded, and it has no redirection or
    assignment in front."""
    if command.assignments or command.redirections or any(w.quoted or w.expansion for w in command.words):
        return None
    return command.argv


def syntax_at_least(tree: Dockerfile, minor: int) -> bool | None:
    """Whether the file's ``# syntax=`` names a ``docker/dockerfile`` frontend of version
    1.``minor`` or later (a channel such as ``1`` or ``labs`` counts); None without one."""
    frontend = declared_frontend(tree)
    if frontend is None:
        return None
    if frontend.channel:
        return frontend.tag in _CHANNELS
    return frontend.version is not None and frontend.version >= (1, minor)


def remove_commands(tree: Dockerfile, srun: ShellRun, indices: Sequence[int]) -> list[Edit] | None:
    """Edits taking commands ``indices`` out of a plain ``&&`` chain, with the ``&&`` that
    joins each to the rest; the whole RUN (and its comment lines) when none is left. None
    when the RUN is not a plain chain or a comment lies in what would go."""
    if not shell.is_simple_chain(srun.script):
        return None
    if len(set(indices)) == len(srun.script.commands):
        return [Edit(srun.run.full_start, srun.run.end, "")]
    edit = delete_chain_elements(tree, srun, indices)  # one edit a run of neighbours
    return None if edit is None else list(edit)


def insert_flag(inst: Instruction, flag: str) -> Edit:
    """Put ``flag`` right after the instruction's keyword."""
    at = inst.start + len(inst.text) - len(inst.text.lstrip(" \t")) + len(inst.keyword)
    return Edit(at, at, f" {flag}")


def delete_instruction(inst: Instruction) -> Edit:
    """Take the instruction out with its leading comment and blank lines."""
    return Edit(inst.full_start, inst.end, "")


# --- packages ------------------------------------------------------------------------------------

_INSTALLS = {
    "apt-get": "install", "apt": "install", "apk": "add", "yum": "install", "dnf": "install",
    "microdnf": "install", "zypper": "install",
}
_REMOVALS = {
    "apt-get": ("purge", "remove"), "apt": ("purge", "remove"), "apk": ("del",),
    "yum": ("remove", "erase"), "dnf": ("remove", "erase"), "microdnf": ("remove",),
    "zypper": ("remove", "rm"),
}
_MANAGERS = tuple(_INSTALLS)
_PACKAGE = re.compile(r"[A-Za-z0-9.][A-Za-z0-9+._-]*")


@record(frozen=True, slots=True)
class PackageChange:
    """Packages a command of a RUN installs or removes (apk's ``--virtual`` name as one)."""

    command: shell.SimpleCommand
    tool: str
    installs: bool
    names: tuple[str, ...]
    group: str | None = None  # apk add --virtual NAME


def package_changes(srun: ShellRun) -> list[PackageChange]:
    """The package installs and removals of a RUN, in order."""
    return script_package_changes(srun.script)


@per_script
def script_package_changes(script: shell.Script) -> list[PackageChange]:
    """``package_changes`` of a script, worked out once per script text."""
    found = []
    for inv in script_invocations(script).of(_MANAGERS):
        command = inv.command
        tool = inv.tool
        if inv.subcommand is None:
            continue
        sub = "install" if tool == "zypper" and inv.subcommand == "in" else inv.subcommand
        names = tuple(_name(tool, o) for o in inv.operands if _PACKAGE.fullmatch(_name(tool, o)))
        if sub == _INSTALLS[tool]:
            group = next(iter(inv.values("--virtual", "-t")), None) if tool == "apk" else None
            found.append(PackageChange(command, tool, True, names, group))
        elif sub in _REMOVALS[tool]:
            found.append(PackageChange(command, tool, False, names))
    return found


def _name(tool: str, operand: str) -> str:
    """A package operand without its version: ``curl=7.88*``, ``curl>=7``, ``curl-7.1`` stays."""
    return re.split(r"[=<>~]", operand, maxsplit=1)[0] if tool in ("apt-get", "apt", "apk") else operand
