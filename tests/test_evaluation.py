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

from ruian_land.core import InputError, InputWarning
from ruian_land.evaluation import (
    BREAKDOWN_COLUMNS,
    CLASSES,
    EVAL_COLUMNS,
    band_bounds,
    class_counts,
    evaluate,
    evaluate_detailed,
)
from ruian_land.rules import load_rules

RULES = load_rules(evaluation="huangyan_2021")
WENLING = load_rules(evaluation="wenling_2022")
_PROPERTY_RULES = {
    "huangyan_2021": RULES,
    "population_mean": RULES.with_overrides({"evaluation.benchmark_mode": "population_mean"}),
    "firm_mean": RULES.with_overrides(
        {"evaluation.benchmark_mode": "population_mean", "evaluation.population_average": "firm_mean"}
    ),
    "wenling_2022": WENLING,
}
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


@pytest.mark.filterwarnings("ignore:no usable population average:ruian_land.core.errors.InputWarning")
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


@pytest.mark.filterwarnings("ignore:no usable population average:ruian_land.core.errors.InputWarning")
@settings(max_examples=40, deadline=None)
@given(
    taxes=st.lists(st.floats(0.0, 100.0), min_size=2, max_size=12),
    above=st.lists(st.booleans(), min_size=12, max_size=12),
    pick=st.integers(0, 11),
    factor=st.floats(1.0, 10.0),
    preset=st.sampled_from(sorted(_PROPERTY_RULES)),
)
def test_raising_tax_never_lowers_score_or_class(
    taxes: list[float], above: list[bool], pick: int, factor: float, preset: str
) -> None:
    # with preset benchmarks and with population averages (the firm's own raise lifts the average)
    rules = _PROPERTY_RULES[preset]
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
    before = evaluate(firms, rules, as_of=AS_OF).loc[i]
    after = evaluate(richer, rules, as_of=AS_OF).loc[i]
    assert after["score_total"] >= before["score_total"] - 1e-9
    order = "ABCD"
    assert order.index(after["eval_class"]) <= order.index(before["eval_class"])


@pytest.mark.filterwarnings("ignore:no usable population average:ruian_land.core.errors.InputWarning")
@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(-5.0, 200.0),  # tax_wan (refunds allowed)
            st.floats(0.5, 40.0),  # land_area_mu
            st.booleans(),  # above_scale
            st.one_of(st.none(), st.floats(0.01, 5.0)),  # emission_t (None = not reported)
            st.sampled_from(["3311", "3412", "1711"]),
        ),
        min_size=1,
        max_size=25,
    ),
    seed=st.integers(0, 2**16),
    preset=st.sampled_from(sorted(_PROPERTY_RULES)),
    by_industry=st.booleans(),
)
def test_scores_ranks_classes_invariant_to_row_order_property(
    rows: list[tuple[float, float, bool, float | None, str]], seed: int, preset: str, by_industry: bool
) -> None:
    rules = _PROPERTY_RULES[preset]
    if by_industry:
        rules = rules.with_overrides(
            {"evaluation.industry_group_digits": 2, "evaluation.industry_group_min_firms": 1}
        )
    firms = make_firms(
        [
            {
                "tax_wan": t,
                "land_area_mu": a,
                "above_scale": up,
                "emission_t": NAN if e is None else e,
                "value_added_wan": 10.0 * a,
                "elec_kwh": 2e4 * a,
                "industry_code": code,
            }
            for t, a, up, e, code in rows
        ]
    )
    a = evaluate(firms, rules, as_of=AS_OF)
    b = evaluate(firms.sample(frac=1.0, random_state=seed), rules, as_of=AS_OF).loc[a.index]
    pd.testing.assert_series_equal(a["score_total"], b["score_total"])
    pd.testing.assert_series_equal(a["rank_in_group"], b["rank_in_group"])
    pd.testing.assert_series_equal(a["eval_class"], b["eval_class"])


# --------------------------------------------------------------------------- vetoes, exemptions, unrated


def test_vetoes() -> None:
    # n = 5: k = round(1.0) = 1, round(3.75) = 4, round(4.75) = 5, 5 → A 1, B 3, C 1, D 0
    firms = tax_only([50.0, 40.0, 30.0, 20.0, 10.0])
    clean = evaluate(firms, RULES, as_of=AS_OF)
    assert clean["eval_class"].tolist() == ["A", "B", "B", "B", "C"]
    firms.loc[0, "safety_accident"] = True  # would-be A → C
    firms.loc[1, "tax_arrears"] = True  # B → D (evaluation.vetoes: tax_arrears → force_d)
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


