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
import pyarrow as pa
import pyarrow.compute as pc
from pandas.errors import OutOfBoundsDatetime

from ruian_land.core import SCHEMAS, normalise_parcel_id, normalise_uscc, stored_as_number
from ruian_land.io.datecells import EXCEL_EPOCH, vector_dates
from ruian_land.io.textcells import (
    BOOL,
    FLOAT,
    INT,
    TEXT,
    blank_mask,
    kind_codes,
    plain_code_mask,
    squeezed_lower,
    text_values,
    type_codes,
)

__all__ = [
    "BLANK_REPORTED_KINDS",
    "CODE_FIELDS",
    "MISSING_TOKENS",
    "is_blank",
    "parse_bool",
    "parse_columns",
    "parse_dates",
    "parse_numbers",
    "parse_text",
]

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
#: Code columns whose normalisation is reported (``code_repaired``); the USCC ones are also
#: checked for codes that went through a number (``code_stored_as_number``).
CODE_FIELDS: dict[str, Any] = {
    "uscc": normalise_uscc,
    "owner_uscc": normalise_uscc,
    "parcel_id": normalise_parcel_id,
}
#: Firm tables whose blank required figures (实缴税收, 工业增加值, 用电量) are reported cell by cell
#: (``missing_value``); elsewhere a blank required value is rejected by validation with its reason.
BLANK_REPORTED_KINDS: tuple[str, ...] = ("tax", "statistics", "energy")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?")
#: The year datetime64[ns] ends (2262-04-11): a later date (9999-12-31 = 长期) is read as no date.
_LAST_NS_YEAR = 2262
#: ``core.codes``' scientific-notation and 15-digits-then-000 patterns, for RE2 (a plain code that
#: matches one is checked by ``stored_as_number`` cell by cell).
_SCIENTIFIC_RE2 = r"^[+-]?\d+(\.\d*)?E\+?\d+$"
_TRUNCATED_RE2 = r"^\d{15}000$"


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

    Vectorised over the column (pandas string methods, one regex pass per rule), with the same
    result cell for cell as :func:`_number`; a numeric column is passed through as is.

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
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        result = pd.Series(
            series.to_numpy(dtype=float), index=series.index, name=series.name, dtype="float64"
        )
        result.attrs["unparsed"] = []
        return result
    values = series.to_numpy(dtype=object)
    out = np.full(len(values), np.nan)
    kinds = pd.Series(values, dtype=object).map(type)
    is_str = kinds.isin((str,)).to_numpy()  # hash lookups; np.isin would sort the type objects
    is_num = kinds.isin(_NUMERIC_TYPES).to_numpy()
    if is_num.any():
        out[is_num] = values[is_num].astype(float)
    bad = np.zeros(len(values), dtype=bool)
    # anything that is neither text, a number nor blank (bools, dates, lists …) is not a number
    other = ~is_str & ~is_num
    if other.any():
        bad[other] = ~pd.Series(values[other], dtype=object).map(is_blank).to_numpy(dtype=bool)
    if is_str.any():
        nums, ok, blank = _parse_texts(values[is_str])
        out[is_str] = nums
        bad[is_str] = ~ok & ~blank
    result = pd.Series(out, index=series.index, name=series.name, dtype="float64")
    result.attrs["unparsed"] = list(series.index[bad])
    return result


