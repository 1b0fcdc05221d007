"""Records behave as the dataclasses they replace: init, defaults, repr, equality, hashing,
frozenness, slots, inheritance, replace and pickling."""

from __future__ import annotations

import copy
import pickle

import pytest

from dockeropt.record import (
    COMPILE_AFTER,
    FrozenInstanceError,
    field,
    fields,
    record,
    replace,
)


@record(frozen=True, slots=True)
class Point:
    x: int
    y: int = 0
    note: str = field(default="", repr=False, compare=False)


@record(frozen=True, slots=True)
class Point3(Point):
    z: int = 0


class Named(Point3):
    """A subclass left undecorated, as cst's Run is of _CommandInstruction."""


@record
class Bag:
    items: list[int] = field(default_factory=list)
    label: str = "bag"


def test_init_defaults_and_keywords() -> None:
    assert (Point(1).x, Point(1).y) == (1, 0)
    assert Point(y=2, x=1) == Point(1, 2)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_repr_leaves_out_repr_false_fields() -> None:
    assert repr(Point(1, 2, note="hidden")) == "Point(x=1, y=2)"
    assert repr(Bag()) == "Bag(items=[], label='bag')"


def test_equality_and_hash_skip_compare_false_fields() -> None:
    assert Point(1, 2, note="a") == Point(1, 2, note="b")
    assert hash(Point(1, 2, note="a")) == hash(Point(1, 2, note="b"))
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2) != Point3(1, 2), "different classes never compare equal"
    assert Point(1, 2) != (1, 2)


def test_frozen_refuses_assignment_and_deletion() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.x  # type: ignore[misc]
    assert p.x == 1


def test_slots_and_inheritance() -> None:
    p = Point3(1, 2, z=3)
    assert not hasattr(Point(1), "__dict__")
    assert [f.name for f in fields(p)] == ["x", "y", "note", "z"]
    assert (p.x, p.y, p.z) == (1, 2, 3)
    assert Point3.__match_args__ == ("x", "y", "note", "z")
    n = Named(5)
    assert n.x == 5 and isinstance(n, Point3)
    with pytest.raises(FrozenInstanceError):
        n.z = 1  # type: ignore[misc]


def test_mutable_records_are_unhashable_and_get_fresh_defaults() -> None:
    a, b = Bag(), Bag()
    a.items.append(1)
    assert b.items == []
    a.label = "changed"
    assert a.label == "changed"
    with pytest.raises(TypeError):
        hash(a)


def test_replace_copies_with_changes() -> None:
    p = Point3(1, 2, note="n", z=3)
    q = replace(p, y=9)
    assert (q.x, q.y, q.note, q.z) == (1, 9, "n", 3) and p.y == 2
    with pytest.raises(TypeError):
        replace(p, nope=1)


@pytest.mark.parametrize("value", [Point(1, 2, note="n"), Point3(1, 2, z=3), Named(4), Bag([1], "x")], ids=repr)
def test_pickle_and_copy_round_trip(value: object) -> None:
    for again in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert again == value and type(again) is type(value)
        assert [getattr(again, f.name) for f in fields(again)] == [getattr(value, f.name) for f in fields(value)]


@record(frozen=True, slots=True)
class Nothing:
    pass


@record(frozen=True, slots=True)
class One:
    value: tuple[int, ...]


@pytest.mark.parametrize("value", [Point(1, 2, note="n"), Point3(1, 2, z=3), Named(4), Nothing(), One((1, 2))], ids=repr)
def test_a_frozen_record_pickles_as_its_class_and_values(value: object) -> None:
    """What the process pool sends back: the class and the fields' values, made again by
    the class's ``__init__``."""
    kind, values = value.__reduce__()  # type: ignore[misc]
    assert kind is type(value) and values == tuple(getattr(value, f.name) for f in fields(value))
    again = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == value and type(again) is type(value)
    with pytest.raises(FrozenInstanceError):
        again.x = 0  # type: ignore[attr-defined]


def test_a_field_cannot_have_two_defaults() -> None:
    with pytest.raises(ValueError):
        field(default=1, default_factory=list)


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="without a default follows"):

        @record(frozen=True, slots=True)
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]


