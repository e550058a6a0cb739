"""The overview map: one self-contained, light Folium page with every layer a planner needs.

Layers (Chinese names in the layer control, drawn bottom to top): 乡镇街道, 工业用地控制线,
宗地: 亩均效益评价等级, 亩均税收 (万元/亩) (with a grey 无数据 class), 低效用地与闲置土地,
腾退方案 <year> (one per year), 两高企业, 小微企业园候选地块 (with rank labels). Each layer has a
Chinese legend block with units, shown exactly while the layer is on. Tooltips and popups
(Chinese) show firm name, 统一社会信用代码, class, indicators with units and the screening
reasons; every value is HTML-escaped in Python and missing values show as ``—``. A search box
(firm name, code or parcel id), full-screen, a measuring tool and a scale bar complete the page.

Light by construction (:mod:`ruian_land.maps.encode`): parcel geometries are embedded once and
reused by every parcel layer; they are simplified in EPSG:4549 at a tolerance of
``maps.simplify_px`` pixels at the deepest zoom ``maps.max_zoom``, shared edges kept shared;
coordinates are quantised to ``maps.coordinate_precision_px`` pixel and stored as polylines;
only whitelisted properties are written, as compact columns (dictionaries, shared prefixes,
reason texts as skeletons stored once); tooltips are built in the browser; hidden layers
are built the first time they are shown; paths are drawn on a canvas. :func:`map_html`
warns with :class:`MapSizeWarning` when the page exceeds the budget ``maps.size_budget_base_kb``
+ ``maps.size_budget_bytes_per_parcel`` × parcels drawn. Above ``maps.parcel_detail_max`` parcels
the page sums them up by town or hexagon and draws only the flagged parcels one by one
(:mod:`ruian_land.maps.aggregate`); the aggregate layer's legend and the page's note say so.

Geometries leave EPSG:4549 only here, on copies. With ``offline=True`` (the default) the
saved page inlines pinned copies of Leaflet and its plugins (:mod:`ruian_land.maps.offline`)
and needs no network. Basemaps: :mod:`ruian_land.maps.basemap` (GCJ-02 providers refused).
Always save with :func:`save_map` (``Map.save`` would keep the CDN links).

The page exposes ``window.RUIAN`` (``map``, ``layers`` and ``geojson`` by layer name, decoded
``data``) for tests and scripting; :func:`ruian_land.maps.encode.read_map_data` decodes a saved
page in Python.
"""

from __future__ import annotations

import html
import warnings
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from folium.plugins import Fullscreen, MeasureControl
from pyproj import Transformer

from ruian_land.control_lines import working_geometries
from ruian_land.core import MAP_CRS, WORKING_CRS, InputWarning, is_in
from ruian_land.maps.aggregate import add_aggregate, aggregate_cells, flagged_parcels
from ruian_land.maps.basemap import BASEMAPS, add_basemap
from ruian_land.maps.book import (
    LayerBook,
)
from ruian_land.maps.data import parcel_attributes
from ruian_land.maps.encode import centre_latitude, coordinate_scale, zoom_tolerance_m
from ruian_land.maps.layers import (
    add_control_lines,
    add_parcel_layers,
    add_towns,
)
from ruian_land.maps.offline import inline_assets, unescape_non_ascii
from ruian_land.maps.overlays import (
    add_scenario,
    add_sites,
    add_two_high,
)
from ruian_land.maps.page import HELPERS_JS, DataBlock, RuianLayer, Script, SearchControl, js
from ruian_land.maps.styles import (
    CLASS_STYLE,
    LAYER_CLASS,
    LAYER_LINES,
    LAYER_SCREEN,
    LAYER_SITES,
    LAYER_TAX,
    LAYER_TOWNS,
    LAYER_TWO_HIGH,
    SCREEN_STYLE,
    scenario_layer_name,
)
from ruian_land.maps.supervision import SUPERVISION_LAYERS, add_supervision
from ruian_land.rules import load_rules
from ruian_land.supervision import Supervision

__all__ = [
    "BASEMAPS",
    "LAYER_CLASS",
    "LAYER_LINES",
    "LAYER_SCREEN",
    "LAYER_SITES",
    "LAYER_TAX",
    "LAYER_TOWNS",
    "LAYER_TWO_HIGH",
    "MapSizeWarning",
    "layer_names",
    "map_html",
    "overview_map",
    "save_map",
    "scenario_layer_name",
    "size_budget",
]


class MapSizeWarning(InputWarning):
    """The saved map is heavier than the size budget of the rules (``maps.size_budget_*``)."""


