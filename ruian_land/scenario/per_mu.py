"""The county 规上 亩均税收 as a constraint of the 腾笼换鸟 MILP (issue 14, item 3).

With ``scenario.tax_per_mu_min`` set (万元/亩; null = off) the scenario must leave the county 规上
stock at or above that 亩均税收 after clearance and re-use, as :func:`ruian_land.scenario.county_per_mu`
computes it. The ratio ``(T0 + ΔT) / (L0 + ΔL) ≥ g`` is linear once multiplied out:
``ΔT − g·ΔL ≥ g·L0 − T0``. Per (firm, remedy) pair of a 规上 firm with land:

* a remedy that takes the firm out of the stock (exit, vacate, relocate; a merger whose land is
  re-let): ``g·land − tax`` (positive when the firm yields less than ``g`` per 亩);
* a remedy that keeps it (upgrade; a merger whose land stays with the acquirer): ``tax·(kept − 1)``;

and every freed 亩 re-let as 标准地 adds ``(r − g)·s``: ``r`` = ``standard_land.tax_per_mu``, ``s`` =
``scenario.reuse_share_standard_land`` × the industrial share of re-used land (all of it inside the
control line — the strict case of :func:`ruian_land.scenario.reuse_of_freed_land`; outside it
``scenario.reuse_outside_industrial_share``). Partial release enters only through the land it frees
(its output loss is left out), so the row is a close linear stand-in: the figure reported is always
recomputed exactly from the decisions, and the summary says if the two disagree.

"Where the levers it controls can reach it": before the row is added, the highest 亩均税收 the
scenario could reach within its hard limits (one remedy per firm, capacities, budget) is bounded by
bisection on the LP relaxation (:func:`ruian_land.scenario.solver.max_activity`). A floor above
that bound is not imposed (it would only turn the whole scenario infeasible); the summary says so
and gives the bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.rules import RuleSet
from ruian_land.scenario.candidates import numeric_column
from ruian_land.scenario.model import Problem, TargetRow
from ruian_land.scenario.remedies import RemedyTable
from ruian_land.scenario.reuse import stock_mask
from ruian_land.scenario.solver import max_activity
from ruian_land.scenario.targets import TARGET_LABELS

__all__ = [
    "PER_MU_METRIC",
    "PerMuRow",
    "apply_per_mu_floor",
    "binding_report",
    "per_mu_row",
    "reachable_per_mu",
]

#: Name of the metric (and target row) of the 亩均税收 constraint.
PER_MU_METRIC = "tax_per_mu"


@dataclass(frozen=True)
class PerMuRow:
    """The linear 亩均税收 row for a floor ``g``.

    Attributes
    ----------
    pair_coef : ndarray, shape (E,)
        Change of ``tax − g·land`` of the county stock (万元) per eligible pair, re-use of the firm's
        own land excluded.
    area_coef : float
        ``(r − g)·s``: change per freed 亩 (万元/亩), applied to every freed 亩 (single, shared, partial,
        idle) through the freed-area rows.
    rhs : float
        ``g·L0 − T0`` (万元): what the scenario must add; ≤ 0 means the stock already meets ``g``.
    land_mu, tax_wan : float
        ``L0`` and ``T0``, the county 规上 stock before the scenario.
    """

    pair_coef: np.ndarray
    area_coef: float
    rhs: float
    land_mu: float
    tax_wan: float


def per_mu_row(
    cand: pd.DataFrame, firms: pd.DataFrame, pb: Problem, table: RemedyTable, rules: RuleSet, floor: float
) -> PerMuRow:
    """The 亩均税收 ≥ ``floor`` row of the scenario model (see the module docstring).

    Parameters
    ----------
    cand : DataFrame
        The scenario candidates, row ``f`` of the problem (``uscc``).
    firms : DataFrame
        Evaluated firms, one row per ``uscc``: ``above_scale``, ``tax_wan`` (万元), ``land_area_mu``
        (亩) — the county stock of :func:`ruian_land.scenario.county_per_mu`.
    pb : Problem
        Its pairs (``ef``, ``er``) and ``single_area`` (亩 each firm frees alone).
    table : RemedyTable
    rules : RuleSet
        ``standard_land.tax_per_mu``, ``scenario.reuse_share_standard_land``,
        ``scenario.reuse_inside_control_line_industrial``, ``scenario.reuse_outside_industrial_share``.
    floor : float
        ``g``, 万元/亩.

    Returns
    -------
    PerMuRow
    """
    v = rules.value
    land = numeric_column(firms, "land_area_mu").fillna(0.0).clip(lower=0)
    tax = numeric_column(firms, "tax_wan").fillna(0.0)
    stock = stock_mask(firms)
    l0, t0 = float(land[stock].sum()), float(tax[stock].sum())
    uscc = firms["uscc"].astype(str).to_numpy()
    in_stock = pd.Series(stock.to_numpy(), index=uscc)
    in_stock = in_stock[~in_stock.index.duplicated()]
    c_uscc = cand["uscc"].astype(str)
    c_stock = c_uscc.map(in_stock).fillna(False).to_numpy(dtype=bool)
    c_land = c_uscc.map(pd.Series(land.to_numpy(), index=uscc).groupby(level=0).first()).fillna(0.0)
    c_tax = c_uscc.map(pd.Series(tax.to_numpy(), index=uscc).groupby(level=0).first()).fillna(0.0)
    names = np.asarray(table.names, dtype=object)
    merge_kept = (names == "merge") & ~table.reusable
    leaves = table.frees_land & ~merge_kept
    f, r = pb.ef, pb.er
    out_gain = floor * c_land.to_numpy()[f] - c_tax.to_numpy()[f]
    kept_gain = c_tax.to_numpy()[f] * (table.tax_kept[r] - 1.0)
    stock_gain = np.where(leaves[r], out_gain, kept_gain) * c_stock[f]
    industrial = (
        1.0
        if bool(v("scenario.reuse_inside_control_line_industrial"))
        else float(v("scenario.reuse_outside_industrial_share"))
    )
    share = float(v("scenario.reuse_share_standard_land")) * industrial
    k = (float(v("standard_land.tax_per_mu")) - floor) * share
    # land a merger leaves with the acquirer is counted as freed but not re-let: take its re-use out
    not_relet = np.where(merge_kept[r] & table.frees_land[r], -k * pb.single_area[f], 0.0)
    return PerMuRow(stock_gain + not_relet, k, floor * l0 - t0, l0, t0)


def _install(pb: Problem, row: PerMuRow) -> None:
    pb.metrics[PER_MU_METRIC] = row.pair_coef
    pb.area_coef[PER_MU_METRIC] = row.area_coef


def reachable_per_mu(
    cand: pd.DataFrame, firms: pd.DataFrame, pb: Problem, table: RemedyTable, rules: RuleSet, hi: float
) -> float:
    """Highest 亩均税收 floor (万元/亩, at most ``hi``) whose row the LP relaxation can still meet
    within the hard limits: an upper bound on what any scenario of this instance reaches.

    Bisection on the floor to ``scenario.tax_per_mu_reach_tol`` (the row's slack falls as the
    floor rises); leaves ``pb`` without the row. NaN when the LP fails.
    """
    tol = float(rules.value("scenario.tax_per_mu_reach_tol"))
    limit = float(rules.value("scenario.solver_time_limit_s"))
    saved_m, saved_k = pb.metrics.get(PER_MU_METRIC), pb.area_coef.get(PER_MU_METRIC)

    def meets(g: float) -> bool:
        row = per_mu_row(cand, firms, pb, table, rules, g)
        _install(pb, row)
        got = max_activity(pb, PER_MU_METRIC, limit)
        return bool(np.isfinite(got) and got >= row.rhs - 1e-6 * max(1.0, abs(row.rhs)))

    try:
        base = per_mu_row(cand, firms, pb, table, rules, hi)
        lo = base.tax_wan / base.land_mu if base.land_mu > 0 else 0.0
        if meets(hi):
            return hi
        if not meets(lo):
            return float("nan")
        while hi - lo > tol:
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if meets(mid) else (lo, mid)
        return lo
    finally:
        pb.metrics.pop(PER_MU_METRIC, None)
        pb.area_coef.pop(PER_MU_METRIC, None)
        if saved_m is not None and saved_k is not None:
            pb.metrics[PER_MU_METRIC], pb.area_coef[PER_MU_METRIC] = saved_m, saved_k


def apply_per_mu_floor(
    cand: pd.DataFrame, firms: pd.DataFrame, pb: Problem, table: RemedyTable, rules: RuleSet, floor: float
) -> dict[str, float | bool | str | None]:
    """Add the 亩均税收 ≥ ``floor`` row to ``pb.targets`` where the scenario's levers can reach it.

    Returns
    -------
    dict
        ``floor`` (万元/亩), ``before`` (the stock's 亩均税收), ``reachable`` (LP bound, NaN when
        not computed), ``applied`` (the row is in the model) and ``reason`` (``already met``,
        ``beyond reach``, ``imposed``).
    """
    row = per_mu_row(cand, firms, pb, table, rules, floor)
    before = row.tax_wan / row.land_mu if row.land_mu > 0 else float("nan")
    info: dict[str, float | bool | str | None] = {
        "floor": floor, "before": before, "reachable": float("nan"), "applied": False,
    }  # fmt: skip
    if row.rhs <= 0:
        info["reason"] = "already met"
        return info
    reach = reachable_per_mu(cand, firms, pb, table, rules, floor)
    info["reachable"] = reach
    if not (np.isfinite(reach) and reach >= floor - float(rules.value("scenario.tax_per_mu_reach_tol"))):
        info["reason"] = "beyond reach"
        return info
    _install(pb, row)
    pb.targets.append(TargetRow(PER_MU_METRIC, PER_MU_METRIC, tuple(range(pb.periods)), float(row.rhs)))
    info.update(applied=True, reason="imposed")
    return info


def binding_report(
    summary: dict[str, Any], tg: Mapping[str, float], floor: Mapping[str, Any] | None, rules: RuleSet
) -> None:
    """Which constraints bind at the scenario's answer, and what became of the 亩均税收 floor.

    Adds to ``summary`` (a :func:`ruian_land.scenario.optimise` summary): ``tight_targets`` — the
    met targets reached with at most ``scenario.binding_rel_tol`` to spare (the ones that shape the
    answer; ``binding_targets`` lists the missed ones); ``budget_binds`` is already there; and
    ``tax_per_mu_floor`` (``floor``, ``before``, ``after`` recomputed exactly, ``reachable`` LP
    bound, ``applied``, ``reason``, ``met``, ``binds``) with a message in Chinese and English.
    """
    tol = float(rules.value("scenario.binding_rel_tol"))
    missed = set(summary.get("binding_targets", []))
    tight = [
        k for k, need in tg.items() if k not in missed and need > 0 and float(summary[k]) <= need * (1 + tol)
    ]
    summary["tight_targets"] = tight
    zh, en = summary["messages_zh"], summary["messages_en"]
    if tight:
        zh.append("起约束作用的目标(刚好达到)：" + "、".join(TARGET_LABELS[k][0] for k in tight) + "。")
        en.append(
            "Binding targets (met with nothing to spare): "
            + ", ".join(TARGET_LABELS[k][1] for k in tight)
            + "."
        )
    if floor is None:
        summary["tax_per_mu_floor"] = None
        return
    g = float(floor["floor"])
    after = float(summary.get("tax_per_mu_after", float("nan")))
    met = bool(np.isfinite(after) and after >= g - 1e-9)
    binds = bool(met and floor["applied"] and after <= g * (1 + tol))
    summary["tax_per_mu_floor"] = {**floor, "after": after, "met": met, "binds": binds}
    reach = float(floor["reachable"])
    if floor["reason"] == "beyond reach":
        zh.append(
            f"亩均税收底线 {g:.2f} 万元/亩超出本情景可控手段(腾退、整治、标准地再利用)所能达到的上限"
            f"(线性松弛上界约 {reach:.2f} 万元/亩)，未作为约束；须依靠存量增长、提容增效、招大引强(见目标路径)。"
        )
        en.append(
            f"The 亩均税收 floor {g:.2f} 万元/亩 is beyond what the scenario's levers (clearance, upgrade, "
            f"标准地 re-use) can reach (LP bound ≈ {reach:.2f}); it was not imposed: growth, 提容增效 and "
            "projects must close it (see the trajectory)."
        )
    elif floor["reason"] == "already met":
        zh.append(f"亩均税收底线 {g:.2f} 万元/亩在方案前已达到({float(floor['before']):.2f})。")
        en.append(
            f"The 亩均税收 floor {g:.2f} 万元/亩 is met before the scenario ({float(floor['before']):.2f})."
        )
    else:
        state_zh = "起约束作用" if binds else ("未起约束作用" if met else "未能满足")
        state_en = "binds" if binds else ("does not bind" if met else "is not met")
        zh.append(f"亩均税收底线 {g:.2f} 万元/亩：方案后 {after:.2f} 万元/亩，{state_zh}。")
        en.append(f"The 亩均税收 floor {g:.2f} 万元/亩: {after:.2f} after the scenario; it {state_en}.")
