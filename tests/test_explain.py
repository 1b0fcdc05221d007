"""``dockeropt explain`` and the build context it is given (``--context``, configuration, compose files)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockeropt.cli import main

EXAMPLE = Path(__file__).parents[1] / "examples" / "node-app"
ARTICLE = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(["explain", *args])
    out, err = capsys.readouterr()
    return exit_.value.code, out, err


def node_project(root: Path, dockerfile: str = ARTICLE) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "web", "scripts": {"build": "cp -r src dist"}}')
    (root / "package-lock.json").write_text('{"lockfileVersion": 3}')
    (root / "src" / "index.js").write_text("1\n")
    (root / "Dockerfile").write_text(dockerfile)
    return root / "Dockerfile"


def test_a_source_edit_before_and_after_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = node_project(tmp_path)
    status, out, _ = run([str(dockerfile), "--changed", str(tmp_path / "src" / "index.js"), "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0
    assert data["changed"] == ["src/index.js"]
    assert [s["line"] for s in data["steps"] if s["reruns"]] == [3, 4, 5, 6]
    assert data["steps"][1] == {
        "line": 3, "stage": "0", "instruction": "COPY . .",
        "reads": ["Dockerfile", "package-lock.json", "package.json", "src/index.js"],
        "reruns": True, "because": "it copies src/index.js",
    }
    assert data["steps"][2]["because"] == "line 3 before it re-runs"
    fixed = [s["instruction"] for s in data["fixed"] if s["reruns"]]
    assert fixed[:2] == ["COPY . .", "RUN npm run build"], "the install no longer re-runs"
    assert not any("FROM" in s["instruction"] for s in data["steps"])


def test_the_text_says_what_was_won(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = node_project(tmp_path)
    _, out, _ = run([str(dockerfile), "--changed", "src/index.js"], capsys)
    assert "editing src/index.js re-runs 4 steps (COPY . ., RUN npm ci, RUN npm run build, CMD)" in out
    assert "after `dockeropt --fix`: 3 steps (COPY . ., RUN npm run build, CMD)" in out


def test_no_change_names_the_most_expensive_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = node_project(tmp_path)
    _, out, _ = run([str(dockerfile)], capsys)
    assert "reads: the whole context (4 files)" in out
    assert "most expensive to edit:" in out
    assert "after `dockeropt --fix`: package-lock.json (5 steps), package.json (5 steps)" in out
    _, out, _ = run([str(dockerfile), "--format", "json"], capsys)
    data = json.loads(out)
    assert data["steps"][0]["reruns"] is None and data["expensive"][0] == {"file": "Dockerfile", "reruns": 4}


@pytest.mark.skipif(shutil.which("git") is None and os.environ.get("CI") != "true", reason="git is not installed")
def test_since_takes_the_files_git_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = node_project(tmp_path / "svc")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    (tmp_path / "svc" / "package.json").write_text('{"name": "web", "version": "2"}')
    _, out, _ = run([str(dockerfile), "--since", "HEAD", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["changed"] == ["package.json"]
    assert [s["line"] for s in data["fixed"] if s["reruns"]][:2] == [3, 4]  # the manifest copy and the install
    status, _, err = run([str(dockerfile), "--since", "no-such-ref"], capsys)
    assert status == 2 and "--since no-such-ref" in err


def test_bad_input_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM alpine\nRUN <<EOF\n")
    status, _, err = run([str(bad)], capsys)
    assert status == 2 and err.startswith(f"{bad}:")
    assert "Traceback" not in err


def test_without_a_context_folder_reads_are_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dockeropt.explain import explain

    item = explain(ARTICLE, "-", None, ["src/index.js"])
    assert item.steps[1].reads is None and item.steps[1].summary == "the whole context (not read: no context folder)"
    assert len(item.reruns()) == 4


def test_plain_output_does_not_import_rich(tmp_path: Path) -> None:
    dockerfile = node_project(tmp_path)
    probe = "import sys\nfrom dockeropt.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\nprint('rich' in sys.modules)\n"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    out = subprocess.run([sys.executable, "-c", probe, "explain", str(dockerfile)], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().endswith("False")


# --- the build context -----------------------------------------------------------------------------


def monorepo(root: Path) -> Path:
    """Services that build from the repository's root, as the compose file says."""
    (root / ".git").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "mono"}')
    (root / "package-lock.json").write_text('{"lockfileVersion": 3}')
    (root / "services" / "web").mkdir(parents=True)
    dockerfile = root / "services" / "web" / "Dockerfile"
    dockerfile.write_text("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n")
    (root / "services" / "web" / "index.js").write_text("1\n")
    return dockerfile


