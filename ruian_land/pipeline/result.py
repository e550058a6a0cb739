"""The result of a run: every stage's frames, held together so the write step only writes.

:class:`RunResult` is what :func:`ruian_land.pipeline.run_stages` returns and
:func:`ruian_land.pipeline.write_outputs` turns into files. Every figure, table, map and chart
that ends up in ``out/`` is computed by a stage and held here first, so a notebook sees exactly
what ``ruian-land run`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from ruian_land.config import ProjectConfig
from ruian_land.control_lines import BalanceLedger
from ruian_land.core import Ledger
from ruian_land.evaluation import Evaluation
from ruian_land.link import Occupancy
from ruian_land.pipeline.clock import StageUsage
from ruian_land.rules import RuleSet
from ruian_land.scenario import ScenarioResult
from ruian_land.screening import Screening
from ruian_land.supervision import Supervision
from ruian_land.trajectory import Trajectory

__all__ = ["SUMMARY_KEYS", "RunResult"]

#: Keys of ``summary.json`` guaranteed by DESIGN §3.
SUMMARY_KEYS: tuple[str, ...] = (
    "parcels_read",
    "parcels_kept",
    "parcels_rejected",
    "enterprises_read",
    "enterprises_linked",
    "enterprises_unlinked",
    "class_counts",
    "low_efficiency_parcels",
    "idle_parcels",
    "scenario",
    "park_candidates",
    "ledger",
)


@dataclass
class RunResult:
    """Everything one run computed, stage by stage (all frames in EPSG:4549).

    Attributes
    ----------
    config, rules, ledger
        The project, the rule set used and the ledger of every input row.
    parcels : GeoDataFrame
        Clean parcels (one row per ``parcel_id``), EPSG:4549, ``area_mu`` in 亩.
    firms : DataFrame
        One row per firm (``uscc``): registry, tax, statistics, energy, land, indicators, classes.
    occupancy, evaluation, screening, scenario
        The stage results (:class:`~ruian_land.link.Occupancy`, :class:`~ruian_land.evaluation.
        Evaluation`, :class:`~ruian_land.screening.Screening`, :class:`~ruian_land.scenario.
        ScenarioResult`).
    trajectory : Trajectory or None
        The three-year path (:class:`~ruian_land.trajectory.Trajectory`): targets by year, the
        waterfall, what it takes, the lever rules used.
    supervision : Supervision or None
        标准地履约, 挂图作战 and the policy eligibility lists (:class:`~ruian_land.supervision.
        Supervision`).
    sites : GeoDataFrame
        小微企业园 candidate sites (:func:`ruian_land.parks.candidate_sites`), EPSG:4549.
    site_parcels : DataFrame
        One row per (site, parcel) with the parcel's firms (the 园区宗地明细 sheet).
    candidates : GeoDataFrame
        The candidate list for land reallocation, one row per parcel, EPSG:4549.
    evaluation_list, scenario_firms : DataFrame
        The firm-level tables written beside the candidate list: every firm's 亩均效益综合评价 and
        the scenario's firm-by-firm plan (remedy, year, 亩 freed, energy, tax effect).
    rectification_firms, rectification_parcels : DataFrame
        The 《高耗低效整治企业清单》 (plan §三(一)1), tracking carried over from ``--previous``.
    rectification_summary : dict of DataFrame
        ``town`` and ``park`` summaries of the lists, ``progress`` against the plan's targets and
        ``field_checks`` (parcels to check on site).
    land_balance, supply_share
        占补平衡 books and the industrial share of land supplied (plan §四(二)); None without the
        optional tables.
    comparison : DataFrame or None
        The named scenarios side by side (``scenario.compare`` in the config), index = name.
    comparison_svg : str or None
        The comparison chart (self-contained SVG text).
    overview_map : folium.Map or None
        The overview map (parcels, classes, screening, 两高, scenario, sites, control lines).
    overview_map_html : str or None
        The map's rendered page, written instead when there is no ``overview_map`` (a run loaded
        from a run folder by ``ruian-land export``).
    summary : dict
        The ``summary.json`` dict (areas 亩, money 万元, energy tce, CO₂ t).
    timings_s : dict
        Seconds per stage.
    stage_usage : dict of str to dict
        Per stage (``read``, ``validate``, ``link``, ``evaluate``, ``screen``, ``scenario``, ``lists``,
        [``compare``], ``trajectory``, ``parks``, ``map``, then ``write`` once written):
        ``seconds``, ``peak_rss_mb`` (the process's peak resident memory after the stage, MB) and
        ``peak_rss_increase_mb`` (how much the stage raised that peak); ``summary.json`` ``stages``.
    paths : dict
        Name → path of every file written (filled by the write step).
    """

    config: ProjectConfig
    rules: RuleSet
    ledger: Ledger
    parcels: gpd.GeoDataFrame
    firms: pd.DataFrame
    occupancy: Occupancy
    evaluation: Evaluation
    screening: Screening
    scenario: ScenarioResult
    sites: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    rectification_firms: pd.DataFrame
    rectification_parcels: pd.DataFrame
    trajectory: Trajectory | None = None
    supervision: Supervision | None = None
    site_parcels: pd.DataFrame | None = None
    evaluation_list: pd.DataFrame | None = None
    scenario_firms: pd.DataFrame | None = None
    rectification_summary: dict[str, pd.DataFrame] = field(default_factory=dict)
    land_balance: BalanceLedger | None = None
    supply_share: pd.DataFrame | None = None
    control_lines: gpd.GeoDataFrame | None = None
    towns: gpd.GeoDataFrame | None = None
    comparison: pd.DataFrame | None = None
    comparison_svg: str | None = None
    overview_map: folium.Map | None = None
    overview_map_html: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    stage_usage: dict[str, StageUsage] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
