"""One call for the path: :func:`project_trajectory` from the stage results' frames."""

from __future__ import annotations

import pandas as pd

from ruian_land.rules import RuleSet
from ruian_land.scenario import remedy_table
from ruian_land.trajectory.basis import Basis, build_basis
from ruian_land.trajectory.history import estimate_growth
from ruian_land.trajectory.investment import INVESTMENT_METRICS
from ruian_land.trajectory.levers import levers_from_rules
from ruian_land.trajectory.path import waterfall
from ruian_land.trajectory.report import Trajectory, assumptions_table, targets_table
from ruian_land.trajectory.solve import what_it_takes

__all__ = ["project_basis", "project_trajectory"]


def _given(basis: Basis) -> dict[str, str]:
    """What the read-only tables do give, for the years they cannot answer."""
    out: dict[str, str] = {}
    for key, table, col in (
        ("investment", basis.investment, "year"),
        ("supply", basis.supply_share, "year"),
    ):
        if table is None or col not in table.columns:
            continue
        ys = sorted({int(y) for y in pd.to_numeric(table[col], errors="coerce").dropna()})
        text = (
            f"the table gives {ys[0]}–{ys[-1]}"
            if len(ys) > 1
            else (f"the table gives {ys[0]}" if ys else "the table is empty")
        )
        keys = INVESTMENT_METRICS if key == "investment" else ("industrial_supply_share",)
        out.update(dict.fromkeys(keys, text))
    return out


def project_basis(basis: Basis, rules: RuleSet) -> Trajectory:
    """The path from a prepared :class:`Basis` (the years of ``targets.years``)."""
    years = sorted(int(y) for y in rules.value("targets.years"))
    lv = levers_from_rules(rules)
    major = float(rules.value("targets.major_project_investment_wan"))
    wf = waterfall(basis, lv, years, major_wan=major)
    tt = targets_table(wf, rules, years, basis.has_data, _given(basis))
    wit = what_it_takes(basis, lv, rules, max(years), major_wan=major)
    return Trajectory(tt, wf, wit, assumptions_table(rules), years, basis.base_year)


def project_trajectory(
    firms: pd.DataFrame,
    selection: pd.DataFrame,
    freed_parcels: pd.DataFrame,
    rules: RuleSet,
    *,
    base_year: int,
    benchmarks: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    screening_parcels: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    supply_share: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    investment: pd.DataFrame | None = None,
) -> Trajectory:
    """Every target of plan §二 year by year from ``base_year``, with the levers' waterfall and what it takes.

    Parameters
    ----------
    firms, selection, freed_parcels, rules, base_year, benchmarks, links, screening_parcels, projects, supply_share
        As for :func:`ruian_land.trajectory.build_basis` (the remedy effects come from the rules).
    history : DataFrame, optional
        Earlier years' figures of the same firms (``firm_history``): the incumbent growth rates are
        estimated from them (:func:`ruian_land.trajectory.estimate_growth`) in place of the
        ``trajectory.growth_*`` assumption rules the user did not override; the rates used and their
        source are in ``Trajectory.growth`` and ``Trajectory.assumptions``.
    investment : DataFrame, optional
        The 统计局 investment table (``year``, ``manufacturing_investment_wan``,
        ``industrial_investment_wan``, ``fixed_asset_investment_wan``): the three investment
        targets of plan §二 are read from it (never projected).

    Returns
    -------
    Trajectory
    """
    growth = estimate_growth(history, firms, base_year, rules)
    if growth.overrides:
        rules = rules.with_overrides(growth.overrides)
    table = remedy_table(rules)
    basis = build_basis(
        firms, selection, freed_parcels, table, rules, base_year=base_year, benchmarks=benchmarks,
        links=links, screening_parcels=screening_parcels, projects=projects, supply_share=supply_share,
        investment=investment,
    )  # fmt: skip
    tr = project_basis(basis, rules)
    tr.growth = growth.table
    return tr