def test_missing_tax_is_unrated_not_ranked_last() -> None:
    # five firms with tax and one without: the missing one is not rated (missing ≠ 0), so the
    # five are banded alone, n = 5 → A 1, B 3, C 1 (as in test_vetoes). Rated with tax 0 it
    # would have been the 6th: k = 1, round_half_up(4.5) = 5, round(5.7) = 6 → it would be C.
    firms = tax_only([50.0, 40.0, 30.0, 20.0, 10.0, NAN])
    out = evaluate(firms, RULES, as_of=AS_OF)
    assert out["eval_class"].tolist() == ["A", "B", "B", "B", "C", "unrated"]
    assert out.loc[5, "class_reason"] == "缺少税收数据 / no tax record"
    assert pd.isna(out.loc[5, "rank_in_group"]) and np.isnan(out.loc[5, "score_total"])
    # a row in the tax table with a blank cell says so
    blank = evaluate(firms.assign(in_tax=True), RULES, as_of=AS_OF)
    assert blank.loc[5, "class_reason"].startswith("缺少税收数据(税收表中为空)")
    # a planner's own 亩均税收 counts as known tax
    given = evaluate(firms.assign(tax_per_mu=[50.0, 40.0, 30.0, 20.0, 10.0, 5.0]), RULES, as_of=AS_OF)
    assert given.loc[5, "eval_class"] != "unrated"


def test_negative_tax_scores_the_floor() -> None:
    # a refund larger than the tax paid: −12.5 万元 on 1 亩 → ratio < 0 → floor (0 points), rated
    out = evaluate(tax_only([-12.5, 10.0]), RULES, as_of=AS_OF)
    assert out.loc[0, "score_tax_per_mu"] == RULES.value("evaluation.score_floor") == 0
    assert out.loc[0, "tax_per_mu"] == -12.5 and out.loc[0, "eval_class"] in CLASSES


def test_above_scale_firm_without_statistics_is_rated_with_a_note() -> None:
    firms = tax_only([50.0, 40.0]).assign(in_statistics=[True, False])
    out = evaluate(firms, RULES, as_of=AS_OF)
    assert out.loc[1, "eval_class"] in CLASSES  # missing-indicator rules (floor), not unrated
    assert "缺少统计数据" in out.loc[1, "class_reason"] and "缺少统计数据" not in out.loc[0, "class_reason"]


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
    # a tenant whose tax is missing does not take the landlord's class: it stays unrated
    firms.loc[firms["uscc"] == "T1", "tax_wan"] = NAN
    no_tax = evaluate(firms, RULES, as_of=AS_OF).set_index("uscc")
    assert no_tax.loc["T1", "eval_class"] == "unrated"  # (its reason: under 3 亩, checked first)
    assert no_tax.loc["T2", "eval_class"] == "C"  # the other tenants are unaffected


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
    for col in ("score_tax_per_mu", "score_tax_per_10k_kwh", *EVAL_COLUMNS):
        assert col in out.columns, col
    assert set(out["eval_class"]) <= {"A", "B", "C", "D", "exempt", "unrated"}
    assert out["rank_in_group"].dtype == "Int64" and out["tenant_count"].dtype == "Int64"
    assert out["eval_rank_group"].tolist() == ["above", "above"]
    again = evaluate(out, RULES, as_of=AS_OF)  # re-evaluating an evaluated frame is stable
    assert again["score_total"].equals(out["score_total"])
    assert again["explanation"].equals(out["explanation"])


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


# --------------------------------------------------------------------------- worked example, Huangyan 2022


