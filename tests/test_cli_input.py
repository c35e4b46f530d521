"""Text typed on the command line, read through a param's type (``graftflow set``)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

import graftflow as gf
from graftflow.plugins._cli_input import _plain_text, parse_value


class Knobs(gf.Object):
    count = gf.IntParam(0)
    ratio = gf.FloatParam(0.0)
    enabled = gf.BoolParam(False)
    tags = gf.Param([], value_type=list[str])
    anything = gf.Param(None)


@pytest.fixture
def knobs() -> Knobs:
    return gf.Flow().create_project("k", Knobs)


def pydantic_reads(value_type: type, text: str) -> Any:
    try:
        return TypeAdapter(value_type).validate_python(text)
    except ValidationError:
        return ValidationError


NUMBERS = st.from_regex(r"[-+]?[0-9]{1,12}(\.[0-9]{0,6})?([eE][-+]?[0-9]{1,2})?", fullmatch=True)
WORDS = st.sampled_from(["yes", "No", "TRUE", "t", "F", "on", "OFF", "1", "0", "y", "n", "maybe"])


@given(st.sampled_from([int, float, bool]), st.one_of(NUMBERS, WORDS, st.text(max_size=8)))
@example(int, "+4")
@example(float, ".5")
@example(float, "5.")
@example(bool, "Yes")
def test_the_quick_path_reads_as_pydantic_does(value_type: type, text: str) -> None:
    """Whatever the pydantic-free path reads, pydantic reads the same (value and type);
    what it leaves alone goes to pydantic."""
    quick = _plain_text(value_type, text)
    if quick is not None:
        expected = pydantic_reads(value_type, text)
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
