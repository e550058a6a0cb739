"""Closed-loop tracking of the 《高耗低效整治企业清单》 across runs (plan §三(一)1 闭环管理).

A planner opens the exported list (xlsx or csv, Chinese headers), sets each row's ``整治状态``
(待整治 → 整治中 → 已销号), fills 整治措施, 责任单位, 完成时限 and 跟踪备注, maybe adds columns of
their own. Next quarter the tool runs on new data; :func:`merge_status` carries all of that over
to the new list **by code** (``uscc`` for firms, ``parcel_id`` for parcels), never by row number:

* a row on both lists keeps the planner's columns and ``first_listed``; a row the planner closed
  (已销号) that the new data still flags keeps 已销号 with the note 已销号但本次仍被识别 so the
  planner can check it;
* a row new to the list starts at 待整治 with the note 新列入;
* a row on the previous list that the new run no longer flags is **kept** (with its previous
  figures, ``on_current_list`` false and the note 本次未再识别 (no longer flagged)), never
  silently dropped, whatever its status;
* planner columns the tool does not know (extra headers) are carried over unchanged.

The previous list is read with :func:`ruian_land.io.read_table`; its Chinese headers are mapped
back to canonical names through :data:`ruian_land.core.labels.LABELS_ZH` (also the ``label (column)``
form used when two columns share a label, and English names).
"""

from __future__ import annotations

import datetime as dt
import difflib
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import InputError, InputWarning, is_in, is_valid_uscc, label_zh, normalise_header
from ruian_land.io import read_table
from ruian_land.screening.base import STATUS_CLOSED, STATUS_TODO, STATUSES
from ruian_land.screening.idle import truthy
from ruian_land.screening.rectification import (
    FIRM_LIST_COLUMNS,
    FIRM_SHEET,
    PARCEL_LIST_COLUMNS,
    PARCEL_SHEET,
    PLANNER_COLUMNS,
)

__all__ = [
    "NOTE_GONE",
    "NOTE_NEW",
    "NOTE_REFLAGGED",
    "merge_status",
    "read_list",
]

#: Tracking notes written by :func:`merge_status`.
NOTE_NEW = "新列入"
NOTE_REFLAGGED = "已销号但本次仍被识别,请核实"
NOTE_GONE = "本次未再识别 (no longer flagged)"

_TOOL_TRACKING = ("first_listed", "last_flagged", "on_current_list", "tracking_note")


