"""Params: stored values, typed or not, and per-session values.

An untyped :class:`Param` takes any JSON value. A typed one (``value_type=...`` or the
``IntParam``/``FloatParam``/... shorthands) validates with pydantic in strict mode, so
``IntParam().set("12")`` is refused rather than guessed at; converting text is the
caller's choice (the CLI parses input through the param's type). pydantic is imported on
the first typed validation, not when graftflow is imported.
"""

from __future__ import annotations

import copy
import math
import types
import typing
from collections.abc import Callable
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Literal,
    TypeVar,
    Union,
    get_args,
    get_origin,
    overload,
)

from ._errors import InvalidValueError, RelationDefinitionError, short_repr
from ._json import JSONValue, json_error, loads
from ._manager import TreeManager
from ._relation import NO_HINTS, UNSET, Relation, _probing, check_index
from ._values import Value, Watchable
from .stores._memory import MemoryStore, _Encoded
from .stores._store import MISSING

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from ._object import Object

__all__ = [
    "BoolParam",
    "DictParam",
    "FloatParam",
    "IntParam",
    "IntValue",
    "Param",
    "ParamValue",
    "SessionParam",
    "StringParam",
]

T = TypeVar("T")
P = TypeVar("P", bound="Param[Any]")

_SIMPLE = (int, float, bool, str)
_MUTABLE = (list, dict, set)


def _json_native(tp: Any) -> bool:
    """Whether validated values of ``tp`` are already JSON (no conversion to store)."""
    if tp in (int, float, bool, str, type(None), Any, list, dict):
        return True
    origin, args = get_origin(tp), get_args(tp)
    if origin is typing.Annotated:
        return _json_native(args[0])
    if origin is list:
        return all(_json_native(a) for a in args)
    if origin is dict:
        return not args or (args[0] is str and _json_native(args[1]))
    if origin in (Union, types.UnionType):
        return all(_json_native(a) for a in args)
    if origin is Literal:
        return all(type(a) in (int, str, bool, type(None)) for a in args)
    return False


class ParamValue(Value[T]):
    """The value of a :class:`Param` on one object, stored under its oid.

    Subclass it to make a value type of your own (kabaret's ``values.Value``
    subclasses port this way) and give the class to a param:
    ``Param("NYS", StatusValue)``.
    """

    __slots__ = ()

    kind: ClassVar[str] = "param"
    #: What a param given this value class validates with (``None``: any JSON value).
    VALUE_TYPE: ClassVar[Any] = None

    def get(self) -> T:
        store = self._store
        relation: Param[T] = self._relation
        if type(store) is MemoryStore and not relation._factory:
            # W1_warm: MemoryStore.get() inlined, its frame being a quarter of a warm read
            # (``shots[name].status.get()``), the default given to the table's own get().
            # The table is read as get() reads it: reads take no lock, and a batch or a
            # transaction writes into the table in place, so nothing else can differ; a
            # closed store's table raises as get() does. tests/test_fast_paths.py
            # compares the two ways.
            value: Any = store._kv.get(self._key, relation._default)
            if type(value) is _Encoded:  # a container: a fresh copy per read
                return loads(value.text)  # type: ignore[no-any-return]
            return value  # type: ignore[no-any-return]
        value = store.get(self._key, MISSING)
        if value is MISSING:
            # Param.default_value() inlined: every W1 read of a value never set ends here.
            default: Any = relation._default
            return default() if relation._factory else default  # type: ignore[no-any-return]
        return value  # type: ignore[no-any-return]

    def set(self, value: T) -> None:
        relation: Param[T] = self._relation
        self._store.set(self._key, relation.validate(self._key, value))
        self._changed()

    def revert_to_default(self) -> None:
        self._store.delete(self._key)
        self._changed()


class _ConvertedValue(ParamValue[T]):
    """A typed value whose Python form is not JSON (a model, a datetime...)."""

    __slots__ = ()

    def get(self) -> T:
        relation: Param[T] = self._relation
        value = self._store.get(self._key, MISSING)
        if value is MISSING:
            return relation.default_value()
        return relation.from_json(value)


