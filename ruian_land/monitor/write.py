"""Write a monitoring result: 通报.html, 通报.xlsx and monitor.json (writing only writes)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ruian_land.export import write_workbook
from ruian_land.monitor.bulletin import write_bulletin
from ruian_land.monitor.result import MonitorResult

__all__ = ["MONITOR_FILES", "MONITOR_SHEETS", "bulletin_sheets", "write_monitor"]

#: The files of ``ruian-land monitor --out DIR``.
MONITOR_FILES = {"html": "通报.html", "xlsx": "通报.xlsx", "json": "monitor.json"}
#: Sheets of 通报.xlsx, in order.
MONITOR_SHEETS = (
    "目标完成情况",
    "镇街排名",
    "园区排名",
    "镇街得分历史",
    "本期变化",
    "变化宗地",
    "逾期事项",
    "完成时限无法识别",
    "说明",
)

_RANK_COLUMNS = [
    "rank",
    "share",
    "score",
    "previous_score",
    "score_change",
    "previous_rank",
    "tied_with",
    "regressed",
    "summoned",
    "summon_reason",
    "note",
    "listed",
    "closed",
]


def _ranking_sheet(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    per_target = [c for c in frame.columns if c.startswith(("achieved_", "quota_", "progress_"))]
    return frame[_RANK_COLUMNS + per_target].rename_axis(by).reset_index()


def bulletin_sheets(result: MonitorResult) -> dict[str, pd.DataFrame]:
    """The tables of 通报.xlsx, sheet name → frame with canonical column names (headers in Chinese
    are given by the export writer from :data:`ruian_land.core.LABELS_ZH`)."""
    changes = result.changes.drop(columns="geometry", errors="ignore")
    keep = [c for c in ("parcel_id", "town", "park_name", "area_mu", "change_zh") if c in changes.columns]
    return dict(
        zip(
            MONITOR_SHEETS,
            [
                result.targets,
                _ranking_sheet(result.towns, "town"),
                _ranking_sheet(result.parks, "park_name"),
                result.town_history,
                result.town_changes.reset_index(),
                pd.DataFrame(changes[keep]),
                result.overdue,
                result.undated,
                pd.DataFrame({"note": result.notes}),
            ],
            strict=True,
        )
    )


def write_monitor(result: MonitorResult, out_dir: str | Path) -> dict[str, Path]:
    """Write the 季度通报 (HTML and xlsx) and ``monitor.json`` under ``out_dir`` (created).

    Returns
    -------
    dict
        ``html``, ``xlsx``, ``json`` → path.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / v for k, v in MONITOR_FILES.items()}
    write_bulletin(result, paths["html"])
    write_workbook(paths["xlsx"], bulletin_sheets(result))
    paths["json"].write_text(
        json.dumps(result.summary, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return paths
