"""The registry: each transform declares its triggers, and its triggers never hide a finding.

The engine runs a transform only on files that hold the instructions (and, for tool rules,
the tool names) its class lists. Over the whole corpus, each transform the triggers skip is
run anyway and must find nothing: the triggers are a necessary condition, checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockeropt import DockerfileError, parse
from dockeropt.transforms import ALL, by_code, may_find
from dockeropt.transforms.base import Context

INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
    "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}


@pytest.mark.parametrize("transform", ALL, ids=lambda t: t.code)
def test_each_transform_declares_its_triggers(transform) -> None:
    cls = type(transform)
    assert isinstance(cls.instructions, frozenset) and cls.instructions and cls.instructions <= INSTRUCTIONS
    words = getattr(cls, "words", ())
    assert isinstance(words, tuple) and all(w and w == w.lower() for w in words), "the text is searched in lower case"
    assert getattr(cls, "needs_folder", False) in (True, False)


def test_the_registry_holds_each_transform_once() -> None:
    codes = [t.code for t in ALL]
    assert len(set(codes)) == len(codes) == len({type(t) for t in ALL})
    assert codes.index("DO211") < codes.index("DO101"), "copy-chown runs before merge-run folds the chown away"


def test_a_transform_that_reads_the_folder_is_skipped_without_one(tmp_path: Path) -> None:
    tree = parse("FROM a\nCOPY . .\n")
    assert not may_find(by_code()["DO110"], tree, Context())
    assert may_find(by_code()["DO110"], tree, Context(build_context=tmp_path))
    assert may_find(by_code()["DO102"], tree, Context()), "DO102 reads the folder when there is one"


def test_a_transform_without_triggers_runs_on_every_file() -> None:
    class Anywhere:
        code = "DO999"

    assert may_find(Anywhere(), parse("FROM a\n"), Context())


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        pytest.param("DO201", "FROM a\nRUN apt-get update\n", True, id="apt named"),
        pytest.param("DO201", "FROM a\nRUN ap\\\nt-get update\n", True, id="a tool name split by a continuation"),
        pytest.param("DO201", "FROM a\nRUN APT-GET update\n", True, id="any case"),
        pytest.param("DO201", "FROM a\nRUN make\n", False, id="no apt"),
        pytest.param("DO201", "FROM a\n# apt-get in a comment only\nCOPY a b\n", False, id="no RUN"),
        pytest.param("DO212", "FROM a\nONBUILD ADD x /x\n", True, id="ADD inside ONBUILD"),
        pytest.param("DO212", "FROM a\nRUN apk add x\n", False, id="add as a word is not ADD"),
        pytest.param("DO215", "FROM a\nmaintainer me\n", True, id="keywords in any case"),
        pytest.param("DO204", "FROM a\nRUN python3 -m pip install x\n", True, id="python -m pip"),
    ],
)
def test_triggers(code: str, text: str, expected: bool) -> None:
    assert may_find(by_code()[code], parse(text)) is expected


def test_skipped_transforms_find_nothing_over_the_corpus(corpus: Path) -> None:
    skipped = found = 0
    hidden: list[str] = []
    for path in sorted((corpus / "real").iterdir()):
        try:
            tree = parse(path.read_bytes().decode("utf-8", "surrogateescape"))
        except DockerfileError:
            continue
        for transform in ALL:
            if may_find(transform, tree):
                continue
            skipped += 1
            findings = list(transform.check(tree, Context()))
            found += len(findings)
            hidden += [f"{path.name}: {f.code} {f.message}" for f in findings]
    assert not hidden, "\n".join(hidden[:20])
    assert skipped > 10_000, "the triggers should skip most tool rules on most files"
    assert found == 0


def test_fix_kinds_are_declared_as_applicabilities(tmp_path: Path) -> None:
    from dockeropt.transforms import may_fix
    from dockeropt.transforms.base import Applicability

    declared = [t for t in ALL if hasattr(type(t), "fix_kinds")]
    assert {t.code for t in declared} >= {"DO103", "DO104", "DO107", "DO108", "DO109", "DO110", "DO111", "DO207", "DO214", "DO215"}
    for transform in declared:
        assert isinstance(type(transform).fix_kinds, frozenset)
        assert all(isinstance(k, Applicability) for k in type(transform).fix_kinds)
    assert not may_fix(by_code()["DO108"], unsafe=True), "a rule without fixes never fixes"
    assert not may_fix(by_code()["DO215"], unsafe=False) and may_fix(by_code()["DO215"], unsafe=True)
    assert may_fix(by_code()["DO101"], unsafe=False), "undeclared: any applicability"
    (tmp_path / ".git").mkdir()
    fixes = [f.fix for f in by_code()["DO110"].check(parse("FROM a\nCOPY . .\n"), Context(build_context=tmp_path))]
    assert fixes and all(f is not None and f.appends and not f.edits for f in fixes), "DO110 writes .dockerignore only"


def _golden_texts() -> list[tuple[str, str]]:
    folder = Path(__file__).parent / "golden"
    return [
        (f"{p.parent.parent.name}/{p.parent.name}/{p.name}", p.read_bytes().decode("utf-8", "surrogateescape"))
        for p in sorted(folder.glob("*/*/*.Dockerfile"))
    ]


def test_fix_kinds_hold_over_the_corpus_and_the_golden_cases(corpus: Path) -> None:
    """The engine runs a rule whose fixes can never be applied to the Dockerfile only on the
    first and last pass (``may_fix``), so a fix outside its declared kinds would be missed between."""
    declared = [t for t in ALL if hasattr(type(t), "fix_kinds")]
    texts = [(p.name, p.read_bytes().decode("utf-8", "surrogateescape")) for p in sorted((corpus / "real").iterdir())]
    wrong: list[str] = []
    checked = 0
    for name, text in texts + _golden_texts():
        try:
            tree = parse(text)
        except DockerfileError:
            continue
        for transform in declared:
            for f in transform.check(tree, Context(path=name)):
                checked += f.fix is not None
                if f.fix is not None and f.fix.edits and f.fix.applicability not in type(transform).fix_kinds:
                    wrong.append(f"{name}: {f.code} offers a {f.fix.applicability} fix: {f.message}")
    assert not wrong, "\n".join(wrong[:20])
    assert checked > 1_000, "the declared transforms offer suggestions on many files"
