"""工业用地控制线 books: 占补平衡 of conversions out of industrial use, and the industrial share of supply.

Plan §四(二): freed industrial land inside the 工业用地控制线 must stay industrial; where a
change of use is unavoidable, "先补后占、改一补一" applies so that 占补平衡 holds; and every
year industrial land must be at least 30 % of the land granted.

* :func:`balance_ledger` matches each conversion out of industrial use inside the line with
  compensating new industrial land. 改一补一: each converted 亩 (the part inside the line)
  needs ``control_line.compensation_ratio`` 亩 of new industrial land. Matching is first in,
  first out: compensation of an earlier or the same year first (greedy by year, which covers
  as much as any matching can under 先补后占), then — unless 先补后占 is required
  (``compensate_first``) — compensation of later years for what is left, reported as
  ``covered_later_mu``. A year holds when its conversions are fully covered.
* :func:`industrial_supply_share` gives the industrial share of land supplied per year
  against ``control_line.industrial_share_of_supply_min`` and how much more industrial land
  would reach it.

Both take small tables (canonical English columns; the sample county has none, they are
optional project inputs).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ruian_land.control_lines.overlay import control_line_overlay
from ruian_land.core import MU_PER_HA, InputError, InputWarning, contains_any, m2_to_mu

__all__ = ["BalanceLedger", "balance_ledger", "industrial_supply_share", "is_industrial_use"]

_TOL_MU = 1e-9


@dataclass
class BalanceLedger:
    """Result of :func:`balance_ledger`.

    Attributes
    ----------
    conversions : DataFrame
        One row per conversion (input order): the input columns plus ``counted_conversion`` (bool: out of
        industrial use inside the line), ``inside_share``, ``counted_mu``, ``required_mu``,
        ``covered_prior_mu`` (by compensation of an earlier or the same year),
        ``covered_later_mu``, ``uncovered_mu``, ``compensation_ids`` (``;``-joined) and
        ``conversion_balanced`` (bool).
    compensations : DataFrame
        One row per compensation: the input columns plus ``compensation_id``, ``used_mu`` and
        ``left_mu``.
    years : DataFrame
        One row per year (ascending): ``converted_mu``, ``required_mu``, ``compensated_mu``
        (new industrial land that year), ``cum_required_mu``, ``cum_compensated_mu``,
        ``running_balance_mu`` (cumulative compensation − cumulative requirement),
        ``covered_prior_mu``, ``covered_later_mu``, ``uncovered_mu`` (of that year's
        conversions) and ``balance_holds`` (bool).
    holds : bool
        占补平衡 holds in every year.
    compensate_first : bool
        Whether 先补后占 was required.
    message_zh : str
        A sentence for the report, naming every failing year and its gap.
    """

    conversions: pd.DataFrame
    compensations: pd.DataFrame
    years: pd.DataFrame
    holds: bool
    compensate_first: bool
    message_zh: str


def is_industrial_use(uses: pd.Series, rules: Any) -> pd.Series:
    """Whether each land-use name or code is industrial (``control_line.industrial_uses``).

    Parameters
    ----------
    uses : Series
        Land-use names or codes (``工业用地``, ``0601``, ``1001``, ``M2`` …), any index.
    rules : RuleSet
        Reads ``control_line.industrial_uses`` (substrings, GB/T 21010-2017 / 用地用海分类 /
        GB 50137-2011).

    Returns
    -------
    Series
        Bool, same index; missing uses are not industrial.
    """
    patterns = [str(p) for p in rules.value("control_line.industrial_uses")]
    return contains_any(uses, patterns)


def _area_mu(frame: pd.DataFrame, name: str) -> pd.Series:
    if "area_mu" in frame.columns:
        area = pd.to_numeric(frame["area_mu"], errors="coerce")
        col = "area_mu"
    elif "area_m2" in frame.columns:
        area = pd.Series(m2_to_mu(pd.to_numeric(frame["area_m2"], errors="coerce")), index=frame.index)
        col = "area_m2"
    elif "area_ha" in frame.columns:
        area = pd.to_numeric(frame["area_ha"], errors="coerce") * MU_PER_HA
        col = "area_ha"
    else:
        raise InputError(
            f"the {name} table has no area column", path=name, column="area_mu", fix="add area_mu (亩)"
        )
    bad = area.isna() | (area < 0)
    if bad.any():
        row = frame.index[bad.to_numpy()][0]
        raise InputError(
            f"the {name} table has a missing or negative area",
            path=name,
            column=col,
            row=row,
            fix="give every row an area ≥ 0",
        )
    return area.astype(float)


def _years(frame: pd.DataFrame, name: str) -> pd.Series:
    if "year" not in frame.columns:
        raise InputError(f"the {name} table has no year column", path=name, column="year", fix="add year")
    year = pd.to_numeric(frame["year"], errors="coerce")
    bad = year.isna() | (year.round() != year)
    if bad.any():
        row = frame.index[bad.to_numpy()][0]
        raise InputError(
            f"the {name} table has a missing or non-integer year ({frame['year'].loc[row]!r})",
            path=name,
            column="year",
            row=row,
            fix="write the year as a number such as 2022",
        )
    return year.astype(int)


def _require(frame: pd.DataFrame, name: str, cols: tuple[str, ...]) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(
            f"the {name} table lacks columns {missing}",
            path=name,
            column=missing[0],
            fix=f"give columns {list(cols)}",
        )


def _inside_share(
    conv: pd.DataFrame, parcels: gpd.GeoDataFrame | None, control_lines: gpd.GeoDataFrame | None, rules: Any
) -> pd.Series:
    if "inside_share" in conv.columns:
        share = pd.to_numeric(conv["inside_share"], errors="coerce")
        if share.isna().any() or ((share < 0) | (share > 1)).any():
            row = conv.index[(share.isna() | (share < 0) | (share > 1)).to_numpy()][0]
            raise InputError(
                "inside_share must lie in 0…1",
                path="conversions",
                column="inside_share",
                row=row,
                fix="give the share of the converted area inside the control line",
            )
        return share.astype(float)
    if "inside_line" in conv.columns:
        return conv["inside_line"].map(lambda v: 1.0 if bool(v) and not pd.isna(v) else 0.0).astype(float)
    if parcels is not None and control_lines is not None:
        _require(conv, "conversions", ("parcel_id",))
        ov = control_line_overlay(parcels, control_lines, rules=rules)
        by_id = pd.Series(ov["inside_share"].to_numpy(), index=parcels["parcel_id"].astype(str).to_numpy())
        by_id = by_id[~by_id.index.duplicated()]
        share = conv["parcel_id"].astype(str).map(by_id)
        unknown = share.isna()
        if unknown.any():
            warnings.warn(
                f"{int(unknown.sum())} converted parcels are not in the parcels layer (e.g. "
                f"{conv.loc[unknown, 'parcel_id'].iloc[0]!r}): counted as wholly inside the control line",
                InputWarning,
                stacklevel=3,
            )
        return share.fillna(1.0).astype(float)
    warnings.warn(
        "conversions carry no inside_share / inside_line and no parcels + control lines were given: "
        "every conversion is counted as wholly inside the control line",
        InputWarning,
        stacklevel=3,
    )
    return pd.Series(1.0, index=conv.index)


def balance_ledger(
    conversions: pd.DataFrame,
    compensations: pd.DataFrame | None,
    rules: Any,
    *,
    compensate_first: bool | None = None,
    parcels: gpd.GeoDataFrame | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
) -> BalanceLedger:
    """占补平衡 ledger of conversions out of industrial use inside the 工业用地控制线.

    Parameters
    ----------
    conversions : DataFrame
        One row per change of use: ``year`` (int), ``from_use``, ``to_use`` (names or codes),
        an area (``area_mu``, or ``area_m2`` / ``area_ha``), optionally ``parcel_id`` and
        either ``inside_share`` (0–1) or ``inside_line`` (bool). A row counts when
        ``from_use`` is industrial and ``to_use`` is not (:func:`is_industrial_use`); its
        counted area is area × inside share. Without either column the share comes from
        ``parcels`` + ``control_lines`` (area-weighted), else 1 with an
        :class:`InputWarning`.
    compensations : DataFrame or None
        New industrial land: ``year``, an area column, optionally ``compensation_id`` (or
        ``parcel_id``) and ``to_use`` (rows whose ``to_use`` is not industrial are ignored
        with an :class:`InputWarning`). ``None`` or empty: no compensation.
    rules : RuleSet
        Reads ``control_line.compensation_ratio`` (改一补一, plan §四(二)),
        ``control_line.compensate_first`` (先补后占) and ``control_line.industrial_uses``.
    compensate_first : bool, optional
        Require 先补后占 (compensation in an earlier or the same year); default from the rule.
    parcels, control_lines : GeoDataFrame, optional
        Parcels (``parcel_id``, EPSG:4549) and control-line polygons to measure the inside
        share of converted parcels.

    Returns
    -------
    BalanceLedger
        Row, compensation and year tables, whether the balance holds and a message.

    Raises
    ------
    InputError
        A missing column, a missing or negative area, a non-integer year, a share outside 0–1.
    """
    strict = (
        bool(rules.value("control_line.compensate_first")) if compensate_first is None else compensate_first
    )
    ratio = float(rules.value("control_line.compensation_ratio"))
    conv = conversions.copy()
    _require(conv, "conversions", ("year", "from_use", "to_use"))
    conv["year"] = _years(conv, "conversions")
    area = _area_mu(conv, "conversions")
    conv["counted_conversion"] = (
        is_industrial_use(conv["from_use"], rules) & ~is_industrial_use(conv["to_use"], rules)
    ).to_numpy()
    conv["inside_share"] = _inside_share(conv, parcels, control_lines, rules).to_numpy()
    conv["counted_mu"] = np.where(conv["counted_conversion"], area * conv["inside_share"], 0.0)
    conv["required_mu"] = conv["counted_mu"] * ratio
    comp = _compensation_table(compensations, rules)
    left = comp["area_mu"].to_numpy(dtype=float).copy()
    prior = np.zeros(len(conv))
    later = np.zeros(len(conv))
    used_ids: list[list[str]] = [[] for _ in range(len(conv))]
    order = np.lexsort((np.arange(len(conv)), conv["year"].to_numpy()))
    comp_years = comp["year"].to_numpy()
    comp_ids = comp["compensation_id"].to_numpy()
    need = conv["required_mu"].to_numpy(dtype=float).copy()
    passes = [True] if strict else [True, False]
    for first_pass in passes:
        for i in order:
            y = conv["year"].iat[i]
            for j in range(len(comp)):
                if need[i] <= _TOL_MU:
                    break
                if left[j] <= _TOL_MU or (comp_years[j] <= y) != first_pass:
                    continue
                take = min(need[i], left[j])
                need[i] -= take
                left[j] -= take
                (prior if first_pass else later)[i] += take
                used_ids[i].append(str(comp_ids[j]))
    conv["covered_prior_mu"] = prior
    conv["covered_later_mu"] = later
    conv["uncovered_mu"] = np.where(need > _TOL_MU, need, 0.0)
    conv["compensation_ids"] = [";".join(dict.fromkeys(ids)) for ids in used_ids]
    conv["conversion_balanced"] = conv["uncovered_mu"] <= _TOL_MU
    comp["used_mu"] = comp["area_mu"] - left
    comp["left_mu"] = left
    years = _year_table(conv, comp)
    holds = bool(years["balance_holds"].all())
    return BalanceLedger(conv, comp, years, holds, strict, _message(years, strict, ratio))


def _compensation_table(compensations: pd.DataFrame | None, rules: Any) -> pd.DataFrame:
    if compensations is None or compensations.empty:
        return pd.DataFrame(
            {
                "compensation_id": pd.Series(dtype=object),
                "year": pd.Series(dtype=int),
                "area_mu": pd.Series(dtype=float),
            }
        )
    comp = compensations.copy()
    comp["year"] = _years(comp, "compensations")
    comp["area_mu"] = _area_mu(comp, "compensations")
    if "compensation_id" not in comp.columns:
        if "parcel_id" in comp.columns:
            comp["compensation_id"] = comp["parcel_id"].astype(str)
        else:
            comp["compensation_id"] = [f"B{i + 1:03d}" for i in range(len(comp))]
    if "to_use" in comp.columns:
        ok = is_industrial_use(comp["to_use"], rules)
        if (~ok).any():
            warnings.warn(
                f"{int((~ok).sum())} compensation rows are not industrial land (to_use, e.g. "
                f"{comp.loc[~ok, 'to_use'].iloc[0]!r}) and do not count",
                InputWarning,
                stacklevel=3,
            )
            comp.loc[~ok.to_numpy(), "area_mu"] = 0.0
    # earliest year first, then input order: FIFO
    return comp.iloc[np.lexsort((np.arange(len(comp)), comp["year"].to_numpy()))]


def _year_table(conv: pd.DataFrame, comp: pd.DataFrame) -> pd.DataFrame:
    years = sorted(set(conv["year"]) | set(comp["year"]))
    c = conv.groupby("year")[
        ["counted_mu", "required_mu", "covered_prior_mu", "covered_later_mu", "uncovered_mu"]
    ].sum()
    k = comp.groupby("year")["area_mu"].sum()
    t = pd.DataFrame(index=pd.Index(years, name="year"))
    t["converted_mu"] = c["counted_mu"].reindex(years, fill_value=0.0)
    t["required_mu"] = c["required_mu"].reindex(years, fill_value=0.0)
    t["compensated_mu"] = k.reindex(years, fill_value=0.0)
    t["cum_required_mu"] = t["required_mu"].cumsum()
    t["cum_compensated_mu"] = t["compensated_mu"].cumsum()
    t["running_balance_mu"] = t["cum_compensated_mu"] - t["cum_required_mu"]
    for col in ("covered_prior_mu", "covered_later_mu", "uncovered_mu"):
        t[col] = c[col].reindex(years, fill_value=0.0)
    t["balance_holds"] = t["uncovered_mu"] <= _TOL_MU
    return t.reset_index()


def _message(years: pd.DataFrame, strict: bool, ratio: float) -> str:
    mode = "先补后占、改一补一" if strict else "改一补一"
    if years.empty:
        return f"无控制线内工业用地转用记录，占补平衡（{mode}）无需核对。"
    bad = years.loc[~years["balance_holds"]]
    if bad.empty:
        later = float(years["covered_later_mu"].sum())
        tail = f"，其中{later:.2f}亩为转用后补充（不符合先补后占）" if later > _TOL_MU else ""
        return f"控制线内工业用地转用均已按{mode}（补充比例{ratio:g}）足额补充，占补平衡成立{tail}。"
    items = [
        f"{y}年转出{c:.2f}亩、应补{q:.2f}亩、缺口{u:.2f}亩"
        for y, c, q, u in zip(
            bad["year"].astype(int).tolist(),
            bad["converted_mu"].tolist(),
            bad["required_mu"].tolist(),
            bad["uncovered_mu"].tolist(),
            strict=True,
        )
    ]
    fix = "须在转用前补充新增工业用地（先补后占）" if strict else "须补足新增工业用地"
    return f"占补平衡（{mode}）不成立：" + "；".join(items) + f"。{fix}。"


def industrial_supply_share(supply: pd.DataFrame, rules: Any) -> pd.DataFrame:
    """Industrial share of land supplied per year against the 30 % floor (plan §四(二)).

    Parameters
    ----------
    supply : DataFrame
        Land supplied (出让) by year: ``year`` and an area column (``area_mu``, ``area_m2``
        or ``area_ha``) with either ``is_industrial`` (bool) or ``use`` (name or code,
        classified by ``control_line.industrial_uses``). One or more rows per year and use.
    rules : RuleSet
        Reads ``control_line.industrial_share_of_supply_min`` (0.30, plan §四(二):
        每年出让土地总量中工业用地比例不低于30%) and ``control_line.industrial_uses``.

    Returns
    -------
    DataFrame
        One row per year (ascending): ``supplied_mu``, ``industrial_mu``, ``industrial_share``
        (NaN when nothing was supplied), ``share_min``, ``meets_floor`` (bool; a year with no supply
        meets vacuously) and ``industrial_needed_mu`` — extra industrial land that would lift
        the share to the floor with the other supply unchanged, ``(f·T − I) / (1 − f)``.

    Raises
    ------
    InputError
        No ``year``, no area, or neither ``use`` nor ``is_industrial``.
    """
    floor = float(rules.value("control_line.industrial_share_of_supply_min"))
    s = supply.copy()
    s["year"] = _years(s, "land_supply")
    s["area_mu"] = _area_mu(s, "land_supply")
    if "is_industrial" in s.columns:
        ind = s["is_industrial"].map(lambda v: bool(v) and not pd.isna(v)).astype(bool)
    elif "use" in s.columns:
        ind = is_industrial_use(s["use"], rules)
    else:
        raise InputError(
            "the land supply table has neither 'use' nor 'is_industrial'",
            path="land_supply",
            column="use",
            fix="add the land use (name or code) of each row",
        )
    s["industrial_mu"] = np.where(ind, s["area_mu"], 0.0)
    t = s.groupby("year")[["area_mu", "industrial_mu"]].sum().rename(columns={"area_mu": "supplied_mu"})
    total = t["supplied_mu"].to_numpy()
    ind_mu = t["industrial_mu"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        t["industrial_share"] = np.where(total > 0, ind_mu / total, np.nan)
    t["share_min"] = floor
    t["meets_floor"] = (total <= 0) | (ind_mu >= floor * total - 1e-9)
    needed = (floor * total - ind_mu) / (1.0 - floor) if floor < 1 else np.where(total > ind_mu, np.inf, 0.0)
    t["industrial_needed_mu"] = np.where(t["meets_floor"], 0.0, needed)
    return t.reset_index()
