"""Overview map: layers, escaping, missing values, offline assets, coordinates and size.

``map_inputs()`` builds a tiny county (also used by the browser tests): eight parcels near
塘下镇, one firm named ``<script>alert(1)</script>…``, one vacant parcel, one parcel with
two firms, one without 亩均税收 data and one without geometry.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from ruian_land import maps, parks
from ruian_land.maps_data import MISSING, feature_collection, fmt_value, parcel_attributes
from ruian_land.maps_offline import (
    ASSETS,
    OfflineAssetError,
    inline_assets,
    remote_asset_urls,
    unescape_non_ascii,
)
from ruian_land.rules import load_rules

X0, Y0 = 570_000.0, 3_083_000.0
EVIL = "<script>alert(1)</script>瑞安恶意名称有限公司"


def map_inputs() -> dict[str, Any]:
    """Small inputs for :func:`ruian_land.maps.overview_map` (EPSG:4549)."""
    geoms: list[Any] = [
        box(X0 + i * 110, Y0 + j * 110, X0 + i * 110 + 100, Y0 + j * 110 + 100)
        for j in range(2)
        for i in range(4)
    ]
    geoms[7] = None  # no geometry
    ids = [f"330381101002GB{k:05d}" for k in range(8)]
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ids,
            "town": "塘下镇",
            "park_name": ["塘下小微园", None, None, None, None, None, None, None],
        },
        geometry=geoms,
        crs="EPSG:4549",
    )
    parcels["area_mu"] = 15.0
    usccs = [f"91330381MA2H{k:06d}" for k in range(8)]
    firms = pd.DataFrame(
        {
            "uscc": usccs,
            "name": [
                "瑞安市飞云汽配有限公司",
                EVIL,
                "瑞安市塘下五金厂",
                "甲公司",
                "乙公司",
                "丙公司",
                "丁公司",
                "戊公司",
            ],
            "eval_class": ["A", "D", "C", "B", "exempt", None, "D", "C"],
        }
    )
    links = pd.DataFrame(
        {
            "uscc": [usccs[0], usccs[1], usccs[2], usccs[3], usccs[4], usccs[5], usccs[6]],
            "parcel_id": [ids[0], ids[1], ids[2], ids[2], ids[4], ids[5], ids[6]],
            "land_area_mu": [15.0, 15.0, 5.0, 10.0, 15.0, 15.0, 15.0],
            "tax_wan": [900.0, 30.0, 50.0, 100.0, 60.0, 0.0, 20.0],
        }
    )
    screening = pd.DataFrame(
        {
            "parcel_id": ids,
            "tax_per_mu": [60.0, 2.0, 10.0, np.nan, 4.0, 0.0, 1.33, np.nan],
            "is_low_efficiency": [False, True, False, False, True, False, True, False],
            "is_idle": [False, False, False, True, False, False, False, False],
            "reason_codes": [
                None,
                "TAX_LT_FLOOR",
                None,
                "IDLE_NOT_STARTED",
                "FAR_LT_MIN",
                None,
                "CLASS_D",
                None,
            ],
            "reasons_zh": [
                None,
                "亩均税收低于5万元/亩",
                None,
                "满一年未动工",
                "容积率低于1.0",
                None,
                "D类企业",
                None,
            ],
            "far": [1.5, 0.4, 1.2, 0.0, 0.6, 1.1, 0.9, np.nan],
            "building_coverage": [0.5, 0.2, 0.4, 0.0, 0.25, 0.4, 0.3, np.nan],
            "idle_months": [np.nan, np.nan, np.nan, 20.0, np.nan, np.nan, np.nan, np.nan],
        }
    )
    selection = pd.DataFrame(
        {
            "uscc": [usccs[1], usccs[4], usccs[6]],
            "remedy": ["exit", "upgrade", "relocate"],
            "year": [2021, 2022, 2023],
        }
    )
    freed = pd.DataFrame({"parcel_id": [ids[1], ids[3], ids[6]], "year": [2021, 2022, 2023], "area_mu": 15.0})
    control_lines = gpd.GeoDataFrame(
        {"name": ["塘下工业控制线"], "line_level": ["一级"]},
        geometry=[box(X0 - 30, Y0 - 30, X0 + 500, Y0 + 260)],
        crs="EPSG:4549",
    )
    towns = gpd.GeoDataFrame(
        {"town": ["塘下镇"]}, geometry=[box(X0 - 200, Y0 - 200, X0 + 700, Y0 + 450)], crs="EPSG:4549"
    )
    rules = load_rules()
    sites = parks.candidate_sites(
        parcels, [ids[1], ids[3], ids[5], ids[6]], control_lines, rules, vacant_ids=[ids[3]]
    )
    return {
        "parcels": parcels,
        "firms": firms,
        "links": links,
        "screening": screening,
        "selection": selection,
        "freed_parcels": freed,
        "control_lines": control_lines,
        "sites": sites,
        "towns": towns,
    }


@pytest.fixture(scope="module")
def inputs() -> dict[str, Any]:
    return map_inputs()


@pytest.fixture(scope="module")
def page(inputs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    m = maps.overview_map(**inputs)
    path = maps.save_map(m, tmp_path_factory.mktemp("map") / "overview.html")
    raw = path.read_bytes()
    return path, raw.decode("utf-8")  # strict: fails on invalid UTF-8


def _features(html: str, parcel_id: str) -> list[dict[str, Any]]:
    """Feature property dicts of ``parcel_id`` found in the page's addData(...) calls."""
    out = []
    for m in re.finditer(r"\.addData\((\{.*?\})\);", html):
        data = json.loads(m.group(1))
        out += [f["properties"] for f in data["features"] if f["properties"].get("id") == parcel_id]
    return out


