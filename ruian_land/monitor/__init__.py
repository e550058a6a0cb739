"""Monitoring between analyses (plan §五(二) 赛马): periods, progress, ranking and the 季度通报.

A monitoring file (``monitor.yaml``, :mod:`.config`) lists the periods — a label, a date, the
tables that changed and the 整治清单 the planners edited — each run through the same stages as
``ruian-land run`` (:func:`ruian_land.pipeline.Project`, in :mod:`.run`). :func:`monitor`
compares the latest snapshot with the plan's targets pro-rated to its date and with the
previous snapshot (:mod:`.progress`), ranks towns and parks on their own share of the targets
(:mod:`.ranking`), lists the overdue items and the parcels that changed (:mod:`.changes`), and
:func:`write_monitor` writes 通报.html (A4 landscape), 通报.xlsx and monitor.json::

    from ruian_land.monitor import monitor, write_monitor
    result = monitor("data/monitor.yaml", as_of="2022-12-31")
    result.towns[["rank", "score", "summoned"]]
    write_monitor(result, "out/monitor")

Modules, bottom to top: ``base`` (:class:`Snapshot`, the targets followed), ``config``,
``progress``, ``ranking``, ``changes``, ``result`` (:func:`compare_snapshots`), ``charts``,
``bulletin``, ``write``, ``run``.
"""

from __future__ import annotations

from ruian_land.monitor.base import TARGETS, Snapshot
from ruian_land.monitor.bulletin import BULLETIN_CSS, build_bulletin_html, write_bulletin
from ruian_land.monitor.changes import CHANGE_KINDS, changed_parcels, town_changes
from ruian_land.monitor.config import (
    DEFAULT_MONITOR_CONFIG,
    MonitorConfig,
    PeriodConfig,
    load_monitor_config,
    period_project,
)
from ruian_land.monitor.progress import (
    UNREADABLE_DEADLINE,
    achieved,
    elapsed_fraction,
    firm_measures,
    overdue_items,
    parse_deadlines,
    target_table,
    undated_items,
)
from ruian_land.monitor.ranking import rank_units, unit_scores, unit_shares
from ruian_land.monitor.result import MonitorResult, compare_snapshots
from ruian_land.monitor.run import monitor, snapshot
from ruian_land.monitor.write import MONITOR_FILES, MONITOR_SHEETS, bulletin_sheets, write_monitor

__all__ = [
    "BULLETIN_CSS",
    "CHANGE_KINDS",
    "DEFAULT_MONITOR_CONFIG",
    "MONITOR_FILES",
    "MONITOR_SHEETS",
    "TARGETS",
    "UNREADABLE_DEADLINE",
    "MonitorConfig",
    "MonitorResult",
    "PeriodConfig",
    "Snapshot",
    "achieved",
    "build_bulletin_html",
    "bulletin_sheets",
    "changed_parcels",
    "compare_snapshots",
    "elapsed_fraction",
    "firm_measures",
    "load_monitor_config",
    "monitor",
    "overdue_items",
    "parse_deadlines",
    "period_project",
    "rank_units",
    "snapshot",
    "target_table",
    "town_changes",
    "undated_items",
    "unit_scores",
    "unit_shares",
    "write_bulletin",
    "write_monitor",
]
