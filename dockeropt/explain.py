"""``dockeropt explain``: what each step of a build reads, and what an edit re-runs.

For each Dockerfile, each step (every instruction after a FROM) with what its cache key
reads (``dockeropt.cachekeys``), and, for the changed files (``--changed``, or
``--since REF``: ``git diff --name-only REF`` in the context), whether it re-runs and
why; then the same for the file as ``dockeropt --fix`` would write it. With no change
given, it names the context files that are the most expensive to edit.

JSON (``--format json``): for one file an object ``{"path", "context", "changed",
"steps", "fixed"}``, for several a list of them; ``steps`` and ``fixed`` are lists of
``{"line", "stage", "instruction", "reads", "reruns", "because"}`` (``reads`` is null
when there is no context folder to read; ``reruns`` and ``because`` are null when no
change is given); ``not_fixed`` lists the cache findings (DO101, DO102, DO110, DO111) that
``--fix`` leaves, each with its reason, ``ignore_added`` the lines ``--fix`` adds to
``.dockerignore`` (DO110; ``fixed`` is the Dockerfile without them), and without a change ``expensive`` the files
that cost the most to edit.
"""

from __future__ import annotations

import os
import subprocess
import sys

import click

from dockeropt.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from dockeropt.cachekeys import Keys, Step

EXPENSIVE = 5  # how many of the most expensive files to name
CACHE_CODES = ("DO101", "DO102", "DO110", "DO111")  # the findings about the layer cache: what --fix leaves of them is said


@record
class Row:
    line: int
    stage: str
    instruction: str
    reads: list[str] | None
    reruns: bool | None
    because: str | None
    summary: str = field(default="", compare=False)  # what ``reads`` says, for people

    def as_json(self) -> dict:
        return {
            "line": self.line, "stage": self.stage, "instruction": self.instruction,
            "reads": self.reads, "reruns": self.reruns, "because": self.because,
        }


@record
class Explanation:
    path: str
    context: str | None
    changed: list[str] | None
    steps: list[Row]
    fixed: list[Row]
    fixes: int  # findings --fix applies
    cost: list[tuple[str, int]]  # context file -> steps an edit of it re-runs
    fixed_cost: list[tuple[str, int]]
    problem: str | None = None  # why the context could not be read
    held: list[tuple[int, str, str]] = field(default_factory=list)  # cache findings --fix leaves: line, code, why
    ignores: list[str] = field(default_factory=list)  # the lines --fix adds to .dockerignore (not in ``fixed``)

    def reruns(self, fixed: bool = False) -> list[Row]:
        return [r for r in (self.fixed if fixed else self.steps) if r.reruns]

    def headline(self) -> str:
        if self.changed is None:
            return ""
        if not self.changed:
            return "no file changed: nothing re-runs"
        shown = ", ".join(self.changed[:3]) + (f" and {len(self.changed) - 3} more" if len(self.changed) > 3 else "")
        before, after = self.reruns(), self.reruns(fixed=True)
        text = f"editing {shown} re-runs {_steps(before)}"
        if self.fixes:
            text += f"; after `dockeropt --fix`: {_steps(after)}"
            spared = [c for c in _commands(before) if c not in _commands(after)]
            if spared:
                text += f"; no longer re-run: {', '.join(spared)}"
        else:
            text += " (`dockeropt --fix` changes nothing here)"
        return text


def _steps(rows: list[Row]) -> str:
    """``4 steps: COPY . ., RUN npm ci, EXPOSE, CMD``: RUN and COPY/ADD in full, others by keyword."""
    if not rows:
        return "0 steps"
    names = [_short(r.instruction) for r in rows]
    listed = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    return f"{len(rows)} step{'s' * (len(rows) != 1)} ({listed})"


def _commands(rows: list[Row]) -> list[str]:
    """The commands of the RUNs among ``rows``, ``&&`` lists split."""
    out: list[str] = []
    for row in rows:
        keyword, _, rest = row.instruction.partition(" ")
        if keyword.upper() == "RUN":
            out.extend(part.strip() for part in rest.split("&&") if part.strip() and part.strip() not in out)
    return out


