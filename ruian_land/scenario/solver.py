"""Solving the 腾笼换鸟 MILP with HiGHS: whole or on a reduced core, targets relaxed when infeasible."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from ruian_land.scenario.matrix import metric_rows, structure, target_rows
from ruian_land.scenario.model import TOL, Problem, Solution

__all__ = ["max_activity", "solve"]


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


def max_activity(pb: Problem, metric: str, time_limit_s: float) -> float:
    """Upper bound on Σ ``metric`` over all periods within the hard limits (LP relaxation, HiGHS).

    The targets are left out: the bound is what the scenario's own levers could reach at most
    (one remedy per firm, capacities, budgets, shared parcels). ``nan`` when the LP fails.
    """
    lay = pb.layout()
    nv = lay["total"][0]
    mat, const = metric_rows(pb, metric, None)
    if nv == 0:
        return float(const.sum())
    rows, _c, _integ, lb, ub = structure(pb)
    a = rows.matrix()
    lo, hi = np.asarray(rows.lo), np.asarray(rows.hi)
    up, dn = np.isfinite(hi), np.isfinite(lo)
    a_ub = sparse.vstack([a[up], -a[dn]], format="csr")
    b_ub = np.concatenate([hi[up], -lo[dn]])
    obj = -np.asarray(mat.sum(axis=0)).ravel()
    lp = linprog(obj, A_ub=a_ub if a_ub.shape[0] else None, b_ub=b_ub if a_ub.shape[0] else None,
                 bounds=np.column_stack([lb, ub]), method="highs", options={"time_limit": time_limit_s})  # fmt: skip
    if lp.status != 0 or lp.x is None:
        return float("nan")
    return float(-lp.fun + const.sum())


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
    rows, c, integ, lb, ub = structure(pb)
    hard = rows.matrix()
    lo, hi = np.asarray(rows.lo), np.asarray(rows.hi)
    tmat, trhs, names = target_rows(pb)
    if nv == 0:
        met = bool((trhs <= TOL).all())
        slack = {nm: float(max(0.0, r)) for nm, r in zip(names, trhs, strict=True) if r > TOL}
        return _decode(pb, np.zeros(0), "optimal" if met else "no_candidates", 0.0, 0.0, 0.0, slack)
    res = _milp(c, hard, lo, hi, tmat, trhs, integ, lb, ub, options, reduce)
    if res.x is not None:
        status = "optimal" if res.status == 0 else "time_limit"
        return _decode(pb, res.x, status, res.fun, res.mip_gap, res.bound, {}, res.reduced_vars)
    if res.status != 2:
        return _decode(pb, np.zeros(nv), "no_solution", 0.0, float("nan"), float("nan"), {})
    # relaxation: slack s_i ≥ 0 on every target row with a positive requirement
    need = np.flatnonzero(trhs > TOL)
    ns = len(need)
    s_cols = sparse.csr_matrix((np.ones(ns), (need, np.arange(ns))), shape=(len(trhs), ns))
    t_ext = sparse.hstack([tmat, s_cols], format="csr")
    h_ext = sparse.hstack([hard, sparse.csr_matrix((hard.shape[0], ns))], format="csr")
    weights = 1.0 / np.maximum(trhs[need], TOL)
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
    slack = {names[i]: float(short[i]) for i in need if short[i] > TOL * max(1.0, trhs[i])}
    return _decode(pb, x[:nv], "infeasible", float(c @ x[:nv]), best.mip_gap, best.bound, slack)


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
