"""Phasing of a 腾笼换鸟 scenario over the plan years (``targets.years``).

Two ways (``scenario.phasing``):

* ``milp`` — the year is a decision of the model itself (``x[f, r, year]``, see
  :mod:`ruian_land.scenario.model`): yearly capacities (``scenario.yearly_capacity_firms``,
  ``scenario.yearly_budget_wan``) and the plan milestones (cumulative ``scenario.yearly_share`` of
  every target by the end of each year, ``scenario.phasing_milestones``) are constraints, exact.
* ``heuristic`` — for models too large for that (``auto`` switches at
  ``scenario.phasing_milp_max_binaries``): the model chooses *what* to do in one period, then
  :func:`phase_selection` spreads units of work (firms that free a parcel together; one idle or
  partly released parcel) largest first so that each year's area, energy, exits and upgrades stay
  close to its share, never putting more firms in a year than its capacity while another year
  has room. Whatever could not be kept within a capacity, and every milestone missed, is
  reported by :func:`by_year_table` (``capacity_ok``, ``milestone_ok``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ruian_land.core import InputError
from ruian_land.rules import RuleSet

__all__ = ["by_year_table", "phase", "phase_selection", "yearly_limits"]


def yearly_limits(rules: RuleSet) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    """Years, normalised shares, firm capacities and budgets per year from the rules.

    Returns
    -------
    years : list of int
        ``targets.years``.
    shares : ndarray
        ``scenario.yearly_share`` normalised to sum 1.
    cap_firms, budget_wan : ndarray
        ``scenario.yearly_capacity_firms`` / ``scenario.yearly_budget_wan`` (``inf`` where null).

    Raises
    ------
    InputError
        A list whose length differs from the years, negative values, shares not summing > 0.
    """
    years = [int(y) for y in rules.value("targets.years")]
    out = []
    for key in ("scenario.yearly_share", "scenario.yearly_capacity_firms", "scenario.yearly_budget_wan"):
        raw = rules.value(key)
        vals = np.array([np.inf if x is None else float(x) for x in (raw or [])], dtype=float)
        if len(vals) != len(years) or not years:
            raise InputError(
                f"targets.years {years} and {key} {raw} differ in length",
                column=key,
                fix="give one value per year",
            )
        if (vals < 0).any() or np.isnan(vals).any():
            raise InputError(f"{key} {raw} must be ≥ 0", column=key)
        out.append(vals)
    sh = out[0]
    if not np.isfinite(sh).all() or sh.sum() <= 0:
        raise InputError(f"scenario.yearly_share {list(sh)} must be ≥ 0 with a positive sum")
    return years, sh / sh.sum(), out[1], out[2]


def phase(
    units: pd.DataFrame,
    metrics: Sequence[str],
    years: Sequence[int],
    shares: Sequence[float],
    capacity: Mapping[str, Sequence[float]] | None = None,
    first: Sequence[str] = (),
) -> pd.Series:
    """Assign each unit of work to a year, keeping every metric close to its yearly share.

    Largest-first (by the unit's summed share of each metric's total), each unit goes to the
    year whose fullest metric (load ÷ target load, target load = share × total) would be least
    full after adding it, among the years where no hard ``capacity`` would be exceeded; ties go
    to the earlier year. If every year would exceed a capacity, the year exceeding it least is
    taken and the unit is listed in ``attrs["over_capacity"]``. Deterministic.

    Parameters
    ----------
    units : DataFrame
        One row per unit (index = unit key, sortable), numeric columns ``metrics`` (≥ 0) and the
        columns named in ``capacity``.
    metrics : sequence of str
    years : sequence of int
    shares : sequence of float
        Same length as ``years``; normalised to sum to 1.
    capacity : mapping, optional
        Column → hard limit per year (``inf`` = none), e.g. ``{"firms": [250, 300, 300]}``.
    first : sequence of str, optional
        Unit keys due in the first year (e.g. idle land to be taken back, 《闲置土地处置办法》):
        placed there before the others unless that breaks a capacity, then like any other unit.

    Returns
    -------
    Series
        Year per unit, same index as ``units``; ``attrs["over_capacity"]`` lists unit keys placed
        beyond a capacity.

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
    out.attrs["over_capacity"] = []
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
    pin = np.isin(keys, np.asarray([str(k) for k in first], dtype=str))
    order = np.lexsort((keys, -weight, ~pin))  # units due in the first year first
    cap = np.outer(sh, np.where(active, totals, 1.0))  # years × metrics
    load = np.zeros_like(cap)
    cap_cols = list(capacity or {})
    hard = np.array([[float(x) for x in (capacity or {})[c]] for c in cap_cols]).T.reshape(len(sh), -1)
    cvals = units[cap_cols].to_numpy(dtype=float) if cap_cols else np.zeros((len(units), 0))
    hload = np.zeros_like(hard)
    assigned = np.empty(len(units), dtype=int)
    over: list[str] = []
    for i in order:
        used = norm[i] > 0
        best_y, best = -1, np.inf
        if pin[i] and not (hload[0] + cvals[i] > hard[0] + 1e-9).any():
            best_y, best = 0, -np.inf
        for y in range(len(sh)) if best_y < 0 else ():
            if sh[y] <= 0 or (hload[y] + cvals[i] > hard[y] + 1e-9).any():
                continue
            fill = (load[y] + vals[i]) / cap[y]
            score = fill[used].max() if used.any() else load[y].sum()
            if score < best - 1e-12:
                best_y, best = y, score
        if best_y < 0:  # every year full: least excess
            excess = np.where(np.isfinite(hard), hload + cvals[i] - hard, 0.0).max(axis=1)
            best_y = int(np.argmin(excess))
            over.append(str(keys[i]))
        load[best_y] += vals[i]
        hload[best_y] += cvals[i]
        assigned[i] = best_y
    out[:] = np.asarray(years, dtype=int)[assigned]
    out.attrs["over_capacity"] = sorted(over)
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
        members = [u for u in str(occ).split(";") if u in parent]
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return selection["uscc"].map(find)


