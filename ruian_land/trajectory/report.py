"""The path as tables: targets by year, the waterfall, what it takes, the lever rules used; and
the ``summary.json`` ``trajectory`` dict built from them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ruian_land.rules import RuleSet
from ruian_land.trajectory.investment import INVESTMENT_METRICS
from ruian_land.trajectory.levers import LEVER_ORDER, LEVER_RULES, LEVER_ZH
from ruian_land.trajectory.targets import TARGETS

__all__ = ["Trajectory", "assumptions_table", "final_year_rows", "summary_dict", "targets_table"]


@dataclass
class Trajectory:
    """The three-year path (issue 14).

    Attributes
    ----------
    targets : DataFrame
        One row per (year, target): ``year``, ``indicator`` (key), ``label_zh``, ``unit``,
        ``value``, ``target``, ``gap`` (target − value, positive = short), ``met``, ``province``
        (comparison figure, NaN = none), ``path_status`` (``projected`` | ``reported`` — read from a table, never projected | ``no data``),
        ``data_table`` (the table that answers it).
    waterfall : DataFrame
        One row per (year, indicator): ``base`` (data year), ``lever_<name>`` per lever of
        :data:`LEVER_ORDER` (the change it makes), ``value`` = base + Σ levers.
    what_it_takes : DataFrame
        :data:`~ruian_land.trajectory.solve.WHAT_IT_TAKES_COLUMNS`, final year.
    assumptions : DataFrame
        The lever rules used: ``key``, ``value``, ``unit``, ``source``, ``rule_status``.
    years : list of int
        The projected years; ``base_year`` the data year.
    growth : DataFrame
        The incumbent growth rates estimated from ``firm_history``
        (:data:`~ruian_land.trajectory.history.ESTIMATE_COLUMNS`); empty without that table.
    """

    targets: pd.DataFrame
    waterfall: pd.DataFrame
    what_it_takes: pd.DataFrame
    assumptions: pd.DataFrame
    years: list[int] = field(default_factory=list)
    base_year: int = 0
    growth: pd.DataFrame = field(default_factory=pd.DataFrame)


#: Targets read from a table for the years it gives, never projected (path_status ``reported``).
READ_ONLY: frozenset[str] = frozenset({"industrial_supply_share", *INVESTMENT_METRICS})


def targets_table(
    wf: pd.DataFrame,
    rules: RuleSet,
    years: list[int],
    has_data: dict[str, bool],
    given: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Targets by year from the waterfall (every target in every year; ``no data`` named).

    ``given``: target → what its table does give (e.g. ``the table gives 2019–2021``), added to
    ``data_table`` of a year it cannot answer."""
    given = given or {}
    rows = []
    value = {
        (int(y), str(t)): float(v) for y, t, v in zip(wf["year"], wf["indicator"], wf["value"], strict=True)
    }
    for year in years:
        for t in TARGETS:
            goal = float(rules.value(t.rule))
            v = value.get((year, t.key), math.nan)
            known = (
                t.needs != "never" and (t.needs == "" or has_data.get(t.needs, False)) and math.isfinite(v)
            )
            province = float(rules.value(t.province_rule)) if t.province_rule else math.nan
            rows.append({
                "year": year, "indicator": t.key, "label_zh": t.zh, "unit": t.unit,
                "value": v if known else math.nan, "target": goal,
                "gap": goal - v if known else math.nan, "met": bool(known and v >= goal - 1e-9) if known else None,
                "province": province, "path_status": (("reported" if t.key in READ_ONLY else "projected") if known else "no data"),
                "data_table": t.table if known or t.key not in given else f"{t.table}; {given[t.key]}",
            })  # fmt: skip
    return pd.DataFrame(rows)


def assumptions_table(rules: RuleSet) -> pd.DataFrame:
    """The rules the path reads (levers, ranges, 标准地 rates, targets) with value, unit, source, status."""
    keys = [*LEVER_RULES.values()]
    keys += [k for k in rules if str(k).startswith("trajectory.range.")]
    keys += [k for k in rules if str(k).startswith(("standard_land.", "reference."))]
    keys += [t.rule for t in TARGETS]
    rows, seen = [], set()
    for k in keys:
        if k in seen or k not in rules:
            continue
        seen.add(k)
        r = rules[k]
        rows.append(
            {"key": k, "value": str(r.value), "unit": r.unit, "source": r.source, "rule_status": r.status}
        )
    return pd.DataFrame(rows)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def summary_dict(tr: Trajectory) -> dict[str, Any]:
    """``summary.json`` ``trajectory``: ``years`` → target → value, target, gap, met, status,
    contributions (lever → change); ``final_year``, ``lever_order``, ``what_it_takes`` and
    ``growth`` (rule → rate used and where it came from: ``firm_history``, ``rule`` or ``user``)."""
    wf = {(int(r["year"]), str(r["indicator"])): r for r in tr.waterfall.to_dict(orient="records")}
    years: dict[str, Any] = {}
    for r in tr.targets.to_dict(orient="records"):
        entry = {"value": _clean(r["value"]), "target": _clean(r["target"]), "gap": _clean(r["gap"]),
                 "met": r["met"], "status": r["path_status"], "province": _clean(r["province"])}  # fmt: skip
        w = wf.get((int(r["year"]), str(r["indicator"])))
        if r["path_status"] != "no data" and w is not None:
            entry["base"] = _clean(float(w["base"]))
            entry["contributions"] = {lv: _clean(float(w[f"lever_{lv}"])) for lv in LEVER_ORDER}
        else:
            entry["table"] = r["data_table"]
        years.setdefault(str(r["year"]), {})[str(r["indicator"])] = entry
    return {
        "base_year": tr.base_year,
        "final_year": max(tr.years) if tr.years else None,
        "lever_order": list(LEVER_ORDER),
        "lever_zh": dict(LEVER_ZH),
        "years": years,
        "what_it_takes": [
            {k: _clean(v) for k, v in row.items()} for row in tr.what_it_takes.to_dict(orient="records")
        ],
        "growth": {
            str(r["rule"]): {
                "used": _clean(float(r["used"])),
                "from": str(r["used_from"]),
                "estimate": _clean(float(r["estimate"])),
                "years": str(r["years"]),
                "panel_firms": int(r["panel_firms"]),
            }
            for r in tr.growth.to_dict(orient="records")
        }
        if len(tr.growth)
        else {},
    }


def _fmt(v: Any, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "fraction" or unit == "fraction/year":
        return f"{100 * float(v):.2f} %"
    if float(v).is_integer() or abs(float(v)) >= 1000:
        return f"{float(v):,.0f}"
    return f"{float(v):,.1f}"


def final_year_rows(trajectory: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, text) rows of the final year's targets with a met ✓ / missed ✗ / no data mark, for
    the CLI summary (from ``summary.json`` ``trajectory``; none without it)."""
    if not trajectory or trajectory.get("final_year") is None:
        return []
    year = str(trajectory["final_year"])
    rows = [(f"{year} 目标 target path (value / target)", "met ✓ · missed ✗")]
    units = {t.key: t.unit for t in TARGETS}
    for t in TARGETS:
        e = trajectory.get("years", {}).get(year, {}).get(t.key)
        if e is None:
            continue
        if e.get("status") == "no data":
            rows.append((f"  {t.zh}", f"no data (needs {e.get('table')})"))
            continue
        mark = "✓" if e.get("met") else "✗"
        rows.append(
            (
                f"  {t.zh}",
                f"{_fmt(e.get('value'), units[t.key])} / {_fmt(e.get('target'), units[t.key])} {mark}",
            )
        )
    return rows
