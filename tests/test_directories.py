"""Folders and many files: discovery, .gitignore, exclude, all cores, the summary."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockeropt.walk import dockerfiles, glob_regex, matches_exclude

MERGEABLE = "FROM alpine:3.23\nRUN echo a\nRUN echo b\n"
MERGED = "FROM alpine:3.23\nRUN echo a \\\n    && echo b\n"
CLEAN = "FROM alpine:3.23\nRUN echo a\n"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dockeropt", *args], capture_output=True, cwd=cwd, timeout=300)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def names(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in dockerfiles(root)]


def reported(proc: subprocess.CompletedProcess) -> list[str]:
    """The files a run reports findings in."""
    return sorted({line.split(":")[0] for line in proc.stdout.decode().splitlines() if ": DO" in line})


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True, capture_output=True)


TREE = {
    "Dockerfile": CLEAN,
    "svc/Dockerfile.dev": CLEAN,
    "svc/api.Dockerfile": CLEAN,
    "build/Dockerfile": CLEAN,
    "logs/x.tmp.Dockerfile": CLEAN,
    "logs/keep.tmp.Dockerfile": CLEAN,
    "deep/a/b/Containerfile": CLEAN,
    "notes.md": "",
    ".gitignore": "# outputs\nbuild/\n*.tmp.Dockerfile\n!keep.tmp.Dockerfile\n/deep/a/b\n",
}
EXPECTED = ["Dockerfile", "logs/keep.tmp.Dockerfile", "svc/Dockerfile.dev", "svc/api.Dockerfile"]


def test_gitignore_outside_git(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    assert names(tmp_path) == EXPECTED


def test_nested_gitignore_outside_git(tmp_path: Path) -> None:
    write(tmp_path, {"a/Dockerfile": CLEAN, "a/b/Dockerfile": CLEAN, "a/.gitignore": "b\n", "c/b/Dockerfile": CLEAN})
    assert names(tmp_path) == ["a/Dockerfile", "c/b/Dockerfile"]


@needs_git
def test_gitignore_inside_git_is_gits_own(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "Dockerfile", "svc", ".gitignore")
    git(tmp_path, "commit", "-qm", "x")
    (tmp_path / "untracked").mkdir()
    (tmp_path / "untracked" / "Dockerfile").write_text(CLEAN)  # untracked, not ignored: found
    (tmp_path / "svc" / "Dockerfile.dev").unlink()  # tracked, deleted since: not found
    assert names(tmp_path) == ["Dockerfile", "logs/keep.tmp.Dockerfile", "svc/api.Dockerfile", "untracked/Dockerfile"]
    assert names(tmp_path / "svc") == ["api.Dockerfile"], "a subfolder of a work tree"


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("*.Dockerfile", "a.Dockerfile", True),
        ("*.Dockerfile", "x/a.Dockerfile", False),  # * stays within a folder
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("**/b", "x/b", True),
        ("a/**", "a/x/y", True),
        ("file?", "file1", True),
        ("file[!0-9]", "file1", False),
        ("file[!0-9]", "filex", True),
    ],
)
def test_globs(pattern: str, path: str, hit: bool) -> None:
    import re

    assert bool(re.match(glob_regex(pattern), path)) is hit


@pytest.mark.parametrize(
    ("patterns", "path", "hit"),
    [
        (["vendor"], "vendor/x/Dockerfile", True),
        (["vendor"], "src/vendor/Dockerfile", True),  # a name matches at any depth
        (["services/old"], "services/old/Dockerfile", True),
        (["services/old"], "x/services/old/Dockerfile", False),  # a path is from the configuration's folder
        (["docs/**"], "docs/a/Dockerfile", True),
        (["*.tmpl.Dockerfile"], "a/b.tmpl.Dockerfile", True),
        (["**/legacy"], "a/legacy/Dockerfile", True),
        (["legacy"], "legacyish/Dockerfile", False),
    ],
)
def test_exclude_patterns(tmp_path: Path, patterns: list[str], path: str, hit: bool) -> None:
    assert matches_exclude(tmp_path / path, tmp_path, patterns) is hit


def test_exclude_from_the_configuration_skips_walked_files_only(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": MERGEABLE, "vendor/Dockerfile": MERGEABLE, "svc/legacy/Dockerfile": MERGEABLE})
    (tmp_path / ".dockeropt.toml").write_text("exclude = ['vendor', 'svc/legacy']\n")
    proc = run("--check", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.decode().splitlines()[0].startswith("Dockerfile:2:1: DO101")
    assert b"vendor" not in proc.stdout and b"legacy" not in proc.stdout
    proc = run("--check", "vendor/Dockerfile", cwd=tmp_path)  # named on the command line: checked
    assert b"vendor/Dockerfile:2:1: DO101" in proc.stdout


DEFAULT_SKIPPED = ["node_modules/pkg/Dockerfile", ".venv/lib/Dockerfile", "build/Dockerfile", "dist/Dockerfile", "a/__pycache__/Dockerfile"]


@pytest.mark.parametrize("in_git", [False, pytest.param(True, marks=needs_git)], ids=["plain folder", "git work tree"])
def test_dependency_and_output_folders_are_skipped_by_default(tmp_path: Path, in_git: bool) -> None:
    write(tmp_path, {"Dockerfile": MERGEABLE, **{name: MERGEABLE for name in DEFAULT_SKIPPED}})
    if in_git:
        git(tmp_path, "init", "-q")
    proc = run("--check", cwd=tmp_path)
    assert reported(proc) == ["Dockerfile"]
    proc = run("--check", "build/Dockerfile", cwd=tmp_path)  # named on the command line: checked
    assert proc.stdout.decode().startswith("build/Dockerfile:2:1: DO101")
    proc = run("--check", ".", cwd=tmp_path / "build")  # a walk of the folder itself is not excluded
    assert proc.stdout.decode().startswith("Dockerfile:2:1: DO101")


@pytest.mark.parametrize(
    ("setting", "found"),
    [
        pytest.param("extend-exclude = ['legacy']", ["Dockerfile"], id="extend-exclude adds to the defaults"),
        pytest.param("exclude = ['legacy']", ["Dockerfile", "build/Dockerfile"], id="exclude replaces them"),
        pytest.param("exclude = []", ["Dockerfile", "build/Dockerfile", "legacy/Dockerfile"], id="an empty exclude walks everything"),
    ],
)
def test_the_configuration_overrides_the_default_exclusions(tmp_path: Path, setting: str, found: list[str]) -> None:
    write(tmp_path, {"Dockerfile": MERGEABLE, "build/Dockerfile": MERGEABLE, "legacy/Dockerfile": MERGEABLE})
    (tmp_path / ".dockeropt.toml").write_text(setting + "\n")
    proc = run("--check", cwd=tmp_path)
    assert reported(proc) == found


def test_a_folder_without_a_dockerfile_says_so(tmp_path: Path) -> None:
    write(tmp_path, {"notes.md": "", "node_modules/x/Dockerfile": MERGEABLE})
    proc = run(cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == b""
    assert proc.stderr.decode().startswith("dockeropt: no Dockerfile found under .")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(CLEAN)
    proc = run(".", "svc", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stderr == b"", "the folder holds one, below it"


def test_a_folder_run_tallies_once_at_the_end(tmp_path: Path) -> None:
    held = "FROM python:3.12\nRUN apt-get install -y curl\n"  # DO103 suggestion, DO202 unsafe, DO201 nothing
    write(tmp_path, {"a/Dockerfile": MERGEABLE, "b/Dockerfile": held, "c/Dockerfile": MERGEABLE})
    proc = run(cwd=tmp_path)
    assert proc.returncode == 1
    assert all(line.split(":")[0].endswith("Dockerfile") for line in proc.stdout.decode().splitlines()), "findings only"
    summary = proc.stderr.decode().splitlines()
    assert summary[0] == "3 files checked, 0 failed, 4 findings, 2 fixable"
    assert summary[1].split() == ["code", "transform", "findings", "fixable", "unsafe", "suggestions"]
    rows = {line.split()[0]: line.split()[2:] for line in summary[2:-1]}
    assert rows == {"DO101": ["2", "2", "0", "0"], "DO103": ["1", "0", "0", "1"], "DO202": ["1", "0", "1", "0"]}
    assert summary[-1] == (
        "2 fixable with --fix; 1 unsafe fix held back (apply with --fix --unsafe-fixes); 1 suggestion to review (never applied)"
    )
    unsafe = run("--unsafe-fixes", cwd=tmp_path).stderr.decode().splitlines()
    assert unsafe[-1] == "3 fixable with --fix --unsafe-fixes; 1 suggestion to review (never applied)"
    one = run("b/Dockerfile", cwd=tmp_path)
    assert one.stderr == b"" and one.stdout.decode().splitlines()[-1].startswith("1 unsafe fix held back"), "one file: tallied below"


def test_a_failing_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path, {"a/Dockerfile": MERGEABLE, "b/Dockerfile": "FROM a\nRUN <<EOF\n", "c/Dockerfile": MERGEABLE})
    proc = run("--fix", cwd=tmp_path)
    assert proc.returncode == 2
    assert (tmp_path / "a" / "Dockerfile").read_text() == MERGED
    assert (tmp_path / "c" / "Dockerfile").read_text() == MERGED
    assert (tmp_path / "b" / "Dockerfile").read_text() == "FROM a\nRUN <<EOF\n"
    assert "b/Dockerfile:2:1: unterminated heredoc" in proc.stderr.decode()


def test_many_files_use_all_cores_and_give_the_same_results(tmp_path: Path) -> None:
    files = {f"s{i:02}/Dockerfile": (MERGEABLE if i % 3 else CLEAN) for i in range(40)}
    files["s07/Dockerfile"] = ""
    write(tmp_path, files)
    proc = run("--check", cwd=tmp_path)
    assert proc.returncode == 2
    out = proc.stdout.decode().splitlines()
    reported = [line.split(":")[0] for line in out if " DO101 " in line]
    assert reported == sorted(f for f, text in files.items() if text == MERGEABLE), "in path order"
    summary = proc.stderr.decode()
    n = len(reported)
    assert n == 25
    assert f"40 files checked, {n} would change, 1 failed, {n} findings, {n} fixable" in summary
    assert "DO101" in summary and "merge-run" in summary
    proc = run("--fix", cwd=tmp_path)
    assert all((tmp_path / f).read_text() == MERGED for f, text in files.items() if text == MERGEABLE)
    assert f"40 files checked, {n} changed, 1 failed, 0 left, {n} fixed" in proc.stderr.decode()
    assert not [p for p in tmp_path.rglob("*.tmp")], "atomic writes leave no temporary files"


def test_the_pool_matches_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dockeropt import runner

    jobs = []
    for i in range(30):
        path = tmp_path / f"{i}.Dockerfile"
        path.write_text(MERGEABLE if i % 2 else "")
        jobs.append(runner.Job(str(path), path=path, settings=runner.Settings(fix=True)))
    serial = [runner.check_file(j) for j in jobs]
    pooled = list(runner.run_many(jobs))
    assert len(jobs) >= runner.PARALLEL_FROM
    assert [(o.shown, o.fixed, o.error, [f.code for f in o.applied]) for o in pooled] == [
        (o.shown, o.fixed, o.error, [f.code for f in o.applied]) for o in serial
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the start method is chosen on Linux; elsewhere the default (spawn)")
def test_the_pool_forks_only_without_other_threads() -> None:
    code = (
        "import _thread, threading, time\nfrom dockeropt.runner import start_method\nprint(start_method())\n"
        "stop = threading.Event()\nthreading.Thread(target=stop.wait).start()\nprint(start_method())\nstop.set()\n"
        "time.sleep(0.2)\nprint(start_method())\n"
        "_thread.start_new_thread(time.sleep, (2,))\nprint(start_method())\n"  # a thread threading does not know of
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.split() == ["fork", "forkserver", "fork", "forkserver"]


@pytest.mark.parametrize(
    "start",
    [
        pytest.param("stop = threading.Event()\nthreading.Thread(target=stop.wait).start()\n", id="threading"),
        # one that threading does not know of, as a library's own (the Go runtime of BuildKit's parser)
        pytest.param("stop = threading.Event()\n_thread.start_new_thread(stop.wait, ())\n", id="unregistered"),
    ],
)
def test_the_pool_with_another_thread_running_matches_one_process(tmp_path: Path, start: str) -> None:
    """No fork while a thread runs (Python 3.12 and later warn of deadlocks in the child):
    the workers start from a server process, and give what one process gives."""
    for i in range(24):
        (tmp_path / f"{i}.Dockerfile").write_text(MERGEABLE if i % 2 else "FROM a\n")
    code = (
        "import _thread, sys, threading\nfrom pathlib import Path\nfrom dockeropt import runner\n"
        "jobs = [runner.Job(str(p), path=p, settings=runner.Settings(fix=True)) for p in sorted(Path(sys.argv[1]).iterdir())]\n"
        + start
        + "pooled = [(o.shown, o.fixed) for o in runner.run_many(jobs)]\nstop.set()\n"
        "assert pooled == [(o.shown, o.fixed) for o in map(runner.check_file, jobs)], pooled\nprint(len(pooled))\n"
    )
    command = [sys.executable, "-W", "always::DeprecationWarning", "-c", code, str(tmp_path)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["24"]
    assert "multi-threaded" not in proc.stderr, proc.stderr


def test_one_file_prints_no_summary(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(MERGEABLE)
    proc = run("--check", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == b""


def test_each_file_once(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(MERGEABLE)
    proc = run(".", "Dockerfile", "./Dockerfile", cwd=tmp_path)
    assert proc.stdout.decode().count("DO101") == 1


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    import pty  # noqa: F401 - Unix only

    write(tmp_path, {f"s{i:02}/Dockerfile": CLEAN for i in range(60)})
    leader, follower = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "dockeropt"], stdout=subprocess.PIPE, stderr=follower, cwd=tmp_path, timeout=300,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
    assert proc.returncode == 0
    assert b"checking" in seen and b"/60" in seen
    assert b"60 files checked" in seen
    piped = run(cwd=tmp_path)
    assert b"checking" not in piped.stderr
