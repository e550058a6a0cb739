"""Input schemas: for each input kind, each canonical field with the Chinese (and English)
aliases bureaus write, the unit scale each alias implies (``用电量(万千瓦时)`` → ``elec_kwh`` × 10 000),
whether it is required, and its type. Matched by :func:`ruian_land.core.columns.map_columns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["PROJECT_NODES", "SCHEMAS", "Field"]


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

#: The 挂图作战 life-cycle nodes (plan §三(三)16) in order: canonical key → Chinese name.
PROJECT_NODES: dict[str, str] = {
    "landed": "招引落地",
    "started": "开工",
    "completed": "竣工验收",
    "producing": "投产",
    "full": "达产",
    "supervised": "履约监管",
}
_NODE_ALIASES = {"landed": ("签约", "落地"), "completed": ("竣工",)}


def _node_fields() -> dict[str, Field]:
    out: dict[str, Field] = {}
    for key, zh in PROJECT_NODES.items():
        for kind, side in (("planned", "计划"), ("actual", "实际")):
            names = [
                f"{side}{n}{tail}" for n in (zh, *_NODE_ALIASES.get(key, ())) for tail in ("日期", "时间", "")
            ]
            names += [f"{n}{side}日期" for n in (zh, *_NODE_ALIASES.get(key, ()))]
            out[f"{key}_{kind}"] = Field(_a(*names, f"{key}_{kind}"), kind="date")
    return out


_NODE_FIELDS = _node_fields()

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
    # 招大引强 projects (issue 14): the trajectory's projects lever and the 10亿元 target
    "projects": {
        "name": Field(_a("项目名称", "项目", "name"), True),
        "industry": Field(_a("行业", "所属行业", "industry")),
        "investment_wan": Field(
            {**_a("总投资(万元)", "总投资", "investment_wan"), **_a("总投资(亿元)", scale=10000.0)},
            True,
            "float",
        ),
        "land_mu": Field(
            {**_a("用地面积(亩)", "用地(亩)", "land_mu"), **_a("用地面积(平方米)", scale=15 / 10000)},
            True,
            "float",
        ),
        "year_landed": Field(_a("落地年份", "落地年度", "year_landed"), True, "int"),
        "tax_at_full_wan": Field(_a("达产税收(万元)", "达产税收", "tax_at_full_wan"), True, "float"),
        "value_added_at_full_wan": Field(
            _a("达产增加值(万元)", "达产增加值", "value_added_at_full_wan"), True, "float"
        ),
        # 挂图作战 (issue 17, plan §三(三)16): where, who, and the life-cycle nodes
        "project_id": Field(_a("项目编号", "项目代码", "project_id")),
        "industry_code": Field(_a("行业代码", "国民经济行业代码", "industry_code")),
        "priority_industry": Field(_a("符合产业导向", "是否符合产业导向", "priority_industry"), kind="bool"),
        "parcel_id": Field(_a("宗地代码", "宗地编码", "地块编号", "parcel_id")),
        "town": Field(_a("乡镇", "所在乡镇", "乡镇街道", "town")),
        "responsible_unit": Field(_a("责任单位", "牵头单位", "responsible_unit")),
        **_NODE_FIELDS,
    },
    # 标准地 投资监管协议 (issue 17, plan §三(一)4): the floors each contract agreed
    "standard_land_contracts": {
        "parcel_id": Field(_a("宗地代码", "宗地编码", "地块编号", "parcel_id"), True),
        "contract_id": Field(_a("协议编号", "监管协议编号", "合同编号", "contract_id")),
        "name": Field(_a("受让人", "竞得人", "企业名称", "受让企业", "name")),
        "uscc": Field(_a(*_USCC)),
        "grant_date": Field(_a("出让日期", "签订日期", "协议签订日期", "grant_date"), kind="date"),
        "full_production_years": Field(_a("达产年限", "达产年限(年)", "full_production_years"), kind="float"),
        "full_production_date": Field(_a("约定达产日期", "达产日期", "full_production_date"), kind="date"),
        "agreed_investment_per_mu": Field(
            _a("约定投资强度", "约定投资强度(万元/亩)", "投资强度(万元/亩)", "agreed_investment_per_mu"),
            kind="float",
        ),
        "agreed_tax_per_mu": Field(
            _a("约定亩均税收", "约定亩均税收(万元/亩)", "亩均税收(万元/亩)", "agreed_tax_per_mu"),
            kind="float",
        ),
        "agreed_value_added_per_mu": Field(
            _a(
                "约定亩均增加值",
                "约定亩均增加值(万元/亩)",
                "亩均增加值(万元/亩)",
                "agreed_value_added_per_mu",
            ),
            kind="float",
        ),
        "agreed_value_added_per_tce": Field(
            _a(
                "约定单位能耗增加值",
                "约定单位能耗增加值(万元/吨标准煤)",
                "单位能耗增加值(万元/吨标准煤)",
                "agreed_value_added_per_tce",
            ),
            kind="float",
        ),
        "agreed_far": Field(_a("约定容积率", "容积率下限", "约定容积率下限", "agreed_far"), kind="float"),
        "actual_investment_wan": Field(
            _a("实际投资(万元)", "实际完成投资(万元)", "actual_investment_wan"), kind="float"
        ),
    },
    # earlier years' evaluation figures of the same firms (issue 14: incumbent growth from history)
    "firm_history": {
        "uscc": Field(_a(*_USCC), True),
        "year": Field(_a("年度", "所属年度", "评价年度", "year"), True, "int"),
        "tax_wan": Field(
            {
                **_a("实缴税收(万元)", "税收合计(万元)", "税收(万元)", "tax_wan"),
                **_a("实缴税收(元)", scale=1e-4),
            },
            kind="float",
        ),
        "value_added_wan": Field(_a("工业增加值(万元)", "增加值(万元)", "value_added_wan"), kind="float"),
        "energy_tce": Field(
            _a("综合能耗(吨标准煤)", "综合能耗(吨标煤)", "综合能耗(tce)", "energy_tce"), kind="float"
        ),
        "employees": Field(_a("年平均从业人员(人)", "从业人员(人)", "employees"), kind="float"),
        "revenue_wan": Field(_a("营业收入(万元)", "主营业务收入(万元)", "revenue_wan"), kind="float"),
        "rd_wan": Field(_a("研发费用(万元)", "研发经费(万元)", "rd_wan"), kind="float"),
    },
    # 统计局 investment by year (issue 14: 制造业投资, 工业投资占固定资产投资比重 of plan §二)
    "investment": {
        "year": Field(_a("年度", "年份", "year"), True, "int"),
        "manufacturing_investment_wan": Field(
            {
                **_a("制造业投资(万元)", "制造业投资(含技改)(万元)", "manufacturing_investment_wan"),
                **_a("制造业投资(亿元)", "制造业投资(含技改)(亿元)", scale=1e4),
            },
            kind="float",
        ),
        "industrial_investment_wan": Field(
            {**_a("工业投资(万元)", "industrial_investment_wan"), **_a("工业投资(亿元)", scale=1e4)},
            kind="float",
        ),
        "fixed_asset_investment_wan": Field(
            {**_a("固定资产投资(万元)", "fixed_asset_investment_wan"), **_a("固定资产投资(亿元)", scale=1e4)},
            kind="float",
        ),
    },
    # previous years' 亩均效益评价 classes (for 差别电价 escalation by consecutive D years)
    "previous_classes": {
        "uscc": Field(_a(*_USCC), True),
        "year": Field(_a("年度", "评价年度", "所属年度", "year"), True, "int"),
        "eval_class": Field(_a("评价等级", "亩均效益评价等级", "综合评价等级", "类别", "eval_class"), True),
    },
}
