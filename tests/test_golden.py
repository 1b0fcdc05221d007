"""Whole-file cases for every transform, reviewed by hand.

Layout: ``tests/golden/<transform module>/<case>/`` holds
- ``input.Dockerfile``: the file as a user wrote it;
- ``expected.Dockerfile``: what ``--fix`` makes of it (absent: the file must not change);
- ``findings.txt``: one line per finding on the input, ``LINE:COL CODE [applicability] message``
  (applicability ``-`` when the finding has no fix);
- ``options.json`` (optional): ``{"unsafe": true}`` to apply unsafe fixes too, and
  ``"options"`` for the transform's settings;
- ``context/`` (optional): the build context beside the Dockerfile.

Each case runs only its own transform, so cases stay independent of the others.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from needs import need_module

from dockeropt import engine
from dockeropt.transforms import ALL
from dockeropt.transforms.base import Context, Finding

GOLDEN = Path(__file__).parent / "golden"


def _cases() -> list:
    params = []
    for case in sorted(GOLDEN.glob("*/*/input.Dockerfile")):
        folder = case.parent
        params.append(pytest.param(folder, id=f"{folder.parent.name}/{folder.name}"))
    return params


def _transform(module: str):
    """The transform defined in ``dockeropt/transforms/<module>.py`` (registered or not yet)."""
    loaded = importlib.import_module(f"dockeropt.transforms.{module}")
    found = [t for t in vars(loaded).values() if isinstance(t, type) and t.__module__ == loaded.__name__ and isinstance(getattr(t, "code", None), str)]
    assert len(found) == 1, f"dockeropt/transforms/{module}.py should define exactly one transform class"
    return found[0]()


def test_every_transform_module_is_registered() -> None:
    registered = {type(t).__module__ for t in ALL}
    folder = Path(__file__).parents[1] / "dockeropt" / "transforms"
    modules = {f"dockeropt.transforms.{p.stem}" for p in folder.glob("*.py") if not p.stem.startswith("_")}
    modules.discard("dockeropt.transforms.base")
    assert modules <= registered, f"not in dockeropt.transforms.ALL: {sorted(modules - registered)}"
    codes = [t.code for t in ALL]
    assert len(codes) == len(set(codes)), "two transforms share a code"


def buildkit_parses(text: str) -> None:
    """Every rewritten text must also parse with BuildKit's own parser."""
    dockerfile = need_module("dockerfile", "the BuildKit oracle `dockerfile` (the test extra) is not installed")
    try:
        dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        raise ValueError(f"BuildKit rejects the rewrite: {exc}") from None


def assert_stable(output: str, context: Context, transform: object, unsafe: bool) -> None:
    """Fixing the fixed file once more changes nothing: one check of it, no loop that could
    hide fixes undoing each other."""
    again = engine.run(output, context, [transform])
    # a fix that only adds lines to another file (DO110's .dockerignore) is not made here:
    # tests/test_dockerignore.py fixes a real folder twice
    fixable = [render(f) for f in again.findings if engine.applicable(f.fix, unsafe) and f.fix and f.fix.edits]
    assert fixable == [], "fixing the fixed file would change it again"


def render(finding: Finding) -> str:
    applicability = finding.fix.applicability.value if finding.fix else "-"
    return f"{finding.line}:{finding.column} {finding.code} [{applicability}] {finding.message}"


def run_case(folder: Path) -> tuple[str, list[str], str]:
    options = json.loads((folder / "options.json").read_text()) if (folder / "options.json").exists() else {}
    transform = _transform(folder.parent.name)
    context_dir = folder / "context"
    context = Context(
        path=str(folder / "input.Dockerfile"),
        build_context=context_dir if context_dir.is_dir() else None,
        options=options.get("options", {}),
    )
    source = (folder / "input.Dockerfile").read_bytes().decode("utf-8")
    unsafe = options.get("unsafe", False)
    result = engine.run(source, context, [transform], fix=True, unsafe=unsafe, validate=buildkit_parses)
    checked = engine.run(source, context, [transform])
    assert result.reverted is None, result.reverted
    assert_stable(result.output, context, transform, unsafe)
    return result.output, [render(f) for f in checked.findings], source


@pytest.mark.parametrize("folder", _cases())
def test_golden(folder: Path) -> None:
    output, findings, source = run_case(folder)
    expected_file = folder / "expected.Dockerfile"
    expected = expected_file.read_bytes().decode("utf-8") if expected_file.exists() else source
    assert output == expected
    expected_findings = (folder / "findings.txt").read_text().splitlines()
    assert findings == expected_findings
