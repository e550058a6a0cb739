"""Texts joined per group in Arrow, for the "occupants of a parcel" columns of every list.

``join_by_group(keys, values)`` is ``values.groupby(keys, sort=False).agg(lambda s: ";".join(map(str, s)))``
without the Python call per group: the values are put in group order once and joined by Arrow's
``binary_join`` over list offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["join_by_group", "join_columns", "join_groups", "join_unique"]


def join_by_group(keys: pd.Series, values: pd.Series, sep: str = ";", *, sort: bool = False) -> pd.Series:
    """Each group's values as text (``str`` of each), joined by ``sep``, in their order.

    Parameters
    ----------
    keys : Series
        Group labels (n rows); missing labels are left out, as ``groupby`` does.
    values : Series
        n values, aligned with ``keys`` by position.
    sep : str
        Separator.
    sort : bool
        Groups in sorted label order (``groupby(sort=True)``); default: in order of first
        appearance (``groupby(sort=False)``).

    Returns
    -------
    Series
        Index: the group labels (named like ``keys``); values: the joined texts (``str`` dtype).
    """
    labels, joined = join_groups(keys, values, sep, sort=sort)
    return pd.Series(joined, index=pd.Index(labels).rename(keys.name), dtype="str")


def join_groups(
    keys: pd.Series, values: pd.Series | pa.Array, sep: str = ";", *, sort: bool = False
) -> tuple[Any, np.ndarray]:
    """:func:`join_by_group` as plain arrays: ``(labels, texts)``, texts an object array of ``str``.

    ``values`` may also be an Arrow string array (aligned with ``keys`` by position, no nulls).

    For callers that scatter the texts into their own rows: no round trip through a ``str``
    Series (each a copy of every text, which counts at a province's millions of texts).
    """
    present = ~pd.isna(keys.to_numpy())
    codes, labels = pd.factorize(keys[present], sort=sort)  # labels keep the keys' dtype
    order = np.argsort(codes, kind="stable")
    if isinstance(values, pa.Array | pa.ChunkedArray):
        texts = values.filter(pa.array(present)).take(pa.array(order)).cast(pa.large_string())
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
    else:
        texts = _arrow_texts(values.to_numpy(dtype=object)[present][order])
    counts = np.bincount(codes, minlength=len(labels))
    # 64-bit offsets: a province's texts pass the 2 GB a plain Arrow string array can hold
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), texts)
    joined_arrow = pc.binary_join(lists, pa.scalar(sep, pa.large_string()))
    del lists, texts  # the pieces go before the joined texts become Python strings
    joined = joined_arrow.to_numpy(zero_copy_only=False).astype(object, copy=False)
    return labels, joined


def _arrow_texts(values: np.ndarray) -> pa.Array:
    """``str()`` of each value as an Arrow ``large_string`` array (no fixed-width numpy copy:
    ``astype(str)`` of a million texts pads every one to the longest)."""
    try:
        arr = pa.array(values, type=pa.large_string())  # the usual case: all already str
        if arr.null_count == 0:
            return arr
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    return pa.array([str(v) for v in values], type=pa.large_string())


def join_columns(parts: Sequence[pd.Series], sep: str, index: pd.Index) -> pd.Series:
    """Per row, the non-empty texts of ``parts`` joined by ``sep``, in the order of ``parts``.

    ``[a, b, c]`` gives ``sep.join(x for x in (a[i], b[i], c[i]) if x)`` for every row ``i``.

    Parameters
    ----------
    parts : sequence of Series of str
        Each aligned with ``index`` by position; ``""`` or missing means nothing.
    sep : str
        Separator.
    index : Index
        The n rows.

    Returns
    -------
    Series of object (str) on ``index``, ``""`` where every part is empty.
    """
    out = np.full(len(index), "", dtype=object)
    pos: list[np.ndarray] = []
    texts: list[np.ndarray] = []
    for part in parts:
        arr = part.to_numpy(dtype=object)
        hit = np.flatnonzero(pd.notna(arr) & (arr != ""))
        pos.append(hit)
        texts.append(arr[hit])
    at = np.concatenate(pos) if pos else np.array([], dtype=np.int64)
    if len(at):
        labels, joined = join_groups(pd.Series(at), pd.Series(np.concatenate(texts)), sep)
        out[np.asarray(labels, dtype=np.int64)] = joined
    return pd.Series(out, index=index, dtype=object)


def join_unique(keys: pd.Series, values: pd.Series, sep: str = "；", *, text_only: bool = False) -> pd.Series:
    """Per key, its distinct values joined by ``sep``, each once in order of first appearance.

    ``groupby(keys)[values].agg(lambda s: sep.join(dict.fromkeys(str(v) for v in s if not
    pd.isna(v))))`` without a Python call per group (:func:`join_by_group`).

    Parameters
    ----------
    keys : Series
        n group keys (parcel ids, codes); missing keys are left out, as ``groupby`` does.
    values : Series
        n values aligned with ``keys`` by position; written as ``str`` of each. Missing values
        (and with ``text_only`` anything but non-empty text) are left out.
    sep : str
        Separator.
    text_only : bool
        Keep only values that are non-empty ``str``.

    Returns
    -------
    Series of str
        Index: every key once, sorted (as ``groupby``); ``""`` for a key with no value kept.
    """
    keep = values.astype(object).str.len().gt(0) if text_only else values.notna()
    mask = keep.to_numpy(dtype=bool)
    kept = pd.DataFrame({"k": keys.to_numpy()[mask], "t": values[mask].astype(str).to_numpy(dtype=object)})
    kept = kept.drop_duplicates()
    joined = join_by_group(kept["k"], kept["t"], sep, sort=True)
    every = pd.Index(pd.unique(keys.dropna())).sort_values()
    return joined if len(joined) == len(every) else joined.reindex(every, fill_value="")
