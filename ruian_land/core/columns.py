"""The one place where Chinese column names meet the project's English names.

* :data:`SCHEMAS`: for each input kind, each canonical field with its Chinese (and English)
  aliases as bureaus write them, the unit scale factor each alias implies
  (``用电量(万千瓦时)`` → ``elec_kwh`` × 10 000), whether it is required, and its type.
* :data:`LABELS_ZH`: Chinese labels (with units) for tooltips and export headers.
* :func:`map_columns`: rename a raw table to canonical names, record the unit scale of each
  matched alias (applied after parsing by :func:`ruian_land.io.parse_columns`), and raise a
  clear :class:`~ruian_land.core.errors.InputError` that lists unmatched required columns and
  the closest headers found.

A project config can add aliases per kind (``columns: {tax: {tax_wan: ["税款(万元)"]}}``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ruian_land.core.errors import InputError

__all__ = [
    "LABELS_ZH",
    "SCHEMAS",
    "Field",
    "label_zh",
    "map_columns",
    "normalise_header",
]


@dataclass(frozen=True)
class Field:
    """A canonical field: aliases (alias → unit scale), requirement and kind."""

    aliases: Mapping[str, float]
    required: bool = False
    kind: str = "str"  # str | float | int | date | bool
    description: str = ""
    extra: tuple[str, ...] = field(default_factory=tuple)


def _a(*names: str, scale: float = 1.0) -> dict[str, float]:
    return dict.fromkeys(names, scale)


_USCC = ("统一社会信用代码", "社会信用代码", "信用代码", "uscc", "USCC")

SCHEMAS: dict[str, dict[str, Field]] = {
    "parcels": {
        "parcel_id": Field(_a("宗地代码", "宗地编码", "宗地号", "地块编号", "ZDDM", "parcel_id"), True),
        "owner_name": Field(_a("权利人", "权利人名称", "土地使用权人", "使用权人", "QLR", "owner_name")),
        "owner_uscc": Field(_a("权利人代码", "权利人证件号", "权利人统一社会信用代码", "owner_uscc")),
        "land_use": Field(_a("土地用途", "用途", "地类名称", "TDYT", "land_use"), True),
        "recorded_area_m2": Field(
            {
                **_a("宗地面积", "宗地面积(平方米)", "登记面积", "ZDMJ", "recorded_area_m2"),
                **_a("宗地面积(亩)", scale=10000 / 15),
            },
            kind="float",
        ),
        "floor_area_m2": Field(
            _a("建筑面积", "建筑面积(平方米)", "总建筑面积", "JZMJ", "floor_area_m2"), kind="float"
        ),
        "footprint_m2": Field(
            _a("建筑占地", "建筑占地面积", "建筑基底面积", "基底面积", "footprint_m2"), kind="float"
        ),
        "grant_date": Field(_a("供地日期", "出让日期", "合同签订日期", "grant_date"), kind="date"),
        "agreed_start_date": Field(
            _a("约定开工", "约定开工日期", "约定动工日期", "agreed_start_date"), kind="date"
        ),
        "actual_start_date": Field(
            _a("实际开工", "实际开工日期", "实际动工日期", "actual_start_date"), kind="date"
        ),
        "developed_area_m2": Field(
            _a("开发面积", "已开发面积", "已建面积", "developed_area_m2"), kind="float"
        ),
        "investment_total_wan": Field(
            {
                **_a("投资总额", "投资总额(万元)", "约定投资额", "investment_total_wan"),
                **_a("投资总额(元)", scale=1e-4),
            },
            kind="float",
        ),
        "investment_done_wan": Field(
            {
                **_a("已投资额", "已投资额(万元)", "已完成投资", "investment_done_wan"),
                **_a("已投资额(元)", scale=1e-4),
            },
            kind="float",
        ),
        "suspended_since": Field(_a("停工日期", "中止开发日期", "suspended_since"), kind="date"),
        "government_delay": Field(
            _a("政府原因", "政府原因延迟", "不可抗力", "government_delay"), kind="bool"
        ),
        "grant_price_wan": Field(
            {
                **_a("出让价款", "出让价款(万元)", "成交价", "grant_price_wan"),
                **_a("出让价款(元)", scale=1e-4),
            },
            kind="float",
        ),
        "town": Field(_a("所在乡镇", "乡镇", "乡镇街道", "所在镇街", "town")),
        "park_name": Field(_a("园区名称", "所在园区", "园区", "park_name")),
        "standard_far": Field(_a("标准地容积率", "容积率要求", "standard_far"), kind="float"),
        "government_delay_months": Field(_a("政府原因延误月数", "government_delay_months"), kind="float"),
        "government_delay_from": Field(_a("政府原因起始日期", "government_delay_from"), kind="date"),
        "government_delay_to": Field(_a("政府原因结束日期", "government_delay_to"), kind="date"),
    },
    "registry": {
        "uscc": Field(_a(*_USCC), True),
        "name": Field(_a("企业名称", "单位名称", "单位详细名称", "name"), True),
        "industry_code": Field(_a("行业代码", "国民经济行业代码", "行业类别代码", "industry_code"), True),
        "industry_name": Field(_a("行业名称", "国民经济行业名称", "行业类别", "industry_name")),
        "above_scale": Field(_a("企业规模", "规模", "是否规上", "规上规下", "above_scale"), True, "bool"),
        "town": Field(_a("所在乡镇", "乡镇", "乡镇街道", "town")),
        "established_date": Field(_a("成立日期", "注册日期", "established_date"), kind="date"),
        "production_start_date": Field(_a("投产日期", "投产时间", "production_start_date"), kind="date"),
        "project_built_year": Field(_a("项目建成年份", "建成年份", "project_built_year"), kind="int"),
        "exempt_reason": Field(_a("豁免类型", "不参评原因", "豁免原因", "exempt_reason")),
        "safety_accident": Field(_a("安全事故", "重大安全事故", "safety_accident"), kind="bool"),
        "environmental_penalty": Field(_a("环保处罚", "环境违法", "environmental_penalty"), kind="bool"),
        "energy_task_unmet": Field(_a("节能未达标", "未完成节能任务", "energy_task_unmet"), kind="bool"),
        "tax_arrears": Field(_a("欠税", "欠缴税款", "tax_arrears"), kind="bool"),
        "industry_policy": Field(_a("产业政策类别", "产业政策", "industry_policy")),
        "strategic_emerging": Field(
            _a("战略性新兴产业", "是否战略性新兴产业", "strategic_emerging"), kind="bool"
        ),
    },
    "tax": {
        "uscc": Field(_a("纳税人识别号", *_USCC), True),
        "name": Field(_a("纳税人名称", "企业名称", "name")),
        "year": Field(_a("所属年度", "年度", "year"), kind="int"),
        "tax_wan": Field(
            {
                **_a(
                    "实缴税收(万元)", "实缴税金(万元)", "税收合计(万元)", "税收(万元)", "实缴税收", "tax_wan"
                ),
                **_a("实缴税收(元)", "实缴税金(元)", "税收合计(元)", scale=1e-4),
            },
            True,
            "float",
        ),
    },
    "statistics": {
        "uscc": Field(_a(*_USCC), True),
        "name": Field(_a("单位详细名称", "企业名称", "name")),
        "output_wan": Field(_a("工业总产值(万元)", "工业总产值(当年价格)(万元)", "output_wan"), kind="float"),
        "value_added_wan": Field(_a("工业增加值(万元)", "增加值(万元)", "value_added_wan"), True, "float"),
        "revenue_wan": Field(_a("营业收入(万元)", "主营业务收入(万元)", "revenue_wan"), kind="float"),
        "rd_wan": Field(_a("研发费用(万元)", "R&D经费支出(万元)", "研发经费(万元)", "rd_wan"), kind="float"),
        "employees": Field(
            _a("年平均从业人员(人)", "从业人员期末人数(人)", "年平均职工人数(人)", "employees"), kind="float"
        ),
    },
    "energy": {
        "uscc": Field(_a(*_USCC), True),
        "name": Field(_a("企业名称", "用户名称", "name")),
        "elec_kwh": Field(
            {
                **_a("用电量(万千瓦时)", "用电量(万kWh)", "年用电量(万千瓦时)", scale=1e4),
                **_a("用电量(千瓦时)", "用电量(kWh)", "elec_kwh"),
            },
            True,
            "float",
        ),
        "gas_m3": Field(
            {**_a("天然气(万立方米)", "天然气消费量(万立方米)", scale=1e4), **_a("天然气(立方米)", "gas_m3")},
            kind="float",
        ),
        "coal_t": Field(_a("原煤(吨)", "煤炭(吨)", "coal_t"), kind="float"),
        "heat_mj": Field(
            {
                **_a("外购热力(百万千焦)", scale=1e3),
                **_a("外购热力(吉焦)", "外购热力(GJ)", scale=1e3),
                **_a("heat_mj"),
            },
            kind="float",
        ),
    },
    "emissions": {
        "uscc": Field(_a(*_USCC), True),
        "name": Field(_a("企业名称", "单位名称", "name")),
        "cod_t": Field(_a("化学需氧量(吨)", "COD(吨)", "cod_t"), kind="float"),
        "ammonia_t": Field(_a("氨氮(吨)", "氨氮排放量(吨)", "ammonia_t"), kind="float"),
        "so2_t": Field(_a("二氧化硫(吨)", "SO2(吨)", "so2_t"), kind="float"),
        "nox_t": Field(_a("氮氧化物(吨)", "NOx(吨)", "nox_t"), kind="float"),
    },
    "leases": {
        "uscc": Field(_a("承租企业代码", "承租方统一社会信用代码", "承租方代码", *_USCC), True),
        "name": Field(_a("承租企业名称", "承租方名称", "name")),
        "parcel_id": Field(_a("宗地代码", "宗地编码", "parcel_id"), True),
        "lessor_name": Field(_a("出租方名称", "出租方", "lessor_name")),
        "leased_area_m2": Field(
            {
                **_a("租用面积(平方米)", "租赁面积(平方米)", "租用面积", "leased_area_m2"),
                **_a("租用面积(亩)", scale=10000 / 15),
            },
            True,
            "float",
        ),
    },
    "control_lines": {
        "name": Field(_a("名称", "控制线名称", "name")),
        "line_level": Field(_a("级别", "控制线级别", "line_level")),
    },
    "towns": {
        "town": Field(_a("名称", "乡镇名称", "乡镇街道", "town"), True),
    },
    # geocoded firm locations (AMap / Baidu / Tianditu geocoder output)
    "points": {
        "uscc": Field(_a(*_USCC), True),
        "name": Field(_a("企业名称", "单位名称", "name")),
        "address": Field(_a("地址", "详细地址", "生产经营地址", "经营地址", "注册地址", "address")),
        "lon": Field(
            _a(
                "经度",
                "lon",
                "lng",
                "longitude",
                "经度(gcj02)",
                "经度(wgs84)",
                "经度(bd09)",
                "gcj_lng",
                "bd_lng",
            ),
            True,
            "float",
        ),
        "lat": Field(
            _a("纬度", "lat", "latitude", "纬度(gcj02)", "纬度(wgs84)", "纬度(bd09)", "gcj_lat", "bd_lat"),
            True,
            "float",
        ),
    },
    # 工业用地控制线 books (plan §四(二)): changes of use out of industry, compensating new industrial
    # land (改一补一 / 先补后占) and land supplied by year (≥ 30 % industrial)
    "conversions": {
        "parcel_id": Field(_a("宗地代码", "宗地编码", "parcel_id")),
        "year": Field(_a("年度", "转换年度", "批准年度", "year"), True, "int"),
        "from_use": Field(_a("原用途", "原土地用途", "from_use"), True),
        "to_use": Field(_a("新用途", "现用途", "变更后用途", "to_use"), True),
        "area_mu": Field(
            {
                **_a("面积(亩)", "转换面积(亩)", "area_mu"),
                **_a("面积(平方米)", "转换面积(平方米)", scale=15 / 10000),
                **_a("面积(公顷)", scale=15.0),
            },
            True,
            "float",
        ),
        "inside_share": Field(_a("控制线内比例", "inside_share"), kind="float"),
    },
    "compensations": {
        "compensation_id": Field(_a("补充编号", "项目编号", "compensation_id")),
        "parcel_id": Field(_a("宗地代码", "宗地编码", "parcel_id")),
        "year": Field(_a("年度", "补充年度", "year"), True, "int"),
        "to_use": Field(_a("用途", "新用途", "土地用途", "to_use")),
        "area_mu": Field(
            {
                **_a("面积(亩)", "补充面积(亩)", "area_mu"),
                **_a("面积(平方米)", "补充面积(平方米)", scale=15 / 10000),
                **_a("面积(公顷)", scale=15.0),
            },
            True,
            "float",
        ),
    },
    "land_supply": {
        "year": Field(_a("年度", "出让年度", "year"), True, "int"),
        "use": Field(_a("土地用途", "用途", "use"), True),
        "area_mu": Field(
            {
                **_a("出让面积(亩)", "面积(亩)", "area_mu"),
                **_a("出让面积(公顷)", "面积(公顷)", scale=15.0),
                **_a("出让面积(平方米)", "面积(平方米)", scale=15 / 10000),
            },
            True,
            "float",
        ),
    },
    # previous years' 亩均效益评价 classes (for 差别电价 escalation by consecutive D years)
    "previous_classes": {
        "uscc": Field(_a(*_USCC), True),
        "year": Field(_a("年度", "评价年度", "所属年度", "year"), True, "int"),
        "eval_class": Field(_a("评价等级", "亩均效益评价等级", "综合评价等级", "类别", "eval_class"), True),
    },
}

#: Chinese labels (with units) for map tooltips and export headers, keyed by canonical name.
LABELS_ZH: dict[str, str] = {
    "parcel_id": "宗地代码",
    "owner_name": "权利人",
    "owner_uscc": "权利人代码",
    "land_use": "土地用途",
    "recorded_area_m2": "宗地面积(平方米)",
    "floor_area_m2": "建筑面积(平方米)",
    "footprint_m2": "建筑占地面积(平方米)",
    "area_m2": "图形面积(平方米)",
    "area_mu": "面积(亩)",
    "town": "所在乡镇",
    "park_name": "园区名称",
    "in_park": "是否在园区",
    "uscc": "统一社会信用代码",
    "uscc_valid": "信用代码校验通过",
    "name": "企业名称",
    "industry_code": "行业代码",
    "industry_name": "行业名称",
    "above_scale": "是否规上",
    "tax_wan": "实缴税收(万元)",
    "value_added_wan": "工业增加值(万元)",
    "output_wan": "工业总产值(万元)",
    "revenue_wan": "营业收入(万元)",
    "rd_wan": "研发费用(万元)",
    "employees": "从业人员(人)",
    "elec_kwh": "用电量(千瓦时)",
    "energy_tce_calorific": "综合能耗当量值(吨标准煤)",
    "energy_tce_primary": "综合能耗等价值(吨标准煤)",
    "co2_t": "二氧化碳排放(吨)",
    "emission_t": "主要污染物排放(吨)",
    "land_area_mu": "用地面积(亩)",
    "tax_per_mu": "亩均税收(万元/亩)",
    "value_added_per_mu": "亩均增加值(万元/亩)",
    "value_added_per_tce": "单位能耗增加值(万元/吨标准煤)",
    "value_added_per_t_emission": "单位排放增加值(万元/吨)",
    "labour_productivity": "全员劳动生产率(万元/人)",
    "rd_intensity": "研发经费占比",
    "tax_per_10k_kwh": "单位电耗税收(万元/万千瓦时)",
    "score_total": "综合得分",
    "eval_class": "亩均效益评价等级",
    "class_reason": "评级说明",
    "far": "容积率",
    "building_coverage": "建筑系数",
    "built_up_fraction": "影像建成比例",
    "is_low_efficiency": "低效用地",
    "is_idle": "闲置土地",
    "idle_months": "闲置月数",
    "idle_fee_wan": "土地闲置费(万元)",
    "idle_recovery": "应无偿收回",
    "reason_codes": "原因代码",
    "reasons_zh": "认定原因",
    "reasons_en": "reasons (English)",
    "is_two_high": "两高项目",
    "remedy": "整治方式",
    "remedy_zh": "整治方式",
    "year": "实施年度",
    "freed_area_mu": "腾出面积(亩)",
    "energy_saved_tce": "腾出用能(吨标准煤)",
    "co2_reduction_t": "减碳(吨)",
    "tax_lost_wan": "税收减少(万元)",
    "selected": "纳入腾退方案",
    "site_id": "候选园区编号",
    "rank": "排名",
    "score": "得分",
    "inside_share": "控制线内占比",
    "capacity_floor_m2": "可建建筑面积(平方米)",
    "capacity_firms": "可容纳企业数",
    "expected_tax_wan": "预期税收(万元)",
    "jobs": "预期就业(人)",
    "status": "整治状态",
    "scenario": "方案",
    "solver_status": "求解状态",
    "exempt_reason": "豁免类型",
    "safety_accident": "安全事故",
    "environmental_penalty": "环保处罚",
    "energy_task_unmet": "节能未达标",
    "tax_arrears": "欠税",
    "landlord_uscc": "出租方代码",
    "eval_group": "评价组别",
    "rank_in_group": "组内排名",
    "explanation": "评分明细",
    "score_tax_per_mu": "亩均税收得分",
    "score_value_added_per_mu": "亩均增加值得分",
    "score_value_added_per_tce": "单位能耗增加值得分",
    "score_value_added_per_t_emission": "单位排放增加值得分",
    "score_labour_productivity": "全员劳动生产率得分",
    "score_rd_intensity": "研发经费占比得分",
    "score_tax_per_10k_kwh": "单位电耗税收得分",
    "land_tax_relief": "城镇土地使用税减免比例",
    "carbon_efficiency_L": "碳效值L(吨CO2/万元)",
    "carbon_level": "碳效水平",
    "carbon_k": "碳效比K",
    "carbon_grade": "碳效等级",
    "area_inside_mu": "控制线内面积(亩)",
    "parcel_ids": "宗地代码清单",
    "parcel_count": "宗地数",
    "vacant_share": "已腾空比例",
    "compactness": "紧凑度(Polsby-Popper)",
    "qualifies": "符合选址条件",
    "line_level": "控制线级别",
    "occupant_names": "使用企业",
    "occupant_usccs": "使用企业信用代码",
    "occupant_count": "使用企业数",
    "main_class": "主要使用企业评价等级",
    "rule_key": "规则",
    "rule_value": "取值",
    "rule_unit": "单位",
    "rule_source": "来源",
    "rule_status": "依据类别",
    "grant_date": "供地日期",
    "agreed_start_date": "约定开工日期",
    "actual_start_date": "实际开工日期",
    "developed_area_m2": "已开发面积(平方米)",
    "investment_total_wan": "投资总额(万元)",
    "investment_done_wan": "已投资额(万元)",
    "suspended_since": "停工日期",
    "government_delay": "政府原因延迟",
    "grant_price_wan": "出让价款(万元)",
    "in_scope": "纳入排查范围",
    "flagged": "列入高耗低效整治企业清单",
    "tax_rules_exempt": "亩均税收认定豁免",
    "main_uscc": "主要使用企业代码",
    "industry_tax_per_mu": "行业平均亩均税收(万元/亩)",
    "jobs_lost": "就业减少(人)",
    "idle_kind": "闲置类型",
    "notes": "备注",
    "exempt": "不参评",
    "is_industrial": "工业仓储用地",
    "energy_per_value_added": "单位增加值能耗(吨标准煤/万元)",
    "geometry_repaired": "图形已修复",
    "owner_uscc_valid": "权利人代码校验通过",
    "industry_division": "行业大类代码",
    "tenure": "用地方式(自有/租赁)",
    "land_share": "用地占比",
    "land_area_m2": "用地面积(平方米)",
    "leased_area_m2": "租用面积(平方米)",
    "lessor_name": "出租方名称",
    "vacant_m2": "空置面积(平方米)",
    # screening and the 《高耗低效整治企业清单》 (rectification_list, tracking)
    "seq": "序号",
    "reason_names_zh": "原因类别",
    "reason_names_en": "reason (plain English)",
    "remedy_plan": "整治措施",
    "responsible_unit": "责任单位",
    "deadline": "完成时限",
    "planner_notes": "跟踪备注",
    "first_listed": "首次列入日期",
    "last_flagged": "最近识别日期",
    "on_current_list": "本次仍被识别",
    "tracking_note": "系统提示",
    "suggested_remedy": "方案建议整治方式",
    "suggested_year": "方案建议实施年度",
    "standard_far": "标准地容积率要求",
    "exemption_reasons": "豁免依据",
    "strategic_emerging": "战略性新兴产业",
    "industry_policy": "产业政策类别",
    "main_industry_code": "主要使用企业行业代码",
    "idle_clock_months": "闲置计时月数",
    "government_delay_months": "政府原因延误月数",
    "government_delay_from": "政府原因延误起始日期",
    "government_delay_to": "政府原因延误结束日期",
    "parcels": "宗地总数",
    "low_efficiency_parcels": "低效宗地数",
    "low_efficiency_area_mu": "低效用地面积(亩)",
    "idle_parcels": "闲置宗地数",
    "idle_area_mu": "闲置土地面积(亩)",
    "flagged_area_mu": "低效或闲置用地面积(亩)",
    "flagged_firms": "列入清单企业数",
    "two_high_firms": "两高企业数",
    "flagged_tax_wan": "列入清单企业税收(万元)",
    "flagged_energy_tce": "列入清单企业能耗当量值(吨标准煤)",
    "firms_listed": "清单企业数",
    "firms_todo": "待整治企业数",
    "firms_in_progress": "整治中企业数",
    "firms_closed": "已销号企业数",
    "firms_no_longer_flagged": "本次未再识别企业数",
    "firms_exit_plan": "拟淘汰退出企业数",
    "firms_upgrade_plan": "拟整治提升企业数",
    "listed_tax_wan": "清单企业税收(万元)",
    "listed_energy_tce": "清单企业能耗当量值(吨标准煤)",
    "parcels_listed": "清单宗地数",
    "listed_area_mu": "清单宗地面积(亩)",
    "closed_area_mu": "已销号宗地面积(亩)",
    "share_of_area_target": "占腾出用地目标比例",
    "closed_share_of_area_target": "已销号面积占腾出用地目标比例",
    "share_of_firm_target": "占淘汰和整治企业目标比例",
    "share_of_exit_target": "占淘汰落后产能企业目标比例",
    "share_of_upgrade_target": "占整治提升企业目标比例",
    "share_of_energy_target": "占腾出用能目标比例",
    "indicator": "指标",
    "unit": "计量单位",
    "target": "目标值",
    "listed": "列入清单",
    "todo": "待整治",
    "in_progress": "整治中",
    "closed": "已销号",
    "closed_share": "已销号占目标比例",
    "target_key": "目标代码",
    # 亩均效益评价 (evaluation, policies, score breakdown)
    "eval_rank_group": "评价排名分组",
    "exempt_type": "豁免类别",
    "tenant_count": "承租企业数(家)",
    "score_lease_penalty": "出租扣分",
    "land_use_tax_wan": "城镇土地使用税(万元)",
    "land_tax_relief_wan": "城镇土地使用税减免额(万元)",
    "consecutive_d_years": "连续D类年数",
    "elec_surcharge_yuan_per_kwh": "差别电价加价(元/千瓦时)",
    "elec_surcharge_wan": "差别电价加收电费(万元)",
    "land_granted_date": "企业供地日期",
    "benchmark": "基准值",
    "benchmark_basis": "基准来源",
    "ratio": "比值(实际/基准)",
    "weight": "权重(分)",
    "raw_score": "未封顶得分",
    "cap": "封顶分",
    "note": "说明",
    # 小微企业园 sites, site sheet, 占补平衡 ledger and industrial supply share (issue 7)
    "shortlisted": "列入计划短名单",
    "potential_stars": "可达星级(推定)",
    "rent_wan": "满租年租金上限(万元/年)",
    "component_id": "相邻地块群编号",
    "sliver_parcels": "控制线边界碎片宗地数",
    "site_area_mu": "园区面积(亩)",
    "site_area_inside_mu": "园区控制线内面积(亩)",
    "parcel_area_mu": "宗地面积(亩)",
    "slope_pct_mean": "平均坡度(%)",
    "slope_deg_mean": "平均坡度(度)",
    "from_use": "原用途",
    "to_use": "新用途",
    "counted_conversion": "计入控制线内工业用地转出",
    "counted_mu": "控制线内转出面积(亩)",
    "required_mu": "应补充面积(亩)",
    "covered_prior_mu": "先补面积(亩)",
    "covered_later_mu": "后补面积(亩)",
    "uncovered_mu": "未补充面积(亩)",
    "compensation_ids": "补充地块",
    "compensation_id": "补充地块编号",
    "conversion_balanced": "已足额补充",
    "used_mu": "已使用补充面积(亩)",
    "left_mu": "剩余补充面积(亩)",
    "converted_mu": "控制线内工业用地转出(亩)",
    "compensated_mu": "新增工业用地(亩)",
    "cum_required_mu": "累计应补(亩)",
    "cum_compensated_mu": "累计补充(亩)",
    "running_balance_mu": "累计占补结余(亩)",
    "balance_holds": "占补平衡成立",
    "supplied_mu": "供地总面积(亩)",
    "industrial_mu": "工业用地供地面积(亩)",
    "industrial_share": "工业用地占比",
    "share_min": "工业用地占比下限",
    "meets_floor": "达到下限",
    "industrial_needed_mu": "达标尚需工业用地(亩)",
    # 腾笼换鸟 scenario (scenario_report, scenario_phasing, scenario_compare)
    "value_added_lost_wan": "增加值减少(万元)",
    "cost_wan": "一次性公共支出(万元)",
    "occupants": "使用企业(信用代码)",
    "reusable_mu": "可再利用面积(亩)",
    "inside_control_line_share": "控制线内面积比例",
    "firms_acted": "实施企业数",
    "firms_exited": "淘汰企业数",
    "firms_upgraded": "整治提升企业数",
    "yearly_capacity_firms": "年度可实施企业数",
    "yearly_budget_wan": "年度预算(万元)",
    "capacity_ok": "未超年度能力",
    "partial_release_mu": "分割退地面积(亩)",
    "list_note": "列入说明",
    "suggested_freed_area_mu": "方案腾出用地(亩)",
    "suggested_energy_saved_tce": "方案节约用能(吨标准煤,当量值)",
    "plan_freed_area_mu": "方案腾出用地(亩,对标目标)",
    "plan_closed_freed_area_mu": "已销号企业方案腾出用地(亩)",
    "plan_energy_saved_tce": "方案节约用能(吨标准煤,对标目标)",
    "measure": "统计口径",
    "planned": "方案计划(对标目标)",
    "planned_share": "方案计划占目标比例",
    "whole_list": "清单合计(不对标目标)",
    "tax_change_wan": "税收变化(万元，正为增加)",
}


def label_zh(name: str) -> str:
    """Chinese label of a canonical column (the name itself when none is defined)."""
    return LABELS_ZH.get(name, name)


_PARENS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "［": "(", "］": ")"})


def normalise_header(header: object) -> str:
    """Normalise a header for matching: NFKC (full-width → half-width), parentheses unified,
    whitespace and line breaks removed, ASCII lower-cased.

    >>> normalise_header(" 用电量（万千瓦时）\\n")
    '用电量(万千瓦时)'
    """
    text = unicodedata.normalize("NFKC", str(header)).translate(_PARENS)
    text = re.sub(r"\s+", "", text)
    return text.lower()


def _closest(aliases: Sequence[str], headers: Sequence[str], n: int = 3) -> list[str]:
    """Headers most similar to any alias of a field (normalised; best first, ratio ≥ 0.3)."""
    scores: dict[str, float] = {}
    for h in headers:
        hn = normalise_header(h)
        if not hn:
            continue
        best = max(difflib.SequenceMatcher(None, normalise_header(a), hn).ratio() for a in aliases)
        if best >= 0.3:
            scores[h] = best
    return sorted(scores, key=lambda h: (-scores[h], headers.index(h)))[:n]


def map_columns(
    df: pd.DataFrame,
    kind: str,
    *,
    source: str = "input",
    extra_aliases: Mapping[str, Sequence[str]] | None = None,
    keep_unmapped: bool = True,
) -> pd.DataFrame:
    """Rename a raw table's columns to canonical names and apply unit scale factors.

    Parameters
    ----------
    df : DataFrame
        Raw table with the source's headers (Chinese allowed), any index.
    kind : str
        Key of :data:`SCHEMAS` (``parcels``, ``registry``, ``tax``, ``statistics``,
        ``energy``, ``emissions``, ``leases``, ``control_lines``, ``towns``).
    source : str
        File name, used in error messages.
    extra_aliases : mapping, optional
        ``{canonical: [alias, …]}`` from the project config (scale 1).
    keep_unmapped : bool
        Keep source columns that match no field, under their own names.

    Returns
    -------
    DataFrame
        Same index and row order, values unchanged. Matched columns are renamed; the unit scale
        each matched alias implies (e.g. 10 000 for ``用电量(万千瓦时)`` → ``elec_kwh``) is stored
        in ``attrs['scales'][canonical]`` (only factors other than 1) and applied by
        :func:`ruian_land.io.parse_columns` after the cells are parsed as numbers;
        ``attrs['source_columns']`` maps canonical names back to the source headers.

    Raises
    ------
    InputError
        A required field matches no column (for each: an example alias and the closest
        headers found, compared with every alias of the field), or two columns match the
        same field.
    """
    try:
        schema = SCHEMAS[kind]
    except KeyError:
        raise ValueError(f"unknown column schema '{kind}'; known: {sorted(SCHEMAS)}") from None
    by_norm: dict[str, tuple[str, float]] = {}
    for canon, fld in schema.items():
        aliases = dict(fld.aliases)
        for extra in (extra_aliases or {}).get(canon, []):
            aliases[extra] = 1.0
        for alias, scale in aliases.items():
            by_norm[normalise_header(alias)] = (canon, scale)
    rename: dict[str, str] = {}
    scales: dict[str, float] = {}
    seen: dict[str, str] = {}
    for col in df.columns:
        hit = by_norm.get(normalise_header(col))
        if hit is None:
            continue
        canon, scale = hit
        if canon in seen:
            raise InputError(
                f"columns '{seen[canon]}' and '{col}' both map to '{canon}'",
                path=source,
                column=str(col),
                fix="delete or rename one of them",
            )
        seen[canon] = str(col)
        rename[col] = canon
        scales[canon] = scale
    missing = [c for c, f in schema.items() if f.required and c not in seen]
    if missing:
        headers = [str(c) for c in df.columns]
        hints = []
        taken = set(rename)
        for canon in missing:
            names = list(schema[canon].aliases) + list((extra_aliases or {}).get(canon, []))
            close = _closest(
                names,
                [h for h, c in zip(headers, df.columns, strict=True) if c not in taken and h != "source_row"],
            )
            hints.append(f"'{canon}' (e.g. {names[0]!r}; closest headers found: {close or 'none'})")
        raise InputError(
            "required columns not found: " + "; ".join(hints),
            path=source,
            column=", ".join(missing),
            fix="rename the header to one of the aliases in ruian_land.core.columns, or add an alias "
            f"under 'columns: {{{kind}: …}}' in the project config",
        )
    out = df.rename(columns=rename)
    if not keep_unmapped:
        out = out[[c for c in out.columns if c in schema or c == "geometry"]]
    out.attrs["scales"] = {k: v for k, v in scales.items() if v != 1.0}
    out.attrs["source_columns"] = {v: k for k, v in rename.items()}
    return out
