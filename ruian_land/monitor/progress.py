"""Progress of a snapshot against the plan's targets pro-rated to its date, and the overdue items.

Every figure here is a plain function of :class:`~ruian_land.monitor.base.Snapshot` frames and the
rules (``targets.*``, ``monitor.*``, ``tracking.*_remedies``); nothing reads the clock: the
dates are the snapshots' and the injected ``as_of``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ruian_land.core import InputError
from ruian_land.monitor.base import TARGETS, Snapshot
from ruian_land.rules import RuleSet
from ruian_land.scenario import REMEDY_TEXT, candidate_effects, remedy_table
from ruian_land.screening import STATUS_CLOSED, STATUS_IN_PROGRESS, remedy_category

__all__ = [
    "achieved",
    "elapsed_fraction",
    "firm_measures",
    "overdue_items",
    "parse_deadlines",
    "target_table",
    "undated_items",
]

#: What an open firm whose 完成时限 cannot be read as a date is listed with.
UNREADABLE_DEADLINE = "完成时限无法识别"


def _date(rules: RuleSet, key: str) -> dt.date:
    value = rules.value(key)
    try:
        return pd.Timestamp(str(value)).date()
    except (ValueError, TypeError):
        raise InputError(
            f"rule {key} = {value!r} is not a date",
            fix=f"write {key} as YYYY-MM-DD under rules.overrides",
        ) from None


def elapsed_fraction(date: dt.date, rules: RuleSet) -> float:
    """Share of the plan's span elapsed at ``date`` (0 before the start, 1 from the end on).

    Parameters
    ----------
    date : datetime.date
        The period's date.
    rules : RuleSet
        ``monitor.plan_start``, ``monitor.plan_end`` (plan title, §二) and ``monitor.prorate``
        (``linear``: elapsed days / days of the span).

    Returns
    -------
    float

    Raises
    ------
    InputError
        A pro-rating method other than ``linear``, or an end date not after the start.
    """
    start, end = _date(rules, "monitor.plan_start"), _date(rules, "monitor.plan_end")
    method = str(rules.value("monitor.prorate"))
    if method != "linear":
        raise InputError(
            f"monitor.prorate = {method!r} is not a known method", fix="use monitor.prorate: linear"
        )
    if end <= start:
        raise InputError(
            f"monitor.plan_end {end} is not after monitor.plan_start {start}",
            fix="correct the two rules under rules.overrides (plan_end after plan_start)",
        )
    return float(np.clip((date - start).days / (end - start).days, 0.0, 1.0))


def _num(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").fillna(0.0).astype(float)


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[col].astype(object).where(frame[col].notna(), "").astype(str).str.strip()


def _remedy_ids(remedy: pd.Series) -> pd.Series:
    """Remedy identifiers (``exit`` … ``upgrade``) for remedy texts (关停退出 or ``exit``); ``""`` else."""
    lookup = {zh: r for r, (zh, _) in REMEDY_TEXT.items()} | {r: r for r in REMEDY_TEXT}
    return remedy.map(lookup).fillna("").astype(object)


def firm_measures(firms: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """What each listed firm counts for each target once it is closed (已销号).

    The remedy is the planner's ``remedy_plan``, else the optimiser's ``suggested_remedy``,
    grouped by ``tracking.exit_remedies`` / ``tracking.upgrade_remedies``. A firm the scenario
    picked for that same remedy counts the scenario's figures (``suggested_freed_area_mu``,
    ``suggested_energy_saved_tce``, ``co2_reduction_t``). Otherwise a remedy of the scenario
    (关停退出, 整体腾退, 搬迁入园, 兼并重组, 改造提升) counts its effect from the scenario's own
    rules (:func:`ruian_land.scenario.remedy_table`, :func:`ruian_land.scenario.candidate_effects`:
    energy × (1 − ``scenario.<remedy>_energy_kept``), CO₂ by ``scenario.co2_method`` /
    ``energy.co2_t_per_tce_freed``; the whole ``land_area_mu`` when the remedy frees land); any
    other exit text counts the whole ``land_area_mu`` and energy, with the CO₂ of that energy.

    Parameters
    ----------
    firms : DataFrame
        A snapshot's tracked firm list (see :class:`~ruian_land.monitor.base.Snapshot`); energy
        on the basis ``scenario.energy_basis`` (``energy_tce_calorific`` / ``energy_tce_primary``),
        ``co2_t`` when ``scenario.co2_method`` is ``firm``.
    rules : RuleSet
        ``tracking.*_remedies``, the ``scenario.*`` remedy effects, ``energy.co2_t_per_tce_freed``.

    Returns
    -------
    DataFrame
        Same index as ``firms``; one float column per key of :data:`TARGETS` (亩, tce, t, firms)
        and ``plan`` (``exit`` / ``upgrade`` / ``""``).

    Raises
    ------
    InputError
        Malformed ``scenario.*`` remedy rules (see :func:`ruian_land.scenario.remedy_table`).
    """
    planner, suggested = _text(firms, "remedy_plan"), _text(firms, "suggested_remedy")
    remedy = planner.where(planner != "", suggested)
    plan = remedy_category(remedy, rules)
    is_exit = (plan == "exit").to_numpy()
    area, energy = _num(firms, "suggested_freed_area_mu"), _num(firms, "suggested_energy_saved_tce")
    whole_area, whole_energy = _num(firms, "land_area_mu"), _num(firms, "energy_tce_calorific")
    picked = ((area > 0) | (energy > 0)) & (remedy == suggested)
    table = remedy_table(rules)
    cand = firms.assign(uscc=_text(firms, "uscc"))
    with warnings.catch_warnings():  # who may be shut is the planner's decision here, not the scenario's
        warnings.filterwarnings("ignore", message="scenario.exit_requires_violation")
        eff = candidate_effects(cand, firms, table, rules, whole_area.to_numpy())
    ids = _remedy_ids(remedy)
    col = ids.map({r: i for i, r in enumerate(table.names)})
    known = col.notna().to_numpy()
    j = col.fillna(0).astype(int).to_numpy()
    rows = np.arange(len(firms))
    own_energy = np.where(known, eff.energy_saved[rows, j] if len(table.names) else 0.0, np.nan)
    own_area = np.where(
        known, np.where(table.frees_land[j] if len(table.names) else False, whole_area, 0.0), np.nan
    )
    fallback_area = area.where(~is_exit | (area > 0), whole_area)
    fallback_energy = energy.where(~is_exit | (energy > 0), whole_energy)
    energy_out = energy.where(picked, pd.Series(own_energy, index=firms.index).fillna(fallback_energy))
    co2_per_tce = np.divide(eff.co2, eff.energy, out=np.zeros(len(firms)), where=eff.energy > 0)
    co2_own = energy_out * co2_per_tce
    if "co2_reduction_t" in firms.columns:
        co2_out = _num(firms, "co2_reduction_t").where(picked, co2_own)
    else:
        co2_out = co2_own
    out = pd.DataFrame(index=firms.index)
    out["freed_area_mu"] = area.where(picked, pd.Series(own_area, index=firms.index).fillna(fallback_area))
    out["freed_energy_tce"] = energy_out
    out["co2_reduction_t"] = co2_out
    out["firms_exited"] = is_exit.astype(float)
    out["firms_upgraded"] = (plan == "upgrade").to_numpy().astype(float)
    out["plan"] = plan
    return out


def achieved(firms: pd.DataFrame, rules: RuleSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per firm, what is achieved and what is under way for each target.

    Achieved = the firm's measure (:func:`firm_measures`) × 1 when 已销号, ×
    ``monitor.in_progress_credit`` when 整治中, × 0 when 待整治. Under way = the measure of the
    整治中 firms.

    Returns
    -------
    (DataFrame, DataFrame)
        Achieved and under way; same index as ``firms``, one column per key of :data:`TARGETS`.
    """
    m = firm_measures(firms, rules)[list(TARGETS)]
    status = _text(firms, "status")
    credit = float(rules.value("monitor.in_progress_credit"))
    weight = np.where(status == STATUS_CLOSED, 1.0, np.where(status == STATUS_IN_PROGRESS, credit, 0.0))
    under_way = (status == STATUS_IN_PROGRESS).to_numpy().astype(float)
    return m.mul(weight, axis=0), m.mul(under_way, axis=0)


