"""The 腾笼换鸟 mixed-integer programme (HiGHS through ``scipy.optimize.milp``): its formulation and types.

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

This module holds the instance and answer types (:class:`TargetRow`, :class:`Problem`,
:class:`Solution`); the rows are built in :mod:`ruian_land.scenario.matrix`, solved in
:mod:`ruian_land.scenario.solver`; the greedy baseline and the reach of each target alone are in
:mod:`ruian_land.scenario.baseline`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["TOL", "Problem", "Solution", "TargetRow"]

#: Tolerance on target rows and shortfalls (shared by the solver and the greedy baseline).
TOL = 1e-6


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
    # metrics that also count every freed 亩 (metric → coefficient per 亩; e.g. the 亩均税收 row)
    area_coef: dict[str, float] = field(default_factory=dict)

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
