"""Values keyed by parcel id or firm code placed on a long column of those keys, with one hash
table per column instead of one per look-up (``keys.map(by_key)`` hashes the long column every
time: 24 such look-ups were 7 s of linking 1M parcels)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["KeyPositions"]


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
