"""The one real layer of the sample county: Ruian's outline, and the town seats.

The outline is row ``adcode == '330381'`` of ``浙江省.shp`` from GaryBikini/ChinaAdminDivisonSHP
(MIT) at commit 776a2f1003a42e5a15de37ffdd635228db2ac3d8, path
``2. 省级范围/2. 精确到District/浙江省.shp``. Its coordinates are AMap's GCJ-02. The row is
stored unchanged (GCJ-02) as a small GeoJSON in ``assets/`` so the county can be regenerated
without the original shapefile; :func:`outline_working` converts it vertex by vertex to WGS84
with ``prcoords.gcj_wgs_bored`` (iterative inverse, error well under 1 m), treats WGS84 as
CGCS2000 (they differ by less than 1 m) and projects to EPSG:4549.

The town seats are approximate (±2 km) WGS84 locations from the project brief
(``assets/ruian_industrial_areas.csv``).
"""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import prcoords
import shapely
import shapely.geometry
import shapely.ops
from pyproj import Transformer

__all__ = [
    "OUTLINE_ASSET",
    "OUTLINE_SOURCE",
    "SEATS_ASSET",
    "extract_outline_source",
    "gcj02_to_working",
    "lonlat_to_working",
    "outline_gcj02",
    "outline_working",
    "read_asset_bytes",
    "seats_working",
]

#: File names of the packaged assets (``ruian_land/sample/assets/``).
OUTLINE_ASSET = "ruian_330381_gcj02.geojson"
SEATS_ASSET = "ruian_industrial_areas.csv"

#: Provenance of the outline.
OUTLINE_SOURCE: dict[str, str] = {
    "repository": "GaryBikini/ChinaAdminDivisonSHP",
    "commit": "776a2f1003a42e5a15de37ffdd635228db2ac3d8",
    "path": "2. 省级范围/2. 精确到District/浙江省.shp",
    "row": "adcode == '330381' (瑞安市)",
    "licence": "MIT",
    "coordinates": "GCJ-02 (AMap), lon/lat degrees",
}

_KEEP = ("name", "adcode", "level", "citycode", "ctname", "ctadcode", "prname", "pradcode")
# CGCS2000 geographic -> CGCS2000 / 3-degree GK CM 120E: a pure projection, no datum shift.
_TO_WORKING = Transformer.from_crs("EPSG:4490", "EPSG:4549", always_xy=True)


def read_asset_bytes(name: str) -> bytes:
    """Bytes of a packaged asset file (``ruian_land/sample/assets/<name>``)."""
    return (resources.files("ruian_land.sample") / "assets" / name).read_bytes()


def extract_outline_source(shp_path: str | Path, out_path: str | Path) -> Path:
    """Copy the 瑞安市 row of the GaryBikini ``浙江省.shp`` into a GeoJSON, unchanged.

    Parameters
    ----------
    shp_path : str or Path
        ``浙江省.shp`` (UTF-8 DBF without .cpg, no .prj, GCJ-02 lon/lat).
    out_path : str or Path
        GeoJSON to write; coordinates stay GCJ-02 at full precision.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    ValueError
        If the shapefile has no row with ``adcode == '330381'``.
    """
    import geopandas as gpd

    gdf = gpd.read_file(shp_path, encoding="utf-8")
    row = gdf[gdf["adcode"].astype(str) == "330381"]
    if len(row) != 1:
        raise ValueError(f"{shp_path}: expected one row with adcode 330381, found {len(row)}")
    props: dict[str, Any] = {k: (None if pd.isna(row.iloc[0][k]) else str(row.iloc[0][k])) for k in _KEEP}
    feature = {
        "type": "Feature",
        "properties": props,
        "geometry": shapely.geometry.mapping(row.geometry.iloc[0]),
    }
    collection = {
        "type": "FeatureCollection",
        "name": "瑞安市_330381_gcj02",
        "source": OUTLINE_SOURCE,
        "features": [feature],
    }
    out = Path(out_path)
    out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return out


def outline_gcj02() -> shapely.MultiPolygon:
    """The stored outline row, GCJ-02 lon/lat (not for overlay: convert first)."""
    data = json.loads(read_asset_bytes(OUTLINE_ASSET).decode("utf-8"))
    geom = shapely.geometry.shape(data["features"][0]["geometry"])
    if isinstance(geom, shapely.Polygon):
        geom = shapely.MultiPolygon([geom])
    return geom


def _gcj_to_wgs(xy: np.ndarray) -> np.ndarray:
    out = np.empty_like(xy)
    for i, (lon, lat) in enumerate(xy):
        c = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
        out[i] = (c.lon, c.lat)
    return out


def lonlat_to_working(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 ≈ CGCS2000 lon/lat (degrees) to EPSG:4549 metres."""
    x, y = _TO_WORKING.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def gcj02_to_working(geom: shapely.Geometry) -> shapely.Geometry:
    """Convert a GCJ-02 lon/lat geometry to EPSG:4549 (per vertex, via WGS84 ≈ CGCS2000)."""
    wgs = shapely.transform(geom, _gcj_to_wgs)
    return shapely.transform(wgs, lambda xy: np.column_stack(lonlat_to_working(xy[:, 0], xy[:, 1])))


def outline_working() -> shapely.MultiPolygon:
    """Ruian's outline (mainland and islands) in EPSG:4549, metres."""
    geom = gcj02_to_working(outline_gcj02())
    return shapely.make_valid(geom) if not geom.is_valid else geom


def seats_working(land: shapely.Polygon, inset_m: float = 1500.0) -> pd.DataFrame:
    """The 12 town seats in EPSG:4549.

    A seat outside ``land`` (the approximate 仙降 point falls in a notch of 平阳县) is moved to
    the nearest point of ``land`` shrunk by ``inset_m``.

    Returns
    -------
    DataFrame
        Columns ``name_zh, name_en, kind, main_industries, x, y, moved`` (x/y in metres).
    """
    seats = pd.read_csv(io.BytesIO(read_asset_bytes(SEATS_ASSET)), encoding="utf-8", dtype={"name_zh": str})
    x, y = lonlat_to_working(seats["lon_wgs84"].to_numpy(), seats["lat_wgs84"].to_numpy())
    inner = land.buffer(-inset_m)
    moved = []
    for i in range(len(seats)):
        p = shapely.Point(x[i], y[i])
        if land.contains(p):
            moved.append(False)
            continue
        q = shapely.ops.nearest_points(inner, p)[0]
        x[i], y[i] = q.x, q.y
        moved.append(True)
    out = seats[["name_zh", "name_en", "kind", "main_industries"]].copy()
    out["x"], out["y"], out["moved"] = x, y, moved
    return out
