"""A sheet's cells as one 2-D object array, and the column-wise steps of reading it.

:func:`to_grid` pads the rows and blanks the empty texts, :func:`expand_merges` fills merged
ranges, :func:`classify_rows` finds the blank, totals (合计 …) and note (注：…) rows below a
header. Text tests run in Arrow compute kernels over every text cell at once (no Python loop
over rows or cells); only the few totals and note rows found are looked at one by one.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ruian_land.io.textcells import type_codes

__all__ = ["classify_rows", "expand_merges", "text_mask", "to_grid"]

#: Cell type codes: empty, text, anything else (numbers, dates, bools).
_EMPTY, _TEXT, _OTHER = 0, 1, 2
_KIND: dict[type, int] = {type(None): _EMPTY, str: _TEXT}
_SPACES = r"[\s\p{Z}]+"  # RE2: ASCII and Unicode spaces (Python's \s in a str pattern)


def _kinds(grid: np.ndarray) -> np.ndarray:
    return type_codes(grid, _KIND, _OTHER)


def text_mask(grid: np.ndarray) -> np.ndarray:
    """Boolean array of ``grid``'s shape: True where the cell is a ``str``."""
    if grid.size == 0:
        return np.zeros(grid.shape, dtype=bool)
    return _kinds(grid) == _TEXT  # type: ignore[no-any-return]


def to_grid(rows: list[list[Any]]) -> np.ndarray:
    """The rows as an ``(n_rows, width)`` object array: short rows padded with None, texts that
    are empty or only spaces set to None (as a blank cell)."""
    width = max((len(r) for r in rows), default=0)
    grid = np.empty((len(rows), width), dtype=object)
    if grid.size == 0:
        return grid
    if all(len(r) == width for r in rows):
        grid[:, :] = rows
    else:  # csv lines of different lengths
        grid[:, :] = [list(r) + [None] * (width - len(r)) for r in rows]
    texts = text_mask(grid)
    if texts.any():
        stripped = pc.utf8_trim_whitespace(pa.array(grid[texts], type=pa.string()))
        blank = pc.equal(stripped, "").to_numpy(zero_copy_only=False)
        values = grid[texts]
        values[blank] = None
        grid[texts] = values
    return grid


def expand_merges(grid: np.ndarray, merges: list[tuple[int, int, int, int]], header_end: int | None) -> None:
    """Copy each merged range's top-left value into its empty cells, in place: always within the
    header rows (< ``header_end``; all rows when None); below the header only a text value (a
    merged number would count twice)."""
    n = grid.shape[0]
    for r0, r1, c0, c1 in merges:
        if r0 >= n:
            continue
        value = grid[r0, c0] if c0 < grid.shape[1] else None
        if value is None:
            continue
        last = min(r1, n - 1)
        if header_end is not None and not isinstance(value, str):
            last = min(last, header_end - 1)
        if last < r0:
            continue
        block = grid[r0 : last + 1, c0 : c1 + 1]  # a view
        block[pd.isna(block)] = value


def _matches(cells: np.ndarray, pattern: str, *, squeeze: bool, ignore_case: bool = False) -> np.ndarray:
    """Which text cells match an RE2 ``pattern`` after NFKC, spaces removed (``squeeze``) or
    trimmed."""
    text = pc.utf8_normalize(pa.array(cells, type=pa.string()), "NFKC")
    text = pc.replace_substring_regex(text, _SPACES, "") if squeeze else pc.utf8_trim_whitespace(text)
    hit = pc.match_substring_regex(text, pattern, ignore_case=ignore_case)
    return hit.to_numpy(zero_copy_only=False).astype(bool)  # type: ignore[no-any-return]


def _text(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def classify_rows(body: np.ndarray, totals: str, note: str) -> tuple[np.ndarray, list[dict[str, Any]], int]:
    """The data rows below a header, the rows dropped and why, and the rows counted.

    Parameters
    ----------
    body : ndarray
        ``(n, width)`` object cells below the header (:func:`to_grid`, merges expanded).
    totals : str
        RE2 pattern of a totals cell, matched on each text cell without its spaces,
        case-insensitively (:data:`ruian_land.io.tables.TOTALS_PATTERN`).
    note : str
        RE2 pattern of a note, matched on the only cell of a row.

    Returns
    -------
    keep : ndarray of bool
        Rows holding data (not blank, not totals, not a note).
    dropped : list of dict
        ``row`` (1-based below the header), ``problem`` (``totals_row`` | ``note_row``), ``detail``.
    rows_in : int
        Rows that are not blank (totals and notes included).
    """
    n, width = body.shape
    if n == 0 or width == 0:
        return np.zeros(n, dtype=bool), [], 0
    filled = np.asarray(~pd.isna(body), dtype=bool)
    texts = text_mask(body)
    nonblank = filled.any(axis=1)
    total_hit = np.zeros(body.shape, dtype=bool)
    note_hit = np.zeros(body.shape, dtype=bool)
    if texts.any():
        cells = body[texts]
        total_hit[texts] = _matches(cells, totals, squeeze=True, ignore_case=True)
        single = texts & (filled.sum(axis=1) == 1)[:, None]
        if single.any():
            note_hit[single] = _matches(body[single], note, squeeze=False)
    is_total: np.ndarray = np.asarray(total_hit.any(axis=1) & nonblank, dtype=bool)
    is_note: np.ndarray = np.asarray(note_hit.any(axis=1) & ~is_total, dtype=bool)
    dropped = []
    for i in np.flatnonzero(is_total | is_note):  # the few rows dropped, for the ledger
        if is_total[i]:
            label = _text(body[i, int(np.argmax(total_hit[i]))])
            dropped.append(
                {"row": int(i) + 1, "problem": "totals_row", "detail": f"'{label}' row, not a firm"}
            )
        else:
            text = _text(body[i, int(np.argmax(note_hit[i]))])
            dropped.append({"row": int(i) + 1, "problem": "note_row", "detail": f"note '{text[:40]}'"})
    keep: np.ndarray = np.asarray(nonblank & ~is_total & ~is_note, dtype=bool)
    return keep, dropped, int(nonblank.sum())
