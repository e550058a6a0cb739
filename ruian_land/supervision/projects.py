"""挂图作战 (plan §三(三)16): the life cycle of each major manufacturing project, node by node.

A project (optional source ``projects``, shared with the trajectory) has a planned and an actual
date for each node of :data:`ruian_land.core.PROJECT_NODES` (招引落地 → 开工 → 竣工验收 → 投产 →
达产 → 履约监管). On the date checked (``as_of``: the project's ``evaluation_date`` or a date given,
never the clock) a node is

- ``done``: an actual date on or before ``as_of`` (``done_late`` when after the planned date);
- ``overdue``: a planned date before ``as_of`` and no actual date by then;
- ``pending``: planned on or after ``as_of``, not done;
- ``unplanned``: neither date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruian_land.core import PROJECT_NODES
from ruian_land.rules import RuleSet

__all__ = ["NODE_STATE_ZH", "NOT_STARTED_ZH", "PROJECT_STATUS_ZH", "project_nodes"]

#: ``current_node_zh`` of a project with no node done yet.
NOT_STARTED_ZH = "尚无节点完成"

#: Node state → Chinese.
NODE_STATE_ZH: dict[str, str] = {
    "done": "已完成",
    "done_late": "延期完成",
    "overdue": "逾期",
    "pending": "未到期",
    "unplanned": "未计划",
}
#: Project status → Chinese.
PROJECT_STATUS_ZH: dict[str, str] = {"overdue": "节点逾期", "on_track": "按计划推进", "finished": "全部完成"}

_SOURCE = "plan §三(三)16 (对总投资1亿元以上重大制造业项目落实责任，实施挂图作战)"
_INFO = (
    "project_id",
    "name",
    "industry",
    "investment_wan",
    "land_mu",
    "town",
    "parcel_id",
    "responsible_unit",
)


def _dates(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[ns]")
    return pd.to_datetime(frame[col], errors="coerce").to_numpy(dtype="datetime64[ns]")


def project_nodes(
    projects: pd.DataFrame | None,
    as_of: pd.Timestamp | str,
    rules: RuleSet,
    *,
    min_investment_wan: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 挂图作战 table: each project's nodes on ``as_of``, the overdue ones first.

    Parameters
    ----------
    projects : DataFrame or None
        The ``projects`` table (canonical columns, ``core.SCHEMAS``): ``name``,
        ``investment_wan`` (万元), optional ``project_id``, ``industry``, ``land_mu``, ``town``,
        ``parcel_id``, ``responsible_unit`` and ``<node>_planned`` / ``<node>_actual`` dates
        for each node of :data:`~ruian_land.core.PROJECT_NODES`.
    as_of : Timestamp or str
        The date the nodes are judged on (injected; never the wall clock).
    rules : RuleSet
        ``supervision.projects_min_investment_wan`` (1亿元 = 10000 万元, plan §三(三)16).
    min_investment_wan : float, optional
        Override the threshold (0 lists every project). Default: the rule.

    Returns
    -------
    table : DataFrame
        One row per project at or above the threshold, overdue projects first, then by node
        reached and investment (descending): the project columns present, ``current_node``
        (last node done, ``""`` none), ``current_node_zh`` (:data:`NOT_STARTED_ZH` none), ``next_node_zh``,
        ``next_planned``, ``overdue_nodes_zh`` (``；``-joined), ``overdue_count``,
        ``days_overdue`` (of the oldest overdue node; 0 none), ``status``
        (:data:`PROJECT_STATUS_ZH` keys), ``status_zh``, then for each node
        ``<node>_planned``, ``<node>_actual`` and ``<node>_state_zh``, and ``rule_source``.
    nodes : DataFrame
        Long form, one row per project and node: ``project_id``, ``name``, ``node``,
        ``node_zh``, ``order`` (1–6), ``planned``, ``actual``, ``state``, ``state_zh``,
        ``days_overdue``.
    """
    at = pd.Timestamp(as_of).to_datetime64().astype("datetime64[ns]")
    keys = list(PROJECT_NODES)
    if projects is None or not len(projects):
        return pd.DataFrame(columns=["project_id", "name", "status", "status_zh"]), pd.DataFrame(
            columns=["project_id", "name", "node", "node_zh", "order", "planned", "actual", "state"]
        )
    floor = float(
        rules.value("supervision.projects_min_investment_wan")
        if min_investment_wan is None
        else min_investment_wan
    )
    inv = pd.to_numeric(projects["investment_wan"], errors="coerce")
    p = projects.loc[(inv >= floor).to_numpy()].reset_index(drop=True)
    n = len(p)
    planned = (
        np.column_stack([_dates(p, f"{k}_planned") for k in keys])
        if n
        else np.empty((0, len(keys)), "M8[ns]")
    )
    actual = (
        np.column_stack([_dates(p, f"{k}_actual") for k in keys]) if n else np.empty((0, len(keys)), "M8[ns]")
    )
    has_p, has_a = ~np.isnat(planned), ~np.isnat(actual)
    done = has_a & (actual <= at)
    late = done & has_p & (actual > planned)
    overdue = ~done & has_p & (planned < at)
    pending = ~done & has_p & ~overdue
    state = np.select(
        [late, done, overdue, pending], ["done_late", "done", "overdue", "pending"], "unplanned"
    )
    days = np.where(overdue, (at - np.where(has_p, planned, at)).astype("timedelta64[D]").astype(float), 0.0)

    table = pd.DataFrame({c: p[c] for c in _INFO if c in p.columns})
    if "project_id" not in table.columns:
        table.insert(0, "project_id", [f"P{i + 1:03d}" for i in range(n)])
    order = np.arange(1, len(keys) + 1)
    reached = np.where(done, order, 0).max(axis=1) if n else np.zeros(0, int)
    zh = np.array([NOT_STARTED_ZH, *PROJECT_NODES.values()], dtype=object)
    table["current_node"] = np.array(["", *keys], dtype=object)[reached]
    table["current_node_zh"] = zh[reached]
    after = ~done & (order[None, :] > reached[:, None])
    nxt = np.where(after.any(axis=1), after.argmax(axis=1) + 1, 0)
    table["next_node_zh"] = np.where(nxt > 0, zh[nxt], "")
    table["next_planned"] = pd.to_datetime(
        np.where(nxt > 0, planned[np.arange(n), np.maximum(nxt - 1, 0)], np.datetime64("NaT"))
    )
    joined = pd.Series("", index=table.index, dtype=object)
    for j, key in enumerate(keys):
        joined = joined + np.where(overdue[:, j], PROJECT_NODES[key] + "；", "")
    table["overdue_nodes_zh"] = joined.str.rstrip("；")
    table["overdue_count"] = overdue.sum(axis=1).astype(int)
    table["days_overdue"] = days.max(axis=1).astype(int) if n else np.zeros(0, int)
    finished = (done | ~has_p).all(axis=1) & done.any(axis=1)
    table["status"] = np.select([overdue.any(axis=1), finished], ["overdue", "finished"], "on_track")
    table["status_zh"] = table["status"].map(PROJECT_STATUS_ZH)
    for j, key in enumerate(keys):
        table[f"{key}_planned"] = pd.to_datetime(planned[:, j])
        table[f"{key}_actual"] = pd.to_datetime(actual[:, j])
        table[f"{key}_state_zh"] = pd.Series(state[:, j]).map(NODE_STATE_ZH).to_numpy()
    table["rule_source"] = _SOURCE
    table["_o"] = table["status"].map({"overdue": 0, "on_track": 1, "finished": 2})
    table["_r"] = reached
    table["_i"] = (
        pd.to_numeric(table["investment_wan"], errors="coerce") if "investment_wan" in table.columns else 0.0
    )
    table = (
        table.sort_values(
            ["_o", "_r", "_i", "project_id"], ascending=[True, False, False, True], kind="stable"
        )
        .drop(columns=["_o", "_r", "_i"])
        .reset_index(drop=True)
    )
    nodes = pd.DataFrame(
        {
            "project_id": np.repeat(
                (
                    p["project_id"].astype(str)
                    if "project_id" in p.columns
                    else pd.Series([f"P{i + 1:03d}" for i in range(n)])
                ).to_numpy(),
                len(keys),
            ),
            "name": np.repeat(p["name"].to_numpy(), len(keys)),
            "node": np.tile(keys, n),
            "node_zh": np.tile(list(PROJECT_NODES.values()), n),
            "order": np.tile(order, n),
            "planned": pd.to_datetime(planned.reshape(-1)),
            "actual": pd.to_datetime(actual.reshape(-1)),
            "state": state.reshape(-1),
            "days_overdue": days.reshape(-1).astype(int),
        }
    )
    nodes["state_zh"] = nodes["state"].map(NODE_STATE_ZH)
    return table, nodes
