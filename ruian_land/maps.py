"""The overview map: one self-contained Folium page with every layer a planner needs.

Layers (Chinese names in the layer control, drawn bottom to top): 乡镇街道, 工业用地控制线,
宗地: 亩均效益评价等级, 亩均税收 (万元/亩), 低效用地与闲置土地, 腾退方案 <year> (one per year),
小微企业园候选地块. Tooltips and popups (Chinese) show firm name, 统一社会信用代码, class,
亩均税收 with its unit and the screening reasons; every value is HTML-escaped in Python and
missing values show as ``—``. A Chinese legend, a search box (firm name, code or parcel
id), full-screen, measuring and a scale bar complete the page. The canvas renderer is used
(``prefer_canvas``) so a few thousand parcels stay fluid.

Geometries leave EPSG:4549 only here, on copies (:mod:`ruian_land.maps_data`). With
``offline=True`` (the default) :func:`save_map` inlines pinned copies of Leaflet and its
plugins (:mod:`ruian_land.maps_offline`): the HTML references no CDN and works without
network. Always save with :func:`save_map` (``Map.save`` would keep the CDN links).

The page exposes ``window.RUIAN`` (``map``, ``layers`` by name) for tests and scripting.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element
from folium.plugins import Fullscreen, MeasureControl
from folium.utilities import JsCode

from ruian_land.columns import label_zh
from ruian_land.control_lines import working_geometries
from ruian_land.crs import WORKING_CRS, to_map_crs
from ruian_land.maps_data import (
    MISSING,
    feature_collection,
    fmt_value,
    format_column,
    parcel_attributes,
)
from ruian_land.maps_offline import inline_assets, unescape_non_ascii
from ruian_land.maps_page import HELPERS_JS, Script, SearchControl, js

__all__ = [
    "BASEMAPS",
    "LAYER_CLASS",
    "LAYER_LINES",
    "LAYER_SCREEN",
    "LAYER_SITES",
    "LAYER_TAX",
    "LAYER_TOWNS",
    "layer_names",
    "map_html",
    "overview_map",
    "save_map",
    "scenario_layer_name",
]

LAYER_CLASS = "宗地: 亩均效益评价等级"
LAYER_TAX = "亩均税收 (万元/亩)"
LAYER_SCREEN = "低效用地与闲置土地"
LAYER_LINES = "工业用地控制线"
LAYER_SITES = "小微企业园候选地块"
LAYER_TOWNS = "乡镇街道"
BASEMAPS = ("none", "osm", "tianditu", "xyz")

_CLASS_STYLE = {
    "A": ("#1a9850", "A类（优先支持）"),
    "B": ("#91cf60", "B类（鼓励提升）"),
    "C": ("#fdae61", "C类（整治提升）"),
    "D": ("#d73027", "D类（倒逼淘汰）"),
    "exempt": ("#8073ac", "不参评（豁免）"),
    "unrated": ("#d9d9d9", "未评价"),
    "vacant": ("#ffffff", "空置（无使用企业）"),
}
_TAX_COLOURS = ("#a50026", "#f46d43", "#fee08b", "#a6d96a", "#1a9850")
_TAX_BREAKS = (
    ("screening.tax_per_mu_floor", "低效用地认定线"),
    ("screening.park_clearance_tax_per_mu", "园区出清线"),
    ("standard_land.tax_per_mu", "标准地亩均税收"),
    ("targets.tax_per_mu", "2023年规上目标"),
)
_NO_DATA = ("#bdbdbd", "无数据")
_SCREEN_STYLE = {
    "low": ("#ff7f00", "低效用地"),
    "idle": ("#6a3d9a", "闲置土地"),
    "both": ("#b15928", "低效且闲置"),
}
_REMEDY_STYLE = {
    "exit": ("#d73027", "关停退出"),
    "relocate": ("#fc8d59", "搬迁入园"),
    "upgrade": ("#4575b4", "整治提升"),
    "freed": ("#7b3294", "腾出宗地"),
}
_REMEDY_ORDER = ("exit", "relocate", "upgrade", "freed")


def scenario_layer_name(year: int) -> str:
    """Layer name of the scenario selection of one year (``腾退方案 2021``)."""
    return f"腾退方案 {int(year)}"


def layer_names(years: list[int] | tuple[int, ...] = (2021, 2022, 2023)) -> list[str]:
    """All layer names of the overview map, bottom to top, for the given scenario years."""
    return [
        LAYER_TOWNS,
        LAYER_LINES,
        LAYER_CLASS,
        LAYER_TAX,
        LAYER_SCREEN,
        *[scenario_layer_name(y) for y in years],
        LAYER_SITES,
    ]


def _tax_classes(rules: Any) -> tuple[list[float], list[tuple[str, str]]]:
    pairs = sorted((float(rules.value(k)), why) for k, why in _TAX_BREAKS)
    breaks = [b for b, _ in pairs]
    labels = [f"< {breaks[0]:g}（低于{pairs[0][1]}）"]
    for i in range(1, len(pairs)):
        labels.append(f"{breaks[i - 1]:g} – {breaks[i]:g}（低于{pairs[i][1]}）")
    labels.append(f"≥ {breaks[-1]:g}（达到{pairs[-1][1]}）")
    return breaks, list(zip(_TAX_COLOURS, labels, strict=True))


def _tax_keys(values: pd.Series, breaks: list[float]) -> list[str]:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    idx = np.searchsorted(np.asarray(breaks), v, side="right")
    return [f"t{i}" if np.isfinite(x) else "_" for i, x in zip(idx, v, strict=True)]


class _Builder:
    """Adds layers to one folium map and keeps the field lists and layer registry.

    Each layer is a FeatureGroup (named in the layer control) holding an empty
    ``folium.GeoJson`` (styles, tooltips, popups); the features are added right after by a
    script with compact JSON, so the page carries each geometry once per layer.
    """

    def __init__(self, m: folium.Map, simplify_m: float) -> None:
        self.m = m
        self.simplify_m = simplify_m
        self.fields: dict[str, list[list[str]]] = {}
        self.layers: dict[str, str] = {}
        self.search_layer: folium.GeoJson | None = None

    def _layer(
        self,
        name: str,
        key: str,
        fields: Sequence[tuple[str, ...]],
        styles: dict[str, dict[str, Any]],
        style_prop: str,
        show: bool,
    ) -> tuple[folium.FeatureGroup, folium.GeoJson]:
        fg = folium.FeatureGroup(name=name, show=show)
        self.fields[key] = [[f[0], html.escape(f[1]), *f[2:]] for f in fields]
        gj = folium.GeoJson(
            {"type": "FeatureCollection", "features": []},
            control=False,
            on_each_feature=JsCode(f"RUIAN.bind({js(key)})"),
            style=JsCode(f"RUIAN.styler({js(styles)}, {js(style_prop)})"),
        )
        gj.add_to(fg)
        fg.add_to(self.m)
        self.layers[name] = fg.get_name()
        return fg, gj

    def add(
        self,
        name: str,
        key: str,
        gdf: gpd.GeoDataFrame,
        props: dict[str, list[str]],
        fields: Sequence[tuple[str, ...]],
        styles: dict[str, dict[str, Any]],
        *,
        show: bool = True,
    ) -> tuple[folium.FeatureGroup, folium.GeoJson]:
        """A layer with its own features (``props`` keyed by short property names)."""
        fg, gj = self._layer(name, key, fields, styles, "k", show)
        data = feature_collection(gdf, props, simplify_m=self.simplify_m, drop=MISSING)
        Script(f"{gj.get_name()}.addData({js(data)});").add_to(fg)
        return fg, gj

    def derive(
        self,
        name: str,
        key: str,
        source: folium.GeoJson,
        style_prop: str,
        fields: Sequence[tuple[str, ...]],
        styles: dict[str, dict[str, Any]],
        *,
        show: bool = True,
    ) -> tuple[folium.FeatureGroup, folium.GeoJson]:
        """A layer sharing the feature objects of ``source`` that carry ``style_prop``."""
        fg, gj = self._layer(name, key, fields, styles, style_prop, show)
        Script(f"RUIAN.derive({source.get_name()}, {gj.get_name()}, {js(style_prop)});").add_to(fg)
        return fg, gj


def _style(fill: str, *, color: str = "#555555", weight: float = 0.6, opacity: float = 0.7) -> dict[str, Any]:
    return {"fillColor": fill, "color": color, "weight": weight, "fillOpacity": opacity, "opacity": 0.9}


def _working(gdf: gpd.GeoDataFrame | None, name: str) -> gpd.GeoDataFrame | None:
    if gdf is None or len(gdf) == 0:
        return None
    geoms = working_geometries(gdf, source=name)
    return gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=geoms, crs=WORKING_CRS)


def overview_map(
    parcels: gpd.GeoDataFrame,
    *,
    firms: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    screening: Any = None,
    selection: pd.DataFrame | None = None,
    freed_parcels: pd.DataFrame | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    towns: gpd.GeoDataFrame | None = None,
    offline: bool = True,
    basemap: str = "none",
    rules: Any = None,
    simplify_m: float = 1.5,
    tianditu_key: str | None = None,
    xyz_url: str | None = None,
    xyz_attribution: str | None = None,
    title: str = "瑞安市工业用地一张图",
) -> folium.Map:
    """Build the overview map of parcels, evaluation, screening, scenario and park sites.

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
        ``idle_months``); a ``Screening`` object is accepted (its ``.parcels``).
    selection : DataFrame, optional
        Scenario selection: ``uscc``, ``remedy`` (exit|relocate|upgrade), ``year``
        (``remedy_zh``, ``name`` used when present); drawn on the firms' linked parcels.
    freed_parcels : DataFrame, optional
        ``parcel_id``, ``year``, ``area_mu`` freed by the scenario.
    control_lines, sites, towns : GeoDataFrame, optional
        工业用地控制线 polygons (``name``, ``line_level``), :func:`ruian_land.parks.candidate_sites`
        output, town areas (``town`` or ``name``).
    offline : bool
        Inline pinned Leaflet assets when saved with :func:`save_map` (no CDN).
    basemap : {'none', 'osm', 'tianditu', 'xyz'}
        Background tiles; ``none`` (default) works offline. ``tianditu`` needs
        ``tianditu_key``; ``xyz`` needs ``xyz_url``. Tiles are fetched from the web even
        when ``offline``. (AMap/Baidu tiles are GCJ-02/BD-09 shifted: not offered.)
    rules : RuleSet, optional
        For the 亩均税收 classes (``screening.tax_per_mu_floor``,
        ``screening.park_clearance_tax_per_mu``, ``standard_land.tax_per_mu``,
        ``targets.tax_per_mu``) and the scenario years (``targets.years``); default preset.
    simplify_m : float
        Simplification tolerance in metres (EPSG:4549, topology preserved).
    title : str
        Heading of the legend.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.

    Raises
    ------
    InputError
        A layer has no CRS or implausible coordinates.
    ValueError
        Unknown ``basemap`` or a missing tile key/URL.
    """
    if rules is None:
        from ruian_land.rules import load_rules

        rules = load_rules()
    if basemap not in BASEMAPS:
        raise ValueError(f"basemap must be one of {BASEMAPS}, not {basemap!r}")
    scr = getattr(screening, "parcels", screening)
    base = _working(parcels, "parcels")
    if base is None:
        base = gpd.GeoDataFrame({"parcel_id": []}, geometry=gpd.GeoSeries([], crs=WORKING_CRS))
    m = folium.Map(
        tiles=None, prefer_canvas=True, control_scale=True, zoom_start=13, location=(27.78, 120.65)
    )
    _add_basemap(m, basemap, tianditu_key, xyz_url, xyz_attribution)
    root: Any = m.get_root()
    root.header.add_child(Element(HELPERS_JS), name="ruian_helpers")
    b = _Builder(m, simplify_m)
    attrs = parcel_attributes(base, firms=firms, links=links, screening=scr)
    years = sorted({int(y) for y in rules.value("targets.years")} | _years(selection) | _years(freed_parcels))

    _add_towns(b, towns)
    _add_control_lines(b, control_lines)
    _add_parcel_layers(b, base, attrs, rules)
    if selection is not None or freed_parcels is not None:
        _add_scenario(b, base, attrs, selection, freed_parcels, links, firms, years)
    _add_sites(b, sites)

    if b.search_layer is not None:
        SearchControl(b.search_layer, "搜索企业名称、信用代码或宗地代码", "未找到", "取消").add_to(m)
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
    legend = _legend_html(title, rules, years)
    reg = ", ".join(f"{js(k)}: {v}" for k, v in b.layers.items())
    Script(
        f"RUIAN.fields = {js(b.fields)};\n"
        f"RUIAN.lookup = {js(_lookups())};\n"
        f"RUIAN.map = {m.get_name()};\nRUIAN.layers = {{{reg}}};\n"
        "(function () { var lg = L.control({position: 'bottomright'});\n"
        "  lg.onAdd = function () { var d = L.DomUtil.create('div', 'ruian-legend');\n"
        f"    d.innerHTML = {js(legend)};\n"
        "    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d); return d; };\n"
        f"  lg.addTo({m.get_name()}); }})();"
    ).add_to(m)
    if len(base):
        geoms = working_geometries(base, source="parcels")
        ok = ~pd.isna(geoms)
        if ok.any():
            w, s, e, n = to_map_crs(gpd.GeoDataFrame(geometry=geoms[ok], crs=WORKING_CRS)).total_bounds
            m.fit_bounds([[s, w], [n, e]])
    m.ruian_offline = bool(offline)  # type: ignore[attr-defined]
    return m


def _years(frame: pd.DataFrame | None) -> set[int]:
    if frame is None or "year" not in frame.columns:
        return set()
    y = pd.to_numeric(frame["year"], errors="coerce").dropna()
    return {int(v) for v in y}


def _add_basemap(
    m: folium.Map, basemap: str, tk: str | None, xyz_url: str | None, xyz_attr: str | None
) -> None:
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False).add_to(m)
    elif basemap == "tianditu":
        if not tk:
            raise ValueError(
                "basemap 'tianditu' needs tianditu_key (maps.tianditu_key in the project config)"
            )
        for layer in ("vec", "cva"):
            folium.TileLayer(
                tiles=f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                f"&TILECOL={{x}}&tk={tk}",
                attr="天地图 © 国家地理信息公共服务平台",
                subdomains="01234567",
                name=f"天地图 {layer}",
                control=False,
            ).add_to(m)
    elif basemap == "xyz":
        if not xyz_url:
            raise ValueError("basemap 'xyz' needs xyz_url (maps.xyz_url in the project config)")
        folium.TileLayer(xyz_url, attr=xyz_attr or xyz_url, name="底图", control=False).add_to(m)


def _add_towns(b: _Builder, towns: gpd.GeoDataFrame | None) -> None:
    t = _working(towns, "towns")
    if t is None:
        return
    col = next((c for c in ("town", "name", "名称") if c in t.columns), None)
    names = format_column(t[col]) if col else format_column([None] * len(t))
    style = {"_": {"color": "#444444", "weight": 1.5, "dashArray": "6 4", "fill": False}}
    b.add(LAYER_TOWNS, "towns", t, {"n": names}, [("n", label_zh("town"))], style)


def _add_control_lines(b: _Builder, lines: gpd.GeoDataFrame | None) -> None:
    cl = _working(lines, "control_lines")
    if cl is None:
        return
    props = {
        "n": format_column(cl["name"]) if "name" in cl.columns else format_column([None] * len(cl)),
        "l": format_column(cl["line_level"])
        if "line_level" in cl.columns
        else format_column([None] * len(cl)),
    }
    style = {
        "_": {
            "color": "#0050b3",
            "weight": 2,
            "dashArray": "8 4",
            "fillColor": "#69c0ff",
            "fillOpacity": 0.08,
        }
    }
    b.add(LAYER_LINES, "lines", cl, props, [("n", "控制线名称"), ("l", label_zh("line_level"))], style)


def _blank(n: int) -> list[str]:
    return [MISSING] * n


def _col(frame: pd.DataFrame, name: str, **kw: Any) -> list[str]:
    return format_column(frame[name], **kw) if name in frame.columns else _blank(len(frame))


def _add_parcel_layers(b: _Builder, base: gpd.GeoDataFrame, attrs: pd.DataFrame, rules: Any) -> None:
    """The parcel layer (class colours, search) and the layers that share its features:
    亩均税收 classes (property ``tk``) and low-efficiency / idle parcels (property ``sk``)."""
    breaks, tax_classes = _tax_classes(rules)
    low, idle = _flag(attrs, "is_low_efficiency"), _flag(attrs, "is_idle")
    skey = np.where(low & idle, "both", np.where(low, "low", np.where(idle, "idle", "")))
    flagged = skey != ""
    props = {
        "k": list(attrs["class_key"]),
        "tk": _tax_keys(attrs["tax_per_mu"], breaks),
        "id": format_column(attrs["parcel_id"]),
        "a": format_column(attrs["area_mu"]),
        "tw": _col(attrs, "town"),
        "pk": _col(attrs, "park_name"),
        "n": format_column(attrs["main_name"]),
        "u": format_column(attrs["main_uscc"]),
        "t": format_column(attrs["tax_per_mu"]),
        "r": _col(attrs, "reasons_zh"),
        "o": format_column(attrs["other_occupants"]),
        "sk": [k if k else MISSING for k in skey],
    }
    for key, col, kw in (
        ("f", "far", {}),
        ("bc", "building_coverage", {"percent": True}),
        ("im", "idle_months", {"digits": 0}),
        ("rc", "reason_codes", {}),
    ):
        vals = _col(attrs, col, **kw)
        props[key] = [v if f else MISSING for v, f in zip(vals, flagged, strict=True)]
    fields = [
        ("id", label_zh("parcel_id")),
        ("a", label_zh("area_mu")),
        ("tw", label_zh("town")),
        ("pk", label_zh("park_name")),
        ("n", label_zh("name")),
        ("u", label_zh("uscc")),
        ("k", label_zh("eval_class"), "class"),
        ("t", label_zh("tax_per_mu")),
        ("r", label_zh("reasons_zh")),
        ("o", "其他使用企业"),
    ]
    styles = {
        k: _style(col, color="#333333" if k == "vacant" else "#666666")
        for k, (col, _) in _CLASS_STYLE.items()
    }
    styles["_"] = styles["unrated"]
    _, parcels_gj = b.add(LAYER_CLASS, "parcels", base, props, fields, styles)
    b.search_layer = parcels_gj

    tstyles = {f"t{i}": _style(col, opacity=0.85) for i, (col, _) in enumerate(tax_classes)}
    tstyles["_"] = _style(_NO_DATA[0], opacity=0.7)
    tfields = [
        ("id", label_zh("parcel_id")),
        ("a", label_zh("area_mu")),
        ("n", label_zh("name")),
        ("u", label_zh("uscc")),
        ("t", label_zh("tax_per_mu")),
    ]
    b.derive(LAYER_TAX, "tax", parcels_gj, "tk", tfields, tstyles, show=False)

    if "is_low_efficiency" in attrs.columns or "is_idle" in attrs.columns:
        sfields = [
            ("id", label_zh("parcel_id")),
            ("sk", "类型", "screen"),
            ("n", label_zh("name")),
            ("u", label_zh("uscc")),
            ("a", label_zh("area_mu")),
            ("t", label_zh("tax_per_mu")),
            ("f", label_zh("far")),
            ("bc", label_zh("building_coverage")),
            ("im", label_zh("idle_months")),
            ("r", label_zh("reasons_zh")),
            ("rc", label_zh("reason_codes")),
        ]
        sstyles = {
            k: _style(col, color=col, weight=2.5, opacity=0.3) for k, (col, _) in _SCREEN_STYLE.items()
        }
        sstyles["_"] = sstyles["low"]
        b.derive(LAYER_SCREEN, "screen", parcels_gj, "sk", sfields, sstyles)


def _lookups() -> dict[str, dict[str, str]]:
    """Display text of coded properties (HTML-escaped), looked up by the page's tooltips."""
    return {
        "class": {k: html.escape(lab) for k, (_, lab) in _CLASS_STYLE.items()},
        "screen": {k: html.escape(lab) for k, (_, lab) in _SCREEN_STYLE.items()},
    }


