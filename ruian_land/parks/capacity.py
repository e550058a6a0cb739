"""Capacity, yield, star potential and the plan shortlist of 小微企业园 candidate sites.

* **Capacity** (:func:`site_capacity`): floor area = ``parks.planned_far`` × usable area (the
  part inside the 工业用地控制线); the planned FAR must lie in ``parks.far_range`` (Wenzhou
  小微园 built 1.8–2.8, RULES.md §5). Firms = floor / ``parks.unit_floor_area_m2``; jobs =
  floor / 1000 × ``parks.jobs_per_1000m2``; expected tax = ``parks.expected_tax_per_mu`` ×
  usable 亩 (万元/year); rent = floor × ``parks.rent_cap_yuan_m2_month`` × 12 months (万元/year,
  the most the park can collect at the Wenzhou cap, all floor let).
* **Star potential** (:func:`star_potential`): the highest star whose thresholds in
  ``parks.star_criteria`` (usable area, floor area, expected 亩均税收) the site meets; 0 when
  it meets none. **Heuristic**: numeric star cut-offs were not found (RULES.md §5), the
  thresholds are assumptions to be replaced by the rating body's, and a real rating also
  weighs operation (运营管理) and services (配套服务), which a site plan cannot show.
* **Shortlist** (:func:`plan_shortlist`): the plan (§三(一)5) wants 5–6 parks rated ≥ 3 stars,
  2–3 of them ≥ 4 stars. The shortlist takes the best-ranked qualifying sites with star
  potential ≥ 3 up to the upper 3-star target, then swaps its lowest-ranked 3-star members
  for the best-ranked 4-star sites left out until the upper 4-star target is met (or none is
  left).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import YUAN_PER_WAN, InputError, mu_to_m2

__all__ = ["STAR_KEYS", "plan_shortlist", "site_capacity", "star_criteria", "star_potential"]

#: Threshold names allowed per star in ``parks.star_criteria``.
STAR_KEYS = ("min_area_mu", "min_floor_m2", "min_tax_per_mu")
_MONTHS_PER_YEAR = 12


def site_capacity(sites: pd.DataFrame, rules: Any) -> pd.DataFrame:
    """Floor area, firms, jobs, expected tax and rent of each site.

    Parameters
    ----------
    sites : DataFrame
        One row per site with ``area_inside_mu`` (usable area, 亩, inside the control lines).
    rules : RuleSet
        Reads ``parks.planned_far``, ``parks.far_range``, ``parks.unit_floor_area_m2``,
        ``parks.jobs_per_1000m2``, ``parks.expected_tax_per_mu`` and
        ``parks.rent_cap_yuan_m2_month`` (RULES.md §5).

    Returns
    -------
    DataFrame
        Same index: ``capacity_floor_m2`` (m²), ``capacity_firms`` (int),
        ``jobs`` (int), ``expected_tax_wan`` (万元/year), ``rent_wan`` (万元/year at the cap).

    Raises
    ------
    InputError
        The planned FAR lies outside ``parks.far_range``, or a rule is not positive.
    """
    far = float(rules.value("parks.planned_far"))
    lo, hi = (float(v) for v in rules.value("parks.far_range"))
    if not lo <= far <= hi:
        raise InputError(
            f"rule parks.planned_far = {far:g} lies outside parks.far_range [{lo:g}, {hi:g}]",
            path="rules",
            fix="choose a planned FAR inside the range, or widen the range with a source",
        )
    unit = float(rules.value("parks.unit_floor_area_m2"))
    if unit <= 0:
        raise InputError(f"rule parks.unit_floor_area_m2 = {unit:g} must be > 0", path="rules")
    jobs_per_1000 = float(rules.value("parks.jobs_per_1000m2"))
    tax_per_mu = float(rules.value("parks.expected_tax_per_mu"))
    rent = float(rules.value("parks.rent_cap_yuan_m2_month"))
    usable_mu = sites["area_inside_mu"].to_numpy(dtype=float)
    floor = far * mu_to_m2(usable_mu)
    return pd.DataFrame(
        {
            "capacity_floor_m2": floor,
            "capacity_firms": np.floor(floor / unit + 1e-9).astype(int),
            "jobs": np.floor(floor / 1000.0 * jobs_per_1000 + 1e-9).astype(int),
            "expected_tax_wan": tax_per_mu * usable_mu,
            "rent_wan": floor * rent * _MONTHS_PER_YEAR / YUAN_PER_WAN,
        },
        index=sites.index,
    )


def star_criteria(rules: Any) -> dict[int, dict[str, float]]:
    """``parks.star_criteria`` as ``{star: {threshold: value}}``, stars ascending.

    Raises
    ------
    InputError
        The rule is not a mapping of star (1–5) to thresholds named in :data:`STAR_KEYS`.
    """
    raw = rules.value("parks.star_criteria")
    fix = "write it as {3: {min_area_mu: …, min_floor_m2: …, min_tax_per_mu: …}, 4: {…}}"
    if not isinstance(raw, Mapping) or not raw:
        raise InputError(f"rule parks.star_criteria = {raw!r} is not a mapping", path="rules", fix=fix)
    out: dict[int, dict[str, float]] = {}
    for star, crit in raw.items():
        try:
            s = int(star)
        except (TypeError, ValueError):
            s = 0
        if not 1 <= s <= 5 or not isinstance(crit, Mapping) or set(crit) - set(STAR_KEYS):
            raise InputError(
                f"rule parks.star_criteria has a bad entry {star!r}: {crit!r}", path="rules", fix=fix
            )
        out[s] = {str(k): float(v) for k, v in crit.items()}
    return dict(sorted(out.items()))


def star_potential(sites: pd.DataFrame, rules: Any) -> pd.Series:
    """Highest star whose thresholds in ``parks.star_criteria`` each site meets (0: none).

    Parameters
    ----------
    sites : DataFrame
        ``area_inside_mu`` (亩) and ``capacity_floor_m2`` (m²), one row per site.
    rules : RuleSet
        Reads ``parks.star_criteria`` (assumption: numeric star cut-offs were not found,
        RULES.md §5) and ``parks.expected_tax_per_mu`` (the site's expected 亩均税收).

    Returns
    -------
    Series
        ``potential_stars`` (int 0–5), index aligned to ``sites``. A heuristic for the
        criteria a site plan can show, not a rating.
    """
    crit = star_criteria(rules)
    tax = float(rules.value("parks.expected_tax_per_mu"))
    area = sites["area_inside_mu"].to_numpy(dtype=float)
    floor = sites["capacity_floor_m2"].to_numpy(dtype=float)
    stars = np.zeros(len(sites), dtype=int)
    for star, c in crit.items():
        ok = np.ones(len(sites), dtype=bool)
        ok &= area >= c.get("min_area_mu", -np.inf) - 1e-9
        ok &= floor >= c.get("min_floor_m2", -np.inf) - 1e-6
        ok &= tax >= c.get("min_tax_per_mu", -np.inf) - 1e-12
        stars = np.where(ok, np.maximum(stars, star), stars)
    return pd.Series(stars, index=sites.index, name="potential_stars")


def plan_shortlist(sites: pd.DataFrame, rules: Any) -> pd.Series:
    """Shortlist of sites that together meet the plan's park counts when the land allows.

    Parameters
    ----------
    sites : DataFrame
        ``qualifies`` (bool), ``rank`` (1 = best, NA when not qualifying) and
        ``potential_stars`` per site.
    rules : RuleSet
        Reads ``targets.micro_parks_3star`` and ``targets.micro_parks_4star`` ([min, max],
        plan §三(一)5: 新培育三星级以上小微企业园5-6个、四星级以上2-3个).

    Returns
    -------
    Series
        Object dtype, index aligned to ``sites``: ``None`` for sites not shortlisted,
        ``"rank"`` for sites taken in rank order, ``"4star"`` for 4-star sites swapped in
        for lower-ranked 3-star ones to meet the 4-star target.
    """
    hi3 = int(rules.value("targets.micro_parks_3star")[1])
    hi4 = int(rules.value("targets.micro_parks_4star")[1])
    out = pd.Series([None] * len(sites), index=sites.index, dtype=object, name="shortlist")
    if sites.empty:
        return out
    q = sites.loc[sites["qualifies"].astype(bool) & (sites["potential_stars"] >= 3)]
    q = q.assign(_r=q["rank"].astype(float)).sort_values("_r", kind="stable")
    stars = dict(zip(q.index, q["potential_stars"].to_numpy(dtype=int).tolist(), strict=True))
    chosen = list(q.index[:hi3])
    why = dict.fromkeys(chosen, "rank")
    spare4 = [i for i in q.index[hi3:] if stars[i] >= 4]
    while sum(stars[i] >= 4 for i in chosen) < hi4 and spare4:
        threes = [i for i in chosen if stars[i] < 4]
        if not threes:
            break
        drop = threes[-1]  # the lowest-ranked 3-star member
        chosen.remove(drop)
        why.pop(drop)
        add = spare4.pop(0)
        chosen.append(add)
        why[add] = "4star"
    for i, w in why.items():
        out.at[i] = w
    return out
