"""The main job, end to end: every stage called in order, as the CLI and notebooks do.

``run_stages(config)`` computes everything in memory (a notebook can stop after any stage and
look); ``write_outputs(result, out_dir)`` writes the DESIGN §3 output contract::

    out/summary.json           figures of the run (areas 亩, money 万元, energy tce, CO₂ t)
    out/maps/overview.html     the overview map (offline by default)
    out/exports/candidates.{xlsx,csv,gpkg}, sites.gpkg
    out/qa/                    ledger summary, every issue by file/row/column, report.md
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ruian_land import evaluation, io
from ruian_land.config import ProjectConfig, load_config
from ruian_land.control_lines import balance as land_balance
from ruian_land.core import columns, normalise_uscc
from ruian_land.evaluation import energy, indicators
from ruian_land.export import writers as export
from ruian_land.link import occupancy as link
from ruian_land.maps import overview as maps
from ruian_land.parks import sites as parks
from ruian_land.rules import RuleSet
from ruian_land.scenario import compare as scenario_compare
from ruian_land.scenario import plan as scenario
from ruian_land.screening import assess as screening
from ruian_land.screening import rectification as rectification_list
from ruian_land.screening import tracking
from ruian_land.validate import Ledger, validate_inputs
from ruian_land.validate import checks as input_checks

__all__ = [
    "SUMMARY_KEYS",
    "RunResult",
    "build_candidates",
    "build_summary",
    "run",
    "run_stages",
    "write_outputs",
]

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
    """Everything one run computed, stage by stage (all frames in EPSG:4549)."""

    config: ProjectConfig
    rules: RuleSet
    ledger: Ledger
    parcels: gpd.GeoDataFrame
    firms: pd.DataFrame
    occupancy: link.Occupancy
    evaluation: evaluation.Evaluation
    screening: screening.Screening
    scenario: scenario.ScenarioResult
    sites: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    rectification_firms: pd.DataFrame
    rectification_parcels: pd.DataFrame
    land_balance: land_balance.BalanceLedger | None = None
    supply_share: pd.DataFrame | None = None
    control_lines: gpd.GeoDataFrame | None = None
    towns: gpd.GeoDataFrame | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)


class _Timer:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = round(now - self._t, 3)
        self._t = now


def run_stages(
    config: ProjectConfig | str | Path | None = None, *, previous_list: str | Path | None = None
) -> RunResult:
    """Run every stage in memory on a project.

    Parameters
    ----------
    config : ProjectConfig, path or None
        The project; ``None`` reads ``data/project.yaml`` under the current directory
        (the bundled sample county).
    previous_list : str or Path, optional
        The 整治清单.xlsx (or csv) of an earlier run, edited by the planner: its status, remedy,
        deadline and notes are carried over by code (plan §三(一)1 闭环管理). Default: the
        project's ``tracking.previous_list``.

    Returns
    -------
    RunResult
        Frames of every stage, the ledger and the summary dict (not yet written).

    Raises
    ------
    InputError
        Any user mistake in the inputs (missing file or column, unknown CRS …).
    """
    cfg = config if isinstance(config, ProjectConfig) else load_config(config)
    rules = cfg.load_rules()
    timer = _Timer()

    inputs = io.load_inputs(cfg)
    timer.lap("read")
    ledger = Ledger()
    clean = validate_inputs(inputs, ledger, rules=rules)
    timer.lap("validate")

    firms = clean.firms.join(energy.energy_tce(clean.firms, rules))
    occ = link.link_firms_to_parcels(
        clean.parcels, firms, clean.leases, ledger, points=clean.points, rules=rules
    )
    firms = _attach_land(firms, occ)
    timer.lap("link")

    firms = firms.join(indicators.compute_indicators(firms, rules))
    # 元 written under a 万元 header gives absurd 亩均税收: refuse before evaluating (exit 2).
    input_checks.check_tax_plausibility(firms, rules, meta=clean.meta)
    ev = evaluation.evaluate_detailed(
        firms,
        rules,
        occ,
        as_of=pd.Timestamp(cfg.evaluation_date),
        parcels=clean.parcels,  # land granted < evaluation.land_grant_years → exempt
        year=cfg.data_year,
        previous_classes=_previous_classes(inputs, cfg),  # None → no 差别电价 escalation
    )
    firms = firms.join(ev.firms[[c for c in ev.firms.columns if c not in firms.columns]])
    timer.lap("evaluate")

    scr = screening.screen(
        clean.parcels,
        firms,
        occ.links,
        rules,
        built_up=cfg.path("built_up") if cfg.has("built_up") else None,
        as_of=cfg.evaluation_date,
    )
    timer.lap("screen")

    sc_cfg = cfg.scenario
    control_lines = clean.control_lines
    sc = scenario.optimise(
        scr,
        firms,
        occ.links,
        clean.parcels,
        rules,
        control_lines=control_lines,
        # targets, objective, protect_classes, remedies, town_quotas, budget_wan, partial_release, phasing
        **sc_cfg.model_dump(exclude={"compare"}),
    )
    timer.lap("scenario")

    site_ids = _site_parcel_ids(scr, sc)
    vacant_ids = set(sc.freed_parcels["parcel_id"]) | set(
        scr.parcels.loc[scr.parcels["is_idle"].astype(bool), "parcel_id"]
    )
    sites = parks.candidate_sites(clean.parcels, site_ids, control_lines, rules, vacant_ids=vacant_ids)
    conversions = _optional_table(inputs, cfg, "conversions")
    balance = (
        land_balance.balance_ledger(
            conversions,
            _optional_table(inputs, cfg, "compensations"),
            rules,
            parcels=clean.parcels,
            control_lines=control_lines,
        )
        if conversions is not None
        else None
    )
    supply = _optional_table(inputs, cfg, "land_supply")
    supply_share = land_balance.industrial_supply_share(supply, rules) if supply is not None else None
    timer.lap("parks")

    candidates = build_candidates(clean.parcels, scr, sc, occ.links, firms)
    firm_list = rectification_list.firm_list(scr, selection=sc.selection)
    parcel_list = rectification_list.parcel_list(scr)
    prev = previous_list if previous_list is not None else cfg.tracking.previous_list
    if prev is not None:
        prev_path = Path(prev) if Path(prev).is_absolute() or previous_list is not None else cfg.root / prev
        firm_list = tracking.merge_status(firm_list, prev_path, as_of=pd.Timestamp(cfg.evaluation_date))
        parcel_list = tracking.merge_status(parcel_list, prev_path, as_of=pd.Timestamp(cfg.evaluation_date))
    timer.lap("lists")
    result = RunResult(
        config=cfg,
        rules=rules,
        ledger=ledger,
        parcels=clean.parcels,
        firms=firms,
        occupancy=occ,
        evaluation=ev,
        screening=scr,
        scenario=sc,
        sites=sites,
        candidates=candidates,
        rectification_firms=firm_list,
        rectification_parcels=parcel_list,
        land_balance=balance,
        supply_share=supply_share,
        control_lines=control_lines,
        towns=clean.towns,
    )
    result.summary = build_summary(result)
    result.timings_s = timer.times
    return result


def _optional_table(inputs: io.Inputs, cfg: ProjectConfig, kind: str) -> pd.DataFrame | None:
    """An optional project table (read by ``io.load_inputs`` into ``inputs.other``), mapped to the
    canonical columns of ``columns.SCHEMAS[kind]`` and parsed (units scaled); None when absent."""
    raw = inputs.other.get(kind)
    if raw is None:
        return None
    mapped = columns.map_columns(raw, kind, source=str(cfg.path(kind)), extra_aliases=cfg.columns.get(kind))
    parsed, _ = io.parse_columns(mapped, kind, input_name=kind)
    return parsed


def _previous_classes(inputs: io.Inputs, cfg: ProjectConfig) -> pd.DataFrame | None:
    """Previous years' classes (uscc, year, eval_class) for 差别电价 escalation, if the project has them."""
    table = _optional_table(inputs, cfg, "previous_classes")
    if table is None:
        return None
    out = pd.DataFrame(
        {
            "uscc": table["uscc"].map(normalise_uscc),
            "year": pd.to_numeric(table["year"], errors="coerce"),
            "eval_class": table["eval_class"].astype(str).str.strip().str.upper().str[:1],
        }
    )
    return out.dropna(subset=["uscc", "year"])


