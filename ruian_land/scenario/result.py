"""The result type of a 腾笼换鸟 scenario (:class:`ScenarioResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["ScenarioResult"]


@dataclass
class ScenarioResult:
    """Result of :func:`ruian_land.scenario.plan.optimise`.

    Attributes
    ----------
    selection : DataFrame
        One row per firm acted on: ``uscc``, ``name``, ``remedy`` (exit|vacate|relocate|merge|
        upgrade), ``remedy_zh``, ``year``, ``freed_area_mu`` (its land-share of the parcels
        actually freed), ``energy_saved_tce``, ``co2_reduction_t``, ``tax_change_wan`` (positive =
        more tax, negative = tax lost), ``value_added_change_wan`` (likewise), ``jobs_lost``, ``cost_wan`` (one-off public cost),
        ``eval_class``, ``town``, ``reason_codes``, ``parcel_ids``.
    freed_parcels : DataFrame
        ``parcel_id``, ``year``, ``area_mu`` (亩 freed), ``source`` (``occupied`` |
        ``idle_vacant`` | ``partial``), ``occupants`` (``;``-joined uscc), ``town``,
        ``reusable_mu``, ``inside_control_line_share``, ``cost_wan``.
    summary : dict
        DESIGN §3 keys (``target_area_mu``, ``freed_area_mu``, ``freed_energy_tce``,
        ``co2_reduction_t``, ``firms_exited``, ``firms_upgraded``, ``tax_per_mu_before``,
        ``tax_per_mu_after``, ``feasible``) and more: ``status``, ``targets``, ``shortfalls``,
        ``binding_targets``, ``max_reachable``, ``messages_zh`` / ``messages_en``,
        ``remedy_counts``, ``tax_change_wan``, ``value_added_change_wan``, ``jobs_lost``, ``cost_wan``,
        ``budget_wan``, ``town_quotas``, ``large_parcels``, ``partial_release_mu``, ``reuse`` (dict),
        ``value_added_per_mu_*``, ``*_clearance_only``, ``phasing``, ``over_capacity``,
        ``milestones_met``, ``mip_gap``, ``objective_value``, ``dual_bound``, ``solver_core_columns``
        (−1: whole model solved), ``solve_time_s`` ….
    status : str
        ``optimal``, ``time_limit`` (best found, not proven), ``infeasible`` (relaxed solution
        reported), ``no_candidates``, or for ``method="greedy"`` ``greedy`` / ``greedy_short``.
    by_year : DataFrame
        See :func:`ruian_land.scenario.phasing.by_year_table`.
    candidates : DataFrame
        Every candidate with its data and chosen remedy (``""`` if none).
    remedies : DataFrame
        The remedy effects used (:meth:`ruian_land.scenario.remedies.RemedyTable.frame`).
    """

    selection: pd.DataFrame
    freed_parcels: pd.DataFrame
    summary: dict[str, Any]
    status: str
    by_year: pd.DataFrame = field(default_factory=pd.DataFrame)
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)
    remedies: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def feasible(self) -> bool:
        """All active targets (and quotas) met."""
        return bool(self.summary["feasible"])
