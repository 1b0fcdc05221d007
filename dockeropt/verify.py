"""``dockeropt verify``: build a Dockerfile as it is and as ``--fix`` writes it, and compare.

Both files are built with the builder the user has (buildah, Docker's engine or podman),
each from scratch (``--no-cache``), so neither borrows the other's layers and both build
times are whole. The two images are compared as a user would see them: every path of the
root filesystem (kind, mode, owner, contents, link target) and the config a Dockerfile
sets (Env, Cmd, Entrypoint, User, WorkingDir, exposed ports, labels, volumes, healthcheck,
stop signal, shell, onbuild). The report gives layers, bytes and build time on each side,
and each side's layers (instruction, bytes) with the heaviest marked.

With ``--changed FILE`` each side is built once more with the cache (a ``--no-cache`` build
leaves buildah nothing to reuse), then again from a copy of the context in which FILE
changed, and the report says which steps of that last build re-ran. A touch alone would
not do: buildah's and BuildKit's caches key files by content, not time, so the copy's FILE
ends with whitespace unique to the build (spaces and newlines), which no cache can hold.

Exit status:

    0   the images are the same, except for the package caches the hygiene fixes remove
        (they are listed); also when --fix changes nothing
    1   the images differ (the first differences are shown)
    2   a build failed (its last lines are shown), no builder, a base image that is not
        here, or a file that cannot be read

Nothing is pulled or pushed: buildah and podman build with ``--pull=never``, and before a
Docker build every base image must already be in the engine (BuildKit would pull it
otherwise). A ``# syntax=`` directive whose frontend image the engine does not have is
left out of both Docker builds (BuildKit would pull the frontend), and the report says so.
Its images are removed (untagged) when it is done; what the builder caches stays.

The same code serves the real-build test suite (``tests/builds``): what users run is what
CI proves.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import IO, Iterable, NamedTuple

EXIT_SAME, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2
BUILDERS = ("docker", "buildah", "podman")
SHOWN_DIFFERENCES = 20
LOG_TAIL = 25

#: Where package managers keep what the hygiene fixes (DO201-DO207) remove. A path that
#: the file as it is has and the fixed file lacks, at or below one of these, is a cache.
CACHE_PATHS = (
    "/var/lib/apt/lists/*",  # DO201
    "/var/cache/apt/*",
    "/var/cache/apk",  # DO203
    "/root/.cache",  # DO204, DO207: pip
    "/root/.npm",  # DO205, DO207: npm
    "/usr/local/share/.cache",  # DO205, DO207: yarn 1
    "/var/cache/dnf/*",  # DO206
    "/var/cache/yum/*",
    "/var/cache/zypp/*",
)


class VerifyError(Exception):
    """What ends a verify with exit 2; ``log`` is a build's output, when there is one."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.log = log


# --- filesystems ------------------------------------------------------------------------------


class Entry(NamedTuple):
    mode: int  # permission bits incl. setuid/setgid/sticky
    uid: int
    gid: int
    kind: str  # file, dir, symlink, char, block, fifo, socket
    digest: str | None  # sha256 of a file, a link's target, a device's "major:minor"
    size: int = 0

    def describe(self) -> str:
        return f"{self.kind} {self.mode:04o} {self.uid}:{self.gid}"


