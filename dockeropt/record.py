"""Value classes declared like dataclasses, made without the cost of making a dataclass.

``@record(frozen=True, slots=True)`` reads a class's annotated fields and gives it what
``@dataclasses.dataclass`` would: ``__init__`` (defaults, ``field(default_factory=...)``),
``__repr__``, ``__eq__``, ``__hash__`` for frozen records, ``__match_args__``, slots, and
frozen instances that refuse assignment; ``replace`` and ``fields`` work as theirs do.

Why not dataclasses: on Python 3.11 processing one dataclass takes about 0.6 ms (it compiles
each generated method separately and imports ``inspect``), and dockeropt declares some fifty,
so they were half of the start-up time of a ``--check`` on a small file (about 45 ms of a
cold run). A record's class compiles only its ``__init__``, once it has made a hundred
records (``_first_init``); its other methods are shared functions that read ``__fields__``.
A frozen record's compiled ``__init__`` assigns its fields while the object is, for that
time, of a mutable twin class (``_twin``), which makes creating a node about twice as
fast as a frozen dataclass's ``object.__setattr__`` calls (eight fields).

What is left out because nothing here uses it: ``init=False`` fields, ``InitVar``,
``__post_init__``, keyword-only fields, ordering.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from typing_extensions import dataclass_transform  # typing's own from 3.11
else:  # at run time typing is not imported (start-up time): the marker is for type checkers

    def dataclass_transform(**kwargs: object) -> object:
        return lambda function: function

__all__ = ["FrozenInstanceError", "field", "fields", "record", "replace"]


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


class Field:
    """What ``field()`` says about one field."""

    __slots__ = ("name", "default", "default_factory", "repr", "compare")

    def __init__(self, default: Any, default_factory: Any, repr: bool, compare: bool) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING, repr: bool = True, compare: bool = True) -> Any:
    """A field's default or default factory, and whether repr and equality read it."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("a field cannot have both a default and a default_factory")
    return Field(default, default_factory, repr, compare)


