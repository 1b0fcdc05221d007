"""Real builds behind the fixes of DO105 copy-deleted and DO106 copy-chmod: each applied
fix gives an image with the same files and config, and fewer bytes."""

from __future__ import annotations

import gzip
import io
import random
import re
import tarfile

import pytest

from dockeropt import engine
from dockeropt.transforms.base import Context
from dockeropt.transforms.copy_chmod import CopyChmod
from dockeropt.transforms.copy_deleted import CopyDeleted

pytestmark = pytest.mark.builds

BLOB = random.Random(12).randbytes(200_000)  # does not compress: its bytes show in the layers


def fix(text: str, transform, context_dir, unsafe: bool = True) -> str:
    result = engine.run(text, Context(build_context=context_dir), [transform], fix=True, unsafe=unsafe)
    assert result.reverted is None and result.changed
    return result.output


def archive(files: dict[str, bytes], uid: int = 0) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.uid, info.gid, info.mode = len(data), 1704067200, uid, uid, 0o755
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def same_but_smaller(bh, ctx, before: str, after: str, name: str, build_summary) -> tuple:
    tag = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    a = bh.build(ctx, before, f"{tag}-before")
    b = bh.build(ctx, after, f"{tag}-after")
    assert bh.diff_rootfs(a, b) == []  # paths, owners, modes, contents
    assert bh.diff_config(a, b) == []
    assert b.size_bytes < a.size_bytes
    build_summary.append(bh.summary_row(name, a, b))
    return a, b


def test_archive_extracted_by_add(bh, make_context, build_summary):
    ctx = make_context({"app.tar.gz": archive({"app/bin/run": b"#!/bin/sh\necho run\n", "app/data.bin": BLOB})})
    before = (
        "FROM debian:bookworm-slim\n"
        "COPY app.tar.gz /tmp/\n"
        "RUN mkdir -p /opt/app \\\n    && tar -xzf /tmp/app.tar.gz -C /opt/app \\\n    && rm /tmp/app.tar.gz\n"
        "CMD [\"/opt/app/app/bin/run\"]\n"
    )
    after = fix(before, CopyDeleted(), ctx, unsafe=False)  # safe: root-owned plain entries
    assert after == "FROM debian:bookworm-slim\nADD app.tar.gz /opt/app/\nCMD [\"/opt/app/app/bin/run\"]\n"
    a, b = same_but_smaller(bh, ctx, before, after, "DO105 ADD for tar", build_summary)
    assert a.size_bytes - b.size_bytes >= len(BLOB)  # the archive no longer ships
    assert b.rootfs()["/opt/app/app/bin/run"].mode & 0o777 == 0o755


def test_installer_from_a_bind_mount(bh, make_context, build_summary):
    ctx = make_context({"payload/install.sh": "#!/bin/sh\ncat /tmp/payload/data.bin | wc -c > /opt/size\n", "payload/data.bin": BLOB})
    before = (
        "# syntax=docker/dockerfile:1\n"
        "FROM debian:bookworm-slim\n"
        "COPY payload/ /tmp/payload/\n"
        "RUN sh /tmp/payload/install.sh && rm -rf /tmp/payload\n"
    )
    after = fix(before, CopyDeleted(), ctx)
    assert after == (
        "# syntax=docker/dockerfile:1\n"
        "FROM debian:bookworm-slim\n"
        "RUN --mount=type=bind,source=payload,target=/tmp/payload,rw sh /tmp/payload/install.sh\n"
    )
    a = bh.build(ctx, before, "do105-bind-mount-before")
    b = bh.build(ctx, after, "do105-bind-mount-after")
    # the one difference allowed, why the fix is unsafe: the mount point may stay, empty, where rm
    # took the folder (buildah leaves it or not from one store to another; BuildKit leaves it)
    assert bh.diff_rootfs(a, b) in ([], ["added: /tmp/payload (dir 0755 0:0)"])
    assert bh.diff_config(a, b) == []
    build_summary.append(bh.summary_row("DO105 bind mount", a, b))
    assert b.file_text("/opt/size").strip() == str(len(BLOB))
    assert a.size_bytes - b.size_bytes >= len(BLOB)


def test_file_moved_into_place(bh, make_context, build_summary):
    ctx = make_context({"tool": (b"#!/bin/sh\necho 1.0\n" + b"#" * 50_000 + b"\n", 0o755)})
    before = "FROM debian:bookworm-slim\nCOPY tool /tmp/\nRUN mv /tmp/tool /usr/local/bin/tool && tool\n"
    after = fix(before, CopyDeleted(), ctx)
    assert after == "FROM debian:bookworm-slim\nCOPY tool /usr/local/bin/tool\nRUN tool\n"
    a, b = same_but_smaller(bh, ctx, before, after, "DO105 COPY to the mv target", build_summary)
    assert a.size_bytes - b.size_bytes >= 50_000


