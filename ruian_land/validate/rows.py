"""Row checks every validated table shares: one cell, a value as written in ledger details, the
统一社会信用代码 column (normalised, blank codes rejected, failed check characters noted) and duplicate
rows (the first kept, later ones rejected naming both values, never merged).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import USCC_ALPHABET, Ledger, uscc_check_char, validate_uscc_series

__all__ = ["cell", "dedupe", "ledger_value", "uscc_column"]


def cell(df: pd.DataFrame, label: Any, column: str) -> Any:
    """One cell (typed ``Any``: cells of mixed frames)."""
    return df.at[label, column]


def _same_value(a: Any, b: Any) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    if isinstance(a, int | float | np.number) and isinstance(b, int | float | np.number):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def ledger_value(value: Any) -> str:
    """A value for ledger details: numbers without numpy reprs, texts quoted."""
    if value is None or pd.isna(value):
        return "blank"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | float | np.number):
        return np.format_float_positional(float(value), trim="-")
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return repr(str(value))


def dedupe(
    df: pd.DataFrame, key: Sequence[str], columns: Sequence[str], input_name: str, ledger: Ledger
) -> pd.DataFrame:
    """Keep the first row per ``key``; reject later identical rows as ``duplicate`` and later rows
    with other values as ``conflicting_duplicate`` (naming both values). Never merges."""
    dup = df.duplicated(list(key), keep=False)
    if not dup.any():
        return df
    drop = []
    for k, group in df.loc[dup].groupby(list(key), sort=False):
        first = group.index[0]
        r0 = ledger.where(input_name, int(cell(df, first, "source_row")))
        label = "/".join(str(x) for x in (k if isinstance(k, tuple) else (k,)))
        for i in group.index[1:]:
            row = int(cell(df, i, "source_row"))
            here = ledger.where(input_name, row)
            diffs = [
                c for c in columns if c in df.columns and not _same_value(cell(df, first, c), cell(df, i, c))
            ]
            if not diffs:
                ledger.record(
                    input_name,
                    row,
                    key[0],
                    "duplicate",
                    "rejected",
                    f"same {label} and values as {r0} (kept)",
                )
            else:
                what = "; ".join(
                    f"{c}: {ledger_value(cell(df, first, c))} ({r0}) vs {ledger_value(cell(df, i, c))} ({here})"
                    for c in diffs
                )
                ledger.record(
                    input_name, row, ",".join(diffs), "conflicting_duplicate", "rejected",
                    f"{label} also on {r0} with other values — {what}; kept {r0} (the first), not merged",
                )  # fmt: skip
            drop.append(i)
    return df.drop(index=drop)


def uscc_column(df: pd.DataFrame, input_name: str, ledger: Ledger, *, flag_invalid: bool) -> pd.DataFrame:
    """Normalise ``uscc``, reject blank codes, optionally note codes failing the check."""
    out = df.copy()
    codes = validate_uscc_series(out["uscc"])
    out["uscc"] = codes["uscc"].astype("str")
    out["uscc_valid"] = codes["uscc_valid"].to_numpy(dtype=bool)
    blank = out["uscc"].isna()
    for row in out.loc[blank, "source_row"]:
        ledger.record(input_name, int(row), "uscc", "missing_code", "rejected", "统一社会信用代码 is blank")
    out = out.loc[~blank]
    if flag_invalid:
        for i in out.index[~out["uscc_valid"]]:
            code = cell(out, i, "uscc")
            ledger.record(
                input_name,
                int(cell(out, i, "source_row")),
                "uscc",
                "uscc_check_failed",
                "kept",
                _check_detail(code),
            )
    return out


def _check_detail(code: str) -> str:
    if len(code) != 18:
        return f"{code} has {len(code)} characters, not 18; kept and flagged (uscc_valid = False)"
    head = code[:17]
    if all(c in USCC_ALPHABET for c in head):
        return f"{code}: check character should be {uscc_check_char(head)}, not {code[17]}; kept and flagged"
    return f"{code} has characters outside the GB 32100-2015 alphabet; kept and flagged"
