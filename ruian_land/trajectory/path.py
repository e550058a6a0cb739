"""The yearly projection and its waterfall: each lever's exact contribution to each target.

:func:`figures` gives every target's figure in one year with the first ``upto`` levers of
:data:`~ruian_land.trajectory.levers.LEVER_ORDER` switched on. The waterfall of a year is the
base-year figure (``upto = 0``: the data as read, counts 0) plus the change each lever makes
given the levers before it, so ``base + Σ contributions = value`` holds exactly (up to float
rounding, < 1e-9) for ratios too (sequential attribution in the fixed lever order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruian_land.trajectory.basis import Basis
from ruian_land.trajectory.investment import INVESTMENT_METRICS, investment_figures
from ruian_land.trajectory.levers import LEVER_ORDER, Levers

__all__ = ["METRICS", "figures", "waterfall"]

#: The figures :func:`figures` returns (the targets the data can speak to).
METRICS: tuple[str, ...] = (
    "tax_per_mu",
    "value_added_per_mu",
    "labour_productivity",
    "energy_intensity_drop",
    "rd_intensity",
    "firms_exited",
    "firms_upgraded",
    "freed_area_mu",
    "freed_energy_tce",
    "co2_reduction_t",
    "major_projects",
    "industrial_supply_share",
    *INVESTMENT_METRICS,
)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def _ramp(ramp: tuple[float, ...], k: int) -> float:
    if k < 0 or not ramp:
        return 0.0
    return float(ramp[min(k, len(ramp) - 1)])


def _energy_ratio(b: Basis) -> float:
    m = b.has_energy
    return _ratio(float(b.energy[m].sum()), float(b.va[m].sum()))


def figures(
    b: Basis, lv: Levers, year: int, upto: int = len(LEVER_ORDER), *, major_wan: float
) -> dict[str, float]:
    """Every figure of :data:`METRICS` at the end of ``year`` with the first ``upto`` levers on.

    Areas 亩, money 万元, ratios as fractions; NaN where the data cannot give it.
    """
    on = set(LEVER_ORDER[:upto])
    land, tax, va, en = b.land.copy(), b.tax.copy(), b.va.copy(), b.energy.copy()
    jobs, rev, rd = b.employees.copy(), b.revenue.copy(), b.rd.copy()
    keep = np.ones(len(land), dtype=bool)
    n = year - b.base_year
    new = dict.fromkeys(("land", "tax", "va", "en", "rev", "rd"), 0.0)
    if "clearance" in on:
        done = b.action_year <= year
        keep = ~(done & b.leaves)
        tax = np.where(done, tax * b.tax_kept, tax)
        va = np.where(done, va * b.va_kept, va)
        en = np.where(done, en * b.energy_kept, en)
        jobs = np.where(done, jobs * b.jobs_kept, jobs)
        ps = np.where(b.partial_year <= year, b.partial, 0.0)
        f = 1 - b.partial_loss * ps
        land = land * (1 - ps)
        tax, va, en, jobs, rev, rd = tax * f, va * f, en * f, jobs * f, rev * f, rd * f
    if "upgrade" in on and lv.upgrade_gap_closed != 0:
        up = (b.action_year <= year) & np.isin(b.remedy, lv.upgrade_remedies) & keep
        g = lv.upgrade_gap_closed
        va0 = va
        gap_t = np.where(up & np.isfinite(b.bench_tax), np.maximum(0.0, b.bench_tax * land - tax), 0.0)
        gap_v = np.where(up & np.isfinite(b.bench_va), np.maximum(0.0, b.bench_va * land - va), 0.0)
        tax, va = tax + g * gap_t, va + g * gap_v
        ok = up & (en > 0) & (va0 > 0) & np.isfinite(b.bench_va_per_tce)
        ep = np.where(ok, va0 / np.where(en > 0, en, 1.0), 1.0)
        ep1 = ep + g * np.maximum(0.0, np.nan_to_num(b.bench_va_per_tce) - ep)
        en = np.where(ok, va / ep1, en)
    if "growth" in on and n > 0:
        tax = tax * (1 + lv.growth_tax) ** n
        va = va * (1 + lv.growth_value_added) ** n
        en = en * (1 + lv.growth_energy) ** n
        jobs = jobs * (1 + lv.growth_employees) ** n
        rev = rev * (1 + lv.growth_revenue) ** n
        rd = rd * (1 + lv.growth_rd) ** n
    if "reuse" in on:
        books = dict(b.relet_mu)
        if lv.reuse_idle_land:
            for y, mu in b.idle_relet_mu.items():
                books[y] = books.get(y, 0.0) + mu
        for y_freed, mu in books.items():
            k = year - (y_freed + lv.reuse_lag_years)
            if k < 0:
                continue
            area, r = mu * lv.reuse_share, _ramp(lv.ramp, k)
            new["land"] += area
            new["tax"] += area * lv.reuse_tax_per_mu * r
            v_new = area * lv.reuse_value_added_per_mu * r
            new["va"] += v_new
            new["en"] += v_new / lv.reuse_value_added_per_tce if lv.reuse_value_added_per_tce > 0 else 0.0
            new["rev"] += area * lv.reuse_output_per_mu * r
            new["rd"] += area * lv.reuse_output_per_mu * r * lv.reuse_rd_intensity
    if "far" in on and n > 0 and lv.far_uptake_per_year != 0:
        u = min(1.0, max(0.0, lv.far_uptake_per_year * n))
        f = 1 + lv.far_yield_factor * u * b.floor_gain
        tax, va, en, jobs, rev, rd = tax * f, va * f, en * f, jobs * f, rev * f, rd * f
    majors = 0.0
    if "projects" in on and b.projects is not None and len(b.projects):
        p = b.projects
        for landed, mu, t_full, v_full, inv in zip(
            p["year_landed"],
            p["land_mu"],
            p["tax_at_full_wan"],
            p["value_added_at_full_wan"],
            p["investment_wan"],
            strict=True,
        ):
            if not np.isfinite(landed) or landed > year:
                continue
            r = _ramp(lv.ramp, int(year - landed))
            new["land"] += float(np.nan_to_num(mu))
            new["tax"] += float(np.nan_to_num(t_full)) * r
            v_new = float(np.nan_to_num(v_full)) * r
            new["va"] += v_new
            new["en"] += v_new / lv.reuse_value_added_per_tce if lv.reuse_value_added_per_tce > 0 else 0.0
            majors += float(np.nan_to_num(inv) >= major_wan)
    he, hj, hr = keep & b.has_energy, keep & b.has_jobs, keep & b.has_revenue
    e0 = _energy_ratio(b)
    e1 = _ratio(float(en[he].sum()) + new["en"], float(va[he].sum()) + new["va"])
    out = {
        "tax_per_mu": _ratio(float(tax[keep].sum()) + new["tax"], float(land[keep].sum()) + new["land"]),
        "value_added_per_mu": _ratio(float(va[keep].sum()) + new["va"], float(land[keep].sum()) + new["land"]),
        "labour_productivity": _ratio(float(va[hj].sum()), float(jobs[hj].sum())) if b.has_data.get("employees") else np.nan,
        "energy_intensity_drop": 1 - e1 / e0 if b.has_data.get("energy") and e0 > 0 else np.nan,
        "rd_intensity": _ratio(float(rd[hr].sum()) + new["rd"], float(rev[hr].sum()) + new["rev"])
        if b.has_data.get("rd") else np.nan,
        "major_projects": majors if b.has_data.get("projects") else np.nan,
    }  # fmt: skip
    for key, book in b.counts.items():
        out[key] = float(sum(v for y, v in book.items() if y <= year)) if "clearance" in on else 0.0
    share = np.nan
    if b.supply_share is not None:
        row = b.supply_share[pd.to_numeric(b.supply_share["year"], errors="coerce") == year]
        share = float(row["industrial_share"].iloc[0]) if len(row) else np.nan
    out["industrial_supply_share"] = share
    out.update(investment_figures(b.investment, year, b.first_plan_year))
    return {k: float(out.get(k, np.nan)) for k in METRICS}


def waterfall(b: Basis, lv: Levers, years: list[int], *, major_wan: float) -> pd.DataFrame:
    """One row per (year, indicator): ``base`` (data year), ``lever_<name>`` per lever, ``value``.

    ``base + Σ lever_* = value`` (each lever column is the change it makes after the levers
    before it, in :data:`LEVER_ORDER`). The industrial supply share is read, not projected: its
    year's figure sits in ``base``.
    """
    rows = []
    for year in years:
        steps = [figures(b, lv, year, k, major_wan=major_wan) for k in range(len(LEVER_ORDER) + 1)]
        for m in METRICS:
            vals = [s[m] for s in steps]
            row: dict[str, object] = {"year": year, "indicator": m, "base": vals[0]}
            for i, lever in enumerate(LEVER_ORDER):
                row[f"lever_{lever}"] = vals[i + 1] - vals[i]
            row["value"] = vals[-1]
            rows.append(row)
    return pd.DataFrame(rows)
