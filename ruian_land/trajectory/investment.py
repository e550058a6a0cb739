"""制造业投资 and 工业投资 targets of plan §二, read from the 统计局 investment table (issue 14).

Plan §二: "制造业(含技改)投资年均增长12%以上, 工业投资占固定资产投资比重达到20%, … 完成制造业投资120亿元".
The optional ``investment`` source gives, per 年度, 制造业投资 (含技改), 工业投资 and 固定资产投资 (万元).
These are read, never projected: a year the table does not give is "no data" (the path does not
invent investment), as for the industrial share of land supplied.

* ``manufacturing_investment`` (万元): 制造业投资 completed from the first plan year
  (``min(targets.years)``) to the year, summed — every year of that span must be given;
* ``manufacturing_investment_growth`` (fraction/year): average yearly growth from the year before
  the plan, ``(I_y / I_{y0−1}) ** (1 / (y − y0 + 1)) − 1``;
* ``industrial_investment_share`` (fraction): 工业投资 / 固定资产投资 of the year.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["INVESTMENT_METRICS", "investment_figures"]

INVESTMENT_METRICS: tuple[str, ...] = (
    "manufacturing_investment",
    "manufacturing_investment_growth",
    "industrial_investment_share",
)


def _by_year(table: pd.DataFrame, col: str) -> pd.Series:
    if col not in table.columns:
        return pd.Series(dtype=float)
    years = pd.to_numeric(table["year"], errors="coerce")
    vals = pd.to_numeric(table[col], errors="coerce")
    ok = years.notna() & vals.notna()
    return vals[ok].groupby(years[ok].astype(int)).sum()


def investment_figures(table: pd.DataFrame | None, year: int, first_year: int) -> dict[str, float]:
    """The three investment figures of ``year`` (NaN where the table cannot give them).

    Parameters
    ----------
    table : DataFrame or None
        The parsed ``investment`` table: ``year`` and any of ``manufacturing_investment_wan``,
        ``industrial_investment_wan``, ``fixed_asset_investment_wan`` (万元); several rows of one
        year are added up.
    year : int
        The year of the figures.
    first_year : int
        The first year of the plan (cumulative investment counts from it; growth from the year
        before it).

    Returns
    -------
    dict
        :data:`INVESTMENT_METRICS` → value.
    """
    out = dict.fromkeys(INVESTMENT_METRICS, math.nan)
    if table is None or not len(table):
        return out
    manu = _by_year(table, "manufacturing_investment_wan")
    span = range(first_year, year + 1)
    if len(span) and all(y in manu.index for y in span):
        out["manufacturing_investment"] = float(sum(manu[y] for y in span))
    start = first_year - 1
    if year in manu.index and start in manu.index and manu[start] > 0 and year > start:
        out["manufacturing_investment_growth"] = float((manu[year] / manu[start]) ** (1 / (year - start)) - 1)
    ind, fixed = _by_year(table, "industrial_investment_wan"), _by_year(table, "fixed_asset_investment_wan")
    if year in ind.index and year in fixed.index and fixed[year] > 0:
        out["industrial_investment_share"] = float(np.float64(ind[year]) / fixed[year])
    return out