@pytest.fixture(scope="module")
def worked() -> Any:
    """Nine firms worked by hand with huangyan_2022 (benchmarks 24.097 / 136.16 / 2.694 / 4929.81 /
    18.14 / 0.0302; 规下 11.5932 / 0.2352), evaluated at 2022-12-31."""
    firms = make_firms(
        [
            # 规上
            dict(uscc="W1", land_area_mu=10.0, tax_wan=481.94, value_added_wan=1361.6, elec_kwh=1e6,
                 emission_t=0.5, employees=50.0, rd_wan=30.2, revenue_wan=1000.0),
            dict(uscc="W2", land_area_mu=20.0, tax_wan=240.97, value_added_wan=1361.6, elec_kwh=2e6,
                 employees=100.0, rd_wan=0.0, revenue_wan=500.0, environmental_penalty=True),
            dict(uscc="W3", land_area_mu=10.0, tax_wan=999.0, value_added_wan=5000.0, elec_kwh=1e6,
                 established_date="2021-06-30"),
            dict(uscc="W4", land_area_mu=5.0, tax_wan=24.097, value_added_wan=272.32, elec_kwh=5e5,
                 emission_t=0.2, employees=20.0, rd_wan=1.51, revenue_wan=100.0),
            # 规下
            dict(uscc="B1", above_scale=False, land_area_mu=10.0, tax_wan=115.932, elec_kwh=1e6),
            dict(uscc="B2", above_scale=False, land_area_mu=4.0, tax_wan=4.704, elec_kwh=2e5),
            dict(uscc="B3", above_scale=False, land_area_mu=2.5, tax_wan=10.0, elec_kwh=1e5),
            dict(uscc="B4", above_scale=False, land_area_mu=6.0, tax_wan=34.7796, elec_kwh=3e6, tax_arrears=True),
            dict(uscc="B5", above_scale=False, land_area_mu=8.0, tax_wan=50.0, elec_kwh=1e5, exempt_reason="政策性搬迁"),
        ]
    )  # fmt: skip
    return evaluate_detailed(firms, load_rules(evaluation="huangyan_2022"), as_of="2022-12-31")


def test_worked_example_above_scale(worked: Any) -> None:
    f = worked.firms.set_index("uscc")
    w1 = f.loc["W1"]
    assert w1["score_tax_per_mu"] == pytest.approx(
        45.0
    )  # 481.94/10 = 48.194 = 2 × 24.097 → 60 → cap 1.5 × 30
    assert w1["score_value_added_per_mu"] == pytest.approx(20.0)  # 1361.6/10 = 136.16 → ratio 1
    # 1e6 kWh × 0.30 kgce/kWh (等价值) = 300 tce; 1361.6/300 = 4.538667 → /2.694 × 20 = 33.69 → cap 30
    assert w1["score_value_added_per_tce"] == pytest.approx(30.0)
    # 1361.6/0.5 = 2723.2 万元/t → /4929.81 × 10 = 5.523945
    assert w1["score_value_added_per_t_emission"] == pytest.approx(5.523945, abs=1e-6)
    # 1361.6/50 = 27.232 万元/人 → /18.14 × 10 = 15.0121 → cap 15 (just above the cap)
    assert w1["score_labour_productivity"] == pytest.approx(15.0)
    assert w1["score_rd_intensity"] == pytest.approx(10.0)  # 30.2/1000 = 0.0302
    assert w1["score_total"] == pytest.approx(125.523945, abs=1e-6)  # 45 + 20 + 30 + 5.523945 + 15 + 10
    w4 = f.loc["W4"]
    # 24.097/5 = 4.8194 → 0.2 → 6; 272.32/5 = 54.464 → 0.4 → 8; 272.32/150 tce = 1.815467 → /2.694 × 20
    # = 13.477852; 272.32/0.2 = 1361.6 → 2.761973; 272.32/20 = 13.616 → /18.14 × 10 = 7.506064;
    # 1.51/100 = 0.0151 → 0.5 → 5
    assert [w4[f"score_{k}"] for k in ("tax_per_mu", "value_added_per_mu", "rd_intensity")] == pytest.approx(
        [6.0, 8.0, 5.0]
    )
    assert w4["score_value_added_per_tce"] == pytest.approx(13.477852, abs=1e-6)
    assert w4["score_total"] == pytest.approx(
        42.745889, abs=1e-6
    )  # 6 + 8 + 13.477852 + 2.761973 + 7.506064 + 5
    w2 = f.loc["W2"]
    # no emission data → mean of W1 and W4: (5.523945 + 2.761973) / 2 = 4.142959
    assert w2["score_value_added_per_t_emission"] == pytest.approx(4.142959, abs=1e-6)
    # 12.0485 → 0.5 → 15; 68.08 → 0.5 → 10; 1361.6/600 = 2.269333 → 16.847315; 13.616 → 7.506064; R&D 0
    assert w2["score_total"] == pytest.approx(53.496338, abs=1e-6)
    # n = 3: k_A = round(0.6) = 1, k_B = round(2.25) = 2, k_C = round(2.85) = 3 → A, B, C by rank
    assert f.loc[["W1", "W2", "W4"], "rank_in_group"].tolist() == [1, 2, 3]
    # W2 ranks B but has an environmental penalty (not_ab) → C
    assert f.loc[["W1", "W2", "W4"], "eval_class"].tolist() == ["A", "C", "C"]
    assert "环保处罚否决: 不得评为A/B (原B类)" in w2["class_reason"]
    # W3: founded 2021-06-30, 1.5 years at 2022-12-31 < 2 → exempt (new firm), no score
    assert (f.loc["W3", "eval_class"], f.loc["W3", "exempt_type"]) == ("exempt", "new_firm")
    assert np.isnan(f.loc["W3", "score_total"])


