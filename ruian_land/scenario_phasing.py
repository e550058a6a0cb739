"""Phasing of a 腾笼换鸟 scenario over the plan years (``targets.years``).

The main model (:mod:`ruian_land.scenario`) decides *what* to do; this module decides *when*.
Tax lost does not depend on the year, so phasing is a separate, deterministic step: units of
work (firms that free a parcel together, or one idle parcel) are spread so that each year's
freed area, energy saved, exits and upgrades stay close to ``scenario.yearly_share`` of the
scenario total (the yearly capacity). The plan milestones (cumulative share × target) are
reported alongside in :func:`by_year_table`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ruian_land.errors import InputError
from ruian_land.rules import RuleSet

__all__ = ["by_year_table", "phase", "phase_selection"]


def phase(
    units: pd.DataFrame, metrics: Sequence[str], years: Sequence[int], shares: Sequence[float]
) -> pd.Series:
    """Assign each unit of work to a year, keeping every metric close to its yearly share.

    Largest-first (by the unit's summed share of each metric's total), each unit goes to the
    year whose fullest metric (load ÷ capacity, capacity = share × total) would be least
    full after adding it; ties go to the earlier year. Deterministic.

    Parameters
    ----------
    units : DataFrame
        One row per unit (index = unit key, sortable), numeric columns ``metrics`` (≥ 0).
    metrics : sequence of str
    years : sequence of int
    shares : sequence of float
        Same length as ``years``; normalised to sum to 1.

    Returns
    -------
    Series
        Year per unit, same index as ``units``.

    Raises
    ------
    InputError
        ``years`` and ``shares`` differ in length or the shares do not sum to a positive number.
    """
    if len(years) != len(shares) or not years:
        raise InputError(
            f"targets.years {list(years)} and scenario.yearly_share {list(shares)} differ in length",
            column="scenario.yearly_share",
            fix="give one share per year",
        )
    sh = np.asarray(shares, dtype=float)
    if not np.isfinite(sh).all() or sh.sum() <= 0 or (sh < 0).any():
        raise InputError(f"scenario.yearly_share {list(shares)} must be ≥ 0 with a positive sum")
    sh = sh / sh.sum()
    out = pd.Series(int(years[0]), index=units.index, dtype=int)
    if units.empty:
        return out
    vals = units[list(metrics)].to_numpy(dtype=float)
    vals = np.where(np.isfinite(vals), np.maximum(vals, 0.0), 0.0)
    totals = vals.sum(axis=0)
    active = totals > 0
    norm = np.zeros_like(vals)
    norm[:, active] = vals[:, active] / totals[active]
    weight = norm.sum(axis=1)
    keys = np.asarray(units.index.astype(str))
    order = np.lexsort((keys, -weight))
    cap = np.outer(sh, np.where(active, totals, 1.0))  # years × metrics
    load = np.zeros_like(cap)
    assigned = np.empty(len(units), dtype=int)
    for i in order:
        used = norm[i] > 0
        best_y, best = 0, np.inf
        for y in range(len(sh)):
            if sh[y] <= 0:
                continue
            fill = (load[y] + vals[i]) / cap[y]
            score = fill[used].max() if used.any() else load[y].sum()
            if score < best - 1e-12:
                best_y, best = y, score
        load[best_y] += vals[i]
        assigned[i] = best_y
    out[:] = np.asarray(years, dtype=int)[assigned]
    return out


def _units(selection: pd.DataFrame, freed: pd.DataFrame) -> pd.Series:
    """Union-find: firms that free a parcel together form one unit; returns unit key per firm."""
    parent: dict[str, str] = {u: u for u in selection["uscc"]}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for occ in freed.loc[freed["source"] == "occupied", "occupants"]:
        members = [u for u in occ.split(";") if u in parent]
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return selection["uscc"].map(find)


def phase_selection(selection: pd.DataFrame, freed: pd.DataFrame, rules: RuleSet) -> None:
    """Fill ``year`` in ``selection`` and ``freed`` in place.

    Parameters
    ----------
    selection : DataFrame
        ``ScenarioResult.selection`` (``uscc``, ``remedy``, ``freed_area_mu``, ``energy_saved_tce``).
    freed : DataFrame
        ``ScenarioResult.freed_parcels`` (``parcel_id``, ``area_mu``, ``source``, ``occupants``).
    rules : RuleSet
        ``targets.years`` and ``scenario.yearly_share``.

    Firms that free a parcel together form one unit (they leave in the same year); each idle
    vacant parcel is its own unit; units are spread with :func:`phase`.
    """
    years = [int(y) for y in rules.value("targets.years")]
    shares = [float(s) for s in rules.value("scenario.yearly_share")]
    unit_of_firm = "F:" + _units(selection, freed)
    firm_units = pd.DataFrame(
        {
            "unit": unit_of_firm,
            "freed_area_mu": selection["freed_area_mu"],
            "energy_saved_tce": selection["energy_saved_tce"],
            "exited": selection["remedy"].isin(["exit", "relocate"]).astype(float),
            "upgraded": (selection["remedy"] == "upgrade").astype(float),
        }
    )
    idle = freed.loc[freed["source"] == "idle_vacant"]
    idle_units = pd.DataFrame(
        {
            "unit": "P:" + idle["parcel_id"],
            "freed_area_mu": idle["area_mu"],
            "energy_saved_tce": 0.0,
            "exited": 0.0,
            "upgraded": 0.0,
        }
    )
    units = pd.concat([firm_units, idle_units], ignore_index=True).groupby("unit").sum()
    metrics = ["freed_area_mu", "energy_saved_tce", "exited", "upgraded"]
    year_of = phase(units, metrics, years, shares)
    selection["year"] = unit_of_firm.map(year_of).fillna(years[0]).astype(int).to_numpy()
    firm_year = pd.Series(selection["year"].to_numpy(), index=selection["uscc"])
    occ_first = freed["occupants"].str.split(";").str[0]
    yr = np.where(
        freed["source"] == "idle_vacant",
        ("P:" + freed["parcel_id"]).map(year_of),
        occ_first.map(firm_year),
    )
    freed["year"] = pd.Series(yr, index=freed.index).fillna(years[0]).astype(int)


def by_year_table(
    selection: pd.DataFrame, freed: pd.DataFrame, tg: Mapping[str, float], rules: RuleSet
) -> pd.DataFrame:
    """Per-year totals of the scenario with the capacity share and the plan milestones.

    Returns
    -------
    DataFrame
        One row per year of ``targets.years``: ``freed_area_mu``, ``energy_saved_tce``,
        ``co2_reduction_t``, ``firms_exited``, ``firms_upgraded``, ``tax_lost_wan``, ``share``
        and ``milestone_<target>`` = cumulative share × target (what should be reached by the
        end of that year).
    """
    years = [int(y) for y in rules.value("targets.years")]
    sh = np.asarray(rules.value("scenario.yearly_share"), dtype=float)
    sh = sh / sh.sum()
    s = selection
    out = pd.DataFrame(index=pd.Index(years, name="year"))
    out["freed_area_mu"] = freed.groupby("year")["area_mu"].sum()
    out["energy_saved_tce"] = s.groupby("year")["energy_saved_tce"].sum()
    out["co2_reduction_t"] = s.groupby("year")["co2_reduction_t"].sum()
    out["firms_exited"] = s.loc[s["remedy"].isin(["exit", "relocate"])].groupby("year").size()
    out["firms_upgraded"] = s.loc[s["remedy"] == "upgrade"].groupby("year").size()
    out["tax_lost_wan"] = s.groupby("year")["tax_lost_wan"].sum()
    out = out.fillna(0.0)
    for c in ("firms_exited", "firms_upgraded"):
        out[c] = out[c].astype(int)
    out["share"] = sh
    for name, value in tg.items():
        out[f"milestone_{name}"] = np.cumsum(sh) * value
    return out.reset_index()
