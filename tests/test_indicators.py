"""亩均效益 indicators: definitions (RULES.md §2) checked on hand-worked figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruian_land.core import InputError
from ruian_land.evaluation import INDICATORS, add_indicators, compute_indicators
from ruian_land.rules import load_rules

RULES = load_rules()
NAN = np.nan


def _one(**cols: float) -> pd.DataFrame:
    base = {"tax_wan": 52.02, "land_area_mu": 2.0}
    base.update(cols)
    return pd.DataFrame({k: [v] for k, v in base.items()}, index=["firm"])


def test_each_indicator_by_hand() -> None:
    firms = _one(
        value_added_wan=762.0,
        elec_kwh=1_000_000.0,
        emission_t=0.381,
        employees=40.0,
        rd_wan=30.5,
        revenue_wan=1000.0,
    )
    ind = compute_indicators(firms, RULES).loc["firm"]
    assert ind["tax_per_mu"] == pytest.approx(26.01)  # 52.02 / 2
    assert ind["value_added_per_mu"] == pytest.approx(381.0)  # 762 / 2
    # 等价值: 1 000 000 kWh × 0.30 / 1000 = 300 tce → 762 / 300 = 2.54 (当量值 would give 6.2002)
    assert ind["value_added_per_tce"] == pytest.approx(2.54)
    assert ind["value_added_per_t_emission"] == pytest.approx(2000.0)  # 762 / 0.381
    assert ind["labour_productivity"] == pytest.approx(19.05)  # 762 / 40
    assert ind["rd_intensity"] == pytest.approx(0.0305)  # 30.5 / 1000
    # 52.02 万元 / (1 000 000 kWh / 10 000 = 100 万kWh) = 0.5202 万元/万kWh
    assert ind["tax_per_10k_kwh"] == pytest.approx(0.5202)
    assert list(compute_indicators(firms, RULES).columns) == list(INDICATORS)


def test_yearly_primary_factor_for_value_added_per_tce() -> None:
    firms = _one(value_added_wan=762.0, elec_kwh=1_000_000.0)
    # 2021 等价值 parameter 0.3025 kgce/kWh → 302.5 tce → 762 / 302.5 = 2.519008 万元/tce
    ind = compute_indicators(firms, RULES, year=2021).loc["firm"]
    assert ind["value_added_per_tce"] == pytest.approx(2.519008, abs=1e-6)
    assert add_indicators(firms, RULES, year=2021).loc["firm", "energy_tce_primary"] == pytest.approx(302.5)


def test_given_primary_energy_is_used() -> None:
    firms = _one(value_added_wan=100.0, energy_tce_primary=40.0, elec_kwh=1_000_000.0)
    assert compute_indicators(firms, RULES).loc["firm", "value_added_per_tce"] == pytest.approx(2.5)  # 100/40


def test_zero_or_missing_denominators_give_nan_never_inf() -> None:
    firms = pd.DataFrame(
        {
            "tax_wan": [10.0, 10.0, NAN],
            "land_area_mu": [0.0, NAN, 1.0],
            "value_added_wan": [5.0, 5.0, 5.0],
            "employees": [0.0, NAN, 2.0],
            "emission_t": [0.0, NAN, NAN],
            "rd_wan": [1.0, 1.0, 1.0],
            "revenue_wan": [0.0, NAN, 10.0],
            "elec_kwh": [0.0, NAN, NAN],
        }
    )
    ind = compute_indicators(firms, RULES)
    assert not np.isinf(ind.to_numpy()).any()
    assert ind.iloc[0].isna().all()  # every denominator is 0 (no energy → NaN tce)
    assert ind.iloc[1].isna().all()  # every denominator missing
    assert np.isnan(ind.iloc[2]["tax_per_mu"])  # missing numerator
    assert ind.iloc[2]["labour_productivity"] == pytest.approx(2.5)
    assert ind.iloc[2]["rd_intensity"] == pytest.approx(0.1)


def test_index_and_order_kept() -> None:
    firms = pd.DataFrame({"tax_wan": [1.0, 9.0], "land_area_mu": [1.0, 3.0]}, index=[7, 3])
    ind = compute_indicators(firms, RULES)
    assert list(ind.index) == [7, 3]
    assert ind["tax_per_mu"].tolist() == pytest.approx([1.0, 3.0])


def test_required_and_bad_inputs() -> None:
    with pytest.raises(InputError) as exc:
        compute_indicators(pd.DataFrame({"land_area_mu": [1.0]}), RULES)
    assert exc.value.column == "tax_wan"
    with pytest.raises(InputError, match="negative") as exc:
        compute_indicators(pd.DataFrame({"tax_wan": [1.0], "land_area_mu": [-2.0]}), RULES)
    assert exc.value.column == "land_area_mu"


def test_add_indicators_keeps_given_columns_unless_overwrite() -> None:
    firms = _one(tax_per_mu=99.0, elec_kwh=1_000_000.0)
    kept = add_indicators(firms, RULES)
    assert kept.loc["firm", "tax_per_mu"] == 99.0  # planner's value wins
    assert kept.loc["firm", "energy_tce_calorific"] == pytest.approx(122.9)
    assert kept.loc["firm", "tax_per_10k_kwh"] == pytest.approx(0.5202)
    redone = add_indicators(firms, RULES, overwrite=True)
    assert redone.loc["firm", "tax_per_mu"] == pytest.approx(26.01)
    assert "tax_per_mu" in firms.columns and firms.loc["firm", "tax_per_mu"] == 99.0  # input untouched
