"""The one CRS policy of the toolkit.

* Work and measure area in CGCS2000 3-degree Gauss-Krüger, central meridian 120°E
  (EPSG:4549, false easting 500 000 m), which covers Ruian (120.2–121.2°E; RULES.md §8).
* Compare CRSs by definition, not by EPSG code: ArcGIS ESRI-WKT CGCS2000 .prj files
  often have no EPSG match.
* Convert to EPSG:4326 only at the map boundary, on a copy (:func:`to_map_crs`).
"""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import CRS, Transformer

from ruian_land.core.errors import InputError, InputWarning

__all__ = [
    "CHINA_LONLAT_BOUNDS",
    "MAP_CRS",
    "WORKING_CRS",
    "ZHEJIANG_LONLAT_BOUNDS",
    "check_plausible",
    "crs_equal",
    "to_map_crs",
    "to_working",
]

#: Working CRS: CGCS2000 / 3-degree Gauss-Kruger CM 120E.
WORKING_CRS: CRS = CRS.from_epsg(4549)
#: Web-map CRS used only when rendering (folium / Leaflet).
MAP_CRS: CRS = CRS.from_epsg(4326)
#: Generous lon/lat box around Zhejiang (west, south, east, north), degrees.
ZHEJIANG_LONLAT_BOUNDS: tuple[float, float, float, float] = (118.0, 27.0, 123.3, 31.3)
#: Lon/lat box of China including the South China Sea islands (west, south, east, north).
CHINA_LONLAT_BOUNDS: tuple[float, float, float, float] = (73.0, 3.0, 136.0, 54.0)
#: A layer with at least this share of its features in Zhejiang is taken as correctly placed
#: (the rest is reported): a CRS mislabelled by one 3-degree zone moves Ruian's data 3° east
#: or west, leaving at most about a fifth of it inside the box. A heuristic, not a policy number.
_MIN_SHARE_INSIDE = 0.5


def crs_equal(a: Any, b: Any) -> bool:
    """True when two CRSs describe the same coordinate system (by definition).

    ``pyproj.CRS.equals(..., ignore_axis_order=True)`` is used, so an ESRI-WKT
    ``GCS_China_Geodetic_Coordinate_System_2000`` equals EPSG:4490 and an ESRI
    ``CGCS2000_3_Degree_GK_CM_120E`` equals EPSG:4549 even though ``to_epsg()``
    may return ``None``.
    """
    if a is None or b is None:
        return a is None and b is None
    ca, cb = CRS.from_user_input(a), CRS.from_user_input(b)
    if ca.equals(cb, ignore_axis_order=True):
        return True
    # ESRI WKT often differs only in names; compare the PROJ definitions.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "lose projection information": expected here
            return bool(ca.to_proj4() == cb.to_proj4())
    except Exception:  # pragma: no cover - exotic CRSs without a PROJ string
        return False


