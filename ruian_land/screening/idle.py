"""Idle land (闲置土地) under 《闲置土地处置办法》 (国土资源部令第53号, 2012).

* 第二条: land is idle when (a) construction has not started one full year
  (``idle.months_after_agreed_start``) after the agreed start date, or (b) it has started but
  the developed area is under one third (``idle.developed_share_min``) of the land, or the
  investment made is under 25 % (``idle.invested_share_min``) of the agreed total, **and**
  construction has been suspended for one full year (``idle.suspension_months``).
* 第八条: a delay caused by government action or force majeure is handled by negotiation, not
  as idle land: the idle clock stops for the delay (``government_delay_months``, or the period
  ``government_delay_from`` – ``government_delay_to``); a delay flagged with no duration on
  record (``government_delay`` 是) stops the whole clock. Either way ``GOV_DELAY`` is noted.
* 第十四条: idle one full year (``idle.fee_months``) → 土地闲置费 of 20 % of the land price
  (``idle.fee_share_of_price``); idle two full years (``idle.recovery_months``) → taken back
  without compensation.

The idle clock runs from the agreed start date for land not started and from the suspension
date for started land that is under-developed (第二条 second case); ``idle_months`` counts whole
calendar months of that clock, net of stopped months. The fee (第十四条(一)) and the recovery
(第十四条(二)) are read on the same clock: 12 and 24 months. Land not started with no agreed
start date on record is reported when it was granted (``IDLE_DATE_MISSING``), never guessed idle.

A parcel with no actual start date but with developed area, floor area or a footprint on
record counts as started (old cadastral records often leave 实际开工 blank).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import join_codes
from ruian_land.rules import RuleSet

__all__ = [
    "IdleRules",
    "IdleStatus",
    "assess_idle",
    "idle_status",
    "truthy",
    "whole_months",
    "whole_months_to",
]

DateLike = dt.date | pd.Timestamp | str | None


@dataclass(frozen=True)
class IdleRules:
    """The 《闲置土地处置办法》 thresholds, read from the rule set (keys ``idle.*``)."""

    months_after_agreed_start: int
    developed_share_min: float
    invested_share_min: float
    suspension_months: int
    fee_months: int
    fee_share_of_price: float
    recovery_months: int

    @classmethod
    def from_rules(cls, rules: RuleSet) -> IdleRules:
        """Read ``idle.*`` from ``rules`` (raises :class:`~ruian_land.core.errors.RulesError` if absent)."""
        v = rules.value
        return cls(
            months_after_agreed_start=int(v("idle.months_after_agreed_start")),
            developed_share_min=float(v("idle.developed_share_min")),
            invested_share_min=float(v("idle.invested_share_min")),
            suspension_months=int(v("idle.suspension_months")),
            fee_months=int(v("idle.fee_months")),
            fee_share_of_price=float(v("idle.fee_share_of_price")),
            recovery_months=int(v("idle.recovery_months")),
        )


@dataclass(frozen=True)
class IdleStatus:
    """Idle status of one parcel on a given date.

    Attributes
    ----------
    is_idle : bool
    kind : str
        ``"not_started"``, ``"suspended"`` or ``""``.
    idle_months : float
        Whole months since the idle clock started (0 when not idle, NaN when the dates
        needed are missing).
    idle_fee_wan : float
        土地闲置费 in 万元 (0 when none is due; NaN when due but the price is unknown).
    idle_recovery : bool
        Idle for ``recovery_months`` or more: taken back without compensation.
    codes : str
        ``;``-joined reason codes (``IDLE_NOT_STARTED``, ``IDLE_SUSPENDED``, ``IDLE_RECOVERY``,
        and the information codes ``GOV_DELAY`` / ``IDLE_DATE_MISSING``).
    note : str
        Chinese note on a government delay (how long the clock was stopped), else ``""``.
    clock_months : float
        Months on the idle clock net of stopped months, whether or not the parcel is idle yet
        (0 when no clock runs: started and not suspended; NaN when the date is missing): an
        early warning (11 = idle next month).
    stopped_months : float
        Months the clock was stopped by a government delay (第八条).
    """

    is_idle: bool
    kind: str
    idle_months: float
    idle_fee_wan: float
    idle_recovery: bool
    codes: str
    note: str
    clock_months: float = 0.0
    stopped_months: float = 0.0


def _ts(value: Any) -> pd.Timestamp | None:
    if value is None or value is pd.NaT:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(ts) else ts


def whole_months(start: DateLike, end: DateLike) -> float:
    """Whole calendar months from ``start`` to ``end`` (negative if ``end`` is earlier).

    One month is complete on the same day-of-month: 2019-03-01 → 2020-03-01 is 12,
    → 2020-02-29 is 11. NaN when either date is missing.

    >>> whole_months("2019-03-01", "2021-12-31")
    33.0
    """
    s, e = _ts(start), _ts(end)
    if s is None or e is None:
        return float("nan")
    months = (e.year - s.year) * 12 + (e.month - s.month)
    if months > 0 and e.day < s.day:
        months -= 1
    elif months < 0 and e.day > s.day:
        months += 1
    return float(months)


def whole_months_to(start: pd.Series, end: pd.Timestamp) -> pd.Series:
    """:func:`whole_months` from each date of ``start`` to one ``end`` date, vectorised.

    Parameters
    ----------
    start : Series of datetime64
        Missing dates (NaT) give NaN.
    end : Timestamp

    Returns
    -------
    Series of float, same index as ``start``.
    """
    s = pd.to_datetime(start, errors="coerce")
    months = ((end.year - s.dt.year) * 12 + (end.month - s.dt.month)).astype(float)
    day = s.dt.day
    months = months.mask((months > 0) & (end.day < day), months - 1)
    months = months.mask((months < 0) & (end.day > day), months + 1)
    return months.astype(float)


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return out


def truthy(value: Any) -> bool:
    """Read a yes/no cell: bools, 是/否, 规上/规下, true/false, 1/0; missing → False."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if value is None or value is pd.NA:
        return False
    if isinstance(value, str):
        return value.strip().lower() in {"是", "true", "1", "y", "yes", "t", "规上"}
    if isinstance(value, float) and np.isnan(value):
        return False
    return bool(value)


