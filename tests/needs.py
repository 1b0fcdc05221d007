"""What tests do when something they need is missing: skip here, fail under CI=true."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

# CI has everything the tests need (.ci/run installs it): there a missing tool, package or
# the corpus is a broken machine, and a test that skips would pass without testing anything.
ON_CI = os.environ.get("CI", "").lower() in ("true", "1")


def unavailable(reason: str) -> None:
    """Skip the calling test because ``reason``; under CI=true, fail it instead."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true, where it must be present)", pytrace=False)
    pytest.skip(reason)


def need_module(name: str, reason: str) -> ModuleType:
    """The module ``name``, or ``unavailable(reason)``."""
    try:
        return importlib.import_module(name)
    except ImportError:
        unavailable(reason)
        raise  # not reached: unavailable raises
