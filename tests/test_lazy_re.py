"""Lazily compiled patterns behave as compiled ones, and compile once, on first use."""

from __future__ import annotations

import re

import pytest

from dockeropt.lazy_re import LazyPattern, lazy


def test_a_lazy_pattern_answers_as_the_compiled_one(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: compiled.append(a) or real(*a))
    p = lazy(r"(\d+)\.(\d+)", re.M)
    assert isinstance(p, LazyPattern) and compiled == [], "nothing compiled before use"
    assert p.match("1.2").groups() == ("1", "2")
    assert p.search("v 10.3").group(0) == "10.3"
    assert p.sub("x", "1.2 and 3.4") == "x and x"
    assert [m.group(1) for m in p.finditer("1.2 3.4")] == ["1", "3"]
    assert p.fullmatch("1.2a") is None and p.pattern == r"(\d+)\.(\d+)" and p.flags & re.M
    assert compiled == [(r"(\d+)\.(\d+)", re.M)], "compiled once"
