"""Suppression comments: ours above an instruction or file-wide, and hadolint's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from dockeropt import engine
from dockeropt.cst import Dockerfile, Label
from dockeropt.ignore import EVERYTHING, Directive, hadolint_map, read_comment, suppressions
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, finding
from dockeropt.transforms.merge_run import MergeRun

HADOLINT = {"DL3059": ("DO101",), "DL3020": ("DO212",)}


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        pytest.param("dockeropt: ignore=DO101", Directive(False, frozenset({"DO101"})), id="one code"),
        pytest.param("dockeropt: ignore=do101, DO2 because the cache matters", Directive(False, frozenset({"DO101", "DO2"})), id="codes, prefixes, a reason after"),
        pytest.param("dockeropt:ignore-file=DO103", Directive(True, frozenset({"DO103"})), id="file-wide"),
        pytest.param("dockeropt: ignore-file", Directive(True, EVERYTHING), id="file-wide, every code"),
        pytest.param("hadolint ignore=DL3059,DL3008", Directive(False, frozenset({"DO101"})), id="hadolint, mapped and unmapped"),
        pytest.param("hadolint global ignore=DL3020", Directive(True, frozenset({"DO212"})), id="hadolint global"),
    ],
)
def test_comments_that_suppress(comment: str, expected: Directive) -> None:
    assert read_comment(comment, HADOLINT) == expected


@pytest.mark.parametrize(
    "comment",
    [
        pytest.param("dockeropt: ignore", id="ignore needs codes; only ignore-file may go without"),
        pytest.param("hadolint ignore=DL3008", id="a hadolint rule no transform corresponds to"),
        pytest.param("dockeropt: ignorefile=DO101", id="a misspelt directive is not one"),
        pytest.param("we ignore DO101 here", id="prose"),
        pytest.param("dockeropt ignore=DO101", id="our comments need the colon"),
    ],
)
def test_comments_that_do_not(comment: str) -> None:
    assert read_comment(comment, HADOLINT) is None


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dockeropt", *args], capture_output=True, cwd=cwd, timeout=120)


CASES = [
    pytest.param("FROM alpine:3.19\n# dockeropt: ignore=DO101\nRUN echo a\nRUN echo b\n", False, id="above the first RUN"),
    pytest.param("FROM alpine:3.19\nRUN echo a\n# dockeropt: ignore=DO101\nRUN echo b\n", False, id="above a later RUN of the merge"),
    pytest.param("FROM alpine:3.19\n# why\n# dockeropt: ignore=DO1\n# more why\nRUN echo a\nRUN echo b\n", False, id="a prefix, among other comment lines"),
    pytest.param("FROM alpine:3.19\n# dockeropt: ignore=DO101\n\nRUN echo a\nRUN echo b\n", True, id="a blank line after it: not directly above"),
    pytest.param("FROM alpine:3.19\n# dockeropt: ignore=DO103\nRUN echo a\nRUN echo b\n", True, id="another code"),
    pytest.param("# dockeropt: ignore=DO101\nFROM alpine:3.19\nRUN echo a\nRUN echo b\n", True, id="above another instruction"),
    pytest.param("FROM alpine:3.19\nRUN echo a\nRUN echo b\n# dockeropt: ignore-file=DO101\n", False, id="file-wide at the end"),
    pytest.param("# dockeropt: ignore-file\nFROM alpine:3.19\nRUN echo a\nRUN echo b\n", False, id="file-wide, every code"),
    pytest.param("FROM alpine:3.19\nRUN echo a\nRUN echo b\nRUN echo c\n# dockeropt: ignore=DO101\nRUN echo d\nRUN echo e\n", False, id="one RUN of a long merge holds it all back"),
]


@pytest.mark.parametrize(("content", "merged"), CASES)
def test_suppression_on_the_command_line(tmp_path: Path, content: str, merged: bool) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(content)
    proc = run("--select", "DO101", str(path), cwd=tmp_path)
    assert (b"DO101" in proc.stdout) is merged
    assert proc.returncode == (1 if merged else 0), proc.stderr
    run("--fix", "--select", "DO101", str(path), cwd=tmp_path)
    assert (path.read_text() != content) is merged


def test_hadolint_comments_count_for_transforms_that_name_their_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    from dockeropt import runner

    text = "FROM alpine:3.19\nRUN echo a\n# hadolint ignore=DL3059\nRUN echo b\n"
    job = runner.Job("Dockerfile", text=text, settings=runner.Settings(select=("DO101",)))
    assert MergeRun.hadolint == ("DL3059",)
    assert runner.check_file(job).findings == []
    monkeypatch.setattr(MergeRun, "hadolint", ())
    assert [f.code for f in runner.check_file(job).findings] == ["DO101"], "no hadolint rule named: no mapping"


class FlagLabels:
    """A stand-in transform: every LABEL is a finding, without a fix."""

    code = "DO999"
    name = "flag-labels"
    summary = "Flags labels"

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        for inst in tree.instructions:
            if isinstance(inst, Label):
                yield finding(self.code, f"label on line {inst.line}", inst)


PADDING = "# " + "x" * 300 + "\n"


class Pad:
    """A stand-in transform whose safe fix puts a long comment line under FROM, once."""

    code = "DO998"
    name = "pad"
    summary = "Pads"

    def check(self, tree: Dockerfile, context: Context) -> Iterator[Finding]:
        if PADDING not in tree.source:
            end = tree.instructions[0].end
            yield Finding(self.code, "pad", 1, 1, 0, end, Fix("pad", (Edit(end, end, PADDING),), Applicability.SAFE))


def test_suppressions_hold_on_the_tree_of_each_fix_pass() -> None:
    # The fixes move every later offset far: the filter must read the tree each pass checks.
    text = (
        "FROM alpine:3.19\nRUN echo a\nRUN echo b\n"
        "LABEL first=1\n# dockeropt: ignore=DO999\nLABEL second=2\nLABEL third=3\n"
    )
    transforms = [Pad(), MergeRun(), FlagLabels()]
    names = hadolint_map(transforms)
    result = engine.run(text, Context(), transforms, fix=True, keep=lambda tree: suppressions(tree, names).keeps)
    assert sorted(f.code for f in result.applied) == ["DO101", "DO998"]
    assert [f.message for f in result.findings] == ["label on line 5", "label on line 8"]