def test_a_compose_file_names_the_root_as_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("yaml")
    dockerfile = monorepo(tmp_path)
    (tmp_path / ".dockerignore").write_text(".git\n")
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    build:\n      context: .\n      dockerfile: services/web/Dockerfile\n")
    with pytest.raises(SystemExit):
        main([str(dockerfile)])
    out, _ = capsys.readouterr()
    assert "DO102" in out and "copy package.json, package-lock.json first" in out, out  # DO102 read the root
    _, out, _ = run([str(dockerfile), "--format", "json"], capsys)
    assert json.loads(out)["context"] == str(tmp_path)


def test_a_compose_file_in_a_subfolder_with_a_short_build(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    from dockeropt.contexts import context_for

    dockerfile = monorepo(tmp_path)
    (tmp_path / "services" / "docker-compose.yml").write_text("services:\n  web: {build: web}\n  db: {image: postgres}\n")
    assert context_for(str(dockerfile), "x") == os.path.realpath(tmp_path / "services" / "web")
    other = tmp_path / "services" / "web" / "Dockerfile.dev"
    other.write_text("FROM alpine\n")
    assert context_for(str(other), "folder") == "folder", "a Dockerfile the compose file does not name"


def test_a_run_finds_the_compose_files_above_each_folder_once(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    from dockeropt.contexts import context_for

    dockerfile = monorepo(tmp_path)
    (tmp_path / "compose.yaml").write_text("services:\n  web: {build: {context: ., dockerfile: services/web/Dockerfile}}\n")
    (tmp_path / "services" / "compose.yml").write_text("services:\n  dev: {build: {context: web, dockerfile: Dockerfile.dev}}\n")
    other = tmp_path / "services" / "web" / "Dockerfile.dev"
    other.write_text("FROM alpine\n")
    composes: dict[str, tuple[str, ...]] = {}
    assert context_for(str(dockerfile), "x", composes=composes) == os.path.realpath(tmp_path)
    assert context_for(str(other), "x", composes=composes) == os.path.realpath(tmp_path / "services" / "web")
    folder = os.path.realpath(tmp_path / "services" / "web")
    assert composes == {folder: (os.path.join(os.path.dirname(folder), "compose.yml"), os.path.join(os.path.realpath(tmp_path), "compose.yaml"))}
    assert context_for(str(tmp_path / "services" / "web" / "Dockerfile.x"), "folder", composes=composes) == "folder"


def test_a_broken_compose_file_is_passed_over(tmp_path: Path) -> None:
    from dockeropt.contexts import context_for

    dockerfile = monorepo(tmp_path)
    (tmp_path / "compose.yaml").write_text("services: [\n")
    assert context_for(str(dockerfile), "folder") == "folder"


def test_the_configuration_names_contexts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = monorepo(tmp_path)
    (tmp_path / ".dockeropt.toml").write_text('[contexts]\n"services/*/Dockerfile" = "."\n')
    with pytest.raises(SystemExit):
        main([str(dockerfile)])
    out, _ = capsys.readouterr()
    assert "copy package.json, package-lock.json first" in out, out


def test_the_command_line_context_wins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = monorepo(tmp_path)
    (tmp_path / ".dockeropt.toml").write_text('[contexts]\n"services/*/Dockerfile" = "services"\n')
    with pytest.raises(SystemExit):
        main([str(dockerfile), "--context", str(tmp_path)])
    out, _ = capsys.readouterr()
    assert "copy package.json, package-lock.json first" in out, out
    with pytest.raises(SystemExit):
        main([str(dockerfile)])
    out, _ = capsys.readouterr()
    assert "copy package.json" not in out, "the configured folder holds no manifest"


def test_stdin_takes_the_context_too(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    dockerfile = monorepo(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(dockerfile.read_bytes())))
    with pytest.raises(SystemExit):
        main(["--stdin-filename", str(dockerfile), "--context", str(tmp_path), "-"])
    out, _ = capsys.readouterr()
    assert "copy package.json, package-lock.json first" in out, out


def test_the_shipped_example(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run([str(EXAMPLE / "Dockerfile"), "--changed", str(EXAMPLE / "src" / "server.js")], capsys)
    assert "editing src/server.js re-runs 4 steps (COPY . ., RUN npm ci && npm run build, EXPOSE, CMD)" in out


def test_a_contexts_table_must_map_globs_to_folders(tmp_path: Path) -> None:
    from dockeropt import config

    path = tmp_path / ".dockeropt.toml"
    path.write_text("[contexts]\n\"*\" = 1\n")
    with pytest.raises(config.ConfigError, match="'contexts' in .dockeropt.toml must map Dockerfile globs to folders"):
        config.load(path, ("DO101",))
    path.write_text("[contexts]\n\"services/*/Dockerfile\" = \".\"\n")
    assert config.load(path, ("DO101",)).contexts == {"services/*/Dockerfile": "."}


def test_context_is_read_by_click_and_left_to_it_by_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from dockeropt import cli, command

    assert cli.read_simple(["--context", ".", "Dockerfile"]) is None
    assert cli.read_simple(["explain", "Dockerfile"]) is None
    seen = []
    monkeypatch.setattr(command, "check", lambda paths, options: seen.append(options) or 0)
    with pytest.raises(SystemExit):
        cli.commands()[""].main(["--context", ".", "Dockerfile"], prog_name="dockeropt")
    assert seen[0].context == "."


def test_a_refusal_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = node_project(tmp_path, "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n")
    (tmp_path / "package.json").write_text('{"scripts": {"postinstall": "node src/index.js"}}')
    _, out, _ = run([str(dockerfile), "--changed", "src/index.js", "--format", "json"], capsys)
    (refused,) = json.loads(out)["not_fixed"]
    assert refused["line"] == 3 and refused["code"] == "DO102" and "postinstall" in refused["message"]
    _, out, _ = run([str(dockerfile), "--changed", "src/index.js"], capsys)
    assert "not fixed: line 3 DO102 " in out


def test_the_fixed_file_is_planned_with_the_lines_fix_adds_to_dockerignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = node_project(tmp_path, "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    _, out, _ = run([str(dockerfile), "--changed", "src/index.js", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["ignore_added"] == ["node_modules"]
    assert not (tmp_path / ".dockerignore").exists(), "explain writes nothing"
    assert "COPY package.json package-lock.json ./" in [s["instruction"] for s in data["fixed"]]  # as --fix writes it


def test_a_step_below_the_sources_that_reads_none_of_them_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # DO111 never fixes: explain says which step a source edit re-runs for nothing
    dockerfile = node_project(tmp_path, "FROM node:20\nWORKDIR /app\nCOPY src/ src/\nRUN apt-get install -y ffmpeg\n")
    _, out, _ = run([str(dockerfile), "--changed", "src/index.js", "--format", "json"], capsys)
    report = json.loads(out)
    (held,) = report["not_fixed"]
    assert held["line"] == 4 and held["code"] == "DO111" and "move it above line 3" in held["message"]
    assert [row["line"] for row in report["steps"] if row["reruns"]] == [3, 4]
