"""The 腾笼换鸟 scenario: which flagged firms to act on, and how, to meet the plan targets.

A mixed-integer programme solved with ``scipy.optimize.milp`` (HiGHS).

Candidates
    Firms on the screening list (``Screening.firms.flagged``: in scope with an actionable
    reason), minus exempt firms and firms of ``scenario.protect_classes`` (A/B by default;
    ``protect_classes`` overrides, ``[]`` protects nobody).

Decisions (binary, at most one per firm; plan §三(一)2 remedies)
    ``exit`` (关停退出 / 整体腾退): the firm's land, energy and tax all leave.
    ``relocate`` (搬迁入园): the land is vacated; ``scenario.relocate_tax_kept`` of the tax and
    ``scenario.relocate_jobs_kept`` of the jobs stay in the county; ``scenario.
    relocate_energy_kept`` of the energy moves with the firm, so only the rest is saved
    county-wide. The park space it moves into is not counted against freed land.
    ``upgrade`` (改造提升): the land stays; energy falls by ``scenario.upgrade_energy_cut`` and
    tax rises by ``scenario.upgrade_tax_gain``.
    Per parcel, ``y_p`` (freed) ≤ exit + relocate of **every** occupant: a shared parcel is freed
    only when all its occupants leave; a parcel with a non-candidate occupant is never freed.
    Idle parcels with no occupant (``is_idle`` and no link) are taken back at no tax cost and
    always counted (plan §三(一)4, 《闲置土地处置办法》).

Targets (each switchable; values from ``targets.*`` unless given)
    ``freed_area_mu`` Σ freed parcel area; ``freed_energy_tce`` energy saved (basis
    ``scenario.energy_basis``); ``co2_reduction_t`` = energy saved × ``energy.co2_t_per_tce_freed``;
    ``firms_exited`` = exits + relocations (淘汰 / 腾退 both take the firm off its land);
    ``firms_upgraded`` = upgrades.

Objective
    ``tax``: tax lost (exit: all; relocate: 1 − kept) plus the programme cost of each upgrade
    (``scenario.upgrade_cost_wan``; the upgrade's tax gain is a projection, not an objective term);
    ``jobs``: jobs lost (exit: all; relocate: 1 − kept; upgrade: none); ``mixed``: tax lost +
    ``scenario.mixed_job_weight_wan`` × jobs lost. Upgrades are chosen only as far as the
    targets need them (plan §二: 整治提升 300 firms).

Infeasible targets
    The model is re-solved with a slack per target: first the sum of relative shortfalls is
    minimised, then tax lost at that shortfall. ``feasible`` is False and ``summary``
    reports the ``shortfalls`` and ``binding_targets``.

Phasing (:func:`phase`)
    Firms that free a parcel together are phased together; units are spread over
    ``targets.years`` so that each year's area, energy, exits and upgrades stay close to
    ``scenario.yearly_share`` of the scenario total (largest units first, deterministic).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ruian_land.errors import InputError
from ruian_land.idle import truthy
from ruian_land.reasons import REMEDIES
from ruian_land.rules import RuleSet
from ruian_land.scenario_phasing import by_year_table, phase, phase_selection
from ruian_land.screening import Screening

__all__ = ["OBJECTIVES", "TARGET_KEYS", "ScenarioResult", "optimise", "phase", "resolve_targets"]

#: Targets the scenario knows, in the order of plan §二.
TARGET_KEYS: tuple[str, ...] = (
    "freed_area_mu",
    "freed_energy_tce",
    "co2_reduction_t",
    "firms_exited",
    "firms_upgraded",
)
OBJECTIVES: tuple[str, ...] = ("tax", "jobs", "mixed")
_REMEDY_ORDER = ("exit", "relocate", "upgrade")
_METRIC_OF_TARGET = {
    "freed_area_mu": "freed_area_mu",
    "freed_energy_tce": "energy_saved_tce",
    "co2_reduction_t": "co2_reduction_t",
    "firms_exited": "exited",
    "firms_upgraded": "upgraded",
}
_TOL = 1e-6


@dataclass
class ScenarioResult:
    """Result of :func:`optimise`.

    Attributes
    ----------
    selection : DataFrame
        One row per firm acted on: ``uscc``, ``name``, ``remedy`` (exit|relocate|upgrade),
        ``remedy_zh``, ``year``, ``freed_area_mu`` (its land-share of the parcels actually
        freed), ``energy_saved_tce``, ``co2_reduction_t``, ``tax_lost_wan`` (negative = gain),
        ``jobs_lost``, ``eval_class``, ``reason_codes``, ``parcel_ids``.
    freed_parcels : DataFrame
        ``parcel_id``, ``year``, ``area_mu``, ``source`` (``occupied`` | ``idle_vacant``),
        ``occupants`` (``;``-joined uscc).
    summary : dict
        ``target_area_mu``, ``freed_area_mu``, ``freed_energy_tce``, ``co2_reduction_t``,
        ``firms_exited``, ``firms_upgraded``, ``tax_per_mu_before``, ``tax_per_mu_after``,
        ``feasible`` and extras (``tax_lost_wan``, ``jobs_lost``, ``status``, ``targets``,
        ``shortfalls``, ``binding_targets``, ``max_reachable``, ``large_parcels``,
        ``value_added_per_mu_before`` / ``_after``, ``candidates``, ``solve_time_s`` …).
    status : str
        ``optimal``, ``time_limit`` (best found, not proven), ``infeasible`` (relaxed
        solution reported) or ``no_candidates``.
    by_year : DataFrame
        Per year: totals of the metrics and the capacity (share × total) and plan milestone
        (share × target) of each.
    candidates : DataFrame
        Every candidate with its data and chosen remedy (``""`` if none).
    """

    selection: pd.DataFrame
    freed_parcels: pd.DataFrame
    summary: dict[str, Any]
    status: str
    by_year: pd.DataFrame = field(default_factory=pd.DataFrame)
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def feasible(self) -> bool:
        """All active targets met."""
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


def _bool(s: pd.Series) -> pd.Series:
    return s.map(truthy).astype(bool)


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[col], errors="coerce").astype(float)


@dataclass
class _Params:
    relocate_tax_kept: float
    relocate_energy_kept: float
    relocate_jobs_kept: float
    upgrade_energy_cut: float
    upgrade_tax_gain: float
    upgrade_cost_wan: float
    co2_per_tce: float
    job_weight: float
    energy_col: str

    @classmethod
    def from_rules(cls, rules: RuleSet) -> _Params:
        v = rules.value
        basis = str(v("scenario.energy_basis"))
        if basis not in ("calorific", "primary"):
            raise InputError(
                f"scenario.energy_basis = {basis!r}",
                column="scenario.energy_basis",
                fix="use calorific or primary",
            )
        return cls(
            relocate_tax_kept=float(v("scenario.relocate_tax_kept")),
            relocate_energy_kept=float(v("scenario.relocate_energy_kept")),
            relocate_jobs_kept=float(v("scenario.relocate_jobs_kept")),
            upgrade_energy_cut=float(v("scenario.upgrade_energy_cut")),
            upgrade_tax_gain=float(v("scenario.upgrade_tax_gain")),
            upgrade_cost_wan=float(v("scenario.upgrade_cost_wan")),
            co2_per_tce=float(v("energy.co2_t_per_tce_freed")),
            job_weight=float(v("scenario.mixed_job_weight_wan")),
            energy_col=f"energy_tce_{basis}",
        )

    def effects(self, tax: np.ndarray, energy: np.ndarray, jobs: np.ndarray) -> dict[str, np.ndarray]:
        """Per remedy (rows exit, relocate, upgrade): objective cost in 万元, energy saved, jobs lost.

        An upgrade costs the county ``scenario.upgrade_cost_wan`` (programme cost); its tax gain
        (``scenario.upgrade_tax_gain``) is realised after the works and enters only the projection
        of 亩均税收 after, so the solver upgrades as many firms as the targets need, not every one.
        """
        return {
            "tax": np.vstack(
                [tax, (1 - self.relocate_tax_kept) * tax, np.full_like(tax, self.upgrade_cost_wan)]
            ),
            "energy": np.vstack(
                [energy, (1 - self.relocate_energy_kept) * energy, self.upgrade_energy_cut * energy]
            ),
            "jobs": np.vstack([jobs, (1 - self.relocate_jobs_kept) * jobs, np.zeros_like(jobs)]),
        }


def _candidates(screening: Screening, protect: Sequence[str]) -> pd.DataFrame:
    f = screening.firms
    mask = f["flagged"].astype(bool) & ~f["exempt"].astype(bool) & ~f["eval_class"].isin(list(protect))
    cand = f.loc[mask].copy()
    cand["uscc"] = cand["uscc"].astype(str)
    return cand.sort_values("uscc").reset_index(drop=True)


def _parcel_table(
    screening: Screening, links: pd.DataFrame, parcels: pd.DataFrame, cand_ids: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Freeable occupied parcels, their (parcel, occupant) pairs, and vacant idle parcels."""
    sp = screening.parcels
    area = pd.to_numeric(sp.set_index("parcel_id")["area_mu"], errors="coerce")
    if "area_mu" in parcels.columns and "parcel_id" in parcels.columns:
        area = pd.to_numeric(parcels.set_index(parcels["parcel_id"].astype(str))["area_mu"], errors="coerce")
    lk = pd.DataFrame(
        {
            "parcel_id": links["parcel_id"].astype(str).to_numpy(),
            "uscc": links["uscc"].astype(str).to_numpy(),
            "land_area_mu": _num(links, "land_area_mu").to_numpy(),
        }
    )
    lk = lk.loc[lk["parcel_id"].isin(area.index)].drop_duplicates(["parcel_id", "uscc"])
    lk["is_cand"] = lk["uscc"].isin(cand_ids)
    all_cand = lk.groupby("parcel_id")["is_cand"].all()
    freeable_ids = sorted(all_cand.index[all_cand])
    pairs = (
        lk.loc[lk["parcel_id"].isin(freeable_ids)].sort_values(["parcel_id", "uscc"]).reset_index(drop=True)
    )
    freeable = pd.DataFrame({"parcel_id": freeable_ids})
    freeable["area_mu"] = freeable["parcel_id"].map(area).fillna(0.0).astype(float)
    occupied = set(lk["parcel_id"])
    idle = sp.loc[sp["is_idle"].astype(bool) & ~sp["parcel_id"].isin(occupied), ["parcel_id"]].copy()
    idle["area_mu"] = idle["parcel_id"].map(area).fillna(0.0).astype(float)
    idle = idle.sort_values("parcel_id").reset_index(drop=True)
    return freeable, pairs, idle


