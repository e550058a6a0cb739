"""The trajectory stage: the three-year path of plan §二 from the results of the stages before.

::

    trajectory(ingested, evaluated, screened, simulated) → TrajectoryResult

It reads the optional ``projects``, ``land_supply``, ``firm_history`` and ``investment`` tables of the project and calls
:func:`ruian_land.trajectory.project_trajectory`. Nothing is written here.
"""

from __future__ import annotations

import warnings

import pandas as pd

from ruian_land.control_lines import industrial_supply_share
from ruian_land.core import InputWarning, normalise_uscc
from ruian_land.pipeline.clock import StageClock
from ruian_land.pipeline.keys import one_row_per_key
from ruian_land.pipeline.optional import optional_table
from ruian_land.pipeline.stage_results import (
    EvaluateResult,
    IngestResult,
    ScreenResult,
    SimulateResult,
    TrajectoryResult,
    expect_result,
)
from ruian_land.trajectory import project_trajectory

__all__ = ["trajectory"]

_PROJECT_NUMBERS = ("investment_wan", "land_mu", "year_landed", "tax_at_full_wan", "value_added_at_full_wan")


def _projects(ingested: IngestResult) -> pd.DataFrame | None:
    table = optional_table(ingested.inputs, ingested.config, "projects")
    if table is None:
        return None
    out = table.copy()
    for col in _PROJECT_NUMBERS:
        out[col] = pd.to_numeric(out[col], errors="coerce") if col in out.columns else float("nan")
    return out


def _history(ingested: IngestResult) -> pd.DataFrame | None:
    cfg = ingested.config
    table = optional_table(ingested.inputs, cfg, "firm_history")
    if table is None:
        return None
    table = table.assign(uscc=table["uscc"].map(normalise_uscc))
    later = pd.to_numeric(table["year"], errors="coerce") >= int(cfg.data_year)
    if later.any():
        warnings.warn(
            f"{cfg.path('firm_history')}: {int(later.sum())} row(s) of firm_history are of the data year "
            f"{cfg.data_year} or later and are not used (the data year comes from the current tables)",
            InputWarning,
            stacklevel=2,
        )
        table = table[~later]
    return one_row_per_key(table, ("uscc", "year"), "firm_history", cfg.path("firm_history"))


def _investment(ingested: IngestResult) -> pd.DataFrame | None:
    cfg = ingested.config
    table = optional_table(ingested.inputs, cfg, "investment")
    if table is None:
        return None
    return one_row_per_key(table, ("year",), "investment", cfg.path("investment"))


def trajectory(
    ingested: IngestResult, evaluated: EvaluateResult, screened: ScreenResult, simulated: SimulateResult
) -> TrajectoryResult:
    """Every quantified target of plan §二 from the data year to each year of ``targets.years``,
    with the levers' waterfall and what it would take to close each gap (issue 14).

    Parameters
    ----------
    ingested, evaluated, screened, simulated
        From the four stages before.

    Returns
    -------
    TrajectoryResult

    Raises
    ------
    StageInputError
        The inputs are not the results of those stages.
    """
    for value, kind in ((ingested, IngestResult), (evaluated, EvaluateResult), (screened, ScreenResult)):
        expect_result(value, kind, "trajectory")
    expect_result(simulated, SimulateResult, "trajectory")
    clock = StageClock()
    cfg, rules = ingested.config, ingested.rules
    supply = optional_table(ingested.inputs, cfg, "land_supply")
    tr = project_trajectory(
        evaluated.firms,
        simulated.scenario.selection,
        simulated.scenario.freed_parcels,
        rules,
        base_year=int(cfg.data_year),
        benchmarks=evaluated.evaluation.benchmarks,
        links=ingested.occupancy.links,
        screening_parcels=screened.screening.parcels,
        projects=_projects(ingested),
        supply_share=industrial_supply_share(supply, rules) if supply is not None else None,
        history=_history(ingested),
        investment=_investment(ingested),
    )
    return TrajectoryResult(tr, clock.lap("trajectory"), clock.usage)
