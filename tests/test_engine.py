"""The engine: fixes applied together when they do not overlap, to a fixed point, or not at all."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dockeropt import engine
from dockeropt.cst import Dockerfile, Run, parse
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Fix, finding


@dataclass
class Replace:
    """A test transform: replaces one RUN's command text with ``text``."""

    old: str
    new: str
    applicability: Applicability = Applicability.SAFE
    code: str = "T001"
    name: str = "replace"
    summary: str = "replace a command"

    def check(self, tree: Dockerfile, context: Context):  # noqa: ANN201
        for inst in tree.instructions:
            if isinstance(inst, Run) and inst.command is not None and inst.command.text == self.old:
                edit = Edit(inst.command.start, inst.command.end, self.new)
                yield finding(self.code, f"{self.old} -> {self.new}", inst.command, Fix("replace", (edit,), self.applicability))


def run(text: str, *transforms, **kw) -> engine.Result:  # noqa: ANN002, ANN003
    return engine.run(text, Context(), list(transforms), fix=True, **kw)


def test_fixes_apply_to_a_fixed_point() -> None:
    result = run("FROM a\nRUN x\n", Replace("x", "y"), Replace("y", "z", code="T002"))
    assert result.output == "FROM a\nRUN z\n"
    assert [f.code for f in result.applied] == ["T001", "T002"]
    assert result.findings == []


def test_unsafe_fixes_need_the_flag() -> None:
    unsafe = Replace("x", "y", Applicability.UNSAFE)
    assert run("FROM a\nRUN x\n", unsafe).output == "FROM a\nRUN x\n"
    assert run("FROM a\nRUN x\n", unsafe, unsafe=True).output == "FROM a\nRUN y\n"


def test_suggestions_are_never_applied() -> None:
    suggestion = Replace("x", "y", Applicability.SUGGESTION)
    result = run("FROM a\nRUN x\n", suggestion, unsafe=True)
    assert result.output == "FROM a\nRUN x\n"
    assert [f.code for f in result.findings] == ["T001"]


def test_a_fix_that_breaks_the_file_is_reverted_whole() -> None:
    text = "FROM a\nRUN x\nRUN ok\n"
    result = run(text, Replace("ok", "fine", code="T002"), Replace("x", "<<EOF"))
    assert result.output == text
    assert result.reverted is not None and "T001" in result.reverted
    assert result.applied == []


def test_a_validator_can_reject_a_rewrite() -> None:
    def reject(text: str) -> None:
        raise ValueError("BuildKit says no")

    result = run("FROM a\nRUN x\n", Replace("x", "y"), validate=reject)
    assert result.output == "FROM a\nRUN x\n"
    assert "BuildKit says no" in result.reverted


def test_fixes_that_never_settle_are_reverted() -> None:
    flip, flop = Replace("x", "y"), Replace("y", "x", code="T002")
    result = run("FROM a\nRUN x\n", flip, flop)
    assert result.output == "FROM a\nRUN x\n"
    assert "did not settle" in result.reverted


def _finding(start: int, end: int, code: str = "T001") -> Finding:
    return Finding(code, "m", 1, 1, start, end, Fix("t", (Edit(start, end, "z"),), Applicability.SAFE))


@pytest.mark.parametrize(
    ("spans", "chosen"),
    [
        pytest.param([(0, 2), (2, 4)], [(0, 2), (2, 4)], id="touching fixes both apply"),
        pytest.param([(0, 3), (2, 4)], [(0, 3)], id="overlapping: the first wins"),
        pytest.param([(2, 2), (2, 2)], [(2, 2)], id="two insertions at one point: one at a time"),
        pytest.param([(5, 6), (0, 1)], [(0, 1), (5, 6)], id="order does not matter"),
    ],
)
def test_choose(spans: list, chosen: list) -> None:
    assert [f.fix.span for f in engine.choose(_finding(*s) for s in spans)] == chosen


def test_apply_edits_from_the_end() -> None:
    fixes = [Fix("t", (Edit(0, 1, "AA"), Edit(2, 3, "CC")), Applicability.SAFE)]
    assert engine.apply("abc", fixes) == "AAbCC"


def test_check_only_reports() -> None:
    result = engine.run("FROM a\nRUN x\n", Context(), [Replace("x", "y")])
    assert result.output == result.source
    assert [f.message for f in result.findings] == ["x -> y"]
    assert isinstance(result.findings[0], Finding)


def test_two_transforms_on_one_instruction_go_one_pass_at_a_time() -> None:
    tree = engine.parse("FROM a\nRUN make\nRUN test\n")
    make, test = tree.instructions[1], tree.instructions[2]
    first = _finding(make.command.start, make.command.start, "T001")
    second = _finding(make.command.end, make.command.end, "T002")
    same = _finding(make.command.end - 1, make.command.end - 1, "T001")
    other = _finding(test.command.end, test.command.end, "T002")
    assert engine.choose([second, first, other], tree) == [first, other]
    assert engine.choose([second, first, other]) == [first, second, other]
    assert engine.choose([first, same, other], tree) == [first, same, other], "one transform's fixes go together"


