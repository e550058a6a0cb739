"""The offline overview map in a real browser (Debian chromium via Playwright), network closed.

The page is opened from ``file://`` while every non-local request is aborted: it must load
with no console error and no attempt to reach the network, list every named layer in the
layer control and toggle it, show the Chinese tooltip of a hovered parcel, find a firm by
name and by code, and show a firm named ``<script>…`` as text. A screenshot goes to
``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_maps import EVIL, map_inputs

from ruian_land import maps

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
P0 = "330381101002GB00000"  # A firm, not flagged: its tooltip comes from the parcel layer
P1 = "330381101002GB00001"  # the firm called <script>…


@pytest.fixture(scope="module")
def map_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    m = maps.overview_map(**map_inputs())
    return maps.save_map(m, tmp_path_factory.mktemp("browser") / "overview.html")


def _open(bp: Any, map_file: Path) -> Any:
    page = bp.page
    page.goto(map_file.as_uri())
    page.wait_for_function("window.RUIAN && RUIAN.map && Object.keys(RUIAN.layers).length > 0")
    return page


def _parcel_screen_point(page: Any, parcel_id: str) -> tuple[float, float]:
    return tuple(
        page.evaluate(
            """(pid) => {
                var hit = null;
                RUIAN.layers['宗地: 亩均效益评价等级'].eachLayer(function (gj) {
                    gj.eachLayer(function (l) { if (l.feature.properties.id === pid) { hit = l; } });
                });
                var p = RUIAN.map.latLngToContainerPoint(hit.getBounds().getCenter());
                var r = RUIAN.map.getContainer().getBoundingClientRect();
                return [p.x + r.left, p.y + r.top];
            }""",
            parcel_id,
        )
    )


def test_offline_page_loads_without_network_or_errors(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    page.wait_for_timeout(300)
    assert browser_page.blocked == []  # nothing even tried to leave the machine
    assert browser_page.console_errors == []
    assert browser_page.page_errors == []
    assert page.evaluate("typeof L") == "object" and page.evaluate("L.version") == "1.9.3"
    assert page.locator(".ruian-legend").inner_text().count("无数据") == 1
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-control-measure").count() == 1
    assert page.locator(".leaflet-control-zoom-fullscreen").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"))


def test_every_named_layer_is_listed_and_toggles(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    labels = page.locator(".leaflet-control-layers-overlays label")
    texts = [t.strip() for t in labels.all_inner_texts()]
    expected = maps.layer_names((2021, 2022, 2023))
    assert texts == expected
    for i, name in enumerate(expected):
        on = page.evaluate("(n) => RUIAN.map.hasLayer(RUIAN.layers[n])", name)
        labels.nth(i).locator("input").click()
        assert page.evaluate("(n) => RUIAN.map.hasLayer(RUIAN.layers[n])", name) is (not on), name
        labels.nth(i).locator("input").click()
        assert page.evaluate("(n) => RUIAN.map.hasLayer(RUIAN.layers[n])", name) is on, name
    assert browser_page.console_errors == [] and browser_page.page_errors == []


def test_hovering_a_parcel_shows_its_chinese_tooltip(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    x, y = _parcel_screen_point(page, P0)
    page.mouse.move(x, y)
    page.mouse.move(x + 2, y + 2)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(timeout=5000)
    text = tip.inner_text()
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
    box.press("Control+A")
    box.press("Backspace")
    box.press_sequentially("飞云汽配", delay=20)
    expect(tips.first).to_contain_text("瑞安市飞云汽配有限公司", timeout=5000)
    assert tips.count() == 1
    tips.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert P0 in popup.inner_text() and "A类" in popup.inner_text()
    page.wait_for_timeout(400)
    inside = page.evaluate(
        """(pid) => { var hit = false;
            RUIAN.layers['宗地: 亩均效益评价等级'].eachLayer(function (gj) { gj.eachLayer(function (l) {
                if (l.feature.properties.id === pid) { hit = RUIAN.map.getBounds().intersects(l.getBounds()); }
            }); });
            return hit; }""",
        P0,
    )
    assert page.evaluate("RUIAN.map.getZoom()") > zoom_before  # zoomed to the 100 m parcel
    assert inside  # the map moved to the parcel found


def test_script_in_a_firm_name_shows_as_text(browser_page: Any, map_file: Path) -> None:
    page = _open(browser_page, map_file)
    for name in (maps.LAYER_SITES, maps.LAYER_SCREEN):  # parcel 1 is in a site and flagged
        page.evaluate("(n) => RUIAN.map.removeLayer(RUIAN.layers[n])", name)
    x, y = _parcel_screen_point(page, P1)
    page.mouse.move(x, y)
    page.mouse.move(x + 2, y + 2)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(timeout=5000)
    assert EVIL in tip.inner_text()  # rendered as literal text …
    assert page.locator(".leaflet-tooltip script").count() == 0  # … not as an element
    page.locator(".leaflet-control-search input.search-input").press_sequentially("alert", delay=20)
    page.locator(".search-tip").first.wait_for(timeout=5000)
    assert EVIL in page.locator(".search-tip").first.inner_text()
    assert browser_page.dialogs == []
