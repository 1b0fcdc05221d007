"""DO101 merge-run proven by real builds: the merged file builds the same image with fewer
layers, and where the rule refuses, a naive merge really would build a different image."""

from __future__ import annotations

import pytest

from dockeropt import engine
from dockeropt.cst import parse
from dockeropt.transforms.base import Context
from dockeropt.transforms.merge_run import MergeRun

pytestmark = pytest.mark.builds


def merge(text: str) -> str:
    result = engine.run(text, Context(), [MergeRun()], fix=True)
    assert result.reverted is None, result.reverted
    return result.output


def naive_merge(text: str) -> str:
    """Every adjacent pair of RUNs joined with `` && ``: what the rule must not do blindly."""
    out: list[str] = []
    previous_run = False
    for inst in parse(text).instructions:
        is_run = inst.name == "RUN"
        if is_run and previous_run:
            out[-1] = out[-1].rstrip("\n") + " && " + inst.command.text + "\n"
        else:
            out.append(inst.code)
        previous_run = is_run
    return "".join(out)


PROJECTS = {
    "apt-then-clean": (
        """\
FROM debian:bookworm-slim
RUN apt-get update
# curl for the health check
RUN apt-get install -y --no-install-recommends curl
RUN rm -rf /var/lib/apt/lists/*
COPY app.sh /usr/local/bin/app
CMD ["app"]
""",
        {"app.sh": ("#!/bin/sh\necho up\n", 0o755)},
    ),
    "python-service": (
        """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN python -m venv /opt/venv
RUN useradd -m -u 1001 app
COPY . .
USER app
CMD ["python", "main.py"]
""",
        {"requirements.txt": "flask==3.0\nrequests>=2\n", "main.py": "print('hi')\n"},
    ),
    "shell-constructs": (
        """\
FROM alpine:3.20
RUN mkdir -p /app/data
RUN test -f /app/data/seed || echo seed > /app/data/seed
RUN echo one > /app/a; echo two >> /app/a;
RUN (cd /app/data && ls > /app/listing)
RUN ls /app/data | wc -l > /app/count
""",
        {},
    ),
    "errexit-shell": (
        """\
FROM alpine:3.20
SHELL ["/bin/sh", "-ec"]
RUN mkdir /out
RUN ls /nope > /out/list 2>/dev/null || echo none > /out/list
RUN touch /out/done
""",
        {},
    ),
    "cd-then-absolute-paths": (
        """\
FROM alpine:3.20
RUN mkdir -p /src && cd /src && echo hi > built
RUN mkdir -p /opt/app && ln -s /src/built /opt/app/built
RUN cd /opt && ls > /opt/listing
""",
        {},
    ),
}


@pytest.mark.parametrize("name", PROJECTS)
def test_merged_image_is_the_same_with_fewer_layers(bh, make_context, build_summary, name):
    dockerfile, files = PROJECTS[name]
    fixed = merge(dockerfile)
    assert fixed != dockerfile
    context = make_context(files)
    before = bh.build(context, dockerfile, f"merge-run-{name}-before")
    after = bh.build(context, fixed, f"merge-run-{name}-after")
    assert bh.diff_rootfs(before, after) == []
    assert bh.diff_config(before, after) == []
    assert after.layers < before.layers
    build_summary.append(bh.summary_row(f"DO101 {name}", before, after))


def test_lists_deleted_in_the_same_layer_stop_costing_bytes(bh, make_context):
    dockerfile, files = PROJECTS["apt-then-clean"]
    context = make_context(files)
    before = bh.build(context, dockerfile, "merge-run-apt-size-before")
    after = bh.build(context, merge(dockerfile), "merge-run-apt-size-after")
    assert before.layers - after.layers == 2
    assert after.size_bytes < before.size_bytes - 2 * 16384  # the stand-in's two list files


TRAPS = {
    "cd": ("FROM alpine:3.20\nRUN mkdir -p /app && cd /app\nRUN pwd > /where\n", "/where"),
    "export": ('FROM alpine:3.20\nRUN export X=1\nRUN echo "x=$X" > /x\n', "/x"),
    "umask": ("FROM alpine:3.20\nRUN umask 077\nRUN touch /f\n", "/f"),
    "function": ("FROM alpine:3.20\nRUN ls() { echo shadowed; }\nRUN ls /etc/hostname > /listing\n", "/listing"),
    "cd-then-relative": ("FROM alpine:3.20\nRUN mkdir -p /app && cd /app\nRUN mkdir -p /opt && touch marker\n", "marker"),
    "shell-replaced": (
        "FROM alpine:3.20\n"
        "RUN printf '#!/bin/busybox sh\\necho new >> /ran-by-new-shell\\nexec /bin/busybox sh \"$@\"\\n' > /tmp/sh"
        " && chmod +x /tmp/sh && rm /bin/sh && mv /tmp/sh /bin/sh\n"
        "RUN touch /second\n",
        "/ran-by-new-shell",
    ),
}


@pytest.mark.parametrize("name", TRAPS)
def test_refused_merges_would_change_the_image(bh, make_context, name):
    dockerfile, path = TRAPS[name]
    assert merge(dockerfile) == dockerfile
    naive = naive_merge(dockerfile)
    assert naive.count("RUN") == 1
    context = make_context({})
    original = bh.build(context, dockerfile, f"merge-run-trap-{name}")
    merged = bh.build(context, naive, f"merge-run-trap-{name}-naive")
    differences = bh.diff_rootfs(original, merged)
    assert differences and all(path in d for d in differences), differences


def test_refused_set_e_merge_would_break_the_build(bh, make_context):
    dockerfile = "FROM alpine:3.20\nRUN set -e\nRUN false; touch /after-false\n"
    assert merge(dockerfile) == dockerfile
    context = make_context({})
    assert "/after-false" in bh.build(context, dockerfile, "merge-run-trap-set-e").rootfs()
    with pytest.raises(bh.BuildError):
        bh.build(context, naive_merge(dockerfile), "merge-run-trap-set-e-naive")