def test_sites_fixture_is_meaningful(inputs: dict[str, Any]) -> None:
    # parcels 1, 5 and 6 are 10 m apart, 3 and 6 are 14.1 m apart (corner to corner), all
    # within parks.adjacency_gap_m = 15: one site of 4 × 15 = 60 亩, all inside the line.
    sites = inputs["sites"]
    assert len(sites) == 1
    assert sites["area_mu"].iloc[0] == pytest.approx(60.0)
    assert sites["rank"].iloc[0] == 1


def test_page_is_utf8_with_every_layer_and_the_no_data_class(page: tuple[Path, str]) -> None:
    _, html = page
    for name in maps.layer_names((2021, 2022, 2023)):
        assert name in html, name
    assert "无数据" in html
    assert "亩均税收(万元/亩)" in html  # tooltip label with its unit
    assert '"A": "A类（优先支持）"' in html and '"low": "低效用地"' in html  # display text of codes
    assert "\\u5b97\\u5730" not in html  # Chinese written as characters, not escapes


def test_offline_page_references_no_cdn(page: tuple[Path, str]) -> None:
    _, html = page
    assert remote_asset_urls(html) == []
    for host in ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "bootstrapcdn"):
        assert host not in html, host
    assert "Leaflet 1.9.3" in html  # pinned copy inlined
    assert "L.Control.Search" in html and "leaflet-measure" in html.lower()


def test_online_mode_keeps_the_cdn_links(inputs: dict[str, Any]) -> None:
    m = maps.overview_map(inputs["parcels"], offline=False)
    html = maps.map_html(m)
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in remote_asset_urls(html)


def test_firm_name_with_script_is_escaped(page: tuple[Path, str]) -> None:
    _, html = page
    assert "<script>alert(1)" not in html
    props = _features(html, "330381101002GB00001")
    assert props, "parcel 1 is on the map"
    assert props[0]["n"] == "&lt;script&gt;alert(1)&lt;/script&gt;瑞安恶意名称有限公司"
    assert "\\u0026lt;script\\u0026gt;alert(1)" in html  # '&' kept escaped inside the <script>


