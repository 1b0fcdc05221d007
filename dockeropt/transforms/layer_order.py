"""DO111 layer-order: keep steps that rarely change above the COPY of the sources, so that a
source edit does not re-run them.

What it does
    Finds a step that reads none of the sources but comes after a ``COPY``/``ADD`` that
    brings them in (the whole context, ``COPY . .``, a folder such as ``COPY src/
    src/``, or source files such as ``COPY app.py .``) in a stage the build builds,
    when the step is heavy or changes rarely:

    - a ``RUN`` that installs packages by name (``apt-get``/``apk``/``dnf``/``yum``/
      ``zypper install``, ``pip install NAME``, ``npm install -g``, ``yarn global add``,
      ``gem install NAME``) or downloads (``curl``/``wget`` of a URL, ``git clone``),
      with nothing else than file and system commands on absolute paths;
    - a ``COPY --from=<image>`` (a toolchain copied out of another image) or an ``ADD``
      of a URL.

    The finding names the copy it should move above, and what the step is. Each step
    is reported once, against the first copy of the sources above it in its stage.

Why
    A layer's cache key is the layer below it and the step itself (see
    ``dockeropt explain``): once the copy of the sources changes, every step after it
    in the stage runs again. Editing one source file then re-installs the packages and
    downloads the toolchain, although neither read it. Above the copy, they come from
    the cache until the lines above them change; the large layer sits below the small
    one that changes often.

Example
    ::

        FROM python:3.12-slim
        WORKDIR /app
        COPY . .
        RUN pip install --no-cache-dir -r requirements.txt
        RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg

    The ``apt-get`` line moves above ``COPY . .``::

        FROM python:3.12-slim
        WORKDIR /app
        RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg
        COPY . .
        RUN pip install --no-cache-dir -r requirements.txt

Fix safety
    A suggestion, never applied. When only copies the step does not read, and
    instructions that change nothing it runs with (``LABEL``, ``EXPOSE``, ``CMD``...),
    lie between, the finding carries the move as an edit for editors to offer; the
    order of a stage's steps is still the author's: a step may depend on files a
    command writes without naming them (an ``apt`` source list, a package's post-install
    script), and moved, its layer holds what it wrote before the copy, not after.
    With an ``ENV``, ``ARG``, ``WORKDIR``, ``USER``, ``SHELL``, ``VOLUME`` or another
    ``RUN`` in between, the finding names them and carries no edit: the step may need
    them. A ``RUN`` after other reported ``RUN`` steps carries no edit either: they move
    together, in their order (an install moved without its ``apt-get update`` fails).

When it refuses
    No finding when:

    - DO102 (manifests-first) plans the pair: the steps right after a ``COPY .`` that
      DO102 moves, keeps with a reason, or splits around, up to the first step it stops
      at, are DO102's;
    - the step names a path under what a copy it would pass writes (or one above it),
      a relative path, a variable without a known value, mounts the build context, or
      uses the working directory (``npm``, ``yarn``, ``gem``, ``curl -O``, ``wget``
      without ``-O``, ``git clone`` without a target, ``tar``/``unzip`` without ``-C``/
      ``-d``) while that is a copy's destination or unknown;
    - the step holds a command that is not a package install, a download or a file or
      system command (``make``, ``./configure``, a script), a nested command, a
      relative redirection, or a program named by a path outside the system's ``bin``
      folders (``/opt/venv/bin/pip``: an earlier step may have made it);
    - the copy writes into a folder packages read (``/``, ``/etc``, ``/usr/local``...):
      a root overlay may hold their configuration;
    - the copy holds only manifests, lockfiles or configuration, or its paths have
      variables, quotes or globs; the stage is not built (no stage the final one needs
      reads it); the ``RUN`` is in exec form, has a heredoc, or runs under a shell that
      is not POSIX.

See also
    DO102 manifests-first (manifests before the install), DO101 merge-run, ``dockeropt
    explain`` (what a source edit re-runs). hadolint has no rule for this.
"""

from __future__ import annotations

import posixpath
import re

