"""What dockeropt prints: findings, diffs and trees. Imported only when there is output."""

from __future__ import annotations

import sys

from dockeropt.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from contextlib import AbstractContextManager
    from typing import TextIO

    from dockeropt.cst import Dockerfile
    from dockeropt.runner import Outcome
    from dockeropt.transforms.base import Finding, Transform


def _write(text: str, to_stderr: bool = False) -> None:
    stream = sys.stderr if to_stderr else sys.stdout
    stream.buffer.write(text.encode("utf-8", "surrogateescape"))
    stream.flush()


def colored(stream: TextIO, allowed: bool = True) -> bool:
    """Whether to print in colour: on a terminal, unless ``--no-color`` or ``NO_COLOR`` says not."""
    import os

    return allowed and not os.environ.get("NO_COLOR") and stream.isatty()


def print_diff(path: str, before: str, after: str, *, color: bool = True) -> None:
    """A unified diff with ``a/`` and ``b/`` paths, line endings kept as they are; in colour on a terminal."""
    if before == after:
        return
    import difflib

    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path.lstrip('/')}",
        tofile=f"b/{path.lstrip('/')}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    if not colored(sys.stdout, color):
        _write("".join(out))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    for n, line in enumerate(out):
        if n < 2:  # the ---/+++ header
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        else:
            style = {"+": "green", "-": "red"}.get(line[:1], "")
        body = line.rstrip("\r\n")
        console.print(Text(body, style=style), end=line[len(body) :])  # line endings as they are


@record
class Tally:
    """Findings counted by what can happen to them."""

    findings: int = 0
    fixable: int = 0  # applied by --fix (with the unsafe fixes when asked)
    unsafe: int = 0  # unsafe fixes held back
    suggestions: int = 0  # shown, never applied
    unsafe_fixable: int = 0  # of ``fixable``, the unsafe fixes that --unsafe-fixes lets through

    def add(self, finding: Finding, unsafe: bool) -> None:
        fix = finding.fix
        self.findings += 1
        if fix is not None and fix.applies(unsafe):
            self.fixable += 1
            self.unsafe_fixable += not fix.applies(False)
        elif fix is not None and fix.applies(True):
            self.unsafe += 1
        else:
            self.suggestions += 1

    def hint(self) -> str:
        """What --fix would do with them, and what it holds back."""
        held = []
        if self.fixable:
            held.append(f"{self.fixable} fixable with --fix" + " --unsafe-fixes" * (self.unsafe_fixable > 0))
        if self.unsafe:
            held.append(f"{self.unsafe} unsafe fix{'es' * (self.unsafe != 1)} held back (apply with --fix --unsafe-fixes)")
        if self.suggestions:
            held.append(f"{self.suggestions} suggestion{'s' * (self.suggestions != 1)} to review (never applied)")
        return "; ".join(held)


def print_findings(
    path: str,
    outcome: Outcome,
    *,
    to_stderr: bool,
    fixing: bool,
    quiet: bool = False,
    hint: bool = True,
    color: bool = True,
    gain: bool = True,
) -> None:
    """``path:line:col: CODE message``, one a line, then (with ``hint``) what --fix would hold back and why."""
    stream = sys.stderr if to_stderr else sys.stdout
    if fixing and outcome.applied:
        _write(f"{path}: fixed {len(outcome.applied)} finding{'s' if len(outcome.applied) != 1 else ''}\n", True)
    if fixing and outcome.applied and gain:
        from dockeropt.cachekeys import gain as won  # layers, and what a source edit re-runs, before and after

        _write(outcome.won if outcome.won is not None else won(outcome.source, outcome.fixed, outcome.build_context), True)
    if not outcome.findings or quiet:
        return
    tally = Tally()
    lines = []
    for f in outcome.findings:
        tally.add(f, outcome.unsafe)
        lines.append((f"{path}:{f.line}:{f.column}", f.code, f.message + _mark(f, outcome.unsafe)))
    held = tally.hint() if hint else ""
    if colored(stream, color):
        from rich.console import Console
        from rich.markup import escape

        console = Console(file=stream, highlight=False)
        for where, code, message in lines:
            console.print(f"[bold]{escape(where)}[/bold]: [red]{code}[/red] {escape(message)}", soft_wrap=True)
        if held:
            console.print(f"[dim]{held}[/dim]")
    else:
        text = "".join(f"{where}: {code} {message}\n" for where, code, message in lines)
        if held:
            text += held + "\n"
        _write(text, to_stderr)


def _mark(finding: Finding, unsafe: bool) -> str:
    fix = finding.fix
    if fix is not None and fix.applies(unsafe):
        return " [*]"
    if fix is not None and fix.applies(True):  # unsafe, held back
        return " [unsafe fix]"
    return ""


