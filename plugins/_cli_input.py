"""Reading values typed on a command line through the type of the value they go to.

The core validates strictly (``IntParam().set("12")`` and ``IntParam().set(True)`` are
refused), and the command line refuses exactly what the Python API refuses. The rule a
user can predict: text that is JSON is read as JSON and must then be a value the param
takes as it is (``12`` for an int; ``true``, ``1e3`` or ``1.0`` are a bool and floats,
refused for an int, as in Python); a bare word that is not JSON is read the way pydantic
reads a form field (``yes`` for a bool, a name for a literal, ``1_000`` for an int).
Anything with structure (a list, a dict, ``null``) is written as JSON. An untyped param
takes JSON, or the text itself when it is not JSON.
"""

from __future__ import annotations

import json
from typing import Any, Literal, get_args, get_origin

from graftflow import InvalidValueError, Param, Value

__all__ = ["parse_value"]


def parse_value(value: Value[Any], text: str) -> Any:
    """Convert ``text`` for ``value`` (a param's or session param's handle).

    :raises InvalidValueError: naming the oid, what the param expects and the text.
    """
    relation = value.relation
    value_type = relation.value_type if isinstance(relation, Param) else None
    if value_type is None:
        try:
            return json.loads(text)
        except ValueError:
            return text
    if value_type is str:
        return text
    quick = _plain_text(value_type, text)
    if quick is not None:
        return quick
    from pydantic import TypeAdapter, ValidationError

    adapter: TypeAdapter[Any] = TypeAdapter(value_type)
    try:
        decoded = json.loads(text)
    except ValueError:
        decoded = _NOT_JSON
    try:
        if decoded is not _NOT_JSON:
            # As the Python API would take it: strictly (no bool for an int, no float).
            return adapter.validate_python(decoded, strict=True)
        return adapter.validate_python(text)  # a bare word: "yes", "wip", "1_000"
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        raise InvalidValueError(
            value.oid(),
            f"{value.oid()}: {text!r} is not {_type_name(value_type)} ({problem})",
        ) from None


#: json.loads() found no JSON in the text.
_NOT_JSON: Any = object()


#: The characters of a number written the plain way (pydantic reads more: " 5",
#: "1_000", "1.0" for an int; those go to pydantic itself).
_NUMBER = frozenset("0123456789+-.eE")
#: pydantic's words for booleans (compared in lower case), but for "1" and "0": those
#: are JSON ints, which a bool param refuses as ``BoolParam.set(1)`` does.
_BOOLS = {
    **dict.fromkeys(("on", "t", "true", "y", "yes"), True),
    **dict.fromkeys(("off", "f", "false", "n", "no"), False),
}


def _plain_text(value_type: Any, text: str) -> int | float | bool | None:
    """What the rule above reads from ``text`` for an int, float or bool param, when
    the text is the plain spelling of one; ``None`` otherwise (the slow path decides).

    The everyday ``graftflow set OID 1090`` then never imports pydantic, a third of
    the command's time (issue 15).
    """
    if value_type is bool:
        return _BOOLS.get(text.lower())
    if not text or not _NUMBER.issuperset(text):
        return None
    digits = text[1:] if text[0] in "+-" else text
    if value_type is int and digits.isdigit():
        return int(text)
    if value_type is float:
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _type_name(value_type: Any) -> str:
    if get_origin(value_type) is Literal:
        return "one of " + ", ".join(repr(choice) for choice in get_args(value_type))
    name = getattr(value_type, "__name__", None)
    if name and not get_args(value_type):
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
    return repr(value_type)