from dockeropt import shell
from dockeropt.cachekeys import keys_of
from dockeropt.cst import Add, Copy, Dockerfile, Instruction, Run
from dockeropt.model import build_of
from dockeropt.transforms import _layers as ly

from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, finding

# DO102's own reading of its full-context COPYs and of installs by name: the two rules must
# agree on which pairs are DO102's and what an install by name is.
from dockeropt.transforms.manifests_first import named_install, scans, system_folder

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from dockeropt.buildcontext import BuildContext
    from dockeropt.cachekeys import Keys, Step
    from dockeropt.model import Build

CODE = "DO111"

#: Source files by extension: a copy of one changes with every edit of the program.
_SOURCE_SUFFIXES = (
    ".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".vue", ".svelte", ".go", ".rb", ".php", ".java",
    ".kt", ".scala", ".clj", ".c", ".cc", ".cpp", ".h", ".hpp", ".rs", ".cs", ".fs", ".ex", ".exs", ".erl",
    ".hs", ".ml", ".lua", ".pl", ".r", ".R", ".swift", ".dart", ".html", ".css", ".scss", ".jar", ".war",
)
#: Files with a source suffix that are manifests or build files.
_MANIFESTS = frozenset({"setup.py", "project.clj", "conftest.py", "gulpfile.js", "webpack.config.js", "babel.config.js"})
#: Folder names that hold sources, for a copy without a build context to look at.
_SOURCE_FOLDERS = frozenset({
    "src", "app", "lib", "source", "sources", "web", "server", "client", "api", "frontend", "backend", "www",
    "public", "static", "cmd", "pkg", "internal", "code", "project",
})
#: Folder names that hold manifests or configuration, which change rarely.
_SETTINGS_FOLDERS = frozenset({
    "requirements", "config", "configs", "conf", "etc", "deploy", "docker", "ci", "certs", "ssl", "keys",
})
#: Files without a dot in their name that are manifests or build files, not folders of sources.
_NAMED_FILES = frozenset({
    "Gemfile", "Pipfile", "Makefile", "GNUmakefile", "Rakefile", "Procfile", "Dockerfile", "LICENSE",
    "README", "VERSION", "Brewfile", "Caddyfile", "Jenkinsfile", "Vagrantfile", "Justfile", "Taskfile",
})
_PACKAGE_TOOLS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper"})
_DOWNLOADS = frozenset({"curl", "wget"})
#: Commands that take absolute paths (and options) only, for a step to be readable here.
_FILE_TOOLS = frozenset({
    "rm", "mkdir", "ln", "chmod", "chown", "chgrp", "mv", "cp", "touch", "tar", "unzip", "gunzip", "gzip",
    "install", "sed", "dpkg", "ldconfig", "update-ca-certificates", "locale-gen", "localedef", "cd",
    "sha256sum", "sha512sum", "md5sum", "apt-key", "gpg", "xz", "bunzip2", "rmdir", "test", "[",
})
#: Commands whose operands are names or text, not paths.
_NAME_TOOLS = frozenset({
    "useradd", "groupadd", "adduser", "addgroup", "usermod", "groupmod", "echo", "printf", "true", "set",
    "dpkg-reconfigure", "update-alternatives", "add-apt-repository", "sh", "bash", "ash", "dash",
})
#: The first operand of these is no path: a mode, an owner, a script.
_FIRST_NOT_PATH = frozenset({"chmod", "chown", "chgrp", "sed", "install"})
#: Where a program named by its path comes with the system, not from an earlier step.
_SYSTEM_BINS = frozenset({"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"})
_TAR_LETTERS = re.compile(r"[A-Za-z]+\Z")  # ``tar xzf``: the old-style option letters
#: Instructions that may lie between the copy and the step for the move to be a plain edit.
_QUIET = frozenset({"LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL", "MAINTAINER"})


