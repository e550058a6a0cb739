"""Stage 7b, the three-year path (issue 14): every target of plan §二 from the data year to each
year of ``targets.years``, the levers' exact waterfall, and what it would take to close a gap."""

from __future__ import annotations

from ruian_land.trajectory.basis import Basis, build_basis
from ruian_land.trajectory.history import GROWTH_MEASURES, GrowthEstimate, estimate_growth
from ruian_land.trajectory.investment import INVESTMENT_METRICS, investment_figures
from ruian_land.trajectory.levers import LEVER_ORDER, LEVER_RULES, LEVER_ZH, Levers, levers_from_rules
from ruian_land.trajectory.path import METRICS, figures, waterfall
from ruian_land.trajectory.report import (
    Trajectory,
    assumptions_table,
    final_year_rows,
    summary_dict,
    targets_table,
)
from ruian_land.trajectory.run import project_basis, project_trajectory
from ruian_land.trajectory.solve import WHAT_IT_TAKES_COLUMNS, what_it_takes
from ruian_land.trajectory.targets import TARGETS, TargetDef

__all__ = [
    "GROWTH_MEASURES",
    "INVESTMENT_METRICS",
    "LEVER_ORDER",
    "LEVER_RULES",
    "LEVER_ZH",
    "METRICS",
    "TARGETS",
    "WHAT_IT_TAKES_COLUMNS",
    "Basis",
    "GrowthEstimate",
    "Levers",
    "TargetDef",
    "Trajectory",
    "assumptions_table",
    "build_basis",
    "estimate_growth",
    "figures",
    "final_year_rows",
    "investment_figures",
    "levers_from_rules",
    "project_basis",
    "project_trajectory",
    "summary_dict",
    "targets_table",
    "waterfall",
    "what_it_takes",
]
