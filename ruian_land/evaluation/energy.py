"""Energy use in tonnes of standard coal equivalent (tce), CO₂ and 碳效 (carbon efficiency).

Two bases are kept apart (RULES.md §4):

* **当量值** (calorific equivalent, ``energy_tce_calorific``): electricity at its heat content,
  ``energy.elec_kgce_per_kwh_calorific`` = 0.1229 kgce/kWh (GB/T 2589-2020). Used for the
  "两高" thresholds and energy review (plan §三(一)3).
* **等价值** (primary-energy equivalent, ``energy_tce_primary``): electricity at the fuel burnt to
  generate it, a yearly statistical parameter: ``energy.elec_kgce_per_kwh_primary_by_year[year]``
  when a data year is given and listed, else ``energy.elec_kgce_per_kwh_primary`` (≈ 0.30 kgce/kWh).
  Used for 单位能耗增加值 in the 亩均效益 evaluation (Huangyan definition).

Other fuels count the same on both bases: natural gas ``energy.gas_kgce_per_m3``, raw coal
``energy.coal_kgce_per_kg``, purchased heat ``energy.heat_kgce_per_mj`` (all GB/T 2589-2020).

CO₂ (``co2_t``): electricity × the grid factor that ``energy.grid_factor`` names in
``energy.grid_factors_t_per_mwh`` (MEE/NBS; default ``zhejiang_2022`` = 0.5153 t/MWh),
coal via its tce × ``energy.coal_co2_t_per_tce``, gas × ``energy.gas_co2_kg_per_m3``, purchased
heat × ``energy.heat_co2_t_per_gj`` (GB/T 32150-2015 default).

碳效 (DB33/T 1347-2023): ``L = co2_t / value_added_wan`` (t CO₂ per 万元), level 低碳 / 中碳 / 高碳
by ``carbon.low_carbon_max`` / ``carbon.mid_carbon_max``; ``K = L / industry average L`` and
grade 1–5 by ``carbon.grade_k_max``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ruian_land.core import InputError, InputWarning
from ruian_land.rules import RuleSet, energy_rules

__all__ = [
    "CARBON_COLUMNS",
    "ENERGY_COLUMNS",
    "ENERGY_INPUTS",
    "carbon_efficiency",
    "electricity_primary_factor",
    "energy_tce",
    "grid_factor",
    "numeric_column",
    "safe_ratio",
]

#: Raw energy columns read from ``firms`` (units in the suffix; NaN = not reported).
ENERGY_INPUTS: tuple[str, ...] = ("elec_kwh", "gas_m3", "coal_t", "heat_mj")
#: Columns returned by :func:`energy_tce`.
ENERGY_COLUMNS: tuple[str, ...] = ("energy_tce_calorific", "energy_tce_primary", "co2_t")
#: Columns returned by :func:`carbon_efficiency`.
CARBON_COLUMNS: tuple[str, ...] = ("carbon_efficiency_L", "carbon_level", "carbon_k", "carbon_grade")

_KG_PER_T = 1000.0  # SI: kilograms per tonne
_MJ_PER_GJ = 1000.0  # SI: megajoules per gigajoule
_KWH_PER_MWH = 1000.0  # SI: kilowatt-hours per megawatt-hour

_LEVEL_LOW, _LEVEL_MID, _LEVEL_HIGH = "低碳", "中碳", "高碳"


def _row_label(df: pd.DataFrame, pos: int) -> str:
    if "uscc" in df.columns:
        return f"{df.index[pos]} (uscc {df['uscc'].iloc[pos]})"
    return str(df.index[pos])


def numeric_column(
    df: pd.DataFrame, column: str, *, required: bool = False, non_negative: bool = False
) -> pd.Series:
    """Return ``df[column]`` as float64 (NaN when missing), checking type and sign.

    Parameters
    ----------
    df : DataFrame
        Any frame; the result has the same index.
    column : str
        Column name. An absent column gives an all-NaN series unless ``required``.
    required : bool
        Raise when the column is absent.
    non_negative : bool
        Raise when a value is negative (quantities such as areas or energy use).

    Returns
    -------
    Series of float64, same index as ``df``.

    Raises
    ------
    InputError
        Column absent while required, a value that is not a number, or a negative quantity.
        The message names the column and the first offending row (index and uscc).
    """
    if column not in df.columns:
        if required:
            raise InputError(
                f"column '{column}' is missing from the firm table",
                column=column,
                fix=f"supply '{column}' (see docs/CONTRACTS.md §2)",
            )
        return pd.Series(np.nan, index=df.index, dtype="float64")
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    bad = values.isna() & raw.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"value {raw.iloc[pos]!r} is not a number",
            column=column,
            row=_row_label(df, pos),
            fix="give a plain number (blank = not reported)",
        )
    if non_negative and (values < 0).any():
        pos = int(np.flatnonzero((values < 0).to_numpy())[0])
        raise InputError(
            f"negative quantity {values.iloc[pos]:g}",
            column=column,
            row=_row_label(df, pos),
            fix="correct the value or leave it blank if unknown",
        )
    return values


def safe_ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` with NaN where the denominator is missing, zero or negative.

    Parameters
    ----------
    numerator, denominator : Series of float
        Aligned on the same index.

    Returns
    -------
    Series of float64, same index; never ``inf``.
    """
    num = numerator.astype("float64")
    den = denominator.astype("float64")
    ok = den.gt(0) & num.notna()
    out = pd.Series(np.nan, index=num.index, dtype="float64")
    out[ok] = num[ok] / den[ok]
    return out


