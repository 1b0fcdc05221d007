"""``dockeropt lsp``, driven over stdio by a small JSON-RPC client, as an editor drives it.

The client below frames messages with Content-Length headers, answers the server's own
requests with null, and keeps notifications until a test asks for them. Its position
arithmetic is written independently of the server's (``_offset``), so that a test of a
range is not the server checked against itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from dockeropt.errors import DockerfileError
from dockeropt.lsp import FIX_ALL, LineIndex, analyse, code_actions, context_for, error_span, quick_fix, wanted
from dockeropt.transforms import by_code
from dockeropt.transforms.base import Applicability, Edit, Finding, Fix

SERVER = [sys.executable, "-c", "from dockeropt.lsp import main; main()"]
COMMAND = [sys.executable, "-m", "dockeropt", "lsp"]  # as editors start it: the console script's way
TIMEOUT = 20.0

WARNING, INFORMATION, ERROR = 2, 3, 1
NEEDS_SLIM = 'FROM python:3.12\nCOPY app.py /app/\nCMD ["python", "/app/app.py"]\n'  # only DO103: python:3.12-slim
TWO_RUNS = "FROM python:3.12-slim\nRUN a\nRUN b\n"
TWO_RUNS_MERGED = "FROM python:3.12-slim\nRUN a \\\n    && b\n"
CLEAN = 'FROM python:3.12-slim\nCOPY app.py /app/\nCMD ["python", "/app/app.py"]\n'

needs_merge_run = pytest.mark.skipif("DO101" not in by_code(), reason="DO101 merge-run is not registered")


class Client:
    def __init__(self, capabilities: dict | None = None, command: list[str] = SERVER) -> None:
        self.stderr = tempfile.TemporaryFile()
        pipe = subprocess.PIPE
        self.proc = subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=self.stderr)
        self.next_id = 0
        self.responses: dict[int, dict] = {}
        self.notifications: list[dict] = []
        self.changed = threading.Condition()
        self.write_lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()
        self.initialized = self.request(
            "initialize", {"processId": None, "rootUri": None, "capabilities": capabilities or {}}
        )
        self.notify("initialized", {})

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        with self.write_lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while (line := out.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            if not line:
                break
            message = json.loads(out.read(int(headers["content-length"])))
            if "method" in message and "id" in message:
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            with self.changed:
                if "method" in message:
                    self.notifications.append(message)
                else:
                    self.responses[message["id"]] = message
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def _wait(self, ready):  # noqa: ANN001, ANN202
        deadline = time.monotonic() + TIMEOUT
        with self.changed:
            while (found := ready()) is None:
                if self.closed or not self.changed.wait(deadline - time.monotonic()):
                    raise AssertionError(f"no answer from the server; its stderr:\n{self.log()}")
            return found

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def request(self, method: str, params: dict | None) -> object:
        self.next_id += 1
        ident = self.next_id
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        response = self._wait(lambda: self.responses.pop(ident, None))
        assert "error" not in response, response["error"]
        return response["result"]

    def notify(self, method: str, params: dict | None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri: str) -> list[dict]:
        """The next diagnostics published for ``uri``."""

        def published():  # noqa: ANN202
            for message in self.notifications:
                if message["method"] == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                    self.notifications.remove(message)
                    return message["params"]
            return None

        return self._wait(published)["diagnostics"]

    def open(self, uri: str, text: str, version: int = 1) -> list[dict]:
        item = {"uri": uri, "languageId": "dockerfile", "version": version, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": item})
        return self.diagnostics(uri)

    def change(self, uri: str, text: str, version: int) -> list[dict]:
        doc = {"uri": uri, "version": version}
        self.notify("textDocument/didChange", {"textDocument": doc, "contentChanges": [{"text": text}]})
        return self.diagnostics(uri)

    def format(self, uri: str) -> list[dict] | None:
        options = {"tabSize": 4, "insertSpaces": True}
        return self.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": options})

    def code_actions(self, uri: str, start: tuple, end: tuple, only: list[str] | None = None) -> list[dict]:
        context: dict = {"diagnostics": []}
        if only is not None:
            context["only"] = only
        params = {"textDocument": {"uri": uri}, "range": _range(start, end), "context": context}
        return self.request("textDocument/codeAction", params) or []

    def stop(self) -> int:
        self.request("shutdown", None)
        self.notify("exit", None)
        return self.proc.wait(TIMEOUT)


def _range(start: tuple[int, int], end: tuple[int, int]) -> dict:
    return {"start": {"line": start[0], "character": start[1]}, "end": {"line": end[0], "character": end[1]}}


def _span(item: dict) -> tuple[tuple[int, int], tuple[int, int]]:
    r = item["range"]
    return (r["start"]["line"], r["start"]["character"]), (r["end"]["line"], r["end"]["character"])


def _offset(text: str, line: int, character: int, encoding: str = "utf-16") -> int:
    """LSP's own definition: lines end at \\r\\n, \\r or \\n; characters count code units."""
    lines = re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text)
    offset = sum(len(x) for x in lines[:line])
    body = lines[line].rstrip("\r\n")
    width = {"utf-16": 2, "utf-8": 1}[encoding]
    units = 0
    for i, ch in enumerate(body):
        if units >= character:
            return offset + i
        units += len(ch.encode(f"{encoding}-le" if encoding == "utf-16" else encoding)) // width
    return offset + len(body)


