"""What the path is projected from: the 规上 stock, the scenario's picks by year, the land re-let.

:func:`build_basis` turns the stage results into numpy arrays once, so that a projection (and
the many of what-it-takes) is a few vectorised sums. The stock is the county 规上 firms with land,
as in :func:`ruian_land.scenario.county_per_mu`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ruian_land.rules import RuleSet
from ruian_land.scenario import RemedyTable, reuse_of_freed_land, stock_mask
from ruian_land.screening import truthy

__all__ = ["Basis", "build_basis"]


@dataclass(frozen=True)
class Basis:
    """Arrays of the 规上 stock (one entry per firm) and the yearly land and count books.

    Attributes
    ----------
    base_year : int
        The data year (growth counts years from it).
    land, tax, va, energy, employees, revenue, rd : ndarray
        亩, 万元, 万元, tce (等价值), persons, 万元, 万元; gaps are 0.
    has_energy, has_jobs, has_revenue : ndarray of bool
        Firms counted in energy intensity, labour productivity, R&D intensity.
    action_year : ndarray
        Year of the scenario's remedy (``inf`` = none); ``remedy`` its name ('' = none).
    tax_kept, va_kept, energy_kept, jobs_kept, leaves : ndarray
        The remedy's kept shares (1 = none) and whether it takes the firm out of the stock.
    partial, partial_year : ndarray
        Share of the firm's land given back by partial release (split equally among a parcel's
        occupants), and the year it is given back.
    bench_tax, bench_va, bench_va_per_tce : ndarray
        Evaluation benchmarks of the firm's rank group (万元/亩, 万元/亩, 万元/tce; NaN = none).
    floor_gain : ndarray
        Floor space the firm would add at its industry FAR, over its floor space now (0 = none).
    relet_mu : dict
        Year freed → 亩 of 标准地 to re-let (``scenario.reuse_*`` split of freed and idle land).
    counts : dict
        ``firms_exited``, ``firms_upgraded``, ``freed_area_mu``, ``freed_energy_tce``,
        ``co2_reduction_t`` → {year: amount in that year}.
    projects : DataFrame or None
        The optional projects table (year_landed, land_mu, investment_wan, tax/VA at full).
    supply_share : DataFrame or None
        Industrial share of land supplied by year (:func:`ruian_land.control_lines.industrial_supply_share`).
    investment : DataFrame or None
        The 统计局 investment table by year (:func:`ruian_land.trajectory.investment_figures`);
        ``first_plan_year`` the first year of ``targets.years``.
    """

    base_year: int
    land: np.ndarray
    tax: np.ndarray
    va: np.ndarray
    energy: np.ndarray
    employees: np.ndarray
    revenue: np.ndarray
    rd: np.ndarray
    has_energy: np.ndarray
    has_jobs: np.ndarray
    has_revenue: np.ndarray
    action_year: np.ndarray
    remedy: np.ndarray
    tax_kept: np.ndarray
    va_kept: np.ndarray
    energy_kept: np.ndarray
    jobs_kept: np.ndarray
    leaves: np.ndarray
    partial: np.ndarray
    partial_year: np.ndarray
    partial_loss: float
    bench_tax: np.ndarray
    bench_va: np.ndarray
    bench_va_per_tce: np.ndarray
    floor_gain: np.ndarray
    relet_mu: dict[int, float] = field(default_factory=dict)
    idle_relet_mu: dict[int, float] = field(default_factory=dict)
    counts: dict[str, dict[int, float]] = field(default_factory=dict)
    projects: pd.DataFrame | None = None
    supply_share: pd.DataFrame | None = None
    investment: pd.DataFrame | None = None
    first_plan_year: int = 0
    has_data: dict[str, bool] = field(default_factory=dict)


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[col], errors="coerce").astype(float)


def _benchmarks(firms: pd.DataFrame, benchmarks: pd.DataFrame | None) -> dict[str, np.ndarray]:
    out = {}
    for ind in ("tax_per_mu", "value_added_per_mu", "value_added_per_tce"):
        b = pd.Series(dtype=float)
        if benchmarks is not None and len(benchmarks):
            rows = benchmarks[(benchmarks["indicator"] == ind) & (benchmarks["eval_group"] == "above")]
            b = pd.Series(
                pd.to_numeric(rows["benchmark"], errors="coerce").to_numpy(), index=rows["eval_rank_group"]
            )
        group = (
            firms["eval_rank_group"]
            if "eval_rank_group" in firms.columns
            else pd.Series("", index=firms.index)
        )
        out[ind] = group.map(b).astype(float).to_numpy()
    return out


def _floor_gain(stock: pd.DataFrame, links: pd.DataFrame, parcels: pd.DataFrame) -> np.ndarray:
    """Added floor at the industry FAR over the floor now, per firm (parcels with FAR > 0 only)."""
    if links is None or not len(links) or "far" not in parcels.columns:
        return np.zeros(len(stock))
    p = parcels[["parcel_id", "far", "standard_far"]].copy()
    p["far"] = pd.to_numeric(p["far"], errors="coerce")
    p["standard_far"] = pd.to_numeric(p["standard_far"], errors="coerce")
    lk = links[["uscc", "parcel_id", "land_area_m2"]].merge(p, on="parcel_id", how="left")
    area = pd.to_numeric(lk["land_area_m2"], errors="coerce").fillna(0.0)
    ok = lk["far"] > 0
    lk["now"] = np.where(ok, area * lk["far"], 0.0)
    lk["add"] = np.where(ok, area * (lk["standard_far"] - lk["far"]).clip(lower=0).fillna(0.0), 0.0)
    per = lk.groupby("uscc")[["now", "add"]].sum()
    gain = (per["add"] / per["now"].where(per["now"] > 0)).fillna(0.0)
    return stock["uscc"].astype(str).map(gain).fillna(0.0).to_numpy(dtype=float)


def _by_year(frame: pd.DataFrame, col: str, mask: pd.Series | None = None) -> dict[int, float]:
    if not len(frame) or col not in frame.columns:
        return {}
    f = frame if mask is None else frame[mask]
    sums = pd.to_numeric(f[col], errors="coerce").groupby(f["year"]).sum()
    return {int(y): float(v) for y, v in zip(sums.index.astype(int), sums.to_numpy(), strict=True)}


def _relet(freed: pd.DataFrame, rules: RuleSet) -> dict[int, float]:
    if not len(freed):
        return {}
    out: dict[int, float] = {}
    for y in sorted({int(v) for v in freed["year"]}):
        out[y] = float(reuse_of_freed_land(freed[freed["year"] == y], rules)["standard_land_mu"])
    return out


def build_basis(
    firms: pd.DataFrame,
    selection: pd.DataFrame,
    freed_parcels: pd.DataFrame,
    table: RemedyTable,
    rules: RuleSet,
    *,
    base_year: int,
    benchmarks: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    screening_parcels: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    supply_share: pd.DataFrame | None = None,
    investment: pd.DataFrame | None = None,
) -> Basis:
    """The arrays of the path from the stage results (see :class:`Basis`).

    Parameters
    ----------
    firms : DataFrame
        Evaluated firms (``above_scale``, ``land_area_mu``, ``tax_wan``, ``value_added_wan``,
        ``energy_tce_primary``, ``employees``, ``revenue_wan``, ``rd_wan``, ``eval_rank_group``).
    selection, freed_parcels : DataFrame
        ``ScenarioResult.selection`` (uscc, remedy, year …) and ``freed_parcels``.
    table : RemedyTable
        The remedy effects (``ruian_land.scenario.remedy_table``).
    rules : RuleSet
    base_year : int
        The data year.
    benchmarks, links, screening_parcels, projects, supply_share : optional
        ``Evaluation.benchmarks``; the occupancy links and the screening parcels (``far``,
        ``standard_far``, ``is_idle``) for 提容增效 and idle land; the projects table; the
        industrial share of land supplied; the 统计局 investment table by year.
    """
    stock = firms[stock_mask(firms)].reset_index(drop=True)
    uscc = stock["uscc"].astype(str)
    sel = selection.drop_duplicates("uscc").set_index(selection.drop_duplicates("uscc")["uscc"].astype(str))
    remedy = uscc.map(sel["remedy"].astype(str)).fillna("").to_numpy(dtype=object)
    year = uscc.map(pd.to_numeric(sel["year"], errors="coerce")).fillna(np.inf).to_numpy(dtype=float)
    idx = {r: i for i, r in enumerate(table.names)}

    def kept(arr: np.ndarray) -> np.ndarray:
        out = np.ones(len(stock))
        for r, i in idx.items():
            if r == "merge" and not table.reusable[i]:
                out[remedy == r] = arr[i]
        return out

    leaves = np.zeros(len(stock), dtype=bool)
    for r, i in idx.items():
        if table.frees_land[i] and not (r == "merge" and not table.reusable[i]):
            leaves |= remedy == r
    partial = np.zeros(len(stock))
    partial_year = np.full(len(stock), np.inf)
    if len(freed_parcels) and "source" in freed_parcels.columns:
        part = freed_parcels[freed_parcels["source"] == "partial"]
        share: dict[str, float] = {}
        first: dict[str, float] = {}
        occupants = part["occupants"] if "occupants" in part.columns else pd.Series("", index=part.index)
        for occ, area, y in zip(occupants, part["area_mu"], part["year"], strict=True):
            names = [o for o in str(occ).split(";") if o]
            for o in names:  # split equally among the occupants (approximation)
                share[o] = share.get(o, 0.0) + float(area) / len(names)
                first[o] = min(first.get(o, np.inf), float(y))
        partial_year = uscc.map(first).fillna(np.inf).to_numpy(dtype=float)
        land_of = dict(zip(uscc, _num(stock, "land_area_mu"), strict=True))
        partial = np.array(
            [min(1.0, share.get(u, 0.0) / land_of[u]) if land_of[u] > 0 else 0.0 for u in uscc]
        )
    bench = _benchmarks(stock, benchmarks)
    sp = screening_parcels if screening_parcels is not None else pd.DataFrame(columns=["parcel_id"])
    idle = pd.DataFrame(columns=["parcel_id", "area_mu"])
    if "is_idle" in sp.columns:
        taken = set(freed_parcels["parcel_id"]) if "parcel_id" in freed_parcels.columns else set()
        idle = sp[sp["is_idle"].map(truthy).astype(bool) & ~sp["parcel_id"].isin(taken)]
    years = [int(y) for y in rules.value("targets.years")]
    idle_mu = {}
    if len(idle):
        idle_mu = {
            min(years): float(reuse_of_freed_land(idle[["parcel_id", "area_mu"]], rules)["standard_land_mu"])
        }
    exits = set(rules.value("scenario.exit_counts"))
    ups = set(rules.value("scenario.upgrade_counts"))
    counts = {
        "firms_exited": _by_year(selection.assign(n=1.0), "n", selection["remedy"].isin(exits)),
        "firms_upgraded": _by_year(selection.assign(n=1.0), "n", selection["remedy"].isin(ups)),
        "freed_area_mu": _by_year(freed_parcels, "area_mu"),
        "freed_energy_tce": _by_year(selection, "energy_saved_tce"),
        "co2_reduction_t": _by_year(selection, "co2_reduction_t"),
    }
    energy, jobs, rev = (
        _num(stock, "energy_tce_primary"),
        _num(stock, "employees"),
        _num(stock, "revenue_wan"),
    )
    va = _num(stock, "value_added_wan")
    has = {
        "energy": bool((energy > 0).any() and (va > 0).any()),
        "employees": bool((jobs > 0).any()),
        "rd": bool((rev > 0).any() and (_num(stock, "rd_wan") >= 0).any()),
        "projects": projects is not None,
        "supply": supply_share is not None,
        "investment": investment is not None,
    }
    return Basis(
        base_year=int(base_year),
        land=_num(stock, "land_area_mu").fillna(0.0).to_numpy(),
        tax=_num(stock, "tax_wan").fillna(0.0).to_numpy(),
        va=va.fillna(0.0).to_numpy(),
        energy=energy.fillna(0.0).to_numpy(),
        employees=jobs.fillna(0.0).to_numpy(),
        revenue=rev.fillna(0.0).to_numpy(),
        rd=_num(stock, "rd_wan").fillna(0.0).to_numpy(),
        has_energy=((energy > 0) & (va > 0)).to_numpy(),
        has_jobs=((jobs > 0) & va.notna()).to_numpy(),
        has_revenue=((rev > 0) & _num(stock, "rd_wan").notna()).to_numpy(),
        action_year=year,
        remedy=remedy,
        tax_kept=kept(table.tax_kept),
        va_kept=kept(table.value_added_kept),
        energy_kept=kept(table.energy_kept),
        jobs_kept=kept(table.jobs_kept),
        leaves=leaves,
        partial=partial,
        partial_year=partial_year,
        partial_loss=float(rules.value("scenario.partial_release_output_loss")),
        bench_tax=bench["tax_per_mu"],
        bench_va=bench["value_added_per_mu"],
        bench_va_per_tce=bench["value_added_per_tce"],
        floor_gain=_floor_gain(stock, links if links is not None else pd.DataFrame(), sp),
        relet_mu=_relet(freed_parcels, rules),
        idle_relet_mu=idle_mu,
        counts=counts,
        projects=projects,
        supply_share=supply_share,
        investment=investment,
        first_plan_year=min(years),
        has_data=has,
    )
