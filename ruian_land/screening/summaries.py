"""Summaries of the screening and of the 整治清单: by town or park, and progress against the plan.

* :func:`screening_summary` – the whole screening by town or park;
* :func:`list_summary` – the tracked lists by town or park, status counts and target shares;
* :func:`progress` – the plan's picks against each plan target (plan §二) by closed-loop status.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ruian_land.core import contains_any
from ruian_land.rules import RuleSet
from ruian_land.screening.base import (
    OUTSIDE_PARKS,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_TODO,
    UNKNOWN_TOWN,
    ScreeningFrames,
    text_of,
)
from ruian_land.screening.idle import truthy

__all__ = ["list_summary", "progress", "remedy_category", "screening_summary"]

# summaries


def _groups(s: pd.Series, by: str) -> pd.Series:
    blank = UNKNOWN_TOWN if by == "town" else OUTSIDE_PARKS
    txt = text_of(s)
    return txt.where(txt != "", blank)


def _group_col(by: str) -> str:
    if by not in ("town", "park"):
        raise ValueError(f"by must be 'town' or 'park', not {by!r}")
    return "town" if by == "town" else "park_name"


def _targets(rules: RuleSet) -> dict[str, float]:
    v = rules.value
    return {
        "freed_area_mu": float(v("targets.freed_area_mu")),
        "firms_exited": float(v("targets.firms_exited")),
        "firms_upgraded": float(v("targets.firms_upgraded")),
        "firms": float(v("targets.firms_exited")) + float(v("targets.firms_upgraded")),
        "freed_energy_tce": float(v("targets.freed_energy_tce")),
    }


def _amount(frame: pd.DataFrame, col: str) -> pd.Series:
    """Numeric column (0 where missing or absent: rows of firms the plan does not pick)."""
    if col not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").fillna(0.0)


def _sum_where(values: pd.Series, mask: pd.Series, groups: pd.Series) -> pd.Series:
    return values.where(mask, 0.0).fillna(0.0).groupby(groups).sum()


def _finish(out: pd.DataFrame, by: str, int_cols: Sequence[str]) -> pd.DataFrame:
    out = out.fillna(0.0)
    for c in int_cols:
        out[c] = out[c].astype(int)
    out.loc["合计"] = out.sum(numeric_only=True)
    for c in int_cols:
        out[c] = out[c].astype(int)
    out.index.name = _group_col(by)
    return out


def screening_summary(screening: ScreeningFrames, by: str = "town") -> pd.DataFrame:
    """Counts, 亩, tax and energy of the whole screening per town or park, with a total row.

    Parameters
    ----------
    screening : Screening
    by : {"town", "park"}
        Group by ``town`` (blank → 未标注乡镇) or ``park_name`` (blank → 园区外).

    Returns
    -------
    DataFrame
        Index (named ``town`` or ``park_name``) = group names plus ``合计``; columns ``parcels``,
        ``area_mu``,
        ``low_efficiency_parcels``, ``low_efficiency_area_mu``, ``idle_parcels``,
        ``idle_area_mu``, ``idle_fee_wan``, ``flagged_area_mu`` (low-efficiency or idle),
        ``flagged_firms``, ``two_high_firms``, ``flagged_tax_wan``, ``flagged_energy_tce``
        (当量值), and the shares of the plan targets (``targets.*``): ``share_of_area_target``,
        ``share_of_firm_target`` (flagged firms over firms_exited + firms_upgraded),
        ``share_of_energy_target``. ``attrs['targets']`` holds the targets used.

    Raises
    ------
    ValueError
        ``by`` is not ``town`` or ``park``.
    """
    col = _group_col(by)
    p, f = screening.parcels, screening.firms
    gp_key, gf_key = _groups(p[col], by), _groups(f[col], by)
    low, idle = p["is_low_efficiency"].astype(bool), p["is_idle"].astype(bool)
    gp = p.groupby(gp_key, sort=True)
    out = pd.DataFrame(
        {
            "parcels": gp.size(),
            "area_mu": gp["area_mu"].sum(),
            "low_efficiency_parcels": low.groupby(gp_key).sum(),
            "low_efficiency_area_mu": _sum_where(p["area_mu"], low, gp_key),
            "idle_parcels": idle.groupby(gp_key).sum(),
            "idle_area_mu": _sum_where(p["area_mu"], idle, gp_key),
            "idle_fee_wan": p["idle_fee_wan"].fillna(0.0).groupby(gp_key).sum(),
            "flagged_area_mu": _sum_where(p["area_mu"], low | idle, gp_key),
        }
    )
    flagged = f["flagged"].astype(bool)
    firm_part = pd.DataFrame(
        {
            "flagged_firms": flagged.groupby(gf_key).sum(),
            "two_high_firms": f["is_two_high"].astype(bool).groupby(gf_key).sum(),
            "flagged_tax_wan": _sum_where(f["tax_wan"], flagged, gf_key),
            "flagged_energy_tce": _sum_where(f["energy_tce_calorific"], flagged, gf_key),
        }
    )
    out = out.join(firm_part, how="outer")
    ints = ("parcels", "low_efficiency_parcels", "idle_parcels", "flagged_firms", "two_high_firms")
    out = _finish(out, by, ints)
    targets = _targets(screening.rules)
    out["share_of_area_target"] = out["flagged_area_mu"] / targets["freed_area_mu"]
    out["share_of_firm_target"] = out["flagged_firms"] / targets["firms"]
    out["share_of_energy_target"] = out["flagged_energy_tce"] / targets["freed_energy_tce"]
    out.attrs["targets"] = targets
    return out


def remedy_category(remedy: pd.Series, rules: RuleSet) -> pd.Series:
    """``exit`` / ``upgrade`` / ``""`` for remedy texts (关停退出 → exit, 改造提升 → upgrade …).

    Parameters
    ----------
    remedy : Series of str
        Remedy texts (planner's ``remedy_plan`` or the optimiser's ``suggested_remedy``).
    rules : RuleSet
        ``tracking.exit_remedies`` and ``tracking.upgrade_remedies`` (matched as substrings;
        exit wins when both match).

    Returns
    -------
    Series of str, same index.
    """
    exits = [str(x) for x in rules.value("tracking.exit_remedies")]
    ups = [str(x) for x in rules.value("tracking.upgrade_remedies")]
    text = text_of(remedy)
    out = np.where(contains_any(text, exits), "exit", np.where(contains_any(text, ups), "upgrade", ""))
    return pd.Series(out, index=remedy.index, dtype=object)


def _firm_plan(firms: pd.DataFrame, rules: RuleSet) -> pd.Series:
    """Remedy category per firm row: the planner's ``remedy_plan``, else ``suggested_remedy``."""
    own = remedy_category(firms.get("remedy_plan", pd.Series("", index=firms.index)), rules)
    sug = remedy_category(firms.get("suggested_remedy", pd.Series("", index=firms.index)), rules)
    return own.where(own != "", sug)


