"""The hygiene rules DO201-DO207 on the build model, composed with the other fixes.

Each case is a defect of issue 10 reproduced on a small file: the fixed file is checked as
a whole (every transform, as ``--fix`` runs them), and every RUN it writes is read by
``dash -n``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockeropt import engine
from dockeropt.cst import Run, ShellForm, parse
from dockeropt.transforms import ALL
from dockeropt.transforms.apk_cache import ApkCache
from dockeropt.transforms.apt_lists import AptLists
from dockeropt.transforms.base import Context
from dockeropt.transforms.cache_mounts import CacheMounts
from dockeropt.transforms.npm_cache import NpmCache
from dockeropt.transforms.pip_cache import PipCache
from dockeropt.transforms.rpm_cache import RpmCache

DASH = shutil.which("dash")


def dash_accepts(text: str) -> None:
    """Every shell-form RUN of ``text`` is a script ``dash -n`` reads."""
    if DASH is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("dash is missing (apt-get install -y dash)")
        pytest.skip("dash is missing (apt-get install -y dash)")
    for inst in parse(text).instructions:
        if isinstance(inst, Run) and isinstance(inst.command, ShellForm) and not inst.heredocs:
            proc = subprocess.run([DASH, "-n"], input=inst.command.text, capture_output=True, text=True)
            assert proc.returncode == 0, f"dash -n rejects {inst.command.text!r}: {proc.stderr}"


def fix_all(text: str, *, unsafe: bool = False, context: Context | None = None) -> str:
    result = engine.run(text, context or Context(), ALL, fix=True, unsafe=unsafe)
    assert result.reverted is None, result.reverted
    again = engine.run(result.output, context or Context(), ALL, fix=True, unsafe=unsafe)
    assert again.output == result.output, "fixing the fixed file changed it again"
    dash_accepts(result.output)
    return result.output


def findings(text: str, transform, context: Context | None = None) -> list:  # noqa: ANN001
    return engine.run(text, context or Context(), [transform]).findings


# --- defect 1: a chain element deleted with its joint -------------------------------------------


def test_merge_then_apk_no_cache_through_the_command_line(tmp_path: Path) -> None:
    """``--fix`` on the three lines of the issue: DO101 merges, DO203 rewrites the merged RUN."""
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine:3.20\nRUN apk update\nRUN apk add python3\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dockeropt", "--fix", str(path)], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert proc.returncode in (0, 1), proc.stderr
    output = path.read_text()
    dash_accepts(output)
    assert output == "FROM alpine:3.20\nRUN apk add --no-cache python3\n"


@pytest.mark.parametrize(
    "run, fixed",
    [
        pytest.param(
            "RUN apk update && apk add curl",
            "RUN apk add --no-cache curl", id="first of two on one line",
        ),
        pytest.param(
            "RUN apk update \\\n    && apk add curl",
            "RUN apk add --no-cache curl", id="first, && at the line start",
        ),
        pytest.param(
            "RUN apk update && \\\n    apk add curl",
            "RUN apk add --no-cache curl", id="first, && at the line end",
        ),
        pytest.param(
            "RUN echo start \\\n    && apk update \\\n    && apk add curl \\\n    && echo done",
            "RUN echo start \\\n    && apk add --no-cache curl \\\n    && echo done", id="middle, && at line starts",
        ),
        pytest.param(
            "RUN echo start && \\\n    apk update && \\\n    apk add curl && \\\n    echo done",
            "RUN echo start && \\\n    apk add --no-cache curl && \\\n    echo done", id="middle, && at line ends",
        ),
        pytest.param(
            "RUN apk update && rm -rf /var/cache/apk/* \\\n    && apk add curl",
            "RUN apk add --no-cache curl", id="two neighbours first (a merged update RUN)",
        ),
        pytest.param(
            "RUN apk update \\\n    && apk add curl \\\n    && rm -rf /var/cache/apk/*",
            "RUN apk add --no-cache curl", id="first and last",
        ),
        pytest.param(
            "RUN apk update && apk add curl && \\\n    rm -rf /var/cache/apk/*",
            "RUN apk add --no-cache curl", id="last on its own line",
        ),
    ],
)
def test_deleting_chain_elements_keeps_a_shell_script(run: str, fixed: str) -> None:
    text = f"FROM alpine:3.20\n{run}\n"
    output = fix_all(text)
    assert output == f"FROM alpine:3.20\n{fixed}\n"


def test_a_comment_in_the_deleted_range_is_left_alone() -> None:
    text = "FROM alpine:3.20\nRUN apk update \\\n# the index\n    && apk add curl\n"
    [finding] = findings(text, ApkCache())
    assert finding.fix is not None and "rm -rf /var/cache/apk/*" in finding.fix.edits[0].text
    dash_accepts(fix_all(text))


# --- defect 2: options the base's tools lack ------------------------------------------------------


@pytest.mark.parametrize("base", ["ubuntu:14.04", "ubuntu:precise", "debian:jessie", "debian:7"])
def test_no_cache_dir_is_refused_on_an_old_distro_pip(base: str) -> None:
    text = f"FROM {base}\nRUN apt-get install -y python-pip\nRUN pip install --upgrade pip && pip install flask\n"
    found = findings(text, PipCache())
    assert len(found) == 2 and all(f.fix is None for f in found)
    assert all("not fixed: the distribution's pip" in f.message and "pip 6.0" in f.message for f in found)
    assert not findings(text, CacheMounts()), "pip before 6.0 keeps no cache to mount"


@pytest.mark.parametrize("base", ["python:2.7-slim-jessie", "python:2.7", "ubuntu:16.04", "debian:stretch"])
def test_no_cache_dir_where_pip_has_it(base: str) -> None:
    text = f"FROM {base}\nRUN pip install flask\n"
    [finding] = findings(text, PipCache())
    assert finding.fix is not None


def test_apk_no_cache_is_refused_before_alpine_3_3() -> None:
    text = "FROM alpine:3.2\nRUN apk add curl\n"
    [finding] = findings(text, ApkCache())
    assert finding.fix is None and "not fixed: apk on alpine 3.2 predates --no-cache" in finding.message
    assert fix_all(text) == text


def test_old_alpine_keeps_the_index_a_later_run_installs_from() -> None:
    """apk before 3.3 does not fetch a missing index: ``apk update`` in one RUN serves the
    next RUN's ``apk add``; merged, the removal goes after both."""
    text = "FROM alpine:3.2\nRUN apk update\nRUN apk add python3\n"
    [update, add] = findings(text, ApkCache())
    assert update.fix is None and "a later RUN installs from it" in update.message
    assert add.fix is None
    assert fix_all(text) == (
        "FROM alpine:3.2\nRUN apk update \\\n    && apk add python3 \\\n    && rm -rf /var/cache/apk/*\n"
    )


