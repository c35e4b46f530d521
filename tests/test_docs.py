"""Every Python example in README.md and docs/ runs, as written, in a fresh interpreter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def examples() -> list[Any]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for number, match in enumerate(FENCE.finditer(text), start=1):
            line = text.count("\n", 0, match.start()) + 1
            found.append(
                pytest.param(match.group(1), id=f"{page.relative_to(ROOT)}:{line}#{number}")
            )
    return found


def test_there_are_examples() -> None:
    """The docs carry examples (so the parametrized test below is never empty)."""
    assert len(examples()) >= 4


@pytest.mark.parametrize("code", examples())
def test_example_runs(code: str, run_python: Any) -> None:
    """A documented example runs without error in a clean directory."""
    run_python(code)
