"""The 腾笼换鸟 mixed-integer programme (HiGHS through ``scipy.optimize.milp``) and a greedy baseline.

Variables (T periods: the plan years when phasing is inside the model, else one period)
    ``x[e, t]`` binary: eligible (firm, remedy) pair ``e`` applied in period ``t``;
    ``Y[s, t]`` ∈ [0, 1]: shared parcel ``s`` (several occupants, all candidates) freed by the end
    of ``t`` — ``Y[s, t] ≤ Σ_{s' ≤ t} x[f, land remedy, s']`` for **every** occupant ``f``, so a
    shared parcel is freed only when all its occupants have left; a parcel with a single
    occupant adds its area straight onto that firm's land remedies (no variable needed);
    ``z[k, t]`` ≥ 0 (亩): part of a large parcel given back while its firms stay (partial release,
    at most ``ub_k``, none when the parcel is freed whole);
    ``w[q, t]`` binary: idle vacant parcel ``q`` taken back in ``t`` (a constant when T = 1).

Constraints
    one remedy per firm over all periods; per-remedy capacity (``max_firms``); per-period
    capacity in firms and budget; total budget; targets on the totals, plan milestones on the
    cumulative totals (T > 1), per-town minimum freed 亩.

Objective
    Σ cost[f, r] x[e, t] + partial-release cost, where cost is the tax (or jobs, or the mix) lost
    plus ``scenario.cost_weight`` × the one-off public cost; a 10⁻⁶ per action breaks ties
    towards doing less.

Infeasible
    Each target row gets a slack; the sum of relative shortfalls is minimised first, then the
    objective at that shortfall (two solves). The budget and capacities stay hard.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

__all__ = ["Problem", "Solution", "TargetRow", "greedy", "reachable_alone", "solve"]

_TIE = 1e-6
_TOL = 1e-6


@dataclass
class TargetRow:
    """A ≥ requirement on a metric: ``name`` (e.g. ``freed_area_mu``, ``milestone:2021:…``, ``town:…``)."""

    name: str
    metric: str
    periods: tuple[int, ...]
    value: float
    town: str | None = None


@dataclass
class Problem:
    """Arrays of one scenario instance (built by :mod:`ruian_land.scenario`).

    Shapes: n firms, R remedies, T periods; E eligible (firm, remedy) pairs.
    """

    n: int
    periods: int
    ef: np.ndarray  # (E,) firm of pair
    er: np.ndarray  # (E,) remedy of pair
    cost: np.ndarray  # (E,) objective per pair
    metrics: dict[str, np.ndarray]  # metric → (E,) per pair: energy, CO₂, exit and upgrade counts
    single_area: np.ndarray  # (n,) 亩 of the parcels each firm occupies alone (freed when it leaves)
    frees_land: np.ndarray  # (R,) bool
    remedy_cap: np.ndarray  # (R,) inf = none
    spend: np.ndarray  # (E,) one-off public cost (万元)
    # shared parcels
    shared_area: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (S,)
    shared_town: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    shared_pairs: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0, dtype=int), np.zeros(0, dtype=int))
    )  # (shared idx, firm idx)
    # single-occupant parcel area per firm and town (for quotas): town → (n,)
    single_area_by_town: dict[str, np.ndarray] = field(default_factory=dict)
    # partial release
    partial_ub: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (P,) 亩
    partial_town: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    partial_firm: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # firm or -1
    partial_shared: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # shared idx or -1
    partial_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))  # objective per 亩
    partial_spend: np.ndarray = field(default_factory=lambda: np.zeros(0))  # 万元 per 亩
    # idle vacant parcels
    idle_area: np.ndarray = field(default_factory=lambda: np.zeros(0))
    idle_town: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    idle_first: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (Q,) due in period 0
    # limits
    period_cap_firms: np.ndarray = field(default_factory=lambda: np.array([np.inf]))  # (T,)
    period_budget: np.ndarray = field(default_factory=lambda: np.array([np.inf]))  # (T,)
    budget: float = np.inf
    targets: list[TargetRow] = field(default_factory=list)

    @property
    def n_pairs(self) -> int:
        """Number of eligible (firm, remedy) pairs E."""
        return len(self.ef)

    def layout(self) -> dict[str, tuple[int, int]]:
        """Variable blocks: name → (offset, size)."""
        t, e, s, p = self.periods, self.n_pairs, len(self.shared_area), len(self.partial_ub)
        q = len(self.idle_area) if t > 1 else 0
        out, off = {}, 0
        for name, size in (("x", e * t), ("Y", s * t), ("z", p * t), ("w", q * t)):
            out[name] = (off, size)
            off += size
        out["total"] = (off, 0)
        return out


@dataclass
class Solution:
    """Decoded solution: ``pair_period`` (E,) period index or −1; ``z`` (P, T) 亩; ``idle_period`` (Q,)."""

    pair_period: np.ndarray
    z: np.ndarray
    idle_period: np.ndarray
    status: str
    objective: float
    mip_gap: float
    dual_bound: float
    slack: dict[str, float] = field(default_factory=dict)
    reduced_vars: int = -1  # columns kept after reduced-cost fixing (−1: whole model solved)


class _Rows:
    """COO accumulator of constraint rows with lower and upper bounds."""

    def __init__(self, nv: int) -> None:
        self.nv = nv
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, rows: ArrayLike, cols: ArrayLike, vals: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> None:
        base = len(self.lo)
        self.r.append(np.asarray(rows, dtype=np.int64) + base)
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.asarray(vals, dtype=float))
        self.lo.extend(np.asarray(lo, dtype=float).tolist())
        self.hi.extend(np.asarray(hi, dtype=float).tolist())

    def matrix(self, extra_cols: int = 0) -> sparse.csr_matrix:
        m = len(self.lo)
        if not self.r:
            return sparse.csr_matrix((m, self.nv + extra_cols))
        return sparse.csr_matrix(
            (np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
            shape=(m, self.nv + extra_cols),
        )


def _metric_rows(pb: Problem, metric: str, town: str | None) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Per-period contribution of a metric: sparse (T, nv) and a constant per period (T,)."""
    lay = pb.layout()
    nv, t_n, e_n = lay["total"][0], pb.periods, pb.n_pairs
    rows, cols, vals = [], [], []
    const = np.zeros(t_n)
    is_area = metric == "freed_area_mu"
    if is_area:
        per_firm = pb.single_area if town is None else pb.single_area_by_town.get(town)
        coef = np.zeros(e_n) if per_firm is None else per_firm[pb.ef] * pb.frees_land[pb.er]
    else:
        coef = pb.metrics[metric]
    nz = np.flatnonzero(coef)
    for t in range(t_n):
        rows.append(np.full(len(nz), t))
        cols.append(lay["x"][0] + t * e_n + nz)
        vals.append(coef[nz])
    if is_area:
        s_n = len(pb.shared_area)
        sel = np.arange(s_n) if town is None else np.flatnonzero(pb.shared_town == town)
        for t in range(t_n):
            rows.append(np.full(len(sel), t))
            cols.append(lay["Y"][0] + t * s_n + sel)
            vals.append(pb.shared_area[sel])
            if t > 0:  # freed in t = Y[t] − Y[t−1]
                rows.append(np.full(len(sel), t))
                cols.append(lay["Y"][0] + (t - 1) * s_n + sel)
                vals.append(-pb.shared_area[sel])
        p_n = len(pb.partial_ub)
        sel = np.arange(p_n) if town is None else np.flatnonzero(pb.partial_town == town)
        for t in range(t_n):
            rows.append(np.full(len(sel), t))
            cols.append(lay["z"][0] + t * p_n + sel)
            vals.append(np.ones(len(sel)))
        q_n = len(pb.idle_area)
        sel = np.arange(q_n) if town is None else np.flatnonzero(pb.idle_town == town)
        if t_n > 1:
            for t in range(t_n):
                rows.append(np.full(len(sel), t))
                cols.append(lay["w"][0] + t * q_n + sel)
                vals.append(pb.idle_area[sel])
        else:
            const[0] = float(pb.idle_area[sel].sum())
    mat = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(t_n, nv)
    )
    return mat, const