class _Literal:
    """A literal list or dict default: each read gets its own copy (kabaret shared one)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self) -> Any:
        return copy.deepcopy(self.value)


class Param(Watchable, Relation[ParamValue[T]], Generic[T]):
    """A stored value.

    :param default: returned while nothing is stored. A callable is a factory, called
        each time the default is needed (``default=list``); a literal list or dict is
        copied for each read, so no two objects ever share a mutable default.
    :param value_type: any type pydantic validates (``int``, ``list[str]``, a model...);
        ``None`` accepts any JSON value. A :class:`ParamValue` subclass instead makes the
        values of that class (a value type with its own relations, a
        :class:`~graftflow.ChoiceValue`...), validated with its ``VALUE_TYPE``.
    """

    __slots__ = (
        "_adapter",
        "_default",
        "_factory",
        "_native",
        "_value_class",
        "_watched",
        "value_type",
    )

    kind: ClassVar[str] = "param"
    stateless: ClassVar[bool] = True
    #: The value class of this kind of param; a class given as value_type must derive it.
    _gf_value_class: ClassVar[type[ParamValue[Any]]] = ParamValue

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not (cls.create is Param.create and cls.cached and cls.stateless):
            # Param.__get__'s fast path makes and caches values as Param does: a class
            # doing otherwise reads as any relation does.
            cls.__get__ = Relation.__get__  # type: ignore[method-assign]

    # The overloads only serve type checkers: a given value_type types the value
    # (Param(None, list[str]) gives ParamValue[list[str]]), else it is Any.
    @overload
    def __init__(
        self: Param[Any],
        default: Any,
        value_type: type[ParamValue[Any]],
        *,
        index: int | None = UNSET,
    ) -> None: ...

    @overload
    def __init__(
        self: Param[T],
        default: T | Callable[[], T] | None,
        value_type: type[T],
        *,
        index: int | None = UNSET,
    ) -> None: ...

    @overload
    def __init__(
        self: Param[T],
        default: T | Callable[[], T] | None = None,
        *,
        value_type: type[T],
        index: int | None = UNSET,
    ) -> None: ...

    @overload
    def __init__(
        self: Param[Any],
        default: Any = None,
        value_type: Any = None,
        *,
        index: int | None = UNSET,
    ) -> None: ...

    def __init__(
        self,
        default: Any = None,
        value_type: Any = None,
        *,
        index: int | None = UNSET,
    ) -> None:
        # Factories build a param per object, so construction is kept cheap (issue 5's
        # W2_overhead): Relation's fields are set here rather than through super(), a
        # tuple for isinstance (a `|` union is rebuilt on every call), no helper calls
        # for the simple types.
        if index is not UNSET and index is not None:
            check_index(index)
        self.name = ""
        self.index = index
        self._hints = NO_HINTS
        self._owner = None
        value_class: type[ParamValue[Any]] = type(self)._gf_value_class
        if isinstance(value_type, type) and issubclass(value_type, Value):
            value_class, value_type = self._value_class_of(value_type)
        self._default = default
        self._factory = callable(default)
        self.value_type = value_type
        self._watched = False
        self._adapter: TypeAdapter[Any] | None = None
        self._native = value_type is None or value_type in _SIMPLE or _json_native(value_type)
        self._value_class = value_class if self._native else _ConvertedValue
        if default is not None and not self._factory:
            if value_type in _SIMPLE and type(default) is value_type:
                return
            self._check_default(default)
            if isinstance(default, _MUTABLE):
                self._default = _Literal(default)
                self._factory = True

    def _value_class_of(self, value_class: type[Any]) -> tuple[type[ParamValue[Any]], Any]:
        """Check a value class given as ``value_type``; return it and what it validates."""
        expected = type(self)._gf_value_class
        if not issubclass(value_class, expected):
            raise RelationDefinitionError(
                f"{type(self).__name__}(value_type={value_class.__qualname__}): the value class "
                f"must derive {expected.__qualname__}"
            )
        value_type = value_class.VALUE_TYPE
        if not (value_type is None or value_type in _SIMPLE or _json_native(value_type)):
            raise RelationDefinitionError(
                f"{value_class.__qualname__}.VALUE_TYPE must be a JSON type (int, str, "
                f"list[str]...), not {value_type!r}"
            )
        return value_class, value_type

    def _check_default(self, default: Any) -> None:
        vt = self.value_type
        if vt in _SIMPLE:
            ok = type(default) is vt or (vt is float and type(default) is int)
            problem = None if ok else f"is {type(default).__name__}, not {vt.__name__}"
        elif vt is None or isinstance(default, _MUTABLE):
            # A literal container is copied for each read: it has to be JSON (dict keys
            # are str) like anything stored, so get() gives the same either way.
            problem = json_error(default)
        else:
            # Not checked: that would import pydantic whenever a class is defined.
            return
        if problem:
            raise RelationDefinitionError(
                f"{type(self).__name__}(default={default!r}): the default {problem}"
            )

    @property
    def default(self) -> Any:
        """The default as given (a factory stays a factory)."""
        default = self._default
        return default.value if type(default) is _Literal else default

    def default_value(self) -> T:
        """The default for one read: the factory's result, or the literal default."""
        default: Any = self._default
        return default() if self._factory else default  # type: ignore[no-any-return]

    def create(self, parent: Object) -> ParamValue[T]:
        value_class = self._value_class
        if not value_class._gf_plain_init:
            return value_class(parent, self)
        # What Value.__init__ sets, without the class call and its frame (issue 18's
        # W1_cold and W2_cold: a handle per param read on a fresh object); the key as
        # TreeManager.child_oid() makes it, without its frame in the two common cases:
        # the object's oid is known, or it is a map item (the map's oid is known).
        # tests/test_params.py compares the two ways.
        mng = parent._mng
        name = self.name
        oid = mng._oid
        parent_oid = None if oid is not None else mng.parent._mng._oid  # type: ignore[union-attr]
        if oid is not None and oid != "/":
            key = f"{oid}/{name}"
        elif parent_oid is not None and parent_oid != "/":
            key = f"{parent_oid}/{mng.name}/{name}"
        else:
            key = mng.child_oid(name)
        value = _new(value_class)
        value._parent = parent
        value._relation = self
        value._key = key
        value._store = mng.store
        return value

    if not TYPE_CHECKING:  # Relation.__get__'s overloads type it

        def __get__(self, obj, owner=None):
            # Relation.__get__ for the common case, in one frame (issue 18's W1_cold: the
            # first read of a param on a fresh object): a core manager (nothing can
            # override the param), a value class that keeps Value's constructor, and
            # this class's way to create and cache (a subclass that changes it gets
            # Relation.__get__ back). create() inlined: a frame is 5% of a cold read.
            # tests/test_params.py compares the two ways.
            if obj is None:
                return self
            value_class = self._value_class
            up = obj._gf_up
            if up is not None and value_class._gf_plain_init and not _probing:
                # W1_cold: a map item built without its manager (its manager would be a
                # plain TreeManager): the key from the map's oid, no manager made.
                name = self.name
                value = _new(value_class)
                value._parent = obj
                value._relation = self
                value._key = f"{up._oid or up.oid}/{obj._gf_name}/{name}"
                value._store = up.store
                _setattr(obj, name, value)
                return value
            mng = obj._mng
            if type(mng) is not TreeManager or not value_class._gf_plain_init or _probing:
                return Relation.__get__(self, obj, owner)
            name = self.name
            oid = mng._oid
            parent_oid = None if oid is not None else mng.parent._mng._oid
            if oid is not None and oid != "/":
                key = f"{oid}/{name}"
            elif parent_oid is not None and parent_oid != "/":
                key = f"{parent_oid}/{mng.name}/{name}"
            else:
                key = mng.child_oid(name)
            value = _new(value_class)
            value._parent = obj
            value._relation = self
            value._key = key
            value._store = mng.store
            _setattr(obj, name, value)  # stateless: no first-one-wins needed
            return value

    # -- validation -----------------------------------------------------------------------

    def _get_adapter(self) -> TypeAdapter[Any]:
        if self._adapter is None:
            from pydantic import TypeAdapter

            self._adapter = TypeAdapter(self.value_type)
        return self._adapter

    def validate(self, oid: str, value: Any) -> JSONValue:
        """Check ``value`` for the value at ``oid``; return what to store.

        :raises InvalidValueError: naming the oid, what was expected and what came.
        """
        vt = self.value_type
        if vt is None or (type(value) is vt and vt in _SIMPLE):
            result = value
        else:
            from pydantic import ValidationError

            adapter = self._get_adapter()
            try:
                result = adapter.validate_python(value, strict=True)
            except ValidationError as exc:
                raise InvalidValueError(oid, self._describe_error(oid, value, exc)) from None
            if not self._native:
                result = adapter.dump_python(result, mode="json")
        if type(result) is float and not math.isfinite(result):
            problem: str | None = f"{result!r} cannot be stored (JSON has no NaN or infinity)"
        else:
            problem = json_error(result)
        if problem:
            raise InvalidValueError(
                oid, f"{type(self).__name__} {oid}: {problem}; nothing was written"
            )
        return result

    def _describe_error(self, oid: str, value: Any, exc: Any) -> str:
        first = exc.errors()[0]
        where = "".join(f"[{part!r}]" for part in first.get("loc", ()))
        got = short_repr(value)
        return (
            f"{type(self).__name__} {oid}: {first['msg']}{' at ' + where if where else ''} "
            f"(got {got} of type {type(value).__name__}); nothing was written"
        )

    def from_json(self, raw: JSONValue) -> T:
        """Turn a stored JSON value back into the param's Python type."""
        return self._get_adapter().validate_python(raw)  # type: ignore[no-any-return]

    def renamed(self: P, name: str) -> P:
        # The manager copies a factory's unnamed param once per object (issue 5's
        # W2_overhead): slot by slot rather than Relation's loop, unless a subclass
        # added slots of its own (tests/test_params.py checks every slot is copied).
        if type(self)._gf_slots is not _PARAM_SLOTS:
            return super().renamed(name)
        clone = _new(type(self))
        clone.name = name
        clone.index = self.index
        clone._hints = self._hints
        clone._owner = None
        clone._default = self._default
        clone._factory = self._factory
        clone.value_type = self.value_type
        clone._watched = self._watched
        clone._adapter = self._adapter
        clone._native = self._native
        clone._value_class = self._value_class
        return clone


