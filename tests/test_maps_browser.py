"""The offline overview map in a real browser (Debian chromium via Playwright), network closed.

The page is opened from ``file://`` while every non-local request is aborted: it must load
with no console error and no attempt to reach the network, decode its data exactly as the
Python reference does, list every named layer in the layer control and toggle it together
with its legend block, show the Chinese tooltips of a hovered parcel and of a "两高" firm, find a
firm by name and by code, show a firm named ``<script>…`` as text, measure a distance and go
full screen. A screenshot goes to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_maps import EVIL, IDS, map_inputs

from ruian_land import maps
from ruian_land.maps import read_map_data
from ruian_land.maps.aggregate import LAYER_AGGREGATE
from ruian_land.rules import load_rules

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
P0 = IDS[0]  # A firm, "两高" (on parcels 0 and 2), not flagged
P1 = IDS[1]  # the firm called <script>…


@pytest.fixture(scope="module")
def map_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    m = maps.overview_map(**map_inputs())
    return maps.save_map(m, tmp_path_factory.mktemp("browser") / "overview.html")


def _open(bp: Any, map_file: Path, *, hide: tuple[str, ...] = ()) -> Any:
    page = bp.page
    page.goto(map_file.as_uri())
    page.wait_for_function("window.RUIAN && RUIAN.map && Object.keys(RUIAN.layers).length > 0")
    for name in hide:
        page.evaluate("(n) => RUIAN.map.removeLayer(RUIAN.layers[n])", name)
    return page


def _screen_point(page: Any, layer: str, parcel_id: str) -> tuple[float, float]:
    return tuple(
        page.evaluate(
            """([layer, pid]) => {
                var hit = null;
                RUIAN.paths[layer].eachLayer(function (l) { if (l.feature.properties.id === pid) { hit = l; } });
                var p = RUIAN.map.latLngToContainerPoint(hit.getBounds().getCenter());
                var r = RUIAN.map.getContainer().getBoundingClientRect();
                return [p.x + r.left, p.y + r.top];
            }""",
            [layer, parcel_id],
        )
    )


def _hover_tooltip(page: Any, layer: str, parcel_id: str) -> str:
    x, y = _screen_point(page, layer, parcel_id)
    page.mouse.move(x, y)
    page.mouse.move(x + 2, y + 2)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(timeout=5000)
    return str(tip.inner_text())


def test_offline_page_loads_without_network_or_errors(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    page.wait_for_timeout(300)
    assert browser_page.blocked == []  # nothing even tried to leave the machine
    assert browser_page.console_errors == []
    assert browser_page.page_errors == []
    assert page.evaluate("typeof L") == "object" and page.evaluate("L.version") == "1.9.3"
    assert page.locator(".ruian-legend").inner_text().count("无数据") == 0  # 亩均税收 layer is off
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-control-measure").count() == 1
    assert page.locator(".leaflet-control-zoom-fullscreen").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"))


def test_page_decodes_its_data_like_the_python_reference(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    expected = read_map_data(map_file.read_text(encoding="utf-8"))
    got = page.evaluate(
        """() => { var out = {};
            Object.keys(RUIAN.data).forEach(function (k) {
                out[k] = RUIAN.data[k].map(function (f) {
                    var p = {};
                    f.properties.keys.forEach(function (key) {
                        if (f.properties[key] !== undefined) { p[key] = f.properties[key]; } });
                    var ring = f.g.ll[0][0].lat === undefined ? f.g.ll[0][0] : f.g.ll[0];
                    return {p: p, ring: ring.map(function (ll) { return [ll.lng, ll.lat]; })};
                });
            });
            return out; }"""
    )
    assert list(got) == list(expected)
    for key, feats in expected.items():
        assert [g["p"] for g in got[key]] == [f["properties"] for f in feats], key
        for g, f in zip(got[key], feats, strict=True):
            c = f["geometry"]["coordinates"]
            ring = c[0] if f["geometry"]["type"] == "Polygon" else c[0][0]
            np.testing.assert_allclose(g["ring"], ring[:-1], atol=1e-9, err_msg=key)  # closing implied


def test_legend_is_folded_on_a_laptop_screen_and_opens_on_click(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)  # 1280 px wide: the legend must not cover the east
    assert page.evaluate("document.querySelector('.ruian-legend details').open") is False
    folded = page.evaluate("document.querySelector('.ruian-legend').getBoundingClientRect().height")
    page.locator(".ruian-legend summary").click()
    assert page.evaluate("document.querySelector('.ruian-legend details').open") is True
    opened = page.evaluate("document.querySelector('.ruian-legend').getBoundingClientRect().height")
    assert folded < 40 < opened <= 0.45 * 900 + 20  # one line folded; at most 45 % of the height open


def test_search_by_parcel_code_zooms_to_it_and_opens_its_popup(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    page.evaluate("RUIAN.map.setZoom(13, {animate: false})")
    zoom_before = page.evaluate("RUIAN.map.getZoom()")
    page.locator(".leaflet-control-search input.search-input").press_sequentially(IDS[3], delay=20)
    tips = page.locator(".search-tip")
    tips.first.wait_for(timeout=5000)
    tips.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert IDS[3] in popup.inner_text()
    page.wait_for_timeout(400)
    assert page.evaluate("RUIAN.map.getZoom()") > zoom_before


def test_every_named_layer_toggles_with_its_legend(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    page.evaluate("document.querySelector('.ruian-legend details').open = true")
    labels = page.locator(".leaflet-control-layers-overlays label")
    texts = [t.strip() for t in labels.all_inner_texts()]
    expected = maps.layer_names((2021, 2022, 2023))
    assert texts == expected
    legend = (
        "(n) => { var s = document.querySelector('.ruian-legend section[data-layer=\"' + n + '\"]');"
        " return s !== null && s.offsetParent !== null; }"
    )
    for i, name in enumerate(expected):
        on = page.evaluate("(n) => RUIAN.map.hasLayer(RUIAN.layers[n])", name)
        assert page.evaluate(legend, name) is on, name
        labels.nth(i).locator("input").click()
        page.wait_for_timeout(20)
        assert page.evaluate("(n) => RUIAN.map.hasLayer(RUIAN.layers[n])", name) is (not on), name
        assert page.evaluate(legend, name) is (not on), name  # the legend follows its layer
        labels.nth(i).locator("input").click()
        page.wait_for_timeout(20)
        assert page.evaluate("(n) => RUIAN.map.hasLayer(RUIAN.layers[n])", name) is on, name
    tax = labels.nth(expected.index(maps.LAYER_TAX)).locator("input")
    tax.click()
    page.wait_for_timeout(20)
    text = page.locator(".ruian-legend").inner_text()
    assert "无数据" in text and "单位：万元/亩" in text
    assert browser_page.console_errors == [] and browser_page.page_errors == []


def test_hovering_a_parcel_shows_its_chinese_tooltip(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file, hide=(maps.LAYER_TWO_HIGH,))
    text = _hover_tooltip(page, maps.LAYER_CLASS, P0)
    for expected in (
        "宗地代码",
        P0,
        "企业名称",
        "瑞安市飞云汽配有限公司",
        "统一社会信用代码",
        "91330381MA2H000000",
        "亩均效益评价等级",
        "A类",
        "亩均税收(万元/亩)",
        "60.00",
        "园区名称",
        "塘下小微园",
        "—",  # 认定原因 missing
    ):
        assert expected in text, expected


def test_hovering_a_two_high_parcel_shows_the_firm_and_its_energy(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    text = _hover_tooltip(page, maps.LAYER_TWO_HIGH, IDS[2])
    for expected in ("瑞安市飞云汽配有限公司", "年综合能耗当量值(吨标准煤)", "1,235", "2019", "两高认定依据"):
        assert expected in text, expected
    assert "亩均税收4.00" not in text  # only the 两高 reasons


def test_search_finds_a_firm_by_name_and_by_code(browser_page: Any, map_file: Path) -> None:
    from playwright.sync_api import expect  # after the fixture: skipped cleanly without playwright

    page = _open(browser_page, map_file)
    page.evaluate("RUIAN.map.setZoom(14, {animate: false})")
    zoom_before = page.evaluate("RUIAN.map.getZoom()")
    box = page.locator(".leaflet-control-search input.search-input")
    tips = page.locator(".search-tip")
    box.press_sequentially("MA2H000006", delay=20)  # by 统一社会信用代码 (not its beginning)
    tips.first.wait_for(timeout=5000)
    assert tips.count() == 1 and "丁公司" in tips.first.inner_text()
    box.fill("")
    page.wait_for_timeout(500)
    page.keyboard.insert_text("飞云汽配")  # like an IME or a paste: an 'input' event, no keyup
    expect(tips.first).to_contain_text("瑞安市飞云汽配有限公司", timeout=5000)
    assert tips.count() == 1
    tips.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert P0 in popup.inner_text() and "A类" in popup.inner_text()
    page.wait_for_timeout(400)
    inside = page.evaluate(
        """(pid) => { var hit = false;
            RUIAN.paths['宗地: 亩均效益评价等级'].eachLayer(function (l) {
                if (l.feature.properties.id === pid) { hit = RUIAN.map.getBounds().intersects(l.getBounds()); }
            });
            return hit; }""",
        P0,
    )
    assert page.evaluate("RUIAN.map.getZoom()") > zoom_before  # zoomed to the 100 m parcel
    assert inside  # the map moved to the parcel found


def test_script_in_a_firm_name_shows_as_text(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file, hide=(maps.LAYER_SITES, maps.LAYER_SCREEN))
    text = _hover_tooltip(page, maps.LAYER_CLASS, P1)  # parcel 1 is in a site and flagged
    assert EVIL in text  # rendered as literal text …
    assert page.locator(".leaflet-tooltip script").count() == 0  # … not as an element
    page.locator(".leaflet-control-search input.search-input").press_sequentially("alert", delay=20)
    page.locator(".search-tip").first.wait_for(timeout=5000)
    assert EVIL in page.locator(".search-tip").first.inner_text()
    assert browser_page.dialogs == []


def test_measure_a_distance_and_go_full_screen(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    toggle = page.locator(".leaflet-control-measure-toggle").bounding_box()
    page.mouse.move(toggle["x"] + toggle["width"] / 2, toggle["y"] + toggle["height"] / 2)  # expands
    page.locator(".leaflet-control-measure .js-start").click()
    (x0, y0), (x1, y1) = (400.0, 450.0), (700.0, 450.0)
    page.mouse.click(x0, y0)
    page.wait_for_timeout(200)
    page.mouse.click(x1, y1)
    page.wait_for_timeout(200)
    metres = page.evaluate(
        """([a, b]) => { var r = RUIAN.map.getContainer().getBoundingClientRect();
            var p = function (q) { return RUIAN.map.containerPointToLatLng([q[0] - r.left, q[1] - r.top]); };
            return RUIAN.map.distance(p(a), p(b)); }""",
        [[x0, y0], [x1, y1]],
    )
    page.locator(".leaflet-control-measure .js-finish").click()
    result = page.locator(".leaflet-popup-content").first
    result.wait_for(timeout=5000)
    assert "距离测量" in result.inner_text()
    assert f"{round(metres):,} 米" in result.inner_text()  # 300 px at the fitted zoom
    page.locator(".leaflet-control-zoom-fullscreen").click()
    page.wait_for_timeout(200)
    assert page.evaluate("RUIAN.map._isFullscreen === true && document.fullscreenElement !== null")
    assert browser_page.console_errors == [] and browser_page.page_errors == []


def test_a_large_county_page_shows_the_aggregates_and_says_so(
    browser_page: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rules = load_rules().with_overrides({"maps.parcel_detail_max": 5})  # 8 parcels: above it
    m = maps.overview_map(**map_inputs(), rules=rules)
    path = maps.save_map(m, tmp_path_factory.mktemp("browser_agg") / "overview.html")
    page = _open(browser_page, path)
    page.wait_for_timeout(300)
    assert browser_page.console_errors == [] and browser_page.page_errors == []
    labels = [t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
    assert labels[2] == LAYER_AGGREGATE  # above the towns and control lines, under the parcels
    assert page.evaluate("(n) => RUIAN.map.hasLayer(RUIAN.layers[n])", LAYER_AGGREGATE)
    assert page.evaluate("RUIAN.data.aggregate.length") == 1
    assert page.evaluate("RUIAN.data.parcels.length") == 6  # only the flagged parcels
    page.evaluate("document.querySelector('.ruian-legend details').open = true")
    text = page.locator(".ruian-legend").inner_text()
    assert "按乡镇（街道）汇总宗地数、面积和亩均税收" in text and "涉及的 6 宗" in text
