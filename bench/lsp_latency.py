"""Language-server latency: ``textDocument/formatting`` on a typical file, after edits and without.

    python3 bench/lsp_latency.py [--requests 300] [--quick]

Starts ``dockeropt lsp`` as a subprocess (``python -c "from dockeropt.lsp import main;
main()"``), initializes it and opens the typical 40-line Dockerfile, then times two series:

- after an edit: a ``didChange`` that bumps the version (and rewrites one comment, as
  typing does), then ``formatting``; timed from the didChange to the formatting answer,
  so it holds the server's analysis of the new version (diagnostics) and its fixes;
- unchanged: ``formatting`` again on the same version, which reads the server's cache.

Prints p50 and p99 in milliseconds for both. The client here is a minimal synchronous
JSON-RPC over stdio: notifications are read and dropped, requests from the server are
answered with null.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from _common import TYPICAL, Figures, machine, measured_env, percentile

SERVER = [sys.executable, "-c", "from dockeropt.lsp import main; main()"]
URI = "file:///tmp/dockeropt-bench/Dockerfile"
COMMENT = "# the worker count comes from gunicorn.conf.py"


class Server:
    def __init__(self) -> None:
        pipe = subprocess.PIPE
        self.proc = subprocess.Popen(SERVER, stdin=pipe, stdout=pipe, stderr=subprocess.DEVNULL, env=measured_env())
        self.last_id = 0

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def receive(self) -> dict:
        length = None
        while (line := self.proc.stdout.readline()) != b"\r\n":
            if not line:
                raise SystemExit("the language server stopped")
            name, _, value = line.decode("ascii").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return json.loads(self.proc.stdout.read(length))

    def notify(self, method: str, params: dict | None) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict | None) -> object:
        self.last_id += 1
        self.send({"id": self.last_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if "method" in message:  # a notification, or a request of the server's own
                if "id" in message:
                    self.send({"id": message["id"], "result": None})
                continue
            if message.get("id") == self.last_id:
                if "error" in message:
                    raise SystemExit(f"{method} failed: {message['error']}")
                return message.get("result")

    def stop(self) -> None:
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(10)


def format_document(server: Server) -> object:
    options = {"tabSize": 4, "insertSpaces": True}
    return server.request("textDocument/formatting", {"textDocument": {"uri": URI}, "options": options})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="formatting requests per series (default 300)")
    parser.add_argument("--quick", action="store_true", help="30 requests per series")
    parser.add_argument("--json", type=Path, help="also write the figures here (for run_all.py)")
    args = parser.parse_args()
    count = 30 if args.quick else args.requests

    server = Server()
    server.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    server.notify("initialized", {})
    document = {"uri": URI, "languageId": "dockerfile", "version": 1, "text": TYPICAL}
    server.notify("textDocument/didOpen", {"textDocument": document})
    if not format_document(server):
        raise SystemExit("formatting the typical file gave no edits: the benchmark would time nothing")

    edited: list[float] = []
    for version in range(2, count + 2):
        text = TYPICAL.replace(COMMENT, f"{COMMENT} (edit {version})")
        change = {"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": text}]}
        t0 = time.perf_counter()
        server.notify("textDocument/didChange", change)
        format_document(server)
        edited.append(time.perf_counter() - t0)
    unchanged: list[float] = []
    for _ in range(count):
        t0 = time.perf_counter()
        format_document(server)
        unchanged.append(time.perf_counter() - t0)
    server.stop()

    print(f"dockeropt lsp, formatting a {len(TYPICAL.splitlines())}-line Dockerfile, {count} requests per series ({machine()})")
    figures = Figures("lsp latency")
    for name, times in (("didChange (new version) + formatting", edited), ("formatting, unchanged version", unchanged)):
        figures.add(f"{name}: p50", percentile(times, 50) * 1000, "ms", ".1f")
        figures.add(f"{name}: p99", percentile(times, 99) * 1000, "ms", ".1f")
    figures.write(args.json)


if __name__ == "__main__":
    main()
