"""DO102 manifests-first: rewrites and refusals, one small build context per case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockeropt import engine
from dockeropt.transforms.base import Applicability, Context
from dockeropt.buildcontext import Ignore
from dockeropt.transforms.manifests_first import ManifestsFirst

PKG = json.dumps({"name": "app", "dependencies": {"express": "^4"}, "scripts": {"build": "tsc"}})
NODE = {"package.json": PKG, "package-lock.json": "{}", "src/a.ts": "x"}


def fix(tmp_path: Path, dockerfile: str, files: dict[str, str] | None, unsafe: bool = False):
    context = None
    if files is not None:
        context = tmp_path / "ctx"
        for rel, text in files.items():
            (context / rel).parent.mkdir(parents=True, exist_ok=True)
            (context / rel).write_text(text)
        context.mkdir(exist_ok=True)
    ctx = Context(path=str(tmp_path / "Dockerfile"), build_context=context)
    result = engine.run(dockerfile, ctx, [ManifestsFirst()], fix=True, unsafe=unsafe)
    again = engine.run(result.output, ctx, [ManifestsFirst()], fix=True, unsafe=unsafe)
    assert again.output == result.output, "not stable"
    assert result.reverted is None
    return result.output, engine.run(dockerfile, ctx, [ManifestsFirst()]).findings


@pytest.mark.parametrize(
    ("dockerfile", "files", "expected"),
    [
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", NODE,
            "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
            id="npm ci: manifests first, destination . gets a slash",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY --link --chown=1000 ./ /app/\nRUN pnpm install --frozen-lockfile\n",
            {"package.json": PKG, "pnpm-lock.yaml": "lockfileVersion: 9\n", ".npmrc": "x=1\n"},
            "FROM node:20\nWORKDIR /app\nCOPY --link --chown=1000 package.json pnpm-lock.yaml .npmrc /app/\n"
            "RUN pnpm install --frozen-lockfile\nCOPY --link --chown=1000 ./ /app/\n",
            id="pnpm with --link and --chown carried, ./ source, absolute dest equal to WORKDIR",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,target=/root/.npm npm ci && \\\n    npm run build\n",
            NODE,
            "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\n"
            "RUN --mount=type=cache,target=/root/.npm npm ci\nCOPY . .\n"
            "RUN --mount=type=cache,target=/root/.npm npm run build\n",
            id="chained build step split, RUN flags kept on both halves",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nUSER node\nRUN apt-get install -y git\nRUN npm ci\n", NODE,
            "FROM node:20\nWORKDIR /app\nCOPY . .\nUSER node\nRUN apt-get install -y git\nRUN npm ci\n",
            id="install as a non-root USER is only an unsafe fix",
        ),
        pytest.param(
            "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements/prod.txt\n",
            {"requirements/prod.txt": "-r base.txt\n-c ../constraints.txt\nflask\n", "requirements/base.txt": "x\n",
             "constraints.txt": "y<2\n"},
            "FROM python:3.12\nWORKDIR /app\nCOPY requirements/prod.txt requirements/base.txt ./requirements/\nCOPY constraints.txt ./\n"
            "RUN pip install -r requirements/prod.txt\nCOPY . .\n",
            id="pip includes followed relative to the including file, folders kept",
        ),
        pytest.param(
            "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go mod download\n",
            {"go.mod": "module x\n", "main.go": "package main\n"},
            "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\n",
            id="go without go.sum lists only go.mod",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
            {**NODE, "package-lock.json": "{}", ".dockerignore": "*\n!src\n!package.json\n"},
            "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n",
            id="a dockerignored lockfile is not listed",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
            {**NODE, "node_modules/x/i.js": "1", ".dockerignore": "**/node_modules\n"},
            "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
            id="node_modules excluded by .dockerignore is fine",
        ),
    ],
)
def test_rewrites(tmp_path: Path, dockerfile: str, files, expected: str) -> None:
    output, findings = fix(tmp_path, dockerfile, files)
    assert output == expected
    assert len([f for f in findings if f.fix is not None]) == 1
    assert all("not moved above it" in f.message for f in findings if f.fix is None)


def test_non_root_user_is_unsafe(tmp_path: Path) -> None:
    dockerfile = "FROM node:20\nWORKDIR /app\nCOPY --chown=node . .\nUSER node\nRUN npm ci\n"
    output, findings = fix(tmp_path, dockerfile, NODE, unsafe=True)
    assert findings[0].fix.applicability is Applicability.UNSAFE
    assert "USER node" in findings[0].message
    assert output.endswith("USER node\nRUN npm ci\nCOPY --chown=node . .\n")


@pytest.mark.parametrize(
    ("dockerfile", "files", "why"),
    [
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
                     {**NODE, "package.json": json.dumps({"scripts": {"prepare": "husky"}})}, "prepare script",
                     id="prepare script runs during npm ci"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
                     {**NODE, "package.json": json.dumps({"workspaces": ["packages/*"]})}, "workspaces",
                     id="workspaces need subfolder manifests"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
                     {**NODE, "package.json": json.dumps({"dependencies": {"lib": "file:../lib"}})}, "local path",
                     id="file: dependency"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", {**NODE, "binding.gyp": "{}"},
                     "binding.gyp", id="binding.gyp makes npm run node-gyp"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
                     {**NODE, "node_modules/x": "1", ".dockerignore": "node_modules\n!node_modules/x\n"},
                     "node_modules is in the context", id="node_modules re-included by an exception"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cd web && npm ci\n", NODE, "cd web",
                     id="cd before the install"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci; npm run build\n", NODE, "plain && chain",
                     id="not a pure && chain"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm run build\nRUN npm ci\n", NODE,
                     "`RUN npm run build` (line 4) comes between", id="a build reads sources first"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nCOPY x /y\nRUN npm ci\n", NODE,
                     "`COPY x /y` (line 4) comes between", id="another COPY in between"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN --mount=type=bind,target=/ctx npm ci\n", NODE,
                     "mounts the build context", id="bind mount of the context"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY --exclude=*.md . .\nRUN npm ci\n", NODE, "--exclude",
                     id="COPY --exclude"),
        pytest.param("FROM node:20\nARG D=/app\nWORKDIR /app\nCOPY . $D\nRUN npm ci\n", NODE, "WORKDIR",
                     id="destination with a variable"),
        pytest.param("FROM node:20\nCOPY . /app\nRUN npm ci\n", NODE, "may not run in /app",
                     id="unknown WORKDIR"),
        pytest.param("FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\n",
                     {"Gemfile": "source 'x'\ngemspec\n", "Gemfile.lock": ""}, "gemspec", id="gemspec"),
        pytest.param("FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go mod download\n",
                     {"go.mod": "module x\nreplace y => ./y\n"}, "local folder", id="go replace local"),
        pytest.param("FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go mod download\n",
                     {"go.mod": "module x\n", "go.work": "go 1.22\n"}, "go.work", id="go.work"),
        pytest.param("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync --locked\n",
                     {"pyproject.toml": "[project]\n", "uv.lock": ""}, "--no-install-project", id="uv sync installs project"),
        pytest.param("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n",
                     {"requirements.txt": "-r base.txt\n"}, "base.txt is not in the build context",
                     id="missing include"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", {**NODE, ".dockerignore": "a[\\]b\n"},
                     ".dockerignore cannot be evaluated", id="unreadable .dockerignore pattern"),
    ],
)
def test_refusals(tmp_path: Path, dockerfile: str, files, why: str) -> None:
    output, findings = fix(tmp_path, dockerfile, files, unsafe=True)
    assert output == dockerfile
    assert len(findings) == 1 and findings[0].fix is None
    assert "not rewritten" in findings[0].message and why in findings[0].message


@pytest.mark.parametrize(
    "dockerfile",
    [
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY src .\nRUN npm ci\n", id="not the whole context"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY --from=deps /app .\nRUN npm ci\n", id="COPY --from is no context copy"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nFROM node:20\nRUN npm ci\n", id="install in another stage"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY [\".\", \".\"]\nRUN npm ci\n", id="exec form is left alone"),
    ],
)
def test_no_finding(tmp_path: Path, dockerfile: str) -> None:
    output, findings = fix(tmp_path, dockerfile, NODE, unsafe=True)
    assert output == dockerfile
    assert findings == []


def test_no_context_is_a_suggestion(tmp_path: Path) -> None:
    output, findings = fix(tmp_path, "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn\n", None, unsafe=True)
    assert findings[0].fix.applicability is Applicability.SUGGESTION
    assert "package.json, yarn.lock" in findings[0].message
    assert output == "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn\n"


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        ("node_modules", "node_modules/a/b.js", True),
        ("/node_modules", "node_modules", True),
        ("**/node_modules", "node_modules", True),
        ("**/node_modules", "web/node_modules/x", True),
        ("*.lock", "yarn.lock", True),
        ("*.lock", "sub/yarn.lock", False),
        ("*\n!package*.json", "package-lock.json", False),
        ("*\n!package*.json", "src", True),
        ("node_modules\n!node_modules/keep", "node_modules/keep", False),
        ("# comment\n\n  ", "x", False),
        ("pack?ge.json", "package.json", True),
        ("[a-c]*.txt", "base.txt", True),
        ("[^a-c]*.txt", "base.txt", False),
    ],
)
def test_dockerignore(patterns: str, path: str, excluded: bool) -> None:
    assert Ignore.parse(patterns).excludes(path) is excluded
