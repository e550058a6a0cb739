"""Re-use of the land a 腾笼换鸟 scenario frees, and the county 规上 亩均 figures before and after.

Freed land (plan §四(二))
    Land freed by a merger goes to the acquirer (``scenario.merge_land_reusable`` false) and is
    not offered again. The rest is re-usable. Inside the 工业用地控制线 it stays industrial
    (``scenario.reuse_inside_control_line_industrial``); outside, ``scenario.
    reuse_outside_industrial_share`` stays industrial and the rest may change use (先补后占,
    改一补一). A parcel's inside share comes from an ``inside_control_line_share`` column or from
    :func:`ruian_land.control_lines.inside_share`; unknown counts as inside (the strict case).
    Industrial re-use: ``scenario.reuse_share_standard_land`` as new 标准地 projects at the
    ``standard_land.*`` benchmarks (tax, 增加值, investment, output per 亩), the rest as 小微园
    floor space (``parks.planned_far``, ``parks.unit_floor_area_m2``, ``parks.jobs_per_1000m2``,
    ``parks.expected_tax_per_mu``).

County 规上 亩均税收 / 亩均增加值 (a projection against ``targets.tax_per_mu`` 42 and
``targets.value_added_per_mu`` 220)
    Stock: 规上 firms with land. Exit and vacate take their tax, 增加值 and land out; relocation
    too (what it keeps moves into a 小微园, counted with the 小微园, not in the 规上 stock); a 规上
    firm merged into an acquirer keeps its land in the stock with ``merge_*_kept`` of its tax and
    增加值 (a 规下 one stays outside: the projection does not guess the acquirer's size); an upgrade raises
    a 规上 firm's tax and 增加值 by the upgrade gains; a partial release takes the land given back
    out (and ``partial_release_output_loss`` of the output per share). New 标准地 projects add
    their land and benchmark figures. ``*_clearance_only``: the same without the new projects.
    ``reuse_tax_per_mu_needed``: the 亩均税收 the new projects would need for the county to reach
    the target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruian_land.core import M2_PER_MU
from ruian_land.rules import RuleSet
from ruian_land.scenario.remedies import RemedyTable
from ruian_land.screening import truthy

__all__ = ["county_per_mu", "reuse_of_freed_land", "reuse_split", "stock_mask"]


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[col], errors="coerce").astype(float)


def stock_mask(firms: pd.DataFrame) -> pd.Series:
    """The county 规上 stock the 亩均 figures are taken over: 规上 firms with land (bool, aligned
    with ``firms``; all False without an ``above_scale`` column)."""
    if "above_scale" not in firms.columns:
        return pd.Series(False, index=firms.index)
    above = firms["above_scale"].map(truthy).astype(bool)
    return above & (_num(firms, "land_area_mu").fillna(0.0) > 0)


def reuse_split(freed: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """Each freed parcel's re-usable land split into 标准地, 小微园 and change of use (亩).

    Parameters
    ----------
    freed : DataFrame
        As for :func:`reuse_of_freed_land`.
    rules : RuleSet
        ``scenario.reuse_*``.

    Returns
    -------
    DataFrame
        Aligned with ``freed`` (same index): ``reusable_mu``, ``inside_control_line_mu``,
        ``industrial_mu``, ``standard_land_mu``, ``micro_park_mu``, ``change_of_use_mu``.
    """
    v = rules.value
    reusable = _num(freed, "reusable_mu").fillna(_num(freed, "area_mu")).fillna(0.0)
    inside = reusable * _num(freed, "inside_control_line_share").clip(0, 1).fillna(1.0)
    keep_out = float(v("scenario.reuse_outside_industrial_share"))
    if bool(v("scenario.reuse_inside_control_line_industrial")):
        industrial = inside + keep_out * (reusable - inside)
    else:
        industrial = keep_out * reusable
    std = float(v("scenario.reuse_share_standard_land")) * industrial
    return pd.DataFrame(
        {
            "reusable_mu": reusable,
            "inside_control_line_mu": inside,
            "industrial_mu": industrial,
            "standard_land_mu": std,
            "micro_park_mu": industrial - std,
            "change_of_use_mu": reusable - industrial,
        },
        index=freed.index,
    )


def reuse_of_freed_land(freed: pd.DataFrame, rules: RuleSet, relocations: int = 0) -> dict[str, float]:
    """Split the freed land into 标准地, 小微园 and change of use, with what each brings.

    Parameters
    ----------
    freed : DataFrame
        ``ScenarioResult.freed_parcels``: ``area_mu`` (亩), ``reusable_mu`` (亩 offered again) and
        ``inside_control_line_share`` (0–1, NaN = unknown, counted as inside).
    rules : RuleSet
        ``scenario.reuse_*``, ``standard_land.*``, ``parks.*``.
    relocations : int
        Firms relocated into 小微园 by the scenario (their floor-space demand).

    Returns
    -------
    dict
        ``reusable_mu``, ``inside_control_line_mu``, ``industrial_mu``, ``change_of_use_mu``,
        ``standard_land_mu``, ``micro_park_mu``, ``new_tax_wan``, ``new_value_added_wan``,
        ``new_investment_wan``, ``new_output_wan`` (标准地 projects), ``micro_park_floor_m2``,
        ``micro_park_units``, ``micro_park_jobs``, ``micro_park_tax_wan``,
        ``relocation_floor_demand_m2``, ``micro_park_floor_balance_m2`` (supply − demand).
    """
    v = rules.value
    split = reuse_split(freed, rules)
    total = float(split["reusable_mu"].sum())
    inside = float(split["inside_control_line_mu"].sum())
    industrial = float(split["industrial_mu"].sum())
    std = float(split["standard_land_mu"].sum())
    micro = float(split["micro_park_mu"].sum())
    floor = micro * float(v("parks.planned_far")) * M2_PER_MU
    unit = float(v("parks.unit_floor_area_m2"))
    demand = relocations * unit
    return {
        "reusable_mu": total,
        "inside_control_line_mu": inside,
        "industrial_mu": industrial,
        "change_of_use_mu": total - industrial,
        "standard_land_mu": std,
        "micro_park_mu": micro,
        "new_tax_wan": std * float(v("standard_land.tax_per_mu")),
        "new_value_added_wan": std * float(v("standard_land.value_added_per_mu")),
        "new_investment_wan": std * float(v("standard_land.investment_per_mu")),
        "new_output_wan": std * float(v("standard_land.output_per_mu")),
        "micro_park_floor_m2": floor,
        "micro_park_units": floor / unit if unit > 0 else float("nan"),
        "micro_park_jobs": floor / 1000.0 * float(v("parks.jobs_per_1000m2")),
        "micro_park_tax_wan": micro * float(v("parks.expected_tax_per_mu")),
        "relocation_floor_demand_m2": demand,
        "micro_park_floor_balance_m2": floor - demand,
    }


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def county_per_mu(
    firms: pd.DataFrame,
    remedy_of: pd.Series,
    partial_of: pd.Series,
    table: RemedyTable,
    reuse: dict[str, float],
    rules: RuleSet,
) -> dict[str, float]:
    """County 规上 亩均税收 and 亩均增加值 before and after the scenario (see the module docstring).

    Parameters
    ----------
    firms : DataFrame
        Evaluated firms, one row per ``uscc``: ``above_scale``, ``tax_wan``, ``value_added_wan``,
        ``land_area_mu``.
    remedy_of : Series
        uscc → remedy of the firms acted on.
    partial_of : Series
        uscc → share (0–1) of the firm's land given back by partial release.
    table : RemedyTable
    reuse : dict
        From :func:`reuse_of_freed_land` (``standard_land_mu``, ``new_tax_wan``, ``new_value_added_wan``).
    rules : RuleSet
        ``targets.tax_per_mu``, ``targets.value_added_per_mu``, ``scenario.partial_release_output_loss``.

    Returns
    -------
    dict
        ``tax_per_mu_before`` / ``_after`` / ``_after_clearance_only``, the same for
        ``value_added_per_mu``, ``above_scale_land_mu_before`` / ``_after``, the targets and
        ``reuse_tax_per_mu_needed`` / ``reuse_value_added_per_mu_needed`` (万元/亩 of the new
        projects that would bring the county to the target; NaN without re-usable land).
    """
    uscc = firms["uscc"].astype(str) if "uscc" in firms.columns else pd.Series([], dtype=str)
    land = _num(firms, "land_area_mu").fillna(0.0).clip(lower=0)
    tax = _num(firms, "tax_wan").fillna(0.0)
    va = _num(firms, "value_added_wan").fillna(0.0)
    base = stock_mask(firms).to_numpy()
    rem = uscc.map(remedy_of.astype(object)).astype(object).fillna("").to_numpy(dtype=object)
    part = uscc.map(partial_of).fillna(0.0).to_numpy(dtype=float)
    loss = float(rules.value("scenario.partial_release_output_loss"))
    l0 = float(land[base].sum())
    t0 = float(tax[base].sum())
    v0 = float(va[base].sum())
    land1, tax1, va1 = land.to_numpy().copy(), tax.to_numpy().copy(), va.to_numpy().copy()
    keep = base.copy()
    for i, r in enumerate(table.names):
        sel = rem == r
        if not sel.any():
            continue
        if r == "merge" and not table.reusable[i]:  # land and kept output stay with the acquirer
            tax1[sel] *= table.tax_kept[i]
            va1[sel] *= table.value_added_kept[i]
        elif table.frees_land[i]:
            keep &= ~sel
        else:  # upgrade: only 规上 firms count
            tax1[sel] *= table.tax_kept[i]
            va1[sel] *= table.value_added_kept[i]
    land1 *= 1 - part
    tax1 *= 1 - loss * part
    va1 *= 1 - loss * part
    l_c, t_c, v_c = float(land1[keep].sum()), float(tax1[keep].sum()), float(va1[keep].sum())
    std = float(reuse.get("standard_land_mu", 0.0))
    l1 = l_c + std
    t1 = t_c + float(reuse.get("new_tax_wan", 0.0))
    v1 = v_c + float(reuse.get("new_value_added_wan", 0.0))
    tgt_t = float(rules.value("targets.tax_per_mu"))
    tgt_v = float(rules.value("targets.value_added_per_mu"))
    need_t = (tgt_t * (l_c + std) - t_c) / std if std > 0 else float("nan")
    need_v = (tgt_v * (l_c + std) - v_c) / std if std > 0 else float("nan")
    return {
        "tax_per_mu_before": _ratio(t0, l0),
        "tax_per_mu_after": _ratio(t1, l1),
        "tax_per_mu_after_clearance_only": _ratio(t_c, l_c),
        "value_added_per_mu_before": _ratio(v0, l0),
        "value_added_per_mu_after": _ratio(v1, l1),
        "value_added_per_mu_after_clearance_only": _ratio(v_c, l_c),
        "above_scale_land_mu_before": l0,
        "above_scale_land_mu_after": l1,
        "target_tax_per_mu": tgt_t,
        "target_value_added_per_mu": tgt_v,
        "reuse_tax_per_mu_needed": need_t,
        "reuse_value_added_per_mu_needed": need_v,
    }
