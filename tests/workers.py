"""Real worker processes and threads started together, for tests of concurrent stores."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Callable, Sequence
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


def in_threads(count: int, work: Callable[[], object]) -> None:
    """Run ``work()`` in ``count`` threads at once; raise the first error any of them hit."""
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]


def in_child(body: Callable[[], bool]) -> int:
    """Fork, run ``body()`` in the child and return its exit code (0: body returned True).

    Forking a process that runs threads (a Redis store's listener) is what the callers
    test; Python 3.12+ warns about it in general, so that warning is silenced here only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 3
        try:
            code = 0 if body() else 2
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def make_demo(url: str) -> None:
    """``graftflow --store URL demo``, for real: the demo project in that store."""
    from cli_support import graftflow_command

    made = subprocess.run(
        [graftflow_command(), "--store", url, "demo", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert made.returncode == 0, made.stderr
