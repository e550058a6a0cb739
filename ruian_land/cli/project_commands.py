"""The project commands: ``run``, ``report``, ``init`` and ``check``."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ruian_land.cli.app import (
    ConfigOpt,
    QuietOpt,
    VerboseOpt,
    app,
    check_paths,
    console,
    err_console,
    guard,
    input_files,
    print_timings,
)
from ruian_land.cli.summary import print_summary
from ruian_land.pipeline import (
    check_output_folder,
    check_project,
    run_stages,
    write_outputs,
    write_project_template,
    write_run_report,
)

__all__ = ["check", "init", "report", "run"]


@app.command()
def run(
    config: ConfigOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("out"),
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="整治清单.xlsx from an earlier run, edited by the planner: status, remedy, deadline and "
            "notes are kept (matched by code, not row)",
        ),
    ] = None,
    online_map: Annotated[
        bool, typer.Option("--online-map", help="load Leaflet from a CDN instead of inlining it")
    ] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Run the main job: read, validate, link, evaluate, screen, optimise, site parks, map, export.

    \b
    Examples:
      ruian-land run                                  # the bundled sample county, into out/
      ruian-land run -c my_county/project.yaml -o my_county/out
      ruian-land run --previous out/exports/整治清单.xlsx   # carry the planner's edits over
    """
    t0 = time.perf_counter()
    with guard(quiet, out):
        check_paths(config, out)
        check_output_folder(out, input_files(config))  # writable, its own, no input inside
        result = run_stages(config, previous_list=previous)
        write_outputs(result, out, offline=False if online_map else None)
    if quiet:
        return
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print_summary(result.summary, out, wall, peak_mb)
    if verbose:
        print_timings(result.timings_s, result.stage_usage)


@app.command()
def report(
    config: ConfigOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="file to write")] = Path("out/report.html"),
    quiet: QuietOpt = False,
) -> None:
    """Write the leadership report (领导小组汇报): one printable A4 HTML page, Chinese, no network.

    Targets against the scenario, class counts, the lagging towns and parks, the top candidate
    sites with small maps, data-quality notes, the rules and their status.

    \b
    Examples:
      ruian-land report                               # sample county → out/report.html
      ruian-land report -c my_county/project.yaml -o 汇报/2021.html
    """
    with guard(quiet):
        check_paths(config, out.parent)
        result = run_stages(config)
        path = write_run_report(result, out)
    if not quiet:
        console.print(f"Wrote {path}")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="the new county's project folder")],
    name: Annotated[str | None, typer.Option(help="project name (default: the folder's name)")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing project.yaml")] = False,
) -> None:
    """Write a commented project.yaml for a new county (sources, encodings, CRS, aliases, rules, targets).

    The paths follow the sample county's layout; put the bureaus' files there or edit the paths,
    then run `ruian-land check`.

    \b
    Examples:
      ruian-land init 平阳县
      ruian-land check -c 平阳县/project.yaml
    """
    with guard():
        path = write_project_template(folder, name=name, force=force)
    console.print(f"Wrote {path}; next: ruian-land check --config {path}")


@app.command()
def check(config: ConfigOpt = None, quiet: QuietOpt = False) -> None:
    """Check a project config and every file it names, without running the analysis.

    Lists every problem at once (file, column or row, and the fix) and exits 2 if there is any;
    rows that a run would reject are listed as notes.

    \b
    Examples:
      ruian-land check                                # the sample county
      ruian-land check -c 平阳县/project.yaml
    """
    with guard(quiet):
        check_paths(config, Path("."))
        found = check_project(config)
    if not quiet:
        for note in found.notes:
            err_console.print(f"[yellow]note[/]: {escape(str(note))}", soft_wrap=True, highlight=False)
    if found.ok:
        if not quiet:
            console.print(f"OK: {found.config_path} and every file it names can be read.")
            if found.ledger is not None:
                console.print(found.ledger.to_string())
        return
    t = Table(title=f"{len(found.problems)} problem(s) in {found.config_path}", show_lines=True)
    for col in ("文件", "列或键", "行", "问题", "修改方法"):
        t.add_column(col, overflow="fold")
    for row in found.to_frame().itertuples(index=False):
        t.add_row(*(str(v) for v in row))
    err_console.print(t)
    raise typer.Exit(code=2)
