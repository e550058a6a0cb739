"""The stages of a run, each a function of the previous stage's result, and their composition.

::

    ingest(config)                          → IngestResult    io → validate → link
    evaluate(ingested)                      → EvaluateResult  energy, indicators, classes
    screen(ingested, evaluated)             → ScreenResult    low-efficiency, idle, 两高
    simulate(ingested, evaluated, screened) → SimulateResult  scenario, 整治清单, comparison
    trajectory(ingested, evaluated, screened, simulated) → TrajectoryResult  the three-year path
    parks(ingested, evaluated, screened, simulated) → ParksResult  sites, candidates, control-line books
    supervise(ingested, evaluated, screened)  → SuperviseResult  标准地履约, 挂图作战, eligibility lists
    make_map(ingested, evaluated, screened, simulated, sited[, supervised]) → MapResult

:func:`run_stages` calls them in order and assembles the :class:`~ruian_land.pipeline.RunResult`;
:class:`~ruian_land.pipeline.Project` calls the same functions with caching, so a notebook that
walks the stages gets exactly the numbers of ``ruian-land run``. Each stage checks that it was
given the right results and raises :class:`~ruian_land.core.StageInputError` naming the stage to
run first. Nothing is written here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ruian_land import io
from ruian_land.config import ProjectConfig, load_config
from ruian_land.control_lines import balance_ledger, industrial_supply_share
from ruian_land.core import normalise_uscc
from ruian_land.evaluation import compute_indicators, energy_tce, evaluate_detailed
from ruian_land.export import site_sheet
from ruian_land.link import Occupancy, firm_land, link_firms_to_parcels
from ruian_land.maps import overview_map
from ruian_land.parks import candidate_sites
from ruian_land.pipeline.clock import StageClock, merged
from ruian_land.pipeline.optional import optional_table as _optional_table
from ruian_land.pipeline.optional import record_optional_tables
from ruian_land.pipeline.projection import trajectory
from ruian_land.pipeline.result import RunResult
from ruian_land.pipeline.stage_results import (
    STAGES,
    EvaluateResult,
    IngestResult,
    MapResult,
    ParksResult,
    ScreenResult,
    SimulateResult,
    TrajectoryResult,
    expect_result,
)
from ruian_land.pipeline.summary import build_summary
from ruian_land.pipeline.supervising import SuperviseResult, supervise
from ruian_land.pipeline.tables import (
    build_candidates,
    evaluation_list,
    rectification_summary,
    scenario_firms,
)
from ruian_land.rules import RuleSet
from ruian_land.scenario import ScenarioResult, compare_scenarios, optimise
from ruian_land.screening import Screening, firm_list, merge_status, parcel_list
from ruian_land.screening import screen as screen_parcels
from ruian_land.validate import Ledger, check_tax_plausibility, validate_inputs

__all__ = [
    "STAGES",
    "STAGE_INPUTS",
    "assemble",
    "compare",
    "evaluate",
    "ingest",
    "make_map",
    "parks",
    "run_stages",
    "screen",
    "simulate",
    "supervise",
    "trajectory",
]

#: The stage results each stage function takes, by stage name (the run folder passes these).
STAGE_INPUTS: dict[str, tuple[str, ...]] = {
    "ingest": (),
    "evaluate": ("ingest",),
    "screen": ("ingest", "evaluate"),
    "simulate": ("ingest", "evaluate", "screen"),
    "trajectory": ("ingest", "evaluate", "screen", "simulate"),
    "parks": ("ingest", "evaluate", "screen", "simulate"),
    "map": ("ingest", "evaluate", "screen", "simulate", "parks"),
}
_expect = expect_result


def _config(config: ProjectConfig | str | Path | None) -> ProjectConfig:
    return config if isinstance(config, ProjectConfig) else load_config(config)


def ingest(config: ProjectConfig | str | Path | None = None, *, rules: RuleSet | None = None) -> IngestResult:
    """Read, validate and link a project's inputs (stages io → validate → link).

    Parameters
    ----------
    config : ProjectConfig, path or None
        The project; ``None`` reads ``data/project.yaml`` under the current directory.
    rules : RuleSet, optional
        Rules to use instead of the project's own (e.g. with overrides).

    Returns
    -------
    IngestResult
        ``clean.parcels`` in EPSG:4549, firms with energy (tce) and land (亩), the occupancy and the
        ledger; ``seconds`` has ``read``, ``validate`` and ``link``.

    Raises
    ------
    InputError
        A missing or unreadable file, a missing column, an unknown CRS … (exit 2 from the CLI).
    """
    cfg = _config(config)
    rules = cfg.load_rules() if rules is None else rules
    clock = StageClock()
    inputs = io.load_inputs(cfg)
    clock.lap("read")
    ledger = Ledger()
    clean = validate_inputs(inputs, ledger, rules=rules, as_of=cfg.evaluation_date)
    parcel_ids = clean.parcels["parcel_id"] if "parcel_id" in clean.parcels.columns else None
    record_optional_tables(inputs, cfg, ledger, parcel_ids)  # their unreadable cells and refused rows
    clock.lap("validate")
    firms = clean.firms.join(energy_tce(clean.firms, rules))
    occ = link_firms_to_parcels(clean.parcels, firms, clean.leases, ledger, points=clean.points, rules=rules)
    firms = _attach_land(firms, occ)
    clock.lap("link")
    return IngestResult(cfg, rules, inputs, ledger, clean, firms, occ, clock.seconds(), clock.usage)


def evaluate(ingested: IngestResult) -> EvaluateResult:
    """亩均效益综合评价 of every firm: indicators, scores and classes A/B/C/D.

    Parameters
    ----------
    ingested : IngestResult
        From :func:`ingest`.

    Returns
    -------
    EvaluateResult
        Firms (same index as ``ingested.firms``) with indicators, ``score_*`` and ``eval_class``.

    Raises
    ------
    StageInputError
        ``ingested`` is not an ingest result.
    InputError
        Tax figures that can only be 元 under a 万元 header (refused before evaluating).
    """
    _expect(ingested, IngestResult, "evaluate")
    clock = StageClock()
    cfg, rules = ingested.config, ingested.rules
    firms = ingested.firms.join(compute_indicators(ingested.firms, rules))
    # 元 written under a 万元 header gives absurd 亩均税收: refuse before evaluating (exit 2).
    check_tax_plausibility(firms, rules, meta=ingested.clean.meta)
    ev = evaluate_detailed(
        firms,
        rules,
        ingested.occupancy,
        as_of=pd.Timestamp(cfg.evaluation_date),
        parcels=ingested.parcels,  # land granted < evaluation.land_grant_years → exempt
        year=cfg.data_year,
        previous_classes=_previous_classes(ingested.inputs, cfg),  # None → no 差别电价 escalation
    )
    firms = firms.join(ev.firms[[c for c in ev.firms.columns if c not in firms.columns]])
    listed = evaluation_list(firms)
    return EvaluateResult(firms, ev, listed, clock.lap("evaluate"), clock.usage)


def screen(ingested: IngestResult, evaluated: EvaluateResult) -> ScreenResult:
    """Low-efficiency and idle land and 两高 firms, at the project's evaluation date.

    Parameters
    ----------
    ingested, evaluated : IngestResult, EvaluateResult
        From :func:`ingest` and :func:`evaluate`.

    Returns
    -------
    ScreenResult

    Raises
    ------
    StageInputError
        The inputs are not the results of those stages.
    """
    _expect(ingested, IngestResult, "screen")
    _expect(evaluated, EvaluateResult, "screen")
    clock = StageClock()
    cfg = ingested.config
    scr = screen_parcels(
        ingested.parcels,
        evaluated.firms,
        ingested.occupancy.links,
        ingested.rules,
        built_up=cfg.path("built_up") if cfg.has("built_up") else None,
        as_of=cfg.evaluation_date,
    )
    return ScreenResult(scr, clock.lap("screen"), clock.usage)


def simulate(
    ingested: IngestResult,
    evaluated: EvaluateResult,
    screened: ScreenResult,
    *,
    previous_list: str | Path | None = None,
) -> SimulateResult:
    """The 腾笼换鸟 scenario (HiGHS MILP), the 整治清单 it marks, and the named-scenario comparison.

    Parameters
    ----------
    ingested, evaluated, screened
        From :func:`ingest`, :func:`evaluate`, :func:`screen`.
    previous_list : str or Path, optional
        The 整治清单.xlsx (or csv) of an earlier run, edited by the planner: status, remedy, deadline
        and notes carried over by code (plan §三(一)1 闭环管理). Default: ``tracking.previous_list``.

    Returns
    -------
    SimulateResult
        ``seconds`` has ``scenario``, ``lists`` and (with ``scenario.compare``) ``compare``.

    Raises
    ------
    StageInputError
        The inputs are not the results of those stages.
    InputError
        A malformed previous list or scenario specification.
    """
    _expect(ingested, IngestResult, "simulate")
    _expect(evaluated, EvaluateResult, "simulate")
    _expect(screened, ScreenResult, "simulate")
    cfg, rules, scr, firms = ingested.config, ingested.rules, screened.screening, evaluated.firms
    links, parcels, lines = ingested.occupancy.links, ingested.parcels, ingested.clean.control_lines
    clock = StageClock()
    sc = optimise(
        scr,
        firms,
        links,
        parcels,
        rules,
        control_lines=lines,
        # targets, objective, protect_classes, remedies, town_quotas, budget_wan, partial_release, phasing
        **cfg.scenario.model_dump(exclude={"compare"}),
    )
    clock.lap("scenario")
    firms_listed = firm_list(scr, selection=sc.selection)
    parcels_listed = parcel_list(scr)
    prev = previous_list if previous_list is not None else cfg.tracking.previous_list
    if prev is not None:
        prev_path = Path(prev) if Path(prev).is_absolute() or previous_list is not None else cfg.root / prev
        firms_listed = merge_status(
            firms_listed, prev_path, as_of=pd.Timestamp(cfg.evaluation_date), known_firms=scr.firms
        )
        parcels_listed = merge_status(parcels_listed, prev_path, as_of=pd.Timestamp(cfg.evaluation_date))
    summaries = rectification_summary(firms_listed, parcels_listed, scr, rules)
    planned = scenario_firms(sc.selection, firms)
    clock.lap("lists")
    comparison, svg = None, None
    if cfg.scenario.compare:
        comparison, svg = compare(ingested, evaluated, screened, cfg.scenario.compare)
        clock.lap("compare")
    return SimulateResult(
        sc, planned, firms_listed, parcels_listed, summaries, comparison, svg, clock.seconds(), clock.usage
    )


def compare(
    ingested: IngestResult,
    evaluated: EvaluateResult,
    screened: ScreenResult,
    source: str | Path | None = None,
) -> tuple[pd.DataFrame, str]:
    """Solve several named scenarios on the same data and set them side by side.

    Parameters
    ----------
    ingested, evaluated, screened
        From the three stages before.
    source : str or Path, optional
        A shipped scenario file's name (``plan_2021_2023``) or a YAML path; default: the config's
        ``scenario.compare``, else ``plan_2021_2023``.

    Returns
    -------
    comparison : DataFrame
        One row per scenario (index: its name): freed 亩, tce, t CO₂, firms, tax change …,
        ``solver_status``.
    svg : str
        The comparison chart (inline SVG).

    Raises
    ------
    StageInputError
        The inputs are not the results of those stages.
    InputError
        A malformed scenario file (names the key and the fix).
    """
    _expect(ingested, IngestResult, "compare")
    _expect(evaluated, EvaluateResult, "compare")
    _expect(screened, ScreenResult, "compare")
    spec = source if source is not None else (ingested.config.scenario.compare or "plan_2021_2023")
    comparison, svg = compare_scenarios(
        spec,
        screened.screening,
        evaluated.firms,
        ingested.occupancy.links,
        ingested.parcels,
        ingested.rules,
        control_lines=ingested.clean.control_lines,
    )
    # scenario names are the index; 'status' here is the solver's, not the tracking status
    return comparison.rename(columns={"status": "solver_status"}), svg


def parks(
    ingested: IngestResult, evaluated: EvaluateResult, screened: ScreenResult, simulated: SimulateResult
) -> ParksResult:
    """小微企业园 candidate sites from freed, idle and low-efficiency land; the candidate list; the
    工业用地控制线 books (占补平衡, industrial share of supply) when the optional tables are given.

    Parameters
    ----------
    ingested, evaluated, screened, simulated
        From the four stages before.

    Returns
    -------
    ParksResult
        Sites and candidates in EPSG:4549.

    Raises
    ------
    StageInputError
        The inputs are not the results of those stages.
    """
    for value, kind in ((ingested, IngestResult), (evaluated, EvaluateResult), (screened, ScreenResult)):
        _expect(value, kind, "parks")
    _expect(simulated, SimulateResult, "parks")
    clock = StageClock()
    cfg, rules, scr, sc = ingested.config, ingested.rules, screened.screening, simulated.scenario
    parcels, lines = ingested.parcels, ingested.clean.control_lines
    vacant_ids = set(sc.freed_parcels["parcel_id"]) | set(
        scr.parcels.loc[scr.parcels["is_idle"].astype(bool), "parcel_id"]
    )
    sites = candidate_sites(parcels, _site_parcel_ids(scr, sc), lines, rules, vacant_ids=vacant_ids)
    conversions = _optional_table(ingested.inputs, cfg, "conversions")
    balance = (
        balance_ledger(
            conversions,
            _optional_table(ingested.inputs, cfg, "compensations"),
            rules,
            parcels=parcels,
            control_lines=lines,
        )
        if conversions is not None
        else None
    )
    supply = _optional_table(ingested.inputs, cfg, "land_supply")
    supply_share = industrial_supply_share(supply, rules) if supply is not None else None
    candidates = build_candidates(parcels, scr, sc, ingested.occupancy.links, evaluated.firms)
    site_parcels = site_sheet(
        sites, parcels, ingested.occupancy.links, evaluated.firms, parcel_info=candidates
    )
    seconds = clock.lap("parks")
    return ParksResult(sites, site_parcels, candidates, rules, balance, supply_share, seconds, clock.usage)


def make_map(
    ingested: IngestResult,
    evaluated: EvaluateResult,
    screened: ScreenResult,
    simulated: SimulateResult,
    sited: ParksResult,
    supervised: SuperviseResult | None = None,
) -> MapResult:
    """The overview map: parcels, classes, screening, 两高, the scenario by year, sites, control
    lines and the supervision layers (标准地履约, 挂图作战, 政策适用).

    Parameters
    ----------
    ingested, evaluated, screened, simulated, sited
        From the five stages before.
    supervised : SuperviseResult, optional
        The supervise stage's result; None: computed here from the results given.

    Returns
    -------
    MapResult
        A ``folium.Map`` (EPSG:4326 on copies; the frames stay in EPSG:4549), offline per the
        project's ``maps.offline``.

    Raises
    ------
    StageInputError
        The inputs are not the results of those stages.
    InputError
        A refused basemap (GCJ-02 / BD-09 tile hosts) or a missing tile key.
    """
    for value, kind in ((ingested, IngestResult), (evaluated, EvaluateResult), (screened, ScreenResult)):
        _expect(value, kind, "map")
    _expect(simulated, SimulateResult, "map")
    _expect(sited, ParksResult, "map")
    if supervised is None:
        supervised = supervise(ingested, evaluated, screened)
    _expect(supervised, SuperviseResult, "map")
    clock = StageClock()
    cfg, scr, sc = ingested.config, screened.screening, simulated.scenario
    m = overview_map(
        ingested.parcels,
        firms=evaluated.firms,
        links=ingested.occupancy.links,
        screening=scr.parcels,
        screening_firms=scr.firms,
        selection=sc.selection,
        freed_parcels=sc.freed_parcels,
        control_lines=ingested.clean.control_lines,
        sites=sited.sites,
        towns=ingested.clean.towns,
        supervision=supervised.supervision,
        offline=cfg.maps.offline,
        basemap=cfg.maps.basemap,
        tianditu_key=cfg.maps.tianditu_key,
        xyz_url=cfg.maps.xyz_url,
        rules=ingested.rules,
    )
    return MapResult(m, clock.lap("map"), usage=clock.usage)


def assemble(
    ingested: IngestResult,
    evaluated: EvaluateResult,
    screened: ScreenResult,
    simulated: SimulateResult,
    sited: ParksResult,
    mapped: MapResult | None = None,
    projected: TrajectoryResult | None = None,
    supervised: SuperviseResult | None = None,
) -> RunResult:
    """Put the stage results together as a :class:`RunResult` with its ``summary`` and timings
    (``projected`` / ``supervised`` None: the trajectory / supervise stage is run here on the
    results given)."""
    if projected is None:
        projected = trajectory(ingested, evaluated, screened, simulated)
    if supervised is None:
        supervised = supervise(ingested, evaluated, screened)
    result = RunResult(
        config=ingested.config,
        rules=ingested.rules,
        ledger=ingested.ledger,
        parcels=ingested.parcels,
        firms=evaluated.firms,
        occupancy=ingested.occupancy,
        evaluation=evaluated.evaluation,
        screening=screened.screening,
        scenario=simulated.scenario,
        trajectory=projected.trajectory,
        supervision=supervised.supervision,
        sites=sited.sites,
        candidates=sited.candidates,
        site_parcels=sited.site_parcels,
        evaluation_list=evaluated.evaluation_list,
        scenario_firms=simulated.scenario_firms,
        rectification_summary=simulated.rectification_summary,
        rectification_firms=simulated.rectification_firms,
        rectification_parcels=simulated.rectification_parcels,
        land_balance=sited.land_balance,
        supply_share=sited.supply_share,
        control_lines=ingested.clean.control_lines,
        towns=ingested.clean.towns,
        comparison=simulated.comparison,
        comparison_svg=simulated.comparison_svg,
        overview_map=None if mapped is None else mapped.overview_map,
        overview_map_html=None if mapped is None else mapped.html,
    )
    result.stage_usage = merged(
        ingested.usage,
        evaluated.usage,
        screened.usage,
        simulated.usage,
        projected.usage,
        sited.usage,
        supervised.usage,
        {} if mapped is None else mapped.usage,
    )
    result.summary = build_summary(result)
    result.timings_s = {
        **ingested.seconds,
        "evaluate": evaluated.seconds,
        "screen": screened.seconds,
        **simulated.seconds,
        "trajectory": projected.seconds,
        "parks": sited.seconds,
        "supervise": supervised.seconds,
        **({} if mapped is None else {"map": mapped.seconds}),
    }
    return result


def run_stages(
    config: ProjectConfig | str | Path | None = None, *, previous_list: str | Path | None = None
) -> RunResult:
    """Run every stage in memory on a project (what ``ruian-land run`` computes before writing).

    Parameters
    ----------
    config : ProjectConfig, path or None
        The project; ``None`` reads ``data/project.yaml`` under the current directory
        (the bundled sample county).
    previous_list : str or Path, optional
        An edited 整治清单 of an earlier run (see :func:`simulate`).

    Returns
    -------
    RunResult
        Frames of every stage, the ledger, the map and the summary dict (not yet written).

    Raises
    ------
    InputError
        Any user mistake in the inputs (missing file or column, unknown CRS …).
    """
    ingested = ingest(config)
    evaluated = evaluate(ingested)
    screened = screen(ingested, evaluated)
    simulated = simulate(ingested, evaluated, screened, previous_list=previous_list)
    projected = trajectory(ingested, evaluated, screened, simulated)
    sited = parks(ingested, evaluated, screened, simulated)
    supervised = supervise(ingested, evaluated, screened)
    mapped = make_map(ingested, evaluated, screened, simulated, sited, supervised)
    return assemble(ingested, evaluated, screened, simulated, sited, mapped, projected, supervised)


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
