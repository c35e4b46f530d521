"""The documentation does what it says.

- Every ```python block of README.md and of every page under docs/ (recursively) runs,
  as written, in a fresh interpreter.
- A block titled with a file of the repository (```toml title="docs/examples/...")
  shows that file exactly, so a guide cannot drift from the code it walks through.
- Every ``$ graftflow ...`` line of a ```console block runs against a real store and
  exits 0 (the getting-started tour and the guides' commands).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import graftflow_command

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: A fenced block: its language, its attributes (``title="..."``) and its text.
FENCE = re.compile(r"^```(\w+)((?:[ \t][^\n]*)?)\n(.*?)^```", re.MULTILINE | re.DOTALL)
TITLE = re.compile(r'title="([^"]+)"')
#: The example extension distribution the docs walk through (tox installs it).
EXAMPLE_DIST = "graftflow-review-example"
EXAMPLE_MODULE = "graftflow_review_example"


def blocks(language: str) -> list[tuple[str, int, int, str, str]]:
    """(page, line, number on the page, attributes, text) of every block in ``language``."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        number = 0
        for match in FENCE.finditer(text):
            if match.group(1) != language:
                continue
            number += 1
            line = text.count("\n", 0, match.start()) + 1
            name = str(page.relative_to(ROOT))
            found.append((name, line, number, match.group(2).strip(), match.group(3)))
    return found


def examples() -> list[Any]:
    """Every Python block, with the files the page showed before it (see page_files)."""
    found = []
    shown: dict[str, dict[str, str]] = {}
    for page, line, number, attributes, code in blocks("python"):
        files = shown.setdefault(page, {})
        found.append(pytest.param(code, dict(files), id=f"{page}:{line}#{number}"))
        title = TITLE.search(attributes)
        if title and not (ROOT / title.group(1)).exists():
            files[title.group(1)] = code
    return found


def page_files() -> dict[str, dict[str, str]]:
    """The files pages show, by page: Python blocks titled with a file name that is not
    one of the repository (README's ``studio_models.py``). A reader saves them to run
    the page's later blocks and commands; the tests write them where those run."""
    files: dict[str, dict[str, str]] = {}
    for page, _, _, attributes, code in blocks("python"):
        title = TITLE.search(attributes)
        if title and not (ROOT / title.group(1)).exists():
            files.setdefault(page, {})[title.group(1)] = code
    return files


