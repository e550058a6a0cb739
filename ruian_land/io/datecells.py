"""Date cells read column-wise: texts (``2019-03-01``, ``2019/3/1``, ``2019年3月1日``, ``20190301``,
``2019-03``) in Arrow compute kernels and numbers (``20190301``, Excel serial days) in numpy.

:func:`vector_dates` gives, cell for cell, what the per-cell rule ``parse._date`` gives for the
cells it settles, and hands back the others (texts the pattern does not fit, years outside
``datetime64[ns]`` such as ``9999-12-31`` typed for 长期, cells of other types) for that rule to
decide, so a county's lease and registry dates are not a Python call per cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ruian_land.io.textcells import FLOAT, INT, TEXT, squeezed_lower

__all__ = ["EXCEL_EPOCH", "vector_dates"]

#: Day 0 of Excel's 1900 date system (serial 1 = 1900-01-01, with Excel's 1900 leap-year bug).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: ``parse._DATE`` after spaces are removed, for RE2 (ASCII digits: NFKC has made them so).
_DATE_RE2 = r"^(?P<y>[0-9]{4})[-/.年](?P<m>[0-9]{1,2})(?:[-/.月](?P<d>[0-9]{1,2})日?)?"
_EIGHT_RE2 = r"^[0-9]{8}$"
#: Years whose every day fits ``datetime64[ns]`` (1677-09-21 .. 2262-04-11); others go cell by cell.
_NS_YEARS = (1678, 2261)


def vector_dates(
    raw: np.ndarray, todo: np.ndarray, kinds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read the text and number cells among ``todo`` as dates, at once.

    Parameters
    ----------
    raw : ndarray of object, shape (n,)
        Raw cells.
    todo : ndarray of bool, shape (n,)
        Cells still to read (not blank, not already a date).
    kinds : ndarray of int8, shape (n,)
        :func:`ruian_land.io.textcells.kind_codes` of ``raw``.

    Returns
    -------
    dates : ndarray of datetime64[ns], shape (n,)
        The dates read (NaT elsewhere).
    read : ndarray of bool
        Cells read as a date.
    unreadable : ndarray of bool
        Cells settled as not a date (a number neither ``YYYYMMDD`` nor an Excel serial day, a
        day that does not exist such as ``2019-02-30``).

    Cells of ``todo`` in neither mask are left to the per-cell rule.
    """
    n = len(raw)
    year = np.zeros(n, dtype=np.int64)
    month = np.zeros(n, dtype=np.int64)
    day = np.zeros(n, dtype=np.int64)
    parts = np.zeros(n, dtype=bool)  # year, month, day found
    dates = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    read = np.zeros(n, dtype=bool)
    unreadable = np.zeros(n, dtype=bool)

    nums = np.flatnonzero(todo & ((kinds == FLOAT) | (kinds == INT)))
    if len(nums):
        value = raw[nums].astype(float)
        whole = np.isfinite(value) & (value == np.floor(np.where(np.isfinite(value), value, 0.0)))
        ymd = whole & (value >= 19000101) & (value <= 21001231)
        serial = ~ymd & (value >= 1) & (value < 100_000)
        digits = value[ymd].astype(np.int64)
        at = nums[ymd]
        year[at], month[at], day[at] = digits // 10_000, digits // 100 % 100, digits % 100
        parts[at] = True
        days = np.floor(value[serial]).astype(np.int64)
        dates[nums[serial]] = (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).as_unit("ns").to_numpy()
        read[nums[serial]] = True
        unreadable[nums[~ymd & ~serial]] = True

    texts = np.flatnonzero(todo & (kinds == TEXT))
    if len(texts):
        clean = squeezed_lower(raw[texts])
        eight = pc.fill_null(pc.match_substring_regex(clean, _EIGHT_RE2), False)
        found = pc.extract_regex(clean, _DATE_RE2)  # null where the pattern does not fit
        matched = pc.and_not(found.is_valid(), eight)

        def part(name: str, start: int, stop: int, default: str) -> np.ndarray:
            text = pc.if_else(
                eight,
                pc.utf8_slice_codeunits(clean, start, stop),
                pc.if_else(matched, found.field(name), pa.scalar(default, pa.string())),
            )
            text = pc.fill_null(text, default)
            text = pc.if_else(pc.equal(text, ""), pa.scalar(default, pa.string()), text)  # no day: the 1st
            return np.asarray(pc.cast(text, pa.int64()), dtype=np.int64)

        y, m, d = part("y", 0, 4, "0"), part("m", 4, 6, "0"), part("d", 6, 8, "1")
        matched = np.asarray(matched, dtype=bool)
        fits = np.asarray(eight, dtype=bool) | matched
        at = texts[fits]
        year[at], month[at], day[at] = y[fits], m[fits], d[fits]
        parts[at] = True

    inside = parts & (year >= _NS_YEARS[0]) & (year <= _NS_YEARS[1])
    if inside.any():
        when = pd.to_datetime(
            pd.DataFrame({"year": year[inside], "month": month[inside], "day": day[inside]}), errors="coerce"
        ).to_numpy(dtype="datetime64[ns]")
        at = np.flatnonzero(inside)
        ok = ~np.isnat(when)
        dates[at[ok]] = when[ok]
        read[at[ok]] = True
        unreadable[at[~ok]] = True  # no such day (month 13, 30 February): as Timestamp() refuses
    return dates, read, unreadable
