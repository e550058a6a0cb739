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
import shapely
from scipy.sparse import coo_matrix
from shapely.geometry import Polygon, box

from ruian_land import parks
from ruian_land.core import InputError, InputWarning
from ruian_land.parks import plan_shortlist, split_components
from ruian_land.parks import split as split_module
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


# --- splitting large or sprawling areas ----------------------------------------------------


def _row(n: int, width: float = 100.0, height: float = 100.0, road: float = 6.0) -> gpd.GeoDataFrame:
    step = width + road
    return _parcels([box(X0 + i * step, Y0, X0 + i * step + width, Y0 + height) for i in range(n)])


def test_large_component_is_split_into_park_sized_sites(rules) -> None:
    # 12 squares of 15 亩 in a row (180 亩) with max 60 亩: k = 3 cuts of 4 parcels each.
    p = _row(12)
    r = rules.with_overrides({"parks.adjacency_gap_m": 10, "parks.max_site_area_mu": 60})
    s = parks.candidate_sites(p, list(p["parcel_id"]), _lines(BIG_LINE), r, keep_all=True)
    assert sorted(s["parcel_ids"]) == [
        "P0;P1;P2;P3",
        "P10;P11;P8;P9",
        "P4;P5;P6;P7",
    ]
    np.testing.assert_allclose(s["area_mu"], [60.0, 60.0, 60.0])
    assert s["component_id"].nunique() == 1  # all cut from one merged area
    # each piece: 4 squares + 3 closed roads = 418 m × 100 m
    np.testing.assert_allclose(s["compactness"], 4 * math.pi * 41_800 / 1_036**2, rtol=1e-6)
    assert "拆成3处" in s["explanation"].iloc[0]
    # without a cap and a compactness floor it stays one 180 亩 chain (1266 m × 100 m)
    whole = parks.candidate_sites(
        p,
        list(p["parcel_id"]),
        _lines(BIG_LINE),
        r.with_overrides({"parks.max_site_area_mu": 1_000, "parks.min_compactness": 0.0}),
    )
    assert len(whole) == 1 and whole["area_mu"].iloc[0] == pytest.approx(180.0)
    assert whole["compactness"].iloc[0] == pytest.approx(4 * math.pi * 126_600 / 2_732**2, rel=1e-6)
    # a parcel is never cut: one 90 亩 parcel above the 60 亩 cap stays one site, and says so
    big = parks.candidate_sites(_parcels([box(X0, Y0, X0 + 300, Y0 + 200)]), ["P0"], _lines(BIG_LINE), r)
    assert len(big) == 1 and big["area_mu"].iloc[0] == pytest.approx(90.0)
    assert "单宗地面积超过园区上限60亩" in big["explanation"].iloc[0]


def test_sprawling_strip_is_halved_and_sprawl_fails(rules) -> None:
    # ten 100 m × 60 m parcels (9 亩) in a row: 90 亩 under the 300 亩 cap, but a 1054 m × 60 m
    # strip has compactness 4π·63 240 / 2 228² = 0.160 < parks.min_compactness = 0.25.
    assert rules.value("parks.min_compactness") == 0.25
    p = _row(10, height=60.0)
    r = rules.with_overrides({"parks.adjacency_gap_m": 10})
    s = parks.candidate_sites(p, list(p["parcel_id"]), _lines(BIG_LINE), r)
    assert sorted(s["parcel_ids"]) == ["P0;P1;P2;P3;P4", "P5;P6;P7;P8;P9"]
    np.testing.assert_allclose(s["area_mu"], [45.0, 45.0])
    # each half is 524 m × 60 m: 4π·31 440 / 1 168² = 0.290
    np.testing.assert_allclose(s["compactness"], 4 * math.pi * 31_440 / 1_168**2, rtol=1e-6)
    # too small to halve (< 2 × 30 亩) and sprawling: kept whole but not qualifying
    thin = _row(6, height=50.0)  # 45 亩, 630 m × 50 m strip: 4π·31 500 / 1 360² = 0.214
    t = parks.candidate_sites(thin, list(thin["parcel_id"]), _lines(BIG_LINE), r, keep_all=True)
    assert len(t) == 1 and not t["qualifies"].iloc[0]
    assert t["compactness"].iloc[0] == pytest.approx(4 * math.pi * 31_500 / 1_360**2, rel=1e-6)
    assert "紧凑度0.21 < 0.25" in t["explanation"].iloc[0]


