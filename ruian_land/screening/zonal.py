"""Raster evidence per parcel: the mean built-up fraction under each polygon.

Uses ``exactextract`` so every raster cell is weighted by the exact share of it that the
polygon covers: a parcel smaller than one cell gets that cell's value (never NaN), a parcel
on four cells gets their coverage-weighted mean. Cells equal to the raster's nodata value are
ignored. Vectors are reprojected to the raster's CRS (never the raster to the vectors'), so
cell values are not resampled.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from exactextract import exact_extract
from exactextract._exactextract import Feature
from exactextract.feature import FeatureSource
from exactextract.raster import RasterioRasterSource

from ruian_land.core import InputError, InputWarning, crs_equal

__all__ = ["PERCENT", "zonal_mean"]

#: Scale of a 0–100 % raster to a 0–1 fraction (unit conversion, not a policy number).
PERCENT: float = 0.01


def zonal_mean(
    parcels: gpd.GeoDataFrame,
    raster: str | Path | Any,
    *,
    scale: float = PERCENT,
    band: int = 1,
) -> pd.Series:
    """Coverage-weighted mean raster value under each parcel.

    Parameters
    ----------
    parcels : GeoDataFrame
        Polygons in any CRS (normally EPSG:4549), any index. Empty or missing geometries get NaN.
    raster : path or open rasterio dataset
        Single-band raster (e.g. built-up %, uint8, nodata 255) in any CRS.
    scale : float
        Multiplier applied to the mean (default 0.01: percent → fraction).
    band : int
        1-based band number.

    Returns
    -------
    Series
        ``built_up_fraction`` aligned with ``parcels.index``; NaN only where the parcel has no
        valid cell under it (outside the raster, all nodata, or empty geometry).

    Raises
    ------
    InputError
        The raster cannot be opened or has no CRS, or ``parcels`` has no CRS.

    Warns
    -----
    InputWarning
        The raster declares no nodata value (every cell value then counts).
    """
    out = pd.Series(np.nan, index=parcels.index, name="built_up_fraction", dtype=float)
    if parcels.empty:
        return out
    if parcels.crs is None:
        raise InputError(
            "the parcels have no CRS; cannot overlay them on the raster",
            fix="read parcels with ruian_land.io.read_parcels (EPSG:4549)",
        )
    own = not hasattr(raster, "read")
    src: Any
    try:
        src = rasterio.open(raster) if own else raster
    except (rasterio.errors.RasterioIOError, OSError) as exc:
        raise InputError(
            f"cannot open the raster: {exc}", path=str(raster), fix="check the path and that it is a GeoTIFF"
        ) from None
    try:
        name = getattr(src, "name", str(raster))
        if src.crs is None:
            raise InputError(
                "the raster has no CRS", path=name, fix="write the CRS into the GeoTIFF (e.g. EPSG:4549)"
            )
        if src.nodata is None:
            warnings.warn(
                f"raster {name} declares no nodata value: every cell value is counted",
                InputWarning,
                stacklevel=2,
            )
        geoms = parcels.geometry
        ok = geoms.notna() & ~geoms.is_empty
        if not ok.any():
            return out
        vec = gpd.GeoSeries(geoms[ok].to_numpy(), crs=parcels.crs)
        if not crs_equal(vec.crs, src.crs):
            vec = vec.to_crs(src.crs)
        features = _WKBSource(np.flatnonzero(ok.to_numpy()), vec.to_numpy(), src.crs.to_wkt())
        # raster-sequential: the raster read block by block once, not a window per parcel
        # (bit-identical means, 2-3 times faster on a county's tens of thousands of parcels)
        res = exact_extract(
            RasterioRasterSource(src, band),
            features,
            ["mean"],
            include_cols=["_row"],
            output="pandas",
            strategy="raster-sequential",
        )
    finally:
        if own:
            src.close()
    vals = np.full(len(parcels), np.nan)
    vals[res["_row"].to_numpy(dtype=int)] = res["mean"].to_numpy(dtype=float) * scale
    out[:] = vals
    return out


class _WKBFeature(Feature):  # type: ignore[misc]
    """One polygon handed to exactextract as WKB with its row position as the only field."""

    def __init__(self, row: int, wkb: bytes) -> None:
        Feature.__init__(self)
        self.row = row
        self.wkb = wkb

    def get(self, name: str) -> int:
        return self.row

    def geometry(self) -> bytes:
        return self.wkb

    def fields(self) -> list[str]:
        return ["_row"]

    def set_geometry_format(self) -> str:
        return "wkb"


class _WKBSource(FeatureSource):  # type: ignore[misc]
    """Polygons as WKB for exactextract.

    exactextract's own GeoDataFrame source builds a GeoJSON mapping of every polygon in Python
    (``iterfeatures``), which took two thirds of the zonal time on 100k parcels; WKB is written
    once for all polygons by shapely's vectorised ``to_wkb`` and parsed by exactextract's GEOS.
    """

    def __init__(self, rows: np.ndarray, geoms: np.ndarray, srs_wkt: str) -> None:
        super().__init__()
        self.rows = rows.tolist()
        self.wkbs = shapely.to_wkb(geoms).tolist()
        self.wkt = srs_wkt

    def count(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[_WKBFeature]:
        for row, wkb in zip(self.rows, self.wkbs, strict=True):
            yield _WKBFeature(row, wkb)

    def srs_wkt(self) -> str:
        return self.wkt