def _canonical_map(columns: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in columns:
        lab = label_zh(c)
        for form in (c, lab, f"{lab} ({c})", f"{lab}({c})"):
            out.setdefault(normalise_header(form), c)
    return out


def _known_columns(key: str, extra: Iterable[str] = ()) -> list[str]:
    base = FIRM_LIST_COLUMNS if key == "uscc" else PARCEL_LIST_COLUMNS
    return list(dict.fromkeys([*base, *extra]))


def _rename(frame: pd.DataFrame, known: Iterable[str]) -> pd.DataFrame:
    mapping = _canonical_map(known)
    rename: dict[Any, str] = {}
    for col in frame.columns:
        canon = mapping.get(normalise_header(col))
        if canon is not None and canon not in rename.values():
            rename[col] = canon
    return frame.rename(columns=rename)


def _xlsx_sheets(path: Path) -> list[str]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise InputError(
            f"cannot open the workbook: {exc}", path=str(path), fix="re-save it as .xlsx"
        ) from None
    names = list(wb.sheetnames)
    wb.close()
    return names


def read_list(
    path: str | Path,
    *,
    key: str,
    sheet: str | int | None = None,
    columns: Iterable[str] = (),
) -> pd.DataFrame:
    """Read an exported list (xlsx / csv, Chinese or English headers) back to canonical names.

    Parameters
    ----------
    path : str or Path
        The file the tool exported and the planner edited.
    key : {"uscc", "parcel_id"}
        The list's key: the firm list or the parcel list.
    sheet : str or int, optional
        Excel sheet. Default: the sheet named 整治企业清单 / 整治宗地清单 if present, else the
        first sheet with both the key column and 整治状态.
    columns : iterable of str
        Further canonical names to recognise besides the list's own columns.

    Returns
    -------
    DataFrame
        Canonical names where a header maps to one, other headers unchanged; ``file_row`` (the
        1-based row in the file). Cells as read (text from csv).

    Raises
    ------
    InputError
        Missing or unreadable file, no sheet with the key column, or the key column missing.
    """
    p = Path(path)
    known = _known_columns(key, columns)
    if p.suffix.lower() in {".xlsx", ".xlsm"} and sheet is None and p.exists():
        names = _xlsx_sheets(p)
        preferred = FIRM_SHEET if key == "uscc" else PARCEL_SHEET
        order = sorted(names, key=lambda n: n != preferred)
        for name in order:
            try:
                frame = _rename(read_table(p, sheet=name), known)
            except InputError:
                continue
            if key in frame.columns and ("status" in frame.columns or name == preferred):
                return _with_file_row(frame)
        raise InputError(
            f"no sheet of {names} has the columns {label_zh(key)} and {label_zh('status')}",
            path=str(p),
            column=label_zh(key),
            fix="use the 整治清单.xlsx exported by ruian-land, with its sheets 整治企业清单 / 整治宗地清单 "
            "(found by name) and their 统一社会信用代码 / 宗地代码 and 整治状态 columns kept",
        )
    frame = _rename(read_table(p, sheet=sheet), known)
    if key not in frame.columns:
        raise InputError(
            f"the previous list has no column {label_zh(key)} ({key}); headers: {list(frame.columns)[:12]}",
            path=str(p),
            column=label_zh(key),
            fix="use the 整治清单.xlsx exported by ruian-land with its 统一社会信用代码 (firm list) / "
            "宗地代码 (parcel list) column kept; the sheets 整治企业清单 / 整治宗地清单 are found by name",
        )
    return _with_file_row(frame)


def _with_file_row(frame: pd.DataFrame) -> pd.DataFrame:
    first = int(frame.attrs.get("first_data_line", 2))
    out = frame.copy()
    if "source_row" in out.columns:
        out["file_row"] = pd.to_numeric(out["source_row"], errors="coerce").astype("int64") + first - 1
        out = out.drop(columns="source_row")
    else:
        out["file_row"] = np.arange(len(out)) + first
    return out


def _cell_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
        return ""
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _keys(s: pd.Series, key: str) -> pd.Series:
    txt = s.map(_cell_text)
    return txt.str.upper() if key == "uscc" else txt


def _coerce_like(values: pd.Series, like: pd.Series) -> pd.Series:
    """Previous cells (text from a file) as the dtype of the new list's column."""
    flags = (
        like.dtype == object
        and len(like) > 0
        and bool(like.map(lambda v: isinstance(v, bool | np.bool_)).all())
    )
    if pd.api.types.is_bool_dtype(like.dtype) or flags:
        return values.map(lambda v: truthy(_cell_text(v)) if isinstance(v, str) else truthy(v)).astype(bool)
    if pd.api.types.is_numeric_dtype(like.dtype):
        return pd.to_numeric(values.map(lambda v: _cell_text(v).replace(",", "")), errors="coerce")
    if pd.api.types.is_datetime64_any_dtype(like.dtype):
        return pd.to_datetime(values.map(_cell_text).replace("", None), errors="coerce")
    return values.map(_cell_text).astype(object)


def _previous_frame(
    previous: pd.DataFrame | str | Path, key: str, sheet: str | int | None, columns: Iterable[str]
) -> tuple[pd.DataFrame, str]:
    if isinstance(previous, pd.DataFrame):
        frame = _rename(previous, _known_columns(key, columns))
        if key not in frame.columns:
            raise InputError(
                f"the previous list has no column {key} ({label_zh(key)})",
                column=key,
                fix="pass the list returned by firm_list / parcel_list or read from the exported file",
            )
        return _with_file_row(frame.reset_index(drop=True)), "previous list"
    return read_list(previous, key=key, sheet=sheet, columns=columns), str(previous)


def _check_previous(prev: pd.DataFrame, key: str, where: str) -> pd.DataFrame:
    prev = prev.copy()
    prev[key] = _keys(prev[key], key)
    blank = prev[key] == ""
    if blank.any():
        warnings.warn(
            f"{where}: {int(blank.sum())} row(s) without {label_zh(key)} ignored "
            f"(file rows {prev.loc[blank, 'file_row'].tolist()[:5]})",
            InputWarning,
            stacklevel=3,
        )
        prev = prev.loc[~blank]
    dup = prev[key].duplicated(keep=False)
    if dup.any():
        first = prev.loc[dup].iloc[0]
        rows = prev.loc[prev[key] == first[key], "file_row"].tolist()
        raise InputError(
            f"{label_zh(key)} {first[key]} appears {len(rows)} times in the previous list",
            path=where,
            column=label_zh(key),
            row=int(rows[1]),
            fix="keep one row per code (merge the planner's notes into one row)",
        )
    status = prev["status"].map(_cell_text) if "status" in prev.columns else pd.Series("", index=prev.index)
    status = status.where(status != "", STATUS_TODO)
    bad = ~status.isin(STATUSES)
    if bad.any():
        row = prev.loc[bad].iloc[0]
        raise InputError(
            f"{label_zh('status')} '{status[bad].iloc[0]}' of {label_zh(key)} {row[key]} is not one of "
            f"{'/'.join(STATUSES)}",
            path=where,
            column=label_zh("status"),
            row=int(row["file_row"]),
            fix=f"write {' / '.join(STATUSES)} in that cell (blank means {STATUS_TODO})",
        )
    prev["status"] = status
    return prev.set_index(key, drop=False)


def _check_unknown_codes(prev: pd.DataFrame, listed: set[str], known: pd.DataFrame, where: str) -> None:
    """A previous firm row whose code is no valid 统一社会信用代码 or no firm of the data → InputError."""
    codes = set(known["uscc"].map(_cell_text).str.upper()) if "uscc" in known.columns else set()
    rest = prev.loc[~prev.index.isin(listed)]
    bad = rest.loc[~rest.index.isin(codes) | ~rest.index.map(is_valid_uscc).to_numpy(dtype=bool)]
    if bad.empty:
        return
    row = bad.iloc[0]
    code, name = str(row["uscc"]), _cell_text(row["name"]) if "name" in bad.columns else ""
    names = (
        known.drop_duplicates("name").set_index("name")["uscc"] if "name" in known.columns else pd.Series()
    )
    hint = ""
    if name:
        close = difflib.get_close_matches(name, [str(n) for n in names.index], n=1)
        if close:
            hint = f"; did you mean {names[close[0]]} ({close[0]})?"
    what = (
        "is not a valid 统一社会信用代码 (GB 32100)"
        if not is_valid_uscc(code)
        else "matches no firm of the data"
    )
    raise InputError(
        f"{label_zh('uscc')} {code!r}{f' ({name})' if name else ''} {what}; {len(bad)} such row(s)",
        path=where,
        column=label_zh("uscc"),
        row=int(row["file_row"]),
        fix=f"correct the code in that row to the firm's 18-character 统一社会信用代码{hint}",
    )


def merge_status(
    new_list: pd.DataFrame,
    previous: pd.DataFrame | str | Path | None,
    *,
    key: str | None = None,
    sheet: str | int | None = None,
    as_of: dt.date | str | pd.Timestamp | None = None,
    known_firms: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Carry the planner's status, remedy, deadline and notes from the previous list to the new one.

    Parameters
    ----------
    new_list : DataFrame
        :func:`ruian_land.screening.rectification.firm_list` or ``parcel_list`` of this run.
    previous : DataFrame, path or None
        The previous list: the exported xlsx / csv the planner edited (Chinese headers), or a
        frame (canonical or Chinese names). ``None`` returns ``new_list`` unchanged (first run).
    key : {"uscc", "parcel_id"}, optional
        Default ``new_list.attrs['key']``, else ``uscc`` when the frame has it.
    sheet : str or int, optional
        Excel sheet of the previous list (default: found by name or by its columns).
    as_of : date, optional
        Date of this run for ``last_flagged`` / ``first_listed`` of new rows; default
        ``new_list.attrs['as_of']``, else today.
    known_firms : DataFrame, optional
        Every firm of this run's data (``uscc``, ``name``). When given, a previous firm row not
        on the new list must carry a valid 统一社会信用代码 (GB 32100) of one of these firms: a
        mistyped code would otherwise be carried as a phantom firm while the real one restarts
        at 待整治. Valid codes of firms no longer flagged are kept as before.

    Returns
    -------
    DataFrame
        The rows of ``new_list`` (its order) with :data:`PLANNER_COLUMNS` and ``first_listed``
        taken from the previous list where the code matches, then the previous rows the new run
        no longer flags (sorted by code, previous values, ``on_current_list`` False); extra
        planner columns appended; ``seq`` renumbered 1..n. ``tracking_note``: 新列入,
        已销号但本次仍被识别,请核实, 本次未再识别 (no longer flagged), or "". ``attrs`` as
        ``new_list`` plus ``tracking`` = counts ``{matched, new, no_longer_flagged,
        closed_but_flagged}``.

    Raises
    ------
    InputError
        The previous list cannot be read, lacks the key column, repeats a code, or has a status
        other than 待整治 / 整治中 / 已销号 (the message names the file, column and row); with
        ``known_firms``, a code that is no valid 统一社会信用代码 or no firm of the data (file,
        row, code and a did-you-mean by the row's 企业名称).

    Warns
    -----
    InputWarning
        Rows of the previous list without a code (ignored).
    """
    key = key or new_list.attrs.get("key") or ("uscc" if "uscc" in new_list.columns else "parcel_id")
    if key not in new_list.columns:
        raise InputError(
            f"the new list has no column {key}", column=key, fix="pass firm_list / parcel_list output"
        )
    day = pd.Timestamp(
        as_of if as_of is not None else new_list.attrs.get("as_of") or dt.date.today()
    ).normalize()
    new = new_list.copy().reset_index(drop=True)
    new[key] = _keys(new[key], key)
    for col in PLANNER_COLUMNS:
        if col not in new.columns:
            new[col] = STATUS_TODO if col == "status" else ""
    if previous is None:
        out = new
        out.attrs.update(
            {
                **new_list.attrs,
                "tracking": {"matched": 0, "new": len(new), "no_longer_flagged": 0, "closed_but_flagged": 0},
            }
        )
        return out
    raw, where = _previous_frame(previous, key, sheet, new.columns)
    prev = _check_previous(raw, key, where)
    if known_firms is not None and key == "uscc":
        _check_unknown_codes(prev, set(new[key]), known_firms, where)
    known = set(_known_columns(key, new.columns)) | {"file_row"}
    extra_cols = [c for c in prev.columns if c not in known]

    matched = new[key].isin(prev.index)
    new["on_current_list"] = True
    new["last_flagged"] = day
    hit = new.loc[matched, key]
    for col in extra_cols:
        new[col] = ""
    if "first_listed" not in new.columns:
        new["first_listed"] = day
    if len(hit):
        for col in (*PLANNER_COLUMNS, *extra_cols):
            if col in prev.columns:
                new.loc[matched, col] = hit.map(prev[col].map(_cell_text)).to_numpy()
        if "first_listed" in prev.columns:
            text = prev["first_listed"].map(_cell_text)
            first = pd.to_datetime(text.where(text != "", None), errors="coerce")
            got = pd.to_datetime(
                pd.Series(hit.map(first.to_dict()).to_numpy(), dtype=object), errors="coerce"
            )
            new["first_listed"] = pd.to_datetime(new["first_listed"])
            new.loc[matched, "first_listed"] = got.where(got.notna(), day).to_numpy()
    reflagged = matched & (new["status"] == STATUS_CLOSED)
    new["tracking_note"] = np.where(~matched, NOTE_NEW, np.where(reflagged, NOTE_REFLAGGED, ""))

    gone = prev.loc[~is_in(pd.Series(prev.index), new[key])].sort_index()
    rows = pd.DataFrame(index=range(len(gone)))
    for col in new.columns:
        if col in gone.columns:
            rows[col] = _coerce_like(gone[col].reset_index(drop=True), new[col])
        elif col in extra_cols:
            rows[col] = ""
        else:
            rows[col] = np.nan if pd.api.types.is_numeric_dtype(new[col].dtype) else ""
    rows["on_current_list"] = False
    rows["tracking_note"] = NOTE_GONE
    out = pd.concat([new, rows[new.columns]], ignore_index=True) if len(rows) else new
    out["on_current_list"] = out["on_current_list"].astype(bool)
    out["seq"] = np.arange(1, len(out) + 1)
    out.attrs.update(
        {
            **new_list.attrs,
            "tracking": {
                "matched": int(matched.sum()),
                "new": int((~matched).sum()),
                "no_longer_flagged": len(gone),
                "closed_but_flagged": int(reflagged.sum()),
            },
        }
    )
    return out
