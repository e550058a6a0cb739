"""``ruian-land`` command line: thin typer commands over the pipeline functions.

A user mistake in an input (:class:`~ruian_land.core.errors.InputError`) exits with status 2 and a
one-paragraph message naming the file, the column or row, and the fix; never a traceback.
"""

from __future__ import annotations

import resource
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ruian_land.core import InputError, InputWarning
from ruian_land.pipeline import (
    check_output_folder,
    check_project,
    export_run,
    run_stage,
    run_stages,
    write_outputs,
    write_project_template,
    write_run_report,
)
from ruian_land.rules import available_presets, load_rules
from ruian_land.sample import generate_sample
from ruian_land.trajectory import final_year_rows

__all__ = ["app", "main"]

app = typer.Typer(
    name="ruian-land",
    help="瑞安工业用地工具: 亩均论英雄 evaluation, low-efficiency land, 腾笼换鸟 scenarios, 小微企业园 sites, "
    "maps.\n\nExit codes: 0 done; 1 internal error (the traceback is written to a log file, its path "
    "printed); 2 a problem in your inputs or config (file, column or row, and the fix are printed).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# Wide enough that rule keys and paths are not folded mid-word when output goes to a file or pipe.
console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="project YAML (default: data/project.yaml, the sample county)"),
]


RunDirOpt = Annotated[
    Path,
    typer.Option("--run", help="run folder: each stage's result as GeoParquet + JSON, with manifest.json"),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print only errors")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="also print each stage's seconds")]


def _fail(exc: InputError) -> None:
    err_console.print(f"[bold red]Input error[/]: {exc}", soft_wrap=True, highlight=False)
    raise typer.Exit(code=2)


@contextmanager
def _guard(quiet: bool = False, out: Path | None = None) -> Iterator[list[warnings.WarningMessage]]:
    """Exit 2 on an input error, 1 on anything else (traceback to a log file), 130 on an interrupt
    (SIGINT or SIGTERM: outputs are swapped in whole, so ``out`` is as it was), notes shown."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with _guarded(quiet, out) as caught:
            yield caught
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # let the staged outputs clean up, as for Ctrl-C


@contextmanager
def _guarded(quiet: bool, out: Path | None) -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        try:
            yield caught
        except typer.Exit:
            raise
        except InputError as exc:
            _show_warnings(caught)
            _fail(exc)
        except KeyboardInterrupt:
            where = f"; nothing in {out} was changed" if out is not None else ""
            err_console.print(f"Interrupted before the run was complete{where}.", soft_wrap=True)
            raise typer.Exit(code=130) from None
        except Exception:
            log = Path(tempfile.gettempdir()) / f"ruian-land-error-{time.strftime('%Y%m%d-%H%M%S')}.log"
            log.write_text(traceback.format_exc(), encoding="utf-8")
            err_console.print(
                f"[bold red]Internal error[/] (a bug, not your data): {sys.exc_info()[1]!r}. "
                f"The traceback is in {log}; please attach it to an issue.",
                soft_wrap=True,
                highlight=False,
            )
            raise typer.Exit(code=1) from None
    if not quiet:
        _show_warnings(caught)


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print each distinct input note once."""
    seen: set[str] = set()
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, InputWarning) and text not in seen:
            seen.add(text)
            err_console.print(f"[yellow]note[/]: {text}", soft_wrap=True, highlight=False)


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
    with _guard(quiet, out):
        _check_paths(config, out)
        check_output_folder(out)  # writable, and a folder of its own: before any work
        result = run_stages(config, previous_list=previous)
        write_outputs(result, out, offline=False if online_map else None)
    if quiet:
        return
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _print_summary(result.summary, out, wall, peak_mb)
    if verbose:
        _print_timings(result.timings_s)


def _print_timings(timings: dict[str, float]) -> None:
    t = Table(title="stage seconds", show_header=True, header_style="bold")
    t.add_column("stage")
    t.add_column("s", justify="right")
    for k, v in timings.items():
        t.add_row(str(k), f"{float(v):.2f}")
    console.print(t)


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
    with _guard(quiet):
        _check_paths(config, out.parent)
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
    with _guard():
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
    with _guard(quiet):
        _check_paths(config, Path("."))
        found = check_project(config)
    if not quiet:
        for note in found.notes:
            err_console.print(f"[yellow]note[/]: {note}", soft_wrap=True, highlight=False)
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


def _step(quiet: bool) -> Callable[[str], AbstractContextManager[Any]]:
    """A spinner per step of a stage command (nothing with --quiet)."""
    if quiet:
        return lambda _text: nullcontext()
    return lambda text: console.status(text + " …")


def _stage(stage: str, config: Path | None, run_dir: Path, quiet: bool, verbose: bool) -> None:
    """Run one stage on a run folder (the ingest … map commands)."""
    t0 = time.perf_counter()
    with _guard(quiet):
        _check_paths(config, run_dir)
        result, record = run_stage(stage, config, run_dir, step=_step(quiet))
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
        _print_timings(seconds)


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
    with _guard(quiet, out):
        _check_paths(config, out)
        check_output_folder(out)
        result = export_run(config, run_dir, out, step=_step(quiet))
    if quiet:
        return
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _print_summary(result.summary, out, time.perf_counter() - t0, peak_mb)
    if verbose:
        _print_timings(result.timings_s)


def _num_text(value: object, suffix: str = "") -> str:
    """A number for the summary table; '—' when missing (summary.json writes NaN as null)."""
    if value is None:
        return "—"
    return f"{float(value):,.2f}{suffix}"  # type: ignore[arg-type]


