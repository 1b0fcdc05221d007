"""Real-build proof harness for dockeropt.

Builds Dockerfiles with buildah (``bud --layers``, chroot isolation, vfs storage) and
Docker's engine (BuildKit, the engine .ci/start-docker runs), against a home-made base
image (static busybox plus stand-in package tools, see ``standins/``) tagged under the
names test Dockerfiles use, and compares the results: filesystem, config, layer count,
size, and which steps re-ran. Building, reading and comparing images is
``dockeropt.verify``'s code, the one ``dockeropt verify`` runs for users.

Public API (see the report in the module's tests for examples)::

    require_buildah(); require_docker() -> verify.Docker      # skip, or fail under CI=true
    ensure_base_images(names=BASE_IMAGE_NAMES) -> str            # base image id (buildah)
    ensure_docker_base_images(names=BASE_IMAGE_NAMES) -> str     # the same in Docker's engine
    build(context_dir, dockerfile_text, tag, **kw) -> Image
    rebuild_after_edit(context_dir, dockerfile_text, tag, edit, **kw) -> Rebuild
    diff_rootfs(a, b, ignore=()) -> list[str]                    # verify's
    diff_config(a, b) -> list[str]                               # verify's
    run_verify(dockerfile, builder_name, *args) -> (status, stdout, stderr)
    print_table(rows) -> str

All buildah calls use one dedicated storage root (``STORAGE_ROOT``), so nothing
here touches other containers or images on the machine.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from dockeropt import verify
from dockeropt.verify import (CONFIG_KEYS, IGNORED_LABELS, Entry, Step, compare, diff_config,  # noqa: F401
                              diff_rootfs, parse_steps, removed_caches, walk_tree)

# --------------------------------------------------------------------------
# Configuration

#: Names every test Dockerfile may use in FROM. Extend this list (or pass
#: ``names=`` to ensure_base_images) when a test needs another one; all of them
#: point at the same single-layer base image.
BASE_IMAGE_NAMES: list[str] = [
    "node:20", "node:20-alpine", "node:20-slim", "node:18", "node:18-alpine", "node:lts", "node:latest",
    "node:22", "python:3.12", "python:3.12-slim", "python:3.12-alpine", "python:3.11", "python:3.11-slim",
    "golang:1.22", "golang:1.22-alpine", "golang:1.21",
    "ruby:3.3", "ruby:3.3-slim", "ruby:3.3-alpine",
    "composer:2", "php:8.3-fpm", "php:8.3-cli", "php:8.3-apache",
    "debian:bookworm", "debian:bookworm-slim", "debian:12", "debian:latest",
    "ubuntu:22.04", "ubuntu:24.04", "ubuntu:latest",
    "alpine:3.19", "alpine:3.20", "alpine:latest", "alpine",
    "busybox", "busybox:latest",
    "fedora:40", "centos:7", "rockylinux:9", "almalinux:9",
    "nginx:alpine", "nginx:1.25", "nginx:latest", "nginx",
    "gcr.io/distroless/static-debian12", "gcr.io/distroless/base-debian12",
]

STORAGE_ROOT = os.environ.get("DOCKEROPT_BUILDAH_ROOT", "/var/tmp/dockeropt-buildah")
RUN_ROOT = os.environ.get("DOCKEROPT_BUILDAH_RUNROOT", "/var/tmp/dockeropt-buildah-run")
#: Where the base image is kept as an OCI archive (imported into private stores).
ARCHIVE_DIR = os.environ.get("DOCKEROPT_BUILDAH_ARCHIVES", "/var/tmp/dockeropt-buildah-archives")

STANDINS_DIR = Path(__file__).resolve().parent / "standins"
BUSYBOX = os.environ.get("DOCKEROPT_BUSYBOX", "/bin/busybox")

#: Extra names in /usr/local/bin that are symlinks to a stand-in script.
STANDIN_ALIASES = {
    "yarn": "npm", "pnpm": "npm", "pip3": "pip", "python3": "python",
    "apt": "apt-get", "yum": "dnf", "microdnf": "dnf",
    "adduser": "useradd", "groupadd": "useradd", "addgroup": "useradd",
}
#: Trivial always-succeeding commands (exist so that RUN lines using them work).
STANDIN_STUBS = ["npx", "corepack", "gem", "ruby", "php", "docker-php-ext-install", "update-ca-certificates",
                 "locale-gen", "dpkg-reconfigure"]
#: busybox applets not installed in the base (they would shadow stand-ins or confuse).
_SKIP_APPLETS = {"dpkg", "dpkg-deb", "rpm", "rpm2cpio", "linuxrc", "init", "halt", "poweroff", "reboot"}

_BASE_VERSION = "1"  # bump to force a new base image when the layout below changes
_FIXED_MTIME = 1704067200  # 2024-01-01T00:00:00Z: the base tarball is byte-for-byte reproducible
_BASE_REPO = "localhost/dockeropt-base"
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_PASSWD = """root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
node:x:1000:1000::/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
"""
_GROUP = """root:x:0:
daemon:x:1:
bin:x:2:
www-data:x:33:
users:x:100:
node:x:1000:
nogroup:x:65534:
"""


class BuildahUnavailable(RuntimeError):
    """buildah cannot run here (not installed, or not root)."""


class BuildError(RuntimeError):
    """A build failed; ``log`` holds buildah's full output."""

    def __init__(self, message: str, log: str = "", returncode: int | None = None):
        self.log = log
        self.returncode = returncode
        super().__init__(f"{message}\n--- buildah output (exit {returncode}) ---\n{log}")