def _hash_stream(f: IO[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
    return h.hexdigest()


def walk_tree(root: str) -> dict[str, Entry]:
    """path ("/abs") -> Entry for everything below ``root`` (a mounted image)."""
    out: dict[str, Entry] = {}

    def visit(folder: str) -> None:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return
        for name in names:
            full = os.path.join(folder, name)
            st = os.lstat(full)
            m, size, digest = st.st_mode, 0, None
            if stat.S_ISDIR(m):
                kind = "dir"
            elif stat.S_ISLNK(m):
                kind, digest = "symlink", os.readlink(full)
            elif stat.S_ISREG(m):
                with open(full, "rb") as f:
                    kind, digest, size = "file", _hash_stream(f), st.st_size
            elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
                kind = "char" if stat.S_ISCHR(m) else "block"
                digest = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
            else:
                kind = "fifo" if stat.S_ISFIFO(m) else "socket"
            out["/" + os.path.relpath(full, root)] = Entry(stat.S_IMODE(m), st.st_uid, st.st_gid, kind, digest, size)
            if kind == "dir":
                visit(full)

    visit(os.path.abspath(root))
    return out


def tar_tree(stream: IO[bytes]) -> dict[str, Entry]:
    """path -> Entry for a flattened filesystem read as a tar stream (``docker export``)."""
    out: dict[str, Entry] = {}
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for ti in tar:
            path = "/" + ti.name.lstrip("./").rstrip("/")
            if path == "/":
                continue
            size, digest = 0, None
            if ti.isdir():
                kind = "dir"
            elif ti.issym():
                kind, digest = "symlink", ti.linkname
            elif ti.islnk():  # a hard link: the same file as its target, read earlier
                target = out.get("/" + ti.linkname.lstrip("./"))
                kind = "file"
                digest, size = (target.digest, target.size) if target else (None, 0)
            elif ti.isreg():
                kind, size = "file", ti.size
                content = tar.extractfile(ti)
                digest = _hash_stream(content) if content else None
            elif ti.ischr() or ti.isblk():
                kind, digest = ("char" if ti.ischr() else "block"), f"{ti.devmajor}:{ti.devminor}"
            else:
                kind = "fifo"
            out[path] = Entry(ti.mode & 0o7777, ti.uid, ti.gid, kind, digest, size)
    return out


def _under(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``path`` or one of its folders matches one of the glob ``patterns``."""
    if not patterns:
        return False
    parts = path.split("/")
    return any(fnmatch.fnmatchcase("/".join(parts[:i]), p) for i in range(2, len(parts) + 1) for p in patterns)


def diff_rootfs(a, b, ignore: Iterable[str] = ()) -> list[str]:  # noqa: ANN001
    """Differences between two filesystems (Images or path -> Entry dicts), one line each.
    ``ignore``: glob patterns; a matching path and everything below it is skipped."""
    ta, tb = _tree(a), _tree(b)
    patterns = tuple(ignore)
    out: list[str] = []
    for path in sorted(set(ta) | set(tb)):
        if _under(path, patterns):
            continue
        ea, eb = ta.get(path), tb.get(path)
        if ea is None or eb is None:
            change, entry = ("added", eb) if ea is None else ("removed", ea)
            out.append(f"{change}: {path} ({entry.describe() if entry else ''})")
        elif ea.kind != eb.kind:
            out.append(f"{path}: kind {ea.kind} -> {eb.kind}")
        else:
            if ea.mode != eb.mode:
                out.append(f"{path}: mode {ea.mode:04o} -> {eb.mode:04o}")
            if (ea.uid, ea.gid) != (eb.uid, eb.gid):
                out.append(f"{path}: owner {ea.uid}:{ea.gid} -> {eb.uid}:{eb.gid}")
            if ea.digest != eb.digest:
                if ea.kind == "symlink":
                    out.append(f"{path}: link target {ea.digest} -> {eb.digest}")
                elif ea.kind == "file":
                    out.append(f"{path}: content differs ({ea.size} -> {eb.size} bytes)")
                else:
                    out.append(f"{path}: device {ea.digest} -> {eb.digest}")
    return out


def removed_caches(a, b) -> dict[str, list[tuple[str, Entry]]]:  # noqa: ANN001
    """The paths under CACHE_PATHS that ``a`` has and ``b`` lacks, by pattern."""
    ta, tb = _tree(a), _tree(b)
    out: dict[str, list[tuple[str, Entry]]] = {}
    for path in sorted(set(ta) - set(tb)):
        for pattern in CACHE_PATHS:
            if _under(path, (pattern,)):
                out.setdefault(pattern, []).append((path, ta[path]))
                break
    return out


# --- configs ----------------------------------------------------------------------------------

CONFIG_KEYS = ("Env", "Cmd", "Entrypoint", "User", "WorkingDir", "ExposedPorts", "Labels", "Volumes",
               "Healthcheck", "Shell", "StopSignal", "OnBuild")
#: Labels a builder adds by itself (not from the Dockerfile).
IGNORED_LABELS = ("io.buildah.version",)


def normalize_config(config: dict | None) -> dict:
    """The Dockerfile-visible part of an image config, empty values as None."""
    config = config or {}
    out = {}
    for key in CONFIG_KEYS:
        value = config.get(key)
        if key == "Labels" and value:
            value = {k: v for k, v in value.items() if k not in IGNORED_LABELS}
        out[key] = None if value in ([], {}, "", None) else value
    return out


def _pairs(key: str, value) -> dict:  # noqa: ANN001
    if key == "Env":
        return dict(item.partition("=")[::2] for item in value or [])
    return dict(value or {})


def diff_config(a, b) -> list[str]:  # noqa: ANN001
    """Differences between two image configs (Images or normalized dicts), one line each."""
    ca = a.config() if hasattr(a, "config") else a
    cb = b.config() if hasattr(b, "config") else b
    out: list[str] = []
    for key in CONFIG_KEYS:
        va, vb = ca.get(key), cb.get(key)
        if va == vb:
            continue
        if key not in ("Env", "Labels"):
            out.append(f"{key}: {json.dumps(va)} -> {json.dumps(vb)}")
            continue
        da, db = _pairs(key, va), _pairs(key, vb)
        if da == db:  # the same variables in another order
            out.append(f"{key}: order {list(da)} -> {list(db)}")
        for k in sorted(set(da) | set(db)):
            if k not in da:
                out.append(f"{key}: added {k}={db[k]}")
            elif k not in db:
                out.append(f"{key}: removed {k}={da[k]}")
            elif da[k] != db[k]:
                out.append(f"{key}: {k}={da[k]} -> {k}={db[k]}")
    return out


# --- build logs -------------------------------------------------------------------------------


class Step(NamedTuple):
    stage: int  # 1-based; 1 for a single-stage build
    index: int  # type: ignore[assignment]  # 1-based step number in its stage, as the builder prints it
    total: int
    instruction: str  # e.g. "RUN npm ci"
    cached: bool

    @property
    def keyword(self) -> str:
        return self.instruction.split(None, 1)[0].upper() if self.instruction else ""

    def __str__(self) -> str:
        return f"[{self.stage}] {self.index}/{self.total}: {self.instruction}"


_BUILDAH_STEP = re.compile(r"^(?:\[(\d+)/(\d+)\] )?STEP (\d+)/(\d+): (.*)$")
_BUILDAH_CACHED = re.compile(r"^--> Using cache ([0-9a-f]+)")


def parse_steps(log: str) -> list[Step]:
    """The steps of a ``buildah bud`` (or ``podman build``) log, with their cache status."""
    steps: list[list] = []
    current = None
    for line in log.splitlines():
        m = _BUILDAH_STEP.match(line)
        if m:
            current = [int(m.group(1) or 1), int(m.group(3)), int(m.group(4)), m.group(5).strip(), False]
            steps.append(current)
        elif current is not None and _BUILDAH_CACHED.match(line.strip()):
            current[4] = True
            current = None
    return [Step(*s) for s in steps]


_BUILDKIT_STEP = re.compile(r"^#(\d+) \[(?:(\S+) )?(\d+)/(\d+)\] (.*)$")
_BUILDKIT_CACHED = re.compile(r"^#(\d+) CACHED$")


def parse_buildkit_steps(log: str) -> list[Step]:
    """The steps of a BuildKit ``--progress=plain`` log, with their cache status."""
    steps: dict[str, list] = {}
    stages: dict[str, int] = {}
    cached: set[str] = set()
    for line in log.splitlines():
        m = _BUILDKIT_STEP.match(line)
        if m and m.group(1) not in steps:
            stage = stages.setdefault(m.group(2) or "", len(stages) + 1)
            steps[m.group(1)] = [stage, int(m.group(3)), int(m.group(4)), m.group(5).strip(), False]
        m = _BUILDKIT_CACHED.match(line)
        if m:
            cached.add(m.group(1))
    for vertex, step in steps.items():
        step[4] = vertex in cached
    return sorted((Step(*s) for s in steps.values()), key=lambda s: (s.stage, s.index))


# --- images -----------------------------------------------------------------------------------


class Layer(NamedTuple):
    instruction: str
    bytes: int
    base: bool  # comes with the base image


@dataclass
class Image:
    """A built image: what the build printed, and what the builder says about it on demand."""

    builder: Builder
    tag: str
    id: str
    log: str
    steps: list[Step]
    seconds: float = 0.0
    base_layers: int = 0  # how many of its layers come with its base image
    _facts: dict = field(default_factory=dict, repr=False)

    @property
    def cache_hits(self) -> list[Step]:
        return [s for s in self.steps if s.cached]

    @property
    def rerun(self) -> list[Step]:
        """Steps that executed (FROM and cache hits left out)."""
        return [s for s in self.steps if not s.cached and s.keyword != "FROM"]

    def _fact(self, name: str, get):  # noqa: ANN001, ANN202
        if name not in self._facts:
            self._facts[name] = get()
        return self._facts[name]

    def rootfs(self) -> dict[str, Entry]:
        return self._fact("rootfs", lambda: self.builder.rootfs(self.id))

    def config(self) -> dict:
        return self._fact("config", lambda: normalize_config(self.builder.config(self.id)))

    def history(self) -> list[Layer]:
        """The image's layers, bottom first, named by the instructions as written."""
        def read() -> list[Layer]:
            layers = self.builder.layers(self.id)
            return _as_written([x._replace(base=i < self.base_layers) for i, x in enumerate(layers)], self.steps)

        return self._fact("history", read)

    @property
    def layers(self) -> int:
        return self._fact("layers", lambda: self.builder.layer_count(self.id))

    @property
    def size_bytes(self) -> int:
        return sum(layer.bytes for layer in self.history())


def _as_written(layers: list[Layer], steps: list[Step]) -> list[Layer]:
    """``layers`` named by the final stage's steps as the build printed them: an image's
    history says ``COPY dir:<hash> in /app`` where the Dockerfile says ``COPY src/ /app``.
    The layers above the base and those steps come in the same order, keyword by keyword."""
    last = max((s.stage for s in steps), default=0)
    final = [s for s in steps if s.stage == last and s.keyword != "FROM"]
    out, i = [], 0
    for layer in layers:
        keyword = layer.instruction.split(None, 1)[0].upper() if layer.instruction else ""
        j = next((j for j in range(i, len(final)) if final[j].keyword == keyword), None)
        if layer.base or j is None:
            out.append(layer)
            continue
        out.append(layer._replace(instruction=final[j].instruction))
        i = j + 1
    return out


# --- builders ---------------------------------------------------------------------------------


def _run(cmd: list[str], *, env: dict | None = None, timeout: float = 3600, check: bool = True,
         stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd``, stdout and stderr together in ``.stdout``."""
    try:
        proc = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env=env, timeout=timeout, errors="replace")
    except OSError as exc:
        raise VerifyError(f"cannot run {cmd[0]}: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired as exc:
        raise VerifyError(f"{' '.join(cmd[:3])} did not finish in {timeout:.0f} s",
                          (exc.output or b"").decode("utf-8", "replace") if isinstance(exc.output, bytes)
                          else exc.output or "") from None
    if check and proc.returncode != 0:
        raise VerifyError(f"{' '.join(cmd)} failed (exit {proc.returncode})", proc.stdout)
    return proc


def _history_instruction(created_by: str) -> str:
    """A history entry's ``created_by`` as the Dockerfile instruction that made it."""
    text = created_by.strip()
    text = re.sub(r"^\|\d+ (\S+=\S* )*", "", text)  # buildah's build arguments
    text = re.sub(r"\s+# buildkit$", "", text)
    if text.startswith("/bin/sh -c #(nop) "):
        return text[len("/bin/sh -c #(nop) "):].strip()
    if text.startswith("/bin/sh -c "):
        return "RUN " + text[len("/bin/sh -c "):]
    return re.sub(r"^RUN /bin/sh -c ", "RUN ", text)


class Builder:
    """What verify needs of a builder. Subclasses run one tool's command line."""

    name = ""
    program = ""

    def available(self) -> str | None:
        """None when the builder can build here; else why not."""
        raise NotImplementedError

    def version(self) -> str:
        return ""

    def has_image(self, ref: str) -> bool:
        raise NotImplementedError

    def prepare(self, text: str) -> tuple[str, list[str]]:
        """The text to build (the same for both sides) and notes on what was changed."""
        return text, []

    def build(self, context: str, text: str, tag: str, *, no_cache: bool = False, side: str = "the file",
              extra_args: Iterable[str] = (), timeout: float = 3600) -> Image:
        """Build ``text`` (a Dockerfile, kept outside ``context``) and tag the image ``tag``;
        a failed build raises VerifyError with its output, naming ``side``."""
        raise NotImplementedError

    def rootfs(self, image_id: str) -> dict[str, Entry]:
        raise NotImplementedError

    def config(self, image_id: str) -> dict:
        raise NotImplementedError

    def layers(self, image_id: str) -> list[Layer]:
        """The image's layers, bottom first (``base`` left False: the Image knows)."""
        raise NotImplementedError

    def layer_count(self, image_id: str) -> int:
        raise NotImplementedError

    def remove(self, refs: Iterable[str]) -> None:
        raise NotImplementedError


def _stored_sizes(graph_root: str | None, driver: str | None) -> dict[str, int]:
    """diff id -> uncompressed size, from a containers-storage store's own layer records."""
    try:
        with open(os.path.join(graph_root or "", f"{driver}-layers", "layers.json")) as f:
            layers = json.load(f)
    except (OSError, ValueError, TypeError):
        return {}
    return {x["diff-digest"]: int(x.get("diff-size", 0)) for x in layers if x.get("diff-digest")}


def _layers(history: list | None, diff_ids: list[str], sizes: dict[str, int]) -> list[Layer]:
    """An image's layers from its config's history (whose entries that are not empty layers
    match the diff ids in order) and the layers' sizes."""
    made = [h for h in history or [] if not h.get("empty_layer")]
    return [Layer(_history_instruction(made[i].get("created_by", "")) if i < len(made) else "", sizes.get(d, 0), False)
            for i, d in enumerate(diff_ids)]


def _failed(side: str, proc: subprocess.CompletedProcess) -> VerifyError:
    return VerifyError(f"the build of {side} failed (exit {proc.returncode})", proc.stdout)


class Buildah(Builder):
    """``buildah bud --layers --pull=never``. ``options`` go before the subcommand (a store's
    ``--root``, ``--storage-driver``); ``env`` adds to the environment (``BUILDAH_ISOLATION``)."""

    name = "buildah"

    def __init__(self, program: str = "buildah", options: Iterable[str] = (), env: dict | None = None) -> None:
        self.program = program
        self.options = list(options)
        self.env = {**os.environ, **(env or {})}
        self._sizes: dict[str, int] = {}

    def run(self, *args: str, check: bool = True, timeout: float = 3600) -> subprocess.CompletedProcess:
        return _run([self.program, *self.options, *args], env=self.env, check=check, timeout=timeout)

    def available(self) -> str | None:
        if shutil.which(self.program) is None:
            return f"{self.program} is not installed (Debian: apt-get install buildah)"
        proc = self.run("version", check=False, timeout=60)
        return None if proc.returncode == 0 else f"{self.program} does not run: {proc.stdout.strip()}"

    def version(self) -> str:
        out = self.run("--version", check=False, timeout=60).stdout.split()
        return out[2] if len(out) > 2 else ""

    def has_image(self, ref: str) -> bool:
        return self.run("inspect", "--type", "image", "--format", "{{.FromImageID}}", ref, check=False).returncode == 0

    def image_id(self, ref: str) -> str | None:
        proc = self.run("inspect", "--type", "image", "--format", "{{.FromImageID}}", ref, check=False)
        lines = proc.stdout.strip().splitlines()
        return lines[-1].strip() if proc.returncode == 0 and lines else None

    def build_args(self, dockerfile: str, tag: str, context: str, no_cache: bool) -> list[str]:
        args = ["bud", "--layers", "--pull=never", "--format", "docker", "-f", dockerfile, "-t", tag]
        if no_cache:
            args.append("--no-cache")
        ignore = os.path.join(context, ".dockerignore")
        if os.path.exists(ignore):
            args += ["--ignorefile", ignore]
        return [*args, context]

    def build(self, context: str, text: str, tag: str, *, no_cache: bool = False, side: str = "the file",
              extra_args: Iterable[str] = (), timeout: float = 3600) -> Image:
        with tempfile.TemporaryDirectory(prefix="dockeropt-verify-") as folder:
            dockerfile = os.path.join(folder, "Dockerfile")  # outside the context: COPY . . never sees it
            with open(dockerfile, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            args = self.build_args(dockerfile, tag, context, no_cache)
            args[-1:-1] = list(extra_args)
            started = time.monotonic()
            proc = self.run(*args, check=False, timeout=timeout)
            seconds = time.monotonic() - started
        if proc.returncode != 0:
            raise _failed(side, proc)
        image_id = self.image_id(tag)
        if not image_id:
            raise VerifyError(f"the build of {side} succeeded but {tag} is missing", proc.stdout)
        return Image(self, tag, image_id, proc.stdout, parse_steps(proc.stdout), seconds)

    def inspect(self, image_id: str) -> dict:
        out = self.run("inspect", "--type", "image", image_id).stdout
        return json.loads(out[out.index("{"):])

    def config(self, image_id: str) -> dict:
        data = self.inspect(image_id)
        return ((data.get("Docker") or {}).get("config") or (data.get("OCIv1") or {}).get("config") or {})

    def layers(self, image_id: str) -> list[Layer]:
        data = self.inspect(image_id)
        doc = data.get("Docker") or data.get("OCIv1") or {}
        diff_ids = list((doc.get("rootfs") or {}).get("diff_ids") or [])
        return _layers(doc.get("history"), diff_ids, self.layer_sizes(image_id, diff_ids))

    def layer_count(self, image_id: str) -> int:
        doc = self.inspect(image_id)
        doc = doc.get("Docker") or doc.get("OCIv1") or {}
        return len((doc.get("rootfs") or {}).get("diff_ids") or [])

    def layer_sizes(self, image_id: str, diff_ids: list[str]) -> dict[str, int]:
        """Uncompressed size (tar bytes) of each layer: from the store's own records, else by
        writing the image to a folder uncompressed."""
        if any(d not in self._sizes for d in diff_ids):
            self._sizes.update(self._sizes_from_store())
        if any(d not in self._sizes for d in diff_ids):
            with tempfile.TemporaryDirectory(prefix="dockeropt-verify-") as folder:
                self.run("push", "--quiet", "--disable-compression", image_id, f"dir:{folder}/image")
                with open(os.path.join(folder, "image", "manifest.json")) as f:
                    manifest = json.load(f)
                for layer in manifest.get("layers", []):
                    digest = layer["digest"]
                    self._sizes[digest] = os.path.getsize(os.path.join(folder, "image", digest.split(":", 1)[1]))
        return self._sizes

    def _sizes_from_store(self) -> dict[str, int]:
        try:
            store = json.loads(self.run("info", timeout=60).stdout).get("store", {})
        except (ValueError, VerifyError):
            return {}
        return _stored_sizes(store.get("GraphRoot"), store.get("GraphDriverName"))

    def rootfs(self, image_id: str) -> dict[str, Entry]:
        name = f"dockeropt-verify-{uuid.uuid4().hex[:12]}"
        self.run("from", "--pull=never", "--name", name, image_id)
        try:
            mount = self.run("mount", name).stdout.strip().splitlines()[-1].strip()
            return walk_tree(mount)
        finally:
            self.run("umount", name, check=False)
            self.run("rm", name, check=False)

    def remove(self, refs: Iterable[str]) -> None:
        refs = list(refs)
        if refs:
            self.run("rmi", *refs, check=False)


class Docker(Builder):
    """Docker's engine through its command line, building with BuildKit (``DOCKER_BUILDKIT=1``).
    The client is ``$DOCKEROPT_DOCKER``, else the first ``docker`` on PATH that can build with
    BuildKit: a client from Docker 23 on needs the buildx plugin for that."""

    name = "docker"

    def __init__(self, program: str | None = None, env: dict | None = None) -> None:
        self.env = {**os.environ, "DOCKER_BUILDKIT": "1", **(env or {})}
        self.program = program or self.env.get("DOCKEROPT_DOCKER") or self._client()
        self._network: list[str] | None = None

    def _client(self) -> str:
        found = [os.path.join(d, "docker") for d in os.environ.get("PATH", "").split(os.pathsep) if d]
        found = [p for p in dict.fromkeys(found) if os.access(p, os.X_OK) and not os.path.isdir(p)]
        for path in found:
            if self._builds_with_buildkit(path):
                return path
        return found[0] if found else "docker"

    def _builds_with_buildkit(self, path: str) -> bool:
        if _run([path, "buildx", "version"], env=self.env, check=False, timeout=60).returncode == 0:
            return True
        out = _run([path, "version", "--format", "{{.Client.Version}}"], env=self.env, check=False, timeout=60).stdout
        m = re.match(r"(\d+)\.", out.strip())
        return m is not None and int(m.group(1)) < 23

    def run(self, *args: str, check: bool = True, timeout: float = 3600) -> subprocess.CompletedProcess:
        return _run([self.program, *args], env=self.env, check=check, timeout=timeout)

    def available(self) -> str | None:
        if shutil.which(self.program) is None:
            return "docker is not installed (Debian: apt-get install docker.io)"
        proc = self.run("version", "--format", "{{.Server.Version}}", check=False, timeout=60)
        if proc.returncode != 0:
            host = self.env.get("DOCKER_HOST", "the default socket")
            said = proc.stdout.strip().splitlines()
            return f"Docker's engine does not answer at {host}" + (f": {said[-1]}" if said else "")
        if not self._builds_with_buildkit(self.program):
            return (f"{self.program} cannot build with BuildKit (Docker 23 and later need the buildx plugin); "
                    "name another client with DOCKEROPT_DOCKER")
        return None

    def version(self) -> str:
        return self.run("version", "--format", "{{.Server.Version}}", check=False, timeout=60).stdout.strip()

    def has_image(self, ref: str) -> bool:
        return self.run("image", "inspect", "--format", "{{.Id}}", ref, check=False).returncode == 0

    def prepare(self, text: str) -> tuple[str, list[str]]:
        from dockeropt.cst import parse

        tree = parse(text)
        syntax = tree.directive("syntax")
        if syntax is None or self.has_image(syntax.value.strip()):
            return text, []
        kept = "".join(d.text for d in tree.directives if d is not syntax)
        text = tree.bom + kept + "".join(i.code for i in tree.instructions) + "".join(t.text for t in tree.trailer)
        return text, [f"the engine does not have the frontend {syntax.value.strip()}: both files are built "
                      "with its built-in Dockerfile frontend, without the syntax directive (it would be pulled)"]

    def network(self) -> list[str]:
        """``--network=host`` when the engine has no bridge network (dockerd --bridge=none)."""
        if self._network is None:
            has_bridge = self.run("network", "inspect", "bridge", check=False).returncode == 0
            self._network = [] if has_bridge else ["--network=host"]
        return self._network

    def build(self, context: str, text: str, tag: str, *, no_cache: bool = False, side: str = "the file",
              extra_args: Iterable[str] = (), timeout: float = 3600) -> Image:
        args = ["build", "--pull=false", "--progress=plain", *self.network(), "-f", "-", "-t", tag]
        if no_cache:
            args.append("--no-cache")
        started = time.monotonic()
        proc = _run([self.program, *args, *extra_args, context], env=self.env, check=False, timeout=timeout,
                    stdin=text)
        seconds = time.monotonic() - started
        if proc.returncode != 0:
            raise _failed(side, proc)
        image_id = self.run("image", "inspect", "--format", "{{.Id}}", tag, check=False).stdout.strip()
        if not image_id.startswith("sha256:"):
            raise VerifyError(f"the build of {side} succeeded but {tag} is missing", proc.stdout)
        return Image(self, tag, image_id, proc.stdout, parse_buildkit_steps(proc.stdout), seconds)

    def inspect(self, image_id: str) -> dict:
        return json.loads(self.run("image", "inspect", image_id).stdout)[0]

    def config(self, image_id: str) -> dict:
        return self.inspect(image_id).get("Config") or {}

    def layers(self, image_id: str) -> list[Layer]:
        # docker history does not say which entries made a layer: those with bytes, and
        # those of an instruction that writes files, as many as the image has layers
        count = self.layer_count(image_id)
        made = [r for r in self._history(image_id) if r[1] or not _metadata_only(r[0])][-count:] if count else []
        return [Layer(instruction, size, False) for instruction, size in made]

    def layer_count(self, image_id: str) -> int:
        return len((self.inspect(image_id).get("RootFS") or {}).get("Layers") or [])

    def _history(self, image_id: str) -> list[tuple[str, int]]:
        out = self.run("history", "--no-trunc", "--human=false", "--format", "{{json .}}", image_id).stdout
        rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        return [(_history_instruction(r.get("CreatedBy", "")), int(r.get("Size") or 0)) for r in reversed(rows)]

    def rootfs(self, image_id: str) -> dict[str, Entry]:
        container = self.run("create", "--entrypoint", "", image_id, "dockeropt-verify").stdout.strip().splitlines()[-1]
        try:
            with subprocess.Popen([self.program, "export", container], stdout=subprocess.PIPE, env=self.env) as proc:
                assert proc.stdout is not None  # stdout=PIPE
                tree = tar_tree(proc.stdout)
            if proc.returncode:
                raise VerifyError(f"docker export of {image_id} failed (exit {proc.returncode})")
            return tree
        finally:
            self.run("rm", "--force", container, check=False)

    def remove(self, refs: Iterable[str]) -> None:
        refs = list(refs)
        if refs:
            self.run("rmi", *refs, check=False)


class Podman(Docker):
    """podman: builds like buildah (``--layers --pull=never``), inspects like docker.
    Tried by hand (podman 4.3.1); the test suite does not run it."""

    name = "podman"

    def __init__(self, program: str = "podman", env: dict | None = None) -> None:
        self.env = {**os.environ, **(env or {})}
        self.program = program
        self._network = []

    def available(self) -> str | None:
        if shutil.which(self.program) is None:
            return "podman is not installed (Debian: apt-get install podman)"
        proc = self.run("version", check=False, timeout=60)
        return None if proc.returncode == 0 else f"podman does not run: {proc.stdout.strip()}"

    def version(self) -> str:
        return self.run("version", "--format", "{{.Client.Version}}", check=False, timeout=60).stdout.strip()

    def prepare(self, text: str) -> tuple[str, list[str]]:
        return text, []

    def layers(self, image_id: str) -> list[Layer]:
        # podman history gives a squashed layer's bytes to another entry: read the config's
        # history and the store's records, as for buildah
        data = self.inspect(image_id)
        diff_ids = list((data.get("RootFS") or {}).get("Layers") or [])
        try:
            store = json.loads(self.run("info", "--format", "json", timeout=60).stdout).get("store", {})
        except (ValueError, VerifyError):
            store = {}
        sizes = _stored_sizes(store.get("graphRoot"), store.get("graphDriverName"))
        return _layers(data.get("History"), diff_ids, sizes)

    def build(self, context: str, text: str, tag: str, *, no_cache: bool = False, side: str = "the file",
              extra_args: Iterable[str] = (), timeout: float = 3600) -> Image:
        with tempfile.TemporaryDirectory(prefix="dockeropt-verify-") as folder:
            dockerfile = os.path.join(folder, "Dockerfile")
            with open(dockerfile, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            args = ["build", "--layers", "--pull=never", "--format", "docker", "-f", dockerfile, "-t", tag]
            if no_cache:
                args.append("--no-cache")
            started = time.monotonic()
            proc = self.run(*args, *extra_args, context, check=False, timeout=timeout)
            seconds = time.monotonic() - started
        if proc.returncode != 0:
            raise _failed(side, proc)
        image_id = self.run("image", "inspect", "--format", "{{.Id}}", tag, check=False).stdout.strip()
        if not image_id:
            raise VerifyError(f"the build of {side} succeeded but {tag} is missing", proc.stdout)
        return Image(self, tag, image_id, proc.stdout, parse_steps(proc.stdout), seconds)


_METADATA = {"ENV", "LABEL", "CMD", "ENTRYPOINT", "EXPOSE", "USER", "ARG", "VOLUME", "STOPSIGNAL", "HEALTHCHECK",
             "SHELL", "ONBUILD", "MAINTAINER"}


def _metadata_only(instruction: str) -> bool:
    return instruction.split(None, 1)[0].upper() in _METADATA if instruction else True


def find_builder(name: str | None = None) -> Builder:
    """The named builder, or the first one that works here: docker, podman, buildah.
    Raises VerifyError, saying why, when there is none."""
    kinds = {"docker": Docker, "buildah": Buildah, "podman": Podman}
    if name is not None:
        if name not in kinds:
            raise VerifyError(f"unknown builder {name!r}: use one of {', '.join(BUILDERS)}")
        builder = kinds[name]()
        problem = builder.available()
        if problem:
            raise VerifyError(f"no builder: {problem}")
        return builder
    problems = []
    for kind in BUILDERS:
        builder = kinds[kind]()
        problem = builder.available()
        if problem is None:
            return builder
        problems.append(problem)
    raise VerifyError("no builder found: " + "; ".join(problems))


# --- base images ------------------------------------------------------------------------------


def base_images(text: str) -> list[str]:
    """The images the FROMs name that are not earlier stages nor scratch, ARGs expanded
    from their defaults; one whose name still holds a ``$`` is left out (unknown)."""
    from dockeropt.cst import Arg, From, parse

    tree = parse(text)
    args: dict[str, str] = {}
    stages: set[str] = set()
    out: list[str] = []
    seen_from = False
    for inst in tree.instructions:
        if isinstance(inst, From):
            seen_from = True
            ref = inst.image.text if inst.image else ""
            ref = re.sub(r"\$\{?(\w+)(?::?-([^}]*))?\}?", lambda m: args.get(m.group(1), m.group(2) or ""), ref)
            if ref and "$" not in ref and ref.lower() not in stages and ref != "scratch" and ref not in out:
                out.append(ref)
            if inst.stage:
                stages.add(inst.stage.text.lower())
        elif isinstance(inst, Arg) and not seen_from:
            for pair in inst.pairs:
                args[pair.key.text] = pair.value.text.strip("\"'") if pair.value else ""
    return out


def base_layer_count(builder: Builder, text: str) -> int:
    """How many layers the final stage's base image has (0 when it is a stage of the file)."""
    from dockeropt.cst import parse

    tree = parse(text)
    if not tree.stages:
        return 0
    named = {s.name.lower(): s for s in tree.stages if s.name}
    stage = tree.stages[-1]
    while stage.from_.image and stage.from_.image.text.lower() in named and named[stage.from_.image.text.lower()] is not stage:
        stage = named[stage.from_.image.text.lower()]
    ref = stage.from_.image.text if stage.from_.image else ""
    if not ref or ref == "scratch" or "$" in ref or not builder.has_image(ref):
        return 0
    try:
        return builder.layer_count(ref)
    except VerifyError:
        return 0


# --- the comparison ---------------------------------------------------------------------------


@dataclass
class Comparison:
    rootfs: list[str]  # differences, one line each
    config: list[str]
    caches: dict[str, list[tuple[str, Entry]]]  # pattern -> removed (path, entry)

    @property
    def same(self) -> bool:
        return not self.rootfs and not self.config


def compare(before: Image, after: Image) -> Comparison:
    """``before`` (the file as it is) against ``after`` (fixed): paths under CACHE_PATHS that
    only ``before`` has are caches the fixes removed, not differences."""
    ta, tb = before.rootfs(), after.rootfs()
    caches = removed_caches(ta, tb)
    gone = {path for entries in caches.values() for path, _ in entries}
    kept = {p: e for p, e in ta.items() if p not in gone}
    return Comparison(diff_rootfs(kept, tb), diff_config(before, after), caches)


def _tree(x) -> dict[str, Entry]:  # noqa: ANN001
    return x.rootfs() if hasattr(x, "rootfs") else x


# --- a whole verify ---------------------------------------------------------------------------


@dataclass
class Side:
    image: Image
    rebuilt: Image | None = None  # after --changed


@dataclass
class Report:
    path: str
    builder: str
    version: str
    fixes: list[str]  # "LINE: CODE message" of each applied fix
    notes: list[str]
    before: Side | None = None
    after: Side | None = None
    comparison: Comparison | None = None
    changed: str | None = None
    status: int = EXIT_SAME
    error: str | None = None
    log_tail: list[str] = field(default_factory=list)


def _fixed_text(path: str, text: str, unsafe: bool | None, context: str) -> tuple[str, list[str]]:
    """The text ``dockeropt --fix`` would write for ``path`` (its folder's configuration
    applies), and the fixes it applied."""
    from dockeropt.command import Configs, Options, _job
    from dockeropt.errors import DockerfileError
    from dockeropt.runner import run_text

    job = _job(path, os.path.dirname(os.path.abspath(path)), Configs(None),
               Options(True, False, False, unsafe, (), (), None), path=path, build_context=context)
    if job.error:
        raise VerifyError(job.error)
    try:
        result = run_text(text, job.settings, path=path, build_context=context)
    except DockerfileError as exc:
        raise VerifyError(exc.located(path)) from None
    if result.reverted:
        raise VerifyError(f"{path}:1:1: {result.reverted}")
    applied = sorted(result.applied, key=lambda f: (f.line, f.code))
    return result.output, [f"{f.line}: {f.code} {f.message}" for f in applied]


def _changed_copy(context: str, changed: str) -> str:
    """A copy of the context in which ``changed`` ends with whitespace of its own: spaces and
    newlines spelling 48 random bits, so that no cache (BuildKit's is keyed by content,
    across builds and files) can hold a layer of this change."""
    copy = tempfile.mkdtemp(prefix="dockeropt-verify-context-")
    shutil.copytree(context, copy, symlinks=True, dirs_exist_ok=True)
    bits = int.from_bytes(os.urandom(6), "big")
    with open(os.path.join(copy, changed), "ab") as f:
        f.write(b"\n" + bytes(b" \n"[(bits >> i) & 1] for i in range(48)) + b"\n")
    return copy


def verify(path: str, builder: Builder, *, changed: str | None = None, unsafe: bool | None = None,
           context: str | None = None) -> Report:
    """Build ``path`` as it is and fixed, with ``builder``, and compare (see the module)."""
    from dockeropt.runner import read_source

    context = os.path.abspath(context or os.path.dirname(os.path.abspath(path)) or ".")
    report = Report(path, builder.name, "", [], [])
    try:
        try:
            text = read_source(path)
        except OSError as exc:
            raise VerifyError(f"{path}:1:1: cannot read: {exc.strerror or exc}") from None
        fixed, report.fixes = _fixed_text(path, text, unsafe, context)
        if changed is not None:
            relative = os.path.relpath(os.path.abspath(changed), context)
            if relative.startswith("..") or not os.path.isfile(os.path.join(context, relative)):
                raise VerifyError(f"--changed {changed}: not a file of the build context {context}")
            report.changed = relative
        if fixed == text:
            report.notes.append("--fix changes nothing in this file: there is nothing to verify")
            return report
        report.version = builder.version()
        missing = [ref for ref in base_images(text) + base_images(fixed) if not builder.has_image(ref)]
        if missing:
            raise VerifyError(f"{builder.name} does not have {', '.join(dict.fromkeys(missing))}: verify pulls "
                              "nothing; pull or build the base images first")
        text, notes = builder.prepare(text)
        fixed, more = builder.prepare(fixed)
        report.notes += list(dict.fromkeys(notes + more))
        _build_and_compare(report, builder, context, text, fixed)
    except VerifyError as exc:
        report.status, report.error = EXIT_ERROR, exc.message
        report.log_tail = exc.log.rstrip("\n").splitlines()[-LOG_TAIL:] if exc.log else []
    return report


def _build_and_compare(report: Report, builder: Builder, context: str, text: str, fixed: str) -> None:
    run = uuid.uuid4().hex[:10]
    tags = {side: f"localhost/dockeropt-verify:{run}-{side}" for side in ("before", "after", "before-changed",
                                                                         "after-changed")}
    built: list[str] = []
    copies: list[str] = []
    try:
        for side, source in (("before", text), ("after", fixed)):
            shown = "the file as it is" if side == "before" else "the fixed file"
            image = builder.build(context, source, tags[side], no_cache=True, side=shown)
            built.append(tags[side])
            setattr(report, side, Side(image))
            image.base_layers = base_layer_count(builder, source)
        assert report.before and report.after
        report.comparison = compare(report.before.image, report.after.image)
        for done in (report.before, report.after):  # read while the images are tagged
            done.image.history()
            done.image.layers  # noqa: B018
        report.status = EXIT_SAME if report.comparison.same else EXIT_DIFFERENT
        if report.changed is not None:
            for name, source in (("before", text), ("after", fixed)):
                shown = "the file as it is" if name == "before" else "the fixed file"
                # a --no-cache build leaves buildah no layers to reuse: fill the cache first
                builder.build(context, source, tags[f"{name}-changed"], side=shown)
                built.append(tags[f"{name}-changed"])
                copies.append(_changed_copy(context, report.changed))
                rebuilt = builder.build(copies[-1], source, tags[f"{name}-changed"], side=f"{shown} (after the change)")
                getattr(report, name).rebuilt = rebuilt
    finally:
        builder.remove(built)
        for copy in copies:
            shutil.rmtree(copy, ignore_errors=True)


# --- reports ----------------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _human(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def table(rows: list[list], headers: list[str]) -> str:
    """An aligned text table; numbers right-aligned."""
    def cell(v) -> str:  # noqa: ANN001
        return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)

    cells = [[cell(v) for v in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: list[str], align: bool = True) -> str:
        parts = [v.rjust(widths[i]) if align and v.replace(",", "").replace(".", "").isdigit() else v.ljust(widths[i])
                 for i, v in enumerate(values)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers, False), line(["-" * w for w in widths], False)] + [line(r) for r in cells])


def _layer_rows(image: Image, marks: int = 3) -> list[list]:
    """Rows for the layer table: the base image's layers as one, then each of the file's,
    the heaviest ``marks`` of those marked."""
    layers = image.history()
    base = [layer for layer in layers if layer.base]
    own = [layer for layer in layers if not layer.base]
    heaviest = sorted((layer.bytes for layer in own if layer.bytes), reverse=True)[:marks]
    rows = []
    if base:
        rows.append([sum(layer.bytes for layer in base), f"(the base image: {_count(len(base), 'layer')})", ""])
    for layer in own:
        mark = "<- heaviest" if heaviest and layer.bytes == heaviest[0] else "<- heavy" if layer.bytes in heaviest else ""
        rows.append([layer.bytes, _short(layer.instruction), mark])
    return rows


def _short(instruction: str, width: int = 70) -> str:
    one = " ".join(instruction.split())
    return one if len(one) <= width else one[: width - 3] + "..."


def _steps(image: Image) -> list[str]:
    return [s.instruction for s in image.steps if s.keyword != "FROM"]


def format_text(report: Report) -> str:
    out = [f"dockeropt verify {report.path} with {report.builder}" + (f" {report.version}" if report.version else "")]
    if report.fixes:
        out.append("fixes applied:")
        out += [f"  line {f}" for f in report.fixes]
    out += [f"note: {n}" for n in report.notes]
    b, a = report.before, report.after
    if b and a:
        out.append("")
        rows: list[list] = [["layers", b.image.layers, a.image.layers],
                ["bytes", b.image.size_bytes, a.image.size_bytes],
                ["build time (s)", f"{b.image.seconds:.1f}", f"{a.image.seconds:.1f}"]]
        out.append(table(rows, ["", "as it is", "fixed"]))
        for title, side in (("as it is", b), ("fixed", a)):
            out += ["", f"layers of the image {title} (bottom first):", table(_layer_rows(side.image), ["bytes", "instruction", ""])]
        if report.changed is not None:
            out += ["", f"after a change of {report.changed}:"]
            for title, side in (("as it is", b), ("fixed", a)):
                rerun = _steps(side.rebuilt) if side.rebuilt else []
                ran = [s.instruction for s in side.rebuilt.rerun] if side.rebuilt else []
                out.append(f"  {title}: {len(ran)} of {len(rerun)} steps re-ran" + (":" if ran else ""))
                out += [f"    {_short(s, 74)}" for s in ran]
    c = report.comparison
    if c is not None:
        out.append("")
        if c.same:
            out.append("same image: the filesystems and configs are identical" + (
                ", except for the package caches the fixes remove:" if c.caches else ""))
        else:
            differences = c.config + c.rootfs
            out.append(f"different images: {_count(len(differences), 'difference')}"
                       + (f" (the first {SHOWN_DIFFERENCES})" if len(differences) > SHOWN_DIFFERENCES else "") + ":")
            out += [f"  {d}" for d in differences[:SHOWN_DIFFERENCES]]
            if c.caches:
                out.append("and the package caches the fixes remove:")
        for pattern, entries in c.caches.items():
            files = [e for _, e in entries if e.kind == "file"]
            out.append(f"  {pattern}: {_count(len(entries), 'path')}, {_count(len(files), 'file')}, "
                       f"{_human(sum(e.size for e in files))}")
    return "\n".join(out) + "\n"


def format_error(report: Report) -> str:
    """What went wrong (exit 2), with a failed build's last lines; empty when nothing did."""
    if not report.error:
        return ""
    out = [f"dockeropt verify: {report.error}"]
    if report.log_tail:
        out.append("its last lines:")
        out += [f"  {line}" for line in report.log_tail]
    return "\n".join(out) + "\n"


def as_json(report: Report) -> dict:
    def side(s: Side | None) -> dict | None:
        if s is None:
            return None
        doc = {"layers": s.image.layers, "bytes": s.image.size_bytes, "build_seconds": round(s.image.seconds, 2),
               "history": [{"instruction": layer.instruction, "bytes": layer.bytes, "base": layer.base}
                           for layer in s.image.history()]}
        if s.rebuilt is not None:
            doc["rerun_after_change"] = [st.instruction for st in s.rebuilt.rerun]
            doc["cached_after_change"] = [st.instruction for st in s.rebuilt.cache_hits]
        return doc

    c = report.comparison
    return {
        "path": report.path, "builder": report.builder, "version": report.version, "status": report.status,
        "fixes": report.fixes, "notes": report.notes, "changed": report.changed,
        "before": side(report.before), "after": side(report.after),
        "same": c.same if c else None,
        "differences": (c.config + c.rootfs) if c else [],
        "caches_removed": {p: [x for x, _ in e] for p, e in c.caches.items()} if c else {},
        "error": report.error, "log_tail": report.log_tail,
    }


def main(path: str, builder: str | None, changed: str | None, unsafe: bool | None, output: str) -> int:
    """The ``dockeropt verify`` command: prints the report; returns the exit status."""
    import sys

    try:
        chosen = find_builder(builder)
    except VerifyError as exc:
        report = Report(path, builder or "", "", [], [], status=EXIT_ERROR, error=exc.message)
        if output != "json":
            sys.stderr.write(format_error(report))
            return report.status
    else:
        report = verify(path, chosen, changed=changed, unsafe=unsafe)
    if output == "json":
        sys.stdout.write(json.dumps(as_json(report), indent=2) + "\n")
    else:
        sys.stdout.write(format_text(report))
        sys.stdout.flush()
        sys.stderr.write(format_error(report))
    return report.status
