"""How the command line reads a typed value: it refuses exactly what the Python API
refuses (issue 12: ``graftflow set .../frame_out true`` stored 1)."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest

import graftflow as gf
from graftflow.plugins._cli_input import parse_value


class Typed(gf.Object):
    frames = gf.IntParam(1)
    fps = gf.FloatParam(24.0)
    ready = gf.BoolParam(False)
    label = gf.StringParam("")
    status = gf.Param("todo", Literal["todo", "wip", "done"])
    counts = gf.Param([], list[int])
    maybe = gf.Param(None, int | None)
    anything = gf.Param()


@pytest.fixture
def typed() -> Typed:
    return gf.Flow().create_project("p", Typed)


JSON_TEXTS = ["12", "-3", " 7 ", "true", "false", "1e3", "1.0", "2.5", "null", "[1, 2]", '"12"',
              '["a"]', '{"a": 1}', '"wip"', '"x"']  # fmt: skip


def python_takes(value: gf.Value[Any], candidate: Any) -> bool:
    """Whether ``value.set(candidate)`` is accepted (then undone)."""
    before = value.get()
    try:
        value.set(candidate)
    except gf.InvalidValueError:
        return False
    value.set(before)
    return True


@pytest.mark.parametrize("param", ["frames", "fps", "ready", "status", "counts", "maybe"])
@pytest.mark.parametrize("text", JSON_TEXTS)
def test_json_text_is_taken_exactly_when_python_takes_its_value(
    typed: Typed, param: str, text: str
) -> None:
    value = getattr(typed, param)
    expected = json.loads(text)
    if python_takes(value, expected):
        assert parse_value(value, text) == expected
    else:
        with pytest.raises(gf.InvalidValueError, match=rf"^/p/{param}: '.*' is not "):
            parse_value(value, text)


@pytest.mark.parametrize(
    ("param", "text", "value"),
    [
        ("frames", "1_000", 1000),
        ("ready", "yes", True),
        ("ready", "off", False),
        ("status", "wip", "wip"),
        ("label", "true", "true"),  # a str param takes the text as it is
        ("label", "12", "12"),
        ("anything", "not json", "not json"),
        ("anything", "[1, 2]", [1, 2]),
    ],
)
def test_a_bare_word_is_read_as_a_form_field(
    typed: Typed, param: str, text: str, value: Any
) -> None:
    """Text that is not JSON is read the way a form field is; str params take text."""
    assert parse_value(getattr(typed, param), text) == value


@pytest.mark.parametrize(("param", "text"), [("frames", "twelve"), ("status", "finished")])
def test_a_bare_word_the_type_refuses_is_one_clear_error(
    typed: Typed, param: str, text: str
) -> None:
    with pytest.raises(gf.InvalidValueError, match=rf"^/p/{param}: {text!r} is not "):
        parse_value(getattr(typed, param), text)
