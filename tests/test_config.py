"""Configuration: where it is found, what it may say, and how the command line overrides it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dockeropt.config import Config, ConfigError, discover, load

CODES = ("DO101", "DO102", "DO103", "DO201")
MERGEABLE = "FROM alpine:3.19\nRUN echo a\nRUN echo b\n"
BIG_BASE = "FROM python:3.12\nRUN echo a\n"


def run(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dockeropt", *args], input=stdin, capture_output=True, cwd=cwd, timeout=120
    )


# --- discovery -------------------------------------------------------------------------------


def test_the_nearest_file_wins(tmp_path: Path) -> None:
    (tmp_path / ".dockeropt.toml").write_text("")
    (tmp_path / "svc" / "api").mkdir(parents=True)
    (tmp_path / "svc" / ".dockeropt.toml").write_text("")
    assert discover(tmp_path / "svc" / "api") == str(tmp_path / "svc" / ".dockeropt.toml")
    assert discover(str(tmp_path)) == str(tmp_path / ".dockeropt.toml"), "a string or a Path"


def test_dotfile_beats_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dockeropt]\nselect = ['DO101']\n")
    (tmp_path / ".dockeropt.toml").write_text("")
    assert discover(tmp_path) == str(tmp_path / ".dockeropt.toml")


def test_a_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dockeropt]\nignore = ['DO103']\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pyproject.toml").write_text("[project]\nname = 'x'  # mentions dockeropt in a comment\n")
    assert discover(tmp_path / "pkg") == str(tmp_path / "pyproject.toml")


@pytest.mark.parametrize(
    "table",
    [
        "[tool.dockeropt]\nignore = ['DO103']\n",
        "[ tool . \"dockeropt\" ]\nignore = ['DO103']\n",
        "[tool]\ndockeropt = { ignore = ['DO103'] }\n",
        "tool = { dockeropt = { ignore = ['DO103'] } }\n",
        "tool.dockeropt.ignore = ['DO103']\n",
    ],
    ids=["header", "spaced and quoted header", "inline under [tool]", "inline tool", "dotted key"],
)
def test_every_spelling_of_our_table_is_found(tmp_path: Path, table: str) -> None:
    (tmp_path / "pyproject.toml").write_text(table)
    assert discover(tmp_path) == str(tmp_path / "pyproject.toml")


def test_a_project_named_dockeropt_is_not_parsed_for_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dockeropt import config

    def no_parsing() -> None:
        raise AssertionError("parsed a pyproject that cannot hold our table")

    monkeypatch.setattr(config, "_toml", no_parsing)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'dockeropt'\n[project.scripts]\ndockeropt = 'dockeropt.cli:entry'\n")
    assert discover(tmp_path) != str(tmp_path / "pyproject.toml")


def test_no_file_means_none(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert discover(tmp_path) in (None, *[str(p / n) for p in tmp_path.parents for n in (".dockeropt.toml", "pyproject.toml")])


# --- reading ---------------------------------------------------------------------------------


def test_every_key_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        "[project]\nname = 'x'\n\n[tool.dockeropt]\n"
        "select = ['do1', 'DO201']\nignore = ['DO103']\nunsafe-fixes = true\n"
        "exclude = ['legacy/**']\nextra-manifests = ['requirements/*.txt']\n\n"
        "[tool.dockeropt.options.DO103]\nprefer = 'alpine'\n"
    )
    config = load(path, CODES)
    assert config.select == ("DO1", "DO201")
    assert config.ignore == ("DO103",)
    assert config.unsafe_fixes is True
    assert config.exclude == ("legacy/**",)
    assert config.root == str(tmp_path)
    assert config.transform_options() == {
        "DO103": {"prefer": "alpine"},
        "DO102": {"extra_manifests": ["requirements/*.txt"]},
    }


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / ".dockeropt.toml"
    path.write_text("")
    assert load(path, CODES) == Config(path=str(path))


BAD = [
    pytest.param("[tool.dockeropt]\nselect = ['DO101']\nslect = ['DO1']\n", 3, "unknown key 'slect' in [tool.dockeropt] (did you mean 'select'?)", id="a typo in a key"),
    pytest.param("[tool.dockeropt]\nselect = ['DO999']\n", 2, "unknown code 'DO999' in 'select' of [tool.dockeropt]", id="an unknown code"),
    pytest.param("[tool.dockeropt]\n\nignore = ['DO101', 'XX']\n", 3, "unknown code 'XX' in 'ignore'", id="an unknown prefix"),
    pytest.param("[tool.dockeropt]\nselect = 'DO101'\n", 2, "'select' in [tool.dockeropt] must be a list of strings, not a string", id="a string for a list"),
    pytest.param("[tool.dockeropt]\nunsafe-fixes = 'yes'\n", 2, "'unsafe-fixes' in [tool.dockeropt] must be true or false", id="a string for a bool"),
    pytest.param("[tool.dockeropt]\nexclude = [1]\n", 2, "'exclude' in [tool.dockeropt] must be a list of strings", id="numbers in exclude"),
    pytest.param("[tool.dockeropt.options.DO999]\nprefer = 'alpine'\n", 1, "unknown code 'DO999' in the options", id="options of an unknown code"),
    pytest.param("[tool.dockeropt]\noptions = {DO103 = 'alpine'}\n", 2, "options for DO103 in [tool.dockeropt] must be a table", id="options not a table"),
    pytest.param("[tool.dockeropt]\nselect = [\n", 3, "invalid TOML", id="broken TOML"),
    pytest.param("[tool]\ndockeropt = 3\n", 2, "[tool.dockeropt] must be a table", id="our table is not a table"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_a_bad_file_is_an_error_naming_the_key_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load(path, CODES)
    assert str(caught.value).startswith(f"{path}:{line}:")
    assert message in str(caught.value)


def test_the_dotfile_is_named_in_its_errors(tmp_path: Path) -> None:
    path = tmp_path / ".dockeropt.toml"
    path.write_text("# settings\nignroe = []\n")
    with pytest.raises(ConfigError, match=r"unknown key 'ignroe' in \.dockeropt\.toml") as caught:
        load(path, CODES)
    assert caught.value.line == 2


# --- the command line ------------------------------------------------------------------------


def test_a_bad_configuration_fails_the_run_and_keeps_the_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dockeropt]\nslect = ['DO1']\n")
    (tmp_path / "a").mkdir()
    for name in ("a/Dockerfile", "Dockerfile"):
        (tmp_path / name).write_text(MERGEABLE)
    proc = run("--fix", cwd=tmp_path)
    assert proc.returncode == 2
    errors = proc.stderr.decode().splitlines()
    assert errors[0] == f"{tmp_path / 'pyproject.toml'}:2:1: unknown key 'slect' in [tool.dockeropt] (did you mean 'select'?)"
    assert sum("slect" in e for e in errors) == 1, "one message for the configuration, not one per file"
    assert (tmp_path / "Dockerfile").read_text() == MERGEABLE
    assert (tmp_path / "a" / "Dockerfile").read_text() == MERGEABLE


def test_configured_ignore_and_select_apply(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nRUN echo a\nRUN echo b\n")
    assert {"DO101", "DO103"} <= set(_codes(run(cwd=tmp_path)))
    (tmp_path / ".dockeropt.toml").write_text("ignore = ['DO103']\n")
    assert _codes(run(cwd=tmp_path)) == ["DO101"]
    (tmp_path / ".dockeropt.toml").write_text("select = ['DO103']\n")
    assert _codes(run(cwd=tmp_path)) == ["DO103"]


def test_command_line_select_replaces_and_ignore_adds(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nRUN echo a\nRUN echo b\n")
    (tmp_path / ".dockeropt.toml").write_text("select = ['DO103']\n")
    assert _codes(run("--select", "DO101", cwd=tmp_path)) == ["DO101"]
    (tmp_path / ".dockeropt.toml").write_text("ignore = ['DO103']\n")
    assert _codes(run("--ignore", "DO101", cwd=tmp_path)) == []


def test_an_unknown_code_on_the_command_line_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(MERGEABLE)
    proc = run("--select", "DO1,DX9", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown code 'DX9' in --select" in proc.stderr.decode()


def test_options_reach_the_transforms(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(BIG_BASE)
    assert "python:3.12-slim" in run(cwd=tmp_path).stdout.decode()
    (tmp_path / "pyproject.toml").write_text("[tool.dockeropt.options.DO103]\nprefer = 'alpine'\n")
    assert "python:3.12-alpine" in run(cwd=tmp_path).stdout.decode()


def test_extra_manifests_reach_the_context(tmp_path: Path) -> None:
    from dockeropt import command

    (tmp_path / ".dockeropt.toml").write_text("extra-manifests = ['deps/*.lock']\n[options.DO101]\nmax_lines = 9\n")
    options = command.Options(False, False, False, None, (), (), None)
    job = command._job("Dockerfile", tmp_path, command.Configs(None), options, path=tmp_path / "Dockerfile")
    assert job.settings.options == {"DO101": {"max_lines": 9}, "DO102": {"extra_manifests": ["deps/*.lock"]}}


def test_unsafe_fixes_from_the_configuration_and_the_flag_that_overrides_it(tmp_path: Path) -> None:
    from dockeropt import command

    (tmp_path / ".dockeropt.toml").write_text("unsafe-fixes = true\n")
    configs = command.Configs(None)
    for flag, expected in ((None, True), (False, False), (True, True)):
        options = command.Options(True, False, False, flag, (), (), None)
        assert command._job("x", tmp_path, configs, options).settings.unsafe is expected


def test_an_explicit_config_overrides_discovery(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nRUN echo a\nRUN echo b\n")
    (tmp_path / ".dockeropt.toml").write_text("select = ['DO103']\n")
    other = tmp_path / "ci.toml"
    other.write_text("select = ['DO101']\n")
    assert _codes(run("--config", str(other), cwd=tmp_path)) == ["DO101"]
    proc = run("--config", str(tmp_path / "missing.toml"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "missing.toml:1:1: cannot read" in proc.stderr.decode()


def test_an_explicit_pyproject_reads_our_table(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nRUN echo a\nRUN echo b\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "pyproject.toml").write_text("[tool.dockeropt]\nignore = ['DO101']\n")
    assert _codes(run("--config", "elsewhere/pyproject.toml", cwd=tmp_path)) == ["DO103"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[tool.dockeropt]\nignore = ['DO101']\n", id="under [tool.dockeropt]"),
        pytest.param("ignore = ['DO101']\n", id="at the top level"),
    ],
)
def test_an_explicit_file_of_any_name_reads_either_layout(tmp_path: Path, text: str) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nRUN echo a\nRUN echo b\n")
    (tmp_path / "ci.toml").write_text(text)
    assert _codes(run("--config", "ci.toml", cwd=tmp_path)) == ["DO103"]


def test_an_explicit_file_under_tool_still_names_bad_keys(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(MERGEABLE)
    (tmp_path / "ci.toml").write_text("[tool.dockeropt]\nslect = []\n")
    proc = run("--config", "ci.toml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("ci.toml:2:1: unknown key 'slect' in [tool.dockeropt]")


def test_stdin_filename_finds_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / ".dockeropt.toml").write_text("ignore = ['DO101']\n")
    proc = run("--fix", "-", "--stdin-filename", "svc/Dockerfile", cwd=tmp_path, stdin=MERGEABLE.encode())
    assert proc.returncode == 0
    assert proc.stdout == MERGEABLE.encode()
    proc = run("--fix", "-", "--stdin-filename", "Dockerfile", cwd=tmp_path, stdin=MERGEABLE.encode())
    assert proc.stdout != MERGEABLE.encode()


def _codes(proc: subprocess.CompletedProcess) -> list[str]:
    assert proc.returncode in (0, 1), proc.stderr
    return [line.split()[1] for line in proc.stdout.decode().splitlines() if ":" in line.split()[0]]


# --- option values ---------------------------------------------------------------------------

OPTION_CODES = (*CODES, "DO104", "DO110")

BAD_OPTIONS = [
    pytest.param("[tool.dockeropt.options.DO104]\ndate = 'soon'\n", 2, 1,
                 "option 'date' for DO104 in [tool.dockeropt] must be a day as YYYY-MM-DD, not 'soon'", id="not a date"),
    pytest.param("[tool.dockeropt.options.DO104]\ndate = '2027-02-30'\n", 2, 1, "must be a day as YYYY-MM-DD, not '2027-02-30'",
                 id="a day that does not exist"),
    pytest.param("[tool.dockeropt.options.DO104]\ndate = 20270601\n", 2, 1, "must be a day as YYYY-MM-DD, not 20270601",
                 id="a number for a date"),
    pytest.param("[tool.dockeropt.options.DO103]\nprefer = 'tiny'\n", 2, 1,
                 "option 'prefer' for DO103 in [tool.dockeropt] must be 'slim' or 'alpine', not 'tiny'", id="not a choice"),
    pytest.param("[tool.dockeropt.options.DO101]\nmax_lines = 0\n", 2, 1, "must be a whole number, 1 or more, not 0",
                 id="a count below 1"),
    pytest.param("[tool.dockeropt.options.DO101]\nmax_lines = true\n", 2, 1, "must be a whole number, 1 or more, not a boolean",
                 id="a boolean for a count"),
    pytest.param("[tool.dockeropt.options]\nDO201 = {all_stages = 'yes'}\n", 2, 10,
                 "option 'all_stages' for DO201 in [tool.dockeropt] must be true or false, not 'yes'", id="inline table"),
    pytest.param("[tool.dockeropt.options.DO103]\npreffer = 'alpine'\n", 2, 1,
                 "unknown option 'preffer' for DO103 in [tool.dockeropt] (DO103 takes: prefer); did you mean 'prefer'?",
                 id="a typo in an option"),
    pytest.param("[tool.dockeropt.options.DO110]\nprefer = 'alpine'\n", 2, 1, "(DO110 takes no options)", id="a code without options"),
    pytest.param("[tool.dockeropt.options.DO101]\nmax_lines = 9\n[tool.dockeropt.options.DO103]\nmax_lines = 9\n", 4, 1,
                 "unknown option 'max_lines' for DO103", id="the line of the code's own table"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), BAD_OPTIONS)
def test_a_bad_option_value_is_an_error_at_its_key(tmp_path: Path, text: str, line: int, column: int, message: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load(path, OPTION_CODES)
    assert str(caught.value).startswith(f"{path}:{line}:{column}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[tool.dockeropt.options.DO104]\ndate = 2027-06-01\n", id="a TOML date"),
        pytest.param("[tool.dockeropt.options.DO104]\ndate = '2027-06-01'\n", id="a date as a string"),
        pytest.param("[tool.dockeropt.options.DO103]\nprefer = 'alpine'\n", id="a choice"),
        pytest.param("[tool.dockeropt.options.DO101]\nmax_lines = 4\nall_stages = true\n", id="a count and a bool"),
    ],
)
def test_good_option_values_are_kept(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    assert load(path, OPTION_CODES).options


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param("[tool.dockeropt.options.DO104]\ndate = 'soon'\n", "option 'date' for DO104", id="DO104 date"),
        pytest.param("[tool.dockeropt.options.DO103]\nprefer = 'tiny'\n", "option 'prefer' for DO103", id="DO103 prefer"),
    ],
)
def test_a_bad_option_value_exits_2_with_the_place_not_an_internal_error(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(table)
    (tmp_path / "Dockerfile").write_text(BIG_BASE)
    proc = run("Dockerfile", cwd=tmp_path)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.startswith(f"{tmp_path / 'pyproject.toml'}:2:1: {message}"), err
    assert "internal error" not in err + proc.stdout.decode()


def test_every_option_a_transform_reads_is_checked() -> None:
    """config.OPTIONS lists what each transform's source reads with ``context.option`` (and
    the hygiene rules' ``all_stages``), no more and no less."""
    import inspect
    import re

    from dockeropt.config import OPTIONS
    from dockeropt.transforms import ALL

    read: dict[str, set[str]] = {}
    for registered in ALL:
        source = inspect.getsource(sys.modules[type(registered).__module__])
        keys = set(re.findall(r"context\.option\(self\.code, \"(\w+)\"", source))
        if re.search(r"hygiene_runs\(tree, context, self\.code\)|wide\(context, self\.code\)", source):
            keys.add("all_stages")
        if keys:
            read[registered.code] = keys
    assert read == {code: set(keys) for code, keys in OPTIONS.items()}