def _flag(df: pd.DataFrame, col: str) -> pd.Series:
    """Boolean column (missing / NA = False)."""
    if col not in df.columns:
        return pd.Series(False, index=df.index)
    return df[col].astype("boolean").fillna(False).astype(bool)


def phase_selection(selection: pd.DataFrame, freed: pd.DataFrame, rules: RuleSet) -> list[str]:
    """Fill ``year`` in ``selection`` and ``freed`` in place (heuristic phasing).

    Parameters
    ----------
    selection : DataFrame
        ``ScenarioResult.selection`` (``uscc``, ``remedy``, ``freed_area_mu``, ``energy_saved_tce``,
        ``cost_wan``).
    freed : DataFrame
        ``ScenarioResult.freed_parcels`` (``parcel_id``, ``area_mu``, ``source``, ``occupants``; optional
        ``idle_recovery``: idle parcels to be taken back free of charge go in the first year).
    rules : RuleSet
        ``targets.years``, ``scenario.yearly_share``, ``scenario.yearly_capacity_firms``,
        ``scenario.yearly_budget_wan``, ``scenario.exit_counts``, ``scenario.upgrade_counts``.

    Returns
    -------
    list of str
        Units placed beyond a yearly capacity (``F:<uscc>`` or ``P:<parcel_id>``).
    """
    years, shares, cap_firms, budget = yearly_limits(rules)
    exits = [str(r) for r in rules.value("scenario.exit_counts")]
    ups = [str(r) for r in rules.value("scenario.upgrade_counts")]
    unit_of_firm = "F:" + _units(selection, freed)
    cost = selection["cost_wan"] if "cost_wan" in selection.columns else pd.Series(0.0, index=selection.index)
    firm_units = pd.DataFrame(
        {
            "unit": unit_of_firm,
            "freed_area_mu": selection["freed_area_mu"],
            "energy_saved_tce": selection["energy_saved_tce"],
            "exited": selection["remedy"].isin(exits).astype(float),
            "upgraded": selection["remedy"].isin(ups).astype(float),
            "firms": 1.0,
            "cost_wan": cost,
        }
    )
    own = freed.loc[freed["source"] != "occupied"]
    own_units = pd.DataFrame(
        {
            "unit": "P:" + own["parcel_id"].astype(str),
            "freed_area_mu": own["area_mu"],
            "energy_saved_tce": 0.0,
            "exited": 0.0,
            "upgraded": 0.0,
            "firms": 0.0,
            "cost_wan": own["cost_wan"] if "cost_wan" in own.columns else 0.0,
        }
    )
    units = pd.concat([firm_units, own_units], ignore_index=True).groupby("unit").sum()
    metrics = ["freed_area_mu", "energy_saved_tce", "exited", "upgraded"]
    due = own.loc[own["source"].eq("idle_vacant") & _flag(own, "idle_recovery"), "parcel_id"]
    year_of = phase(units, metrics, years, list(shares), {"firms": list(cap_firms), "cost_wan": list(budget)},
                    first=list("P:" + due.astype(str)))  # fmt: skip
    selection["year"] = unit_of_firm.map(year_of).fillna(years[0]).astype(int).to_numpy()
    firm_year = pd.Series(selection["year"].to_numpy(), index=selection["uscc"])
    occ_first = freed["occupants"].astype(str).str.split(";").str[0]
    yr = np.where(
        freed["source"] != "occupied",
        ("P:" + freed["parcel_id"].astype(str)).map(year_of),
        occ_first.map(firm_year),
    )
    freed["year"] = pd.Series(yr, index=freed.index).fillna(years[0]).astype(int)
    return list(year_of.attrs.get("over_capacity", []))


