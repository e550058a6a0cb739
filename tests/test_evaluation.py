"""亩均效益综合评价: scores worked out by hand with the Huangyan 2021 preset (RULES.md §2).

Huangyan 2021 规上 benchmarks / weights: 亩均税收 26.01/30, 亩均增加值 132.27/20, 单位能耗增加值
2.54/20 (等价值), 单位排放增加值 4861.08/10, 全员劳动生产率 17.45/10, R&D 0.0305/10; 规下: 亩均税收
16.601058/50, 单位电耗税收 0.236565/50. Cap 1.5 × weight, floor 0. Bands A 20 / B 75 / C 95 / D 100 %.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruian_land.errors import InputError, InputWarning
from ruian_land.evaluation import band_bounds, class_counts, evaluate
from ruian_land.rules import load_rules

RULES = load_rules(evaluation="huangyan_2021")
NAN = np.nan
AS_OF = "2021-12-31"
_DEFAULTS: dict[str, Any] = {
    "name": "企业",
    "industry_code": "3311",
    "above_scale": True,
    "exempt_reason": "",
    "established_date": pd.Timestamp("2010-01-01"),
    "production_start_date": pd.NaT,
    "safety_accident": False,
    "environmental_penalty": False,
    "energy_task_unmet": False,
    "tax_arrears": False,
    "tax_wan": NAN,
    "value_added_wan": NAN,
    "revenue_wan": NAN,
    "rd_wan": NAN,
    "employees": NAN,
    "elec_kwh": NAN,
    "gas_m3": NAN,
    "coal_t": NAN,
    "heat_mj": NAN,
    "emission_t": NAN,
    "land_area_mu": NAN,
}


def make_firms(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Firm table per CONTRACTS §2 from partial rows (uscc defaults to U000, U001, …)."""
    full = [{"uscc": f"U{i:03d}", **_DEFAULTS, **r} for i, r in enumerate(rows)]
    df = pd.DataFrame(full)
    for col in ("established_date", "production_start_date"):
        df[col] = pd.to_datetime(df[col])
    return df


def tax_only(taxes: list[float], land: float = 1.0, **extra: Any) -> pd.DataFrame:
    """规上 firms that differ only by tax; the other five indicators are missing (score 0)."""
    return make_firms([{"tax_wan": t, "land_area_mu": land, **extra} for t in taxes])


# --------------------------------------------------------------------------- the three-firm toy


@pytest.fixture(scope="module")
def toy() -> pd.DataFrame:
    firms = make_firms(
        [
            # F1 规上
            dict(
                uscc="F1",
                land_area_mu=2.0,
                tax_wan=52.02,
                value_added_wan=762.0,
                elec_kwh=1_000_000.0,
                emission_t=0.381,
                employees=40.0,
                rd_wan=30.5,
                revenue_wan=1000.0,
            ),
            # F2 规上, no emission data
            dict(
                uscc="F2",
                land_area_mu=10.0,
                tax_wan=52.02,
                value_added_wan=264.54,
                elec_kwh=500_000.0,
                employees=30.0,
                rd_wan=0.0,
                revenue_wan=2000.0,
            ),
            # F3 规下
            dict(uscc="F3", above_scale=False, land_area_mu=5.7, tax_wan=23.6565, elec_kwh=1_000_000.0),
        ]
    )
    return evaluate(firms, RULES, as_of=AS_OF).set_index("uscc")