class LayerOrder:
    __doc__ = __doc__

    code = CODE
    hadolint = ()  # the hadolint rules this corresponds to
    instructions = frozenset({"COPY", "ADD"})  # it finds nothing in a file without one
    fix_kinds = frozenset({Applicability.SUGGESTION})  # the applicabilities its fixes can have
    name = "layer-order"
    summary = "Put steps that rarely change above the COPY of the sources: a source edit re-runs them"

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        build = build_of(tree)
        files = context.files
        keys: Keys | None = None
        for stage in build.stages:
            if stage.base.windows:
                continue
            body = stage.stage.instructions
            copies = [ly.copied(build, inst) for inst in body]
            first = next((k for k, c in enumerate(copies) if c is not None and _copies_sources(c, files)), None)
            if first is None:
                continue
            planned = _planned_by_do102(build, body)
            if not any(_may_move(inst) for inst in body[first + 1 :] if id(inst) not in planned):
                continue  # nothing after the copy could be reported
            keys = keys or keys_of(tree, None)  # what each step reads, as the cache sees it
            if stage.index not in keys.built:
                continue
            steps = keys.stage_steps(stage.index)
            system = [c is not None and c.dest is not None and system_folder(c.dest) for c in copies]
            moving: set[int] = set()  # the steps reported so far: they move too, and block no other
            for j in range(first + 1, len(steps)):
                later = steps[j]
                if id(later.instruction) in planned or not isinstance(later.instruction, (Run, Copy, Add)):
                    continue
                if isinstance(later.instruction, Run) and any(system[first:j]):
                    continue  # ``COPY sources.list /etc/apt/``: a package tool may read what it writes
                found = _suggest(tree, build, steps[first:j], copies[first:j], later, moving)
                if found is not None:
                    moving.add(id(later.instruction))
                    yield found


# --- the copy that changes often -----------------------------------------------------------------


def _copies_sources(copy: ly.Copied, files: BuildContext | None) -> bool:
    """The copy takes sources from the context (the whole of it, a folder, or source files)
    into a folder of the project."""
    inst = copy.inst
    if inst.flag("from") is not None or any("://" in source for source in copy.sources):
        return False
    if copy.dest is not None and system_folder(copy.dest):
        return False
    return any(_is_sources(copy, source, files) for source in copy.sources)


def _is_sources(copy: ly.Copied, source: str, files: BuildContext | None) -> bool:
    clean = posixpath.normpath(source)
    if clean in (".", "/"):
        return True
    base = posixpath.basename(clean)
    if base in _SETTINGS_FOLDERS or base in _MANIFESTS:
        return False
    if clean.endswith(_SOURCE_SUFFIXES):
        return True  # a source file, whatever the context holds
    kind = ly.source_kind(files, copy, source)
    if kind is not None:
        return kind == "dir"
    if source.endswith("/"):
        return True
    if "." in base or base in _NAMED_FILES:
        return False
    # a name without a suffix is a folder when the copy says so: ``COPY app /app``, ``COPY lib lib/``
    return copy.dest_text.endswith("/") or posixpath.basename(copy.dest_text.rstrip("/")) == base or base in _SOURCE_FOLDERS


def _may_move(inst: Instruction) -> bool:
    """What ``_heavy`` may report, told by the instruction alone: a RUN without a mount, or
    a COPY/ADD that may read from outside the context (``--from``, a URL, a variable)."""
    if isinstance(inst, Run):
        return not any(f.name == "mount" for f in inst.flags)
    if not isinstance(inst, (Copy, Add)):
        return False
    return inst.flag("from") is not None or inst.exec_form is not None or any(c in inst.text for c in ("://", "@", "$"))


# --- DO102's pairs -------------------------------------------------------------------------------


def _planned_by_do102(build: Build, body: tuple[Instruction, ...]) -> set[int]:
    """The steps (by id) DO102 plans after each full-context COPY: the RUNs it reads up to
    the first it stops at, that one too when it says why it stays, and the install it splits."""
    found: set[int] = set()
    planned = scans(build.tree)  # DO102's own scan of the tree, made once for both rules
    for i, inst in enumerate(body):
        scan = planned.get(id(inst))
        if scan is None:
            continue
        end = scan.blocker or (scan.install[0] if scan.install else None)
        for other in body[i + 1 :]:
            if other is end:
                break
            found.add(id(other))
        if scan.stuck is not None:
            found.add(id(scan.stuck[0]))
        if scan.install is not None:
            found.add(id(scan.install[0]))
    return found


