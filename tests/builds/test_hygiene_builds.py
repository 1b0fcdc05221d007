"""Real builds: the safe fixes of DO201-DO207 make images smaller and change nothing else.

Each Dockerfile is built as written and after ``dockeropt --fix`` with every hygiene
rule. The fixed image must be strictly smaller, its filesystem may differ only by the
removed caches, and its config not at all.
"""

from __future__ import annotations

import pytest

from dockeropt import engine
from dockeropt.transforms.apk_cache import ApkCache
from dockeropt.transforms.apt_flags import AptFlags
from dockeropt.transforms.apt_lists import AptLists
from dockeropt.transforms.base import Context
from dockeropt.transforms.cache_mounts import CacheMounts
from dockeropt.transforms.npm_cache import NpmCache
from dockeropt.transforms.pip_cache import PipCache
from dockeropt.transforms.rpm_cache import RpmCache

pytestmark = pytest.mark.builds

HYGIENE = (AptLists(), AptFlags(), ApkCache(), PipCache(), NpmCache(), RpmCache(), CacheMounts())

PACKAGE_JSON = '{"name": "app", "dependencies": {"express": "4", "lodash": "4.17"}}\n'

CASES = {
    "apt-get": (
        "FROM debian:bookworm\n"
        "RUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends curl ca-certificates\n"
        'CMD ["curl", "--version"]\n',
        {},
        ["/var/lib/apt/lists/*"],
        "&& rm -rf /var/lib/apt/lists/*",
    ),
    "apk": (
        "FROM alpine:3.20\n"
        "RUN apk update && apk add curl && rm -rf /var/cache/apk/*\n"
        "RUN apk add git\n",
        {},
        ["/var/cache/apk"],
        "RUN apk add --no-cache git",
    ),
    "pip": (
        "FROM python:3.12-slim\n"
        "WORKDIR /app\n"
        "COPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n"
        'CMD ["python", "-m", "flask", "run"]\n',
        {"requirements.txt": "flask==3.0\nrequests>=2\ngunicorn\n"},
        ["/root/.cache"],
        "pip install --no-cache-dir -r",
    ),
    "npm": (
        "FROM node:20-slim\n"
        "WORKDIR /app\n"
        "COPY package.json package-lock.json ./\n"
        "RUN npm ci --omit=dev\n"
        "ENV NODE_ENV=production\n",
        {"package.json": PACKAGE_JSON, "package-lock.json": "{}\n"},
        ["/root/.npm"],
        "npm ci --omit=dev && npm cache clean --force",
    ),
    "dnf": (
        "FROM fedora:40\n"
        "RUN dnf install -y httpd mod_ssl\n"
        'CMD ["httpd", "-DFOREGROUND"]\n',
        {},
        ["/var/cache/dnf/*"],
        "&& dnf clean all",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fixed_image_is_smaller_and_otherwise_the_same(bh, make_context, build_summary, case):
    dockerfile, files, caches, expected = CASES[case]
    context = make_context(files)
    result = engine.run(dockerfile, Context(build_context=context), HYGIENE, fix=True)
    assert result.reverted is None
    assert expected in result.output, result.output
    before = bh.build(context, dockerfile, f"hygiene-{case}-before")
    after = bh.build(context, result.output, f"hygiene-{case}-after")
    build_summary.append(bh.summary_row(f"hygiene {case}", before, after))
    assert after.size_bytes < before.size_bytes
    assert bh.diff_rootfs(before, after) != [], "the caches were there to remove"
    assert bh.diff_rootfs(before, after, ignore=caches) == []
    assert bh.diff_config(before, after) == []


# --- issue 10: fixes that compose, and what the base's tools can do --------------------------------

from dockeropt.transforms import ALL  # noqa: E402

#: Stand-in bases for old releases: the harness base, saying its release where the
#: stand-ins look (apk reads /etc/alpine-release, pip /etc/os-release).
OLD_BASES = {
    "alpine:3.2": "FROM alpine:3.20\nRUN echo 3.2.3 > /etc/alpine-release\n",
    "ubuntu:14.04": "FROM ubuntu:22.04\nRUN printf 'ID=ubuntu\\nVERSION_CODENAME=trusty\\n' > /etc/os-release\n",
}


def fix_everything(text: str, context) -> str:  # noqa: ANN001
    result = engine.run(text, Context(build_context=context), ALL, fix=True)
    assert result.reverted is None, result.reverted
    return result.output


@pytest.mark.parametrize(
    "base, dockerfile, naive, refusal",
    [
        pytest.param(
            "alpine:3.2",
            "FROM alpine:3.2\nRUN apk update\nRUN apk add curl\n",
            "FROM alpine:3.2\nRUN apk add --no-cache curl\n",
            "unrecognized option 'no-cache'",
            id="apk on alpine 3.2",
        ),
        pytest.param(
            "ubuntu:14.04",
            "FROM ubuntu:14.04\nRUN pip install --upgrade pip && pip install flask\n",
            "FROM ubuntu:14.04\nRUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir flask\n",
            "no such option: --no-cache-dir",
            id="distro pip on trusty",
        ),
    ],
)
def test_fix_leaves_options_the_base_lacks(bh, make_context, base, dockerfile, naive, refusal):
    """The stand-in tool rejects the option on the old base (so the naive fix fails to
    build); dockeropt's fix does not add it, and the fixed file builds."""
    context = make_context({})
    bh.build(context, OLD_BASES[base], base)
    with pytest.raises(bh.BuildError) as naive_build:
        bh.build(context, naive, f"hygiene-old-{base.replace(':', '-')}-naive")
    assert refusal in naive_build.value.log
    fixed = fix_everything(dockerfile, context)
    assert "--no-cache" not in fixed
    bh.build(context, dockerfile, f"hygiene-old-{base.replace(':', '-')}-before")
    bh.build(context, fixed, f"hygiene-old-{base.replace(':', '-')}-after")


@pytest.mark.parametrize(
    "dockerfile, expected",
    [
        pytest.param(
            "FROM alpine:3.20\nRUN apk update\nRUN apk add python3\n",
            "FROM alpine:3.20\nRUN apk add --no-cache python3\n",
            id="merge then apk add --no-cache",
        ),
        pytest.param(
            "FROM debian:bookworm\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n",
            "FROM debian:bookworm\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
            "    && apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n",
            id="merge then one list removal",
        ),
    ],
)
def test_composed_fixes_build_a_smaller_image(bh, make_context, build_summary, dockerfile, expected):
    context = make_context({})
    fixed = fix_everything(dockerfile, context)
    assert fixed == expected
    before = bh.build(context, dockerfile, "hygiene-composed-before")
    after = bh.build(context, fixed, "hygiene-composed-after")
    build_summary.append(bh.summary_row(f"composed {dockerfile.splitlines()[0]}", before, after))
    assert after.size_bytes <= before.size_bytes
    assert bh.diff_rootfs(before, after, ignore=["/var/cache/apk", "/var/cache/apk/*"]) == []
    assert bh.diff_config(before, after) == []


@pytest.mark.parametrize(
    "later",
    [
        "RUN eatmydata apt-get install -y --no-install-recommends git",
        "RUN sh -c 'apt-get install -y --no-install-recommends git'",
    ],
)
def test_lists_stay_for_a_later_reader(bh, make_context, later):
    """Removing the lists in the first RUN breaks the second (the stand-in apt-get cannot
    install without them); the fix does not remove them there."""
    head = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl"
    dockerfile = f"{head}\n{later}\n"
    context = make_context({})
    with pytest.raises(bh.BuildError) as naive:
        bh.build(context, f"{head} && rm -rf /var/lib/apt/lists/*\n{later}\n", "hygiene-readers-naive")
    assert "Unable to locate package git" in naive.value.log
    result = engine.run(dockerfile, Context(build_context=context), HYGIENE, fix=True)
    assert "rm -rf /var/lib/apt/lists" not in result.output
    bh.build(context, result.output, "hygiene-readers-after")


def test_onbuild_trigger_reads_the_lists_in_the_next_build(bh, make_context):
    parent = (
        "FROM debian:bookworm\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\n"
        "ONBUILD RUN apt-get install -y --no-install-recommends curl\n"
    )
    context = make_context({})
    child = "FROM localhost/hygiene-onbuild-parent:latest\nRUN true\n"
    naive = parent.replace("ca-certificates\n", "ca-certificates && rm -rf /var/lib/apt/lists/*\n")
    bh.build(context, naive, "localhost/hygiene-onbuild-parent:latest")
    with pytest.raises(bh.BuildError) as naive_child:
        bh.build(context, child, "hygiene-onbuild-child")
    assert "Unable to locate package curl" in naive_child.value.log
    fixed = fix_everything(parent, context)
    assert "rm -rf /var/lib/apt/lists" not in fixed
    bh.build(context, fixed, "localhost/hygiene-onbuild-parent:latest")
    bh.build(context, child, "hygiene-onbuild-child")