def test_worked_example_below_scale(worked: Any) -> None:
    f = worked.firms.set_index("uscc")
    # B1: 115.932/10 = 11.5932 → 50; 115.932/100 万kWh = 1.15932 → /0.2352 = 4.929 → 246.45 → cap 75
    assert (f.loc["B1", "score_tax_per_mu"], f.loc["B1", "score_tax_per_10k_kwh"]) == pytest.approx(
        (50.0, 75.0)
    )
    # B2: 4.704/4 = 1.176 → /11.5932 × 50 = 5.071939; 4.704/20 万kWh = 0.2352 → 50
    assert f.loc["B2", "score_total"] == pytest.approx(55.071939, abs=1e-6)
    # B4: 34.7796/6 = 5.7966 → 0.5 → 25; 34.7796/300 = 0.115932 → /0.2352 × 50 = 24.645408
    assert f.loc["B4", "score_total"] == pytest.approx(49.645408, abs=1e-6)
    # n = 3 rated (B3 has 2.5 亩 < 3: unrated; B5 exempt): A, B, C by rank; B4 tax arrears → D
    assert f.loc[["B1", "B2", "B3", "B4", "B5"], "eval_class"].tolist() == [
        "A",
        "B",
        "unrated",
        "D",
        "exempt",
    ]
    assert "欠税: 直接评为D (原C类)" in f.loc["B4", "class_reason"]
    assert f.loc["B5", "exempt_type"] == "relocation"
    # levers: land-use-tax relief A 100 %, B 80 %
    assert f.loc[["W1", "B1", "B2", "B4"], "land_tax_relief"].tolist() == [1.0, 1.0, 0.8, 0.0]
    assert f.loc["B4", "elec_surcharge_wan"] == pytest.approx(30.0)  # D: 3e6 kWh × 0.1 元 / 1e4


def test_worked_example_breakdown_and_explanation(worked: Any) -> None:
    b = worked.breakdown.set_index(["uscc", "indicator"])
    assert list(worked.breakdown.columns) == list(BREAKDOWN_COLUMNS)
    assert len(worked.breakdown) == 3 * 6 + 3 * 2  # rated firms × their group's indicators
    row = b.loc[("W1", "value_added_per_tce")]
    assert (row["benchmark"], row["weight"], row["cap"]) == (2.694, 20.0, 30.0)
    assert row["ratio"] == pytest.approx(4.538667 / 2.694, abs=1e-6)
    assert row["raw_score"] == pytest.approx(33.69463, abs=1e-5)
    assert (row["score"], row["note"], row["benchmark_basis"]) == (30.0, "capped", "preset")
    assert b.loc[("W2", "value_added_per_t_emission"), "note"] == "group_average"
    bench = worked.benchmarks.set_index(["eval_rank_group", "indicator"])
    assert bench.loc[("below", "tax_per_10k_kwh"), "benchmark"] == 0.2352
    assert bench.loc[("above", "tax_per_mu"), "n_rated"] == 3
    text = worked.firms.set_index("uscc").loc["W1", "explanation"]
    assert text.splitlines()[0] == "规上评价 综合得分 125.52 (组内第1/3名)"
    assert "全员劳动生产率 27.23万元/人 ÷ 基准18.14 = 1.50 → 15.00/10分 (封顶)" in text
    assert text.splitlines()[-1] == "评级 A: 排名前20%"


# --------------------------------------------------------------------------- bands: Wenling, industry groups


@pytest.mark.filterwarnings("ignore:no usable population average:ruian_land.core.errors.InputWarning")
def test_wenling_band_sizes_for_100_firms() -> None:
    taxes = [float(t) for t in range(1, 101)]
    above = evaluate(tax_only(taxes, land=1.0), WENLING, as_of=AS_OF)
    # 规上 A 20 / B to 80 / C to 95 / D 5 → 20, 60, 15, 5
    assert class_counts(above) == {"A": 20, "B": 60, "C": 15, "D": 5, "exempt": 0, "unrated": 0}
    below = evaluate(tax_only(taxes, land=5.0, above_scale=False, elec_kwh=1e5), WENLING, as_of=AS_OF)
    # 规下 A 5 / B to 75 / C to 95 / D 5 → 5, 70, 20, 5
    assert class_counts(below) == {"A": 5, "B": 70, "C": 20, "D": 5, "exempt": 0, "unrated": 0}
    by_rank = below.set_index("rank_in_group")["eval_class"]
    assert [by_rank[r] for r in (5, 6, 75, 76, 95, 96)] == ["A", "B", "B", "C", "C", "D"]


