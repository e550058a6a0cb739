"""Firms: the registry merged with the tax, statistics, energy and emissions tables on the normalised
统一社会信用代码. Rows of codes not in the registry are rejected (naming a registry code that differs only
in the check character), names are compared, and the tax table keeps the data year only.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ruian_land.core import SCHEMAS, Ledger, check_char_twins, is_in, is_valid_uscc, normalise_firm_names
from ruian_land.io import FIRM_TABLES, Inputs
from ruian_land.rules import RuleSet, load_rules
from ruian_land.validate.rows import cell, dedupe, ledger_value, uscc_column

__all__ = ["FIRM_VALUE_COLUMNS", "merge_firms"]

_EMISSION_PARTS = ("cod_t", "ammonia_t", "so2_t", "nox_t")
#: Value columns each side table contributes to ``firms`` (CONTRACTS §2).
FIRM_VALUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "tax": ("tax_wan",),
    "statistics": ("output_wan", "value_added_wan", "revenue_wan", "rd_wan", "employees"),
    "energy": ("elec_kwh", "gas_m3", "coal_t", "heat_mj"),
    "emissions": _EMISSION_PARTS,
}
_REGISTRY_FLAGS = ("safety_accident", "environmental_penalty", "energy_task_unmet", "tax_arrears")


def merge_firms(inputs: Inputs, ledger: Ledger, rules: RuleSet | None = None) -> pd.DataFrame:
    """Merge registry, tax, statistics, energy and emissions on the normalised ``uscc``.

    Parameters
    ----------
    inputs : Inputs
        Mapped and parsed tables (``registry`` is the master list).
    ledger : Ledger
        Receives events for each table (``rows_in`` declared by the caller).
    rules : RuleSet, optional
        For ``qa.firm_tax_wan_max``: a yearly tax above it (a typing or unit error, e.g.
        10¹² 万元) is read as not reported — the firm is unrated, not ranked first — and the
        ledger says so (``implausible_value``, row repaired). Default: the shipped rules.

    Returns
    -------
    DataFrame
        One row per registry code (see :class:`ruian_land.validate.result.Clean`). Units: ``tax_wan`` 万元, ``elec_kwh``
        kWh, ``gas_m3`` m³, ``coal_t`` t, ``heat_mj`` MJ, emissions t; ``emission_t`` = COD +
        ammonia nitrogen + SO₂ + NOx (NaN when all four are missing).

    Notes
    -----
    Side-table rows whose code is blank, not in the registry, or (tax) for another year than
    ``inputs.data_year`` are rejected; duplicates per code follow :func:`ruian_land.validate.rows.dedupe` (never
    merged). A name differing from the registry's is noted (row kept).
    """
    reg = uscc_column(inputs.registry, "registry", ledger, flag_invalid=True)
    reg_values = [c for c in SCHEMAS["registry"] if c not in ("uscc",) and c in reg.columns]
    reg = dedupe(reg, ["uscc"], reg_values, "registry", ledger)
    for col in ("name", "industry_code"):
        if col in reg.columns:
            for row in reg.loc[reg[col].isna(), "source_row"]:
                ledger.record("registry", int(row), col, "missing_value", "kept", f"{col} is blank")
    if "industry_code" in reg.columns:
        raw = reg["industry_code"]
        digits = raw.map(
            lambda v: None if v is None or pd.isna(v) else re.sub(r"^[A-Za-z]+", "", str(v)) or None
        )
        for i in reg.index[(raw.notna()) & (digits != raw)]:
            ledger.record(
                "registry", int(cell(reg, i, "source_row")), "industry_code", "code_repaired", "repaired",
                f"{raw[i]!r} → {digits[i]!r} (GB/T 4754 section letter removed)",
            )  # fmt: skip
        reg["industry_code"] = digits.astype("str")
        reg["industry_division"] = reg["industry_code"].str.slice(0, 2).astype("str")
    if "above_scale" in reg.columns:
        blank = reg["above_scale"].isna()
        for row in reg.loc[blank, "source_row"]:
            ledger.record(
                "registry",
                int(row),
                "above_scale",
                "missing_value",
                "kept",
                "企业规模 blank: treated as 规下 (below scale)",
            )
        reg["above_scale"] = reg["above_scale"].fillna(False).astype(bool)
    for flag in _REGISTRY_FLAGS:
        if flag in reg.columns:
            reg[flag] = reg[flag].fillna(False).astype(bool)
    firms = reg.reset_index(drop=True)
    known = dict(zip(firms["uscc"], firms["name"], strict=True))
    reg_rows = dict(zip(firms["uscc"], firms["source_row"], strict=True))
    twins_seen: dict[str, list[tuple[str, str]]] = {}
    for name in FIRM_TABLES[1:]:
        values = list(FIRM_VALUE_COLUMNS[name])
        table: pd.DataFrame | None = getattr(inputs, name)
        if table is None:
            for c in values:
                firms[c] = np.nan
            firms[f"in_{name}"] = False
            continue
        table = uscc_column(table, name, ledger, flag_invalid=False)
        if name == "tax":
            table = _filter_year(table, inputs.data_year, ledger)
        unknown = ~is_in(table["uscc"], firms["uscc"])
        twins = check_char_twins(table.loc[unknown, "uscc"], known.keys())
        for i in table.index[unknown]:
            code, row = cell(table, i, "uscc"), int(cell(table, i, "source_row"))
            if code in twins:
                twin = twins[code][0]
                where = ledger.where("registry", reg_rows[twin])
                twins_seen.setdefault(twin, []).append((f"{name} {ledger.where(name, row)}", code))
                ledger.record(
                    name, row, "uscc", "check_char_mismatch", "rejected",
                    f"{code} is not in the registry, but registry {where} ({known[twin]}) has {twin}: "
                    f"probably the same firm, the check character differs ({_which_wrong(code, twin)}); "
                    "not merged: correct the wrong code",
                )  # fmt: skip
                continue
            hint = (
                ""
                if cell(table, i, "uscc_valid")
                else " (the code also fails its check character: probably a typo)"
            )
            ledger.record(
                name, row, "uscc", "unknown_firm", "rejected", f"{code} is not in the registry{hint}"
            )
        table = table.loc[~unknown]
        table = dedupe(table, ["uscc"], [c for c in values if c in table.columns], name, ledger)
        if "name" in table.columns:
            theirs = normalise_firm_names(table["name"])
            ours = normalise_firm_names(table["uscc"].map(pd.Series(known, dtype=object)))
            differs = (theirs != "") & (ours != "") & (theirs != ours)
            for i in table.index[differs.to_numpy(dtype=bool)]:  # the few names that differ
                ledger.record(
                    name, int(cell(table, i, "source_row")), "name", "name_mismatch", "kept",
                    f"{cell(table, i, 'uscc')}: '{cell(table, i, 'name')}' here, '{known[cell(table, i, 'uscc')]}' in the registry",
                )  # fmt: skip
        if name == "tax" and "tax_wan" in table.columns:
            header = str(inputs.meta.get(name, {}).get("source_columns", {}).get("tax_wan", "tax_wan"))
            for i in table.index[table["tax_wan"] < 0]:
                ledger.record(
                    name, int(cell(table, i, "source_row")), "tax_wan", "negative_value", "kept",
                    f"{header} = {ledger_value(cell(table, i, 'tax_wan'))} 万元 for {cell(table, i, 'uscc')}: negative value "
                    "kept (a refund exceeding the tax paid?); its 亩均税收 is negative and scores the floor",
                )  # fmt: skip
        if name == "tax" and "tax_wan" in table.columns:
            cap = float((rules if rules is not None else load_rules()).value("qa.firm_tax_wan_max"))
            huge = table["tax_wan"] > cap
            for i in table.index[huge]:
                ledger.record(
                    name, int(cell(table, i, "source_row")), "tax_wan", "implausible_value", "repaired",
                    f"{header} = {ledger_value(cell(table, i, 'tax_wan'))} 万元 for {cell(table, i, 'uscc')}: above "
                    f"{cap:,.0f} 万元 (qa.firm_tax_wan_max), a typing or unit error; read as not reported (firm unrated)",
                )  # fmt: skip
            if huge.any():
                table = table.assign(tax_wan=table["tax_wan"].mask(huge))
        ledger.check_kept(name, len(table))
        part = table.set_index("uscc").reindex(columns=values)
        for c in values:
            firms[c] = firms["uscc"].map(part[c]).astype("float64")
        firms[f"in_{name}"] = is_in(firms["uscc"], part.index)
    parts = firms[list(_EMISSION_PARTS)]
    firms["emission_t"] = parts.sum(axis=1, min_count=1)
    for twin, places in twins_seen.items():
        listed = "; ".join(f"{where} has {code}" for where, code in places)
        ledger.record(
            "registry", int(reg_rows[twin]), "uscc", "check_char_mismatch", "kept",
            f"{twin} ({known[twin]}): {listed}, differing only in the check character "
            f"({_which_wrong(places[0][1], twin)}); probably the same firm: not merged, correct the wrong code",
        )  # fmt: skip
    ledger.check_kept("registry", len(firms))
    return firms


def _which_wrong(code: str, registry_code: str) -> str:
    """Which of two codes differing in the check character fails the GB 32100-2015 check."""
    ok_here, ok_reg = is_valid_uscc(code), is_valid_uscc(registry_code)
    if ok_here and not ok_reg:
        return f"the registry's {registry_code} fails the check, {code} passes: correct the registry"
    if ok_reg and not ok_here:
        return f"{code} fails the check, the registry's {registry_code} passes: correct this table"
    return "neither or both pass the check: ask the bureaus which is right"


def _filter_year(table: pd.DataFrame, year: int | None, ledger: Ledger) -> pd.DataFrame:
    if year is None or "year" not in table.columns or table["year"].isna().all():
        return table
    other = table["year"].notna() & (table["year"] != year)
    if not (table["year"] == year).any():
        return table  # a single-year table for another year: nothing to choose between
    for i in table.index[other]:
        ledger.record(
            "tax",
            int(cell(table, i, "source_row")),
            "year",
            "other_year",
            "rejected",
            f"year {ledger_value(cell(table, i, 'year'))}, not the data year {year}",
        )
    return table.loc[~other]
