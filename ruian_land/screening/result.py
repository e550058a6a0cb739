"""The screening result: :class:`Screening` (parcels and firms with their reasons) and its firm columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ruian_land.rules import RuleSet
from ruian_land.screening.summaries import screening_summary

__all__ = ["FIRM_COLUMNS", "Screening"]


@dataclass
class Screening:
    """Result of :func:`screen`.

    Attributes
    ----------
    parcels : DataFrame
        One row per parcel (same order as the input): ``parcel_id``, ``town``, ``park_name``,
        ``land_use``, ``area_mu``, ``is_industrial``, ``in_park``, ``occupant_count``,
        ``main_uscc``, ``main_industry_code``, ``tax_wan``, ``tax_per_mu`` (万元/亩),
        ``industry_tax_per_mu``, ``far``, ``standard_far``, ``building_coverage``,
        ``built_up_fraction``, ``tax_rules_exempt``, ``exemption_reasons``, ``is_low_efficiency``,
        ``is_idle``, ``idle_kind``, ``idle_months``, ``idle_clock_months``, ``idle_fee_wan``,
        ``idle_recovery``, ``reason_codes``, ``reasons_zh``, ``reasons_en``, ``notes``.
    firms : DataFrame
        One row per firm of the input (same order; filter on ``in_scope`` / ``flagged``):
        ``uscc``, ``name``, ``town`` (registry, else the main parcel's), ``park_name`` (main
        parcel's), ``industry_code``, ``industry_name``, ``industry_division``, ``above_scale``,
        ``land_area_mu``, ``tax_wan``, ``tax_per_mu``, ``value_added_wan``,
        ``energy_tce_calorific``, ``energy_tce_primary``, ``energy_per_value_added``,
        ``employees``, ``project_built_year``, ``eval_class``, ``exempt`` (rated exempt or an
        exempt_reason), ``tax_rules_exempt`` (Jinhua exemptions), ``exemption_reasons``,
        ``strategic_emerging``, ``industry_policy``, ``in_park``, ``parcel_ids``
        (``;``-joined), ``in_scope``, ``is_two_high``, ``reason_codes``, ``reasons_zh``,
        ``reasons_en``, ``flagged``, ``status``.
    rules : RuleSet
    as_of : Timestamp
    """

    parcels: pd.DataFrame
    firms: pd.DataFrame
    rules: RuleSet
    as_of: pd.Timestamp
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged_firms(self) -> pd.DataFrame:
        """Firms on the 《高耗低效整治企业清单》 (in scope with an actionable reason)."""
        return self.firms.loc[self.firms["flagged"]]

    def summary(self, by: str = "town") -> pd.DataFrame:
        """Counts, 亩, tax and energy per town or park, with a total row and target shares.

        See :func:`ruian_land.screening.summaries.screening_summary` (this method calls it).

        Parameters
        ----------
        by : {"town", "park"}

        Raises
        ------
        ValueError
            ``by`` is not ``town`` or ``park``.
        """
        return screening_summary(self, by)


#: Columns of :attr:`Screening.firms`, in order.
FIRM_COLUMNS: tuple[str, ...] = (
    "uscc",
    "name",
    "town",
    "park_name",
    "industry_code",
    "industry_name",
    "industry_division",
    "above_scale",
    "land_area_mu",
    "tax_wan",
    "tax_per_mu",
    "value_added_wan",
    "energy_tce_calorific",
    "energy_tce_primary",
    "energy_per_value_added",
    "employees",
    "project_built_year",
    "eval_class",
    "exempt",
    "tax_rules_exempt",
    "exemption_reasons",
    "strategic_emerging",
    "industry_policy",
    "in_park",
    "parcel_ids",
    "in_scope",
    "is_two_high",
    "reason_codes",
    "reasons_zh",
    "reasons_en",
    "flagged",
    "status",
)