# ---------------------------------------------------------------------------------------
# model


@dataclass
class _Model:
    n: int
    m: int
    cost: np.ndarray
    a_ub: sparse.csr_matrix  # structural rows, ≤ ub
    ub: np.ndarray
    target_rows: dict[str, np.ndarray]  # coefficient rows over x (len 3n + m)
    rhs: dict[str, float]  # required value after constants
    integrality: np.ndarray


def _build(
    n: int,
    pairs_idx: tuple[np.ndarray, np.ndarray],
    parcel_area: np.ndarray,
    eff: Mapping[str, np.ndarray],
    cost: np.ndarray,
    p: _Params,
    targets: Mapping[str, float],
    constant_area: float,
) -> _Model:
    m = len(parcel_area)
    nv = 3 * n + m
    # e_i + r_i + u_i <= 1
    rows_one = sparse.hstack(
        [sparse.identity(n, format="csr")] * 3 + [sparse.csr_matrix((n, m))], format="csr"
    )
    # y_p - e_f - r_f <= 0 for each occupant f of p
    pi, fi = pairs_idx
    k = len(pi)
    r = np.arange(k)
    link_rows = sparse.csr_matrix(
        (
            np.concatenate([np.ones(k), -np.ones(k), -np.ones(k)]),
            (np.concatenate([r, r, r]), np.concatenate([3 * n + pi, fi, n + fi])),
        ),
        shape=(k, nv),
    )
    a_ub = sparse.vstack([rows_one, link_rows], format="csr")
    ub = np.concatenate([np.ones(n), np.zeros(k)])
    energy = eff["energy"]
    rows: dict[str, np.ndarray] = {}
    rhs: dict[str, float] = {}
    zero_y = np.zeros(m)
    for name, value in targets.items():
        if name == "freed_area_mu":
            row = np.concatenate([np.zeros(3 * n), parcel_area])
            need = value - constant_area
        elif name == "freed_energy_tce":
            row = np.concatenate([energy[0], energy[1], energy[2], zero_y])
            need = value
        elif name == "co2_reduction_t":
            row = p.co2_per_tce * np.concatenate([energy[0], energy[1], energy[2], zero_y])
            need = value
        elif name == "firms_exited":
            row = np.concatenate([np.ones(2 * n), np.zeros(n), zero_y])
            need = value
        else:  # firms_upgraded
            row = np.concatenate([np.zeros(2 * n), np.ones(n), zero_y])
            need = value
        rows[name] = row
        rhs[name] = float(need)
    integrality = np.concatenate([np.ones(3 * n), np.zeros(m)])
    return _Model(n, m, cost, a_ub, ub, rows, rhs, integrality)