CALLS = [
    pytest.param((1,), {}, id="positional, defaults"),
    pytest.param((1, 2, "n"), {}, id="all positional"),
    pytest.param((), {"note": "n", "x": 1}, id="keywords in any order"),
    pytest.param((1,), {"y": 5}, id="both"),
    pytest.param((), {}, id="missing x"),
    pytest.param((1, 2, "n", 4), {}, id="too many"),
    pytest.param((1,), {"x": 2}, id="x twice"),
    pytest.param((1,), {"z": 2}, id="unknown keyword"),
]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_the_first_records_bind_their_arguments_as_the_compiled_init_does(args: tuple, kwargs: dict) -> None:
    @record(frozen=True, slots=True)
    class Fresh:
        x: int
        y: int = 0
        note: str = field(default_factory=str)

    def made() -> object:
        try:
            value = Fresh(*args, **kwargs)
        except TypeError:
            return TypeError
        return (value.x, value.y, value.note)

    first = made()
    for _ in range(COMPILE_AFTER):
        Fresh(0)
    assert Fresh.__init__.__code__.co_varnames[:4] == ("self", "x", "y", "note"), "compiled by now"
    assert made() == first


def test_each_record_class_has_its_own_parameter_names() -> None:
    @record(frozen=True, slots=True)
    class Pair:
        left: str
        right: str = "r"

    @record
    class Other:
        first: int
        second: list[int] = field(default_factory=list)

    for _ in range(COMPILE_AFTER):  # the generic __init__ first, then the compiled one
        assert (Pair("l").left, Pair("l").right, Pair(right="x", left="y").left) == ("l", "r", "y")
        assert Other(1).second == [] and Other(first=2, second=[3]).second == [3]
        with pytest.raises(TypeError):
            Pair(lef="typo")  # type: ignore[call-arg]
    assert Pair.__init__.__code__.co_varnames[:3] == ("self", "left", "right")
    assert Other.__init__.__code__.co_varnames[:3] == ("self", "first", "second")
    with pytest.raises(TypeError):
        Pair(lef="typo")  # type: ignore[call-arg]


def test_records_with_many_fields() -> None:
    names = [f"f{i}" for i in range(40)]
    cls = record(frozen=True, slots=True)(type("Wide", (), {"__annotations__": {n: "int" for n in names}}))
    wide = cls(*range(len(names)))
    assert [getattr(wide, n) for n in names] == list(range(len(names)))


@record(frozen=True, slots=True)
class Span:
    start: int
    end: int
    line: int
    column: int
    text: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


class SlottedSpan(Span):
    __slots__ = ()


class LooseSpan(Span):
    """Undecorated, with a __dict__: a layout unlike Span's."""


@record(frozen=True)
class Loose:
    a: int
    b: int
    c: int
    d: int = 4


@pytest.mark.parametrize("cls", [Span, SlottedSpan, LooseSpan, Loose], ids=lambda cls: cls.__name__)
def test_compiled_frozen_init_leaves_a_frozen_record_of_its_class(cls: type) -> None:
    made = [cls(i, 2, 3, 4) for i in range(COMPILE_AFTER + 5)]
    assert cls.__init__.__code__.co_varnames[1] == ("a" if cls is Loose else "start"), "compiled by now"
    last = made[-1]
    assert type(last) is cls and isinstance(last, cls)
    assert [getattr(last, f.name) for f in fields(last)][:4] == [COMPILE_AFTER + 4, 2, 3, 4]
    assert last == cls(COMPILE_AFTER + 4, 2, 3, 4) and hash(last) == hash(cls(COMPILE_AFTER + 4, 2, 3, 4))
    with pytest.raises(FrozenInstanceError):
        last.end = 9  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del last.end  # type: ignore[misc]
    again = pickle.loads(pickle.dumps(last))
    assert again == last and type(again) is cls
    if cls is Span:
        assert last.tags == () and cls(1, 2, 3, 4, "t", ("x",)).tags == ("x",)


def test_a_mutable_compiled_init_assigns() -> None:
    bags = [Bag([i]) for i in range(COMPILE_AFTER + 1)]
    assert Bag.__init__.__code__.co_varnames[:2] == ("self", "items"), "compiled by now"
    assert bags[-1].items == [COMPILE_AFTER] and Bag().items == [] and Bag().items is not Bag().items
    bags[-1].label = "x"
    assert bags[-1].label == "x"
