"""Reading the parcel layer: ruian-land's reader on each engine beside plain geopandas.

Run::

    python benchmarks/bench_read.py                          # the sample county's 宗地.shp
    python benchmarks/bench_read.py --path big/宗地.shp --runs 5

For each engine (pyogrio, the default, and fiona, the optional extra) it times
``ruian_land.io.read_parcels`` (encoding detection, CRS checks, repair-free read, area in 亩) and
plain ``geopandas.read_file(path, engine=..., encoding="gbk")`` doing the bare read, in the same
run, and prints one row each: median and worst seconds of ``--runs`` and the ratio to the plain
pyogrio read. Nothing is written.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd

from ruian_land.core import InputWarning
from ruian_land.io import read_parcels

DEFAULT = Path(__file__).resolve().parents[1] / "data" / "parcels" / "宗地.shp"


def _time(fn: Callable[[], Any], runs: int) -> tuple[float, float, int]:
    times, rows = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        rows = len(fn())
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times), rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", type=Path, default=DEFAULT)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    engines = ["pyogrio"] + (["fiona"] if importlib.util.find_spec("fiona") else [])
    rows: list[tuple[str, float, float, int]] = []
    warnings.simplefilter("ignore", InputWarning)
    for engine in engines:
        rows.append((f"geopandas.read_file engine={engine}", *_time(
            lambda e=engine: gpd.read_file(args.path, engine=e, encoding="gbk"), args.runs)))  # fmt: skip
        rows.append((f"ruian_land.io.read_parcels engine={engine}", *_time(
            lambda e=engine: read_parcels(args.path, engine=e), args.runs)))  # fmt: skip
    base = rows[0][1]
    print(f"{args.path} ({rows[0][3]} features), {args.runs} runs")
    print(f"{'reader':48} {'median s':>9} {'worst s':>9} {'× plain pyogrio':>16}")
    for name, med, worst, _ in rows:
        print(f"{name:48} {med:9.3f} {worst:9.3f} {med / base:16.2f}")
    if "fiona" not in engines:
        print("fiona not installed (pip install 'ruian-land[fiona]'): fiona rows skipped")


if __name__ == "__main__":
    main()
