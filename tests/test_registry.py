"""The registry: each entry matches its transform, and its triggers never hide a finding.

A transform's module is imported only for files that hold the instructions (and, for tool
rules, the tool names) its entry lists. Over the whole corpus, each transform the triggers
skip is run anyway and must find nothing: the triggers are a necessary condition, checked.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from dockeropt import DockerfileError, parse
from dockeropt.transforms import ALL, ENTRIES, may_find
from dockeropt.transforms.base import Context


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.code)
def test_each_entry_names_its_transform(entry) -> None:  # noqa: ANN001
    cls = getattr(importlib.import_module(f"dockeropt.transforms.{entry.module}"), entry.cls)
    assert cls.code == entry.code
    registered = next(t for t in ALL if t.code == entry.code)
    assert type(registered.transform) is cls
    assert (registered.name, registered.hadolint, registered.__doc__) == (cls.name, cls.hadolint, cls.__doc__)


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
    entry = next(e for e in ENTRIES if e.code == code)
    assert may_find(entry, parse(text)) is expected


def test_skipped_transforms_find_nothing_over_the_corpus(corpus: Path) -> None:
    skipped = found = 0
    hidden: list[str] = []
    for path in sorted((corpus / "real").iterdir()):
        try:
            tree = parse(path.read_bytes().decode("utf-8", "surrogateescape"))
        except DockerfileError:
            continue
        for registered in ALL:
            if may_find(registered.entry, tree):
                continue
            skipped += 1
            findings = list(registered.transform.check(tree, Context()))
            found += len(findings)
            hidden += [f"{path.name}: {f.code} {f.message}" for f in findings]
    assert not hidden, "\n".join(hidden[:20])
    assert skipped > 10_000, "the triggers should skip most tool rules on most files"
    assert found == 0


def test_a_file_loads_only_the_rules_it_can_use(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text('FROM alpine:3.19\nCMD ["sh"]\n')
    probe = (
        "import sys\nfrom dockeropt.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(m.rpartition('.')[2] for m in sys.modules if m.startswith('dockeropt.transforms.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, "--check", "Dockerfile"], cwd=tmp_path, capture_output=True, text=True)
    loaded = done.stdout.splitlines()[-1].split()
    assert loaded == ["base", "end_of_life", "exec_form", "smaller_base"], done.stderr
