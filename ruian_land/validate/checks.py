"""Whole-table checks of the inputs: the ones a row-by-row ledger cannot make.

A tax table that matches almost no registry firm, codes that went through an Excel number, or
taxes delivered in 元 under a header without a unit all give a full, confident and wrong result
if nothing stops them. These checks refuse such inputs with an :class:`~ruian_land.core.errors.
InputError` naming the file, the column and the fix, and list the firms a table has no record
for (one ledger row per firm), so missing data is seen as missing and never read as 0.

* :func:`check_numeric_codes` – 统一社会信用代码 stored as numbers (``qa.numeric_code_share_max``);
* :func:`check_tax_coverage` – share of registry firms with a tax row (``qa.min_tax_match_share``);
* :func:`check_tax_plausibility` – median 规上 亩均税收 (``qa.tax_per_mu_plausible_max``), after
  linking: the pipeline calls it once firms have ``tax_per_mu``;
* :func:`note_missing_records` – firms with no row in the tax / statistics / energy / emission
  tables, in the ledger.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ruian_land.core import InputError, InputWarning, Ledger
from ruian_land.rules import RuleSet

__all__ = [
    "MISSING_RECORD_EFFECTS",
    "PAST_DATE_COLUMNS",
    "blank_future_dates",
    "check_numeric_codes",
    "check_tax_coverage",
    "check_tax_plausibility",
    "note_missing_records",
]

#: Per side table: which firms are expected in it (``all`` | ``above`` = 规上 only) and what its
#: absence does downstream (ledger detail).
MISSING_RECORD_EFFECTS: dict[str, tuple[str, str]] = {
    "tax": (
        "all",
        "its tax is missing (not 0): the firm is not rated (unrated, 缺少税收数据) and the 亩均税收 of "
        "its parcels is not computed (DATA_MISSING)",
    ),
    "statistics": (
        "above",
        "规上 firm without statistics: value added, R&D and employees are missing, so those indicators "
        "score the floor (evaluation.score_floor)",
    ),
    "energy": (
        "all",
        "no energy use on record: its energy is missing (NaN, not 0), so the energy indicators score "
        "the floor",
    ),
    "emissions": (
        "above",
        "规上 firm not on the pollution-source list: 单位排放增加值 takes the group average score "
        "(evaluation.missing_average_indicators)",
    ),
}


def _header(meta: Mapping[str, Any] | None, name: str, canon: str) -> str:
    cols = dict((meta or {}).get(name, {}).get("source_columns", {}) or {})
    return str(cols.get(canon, canon))


def _path(meta: Mapping[str, Any] | None, name: str) -> Any:
    return (meta or {}).get(name, {}).get("path")


def check_numeric_codes(
    issues: pd.DataFrame,
    code_counts: Mapping[str, int],
    rules: RuleSet,
    *,
    meta: Mapping[str, Any] | None = None,
) -> None:
    """Refuse a table whose 统一社会信用代码 column went through an Excel number.

    Parameters
    ----------
    issues : DataFrame
        :attr:`ruian_land.io.Inputs.issues` (``input, row, column, problem, detail``); rows with
        problem ``code_stored_as_number`` count.
    code_counts : mapping
        Codes that Excel would store as numbers (digits only, or scientific notation) per input
        and column, keyed ``"input.column"`` (e.g. ``"tax.uscc"``): the share is taken of
        these, since codes with letters stay text whatever the column's format.
    rules : RuleSet
        ``qa.numeric_code_share_max`` (fraction).
    meta : mapping, optional
        :attr:`ruian_land.io.Inputs.meta` (file path and source header for the message).

    Raises
    ------
    InputError
        When at least ``qa.numeric_code_share_max`` of a column's digits-only codes were stored
        as numbers (the column was formatted as numbers: precision lost, they link to
        nothing), naming the file, the column and the fix.

    Warns
    -----
    InputWarning
        When some, but fewer, were (each such row is in the ledger, kept; it matches nothing).
    """
    if issues.empty:
        return
    hits = issues[issues["problem"] == "code_stored_as_number"]
    limit = float(rules.value("qa.numeric_code_share_max"))
    for (name, column), group in hits.groupby(["input", "column"], sort=True):
        n = max(int(code_counts.get(f"{name}.{column}", len(group))), len(group))
        share = len(group) / n
        example = re.sub(r":.*$", "", str(group["detail"].iloc[0]))
        header = _header(meta, str(name), str(column))
        text = (
            f"{len(group)} of the {n} digits-only codes in column '{header}' were stored as numbers and lost their last "
            f"digits (e.g. {example}): Excel keeps 15 significant digits and a 统一社会信用代码 has 18 "
            "characters, so these codes match no firm"
        )
        if share >= limit:
            raise InputError(
                text,
                path=_path(meta, str(name)),
                column=header,
                fix="format the code column as text in Excel (设置单元格格式 → 文本) and export it again from "
                "the source system (re-typing the numbers does not bring the digits back); a CSV opened "
                "and saved in Excel loses them the same way",
            )
        warnings.warn(
            f"{_path(meta, str(name)) or name}: {text}; see the ledger (qa/issues.csv)",
            InputWarning,
            stacklevel=2,
        )


def check_tax_coverage(
    firms: pd.DataFrame, rules: RuleSet, *, meta: Mapping[str, Any] | None = None
) -> float:
    """Refuse a tax table that matches too few registry firms (wrong file or key column).

    Parameters
    ----------
    firms : DataFrame
        Merged firms (:func:`ruian_land.validate.merge_firms`): one row per registry firm,
        ``in_tax`` (bool: a tax row was found).
    rules : RuleSet
        ``qa.min_tax_match_share`` (fraction).
    meta : mapping, optional
        :attr:`ruian_land.io.Inputs.meta` (tax file and its code header for the message).

    Returns
    -------
    float
        The share of registry firms with a tax row.

    Raises
    ------
    InputError
        Share below ``qa.min_tax_match_share``.
    """
    if firms.empty or "in_tax" not in firms.columns:
        return math.nan
    share = float(firms["in_tax"].astype(bool).mean())
    limit = float(rules.value("qa.min_tax_match_share"))
    if share < limit:
        matched = int(firms["in_tax"].astype(bool).sum())
        header = _header(meta, "tax", "uscc")
        # no qa/ files are written on exit 2, so the message itself names a few of the firms
        unmatched = firms.loc[~firms["in_tax"].astype(bool)]
        names = unmatched["name"] if "name" in unmatched.columns else unmatched.get("uscc")
        examples = "" if names is None else f" (e.g. {', '.join(map(str, names.head(3)))})"
        cut = (meta or {}).get("tax", {}).get("truncated")
        if cut:  # a file cut in half is not "the wrong file"
            raise InputError(
                f"only {matched} of {len(firms)} registry firms ({share:.0%}) have a row in the tax table, "
                f"fewer than {limit:.0%} (rule qa.min_tax_match_share), and the tax file ends mid-row "
                f"({cut}): it looks truncated (a copy or an export cut short); firms without a row"
                f"{examples}",
                path=_path(meta, "tax"),
                fix="get the whole tax file again from the 税务局 (compare its size or row count with the "
                "export) and re-run",
            )
        raise InputError(
            f"only {matched} of {len(firms)} registry firms ({share:.0%}) have a row in the tax table, "
            f"fewer than {limit:.0%} (rule qa.min_tax_match_share): the tax file or its code column "
            f"'{header}' is probably the wrong one (another year, another county, or a column of "
            f"other numbers); registry firms without a tax row{examples}",
            path=_path(meta, "tax"),
            column=header,
            fix="check that the tax file is this county's for the data year and that its 纳税人识别号 "
            "column holds the firms' 统一社会信用代码 (map another header with 'columns: {tax: {uscc: "
            "[…]}}' in the project config); `ruian-land check` lists the other problems of the inputs",
        )
    return share


def check_tax_plausibility(
    firms: pd.DataFrame, rules: RuleSet, *, meta: Mapping[str, Any] | None = None
) -> float:
    """Refuse taxes whose size says they are in 元, not 万元 (a header without a unit).

    Parameters
    ----------
    firms : DataFrame
        Firms after linking and indicators: ``above_scale`` (bool), and ``tax_per_mu``
        (万元/亩) or ``tax_wan`` (万元) with ``land_area_mu`` (亩).
    rules : RuleSet
        ``qa.tax_per_mu_plausible_max`` (万元/亩; RULES.md §7: Zhejiang 2021 规上 average 28.1,
        Yueqing 55.29).
    meta : mapping, optional
        :attr:`ruian_land.io.Inputs.meta` (tax file and the header read as ``tax_wan``).

    Returns
    -------
    float
        The median 亩均税收 of the 规上 firms with land and tax (of all such firms when there
        is no 规上 firm); NaN when none.

    Raises
    ------
    InputError
        Median above ``qa.tax_per_mu_plausible_max``, naming the tax file and column and the
        fix (state the unit: ``实缴税收(元)`` is read as 元 and divided by 10 000).
    """
    if "tax_per_mu" in firms.columns:
        tpm = pd.to_numeric(firms["tax_per_mu"], errors="coerce")
    elif {"tax_wan", "land_area_mu"} <= set(firms.columns):
        land = pd.to_numeric(firms["land_area_mu"], errors="coerce")
        tpm = pd.to_numeric(firms["tax_wan"], errors="coerce") / land.where(land > 0)
    else:
        return math.nan
    above = (
        firms["above_scale"].fillna(False).astype(bool)
        if "above_scale" in firms.columns
        else pd.Series(False, index=firms.index)
    )
    values = tpm[above & tpm.notna()]
    group = "规上"
    if values.empty:
        values, group = tpm.dropna(), "all"
    if values.empty:
        return math.nan
    median = float(values.median())
    limit = float(rules.value("qa.tax_per_mu_plausible_max"))
    if median > limit:
        header = _header(meta, "tax", "tax_wan")
        unit_said = "万元" in header
        said = (
            "its header says 万元"
            if unit_said
            else "its header states no unit, so it was read as 万元 (CONTRACTS: tax_wan)"
        )
        raise InputError(
            f"the median {group} 亩均税收 is {median:,.1f} 万元/亩 over {len(values)} firms, above the "
            f"plausible maximum {limit:g} 万元/亩 (rule qa.tax_per_mu_plausible_max; Zhejiang's 2021 "
            f"规上 average was 28.1, Yueqing's 55.29): the tax values look like 元, not 万元 ({said})",
            path=_path(meta, "tax"),
            column=header,
            fix="state the unit in the header: 实缴税收(元) is read as 元 and divided by 10 000 "
            "(实缴税收(万元) as 万元); or convert the column to 万元",
        )
    return median


def note_missing_records(firms: pd.DataFrame, ledger: Ledger, tables: Mapping[str, bool]) -> int:
    """Record in the ledger each registry firm that a side table has no row for.

    Parameters
    ----------
    firms : DataFrame
        Merged firms: ``uscc``, ``name``, ``above_scale``, ``source_row`` (registry data row),
        ``in_<table>`` flags.
    ledger : Ledger
        Receives one event per firm and table (input = the table, row None: the firm has no row
        there; action ``kept``): problem ``no_tax_record`` for the tax table, ``no_record``
        for the others, with the registry row and what the absence does downstream
        (:data:`MISSING_RECORD_EFFECTS`).
    tables : mapping
        ``{table: present}``; absent tables are not reported firm by firm.

    Returns
    -------
    int
        Number of events recorded.
    """
    n = 0
    for table, (who, effect) in MISSING_RECORD_EFFECTS.items():
        flag = f"in_{table}"
        if not tables.get(table) or flag not in firms.columns:
            continue
        expected = pd.Series(True, index=firms.index)
        if who == "above" and "above_scale" in firms.columns:
            expected = firms["above_scale"].fillna(False).astype(bool)
        missing = firms[expected & ~firms[flag].astype(bool)]
        problem = "no_tax_record" if table == "tax" else "no_record"
        for r in missing.to_dict("records"):
            where = ledger.where("registry", r.get("source_row"))
            ledger.record(
                table, None, "uscc", problem, "kept",
                f"{r['uscc']} {r.get('name') or ''} (registry {where}) has no row in this table: {effect}",
            )  # fmt: skip
            n += 1
    return n


_Frame = TypeVar("_Frame", bound=pd.DataFrame)

#: Date columns that record something that has happened, so they cannot lie after the evaluation
#: date (约定开工 and the end of a government delay may; they are not checked).
PAST_DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "parcels": ("grant_date", "actual_start_date", "suspended_since"),
    "registry": ("established_date", "production_start_date"),
}


def blank_future_dates(
    frame: _Frame,
    name: str,
    as_of: pd.Timestamp,
    ledger: Ledger,
    meta: Mapping[str, Any] | None = None,
) -> _Frame:
    """Dates of past events that lie after the evaluation date, read as not given.

    A 供地日期 of 2201-03-01 or a 成立日期 next year is a typing error; kept, it would run an
    idle-land clock backwards or exempt a firm as new. Each such cell becomes missing and the
    ledger says so (``future_date``, row repaired).

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        A parsed input with ``source_row`` (``parcels`` or ``registry``).
    name : str
        The input (key of :data:`PAST_DATE_COLUMNS`).
    as_of : Timestamp
        The evaluation date (the project's ``evaluation_date``).
    ledger : Ledger
    meta : mapping, optional
        :attr:`ruian_land.io.Inputs.meta`, for the source header in the message.

    Returns
    -------
    DataFrame or GeoDataFrame
        A copy with those cells missing (same index and columns), or ``frame`` itself when none.
    """
    cols = [c for c in PAST_DATE_COLUMNS.get(name, ()) if c in frame.columns]
    out = frame
    for col in cols:
        dates = pd.to_datetime(frame[col], errors="coerce")
        late = dates > as_of
        if not late.any():
            continue
        header = _header(meta, name, col)
        rows = frame["source_row"].to_numpy()
        for pos in np.flatnonzero(late.to_numpy(dtype=bool)):
            ledger.record(
                name, int(rows[pos]), col, "future_date", "repaired",
                f"{header} = {dates.iloc[pos].date()} is after the evaluation date {as_of.date()}: "
                "a typing error? read as not given",
            )  # fmt: skip
        if out is frame:
            out = frame.copy()
        out[col] = out[col].mask(late)
    return out
