"""The ``monitor`` command: the 赛马 ranking and the 季度通报 of the latest period."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ruian_land.cli.app import QuietOpt, VerboseOpt, app, check_paths, console, guard, print_timings
from ruian_land.monitor import monitor as run_monitor
from ruian_land.monitor import write_monitor
from ruian_land.report import format_share

__all__ = ["monitor"]


@app.command()
def monitor(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="monitoring YAML (default: data/monitor.yaml, the sample county)"
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("out/monitor"),
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="judge deadlines on this date, YYYY-MM-DD (default: the latest period's)"
        ),
    ] = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Compare the latest period with the plan's pro-rated targets and the previous period (赛马).

    Each period of the monitoring file is run through the same stages as `ruian-land run` with its
    edited 整治清单; writes 通报.html (A4 landscape), 通报.xlsx and monitor.json.

    \b
    Examples:
      ruian-land monitor                                  # the sample county's data/monitor.yaml
      ruian-land monitor -c 监测/monitor.yaml -o 通报/2022Q4 --as-of 2023-01-15
      ruian-land monitor --verbose                        # also each period's stage seconds and peak memory
    """
    with guard(quiet, out):
        check_paths(config, out)
        result = run_monitor(config, as_of=as_of)
        paths = write_monitor(result, out)
    if quiet:
        return
    t = Table(title=f"{result.name} {result.periods[-1]}: 赛马排名 (镇街)")
    for col in ("名次", "镇街", "得分", "上期", "说明"):
        t.add_column(col)
    for name, r in result.towns.iterrows():
        rank = "" if r["rank"] != r["rank"] else str(int(r["rank"]))
        mark = r["summon_reason"] if r["summoned"] else r["note"]
        t.add_row(rank, str(name), format_share(r["score"]), format_share(r["previous_score"]), str(mark))
    console.print(t)
    if len(result.undated):
        console.print(
            f"Note: {len(result.undated)} open firm(s) with a 完成时限 that is no date (完成时限无法识别), "
            f"not judged overdue: {', '.join(f'{n} ({d})' for n, d in zip(result.undated['name'], result.undated['deadline'], strict=True))}",
            markup=False,
        )
    if verbose:
        for label, (seconds, usage) in result.period_usage.items():
            console.print(f"period {label}:", markup=False)
            print_timings(seconds, usage)
    console.print(f"Overdue firms: {len(result.overdue)}; wrote {', '.join(str(p) for p in paths.values())}")
