"""--format json, sarif and github: what tools that read them need."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockeropt.formats import Positions, to_github
from dockeropt.runner import Outcome
from dockeropt.transforms.base import Finding

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
CONTENT = "FROM python:3.12\nRUN echo a\nRUN echo b\n"


def run(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dockeropt", *args], input=stdin, capture_output=True, cwd=cwd, timeout=120
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(CONTENT)
    (tmp_path / "bad.Dockerfile").write_text("")
    return tmp_path


def test_json_lists_findings_with_spans_and_fixes(project: Path) -> None:
    proc = run("--format", "json", "svc", cwd=project)
    assert proc.returncode == 1
    records = json.loads(proc.stdout)
    by_code = {r["code"]: r for r in records}
    assert set(by_code) == {"DO101", "DO103"}
    merge = by_code["DO101"]
    assert merge | {"message": None, "fix": None} == {
        "path": "svc/Dockerfile",
        "line": 2,
        "column": 1,
        "end_line": 3,  # the span stops before the last line ending
        "end_column": 11,
        "code": "DO101",
        "message": None,
        "fix": None,
    }
    assert merge["fix"]["applicability"] == "safe"
    edit = merge["fix"]["edits"][0]
    assert edit == {"content": " \\\n    && ", "location": {"line": 2, "column": 11}, "end_location": {"line": 3, "column": 5}}
    assert by_code["DO103"]["fix"]["applicability"] == "suggestion"


def test_json_of_a_clean_run_is_an_empty_list(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.23\nRUN echo a\n")
    proc = run("--format", "json", cwd=tmp_path)
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == []


def test_json_with_fix_on_stdin_keeps_stdout_for_the_file(tmp_path: Path) -> None:
    proc = run("--format", "json", "--fix", "-", cwd=tmp_path, stdin=CONTENT.encode())
    assert proc.returncode == 0
    assert proc.stdout.decode() == "FROM python:3.12\nRUN echo a \\\n    && echo b\n"
    records = json.loads(proc.stderr.decode().split("\n", 1)[1])  # after "-: fixed 1 finding"
    assert [r["code"] for r in records] == ["DO103"]


def test_json_with_check_reports_the_file_as_it_is(project: Path) -> None:
    proc = run("--format", "json", "--check", "svc/Dockerfile", cwd=project)
    assert proc.returncode == 1
    assert sorted(r["code"] for r in json.loads(proc.stdout)) == ["DO101", "DO103"]


def test_sarif_is_valid_against_the_official_schema(project: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates the SARIF schema (test dependency)")
    proc = run("--format", "sarif", cwd=project)
    assert proc.returncode == 2  # bad.Dockerfile
    log = json.loads(proc.stdout)
    schema = json.loads(SCHEMA.read_text())
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(log)


def test_sarif_has_what_github_code_scanning_reads(project: Path) -> None:
    log = json.loads(run("--format", "sarif", cwd=project).stdout)
    assert log["version"] == "2.1.0"
    (the_run,) = log["runs"]
    driver = the_run["tool"]["driver"]
    assert driver["name"] == "dockeropt"
    assert driver["version"] and driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    assert {"DO101", "DO102", "DO103"} <= set(rules)
    assert rules["DO101"]["shortDescription"]["text"]
    assert rules["DO101"]["name"] == "MergeRun"
    for rule in driver["rules"]:  # every rule explains itself, from its documentation
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"], rule["id"]
        assert rule["help"]["text"].startswith(f"{rule['id']} "), rule["id"]
        assert "Fix safety" in rule["help"]["text"], rule["id"]
    assert rules["DO101"]["fullDescription"]["text"].startswith("Finds RUN instructions that follow each other")
    assert rules["DO101"]["defaultConfiguration"]["level"] == "warning"
    assert rules["DO103"]["defaultConfiguration"]["level"] == "note", "a rule that only suggests"
    results = {r["ruleId"]: r for r in the_run["results"]}
    merge = results["DO101"]
    assert driver["rules"][merge["ruleIndex"]]["id"] == "DO101"
    assert merge["level"] == "warning"
    assert results["DO103"]["level"] == "note", "a suggestion is a note"
    assert merge["message"]["text"].startswith("2 adjacent RUN")
    (location,) = merge["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "svc/Dockerfile"  # relative to the checkout
    assert location["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 1, "endLine": 3, "endColumn": 11}
    (fix,) = merge["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 2, "startColumn": 11, "endLine": 3, "endColumn": 5},
            "insertedContent": {"text": " \\\n    && "},
        }
    ]
    (invocation,) = the_run["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert "file with no instructions" in note["message"]["text"]


def test_github_annotations(project: Path) -> None:
    proc = run("--format", "github", cwd=project)
    assert proc.returncode == 2
    lines = proc.stdout.decode().splitlines()
    assert "::warning file=svc/Dockerfile,line=2,col=1,endLine=3,endColumn=11,title=DO101::2 adjacent RUN instructions can be one RUN (1 layer fewer)" in lines
    assert any(line.startswith("::notice file=svc/Dockerfile,line=1,col=6,") and "title=DO103::" in line for line in lines)
    assert any(line.startswith("::error file=bad.Dockerfile,title=dockeropt::bad.Dockerfile:1:1: file with no instructions") for line in lines)


def test_github_escapes_what_workflow_commands_read() -> None:
    text = "FROM a\n"
    f = Finding("DO101", "50% smaller\nsecond line", 1, 1, 0, 6)
    out = to_github([Outcome("dir,with:odd/Dockerfile", text, text, [f], checked=text)])
    assert out == "::warning file=dir%2Cwith%3Aodd/Dockerfile,line=1,col=1,endLine=1,endColumn=7,title=DO101::50%25 smaller%0Asecond line\n"


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        pytest.param("FROM a\nRUN b\n", 7, 13, (2, 1, 2, 6), id="the line ending is not part of the span"),
        pytest.param("FROM a\r\nRUN b\r\n", 8, 15, (2, 1, 2, 6), id="nor is a CRLF"),
        pytest.param("FROM a", 0, 6, (1, 1, 1, 7), id="no final newline"),
        pytest.param("FROM a\n", 5, 5, (1, 6, 1, 6), id="an empty span stays empty"),
    ],
)
def test_spans(text: str, start: int, end: int, expected: tuple[int, int, int, int]) -> None:
    assert Positions(text).span(start, end) == expected


def test_diff_does_not_mix_with_a_machine_format(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(CONTENT)
    proc = run("--diff", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "cannot be combined with --format json" in proc.stderr.decode()


# --- the text format, as editors and CI read it ------------------------------------------------

MATCHER = Path(__file__).resolve().parents[1] / "docs" / "dockeropt-matcher.json"


def _matched(line: str) -> list[dict]:
    """What GitHub's problem matchers in docs/dockeropt-matcher.json make of one line."""
    import re

    found = []
    for matcher in json.loads(MATCHER.read_text())["problemMatcher"]:
        (pattern,) = matcher["pattern"]
        m = re.search(pattern["regexp"], line)  # JavaScript's syntax; these patterns mean the same in Python
        if m:
            fields = {k: m[v] for k, v in pattern.items() if k != "regexp"}
            found.append({"severity": matcher["severity"], **fields})
    return found