#: Cell types read as numbers as they are (bools are not numbers here).
_INTS = [int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
_NUMERIC_TYPES: tuple[type, ...] = (*_INTS, float, np.float16, np.float32, np.float64)
_MISSING_ARROW = pa.array(sorted(MISSING_TOKENS), type=pa.string())
_STAMP_TYPES: dict[type, int] = {dt.datetime: 1, pd.Timestamp: 1}
_TRUE_ARROW = pa.array(sorted(_TRUE), type=pa.string())
_FALSE_ARROW = pa.array(sorted(_FALSE), type=pa.string())


def _parse_texts(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rules of :func:`_number` for text cells, in Arrow compute kernels (C, no Python loop).

    Returns the numbers (NaN where none), which cells were read, and which were blank tokens.
    """
    arr = pa.array(texts, type=pa.string())
    clean = pc.replace_substring_regex(pc.utf8_normalize(arr, "NFKC"), r"\s+", "")
    low = pc.utf8_lower(clean)
    blank = pc.is_in(low, value_set=_MISSING_ARROW)
    low = pc.replace_substring(low, "，", ",")
    negative = pc.and_(pc.starts_with(low, "("), pc.ends_with(low, ")"))
    body = pc.if_else(negative, pc.utf8_slice_codeunits(low, 1, -1), low)
    percent = pc.ends_with(body, "%")
    body = pc.if_else(percent, pc.utf8_slice_codeunits(body, 0, -1), body)
    grouped = pc.match_substring_regex(body, r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
    body = pc.if_else(grouped, pc.replace_substring(body, ",", ""), body)
    ok = pc.and_(pc.match_substring_regex(body, _NUMBER.pattern), pc.invert(blank))
    nums = pc.cast(pc.if_else(ok, body, pa.scalar(None, pa.string())), pa.float64())
    nums = pc.if_else(negative, pc.negate(nums), nums)
    nums = pc.if_else(percent, pc.divide(nums, 100.0), nums)
    return (
        nums.to_numpy(zero_copy_only=False).astype(float),
        ok.to_numpy(zero_copy_only=False).astype(bool),
        blank.to_numpy(zero_copy_only=False).astype(bool),
    )


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
            return (EXCEL_EPOCH + pd.Timedelta(days=math.floor(num))).normalize()
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
        labels in ``attrs['unparsed']`` (dates before 1678 included). Dates after the last
        ``datetime64[ns]`` day (2262-04-11), such as ``9999-12-31`` typed for 长期, are NaT
        (no date) with their labels in ``attrs['open_ended']``, never an error.
    """
    raw = series.to_numpy(dtype=object)
    out = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[ns]")
    kinds = kind_codes(raw)
    todo = ~blank_mask(raw, MISSING_TOKENS, kinds)
    # date cells of a workbook (the usual case): at once, when within the datetime64[ns] range
    stamps = np.flatnonzero((type_codes(raw, _STAMP_TYPES, 0) == 1) & todo)
    if len(stamps):
        when = pd.DatetimeIndex(raw[stamps])  # microseconds for datetime objects: no overflow
        ok = np.asarray((when.year > 1677) & (when.year < 2262))
        out[stamps[ok]] = when[ok].normalize().as_unit("ns").to_numpy()
        todo[stamps[ok]] = False
    dates, read, bad = vector_dates(raw, todo, kinds)  # texts and numbers, column-wise
    out[read] = dates[read]
    far = np.zeros(len(raw), dtype=bool)
    for i in np.flatnonzero(todo & ~(read | bad)):  # the rest (9999-12-31, other types), cell by cell
        ts = _date(raw[i])
        if ts is None:
            bad[i] = True
        elif not pd.isna(ts):
            stamp = pd.Timestamp(ts)
            try:
                out[i] = stamp.as_unit("ns").to_datetime64()
            except (OverflowError, OutOfBoundsDatetime):
                # 9999-12-31 is how offices type 长期: no end date; before 1678 is a typing error
                (far if stamp.year >= _LAST_NS_YEAR else bad)[i] = True
    result = pd.Series(out, index=series.index, name=series.name, dtype="datetime64[ns]")
    result.attrs["unparsed"] = list(series.index[bad])
    result.attrs["open_ended"] = list(series.index[far])
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
    raw = series.to_numpy(dtype=object)
    kinds = kind_codes(raw)
    out = np.full(len(raw), None, dtype=object)
    todo = ~blank_mask(raw, MISSING_TOKENS, kinds)
    where = np.flatnonzero((kinds == TEXT) & todo)
    if len(where):  # the usual case, in Arrow: 是/否, Y/N, 规上/规下 …
        low = squeezed_lower(raw[where])
        yes = pc.is_in(low, value_set=_TRUE_ARROW).to_numpy(zero_copy_only=False).astype(bool)
        no = pc.is_in(low, value_set=_FALSE_ARROW).to_numpy(zero_copy_only=False).astype(bool)
        out[where[yes]], out[where[no]] = True, False
        todo[where[yes | no]] = False
    flags = (kinds == BOOL) & todo
    out[flags] = raw[flags].astype(bool)
    todo &= ~flags
    where = np.flatnonzero(((kinds == INT) | (kinds == FLOAT)) & todo)
    if len(where):  # 1 / 0 typed as numbers
        nums = raw[where].astype(float)
        ok = (nums == 0.0) | (nums == 1.0)
        out[where[ok]] = nums[ok] == 1.0
        todo[where[ok]] = False
    bad = []
    for i in np.flatnonzero(todo):  # what is left is other numbers and unknown words: reported
        text = _clean(str(raw[i])).lower()
        if text in _TRUE or text in _FALSE:
            out[i] = text in _TRUE
        else:
            bad.append(series.index[int(i)])
    result = pd.Series(out, index=series.index, name=series.name, dtype="boolean")
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
    values = series.to_numpy(dtype=object)
    kinds = kind_codes(values)
    texts = text_values(values, blank_mask(values, MISSING_TOKENS, kinds), kinds, _text)
    result = pd.Series(texts, index=series.index, name=series.name, dtype="str")
    result.attrs["unparsed"] = []
    return result


def parse_columns(
    df: pd.DataFrame, kind: str, *, input_name: str | None = None
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Parse the canonical columns of a mapped frame by their schema kind and apply unit scales.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`ruian_land.core.columns.map_columns` (``attrs['scales']`` and
        ``attrs['source_columns']`` used), with ``source_row``.
    kind : str
        Key of :data:`ruian_land.core.schemas.SCHEMAS`.
    input_name : str, optional
        Name used in the issues (default ``kind``).

    Returns
    -------
    (DataFrame, list of dict)
        A copy with ``float`` fields as float64 (× the alias's unit scale, e.g. 万千瓦时 → kWh
        × 10⁴), ``int`` as nullable Int64, ``date`` as datetime64[ns], ``bool`` as nullable
        boolean, ``str`` as str; and issue dicts (``input, row, column, problem, detail``
        and ``action``, ``kept`` unless said): one per unreadable cell
        (``unparseable_value``), per date beyond 2262 such as ``9999-12-31`` for 长期 (``open_ended_date``:
        read as no date), per blank cell of a required number column of the firm tables
        of :data:`BLANK_REPORTED_KINDS`, such as 实缴税收 (``missing_value``: blank, ``—``,
        ``N/A`` … mean *not reported*, read as NaN, never 0), per code changed by normalisation (``code_repaired``, action
        ``repaired``: full-width characters, spaces, lower case) and per 统一社会信用代码
        that went through a number and lost digits (``code_stored_as_number``, see
        :func:`ruian_land.core.codes.stored_as_number`).
    """
    out = df.copy()
    scales: dict[str, float] = dict(df.attrs.get("scales", {}))
    headers: dict[str, str] = dict(df.attrs.get("source_columns", {}))
    issues: list[dict[str, Any]] = []
    name = input_name or kind
    rows: dict[Any, Any] = out["source_row"].to_dict() if "source_row" in out.columns else {}
    for canon, fld in SCHEMAS[kind].items():
        if canon not in out.columns:
            continue
        raw = out[canon]
        if fld.kind in ("float", "int"):
            parsed = parse_numbers(raw)
            bad = list(parsed.attrs["unparsed"])
            parsed = parsed * scales.get(canon, 1.0)
            if fld.kind == "int":
                frac = parsed.notna() & (parsed != np.round(parsed))
                bad += list(parsed.index[frac])
                parsed = parsed.where(~frac).round().astype("Int64")
        elif fld.kind == "date":
            parsed = parse_dates(raw)
            bad = list(parsed.attrs["unparsed"])
            for label in parsed.attrs["open_ended"]:
                issues.append(
                    {
                        "input": name, "row": int(rows[label]) if label in rows else None,
                        "column": canon, "problem": "open_ended_date", "action": "kept",
                        "detail": f"{headers.get(canon, canon)} = {_shown_date(raw[label])}: read as "
                        "长期/no date (later than any date the toolkit holds, 2262)",
                    }
                )  # fmt: skip
        elif fld.kind == "bool":
            parsed = parse_bool(raw)
            bad = list(parsed.attrs["unparsed"])
        else:
            parsed = parse_text(raw)
            bad = []
            if canon in CODE_FIELDS:
                issues += _code_issues(raw, canon, headers.get(canon, canon), name, rows)
        if fld.required and fld.kind in ("float", "int") and kind in BLANK_REPORTED_KINDS:
            issues += _blank_issues(raw, canon, headers.get(canon, canon), name, rows)
        for label in bad:
            issues.append(
                {
                    "input": name,
                    "row": int(rows[label]) if label in rows else None,
                    "column": canon,
                    "problem": "unparseable_value",
                    "detail": f"{headers.get(canon, canon)} = {raw[label]!r} is not a valid {fld.kind}; "
                    "read as missing",
                }
            )
        out[canon] = parsed
    out.attrs = dict(df.attrs)
    return out, issues


def _shown_date(value: Any) -> str:
    """A date cell as a planner typed it (``'9999-12-31'``), for issue details."""
    if isinstance(value, dt.datetime | dt.date):
        return repr(value.strftime("%Y-%m-%d"))
    return repr(value)


def _code_issues(
    raw: pd.Series, canon: str, header: str, name: str, rows: dict[Any, Any]
) -> list[dict[str, Any]]:
    """``code_stored_as_number`` / ``code_repaired`` issues of one code column."""
    norm = CODE_FIELDS[canon]
    out: list[dict[str, Any]] = []
    values = raw.to_numpy(dtype=object)
    kinds = kind_codes(values)
    # only cells that are not blank and not already a plain code (digits and capitals, no
    # scientific notation, not 15 digits + 000) are looked at one by one
    risky = () if canon == "parcel_id" else (_SCIENTIFIC_RE2, _TRUNCATED_RE2)
    look = ~blank_mask(values, MISSING_TOKENS, kinds) & ~plain_code_mask(values, kinds, risky=risky)
    for label, value in zip(raw.index[look], values[look], strict=True):
        row = int(rows[label]) if label in rows else None
        if canon != "parcel_id" and stored_as_number(value):
            shown = f"{value:.6G}" if isinstance(value, float | np.floating) else str(value)
            out.append(
                {
                    "input": name, "row": row, "column": canon, "problem": "code_stored_as_number",
                    "action": "kept",
                    "detail": f"{header} = {shown}: the code was stored as a number and lost its last "
                    "digits (Excel keeps 15), so it matches no firm; format the column as text and "
                    "re-export",
                }
            )  # fmt: skip
            continue
        if not isinstance(value, str):
            continue
        as_read = value.strip()
        fixed = norm(value)
        if fixed is not None and fixed != as_read:
            out.append(
                {
                    "input": name, "row": row, "column": canon, "problem": "code_repaired",
                    "action": "repaired",
                    "detail": f"{header} {as_read!r} → {fixed!r} (full-width characters, spaces, dashes "
                    "or lower case normalised)",
                }
            )  # fmt: skip
    return out


def _blank_issues(
    raw: pd.Series, canon: str, header: str, name: str, rows: dict[Any, Any]
) -> list[dict[str, Any]]:
    """``missing_value`` issues for blank cells of a required number column."""
    out: list[dict[str, Any]] = []
    values = raw.to_numpy(dtype=object)
    blank = blank_mask(values, MISSING_TOKENS)
    for label, value in zip(raw.index[blank], values[blank], strict=True):
        shown = "blank" if value is None or not isinstance(value, str) or not value.strip() else repr(value)
        out.append(
            {
                "input": name, "row": int(rows[label]) if label in rows else None, "column": canon,
                "problem": "missing_value", "action": "kept",
                "detail": f"{header} is {shown}: not reported, read as missing (not 0)",
            }
        )  # fmt: skip
    return out
