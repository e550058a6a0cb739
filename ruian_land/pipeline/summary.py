"""``summary.json``: the figures of a run (DESIGN §3), computed from a finished :class:`RunResult`.

Areas in 亩, money in 万元, energy in tce, CO₂ in t; NaN and infinities become ``null``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import Ledger, is_in
from ruian_land.evaluation import class_counts
from ruian_land.parks import plan_shortfall
from ruian_land.pipeline.result import RunResult
from ruian_land.supervision import supervision_summary
from ruian_land.trajectory import summary_dict

__all__ = ["build_summary"]


def _ledger_summary(ledger: Ledger) -> dict[str, dict[str, int]]:
    return {k: {kk: int(vv) for kk, vv in v.items()} for k, v in ledger.summary().items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if not np.isfinite(value) else round(float(value), 4)
    if isinstance(value, pd.DataFrame):
        return value.to_dict(orient="records")
    return value


def _control_line_summary(result: RunResult) -> dict[str, Any]:
    """占补平衡 and the industrial share of supply (plan §四(二)); ``None`` values when the project
    gives no conversions / land-supply tables."""
    out: dict[str, Any] = {"balance_holds": None, "uncovered_mu": None, "supply_share_ok": None}
    if result.land_balance is not None:
        out["balance_holds"] = bool(result.land_balance.holds)
        out["uncovered_mu"] = float(result.land_balance.years["uncovered_mu"].sum())
        out["message_zh"] = result.land_balance.message_zh
    if result.supply_share is not None:
        out["supply_share_ok"] = bool(result.supply_share["meets_floor"].all())
        out["supply_years_below_floor"] = [
            int(y) for y in result.supply_share.loc[~result.supply_share["meets_floor"].astype(bool), "year"]
        ]
    return out


def build_summary(result: RunResult) -> dict[str, Any]:
    """The ``summary.json`` dict (DESIGN §3): keys in :data:`SUMMARY_KEYS` and a few more.

    Areas in 亩, money in 万元, energy in tce, CO₂ in t. ``stages`` (last) holds each stage's
    ``seconds``, ``peak_rss_mb`` and ``peak_rss_increase_mb`` (:attr:`RunResult.stage_usage`):
    the only figures that change between two runs of the same data.
    """
    ledger = _ledger_summary(result.ledger)
    parcels_l = ledger.get("parcels", {"rows_in": 0, "kept": 0, "rejected": 0})
    registry_l = ledger.get("registry", {"rows_in": 0})
    linked = is_in(result.firms["uscc"], result.occupancy.links["uscc"])
    firms = result.firms
    p = result.screening.parcels
    sc = dict(result.scenario.summary)
    summary: dict[str, Any] = {
        "project": result.config.name,
        "data_year": result.config.data_year,
        "evaluation_date": result.config.evaluation_date.isoformat(),
        "rules": result.rules.presets,
        "parcels_read": parcels_l["rows_in"],
        "parcels_kept": parcels_l["kept"],
        "parcels_rejected": parcels_l["rejected"],
        "parcels_area_mu": float(result.parcels["area_mu"].sum()),
        "enterprises_read": registry_l["rows_in"],
        "enterprises_linked": int(linked.sum()),
        "enterprises_unlinked": int((~linked).sum()),
        "class_counts": class_counts(firms),
        "low_efficiency_parcels": int(p["is_low_efficiency"].astype(bool).sum()),
        "idle_parcels": int(p["is_idle"].astype(bool).sum()),
        "scenario": sc,
        "target_tax_per_mu": result.rules.value("targets.tax_per_mu"),
        "park_candidates": len(result.sites),
        "park_plan": plan_shortfall(result.sites, result.rules),
        "candidates": len(result.candidates),
        "candidates_selected": int(result.candidates["selected"].sum()),
        "rectification": {
            "firms_listed": len(result.rectification_firms),
            "parcels_listed": len(result.rectification_parcels),
            "listed_area_mu": float(result.rectification_parcels["area_mu"].sum()),
            "status_counts": result.rectification_firms["status"].value_counts().to_dict(),
        },
        "control_line": _control_line_summary(result),
        "ledger": ledger,
    }
    if result.trajectory is not None:
        summary["trajectory"] = summary_dict(result.trajectory)
    if result.supervision is not None:
        summary["supervision"] = supervision_summary(result.supervision)
    # timings and memory: differ between runs of the same data (comparisons leave them out)
    summary["stages"] = dict(result.stage_usage)
    return _jsonable(summary)
