"""Turn a solved 腾笼换鸟 model into result frames, a summary and plain-language messages.

Every figure is recomputed from the decisions (which firm, which remedy, which year), not read
from the model's continuous variables: a parcel counts as freed when all its occupants take a
remedy that leaves the land, in the year the last one leaves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.rules import RuleSet
from ruian_land.scenario.baseline import reachable_alone
from ruian_land.scenario.model import Problem, Solution
from ruian_land.scenario.parcels import ScenarioParcels
from ruian_land.scenario.remedies import REMEDY_TEXT, CandidateEffects, RemedyTable
from ruian_land.scenario.reuse import county_per_mu, reuse_of_freed_land
from ruian_land.scenario.targets import TARGET_LABELS

__all__ = ["build_results", "messages"]

_TOL = 1e-6


def _label(name: str) -> tuple[str, str, str]:
    if name.startswith("town:"):
        town = name.split(":", 1)[1]
        return (f"{town}腾地配额", f"freed land quota of {town}", "亩")
    return TARGET_LABELS.get(name, (name, name, ""))


def messages(
    targets: Mapping[str, float], achieved: Mapping[str, float], binding: list[str], extra: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """Plain-language explanation of the result in Chinese and English.

    Parameters
    ----------
    targets, achieved : mapping
        Target (or ``town:<name>`` quota) → required / reached value.
    binding : list of str
        Targets not met.
    extra : mapping
        ``budget_wan``, ``cost_wan``, ``max_reachable`` (each target alone, within the budget and
        capacities), ``budget_binds`` (no further action fits in what is left), ``status``.

    Returns
    -------
    (list of str, list of str)
        Messages in Chinese and in English, one sentence each.
    """
    zh: list[str] = []
    en: list[str] = []
    if not binding:
        zh.append("全部目标均已达到。")
        en.append("All targets are met.")
    else:
        zh.append("目标无法同时全部达到；以下为在其余目标尽量达到的前提下可同时达到的最大值(松弛问题的解)：")
        en.append("The targets cannot all be met together; below is the most that can be reached together "
                  "(solution of the relaxed problem):")  # fmt: skip
        alone = extra.get("max_reachable", {})
        for name in binding:
            lz, le, unit = _label(name)
            need, got = float(targets[name]), float(achieved.get(name, 0.0))
            gap = need - got
            pct = 100 * gap / need if need > 0 else 0.0
            cap = alone.get(name)
            tail_zh = f"；即使只追求此项(在预算与各项上限内)最多 {cap:,.1f}{unit}" if cap is not None else ""
            tail_en = (
                f"; even on its own (within the budget and capacities) at most {cap:,.1f} {unit}"
                if cap is not None
                else ""
            )
            zh.append(
                f"{lz}：目标 {need:,.1f}{unit}，可达 {got:,.1f}{unit}，缺口 {gap:,.1f}{unit}({pct:.1f}%){tail_zh}。"
            )
            en.append(f"{le}: target {need:,.1f} {unit}, reachable {got:,.1f} {unit}, short by {gap:,.1f} {unit} "
                      f"({pct:.1f} %){tail_en}.")  # fmt: skip
    budget = extra.get("budget_wan")
    if budget is not None and np.isfinite(budget):
        cost = float(extra.get("cost_wan", 0.0))
        zh.append(f"一次性公共支出 {cost:,.1f} 万元，预算 {budget:,.1f} 万元。")
        en.append(f"One-off public cost {cost:,.1f} 万元 against a budget of {budget:,.1f} 万元.")
        if extra.get("budget_binds"):
            left = max(budget - cost, 0.0)
            if binding:
                zh.append(f"预算已用尽(剩余 {left:,.1f} 万元，不足以再实施任一措施)，是目标未能达到的约束之一；"
                          "提高预算可缩小缺口。")  # fmt: skip
                en.append(f"The budget is used up ({left:,.1f} 万元 left, too little for any further action): it "
                          "is one of the constraints keeping the targets out of reach; a larger budget narrows "
                          "the gap.")  # fmt: skip
            else:
                zh.append(f"预算已用尽(剩余 {left:,.1f} 万元)。")
                en.append(f"The budget is used up ({left:,.1f} 万元 left).")
    if extra.get("status") == "time_limit":
        zh.append("求解达到时间上限：结果可行但未证明最优(见 mip_gap)。")
        en.append(
            "The solver hit its time limit: the result is feasible but not proven optimal (see mip_gap)."
        )
    return zh, en


def _firm_choice(pb: Problem, sol: Solution, table: RemedyTable) -> tuple[np.ndarray, np.ndarray]:
    """Remedy name ('' = none) and period (−1) per firm."""
    rem = np.full(pb.n, "", dtype=object)
    per = np.full(pb.n, -1)
    on = sol.pair_period >= 0
    rem[pb.ef[on]] = np.asarray(table.names, dtype=object)[pb.er[on]]
    per[pb.ef[on]] = sol.pair_period[on]
    return rem, per


def build_results(
    *,
    cand: pd.DataFrame,
    pt: ScenarioParcels,
    eff: CandidateEffects,
    table: RemedyTable,
    pb: Problem,
    sol: Solution,
    firms: pd.DataFrame,
    rules: RuleSet,
    tg: Mapping[str, float],
    quotas: Mapping[str, float],
    years: list[int] | None,
    partial: pd.DataFrame,
    tax_on: np.ndarray,
    inside: pd.Series,
    budget: float,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Selection, freed parcels, summary and candidate table of a solution.

    ``years`` is the list of plan years when the model decided them (``None``: year 0 everywhere,
    to be filled by the heuristic phasing). Returns ``(selection, freed_parcels, summary,
    candidates)`` as documented in :class:`ruian_land.scenario.ScenarioResult`.
    """
    rem, per = _firm_choice(pb, sol, table)
    yr = (
        np.where(per >= 0, np.asarray(years or [0])[np.maximum(per, 0)], 0)
        if years
        else np.zeros(pb.n, dtype=int)
    )
    ridx = {r: i for i, r in enumerate(table.names)}
    leaves = np.array([bool(r) and bool(table.frees_land[ridx[r]]) for r in rem], dtype=bool)
    reuses = np.array([bool(r) and bool(table.reusable[ridx[r]]) for r in rem], dtype=bool)
    pr, fr = pt.pairs.copy(), pt.freeable
    pr["leaves"] = leaves[pr["f"].to_numpy()] if len(pr) else pd.Series(dtype=bool)
    pr["reuse"] = reuses[pr["f"].to_numpy()] if len(pr) else pd.Series(dtype=bool)
    pr["year"] = yr[pr["f"].to_numpy()] if len(pr) else pd.Series(dtype=int)
    g = pr.groupby("p")
    freed_p = g["leaves"].all()
    freed_ids = freed_p.index[freed_p].to_numpy(dtype=int)
    land = pr["land_area_mu"].where(pr["land_area_mu"] > 0)
    tot = land.groupby(pr["p"]).transform("sum")
    cnt = g["uscc"].transform("size")
    pr["share"] = (land / tot).where(tot > 0, 1.0 / cnt).fillna(0.0)
    fp = fr.iloc[freed_ids].copy()
    fp["source"] = "occupied"
    fp["occupants"] = g["uscc"].agg(";".join).reindex(fp.index).to_numpy()
    fp["year"] = g["year"].max().reindex(fp.index).to_numpy(dtype=int)
    reuse_share = (pr["share"] * pr["reuse"]).groupby(pr["p"]).sum()
    fp["reusable_mu"] = fp["area_mu"] * reuse_share.reindex(fp.index).to_numpy(dtype=float)
    fp["cost_wan"] = 0.0  # the firms' compensation is on their selection rows
    rows = [fp]
    # partial release rows
    part_share = pd.Series(0.0, index=pd.Index(cand["uscc"]))
    if len(partial):
        for k, p in enumerate(partial["p"].to_numpy(dtype=int)):
            for t in np.flatnonzero(sol.z[k] > 1e-7):
                r = fr.iloc[[p]].copy()
                r["area_mu"] = float(sol.z[k, t])
                r["source"], r["year"] = "partial", int(years[t]) if years else 0
                r["occupants"] = ";".join(pr.loc[pr["p"] == p, "uscc"])
                r["reusable_mu"] = r["area_mu"]
                r["cost_wan"] = r["area_mu"] * float(partial["spend"].iloc[k])
                rows.append(r)
            given = float(sol.z[k].sum())
            if given > 0:
                on_p = pr.loc[pr["p"] == p]
                firm_land = eff.land[on_p["f"].to_numpy()]
                frac = given / float(fr["area_mu"].iloc[p]) * on_p["land_area_mu"].fillna(0).to_numpy()
                frac = np.where(firm_land > 0, frac / np.where(firm_land > 0, firm_land, 1), 0.0)
                part_share = part_share.add(pd.Series(frac, index=on_p["uscc"].to_numpy()), fill_value=0.0)
    iv = pt.idle.copy()
    iv["source"], iv["occupants"], iv["reusable_mu"], iv["cost_wan"] = "idle_vacant", "", iv["area_mu"], 0.0
    iv["year"] = np.asarray(years)[sol.idle_period] if years and len(iv) else 0
    rows.append(iv)
    cols = ["parcel_id", "year", "area_mu", "source", "occupants", "town", "reusable_mu", "cost_wan",
            "idle_recovery"]  # fmt: skip
    freed = pd.concat([r[[c for c in cols if c in r.columns]] for r in rows], ignore_index=True)
    freed["idle_recovery"] = (
        freed["idle_recovery"].astype("boolean").fillna(False).astype(bool)
        if "idle_recovery" in freed.columns
        else False
    )
    freed = freed.sort_values(["parcel_id", "source", "year"]).reset_index(drop=True)
    freed["year"] = freed["year"].astype(int)
    freed["inside_control_line_share"] = (
        freed["parcel_id"].map(inside).astype(float) if len(inside) else np.nan
    )
    # selection
    fpairs = pr.loc[pr["p"].isin(freed_ids)]
    freed_by_firm = (
        (fpairs["share"] * fr["area_mu"].to_numpy()[fpairs["p"].to_numpy()]).groupby(fpairs["f"]).sum()
    )
    on = np.flatnonzero(rem != "")
    r_i = np.array([ridx[r] for r in rem[on]], dtype=int)
    sel = cand.iloc[on].copy()
    sel["remedy"] = rem[on]
    sel["remedy_zh"] = [REMEDY_TEXT[r][0] for r in rem[on]]
    sel["year"] = yr[on].astype(int)
    sel["freed_area_mu"] = pd.Series(on).map(freed_by_firm).fillna(0.0).to_numpy()
    sel["energy_saved_tce"] = eff.energy_saved[on, r_i]
    sel["co2_reduction_t"] = eff.co2_saved[on, r_i]
    # signed for planners: positive = more tax / value added (the MILP minimises the loss)
    sel["tax_change_wan"] = -eff.tax_lost[on, r_i]
    sel["value_added_change_wan"] = -eff.value_added_lost[on, r_i]
    sel["jobs_lost"] = eff.jobs_lost[on, r_i]
    sel["cost_wan"] = eff.cost[on, r_i]
    order = {r: i for i, r in enumerate(table.names)}
    sel = sel.assign(_o=sel["remedy"].map(order)).sort_values(["_o", "uscc"]).drop(columns="_o")
    keep = ["uscc", "name", "remedy", "remedy_zh", "year", "freed_area_mu", "energy_saved_tce", "co2_reduction_t",
            "tax_change_wan", "value_added_change_wan", "jobs_lost", "cost_wan", "eval_class", "town", "reason_codes",
            "parcel_ids"]  # fmt: skip
    sel = sel[[c for c in keep if c in sel.columns]].reset_index(drop=True)
    summary = _summary(
        sel, freed, cand, pt, eff, table, pb, sol, firms, rules, tg, quotas, rem, part_share, budget
    )
    ccols = ["uscc", "name", "eval_class", "town", "tax_wan", "value_added_wan", "energy_tce_calorific",
             "energy_tce_primary", "employees", "land_area_mu", "reason_codes"]  # fmt: skip
    cand_out = cand[[c for c in ccols if c in cand.columns]].copy()
    cand_out["remedy"] = rem
    return sel, freed, summary, cand_out


