"""Building the model instance of a 腾笼换鸟 scenario: objective, partial release, target rows, arrays.

From the candidates, their parcel frame and the remedy effects to the arrays of a
:class:`ruian_land.scenario.model.Problem`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ruian_land.rules import RuleSet
from ruian_land.scenario.model import Problem, TargetRow
from ruian_land.scenario.parcels import ScenarioParcels
from ruian_land.scenario.phasing import yearly_limits
from ruian_land.scenario.remedies import CandidateEffects, RemedyTable

__all__ = ["build_problem", "build_targets", "partial_parcels"]


def _objective(eff: CandidateEffects, objective: str, rules: RuleSet) -> np.ndarray:
    """(n, R) objective of each remedy: losses only (a gain is a projection, not a term)."""
    tax = np.maximum(eff.tax_lost, 0.0) + float(rules.value("scenario.cost_weight")) * eff.cost
    jobs = np.maximum(eff.jobs_lost, 0.0)
    if objective == "tax":
        return tax
    if objective == "jobs":
        return jobs
    return tax + float(rules.value("scenario.mixed_job_weight_wan")) * jobs


def partial_parcels(
    pt: ScenarioParcels, eff: CandidateEffects, objective: str, rules: RuleSet, enabled: bool
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


def build_targets(
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


def _single_area_by_town(
    towns: np.ndarray, p: np.ndarray, f: np.ndarray, area_mu: np.ndarray, n: int
) -> dict[str, np.ndarray]:
    """Area (亩) of each firm's single-occupant parcels by town: ``{town: (n,) array}``, towns
    in order of appearance; the sums of one bincount over (town, firm) cells, each as the
    bincount of the town's pairs alone adds it."""
    if not len(p):
        return {}
    t = towns[p]
    uniq = pd.unique(t)
    code = pd.Index(uniq).get_indexer(t).astype(np.int64)
    cells = np.bincount(code * n + f, weights=area_mu[p], minlength=len(uniq) * n).reshape(len(uniq), n)
    return {str(town): cells[k] for k, town in enumerate(uniq)}


def build_problem(
    cand: pd.DataFrame,
    pt: ScenarioParcels,
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
    towns = fr["town"].to_numpy()
    by_town = _single_area_by_town(towns, sp["p"].to_numpy(), sp["f"].to_numpy(), fr["area_mu"].to_numpy(), n)
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
