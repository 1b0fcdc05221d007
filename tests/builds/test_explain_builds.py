"""``dockeropt explain`` against buildah: after a source edit, the steps explain says re-run
are the steps buildah ran again (not "Using cache"), before and after ``dockeropt --fix``."""

from __future__ import annotations

import json

import pytest
from test_manifests_first_builds import CASES as MANIFEST_CASES
from test_manifests_first_builds import LOCK, PKG, touch_source

from dockeropt.explain import explain
from dockeropt.runner import Settings

OWN_CASES = {
    "multi-stage copies from a stage that re-runs": (
        "FROM node:20 AS deps\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\n"
        "FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm run build\nENV STAGE=build\n"
        "FROM node:20\nWORKDIR /app\nCOPY --from=deps /app/package.json ./\nCOPY --from=build /app/dist ./dist\n"
        "EXPOSE 3000\nCMD [\"node\", \"dist/bundle.js\"]\n",
        {"package.json": PKG, "package-lock.json": LOCK, "src/index.js": "1\n"}, "src/index.js",
    ),
    "an ignored file re-runs nothing": (
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        {"package.json": PKG, "package-lock.json": LOCK, "src/index.js": "1\n", "notes.md": "x\n",
         ".dockerignore": "notes.md\n"}, "notes.md",
    ),
    "a glob takes the edited file": (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements*.txt ./\nRUN pip install -r requirements.txt\n"
        "COPY *.py ./\nRUN python -c 'print(1)'\nCMD [\"python\", \"app.py\"]\n",
        {"requirements.txt": "flask==3.0.3\n", "requirements-dev.txt": "pytest\n", "app.py": "print(1)\n"},
        "requirements-dev.txt",
    ),
    "a stage built FROM a stage that re-runs": (
        "FROM python:3.12 AS base\nWORKDIR /app\nCOPY app.py ./\nFROM base\nRUN python -c 'print(2)'\nENV READY=1\n",
        {"app.py": "print(1)\n"}, "app.py",
    ),
    "the shipped example": (
        "FROM node:20\n\nRUN apt-get update\nRUN apt-get install -y curl\n\nWORKDIR /app\nCOPY . .\n"
        "RUN npm ci && npm run build\n\nEXPOSE 3000\nCMD [\"node\", \"dist/server.js\"]\n",
        {"package.json": PKG, "package-lock.json": LOCK, "src/index.js": "1\n", ".dockerignore": "node_modules\ndist\n"},
        "src/index.js",
    ),
}
CASES = {**{f"DO102 {name}": case for name, case in MANIFEST_CASES.items()}, **OWN_CASES}
SUMMARY: list[dict] = []


@pytest.mark.parametrize("name", list(CASES))
def test_explain_predicts_what_buildah_reruns(bh, make_context, build_summary, name: str) -> None:
    original, files, source = CASES[name]
    context = make_context(files)
    predicted = explain(original, "Dockerfile", context, [source], Settings(fix=True))
    fixed = _fixed(original, context)
    slug = "explain-" + "".join(c if c.isalnum() else "-" for c in name.lower())
    before = bh.rebuild_after_edit(make_context(files), original, f"{slug}-b", touch_source(source))
    counts = [len(predicted.reruns()), before.rerun_count]
    if fixed != original:
        after = bh.rebuild_after_edit(make_context(files), fixed, f"{slug}-a", touch_source(source))
        counts += [len(predicted.reruns(fixed=True)), after.rerun_count]
    else:
        counts += [len(predicted.reruns(fixed=True)), before.rerun_count]
    build_summary.append({"case": f"explain: {name}", "re-run before (explain)": counts[0], "re-run before (buildah)": counts[1],
                          "re-run after (explain)": counts[2], "re-run after (buildah)": counts[3]})
    shown = json.dumps([r.as_json() for r in predicted.steps + predicted.fixed], indent=1)
    assert counts[0] == counts[1], (before.rerun_instructions(), shown)
    assert counts[2] == counts[3], shown


def _fixed(original: str, context) -> str:  # noqa: ANN001
    from dockeropt.runner import run_text

    result = run_text(original, Settings(fix=True), path="Dockerfile", build_context=context)
    assert result.reverted is None
    return result.output


def test_explain_sees_the_fix_the_build_tests_make(make_context) -> None:
    """Not a build: the fixed file explain reports is the one dockeropt --fix writes."""
    original, files, source = CASES["the shipped example"]
    context = make_context(files)
    predicted = explain(original, "Dockerfile", context, [source], Settings(fix=True))
    assert predicted.fixes > 0
    assert [r.instruction for r in predicted.reruns(fixed=True)][1] == "RUN npm run build"


def test_a_commit_reruns_nothing_once_git_is_ignored(bh, make_context, build_summary, tmp_path) -> None:
    """DO110: a commit changes .git; with ``.git`` in .dockerignore (written by --fix) nothing re-runs."""
    from dockeropt.runner import Job, check_file

    original = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"src/index.js\"]\n"
    files = {"package.json": PKG, "package-lock.json": LOCK, "src/index.js": "1\n",
             ".git/HEAD": "ref: refs/heads/main\n", ".git/refs/heads/main": "1111\n"}

    def commit(context) -> None:  # noqa: ANN001
        (context / ".git" / "refs" / "heads" / "main").write_text("2222\n")

    predicted = explain(original, "Dockerfile", make_context(files), [".git/refs/heads/main"], Settings(fix=True))
    assert predicted.ignores == [".git"]
    before = bh.rebuild_after_edit(make_context(files), original, "explain-git-b", commit)

    fixed_context = make_context(files)
    dockerfile = tmp_path / "df" / "Dockerfile"
    dockerfile.parent.mkdir()
    dockerfile.write_text(original)
    outcome = check_file(Job("Dockerfile", dockerfile, build_context=fixed_context, settings=Settings(fix=True, write=True)))
    assert outcome.error is None and (fixed_context / ".dockerignore").read_text() == ".git\n"
    after = bh.rebuild_after_edit(fixed_context, dockerfile.read_text(), "explain-git-a", commit)

    counts = [len(predicted.reruns()), before.rerun_count, len(predicted.reruns(fixed=True)), after.rerun_count]
    build_summary.append({"case": "explain: DO110 a commit (.git)", "re-run before (explain)": counts[0],
                          "re-run before (buildah)": counts[1], "re-run after (explain)": counts[2], "re-run after (buildah)": counts[3]})
    assert counts == [3, 3, 0, 0], (before.rerun_instructions(), after.rerun_instructions())