def _apply(text: str, edits: list[dict], encoding: str = "utf-16") -> str:
    spans = []
    for edit in edits:
        (l1, c1), (l2, c2) = _span(edit)
        spans.append((_offset(text, l1, c1, encoding), _offset(text, l2, c2, encoding), edit["newText"]))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


@pytest.fixture(scope="module")
def client():  # noqa: ANN201
    c = Client()
    yield c
    c.stop()


@pytest.fixture
def uri(tmp_path: Path) -> str:
    return (tmp_path / "Dockerfile").as_uri()


def _by_code(diagnostics: list[dict], code: str) -> list[dict]:
    return [d for d in diagnostics if d.get("code") == code]


# --- the protocol, end to end ----------------------------------------------------------------


def test_initialize_says_what_the_server_does(client: Client) -> None:
    result = client.initialized
    caps = result["capabilities"]
    assert result["serverInfo"]["name"] == "dockeropt"
    assert caps["positionEncoding"] == "utf-16"
    assert caps["textDocumentSync"]["change"] == 1  # whole documents
    assert caps["textDocumentSync"]["openClose"] is True
    assert caps["documentFormattingProvider"]
    assert set(caps["codeActionProvider"]["codeActionKinds"]) == {"quickfix", FIX_ALL}


def test_open_publishes_the_smaller_base_suggestion(client: Client, uri: str) -> None:
    [slim] = _by_code(client.open(uri, NEEDS_SLIM), "DO103")
    assert _span(slim) == ((0, 5), (0, 16))
    assert slim["source"] == "dockeropt"
    assert slim["severity"] == INFORMATION
    assert "python:3.12-slim" in slim["message"]


@needs_merge_run
def test_a_finding_with_a_safe_fix_is_a_warning(client: Client, uri: str) -> None:
    [merge] = _by_code(client.open(uri, TWO_RUNS), "DO101")
    assert _span(merge) == ((1, 0), (3, 0))
    assert merge["severity"] == WARNING


@pytest.mark.parametrize(
    ("text", "start", "message"),
    [
        pytest.param("FROM a\nRUN <<EOF\n", (1, 0), "unterminated heredoc", id="error on the second line"),
        pytest.param("FROM a\nRUN x\x00y\n", (1, 5), "binary file", id="error inside a line"),
        pytest.param("FROM a\r\nRUN 🐳\x00\r\n", (1, 6), "binary file", id="CRLF and a two-unit character"),
        pytest.param("# a\rFROM a\x00\n", (1, 6), "binary file", id="a lone CR ends an LSP line only"),
        pytest.param("", (0, 0), "no instructions", id="empty file"),
        pytest.param("FROM a\nRUN a\nRUN b\nONBUILD FROM b\n", (3, 8), "FROM isn't allowed as an ONBUILD trigger", id="a line the build rejects"),
        pytest.param("FRM node\nRUN a\nRUN b\n", (0, 0), "unknown instruction: FRM (did you mean FROM?)", id="an unknown instruction"),
    ],
)
def test_a_file_that_does_not_parse_gets_one_error(
    client: Client, uri: str, text: str, start: tuple[int, int], message: str
) -> None:
    [error] = client.open(uri, text)
    assert error["severity"] == ERROR
    assert _span(error)[0] == start
    assert message in error["message"]
    assert client.format(uri) is None
    assert client.code_actions(uri, (0, 0), (9, 0)) == []