def _solve(
    model: _Model,
    relax: Sequence[str],
    slack_cost: np.ndarray | None,
    cost_scale: float,
    extra_le: tuple[np.ndarray, float] | None,
    options: dict[str, Any],
) -> Any:
    """Solve min cost·x (+ slack_cost·s) s.t. structure, targets (with slacks on ``relax``)."""
    nx = 3 * model.n + model.m
    ns = len(relax)
    nv = nx + ns
    c = np.concatenate([model.cost * cost_scale, slack_cost if slack_cost is not None else np.zeros(ns)])
    blocks = [
        LinearConstraint(
            sparse.hstack([model.a_ub, sparse.csr_matrix((model.a_ub.shape[0], ns))]), -np.inf, model.ub
        )
    ]
    names = list(model.target_rows)
    if names:
        t_rows = np.vstack([model.target_rows[nm] for nm in names])
        s_part = np.zeros((len(names), ns))
        for j, nm in enumerate(relax):
            s_part[names.index(nm), j] = 1.0
        blocks.append(
            LinearConstraint(
                sparse.csr_matrix(np.hstack([t_rows, s_part])), [model.rhs[nm] for nm in names], np.inf
            )
        )
    if extra_le is not None:
        row, limit = extra_le
        blocks.append(LinearConstraint(np.concatenate([np.zeros(nx), row]).reshape(1, -1), -np.inf, limit))
    integrality = np.concatenate([model.integrality, np.zeros(ns)])
    ub = np.concatenate([np.ones(nx), np.full(ns, np.inf)])
    return milp(
        c, constraints=blocks, integrality=integrality, bounds=Bounds(np.zeros(nv), ub), options=options
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
) -> ScenarioResult:
    """Choose remedies for flagged firms that meet the plan targets at least cost.

    Parameters
    ----------
    screening : Screening
        From :func:`ruian_land.screening.screen` (uses ``firms.flagged``, ``exempt``,
        ``eval_class``, ``tax_wan``, ``energy_tce_*``, ``employees`` and ``parcels.is_idle``).
    firms : DataFrame
        Evaluated firms, one row per ``uscc`` (``above_scale``, ``tax_wan``, ``land_area_mu``,
        ``value_added_wan``) for the county 规上 亩均税收 before and after.
    links : DataFrame
        Occupancy, one row per firm per parcel: ``uscc``, ``parcel_id``, ``land_area_mu``.
    parcels : DataFrame
        ``parcel_id``, ``area_mu`` (亩, measured in EPSG:4549).
    rules : RuleSet
        ``targets.*``, ``scenario.*``, ``energy.co2_t_per_tce_freed``, ``standard_land.*``.
    targets : sequence or mapping, optional
        Active targets (see :func:`resolve_targets`); default all five from the rules.
    objective : {"tax", "jobs", "mixed"}
        What to minimise (see the module docstring).
    protect_classes : sequence of str, optional
        Classes never acted on; default ``scenario.protect_classes``.
    time_limit_s : float, optional
        HiGHS time limit per solve; default ``scenario.solver_time_limit_s``.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    InputError
        Unknown objective or target, bad phasing rules.
    """
    t0 = time.perf_counter()
    if objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r}", column="scenario.objective", fix=f"use one of {OBJECTIVES}"
        )
    v = rules.value
    tg = resolve_targets(targets, rules)
    protect = [
        str(c) for c in (v("scenario.protect_classes") if protect_classes is None else protect_classes)
    ]
    prm = _Params.from_rules(rules)
    cand = _candidates(screening, protect)
    n = len(cand)
    tax = _num(cand, "tax_wan").fillna(0.0).to_numpy()
    energy = _num(cand, prm.energy_col).fillna(0.0).to_numpy()
    jobs = _num(cand, "employees").fillna(0.0).to_numpy()
    eff = prm.effects(tax, energy, jobs)
    if objective == "tax":
        cmat = eff["tax"]
    elif objective == "jobs":
        cmat = eff["jobs"]
    else:
        cmat = eff["tax"] + prm.job_weight * eff["jobs"]
    # a tiny cost per action breaks ties towards doing less (e.g. zero-tax upgrades)
    cmat = cmat + 1e-6
    freeable, pairs, idle = _parcel_table(screening, links, parcels, set(cand["uscc"]))
    m = len(freeable)
    p_index = pd.Series(np.arange(m), index=freeable["parcel_id"])
    f_index = pd.Series(np.arange(n), index=cand["uscc"])
    pairs_idx = (p_index[pairs["parcel_id"]].to_numpy(), f_index[pairs["uscc"]].to_numpy())
    constant_area = float(idle["area_mu"].sum())
    cost = np.concatenate([cmat[0], cmat[1], cmat[2], np.zeros(m)])
    model = _build(n, pairs_idx, freeable["area_mu"].to_numpy(), eff, cost, prm, tg, constant_area)
    options = {
        "time_limit": float(v("scenario.solver_time_limit_s") if time_limit_s is None else time_limit_s),
        "mip_rel_gap": float(v("scenario.solver_mip_rel_gap")),
        "disp": False,
    }
    x, status = _run(model, options)
    remedy = np.array([""] * n, dtype=object)
    if n:
        choice = np.vstack([x[:n], x[n : 2 * n], x[2 * n : 3 * n]])
        picked = choice.max(axis=0) > 0.5
        remedy[picked] = np.asarray(_REMEDY_ORDER, dtype=object)[choice.argmax(axis=0)[picked]]
    cand["remedy"] = remedy
    selection, freed = _results(cand, pairs, freeable, idle, eff, prm)
    phase_selection(selection, freed, rules)
    result_summary = _summary(selection, freed, cand, freeable, idle, firms, tg, rules, prm)
    result_summary.update(
        {
            "status": status,
            "objective": objective,
            "protect_classes": protect,
            "candidates": n,
            "freeable_parcels": m,
            "idle_vacant_parcels": len(idle),
            "solve_time_s": round(time.perf_counter() - t0, 3),
        }
    )
    by_year = by_year_table(selection, freed, tg, rules)
    cols = [
        "uscc",
        "name",
        "eval_class",
        "tax_wan",
        prm.energy_col,
        "employees",
        "land_area_mu",
        "reason_codes",
    ]
    cand_out = cand[[c for c in cols if c in cand.columns] + ["remedy"]]
    return ScenarioResult(selection, freed, result_summary, status, by_year, cand_out)