def test_split_components_returns_fragments_to_a_neighbour() -> None:
    # Graph-level: A–B–C–D in a row (3 each) and a small S (0.5) placed between A and B but
    # adjacent only to C. The cut at half the area leaves S alone on the A side; it rejoins C–D.
    x = np.array([0.0, 1.0, 2.0, 3.0, 0.5])  # A B C D S
    xy = np.column_stack([x, np.zeros(5)])
    area = np.array([3.0, 3.0, 3.0, 3.0, 0.5])
    edges = [(0, 1), (1, 2), (2, 3), (4, 2)]
    rows = [i for a, b in edges for i in (a, b)] + list(range(5))
    cols = [i for a, b in edges for i in (b, a)] + list(range(5))
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(5, 5)).tocsr()
    labels = np.zeros(5, dtype=int)
    kw = {"min_compactness": 0.0, "min_area_m2": 2.0}
    out = split_components(
        labels, graph, xy, area, lambda groups: np.ones(len(groups)), max_area_m2=7.0, **kw
    )
    assert out.tolist() == [0, 0, 1, 1, 1]  # {A, B}, {C, D, S}
    # when joining would exceed the cap (6 + 0.5 > 6.4), the fragment stays a piece of its own
    out = split_components(
        labels, graph, xy, area, lambda groups: np.ones(len(groups)), max_area_m2=6.4, **kw
    )
    assert out.tolist() == [0, 0, 1, 1, 2]
    # every parcel in exactly one piece, and labels are 0..m-1
    assert sorted(set(out.tolist())) == list(range(out.max() + 1))


def test_splitting_keeps_every_parcel_once_and_totals(rules) -> None:
    rng = np.random.default_rng(11)
    geoms = []
    for i in range(14):
        for j in range(6):
            w, h = rng.uniform(60, 110, size=2)
            geoms.append(box(X0 + i * 120, Y0 + j * 120, X0 + i * 120 + w, Y0 + j * 120 + h))
    p = _parcels(geoms)
    ids = list(p["parcel_id"])
    r = rules.with_overrides({"parks.adjacency_gap_m": 60, "parks.max_site_area_mu": 80})
    s = parks.candidate_sites(p, ids, _lines(BIG_LINE), r, keep_all=True)
    listed = [i for x in s["parcel_ids"] for i in x.split(";")]
    assert sorted(listed) == sorted(ids)  # each parcel exactly once
    assert s["area_mu"].sum() == pytest.approx(p["area_mu"].sum(), rel=1e-9)
    assert s["parcel_count"].sum() == len(p)
    assert s["component_id"].nunique() == 1  # one merged 14 × 6 block …
    assert len(s) >= math.ceil(p["area_mu"].sum() / 80)  # … cut into at least ceil(total / 80) sites
    multi = s[s["parcel_count"] > 1]
    assert (multi["area_mu"] <= 80 + 1e-9).all()


# --- constraints, capacity, stars and the shortlist ------------------------------------------


def test_slope_raster_constraint(tmp_path, rules) -> None:
    import rasterio
    from rasterio.transform import Affine

    # 10 m cells over 600 m × 300 m: slope 20 % on the western half, 4 % on the eastern half
    data = np.where(np.arange(60)[None, :] < 30, 20.0, 4.0).repeat(30, axis=0).astype("float32")
    path = tmp_path / "slope.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=30,
        width=60,
        count=1,
        dtype="float32",
        crs="EPSG:4549",
        transform=Affine(10.0, 0.0, X0, 0.0, -10.0, Y0 + 300),
        nodata=-9999,
    ) as dst:
        dst.write(data, 1)
    p = _parcels([box(X0 + 50, Y0 + 50, X0 + 250, Y0 + 250), box(X0 + 350, Y0 + 50, X0 + 550, Y0 + 250)])
    s = parks.candidate_sites(
        p, ["P0", "P1"], _lines(BIG_LINE), rules, rasters={"slope_pct": path}, keep_all=True
    )
    s = s.set_index("parcel_ids")
    assert rules.value("parks.raster_max_mean")["slope_pct"] == 10
    assert s.loc["P0", "slope_pct_mean"] == pytest.approx(20.0)
    assert s.loc["P1", "slope_pct_mean"] == pytest.approx(4.0)
    assert s["qualifies"].to_dict() == {"P0": False, "P1": True}
    assert "slope_pct均值20.00 > 10" in s.loc["P0", "explanation"]
    with pytest.raises(InputError, match=r"parks\.raster_max_mean"):
        parks.candidate_sites(p, ["P0"], _lines(BIG_LINE), rules, rasters={"dem_m": path})