def list_summary(
    firms: pd.DataFrame, parcels: pd.DataFrame, rules: RuleSet, by: str = "town"
) -> pd.DataFrame:
    """The tracked lists per town or park: status counts, 亩, tax, energy and target shares.

    Parameters
    ----------
    firms, parcels : DataFrame
        :func:`firm_list` / :func:`parcel_list` output, usually after
        :func:`ruian_land.screening.tracking.merge_status` (rows no longer flagged included).
    rules : RuleSet
        ``targets.*``, ``tracking.*_remedies``.
    by : {"town", "park"}

    Returns
    -------
    DataFrame
        Index (named ``town`` or ``park_name``) = group names plus ``合计``; columns
        ``firms_listed``, ``firms_todo``,
        ``firms_in_progress``, ``firms_closed``, ``firms_no_longer_flagged`` (not flagged by this
        run and not 已销号), ``two_high_firms``, ``firms_exit_plan`` / ``firms_upgrade_plan``
        (remedy category of :func:`remedy_category`), whole-list totals that are *not* compared
        with the targets (``listed_tax_wan``, ``listed_energy_tce`` 当量值, ``parcels_listed``,
        ``listed_area_mu``, ``low_efficiency_area_mu``, ``idle_area_mu``, ``idle_fee_wan``,
        ``closed_area_mu``), the plan's picks (``plan_freed_area_mu`` = sum of
        ``suggested_freed_area_mu``, ``plan_closed_freed_area_mu`` of 已销号 firms,
        ``plan_energy_saved_tce`` = sum of ``suggested_energy_saved_tce``), and shares of the
        plan targets, all on the plan's picks: ``share_of_firm_target`` ((exit + upgrade
        plans) / (200 + 300)), ``share_of_exit_target``, ``share_of_upgrade_target``,
        ``share_of_area_target`` (plan 亩 / 1000), ``closed_share_of_area_target``,
        ``share_of_energy_target`` (plan tce / 30000). ``attrs['targets']``.

    Raises
    ------
    ValueError
        ``by`` is not ``town`` or ``park``.
    """
    col = _group_col(by)
    gf, gp = _groups(firms[col], by), _groups(parcels[col], by)
    fs, ps = text_of(firms["status"]), text_of(parcels["status"])
    on_list = firms.get("on_current_list", pd.Series(True, index=firms.index)).astype(bool)
    plan = _firm_plan(firms, rules)
    one_f = pd.Series(1, index=firms.index)
    area = pd.to_numeric(parcels["area_mu"], errors="coerce")
    plan_area = _amount(firms, "suggested_freed_area_mu")
    firm_part = pd.DataFrame(
        {
            "firms_listed": one_f.groupby(gf).sum(),
            "firms_todo": (fs == STATUS_TODO).groupby(gf).sum(),
            "firms_in_progress": (fs == STATUS_IN_PROGRESS).groupby(gf).sum(),
            "firms_closed": (fs == STATUS_CLOSED).groupby(gf).sum(),
            "firms_no_longer_flagged": (~on_list & (fs != STATUS_CLOSED)).groupby(gf).sum(),
            "two_high_firms": firms["is_two_high"].map(truthy).groupby(gf).sum(),
            "firms_exit_plan": (plan == "exit").groupby(gf).sum(),
            "firms_upgrade_plan": (plan == "upgrade").groupby(gf).sum(),
            "listed_tax_wan": pd.to_numeric(firms["tax_wan"], errors="coerce").fillna(0.0).groupby(gf).sum(),
            "listed_energy_tce": pd.to_numeric(firms["energy_tce_calorific"], errors="coerce")
            .fillna(0.0)
            .groupby(gf)
            .sum(),
            "plan_freed_area_mu": plan_area.groupby(gf).sum(),
            "plan_closed_freed_area_mu": _sum_where(plan_area, fs == STATUS_CLOSED, gf),
            "plan_energy_saved_tce": _amount(firms, "suggested_energy_saved_tce").groupby(gf).sum(),
        }
    )
    parcel_part = pd.DataFrame(
        {
            "parcels_listed": pd.Series(1, index=parcels.index).groupby(gp).sum(),
            "listed_area_mu": area.fillna(0.0).groupby(gp).sum(),
            "low_efficiency_area_mu": _sum_where(area, parcels["is_low_efficiency"].map(truthy), gp),
            "idle_area_mu": _sum_where(area, parcels["is_idle"].map(truthy), gp),
            "idle_fee_wan": pd.to_numeric(parcels["idle_fee_wan"], errors="coerce")
            .fillna(0.0)
            .groupby(gp)
            .sum(),
            "closed_area_mu": _sum_where(area, ps == STATUS_CLOSED, gp),
        }
    )
    out = firm_part.join(parcel_part, how="outer")
    ints = [c for c in out.columns if c.startswith(("firms_", "parcels_", "two_high"))]
    out = _finish(out, by, ints)
    t = _targets(rules)
    out["share_of_firm_target"] = (out["firms_exit_plan"] + out["firms_upgrade_plan"]) / t["firms"]
    out["share_of_exit_target"] = out["firms_exit_plan"] / t["firms_exited"]
    out["share_of_upgrade_target"] = out["firms_upgrade_plan"] / t["firms_upgraded"]
    out["share_of_area_target"] = out["plan_freed_area_mu"] / t["freed_area_mu"]
    out["closed_share_of_area_target"] = out["plan_closed_freed_area_mu"] / t["freed_area_mu"]
    out["share_of_energy_target"] = out["plan_energy_saved_tce"] / t["freed_energy_tce"]
    out.attrs["targets"] = t
    return out


