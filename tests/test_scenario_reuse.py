"""Re-use of freed land (control lines, 标准地, 小微园) and the county 规上 亩均 figures."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from test_scenario import RULES, instance

from ruian_land.scenario import optimise, reuse_of_freed_land


def test_reuse_split_by_hand() -> None:
    # reusable 10 (inside) + 10 (outside) + 20 (half inside) + 0 (merged) = 40 亩; inside 20.
    # Industrial: 20 inside + 50 % of the 20 outside = 30 亩 → 标准地 60 % = 18, 小微园 12;
    # 10 亩 may change use. 标准地: 18 × 18 = 324 万元 tax, 18 × 154.5 增加值, 18 × 450 investment.
    # 小微园: 12 亩 × FAR 2.0 × 666.67 m² = 16 000 m² → 16 units of 1000 m², 192 jobs, 144 万元.
    freed = pd.DataFrame(
        {
            "area_mu": [10.0, 10.0, 20.0, 10.0],
            "reusable_mu": [10.0, 10.0, 20.0, 0.0],
            "inside_control_line_share": [1.0, 0.0, 0.5, 1.0],
        }
    )
    r = reuse_of_freed_land(freed, RULES, relocations=3)
    assert r["reusable_mu"] == pytest.approx(40.0) and r["inside_control_line_mu"] == pytest.approx(20.0)
    assert r["industrial_mu"] == pytest.approx(30.0) and r["change_of_use_mu"] == pytest.approx(10.0)
    assert r["standard_land_mu"] == pytest.approx(18.0) and r["micro_park_mu"] == pytest.approx(12.0)
    assert r["new_tax_wan"] == pytest.approx(324.0)
    assert r["new_value_added_wan"] == pytest.approx(18 * 154.5)
    assert r["new_investment_wan"] == pytest.approx(8100.0)
    assert r["micro_park_floor_m2"] == pytest.approx(16000.0)
    assert r["micro_park_units"] == pytest.approx(16.0) and r["micro_park_jobs"] == pytest.approx(192.0)
    assert r["micro_park_tax_wan"] == pytest.approx(144.0)
    assert r["relocation_floor_demand_m2"] == pytest.approx(3000.0)
    assert r["micro_park_floor_balance_m2"] == pytest.approx(13000.0)
    # without the control-line rule only the outside share stays industrial everywhere: 20 亩
    r2 = reuse_of_freed_land(
        freed, RULES.with_overrides({"scenario.reuse_inside_control_line_industrial": False})
    )
    assert r2["industrial_mu"] == pytest.approx(20.0)
    # unknown inside share counts as inside (the strict case)
    r3 = reuse_of_freed_land(freed.assign(inside_control_line_share=float("nan")), RULES)
    assert r3["industrial_mu"] == pytest.approx(40.0)


def _two_parcels() -> tuple:
    # P1 and P2: 100 m × 100 m squares (15 亩 each) in EPSG:4549; K on P1 (tax 3), L on P2 (tax 4).
    firms = [{"uscc": "K", "tax_wan": 3.0}, {"uscc": "L", "tax_wan": 4.0}]
    scr, f, lk, p = instance(firms, [("K", "P1", 15.0), ("L", "P2", 15.0)], {"P1": 15.0, "P2": 15.0})
    geo = gpd.GeoDataFrame(p, geometry=[box(500_000, 3_070_000, 500_100, 3_070_100),
                                        box(500_200, 3_070_000, 500_300, 3_070_100)], crs="EPSG:4549")  # fmt: skip
    return scr, f, lk, geo


def test_control_lines_through_optimise() -> None:
    # The control line covers P1 and the left half of P2: shares 1.0 and 0.5. Both firms relocate
    # (30 亩): inside 22.5 亩; industrial 22.5 + 50 % × 7.5 = 26.25; 3.75 亩 may change use.
    scr, f, lk, geo = _two_parcels()
    line = gpd.GeoDataFrame(
        {"name": ["线"]}, geometry=[box(499_900, 3_069_900, 500_250, 3_070_200)], crs="EPSG:4549"
    )
    res = optimise(scr, f, lk, geo, RULES, targets={"freed_area_mu": 30}, control_lines=line)
    fp = res.freed_parcels.set_index("parcel_id")
    assert fp.loc["P1", "inside_control_line_share"] == pytest.approx(1.0)
    assert fp.loc["P2", "inside_control_line_share"] == pytest.approx(0.5)
    reuse = res.summary["reuse"]
    assert reuse["inside_control_line_mu"] == pytest.approx(22.5)
    assert reuse["industrial_mu"] == pytest.approx(26.25)
    assert reuse["change_of_use_mu"] == pytest.approx(3.75)
    assert res.summary["reuse_standard_land_mu"] == pytest.approx(0.6 * 26.25)
    # the same shares given as a parcel column
    plain = pd.DataFrame(geo.drop(columns="geometry")).assign(inside_control_line_share=[1.0, 0.5])
    res2 = optimise(scr, f, lk, plain, RULES, targets={"freed_area_mu": 30})
    assert res2.summary["reuse"]["industrial_mu"] == pytest.approx(26.25)
