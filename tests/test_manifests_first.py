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
    assert all("is not moved above" in f.message for f in findings if f.fix is None)


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
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN <<EOF\nnpm ci\nEOF\n", NODE,
                     "the install RUN uses a heredoc", id="a heredoc install"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN [\"npm\", \"ci\"]\n", NODE,
                     "the install RUN is in exec form", id="an exec-form install"),
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
        pytest.param("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install flask && cp /app/x /etc/x\n",
                     id="a RUN that reads the destination stays"),
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


# --- the planner: the shapes of issue 11 --------------------------------------------------------

IN_SYNC_PKG = json.dumps({"name": "web", "version": "1.0.0", "dependencies": {"express": "4.19.2"},
                          "scripts": {"build": "mkdir -p dist && cp src/* dist/"}})
IN_SYNC_LOCK = json.dumps({"name": "web", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": {
    "": {"name": "web", "version": "1.0.0", "dependencies": {"express": "4.19.2"}},
    "node_modules/express": {"version": "4.19.2"}}})
IN_SYNC = {"package.json": IN_SYNC_PKG, "package-lock.json": IN_SYNC_LOCK, "src/a.js": "1\n"}
YARN_LOCK = ('# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n'
             'express@4.19.2:\n  version "4.19.2"\n  dependencies:\n    accepts "~1.3.8"\n\n'
             'accepts@~1.3.8:\n  version "1.3.8"\n')
YARN = {"package.json": IN_SYNC_PKG, "yarn.lock": YARN_LOCK, "src/a.js": "1\n"}
PY = {"requirements.txt": "flask\n", "app.py": "print(1)\n"}


@pytest.mark.parametrize(
    ("dockerfile", "files", "expected"),
    [
        pytest.param(
            'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nEXPOSE 3000\nCMD ["npm", "start"]\n', IN_SYNC,
            'FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm install\nCOPY . .\n'
            'EXPOSE 3000\nCMD ["npm", "start"]\n',
            id="the article's Dockerfile: npm install with an in-sync lockfile is a safe fix",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install\n", YARN,
            "FROM node:20\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install\nCOPY . .\n",
            id="yarn install with a yarn 1 lockfile holding exactly what package.json needs",
        ),
        pytest.param(
            "FROM python:3.12\nCOPY . /app\nWORKDIR /app\nRUN pip install -r requirements.txt\n", PY,
            "FROM python:3.12\nCOPY requirements.txt /app/\nWORKDIR /app\nRUN pip install -r requirements.txt\nCOPY . /app\n",
            id="COPY . /app, then WORKDIR /app, then the install",
        ),
        pytest.param(
            "FROM python:3.12\nWORKDIR /\nCOPY . app\nWORKDIR /app\nRUN pip install -r requirements.txt\n", PY,
            "FROM python:3.12\nWORKDIR /\nCOPY requirements.txt app/\nWORKDIR /app\nRUN pip install -r requirements.txt\n"
            "COPY . /app\n",
            id="a relative destination that resolves to the later WORKDIR: the full copy gets it absolute",
        ),
        pytest.param(
            "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install flask gunicorn\nCMD [\"gunicorn\", \"app:app\"]\n", PY,
            "FROM python:3.12\nWORKDIR /app\nRUN pip install flask gunicorn\nCOPY . .\nCMD [\"gunicorn\", \"app:app\"]\n",
            id="named packages, no manifest: the RUN moves above the COPY",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install -g pnpm\n", IN_SYNC,
            "FROM node:20\nWORKDIR /app\nRUN npm install -g pnpm\nCOPY . .\n",
            id="npm install -g moves above the COPY",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\n# tools\nRUN apt-get update && apt-get install -y git\nRUN npm ci\n", IN_SYNC,
            "FROM node:20\nWORKDIR /app\n# tools\nRUN apt-get update && apt-get install -y git\n"
            "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
            id="apt above the sources, with its comment; the lockfile's install after the manifests",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn global add nodemon\nRUN yarn install\n", YARN,
            "FROM node:20\nWORKDIR /app\nRUN yarn global add nodemon\nCOPY package.json yarn.lock ./\nRUN yarn install\n"
            "COPY . .\n",
            id="yarn global add between the COPY and the install moves as npm install -g does",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && pip install -r requirements.txt && npm run build\n",
            {**IN_SYNC, **PY},
            "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json requirements.txt ./\n"
            "RUN npm ci && pip install -r requirements.txt\nCOPY . .\nRUN npm run build\n",
            id="chained installs of two ecosystems go before the sources together",
        ),
        pytest.param(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci \\\n    && npm run build \\\n    && npm cache clean --force\n", IN_SYNC,
            "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci \\\n    && npm cache clean --force\n"
            "COPY . .\nRUN npm run build\n",
            id="a trailing cache clean-up stays with the install whose cache it empties",
        ),
        pytest.param(
            "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt && python app.py && pip cache purge\n", PY,
            "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt && pip cache purge\n"
            "COPY . .\nRUN python app.py\n",
            id="pip cache purge after the install",
        ),
    ],
)
def test_planner_rewrites(tmp_path: Path, dockerfile: str, files, expected: str) -> None:
    output, findings = fix(tmp_path, dockerfile, files)
    assert output == expected
    assert all(f.fix is not None and f.fix.applicability is Applicability.SAFE for f in findings), findings


