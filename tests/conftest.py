from __future__ import annotations

from pathlib import Path

import pytest
from needs import ON_CI, unavailable

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        unavailable(f"the shared corpus is absent ({CORPUS})")
    return CORPUS


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # the slow tests, left out of the fast run on every Python (-m "not builds and not corpus")
    for item in items:
        if "corpus" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.corpus)


def _no_skip_on_ci(report: pytest.CollectReport | pytest.TestReport) -> None:
    # the net under every other skip: under CI=true nothing skips silently
    if ON_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where nothing may skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    _no_skip_on_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> object:
    # a module that skips as a whole (pytest.importorskip at its top) skips when collected
    outcome = yield
    _no_skip_on_ci(outcome.get_result())
