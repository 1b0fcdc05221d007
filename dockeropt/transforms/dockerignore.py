"""DO110 dockerignore-cache: keep ``.git``, ``node_modules`` and the like out of a ``COPY .``.

What it does
    Finds a ``COPY . <dest>`` or ``ADD . <dest>`` (from the build context, not
    ``--from``) whose context holds a folder that belongs to the host, not to the image,
    and that ``.dockerignore`` lets through: ``.git`` (and ``.hg``, ``.svn``),
    ``node_modules``, ``.venv``, ``__pycache__`` (at any depth), ``.pytest_cache``,
    ``.mypy_cache``, ``.tox``, ``target``, ``dist``. The fix adds one line per folder to
    the ``.dockerignore`` that applies (``<Dockerfile>.dockerignore`` when there is one,
    else the context's ``.dockerignore``, created when missing); no line is removed or
    changed, and the Dockerfile is left as it is.

Why
    Everything after a ``COPY .`` re-runs when any file it copies changes. ``.git``
    changes on every commit, a fetch or a checkout, so the steps after the copy (the
    install, the build) re-run although no source changed. A host ``node_modules`` or
    ``.venv`` holds packages built for the host, copied over what the image installs (it
    bloats the image and breaks installs: ``tests/builds`` shows a stale package from the
    host in the image); caches and build output only make the context larger.

Example
    ::

        COPY . .
        RUN npm ci

    with ``.git`` and ``node_modules`` in the folder. The fix adds to ``.dockerignore``::

        .git
        node_modules

Fix safety
    Ignoring a folder takes it out of the image, so the fix is safe only where nothing in
    the build reads it and the image is not meant to hold it:

    - ``.git``, ``.hg``, ``.svn``, ``__pycache__``, ``.pytest_cache``, ``.mypy_cache``,
      ``.tox``, ``.venv``: safe, unless an instruction names the folder, a RUN runs
      ``git``, ``hg`` or ``svn`` (``git describe``, ``hg id``), ``go build``/``go install`` (Go
      stamps the version control state into the binary) or a Python build reads the
      version from git (``setuptools_scm``, ``versioneer``, ``hatch-vcs``, ``dunamai``
      in ``pyproject.toml``/``setup.py``/``setup.cfg``): then unsafe;
    - ``node_modules``: safe when the stage installs its own (``npm``/``yarn``/``pnpm``
      ``install``/``ci`` after the copy) and nothing names ``node_modules``; else unsafe
      (the image may run from the copied packages);
    - ``target``, ``dist``: unsafe: a build may copy output made on the host on purpose.

    The fix is applied by ``dockeropt --fix`` on a file on disk (written atomically, as the
    Dockerfile is); ``--check``/``--diff`` and stdin do not write it.

When it refuses
    - no finding without a context folder, for a ``.dockerignore`` that cannot be read,
      or when ``.dockerignore`` already speaks of the folder (an exception ``!dist``
      counts: the author decided);
    - no finding for ``COPY --from`` or a copy of named files or folders.

See also
    hadolint has no rule for it; Docker's "Exclude with .dockerignore" build guide.
"""

from __future__ import annotations

import os
import re

from dockeropt.buildcontext import ContextError
from dockeropt.cst import Add, Copy, Dockerfile, Run, Stage
from dockeropt.transforms.base import Append, Applicability, Context, Finding, Fix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from dockeropt.buildcontext import BuildContext

VCS = (".git", ".hg", ".svn")
JUNK = (*VCS, "node_modules", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".tox", "target", "dist")
BUILD_OUTPUT = ("target", "dist")
_WHOLE = (".", "./", "/")
# patterns, not compiled: re compiles (and caches) each on first use, which most runs never reach
_VCS_USERS = r"(?<![\w-])(?:git|hg|svn|go\s+(?:build|install|generate))(?![\w-])"
_INSTALLS = r"(?<![\w-])(?:npm|yarn|pnpm)\s+(?:[^;&|]*\s)?(?:install|ci|i)(?![\w-])|(?<![\w-])yarn\s*(?:$|[;&|])"
_SCM_VERSION = r"(?i)setuptools[_-]scm|versioneer|hatch-vcs|dunamai|pbr"
_PYTHON_BUILD_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


