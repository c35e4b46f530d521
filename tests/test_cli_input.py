"""Text typed on the command line, read through a param's type (``graftflow set``): it
refuses exactly what the Python API refuses (issue 12: ``graftflow set .../frame_out
true`` stored 1), and its quick path (no pydantic import) reads as the full rule does."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

import graftflow as gf
from graftflow.plugins._cli_input import _plain_text, parse_value


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


JSON_TEXTS = ["12", "1", "0", "-3", " 7 ", "true", "false", "1e3", "1.0", "2.5", "null",
              "[1, 2]", '"12"', '["a"]', '{"a": 1}', '"wip"', '"x"']  # fmt: skip


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


class Knobs(gf.Object):
    count = gf.IntParam(0)
    ratio = gf.FloatParam(0.0)
    enabled = gf.BoolParam(False)
    tags = gf.Param([], value_type=list[str])
    anything = gf.Param(None)


@pytest.fixture
def knobs() -> Knobs:
    return gf.Flow().create_project("k", Knobs)


def rule_reads(value_type: type, text: str) -> Any:
    """The documented rule, through pydantic: JSON text is taken as the Python API takes
    its value (strictly), a bare word as a form field."""
    adapter: TypeAdapter[Any] = TypeAdapter(value_type)
    try:
        try:
            decoded = json.loads(text)
        except ValueError:
            return adapter.validate_python(text)
        return adapter.validate_python(decoded, strict=True)
    except ValidationError:
        return ValidationError


NUMBERS = st.from_regex(r"[-+]?[0-9]{1,12}(\.[0-9]{0,6})?([eE][-+]?[0-9]{1,2})?", fullmatch=True)
WORDS = st.sampled_from(["yes", "No", "TRUE", "t", "F", "on", "OFF", "1", "0", "y", "n", "maybe"])


@given(st.sampled_from([int, float, bool]), st.one_of(NUMBERS, WORDS, st.text(max_size=8)))
@example(int, "+4")
@example(float, ".5")
@example(float, "5.")
@example(bool, "Yes")
@example(bool, "1")
@example(bool, "0")
def test_the_quick_path_reads_as_the_rule_does(value_type: type, text: str) -> None:
    """Whatever the pydantic-free path reads, the full rule reads the same (value and
    type); what it leaves alone goes to pydantic ("1" for a bool: a JSON int, refused)."""
    quick = _plain_text(value_type, text)
    if quick is not None:
        expected = rule_reads(value_type, text)
        assert quick == expected
        assert type(quick) is type(expected)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("count", "1090", 1090),
        ("count", " 5", 5),  # pydantic's own reading, beyond the quick path
        ("count", "1_000", 1000),
        ("ratio", "2.5e1", 25.0),
        ("enabled", "yes", True),
        ("enabled", "Off", False),
        ("tags", '["a", "b"]', ["a", "b"]),
        ("anything", '{"a": 1}', {"a": 1}),
        ("anything", "plain words", "plain words"),
    ],
)
def test_parse_value(knobs: Knobs, name: str, text: str, expected: Any) -> None:
    """Text converts as a form field does; structure is JSON; an untyped param takes
    JSON or the text itself."""
    value = parse_value(getattr(knobs, name), text)
    assert value == expected
    assert type(value) is type(expected)


def test_refused_text_names_the_oid(knobs: Knobs) -> None:
    """Text the type refuses is one InvalidValueError naming the oid and the type."""
    with pytest.raises(gf.InvalidValueError, match=r"^/k/count: 'many' is not an int \("):
        parse_value(knobs.count, "many")
