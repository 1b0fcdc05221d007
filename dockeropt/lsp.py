"""``dockeropt lsp``: the language server, on stdin and stdout.

What an editor gets
    Diagnostics   every finding, when a document opens and on every change. A finding
                  whose fix is only a suggestion is Information (the file is not wrong,
                  a choice is offered); every other finding is a Warning. A file that
                  does not parse gets one Error where reading stopped.
    Formatting    ``textDocument/formatting`` applies the safe fixes, exactly as
                  ``dockeropt --fix`` does; nothing when the file would not change or
                  does not parse.
    Code actions  a quick fix per finding that carries a fix: safe ones preferred,
                  unsafe ones titled "(unsafe)", suggestions offered but never preferred;
                  and "Fix all safe findings", of kind ``source.fixAll.dockeropt``, which
                  editors may run on save.

Positions are counted in the encoding agreed at initialize (UTF-16 unless the client
offers another), and lines end at ``\\n``, ``\\r\\n`` or ``\\r`` as LSP says; BuildKit ends
lines at ``\\n`` only, so a DockerfileError's line and column go through an offset.

Documents are synced whole: a Dockerfile is small, and pygls applies incremental changes
on lines split by ``str.splitlines``, which also breaks at ``\\f``, ``\\v`` and U+2028.
Each version of a document is analysed once; every request on it reads that analysis.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from pathlib import Path
from typing import BinaryIO, Callable, Sequence

from dockeropt import __version__, engine, validate
from dockeropt.cst import Dockerfile
from dockeropt.errors import DockerfileError
from dockeropt.record import field, record
from dockeropt.runner import Settings, keep_for
from dockeropt.transforms import ALL
from dockeropt.transforms.base import Applicability, Context, Edit, Finding, Transform

try:
    from lsprotocol import types as lsp
    from pygls.lsp.server import LanguageServer
    from pygls.uris import to_fs_path
except ImportError as exc:  # pygls is optional: main() says how to install it
    _MISSING: ImportError | None = exc
else:
    _MISSING = None

FIX_ALL = "source.fixAll.dockeropt"
QUICK_FIX = "quickfix"

# --- positions -------------------------------------------------------------------------------

_NEWLINE = re.compile(r"\r\n|\r|\n")


def _utf16(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-16-le", "surrogatepass")) // 2


def _utf8(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-8", "surrogatepass"))


_UNITS: dict[str, Callable[[str], int]] = {"utf-16": _utf16, "utf-8": _utf8, "utf-32": len}


class LineIndex:
    """Converts offsets into ``text`` to LSP positions (line, character) and back."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.units = _UNITS[encoding]
        self.one_unit_per_character = encoding == "utf-32" or text.isascii()
        self.starts = [0]
        self.ends: list[int] = []  # where each line's text ends, before its line ending
        for m in _NEWLINE.finditer(text):
            self.ends.append(m.start())
            self.starts.append(m.end())
        self.ends.append(len(text))

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        # an offset inside a line ending (between \r and \n) is the end of the line
        return line, self.units(self.text[start : min(offset, self.ends[line])])

    def offset(self, line: int, character: int) -> int:
        """The offset of a position; past the end of a line means its end (as LSP says)."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start, end = self.starts[line], self.ends[line]
        if self.one_unit_per_character:
            return start + max(0, min(character, end - start))
        units = 0
        for i in range(start, end):
            if units >= character:
                return i
            units += self.units(self.text[i])
        return end

    def range(self, start: int, end: int) -> lsp.Range:
        (l1, c1), (l2, c2) = self.position(start), self.position(end)
        return lsp.Range(lsp.Position(l1, c1), lsp.Position(l2, c2))

    def lines(self) -> list[str]:
        """The lines with their endings; the last one has none (and may be empty)."""
        bounds = self.starts + [len(self.text)]
        return [self.text[a:b] for a, b in zip(bounds, bounds[1:])]


# --- analysis --------------------------------------------------------------------------------


def context_for(uri: str, options: dict | None = None) -> Context:
    """A ``file:`` document builds with its folder as the context; others have none."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if not path:
        return Context(path=uri, options=options or {})
    return Context(path=path, build_context=_folder(path), options=options or {})


