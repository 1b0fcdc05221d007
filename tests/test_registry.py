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
