"""The overview map of a large county: parcels summed up by town or hexagon, and only the
parcels that need a decision drawn one by one.

Above ``maps.parcel_detail_max`` parcels a page with every parcel would be tens of MB and slow to
open. The overview then draws one polygon per 乡镇（街道） (``maps.aggregate_by: town``, from the
towns layer; each parcel counted in the town holding its representative point) or per hexagon of
side ``maps.aggregate_hex_m`` (``hex``, or when there is no towns layer), with the parcels'
count, area (亩), 亩均税收 (万元/亩) and how many are flagged; and the parcel layers draw only
the flagged parcels: low-efficiency or idle, in the scenario, used by a 两高 firm. The legend says
so. Everything is vectorised (shapely 2 arrays, an STRtree query, a groupby).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ruian_land.control_lines import working_geometries
from ruian_land.core import WORKING_CRS, is_in
from ruian_land.maps.book import LayerBook, _flag, _parcel_lists, _scenario_rows, _working
from ruian_land.maps.data import MISSING, format_column
from ruian_land.maps.styles import NO_DATA, _legend, _style, _swatch, _tax_keys, tax_classes

__all__ = ["LAYER_AGGREGATE", "add_aggregate", "aggregate_cells", "flagged_parcels", "hexagon_cells"]

#: Layer name of the aggregates (the kind of cell is added: 乡镇 or 六边形).
LAYER_AGGREGATE = "宗地汇总"


def flagged_parcels(
    attrs: pd.DataFrame,
    *,
    selection: pd.DataFrame | None = None,
    freed: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
    screening_firms: pd.DataFrame | None = None,
) -> np.ndarray:
    """Which parcels a large county's overview still draws one by one.

    Parameters
    ----------
    attrs : DataFrame
        :func:`ruian_land.maps.data.parcel_attributes` (``parcel_id``, ``is_low_efficiency``,
        ``is_idle``), n rows.
    selection, freed, links, firms
        The scenario's firms (``uscc``), freed parcels (``parcel_id``), occupancy links and firms.
    screening_firms : DataFrame, optional
        ``uscc``, ``is_two_high`` (and ``parcel_ids``).

    Returns
    -------
    ndarray of bool
        n values, in the order of ``attrs``: low-efficiency, idle, in the scenario, or used by a
        两高 firm.
    """
    out = _flag(attrs, "is_low_efficiency") | _flag(attrs, "is_idle")
    ids = [_scenario_rows(selection, links, firms)["parcel_id"].astype(str)]
    if freed is not None and len(freed) and "parcel_id" in freed.columns:
        ids.append(freed["parcel_id"].astype(str))
    if screening_firms is not None and "is_two_high" in screening_firms.columns:
        th = screening_firms.loc[screening_firms["is_two_high"].fillna(False).astype(bool)]
        ids.append(_parcel_lists(th.assign(uscc=th["uscc"].astype(str)), links)["parcel_id"].astype(str))
    return np.asarray(
        out | is_in(attrs["parcel_id"].astype(str), pd.concat(ids, ignore_index=True)), dtype=bool
    )


def hexagon_cells(points: np.ndarray, side_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The pointy-top hexagon of side ``side_m`` (EPSG:4549 metres) holding each point.

    Returns
    -------
    cell : ndarray of int
        One cell number per point (0 … k-1).
    hexagons : ndarray of Polygon
        The k hexagons, in cell-number order.
    """
    x, y = shapely.get_x(points), shapely.get_y(points)
    q = (math.sqrt(3) / 3 * x - y / 3) / side_m  # axial coordinates, then cube rounding
    r = (2 / 3 * y) / side_m
    cx, cz = q, r
    cy = -cx - cz
    rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
    dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
    fix_x = (dx > dy) & (dx > dz)
    fix_z = ~fix_x & (dz >= dy)
    rx = np.where(fix_x, -ry - rz, rx)
    rz = np.where(fix_z, -rx - ry, rz)
    keys = np.stack([rx, rz], axis=1).astype(np.int64)
    uniq, cell = np.unique(keys, axis=0, return_inverse=True)
    centre_x = side_m * math.sqrt(3) * (uniq[:, 0] + uniq[:, 1] / 2)
    centre_y = side_m * 1.5 * uniq[:, 1]
    angles = np.deg2rad(np.arange(6) * 60 + 30)
    ring = np.stack(
        [centre_x[:, None] + side_m * np.cos(angles), centre_y[:, None] + side_m * np.sin(angles)], axis=2
    )
    hexagons = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
    return cell.ravel(), hexagons