def test_a_change_updates_the_diagnostics(client: Client, uri: str) -> None:
    assert _by_code(client.open(uri, NEEDS_SLIM), "DO103")
    assert not _by_code(client.change(uri, CLEAN, 2), "DO103")
    [error] = client.change(uri, "FROM a\nRUN <<EOF\n", 3)
    assert error["severity"] == ERROR
    [slim] = _by_code(client.change(uri, "# 🐳 on top\r\n" + NEEDS_SLIM.replace("\n", "\r\n"), 4), "DO103")
    assert _span(slim) == ((1, 5), (1, 16))


def test_closing_clears_the_diagnostics(client: Client, uri: str) -> None:
    assert client.open(uri, NEEDS_SLIM)
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri) == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(NEEDS_SLIM.replace("\n", "\r\n"), id="CRLF"),
        pytest.param("# 🐳🐳 base\n" + NEEDS_SLIM, id="two characters of two UTF-16 units above"),
        pytest.param("# a\r" + "# b\n" + NEEDS_SLIM, id="a lone CR inside a comment"),
    ],
)
def test_ranges_count_lines_and_characters_as_lsp_does(client: Client, uri: str, text: str) -> None:
    [slim] = _by_code(client.open(uri, text), "DO103")
    (l1, c1), (l2, c2) = _span(slim)
    assert text[_offset(text, l1, c1) : _offset(text, l2, c2)] == "python:3.12"


def test_formatting_a_file_that_needs_nothing_returns_nothing(client: Client, uri: str) -> None:
    client.open(uri, CLEAN)
    assert client.format(uri) is None


def test_formatting_never_applies_a_suggestion(client: Client, uri: str) -> None:
    client.open(uri, NEEDS_SLIM)
    assert client.format(uri) is None


@needs_merge_run
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(TWO_RUNS, TWO_RUNS_MERGED, id="LF"),
        pytest.param(TWO_RUNS.replace("\n", "\r\n"), TWO_RUNS_MERGED.replace("\n", "\r\n"), id="CRLF"),
        pytest.param(
            "# 🐳\n" + TWO_RUNS.replace("RUN a", "RUN echo 🐳"),
            "# 🐳\n" + TWO_RUNS_MERGED.replace("RUN a", "RUN echo 🐳"),
            id="characters of two UTF-16 units",
        ),
        pytest.param(TWO_RUNS + "# the end\n", TWO_RUNS_MERGED + "# the end\n", id="unchanged lines after"),
    ],
)
def test_formatting_applies_the_safe_fixes(client: Client, uri: str, text: str, expected: str) -> None:
    client.open(uri, text)
    edits = client.format(uri)
    assert _apply(text, edits) == expected
    [edit] = edits  # only the lines that change
    assert _span(edit)[0] == (text[: text.index("RUN")].count("\n"), 0)
    assert "FROM" not in edit["newText"] and "# the end" not in edit["newText"]


def test_a_finding_offers_its_suggestion_as_a_quick_fix(client: Client, uri: str) -> None:
    client.open(uri, NEEDS_SLIM)
    [action] = [a for a in client.code_actions(uri, (0, 8), (0, 8)) if a["kind"] == "quickfix"]
    assert action["title"] == "Use python:3.12-slim (DO103)"
    assert not action.get("isPreferred")
    assert action["diagnostics"][0]["code"] == "DO103"
    assert _apply(NEEDS_SLIM, action["edit"]["changes"][uri]) == NEEDS_SLIM.replace("3.12", "3.12-slim")