def check_plausible(gdf: gpd.GeoDataFrame, *, source: str = "input") -> None:
    """Refuse coordinates that cannot be where the CRS says they are.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS; empty frames and frames without a CRS are not checked.
    source : str
        File name for the error message.

    Raises
    ------
    InputError
        An 8-digit easting under a CM (non-zoned) Gauss-Krüger CRS, a 6-digit
        easting under a zone-prefixed one, or data that falls outside Zhejiang once
        converted to lon/lat (RULES.md §8): fewer than half of the features (by the centre
        of their bounding box, whose four corners are converted) inside
        :data:`ZHEJIANG_LONLAT_BOUNDS`, unless the layer is a
        national/regional one that spans the whole box and stays inside China.

    Warns
    -----
    InputWarning
        Some features lie outside Zhejiang but the layer passes (named with the count).
    """
    if gdf.crs is None or gdf.empty:
        return
    geoms = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if geoms.empty:
        return
    maxx = float(geoms.total_bounds[2])
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_projected:
        fe = _false_easting(crs)
        if fe is not None and fe < 1_000_000 and maxx >= 10_000_000:
            raise InputError(
                f"eastings reach {maxx:,.0f} m (8 digits) but the CRS '{crs.name}' has false easting "
                f"{fe:,.0f} m (no zone prefix): the CRS is mislabelled",
                path=source,
                fix="declare the zone-prefixed CRS (e.g. EPSG:4528 for CGCS2000 zone 40) in the project config",
            )
        if fe is not None and fe >= 1_000_000 and maxx < 1_000_000:
            raise InputError(
                f"eastings are at most {maxx:,.0f} m (6 digits) but the CRS '{crs.name}' has false "
                f"easting {fe:,.0f} m (zone-prefixed): the CRS is mislabelled",
                path=source,
                fix="declare the CM CRS (e.g. EPSG:4549 for CGCS2000 CM 120E) in the project config",
            )
    b = _lonlat_bounds(np.asarray(geoms.bounds, dtype=float), crs)
    lonlat = np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
    w, s, e, n = ZHEJIANG_LONLAT_BOUNDS
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    inside = np.isfinite(cx) & (cx >= w) & (cx <= e) & (cy >= s) & (cy <= n)
    share = float(inside.mean())
    if share == 1.0:
        return
    covers = (
        np.isfinite(lonlat).all()
        and lonlat[0] <= w
        and lonlat[2] >= e
        and lonlat[1] <= s
        and lonlat[3] >= n
        and _inside(lonlat, CHINA_LONLAT_BOUNDS)
    )
    if share >= _MIN_SHARE_INSIDE or covers:
        warnings.warn(
            f"{source}: {int((~inside).sum())} of {len(inside)} features lie outside Zhejiang "
            f"{list(ZHEJIANG_LONLAT_BOUNDS)} (the layer spans lon/lat {np.round(lonlat, 3).tolist()}); "
            "they are kept. Clip or filter the layer if it should cover Ruian only",
            InputWarning,
            stacklevel=3,
        )
        return
    raise InputError(
        f"the data lies at lon/lat {np.round(lonlat, 3).tolist()}, outside Zhejiang "
        f"{list(ZHEJIANG_LONLAT_BOUNDS)} ({share:.0%} of the features inside): the declared CRS "
        f"'{crs.name}' is probably wrong",
        path=source,
        fix="check the .prj or set the right CRS for this source in the project config",
    )


def _lonlat_bounds(bounds: np.ndarray, crs: CRS) -> np.ndarray:
    """Per-feature lon/lat boxes (n, 4) from projected boxes: the four corners of each
    transformed (1M parcels: 4M points, not every vertex of every polygon)."""
    if crs.is_geographic:
        return bounds
    x0, y0, x1, y1 = bounds.T
    to_ll = Transformer.from_crs(crs, MAP_CRS, always_xy=True)
    lon, lat = to_ll.transform(np.concatenate([x0, x1, x0, x1]), np.concatenate([y0, y0, y1, y1]))
    lon, lat = np.asarray(lon).reshape(4, -1), np.asarray(lat).reshape(4, -1)
    return np.column_stack([lon.min(axis=0), lat.min(axis=0), lon.max(axis=0), lat.max(axis=0)])


def _inside(bounds: Any, box: tuple[float, float, float, float]) -> bool:
    return bool(bounds[0] >= box[0] and bounds[1] >= box[1] and bounds[2] <= box[2] and bounds[3] <= box[3])


def _false_easting(crs: CRS) -> float | None:
    op = crs.coordinate_operation
    if op is None:
        return None
    for p in op.params:
        if p.name.lower() == "false easting":
            return float(p.value)
    return None


def to_working(gdf: gpd.GeoDataFrame, *, source: str = "input") -> gpd.GeoDataFrame:
    """Return ``gdf`` in :data:`WORKING_CRS` (EPSG:4549), checking plausibility first.

    Raises
    ------
    InputError
        If ``gdf`` has no CRS, or its coordinates are implausible for its CRS.
    """
    if gdf.crs is None:
        raise InputError(
            "the layer has no CRS (no .prj or CRS metadata)",
            path=source,
            fix="add the .prj, or state the CRS for this source in the project config (e.g. crs: EPSG:4549)",
        )
    check_plausible(gdf, source=source)
    if crs_equal(gdf.crs, WORKING_CRS):
        return gdf.set_crs(WORKING_CRS, allow_override=True)
    return gdf.to_crs(WORKING_CRS)


def to_map_crs(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` in EPSG:4326 for folium; never used for measurement."""
    return gdf.to_crs(MAP_CRS)
