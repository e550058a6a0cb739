"""Writing the sample county's files byte for byte the same on every run.

Timestamps are pinned: the DBF header's last-update date (``DBF_DATE_LAST_UPDATE``), the
GeoPackage ``last_change`` (``OGR_CURRENT_DATE``) and the xlsx document properties
(xlsxwriter already stamps zip members with a fixed date). The GeoTIFF carries no date tag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import rasterio
import shapely
import xlsxwriter
from rasterio.transform import Affine

__all__ = [
    "ESRI_WKT_4549",
    "FIXED_DATE",
    "write_csv",
    "write_geotiff",
    "write_gpkg",
    "write_parcels_shapefile",
    "write_utf8_shapefile",
    "write_xlsx",
]

#: ESRI WKT of CGCS2000 / 3-degree Gauss-Kruger CM 120E, as ArcGIS writes it in a .prj.
ESRI_WKT_4549 = (
    'PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],'
    'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
#: The date written wherever a file format insists on one (end of the data year).
FIXED_DATE = dt.date(2021, 12, 31)
_SIDE_CARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _remove(stem: Path) -> None:
    for ext in _SIDE_CARS:
        stem.with_suffix(ext).unlink(missing_ok=True)


def _field_arrays(frame: pd.DataFrame) -> tuple[list[np.ndarray], list[str]]:
    """Columns as arrays pyogrio maps to DBF types: object → C, float → N, datetime → D."""
    arrays, names = [], []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            arr = col.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        elif pd.api.types.is_float_dtype(col):
            arr = col.to_numpy(dtype=float)
        else:
            arr = np.array(
                [
                    None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else str(v)
                    for v in col
                ],
                dtype=object,
            )
        arrays.append(arr)
        names.append(str(name))
    return arrays, names


def write_parcels_shapefile(frame: pd.DataFrame, path: str | Path) -> list[Path]:
    """Write the 宗地 shapefile the way a cadastral export arrives: GBK DBF, **no .cpg**,
    language-driver byte 0, ESRI-WKT .prj, Date fields, fixed header date.

    Parameters
    ----------
    frame : DataFrame
        DBF columns (names ≤ 10 bytes in GBK) plus ``geometry`` (EPSG:4549 polygons, invalid
        ones allowed).
    path : str or Path
        ``.../宗地.shp``.

    Returns
    -------
    list of Path
        The .shp, .shx, .dbf and .prj written.
    """
    shp = Path(path)
    shp.parent.mkdir(parents=True, exist_ok=True)
    _remove(shp)
    fields = frame.drop(columns="geometry")
    for name in fields.columns:
        if len(str(name).encode("gbk")) > 10:
            raise ValueError(f"DBF field name {name!r} is longer than 10 bytes in GBK")
    arrays, names = _field_arrays(fields)
    wkb = np.array(shapely.to_wkb(np.asarray(frame["geometry"], dtype=object)), dtype=object)
    pyogrio.raw.write(
        str(shp),
        wkb,
        field_data=arrays,
        fields=names,
        geometry_type="Polygon",
        crs="EPSG:4549",  # GDAL's .prj is replaced by the ESRI text below
        encoding="GBK",
        driver="ESRI Shapefile",
        layer_options={"RESIZE": "YES", "DBF_DATE_LAST_UPDATE": FIXED_DATE.isoformat()},
    )
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = shp.with_suffix(".dbf")
    with dbf.open("r+b") as fh:  # language driver id byte: 0 (undeclared), as old exports have
        fh.seek(29)
        fh.write(b"\x00")
    shp.with_suffix(".prj").write_text(ESRI_WKT_4549, encoding="ascii")
    return [shp.with_suffix(e) for e in (".shp", ".shx", ".dbf", ".prj")]


def write_utf8_shapefile(gdf: gpd.GeoDataFrame, path: str | Path) -> list[Path]:
    """Write a shapefile with a UTF-8 DBF and its .cpg, GDAL's .prj, fixed header date."""
    shp = Path(path)
    shp.parent.mkdir(parents=True, exist_ok=True)
    _remove(shp)
    pyogrio.write_dataframe(
        gdf,
        shp,
        encoding="UTF-8",
        geometry_type="Polygon",
        layer_options={"RESIZE": "YES", "DBF_DATE_LAST_UPDATE": FIXED_DATE.isoformat()},
    )
    return [shp.with_suffix(e) for e in _SIDE_CARS if shp.with_suffix(e).exists()]


def write_gpkg(gdf: gpd.GeoDataFrame, path: str | Path, layer: str) -> Path:
    """Write a one-layer GeoPackage with its timestamps pinned to :data:`FIXED_DATE`."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    stamp = f"{FIXED_DATE.isoformat()}T00:00:00.000Z"
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    try:
        pyogrio.write_dataframe(
            gdf, out, layer=layer, driver="GPKG", geometry_type="MultiPolygon", promote_to_multi=True
        )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})
    return out


def write_xlsx(
    path: str | Path,
    sheet: str,
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    text_columns: Iterable[str] = (),
) -> Path:
    """Write one sheet with xlsxwriter: header row (after an optional title row), dates as
    Excel dates (yyyy-mm-dd), ``text_columns`` as text cells, blanks for None/NaN."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out), {"strings_to_numbers": False, "strings_to_formulas": False})
    created = dt.datetime.combine(FIXED_DATE, dt.time())
    wb.set_properties({"created": created, "author": "ruian_land.sample", "title": title or sheet})
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    row0 = 0
    if title:
        ws.write_string(0, 0, title, bold)
        row0 = 1
    text = set(text_columns)
    for j, name in enumerate(frame.columns):
        ws.write_string(row0, j, str(name), bold)
        ws.set_column(j, j, max(10, min(40, 2 * len(str(name)) + 2)))
    for j, name in enumerate(frame.columns):
        _write_column(ws, row0 + 1, j, frame[name].tolist(), str(name) in text, date_fmt)
    wb.close()
    return out


def _write_column(ws: Any, row0: int, col: int, values: Sequence[Any], as_text: bool, date_fmt: Any) -> None:
    for i, v in enumerate(values):
        r = row0 + i
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
            continue
        if as_text or isinstance(v, str):
            ws.write_string(r, col, str(v))
        elif isinstance(v, pd.Timestamp | dt.datetime | dt.date | np.datetime64):
            ts = pd.Timestamp(v)
            if pd.isna(ts):
                continue
            ws.write_datetime(r, col, ts.to_pydatetime(), date_fmt)
        elif isinstance(v, bool | np.bool_):
            ws.write_string(r, col, "是" if v else "否")
        else:
            ws.write_number(r, col, float(v))


def write_csv(frame: pd.DataFrame, path: str | Path, encoding: str) -> Path:
    """Write a CSV with CRLF line ends in ``encoding`` (``gbk`` or ``utf-8-sig`` for a BOM)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, encoding=encoding, lineterminator="\r\n")
    return out


def write_geotiff(array: np.ndarray, transform: Affine, path: str | Path, nodata: int) -> Path:
    """Write a single-band uint8 GeoTIFF in EPSG:4549, deflate-compressed, 256-pixel tiles."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    with rasterio.Env(GDAL_PAM_ENABLED="NO"):
        with rasterio.open(
            out,
            "w",
            driver="GTiff",
            height=array.shape[0],
            width=array.shape[1],
            count=1,
            dtype="uint8",
            crs="EPSG:4549",
            transform=transform,
            nodata=nodata,
            compress="deflate",
            predictor=2,
            tiled=True,
            blockxsize=256,
            blockysize=256,
        ) as dst:
            dst.write(array, 1)
    return out