# --- the step that changes rarely ----------------------------------------------------------------


def _suggest(tree: Dockerfile, build: Build, passed: list[Step], copies: list[ly.Copied | None], later: Step,
             moving: set[int]) -> Finding | None:
    """The finding for ``later``, which ``passed`` (the copy of the sources and the steps
    after it, with what each copy writes) precede, or None when it is not to move."""
    copy_step = passed[0]
    dests = []
    for s, c in zip(passed, copies):  # every copy the step would move above
        if isinstance(s.instruction, (Copy, Add)):
            if s.reads_context and c is None:
                return None  # a copy whose paths cannot be read: what it writes is unknown
            if c is not None:
                dests.append(c.dest)
    what = _heavy(build, later, dests)
    if what is None:
        return None
    copy = copy_step.instruction
    where = f"`{_first_line(copy)}` (line {copy.line})"
    between = [s.instruction for s in passed[1:]]
    blockers = [i for i in between if i.name not in _QUIET and not isinstance(i, (Copy, Add)) and id(i) not in moving]
    inst = later.instruction
    message = (f"`{_first_line(inst)}` ({what}) re-runs whenever a file {where} takes changes, though it reads "
               f"none of them: move it above line {copy.line}")
    fix = None
    if blockers:
        first = blockers[0]
        more = f" and {len(blockers) - 1} more" if len(blockers) > 1 else ""
        lines = ", ".join(str(i.line) for i in blockers[:8]) + (", ..." if len(blockers) > 8 else "")
        message += (f" with what it needs of the steps between (line{'s' * (len(blockers) > 1)} {lines}: "
                    f"`{_first_line(first)}`{more})")
    elif isinstance(inst, Run) and any(isinstance(i, Run) for i in between):
        message += " with the RUNs reported before it, in their order"  # an install after its ``apt-get update``
    else:
        moved = tree.source[inst.full_start : inst.end]
        moved = moved if moved.endswith("\n") else moved + tree.newline
        edits = (Edit(copy.full_start, copy.full_start, moved), Edit(inst.full_start, inst.end, ""))
        fix = Fix(f"Move it above {_first_line(copy)}", edits, Applicability.SUGGESTION)
    return finding(CODE, message, inst, fix)


def _heavy(build: Build, step: Step, dests: list[str | None]) -> str | None:
    """What makes the step heavy or rarely changing (``a package install``), when it reads
    none of what ``dests`` (the destinations of the copies it would pass) receive; else None."""
    inst = step.instruction
    if step.reads_context or step.stage_inputs:
        return None  # it reads the context, or a stage (which may read the sources)
    if isinstance(inst, (Copy, Add)):
        if not step.external:
            return None
        target = inst.destination.text if inst.destination is not None else ""
        resolved = build.state(inst).resolve(target) if "$" not in target else None
        if resolved is None or any(_overlaps(resolved, d) for d in dests):
            return None
        return "a copy from an image" if inst.flag("from") is not None else "a download"
    if not isinstance(inst, Run) or any(f.name == "mount" for f in inst.flags):
        return None
    srun = ly.shell_run(build.tree, inst)
    if srun is None:
        return None
    cwd = srun.state.workdir
    cwd_free = cwd is not None and not any(d is None or _overlaps(cwd, d) for d in dests)
    kinds: list[str] = []
    piped = False  # the command before ends with ``|``
    for command in srun.script.commands:
        kind = _command_kind(build, inst, command, dests, cwd_free, piped)
        piped = command.connector == "|"
        if kind is None:
            return None
        if kind and kind not in kinds:
            kinds.append(kind)
    return " and ".join(kinds) if kinds else None