def test_toy_f1_scores(toy: pd.DataFrame) -> None:
    f1 = toy.loc["F1"]
    assert f1["score_tax_per_mu"] == pytest.approx(30.0)  # 52.02/2 = 26.01 → 26.01/26.01 × 30
    # 762/2 = 381 → 381/132.27 × 20 = 57.61 → capped at 1.5 × 20 = 30
    assert f1["score_value_added_per_mu"] == pytest.approx(30.0)
    # 1e6 kWh × 0.30 = 300 tce; 762/300 = 2.54 → 2.54/2.54 × 20 = 20
    assert f1["score_value_added_per_tce"] == pytest.approx(20.0)
    # 762/0.381 = 2000 万元/t → 2000/4861.08 × 10 = 4.114312
    assert f1["score_value_added_per_t_emission"] == pytest.approx(4.114312, abs=1e-6)
    # 762/40 = 19.05 → 19.05/17.45 × 10 = 10.916905
    assert f1["score_labour_productivity"] == pytest.approx(10.916905, abs=1e-6)
    assert f1["score_rd_intensity"] == pytest.approx(10.0)  # 30.5/1000 = 0.0305 → 10
    assert np.isnan(f1["score_tax_per_10k_kwh"])  # 规下-only indicator
    # 30 + 30 + 20 + 4.114312 + 10.916905 + 10 = 105.031217
    assert f1["score_total"] == pytest.approx(105.031217, abs=1e-6)


def test_toy_f2_scores_with_missing_emission(toy: pd.DataFrame) -> None:
    f2 = toy.loc["F2"]
    assert f2["score_tax_per_mu"] == pytest.approx(6.0)  # 52.02/10 = 5.202 = 0.2 × 26.01 → 6
    assert f2["score_value_added_per_mu"] == pytest.approx(4.0)  # 26.454 = 0.2 × 132.27 → 4
    # 5e5 kWh × 0.30 = 150 tce; 264.54/150 = 1.7636 → 1.7636/2.54 × 20 = 13.886614
    assert f2["score_value_added_per_tce"] == pytest.approx(13.886614, abs=1e-6)
    # no emission data → average 规上 score of the firms with data = F1's 4.114312
    assert f2["score_value_added_per_t_emission"] == pytest.approx(4.114312, abs=1e-6)
    # 264.54/30 = 8.818 → 8.818/17.45 × 10 = 5.053295
    assert f2["score_labour_productivity"] == pytest.approx(5.053295, abs=1e-6)
    assert f2["score_rd_intensity"] == 0.0  # 0/2000 = 0
    # 6 + 4 + 13.886614 + 4.114312 + 5.053295 + 0 = 33.054221
    assert f2["score_total"] == pytest.approx(33.054221, abs=1e-6)


def test_toy_f3_below_scale(toy: pd.DataFrame) -> None:
    f3 = toy.loc["F3"]
    assert f3["eval_group"] == "below"
    # 23.6565/5.7 = 4.150263 → 4.150263/16.601058 × 50 = 12.499996
    assert f3["score_tax_per_mu"] == pytest.approx(23.6565 / 5.7 / 16.601058 * 50)
    assert f3["score_tax_per_mu"] == pytest.approx(12.499996, abs=1e-6)
    # 23.6565 / (1e6 kWh / 1e4 = 100 万kWh) = 0.236565 = benchmark → 50
    assert f3["score_tax_per_10k_kwh"] == pytest.approx(50.0)
    assert np.isnan(f3["score_value_added_per_mu"])
    assert f3["score_total"] == pytest.approx(62.499996, abs=1e-6)


def test_toy_classes_ranks_and_levers(toy: pd.DataFrame) -> None:
    # 规上 n = 2: k_A = round_half_up(0.2 × 2 = 0.4) = 0, k_B = round_half_up(1.5) = 2 → both B
    # 规下 n = 1: k_A = round(0.2) = 0, k_B = round(0.75) = 1 → B
    assert toy["eval_class"].tolist() == ["B", "B", "B"]
    assert toy["rank_in_group"].tolist() == [1, 2, 1]
    assert toy["class_reason"].tolist() == ["排名20%–75% / rank 20–75 %"] * 3
    assert (toy["land_tax_relief"] == RULES.value("policy.land_tax_relief_B")).all()
    # carbon: 1e6 kWh × 0.5153 t/MWh = 515.3 t; L = 515.3/762 = 0.676247 → 中碳 (0.6 < L ≤ 2.0)
    assert toy.loc["F1", "carbon_efficiency_L"] == pytest.approx(515.3 / 762)
    assert toy.loc["F1", "carbon_level"] == "中碳"
    assert class_counts(toy) == {"A": 0, "B": 3, "C": 0, "D": 0, "exempt": 0, "unrated": 0}


