"""The levers of the three-year path (issue 14), each read from a ``trajectory.*`` rule.

Levers are applied one at a time in the fixed order :data:`LEVER_ORDER`; a year's figure is the
base-year figure plus one step per lever (the waterfall), each step being the change the lever
makes given the levers before it (a sequential, exact decomposition):

1. ``clearance`` — the scenario's picks by year (关停退出, 整体腾退, 搬迁入园 take the firm out of the
   规上 stock; 兼并重组 keeps ``scenario.merge_*_kept``; partial release gives land back).
2. ``upgrade`` — 改造提升 / 兼并重组 firms close ``trajectory.upgrade_gap_closed`` of their gap to
   the evaluation benchmark of their rank group (亩均税收, 亩均增加值, 单位能耗增加值).
3. ``growth`` — incumbents' tax, 增加值, energy, jobs, revenue and R&D grow by ``trajectory.growth_*``
   a year from the data year (assumptions: one year of tables).
4. ``reuse`` — freed (and idle) land re-let ``trajectory.reuse_lag_years`` after freeing at the
   标准地 indicators of the industries taking it, ramping up by ``trajectory.ramp``.
5. ``far`` — 提容增效 (plan §四(二)): parcels below their industry FAR build ``trajectory.
   far_uptake_per_year`` of the floor-space gap a year, adding ``far_yield_factor`` of the firm's
   own yield per m².
6. ``projects`` — the optional ``projects`` table (招大引强), ramping up by ``trajectory.ramp``.

Every default is an assumption unless its rule says otherwise; the sample county is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ruian_land.rules import RuleSet

__all__ = ["LEVER_ORDER", "LEVER_RULES", "LEVER_ZH", "Levers", "levers_from_rules"]

#: The order in which levers are applied (and attributed) in the waterfall.
LEVER_ORDER: tuple[str, ...] = ("clearance", "upgrade", "growth", "reuse", "far", "projects")
#: Chinese name of each lever.
LEVER_ZH: dict[str, str] = {
    "clearance": "腾退整治(情景选择)",
    "upgrade": "改造提升/兼并重组",
    "growth": "存量企业增长",
    "reuse": "腾出及闲置土地再利用",
    "far": "提容增效",
    "projects": "招大引强项目",
}
#: Field of :class:`Levers` → rule key (what the 假设 sheet lists and what-it-takes changes).
LEVER_RULES: dict[str, str] = {
    "upgrade_remedies": "trajectory.upgrade_remedies",
    "upgrade_gap_closed": "trajectory.upgrade_gap_closed",
    "growth_tax": "trajectory.growth_tax",
    "growth_value_added": "trajectory.growth_value_added",
    "growth_energy": "trajectory.growth_energy",
    "growth_employees": "trajectory.growth_employees",
    "growth_revenue": "trajectory.growth_revenue",
    "growth_rd": "trajectory.growth_rd",
    "reuse_share": "trajectory.reuse_share",
    "reuse_idle_land": "trajectory.reuse_idle_land",
    "reuse_lag_years": "trajectory.reuse_lag_years",
    "ramp": "trajectory.ramp",
    "reuse_industry_mix": "trajectory.reuse_industry_mix",
    "reuse_tax_per_mu": "trajectory.reuse_tax_per_mu",
    "reuse_value_added_per_mu": "trajectory.reuse_value_added_per_mu",
    "far_uptake_per_year": "trajectory.far_uptake_per_year",
    "far_yield_factor": "trajectory.far_yield_factor",
}


@dataclass(frozen=True)
class Levers:
    """The lever values of one projection (see the module docstring); the re-let land's rates
    ``reuse_*`` are resolved from the industry mix when the rule is null."""

    upgrade_remedies: tuple[str, ...]
    upgrade_gap_closed: float
    growth_tax: float
    growth_value_added: float
    growth_energy: float
    growth_employees: float
    growth_revenue: float
    growth_rd: float
    reuse_share: float
    reuse_idle_land: bool
    reuse_lag_years: int
    ramp: tuple[float, ...]
    reuse_tax_per_mu: float
    reuse_value_added_per_mu: float
    reuse_value_added_per_tce: float
    reuse_output_per_mu: float
    reuse_rd_intensity: float
    far_uptake_per_year: float
    far_yield_factor: float

    def with_value(self, name: str, value: float) -> Levers:
        """A copy with one numeric lever changed (what-it-takes)."""
        changes: dict[str, Any] = {name: float(value)}
        return replace(self, **changes)


def _mix_rates(rules: RuleSet) -> dict[str, float]:
    """Area-weighted 标准地 rates of the industries taking re-let land (``trajectory.reuse_industry_mix``)."""
    v = rules.value
    mix: dict[str, Any] = dict(v("trajectory.reuse_industry_mix") or {"standard_land": 1.0})
    table: dict[str, Any] = dict(v("standard_land.by_industry") or {})
    own = {
        "tax_per_mu": float(v("standard_land.tax_per_mu")),
        "value_added_per_mu": float(v("standard_land.value_added_per_mu")),
        "value_added_per_tce": float(v("standard_land.value_added_per_tce")),
        "rd_intensity": float(v("standard_land.rd_intensity")),
    }
    total = sum(float(s) for s in mix.values()) or 1.0
    out = dict.fromkeys(own, 0.0)
    for name, share in mix.items():
        row = own if name == "standard_land" else {**own, **table.get(str(name), {})}
        if name != "standard_land" and str(name) not in table:
            raise KeyError(
                f"trajectory.reuse_industry_mix names {name!r}, not a row of standard_land.by_industry"
            )
        for k in out:
            out[k] += float(share) / total * float(row[k])
    return out


def levers_from_rules(rules: RuleSet) -> Levers:
    """The levers as the rules set them (``trajectory.*``, ``standard_land.*``)."""
    v = rules.value
    rates = _mix_rates(rules)
    tax = v("trajectory.reuse_tax_per_mu")
    va = v("trajectory.reuse_value_added_per_mu")
    return Levers(
        upgrade_remedies=tuple(str(r) for r in v("trajectory.upgrade_remedies")),
        upgrade_gap_closed=float(v("trajectory.upgrade_gap_closed")),
        growth_tax=float(v("trajectory.growth_tax")),
        growth_value_added=float(v("trajectory.growth_value_added")),
        growth_energy=float(v("trajectory.growth_energy")),
        growth_employees=float(v("trajectory.growth_employees")),
        growth_revenue=float(v("trajectory.growth_revenue")),
        growth_rd=float(v("trajectory.growth_rd")),
        reuse_share=float(v("trajectory.reuse_share")),
        reuse_idle_land=bool(v("trajectory.reuse_idle_land")),
        reuse_lag_years=int(v("trajectory.reuse_lag_years")),
        ramp=tuple(float(x) for x in v("trajectory.ramp")),
        reuse_tax_per_mu=rates["tax_per_mu"] if tax is None else float(tax),
        reuse_value_added_per_mu=rates["value_added_per_mu"] if va is None else float(va),
        reuse_value_added_per_tce=rates["value_added_per_tce"],
        reuse_output_per_mu=float(v("standard_land.output_per_mu")),
        reuse_rd_intensity=rates["rd_intensity"],
        far_uptake_per_year=float(v("trajectory.far_uptake_per_year")),
        far_yield_factor=float(v("trajectory.far_yield_factor")),
    )
