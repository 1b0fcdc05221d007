"""Runs dockeropt over files: one file's whole job, and many files over all cores.

Nothing here prints: each file gives an ``Outcome`` that the command line reports. A
file that fails gives an outcome with its error, and the others go on.
"""

from __future__ import annotations

import os

from dockeropt.errors import DockerfileError
from dockeropt.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from dockeropt import engine
    from dockeropt.cst import Dockerfile
    from dockeropt.transforms.base import Finding, Transform

PARALLEL_FROM = 21  # files; below this a process pool's start-up costs more than it saves


def read_source(path: str | os.PathLike[str]) -> str:
    """The file's text; bytes that are not UTF-8 are kept as they are (surrogate escapes)."""
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def write_atomic(path: str | os.PathLike[str], text: str, *, create: bool = False) -> None:
    """Replace ``path`` with ``text`` via a temporary file and a rename, keeping its mode
    (with ``create``, a missing file is made with the default mode)."""
    from dockeropt.buildcontext import forget_walks

    data = encode(text)
    existed = not create or os.path.exists(path)
    forget_walks(path if existed else None)  # what a walk shared by the run's files read of it is out of date
    mode = os.stat(path).st_mode & 0o7777 if existed else None
    folder, name = os.path.split(os.fspath(path))
    tmp = os.path.join(folder, f".{name}.dockeropt-{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


@record(frozen=True)
class Settings:
    """How one file is run: the command line merged over its configuration."""

    fix: bool = False  # compute fixes (--fix, --check, --diff)
    write: bool = False  # write them back (--fix alone)
    unsafe: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)

    def selects(self, code: str) -> bool:
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(i) for i in self.ignore)


@record(frozen=True)
class Job:
    shown: str  # the path as reported
    path: str | os.PathLike[str] | None = None  # None: ``text`` came from stdin
    text: str | None = None
    build_context: str | os.PathLike[str] | None = None
    settings: Settings = field(default_factory=Settings)
    error: str | None = None  # known before running (a bad configuration)


@record
class Outcome:
    """What became of one file: its text before and after fixing, and what was found in it."""

    shown: str
    source: str = ""  # the file as read
    fixed: str = ""  # with the fixes applied (the source when not fixing, or when they were reverted)
    findings: list[Finding] = field(default_factory=list)  # found in ``checked``: what to report
    applied: list[Finding] = field(default_factory=list)
    checked: str = ""  # the text the findings were found in (their offsets index it): ``fixed`` when writing, else ``source``
    reverted: str | None = None
    error: str | None = None  # ``PATH:LINE:COL: message``
    unsafe: bool = False  # unsafe fixes were asked for: they count as fixable
    taken_back: list[str] = field(default_factory=list)  # ``LINE:COL: CODE why``, one a fix taken back
    build_context: str | os.PathLike[str] | None = None  # what the file was checked with
    won: str | None = None  # ``cachekeys.gain`` of the fix, worked out where the file was fixed (None: not yet)

    @property
    def changed(self) -> bool:
        return self.fixed != self.source


def transforms_for(settings: Settings) -> tuple[Transform, ...]:
    """The selected transforms."""
    from dockeropt.transforms import ALL

    return tuple(t for t in ALL if settings.selects(t.code))


def keep_for(settings: Settings) -> engine.Keep:
    """Given a tree, the test its findings pass: selected, and not suppressed by a comment."""

    def keep(tree: Dockerfile) -> Callable[[Finding], bool]:
        lowered = tree.source.lower()
        if "dockeropt" not in lowered and "hadolint" not in lowered:
            return lambda f: settings.selects(f.code)  # no comment can suppress anything
        from dockeropt.ignore import hadolint_map, suppressions
        from dockeropt.transforms import ALL

        suppressed = suppressions(tree, hadolint_map(ALL)).keeps
        return lambda f: settings.selects(f.code) and suppressed(f)

    return keep


