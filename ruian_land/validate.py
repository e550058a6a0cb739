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

from ruian_land.codes import USCC_ALPHABET, uscc_check_char, validate_uscc_series
from ruian_land.columns import SCHEMAS
from ruian_land.crs import WORKING_CRS
from ruian_land.io.inputs import FIRM_TABLES, Inputs
from ruian_land.ledger import Ledger
from ruian_land.rules import RuleSet, load_rules
from ruian_land.units import m2_to_mu

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
]

_POLYGONAL = ("Polygon", "MultiPolygon")
_EMISSION_PARTS = ("cod_t", "ammonia_t", "so2_t", "nox_t")
#: Value columns each side table contributes to ``firms`` (CONTRACTS §2).
FIRM_VALUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "tax": ("tax_wan",),
    "statistics": ("output_wan", "value_added_wan", "revenue_wan", "rd_wan", "employees"),
    "energy": ("elec_kwh", "gas_m3", "coal_t", "heat_mj"),
    "emissions": _EMISSION_PARTS,
}
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
        Repaired layers (EPSG:4549).
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
    built_up: Path | None = None
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)


def _at(df: pd.DataFrame, label: Any, column: str) -> Any:
    """One cell (typed ``Any``: cells of mixed frames)."""
    return df.at[label, column]