# --------------------------------------------------------------------------
# Low level


@dataclass(frozen=True)
class Store:
    """A containers-storage location: all buildah calls for it carry the same flags."""

    root: str = STORAGE_ROOT
    runroot: str = RUN_ROOT

    def args(self) -> list[str]:
        return ["--root", self.root, "--runroot", self.runroot, "--storage-driver", "vfs"]


DEFAULT_STORE = Store()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"BUILDAH_ISOLATION": "chroot", "STORAGE_DRIVER": "vfs", "BUILDAH_FORMAT": "docker",
                "LC_ALL": "C"})
    return env


def buildah(*args: str, store: Store = DEFAULT_STORE, check: bool = True,
            timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``buildah <store flags> args...``; stdout and stderr merged into .stdout."""
    cmd = ["buildah", *store.args(), *args]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=_env(), timeout=timeout)
    if check and proc.returncode != 0:
        raise BuildError(f"command failed: {' '.join(cmd)}", proc.stdout, proc.returncode)
    return proc


_availability: tuple[bool, str] | None = None


def buildah_status() -> tuple[bool, str]:
    """(usable, reason). Cached for the process."""
    global _availability
    if _availability is None:
        if shutil.which("buildah") is None:
            _availability = (False, "buildah is not installed (run .ci/install-build-deps)")
        elif hasattr(os, "geteuid") and os.geteuid() != 0:
            _availability = (False, "real-build tests need root (buildah --isolation chroot)")
        elif not os.path.exists(BUSYBOX):
            _availability = (False, f"{BUSYBOX} missing (apt-get install busybox-static)")
        else:
            try:
                p = subprocess.run(["buildah", "version"], capture_output=True, text=True, timeout=60)
                _availability = (p.returncode == 0, p.stderr.strip() or "buildah version failed")
            except (OSError, subprocess.TimeoutExpired) as e:  # pragma: no cover
                _availability = (False, f"buildah does not run: {e}")
            if _availability[0]:
                _availability = (True, "")
    return _availability


def require_buildah() -> None:
    """Skip the calling test when buildah cannot run here (fail it under CI=true)."""
    ok, reason = buildah_status()
    if not ok:
        from needs import unavailable

        unavailable(reason)


# --------------------------------------------------------------------------
# Base image


def _tar_add(tar: tarfile.TarFile, name: str, *, kind: str = "dir", data: bytes = b"", mode: int = 0o755,
             uid: int = 0, gid: int = 0, target: str = "") -> None:
    ti = tarfile.TarInfo(name.lstrip("/"))
    ti.mtime = _FIXED_MTIME
    ti.uid, ti.gid, ti.uname, ti.gname = uid, gid, "", ""
    ti.mode = mode
    if kind == "dir":
        ti.type = tarfile.DIRTYPE
        tar.addfile(ti)
    elif kind == "symlink":
        ti.type = tarfile.SYMTYPE
        ti.linkname = target
        ti.mode = 0o777
        tar.addfile(ti)
    else:
        ti.size = len(data)
        tar.addfile(ti, io.BytesIO(data))


def base_tarball() -> bytes:
    """The base image's single layer as a reproducible tar (same inputs -> same bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        dirs = ["/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/usr/local", "/usr/local/bin",
                "/usr/local/sbin", "/usr/local/lib", "/usr/local/lib/dockeropt-standin", "/usr/share",
                "/usr/share/doc", "/lib", "/etc", "/home", "/var", "/var/lib", "/var/cache", "/var/log",
                "/var/www", "/opt", "/srv", "/mnt", "/media", "/dev", "/proc", "/sys", "/run"]
        for d in dirs:
            _tar_add(tar, d)
        _tar_add(tar, "/root", mode=0o700)
        _tar_add(tar, "/tmp", mode=0o1777)
        _tar_add(tar, "/var/tmp", mode=0o1777)
        _tar_add(tar, "/home/node", uid=1000, gid=1000)
        _tar_add(tar, "/bin/busybox", kind="file", data=Path(BUSYBOX).read_bytes(), mode=0o755)
        applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True,
                                 check=True).stdout.split()
        seen = {"bin/busybox"}
        for rel in sorted(applets):
            if rel in seen or rel.rsplit("/", 1)[-1] in _SKIP_APPLETS:
                continue
            seen.add(rel)
            _tar_add(tar, "/" + rel, kind="symlink", target="/bin/busybox")
        for f in [("/etc/passwd", _PASSWD), ("/etc/group", _GROUP), ("/etc/hostname", "dockeropt\n"),
                  ("/etc/hosts", "127.0.0.1\tlocalhost\n"), ("/etc/resolv.conf", ""),
                  ("/etc/os-release", 'NAME="dockeropt stand-in base"\nID=dockeropt\n'),
                  ("/etc/shells", "/bin/sh\n/bin/ash\n")]:
            _tar_add(tar, f[0], kind="file", data=f[1].encode(), mode=0o644)
        _tar_add(tar, "/usr/local/lib/dockeropt-standin/common.sh", kind="file",
                 data=(STANDINS_DIR / "lib" / "common.sh").read_bytes(), mode=0o644)
        for script in sorted((STANDINS_DIR / "bin").iterdir()):
            _tar_add(tar, f"/usr/local/bin/{script.name}", kind="file", data=script.read_bytes(), mode=0o755)
        for alias, target in sorted(STANDIN_ALIASES.items()):
            _tar_add(tar, f"/usr/local/bin/{alias}", kind="symlink", target=target)
        for stub in STANDIN_STUBS:
            _tar_add(tar, f"/usr/local/bin/{stub}", kind="file",
                     data=b"#!/bin/sh\n# dockeropt stand-in: does nothing\nexit 0\n", mode=0o755)
    return buf.getvalue()