def layer_names(
    years: list[int] | tuple[int, ...] = (2021, 2022, 2023),
    *,
    two_high: bool = True,
    supervision: bool = False,
) -> list[str]:
    """All layer names of the overview map, bottom to top, for the given scenario years (with the
    three supervision layers when the map was given a ``supervision``)."""
    return [
        LAYER_TOWNS,
        LAYER_LINES,
        LAYER_CLASS,
        LAYER_TAX,
        LAYER_SCREEN,
        *[scenario_layer_name(y) for y in years],
        *([LAYER_TWO_HIGH] if two_high else []),
        LAYER_SITES,
        *(SUPERVISION_LAYERS if supervision else ()),
    ]


def _years(frame: pd.DataFrame | None) -> set[int]:
    if frame is None or "year" not in frame.columns:
        return set()
    y = pd.to_numeric(frame["year"], errors="coerce").dropna()
    return {int(v) for v in y}


def overview_map(
    parcels: gpd.GeoDataFrame,
    *,
    firms: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    screening: Any = None,
    screening_firms: pd.DataFrame | None = None,
    selection: pd.DataFrame | None = None,
    freed_parcels: pd.DataFrame | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    towns: gpd.GeoDataFrame | None = None,
    supervision: Supervision | None = None,
    offline: bool = True,
    basemap: str = "none",
    rules: Any = None,
    simplify_m: float | None = None,
    tianditu_key: str | None = None,
    xyz_url: str | None = None,
    xyz_attribution: str | None = None,
    title: str = "瑞安市工业用地一张图",
) -> folium.Map:
    """Build the overview map of parcels, evaluation, screening, 两高, scenario and park sites.

    Parameters
    ----------
    parcels : GeoDataFrame
        Clean parcels (CONTRACTS §2): ``parcel_id``, ``area_mu``, ``town``, ``park_name``,
        geometry in EPSG:4549 (n rows). Rows without geometry are not drawn.
    firms : DataFrame, optional
        Evaluated firms: ``uscc``, ``name``, ``eval_class`` (A|B|C|D|exempt|unrated).
    links : DataFrame, optional
        Occupancy links: ``uscc``, ``parcel_id``, ``land_area_mu`` (main occupant = largest),
        ``tax_wan`` (fallback for 亩均税收 when ``screening`` is not given).
    screening : DataFrame or Screening, optional
        Screening parcels (``parcel_id``, ``tax_per_mu`` 万元/亩, ``is_low_efficiency``,
        ``is_idle``, ``reasons_zh``, ``reason_codes``, ``far``, ``building_coverage``,
        ``idle_months``); a ``Screening`` object is accepted (its ``.parcels``, and its
        ``.firms`` for the 两高 layer when ``screening_firms`` is not given).
    screening_firms : DataFrame, optional
        Screening firms (``uscc``, ``name``, ``is_two_high``, ``energy_tce_calorific`` 吨标准煤,
        ``project_built_year``, ``reason_codes``, ``reasons_zh``, ``parcel_ids``): draws the
        两高企业 layer on the parcels of the firms with ``is_two_high``.
    selection : DataFrame, optional
        Scenario selection: ``uscc``, ``remedy`` (exit|relocate|upgrade), ``year``
        (``remedy_zh``, ``name`` used when present); drawn on the firms' linked parcels.
    freed_parcels : DataFrame, optional
        ``parcel_id``, ``year``, ``area_mu`` freed by the scenario.
    control_lines, sites, towns : GeoDataFrame, optional
        工业用地控制线 polygons (``name``, ``line_level``), :func:`ruian_land.parks.candidate_sites`
        output, town areas (``town`` or ``name``).
    supervision : Supervision, optional
        :func:`ruian_land.supervision.supervise` output: the 标准地履约, 挂图作战 and 政策适用
        layers (hidden at first).
    offline : bool
        Inline pinned Leaflet assets when saved with :func:`save_map` (no CDN).
    basemap : {'none', 'osm', 'tianditu', 'xyz'}
        Background tiles (:func:`ruian_land.maps.basemap.add_basemap`); ``none`` (default)
        works offline; tiles always come from their server. GCJ-02 / BD-09 providers refused.
    rules : RuleSet, optional
        ``maps.max_zoom``, ``maps.min_zoom``, ``maps.simplify_px``,
        ``maps.coordinate_precision_px``, ``maps.size_budget_*``, ``maps.parcel_detail_max``,
        ``maps.aggregate_by`` and ``maps.aggregate_hex_m`` (a large county's aggregates),
        ``maps.rank_labels_*`` (site rank labels: the best ones always, all from a zoom), the 亩均税收 classes
        (``screening.tax_per_mu_floor``, ``screening.park_clearance_tax_per_mu``,
        ``standard_land.tax_per_mu``, ``targets.tax_per_mu``), ``two_high.*`` (legend) and
        the scenario years (``targets.years``); default preset.
    simplify_m : float, optional
        Override the simplification tolerance in metres (default: ``maps.simplify_px``
        pixels at ``maps.max_zoom`` at the data's latitude, 0.53 m for 1 pixel at zoom 18).
    tianditu_key, xyz_url, xyz_attribution : str, optional
        Config ``maps.tianditu_key`` / ``maps.xyz_url`` for those basemaps.
    title : str
        Heading of the legend.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.

    Raises
    ------
    InputError
        A layer has no CRS or implausible coordinates; unknown ``basemap``, a missing tile
        key / URL, or a GCJ-02 tile provider.
    """
    if rules is None:
        rules = load_rules()
    scr = getattr(screening, "parcels", screening)
    if screening_firms is None:
        screening_firms = getattr(screening, "firms", None)
    base = None
    if parcels is not None and len(parcels):
        geoms = working_geometries(parcels, source="parcels")
        base = gpd.GeoDataFrame(parcels.drop(columns=parcels.geometry.name), geometry=geoms, crs=WORKING_CRS)
    if base is None:
        base = gpd.GeoDataFrame(
            {"parcel_id": []}, geometry=gpd.GeoSeries([], crs=WORKING_CRS), crs=WORKING_CRS
        )
    max_zoom, min_zoom = int(rules.value("maps.max_zoom")), int(rules.value("maps.min_zoom"))
    lat = centre_latitude(base.geometry.to_numpy())
    tol = (
        zoom_tolerance_m(max_zoom, lat, float(rules.value("maps.simplify_px")))
        if simplify_m is None
        else simplify_m
    )
    scale = coordinate_scale(max_zoom, lat, float(rules.value("maps.coordinate_precision_px")))

    m = folium.Map(
        tiles=None,
        prefer_canvas=False,  # data layers get their own canvas (RUIAN.canvas); SVG for the measure tool
        control_scale=True,
        zoom_start=13,
        location=(27.78, 120.65),
        max_zoom=max_zoom,
        min_zoom=min_zoom,
    )
    add_basemap(m, basemap, tianditu_key=tianditu_key, xyz_url=xyz_url, xyz_attribution=xyz_attribution)
    root: Any = m.get_root()
    root.header.add_child(Element(HELPERS_JS), name="ruian_helpers")

    book = LayerBook(tolerance_m=float(tol), scale=scale)
    attrs = parcel_attributes(base, firms=firms, links=links, screening=scr)
    years = sorted({int(y) for y in rules.value("targets.years")} | _years(selection) | _years(freed_parcels))
    add_towns(book, towns)
    add_control_lines(book, control_lines)
    whole, note = base, "悬停或点击地块查看详情；勾选右上角图层显示对应图例"
    if len(base) > int(rules.value("maps.parcel_detail_max")):  # a large county: aggregates
        flagged = flagged_parcels(
            attrs,
            selection=selection,
            freed=freed_parcels,
            links=links,
            firms=firms,
            screening_firms=screening_firms,
        )
        cells, kind = aggregate_cells(
            base,
            attrs,
            flagged,
            towns=towns,
            by=str(rules.value("maps.aggregate_by")),
            hex_m=float(rules.value("maps.aggregate_hex_m")),
        )
        said = add_aggregate(book, cells, kind, rules, total=len(base), drawn=int(flagged.sum()))
        base, attrs, note = base[flagged], attrs[flagged], f"{note}；{said}"
    add_parcel_layers(book, base, attrs, rules, selection, freed_parcels, links, firms)
    if selection is not None or freed_parcels is not None:
        add_scenario(book, attrs, selection, freed_parcels, links, firms, years, rules)
    add_two_high(book, attrs, screening_firms, links, rules)
    add_sites(book, sites)
    add_supervision(book, attrs, supervision)

    for k, payload in book.loads:
        root.html.add_child(DataBlock(k, js(payload)), name=f"ruian_data_{k}")
    ranks = f"RUIAN.rankTop = {int(rules.value('maps.rank_labels_top'))};\n"
    ranks += f"RUIAN.rankZoom = {int(rules.value('maps.rank_labels_min_zoom'))};\n"
    Script(f"RUIAN.map = {m.get_name()};\nRUIAN.offlineIcons();\n{ranks}RUIAN.loadAll();").add_to(m)
    for name, spec, show in book.layers:
        RuianLayer(name, spec, show=show).add_to(m)
    SearchControl(LAYER_CLASS, "搜索企业名称、信用代码或宗地代码", "未找到", "取消").add_to(m)
    Fullscreen(position="topleft", title="全屏", title_cancel="退出全屏").add_to(m)
    MeasureControl(
        position="topleft",
        primary_length_unit="meters",
        secondary_length_unit="kilometers",
        primary_area_unit="sqmeters",
        secondary_area_unit="hectares",
        localization="cn",
    ).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    lookup = {
        "class": {k: html.escape(lab) for k, (_, lab) in CLASS_STYLE.items()},
        "screen": {k: html.escape(lab) for k, (_, lab) in SCREEN_STYLE.items()},
    }
    Script(
        f"RUIAN.fields = {js(book.fields)};\nRUIAN.lookup = {js(lookup)};\n"
        f"RUIAN.addLegend({m.get_name()}, {js(html.escape(title))}, {js([n for n, _, _ in book.layers])}, "
        f"{js(html.escape(note))});"
    ).add_to(m)
    _fit(m, whole, _industrial_ids(scr))
    m.ruian_offline = bool(offline)  # type: ignore[attr-defined]
    m.ruian_stats = {  # type: ignore[attr-defined]
        **book.stats,
        "tolerance_m": round(float(tol), 4),
        "scale": scale,
        "rules": rules,
    }
    return m


