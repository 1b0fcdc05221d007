"""The LALR table of ``dockerfile.lark``, as Lark computes it, and the loop that runs it.

Lark turns the grammar into an LALR(1) table. Importing Lark and analysing the grammar
costs more than parsing a typical Dockerfile, and dockeropt runs on every save, so the
table is computed ahead of time and shipped as plain data in ``_table.py``; a test checks
that it is exactly what Lark computes from the grammar today. If the grammar file and the
shipped table ever disagree, the table is computed again with Lark at run time.

Regenerate after editing the grammar:  python -m dockeropt.grammar
"""

from __future__ import annotations

import os

from dockeropt.errors import DockerfileError
from dockeropt.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import NoReturn
    from pathlib import Path

END = "$END"


@record(frozen=True, slots=True)
class Table:
    grammar: str  # the grammar text this table was computed from
    start: int  # the start state
    accept: int  # the state in which $END accepts
    # per state: symbol -> (True, next state) to shift, or (False, rule index) to reduce
    actions: tuple[dict[str, tuple[bool, int]], ...]
    # per rule: (name of the rule it reduces to, how many symbols it pops)
    rules: tuple[tuple[str, int], ...]


def grammar_text() -> str:
    with open(os.path.join(os.path.dirname(__file__), "dockerfile.lark"), encoding="utf-8") as f:
        return f.read()


def compute(grammar: str) -> Table:
    """Ask Lark for the LALR table of ``grammar``."""
    from lark import Lark
    from lark.lexer import Lexer

    class _NoLexer(Lexer):  # Lark wants a lexer to build a parser; tokens come from lexer.py
        def __init__(self, conf: object) -> None:
            pass

        def lex(self, lexer_state: object, parser_state: object = None) -> NoReturn:
            raise NotImplementedError

    parser = Lark(grammar, parser="lalr", lexer=_NoLexer, maybe_placeholders=False)
    parse_table = parser.parser.parser.parser.parse_table
    states = parse_table.states
    # Lark numbers states and rules in an order that changes from run to run; number them
    # canonically (states breadth first from the start, rules by name and expansion).
    all_rules = {arg for row in states.values() for action, arg in row.values() if action.name != "Shift"}
    ordered_rules = sorted(all_rules, key=lambda r: (str(r.origin.name), [str(s.name) for s in r.expansion]))
    rule_index = {rule: i for i, rule in enumerate(ordered_rules)}
    start = parse_table.start_states["start"]
    order = [start]
    number = {start: 0}
    for state in order:
        for _symbol, (action, arg) in sorted(states[state].items(), key=lambda item: str(item[0])):
            if action.name == "Shift" and arg not in number:
                number[arg] = len(order)
                order.append(arg)
    actions = []
    for state in order:
        row = {}
        for symbol, (action, arg) in sorted(states[state].items(), key=lambda item: str(item[0])):
            row[str(symbol)] = (True, number[arg]) if action.name == "Shift" else (False, rule_index[arg])
        actions.append(row)
    rules = tuple((str(r.origin.name), len(r.expansion)) for r in ordered_rules)
    return Table(grammar, 0, number[parse_table.end_states["start"]], tuple(actions), rules)


def load() -> Table:
    """The shipped table, or a fresh one when the grammar file has changed since."""
    grammar = grammar_text()
    try:
        from dockeropt.grammar import _table

        shipped = Table(_table.GRAMMAR, _table.START, _table.ACCEPT, _table.ACTIONS, _table.RULES)
    except ImportError:
        shipped = None
    if shipped is not None and shipped.grammar == grammar:
        return shipped
    try:
        return compute(grammar)
    except ModuleNotFoundError as exc:  # Lark is a development dependency
        raise ModuleNotFoundError(
            f"dockerfile.lark changed since _table.py was made, and computing its table needs {exc.name}: "
            "pip install -e '.[dev]', then python -m dockeropt.grammar"
        ) from None


class _Inline(list):
    """The children of a rule whose name starts with ``_``: spliced into the parent."""

    __slots__ = ()


