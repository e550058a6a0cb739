"""Screening rules: each triggered and not triggered at its threshold, worked by hand.

Every parcel in these fixtures is a 100 m × 100 m square: 10 000 m² = 15 亩 exactly, so
亩均税收 = tax / 15, FAR = floor area / 10 000 and coverage = footprint / 10 000.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

from ruian_land.errors import InputError
from ruian_land.reasons import REASONS, split_codes
from ruian_land.rules import load_rules
from ruian_land.screening import STATUS_TODO, screen

RULES = load_rules()
AS_OF = "2021-12-31"
X0, Y0 = 500_000.0, 3_070_000.0
# one manufacturing division per firm by default, outside the 两高 divisions, so the
# industry-average rule only fires where a test puts two firms in one division
_DIVISIONS = ["13", "14", "15", "17", "18", "19", "20", "21", "22", "23", "24", "27", "28", "29", "33", "34"]


def parcel(pid: str, **kw: Any) -> dict[str, Any]:
    row = {
        "parcel_id": pid,
        "land_use": "工业用地",
        "floor_area_m2": 20_000.0,  # FAR 2.0
        "footprint_m2": 5_000.0,  # coverage 50 %
        "grant_date": pd.Timestamp("2008-01-01"),
        "agreed_start_date": pd.Timestamp("2009-01-01"),
        "actual_start_date": pd.Timestamp("2009-03-01"),
        "developed_area_m2": 10_000.0,
        "investment_total_wan": 5_000.0,
        "investment_done_wan": 5_000.0,
        "suspended_since": pd.NaT,
        "government_delay": False,
        "grant_price_wan": 1_000.0,
        "town": "塘下镇",
        "park_name": "",
    }
    row.update(kw)
    return row


def firm(uscc: str, **kw: Any) -> dict[str, Any]:
    row = {
        "uscc": uscc,
        "name": f"企业{uscc}",
        "industry_code": None,
        "above_scale": False,
        "production_start_date": pd.Timestamp("2010-01-01"),
        "project_built_year": 2010,
        "value_added_wan": 1_000.0,
        "energy_tce_calorific": 100.0,
        "energy_tce_primary": 200.0,
        "employees": 50.0,
        "eval_class": "C",
        "exempt_reason": "",
    }
    row.update(kw)
    return row


def build(
    parcels: list[dict[str, Any]], firms: list[dict[str, Any]], links: list[tuple[str, str, float, float]]
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """links: (uscc, parcel_id, land_area_mu, allocated tax_wan)."""
    geoms = [box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 100) for i in range(len(parcels))]
    p = gpd.GeoDataFrame(pd.DataFrame(parcels), geometry=geoms, crs="EPSG:4549")
    p["area_m2"] = p.geometry.area
    p["area_mu"] = p["area_m2"] * 15 / 10_000
    f = pd.DataFrame(firms)
    codes = itertools.cycle(_DIVISIONS)
    f["industry_code"] = [c if c else next(codes) + "11" for c in f["industry_code"]]
    lk = pd.DataFrame(links, columns=["uscc", "parcel_id", "land_area_mu", "tax_wan"])
    lk["tenure"] = "own"
    land = lk.groupby("uscc")["land_area_mu"].sum()
    lk["land_share"] = lk["land_area_mu"] / lk["uscc"].map(land)
    f["land_area_mu"] = f["uscc"].map(land)
    f["tax_wan"] = f["uscc"].map(lk.groupby("uscc")["tax_wan"].sum())
    f["tax_per_mu"] = f["tax_wan"] / f["land_area_mu"]
    lk["energy_tce_calorific"] = (
        lk["uscc"].map(f.set_index("uscc")["energy_tce_calorific"]) * lk["land_share"]
    )
    lk["value_added_wan"] = lk["uscc"].map(f.set_index("uscc")["value_added_wan"]) * lk["land_share"]
    return p, f, lk


def codes_of(frame: pd.DataFrame, key: str, value: str) -> list[str]:
    col = "parcel_id" if "parcel_id" in frame.columns and key == "parcel" else "uscc"
    return split_codes(frame.loc[frame[col] == value, "reason_codes"].iloc[0])


def run(*args: Any, **kw: Any):  # type: ignore[no-untyped-def]
    return screen(*build(*args), RULES, as_of=AS_OF, **kw)


# ------------------------------------------------------------------------------------------


def test_reason_table_has_every_code_in_both_languages() -> None:
    wanted = {
        "PARK_TAX_LT_10", "TAX_LT_FLOOR", "TAX_LT_INDUSTRY_SHARE", "FAR_LT_MIN", "FAR_LT_STANDARD_SHARE",
        "COVERAGE_LT_MIN", "CLASS_D", "IDLE_NOT_STARTED", "IDLE_SUSPENDED", "IDLE_RECOVERY", "BUILT_UP_CHECK",
        "TWO_HIGH_NEW", "TWO_HIGH_OLD", "TWO_HIGH_INDUSTRY", "ADMISSION_EXCEEDED", "VACANT",
    }  # fmt: skip
    assert wanted <= set(REASONS)
    for r in REASONS.values():
        assert r.zh and r.en and r.zh != r.en


def test_colocated_taxes_are_summed() -> None:
    # owner A (10 亩, 60 万元) and tenant B (5 亩, 30 万元) on one 15 亩 parcel: (60 + 30) / 15 = 6
    s = run(
        [parcel("P1", park_name="瑞安经济开发区")],
        [firm("A"), firm("B")],
        [("A", "P1", 10.0, 60.0), ("B", "P1", 5.0, 30.0)],
    )
    row = s.parcels.iloc[0]
    assert row["tax_per_mu"] == pytest.approx(6.0)
    assert row["occupant_count"] == 2
    assert row["main_uscc"] == "A"
    assert "PARK_TAX_LT_10" in codes_of(s.parcels, "parcel", "P1")  # 6 < 10
    assert "TAX_LT_FLOOR" not in codes_of(s.parcels, "parcel", "P1")  # 6 ≥ 5
    # the firms themselves: A has 6/亩, B 6/亩, both in a park → both listed
    assert s.firms.set_index("uscc").loc[["A", "B"], "flagged"].tolist() == [True, True]


@pytest.mark.parametrize(("tax", "hit"), [(149.85, True), (150.0, False)])  # 9.99 / 10.00 万元/亩
def test_park_clearance_threshold(tax: float, hit: bool) -> None:
    s = run([parcel("P1", park_name="小微园")], [firm("A", above_scale=True)], [("A", "P1", 15.0, tax)])
    assert ("PARK_TAX_LT_10" in codes_of(s.parcels, "parcel", "P1")) is hit
    assert ("PARK_TAX_LT_10" in codes_of(s.firms, "firm", "A")) is hit
    # 规上 firms are exempt from the Jinhua tax rules, but not from park clearance
    assert "TAX_LT_FLOOR" not in codes_of(s.parcels, "parcel", "P1")


def test_park_clearance_only_in_parks() -> None:
    s = run([parcel("P1", park_name=np.nan)], [firm("A", above_scale=True)], [("A", "P1", 15.0, 15.0)])
    assert not s.parcels["in_park"].iloc[0]
    assert "PARK_TAX_LT_10" not in codes_of(s.parcels, "parcel", "P1")


@pytest.mark.parametrize(("tax", "hit"), [(74.9, True), (75.0, False)])  # 4.993 / 5.000 万元/亩
def test_tax_floor_threshold(tax: float, hit: bool) -> None:
    s = run([parcel("P1")], [firm("A")], [("A", "P1", 15.0, tax)])
    assert ("TAX_LT_FLOOR" in codes_of(s.parcels, "parcel", "P1")) is hit
    assert bool(s.parcels["is_low_efficiency"].iloc[0]) is hit


@pytest.mark.parametrize(("tax_y", "hit"), [(99.0, True), (100.0, False)])
def test_industry_average_share(tax_y: float, hit: bool) -> None:
    # division 33: X 300 万元 on 15 亩, Y tax_y on 15 亩 → average (300 + tax_y) / 30;
    # Y is flagged when tax_y / 15 < 0.5 × (300 + tax_y) / 30, i.e. tax_y < 100
    s = run(
        [parcel("PX"), parcel("PY")],
        [firm("X", industry_code="3311"), firm("Y", industry_code="3391")],
        [("X", "PX", 15.0, 300.0), ("Y", "PY", 15.0, tax_y)],
    )
    py = s.parcels.set_index("parcel_id").loc["PY"]
    assert py["industry_tax_per_mu"] == pytest.approx((300 + tax_y) / 30)
    assert ("TAX_LT_INDUSTRY_SHARE" in codes_of(s.parcels, "parcel", "PY")) is hit
    assert "TAX_LT_INDUSTRY_SHARE" not in codes_of(s.parcels, "parcel", "PX")


@pytest.mark.parametrize(
    ("floor", "codes"),
    [
        (8_999.0, {"FAR_LT_MIN", "FAR_LT_STANDARD_SHARE"}),  # 0.8999 < 0.6 × 1.5
        (9_000.0, {"FAR_LT_MIN"}),  # 0.9 = 0.6 × 1.5: not below
        (9_999.0, {"FAR_LT_MIN"}),  # 0.9999 < 1.0
        (10_000.0, set()),  # 1.0: not below
    ],
)
def test_far_thresholds(floor: float, codes: set[str]) -> None:
    s = run([parcel("P1", floor_area_m2=floor)], [firm("A")], [("A", "P1", 15.0, 300.0)])
    assert s.parcels["far"].iloc[0] == pytest.approx(floor / 10_000)
    found = set(codes_of(s.parcels, "parcel", "P1")) & {"FAR_LT_MIN", "FAR_LT_STANDARD_SHARE"}
    assert found == codes


@pytest.mark.parametrize(("footprint", "hit"), [(2_999.0, True), (3_000.0, False)])
def test_building_coverage_threshold(footprint: float, hit: bool) -> None:
    s = run([parcel("P1", footprint_m2=footprint)], [firm("A")], [("A", "P1", 15.0, 300.0)])
    assert s.parcels["building_coverage"].iloc[0] == pytest.approx(footprint / 10_000)
    assert ("COVERAGE_LT_MIN" in codes_of(s.parcels, "parcel", "P1")) is hit


def test_class_d_on_parcel_and_firm() -> None:
    s = run(
        [parcel("P1"), parcel("P2")],
        [firm("D1", eval_class="D"), firm("C1", eval_class="C")],
        [("D1", "P1", 15.0, 300.0), ("C1", "P2", 15.0, 300.0)],
    )
    assert "CLASS_D" in codes_of(s.parcels, "parcel", "P1")
    assert "CLASS_D" not in codes_of(s.parcels, "parcel", "P2")
    f = s.firms.set_index("uscc")
    assert f.loc["D1", "reason_codes"] == "CLASS_D"
    assert f.loc["D1", "status"] == STATUS_TODO
    assert f.loc["C1", "reason_codes"] == "" and f.loc["C1", "status"] == ""


def test_exempt_occupants_and_mixed_parcel() -> None:
    # P1: a 规上 firm alone at 2 万元/亩 → exempt from the tax rules (Jinhua).
    # P2: the same 规上 firm shares with a 规下 tenant → the parcel is flagged; the 规上
    # firm does not inherit the tax flag, the tenant does.
    s = run(
        [parcel("P1"), parcel("P2")],
        [firm("BIG", above_scale=True), firm("SMALL")],
        [("BIG", "P1", 15.0, 30.0), ("BIG", "P2", 10.0, 20.0), ("SMALL", "P2", 5.0, 10.0)],
    )
    p = s.parcels.set_index("parcel_id")
    assert bool(p.loc["P1", "tax_rules_exempt"]) and not bool(p.loc["P2", "tax_rules_exempt"])
    assert "TAX_LT_FLOOR" not in codes_of(s.parcels, "parcel", "P1")
    assert "TAX_LT_FLOOR" in codes_of(s.parcels, "parcel", "P2")  # (20 + 10) / 15 = 2 < 5
    f = s.firms.set_index("uscc")
    assert "TAX_LT_FLOOR" not in split_codes(f.loc["BIG", "reason_codes"])
    assert "TAX_LT_FLOOR" in split_codes(f.loc["SMALL", "reason_codes"])


@pytest.mark.parametrize(("start", "exempt"), [("2019-06-01", True), ("2018-12-31", False)])
def test_new_production_exemption(start: str, exempt: bool) -> None:
    # as of 2021-12-31: 30 months (< 3 years, exempt) vs 36 months (not exempt)
    s = run(
        [parcel("P1")],
        [firm("A", production_start_date=pd.Timestamp(start))],
        [("A", "P1", 15.0, 30.0)],
    )
    assert bool(s.firms["tax_rules_exempt"].iloc[0]) is exempt
    assert ("TAX_LT_FLOOR" in codes_of(s.parcels, "parcel", "P1")) is (not exempt)


def test_scope_of_plan_section_3_1_1() -> None:
    s = run(
        [parcel(f"P{i}") for i in range(6)],
        [
            firm("SMALL299"),
            firm("SMALL300"),
            firm("TINY"),
            firm("BIG", above_scale=True),
            firm("TRADE", industry_code="5111", above_scale=True),
            firm("HOT", industry_code="2614", project_built_year=2019, energy_tce_calorific=1200.0),
        ],
        [
            ("SMALL299", "P0", 2.99, 1.0),
            ("SMALL300", "P1", 3.0, 1.0),
            ("TINY", "P2", 1.0, 1.0),
            ("BIG", "P5", 1.0, 1.0),
            ("TRADE", "P3", 15.0, 1.0),
            ("HOT", "P4", 1.0, 1.0),
        ],
    )
    scope = s.firms.set_index("uscc")["in_scope"]
    assert not scope["SMALL299"] and scope["SMALL300"]  # 3 亩 (含)
    assert not scope["TINY"]  # 规下 on 1 亩
    assert scope["BIG"]  # 规上 on 1 亩
    assert not scope["TRADE"]  # wholesale (division 51) is not manufacturing
    assert scope["HOT"]  # 两高 are screened whatever their size (plan §三(一)3)


@pytest.mark.parametrize(
    ("year", "energy", "code"),
    [
        (2018, 1000.0, "TWO_HIGH_NEW"),
        (2018, 999.9, None),
        (2017, 4999.0, None),
        (2017, 5000.0, "TWO_HIGH_OLD"),
    ],
)
def test_two_high_thresholds(year: int, energy: float, code: str | None) -> None:
    s = run(
        [parcel("P1")],
        [
            firm(
                "A",
                above_scale=True,
                project_built_year=year,
                energy_tce_calorific=energy,
                value_added_wan=1e6,
            )
        ],
        [("A", "P1", 15.0, 300.0)],
    )
    got = {c for c in codes_of(s.firms, "firm", "A") if c.startswith("TWO_HIGH")}
    assert got == ({code} if code else set())
    assert bool(s.firms["is_two_high"].iloc[0]) is (code is not None)


@pytest.mark.parametrize(("energy", "hit"), [(52.0, False), (52.1, True)])  # 0.52 vs 0.521 tce/万元
def test_admission_and_industry_are_information_only(energy: float, hit: bool) -> None:
    s = run(
        [parcel("P1")],
        [
            firm(
                "A",
                industry_code="2614",
                above_scale=True,
                energy_tce_calorific=energy,
                value_added_wan=100.0,
            )
        ],
        [("A", "P1", 15.0, 300.0)],
    )
    codes = codes_of(s.firms, "firm", "A")
    assert "TWO_HIGH_INDUSTRY" in codes
    assert ("ADMISSION_EXCEEDED" in codes) is hit
    assert not s.firms["flagged"].iloc[0]  # neither flag puts a firm on the list by itself


def test_idle_vacant_and_non_industrial_parcels() -> None:
    s = run(
        [
            parcel(
                "IDLE",
                agreed_start_date=pd.Timestamp("2019-03-01"),
                actual_start_date=pd.NaT,
                floor_area_m2=0.0,
                footprint_m2=0.0,
                developed_area_m2=0.0,
                grant_price_wan=500.0,
            ),
            parcel("EMPTY"),
            parcel("SHOP", land_use="商业用地", floor_area_m2=100.0),
            parcel("USED"),
        ],
        [firm("A")],
        [("A", "USED", 15.0, 300.0)],
    )
    p = s.parcels.set_index("parcel_id")
    assert bool(p.loc["IDLE", "is_idle"])
    assert p.loc["IDLE", "idle_months"] == 33
    assert p.loc["IDLE", "idle_fee_wan"] == pytest.approx(100.0)
    assert {"IDLE_NOT_STARTED", "IDLE_RECOVERY", "VACANT"} <= set(codes_of(s.parcels, "parcel", "IDLE"))
    assert codes_of(s.parcels, "parcel", "EMPTY") == ["VACANT"]
    assert np.isnan(p.loc["EMPTY", "tax_per_mu"])  # no occupant: tax unknown, not 0
    assert not bool(p.loc["EMPTY", "is_low_efficiency"])  # VACANT is information only
    assert codes_of(s.parcels, "parcel", "SHOP") == []  # FAR 0.01 but not industrial land


def test_texts_quote_values_and_thresholds() -> None:
    s = run(
        [parcel("P1", park_name="开发区", floor_area_m2=8_000.0)], [firm("A")], [("A", "P1", 15.0, 120.0)]
    )
    row = s.parcels.iloc[0]
    assert row["reason_codes"] == "PARK_TAX_LT_10;FAR_LT_MIN;FAR_LT_STANDARD_SHARE"
    assert row["reasons_zh"].split("；")[0] == "园区内亩均税收8.00万元/亩,低于10万元/亩"
    assert "FAR 0.80 < 1" in row["reasons_en"]


def test_built_up_check_with_raster(tmp_path: Path) -> None:
    # a 1-cell-per-parcel raster in percent: P0 9 %, P1 10 %, P2 0 % but nothing recorded built
    tif = tmp_path / "built.tif"
    data = np.full((10, 60), 255, dtype="uint8")
    data[:, 0:10], data[:, 20:30], data[:, 40:50] = 9, 10, 0
    with rasterio.open(
        tif, "w", driver="GTiff", width=60, height=10, count=1, dtype="uint8", crs="EPSG:4549",
        transform=Affine(10.0, 0.0, X0, 0.0, -10.0, Y0 + 100), nodata=255,
    ) as dst:  # fmt: skip
        dst.write(data, 1)
    s = run(
        [parcel("P0"), parcel("P1"), parcel("P2", floor_area_m2=0.0, footprint_m2=0.0)],
        [firm("A")],
        [("A", "P0", 15.0, 300.0)],
        built_up=tif,
    )
    p = s.parcels.set_index("parcel_id")
    assert p["built_up_fraction"].tolist() == pytest.approx([0.09, 0.10, 0.0])
    assert "BUILT_UP_CHECK" in codes_of(s.parcels, "parcel", "P0")
    assert "BUILT_UP_CHECK" not in codes_of(s.parcels, "parcel", "P1")  # 10 % is not below 10 %
    assert "BUILT_UP_CHECK" not in codes_of(s.parcels, "parcel", "P2")  # nothing recorded as built
    assert "影像建成比例仅9%" in p.loc["P0", "reasons_zh"]


def test_summary_by_town_and_park() -> None:
    s = run(
        [
            parcel("T1", town="塘下镇", park_name="开发区"),  # 6 万元/亩 in a park → low-efficiency
            parcel("T2", town="塘下镇"),  # fine
            parcel(
                "F1",
                town="飞云街道",
                agreed_start_date=pd.Timestamp("2019-03-01"),
                actual_start_date=pd.NaT,
                floor_area_m2=0.0,
                footprint_m2=0.0,
                developed_area_m2=0.0,
                grant_price_wan=500.0,
            ),
        ],
        [firm("A", energy_tce_calorific=300.0), firm("B")],
        [("A", "T1", 15.0, 90.0), ("B", "T2", 15.0, 300.0)],
    )
    by_town = s.summary("town")
    assert by_town.loc["塘下镇", "parcels"] == 2
    assert by_town.loc["塘下镇", "low_efficiency_area_mu"] == pytest.approx(15.0)
    assert by_town.loc["塘下镇", "flagged_firms"] == 1
    assert by_town.loc["塘下镇", "flagged_tax_wan"] == pytest.approx(90.0)
    assert by_town.loc["飞云街道", "idle_area_mu"] == pytest.approx(15.0)
    assert by_town.loc["飞云街道", "idle_fee_wan"] == pytest.approx(100.0)
    assert by_town.loc["合计", "flagged_area_mu"] == pytest.approx(30.0)  # 15 low-efficiency + 15 idle
    assert by_town.loc["合计", "share_of_area_target"] == pytest.approx(30.0 / 1000)
    assert by_town.loc["合计", "share_of_energy_target"] == pytest.approx(300.0 / 30_000)
    by_park = s.summary("park")
    assert set(by_park.index) == {"开发区", "园区外", "合计"}
    assert by_park.loc["开发区", "flagged_firms"] == 1
    with pytest.raises(ValueError, match="town"):
        s.summary("county")


def test_duplicate_parcel_ids_are_an_input_error() -> None:
    p, f, lk = build([parcel("P1"), parcel("P1")], [firm("A")], [("A", "P1", 15.0, 1.0)])
    with pytest.raises(InputError, match="duplicate parcel_id"):
        screen(p, f, lk, RULES, as_of=AS_OF)


def test_thresholds_come_from_rules() -> None:
    rules = load_rules(overrides={"screening.tax_per_mu_floor": 8})
    p, f, lk = build([parcel("P1")], [firm("A")], [("A", "P1", 15.0, 105.0)])  # 7 万元/亩
    assert "TAX_LT_FLOOR" not in split_codes(
        screen(p, f, lk, RULES, as_of=AS_OF).parcels["reason_codes"].iloc[0]
    )
    assert "TAX_LT_FLOOR" in split_codes(screen(p, f, lk, rules, as_of=AS_OF).parcels["reason_codes"].iloc[0])
