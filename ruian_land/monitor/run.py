"""``monitor``: run every period of a monitoring config through the stages and compare the snapshots.

Each period is a :class:`ruian_land.pipeline.Project` (the stage API of ``ruian-land run``) on
the period's config and its edited 整治清单, run up to the simulate stage; the monitoring
figures are then :func:`~ruian_land.monitor.result.compare_snapshots` of those snapshots.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import geopandas as gpd

from ruian_land.core import InputError
from ruian_land.monitor.base import Snapshot
from ruian_land.monitor.config import MonitorConfig, PeriodConfig, load_monitor_config, period_project
from ruian_land.monitor.progress import elapsed_fraction
from ruian_land.monitor.result import MonitorResult, compare_snapshots
from ruian_land.pipeline import Project

__all__ = ["monitor", "snapshot"]


def snapshot(project: Project, label: str, date: dt.date) -> Snapshot:
    """One period's snapshot from a project (runs ingest … simulate, cached on ``project``).

    Parameters
    ----------
    project : Project
        The period's project, with its edited 整治清单 as ``previous_list``.
    label : str
    date : datetime.date

    Returns
    -------
    Snapshot
        The tracked firm list (with each picked firm's ``co2_reduction_t`` from the scenario),
        the screening parcels with their geometry (EPSG:4549) and the town areas.
    """
    simulated = project.simulate()
    screened = project.screen().screening.parcels
    ingested = project.ingest()
    sel = simulated.scenario.selection
    firms = simulated.rectification_firms.copy()
    if "co2_reduction_t" in sel.columns and len(sel):
        co2 = sel.groupby(sel["uscc"].astype(str))["co2_reduction_t"].sum()
        firms["co2_reduction_t"] = firms["uscc"].astype(str).map(co2).fillna(0.0).to_numpy()
    evaluated = project.screen().screening.firms
    extra = [c for c in ("energy_tce_primary", "co2_t") if c in evaluated.columns and c not in firms.columns]
    if extra and "uscc" in evaluated.columns:  # what the scenario's effect rules read (firm_measures)
        look = evaluated.drop_duplicates("uscc").set_index(
            evaluated.drop_duplicates("uscc")["uscc"].astype(str)
        )
        for c in extra:
            firms[c] = firms["uscc"].astype(str).map(look[c]).to_numpy()
    clean = ingested.clean.parcels
    geom = clean[["parcel_id", "geometry"]].drop_duplicates("parcel_id")
    parcels = gpd.GeoDataFrame(
        screened.merge(geom, on="parcel_id", how="left"), geometry="geometry", crs=clean.crs
    )
    towns = ingested.inputs.towns if isinstance(ingested.inputs.towns, gpd.GeoDataFrame) else None
    evaluated_stage = project.evaluate()
    screened_stage = project.screen()
    seconds = {
        **ingested.seconds,
        "evaluate": evaluated_stage.seconds,
        "screen": screened_stage.seconds,
        **simulated.seconds,
    }
    usage = {**ingested.usage, **evaluated_stage.usage, **screened_stage.usage, **simulated.usage}
    return Snapshot(
        label=label, date=date, firms=firms, parcels=parcels, towns=towns, seconds=seconds, usage=usage
    )


def _period_snapshot(cfg: MonitorConfig, period: PeriodConfig) -> Snapshot:
    project_cfg, listed = period_project(cfg, period)
    return snapshot(Project(project_cfg, previous_list=listed), period.label, period.date)


def _as_of_date(as_of: dt.date | str | None) -> dt.date | None:
    """``--as-of`` as a date: only ``YYYY-MM-DD`` (never ``now`` / ``today``: the clock is not read)."""
    if as_of is None or isinstance(as_of, dt.date):
        return as_of
    text = str(as_of).strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--as-of {as_of!r} is not a date",
            fix="write it as YYYY-MM-DD, e.g. --as-of 2023-01-15, or leave it out (the latest period's date)",
        ) from None


def monitor(
    config: str | Path | MonitorConfig | None = None,
    *,
    as_of: dt.date | str | None = None,
) -> MonitorResult:
    """Compare the latest period with the plan's pro-rated targets and with the previous period.

    Parameters
    ----------
    config : str, Path or MonitorConfig, optional
        The monitoring file (``monitor.yaml``); default ``data/monitor.yaml`` (the sample county).
    as_of : date or ``YYYY-MM-DD``, optional
        The day overdue items are judged on; default the latest period's date. The wall clock is
        never read.

    Returns
    -------
    MonitorResult
        Targets per period, the 赛马 rankings of towns and parks, the overdue items, the
        parcels changed since the previous period, the notes (rules, ties, missing data).

    Raises
    ------
    InputError
        A malformed monitoring file, a period's missing table or list, ``as_of`` not a date or
        before the latest period; any input error of a period's run (file, column, fix).
    """
    cfg = config if isinstance(config, MonitorConfig) else load_monitor_config(config)
    when = _as_of_date(as_of)
    latest = cfg.periods[-1]
    if when is not None and when < latest.date:  # checked before the periods are run
        raise InputError(
            f"--as-of {when} is before the latest period ({latest.label}, {latest.date})",
            fix="give a date on or after the latest period's date, or leave --as-of out",
        )
    latest_cfg, _ = period_project(cfg, latest)
    rules = latest_cfg.load_rules()
    rules_path = (Path(cfg.root) / (latest.project or cfg.project)).resolve()
    try:  # the plan's span is checked before any period runs
        elapsed_fraction(latest.date, rules)
    except InputError as exc:
        raise InputError(exc.detail, path=rules_path, fix=exc.fix) from None
    snaps = [_period_snapshot(cfg, p) for p in cfg.periods]
    return compare_snapshots(
        snaps,
        rules,
        as_of=when,
        quotas={str(k): v for k, v in cfg.quotas.items()},
        name=cfg.name,
        config_path=cfg.path,
        rules_path=rules_path,
    )
