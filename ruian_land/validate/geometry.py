"""Geometry checks for polygon layers: repair (``make_valid``, polygonal parts only, holes and
multipart features kept), line outlines turned into polygons, and overlaps between features
(near-coincident shared edges give thin slivers; real overlaps double-count land). Every
repair, rejection and overlap is recorded in the ledger with the feature's ``source_row``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ruian_land.core import Ledger, map_slices, query_slices

__all__ = ["find_overlaps", "repair_polygons"]

_POLYGONAL = ("Polygon", "MultiPolygon")


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


def repair_polygons(
    gdf: gpd.GeoDataFrame, input_name: str, ledger: Ledger, *, polygonize_lines: bool = False
) -> gpd.GeoDataFrame:
    """Repair a polygon layer row by row and record what was done.

    Invalid geometry → ``shapely.make_valid(method='structure')`` and only the polygonal parts
    kept (``repaired``; dropped line/point parts are counted in the detail); null or empty
    geometry, non-polygon geometry, or nothing polygonal left → ``rejected``. Holes are kept,
    multipart features stay one feature.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS (areas in the details are in its units; use EPSG:4549), with ``source_row``.
    input_name : str
        Ledger input name.
    ledger : Ledger
        Receives the events.
    polygonize_lines : bool
        Turn (Multi)LineString outlines into the polygons their closed rings enclose
        (``repaired``, problem ``polygonized``) instead of rejecting them: boundary and
        control-line layers are often delivered as outlines. Never used for parcels.

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
    out: list[BaseGeometry | None] = list(geoms)
    arr = gdf.geometry.values
    valid = map_slices(shapely.is_valid, np.asarray(arr))  # both cores at a province's size
    simple = np.asarray(
        valid & ~shapely.is_empty(arr) & np.isin(shapely.get_type_id(arr), (3, 6)), dtype=bool
    )
    for i in np.flatnonzero(~simple):  # valid (Multi)Polygons, nearly all, stay as they are
        geom = geoms[i]
        row = int(rows[i])
        if geom is None or geom.is_empty:
            ledger.record(
                input_name, row, "geometry", "missing_geometry", "rejected", "no geometry in this feature"
            )
            keep[i] = False
            out[i] = None
            continue
        if polygonize_lines and geom.geom_type in ("LineString", "MultiLineString", "LinearRing"):
            poly = _polygonize(geom)
            if poly is not None:
                n_rings = int(shapely.get_num_geometries(geom))
                ledger.record(
                    input_name, row, "geometry", "polygonized", "repaired",
                    f"{geom.geom_type} outline of {n_rings} part(s) turned into the {poly.geom_type} it "
                    f"encloses ({poly.area:,.1f} m²)",
                )  # fmt: skip
                repaired[i] = True
                out[i] = poly
                continue
        if geom.geom_type not in (*_POLYGONAL, "GeometryCollection"):
            ledger.record(
                input_name, row, "geometry", "not_polygon", "rejected", f"geometry is a {geom.geom_type}"
            )
            keep[i] = False
            out[i] = None
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
            out[i] = None
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
        out[i] = poly
    result = gdf.copy()
    result = result.set_geometry(gpd.GeoSeries(out, index=gdf.index, crs=gdf.crs))
    result["geometry_repaired"] = repaired
    return result.loc[keep].reset_index(drop=True)


def _polygonize(geom: BaseGeometry) -> BaseGeometry | None:
    """The area enclosed by the closed rings of a line geometry (holes' faces merged back)."""
    faces = list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(geom)))))
    faces = [f for f in faces if not f.is_empty and f.area > 0]
    if not faces:
        return None
    merged = shapely.make_valid(shapely.union_all(faces))
    poly, _ = _polygonal_parts(merged)
    return poly


def find_overlaps(
    gdf: gpd.GeoDataFrame,
    input_name: str,
    ledger: Ledger,
    *,
    sliver_m2: float,
    id_column: str = "parcel_id",
) -> pd.DataFrame:
    """Find pairs of polygons that share area and note them on the later row (kept).

    Parameters
    ----------
    gdf : GeoDataFrame
        Valid polygons in EPSG:4549 (metres), with ``source_row`` and ``id_column``.
    input_name : str
        Ledger input name.
    ledger : Ledger
        Receives ``sliver_overlap`` (shared area below ``sliver_m2``: near-coincident edges
        digitised twice) or ``overlap`` events, action ``kept``, on the later row of each pair.
    sliver_m2 : float
        Overlaps smaller than this are slivers (rule ``qa.sliver_overlap_m2``).
    id_column : str
        Feature id named in the details.

    Returns
    -------
    DataFrame
        One row per overlapping pair: ``row_a``, ``row_b`` (source rows, a < b), ``id_a``,
        ``id_b``, ``overlap_m2``, ``sliver`` (bool). Areas are not changed: each parcel keeps
        its own polygon area, so a planner sees the double-counted area in the ledger.
    """
    cols = ["row_a", "row_b", "id_a", "id_b", "overlap_m2", "sliver"]
    geoms = gdf.geometry.values
    if len(gdf) < 2:
        return pd.DataFrame(columns=cols)
    left, right = query_slices(gdf.sindex, np.asarray(geoms), predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return pd.DataFrame(columns=cols)
    polys = np.asarray(geoms)
    area = np.asarray(map_slices(_shared_area, polys[left], polys[right]), dtype=float)
    pos = area > 0
    rows = gdf["source_row"].to_numpy()
    ids = gdf[id_column].to_numpy() if id_column in gdf.columns else rows
    out = pd.DataFrame(
        {
            "row_a": rows[left[pos]].astype(int),
            "row_b": rows[right[pos]].astype(int),
            "id_a": ids[left[pos]],
            "id_b": ids[right[pos]],
            "overlap_m2": area[pos],
        }
    )
    out["sliver"] = out["overlap_m2"] < sliver_m2
    out = out.sort_values(["row_a", "row_b"], kind="stable").reset_index(drop=True)
    for r in out.to_dict("records"):
        later, earlier = max(r["row_a"], r["row_b"]), min(r["row_a"], r["row_b"])
        lid, eid = (r["id_b"], r["id_a"]) if r["row_b"] == later else (r["id_a"], r["id_b"])
        if r["sliver"]:
            what = (
                f"{lid} and {eid} (row {earlier}) share a {r['overlap_m2']:,.3f} m² sliver "
                f"(< {sliver_m2:g} m², rule qa.sliver_overlap_m2): near-coincident edges; both kept"
            )
        else:
            what = (
                f"{lid} overlaps {eid} (row {earlier}) by {r['overlap_m2']:,.1f} m²: that land is counted in "
                "both parcels; both kept, check the cadastre"
            )
        ledger.record(
            input_name, later, "geometry", "sliver_overlap" if r["sliver"] else "overlap", "kept", what
        )
    return out[cols]


def _shared_area(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Area of ``a[i] ∩ b[i]`` (element-wise; releases the GIL, for :func:`map_slices`)."""
    return np.asarray(shapely.area(shapely.intersection(a, b)))
