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