def _flag(attrs: pd.DataFrame, col: str) -> np.ndarray:
    if col not in attrs.columns:
        return np.zeros(len(attrs), dtype=bool)
    return attrs[col].map(lambda v: bool(v) if isinstance(v, bool | np.bool_) else False).to_numpy(dtype=bool)


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
        sel["remedy_zh"] = sel["remedy"].map(lambda r: _REMEDY_STYLE.get(str(r), ("", str(r)))[1])
    lk = links[["uscc", "parcel_id"]].astype(str).drop_duplicates()
    sel = sel.merge(lk, on="uscc", how="inner")
    sel["year"] = pd.to_numeric(sel["year"], errors="coerce")
    return sel[cols]


def _join(values: pd.Series) -> str:
    return "；".join(dict.fromkeys(str(v) for v in values if not pd.isna(v)))


def _add_scenario(
    b: _Builder,
    base: gpd.GeoDataFrame,
    attrs: pd.DataFrame,
    selection: pd.DataFrame | None,
    freed: pd.DataFrame | None,
    links: pd.DataFrame | None,
    firms: pd.DataFrame | None,
    years: list[int],
) -> None:
    rows = _scenario_rows(selection, links, firms)
    fr = pd.DataFrame(columns=["parcel_id", "year", "area_mu"]) if freed is None else freed.copy()
    fr["parcel_id"] = fr["parcel_id"].astype(str)
    fr["year"] = pd.to_numeric(fr["year"], errors="coerce")
    rank = {r: i for i, r in enumerate(_REMEDY_ORDER)}
    fields = [
        ("id", label_zh("parcel_id")),
        ("n", label_zh("name")),
        ("u", label_zh("uscc")),
        ("re", label_zh("remedy")),
        ("y", label_zh("year")),
        ("a", label_zh("area_mu")),
        ("fa", label_zh("freed_area_mu")),
    ]
    styles = {k: _style(col, color=col, weight=1.5, opacity=0.6) for k, (col, _) in _REMEDY_STYLE.items()}
    styles["_"] = styles["freed"]
    for year in years:
        s = rows.loc[rows["year"] == year]
        f = fr.loc[fr["year"] == year]
        mask = attrs["parcel_id"].isin(set(s["parcel_id"]) | set(f["parcel_id"])).to_numpy()
        pid = attrs.loc[mask, "parcel_id"]
        g = s.groupby("parcel_id")
        strongest = g["remedy"].agg(lambda r: min((str(x) for x in r), key=lambda x: rank.get(x, 9)))
        key = pid.map(strongest).fillna("freed")
        key = key.where(key.isin(_REMEDY_ORDER), "freed")
        freed_mu = pd.to_numeric(f["area_mu"], errors="coerce").groupby(f["parcel_id"]).sum(min_count=1)
        props = {
            "k": list(key),
            "id": format_column(pid),
            "n": format_column(pid.map(g["name"].agg(_join))),
            "u": format_column(pid.map(g["uscc"].agg(_join))),
            "re": format_column(pid.map(g["remedy_zh"].agg(_join)).fillna(_REMEDY_STYLE["freed"][1])),
            "y": [str(year)] * len(pid),
            "a": format_column(attrs.loc[mask, "area_mu"]),
            "fa": format_column(pid.map(freed_mu)),
        }
        b.add(scenario_layer_name(year), f"y{year}", base.loc[mask], props, fields, styles, show=False)


