"""Texts joined per group in Arrow, for the "occupants of a parcel" columns of every list.

``join_by_group(keys, values)`` is ``values.groupby(keys, sort=False).agg(lambda s: ";".join(map(str, s)))``
without the Python call per group: the values are put in group order once and joined by Arrow's
``binary_join`` over list offsets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["join_by_group"]


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
    present = ~pd.isna(keys.to_numpy())
    codes, labels = pd.factorize(keys[present], sort=sort)  # labels keep the keys' dtype
    order = np.argsort(codes, kind="stable")
    texts = np.asarray(values.to_numpy(dtype=object)[present][order]).astype(str)  # str() of each
    counts = np.bincount(codes, minlength=len(labels))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), pa.array(texts, type=pa.string()))
    joined = pc.binary_join(lists, sep).to_numpy(zero_copy_only=False).astype(object)
    return pd.Series(joined, index=pd.Index(labels).rename(keys.name), dtype="str")