def _base_dockerfile() -> str:
    return ("FROM scratch\n"
            "ADD base.tar /\n"
            f"ENV PATH={_PATH}\n"
            'CMD ["sh"]\n')


_base_cache: dict[tuple, str] = {}  # (store, hash) -> image id
_tagged: dict[str, set[str]] = {}     # store root -> names already tagged this session


def base_hash() -> str:
    h = hashlib.sha256()
    h.update(_BASE_VERSION.encode())
    h.update(_base_dockerfile().encode())
    h.update(base_tarball())
    return h.hexdigest()[:16]


def _image_id(ref: str, store: Store) -> str | None:
    p = buildah("inspect", "--type", "image", "--format", "{{.FromImageID}}", ref, store=store, check=False)
    if p.returncode != 0:
        return None
    out = p.stdout.strip().splitlines()
    return out[-1].strip() if out else None


def _qualified(name: str) -> list[str]:
    """The names under which FROM <name> finds the image locally."""
    if "/" not in name.split(":")[0]:
        repo = name if ":" in name else name + ":latest"
        return [f"localhost/{repo}", f"docker.io/library/{repo}"]
    if "." in name.split("/")[0] or ":" in name.split("/")[0] or name.startswith("localhost/"):
        return [name if ":" in name.rsplit("/", 1)[-1] else name + ":latest"]
    repo = name if ":" in name.rsplit("/", 1)[-1] else name + ":latest"
    return [f"localhost/{repo}", f"docker.io/{repo}"]