def _short(instruction: str, width: int = 32) -> str:
    keyword = instruction.partition(" ")[0]
    if keyword.upper() not in ("RUN", "COPY", "ADD"):
        return keyword
    return instruction if len(instruction) <= width else instruction[: width - 3].rstrip() + "..."


# --- computing ---------------------------------------------------------------------------------


def instruction_text(inst) -> str:  # noqa: ANN001
    """The instruction on one line: keyword, flags, arguments (continuations joined)."""
    parts = [inst.keyword, *(f.text for f in inst.flags)]
    if inst.arguments is not None:
        parts.append(" ".join(inst.arguments.text.split()))
    return " ".join(parts)


def rows_of(keys: Keys, changed: list[str] | None) -> list[Row]:
    reruns = {id(r.step): r.because for r in keys.reruns(changed)} if changed is not None else {}
    rows = []
    for step in keys.steps:
        stage = keys.build.stages[step.stage]
        rerun = None if changed is None else id(step) in reruns
        rows.append(Row(
            step.line, stage.name or str(stage.index), instruction_text(step.instruction),
            list(step.reads) if step.reads is not None else None, rerun, reruns.get(id(step)),
            _reads_summary(keys, step),
        ))
    return rows


def _reads_summary(keys: Keys, step: Step) -> str:
    parts = []
    if step.unresolved:
        parts.append("a source with an unknown variable")
    if step.sources:
        whole = any(s in (".", "./", "/") for s in step.sources)
        if step.reads is None:
            parts.append(("the whole context" if whole else " ".join(step.sources)) + " (not read: no context folder)")
        elif whole:
            parts.append(f"the whole context ({len(step.reads)} files)")
        elif len(step.reads) <= 3:
            parts.append(", ".join(step.reads) or "nothing (no file matches)")
        else:
            parts.append(f"{len(step.reads)} files ({', '.join(step.reads[:2])}, ...)")
    for index in step.stage_inputs:
        parts.append(f"stage {keys.build.stages[index].name or index}")
    parts.extend(step.external)
    if step.arguments:
        parts.append("ARG " + " ".join(step.arguments))
    return "; ".join(parts) or "-"


def explain(
    text: str, path: str, context: str | os.PathLike[str] | None, changed: list[str] | None, settings=None  # noqa: ANN001
) -> Explanation:
    """Explain one Dockerfile's text; ``changed`` are paths relative to ``context``.
    Raises DockerfileError on bad input."""
    from dockeropt.buildcontext import BuildContext
    from dockeropt.cachekeys import keys_of
    from dockeropt.cst import parse
    from dockeropt.runner import Settings, run_text

    settings = settings or Settings(fix=True)
    result = run_text(text, settings, path=path, build_context=context)
    ignores = sorted(
        {line for f in result.findings if f.fix is not None and _appends(f, settings) for a in f.fix.appends for line in a.lines}
    )
    fixed_files = BuildContext.open(context, path)
    if ignores:  # as --fix does: the lines go to .dockerignore, and the file is fixed again once
        result, fixed_files = _fix_again(result, settings, path, context, ignores)
    keys = keys_of(parse(text), BuildContext.open(context, path))
    fixed_keys = keys_of(parse(result.output), fixed_files)
    return Explanation(
        path, os.fspath(context) if context is not None else None, changed,
        rows_of(keys, changed), rows_of(fixed_keys, changed), len(result.applied) + bool(ignores),
        keys.cost()[:EXPENSIVE] if changed is None else [],
        fixed_keys.cost()[:EXPENSIVE] if changed is None else [],
        keys.problem,
        [(f.line, f.code, f.message) for f in result.findings if f.code in CACHE_CODES and not _appends(f, settings)],
        ignores,
    )