# --- defect 3: what still reads the package lists -----------------------------------------------


@pytest.mark.parametrize(
    "later",
    [
        "RUN eatmydata apt-get install -y x",
        "RUN aptitude install -y x",
        "RUN gdebi -n /tmp/x.deb",
        "RUN mk-build-deps -i -r -t 'apt-get -y' debian/control",
        "RUN sh -c 'apt-get install -y x'",
        'RUN bash -c "apt-get install -y x"',
        "RUN su -c 'apt-get install -y x' root",
        "ONBUILD RUN apt-get install -y x",
        "RUN rosdep install --from-paths src -y",
        "RUN ansible-playbook site.yml",
        "RUN puppet apply site.pp",
        "RUN chef-solo -c solo.rb",
        'RUN ["apt-get", "install", "-y", "x"]',
    ],
)
def test_lists_are_kept_for_what_reads_them_later(later: str) -> None:
    text = f"FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n{later}\n"
    assert not findings(text, AptLists())
    output = fix_all(text)  # merged by DO101, the removal may come after the reader
    reader = later.split()[1].strip('["')
    if "rm -rf /var/lib/apt/lists" in output:
        assert output.index(reader) < output.index("rm -rf /var/lib/apt/lists"), output


def test_an_onbuild_trigger_before_the_update_still_reads_the_lists() -> None:
    text = (
        "FROM debian:bookworm\nONBUILD RUN apt-get install -y x\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl\n"
    )
    assert not findings(text, AptLists())