@pytest.mark.filterwarnings("ignore:no usable population average:ruian_land.core.errors.InputWarning")
def test_bands_within_industry_groups() -> None:
    rules = WENLING.with_overrides({"evaluation.industry_group_digits": 2})
    taxes = [float(t) for t in range(1, 101)]
    firms = tax_only(taxes)
    firms["industry_code"] = ["3311" if i % 2 else "1711" for i in range(100)]
    firms.loc[[0, 2], "industry_code"] = "2610"  # a 2-firm industry: pooled (< 10 firms)
    out = evaluate(firms, rules, as_of=AS_OF)
    # each industry is banded on its own: division 33 has 50 firms → 10 / 30 / 8 / 2
    # (0.8 × 50 = 40, 0.95 × 50 = 47.5 → 48)
    in33 = out[out["eval_rank_group"] == "above/33"]
    assert class_counts(in33) == {"A": 10, "B": 30, "C": 8, "D": 2, "exempt": 0, "unrated": 0}
    assert set(out["eval_rank_group"]) == {"above/33", "above/17", "above/other"}
    assert (out["eval_rank_group"] == "above/other").sum() == 2
    # the best firm of division 17 (tax 99) is A although 33's best (tax 100) outranks it county-wide
    assert out.loc[98, "rank_in_group"] == 1 and out.loc[98, "eval_class"] == "A"
    assert "规上·行业17评价" in out.loc[98, "explanation"]
    # population-average benchmarks come from the same group: Σ tax / Σ land over division 17
    bench17 = out.attrs["benchmarks"]["above/17"]["tax_per_mu"][0]
    assert bench17 == pytest.approx(
        np.mean([t for i, t in enumerate(taxes) if i % 2 == 0 and i not in (0, 2)])
    )


# --------------------------------------------------------------------------- veto mapping, land grant, lease penalty


def test_veto_actions_are_configurable() -> None:
    firms = tax_only([50.0, 40.0, 30.0, 20.0, 10.0])  # clean: A B B B C (see test_vetoes)
    rules = RULES.with_overrides(
        {"evaluation.vetoes": {"safety_accident": "down_one", "energy_task_unmet": "down_one",
                               "environmental_penalty": "force_d"}}
    )  # fmt: skip
    firms.loc[0, "safety_accident"] = True  # A → B
    firms.loc[1, ["safety_accident", "energy_task_unmet"]] = True  # B → C → D (two down_one flags)
    firms.loc[4, "safety_accident"] = True  # C → D
    firms.loc[3, "tax_arrears"] = True  # no longer a veto under this mapping
    out = evaluate(firms, rules, as_of=AS_OF)
    assert out["eval_class"].tolist() == ["B", "D", "B", "B", "D"]
    assert (
        "安全事故: 降一档 (原A类) / veto: safety accident → down one class (was A)"
        in out.loc[0, "class_reason"]
    )
    # order: down_one, then not_ab, then force_d — A with down_one and not_ab ends at C, not D
    both = RULES.with_overrides(
        {"evaluation.vetoes": {"safety_accident": "not_ab", "energy_task_unmet": "down_one"}}
    )
    firms2 = tax_only([50.0, 40.0, 30.0, 20.0, 10.0])
    firms2.loc[0, ["safety_accident", "energy_task_unmet"]] = True
    assert evaluate(firms2, both, as_of=AS_OF).loc[0, "eval_class"] == "C"