def _fix_again(result, settings, path: str, context, ignores: list[str]):  # noqa: ANN001, ANN202
    """The fixed text and its context once ``ignores`` are in ``.dockerignore`` (nothing is written)."""
    from dockeropt import engine
    from dockeropt.buildcontext import BuildContext, Ignore
    from dockeropt.runner import keep_for, transforms_for
    from dockeropt.transforms.base import Context

    def overlay() -> BuildContext:
        files = BuildContext(os.fspath(context), path)
        current = ""
        if files.ignore_file is not None:
            try:
                current = files.read(os.path.relpath(files.ignore_file, files.root).replace(os.sep, "/"))
            except Exception:  # noqa: BLE001 - unreadable: the fix would not be offered
                current = ""
        files._ignore = Ignore.parse(current + "\n" + "\n".join(ignores) + "\n")
        return files

    checked = Context(path=path, build_context=context, options=settings.options, _memo={"files": overlay()})
    again = engine.run(result.output, checked, transforms_for(settings), fix=True, unsafe=settings.unsafe, keep=keep_for(settings))
    again.applied = result.applied + again.applied
    return again, overlay()


def _appends(finding, settings) -> bool:  # noqa: ANN001
    """``--fix`` makes this finding's fix by adding lines to another file (DO110)."""
    from dockeropt.engine import applicable

    return finding.fix is not None and bool(finding.fix.appends) and applicable(finding.fix, settings.unsafe)


def changed_since(context: str, ref: str) -> list[str]:
    """The files ``git diff --name-only REF`` names below the context, relative to it."""
    try:
        proc = subprocess.run(
            ["git", "-C", context, "diff", "--name-only", "--relative", ref, "--"],
            capture_output=True, text=True, check=False,
        )
    except OSError as exc:
        raise click.UsageError(f"--since needs git: {exc}") from None
    if proc.returncode != 0:
        raise click.UsageError(f"--since {ref}: git says: {proc.stderr.strip() or proc.returncode}")
    return [line for line in proc.stdout.splitlines() if line]


def relative_to(context: str | None, names: Sequence[str]) -> list[str]:
    """Changed files as paths in the context: a path that exists from here, inside the
    context, is made relative to it; any other is taken as relative to the context already."""
    from dockeropt.cachekeys import normalize

    out = []
    root = os.path.realpath(context) if context else None
    for name in names:
        if root and os.path.lexists(name):
            rel = os.path.relpath(os.path.realpath(name), root)
            if not rel.startswith(".."):
                out.append(rel.replace(os.sep, "/"))
                continue
        out.append(normalize(name))
    return out


# --- printing ----------------------------------------------------------------------------------


def as_text(item: Explanation) -> str:
    lines = [f"{item.path} (context: {_shown(item.context)})"]
    if item.problem:
        lines.append(f"  the context cannot be read: {item.problem}")
    for title, rows in (("as written", item.steps), ("after `dockeropt --fix`", item.fixed)):
        if rows is item.fixed and not item.fixes:
            lines.append("after `dockeropt --fix`: the same (no fix applies)")
            break
        lines.append(f"{title}:")
        width = max((len(_clip(r.instruction)) for r in rows), default=0)
        for row in rows:
            mark = "" if row.reruns is None else ("  re-runs: " + (row.because or "") if row.reruns else "  cached")
            lines.append(f"  {row.line:>4}  [{row.stage}] {_clip(row.instruction):<{width}}  reads: {row.summary}{mark}")
    lines.extend(_closing(item))
    return "\n".join(lines) + "\n"


def _shown(context: str | None) -> str:
    """The context as a path from here when it is below here, else as it is."""
    if context is None:
        return "none: the files each step reads are unknown"
    rel = os.path.relpath(context)
    return context if rel.startswith("..") else rel


