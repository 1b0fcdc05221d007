"""``python -m dockeropt.grammar``: write ``_table.py`` from ``dockerfile.lark`` (needs Lark)."""

from dockeropt.grammar.table import write

print(f"wrote {write()}")
