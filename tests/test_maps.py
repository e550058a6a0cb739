"""Overview map: layers, legends, escaping, missing values, offline assets, basemaps and size.

``map_inputs()`` builds a tiny county (also used by the browser tests): eight parcels near
塘下镇, one firm named ``<script>alert(1)</script>…``, one named ``{{7*7}}…`` (a Jinja
expression), one vacant parcel, one parcel with two firms, one without 亩均税收 data, one
without geometry and one "两高" firm on two parcels. The last part tests the compact page data
(:mod:`ruian_land.maps.encode`): zoom-tied simplification that keeps neighbours' shared edges,
quantised polylines, column encodings and their exact round trip.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box, shape

from ruian_land.core import InputError
from ruian_land.maps import (
    ASSETS,
    DIGITS,
    MISSING,
    SLOT,
    OfflineAssetError,
    check_tile_url,
    coordinate_scale,
    decode_column,
    decode_geometry,
    decode_indices,
    encode_column,
    encode_columns,
    encode_geometries,
    encode_indices,
    fmt_value,
    format_column,
    inline_assets,
    metres_per_pixel,
    parcel_attributes,
    read_map_data,
    remote_asset_urls,
    simplify_coverage,
    tile_template,
    unescape_non_ascii,
)
from ruian_land.maps import overview as maps
from ruian_land.parks import sites as parks
from ruian_land.rules import load_rules

X0, Y0 = 570_000.0, 3_083_000.0
EVIL = "<script>alert(1)</script>瑞安恶意名称有限公司"
JINJA = "{{7*7}}瑞安模板名称有限公司"
IDS = [f"330381101002GB{k:05d}" for k in range(8)]
USCCS = [f"91330381MA2H{k:06d}" for k in range(8)]


def map_inputs() -> dict[str, Any]:
    """Small inputs for :func:`ruian_land.maps.overview_map` (EPSG:4549)."""
    geoms: list[Any] = [
        box(X0 + i * 110, Y0 + j * 110, X0 + i * 110 + 100, Y0 + j * 110 + 100)
        for j in range(2)
        for i in range(4)
    ]
    geoms[7] = None  # no geometry
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": IDS,
            "town": "塘下镇",
            "park_name": ["塘下小微园", None, None, None, None, None, None, None],
        },
        geometry=geoms,
        crs="EPSG:4549",
    )
    parcels["area_mu"] = 15.0
    firms = pd.DataFrame(
        {
            "uscc": USCCS,
            "name": [
                "瑞安市飞云汽配有限公司",
                EVIL,
                "瑞安市塘下五金厂",
                "甲公司",
                "乙公司",
                JINJA,
                "丁公司",
                "戊公司",
            ],
            "eval_class": ["A", "D", "C", "B", "exempt", None, "D", "C"],
        }
    )
    links = pd.DataFrame(
        {
            "uscc": [USCCS[0], USCCS[1], USCCS[2], USCCS[3], USCCS[4], USCCS[5], USCCS[6]],
            "parcel_id": [IDS[0], IDS[1], IDS[2], IDS[2], IDS[4], IDS[5], IDS[6]],
            "land_area_mu": [15.0, 15.0, 5.0, 10.0, 15.0, 15.0, 15.0],
            "tax_wan": [900.0, 30.0, 50.0, 100.0, 60.0, 0.0, 20.0],
        }
    )
    screening = pd.DataFrame(
        {
            "parcel_id": IDS,
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
    screening_firms = pd.DataFrame(
        {
            "uscc": [USCCS[0], USCCS[4]],
            "name": ["瑞安市飞云汽配有限公司", "乙公司"],
            "is_two_high": [True, False],
            "energy_tce_calorific": [1234.6, 10.0],
            "project_built_year": [2019.0, np.nan],  # float with a gap, as read from Excel
            "reason_codes": ["TWO_HIGH_NEW;ADMISSION_EXCEEDED;TAX_LT_FLOOR", "FAR_LT_MIN"],
            "reasons_zh": [
                "2019年建成,年综合能耗1,235吨标准煤(≥1000)；单位增加值能耗0.80吨标准煤/万元,高于准入值0.52；"
                "亩均税收4.00万元/亩,低于下限5万元/亩",
                "容积率0.60,低于1",
            ],
            "parcel_ids": [f"{IDS[0]};{IDS[2]}", IDS[4]],
        }
    )
    selection = pd.DataFrame(
        {
            "uscc": [USCCS[1], USCCS[4], USCCS[6]],
            "remedy": ["exit", "upgrade", "relocate"],
            "year": [2021, 2022, 2023],
        }
    )
    freed = pd.DataFrame({"parcel_id": [IDS[1], IDS[3], IDS[6]], "year": [2021, 2022, 2023], "area_mu": 15.0})
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
        parcels, [IDS[1], IDS[3], IDS[5], IDS[6]], control_lines, rules, vacant_ids=[IDS[3]]
    )
    return {
        "parcels": parcels,
        "firms": firms,
        "links": links,
        "screening": screening,
        "screening_firms": screening_firms,
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
    return path, path.read_bytes().decode("utf-8")  # strict: fails on invalid UTF-8


@pytest.fixture(scope="module")
def data(page: tuple[Path, str]) -> dict[str, list[dict[str, Any]]]:
    return read_map_data(page[1])


def _props(data: dict[str, list[dict[str, Any]]], key: str, parcel_id: str) -> list[dict[str, Any]]:
    return [f["properties"] for f in data[key] if f["properties"].get("id") == parcel_id]


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
        assert f'"{name}"' in html, name  # in the layer control and RUIAN.layer
    assert maps.LAYER_TWO_HIGH == "两高企业"
    assert "无数据" in html
    assert "亩均税收(万元/亩)" in html  # tooltip label with its unit
    assert '"A":"A类（优先支持）"' in html and '"low":"低效用地"' in html  # display text of codes
    assert "\\u5b97\\u5730" not in html  # Chinese written as characters, not escapes


def test_each_layer_has_a_chinese_legend_with_units(page: tuple[Path, str]) -> None:
    import json
    import re

    _, html = page
    specs = {
        s["name"]: s
        for s in (json.loads(m.group(1)) for m in re.finditer(r"RUIAN\.layer\([^,]+, (\{.*?\})\);\n", html))
    }
    assert list(specs) == maps.layer_names((2021, 2022, 2023))
    units = {
        maps.LAYER_CLASS: "面积单位：亩",
        maps.LAYER_TAX: "单位：万元/亩",
        maps.LAYER_SCREEN: "闲置时长：月",
        maps.LAYER_TWO_HIGH: "吨标准煤/年",
        maps.LAYER_SITES: "预期税收：万元/年",
        maps.scenario_layer_name(2022): "腾出面积单位：亩",
    }
    for name, unit in units.items():
        assert unit in specs[name]["legend"], name
    # the 两高 thresholds come from the rules: two_high.energy_tce_new / _old
    assert "2018年以来建设、年综合能耗≥1000吨标准煤" in specs[maps.LAYER_TWO_HIGH]["legend"]
    assert "≥5000吨标准煤" in specs[maps.LAYER_TWO_HIGH]["legend"]


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


def test_firm_names_with_script_or_template_are_escaped(
    page: tuple[Path, str], data: dict[str, list[dict[str, Any]]]
) -> None:
    _, html = page
    assert "<script>alert(1)" not in html
    assert (
        _props(data, "parcels", IDS[1])[0]["n"] == "&lt;script&gt;alert(1)&lt;/script&gt;瑞安恶意名称有限公司"
    )
    assert "\\u0026lt;script\\u0026gt;alert(1)" in html  # '&' kept escaped inside the <script>
    # '{{7*7}}' is not evaluated by the template engine folium renders the page with
    assert _props(data, "parcels", IDS[5])[0]["n"] == JINJA
    assert "49瑞安模板名称" not in html


def test_tooltip_values_classes_and_missing(data: dict[str, list[dict[str, Any]]]) -> None:
    p0 = _props(data, "parcels", IDS[0])[0]
    assert p0["n"] == "瑞安市飞云汽配有限公司" and p0["u"] == "91330381MA2H000000"
    assert p0["k"] == "A" and p0["t"] == "60.00" and p0["tk"] == "t4"  # ≥ 42
    p2 = _props(data, "parcels", IDS[2])[0]  # two firms: main one has 10 亩
    assert p2["n"] == "甲公司" and p2["k"] == "B"
    assert p2["o"] == "瑞安市塘下五金厂（91330381MA2H000002）"
    p3 = _props(data, "parcels", IDS[3])[0]
    assert p3["k"] == "vacant" and p3["tk"] == "_"  # no occupant, no tax data → 无数据 class
    assert "t" not in p3  # missing value left out: the page shows '—'
    assert _props(data, "parcels", IDS[5])[0]["k"] == "unrated"  # eval_class None
    assert _props(data, "parcels", IDS[7]) == []  # no geometry: skipped
    p1 = _props(data, "parcels", IDS[1])[0]
    assert p1["sk"] == "low" and p1["r"] == "亩均税收低于5万元/亩" and p1["rc"] == "TAX_LT_FLOOR"
    assert p1["f"] == "0.40" and p1["bc"] == "20%"
    assert "f" not in p0  # indicators of unflagged parcels are not shipped


def test_two_high_layer_draws_the_firms_parcels(data: dict[str, list[dict[str, Any]]]) -> None:
    rows = {f["properties"]["id"]: f["properties"] for f in data["two_high"]}
    assert set(rows) == {IDS[0], IDS[2]}  # parcel_ids of the one two-high firm; 乙公司 is not
    p = rows[IDS[0]]
    assert (p["n"], p["u"], p["e"], p["by"], p["k"]) == (
        "瑞安市飞云汽配有限公司",
        USCCS[0],
        "1,235",  # 1234.6 吨标准煤, no decimals
        "2019",
        "new",
    )
    # only the 两高 / energy reasons, not the tax one
    assert (
        p["r"] == "2019年建成,年综合能耗1,235吨标准煤(≥1000)；单位增加值能耗0.80吨标准煤/万元,高于准入值0.52"
    )
    # same geometry as the parcel (embedded once, referenced)
    parcel = next(f for f in data["parcels"] if f["properties"]["id"] == IDS[0])
    assert (
        next(f for f in data["two_high"] if f["properties"]["id"] == IDS[0])["geometry"] == parcel["geometry"]
    )


def test_two_high_from_a_screening_object(inputs: dict[str, Any]) -> None:
    from types import SimpleNamespace

    kw = {k: v for k, v in inputs.items() if k not in ("screening", "screening_firms")}
    scr = SimpleNamespace(parcels=inputs["screening"], firms=inputs["screening_firms"])
    d = read_map_data(maps.map_html(maps.overview_map(**kw, screening=scr)))
    assert sorted(f["properties"]["id"] for f in d["two_high"]) == [IDS[0], IDS[2]]
    d2 = read_map_data(maps.map_html(maps.overview_map(**kw, screening=inputs["screening"])))
    assert "two_high" not in d2  # no firms frame: no 两高 layer


def test_sites_layer_has_rank_point_and_explanation(page: tuple[Path, str], data: dict[str, Any]) -> None:
    sites = [f["properties"] for f in data["sites"]]
    assert [(s["rk"], s["id"], s["a"]) for s in sites] == [("1", "S001", "60.00")]
    assert "排名第1" in sites[0]["ex"]
    site = shape(data["sites"][0]["geometry"])
    import json
    import re

    block = re.search(r'data-ruian="sites">(.*?)</script>', page[1])
    assert block is not None
    lat, lon = json.loads(block.group(1))["pt"][0]
    assert site.buffer(1e-9).contains(shape({"type": "Point", "coordinates": [lon, lat]}))  # label inside


def test_scenario_layers_by_year(data: dict[str, list[dict[str, Any]]]) -> None:
    assert [(p["y"], p["re"], p["k"]) for p in _props(data, "y2021", IDS[1])] == [
        ("2021", "关停退出", "exit")
    ]
    assert [(p["y"], p["re"], p["k"]) for p in _props(data, "y2022", IDS[3])] == [
        ("2022", "腾出宗地", "freed")
    ]
    assert _props(data, "y2023", IDS[1]) == []


def test_scenario_layers_show_the_land_re_let_a_year_after_it_is_freed(
    data: dict[str, list[dict[str, Any]]], page: tuple[Path, str]
) -> None:
    # IDS[1] (15 亩, freed 2021) is re-let in 2022 (trajectory.reuse_lag_years = 1): inside the
    # control line (unknown counts as inside) 60 % as 标准地 = 9 亩, 40 % 小微园 = 6 亩;
    # IDS[3] freed 2022 → 2023; IDS[6] freed 2023 is re-let in 2024, beyond the plan years.
    (p,) = _props(data, "y2022", IDS[1])
    assert (p["k"], p["ry"], p["rs"], p["rm"]) == ("reuse", "2021→2022", "9.00", "6.00")
    assert [q["k"] for q in _props(data, "y2023", IDS[3])] == ["reuse"]
    assert all(q["k"] != "reuse" for y in (2021, 2022, 2023) for q in _props(data, f"y{y}", IDS[6]))
    assert "再利用（标准地 / 小微园）" in page[1] and "腾出后1年" in page[1]


def test_scenario_legend_has_every_remedy_colour(page: tuple[Path, str]) -> None:
    _, html = page
    from ruian_land.maps import REMEDY_STYLE

    for label in ("关停退出", "整体腾退", "搬迁入园", "兼并重组", "改造提升", "腾出宗地"):
        assert label in html, label
    colours = [c for c, _ in REMEDY_STYLE.values()]
    assert len(set(colours)) == len(colours) == 6  # merge and vacate have their own colours
    assert REMEDY_STYLE["merge"][1] == "兼并重组" and REMEDY_STYLE["vacate"][1] == "整体腾退"


def test_parcel_popup_carries_the_scenario_remedy_and_year(data: dict[str, list[dict[str, Any]]]) -> None:
    # USCCS[1] exits in 2021 from IDS[1]; IDS[3] is freed in 2022 with no firm; IDS[0] untouched
    p1 = _props(data, "parcels", IDS[1])[0]
    assert (p1["sr"], p1["sy"]) == ("关停退出", "2021")
    p3 = _props(data, "parcels", IDS[3])[0]
    assert (p3["sr"], p3["sy"]) == ("腾出宗地", "2022")
    p0 = _props(data, "parcels", IDS[0])[0]
    assert "sr" not in p0 and "sy" not in p0


def test_parcel_geometry_is_embedded_once(page: tuple[Path, str]) -> None:
    import json
    import re

    blocks = {
        m.group(1): json.loads(m.group(2))
        for m in re.finditer(r'data-ruian="([^"]+)">(.*?)</script>', page[1])
    }
    own = sorted(k for k, b in blocks.items() if "g" in b)
    assert own == ["lines", "parcels", "sites", "towns"]
    assert {b["ref"] for b in blocks.values() if "ref" in b} == {"parcels"}
    assert blocks["parcels"]["n"] == 7  # 8 parcels, one without geometry


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
        (np.datetime64("2022-01-31T08:00"), "2022-01-31"),
        ("<b>A&B</b>", "&lt;b&gt;A&amp;B&lt;/b&gt;"),
        ([1, None, 2], "1；2"),
    ],
)
def test_fmt_value(value: Any, expected: str) -> None:
    assert fmt_value(value) == expected


def test_format_column_matches_fmt_value_on_every_dtype() -> None:
    cols = [
        pd.Series([1.5, np.nan, 1234.567]),
        pd.Series([1.5, None], dtype="Float64"),
        pd.Series([1, 2, 3], dtype="Int64"),
        pd.Series([1, None, 3], dtype="Int64"),
        pd.Series(["a", None, "a", "<i>"], dtype="string"),
        pd.Series([pd.Timestamp("2021-01-02"), pd.NaT]),
        pd.Series([True, False, None], dtype="boolean"),
        pd.Series([[1, 2], None, "x"], dtype=object),
        np.array([0.256, np.inf]),
    ]
    for c in cols:
        assert format_column(c) == [fmt_value(v) for v in c], c
    assert format_column(np.array([0.256, np.nan]), percent=True) == ["26%", MISSING]


def test_parcel_attributes_without_links_or_screening(inputs: dict[str, Any]) -> None:
    a = parcel_attributes(inputs["parcels"])
    assert (a["class_key"] == "unrated").all()  # no occupancy data: not 'vacant'
    assert a["tax_per_mu"].isna().all()
    b = parcel_attributes(inputs["parcels"], firms=inputs["firms"], links=inputs["links"])
    # without screening, 亩均税收 = Σ occupants' tax / parcel area: parcel 2 (50 + 100) / 15
    assert b.loc[2, "tax_per_mu"] == pytest.approx(10.0)
    assert b.loc[3, "class_key"] == "vacant"


def test_inputs_are_not_modified(inputs: dict[str, Any]) -> None:
    before = {k: v.copy() for k, v in inputs.items()}
    maps.overview_map(**inputs)
    for k, v in inputs.items():
        assert v.equals(before[k]), k
    assert inputs["parcels"].crs.to_epsg() == 4549


def test_tax_legend_classes_come_from_the_rules() -> None:
    from ruian_land.maps import tax_classes

    rules = load_rules()
    breaks, classes = tax_classes(rules)
    assert breaks == [5.0, 10.0, 18.0, 42.0]
    labels = [lab for _, lab in classes]
    assert labels[0] == "< 5（低于低效用地认定线）" and labels[-1] == "≥ 42（达到2023年规上目标）"
    assert "10 – 18（低于标准地亩均税收）" in labels
    assert tax_classes(rules.with_overrides({"targets.tax_per_mu": 30}))[0][-1] == 30.0


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


@pytest.mark.parametrize(
    "url",
    [
        "https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "https://wprd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&lang=zh_cn&size=1&scl=1&style=7",
        "https://online{s}.map.bdimg.com/onlinelabel/?qt=tile&x={x}&y={y}&z={z}",
        "http://rt0.map.gtimg.com/tile?z={z}&x={x}&y={y}",
        "https://webst01.is.AUTONAVI.com/appmaptile?style=6&x={x}&y={y}&z={z}",
    ],
)
def test_gcj02_tile_providers_are_refused(inputs: dict[str, Any], url: str) -> None:
    with pytest.raises(InputError, match=r"GCJ-02|BD-09") as err:
        maps.overview_map(inputs["parcels"], basemap="xyz", xyz_url=url)
    assert err.value.column == "maps.xyz_url"
    with pytest.raises(InputError):
        check_tile_url(url)


def test_basemaps_none_osm_tianditu_and_internal_wmts(inputs: dict[str, Any]) -> None:
    p = inputs["parcels"]
    assert "tile.openstreetmap.org" not in maps.map_html(maps.overview_map(p))  # none: no tiles
    assert "tile.openstreetmap.org" in maps.map_html(maps.overview_map(p, basemap="osm"))
    tdt = maps.map_html(maps.overview_map(p, basemap="tianditu", tianditu_key="abc123"))
    assert "tianditu.gov.cn/vec_w/wmts" in tdt and "tianditu.gov.cn/cva_w/wmts" in tdt and "tk=abc123" in tdt
    wmts = "http://gis.ruian.local/wmts?SERVICE=WMTS&REQUEST=GetTile&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}"
    assert tile_template(wmts).endswith("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")
    assert "gis.ruian.local/wmts" in maps.map_html(maps.overview_map(p, basemap="xyz", xyz_url=wmts))
    with pytest.raises(InputError, match="no \\{z\\}"):
        tile_template("http://gis.ruian.local/tiles/basemap.png")
    with pytest.raises(InputError, match="天地图 key"):
        maps.overview_map(p, basemap="tianditu")
    with pytest.raises(InputError, match="unknown basemap"):
        maps.overview_map(p, basemap="gaode")


def _grid(n_side: int) -> gpd.GeoDataFrame:
    geoms = [
        Polygon([(x, y), (x + 50, y - 2), (x + 100, y), (x + 102, y + 50), (x + 100, y + 100), (x, y + 100)])
        for i in range(n_side)
        for j in range(n_side)
        for x, y in [(X0 + i * 110, Y0 + j * 110)]
    ]
    return gpd.GeoDataFrame(
        {"parcel_id": [f"330381101002GB{k:05d}" for k in range(len(geoms))], "town": "塘下镇"},
        geometry=geoms,
        crs="EPSG:4549",
    )


def test_html_size_per_parcel_is_bounded() -> None:
    big = _grid(20)
    small = maps.map_html(maps.overview_map(big.iloc[:1]))
    full = maps.map_html(maps.overview_map(big))
    per_parcel = (len(full.encode()) - len(small.encode())) / (len(big) - 1)
    # 6-vertex ring (≈ 30 B), id suffix (≈ 8 B), area, town and class codes (≈ 5 B)
    assert per_parcel < 80, per_parcel


def test_size_budget_warns_when_exceeded() -> None:
    big = _grid(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", maps.MapSizeWarning)
        maps.map_html(maps.overview_map(big))  # default budget: 600 KiB + 300 B/parcel
    tight = load_rules().with_overrides(
        {"maps.size_budget_base_kb": 300, "maps.size_budget_bytes_per_parcel": 10}
    )
    m = maps.overview_map(big, rules=tight)
    assert maps.size_budget(m) == 300 * 1024 + 10 * 25
    with pytest.warns(maps.MapSizeWarning, match=r"25 parcels, over the budget of 0\.31 MB"):
        maps.map_html(m)


def test_zoom_ties_simplification_and_precision(inputs: dict[str, Any]) -> None:
    m = maps.overview_map(inputs["parcels"])
    # 1 px at zoom 18 at 27.85°N: 2π·6378137·cos(27.85°)/(256·2^18) = 0.5279 m
    assert m.ruian_stats["tolerance_m"] == pytest.approx(0.5279, abs=5e-4)
    assert m.ruian_stats["scale"] == 500_000  # 0.5 px = 2.37e-6° → step 2e-6°
    coarse = maps.overview_map(inputs["parcels"], rules=load_rules().with_overrides({"maps.max_zoom": 16}))
    assert coarse.ruian_stats["tolerance_m"] == pytest.approx(4 * 0.5279, abs=2e-3)
    assert coarse.ruian_stats["scale"] == 200_000  # 0.5 px = 9.49e-6° of latitude → step 5e-6°


# --- compact page data (maps_encode) -----------------------------------------------------------


def test_polyline_matches_googles_published_example() -> None:
    # developers.google.com/maps/documentation/utilities/polylinealgorithm: the points
    # (38.5, -120.2), (40.7, -120.95), (43.252, -126.453) at 1e5 encode as below.
    ring = Polygon([(-120.2, 38.5), (-120.95, 40.7), (-126.453, 43.252)])
    enc = encode_geometries(np.array([ring], dtype=object), "EPSG:4326", scale=100_000)
    assert enc == [["_p~iF~ps|U_ulLnnqC_mqNvxq`@"]]  # closing vertex implied
    back = decode_geometry(enc, 100_000)[0]
    assert back["coordinates"][0] == [[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252], [-120.2, 38.5]]


def test_polylines_avoid_backslash_and_braces() -> None:
    # a step of -15 units zig-zags to 29 = chr(92 - 63), a backslash; +30 zig-zags to 60, whose
    # first chunk 28 | 32 is chr(123) = '{'. They are written '!' and '$', so JSON needs no
    # escape and no '{{' reaches folium's template engine.
    ring = Polygon([(0, 0), (0, 30e-5), (1e-5, 15e-5)])
    enc = encode_geometries(np.array([ring], dtype=object), "EPSG:4326", scale=100_000)[0][0]
    assert enc == "??$@?!A"
    back = decode_geometry([[enc]], 100_000)[0]["coordinates"][0]
    np.testing.assert_allclose(back, [[0, 0], [0, 30e-5], [1e-5, 15e-5], [0, 0]], atol=1e-12)


def test_geometries_round_trip_within_the_quantum_with_holes_and_parts() -> None:
    outer = box(X0, Y0, X0 + 100, Y0 + 100)
    holed = Polygon(outer.exterior.coords, [box(X0 + 20, Y0 + 20, X0 + 40, Y0 + 40).exterior.coords])
    multi = shapely.MultiPolygon([box(X0 + 200, Y0, X0 + 300, Y0 + 50), box(X0 + 400, Y0, X0 + 450, Y0 + 50)])
    geoms = np.array([holed, multi], dtype=object)
    enc = encode_geometries(geoms, "EPSG:4549", scale=500_000)
    assert isinstance(enc[0][0], str) and len(enc[0]) == 2  # polygon: exterior + hole
    assert isinstance(enc[1][0], list) and len(enc[1]) == 2  # multipolygon: two parts
    back = [shape(g) for g in decode_geometry(enc, 500_000)]
    truth = gpd.GeoSeries(geoms, crs=4549).to_crs(4326)
    for b, t in zip(back, truth, strict=True):
        assert b.geom_type == t.geom_type
        assert b.hausdorff_distance(t) <= 1.5e-6  # half a 2e-6° step on each axis (≈ 0.15 m)
        coords = shapely.get_coordinates(b)
        np.testing.assert_allclose(coords * 500_000, np.round(coords * 500_000), atol=1e-6)


def test_zoom_figures_by_hand() -> None:
    # 2π·6378137 / (256·2^18) = 0.597164 m at the equator; × cos 27.8° = 0.528240 m
    assert metres_per_pixel(18, 27.8) == pytest.approx(0.528240, abs=1e-6)
    assert metres_per_pixel(17, 27.8) == pytest.approx(2 * 0.528240, abs=1e-6)
    assert coordinate_scale(18, 27.8, 0.5) == 500_000  # half pixel = 2.373e-6° → step 2e-6°
    assert coordinate_scale(18, 27.8, 1.0) == 500_000  # 4.746e-6° → step 2e-6° (5e-6 is too big)
    assert coordinate_scale(18, 27.8, 2.0) == 200_000  # 9.49e-6° → step 5e-6°
    assert coordinate_scale(20, 27.8, 0.5) == 2_000_000  # 5.93e-7° → step 5e-7°


def _wiggly_neighbours() -> np.ndarray:
    # two 100 m squares sharing the edge x = X0 + 100, digitised every 2 m with ±0.1 m noise
    # (each noise vertex spans a triangle of 0.5 × 4 m × 0.1 m = 0.2 m², below 0.53² = 0.28 m²)
    edge = [(X0 + 100 + (0.1 if k % 2 else 0.0), Y0 + 2 * k) for k in range(51)]
    left = Polygon([(X0, Y0), *edge, (X0, Y0 + 100)])
    right = Polygon([*edge, (X0 + 200, Y0 + 100), (X0 + 200, Y0)][::-1])
    return np.array([left, right], dtype=object)


def test_coverage_simplification_keeps_shared_edges_shared() -> None:
    geoms = _wiggly_neighbours()
    assert shapely.coverage_is_valid(geoms)
    simple, fallback = simplify_coverage(geoms, 0.53)
    assert fallback == 0
    # 53 and 54 vertices before; the noise goes, one vertex (0.1 m off a 100 m base, 5 m²) stays
    assert shapely.get_num_coordinates(simple).tolist() == [6, 6]
    a, b = simple
    assert a.intersection(b).area == pytest.approx(0.0, abs=1e-9)  # no overlap …
    assert a.union(b).area == pytest.approx(a.area + b.area)  # … no gap …
    assert shapely.union_all(simple).geom_type == "Polygon"
    assert a.intersection(b).length == pytest.approx(100.0, abs=0.01)  # … one shared 100 m edge
    assert shapely.coverage_is_valid(simple)


def test_overlapping_polygons_fall_back_to_one_by_one() -> None:
    geoms = np.array(
        [box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 50, Y0, X0 + 150, Y0 + 100), None], dtype=object
    )
    simple, fallback = simplify_coverage(geoms, 0.53)
    assert fallback == 2 and simple[2] is None
    assert shapely.equals(simple[0], geoms[0]) and shapely.equals(simple[1], geoms[1])


def test_index_strings() -> None:
    assert len(DIGITS) == 87 and not set(DIGITS) & set('&<>\\{"')
    # 90 = 1 × 87 + 3 → two digits; DIGITS starts '#', '$', '%', "'" ('&' is skipped)
    assert encode_indices([0, 1, 90]) == "2" + "##" + "#$" + "$'"
    assert encode_indices([5]) == "1" + DIGITS[5]
    values = [0, 86, 87, 7568, 658_502]
    assert decode_indices(encode_indices(values)) == values
    with pytest.raises(ValueError):
        encode_indices([-1])


def test_column_encodings_round_trip_and_pick_the_smallest() -> None:
    ids = [f"330381101002GB{k:05d}" for k in range(40)] + [""]
    spec = encode_column(ids)
    assert spec["p"] == "330381101002GB000" and decode_column(spec) == ids  # shared prefix
    towns = ["塘下镇", "飞云街道", "塘下镇", ""] * 10
    spec = encode_column(towns)
    assert spec["d"] == ["塘下镇", "飞云街道", ""] and decode_column(spec) == towns  # dictionary
    assert encode_column(["a", "b"]) == ["a", "b"]  # nothing to gain: plain list
    same = ["瑞安市飞云汽配有限公司"] * 3
    assert decode_column(encode_column(same)) == same  # a prefix never eats a whole value


def test_reason_texts_become_skeletons_with_constants_inlined() -> None:
    texts = [
        "亩均税收2.01万元/亩,低于下限5万元/亩；容积率0.26,低于1",
        "亩均税收3.90万元/亩,低于下限5万元/亩",
        "",
        "容积率0.69,低于1；无使用企业",
    ] * 5
    spec = encode_column(texts, joiner="；")
    assert spec["t"] == [f"亩均税收{SLOT}万元/亩,低于下限5万元/亩", f"容积率{SLOT},低于1", "无使用企业"]
    assert decode_column(spec) == texts
    assert decode_column(encode_column(["x\x01y"] * 4, joiner="；")) == ["x\x01y"] * 4  # no template


def test_grouped_columns_share_one_index() -> None:
    names = ["甲公司", "乙公司", "甲公司", ""] * 5
    codes = ["91330381MA2H000001", "91330381MA2H000002", "91330381MA2H000001", ""] * 5
    out = encode_columns({"n": names, "u": codes, "a": ["1"] * 20}, groups=[("n", "u")])
    assert set(out) == {"n|u", "a"}
    spec = out["n|u"]
    assert decode_indices(spec["i"])[:4] == [0, 1, 0, 2]
    assert [decode_column(g) for g in spec["g"]] == [
        ["甲公司", "乙公司", ""],
        ["91330381MA2H000001", "91330381MA2H000002", ""],
    ]


def test_first_view_fits_the_industrial_parcels() -> None:
    inputs = map_inputs()
    scr = inputs["screening"].copy()
    scr["is_industrial"] = [k < 3 for k in range(len(scr))]  # only the first three are industrial
    m = maps.overview_map(**{**inputs, "screening": scr})
    fit = [c for c in m._children.values() if type(c).__name__ == "FitBounds"]
    assert len(fit) == 1
    parcels = inputs["parcels"]
    w, s, e, n = parcels[parcels["parcel_id"].isin(IDS[:3])].to_crs(4326).total_bounds
    np.testing.assert_allclose(np.array(fit[0].bounds, dtype=float), [[s, w], [n, e]], atol=1e-6)


def test_class_c_and_low_efficiency_colours_are_far_apart() -> None:
    def rgb(h: str) -> np.ndarray:
        return np.array([int(h[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)

    c_class, low = rgb(maps.CLASS_STYLE["C"][0]), rgb(maps.SCREEN_STYLE["low"][0])
    assert np.linalg.norm(c_class - low) > 150  # not two oranges
    assert np.linalg.norm(rgb(maps.CLASS_STYLE["D"][0]) - low) > 150