def _structure(pb: Problem) -> tuple[_Rows, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hard rows, objective, integrality and bounds of the model."""
    lay = pb.layout()
    nv, t_n, e_n = lay["total"][0], pb.periods, pb.n_pairs
    s_n, p_n = len(pb.shared_area), len(pb.partial_ub)
    q_n = lay["w"][1] // t_n if t_n else 0
    rows = _Rows(nv)
    x0 = lay["x"][0]
    xt = (x0 + np.arange(t_n)[:, None] * e_n + np.arange(e_n)[None, :]).ravel()  # (T·E) in t-major
    e_rep = np.tile(np.arange(e_n), t_n)
    t_rep = np.repeat(np.arange(t_n), e_n)
    # one remedy per firm
    rows.add(pb.ef[e_rep], xt, np.ones(len(xt)), np.full(pb.n, -np.inf), np.ones(pb.n))
    # remedy capacities
    for r in np.flatnonzero(np.isfinite(pb.remedy_cap)):
        sel = pb.er[e_rep] == r
        rows.add(np.zeros(int(sel.sum())), xt[sel], np.ones(int(sel.sum())), [-np.inf], [pb.remedy_cap[r]])
    # shared parcels: Y[s, t] − Σ_{t' ≤ t} x[f, land, t'] ≤ 0 for each occupant f
    si, fi = pb.shared_pairs
    k_n = len(si)
    if k_n:
        land_pairs_of = {}
        land_e = np.flatnonzero(pb.frees_land[pb.er])
        order = np.argsort(pb.ef[land_e], kind="stable")
        land_e = land_e[order]
        starts = np.searchsorted(pb.ef[land_e], np.arange(pb.n + 1))
        for f in np.unique(fi):
            land_pairs_of[int(f)] = land_e[starts[f] : starts[f + 1]]
        for t in range(t_n):
            r_list, c_list, v_list = [np.arange(k_n)], [lay["Y"][0] + t * s_n + si], [np.ones(k_n)]
            for k in range(k_n):
                ee = land_pairs_of[int(fi[k])]
                for tt in range(t + 1):
                    r_list.append(np.full(len(ee), k))
                    c_list.append(x0 + tt * e_n + ee)
                    v_list.append(-np.ones(len(ee)))
            rows.add(np.concatenate(r_list), np.concatenate(c_list), np.concatenate(v_list),
                     np.full(k_n, -np.inf), np.zeros(k_n))  # fmt: skip
        for t in range(1, t_n):  # Y monotone in t
            rs = np.arange(s_n)
            rows.add(np.concatenate([rs, rs]),
                     np.concatenate([lay["Y"][0] + (t - 1) * s_n + rs, lay["Y"][0] + t * s_n + rs]),
                     np.concatenate([np.ones(s_n), -np.ones(s_n)]), np.full(s_n, -np.inf), np.zeros(s_n))  # fmt: skip
    # partial release: Σ_t z[k, t] + ub_k · freed_k ≤ ub_k
    for k in range(p_n):
        pcols: list[np.ndarray] = [lay["z"][0] + np.arange(t_n) * p_n + k]
        pvals: list[np.ndarray] = [np.ones(t_n)]
        if pb.partial_shared[k] >= 0:
            pcols.append(np.array([lay["Y"][0] + (t_n - 1) * s_n + pb.partial_shared[k]]))
            pvals.append(np.array([pb.partial_ub[k]]))
        else:
            ee = np.flatnonzero((pb.ef == pb.partial_firm[k]) & pb.frees_land[pb.er])
            xc = (x0 + np.arange(t_n)[:, None] * e_n + ee[None, :]).ravel()
            pcols.append(xc)
            pvals.append(np.full(len(xc), pb.partial_ub[k]))
        cc = np.concatenate(pcols)
        rows.add(np.zeros(len(cc)), cc, np.concatenate(pvals), [-np.inf], [pb.partial_ub[k]])
    # idle parcels: each taken back in exactly one period (T > 1)
    if q_n:
        q = np.arange(q_n)
        wcols = (lay["w"][0] + np.arange(t_n)[:, None] * q_n + q[None, :]).ravel()
        rows.add(np.tile(q, t_n), wcols, np.ones(len(wcols)), np.ones(q_n), np.ones(q_n))
    # capacity in firms per period (T = 1: the sum of the yearly capacities)
    cap = pb.period_cap_firms
    for t in range(t_n):
        if np.isfinite(cap[t]):
            sel = t_rep == t
            rows.add(np.zeros(int(sel.sum())), xt[sel], np.ones(int(sel.sum())), [-np.inf], [cap[t]])
    # budget per period and in total
    z_cols = (lay["z"][0] + np.arange(t_n)[:, None] * p_n + np.arange(p_n)[None, :]).ravel()
    z_spend = np.tile(pb.partial_spend, t_n)
    z_t = np.repeat(np.arange(t_n), p_n)
    spend_x = pb.spend[e_rep]
    for t in range(t_n):
        if np.isfinite(pb.period_budget[t]):
            sx, sz = t_rep == t, z_t == t
            cc = np.concatenate([xt[sx], z_cols[sz]])
            rows.add(np.zeros(len(cc)), cc, np.concatenate([spend_x[sx], z_spend[sz]]), [-np.inf],
                     [pb.period_budget[t]])  # fmt: skip
    if np.isfinite(pb.budget):
        cc = np.concatenate([xt, z_cols])
        rows.add(np.zeros(len(cc)), cc, np.concatenate([spend_x, z_spend]), [-np.inf], [pb.budget])
    c = np.zeros(nv)
    c[xt] = pb.cost[e_rep] + _TIE
    c[z_cols] = np.tile(pb.partial_cost, t_n)
    integrality = np.zeros(nv)
    integrality[lay["x"][0] : lay["x"][0] + lay["x"][1]] = 1
    integrality[lay["w"][0] : lay["w"][0] + lay["w"][1]] = 1
    ub = np.ones(nv)
    ub[z_cols] = np.tile(pb.partial_ub, t_n)
    lb = np.zeros(nv)
    if q_n and len(
        pb.idle_first
    ):  # idle land due for recovery (依法无偿收回): taken back in the first period
        lb[lay["w"][0] + np.flatnonzero(pb.idle_first)] = 1.0
    return rows, c, integrality, lb, ub


def _target_rows(pb: Problem) -> tuple[sparse.csr_matrix, np.ndarray, list[str]]:
    """Rows Σ metric over the target's periods ≥ value − constants."""
    lay = pb.layout()
    mats, rhs, names = [], [], []
    cache: dict[tuple[str, str | None], tuple[sparse.csr_matrix, np.ndarray]] = {}
    for tr in pb.targets:
        key = (tr.metric, tr.town)
        if key not in cache:
            cache[key] = _metric_rows(pb, tr.metric, tr.town)
        mat, const = cache[key]
        sel = list(tr.periods)
        mats.append(sparse.csr_matrix(mat[sel].sum(axis=0)))
        rhs.append(tr.value - float(const[sel].sum()))
        names.append(tr.name)
    if not mats:
        return sparse.csr_matrix((0, lay["total"][0])), np.zeros(0), []
    return sparse.vstack(mats, format="csr"), np.asarray(rhs), names


@dataclass
class _Res:
    """What the solves return: x (None if no solution), objective, status code, gap, dual bound."""

    x: np.ndarray | None
    fun: float
    status: int  # 0 optimal, 1 limit reached, 2 infeasible
    mip_gap: float
    bound: float
    reduced_vars: int = -1


def _milp(
    c: np.ndarray,
    hard: sparse.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    tmat: sparse.csr_matrix,
    trhs: np.ndarray,
    integrality: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    options: Mapping[str, Any],
    reduce: tuple[int, int] = (0, 0),
) -> _Res:
    """Solve; above ``reduce[0]`` binaries on a core of ``reduce[1]`` binaries (see :func:`_reduced`)."""
    a = sparse.vstack([hard, tmat], format="csr")
    rlo = np.concatenate([lo, trhs])
    rhi = np.concatenate([hi, np.full(len(trhs), np.inf)])
    if reduce[0] and int(integrality.sum()) > reduce[0]:
        return _reduced(c, a, rlo, rhi, integrality, lb, ub, options, reduce[1])
    return _direct(c, a, rlo, rhi, integrality, lb, ub, options)


def _direct(
    c: np.ndarray,
    a: sparse.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    integrality: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    options: Mapping[str, Any],
) -> _Res:
    cons = [LinearConstraint(a, lo, hi)] if a.shape[0] else []
    res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(lb, ub), options=dict(options))
    if res.x is None:
        return _Res(None, float("nan"), 2 if res.status == 2 else 1, float("nan"), float("nan"))
    gap = getattr(res, "mip_gap", None)
    bound = getattr(res, "mip_dual_bound", None)
    return _Res(
        np.asarray(res.x),
        float(res.fun),
        0 if res.status == 0 else 1,
        float(gap) if gap is not None else 0.0,
        float(bound) if bound is not None else float(res.fun),
    )


