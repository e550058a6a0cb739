"""工业用地控制线 (industrial land control lines): how much of each parcel lies inside.

Plan §四(二) puts freed industrial land inside the control line under a rule: it stays
industrial (a change of use needs 先补后占 / 改一补一). A parcel or a 小微企业园 site is
therefore measured by the *area* it has inside the union of the control-line polygons,
never by whether its centroid falls inside: a site straddling the line counts only its
inside part.

The overlay is vectorised (shapely 2): the union of the lines is cut into its polygon
parts, an STRtree finds the (parcel, part) pairs that intersect, a parcel that one part
contains is inside whole (its own area: the common case, one prepared ``contains`` per pair),
and one vectorised ``shapely.intersection(..., grid_size=...)`` call measures each remaining
pair (the parcels across the line). The parts of a union do not overlap, so the areas add up
per parcel. Pieces smaller than
``control_line.sliver_area_m2`` (digitising noise along a shared boundary) are snapped to
"outside" or "all inside" and reported in the ``sliver`` column.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ruian_land.core import WORKING_CRS, InputError, crs_equal, map_slices, query_slices, to_working
from ruian_land.rules import load_rules

__all__ = [
    "control_line_overlay",
    "control_line_union",
    "inside_share",
    "polygonal_parts",
    "working_geometries",
]

_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon


def polygonal_parts(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (same order; None stays None).

    ``make_valid`` and overlays can return a GeometryCollection mixing polygons with lines or
    points (a spike, a touching edge); GEOS overlays refuse such mixed-dimension inputs and a
    line has no area anyway. A geometry with no polygonal part becomes an empty polygon.

    Parameters
    ----------
    geoms : numpy.ndarray
        Geometries (object array, any CRS).

    Returns
    -------
    numpy.ndarray
        Polygons / MultiPolygons (or empty polygons, or None), same shape.
    """
    out = np.asarray(geoms, dtype=object).copy()
    present = ~shapely.is_missing(out)
    types = np.full(len(out), -1)
    types[present] = shapely.get_type_id(out[present])
    for i in np.flatnonzero(present & ~np.isin(types, _POLYGONAL)):
        parts = shapely.get_parts(shapely.get_parts(out[i]))  # collections may nest one level
        polys = [g for g in parts if shapely.get_type_id(g) in _POLYGONAL]
        out[i] = shapely.union_all(polys) if polys else shapely.Polygon()
    return out


def working_geometries(gdf: gpd.GeoDataFrame, *, source: str) -> np.ndarray:
    """Valid geometries of ``gdf`` in EPSG:4549 as a numpy object array (same order).

    Missing geometries stay ``None``; invalid ones are repaired with ``make_valid`` on a
    copy (the caller's frame is not changed).

    Raises
    ------
    InputError
        ``gdf`` has no CRS, or coordinates implausible for its CRS.
    """
    if gdf.crs is None:
        raise InputError(
            "the layer has no CRS",
            path=source,
            fix="set the CRS (EPSG:4549 for CGCS2000 GK CM 120E) before calling this function",
        )
    if not crs_equal(gdf.crs, WORKING_CRS):
        gdf = to_working(gdf, source=source)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    present = ~shapely.is_missing(geoms)
    if present.any():
        bad = present.copy()
        bad[present] = ~shapely.is_valid(geoms[present])
        if bad.any():
            geoms = geoms.copy()
            geoms[bad] = shapely.make_valid(geoms[bad])
    return geoms


def control_line_union(control_lines: gpd.GeoDataFrame, *, grid_size: float = 0.01) -> np.ndarray:
    """The union of the control-line polygons, as an array of disjoint polygon parts (EPSG:4549).

    Parameters
    ----------
    control_lines : GeoDataFrame
        Control-line polygons, any CRS with a definition (converted to EPSG:4549).
    grid_size : float
        Precision grid in metres for the union (0.01 m = 1 cm).

    Returns
    -------
    numpy.ndarray
        Polygon parts (object array), possibly empty. Lines and points are dropped.
    """
    geoms = polygonal_parts(working_geometries(control_lines, source="control_lines"))
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if geoms.size == 0:
        return np.empty(0, dtype=object)
    union = shapely.union_all(geoms, grid_size=grid_size)
    parts = shapely.get_parts(union)
    return parts[shapely.get_type_id(parts) == 3]  # 3 = Polygon


