"""The three-year path (issue 14): targets by year, the levers' waterfall, what it takes.

The sample county is synthetic; these tests check the arithmetic, not the county.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import ruian_land
from ruian_land import pipeline
from ruian_land.config import load_config
from ruian_land.core import map_columns
from ruian_land.rules import load_rules
from ruian_land.scenario import remedy_table
from ruian_land.trajectory import (
    LEVER_ORDER,
    TARGETS,
    build_basis,
    estimate_growth,
    figures,
    investment_figures,
    levers_from_rules,
    project_trajectory,
)

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "data" / "project.yaml"
LEVER_COLUMNS = [f"lever_{name}" for name in LEVER_ORDER]
needs_sample = pytest.mark.skipif(not PROJECT.exists(), reason="sample county not generated")


@pytest.fixture(scope="module")
def project() -> pipeline.Project:
    p = ruian_land.Project.from_config(PROJECT)
    p.trajectory()
    return p


def _without_projects() -> pipeline.Project:
    """The sample county without its ``projects`` table (the trajectory as before issue 17)."""
    cfg = load_config(PROJECT)
    cfg.sources.pop("projects", None)
    return ruian_land.Project(cfg)


# --- a hand-worked example: three 规上 firms, two projected years ------------------------------
#
# Base year 2021; targets.years = [2022, 2023]. Benchmarks (rank group "above"): 亩均税收 30,
# 亩均增加值 150, 单位能耗增加值 4. Levers: upgrade closes 50 % of the gap, tax grows 10 %/yr, 增加值
# 0 %, re-let land at 20 万元/亩 tax and 100 万元/亩 增加值, re-let one year after freeing, ramp
# 50 % then 100 %; all of A's freed 10 亩 is 标准地 (reuse_share_standard_land = 1); no 提容增效.
#
#   firm  land  tax  增加值   remedy
#   A      10    50    200    exit 2022 (leaves the stock, frees 10 亩)
#   B      20   400   2000    —
#   C      10   100    800    upgrade 2022
#
# 亩均税收, base: (50 + 400 + 100) / 40 = 13.75
# 2022  clearance: A out → 500 / 30 = 16.6667 (+2.9167)
#       upgrade: C's gap 30 × 10 − 100 = 200, half closed → +100 → 600 / 30 = 20 (+3.3333)
#       growth (1 year): 600 × 1.1 = 660 → 22 (+2)      re-use: re-let in 2023 → 0      = 22.00
# 2023  clearance 16.6667, upgrade 20, growth (2 years) 600 × 1.21 = 726 → 24.2 (+4.2)
#       re-use: +10 亩 at 20 × 50 % = +100 万元 → 826 / 40 = 20.65 (−3.55)                 = 20.65
# 亩均增加值, base: 3000 / 40 = 75; clearance 2800 / 30 = 93.3333; upgrade: C's gap 150 × 10 −
# 800 = 700, half → +350 → 3150 / 30 = 105; growth 0; 2023 re-use +10 × 100 × 50 % = 500 →
# 3650 / 40 = 91.25.
HAND_RULES = {
    "targets.years": [2022, 2023],
    "trajectory.upgrade_gap_closed": 0.5,
    "trajectory.growth_tax": 0.10,
    "trajectory.growth_value_added": 0.0,
    "trajectory.growth_energy": 0.0,
    "trajectory.growth_employees": 0.0,
    "trajectory.growth_revenue": 0.0,
    "trajectory.growth_rd": 0.0,
    "trajectory.reuse_tax_per_mu": 20.0,
    "trajectory.reuse_value_added_per_mu": 100.0,
    "trajectory.reuse_lag_years": 1,
    "trajectory.ramp": [0.5, 1.0],
    "trajectory.far_uptake_per_year": 0.0,
    "scenario.reuse_share_standard_land": 1.0,
}


def _hand(
    projects: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    rules: Any = None,
) -> tuple[Any, Any]:
    rules = load_rules().with_overrides(HAND_RULES) if rules is None else rules
    firms = pd.DataFrame(
        {
            "uscc": ["A", "B", "C"],
            "above_scale": [True, True, True],
            "land_area_mu": [10.0, 20.0, 10.0],
            "tax_wan": [50.0, 400.0, 100.0],
            "value_added_wan": [200.0, 2000.0, 800.0],
            "energy_tce_primary": [100.0, 400.0, 400.0],
            "employees": [20.0, 100.0, 40.0],
            "revenue_wan": [1000.0, 8000.0, 3000.0],
            "rd_wan": [20.0, 240.0, 60.0],
            "eval_rank_group": ["above"] * 3,
        }
    )
    selection = pd.DataFrame(
        {
            "uscc": ["A", "C"],
            "remedy": ["exit", "upgrade"],
            "year": [2022, 2022],
            "energy_saved_tce": [100.0, 60.0],
            "co2_reduction_t": [200.0, 120.0],
        }
    )
    freed = pd.DataFrame(
        {
            "parcel_id": ["P1"],
            "year": [2022],
            "area_mu": [10.0],
            "source": ["occupied"],
            "reusable_mu": [10.0],
            "inside_control_line_share": [1.0],
        }
    )
    bench = pd.DataFrame(
        {
            "eval_group": ["above"] * 3,
            "eval_rank_group": ["above"] * 3,
            "indicator": ["tax_per_mu", "value_added_per_mu", "value_added_per_tce"],
            "benchmark": [30.0, 150.0, 4.0],
        }
    )
    tr = project_trajectory(
        firms, selection, freed, rules, base_year=2021, benchmarks=bench, projects=projects, history=history
    )
    return tr, rules


def _row(frame: pd.DataFrame, year: int, indicator: str) -> pd.Series:
    hit = frame[(frame["year"] == year) & (frame["indicator"] == indicator)]
    assert len(hit) == 1, (year, indicator)
    return hit.iloc[0]


def test_hand_worked_three_firms_two_years_to_the_cent() -> None:
    tr, _ = _hand()
    wf = tr.waterfall
    t22, t23 = _row(wf, 2022, "tax_per_mu"), _row(wf, 2023, "tax_per_mu")
    assert round(t22["base"], 2) == 13.75
    assert (round(t22["lever_clearance"], 2), round(t22["lever_upgrade"], 2)) == (2.92, 3.33)
    assert (round(t22["lever_growth"], 2), round(t22["lever_reuse"], 2)) == (2.00, 0.00)
    assert round(t22["value"], 2) == 22.00
    assert t22["value"] == pytest.approx(22.0, abs=1e-12)
    assert round(t23["lever_growth"], 2) == 4.20 and round(t23["lever_reuse"], 2) == -3.55
    assert t23["value"] == pytest.approx(20.65, abs=1e-12)
    v22, v23 = _row(wf, 2022, "value_added_per_mu"), _row(wf, 2023, "value_added_per_mu")
    assert v22["base"] == pytest.approx(75.0) and v22["value"] == pytest.approx(105.0, abs=1e-12)
    assert v23["value"] == pytest.approx(91.25, abs=1e-12)
    # counts come from the scenario's picks, all in the clearance step
    assert _row(wf, 2022, "firms_exited")["value"] == 1 and _row(wf, 2023, "firms_upgraded")["value"] == 1
    assert _row(wf, 2023, "freed_area_mu")["lever_clearance"] == pytest.approx(10.0)
    tt = tr.targets
    t = _row(tt, 2023, "tax_per_mu")
    assert t["target"] == 42 and t["gap"] == pytest.approx(42 - 20.65) and t["met"] is False
    assert t["province"] == pytest.approx(28.1)


def test_the_waterfall_sums_to_the_value_every_year(project: pipeline.Project) -> None:
    wf = project.trajectory().trajectory.waterfall
    known = wf[wf["value"].notna()]
    assert len(known) > 20
    total = known["base"] + known[LEVER_COLUMNS].sum(axis=1)
    assert np.allclose(total, known["value"], rtol=0, atol=1e-9)
    hand, _ = _hand()
    h = hand.waterfall[hand.waterfall["value"].notna()]
    assert np.allclose(h["base"] + h[LEVER_COLUMNS].sum(axis=1), h["value"], rtol=0, atol=1e-9)


@needs_sample
def test_with_no_growth_upgrade_or_reuse_the_path_is_the_clearance_only_figure() -> None:
    p = _without_projects()  # the projects lever is not in the scenario's figures
    zero = {
        f"trajectory.growth_{k}": 0.0 for k in ("tax", "value_added", "energy", "employees", "revenue", "rd")
    }
    zero |= {
        "trajectory.upgrade_gap_closed": 0.0,
        "trajectory.reuse_share": 0.0,
        "trajectory.far_uptake_per_year": 0.0,
        # the scenario's own flat upgrade gain is in its clearance-only figure: off too
        "scenario.upgrade_tax_gain": 0.0,
        "scenario.upgrade_value_added_gain": 0.0,
    }
    p.set_rules(zero)
    sc = p.simulate().scenario.summary
    tr = p.trajectory().trajectory
    final = max(tr.years)
    tax = _row(tr.waterfall, final, "tax_per_mu")
    assert tax["value"] == pytest.approx(sc["tax_per_mu_after_clearance_only"], rel=1e-12)
    va = _row(tr.waterfall, final, "value_added_per_mu")
    assert va["value"] == pytest.approx(sc["value_added_per_mu_after_clearance_only"], rel=1e-12)
    # re-let at once at full 达产 (no lag, ramp 100 %, no idle land): the scenario's after-re-use figure
    p.set_rules(
        {
            "trajectory.reuse_share": 1.0,
            "trajectory.reuse_lag_years": 0,
            "trajectory.ramp": [1.0],
            "trajectory.reuse_idle_land": False,
        }
    )
    tr = p.trajectory().trajectory
    assert _row(tr.waterfall, final, "tax_per_mu")["value"] == pytest.approx(
        sc["tax_per_mu_after"], rel=1e-12
    )


@pytest.mark.parametrize(
    ("lever", "indicator", "low", "high"),
    [
        ("growth_tax", "tax_per_mu", 0.0, 0.2),
        ("growth_value_added", "value_added_per_mu", 0.0, 0.2),
        ("upgrade_gap_closed", "tax_per_mu", 0.0, 1.0),
        ("reuse_tax_per_mu", "tax_per_mu", 10.0, 50.0),
        ("far_uptake_per_year", "value_added_per_mu", 0.0, 0.4),
        ("growth_rd", "rd_intensity", 0.0, 0.3),
    ],
)
def test_raising_a_lever_never_lowers_the_target_it_feeds(
    project: pipeline.Project, lever: str, indicator: str, low: float, high: float
) -> None:
    sim, ev, scr, ing = project.simulate(), project.evaluate(), project.screen(), project.ingest()
    rules = project.rules
    basis = build_basis(
        ev.firms, sim.scenario.selection, sim.scenario.freed_parcels, remedy_table(rules), rules,
        base_year=project.config.data_year, benchmarks=ev.evaluation.benchmarks,
        links=ing.occupancy.links, screening_parcels=scr.screening.parcels,
    )  # fmt: skip
    lv = levers_from_rules(rules)
    major = float(rules.value("targets.major_project_investment_wan"))
    for year in (2021, 2022, 2023):
        values = [
            figures(basis, lv.with_value(lever, x), year, major_wan=major)[indicator]
            for x in np.linspace(low, high, 9)
        ]
        assert all(b >= a - 1e-12 for a, b in itertools.pairwise(values)), (lever, year, values)
    # the ramp: a faster 达产 never lowers 亩均税收
    slow = figures(basis, dataclasses.replace(lv, ramp=(0.1, 0.3, 0.6)), 2023, major_wan=major)["tax_per_mu"]
    fast = figures(basis, dataclasses.replace(lv, ramp=(0.5, 0.9, 1.0)), 2023, major_wan=major)["tax_per_mu"]
    assert fast >= slow


@needs_sample
def test_a_target_without_data_is_listed_as_such_naming_its_table(project: pipeline.Project) -> None:
    bare = _without_projects()
    tt = bare.trajectory().trajectory.targets
    mp = _row(tt, 2023, "major_projects")
    assert mp["path_status"] == "no data" and "projects" in mp["data_table"] and math.isnan(mp["value"])
    inv = _row(tt, 2023, "manufacturing_investment")
    assert inv["path_status"] == "no data" and "制造业投资" in inv["data_table"]
    summary = bare.summary["trajectory"]["years"]["2023"]
    assert (
        summary["major_projects"]["status"] == "no data" and "projects" in summary["major_projects"]["table"]
    )
    # the sample's 项目库 (issue 17): 10亿元+ projects landed 2020, 2021, 2022 and 2023
    sample = project.trajectory().trajectory.targets
    assert [_row(sample, y, "major_projects")["value"] for y in (2021, 2022, 2023)] == [2, 3, 4]
    # given the projects table, the 10亿 projects are counted when they land
    projects = pd.DataFrame(
        {
            "name": ["甲项目", "乙项目"],
            "industry": ["汽车制造", "通用设备"],
            "investment_wan": [150000.0, 30000.0],
            "land_mu": [100.0, 20.0],
            "year_landed": [2023, 2022],
            "tax_at_full_wan": [4000.0, 600.0],
            "value_added_at_full_wan": [20000.0, 3000.0],
        }
    )
    tr, _ = _hand(projects)
    assert _row(tr.targets, 2022, "major_projects")["value"] == 0
    assert _row(tr.targets, 2023, "major_projects")["value"] == 1
    assert _row(tr.targets, 2023, "major_projects")["path_status"] == "projected"
    # 2023 tax: 826 + 乙 600 × 100 % (second year) + 甲 4000 × 50 % = 3426 on 40 + 120 亩
    assert _row(tr.waterfall, 2023, "tax_per_mu")["value"] == pytest.approx(3426 / 160, abs=1e-12)


def test_the_projects_source_reads_chinese_headers() -> None:
    raw = pd.DataFrame(
        {
            "项目名称": ["甲项目"],
            "行业": ["汽车制造"],
            "总投资(万元)": [150000],
            "用地面积(亩)": [100],
            "落地年份": [2023],
            "达产税收(万元)": [4000],
            "达产增加值(万元)": [20000],
        }
    )
    mapped = map_columns(raw, "projects")
    cols = {"name", "industry", "investment_wan", "land_mu", "year_landed", "tax_at_full_wan"}
    assert cols | {"value_added_at_full_wan"} <= set(mapped.columns)


@needs_sample
def test_what_it_takes_put_back_into_the_rules_meets_the_target() -> None:
    p = ruian_land.Project.from_config(PROJECT)
    wit = p.trajectory().trajectory.what_it_takes
    tax = wit[(wit["indicator"] == "tax_per_mu")]
    assert len(tax) and (~tax["closes"].astype(bool)).any()  # some single lever cannot do it
    assert tax.loc[~tax["closes"].astype(bool), "note"].str.contains("cannot close").all()
    row = tax[tax["closes"].astype(bool)].iloc[0]
    p.set_rules({str(row["rule"]): float(row["needed"])})
    tr = p.trajectory().trajectory
    got = _row(tr.targets, max(tr.years), "tax_per_mu")
    assert got["value"] == pytest.approx(42.0, abs=1e-6) and got["value"] >= 42.0 - 1e-6


@needs_sample
def test_the_sample_run_has_every_target_in_every_year(
    project: pipeline.Project, sample_run: tuple[pipeline.RunResult, Path]
) -> None:
    tr = project.trajectory().trajectory
    assert tr.years == [2021, 2022, 2023] and tr.base_year == 2021
    for year in tr.years:
        assert set(tr.targets.loc[tr.targets["year"] == year, "indicator"]) == {t.key for t in TARGETS}
    _result, out = sample_run
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(written["trajectory"]["years"]) == {"2021", "2022", "2023"}
    entry = written["trajectory"]["years"]["2023"]["tax_per_mu"]
    assert {"value", "target", "gap", "met", "contributions"} <= set(entry)
    assert entry["base"] + sum(entry["contributions"].values()) == pytest.approx(entry["value"], abs=1e-3)
    assert "scenario" in written and "tax_per_mu_after" in written["scenario"]  # existing keys kept
    book = load_workbook(out / "exports" / "目标路径.xlsx", read_only=True)
    assert book.sheetnames == ["分年目标", "因素分解", "达标条件", "假设", "存量增长"]
    # the sample's 2019–2020 history sets the tax growth: its panel grew ≈ 5 %/yr (generator mean 6 %)
    growth = written["trajectory"]["growth"]["trajectory.growth_tax"]
    assert growth["from"] == "firm_history" and growth["years"] == "2019,2020,2021"
    assert 0.03 < growth["used"] < 0.08 and growth["panel_firms"] > 400
    assert written["trajectory"]["growth"]["trajectory.growth_energy"]["from"] == "rule"  # no 综合能耗 column
    header = [c.value for c in next(book["因素分解"].iter_rows(max_row=1))]
    assert "提容增效" in header and "基期值" in header
    assumptions = [c.value for c in next(book["假设"].iter_rows(max_row=1))]
    assert "依据" in assumptions


# --- incumbent growth from the firms' own history (lever e, firm_history) ---------------------


def _history_rules(**extra: Any) -> Any:
    """HAND_RULES without the tax growth override, so firm_history may set it; 2 firms suffice."""
    base = {k: v for k, v in HAND_RULES.items() if k != "trajectory.growth_tax"}
    return load_rules().with_overrides({**base, "trajectory.history_min_firms": 2, **extra})


def _firms() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": ["A", "B", "C", "D"],
            "above_scale": [True, True, True, False],
            "land_area_mu": [10.0, 20.0, 10.0, 5.0],
            "tax_wan": [110.0, 121.0, 50.0, 99.0],
            "value_added_wan": [500.0, 500.0, 100.0, 10.0],
        }
    )


def test_growth_from_two_years_is_the_cagr_of_the_balanced_panel() -> None:
    # 2020 → 2021 on A and B: (110 + 121) / (100 + 100) = 1.155 → 15.5 %/yr. C has no 2020 tax
    # (not in the panel: entry is not growth); D is not 规上; E is not a firm of the data year.
    hist = pd.DataFrame(
        {
            "uscc": ["A", "B", "C", "D", "E", "A"],
            "year": [2020, 2020, 2020, 2020, 2020, 2021],
            "tax_wan": [100.0, 100.0, 0.0, 1.0, 500.0, 999.0],  # A's 2021 row: the data year's tables win
        }
    )
    est = estimate_growth(hist, _firms(), 2021, _history_rules())
    row = est.table.set_index("rule").loc["trajectory.growth_tax"]
    assert row["panel_firms"] == 2 and row["years"] == "2020,2021"
    assert (row["first_total"], row["base_total"]) == (200.0, 231.0)
    assert row["estimate"] == pytest.approx(0.155, abs=1e-12) and row["used_from"] == "firm_history"
    assert est.overrides["trajectory.growth_tax"]["value"] == pytest.approx(0.155, abs=1e-12)
    assert est.overrides["trajectory.growth_tax"]["status"] == "data"
    # a measure the table does not carry keeps its rule and says why
    va = est.table.set_index("rule").loc["trajectory.growth_value_added"]
    assert va["used_from"] == "user" and "no 工业增加值" in va["note"]  # HAND_RULES sets it
    assert "trajectory.growth_value_added" not in est.overrides


def test_growth_from_three_years_fits_the_log_linear_trend() -> None:
    # panel totals 2019 → 2021: 190.909…, 210, 231 (exactly +10 %/yr) → 10 %
    hist = pd.DataFrame(
        {
            "uscc": ["A", "B", "A", "B"],
            "year": [2019, 2019, 2020, 2020],
            "tax_wan": [110 / 1.21, 121 / 1.21, 100.0, 110.0],
        }
    )
    est = estimate_growth(hist, _firms(), 2021, _history_rules())
    row = est.table.set_index("rule").loc["trajectory.growth_tax"]
    assert row["years"] == "2019,2020,2021" and row["estimate"] == pytest.approx(0.10, abs=1e-12)


def test_growth_from_history_respects_min_firms_range_and_user_overrides() -> None:
    hist = pd.DataFrame({"uscc": ["A", "B"], "year": [2020, 2020], "tax_wan": [10.0, 10.0]})
    few = estimate_growth(hist, _firms(), 2021, _history_rules(**{"trajectory.history_min_firms": 3}))
    row = few.table.set_index("rule").loc["trajectory.growth_tax"]
    assert row["used_from"] == "rule" and "fewer than trajectory.history_min_firms = 3" in row["note"]
    assert not few.overrides
    # 231 / 20 − 1 = 1055 %/yr: clipped to the top of trajectory.range.growth_tax
    hi = float(load_rules().value("trajectory.range.growth_tax")[1])
    wild = estimate_growth(hist, _firms(), 2021, _history_rules())
    assert wild.overrides["trajectory.growth_tax"]["value"] == hi
    assert "clipped" in wild.table.set_index("rule").loc["trajectory.growth_tax", "note"]
    # a rate the user set in the config is never replaced
    user = estimate_growth(hist, _firms(), 2021, _history_rules(**{"trajectory.growth_tax": 0.02}))
    assert not user.overrides
    assert user.table.set_index("rule").loc["trajectory.growth_tax", "used_from"] == "user"


def test_history_implying_the_rule_rate_reproduces_the_hand_worked_path() -> None:
    # The hand-worked example grows tax by 10 %/yr; a history whose panel grew 10 % gives the same
    # path to the cent, now with the rate marked as coming from the data.
    hist = pd.DataFrame(
        {"uscc": ["A", "B", "C"], "year": [2020] * 3, "tax_wan": [50 / 1.1, 400 / 1.1, 100 / 1.1]}
    )
    tr, _ = _hand(history=hist, rules=_history_rules())
    assert _row(tr.waterfall, 2023, "tax_per_mu")["value"] == pytest.approx(20.65, abs=1e-9)
    used = tr.assumptions.set_index("key").loc["trajectory.growth_tax"]
    assert float(used["value"]) == pytest.approx(0.10) and used["rule_status"] == "data"
    assert "firm_history 2020,2021" in used["source"]
    # a faster-growing history raises 2023 亩均税收 (the growth lever feeds it)
    fast = hist.assign(tax_wan=hist["tax_wan"] / 1.1)
    tr_fast, _ = _hand(history=fast, rules=_history_rules())
    assert _row(tr_fast.waterfall, 2023, "tax_per_mu")["value"] > 20.65 + 1
    assert (
        ruian_land.trajectory.summary_dict(tr_fast)["growth"]["trajectory.growth_tax"]["from"]
        == "firm_history"
    )


def test_the_firm_history_source_reads_chinese_headers() -> None:
    raw = pd.DataFrame(
        {"统一社会信用代码": ["X"], "年度": [2020], "实缴税收(万元)": [1.0], "综合能耗(吨标准煤)": [2.0]}
    )
    mapped = map_columns(raw, "firm_history")
    assert {"uscc", "year", "tax_wan", "energy_tce"} <= set(mapped.columns)


# --- investment targets read from the 统计局 table (plan §二) ---------------------------------


def test_investment_figures_by_hand() -> None:
    # 制造业投资 2020 100, 2021 110, 2022 121 (万元); plan from 2021: 2021 → 110 (cumulative),
    # growth (110 / 100) − 1 = 10 %; 2022 → 231, ((121 / 100) ** (1/2)) − 1 = 10 %; 2023 not given.
    table = pd.DataFrame(
        {
            "year": [2020, 2021, 2022],
            "manufacturing_investment_wan": [100.0, 110.0, 121.0],
            "industrial_investment_wan": [None, 30.0, None],
            "fixed_asset_investment_wan": [None, 150.0, 200.0],
        }
    )
    f21, f22 = investment_figures(table, 2021, 2021), investment_figures(table, 2022, 2021)
    assert f21["manufacturing_investment"] == 110.0 and f22["manufacturing_investment"] == 231.0
    assert f21["manufacturing_investment_growth"] == pytest.approx(0.10)
    assert f22["manufacturing_investment_growth"] == pytest.approx(0.10)
    assert f21["industrial_investment_share"] == pytest.approx(0.20)
    assert math.isnan(f22["industrial_investment_share"])  # no 工业投资 for 2022
    f23 = investment_figures(table, 2023, 2021)
    assert all(math.isnan(v) for v in f23.values())  # never projected
    assert math.isnan(investment_figures(table.iloc[1:], 2021, 2021)["manufacturing_investment_growth"])


@needs_sample
def test_the_sample_reads_its_investment_table(project: pipeline.Project) -> None:
    tt = project.trajectory().trajectory.targets
    inv = _row(tt, 2021, "manufacturing_investment")
    assert inv["value"] == 376000 and inv["target"] == 1200000 and inv["met"] is False
    growth = _row(tt, 2021, "manufacturing_investment_growth")
    assert growth["value"] == pytest.approx(376000 / 332000 - 1) and growth["met"] is True
    share = _row(tt, 2021, "industrial_investment_share")
    assert share["value"] == pytest.approx(410000 / 2600000) and share["target"] == pytest.approx(0.20)
    later = _row(tt, 2022, "manufacturing_investment")
    assert later["path_status"] == "no data" and "every plan year" in later["data_table"]
    assert later["data_table"].endswith("; the table gives 2019–2021")  # what it does give
    assert "the table gives" not in inv["data_table"]  # a year it answers needs no such note


def test_what_it_takes_names_the_projects_still_needed() -> None:
    projects = pd.DataFrame(
        {
            "name": ["甲项目"],
            "industry": ["汽车制造"],
            "investment_wan": [150000.0],
            "land_mu": [100.0],
            "year_landed": [2023],
            "tax_at_full_wan": [4000.0],
            "value_added_at_full_wan": [20000.0],
        }
    )
    tr, _ = _hand(projects)
    wit = tr.what_it_takes.set_index("indicator")
    row = wit.loc["major_projects"]
    assert row["lever"] == "projects" and row["value"] == 1 and row["needed"] == 10
    assert row["note"].startswith("9 more project(s) of ≥ 10 亿元 landed by 2023")


def test_the_sample_investment_figures_are_reported_not_projected(project: pipeline.Project) -> None:
    tt = project.trajectory().trajectory.targets
    assert _row(tt, 2021, "manufacturing_investment")["path_status"] == "reported"
    assert _row(tt, 2021, "tax_per_mu")["path_status"] == "projected"


def _ingested_with(tmp_path: Path, name: str, text: str) -> Any:
    """A copy of the sample whose firm_history or investment file is ``text`` (UTF-8 with BOM)."""
    import shutil

    shutil.copytree(ROOT / "data", tmp_path / "data")
    files = {"firm_history": "enterprises/历年数据_经信局.csv", "investment": "enterprises/投资_统计局.csv"}
    (tmp_path / "data" / files[name]).write_text(text, encoding="utf-8-sig")
    return ruian_land.Project.from_config(tmp_path / "data" / "project.yaml")


@needs_sample
def test_repeated_investment_years_are_not_added_up(tmp_path: Path) -> None:
    head = "年度,制造业投资(含技改)(万元),工业投资(万元),固定资产投资(万元)\n"
    rows = "2020,332000,371000,2380000\n2021,376000,410000,2600000\n"
    p = _ingested_with(tmp_path, "investment", head + rows + "2021,376000,410000,2600000\n")
    with pytest.warns(ruian_land.core.InputWarning, match="repeat an earlier row exactly"):
        tt = p.trajectory().trajectory.targets
    assert _row(tt, 2021, "manufacturing_investment")["value"] == 376000  # not 752 000
    clash = _ingested_with(tmp_path / "b", "investment", head + rows + "2021,400000,410000,2600000\n")
    with pytest.raises(ruian_land.core.InputError, match=r"different figures for the same year.*2021"):
        clash.trajectory()


def test_firm_history_keeps_one_row_per_firm_and_year(tmp_path: Path) -> None:
    from ruian_land.pipeline.keys import one_row_per_key

    hist = pd.DataFrame(
        {
            "uscc": ["A", "A", "B"],
            "year": [2020, 2020, 2020],
            "tax_wan": [10.0, 10.0, 5.0],
            "source_row": [2, 3, 4],
        }
    )
    with pytest.warns(ruian_land.core.InputWarning, match=r"1 row\(s\) of firm_history repeat.*file rows 3"):
        kept = one_row_per_key(hist, ("uscc", "year"), "firm_history", tmp_path / "h.csv")
    assert list(kept["source_row"]) == [2, 4]
    clash = hist.assign(tax_wan=[10.0, 11.0, 5.0])
    with pytest.raises(ruian_land.core.InputError, match=r"A/2020 \(row 2\); A/2020 \(row 3\)"):
        one_row_per_key(clash, ("uscc", "year"), "firm_history", tmp_path / "h.csv")
