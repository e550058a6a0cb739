"""Differentiated policies (RULES.md §2, §4): land-use-tax relief, 差别电价 escalation, 碳效; by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruian_land.core import InputError
from ruian_land.evaluation import (
    POLICY_COLUMNS,
    consecutive_d_years,
    differentiated_policies,
    evaluate,
    previous_classes_long,
)
from ruian_land.rules import load_rules

RULES = load_rules()  # 浙政办发〔2019〕62号 relief A 1.0 / B 0.8; Fenghua surcharge 0.1 / 0.3 / 0.5 元/kWh


def _evaluated() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": ["A1", "B1", "C1", "D1", "D2", "D3", "D4", "E1", "D5"],
            "eval_class": ["A", "B", "C", "D", "D", "D", "D", "exempt", "D"],
            "elec_kwh": [1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, np.nan],
            "land_use_tax_wan": [10.0, 10.0, 10.0, 10.0, np.nan, 10.0, 10.0, 10.0, 10.0],
        },
        index=[f"r{i}" for i in range(9)],
    )


def _previous_long() -> pd.DataFrame:
    rows = [
        ("D1", 2021, "D"), ("D1", 2020, "D"),  # D in 2020, 2021, 2022 → 3 years → 0.5
        ("D2", 2021, "C"), ("D2", 2020, "D"),  # C last year → run of 1 → 0.1
        ("D3", 2021, "D"), ("D3", 2019, "D"),  # 2020 not evaluated ends the run → 2 years → 0.3
        ("D4", 2021, "D"), ("D4", 2020, "D"), ("D4", 2019, "D"),  # 4 years → the last rate, 0.5
        ("A1", 2021, "D"),  # A this year: no surcharge whatever the past
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["uscc", "year", "eval_class"])


def test_land_use_tax_relief() -> None:
    out = differentiated_policies(_evaluated(), RULES)
    # A 100 %, B 80 %, C and D none, exempt none
    assert out["land_tax_relief"].tolist() == [1.0, 0.8, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    # 10 万元 owed → A 10, B 8 万元 waived; unknown amount (D2) → NaN
    assert out.loc["r0", "land_tax_relief_wan"] == pytest.approx(10.0)
    assert out.loc["r1", "land_tax_relief_wan"] == pytest.approx(8.0)
    assert out.loc["r2", "land_tax_relief_wan"] == 0.0
    assert np.isnan(out.loc["r4", "land_tax_relief_wan"])
    assert list(out.columns) == list(POLICY_COLUMNS)


def test_surcharge_escalates_with_consecutive_d_years() -> None:
    out = differentiated_policies(_evaluated(), RULES, previous_classes=_previous_long(), year=2022)
    assert out["consecutive_d_years"].tolist() == [0, 0, 0, 3, 1, 2, 4, 0, 1]
    assert out["elec_surcharge_yuan_per_kwh"].tolist() == pytest.approx([0, 0, 0, 0.5, 0.1, 0.3, 0.5, 0, 0.1])
    # surcharge_wan = 1 000 000 kWh × rate 元/kWh / 10 000: 0.5 → 50 万元, 0.1 → 10, 0.3 → 30
    assert out["elec_surcharge_wan"].iloc[:8].tolist() == pytest.approx([0, 0, 0, 50, 10, 30, 50, 0])
    assert np.isnan(out.loc["r8", "elec_surcharge_wan"])  # D without electricity data: amount unknown


def test_without_previous_classes_no_escalation() -> None:
    out = differentiated_policies(_evaluated(), RULES)
    assert out["consecutive_d_years"].tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 1]
    assert out.loc["r3", "elec_surcharge_yuan_per_kwh"] == pytest.approx(0.1)
    assert out.loc["r3", "elec_surcharge_wan"] == pytest.approx(10.0)


def test_wide_and_long_previous_classes_agree() -> None:
    wide = pd.DataFrame(
        {"uscc": ["D1", "D2", "D3", "D4", "A1"], "2019": [None, None, "D", "D", None],
         2020: ["D", "D", None, "D", None], "2021": ["D", "C", "D", "D", "D"]}
    )  # fmt: skip
    long = previous_classes_long(wide)
    assert len(long) == 10
    pd.testing.assert_frame_equal(long, previous_classes_long(_previous_long()))
    ev = _evaluated()
    n = consecutive_d_years(ev["uscc"], ev["eval_class"], 2022, wide)
    assert n.tolist() == [0, 0, 0, 3, 1, 2, 4, 0, 1]


def test_other_classes_and_rates_come_from_rules() -> None:
    rules = RULES.with_overrides(
        {"policy.elec_surcharge_other_classes_yuan_per_kwh": {"A": 0.0, "B": 0.0, "C": 0.05},
         "policy.elec_surcharge_yuan_per_kwh": [0.2, 0.4]}
    )  # fmt: skip
    out = differentiated_policies(_evaluated(), rules, previous_classes=_previous_long(), year=2022)
    assert out.loc["r2", "elec_surcharge_wan"] == pytest.approx(5.0)  # C: 1e6 × 0.05 / 1e4
    assert out.loc["r3", "elec_surcharge_yuan_per_kwh"] == pytest.approx(0.4)  # 3 years, only 2 rates: last
    assert out.loc["r4", "elec_surcharge_yuan_per_kwh"] == pytest.approx(0.2)


def test_carbon_level_and_grade() -> None:
    firms = pd.DataFrame(
        {
            "uscc": ["X", "Y"],
            "eval_class": ["B", "C"],
            "co2_t": [50.0, 250.0],
            "value_added_wan": [100.0, 100.0],
            "industry_code": ["3311", "3399"],
            "above_scale": [True, True],
        }
    )
    out = differentiated_policies(firms, RULES)
    # L = 0.5 (≤ 0.6 低碳) and 2.5 (> 2.0 高碳); industry 33 average = 300 / 200 = 1.5
    # K = 0.333 → grade 1; K = 1.667 → grade 4 (1.2 < K ≤ 2.0)
    assert out["carbon_level"].tolist() == ["低碳", "高碳"]
    assert out["carbon_grade"].tolist() == [1, 4]


def test_bad_previous_classes() -> None:
    ev = _evaluated()
    with pytest.raises(InputError, match="without the year"):
        differentiated_policies(ev, RULES, previous_classes=_previous_long())
    bad = _previous_long().assign(eval_class=["D", "D", "C", "D", "D", "D", "D", "D", "D", "E"])
    with pytest.raises(InputError, match="class 'E' of A1 in 2021") as err:
        previous_classes_long(bad)
    assert err.value.column == "eval_class"
    clash = pd.concat(
        [_previous_long(), pd.DataFrame([["D1", 2021, "B"]], columns=["uscc", "year", "eval_class"])]
    )
    with pytest.raises(InputError, match="D1 has two different classes in 2021"):
        previous_classes_long(clash)
    with pytest.raises(InputError, match="not a year"):
        previous_classes_long(pd.DataFrame({"uscc": ["D1"], "last year": ["D"]}))


def test_evaluate_passes_previous_classes() -> None:
    firms = pd.DataFrame(
        {
            "uscc": [f"U{i}" for i in range(5)],
            "above_scale": True,
            "tax_wan": [50.0, 40.0, 30.0, 20.0, 10.0],
            "land_area_mu": 1.0,
            "elec_kwh": 2e6,
            "tax_arrears": [False, False, False, False, True],
            "safety_accident": False,
            "environmental_penalty": False,
            "energy_task_unmet": False,
        }
    )
    prev = pd.DataFrame({"uscc": ["U4"], "year": [2020], "eval_class": ["D"]})
    out = evaluate(firms, RULES, as_of="2021-12-31", previous_classes=prev)
    # U4 is forced to D (tax arrears) and was D in 2020 → 2 years → 0.3 元/kWh × 2e6 kWh = 60 万元
    assert out.loc[4, "eval_class"] == "D"
    assert out.loc[4, "consecutive_d_years"] == 2
    assert out.loc[4, "elec_surcharge_wan"] == pytest.approx(60.0)
    assert out.loc[0, "land_tax_relief"] == 1.0  # rank 1 of 5 → A