def test_lists_are_removed_when_the_later_run_updates_first() -> None:
    text = (
        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
        "COPY x /x\nRUN apt-get update && eatmydata apt-get install -y --no-install-recommends x\n"
    )
    assert [f.fix is not None for f in findings(text, AptLists())] == [True, True]


# --- defect 5: Windows bases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        "FROM golang:1.8-windowsservercore",
        "FROM mcr.microsoft.com/windows/nanoserver:1809",
        "FROM mcr.microsoft.com/dotnet/framework/sdk:4.8-windowsservercore-ltsc2019",
        "ARG BASE=mcr.microsoft.com/windows/servercore:ltsc2022\nFROM ${BASE}",
        "FROM python:3.12\nSHELL [\"zsh\", \"-c\"]",
        "FROM python:3.12\nSHELL [\"powershell\", \"-Command\"]",
    ],
)
def test_no_posix_hygiene_without_a_posix_shell(head: str) -> None:
    text = f"{head}\nRUN pip install flask && npm install && apt-get update && apt-get install x\n"
    assert [f.code for f in engine.run(text, Context(), ALL).findings if f.code.startswith("DO2")] == []


def test_a_posix_shell_on_a_windows_base_gets_hygiene() -> None:
    text = 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["bash", "-c"]\nRUN pip install flask\n'
    assert [f.code for f in findings(text, PipCache())] == ["DO204"]


# --- defect 6: npm ci needs the lockfile the build gets -------------------------------------------


def _npm_context(tmp_path: Path, ignore: str | None, ignore_name: str = ".dockerignore") -> Context:
    (tmp_path / "package.json").write_text('{"name": "app", "dependencies": {"express": "4"}}\n')
    (tmp_path / "package-lock.json").write_text("{}\n")
    if ignore is not None:
        (tmp_path / ignore_name).write_text(ignore)
    return Context(path=str(tmp_path / "Dockerfile"), build_context=tmp_path)


NPM_INSTALL = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\n"


@pytest.mark.parametrize(
    "ignore, ignore_name",
    [
        pytest.param("package-lock.json\n", ".dockerignore", id="ignored by name"),
        pytest.param("*.json\n!package.json\n", ".dockerignore", id="ignored by a glob, package.json kept"),
        pytest.param("**/package-lock.json\n", "Dockerfile.dockerignore", id="the Dockerfile's own ignore file"),
    ],
)
def test_no_npm_ci_when_the_build_does_not_get_the_lockfile(tmp_path: Path, ignore: str, ignore_name: str) -> None:
    context = _npm_context(tmp_path, ignore, ignore_name)
    assert not [f for f in findings(NPM_INSTALL, NpmCache(), context) if "npm ci" in f.message]
    assert "npm ci" not in fix_all(NPM_INSTALL, unsafe=True, context=context)


def test_npm_ci_when_the_build_gets_the_lockfile(tmp_path: Path) -> None:
    context = _npm_context(tmp_path, "node_modules\n")
    assert [f for f in findings(NPM_INSTALL, NpmCache(), context) if "npm ci" in f.message]


# --- defect 7: one cleanup, at the end of the chain it cleans -------------------------------------


