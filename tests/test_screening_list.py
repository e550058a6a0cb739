"""The 《高耗低效整治企业清单》 frames and their summaries, worked by hand.

Parcels are 100 m × 100 m squares (15 亩 each, see test_screening.py):

* P1 塘下镇, park 开发区: firm A (规下) pays 93 万元 → 6.2 万元/亩 < 10 → park clearance.
* P2 塘下镇, outside parks: firm B (规下) pays 45 万元 → 3.0 < 5 → tax floor; B uses 200 tce.
* P3 飞云街道: nobody, agreed start 2019-03-01, nothing built, price 500 万元 → idle 33 months
  on 2021-12-31, fee 100 万元, and FAR 0 / coverage 0 → low-efficiency too.
* P4 飞云街道: firm C at 20 万元/亩 → fine, on no list.
* P5 塘下镇, park 开发区: firm D, 化工 (2614) built 2019 using 1500 tce → "两高" (new tier);
  its land is fine (20 万元/亩), so D is on the firm list but P5 is not on the parcel list.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from test_screening import AS_OF, RULES, build, firm, parcel

from ruian_land.core import LABELS_ZH
from ruian_land.screening import (
    FIRM_LIST_COLUMNS,
    PARCEL_LIST_COLUMNS,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_TODO,
    Screening,
    field_checks,
    firm_list,
    list_summary,
    parcel_list,
    progress,
    remedy_category,
    screen,
)

IDLE = {
    "agreed_start_date": pd.Timestamp("2019-03-01"),
    "actual_start_date": pd.NaT,
    "floor_area_m2": 0.0,
    "footprint_m2": 0.0,
    "developed_area_m2": 0.0,
    "grant_price_wan": 500.0,
}


def county() -> Screening:
    parcels = [
        parcel("P1", town="塘下镇", park_name="开发区"),
        parcel("P2", town="塘下镇"),
        parcel("P3", town="飞云街道", **IDLE),
        parcel("P4", town="飞云街道"),
        parcel("P5", town="塘下镇", park_name="开发区"),
    ]
    firms = [
        firm("A"),
        firm("B", energy_tce_calorific=200.0),
        firm("C"),
        firm(
            "D", industry_code="2614", above_scale=True, project_built_year=2019, energy_tce_calorific=1500.0
        ),
    ]
    links = [
        ("A", "P1", 15.0, 93.0),
        ("B", "P2", 15.0, 45.0),
        ("C", "P4", 15.0, 300.0),
        ("D", "P5", 15.0, 300.0),
    ]
    for f in firms:
        f["value_added_wan"] = 1e5  # keeps the admission check quiet
    return screen(*build(parcels, firms, links), RULES, as_of=AS_OF)


def test_firm_list_rows_order_and_texts() -> None:
    fl = firm_list(county())
    assert list(fl.columns) == list(FIRM_LIST_COLUMNS)
    assert all(c in LABELS_ZH for c in FIRM_LIST_COLUMNS)  # every column has a Chinese header
    # town, then park ("" before 开发区), then 亩均税收: B (3.0, outside), A (6.2), D (20)
    assert fl["uscc"].tolist() == ["B", "A", "D"]
    assert fl["seq"].tolist() == [1, 2, 3]
    a = fl.set_index("uscc").loc["A"]
    assert a["reason_codes"] == "PARK_TAX_LT_10"
    assert a["reason_names_zh"] == "园区内亩均税收低于10万元/亩"
    assert a["reason_names_en"] == "in a park with tax per mu below 10 万元/亩"
    assert a["reasons_zh"] == "园区内亩均税收6.20万元/亩,低于10万元/亩"
    assert a["reasons_en"] == "in a park, tax per mu 6.20 < 10 万元/亩"
    assert (a["town"], a["park_name"], a["eval_class"], a["land_area_mu"]) == ("塘下镇", "开发区", "C", 15.0)
    d = fl.set_index("uscc").loc["D"]
    assert d["is_two_high"] and "TWO_HIGH_NEW" in d["reason_codes"]
    assert "2019年建成,年综合能耗1,500吨标准煤(≥1000)" in d["reasons_zh"]
    # tracking columns start empty: 待整治, the town as responsible unit, the screening date
    assert set(fl["status"]) == {STATUS_TODO}
    assert fl["responsible_unit"].tolist() == ["塘下镇"] * 3
    assert (fl["first_listed"] == pd.Timestamp(AS_OF)).all() and fl["on_current_list"].all()
    assert fl.attrs["key"] == "uscc" and fl.attrs["as_of"] == AS_OF


def test_firm_list_takes_the_scenario_proposal() -> None:
    sel = pd.DataFrame({"uscc": ["A"], "remedy": ["exit"], "remedy_zh": ["关停退出"], "year": [2022]})
    fl = firm_list(county(), selection=sel).set_index("uscc")
    assert fl.loc["A", "suggested_remedy"] == "关停退出" and fl.loc["A", "suggested_year"] == 2022
    assert fl.loc["B", "suggested_remedy"] == "" and pd.isna(fl.loc["B", "suggested_year"])
    fl = firm_list(county(), selection=SELECTION).set_index("uscc")
    assert fl.loc["A", "suggested_freed_area_mu"] == 15.0 and fl.loc["D", "suggested_energy_saved_tce"] == 300
    assert fl.loc["B", "suggested_freed_area_mu"] == 0.0 and (fl["list_note"] == "").all()


def test_parcel_list_rows_and_figures() -> None:
    pl = parcel_list(county())
    assert list(pl.columns) == list(PARCEL_LIST_COLUMNS)
    assert all(c in LABELS_ZH for c in PARCEL_LIST_COLUMNS)
    assert pl["parcel_id"].tolist() == ["P2", "P1", "P3"]  # P4, P5 are fine land
    p = pl.set_index("parcel_id")
    assert (p.loc["P1", "occupant_names"], p.loc["P1", "occupant_usccs"], p.loc["P1", "main_class"]) == (
        "企业A",
        "A",
        "C",
    )
    assert p.loc["P2", "tax_per_mu"] == pytest.approx(3.0)
    assert p.loc["P2", "reasons_zh"] == "亩均税收3.00万元/亩,低于下限5万元/亩"
    idle = p.loc["P3"]
    assert idle["occupant_count"] == 0 and idle["occupant_names"] == ""
    assert (idle["idle_months"], idle["idle_fee_wan"], bool(idle["idle_recovery"])) == (33, 100.0, True)
    assert "约定动工日期后33个月未动工" in idle["reasons_zh"]
    assert idle["reason_names_zh"].split("；")[-1] == "无使用企业"


#: The scenario picks A (exit, frees P1: 15 亩, saves its 100 tce), B (upgrade, frees nothing,
#: saves 60 tce) and D (upgrade, saves 300 tce); C is not listed.
SELECTION = pd.DataFrame(
    {
        "uscc": ["A", "B", "D"],
        "remedy": ["exit", "upgrade", "upgrade"],
        "remedy_zh": ["关停退出", "改造提升", "改造提升"],
        "year": [2022, 2023, 2024],
        "freed_area_mu": [15.0, 0.0, 0.0],
        "energy_saved_tce": [100.0, 60.0, 300.0],
    }
)


def _tracked() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 已销号 (planner: 关停退出), B 整治中 (planner: 改造提升), D 待整治 (scenario: 改造提升);
    parcel P3 已销号."""
    s = county()
    fl, pl = firm_list(s, selection=SELECTION).set_index("uscc"), parcel_list(s).set_index("parcel_id")
    fl.loc["A", ["status", "remedy_plan"]] = [STATUS_CLOSED, "关停退出"]
    fl.loc["B", ["status", "remedy_plan"]] = [STATUS_IN_PROGRESS, "改造提升"]
    pl.loc["P3", "status"] = STATUS_CLOSED
    return fl.reset_index(), pl.reset_index()