def test_tooltip_values_classes_and_missing(page: tuple[Path, str]) -> None:
    _, html = page
    p0 = _features(html, "330381101002GB00000")[0]
    assert p0["n"] == "瑞安市飞云汽配有限公司" and p0["u"] == "91330381MA2H000000"
    assert p0["k"] == "A" and p0["t"] == "60.00" and p0["tk"] == "t4"  # ≥ 42
    p2 = _features(html, "330381101002GB00002")[0]  # two firms: main one has 10 亩
    assert p2["n"] == "甲公司" and p2["k"] == "B"
    assert p2["o"] == "瑞安市塘下五金厂（91330381MA2H000002）"
    p3 = _features(html, "330381101002GB00003")
    assert p3[0]["k"] == "vacant" and p3[0]["tk"] == "_"  # no occupant, no tax data → 无数据 class
    assert "t" not in p3[0]  # missing value left out: the page shows '—'
    p5 = _features(html, "330381101002GB00005")[0]
    assert p5["k"] == "unrated"  # eval_class None
    assert _features(html, "330381101002GB00007") == []  # no geometry: skipped
    p1 = _features(html, "330381101002GB00001")
    assert p1[0]["sk"] == "low" and p1[0]["r"] == "亩均税收低于5万元/亩"


def test_sites_layer_has_rank_and_explanation(page: tuple[Path, str]) -> None:
    _, html = page
    sites = [
        f["properties"]
        for m in re.finditer(r"\.addData\((\{.*?\})\);", html)
        for f in json.loads(m.group(1))["features"]
        if "rk" in f["properties"]
    ]
    assert [(s["rk"], s["id"], s["a"]) for s in sites] == [("1", "S001", "60.00")]
    assert "排名第1" in sites[0]["ex"]
    assert '\\u003cdiv class=\\"ruian-rank\\"\\u003e1\\u003c/div\\u003e' in html  # the rank label


def test_scenario_layers_by_year(page: tuple[Path, str]) -> None:
    _, html = page
    p1 = [p for p in _features(html, "330381101002GB00001") if "re" in p]
    assert [(p["y"], p["re"], p["k"]) for p in p1] == [("2021", "关停退出", "exit")]
    p3 = [p for p in _features(html, "330381101002GB00003") if "re" in p]
    assert [(p["y"], p["re"], p["k"]) for p in p3] == [("2022", "腾出宗地", "freed")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, MISSING),
        (float("nan"), MISSING),
        (np.float64("nan"), MISSING),
        (pd.NA, MISSING),
        (pd.NaT, MISSING),
        (np.datetime64("NaT"), MISSING),
        ("  ", MISSING),
        ("nan", MISSING),
        (np.int64(2021), "2021"),
        (np.float64(12.3456), "12.35"),
        (12345.678, "12,345.68"),
        (True, "是"),
        (np.bool_(False), "否"),
        (pd.Timestamp("2021-03-04 10:00"), "2021-03-04"),
        ("<b>A&B</b>", "&lt;b&gt;A&amp;B&lt;/b&gt;"),
        ([1, None, 2], "1；2"),
    ],
)
def test_fmt_value(value: Any, expected: str) -> None:
    assert fmt_value(value) == expected


def test_fmt_value_percent() -> None:
    assert fmt_value(0.756, percent=True) == "76%"
    assert fmt_value(np.nan, percent=True) == MISSING


def test_parcel_attributes_without_links_or_screening(inputs: dict[str, Any]) -> None:
    a = parcel_attributes(inputs["parcels"])
    assert (a["class_key"] == "unrated").all()  # no occupancy data: not 'vacant'
    assert a["tax_per_mu"].isna().all()
    b = parcel_attributes(inputs["parcels"], firms=inputs["firms"], links=inputs["links"])
    # without screening, 亩均税收 = Σ occupants' tax / parcel area: parcel 2 (50 + 100) / 15
    assert b.loc[2, "tax_per_mu"] == pytest.approx(10.0)
    assert b.loc[3, "class_key"] == "vacant"


