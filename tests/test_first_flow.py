"""The README's first flow, as a new user runs it: the script twice, then the command
line on the store it made (issue 15, "First minutes")."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_support import Run, assert_ok, assert_user_error

ROOT = Path(__file__).parent.parent
TITLED = re.compile(r'^```python title="([^"]+)"\n(.*?)^```', re.MULTILINE | re.DOTALL)


def page_files(page: str) -> dict[str, str]:
    return dict(TITLED.findall((ROOT / page).read_text(encoding="utf-8")))


def script(workdir: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, name], capture_output=True, text=True, cwd=workdir, timeout=60
    )


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md"])
def test_script_then_command_line(page: str, run: Run, workdir: Path) -> None:
    """The page's script runs twice (the project is reused, not an ExistsError), then
    the page's command line opens the project it made."""
    files = page_files(page)
    assert set(files) == {"studio_models.py", "make_film.py"}
    for name, text in files.items():
        (workdir / name).write_text(text, encoding="utf-8")
    for _ in range(2):
        done = script(workdir, "make_film.py")
        assert (done.returncode, done.stdout, done.stderr) == (0, "1048\n", "")
    proc = run("--store", "sqlite:///studio.db", "--import", "studio_models", "ls", "/film")
    assert_ok(proc)
    assert proc.stdout.splitlines()[0] == "/film Film"
    proc = run(
        "--store",
        "sqlite:///studio.db",
        "--import",
        "studio_models",
        "get",
        "/film/shots/sh010/frame_out",
    )
    assert_ok(proc)
    assert proc.stdout == "1048\n"


def test_without_import_the_command_line_says_how(run: Run, workdir: Path) -> None:
    """Without --import (the module is not on the command's path), the error names the
    class and the option that finds it."""
    for name, text in page_files("README.md").items():
        (workdir / name).write_text(text, encoding="utf-8")
    assert script(workdir, "make_film.py").returncode == 0
    assert_user_error(
        run("--store", "sqlite:///studio.db", "ls", "/film"),
        r"project 'film' has the type 'studio_models:Film', which cannot be imported .*"
        r"If studio_models is a module of yours, graftflow --import studio_models finds it",
    )


MAIN_SCRIPT = """
import graftflow as gf


class Film(gf.Object):
    title = gf.StringParam("")


with gf.Flow(store=gf.open_store("sqlite:///studio.db")) as flow:
    flow.create_project("film", Film, exist_ok=True).title.set("Hawk")
"""


def test_classes_of_the_script_itself(run: Run, workdir: Path) -> None:
    """A script may rerun with classes of its own (exist_ok finds __main__:Film), and
    the command line, which cannot import them, says what to do."""
    (workdir / "film.py").write_text(textwrap.dedent(MAIN_SCRIPT), encoding="utf-8")
    for _ in range(2):
        assert script(workdir, "film.py").returncode == 0
    assert_user_error(
        run("--store", "sqlite:///studio.db", "ls", "/film"),
        r"project 'film' has the type '__main__:Film', .* It was defined in the script "
        r"that created the project: move the classes to a module .*",
    )


def test_config_imports(run: Run, workdir: Path, home: Path) -> None:
    """The config file's ``imports`` (and ``store``) make ``graftflow ls /film`` work
    with no option; a module that does not import is one line naming the file."""
    for name, text in page_files("README.md").items():
        (workdir / name).write_text(text, encoding="utf-8")
    assert script(workdir, "make_film.py").returncode == 0
    config = home / "config.toml"
    config.write_text(
        f'store = "sqlite:///{workdir / "studio.db"}"\nimports = ["studio_models"]\n',
        encoding="utf-8",
    )
    proc = run("--config", str(config), "ls", "/film/shots/sh010")
    assert_ok(proc)
    assert re.search(r"^  frame_out\s+param\s+1048$", proc.stdout, re.M)
    config.write_text('imports = ["studio_modles"]\n', encoding="utf-8")
    assert_user_error(
        run("--config", str(config), "ls"),
        re.escape(f"config file {config}: imports studio_modles: cannot import module ")
        + r"'studio_modles': ModuleNotFoundError: .*",
    )


def test_a_failing_import_is_studio_code(run: Run, workdir: Path) -> None:
    """A module that raises while imported is one line, the traceback with --debug."""
    (workdir / "broken_models.py").write_text("raise RuntimeError('half written')\n")
    assert_user_error(
        run("--store", "memory://", "--import", "broken_models", "ls"),
        r"--import broken_models: cannot import module 'broken_models': RuntimeError: "
        r"half written \(--debug shows the traceback\)",
    )
    proc = run("--debug", "--store", "memory://", "--import", "broken_models", "ls")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr
    assert "RuntimeError: half written" in proc.stderr
