"""The quantified targets of plan §二 the path follows, and the table each needs.

Every target is listed in every year: one the data cannot speak to has status ``no data`` and
names the table that would answer it (never dropped, never invented). Target values come from
the ``targets.*`` rules (plan), provincial comparison figures from ``reference.*`` (RULES.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TARGETS", "TargetDef"]


@dataclass(frozen=True)
class TargetDef:
    """One target: its key, Chinese name, unit, target rule, comparison rule, the data it needs."""

    key: str
    zh: str
    unit: str
    rule: str
    province_rule: str | None
    needs: str  # the Basis.has_data key ('' = always there); 'never' = no source yet
    table: str  # the table (source) that answers it
    levers: tuple[str, ...]  # what-it-takes: Levers fields that feed it (searched one at a time)


TARGETS: tuple[TargetDef, ...] = (
    TargetDef("tax_per_mu", "规上工业亩均税收", "万元/亩", "targets.tax_per_mu", "reference.zhejiang_tax_per_mu",
              "", "tax (税务局), parcels", ("growth_tax", "upgrade_gap_closed", "reuse_tax_per_mu", "far_uptake_per_year")),
    TargetDef("value_added_per_mu", "规上工业亩均增加值", "万元/亩", "targets.value_added_per_mu",
              "reference.zhejiang_value_added_per_mu", "", "statistics (统计局 工业增加值), parcels",
              ("growth_value_added", "upgrade_gap_closed", "reuse_value_added_per_mu", "far_uptake_per_year")),
    TargetDef("labour_productivity", "规上制造业全员劳动生产率", "万元/人", "targets.labour_productivity", None,
              "employees", "statistics (年平均职工人数)", ("growth_value_added", "growth_employees", "upgrade_gap_closed")),
    TargetDef("energy_intensity_drop", "单位工业增加值能耗下降", "fraction", "targets.energy_intensity_drop", None,
              "energy", "energy (发改局 综合能耗), statistics", ("growth_energy", "growth_value_added", "upgrade_gap_closed")),
    TargetDef("rd_intensity", "规上制造业R&D经费占营业收入比重", "fraction", "targets.rd_intensity", None,
              "rd", "statistics (研发费用, 营业收入)", ("growth_rd", "growth_revenue")),
    TargetDef("firms_exited", "淘汰落后产能企业", "firms", "targets.firms_exited", None, "", "scenario (registry)", ()),
    TargetDef("firms_upgraded", "整治提升企业", "firms", "targets.firms_upgraded", None, "", "scenario (registry)", ()),
    TargetDef("freed_area_mu", "腾出低效工业用地", "亩", "targets.freed_area_mu", None, "", "scenario (parcels)", ()),
    TargetDef("freed_energy_tce", "腾出用能", "tce", "targets.freed_energy_tce", None, "", "scenario (energy)", ()),
    TargetDef("co2_reduction_t", "减少碳排放", "t CO2", "targets.co2_reduction_t", None, "", "scenario (energy)", ()),
    TargetDef("major_projects", "10亿元以上重大制造业项目", "projects", "targets.major_projects", None,
              "projects", "projects (项目名称, 总投资(万元), 落地年份 …)", ()),
    TargetDef("manufacturing_investment", "完成制造业投资(规划期累计)", "万元", "targets.manufacturing_investment_wan",
              None, "investment", "investment (统计局: 年度, 制造业投资(含技改)) for every plan year", ()),
    TargetDef("manufacturing_investment_growth", "制造业投资年均增长", "fraction/year",
              "targets.manufacturing_investment_growth", None, "investment",
              "investment (统计局: 年度, 制造业投资(含技改)) incl. the year before the plan", ()),
    TargetDef("industrial_investment_share", "工业投资占固定资产投资比重", "fraction",
              "targets.industrial_investment_share", None, "investment",
              "investment (统计局: 年度, 工业投资, 固定资产投资)", ()),
    TargetDef("industrial_supply_share", "工业用地占供地比例", "fraction", "control_line.industrial_share_of_supply_min",
              None, "supply", "land_supply (出让年度, 土地用途, 出让面积)", ()),
)  # fmt: skip