def _stopped_months(
    flagged: bool,
    months: Any,
    since: pd.Timestamp | None,
    until: pd.Timestamp | None,
    clock_start: pd.Timestamp | None,
    day: pd.Timestamp | None,
) -> float:
    """Months the idle clock is stopped (第八条): a given count, else the overlap of the delay
    period with the clock, else (delay flagged, no duration) the whole clock (``inf``)."""
    n = _num(months)
    if np.isfinite(n) and n > 0:
        return n
    if since is not None and day is not None:
        start = max(since, clock_start) if clock_start is not None else since
        end = min(until, day) if until is not None else day
        return max(0.0, whole_months(start, end)) if end > start else 0.0
    return float("inf") if flagged else 0.0


def idle_status(
    *,
    as_of: DateLike,
    agreed_start_date: DateLike,
    actual_start_date: DateLike = None,
    grant_date: DateLike = None,
    area_m2: float = float("nan"),
    developed_area_m2: float = float("nan"),
    investment_total_wan: float = float("nan"),
    investment_done_wan: float = float("nan"),
    suspended_since: DateLike = None,
    government_delay: Any = False,
    government_delay_months: float = float("nan"),
    government_delay_from: DateLike = None,
    government_delay_to: DateLike = None,
    grant_price_wan: float = float("nan"),
    floor_area_m2: float = float("nan"),
    footprint_m2: float = float("nan"),
    params: IdleRules,
) -> IdleStatus:
    """Idle status of one parcel on ``as_of`` (《闲置土地处置办法》 第二、八、十四条).

    Parameters
    ----------
    as_of : date
        The date of the assessment.
    agreed_start_date, actual_start_date, suspended_since : date or None
        约定动工日期, 实际动工日期 (None = not started), 中止开发日期 (None = not suspended).
    grant_date : date or None
        供地日期: land granted but not started with no agreed start date on record is reported
        (``IDLE_DATE_MISSING``); land never granted (储备地) is not.
    area_m2, developed_area_m2 : float
        Land area and developed area, m² (developed share = developed / area).
    investment_total_wan, investment_done_wan : float
        Agreed and realised investment, 万元.
    government_delay : bool or 是/否
        A delay caused by government action or force majeure (第八条). It stops the idle clock:
        for ``government_delay_months`` months if given, else over the period
        ``government_delay_from`` – ``government_delay_to`` (open-ended = still running), else
        (no duration on record) for the whole clock, so the parcel is never idle.
    government_delay_months : float
        Months the clock is stopped (a count from the 协议 / 补充合同).
    government_delay_from, government_delay_to : date or None
        The delay period (overlap with the idle clock counted in whole months).
    grant_price_wan : float
        出让价款, 万元 (the fee base, 第十四条(一): 出让或者划拨价款的百分之二十).
    floor_area_m2, footprint_m2 : float
        Recorded buildings; any of these or ``developed_area_m2`` > 0 means started even
        without an actual start date.
    params : IdleRules
        Thresholds (``IdleRules.from_rules(rules)``).

    Returns
    -------
    IdleStatus
        ``idle_months`` is the clock net of stopped months; the fee is due from
        ``fee_months``, recovery from ``recovery_months`` (第十四条(一)(二)).

    Examples
    --------
    Agreed start 2019-03-01, not started on 2021-12-31: idle 33 months, fee 20 % of the
    price, taken back (≥ 24 months). With a 10-month government delay: 23 months, fee due,
    not taken back.
    """
    day = _ts(as_of)
    actual = _ts(actual_start_date)
    if actual is not None and day is not None and actual > day:
        actual = None
    built = any(_num(x) > 0 for x in (developed_area_m2, floor_area_m2, footprint_m2))
    started = actual is not None or built
    kind = ""
    clock_start: pd.Timestamp | None = None
    running = False  # the idle clock is running (not started, or under-developed and suspended)
    if not started:
        clock_start = _ts(agreed_start_date)
        if clock_start is None:
            code = "IDLE_DATE_MISSING" if _ts(grant_date) is not None else ""
            return IdleStatus(False, "", float("nan"), 0.0, False, code, "", float("nan"), 0.0)
        kind, running = "not_started", True
    else:
        dev_share = _num(developed_area_m2) / _num(area_m2) if _num(area_m2) > 0 else float("nan")
        total = _num(investment_total_wan)
        inv_share = _num(investment_done_wan) / total if total > 0 else float("nan")
        under = bool(dev_share < params.developed_share_min) or bool(inv_share < params.invested_share_min)
        susp = _ts(suspended_since)
        if under and susp is not None and day is not None and susp <= day:
            clock_start, kind, running = susp, "suspended", True
    if not running or day is None:
        return IdleStatus(False, "", 0.0, 0.0, False, "", "", 0.0, 0.0)
    raw = whole_months(clock_start, day)
    since, until = _ts(government_delay_from), _ts(government_delay_to)
    flagged = truthy(government_delay) or _num(government_delay_months) > 0 or since is not None
    stopped = _stopped_months(flagged, government_delay_months, since, until, clock_start, day)
    months = max(0.0, raw - stopped) if np.isfinite(stopped) else 0.0
    gov = ["GOV_DELAY"] if flagged and stopped > 0 else []
    note = ""
    if gov:
        note = (
            "政府原因或不可抗力延误,不计闲置(未载明延误期限)"
            if not np.isfinite(stopped)
            else f"政府原因或不可抗力延误{stopped:.0f}个月,期间停止计时"
        )
    shown_stop = stopped if np.isfinite(stopped) else raw
    limit = params.months_after_agreed_start if kind == "not_started" else params.suspension_months
    if months < limit:
        return IdleStatus(False, "", 0.0, 0.0, False, join_codes(gov), note, months, shown_stop)
    fee = params.fee_share_of_price * _num(grant_price_wan) if months >= params.fee_months else 0.0
    recovery = bool(months >= params.recovery_months)
    codes = ["IDLE_NOT_STARTED" if kind == "not_started" else "IDLE_SUSPENDED", *gov]
    if recovery:
        codes.append("IDLE_RECOVERY")
    return IdleStatus(True, kind, months, fee, recovery, join_codes(codes), note, months, shown_stop)


