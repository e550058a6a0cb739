"""The top: the stages composed for ``ruian-land run`` and the notebooks.

* :class:`Project` – one object per county: ``Project.sample()`` / ``Project.from_config(path)``,
  stage methods ``ingest``, ``evaluate``, ``screen``, ``simulate``, ``parks``, ``map`` (each cached,
  each returning its result object) and ``export(out_dir)`` (``project.py``).
* :func:`ingest`, :func:`evaluate`, :func:`screen`, :func:`simulate`, :func:`parks`, :func:`make_map` –
  the stage functions, each taking the previous stages' results (``stages.py``, results in
  ``stage_results.py``).

* :func:`run_stages` – every stage in memory (``stages.py``); returns a :class:`RunResult`.
* :func:`write_outputs` – writes a finished run, and only writes (``write.py``); :func:`run` does both.
* :func:`build_candidates`, :func:`evaluation_list`, :func:`scenario_firms`,
  :func:`rectification_summary` – the tables a run hands out (``tables.py``).
* :func:`build_summary` – the ``summary.json`` figures (``summary.py``).
* :func:`run_stage`, :func:`export_run`, :func:`load_stage` – one stage at a time on a run folder
  of GeoParquet and JSON (``runfolder.py``, frames and fields to files in ``serialise.py``): the
  ``ruian-land ingest … export`` commands.
"""

from __future__ import annotations

from ruian_land.pipeline.atomic import check_output_folder, staged_folder
from ruian_land.pipeline.check import CheckReport, check_project
from ruian_land.pipeline.partitioned import (
    DASK_EXTRA,
    partitioned_firm_indicators,
    partitioned_idle,
    partitioned_zonal_mean,
)
from ruian_land.pipeline.project import FIRST_STAGE_OF_SECTION, Project, find_sample_config
from ruian_land.pipeline.result import SUMMARY_KEYS, RunResult
from ruian_land.pipeline.runfolder import (
    MANIFEST,
    STAGE_ORDER,
    export_run,
    input_fingerprints,
    load_stage,
    read_manifest,
    rules_fingerprints,
    run_stage,
)
from ruian_land.pipeline.stage_results import (
    EvaluateResult,
    IngestResult,
    MapResult,
    ParksResult,
    ScreenResult,
    SimulateResult,
    TrajectoryResult,
)
from ruian_land.pipeline.stages import (
    STAGE_INPUTS,
    STAGES,
    assemble,
    evaluate,
    ingest,
    make_map,
    parks,
    run_stages,
    screen,
    simulate,
    supervise,
    trajectory,
)
from ruian_land.pipeline.summary import build_summary
from ruian_land.pipeline.supervising import SuperviseResult
from ruian_land.pipeline.tables import (
    EVALUATION_COLUMNS,
    SELECTION_COLUMNS,
    build_candidates,
    evaluation_list,
    rectification_summary,
    scenario_firms,
)
from ruian_land.pipeline.template import PROJECT_TEMPLATE, write_project_template
from ruian_land.pipeline.write import (
    RECTIFICATION_SHEETS,
    TRAJECTORY_SHEETS,
    run,
    write_outputs,
    write_run_report,
)

__all__ = [
    "DASK_EXTRA",
    "EVALUATION_COLUMNS",
    "FIRST_STAGE_OF_SECTION",
    "MANIFEST",
    "PROJECT_TEMPLATE",
    "RECTIFICATION_SHEETS",
    "SELECTION_COLUMNS",
    "STAGES",
    "STAGE_INPUTS",
    "STAGE_ORDER",
    "SUMMARY_KEYS",
    "TRAJECTORY_SHEETS",
    "CheckReport",
    "EvaluateResult",
    "IngestResult",
    "MapResult",
    "ParksResult",
    "Project",
    "RunResult",
    "ScreenResult",
    "SimulateResult",
    "SuperviseResult",
    "TrajectoryResult",
    "assemble",
    "build_candidates",
    "build_summary",
    "check_output_folder",
    "check_project",
    "evaluate",
    "evaluation_list",
    "export_run",
    "find_sample_config",
    "ingest",
    "input_fingerprints",
    "load_stage",
    "make_map",
    "parks",
    "partitioned_firm_indicators",
    "partitioned_idle",
    "partitioned_zonal_mean",
    "read_manifest",
    "rectification_summary",
    "rules_fingerprints",
    "run",
    "run_stage",
    "run_stages",
    "scenario_firms",
    "screen",
    "simulate",
    "staged_folder",
    "supervise",
    "trajectory",
    "write_outputs",
    "write_project_template",
    "write_run_report",
]
