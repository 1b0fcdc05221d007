"""Scaling: time per line of generated Dockerfiles of 1,000, 10,000 and 100,000 lines.

    python3 bench/scaling.py [--sizes 1000,10000,100000] [--limit 120] [--quick]

The files are generated (``_common.generate``): stages of FROM, ARG, ENV with a
continuation, WORKDIR, apt-get RUN chains with ``&&`` continuations (some with a comment
line inside), make RUNs, COPY, a heredoc RUN now and then, COPY --from the previous stage,
LABEL, CMD, comments and blank lines. Two measurements per size, in-process, each run in a
fresh child process (best of a few such runs; a second run in one process would time
dockeropt's caches of recent lines and scripts):

- ``check``: what ``dockeropt --check`` computes, ``dockeropt.engine.run`` with every
  transform and ``fix=True`` (the fixes are computed to know whether the file would change;
  when some apply, the file is read again, which the line says: one pass per read);
- ``parse``: ``dockeropt.parse`` alone.

Prints microseconds per line and the ratio of the per-line time at the largest size to the
smallest (the goal is within 1.5x: linear). A run longer than ``--limit`` seconds is stopped
and reported as a finding. When the ratio misses the goal, a cProfile summary shows where
the time goes, in a whole run at the largest size that finished.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import signal
import subprocess
import sys
import time
from pathlib import Path

from _common import Figures, generate, machine

STOPPED = 3  # the child's exit status when a run passed the limit
TARGET = 1.5


class OutOfTime(BaseException):  # not an Exception: dockeropt's own handlers must not swallow it
    pass


def _alarm(seconds: int) -> None:
    def ring(signum, frame):  # noqa: ANN001, ARG001
        raise OutOfTime

    signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)


def work(measure: str):  # noqa: ANN201
    """The function a measurement times, given the text (the collector paced as the command line paces it)."""
    from dockeropt.runner import collect_less

    collect_less()
    if measure == "parse":
        from dockeropt import parse

        return parse
    from dockeropt import engine
    from dockeropt.transforms import ALL
    from dockeropt.transforms.base import Context

    context = Context(path="Dockerfile")
    return lambda text: engine.run(text, context, ALL, fix=True)


def passes(size: int) -> int:
    """How many times ``check`` reads the file of ``size`` lines: once, plus once per round of fixes."""
    from dockeropt import engine
    from dockeropt.transforms import ALL
    from dockeropt.transforms.base import Context

    count = 0
    collect = engine.collect

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        nonlocal count
        count += 1
        return collect(*args, **kwargs)

    engine.collect = counted
    try:
        engine.run(generate(size), Context(path="Dockerfile"), ALL, fix=True)
    finally:
        engine.collect = collect
    return count


def child_time(size: int, measure: str, runs: int, limit: int) -> None:
    text, run = generate(size), work(measure)
    best = float("inf")
    for _ in range(runs):
        _alarm(limit)
        try:
            t0 = time.perf_counter()
            run(text)
            best = min(best, time.perf_counter() - t0)
        except OutOfTime:
            sys.exit(STOPPED)
        signal.alarm(0)
    print(json.dumps(best))


def child_profile(size: int, measure: str, seconds: int) -> None:
    text, run = generate(size), work(measure)
    profile = cProfile.Profile()
    _alarm(seconds)
    profile.enable()
    try:
        run(text)
    except OutOfTime:
        pass
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(22)
    stats.sort_stats("tottime").print_stats(8)
    seen = set()  # pstats repeats its header for each table
    for line in out.getvalue().splitlines():
        if line.strip() and not (line in seen and "function calls" in line):
            seen.add(line)
            print(line)


def profile(measure: str, size: int, seconds: int) -> None:
    """Where the time goes in a run of ``measure`` on ``size`` lines, up to ``seconds``."""
    print(f"  cProfile of {measure} on {size:,} lines (stopped after {seconds} s if not done):")
    done = spawn("--child", str(size), measure, "--profile", "--profile-seconds", str(seconds))
    print("\n".join("    " + line for line in done.stdout.splitlines()), flush=True)


def spawn(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="line counts, comma separated")
    parser.add_argument("--measures", default="check,parse", help="which of check, parse (comma separated)")
    parser.add_argument("--limit", type=int, default=120, help="seconds one run may take (default 120)")
    parser.add_argument(
        "--profile-seconds", type=int, default=30, help="how long to profile when even the smallest size was stopped"
    )
    parser.add_argument("--quick", action="store_true", help="one run per size")
    parser.add_argument("--json", type=Path, help="also write the figures here (for run_all.py)")
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "MEASURE"), help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        size, measure = int(args.child[0]), args.child[1]
        if args.profile:
            child_profile(size, measure, args.profile_seconds)
        elif measure == "passes":
            print(json.dumps(passes(size)))
        else:
            child_time(size, measure, args.runs, args.limit)
        return

    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"scaling on generated Dockerfiles of {', '.join(f'{s:,}' for s in sizes)} lines ({machine()})")
    figures = Figures("scaling")
    for measure in args.measures.split(","):
        per_line: dict[int, float] = {}
        stopped = None
        for size in sizes:
            runs = 1 if args.quick or size >= 100_000 else 3
            # each run in a fresh process: dockeropt remembers recent lines and RUN scripts,
            # so a second run in the same process would time those caches, not the work
            times = []
            for _ in range(runs):
                done = spawn("--child", str(size), measure, "--runs", "1", "--limit", str(args.limit))
                if done.returncode != 0:
                    break
                times.append(json.loads(done.stdout))
            if done.returncode == STOPPED:
                figures.note(f"{measure} of {size:,} lines took over {args.limit} s: stopped (superlinear step)")
                stopped = size
                break
            if done.returncode != 0:
                raise SystemExit(f"{measure} on {size} lines failed:\n{done.stderr}")
            seconds = min(times)
            per_line[size] = seconds / size
            figures.add(f"{measure}, {size:,} lines: total (best of {runs})", seconds, "s", ".2f")
            label = f"{measure}, {size:,} lines: per line"
            if measure == "check":  # a round of fixes means the whole file is read again: say so
                reads = json.loads(spawn("--child", str(size), "passes").stdout)
                label += f" ({reads} pass{'es' * (reads != 1)} over the file)"
            figures.add(label, seconds / size * 1e6, "us/line", ".1f")
        smallest, largest = sizes[0], sizes[-1]
        if largest in per_line:
            ratio = per_line[largest] / per_line[smallest]
            verdict = "within" if ratio <= TARGET else "NOT within"
            figures.add(f"{measure}: per-line ratio {largest:,}/{smallest:,} ({verdict} {TARGET}x)", ratio, "x", ".2f")
        elif per_line:
            ratio = args.limit / largest / per_line[smallest]
            figures.add(f"{measure}: per-line ratio {largest:,}/{smallest:,}, at least (stopped)", ratio, "x", ".1f")
        else:
            ratio = float("inf")
        if ratio > TARGET and per_line:  # a whole run at the largest size that finished (cProfile slows it ~2x)
            profile(measure, max(per_line), args.limit * 3)
        elif ratio > TARGET:  # not even the smallest finished: its first seconds
            profile(measure, stopped, args.profile_seconds)
    figures.write(args.json)


if __name__ == "__main__":
    main()
