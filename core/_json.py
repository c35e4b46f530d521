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

__all__ = ["MAX_DEPTH", "JSONValue", "dumps", "dumps_utf8", "json_error", "loads"]

#: The shape of a stored value (``Any`` because JSON nests without bound).
JSONValue = Any

_EXACT_SCALARS = frozenset({str, int, bool, type(None)})

_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_ascii_encoder = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


#: How deep containers may nest. JSON itself has no limit, but every JSON library reads
#: and writes with recursion (Python's stops near 1,000 levels): past this, a value could
#: be stored and never read back.
MAX_DEPTH = 500


def json_error(value: object) -> str | None:
    """Return why ``value`` is not a JSON value (with where inside it), or ``None``.

    Fast for scalars, which are most values in a flow; walks containers without
    recursion, so a container that contains itself, or nests absurdly deep, is an
    answer (``"value[0] contains itself"``), never a ``RecursionError``.
    """
    kind = type(value)
    if kind in _EXACT_SCALARS:
        return None
    if kind is float:
        return None if math.isfinite(value) else f"{value!r} is not allowed in JSON"  # type: ignore[arg-type]
    return _walk(value)


class _Exit:
    """Marks, on the walk's stack, where a container's items end."""

    __slots__ = ("ident",)

    def __init__(self, ident: int) -> None:
        self.ident = ident


#: Where an item sits: ``None`` for the value itself, else (where its container sits, the
#: key or index in it). Built as the walk goes, made into text only for an error.
_Where = tuple[Any, Any] | None


def _path(where: _Where) -> str:
    steps: list[str] = []
    while where is not None:
        where, step = where
        steps.append(f"[{step!r}]")
    steps.reverse()
    if len(steps) > 8:  # a very deep place: its start and its end say enough
        return f"value{''.join(steps[:3])}...{''.join(steps[-2:])} ({len(steps)} levels down)"
    return "value" + "".join(steps)


def _walk(value: object) -> str | None:
    stack: list[tuple[object, _Where, int]] = [(value, None, 0)]
    open_: set[int] = set()  # the containers on the path to the current item
    while stack:
        item, where, depth = stack.pop()
        if type(item) is _Exit:
            open_.discard(item.ident)
            continue
        if isinstance(item, bool | str | int) or item is None:
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return f"{_path(where)} is {item!r}, which JSON cannot hold"
            continue
        is_dict = isinstance(item, dict)
        if not is_dict and not isinstance(item, list | tuple):
            return f"{_path(where)} is a {type(item).__name__}, which is not a JSON value"
        ident = id(item)
        if ident in open_:
            return f"{_path(where)} contains itself (a cycle), which JSON cannot hold"
        if depth >= MAX_DEPTH:
            return (
                f"{_path(where)} nests more than {MAX_DEPTH} levels deep, which no JSON "
                "reader could read back"
            )
        open_.add(ident)
        stack.append((_Exit(ident), None, 0))
        # Reversed, so the first problem in reading order is the one reported.
        if is_dict:
            entries = list(item.items())  # type: ignore[attr-defined]
            for key, _ in entries:
                if not isinstance(key, str):
                    return (
                        f"{_path(where)} has the key {key!r} of type {type(key).__name__}; "
                        "JSON object keys must be str"
                    )
            children: list[tuple[Any, Any]] = entries
        else:
            children = list(enumerate(item))  # type: ignore[arg-type]
        for step, child in reversed(children):
            if type(child) in _EXACT_SCALARS:
                continue  # most items: nothing to look into, nothing to push
            stack.append((child, (where, step), depth + 1))
    return None


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
