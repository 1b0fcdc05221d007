"""``dockeropt verify`` without a builder: log parsing, image comparison, the report, and the
errors that need no build. The real builds are in tests/builds/test_verify_builds.py."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile

import pytest

from dockeropt import verify
from dockeropt.verify import Entry

BUILDKIT_LOG = """\
#1 [internal] load build definition from Dockerfile
#1 DONE 0.0s

#4 [build 1/3] FROM docker.io/library/golang:1.22
#4 DONE 0.0s

#5 [build 2/3] COPY go.mod .
#5 CACHED

#7 [stage-1 1/2] FROM docker.io/library/alpine:3.19
#6 [build 3/3] RUN go build -o /out/app .
#6 0.512 compiling
#6 DONE 1.2s

#8 [stage-1 2/2] COPY --from=build /out/app /app
#8 DONE 0.1s
"""

BUILDAH_LOG = """\
[1/2] STEP 1/3: FROM golang:1.22 AS build
[1/2] STEP 2/3: COPY go.mod .
--> Using cache 0123abcd
--> 0123abcd
[1/2] STEP 3/3: RUN go build -o /out/app .
--> 4567ef01
[2/2] STEP 1/2: FROM alpine:3.19
[2/2] STEP 2/2: COPY --from=build /out/app /app
--> 89ab
"""


@pytest.mark.parametrize("log, parse", [(BUILDKIT_LOG, verify.parse_buildkit_steps), (BUILDAH_LOG, verify.parse_steps)],
                         ids=["buildkit", "buildah"])
def test_steps_and_cache_hits_of_a_two_stage_build(log, parse):
    steps = parse(log)
    assert [(s.stage, s.index, s.keyword, s.cached) for s in steps] == [
        (1, 1, "FROM", False), (1, 2, "COPY", True), (1, 3, "RUN", False), (2, 1, "FROM", False), (2, 2, "COPY", False)]
    assert steps[2].instruction == "RUN go build -o /out/app ."


def _tar(members: list[tuple[str, str, dict]]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, kind, extra in members:
            ti = tarfile.TarInfo(name)
            ti.mode, ti.uid, ti.gid = extra.get("mode", 0o644), extra.get("uid", 0), extra.get("gid", 0)
            data = extra.get("data", b"")
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
            elif kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, extra["target"]
            elif kind == "hardlink":
                ti.type, ti.linkname = tarfile.LNKTYPE, extra["target"]
            else:
                ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data) if kind == "file" else None)
    buf.seek(0)
    return buf


def test_tar_tree_reads_what_docker_export_writes():
    tree = verify.tar_tree(_tar([
        ("./", "dir", {"mode": 0o755}),
        ("app/", "dir", {"mode": 0o750, "uid": 1000, "gid": 1000}),
        ("app/run.sh", "file", {"mode": 0o4755, "data": b"#!/bin/sh\n"}),
        ("app/again.sh", "hardlink", {"target": "app/run.sh"}),
        ("bin/sh", "symlink", {"target": "/bin/busybox", "mode": 0o777}),
    ]))
    assert sorted(tree) == ["/app", "/app/again.sh", "/app/run.sh", "/bin/sh"]
    assert tree["/app"] == Entry(0o750, 1000, 1000, "dir", None)
    assert tree["/app/run.sh"].describe() == "file 4755 0:0" and tree["/app/run.sh"].size == 10
    assert tree["/app/again.sh"].digest == tree["/app/run.sh"].digest
    assert tree["/bin/sh"] == Entry(0o777, 0, 0, "symlink", "/bin/busybox")


def test_walk_tree_and_tar_tree_agree(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"data")
    os.chmod(tmp_path / "d" / "f", 0o600)
    os.symlink("f", tmp_path / "d" / "l")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(tmp_path / "d", arcname="d")
    buf.seek(0)
    assert verify.tar_tree(buf) == verify.walk_tree(str(tmp_path))


F = Entry(0o644, 0, 0, "file", "h1", 3)
D = Entry(0o755, 0, 0, "dir", None)


class FakeImage:
    def __init__(self, tree: dict, config: dict | None = None) -> None:
        self.tree, self._config = tree, verify.normalize_config(config or {"Cmd": ["sh"]})

    def rootfs(self) -> dict:
        return self.tree

    def config(self) -> dict:
        return self._config


def test_removed_caches_are_not_differences_but_other_changes_are():
    before = FakeImage({"/app": D, "/app/x": F, "/var/lib/apt/lists": D, "/var/lib/apt/lists/a_Packages": F,
                        "/root/.npm": D, "/root/.npm/_cacache": D, "/etc/motd": F})
    after = FakeImage({"/app": D, "/app/x": F._replace(mode=0o600), "/var/lib/apt/lists": D,
                       "/etc/motd": F._replace(digest="h2", size=5), "/root/.cache/new": F})
    c = verify.compare(before, after)
    assert c.rootfs == ["/app/x: mode 0644 -> 0600", "/etc/motd: content differs (3 -> 5 bytes)",
                        "added: /root/.cache/new (file 0644 0:0)"]
    assert {p: [x for x, _ in e] for p, e in c.caches.items()} == {
        "/var/lib/apt/lists/*": ["/var/lib/apt/lists/a_Packages"], "/root/.npm": ["/root/.npm", "/root/.npm/_cacache"]}
    assert not c.same


def test_a_removed_cache_folder_itself_is_a_difference_when_not_a_cache():
    # the lists folder is the base image's: only what is inside it is cache
    c = verify.compare(FakeImage({"/var/lib/apt/lists": D}), FakeImage({}))
    assert c.rootfs == ["removed: /var/lib/apt/lists (dir 0755 0:0)"] and not c.caches


def test_config_differences_one_line_each():
    a = verify.normalize_config({"Env": ["A=1", "B=2"], "Labels": {"io.buildah.version": "1.28", "x": "1"},
                                 "Cmd": ["sh"], "ExposedPorts": {}})
    b = verify.normalize_config({"Env": ["B=2", "A=1"], "Labels": {"x": "2"}, "Entrypoint": ["/e"], "Cmd": ["sh"]})
    assert verify.diff_config(a, b) == ["Env: order ['A', 'B'] -> ['B', 'A']", 'Entrypoint: null -> ["/e"]',
                                        "Labels: x=1 -> x=2"]
    assert verify.diff_config(a, a) == []


@pytest.mark.parametrize("created_by, instruction", [
    ("RUN /bin/sh -c apt-get update # buildkit", "RUN apt-get update"),
    ("COPY . . # buildkit", "COPY . ."),
    ("/bin/sh -c #(nop) ENV A=1", "ENV A=1"),
    ("/bin/sh -c npm ci", "RUN npm ci"),
    ("|2 A=1 B=2 /bin/sh -c make", "RUN make"),
])
def test_history_entries_read_as_instructions(created_by, instruction):
    assert verify._history_instruction(created_by) == instruction


def test_base_images_skip_stages_and_scratch_and_expand_args():
    text = ("ARG V=22\nFROM node:${V} AS build\nFROM build AS test\nFROM scratch\nFROM alpine:3.20\n"
            "FROM $UNKNOWN\nCOPY --from=build / /\n")
    assert verify.base_images(text) == ["node:22", "alpine:3.20"]


class NoBuilder(verify.Builder):
    """A builder that has only ``images``, and fails the test if asked to build."""

    name = "fake"

    def __init__(self, images=()) -> None:  # noqa: ANN001
        self.images = set(images)

    def has_image(self, ref: str) -> bool:
        return ref in self.images

    def build(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise AssertionError("no build expected")


def test_a_file_that_fix_leaves_alone_needs_no_build(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine:3.20\nRUN echo hi\n")
    report = verify.verify(str(path), NoBuilder())
    assert report.status == 0 and report.before is None
    assert "note: --fix changes nothing in this file: there is nothing to verify\n" in verify.format_text(report)


def test_a_missing_base_image_is_an_error_not_a_pull(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine:3.20 AS a\nRUN echo 1 > /a\nFROM node:22\nCOPY --from=a /a /\nRUN echo 1\nRUN echo 2\n")
    report = verify.verify(str(path), NoBuilder({"alpine:3.20"}))
    assert report.status == 2
    assert verify.format_error(report) == (
        "dockeropt verify: fake does not have node:22: verify pulls nothing; pull or build the base images first\n")


def test_bad_input_is_located_exit_2(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine\nRUN <<EOF\necho\n")
    report = verify.verify(str(path), NoBuilder())
    assert report.status == 2 and report.error.startswith(f"{path}:")
    report = verify.verify(str(tmp_path / "missing"), NoBuilder())
    assert report.error == f"{tmp_path / 'missing'}:1:1: cannot read: No such file or directory"


def test_changed_must_be_a_file_of_the_context(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo 1\nRUN echo 2\n")
    report = verify.verify(str(tmp_path / "Dockerfile"), NoBuilder({"alpine"}), changed="/etc/hostname")
    assert report.status == 2 and report.error.startswith("--changed /etc/hostname: not a file of the build context")


def test_the_syntax_directive_is_dropped_only_when_its_frontend_is_missing():
    text = "# syntax=docker/dockerfile:1\n# escape=`\nFROM alpine\n"

    class Engine(verify.Docker):
        def __init__(self, images) -> None:  # noqa: ANN001
            self.images = images

        def has_image(self, ref: str) -> bool:
            return ref in self.images

    prepared, notes = Engine(set()).prepare(text)
    assert prepared == "# escape=`\nFROM alpine\n" and "docker/dockerfile:1" in notes[0]
    assert Engine({"docker/dockerfile:1"}).prepare(text) == (text, [])


def _cli(*args: str, path: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": path, "PYTHONPATH": os.path.dirname(os.path.dirname(verify.__file__))}
    env.pop("DOCKER_HOST", None)
    return subprocess.run([sys.executable, "-m", "dockeropt", "verify", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("builder, says", [
    ("buildah", "buildah is not installed (Debian: apt-get install buildah)"),
    ("docker", "docker is not installed (Debian: apt-get install docker.io)"),
    ("podman", "podman is not installed (Debian: apt-get install podman)"),
])
def test_a_missing_builder_is_a_clear_error(tmp_path, builder, says):
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo 1\nRUN echo 2\n")
    proc = _cli(str(tmp_path), "--builder", builder, path=str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr == f"dockeropt verify: no builder: {says}\n"


def test_no_builder_at_all_names_each_one(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    proc = _cli(str(tmp_path / "Dockerfile"), "--format", "json", path=str(tmp_path))
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert report["status"] == 2 and report["error"].startswith("no builder found: docker is not installed")
    assert "podman" in report["error"] and "buildah" in report["error"]


def test_layers_are_named_by_the_final_stage_steps_as_written():
    Layer, Step = verify.Layer, verify.Step
    layers = [Layer("ADD base.tar /", 10, True), Layer("COPY dir:0aaed6e4 in /app", 5, False),
              Layer("RUN make", 3, False), Layer("COPY file:77aa in /etc/x", 1, False)]
    steps = [Step(1, 1, 2, "FROM golang AS build", False), Step(1, 2, 2, "COPY go.mod .", False),
             Step(2, 1, 5, "FROM alpine", False), Step(2, 2, 5, "COPY src/ /app", False),
             Step(2, 3, 5, "ENV A=1", False), Step(2, 4, 5, "RUN make", True), Step(2, 5, 5, "COPY x /etc/x", False)]
    assert [layer.instruction for layer in verify._as_written(layers, steps)] == [
        "ADD base.tar /", "COPY src/ /app", "RUN make", "COPY x /etc/x"]
