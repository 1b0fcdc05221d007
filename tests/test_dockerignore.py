"""DO110 with a ``.git`` folder (which no golden case can hold) and what ``--fix`` writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockeropt import engine
from dockeropt.cli import main
from dockeropt.transforms.base import Context
from dockeropt.transforms.dockerignore import DockerignoreCache

NODE = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"


def project(root: Path, dockerfile: str = NODE, files: dict[str, str] | None = None) -> Path:
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    for name, text in {"package.json": "{}", "package-lock.json": "{}", **(files or {})}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "Dockerfile").write_text(dockerfile)
    return root / "Dockerfile"


def found(root: Path, dockerfile: str = NODE) -> list[str]:
    context = Context(path=str(root / "Dockerfile"), build_context=root)
    result = engine.run(dockerfile, context, [DockerignoreCache()])
    return [f"{f.fix.applicability.value}: {f.message}" for f in result.findings]


@pytest.mark.parametrize(
    ("dockerfile", "files", "verdict"),
    [
        pytest.param(NODE, {}, "safe: COPY . copies .git: every change there re-runs the steps after it; add to .dockerignore: .git",
                     id="a git folder"),
        pytest.param(NODE + "RUN git describe --tags > VERSION\n", {}, "(unsafe: line 5 may read .git", id="git describe reads it"),
        pytest.param("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n", {}, "(unsafe: line 4 may read .git",
                     id="go build stamps the commit"),
        pytest.param("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\n",
                     {"pyproject.toml": "[tool.setuptools_scm]\n"}, "(unsafe: pyproject.toml takes its version from .git",
                     id="setuptools-scm reads the version from git"),
        pytest.param("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\n",
                     {"src/pkg/__pycache__/m.cpython-312.pyc": "x"}, "add to .dockerignore: .git, **/__pycache__",
                     id="caches at any depth"),
    ],
)
def test_vcs_folders(tmp_path: Path, dockerfile: str, files: dict[str, str], verdict: str) -> None:
    project(tmp_path, dockerfile, files)
    findings = found(tmp_path, dockerfile)
    assert len(findings) == 1 and verdict in findings[0], findings


def test_no_finding_when_the_ignore_file_speaks_of_it(tmp_path: Path) -> None:
    project(tmp_path, files={".dockerignore": ".git\n"})
    assert found(tmp_path) == []


def test_a_dockerfile_specific_ignore_file_is_the_one_edited(tmp_path: Path) -> None:
    project(tmp_path, files={"Dockerfile.dockerignore": "*.md\n"})
    assert "add to Dockerfile.dockerignore: .git" in found(tmp_path)[0]


def test_fix_writes_the_ignore_file_and_the_run_settles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = project(tmp_path, files={"node_modules/x/index.js": "1", ".dockerignore": "*.log"})
    os.chmod(tmp_path / ".dockerignore", 0o600)
    with pytest.raises(SystemExit) as exit_:
        main(["--fix", str(dockerfile)])
    assert exit_.value.code == 0
    assert (tmp_path / ".dockerignore").read_text() == "*.log\n.git\nnode_modules\n", "no line removed, none twice"
    assert os.stat(tmp_path / ".dockerignore").st_mode & 0o777 == 0o600
    # with node_modules ignored, DO102 splits the install in the same run: fixing again changes nothing
    assert "COPY package.json package-lock.json ./" in dockerfile.read_text()
    before = dockerfile.read_text()
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["--fix", str(dockerfile)])
    assert dockerfile.read_text() == before and (tmp_path / ".dockerignore").read_text().count(".git") == 1


def test_fix_creates_a_missing_ignore_file(tmp_path: Path) -> None:
    dockerfile = project(tmp_path)
    with pytest.raises(SystemExit):
        main(["--fix", str(dockerfile)])
    assert (tmp_path / ".dockerignore").read_text() == ".git\n"


@pytest.mark.parametrize("args", [["--check"], ["--diff"], []], ids=["check", "diff", "report"])
def test_only_fix_writes(tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = project(tmp_path)
    with pytest.raises(SystemExit):
        main([*args, str(dockerfile)])
    assert not (tmp_path / ".dockerignore").exists()


def test_unsafe_waits_for_unsafe_fixes(tmp_path: Path) -> None:
    dockerfile = project(tmp_path, NODE + "RUN git rev-parse HEAD > REV\n")
    with pytest.raises(SystemExit):
        main(["--fix", str(dockerfile)])
    assert not (tmp_path / ".dockerignore").exists()
    with pytest.raises(SystemExit):
        main(["--fix", "--unsafe-fixes", str(dockerfile)])
    assert (tmp_path / ".dockerignore").read_text() == ".git\n"
