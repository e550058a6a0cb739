"""Values keyed by parcel id or firm code placed on a long column of those keys with as few hash
look-ups as possible: ``keys.map(by_key)`` hashes the long column every time (24 such look-ups
were 7 s of linking 1M parcels, 34 were 13 s of screening them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.extensions import take

__all__ = ["KeyPositions", "map_by_key"]


def map_by_key(keys: pd.Series, table: pd.DataFrame, columns: Sequence[str]) -> dict[str, pd.Series]:
    """``keys.map(table[c])`` for each of ``columns``, hashing ``keys`` against the index once.

    Parameters
    ----------
    keys : Series
        n keys (codes, ids), any index.
    table : DataFrame
        Indexed by key; a repeated key falls back to ``keys.map`` (which then raises as it does).
    columns : sequence of str
        Columns of ``table``.

    Returns
    -------
    dict
        Column → Series aligned with ``keys`` (same index and name), values and dtype as
        ``keys.map(table[c])``: missing where the key is not in ``table``. Columns of Python
        objects are mapped by ``keys.map`` itself (pandas infers their result dtype from the values).
    """
    if not len(keys) or not table.index.is_unique:
        return {c: keys.map(table[c]) for c in columns}
    indexer = table.index.get_indexer(pd.Index(keys, copy=False))
    out: dict[str, pd.Series] = {}
    for c in columns:
        column = table[c]
        if column.dtype == object:
            out[c] = keys.map(column)
            continue
        data = column.to_numpy() if isinstance(column.array, pd.arrays.NumpyExtensionArray) else column.array
        out[c] = pd.Series(take(data, indexer, allow_fill=True), index=keys.index, name=keys.name)
    return out


class KeyPositions:
    """Positions of keys in one column (parcel ids, firm codes), for repeated look-ups.

    Parameters
    ----------
    keys : Series
        n keys, any index; unique keys are looked up through one cached :class:`pandas.Index`,
        repeated ones through ``keys.map`` (the same result, slower).
    """

    def __init__(self, keys: pd.Series) -> None:
        self.keys = keys
        self.index = pd.Index(keys)
        self.unique = bool(self.index.is_unique)

    def take(self, by_key: pd.Series, fill: float = np.nan) -> np.ndarray:
        """``keys.map(by_key).astype(float).fillna(fill)`` as a float array of shape (n,).

        Parameters
        ----------
        by_key : Series
            Numbers indexed by unique keys (a groupby result, a frame indexed by its key);
            keys not among ``keys`` are ignored.
        fill : float
            For keys ``by_key`` does not have and for its missing values.

        Returns
        -------
        ndarray of float64, aligned with ``keys`` by position.
        """
        if not self.unique:
            return self.keys.map(by_key).astype(float).fillna(fill).to_numpy(dtype=float)
        out = np.full(len(self.index), np.nan)
        pos = self.index.get_indexer(by_key.index)
        found = pos >= 0
        out[pos[found]] = by_key.to_numpy(dtype=float, na_value=np.nan)[found]
        return out if np.isnan(fill) else np.where(np.isnan(out), fill, out)

    def positions_of(self, values: pd.Series) -> np.ndarray:
        """Position in ``keys`` of each of ``values`` (-1 when absent), shape (len(values),)."""
        if not self.unique:
            raise ValueError("positions_of needs unique keys")
        return np.asarray(self.index.get_indexer(values))
