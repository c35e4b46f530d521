"""JSON values: the only thing stores hold.

Values are JSON so that any store (memory, SQLite, Redis) gives back exactly what was
written, any language can read a flow, and nothing stored can execute code when read
(never pickle). What JSON would silently change is refused instead: non-string dict
keys (``{1: x}`` would come back as ``{"1": x}``), NaN and infinities, sets, bytes,
arbitrary objects. Tuples are accepted and come back as lists, as in every JSON library.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["JSONValue", "dumps", "dumps_utf8", "json_error", "loads"]

#: The shape of a stored value (``Any`` because JSON nests without bound).
JSONValue = Any

_EXACT_SCALARS = frozenset({str, int, bool, type(None)})

_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_ascii_encoder = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def json_error(value: object) -> str | None:
    """Return why ``value`` is not a JSON value (with where inside it), or ``None``.

    Fast for scalars, which are most values in a flow; walks containers.
    """
    kind = type(value)
    if kind in _EXACT_SCALARS:
        return None
    if kind is float:
        return None if math.isfinite(value) else f"{value!r} is not allowed in JSON"  # type: ignore[arg-type]
    return _walk(value, "value")


def _walk(value: object, path: str) -> str | None:
    if isinstance(value, bool | str | int) or value is None:
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path} is {value!r}, which JSON cannot hold"
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return (
                    f"{path} has the key {key!r} of type {type(key).__name__}; "
                    "JSON object keys must be str"
                )
            problem = _walk(item, f"{path}[{key!r}]")
            if problem:
                return problem
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            problem = _walk(item, f"{path}[{index}]")
            if problem:
                return problem
        return None
    return f"{path} is a {type(value).__name__}, which is not a JSON value"


def dumps(value: JSONValue) -> str:
    """Encode a value already checked by :func:`json_error` (compact, UTF-8 kept)."""
    return _encoder.encode(value)


def dumps_utf8(value: JSONValue) -> str:
    """Like :func:`dumps`, but always valid UTF-8: a lone surrogate (which Python strings
    may hold and UTF-8 cannot) makes the whole text ASCII with ``\\u`` escapes."""
    text = _encoder.encode(value)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return _ascii_encoder.encode(value)
    return text


loads = json.loads


def dumps_checked(key: str, value: object) -> str:
    """Encode ``value`` for a store that keeps JSON text, refusing what is not JSON.

    :raises InvalidValueError: naming ``key`` and what is wrong inside the value.
    """
    from ._errors import InvalidValueError

    problem = json_error(value)
    if problem is not None:
        raise InvalidValueError(key, f"{key}: {problem}; store JSON values only")
    return dumps_utf8(value)
