"""W8, in a fresh process: how long discovering installers takes, printed as JSON.

    python session_start.py bare DIR        # importlib.metadata.entry_points(group=...)
    python session_start.py graftflow DIR   # Session.from_environment() + its registry

DIR holds the dummy distributions (put first on sys.path). Imports happen before the
clock starts on both sides: what is timed is the discovery a session start does.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> int:
    mode, directory = sys.argv[1], sys.argv[2]
    sys.path.insert(0, directory)
    import importlib.metadata

    if mode == "bare":
        start = time.perf_counter()
        found = importlib.metadata.entry_points(group="graftflow.installers")
        elapsed = time.perf_counter() - start
        ours = [ep for ep in found if ep.name.startswith("gfbench_dummy_")]
        print(json.dumps({"bare_s": elapsed, "installers": len(ours)}))
        return 0

    import graftflow
    from graftflow.extensions import registry

    def start_session() -> tuple[float, int]:
        start = time.perf_counter()
        session = graftflow.Session.from_environment()
        reg = registry(session)
        elapsed = time.perf_counter() - start
        if session.diagnostics:
            raise SystemExit(f"diagnostics: {session.diagnostics}")
        ours = [s for s in reg.sources if s.name.startswith("gfbench_dummy_") and s.status == "ok"]
        return elapsed, len(ours)

    first, installers = start_session()
    second, again = start_session()
    assert again == installers
    print(json.dumps({"first_s": first, "second_s": second, "installers": installers}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