def test_list_summary_by_town_and_park() -> None:
    fl, pl = _tracked()
    t = list_summary(fl, pl, RULES, "town")
    tx, fy, tot = t.loc["塘下镇"], t.loc["飞云街道"], t.loc["合计"]
    assert (tx["firms_listed"], tx["firms_todo"], tx["firms_in_progress"], tx["firms_closed"]) == (3, 1, 1, 1)
    assert (tx["firms_exit_plan"], tx["firms_upgrade_plan"], tx["two_high_firms"]) == (1, 2, 1)
    # whole-list totals (not compared with the targets)
    assert tx["listed_tax_wan"] == pytest.approx(93 + 45 + 300)
    assert tx["listed_energy_tce"] == pytest.approx(100 + 200 + 1500)
    assert (tx["parcels_listed"], tx["listed_area_mu"]) == (2, pytest.approx(30.0))
    assert (fy["firms_listed"], fy["parcels_listed"]) == (0, 1)
    assert fy["idle_area_mu"] == pytest.approx(15.0) and fy["idle_fee_wan"] == pytest.approx(100.0)
    assert fy["closed_area_mu"] == pytest.approx(15.0)
    assert tot["listed_area_mu"] == pytest.approx(45.0)
    # the plan's picks: A frees 15 亩 (closed), A + B + D save 100 + 60 + 300 tce
    assert (tx["plan_freed_area_mu"], tx["plan_closed_freed_area_mu"]) == (15.0, 15.0)
    assert tx["plan_energy_saved_tce"] == pytest.approx(460.0)
    assert (fy["plan_freed_area_mu"], fy["plan_energy_saved_tce"]) == (0.0, 0.0)
    # every share of a target is on the plan's picks
    assert tot["share_of_area_target"] == pytest.approx(15 / 1000)
    assert tot["closed_share_of_area_target"] == pytest.approx(15 / 1000)
    assert tot["share_of_firm_target"] == pytest.approx(3 / 500)
    assert tot["share_of_exit_target"] == pytest.approx(1 / 200)
    assert tot["share_of_upgrade_target"] == pytest.approx(2 / 300)
    assert tot["share_of_energy_target"] == pytest.approx(460 / 30_000)
    assert tx["share_of_energy_target"] == pytest.approx(460 / 30_000) and fy["share_of_area_target"] == 0
    p = list_summary(fl, pl, RULES, "park")
    assert set(p.index) == {"开发区", "园区外", "合计"}
    assert (p.loc["开发区", "firms_listed"], p.loc["开发区", "parcels_listed"]) == (2, 1)
    assert (p.loc["园区外", "firms_listed"], p.loc["园区外", "parcels_listed"]) == (1, 2)
    assert p.loc["开发区", "plan_energy_saved_tce"] == pytest.approx(400.0)  # A + D
    assert p.loc["合计", "share_of_area_target"] == pytest.approx(15 / 1000)
    with pytest.raises(ValueError, match="town"):
        list_summary(fl, pl, RULES, "county")


