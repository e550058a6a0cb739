"""Supervision (issue 17 items 4–6): 标准地 投资监管协议 compliance, 挂图作战 and the policy
eligibility lists, on hand-worked fixtures at each rule's boundary; dates always injected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from ruian_land import maps, pipeline
from ruian_land.core import PROJECT_NODES, label_zh, map_columns
from ruian_land.io import parse_columns
from ruian_land.rules import load_rules
from ruian_land.supervision import (
    SUPERVISION_SHEETS,
    add_months,
    contract_compliance,
    far_uplift,
    land_price_projects,
    parcel_actuals,
    project_nodes,
    rental_housing,
    supervise,
    supervision_summary,
)

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "data" / "project.yaml"
RULES = load_rules()
AS_OF = pd.Timestamp("2021-12-31")
M2 = 10000 / 15  # m² per 亩


# --- 标准地 投资监管协议 ------------------------------------------------------------------------
#
# Three parcels of 10 亩, one owner each. Actual figures:
#   P1: tax 250 → 25 万元/亩; 增加值 500, calorific 100 tce × (250/100 primary) → 2.0 万元/tce; FAR 1.2
#   P2: tax 250 → 25;                                                          FAR 2.0
#   P3: tax 100 → 10; granted 2020-06-01 with 3 years → 达产 2023-06-01, not due on 2021-12-31
# Contracts: P1 agrees 30 万元/亩 (breach, shortfall 5 = 1/6) and 1.0 FAR (met);
#            P2 agrees 25 exactly (met: a floor, actual ≥ agreed) and 达产 on 2021-12-31 (due);
#            P3 agrees 30 (below, but not yet due).


def _land() -> dict[str, pd.DataFrame]:
    parcels = pd.DataFrame(
        {
            "parcel_id": ["P1", "P2", "P3"],
            "area_mu": [10.0, 10.0, 10.0],
            "area_m2": [10 * M2] * 3,
            "town": ["甲镇", "乙镇", "甲镇"],
            "grant_date": pd.to_datetime(["2017-03-01", "2018-01-01", "2020-06-01"]),
            "investment_done_wan": [4000.0, 5000.0, 1000.0],
            "floor_area_m2": [12 * M2, 20 * M2, 0.0],
        }
    )
    links = pd.DataFrame(
        {
            "uscc": ["F1", "F2", "F3"],
            "parcel_id": ["P1", "P2", "P3"],
            "tenure": ["own"] * 3,
            "land_area_m2": [10 * M2] * 3,
            "land_area_mu": [10.0] * 3,
            "tax_wan": [250.0, 250.0, 100.0],
            "value_added_wan": [500.0, 1000.0, 300.0],
            "energy_tce_calorific": [100.0, 100.0, 100.0],
        }
    )
    firms = pd.DataFrame(
        {
            "uscc": ["F1", "F2", "F3"],
            "name": ["甲公司", "乙公司", "丙公司"],
            "energy_tce_calorific": [100.0, 100.0, 100.0],
            "energy_tce_primary": [250.0, 250.0, 250.0],
        }
    )
    screening = pd.DataFrame({"parcel_id": ["P1", "P2", "P3"], "far": [1.2, 2.0, 0.0]})
    return {"parcels": parcels, "links": links, "firms": firms, "screening": screening}


def _contracts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "parcel_id": ["P1", "P2", "P3"],
            "contract_id": ["C1", "C2", "C3"],
            "full_production_years": [3.0, np.nan, 3.0],
            "full_production_date": pd.to_datetime([None, "2021-12-31", None]),
            "agreed_tax_per_mu": [30.0, 25.0, 30.0],
            "agreed_far": [1.0, 1.5, 1.5],
            "agreed_value_added_per_tce": [2.0, np.nan, np.nan],
        }
    )


def test_parcel_actuals_are_per_mu_and_energy_on_the_primary_basis() -> None:
    d = _land()
    act = parcel_actuals(d["parcels"], d["links"], d["firms"], d["screening"]).set_index("parcel_id")
    assert act.loc["P1", "tax_per_mu"] == pytest.approx(25.0)
    assert act.loc["P1", "value_added_per_tce"] == pytest.approx(500 / 250)
    assert act.loc["P2", "investment_per_mu"] == pytest.approx(500.0)
    assert act.loc["P1", "far"] == pytest.approx(1.2) and act.loc["P1", "main_name"] == "甲公司"


def test_a_breach_is_listed_with_its_shortfall_and_a_compliant_parcel_is_not() -> None:
    d = _land()
    act = parcel_actuals(d["parcels"], d["links"], d["firms"], d["screening"])
    status, breaches = contract_compliance(_contracts(), act, AS_OF, RULES)
    st = status.set_index("contract_id")
    assert st.loc["C1", "due_date"] == pd.Timestamp("2020-03-01")  # grant 2017-03-01 + 3 years
    assert list(st["status"]) == ["breach", "compliant", "not_due"]
    assert st.loc["C1", "breach_clauses_zh"] == "亩均税收" and st.loc["C2", "breach_count"] == 0
    assert len(breaches) == 1  # C2 (actual = agreed) and C3 (not due) are not listed
    b = breaches.iloc[0]
    assert (b["parcel_id"], b["clause"], b["clause_zh"]) == ("P1", "tax_per_mu", "约定亩均税收")
    assert b["agreed"] == 30 and b["actual"] == pytest.approx(25.0)
    assert b["shortfall"] == pytest.approx(5.0) and b["shortfall_share"] == pytest.approx(5 / 30)
    assert "约定亩均税收≥30万元/亩" in b["clause_text"] and "§三(一)4" in b["rule_source"]
    # one day earlier C2's 达产 is not yet due; a year later C3's still is not
    early, _ = contract_compliance(_contracts(), act, "2021-12-30", RULES)
    assert list(early["status"]) == ["breach", "not_due", "not_due"]


def test_add_months_clips_to_the_month_end() -> None:
    got = add_months(pd.Series(pd.to_datetime(["2018-08-31", "2019-01-31", None])), pd.Series([36, 1, 3]))
    assert list(got[:2]) == [pd.Timestamp("2021-08-31"), pd.Timestamp("2019-02-28")] and pd.isna(got[2])


def test_contracts_read_chinese_headers() -> None:
    raw = pd.DataFrame(
        {
            "宗地代码": ["P1"],
            "协议编号": ["瑞标地监〔2016〕01号"],
            "出让日期": ["2016-07-21"],
            "达产年限": [3],
            "约定投资强度(万元/亩)": [300],
            "约定亩均税收(万元/亩)": [20],
            "约定亩均增加值(万元/亩)": [100],
            "约定单位能耗增加值(万元/吨标准煤)": [1.5],
            "约定容积率": [1.2],
        }
    )
    parsed, _ = parse_columns(map_columns(raw, "standard_land_contracts"), "standard_land_contracts")
    assert {"agreed_investment_per_mu", "agreed_value_added_per_tce", "agreed_far"} <= set(parsed.columns)
    assert parsed["grant_date"].iloc[0] == pd.Timestamp("2016-07-21")


# --- 挂图作战 -----------------------------------------------------------------------------------
#
#   X 20000 万元: 开工 planned 2021-06-01, done 2021-07-01 (late); 竣工验收 planned 2021-12-01, none
#     → overdue 30 days on 2021-12-31; 投产 planned 2022-03-01 → pending
#   Y 9999 万元: below 1亿元, left out by default
#   Z 10000 万元 (exactly 1亿元: listed): 开工 planned 2021-12-20, actual 2022-01-05 → on 2021-12-31
#     not done yet, so overdue 11 days; 竣工验收 planned 2021-12-31 (= the date) → pending


def _projects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": ["X", "Y", "Z"],
            "name": ["甲项目", "乙项目", "丙项目"],
            "investment_wan": [20000.0, 9999.0, 10000.0],
            "land_mu": [40.0, 20.0, 20.0],
            "parcel_id": ["P1", None, "P2"],
            "started_planned": pd.to_datetime(["2021-06-01", "2021-03-01", "2021-12-20"]),
            "started_actual": pd.to_datetime(["2021-07-01", None, "2022-01-05"]),
            "completed_planned": pd.to_datetime(["2021-12-01", None, "2021-12-31"]),
            "producing_planned": pd.to_datetime(["2022-03-01", None, None]),
        }
    )


def test_an_overdue_node_is_overdue_on_the_date_given() -> None:
    table, nodes = project_nodes(_projects(), AS_OF, RULES)
    t = table.set_index("project_id")
    assert list(table["project_id"]) == ["X", "Z"]  # 1亿元+ only; X has reached 开工, Z nothing yet
    assert t.loc["X", "status"] == "overdue" and t.loc["X", "overdue_nodes_zh"] == "竣工验收"
    assert t.loc["X", "days_overdue"] == 30 and t.loc["X", "current_node_zh"] == "开工"
    assert t.loc["X", "started_state_zh"] == "延期完成" and t.loc["X", "producing_state_zh"] == "未到期"
    assert t.loc["Z", "overdue_nodes_zh"] == "开工" and t.loc["Z", "days_overdue"] == 11
    assert t.loc["Z", "completed_state_zh"] == "未到期"  # planned on the date itself: not yet overdue
    x = nodes[(nodes["project_id"] == "X")].set_index("node")
    assert list(x.index) == list(PROJECT_NODES) and x.loc["completed", "state"] == "overdue"
    # a month earlier, X's 竣工验收 is still ahead and Z's 开工 is not yet due
    before, _ = project_nodes(_projects(), "2021-11-30", RULES)
    assert set(before["status"]) == {"on_track"}
    # the threshold is a rule and can be lifted for every project
    every, _ = project_nodes(_projects(), AS_OF, RULES, min_investment_wan=0)
    assert set(every["project_id"]) == {"X", "Y", "Z"}
    assert every.set_index("project_id").loc["Y", "status"] == "overdue"  # 开工 planned 2021-03-01


# --- eligibility lists ----------------------------------------------------------------------
#
# 保障性租赁住房: F1 class B, 50 亩 outside parks → yes (may add 50 × (15 % − 7 %) = 4 亩 and
# 20 000 m² × (30 % − 15 %) = 3 000 m²); F2 class B, 49.9 亩 → no; F3 class C, 60 亩 outside → no;
# F4 class C, 5 亩 in a park → yes; F5 class A, 80 亩 but leased → no (not its own land).


def _housing_inputs() -> dict[str, pd.DataFrame]:
    mu = [50.0, 49.9, 60.0, 5.0, 80.0]
    pid = ["Q1", "Q2", "Q3", "Q4", "Q5"]
    parcels = pd.DataFrame(
        {
            "parcel_id": pid,
            "area_m2": [m * M2 for m in mu],
            "floor_area_m2": [20000.0, 20000.0, 30000.0, 4000.0, 50000.0],
        }
    )
    links = pd.DataFrame(
        {
            "uscc": ["F1", "F2", "F3", "F4", "F5"],
            "parcel_id": pid,
            "tenure": ["own", "own", "own", "own", "lease"],
            "land_area_m2": [m * M2 for m in mu],
            "land_area_mu": mu,
        }
    )
    firms = pd.DataFrame(
        {
            "uscc": ["F1", "F2", "F3", "F4", "F5"],
            "name": list("ABCDE"),
            "eval_class": ["B", "B", "C", "C", "A"],
        }
    )
    screening = pd.DataFrame(
        {
            "parcel_id": pid,
            "in_park": [False, False, False, True, False],
            "park_name": ["", "", "", "某小微园", ""],
            "is_industrial": [True] * 5,
            "area_mu": mu,
            "far": [0.5, 0.5, 1.5, 1.2, 0.3],
            "standard_far": [1.0, 0.5, 1.0, 1.0, 1.0],
        }
    )
    return {"parcels": parcels, "links": links, "firms": firms, "screening": screening}


def test_rental_housing_at_the_50_mu_and_class_boundaries() -> None:
    d = _housing_inputs()
    rh = rental_housing(d["firms"], d["links"], d["parcels"], d["screening"], RULES).set_index("uscc")
    assert set(rh.index) == {"F1", "F4"}
    assert rh.loc["F1", "land_may_add_mu"] == pytest.approx(4.0)
    assert rh.loc["F1", "land_cap_mu"] == pytest.approx(7.5)
    assert rh.loc["F1", "floor_cap_m2"] == pytest.approx(6000.0)
    assert rh.loc["F1", "floor_may_add_m2"] == pytest.approx(3000.0)
    assert rh.loc["F1", "basis"].startswith("园区外B类") and rh.loc["F4", "basis"] == "园区内存量工业项目"
    assert "§四(五)" in rh.loc["F4", "rule_source"]
    # the minimum is a rule: at 49.9 亩 F2 qualifies too
    lower = RULES.with_overrides({"supervision.rental_housing_min_area_mu": 49.9})
    assert "F2" in set(rental_housing(d["firms"], d["links"], d["parcels"], d["screening"], lower)["uscc"])


def test_far_uplift_lists_own_land_below_its_industry_far() -> None:
    d = _housing_inputs()
    fu = far_uplift(d["screening"], d["links"], d["parcels"], d["firms"]).set_index("parcel_id")
    # Q1 0.5 < 1.0; Q2 at its FAR, Q3 and Q4 above theirs, Q5 leased: not listed
    assert list(fu.index) == ["Q1"]
    assert fu.loc["Q1", "added_floor_m2"] == pytest.approx(50 * M2 * 0.5)
    assert fu.loc["Q1", "name"] == "A" and "§四(二)" in fu.loc["Q1", "rule_source"]


def test_land_price_at_the_tax_and_priority_boundaries() -> None:
    projects = pd.DataFrame(
        {
            "name": ["甲", "乙", "丙", "丁"],
            "industry_code": ["3670", "3670", "1952", "1952"],
            "priority_industry": [None, None, None, True],
            "investment_wan": [4500.0, 4500.0, 4500.0, 4500.0],
            "land_mu": [10.0, 10.0, 10.0, 10.0],
            "tax_at_full_wan": [300.0, 299.0, 300.0, 300.0],
        }
    )
    lp = land_price_projects(projects, RULES).set_index("name")
    # 甲: 先进制造业 (36), 30 万元/亩 and 450 万元/亩 exactly; 乙: 29.9; 丙: 鞋 not in 产业导向; 丁: said so
    assert list(lp["qualifies"]) == [True, False, False, True]
    assert lp.loc["甲", "floor_share"] == pytest.approx(0.70) and np.isnan(lp.loc["乙", "floor_share"])
    assert "达产亩均税收<30" in lp.loc["乙", "basis"] and "不属产业导向" in lp.loc["丙", "basis"]


def test_absent_sources_give_empty_lists_and_say_no_data() -> None:
    d = _land()
    sv = supervise(d["parcels"], d["links"], d["firms"], d["screening"].assign(in_park=False), RULES, AS_OF)
    assert sv.breaches.empty and sv.projects.empty and sv.land_price.empty
    summary = supervision_summary(sv)
    assert summary["standard_land"] == "no data: needs standard_land_contracts"
    assert summary["projects"] == "no data: needs projects" and summary["as_of"] == "2021-12-31"


def test_the_layers_are_drawn_on_the_parcels_they_concern() -> None:
    import geopandas as gpd
    import shapely

    d = _land()
    geoms = [
        shapely.box(500000 + i * 200, 3070000, 500000 + i * 200 + 100, 3070000 + 66.6667) for i in range(3)
    ]
    parcels = gpd.GeoDataFrame(d["parcels"], geometry=geoms, crs="EPSG:4549")
    sv = supervise(
        parcels,
        d["links"],
        d["firms"].assign(eval_class="A"),
        d["screening"].assign(in_park=False, standard_far=1.5, is_industrial=True),
        RULES,
        AS_OF,
        contracts=_contracts(),
        projects=_projects(),
    )
    m = maps.overview_map(parcels, supervision=sv, rules=RULES)
    html = m.get_root().render()
    for name in maps.SUPERVISION_LAYERS:
        assert f'"{name}"' in html
    assert "约定亩均税收≥30万元/亩" in html and "竣工验收" in html and "提容增效" in html


# --- the sample county ----------------------------------------------------------------------


@pytest.mark.skipif(not PROJECT.exists(), reason="sample county not generated")
def test_the_sample_run_writes_the_supervision_workbook_and_summary(
    sample_run: tuple[pipeline.RunResult, Path],
) -> None:
    result, out = sample_run
    sv = result.supervision
    assert sv is not None and sv.as_of == pd.Timestamp("2021-12-31")
    written: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))["supervision"]
    assert written["standard_land"]["contracts"] == 30 == len(sv.contracts)
    assert written["standard_land"]["breach"] == int((sv.contracts["status"] == "breach").sum()) > 0
    assert written["standard_land"]["compliant"] > 0 and written["standard_land"]["not_due"] > 0
    assert written["projects"]["listed"] == len(sv.projects) and written["projects"]["overdue"] > 0
    assert sv.projects["investment_wan"].min() >= 10000
    book = load_workbook(out / "exports" / "监管清单.xlsx")
    assert book.sheetnames == list(SUPERVISION_SHEETS)
    ws = book["挂图作战"]
    header = [c.value for c in ws[1]]
    assert label_zh("overdue_nodes_zh") in header and "竣工验收计划日期" in header
    col = header.index(label_zh("overdue_nodes_zh"))
    overdue = [row[col] for row in ws.iter_rows(min_row=2) if row[col].value]
    red_ranges = [
        cf.sqref
        for cf in ws.conditional_formatting
        if any(r.type == "notContainsBlanks" and r.dxf.font.color.rgb.endswith("C00000") for r in cf.rules)
    ]  # the filled 逾期节点 cells show red (a conditional format written with the sheet)
    assert overdue and all(any(c.coordinate in rng for rng in red_ranges) for c in overdue)
    assert "违约说明" in [c.value for c in book["标准地履约"][1]]
    page = (out / "maps" / "overview.html").read_text(encoding="utf-8")
    for name in maps.SUPERVISION_LAYERS:
        assert f'"{name}"' in page


@pytest.mark.skipif(not PROJECT.exists(), reason="sample county not generated")
def test_a_supervision_rule_change_reruns_the_supervise_stage_only() -> None:
    p = pipeline.Project.from_config(PROJECT)
    listed = p.supervise().supervision.projects
    assert len(listed) == 10  # of the 12 projects, 2 are under 1亿元
    screened = p.screen()
    p.set_rules({"supervision.projects_min_investment_wan": 0})
    assert p.screen() is screened  # kept
    assert len(p.supervise().supervision.projects) == 12


# --- bad rows of the optional tables (adversary review) -------------------------------------


def test_a_contract_on_an_unknown_parcel_is_listed_as_no_such_parcel() -> None:
    d = _land()
    act = parcel_actuals(d["parcels"], d["links"], d["firms"], d["screening"])
    contracts = pd.concat(
        [
            _contracts(),
            pd.DataFrame({"parcel_id": ["P9"], "contract_id": ["C9"], "agreed_tax_per_mu": [30.0]}),
        ],
        ignore_index=True,
    )
    status, breaches = contract_compliance(contracts, act, AS_OF, RULES)
    assert list(status["status"]) == ["breach", "compliant", "not_due", "no_parcel"]
    assert status["status_zh"].iloc[3] == "无此宗地" and len(breaches) == 1


class _Cfg:
    """The three things ``read_optional`` asks of a project config."""

    def __init__(self) -> None:
        self.columns: dict[str, Any] = {}
        self.column_scales: dict[str, Any] = {}

    def path(self, kind: str) -> Path:
        return Path(f"{kind}.xlsx")


def _optional_inputs() -> Any:
    from types import SimpleNamespace

    contracts = pd.DataFrame(
        {
            "宗地代码": ["P1", "P2", "P9", "P3"],
            "达产年限": ["长期", 3, 3, 3],
            "出让日期": ["2021.13.01", "2018-01-01", "2018-01-01", "9999-12-31"],
            "约定投资强度": [300, -250, 300, 300],
            "source_row": [1, 2, 3, 4],
        }
    )
    projects = pd.DataFrame(
        {
            "项目名称": ["甲", "乙"],
            "总投资(万元)": [-120000, "abc"],
            "用地面积(亩)": [50, 30],
            "落地年份": [2022, 2023],
            "达产税收(万元)": [1000, 800],
            "达产增加值(万元)": [5000, 4000],
            "宗地代码": ["P1", "P8"],
            "source_row": [1, 2],
        }
    )
    meta = {k: {"path": f"{k}.xlsx", "first_data_line": 2} for k in ("standard_land_contracts", "projects")}
    return SimpleNamespace(other={"standard_land_contracts": contracts, "projects": projects}, meta=meta)


def test_optional_tables_put_unreadable_cells_refused_rows_and_unknown_parcels_in_the_ledger() -> None:
    from ruian_land.core import InputWarning, Ledger
    from ruian_land.pipeline.optional import optional_table, record_optional_tables

    inputs, led = _optional_inputs(), Ledger()
    with pytest.warns(InputWarning) as caught:
        notes = record_optional_tables(inputs, _Cfg(), led, pd.Series(["P1", "P2", "P3"]))  # type: ignore[arg-type]
    assert len(notes) == 2 and len([w for w in caught if "problem(s) in" in str(w.message)]) == 2
    summary = led.summary()
    # contracts: row 2 (投资强度 −250) left out; projects: row 1 (总投资 −120000) left out
    assert summary["standard_land_contracts"] == {"rows_in": 4, "kept": 3, "repaired": 0, "rejected": 1}
    assert summary["projects"] == {"rows_in": 2, "kept": 1, "repaired": 0, "rejected": 1}
    issues = led.to_frame()
    c = issues[issues["input"] == "standard_land_contracts"].set_index("row")
    got = set(zip(c.index, c["column"], c["problem"], c["action"], strict=True))
    assert got == {
        (1, "full_production_years", "unparseable_value", "kept"),  # 长期 is not a number of years
        (1, "grant_date", "unparseable_value", "kept"),  # 2021.13.01
        (2, "agreed_investment_per_mu", "negative_value", "rejected"),
        (3, "parcel_id", "unknown_parcel", "kept"),
        (4, "grant_date", "open_ended_date", "kept"),  # 9999-12-31
    }
    assert sorted(c["file_row"]) == [2, 2, 3, 4, 5]  # header on line 1
    years = c.loc[c["column"] == "full_production_years", "detail"].iloc[0]
    assert "'长期' is not a valid float" in years and "default 达产年限" in years
    grant = c.loc[(c["column"] == "grant_date") & (c["problem"] == "unparseable_value"), "detail"].iloc[0]
    assert "'2021.13.01'" in grant and "parcel layer's grant date is used instead" in grant
    p = issues[issues["input"] == "projects"]
    assert set(zip(p["row"], p["problem"], strict=True)) == {
        (1, "negative_value"),
        (2, "unparseable_value"),
        (2, "unknown_parcel"),
    }
    assert "总投资(万元) = -120000 is negative" in p.loc[p["problem"] == "negative_value", "detail"].iloc[0]
    assert "rows 2, 3, 4, 5" in notes[0]
    # the stages get the tables without the refused rows
    table = optional_table(inputs, _Cfg(), "standard_land_contracts")  # type: ignore[arg-type]
    assert table is not None and list(table["parcel_id"]) == ["P1", "P9", "P3"]
    projects = optional_table(inputs, _Cfg(), "projects")  # type: ignore[arg-type]
    assert projects is not None and list(projects["name"]) == ["乙"]


def test_the_standard_land_sheet_lists_a_contract_on_an_unknown_parcel() -> None:
    from ruian_land.supervision import supervision_sheets

    d = _land()
    contracts = pd.concat(
        [
            _contracts(),
            pd.DataFrame({"parcel_id": ["P9"], "contract_id": ["C9"], "agreed_tax_per_mu": [30.0]}),
        ],
        ignore_index=True,
    )
    sv = supervise(
        d["parcels"],
        d["links"],
        d["firms"].assign(eval_class="A"),
        d["screening"].assign(in_park=False, standard_far=1.5, is_industrial=True),
        RULES,
        AS_OF,
        contracts=contracts,
        projects=None,
    )
    sheet = supervision_sheets(sv)["标准地履约"]
    assert list(zip(sheet["contract_id"], sheet["contract_status_zh"], strict=True)) == [
        ("C1", "违约"),
        ("C9", "无此宗地"),
    ]
    assert "未核查" in sheet["clause_text"].iloc[1] and pd.isna(sheet["agreed"].iloc[1])
    assert supervision_summary(sv)["standard_land"]["no_parcel"] == 1
