"""ruian-land: industrial-land toolkit for Ruian (瑞安市) planners.

The package is laid out in the order of the run, one folder per stage; a folder imports only
the folders listed above it here (``tests/test_layout.py`` reads the imports and enforces it)::

    core/           shared vocabulary: errors, units, CRS, coordinates, codes, columns, reasons, ledger
    rules/          versioned rule presets (value, unit, source, status)
    config.py       the project config (pydantic models of the YAML)
    io/             read layers and tables as the bureaus deliver them
    validate/       geometry repair, code checks, the ledger of every row
    link/           firm ↔ parcel occupancy
    evaluation/     亩均效益综合评价: energy, indicators, scores, classes, policies, explanations
    screening/      low-efficiency and idle land, 两高, raster evidence, 整治清单 and its tracking
    control_lines/  工业用地控制线 overlays, 占补平衡 and supply-share books
    scenario/       which firms and parcels to act on to free 1000 亩, by year, and what follows
    parks/          小微企业园 candidate sites
    maps/           the offline Folium overview map
    export/         xlsx / csv / gpkg / shp files
    sample/         the sample-county generator
    pipeline/       the stages composed (``ruian-land run``, the notebooks)
    cli/            the typer CLI

See ``docs/ARCHITECTURE.md`` for what flows between the folders.  The stage modules and the
most used functions are re-exported here, so ``from ruian_land import screening`` and
``ruian_land.read_parcels(...)`` work.
"""

from __future__ import annotations

from ruian_land import (
    config,
    control_lines,
    evaluation,
    export,
    io,
    link,
    maps,
    parks,
    pipeline,
    scenario,
    screening,
    validate,
)
from ruian_land.config import ProjectConfig, load_config
from ruian_land.core import (
    InputError,
    InputWarning,
    Ledger,
    RulesError,
    __version__,
    codes,
    columns,
    crs,
    errors,
    units,
)
from ruian_land.evaluation import energy, explain, indicators, policies
from ruian_land.io import load_inputs, read_layer, read_parcels, read_points, read_table
from ruian_land.link import link_firms_to_parcels
from ruian_land.maps import overview_map, save_map
from ruian_land.parks import candidate_sites
from ruian_land.pipeline import Project, RunResult, run, run_stages, write_outputs
from ruian_land.rules import RuleSet, load_rules
from ruian_land.scenario import optimise
from ruian_land.screening import screen
from ruian_land.validate import validate_inputs

__all__ = [
    "InputError",
    "InputWarning",
    "Ledger",
    "Project",
    "ProjectConfig",
    "RuleSet",
    "RulesError",
    "RunResult",
    "__version__",
    "candidate_sites",
    "codes",
    "columns",
    "config",
    "control_lines",
    "crs",
    "energy",
    "errors",
    "evaluation",
    "explain",
    "export",
    "indicators",
    "io",
    "link",
    "link_firms_to_parcels",
    "load_config",
    "load_inputs",
    "load_rules",
    "maps",
    "optimise",
    "overview_map",
    "parks",
    "pipeline",
    "policies",
    "read_layer",
    "read_parcels",
    "read_points",
    "read_table",
    "run",
    "run_stages",
    "save_map",
    "scenario",
    "screen",
    "screening",
    "units",
    "validate",
    "validate_inputs",
    "write_outputs",
]
