"""The overview map of a large county (issue 15 item 6): above ``maps.parcel_detail_max`` parcels
it sums parcels up by town or hexagon and draws only the flagged parcels, and says so."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import shapely
from test_maps import IDS, map_inputs

from ruian_land.maps import overview as maps
from ruian_land.maps import read_map_data
from ruian_land.maps.aggregate import LAYER_AGGREGATE, flagged_parcels, hexagon_cells
from ruian_land.rules import load_rules


def _page(inputs: dict[str, Any], **overrides: Any) -> tuple[Any, str, dict[str, list[dict[str, Any]]]]:
    rules = load_rules().with_overrides(overrides) if overrides else load_rules()
    m = maps.overview_map(**inputs, rules=rules)
    with warnings.catch_warnings():
        warnings.simplefilter("error", maps.MapSizeWarning)  # within the byte budget
        html = maps.map_html(m)
    return m, html, read_map_data(html)


def test_below_the_threshold_every_parcel_is_drawn_and_no_aggregate() -> None:
    _, html, data = _page(map_inputs())
    assert "aggregate" not in data and LAYER_AGGREGATE not in html
    assert len(data["parcels"]) == 7  # 8 parcels, one without geometry


def test_town_aggregate_by_hand_and_only_flagged_parcels_drawn() -> None:
    m, html, data = _page(map_inputs(), **{"maps.parcel_detail_max": 5})
    # flagged: low 1, 4, 6; idle 3; scenario firms on 1, 4, 6 and freed 1, 3, 6; 两高 firm on 0, 2
    assert sorted(f["properties"]["id"] for f in data["parcels"]) == [IDS[i] for i in (0, 1, 2, 3, 4, 6)]
    (town,) = [f["properties"] for f in data["aggregate"]]
    # 7 parcels with geometry × 15 亩; tax per 亩 over the 6 with tax data: 15 × (60+2+10+4+0+1.33) / 90
    assert town == {"n": "塘下镇", "c": "7", "a": "105.00", "t": "12.89", "fl": "6", "tk": "t2"}
    note = "宗地 8 宗，超过 5 宗：总览按乡镇（街道）汇总宗地数、面积和亩均税收，仅逐宗绘出低效用地、闲置土地、腾退方案和两高企业涉及的 6 宗"
    assert note in html  # the aggregate layer's legend and the page's note
    assert f'"{LAYER_AGGREGATE}"' in html
    assert m.ruian_stats["parcels"] == 6 and m.ruian_stats["parcels_total"] == 8


def test_hexagons_hold_their_points_and_sum_to_every_parcel() -> None:
    rng = np.random.default_rng(7)
    points = shapely.points(rng.uniform(0, 5000, 400), rng.uniform(0, 5000, 400))
    cell, hexagons = hexagon_cells(points, 300.0)
    assert len(cell) == 400 and cell.max() == len(hexagons) - 1
    assert shapely.covers(hexagons[cell], points).all()  # each point in its own hexagon
    assert np.allclose(shapely.area(hexagons), 3 * math.sqrt(3) / 2 * 300.0**2)
    overlap = shapely.area(shapely.intersection(hexagons[0], hexagons[1:]))
    assert (overlap < 1e-6).all()  # a tiling: neighbours share only edges
    _, _, data = _page(map_inputs(), **{"maps.parcel_detail_max": 5, "maps.aggregate_by": "hex"})
    assert sum(int(f["properties"]["c"]) for f in data["aggregate"]) == 7
    assert data["aggregate"][0]["properties"]["n"].startswith("六边形")


def test_hex_when_there_is_no_towns_layer() -> None:
    inputs = {**map_inputs(), "towns": None}
    _, html, data = _page(inputs, **{"maps.parcel_detail_max": 5})
    assert "按六边形（边长 1000 米）汇总" in html
    assert sum(int(f["properties"]["c"]) for f in data["aggregate"]) == 7


def test_flagged_parcels_without_a_scenario() -> None:
    inputs = map_inputs()
    attrs = maps.parcel_attributes(inputs["parcels"], screening=inputs["screening"])
    assert flagged_parcels(attrs).tolist() == [False, True, False, True, True, False, True, False]


def test_the_sample_county_with_a_lowered_threshold(sample_run: tuple[Any, Any]) -> None:
    result, _ = sample_run
    args = {
        "firms": result.firms,
        "links": result.occupancy.links,
        "screening": result.screening.parcels,
        "screening_firms": result.screening.firms,
        "selection": result.scenario.selection,
        "freed_parcels": result.scenario.freed_parcels,
        "control_lines": result.control_lines,
        "sites": result.sites,
        "towns": result.towns,
    }
    full = maps.map_html(maps.overview_map(result.parcels, **args, rules=result.rules))
    rules = result.rules.with_overrides({"maps.parcel_detail_max": 1000})
    m = maps.overview_map(result.parcels, **args, rules=rules)
    small = maps.map_html(m)
    before, after = read_map_data(full), read_map_data(small)
    assert "aggregate" not in before and len(after["aggregate"]) >= 2  # several towns
    n_towns = sum(int(f["properties"]["c"]) for f in after["aggregate"])
    assert n_towns <= len(result.parcels) and n_towns > 0.9 * len(result.parcels)
    p = result.screening.parcels
    assert len(after["parcels"]) < len(before["parcels"])
    assert len(after["parcels"]) >= int((p["is_low_efficiency"] | p["is_idle"]).sum())
    assert len(small.encode()) < len(full.encode())
    assert len(small.encode()) <= maps.size_budget(m)
    assert "超过 1000 宗" in small
