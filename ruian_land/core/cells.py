"""Cells that are safe to open: text that a spreadsheet would run as a formula is written as text.

A firm name such as ``=HYPERLINK("http://…","点我")`` comes from a bureau's table as data. Written
as is into a CSV, Excel and LibreOffice run it as a formula when the planner opens the file (CSV
injection, OWASP); xlsxwriter does the same in an xlsx unless told not to. Exports therefore

* write xlsx with :data:`XLSX_OPTIONS` (strings stay strings), and
* pass every CSV table through :func:`defuse_formulas`, which puts an apostrophe before text
  that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (what spreadsheets
  treat as the start of a formula); numbers are not touched.

Source: OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "XLSX_OPTIONS", "all_text", "defuse_formulas", "defuse_text", "text_cells"]

#: First characters a spreadsheet reads as the start of a formula (OWASP CSV Injection).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: xlsxwriter workbook options for every export: text is never turned into a formula, a URL or a
#: number (``pd.ExcelWriter(..., engine_kwargs={"options": XLSX_OPTIONS})``).
XLSX_OPTIONS: dict[str, bool] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def defuse_text(value: Any) -> Any:
    """``value`` with an apostrophe in front when it is text beginning like a formula, else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def all_text(values: pd.Series) -> bool:
    """True when every non-missing value of ``values`` is a ``str`` (a ``str`` column, or an
    object column that ``pandas.api.types.infer_dtype`` finds holds only text): per-cell
    checks can then be column operations."""
    if isinstance(values.dtype, pd.StringDtype):
        return True
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) == "string"


def text_cells(values: pd.Series) -> pd.Series:
    """Boolean Series (same index): where the value is a ``str``."""
    if all_text(values):
        return values.notna()
    return values.map(lambda v: isinstance(v, str)).astype(bool)


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    Parameters
    ----------
    frame : DataFrame
        Any table about to be written as CSV; same index and columns are returned.

    Returns
    -------
    DataFrame
        Text cells (object or string columns) that begin with one of :data:`FORMULA_STARTS`
        get a leading apostrophe; numeric, boolean and date columns are unchanged. The input is
        not modified.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        text = text_cells(s)
        if not text.any():
            continue
        risky = text & s.where(text, "").astype(str).str.startswith(FORMULA_STARTS)
        if risky.any():
            values = s.to_numpy(dtype=object, copy=True)  # object: None stays None
            hit = risky.to_numpy(dtype=bool)
            values[hit] = "'" + s[hit].astype(str).to_numpy(dtype=object)
            out[col] = pd.Series(values, index=s.index, dtype=s.dtype, name=col)
    return out