# Each edit of a document asks for its folder and its configuration again. The folder is
# resolved once per path; the configuration is kept with the times of the folders looked in
# and the files read (``buildcontext.path_times``: making, removing or renaming a file changes
# its folder's time, writing it its own), and read again when one of them changed.
_folders: dict[str, Path] = {}
_settings: dict[Path, tuple[tuple[tuple[str, int], ...], tuple[Settings, str | None]]] = {}
_KEPT = 64  # documents' folders


def _folder(path: str) -> Path:
    """The document's folder, symbolic links resolved (as the CLI finds it)."""
    resolved = _folders.get(path)
    if resolved is None:
        if len(_folders) >= _KEPT:
            _folders.clear()
        resolved = _folders[path] = Path(path).resolve().parent
    return resolved


def settings_for(uri: str) -> tuple[Settings, str | None]:
    """The configuration that applies to a document, found as the CLI finds it.

    Returns the settings and, when the configuration file cannot be used, its error
    (the defaults apply meanwhile).
    """
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if not path:
        return Settings(), None
    import time

    from dockeropt.buildcontext import path_times, unchanged

    folder = _folder(path)
    kept = _settings.get(folder)
    if kept is not None and unchanged(kept[0]):
        return kept[1]
    began = time.time_ns()
    read: list[str] = []
    found = _read_settings(folder, read)
    times = path_times(read, began)
    if times is not None:
        if len(_settings) >= _KEPT:
            _settings.clear()
        _settings[folder] = (times, found)
    return found


def _read_settings(folder: Path, read: list[str]) -> tuple[Settings, str | None]:
    from dockeropt import config
    from dockeropt.transforms import by_code

    try:
        found_path = config.discover(folder, read)
        found = config.load(found_path, tuple(by_code())) if found_path else config.Config()
    except config.ConfigError as exc:
        return Settings(), str(exc)
    settings = Settings(
        unsafe=found.unsafe_fixes, select=found.select, ignore=found.ignore, options=found.transform_options()
    )
    return settings, None


@record
class Analysis:
    """What dockeropt makes of one version of a document."""

    uri: str
    version: int | None
    index: LineIndex
    context: Context
    transforms: Sequence[Transform]
    keep: engine.Keep = engine.keep_all
    findings: list[Finding] = field(default_factory=list)
    error: DockerfileError | None = None
    config_error: str | None = None
    reverted: str | None = None
    _fixed: str | None = None
    checked: engine.Result | None = None  # the diagnostics' reading: formatting starts from it

    @property
    def text(self) -> str:
        return self.index.text

    def fixed(self) -> str:
        """The text with the safe fixes applied; the text itself when none applies."""
        if self._fixed is None:
            self._fixed = self.text
            if self.error is None and any(engine.applicable(f.fix, False) for f in self.findings):
                result = engine.run(  # only the text is read: the fixed file's findings are not needed
                    self.text, self.context, self.transforms, fix=True, keep=self.keep, checked=self.checked,
                    complete=False,
                )
                self._fixed, self.reverted = result.output, result.reverted
        return self._fixed


