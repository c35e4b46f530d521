"""W8, in a fresh process: how long starting a session takes, printed as JSON.

    python session_start.py bare DIR        # importlib.metadata.entry_points(group=...)
    python session_start.py graftflow DIR   # Session.from_environment() + its registry

DIR holds the dummy distributions (put first on sys.path). Two figures per process:
``*_start_s`` from before the first import of the library (``importlib.metadata`` for
the bare scan, ``graftflow`` and ``graftflow.extensions`` for graftflow) to the end of
discovery, which is what a user waits for; ``bare_s`` / ``first_s`` the discovery alone,
imports done. The interpreter's own start (and this script's json, sys and time) is
common to both and not counted.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> int:
    started = time.perf_counter()
    mode, directory = sys.argv[1], sys.argv[2]
    sys.path.insert(0, directory)

    if mode == "bare":
        import importlib.metadata

        start = time.perf_counter()
        found = importlib.metadata.entry_points(group="graftflow.installers")
        end = time.perf_counter()
        ours = [ep for ep in found if ep.name.startswith("gfbench_dummy_")]
        print(
            json.dumps(
                {"bare_s": end - start, "bare_start_s": end - started, "installers": len(ours)}
            )
        )
        return 0

    import graftflow
    from graftflow.extensions import registry

    def start_session() -> tuple[float, float, int]:
        start = time.perf_counter()
        session = graftflow.Session.from_environment()
        reg = registry(session)
        end = time.perf_counter()
        if session.diagnostics:
            raise SystemExit(f"diagnostics: {session.diagnostics}")
        ours = [s for s in reg.sources if s.name.startswith("gfbench_dummy_") and s.status == "ok"]
        return end - start, end, len(ours)

    first, end, installers = start_session()
    second, _, again = start_session()
    assert again == installers
    print(
        json.dumps(
            {
                "first_s": first,
                "start_s": end - started,
                "second_s": second,
                "installers": installers,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