def by_year_table(
    selection: pd.DataFrame, freed: pd.DataFrame, tg: Mapping[str, float], rules: RuleSet
) -> pd.DataFrame:
    """Per-year totals of the scenario against the yearly capacities and the plan milestones.

    Returns
    -------
    DataFrame
        One row per year of ``targets.years``: ``freed_area_mu``, ``energy_saved_tce``,
        ``co2_reduction_t``, ``firms_exited``, ``firms_upgraded``, ``firms_acted``,
        ``tax_change_wan`` (positive = more tax), ``cost_wan``, ``share``, ``yearly_capacity_firms``, ``yearly_budget_wan`` (NaN = none),
        ``capacity_ok``; per active target ``cum_<target>`` (cumulative amount),
        ``milestone_<target>`` (cumulative share × target, what should be reached by the end of
        the year) and ``milestone_ok_<target>``.
    """
    years, sh, cap_firms, budget = yearly_limits(rules)
    exits = [str(r) for r in rules.value("scenario.exit_counts")]
    ups = [str(r) for r in rules.value("scenario.upgrade_counts")]
    s = selection
    out = pd.DataFrame(index=pd.Index(years, name="year"))
    out["freed_area_mu"] = freed.groupby("year")["area_mu"].sum()
    out["energy_saved_tce"] = s.groupby("year")["energy_saved_tce"].sum()
    out["co2_reduction_t"] = s.groupby("year")["co2_reduction_t"].sum()
    out["firms_exited"] = s.loc[s["remedy"].isin(exits)].groupby("year").size()
    out["firms_upgraded"] = s.loc[s["remedy"].isin(ups)].groupby("year").size()
    out["firms_acted"] = s.groupby("year").size()
    out["tax_change_wan"] = s.groupby("year")["tax_change_wan"].sum()
    cost = s.groupby("year")["cost_wan"].sum() if "cost_wan" in s.columns else 0.0
    fcost = freed.groupby("year")["cost_wan"].sum() if "cost_wan" in freed.columns else 0.0
    out["cost_wan"] = pd.Series(cost).reindex(out.index).fillna(0.0) + pd.Series(fcost).reindex(
        out.index
    ).fillna(0.0)
    out = out.fillna(0.0)
    for c in ("firms_exited", "firms_upgraded", "firms_acted"):
        out[c] = out[c].astype(int)
    out["share"] = sh
    out["yearly_capacity_firms"] = np.where(np.isfinite(cap_firms), cap_firms, np.nan)
    out["yearly_budget_wan"] = np.where(np.isfinite(budget), budget, np.nan)
    out["capacity_ok"] = (out["firms_acted"] <= cap_firms + 1e-9) & (out["cost_wan"] <= budget + 1e-6)
    col_of = {
        "freed_area_mu": "freed_area_mu",
        "freed_energy_tce": "energy_saved_tce",
        "co2_reduction_t": "co2_reduction_t",
        "firms_exited": "firms_exited",
        "firms_upgraded": "firms_upgraded",
    }
    for name, value in tg.items():
        cum = out[col_of[name]].cumsum()
        out[f"cum_{name}"] = cum
        out[f"milestone_{name}"] = np.cumsum(sh) * value
        out[f"milestone_ok_{name}"] = cum >= out[f"milestone_{name}"] - 1e-6 * max(1.0, value)
    return out.reset_index()
