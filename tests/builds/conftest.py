"""Fixtures for the real-build proof suite (select it with ``-m builds``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

_SUMMARY_ROWS: list[dict] = []


def pytest_configure(config):
    config.addinivalue_line("markers", "builds: real image builds with buildah (slow-ish, needs root)")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.builds)


@pytest.fixture(scope="session")
def buildah_base():
    """Skips when buildah can't run; else builds/tags the base images once and
    returns the base image id. Leftover working containers are removed at both ends."""
    harness.require_buildah()
    harness.cleanup_containers()
    image_id = harness.ensure_base_images()
    yield image_id
    harness.cleanup_containers()


@pytest.fixture
def bh(buildah_base):
    """The harness module, with buildah known to work and the base images tagged."""
    return harness


@pytest.fixture(scope="session")
def docker_base():
    """Skips (under CI=true: fails) when Docker's engine does not answer; else builds/tags
    the base images in it once and returns verify's Docker builder."""
    docker = harness.require_docker()
    harness.ensure_docker_base_images()
    return docker


@pytest.fixture(params=["buildah", "docker"])
def builder_name(request):
    """Each builder in turn, its base images ready: ``dockeropt verify`` runs on both."""
    request.getfixturevalue("buildah_base" if request.param == "buildah" else "docker_base")
    return request.param


@pytest.fixture
def make_context(tmp_path):
    """make_context({"path": "text" | bytes | (content, mode)}, name="ctx") -> Path of a new build context."""
    counter = [0]

    def make(files: dict, name: str | None = None) -> Path:
        counter[0] += 1
        root = tmp_path / (name or f"ctx{counter[0]}")
        root.mkdir(parents=True)
        for rel, spec in files.items():
            mode = None
            if isinstance(spec, tuple):
                spec, mode = spec
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(spec, bytes):
                p.write_bytes(spec)
            else:
                p.write_text(spec)
            if mode is not None:
                p.chmod(mode)
        return root

    return make


@pytest.fixture(scope="session")
def build_summary():
    """Append harness.summary_row(...) dicts; they are printed as a table at the end of the run."""
    return _SUMMARY_ROWS


def pytest_terminal_summary(terminalreporter):
    if _SUMMARY_ROWS:
        import io

        buf = io.StringIO()
        harness.print_table(_SUMMARY_ROWS, file=buf)
        terminalreporter.write_sep("=", "dockeropt real-build summary")
        terminalreporter.write(buf.getvalue())