def _industrial_ids(scr: Any) -> pd.Series | None:
    """Parcel ids of industrial land (screening's ``is_industrial``), the map's first view."""
    if not isinstance(scr, pd.DataFrame) or not {"parcel_id", "is_industrial"} <= set(scr.columns):
        return None
    ids = scr.loc[scr["is_industrial"].fillna(False).astype(bool).to_numpy(), "parcel_id"].astype(str)
    return ids if len(ids) else None


def _fit(m: folium.Map, base: gpd.GeoDataFrame, focus: pd.Series | None = None) -> None:
    """First view: the industrial parcels when known, else every parcel."""
    if not len(base):
        return
    g = base.geometry
    ok = ~(g.isna() | g.is_empty)
    if focus is not None and "parcel_id" in base.columns:
        on = ok & is_in(base["parcel_id"].astype(str), focus)
        ok = on if on.any() else ok
    if ok.any():
        # every vertex in EPSG:4326, as to_crs + total_bounds, without building the lon/lat geometries
        xy = shapely.get_coordinates(np.asarray(g[ok].values, dtype=object))
        lon, lat = Transformer.from_crs(WORKING_CRS, MAP_CRS, always_xy=True).transform(xy[:, 0], xy[:, 1])
        m.fit_bounds([[float(np.min(lat)), float(np.min(lon))], [float(np.max(lat)), float(np.max(lon))]])


