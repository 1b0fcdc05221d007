"""Package-manager hygiene rules DO201-DO207: one rewrite each, the cases they must leave
alone, and all of them together on one file."""

from __future__ import annotations

import pytest

from dockeropt import engine
from dockeropt.cst import parse
from dockeropt.transforms.apk_cache import ApkCache
from dockeropt.transforms.apt_flags import AptFlags
from dockeropt.transforms.apt_lists import AptLists
from dockeropt.transforms.base import Applicability, Context
from dockeropt.transforms.cache_mounts import CacheMounts, mounts_supported
from dockeropt.transforms.npm_cache import NpmCache
from dockeropt.transforms.pip_cache import PipCache
from dockeropt.transforms.rpm_cache import RpmCache

HYGIENE = (AptLists(), AptFlags(), ApkCache(), PipCache(), NpmCache(), RpmCache(), CacheMounts())


def fixed(text: str, *, unsafe: bool = False) -> str:
    result = engine.run(text, Context(), HYGIENE, fix=True, unsafe=unsafe)
    assert result.reverted is None, result.reverted
    return result.output


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            "FROM d\nRUN apt-get update && apt-get install -y curl\n",
            "FROM d\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
            id="apt-get: lists removed, recommends dropped (unsafe)",
        ),
        pytest.param(
            "FROM d\nRUN apt install curl\n",
            "FROM d\nRUN apt-get install -y --no-install-recommends curl\n",
            id="apt becomes apt-get with -y (no update: no lists to remove)",
        ),
        pytest.param(
            "FROM a\nRUN apk update && apk add curl && rm -rf /var/cache/apk/*\n",
            "FROM a\nRUN apk add --no-cache curl\n",
            id="apk update, add, rm becomes apk add --no-cache",
        ),
        pytest.param(
            "FROM p\nRUN sudo -H pip3 install flask\n",
            "FROM p\nRUN sudo -H pip3 install --no-cache-dir flask\n",
            id="pip behind sudo",
        ),
        pytest.param(
            "FROM n\nRUN npm ci && yarn install\n",
            "FROM n\nRUN npm ci && npm cache clean --force && yarn install && yarn cache clean\n",
            id="npm and yarn caches both cleaned, each after its install (yarn unsafe without context)",
        ),
        pytest.param(
            "FROM f\nRUN dnf install httpd\n",
            "FROM f\nRUN dnf install -y httpd && dnf clean all\n",
            id="dnf: -y and clean all",
        ),
        pytest.param(
            "FROM d\nRUN apt-get update \\\n \\\n    && apt-get install -y curl\n",
            "FROM d\nRUN apt-get update \\\n \\\n    && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n",
            id="a blank continuation line inside the RUN",
        ),
    ],
)
def test_fixes(before: str, after: str) -> None:
    assert fixed(before, unsafe=True) == after


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "FROM d\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y --no-install-recommends x\n",
            id="a cache mount holds the apt lists",
        ),
        pytest.param(
            "FROM p\nENV PIP_NO_CACHE_DIR=off\nRUN pip install x\n",
            id="PIP_NO_CACHE_DIR with any value turns pip's cache off",
        ),
        pytest.param(
            "FROM p\nRUN export PIP_NO_CACHE_DIR=1 && pip install x\n",
            id="PIP_NO_CACHE_DIR exported in the RUN",
        ),
        pytest.param(
            "FROM a\nRUN --mount=type=cache,target=/etc/apk/cache apk add x\n",
            id="apk's package cache in a mount",
        ),
        pytest.param(
            "FROM n\nRUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci\n",
            id="npm's cache in a mount",
        ),
        pytest.param(
            "FROM f\nRUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y x\n",
            id="dnf5's cache in a mount",
        ),
        pytest.param(
            'FROM d\nRUN ["apt-get", "install", "curl"]\n',
            id="exec form is not read",
        ),
        pytest.param(
            "FROM d\nRUN apt-get update && apt-get install -y --no-install-recommends 'x\n",
            id="unreadable shell text",
        ),
        pytest.param(
            "FROM d AS base\nRUN apt-get update && apt-get install -y --no-install-recommends x\n"
            "FROM base\nRUN apt-get install -y --no-install-recommends y\n",
            id="a stage built FROM this one installs from its lists",
        ),
        pytest.param(
            "FROM p AS build\nRUN pip install x\nFROM p\nCOPY --from=build /root/.cache /root/.cache\n",
            id="another stage copies the pip cache out",
        ),
    ],
)
def test_leaves_alone(text: str) -> None:
    assert fixed(text, unsafe=True) == text