def normalise_parcel_id(value: object) -> str | None:
    """宗地代码 as text: NFKC (full-width → half-width), whitespace removed, upper case;
    ``None`` when blank. ``'330381101002gb00123 '`` → ``'330381101002GB00123'``."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()
    return text or None


# --- geometry -------------------------------------------------------------------------------


def _polygonal_parts(geom: BaseGeometry) -> tuple[BaseGeometry | None, int]:
    """Polygonal part of ``geom`` (Polygon/MultiPolygon or None) and the number of other parts."""
    if geom.geom_type in _POLYGONAL:
        return geom, 0
    parts = list(shapely.get_parts(geom))
    flat: list[BaseGeometry] = []
    for p in parts:
        flat.extend(
            shapely.get_parts(p)
            if p.geom_type.startswith("Multi") or p.geom_type == "GeometryCollection"
            else [p]
        )
    polys = [p for p in flat if p.geom_type == "Polygon" and not p.is_empty]
    other = len(flat) - len(polys)
    if not polys:
        return None, other
    merged = polys[0] if len(polys) == 1 else shapely.union_all(polys)
    return merged, other


def repair_polygons(gdf: gpd.GeoDataFrame, input_name: str, ledger: Ledger) -> gpd.GeoDataFrame:
    """Repair a polygon layer row by row and record what was done.

    Invalid geometry → ``shapely.make_valid(method='structure')`` and only the polygonal parts
    kept (``repaired``; dropped line/point parts are counted in the detail); null or empty
    geometry, non-polygon geometry, or nothing polygonal left → ``rejected``.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS (areas in the details are in its units; use EPSG:4549), with ``source_row``.
    input_name : str
        Ledger input name.
    ledger : Ledger
        Receives the events.

    Returns
    -------
    GeoDataFrame
        The surviving rows in their order (index ``0..n-1``), valid Polygon/MultiPolygon
        geometry, ``geometry_repaired`` (bool).
    """
    rows = gdf["source_row"].to_numpy() if "source_row" in gdf.columns else np.arange(1, len(gdf) + 1)
    geoms = list(gdf.geometry.values)
    keep = np.ones(len(gdf), dtype=bool)
    repaired = np.zeros(len(gdf), dtype=bool)
    out: list[BaseGeometry | None] = []
    arr = gdf.geometry.values
    simple = np.asarray(
        shapely.is_valid(arr) & ~shapely.is_empty(arr) & np.isin(shapely.get_type_id(arr), (3, 6)), dtype=bool
    )
    for i, geom in enumerate(geoms):
        if simple[i]:  # valid Polygon / MultiPolygon: nothing to do
            out.append(geom)
            continue
        row = int(rows[i])
        if geom is None or geom.is_empty:
            ledger.record(
                input_name, row, "geometry", "missing_geometry", "rejected", "no geometry in this feature"
            )
            keep[i] = False
            out.append(None)
            continue
        if geom.geom_type not in (*_POLYGONAL, "GeometryCollection"):
            ledger.record(
                input_name, row, "geometry", "not_polygon", "rejected", f"geometry is a {geom.geom_type}"
            )
            keep[i] = False
            out.append(None)
            continue
        fixed, reason = geom, ""
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
        poly, dropped = _polygonal_parts(fixed)
        if poly is None or poly.is_empty:
            what = f"invalid ({reason})" if reason else f"a {geom.geom_type} without polygons"
            ledger.record(
                input_name,
                row,
                "geometry",
                "empty_after_repair",
                "rejected",
                f"geometry {what}: nothing polygonal left",
            )
            keep[i] = False
            out.append(None)
            continue
        if reason:
            ledger.record(
                input_name, row, "geometry", "invalid_geometry", "repaired",
                f"{reason}; make_valid gives {poly.geom_type} of {poly.area:,.1f} m²",
            )  # fmt: skip
        if dropped:
            ledger.record(
                input_name, row, "geometry", "dropped_parts", "repaired",
                f"{dropped} non-polygonal part(s) (lines/points) dropped",
            )  # fmt: skip
        repaired[i] = bool(reason) or dropped > 0
        out.append(poly)
    result = gdf.copy()
    result = result.set_geometry(gpd.GeoSeries(out, index=gdf.index, crs=gdf.crs))
    result["geometry_repaired"] = repaired
    return result.loc[keep].reset_index(drop=True)


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
        polygon area by more than this is reported (row kept).

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
    gdf["area_mu"] = m2_to_mu(gdf["area_m2"].to_numpy())
    if "recorded_area_m2" in gdf.columns:
        tol = float(rules.value("qa.recorded_area_tolerance"))
        rec = pd.to_numeric(gdf["recorded_area_m2"], errors="coerce")
        gap = (gdf["area_m2"] - rec).abs() / rec
        for i in gdf.index[(rec > 0) & (gap > tol)]:
            ledger.record(
                "parcels", int(_at(gdf, i, "source_row")), "recorded_area_m2", "area_mismatch", "kept",
                f"recorded {rec[i]:,.1f} m² vs polygon {_at(gdf, i, 'area_m2'):,.1f} m² ({gap[i]:.1%} > "
                f"{tol:.0%}, rule qa.recorded_area_tolerance); the polygon area is used",
            )  # fmt: skip
    if "owner_uscc" in gdf.columns:
        codes = validate_uscc_series(gdf["owner_uscc"])
        gdf["owner_uscc"] = codes["uscc"].astype("str")
        gdf["owner_uscc_valid"] = codes["uscc_valid"].to_numpy(dtype=bool)
    gdf["geometry_repaired"] = gdf["geometry_repaired"].astype(bool)
    return gdf.reset_index(drop=True)


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
        r0 = int(_at(gdf, first, "source_row"))
        for i in group.index[1:]:
            gi = gdf.geometry[i]
            if _same_geometry(g0, gi):
                ledger.record(
                    "parcels", int(_at(gdf, i, "source_row")), "parcel_id", "duplicate", "rejected",
                    f"same 宗地代码 {pid} and geometry as row {r0} (kept)",
                )  # fmt: skip
            else:
                ledger.record(
                    "parcels", int(_at(gdf, i, "source_row")), "parcel_id", "conflicting_duplicate", "rejected",
                    f"宗地代码 {pid} also on row {r0} with a different polygon ({g0.area:,.1f} m² on row {r0} "
                    f"vs {gi.area:,.1f} m² here); kept row {r0} (the first), not merged: check which is right",
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
        r0 = int(_at(df, first, "source_row"))
        label = "/".join(str(x) for x in (k if isinstance(k, tuple) else (k,)))
        for i in group.index[1:]:
            row = int(_at(df, i, "source_row"))
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
                    f"same {label} and values as row {r0} (kept)",
                )
            else:
                what = "; ".join(
                    f"{c}: {_fmt(_at(df, first, c))} (row {r0}) vs {_fmt(_at(df, i, c))} (row {row})"
                    for c in diffs
                )
                ledger.record(
                    input_name, row, ",".join(diffs), "conflicting_duplicate", "rejected",
                    f"{label} also on row {r0} with other values — {what}; kept row {r0} (the first), not merged",
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
        for i in table.index[unknown]:
            code = _at(table, i, "uscc")
            hint = (
                ""
                if _at(table, i, "uscc_valid")
                else " (the code also fails its check character: probably a typo)"
            )
            ledger.record(
                name,
                int(_at(table, i, "source_row")),
                "uscc",
                "unknown_firm",
                "rejected",
                f"{code} is not in the registry{hint}",
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
        ledger.check_kept(name, len(table))
        part = table.set_index("uscc").reindex(columns=values)
        for c in values:
            firms[c] = firms["uscc"].map(part[c]).astype("float64")
        firms[f"in_{name}"] = firms["uscc"].isin(part.index).to_numpy(dtype=bool)
    parts = firms[list(_EMISSION_PARTS)]
    firms["emission_t"] = parts.sum(axis=1, min_count=1)
    ledger.check_kept("registry", len(firms))
    return firms


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


# --- all inputs -------------------------------------------------------------------------------


def validate_inputs(inputs: Inputs, ledger: Ledger | None = None, *, rules: RuleSet | None = None) -> Clean:
    """Validate every input of a project and fill the ledger.

    Parameters
    ----------
    inputs : Inputs
        From :func:`ruian_land.io.load_inputs`.
    ledger : Ledger, optional
        Filled in place (a new one when omitted); ``rows_in`` is declared here for every input.
    rules : RuleSet, optional
        Default :func:`ruian_land.rules.load_rules`; uses ``qa.recorded_area_tolerance``.

    Returns
    -------
    Clean
        Validated frames; for every input ``ledger.summary()[input]['kept']`` equals the rows
        that came out (checked), and rows dropped while reading (合计 totals rows, notes) are
        counted as rejected.
    """
    led = ledger if ledger is not None else Ledger()
    rules = rules if rules is not None else load_rules()
    for name, frame in inputs.frames().items():
        n_dropped = int((inputs.dropped["input"] == name).sum())
        led.rows_in(name, inputs.rows_in.get(name, len(frame) + n_dropped))
    for d in inputs.dropped.to_dict("records"):
        led.record(str(d["input"]), int(d["row"]), None, str(d["problem"]), "rejected", str(d["detail"]))
    for d in inputs.issues.to_dict("records"):
        led.record(str(d["input"]), d["row"], d["column"], str(d["problem"]), "kept", str(d["detail"]))
    parcels = validate_parcels(inputs.parcels, led, rules)
    led.check_kept("parcels", len(parcels))
    firms = merge_firms(inputs, led)
    leases = validate_leases(inputs.leases, parcels, firms, led)
    if inputs.leases is not None:
        led.check_kept("leases", len(leases))
    layers: dict[str, gpd.GeoDataFrame | None] = {}
    for name in ("control_lines", "towns", "boundary"):
        layer = getattr(inputs, name)
        layers[name] = None if layer is None else repair_polygons(layer, name, led)
        if layer is not None:
            led.check_kept(name, len(layers[name]))  # type: ignore[arg-type]
    return Clean(
        parcels=parcels,
        firms=firms,
        leases=leases,
        ledger=led,
        built_up=inputs.built_up,
        meta=inputs.meta,
        **layers,
    )
