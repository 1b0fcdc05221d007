"""``dockeropt rule CODE`` and ``dockeropt rules``: the transforms explained by the tool itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dockeropt import rules
from dockeropt.transforms import ALL

HEADINGS = ("What it does", "Why", "Example", "Fix safety", "When it refuses")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dockeropt", *args], capture_output=True, timeout=120)


@pytest.mark.parametrize("transform", ALL, ids=lambda t: t.code)
def test_every_transform_is_documented_with_the_same_headings_and_a_tier(transform) -> None:  # noqa: ANN001
    found = rules.sections(transform)
    assert found[""].startswith(f"{transform.code} {transform.name}: ")
    assert [h for h in HEADINGS if h not in found] == []
    assert all(found[h] for h in HEADINGS)
    assert rules.tier(transform), f"add {transform.code} to rules.TIERS"


def test_tiers_name_only_registered_codes() -> None:
    assert set(rules.TIERS) == {t.code for t in ALL}


def test_rule_prints_the_documentation() -> None:
    proc = run("rule", "do102")  # any case, as --select takes it
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert out.startswith("DO102 manifests-first: ")
    for heading in HEADINGS:
        assert f"\n{heading}\n    " in out
    assert out.endswith(f"\nFix: {rules.TIERS['DO102']}\n")


def test_rule_names_the_hadolint_counterparts() -> None:
    out = run("rule", "DO202").stdout.decode()
    assert out.endswith("\nhadolint: DL3014, DL3015, DL3027\n")


def test_rule_as_json() -> None:
    proc = run("rule", "DO101", "--format", "json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["code"] == "DO101" and data["hadolint"] == ["DL3059"]
    assert data["documentation"].startswith("DO101 merge-run: ")


def test_an_unknown_code_lists_the_known_ones_sorted() -> None:
    proc = run("rule", "DX1")
    assert proc.returncode == 2
    known = ", ".join(sorted(t.code for t in ALL))
    assert f"unknown code 'DX1' (known: {known})" in proc.stderr.decode()
    proc = run("--select", "DX1", "Dockerfile")
    assert proc.returncode == 2
    assert f"(known: {known})" in proc.stderr.decode()


def test_rules_lists_every_code_with_name_tier_and_hadolint() -> None:
    proc = run("rules")
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert lines[0].split() == ["code", "name", "hadolint", "fix"]
    assert [line.split()[0] for line in lines[1:]] == sorted(t.code for t in ALL)
    merge = next(line for line in lines if line.startswith("DO101 "))
    assert merge.split(None, 3) == ["DO101", "merge-run", "DL3059", rules.TIERS["DO101"]]


def test_rules_as_json() -> None:
    proc = run("rules", "--format", "json")
    assert proc.returncode == 0
    listed = json.loads(proc.stdout)
    assert [r["code"] for r in listed] == sorted(t.code for t in ALL)
    by_code = {r["code"]: r for r in listed}
    assert by_code["DO103"] == {
        "code": "DO103",
        "name": "smaller-base",
        "summary": by_code["DO103"]["summary"],
        "fix": "suggestion",
        "hadolint": [],
    }
    assert all(r["summary"] for r in listed)