def test_copy_only_deleted_goes(bh, make_context, build_summary):
    ctx = make_context({"big.bin": BLOB})
    before = "FROM debian:bookworm-slim\nCOPY big.bin /tmp/\nRUN rm /tmp/big.bin\nCMD [\"sh\"]\n"
    after = fix(before, CopyDeleted(), ctx)
    assert after == "FROM debian:bookworm-slim\nCMD [\"sh\"]\n"
    a, b = same_but_smaller(bh, ctx, before, after, "DO105 COPY and rm dropped", build_summary)
    assert a.size_bytes - b.size_bytes >= len(BLOB)


@pytest.mark.parametrize(
    ("header", "mode", "expression", "octal", "unsafe"),
    [
        pytest.param("", 0o644, "+x", "755", True, id="symbolic from the context's mode"),
        pytest.param("", 0o640, "u+x,g-r,o+r", "704", True, id="clauses"),
        pytest.param("", 0o444, "+w", "644", True, id="no who: the RUN's umask 022 keeps w from group and others"),
        pytest.param("# syntax=docker/dockerfile:1.2\n", 0o600, "0750", "750", False, id="octal, declared syntax: safe"),
    ],
)
def test_copy_chmod_writes_the_mode_once(bh, make_context, build_summary, header, mode, expression, octal, unsafe):
    ctx = make_context({"run.sh": ("#!/bin/sh\necho hi\n" + "#" * 40_000 + "\n", mode)})
    before = f"{header}FROM debian:bookworm-slim\nCOPY run.sh /usr/local/bin/\nRUN chmod {expression} /usr/local/bin/run.sh\n"
    after = fix(before, CopyChmod(), ctx, unsafe=unsafe)
    assert after == f"{header}FROM debian:bookworm-slim\nCOPY --chmod={octal} run.sh /usr/local/bin/\n"
    a, b = same_but_smaller(bh, ctx, before, after, f"DO106 chmod {expression}", build_summary)
    assert b.rootfs()["/usr/local/bin/run.sh"].mode & 0o7777 == int(octal, 8)
    assert a.size_bytes - b.size_bytes >= 40_000


def test_the_context_mode_decides_the_fix(make_context):
    """The same ``chmod +x`` gives 0755 from a 0644 file and 0775 from a 0664 one."""
    modes = []
    for mode in (0o644, 0o664):
        ctx = make_context({"run.sh": ("#!/bin/sh\n", mode)})
        text = "FROM debian:bookworm-slim\nCOPY run.sh /run.sh\nRUN chmod +x /run.sh\n"
        modes.append(fix(text, CopyChmod(), ctx).splitlines()[1])
    assert modes == ["COPY --chmod=755 run.sh /run.sh", "COPY --chmod=775 run.sh /run.sh"]


def test_why_an_archive_of_other_owners_is_a_suggestion(bh, make_context):
    """tar run by root maps the entries' owner names through the image's passwd; ADD keeps
    the numbers. The base's passwd has www-data as 33."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("app/a")
        info.size, info.uid, info.gid, info.uname, info.gname, info.mtime = 2, 1000, 1000, "www-data", "www-data", 1704067200
        tar.addfile(info, io.BytesIO(b"x\n"))
    ctx = make_context({"app.tar.gz": gzip.compress(buf.getvalue(), mtime=0)})
    before = "FROM debian:bookworm-slim\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz\n"
    [found] = engine.run(before, Context(build_context=ctx), [CopyDeleted()]).findings
    assert found.fix.applicability.value == "suggestion"
    a = bh.build(ctx, before, "do105-owners-tar")
    b = bh.build(ctx, engine.apply(before, [found.fix]), "do105-owners-add")
    assert bh.diff_rootfs(a, b) == ["/opt/app/a: owner 33:33 -> 1000:1000"]


def test_why_chmod_of_a_folder_is_a_suggestion(bh, make_context):
    """chmod -R also sets the destination folder; COPY --chmod leaves it as COPY makes it."""
    ctx = make_context({"bin/a": "a\n", "bin/b": "b\n"})
    before = "FROM debian:bookworm-slim\nCOPY bin/ /opt/bin/\nRUN chmod -R 700 /opt/bin\n"
    [found] = engine.run(before, Context(build_context=ctx), [CopyChmod()]).findings
    assert found.fix.applicability.value == "suggestion"
    a = bh.build(ctx, before, "do106-folder-chmod")
    b = bh.build(ctx, engine.apply(before, [found.fix]), "do106-folder-copy-chmod")
    assert bh.diff_rootfs(a, b) == ["/opt/bin: mode 0700 -> 0755"]