def _build_base(store: Store) -> str:
    digest = base_hash()
    key = (store, digest)
    if key in _base_cache:
        return _base_cache[key]
    ref = f"{_BASE_REPO}:{digest}"
    image_id = _image_id(ref, store)
    if image_id is None:
        archive = Path(ARCHIVE_DIR) / f"base-{digest}.tar"
        if archive.exists():  # cheap import into a fresh (private) store
            out = buildah("pull", "--quiet", f"oci-archive:{archive}", store=store).stdout.split()
            image_id = out[-1] if out else None
            if not image_id or not re.fullmatch(r"[0-9a-f]{64}", image_id):
                raise BuildError(f"could not import base archive {archive}", " ".join(out), None)
            buildah("tag", image_id, ref, store=store)
        else:
            with tempfile.TemporaryDirectory(prefix="dockeropt-base-") as ctx:
                Path(ctx, "base.tar").write_bytes(base_tarball())
                Path(ctx, "Dockerfile").write_text(_base_dockerfile())
                buildah("bud", "--isolation", "chroot", "--format", "docker", "--pull=never",
                        "-f", str(Path(ctx, "Dockerfile")), "-t", ref, ctx, store=store)
            image_id = _image_id(ref, store)
            assert image_id, "base image built but not found"
            Path(ARCHIVE_DIR).mkdir(parents=True, exist_ok=True)
            tmp = archive.with_suffix(f".{os.getpid()}.tmp")
            buildah("push", "--quiet", image_id, f"oci-archive:{tmp}:{ref}", store=store)
            os.replace(tmp, archive)
    _base_cache[key] = image_id
    return image_id


def ensure_base_images(names: Iterable[str] | None = None, *, store: Store = DEFAULT_STORE) -> str:
    """Build (once; cached by the stand-ins' content hash) the base image and tag it
    under every name in ``names`` (default: BASE_IMAGE_NAMES). Returns its image id.
    Tagging happens once per name and session, in a single buildah call."""
    image_id = _build_base(store)
    wanted = list(BASE_IMAGE_NAMES if names is None else names)
    done = _tagged.setdefault(store.root + "@" + image_id, set())
    todo = [q for n in wanted if n not in done for q in _qualified(n)]
    if todo:
        buildah("tag", image_id, *todo, store=store)
        done.update(wanted)
    return image_id


# --------------------------------------------------------------------------
# Docker's engine (started by .ci/start-docker)

DOCKER_SOCKET = "/var/tmp/dockeropt-docker/docker.sock"
_docker_status: str | None = None
_docker_tagged: set[tuple[str, str]] = set()


def docker_env() -> dict[str, str]:
    """DOCKER_HOST as given, else the socket of .ci/start-docker's engine."""
    return {"DOCKER_HOST": os.environ.get("DOCKER_HOST") or f"unix://{DOCKER_SOCKET}"}


def docker_builder() -> verify.Docker:
    return verify.Docker(env=docker_env())


def require_docker() -> verify.Docker:
    """verify's Docker builder; skips (under CI=true: fails) when the engine does not answer."""
    global _docker_status
    if _docker_status is None:
        _docker_status = docker_builder().available() or ""
        if not _docker_status and not os.path.exists(BUSYBOX):
            _docker_status = f"{BUSYBOX} missing (apt-get install busybox-static)"
    if _docker_status:
        from needs import unavailable

        unavailable(f"{_docker_status} (start one with .ci/start-docker)")
    return docker_builder()