def _add_sites(b: _Builder, sites: gpd.GeoDataFrame | None) -> None:
    if sites is None:
        return
    st = _working(sites, "sites") if len(sites) else None
    if st is None:
        st = gpd.GeoDataFrame({"site_id": []}, geometry=gpd.GeoSeries([], crs=WORKING_CRS), crs=WORKING_CRS)

    def col(name: str, **kw: Any) -> list[str]:
        return format_column(st[name], **kw) if name in st.columns else format_column([None] * len(st))

    props = {
        "rk": col("rank"),
        "id": col("site_id"),
        "a": col("area_mu"),
        "ai": col("area_inside_mu"),
        "is": col("inside_share", percent=True),
        "vs": col("vacant_share", percent=True),
        "cp": col("compactness"),
        "fl": col("capacity_floor_m2", digits=0),
        "fm": col("capacity_firms"),
        "jb": col("jobs"),
        "tx": col("expected_tax_wan", digits=0),
        "sc": col("score", digits=1),
        "p": col("parcel_ids"),
        "ex": col("explanation"),
    }
    fields = [
        ("rk", label_zh("rank")),
        ("id", label_zh("site_id")),
        ("a", label_zh("area_mu")),
        ("ai", label_zh("area_inside_mu")),
        ("is", label_zh("inside_share")),
        ("vs", label_zh("vacant_share")),
        ("cp", label_zh("compactness")),
        ("fl", label_zh("capacity_floor_m2")),
        ("fm", label_zh("capacity_firms")),
        ("jb", label_zh("jobs")),
        ("tx", label_zh("expected_tax_wan")),
        ("sc", label_zh("score")),
        ("p", label_zh("parcel_ids")),
        ("ex", "说明"),
    ]
    style = {"_": {"color": "#c51b7d", "weight": 3, "fillColor": "#f1b6da", "fillOpacity": 0.35}}
    fg, _ = b.add(LAYER_SITES, "sites", st, props, fields, style)
    if len(st) and "rank" in st.columns:
        pts = to_map_crs(gpd.GeoDataFrame(geometry=st.geometry.representative_point(), crs=WORKING_CRS))
        for rank, pt in zip(st["rank"], pts.geometry, strict=True):
            if pt is None or pt.is_empty or pd.isna(rank):
                continue
            folium.Marker(
                (round(pt.y, 6), round(pt.x, 6)),
                icon=folium.DivIcon(
                    html=f'<div class="ruian-rank">{fmt_value(rank)}</div>',
                    icon_size=(20, 20),
                    icon_anchor=(10, 10),
                ),
            ).add_to(fg)


