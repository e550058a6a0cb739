"""The constraint matrix of the 腾笼换鸟 MILP: hard rows, objective, bounds and target rows.

Variables and constraints are described in :mod:`ruian_land.scenario.model`; the column blocks
come from :meth:`ruian_land.scenario.model.Problem.layout`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

from ruian_land.scenario.model import Problem

__all__ = ["metric_rows", "structure", "target_rows"]

_TIE = 1e-6


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


def metric_rows(pb: Problem, metric: str, town: str | None) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Per-period contribution of a metric: sparse (T, nv) and a constant per period (T,)."""
    lay = pb.layout()
    nv, t_n, e_n = lay["total"][0], pb.periods, pb.n_pairs
    if metric in pb.area_coef:  # pair effects plus a coefficient on every freed 亩
        pairs = pb.metrics[metric]
        nz = np.flatnonzero(pairs)
        pmat = sparse.csr_matrix(
            (np.tile(pairs[nz], t_n),
             (np.repeat(np.arange(t_n), len(nz)), (lay["x"][0] + np.arange(t_n)[:, None] * e_n + nz).ravel())),
            shape=(t_n, nv),
        )  # fmt: skip
        amat, aconst = metric_rows(pb, "freed_area_mu", town)
        k = float(pb.area_coef[metric])
        return sparse.csr_matrix(pmat + k * amat), k * aconst
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


def structure(pb: Problem) -> tuple[_Rows, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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
        if any(coef < 0 for coef in pb.area_coef.values()):
            # a metric that loses by freed land (the 亩均税收 row) must not under-count it: a shared
            # parcel is freed once all its occupants have left, Y[s, t] ≥ Σ_f left_f(t) − (n_s − 1)
            n_occ = np.bincount(si, minlength=s_n)
            for t in range(t_n):
                r_list = [np.arange(s_n)]
                c_list = [lay["Y"][0] + t * s_n + np.arange(s_n)]
                v_list = [np.ones(s_n)]
                for k in range(k_n):
                    ee = land_pairs_of[int(fi[k])]
                    for tt in range(t + 1):
                        r_list.append(np.full(len(ee), si[k]))
                        c_list.append(x0 + tt * e_n + ee)
                        v_list.append(-np.ones(len(ee)))
                rows.add(np.concatenate(r_list), np.concatenate(c_list), np.concatenate(v_list),
                         -(n_occ - 1.0), np.full(s_n, np.inf))  # fmt: skip
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


def target_rows(pb: Problem) -> tuple[sparse.csr_matrix, np.ndarray, list[str]]:
    """Rows Σ metric over the target's periods ≥ value − constants."""
    lay = pb.layout()
    mats, rhs, names = [], [], []
    cache: dict[tuple[str, str | None], tuple[sparse.csr_matrix, np.ndarray]] = {}
    for tr in pb.targets:
        key = (tr.metric, tr.town)
        if key not in cache:
            cache[key] = metric_rows(pb, tr.metric, tr.town)
        mat, const = cache[key]
        sel = list(tr.periods)
        mats.append(sparse.csr_matrix(mat[sel].sum(axis=0)))
        rhs.append(tr.value - float(const[sel].sum()))
        names.append(tr.name)
    if not mats:
        return sparse.csr_matrix((0, lay["total"][0])), np.zeros(0), []
    return sparse.vstack(mats, format="csr"), np.asarray(rhs), names