@dataclass_transform(field_specifiers=(field,))
def record(cls: type | None = None, /, *, frozen: bool = False, slots: bool = False) -> Any:
    """Make ``cls`` a record; usable bare (``@record``) or with options."""

    def wrap(cls: type) -> type:
        return _make(cls, frozen, slots)

    return wrap if cls is None else wrap(cls)


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a record class or instance, in order."""
    return obj.__fields__


def replace(obj: Any, /, **changes: Any) -> Any:
    """A copy of a record with some fields changed."""
    values = {f.name: getattr(obj, f.name) for f in obj.__fields__}
    values.update(changes)
    return obj.__class__(**values)


# --- the methods every record shares -----------------------------------------------------


def _repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__fields__ if f.repr)
    return f"{self.__class__.__qualname__}({shown})"


def _key(self: Any) -> tuple:
    return tuple(getattr(self, f.name) for f in self.__fields__ if f.compare)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self is other or _key(self) == _key(other)


def _hash(self: Any) -> int:
    return hash(_key(self))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r} of a frozen {self.__class__.__name__}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r} of a frozen {self.__class__.__name__}")


def _getstate(self: Any) -> tuple:
    return tuple(getattr(self, f.name) for f in self.__fields__)


def _reducer(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """A frozen record's ``__reduce__``: its class and its fields' values, which pickling
    (the process pool's outcomes), ``copy`` and ``deepcopy`` pass to the class again. The
    values are read by one ``attrgetter`` (in C), and the compiled ``__init__`` sets them
    again: each is a tenth of ``__getstate__``'s and ``__setstate__``'s loops."""
    from operator import attrgetter

    if len(names) > 1:
        values = attrgetter(*names)

        def __reduce__(self: Any) -> tuple:
            return self.__class__, values(self)

    else:
        one = attrgetter(*names) if names else None

        def __reduce__(self: Any) -> tuple:
            return self.__class__, (one(self),) if one is not None else ()

    return __reduce__


def _setstate(self: Any, state: tuple) -> None:
    for f, value in zip(self.__fields__, state):
        object.__setattr__(self, f.name, value)


# --- making the class --------------------------------------------------------------------


def _own_fields(cls: type) -> list[Field]:
    own = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(value, MISSING, True, True)
        spec.name = name
        own.append(spec)
    return own


def _make(cls: type, frozen: bool, slots: bool) -> type:
    inherited: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get("__fields__", ()):
            inherited[f.name] = f
    own = _own_fields(cls)
    for f in own:
        inherited[f.name] = f
    all_fields = tuple(inherited.values())

    namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    for f in own:  # defaults live in __init__, not as class attributes (they would clash with slots)
        if isinstance(namespace.get(f.name), Field) or slots:
            namespace.pop(f.name, None)
    if slots:
        namespace["__slots__"] = tuple(f.name for f in own)
    namespace["__fields__"] = all_fields
    namespace["__match_args__"] = tuple(f.name for f in all_fields)
    namespace.setdefault("__repr__", _repr)
    namespace.setdefault("__eq__", _eq)
    if frozen:
        namespace.setdefault("__hash__", _hash)
        namespace["__setattr__"] = _frozen_setattr
        namespace["__delattr__"] = _frozen_delattr
        if slots:
            namespace["__getstate__"] = _getstate
            namespace["__setstate__"] = _setstate
            namespace["__reduce__"] = _reducer(tuple(f.name for f in all_fields))
    elif "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
        namespace["__hash__"] = None  # mutable and compared by value: unhashable, as a dataclass

    new = type(cls)(cls.__name__, cls.__bases__, namespace) if slots else cls
    if not slots:
        for key in ("__fields__", "__match_args__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
            if key in namespace:
                setattr(new, key, namespace[key])
        for f in own:
            if isinstance(cls.__dict__.get(f.name), Field):
                delattr(new, f.name)
    new.__init__ = _first_init(new, all_fields, frozen)  # type: ignore[misc]
    return new


COMPILE_AFTER = 100  # records a class makes before it compiles its own __init__


def _first_init(cls: type, all_fields: tuple[Field, ...], frozen: bool) -> Callable[..., None]:
    """An ``__init__`` that sets the fields one by one, until the class has made
    ``COMPILE_AFTER`` records and compiles its own (``_init``).

    Compiling one takes about 0.15 ms, as long as making 100 to 200 records this way, and
    a cold run makes fewer than 100 records of most of the fifty-odd classes it uses:
    compiling each class's ``__init__`` on its first record took about 8 ms of a cold start
    on the typical file (56 classes), against 2 classes now.
    """
    _check_order(cls, all_fields)
    names = tuple(f.name for f in all_fields)
    setters: list[Callable[[Any, Any], None]] | None = None  # found on the first record
    made = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal made, setters
        made += 1
        if made == COMPILE_AFTER and cls.__dict__.get("__init__") is __init__:
            cls.__init__ = _init(cls, all_fields, frozen)  # type: ignore[misc]
        if setters is None:
            setters = [_setter(cls, name) for name in names]
        if len(args) == len(names) and not kwargs:
            for set_field, value in zip(setters, args):
                set_field(self, value)
            return
        for value, set_field in zip(_bind(cls, all_fields, args, kwargs), setters):
            set_field(self, value)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _bind(cls: type, all_fields: tuple[Field, ...], args: tuple, kwargs: dict[str, Any]) -> list[Any]:
    """The value of each field, from the arguments as a call of the compiled ``__init__`` binds them."""
    if len(args) > len(all_fields):
        raise TypeError(f"{cls.__name__}() takes {len(all_fields)} positional arguments but {len(args)} were given")
    values = list(args)
    for f in all_fields[len(args) :]:
        if f.name in kwargs:
            values.append(kwargs.pop(f.name))
        elif f.default is not MISSING:
            values.append(f.default)
        elif f.default_factory is not MISSING:
            values.append(f.default_factory())
        else:
            raise TypeError(f"{cls.__name__}() missing required argument: {f.name!r}")
    for f in all_fields[: len(args)]:
        if f.name in kwargs:
            raise TypeError(f"{cls.__name__}() got multiple values for argument {f.name!r}")
    if kwargs:
        raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {next(iter(kwargs))!r}")
    return values


def _check_order(cls: type, all_fields: tuple[Field, ...]) -> None:
    defaulted = False
    for f in all_fields:
        if f.default is not MISSING or f.default_factory is not MISSING:
            defaulted = True
        elif defaulted:
            raise TypeError(f"{cls.__name__}: field {f.name!r} without a default follows one with a default")


def _init(cls: type, all_fields: tuple[Field, ...], frozen: bool) -> Callable[..., None]:
    """Compile the record's ``__init__``, the defaults as the function's own, the factories
    as its globals. A mutable record's sets its fields as ``self.name = value``; a frozen
    record's, as a frozen dataclass's, goes past the refusing ``__setattr__``: with few
    fields, through each slot's descriptor, and with more (or no slots), as a mutable twin
    of its class (``_twin``), which it is for the time of the assignments."""
    scope: dict[str, Any] = {"_MISSING": MISSING, "_cls": cls, "_twins": _TWINS, "_twin": _twin, "_set_class": _SET_CLASS}
    params, values = ["self"], []
    for i, f in enumerate(all_fields):
        value = f.name
        if f.default is not MISSING:
            scope[f"_d{i}"] = f.default
            params.append(f"{f.name}=_d{i}")
        elif f.default_factory is not MISSING:
            scope[f"_f{i}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            value = f"_f{i}() if {f.name} is _MISSING else {f.name}"
        else:
            params.append(f.name)
        values.append(value)
    twin = frozen and (len(all_fields) >= TWIN_FROM or any(_slot(cls, f.name) is None for f in all_fields))
    if frozen and not twin:
        lines = []
        for i, (f, value) in enumerate(zip(all_fields, values)):
            scope[f"_s{i}"] = _setter(cls, f.name)
            lines.append(f"    _s{i}(self, {value})")
    else:
        lines = [f"    self.{f.name} = {value}" for f, value in zip(all_fields, values)]
        if twin:
            scope["_own_twin"] = _TWINS.get(cls) or _twin(cls, cls)
            lines.insert(0, "    _record_class = self.__class__")
            lines.insert(1, "    _set_class(self, _own_twin if _record_class is _cls else _twins.get(_record_class) or _twin(_record_class, _cls))")
            lines.append("    self.__class__ = _record_class")
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(lines) or "    pass") + "\n"
    exec(source, scope)  # not compile(): its first call sets up the ast module's types, 1.5 ms
    function = scope["__init__"]
    function.__qualname__ = f"{cls.__qualname__}.__init__"
    return function


# A frozen record with this many fields is built as its mutable twin: setting a field of
# a class with the default ``__setattr__`` costs a tenth of a call of a slot's descriptor,
# and turning the object into its twin and back costs about as much as three such calls.
TWIN_FROM = 4
_SET_CLASS = object.__dict__["__class__"].__set__
_TWINS: dict[type, type] = {}


def _twin(cls: type, record_class: type) -> type:
    """A subclass with the layout of ``cls`` (a record class or a subclass of one) and the
    default ``__setattr__``: the one of ``record_class`` for all its subclasses that add no
    slots, so that the assignments of its ``__init__`` always meet one class."""
    if cls is not record_class and _layout(cls) == _layout(record_class):
        twin = _TWINS.get(record_class) or _twin(record_class, record_class)
    else:
        # __delattr__ too: both are one slot of the type, which is the default only if both are
        namespace = {"__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__}
        twin = type(cls)(f"{cls.__name__}Building", (cls,), namespace)
    _TWINS[cls] = twin
    return twin


def _layout(cls: type) -> tuple[int, int, int]:
    return cls.__basicsize__, cls.__dictoffset__, cls.__weakrefoffset__


def _setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """What writes the field ``name`` of a new record: its slot, or its entry in ``__dict__``
    (past a frozen record's refusing ``__setattr__``)."""
    descriptor = _slot(cls, name)
    if descriptor is not None:
        return descriptor.__set__

    def set_field(self: Any, value: Any) -> None:
        object.__setattr__(self, name, value)

    return set_field


def _slot(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in klass.__dict__.get("__slots__", ()):
            return klass.__dict__[name]
    return None
