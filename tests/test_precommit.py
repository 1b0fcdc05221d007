"""The pre-commit hooks: the manifest is valid, its file pattern is ours, and the hooks work.

``pre-commit try-repo`` installs dockeropt from a git repository into a fresh virtualenv
(pip reaches PyPI for lark, click and rich). try-repo leaves untracked files out, so the
test commits a copy of the package to a throwaway repository instead of using this one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / ".pre-commit-hooks.yaml"
MERGEABLE = "FROM alpine:3.19\nRUN echo a\nRUN echo b\n"
MERGED = "FROM alpine:3.19\nRUN echo a \\\n    && echo b\n"


def _hooks() -> dict[str, dict]:
    clientlib = pytest.importorskip("pre_commit.clientlib", reason="pre-commit is not installed (pip install pre-commit)")
    return {hook["id"]: hook for hook in clientlib.load_manifest(str(MANIFEST))}


def test_the_manifest_is_valid() -> None:
    hooks = _hooks()
    assert hooks["dockeropt"]["entry"] == "dockeropt --fix"
    assert hooks["dockeropt-check"]["entry"] == "dockeropt --check"
    assert {h["language"] for h in hooks.values()} == {"python"}


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("Dockerfile", True),
        ("svc/Dockerfile", True),
        ("Dockerfile.dev", True),
        ("svc/api.Dockerfile", True),
        ("web.dockerfile", True),
        ("Containerfile", True),
        ("Dockerfile.d/notes.txt", False),
        ("Dockerfiles/README.md", False),
        ("MyDockerfile", False),
        ("dockerfile.txt", False),
    ],
)
def test_the_file_pattern_is_discoverys(path: str, matches: bool) -> None:
    from dockeropt.walk import is_dockerfile_name

    patterns = {hook["files"] for hook in _hooks().values()}
    assert len(patterns) == 1
    assert bool(re.search(patterns.pop(), path)) is matches
    assert is_dockerfile_name(path.rsplit("/", 1)[-1]) is matches


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True, capture_output=True)


def _try_repo(hooks: Path, work: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(work.parent / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), *args, "--all-files"],
        cwd=work, env=env, capture_output=True, text=True, timeout=900,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_hooks_through_pre_commit_try_repo(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install pre-commit)")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, hooks / name)
    shutil.copytree(REPO / "dockeropt", hooks / "dockeropt", ignore=shutil.ignore_patterns("__pycache__"))
    _git(hooks, "init", "-q")
    _git(hooks, "add", "-A")
    _git(hooks, "commit", "-qm", "hooks")

    work = tmp_path / "work"
    (work / "svc").mkdir(parents=True)
    (work / "svc" / "Dockerfile").write_text(MERGEABLE)
    (work / "notes.txt").write_text("")  # dockeropt would fail on it: the pattern must leave it out
    _git(work, "init", "-q")
    _git(work, "add", "-A")

    checked = _try_repo(hooks, work, "dockeropt-check")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "svc/Dockerfile:2:1: DO101" in checked.stdout
    assert (work / "svc" / "Dockerfile").read_text() == MERGEABLE

    both = _try_repo(hooks, work)  # the fixing hook, then the checking one on the fixed file
    assert both.returncode == 1, both.stdout + both.stderr
    assert "files were modified by this hook" in both.stdout
    assert re.search(r"dockeropt \(check\)\.+Passed", both.stdout), both.stdout
    assert (work / "svc" / "Dockerfile").read_text() == MERGED
