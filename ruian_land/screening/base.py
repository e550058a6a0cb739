"""Shared vocabulary of the screening stage: list statuses, group labels, column helpers.

Both the screening rules (:mod:`.assess`, :mod:`.parcel_rules`, :mod:`.firm_rules`) and the
整治清单 (:mod:`.rectification`, :mod:`.summaries`, :mod:`.tracking`) import from here, so
neither side imports the other.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

from ruian_land.rules import RuleSet
from ruian_land.screening.idle import truthy

__all__ = [
    "OUTSIDE_PARKS",
    "STATUSES",
    "STATUS_CLOSED",
    "STATUS_IN_PROGRESS",
    "STATUS_TODO",
    "UNKNOWN_TOWN",
    "ScreeningFrames",
    "column_or",
    "mapped_text",
    "numeric",
    "text_of",
    "truthy_flags",
]

#: Closed-loop status (plan §三(一)1 闭环管理; §三(一)2 达标销号); flagged firms start 待整治.
STATUS_TODO = "待整治"
STATUS_IN_PROGRESS = "整治中"
STATUS_CLOSED = "已销号"
STATUSES: tuple[str, ...] = (STATUS_TODO, STATUS_IN_PROGRESS, STATUS_CLOSED)
#: Group label for parcels and firms outside any park in the summaries by park.
OUTSIDE_PARKS = "园区外"
#: Group label when the town is not recorded.
UNKNOWN_TOWN = "未标注乡镇"


class ScreeningFrames(Protocol):
    """What the summaries read of a :class:`~ruian_land.screening.result.Screening`."""

    parcels: pd.DataFrame
    firms: pd.DataFrame
    rules: RuleSet


def column_or(df: pd.DataFrame, name: str, default: Any = np.nan) -> pd.Series:
    """``df[name]``, or a Series of ``default`` on ``df``'s index when the column is absent."""
    if name in df.columns:
        return df[name]
    return pd.Series(default, index=df.index)


def numeric(df: pd.DataFrame, name: str) -> pd.Series:
    """Column as float (NaN where absent or not a number)."""
    return pd.to_numeric(column_or(df, name), errors="coerce").astype(float)


def truthy_flags(s: pd.Series) -> pd.Series:
    """是/否, yes/no, 1/0 … as bool (see :func:`ruian_land.screening.idle.truthy`).

    :func:`~ruian_land.screening.idle.truthy` is applied once per distinct value (a yes/no
    column has a handful), not once per row.
    """
    if s.dtype == bool:
        return s.copy()
    codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
    hits = np.array([truthy(u) for u in uniques] + [False], dtype=bool)  # code -1 (missing) → False
    return pd.Series(hits[codes], index=s.index, dtype=bool)


def text_of(s: pd.Series) -> pd.Series:
    """Stripped text (``str`` of each value, ``str`` dtype), ``""`` for missing values."""
    if isinstance(s.dtype, pd.StringDtype):  # texts already: no round trip through objects
        return s.astype("str").fillna("").str.strip()
    obj = s.astype(object).where(s.notna(), "")
    return obj.astype(str).str.strip()


def mapped_text(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys.map(mapping)`` as text, ``""`` where there is no match."""
    return text_of(keys.map(mapping).astype(object))
