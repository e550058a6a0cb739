"""Cell parsing of the bureaus' number columns: ruian-land's parser against plain pandas.

Run: ``python3 benchmarks/bench_parse.py [--cells 1000000]``. Prints wall seconds for

* ``pandas.to_numeric(errors="coerce")`` — the plain baseline (reads ``1234.5`` but turns
  ``1,234.5``, ``(12)``, ``12%`` and full-width digits into NaN, and says nothing);
* ``parse_numbers`` — ruian-land's vectorised parser (all of those, plus the list of cells it
  could not read);
* the per-cell reference (:func:`ruian_land.io.parse._number` in a Python loop), which
  ``parse_numbers`` replaced — to show what vectorising bought.

The cells are a bureau-like mix: 70 % plain numbers as text, 10 % with thousands separators,
5 % blanks and dashes, 5 % percentages, 5 % floats, 5 % full-width or bracketed negatives.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

from ruian_land.io import parse_numbers
from ruian_land.io.parse import _number


def cells(n: int, seed: int = 1) -> pd.Series:
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 500.0, n).round(2)
    kind = rng.choice(6, n, p=[0.70, 0.10, 0.05, 0.05, 0.05, 0.05])
    out = np.empty(n, dtype=object)
    out[kind == 0] = [f"{v}" for v in x[kind == 0]]
    out[kind == 1] = [f"{v:,.2f}" for v in x[kind == 1]]
    out[kind == 2] = rng.choice(["", "—", "-", "/", "NA"], int((kind == 2).sum()))
    out[kind == 3] = [f"{v / 100:.1f}%" for v in x[kind == 3]]
    out[kind == 4] = x[kind == 4]
    out[kind == 5] = [f"({v})" for v in x[kind == 5]]
    return pd.Series(out, dtype=object)


def per_cell(series: pd.Series) -> np.ndarray:
    out = np.empty(len(series))
    for i, v in enumerate(series):
        num = _number(v)
        out[i] = math.nan if num is None else num
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=1_000_000)
    n = ap.parse_args().cells
    s = cells(n)
    parse_numbers(cells(1000, seed=2))  # warm up: Arrow's regex kernels compile on first use
    rows = []
    t = time.perf_counter()
    base = pd.to_numeric(s, errors="coerce")
    rows.append(("pandas.to_numeric (baseline)", time.perf_counter() - t, int(base.notna().sum())))
    t = time.perf_counter()
    ours = parse_numbers(s)
    rows.append(("ruian-land parse_numbers", time.perf_counter() - t, int(ours.notna().sum())))
    t = time.perf_counter()
    ref = per_cell(s)
    rows.append(("per-cell reference (before)", time.perf_counter() - t, int(np.isfinite(ref).sum())))
    assert np.allclose(ours.to_numpy(), ref, equal_nan=True), "parse_numbers differs from the reference"
    print(f"{n:,} cells")
    print(f"{'method':32s} {'seconds':>8s} {'numbers read':>13s}")
    for name, sec, read in rows:
        print(f"{name:32s} {sec:8.2f} {read:13,d}")


if __name__ == "__main__":
    main()
