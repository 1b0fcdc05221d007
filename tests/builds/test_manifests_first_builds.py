"""DO102 proven with real builds: the fixed Dockerfile makes the same image, and after a
source edit its install comes from the cache while the original's re-runs. The traps show
that a careless split changes the image, and that DO102 leaves those files alone."""

from __future__ import annotations

import json
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


def dockeropt_fix(context: Path, dockerfile: str) -> str:
    result = engine.run(dockerfile, Context(build_context=context), [ManifestsFirst()], fix=True)
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


def test_trap_postinstall_is_left_alone(make_context) -> None:
    """The npm stand-in runs no lifecycle scripts, so only the refusal is shown here."""
    package = json.dumps({"name": "web", "scripts": {"postinstall": "cp src/patch.js node_modules/"}})
    context = make_context({"package.json": package, "package-lock.json": LOCK, "src/patch.js": "1\n"})
    original = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
    assert dockeropt_fix(context, original) == original