def test_capacity_rent_and_star_potential_by_hand(rules) -> None:
    # 45 亩 parcel, 75 % inside the line: 33.75 亩 usable, 22 500 m²
    p = _parcels([box(X0, Y0, X0 + 200, Y0 + 150)])
    line = _lines(box(X0 - 50, Y0 - 50, X0 + 150, Y0 + 200))
    row = parks.candidate_sites(p, ["P0"], line, rules).iloc[0]
    assert row["capacity_floor_m2"] == pytest.approx(45_000.0)  # FAR 2.0
    assert rules.value("parks.rent_cap_yuan_m2_month") == 25
    assert row["rent_wan"] == pytest.approx(1_350.0)  # 45 000 m² × 25 元 × 12 月 / 10 000
    # 33.75 亩 ≥ 30 and 45 000 m² ≥ 40 000 m²: 3 stars; < 50 亩 and < 80 000 m²: not 4
    assert row["potential_stars"] == 3
    assert "推定可达3星级候选条件" in row["explanation"] and "星级数值门槛未见公开文件" in row["explanation"]
    # 60 亩 at FAR 2.0 → 80 000 m²: exactly the 4-star floor area; at FAR 1.8 → 72 000 m², 3 stars
    sq = _parcels([box(X0, Y0, X0 + 200, Y0 + 200)])
    assert parks.candidate_sites(sq, ["P0"], _lines(BIG_LINE), rules)["potential_stars"].iloc[0] == 4
    low = rules.with_overrides({"parks.planned_far": 1.8})
    assert parks.candidate_sites(sq, ["P0"], _lines(BIG_LINE), low)["potential_stars"].iloc[0] == 3
    with pytest.raises(InputError, match="far_range"):
        parks.candidate_sites(sq, ["P0"], _lines(BIG_LINE), rules.with_overrides({"parks.planned_far": 3.5}))


def test_shortlist_swaps_in_four_star_sites() -> None:
    rules = load_rules()
    sites = pd.DataFrame(
        {
            "qualifies": [True] * 9,
            "rank": pd.array([1, 2, 3, 4, 5, 6, 7, 8, 9], dtype="Int64"),
            "potential_stars": [3, 4, 3, 3, 3, 3, 4, 3, 4],
        },
        index=[f"S{i}" for i in range(9)],
    )
    why = plan_shortlist(sites, rules)
    # top 6 by rank hold one 4-star site; the target of 3 swaps out ranks 6 and 5 for 7 and 9
    assert why.dropna().to_dict() == {
        "S0": "rank",
        "S1": "rank",
        "S2": "rank",
        "S3": "rank",
        "S6": "4star",
        "S8": "4star",
    }
    sites["shortlisted"] = why.notna()
    out = parks.plan_shortfall(sites, rules)
    assert (out["shortlisted"], out["shortlisted_3star"], out["shortlisted_4star"]) == (6, 6, 3)
    assert out["meets_target"] is True


def test_shortfall_when_land_does_not_allow(rules) -> None:
    p = _parcels([box(X0, Y0, X0 + 200, Y0 + 150), box(X0 + 1_000, Y0, X0 + 1_200, Y0 + 150)])  # 45 亩 each
    s = parks.candidate_sites(p, ["P0", "P1"], _lines(BIG_LINE), rules)
    assert s["potential_stars"].tolist() == [3, 3] and s["shortlisted"].all()
    out = parks.plan_shortfall(s, rules)
    assert (out["shortfall"], out["shortfall_4star"]) == (3, 2)
    assert "三星级以上缺口3处" in out["message_zh"] and "四星级以上缺口2处" in out["message_zh"]
    assert out["meets_target"] is False