def test_no_quick_fix_outside_the_finding(client: Client, uri: str) -> None:
    client.open(uri, NEEDS_SLIM)
    assert client.code_actions(uri, (1, 0), (1, 3)) == []


@needs_merge_run
def test_a_safe_fix_is_the_preferred_quick_fix(client: Client, uri: str) -> None:
    text = "FROM python:3.12-slim\nRUN echo 🐳\nRUN b\n"
    client.open(uri, text)
    [action] = client.code_actions(uri, (1, 0), (1, 0), only=["quickfix"])
    assert action["isPreferred"] is True
    assert action["title"] == "Merge into one RUN (DO101)"
    [edit] = action["edit"]["changes"][uri]
    assert _span(edit) == ((1, 11), (2, 4))  # 🐳 is two UTF-16 units
    assert _apply(text, [edit]) == "FROM python:3.12-slim\nRUN echo 🐳 \\\n    && b\n"


@needs_merge_run
def test_fix_all_is_a_source_action(client: Client, uri: str) -> None:
    text = TWO_RUNS.replace("-slim", "")
    client.open(uri, text)
    [action] = client.code_actions(uri, (0, 0), (0, 0), only=["source.fixAll"])
    assert action["kind"] == FIX_ALL
    assert action["title"] == "Fix all safe findings"
    assert _apply(text, action["edit"]["changes"][uri]) == TWO_RUNS_MERGED.replace("-slim", "")
    kinds = [a["kind"] for a in client.code_actions(uri, (0, 6), (0, 6))]
    assert kinds == ["quickfix", FIX_ALL]  # DO103's suggestion, then fix-all


def test_no_fix_all_when_nothing_is_safe_to_fix(client: Client, uri: str) -> None:
    client.open(uri, NEEDS_SLIM)
    assert client.code_actions(uri, (0, 0), (0, 0), only=[FIX_ALL]) == []


@needs_merge_run
def test_a_client_that_counts_in_utf8_gets_utf8_positions() -> None:
    text = "FROM python:3.12-slim\nRUN echo 🐳\nRUN b\n"
    client = Client({"general": {"positionEncodings": ["utf-8", "utf-16"]}})
    try:
        assert client.initialized["capabilities"]["positionEncoding"] == "utf-8"
        uri = "untitled:Dockerfile"
        client.open(uri, text)
        [action] = client.code_actions(uri, (1, 13), (1, 13), only=["quickfix"])
        [edit] = action["edit"]["changes"][uri]
        assert _span(edit) == ((1, 13), (2, 4))  # 🐳 is four UTF-8 bytes
        assert _apply(text, [edit], "utf-8") == "FROM python:3.12-slim\nRUN echo 🐳 \\\n    && b\n"
    finally:
        assert client.stop() == 0


@pytest.mark.parametrize("command", [SERVER, COMMAND], ids=["lsp.main", "dockeropt lsp"])
def test_shutdown_then_exit_ends_the_server_cleanly(command: list[str]) -> None:
    client = Client(command=command)
    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.proc.wait(TIMEOUT) == 0
    assert client.proc.stdout.read() == b""
    assert "Traceback" not in client.log()


def test_exit_without_shutdown_ends_the_server_with_code_1() -> None:
    """The protocol's rule: exit before shutdown is an error exit."""
    client = Client()
    client.notify("exit", None)
    assert client.proc.wait(TIMEOUT) == 1
    assert "Traceback" not in client.log()


def test_the_client_closing_the_pipe_ends_the_server() -> None:
    client = Client()
    client.proc.stdin.close()
    assert client.proc.wait(TIMEOUT) == 0
    assert "Traceback" not in client.log()


