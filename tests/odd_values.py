"""Values no store may take: containers that contain themselves, or nest absurdly deep."""

from __future__ import annotations

from typing import Any


def contains_itself() -> list[Any]:
    loop: list[Any] = [1]
    loop.append(loop)
    return loop


def dict_contains_itself() -> dict[str, Any]:
    loop: dict[str, Any] = {"a": 1, "b": {}}
    loop["b"]["c"] = loop
    return loop


def nested(depth: int) -> list[Any]:
    """A list ``depth`` levels deep (built without recursion)."""
    outer: list[Any] = []
    inner = outer
    for _ in range(depth - 1):
        deeper: list[Any] = []
        inner.append(deeper)
        inner = deeper
    return outer