def test_toy_explanation(toy: pd.DataFrame) -> None:
    e1 = toy.loc["F1", "explanation"]
    assert "亩均税收 26.01万元/亩 ÷ 基准26.01 = 1.00 → 30.00/30分" in e1
    assert "亩均增加值 381.00万元/亩 ÷ 基准132.27 = 2.88 → 30.00/20分 (封顶)" in e1
    assert "研发经费占比 3.05% ÷ 基准3.05% = 1.00 → 10.00/10分" in e1
    assert "综合得分 105.03 (组内第1/2名)" in e1
    assert "单位排放增加值 缺数据 → 取规上平均分 4.11/10分" in toy.loc["F2", "explanation"]


# --------------------------------------------------------------------------- cap, floor, benchmarks


def test_cap_at_one_and_a_half_weight() -> None:
    out = evaluate(tax_only([78.03]), RULES, as_of=AS_OF)
    # 78.03/1 = 78.03 = 3 × 26.01 → 3 × 30 = 90 → capped at 1.5 × 30 = 45
    assert out.loc[0, "score_tax_per_mu"] == pytest.approx(45.0)
    doubled = RULES.with_overrides({"evaluation.score_cap_ratio": 2.0})
    assert evaluate(tax_only([78.03]), doubled, as_of=AS_OF).loc[0, "score_tax_per_mu"] == pytest.approx(60.0)


def test_floor() -> None:
    # a net tax refund: -5.202/1 → ratio -0.2 → -6 points → floored at 0
    out = evaluate(tax_only([-5.202, 5.202]), RULES, as_of=AS_OF)
    assert out["score_tax_per_mu"].tolist() == pytest.approx([0.0, 6.0])
    floored = RULES.with_overrides({"evaluation.score_floor": 1.0})
    out = evaluate(tax_only([-5.202]), floored, as_of=AS_OF)
    assert out.loc[0, "score_tax_per_mu"] == pytest.approx(1.0)


@pytest.mark.filterwarnings("ignore:no usable population average:ruian_land.errors.InputWarning")
def test_population_mean_benchmark() -> None:
    firms = make_firms([{"tax_wan": 30.0, "land_area_mu": 1.0}, {"tax_wan": 10.0, "land_area_mu": 3.0}])
    agg = RULES.with_overrides({"evaluation.benchmark_mode": "population_mean"})
    with pytest.warns(InputWarning, match="no usable population average for value_added_per_mu"):
        out = evaluate(firms, agg, as_of=AS_OF)  # no value added at all: that indicator scores 0
    assert (out["score_value_added_per_mu"] == 0.0).all()
    # aggregate: (30 + 10) / (1 + 3) = 10 万元/亩; firm 2: 3.3333/10 × 30 = 10; firm 1: 3 × 30 → cap 45
    assert out["score_tax_per_mu"].tolist() == pytest.approx([45.0, 10.0])
    assert out.attrs["benchmarks"]["above"]["tax_per_mu"] == (pytest.approx(10.0), True)
    assert "基准10.00(组内平均)" in out.loc[1, "explanation"]
    mean = agg.with_overrides({"evaluation.population_average": "firm_mean"})
    # firm mean: (30 + 3.3333) / 2 = 16.6667; firm 2: 3.3333/16.6667 × 30 = 6
    assert evaluate(firms, mean, as_of=AS_OF).loc[1, "score_tax_per_mu"] == pytest.approx(6.0)
    # preset mode with a null benchmark falls back to the population average too
    null = RULES.with_overrides({"evaluation.above.benchmark.tax_per_mu": None})
    assert evaluate(firms, null, as_of=AS_OF).loc[1, "score_tax_per_mu"] == pytest.approx(10.0)


