"""The supervise stage: 标准地 compliance, 挂图作战 and the policy eligibility lists (issue 17).

::

    supervise(ingested, evaluated, screened) → SuperviseResult

It reads the optional ``standard_land_contracts`` and ``projects`` tables of the project and calls
:func:`ruian_land.supervision.supervise` on the date ``as_of`` (default: the project's
``evaluation_date``; never the clock). It runs after parks and before the map, which draws its
three layers; it is cheap, so it is not a run-folder stage of its own: the map and export steps
of a staged run compute it from the results they load. Nothing is written here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ruian_land.pipeline.clock import StageClock, StageUsage
from ruian_land.pipeline.optional import optional_table
from ruian_land.pipeline.stage_results import EvaluateResult, IngestResult, ScreenResult, expect_result
from ruian_land.supervision import Supervision, supervision_summary
from ruian_land.supervision import supervise as supervise_frames

__all__ = ["SuperviseResult", "supervise"]


@dataclass
class SuperviseResult:
    """The supervision lists (stage supervise).

    Attributes
    ----------
    supervision : Supervision
        Contracts and breaches, the 挂图作战 table, the three eligibility lists.
    """

    supervision: Supervision
    seconds: float = 0.0
    usage: dict[str, StageUsage] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, Any]:
        """``summary.json`` ``supervision``."""
        return {"supervision": supervision_summary(self.supervision)}


def supervise(
    ingested: IngestResult,
    evaluated: EvaluateResult,
    screened: ScreenResult,
    *,
    as_of: dt.date | pd.Timestamp | str | None = None,
    min_investment_wan: float | None = None,
) -> SuperviseResult:
    """标准地 投资监管协议 compliance, 挂图作战 and the eligibility lists of plan §三(一)4,
    §三(三)16, §四(二) and §四(五).

    Parameters
    ----------
    ingested, evaluated, screened
        From the stages before.
    as_of : date, optional
        The date 达产 and project nodes are judged on; default the project's
        ``evaluation_date``.
    min_investment_wan : float, optional
        挂图作战 threshold (default ``supervision.projects_min_investment_wan``, 1亿元).

    Returns
    -------
    SuperviseResult
        Empty contract / project lists when the optional tables are absent (the summary says
        ``no data: needs <source>``).

    Raises
    ------
    StageInputError
        The inputs are not the results of those stages.
    InputError
        An optional table lacks a required column.
    """
    for value, kind in ((ingested, IngestResult), (evaluated, EvaluateResult), (screened, ScreenResult)):
        expect_result(value, kind, "supervise")
    clock = StageClock()
    cfg = ingested.config
    sv = supervise_frames(
        ingested.parcels,
        ingested.occupancy.links,
        evaluated.firms,
        screened.screening.parcels,
        ingested.rules,
        pd.Timestamp(cfg.evaluation_date if as_of is None else as_of),
        contracts=optional_table(ingested.inputs, cfg, "standard_land_contracts"),
        projects=optional_table(ingested.inputs, cfg, "projects"),
        min_investment_wan=min_investment_wan,
    )
    return SuperviseResult(sv, clock.lap("supervise"), usage=clock.usage)
