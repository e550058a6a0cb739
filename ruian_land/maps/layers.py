"""The layers of the overview map: data payloads, tooltip fields, styles and legends.

Each ``add_*`` function reads working frames (EPSG:4549), formats the whitelisted
properties with :func:`ruian_land.maps.data.format_column` (HTML-escaped strings) and
registers on a :class:`LayerBook` one payload (own geometries, or rows of the parcel store)
and one or more layers with their tooltip fields, styles and a Chinese legend with units.
Parcel geometries are embedded once: the 亩均税收, screening, scenario and "两高" layers
reuse them.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ruian_land.core import join_unique, label_zh
from ruian_land.maps.book import (
    LayerBook,
    _col,
    _flag,
    _scenario_rows,
    _working,
)
from ruian_land.maps.data import MISSING, format_column
from ruian_land.maps.styles import (
    _FREED_TEXT,
    CLASS_STYLE,
    LAYER_CLASS,
    LAYER_LINES,
    LAYER_SCREEN,
    LAYER_TAX,
    LAYER_TOWNS,
    NO_DATA,
    REMEDY_STYLE,
    SCREEN_STYLE,
    _legend,
    _style,
    _swatch,
    _tax_keys,
    tax_classes,
)

__all__ = ["add_control_lines", "add_parcel_layers", "add_towns"]


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


def _years(keys: pd.Series, years: pd.Series) -> pd.Series:
    """Per parcel, its plan years (whole numbers, ascending, each once) joined by ``；``."""
    y = np.trunc(pd.to_numeric(years, errors="coerce").to_numpy(dtype=float))  # as astype(int)
    frame = pd.DataFrame({"k": keys.to_numpy(), "y": pd.array(y, dtype="Int64")})
    frame = frame.sort_values(["k", "y"], kind="stable", na_position="last")
    return join_unique(frame["k"], frame["y"])


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
    rem = pid.map(join_unique(rows["parcel_id"], rows["remedy_zh"]))
    year = pid.map(_years(rows["parcel_id"], rows["year"]))
    if freed is not None and len(freed):
        fr = freed.assign(parcel_id=freed["parcel_id"].astype(str))
        src = fr["source"] if "source" in fr.columns else pd.Series("", index=fr.index)
        fr = fr.assign(_t=src.map(_FREED_TEXT).fillna(REMEDY_STYLE["freed"][1]))
        rem = rem.where(rem.notna() & (rem != ""), pid.map(join_unique(fr["parcel_id"], fr["_t"])))
        fyear = pid.map(_years(fr["parcel_id"], fr["year"]))
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
