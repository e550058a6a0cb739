"""Membership tests on text columns: which codes are among a set, which texts contain a pattern.

``is_in`` is ``Series.isin`` done in Arrow: pandas' own ``isin`` on a ``str`` column turns every
value of the set into a Python scalar first (half a second per 100 000 codes, called for every
side table against the whole registry), whereas ``pyarrow.compute.is_in`` hashes both sides in C.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["contains_any", "is_in"]


def _texts(values: Any) -> pa.Array | pa.ChunkedArray | None:
    """The values as an Arrow ``large_string`` array, or None when they are not all text."""
    try:
        if isinstance(values, pd.Series | pd.Index):
            if isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
                data = values.to_numpy() if values.dtype == object else values.array
                arr = pa.array(data, from_pandas=True)
            else:
                return None
        else:
            arr = pa.array(list(values), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
        return None
    if pa.types.is_null(arr.type):
        return arr.cast(pa.large_string())
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    return arr.cast(pa.large_string())


def is_in(values: pd.Series, among: pd.Series | pd.Index | Iterable[Any]) -> np.ndarray:
    """Where ``values`` are among ``among``: ``values.isin(among).to_numpy(bool)``, faster on text.

    Parameters
    ----------
    values : Series
        n values (codes, ids), any index.
    among : Series, Index or iterable
        The set to look in (a registry's codes, a dict's keys).

    Returns
    -------
    ndarray of bool, shape (n,), aligned with ``values`` by position. Missing values are among a
    set that holds a missing value, as with ``Series.isin``.

    Notes
    -----
    Text on both sides is matched in Arrow (``pyarrow.compute.is_in``); anything else (numbers,
    mixed objects) falls back to ``Series.isin`` with the same result.
    """
    if not isinstance(among, pd.Series | pd.Index | list | tuple | np.ndarray):
        among = list(among)
    left, right = _texts(values), _texts(among)
    if left is None or right is None:
        return values.isin(among).to_numpy(dtype=bool)
    if isinstance(right, pa.ChunkedArray):
        right = right.combine_chunks()
    return np.asarray(pc.is_in(left, value_set=right), dtype=bool)


def contains_any(text: pd.Series, patterns: Sequence[str]) -> pd.Series:
    """True where the text contains any of ``patterns`` (plain substrings; ``""`` matches all).

    Parameters
    ----------
    text : Series of str
        Missing texts contain nothing (but ``""``).
    patterns : sequence of str

    Returns
    -------
    Series of bool, same index as ``text``.
    """
    if any(x == "" for x in patterns):
        return pd.Series(True, index=text.index, dtype=bool)
    if not patterns:
        return pd.Series(False, index=text.index, dtype=bool)
    regex = "|".join(re.escape(x) for x in patterns)
    return text.astype(str).str.contains(regex, regex=True).astype(bool)