def _reduced(
    c: np.ndarray,
    a: sparse.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    integrality: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    options: Mapping[str, Any],
    core: int,
) -> _Res:
    """Large models: LP bound, then the MILP on a core of the most promising binaries.

    HiGHS on a whole large model spends minutes in presolve and root cuts on the dense target
    rows. Instead: solve the LP relaxation (a valid lower bound ``LB`` on the optimum, reduced
    costs ``d``); keep every binary positive in the LP and the ``K`` binaries with the smallest
    reduced cost (all continuous variables); solve the MILP on that core. Its solution is
    feasible for the whole model. The dual bound is ``max(LB, min(core bound, LB + d_min))``
    with ``d_min`` the smallest reduced cost of a dropped binary — any solution using a dropped
    binary costs at least ``LB + d_min`` — so the reported gap is a proven gap for the whole
    model. While the gap exceeds ``mip_rel_gap`` and time remains, ``K`` is quadrupled.
    """
    t0 = time.perf_counter()
    limit = float(options.get("time_limit", np.inf))
    eq = np.isfinite(lo) & np.isfinite(hi) & (lo == hi)
    up = np.isfinite(hi) & ~eq
    dn = np.isfinite(lo) & ~eq
    a_ub = sparse.vstack([a[up], -a[dn]], format="csr")
    b_ub = np.concatenate([hi[up], -lo[dn]])
    lp = linprog(
        c,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        A_eq=a[eq] if eq.any() else None,
        b_eq=lo[eq] if eq.any() else None,
        bounds=np.column_stack([lb, ub]),
        method="highs",
        options={"time_limit": limit},
    )
    if lp.status == 2:
        return _Res(None, float("nan"), 2, float("nan"), float("nan"))
    if lp.status != 0 or lp.x is None:
        return _direct(c, a, lo, hi, integrality, lb, ub, options)
    lbound = float(lp.fun)
    d = np.asarray(lp.lower.marginals, dtype=float)
    is_int = integrality > 0
    base = ~is_int | (lp.x > 1e-9)
    rest = np.flatnonzero(~base)
    rest = rest[np.lexsort((rest, d[rest]))]  # smallest reduced cost first, ties by index
    tol = float(options.get("mip_rel_gap", 1e-4))
    k = max(int(core), 1)
    best: _Res | None = None
    while True:
        left = limit - (time.perf_counter() - t0)
        keep = base.copy()
        keep[rest[:k]] = True
        cols = np.flatnonzero(keep)
        d_min = float(d[rest[k]]) if k < len(rest) else np.inf
        sub_a = a[:, cols]
        rows = np.flatnonzero(sub_a.getnnz(axis=1) > 0)
        sub = _direct(c[cols], sub_a[rows], lo[rows], hi[rows], integrality[cols], lb[cols], ub[cols],
                      {**options, "time_limit": max(left, 1.0), "mip_rel_gap": tol / 2})  # fmt: skip
        if sub.x is not None:
            bound = max(lbound, min(sub.bound, lbound + max(d_min, 0.0)))
            gap = max(0.0, (sub.fun - bound) / max(abs(sub.fun), 1e-9))
            if best is None or sub.fun < best.fun - 1e-9:
                x = np.zeros(len(c))
                x[cols] = sub.x
                best = _Res(x, sub.fun, 0 if gap <= tol else 1, gap, bound, len(cols))
            elif best is not None:
                best.bound = max(best.bound, bound)
                best.mip_gap = max(0.0, (best.fun - best.bound) / max(abs(best.fun), 1e-9))
                best.status = 0 if best.mip_gap <= tol else 1
        if (best is not None and best.status == 0) or k >= len(rest):
            break
        if limit - (time.perf_counter() - t0) <= 1.0:
            break
        k *= 4
    if best is None:
        left = max(limit - (time.perf_counter() - t0), 1.0)
        return _direct(c, a, lo, hi, integrality, lb, ub, {**options, "time_limit": left})
    return best


