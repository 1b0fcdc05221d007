"""DO102 proven with real builds: the fixed Dockerfile makes the same image, and after a
source edit its install comes from the cache while the original's re-runs. The traps show
that a careless split changes the image, and that DO102 leaves those files alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dockeropt import engine
from dockeropt.transforms.base import Context
from dockeropt.transforms.manifests_first import ManifestsFirst

PKG = json.dumps({"name": "web", "version": "1.0.0", "dependencies": {"express": "4.19.2"},
                  "scripts": {"build": "mkdir -p dist && cat src/*.js > dist/bundle.js"}})
LOCK = json.dumps({"name": "web", "lockfileVersion": 3})

CASES = {
    "npm": ("FROM node:20\nWORKDIR /app\nCOPY --chown=node:node . .\nRUN npm ci\nCMD [\"node\", \"src/index.js\"]\n",
            {"package.json": PKG, "package-lock.json": LOCK, "src/index.js": "console.log(1)\n"}, "src/index.js"),
    "npm chained build": ("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n",
                          {"package.json": PKG, "package-lock.json": LOCK, "src/index.js": "console.log(1)\n"},
                          "src/index.js"),
    "pip -r include": ("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n",
                       {"requirements.txt": "-r requirements/base.txt\ngunicorn==22.0.0\n",
                        "requirements/base.txt": "flask==3.0.3\n", "app.py": "print(1)\n"}, "app.py"),
    "go": ("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go mod download\nRUN go build -o /out/app .\n",
           {"go.mod": "module example.com/app\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n",
            "go.sum": "github.com/google/uuid v1.6.0 h1:x=\n", "main.go": "package main\n\nfunc main() {}\n"}, "main.go"),
    "bundler": ("FROM ruby:3.3\nENV BUNDLE_FROZEN=true\nWORKDIR /app\nCOPY . .\nRUN bundle install\n",
                {"Gemfile": "source 'https://rubygems.org'\ngem 'sinatra'\n",
                 "Gemfile.lock": "GEM\n  specs:\n    sinatra (4.0.0)\n", "app.rb": "puts 1\n"}, "app.rb"),
    "composer": ("FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install --no-scripts --no-autoloader\n",
                 {"composer.json": json.dumps({"require": {"monolog/monolog": "^3.0"}}),
                  "composer.lock": "{\"packages\": []}\n", "src/App.php": "<?php\n"}, "src/App.php"),
}


def dockeropt_fix(context: Path, dockerfile: str, transforms=None, unsafe: bool = False) -> str:  # noqa: ANN001
    result = engine.run(dockerfile, Context(build_context=context), transforms or [ManifestsFirst()], fix=True,
                        unsafe=unsafe)
    assert result.reverted is None
    return result.output


def touch_source(name: str):
    def edit(context: Path) -> None:
        path = context / name
        path.write_text(path.read_text() + "// edited\n")
    return edit


def installs_rerun(rebuild) -> list[str]:  # noqa: ANN001
    words = ("npm ci", "pip install", "go mod download", "bundle install", "composer install")
    return [s for s in rebuild.rerun_instructions() if any(w in s for w in words)]


@pytest.mark.parametrize("name", list(CASES))
def test_same_image_and_cached_install(bh, make_context, build_summary, name: str) -> None:
    original, files, source = CASES[name]
    context = make_context(files)
    fixed = dockeropt_fix(context, original)
    assert fixed != original
    slug = name.replace(" ", "-")
    before = bh.build(context, original, f"do102-{slug}-before")
    after = bh.build(context, fixed, f"do102-{slug}-after")
    assert bh.diff_rootfs(before, after) == []
    assert bh.diff_config(before, after) == []

    rerun_before = bh.rebuild_after_edit(make_context(files), original, f"do102-{slug}-b", touch_source(source))
    rerun_after = bh.rebuild_after_edit(make_context(files), fixed, f"do102-{slug}-a", touch_source(source))
    assert installs_rerun(rerun_before), "the original must re-run its install after a source edit"
    assert installs_rerun(rerun_after) == [], rerun_after.rerun_instructions()
    build_summary.append(bh.summary_row(f"DO102 {name}", before, after, rerun_before, rerun_after))


NODE_MODULES_TRAP = (
    "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
    {"package.json": PKG, "package-lock.json": LOCK, "src/index.js": "1\n",
     "node_modules/express/index.js": "module.exports = 'from the host';\n",
     "node_modules/stale/index.js": "left over on the host\n"},
)
CARELESS_NODE_MODULES = "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n"


def test_trap_node_modules_in_context(bh, make_context) -> None:
    original, files = NODE_MODULES_TRAP
    context = make_context(files)
    assert dockeropt_fix(context, original) == original
    before = bh.build(context, original, "do102-trap-nm-before")
    careless = bh.build(context, CARELESS_NODE_MODULES, "do102-trap-nm-careless")
    diff = bh.diff_rootfs(before, careless)
    assert "added: /app/node_modules/stale/index.js (file 0644 0:0)" in diff
    assert any(line.startswith("/app/node_modules/express/index.js: content differs") for line in diff)


def test_trap_node_modules_dockerignored_is_rewritten(bh, make_context) -> None:
    original, files = NODE_MODULES_TRAP
    context = make_context({**files, ".dockerignore": "node_modules\n"})
    fixed = dockeropt_fix(context, original)
    assert fixed == CARELESS_NODE_MODULES
    assert bh.diff_rootfs(bh.build(context, original, "do102-nm-ign-before"),
                          bh.build(context, fixed, "do102-nm-ign-after")) == []


def test_trap_pip_install_dot(bh, make_context) -> None:
    original = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt . \n"
    files = {"requirements.txt": "flask\n", "pyproject.toml": "[project]\nname = \"svc\"\n", "svc.py": ""}
    context = make_context(files)
    assert dockeropt_fix(context, original) == original
    careless = "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt . \nCOPY . .\n"
    bh.build(context, original, "do102-trap-pip-before")
    with pytest.raises(bh.BuildError, match="not installable"):
        bh.build(context, careless, "do102-trap-pip-careless")


def test_trap_postinstall_is_left_alone(bh, make_context) -> None:
    """A postinstall that needs the sources: split, the install fails."""
    package = json.dumps({"name": "web", "dependencies": {"express": "4.19.2"},
                          "scripts": {"postinstall": "cp src/patch.js node_modules/"}})
    context = make_context({"package.json": package, "package-lock.json": LOCK, "src/patch.js": "1\n"})
    original = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
    assert dockeropt_fix(context, original) == original
    assert "/app/node_modules/patch.js" in bh.build(context, original, "do102-trap-post-before").rootfs()
    with pytest.raises(bh.BuildError, match="postinstall failed"):
        bh.build(context, CARELESS_NODE_MODULES, "do102-trap-post-careless")


# --- the planner's moves, each built before and after the fix -------------------------------------

SYNCED_PKG = json.dumps({"name": "web", "version": "1.0.0", "dependencies": {"express": "4.19.2"},
                         "scripts": {"build": "mkdir -p dist && cat src/*.js > dist/bundle.js", "start": "node src/index.js"}})
SYNCED_LOCK = json.dumps({"name": "web", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": {
    "": {"name": "web", "version": "1.0.0", "dependencies": {"express": "4.19.2"}},
    "node_modules/express": {"version": "4.19.2"}}})
SYNCED = {"package.json": SYNCED_PKG, "package-lock.json": SYNCED_LOCK, "src/index.js": "console.log(1)\n"}
YARN_LOCK = "# yarn lockfile v1\n\n\nexpress@4.19.2:\n  version \"4.19.2\"\n"
PY = {"requirements.txt": "flask==3.0.3\n", "app.py": "print(1)\n"}


def _merge_too():
    from dockeropt.transforms.merge_run import MergeRun

    return [ManifestsFirst(), MergeRun()]


#: name -> (Dockerfile, context, file edited, transforms, unsafe, steps the original's rebuild must re-run)
PLANNER = {
    "article npm install, lockfile in sync": (
        'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nEXPOSE 3000\nCMD ["npm", "start"]\n',
        SYNCED, "src/index.js", None, False, ["RUN npm install"]),
    "pip -r after COPY . /app and WORKDIR /app": (
        'FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nRUN pip install --no-cache-dir -r requirements.txt\n'
        'CMD ["python", "app.py"]\n', PY, "app.py", None, False, ["RUN pip install --no-cache-dir -r requirements.txt"]),
    "pip install by name moves above the COPY": (
        'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir flask gunicorn\n'
        'CMD ["gunicorn", "app:app"]\n', PY, "app.py", None, False, ["RUN pip install --no-cache-dir flask gunicorn"]),
    "apt moves, npm ci after the manifests, then DO101": (
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN apt-get update\nRUN apt-get install -y git\nRUN npm ci\n",
        SYNCED, "src/index.js", "merge", False, ["RUN apt-get update", "RUN apt-get install -y git", "RUN npm ci"]),
    "yarn global add moves, yarn install split": (
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn global add nodemon\nRUN yarn install\n",
        {"package.json": SYNCED_PKG, "yarn.lock": YARN_LOCK, "src/index.js": "1\n"}, "src/index.js", None, False,
        ["RUN yarn global add nodemon", "RUN yarn install"]),
    "npm cache clean stays with the install": (
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install && npm run build && npm cache clean --force\n",
        SYNCED, "src/index.js", None, False, ["RUN npm install && npm run build && npm cache clean --force"]),
    ".npmrc carried with the manifests": (
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        {**SYNCED, ".npmrc": "registry=https://npm.example/\n"}, "src/index.js", None, False, ["RUN npm ci"]),
    "pip.conf named by PIP_CONFIG_FILE carried": (
        "FROM python:3.12-slim\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        {**PY, "pip.conf": "[global]\nindex-url = https://pypi.example/simple\n"}, "app.py", None, False,
        ["RUN pip install --no-cache-dir -r requirements.txt"]),
    "composer idiom (unsafe)": (
        "FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install --no-dev -o\n",
        {"composer.json": json.dumps({"require": {"monolog/monolog": "^3.0"}}), "composer.lock": "{\"packages\": []}\n",
         "src/App.php": "<?php\n"}, "src/App.php", None, True, ["RUN composer install --no-dev -o"]),
}


@pytest.mark.parametrize("name", list(PLANNER))
def test_planner_same_image_and_cache(bh, make_context, build_summary, name: str) -> None:
    original, files, source, transforms, unsafe, reruns = PLANNER[name]
    context = make_context(files)
    fixed = dockeropt_fix(context, original, _merge_too() if transforms == "merge" else None, unsafe)
    assert fixed != original
    slug = "plan-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
    before = bh.build(context, original, f"{slug}-before")
    after = bh.build(context, fixed, f"{slug}-after")
    assert bh.diff_rootfs(before, after) == []
    assert bh.diff_config(before, after) == []
    rerun_before = bh.rebuild_after_edit(make_context(files), original, f"{slug}-b", touch_source(source))
    rerun_after = bh.rebuild_after_edit(make_context(files), fixed, f"{slug}-a", touch_source(source))
    assert [s for s in rerun_before.rerun_instructions() if s in reruns] == reruns
    # after the fix, the edit re-runs the full COPY and what follows it, and nothing above it
    steps = [s.instruction for s in rerun_after.second.steps if s.keyword != "FROM"]
    first_rerun = next(i for i, s in enumerate(steps) if s.startswith(("COPY . ", "ADD . ")))
    assert rerun_after.rerun_instructions() == steps[first_rerun:], rerun_after.rerun_instructions()
    assert not any(r in rerun_after.rerun_instructions() for r in reruns)
    build_summary.append(bh.summary_row(f"DO102 plan: {name}", before, after, rerun_before, rerun_after))


def test_trap_a_relative_path_keeps_the_run_below(bh, make_context) -> None:
    original = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -c constraints.txt flask\n"
    context = make_context({**PY, "constraints.txt": "flask<4\n"})
    assert dockeropt_fix(context, original) == original
    bh.build(context, original, "plan-trap-rel-before")
    careless = "FROM python:3.12-slim\nWORKDIR /app\nRUN pip install --no-cache-dir -c constraints.txt flask\nCOPY . .\n"
    with pytest.raises(bh.BuildError, match="Could not open requirements file"):
        bh.build(context, careless, "plan-trap-rel-careless")


def test_trap_config_files_must_be_carried(bh, make_context) -> None:
    """Split without .npmrc or pip.conf, the install reads another registry: another image."""
    npm_files = {**SYNCED, ".npmrc": "registry=https://npm.example/\n"}
    context = make_context(npm_files)
    original = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
    careless = "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n"
    assert ".npmrc ./" in dockeropt_fix(context, original)
    diff = bh.diff_rootfs(bh.build(context, original, "plan-trap-npmrc-before"),
                          bh.build(context, careless, "plan-trap-npmrc-careless"))
    assert any(line.startswith("/app/node_modules/express/package.json: content differs") for line in diff)

    context = make_context({**PY, "pip.conf": "[global]\nindex-url = https://pypi.example/simple\n"})
    original = ("FROM python:3.12-slim\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\n"
                "RUN pip install --no-cache-dir -r requirements.txt\n")
    careless = ("FROM python:3.12-slim\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY requirements.txt ./\n"
                "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n")
    assert "pip.conf ./" in dockeropt_fix(context, original)
    diff = bh.diff_rootfs(bh.build(context, original, "plan-trap-pipconf-before"),
                          bh.build(context, careless, "plan-trap-pipconf-careless"))
    assert any("site-packages/flask/__init__.py: content differs" in line for line in diff)


def test_trap_a_stale_lockfile_is_only_an_unsafe_split(bh, make_context) -> None:
    """npm install rewrites a lockfile out of sync; the later COPY would put the stale one back."""
    stale = json.dumps({"name": "web", "version": "1.0.0", "lockfileVersion": 3, "packages": {
        "": {"name": "web", "version": "1.0.0", "dependencies": {"express": "4.19.2"}}}})
    context = make_context({**SYNCED, "package-lock.json": stale})
    original = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\n"
    assert dockeropt_fix(context, original) == original
    split = dockeropt_fix(context, original, unsafe=True)
    assert split != original
    diff = bh.diff_rootfs(bh.build(context, original, "plan-trap-lock-before"), bh.build(context, split, "plan-trap-lock-split"))
    assert diff and all(line.startswith("/app/package-lock.json: content differs") for line in diff), diff