def ensure_docker_base_images(names: Iterable[str] | None = None) -> str:
    """The base image in Docker's engine, built from the same tarball as buildah's, tagged
    under every name in ``names`` (default BASE_IMAGE_NAMES). Returns its image id."""
    docker = docker_builder()
    ref = f"dockeropt-base:{base_hash()}"
    if not docker.has_image(ref):
        with tempfile.TemporaryDirectory(prefix="dockeropt-base-") as ctx:
            Path(ctx, "base.tar").write_bytes(base_tarball())
            docker.build(ctx, _base_dockerfile(), ref, side="the base image")
    image_id = docker.run("image", "inspect", "--format", "{{.Id}}", ref).stdout.strip()
    for name in BASE_IMAGE_NAMES if names is None else names:
        if (image_id, name) not in _docker_tagged:
            docker.run("tag", image_id, name)
            _docker_tagged.add((image_id, name))
    return image_id


# --------------------------------------------------------------------------
# Building


@dataclass
class Image:
    tag: str
    id: str
    log: str
    steps: list[Step]
    store: Store = DEFAULT_STORE
    build_seconds: float = 0.0
    _inspect: dict | None = field(default=None, repr=False)
    _rootfs: dict | None = field(default=None, repr=False)

    # -- build facts
    @property
    def cache_hits(self) -> list[Step]:
        return [s for s in self.steps if s.cached]

    @property
    def rerun(self) -> list[Step]:
        """Steps that executed (not FROM, not a cache hit)."""
        return [s for s in self.steps if not s.cached and s.keyword != "FROM"]

    # -- image facts
    def inspect(self) -> dict:
        if self._inspect is None:
            out = buildah("inspect", "--type", "image", self.id, store=self.store).stdout
            self._inspect = json.loads(out[out.index("{"):])
        return self._inspect

    @property
    def diff_ids(self) -> list[str]:
        data = self.inspect()
        doc = data.get("Docker") or {}
        ids = (doc.get("rootfs") or {}).get("diff_ids")
        if ids is None:
            ids = ((data.get("OCIv1") or {}).get("rootfs") or {}).get("diff_ids") or []
        return list(ids)

    @property
    def layers(self) -> int:
        """Number of filesystem layers (base image's included: the harness base has 1)."""
        return len(self.diff_ids)

    @property
    def history(self) -> list[dict]:
        data = self.inspect()
        return list((data.get("Docker") or {}).get("history") or (data.get("OCIv1") or {}).get("history") or [])

    @property
    def layer_sizes(self) -> list[int]:
        """Uncompressed size (tar stream bytes) of each layer, bottom first."""
        sizes = _layer_sizes_from_storage(self.store)
        missing = [d for d in self.diff_ids if d not in sizes]
        if missing:
            sizes.update(_layer_sizes_by_push(self.id, self.store))
        return [sizes[d] for d in self.diff_ids]

    @property
    def size_bytes(self) -> int:
        """Sum of the layers' uncompressed sizes (what the image costs to store/pull,
        files deleted in a later layer still count)."""
        return sum(self.layer_sizes)

    @property
    def rootfs_bytes(self) -> int:
        """Bytes of regular files visible in the final filesystem."""
        return sum(e.size for e in self.rootfs().values() if e.kind == "file")

    def rootfs(self) -> dict[str, "Entry"]:
        """path -> Entry(mode, uid, gid, kind, digest, size) of the image's filesystem."""
        if self._rootfs is None:
            self._rootfs = read_rootfs(self.id, self.store)
        return self._rootfs

    def config(self) -> dict:
        return normalize_config(self.inspect())

    def file_text(self, path: str) -> str:
        """Text of one file in the image (read from a temporary mount)."""
        with mounted(self.id, self.store) as mnt:
            return Path(mnt, path.lstrip("/")).read_text()


def _layer_sizes_from_storage(store: Store) -> dict[str, int]:
    try:
        with open(Path(store.root, "vfs-layers", "layers.json")) as f:
            layers = json.load(f)
    except (OSError, ValueError):
        return {}
    return {l["diff-digest"]: int(l.get("diff-size", 0)) for l in layers if l.get("diff-digest")}