def test_finding_points_at_the_command_inside_the_run() -> None:
    text = "FROM p\nRUN echo hi \\\n    && pip install x\n"
    [finding] = engine.run(text, Context(), [PipCache()]).findings
    assert (finding.line, finding.column) == (3, 8)
    assert text[finding.start : finding.end] == "pip install x"


@pytest.mark.parametrize(
    "syntax, supported",
    [
        (None, True),
        ("docker/dockerfile:1", True),
        ("docker/dockerfile:1.2", True),
        ("docker/dockerfile:1.7-labs", True),
        ("docker/dockerfile:labs", True),
        ("docker.io/docker/dockerfile:1.4@sha256:" + "a" * 64, True),
        ("docker/dockerfile:1.0-experimental", True),
        ("docker/dockerfile:1.1", False),
        ("docker/dockerfile:1.0", False),
        ("docker/dockerfile@sha256:" + "a" * 64, False),
        ("example.com/frontend:1", False),
    ],
)
def test_cache_mount_frontends(syntax: str | None, supported: bool) -> None:
    text = (f"# syntax={syntax}\n" if syntax else "") + "FROM p\n"
    assert mounts_supported(parse(text)) is supported


def test_cache_mount_suggestion_takes_out_what_defeats_it() -> None:
    text = "FROM p\nRUN pip install --no-cache-dir x && npm ci && npm cache clean --force\n"
    findings = engine.run(text, Context(), [CacheMounts()]).findings
    assert [f.fix.applicability for f in findings] == [Applicability.SUGGESTION] * 2
    pip, npm = (engine.apply(text, [f.fix]) for f in findings)
    assert pip == "FROM p\nRUN --mount=type=cache,target=/root/.cache/pip pip install x && npm ci && npm cache clean --force\n"
    assert npm == "FROM p\nRUN --mount=type=cache,target=/root/.npm pip install --no-cache-dir x && npm ci\n"


def test_applied_suggestion_is_left_alone_by_the_other_rules() -> None:
    """A cache mount the user took from DO207 is never cleaned nor disabled by DO204/DO205."""
    text = "FROM p\nRUN pip install x && npm ci\n"
    once = fixed(text)
    assert once == "FROM p\nRUN pip install --no-cache-dir x && npm ci && npm cache clean --force\n"
    suggestions = [f.fix for f in engine.run(once, Context(), HYGIENE).findings if f.code == "DO207"]
    mounted = engine.apply(once, suggestions[:1])
    mounted = engine.apply(mounted, [f.fix for f in engine.run(mounted, Context(), HYGIENE).findings if f.code == "DO207"])
    assert mounted == (
        "FROM p\nRUN --mount=type=cache,target=/root/.npm --mount=type=cache,target=/root/.cache/pip "
        "pip install x && npm ci\n"
    )
    assert fixed(mounted, unsafe=True) == mounted
    assert [f.code for f in engine.run(mounted, Context(), HYGIENE).findings] == []


ALL_TOGETHER = """\
# syntax=docker/dockerfile:1
FROM debian:bookworm AS build
RUN apt-get update
RUN apt install gcc
RUN apt-get update \\
    && apt-get install make \\
    && pip install -r requirements.txt
FROM alpine:3.20
RUN apk update && apk add python3 py3-pip && rm -rf /var/cache/apk/*
RUN apk add nodejs npm && npm ci && yarn && pip install flask
FROM fedora:40
RUN dnf install httpd; zypper install curl
RUN --mount=type=cache,target=/root/.cache/pip pip install gunicorn
"""


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_all_together_settle_in_one_run(unsafe: bool, newline: str) -> None:
    text = ALL_TOGETHER.replace("\n", newline)
    once = engine.run(text, Context(), HYGIENE, fix=True, unsafe=unsafe)
    assert once.reverted is None and once.changed
    twice = engine.run(once.output, Context(), HYGIENE, fix=True, unsafe=unsafe)
    assert twice.output == once.output
    assert not [f for f in twice.findings if engine.applicable(f.fix, unsafe)]
    assert once.output.count("\r\n") == (once.output.count("\n") if newline == "\r\n" else 0)
