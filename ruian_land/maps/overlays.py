"""Layers drawn over the parcels: "两高" firms, the scenario's remedies and the small and micro
enterprise park (小微企业园) candidate sites."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ruian_land.core import WORKING_CRS, is_in, join_unique, label_zh, split_codes
from ruian_land.maps.book import (
    LayerBook,
    _col,
    _parcel_lists,
    _scenario_rows,
    _working,
)
from ruian_land.maps.data import MISSING, format_column
from ruian_land.maps.styles import (
    _REMEDY_ORDER,
    _TWO_HIGH_CODES,
    LAYER_SITES,
    LAYER_TWO_HIGH,
    REMEDY_STYLE,
    REUSE_STYLE,
    TWO_HIGH_STYLE,
    _legend,
    _style,
    _swatch,
    scenario_layer_name,
)
from ruian_land.rules import RuleSet
from ruian_land.scenario import reuse_split

__all__ = [
    "add_scenario",
    "add_sites",
    "add_two_high",
]


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


def add_scenario(
    book: LayerBook,
    attrs: pd.DataFrame,
    selection: pd.DataFrame | None,
    freed: pd.DataFrame | None,
    links: pd.DataFrame | None,
    firms: pd.DataFrame | None,
    years: list[int],
    rules: RuleSet | None = None,
) -> None:
    """One layer per year: parcels of the firms selected that year (strongest remedy colours
    the parcel), parcels freed that year and, with ``rules``, parcels re-let that year — freed
    ``trajectory.reuse_lag_years`` before, split into 标准地 / 小微园 / change of use by
    :func:`ruian_land.scenario.reuse_split` (the trajectory's re-use lever, issue 14)."""
    rows = _scenario_rows(selection, links, firms)
    fr = pd.DataFrame(columns=["parcel_id", "year", "area_mu"]) if freed is None else freed.copy()
    fr["parcel_id"] = fr["parcel_id"].astype(str)
    fr["year"] = pd.to_numeric(fr["year"], errors="coerce")
    relet = pd.DataFrame(columns=["parcel_id", "year", "relet_year", "standard_land_mu", "micro_park_mu"])
    if rules is not None and len(fr):
        split = reuse_split(fr, rules)
        relet = fr[["parcel_id", "year"]].assign(
            relet_year=fr["year"] + int(rules.value("trajectory.reuse_lag_years")),
            standard_land_mu=split["standard_land_mu"],
            micro_park_mu=split["micro_park_mu"],
        )
        relet = relet[(split["industrial_mu"] > 0).to_numpy() & relet["relet_year"].notna().to_numpy()]
    rank = {r: i for i, r in enumerate(_REMEDY_ORDER)}
    fields = [
        ("id", label_zh("parcel_id")),
        ("n", label_zh("name")),
        ("u", label_zh("uscc")),
        ("re", label_zh("remedy")),
        ("y", label_zh("year")),
        ("a", label_zh("area_mu")),
        ("fa", label_zh("freed_area_mu")),
        ("ry", "再利用(腾出年份→再利用年份)"),
        ("rs", "再利用为标准地(亩)"),
        ("rm", "再利用为小微园(亩)"),
    ]
    styles = {k: _style(c, color=c, weight=1.5, opacity=0.6) for k, (c, _) in REMEDY_STYLE.items()}
    styles["_"] = styles["freed"]
    styles["reuse"] = _style(REUSE_STYLE[0], color=REUSE_STYLE[0], weight=1.5, opacity=0.6)
    for year in years:
        s = rows.loc[rows["year"] == year]
        f = fr.loc[fr["year"] == year]
        rl = relet.loc[relet["relet_year"] == year]
        freed_ids = pd.concat([s["parcel_id"], f["parcel_id"]], ignore_index=True)
        mask = is_in(attrs["parcel_id"], pd.concat([freed_ids, rl["parcel_id"]], ignore_index=True))
        pid = attrs.loc[mask, "parcel_id"]
        # each parcel's strongest remedy (lowest rank, the first of equals)
        ranked = s.assign(_rm=s["remedy"].astype(str), _r=s["remedy"].astype(str).map(rank).fillna(9))
        ranked = ranked.sort_values(["parcel_id", "_r"], kind="stable").drop_duplicates("parcel_id")
        strongest = pd.Series(ranked["_rm"].to_numpy(), index=ranked["parcel_id"].to_numpy())
        key = pid.map(strongest).fillna("freed")
        key = key.where(key.isin(_REMEDY_ORDER), "freed")
        key = key.where(~(is_in(pid, rl["parcel_id"]) & ~is_in(pid, freed_ids)), "reuse")
        rg = rl.groupby("parcel_id")
        freed_mu = pd.to_numeric(f["area_mu"], errors="coerce").groupby(f["parcel_id"]).sum(min_count=1)
        cols = {
            "k": list(key),
            "id": format_column(pid),
            "n": format_column(pid.map(join_unique(s["parcel_id"], s["name"]))),
            "u": format_column(pid.map(join_unique(s["parcel_id"], s["uscc"]))),
            "re": format_column(
                pid.map(join_unique(s["parcel_id"], s["remedy_zh"])).fillna(REMEDY_STYLE["freed"][1])
            ),
            "y": [str(year)] * len(pid),
            "a": format_column(attrs.loc[mask, "area_mu"]),
            "fa": format_column(pid.map(freed_mu)),
            "ry": format_column(pid.map(rg["year"].first().astype(int).astype(str) + f"→{year}")),
            "rs": format_column(pid.map(rg["standard_land_mu"].sum())),
            "rm": format_column(pid.map(rg["micro_park_mu"].sum())),
        }
        name = scenario_layer_name(year)
        book.ref(f"y{year}", "parcels", list(attrs.index[mask]), cols)
        legend = _legend(
            name,
            [_swatch(c, lab, border=c) for k, (c, lab) in REMEDY_STYLE.items()]
            + ([_swatch(REUSE_STYLE[0], REUSE_STYLE[1], border=REUSE_STYLE[0])] if rules is not None else []),
            f"{year}年选中企业所用宗地（颜色为最强处置方式）、当年腾出及当年再利用的宗地"
            f"（再利用：腾出后{int(rules.value('trajectory.reuse_lag_years')) if rules is not None else '—'}年，"
            "标准地按达产进度计入目标路径）；腾出面积单位：亩",
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