def test_progress_against_plan_targets() -> None:
    fl, pl = _tracked()
    pr = progress(fl, pl, RULES)
    cols = ["target", "planned", "todo", "in_progress", "closed"]
    assert pr.loc["firms_exited", cols].tolist() == [200, 1, 0, 0, 1]
    assert pr.loc["firms_upgraded", cols].tolist() == [300, 2, 1, 1, 0]  # D todo, B in progress
    assert pr.loc["firms_exited", "closed_share"] == pytest.approx(1 / 200)
    assert pr.loc["firms_upgraded", "planned_share"] == pytest.approx(2 / 300)
    # 亩 freed by the picks (A's 15 亩, closed), not the 45 亩 of the whole parcel list
    assert pr.loc["freed_area_mu", cols].tolist() == [1000, 15, 0, 0, 15]
    assert pr.loc["freed_area_mu", "planned_share"] == pytest.approx(0.015)
    assert pr.loc["freed_area_mu", "whole_list"] == pytest.approx(45.0)
    # tce saved by the picks: D 300 todo, B 60 in progress, A 100 closed; whole list 1800 当量值
    assert pr.loc["freed_energy_tce", cols].tolist() == [30_000, 460, 300, 60, 100]
    assert pr.loc["freed_energy_tce", "whole_list"] == pytest.approx(1800.0)
    assert pr.loc["firms_exited", "whole_list"] == 3  # firms on the list
    assert pr.loc["freed_area_mu", "indicator"] == "腾出低效工业用地"
    assert all(c in LABELS_ZH for c in ["target_key", *pr.columns])
    # without a scenario the land and energy rows are 0, never the whole list
    s = county()
    bare = progress(firm_list(s), parcel_list(s), RULES)
    assert bare.loc[["freed_area_mu", "freed_energy_tce"], "planned"].tolist() == [0.0, 0.0]


