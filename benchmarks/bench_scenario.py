"""Time the 腾笼换鸟 optimiser on a synthetic county of ~2 000 candidate firms.

Run: ``python benchmarks/bench_scenario.py [n_candidates] [seed]``. Writes one line per run
(build / solve seconds, status, summary figures) to stdout. The instance: every firm is a
flagged candidate on its own parcel (2–40 亩), one in seven also leases 1 亩 of its
neighbour's parcel, and the plan's default targets (1000 亩, 3万 tce, 6万 t CO₂, 200 exits,
300 upgrades) apply.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from ruian_land.rules import load_rules
from ruian_land.scenario import optimise
from ruian_land.screening import Screening


def synthetic(n: int, seed: int = 1) -> tuple[Screening, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A screening result with ``n`` flagged candidate firms (C/D classes)."""
    rng = np.random.default_rng(seed)
    rules = load_rules()
    uscc = [f"U{i:05d}" for i in range(n)]
    pid = [f"P{i:05d}" for i in range(n)]
    area = rng.uniform(2, 40, n)
    links = pd.DataFrame({"uscc": uscc, "parcel_id": pid, "land_area_mu": area})
    tenants = np.arange(3, n, 7)
    extra = pd.DataFrame({"uscc": [uscc[i] for i in tenants], "parcel_id": [pid[i - 1] for i in tenants]})
    extra["land_area_mu"] = 1.0
    links = pd.concat([links, extra], ignore_index=True)
    land = links.groupby("uscc")["land_area_mu"].sum()
    tax = area * rng.lognormal(1.2, 0.8, n)
    firms = pd.DataFrame(
        {
            "uscc": uscc,
            "name": uscc,
            "above_scale": rng.random(n) < 0.4,
            "tax_wan": tax,
            "value_added_wan": tax * 5,
            "energy_tce_calorific": rng.lognormal(4.5, 1.2, n),
            "employees": rng.integers(5, 300, n).astype(float),
            "eval_class": rng.choice(["C", "D"], n, p=[0.8, 0.2]),
            "land_area_mu": pd.Series(uscc).map(land).to_numpy(),
        }
    )
    sf = firms.assign(flagged=True, exempt=False, in_scope=True, reason_codes="FAR_LT_MIN", parcel_ids=pid)
    parcels = pd.DataFrame({"parcel_id": pid, "area_mu": area})
    sp = parcels.assign(is_idle=False)
    scr = Screening(parcels=sp, firms=sf, rules=rules, as_of=pd.Timestamp("2021-12-31"))
    return scr, firms, links, parcels


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 2000
    seed = int(argv[2]) if len(argv) > 2 else 1
    rules = load_rules()
    t0 = time.perf_counter()
    scr, firms, links, parcels = synthetic(n, seed)
    t1 = time.perf_counter()
    res = optimise(scr, firms, links, parcels, rules)
    t2 = time.perf_counter()
    s = res.summary
    sys.stdout.write(
        f"n={n} seed={seed} build={t1 - t0:.2f}s solve={t2 - t1:.2f}s status={res.status} "
        f"feasible={s['feasible']} freed_area_mu={s['freed_area_mu']:.1f} "
        f"freed_energy_tce={s['freed_energy_tce']:.0f} exited={s['firms_exited']} "
        f"upgraded={s['firms_upgraded']} tax_lost_wan={s['tax_lost_wan']:.1f} "
        f"tax_per_mu {s['tax_per_mu_before']:.2f} -> {s['tax_per_mu_after']:.2f}\n"
    )


if __name__ == "__main__":
    main(sys.argv)
