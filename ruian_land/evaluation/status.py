"""Who is rated (step 1 of :mod:`ruian_land.evaluation.run`): each firm's status ``rated`` /
``exempt`` (with its ``exempt_type``) / ``unrated`` and the reason, and :func:`missing_tax` (a missing
tax is missing data, never 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ruian_land.evaluation import explain
from ruian_land.evaluation.energy import numeric_column
from ruian_land.evaluation.inputs import bool_column, date_column
from ruian_land.rules import EvaluationRules

__all__ = ["firm_status", "missing_tax"]


def firm_status(
    frame: pd.DataFrame, above: pd.Series, spec: EvaluationRules, as_of: pd.Timestamp, granted: pd.Series
) -> tuple[pd.Series, pd.Series, dict[Any, explain.Reason]]:
    """``rated`` / ``exempt`` / ``unrated``, the exemption type, and the reason of the last two."""
    # plain arrays, written at the positions of the few exempt and unrated firms (a string
    # Series copied its whole Arrow array on every cell written: quadratic at 1M firms)
    index = frame.index
    status = np.full(len(index), "rated", dtype=object)
    etype = np.full(len(index), None, dtype=object)
    reasons: dict[Any, explain.Reason] = {}
    listed = (
        frame["exempt_reason"].astype("string").str.strip().fillna("").to_numpy(dtype=object)
        if "exempt_reason" in frame.columns
        else np.full(len(index), "", dtype=object)
    )
    for k in np.flatnonzero(listed != "").tolist():
        text = str(listed[k])
        status[k], etype[k] = "exempt", explain.exempt_type_of(text)
        reasons[index[k]] = explain.exempt_reason_text(text)
    years = float(spec.require("new_firm_years"))
    date = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    for col in spec.require("new_firm_date_columns"):
        if col in frame.columns:
            date = date.fillna(date_column(frame, col))
    young = (date.notna() & (date + pd.DateOffset(months=round(years * 12)) > as_of)).to_numpy(dtype=bool)
    for k in np.flatnonzero(young & (status == "rated")).tolist():
        status[k], etype[k] = "exempt", "new_firm"
        reasons[index[k]] = explain.new_firm_reason(years, f"{date.iloc[k]:%Y-%m-%d}")
    g_years = float(spec.require("land_grant_years"))
    recent = granted.notna() & (granted + pd.DateOffset(months=round(g_years * 12)) > as_of)
    for k in np.flatnonzero(recent.to_numpy(dtype=bool) & (status == "rated")).tolist():
        status[k], etype[k] = "exempt", "land_grant"
        reasons[index[k]] = explain.land_grant_reason(g_years, f"{granted.iloc[k]:%Y-%m-%d}")
    land = numeric_column(frame, "land_area_mu", required=True, non_negative=True).to_numpy(dtype=float)
    min_mu = float(spec.require("min_rated_area_mu"))
    unlinked = (np.isnan(land) | (land <= 0)) & (status == "rated")
    small = ~above.to_numpy(dtype=bool) & (land < min_mu) & ~unlinked & (status == "rated")
    for k in np.flatnonzero(unlinked).tolist():
        status[k] = "unrated"
        reasons[index[k]] = explain.unlinked_reason()
    for k in np.flatnonzero(small).tolist():
        status[k] = "unrated"
        reasons[index[k]] = explain.small_firm_reason(float(land[k]), min_mu)
    no_tax = missing_tax(frame).to_numpy(dtype=bool) & (status == "rated")
    has_row = (
        bool_column(frame, "in_tax", required=False).to_numpy(dtype=bool)
        if "in_tax" in frame.columns
        else None
    )
    for k in np.flatnonzero(no_tax).tolist():
        status[k] = "unrated"
        reasons[index[k]] = explain.no_tax_reason(blank=bool(has_row[k]) if has_row is not None else False)
    return (
        pd.Series(status, index=index, dtype=object),
        pd.Series(etype, index=index, dtype="string"),
        reasons,
    )


def missing_tax(frame: pd.DataFrame) -> pd.Series:
    """True for firms whose tax is not known: ``tax_wan`` NaN (no row in the tax table, or a blank
    cell) and no ``tax_per_mu`` given instead. A missing tax is missing data, never 0.

    Parameters
    ----------
    frame : DataFrame
        Firms with ``tax_wan`` (万元) and optionally ``tax_per_mu`` (万元/亩), any index.

    Returns
    -------
    Series of bool, same index.
    """
    tax = (
        pd.to_numeric(frame["tax_wan"], errors="coerce")
        if "tax_wan" in frame.columns
        else pd.Series(np.nan, index=frame.index)
    )
    out = tax.isna()
    if "tax_per_mu" in frame.columns:
        out &= pd.to_numeric(frame["tax_per_mu"], errors="coerce").isna()
    return out.astype(bool)