def test_class_d_tenant_below_3_mu_is_listed_with_a_note() -> None:
    """T (规下, class D) rents 2 亩 of P2 whose main occupant is B: below the 3 亩 of plan
    §三(一)1, so screening leaves it out of scope, but the list shows it with a note."""
    parcels = [parcel("P1", town="塘下镇"), parcel("P2", town="塘下镇")]
    firms = [firm("B"), firm("T", eval_class="D")]
    links = [("B", "P2", 13.0, 300.0), ("T", "P2", 2.0, 40.0)]
    for f in firms:
        f["value_added_wan"] = 1e5
    s = screen(*build(parcels, firms, links), RULES, as_of=AS_OF)
    t = s.firms.set_index("uscc").loc["T"]
    assert not t["in_scope"] and not t["flagged"] and "CLASS_D" in t["reason_codes"]
    fl = firm_list(s).set_index("uscc")
    assert fl.index.tolist() == ["T"]  # B and P2 are fine (20 万元/亩)
    assert fl.loc["T", "eval_class"] == "D"
    assert fl.loc["T", "list_note"] == "规下企业实际用地2.00亩,低于3亩(方案§三(一)1筛查范围外),因评为D类列入"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("关停退出", "exit"),
        ("整体腾退", "exit"),
        ("搬迁入园", "exit"),
        ("改造提升", "upgrade"),
        ("兼并重组", "upgrade"),
        ("", ""),
    ],
)
def test_remedy_category(text: str, category: str) -> None:
    assert remedy_category(pd.Series([text]), RULES).iloc[0] == category


def test_field_checks_lists_built_up_check_parcels() -> None:
    base: dict[str, Any] = {
        "town": "塘下镇",
        "park_name": "",
        "area_mu": 15.0,
        "far": 1.2,
        "building_coverage": 0.4,
    }
    parcels = pd.DataFrame(
        [
            {**base, "parcel_id": "X", "built_up_fraction": 0.08, "reason_codes": "BUILT_UP_CHECK"},
            {
                **base,
                "parcel_id": "Y",
                "built_up_fraction": 0.02,
                "reason_codes": "FAR_LT_MIN;BUILT_UP_CHECK",
            },
            {**base, "parcel_id": "Z", "built_up_fraction": 0.50, "reason_codes": "FAR_LT_MIN"},
        ]
    ).assign(reasons_zh="", reasons_en="")
    s = Screening(parcels=parcels, firms=pd.DataFrame(), rules=RULES, as_of=pd.Timestamp(AS_OF))
    fc = field_checks(s)
    assert fc["parcel_id"].tolist() == ["Y", "X"]  # lowest measured fraction first
    assert fc["built_up_fraction"].tolist() == [0.02, 0.08]