def _summary(
    s: pd.DataFrame,
    freed: pd.DataFrame,
    cand: pd.DataFrame,
    pt: ScenarioParcels,
    eff: CandidateEffects,
    table: RemedyTable,
    pb: Problem,
    sol: Solution,
    firms: pd.DataFrame,
    rules: RuleSet,
    tg: Mapping[str, float],
    quotas: Mapping[str, float],
    rem: np.ndarray,
    part_share: pd.Series,
    budget: float,
) -> dict[str, Any]:
    v = rules.value
    exits = set(np.asarray(table.names)[table.counts_exit])
    ups = set(np.asarray(table.names)[table.counts_upgrade])
    achieved: dict[str, float] = {
        "freed_area_mu": float(freed["area_mu"].sum()),
        "freed_energy_tce": float(s["energy_saved_tce"].sum()),
        "co2_reduction_t": float(s["co2_reduction_t"].sum()),
        "firms_exited": int(s["remedy"].isin(exits).sum()),
        "firms_upgraded": int(s["remedy"].isin(ups).sum()),
    }
    town_freed = (
        freed.groupby(freed["town"].astype(str))["area_mu"].sum() if len(freed) else pd.Series(dtype=float)
    )
    req = dict(tg)
    got = {k: float(achieved[k]) for k in tg}
    for town, q in quotas.items():
        req[f"town:{town}"] = float(q)
        got[f"town:{town}"] = float(town_freed.get(town, 0.0))
    shortfalls = {k: max(0.0, req[k] - got[k]) for k in req}
    binding = [k for k, gap in shortfalls.items() if gap > _TOL * max(1.0, req[k])]
    # each target on its own (upper bounds): all freeable land, the best energy of each firm …
    el = eff.eligible
    best_e = np.where(el, eff.energy_saved, 0.0).max(axis=1, initial=0.0) if el.size else np.zeros(0)
    best_c = np.where(el, eff.co2_saved, 0.0).max(axis=1, initial=0.0) if el.size else np.zeros(0)
    can_exit = (el & table.counts_exit[None, :]).any(axis=1) if el.size else np.zeros(0, dtype=bool)
    can_up = (el & table.counts_upgrade[None, :]).any(axis=1) if el.size else np.zeros(0, dtype=bool)
    cap_exit = float(table.max_firms[table.counts_exit].sum()) if table.counts_exit.any() else 0.0
    cap_up = float(table.max_firms[table.counts_upgrade].sum()) if table.counts_upgrade.any() else 0.0
    max_reachable = {
        "freed_area_mu": float(pt.freeable["area_mu"].sum() + pt.idle["area_mu"].sum()),
        "freed_energy_tce": float(best_e.sum()),
        "co2_reduction_t": float(best_c.sum()),
        "firms_exited": float(min(int(can_exit.sum()), cap_exit)),
        "firms_upgraded": float(min(int(can_up.sum()), cap_up)),
    }
    unlimited = dict(max_reachable)
    if binding and sol.status == "infeasible":  # bound each unmet target within the hard limits
        alone = reachable_alone(pb, binding, float(v("scenario.solver_time_limit_s")))
        for k, val in alone.items():
            max_reachable[k] = min(val, max_reachable.get(k, np.inf))
    cost = float(s["cost_wan"].sum() + freed["cost_wan"].sum())
    # the budget binds when what is left cannot pay for the cheapest action still open
    spend = np.concatenate([pb.spend, pb.partial_spend])
    cheapest = float(spend[spend > 0].min()) if (spend > 0).any() else 0.0
    binds = bool(np.isfinite(budget) and budget - cost < max(cheapest, _TOL * max(1.0, budget)))
    target_area = float(tg.get("freed_area_mu", v("targets.freed_area_mu")))
    big = target_area * float(v("scenario.max_parcel_share_of_target"))
    pool = pd.concat(
        [pt.freeable[["parcel_id", "area_mu"]], pt.idle[["parcel_id", "area_mu"]]], ignore_index=True
    )
    large = pool.loc[pool["area_mu"] > big].sort_values(["area_mu", "parcel_id"], ascending=[False, True])
    whole = set(freed.loc[freed["source"] != "partial", "parcel_id"])
    part = freed.loc[freed["source"] == "partial"].groupby("parcel_id")["area_mu"].sum()
    large_parcels = [
        {"parcel_id": str(pid), "area_mu": float(a), "freed": pid in whole, "partly_released_mu": float(part.get(pid, 0.0))}
        for pid, a in zip(large["parcel_id"], large["area_mu"], strict=True)
    ]  # fmt: skip
    relocations = int((s["remedy"] == "relocate").sum())
    reuse = reuse_of_freed_land(freed, rules, relocations=relocations)
    remedy_of = pd.Series(rem, index=cand["uscc"].to_numpy())
    remedy_of = remedy_of[remedy_of != ""]
    per_mu = county_per_mu(firms, remedy_of, part_share[part_share > 0], table, reuse, rules)
    counts = {r: int((s["remedy"] == r).sum()) for r in table.names}
    extra = {"budget_wan": budget, "cost_wan": cost, "max_reachable": max_reachable, "status": sol.status,
             "budget_binds": binds}  # fmt: skip
    zh, en = messages(req, got, binding, extra)
    return {
        "target_area_mu": target_area,
        **achieved,
        "tax_per_mu_before": per_mu["tax_per_mu_before"],
        "tax_per_mu_after": per_mu["tax_per_mu_after"],
        "feasible": not binding,
        "status": sol.status,
        "tax_change_wan": float(s["tax_change_wan"].sum()),
        "value_added_change_wan": float(s["value_added_change_wan"].sum()),
        "jobs_lost": float(s["jobs_lost"].sum()),
        "cost_wan": cost,
        "budget_wan": None if not np.isfinite(budget) else float(budget),
        "remedy_counts": counts,
        "partial_release_mu": float(part.sum()),
        **{k: val for k, val in per_mu.items() if k not in ("tax_per_mu_before", "tax_per_mu_after")},
        "reuse_standard_land_mu": reuse["standard_land_mu"],
        "reuse": reuse,
        "targets": dict(tg),
        "town_quotas": {
            t: {"quota_mu": float(q), "freed_mu": float(town_freed.get(t, 0.0))} for t, q in quotas.items()
        },
        "shortfalls": {k: gap for k, gap in shortfalls.items() if k in binding},
        "binding_targets": binding,
        "max_reachable": max_reachable,
        "max_reachable_unlimited": unlimited,
        "budget_binds": binds,
        "messages_zh": zh,
        "messages_en": en,
        "relaxed_slack": dict(sol.slack),
        "large_parcels": large_parcels,
        "large_parcel_threshold_mu": big,
        "objective_value": float(sol.objective),
        "mip_gap": float(sol.mip_gap),
        "dual_bound": float(sol.dual_bound),
        "solver_core_columns": int(sol.reduced_vars),
        "candidates": len(cand),
        "freeable_parcels": len(pt.freeable),
        "shared_parcels": int((pt.freeable["n_occ"] > 1).sum()),
        "idle_vacant_parcels": len(pt.idle),
    }
