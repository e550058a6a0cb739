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

from ruian_land.core import REASONS, InputError, split_codes
from ruian_land.rules import load_rules
from ruian_land.screening import STATUS_TODO, industry_lookup, screen

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


def test_parcel_with_an_occupant_missing_tax_is_not_judged_on_tax() -> None:
    # P1 in a park: A (10 亩, 6 万元) and B (5 亩, tax unknown). Summing only A's tax would give
    # 6 / 15 = 0.4 万元/亩 → PARK_TAX_LT_10 and TAX_LT_FLOOR on a guess; the parcel gets DATA_MISSING.
    # P2 (C alone, 15 亩, 15 万元 → 1 万元/亩) keeps the tax rules.
    p, f, lk = build(
        [parcel("P1", park_name="小微园"), parcel("P2", park_name="小微园")],
        [firm("A"), firm("B"), firm("C")],
        [("A", "P1", 10.0, 6.0), ("B", "P1", 5.0, np.nan), ("C", "P2", 15.0, 15.0)],
    )
    f.loc[f["uscc"] == "B", ["tax_wan", "tax_per_mu"]] = np.nan  # no tax record
    s = screen(p, f, lk, RULES, as_of=AS_OF)
    par = s.parcels.set_index("parcel_id")
    assert np.isnan(par.loc["P1", "tax_per_mu"]) and np.isnan(par.loc["P1", "tax_wan"])
    assert codes_of(s.parcels, "parcel", "P1") == ["DATA_MISSING"]
    assert not par.loc["P1", "is_low_efficiency"]
    assert par.loc["P1", "reasons_zh"] == "缺少税收数据(使用企业B),亩均税收未计算,待核实"
    assert par.loc["P2", "tax_per_mu"] == pytest.approx(1.0)
    assert {"PARK_TAX_LT_10", "TAX_LT_FLOOR"} <= set(codes_of(s.parcels, "parcel", "P2"))
    # firms: B is marked (information, not flagged); A keeps its own park rule (6 / 10 = 0.6 < 10)
    # and does not inherit B's DATA_MISSING
    assert (
        codes_of(s.firms, "firm", "B") == ["DATA_MISSING"]
        and not s.firms.set_index("uscc").loc["B", "flagged"]
    )
    assert codes_of(s.firms, "firm", "A") == ["PARK_TAX_LT_10"]
    assert not REASONS["DATA_MISSING"].actionable


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
def test_far_thresholds_with_the_parcels_own_standard(floor: float, codes: set[str]) -> None:
    # a 标准地 grant with FAR ≥ 1.5 on the parcel record wins over the industry table
    s = run([parcel("P1", floor_area_m2=floor, standard_far=1.5)], [firm("A")], [("A", "P1", 15.0, 300.0)])
    assert s.parcels["far"].iloc[0] == pytest.approx(floor / 10_000)
    assert s.parcels["standard_far"].iloc[0] == 1.5
    found = set(codes_of(s.parcels, "parcel", "P1")) & {"FAR_LT_MIN", "FAR_LT_STANDARD_SHARE"}
    assert found == codes


@pytest.mark.parametrize(
    ("industry", "floor", "standard", "codes"),
    [
        ("3311", 4_199.0, 0.7, {"FAR_LT_MIN", "FAR_LT_STANDARD_SHARE"}),  # 金属制品 0.7: 0.4199 < 0.42
        ("3311", 4_200.0, 0.7, {"FAR_LT_MIN"}),  # 0.42 = 0.6 × 0.7: not below
        ("2921", 5_999.0, 1.0, {"FAR_LT_MIN", "FAR_LT_STANDARD_SHARE"}),  # 塑料 (292) 1.0: 0.5999 < 0.6
        ("2911", 5_999.0, 0.8, {"FAR_LT_MIN"}),  # 橡胶 (291) 0.8: 0.5999 ≥ 0.48
        ("4311", 1_000.0, None, {"FAR_LT_MIN"}),  # 修理业: no table value → the 60 % rule is not applied
    ],
)
def test_far_standard_from_the_industry_table(
    industry: str, floor: float, standard: float | None, codes: set[str]
) -> None:
    # 105 万元 / 15 亩 = 7 万元/亩: not above 8, so the special-FAR exemption does not apply
    s = run(
        [parcel("P1", floor_area_m2=floor)], [firm("A", industry_code=industry)], [("A", "P1", 15.0, 105.0)]
    )
    found = set(codes_of(s.parcels, "parcel", "P1")) & {"FAR_LT_MIN", "FAR_LT_STANDARD_SHARE"}
    assert found == codes
    std = s.parcels["standard_far"].iloc[0]
    assert np.isnan(std) if standard is None else std == standard