def target_table(snapshots: Sequence[Snapshot], rules: RuleSet) -> pd.DataFrame:
    """Each period against each target of :data:`TARGETS`, pro-rated to the period's date.

    Parameters
    ----------
    snapshots : sequence of Snapshot
        Oldest first.
    rules : RuleSet
        ``targets.<key>`` (plan §二) and the ``monitor.*`` pro-rating rules.

    Returns
    -------
    DataFrame
        One row per period × target: ``period``, ``date``, ``target_key``, ``indicator``,
        ``unit``, ``measure``, ``target`` (the plan's, end of the span), ``elapsed`` (fraction of
        the span), ``prorated_target`` = target × elapsed, ``achieved``, ``in_progress`` (under
        way, not counted), ``progress`` = achieved / prorated_target (NaN when that is 0),
        ``plan_share`` = achieved / target, ``change`` (achieved minus the previous period's;
        NaN for the first).
    """
    rows = []
    for snap in snapshots:
        done, going = achieved(snap.firms, rules)
        frac = elapsed_fraction(snap.date, rules)
        for key, (name, unit, measure) in TARGETS.items():
            target = float(rules.value(f"targets.{key}"))
            rows.append(
                {
                    "period": snap.label,
                    "date": snap.date,
                    "target_key": key,
                    "indicator": name,
                    "unit": unit,
                    "measure": measure,
                    "target": target,
                    "elapsed": frac,
                    "prorated_target": target * frac,
                    "achieved": float(done[key].sum()),
                    "in_progress": float(going[key].sum()),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    pro = out["prorated_target"].where(out["prorated_target"] > 0)
    out["progress"] = out["achieved"] / pro
    out["plan_share"] = out["achieved"] / out["target"].where(out["target"] > 0)
    out["change"] = out.groupby("target_key", sort=False)["achieved"].diff()
    return out


def parse_deadlines(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """完成时限 cells as dates: Excel dates, ``2022-09-30``, ``2022/9/30``, ``2022.9.30``, ``2022年9月30日``.

    Returns
    -------
    (Series of datetime64, Series of bool)
        The dates (NaT when blank or unreadable) and which non-blank cells could not be read.
    """
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    text = text.str.replace(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", r"\1-\2-\3", regex=True)
    text = text.str.replace(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})", r"\1-\2-\3", regex=True).str.replace(
        r"\s+00:00:00$", "", regex=True
    )
    parsed = pd.to_datetime(text.where(text != ""), errors="coerce", format="%Y-%m-%d")
    return parsed, (text != "") & parsed.isna()


def overdue_items(latest: Snapshot, previous: Snapshot | None, as_of: dt.date) -> pd.DataFrame:
    """Firms not yet 已销号 whose 完成时限 has passed on ``as_of``.

    Parameters
    ----------
    latest, previous : Snapshot
        The latest snapshot and the one before it (``None`` for the first).
    as_of : datetime.date
        The day the deadlines are judged on (injected; never today's date).

    Returns
    -------
    DataFrame
        One row per overdue firm, most overdue first: ``uscc``, ``name``, ``town``,
        ``park_name``, ``responsible_unit``, ``status``, ``previous_status`` (blank when the firm
        was not listed before), ``status_unchanged`` (the same status as the previous period),
        ``remedy_plan``, ``deadline`` (date), ``days_overdue``. ``attrs['unreadable']``: codes
        whose 完成时限 could not be read as a date.
    """
    f = latest.firms
    deadline, unreadable = parse_deadlines(
        f["deadline"] if "deadline" in f.columns else pd.Series("", index=f.index)
    )
    status = _text(f, "status")
    late = (status != STATUS_CLOSED) & deadline.notna() & (deadline < pd.Timestamp(as_of))
    out = pd.DataFrame(
        {
            "uscc": _text(f, "uscc"),
            "name": _text(f, "name"),
            "town": _text(f, "town"),
            "park_name": _text(f, "park_name"),
            "responsible_unit": _text(f, "responsible_unit"),
            "status": status,
            "remedy_plan": _text(f, "remedy_plan"),
            "deadline": deadline.dt.date,
            "days_overdue": (pd.Timestamp(as_of) - deadline).dt.days,
        }
    ).loc[late.to_numpy()]
    before = pd.Series(dtype=object)
    if previous is not None and "uscc" in previous.firms.columns:
        before = pd.Series(_text(previous.firms, "status").to_numpy(), index=_text(previous.firms, "uscc"))
        before = before[~before.index.duplicated()]
    out.insert(6, "previous_status", out["uscc"].map(before).fillna("").astype(str))
    out.insert(7, "status_unchanged", out["previous_status"] == out["status"])
    out = out.sort_values(["days_overdue", "uscc"], ascending=[False, True], kind="mergesort")
    out = out.reset_index(drop=True)
    out["days_overdue"] = out["days_overdue"].astype(int)
    out.attrs["unreadable"] = _text(f, "uscc")[unreadable.to_numpy()].tolist()
    return out


def undated_items(latest: Snapshot) -> pd.DataFrame:
    """Firms not yet 已销号 whose 完成时限 cannot be read as a date (``2022.13.01``, ``明年``).

    They cannot be judged overdue, so they are listed apart rather than dropped.

    Returns
    -------
    DataFrame
        One row per such firm, by code: ``uscc``, ``name``, ``town``, ``responsible_unit``,
        ``status``, ``deadline`` (the cell as typed), ``note`` (:data:`UNREADABLE_DEADLINE`).
    """
    f = latest.firms
    raw = f["deadline"] if "deadline" in f.columns else pd.Series("", index=f.index)
    _, unreadable = parse_deadlines(raw)
    status = _text(f, "status")
    keep = (unreadable & (status != STATUS_CLOSED)).to_numpy()
    out = pd.DataFrame(
        {
            "uscc": _text(f, "uscc"),
            "name": _text(f, "name"),
            "town": _text(f, "town"),
            "responsible_unit": _text(f, "responsible_unit"),
            "status": status,
            "deadline": _text(f, "deadline"),
        }
    ).loc[keep]
    out["note"] = UNREADABLE_DEADLINE
    return out.sort_values("uscc", kind="mergesort").reset_index(drop=True)