def _swatch(colour: str, label: str, *, border: str = "#666") -> str:
    return f'<div><i style="background:{colour};border-color:{border}"></i>{html.escape(label)}</div>'


def _legend_html(title: str, rules: Any, years: list[int]) -> str:
    _, tax = _tax_classes(rules)
    parts = [f"<details open><summary><b>{html.escape(title)}</b>（图例）</summary>"]
    parts.append(f"<h4>{html.escape(LAYER_CLASS)}</h4>")
    parts += [
        _swatch(c, lab, border="#333" if k == "vacant" else "#666") for k, (c, lab) in _CLASS_STYLE.items()
    ]
    parts.append(f"<h4>{html.escape(label_zh('tax_per_mu'))}</h4>")
    parts += [_swatch(c, lab) for c, lab in reversed(tax)]
    parts.append(_swatch(_NO_DATA[0], _NO_DATA[1]))
    parts.append(f"<h4>{html.escape(LAYER_SCREEN)}</h4>")
    parts += [_swatch(c, lab, border=c) for c, lab in _SCREEN_STYLE.values()]
    parts.append(f"<h4>腾退方案（{'、'.join(str(y) for y in years)}年）</h4>")
    parts += [_swatch(c, lab, border=c) for c, lab in _REMEDY_STYLE.values()]
    parts.append("<h4>其他</h4>")
    parts.append(_swatch("rgba(105,192,255,0.3)", LAYER_LINES + "（虚线边界）", border="#0050b3"))
    parts.append(_swatch("#f1b6da", LAYER_SITES + "（数字为排名）", border="#c51b7d"))
    parts.append(_swatch("transparent", LAYER_TOWNS + "（虚线）", border="#444"))
    parts.append("<div style='color:#666'>面积单位：亩（1亩 = 666.67平方米）；税收单位：万元</div></details>")
    return "".join(parts)


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
    """
    if offline is None:
        offline = bool(getattr(m, "ruian_offline", False))
    text = unescape_non_ascii(m.get_root().render())
    return inline_assets(text) if offline else text


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