def progress(firms: pd.DataFrame, parcels: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """The plan's picks against each plan target (plan §二), by closed-loop status.

    Every row uses one measure, the plan's picks: firms whose remedy (the planner's
    ``remedy_plan``, else the optimiser's ``suggested_remedy``) is an exit / upgrade; 亩 freed
    (``suggested_freed_area_mu``: each picked firm's share of the parcels the scenario frees);
    tce saved (``suggested_energy_saved_tce``). Status is the firm's. ``whole_list`` gives the
    whole list for reference (all listed firms; 亩 of listed parcels; 当量值 energy of listed
    firms) and is not compared with the target.

    Parameters
    ----------
    firms, parcels : DataFrame
        Tracked :func:`firm_list` / :func:`parcel_list` frames (firm rows without the
        ``suggested_*`` figures count 0 亩 / 0 tce).
    rules : RuleSet
        ``targets.firms_exited``, ``targets.firms_upgraded``, ``targets.freed_area_mu``,
        ``targets.freed_energy_tce``, ``tracking.*_remedies``.

    Returns
    -------
    DataFrame
        One row per target (index ``firms_exited``, ``firms_upgraded``, ``freed_area_mu``,
        ``freed_energy_tce``): ``indicator`` (Chinese), ``measure`` (what is counted, Chinese),
        ``unit``, ``target``, ``planned`` (the plan's picks), ``todo``, ``in_progress``,
        ``closed`` (same measure by status), ``planned_share`` = planned / target,
        ``closed_share`` = closed / target, ``whole_list`` (not compared with the target).
    """
    t = _targets(rules)
    fs = text_of(firms["status"])
    plan = _firm_plan(firms, rules)
    one = pd.Series(1.0, index=firms.index)
    listed_area = float(pd.to_numeric(parcels["area_mu"], errors="coerce").fillna(0.0).sum())
    listed_energy = float(_amount(firms, "energy_tce_calorific").sum())
    n_firms = float(len(firms))
    rows = {
        "firms_exited": (
            "淘汰落后产能企业",
            "整治方式为退出类的企业(规划师整治方式,否则方案建议)",
            "家",
            one.where(plan == "exit", 0.0),
            n_firms,
        ),
        "firms_upgraded": (
            "整治提升企业",
            "整治方式为提升类的企业(规划师整治方式,否则方案建议)",
            "家",
            one.where(plan == "upgrade", 0.0),
            n_firms,
        ),
        "freed_area_mu": (
            "腾出低效工业用地",
            "方案选定企业腾出的宗地面积",
            "亩",
            _amount(firms, "suggested_freed_area_mu"),
            listed_area,
        ),
        "freed_energy_tce": (
            "腾出用能",
            "方案选定企业的节约能耗(当量值)",
            "吨标准煤",
            _amount(firms, "suggested_energy_saved_tce"),
            listed_energy,
        ),
    }
    out = pd.DataFrame(
        [
            {
                "indicator": name,
                "measure": measure_zh,
                "unit": unit,
                "target": t[key],
                "planned": float(measure.sum()),
                "todo": float(measure[fs == STATUS_TODO].sum()),
                "in_progress": float(measure[fs == STATUS_IN_PROGRESS].sum()),
                "closed": float(measure[fs == STATUS_CLOSED].sum()),
                "whole_list": whole,
            }
            for key, (name, measure_zh, unit, measure, whole) in rows.items()
        ],
        index=pd.Index(list(rows), name="target_key"),
    )
    out["planned_share"] = out["planned"] / out["target"]
    out["closed_share"] = out["closed"] / out["target"]
    order = ["indicator", "measure", "unit", "target", "planned", "todo", "in_progress", "closed"]
    return out[[*order, "planned_share", "closed_share", "whole_list"]]
