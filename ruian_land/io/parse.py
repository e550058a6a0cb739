"""Cell parsers for bureau tables: numbers with thousands separators and dashes, dates in the
forms Chinese offices type them, 是/否 and 规上/规下 flags, codes as text.

Each parser returns a Series with the same index and records the labels of cells that were
not blank but could not be read in ``result.attrs['unparsed']`` (those become NaN / NaT / NA,
never 0), so the ledger can report them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MISSING_TOKENS", "is_blank", "parse_bool", "parse_dates", "parse_numbers", "parse_text"]

#: Cell texts meaning "not reported" (after NFKC and whitespace removal).
MISSING_TOKENS = frozenset(
    {
        "",
        "-",
        "--",
        "---",
        "—",
        "——",
        "–",
        "/",
        "\\",
        "na",
        "n/a",
        "nan",
        "null",
        "none",
        "无数据",
        "暂无",
        "不详",
    }
)
_TRUE = frozenset(
    {"是", "y", "yes", "true", "t", "1", "有", "√", "✓", "✔", "规上", "规模以上", "规上企业", "规上工业"}
)
_FALSE = frozenset(
    {"否", "n", "no", "false", "f", "0", "无", "×", "✗", "规下", "规模以下", "规下企业", "规下工业"}
)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def is_blank(value: Any) -> bool:
    """True for None, NaN, NaT, pd.NA and texts in :data:`MISSING_TOKENS`."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return _clean(value).lower() in MISSING_TOKENS
    return False


def _number(value: Any) -> float | None:
    """A float, NaN for blank, or None when the cell cannot be read as a number."""
    if is_blank(value):
        return math.nan
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if not isinstance(value, str):
        return None
    text = _clean(value).lower().replace("，", ",")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return None
    num = float(text)
    if negative:
        num = -num
    return num / 100.0 if percent else num


def parse_numbers(series: pd.Series) -> pd.Series:
    """Parse a column of numbers as bureaus type them.

    ``1,234.5`` → 1234.5, ``(12)`` → -12, ``12%`` → 0.12, full-width digits accepted;
    blank, ``—``, ``-``, ``/``, ``NA`` … → NaN (never 0). Numbers already numeric pass through.

    Parameters
    ----------
    series : Series
        Raw cells (str, int, float or None), any index.

    Returns
    -------
    Series
        float64, same index and name; ``attrs['unparsed']`` lists the index labels of
        non-blank cells that are not numbers (set to NaN).
    """
    out = np.empty(len(series), dtype=float)
    bad = []
    for i, (label, value) in enumerate(series.items()):
        num = _number(value)
        if num is None:
            bad.append(label)
            num = math.nan
        out[i] = num
    result = pd.Series(out, index=series.index, name=series.name, dtype="float64")
    result.attrs["unparsed"] = bad
    return result


def _date(value: Any) -> Any:
    """A Timestamp, NaT for blank, or None when unreadable."""
    if is_blank(value):
        return pd.NaT
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | np.datetime64):
        ts = pd.Timestamp(value)
        return ts.normalize() if not pd.isna(ts) else pd.NaT
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        num = float(value)
        if num.is_integer() and 19000101 <= num <= 21001231:
            value = str(int(num))
        elif 1 <= num < 100_000:  # an Excel serial day number
            return (_EXCEL_EPOCH + pd.Timedelta(days=math.floor(num))).normalize()
        else:
            return None
    if not isinstance(value, str):
        return None
    text = _clean(value)
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DATE.match(text)
    if m is None:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    try:
        return pd.Timestamp(year=year, month=month, day=day)
    except ValueError:
        return None


def parse_dates(series: pd.Series) -> pd.Series:
    """Parse a column of dates: ``2019-03-01``, ``2019/3/1``, ``2019.3.1``, ``2019年3月1日``,
    ``20190301``, ``2019-03`` (→ 1st of the month), Excel serial numbers and datetime cells.

    Parameters
    ----------
    series : Series
        Raw cells, any index.

    Returns
    -------
    Series
        ``datetime64[ns]``, same index and name; NaT when blank or unreadable; unreadable
        labels in ``attrs['unparsed']``.
    """
    values = []
    bad = []
    for label, value in series.items():
        ts = _date(value)
        if ts is None:
            bad.append(label)
            ts = pd.NaT
        values.append(ts)
    result = pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
    result.index = series.index
    result.name = series.name
    result.attrs["unparsed"] = bad
    return result


def parse_bool(series: pd.Series) -> pd.Series:
    """Parse yes/no flags: 是/否, Y/N, 1/0, true/false, 有/无, √/×, and 规上/规下
    (规模以上/规模以下) for ``above_scale``.

    Parameters
    ----------
    series : Series
        Raw cells, any index.

    Returns
    -------
    Series
        pandas nullable ``boolean``, same index and name; ``<NA>`` when blank or unreadable;
        unreadable labels in ``attrs['unparsed']``. Callers decide what a blank flag means.
    """
    values: list[bool | None] = []
    bad = []
    for label, value in series.items():
        if is_blank(value):
            values.append(None)
            continue
        if isinstance(value, bool | np.bool_):
            values.append(bool(value))
            continue
        if isinstance(value, int | float | np.integer | np.floating) and float(value) in (0.0, 1.0):
            values.append(bool(value))
            continue
        text = _clean(str(value)).lower()
        if text in _TRUE:
            values.append(True)
        elif text in _FALSE:
            values.append(False)
        else:
            bad.append(label)
            values.append(None)
    result = pd.Series(values, index=series.index, name=series.name, dtype="boolean")
    result.attrs["unparsed"] = bad
    return result


def _text(value: Any) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, pd.Timestamp | dt.datetime):
        return pd.Timestamp(value).date().isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip() or None


def parse_text(series: pd.Series) -> pd.Series:
    """Text cells as ``str`` (NFKC, stripped); integral numbers as their digits (``3311.0`` →
    ``'3311'``, so codes read from Excel keep their form); blank and dashes → missing.

    Returns
    -------
    Series
        pandas ``str`` dtype with missing values, same index and name.
    """
    result = pd.Series([_text(v) for v in series], index=series.index, name=series.name, dtype="str")
    result.attrs["unparsed"] = []
    return result
