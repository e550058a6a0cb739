"""What it takes: for a target the path misses in the final year, the value of one lever (the
others held) that closes it, found by bisection over the lever's plausible range
(``trajectory.range.<lever>``, an assumption); or the note that no plausible value does.

Each lever moves its target one way over the range (raising a growth rate, an upgrade share, a
re-let 亩均税收 or a 提容增效 uptake raises what it feeds; raising energy or headcount growth lowers
the energy-intensity drop or the productivity), so the bisection compares the range's two ends
first and searches between them.
"""

from __future__ import annotations

import math

import pandas as pd

from ruian_land.rules import RuleSet
from ruian_land.trajectory.basis import Basis
from ruian_land.trajectory.levers import LEVER_RULES, Levers
from ruian_land.trajectory.path import figures
from ruian_land.trajectory.targets import TARGETS

__all__ = ["WHAT_IT_TAKES_COLUMNS", "lever_rule", "what_it_takes"]

WHAT_IT_TAKES_COLUMNS: tuple[str, ...] = (
    "indicator", "label_zh", "year", "value", "target", "lever", "rule", "current", "needed",
    "range_low", "range_high", "closes", "note",
)  # fmt: skip


def lever_rule(name: str) -> str:
    """The rule key of a lever field (``reuse_tax_per_mu`` → ``trajectory.reuse_tax_per_mu``)."""
    return LEVER_RULES[name]


def _bisect(f, lo: float, hi: float, goal: float, tol: float) -> float:  # type: ignore[no-untyped-def]
    """The smallest-move x in [lo, hi] with f(x) ≥ goal, f monotone (either way), f(one end) ≥ goal."""
    up = f(hi) >= f(lo)
    a, b = (lo, hi) if up else (hi, lo)  # f(a) < goal ≤ f(b)
    if f(a) >= goal:
        return a
    for _ in range(80):
        mid = (a + b) / 2
        if f(mid) >= goal:
            b = mid
        else:
            a = mid
        if abs(b - a) <= tol:
            break
    return b


def _without_lever(
    key: str, zh: str, rule: str, year: int, value: float, goal: float, major_wan: float
) -> dict[str, object]:
    """The what-it-takes row of a target no lever of the path moves: what would close it instead."""
    row: dict[str, object] = {"indicator": key, "label_zh": zh, "year": year, "value": value, "target": goal,
                              "rule": rule, "closes": False}  # fmt: skip
    if key == "major_projects":
        more = math.ceil(goal - value - 1e-9)
        row.update(lever="projects", needed=float(goal), closes=True, note=(
            f"{more} more project(s) of ≥ {major_wan / 1e4:g} 亿元 landed by {year} (rows of the projects table "
            "with 总投资 at or above targets.major_project_investment_wan and 落地年份 ≤ the year)"))  # fmt: skip
    elif key.startswith(("manufacturing_investment", "industrial_investment")):
        row.update(lever="investment", note="read from the investment table (统计局), not projected: no lever of "
                   "the path moves it")  # fmt: skip
    elif key == "industrial_supply_share":
        row.update(lever="land_supply", note="read from the land_supply table, not projected: more industrial "
                   "land in the year's 供地 closes it")  # fmt: skip
    else:
        row.update(
            lever="scenario", note="set by the scenario's MILP: raise the targets.* rule and re-run simulate"
        )
    return row


def what_it_takes(b: Basis, lv: Levers, rules: RuleSet, year: int, *, major_wan: float) -> pd.DataFrame:
    """One row per (missed target, lever): the lever value that meets the target in ``year``.

    Returns
    -------
    DataFrame
        :data:`WHAT_IT_TAKES_COLUMNS`; ``needed`` NaN and ``closes`` False when no value in the
        plausible range closes the gap; targets with no lever here (counts set by the scenario's
        MILP, tables not given) get one row saying so.
    """
    now = figures(b, lv, year, major_wan=major_wan)
    rows: list[dict[str, object]] = []
    for t in TARGETS:
        goal = float(rules.value(t.rule))
        value = now.get(t.key, math.nan)
        if not math.isfinite(value) or value >= goal:
            continue
        if not t.levers:
            rows.append(_without_lever(t.key, t.zh, t.rule, year, value, goal, major_wan))
            continue
        for name in t.levers:
            lo, hi = (float(x) for x in rules.value(f"trajectory.range.{name}"))
            cur = float(getattr(lv, name))

            def f(x: float, name: str = name, key: str = t.key) -> float:
                return figures(b, lv.with_value(name, x), year, major_wan=major_wan)[key]

            best = max(f(lo), f(hi))
            row = {"indicator": t.key, "label_zh": t.zh, "year": year, "value": value, "target": goal,
                   "lever": name, "rule": lever_rule(name), "current": cur, "range_low": lo, "range_high": hi}  # fmt: skip
            if not math.isfinite(best) or best < goal:
                row.update(closes=False, needed=math.nan,
                           note=f"cannot close it at any plausible value (best {best:.4g} at the range's end)")  # fmt: skip
            else:
                needed = _bisect(f, lo, hi, goal, 1e-9 * max(1.0, abs(hi - lo)))
                row.update(closes=True, needed=needed, note="")
            rows.append(row)
    return pd.DataFrame(rows, columns=list(WHAT_IT_TAKES_COLUMNS))
