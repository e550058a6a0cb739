"""Parcels (宗地): geometry repaired, 宗地代码 duplicates rejected, digitising slivers, the recorded
宗地面积 checked against the polygon, areas recomputed and owner codes validated.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ruian_land.core import (
    WORKING_CRS,
    InputError,
    Ledger,
    m2_to_mu,
    normalise_parcel_ids,
    require_columns,
    validate_uscc_series,
)
from ruian_land.rules import RuleSet
from ruian_land.validate.geometry import find_overlaps, repair_polygons

__all__ = ["DUPLICATE_CHOICES", "validate_parcels"]


#: Which row of a duplicated 宗地代码 is kept (``sources.parcels.duplicates`` in the project config).
DUPLICATE_CHOICES: tuple[str, ...] = ("first", "last", "largest", "error")


def validate_parcels(
    parcels: gpd.GeoDataFrame, ledger: Ledger, rules: RuleSet, *, duplicates: str = "first"
) -> gpd.GeoDataFrame:
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
    duplicates : {'first', 'last', 'largest', 'error'}
        Which row of a duplicated ``parcel_id`` with different polygons is kept: the first or
        last in file order, the largest polygon (the first of equal ones), or none — ``error``
        refuses the layer (``sources.parcels.duplicates`` in the project config; default first).

    Returns
    -------
    GeoDataFrame
        EPSG:4549, index ``0..n-1``, unique ``parcel_id``; see :class:`ruian_land.validate.result.Clean`.

    Notes
    -----
    Duplicates: one row of a ``parcel_id`` is kept (``duplicates``: the first by default). Another
    row with the same geometry is rejected as ``duplicate``; one with a different geometry as
    ``conflicting_duplicate`` (the two areas are named) — a planner must decide which polygon is
    right, so nothing is merged.

    Raises
    ------
    InputError
        ``duplicates='error'`` and a ``parcel_id`` is on features with different polygons
        (naming the file, the code and the rows), or ``duplicates`` is not one of
        :data:`DUPLICATE_CHOICES`.
    StageInputError
        ``parcels`` lacks ``parcel_id`` or ``source_row`` (columns not yet mapped: read through
        :func:`ruian_land.io.load_inputs`, or map them with :func:`ruian_land.core.map_columns`).
    """
    require_columns(
        parcels, ("parcel_id", "source_row", "geometry"), frame_name="parcels", stage="validate_parcels"
    )
    # the reader's geometry_status describes the geometry as read; after repair the ledger says it
    gdf = parcels.drop(columns=["geometry_status"], errors="ignore")
    if gdf.crs is not None and not WORKING_CRS.equals(gdf.crs):
        gdf = gdf.to_crs(WORKING_CRS)
    gdf["parcel_id"] = normalise_parcel_ids(gdf["parcel_id"]).astype("str")
    no_id = gdf["parcel_id"].isna()
    for row in gdf.loc[no_id, "source_row"]:
        ledger.record("parcels", int(row), "parcel_id", "missing_id", "rejected", "宗地代码 is blank")
    gdf = repair_polygons(gdf.loc[~no_id], "parcels", ledger)
    gdf = _dedupe_parcels(gdf, ledger, duplicates)
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
    rows = zip(
        gdf.index[small],
        gdf.loc[small, "area_m2"].astype(float).tolist(),
        gdf.loc[small, "parcel_id"].tolist(),
        gdf.loc[small, "source_row"].astype(int).tolist(),
        held[small].tolist(),
        strict=True,
    )  # plain lists: one label look-up per cell was 0.3 ms at 1M parcels
    for i, area, pid, source_row, has_holder in rows:
        what = f"{pid}: {area:,.1f} m² < {min_m2:g} m² (rule qa.min_parcel_area_m2)"
        if has_holder:
            ledger.record(
                "parcels", source_row, "geometry", "sliver_parcel", "kept",
                f"{what}, but it has a holder: kept; check whether it is a real plot or a digitising sliver",
            )  # fmt: skip
        else:
            ledger.record(
                "parcels", source_row, "geometry", "sliver_parcel", "rejected",
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
    pick = (repaired | (gap > tol)).to_numpy()
    rows = zip(
        gdf["source_row"].to_numpy()[pick].tolist(),
        gdf["area_m2"].to_numpy(dtype=float)[pick].tolist(),
        repaired.to_numpy()[pick].tolist(),
        rec.to_numpy(dtype=float)[pick].tolist(),
        gap.to_numpy(dtype=float)[pick].tolist(),
        strict=True,
    )
    for source_row, area, was_repaired, recorded, gap_i in rows:
        row = int(source_row)
        if not was_repaired:
            ledger.record(
                "parcels", row, "recorded_area_m2", "area_mismatch", "kept",
                f"recorded {recorded:,.1f} m² vs polygon {area:,.1f} m² ({gap_i:.1%} > "
                f"{tol:.0%}, rule qa.recorded_area_tolerance); the polygon area is used",
            )  # fmt: skip
        elif pd.isna(gap_i):
            ledger.record(
                "parcels", row, "recorded_area_m2", "repaired_area", "kept",
                f"area after repair {area:,.1f} m²; no recorded 宗地面积 to compare; the repaired area is used",
            )  # fmt: skip
        elif gap_i > tol:
            ledger.record(
                "parcels", row, "recorded_area_m2", "repaired_area_mismatch", "kept",
                f"area after repair differs from recorded area; check the geometry: recorded {recorded:,.1f} m², "
                f"after repair {area:,.1f} m² ({(area - recorded) / recorded:+.1%}, beyond {tol:.0%}, rule "
                "qa.recorded_area_tolerance); the repaired polygon's area is used until the polygon is corrected",
            )  # fmt: skip
        else:
            ledger.record(
                "parcels", row, "recorded_area_m2", "repaired_area", "kept",
                f"recorded {recorded:,.1f} m², after repair {area:,.1f} m² ({(area - recorded) / recorded:+.1%}, "
                f"within {tol:.0%}); the repaired area is used",
            )  # fmt: skip


def _same_geometry(a: BaseGeometry, b: BaseGeometry) -> bool:
    if shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=1e-3):
        return True
    return bool(shapely.equals(a, b))


