"""Tool commands: ``sample`` (the synthetic county) and ``rules`` (the shipped presets)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ruian_land.cli.app import app, console, fail
from ruian_land.core import InputError
from ruian_land.rules import available_presets, load_rules
from ruian_land.sample import generate_sample

__all__ = ["rules", "sample"]


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
        fail(InputError("the output location is a file, not a folder", path=out, fix="choose another --out"))
    if out.is_dir() and any(out.iterdir()) and not force:
        fail(
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
        fail(exc)
        return
    t = Table(title=" + ".join(rs.presets))
    for col in ("key", "value", "unit", "status", "source"):
        t.add_column(col, overflow="fold")
    for row in rs.to_frame().itertuples(index=False):
        t.add_row(str(row.key), str(row.value), str(row.unit), str(row.status), str(row.source))
    console.print(t)