def aggregate_cells(
    base: gpd.GeoDataFrame,
    attrs: pd.DataFrame,
    flagged: np.ndarray,
    *,
    towns: gpd.GeoDataFrame | None,
    by: str,
    hex_m: float,
) -> tuple[gpd.GeoDataFrame, str]:
    """Parcels summed up by town or hexagon.

    Parameters
    ----------
    base : GeoDataFrame
        The parcels (EPSG:4549), n rows; rows without geometry are left out.
    attrs : DataFrame
        Their map attributes (``area_mu`` 亩, ``tax_per_mu`` 万元/亩), same order.
    flagged : ndarray of bool
        :func:`flagged_parcels`.
    towns : GeoDataFrame or None
        Town polygons (``town`` or ``name``); used with ``by == "town"``.
    by : {'town', 'hex'}
        Rule ``maps.aggregate_by``; ``town`` without a towns layer falls back to ``hex``.
    hex_m : float
        Rule ``maps.aggregate_hex_m``: hexagon side in metres.

    Returns
    -------
    cells : GeoDataFrame
        EPSG:4549, one row per cell holding parcels: ``name``, ``parcels``, ``area_mu``,
        ``tax_per_mu`` (Σ tax ÷ Σ area of the parcels with tax data; NaN without any), ``flagged``.
    kind : str
        ``town`` or ``hex`` (what was used).
    """
    geoms = working_geometries(base, source="parcels") if len(base) else np.empty(0, dtype=object)
    ok = ~shapely.is_missing(geoms)
    ok[ok] = ~shapely.is_empty(geoms[ok])
    points = shapely.point_on_surface(geoms[ok])
    t = _working(towns, "towns") if by == "town" else None
    if t is not None:
        kind = "town"
        tg = working_geometries(t, source="towns")
        hit_point, hit_town = shapely.STRtree(tg).query(points, predicate="within")
        cell = np.full(len(points), -1, dtype=np.int64)
        cell[hit_point[::-1]] = hit_town[::-1]  # the first town listed wins
        col = next((c for c in ("town", "name", "名称") if c in t.columns), None)
        names = np.asarray(format_column(t[col]) if col else [MISSING] * len(t), dtype=object)
        shapes = tg
    else:
        kind = "hex"
        cell, shapes = hexagon_cells(points, hex_m)
        names = np.array([f"六边形 {i + 1}" for i in range(len(shapes))], dtype=object)
    area = attrs["area_mu"].to_numpy(dtype=float)[ok]
    tpm = pd.to_numeric(attrs["tax_per_mu"], errors="coerce").to_numpy(dtype=float)[ok]
    has_tax = np.isfinite(tpm) & np.isfinite(area)
    frame = pd.DataFrame(
        {
            "cell": cell,
            "area_mu": np.nan_to_num(area),
            "tax_wan": np.where(has_tax, tpm * area, 0.0),
            "taxed_mu": np.where(has_tax, area, 0.0),
            "flagged": flagged[ok].astype(int),
        }
    )
    frame = frame[frame["cell"] >= 0]
    g = frame.groupby("cell")
    sums = g[["area_mu", "tax_wan", "taxed_mu", "flagged"]].sum()
    sums["parcels"] = g.size()
    idx = sums.index.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        per_mu = np.where(sums["taxed_mu"] > 0, sums["tax_wan"] / sums["taxed_mu"], np.nan)
    cells = gpd.GeoDataFrame(
        {
            "name": names[idx],
            "parcels": sums["parcels"].to_numpy(),
            "area_mu": sums["area_mu"].to_numpy(),
            "tax_per_mu": per_mu,
            "flagged": sums["flagged"].to_numpy(),
        },
        geometry=gpd.GeoSeries(np.asarray(shapes, dtype=object)[idx], crs=WORKING_CRS),
        crs=WORKING_CRS,
    )
    return cells, kind


def add_aggregate(
    book: LayerBook, cells: gpd.GeoDataFrame, kind: str, rules: Any, *, total: int, drawn: int
) -> str:
    """Register the aggregate layer (coloured by 亩均税收 class); returns the note for the
    page saying what is drawn (Chinese)."""
    breaks, tax = tax_classes(rules)
    cols = {
        "n": format_column(cells["name"]),
        "c": format_column(cells["parcels"]),
        "a": format_column(cells["area_mu"]),
        "t": format_column(cells["tax_per_mu"]),
        "fl": format_column(cells["flagged"]),
        "tk": _tax_keys(cells["tax_per_mu"], breaks),
    }
    book.stats["aggregate_cells"] = book.own("aggregate", cells, cols)
    book.stats["parcels_total"] = total
    unit = (
        "乡镇（街道）"
        if kind == "town"
        else f"六边形（边长 {float(rules.value('maps.aggregate_hex_m')):g} 米）"
    )
    limit = int(rules.value("maps.parcel_detail_max"))
    note = (
        f"宗地 {total} 宗，超过 {limit} 宗：总览按{unit}汇总宗地数、面积和亩均税收，"
        f"仅逐宗绘出低效用地、闲置土地、腾退方案和两高企业涉及的 {drawn} 宗"
    )
    styles = {f"t{i}": _style(c, opacity=0.55, weight=1.2, color="#333333") for i, (c, _) in enumerate(tax)}
    styles["_"] = _style(NO_DATA[0], opacity=0.4, weight=1.2, color="#333333")
    rows = [_swatch(c, lab) for c, lab in reversed(tax)] + [_swatch(NO_DATA[0], NO_DATA[1])]
    legend = _legend(f"{LAYER_AGGREGATE}：按{unit}（亩均税收，万元/亩）", rows, note)
    fields = [
        ("n", "汇总单元"),
        ("c", "宗地数（宗）"),
        ("a", "面积（亩）"),
        ("t", "亩均税收（万元/亩）"),
        ("fl", "低效、闲置、腾退、两高宗地（宗）"),
    ]
    book.layer(LAYER_AGGREGATE, "aggregate", "aggregate", fields, styles, legend, prop="tk")
    return note