def test_features_are_lonlat_rounded_and_inputs_untouched() -> None:
    gdf = gpd.GeoDataFrame({"parcel_id": ["a"]}, geometry=[box(X0, Y0, X0 + 100, Y0 + 100)], crs="EPSG:4549")
    before = gdf.copy()
    fc = feature_collection(gdf, {"id": ["a"]}, simplify_m=1.5)
    coords = np.array(fc["features"][0]["geometry"]["coordinates"][0])
    assert coords.shape == (5, 2)
    assert (120.0 < coords[:, 0]).all() and (coords[:, 0] < 121.3).all()  # Ruian's longitudes
    assert (27.0 < coords[:, 1]).all() and (coords[:, 1] < 28.5).all()
    np.testing.assert_allclose(coords * 1e6, np.round(coords * 1e6), atol=1e-3)  # 6 decimals
    assert gdf.crs.to_epsg() == 4549 and gdf.geometry.equals(before.geometry)
    assert fc["features"][0]["properties"] == {"id": "a"}  # whitelist: only what was asked


def test_simplification_is_in_metres() -> None:
    bump = Polygon([(X0, Y0), (X0 + 50, Y0 - 0.5), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)])
    gdf = gpd.GeoDataFrame(geometry=[bump], crs="EPSG:4549")
    kept = feature_collection(gdf, {}, simplify_m=0)["features"][0]["geometry"]["coordinates"][0]
    simple = feature_collection(gdf, {}, simplify_m=1.5)["features"][0]["geometry"]["coordinates"][0]
    assert len(kept) == 6 and len(simple) == 5  # the 0.5 m bump goes at 1.5 m tolerance


def test_legend_classes_come_from_the_rules() -> None:
    rules = load_rules()
    html = maps._legend_html("图", rules, [2021])
    for text in ("&lt; 5（低于低效用地认定线）", "10 – 18", "≥ 42（达到2023年规上目标）", "无数据", "A类"):
        assert text in html
    lowered = rules.with_overrides({"targets.tax_per_mu": 30})
    assert "≥ 30" in maps._legend_html("图", lowered, [2021])


def test_offline_assets_and_escapes() -> None:
    with pytest.raises(OfflineAssetError, match=r"example\.com"):
        inline_assets('<script src="https://example.com/x.js"></script>')
    with pytest.raises(OfflineAssetError):
        inline_assets('<img src="//tiles.example.com/1.png">')
    css = inline_assets(
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>'
    )
    assert css.startswith("<style>") and "url(images/" not in css and "data:image/png;base64," in css
    assert set(ASSETS.values()) >= {"leaflet-1.9.3/leaflet.js", "leaflet-1.9.3/leaflet.css"}
    assert unescape_non_ascii('"\\u5b97\\u5730 \\u003c"') == '"宗地 \\u003c"'
    assert unescape_non_ascii("\\\\u5b97") == "\\\\u5b97"  # an escaped backslash stays


def test_html_size_per_parcel_is_bounded() -> None:
    n_side = 20
    geoms = [
        Polygon([(x, y), (x + 50, y - 2), (x + 100, y), (x + 102, y + 50), (x + 100, y + 100), (x, y + 100)])
        for i in range(n_side)
        for j in range(n_side)
        for x, y in [(X0 + i * 110, Y0 + j * 110)]
    ]
    big = gpd.GeoDataFrame(
        {"parcel_id": [f"330381101002GB{k:05d}" for k in range(len(geoms))], "town": "塘下镇"},
        geometry=geoms,
        crs="EPSG:4549",
    )
    small = maps.map_html(maps.overview_map(big.iloc[:1]))
    full = maps.map_html(maps.overview_map(big))
    per_parcel = (len(full.encode()) - len(small.encode())) / (len(big) - 1)
    assert per_parcel < 600, per_parcel  # bytes per parcel (6-vertex ring, ids, 2 styles)
    assert math.isfinite(per_parcel)
