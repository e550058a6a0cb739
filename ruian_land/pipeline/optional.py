"""Optional project tables (read by ``io.load_inputs`` into ``inputs.other``), mapped and parsed.

Their unreadable cells (text in a number column, 2021.13.01, 9999-12-31 for 长期 …) and the rows
refused (a negative 总投资 or agreed 投资强度, which no figure could ever breach) go into the run's
ledger at ingest (:func:`record_optional_tables`), so they reach ``qa/issues.csv``; the stages
that use a table (:func:`optional_table`) get it without the refused rows.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from ruian_land import io
from ruian_land.config import ProjectConfig
from ruian_land.core import SCHEMAS, InputError, InputWarning, Ledger, label_zh, map_columns

__all__ = ["NON_NEGATIVE", "optional_table", "read_optional", "record_optional_tables"]

#: Columns of the optional tables that cannot be negative: a row with one below 0 is rejected
#: (a negative agreed floor can never be breached; a negative 总投资 is a typing error).
NON_NEGATIVE: dict[str, tuple[str, ...]] = {
    "projects": ("investment_wan", "land_mu"),
    "standard_land_contracts": (
        "full_production_years",
        "agreed_investment_per_mu",
        "agreed_tax_per_mu",
        "agreed_value_added_per_mu",
        "agreed_value_added_per_tce",
        "agreed_far",
    ),
}
#: What a stage uses instead of an unreadable cell, added to its note (else "read as missing" is
#: all a planner learns, while e.g. the default 达产年限 is applied).
_FALLBACKS: dict[tuple[str, str], str] = {
    ("standard_land_contracts", "full_production_years"): "the default 达产年限 "
    "(supervision.contract_full_production_years) applies unless 约定达产日期 is given",
    ("standard_land_contracts", "grant_date"): "the parcel layer's grant date is used instead",
}
#: Optional tables whose 宗地代码 must name a parcel of the parcel layer (else a note).
_PARCEL_TABLES: tuple[str, ...] = ("projects", "standard_land_contracts")
_SHOWN = 5


def read_optional(
    inputs: io.Inputs, cfg: ProjectConfig, kind: str
) -> tuple[pd.DataFrame, list[dict[str, Any]], list[dict[str, Any]]] | None:
    """An optional table mapped and parsed, with its cell issues and its refused rows.

    Returns
    -------
    (DataFrame, list of dict, list of dict) or None
        All rows parsed (``source_row`` kept); the issue dicts of :func:`ruian_land.io.parse_columns`
        (``input, row, column, problem, detail, action``); one dict per refused row
        (``row, column, problem='negative_value', detail``, a row at most once). None when absent.

    Raises
    ------
    InputError
        A required column is missing (from :func:`ruian_land.core.map_columns`).
    """
    raw = inputs.other.get(kind)
    if raw is None:
        return None
    source = str(cfg.path(kind))
    mapped = map_columns(
        raw,
        kind,
        source=source,
        extra_aliases=cfg.columns.get(kind),
        extra_scales=cfg.column_scales.get(kind),
    )
    parsed, issues = io.parse_columns(mapped, kind, input_name=kind)
    for i in issues:
        then = _FALLBACKS.get((kind, str(i.get("column"))))
        if then and i["problem"] in ("unparseable_value", "open_ended_date"):
            i["detail"] = f"{i['detail']}; {then}"
    headers: dict[str, str] = dict(mapped.attrs.get("source_columns", {}))
    rejects: list[dict[str, Any]] = []
    refused = pd.Series(False, index=parsed.index)
    for col in NON_NEGATIVE.get(kind, ()):
        if col not in parsed.columns:
            continue
        neg = (parsed[col].astype(float) < 0).fillna(False).astype(bool) & ~refused
        refused |= neg
        rows = parsed.loc[neg, "source_row"] if "source_row" in parsed.columns else parsed.index[neg]
        for row, value in zip(rows, parsed.loc[neg, col], strict=True):
            rejects.append(
                {
                    "row": int(row),
                    "column": col,
                    "problem": "negative_value",
                    "detail": f"{headers.get(col, label_zh(col))} = {value:g} is negative: the row is "
                    f"left out (correct it in {source})",
                }
            )
    parsed.attrs["refused"] = list(parsed.index[refused])
    return parsed, issues, rejects


def optional_table(inputs: io.Inputs, cfg: ProjectConfig, kind: str) -> pd.DataFrame | None:
    """An optional project table (read by ``io.load_inputs`` into ``inputs.other``), mapped to the
    canonical columns of ``columns.SCHEMAS[kind]`` and parsed (units scaled), without the rows
    refused by :func:`read_optional` (negative figures of :data:`NON_NEGATIVE`, in the ledger
    since ingest); None when absent.

    Raises
    ------
    InputError
        A required column is missing.
    """
    read = read_optional(inputs, cfg, kind)
    if read is None:
        return None
    parsed = read[0]
    refused = parsed.attrs.get("refused", [])
    return parsed.drop(index=refused) if refused else parsed


def record_optional_tables(
    inputs: io.Inputs, cfg: ProjectConfig, ledger: Ledger, parcel_ids: pd.Series | None = None
) -> list[str]:
    """Put the optional tables' cell issues, refused rows and unknown 宗地代码 in the ledger.

    Each table with a schema gets its ``rows_in`` (so ``rows_in == kept + rejected`` holds),
    its file, one ``kept`` event per unreadable cell or 长期 date, one ``rejected`` event per
    refused row, one ``kept`` ``unknown_parcel`` event per 宗地代码 of a project or contract not in
    ``parcel_ids``; and one :class:`~ruian_land.core.InputWarning` per table with problems,
    counting them and naming the first rows. A table whose required column is missing is
    skipped here (the stage that uses it raises the :class:`~ruian_land.core.InputError`).

    Returns
    -------
    list of str
        The warning texts.
    """
    notes: list[str] = []
    known = None if parcel_ids is None else set(parcel_ids.dropna().astype(str).str.strip())
    for kind in inputs.other:
        if kind not in SCHEMAS:
            continue
        try:
            read = read_optional(inputs, cfg, kind)
        except InputError:
            continue
        if read is None:
            continue
        parsed, issues, rejects = read
        raw = inputs.other[kind]
        meta = inputs.meta.get(kind, {})
        dropped = list(raw.attrs.get("dropped_rows", []))
        ledger.rows_in(kind, int(raw.attrs.get("rows_in", len(raw) + len(dropped))))
        ledger.set_file(kind, meta.get("path", cfg.path(kind)), first_data_line=meta.get("first_data_line"))
        for d in dropped:
            ledger.record(kind, int(d["row"]), None, str(d["problem"]), "rejected", str(d.get("detail", "")))
        for i in issues:
            action = i.get("action") if i.get("action") in ("kept", "repaired") else "kept"
            ledger.record(kind, i["row"], i["column"], str(i["problem"]), str(action), str(i["detail"]))
        for r in rejects:
            ledger.record(kind, r["row"], r["column"], r["problem"], "rejected", r["detail"])
        unknown: list[dict[str, Any]] = []
        if known is not None and kind in _PARCEL_TABLES and "parcel_id" in parsed.columns:
            ids = parsed["parcel_id"].astype(object)
            miss = ids.notna() & ~ids.astype(str).str.strip().isin(known)
            for row, pid in zip(parsed.loc[miss, "source_row"], ids[miss], strict=True):
                detail = f"宗地代码 {pid} is not in the parcel layer: listed as 无此宗地, not checked"
                ledger.record(kind, int(row), "parcel_id", "unknown_parcel", "kept", detail)
                unknown.append({"row": int(row)})
        found = [*issues, *rejects, *unknown]
        if not found:
            continue
        rows = sorted({int(ledger.file_row(kind, f["row"]) or 0) for f in found if f.get("row") is not None})
        shown = ", ".join(str(r) for r in rows[:_SHOWN]) + (" …" if len(rows) > _SHOWN else "")
        text = (
            f"{meta.get('path', cfg.path(kind))}: {len(found)} problem(s) in {kind} "
            f"({len(issues)} unreadable or noted cells, {len(rejects)} row(s) left out, "
            f"{len(unknown)} unknown 宗地代码), rows {shown}; see qa/issues.csv"
        )
        warnings.warn(text, InputWarning, stacklevel=2)
        notes.append(text)
    return notes