def require_example_distribution() -> None:
    """Skip loudly (fail on CI) when the example distribution is not installed."""
    try:
        importlib.metadata.version(EXAMPLE_DIST)
    except importlib.metadata.PackageNotFoundError:
        message = (
            f"the example distribution {EXAMPLE_DIST!r} is not installed: run the suite "
            "with `tox` (it installs docs/examples/graftflow-review-example)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(f"NOT TESTED: {message}")


def test_there_are_examples() -> None:
    """The docs carry examples (so the parametrized test below is never empty)."""
    assert len(examples()) >= 4


def test_every_page_is_collected() -> None:
    """Pages in sub-folders of docs/ are read too (the guides and the reference)."""
    names = {str(page.relative_to(ROOT)) for page in PAGES}
    assert {"docs/guides/shipping-a-package.md", "docs/getting-started.md"} <= names


@pytest.mark.parametrize(("code", "files"), examples())
def test_example_runs(code: str, files: dict[str, str], run_python: Any, tmp_path: Path) -> None:
    """A documented example runs without error in a clean directory, beside the files
    its page showed before it."""
    # The shipping guide's examples use the installed distribution, not a copy.
    if EXAMPLE_MODULE in code or ("graftflow.plugins.demo" in code and "review" in code):
        require_example_distribution()
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    run_python(code)


def test_pages_agree_on_their_files() -> None:
    """A file two pages show (README and getting started) is the same file in both."""
    seen: dict[str, str] = {}
    for files in page_files().values():
        for name, text in files.items():
            assert seen.setdefault(name, text) == text, name
    assert {"studio_models.py", "make_film.py"} <= set(seen)


def test_migration_examples_check_their_outcome() -> None:
    """Every Python block of the migration guide asserts what it claims (issue 13): a
    port that runs but does something else must fail, not pass silently."""
    found = [
        (line, code) for page, line, _, _, code in blocks("python") if page == "docs/migration.md"
    ]
    assert len(found) >= 20
    silent = [line for line, code in found if not re.search(r"^\s*assert ", code, re.M)]
    assert silent == []


def test_readme_links_resolve() -> None:
    """Every relative link of the README names a file or folder of the repository
    (mkdocs --strict checks the links between pages; nothing else checks these)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [t for t in re.findall(r"\]\(([^)]+)\)", text) if "://" not in t]
    assert len(targets) >= 10
    missing = [t for t in targets if not (ROOT / t.split("#")[0]).exists()]
    assert missing == []


def titled_blocks() -> list[Any]:
    found = []
    for language in ("python", "toml", "text"):
        for page, line, _, attributes, code in blocks(language):
            title = TITLE.search(attributes)
            if title and (ROOT / title.group(1)).is_file():
                found.append(pytest.param(title.group(1), code, id=f"{page}:{line}"))
    return found


def test_there_are_titled_blocks() -> None:
    """The shipping guide shows the example distribution's two files."""
    shown = {param.values[0] for param in titled_blocks()}
    assert shown == {
        "docs/examples/graftflow-review-example/pyproject.toml",
        "docs/examples/graftflow-review-example/graftflow_review_example.py",
    }


@pytest.mark.parametrize(("path", "code"), titled_blocks())
def test_titled_block_is_the_file(path: str, code: str) -> None:
    """A block titled with a file's path shows that file, character for character."""
    assert code == (ROOT / path).read_text(encoding="utf-8")


# -- the command lines -------------------------------------------------------------------


def command_lines() -> list[Any]:
    found = []
    for page, line, _, _, text in blocks("console"):
        for offset, command in enumerate(text.splitlines()):
            if command.startswith("$ graftflow "):
                args = shlex.split(command[len("$ graftflow ") :])
                found.append(pytest.param(args, id=f"{page}:{line + 1 + offset}"))
    return found


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A home directory of its own, where ``graftflow demo`` has already run once."""
    home = tmp_path_factory.mktemp("docs-home")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GRAFTFLOW_", "XDG_")) and k != "FORCE_COLOR"
    }
    env.update(
        COLUMNS="120",
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
    )
    box = {"command": graftflow_command(), "home": home, "env": env}
    demo = run_graftflow(box, ["demo"])
    assert demo.returncode == 0, demo.stderr
    # The pages' own files and scripts (README's first flow), as a reader runs them.
    for files in page_files().values():
        for name, text in files.items():
            (home / name).write_text(text, encoding="utf-8")
    for page, _, _, _, text in blocks("console"):
        for command in text.splitlines():
            if command.startswith("$ python "):
                args = [sys.executable, *shlex.split(command[len("$ python ") :])]
                done = subprocess.run(
                    args, capture_output=True, text=True, cwd=home, env=env, timeout=120
                )
                assert done.returncode == 0, f"{page}: {command}\n{done.stderr}"
    return box


def run_graftflow(box: dict[str, Any], args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [box["command"], *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=box["home"],
        env=box["env"],
        check=False,
    )


def test_there_are_command_lines() -> None:
    """The getting-started tour shows every command of the CLI at least once."""
    shown = {command_name(param.values[0]) for param in command_lines()}
    assert {"demo", "ls", "get", "set", "run", "extensions", "doctor"} <= shown


@pytest.mark.parametrize("args", command_lines())
def test_command_line_runs(args: list[str], sandbox: dict[str, Any]) -> None:
    """A documented ``graftflow`` command line exits 0 against the demo store."""
    import click

    from graftflow.plugins.cli import cli

    name = command_name(args)
    # get_command(), not cli.commands: plugins add theirs when asked (the commands hook).
    if cli.get_command(click.Context(cli), name) is None:
        pytest.skip(
            f"NOT TESTED: this build's graftflow has no {name!r} command yet "
            "(issue 4 item 1 adds it; the docs already show it)"
        )
    if name == "extensions" or any("review" in arg for arg in args):
        require_example_distribution()
    result = run_graftflow(sandbox, args)
    assert result.returncode == 0, (
        f"graftflow {shlex.join(args)}:\n{result.stdout}\n{result.stderr}"
    )
    if name != "set":  # every other command's point is what it prints
        assert result.stdout.strip(), f"graftflow {shlex.join(args)} printed nothing"


def command_name(args: list[str]) -> str:
    """The subcommand of a command line: the first word that is not a global option."""
    words = iter(args)
    for word in words:
        if word in ("--store", "--user", "--config", "--import"):
            next(words, None)
        elif not word.startswith("-"):
            return word
    raise AssertionError(f"no command in {args!r}")


def _shingles(text: str, size: int = 6) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9_.]+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


@pytest.mark.parametrize(
    "page", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "reference").glob("*.md"))
)
def test_reference_intro_said_once(page: str) -> None:
    """A reference page does not restate the module docstring mkdocstrings shows right
    below it (issue 15: the graftflow page said its intro three times)."""
    import importlib

    text = (ROOT / page).read_text(encoding="utf-8")
    found = re.search(r"^::: ([\w.]+)$", text, re.M)
    if found is None or found.group(1) == "mkdocs-click":
        return
    prose = text[: found.start()]
    docstring = importlib.import_module(found.group(1)).__doc__ or ""
    assert _shingles(prose) & _shingles(docstring) == set()
