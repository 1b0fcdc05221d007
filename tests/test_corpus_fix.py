"""``--fix`` over the whole corpus: it never breaks a file and it settles in one go.

For every real file that parses: fixing with every registered transform (unsafe fixes
included, the widest set of rewrites) gives a file that dockeropt and BuildKit's own
parser both read, whose rewritten RUNs ``dash -n`` accepts where the original's RUNs were
all accepted; fixing the fixed file changes nothing (checked once, not by looping);
and a summary says how many files each transform changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from needs import need_module

from dockeropt import DockerfileError, engine, parse
from dockeropt.transforms import ALL
from dockeropt.transforms.base import Context

dockerfile = need_module("dockerfile", "the BuildKit oracle `dockerfile` (the test extra) is not installed")


DASH = shutil.which("dash")


def _shell_runs(text: str) -> list[str]:
    """The shell-form RUN scripts of a file that run in a POSIX shell."""
    from dockeropt.cst import Run, ShellForm
    from dockeropt.model import build_of

    tree = parse(text)
    build = build_of(tree)
    return [
        inst.command.text
        for inst in tree.instructions
        if isinstance(inst, Run) and isinstance(inst.command, ShellForm) and not inst.heredocs
        and id(inst) in build.states and build.state(inst).shell.posix
    ]


def _dash_rejects(script: str) -> str | None:
    done = subprocess.run([DASH, "-n", "-c", script], capture_output=True, text=True, errors="replace")
    return done.stderr.strip() or f"exit {done.returncode}" if done.returncode else None


def _fix(text: str, unsafe: bool) -> engine.Result:
    return engine.run(text, Context(), ALL, fix=True, unsafe=unsafe)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe fixes", "unsafe fixes too"])
def test_fixing_the_corpus_is_stable_and_parses_and_writes_shell(corpus: Path, unsafe: bool, capsys) -> None:  # noqa: ANN001
    if DASH is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dash is needed to check the RUNs fixes write (Debian's dash package)")
        pytest.skip("dash is not installed")
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
        before = set(_shell_runs(text))
        for script in _shell_runs(result.output):
            if script in before or "\x00" in script:
                continue
            rejected = _dash_rejects(script)
            if rejected and not any(_dash_rejects(old) for old in before):
                problems.append(f"{path.name}: a fixed RUN is not shell (dash -n: {rejected}): {script[:200]!r}")
        try:
            dockerfile.parse_string(result.output.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        except dockerfile.GoParseError as exc:
            problems.append(f"{path.name}: BuildKit rejects the fixed file: {exc}")
    with capsys.disabled():
        label = "with unsafe fixes" if unsafe else "safe fixes"
        summary = ", ".join(f"{code} {count}" for code, count in sorted(changed.items())) or "none"
        print(f"\ncorpus --fix ({label}): files changed per transform over {len(files)} files: {summary}")
    assert problems == []


_FINDINGS_OF_EVERY_FILE = """
import sys
import dockeropt
for name in sys.argv[1:]:
    text = open(name, "rb").read().decode("utf-8", "surrogateescape")
    try:
        found = dockeropt.check(text)
    except (dockeropt.DockerfileError, ValueError) as exc:
        print(name, "error", exc)
        continue
    for f in found:
        edits = None if f.fix is None else (f.fix.applicability.name, [(e.start, e.end, e.text) for e in f.fix.edits])
        print(name, f.code, f.line, f.column, repr(f.message), repr(edits))
"""


def test_the_corpus_reads_the_same_whatever_the_hash_seed(corpus: Path) -> None:
    """Findings and fixes must not depend on the order Python happens to iterate a set in:
    every corpus file checked (without a build context, where the most is guessed) in two
    processes with different PYTHONHASHSEED gives the same findings and fixes."""
    import sys

    files = [str(p) for p in sorted((corpus / "real").iterdir())]
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _FINDINGS_OF_EVERY_FILE, *files], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout.splitlines())
    assert len(outputs[0]) > 1000, "the corpus gave (almost) no findings"
    differ = [(a, b) for a, b in zip(*outputs) if a != b]
    assert not differ and len(outputs[0]) == len(outputs[1]), f"{len(differ)} lines differ between hash seeds; the first: {differ[:1]}"