def test_missing_emission_gets_average_of_firms_with_data() -> None:
    va = 4861.08
    firms = make_firms(
        [
            {
                "tax_wan": 1.0,
                "land_area_mu": 1.0,
                "value_added_wan": va,
                "emission_t": 0.5,
            },  # ratio 2 → 20 → cap 15
            {"tax_wan": 1.0, "land_area_mu": 1.0, "value_added_wan": va, "emission_t": 2.0},  # 0.5 → 5
            {"tax_wan": 1.0, "land_area_mu": 1.0, "value_added_wan": va, "emission_t": 10.0},  # 0.1 → 1
            {"tax_wan": 1.0, "land_area_mu": 1.0, "value_added_wan": va},  # no data → (15 + 5 + 1)/3 = 7
            {"tax_wan": 1.0, "land_area_mu": 1.0, "value_added_wan": va, "emission_t": 0.0},  # reported 0 → 0
            # exempt firm with data (ratio 1 → 10) does not enter the average
            {
                "tax_wan": 1.0,
                "land_area_mu": 1.0,
                "value_added_wan": va,
                "emission_t": 1.0,
                "exempt_reason": "建设期",
            },
        ]
    )
    out = evaluate(firms, RULES, as_of=AS_OF)
    got = out["score_value_added_per_t_emission"].tolist()
    assert got[:5] == pytest.approx([15.0, 5.0, 1.0, 7.0, 0.0])
    assert np.isnan(got[5])
    off = RULES.with_overrides({"evaluation.missing_average_indicators": []})
    assert evaluate(firms, off, as_of=AS_OF).loc[3, "score_value_added_per_t_emission"] == 0.0


def test_indicator_columns_given_are_used_as_given() -> None:
    firms = tax_only([26.01])
    firms["tax_per_mu"] = 52.02  # a planner's corrected value: 2 × benchmark → 60 → cap 45
    assert evaluate(firms, RULES, as_of=AS_OF).loc[0, "score_tax_per_mu"] == pytest.approx(45.0)


# --------------------------------------------------------------------------- classes, ranks, ties


def test_hundred_firms_20_55_20_5() -> None:
    out = evaluate(tax_only([float(t) for t in range(1, 101)]), RULES, as_of=AS_OF)
    assert class_counts(out) == {"A": 20, "B": 55, "C": 20, "D": 5, "exempt": 0, "unrated": 0}
    by_rank = out.set_index("rank_in_group")["eval_class"]
    # rank r gets the first band with k ≥ r: k = 20, 75, 95, 100
    assert [by_rank[r] for r in (1, 20, 21, 75, 76, 95, 96, 100)] == ["A", "A", "B", "B", "C", "C", "D", "D"]
    assert out.loc[99, "rank_in_group"] == 1  # tax 100 is the best
    assert out.loc[99, "class_reason"] == "排名前20% / top 20 %"
    assert out.loc[0, "class_reason"] == "排名后5% / bottom 5 %"


def test_band_rounding_half_up() -> None:
    bands = RULES.value("evaluation.bands.above")
    # n = 10: 0.2×10 = 2, 0.75×10 = 7.5 → 8, 0.95×10 = 9.5 → 10 → sizes 2/6/2/0
    assert band_bounds(10, bands) == [2, 8, 10, 10]
    # n = 30: 6, 22.5 → 23, 28.5 → 29 (binary float 28.499999… would round down), 30 → sizes 6/17/6/1
    assert band_bounds(30, bands) == [6, 23, 29, 30]
    out = evaluate(tax_only([float(t) for t in range(1, 31)]), RULES, as_of=AS_OF)
    assert class_counts(out) == {"A": 6, "B": 17, "C": 6, "D": 1, "exempt": 0, "unrated": 0}