def changed_span(old: str, new: str) -> tuple[int, int, str]:
    """The one edit that makes ``new`` of ``old``: (start, end, text), in ``old``'s offsets,
    between the longest common start and the longest common end that do not overlap."""
    short = min(len(old), len(new))
    lo, hi = 0, short
    while lo < hi:  # the common start, halving: slices compare in C
        mid = (lo + hi + 1) // 2
        if old[:mid] == new[:mid]:
            lo = mid
        else:
            hi = mid - 1
    start, lo, hi = lo, 0, short - lo
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid :] == new[len(new) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return start, len(old) - lo, new[start : len(new) - lo]


def _reparsed(previous: Analysis | None, text: str) -> Dockerfile | None:
    """``text`` parsed from the tree of the version before, reading again only what the
    edit touched (``cst.reparse``; it parses the whole text where it cannot), or None."""
    tree = previous.checked.tree if previous is not None and previous.checked is not None else None
    if tree is None or previous is None or previous.error is not None:
        return None
    from dockeropt.cst import reparse

    return reparse(tree, text, [changed_span(tree.source, text)])


def analyse(
    uri: str, version: int | None, text: str, encoding: str = "utf-16", transforms: Sequence[Transform] = ALL,
    previous: Analysis | None = None,
) -> Analysis:
    """Check one version of a document, with its configuration and its ignore comments;
    ``previous``, the analysis of the version before, spares parsing what the edit left."""
    settings, config_error = settings_for(uri)
    selected = [t for t in transforms if settings.selects(t.code)]
    context = context_for(uri, settings.options)
    analysis = Analysis(uri, version, LineIndex(text, encoding), context, selected, keep_for(settings), config_error=config_error)
    try:
        parsed = _reparsed(previous, text)
        analysis.checked = engine.run(text, analysis.context, selected, keep=analysis.keep, parsed=parsed)
        if analysis.checked.tree is not None:
            validate.check(analysis.checked.tree)  # a line the build rejects: one Error, no fixes
        analysis.findings = analysis.checked.findings
    except DockerfileError as exc:
        analysis.error = exc
    except RecursionError:
        analysis.error = DockerfileError("file is nested too deeply to read")
    return analysis


def error_span(text: str, error: DockerfileError) -> tuple[int, int]:
    """From the error's place to the end of its line, as offsets.

    The error counts lines as BuildKit does (ended by ``\\n``) and columns in characters.
    """
    start = 0
    for _ in range(error.line - 1):
        newline = text.find("\n", start)
        if newline < 0:
            break
        start = newline + 1
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    if end > start and text[end - 1] == "\r":
        end -= 1
    return min(start + max(error.column - 1, 0), end), end


# --- what the server sends -------------------------------------------------------------------


def severity(finding: Finding) -> lsp.DiagnosticSeverity:
    if finding.fix is not None and finding.fix.applicability is Applicability.SUGGESTION:
        return lsp.DiagnosticSeverity.Information
    return lsp.DiagnosticSeverity.Warning


def diagnostic(finding: Finding, index: LineIndex) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=index.range(finding.start, finding.end),
        message=finding.message,
        severity=severity(finding),
        code=finding.code,
        source="dockeropt",
    )


def diagnostics(analysis: Analysis) -> list[lsp.Diagnostic]:
    found = []
    if analysis.config_error is not None:
        found.append(
            lsp.Diagnostic(
                range=analysis.index.range(0, 0),
                message=f"configuration not used: {analysis.config_error}",
                severity=lsp.DiagnosticSeverity.Error,
                source="dockeropt",
            )
        )
    if analysis.error is not None:
        start, end = error_span(analysis.text, analysis.error)
        return found + [
            lsp.Diagnostic(
                range=analysis.index.range(start, end),
                message=analysis.error.message,
                severity=lsp.DiagnosticSeverity.Error,
                source="dockeropt",
            )
        ]
    return found + [diagnostic(f, analysis.index) for f in analysis.findings]


def text_edit(edit: Edit, index: LineIndex) -> lsp.TextEdit:
    return lsp.TextEdit(range=index.range(edit.start, edit.end), new_text=edit.text)


