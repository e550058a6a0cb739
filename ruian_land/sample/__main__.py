"""``python -m ruian_land.sample --out data --seed 20211130 [--scale 1]``: (re)generate the
sample county's files."""

from __future__ import annotations

import argparse
import sys
import time

from ruian_land.sample import DEFAULT_SEED, generate_sample

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m ruian_land.sample", description=__doc__)
    parser.add_argument("--out", default="data", help="output folder (default: data)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the counts (default: 1)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        paths = generate_sample(args.out, seed=args.seed, scale=args.scale)
    except ValueError as exc:
        parser.error(str(exc))
    for name, path in paths.items():
        sys.stdout.write(f"{name:15s} {path}\n")
    sys.stdout.write(f"written in {time.perf_counter() - start:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
