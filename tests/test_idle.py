"""Idle land under 《闲置土地处置办法》: timelines worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ruian_land.rules import load_rules
from ruian_land.screening import IdleRules, assess_idle, idle_status, whole_months

RULES = load_rules()
PARAMS = IdleRules.from_rules(RULES)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2019-03-01", "2021-12-31", 33),  # Mar 2019 → Dec 2021
        ("2019-03-01", "2020-03-01", 12),  # same day of month: a full year
        ("2019-03-01", "2020-02-29", 11),  # one day short
        ("2019-01-31", "2019-02-28", 0),  # February has no 31st: not a full month
        ("2020-06-15", "2021-06-14", 11),
        ("2020-06-15", "2021-06-15", 12),
    ],
)
def test_whole_months(start: str, end: str, months: int) -> None:
    assert whole_months(start, end) == months


def test_whole_months_missing_is_nan() -> None:
    assert math.isnan(whole_months(None, "2021-01-01"))
    assert math.isnan(whole_months("2021-01-01", pd.NaT))


def test_not_started_33_months_fee_and_recovery() -> None:
    # agreed start 2019-03-01, nothing built on 2021-12-31: 33 whole months since the agreed
    # start → idle (≥ 12, 第二条), fee 20 % × 500 = 100 万元 (第十四条(一)), taken back (≥ 24).
    st = idle_status(
        as_of="2021-12-31",
        agreed_start_date="2019-03-01",
        actual_start_date=None,
        area_m2=10_000.0,
        grant_price_wan=500.0,
        params=PARAMS,
    )
    assert st.is_idle
    assert st.kind == "not_started"
    assert st.idle_months == 33
    assert st.idle_fee_wan == pytest.approx(100.0)
    assert st.idle_recovery
    assert st.codes == "IDLE_NOT_STARTED;IDLE_RECOVERY"


@pytest.mark.parametrize(
    ("as_of", "idle", "months", "fee", "recovery"),
    [
        ("2020-02-29", False, 0, 0.0, False),  # 11 months: not yet idle
        ("2020-03-01", True, 12, 100.0, False),  # one full year: idle, fee due
        ("2021-02-28", True, 23, 100.0, False),  # 23 months: not yet two years
        ("2021-03-01", True, 24, 100.0, True),  # two full years: taken back
    ],
)
def test_not_started_boundaries(as_of: str, idle: bool, months: int, fee: float, recovery: bool) -> None:
    st = idle_status(as_of=as_of, agreed_start_date="2019-03-01", grant_price_wan=500.0, params=PARAMS)
    assert (st.is_idle, st.idle_months, st.idle_fee_wan, st.idle_recovery) == (idle, months, fee, recovery)


def test_government_delay_without_a_duration_stops_the_whole_clock() -> None:
    st = idle_status(
        as_of="2021-12-31",
        agreed_start_date="2019-03-01",
        government_delay="是",
        grant_price_wan=500.0,
        params=PARAMS,
    )
    assert not st.is_idle
    assert st.idle_fee_wan == 0.0
    assert not st.idle_recovery
    assert st.codes == "GOV_DELAY"
    assert st.note == "政府原因或不可抗力延误,不计闲置(未载明延误期限)"


@pytest.mark.parametrize(
    ("delay", "idle", "months", "recovery"),
    [
        # 33 months since the agreed start 2019-03-01, minus the stopped months
        ({"government_delay_months": 9}, True, 24, True),  # 24: still taken back
        ({"government_delay_months": 10}, True, 23, False),  # 23: fee only
        ({"government_delay_months": 22}, False, 0, False),  # 11 on the clock: not idle yet
        # period 2019-06-01 → 2020-04-15: 10 whole months (Jun 2019 … Apr 1 2020)
        ({"government_delay_from": "2019-06-01", "government_delay_to": "2020-04-15"}, True, 23, False),
        # a period that began before the agreed start only counts from the agreed start:
        # 2019-03-01 → 2020-01-01 = 10 months
        ({"government_delay_from": "2018-06-01", "government_delay_to": "2020-01-01"}, True, 23, False),
        # open-ended, since 2020-01-01: 2019-03-01 → 2020-01-01 = 10 months ran, the rest stopped
        ({"government_delay_from": "2020-01-01"}, False, 0, False),
    ],
)
def test_government_delay_stops_the_clock_for_its_duration(
    delay: dict[str, object], idle: bool, months: int, recovery: bool
) -> None:
    st = idle_status(
        as_of="2021-12-31",
        agreed_start_date="2019-03-01",
        grant_price_wan=500.0,
        government_delay=True,
        params=PARAMS,
        **delay,  # type: ignore[arg-type]
    )
    assert (st.is_idle, st.idle_months, st.idle_recovery) == (idle, months, recovery)
    assert st.idle_fee_wan == (pytest.approx(100.0) if idle else 0.0)  # 20 % × 500 once idle ≥ 12 months
    assert "GOV_DELAY" in st.codes
    assert st.clock_months == 33 - st.stopped_months if idle else st.clock_months < 12


def test_missing_agreed_start_is_reported_only_for_granted_land() -> None:
    granted = idle_status(as_of="2021-12-31", agreed_start_date=None, grant_date="2019-01-01", params=PARAMS)
    assert not granted.is_idle and granted.codes == "IDLE_DATE_MISSING" and math.isnan(granted.idle_months)
    reserve = idle_status(as_of="2021-12-31", agreed_start_date=None, params=PARAMS)  # 储备地, never granted
    assert not reserve.is_idle and reserve.codes == ""


def test_clock_months_warn_before_the_land_is_idle() -> None:
    st = idle_status(as_of="2020-02-29", agreed_start_date="2019-03-01", params=PARAMS)
    assert not st.is_idle and st.idle_months == 0 and st.clock_months == 11


def _suspended(as_of: str, developed: float, invested: float, area: float = 9000.0):  # type: ignore[no-untyped-def]
    return idle_status(
        as_of=as_of,
        agreed_start_date="2018-01-01",
        actual_start_date="2018-05-01",
        area_m2=area,
        developed_area_m2=developed,
        investment_total_wan=1000.0,
        investment_done_wan=invested,
        suspended_since="2020-06-15",
        grant_price_wan=800.0,
        params=PARAMS,
    )


def test_suspended_under_developed() -> None:
    # developed 2000/9000 = 22 % < 1/3; suspended since 2020-06-15
    before = _suspended("2021-06-14", 2000.0, 500.0)
    assert not before.is_idle  # 11 months of suspension
    after = _suspended("2021-06-15", 2000.0, 500.0)
    assert after.is_idle and after.kind == "suspended"
    assert after.idle_months == 12  # counted from the suspension date
    assert after.idle_fee_wan == pytest.approx(160.0)  # 20 % × 800
    assert not after.idle_recovery
    assert after.codes == "IDLE_SUSPENDED"


def test_suspended_thresholds_are_strict() -> None:
    # exactly 1/3 developed (3000/9000) and exactly 25 % invested: not "不足", so not idle
    assert not _suspended("2022-12-31", 3000.0, 250.0).is_idle
    # investment just under 25 % is enough on its own
    assert _suspended("2022-12-31", 3000.0, 249.0).is_idle
    # development just under 1/3 is enough on its own
    assert _suspended("2022-12-31", 2999.0, 900.0).is_idle


def test_buildings_on_record_count_as_started() -> None:
    st = idle_status(as_of="2021-12-31", agreed_start_date="2010-01-01", floor_area_m2=5000.0, params=PARAMS)
    assert not st.is_idle


def test_fee_share_comes_from_rules() -> None:
    params = IdleRules.from_rules(load_rules(overrides={"idle.fee_share_of_price": 0.1}))
    st = idle_status(as_of="2021-12-31", agreed_start_date="2019-03-01", grant_price_wan=500.0, params=params)
    assert st.idle_fee_wan == pytest.approx(50.0)


def test_assess_idle_frame() -> None:
    parcels = pd.DataFrame(
        {
            "parcel_id": ["a", "b", "c"],
            "agreed_start_date": pd.to_datetime(["2019-03-01", "2019-03-01", "2021-06-01"]),
            "actual_start_date": pd.to_datetime([None, None, None]),
            "government_delay": [False, True, False],
            "grant_price_wan": [500.0, 500.0, 300.0],
        },
        index=[10, 11, 12],
    )
    out = assess_idle(parcels, RULES, "2021-12-31")
    assert list(out.index) == [10, 11, 12]
    assert out["is_idle"].tolist() == [True, False, False]
    assert out["idle_months"].tolist() == [33.0, 0.0, 0.0]  # c: 6 months, not idle yet
    assert out["idle_fee_wan"].tolist() == [100.0, 0.0, 0.0]
    assert out["idle_codes"].tolist() == ["IDLE_NOT_STARTED;IDLE_RECOVERY", "GOV_DELAY", ""]
    assert out["idle_clock_months"].tolist() == [33.0, 0.0, 6.0]  # c: 2021-06-01 → 2021-12-31