def test_land_grant_exemption() -> None:
    # evaluation.land_grant_years = 3: land granted 2019-06-30 is < 3 years old at 2021-12-31
    firms = tax_only([10.0, 10.0, 10.0, 10.0])
    firms["land_granted_date"] = pd.to_datetime(["2019-06-30", "2018-12-31", None, None])
    out = evaluate(firms, RULES, as_of=AS_OF)
    assert (out["eval_class"] == "exempt").tolist() == [True, False, False, False]  # exactly 3 years → rated
    assert out.loc[0, "exempt_type"] == "land_grant"
    assert out.loc[0, "class_reason"].startswith("供地不满3年 (2019-06-30供地)")
    # from the parcels each firm owns, the earliest grant date: U002 owns P1 (2020-03-01) → exempt;
    # U003 owns P2 (2021) and P3 (2005) → rated; U001 only leases on P1 → rated
    links = pd.DataFrame(
        {
            "uscc": ["U002", "U003", "U003", "U001"],
            "parcel_id": ["P1", "P2", "P3", "P1"],
            "tenure": ["own", "own", "own", "lease"],
            "land_area_m2": [600.0, 300.0, 300.0, 50.0],
        }
    )
    parcels = pd.DataFrame(
        {
            "parcel_id": ["P1", "P2", "P3"],
            "grant_date": pd.to_datetime(["2020-03-01", "2021-01-01", "2005-01-01"]),
        }
    )
    occ = SimpleNamespace(links=links)
    out = evaluate(firms.drop(columns="land_granted_date"), RULES, occ, as_of=AS_OF, parcels=parcels)
    assert (out["eval_class"] == "exempt").tolist() == [False, False, True, False]
    assert out.loc[2, "class_reason"].startswith("供地不满3年 (2020-03-01供地)")
    # without parcels the exemption cannot be known: nobody exempt
    assert not (
        evaluate(firms.drop(columns="land_granted_date"), RULES, occ, as_of=AS_OF)["eval_class"] == "exempt"
    ).any()


@pytest.mark.filterwarnings("ignore:no usable population average:ruian_land.core.errors.InputWarning")
def test_wenling_lease_penalty_from_links() -> None:
    # landlords L1 (规上, 3 tenants), L2 (规下, 2 tenants), L3 (规下, 1 tenant) and twins without tenants
    firms = make_firms(
        [
            {"uscc": "L1", "tax_wan": 30.0, "land_area_mu": 10.0},
            {"uscc": "N1", "tax_wan": 30.0, "land_area_mu": 10.0},
            {"uscc": "L2", "above_scale": False, "tax_wan": 30.0, "land_area_mu": 10.0, "elec_kwh": 1e6},
            {"uscc": "L3", "above_scale": False, "tax_wan": 30.0, "land_area_mu": 10.0, "elec_kwh": 1e6},
            {"uscc": "N2", "above_scale": False, "tax_wan": 30.0, "land_area_mu": 10.0, "elec_kwh": 1e6},
            *({"uscc": f"T{i}", "above_scale": False, "tax_wan": 1.0, "land_area_mu": 1.0} for i in range(6)),
        ]
    )
    own = [("L1", "P1"), ("N1", "P2"), ("L2", "P3"), ("L3", "P4"), ("N2", "P5")]
    lease = [("T0", "P1"), ("T1", "P1"), ("T2", "P1"), ("T3", "P3"), ("T4", "P3"), ("T5", "P4"), ("T5", "P1")]
    links = pd.DataFrame(
        [(u, p, "own", 5000.0) for u, p in own] + [(u, p, "lease", 100.0) for u, p in lease],
        columns=["uscc", "parcel_id", "tenure", "land_area_m2"],
    )
    out = evaluate(firms, WENLING, SimpleNamespace(links=links), as_of=AS_OF).set_index("uscc")
    # tenants: L1 T0 T1 T2 T5 = 4 (T5 leases from L1 and L3), L2 T3 T4 = 2, L3 T5 = 1
    assert out.loc[["L1", "L2", "L3", "N1"], "tenant_count"].tolist() == [4, 2, 1, 0]
    # 规上: −5 per tenant beyond the first → 15; 规下: 10 + 5 × (n − 1) → 15 and 10
    assert out.loc[["L1", "L2", "L3", "N1", "N2"], "score_lease_penalty"].tolist() == [
        15.0,
        15.0,
        10.0,
        0.0,
        0.0,
    ]
    # same indicators as their twins, so the totals differ by exactly the penalty
    assert out.loc["N1", "score_total"] - out.loc["L1", "score_total"] == pytest.approx(15.0)
    assert out.loc["N2", "score_total"] - out.loc["L3", "score_total"] == pytest.approx(10.0)
    assert "出租厂房给2家企业: 扣15.00分 (首家10分, 其后每家5分)" in out.loc["L2", "explanation"]
    # the Huangyan preset has no penalty
    plain = evaluate(firms, RULES, SimpleNamespace(links=links), as_of=AS_OF).set_index("uscc")
    assert plain.loc["L1", "score_lease_penalty"] == 0.0 and plain.loc["L1", "tenant_count"] == 4
