"""Peak memory (resident set size) of dockeropt runs over the corpus and on a 100,000-line file.

    python3 bench/memory.py [--corpus ../shared/corpus/real] [--limit 120] [--quick]

Each run is a child of a small wrapper process that reports ``ru_maxrss`` of
``getrusage(RUSAGE_CHILDREN)``: the peak RSS of the largest single process among the run
and the processes it waited for (pool workers included). For runs that use a process pool,
the RSS of the whole process tree is also sampled every 0.1 s from ``/proc`` (Linux) and
its largest sum reported: the memory the run holds at once.

- baseline: ``dockeropt --check`` on the typical 40-line file;
- ``dockeropt --check`` over every corpus file in one call, in a single process (the
  command line with ``os.cpu_count`` reporting 1, so that it does not start the pool), and
  as users run it, with the process pool;
- the generated 100,000-line file: ``dockeropt.parse`` alone, and ``dockeropt --check``
  (stopped after ``--limit`` seconds if it runs longer; the peak up to then is reported).

``--quick`` takes 500 corpus files and a 10,000-line file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from _common import CORPUS, TYPICAL, Figures, corpus_files, generate, machine, measured_env, spread, tool

WRAPPER = """\
import json, resource, subprocess, sys
limit = float(sys.argv[1]) or None
try:
    subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=limit)
    stopped = False
except subprocess.TimeoutExpired:
    stopped = True
print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "stopped": stopped}))
"""
SERIAL = "import os; os.cpu_count = lambda: 1; from dockeropt.cli import main; main()"
PARSE = "import sys; from dockeropt import parse; parse(open(sys.argv[1], encoding='utf-8').read())"


def rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # it has just exited
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def below_rss_kb(root: int) -> int:
    """The summed VmRSS of every process below ``root`` (not ``root`` itself), from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, below = {root}, set()
    while True:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        if not found:
            return sum(rss_kb(pid) for pid in below)
        tree |= found
        below |= found


def peak(cmd: list[str], limit: float = 0, sample_tree: bool = False) -> tuple[float, float | None, bool]:
    """Peak RSS in MiB of the largest process, the largest sampled sum over the tree (or
    None), and whether the run was stopped at ``limit``."""
    wrapper = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, str(limit), *cmd], stdout=subprocess.PIPE, text=True, env=measured_env()
    )
    largest_sum = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal largest_sum
        while not stop.wait(0.1):
            largest_sum = max(largest_sum, below_rss_kb(wrapper.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_tree and Path("/proc/self/stat").exists():
        sampler.start()
    out, _ = wrapper.communicate()
    stop.set()
    if sampler.is_alive():
        sampler.join()
    report = json.loads(out)
    tree = largest_sum / 1024 if sample_tree and largest_sum else None
    return report["maxrss_kb"] / 1024, tree, report["stopped"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=120, help="seconds the big file's --check may take (default 120)")
    parser.add_argument("--quick", action="store_true", help="500 corpus files, a 10,000-line file")
    parser.add_argument("--json", type=Path, help="also write the figures here (for run_all.py)")
    args = parser.parse_args()
    files = corpus_files(args.corpus)
    if args.quick:
        files = spread(files, 500)
    lines = 10_000 if args.quick else 100_000
    exe = tool("dockeropt", "pip install -e .")
    print(f"peak RSS ({machine()})")
    figures = Figures("memory")

    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp) / "Dockerfile", Path(tmp) / "Big.Dockerfile"
        small.write_text(TYPICAL)
        big.write_text(generate(lines))
        subprocess.run([exe, "--check", str(small)], capture_output=True, env=measured_env())  # warm-up: bytecode

        rss, _, _ = peak([exe, "--check", str(small)])
        figures.add("baseline: dockeropt --check, the typical 40-line file", rss, "MiB", ",.0f")

        names = list(map(str, files))
        rss, _, _ = peak([sys.executable, "-c", SERIAL, "--check", *names])
        figures.add(f"dockeropt --check, {len(files)} corpus files, single process", rss, "MiB", ",.0f")
        rss, tree, _ = peak([exe, "--check", *names], sample_tree=True)
        figures.add(f"dockeropt --check, {len(files)} corpus files, pool: largest process", rss, "MiB", ",.0f")
        if tree is not None:
            figures.add(f"dockeropt --check, {len(files)} corpus files, pool: all processes (sampled)", tree, "MiB", ",.0f")

        rss, _, _ = peak([sys.executable, "-c", PARSE, str(big)])
        figures.add(f"dockeropt.parse, {lines:,}-line file", rss, "MiB", ",.0f")
        rss, _, stopped = peak([exe, "--check", str(big)], limit=args.limit)
        label = f"dockeropt --check, {lines:,}-line file" + (f" (stopped at {args.limit} s)" if stopped else "")
        figures.add(label, rss, "MiB", ",.0f")
    figures.write(args.json)


if __name__ == "__main__":
    main()
