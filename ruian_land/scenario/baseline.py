"""Reference points beside the MILP: the greedy sort-and-cut and the reach of each target alone.

:func:`greedy` is the plain rule a planner would apply by hand, run on the same instance for
comparison; :func:`reachable_alone` bounds what each target can reach on its own within the
budget and capacities (the LP relaxation of the hard rows), for the messages of an infeasible plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from ruian_land.scenario.matrix import structure, target_rows
from ruian_land.scenario.model import TOL, Problem, Solution

__all__ = ["greedy", "reachable_alone"]


def reachable_alone(pb: Problem, names: Sequence[str], time_limit: float = 10.0) -> dict[str, float]:
    """Upper bound on each named target when pursued on its own, within the hard limits.

    Maximises the target's row (its metric over its periods, plus constants such as idle land)
    over the LP relaxation of the hard rows only: one remedy per firm, per-remedy capacities
    (``max_firms``), per-period capacity in firms and budget, the total budget. The other targets
    and the town quotas are dropped. The LP optimum is a valid upper bound on what any plan can
    reach; counts (firms) are rounded down, as they are sums of 0/1 decisions.

    Parameters
    ----------
    pb : Problem
    names : sequence of str
        Target row names (``TargetRow.name``); unknown names are skipped.
    time_limit : float
        Seconds per LP.

    Returns
    -------
    dict
        Name → bound in the target's unit (亩, tce, t, 家); missing when the LP did not solve.
    """
    lay = pb.layout()
    nv = lay["total"][0]
    rows, _c, _integ, lb, ub = structure(pb)
    hard = rows.matrix()
    lo, hi = np.asarray(rows.lo), np.asarray(rows.hi)
    tmat, trhs, tnames = target_rows(pb)
    eq = np.isfinite(lo) & np.isfinite(hi) & (lo == hi)
    up = np.isfinite(hi) & ~eq
    dn = np.isfinite(lo) & ~eq
    a_ub = sparse.vstack([hard[up], -hard[dn]], format="csr")
    b_ub = np.concatenate([hi[up], -lo[dn]])
    out: dict[str, float] = {}
    for i, (nm, tr) in enumerate(zip(tnames, pb.targets, strict=True)):
        if nm not in names:
            continue
        const = tr.value - float(trhs[i])
        row = np.asarray(tmat[i].toarray()).ravel()
        if nv == 0:
            out[nm] = const
            continue
        lp = linprog(
            -row,
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=b_ub if a_ub.shape[0] else None,
            A_eq=hard[eq] if eq.any() else None,
            b_eq=lo[eq] if eq.any() else None,
            bounds=np.column_stack([lb, ub]),
            method="highs",
            options={"time_limit": float(time_limit)},
        )
        if lp.status != 0 or lp.x is None:
            continue
        best = float(row @ lp.x) + const
        if tr.metric in ("firms_exited", "firms_upgraded"):
            best = float(np.floor(best + 1e-6))
        out[nm] = best
    return out


def greedy(pb: Problem, order: Sequence[int] | np.ndarray, occupants: Mapping[int, Sequence[int]],
           firm_parcels: Mapping[int, Sequence[int]], parcel_area: np.ndarray) -> Solution:  # fmt: skip
    """The plain rule a planner would apply by hand: sort-and-cut.

    Firms are taken in ``order`` (lowest 亩均税收 first); each is vacated by its cheapest
    eligible land remedy until the area, energy, CO₂ and exit targets are met (a parcel counts
    once all its occupants have left); then the next firms in the same order are upgraded by the
    cheapest remedy that counts as 整治提升 until that target is met. Remedy capacities and the
    budget are respected; per-town quotas and milestones are not (it has no notion of them).
    One period; partial release unused.

    Parameters
    ----------
    pb : Problem
        Built with one period.
    order : sequence of int
        Firm indices, the order in which firms are considered.
    occupants : mapping
        Parcel index → firm indices occupying it (freeable parcels only).
    firm_parcels : mapping
        Firm index → parcel indices it occupies (freeable parcels only).
    parcel_area : ndarray
        Area (亩) of each freeable parcel.

    Returns
    -------
    Solution
        ``status`` ``greedy`` (targets met) or ``greedy_short`` (candidates ran out).
    """
    e_n = pb.n_pairs
    goal = {tr.metric: tr.value for tr in pb.targets if tr.town is None and len(tr.periods) == pb.periods}
    got = dict.fromkeys(goal, 0.0)
    if "freed_area_mu" in got:
        got["freed_area_mu"] = float(pb.idle_area.sum())
    left = {p: len(fs) for p, fs in occupants.items()}
    used_cap = np.zeros(len(pb.remedy_cap))
    spend = 0.0
    pair_period = np.full(e_n, -1)
    pairs_of: dict[int, list[int]] = {}
    for e in range(e_n):
        pairs_of.setdefault(int(pb.ef[e]), []).append(e)
    done: set[int] = set()

    def short(keys: Sequence[str]) -> bool:
        return any(got[k] < goal[k] - TOL for k in keys if k in goal)

    def take(f: int, want_land: bool) -> bool:
        nonlocal spend
        opts = [e for e in pairs_of.get(f, []) if bool(pb.frees_land[pb.er[e]]) == want_land]
        if not want_land:
            opts = [e for e in opts if pb.metrics["firms_upgraded"][e] > 0]
        opts = [
            e
            for e in opts
            if used_cap[pb.er[e]] < pb.remedy_cap[pb.er[e]] and spend + pb.spend[e] <= pb.budget
        ]
        if not opts:
            return False
        e = min(opts, key=lambda k: (pb.cost[k], k))
        pair_period[e] = 0
        used_cap[pb.er[e]] += 1
        spend += float(pb.spend[e])
        done.add(f)
        for k in got:
            if k != "freed_area_mu":
                got[k] += float(pb.metrics[k][e])
        if want_land and "freed_area_mu" in got:
            for p in firm_parcels.get(f, ()):
                left[p] -= 1
                if left[p] == 0:
                    got["freed_area_mu"] += float(parcel_area[p])
        return True

    land_keys = ["freed_area_mu", "freed_energy_tce", "co2_reduction_t", "firms_exited"]
    for f in order:
        if not short(land_keys):
            break
        take(int(f), True)
    for f in order:
        if not short(["firms_upgraded"]):
            break
        if int(f) not in done:
            take(int(f), False)
    status = "greedy_short" if short([*land_keys, "firms_upgraded"]) else "greedy"
    obj = float(pb.cost[pair_period >= 0].sum())
    p_n = len(pb.partial_ub)
    return Solution(pair_period, np.zeros((p_n, 1)), np.zeros(len(pb.idle_area), dtype=int), status, obj,
                    float("nan"), float("nan"), {})  # fmt: skip