def _sites_text(s: dict) -> str:
    plan = s.get("park_plan") or {}
    short = plan.get("shortlisted")
    return f"{s['park_candidates']} / {short}" if short is not None else str(s["park_candidates"])


def _check_paths(config: Path | None, out: Path) -> None:
    """Refuse path mistakes before any work is done."""
    if config is not None and config.is_dir():
        raise InputError(
            "--config points at a folder, not a project file",
            path=config,
            fix=f"pass the YAML file itself, e.g. --config {config / 'project.yaml'}",
        )
    for parent in (out, *out.parents):
        if parent.exists() and not parent.is_dir():
            raise InputError(
                "the output location is a file, not a folder",
                path=parent,
                fix="choose another --out folder (it is created if missing)",
            )


def _print_summary(s: dict, out: Path, wall_s: float, peak_mb: float) -> None:
    sc = s["scenario"]
    cc = s["class_counts"]
    t = Table(title=f"{s['project']} — 腾笼换鸟 summary", show_header=True, header_style="bold")
    t.add_column("item")
    t.add_column("value", justify="right")
    rows = [
        (
            "宗地 parcels read / kept / rejected",
            f"{s['parcels_read']} / {s['parcels_kept']} / {s['parcels_rejected']}",
        ),
        (
            "企业 firms read / linked / unlinked",
            f"{s['enterprises_read']} / {s['enterprises_linked']} / {s['enterprises_unlinked']}",
        ),
        (
            "评价 classes A/B/C/D / exempt / unrated",
            " / ".join(str(cc.get(k, 0)) for k in ("A", "B", "C", "D", "exempt", "unrated")),
        ),
        ("低效 low-efficiency parcels", str(s["low_efficiency_parcels"])),
        ("闲置 idle parcels", str(s["idle_parcels"])),
        ("腾出 freed land (亩) / target", f"{sc['freed_area_mu']:,.1f} / {sc['target_area_mu']:,.0f}"),
        ("腾出用能 energy (tce)", f"{sc['freed_energy_tce']:,.0f}"),
        ("减碳 CO₂ (t)", f"{sc['co2_reduction_t']:,.0f}"),
        ("淘汰 / 整治 firms exited / upgraded", f"{sc['firms_exited']} / {sc['firms_upgraded']}"),
        (
            "规上亩均税收 before → after clearance (万元/亩)",
            f"{_num_text(sc.get('tax_per_mu_before'))} → {_num_text(sc.get('tax_per_mu_after_clearance_only'))}",
        ),
        (
            "  … and after re-letting freed land as 标准地",
            f"{_num_text(sc.get('tax_per_mu_after'))} (target {s.get('target_tax_per_mu')})",
        ),
        (
            "  亩均税收 new projects would need to reach the target",
            _num_text(sc.get("reuse_tax_per_mu_needed"), " 万元/亩 on the freed land"),
        ),
        (
            "land / energy / CO₂ / firm targets met",
            "yes" if sc["feasible"] else "NO (see summary.json scenario.messages_zh)",
        ),
        ("小微企业园 candidate sites / shortlist", _sites_text(s)),
        *final_year_rows(s.get("trajectory")),
    ]
    for msg in sc.get("messages_zh", [])[:5] if not sc["feasible"] else []:
        rows.append(("  ⚠", str(msg)))
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)
    console.print(
        f"Wrote {out}/ (summary.json, maps/, exports/, qa/"
        f"{', scenario/' if (out / 'scenario').is_dir() else ''}) in {wall_s:.1f} s, "
        f"peak memory {peak_mb:,.0f} MB"
    )


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", "-o", help="where to write the sample county")] = Path("data"),
    seed: Annotated[int, typer.Option(help="random seed (same seed → byte-identical files)")] = 20211130,
    scale: Annotated[float, typer.Option(help="multiply parcel and firm counts (benchmarks)")] = 1.0,
    force: Annotated[
        bool, typer.Option("--force", help="overwrite a folder that already holds files")
    ] = False,
) -> None:
    """(Re)generate the synthetic sample county (refuses to overwrite a non-empty folder without --force)."""
    if out.exists() and not out.is_dir():
        _fail(InputError("the output location is a file, not a folder", path=out, fix="choose another --out"))
    if out.is_dir() and any(out.iterdir()) and not force:
        _fail(
            InputError(
                "the folder already holds files; writing the sample county would overwrite them",
                path=out,
                fix="choose an empty --out folder, or add --force to overwrite (e.g. to refresh data/)",
            )
        )
    paths = generate_sample(out, seed=seed, scale=scale)
    console.print(f"Wrote {len(paths)} files under {out}/")


@app.command()
def rules(
    preset: Annotated[str | None, typer.Argument(help="preset to show; omit to list presets")] = None,
    evaluation: Annotated[str | None, typer.Option(help="evaluation preset merged on top")] = None,
) -> None:
    """List the shipped rules presets, or show one with value, unit, source and status."""
    if preset is None:
        for name in available_presets():
            console.print(name)
        return
    try:
        rs = load_rules(preset, evaluation)
    except InputError as exc:
        _fail(exc)
        return
    t = Table(title=" + ".join(rs.presets))
    for col in ("key", "value", "unit", "status", "source"):
        t.add_column(col, overflow="fold")
    for row in rs.to_frame().itertuples(index=False):
        t.add_row(str(row.key), str(row.value), str(row.unit), str(row.status), str(row.source))
    console.print(t)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except InputError as exc:  # pragma: no cover - commands catch their own
        err_console.print(f"[bold red]Input error[/]: {exc}")
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