def _attach_land(firms: pd.DataFrame, occ: link.Occupancy) -> pd.DataFrame:
    land = link.firm_land(occ)
    out = firms.drop(columns=[c for c in land.columns if c in firms.columns and c != "uscc"])
    out = out.merge(land, on="uscc", how="left")
    out.index = firms.index
    return out


def _site_parcel_ids(scr: screening.Screening, sc: scenario.ScenarioResult) -> list[str]:
    p = scr.parcels
    flagged = p.loc[p["is_low_efficiency"].astype(bool) | p["is_idle"].astype(bool), "parcel_id"]
    return sorted(set(flagged) | set(sc.freed_parcels["parcel_id"]))


def build_candidates(
    parcels: gpd.GeoDataFrame,
    scr: screening.Screening,
    sc: scenario.ScenarioResult,
    links: pd.DataFrame,
    firms: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """The candidate list for land reallocation: one row per candidate parcel.

    A candidate is a parcel flagged as low-efficiency or idle by screening, or freed by the
    scenario. Each row carries its reasons, its occupants (names and codes joined by ``;``),
    the main occupant's class, and whether and when the scenario frees it.

    Parameters
    ----------
    parcels : GeoDataFrame
        Clean parcels, EPSG:4549, unique ``parcel_id``.
    scr, sc : Screening, ScenarioResult
        Screening and scenario results of the same run.
    links : DataFrame
        Occupancy links (one row per firm per parcel).
    firms : DataFrame
        Evaluated firms (``uscc``, ``name``, ``eval_class``).

    Returns
    -------
    GeoDataFrame
        EPSG:4549, one row per candidate parcel, sorted by ``parcel_id``.
    """
    p = scr.parcels
    flagged = p["is_low_efficiency"].astype(bool) | p["is_idle"].astype(bool)
    freed = sc.freed_parcels.set_index("parcel_id")
    ids = sorted(set(p.loc[flagged, "parcel_id"]) | set(freed.index))
    base = parcels.loc[
        parcels["parcel_id"].isin(ids), ["parcel_id", "town", "park_name", "area_mu", "geometry"]
    ]
    keep = [
        c
        for c in (
            "tax_per_mu",
            "far",
            "building_coverage",
            "built_up_fraction",
            "is_low_efficiency",
            "is_idle",
            "idle_months",
            "idle_fee_wan",
            "reason_codes",
            "reasons_zh",
            "reasons_en",
        )
        if c in p.columns
    ]
    out = base.merge(p[["parcel_id", *keep]], on="parcel_id", how="left")
    occ = links.merge(firms[["uscc", "name", "eval_class"]], on="uscc", how="left")
    occ = occ.sort_values(["parcel_id", "land_area_mu", "uscc"], ascending=[True, False, True])
    grouped = occ.groupby("parcel_id", sort=False)
    occupants = pd.DataFrame(
        {
            "occupant_names": grouped["name"].agg(lambda s: ";".join(map(str, s))),
            "occupant_usccs": grouped["uscc"].agg(lambda s: ";".join(map(str, s))),
            "occupant_count": grouped["uscc"].size(),
            "main_class": grouped["eval_class"].first(),
        }
    )
    out = out.merge(occupants, left_on="parcel_id", right_index=True, how="left")
    out["occupant_count"] = out["occupant_count"].fillna(0).astype(int)
    out["selected"] = out["parcel_id"].isin(freed.index)
    out["year"] = out["parcel_id"].map(freed["year"]) if "year" in freed.columns else np.nan
    out = out.sort_values("parcel_id").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=parcels.crs)