def _run(model: _Model, options: dict[str, Any]) -> tuple[np.ndarray, str]:
    nx = 3 * model.n + model.m
    if nx == 0:
        met = all(need <= _TOL for need in model.rhs.values())
        return np.zeros(0), "optimal" if met else "no_candidates"
    res = _solve(model, [], None, 1.0, None, options)
    if res.x is not None:
        return np.asarray(res.x[:nx]), "optimal" if res.status == 0 else "time_limit"
    relax = [nm for nm, need in model.rhs.items() if need > _TOL]
    weights = np.array([1.0 / max(model.rhs[nm], _TOL) for nm in relax])
    first = _solve(model, relax, weights, 0.0, None, options)
    if first.x is None:  # pragma: no cover - the relaxed model always has x = 0 as a solution
        return np.zeros(nx), "infeasible"
    limit = float(first.fun) * (1 + 1e-6) + 1e-9
    second = _solve(model, relax, None, 1.0, (weights, limit), options)
    best = second if second.x is not None else first
    return np.asarray(best.x[:nx]), "infeasible"


def _results(
    cand: pd.DataFrame,
    pairs: pd.DataFrame,
    freeable: pd.DataFrame,
    idle: pd.DataFrame,
    eff: Mapping[str, np.ndarray],
    prm: _Params,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    leaving = set(cand.loc[cand["remedy"].isin(["exit", "relocate"]), "uscc"])
    pr = pairs.assign(leaves=pairs["uscc"].isin(leaving))
    all_leave = pr.groupby("parcel_id")["leaves"].all()
    freed_ids = set(all_leave.index[all_leave])
    fp = freeable.loc[freeable["parcel_id"].isin(freed_ids)].copy()
    occupants = pr.groupby("parcel_id")["uscc"].agg(";".join)
    fp["source"] = "occupied"
    fp["occupants"] = fp["parcel_id"].map(occupants)
    iv = idle.assign(source="idle_vacant", occupants="")
    freed = pd.concat([fp, iv], ignore_index=True).sort_values("parcel_id").reset_index(drop=True)
    # attribute each freed parcel's area to its occupants by their land on it
    fpairs = pr.loc[pr["parcel_id"].isin(freed_ids)].copy()
    land = fpairs["land_area_mu"].where(fpairs["land_area_mu"] > 0)
    tot = land.groupby(fpairs["parcel_id"]).transform("sum")
    cnt = fpairs.groupby("parcel_id")["uscc"].transform("size")
    share = (land / tot).where(tot > 0, 1.0 / cnt).fillna(0.0)
    fpairs["freed_area_mu"] = share * fpairs["parcel_id"].map(freeable.set_index("parcel_id")["area_mu"])
    freed_by_firm = fpairs.groupby("uscc")["freed_area_mu"].sum()

    idx = {r: i for i, r in enumerate(_REMEDY_ORDER)}
    sel = cand.loc[cand["remedy"] != ""].copy()
    pos = sel.index.to_numpy()
    row = sel["remedy"].map(idx).to_numpy(dtype=int)
    sel["remedy_zh"] = sel["remedy"].map(lambda r: REMEDIES[r][0])
    sel["freed_area_mu"] = sel["uscc"].map(freed_by_firm).fillna(0.0)
    sel["energy_saved_tce"] = eff["energy"][row, pos]
    sel["co2_reduction_t"] = sel["energy_saved_tce"] * prm.co2_per_tce
    sel["tax_lost_wan"] = eff["tax"][row, pos]
    sel["jobs_lost"] = eff["jobs"][row, pos]
    sel["year"] = 0
    order = {r: i for i, r in enumerate(_REMEDY_ORDER)}
    sel = sel.assign(_o=sel["remedy"].map(order)).sort_values(["_o", "uscc"]).drop(columns="_o")
    cols = [
        "uscc",
        "name",
        "remedy",
        "remedy_zh",
        "year",
        "freed_area_mu",
        "energy_saved_tce",
        "co2_reduction_t",
        "tax_lost_wan",
        "jobs_lost",
        "eval_class",
        "reason_codes",
        "parcel_ids",
    ]
    sel = sel[[c for c in cols if c in sel.columns]].reset_index(drop=True)
    freed["year"] = 0
    return sel, freed[["parcel_id", "year", "area_mu", "source", "occupants"]]


def _summary(
    selection: pd.DataFrame,
    freed: pd.DataFrame,
    cand: pd.DataFrame,
    freeable: pd.DataFrame,
    idle: pd.DataFrame,
    firms: pd.DataFrame,
    tg: Mapping[str, float],
    rules: RuleSet,
    prm: _Params,
) -> dict[str, Any]:
    v = rules.value
    s = selection
    leave = s["remedy"].isin(["exit", "relocate"])
    achieved = {
        "freed_area_mu": float(freed["area_mu"].sum()),
        "freed_energy_tce": float(s["energy_saved_tce"].sum()),
        "co2_reduction_t": float(s["co2_reduction_t"].sum()),
        "firms_exited": int(leave.sum()),
        "firms_upgraded": int((s["remedy"] == "upgrade").sum()),
    }
    shortfalls = {k: max(0.0, float(val) - float(achieved[k])) for k, val in tg.items()}
    binding = [k for k, gap in shortfalls.items() if gap > _TOL * max(1.0, tg[k])]
    energy_all = float(_num(cand, prm.energy_col).fillna(0.0).sum())
    area_all = float(freeable["area_mu"].sum() + idle["area_mu"].sum())
    max_reachable = {
        "freed_area_mu": area_all,
        "freed_energy_tce": energy_all,
        "co2_reduction_t": energy_all * prm.co2_per_tce,
        "firms_exited": len(cand),
        "firms_upgraded": len(cand),
    }
    target_area = float(tg.get("freed_area_mu", v("targets.freed_area_mu")))
    big = target_area * float(v("scenario.max_parcel_share_of_target"))
    pool = pd.concat([freeable[["parcel_id", "area_mu"]], idle[["parcel_id", "area_mu"]]], ignore_index=True)
    large = pool.loc[pool["area_mu"] > big].sort_values(["area_mu", "parcel_id"], ascending=[False, True])
    freed_set = set(freed["parcel_id"])
    large_parcels = [
        {"parcel_id": str(pid), "area_mu": float(a), "freed": pid in freed_set}
        for pid, a in zip(large["parcel_id"], large["area_mu"], strict=True)
    ]
    before, after = _county_per_mu(s, achieved["freed_area_mu"], firms, rules, prm)
    return {
        "target_area_mu": target_area,
        **achieved,
        "tax_per_mu_before": before["tax"],
        "tax_per_mu_after": after["tax"],
        "feasible": not binding,
        "tax_lost_wan": float(s["tax_lost_wan"].sum()),
        "jobs_lost": float(s["jobs_lost"].sum()),
        "value_added_per_mu_before": before["value_added"],
        "value_added_per_mu_after": after["value_added"],
        "tax_per_mu_after_clearance_only": after["tax_clearance_only"],
        "value_added_per_mu_after_clearance_only": after["value_added_clearance_only"],
        "reuse_standard_land_mu": after["reuse_area_mu"],
        "targets": dict(tg),
        "shortfalls": {k: gap for k, gap in shortfalls.items() if k in binding},
        "binding_targets": binding,
        "max_reachable": max_reachable,
        "large_parcels": large_parcels,
        "large_parcel_threshold_mu": big,
    }


def _county_per_mu(
    selection: pd.DataFrame, freed_area: float, firms: pd.DataFrame, rules: RuleSet, prm: _Params
) -> tuple[dict[str, float], dict[str, float]]:
    """County 规上 亩均税收 / 亩均增加值 before and after (a projection).

    After: exited and relocated 规上 firms' tax, value added and land leave the 规上 stock;
    upgraded 规上 firms gain ``scenario.upgrade_tax_gain`` of their tax (value added kept);
    ``scenario.reuse_share_standard_land`` of all freed land is re-let as 标准地 at
    ``standard_land.tax_per_mu`` / ``standard_land.value_added_per_mu`` (the rest becomes
    小微园 space for mostly 规下 firms and is left out of the 规上 average). Also returned: the
    same figures without the re-use (``*_clearance_only``), so planners see that re-letting at the
    标准地 minimum (18 万元/亩, below the plan's 42) dilutes the average that clearance raises.
    """
    v = rules.value
    uscc = firms["uscc"].astype(str) if "uscc" in firms.columns else pd.Series([], dtype=str)
    above = (
        _bool(firms["above_scale"]) if "above_scale" in firms.columns else pd.Series(False, index=firms.index)
    )
    land = _num(firms, "land_area_mu")
    base = above & (land > 0)
    tax = _num(firms, "tax_wan").fillna(0.0).where(base, 0.0)
    va = _num(firms, "value_added_wan").fillna(0.0).where(base, 0.0)
    land = land.fillna(0.0).where(base, 0.0)
    leave_ids = set(selection.loc[selection["remedy"].isin(["exit", "relocate"]), "uscc"])
    up_ids = set(selection.loc[selection["remedy"] == "upgrade", "uscc"])
    leave = uscc.isin(leave_ids).to_numpy()
    up = uscc.isin(up_ids).to_numpy()
    l0, t0, v0 = float(land.sum()), float(tax.sum()), float(va.sum())
    reuse = float(v("scenario.reuse_share_standard_land")) * freed_area
    l1 = l0 - float(land[leave].sum()) + reuse
    t1 = (
        t0
        - float(tax[leave].sum())
        + prm.upgrade_tax_gain * float(tax[up].sum())
        + reuse * float(v("standard_land.tax_per_mu"))
    )
    v1 = v0 - float(va[leave].sum()) + reuse * float(v("standard_land.value_added_per_mu"))

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else float("nan")

    # The same without the re-use of freed land: the effect of clearance and upgrades alone.
    l_clear = l1 - reuse
    t_clear = t1 - reuse * float(v("standard_land.tax_per_mu"))
    v_clear = v1 - reuse * float(v("standard_land.value_added_per_mu"))
    return (
        {"tax": ratio(t0, l0), "value_added": ratio(v0, l0)},
        {
            "tax": ratio(t1, l1),
            "value_added": ratio(v1, l1),
            "tax_clearance_only": ratio(t_clear, l_clear),
            "value_added_clearance_only": ratio(v_clear, l_clear),
            "reuse_area_mu": reuse,
        },
    )