def print_tree(tree: "Dockerfile") -> None:
    """An indented outline of the tree: every node with its position."""
    out = []
    if tree.bom:
        out.append("bom")
    for d in tree.directives:
        out.append(f"{d.line}:{d.column} directive {d.name}={d.value!r}")
    for inst in tree.instructions:
        for t in inst.leading:
            out.append(f"{t.line}:{t.column} {t.kind}" + (f" {t.comment!r}" if t.kind == "comment" else ""))
        out.append(f"{inst.line}:{inst.column} {type(inst).__name__} keyword={inst.keyword!r} lines={inst.line}-{inst.end_line}")
        for fl in inst.flags:
            out.append(f"  {fl.line}:{fl.column} flag {fl.name}={fl.value!r}")
        for field_name in ("image", "stage", "command", "exec_form", "destination", "inner", "kind"):
            value = getattr(inst, field_name, None)
            if value is not None:
                out.append(f"  {field_name}: {_short(value)}")
        for src in getattr(inst, "sources", ()):
            out.append(f"  source: {_short(src)}")
        for kv in getattr(inst, "pairs", ()):
            out.append(f"  {kv.line}:{kv.column} pair {kv.key.text!r} = {kv.value.text if kv.value else None!r}")
        for h in inst.heredocs:
            out.append(f"  {h.line}:{h.column} heredoc {h.marker} fd={h.file_descriptor} chomp={h.chomp} quoted={h.quoted} body={h.body!r}")
    for t in tree.trailer:
        out.append(f"{t.line}:{t.column} {t.kind}" + (f" {t.comment!r}" if t.kind == "comment" else ""))
    _write("\n".join(out) + "\n")


def _short(node) -> str:  # noqa: ANN001
    if isinstance(node, str):
        return repr(node)
    name = type(node).__name__
    text = getattr(node, "text", None) or getattr(node, "json", None) or ""
    return f"{name} {node.line}:{node.column} {text!r}"


def progress(total: int) -> AbstractContextManager[Callable[[], None]]:
    """A progress bar on stderr while files are checked; yields the function that advances it."""
    from contextlib import contextmanager  # here: most runs draw no bar

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    @contextmanager
    def bar() -> Iterator[Callable[[], None]]:
        columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        console = Console(file=sys.stderr)
        with Progress(*columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=False) as shown:
            task = shown.add_task("checking", total=total)
            yield lambda: shown.advance(task)

    return bar()


def print_summary(
    outcomes: Sequence[Outcome], transforms: Sequence[Transform], *, fixing: bool, previewing: bool, color: bool = True
) -> None:
    """On stderr, once at the end: files checked, changed and failed, then per code the
    findings, how many --fix applies (``fixed`` when it did), the unsafe fixes it holds
    back and the suggestions.

    ``fixing``: files were written, and findings are what is left; ``previewing``: fixes were
    computed, not written (--check, --diff), and findings are those of the files as they are.
    """
    from rich.console import Console
    from rich.table import Table

    per_code: dict[str, Tally] = {}
    total = Tally()
    for outcome in outcomes:
        for f in outcome.findings:
            per_code.setdefault(f.code, Tally()).add(f, outcome.unsafe)
            total.add(f, outcome.unsafe)
    if fixing or previewing:  # what the fixes did, or would do, over every pass
        for tally in (*per_code.values(), total):
            tally.fixable = 0
        for outcome in outcomes:
            for f in outcome.applied:
                per_code.setdefault(f.code, Tally()).fixable += 1
                total.fixable += 1
    changed = sum(1 for o in outcomes if o.changed and not o.error)
    failed = sum(1 for o in outcomes if o.error)
    counts = [f"{len(outcomes)} files checked"]
    if fixing or previewing:
        counts.append(f"{changed} {'changed' if fixing else 'would change'}")
    counts += [f"{failed} failed", f"{total.findings} {'left' if fixing else 'finding' + 's' * (total.findings != 1)}"]
    fixes = "fixed" if fixing else "fixable"
    counts.append(f"{total.fixable} {fixes}")
    names = {t.code: t.name for t in transforms}
    table = Table(box=None, show_edge=False, pad_edge=False)
    for column in ("code", "transform", "left" if fixing else "findings", fixes, "unsafe", "suggestions"):
        table.add_column(column, justify="left" if column in ("code", "transform") else "right")
    for code in sorted(per_code):
        t = per_code[code]
        table.add_row(code, names.get(code, ""), *map(str, (t.findings, t.fixable, t.unsafe, t.suggestions)))
    console = Console(file=sys.stderr, highlight=False, no_color=not color or None)
    console.print(", ".join(counts))
    if table.row_count:
        console.print(table)
    hint = Tally(unsafe=total.unsafe, suggestions=total.suggestions).hint() if fixing else total.hint()  # fixed: say what is left
    if hint:
        console.print(hint, style="dim", soft_wrap=True)
