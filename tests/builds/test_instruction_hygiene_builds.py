"""Real builds behind the tiers of DO211 copy-chown, DO212 add-to-copy, DO214 exec-form and
DO215 maintainer: what the fixes change in an image, and what a naive fix would change."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from dockeropt import engine
from dockeropt.transforms.add_to_copy import AddToCopy
from dockeropt.transforms.base import Context
from dockeropt.transforms.copy_chown import CopyChown
from dockeropt.transforms.exec_form import CmdExecForm
from dockeropt.transforms.maintainer import MaintainerLabel

pytestmark = pytest.mark.builds

SOURCES = {"src/app.js": "x" * 40_000 + "\n", "src/lib/util.js": "y" * 20_000 + "\n", "one.txt": "one\n"}


def fix(text: str, transform, context_dir=None, unsafe: bool = True) -> str:
    result = engine.run(text, Context(build_context=context_dir), [transform], fix=True, unsafe=unsafe)
    assert result.reverted is None and result.changed
    return result.output


def tar_gz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1704067200
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def test_copy_chown_keeps_the_image_and_drops_the_copy(bh, make_context, build_summary):
    ctx = make_context(SOURCES)
    before = "FROM busybox\nCOPY src/ /app/\nRUN chown -R node:node /app\nCMD [\"sh\"]\n"
    after = fix(before, CopyChown())
    assert after == "FROM busybox\nCOPY --chown=node:node src/ /app/\nCMD [\"sh\"]\n"
    a = bh.build(ctx, before, "do211-before")
    b = bh.build(ctx, after, "do211-after")
    assert bh.diff_rootfs(a, b) == []  # owners and modes included
    assert bh.diff_config(a, b) == []
    assert b.rootfs()["/app/lib/util.js"].uid == 1000
    assert b.layers == a.layers - 1
    # the chown layer held every copied byte a second time
    assert a.size_bytes - b.size_bytes >= 60_000
    build_summary.append(bh.summary_row("DO211 COPY --chown", a, b))


def test_naive_copy_chown_changes_owners_the_rule_keeps(bh, make_context):
    """Two traps: files already under the destination, and folders COPY creates on the way."""
    ctx = make_context(SOURCES)
    before = (
        "FROM busybox\n"
        "COPY one.txt /app/\n"
        "RUN echo generated > /app/generated\n"
        "COPY src/ /app/\n"
        "RUN chown -R node:node /app\n"
        "COPY one.txt /x/y/z/\n"
        "RUN chown -R node:node /x/y/z\n"
    )
    naive = (
        "FROM busybox\n"
        "COPY one.txt /app/\n"
        "RUN echo generated > /app/generated\n"
        "COPY --chown=node:node src/ /app/\n"
        "COPY --chown=node:node one.txt /x/y/z/\n"
    )
    a = bh.build(ctx, before, "do211-trap-before")
    b = bh.build(ctx, naive, "do211-trap-naive")
    assert bh.diff_rootfs(a, b) == [
        "/app: owner 1000:1000 -> 0:0",  # it existed: COPY --chown leaves it alone
        "/app/generated: owner 1000:1000 -> 0:0",
        "/app/one.txt: owner 1000:1000 -> 0:0",
        "/x: owner 0:0 -> 1000:1000",
        "/x/y: owner 0:0 -> 1000:1000",
    ]
    findings = engine.run(before, Context(build_context=ctx), [CopyChown()]).findings
    # the first chown gets no fix (line 2 wrote under /app); the second only an unsafe one
    assert [f.fix.applicability.value if f.fix else "-" for f in findings] == ["-", "unsafe"]


def test_add_of_local_files_is_copy(bh, make_context):
    ctx = make_context(SOURCES)
    before = "FROM busybox\nADD src/ /app/\nADD one.txt /etc/one\n"
    after = fix(before, AddToCopy(), ctx, unsafe=False)  # safe: the context shows no archive
    assert after == "FROM busybox\nCOPY src/ /app/\nCOPY one.txt /etc/one\n"
    a = bh.build(ctx, before, "do212-before")
    b = bh.build(ctx, after, "do212-after")
    assert bh.diff_rootfs(a, b) == []
    assert bh.diff_config(a, b) == []


def test_add_of_a_tarball_must_stay(bh, make_context):
    # the second one is a tarball under a harmless name: ADD decides by content
    tarball = tar_gz({"inner.txt": b"inner\n"})
    ctx = make_context({"vendor.tar.gz": tarball, "notes.txt": tarball})
    before = "FROM busybox\nADD vendor.tar.gz /opt/\nADD notes.txt /srv/\n"
    naive = "FROM busybox\nCOPY vendor.tar.gz /opt/\nCOPY notes.txt /srv/\n"
    assert engine.run(before, Context(build_context=ctx), [AddToCopy()]).findings == []
    a = bh.build(ctx, before, "do212-tar-before")
    b = bh.build(ctx, naive, "do212-tar-naive")
    assert sorted(line.split(" (")[0] for line in bh.diff_rootfs(a, b)) == [
        "added: /opt/vendor.tar.gz",
        "added: /srv/notes.txt",
        "removed: /opt/inner.txt",
        "removed: /srv/inner.txt",
    ]


def test_exec_form_changes_the_config_by_design(bh, make_context):
    ctx = make_context({})
    before = "FROM busybox\nCMD httpd -f -p 8080\n"
    after = fix(before, CmdExecForm())
    a = bh.build(ctx, before, "do214-before")
    b = bh.build(ctx, after, "do214-after")
    assert bh.diff_rootfs(a, b) == []
    assert bh.diff_config(a, b) == [
        'Cmd: ["/bin/sh", "-c", "httpd -f -p 8080"] -> ["httpd", "-f", "-p", "8080"]'
    ]


@pytest.mark.parametrize(
    "header, maintainer",
    [
        pytest.param("", 'MAINTAINER "Jane $Doe" \\ <jane@example.com>', id="backslash"),
        pytest.param("", """MAINTAINER O'Brien "$X" a\\b""", id="single quote"),
        pytest.param("# escape=`\n", 'MAINTAINER Jo `"Ops`" "$Team" \\', id="backtick"),
    ],
)
def test_maintainer_label_holds_the_author_text(bh, make_context, header, maintainer):
    ctx = make_context({})
    before = f"{header}FROM busybox\n{maintainer}\n"
    after = fix(before, MaintainerLabel())
    a = bh.build(ctx, before, "do215-before")
    b = bh.build(ctx, after, "do215-after")
    author = a.inspect()["Docker"]["author"]
    assert author == maintainer.split(" ", 1)[1]
    assert bh.diff_config(a, b) == [f"Labels: added org.opencontainers.image.authors={author}"]
    assert not b.inspect()["Docker"].get("author")
