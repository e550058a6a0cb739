"""The monitoring result: every table of the 季度通报, computed from the snapshots (nothing written)."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import InputError
from ruian_land.monitor.base import TARGETS, Snapshot
from ruian_land.monitor.changes import changed_parcels, town_changes
from ruian_land.monitor.progress import UNREADABLE_DEADLINE, overdue_items, target_table, undated_items
from ruian_land.monitor.ranking import UNIT_COLUMN, rank_units, ranking_keys, unit_scores, unit_shares
from ruian_land.rules import RuleSet

__all__ = ["MonitorResult", "compare_snapshots"]


@dataclass
class MonitorResult:
    """The latest snapshot against the pro-rated targets and the previous snapshot.

    Attributes
    ----------
    name : str
        The monitoring project's name.
    as_of : datetime.date
        The day overdue items are judged on.
    periods : list of str
        Period labels, oldest first.
    targets : DataFrame
        :func:`~ruian_land.monitor.progress.target_table` (every period × target).
    towns, parks : DataFrame
        The 赛马 ranking at the latest period (:func:`~ruian_land.monitor.ranking.rank_units`),
        index the unit name.
    town_history : DataFrame
        ``period``, ``town``, ``score`` for every period (the chart of progress by town).
    town_changes : DataFrame
        Low-efficiency and idle 亩 by town, latest vs previous.
    changes : DataFrame or GeoDataFrame
        Parcels changed since the previous period (``change``, ``change_zh``; EPSG:4549).
    overdue : DataFrame
        Firms not closed past their 完成时限 on ``as_of``, with 责任单位.
    period_usage : dict
        Period label → ``(seconds, usage)`` of its stages (:class:`~ruian_land.monitor.base.Snapshot`).
    undated : DataFrame
        Open firms whose 完成时限 cannot be read as a date (:func:`~ruian_land.monitor.progress.undated_items`).
    towns_geo : GeoDataFrame or None
        Town areas for the map (EPSG:4549).
    notes : list of str
        The rules used, ties and missing data, stated in Chinese.
    rules : RuleSet
    """

    name: str
    as_of: dt.date
    periods: list[str]
    targets: pd.DataFrame
    towns: pd.DataFrame
    parks: pd.DataFrame
    town_history: pd.DataFrame
    town_changes: pd.DataFrame
    changes: pd.DataFrame
    overdue: pd.DataFrame
    rules: RuleSet
    towns_geo: Any = None
    undated: pd.DataFrame = field(default_factory=pd.DataFrame)
    period_usage: dict[str, tuple[dict[str, float], dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any]:
        """The ``monitor.json`` figures: targets of the latest period, both rankings, overdue counts."""
        latest = self.targets[self.targets["period"] == self.periods[-1]]

        def num(v: Any) -> float | None:
            return None if pd.isna(v) else float(v)

        def whole(v: Any) -> int | None:
            return None if pd.isna(v) else int(v)

        def ranking(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {
                    "name": str(name),
                    "rank": whole(r.rank),
                    "score": num(r.score),
                    "previous_score": num(r.previous_score),
                    "previous_rank": whole(r.previous_rank),
                    "share": num(r.share),
                    "tied_with": [t for t in str(r.tied_with).split("、") if t],
                    "regressed": bool(r.regressed),
                    "summoned": bool(r.summoned),
                    "note": str(r.note),
                }
                for name, r in zip(frame.index, frame.itertuples(index=False), strict=True)
            ]

        return {
            "name": self.name,
            "as_of": self.as_of.isoformat(),
            "periods": list(self.periods),
            "latest_period": self.periods[-1],
            "targets": {
                str(r.target_key): {
                    "target": num(r.target),
                    "elapsed": num(r.elapsed),
                    "prorated_target": num(r.prorated_target),
                    "achieved": num(r.achieved),
                    "in_progress": num(r.in_progress),
                    "progress": num(r.progress),
                    "change": num(r.change),
                }
                for r in latest.itertuples(index=False)
            },
            "towns": ranking(self.towns),
            "parks": ranking(self.parks),
            "summoned": {
                "town": [str(n) for n in self.towns.index[self.towns["summoned"]]],
                "park": [str(n) for n in self.parks.index[self.parks["summoned"]]],
            },
            "overdue": {
                "firms": len(self.overdue),
                "by_responsible_unit": self.overdue["responsible_unit"].value_counts().sort_index().to_dict(),
                "unreadable_deadline": [
                    {
                        "uscc": str(x.uscc),
                        "name": str(x.name),
                        "deadline": str(x.deadline),
                        "note": str(x.note),
                    }
                    for x in self.undated.itertuples(index=False)
                ],
            },
            "changed_parcels": self.changes["change"].value_counts().sort_index().to_dict()
            if len(self.changes)
            else {},
            "notes": list(self.notes),
        }


def _notes(rules: RuleSet, methods: Mapping[str, str], towns: pd.DataFrame, parks: pd.DataFrame) -> list[str]:
    keys = "、".join(TARGETS[k][0] for k in ranking_keys(rules))
    notes = [
        f"目标分解: 方案目标按 {rules.value('monitor.plan_start')} 至 {rules.value('monitor.plan_end')} "
        f"线性分摊到各期(已过天数/总天数, 规则 monitor.prorate);镇街{methods['town']},园区{methods['park']}。",
        f"完成量: 只计已销号企业;整治中企业按 {float(rules.value('monitor.in_progress_credit')):g} 计"
        "(规则 monitor.in_progress_credit)。",
        f"赛马得分: {keys} 各项完成量/本单位分解目标(单项最多计 "
        f"{float(rules.value('monitor.progress_cap')):g},规则 monitor.progress_cap)的平均值;得分相同者并列,"
        f"取最好名次;末 {int(rules.value('monitor.flag_bottom_n'))} 位(含并列)建议通报约谈。",
    ]
    for kind, frame in (("镇街", towns), ("园区", parks)):
        ties = frame.loc[(frame["tied_with"] != "") & frame["rank"].notna()]
        for rank, group in ties.groupby("rank"):
            notes.append(f"{kind}并列第 {int(float(str(rank)))} 名: {'、'.join(map(str, group.index))}。")
        missing = frame.index[frame["score"].isna()]
        if len(missing):
            notes.append(f"{kind}无分解目标、未参与排名: {'、'.join(map(str, missing))}。")
    return notes


_KIND_ZH = {"town": ("town", "towns layer"), "park": ("park", "parks of the parcel data")}


def _check_quota_units(
    quotas: Mapping[str, Mapping[str, float]], latest: Snapshot, source: str | Path | None
) -> None:
    """Every town / park named in ``quotas`` exists in the latest snapshot (else InputError)."""
    for by, shares in quotas.items():
        col = UNIT_COLUMN[by]
        known = set(latest.parcels[col].dropna().astype(str)) if col in latest.parcels.columns else set()
        if by == "town" and latest.towns is not None and "town" in latest.towns.columns:
            known |= set(latest.towns["town"].dropna().astype(str))
        bad = [str(k) for k in shares if str(k) not in known]
        if bad:
            close = difflib.get_close_matches(bad[0], sorted(known), n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            what, layer = _KIND_ZH[by]
            raise InputError(
                f"quotas.{by}: {what} '{bad[0]}'{hint} not in the {layer}"
                + (f"; also {', '.join(bad[1:])}" if len(bad) > 1 else ""),
                path=source,
                fix=f"spell each {what} as in the data, or remove it from quotas.{by}",
            )


def _check_rule_values(rules: RuleSet, ranked: Mapping[str, int], source: str | Path | None) -> None:
    """``monitor.progress_cap`` > 0, ``in_progress_credit`` in [0, 1], ``flag_bottom_n`` in [0, units)."""
    cap = float(rules.value("monitor.progress_cap"))
    credit = float(rules.value("monitor.in_progress_credit"))
    raw = rules.value("monitor.flag_bottom_n")
    problems = []
    if not np.isfinite(cap) or cap <= 0:
        problems.append(f"monitor.progress_cap = {cap:g} must be > 0 (e.g. 1.0)")
    if not np.isfinite(credit) or not 0 <= credit <= 1:
        problems.append(f"monitor.in_progress_credit = {credit:g} must lie in [0, 1]")
    n = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else np.nan
    if not np.isfinite(n) or n != int(n) or n < 0:
        problems.append(f"monitor.flag_bottom_n = {raw!r} must be a whole number ≥ 0")
    else:
        for by, units in ranked.items():
            if units and n >= units:
                problems.append(
                    f"monitor.flag_bottom_n = {int(n)} must be below the {units} ranked {by}s (0 … {units - 1})"
                )
    if problems:
        raise InputError(
            "; ".join(problems),
            path=source,
            fix="correct the rule under rules.overrides (see ruian-land rules for the defaults)",
        )


def _undated_note(undated: pd.DataFrame) -> list[str]:
    if undated.empty:
        return []
    names = "、".join(f"{n}({d})" for n, d in zip(undated["name"], undated["deadline"], strict=True))
    return [f"{UNREADABLE_DEADLINE}、未判断是否逾期的未销号企业 {len(undated)} 家: {names}。"]


def compare_snapshots(
    snapshots: Sequence[Snapshot],
    rules: RuleSet,
    *,
    as_of: dt.date | None = None,
    quotas: Mapping[str, Mapping[str, float]] | None = None,
    name: str = "赛马监测",
    config_path: str | Path | None = None,
    rules_path: str | Path | None = None,
) -> MonitorResult:
    """Compare the latest snapshot with the pro-rated targets and with the one before it.

    Parameters
    ----------
    snapshots : sequence of Snapshot
        At least one, any order (sorted by date here).
    rules : RuleSet
        ``targets.*`` (plan §二), ``monitor.*``, ``tracking.*_remedies``.
    as_of : datetime.date, optional
        The day deadlines are judged on; default the latest snapshot's date (never today).
    quotas : mapping, optional
        ``{"town": {name: share}, "park": {name: share}}`` from the monitoring config.
    name : str
        Shown on the bulletin.
    config_path, rules_path : str or Path, optional
        The monitoring file (named by a quota error) and the project config holding the rules
        (named by a rule-value error).

    Returns
    -------
    MonitorResult

    Raises
    ------
    InputError
        No snapshot; ``as_of`` before the latest snapshot's date; a quota for a town or park not
        in the data (with a did-you-mean); ``monitor.progress_cap`` ≤ 0,
        ``monitor.in_progress_credit`` outside [0, 1] or ``monitor.flag_bottom_n`` not in
        [0, ranked units).
    """
    snaps = sorted(snapshots, key=lambda s: s.date)
    if not snaps:
        raise InputError("no period to monitor", fix="list at least one period under periods:")
    latest, previous = snaps[-1], (snaps[-2] if len(snaps) > 1 else None)
    when = as_of or latest.date
    if when < latest.date:
        raise InputError(
            f"--as-of {when} is before the latest period ({latest.label}, {latest.date})",
            fix="give a date on or after the latest period's date, or leave --as-of out",
        )
    q = quotas or {}
    _check_quota_units(q, latest, config_path)
    _check_rule_values(rules, {}, rules_path)
    rankings, methods, history, all_scores = {}, {}, [], {}
    for by in ("town", "park"):
        shares, methods[by] = unit_shares(latest.parcels, by, rules, q.get(by))
        all_scores[by] = [unit_scores(s, by, shares, rules) for s in snaps]
    _check_rule_values(
        rules, {by: int(sc[-1]["score"].notna().sum()) for by, sc in all_scores.items()}, rules_path
    )
    for by in ("town", "park"):
        scores = all_scores[by]
        if by == "town":
            history = [
                pd.DataFrame({"period": s.label, "town": sc.index, "score": sc["score"].to_numpy()})
                for s, sc in zip(snaps, scores, strict=True)
            ]
        rankings[by] = rank_units(scores[-1], scores[-2] if previous is not None else None, rules)
    undated = undated_items(latest)
    return MonitorResult(
        name=name,
        as_of=when,
        periods=[s.label for s in snaps],
        targets=target_table(snaps, rules),
        towns=rankings["town"],
        parks=rankings["park"],
        town_history=pd.concat(history, ignore_index=True),
        town_changes=town_changes(latest, previous),
        changes=changed_parcels(latest, previous),
        overdue=overdue_items(latest, previous, when),
        rules=rules,
        towns_geo=latest.towns,
        undated=undated,
        period_usage={s.label: (dict(s.seconds), dict(s.usage)) for s in snaps},
        notes=_notes(rules, methods, rankings["town"], rankings["park"]) + _undated_note(undated),
    )
