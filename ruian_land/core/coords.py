"""Chinese web-map coordinates (GCJ-02, BD-09) back to WGS84 / CGCS2000 (RULES.md §8).

AMap/Gaode geocodes and DataV/AMap outlines are in GCJ-02, Baidu geocodes in BD-09: lon/lat
deliberately offset by a few hundred metres. They must be converted before they meet
cadastral data. The conversion uses the maintained library ``prcoords`` and its precise
inverses (``gcj_wgs_bored``, ``bd_wgs_bored``: iterated to well below 1 mm, the obfuscation
itself has no closed-form inverse). WGS84 and CGCS2000 differ by centimetres in China
(both are ITRF-aligned), below the accuracy of any cadastral survey here, so the result is
labelled EPSG:4326 and projected to EPSG:4549 like any other lon/lat input.

Coordinates are converted vertex by vertex (:func:`shapely.transform`); each distinct vertex
is converted once, so shared boundaries stay shared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import prcoords
import shapely
from pyproj import CRS

from ruian_land.core.errors import InputError

__all__ = [
    "COORD_SYSTEMS",
    "OFFSET_SYSTEMS",
    "CoordSystem",
    "convert_geometries",
    "convert_lonlat",
    "frame_to_wgs84",
]

CoordSystem = Literal["cgcs2000", "wgs84", "gcj02", "bd09"]
#: Coordinate-system families a lon/lat source may be in (``coords:`` in the project config).
COORD_SYSTEMS: tuple[str, ...] = ("cgcs2000", "wgs84", "gcj02", "bd09")
#: The obfuscated families that need converting.
OFFSET_SYSTEMS: tuple[str, ...] = ("gcj02", "bd09")

# prcoords works on (lat, lon) pairs; check_china=False because plausibility is checked later
# (ruian_land.core.crs.check_plausible) with a clearer message than prcoords' warning.
_INVERSE: dict[str, Callable[..., Any]] = {
    "gcj02": prcoords.gcj_wgs_bored,
    "bd09": prcoords.bd_wgs_bored,
}
_FORWARD: dict[str, Callable[..., Any]] = {
    "gcj02": prcoords.wgs_gcj,
    "bd09": prcoords.wgs_bd,
}


def _check_system(system: str) -> str:
    key = str(system).lower().replace("-", "").replace("_", "")
    key = {"gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02", "bd": "bd09", "baidu": "bd09"}.get(key, key)
    if key not in COORD_SYSTEMS:
        raise InputError(
            f"unknown coordinate system {system!r}",
            fix=f"use one of {list(COORD_SYSTEMS)} (AMap/Gaode/DataV = gcj02, Baidu = bd09)",
        )
    return key


def convert_lonlat(
    lon: Any, lat: Any, source: str, *, to: Literal["wgs84", "source"] = "wgs84"
) -> tuple[np.ndarray, np.ndarray]:
    """Convert lon/lat arrays between an offset system and WGS84.

    Parameters
    ----------
    lon, lat : array-like of float
        Degrees, same shape. NaN stays NaN.
    source : {'gcj02', 'bd09', 'wgs84', 'cgcs2000'}
        The offset system of the input (``to='wgs84'``) or of the output (``to='source'``).
        ``wgs84``/``cgcs2000`` are returned unchanged.
    to : {'wgs84', 'source'}
        ``'wgs84'``: from ``source`` to WGS84 (precise inverse, ``prcoords.*_bored``);
        ``'source'``: from WGS84 to ``source`` (forward, e.g. to compare with AMap).

    Returns
    -------
    (ndarray, ndarray)
        Longitudes and latitudes (float64, degrees, input shape).

    Raises
    ------
    InputError
        Unknown system, or values that cannot be degrees (|lon| > 180 or |lat| > 90, e.g.
        projected metres declared as GCJ-02).
    """
    system = _check_system(source)
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    if system not in OFFSET_SYSTEMS:
        return x.copy(), y.copy()
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any() and (np.abs(x[ok]).max() > 180 or np.abs(y[ok]).max() > 90):
        raise InputError(
            f"coordinates declared as {system} lon/lat are not degrees "
            f"(x up to {np.abs(x[ok]).max():,.0f}, y up to {np.abs(y[ok]).max():,.0f})",
            fix="coords: gcj02 / bd09 only applies to lon/lat data; remove it for projected (metre) data",
        )
    fn = (_INVERSE if to == "wgs84" else _FORWARD)[system]
    out_x, out_y = x.copy(), y.copy()
    pairs = np.column_stack([x[ok], y[ok]])
    if len(pairs):
        uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
        conv = np.array([fn((la, lo), False) for lo, la in uniq], dtype=float).reshape(-1, 2)
        res = conv[inverse.reshape(-1)]
        out_y[ok], out_x[ok] = res[:, 0], res[:, 1]
    return out_x, out_y


def convert_geometries(geoms: Any, source: str, *, to: Literal["wgs84", "source"] = "wgs84") -> np.ndarray:
    """Convert every vertex of shapely geometries (lon/lat) from ``source`` to WGS84.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        Lon/lat geometries (None and empty kept as they are).
    source, to
        See :func:`convert_lonlat`.

    Returns
    -------
    ndarray of geometries
        Same length and order; Z values are dropped.
    """
    arr = np.asarray(geoms, dtype=object)

    def move(xy: np.ndarray) -> np.ndarray:
        lon, lat = convert_lonlat(xy[:, 0], xy[:, 1], source, to=to)
        return np.column_stack([lon, lat])

    return np.asarray(shapely.transform(arr, move), dtype=object)


def frame_to_wgs84(gdf: gpd.GeoDataFrame, source: str, *, path: str = "input") -> gpd.GeoDataFrame:
    """Convert a lon/lat layer in GCJ-02 or BD-09 to WGS84 (EPSG:4326), on a copy.

    Parameters
    ----------
    gdf : GeoDataFrame
        Lon/lat geometry; its CRS must be geographic, or None (then the coordinates are taken
        as lon/lat, which GCJ-02 and BD-09 always are).
    source : {'gcj02', 'bd09', 'wgs84', 'cgcs2000'}
        Coordinate family of the data; ``wgs84``/``cgcs2000`` return the frame unchanged.
    path : str
        File name for messages.

    Returns
    -------
    GeoDataFrame
        Same index and columns, geometry converted, CRS EPSG:4326.

    Raises
    ------
    InputError
        A projected CRS declared together with ``gcj02``/``bd09`` (the offsets are defined on
        lon/lat only), or coordinates that are not degrees.
    """
    system = _check_system(source)
    if system not in OFFSET_SYSTEMS:
        return gdf
    if gdf.crs is not None and not CRS.from_user_input(gdf.crs).is_geographic:
        raise InputError(
            f"the layer is declared {system} but its CRS '{CRS.from_user_input(gdf.crs).name}' is projected; "
            f"{system} offsets apply to lon/lat only",
            path=path,
            fix="remove coords: for this source, or give its lon/lat CRS (crs: EPSG:4326)",
        )
    try:
        moved = convert_geometries(gdf.geometry.values, system)
    except InputError as exc:
        raise InputError(exc.detail, path=path, fix=exc.fix) from None
    return gdf.set_geometry(gpd.GeoSeries(moved, index=gdf.index, crs="EPSG:4326"), crs="EPSG:4326")
