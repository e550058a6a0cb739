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
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ruian_land.core import InputError
from ruian_land.rules import RuleSet
from ruian_land.scenario.model import Problem, TargetRow, greedy, solve
from ruian_land.scenario.phasing import by_year_table, phase, phase_selection, yearly_limits
from ruian_land.scenario.remedies import CandidateEffects, RemedyTable, candidate_effects, remedy_table
from ruian_land.scenario.report import TARGET_LABELS, build_results
from ruian_land.screening import Screening

__all__ = [
    "OBJECTIVES",
    "TARGET_KEYS",
    "ScenarioResult",
    "optimise",
    "phase",
    "resolve_targets",
]

#: Targets the scenario knows, in the order of plan §二.
TARGET_KEYS: tuple[str, ...] = (
    "freed_area_mu",
    "freed_energy_tce",
    "co2_reduction_t",
    "firms_exited",
    "firms_upgraded",
)
OBJECTIVES: tuple[str, ...] = ("tax", "jobs", "mixed")


@dataclass
class ScenarioResult:
    """Result of :func:`optimise`.

    Attributes
    ----------
    selection : DataFrame
        One row per firm acted on: ``uscc``, ``name``, ``remedy`` (exit|vacate|relocate|merge|
        upgrade), ``remedy_zh``, ``year``, ``freed_area_mu`` (its land-share of the parcels
        actually freed), ``energy_saved_tce``, ``co2_reduction_t``, ``tax_lost_wan`` (negative =
        gain), ``value_added_lost_wan``, ``jobs_lost``, ``cost_wan`` (one-off public cost),
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
        ``remedy_counts``, ``tax_lost_wan``, ``value_added_lost_wan``, ``jobs_lost``, ``cost_wan``,
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
        The remedy effects used (:meth:`RemedyTable.frame`).
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


# ---------------------------------------------------------------------------------------
# inputs


def resolve_targets(
    targets: Sequence[str] | Mapping[str, float | None] | None, rules: RuleSet
) -> dict[str, float]:
    """Active targets and their values.

    Parameters
    ----------
    targets : None, sequence of names, or mapping name → value
        ``None``: all of :data:`TARGET_KEYS` from ``targets.*``; a sequence switches on only
        those (values from the rules); a mapping gives values (``None`` = rule value).
    rules : RuleSet

    Returns
    -------
    dict
        name → value (units: 亩, tce, t CO₂, firms, firms).

    Raises
    ------
    InputError
        Unknown target name or negative value.
    """
    if targets is None:
        names: dict[str, float | None] = dict.fromkeys(TARGET_KEYS)
    elif isinstance(targets, Mapping):
        names = dict(targets)
    else:
        names = dict.fromkeys(targets)
    out: dict[str, float] = {}
    for name, val in names.items():
        if name not in TARGET_KEYS:
            raise InputError(
                f"unknown scenario target {name!r}",
                column="scenario.targets",
                fix=f"use some of {list(TARGET_KEYS)}",
            )
        value = float(rules.value(f"targets.{name}") if val is None else val)
        if not np.isfinite(value) or value < 0:
            raise InputError(f"target {name} = {value} must be ≥ 0", column="scenario.targets")
        out[name] = value
    return out


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[col], errors="coerce").astype(float)


def _candidates(screening: Screening, protect: Sequence[str]) -> pd.DataFrame:
    """Flagged, non-exempt, unprotected firms whose tax is known.

    A firm with no tax record (``tax_wan`` missing) is left out: the cost of vacating it is
    unknown, and counting it as 0 would make it look free to close. It stays on the screening
    list (DATA_MISSING) for the planner to check; ``attrs['excluded_no_tax']`` counts them.
    """
    f = screening.firms
    mask = f["flagged"].astype(bool) & ~f["exempt"].astype(bool) & ~f["eval_class"].isin(list(protect))
    no_tax = (
        mask & pd.to_numeric(f["tax_wan"], errors="coerce").isna() if "tax_wan" in f.columns else mask & False
    )
    mask = mask & ~no_tax
    cand = f.loc[mask].copy()
    cand.attrs["excluded_no_tax"] = int(no_tax.sum())
    cand["uscc"] = cand["uscc"].astype(str)
    return cand.sort_values("uscc").reset_index(drop=True)


def _parcel_attr(parcels: pd.DataFrame, screening: Screening, col: str) -> pd.Series:
    for src in (parcels, screening.parcels):
        if col in src.columns and "parcel_id" in src.columns:
            s = src.drop_duplicates("parcel_id")
            return pd.Series(s[col].to_numpy(), index=s["parcel_id"].astype(str))
    return pd.Series(dtype=object)


def _inside_share(parcels: pd.DataFrame, control_lines: gpd.GeoDataFrame | None) -> pd.Series:
    """Share of each parcel inside the 工业用地控制线 by parcel_id (NaN = unknown)."""
    if "inside_control_line_share" in parcels.columns:
        vals = pd.to_numeric(parcels["inside_control_line_share"], errors="coerce")
        return pd.Series(vals.to_numpy(), index=parcels["parcel_id"].astype(str))
    if control_lines is not None and isinstance(parcels, gpd.GeoDataFrame):
        from ruian_land.control_lines import inside_share

        vals = inside_share(parcels, control_lines)
        return pd.Series(vals.to_numpy(), index=parcels["parcel_id"].astype(str))
    return pd.Series(dtype=float)


@dataclass
class _Parcels:
    freeable: pd.DataFrame  # parcel_id, area_mu, town, far, n_occ
    pairs: pd.DataFrame  # parcel_id, uscc, land_area_mu, p (index), f (index)
    idle: pd.DataFrame  # parcel_id, area_mu, town, idle_recovery (taken back in the first year)


def _parcel_table(
    screening: Screening, links: pd.DataFrame, parcels: pd.DataFrame, cand: pd.DataFrame
) -> _Parcels:
    """Freeable occupied parcels (every occupant a candidate), their occupants, vacant idle parcels."""
    sp = screening.parcels
    area = pd.to_numeric(sp.set_index(sp["parcel_id"].astype(str))["area_mu"], errors="coerce")
    if "area_mu" in parcels.columns and "parcel_id" in parcels.columns:
        area = pd.to_numeric(parcels.set_index(parcels["parcel_id"].astype(str))["area_mu"], errors="coerce")
    area = area[~area.index.duplicated()]
    for col in ("uscc", "parcel_id"):
        if col not in links.columns:
            raise InputError("occupancy links lack a column", column=col, fix="pass link.Occupancy.links")
    lk = pd.DataFrame(
        {
            "parcel_id": links["parcel_id"].astype(str).to_numpy(),
            "uscc": links["uscc"].astype(str).to_numpy(),
            "land_area_mu": _num(links, "land_area_mu").to_numpy(),
        }
    )
    lk = lk.loc[lk["parcel_id"].isin(area.index)].drop_duplicates(["parcel_id", "uscc"])
    f_index = pd.Series(np.arange(len(cand)), index=cand["uscc"])
    lk["is_cand"] = lk["uscc"].isin(f_index.index)
    all_cand = lk.groupby("parcel_id")["is_cand"].all()
    ids = sorted(all_cand.index[all_cand])
    pairs = lk.loc[lk["parcel_id"].isin(ids)].sort_values(["parcel_id", "uscc"]).reset_index(drop=True)
    freeable = pd.DataFrame({"parcel_id": ids})
    freeable["area_mu"] = freeable["parcel_id"].map(area).fillna(0.0).astype(float)
    town = _parcel_attr(parcels, screening, "town")
    freeable["town"] = freeable["parcel_id"].map(town).astype(object)
    freeable["far"] = pd.to_numeric(freeable["parcel_id"].map(_parcel_attr(parcels, screening, "far")),
                                    errors="coerce")  # fmt: skip
    freeable["n_occ"] = freeable["parcel_id"].map(pairs.groupby("parcel_id").size()).fillna(0).astype(int)
    pairs["p"] = pairs["parcel_id"].map(pd.Series(np.arange(len(ids)), index=ids)).astype(int)
    pairs["f"] = pairs["uscc"].map(f_index).astype(int)
    occupied = set(lk["parcel_id"])
    idle = sp.loc[
        sp["is_idle"].astype(bool) & ~sp["parcel_id"].astype(str).isin(occupied), ["parcel_id"]
    ].copy()
    idle["parcel_id"] = idle["parcel_id"].astype(str)
    idle["area_mu"] = idle["parcel_id"].map(area).fillna(0.0).astype(float)
    idle["town"] = idle["parcel_id"].map(town).astype(object)
    due = _parcel_attr(parcels, screening, "idle_recovery")
    idle["idle_recovery"] = idle["parcel_id"].map(due).astype("boolean").fillna(False).astype(bool)
    idle = idle.sort_values("parcel_id").reset_index(drop=True)
    return _Parcels(freeable, pairs, idle)


# ---------------------------------------------------------------------------------------
# building the problem


def _objective(eff: CandidateEffects, objective: str, rules: RuleSet) -> np.ndarray:
    """(n, R) objective of each remedy: losses only (a gain is a projection, not a term)."""
    tax = np.maximum(eff.tax_lost, 0.0) + float(rules.value("scenario.cost_weight")) * eff.cost
    jobs = np.maximum(eff.jobs_lost, 0.0)
    if objective == "tax":
        return tax
    if objective == "jobs":
        return jobs
    return tax + float(rules.value("scenario.mixed_job_weight_wan")) * jobs


def _partial(
    pt: _Parcels, eff: CandidateEffects, objective: str, rules: RuleSet, enabled: bool
) -> tuple[pd.DataFrame, np.ndarray]:
    """Parcels that may be partly released: ``ub_mu``, objective and spend per 亩; plus tax per parcel."""
    v = rules.value
    fr = pt.freeable
    pr = pt.pairs
    # each occupant's share of its own land that lies on the parcel
    own = pr["land_area_mu"].where(pr["land_area_mu"] > 0)
    tot = pd.Series(eff.land[pr["f"].to_numpy()], index=pr.index)
    frac = (own / tot).where(tot > 0).fillna(1.0 / pr.groupby("uscc")["uscc"].transform("size"))
    tax_on = (
        (frac * eff.tax[pr["f"].to_numpy()]).groupby(pr["p"]).sum().reindex(range(len(fr)), fill_value=0.0)
    )
    jobs_on = (
        (frac * eff.jobs[pr["f"].to_numpy()]).groupby(pr["p"]).sum().reindex(range(len(fr)), fill_value=0.0)
    )
    cols = ["p", "ub_mu", "cost", "spend"]
    if not enabled or fr.empty:
        return pd.DataFrame(columns=cols), tax_on.to_numpy()
    big = fr["area_mu"] >= float(v("scenario.partial_release_min_area_mu"))
    share = float(v("scenario.partial_release_max_share"))
    far_min = float(v("screening.far_min"))
    head = (1.0 - fr["far"] / far_min).clip(0.0, 1.0) if far_min > 0 else pd.Series(1.0, index=fr.index)
    ub_share = np.minimum(share, head.fillna(1.0).to_numpy())
    ub = np.where(big, fr["area_mu"].to_numpy() * ub_share, 0.0)
    loss = float(v("scenario.partial_release_output_loss"))
    area = fr["area_mu"].to_numpy()
    spend = float(v("scenario.partial_release_cost_wan_per_mu"))
    with np.errstate(divide="ignore", invalid="ignore"):
        tax_cost = (
            np.where(area > 0, loss * tax_on.to_numpy() / area, 0.0)
            + float(v("scenario.cost_weight")) * spend
        )
        job_cost = np.where(area > 0, loss * jobs_on.to_numpy() / area, 0.0)
    cost = {"tax": tax_cost, "jobs": job_cost}.get(
        objective, tax_cost + float(v("scenario.mixed_job_weight_wan")) * job_cost
    )
    sel = np.flatnonzero(ub > 1e-9)
    return pd.DataFrame({"p": sel, "ub_mu": ub[sel], "cost": cost[sel], "spend": spend}), tax_on.to_numpy()


def _targets(
    tg: Mapping[str, float], quotas: Mapping[str, float], periods: int, shares: np.ndarray, years: list[int],
    milestones: bool,
) -> list[TargetRow]:  # fmt: skip
    allp = tuple(range(periods))
    rows = [TargetRow(name, name, allp, float(val)) for name, val in tg.items()]
    if periods > 1 and milestones:
        cum = np.cumsum(shares)
        for t in range(periods - 1):
            rows += [TargetRow(f"milestone:{years[t]}:{nm}", nm, tuple(range(t + 1)), float(cum[t] * val))
                     for nm, val in tg.items() if val > 0]  # fmt: skip
    rows += [
        TargetRow(f"town:{town}", "freed_area_mu", allp, float(q), town=str(town))
        for town, q in quotas.items()
    ]
    return rows


def _quotas(quotas: Mapping[str, float] | None, rules: RuleSet) -> dict[str, float]:
    raw = rules.value("scenario.town_quota_mu") if quotas is None else quotas
    out = {}
    for town, q in dict(raw or {}).items():
        val = float(q)
        if not np.isfinite(val) or val < 0:
            raise InputError(f"town quota {town}: {q} must be ≥ 0 亩", column="scenario.town_quota_mu")
        out[str(town)] = val
    return out


def _problem(
    cand: pd.DataFrame,
    pt: _Parcels,
    eff: CandidateEffects,
    table: RemedyTable,
    objective: str,
    rules: RuleSet,
    periods: int,
    partial: pd.DataFrame,
    budget: float,
) -> Problem:
    n = len(cand)
    ef, er = np.nonzero(eff.eligible)
    obj = _objective(eff, objective, rules)
    fr, pr = pt.freeable, pt.pairs
    single = fr["n_occ"].to_numpy() == 1
    sp = pr.loc[single[pr["p"].to_numpy()]]
    single_area = np.bincount(
        sp["f"].to_numpy(), weights=fr["area_mu"].to_numpy()[sp["p"].to_numpy()], minlength=n
    )
    by_town: dict[str, np.ndarray] = {}
    towns = fr["town"].to_numpy()
    for town in pd.unique(towns[sp["p"].to_numpy()]) if len(sp) else []:
        m = towns[sp["p"].to_numpy()] == town
        by_town[str(town)] = np.bincount(sp["f"].to_numpy()[m],
                                         weights=fr["area_mu"].to_numpy()[sp["p"].to_numpy()[m]], minlength=n)  # fmt: skip
    shared_ids = np.flatnonzero(~single & (fr["n_occ"].to_numpy() > 1))
    s_of_p = pd.Series(np.arange(len(shared_ids)), index=shared_ids)
    shp = pr.loc[pr["p"].isin(shared_ids)]
    _years, _shares, cap_firms, ybudget = yearly_limits(rules)
    if periods == 1:
        cap_firms = np.array([cap_firms.sum()])
        ybudget = np.array([ybudget.sum()])
    p_idx = partial["p"].to_numpy(dtype=int)
    p_single = single[p_idx]
    first_occ = pr.drop_duplicates("p").set_index("p")["f"]
    return Problem(
        n=n,
        periods=periods,
        ef=ef,
        er=er,
        cost=obj[ef, er],
        metrics={
            "freed_energy_tce": eff.energy_saved[ef, er],
            "co2_reduction_t": eff.co2_saved[ef, er],
            "firms_exited": table.counts_exit[er].astype(float),
            "firms_upgraded": table.counts_upgrade[er].astype(float),
        },
        single_area=single_area,
        frees_land=table.frees_land,
        remedy_cap=table.max_firms,
        spend=eff.cost[ef, er],
        shared_area=fr["area_mu"].to_numpy()[shared_ids],
        shared_town=np.asarray([str(t) for t in towns[shared_ids]], dtype=object),
        shared_pairs=(s_of_p[shp["p"]].to_numpy(), shp["f"].to_numpy()),
        single_area_by_town=by_town,
        partial_ub=partial["ub_mu"].to_numpy(dtype=float),
        partial_town=np.asarray([str(t) for t in towns[p_idx]], dtype=object),
        partial_firm=np.where(p_single, first_occ.reindex(p_idx).fillna(-1).to_numpy(dtype=int), -1),
        partial_shared=np.where(p_single, -1, s_of_p.reindex(p_idx).fillna(-1).to_numpy(dtype=int)),
        partial_cost=partial["cost"].to_numpy(dtype=float),
        partial_spend=partial["spend"].to_numpy(dtype=float),
        idle_area=pt.idle["area_mu"].to_numpy(),
        idle_town=np.asarray([str(t) for t in pt.idle["town"]], dtype=object),
        idle_first=pt.idle["idle_recovery"].to_numpy(dtype=bool),
        period_cap_firms=cap_firms,
        period_budget=ybudget,
        budget=budget,
    )


# ---------------------------------------------------------------------------------------
# main entry


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
        ``greedy``: the sort-and-cut baseline (:func:`ruian_land.scenario.model.greedy`) on the
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
    cand = _candidates(screening, protect)
    pt = _parcel_table(screening, links, parcels, cand)
    link_land = pt.pairs.groupby("f")["land_area_mu"].sum().reindex(range(len(cand)))
    land_s = _num(cand, "land_area_mu").fillna(pd.Series(link_land.to_numpy(), index=cand.index))
    land = land_s.fillna(0.0).to_numpy()
    eff = candidate_effects(cand, firms, table, rules, land)
    quotas = _quotas(town_quotas, rules)
    budget = v("scenario.budget_wan") if budget_wan is None else budget_wan
    budget_f = np.inf if budget is None else float(budget)
    use_partial = bool(v("scenario.partial_release") if partial_release is None else partial_release)
    partial, tax_on = _partial(pt, eff, objective, rules, use_partial and method == "milp")
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
    pb = _problem(cand, pt, eff, table, objective, rules, periods, partial, budget_f)
    pb.targets = _targets(tg, quotas, periods, shares, years, bool(v("scenario.phasing_milestones")))
    options = {
        "time_limit": float(v("scenario.solver_time_limit_s") if time_limit_s is None else time_limit_s),
        "mip_rel_gap": float(v("scenario.solver_mip_rel_gap")),
        "disp": False,
    }
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
        inside=_inside_share(parcels, control_lines), budget=budget_f,
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
    cand: pd.DataFrame, pt: _Parcels, land: np.ndarray
) -> tuple[np.ndarray, dict[int, list[int]], dict[int, list[int]]]:
    """Firms by 亩均税收 ascending (ties by uscc), and the parcel ↔ occupant maps."""
    tax = _num(cand, "tax_wan").fillna(0.0).to_numpy()
    per_mu = np.where(land > 0, tax / np.where(land > 0, land, 1.0), np.inf)
    order = np.lexsort((cand["uscc"].to_numpy(), per_mu))
    occupants: dict[int, list[int]] = {}
    firm_parcels: dict[int, list[int]] = {}
    for p, f in zip(pt.pairs["p"].to_numpy(), pt.pairs["f"].to_numpy(), strict=True):
        occupants.setdefault(int(p), []).append(int(f))
        firm_parcels.setdefault(int(f), []).append(int(p))
    return order, occupants, firm_parcels