def test_messages_are_answered_in_order_while_more_arrive() -> None:
    """The server reads the next message only after answering one: an edit's diagnostics
    come before the answer to the request sent right behind it."""
    client = Client()
    uri = "file:///tmp/dockeropt-order/Dockerfile"
    client.open(uri, TWO_RUNS)
    for version in range(2, 6):
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": TWO_RUNS + "#" * version + "\n"}],
        })
    assert client.format(uri)
    versions = [n["params"].get("version") for n in client.notifications if n["method"] == "textDocument/publishDiagnostics"]
    assert versions[-4:] == [2, 3, 4, 5]
    assert client.stop() == 0


# --- the parts, in process -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset", "position"),
    [
        pytest.param("", 0, (0, 0), id="empty"),
        pytest.param("ab\ncd", 4, (1, 1), id="LF"),
        pytest.param("ab\r\ncd", 5, (1, 1), id="CRLF"),
        pytest.param("ab\r\ncd", 2, (0, 2), id="before a CRLF"),
        pytest.param("ab\r\ncd", 3, (0, 2), id="inside a CRLF is the end of the line"),
        pytest.param("ab\rcd", 4, (1, 1), id="lone CR ends a line"),
        pytest.param("ab\n\rcd", 5, (2, 1), id="LF then CR are two line endings"),
        pytest.param("ab\n", 3, (1, 0), id="end of a file that ends with a newline"),
        pytest.param("ab", 2, (0, 2), id="end of a file without a newline"),
        pytest.param("ab", 99, (0, 2), id="past the end"),
        pytest.param("a🐳b", 2, (0, 3), id="non-BMP character is two units"),
        pytest.param("é€b", 2, (0, 2), id="BMP characters are one unit"),
        pytest.param("x\u2028y\x0cz\n", 5, (0, 5), id="U+2028 and form feed end no LSP line"),
    ],
)
def test_offset_to_position(text: str, offset: int, position: tuple[int, int]) -> None:
    assert LineIndex(text).position(offset) == position


@pytest.mark.parametrize(
    ("encoding", "character"), [("utf-16", 3), ("utf-8", 5), ("utf-32", 2)]
)
def test_offset_to_position_in_each_encoding(encoding: str, character: int) -> None:
    assert LineIndex("x\na🐳b", encoding).position(4) == (1, character)


@pytest.mark.parametrize(
    "text",
    ["", "FROM a\n", "a🐳b\r\nc\rd\n\ne€", "🐳\r\n🐳🐳\n", "x\u2028y\n"],
)
@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_position_to_offset_undoes_offset_to_position(text: str, encoding: str) -> None:
    index = LineIndex(text, encoding)
    for offset in range(len(text) + 1):
        if text[offset - 1 : offset + 1] == "\r\n":
            continue  # inside a line ending: not a position
        assert index.offset(*index.position(offset)) == offset


@pytest.mark.parametrize(
    ("text", "line", "character", "offset"),
    [
        pytest.param("ab\ncd", 0, 9, 2, id="past the end of a line is its end"),
        pytest.param("ab\ncd", 7, 0, 5, id="past the last line is the end"),
        pytest.param("a🐳b", 0, 2, 2, id="inside a surrogate pair moves past it"),
    ],
)
def test_position_to_offset_clamps(text: str, line: int, character: int, offset: int) -> None:
    assert LineIndex(text).offset(line, character) == offset


@pytest.mark.parametrize(
    ("text", "line", "column", "span"),
    [
        pytest.param("FROM a\nRUN x\n", 2, 3, (9, 12), id="to the end of its line"),
        pytest.param("FROM a\r\nRUN x\r\n", 2, 1, (8, 13), id="the CR is not part of the line"),
        pytest.param("FROM a\n", 9, 1, (7, 7), id="past the last line"),
    ],
)
def test_error_span(text: str, line: int, column: int, span: tuple[int, int]) -> None:
    assert error_span(text, DockerfileError("bad", line, column)) == span


def _finding(applicability: Applicability) -> Finding:
    return Finding("DO999", "m", 1, 6, 5, 16, Fix("Do it", (Edit(5, 16, "x"),), applicability))