def test_github_problem_matchers_read_the_text_format(project: Path) -> None:
    proc = run(cwd=project)
    lines = proc.stdout.decode().splitlines()
    assert lines[0].startswith("svc/Dockerfile:1:6: DO103 ")
    assert _matched(lines[0]) == [
        {"severity": "warning", "file": "svc/Dockerfile", "line": "1", "column": "6", "code": "DO103", "message": lines[0].split(" ", 2)[2]}
    ]
    assert all(len(_matched(line)) == 1 for line in lines if ": DO" in line)
    errors = [line for line in proc.stderr.decode().splitlines() if line.startswith("bad.Dockerfile")]
    assert [_matched(line) for line in errors] == [
        [{"severity": "error", "file": "bad.Dockerfile", "line": "1", "column": "1", "message": "file with no instructions"}]
    ]
    for line in proc.stderr.decode().splitlines():  # the summary matches nothing
        if not line.startswith("bad.Dockerfile"):
            assert _matched(line) == [], line


def _vim_quickfix(lines: list[str], cwd: Path) -> list[tuple[int, str, int, int, str]]:
    """What Vim's default 'errorformat' makes of the lines: (valid, file, line, column, text)."""
    out = cwd / "qf.txt"
    script = cwd / "read.vim"
    script.write_text(
        "cgetfile findings.txt\n"
        f"redir! > {out}\n"
        "for e in getqflist() | echo e.valid . '|' . bufname(e.bufnr) . '|' . e.lnum . '|' . e.col . '|' . e.text | endfor\n"
        "redir END\nqa!\n"
    )
    (cwd / "findings.txt").write_text("".join(line + "\n" for line in lines))
    subprocess.run(["vim", "-Nu", "NONE", "-i", "NONE", "-es", "-S", str(script)], cwd=cwd, timeout=60, check=False)
    rows = [row.split("|", 4) for row in out.read_text().splitlines() if row]
    return [(int(v), f, int(n), int(c), t) for v, f, n, c, t in rows]