def check_file(job: Job) -> Outcome:
    """Read, check, fix and (with ``write``) write back one file. Never raises."""
    if job.error:
        return Outcome(job.shown, error=job.error)
    try:
        if job.text is not None:
            source = job.text
        else:
            assert job.path is not None, "a job without text reads its path"
            source = read_source(job.path)
    except OSError as exc:
        return Outcome(job.shown, error=f"{job.shown}:1:1: cannot read: {exc.strerror or exc}")
    try:
        outcome = _outcome(source, job)
    except DockerfileError as exc:
        return failed(job.shown, source, exc.located(job.shown))
    except RecursionError:
        return failed(job.shown, source, f"{job.shown}:1:1: file is nested too deeply to read")
    except Exception as exc:  # noqa: BLE001 - one failing file must not stop the others
        return failed(job.shown, source, f"{job.shown}:1:1: internal error: {type(exc).__name__}: {exc}")
    if job.settings.write and job.path is not None and outcome.changed:
        try:
            write_atomic(job.path, outcome.fixed)
        except OSError as exc:
            return failed(job.shown, source, f"{job.shown}:1:1: cannot write: {exc.strerror or exc}")
    if job.settings.write and job.path is not None:
        try:
            if write_appends(outcome, job.settings.unsafe):  # the context changed: fix again once
                again = _outcome(outcome.fixed, job)
                if again.changed:
                    write_atomic(job.path, again.fixed)
                outcome = Outcome(
                    job.shown, source, again.fixed, again.findings, outcome.applied + again.applied, again.checked,
                    again.reverted, unsafe=again.unsafe, taken_back=outcome.taken_back + again.taken_back,
                    build_context=job.build_context,
                )
        except DockerfileError as exc:
            return failed(job.shown, source, exc.located(job.shown))
        except OSError as exc:
            outcome.error = f"{job.shown}:1:1: cannot write {exc.filename or ''}: {exc.strerror or exc}"
        if outcome.applied and not outcome.error:  # what the report says the fix won: in the worker, in parallel
            from dockeropt.cachekeys import gain

            try:
                outcome.won = gain(outcome.source, outcome.fixed, outcome.build_context)
            except Exception:  # noqa: BLE001 - the report works it out again, and says what failed
                outcome.won = None
    return outcome


def write_appends(outcome: Outcome, unsafe: bool) -> bool:
    """Make the applicable fixes that add lines to another file (``Fix.appends``: DO110's
    ``.dockerignore``); their findings move to ``applied``. Whether any was made."""
    from dockeropt.engine import applicable

    done = [f for f in outcome.findings if f.fix is not None and f.fix.appends and applicable(f.fix, unsafe)]
    for finding in done:
        assert finding.fix is not None
        for append in finding.fix.appends:
            append_lines(append.path, append.lines)
    if done:
        outcome.findings = [f for f in outcome.findings if f not in done]
        outcome.applied = outcome.applied + done
    return bool(done)


def append_lines(path: str, lines: tuple[str, ...]) -> None:
    """Add the lines ``path`` does not hold yet at its end, atomically; create it if missing."""
    try:
        text = read_source(path)
    except FileNotFoundError:
        text = None
    have = set((text or "").splitlines())
    new = [line for line in lines if line not in have]
    if not new:
        return
    body = text or ""
    newline = "\r\n" if "\r\n" in body else "\n"
    if body and not body.endswith("\n"):
        body += newline
    write_atomic(path, body + newline.join(new) + newline, create=text is None)


def failed(shown: str, source: str, error: str) -> Outcome:
    """A file left as it was, with the reason."""
    return Outcome(shown, source, source, checked=source, error=error)