def _layer_sizes_by_push(image_id: str, store: Store) -> dict[str, int]:
    with tempfile.TemporaryDirectory(prefix="dockeropt-push-", dir="/var/tmp") as d:
        buildah("push", "--quiet", "--disable-compression", image_id, f"dir:{d}/img", store=store)
        manifest = json.loads(Path(d, "img", "manifest.json").read_text())
        out = {}
        for layer in manifest.get("layers", []):
            digest = layer["digest"]
            out[digest] = Path(d, "img", digest.split(":", 1)[1]).stat().st_size
        return out


def builder(store: Store = DEFAULT_STORE) -> verify.Buildah:
    """``dockeropt verify``'s buildah on the harness's store: the suite builds as users do."""
    return verify.Buildah(options=store.args(), env=_env())


# Messages of the container runtime failing to start a step's process, before the command of
# the step runs (seen once in 3,400 tests: "Close_Fd sealing memfd copy: Device or resource
# busy", the runtime's sealed copy of itself racing another process). A build that fails so
# is built once more; any other failure, or the same one twice, fails the test.
RUNTIME_FLAKES = ("sealing memfd copy: Device or resource busy",)


def build(context_dir: str | os.PathLike, dockerfile_text: str, tag: str, *,
          build_args: dict[str, str] | None = None, target: str | None = None,
          extra_args: Iterable[str] = (), store: Store = DEFAULT_STORE, ensure_base: bool = True,
          timeout: float = 900) -> Image:
    """Build ``dockerfile_text`` with ``context_dir`` as context and tag it ``tag``.

    The Dockerfile is written outside the context (so ``COPY . .`` never sees it).
    Raises BuildError (with the whole log) when the build fails."""
    if ensure_base:
        ensure_base_images(store=store)
    args = [f"--build-arg={k}={v}" for k, v in (build_args or {}).items()]
    if target:
        args += ["--target", target]
    for attempt in (1, 2):
        try:
            built = builder(store).build(os.fspath(context_dir), dockerfile_text, tag, side=repr(tag),
                                         extra_args=[*args, *extra_args], timeout=timeout)
            break
        except verify.VerifyError as exc:
            if attempt == 1 and any(flake in (exc.log or "") for flake in RUNTIME_FLAKES):
                continue  # the runtime failed before the step's command ran: nothing of the file was tried
            raise BuildError(f"{exc.message} (context {context_dir})", exc.log) from None
    return Image(tag=tag, id=built.id, log=built.log, steps=built.steps, store=store, build_seconds=built.seconds)


# --------------------------------------------------------------------------
# Filesystem


class mounted:
    """Context manager: a working container of ``image`` mounted read-write; removed on exit."""

    def __init__(self, image: str, store: Store = DEFAULT_STORE):
        self.image, self.store, self.ctr = image, store, None

    def __enter__(self) -> str:
        name = f"dockeropt-inspect-{uuid.uuid4().hex[:12]}"
        buildah("from", "--pull=never", "--name", name, self.image, store=self.store)
        self.ctr = name
        return buildah("mount", name, store=self.store).stdout.strip().splitlines()[-1].strip()

    def __exit__(self, *exc) -> None:
        if self.ctr:
            buildah("umount", self.ctr, store=self.store, check=False)
            buildah("rm", self.ctr, store=self.store, check=False)


def read_rootfs(image: str, store: Store = DEFAULT_STORE) -> dict[str, Entry]:
    return builder(store).rootfs(image)


# --------------------------------------------------------------------------
# Config

def normalize_config(inspect_data: dict) -> dict:
    """The Dockerfile-visible part of a ``buildah inspect`` image config."""
    return verify.normalize_config((inspect_data.get("Docker") or {}).get("config")
                                   or (inspect_data.get("OCIv1") or {}).get("config"))


# --------------------------------------------------------------------------
# Cache behaviour after an edit


