"""Size and opening time of the overview map, side by side with ``GeoDataFrame.explore()``.

Run::

    python benchmarks/bench_maps.py                  # the sample county (data/project.yaml)
    python benchmarks/bench_maps.py --scale 10       # a ~50 000-parcel county, generated once
                                                     # into benchmarks/out/county_x10 (git-ignored)
    python benchmarks/bench_maps.py --project path/to/project.yaml --runs 7

For the county it runs every pipeline stage, builds the overview map (all layers, offline:
Leaflet and plugins inlined) and, from the same parcels, ``explore()`` with the same tooltip
fields as the parcel layer (宗地代码, 面积, 乡镇, 园区, 企业名称, 信用代码, 评价等级, 亩均税收,
认定原因, 其他使用企业; coloured by class; CDN links, nothing inlined). It writes both pages to
``benchmarks/out/`` and one line per measure to stdout: bytes, bytes per parcel, the ratio
(target ≤ 0.25), and the time to the ``load`` event in headless Debian chromium (network
blocked, a fresh browser context per run; median and worst of ``--runs``; target < 3 s).

``explore()`` needs matplotlib and mapclassify (not dependencies of the toolkit): without them
the comparison is skipped with a note.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd

from ruian_land.maps import overview as maps
from ruian_land.maps import parcel_attributes
from ruian_land.pipeline import stages as pipeline

OUT = Path(__file__).parent / "out"
CHROMIUM = "/usr/bin/chromium"
#: explore() tooltip: the parcel layer's fields (ruian_land.maps.layers.add_parcel_layers)
TOOLTIP = [
    "parcel_id",
    "area_mu",
    "town",
    "park_name",
    "main_name",
    "main_uscc",
    "class_key",
    "tax_per_mu",
    "reasons_zh",
    "other_occupants",
]


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def county(scale: float, project: str | None) -> Path:
    """The project file: given, the bundled sample, or a generated county (cached)."""
    if project:
        return Path(project)
    if scale == 1:
        return Path("data/project.yaml")
    from ruian_land.sample import generate_sample

    folder = OUT / f"county_x{scale:g}"
    if not (folder / "project.yaml").exists():
        t = time.perf_counter()
        generate_sample(folder, scale=scale)
        _say(f"generated {folder} in {time.perf_counter() - t:.1f} s")
    return folder / "project.yaml"


def load_times(path: Path, runs: int) -> tuple[list[float], list[str]]:
    """Milliseconds from navigation start to the end of the load event, one fresh context per
    run, network blocked; plus the console errors seen."""
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for _ in range(runs):
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            ctx.route(
                "**/*",
                lambda r: (
                    r.continue_() if r.request.url.startswith(("file:", "data:", "blob:")) else r.abort()
                ),
            )
            page = ctx.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=120_000)
            times.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
            ctx.close()
        browser.close()
    return times, errors


def explore_page(result: Any, path: Path) -> int | None:
    """Write explore() of the parcels with the parcel layer's tooltip fields; its bytes."""
    try:
        import mapclassify  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        _say("explore(): skipped (pip install matplotlib mapclassify to compare)")
        return None
    scr = result.screening.parcels
    attrs = parcel_attributes(result.parcels, firms=result.firms, links=result.occupancy.links, screening=scr)
    frame = gpd.GeoDataFrame(
        attrs[TOOLTIP], geometry=result.parcels.geometry.to_numpy(), crs=result.parcels.crs
    )
    t = time.perf_counter()
    m = frame.explore(column="class_key", tooltip=TOOLTIP, popup=False)
    m.save(str(path))
    _say(f"explore(): built and saved in {time.perf_counter() - t:.1f} s")
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """Benchmark entry point; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="sample county scale (10 ≈ 50 000 parcels)")
    ap.add_argument("--project", help="an existing project YAML instead of the sample")
    ap.add_argument("--runs", type=int, default=5, help="page loads to time (default 5)")
    args = ap.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    cfg = county(args.scale, args.project)
    tag = f"x{args.scale:g}" if not args.project else Path(args.project).parent.name

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pipeline.run_stages(cfg)
    _say(f"pipeline stages: {time.perf_counter() - t:.1f} s, {len(result.parcels):,} parcels")

    t = time.perf_counter()
    m = maps.overview_map(
        result.parcels,
        firms=result.firms,
        links=result.occupancy.links,
        screening=result.screening,
        selection=result.scenario.selection,
        freed_parcels=result.scenario.freed_parcels,
        control_lines=result.control_lines,
        sites=result.sites,
        towns=result.towns,
    )
    ours_path = maps.save_map(m, OUT / f"overview_{tag}.html")
    build_s = time.perf_counter() - t
    ours = ours_path.stat().st_size
    stats: dict[str, Any] = getattr(m, "ruian_stats", {})
    n = int(stats["parcels"])
    _say(
        f"overview map: {ours:,} bytes ({ours / n:.0f} B/parcel, {n:,} parcels drawn), built and saved in "
        f"{build_s:.1f} s; simplification {stats['tolerance_m']} m, coordinates 1/{stats['scale']:,}°, "
        f"budget {maps.size_budget(m):,} bytes"
    )
    theirs = explore_page(result, OUT / f"explore_{tag}.html")
    if theirs:
        _say(
            f"explore(): {theirs:,} bytes ({theirs / n:.0f} B/parcel); ours / explore = {ours / theirs:.3f} (target ≤ 0.25)"
        )

    if not Path(CHROMIUM).exists():
        _say(f"load time: skipped ({CHROMIUM} not found)")
        return 0
    times, errors = load_times(ours_path, args.runs)
    _say(
        f"load event (headless chromium, {args.runs} fresh contexts): median {statistics.median(times):.0f} ms, "
        f"worst {max(times):.0f} ms, all {[round(x) for x in times]} (target < 3000 ms); console errors: {len(errors)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