def run(table: Table, tokens: Iterable, callbacks: dict[str, Callable[[list], object]]) -> object:
    """Run the LALR table over ``tokens``, reducing with ``callbacks`` per rule name.

    A token is a tuple whose first item is its kind and fourth its line (for errors); the
    last token is of kind ``END``.

    Rules without a callback are inlined into their parent (Lark's ``_rule`` convention,
    which also covers the helper rules Lark makes for ``*``, ``+`` and ``?``).
    """
    plans = _plans(table)
    rows = plans.rows
    config = 0  # the stack holding only the start state
    values: list = []
    pop, push, callback_of = values.pop, values.append, callbacks.get
    for token in tokens:
        try:
            steps, config = rows[config][token[0]]
        except KeyError:
            steps, config = plans.plan(config, token)
        for name, size in steps:
            if size == 1:  # the most common reductions: one child or two, taken over or wrapped
                children = pop()
                if type(children) is not _Inline:
                    children = _Inline((children,))
            elif size == 2:
                second = pop()
                children = pop()
                # a repetition grows its list in place: copying it would be quadratic
                if type(children) is not _Inline:
                    children = _Inline((children,))
                if type(second) is _Inline:
                    children.extend(second)
                else:
                    children.append(second)
            else:
                children = _Inline()
                if size:
                    popped = values[-size:]
                    del values[-size:]
                    if type(popped[0]) is _Inline:
                        children = popped[0]
                        popped = popped[1:]
                    for child in popped:
                        if type(child) is _Inline:
                            children.extend(child)
                        else:
                            children.append(child)
            callback = callback_of(name)
            push(children if callback is None else callback(children))
        if config == _ACCEPTED:
            return values[-1]
        push(token)
    raise AssertionError("not reached: the lexer ends its tokens with END, where the table accepts or rejects")


_ACCEPTED = -1


class _Plans:
    """What the table does with a token of a kind on a state stack: the rules it reduces
    (name, size), in order, and the stack it leaves (after shifting the token), worked out
    from the table the first time and remembered, in ``rows[stack][kind]``.

    Stacks are numbered as they are met. The grammar's repetitions are left recursive, so
    its stacks are few and short: after the first files every token costs one look-up.
    """

    __slots__ = ("table", "stacks", "numbers", "rows")

    def __init__(self, table: Table) -> None:
        self.table = table
        self.stacks: list[tuple[int, ...]] = [(table.start,)]
        self.numbers = {self.stacks[0]: 0}
        self.rows: list[dict[str, tuple[tuple[tuple[str, int], ...], int]]] = [{}]

    def plan(self, config: int, token: tuple) -> tuple[tuple[tuple[str, int], ...], int]:
        table, kind = self.table, token[0]
        actions = table.actions
        states = list(self.stacks[config])
        steps = []
        while True:
            try:
                shift, arg = actions[states[-1]][kind]
            except KeyError:
                raise DockerfileError(f"unexpected {kind} (internal grammar error)", token[3], 1) from None
            if shift:
                states.append(arg)
                after = self._number(tuple(states))
                break
            name, size = table.rules[arg]
            if size:
                del states[-size:]
            states.append(actions[states[-1]][name][1])
            steps.append((name, size))
            if kind == END and states[-1] == table.accept:
                after = _ACCEPTED
                break
        self.rows[config][kind] = result = (tuple(steps), after)
        return result

    def _number(self, stack: tuple[int, ...]) -> int:
        number = self.numbers.get(stack)
        if number is None:
            number = self.numbers[stack] = len(self.stacks)
            self.stacks.append(stack)
            self.rows.append({})
        return number


_PLANS: dict[int, _Plans] = {}


def _plans(table: Table) -> _Plans:
    plans = _PLANS.get(id(table))
    if plans is None or plans.table is not table:
        plans = _PLANS[id(table)] = _Plans(table)
    return plans


def write(path: Path | None = None) -> Path:
    """Write ``_table.py`` from the grammar, as Lark computes it now."""
    from pathlib import Path

    table = compute(grammar_text())
    path = path or Path(__file__).with_name("_table.py")
    lines = [
        '"""Generated by `python -m dockeropt.grammar` from dockerfile.lark: do not edit."""',
        "",
        f"GRAMMAR = {table.grammar!r}",
        f"START = {table.start!r}",
        f"ACCEPT = {table.accept!r}",
        "ACTIONS: tuple[dict[str, tuple[bool, int]], ...] = (",
        *(f"    {row!r}," for row in table.actions),
        ")",
        "RULES: tuple[tuple[str, int], ...] = (",
        *(f"    {rule!r}," for rule in table.rules),
        ")",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