def test_industry_lookup_takes_the_longest_prefix() -> None:
    table = {"29": 0.9, "292": 1.0, "33": 0.7}
    got = industry_lookup(pd.Series(["2921", "C2911", "3311.0", "5111", None]), table)
    assert got.iloc[:3].tolist() == [1.0, 0.9, 0.7]
    assert got.iloc[3:].isna().all()


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
                industry_code="2614",  # 化工: a 两高 industry
                above_scale=True,
                project_built_year=year,
                energy_tce_calorific=energy,
                value_added_wan=1e6,
            )
        ],
        [("A", "P1", 15.0, 300.0)],
    )
    got = set(codes_of(s.firms, "firm", "A")) & {"TWO_HIGH_NEW", "TWO_HIGH_OLD"}
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
        [parcel("P1", park_name="开发区", floor_area_m2=8_000.0, standard_far=1.5)],
        [firm("A")],
        [("A", "P1", 15.0, 120.0)],
    )
    row = s.parcels.iloc[0]
    assert row["reason_codes"] == "PARK_TAX_LT_10;FAR_LT_MIN;FAR_LT_STANDARD_SHARE"
    assert row["reasons_zh"].split("；") == [
        "园区内亩均税收8.00万元/亩,低于10万元/亩",
        "容积率0.80,低于1",
        "容积率0.80,低于标准地1.5的60%",
    ]
    assert "FAR 0.80 < 1" in row["reasons_en"]


def test_firm_texts_quote_the_figures_of_each_parcel() -> None:
    # A: 93 万元 on 15 亩 in a park = 6.2 万元/亩 (its own figure), and two parcels with FAR 0.8 / 0.5
    s = run(
        [parcel("P1", park_name="开发区", floor_area_m2=8_000.0), parcel("P2", floor_area_m2=5_000.0)],
        [firm("A")],
        [("A", "P1", 7.5, 46.5), ("A", "P2", 7.5, 46.5)],
    )
    f = s.firms.iloc[0]
    assert f["tax_per_mu"] == pytest.approx(6.2)
    zh = f["reasons_zh"].split("；")
    assert zh[0] == "园区内亩均税收6.20万元/亩,低于10万元/亩"  # the firm's own 亩均税收
    assert "容积率0.80,低于1(宗地P1)" in zh and "容积率0.50,低于1(宗地P2)" in zh
    assert "FAR 0.50 < 1 (parcel P2)" in f["reasons_en"]


def test_built_up_check_with_raster(tmp_path: Path) -> None:
    # a 1-cell-per-parcel raster in percent: P0 9 %, P1 10 %, P2 0 % but nothing recorded built
    tif = tmp_path / "built.tif"
    data = np.full((10, 80), 255, dtype="uint8")
    data[:, 0:10], data[:, 20:30], data[:, 40:50], data[:, 60:70] = 9, 10, 0, 5
    with rasterio.open(
        tif, "w", driver="GTiff", width=80, height=10, count=1, dtype="uint8", crs="EPSG:4549",
        transform=Affine(10.0, 0.0, X0, 0.0, -10.0, Y0 + 100), nodata=255,
    ) as dst:  # fmt: skip
        dst.write(data, 1)
    s = run(
        [
            parcel("P0"),
            parcel("P1"),
            parcel("P2", floor_area_m2=0.0, footprint_m2=0.0, developed_area_m2=0.0),
            parcel("P3", floor_area_m2=0.0, footprint_m2=0.0, developed_area_m2=2_000.0),
        ],
        [firm("A")],
        [("A", "P0", 15.0, 300.0)],
        built_up=tif,
    )
    p = s.parcels.set_index("parcel_id")
    assert p["built_up_fraction"].tolist() == pytest.approx([0.09, 0.10, 0.0, 0.05])
    assert "BUILT_UP_CHECK" in codes_of(s.parcels, "parcel", "P0")
    assert "BUILT_UP_CHECK" not in codes_of(s.parcels, "parcel", "P1")  # 10 % is not below 10 %
    assert "BUILT_UP_CHECK" not in codes_of(s.parcels, "parcel", "P2")  # nothing recorded as built
    assert "BUILT_UP_CHECK" in codes_of(s.parcels, "parcel", "P3")  # developed area on record
    assert "登记已建,影像建成比例仅9.0%(低于10%)" in p.loc["P0", "reasons_zh"]
    assert not bool(p.loc["P0", "is_low_efficiency"])  # a field check, not a flag


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