def run_text(
    text: str,
    settings: Settings,
    *,
    path: str = "-",
    build_context: str | os.PathLike[str] | None = None,
    complete: bool = True,
) -> engine.Result:
    """Check (and with ``settings.fix``, fix) one text with the selected transforms and its
    ignore comments. Raises DockerfileError on bad input, and on a line the build rejects
    (``validate``). Without ``complete``, a fixed result's findings are only those of the
    transforms that fix (``engine.run``): for a caller that reports the source's."""
    from dockeropt import engine, validate
    from dockeropt.transforms.base import Context

    context = Context(path=path, build_context=build_context, options=settings.options)
    transforms, keep = _selection(settings)
    result = engine.run(
        text, context, transforms, fix=settings.fix, unsafe=settings.unsafe, keep=keep, complete=complete,
    )
    if result.tree is not None:
        validate.check(result.tree)
    return result


_selected: list[tuple[Settings, tuple[Transform, ...], tuple[Transform, ...]]] = []  # the last selection


def _selection(settings: Settings) -> tuple[tuple[Transform, ...], engine.Keep]:
    """``transforms_for`` and ``keep_for`` of ``settings``; the selection is worked out once
    for the many files of a run that share equal settings (each job has its own)."""
    from dockeropt.transforms import ALL

    if not _selected or _selected[0][0] != settings or _selected[0][1] is not ALL:
        _selected[:] = [(settings, ALL, transforms_for(settings))]
    return _selected[0][2], keep_for(settings)


def _outcome(source: str, job: Job) -> Outcome:
    settings = job.settings
    result = run_text(source, settings, path=job.shown, build_context=job.build_context, complete=settings.write)
    findings, checked = result.findings, result.output
    if not settings.write:  # --check, --diff: report the file as it is
        findings, checked = result.source_findings, source
    taken_back = [f"{f.line}:{f.column}: {f.code} fix not applied: {why}" for f, why in result.taken_back]
    return Outcome(
        job.shown, source, result.output, findings, result.applied, checked, result.reverted,
        unsafe=settings.unsafe, taken_back=taken_back, build_context=job.build_context,
    )


def run_many(jobs: Sequence[Job]) -> Iterator[Outcome]:
    """The outcomes of ``jobs`` in order; many files go to a process per core. Files of
    one batch that share a context folder share its walk (``buildcontext.share_walks``)."""
    from dockeropt.buildcontext import share_walks

    share_walks()
    try:
        yield from _run_many(jobs)
    finally:
        share_walks(False)


def _run_many(jobs: Sequence[Job]) -> Iterator[Outcome]:
    if len(jobs) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        yield from map(check_file, jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    workers = os.cpu_count() or 1
    method = start_method()
    context = multiprocessing.get_context(method) if method else None
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_start) as pool:
            for outcome in pool.map(check_file, jobs, chunksize=max(1, len(jobs) // (workers * 8))):
                done += 1
                yield outcome
    except BrokenProcessPool:  # a worker died (killed, out of memory): finish here, one by one
        yield from map(check_file, jobs[done:])


def start_method() -> str | None:
    """How the pool's workers start; None: the platform's default (spawn on macOS and Windows).

    On Linux a fork copies this process with its imports done, so a worker starts at once;
    but the child holds only the thread that forked, and a lock another thread held stays
    locked in it. So fork only when no other thread runs (the command line, a hook); in a
    process with threads (an embedding tool, a test run, a library's own threads: a Go
    runtime's) the workers come from a server process, as Python 3.14 does by default.
    """
    import sys

    if not sys.platform.startswith("linux"):
        return None
    return "fork" if _threads() == 1 else "forkserver"


def _threads() -> int:
    """The threads of this process, those Python did not start included (as Python counts
    them when it warns of a fork)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def _worker_start() -> None:
    from dockeropt.buildcontext import share_walks

    collect_less()
    share_walks()


def collect_less() -> None:
    """Let Python's cycle collector run rarely, in a process that runs dockeropt's job.

    A run makes millions of small objects that reference counting frees (trees, tokens,
    findings) and hardly any cycles, so the collector's default pace (every 700 objects,
    and full passes over a heap that grows with the file) cost a tenth of a corpus run and
    made a 100,000-line file twice as slow per line as a 1,000-line one. mypy does the same.
    """
    import gc

    gc.set_threshold(200_000, 30, 30)
