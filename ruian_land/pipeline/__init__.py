"""The top: the stages composed for ``ruian-land run`` and the notebooks."""

from __future__ import annotations

from ruian_land.pipeline.stages import (
    SUMMARY_KEYS,
    RunResult,
    build_candidates,
    build_summary,
    run,
    run_stages,
    write_outputs,
)

__all__ = [
    "SUMMARY_KEYS",
    "RunResult",
    "build_candidates",
    "build_summary",
    "run",
    "run_stages",
    "write_outputs",
]