_IDLE_INPUTS = (
    "agreed_start_date",
    "actual_start_date",
    "grant_date",
    "area_m2",
    "developed_area_m2",
    "investment_total_wan",
    "investment_done_wan",
    "suspended_since",
    "government_delay",
    "government_delay_months",
    "government_delay_from",
    "government_delay_to",
    "grant_price_wan",
    "floor_area_m2",
    "footprint_m2",
)


def assess_idle(parcels: pd.DataFrame, rules: RuleSet, as_of: DateLike) -> pd.DataFrame:
    """Apply :func:`idle_status` to every parcel.

    Parameters
    ----------
    parcels : DataFrame
        One row per parcel with the canonical parcel columns (missing columns count as
        missing values: such parcels are never idle).
    rules : RuleSet
        Provides ``idle.*``.
    as_of : date
        Assessment date.

    Returns
    -------
    DataFrame
        Same index as ``parcels``: ``is_idle`` (bool), ``idle_kind`` (str), ``idle_months``,
        ``idle_fee_wan`` (万元), ``idle_recovery`` (bool), ``idle_codes``, ``idle_note``,
        ``idle_clock_months`` (the clock, idle or not yet), ``idle_stopped_months``.
    """
    params = IdleRules.from_rules(rules)
    cols = {
        c: (parcels[c] if c in parcels.columns else pd.Series(np.nan, index=parcels.index))
        for c in _IDLE_INPUTS
    }
    frame = pd.DataFrame(cols, index=parcels.index)
    # Built land with no suspension on record is started and its clock is not running: the
    # default status, without a call per parcel. Every other parcel goes through idle_status.
    built = np.zeros(len(frame), dtype=bool)
    for c in ("developed_area_m2", "floor_area_m2", "footprint_m2"):
        built |= (pd.to_numeric(frame[c], errors="coerce") > 0).to_numpy(dtype=bool)
    quiet = built & frame["suspended_since"].isna().to_numpy(dtype=bool)
    todo = np.flatnonzero(~quiet)
    rows = [
        idle_status(as_of=as_of, params=params, **dict(zip(_IDLE_INPUTS, values, strict=True)))
        for values in frame.iloc[todo].itertuples(index=False, name=None)
    ]
    n = len(frame)

    def column(field: str, default: Any, dtype: Any) -> pd.Series:
        out = np.full(n, default, dtype=dtype)
        if len(todo):
            out[todo] = np.array([getattr(r, field) for r in rows], dtype=dtype)
        return pd.Series(out, index=parcels.index, dtype=dtype)

    return pd.DataFrame(
        {
            "is_idle": column("is_idle", False, bool),
            "idle_kind": column("kind", "", object).astype("str"),
            "idle_months": column("idle_months", 0.0, float),
            "idle_fee_wan": column("idle_fee_wan", 0.0, float),
            "idle_recovery": column("idle_recovery", False, bool),
            "idle_codes": column("codes", "", object).astype("str"),
            "idle_note": column("note", "", object).astype("str"),
            "idle_clock_months": column("clock_months", 0.0, float),
            "idle_stopped_months": column("stopped_months", 0.0, float),
        },
        index=parcels.index,
    )
