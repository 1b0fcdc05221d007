"""The public API: dockeropt.parse, dockeropt.check and dockeropt.fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dockeropt

APT = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n"


def test_check_reports_findings_in_file_order_with_offsets_into_the_text() -> None:
    findings = dockeropt.check(APT)
    assert [f.code for f in findings] == ["DO103", "DO101", "DO201", "DO202"]
    assert [f.line for f in findings] == sorted(f.line for f in findings)
    merge = findings[1]
    assert APT[merge.start : merge.end].startswith("RUN apt-get update")


def test_fix_applies_the_safe_fixes_and_is_stable() -> None:
    fixed = dockeropt.fix(APT)
    assert fixed != APT and fixed.count("RUN") == 1
    assert "--no-install-recommends" not in fixed, "DO202's fix is unsafe: not applied by default"
    assert dockeropt.fix(fixed) == fixed


def test_unsafe_fixes_on_request() -> None:
    assert "--no-install-recommends" in dockeropt.fix(APT, unsafe=True)


def test_select_and_ignore_narrow_the_codes() -> None:
    assert {f.code for f in dockeropt.check(APT, select=["DO2"])} == {"DO201", "DO202"}
    assert "DO101" not in {f.code for f in dockeropt.check(APT, ignore=["do101"])}
    assert dockeropt.fix(APT, select=["DO103"]) == APT, "DO103 is a suggestion: nothing to apply"


def test_ignore_comments_count() -> None:
    text = "FROM debian:12\n# dockeropt: ignore=DO101\nRUN apt-get update\nRUN apt-get install -y curl\n"
    assert "DO101" not in {f.code for f in dockeropt.check(text)}
    assert dockeropt.fix(text).count("RUN ") == 2


def test_the_build_context_lets_manifests_go_first(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0"}))
    (tmp_path / "package-lock.json").write_text("{}")
    text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n'
    assert dockeropt.fix(text, select=["DO102"]) == text, "without the context DO102 can only suggest"
    expected = 'FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD ["node", "index.js"]\n'
    assert dockeropt.fix(text, select=["DO102"], build_context=tmp_path) == expected
    assert dockeropt.fix(text, select=["DO102"], build_context=str(tmp_path)) == expected


def test_options_reach_the_transforms() -> None:
    text = "FROM python:3.12\nCMD [\"python\"]\n"
    assert "python:3.12-slim" in dockeropt.check(text)[0].message
    assert "python:3.12-alpine" in dockeropt.check(text, options={"DO103": {"prefer": "alpine"}})[0].message


def test_bad_input_raises_dockerfile_error() -> None:
    with pytest.raises(dockeropt.DockerfileError):
        dockeropt.check("")
    with pytest.raises(dockeropt.DockerfileError):
        dockeropt.fix("FROM a\nRUN <<EOF\nnever ends\n")


def test_the_package_exports_what_it_lists() -> None:
    assert [n for n in dockeropt.__all__ if not hasattr(dockeropt, n)] == []
    assert dockeropt.parse("FROM a\n").code == "FROM a\n"
    with pytest.raises(AttributeError):
        dockeropt.no_such_name  # noqa: B018