@pytest.mark.parametrize(
    ("dockerfile", "files", "why"),
    [
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\n",
                     {**IN_SYNC, "package-lock.json": IN_SYNC_LOCK.replace("4.19.2", "4.18.0")},
                     "may rewrite package-lock.json: its root entry's dependencies", id="npm lock out of sync"),
        pytest.param("FROM node:14\nWORKDIR /app\nCOPY . .\nRUN npm install\n", IN_SYNC, "npm before 8",
                     id="npm 6 converts version 3 lockfiles"),
        pytest.param("FROM debian:12\nWORKDIR /app\nCOPY . .\nRUN npm install\n", IN_SYNC, "npm version is not known",
                     id="npm of an unknown base"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install\n",
                     {**YARN, "yarn.lock": YARN_LOCK + "\nleft-pad@^1.0.0:\n  version \"1.3.0\"\n"},
                     "entries no dependency needs", id="yarn lock with a stale entry"),
        pytest.param("FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\n",
                     {"Gemfile": "source 'x'\ngem 'sinatra'\n", "Gemfile.lock": "GEM\n"}, "without frozen mode",
                     id="bundle install without frozen mode"),
    ],
)
def test_lockfile_rewrites_are_unsafe(tmp_path: Path, dockerfile: str, files, why: str) -> None:
    output, findings = fix(tmp_path, dockerfile, files)
    assert output == dockerfile
    (only,) = findings
    assert only.fix.applicability is Applicability.UNSAFE and why in only.message


@pytest.mark.parametrize(
    ("dockerfile", "files", "why"),
    [
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nENV NODE_ENV=production\nRUN npm install -g pnpm\n",
                     IN_SYNC, "ENV on line 4 changes its environment", id="ENV between"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nUSER node\nRUN npm install -g pnpm\n",
                     IN_SYNC, "USER on line 4", id="USER between"),
        pytest.param("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -c constraints.txt flask\n",
                     PY, "names the relative path constraints.txt", id="a relative path"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN apt-get install -y git && npm config set x y\n",
                     PY, "`npm config set x y` is not a package install by name", id="another command"),
        pytest.param("FROM debian:12\nWORKDIR /app\nCOPY . .\nRUN apt-get install -o Dir::Cache=/app/c -y git\n",
                     PY, "names /app/c, which the COPY writes", id="a folder of the destination"),
        pytest.param("FROM debian:12\nWORKDIR /app\nCOPY . .\nRUN apt-get install -y ./tool.deb\n",
                     PY, "names the relative path ./tool.deb", id="an apt install of a copied file"),
        pytest.param("FROM php:8.3-apache\nCOPY . /var/www/html\nRUN apt-get install -y libzip-dev\n", PY,
                     "the COPY writes into /var/www/html", id="a web root packages write into"),
        pytest.param("FROM python:3.12\nCOPY . /\nRUN pip install flask\n", PY,
                     "the COPY writes into /", id="the destination is the root"),
        pytest.param("FROM python:3.12\nWORKDIR /app\nENV PATH=/app/.venv/bin:$PATH\nCOPY . .\nRUN pip install flask\n",
                     PY, "PATH names /app", id="the program may come from the destination"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn global add nodemon\n",
                     {**YARN, ".yarnrc": "registry x\n"}, "reads .yarnrc from the working directory",
                     id="yarn reads .yarnrc from the copied folder"),
        pytest.param("FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN gem install rake\n",
                     {"rake-13.0.gem": "x"}, "reads rake-13.0.gem", id="gem prefers a local .gem"),
    ],
)
def test_move_refusals_say_why(tmp_path: Path, dockerfile: str, files, why: str) -> None:
    output, findings = fix(tmp_path, dockerfile, files, unsafe=True)
    assert output == dockerfile
    (only,) = findings
    assert only.fix is None and "is not moved above" in only.message and why in only.message