def replacement(index: LineIndex, new: str) -> lsp.TextEdit:
    """One edit that turns the text into ``new``, spanning only the lines that differ.

    Whole lines, so that an edit never starts or ends inside a ``\\r\\n``, and the
    editor keeps the cursor and marks of the lines that stay.
    """
    old_lines, new_lines = index.lines(), LineIndex(new).lines()
    same = min(len(old_lines), len(new_lines))
    prefix = 0
    while prefix < same and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    suffix = 0
    while suffix < same - prefix and old_lines[-1 - suffix] == new_lines[-1 - suffix]:
        suffix += 1
    start = index.starts[prefix]
    end = len(index.text) - sum(len(line) for line in old_lines[len(old_lines) - suffix :])
    return lsp.TextEdit(index.range(start, end), "".join(new_lines[prefix : len(new_lines) - suffix]))


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asked for actions of ``kind`` (``source.fixAll`` covers ours)."""
    asked = [getattr(k, "value", k) for k in only or ()]
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in asked)


def quick_fix(analysis: Analysis, finding: Finding) -> lsp.CodeAction:
    fix = finding.fix
    assert fix is not None
    title = f"{fix.title} ({finding.code})"
    if fix.applicability is Applicability.UNSAFE:
        title = f"{fix.title} ({finding.code}, unsafe)"
    edits = [text_edit(e, analysis.index) for e in fix.edits]
    return lsp.CodeAction(
        title=title,
        kind=QUICK_FIX,
        diagnostics=[diagnostic(finding, analysis.index)],
        is_preferred=fix.applicability is Applicability.SAFE,
        edit=lsp.WorkspaceEdit(changes={analysis.uri: edits}),
    )


def code_actions(analysis: Analysis, start: int, end: int, only: Sequence[str] | None) -> list[lsp.CodeAction]:
    """Quick fixes for the findings that touch ``start``..``end``, then fix-all."""
    if analysis.error is not None:
        return []
    actions = []
    if wanted(QUICK_FIX, only):
        for f in analysis.findings:
            if f.fix is not None and f.fix.edits and f.start <= end and start <= f.end:  # appends: --fix only
                actions.append(quick_fix(analysis, f))
    if wanted(FIX_ALL, only) and analysis.fixed() != analysis.text:
        edit = replacement(analysis.index, analysis.fixed())
        actions.append(
            lsp.CodeAction(
                title="Fix all safe findings",
                kind=FIX_ALL,
                edit=lsp.WorkspaceEdit(changes={analysis.uri: [edit]}),
            )
        )
    return actions


# --- the server ------------------------------------------------------------------------------


def create_server(transforms: Sequence[Transform] = ALL) -> LanguageServer:
    from dockeropt.buildcontext import keep_walks

    keep_walks()  # each edit would walk the document's folder again: check its folders' times instead
    server = LanguageServer("dockeropt", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
    cache: dict[str, Analysis] = {}

    def current(uri: str) -> Analysis:
        doc = server.workspace.get_text_document(uri)
        analysis = cache.get(uri)
        # the text check covers clients that reuse a version number
        if analysis is None or analysis.version != doc.version or analysis.text != doc.source:
            encoding = server.workspace.position_encoding or "utf-16"
            encoding = getattr(encoding, "value", encoding)
            analysis = cache[uri] = analyse(uri, doc.version, doc.source, encoding, transforms, analysis)
        return analysis

    def publish(uri: str) -> None:
        analysis = current(uri)
        params = lsp.PublishDiagnosticsParams(uri, diagnostics(analysis), analysis.version)
        server.text_document_publish_diagnostics(params)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
        cache.pop(params.text_document.uri, None)
        server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(params.text_document.uri, []))

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        analysis = current(params.text_document.uri)
        fixed = analysis.fixed()
        if analysis.reverted:
            message = f"{analysis.context.path}: {analysis.reverted}"
            server.window_log_message(lsp.LogMessageParams(lsp.MessageType.Warning, message))
        if fixed == analysis.text:
            return None
        return [replacement(analysis.index, fixed)]

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        analysis = current(params.text_document.uri)
        index, r = analysis.index, params.range
        start, end = index.offset(r.start.line, r.start.character), index.offset(r.end.line, r.end.character)
        return code_actions(analysis, start, end, params.context.only) or None

    return server


def main() -> None:
    """Serve LSP on stdin and stdout until the client says exit."""
    if _MISSING is not None:
        sys.stderr.write(f"dockeropt lsp needs pygls ({_MISSING}): pip install 'dockeropt[lsp]'\n")
        sys.exit(2)
    from dockeropt.runner import collect_less

    collect_less()
    serve(create_server())


def serve(server: LanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """Answer the messages on ``stdin`` (default: standard input) in this thread, one after
    another, until the client says exit (``SystemExit``, with the code the protocol asks for)
    or closes the stream.

    pygls's own ``start_io`` reads each header line and each body through a thread pool and
    an asyncio loop: four hand-offs between threads a message, about a millisecond of an
    edit's answer. Every handler here is synchronous and the server sends no request of its
    own, so reading in the thread that answers loses nothing.
    """
    from threading import Event

    from pygls.io_ import StdoutWriter, run

    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        run(Event(), stdin or sys.stdin.buffer, server.protocol, error_handler=server.report_server_error)
    except BrokenPipeError:  # the client went away: nothing to answer
        pass
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