@pytest.mark.parametrize(
    "text, fixed",
    [
        pytest.param(
            "FROM node:20\nRUN npm ci && npm cache clean --force\nRUN npm install -g serve && npm cache clean --force\n",
            "FROM node:20\nRUN npm ci \\\n    && npm install -g serve && npm cache clean --force\n",
            id="npm: two cleans after a merge",
        ),
        pytest.param(
            "FROM node:20\nRUN npm ci && npm cache clean --force && npm run build && npm cache clean --force\n",
            "FROM node:20\nRUN npm ci && npm cache clean --force && npm run build\n",
            id="npm: the clean after the install stays, where DO102 can split after it",
        ),
        pytest.param(
            "FROM debian:bookworm\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends a && rm -rf /var/lib/apt/lists/*\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends b && rm -rf /var/lib/apt/lists/*\n",
            "FROM debian:bookworm\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends a \\\n"
            "    && apt-get update && apt-get install -y --no-install-recommends b && rm -rf /var/lib/apt/lists/*\n",
            id="apt: two list removals after a merge",
        ),
        pytest.param(
            "FROM centos:7\nRUN yum install -y a && yum clean all && yum install -y b\n",
            "FROM centos:7\nRUN yum install -y a && yum install -y b && yum clean all\n",
            id="yum: clean all left in the middle",
        ),
        pytest.param(
            "FROM alpine:3.20\nRUN apk update && apk add a && rm -rf /var/cache/apk/*\n"
            "RUN apk update && apk add b && rm -rf /var/cache/apk/*\n",
            "FROM alpine:3.20\nRUN apk add --no-cache a \\\n    && apk add --no-cache b\n",
            id="apk: the merged chain becomes apk add --no-cache twice",
        ),
    ],
)
def test_one_cleanup_at_the_end(text: str, fixed: str) -> None:
    assert fix_all(text) == fixed


@pytest.mark.parametrize(
    "text, transform",
    [
        pytest.param(
            "FROM debian:bookworm\nRUN apt-get update && apt-get install -y a && rm -rf /var/lib/apt/lists/* "
            "&& apt-get install -y b && rm -rf /var/lib/apt/lists/*\n",
            AptLists(), id="apt: an install between reads no lists today (it would read them)",
        ),
        pytest.param(
            "FROM centos:7\nRUN yum install -y a && yum clean all && yum -C install -y b\n",
            RpmCache(), id="yum: a cache-only install between reads the cache",
        ),
        pytest.param(
            "FROM node:20\nRUN npm ci && npm cache clean --force && npm ci --offline && npm cache clean --force\n",
            NpmCache(), id="npm: an offline install between reads the cache",
        ),
        pytest.param(
            "FROM centos:7\nRUN yum install -y a && yum clean metadata && yum install -y b && yum clean all\n",
            RpmCache(), id="two different cleanups",
        ),
    ],
)
def test_cleanups_that_cannot_go_get_no_fix(text: str, transform) -> None:  # noqa: ANN001
    found = findings(text, transform)
    assert found and all(f.fix is None for f in found)


