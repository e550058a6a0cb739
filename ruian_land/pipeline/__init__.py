"""The top: the stages composed for ``ruian-land run`` and the notebooks.

* :func:`run_stages` – every stage in memory (``stages.py``); returns a :class:`RunResult`.
* :func:`write_outputs` – writes a finished run, and only writes (``write.py``); :func:`run` does both.
* :func:`build_candidates`, :func:`evaluation_list`, :func:`scenario_firms`,
  :func:`rectification_summary` – the tables a run hands out (``tables.py``).
* :func:`build_summary` – the ``summary.json`` figures (``summary.py``).
"""

from __future__ import annotations

from ruian_land.pipeline.result import SUMMARY_KEYS, RunResult
from ruian_land.pipeline.stages import run_stages
from ruian_land.pipeline.summary import build_summary
from ruian_land.pipeline.tables import (
    EVALUATION_COLUMNS,
    SELECTION_COLUMNS,
    build_candidates,
    evaluation_list,
    rectification_summary,
    scenario_firms,
)
from ruian_land.pipeline.write import RECTIFICATION_SHEETS, run, write_outputs

__all__ = [
    "EVALUATION_COLUMNS",
    "RECTIFICATION_SHEETS",
    "SELECTION_COLUMNS",
    "SUMMARY_KEYS",
    "RunResult",
    "build_candidates",
    "build_summary",
    "evaluation_list",
    "rectification_summary",
    "run",
    "run_stages",
    "scenario_firms",
    "write_outputs",
]