@pytest.mark.parametrize(
    ("applicability", "title", "preferred"),
    [
        (Applicability.SAFE, "Do it (DO999)", True),
        (Applicability.UNSAFE, "Do it (DO999, unsafe)", False),
        (Applicability.SUGGESTION, "Do it (DO999)", False),
    ],
)
def test_quick_fix_titles(applicability: Applicability, title: str, preferred: bool) -> None:
    analysis = analyse("untitled:x", 1, NEEDS_SLIM, "utf-16", transforms=())
    action = quick_fix(analysis, _finding(applicability))
    assert (action.title, action.is_preferred, action.kind) == (title, preferred, "quickfix")


def test_fix_all_ignores_unsafe_and_suggested_fixes() -> None:
    analysis = analyse("untitled:x", 1, NEEDS_SLIM, "utf-16", transforms=())
    analysis.findings = [_finding(Applicability.UNSAFE), _finding(Applicability.SUGGESTION)]
    assert [a.kind for a in code_actions(analysis, 0, 99, None)] == ["quickfix", "quickfix"]


@pytest.mark.parametrize(
    ("only", "kind", "wanted_"),
    [
        (None, FIX_ALL, True),
        (["source"], FIX_ALL, True),
        (["source.fixAll"], FIX_ALL, True),
        (["source.fixAll.dockeropt"], FIX_ALL, True),
        (["source.fix"], FIX_ALL, False),
        (["quickfix"], FIX_ALL, False),
        (["source.fixAll"], "quickfix", False),
    ],
)
def test_wanted(only: list[str] | None, kind: str, wanted_: bool) -> None:
    assert wanted(kind, only) is wanted_


def test_a_file_builds_with_its_folder_as_the_context(tmp_path: Path) -> None:
    folder = tmp_path / "my app"
    context = context_for((folder / "Dockerfile").as_uri())
    assert (context.path, context.build_context) == (str(folder / "Dockerfile"), folder.resolve())


def test_an_unsaved_buffer_has_no_build_context() -> None:
    assert context_for("untitled:Untitled-1").build_context is None


def test_ignore_comments_hold_in_the_editor(client: Client, uri: str) -> None:
    ignored = "# dockeropt: ignore=DO103\n" + NEEDS_SLIM
    assert _by_code(client.open(uri, NEEDS_SLIM), "DO103")
    assert not _by_code(client.change(uri, ignored, 2), "DO103")


def test_the_configuration_of_the_folder_holds_in_the_editor(client: Client, tmp_path: Path) -> None:
    (tmp_path / ".dockeropt.toml").write_text('ignore = ["DO103"]\n')
    uri = (tmp_path / "Dockerfile").as_uri()
    assert not _by_code(client.open(uri, NEEDS_SLIM), "DO103")


def test_a_bad_configuration_is_shown_not_crashed_on(client: Client, tmp_path: Path) -> None:
    (tmp_path / ".dockeropt.toml").write_text('slect = ["DO103"]\n')
    uri = (tmp_path / "Dockerfile").as_uri()
    found = client.open(uri, NEEDS_SLIM)
    [error] = [d for d in found if d["severity"] == 1]
    assert "unknown key 'slect'" in error["message"]
    assert _by_code(found, "DO103"), "the defaults apply meanwhile"


def _age(*paths: Path) -> None:
    """Give the paths a time well in the past: a time as recent as now is not trusted to show a change."""
    for age, path in enumerate(paths):
        os.utime(path, ns=(time.time_ns() - 3_600_000_000_000 + age, time.time_ns() - 3_600_000_000_000 + age))