def grid_factor(rules: RuleSet) -> tuple[str, float]:
    """The grid emission factor in use: its name (``energy.grid_factor``) and value in t CO₂/MWh.

    Parameters
    ----------
    rules : RuleSet
        Reads ``energy.grid_factor`` and ``energy.grid_factors_t_per_mwh`` (RULES.md §4).

    Returns
    -------
    (str, float)
        E.g. ``("zhejiang_2022", 0.5153)``.
    """
    e = energy_rules(rules)
    name = str(rules.value("energy.grid_factor"))
    return name, float((e.grid_factors_t_per_mwh or {})[name])


def electricity_primary_factor(rules: RuleSet, year: int | None = None) -> float:
    """等价值 factor of electricity in kgce/kWh for a data year.

    Parameters
    ----------
    rules : RuleSet
        Reads ``energy.elec_kgce_per_kwh_primary_by_year`` and ``energy.elec_kgce_per_kwh_primary``.
    year : int, optional
        Data year. When it is listed in the by-year table its value is used; otherwise (or when
        ``None``) the default ``energy.elec_kgce_per_kwh_primary``, with an :class:`InputWarning`
        when a year was asked for but is not listed.

    Returns
    -------
    float
        kgce per kWh.
    """
    default = float(rules.value("energy.elec_kgce_per_kwh_primary"))
    if year is None:
        return default
    table = energy_rules(rules).elec_kgce_per_kwh_primary_by_year or {}
    if int(year) in table:
        return float(table[int(year)])
    warnings.warn(
        f"no 等价值 electricity factor for {year} in energy.elec_kgce_per_kwh_primary_by_year "
        f"{sorted(table)}; using energy.elec_kgce_per_kwh_primary = {default:g} kgce/kWh",
        InputWarning,
        stacklevel=2,
    )
    return default


def energy_tce(firms: pd.DataFrame, rules: RuleSet, *, year: int | None = None) -> pd.DataFrame:
    """Convert each firm's energy use to tce on both bases, and to CO₂.

    Parameters
    ----------
    firms : DataFrame
        One row per firm, any unique index. Reads ``elec_kwh`` (kWh), ``gas_m3`` (m³),
        ``coal_t`` (t raw coal), ``heat_mj`` (MJ purchased heat); absent columns count as not
        reported. NaN = not reported.
    rules : RuleSet
        Reads ``energy.elec_kgce_per_kwh_calorific`` (当量值), the 等价值 factor
        (:func:`electricity_primary_factor`), ``energy.gas_kgce_per_m3``, ``energy.coal_kgce_per_kg``,
        ``energy.heat_kgce_per_mj``, the grid factor (:func:`grid_factor`), ``energy.coal_co2_t_per_tce``,
        ``energy.gas_co2_kg_per_m3``, ``energy.heat_co2_t_per_gj`` (RULES.md §4).
    year : int, optional
        Data year selecting the yearly 等价值 electricity factor; default the rules' default factor.

    Returns
    -------
    DataFrame
        Same index as ``firms``, columns ``energy_tce_calorific`` (当量值, tce),
        ``energy_tce_primary`` (等价值, tce) and ``co2_t`` (t CO₂). A firm with at least one
        energy figure counts its unreported fuels as 0; a firm with none gets NaN in all three.

    Raises
    ------
    InputError
        A non-numeric or negative energy figure (names the column and row).

    Examples
    --------
    1 000 000 kWh → 1 000 000 × 0.1229 / 1000 = 122.9 tce (当量值) and × 0.30 / 1000 = 300 tce (等价值).
    """
    q = {c: numeric_column(firms, c, non_negative=True) for c in ENERGY_INPUTS}
    reported = pd.concat(q.values(), axis=1).notna().any(axis=1)
    z = {c: s.fillna(0.0) for c, s in q.items()}
    v = rules.value
    coal_kgce = z["coal_t"] * _KG_PER_T * float(v("energy.coal_kgce_per_kg"))
    other_kgce = (
        z["gas_m3"] * float(v("energy.gas_kgce_per_m3"))
        + coal_kgce
        + z["heat_mj"] * float(v("energy.heat_kgce_per_mj"))
    )
    calorific = (z["elec_kwh"] * float(v("energy.elec_kgce_per_kwh_calorific")) + other_kgce) / _KG_PER_T
    primary = (z["elec_kwh"] * electricity_primary_factor(rules, year) + other_kgce) / _KG_PER_T
    co2 = (
        z["elec_kwh"] / _KWH_PER_MWH * grid_factor(rules)[1]
        + coal_kgce / _KG_PER_T * float(v("energy.coal_co2_t_per_tce"))
        + z["gas_m3"] * float(v("energy.gas_co2_kg_per_m3")) / _KG_PER_T
        + z["heat_mj"] / _MJ_PER_GJ * float(v("energy.heat_co2_t_per_gj"))
    )
    out = pd.DataFrame(
        {"energy_tce_calorific": calorific, "energy_tce_primary": primary, "co2_t": co2},
        index=firms.index,
    )
    out.loc[~reported, :] = np.nan
    return out.astype("float64")