#: Firm-level columns of the evaluation list (亩均效益综合评价结果), in export order.
_EVALUATION_COLUMNS = (
    "uscc",
    "name",
    "industry_code",
    "industry_name",
    "above_scale",
    "town",
    "land_area_mu",
    "tax_wan",
    "value_added_wan",
    "energy_tce_primary",
    "tax_per_mu",
    "value_added_per_mu",
    "value_added_per_tce",
    "tax_per_10k_kwh",
    "score_total",
    "rank_in_group",
    "eval_class",
    "class_reason",
    "land_tax_relief",
    "carbon_level",
)
#: Columns of the firm-level scenario plan (腾笼换鸟 企业清单).
_SELECTION_COLUMNS = (
    "uscc",
    "name",
    "town",
    "eval_class",
    "remedy_zh",
    "remedy",
    "year",
    "freed_area_mu",
    "energy_saved_tce",
    "co2_reduction_t",
    "tax_lost_wan",
    "tax_change_wan",
)


def _firm_tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """Firm-level tables written beside the candidate list: the evaluation of every firm and the
    scenario's firm-by-firm plan (which firm, which remedy, which year)."""
    firms = result.firms
    ev = firms[[c for c in _EVALUATION_COLUMNS if c in firms.columns]].sort_values(
        ["eval_class", "score_total"], ascending=[True, False], na_position="last"
    )
    sel = result.scenario.selection.copy()
    extra = [c for c in ("name", "town", "eval_class") if c not in sel.columns and c in firms.columns]
    if extra:
        sel = sel.merge(firms[["uscc", *extra]], on="uscc", how="left")
    sel = sel[[c for c in _SELECTION_COLUMNS if c in sel.columns]].sort_values(["year", "remedy", "uscc"])
    return {"evaluation": ev, "scenario_firms": sel}


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

    Areas in 亩, money in 万元, energy in tce, CO₂ in t.
    """
    ledger = _ledger_summary(result.ledger)
    parcels_l = ledger.get("parcels", {"rows_in": 0, "kept": 0, "rejected": 0})
    registry_l = ledger.get("registry", {"rows_in": 0})
    linked = set(result.occupancy.links["uscc"])
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
        "enterprises_linked": int(firms["uscc"].isin(linked).sum()),
        "enterprises_unlinked": int((~firms["uscc"].isin(linked)).sum()),
        "class_counts": evaluation.class_counts(firms),
        "low_efficiency_parcels": int(p["is_low_efficiency"].astype(bool).sum()),
        "idle_parcels": int(p["is_idle"].astype(bool).sum()),
        "scenario": sc,
        "target_tax_per_mu": result.rules.value("targets.tax_per_mu"),
        "park_candidates": len(result.sites),
        "park_plan": parks.plan_shortfall(result.sites, result.rules),
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
    return _jsonable(summary)


def write_outputs(
    result: RunResult, out_dir: str | Path = "out", *, offline: bool | None = None
) -> dict[str, Path]:
    """Write the DESIGN §3 output contract under ``out_dir``.

    Returns
    -------
    dict
        Name → path of every file written.
    """
    out = Path(out_dir)
    for sub in ("maps", "exports", "qa"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    paths.update({f"qa/{k}": v for k, v in result.ledger.write(out / "qa").items()})
    m = maps.overview_map(
        result.parcels,
        firms=result.firms,
        links=result.occupancy.links,
        screening=result.screening.parcels,
        screening_firms=result.screening.firms,
        selection=result.scenario.selection,
        freed_parcels=result.scenario.freed_parcels,
        control_lines=result.control_lines,
        sites=result.sites,
        towns=result.towns,
        offline=result.config.maps.offline if offline is None else offline,
        basemap=result.config.maps.basemap,
        tianditu_key=result.config.maps.tianditu_key,
        xyz_url=result.config.maps.xyz_url,
        rules=result.rules,
    )
    paths["maps/overview.html"] = maps.save_map(m, out / "maps" / "overview.html")
    site_parcels = export.site_sheet(
        result.sites, result.parcels, result.occupancy.links, result.firms, parcel_info=result.candidates
    )
    written = export.write_exports(
        result.candidates,
        out / "exports",
        sites=result.sites,
        rules=result.rules,
        ledger=result.ledger,
        site_parcels=site_parcels,
    )
    paths.update({f"exports/{k}": v for k, v in written.items()})
    for name, frame in _firm_tables(result).items():
        paths[f"exports/{name}.csv"] = export.write_table(frame, out / "exports" / f"{name}.csv")
    f, p = result.rectification_firms, result.rectification_parcels
    rules = result.rules
    paths["exports/整治清单.xlsx"] = export.write_workbook(
        out / "exports" / "整治清单.xlsx",
        {
            rectification_list.FIRM_SHEET: f,
            rectification_list.PARCEL_SHEET: p,
            "乡镇汇总": rectification_list.list_summary(f, p, rules, by="town").reset_index(),
            "园区汇总": rectification_list.list_summary(f, p, rules, by="park").reset_index(),
            "目标进度": rectification_list.progress(f, p, rules).reset_index(),
            "现场核查": rectification_list.field_checks(result.screening),
        },
        # 整治状态 as a dropdown so a typo is caught in Excel, not on the next run
        choices={
            name: {"status": list(rectification_list.STATUSES)}
            for name in (rectification_list.FIRM_SHEET, rectification_list.PARCEL_SHEET)
        },
    )
    for name, frame in ((rectification_list.FIRM_SHEET, f), (rectification_list.PARCEL_SHEET, p)):
        paths[f"exports/{name}.csv"] = export.write_table(frame, out / "exports" / f"{name}.csv")
    if result.config.scenario.compare:
        (out / "scenario").mkdir(exist_ok=True)
        table, chart = scenario_compare.compare_scenarios(
            result.config.scenario.compare,
            result.screening,
            result.firms,
            result.occupancy.links,
            result.parcels,
            result.rules,
            chart_path=out / "scenario" / "comparison.svg",
            control_lines=result.control_lines,
        )
        # scenario names are the index; 'status' here is the solver's, not the tracking status
        table = table.rename(columns={"status": "solver_status"}).reset_index()
        paths["scenario/comparison.csv"] = export.write_table(table, out / "scenario" / "comparison.csv")
        paths["scenario/comparison.svg"] = chart
    if result.land_balance is not None or result.supply_share is not None:
        lb = result.land_balance
        paths["exports/占补平衡.xlsx"] = export.write_workbook(
            out / "exports" / "占补平衡.xlsx",
            {
                "年度平衡": None if lb is None else lb.years,
                "转换明细": None if lb is None else lb.conversions,
                "补充明细": None if lb is None else lb.compensations,
                "工业用地供应占比": result.supply_share,
            },
        )
    summary_path = out / "summary.json"
    summary_path.write_text(json.dumps(result.summary, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["summary.json"] = summary_path
    result.paths = paths
    return paths


def run(
    config: ProjectConfig | str | Path | None = None,
    out_dir: str | Path = "out",
    *,
    previous_list: str | Path | None = None,
) -> RunResult:
    """Run every stage and write ``out_dir`` (the CLI's ``ruian-land run``)."""
    result = run_stages(config, previous_list=previous_list)
    t0 = time.perf_counter()
    write_outputs(result, out_dir)
    result.timings_s["write"] = round(time.perf_counter() - t0, 3)
    return result