def _needs(tool: str) -> None:
    import os
    import shutil

    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is not installed (apt-get install {tool}); CI reads the format with it")
        pytest.skip(f"{tool} is not installed")


def test_vim_reads_the_text_format_with_its_default_errorformat(project: Path) -> None:
    _needs("vim")
    proc = run(cwd=project)
    lines = proc.stdout.decode().splitlines() + proc.stderr.decode().splitlines()[:1]
    read = _vim_quickfix(lines, project)
    assert read[0] == (1, "svc/Dockerfile", 1, 6, " " + lines[0].split(": ", 1)[1])  # %m keeps the space after the colon
    assert all(valid for valid, *_ in read[: len(lines) - 1])
    assert read[-1][:4] == (1, "bad.Dockerfile", 1, 1), "an error line too"


EMACS_READ = """
(require 'compile)
(with-temp-buffer
  (insert-file-contents "findings.txt")
  (compilation-mode)
  (compilation--ensure-parse (point-max))
  (goto-char (point-min))
  (while (not (eobp))
    (let* ((at (text-property-not-all (line-beginning-position) (line-end-position) 'compilation-message nil))
           (loc (and at (compilation--message->loc (get-text-property at 'compilation-message)))))
      (princ (if loc
                 (format "%s|%S|%S\\n" (caar (compilation--loc->file-struct loc))
                         (compilation--loc->line loc) (compilation--loc->col loc))
               "-\\n")))
    (forward-line 1)))
"""


def test_emacs_compilation_mode_reads_the_text_format(project: Path) -> None:
    _needs("emacs")
    proc = run(cwd=project)
    lines = proc.stdout.decode().splitlines() + proc.stderr.decode().splitlines()
    (project / "findings.txt").write_text("".join(line + "\n" for line in lines))
    (project / "read.el").write_text(EMACS_READ)
    read = subprocess.run(["emacs", "-Q", "--batch", "-l", "read.el"], cwd=project, capture_output=True, timeout=120)
    rows = read.stdout.decode().splitlines()
    assert len(rows) == len(lines), read.stderr
    for line, row in zip(lines, rows):
        if ": DO" in line or line.startswith("bad.Dockerfile:"):
            path, position = line.split(":", 1)
            number, column = position.split(":")[:2]
            assert row == f"{path}|{number}|{column}", line
        else:
            assert row == "-", line  # the summary is not an error