def _command_kind(build: Build, run: Run, command: shell.SimpleCommand, dests: list[str | None],
                  cwd_free: bool, piped: bool) -> str | None:
    """``"a package install"``/``"a download"`` for a heavy command, ``""`` for a file or
    system command the step may hold, None for a command that may read the sources."""
    if command.nested or command.assignments:
        return None
    for redirection in command.redirections:
        target = redirection.target.value if redirection.target is not None else ""
        if redirection.op in ("<<", "<<-") or target.startswith("&") or target.isdigit():
            continue
        if not _outside(build, run, target, dests):
            return None
    inv = shell.invocation(command)
    if inv is None:
        return None
    if "/" in inv.program.value and posixpath.dirname(inv.program.value) not in _SYSTEM_BINS:
        return None  # ``/opt/venv/bin/pip``: a program an earlier step may have made
    tool = inv.tool
    words = [w for w in command.words[1:] if w is not inv.program and not w.value.startswith("-")]
    if inv.wrappers and inv.wrappers != ("sudo",):
        return None
    if tool in _PACKAGE_TOOLS:
        if any(shell.is_local_path(o) or o.endswith(shell.PACKAGE_FILE_SUFFIXES) for o in inv.operands):
            return None
        if inv.subcommand in ("install", "add", "in") and inv.operands:
            return "a package install"
        return "a package update" if inv.subcommand in ("update", "upgrade", "makecache", "dist-upgrade") else ""
    if tool in ("pip", "npm", "pnpm", "yarn", "gem"):
        if not named_install(inv) or (tool != "pip" and not cwd_free):
            return None
        return "a package install"
    if tool in _DOWNLOADS:
        writes_cwd = (inv.has_flag("-O", "--remote-name", "--remote-name-all", "-J") if tool == "curl"
                      else not inv.has_flag("-O", "--output-document", "-P", "--directory-prefix"))
        if writes_cwd and not cwd_free:
            return None
        if not all(_url(w.value) or _outside(build, run, w.value, dests) for w in words):
            return None
        if any(o.value and not _url(o.value) and not _outside(build, run, o.value, dests) for o in inv.options):
            return None
        return "a download" if any(_url(w.value) for w in words) else None
    if tool == "git" and inv.subcommand == "clone":
        rest = [w for w in words if w.value != "clone"]
        if not rest or not _url(rest[0].value):
            return None
        if len(rest) == 1:
            return "a download" if cwd_free else None
        return "a download" if all(_outside(build, run, w.value, dests) for w in rest[1:]) else None
    if tool in _NAME_TOOLS:
        if tool in ("sh", "bash", "ash", "dash") and (words or not piped):
            return None  # a shell runs what the pipe gives it (``curl URL | sh``), never a file
        return ""
    if tool in _FILE_TOOLS:
        if tool in ("tar", "unzip") and not cwd_free and not inv.has_flag("-C", "--directory", "-d"):
            return None
        paths = words[1:] if tool in _FIRST_NOT_PATH or (tool == "tar" and words and _TAR_LETTERS.match(words[0].value)) else words
        if not all(w.value == "-" or _outside(build, run, w.value, dests) for w in paths):
            return None
        return ""
    return None


def _url(value: str) -> bool:
    return "://" in value


def _outside(build: Build, run: Run, value: str, dests: list[str | None]) -> bool:
    """``value`` is an absolute path (variables resolved) that no copy destination holds or lies in."""
    value = value.split("=", 1)[-1] if value.startswith("-") else value
    expanded = build.expand(value, run)
    if expanded is None or not expanded.startswith("/"):
        return False
    return not any(d is not None and _overlaps(posixpath.normpath(expanded.rstrip("*")) or "/", d) for d in dests)


def _overlaps(path: str, dest: str | None) -> bool:
    if dest is None:
        return False
    a, b = path.rstrip("/") + "/", dest.rstrip("/") + "/"
    return a.startswith(b) or b.startswith(a)


_SHOWN = 60  # characters of an instruction a message shows


def _first_line(inst: Instruction) -> str:
    line = inst.text.split("\n", 1)[0].rstrip("\\ \r\t").strip()
    return line if len(line) <= _SHOWN else line[: _SHOWN - 3] + "..."