_KEPT_HOW = {"first": "the first", "last": "the last", "largest": "the largest polygon", "error": "the first"}


def _dedupe_parcels(gdf: gpd.GeoDataFrame, ledger: Ledger, keep: str = "first") -> gpd.GeoDataFrame:
    if keep not in DUPLICATE_CHOICES:
        raise InputError(
            f"unknown choice for duplicated 宗地代码: {keep!r}",
            path=ledger.files.get("parcels"),
            fix=f"set sources.parcels.duplicates to one of {', '.join(DUPLICATE_CHOICES)}",
        )
    dup = gdf["parcel_id"].duplicated(keep=False)
    if not dup.any():
        return gdf
    # the duplicated rows as plain arrays, grouped by code in order of first appearance (as
    # ``groupby(sort=False)``; a blank code is no group): no frame look-up per row
    sub = gdf.loc[dup]
    labels = sub.index.to_numpy()
    geoms = np.asarray(sub.geometry.values)
    areas = shapely.area(geoms)
    source_rows = sub["source_row"].astype(int).tolist()
    codes, uniques = pd.factorize(sub["parcel_id"], sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(-1, len(uniques)) + 0.5)
    drop: list[Any] = []
    for g, pid in enumerate(uniques):
        members = order[bounds[g] : bounds[g + 1]].tolist()
        if keep == "last":
            kept = members[-1]
        elif keep == "largest":
            kept = members[int(np.argmax(areas[members]))]  # the first of equal largest, as idxmax
        else:
            kept = members[0]
        g0 = geoms[kept]
        r0 = ledger.where("parcels", source_rows[kept])
        for m in members:
            if m == kept:
                continue
            gi = geoms[m]
            ri = ledger.where("parcels", source_rows[m])
            if _same_geometry(g0, gi):
                ledger.record(
                    "parcels", source_rows[m], "parcel_id", "duplicate", "rejected",
                    f"same 宗地代码 {pid} and geometry as {r0} (kept)",
                )  # fmt: skip
            elif keep == "error":
                raise InputError(
                    f"宗地代码 {pid} is on {len(members)} features with different polygons ({g0.area:,.1f} m² "
                    f"on {r0}, {gi.area:,.1f} m² on {ri}) and the project says duplicates: error",
                    path=ledger.files.get("parcels"),
                    column="parcel_id",
                    row=ledger.file_row("parcels", source_rows[m]),
                    fix="correct the parcel layer so each 宗地代码 is on one feature, or choose which to keep "
                    "with sources.parcels.duplicates: first | last | largest in the project config",
                )
            else:
                ledger.record(
                    "parcels", source_rows[m], "parcel_id", "conflicting_duplicate", "rejected",
                    f"宗地代码 {pid} also on {r0} with a different polygon ({g0.area:,.1f} m² on {r0} "
                    f"vs {gi.area:,.1f} m² here); kept {r0} ({_KEPT_HOW[keep]}), not merged: check which is right",
                )  # fmt: skip
            drop.append(labels[m])
    return gdf.drop(index=drop)