# --- exemptions, 淘汰类, compliance, 两高 details ------------------------------------------------

_LAND_CODES = {
    "TAX_LT_FLOOR",
    "TAX_LT_INDUSTRY_SHARE",
    "FAR_LT_MIN",
    "FAR_LT_STANDARD_SHARE",
    "COVERAGE_LT_MIN",
}


@pytest.mark.parametrize(("above", "exempt"), [(True, True), (False, False)])
def test_above_scale_is_exempt_from_land_criteria_but_not_park_clearance_or_class_d(
    above: bool, exempt: bool
) -> None:
    # FAR 0.5, coverage 20 %, 30 / 15 = 2 万元/亩, in a park, rated D
    s = run(
        [parcel("P1", park_name="开发区", floor_area_m2=5_000.0, footprint_m2=2_000.0)],
        [firm("A", above_scale=above, eval_class="D", industry_code="1311")],
        [("A", "P1", 15.0, 30.0)],
    )
    codes = set(codes_of(s.parcels, "parcel", "P1"))
    assert {"PARK_TAX_LT_10", "CLASS_D"} <= codes
    assert (codes & _LAND_CODES) == (set() if exempt else _LAND_CODES - {"TAX_LT_INDUSTRY_SHARE"})
    assert s.parcels["exemption_reasons"].iloc[0] == ("规上企业" if exempt else "")
    assert s.firms["flagged"].iloc[0]  # park clearance and D keep the firm on the list either way


@pytest.mark.parametrize(
    ("code", "column", "exempt"),
    [
        ("3974", False, True),  # 半导体照明器件 (397 电子器件): strategic emerging by the rule's prefixes
        ("3612", False, True),  # 新能源车整车制造
        ("3611", False, False),  # 汽柴油车整车制造: not in the list
        ("1311", True, True),  # marked in the registry (strategic_emerging 是)
    ],
)
def test_strategic_emerging_exemption(code: str, column: bool, exempt: bool) -> None:
    s = run(
        [parcel("P1", floor_area_m2=5_000.0)],
        [firm("A", industry_code=code, strategic_emerging="是" if column else "否")],
        [("A", "P1", 15.0, 30.0)],
    )
    assert bool(s.firms["strategic_emerging"].iloc[0]) is exempt
    assert bool(s.parcels["tax_rules_exempt"].iloc[0]) is exempt
    assert ("FAR_LT_MIN" in codes_of(s.parcels, "parcel", "P1")) is (not exempt)


@pytest.mark.parametrize(
    ("industry", "tax", "exempt"),
    [
        ("2614", 120.15, True),  # 化工: 标准地 FAR 0.6 < 1.0 and 8.01 > 8 万元/亩
        ("2614", 120.0, False),  # 8.00 is not above 8
        ("1311", 120.15, False),  # 农副食品: 标准地 FAR 1.0 is not below 1.0
    ],
)
def test_special_far_exemption(industry: str, tax: float, exempt: bool) -> None:
    s = run(
        [parcel("P1", floor_area_m2=9_000.0)],  # FAR 0.9
        [firm("A", industry_code=industry, value_added_wan=1e6)],
        [("A", "P1", 15.0, tax)],
    )
    assert ("FAR_LT_MIN" in codes_of(s.parcels, "parcel", "P1")) is (not exempt)
    reasons = s.parcels["exemption_reasons"].iloc[0]
    assert reasons == ("标准地容积率要求低于1且亩均税收高于8万元/亩" if exempt else "")


