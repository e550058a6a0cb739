"""``python -m ruian_land.sample --out data --seed 20211130 [--scale 1]``: (re)generate the
sample county's files; ``--province --parcels 1000000 --out /tmp/prov``: the province-scale set
(the county tiled, :mod:`ruian_land.sample.province`)."""

from __future__ import annotations

import argparse
import sys
import time

from ruian_land.sample import DEFAULT_SEED, generate_province, generate_sample

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m ruian_land.sample", description=__doc__)
    parser.add_argument("--out", default="data", help="output folder (default: data)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the counts (default: 1)")
    parser.add_argument(
        "--province", action="store_true", help="tile the county into a province-scale set (see --parcels)"
    )
    parser.add_argument(
        "--parcels", type=int, default=1_000_000, help="--province: parcel records wanted (default: 1000000)"
    )
    parser.add_argument(
        "--tiles", type=int, default=None, help="--province: number of tiles (wins over --parcels)"
    )
    parser.add_argument(
        "--base-scale", type=float, default=2.0, help="--province: scale of the tiled county (default: 2)"
    )
    parser.add_argument(
        "--formats",
        default="mix,geoparquet",
        help="--province: mix (shapefile/xlsx/csv) and/or geoparquet, comma-separated (default: both)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.province:
            formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
            unknown = sorted(set(formats) - {"mix", "geoparquet"})
            if unknown or not formats:
                parser.error(f"--formats: unknown {unknown}; use mix and/or geoparquet")
            paths = generate_province(
                args.out,
                args.parcels,
                seed=args.seed,
                base_scale=args.base_scale,
                tiles=args.tiles,
                formats=formats,
            )
        else:
            paths = generate_sample(args.out, seed=args.seed, scale=args.scale)
    except ValueError as exc:
        parser.error(str(exc))
    for name, path in paths.items():
        sys.stdout.write(f"{name:20s} {path}\n")
    sys.stdout.write(f"written in {time.perf_counter() - start:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
