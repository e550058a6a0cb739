"""Validation: geometry repair, code checks (统一社会信用代码), duplicates, the firm merge, and a
ledger entry for every row that is not simply kept (CONTRACTS §2 ``validate``).

Nothing is merged or dropped silently: a duplicate code with different values keeps the first
row and rejects the others, naming both values; a code that fails its check character is kept
and flagged; a table row whose firm is not in the registry is rejected with that reason.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ruian_land.core import (
    MAP_CRS,
    SCHEMAS,
    USCC_ALPHABET,
    WORKING_CRS,
    ZHEJIANG_LONLAT_BOUNDS,
    Ledger,
    check_char_twins,
    is_valid_uscc,
    m2_to_mu,
    normalise_parcel_id,
    uscc_check_char,
    validate_uscc_series,
)
from ruian_land.io import FIRM_TABLES, Inputs
from ruian_land.rules import RuleSet, load_rules
from ruian_land.validate.checks import check_numeric_codes, check_tax_coverage, note_missing_records
from ruian_land.validate.geometry import find_overlaps, repair_polygons

__all__ = [
    "FIRM_VALUE_COLUMNS",
    "Clean",
    "Ledger",
    "merge_firms",
    "normalise_parcel_id",
    "repair_polygons",
    "validate_inputs",
    "validate_leases",
    "validate_parcels",
    "validate_points",
]

_EMISSION_PARTS = ("cod_t", "ammonia_t", "so2_t", "nox_t")
#: Value columns each side table contributes to ``firms`` (CONTRACTS §2).
FIRM_VALUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "tax": ("tax_wan",),
    "statistics": ("output_wan", "value_added_wan", "revenue_wan", "rd_wan", "employees"),
    "energy": ("elec_kwh", "gas_m3", "coal_t", "heat_mj"),
    "emissions": _EMISSION_PARTS,
}
#: Two geocodes of one firm closer than this are the same place (geocoder rounding).
_SAME_POINT_M = 1.0
_REGISTRY_FLAGS = ("safety_accident", "environmental_penalty", "energy_task_unmet", "tax_arrears")


@dataclass
class Clean:
    """Validated frames (CONTRACTS §2) and the ledger that explains them.

    Attributes
    ----------
    parcels : GeoDataFrame
        EPSG:4549, index ``0..n-1``, unique ``parcel_id``, valid Polygon/MultiPolygon geometry,
        ``area_m2``/``area_mu`` from the repaired geometry, ``geometry_repaired`` (bool),
        ``owner_uscc`` normalised and ``owner_uscc_valid`` (bool), ``source_row``.
    firms : DataFrame
        One row per registry ``uscc`` (unique), index ``0..n-1``: registry columns,
        ``industry_division``, ``uscc_valid``, the side tables' values (NaN when a firm is
        not in that table), ``emission_t``, ``in_tax``/``in_statistics``/``in_energy``/
        ``in_emissions`` (bool), ``source_row`` (registry row).
    leases : DataFrame
        ``uscc``, ``parcel_id``, ``leased_area_m2``, ``lessor_name``, ``name``, ``source_row``.
    control_lines, towns, boundary : GeoDataFrame or None
        Repaired layers (EPSG:4549); outlines delivered as lines are polygonized.
    points : GeoDataFrame or None
        Geocoded firm locations (:func:`validate_points`), EPSG:4549.
    built_up : Path or None
        Raster path, unchanged.
    ledger : Ledger
        Every rejected, repaired or noted row.
    meta : dict
        :attr:`ruian_land.io.Inputs.meta`.
    """

    parcels: gpd.GeoDataFrame
    firms: pd.DataFrame
    leases: pd.DataFrame
    ledger: Ledger
    control_lines: gpd.GeoDataFrame | None = None
    towns: gpd.GeoDataFrame | None = None
    boundary: gpd.GeoDataFrame | None = None
    points: gpd.GeoDataFrame | None = None
    built_up: Path | None = None
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)


def _at(df: pd.DataFrame, label: Any, column: str) -> Any:
    """One cell (typed ``Any``: cells of mixed frames)."""
    return df.at[label, column]


def validate_parcels(parcels: gpd.GeoDataFrame, ledger: Ledger, rules: RuleSet) -> gpd.GeoDataFrame:
    """Repair geometry, check codes and duplicates, recompute areas (CONTRACTS §2 ``parcels``).

    Parameters
    ----------
    parcels : GeoDataFrame
        :attr:`ruian_land.io.Inputs.parcels` (EPSG:4549, canonical names, ``source_row``).
    ledger : Ledger
        Receives events for input ``parcels`` (``rows_in`` must already be declared).
    rules : RuleSet
        ``qa.recorded_area_tolerance`` (fraction): a recorded 宗地面积 differing from the
        polygon area by more than this is reported (row kept), and every repaired polygon gets
        its recorded and repaired areas in the ledger (``repaired_area``, or
        ``repaired_area_mismatch`` beyond the tolerance: check the geometry); the polygon area
        is used either way. ``qa.sliver_overlap_m2``: overlaps between parcels are reported
        (row kept), as slivers below this area. ``qa.min_parcel_area_m2``: a smaller polygon
        is a digitising sliver, rejected (``sliver_parcel``) when nobody holds it (权利人 and
        权利人代码 blank), kept with a note when someone does.

    Returns
    -------
    GeoDataFrame
        EPSG:4549, index ``0..n-1``, unique ``parcel_id``; see :class:`Clean`.

    Notes
    -----
    Duplicates: the first row of a ``parcel_id`` is kept. A later row with the same geometry is
    rejected as ``duplicate``; one with a different geometry as ``conflicting_duplicate`` (the
    two areas are named) — a planner must decide which polygon is right, so nothing is merged.
    """
    gdf = parcels.copy()
    if gdf.crs is not None and not WORKING_CRS.equals(gdf.crs):
        gdf = gdf.to_crs(WORKING_CRS)
    gdf["parcel_id"] = gdf["parcel_id"].map(normalise_parcel_id).astype("str")
    no_id = gdf["parcel_id"].isna()
    for row in gdf.loc[no_id, "source_row"]:
        ledger.record("parcels", int(row), "parcel_id", "missing_id", "rejected", "宗地代码 is blank")
    gdf = repair_polygons(gdf.loc[~no_id], "parcels", ledger)
    gdf = _dedupe_parcels(gdf, ledger)
    gdf["area_m2"] = np.asarray(shapely.area(gdf.geometry.values), dtype=float)
    gdf = _drop_slivers(gdf, ledger, float(rules.value("qa.min_parcel_area_m2")))
    find_overlaps(gdf, "parcels", ledger, sliver_m2=float(rules.value("qa.sliver_overlap_m2")))
    gdf["area_mu"] = m2_to_mu(gdf["area_m2"].to_numpy())
    _check_recorded_areas(gdf, ledger, float(rules.value("qa.recorded_area_tolerance")))
    if "owner_uscc" in gdf.columns:
        codes = validate_uscc_series(gdf["owner_uscc"])
        gdf["owner_uscc"] = codes["uscc"].astype("str")
        gdf["owner_uscc_valid"] = codes["uscc_valid"].to_numpy(dtype=bool)
    gdf["geometry_repaired"] = gdf["geometry_repaired"].astype(bool)
    return gdf.reset_index(drop=True)


def _blank(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return (text.isna() | (text == "")).astype(bool)


def _drop_slivers(gdf: gpd.GeoDataFrame, ledger: Ledger, min_m2: float) -> gpd.GeoDataFrame:
    """Parcels smaller than ``min_m2`` (rule ``qa.min_parcel_area_m2``): rejected as digitising
    slivers when nobody holds them (权利人 and 权利人代码 blank), kept with a note otherwise."""
    small = gdf["area_m2"] < min_m2
    if not small.any():
        return gdf
    held = pd.Series(False, index=gdf.index)
    for col in ("owner_uscc", "owner_name"):
        if col in gdf.columns:
            held |= ~_blank(gdf[col])
    drop = []
    for i in gdf.index[small]:
        area = float(_at(gdf, i, "area_m2"))
        what = f"{_at(gdf, i, 'parcel_id')}: {area:,.1f} m² < {min_m2:g} m² (rule qa.min_parcel_area_m2)"
        if held[i]:
            ledger.record(
                "parcels", int(_at(gdf, i, "source_row")), "geometry", "sliver_parcel", "kept",
                f"{what}, but it has a holder: kept; check whether it is a real plot or a digitising sliver",
            )  # fmt: skip
        else:
            ledger.record(
                "parcels", int(_at(gdf, i, "source_row")), "geometry", "sliver_parcel", "rejected",
                f"{what} and no holder (权利人/权利人代码 blank): a digitising sliver, not a plot of land; rejected",
            )  # fmt: skip
            drop.append(i)
    return gdf.drop(index=drop)


def _check_recorded_areas(gdf: gpd.GeoDataFrame, ledger: Ledger, tol: float) -> None:
    """Compare the recorded 宗地面积 with the polygon area (rule ``qa.recorded_area_tolerance``).

    Every repaired polygon gets its recorded and repaired areas in the ledger (``repaired_area``;
    ``repaired_area_mismatch`` beyond the tolerance); other polygons only beyond it
    (``area_mismatch``). The polygon area is used either way, never switched silently."""
    rec = (
        pd.to_numeric(gdf["recorded_area_m2"], errors="coerce")
        if "recorded_area_m2" in gdf.columns
        else pd.Series(np.nan, index=gdf.index)
    )
    gap = (gdf["area_m2"] - rec).abs() / rec.where(rec > 0)
    repaired = gdf["geometry_repaired"].astype(bool)
    for i in gdf.index[repaired | (gap > tol)]:
        row, area = int(_at(gdf, i, "source_row")), float(_at(gdf, i, "area_m2"))
        if not repaired[i]:
            ledger.record(
                "parcels", row, "recorded_area_m2", "area_mismatch", "kept",
                f"recorded {rec[i]:,.1f} m² vs polygon {area:,.1f} m² ({gap[i]:.1%} > "
                f"{tol:.0%}, rule qa.recorded_area_tolerance); the polygon area is used",
            )  # fmt: skip
        elif pd.isna(gap[i]):
            ledger.record(
                "parcels", row, "recorded_area_m2", "repaired_area", "kept",
                f"area after repair {area:,.1f} m²; no recorded 宗地面积 to compare; the repaired area is used",
            )  # fmt: skip
        elif gap[i] > tol:
            ledger.record(
                "parcels", row, "recorded_area_m2", "repaired_area_mismatch", "kept",
                f"area after repair differs from recorded area; check the geometry: recorded {rec[i]:,.1f} m², "
                f"after repair {area:,.1f} m² ({(area - rec[i]) / rec[i]:+.1%}, beyond {tol:.0%}, rule "
                "qa.recorded_area_tolerance); the repaired polygon's area is used until the polygon is corrected",
            )  # fmt: skip
        else:
            ledger.record(
                "parcels", row, "recorded_area_m2", "repaired_area", "kept",
                f"recorded {rec[i]:,.1f} m², after repair {area:,.1f} m² ({(area - rec[i]) / rec[i]:+.1%}, "
                f"within {tol:.0%}); the repaired area is used",
            )  # fmt: skip


def _same_geometry(a: BaseGeometry, b: BaseGeometry) -> bool:
    if shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=1e-3):
        return True
    return bool(shapely.equals(a, b))


def _dedupe_parcels(gdf: gpd.GeoDataFrame, ledger: Ledger) -> gpd.GeoDataFrame:
    dup = gdf["parcel_id"].duplicated(keep=False)
    if not dup.any():
        return gdf
    drop: list[Any] = []
    for pid, group in gdf.loc[dup].groupby("parcel_id", sort=False):
        first = group.index[0]
        g0 = gdf.geometry[first]
        r0 = ledger.where("parcels", int(_at(gdf, first, "source_row")))
        for i in group.index[1:]:
            gi = gdf.geometry[i]
            if _same_geometry(g0, gi):
                ledger.record(
                    "parcels", int(_at(gdf, i, "source_row")), "parcel_id", "duplicate", "rejected",
                    f"same 宗地代码 {pid} and geometry as {r0} (kept)",
                )  # fmt: skip
            else:
                ledger.record(
                    "parcels", int(_at(gdf, i, "source_row")), "parcel_id", "conflicting_duplicate", "rejected",
                    f"宗地代码 {pid} also on {r0} with a different polygon ({g0.area:,.1f} m² on {r0} "
                    f"vs {gi.area:,.1f} m² here); kept {r0} (the first), not merged: check which is right",
                )  # fmt: skip
            drop.append(i)
    return gdf.drop(index=drop)


# --- firms ------------------------------------------------------------------------------------


def _same_value(a: Any, b: Any) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    if isinstance(a, int | float | np.number) and isinstance(b, int | float | np.number):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def _fmt(value: Any) -> str:
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


def _dedupe(
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
        r0 = ledger.where(input_name, int(_at(df, first, "source_row")))
        label = "/".join(str(x) for x in (k if isinstance(k, tuple) else (k,)))
        for i in group.index[1:]:
            row = int(_at(df, i, "source_row"))
            here = ledger.where(input_name, row)
            diffs = [
                c for c in columns if c in df.columns and not _same_value(_at(df, first, c), _at(df, i, c))
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
                    f"{c}: {_fmt(_at(df, first, c))} ({r0}) vs {_fmt(_at(df, i, c))} ({here})" for c in diffs
                )
                ledger.record(
                    input_name, row, ",".join(diffs), "conflicting_duplicate", "rejected",
                    f"{label} also on {r0} with other values — {what}; kept {r0} (the first), not merged",
                )  # fmt: skip
            drop.append(i)
    return df.drop(index=drop)


def _uscc_column(df: pd.DataFrame, input_name: str, ledger: Ledger, *, flag_invalid: bool) -> pd.DataFrame:
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
            code = _at(out, i, "uscc")
            ledger.record(
                input_name,
                int(_at(out, i, "source_row")),
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


def _norm_name(name: Any) -> str:
    if name is None or pd.isna(name):
        return ""
    text = unicodedata.normalize("NFKC", str(name)).translate(str.maketrans("（）", "()"))
    return re.sub(r"\s+", "", text)


def merge_firms(inputs: Inputs, ledger: Ledger) -> pd.DataFrame:
    """Merge registry, tax, statistics, energy and emissions on the normalised ``uscc``.

    Parameters
    ----------
    inputs : Inputs
        Mapped and parsed tables (``registry`` is the master list).
    ledger : Ledger
        Receives events for each table (``rows_in`` declared by the caller).

    Returns
    -------
    DataFrame
        One row per registry code (see :class:`Clean`). Units: ``tax_wan`` 万元, ``elec_kwh``
        kWh, ``gas_m3`` m³, ``coal_t`` t, ``heat_mj`` MJ, emissions t; ``emission_t`` = COD +
        ammonia nitrogen + SO₂ + NOx (NaN when all four are missing).

    Notes
    -----
    Side-table rows whose code is blank, not in the registry, or (tax) for another year than
    ``inputs.data_year`` are rejected; duplicates per code follow :func:`_dedupe` (never
    merged). A name differing from the registry's is noted (row kept).
    """
    reg = _uscc_column(inputs.registry, "registry", ledger, flag_invalid=True)
    reg_values = [c for c in SCHEMAS["registry"] if c not in ("uscc",) and c in reg.columns]
    reg = _dedupe(reg, ["uscc"], reg_values, "registry", ledger)
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
                "registry", int(_at(reg, i, "source_row")), "industry_code", "code_repaired", "repaired",
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
        table = _uscc_column(table, name, ledger, flag_invalid=False)
        if name == "tax":
            table = _filter_year(table, inputs.data_year, ledger)
        unknown = ~table["uscc"].isin(known.keys())
        twins = check_char_twins(table.loc[unknown, "uscc"], known.keys())
        for i in table.index[unknown]:
            code, row = _at(table, i, "uscc"), int(_at(table, i, "source_row"))
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
                if _at(table, i, "uscc_valid")
                else " (the code also fails its check character: probably a typo)"
            )
            ledger.record(
                name, row, "uscc", "unknown_firm", "rejected", f"{code} is not in the registry{hint}"
            )
        table = table.loc[~unknown]
        table = _dedupe(table, ["uscc"], [c for c in values if c in table.columns], name, ledger)
        if "name" in table.columns:
            for i in table.index:
                theirs, ours = _norm_name(_at(table, i, "name")), _norm_name(known[_at(table, i, "uscc")])
                if theirs and ours and theirs != ours:
                    ledger.record(
                        name, int(_at(table, i, "source_row")), "name", "name_mismatch", "kept",
                        f"{_at(table, i, 'uscc')}: '{_at(table, i, 'name')}' here, '{known[_at(table, i, 'uscc')]}' in the registry",
                    )  # fmt: skip
        if name == "tax" and "tax_wan" in table.columns:
            header = str(inputs.meta.get(name, {}).get("source_columns", {}).get("tax_wan", "tax_wan"))
            for i in table.index[table["tax_wan"] < 0]:
                ledger.record(
                    name, int(_at(table, i, "source_row")), "tax_wan", "negative_value", "kept",
                    f"{header} = {_fmt(_at(table, i, 'tax_wan'))} 万元 for {_at(table, i, 'uscc')}: negative value "
                    "kept (a refund exceeding the tax paid?); its 亩均税收 is negative and scores the floor",
                )  # fmt: skip
        ledger.check_kept(name, len(table))
        part = table.set_index("uscc").reindex(columns=values)
        for c in values:
            firms[c] = firms["uscc"].map(part[c]).astype("float64")
        firms[f"in_{name}"] = firms["uscc"].isin(part.index).to_numpy(dtype=bool)
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
            int(_at(table, i, "source_row")),
            "year",
            "other_year",
            "rejected",
            f"year {_fmt(_at(table, i, 'year'))}, not the data year {year}",
        )
    return table.loc[~other]


# --- leases -----------------------------------------------------------------------------------


def validate_leases(
    leases: pd.DataFrame | None, parcels: gpd.GeoDataFrame, firms: pd.DataFrame, ledger: Ledger
) -> pd.DataFrame:
    """Check leases against the validated parcels and firms.

    Parameters
    ----------
    leases : DataFrame or None
        Mapped lease table (``uscc``, ``parcel_id``, ``leased_area_m2`` in m², ``source_row``).
    parcels, firms : frames
        Validated parcels (``parcel_id``, ``owner_uscc``) and firms (``uscc``).
    ledger : Ledger
        Receives events for input ``leases``.

    Returns
    -------
    DataFrame
        ``uscc``, ``parcel_id``, ``leased_area_m2``, ``lessor_name``, ``name``, ``source_row``
        (index ``0..n-1``). Rejected: blank codes, area missing or ≤ 0, unknown parcel, unknown
        firm, a lessee that owns the parcel, duplicates per (uscc, parcel_id).
    """
    cols = ["uscc", "parcel_id", "leased_area_m2", "lessor_name", "name", "source_row"]
    if leases is None or leases.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "leased_area_m2" else "str") for c in cols})
    df = _uscc_column(leases, "leases", ledger, flag_invalid=False)
    df["parcel_id"] = df["parcel_id"].map(normalise_parcel_id).astype("str")
    owners = dict(
        zip(parcels["parcel_id"], parcels.get("owner_uscc", pd.Series(index=parcels.index)), strict=True)
    )
    firm_codes = set(firms["uscc"])
    keep = []
    for i in df.index:
        row, pid, code, area = (
            int(_at(df, i, "source_row")),
            _at(df, i, "parcel_id"),
            _at(df, i, "uscc"),
            _at(df, i, "leased_area_m2"),
        )
        if pd.isna(pid):
            ledger.record("leases", row, "parcel_id", "missing_id", "rejected", "宗地代码 is blank")
        elif pd.isna(area) or area <= 0:
            ledger.record(
                "leases",
                row,
                "leased_area_m2",
                "bad_area",
                "rejected",
                f"leased area {_fmt(area)} m² is not positive",
            )
        elif pid not in owners:
            ledger.record(
                "leases",
                row,
                "parcel_id",
                "unknown_parcel",
                "rejected",
                f"parcel {pid} is not among the valid parcels",
            )
        elif code not in firm_codes:
            ledger.record(
                "leases", row, "uscc", "unknown_firm", "rejected", f"lessee {code} is not in the registry"
            )
        elif owners[pid] == code:
            ledger.record(
                "leases",
                row,
                "uscc",
                "self_lease",
                "rejected",
                f"{code} owns parcel {pid}; a lease to itself adds nothing",
            )
        else:
            keep.append(i)
    df = _dedupe(df.loc[keep], ["uscc", "parcel_id"], ["leased_area_m2", "lessor_name"], "leases", ledger)
    for c in cols:
        if c not in df.columns:
            df[c] = None
    return df[[*cols, *[c for c in df.columns if c not in cols]]].reset_index(drop=True)


# --- geocoded points ---------------------------------------------------------------------------


def validate_points(points: gpd.GeoDataFrame | None, firms: pd.DataFrame, ledger: Ledger) -> gpd.GeoDataFrame:
    """Check geocoded firm locations against the registry and the county's extent.

    Parameters
    ----------
    points : GeoDataFrame or None
        From :func:`ruian_land.io.read_points` (EPSG:4549, ``uscc``, ``lon``/``lat``,
        ``source_row``).
    firms : DataFrame
        Validated firms (``uscc``).
    ledger : Ledger
        Receives events for input ``points``.

    Returns
    -------
    GeoDataFrame
        EPSG:4549, index ``0..n-1``, one point per registry ``uscc``, ``uscc`` normalised,
        ``uscc_valid``. Rejected: blank code, blank/unreadable coordinates
        (``missing_geometry``; swapped 经度/纬度 end here, noted by the reader), a point
        outside Zhejiang (``outside_area``: a failed geocode), a firm not in the registry, duplicates per code
        (``duplicate`` within 1 m, else ``conflicting_duplicate`` naming the distance).
    """
    cols = ["uscc", "uscc_valid", "source_row", "geometry"]
    if points is None or points.empty:
        return gpd.GeoDataFrame({c: [] for c in cols[:-1]}, geometry=[], crs=WORKING_CRS)
    df = _uscc_column(points, "points", ledger, flag_invalid=False)
    geoms = df.geometry
    missing = geoms.isna() | geoms.is_empty
    for row in df.loc[missing, "source_row"]:
        ledger.record(
            "points", int(row), "lon,lat", "missing_geometry", "rejected", "经度/纬度 blank or unreadable"
        )
    df = df.loc[~missing]
    ll = df.geometry.to_crs(MAP_CRS)
    w, s_, e, n = ZHEJIANG_LONLAT_BOUNDS
    out = ~((ll.x >= w) & (ll.x <= e) & (ll.y >= s_) & (ll.y <= n))
    for i in df.index[out]:
        ledger.record(
            "points", int(_at(df, i, "source_row")), "lon,lat", "outside_area", "rejected",
            f"point at lon {float(ll.x[i]):.5f}, lat {float(ll.y[i]):.5f} is outside Zhejiang: "
            "a failed geocode (another city's address?) or the wrong coords: setting",
        )  # fmt: skip
    df = df.loc[~out]
    known = set(firms["uscc"])
    unknown = ~df["uscc"].isin(known)
    for i in df.index[unknown]:
        ledger.record(
            "points", int(_at(df, i, "source_row")), "uscc", "unknown_firm", "rejected",
            f"{_at(df, i, 'uscc')} is not in the registry",
        )  # fmt: skip
    df = df.loc[~unknown]
    drop = []
    for code, group in df.loc[df["uscc"].duplicated(keep=False)].groupby("uscc", sort=False):
        first = group.index[0]
        r0 = ledger.where("points", int(_at(df, first, "source_row")))
        for i in group.index[1:]:
            d = float(df.geometry[first].distance(df.geometry[i]))
            same = d <= _SAME_POINT_M
            ledger.record(
                "points", int(_at(df, i, "source_row")), "lon,lat",
                "duplicate" if same else "conflicting_duplicate", "rejected",
                f"{code} also on {r0}" + ("" if same else f", {d:,.0f} m away")
                + f"; kept {r0} (the first), not merged",
            )  # fmt: skip
            drop.append(i)
    df = df.drop(index=drop)
    return gpd.GeoDataFrame(df, geometry=df.geometry.name, crs=WORKING_CRS).reset_index(drop=True)


# --- all inputs -------------------------------------------------------------------------------


def _code_counts(inputs: Inputs) -> dict[str, int]:
    """统一社会信用代码 that Excel would turn into numbers (digits only, or already in scientific
    notation) per ``input.column``: the denominator of the numeric-code share (codes with letters
    stay text in Excel, so they say nothing about the column's format)."""
    out: dict[str, int] = {}
    for name, frame in inputs.frames().items():
        for col in ("uscc", "owner_uscc"):
            if col in frame.columns:
                text = frame[col].astype("string").str.replace(r"\s+", "", regex=True)
                digits = text.str.fullmatch(r"\d{15,18}|[+-]?\d+(\.\d*)?[eE]\+?\d+").fillna(False)
                out[f"{name}.{col}"] = int(digits.astype(bool).sum())
    return out


def validate_inputs(inputs: Inputs, ledger: Ledger | None = None, *, rules: RuleSet | None = None) -> Clean:
    """Validate every input of a project and fill the ledger.

    Parameters
    ----------
    inputs : Inputs
        From :func:`ruian_land.io.load_inputs`.
    ledger : Ledger, optional
        Filled in place (a new one when omitted); ``rows_in`` is declared here for every input.
    rules : RuleSet, optional
        Default :func:`ruian_land.rules.load_rules`; uses ``qa.*`` (recorded-area tolerance,
        sliver sizes, ``qa.numeric_code_share_max``, ``qa.min_tax_match_share``).

    Returns
    -------
    Clean
        Validated frames; for every input ``ledger.summary()[input]['kept']`` equals the rows
        that came out (checked), and rows dropped while reading (合计 totals rows, notes) are
        counted as rejected. The ledger knows each file's first data line, so its
        ``file_row`` is the row a planner sees in Excel; it also lists, per side table, the
        firms that table has no row for (:func:`ruian_land.validate.checks.note_missing_records`).

    Raises
    ------
    InputError
        A code column that went through an Excel number
        (:func:`ruian_land.validate.checks.check_numeric_codes`), or a tax table matching fewer
        than ``qa.min_tax_match_share`` of the registry
        (:func:`ruian_land.validate.checks.check_tax_coverage`).
    """
    led = ledger if ledger is not None else Ledger()
    rules = rules if rules is not None else load_rules()
    for name, frame in inputs.frames().items():
        n_dropped = int((inputs.dropped["input"] == name).sum())
        led.rows_in(name, inputs.rows_in.get(name, len(frame) + n_dropped))
        meta = inputs.meta.get(name, {})
        if meta.get("path") is not None:
            led.set_file(name, meta["path"], first_data_line=meta.get("first_data_line"))
    for d in inputs.dropped.to_dict("records"):
        led.record(str(d["input"]), int(d["row"]), None, str(d["problem"]), "rejected", str(d["detail"]))
    for d in inputs.issues.to_dict("records"):
        action = d.get("action") if d.get("action") in ("kept", "repaired") else "kept"
        led.record(str(d["input"]), d["row"], d["column"], str(d["problem"]), str(action), str(d["detail"]))
    check_numeric_codes(inputs.issues, _code_counts(inputs), rules, meta=inputs.meta)
    parcels = validate_parcels(inputs.parcels, led, rules)
    led.check_kept("parcels", len(parcels))
    firms = merge_firms(inputs, led)
    check_tax_coverage(firms, rules, meta=inputs.meta)
    note_missing_records(firms, led, {n: getattr(inputs, n) is not None for n in FIRM_TABLES[1:]})
    leases = validate_leases(inputs.leases, parcels, firms, led)
    if inputs.leases is not None:
        led.check_kept("leases", len(leases))
    layers: dict[str, gpd.GeoDataFrame | None] = {}
    for name in ("control_lines", "towns", "boundary"):
        layer = getattr(inputs, name)
        layers[name] = None if layer is None else repair_polygons(layer, name, led, polygonize_lines=True)
        if layer is not None:
            led.check_kept(name, len(layers[name]))  # type: ignore[arg-type]
    points = getattr(inputs, "points", None)
    if points is not None:
        valid_points = validate_points(points, firms, led)
        led.check_kept("points", len(valid_points))
        layers["points"] = valid_points
    return Clean(
        parcels=parcels,
        firms=firms,
        leases=leases,
        ledger=led,
        built_up=inputs.built_up,
        meta=inputs.meta,
        **layers,
    )
