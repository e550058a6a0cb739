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
    status = pd.Series("rated", index=frame.index, dtype=object)
    etype = pd.Series(pd.NA, index=frame.index, dtype="string")
    reasons: dict[Any, explain.Reason] = {}
    listed = (
        frame["exempt_reason"].astype("string").str.strip().fillna("")
        if "exempt_reason" in frame.columns
        else pd.Series("", index=frame.index, dtype="string")
    )
    for idx in listed.index[listed != ""]:
        status[idx] = "exempt"
        etype[idx] = explain.exempt_type_of(str(listed[idx]))
        reasons[idx] = explain.exempt_reason_text(str(listed[idx]))
    years = float(spec.require("new_firm_years"))
    date = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for col in spec.require("new_firm_date_columns"):
        if col in frame.columns:
            date = date.fillna(date_column(frame, col))
    young = date.notna() & (date + pd.DateOffset(months=round(years * 12)) > as_of)
    for idx in young.index[young & (status == "rated")]:
        status[idx], etype[idx] = "exempt", "new_firm"
        reasons[idx] = explain.new_firm_reason(years, f"{date[idx]:%Y-%m-%d}")
    g_years = float(spec.require("land_grant_years"))
    recent = granted.notna() & (granted + pd.DateOffset(months=round(g_years * 12)) > as_of)
    for idx in recent.index[recent & (status == "rated")]:
        status[idx], etype[idx] = "exempt", "land_grant"
        reasons[idx] = explain.land_grant_reason(g_years, f"{granted[idx]:%Y-%m-%d}")
    land = numeric_column(frame, "land_area_mu", required=True, non_negative=True)
    min_mu = float(spec.require("min_rated_area_mu"))
    unlinked = (land.isna() | (land <= 0)) & (status == "rated")
    small = ~above & (land < min_mu) & ~unlinked & (status == "rated")
    for idx in unlinked.index[unlinked]:
        status[idx] = "unrated"
        reasons[idx] = explain.unlinked_reason()
    for idx in small.index[small]:
        status[idx] = "unrated"
        reasons[idx] = explain.small_firm_reason(float(land[idx]), min_mu)
    no_tax = missing_tax(frame) & (status == "rated")
    has_row = bool_column(frame, "in_tax", required=False) if "in_tax" in frame.columns else None
    for idx in no_tax.index[no_tax]:
        status[idx] = "unrated"
        reasons[idx] = explain.no_tax_reason(blank=bool(has_row[idx]) if has_row is not None else False)
    return status, etype, reasons


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
