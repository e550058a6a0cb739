"""The stage commands: ``ingest`` … ``map`` on a run folder, and ``export`` from it."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Annotated

import typer

from ruian_land.cli.app import (
    ConfigOpt,
    QuietOpt,
    RunDirOpt,
    VerboseOpt,
    app,
    check_paths,
    console,
    guard,
    input_files,
    print_timings,
    step,
)
from ruian_land.cli.summary import print_summary
from ruian_land.pipeline import check_output_folder, export_run, run_stage

__all__ = ["evaluate", "export", "ingest", "map_", "parks", "screen", "simulate", "trajectory"]


def _stage(stage: str, config: Path | None, run_dir: Path, quiet: bool, verbose: bool) -> None:
    """Run one stage on a run folder (the ingest … map commands)."""
    t0 = time.perf_counter()
    with guard(quiet):
        check_paths(config, run_dir)
        result, record = run_stage(stage, config, run_dir, step=step(quiet))
    if quiet:
        return
    figures = ", ".join(f"{k} {v}" for k, v in result.summary.items() if isinstance(v, int | float))
    console.print(
        f"{stage}: done in {time.perf_counter() - t0:.1f} s (the stage itself {record['seconds']:.1f} s)"
        f"{'; ' + figures if figures else ''}; saved in {run_dir / stage}",
        soft_wrap=True,
        highlight=False,
    )
    nxt = {"ingest": "evaluate", "evaluate": "screen", "screen": "simulate", "simulate": "trajectory"}
    nxt["trajectory"] = "parks"
    console.print(f"next: ruian-land {nxt.get(stage, 'map' if stage == 'parks' else 'export')}")
    if verbose:
        seconds = result.seconds if isinstance(result.seconds, dict) else {stage: result.seconds}
        print_timings(seconds, getattr(result, "usage", None))


@app.command()
def ingest(
    config: ConfigOpt = None,
    run_dir: RunDirOpt = Path("out/run"),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Read, validate and link the inputs into a fresh run folder (the first stage command).

    Starts the run folder afresh (its stage results are dropped); the next commands are evaluate,
    screen, simulate, trajectory, parks, map and export, each reading the results before it from the folder.

    \b
    Examples:
      ruian-land ingest                               # the sample county, into out/run/
      ruian-land ingest -c my_county/project.yaml --run my_county/run
    """
    _stage("ingest", config, run_dir, quiet, verbose)


@app.command()
def evaluate(
    config: ConfigOpt = None,
    run_dir: RunDirOpt = Path("out/run"),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """亩均效益综合评价 on the ingest result of the run folder: indicators, scores, classes A/B/C/D.

    \b
    Examples:
      ruian-land evaluate                             # after ruian-land ingest
      ruian-land evaluate -c my_county/project.yaml --run my_county/run
    """
    _stage("evaluate", config, run_dir, quiet, verbose)


@app.command()
def screen(
    config: ConfigOpt = None,
    run_dir: RunDirOpt = Path("out/run"),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Low-efficiency and idle land, 两高 firms, from the ingest and evaluate results of the run folder.

    Re-run it alone after editing a screening.* / idle.* override in the config.

    \b
    Examples:
      ruian-land screen                               # after ruian-land evaluate
      ruian-land screen --run my_county/run -c my_county/project.yaml
    """
    _stage("screen", config, run_dir, quiet, verbose)


@app.command()
def simulate(
    config: ConfigOpt = None,
    run_dir: RunDirOpt = Path("out/run"),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The 腾笼换鸟 scenario (MILP), the 整治清单 and the named-scenario comparison, from the run folder.

    Re-run it alone after editing a targets.* override in the config.

    \b
    Examples:
      ruian-land simulate                             # after ruian-land screen
      ruian-land simulate --run my_county/run -c my_county/project.yaml
    """
    _stage("simulate", config, run_dir, quiet, verbose)


@app.command()
def trajectory(
    config: ConfigOpt = None,
    run_dir: RunDirOpt = Path("out/run"),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The three-year path of plan §二 (targets by year, levers' waterfall, what it takes), from the run folder.

    \b
    Examples:
      ruian-land trajectory                           # after ruian-land simulate
      ruian-land trajectory --run my_county/run -c my_county/project.yaml
    """
    _stage("trajectory", config, run_dir, quiet, verbose)


@app.command()
def parks(
    config: ConfigOpt = None,
    run_dir: RunDirOpt = Path("out/run"),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """小微企业园 candidate sites, the candidate list and the control-line books, from the run folder.

    \b
    Examples:
      ruian-land parks                                # after ruian-land trajectory
      ruian-land parks --run my_county/run -c my_county/project.yaml
    """
    _stage("parks", config, run_dir, quiet, verbose)


@app.command("map")
def map_(
    config: ConfigOpt = None,
    run_dir: RunDirOpt = Path("out/run"),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The overview map from the run folder's results, saved as map/overview.html in the folder.

    \b
    Examples:
      ruian-land map                                  # after ruian-land parks
      ruian-land map --run my_county/run -c my_county/project.yaml
    """
    _stage("map", config, run_dir, quiet, verbose)


@app.command()
def export(
    config: ConfigOpt = None,
    run_dir: RunDirOpt = Path("out/run"),
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("out"),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write what `ruian-land run` writes (summary.json, maps/, exports/, qa/) from the run folder.

    Computes nothing: it needs the results of all seven stage commands, ingest to map.

    \b
    Examples:
      ruian-land export                               # out/run/ → out/
      ruian-land export --run my_county/run -o my_county/out -c my_county/project.yaml
    """
    t0 = time.perf_counter()
    with guard(quiet, out):
        check_paths(config, out)
        check_output_folder(out, input_files(config))
        result = export_run(config, run_dir, out, step=step(quiet))
    if quiet:
        return
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print_summary(result.summary, out, time.perf_counter() - t0, peak_mb)
    if verbose:
        print_timings(result.timings_s, result.stage_usage)