def test_a_cleanup_in_the_middle_of_what_later_runs_need_is_no_finding() -> None:
    text = (
        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y a && rm -rf /var/lib/apt/lists/* "
        "&& apt-get update && apt-get install -y b\nRUN apt-get install -y c\n"
    )
    assert not findings(text, AptLists())


# --- defect 8: safe then unsafe is both at once ---------------------------------------------------


def _manifests_context(tmp_path: Path) -> Context:
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0", "dependencies": {"express": "4"}}\n')
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.js").write_text("console.log(1)\n")
    return Context(path=str(tmp_path / "Dockerfile"), build_context=tmp_path)


@pytest.mark.parametrize(
    "run",
    [
        "RUN npm install && npm run build",
        "RUN npm ci && npm run build",
        "RUN npm install \\\n    && npm run build",
        "RUN npm install && \\\n    npm run build",
    ],
)
def test_safe_fixes_first_then_unsafe_ones_end_where_both_at_once_do(tmp_path: Path, run: str) -> None:
    """DO205's cleanup goes right after the install, where DO102 can still split the RUN."""
    context = _manifests_context(tmp_path)
    text = f"FROM node:20-slim\nWORKDIR /app\nCOPY . .\n{run}\nCMD [\"node\", \"dist/index.js\"]\n"
    safe = fix_all(text, context=context)
    assert "npm cache clean --force" in safe
    later = fix_all(safe, unsafe=True, context=context)
    together = fix_all(text, unsafe=True, context=context)
    assert later == together
    assert "COPY package.json package-lock.json ./" in together, "DO102 split the RUN"


# --- findings where they matter -------------------------------------------------------------------

BUILDER = (
    "FROM python:3.12 AS build\nRUN pip install build && npm ci && apt-get update && apt-get install -y gcc\n"
    "RUN apk add x && dnf install -y y\n"
    "FROM python:3.12-slim\nCOPY --from=build /dist /dist\n"
)


@pytest.mark.parametrize("transform", [AptLists(), ApkCache(), PipCache(), NpmCache(), RpmCache()], ids=lambda t: t.code)
def test_no_cache_hygiene_in_a_stage_that_does_not_ship(transform) -> None:  # noqa: ANN001
    cleaning = [f for f in findings(BUILDER, transform) if "-y" not in f.message]
    assert cleaning == []
    wide = Context(options={transform.code: {"all_stages": True}})
    assert [f for f in findings(BUILDER, transform, wide) if "-y" not in f.message]


def test_a_stage_built_from_the_builder_ships_it() -> None:
    text = "FROM python:3.12 AS base\nRUN pip install flask\nFROM base\nCMD [\"flask\"]\n"
    assert [f.code for f in findings(text, PipCache())] == ["DO204"]


@pytest.mark.parametrize(
    "run",
    [
        "RUN npm ci",
        "RUN npm ci && npm run build",
        "RUN yarn install && yarn build",
        "RUN npm ci && npm cache clean --force",
        "RUN --mount=type=cache,target=/root/.npm npm ci",
    ],
)
def test_npm_cache_and_cache_mounts_point_the_same_way(run: str) -> None:
    """DO205 cleans the cache out of the layer; DO207 keeps it in a mount instead: once the
    mount is there DO205 has nothing to say, and DO205's cleanup never blocks the mount."""
    text = f"FROM node:20\n{run}\n"
    once = fix_all(text)
    mounts = [f for f in findings(once, CacheMounts()) if f.fix is not None]
    mounted = engine.apply(once, [mounts[0].fix]) if mounts else once
    assert not findings(mounted, NpmCache())
    dash_accepts(mounted)



@pytest.mark.parametrize(
    "install",
    ["npm install", "npm i", "npm ci", "npm install-ci-test", "npm update", "yarn", "yarn install", "yarn add left-pad",
     "yarn global add serve"],
)
def test_npm_cache_and_cache_mounts_read_the_same_installs(install: str) -> None:
    """Where DO205 says the cache stays in the layer, DO207 offers the mount as the other
    way out (and says it replaces the cleaning), never the opposite."""
    text = f"FROM node:20\nRUN {install}\n"
    [clean] = findings(text, NpmCache())
    [mount] = findings(text, CacheMounts())
    assert "instead of" in mount.message and clean.message.split(": ")[-1].split(" in this RUN")[0] in mount.message


@pytest.mark.parametrize("base, fixable", [("node:8", False), ("node:6.9-alpine", False), ("node:10", True), ("node:lts", True)])
def test_npm_ci_where_the_image_npm_has_it(tmp_path: Path, base: str, fixable: bool) -> None:
    context = _npm_context(tmp_path, None)
    text = NPM_INSTALL.replace("FROM node:20", f"FROM {base}")
    [ci] = [f for f in findings(text, NpmCache(), context) if "npm ci" in f.message]
    assert (ci.fix is not None) is fixable