class DockerignoreCache:
    code = "DO110"
    hadolint = ()
    name = "dockerignore-cache"
    summary = "Keep .git, node_modules and other host folders out of COPY . with .dockerignore"
    instructions = frozenset({"COPY", "ADD"})
    fix_kinds: frozenset[Applicability] = frozenset()  # its fixes edit .dockerignore, not the Dockerfile
    needs_folder = True

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        copies = [
            (stage, index, inst)
            for stage in tree.stages
            for index, inst in enumerate(stage.instructions)
            if isinstance(inst, (Copy, Add)) and _copies_all(inst)
        ]
        files = context.files if copies else None  # most files copy no whole context: no disk read
        if files is None:
            return
        try:
            files.ignore.require()
            present = files.remembered("junk", lambda: tuple(name for name in JUNK if _lets_through(files, name)))
        except ContextError:
            return
        if not present:
            return
        for stage, index, inst in copies:
            yield self._finding(tree, stage, index, inst, files, present)

    def _finding(
        self, tree: Dockerfile, stage: Stage, index: int, inst: Copy | Add, files: BuildContext, present: tuple[str, ...]
    ) -> Finding:
        lines = tuple(f"**/{n}" if n == "__pycache__" else n for n in present)
        reasons = [r for r in (_unsafe(tree, stage, index, files, name) for name in present) if r]
        target = files.ignore_file or os.path.join(files.root, ".dockerignore")
        shown = os.path.basename(target)
        message = (
            f"{inst.keyword} {inst.sources[0].text if inst.sources else '.'} copies {', '.join(present)}: "
            f"every change there re-runs the steps after it; add to {shown}: {', '.join(lines)}"
        )
        if reasons:
            message += f" (unsafe: {'; '.join(reasons)})"
        applicability = Applicability.UNSAFE if reasons else Applicability.SAFE
        fix = Fix(f"Add {', '.join(lines)} to {shown}", (), applicability, (Append(target, lines),))
        return Finding(self.code, message, inst.line, inst.column, inst.start, inst.start + len(inst.keyword), fix)


def _lets_through(files: BuildContext, name: str) -> bool:
    """``name`` is in the context and ``.dockerignore`` neither leaves it out nor speaks of it."""
    if files.ignore.mentions(name):
        return False
    if name == "__pycache__":
        if files.ignore.mentions("a/__pycache__"):
            return False
        return "__pycache__" in files.folder_names()
    return files.is_dir(name) and not files.ignore.excludes(name) and not files.is_link(name)


def _copies_all(inst: Copy | Add) -> bool:
    if inst.flag("from") is not None:
        return False
    sources = inst.exec_form.values[:-1] if inst.exec_form is not None else tuple(w.text for w in inst.sources)
    return any(s in _WHOLE for s in sources)


def _unsafe(tree: Dockerfile, stage: Stage, index: int, files: BuildContext, name: str) -> str | None:
    """Why ignoring ``name`` may change what the build makes, or None."""
    word = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-])")
    for inst in tree.instructions:
        if inst.name not in ("FROM", "LABEL", "EXPOSE") and word.search(inst.logical.text):
            return f"line {inst.line} names {name}"
    if name in BUILD_OUTPUT:
        return f"the image may ship a {name} built on the host"
    if name in VCS:
        for inst in tree.instructions:
            if isinstance(inst, Run) and re.search(_VCS_USERS, inst.logical.text):
                return f"line {inst.line} may read {name} (a version control tool, go build)"
        for build_file in _PYTHON_BUILD_FILES:
            try:
                if files.sent_file(build_file) and re.search(_SCM_VERSION, files.read(build_file)):
                    return f"{build_file} takes its version from {name}"
            except ContextError:
                return f"{build_file} cannot be read"
    if name == "node_modules":
        later = stage.instructions[index + 1 :]
        if not any(isinstance(i, Run) and re.search(_INSTALLS, i.logical.text) for i in later):
            return "no install after the copy: the image may run the copied packages"
    return None