_PARAM_SLOTS = Param._gf_slots
_new = object.__new__
#: Stores an attribute past Object.__setattr__ (which refuses relation names).
_setattr = object.__setattr__


def _simple_init(value_type: type[Any], empty: Any) -> Callable[..., None]:
    """The constructor of a param of a simple type: for a literal default of that type
    and no index, what ``Param.__init__`` sets, without its checks (none can fail
    here), in this one frame: the common case of factories, which build a param per
    object (issues 5 and 18's W2_overhead); else ``Param.__init__``."""

    def init(self: Param[Any], default: Any = empty, *, index: int | None = UNSET) -> None:
        if type(default) is value_type and index is UNSET:
            self.name = ""
            self.index = UNSET
            self._hints = NO_HINTS
            self._owner = None
            self._default = default
            self._factory = False
            self.value_type = value_type
            self._watched = False
            self._adapter = None
            self._native = True
            self._value_class = type(self)._gf_value_class
        else:
            Param.__init__(self, default, value_type, index=index)

    init.__name__ = "__init__"
    kind = value_type.__name__  # for help() and docs: the signature type checkers see
    init.__annotations__ = {
        **init.__annotations__,
        "default": f"{kind} | Callable[[], {kind}] | None",
    }
    return init


class IntValue(ParamValue[int]):
    """The value of an :class:`IntParam`: an int that is also an atomic counter.

    ``incr()`` and ``decr()`` change the stored int in the store itself, one atomic
    store operation (safe across processes and threads), and return the new value.

    As in kabaret, the store counts a value never written from 0, whatever the param's
    default: ``IntParam(10)`` reads 10, then ``incr()`` gives 1. Counting from the
    default instead would take a read and a write that stay atomic together on every
    store, which the store protocol's single ``incr`` cannot give (issue 13); counters
    are declared with a default of 0, or set before they count.
    """

    __slots__ = ()

    VALUE_TYPE: ClassVar[Any] = int

    def incr(self, by: int = 1) -> int:
        """Add ``by`` to the stored value, atomically; return the new value."""
        return self._add(by, by, "incr")

    def decr(self, by: int = 1) -> int:
        """Subtract ``by`` from the stored value, atomically; return the new value."""
        return self._add(by, -by if type(by) is int else by, "decr")

    def _add(self, by: Any, amount: Any, verb: str) -> int:
        if type(amount) is not int:
            raise InvalidValueError(
                self._key, f"{self._key}: {verb}(by) takes an int, not {by!r}; nothing was written"
            )
        new = self._store.incr(self._key, amount)
        self._changed()
        return new


