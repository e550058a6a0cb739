"""小微企业园 candidate sites and control-line shares, checked against hand-computed figures.

Coordinates are EPSG:4549 metres near Tangxia (塘下镇). 1 亩 = 10000/15 m², so a
100 m × 100 m square is exactly 15 亩 and 200 m × 150 m is 45 亩.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from ruian_land import parks
from ruian_land.control_lines import control_line_overlay, inside_share
from ruian_land.errors import InputWarning
from ruian_land.rules import load_rules

X0, Y0 = 570_000.0, 3_083_000.0


def _parcels(geoms: list, ids: list[str] | None = None) -> gpd.GeoDataFrame:
    ids = ids or [f"P{i}" for i in range(len(geoms))]
    gdf = gpd.GeoDataFrame({"parcel_id": ids, "town": "塘下镇"}, geometry=geoms, crs="EPSG:4549")
    gdf["area_mu"] = gdf.area * 15 / 10_000
    return gdf


def _lines(*geoms: Polygon) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"L{i}" for i in range(len(geoms))]}, geometry=list(geoms), crs="EPSG:4549"
    )


def _row_of_three(road_m: float = 6.0) -> gpd.GeoDataFrame:
    """Three 100 m squares in a row, separated by roads ``road_m`` wide."""
    step = 100 + road_m
    return _parcels([box(X0 + i * step, Y0, X0 + i * step + 100, Y0 + 100) for i in range(3)])


BIG_LINE = box(X0 - 1_000, Y0 - 1_000, X0 + 5_000, Y0 + 5_000)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


# --- control lines -------------------------------------------------------------------------


def test_inside_share_is_area_weighted_not_centroid() -> None:
    p = _parcels(
        [
            box(X0, Y0, X0 + 200, Y0 + 100),  # half inside (line ends at x = X0 + 100)
            box(X0 + 20, Y0, X0 + 60, Y0 + 100),  # wholly inside
            box(X0 + 500, Y0, X0 + 600, Y0 + 100),  # outside
            box(X0 - 60, Y0, X0 + 40, Y0 + 100),  # 40 % inside although centroid (X0-10) is outside
        ]
    )
    line = _lines(box(X0, Y0 - 50, X0 + 100, Y0 + 200))
    share = inside_share(p, line)
    assert share.index.equals(p.index)
    np.testing.assert_allclose(share.to_numpy(), [0.5, 1.0, 0.0, 0.4], atol=1e-9)


def test_overlapping_lines_are_unioned_and_missing_geometry_is_nan() -> None:
    p = _parcels([box(X0, Y0, X0 + 100, Y0 + 100), None])
    two = _lines(box(X0 - 10, Y0 - 10, X0 + 110, Y0 + 110), box(X0 - 20, Y0 - 20, X0 + 120, Y0 + 120))
    share = inside_share(p, two)
    assert share.iloc[0] == pytest.approx(1.0, abs=1e-12)  # not 2.0
    assert math.isnan(share.iloc[1])


def test_slivers_are_snapped_and_reported(rules) -> None:
    # 0.5 m² outside (0.005 m × 100 m) is below control_line.sliver_area_m2 = 1 m²: all inside.
    p = _parcels([box(X0, Y0, X0 + 100.005, Y0 + 100), box(X0 + 99.99, Y0 + 200, X0 + 120, Y0 + 300)])
    line = _lines(box(X0 - 5, Y0 - 5, X0 + 100, Y0 + 400))
    assert rules.value("control_line.sliver_area_m2") == 1.0
    ov = control_line_overlay(p, line, rules=rules)
    assert ov["inside_share"].iloc[0] == 1.0
    # second parcel: 0.01 m × 100 m = 1 m² inside is not below 1 m²: kept as a real piece
    assert ov["inside_area_m2"].iloc[1] == pytest.approx(1.0, abs=0.02)
    assert ov["sliver"].tolist() == [True, False]
    assert inside_share(p, line).attrs["slivers"] == [p.index[0]]


# --- merging -------------------------------------------------------------------------------


def test_road_of_6m_merges_with_gap_10_not_2(rules) -> None:
    p = _row_of_three(6.0)
    ids = list(p["parcel_id"])
    wide = parks.candidate_sites(
        p, ids, _lines(BIG_LINE), rules.with_overrides({"parks.adjacency_gap_m": 10})
    )
    assert len(wide) == 1
    assert wide["parcel_count"].iloc[0] == 3
    assert wide["parcel_ids"].iloc[0] == "P0;P1;P2"
    assert wide["area_mu"].iloc[0] == pytest.approx(45.0, rel=1e-12)  # 3 × 15 亩
    narrow = parks.candidate_sites(
        p, ids, _lines(BIG_LINE), rules.with_overrides({"parks.adjacency_gap_m": 2}), keep_all=True
    )
    assert len(narrow) == 3
    assert narrow["parcel_count"].tolist() == [1, 1, 1]
    assert not narrow["qualifies"].any()  # 15 亩 each < parks.min_site_area_mu = 30


def test_compactness_is_polsby_popper_of_the_closed_site(rules) -> None:
    sites = parks.candidate_sites(
        _row_of_three(6.0),
        ["P0", "P1", "P2"],
        _lines(BIG_LINE),
        rules.with_overrides({"parks.adjacency_gap_m": 10}),
    )
    # roads closed: one 312 m × 100 m rectangle, A = 31 200 m², P = 824 m
    assert sites["compactness"].iloc[0] == pytest.approx(4 * math.pi * 31_200 / 824**2, rel=1e-6)


def test_site_straddling_the_line_counts_only_its_inside_part(rules) -> None:
    p = _parcels([box(X0, Y0, X0 + 200, Y0 + 150)])  # 30 000 m² = 45 亩
    line = _lines(box(X0 - 50, Y0 - 50, X0 + 150, Y0 + 200))  # covers 150 m × 150 m of it
    s = parks.candidate_sites(p, ["P0"], line, rules, vacant_ids=["P0"])
    assert len(s) == 1
    row = s.iloc[0]
    assert row["area_mu"] == pytest.approx(45.0)
    assert row["inside_share"] == pytest.approx(0.75)
    assert row["area_inside_mu"] == pytest.approx(33.75)  # 22 500 m²
    assert row["capacity_floor_m2"] == pytest.approx(45_000.0)  # planned_far 2.0 × 22 500 m²
    assert row["capacity_firms"] == 45  # 45 000 / 1000 m² per firm
    assert row["jobs"] == 540  # 45 × 12 per 1000 m²
    assert row["expected_tax_wan"] == pytest.approx(405.0)  # 12 万元/亩 × 33.75 亩
    assert "控制线内33.8亩（75%）" in row["explanation"]
    # a line covering half of it: 22.5 亩 usable < 30 亩, though the whole parcel is 45 亩
    half = _lines(box(X0 - 50, Y0 - 50, X0 + 100, Y0 + 200))
    assert parks.candidate_sites(p, ["P0"], half, rules).empty
    kept = parks.candidate_sites(p, ["P0"], half, rules, keep_all=True)
    assert kept["area_inside_mu"].iloc[0] == pytest.approx(22.5)
    assert "未入选" in kept["explanation"].iloc[0]
    # 40 % inside fails parks.min_inside_control_line = 0.5 as well
    low = _lines(box(X0 - 50, Y0 - 50, X0 + 80, Y0 + 200))
    row = parks.candidate_sites(p, ["P0"], low, rules, keep_all=True).iloc[0]
    assert row["inside_share"] == pytest.approx(0.4)
    assert not row["qualifies"]
    assert pd.isna(row["rank"])


def test_min_area_filter_at_the_threshold(rules) -> None:
    assert rules.value("parks.min_site_area_mu") == 30
    exactly = _parcels([box(X0, Y0, X0 + 200, Y0 + 100)])  # 20 000 m² = 30 亩
    below = _parcels([box(X0, Y0, X0 + 200, Y0 + 99.9)])  # 19 980 m² = 29.97 亩
    assert len(parks.candidate_sites(exactly, ["P0"], _lines(BIG_LINE), rules)) == 1
    assert parks.candidate_sites(below, ["P0"], _lines(BIG_LINE), rules).empty


def test_site_areas_add_up_to_their_parcels(rules) -> None:
    rng = np.random.default_rng(7)
    geoms = []
    for i in range(6):
        for j in range(5):
            x, y = X0 + i * 95, Y0 + j * 95
            jitter = rng.uniform(-3, 3, size=8)
            geoms.append(
                Polygon(
                    [
                        (x, y),
                        (x + 45, y + jitter[0]),
                        (x + 90, y),
                        (x + 90 + jitter[1], y + 45),
                        (x + 90, y + 90),
                        (x + 45, y + 90 + jitter[2]),
                        (x, y + 90),
                        (x + jitter[3], y + 45),
                    ]
                )
            )
    p = _parcels(geoms)
    ids = [*p["parcel_id"].iloc[::2], "P1", "P3"]
    sites = parks.candidate_sites(p, ids, _lines(BIG_LINE), rules, keep_all=True)
    chosen = p[p["parcel_id"].isin(ids)]
    assert sites["area_mu"].sum() == pytest.approx(chosen["area_mu"].sum(), rel=1e-9)
    assert sites["parcel_count"].sum() == len(chosen)
    listed = sorted(i for s in sites["parcel_ids"] for i in s.split(";"))
    assert listed == sorted(chosen["parcel_id"])
    assert sites.crs.to_epsg() == 4549


def test_island_in_a_hole_and_isolated_parcel(rules) -> None:
    donut = Polygon(
        [(X0, Y0), (X0 + 300, Y0), (X0 + 300, Y0 + 300), (X0, Y0 + 300)],
        [[(X0 + 100, Y0 + 100), (X0 + 200, Y0 + 100), (X0 + 200, Y0 + 200), (X0 + 100, Y0 + 200)]],
    )
    island = box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200)
    far = box(X0 + 3_000, Y0, X0 + 3_250, Y0 + 200)  # 50 000 m² = 75 亩, alone
    p = _parcels([donut, island, far])
    s = parks.candidate_sites(p, ["P0", "P1", "P2"], _lines(BIG_LINE), rules)
    assert sorted(s["parcel_ids"]) == ["P0;P1", "P2"]
    merged = s.set_index("parcel_ids").loc["P0;P1"]
    assert merged["area_mu"] == pytest.approx(135.0)  # (90 000 − 10 000 + 10 000) m²
    assert merged["compactness"] == pytest.approx(math.pi / 4, rel=1e-6)  # a full 300 m square
    assert s.set_index("parcel_ids").loc["P2", "area_mu"] == pytest.approx(75.0)


def test_score_and_rank_by_hand(rules) -> None:
    a = box(X0, Y0, X0 + 200, Y0 + 200)  # 60 亩, vacant, square
    row = [box(X0 + 1_000 + i * 106, Y0, X0 + 1_100 + i * 106, Y0 + 100) for i in range(3)]  # 45 亩
    p = _parcels([a, *row])
    r = rules.with_overrides({"parks.adjacency_gap_m": 10})
    s = parks.candidate_sites(p, list(p["parcel_id"]), _lines(BIG_LINE), r, vacant_ids=["P0"])
    w = rules.value("parks.score_weights")
    assert w == {"area": 0.35, "vacant_share": 0.25, "compactness": 0.2, "inside_line": 0.2}
    assert rules.value("parks.score_area_full_mu") == 100  # area score = min(1, 亩 / 100)
    score_a = 100 * (0.35 * 0.60 + 0.25 * 1.0 + 0.2 * (math.pi / 4) + 0.2 * 1.0)
    score_b = 100 * (0.35 * 0.45 + 0.25 * 0.0 + 0.2 * (4 * math.pi * 31_200 / 824**2) + 0.2 * 1.0)
    assert s["parcel_ids"].tolist() == ["P0", "P1;P2;P3"]
    assert s["rank"].tolist() == [1, 2]
    np.testing.assert_allclose(s["score"], [score_a, score_b], rtol=1e-6)
    assert s["vacant_share"].tolist() == [1.0, 0.0]
    assert "排名第1" in s["explanation"].iloc[0]
    assert "0.35×面积0.60" in s["explanation"].iloc[0]
    # the area score saturates: a 300 亩 site scores 1 on area, not more
    big = parks.candidate_sites(_parcels([box(X0, Y0, X0 + 400, Y0 + 500)]), ["P0"], _lines(BIG_LINE), rules)
    assert big["score"].iloc[0] == pytest.approx(100 * (0.35 + 0.2 * 4 * math.pi * 200_000 / 1800**2 + 0.2))


def test_empty_and_unknown_inputs(rules) -> None:
    p = _row_of_three()
    empty = parks.candidate_sites(p, [], _lines(BIG_LINE), rules)
    assert list(empty.columns) == parks.SITE_COLUMNS
    assert empty.empty and empty.crs.to_epsg() == 4549
    with pytest.warns(InputWarning, match="not in the parcels layer"):
        s = parks.candidate_sites(p, ["NOPE"], _lines(BIG_LINE), rules)
    assert s.empty
    with pytest.warns(InputWarning, match="控制线"):
        s = parks.candidate_sites(
            p, ["P0", "P1", "P2"], None, rules.with_overrides({"parks.adjacency_gap_m": 10})
        )
    assert len(s) == 1 and math.isnan(s["inside_share"].iloc[0])
    assert s["area_inside_mu"].iloc[0] == pytest.approx(45.0)


def test_plan_shortfall_against_5_to_6_parks(rules) -> None:
    p = _parcels([box(X0 + i * 1_000, Y0, X0 + i * 1_000 + 200, Y0 + 200) for i in range(2)])
    s = parks.candidate_sites(p, ["P0", "P1"], _lines(BIG_LINE), rules)
    out = parks.plan_shortfall(s, rules)
    assert (out["target_3star_min"], out["target_3star_max"]) == (5, 6)
    assert out["qualifying_sites"] == 2
    assert out["shortfall"] == 3 and out["meets_target"] is False
    assert out["qualifying_area_mu"] == pytest.approx(120.0)
    assert "缺口3处" in out["message_zh"]
    many = pd.concat([s] * 3, ignore_index=True)
    assert parks.plan_shortfall(many, rules)["shortfall"] == 0