@pytest.mark.parametrize(
    ("dockerfile", "files", "why"),
    [
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build && npm cache clean --force\n",
                     {**IN_SYNC, "package.json": IN_SYNC_PKG.replace("mkdir -p dist", "npx tsc")},
                     "the script build may fill the cache", id="a build script that runs npx"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build && npm install x && npm cache clean --force\n",
                     IN_SYNC, "`npm install x` may fill the cache", id="a later npm install refills the cache"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt && npm run build && npm cache clean --force\n",
                     {**IN_SYNC, **PY}, "cleans a cache the install before the sources does not fill",
                     id="a clean-up of another tool's cache"),
        pytest.param("FROM python:3.12\nWORKDIR /app\nENV HOME=/app\nCOPY . .\nRUN pip install -r requirements.txt\n",
                     PY, "HOME is /app", id="HOME in the destination"),
        pytest.param("FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install\n",
                     {"composer.json": json.dumps({"scripts": {"pre-install-cmd": "x"}}), "composer.lock": "{}"},
                     "pre-install-cmd", id="composer's pre-install script"),
    ],
)
def test_split_refusals(tmp_path: Path, dockerfile: str, files, why: str) -> None:
    output, findings = fix(tmp_path, dockerfile, files, unsafe=True)
    assert output == dockerfile
    assert any(f.fix is None and why in f.message for f in findings), findings


def test_composer_idiom_is_unsafe(tmp_path: Path) -> None:
    files = {"composer.json": json.dumps({"require": {"monolog/monolog": "^3"}}), "composer.lock": "{}", "src/A.php": ""}
    dockerfile = "FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install -o --no-dev && php -v\n"
    output, findings = fix(tmp_path, dockerfile, files)
    assert output == dockerfile
    assert findings[0].fix.applicability is Applicability.UNSAFE
    output, _ = fix(tmp_path / "u", dockerfile, files, unsafe=True)
    assert output == (
        "FROM composer:2\nWORKDIR /app\nCOPY composer.json composer.lock ./\n"
        "RUN composer install -o --no-dev --no-scripts --no-autoloader\nCOPY . .\n"
        "RUN composer dump-autoload --optimize --no-dev && php -v\n"
    )


# --- plan first, merge after; safe fixes first, unsafe later ---------------------------------------


def _all_transforms():
    from dockeropt.transforms import ALL

    return list(ALL)


def _context(tmp_path: Path, files: dict[str, str]) -> Context:
    root = tmp_path / "ctx"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return Context(path=str(root / "Dockerfile"), build_context=root)


def test_merge_run_keeps_a_moved_run_apart(tmp_path: Path) -> None:
    from dockeropt.transforms.merge_run import MergeRun

    dockerfile = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN apt-get update\nRUN apt-get install -y git\nRUN npm ci\n"
    findings = engine.run(dockerfile, _context(tmp_path, IN_SYNC), [MergeRun()]).findings
    merge, refusal = findings
    assert (merge.line, merge.fix is not None) == (4, True), "the two apt RUNs move together and may merge"
    assert refusal.fix is None and refusal.line == 6
    assert "DO102 moves `RUN apt-get install -y git` above `COPY . .` (line 3)" in refusal.message


