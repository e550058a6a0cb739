"""Stage 7, the 腾笼换鸟 scenario: the MILP, remedies, phasing, re-use of freed land, report, comparison."""

from __future__ import annotations

from ruian_land.scenario.baseline import greedy, reachable_alone
from ruian_land.scenario.candidates import numeric_column
from ruian_land.scenario.compare import (
    ScenarioSpec,
    compare_scenarios,
    comparison_chart,
    comparison_table,
    load_specs,
    shipped_scenario_files,
    tax_change_text,
)
from ruian_land.scenario.model import Problem, Solution, TargetRow
from ruian_land.scenario.phasing import by_year_table, phase, phase_selection, yearly_limits
from ruian_land.scenario.plan import optimise
from ruian_land.scenario.remedies import (
    ALL_REMEDIES,
    LAND_REMEDIES,
    REMEDY_TEXT,
    RemedyTable,
    candidate_effects,
    remedy_table,
)
from ruian_land.scenario.report import build_results, messages
from ruian_land.scenario.result import ScenarioResult
from ruian_land.scenario.reuse import county_per_mu, reuse_of_freed_land, reuse_split, stock_mask
from ruian_land.scenario.solver import solve
from ruian_land.scenario.targets import OBJECTIVES, TARGET_KEYS, TARGET_LABELS, resolve_targets

__all__ = [
    "ALL_REMEDIES",
    "LAND_REMEDIES",
    "OBJECTIVES",
    "REMEDY_TEXT",
    "TARGET_KEYS",
    "TARGET_LABELS",
    "Problem",
    "RemedyTable",
    "ScenarioResult",
    "ScenarioSpec",
    "Solution",
    "TargetRow",
    "build_results",
    "by_year_table",
    "candidate_effects",
    "compare_scenarios",
    "comparison_chart",
    "comparison_table",
    "county_per_mu",
    "greedy",
    "load_specs",
    "messages",
    "numeric_column",
    "optimise",
    "phase",
    "phase_selection",
    "reachable_alone",
    "remedy_table",
    "resolve_targets",
    "reuse_of_freed_land",
    "reuse_split",
    "shipped_scenario_files",
    "solve",
    "stock_mask",
    "tax_change_text",
    "yearly_limits",
]