@dataclass
class Rebuild:
    first: Image
    second: Image

    @property
    def rerun(self) -> list[Step]:
        """Steps of the second build that executed (not cache hits, FROM excluded)."""
        return self.second.rerun

    @property
    def rerun_count(self) -> int:
        return len(self.rerun)

    @property
    def cache_hits(self) -> list[Step]:
        return self.second.cache_hits

    def rerun_instructions(self) -> list[str]:
        return [s.instruction for s in self.rerun]


class _PrivateStore:
    """A throw-away storage root holding only the base image (imported from its archive)."""

    def __enter__(self) -> Store:
        self.dir = tempfile.mkdtemp(prefix="dockeropt-store-", dir="/var/tmp")
        self.store = Store(root=os.path.join(self.dir, "root"), runroot=os.path.join(self.dir, "run"))
        try:
            ensure_base_images(store=DEFAULT_STORE)  # makes sure the archive exists
            ensure_base_images(store=self.store)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self.store

    def __exit__(self, *exc) -> None:
        buildah("rm", "--all", store=self.store, check=False)
        buildah("rmi", "--all", "--force", store=self.store, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
        for key in [k for k in _base_cache if k[0] == self.store]:
            del _base_cache[key]
        for key in [k for k in _tagged if k.startswith(self.store.root + "@")]:
            del _tagged[key]


def rebuild_after_edit(context_dir: str | os.PathLike, dockerfile_text: str, tag: str,
                       edit: Callable[[Path], object], *, isolated: bool = True, **build_kw) -> Rebuild:
    """Build, apply ``edit(Path(context_dir))``, build again; report what re-ran.

    With ``isolated`` (default) both builds use a fresh private storage root holding
    only the base image, so the first build is the only cache the second one can
    hit: images left by other tests or earlier sessions (which may already contain
    the *edited* state) cannot hide a re-run. Pass isolated=False to use the shared
    store (needed when FROM names an image another test built)."""
    context = Path(context_dir)
    if not isolated:
        first = build(context, dockerfile_text, tag, **build_kw)
        edit(context)
        second = build(context, dockerfile_text, tag, **build_kw)
        return Rebuild(first, second)
    with _PrivateStore() as store:
        first = build(context, dockerfile_text, tag, store=store, **build_kw)
        edit(context)
        second = build(context, dockerfile_text, tag, store=store, **build_kw)
        # Load everything callers may want before the store disappears.
        for img in (first, second):
            img.inspect()
            img.layer_sizes  # noqa: B018  (fills nothing, but fails early if unreadable)
        sizes = {img.id: img.layer_sizes for img in (first, second)}
        result = Rebuild(_detached(first, sizes[first.id]), _detached(second, sizes[second.id]))
    return result


class _DetachedImage(Image):
    """An Image whose store is gone: inspect data and sizes are frozen, rootfs unavailable."""

    _sizes: list[int] = []

    @property
    def layer_sizes(self) -> list[int]:
        return list(self._sizes)

    def rootfs(self):
        raise RuntimeError("image of an isolated rebuild: its store is deleted; build() it again to read files")


def _detached(img: Image, sizes: list[int]) -> Image:
    d = _DetachedImage(tag=img.tag, id=img.id, log=img.log, steps=img.steps, store=img.store,
                       build_seconds=img.build_seconds, _inspect=img.inspect())
    d._sizes = sizes
    return d


# --------------------------------------------------------------------------
# Reporting


def summary_row(name: str, before: Image, after: Image, rerun_before: Rebuild | int | None = None,
                rerun_after: Rebuild | int | None = None) -> dict:
    """A row for print_table comparing an original and an optimized build."""
    def count(x):
        return x.rerun_count if isinstance(x, Rebuild) else x

    return {"case": name, "layers before": before.layers, "layers after": after.layers,
            "bytes before": before.size_bytes, "bytes after": after.size_bytes,
            "re-run before": count(rerun_before), "re-run after": count(rerun_after)}


def print_table(rows: list[dict] | list[list], headers: list[str] | None = None, *, file=None) -> str:
    """Print rows (dicts, or lists with ``headers``) as an aligned text table; returns it."""
    rows = list(rows)
    if rows and isinstance(rows[0], dict):
        headers = headers or list(dict.fromkeys(k for r in rows for k in r))
        body = [["" if r.get(h) is None else r.get(h) for h in headers] for r in rows]
    else:
        body = [list(r) for r in rows]
        headers = headers or [f"col{i + 1}" for i in range(max((len(r) for r in body), default=0))]

    def fmt(v) -> str:
        if isinstance(v, int) and not isinstance(v, bool):
            return f"{v:,}"
        return str(v)

    cells = [[fmt(v) for v in r] for r in body]
    widths = [max([len(h)] + [len(r[i]) for r in cells if i < len(r)]) for i, h in enumerate(headers)]

    def line(vals, numeric_right=True) -> str:
        parts = []
        for i, v in enumerate(vals):
            right = numeric_right and v.replace(",", "").isdigit()
            parts.append(v.rjust(widths[i]) if right else v.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    text = "\n".join([line(headers, False), line(["-" * w for w in widths], False)]
                     + [line(r) for r in cells])
    print(text, file=file)
    return text


def cleanup_containers(store: Store = DEFAULT_STORE) -> None:
    """Remove working containers left in the harness's store (e.g. by a killed run)."""
    if os.path.isdir(store.root):
        buildah("rm", "--all", store=store, check=False)


# --------------------------------------------------------------------------
# The ``dockeropt verify`` command, as users run it


def _storage_conf(store: Store = DEFAULT_STORE) -> str:
    """A containers-storage configuration naming the harness's store, so that a buildah run
    without store flags (as ``dockeropt verify`` runs it) builds there."""
    Path(ARCHIVE_DIR).mkdir(parents=True, exist_ok=True)
    path = Path(ARCHIVE_DIR, f"storage-{hashlib.sha256(store.root.encode()).hexdigest()[:12]}.conf")
    text = f'[storage]\ndriver = "vfs"\ngraphroot = "{store.root}"\nrunroot = "{store.runroot}"\n'
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return str(path)


def run_verify(dockerfile: str | os.PathLike, builder_name: str, *args: str) -> tuple[int, str, str]:
    """``python -m dockeropt verify DOCKERFILE --builder NAME ARGS...`` in a new process, on
    the harness's buildah store or Docker engine: (exit status, stdout, stderr)."""
    import sys

    env = {**os.environ, **_env(), **docker_env(), "CONTAINERS_STORAGE_CONF": _storage_conf()}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(verify.__file__).parents[1]), env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-m", "dockeropt", "verify", os.fspath(dockerfile), "--builder", builder_name,
                           *args], capture_output=True, text=True, env=env, timeout=1800)
    return proc.returncode, proc.stdout, proc.stderr


