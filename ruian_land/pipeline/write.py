"""Writing only writes: turn a finished :class:`RunResult` into the DESIGN §3 output contract::

    out/summary.json           figures of the run (areas 亩, money 万元, energy tce, CO₂ t)
    out/maps/overview.html     the overview map (offline by default)
    out/exports/candidates.{xlsx,csv,gpkg}, sites, evaluation.csv, scenario_firms.csv, 整治清单.xlsx …
    out/exports/目标路径.xlsx  the three-year path: targets by year, waterfall, what it takes, assumptions
    out/exports/监管清单.xlsx  标准地履约, 挂图作战 (overdue in red), 保障性租赁住房, 提容增效, 差别化地价
    out/scenario/comparison.{csv,svg}   with ``scenario.compare`` in the config
    out/qa/                    ledger summary, every issue by file/row/column, report.md

Every table, map and chart is computed by the stages (:func:`ruian_land.pipeline.run_stages`);
nothing here computes a result.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pandas as pd

from ruian_land.config import ProjectConfig
from ruian_land.core import PARALLEL_MIN_ITEMS, cores, start_forked
from ruian_land.export import Highlight, write_exports, write_table, write_workbook
from ruian_land.maps import save_map
from ruian_land.pipeline.atomic import staged_folder
from ruian_land.pipeline.clock import StageClock
from ruian_land.pipeline.result import RunResult
from ruian_land.pipeline.stages import run_stages
from ruian_land.report import write_report
from ruian_land.screening import FIRM_SHEET, PARCEL_SHEET, STATUSES
from ruian_land.supervision import NODE_STATE_ZH, PROJECT_STATUS_ZH, supervision_sheets

__all__ = ["RECTIFICATION_SHEETS", "TRAJECTORY_SHEETS", "run", "write_outputs", "write_run_report"]

#: Sheets of ``exports/目标路径.xlsx``: sheet name → frame of :class:`~ruian_land.trajectory.Trajectory`.
TRAJECTORY_SHEETS: dict[str, str] = {
    "分年目标": "targets",
    "因素分解": "waterfall",
    "达标条件": "what_it_takes",
    "假设": "assumptions",
    "存量增长": "growth",
}

#: Sheets of ``exports/整治清单.xlsx`` after the two lists: sheet name → key of
#: :attr:`RunResult.rectification_summary`.
RECTIFICATION_SHEETS: dict[str, str] = {
    "乡镇汇总": "town",
    "园区汇总": "park",
    "目标进度": "progress",
    "现场核查": "field_checks",
}


def write_outputs(
    result: RunResult,
    out_dir: str | Path = "out",
    *,
    offline: bool | None = None,
    workers: int | None = None,
) -> dict[str, Path]:
    """Write the DESIGN §3 output contract under ``out_dir``.

    Parameters
    ----------
    result : RunResult
        A finished run (:func:`ruian_land.pipeline.run_stages`).
    out_dir : str or Path
        Output folder; ``maps/``, ``exports/``, ``qa/`` (and ``scenario/``) are created in it.
    offline : bool, optional
        Inline the map's pinned Leaflet assets (default: the map's own setting, from the project's
        ``maps.offline``).
    workers : int, optional
        Processes: with 2 or more, the 整治清单, 监管清单, 目标路径 and 占补平衡 workbooks are
        written by a forked process while this one writes the rest (same files). Default: the
        cores when the lists hold ``core.PARALLEL_MIN_ITEMS`` rows or more, else 1.

    Returns
    -------
    dict
        Name (path relative to ``out_dir``) → path of every file written; also set on
        ``result.paths``. ``result.timings_s["write"]`` and ``result.stage_usage["write"]``
        (``summary.json`` ``stages.write``: every file but ``summary.json`` itself) are set too.

    Raises
    ------
    InputError
        ``out_dir`` cannot be written, or is a folder holding other work (checked before
        anything is written).

    Notes
    -----
    All or nothing (:mod:`ruian_land.pipeline.atomic`): the files are written into a folder
    beside ``out_dir`` that replaces it only when complete; an interrupt or an error before then
    leaves the previous outputs as they were. Entries of ``out_dir`` this run does not write
    (e.g. a stage-commands ``run/`` folder) are kept.
    """
    final = Path(out_dir)
    clock = StageClock()
    with staged_folder(final) as staging:
        written = _write_into(result, staging, offline, clock, workers)
    paths = {k: final / v.relative_to(staging) for k, v in written.items()}
    result.paths = paths
    result.timings_s["write"] = round(float(clock.usage["write"]["seconds"] or 0.0), 3)
    return paths


def _write_into(
    result: RunResult, out: Path, offline: bool | None, clock: StageClock, workers: int | None
) -> dict[str, Path]:
    """Write every file of the output contract under ``out`` (an empty staging folder); the
    ``write`` stage's time and memory (``clock``) are those of every file but ``summary.json``."""
    for sub in ("maps", "exports", "qa"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    n = workers if workers is not None else (cores() if _rows(result) >= PARALLEL_MIN_ITEMS else 1)
    # the 整治清单, 监管清单 and other workbooks in a second process while this one writes the rest
    # and the two 整治清单 csv files (so the two take about as long)
    forked = start_forked(lambda: _write_lists(result, out)) if n > 1 else None
    try:
        paths.update(_write_rest(result, out, offline))
        paths.update(_write_list_tables(result, out))
    except BaseException:
        if forked is not None:
            with contextlib.suppress(Exception):
                forked()  # the other process finishes (or fails) before the staging folder goes
        raise
    paths.update(forked() if forked is not None else _write_lists(result, out))
    clock.lap("write")
    result.stage_usage["write"] = clock.usage["write"]
    result.summary = {
        **result.summary,
        "stages": {**result.summary.get("stages", {}), "write": clock.usage["write"]},
    }
    summary_path = out / "summary.json"
    summary_path.write_text(json.dumps(result.summary, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["summary.json"] = summary_path
    return paths


def _write_rest(result: RunResult, out: Path, offline: bool | None) -> dict[str, Path]:
    """The ledger, the map, the candidate exports, evaluation.csv and scenario_firms.csv."""
    paths: dict[str, Path] = {}
    paths.update({f"qa/{k}": v for k, v in result.ledger.write(out / "qa").items()})
    if result.overview_map is not None:
        paths["maps/overview.html"] = save_map(
            result.overview_map, out / "maps" / "overview.html", offline=offline
        )
    elif result.overview_map_html is not None:  # a run loaded from a run folder keeps the page only
        page = out / "maps" / "overview.html"
        page.write_text(result.overview_map_html, encoding="utf-8")
        paths["maps/overview.html"] = page
    written = write_exports(
        result.candidates,
        out / "exports",
        sites=result.sites,
        rules=result.rules,
        ledger=result.ledger,
        site_parcels=result.site_parcels,
    )
    paths.update({f"exports/{k}": v for k, v in written.items()})
    for name, frame in (("evaluation", result.evaluation_list), ("scenario_firms", result.scenario_firms)):
        if frame is not None:
            paths[f"exports/{name}.csv"] = write_table(frame, out / "exports" / f"{name}.csv")
    return paths


def _rows(result: RunResult) -> int:
    """Rows of the long lists (candidates and the two 整治清单 lists): what the write time follows."""
    frames = (result.candidates, result.rectification_firms, result.rectification_parcels)
    return sum(len(f) for f in frames if f is not None)


def _write_list_tables(result: RunResult, out: Path) -> dict[str, Path]:
    """The two 整治清单 lists as csv (整治企业清单.csv, 整治宗地清单.csv)."""
    frames = ((FIRM_SHEET, result.rectification_firms), (PARCEL_SHEET, result.rectification_parcels))
    return {
        f"exports/{name}.csv": write_table(frame, out / "exports" / f"{name}.csv") for name, frame in frames
    }


def _write_lists(result: RunResult, out: Path) -> dict[str, Path]:
    """整治清单.xlsx, the scenario comparison, 占补平衡, 目标路径 and 监管清单 (the workbooks)."""
    paths: dict[str, Path] = {}
    f, p = result.rectification_firms, result.rectification_parcels
    sheets: dict[str, pd.DataFrame | None] = {FIRM_SHEET: f, PARCEL_SHEET: p}
    sheets.update(
        {sheet: result.rectification_summary.get(key) for sheet, key in RECTIFICATION_SHEETS.items()}
    )
    paths["exports/整治清单.xlsx"] = write_workbook(
        out / "exports" / "整治清单.xlsx",
        sheets,
        # 整治状态 as a dropdown so a typo is caught in Excel, not on the next run
        choices={name: {"status": list(STATUSES)} for name in (FIRM_SHEET, PARCEL_SHEET)},
    )
    if result.comparison is not None:
        (out / "scenario").mkdir(exist_ok=True)
        paths["scenario/comparison.csv"] = write_table(
            result.comparison.reset_index(), out / "scenario" / "comparison.csv"
        )
        if result.comparison_svg is not None:
            chart = out / "scenario" / "comparison.svg"
            chart.write_text(result.comparison_svg, encoding="utf-8")
            paths["scenario/comparison.svg"] = chart
    if result.land_balance is not None or result.supply_share is not None:
        lb = result.land_balance
        paths["exports/占补平衡.xlsx"] = write_workbook(
            out / "exports" / "占补平衡.xlsx",
            {
                "年度平衡": None if lb is None else lb.years,
                "转换明细": None if lb is None else lb.conversions,
                "补充明细": None if lb is None else lb.compensations,
                "工业用地供应占比": result.supply_share,
            },
        )
    if result.trajectory is not None:
        tr = result.trajectory
        paths["exports/目标路径.xlsx"] = write_workbook(
            out / "exports" / "目标路径.xlsx",
            {sheet: getattr(tr, attr) for sheet, attr in TRAJECTORY_SHEETS.items()},
        )
    if result.supervision is not None:
        overdue = Highlight(
            values=(NODE_STATE_ZH["overdue"], PROJECT_STATUS_ZH["overdue"]), columns=("overdue_nodes_zh",)
        )
        book = write_workbook(
            out / "exports" / "监管清单.xlsx",
            supervision_sheets(result.supervision),
            highlight={"挂图作战": overdue, "标准地履约": Highlight(columns=("shortfall",))},
        )
        paths["exports/监管清单.xlsx"] = book
    return paths


def run(
    config: ProjectConfig | str | Path | None = None,
    out_dir: str | Path = "out",
    *,
    previous_list: str | Path | None = None,
) -> RunResult:
    """Run every stage and write ``out_dir`` (the CLI's ``ruian-land run``).

    Parameters
    ----------
    config : ProjectConfig, path or None
        The project (``None``: ``data/project.yaml`` under the current directory).
    out_dir : str or Path
        Output folder (DESIGN §3).
    previous_list : str or Path, optional
        An edited 整治清单 of an earlier run (see :func:`run_stages`).

    Returns
    -------
    RunResult
        With ``paths`` filled and ``timings_s["write"]`` added.

    Raises
    ------
    InputError
        Any user mistake in the inputs.
    """
    result = run_stages(config, previous_list=previous_list)
    write_outputs(result, out_dir)
    return result


def write_run_report(result: RunResult, path: str | Path) -> Path:
    """Write the leadership report (领导小组汇报) of a finished run as one self-contained HTML page.

    A4, Chinese, no network: targets against the scenario, class counts, the lagging towns and
    parks, the top candidate sites with small static maps, data-quality notes, the rules and their
    status (:func:`ruian_land.report.write_report`).

    Parameters
    ----------
    result : RunResult
        From :func:`ruian_land.pipeline.run_stages` or :meth:`Project.result`.
    path : str or Path
        The ``.html`` file to write (its folder is created).

    Returns
    -------
    Path
        The file written.
    """
    return write_report(
        path,
        summary=result.summary,
        sites=result.sites,
        parcels=result.parcels,
        firms=result.firms,
        rules_frame=result.rules.to_frame(),
        ledger_summary=result.ledger.summary(),
        towns=result.towns,
        control_lines=result.control_lines,
        rectification_summary=result.rectification_summary,
    )