class IntParam(Param[int]):
    """An ``int`` param (``bool`` is refused: it is not a number of frames).

    Its values are :class:`IntValue`: counters with ``incr()`` and ``decr()``.
    """

    __slots__ = ()

    _gf_value_class: ClassVar[type[ParamValue[Any]]] = IntValue

    if TYPE_CHECKING:  # its values are IntValue, counters included, for type checkers too

        @overload
        def __get__(self, obj: None, owner: type[Any] | None = None) -> IntParam: ...

        @overload
        def __get__(self, obj: Object, owner: type[Any] | None = None) -> IntValue: ...

        def __get__(self, obj: Object | None, owner: type[Any] | None = None) -> Any: ...

    if TYPE_CHECKING:

        def __init__(
            self, default: int | Callable[[], int] | None = 0, *, index: int | None = UNSET
        ) -> None: ...

    else:
        __init__ = _simple_init(int, 0)


class FloatParam(Param[float]):
    """A ``float`` param; ints are accepted and stored as given."""

    __slots__ = ()

    if TYPE_CHECKING:

        def __init__(
            self, default: float | Callable[[], float] | None = 0.0, *, index: int | None = UNSET
        ) -> None: ...

    else:
        __init__ = _simple_init(float, 0.0)


class BoolParam(Param[bool]):
    """A ``bool`` param (``0``/``1`` and ``"yes"`` are refused)."""

    __slots__ = ()

    if TYPE_CHECKING:

        def __init__(
            self, default: bool | Callable[[], bool] | None = False, *, index: int | None = UNSET
        ) -> None: ...

    else:
        __init__ = _simple_init(bool, False)