def _closing(item: Explanation) -> list[str]:
    lines = [f"not fixed: line {line} {code} {message}" for line, code, message in item.held]
    if item.ignores:
        lines.append(f"`dockeropt --fix` also adds to .dockerignore: {', '.join(item.ignores)} (not counted above)")
    if item.changed is not None:
        return [*lines, item.headline()]
    for title, cost in (("most expensive to edit", item.cost), ("after `dockeropt --fix`", item.fixed_cost)):
        if cost and (title.startswith("most") or item.fixes):
            lines.append(f"{title}: " + ", ".join(f"{name} ({n} step{'s' * (n != 1)})" for name, n in cost))
    return lines


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def print_rich(item: Explanation) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]{item.path}[/bold] (context: {_shown(item.context)})", highlight=False)
    if item.problem:
        console.print(f"  the context cannot be read: {item.problem}")
    for title, rows in (("as written", item.steps), ("after dockeropt --fix", item.fixed)):
        if rows is item.fixed and not item.fixes:
            console.print("after dockeropt --fix: the same (no fix applies)")
            break
        table = Table(title=title, title_justify="left")
        for column in ("line", "stage", "instruction", "reads"):
            table.add_column(column, overflow="fold")
        if item.changed is not None:
            table.add_column("re-runs", overflow="fold")
        for row in rows:
            cells = [str(row.line), row.stage, _clip(row.instruction), row.summary]
            if item.changed is not None:
                cells.append(f"[red]yes[/red]: {row.because}" if row.reruns else "[green]cached[/green]")
            table.add_row(*cells)
        console.print(table)
    for line in _closing(item):
        console.print(line, highlight=False, markup=False)


# --- the command -------------------------------------------------------------------------------


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=True))
@click.option("--changed", multiple=True, metavar="FILE", help="A file that changed: a path from here inside the context, or relative to the context (repeatable).")
@click.option("--since", metavar="REF", help="The files changed since this git revision (git diff --name-only REF, in the context).")
@click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--context", type=click.Path(file_okay=False, exists=True), help="The build context (default: as the main command finds it).")
@click.option("--config", type=click.Path(dir_okay=False, exists=True), help="Use this configuration file, not the nearest one.")
def explain_command(paths, changed, since, output_format, context, config) -> None:  # noqa: ANN001
    """Show what each step reads and which steps an edit re-runs, before and after --fix."""
    import json

    from dockeropt import command
    from dockeropt.errors import DockerfileError
    from dockeropt.runner import read_source

    if changed and since:
        raise click.UsageError("--changed and --since cannot be combined")
    configs = command.Configs(config)
    options = command.Options(True, False, False, None, (), (), None, config, "text", context)
    items, status = [], command.EXIT_OK
    for shown, real in command._targets(paths or ("Dockerfile",), configs):
        folder = os.path.dirname(real)
        job = command._job(str(shown), folder, configs, options, path=shown, build_context=folder)
        if job.error:
            click.echo(job.error, err=True)
            status = command.EXIT_ERROR
            continue
        root = os.fspath(job.build_context or ".")
        names = changed_since(root, since) if since else relative_to(root, changed) if changed else None
        try:
            items.append(explain(read_source(shown), str(shown), root, names, job.settings))
        except OSError as exc:
            click.echo(f"{shown}:1:1: cannot read: {exc.strerror or exc}", err=True)
            status = command.EXIT_ERROR
        except DockerfileError as exc:
            click.echo(exc.located(str(shown)), err=True)
            status = command.EXIT_ERROR
    if output_format == "json":
        data = [_json(i) for i in items]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    elif sys.stdout.isatty():
        for item in items:
            print_rich(item)
    else:
        click.echo("\n".join(as_text(i) for i in items), nl=False)
    sys.exit(status)


def _json(item: Explanation) -> dict:
    data = {
        "path": item.path, "context": item.context, "changed": item.changed,
        "steps": [r.as_json() for r in item.steps], "fixed": [r.as_json() for r in item.fixed],
    }
    data["ignore_added"] = item.ignores
    data["not_fixed"] = [{"line": line, "code": code, "message": message} for line, code, message in item.held]
    if item.changed is None:
        data["expensive"] = [{"file": name, "reruns": n} for name, n in item.cost]
    return data