def size_budget(m: folium.Map) -> int | None:
    """Budget in bytes of the page of ``m``: ``maps.size_budget_base_kb`` × 1024 +
    ``maps.size_budget_bytes_per_parcel`` × parcels drawn (None for a map not built by
    :func:`overview_map`)."""
    stats = getattr(m, "ruian_stats", None)
    if not stats:
        return None
    rules = stats["rules"]
    base = float(rules.value("maps.size_budget_base_kb")) * 1024
    return int(base + float(rules.value("maps.size_budget_bytes_per_parcel")) * stats.get("parcels", 0))


def map_html(m: folium.Map, *, offline: bool | None = None) -> str:
    """Render ``m`` to a complete HTML page (UTF-8 text).

    Parameters
    ----------
    m : folium.Map
        Usually from :func:`overview_map`.
    offline : bool, optional
        Inline pinned assets (default: the ``offline`` argument given to
        :func:`overview_map`, else False).

    Returns
    -------
    str
        The page; Chinese written as characters, not ``\\u`` escapes.

    Raises
    ------
    OfflineAssetError
        ``offline`` and an asset has no pinned copy.

    Warns
    -----
    MapSizeWarning
        The page is larger than :func:`size_budget` (rules ``maps.size_budget_base_kb`` and
        ``maps.size_budget_bytes_per_parcel``).
    """
    if offline is None:
        offline = bool(getattr(m, "ruian_offline", False))
    text = unescape_non_ascii(m.get_root().render())
    if offline:
        text = inline_assets(text)
    budget = size_budget(m)
    size = len(text.encode("utf-8"))
    if budget is not None and size > budget:
        n = getattr(m, "ruian_stats", {}).get("parcels", 0)
        warnings.warn(
            f"the overview map is {size / 1e6:.2f} MB for {n} parcels, over the budget of "
            f"{budget / 1e6:.2f} MB (rules maps.size_budget_base_kb + maps.size_budget_bytes_per_parcel × "
            "parcels): it may open slowly. Fix: raise maps.simplify_px, leave out layers (sites, "
            "scenario), or draw one town at a time",
            MapSizeWarning,
            stacklevel=2,
        )
    return text


def save_map(m: folium.Map, path: str | Path, *, offline: bool | None = None) -> Path:
    """Write the map as a self-contained UTF-8 HTML file (see :func:`map_html`).

    Returns
    -------
    Path
        The file written (parent folders created).
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(map_html(m, offline=offline), encoding="utf-8")
    return p