def solve(pb: Problem, options: Mapping[str, Any], reduce: tuple[int, int] = (20000, 1000)) -> Solution:
    """Solve the scenario model; relax the targets when they cannot all be met.

    Parameters
    ----------
    pb : Problem
    options : mapping
        HiGHS options for ``scipy.optimize.milp`` (``time_limit`` per solve, ``mip_rel_gap``,
        ``disp``).
    reduce : (int, int)
        Models with more than ``reduce[0]`` binaries are solved on a core of ``reduce[1]`` binaries
        chosen by LP reduced cost, with a proven gap (:func:`_reduced`); HiGHS on the whole of a
        large model spends minutes in presolve and root cuts on the dense target rows.

    Returns
    -------
    Solution
        ``status``: ``optimal`` | ``time_limit`` (best found, gap not closed) | ``infeasible``
        (targets relaxed; ``slack`` = shortfall per target row) | ``no_candidates`` |
        ``no_solution`` (time limit reached before any solution).
    """
    lay = pb.layout()
    nv = lay["total"][0]
    rows, c, integ, lb, ub = _structure(pb)
    hard = rows.matrix()
    lo, hi = np.asarray(rows.lo), np.asarray(rows.hi)
    tmat, trhs, names = _target_rows(pb)
    if nv == 0:
        met = bool((trhs <= _TOL).all())
        slack = {nm: float(max(0.0, r)) for nm, r in zip(names, trhs, strict=True) if r > _TOL}
        return _decode(pb, np.zeros(0), "optimal" if met else "no_candidates", 0.0, 0.0, 0.0, slack)
    res = _milp(c, hard, lo, hi, tmat, trhs, integ, lb, ub, options, reduce)
    if res.x is not None:
        status = "optimal" if res.status == 0 else "time_limit"
        return _decode(pb, res.x, status, res.fun, res.mip_gap, res.bound, {}, res.reduced_vars)
    if res.status != 2:
        return _decode(pb, np.zeros(nv), "no_solution", 0.0, float("nan"), float("nan"), {})
    # relaxation: slack s_i ≥ 0 on every target row with a positive requirement
    need = np.flatnonzero(trhs > _TOL)
    ns = len(need)
    s_cols = sparse.csr_matrix((np.ones(ns), (need, np.arange(ns))), shape=(len(trhs), ns))
    t_ext = sparse.hstack([tmat, s_cols], format="csr")
    h_ext = sparse.hstack([hard, sparse.csr_matrix((hard.shape[0], ns))], format="csr")
    weights = 1.0 / np.maximum(trhs[need], _TOL)
    integ2 = np.concatenate([integ, np.zeros(ns)])
    lb2, ub2 = np.concatenate([lb, np.zeros(ns)]), np.concatenate([ub, np.full(ns, np.inf)])
    first = _milp(np.concatenate([np.zeros(nv), weights]), h_ext, lo, hi, t_ext, trhs, integ2, lb2, ub2,
                  options, reduce)  # fmt: skip
    if first.x is None:  # budget or capacities leave no room at all: act on nothing
        return _decode(pb, np.zeros(nv), "infeasible", 0.0, float("nan"), float("nan"),
                       {names[i]: float(trhs[i]) for i in need})  # fmt: skip
    limit = float(first.fun) * (1 + 1e-6) + 1e-9
    cap_row = sparse.csr_matrix(np.concatenate([np.zeros(nv), weights]).reshape(1, -1))
    h3 = sparse.vstack([h_ext, cap_row], format="csr")
    second = _milp(np.concatenate([c, np.zeros(ns)]), h3, np.append(lo, -np.inf), np.append(hi, limit), t_ext,
                   trhs, integ2, lb2, ub2, options, reduce)  # fmt: skip
    best = second if second.x is not None else first
    assert best.x is not None
    x = best.x
    # the shortfall actually left by the decisions (the slack variables of the second pass may sit
    # above it: only their weighted sum is capped, at the first pass's possibly non-optimal value)
    short = np.maximum(trhs - tmat @ x[:nv], 0.0)
    slack = {names[i]: float(short[i]) for i in need if short[i] > _TOL * max(1.0, trhs[i])}
    return _decode(pb, x[:nv], "infeasible", float(c @ x[:nv]), best.mip_gap, best.bound, slack)


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
    rows, _c, _integ, lb, ub = _structure(pb)
    hard = rows.matrix()
    lo, hi = np.asarray(rows.lo), np.asarray(rows.hi)
    tmat, trhs, tnames = _target_rows(pb)
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