def test_plan_then_merge_keeps_the_layer_count(tmp_path: Path) -> None:
    dockerfile = ("FROM node:20\nWORKDIR /app\nRUN apt-get update\nCOPY . .\nRUN apt-get install -y --no-install-recommends git"
                  " && rm -rf /var/lib/apt/lists/*\nRUN npm ci && npm cache clean --force\n")
    output = engine.run(dockerfile, _context(tmp_path, IN_SYNC), _all_transforms(), fix=True).output
    assert output == (
        "FROM node:20\nWORKDIR /app\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends git"
        " && rm -rf /var/lib/apt/lists/*\nCOPY package.json package-lock.json ./\nRUN npm ci && npm cache clean --force\n"
        "COPY . .\n"
    )
    layers = lambda text: sum(line.split(None, 1)[0] in ("RUN", "COPY") for line in text.splitlines() if line[:1].isalpha())  # noqa: E731
    assert layers(output) <= layers(dockerfile)


@pytest.mark.parametrize(
    "lock", [pytest.param(IN_SYNC_LOCK, id="in sync: the split is safe"),
             pytest.param(IN_SYNC_LOCK.replace("4.19.2", "4.18.0"), id="out of sync: the split is unsafe")])
def test_safe_fixes_first_then_unsafe_end_in_the_same_file(tmp_path: Path, lock: str) -> None:
    """Issue 10, defect 8: DO205's `npm cache clean --force` must not block the split later."""
    context = _context(tmp_path, {**IN_SYNC, "package-lock.json": lock})
    dockerfile = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install && npm run build\n"
    transforms = _all_transforms()
    safe = engine.run(dockerfile, context, transforms, fix=True).output
    later = engine.run(safe, context, transforms, fix=True, unsafe=True).output
    at_once = engine.run(dockerfile, context, transforms, fix=True, unsafe=True).output
    assert later == at_once
    assert "COPY . .\nRUN npm run build\n" in at_once


@pytest.mark.parametrize(
    ("dockerfile", "files", "expected"),
    [
        pytest.param("FROM python:3.12\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\nRUN pip install -r requirements.txt\n",
                     {**PY, "pip.conf": "[global]\nindex-url = https://pypi.example/simple\n"},
                     "FROM python:3.12\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY requirements.txt pip.conf ./\n"
                     "RUN pip install -r requirements.txt\nCOPY . .\n", id="PIP_CONFIG_FILE in the destination"),
        pytest.param("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", {**IN_SYNC, ".npmrc": "registry=https://npm.example/\n"},
                     "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json .npmrc ./\nRUN npm ci\nCOPY . .\n",
                     id=".npmrc goes with the manifests"),
    ],
)
def test_config_files_the_install_reads_are_carried(tmp_path: Path, dockerfile: str, files, expected: str) -> None:
    output, _ = fix(tmp_path, dockerfile, files)
    assert output == expected


def test_env_naming_a_folder_of_the_context_refuses(tmp_path: Path) -> None:
    dockerfile = "FROM python:3.12\nWORKDIR /app\nENV PIP_FIND_LINKS=/app/wheels\nCOPY . .\nRUN pip install -r requirements.txt\n"
    output, findings = fix(tmp_path, dockerfile, {**PY, "wheels/a.whl": "x"})
    assert output == dockerfile
    assert "PIP_FIND_LINKS names /app/wheels, a folder the context holds" in findings[0].message


def test_the_context_stops_a_move_part_way(tmp_path: Path) -> None:
    dockerfile = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN apt-get install -y git\nRUN yarn global add nodemon\n"
    output, findings = fix(tmp_path, dockerfile, {**YARN, ".yarnrc": "registry x\n"})
    assert output == "FROM node:20\nWORKDIR /app\nRUN apt-get install -y git\nCOPY . .\nRUN yarn global add nodemon\n"
    stays = next(f for f in findings if f.fix is None)
    assert stays.line == 5 and "reads .yarnrc from the working directory" in stays.message
