"""Energy → tce on both bases, CO₂ and 碳效: values worked out by hand from the rule factors
(GB/T 2589-2020 factors and MEE grid factor as in ruian_default.yaml)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ruian_land.core import InputError, InputWarning
from ruian_land.evaluation import carbon_efficiency, electricity_primary_factor, energy_tce, grid_factor
from ruian_land.rules import load_rules

RULES = load_rules()
NAN = np.nan


def _firms(**cols: list) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {c: [NAN] * n for c in ("elec_kwh", "gas_m3", "coal_t", "heat_mj")}
    base.update(cols)
    return pd.DataFrame(base, index=[f"f{i}" for i in range(n)])


def test_rule_factors_are_the_documented_ones() -> None:
    # the hand computations below rely on these preset values (RULES.md §4)
    assert RULES.value("energy.elec_kgce_per_kwh_calorific") == 0.1229
    assert RULES.value("energy.elec_kgce_per_kwh_primary") == 0.30
    assert RULES.value("energy.gas_kgce_per_m3") == 1.2143
    assert RULES.value("energy.coal_kgce_per_kg") == 0.7143
    assert RULES.value("energy.heat_kgce_per_mj") == 0.03412
    assert grid_factor(RULES) == ("zhejiang_2022", 0.5153)


def test_electricity_both_bases_and_co2() -> None:
    out = energy_tce(_firms(elec_kwh=[1_000_000.0]), RULES)
    # 1 000 000 kWh × 0.1229 kgce/kWh = 122 900 kgce = 122.9 tce (当量值)
    assert out.loc["f0", "energy_tce_calorific"] == pytest.approx(122.9)
    # 1 000 000 kWh × 0.30 kgce/kWh = 300 000 kgce = 300 tce (等价值)
    assert out.loc["f0", "energy_tce_primary"] == pytest.approx(300.0)
    # 1 000 000 kWh = 1000 MWh × 0.5153 t/MWh = 515.3 t CO2
    assert out.loc["f0", "co2_t"] == pytest.approx(515.3)


def test_other_fuels_same_on_both_bases() -> None:
    out = energy_tce(
        _firms(gas_m3=[10_000.0, NAN, NAN], coal_t=[NAN, 100.0, NAN], heat_mj=[NAN, NAN, 1_000_000.0]), RULES
    )
    # gas: 10 000 m3 × 1.2143 kgce/m3 = 12 143 kgce = 12.143 tce; CO2 10 000 × 2.162 kg = 21.62 t
    # coal: 100 t = 100 000 kg × 0.7143 = 71 430 kgce = 71.43 tce; CO2 71.43 × 2.66 = 190.0038 t
    # heat: 1 000 000 MJ × 0.03412 = 34 120 kgce = 34.12 tce; CO2 1000 GJ × 0.11 = 110 t
    expected_tce = [12.143, 71.43, 34.12]
    assert out["energy_tce_calorific"].tolist() == pytest.approx(expected_tce)
    assert out["energy_tce_primary"].tolist() == pytest.approx(expected_tce)
    assert out["co2_t"].tolist() == pytest.approx([21.62, 190.0038, 110.0])


def test_missing_fuels_count_zero_only_when_something_reported() -> None:
    out = energy_tce(_firms(elec_kwh=[1_000_000.0, NAN], gas_m3=[10_000.0, NAN]), RULES)
    # 122.9 + 12.143 = 135.043 (当量值); 300 + 12.143 = 312.143 (等价值); coal and heat blank → 0
    assert out.loc["f0", "energy_tce_calorific"] == pytest.approx(135.043)
    assert out.loc["f0", "energy_tce_primary"] == pytest.approx(312.143)
    # nothing reported → NaN, not 0
    assert out.loc["f1"].isna().all()


def test_primary_factor_comes_from_rules() -> None:
    rules = RULES.with_overrides({"energy.elec_kgce_per_kwh_primary": 0.2875})
    out = energy_tce(_firms(elec_kwh=[1_000_000.0]), rules)
    assert out.loc["f0", "energy_tce_primary"] == pytest.approx(287.5)  # 1e6 × 0.2875 / 1000
    assert out.loc["f0", "energy_tce_calorific"] == pytest.approx(122.9)  # unchanged basis


def test_yearly_primary_factor() -> None:
    # energy.elec_kgce_per_kwh_primary_by_year: 2021 → 0.3025 kgce/kWh; 1e6 kWh → 302.5 tce (等价值)
    out = energy_tce(_firms(elec_kwh=[1_000_000.0]), RULES, year=2021)
    assert out.loc["f0", "energy_tce_primary"] == pytest.approx(302.5)
    assert out.loc["f0", "energy_tce_calorific"] == pytest.approx(122.9)  # 当量值 has no yearly parameter
    assert electricity_primary_factor(RULES, 2022) == 0.3007
    assert electricity_primary_factor(RULES) == 0.30  # no year → the default parameter
    with pytest.warns(InputWarning, match="no 等价值 electricity factor for 1999"):
        assert electricity_primary_factor(RULES, 1999) == 0.30


def test_grid_factor_is_chosen_by_name() -> None:
    # energy.grid_factor names a row of energy.grid_factors_t_per_mwh: Zhejiang 2021 = 0.5422 t/MWh
    rules = RULES.with_overrides({"energy.grid_factor": "zhejiang_2021"})
    assert grid_factor(rules) == ("zhejiang_2021", 0.5422)
    out = energy_tce(_firms(elec_kwh=[1_000_000.0]), rules)
    assert out.loc["f0", "co2_t"] == pytest.approx(542.2)  # 1000 MWh × 0.5422
    # carbon intensity follows: 542.2 t / 542.2 万元 = 1.0 t/万元 (中碳)
    firms = pd.DataFrame({"elec_kwh": [1_000_000.0], "value_added_wan": [542.2]})
    assert carbon_efficiency(firms, rules)["carbon_efficiency_L"].iloc[0] == pytest.approx(1.0)


def test_absent_columns_and_index_kept() -> None:
    firms = pd.DataFrame({"elec_kwh": [2000.0, 1000.0]}, index=["zz", "aa"])
    out = energy_tce(firms, RULES)
    assert list(out.index) == ["zz", "aa"]
    assert out.loc["aa", "energy_tce_primary"] == pytest.approx(0.3)  # 1000 × 0.30 / 1000


def test_negative_or_text_energy_is_an_input_error() -> None:
    firms = _firms(elec_kwh=[100.0, -5.0])
    firms["uscc"] = ["X1", "X2"]
    with pytest.raises(InputError, match="X2") as exc:
        energy_tce(firms, RULES)
    assert exc.value.column == "elec_kwh"
    with pytest.raises(InputError, match="not a number"):
        energy_tce(_firms(gas_m3=["12吨"]), RULES)


def test_carbon_levels_at_thresholds() -> None:
    # L = co2_t / value_added_wan; 低碳 L ≤ 0.6, 中碳 L ≤ 2.0, else 高碳 (DB33/T 1347-2023)
    firms = pd.DataFrame(
        {"co2_t": [60.0, 60.0001, 200.0, 250.0, 10.0], "value_added_wan": [100.0] * 4 + [0.0]}
    )
    out = carbon_efficiency(firms, RULES)
    assert out["carbon_efficiency_L"].iloc[:4].tolist() == pytest.approx([0.6, 0.600001, 2.0, 2.5])
    assert out["carbon_level"].iloc[:4].tolist() == ["低碳", "中碳", "中碳", "高碳"]
    assert math.isnan(out["carbon_efficiency_L"].iloc[4])  # value added 0 → no L
    assert pd.isna(out["carbon_level"].iloc[4])


def test_carbon_grade_against_industry_average() -> None:
    firms = pd.DataFrame(
        {
            "co2_t": [60.0, 240.0, 50.0, 999.0],
            "value_added_wan": [100.0, 100.0, 100.0, 100.0],
            "industry_code": ["3311", "3312", "1711", "3311"],
            "above_scale": [True, True, True, False],
        }
    )
    out = carbon_efficiency(firms, RULES)
    # division 33 (规上 only): average L = (60 + 240) / (100 + 100) = 1.5
    # firm 0: L 0.6 → K 0.4 ≤ 0.6 → grade 1; firm 1: L 2.4 → K 1.6 (≤ 2.0) → grade 4
    # firm 2 alone in division 17: K = 1 (≤ 1.2) → grade 3; firm 3 is 规下: L only, no grade
    assert out["carbon_k"].iloc[:3].tolist() == pytest.approx([0.4, 1.6, 1.0])
    assert out["carbon_grade"].iloc[:3].tolist() == [1, 4, 3]
    assert out["carbon_efficiency_L"].iloc[3] == pytest.approx(9.99)
    assert pd.isna(out["carbon_grade"].iloc[3])


def test_carbon_computes_co2_when_absent() -> None:
    firms = pd.DataFrame({"elec_kwh": [1_000_000.0], "value_added_wan": [515.3]})
    out = carbon_efficiency(firms, RULES)
    assert out["carbon_efficiency_L"].iloc[0] == pytest.approx(1.0)  # 515.3 t / 515.3 万元
