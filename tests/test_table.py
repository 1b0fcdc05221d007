"""The shipped LALR table is exactly what Lark computes from the grammar today."""

from __future__ import annotations

import sys

import pytest

from dockeropt import parse
from dockeropt.grammar import _table, table


def test_shipped_table_is_what_lark_computes() -> None:
    fresh = table.compute(table.grammar_text())
    shipped = table.Table(_table.GRAMMAR, _table.START, _table.ACCEPT, _table.ACTIONS, _table.RULES)
    assert shipped == fresh, "the grammar changed: run `python -m dockeropt.grammar`"


def test_a_changed_grammar_is_computed_again(monkeypatch) -> None:  # noqa: ANN001
    edited = table.grammar_text() + "\n// an edit\n"
    monkeypatch.setattr(table, "grammar_text", lambda: edited)
    loaded = table.load()
    assert loaded.grammar == edited
    assert loaded.actions == _table.ACTIONS


def test_a_changed_grammar_without_lark_says_what_to_install(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(table, "grammar_text", lambda: "// edited\n")
    monkeypatch.setitem(sys.modules, "lark", None)  # as where Lark is not installed
    with pytest.raises(ModuleNotFoundError, match=r"needs lark: pip install -e '\.\[dev\]'"):
        table.load()


def test_parsing_needs_no_lark_at_run_time() -> None:
    import subprocess

    code = "import sys, dockeropt; dockeropt.parse('FROM a\\nRUN b\\n'); print('lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    assert parse("FROM a\n").code == "FROM a\n"
