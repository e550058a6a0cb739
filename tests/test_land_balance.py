"""占补平衡 ledger (改一补一 / 先补后占) and the industrial share of land supply, worked by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from ruian_land.control_lines import balance_ledger, industrial_supply_share, is_industrial_use
from ruian_land.core import InputError, InputWarning
from ruian_land.rules import load_rules

X0, Y0 = 570_000.0, 3_083_000.0


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _conv(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["parcel_id", "area_mu", "year", "from_use", "to_use", "inside_share"])


def test_conversion_without_compensation_breaks_the_balance(rules) -> None:
    conv = _conv([("P1", 10.0, 2022, "工业用地", "商业用地", 1.0)])
    led = balance_ledger(conv, None, rules)
    assert led.holds is False
    row = led.conversions.iloc[0]
    assert bool(row["counted_conversion"]) and row["uncovered_mu"] == pytest.approx(10.0)
    assert not row["conversion_balanced"]
    y = led.years.set_index("year").loc[2022]
    assert (y["converted_mu"], y["required_mu"], y["compensated_mu"]) == (10.0, 10.0, 0.0)
    assert y["running_balance_mu"] == pytest.approx(-10.0)
    assert not y["balance_holds"]
    assert "2022年转出10.00亩、应补10.00亩、缺口10.00亩" in led.message_zh
    assert "不成立" in led.message_zh


def test_later_compensation_passes_gai_yi_bu_yi_but_not_xian_bu_hou_zhan(rules) -> None:
    assert rules.value("control_line.compensate_first") is False
    conv = _conv([("P1", 10.0, 2021, "0601", "0701", 1.0)])  # 工业 → 城镇住宅 (GB/T 21010 codes)
    comp = pd.DataFrame(
        {"compensation_id": ["N1"], "area_mu": [10.0], "year": [2022], "to_use": ["工业用地"]}
    )
    relaxed = balance_ledger(conv, comp, rules)
    assert relaxed.holds is True
    assert relaxed.conversions["covered_later_mu"].iloc[0] == pytest.approx(10.0)
    assert relaxed.conversions["compensation_ids"].iloc[0] == "N1"
    assert relaxed.years["running_balance_mu"].tolist() == [-10.0, 0.0]  # 2021, 2022
    assert "不符合先补后占" in relaxed.message_zh
    strict = balance_ledger(conv, comp, rules, compensate_first=True)
    assert strict.holds is False
    assert strict.years.set_index("year")["uncovered_mu"].to_dict() == {2021: 10.0, 2022: 0.0}
    assert strict.compensations["left_mu"].iloc[0] == pytest.approx(10.0)
    # the same compensation one year earlier satisfies 先补后占
    early = balance_ledger(conv, comp.assign(year=2020), rules, compensate_first=True)
    assert early.holds is True
    assert early.conversions["covered_prior_mu"].iloc[0] == pytest.approx(10.0)


def test_fifo_matching_inside_share_and_ignored_rows(rules) -> None:
    conv = _conv(
        [
            ("A", 8.0, 2021, "工业用地", "商服用地", 0.5),  # 4 亩 inside counts
            ("B", 6.0, 2022, "1001", "0701", 1.0),  # 6 亩
            ("C", 9.0, 2022, "工业用地", "1002", 1.0),  # industrial → industrial: not a conversion
            ("D", 5.0, 2022, "商服用地", "住宅用地", 1.0),  # not industrial before: ignored
        ]
    )
    comp = pd.DataFrame({"area_mu": [5.0, 3.0], "year": [2021, 2022]})
    led = balance_ledger(conv, comp, rules)
    c = led.conversions.set_index("parcel_id")
    assert c["counted_conversion"].to_dict() == {"A": True, "B": True, "C": False, "D": False}
    assert c["counted_mu"].to_dict() == {"A": 4.0, "B": 6.0, "C": 0.0, "D": 0.0}
    # 2021: A takes 4 of B001's 5; 2022: B takes B001's last 1 and B002's 3, 2 亩 short
    assert c.loc["A", "compensation_ids"] == "B001"
    assert c.loc["B", "compensation_ids"] == "B001;B002"
    assert c.loc["B", "covered_prior_mu"] == pytest.approx(4.0)
    assert c.loc["B", "uncovered_mu"] == pytest.approx(2.0)
    years = led.years.set_index("year")
    assert years["balance_holds"].to_dict() == {2021: True, 2022: False}
    assert years.loc[2022, "running_balance_mu"] == pytest.approx(-2.0)  # (5 + 3) − (4 + 6)
    assert led.compensations["left_mu"].tolist() == [0.0, 0.0]
    # 改一补一 at 1.5 : 1 needs 15 亩 for the same 10 亩
    heavy = balance_ledger(conv, comp, rules.with_overrides({"control_line.compensation_ratio": 1.5}))
    assert heavy.years["required_mu"].sum() == pytest.approx(15.0)
    assert heavy.conversions["uncovered_mu"].sum() == pytest.approx(7.0)


def test_inside_share_from_parcels_and_control_lines(rules) -> None:
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["P1", "P2"]},
        geometry=[box(X0, Y0, X0 + 200, Y0 + 100), box(X0 + 500, Y0, X0 + 600, Y0 + 100)],
        crs="EPSG:4549",
    )
    lines = gpd.GeoDataFrame(geometry=[box(X0 - 10, Y0 - 10, X0 + 100, Y0 + 110)], crs="EPSG:4549")
    conv = pd.DataFrame(
        {
            "parcel_id": ["P1", "P2"],
            "area_m2": [20_000.0, 10_000.0],
            "year": [2023, 2023],
            "from_use": "工业",
            "to_use": "商业",
        }
    )
    led = balance_ledger(conv, None, rules, parcels=parcels, control_lines=lines)
    # P1: 30 亩, half inside → 15 亩; P2 outside the line → 0
    assert led.conversions["inside_share"].tolist() == [pytest.approx(0.5), 0.0]
    assert led.conversions["counted_mu"].tolist() == [pytest.approx(15.0), 0.0]
    assert led.years["uncovered_mu"].iloc[0] == pytest.approx(15.0)
    with pytest.warns(InputWarning, match="wholly inside"):
        assumed = balance_ledger(conv, None, rules)
    assert assumed.conversions["counted_mu"].sum() == pytest.approx(45.0)


def test_non_industrial_compensation_does_not_count_and_bad_input_is_named(rules) -> None:
    conv = _conv([("P1", 10.0, 2022, "工业用地", "商业用地", 1.0)])
    comp = pd.DataFrame({"area_mu": [10.0], "year": [2021], "to_use": ["住宅用地"]})
    with pytest.warns(InputWarning, match="not industrial"):
        led = balance_ledger(conv, comp, rules)
    assert led.holds is False
    with pytest.raises(InputError) as err:
        balance_ledger(conv.drop(columns="year"), None, rules)
    assert err.value.column == "year"
    with pytest.raises(InputError) as err:
        balance_ledger(conv.assign(area_mu=-1.0), None, rules)
    assert err.value.column == "area_mu" and err.value.row == 0
    with pytest.raises(InputError, match="non-integer year"):
        balance_ledger(conv.assign(year="2022年"), None, rules)
    assert balance_ledger(conv.iloc[:0], None, rules).holds is True


def test_is_industrial_use_codes_and_names(rules) -> None:
    uses = pd.Series(["工业用地", "0601", "100102", "M2", "仓储用地", "0701", None, "商服用地"])
    assert is_industrial_use(uses, rules).tolist() == [True, True, True, True, False, False, False, False]


def test_industrial_share_of_supply_against_the_30_percent_floor(rules) -> None:
    assert rules.value("control_line.industrial_share_of_supply_min") == 0.30
    supply = pd.DataFrame(
        {
            "year": [2021, 2021, 2022, 2022, 2022, 2023],
            "use": ["工业用地", "住宅用地", "1001", "商服用地", "住宅用地", "住宅用地"],
            "area_mu": [30.0, 70.0, 20.0, 30.0, 50.0, 0.0],
        }
    )
    t = industrial_supply_share(supply, rules).set_index("year")
    assert t.loc[2021, "industrial_share"] == pytest.approx(0.30)
    assert bool(t.loc[2021, "meets_floor"]) and t.loc[2021, "industrial_needed_mu"] == 0.0
    assert t.loc[2022, "industrial_share"] == pytest.approx(0.20)
    assert not t.loc[2022, "meets_floor"]
    # (0.3 × 100 − 20) / 0.7 = 14.29 亩 more industrial land: (20 + 14.29) / (100 + 14.29) = 0.30
    need = t.loc[2022, "industrial_needed_mu"]
    assert need == pytest.approx(10 / 0.7)
    assert (20 + need) / (100 + need) == pytest.approx(0.30)
    assert bool(t.loc[2023, "meets_floor"]) and pd.isna(t.loc[2023, "industrial_share"])
    flags = supply.assign(is_industrial=[True, False, True, False, False, False]).drop(columns="use")
    assert industrial_supply_share(flags, rules)["industrial_mu"].tolist() == [30.0, 20.0, 0.0]
    with pytest.raises(InputError, match="neither 'use' nor 'is_industrial'"):
        industrial_supply_share(supply.drop(columns="use"), rules)
