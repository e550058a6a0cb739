"""The 赛马 ranking (plan §五(二)): towns and parks on progress against their own share of the targets.

A unit's (town's or park's) quota of target *k* at a period is ``target_k × share × elapsed``:
``share`` from the monitoring config's ``quotas`` or, by default (``monitor.unit_share:
industrial_land``), the unit's share of the county's industrial land. Its score is the mean over
``monitor.ranking_targets`` of ``min(achieved_k / quota_k, monitor.progress_cap)``; units are
ranked by score, highest first, ties sharing the best rank (``method="min"``); a unit with no
quota (no industrial land, not in ``quotas``) is not ranked and is said so. The last
``monitor.flag_bottom_n`` ranked units, with any tied at the cut, are flagged for 通报约谈.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ruian_land.core import InputError
from ruian_land.monitor.base import TARGETS, Snapshot
from ruian_land.monitor.progress import achieved, elapsed_fraction
from ruian_land.rules import RuleSet
from ruian_land.screening import OUTSIDE_PARKS, UNKNOWN_TOWN

__all__ = ["UNIT_COLUMN", "rank_units", "unit_scores", "unit_shares"]

#: The column of a snapshot's frames that names the unit ranked.
UNIT_COLUMN = {"town": "town", "park": "park_name"}
_NOT_A_UNIT = {"", "nan", "None", OUTSIDE_PARKS, UNKNOWN_TOWN}


def _units(frame: pd.DataFrame, by: str) -> pd.Series:
    col = UNIT_COLUMN[by]
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[col].astype(object).where(frame[col].notna(), "").astype(str).str.strip()


def ranking_keys(rules: RuleSet) -> list[str]:
    """``monitor.ranking_targets``, checked against :data:`TARGETS`."""
    keys = [str(k) for k in rules.value("monitor.ranking_targets")]
    bad = [k for k in keys if k not in TARGETS]
    if bad or not keys:
        raise InputError(
            f"monitor.ranking_targets {bad or keys} are not targets the monitor follows",
            fix=f"choose among {', '.join(TARGETS)}",
        )
    return keys


def unit_shares(
    parcels: pd.DataFrame, by: str, rules: RuleSet, quotas: Mapping[str, float] | None = None
) -> tuple[pd.Series, str]:
    """Each unit's share of every target, and the rule used (in Chinese, for the bulletin).

    Parameters
    ----------
    parcels : DataFrame
        A snapshot's parcels (``town`` / ``park_name``, ``area_mu``, ``is_industrial``).
    by : {"town", "park"}
    rules : RuleSet
        ``monitor.unit_share`` (``industrial_land``).
    quotas : mapping, optional
        Unit → share (0–1) from the monitoring config; wins when given.

    Returns
    -------
    (Series, str)
        Share per unit (index: unit name), and the method stated.
    """
    if quotas:
        s = pd.Series({str(k): float(v) for k, v in quotas.items()}, dtype=float)
        return s, "监测配置 quotas 中给定的分解比例"
    method = str(rules.value("monitor.unit_share"))
    if method != "industrial_land":
        raise InputError(f"monitor.unit_share = {method!r} is unknown", fix="use industrial_land")
    unit = _units(parcels, by)
    raw = parcels["area_mu"] if "area_mu" in parcels.columns else pd.Series(0.0, index=parcels.index)
    area = pd.to_numeric(raw, errors="coerce").fillna(0.0)
    ind = parcels["is_industrial"].astype(bool) if "is_industrial" in parcels.columns else None
    if ind is None or not ind.any():
        ind = pd.Series(True, index=parcels.index)
        basis = "全部宗地面积"
    else:
        basis = "工业用地面积"
    keep = ind & ~unit.isin(_NOT_A_UNIT)
    land = area[keep].groupby(unit[keep]).sum()
    total = (
        float(area[ind & ~_units(parcels, "town").isin({"", UNKNOWN_TOWN})].sum())
        if by == "town"
        else float(area[ind].sum())
    )
    share = land / total if total > 0 else land * np.nan
    return share.astype(float), f"按各{'镇街' if by == 'town' else '园区'}{basis}占全县{basis}的比例分解"


def unit_scores(snap: Snapshot, by: str, shares: pd.Series, rules: RuleSet) -> pd.DataFrame:
    """Each unit's achieved figures, quotas, progress per target and 赛马 score at one snapshot.

    Returns
    -------
    DataFrame
        Index: unit name (every unit with a share or a listed firm); columns ``share``,
        ``achieved_<k>``, ``quota_<k>``, ``progress_<k>`` for every key of :data:`TARGETS`
        (progress NaN where the quota is 0), ``listed`` (firms on the list), ``closed``
        (已销号 firms), ``score`` (mean of the capped progress over ``monitor.ranking_targets``;
        NaN when the unit has no quota).
    """
    done, _ = achieved(snap.firms, rules)
    unit = _units(snap.firms, by)
    keep = ~unit.isin(_NOT_A_UNIT)
    sums = done[keep].groupby(unit[keep]).sum()
    status = (
        snap.firms["status"].astype(str)
        if "status" in snap.firms.columns
        else pd.Series("", index=unit.index)
    )
    counts = pd.DataFrame({"listed": 1, "closed": (status == "已销号").astype(int)}, index=unit.index)
    counts = counts[keep].groupby(unit[keep]).sum()
    names = sorted(set(shares.index) | set(sums.index))
    out = pd.DataFrame(index=pd.Index(names, name=by))
    out["share"] = shares.reindex(names).fillna(0.0)
    frac = elapsed_fraction(snap.date, rules)
    cap = float(rules.value("monitor.progress_cap"))
    for key in TARGETS:
        out[f"achieved_{key}"] = sums[key].reindex(names).fillna(0.0) if key in sums else 0.0
        out[f"quota_{key}"] = float(rules.value(f"targets.{key}")) * out["share"] * frac
        quota = out[f"quota_{key}"].where(out[f"quota_{key}"] > 0)
        out[f"progress_{key}"] = out[f"achieved_{key}"] / quota
    out["listed"] = counts["listed"].reindex(names).fillna(0).astype(int)
    out["closed"] = counts["closed"].reindex(names).fillna(0).astype(int)
    prog = out[[f"progress_{k}" for k in ranking_keys(rules)]].clip(upper=cap)
    out["score"] = prog.mean(axis=1, skipna=False).round(9)
    return out


def rank_units(latest: pd.DataFrame, previous: pd.DataFrame | None, rules: RuleSet) -> pd.DataFrame:
    """The 赛马 ranking of one kind of unit at the latest period.

    Parameters
    ----------
    latest, previous : DataFrame
        :func:`unit_scores` of the latest and the previous snapshot (``None`` for one period).
    rules : RuleSet
        ``monitor.flag_bottom_n``.

    Returns
    -------
    DataFrame
        ``latest`` plus ``previous_score``, ``score_change``, ``rank`` (1 = best; ties share the
        best rank; NaN when not ranked), ``previous_rank``, ``tied_with`` (the other units of the
        same rank, ``、``-joined), ``regressed`` (score below the previous period's),
        ``summoned`` (通报约谈), ``summon_reason`` and ``note`` (missing data, ties) in Chinese.
        Ranked units first by rank then name; unranked ones last.
    """
    out = latest.copy()
    prev_score = previous["score"] if previous is not None else pd.Series(dtype=float)
    out["previous_score"] = prev_score.reindex(out.index)
    out["score_change"] = out["score"] - out["previous_score"]
    out["rank"] = out["score"].rank(method="min", ascending=False)
    prev_rank = prev_score.rank(method="min", ascending=False) if len(prev_score) else prev_score
    out["previous_rank"] = prev_rank.reindex(out.index)
    groups = out.index.to_series().groupby(out["rank"]).agg(list)
    out["tied_with"] = [
        "、".join(n for n in groups.get(r, []) if n != name) if pd.notna(r) else ""
        for name, r in zip(out.index, out["rank"], strict=True)
    ]
    out["regressed"] = (out["score_change"] < -1e-9).fillna(False).astype(bool)
    n = int(rules.value("monitor.flag_bottom_n"))
    ranked = out["score"].dropna().sort_values()
    cut = ranked.iloc[min(n, len(ranked)) - 1] if n > 0 and len(ranked) else -np.inf
    out["summoned"] = (out["score"] <= cut).fillna(False).astype(bool)
    reason = np.where(out["summoned"], f"排名末{n}位,建议通报约谈", "")
    reason = np.where(
        out["summoned"] & out["regressed"], np.char.add(reason.astype(str), ";较上期退步"), reason
    )
    out["summon_reason"] = reason
    note = np.where(out["score"].isna(), "无配额(无工业用地或未分解),不参与排名", "")
    tie = (out["tied_with"] != "") & out["rank"].notna()
    note = np.where(tie, "与" + out["tied_with"] + "并列", note)
    first = out["previous_score"].isna() & out["score"].notna() & (previous is not None)
    note = np.where(first & (note == ""), "上期无数据", note)
    out["note"] = note
    order = out.assign(_r=out["rank"].fillna(np.inf), _n=out.index).sort_values(
        ["_r", "_n"], kind="mergesort"
    )
    return order.drop(columns=["_r", "_n"])
