"""What dockeropt prints: findings, diffs and trees. Imported only when there is output."""

from __future__ import annotations

import sys
from collections import Counter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from contextlib import AbstractContextManager

    from dockeropt.cst import Dockerfile
    from dockeropt.runner import Outcome
    from dockeropt.transforms.base import Transform


def _write(text: str, to_stderr: bool = False) -> None:
    stream = sys.stderr if to_stderr else sys.stdout
    stream.buffer.write(text.encode("utf-8", "surrogateescape"))
    stream.flush()


def print_diff(path: str, before: str, after: str) -> None:
    """A unified diff with ``a/`` and ``b/`` paths, line endings kept as they are."""
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
    _write("".join(out))


def print_findings(path: str, result: "Outcome", *, to_stderr: bool, fixing: bool, quiet: bool = False) -> None:
    """``path:line:col CODE message``, one a line, then what was held back and why."""
    from dockeropt.engine import applicable
    from dockeropt.transforms.base import Applicability

    stream = sys.stderr if to_stderr else sys.stdout
    if fixing and result.applied:
        _write(f"{path}: fixed {len(result.applied)} finding{'s' if len(result.applied) != 1 else ''}\n", True)
        from dockeropt.cachekeys import gain  # layers, and what a source edit re-runs, before and after

        _write(gain(result.source, result.output, result.build_context), True)
    if not result.findings or quiet:
        return
    rich = stream.isatty()
    lines = []
    unsafe = sum(1 for f in result.findings if f.fix and f.fix.applicability is Applicability.UNSAFE)
    suggestions = sum(1 for f in result.findings if f.fix is None or f.fix.applicability is Applicability.SUGGESTION)
    for f in result.findings:
        mark = " [*]" if applicable(f.fix, False) else (" [unsafe fix]" if f.fix and f.fix.applicability is Applicability.UNSAFE else "")
        lines.append((f"{path}:{f.line}:{f.column}", f.code, f.message + mark))
    held = []
    if unsafe:
        held.append(f"{unsafe} unsafe fix{'es' if unsafe != 1 else ''} held back (apply with --fix --unsafe-fixes)")
    if suggestions:
        held.append(f"{suggestions} suggestion{'s' if suggestions != 1 else ''} to review (never applied)")
    fixable = sum(1 for f in result.findings if applicable(f.fix, False))
    if fixable:
        held.insert(0, f"{fixable} fixable with --fix")
    if rich:
        from rich.console import Console

        console = Console(file=stream, highlight=False)
        for where, code, message in lines:
            console.print(f"[bold]{where}[/bold] [red]{code}[/red] {message}", markup=True, soft_wrap=True)
        if held:
            console.print("[dim]" + "; ".join(held) + "[/dim]")
    else:
        text = "".join(f"{where} {code} {message}\n" for where, code, message in lines)
        if held:
            text += "; ".join(held) + "\n"
        _write(text, to_stderr)


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


def print_summary(outcomes: Sequence["Outcome"], transforms: Sequence["Transform"], *, fixing: bool, previewing: bool) -> None:
    """On stderr: files checked, changed and failed, then the findings per code.

    ``fixing``: files were written, and findings are what is left; ``previewing``: fixes were
    computed, not written (--check, --diff), and findings are those of the files as they are.
    """
    from rich.console import Console
    from rich.table import Table

    found = Counter(f.code for o in outcomes for f in o.findings)
    fixed = Counter(f.code for o in outcomes for f in o.applied)
    changed = sum(1 for o in outcomes if o.changed and not o.error)
    failed = sum(1 for o in outcomes if o.error)
    fixes = "fixed" if fixing else "fixable" if previewing else None
    counts = [f"{len(outcomes)} files checked"]
    if fixes:
        counts.append(f"{changed} {'changed' if fixing else 'would change'}")
    left = sum(found.values())
    counts += [f"{failed} failed", f"{left} {'left' if fixing else 'finding' + 's' * (left != 1)}"]
    if fixes:
        counts.append(f"{sum(fixed.values())} {fixes}")
    names = {t.code: t.name for t in transforms}
    table = Table(box=None, show_edge=False, pad_edge=False)
    for column in ("code", "transform", "findings", *([fixes] if fixes else [])):
        table.add_column(column, justify="left" if column in ("code", "transform") else "right")
    for code in sorted(found.keys() | fixed.keys()):
        table.add_row(code, names.get(code, ""), str(found[code]), *([str(fixed[code])] if fixes else []))
    console = Console(file=sys.stderr, highlight=False)
    console.print(", ".join(counts))
    if table.row_count:
        console.print(table)
