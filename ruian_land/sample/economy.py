"""Economic figures of the sample firms: tax, value added, statistics, energy by carrier and
main-pollutant emissions, with a handful of "两高" firms.

亩均税收 is drawn per firm (log-normal, industry factor) and multiplied by the firm's
productive land; value added is 4-6 × tax; energy scales with land and industry, and only
weakly with tax, so low-tax firms still use energy (they are what the plan wants to clear).
Energy factors (kgce per kWh, m³, kg, MJ) and "两高" thresholds come from the rule set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruian_land.core import M2_PER_MU
from ruian_land.rules import RuleSet
from ruian_land.sample.firms import industry_table
from ruian_land.sample.params import UTILITIES, SampleParams

__all__ = ["energy_tce_calorific", "firm_economics"]

_WATER = ("17", "19", "22", "26", "27", "13", "14")
_KILN = ("30",)


def energy_tce_calorific(frame: pd.DataFrame, rules: RuleSet) -> pd.Series:
    """Energy (tce, calorific basis) from ``elec_kwh, gas_m3, coal_t, heat_mj`` (NaN = 0)."""
    e = rules.value("energy.elec_kgce_per_kwh_calorific")
    g = rules.value("energy.gas_kgce_per_m3")
    c = rules.value("energy.coal_kgce_per_kg")
    h = rules.value("energy.heat_kgce_per_mj")
    f = frame[["elec_kwh", "gas_m3", "coal_t", "heat_mj"]].fillna(0.0)
    return (f["elec_kwh"] * e + f["gas_m3"] * g + f["coal_t"] * 1000.0 * c + f["heat_mj"] * h) / 1000.0


def firm_economics(
    rng: np.random.Generator,
    firms: pd.DataFrame,
    registry: pd.DataFrame,
    land_m2: pd.Series,
    productive_m2: pd.Series,
    params: SampleParams,
    rules: RuleSet,
    scale: float,
) -> pd.DataFrame:
    """Tax, statistics, energy and emissions of every firm.

    Parameters
    ----------
    firms : DataFrame
        Index ``fid``: ``above, role, industry_code, utility, new_land``.
    registry : DataFrame
        Same index, ``project_built_year`` (Int64). The "两高" firms' build year is set here
        (modified in place) so that their class is unambiguous.
    land_m2, productive_m2 : Series
        Per ``fid``: all land the firm occupies (own minus leased out, plus leased in), and
        the part that is not idle or under construction (m², 0 when none).

    Returns
    -------
    DataFrame
        Same index: ``tax_wan, value_added_wan, output_wan, revenue_wan, rd_wan, employees,
        elec_kwh, gas_m3, coal_t, heat_mj, energy_tce_calorific, cod_t, ammonia_t, so2_t,
        nox_t, emission_t, in_tax_table, in_emission_table, two_high`` (NaN = not reported).
    """
    ind = industry_table()
    n = len(firms)
    above = firms["above"].to_numpy()
    util = firms["utility"].to_numpy()
    code = firms["industry_code"].to_numpy()
    normal = util < 0
    tax_factor = np.array([ind.loc[c, "tax_factor"] if c in ind.index else 1.0 for c in code])
    e_mu = np.array([ind.loc[c, "energy_per_mu"] if c in ind.index else 0.0 for c in code])
    em_factor = np.array([ind.loc[c, "emission_factor"] if c in ind.index else 0.3 for c in code])

    # 亩均税收 (万元/亩) on productive land; medians pinned to the parameters
    tpm = (
        np.exp(rng.normal(0, np.where(above, params.tax_per_mu_sigma_above, params.tax_per_mu_sigma_below)))
        * tax_factor
    )
    for grp, target in (
        (above & normal, params.tax_per_mu_median_above),
        (~above & normal, params.tax_per_mu_median_below),
    ):
        tpm[grp] *= target / np.median(tpm[grp])
    new = firms["new_land"].to_numpy()
    tpm[new] = np.where(rng.random(new.sum()) < 0.3, 0.0, np.exp(rng.normal(0, 1.0, new.sum())))
    mu = productive_m2.reindex(firms.index).fillna(0).to_numpy() / M2_PER_MU
    mu_all = land_m2.reindex(firms.index).fillna(0).to_numpy() / M2_PER_MU
    none = (firms["role"] == "none").to_numpy()
    mu[none] = np.exp(rng.normal(np.log(5.0), 0.6, none.sum()))
    mu[new] = mu_all[new]
    tax = tpm * mu
    u_tax = {0: 1200.0, 1: 260.0, 2: 420.0, 3: 150.0}
    for k in np.flatnonzero(~normal):
        tax[k] = u_tax.get(int(util[k]), 300.0) * rng.uniform(0.8, 1.2)
    tax = np.round(tax, 2)

    # statistics (规上 only)
    va = np.where(above, tax * rng.uniform(4.0, 6.0, n), np.nan)
    output = va / rng.uniform(0.18, 0.30, n)
    revenue = output * rng.uniform(0.92, 1.08, n)
    rd = revenue * np.clip(np.exp(rng.normal(np.log(0.02), 0.55, n)), 0.002, 0.08)
    employees = np.maximum(20, np.round(va / np.exp(rng.normal(np.log(18.0), 0.45, n))))

    # energy (tce, calorific)
    med = np.where(above, params.tax_per_mu_median_above, params.tax_per_mu_median_below)
    rel = np.clip(tpm / med, 0.05, 20.0) ** params.energy_tax_elasticity
    energy = mu * e_mu * rel * np.exp(rng.normal(0, params.energy_sigma, n))
    energy = np.where(
        above,
        np.clip(energy, params.above_energy_min_tce, params.above_energy_max_tce),
        np.maximum(energy * 0.7, 0.5),
    )
    energy[new] = rng.uniform(1.0, 20.0, new.sum())
    for k in np.flatnonzero(~normal):
        energy[k] = UTILITIES[int(util[k])][3] * rng.uniform(0.9, 1.1)
    two_high = _two_high(rng, firms, registry, energy, rules, params, scale)

    # carriers
    carriers = np.zeros((n, 4))
    carriers[:, 0] = 1.0
    for i in range(n):
        if not normal[i]:
            carriers[i] = UTILITIES[int(util[i])][4]
        elif above[i]:
            prof = np.array(ind.loc[code[i], "carriers"])
            if prof[0] < 1.0:
                noisy = prof * rng.uniform(0.7, 1.3, 4)
                carriers[i] = noisy / noisy.sum()
            elif rng.random() < 0.25:
                g = rng.uniform(0.05, 0.15)
                carriers[i] = (1 - g, g, 0.0, 0.0)
    fe = rules.value("energy.elec_kgce_per_kwh_calorific")
    fg = rules.value("energy.gas_kgce_per_m3")
    fc = rules.value("energy.coal_kgce_per_kg")
    fh = rules.value("energy.heat_kgce_per_mj")
    kgce = energy * 1000.0
    out = pd.DataFrame(index=firms.index)
    out["tax_wan"] = tax
    out["value_added_wan"] = np.round(va, 1)
    out["output_wan"] = np.round(output, 1)
    out["revenue_wan"] = np.round(revenue, 1)
    out["rd_wan"] = np.round(rd, 1)
    out["employees"] = np.where(above, employees, np.nan)
    # reported units: 万千瓦时 (2 dp), 万立方米 (2 dp), 吨 (1 dp), 百万千焦 (0 dp)
    out["elec_kwh"] = np.maximum(np.round(kgce * carriers[:, 0] / fe / 1e4, 2), 0.01) * 1e4
    out["gas_m3"] = _reported(np.round(kgce * carriers[:, 1] / fg / 1e4, 2) * 1e4)
    out["coal_t"] = _reported(np.round(kgce * carriers[:, 2] / fc / 1000.0, 1))
    out["heat_mj"] = _reported(np.round(kgce * carriers[:, 3] / fh / 1000.0, 0) * 1000.0)
    out["energy_tce_calorific"] = energy_tce_calorific(out, rules)
    out["two_high"] = two_high
    out["in_tax_table"] = rng.random(n) >= params.missing_tax_share
    _emissions(rng, out, firms, va, mu, em_factor, params)
    return out


def _reported(values: np.ndarray) -> np.ndarray:
    return np.where(values > 0, values, np.nan)


def _two_high(
    rng: np.random.Generator,
    firms: pd.DataFrame,
    registry: pd.DataFrame,
    energy: np.ndarray,
    rules: RuleSet,
    params: SampleParams,
    scale: float,
) -> np.ndarray:
    """Pick a handful of "两高" firms and keep the other firms of those industries below the
    thresholds (rules ``two_high.*``), so that the count is what the parameters say."""
    since = int(rules.value("two_high.built_since_year"))
    t_new = float(rules.value("two_high.energy_tce_new"))
    t_old = float(rules.value("two_high.energy_tce_old"))
    prefixes = tuple(str(p) for p in rules.value("two_high.industry_divisions"))
    code = firms["industry_code"].astype(str)
    in_div = (firms["utility"].to_numpy() < 0) & code.str.startswith(prefixes).to_numpy()
    cand = np.flatnonzero(firms["above"].to_numpy() & in_div)
    n_new = min(len(cand) // 2, max(1, round(params.n_two_high_new * scale)))
    n_old = min(len(cand) - n_new, max(1, round(params.n_two_high_old * scale)))
    order = cand[np.argsort(-energy[cand], kind="stable")]
    chosen_old, chosen_new = order[:n_old], order[n_old : n_old + n_new]
    built = registry["project_built_year"].to_numpy(dtype=float, na_value=np.nan)
    flag = np.zeros(len(firms), dtype=bool)
    for i in np.flatnonzero(in_div):
        if i in chosen_new:
            built[i] = rng.integers(since, 2022)
            energy[i] = t_new * rng.uniform(1.05, 4.0)
            flag[i] = True
        elif i in chosen_old:
            if built[i] >= since or np.isnan(built[i]):
                built[i] = rng.integers(2008, since)
            energy[i] = t_old * rng.uniform(1.05, 3.0)
            flag[i] = True
        else:
            limit = t_new if built[i] >= since else t_old
            if energy[i] >= limit:
                energy[i] = limit * rng.uniform(0.5, 0.95)
    util = firms["utility"].to_numpy()
    codes = code.tolist()
    for k in np.flatnonzero(util >= 0):
        if codes[k].startswith(prefixes):
            limit = t_new if built[k] >= since else t_old
            flag[k] = energy[k] >= limit
    registry["project_built_year"] = pd.array([None if np.isnan(b) else int(b) for b in built], dtype="Int64")
    return flag


def _emissions(
    rng: np.random.Generator,
    out: pd.DataFrame,
    firms: pd.DataFrame,
    va: np.ndarray,
    mu: np.ndarray,
    em_factor: np.ndarray,
    params: SampleParams,
) -> None:
    """COD, NH3-N, SO2, NOx (t). 规上 firms report unless among the missing share; 规下
    firms in polluting industries report half the time."""
    n = len(firms)
    above = firms["above"].to_numpy()
    code = firms["industry_code"].astype(str)
    base = np.where(above, np.nan_to_num(va) / (5000.0 * em_factor), mu * 0.02 / em_factor)
    total = base * np.exp(rng.normal(0, 0.6, n))
    water = code.str.startswith(_WATER).to_numpy()
    kiln = code.str.startswith(_KILN).to_numpy() | (firms["utility"].to_numpy() == 0)
    shares = np.tile([0.3, 0.03, 0.27, 0.40], (n, 1))
    shares[water] = [0.6, 0.08, 0.12, 0.20]
    shares[kiln] = [0.05, 0.01, 0.40, 0.54]
    reported = np.where(
        above, rng.random(n) >= params.missing_emission_share, (em_factor <= 0.3) & (rng.random(n) < 0.5)
    )
    reported &= ~firms["new_land"].to_numpy()
    for j, col in enumerate(("cod_t", "ammonia_t", "so2_t", "nox_t")):
        out[col] = np.where(reported, np.round(total * shares[:, j], 3), np.nan)
    out["emission_t"] = out[["cod_t", "ammonia_t", "so2_t", "nox_t"]].sum(axis=1, min_count=1)
    out["in_emission_table"] = reported
