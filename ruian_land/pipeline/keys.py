"""One row per key in the optional yearly tables (firm_history, investment) the trajectory reads.

A repeated key would be added up — twice a firm's tax, twice a year's investment — so an exact
repeat (every column equal) is dropped with a note, and a conflicting one (same key, different
figures) is refused with the rows named, before any figure is computed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ruian_land.core import InputError, InputWarning

__all__ = ["one_row_per_key"]


def one_row_per_key(table: pd.DataFrame, keys: Sequence[str], source: str, path: Path) -> pd.DataFrame:
    """``table`` without exact repeats; :class:`InputError` on a key repeated with other figures.

    Parameters
    ----------
    table : DataFrame
        A parsed optional table (canonical columns; ``source_row`` the file row when known).
    keys : sequence of str
        The columns that name a row (``uscc``, ``year``; or ``year``).
    source : str
        The source's name in the project config (for the messages).
    path : Path
        Its file.

    Returns
    -------
    DataFrame
        The rows kept, in file order.

    Raises
    ------
    InputError
        A key appears on rows whose figures differ (naming the key and the file rows).
    """
    if not len(table):
        warnings.warn(f"{path}: the {source} table has no rows; it is not used", InputWarning, stacklevel=2)
        return table
    figures = [c for c in table.columns if c != "source_row"]
    exact = table.duplicated(subset=figures, keep="first")
    if exact.any():
        warnings.warn(
            f"{path}: {int(exact.sum())} row(s) of {source} repeat an earlier row exactly and are left out "
            f"(file rows {', '.join(str(r) for r in _rows(table[exact])[:8])})",
            InputWarning,
            stacklevel=2,
        )
    kept = table[~exact]
    clash = kept.duplicated(subset=list(keys), keep=False)
    if clash.any():
        first = kept[clash].sort_values(list(keys), kind="stable").head(6)
        key_text = "; ".join(
            f"{'/'.join(str(first.iloc[i][k]) for k in keys)} (row {r})" for i, r in enumerate(_rows(first))
        )
        raise InputError(
            f"{int(clash.sum())} rows of {source} give different figures for the same {' + '.join(keys)}: "
            f"{key_text}",
            path=path,
            column=", ".join(keys),
            fix="keep one row per key (or add the figures up yourself if they are parts of one total)",
        )
    return kept


def _rows(frame: pd.DataFrame) -> list[int]:
    if "source_row" in frame.columns:
        return [int(r) for r in frame["source_row"]]
    return [int(i) + 2 for i in frame.index]  # header on line 1
