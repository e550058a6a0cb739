"""Who a 腾笼换鸟 scenario may act on: flagged, non-exempt, unprotected firms whose tax is known."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ruian_land.screening import Screening

__all__ = ["candidate_firms", "numeric_column"]


def numeric_column(df: pd.DataFrame, col: str) -> pd.Series:
    """Column ``col`` as floats (NaN where not a number; all NaN when the column is absent)."""
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[col], errors="coerce").astype(float)


def candidate_firms(screening: Screening, protect: Sequence[str]) -> pd.DataFrame:
    """Flagged, non-exempt, unprotected firms whose tax is known.

    A firm with no tax record (``tax_wan`` missing) is left out: the cost of vacating it is
    unknown, and counting it as 0 would make it look free to close. It stays on the screening
    list (DATA_MISSING) for the planner to check; ``attrs['excluded_no_tax']`` counts them.
    """
    f = screening.firms
    mask = f["flagged"].astype(bool) & ~f["exempt"].astype(bool) & ~f["eval_class"].isin(list(protect))
    no_tax = (
        mask & pd.to_numeric(f["tax_wan"], errors="coerce").isna() if "tax_wan" in f.columns else mask & False
    )
    mask = mask & ~no_tax
    cand = f.loc[mask].copy()
    cand.attrs["excluded_no_tax"] = int(no_tax.sum())
    cand["uscc"] = cand["uscc"].astype(str)
    return cand.sort_values("uscc").reset_index(drop=True)