def test_ties_broken_by_tax_per_mu_then_uscc() -> None:
    firms = make_firms(
        [
            {"uscc": "B2", "tax_wan": 10.0, "land_area_mu": 1.0},
            {"uscc": "A9", "tax_wan": 78.03, "land_area_mu": 1.0},  # 3 × 26.01 → capped 45
            {"uscc": "Z1", "tax_wan": 104.04, "land_area_mu": 1.0},  # 4 × 26.01 → capped 45
            {"uscc": "B1", "tax_wan": 10.0, "land_area_mu": 1.0},
        ]
    )
    out = evaluate(firms, RULES, as_of=AS_OF).set_index("uscc")
    # Z1 and A9 tie at 45: higher tax_per_mu (104.04) first; B1 and B2 tie fully: uscc ascending
    assert out["rank_in_group"].to_dict() == {"B2": 4, "A9": 2, "Z1": 1, "B1": 3}


def test_scores_and_classes_invariant_to_row_order() -> None:
    rng = np.random.default_rng(7)
    taxes = np.round(rng.uniform(0, 60, 100), 1)
    taxes[10:20] = taxes[0]  # ties
    firms = make_firms(
        [
            {
                "tax_wan": float(t),
                "land_area_mu": 2.0,
                "value_added_wan": float(rng.uniform(10, 500)),
                "emission_t": float(rng.uniform(0.01, 1)) if i % 3 else NAN,
                "employees": float(rng.integers(5, 200)),
                "above_scale": bool(i % 4),
                "elec_kwh": float(rng.uniform(1e4, 1e6)),
                "rd_wan": float(rng.uniform(0, 20)),
                "revenue_wan": float(rng.uniform(100, 900)),
            }
            for i, t in enumerate(taxes)
        ]
    )
    for mode in ("preset", "population_mean"):
        rules = RULES.with_overrides({"evaluation.benchmark_mode": mode})
        a = evaluate(firms, rules, as_of=AS_OF)
        b = evaluate(firms.sample(frac=1.0, random_state=3), rules, as_of=AS_OF).loc[a.index]
        assert a["score_total"].equals(b["score_total"])
        assert a["rank_in_group"].equals(b["rank_in_group"])
        assert a["eval_class"].equals(b["eval_class"])


@settings(max_examples=40, deadline=None)
@given(
    taxes=st.lists(st.floats(0.0, 100.0), min_size=2, max_size=12),
    above=st.lists(st.booleans(), min_size=12, max_size=12),
    pick=st.integers(0, 11),
    factor=st.floats(1.0, 10.0),
)
def test_raising_tax_never_lowers_score_or_class(
    taxes: list[float], above: list[bool], pick: int, factor: float
) -> None:
    firms = make_firms(
        [
            {
                "tax_wan": t,
                "land_area_mu": 3.0 + i,
                "above_scale": above[i],
                "elec_kwh": 1e5 * (i + 1),
                "value_added_wan": 50.0 * (i + 1),
            }
            for i, t in enumerate(taxes)
        ]
    )
    i = pick % len(taxes)
    richer = firms.copy()
    richer.loc[i, "tax_wan"] = taxes[i] * factor + 0.01
    before = evaluate(firms, RULES, as_of=AS_OF).loc[i]
    after = evaluate(richer, RULES, as_of=AS_OF).loc[i]
    assert after["score_total"] >= before["score_total"] - 1e-9
    order = "ABCD"
    assert order.index(after["eval_class"]) <= order.index(before["eval_class"])


# --------------------------------------------------------------------------- vetoes, exemptions, unrated


