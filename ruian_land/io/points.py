"""Geocoded firm locations: a table with 经度/纬度 columns (AMap, Baidu or Tianditu geocoder
output) → points in EPSG:4549, converted from GCJ-02 / BD-09 first when the source says so.

The points are linked to parcels by :func:`ruian_land.link.link_points_to_parcels` (and, for
firms that no parcel code or lease places, by :func:`ruian_land.link.link_firms_to_parcels`
with ``points=``).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from ruian_land.core import InputError, convert_lonlat, map_columns, to_working
from ruian_land.io.parse import parse_columns
from ruian_land.io.tables import read_table

__all__ = ["read_points"]


def read_points(
    path: str | Path,
    *,
    coords: str = "wgs84",
    encoding: str | None = None,
    sheet: str | int | None = None,
    extra_aliases: dict[str, list[str]] | None = None,
) -> gpd.GeoDataFrame:
    """Read a table of geocoded firms as points in EPSG:4549.

    Parameters
    ----------
    path : str or Path
        csv / xlsx table with a 统一社会信用代码 column and longitude/latitude columns
        (``经度``/``纬度``, ``lng``/``lat``, ``lon``/``lat`` … see ``SCHEMAS['points']``).
    coords : {'wgs84', 'cgcs2000', 'gcj02', 'bd09'}
        What the geocoder returned: AMap/Gaode = ``gcj02``, Baidu = ``bd09``, Tianditu and GPS
        = ``wgs84``/``cgcs2000``. Offset systems are converted with
        :func:`ruian_land.core.coords.convert_lonlat`.
    encoding, sheet
        As for :func:`ruian_land.io.read_table`.
    extra_aliases : dict, optional
        Project-config aliases ``{canonical: [header, …]}`` for kind ``points``.

    Returns
    -------
    GeoDataFrame
        One row per data row (index ``0..n-1``), CRS EPSG:4549: ``uscc`` (as written; validation
        normalises it), ``name``/``address`` when present, ``lon``/``lat`` (degrees as given,
        float), ``source_row``, ``geometry`` (Point, or None when a coordinate is blank or
        unreadable). ``attrs``: ``source``, ``coords``, ``rows_in``, ``dropped_rows``,
        ``issues`` (unreadable cells, like :func:`ruian_land.io.parse_columns`), and the
        table's encoding facts.

    Raises
    ------
    InputError
        Missing file, missing 统一社会信用代码/经度/纬度 columns (closest headers listed), or
        coordinates that cannot be lon/lat degrees, or most points outside Zhejiang (wrong
        columns or a projected table).
    """
    source = str(path)
    raw = read_table(path, encoding=encoding, sheet=sheet, kind="points", extra_aliases=extra_aliases)
    mapped = map_columns(raw, "points", source=source, extra_aliases=extra_aliases)
    parsed, issues = parse_columns(mapped, "points")
    lon = parsed["lon"].to_numpy(dtype=float)
    lat = parsed["lat"].to_numpy(dtype=float)
    numeric = np.isfinite(lon) & np.isfinite(lat)
    degrees = numeric & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    headers = parsed.attrs.get("source_columns", {})
    if numeric.any() and not degrees.any():
        raise InputError(
            f"the longitude/latitude columns hold values up to {np.abs(lon[numeric]).max():,.0f} / "
            f"{np.abs(lat[numeric]).max():,.0f}: not degrees",
            path=source,
            column=f"{headers.get('lon')}, {headers.get('lat')}",
            fix="give lon/lat in degrees, or deliver projected coordinates as a point layer with its .prj",
        )
    rows = parsed["source_row"].to_numpy()
    for i in np.flatnonzero(numeric & ~degrees):
        swapped = abs(lat[i]) <= 180 and abs(lon[i]) <= 90
        issues.append(
            {
                "input": "points",
                "row": int(rows[i]),
                "column": "lon,lat",
                "problem": "unparseable_value",
                "detail": f"{headers.get('lon')} = {lon[i]:g}, {headers.get('lat')} = {lat[i]:g} are not lon/lat "
                + ("(they look swapped)" if swapped else "degrees")
                + "; read as missing",
            }
        )
    lon, lat = np.where(degrees, lon, np.nan), np.where(degrees, lat, np.nan)
    ok = degrees
    x, y = convert_lonlat(lon, lat, coords)
    geoms = gpd.points_from_xy(x, y)
    geoms[~ok] = None
    gdf = gpd.GeoDataFrame(parsed, geometry=geoms, crs="EPSG:4326")
    gdf = to_working(gdf, source=source)
    gdf.attrs.update(
        {
            **{k: v for k, v in raw.attrs.items() if k != "dropped_rows"},
            "dropped_rows": list(raw.attrs.get("dropped_rows", [])),
            "source_columns": parsed.attrs.get("source_columns", {}),
            "coords": str(coords).lower(),
            "issues": issues,
        }
    )
    return gdf.reset_index(drop=True)
