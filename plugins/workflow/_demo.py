"""The demo studio's per-shot pipeline: a definition shipped as a TOML file.

layout -> animation -> (lighting || compositing prep) -> review; an approved review
ends the process, a rejected one sends the shot back to animation. The file is
package data (``shot_pipeline.toml``), read with importlib.resources so it works from
a wheel, an editable install or a zip.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graftflow import Object

    from ._nodes import Definition
    from ._process import Process

__all__ = ["review", "shot_pipeline", "start_shot_pipeline"]

PIPELINE_FILE = "shot_pipeline.toml"


def shot_pipeline() -> Definition:
    """The demo's per-shot pipeline definition."""
    from ._definition_file import parse_definition

    text = resources.files(__package__).joinpath(PIPELINE_FILE).read_text(encoding="utf-8")
    return parse_definition(text, f"graftflow.plugins.workflow/{PIPELINE_FILE}")


def start_shot_pipeline(shot: Object, name: str = "pipeline") -> Process:
    """Start the pipeline in ``shot.processes`` (grafted onto demo shots by the demo plugin)."""
    processes = shot.processes  # type: ignore[attr-defined]
    process: Process = processes.start(name, shot_pipeline())
    return process


def review(state: Any, approved: bool = False, note: str = "", **_: Any) -> dict[str, Any]:
    """The review step's action: record the supervisor's decision in the state."""
    if not isinstance(approved, bool):
        raise TypeError(f"review: approved must be true or false, not {approved!r}")
    return {"approved": approved, "note": note}
