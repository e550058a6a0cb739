"""Cadastral attributes of the sample parcels: 宗地代码, grant and construction dates, idle
status, building figures (建筑面积, 建筑占地, FAR, coverage), investment and land price.

Idle parcels are made to match 《闲置土地处置办法》 as the rule set states it
(``idle.*`` rules): not started a year after the agreed start, or started, under a third
developed / a quarter invested and suspended for a year; a few have 政府原因 = 是.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ruian_land.core import M2_PER_MU
from ruian_land.rules import RuleSet
from ruian_land.sample.params import SEAT_CODES, SampleParams

__all__ = ["is_idle", "parcel_buildings", "parcel_dates", "parcel_ids"]

_DAY = dt.timedelta(days=1)


def _d(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + _DAY * int(rng.integers(0, max(1, (hi - lo).days + 1)))


def _months(n: float) -> dt.timedelta:
    return dt.timedelta(days=round(30.44 * n))


def parcel_ids(parcels: pd.DataFrame, county_code: str) -> pd.Series:
    """宗地代码: county (6) + 地籍区 = town (3) + 地籍子区 = street block within the town (3) +
    ``GB`` (国有建设用地使用权) + sequence (5), e.g. ``330381101002GB00123``.

    Parameters
    ----------
    parcels : DataFrame
        ``town, block_id`` in spatial order.
    """
    town_code = parcels["town"].map(SEAT_CODES).astype(int)
    sub = parcels.groupby("town")["block_id"].rank(method="dense").astype(int)
    seq = parcels.groupby(["town", "block_id"]).cumcount() + 1
    return pd.Series(
        [f"{county_code}{t:03d}{b:03d}GB{s:05d}" for t, b, s in zip(town_code, sub, seq, strict=True)],
        index=parcels.index,
        name="parcel_id",
    )


def parcel_dates(
    rng: np.random.Generator, status: pd.Series, evaluation_date: dt.date, rules: RuleSet
) -> pd.DataFrame:
    """Grant, agreed start, actual start, suspension dates and 政府原因 by parcel status.

    Returns
    -------
    DataFrame
        Same index as ``status``: ``grant_date, agreed_start_date, actual_start_date,
        suspended_since`` (datetime64, NaT when blank) and ``government_delay`` (bool).
    """
    idle_m = float(rules.value("idle.months_after_agreed_start"))
    susp_m = float(rules.value("idle.suspension_months"))
    ev = evaluation_date
    rows = []
    for s in status:
        g = a = act = sus = None
        gov = False
        if s == "developed" or s == "other_owner":
            year = int(np.clip(round(rng.normal(2006, 6.5)), 1992, 2016))
            g = _d(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
            if year >= 2008:
                a = g + _months(rng.uniform(3, 12))
                act = a + _months(rng.uniform(-2, 9))
            else:
                act = g + _months(rng.uniform(2, 12))
        elif s == "idle_not_started":
            a = _d(rng, dt.date(2017, 9, 1), ev - _months(idle_m + 2))
            g = max(a - _months(rng.uniform(3, 12)), dt.date(2017, 1, 3))
            gov = rng.random() < 0.2
        elif s == "idle_suspended":
            g = _d(rng, dt.date(2017, 1, 1), dt.date(2019, 3, 31))
            a = g + _months(rng.uniform(3, 12))
            act = a + _months(rng.uniform(0, 5))
            sus = _d(rng, act + _months(2), ev - _months(susp_m + 1))
            gov = rng.random() < 0.15
        elif s == "under_construction":
            g = _d(rng, dt.date(2019, 6, 1), dt.date(2021, 3, 31))
            a = g + _months(rng.uniform(3, 9))
            act = min(a + _months(rng.uniform(-1, 6)), ev - _months(1))
        elif s == "not_yet_due":
            g = _d(rng, dt.date(2021, 1, 1), dt.date(2021, 10, 31))
            a = g + _months(rng.uniform(6, 12))
        rows.append((g, a, act, sus, gov))
    out = pd.DataFrame(
        rows,
        columns=[
            "grant_date",
            "agreed_start_date",
            "actual_start_date",
            "suspended_since",
            "government_delay",
        ],
        index=status.index,
    )
    for c in ("grant_date", "agreed_start_date", "actual_start_date", "suspended_since"):
        out[c] = pd.to_datetime(out[c])
    out["government_delay"] = out["government_delay"].astype(bool)
    return out


def parcel_buildings(
    rng: np.random.Generator,
    parcels: pd.DataFrame,
    low_tax_owner: np.ndarray,
    params: SampleParams,
    rules: RuleSet,
) -> pd.DataFrame:
    """Floor area, footprint, developed area, investment and land price.

    Parameters
    ----------
    parcels : DataFrame
        ``status, area_m2, grant_date`` (index aligned with the result).
    low_tax_owner : ndarray of bool
        Parcels whose holder pays little tax per 亩: old single-storey plants, so low FAR is
        twice as likely there.

    Returns
    -------
    DataFrame
        ``floor_area_m2, footprint_m2, developed_area_m2, investment_total_wan,
        investment_done_wan, grant_price_wan, coverage, far, low_far, low_coverage``.
    """
    far_min = float(rules.value("screening.far_min"))
    cov_min = float(rules.value("screening.building_coverage_min"))
    dev_min = float(rules.value("idle.developed_share_min"))
    inv_min = float(rules.value("idle.invested_share_min"))
    n = len(parcels)
    status = parcels["status"].to_numpy()
    area = parcels["area_m2"].to_numpy()
    mu = area / M2_PER_MU
    built = np.isin(status, ["developed", "other_owner", "collective"])
    cov = np.clip(rng.normal(0.5, 0.07, n), cov_min + 0.02, 0.68)
    far = np.clip(np.exp(rng.normal(np.log(1.45), 0.28, n)), far_min + 0.02, 3.2)
    far = np.maximum(far, cov * 1.6)
    p_low = params.low_far_share * np.where(low_tax_owner, 2.0, 0.7)
    low_far = built & (rng.random(n) < p_low)
    low_far |= (status == "collective") & (rng.random(n) < 0.6)
    cov[low_far] = rng.uniform(cov_min, 0.6, low_far.sum())
    far[low_far] = np.minimum(cov[low_far] * rng.uniform(1.0, 1.6, low_far.sum()), far_min - 0.03)
    low_cov = built & ~low_far & (rng.random(n) < params.low_coverage_share)
    cov[low_cov] = rng.uniform(0.1, cov_min - 0.01, low_cov.sum())
    far[low_cov] = cov[low_cov] * rng.uniform(1.5, 4.0, low_cov.sum())
    dev_share = np.where(built, 1.0, 0.0)
    inv_share = np.where(built, rng.uniform(1.0, 1.3, n), np.nan)
    sus = status == "idle_suspended"
    dev_share[sus] = rng.uniform(0.05, dev_min - 0.03, sus.sum())
    inv_share[sus] = rng.uniform(0.04, inv_min - 0.03, sus.sum())
    uc = status == "under_construction"
    dev_share[uc] = rng.uniform(0.35, 0.85, uc.sum())
    inv_share[uc] = rng.uniform(0.3, 0.8, uc.sum())
    ns = status == "idle_not_started"
    inv_share[ns] = rng.uniform(0.0, 0.1, ns.sum())
    nd = status == "not_yet_due"
    inv_share[nd] = rng.uniform(0.0, 0.05, nd.sum())
    cov_eff = np.where(built, cov, np.where(sus | uc, cov * dev_share * 0.8, 0.0))
    far_eff = np.where(built, far, np.where(sus | uc, cov_eff * rng.uniform(0.5, 1.5, n), 0.0))
    year = parcels["grant_date"].dt.year.to_numpy(dtype=float)
    has_contract = year >= 2008
    inv_per_mu = np.exp(rng.normal(np.log(300), 0.35, n)) * np.clip((year - 2000) / 15, 0.5, 1.4)
    total = np.where(has_contract, np.round(mu * inv_per_mu, 1), np.nan)
    done = np.where(has_contract, np.round(total * inv_share, 1), np.nan)
    price = np.where(
        np.isnan(year), np.nan, np.round(mu * 5.0 * 1.11 ** (year - 1992) * np.exp(rng.normal(0, 0.15, n)), 1)
    )
    return pd.DataFrame(
        {
            "floor_area_m2": np.round(area * far_eff, 2),
            "footprint_m2": np.round(area * cov_eff, 2),
            "developed_area_m2": np.round(area * dev_share, 2),
            "investment_total_wan": total,
            "investment_done_wan": done,
            "grant_price_wan": price,
            "coverage": cov_eff,
            "far": far_eff,
            "low_far": low_far & (far_eff < far_min),
            "low_coverage": built & (cov_eff < cov_min),
        },
        index=parcels.index,
    )


def is_idle(parcels: pd.DataFrame, evaluation_date: dt.date, rules: RuleSet) -> pd.Series:
    """Idle per 《闲置土地处置办法》 as the rules state it (for the generator's truth).

    ``parcels`` needs ``agreed_start_date, actual_start_date, suspended_since,
    government_delay, developed_area_m2, area_m2, investment_done_wan,
    investment_total_wan``.
    """
    ev = pd.Timestamp(evaluation_date)
    m_start = int(rules.value("idle.months_after_agreed_start"))
    m_susp = int(rules.value("idle.suspension_months"))
    dev_min = float(rules.value("idle.developed_share_min"))
    inv_min = float(rules.value("idle.invested_share_min"))
    not_started = parcels["actual_start_date"].isna() & (
        parcels["agreed_start_date"] + pd.DateOffset(months=m_start) <= ev
    )
    little = (parcels["developed_area_m2"] < dev_min * parcels["area_m2"]) | (
        parcels["investment_done_wan"] < inv_min * parcels["investment_total_wan"]
    )
    suspended = (
        parcels["actual_start_date"].notna()
        & parcels["suspended_since"].notna()
        & (parcels["suspended_since"] + pd.DateOffset(months=m_susp) <= ev)
        & little
    )
    return (not_started | suspended) & ~parcels["government_delay"]
