"""Reading values typed on a command line through the type of the value they go to.

The core validates strictly (``IntParam().set("12")`` is refused), so converting text is
the caller's job. The rule a user can predict: text goes to the param's type the way
pydantic reads a form field (``12`` for an int, ``yes``/``true`` for a bool, a name for
a literal); anything that needs structure (a list, a dict, ``null``) is written as JSON.
An untyped param takes JSON, or the text itself when it is not JSON.
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
        result = adapter.validate_python(text)  # lax: "12" -> 12, "yes" -> True
    except ValidationError as first:
        try:
            result = adapter.validate_json(text)  # structure: [1, 2], {"a": 1}, null
        except ValidationError:
            problem = first.errors()[0]["msg"]
            raise InvalidValueError(
                value.oid(),
                f"{value.oid()}: {text!r} is not {_type_name(value_type)} ({problem})",
            ) from None
    return result


#: The characters of a number written the plain way (pydantic reads more: " 5",
#: "1_000", "1.0" for an int; those go to pydantic itself).
_NUMBER = frozenset("0123456789+-.eE")
#: pydantic's words for booleans (compared in lower case).
_BOOLS = {
    **dict.fromkeys(("1", "on", "t", "true", "y", "yes"), True),
    **dict.fromkeys(("0", "off", "f", "false", "n", "no"), False),
}


def _plain_text(value_type: Any, text: str) -> int | float | bool | None:
    """What pydantic would read from ``text`` for an int, float or bool param, when
    the text is the plain spelling of one; ``None`` otherwise.

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