def verify_json(dockerfile: str | os.PathLike, builder_name: str, *args: str) -> dict:
    """run_verify with ``--format json``: the report, with ``status`` checked against the exit."""
    status, out, err = run_verify(dockerfile, builder_name, "--format", "json", *args)
    assert out, err
    report = json.loads(out)
    assert report["status"] == status, (report, err)
    return report


def tag_standin(names: Iterable[str]) -> None:
    """Tag the stand-in base under ``names`` in buildah's default store and in Docker's engine
    (DOCKER_HOST, else .ci/start-docker's), where each is here: what the README's verify ran on."""
    ensure_base_images([])  # makes sure the archive exists
    names = list(names)
    if shutil.which("buildah"):
        archive = Path(ARCHIVE_DIR) / f"base-{base_hash()}.tar"
        out = subprocess.run(["buildah", "pull", "--quiet", f"oci-archive:{archive}"], capture_output=True,
                             text=True, check=True).stdout.split()
        subprocess.run(["buildah", "tag", out[-1], *names], check=True)
        print(f"buildah: {' '.join(names)} -> {out[-1][:12]}")
    if not docker_builder().available():
        print(f"docker: {' '.join(names)} -> {ensure_docker_base_images(names)[7:19]}")


if __name__ == "__main__":  # python3 tests/builds/harness.py standin node:22 ...
    import sys

    if sys.argv[1:2] != ["standin"] or len(sys.argv) < 3:
        sys.exit("usage: harness.py standin NAME...")
    tag_standin(sys.argv[2:])
