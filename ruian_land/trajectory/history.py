"""Incumbent growth from the firms' own history (issue 14, lever e).

When the project gives earlier years' evaluation figures (the optional ``firm_history`` source:
统一社会信用代码, 年度, 税收, 工业增加值, 综合能耗, 从业人员, 营业收入, 研发费用), the growth rates of the
``growth`` lever are estimated from them instead of taken from the ``trajectory.growth_*``
assumption rules:

* the panel is the county 规上 stock of the data year (as in :func:`ruian_land.trajectory.build_basis`)
  restricted to the firms with a positive figure in **every** year used (a balanced panel, so
  entry and exit do not pass for growth);
* the rate is ``exp(b) − 1`` of the least-squares line ``log Σ_y = a + b·y`` through the panel
  totals of each year — with two years exactly the compound annual growth rate
  ``(Σ_base / Σ_first) ** (1 / (base − first)) − 1``;
* fewer than ``trajectory.history_min_firms`` firms in the panel, or fewer than two years, keeps
  the assumption rule (and says why); a rate outside ``trajectory.range.growth_*`` is clipped to it
  (and says so);
* a rule the user overrode in the config is never replaced.

The estimates come back as rule overrides with status ``data`` and a source that names the years,
the panel and the method, so the 假设 sheet of 目标路径.xlsx shows where each rate came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import is_in
from ruian_land.rules import RuleSet
from ruian_land.scenario import numeric_column, stock_mask

__all__ = ["GROWTH_MEASURES", "GrowthEstimate", "estimate_growth"]

#: growth rule key → (column of firm_history, column of the evaluated firms, Chinese label).
GROWTH_MEASURES: dict[str, tuple[str, str, str]] = {
    "trajectory.growth_tax": ("tax_wan", "tax_wan", "税收"),
    "trajectory.growth_value_added": ("value_added_wan", "value_added_wan", "工业增加值"),
    "trajectory.growth_energy": ("energy_tce", "energy_tce_primary", "综合能耗"),
    "trajectory.growth_employees": ("employees", "employees", "从业人员"),
    "trajectory.growth_revenue": ("revenue_wan", "revenue_wan", "营业收入"),
    "trajectory.growth_rd": ("rd_wan", "rd_wan", "研发费用"),
}

ESTIMATE_COLUMNS: tuple[str, ...] = (
    "rule",
    "label_zh",
    "years",
    "panel_firms",
    "first_total",
    "base_total",
    "estimate",
    "used",
    "used_from",
    "note",
)


@dataclass
class GrowthEstimate:
    """The growth rates estimated from ``firm_history``.

    Attributes
    ----------
    table : DataFrame
        One row per growth rule (:data:`ESTIMATE_COLUMNS`): the years used (``"2019,2020,2021"``),
        the panel size, the panel totals of the first and the data year, the estimated rate
        (fraction/year, NaN when none), the rate ``used`` and where it came from (``firm_history``
        | ``rule`` | ``user``), and a note when the estimate was not used or was clipped.
    overrides : dict
        Rule key → ``{value, unit, source, status: "data"}`` for :meth:`RuleSet.with_overrides`.
    """

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(ESTIMATE_COLUMNS)))
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)


def _rate(years: np.ndarray, totals: np.ndarray) -> float:
    """exp(slope) − 1 of log(totals) on years (least squares; the CAGR for two years)."""
    slope = np.polyfit(years.astype(float), np.log(totals), 1)[0]
    return float(math.expm1(slope))


def estimate_growth(
    history: pd.DataFrame | None, firms: pd.DataFrame, base_year: int, rules: RuleSet
) -> GrowthEstimate:
    """Incumbent growth rates from earlier years' figures of the same firms.

    Parameters
    ----------
    history : DataFrame or None
        The parsed ``firm_history`` table, one row per (firm, year): ``uscc``, ``year`` and any of
        ``tax_wan``, ``value_added_wan``, ``energy_tce`` (等价值), ``employees``, ``revenue_wan``,
        ``rd_wan``. Rows of the data year or later are not used (the data year comes from the
        current tables); several rows of one firm and year are added up. None → nothing estimated.
    firms : DataFrame
        Evaluated firms of the data year (``uscc``, ``above_scale``, ``land_area_mu`` and the
        columns of :data:`GROWTH_MEASURES`); index not used.
    base_year : int
        The data year.
    rules : RuleSet
        ``trajectory.history_min_firms``, ``trajectory.range.growth_*`` and the
        ``trajectory.growth_*`` rules (their unit, and whether the user overrode them).

    Returns
    -------
    GrowthEstimate
        Empty when ``history`` is None.
    """
    if history is None:
        return GrowthEstimate()
    min_firms = int(rules.value("trajectory.history_min_firms"))
    stock = firms[stock_mask(firms)]
    stock_uscc = stock["uscc"].astype(str)
    hist = history.assign(uscc=history["uscc"].astype(str), year=numeric_column(history, "year"))
    hist = hist[hist["year"].notna() & (hist["year"] < base_year) & is_in(hist["uscc"], stock_uscc)]
    rows, overrides = [], {}
    for key, (hcol, fcol, label) in GROWTH_MEASURES.items():
        rule = rules[key]
        lo, hi = (float(x) for x in rules.value(f"trajectory.range.{key.split('.', 1)[1]}"))
        row: dict[str, Any] = {"rule": key, "label_zh": label, "years": "", "panel_firms": 0,
                               "first_total": math.nan, "base_total": math.nan, "estimate": math.nan,
                               "used": float(rule.value), "used_from": "rule", "note": ""}  # fmt: skip
        if rule.status == "user":
            row["used_from"] = "user"
        if hcol not in hist.columns or not numeric_column(hist, hcol).gt(0).any():
            row["note"] = f"firm_history has no {label} ({hcol}) column or no positive figure"
            rows.append(row)
            continue
        wide = (
            hist.assign(v=numeric_column(hist, hcol))
            .dropna(subset=["v"])
            .pivot_table(index="uscc", columns="year", values="v", aggfunc="sum")
        )
        current = pd.Series(numeric_column(stock, fcol).to_numpy(), index=stock_uscc.to_numpy())
        wide[float(base_year)] = current[~current.index.duplicated()].reindex(wide.index).to_numpy()
        wide = wide.reindex(columns=sorted(wide.columns))
        panel = wide[(wide > 0).all(axis=1)]
        years = np.asarray(wide.columns, dtype=float)
        row["years"] = ",".join(str(int(y)) for y in years)
        row["panel_firms"] = len(panel)
        if len(years) < 2 or len(panel) < min_firms:
            row["note"] = (
                f"{len(panel)} firms with {label} > 0 in every year {row['years']} "
                f"(fewer than trajectory.history_min_firms = {min_firms}): the rule is used"
            )
            rows.append(row)
            continue
        totals = panel.sum(axis=0).to_numpy(dtype=float)
        est = _rate(years, totals)
        used = min(max(est, lo), hi)
        row.update(first_total=float(totals[0]), base_total=float(totals[-1]), estimate=est)
        if used != est:
            row["note"] = f"estimate {est:.4f} clipped to the plausible range [{lo}, {hi}]"
        if row["used_from"] == "user":
            row["note"] = "overridden in the project config: the estimate is shown, not used"
        else:
            row.update(used=used, used_from="firm_history")
            overrides[key] = {
                "value": used,
                "unit": rule.unit,
                "source": (
                    f"firm_history {row['years']}: {len(panel)} 规上 firms with {label} > 0 in every "
                    f"year, log-linear trend of their total ({'CAGR' if len(years) == 2 else 'least squares'})"
                    + ("; clipped to trajectory.range" if used != est else "")
                ),
                "status": "data",
            }
        rows.append(row)
    return GrowthEstimate(pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS)), overrides)