class StringParam(Param[str]):
    """A ``str`` param."""

    __slots__ = ()

    if TYPE_CHECKING:

        def __init__(
            self, default: str | Callable[[], str] | None = "", *, index: int | None = UNSET
        ) -> None: ...

    else:
        __init__ = _simple_init(str, "")


class DictParam(Param[dict[str, Any]]):
    """A dict of JSON values with ``str`` keys; the default is a fresh empty dict."""

    __slots__ = ()

    def __init__(
        self,
        default: dict[str, Any] | Callable[[], dict[str, Any]] | None = dict,
        *,
        index: int | None = UNSET,
    ) -> None:
        super().__init__(default, dict[str, Any], index=index)


class SessionValue(Value[T]):
    """A per-session value: held by the session, never written to the store."""

    __slots__ = ()

    kind: ClassVar[str] = "session_param"

    def _values(self) -> dict[str, Any]:
        return self._parent._mng.root.session()._session_values

    def get(self) -> T:
        relation: SessionParam[T] = self._relation
        value = self._values().get(self._key, MISSING)
        return relation.default_value() if value is MISSING else value

    def set(self, value: T) -> None:
        relation: SessionParam[T] = self._relation
        if relation.value_type is not None:
            value = relation.validate_session(self._key, value)
        self._values()[self._key] = value
        self._changed()

    def revert_to_default(self) -> None:
        self._values().pop(self._key, None)
        self._changed()


class SessionParam(Param[T]):
    """A value that lives in the session only: each user's own, gone when it ends.

    Any Python object is accepted (nothing is stored); ``value_type`` still validates.
    """

    __slots__ = ()

    kind: ClassVar[str] = "session_param"

    def _check_default(self, default: Any) -> None:
        pass  # never stored, so any default will do

    def create(self, parent: Object) -> SessionValue[T]:  # type: ignore[override]
        return SessionValue(parent, self)

    def validate_session(self, oid: str, value: Any) -> Any:
        from pydantic import ValidationError

        try:
            return self._get_adapter().validate_python(value, strict=True)
        except ValidationError as exc:
            raise InvalidValueError(oid, self._describe_error(oid, value, exc)) from None
