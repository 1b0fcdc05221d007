"""Every file of the shared corpus: read exactly as BuildKit reads it, printed back exactly.

The oracle is the PyPI package ``dockerfile``, which wraps BuildKit's own Go parser. Its
bridge to Python passes strings as C strings, so a string holding a NUL character comes
back cut at the NUL; our values are cut the same way before comparing (only the JSON
escape ``\\u0000`` in one BuildKit test case produces one).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockeropt import DockerfileError, parse
from dockeropt.dump import buildkit_json
from needs import need_module
from oracle import as_dicts

dockerfile = need_module("dockerfile", "the BuildKit oracle `dockerfile` (the test extra) is not installed")

CHUNK = 500


def corpus_files(corpus: Path) -> list[Path]:
    files = sorted(corpus.glob("buildkit/*/Dockerfile")) + sorted(corpus.glob("buildkit-negative/*/Dockerfile"))
    files += sorted(p for p in corpus.glob("buildkit-extra/**/*") if p.is_file() and p.name.startswith("Dockerfile"))
    files += sorted((corpus / "real").iterdir())
    return files


def oracle(path: Path) -> tuple[str, object]:
    try:
        commands = dockerfile.parse_file(str(path))
    except dockerfile.GoParseError as exc:
        return "error", str(exc)
    return "ok", as_dicts(commands)


def _cut_at_nul(value):  # noqa: ANN001, ANN202
    if isinstance(value, str):
        return value.split("\0", 1)[0]
    if isinstance(value, list):
        return [_cut_at_nul(v) for v in value]
    if isinstance(value, dict):
        return {k: _cut_at_nul(v) for k, v in value.items()}
    return value


def ours(path: Path) -> tuple[str, object, bool]:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    try:
        tree = parse(text)
    except DockerfileError as exc:
        return "error", str(exc), True
    return "ok", _cut_at_nul(buildkit_json(tree)), tree.code == text


def check_files(paths: list[Path]) -> list[str]:
    problems = []
    for path in paths:
        expected_kind, expected = oracle(path)
        kind, got, round_trips = ours(path)
        if not round_trips:
            problems.append(f"{path.name}: printing the tree does not give back the file")
        if kind != expected_kind:
            problems.append(f"{path.name}: BuildKit says {expected_kind} ({str(expected)[:120]}), dockeropt says {kind} ({str(got)[:120]})")
        elif kind == "ok" and got != expected:
            first = next(i for i, (a, b) in enumerate(zip(expected, got)) if a != b) if len(got) == len(expected) else None
            detail = f"instruction {first}: BuildKit {expected[first]} dockeropt {got[first]}" if first is not None else f"{len(expected)} vs {len(got)} instructions"
            problems.append(f"{path.name}: {detail}")
    return problems


def test_buildkit_test_cases(corpus: Path) -> None:
    paths = sorted(corpus.glob("buildkit/*/Dockerfile")) + sorted(corpus.glob("buildkit-extra/**/Dockerfile*"))
    assert len(paths) >= 33
    assert check_files(paths) == []


def test_buildkit_negative_cases_are_clear_errors(corpus: Path) -> None:
    paths = sorted(corpus.glob("buildkit-negative/*/Dockerfile"))
    assert len(paths) == 4
    for path in paths:
        assert oracle(path)[0] == "error"
    assert check_files(paths) == []


CHUNKS = 11


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_real_files(corpus: Path, chunk: int) -> None:
    paths = sorted((corpus / "real").iterdir())
    assert len(paths) > 5000
    last = chunk == CHUNKS - 1
    part = paths[chunk * CHUNK :] if last else paths[chunk * CHUNK : (chunk + 1) * CHUNK]
    assert check_files(part) == []
