"""Industry codes (GB/T 4754): the 2-digit division, prefix look-ups of per-industry rule tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["industry_digits", "industry_division", "industry_lookup", "starts_with_any"]


def industry_division(codes: pd.Series) -> pd.Series:
    """2-digit GB/T 4754 division (``"3311"`` → ``"33"``, ``"C3311"`` → ``"33"``); NaN when unknown."""
    txt = industry_digits(codes)
    div = txt.str.slice(0, 2)
    return div.where(div.str.fullmatch(r"\d\d").fillna(False).astype(bool), other=np.nan)


def industry_digits(codes: pd.Series) -> pd.Series:
    """Industry codes as bare digits (``"C3311"`` → ``"3311"``), ``""`` when unknown."""
    txt = codes.astype(object).where(codes.notna(), "").astype(str).str.strip().str.upper()
    return txt.str.replace(r"^[A-Z]+", "", regex=True).str.replace(r"\.0$", "", regex=True)


def industry_lookup(codes: pd.Series, table: Mapping[str, Any]) -> pd.Series:
    """Value of the longest key of ``table`` that starts each GB/T 4754 code.

    Parameters
    ----------
    codes : Series
        Industry codes (``"2921"``, ``"C2921"`` …), any index.
    table : mapping
        ``{code prefix: value}``, e.g. ``standard_land.far_by_industry``.

    Returns
    -------
    Series
        Same index; NaN where no key matches (or the code is missing).

    >>> industry_lookup(pd.Series(["2921", "2911", "5111"]), {"29": 0.9, "292": 1.0}).tolist()
    [1.0, 0.9, nan]
    """
    keys = sorted((str(k) for k in table), key=len, reverse=True)
    digits = industry_digits(codes)
    out = pd.Series(np.nan, index=codes.index, dtype=float)
    todo = np.array(digits != "", dtype=bool)
    for k in keys:  # longest key first: a row takes the first key that starts it
        hit = todo & digits.str.startswith(k).to_numpy(dtype=bool)
        out[hit] = float(table[k])
        todo &= ~hit
    return out


def starts_with_any(codes: pd.Series, prefixes: Sequence[Any]) -> pd.Series:
    """True where the code's digits start with one of ``prefixes`` (same index as ``codes``)."""
    pre = tuple(str(x) for x in prefixes)
    digits = industry_digits(codes)
    if not pre:
        return pd.Series(False, index=codes.index, dtype=bool)
    return ((digits != "") & digits.str.startswith(pre)).astype(bool)