def test_site_sheet_lists_parcels_firms_and_adds_up(tmp_path, rules) -> None:
    from openpyxl import load_workbook

    from ruian_land.export import writers as export

    p = _row(3)
    s = parks.candidate_sites(
        p, ["P0", "P1", "P2"], _lines(BIG_LINE), rules.with_overrides({"parks.adjacency_gap_m": 10})
    )
    links = pd.DataFrame(
        {"uscc": ["U1", "U2", "U3"], "parcel_id": ["P1", "P1", "P2"], "land_area_mu": [5.0, 10.0, 15.0]}
    )
    firms = pd.DataFrame(
        {"uscc": ["U1", "U2", "U3"], "name": ["甲厂", "乙厂", "丙厂"], "eval_class": ["C", "D", "B"]}
    )
    sheet = export.site_sheet(
        s, p, links, firms, parcel_info=pd.DataFrame({"parcel_id": ["P0"], "is_idle": [True]})
    )
    assert sheet["parcel_id"].tolist() == ["P0", "P1", "P2"]
    assert sheet["site_id"].unique().tolist() == [s["site_id"].iloc[0]]
    assert sheet["parcel_area_mu"].sum() == pytest.approx(sheet["site_area_mu"].iloc[0])  # 45 亩
    assert sheet["occupant_names"].tolist()[1:] == ["乙厂;甲厂", "丙厂"]  # largest land first
    assert sheet["occupant_count"].tolist() == [0, 2, 1]
    assert sheet["main_class"].tolist()[1:] == ["D", "B"]
    assert sheet["capacity_floor_m2"].iloc[0] == pytest.approx(2.0 * 30_000)
    paths = export.write_exports(p, tmp_path, sites=s, site_parcels=sheet, formats=("xlsx",))
    wb = load_workbook(paths["xlsx"])
    assert "园区宗地明细" in wb.sheetnames
    header = [c.value for c in wb["园区宗地明细"][1]]
    assert {"候选园区编号", "宗地代码", "宗地面积(亩)", "使用企业", "得分", "可建建筑面积(平方米)"} <= set(
        header
    )
    assert wb["园区宗地明细"].max_row == 4


def test_members_are_the_positions_of_each_label() -> None:
    labels = np.array([3, 1, 3, 0, 1, 3, 5])
    want = [np.flatnonzero(labels == v) for v in np.unique(labels)]  # [3], [1, 4], [0, 2, 5], [6]
    got = split_module.label_members(labels)
    assert [g.tolist() for g in got] == [w.tolist() for w in want] == [[3], [1, 4], [0, 2, 5], [6]]
    padded = split_module.label_members(labels, minlength=7)  # one entry per label 0..6, empty ones too
    assert [g.tolist() for g in padded] == [[3], [1, 4], [], [0, 2, 5], [], [6], []]


def test_union_groups_equal_one_union_per_group_also_in_threads() -> None:
    # 10 001 groups (above PARALLEL_MIN_ITEMS: split over threads) of two touching 10 m squares
    # and one group of a single square: each union is the 20 m × 10 m rectangle / the square.
    n = 10_001
    x = np.arange(n) * 100.0
    geoms = np.concatenate(
        [shapely.box(x, 0, x + 10, 10), shapely.box(x + 10, 0, x + 20, 10), [shapely.box(0, 50, 5, 55)]]
    )
    groups = [np.array([i, n + i]) for i in range(n)] + [np.array([2 * n])]
    got = split_module.union_groups(geoms, groups, grid_size=0.01)
    assert len(got) == n + 1
    np.testing.assert_allclose(shapely.area(got[:n]), 200.0)
    assert shapely.area(got[n]) == 25.0
    for i in (0, n // 2, n - 1):
        assert shapely.equals_exact(got[i], shapely.union_all(geoms[groups[i]], grid_size=0.01), 0.0)
