"""The command line as a user meets it: exit codes, messages, stdin, files left intact."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = "FROM alpine:3.23\nRUN echo hi\n"


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dockeropt", *args], input=stdin, capture_output=True, cwd=cwd, timeout=120
    )


BAD = [
    pytest.param(b"", "1:1: file with no instructions", id="empty file"),
    pytest.param(b"# nothing\n# here\n", ":2:1: file with no instructions", id="only comments"),
    pytest.param(b"# escape=x\nFROM a\n", ":1:1: invalid escape token", id="bad escape directive"),
    pytest.param(b"# escape=`\n# escape=`\nFROM a\n", ":2:1: only one escape parser directive", id="repeated escape"),
    pytest.param(b"FROM a\nRUN <<EOF\nnever ends\n", ":2:1: unterminated heredoc", id="unterminated heredoc"),
    pytest.param(bytes(range(256)) * 4, ": binary file", id="binary junk"),
    pytest.param(b"FROM a\nRUN " + b"x" * 3_000_000 + b"\n", ":2:1: line is longer", id="a line of megabytes"),
    pytest.param(b"FROM a\nCMD [1, 2]\n", ":2:1: when using JSON array syntax", id="JSON numbers"),
]


@pytest.mark.parametrize(("content", "message"), BAD)
@pytest.mark.parametrize("mode", [[], ["--fix"], ["--diff"], ["--check"], ["parse"], ["parse", "--json"]])
def test_bad_input_is_a_clear_error_and_the_file_is_kept(tmp_path: Path, content: bytes, message: str, mode: list[str]) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(content)
    args = [mode[0], str(path), *mode[1:]] if mode and mode[0] == "parse" else [*mode, str(path)]
    proc = run(*args)
    assert proc.returncode == 2
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"{path}:")
    assert message in lines[0]
    assert "Traceback" not in proc.stderr.decode()
    assert path.read_bytes() == content


def test_bad_input_on_stdin_with_fix_prints_the_input_unchanged() -> None:
    content = b"FROM a\nRUN <<EOF\nx\n"
    proc = run("--fix", "-", stdin=content)
    assert proc.returncode == 2
    assert proc.stdout == content
    assert proc.stderr.decode().startswith("-:2:1: unterminated heredoc")


def test_non_utf8_bytes_round_trip(tmp_path: Path) -> None:
    content = b"FROM a\nRUN echo \xff\xfe caf\xe9\r\n"
    path = tmp_path / "Dockerfile"
    path.write_bytes(content)
    proc = run("--fix", str(path))
    assert proc.returncode == 0, proc.stderr
    assert path.read_bytes() == content
    proc = run("--fix", "-", stdin=content)
    assert proc.stdout == content


def test_a_file_of_100000_lines(tmp_path: Path) -> None:
    lines = ["FROM alpine:3.23"] + [f"LABEL n{i}=v{i}" if i % 2 else f"# comment {i}" for i in range(99_999)]
    content = ("\n".join(lines) + "\n").encode()
    path = tmp_path / "Dockerfile"
    path.write_bytes(content)
    proc = run("--check", str(path))
    assert proc.returncode == 0, proc.stderr
    proc = run("parse", "--json", str(path))
    assert proc.returncode == 0
    assert proc.stdout.count(b'"cmd"') == 50_000


def test_fix_on_stdin_prints_only_the_file() -> None:
    content = b"\xef\xbb\xbfFROM a\r\n# keep\r\nRUN x\r\n"
    proc = run("--fix", "-", stdin=content)
    assert proc.returncode == 0
    assert proc.stdout == content


def test_parse_json_is_buildkit_shaped(tmp_path: Path) -> None:
    import json

    path = tmp_path / "Dockerfile"
    path.write_text("FROM a AS b\nRUN <<EOF\nhi\nEOF\n")
    proc = run("parse", "--json", str(path))
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data[1] == {
        "cmd": "RUN",
        "sub_cmd": None,
        "json": False,
        "start_line": 2,
        "end_line": 4,
        "flags": [],
        "value": ["<<EOF"],
        "heredocs": [{"name": "EOF", "file_descriptor": 0, "content": "hi\n"}],
    }


def test_parse_prints_the_tree(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("# c\nFROM a AS b\nCOPY --chown=1 x y\n")
    proc = run("parse", str(path))
    assert proc.returncode == 0
    out = proc.stdout.decode()
    assert "2:1 From keyword='FROM'" in out
    assert "flag chown='1'" in out


def test_discovery_finds_dockerfiles_by_name(tmp_path: Path) -> None:
    from dockeropt.walk import dockerfiles as discover

    for name in ["Dockerfile", "Dockerfile.dev", "api.Dockerfile", "web.dockerfile", "Containerfile", "README.md", "dockerfile.txt"]:
        (tmp_path / "svc").mkdir(exist_ok=True)
        (tmp_path / "svc" / name).write_text(GOOD)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "Dockerfile").write_text(GOOD)
    found = sorted(p.name for p in discover(tmp_path))
    assert found == ["Containerfile", "Dockerfile", "Dockerfile.dev", "api.Dockerfile", "web.dockerfile"]


def test_no_paths_checks_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"")
    proc = run(cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("Dockerfile:1:1:")


def test_a_named_file_is_processed_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "build.txt"
    path.write_text(GOOD)
    proc = run("--check", str(path))
    assert proc.returncode == 0
    path.write_text("")
    assert run("--check", str(path)).returncode == 2


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = run("--check", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert "cannot read" in proc.stderr.decode()


def test_atomic_write_keeps_the_mode(tmp_path: Path) -> None:
    from dockeropt.runner import write_atomic

    path = tmp_path / "Dockerfile"
    path.write_text("old")
    os.chmod(path, 0o640)
    write_atomic(path, "new\r\n")
    assert path.read_bytes() == b"new\r\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]


# --- exit status, as the README's table says --------------------------------------------------

CLEAN = b"FROM alpine:3.23\nRUN echo a\n"
FIXABLE = b"FROM alpine:3.23\nRUN echo a\nRUN echo b\n"
SUGGESTION = b"FROM python:3.12\nRUN echo a\n"  # DO103: a finding without a fix --fix applies
BROKEN = b"FROM a\nRUN <<EOF\n"

EXIT_TABLE = [
    # mode        clean fixable suggestion broken
    ([], (0, 1, 1, 2)),
    (["--fix"], (0, 0, 0, 2)),
    (["--check"], (0, 1, 0, 2)),
    (["--diff"], (0, 1, 0, 2)),
]


@pytest.mark.parametrize(("mode", "statuses"), EXIT_TABLE, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
@pytest.mark.parametrize("stdin", [False, True], ids=["file", "stdin"])
def test_exit_status(tmp_path: Path, mode: list[str], statuses: tuple[int, ...], stdin: bool) -> None:
    for content, expected in zip((CLEAN, FIXABLE, SUGGESTION, BROKEN), statuses):
        path = tmp_path / "Dockerfile"
        path.write_bytes(content)
        proc = run(*mode, "-", stdin=content) if stdin else run(*mode, str(path))
        assert proc.returncode == expected, (mode, content, proc.stderr)


def test_the_worst_file_decides(tmp_path: Path) -> None:
    for name, content in (("a.Dockerfile", CLEAN), ("b.Dockerfile", FIXABLE)):
        (tmp_path / name).write_bytes(content)
    assert run("--check", cwd=tmp_path).returncode == 1
    (tmp_path / "c.Dockerfile").write_bytes(BROKEN)
    assert run("--check", cwd=tmp_path).returncode == 2


def test_a_bad_option_is_an_error(tmp_path: Path) -> None:
    assert run("--format", "xml", cwd=tmp_path).returncode == 2
    assert run("-", "Dockerfile", stdin=b"", cwd=tmp_path).returncode == 2


def test_check_says_what_it_would_fix(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(FIXABLE)
    proc = run("--check", str(path))
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith(f"{path}:2:1: DO101 ")
    assert path.read_bytes() == FIXABLE


# --- format-on-save ---------------------------------------------------------------------------


def test_format_on_save_prints_the_fixed_file_alone(tmp_path: Path) -> None:
    proc = run("--fix", "-", "--stdin-filename", str(tmp_path / "Dockerfile"), stdin=FIXABLE + b"# end\n")
    assert proc.returncode == 0
    assert proc.stdout == b"FROM alpine:3.23\nRUN echo a \\\n    && echo b\n# end\n"
    assert proc.stderr.decode().startswith(f"{tmp_path / 'Dockerfile'}: fixed 1 finding")


def test_format_on_save_with_a_bad_configuration_gives_the_buffer_back(tmp_path: Path) -> None:
    (tmp_path / ".dockeropt.toml").write_text("selct = []\n")
    proc = run("--fix", "-", "--stdin-filename", str(tmp_path / "Dockerfile"), stdin=FIXABLE)
    assert proc.returncode == 2
    assert proc.stdout == FIXABLE
    assert "unknown key 'selct'" in proc.stderr.decode()


def test_format_on_save_when_a_transform_fails_gives_the_buffer_back(tmp_path: Path) -> None:
    # a bad option value is a configuration error now (tests/test_config.py): a transform
    # that fails is made here, by a sitecustomize that breaks DO103 in the new process
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "from dockeropt.transforms import smaller_base\n"
        "def check(self, tree, context):\n    raise RuntimeError('broken on purpose')\n"
        "smaller_base.SmallerBase.check = check\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.run([sys.executable, "-m", "dockeropt", "--fix", "-", "--stdin-filename", str(tmp_path / "Dockerfile")],
                          input=SUGGESTION, capture_output=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == SUGGESTION
    assert "internal error: RuntimeError: broken on purpose" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


def test_format_on_save_with_a_bad_option_value_gives_the_buffer_back(tmp_path: Path) -> None:
    (tmp_path / ".dockeropt.toml").write_text("[options.DO103]\nprefer = 'tiny'\n")
    proc = run("--fix", "-", "--stdin-filename", str(tmp_path / "Dockerfile"), stdin=SUGGESTION)
    assert proc.returncode == 2
    assert proc.stdout == SUGGESTION
    assert proc.stderr.decode().startswith(f"{tmp_path / '.dockeropt.toml'}:2:1: option 'prefer' for DO103")


def test_format_on_save_with_an_unknown_code_gives_the_buffer_back() -> None:
    proc = run("--fix", "-", "--select", "NOPE1", stdin=FIXABLE)
    assert proc.returncode == 2
    assert proc.stdout == FIXABLE


def test_stdin_filename_gives_the_build_context(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask\n")
    content = b"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
    without = run("--select", "DO102", "--fix", "-", stdin=content, cwd=tmp_path)
    assert without.stdout == content, "no build context: DO102 only suggests"
    with_it = run("--select", "DO102", "--fix", "-", "--stdin-filename", "Dockerfile", stdin=content, cwd=tmp_path)
    assert with_it.returncode == 0
    assert with_it.stdout.decode().splitlines()[2:] == ["COPY requirements.txt ./", "RUN pip install -r requirements.txt", "COPY . ."]


# --- other commands ---------------------------------------------------------------------------


def test_the_subcommands_are_the_ones_click_declares() -> None:
    from dockeropt import cli

    assert set(cli.commands()) == {"", *cli.SUBCOMMANDS}
    assert all(cli.read_simple([name, "x"]) is None for name in cli.SUBCOMMANDS)


def test_lsp_is_a_subcommand() -> None:
    proc = run("lsp", "--help")
    assert proc.returncode == 0
    assert b"language server" in proc.stdout


# --- the command line read without click ------------------------------------------------------

# Command lines that cli.read_simple reads itself: click must read each the same way.
SIMPLE = [
    [],
    ["--check"],
    ["Dockerfile"],
    ["--fix", "-"],
    ["-", "--fix"],
    ["--fix", "--stdin-filename", "app/Dockerfile", "-"],
    ["--stdin-filename=app/Dockerfile", "--fix", "-"],
    ["--diff", "a/Dockerfile", "b"],
    ["--check", "--diff", "--fix", "."],
    ["--unsafe-fixes", "--fix", "Dockerfile"],
    ["--no-unsafe-fixes", "."],
    ["--format", "json", "."],
    ["--format=sarif"],
    ["--format", "github", "--check", "x", "y", "z"],
    ["--diff", "--format", "text"],
    ["--stdin-filename", "name with spaces", "-"],
    ["./Dockerfile", "svc//api/", "../up/Dockerfile", "."],
    ["//net/Dockerfile", "///root/Dockerfile", "/", "a/./b/./"],
    ["--diff", "--no-color", "Dockerfile"],
]

# Command lines it leaves to click: help, version, what it does not read, and every mistake.
DEFERRED = [
    ["-h"],
    ["--help"],
    ["--version"],
    ["parse", "Dockerfile"],
    ["lsp"],
    ["--select", "DO101"],
    ["--ignore=DO1", "."],
    ["--config", "ci.toml"],
    ["--fix", "--fix"],
    ["--unsafe-fixes", "--no-unsafe-fixes"],
    ["--format", "xml"],
    ["--format"],
    ["--stdin-filename"],
    ["--stdin-filename", "--fix"],
    ["--diff", "--format", "json"],
    ["-", "Dockerfile"],
    ["--", "Dockerfile"],
    ["--fix=yes"],
    ["--no-color", "--no-color"],
    [""],
    ["-x"],
    ["--che"],
]


class _Captured(Exception):
    pass


@pytest.mark.parametrize("args", SIMPLE, ids=" ".join)
def test_the_simple_reader_agrees_with_click(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from dockeropt import cli, command

    def capture(paths, options) -> None:  # noqa: ANN001
        raise _Captured(list(paths), options)

    monkeypatch.setattr(command, "check", capture)
    with pytest.raises(_Captured) as by_click:
        cli.commands()[""].main(args, prog_name="dockeropt", standalone_mode=False)
    click_paths, click_options = by_click.value.args
    paths, options = cli.read_simple(args)
    assert (paths, options) == ([str(p) for p in click_paths], click_options), "findings name files as click's Path prints them"


@pytest.mark.parametrize("args", DEFERRED, ids=" ".join)
def test_the_rest_is_left_to_click(args: list[str]) -> None:
    from dockeropt import cli

    assert cli.read_simple(args) is None


def test_format_on_save_does_not_import_click(tmp_path: Path) -> None:
    """Start-up time: nothing it does not need (typing, dataclasses, pathlib too, outside a Python project)."""
    probe = (
        "import sys\nbefore = set(sys.modules)  # what the interpreter's start-up (site, .pth files) loaded\n"
        "from dockeropt.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "new = set(sys.modules) - before\n"
        "sys.stderr.write('\\nloaded: ' + ' '.join(m for m in ('click', 'rich', 'difflib', 'typing', 'dataclasses', 'pathlib') if m in new))\n"
    )

    def loaded(*args: str) -> tuple[bytes, list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", probe, *args], input=b"FROM alpine\nRUN a\nRUN b\n", capture_output=True, cwd=tmp_path
        )
        return done.stdout, done.stderr.decode().rpartition("loaded:")[2].split()

    assert loaded("--fix", "-") == (b"FROM alpine\nRUN a \\\n    && b\n", [])
    fixed, modules = loaded("--select", "DO101", "--fix", "-")
    assert fixed == b"FROM alpine\nRUN a \\\n    && b\n" and "click" in modules, "click reads the rest"
    assert loaded("--diff", "-")[1] == ["difflib"]


@pytest.mark.parametrize(
    "arg", ["Dockerfile", "./Dockerfile", "a//b/", "a/./b/.", "../x", "/", "//", "///", "//a/b", "////a", ".", "./", "a/../b", "-"]
)
def test_paths_print_as_pathlib_prints_them(arg: str) -> None:
    from dockeropt.cli import _as_pathlib_prints

    assert _as_pathlib_prints(arg) == str(Path(arg))


# --- colour -----------------------------------------------------------------------------------


def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> bytes:
    """What the command prints on stdout when stdout is a terminal."""
    leader, follower = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "dockeropt", *args], stdout=follower, stderr=subprocess.PIPE, cwd=cwd, timeout=120,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "200", **(env or {})},
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
    assert proc.returncode == 1, proc.stderr
    return seen


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_diff_is_in_colour_on_a_terminal_only(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(FIXABLE)
    coloured = _on_a_terminal(["--diff", "Dockerfile"], tmp_path)
    assert b"\x1b[31m-RUN echo a" in coloured and b"\x1b[32m+RUN echo a \\" in coloured
    for args, env in ((["--diff", "--no-color", "Dockerfile"], None), (["--diff", "Dockerfile"], {"NO_COLOR": "1"})):
        plain = _on_a_terminal(args, tmp_path, env)
        assert b"\x1b[" not in plain and b"\n-RUN echo a" in plain.replace(b"\r\n", b"\n"), (args, env)
    piped = run("--diff", "Dockerfile", cwd=tmp_path)
    assert piped.stdout.startswith(b"--- a/Dockerfile\n+++ b/Dockerfile\n@@ ") and b"\x1b[" not in piped.stdout


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_findings_are_in_colour_on_a_terminal_unless_told_not(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(FIXABLE)
    assert b"\x1b[" in _on_a_terminal(["Dockerfile"], tmp_path)
    plain = _on_a_terminal(["--no-color", "Dockerfile"], tmp_path)
    assert b"\x1b[" not in plain and plain.startswith(b"Dockerfile:2:1: DO101 ")