def test_exempt_codes_come_from_rules() -> None:
    rules = load_rules(overrides={"screening.exempt_codes": ["TAX_LT_FLOOR"]})
    p, f, lk = build(
        [parcel("P1", floor_area_m2=5_000.0)], [firm("A", above_scale=True)], [("A", "P1", 15.0, 30.0)]
    )
    codes = split_codes(screen(p, f, lk, rules, as_of=AS_OF).parcels["reason_codes"].iloc[0])
    assert "FAR_LT_MIN" in codes and "TAX_LT_FLOOR" not in codes


@pytest.mark.parametrize(
    ("policy", "hit"), [("淘汰类", True), ("禁止类", True), ("限制类", False), ("", False)]
)
def test_eliminated_industry(policy: str, hit: bool) -> None:
    s = run(
        [parcel("P1")],
        [firm("A", above_scale=True, industry_policy=policy)],
        [("A", "P1", 15.0, 300.0)],  # 20 万元/亩, FAR 2.0: nothing else wrong
    )
    assert ("INDUSTRY_ELIMINATED" in codes_of(s.parcels, "parcel", "P1")) is hit
    assert bool(s.parcels["is_low_efficiency"].iloc[0]) is hit
    assert bool(s.firms["flagged"].iloc[0]) is hit  # 规上 is no exemption from 淘汰类
    if hit:
        assert s.firms["reasons_zh"].iloc[0] == f"产业政策类别为{policy}"


def test_compliance_record_is_information_only() -> None:
    s = run(
        [parcel("P1")],
        [firm("A", environmental_penalty=True, safety_accident="是")],
        [("A", "P1", 15.0, 300.0)],
    )
    f = s.firms.iloc[0]
    assert f["reason_codes"] == "COMPLIANCE_CHECK"
    assert f["reasons_zh"] == "有安全生产事故、环境违法处罚记录,需合规检查、限期整改"
    assert not f["flagged"]


@pytest.mark.parametrize(
    ("industry", "requires", "code"),
    [
        ("3311", True, None),  # 1500 tce since 2018 but 金属制品 is not a 两高 industry
        ("3311", False, "TWO_HIGH_NEW"),  # the rule switched off: any industry
        ("3011", True, "TWO_HIGH_NEW"),  # 建材
    ],
)
def test_new_two_high_tier_needs_a_two_high_industry(industry: str, requires: bool, code: str | None) -> None:
    rules = load_rules(overrides={"two_high.new_tier_requires_industry": requires})
    p, f, lk = build(
        [parcel("P1")],
        [
            firm(
                "A",
                industry_code=industry,
                project_built_year=2019,
                energy_tce_calorific=1500.0,
                value_added_wan=1e6,
            )
        ],
        [("A", "P1", 15.0, 300.0)],
    )
    s = screen(p, f, lk, rules, as_of=AS_OF)
    got = set(codes_of(s.firms, "firm", "A")) & {"TWO_HIGH_NEW", "TWO_HIGH_OLD"}
    assert got == ({code} if code else set())


@pytest.mark.parametrize(("basis", "hit"), [("calorific", False), ("primary", True)])
def test_admission_check_basis(basis: str, hit: bool) -> None:
    # 50 tce 当量值 and 60 tce 等价值 for 100 万元: 0.50 ≤ 0.52 < 0.60
    rules = load_rules(overrides={"two_high.admission_energy_basis": basis})
    p, f, lk = build(
        [parcel("P1")],
        [firm("A", energy_tce_calorific=50.0, energy_tce_primary=60.0, value_added_wan=100.0)],
        [("A", "P1", 15.0, 300.0)],
    )
    s = screen(p, f, lk, rules, as_of=AS_OF)
    assert s.firms["energy_per_value_added"].iloc[0] == pytest.approx(0.6 if hit else 0.5)
    assert ("ADMISSION_EXCEEDED" in codes_of(s.firms, "firm", "A")) is hit
