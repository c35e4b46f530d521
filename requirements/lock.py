"""Re-resolve the two lock files the tox envs install from (run it as ``tox -e lock``).

Why two: the default envs must not change when an upstream project releases
(``constraints.txt``: the newest versions that satisfy pyproject.toml and tools.in, as
of the day someone ran this), and ``py-lowest`` must prove the lower bounds that
pyproject.toml promises (``constraints-lowest.txt``: each runtime dependency at exactly
its ``>=`` bound, the test tools as in the default lock). Both are universal (markers
for every Python the project supports), so one file serves 3.10 to 3.13.

Review the diff of both files before committing: that is the "on purpose" part.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the lock env may run on 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXTRAS = ("redis", "web")  # the extras the test envs install (tox.ini's `extras`)
OLDEST_PYTHON = "3.10"


def runtime_requirements() -> list[Requirement]:
    """pyproject's dependencies plus those of the extras the tests install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    texts = list(project["dependencies"])
    for extra in EXTRAS:
        texts += project["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


def lower_bound(req: Requirement) -> str:
    """The version ``req`` allows at least; every runtime dependency must state one."""
    bounds = [spec.version for spec in req.specifier if spec.operator == ">="]
    if len(bounds) != 1:
        raise SystemExit(f"pyproject.toml: {req} needs exactly one '>=' bound for py-lowest")
    return bounds[0]


def lowest_pins() -> str:
    """``name==bound ; marker`` for each runtime dependency (the py-lowest constraint)."""
    lines = []
    for req in runtime_requirements():
        marker = f" ; {req.marker}" if req.marker else ""
        lines.append(f"{req.name}=={lower_bound(req)}{marker}")
    return "\n".join(lines) + "\n"


def compile_lock(output: Path, inputs: list[str], *extra: str) -> None:
    extras = [arg for name in EXTRAS for arg in ("--extra", name)]
    command = [
        sys.executable, "-m", "uv", "pip", "compile", "--quiet", "--universal",
        "--python-version", OLDEST_PYTHON, "--no-header", "--upgrade",
        "pyproject.toml", *extras, *inputs, *extra, "-o", str(output),
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True)
    body = output.read_text("utf-8")
    header = (
        f"# Written by `tox -e lock` (requirements/lock.py) from pyproject.toml and "
        f"requirements/{inputs[0].rsplit('/', 1)[-1]}.\n"
        "# Do not edit by hand: change the ranges there and run it again.\n"
    )
    output.write_text(header + body, "utf-8")


def main() -> None:
    compile_lock(HERE / "constraints.txt", ["requirements/tools.in"])
    with tempfile.TemporaryDirectory() as tmp:
        bounds = Path(tmp) / "lowest.txt"
        bounds.write_text(lowest_pins(), "utf-8")
        compile_lock(
            HERE / "constraints-lowest.txt", ["requirements/test.in"], "--constraint", str(bounds)
        )
    print("wrote requirements/constraints.txt and requirements/constraints-lowest.txt")


if __name__ == "__main__":
    main()