def test_an_earlier_check_stands_for_the_first_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The language server checks on every change and fixes on save: the fix reuses the check."""
    from dockeropt.transforms import ALL

    text = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n"
    checked = engine.run(text, Context(), ALL)
    reads = []
    parse = engine.parse
    monkeypatch.setattr(engine, "parse", lambda t: reads.append(t) or parse(t))
    reused = engine.run(text, Context(), ALL, fix=True, checked=checked)
    assert text not in reads, "the source is not read again"
    fresh = engine.run(text, Context(), ALL, fix=True)
    assert (reused.output, reused.source_findings, reused.applied) == (fresh.output, fresh.source_findings, fresh.applied)
    assert reused.output != text
    other = engine.run(text + "RUN true\n", Context(), ALL, fix=True, checked=checked)
    assert other.source == text + "RUN true\n" and other.source_findings != checked.source_findings, "a check of another text is not used"


# --- fixes that would write a RUN that is not shell are taken back, alone ---------------------


class _BreaksRun:
    """Replaces ``good`` with ``good &&`` in every RUN: a dangling operator."""

    code = "DO901"
    name = "breaks-run"
    summary = "test"
    hadolint = ()

    def check(self, tree, context):  # noqa: ANN001, ANN201
        from dockeropt.transforms.base import Edit, Finding, Fix

        for inst in tree.instructions:
            at = inst.text.find("good")
            if inst.name == "RUN" and at >= 0 and "&&" not in inst.text:
                start = inst.start + at
                fix = Fix("break", (Edit(start, start + 4, "good &&"),), Applicability.SAFE)
                yield Finding(self.code, "breaks", inst.line, 1, inst.start, inst.end, fix)


class _Uppercase:
    """Upper-cases ``other`` in RUNs: a harmless fix beside the broken one."""

    code = "DO902"
    name = "upper"
    summary = "test"
    hadolint = ()

    def check(self, tree, context):  # noqa: ANN001, ANN201
        from dockeropt.transforms.base import Edit, Finding, Fix

        for inst in tree.instructions:
            at = inst.text.find("other")
            if at >= 0:
                start = inst.start + at
                fix = Fix("upper", (Edit(start, start + 5, "OTHER"),), Applicability.SAFE)
                yield Finding(self.code, "upper", inst.line, 1, inst.start, inst.end, fix)


def test_a_fix_that_writes_a_run_that_is_not_shell_is_taken_back_alone() -> None:
    from dockeropt import engine
    from dockeropt.transforms.base import Context

    text = "FROM a\nRUN good\nRUN other\n"
    result = engine.run(text, Context(), [_BreaksRun(), _Uppercase()], fix=True)
    assert result.output == "FROM a\nRUN good\nRUN OTHER\n"
    assert result.reverted is None
    assert [f.code for f, _ in result.taken_back] == ["DO901"]
    assert result.taken_back[0][1].startswith("it would write a RUN on line 2 that is not a shell script (")
    # the finding stays, without its fix, so nothing claims it is fixable
    assert [(f.code, f.fix) for f in result.findings] == [("DO901", None)]


def test_a_fix_on_a_run_that_was_not_shell_already_is_not_blamed() -> None:
    from dockeropt import engine
    from dockeropt.transforms.base import Context

    text = "FROM a\nRUN other ) good\n"
    result = engine.run(text, Context(), [_Uppercase()], fix=True)
    assert result.output == "FROM a\nRUN OTHER ) good\n"
    assert result.taken_back == []


def test_the_composed_apk_fixes_write_shell() -> None:
    """Issue 10, defect 1: DO101 merges, DO203 deletes ``apk update``; the joint must go too."""
    from dockeropt import engine, shell
    from dockeropt.transforms import ALL
    from dockeropt.transforms.base import Context

    result = engine.run("FROM alpine:3.20\nRUN apk update\nRUN apk add python3\n", Context(), ALL, fix=True)
    run = [line for line in result.output.split("RUN ", 1)[1:]][0]
    assert not shell.parse(run.replace("\\\n", "")).errors, result.output


def test_rules_that_only_suggest_run_on_the_source_and_the_result_not_between() -> None:
    from dockeropt.transforms import ALL

    text = "FROM node:6-alpine\nRUN a\nRUN b\n"
    whole = engine.run(text, Context(), ALL, fix=True)
    assert [f.code for f in whole.applied] == ["DO101"]
    assert "DO104" in {f.code for f in whole.findings}, "the fixed file's suggestions are reported"
    assert whole.findings == engine.collect(parse(whole.output), Context(), ALL)
    partial = engine.run(text, Context(), ALL, fix=True, complete=False)
    assert partial.output == whole.output and partial.source_findings == whole.source_findings
    assert "DO104" not in {f.code for f in partial.findings}, "--check reports the source's findings instead"
