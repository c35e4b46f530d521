"""How long the ``graftflow`` command takes to answer, next to ``python -c pass``.

    python tests/benchmarks/cli_latency.py [--repeat R]    # the table alone

run.py calls :func:`run_cli` after the other suites (issue 15: ``get``, ``set`` and
``ls`` on a small store in at most 60 ms). Every command is a fresh process, as a user
or a script runs it, so what is measured is everything a command pays: the interpreter,
imports, reading the config, opening the store, building the few objects on the oid's
path, the answer. The baseline, ``python -c pass`` on the same interpreter, runs in
the same rounds (one of each, in turn), so a machine busy elsewhere slows both alike:
the ratio is the figure to compare across machines, the milliseconds the one users
feel. Best of R, with the median beside it.

Two small stores: ``plain``, a project of plain objects from a module of its own
(no extension is ever loaded), and ``demo``, the demo studio at its smallest, whose
extendable objects make the command discover installers and plugins.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

#: The plain store's models: importable as ``latency_models`` from the work directory.
MODELS = textwrap.dedent(
    """
    import graftflow as gf


    class Shot(gf.Object):
        frame_in = gf.IntParam(1001)
        frame_out = gf.IntParam(1100)
        status = gf.Param("todo")


    class Shots(gf.Map[Shot]):
        pass


    class Film(gf.Object):
        title = gf.StringParam("")
        shots = gf.Child(Shots)
    """
)

SETUP = textwrap.dedent(
    """
    import sys
    import graftflow as gf
    from graftflow.plugins.demo import create_demo
    import latency_models as m

    with gf.Flow(store=gf.open_store("sqlite:///plain.db")) as flow:
        film = flow.create_project("film", m.Film)
        film.title.set("Latency")
        for number in range(1, 11):
            film.shots.add(f"sh{number:03}0")
    with gf.Flow(store=gf.open_store("sqlite:///demo.db")) as flow:
        create_demo(flow, sequences=1, shots=2)
    """
)

SHOT = "/demo/films/f01/sequences/sq010/shots/sh0010"
#: name -> (store, arguments after ``--store URL``)
COMMANDS: dict[str, tuple[str, list[str]]] = {
    "get_plain": ("plain", ["get", "/film/shots/sh0010/frame_out"]),
    "set_plain": ("plain", ["set", "/film/shots/sh0010/frame_out", "1090"]),
    "ls_plain": ("plain", ["ls", "/film/shots/sh0010"]),
    "get_demo": ("demo", ["get", f"{SHOT}/frame_out"]),
    "set_demo": ("demo", ["set", f"{SHOT}/frame_out", "1090"]),
    "ls_demo": ("demo", ["ls", SHOT]),
}
#: issue 15's target, per command.
TARGET_S = 0.060


def graftflow_command() -> str:
    """The installed ``graftflow`` script next to this interpreter (what users run)."""
    beside = Path(sys.executable).parent / "graftflow"
    if not beside.is_file():
        raise SystemExit(f"no graftflow command next to {sys.executable}; install graftflow")
    return str(beside)


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a user with no graftflow settings, the models importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFTFLOW_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        PYTHONPATH=str(home),
    )
    return env


def _timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or proc.stderr:
        raise SystemExit(f"{argv} failed ({proc.returncode}): {proc.stderr}")
    return elapsed


def run_cli(repeat: int = 20) -> dict[str, Any]:
    """Measure every command of :data:`COMMANDS` and the baseline, in rounds; print the
    table and return the figures (seconds) for results.json."""
    command = graftflow_command()
    with tempfile.TemporaryDirectory(prefix="gf-cli-latency-") as tmp:
        home = Path(tmp)
        (home / "latency_models.py").write_text(MODELS, encoding="utf-8")
        env = clean_env(home)
        subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=home, check=True)
        runs: dict[str, list[float]] = {"python -c pass": []}
        runs.update({name: [] for name in COMMANDS})
        for store, args in COMMANDS.values():  # warm the OS caches, untimed
            _timed([command, "--store", f"sqlite:///{store}.db", *args], env, home)
        for _ in range(repeat):
            runs["python -c pass"].append(_timed([sys.executable, "-c", "pass"], env, home))
            for name, (store, args) in COMMANDS.items():
                argv = [command, "--store", f"sqlite:///{store}.db", *args]
                runs[name].append(_timed(argv, env, home))
    baseline = min(runs["python -c pass"])
    rows = {}
    for name, times in runs.items():
        best = min(times)
        rows[name] = {
            "best_s": best,
            "median_s": statistics.median(times),
            "vs_python": best / baseline,
            "met": None if name == "python -c pass" else best <= TARGET_S,
        }
    print_table(rows, repeat)
    return {"repeat": repeat, "target_s": TARGET_S, "commands": rows}


def print_table(rows: dict[str, dict[str, Any]], repeat: int) -> None:
    print(f"graftflow command latency, fresh process each, best of {repeat} (median beside)")
    print(f"{'command':16} {'best':>9} {'median':>9} {'x python':>9}  <= 60 ms")
    for name, row in rows.items():
        met = "" if row["met"] is None else ("yes" if row["met"] else "NO")
        print(
            f"{name:16} {row['best_s'] * 1e3:7.1f}ms {row['median_s'] * 1e3:7.1f}ms "
            f"{row['vs_python']:8.1f}x  {met}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="rounds (best counts)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = run_cli(args.repeat)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
