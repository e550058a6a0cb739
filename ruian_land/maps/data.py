"""Data preparation for the maps: HTML-safe value formatting, per-parcel attributes, GeoJSON.

Everything here works on copies. Geometries are simplified in EPSG:4549 (metres), then
converted to EPSG:4326 with :func:`ruian_land.core.crs.to_map_crs` and rounded to 6 decimals
(≈ 0.1 m), the only place where the toolkit leaves the working CRS. Feature properties are
built from an explicit list of keys (a whitelist): no other input column reaches the page.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ruian_land.control_lines import working_geometries
from ruian_land.core import WORKING_CRS, join_by_group, m2_to_mu, to_map_crs

__all__ = [
    "CLASS_KEYS",
    "MISSING",
    "feature_collection",
    "fmt_value",
    "format_column",
    "parcel_attributes",
]

#: Text shown for a missing value (None, NaN, NaT, pd.NA, blank).
MISSING = "—"
#: Parcel classes on the map (main occupant's 亩均效益 class, or no occupant).
CLASS_KEYS: tuple[str, ...] = ("A", "B", "C", "D", "exempt", "unrated", "vacant")


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return not math.isfinite(float(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    if isinstance(value, str):
        return value.strip() == "" or value.strip().lower() in {"nan", "nat", "none", "<na>"}
    return False


def fmt_value(value: Any, *, digits: int = 2, percent: bool = False) -> str:
    """Format one value for a tooltip, HTML-escaped.

    Parameters
    ----------
    value : any
        Scalar (Python, numpy or pandas), list/tuple/set of scalars, or None.
    digits : int
        Decimals for floats (thousands separated).
    percent : bool
        Show a fraction 0–1 as a percentage with no decimals.

    Returns
    -------
    str
        HTML-safe text: :data:`MISSING` (``—``) for None/NaN/NaT/pd.NA/blank; ``是``/``否``
        for booleans; ISO dates for timestamps; integers without separators (years, codes).
    """
    if isinstance(value, list | tuple | set | np.ndarray):
        items = [fmt_value(v, digits=digits, percent=percent) for v in value]
        items = [i for i in items if i != MISSING]
        return "；".join(items) if items else MISSING
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        return f"{v * 100:.0f}%" if percent else f"{v:,.{digits}f}"
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | np.datetime64):
        return pd.Timestamp(value).date().isoformat()
    return html.escape(str(value).strip(), quote=True)


def format_column(values: Iterable[Any], *, digits: int = 2, percent: bool = False) -> list[str]:
    """:func:`fmt_value` over a column (list of HTML-safe strings, same order).

    Float arrays are formatted in one pass; other values go through :func:`fmt_value` once
    per distinct (type, value), so a long column of repeated names or towns stays fast.
    """
    kind = getattr(getattr(values, "dtype", None), "kind", "")
    if kind == "f" and isinstance(values, pd.Series | pd.Index | np.ndarray):
        xs = pd.Series(values).to_numpy(dtype=float, na_value=np.nan).tolist()
        if percent:
            return [f"{x * 100:.0f}%" if math.isfinite(x) else MISSING for x in xs]
        return [f"{x:,.{digits}f}" if math.isfinite(x) else MISSING for x in xs]
    cache: dict[tuple[type, Any], str] = {}
    out: list[str] = []
    for v in values:
        try:
            key = (type(v), v)
            hit = cache.get(key)
        except TypeError:  # unhashable (list, array): format directly
            out.append(fmt_value(v, digits=digits, percent=percent))
            continue
        if hit is None:
            hit = cache[key] = fmt_value(v, digits=digits, percent=percent)
        out.append(hit)
    return out


def _class_key(value: Any) -> str:
    if _is_missing(value):
        return "unrated"
    text = str(value).strip()
    return text if text in CLASS_KEYS else "unrated"


def parcel_attributes(
    parcels: gpd.GeoDataFrame,
    *,
    firms: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    screening: pd.DataFrame | None = None,
    max_names: int = 5,
) -> pd.DataFrame:
    """One row of map attributes per parcel (index aligned to ``parcels``, raw values).

    The main occupant of a parcel is the linked firm with the largest ``land_area_mu``
    (ties: smallest ``uscc``); its ``eval_class`` colours the parcel. With ``links`` given,
    a parcel without occupant is ``vacant``; without ``links`` every parcel is ``unrated``.

    Parameters
    ----------
    parcels : GeoDataFrame
        ``parcel_id`` and optionally ``area_mu``, ``town``, ``park_name`` (n rows).
    firms : DataFrame, optional
        Evaluated firms: ``uscc``, ``name``, ``eval_class``.
    links : DataFrame, optional
        Occupancy links: ``uscc``, ``parcel_id``, ``land_area_mu`` (and ``tax_wan``).
    screening : DataFrame, optional
        Screening parcels: ``parcel_id``, ``tax_per_mu``, ``is_low_efficiency``,
        ``is_idle``, ``reasons_zh``, ``reason_codes``, ``far``, …

    Returns
    -------
    DataFrame
        Columns ``parcel_id``, ``area_mu``, ``town``, ``park_name``, ``main_uscc``,
        ``main_name``, ``class_key``, ``occupant_count``, ``other_occupants`` (``名称（代码）``
        of the other occupants, ``；``-joined, at most ``max_names``), ``tax_per_mu``
        (万元/亩) and the screening columns present.
    """
    pid = parcels["parcel_id"].astype(str)
    out = pd.DataFrame({"parcel_id": pid.to_numpy()}, index=parcels.index)
    if "area_mu" in parcels.columns:
        out["area_mu"] = pd.to_numeric(parcels["area_mu"], errors="coerce").to_numpy()
    else:
        geoms = working_geometries(parcels, source="parcels")
        out["area_mu"] = m2_to_mu(shapely.area(geoms).astype(float))
    for col in ("town", "park_name"):
        out[col] = parcels[col].to_numpy() if col in parcels.columns else None
    for col in ("main_uscc", "main_name", "other_occupants"):
        out[col] = None
    out["occupant_count"] = 0
    out["class_key"] = "unrated"
    out["tax_per_mu"] = np.nan
    if links is not None and len(links) and {"uscc", "parcel_id"} <= set(links.columns):
        occ = links.copy()
        occ["parcel_id"] = occ["parcel_id"].astype(str)
        occ["uscc"] = occ["uscc"].astype(str)
        if firms is not None and "uscc" in firms.columns:
            f = firms.drop_duplicates("uscc").copy()
            f["uscc"] = f["uscc"].astype(str)
            cols = [c for c in ("name", "eval_class") if c in f.columns]
            occ = occ.drop(columns=[c for c in cols if c in occ.columns]).merge(
                f[["uscc", *cols]], on="uscc", how="left"
            )
        for c in ("name", "eval_class"):
            if c not in occ.columns:
                occ[c] = None
        size = "land_area_mu" if "land_area_mu" in occ.columns else None
        keys = ["parcel_id", *([size] if size else []), "uscc"]
        occ = occ.sort_values(keys, ascending=[True, *([False] if size else []), True])
        g = occ.groupby("parcel_id", sort=False)
        main = occ.drop_duplicates("parcel_id").set_index("parcel_id")
        pos = g.cumcount().to_numpy()
        shown = (pos >= 1) & (pos <= max_names)
        rest = occ.loc[shown]
        label = pd.Series(
            _occupant_labels(rest["name"], rest["uscc"]), index=rest["parcel_id"].to_numpy(), dtype=object
        )
        others = join_by_group(pd.Series(label.index), pd.Series(label.to_numpy()), "；", sort=True)
        extra = (g.size() - 1 - max_names).reindex(others.index).to_numpy()
        more = np.where(extra > 0, np.char.add(np.char.add(" 等", (extra + max_names).astype(str)), "家"), "")
        others = others.astype("str") + pd.Series(more, index=others.index, dtype="str")
        out["main_uscc"] = pid.map(main["uscc"]).to_numpy()
        out["main_name"] = pid.map(main["name"]).to_numpy()
        out["other_occupants"] = pid.map(others).to_numpy()
        out["occupant_count"] = pid.map(g.size()).fillna(0).astype(int).to_numpy()
        cls = pid.map(main["eval_class"].map(_class_key))
        out["class_key"] = np.where(out["occupant_count"] > 0, cls.fillna("unrated"), "vacant")
        if "tax_wan" in occ.columns:
            tax = pid.map(g["tax_wan"].sum(min_count=1)).to_numpy(dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                out["tax_per_mu"] = np.where(out["area_mu"] > 0, tax / out["area_mu"], np.nan)
    if screening is not None and len(screening) and "parcel_id" in screening.columns:
        scr = screening.drop_duplicates("parcel_id").copy()
        scr.index = scr["parcel_id"].astype(str)
        for col in (
            "tax_per_mu",
            "far",
            "building_coverage",
            "is_low_efficiency",
            "is_idle",
            "idle_months",
            "reasons_zh",
            "reason_codes",
        ):
            if col in scr.columns:
                out[col] = pid.map(scr[col]).to_numpy()
    return out


def _occupant_labels(names: pd.Series, usccs: pd.Series) -> list[str]:
    """``名称（代码）`` of each occupant, the code alone when the name is missing (aligned by position)."""
    if isinstance(names.dtype, pd.StringDtype):  # text or missing only: one vectorised pass
        text = names.str.strip()
        missing = (
            names.isna().to_numpy(dtype=bool)
            | text.eq("").fillna(False).to_numpy(dtype=bool)
            | text.str.lower().isin(["nan", "nat", "none", "<na>"]).fillna(False).to_numpy(dtype=bool)
        )
        u = usccs.astype(str)
        both = names.fillna("").astype(str) + "（" + u + "）"
        return np.where(missing, u.to_numpy(dtype=object), both.to_numpy(dtype=object)).tolist()
    return [str(u) if _is_missing(nm) else f"{nm}（{u}）" for nm, u in zip(names, usccs, strict=True)]


def feature_collection(
    gdf: gpd.GeoDataFrame,
    properties: Mapping[str, Iterable[Any]],
    *,
    simplify_m: float,
    drop: str | None = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326) with exactly the given properties.

    Parameters
    ----------
    gdf : GeoDataFrame
        Geometries in any CRS with a definition (worked on in EPSG:4549, on a copy).
    properties : mapping
        ``{key: values}``, each with ``len(gdf)`` values in row order, already formatted
        (strings); the only properties written (whitelist).
    simplify_m : float
        Douglas-Peucker tolerance in metres applied in EPSG:4549 with
        ``preserve_topology=True`` (0 keeps every vertex).
    drop : str, optional
        Leave out properties equal to this value (e.g. :data:`MISSING`, which the page's
        tooltip shows for absent keys anyway), to keep the page small.

    Returns
    -------
    dict
        FeatureCollection; rows with missing or empty geometry are skipped. Coordinates are
        rounded to 6 decimals (≈ 0.1 m).
    """
    geoms = working_geometries(gdf, source="map layer") if len(gdf) else np.empty(0, dtype=object)
    keep = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms) if len(geoms) else np.zeros(0, bool)
    cols = {k: list(v) for k, v in properties.items()}
    for k, v in cols.items():
        if len(v) != len(gdf):
            raise ValueError(f"property '{k}' has {len(v)} values for {len(gdf)} features")
    if not keep.any():
        return {"type": "FeatureCollection", "features": []}
    g = geoms[keep]
    if simplify_m > 0:
        g = shapely.simplify(g, simplify_m, preserve_topology=True)
    lonlat = to_map_crs(gpd.GeoDataFrame(geometry=gpd.GeoSeries(g, crs=WORKING_CRS), crs=WORKING_CRS))
    g = shapely.transform(np.asarray(lonlat.geometry.values, dtype=object), lambda c: np.round(c, 6))
    texts = shapely.to_geojson(g)
    idx = np.flatnonzero(keep)
    features = []
    for j, text in zip(idx, texts, strict=True):
        props = {k: v[j] for k, v in cols.items() if v[j] is not None and v[j] != drop}
        features.append({"type": "Feature", "properties": props, "geometry": json.loads(text)})
    return {"type": "FeatureCollection", "features": features}
