"""The main job, stage by stage, in memory: every stage called in order, as the CLI and notebooks do.

``run_stages(config)`` computes every result of a run — frames, tables, summaries, the map and
the scenario comparison — and returns them on a :class:`~ruian_land.pipeline.RunResult`; a
notebook can stop after any stage and look. Nothing is written here
(:func:`ruian_land.pipeline.write_outputs` does that).
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from ruian_land import io
from ruian_land.config import ProjectConfig, load_config
from ruian_land.control_lines import balance_ledger, industrial_supply_share
from ruian_land.core import map_columns, normalise_uscc
from ruian_land.evaluation import compute_indicators, energy_tce, evaluate_detailed
from ruian_land.export import site_sheet
from ruian_land.link import Occupancy, firm_land, link_firms_to_parcels
from ruian_land.maps import overview_map
from ruian_land.parks import candidate_sites
from ruian_land.pipeline.result import RunResult
from ruian_land.pipeline.summary import build_summary
from ruian_land.pipeline.tables import (
    build_candidates,
    evaluation_list,
    rectification_summary,
    scenario_firms,
)
from ruian_land.scenario import ScenarioResult, compare_scenarios, optimise
from ruian_land.screening import Screening, firm_list, merge_status, parcel_list, screen
from ruian_land.validate import Ledger, check_tax_plausibility, validate_inputs

__all__ = ["run_stages"]


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

    firms = clean.firms.join(energy_tce(clean.firms, rules))
    occ = link_firms_to_parcels(clean.parcels, firms, clean.leases, ledger, points=clean.points, rules=rules)
    firms = _attach_land(firms, occ)
    timer.lap("link")

    firms = firms.join(compute_indicators(firms, rules))
    # 元 written under a 万元 header gives absurd 亩均税收: refuse before evaluating (exit 2).
    check_tax_plausibility(firms, rules, meta=clean.meta)
    ev = evaluate_detailed(
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

    scr = screen(
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
    sc = optimise(
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
    sites = candidate_sites(clean.parcels, site_ids, control_lines, rules, vacant_ids=vacant_ids)
    conversions = _optional_table(inputs, cfg, "conversions")
    balance = (
        balance_ledger(
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
    supply_share = industrial_supply_share(supply, rules) if supply is not None else None
    timer.lap("parks")

    candidates = build_candidates(clean.parcels, scr, sc, occ.links, firms)
    site_parcels = site_sheet(sites, clean.parcels, occ.links, firms, parcel_info=candidates)
    firms_listed = firm_list(scr, selection=sc.selection)
    parcels_listed = parcel_list(scr)
    prev = previous_list if previous_list is not None else cfg.tracking.previous_list
    if prev is not None:
        prev_path = Path(prev) if Path(prev).is_absolute() or previous_list is not None else cfg.root / prev
        firms_listed = merge_status(firms_listed, prev_path, as_of=pd.Timestamp(cfg.evaluation_date))
        parcels_listed = merge_status(parcels_listed, prev_path, as_of=pd.Timestamp(cfg.evaluation_date))
    summaries = rectification_summary(firms_listed, parcels_listed, scr, rules)
    timer.lap("lists")

    comparison, comparison_svg = None, None
    if sc_cfg.compare:
        comparison, comparison_svg = compare_scenarios(
            sc_cfg.compare, scr, firms, occ.links, clean.parcels, rules, control_lines=control_lines
        )
        # scenario names are the index; 'status' here is the solver's, not the tracking status
        comparison = comparison.rename(columns={"status": "solver_status"})
        timer.lap("compare")

    overview = overview_map(
        clean.parcels,
        firms=firms,
        links=occ.links,
        screening=scr.parcels,
        screening_firms=scr.firms,
        selection=sc.selection,
        freed_parcels=sc.freed_parcels,
        control_lines=control_lines,
        sites=sites,
        towns=clean.towns,
        offline=cfg.maps.offline,
        basemap=cfg.maps.basemap,
        tianditu_key=cfg.maps.tianditu_key,
        xyz_url=cfg.maps.xyz_url,
        rules=rules,
    )
    timer.lap("map")
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
        site_parcels=site_parcels,
        evaluation_list=evaluation_list(firms),
        scenario_firms=scenario_firms(sc.selection, firms),
        rectification_summary=summaries,
        rectification_firms=firms_listed,
        rectification_parcels=parcels_listed,
        land_balance=balance,
        supply_share=supply_share,
        control_lines=control_lines,
        towns=clean.towns,
        comparison=comparison,
        comparison_svg=comparison_svg,
        overview_map=overview,
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
    mapped = map_columns(raw, kind, source=str(cfg.path(kind)), extra_aliases=cfg.columns.get(kind))
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


def _attach_land(firms: pd.DataFrame, occ: Occupancy) -> pd.DataFrame:
    land = firm_land(occ)
    out = firms.drop(columns=[c for c in land.columns if c in firms.columns and c != "uscc"])
    out = out.merge(land, on="uscc", how="left")
    out.index = firms.index
    return out


def _site_parcel_ids(scr: Screening, sc: ScenarioResult) -> list[str]:
    p = scr.parcels
    flagged = p.loc[p["is_low_efficiency"].astype(bool) | p["is_idle"].astype(bool), "parcel_id"]
    return sorted(set(flagged) | set(sc.freed_parcels["parcel_id"]))