def test_the_configuration_is_kept_until_a_file_or_folder_it_came_from_changes(tmp_path: Path, monkeypatch) -> None:
    from dockeropt import config, lsp

    loads = []
    real_load = config.load
    monkeypatch.setattr(config, "load", lambda *a: loads.append(a[0]) or real_load(*a))
    sub = tmp_path / "svc"
    sub.mkdir()
    (tmp_path / ".dockeropt.toml").write_text('ignore = ["DO103"]\n')
    (sub / "pyproject.toml").write_text("[project]\nname = 'svc'\n")
    _age(tmp_path / ".dockeropt.toml", sub / "pyproject.toml", sub, tmp_path)
    uri = (sub / "Dockerfile").as_uri()
    first = lsp.settings_for(uri)
    assert list(first[0].ignore) == ["DO103"]
    assert lsp.settings_for(uri) is first, "nothing changed: the configuration is not read again"
    assert len(loads) == 1

    (tmp_path / ".dockeropt.toml").write_text('ignore = ["DO104"]\n')  # written in place
    assert list(lsp.settings_for(uri)[0].ignore) == ["DO104"]
    _age(tmp_path / ".dockeropt.toml")
    lsp.settings_for(uri)

    (sub / "pyproject.toml").write_text("[tool.dockeropt]\nignore = ['DO105']\n")  # a nearer table
    assert list(lsp.settings_for(uri)[0].ignore) == ["DO105"]
    _age(sub / "pyproject.toml")
    lsp.settings_for(uri)

    (sub / "pyproject.toml").unlink()  # its folder's time changes
    assert list(lsp.settings_for(uri)[0].ignore) == ["DO104"]
    _age(sub)
    lsp.settings_for(uri)
    (sub / ".dockeropt.toml").write_text('ignore = ["DO106"]\n')  # a new file, nearer
    assert list(lsp.settings_for(uri)[0].ignore) == ["DO106"]


_TYPED = """\
# syntax=docker/dockerfile:1
FROM python:3.12-slim
RUN apt-get update
RUN apt-get install -y curl
COPY . /app
RUN pip install -r /app/requirements.txt
CMD python /app/main.py
"""


def _typing(text: str) -> list[str]:
    """Versions of ``text`` as an editor sends them: characters typed and deleted anywhere,
    lines joined and split, a heredoc begun, the directive edited, all selected and replaced."""
    versions = [text]
    for at in range(0, len(text), 7):  # a character typed at every seventh offset, then deleted
        versions.append(text[:at] + "x" + text[at:])
        versions.append(text)
    versions += [
        text.replace("RUN apt-get update\n", "RUN apt-get update \\\n"),  # a continuation joins two RUNs
        text.replace("curl\n", "curl <<EOF\nhello\n"),  # a heredoc without its end yet
        text.replace("curl\n", "curl <<EOF\nhello\nEOF\n"),
        text.replace("dockerfile:1", "dockerfile:1.7"),  # the directive
        text.replace("# syntax", "# escape=`\n# syntax"),
        text,
        text,  # a new version with the same text
        "",
        "FROM",
        "FROM alpine\nRUN [\"a\",\n",
        text,
    ]
    return versions


def test_each_version_is_read_from_the_one_before_as_from_scratch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server reparses an edited version from the tree of the one before: the tree and
    the findings are those of analysing the version alone, errors included."""
    from dockeropt import cst, engine
    from dockeropt.cst import parse
    from dockeropt.lsp import changed_span

    uri = "untitled:Dockerfile"
    previous = None
    versions = _typing(_TYPED)
    whole = []
    for version, text in enumerate(versions):
        alone = analyse(uri, version, text)
        with monkeypatch.context() as patched:  # count the whole parses of the reparsing analysis
            patched.setattr(cst, "parse", lambda text: whole.append(text) or parse(text))
            patched.setattr(engine, "parse", cst.parse)
            analysis = analyse(uri, version, text, previous=previous)
        assert (analysis.error is None) == (alone.error is None), text
        if alone.error is not None:
            assert str(analysis.error) == str(alone.error)
        else:
            assert analysis.checked is not None and analysis.checked.tree is not None
            assert analysis.checked.tree.code == text
            assert analysis.checked.tree.instructions == parse(text).instructions
            assert analysis.findings == alone.findings
            assert analysis.fixed() == alone.fixed()
        if previous is not None:
            start, end, new = changed_span(previous.text, text)
            assert previous.text[:start] + new + previous.text[end:] == text
        previous = analysis
    # the first version, edits of the first line (the directives) and files that do not parse
    # are parsed whole; the others are read from the version before
    assert len(whole) < len(versions) / 2
