"""亩均效益 indicators of each firm (RULES.md §2, Huangyan definitions; DESIGN §4 glossary).

Every indicator is a ratio ``numerator / denominator`` of firm columns (see :data:`DEFINITIONS`);
a missing, zero or negative denominator gives NaN, never ``inf``.

| indicator | definition | unit |
|---|---|---|
| ``tax_per_mu`` 亩均税收 | ``tax_wan / land_area_mu`` | 万元/亩 |
| ``value_added_per_mu`` 亩均增加值 | ``value_added_wan / land_area_mu`` | 万元/亩 |
| ``value_added_per_tce`` 单位能耗增加值 | ``value_added_wan / energy_tce_primary`` (等价值) | 万元/tce |
| ``value_added_per_t_emission`` 单位排放增加值 | ``value_added_wan / emission_t`` | 万元/t |
| ``labour_productivity`` 全员劳动生产率 | ``value_added_wan / employees`` | 万元/人 |
| ``rd_intensity`` R&D 占比 | ``rd_wan / revenue_wan`` | fraction |
| ``tax_per_10k_kwh`` 单位电耗税收 (规下) | ``tax_wan / (elec_kwh / 10⁴)`` | 万元/万kWh |
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ruian_land.core import kwh_from_wan_kwh
from ruian_land.evaluation.energy import ENERGY_COLUMNS, energy_tce, numeric_column, safe_ratio
from ruian_land.rules import RuleSet

__all__ = [
    "DEFINITIONS",
    "INDICATORS",
    "IndicatorDef",
    "add_indicators",
    "compute_indicators",
    "indicator_parts",
]

#: kWh in one 万kWh (unit definition, from :mod:`ruian_land.core.units`).
_KWH_PER_WAN_KWH = float(kwh_from_wan_kwh(1.0))


@dataclass(frozen=True)
class IndicatorDef:
    """How an indicator is computed: ``numerator / (denominator / denominator_scale)``."""

    numerator: str
    denominator: str
    unit: str
    denominator_scale: float = 1.0


#: The indicator definitions (numerator and denominator are ``firms`` columns).
DEFINITIONS: dict[str, IndicatorDef] = {
    "tax_per_mu": IndicatorDef("tax_wan", "land_area_mu", "万元/亩"),
    "value_added_per_mu": IndicatorDef("value_added_wan", "land_area_mu", "万元/亩"),
    "value_added_per_tce": IndicatorDef("value_added_wan", "energy_tce_primary", "万元/吨标准煤"),
    "value_added_per_t_emission": IndicatorDef("value_added_wan", "emission_t", "万元/吨"),
    "labour_productivity": IndicatorDef("value_added_wan", "employees", "万元/人"),
    "rd_intensity": IndicatorDef("rd_wan", "revenue_wan", "fraction"),
    "tax_per_10k_kwh": IndicatorDef("tax_wan", "elec_kwh", "万元/万千瓦时", _KWH_PER_WAN_KWH),
}
#: Indicator column names, in output order.
INDICATORS: tuple[str, ...] = tuple(DEFINITIONS)

#: Columns that must be present (other inputs may be absent and give NaN indicators).
_REQUIRED = ("tax_wan", "land_area_mu")
#: Columns that are physical quantities and may not be negative (tax may be: refunds).
_NON_NEGATIVE = {"land_area_mu", "energy_tce_primary", "emission_t", "employees", "revenue_wan", "elec_kwh"}


def _with_energy(firms: pd.DataFrame, rules: RuleSet, year: int | None = None) -> pd.DataFrame:
    missing = [c for c in ENERGY_COLUMNS if c not in firms.columns]
    if not missing:
        return firms
    energy = energy_tce(firms, rules, year=year)
    return firms.assign(**{c: energy[c] for c in missing})


def indicator_parts(firms: pd.DataFrame, rules: RuleSet, indicator: str) -> tuple[pd.Series, pd.Series]:
    """Numerator and (scaled) denominator of one indicator, as float series.

    Parameters
    ----------
    firms : DataFrame
        One row per firm (columns as in :func:`compute_indicators`).
    rules : RuleSet
        Used only to compute ``energy_tce_primary`` when absent.
    indicator : str
        A key of :data:`DEFINITIONS`.

    Returns
    -------
    (Series, Series)
        Same index as ``firms``: numerator and denominator in the indicator's units
        (e.g. ``tax_wan`` and ``elec_kwh / 10⁴``). Used for population averages
        (Σ numerator / Σ denominator).
    """
    d = DEFINITIONS[indicator]
    frame = _with_energy(firms, rules) if d.denominator in ENERGY_COLUMNS else firms
    num = numeric_column(frame, d.numerator, required=d.numerator in _REQUIRED)
    den = numeric_column(
        frame,
        d.denominator,
        required=d.denominator in _REQUIRED,
        non_negative=d.denominator in _NON_NEGATIVE,
    )
    return num, den / d.denominator_scale


def compute_indicators(firms: pd.DataFrame, rules: RuleSet, *, year: int | None = None) -> pd.DataFrame:
    """Compute the 亩均效益 indicators of every firm.

    Parameters
    ----------
    firms : DataFrame
        One row per firm, unique index. Required: ``tax_wan`` (万元), ``land_area_mu`` (亩, sum of the
        firm's occupied land, NaN when unlinked). Optional (NaN or absent → NaN indicator):
        ``value_added_wan``, ``rd_wan``, ``revenue_wan`` (万元), ``employees`` (persons),
        ``emission_t`` (t of main pollutants), ``elec_kwh`` (kWh), and either ``energy_tce_primary``
        (tce, 等价值) or the raw energy columns from which :func:`ruian_land.evaluation.energy.energy_tce` computes it.
    rules : RuleSet
        Energy conversion factors (``energy.*``) when ``energy_tce_primary`` is absent.
    year : int, optional
        Data year selecting the yearly 等价值 electricity factor when ``energy_tce_primary`` is computed
        here (:func:`ruian_land.evaluation.energy.energy_tce`).

    Returns
    -------
    DataFrame
        Same index and row order as ``firms``, columns :data:`INDICATORS` (float64), units as in
        the module table. NaN where the denominator is missing, zero or negative, or the
        numerator is missing; never ``inf``.

    Raises
    ------
    InputError
        ``tax_wan`` or ``land_area_mu`` absent; a non-numeric value; a negative area, energy,
        emission, employee count, revenue or electricity figure.

    Examples
    --------
    52.02 万元 tax on 2 亩 → ``tax_per_mu`` = 26.01 万元/亩; 23.6565 万元 on 1 000 000 kWh (100 万kWh)
    → ``tax_per_10k_kwh`` = 0.236565 万元/万kWh.
    """
    frame = _with_energy(firms, rules, year)
    cols = {}
    for name in INDICATORS:
        num, den = indicator_parts(frame, rules, name)
        cols[name] = safe_ratio(num, den)
    return pd.DataFrame(cols, index=firms.index)


def add_indicators(
    firms: pd.DataFrame, rules: RuleSet, *, overwrite: bool = False, year: int | None = None
) -> pd.DataFrame:
    """Return a copy of ``firms`` with the energy columns and indicators added.

    Parameters
    ----------
    firms : DataFrame
        As for :func:`compute_indicators`.
    rules : RuleSet
        Energy factors (``energy.*``).
    overwrite : bool
        If False (default) columns already present (e.g. a corrected ``energy_tce_primary`` or a
        planner's indicator value) are kept as given and only absent ones are added; if True
        every energy and indicator column is recomputed from the raw columns.
    year : int, optional
        Data year for the yearly 等价值 electricity factor (see :func:`compute_indicators`).

    Returns
    -------
    DataFrame
        ``firms`` (same index, row order and columns) plus ``energy_tce_calorific``,
        ``energy_tce_primary``, ``co2_t`` and :data:`INDICATORS`.
    """
    base = (
        firms.drop(columns=[c for c in (*ENERGY_COLUMNS, *INDICATORS) if c in firms.columns])
        if overwrite
        else firms
    )
    frame = _with_energy(base, rules, year)
    missing = [c for c in INDICATORS if c not in frame.columns]
    if not missing:
        return frame.copy()
    ind = compute_indicators(frame, rules, year=year)
    return frame.assign(**{c: ind[c] for c in missing})
