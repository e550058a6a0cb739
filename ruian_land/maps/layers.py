"""The layers of the overview map: data payloads, tooltip fields, styles and legends.

Each ``add_*`` function reads working frames (EPSG:4549), formats the whitelisted
properties with :func:`ruian_land.maps.data.format_column` (HTML-escaped strings) and
registers on a :class:`LayerBook` one payload (own geometries, or rows of the parcel store)
and one or more layers with their tooltip fields, styles and a Chinese legend with units.
Parcel geometries are embedded once: the 亩均税收, screening, scenario and "两高" layers
reuse them.
"""

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
from ruian_land.core import REMEDIES, WORKING_CRS, label_zh, split_codes, to_map_crs
from ruian_land.maps.data import MISSING, format_column
from ruian_land.maps.encode import encode_columns, encode_geometries, encode_indices, simplify_coverage
from ruian_land.scenario import REMEDY_TEXT

__all__ = [
    "CLASS_STYLE",
    "LAYER_CLASS",
    "LAYER_LINES",
    "LAYER_SCREEN",
    "LAYER_SITES",
    "LAYER_TAX",
    "LAYER_TOWNS",
    "LAYER_TWO_HIGH",
    "NO_DATA",
    "REMEDY_STYLE",
    "SCREEN_STYLE",
    "TWO_HIGH_STYLE",
    "LayerBook",
    "add_control_lines",
    "add_parcel_layers",
    "add_scenario",
    "add_sites",
    "add_towns",
    "add_two_high",
    "scenario_layer_name",
    "tax_classes",
]

LAYER_CLASS = "宗地: 亩均效益评价等级"
LAYER_TAX = "亩均税收 (万元/亩)"
LAYER_SCREEN = "低效用地与闲置土地"
LAYER_TWO_HIGH = "两高企业"
LAYER_LINES = "工业用地控制线"
LAYER_SITES = "小微企业园候选地块"
LAYER_TOWNS = "乡镇街道"