def _level(value: float, low: float, mid: float) -> object:
    if math.isnan(value):
        return pd.NA
    if value <= low:
        return _LEVEL_LOW
    if value <= mid:
        return _LEVEL_MID
    return _LEVEL_HIGH


def carbon_efficiency(firms: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """碳效: carbon intensity L, its level, and the industry-relative grade (DB33/T 1347-2023).

    Parameters
    ----------
    firms : DataFrame
        One row per firm, unique index. Reads ``value_added_wan`` (万元) and ``co2_t`` (t; computed
        with :func:`energy_tce` when the column is absent), ``industry_code`` (GB/T 4754 str) and
        ``above_scale`` (bool) when present.
    rules : RuleSet
        Reads ``carbon.low_carbon_max``, ``carbon.mid_carbon_max`` (t CO₂/万元),
        ``carbon.grade_k_max`` (K limits of grades 1–4) and ``carbon.industry_code_digits``.

    Returns
    -------
    DataFrame
        Same index: ``carbon_efficiency_L`` (t CO₂/万元; NaN without CO₂ or with value added ≤ 0),
        ``carbon_level`` (低碳 / 中碳 / 高碳, NA without L), ``carbon_k`` (L ÷ the industry average L)
        and ``carbon_grade`` (Int64 1–5). The industry average is Σ CO₂ ÷ Σ value added over the
        规上 firms (all firms when ``above_scale`` is absent) with an L in the same industry (first
        ``carbon.industry_code_digits`` digits of ``industry_code``); K and the grade are given
        for 规上 firms only, as the provincial method grades 规上 firms.
    """
    va = numeric_column(firms, "value_added_wan")
    co2 = (
        numeric_column(firms, "co2_t", non_negative=True)
        if "co2_t" in firms.columns
        else energy_tce(firms, rules)["co2_t"]
    )
    lval = safe_ratio(co2, va)
    low = float(rules.value("carbon.low_carbon_max"))
    mid = float(rules.value("carbon.mid_carbon_max"))
    level = pd.Series([_level(x, low, mid) for x in lval.to_numpy()], index=firms.index, dtype="string")
    k = pd.Series(np.nan, index=firms.index, dtype="float64")
    grade = pd.Series(pd.NA, index=firms.index, dtype="Int64")
    if "industry_code" in firms.columns:
        digits = int(rules.value("carbon.industry_code_digits"))
        industry = firms["industry_code"].astype("string").str.strip().str[:digits]
        graded = lval.notna() & industry.notna()
        if "above_scale" in firms.columns:
            graded &= firms["above_scale"].fillna(False).astype(bool)
        for _, idx in industry[graded].groupby(industry[graded]).groups.items():
            avg_co2 = math.fsum(co2[idx].to_numpy())
            avg_va = math.fsum(va[idx].to_numpy())
            if avg_co2 > 0 and avg_va > 0:
                k[idx] = lval[idx] / (avg_co2 / avg_va)
        limits = [float(x) for x in rules.value("carbon.grade_k_max")]
        has_k = k.notna()
        grade[has_k] = np.searchsorted(np.asarray(limits), k[has_k].to_numpy(), side="left") + 1
    return pd.DataFrame(
        {"carbon_efficiency_L": lval, "carbon_level": level, "carbon_k": k, "carbon_grade": grade},
        index=firms.index,
    )
