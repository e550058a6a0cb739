"""The 腾笼换鸟 scenario: which flagged firms to act on, how and when, to meet the plan targets.

An exact mixed-integer programme (``scipy.optimize.milp``, HiGHS; :mod:`ruian_land.scenario.model`).

Candidates
    Firms on the screening list (``Screening.firms.flagged``), minus exempt firms and firms of
    ``scenario.protect_classes`` (A/B by default; ``protect_classes=[]`` protects nobody).

Remedies (plan §三(一)2; :mod:`ruian_land.scenario.remedies`)
    关停退出 ``exit``, 整体腾退 ``vacate``, 搬迁入园 ``relocate``, 兼并重组 ``merge``, 改造提升
    ``upgrade``; at most one per firm, each with rule-set effects on land, energy, CO₂, tax, 增加值
    and jobs, a one-off public cost and an optional capacity.

Parcels
    A parcel is freed only when **all** its occupants take a remedy that leaves the land; a parcel
    with a non-candidate occupant is never freed. Idle parcels with no occupant are taken back at
    no tax cost (plan §三(一)4). Parcels above ``scenario.max_parcel_share_of_target`` of the land
    target are reported (``large_parcels``); with ``scenario.partial_release`` a large parcel may
    also be partly given back while its firms stay (continuous share, bounded).

Targets (each switchable; values from ``targets.*`` unless given), per-town quotas
(``scenario.town_quota_mu``), budget (``scenario.budget_wan``); objective ``tax`` | ``jobs`` |
``mixed`` (:mod:`ruian_land.scenario.model`). When the targets cannot all be met the result says
which, by how much, and what is the most that can be reached together (the relaxed problem) —
``summary["messages_zh"]`` / ``["messages_en"]``.

Phasing over ``targets.years``: inside the model or afterwards (:mod:`ruian_land.scenario.phasing`).
Re-use of the freed land and the county 规上 亩均 figures: :mod:`ruian_land.scenario.reuse`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ruian_land.core import InputError
from ruian_land.rules import RuleSet
from ruian_land.scenario.baseline import greedy
from ruian_land.scenario.build import build_problem, build_targets, partial_parcels
from ruian_land.scenario.candidates import candidate_firms, numeric_column
from ruian_land.scenario.parcels import ScenarioParcels, control_line_share, parcel_table
from ruian_land.scenario.per_mu import apply_per_mu_floor, binding_report
from ruian_land.scenario.phasing import by_year_table, phase_selection, yearly_limits
from ruian_land.scenario.remedies import candidate_effects, remedy_table
from ruian_land.scenario.report import build_results
from ruian_land.scenario.result import ScenarioResult
from ruian_land.scenario.solver import solve
from ruian_land.scenario.targets import OBJECTIVES, TARGET_LABELS, resolve_quotas, resolve_targets
from ruian_land.screening import Screening

# ScenarioResult is re-exported: it is what optimise returns.
__all__ = ["ScenarioResult", "optimise"]


def optimise(
    screening: Screening,
    firms: pd.DataFrame,
    links: pd.DataFrame,
    parcels: pd.DataFrame,
    rules: RuleSet,
    *,
    targets: Sequence[str] | Mapping[str, float | None] | None = None,
    objective: str = "tax",
    protect_classes: Sequence[str] | None = None,
    time_limit_s: float | None = None,
    remedies: Sequence[str] | None = None,
    town_quotas: Mapping[str, float] | None = None,
    budget_wan: float | None = None,
    partial_release: bool | None = None,
    phasing: str | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
    method: str = "milp",
) -> ScenarioResult:
    """Choose remedies (and years) for flagged firms that meet the plan targets at least cost.

    Parameters
    ----------
    screening : Screening
        From :func:`ruian_land.screening.screen` (``firms.flagged``, ``exempt``, ``eval_class``,
        ``tax_wan``, ``value_added_wan``, ``energy_tce_*``, ``employees``, ``land_area_mu``;
        ``parcels.is_idle``, ``far``).
    firms : DataFrame
        Evaluated firms, one row per ``uscc`` (``above_scale``, ``tax_wan``, ``value_added_wan``,
        ``land_area_mu``; ``co2_t`` and the violation columns of ``scenario.violation_columns``).
    links : DataFrame
        Occupancy, one row per firm per parcel: ``uscc``, ``parcel_id``, ``land_area_mu``.
    parcels : DataFrame or GeoDataFrame
        ``parcel_id``, ``area_mu`` (亩, measured in EPSG:4549), ``town``; optional
        ``inside_control_line_share`` (0–1). A GeoDataFrame in EPSG:4549 with ``control_lines``
        gives the share by overlay.
    rules : RuleSet
        ``targets.*``, ``scenario.*``, ``energy.co2_t_per_tce_freed``, ``standard_land.*``, ``parks.*``.
    targets : sequence or mapping, optional
        Active targets (see :func:`resolve_targets`); default all five from the rules.
    objective : {"tax", "jobs", "mixed"}
        ``tax``: yearly tax lost + ``scenario.cost_weight`` × one-off public cost (万元/年);
        ``jobs``: jobs lost; ``mixed``: ``tax`` + ``scenario.mixed_job_weight_wan`` × jobs lost.
    protect_classes : sequence of str, optional
        Classes never acted on; default ``scenario.protect_classes``.
    time_limit_s : float, optional
        HiGHS time limit per solve; default ``scenario.solver_time_limit_s``.
    remedies : sequence of str, optional
        Remedies switched on; default ``scenario.remedies``.
    town_quotas : mapping, optional
        Town → minimum freed 亩; default ``scenario.town_quota_mu``.
    budget_wan : float, optional
        Total one-off public cost allowed (万元); default ``scenario.budget_wan`` (null = none).
    partial_release : bool, optional
        Default ``scenario.partial_release``.
    phasing : {"auto", "milp", "heuristic"}, optional
        Default ``scenario.phasing``.
    control_lines : GeoDataFrame, optional
        工业用地控制线 polygons (for the re-use of freed land).
    method : {"milp", "greedy"}
        ``greedy``: the sort-and-cut baseline (:func:`ruian_land.scenario.baseline.greedy`) on the
        same instance, for comparison.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    InputError
        Unknown objective, target, remedy, phasing or method; bad rules values.
    """
    t0 = time.perf_counter()
    for val, allowed, what in ((objective, OBJECTIVES, "objective"), (method, ("milp", "greedy"), "method")):
        if val not in allowed:
            raise InputError(
                f"unknown {what} {val!r}", column=f"scenario.{what}", fix=f"use one of {allowed}"
            )
    v = rules.value
    tg = resolve_targets(targets, rules)
    protect = [
        str(c) for c in (v("scenario.protect_classes") if protect_classes is None else protect_classes)
    ]
    table = remedy_table(rules, remedies)
    cand = candidate_firms(screening, protect)
    pt = parcel_table(screening, links, parcels, cand)
    link_land = pt.pairs.groupby("f")["land_area_mu"].sum().reindex(range(len(cand)))
    land_s = numeric_column(cand, "land_area_mu").fillna(pd.Series(link_land.to_numpy(), index=cand.index))
    land = land_s.fillna(0.0).to_numpy()
    eff = candidate_effects(cand, firms, table, rules, land)
    quotas = resolve_quotas(town_quotas, rules)
    budget = v("scenario.budget_wan") if budget_wan is None else budget_wan
    budget_f = np.inf if budget is None else float(budget)
    use_partial = bool(v("scenario.partial_release") if partial_release is None else partial_release)
    partial, tax_on = partial_parcels(pt, eff, objective, rules, use_partial and method == "milp")
    years, shares, _, _ = yearly_limits(rules)
    mode = str(v("scenario.phasing") if phasing is None else phasing)
    if mode not in ("auto", "milp", "heuristic"):
        raise InputError(
            f"unknown phasing {mode!r}", column="scenario.phasing", fix="use auto, milp or heuristic"
        )
    n_bin = int(eff.eligible.sum()) * len(years)
    in_model = method == "milp" and (
        mode == "milp" or (mode == "auto" and n_bin <= int(v("scenario.phasing_milp_max_binaries")))
    )
    periods = len(years) if in_model else 1
    pb = build_problem(cand, pt, eff, table, objective, rules, periods, partial, budget_f)
    pb.targets = build_targets(tg, quotas, periods, shares, years, bool(v("scenario.phasing_milestones")))
    options = {
        "time_limit": float(v("scenario.solver_time_limit_s") if time_limit_s is None else time_limit_s),
        "mip_rel_gap": float(v("scenario.solver_mip_rel_gap")),
        "disp": False,
    }
    floor = v("scenario.tax_per_mu_min")
    floor_info = None
    if floor is not None and method == "milp":
        floor_info = apply_per_mu_floor(cand, firms, pb, table, rules, float(floor))
    t_build = time.perf_counter()
    if method == "greedy":
        order, occupants, firm_parcels = _greedy_order(cand, pt, land)
        sol = greedy(pb, order, occupants, firm_parcels, pt.freeable["area_mu"].to_numpy())
    else:
        reduce = (int(v("scenario.solver_reduce_above_binaries")), int(v("scenario.solver_core_binaries")))
        sol = solve(pb, options, reduce)
    t_solve = time.perf_counter()
    res = build_results(
        cand=cand, pt=pt, eff=eff, table=table, pb=pb, sol=sol, firms=firms, rules=rules, tg=tg,
        quotas=quotas, years=years if in_model else None, partial=partial, tax_on=tax_on,
        inside=control_line_share(parcels, control_lines), budget=budget_f,
    )  # fmt: skip
    selection, freed, summary, cand_out = res
    over: list[str] = []
    if not in_model:
        over = phase_selection(selection, freed, rules)
    by_year = by_year_table(selection, freed, tg, rules)
    summary.update(
        {
            "objective": objective,
            "method": method,
            "protect_classes": protect,
            "phasing": "milp" if in_model else "heuristic",
            "over_capacity": over,
            "capacity_ok": bool(by_year["capacity_ok"].all()),
            "milestones_met": bool(
                by_year[[c for c in by_year.columns if c.startswith("milestone_ok_")]].all().all()
            ),
            "build_time_s": round(t_build - t0, 3),
            "solver_time_s": round(t_solve - t_build, 3),
            "solve_time_s": round(time.perf_counter() - t0, 3),
        }
    )
    _phase_messages(summary, by_year, tg)
    binding_report(summary, tg, floor_info, rules)
    summary["candidates_excluded_no_tax"] = int(cand.attrs.get("excluded_no_tax", 0))
    return ScenarioResult(selection, freed, summary, sol.status, by_year, cand_out, table.frame())


def _phase_messages(summary: dict[str, Any], by_year: pd.DataFrame, tg: Mapping[str, float]) -> None:
    """Add the yearly milestones missed and the years over capacity to the messages."""
    for name in tg:
        col = f"milestone_ok_{name}"
        for _, row in by_year.loc[~by_year[col].astype(bool)].iterrows():
            need, got = float(row[f"milestone_{name}"]), float(row[f"cum_{name}"])
            zh, en, unit = TARGET_LABELS[name]
            summary["messages_zh"].append(
                f"{int(row['year'])} 年底{zh}累计 {got:,.1f}{unit}，未达年度进度目标 {need:,.1f}{unit}。"
            )
            summary["messages_en"].append(
                f"End of {int(row['year'])}: {en} {got:,.1f} {unit}, below the milestone {need:,.1f} {unit}."
            )
    for _, row in by_year.loc[~by_year["capacity_ok"].astype(bool)].iterrows():
        summary["messages_zh"].append(f"{int(row['year'])} 年实施企业数或支出超过年度能力。")
        summary["messages_en"].append(
            f"{int(row['year'])}: firms acted on or spending exceed the yearly capacity."
        )


def _greedy_order(
    cand: pd.DataFrame, pt: ScenarioParcels, land: np.ndarray
) -> tuple[np.ndarray, dict[int, list[int]], dict[int, list[int]]]:
    """Firms by 亩均税收 ascending (ties by uscc), and the parcel ↔ occupant maps."""
    tax = numeric_column(cand, "tax_wan").fillna(0.0).to_numpy()
    per_mu = np.where(land > 0, tax / np.where(land > 0, land, 1.0), np.inf)
    order = np.lexsort((cand["uscc"].to_numpy(), per_mu))
    occupants: dict[int, list[int]] = {}
    firm_parcels: dict[int, list[int]] = {}
    for p, f in zip(pt.pairs["p"].to_numpy(), pt.pairs["f"].to_numpy(), strict=True):
        occupants.setdefault(int(p), []).append(int(f))
        firm_parcels.setdefault(int(f), []).append(int(p))
    return order, occupants, firm_parcels
