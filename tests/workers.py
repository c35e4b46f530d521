"""Real worker processes started together, for tests of concurrent stores."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

TESTS = Path(__file__).parent

#: A worker process for run_together: runs the default queue of the store at argv[1],
#: printing each event as a JSON line, until the queue has been empty for a second.
QUEUE_WORKER = """
import json, sys
import graftflow as gf
from graftflow.plugins.workflow import Worker
flow = gf.Flow(store=gf.open_store(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
Worker(flow, lease=2, poll=0.02, on_event=lambda e: print(json.dumps(e), flush=True)).run(
    idle_exit=1.0
)
"""


def run_together(code: str, argvs: Sequence[Sequence[str]], cwd: Path) -> list[str]:
    """Run one worker per argv at the same moment; return their stdouts after "ready".

    Each worker prints ``ready`` once set up, then waits for a line on stdin, so every
    worker starts its real work together, after all interpreters have started.
    """
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    with contextlib.ExitStack() as stack:
        procs = [
            stack.enter_context(
                subprocess.Popen(
                    [sys.executable, "-c", textwrap.dedent(code), *argv],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=cwd,
                    env=env,
                )
            )
            for argv in argvs
        ]
        try:
            for proc in procs:
                assert proc.stdout is not None
                line = proc.stdout.readline()
                if line != "ready\n":
                    _, err = proc.communicate(timeout=30)
                    pytest.fail(f"worker did not start ({line!r}):\n{err}")
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            outputs = []
            for proc in procs:
                out, err = proc.communicate(timeout=60)
                assert proc.returncode == 0, err
                outputs.append(out)
            return outputs
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
