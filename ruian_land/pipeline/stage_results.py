"""What each stage of a run returns: its frames and its summary, ready for the next stage.

The stages chain in this order, each taking the result of the one before (and the ingest result,
which holds the clean inputs every later stage needs)::

    IngestResult → EvaluateResult → ScreenResult → SimulateResult → TrajectoryResult → ParksResult → MapResult

Each result has a ``summary`` (a dict of the figures the stage adds to ``summary.json``),
``seconds`` (its wall time) and ``usage`` (step → seconds, peak memory MB and the step's increase
of the peak, :class:`~ruian_land.pipeline.clock.StageClock`; ``summary.json`` ``stages``). All frames are in EPSG:4549; areas in 亩, money in 万元, energy in tce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from ruian_land.config import ProjectConfig
from ruian_land.control_lines import BalanceLedger
from ruian_land.core import Ledger, StageInputError, is_in
from ruian_land.evaluation import Evaluation, class_counts
from ruian_land.io import Inputs
from ruian_land.link import Occupancy
from ruian_land.parks import plan_shortfall
from ruian_land.pipeline.clock import StageUsage
from ruian_land.rules import RuleSet
from ruian_land.scenario import ScenarioResult
from ruian_land.screening import Screening
from ruian_land.trajectory import Trajectory, summary_dict
from ruian_land.validate import Clean

__all__ = [
    "STAGES",
    "EvaluateResult",
    "IngestResult",
    "MapResult",
    "ParksResult",
    "ScreenResult",
    "SimulateResult",
    "TrajectoryResult",
    "expect_result",
]


@dataclass
class IngestResult:
    """Read, validated and linked inputs (stages io → validate → link).

    Attributes
    ----------
    config, rules : ProjectConfig, RuleSet
        The project and the rule set the run uses.
    inputs : Inputs
        The tables as read (canonical columns, ``source_row``).
    ledger : Ledger
        Every input row kept, repaired or rejected, and why.
    clean : Clean
        Validated layers and tables (``parcels`` GeoDataFrame EPSG:4549, ``firms`` one row per uscc …).
    firms : DataFrame
        ``clean.firms`` plus energy (``energy_tce_calorific``, ``energy_tce_primary``, ``co2_t``) and
        land (``land_area_mu``, ``owned_area_mu``, ``leased_area_mu``, ``parcel_count``); same index.
    occupancy : Occupancy
        Firm ↔ parcel links (``links``: uscc, parcel_id, tenure, land_area_mu, land_share …).
    """

    config: ProjectConfig
    rules: RuleSet
    inputs: Inputs
    ledger: Ledger
    clean: Clean
    firms: pd.DataFrame
    occupancy: Occupancy
    seconds: dict[str, float] = field(default_factory=dict)
    usage: dict[str, StageUsage] = field(default_factory=dict)

    @property
    def parcels(self) -> gpd.GeoDataFrame:
        """The clean parcels (EPSG:4549, unique ``parcel_id``, ``area_mu`` in 亩)."""
        return self.clean.parcels

    @property
    def summary(self) -> dict[str, Any]:
        """Parcels and firms read, kept, linked (as in ``summary.json``)."""
        ledger = self.ledger.summary()
        parcels = ledger.get("parcels", {"rows_in": 0, "kept": 0, "rejected": 0})
        linked = is_in(self.firms["uscc"], self.occupancy.links["uscc"])
        return {
            "parcels_read": int(parcels["rows_in"]),
            "parcels_kept": int(parcels["kept"]),
            "parcels_rejected": int(parcels["rejected"]),
            "enterprises_read": int(ledger.get("registry", {"rows_in": 0})["rows_in"]),
            "enterprises_linked": int(linked.sum()),
            "enterprises_unlinked": int((~linked).sum()),
        }


@dataclass
class EvaluateResult:
    """亩均效益综合评价: indicators, scores, classes (stage evaluation).

    Attributes
    ----------
    firms : DataFrame
        The ingest firms (same index) plus indicators (``tax_per_mu`` 万元/亩 …), ``score_*``,
        ``eval_class`` (A|B|C|D|exempt|unrated), ``class_reason``, ``explanation``, policies.
    evaluation : Evaluation
        The detailed result (per-indicator breakdown).
    evaluation_list : DataFrame
        The ``exports/evaluation.csv`` table (by class, then score).
    """

    firms: pd.DataFrame
    evaluation: Evaluation
    evaluation_list: pd.DataFrame
    seconds: float = 0.0
    usage: dict[str, StageUsage] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, Any]:
        """``class_counts`` {A, B, C, D, exempt, unrated}."""
        return {"class_counts": class_counts(self.firms)}


@dataclass
class ScreenResult:
    """Low-efficiency and idle land, 两高 firms (stage screening).

    Attributes
    ----------
    screening : Screening
        ``parcels`` (one row per parcel: ``is_low_efficiency``, ``is_idle``, ``reason_codes`` …) and
        ``firms`` (``flagged``, ``in_scope``, ``is_two_high`` …).
    """

    screening: Screening
    seconds: float = 0.0
    usage: dict[str, StageUsage] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, Any]:
        """Counts of low-efficiency and idle parcels."""
        p = self.screening.parcels
        return {
            "low_efficiency_parcels": int(p["is_low_efficiency"].astype(bool).sum()),
            "idle_parcels": int(p["is_idle"].astype(bool).sum()),
        }


@dataclass
class SimulateResult:
    """The 腾笼换鸟 scenario and the 整治清单 it marks (stage scenario).

    Attributes
    ----------
    scenario : ScenarioResult
        ``selection`` (one row per firm acted on), ``freed_parcels``, ``by_year``, ``summary``.
    scenario_firms : DataFrame
        The ``exports/scenario_firms.csv`` table.
    rectification_firms, rectification_parcels : DataFrame
        The 《高耗低效整治企业清单》 with the scenario's picks and the planner's tracking carried over.
    rectification_summary : dict of DataFrame
        ``town``, ``park``, ``progress``, ``field_checks``.
    comparison, comparison_svg : DataFrame or None, str or None
        The named scenarios side by side and their chart (``scenario.compare`` in the config).
    """

    scenario: ScenarioResult
    scenario_firms: pd.DataFrame
    rectification_firms: pd.DataFrame
    rectification_parcels: pd.DataFrame
    rectification_summary: dict[str, pd.DataFrame]
    comparison: pd.DataFrame | None = None
    comparison_svg: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    usage: dict[str, StageUsage] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, Any]:
        """The scenario's figures (``summary.json`` ``scenario``) and the lists' sizes."""
        return {
            "scenario": dict(self.scenario.summary),
            "rectification": {
                "firms_listed": len(self.rectification_firms),
                "parcels_listed": len(self.rectification_parcels),
                "listed_area_mu": float(self.rectification_parcels["area_mu"].sum()),
                "status_counts": self.rectification_firms["status"].value_counts().to_dict(),
            },
        }


@dataclass
class TrajectoryResult:
    """The three-year path (stage trajectory): every plan §二 target by year, the levers'
    waterfall, what it takes (:class:`ruian_land.trajectory.Trajectory`).

    Attributes
    ----------
    trajectory : Trajectory
        ``targets``, ``waterfall``, ``what_it_takes``, ``assumptions`` frames.
    """

    trajectory: Trajectory
    seconds: float = 0.0
    usage: dict[str, StageUsage] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, Any]:
        """``summary.json`` ``trajectory``."""
        return {"trajectory": summary_dict(self.trajectory)}


@dataclass
class ParksResult:
    """小微企业园 sites, the candidate list and the control-line books (stage parks).

    Attributes
    ----------
    sites : GeoDataFrame
        Candidate sites (EPSG:4549, ``site_id``, ``rank``, ``qualifies``, ``area_mu`` …).
    site_parcels : DataFrame
        One row per (site, parcel) with the parcel's firms.
    candidates : GeoDataFrame
        The candidate list for land reallocation (EPSG:4549), one row per parcel.
    land_balance, supply_share : BalanceLedger or None, DataFrame or None
        占补平衡 and the industrial share of supply (plan §四(二)), with the optional tables.
    """

    sites: gpd.GeoDataFrame
    site_parcels: pd.DataFrame
    candidates: gpd.GeoDataFrame
    rules: RuleSet
    land_balance: BalanceLedger | None = None
    supply_share: pd.DataFrame | None = None
    seconds: float = 0.0
    usage: dict[str, StageUsage] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, Any]:
        """Park candidates, the park plan's shortfall and the candidate list's size."""
        return {
            "park_candidates": len(self.sites),
            "park_plan": plan_shortfall(self.sites, self.rules),
            "candidates": len(self.candidates),
            "candidates_selected": int(self.candidates["selected"].sum()),
        }


@dataclass
class MapResult:
    """The overview map (stage maps): a ``folium.Map``; saved by the export stage.

    Attributes
    ----------
    overview_map : folium.Map or None
        The map; None when the result was loaded from a run folder, which keeps only its page.
    html : str or None
        The rendered page (a run folder's ``map/overview.html``), written when there is no map.
    """

    overview_map: folium.Map | None
    seconds: float = 0.0
    html: str | None = None
    usage: dict[str, StageUsage] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, Any]:
        """Nothing for ``summary.json``: the map is a file."""
        return {}


#: The stages in the order of the run, with the result type each returns.
STAGES: dict[str, type] = {
    "ingest": IngestResult,
    "evaluate": EvaluateResult,
    "screen": ScreenResult,
    "simulate": SimulateResult,
    "trajectory": TrajectoryResult,
    "parks": ParksResult,
    "map": MapResult,
}


def expect_result(value: Any, kind: type, stage: str) -> None:
    """Refuse a result of the wrong stage with a message naming the stage to run first.

    Raises
    ------
    StageInputError
        ``value`` is not a ``kind``.
    """
    if not isinstance(value, kind):
        made_by = next(name for name, k in STAGES.items() if k is kind)
        raise StageInputError(
            f"the {stage} stage needs the result of the {made_by} stage ({kind.__name__}), "
            f"got {type(value).__name__}",
            fix=f"run the {made_by} stage first and pass its result (Project.{made_by}() does it for you)",
        )
