"""Runs every benchmark of "Fast enough for every save", one after another, and prints one table.

    python3 bench/run_all.py [--quick] [--only cold_start,throughput,...]

Each script runs as its own process (so that no measurement inherits another's memory or
warm caches) and prints its own figures as it goes; the table at the end gathers them.
Nothing is asserted: the figures are for reading.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine

HERE = Path(__file__).resolve().parent
SCRIPTS = ("cold_start", "throughput", "scaling", "lsp_latency", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every script")
    parser.add_argument("--only", help="comma-separated script names, of: " + ", ".join(SCRIPTS))
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(SCRIPTS)
    unknown = set(chosen) - set(SCRIPTS)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")

    rows: list[dict] = []
    failed: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, str(HERE / f"{name}.py"), "--json", str(out), *(["--quick"] if args.quick else [])]
            print(f"\n== {name} ==", flush=True)
            if subprocess.run(cmd).returncode != 0 or not out.exists():
                failed.append(name)
                continue
            rows += json.loads(out.read_text())

    print(f"\n== all figures ({machine()}, {time.perf_counter() - started:.0f} s in all) ==")
    width = max((len(r["measure"]) for r in rows), default=10)
    bench = None
    for row in rows:
        head = row["bench"] if row["bench"] != bench else ""
        bench = row["bench"]
        value = "" if row["value"] is None else f"{row['value']:>10{row['fmt']}} {row['unit']}"
        print(f"{head:<12}  {row['measure']:<{width}}  {value}")
    if failed:
        print(f"failed: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
