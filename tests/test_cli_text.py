"""Text laid out for people (issue 15): at 80 columns, or any width, no word is split."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import click
import pytest
from cli_support import Run, assert_ok
from hypothesis import given
from hypothesis import strategies as st

from graftflow.plugins._cli_text import NBSP, Node, table, tree, wrap

WORDS = st.lists(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Z", "C"]), min_size=1),
    max_size=30,
)


def fits(line: str, width: int) -> bool:
    """A line fits, or is one word alone (too long for any line: never cut)."""
    return len(line) <= width or len(line.split()) == 1


@given(WORDS, st.integers(min_value=1, max_value=100))
def test_wrap_keeps_every_word_whole(words: list[str], width: int) -> None:
    lines = wrap(" ".join(words), width)
    assert " ".join(lines).split() == words
    assert all(fits(line, width) for line in lines)


@given(WORDS, st.integers(min_value=40, max_value=120))
def test_table_keeps_every_word_whole(words: list[str], width: int) -> None:
    """Names in the first columns stay on their line; the last column wraps by words,
    or goes under its row when too narrow for one of them."""
    rows = [["a_rather_long_relation_name", "param", " ".join(words)], ["x", "map", "short"]]
    lines = table(rows, header=["name", "kind", "value"], width=width, indent=2)
    plain = [click.unstyle(line) for line in lines]
    expected = ["name", "kind", "value", *rows[0][:2], *words, "x", "map", "short"]
    assert " ".join(plain).split() == expected
    assert all(fits(line, width) or line.startswith("  a_rather_long") for line in plain)


def test_glued_words_never_part_and_print_as_spaces() -> None:
    """A no-break space keeps two words on one line, and is printed as a space."""
    lines = wrap(f"aaaa bbbb ⇐{NBSP}origin", 9)
    assert lines == ["aaaa bbbb", "⇐ origin"]


def test_styles_reach_a_terminal_only() -> None:
    """Styled spans carry ANSI codes, which click.echo drops off a terminal."""
    (line,) = wrap([("12", "green"), (" ⇐ ext", "magenta")], 80)
    assert click.unstyle(line) == "12 ⇐ ext"
    assert line != "12 ⇐ ext"


def test_tree_wraps_labels_under_themselves() -> None:
    root = Node("/p Project")
    films = root.add("films map Films · 2 items")
    films.add("f01 Film " + "word " * 12)
    root.add("last")
    # The label of f01 has 40 - 4 (its guide) - 8 (the indent of its next lines) = 28
    # columns on each line.
    assert [click.unstyle(line) for line in tree(root, width=40)] == [
        "/p Project",
        "├── films map Films · 2 items",
        "│   └── f01 Film word word word word",
        "│           word word word word word",
        "│           word word word",
        "└── last",
    ]


# -- the commands, at 80 columns and at 300 ------------------------------------------------

GUIDES = set("│├└─")
LAMP_SHOT = "/demo/films/f02/sequences/sq010/shots/sh0010"


def words_of(text: str) -> Counter[str]:
    return Counter(word for word in text.split() if not set(word) <= GUIDES)


@pytest.mark.parametrize(
    "args",
    [
        ["demo"],
        ["ls", LAMP_SHOT],
        ["extensions"],
        ["extensions", LAMP_SHOT],
        ["doctor"],
    ],
    ids=" ".join,
)
def test_narrow_output_splits_no_word(
    args: list[str], run: Run, workdir: Path, demo_db: Path
) -> None:
    """At 80 columns (what a pipe gets) every line fits, unless it is one word longer
    than the line, and the words are exactly those of the wide output: none was cut."""
    shutil.copy(demo_db, workdir / "demo.db")
    narrow = run("--store", "sqlite:///demo.db", *args, env={"COLUMNS": "80"})
    wide = run("--store", "sqlite:///demo.db", *args, env={"COLUMNS": "300"})
    assert_ok(narrow)
    assert_ok(wide)
    assert words_of(narrow.stdout) == words_of(wide.stdout)
    too_long = [
        line
        for line in narrow.stdout.splitlines()
        if not fits(line.strip(), 80 - (len(line) - len(line.lstrip())))
    ]
    assert too_long == []
    # Factories are named module:qualname, never with <locals> steps.
    assert "<locals>" not in narrow.stdout
    if args == ["extensions"]:
        assert re.search(
            r"^\s+graftflow\.plugins\.demo:lamp_light_handles$",
            narrow.stdout,
            re.M,
        )