def control_line_overlay(
    parcels: gpd.GeoDataFrame,
    control_lines: gpd.GeoDataFrame,
    *,
    grid_size: float = 0.01,
    sliver_m2: float | None = None,
    rules: Any = None,
) -> pd.DataFrame:
    """Area of each parcel inside the union of the control lines.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels (n rows), EPSG:4549 (other CRSs are converted on a copy). Missing or empty
        geometries give NaN.
    control_lines : GeoDataFrame
        Control-line polygons (``工业用地控制线``), any number, overlapping or not.
    grid_size : float
        Precision grid in metres used for the union and the intersections (0.01 m).
    sliver_m2 : float, optional
        Inside or outside pieces smaller than this (m²) are snapped to 0 or to the whole
        parcel and flagged. Default: rule ``control_line.sliver_area_m2``.
    rules : RuleSet, optional
        Rule set to read ``control_line.sliver_area_m2`` from (default preset when None).

    Returns
    -------
    DataFrame
        Index aligned to ``parcels``; columns ``area_m2`` (geometry area, m²),
        ``inside_area_m2`` (m²), ``inside_share`` (0–1, NaN for missing/zero-area
        geometries) and ``sliver`` (bool: a piece below ``sliver_m2`` was snapped).

    Raises
    ------
    InputError
        A layer has no CRS or implausible coordinates.
    """
    if sliver_m2 is None:
        if rules is None:
            rules = load_rules()
        sliver_m2 = float(rules.value("control_line.sliver_area_m2"))
    geoms = polygonal_parts(working_geometries(parcels, source="parcels"))
    n = len(geoms)
    present = ~shapely.is_missing(geoms)
    area = np.full(n, np.nan)
    area[present] = shapely.area(geoms[present])
    inside = np.zeros(n)
    parts = control_line_union(control_lines, grid_size=grid_size)
    if parts.size and present.any():
        tree = shapely.STRtree(parts)
        idx = np.flatnonzero(present)
        pi, pj = query_slices(tree, geoms[idx], predicate="intersects")
        if pi.size:
            # a parcel lying in one part is inside whole: its area, no overlay (most parcels; the
            # overlay would also move its area by the 1 cm grid, up to 2.4 m² on a 6 ha parcel)
            shapely.prepare(parts)
            whole = shapely.contains(parts[pj], geoms[idx[pi]])
            is_whole = np.zeros(idx.size, dtype=bool)
            is_whole[pi[whole]] = True
            inside[idx[is_whole]] = area[idx[is_whole]]
            cross = ~is_whole[pi]
            pi, pj = pi[cross], pj[cross]
            pieces = map_slices(shapely.intersection, geoms[idx[pi]], parts[pj], grid_size=grid_size)
            inside += np.bincount(idx[pi], weights=shapely.area(pieces), minlength=n)
    inside = np.minimum(inside, np.where(np.isfinite(area), area, 0.0))
    outside = area - inside
    small_in = (inside > 0) & (inside < sliver_m2)
    small_out = (outside > 0) & (outside < sliver_m2) & ~small_in
    inside = np.where(small_in, 0.0, inside)
    inside = np.where(small_out, area, inside)
    inside = np.where(present, inside, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(area > 0, inside / area, np.nan)
    return pd.DataFrame(
        {
            "area_m2": area,
            "inside_area_m2": inside,
            "inside_share": np.clip(share, 0.0, 1.0),
            "sliver": small_in | small_out,
        },
        index=parcels.index,
    )


def inside_share(
    parcels: gpd.GeoDataFrame,
    control_lines: gpd.GeoDataFrame,
    *,
    grid_size: float = 0.01,
    sliver_m2: float | None = None,
) -> pd.Series:
    """Area-weighted share (0–1) of each parcel inside the union of the control lines.

    Not centroid-based: a parcel half inside has share 0.5. See :func:`control_line_overlay`
    for the method and the parameters.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels, EPSG:4549 (n rows).
    control_lines : GeoDataFrame
        Control-line polygons.
    grid_size : float
        Precision grid in metres (0.01 m).
    sliver_m2 : float, optional
        Sliver tolerance in m² (default: rule ``control_line.sliver_area_m2``).

    Returns
    -------
    Series
        Float, name ``inside_share``, index aligned to ``parcels``; NaN for missing or
        zero-area geometries. ``attrs["slivers"]`` lists the index labels of parcels whose
        share was snapped to 0 or 1 because a piece was a sliver.
    """
    ov = control_line_overlay(parcels, control_lines, grid_size=grid_size, sliver_m2=sliver_m2)
    out = ov["inside_share"].rename("inside_share")
    out.attrs["slivers"] = list(ov.index[ov["sliver"].to_numpy()])
    return out
