"""What the benchmarks share: a typical Dockerfile, a generator of big ones, the corpus, statistics.

Imported by the scripts beside it (``python3 bench/NAME.py`` puts this folder on the path).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "real"

# A typical service Dockerfile: three stages, 40 lines, with what people really write
# (adjacent RUNs, apt-get without its flags, the whole source copied before the install).
TYPICAL = """\
# syntax=docker/dockerfile:1
# Build stage: compile the wheels once
FROM python:3.12 AS build
ARG PIP_INDEX_URL=https://pypi.org/simple
ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1
WORKDIR /src
RUN apt-get update
RUN apt-get install -y build-essential libpq-dev git \\
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN pip install --upgrade pip setuptools wheel
RUN pip wheel --wheel-dir /wheels -r requirements.txt

# Test stage: run the suite against the built wheels
FROM build AS test
RUN pip install /wheels/* pytest
RUN python -m pytest -q tests

# Runtime stage: only what the service needs
FROM python:3.12-slim AS runtime
LABEL org.opencontainers.image.source="https://example.com/acme/api" \\
      org.opencontainers.image.licenses="MIT"
ENV APP_HOME=/app \\
    PORT=8080
RUN apt-get update && apt-get install -y libpq5 curl
RUN groupadd --system app && useradd --system --gid app --home-dir /app app
WORKDIR $APP_HOME
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --chown=app:app src/ ./src/
COPY --chown=app:app gunicorn.conf.py ./
USER app
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s \\
    CMD curl -fsS http://localhost:8080/healthz || exit 1
# the worker count comes from gunicorn.conf.py
STOPSIGNAL SIGTERM
ENTRYPOINT ["gunicorn", "--config", "gunicorn.conf.py"]
CMD ["api.wsgi:application"]
"""

_BASES = ["python:3.12", "node:20", "golang:1.22", "debian:bookworm", "ubuntu:22.04", "alpine:3.19", "eclipse-temurin:21"]
_PACKAGES = ["curl", "git", "ca-certificates", "build-essential", "libssl-dev", "jq", "unzip", "gnupg", "tzdata"]


def _stage(rng: random.Random, n: int) -> list[str]:
    """One build stage of a generated Dockerfile, as lines."""
    lines = [f"# stage {n}: {rng.choice(['build', 'test', 'assets', 'runtime'])}"]
    lines.append(f"FROM {rng.choice(_BASES)} AS stage{n}")
    lines.append(f"ARG VERSION_{n}=1.{n % 50}.{rng.randrange(10)}")
    lines.append(f"ENV APP_{n}=/opt/app{n} \\")
    lines.append(f"    PATH=/opt/app{n}/bin:$PATH")
    lines.append(f"WORKDIR /opt/app{n}")
    for _ in range(rng.randrange(2, 5)):
        kind = rng.random()
        if kind < 0.55:  # an install chain with continuations
            pkgs = rng.sample(_PACKAGES, rng.randrange(2, 6))
            lines.append("RUN apt-get update \\")
            lines.append(f"    && apt-get install -y {' '.join(pkgs)} \\")
            if rng.random() < 0.3:
                lines.append("    # keep the image small")
            lines.append("    && rm -rf /var/lib/apt/lists/*")
        elif kind < 0.75:
            lines.append(f"RUN make -j4 target{n} && make install")
        elif kind < 0.9:
            lines.append(f"COPY src/module{n}/ ./module{n}/")
        else:  # a heredoc now and then
            lines.append("RUN <<EOF")
            lines.append("set -eux")
            lines.append(f"echo building {n} > /tmp/stage{n}")
            lines.append("EOF")
    if n > 0 and rng.random() < 0.5:
        lines.append(f"COPY --from=stage{n - 1} /opt/app{n - 1}/bin /usr/local/bin/")
    lines.append(f'LABEL stage="{n}" maintainer="team@example.com"')
    lines.append(f'CMD ["/opt/app{n}/bin/run", "--port", "{8000 + n % 1000}"]')
    lines.append("")
    return lines


def generate(lines: int, seed: int = 1) -> str:
    """A multi-stage Dockerfile of exactly ``lines`` lines (each ended by a newline)."""
    rng = random.Random(seed)
    out = ["# syntax=docker/dockerfile:1"]
    n = 0
    while len(out) < lines:
        out += _stage(rng, n)
        n += 1
    out = out[:lines]
    # never cut a stage inside a continuation or a heredoc: end on whole instructions
    while out and (out[-1].endswith("\\") or out[-1].startswith(("    ", "set -eux", "echo ")) or out[-1] == "RUN <<EOF"):
        out.pop()
    out += [""] * (lines - len(out))
    return "\n".join(out) + "\n"


def corpus_files(corpus: Path = CORPUS) -> list[Path]:
    """The corpus files dockeropt can read (binary files, holding NUL, left out)."""
    if not corpus.is_dir():
        sys.exit(f"no corpus at {corpus}: pass --corpus")
    return [p for p in sorted(corpus.iterdir()) if p.is_file() and b"\x00" not in p.read_bytes()]


def spread(files: list[Path], count: int) -> list[Path]:
    """``count`` files taken evenly across ``files`` (all of them if there are fewer)."""
    return files[:: max(1, len(files) // count)][:count]


def measured_env() -> dict[str, str]:
    """The environment for measured subprocesses: bytecode allowed, as after ``pip install``."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def tool(name: str, hint: str) -> str:
    """The path of a command-line tool beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed: {hint}")
    if "/.pyenv/shims/" in found:  # a shell script that starts pyenv first: time the tool itself
        real = subprocess.run(["pyenv", "which", name], capture_output=True, text=True).stdout.strip()
        found = real or found
    return found


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def revision() -> str:
    """The commit measured, and whether the work tree had changes to dockeropt/ on top of it."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    return commit + (" with uncommitted changes to dockeropt/" if git("status", "--porcelain", "--", "dockeropt") else "")


def machine() -> str:
    """One line on the machine and code, for reading the figures: cores and load (other work skews them)."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}, Python {sys.version.split()[0]}, dockeropt at {revision()}"


class Figures:
    """The figures one script measured: printed as it goes, and written as JSON for run_all.py."""

    def __init__(self, bench: str) -> None:
        self.bench = bench
        self.rows: list[dict] = []

    def add(self, measure: str, value: float, unit: str, fmt: str = ",.1f") -> None:
        self.rows.append({"bench": self.bench, "measure": measure, "value": value, "unit": unit, "fmt": fmt})
        print(f"  {measure:<70} {value:>9{fmt}} {unit}", flush=True)

    def note(self, text: str) -> None:
        self.rows.append({"bench": self.bench, "measure": text, "value": None, "unit": "", "fmt": ""})
        print(f"  note: {text}", flush=True)

    def write(self, path: Path | None) -> None:
        if path is not None:
            path.write_text(json.dumps(self.rows, indent=1))