def _decode(
    pb: Problem,
    x: np.ndarray,
    status: str,
    obj: float,
    gap: float,
    bound: float,
    slack: dict[str, float],
    reduced_vars: int = -1,
) -> Solution:
    lay = pb.layout()
    t_n, e_n, p_n = pb.periods, pb.n_pairs, len(pb.partial_ub)
    q_n = len(pb.idle_area)
    pair_period = np.full(e_n, -1)
    if len(x):
        xs = x[lay["x"][0] : lay["x"][0] + e_n * t_n].reshape(t_n, e_n)
        on = xs > 0.5
        pair_period[on.any(axis=0)] = on.argmax(axis=0)[on.any(axis=0)]
        z = x[lay["z"][0] : lay["z"][0] + p_n * t_n].reshape(t_n, p_n).T.copy()
        z[z < 1e-7] = 0.0
        if t_n > 1 and q_n:
            w = x[lay["w"][0] : lay["w"][0] + q_n * t_n].reshape(t_n, q_n)
            idle_period = w.argmax(axis=0)
        else:
            idle_period = np.zeros(q_n, dtype=int)
    else:
        z = np.zeros((p_n, t_n))
        idle_period = np.zeros(q_n, dtype=int)
    return Solution(pair_period, z, idle_period, status, obj, gap, bound, slack, reduced_vars)


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
        return any(got[k] < goal[k] - _TOL for k in keys if k in goal)

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