CLASS_STYLE: dict[str, tuple[str, str]] = {
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
NO_DATA = ("#bdbdbd", "无数据")
SCREEN_STYLE = {
    "low": ("#ff7f00", "低效用地"),
    "idle": ("#6a3d9a", "闲置土地"),
    "both": ("#b15928", "低效且闲置"),
}
_REMEDY_COLOURS = {
    "exit": "#d73027",
    "vacate": "#8c510a",
    "relocate": "#fc8d59",
    "merge": "#1a9850",
    "upgrade": "#4575b4",
    "freed": "#7b3294",
}
REMEDY_STYLE = {
    **{k: (c, REMEDY_TEXT[k][0]) for k, c in _REMEDY_COLOURS.items() if k in REMEDY_TEXT},
    "freed": (_REMEDY_COLOURS["freed"], "腾出宗地"),
}
_REMEDY_ORDER = ("exit", "vacate", "relocate", "merge", "upgrade", "freed")
#: Plan text of freed parcels without a selected firm, by ``freed_parcels.source``.
_FREED_TEXT = {"idle_vacant": REMEDIES["recover"][0], "partial": "分割退地"}
TWO_HIGH_STYLE = {"new": "#67000d", "old": "#a50f15", "other": "#cb181d"}
#: Property keys holding long texts (reasons, explanations): stored as skeletons + numbers.
_TEXT_KEYS = ("r", "ex")
_TWO_HIGH_CODES = ("TWO_HIGH_NEW", "TWO_HIGH_OLD", "TWO_HIGH_INDUSTRY", "ADMISSION_EXCEEDED")


def scenario_layer_name(year: int) -> str:
    """Layer name of the scenario selection of one year (``腾退方案 2021``)."""
    return f"腾退方案 {int(year)}"


def _style(fill: str, *, color: str = "#555555", weight: float = 0.6, opacity: float = 0.7) -> dict[str, Any]:
    return {"fillColor": fill, "color": color, "weight": weight, "fillOpacity": opacity, "opacity": 0.9}


def _swatch(colour: str, label: str, *, border: str = "#666", dashed: bool = False) -> str:
    dash = ";border-style:dashed" if dashed else ""
    return f'<div><i style="background:{colour};border-color:{border}{dash}"></i>{html.escape(label)}</div>'


def _legend(title: str, rows: Sequence[str], unit: str) -> str:
    head = f"<h4>{html.escape(title)}</h4>"
    return head + "".join(rows) + f'<div class="ruian-unit">{html.escape(unit)}</div>'


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


def tax_classes(rules: Any) -> tuple[list[float], list[tuple[str, str]]]:
    """Breaks (万元/亩, ascending) and ``(colour, label)`` of the 亩均税收 classes, from the rules
    ``screening.tax_per_mu_floor``, ``screening.park_clearance_tax_per_mu``,
    ``standard_land.tax_per_mu`` and ``targets.tax_per_mu``."""
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


def _flag(attrs: pd.DataFrame, col: str) -> np.ndarray:
    if col not in attrs.columns:
        return np.zeros(len(attrs), dtype=bool)
    return attrs[col].map(lambda v: bool(v) if isinstance(v, bool | np.bool_) else False).to_numpy(dtype=bool)


def add_towns(book: LayerBook, towns: gpd.GeoDataFrame | None) -> None:
    """乡镇街道 boundaries (``town`` or ``name`` column)."""
    t = _working(towns, "towns")
    if t is None:
        return
    col = next((c for c in ("town", "name", "名称") if c in t.columns), None)
    names = format_column(t[col]) if col else [MISSING] * len(t)
    book.own("towns", t, {"n": names})
    style = {"_": {"color": "#444444", "weight": 1.5, "dashArray": "6 4", "fill": False}}
    legend = _legend(
        LAYER_TOWNS, [_swatch("transparent", "乡镇（街道）界线", border="#444", dashed=True)], ""
    )
    book.layer(LAYER_TOWNS, "towns", "towns", [("n", label_zh("town"))], style, legend)


def add_control_lines(book: LayerBook, lines: gpd.GeoDataFrame | None) -> None:
    """工业用地控制线 polygons (``name``, ``line_level``)."""
    cl = _working(lines, "control_lines")
    if cl is None:
        return
    book.own("lines", cl, {"n": _col(cl, "name"), "l": _col(cl, "line_level")})
    style = {
        "_": {
            "color": "#0050b3",
            "weight": 2,
            "dashArray": "8 4",
            "fillColor": "#69c0ff",
            "fillOpacity": 0.08,
        }
    }
    legend = _legend(
        LAYER_LINES,
        [_swatch("rgba(105,192,255,0.3)", "控制线范围（虚线边界）", border="#0050b3", dashed=True)],
        "控制线内腾出的工业用地须保持工业用途",
    )
    fields = [("n", "控制线名称"), ("l", label_zh("line_level"))]
    book.layer(LAYER_LINES, "lines", "lines", fields, style, legend)


def _plan_of_parcels(
    attrs: pd.DataFrame,
    selection: pd.DataFrame | None,
    freed: pd.DataFrame | None,
    links: pd.DataFrame | None,
    firms: pd.DataFrame | None,
) -> tuple[pd.Series, pd.Series]:
    """Scenario remedy (Chinese, ``；``-joined) and plan year per parcel of ``attrs`` (NaN = none)."""
    rows = _scenario_rows(selection, links, firms)
    pid = attrs["parcel_id"].astype(str)
    g = rows.groupby("parcel_id")
    rem = pid.map(g["remedy_zh"].agg(_join))
    year = pid.map(g["year"].agg(lambda y: _join(y.dropna().astype(int).sort_values())))
    if freed is not None and len(freed):
        fr = freed.assign(parcel_id=freed["parcel_id"].astype(str))
        src = fr["source"] if "source" in fr.columns else pd.Series("", index=fr.index)
        fr = fr.assign(_t=src.map(_FREED_TEXT).fillna(REMEDY_STYLE["freed"][1]))
        fg = fr.groupby("parcel_id")
        rem = rem.where(rem.notna() & (rem != ""), pid.map(fg["_t"].agg(_join)))
        fy = pd.to_numeric(fr["year"], errors="coerce").groupby(fr["parcel_id"])
        fyear = pid.map(fy.agg(lambda y: _join(y.dropna().astype(int).sort_values())))
        year = year.where(year.notna() & (year != ""), fyear)
    rem = rem.where(rem != "")
    year = year.where(year != "")
    return rem, year


def add_parcel_layers(
    book: LayerBook,
    base: gpd.GeoDataFrame,
    attrs: pd.DataFrame,
    rules: Any,
    selection: pd.DataFrame | None = None,
    freed: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
) -> None:
    """The parcel store and the layers drawing it: class colours (searchable), 亩均税收 classes
    (property ``tk``, all parcels) and low-efficiency / idle parcels (property ``sk``).

    With a scenario (``selection``: ``uscc``, ``remedy``, ``year``; ``freed``: ``parcel_id``,
    ``year``, ``source``; ``links``: ``uscc``, ``parcel_id``) the parcel popup also shows the
    planned remedy (``sr``) and year (``sy``), so a parcel found by search tells what the plan
    does with it."""
    breaks, tax = tax_classes(rules)
    low, idle = _flag(attrs, "is_low_efficiency"), _flag(attrs, "is_idle")
    skey = np.where(low & idle, "both", np.where(low, "low", np.where(idle, "idle", "")))
    flagged = skey != ""
    cols = {
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
    plan_rem, plan_year = _plan_of_parcels(attrs, selection, freed, links, firms)
    cols["sr"] = format_column(plan_rem)
    cols["sy"] = format_column(plan_year)
    for key, col, kw in (
        ("f", "far", {}),
        ("bc", "building_coverage", {"percent": True}),
        ("im", "idle_months", {"digits": 0}),
        ("rc", "reason_codes", {}),
    ):
        vals = _col(attrs, col, **kw)
        cols[key] = [v if f else MISSING for v, f in zip(vals, flagged, strict=True)]
    book.stats["parcels"] = book.own(
        "parcels", base, cols, groups=[("n", "u", "k")], search=("n", "u", "o", "id")
    )
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
        ("sr", "腾退方案处置方式"),
        ("sy", "腾退方案实施年度"),
    ]
    styles = {
        k: _style(c, color="#333333" if k == "vacant" else "#666666") for k, (c, _) in CLASS_STYLE.items()
    }
    styles["_"] = styles["unrated"]
    legend = _legend(
        LAYER_CLASS + "（主要使用企业）",
        [_swatch(c, lab, border="#333" if k == "vacant" else "#666") for k, (c, lab) in CLASS_STYLE.items()],
        "面积单位：亩（1亩 = 666.67平方米）",
    )
    book.layer(LAYER_CLASS, "parcels", "parcels", fields, styles, legend)

    tstyles = {f"t{i}": _style(c, opacity=0.85) for i, (c, _) in enumerate(tax)}
    tstyles["_"] = _style(NO_DATA[0], opacity=0.7)
    tfields = [
        ("id", label_zh("parcel_id")),
        ("a", label_zh("area_mu")),
        ("n", label_zh("name")),
        ("u", label_zh("uscc")),
        ("t", label_zh("tax_per_mu")),
    ]
    trows = [_swatch(c, lab) for c, lab in reversed(tax)] + [
        _swatch(NO_DATA[0], NO_DATA[1] + "（无使用企业或无税收数据）")
    ]
    tlegend = _legend(label_zh("tax_per_mu"), trows, "单位：万元/亩（宗地上全部使用企业税收 ÷ 宗地面积）")
    book.layer(LAYER_TAX, "parcels", "tax", tfields, tstyles, tlegend, prop="tk", show=False)

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
        sstyles = {k: _style(c, color=c, weight=2.5, opacity=0.3) for k, (c, _) in SCREEN_STYLE.items()}
        sstyles["_"] = sstyles["low"]
        slegend = _legend(
            LAYER_SCREEN,
            [_swatch(c, lab, border=c) for c, lab in SCREEN_STYLE.values()],
            "认定原因见提示框；亩均税收：万元/亩；闲置时长：月",
        )
        book.layer(LAYER_SCREEN, "parcels", "screen", sfields, sstyles, slegend, prop="sk", filter_prop="sk")


def _parcel_lists(frame: pd.DataFrame, links: pd.DataFrame | None) -> pd.DataFrame:
    """``uscc`` × ``parcel_id`` pairs of firms: ``parcel_ids`` (``;``-joined) else the links."""
    if "parcel_ids" in frame.columns:
        pairs = frame[["uscc", "parcel_ids"]].assign(parcel_id=frame["parcel_ids"].map(split_codes))
        pairs = pairs.explode("parcel_id").dropna(subset=["parcel_id"])
        return pairs[["uscc", "parcel_id"]].astype(str)
    if links is None or not len(links):
        return pd.DataFrame({"uscc": [], "parcel_id": []}, dtype=object)
    lk = links[["uscc", "parcel_id"]].astype(str)
    return lk.loc[lk["uscc"].isin(set(frame["uscc"].astype(str)))].drop_duplicates()


def _two_high_text(codes: Any, texts: Any) -> str:
    """The "两高" / energy segments of a firm's ``；``-joined reasons (segment i explains code i);
    all of it when the two lists do not line up."""
    text = texts if isinstance(texts, str) else ""
    cs, ts = split_codes(codes), text.split("；")
    if cs and len(cs) == len(ts):
        return "；".join(t for c, t in zip(cs, ts, strict=True) if c in _TWO_HIGH_CODES)
    return text


def add_two_high(
    book: LayerBook,
    attrs: pd.DataFrame,
    firms: pd.DataFrame | None,
    links: pd.DataFrame | None,
    rules: Any,
) -> None:
    """ "两高" firms (``is_two_high``) drawn on the parcels they use, with energy and reasons.

    ``firms`` is the screening firms frame (``uscc``, ``name``, ``is_two_high``,
    ``energy_tce_calorific`` 吨标准煤, ``project_built_year``, ``reason_codes``, ``reasons_zh``,
    ``parcel_ids``); legend thresholds from ``two_high.built_since_year``,
    ``two_high.energy_tce_new`` and ``two_high.energy_tce_old``.
    """
    if firms is None or "is_two_high" not in firms.columns:
        return
    th = firms.loc[firms["is_two_high"].map(lambda v: isinstance(v, bool | np.bool_) and bool(v))].copy()
    th["uscc"] = th["uscc"].astype(str)
    if "project_built_year" in th.columns:  # a year, never "2,019.00"
        th["project_built_year"] = (
            pd.to_numeric(th["project_built_year"], errors="coerce").round().astype("Int64")
        )
    codes = th["reason_codes"] if "reason_codes" in th.columns else pd.Series("", index=th.index)
    th["kind"] = [
        "new" if "TWO_HIGH_NEW" in split_codes(c) else "old" if "TWO_HIGH_OLD" in split_codes(c) else "other"
        for c in codes
    ]
    texts = th["reasons_zh"] if "reasons_zh" in th.columns else pd.Series("", index=th.index)
    th["why"] = [_two_high_text(c, t) for c, t in zip(codes, texts, strict=True)]
    pairs = _parcel_lists(th, links).merge(th, on="uscc", how="inner").sort_values(["parcel_id", "uscc"])
    order = {"new": 0, "old": 1, "other": 2}
    g = pairs.groupby("parcel_id", sort=True)

    def joined(col: str, **kw: Any) -> list[str]:
        if col not in pairs.columns:
            return [MISSING] * g.ngroups
        return ["；".join(v for v in format_column(s, **kw) if v != MISSING) or MISSING for _, s in g[col]]

    pid = list(g.groups)
    label = pd.Series(attrs.index, index=attrs["parcel_id"].astype(str))
    label = label[~label.index.duplicated()]
    rows = [label.get(p) for p in pid]
    cols = {
        "k": [min(s, key=lambda k: order[k]) for _, s in g["kind"]],
        "id": format_column(pid),
        "n": joined("name"),
        "u": joined("uscc"),
        "e": joined("energy_tce_calorific", digits=0),
        "by": joined("project_built_year"),
        "r": joined("why"),
    }
    book.ref("two_high", "parcels", rows, cols)
    v = rules.value
    since, new, old = (
        int(v("two_high.built_since_year")),
        v("two_high.energy_tce_new"),
        v("two_high.energy_tce_old"),
    )
    styles = {
        k: {"color": c, "weight": 3, "fillColor": c, "fillOpacity": 0.15, "opacity": 1.0}
        for k, c in TWO_HIGH_STYLE.items()
    }
    styles["_"] = styles["other"]
    legend = _legend(
        LAYER_TWO_HIGH,
        [
            _swatch(
                "rgba(103,0,13,0.15)",
                f"{since}年以来建设、年综合能耗≥{new:g}吨标准煤",
                border=TWO_HIGH_STYLE["new"],
            ),
            _swatch(
                "rgba(165,15,21,0.15)",
                f"{since}年以前建设、年综合能耗≥{old:g}吨标准煤",
                border=TWO_HIGH_STYLE["old"],
            ),
        ],
        "能耗单位：吨标准煤/年（当量值）",
    )
    fields = [
        ("id", label_zh("parcel_id")),
        ("n", label_zh("name")),
        ("u", label_zh("uscc")),
        ("e", "年综合能耗当量值(吨标准煤)"),
        ("by", label_zh("project_built_year")),
        ("r", "两高认定依据"),
    ]
    book.layer(LAYER_TWO_HIGH, "two_high", "two_high", fields, styles, legend)


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


def _join(values: pd.Series) -> str:
    return "；".join(dict.fromkeys(str(v) for v in values if not pd.isna(v)))


def add_scenario(
    book: LayerBook,
    attrs: pd.DataFrame,
    selection: pd.DataFrame | None,
    freed: pd.DataFrame | None,
    links: pd.DataFrame | None,
    firms: pd.DataFrame | None,
    years: list[int],
) -> None:
    """One layer per year: parcels of the firms selected that year (strongest remedy colours
    the parcel) and parcels freed that year."""
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
    styles = {k: _style(c, color=c, weight=1.5, opacity=0.6) for k, (c, _) in REMEDY_STYLE.items()}
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
        cols = {
            "k": list(key),
            "id": format_column(pid),
            "n": format_column(pid.map(g["name"].agg(_join))),
            "u": format_column(pid.map(g["uscc"].agg(_join))),
            "re": format_column(pid.map(g["remedy_zh"].agg(_join)).fillna(REMEDY_STYLE["freed"][1])),
            "y": [str(year)] * len(pid),
            "a": format_column(attrs.loc[mask, "area_mu"]),
            "fa": format_column(pid.map(freed_mu)),
        }
        name = scenario_layer_name(year)
        book.ref(f"y{year}", "parcels", list(attrs.index[mask]), cols)
        legend = _legend(
            name,
            [_swatch(c, lab, border=c) for k, (c, lab) in REMEDY_STYLE.items()],
            f"{year}年选中企业所用宗地（颜色为最强处置方式）；腾出面积单位：亩",
        )
        book.layer(name, f"y{year}", f"y{year}", fields, styles, legend, show=False)


def add_sites(book: LayerBook, sites: gpd.GeoDataFrame | None) -> None:
    """小微企业园 candidate sites (:func:`ruian_land.parks.candidate_sites`) with rank labels."""
    if sites is None:
        return
    st = _working(sites, "sites") if len(sites) else None
    if st is None:
        st = gpd.GeoDataFrame({"site_id": []}, geometry=gpd.GeoSeries([], crs=WORKING_CRS), crs=WORKING_CRS)
    cols = {
        "rk": _col(st, "rank"),
        "id": _col(st, "site_id"),
        "a": _col(st, "area_mu"),
        "ai": _col(st, "area_inside_mu"),
        "is": _col(st, "inside_share", percent=True),
        "vs": _col(st, "vacant_share", percent=True),
        "cp": _col(st, "compactness"),
        "fl": _col(st, "capacity_floor_m2", digits=0),
        "fm": _col(st, "capacity_firms"),
        "jb": _col(st, "jobs"),
        "tx": _col(st, "expected_tax_wan", digits=0),
        "sc": _col(st, "score", digits=1),
        "p": _col(st, "parcel_ids"),
        "ex": _col(st, "explanation"),
    }
    book.own("sites", st, cols, points=True)
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
    legend = _legend(
        LAYER_SITES,
        [_swatch("#f1b6da", "候选地块（数字为排名）", border="#c51b7d")],
        "面积单位：亩；预期税收：万元/年；建筑面积：平方米",
    )
    book.layer(LAYER_SITES, "sites", "sites", fields, style, legend, ranks=True)
