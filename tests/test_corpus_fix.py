"""``--fix`` over the whole corpus: it never breaks a file and it settles in one go.

For every real file that parses: fixing with every registered transform (unsafe fixes
included, the widest set of rewrites) gives a file that dockeropt and BuildKit's own
parser both read; fixing the fixed file changes nothing (checked once, not by looping);
and a summary says how many files each transform changed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from needs import need_module

from dockeropt import DockerfileError, engine, parse
from dockeropt.transforms import ALL
from dockeropt.transforms.base import Context

dockerfile = need_module("dockerfile", "the BuildKit oracle `dockerfile` (the test extra) is not installed")


def _fix(text: str, unsafe: bool) -> engine.Result:
    return engine.run(text, Context(), ALL, fix=True, unsafe=unsafe)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe fixes", "unsafe fixes too"])
def test_fixing_the_corpus_is_stable_and_parses(corpus: Path, unsafe: bool, capsys) -> None:  # noqa: ANN001
    changed: Counter[str] = Counter()
    problems: list[str] = []
    files = sorted((corpus / "real").iterdir())
    for path in files:
        text = path.read_bytes().decode("utf-8", "surrogateescape")
        try:
            parse(text)
        except DockerfileError:
            continue  # bad input: the CLI tests cover the clear error
        result = _fix(text, unsafe)
        if result.reverted:
            problems.append(f"{path.name}: {result.reverted}")
            continue
        if not result.changed:
            continue
        for code in {f.code for f in result.applied}:
            changed[code] += 1
        again = _fix(result.output, unsafe)
        if again.output != result.output:
            problems.append(f"{path.name}: fixing the fixed file changed it again ({sorted({f.code for f in again.applied})})")
        try:
            dockerfile.parse_string(result.output.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        except dockerfile.GoParseError as exc:
            problems.append(f"{path.name}: BuildKit rejects the fixed file: {exc}")
    with capsys.disabled():
        label = "with unsafe fixes" if unsafe else "safe fixes"
        summary = ", ".join(f"{code} {count}" for code, count in sorted(changed.items())) or "none"
        print(f"\ncorpus --fix ({label}): files changed per transform over {len(files)} files: {summary}")
    assert problems == []
