"""Geocoded firm locations: checked against the registry and the county's extent, one point per firm."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ruian_land.core import MAP_CRS, WORKING_CRS, ZHEJIANG_LONLAT_BOUNDS, Ledger
from ruian_land.validate.rows import cell, uscc_column

__all__ = ["validate_points"]

#: Two geocodes of one firm closer than this are the same place (geocoder rounding).
_SAME_POINT_M = 1.0


def validate_points(points: gpd.GeoDataFrame | None, firms: pd.DataFrame, ledger: Ledger) -> gpd.GeoDataFrame:
    """Check geocoded firm locations against the registry and the county's extent.

    Parameters
    ----------
    points : GeoDataFrame or None
        From :func:`ruian_land.io.read_points` (EPSG:4549, ``uscc``, ``lon``/``lat``,
        ``source_row``).
    firms : DataFrame
        Validated firms (``uscc``).
    ledger : Ledger
        Receives events for input ``points``.

    Returns
    -------
    GeoDataFrame
        EPSG:4549, index ``0..n-1``, one point per registry ``uscc``, ``uscc`` normalised,
        ``uscc_valid``. Rejected: blank code, blank/unreadable coordinates
        (``missing_geometry``; swapped 经度/纬度 end here, noted by the reader), a point
        outside Zhejiang (``outside_area``: a failed geocode), a firm not in the registry, duplicates per code
        (``duplicate`` within 1 m, else ``conflicting_duplicate`` naming the distance).
    """
    cols = ["uscc", "uscc_valid", "source_row", "geometry"]
    if points is None or points.empty:
        return gpd.GeoDataFrame({c: [] for c in cols[:-1]}, geometry=[], crs=WORKING_CRS)
    df = uscc_column(points, "points", ledger, flag_invalid=False)
    geoms = df.geometry
    missing = geoms.isna() | geoms.is_empty
    for row in df.loc[missing, "source_row"]:
        ledger.record(
            "points", int(row), "lon,lat", "missing_geometry", "rejected", "经度/纬度 blank or unreadable"
        )
    df = df.loc[~missing]
    ll = df.geometry.to_crs(MAP_CRS)
    w, s_, e, n = ZHEJIANG_LONLAT_BOUNDS
    out = ~((ll.x >= w) & (ll.x <= e) & (ll.y >= s_) & (ll.y <= n))
    for i in df.index[out]:
        ledger.record(
            "points", int(cell(df, i, "source_row")), "lon,lat", "outside_area", "rejected",
            f"point at lon {float(ll.x[i]):.5f}, lat {float(ll.y[i]):.5f} is outside Zhejiang: "
            "a failed geocode (another city's address?) or the wrong coords: setting",
        )  # fmt: skip
    df = df.loc[~out]
    known = set(firms["uscc"])
    unknown = ~df["uscc"].isin(known)
    for i in df.index[unknown]:
        ledger.record(
            "points", int(cell(df, i, "source_row")), "uscc", "unknown_firm", "rejected",
            f"{cell(df, i, 'uscc')} is not in the registry",
        )  # fmt: skip
    df = df.loc[~unknown]
    drop = []
    for code, group in df.loc[df["uscc"].duplicated(keep=False)].groupby("uscc", sort=False):
        first = group.index[0]
        r0 = ledger.where("points", int(cell(df, first, "source_row")))
        for i in group.index[1:]:
            d = float(df.geometry[first].distance(df.geometry[i]))
            same = d <= _SAME_POINT_M
            ledger.record(
                "points", int(cell(df, i, "source_row")), "lon,lat",
                "duplicate" if same else "conflicting_duplicate", "rejected",
                f"{code} also on {r0}" + ("" if same else f", {d:,.0f} m away")
                + f"; kept {r0} (the first), not merged",
            )  # fmt: skip
            drop.append(i)
    df = df.drop(index=drop)
    return gpd.GeoDataFrame(df, geometry=df.geometry.name, crs=WORKING_CRS).reset_index(drop=True)