def test_vetoes() -> None:
    # n = 5: k = round(1.0) = 1, round(3.75) = 4, round(4.75) = 5, 5 → A 1, B 3, C 1, D 0
    firms = tax_only([50.0, 40.0, 30.0, 20.0, 10.0])
    clean = evaluate(firms, RULES, as_of=AS_OF)
    assert clean["eval_class"].tolist() == ["A", "B", "B", "B", "C"]
    firms.loc[0, "safety_accident"] = True  # would-be A → C
    firms.loc[1, "tax_arrears"] = True  # B → D (veto_force_d)
    firms.loc[4, "environmental_penalty"] = True  # already C → stays C
    out = evaluate(firms, RULES, as_of=AS_OF)
    assert out["eval_class"].tolist() == ["C", "D", "B", "B", "C"]
    assert out.loc[0, "rank_in_group"] == 1  # keeps its rank and score
    assert out.loc[0, "class_reason"] == (
        "排名前20% / top 20 %; 安全事故否决: 不得评为A/B (原A类) / veto: safety accident (was A)"
    )
    assert "欠税: 直接评为D (原B类) / veto: tax arrears → D (was B)" in out.loc[1, "class_reason"]
    assert "环保处罚否决: 不得评为A/B / veto: environmental penalty" in out.loc[4, "class_reason"]
    assert class_counts(out) == {"A": 0, "B": 2, "C": 2, "D": 1, "exempt": 0, "unrated": 0}
    assert out["land_tax_relief"].tolist() == [0.0, 0.0, 0.8, 0.8, 0.0]


def test_exemptions() -> None:
    firms = make_firms(
        [
            {"tax_wan": 10.0, "land_area_mu": 5.0, "exempt_reason": "公用事业"},
            {"tax_wan": 10.0, "land_area_mu": 5.0, "established_date": "2020-06-30"},  # 1.5 years → exempt
            {"tax_wan": 10.0, "land_area_mu": 5.0, "established_date": "2019-12-31"},  # exactly 2 → rated
            # no 成立日期: 投产日期 2021-01-01 is used → under 2 years → exempt
            {
                "tax_wan": 10.0,
                "land_area_mu": 5.0,
                "established_date": None,
                "production_start_date": "2021-01-01",
            },
            {"tax_wan": 10.0, "land_area_mu": 5.0, "established_date": None},  # no date → rated
        ]
    )
    out = evaluate(firms, RULES, as_of=AS_OF)
    assert out["eval_class"].tolist() == ["exempt", "exempt", "B", "exempt", "B"]
    assert out.loc[0, "class_reason"] == "豁免: 公用事业 / exempt: public utility"
    assert out.loc[1, "class_reason"].startswith("新设企业: 不满2年 (2020-06-30起)")
    assert np.isnan(out.loc[0, "score_total"]) and pd.isna(out.loc[0, "rank_in_group"])
    # as_of moves the clock: at 2022-07-01 firm 1 is 2 years old
    later = evaluate(firms, RULES, as_of="2022-07-01")
    assert later.loc[1, "eval_class"] != "exempt"


def test_unrated() -> None:
    firms = make_firms(
        [
            {"above_scale": False, "tax_wan": 10.0, "land_area_mu": 2.9, "elec_kwh": 1e5},
            {"above_scale": False, "tax_wan": 10.0, "land_area_mu": 3.0, "elec_kwh": 1e5},  # ≥ 3 亩 → rated
            {"above_scale": True, "tax_wan": 10.0, "land_area_mu": NAN},  # unlinked 规上
            {"above_scale": True, "tax_wan": 10.0, "land_area_mu": 1.0},  # 规上: no area minimum
            {"above_scale": False, "tax_wan": 10.0, "land_area_mu": NAN},
        ]
    )
    out = evaluate(firms, RULES, as_of=AS_OF)
    assert out["eval_class"].tolist() == ["unrated", "B", "unrated", "B", "unrated"]
    assert out.loc[0, "class_reason"] == (
        "规下企业用地2.90亩 < 3亩, 不在评价范围 / not rated: below-scale firm on 2.90 mu < 3 mu"
    )
    assert out.loc[2, "class_reason"] == "未关联用地, 不参评 / not rated: no linked land"
    assert class_counts(out)["unrated"] == 3


# --------------------------------------------------------------------------- tenants


