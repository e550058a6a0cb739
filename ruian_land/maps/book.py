"""The :class:`LayerBook` the overview map's layers register on, and the helpers the ``add_*``
functions share (column formatting, working frames, parcel ↔ firm and scenario rows)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ruian_land.control_lines import working_geometries
from ruian_land.core import WORKING_CRS, is_in, split_codes, to_map_crs
from ruian_land.maps.data import MISSING, format_column
from ruian_land.maps.encode import encode_columns, encode_geometries, encode_indices, simplify_coverage
from ruian_land.maps.styles import (
    _TEXT_KEYS,
    REMEDY_STYLE,
)

__all__ = [
    "LayerBook",
]


@dataclass
class LayerBook:
    """Collects layer payloads, layers and tooltip field lists for one page.

    Attributes
    ----------
    tolerance_m : float
        Simplification tolerance (EPSG:4549 metres).
    scale : int
        Coordinate steps per degree.
    loads : list of (key, payload)
        In page order (a referenced store comes first).
    layers : list of (name, spec, show)
        In layer-control order (bottom to top).
    fields : dict
        Tooltip field lists by key: ``[property, escaped label, lookup kind?]``.
    stores : dict
        Payload key → ``{row label: store index}`` of drawable rows.
    stats : dict
        ``parcels`` drawn, ``coverage_fallback`` (polygons simplified one by one).
    """

    tolerance_m: float
    scale: int
    loads: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    layers: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)
    fields: dict[str, list[list[str]]] = field(default_factory=dict)
    stores: dict[str, dict[Any, int]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)

    def own(
        self,
        key: str,
        gdf: gpd.GeoDataFrame,
        columns: dict[str, list[str]],
        *,
        groups: Sequence[Sequence[str]] = (),
        search: Sequence[str] | None = None,
        points: bool = False,
    ) -> int:
        """A payload with its own geometries (rows without geometry dropped); returns rows kept."""
        geoms = working_geometries(gdf, source=key) if len(gdf) else np.empty(0, dtype=object)
        keep = ~shapely.is_missing(geoms)
        keep[keep] = ~shapely.is_empty(geoms[keep])
        g, fallback = simplify_coverage(geoms[keep], self.tolerance_m)
        self.stats["coverage_fallback"] = self.stats.get("coverage_fallback", 0) + fallback
        cols = {k: [v for v, ok in zip(vals, keep, strict=True) if ok] for k, vals in columns.items()}
        payload: dict[str, Any] = {
            "n": int(keep.sum()),
            "s": self.scale,
            "g": encode_geometries(g, WORKING_CRS, scale=self.scale),
            "c": encode_columns(_blank_missing(cols), groups=groups, texts=_TEXT_KEYS),
        }
        if search:
            payload["q"] = list(search)
        if points and keep.any():
            pts = to_map_crs(gpd.GeoDataFrame(geometry=shapely.point_on_surface(g), crs=WORKING_CRS))
            payload["pt"] = [
                [round(p.y * self.scale) / self.scale, round(p.x * self.scale) / self.scale]
                for p in pts.geometry
            ]
        self.stores[key] = {label: i for i, label in enumerate(gdf.index[keep])}
        self.loads.append((key, payload))
        return int(keep.sum())

    def ref(
        self,
        key: str,
        store: str,
        rows: Sequence[Any],
        columns: dict[str, list[str]],
        *,
        groups: Sequence[Sequence[str]] = (),
    ) -> int:
        """A payload reusing the geometries of ``store`` (rows given by their labels there;
        rows not drawn in the store are dropped); returns rows kept."""
        index = self.stores.get(store, {})
        keep = [r in index for r in rows]
        cols = {k: [v for v, ok in zip(vals, keep, strict=True) if ok] for k, vals in columns.items()}
        payload = {
            "n": int(sum(keep)),
            "ref": store,
            "i": encode_indices([index[r] for r, ok in zip(rows, keep, strict=True) if ok]),
            "c": encode_columns(_blank_missing(cols), groups=groups, texts=_TEXT_KEYS),
        }
        self.loads.append((key, payload))
        return int(sum(keep))

    def layer(
        self,
        name: str,
        data: str,
        tip: str,
        fields: Sequence[tuple[str, ...]],
        styles: dict[str, dict[str, Any]],
        legend: str,
        *,
        prop: str = "k",
        filter_prop: str | None = None,
        show: bool = True,
        ranks: bool = False,
    ) -> None:
        """Register one layer-control entry drawing payload ``data``."""
        self.fields[tip] = [[f[0], html.escape(f[1]), *f[2:]] for f in fields]
        spec = {
            "data": data,
            "filter": filter_prop,
            "style": styles,
            "prop": prop,
            "tip": tip,
            "legend": legend,
            "ranks": ranks,
        }
        self.layers.append((name, spec, show))


def _blank_missing(cols: dict[str, list[str]]) -> dict[str, list[str]]:
    """``MISSING`` → ``""`` (the page shows — for an absent value)."""
    return {k: ["" if v == MISSING or v is None else v for v in vals] for k, vals in cols.items()}


def _col(frame: pd.DataFrame, name: str, **kw: Any) -> list[str]:
    return format_column(frame[name], **kw) if name in frame.columns else [MISSING] * len(frame)


def _working(gdf: gpd.GeoDataFrame | None, name: str) -> gpd.GeoDataFrame | None:
    if gdf is None or len(gdf) == 0:
        return None
    geoms = working_geometries(gdf, source=name)
    return gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=geoms, crs=WORKING_CRS)


def _flag(attrs: pd.DataFrame, col: str) -> np.ndarray:
    if col not in attrs.columns:
        return np.zeros(len(attrs), dtype=bool)
    return attrs[col].map(lambda v: bool(v) if isinstance(v, bool | np.bool_) else False).to_numpy(dtype=bool)


def _parcel_lists(frame: pd.DataFrame, links: pd.DataFrame | None) -> pd.DataFrame:
    """``uscc`` × ``parcel_id`` pairs of firms: ``parcel_ids`` (``;``-joined) else the links."""
    if "parcel_ids" in frame.columns:
        pairs = frame[["uscc", "parcel_ids"]].assign(parcel_id=frame["parcel_ids"].map(split_codes))
        pairs = pairs.explode("parcel_id").dropna(subset=["parcel_id"])
        return pairs[["uscc", "parcel_id"]].astype(str)
    if links is None or not len(links):
        return pd.DataFrame({"uscc": [], "parcel_id": []}, dtype=object)
    lk = links[["uscc", "parcel_id"]].astype(str)
    return lk.loc[is_in(lk["uscc"], frame["uscc"].astype(str))].drop_duplicates()


def _scenario_rows(
    selection: pd.DataFrame | None, links: pd.DataFrame | None, firms: pd.DataFrame | None
) -> pd.DataFrame:
    cols = ["parcel_id", "year", "uscc", "name", "remedy", "remedy_zh"]
    if selection is None or not len(selection) or links is None or not len(links):
        return pd.DataFrame(columns=cols)
    sel = selection.copy()
    sel["uscc"] = sel["uscc"].astype(str)
    if "name" not in sel.columns:
        sel["name"] = None
        if firms is not None and "name" in firms.columns:
            f = firms.drop_duplicates("uscc")
            sel["name"] = sel["uscc"].map(pd.Series(f["name"].to_numpy(), index=f["uscc"].astype(str)))
    if "remedy_zh" not in sel.columns:
        sel["remedy_zh"] = sel["remedy"].map(lambda r: REMEDY_STYLE.get(str(r), ("", str(r)))[1])
    lk = links[["uscc", "parcel_id"]].astype(str).drop_duplicates()
    sel = sel.merge(lk, on="uscc", how="inner")
    sel["year"] = pd.to_numeric(sel["year"], errors="coerce")
    return sel[cols]