def _landlord_and_tenants() -> pd.DataFrame:
    firms = tax_only([50.0, 40.0, 30.0, 20.0, 10.0])  # U000 is A (see test_vetoes)
    tenants = make_firms(
        [
            {"uscc": "T1", "above_scale": False, "tax_wan": 0.1, "land_area_mu": 1.0, "elec_kwh": 1e4},
            {
                "uscc": "T2",
                "above_scale": False,
                "tax_wan": 0.1,
                "land_area_mu": 1.0,
                "safety_accident": True,
            },
            {
                "uscc": "T3",
                "above_scale": False,
                "tax_wan": 0.1,
                "land_area_mu": 1.0,
                "exempt_reason": "建设期",
            },
        ]
    )
    return pd.concat([firms, tenants], ignore_index=True)


def test_tenant_takes_landlord_class() -> None:
    firms = _landlord_and_tenants()
    firms["landlord_uscc"] = [None] * 5 + ["U000", "U000", "U000"]
    out = evaluate(firms, RULES, as_of=AS_OF).set_index("uscc")
    assert out.loc["T1", "eval_class"] == "A"  # 1 亩 tenant, unrated on its own, takes A
    assert (
        out.loc["T1", "class_reason"]
        == "承租企业随出租方(U000)评为A类 / tenant takes landlord's class (U000)"
    )
    assert out.loc["T2", "eval_class"] == "C"  # its own safety veto still applies
    assert out.loc["T3", "eval_class"] == "exempt"
    off = RULES.with_overrides({"evaluation.tenant_takes_landlord_class": False})
    assert evaluate(firms, off, as_of=AS_OF).set_index("uscc").loc["T1", "eval_class"] == "unrated"
    no_col = evaluate(firms.drop(columns="landlord_uscc"), RULES, as_of=AS_OF).set_index("uscc")
    assert no_col.loc["T1", "eval_class"] == "unrated"


def test_tenant_landlord_from_occupancy_links() -> None:
    links = pd.DataFrame(
        {
            "uscc": ["U000", "T1", "U001", "T1"],
            "parcel_id": ["P1", "P1", "P2", "P2"],
            "tenure": ["own", "lease", "own", "lease"],
            "land_area_m2": [5000.0, 600.0, 5000.0, 100.0],  # T1 leases most on P1 (owner U000)
        }
    )
    out = evaluate(_landlord_and_tenants(), RULES, SimpleNamespace(links=links), as_of=AS_OF)
    assert out.set_index("uscc").loc["T1", "eval_class"] == "A"


# --------------------------------------------------------------------------- contract and errors


def test_output_contract() -> None:
    firms = tax_only([5.0, 1.0]).set_axis(["x", "y"])
    out = evaluate(firms, RULES, as_of=AS_OF)
    assert list(out.index) == ["x", "y"]
    for col in (
        "score_tax_per_mu",
        "score_tax_per_10k_kwh",
        "score_total",
        "eval_group",
        "rank_in_group",
        "eval_class",
        "class_reason",
        "explanation",
        "land_tax_relief",
        "carbon_efficiency_L",
        "carbon_level",
    ):
        assert col in out.columns
    assert set(out["eval_class"]) <= {"A", "B", "C", "D", "exempt", "unrated"}
    again = evaluate(out, RULES, as_of=AS_OF)  # re-evaluating an evaluated frame is stable
    assert again["score_total"].equals(out["score_total"])


def test_bad_inputs() -> None:
    firms = tax_only([1.0, 2.0])
    with pytest.raises(InputError, match="U000"):
        evaluate(firms.assign(uscc=["U000", "U000"]), RULES, as_of=AS_OF)
    with pytest.raises(InputError) as exc:
        evaluate(firms.drop(columns="above_scale"), RULES, as_of=AS_OF)
    assert exc.value.column == "above_scale"
    with pytest.raises(InputError) as exc:
        evaluate(firms.assign(above_scale=[True, None]), RULES, as_of=AS_OF)
    assert exc.value.column == "above_scale"
