"""Generation parameters of the synthetic sample county.

These numbers shape the *synthetic data* (how many parcels, how taxes are spread, which
industries sit where). They are not policy numbers: every threshold the toolkit applies
(idle-land months, "两高" energy limits, energy factors) is read from the rule set, also
while generating. Change them here to make a different county; the committed ``data/``
was made with the values below and seed 20211130.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = [
    "CLUSTERS",
    "CONTROL_LINES",
    "EVALUATION_DATE",
    "INDUSTRIES",
    "NAME_CHARS",
    "PARKS",
    "SEAT_CODES",
    "UTILITIES",
    "ClusterSpec",
    "Industry",
    "SampleParams",
]

#: Data year and evaluation date of the sample county.
EVALUATION_DATE = dt.date(2021, 12, 31)


@dataclass(frozen=True)
class SampleParams:
    """Counts and distribution parameters at ``scale=1`` (one county)."""

    n_parcels: int = 4_800  # target real parcels (before slivers and duplicates)
    n_firms: int = 3_500
    n_above: int = 600
    lessee_share_below: float = 0.13  # 规下 firms that only lease
    lessee_share_above: float = 0.02
    unlinked_share: float = 0.02  # of all firms: no parcel, no lease
    # parcel geometry
    parcel_median_mu: float = 7.0
    parcel_sigma_block: float = 0.55
    large_block_share: float = 0.035  # blocks made of 1-2 parcels of 50-200 亩
    fill_factor: float = 0.69  # parcel area / cluster area (roads, gaps, other land uses)
    merge_share: float = 0.07  # cells merged with a neighbour (L-shapes)
    # parcel status shares (of real parcels)
    state_reserve_share: float = 0.010
    collective_share: float = 0.015
    other_owner_share: float = 0.010  # companies that are not in the manufacturing registry
    idle_not_started_share: float = 0.022
    idle_suspended_share: float = 0.010
    under_construction_share: float = 0.020
    not_yet_due_share: float = 0.006
    new_land_firm_share: float = 0.5  # share of recently granted parcels held by new firms
    warehouse_share: float = 0.05
    low_far_share: float = 0.09
    low_coverage_share: float = 0.05
    field_check_share: float = 0.003  # recorded as developed, no building on the raster
    # firm economics
    tax_per_mu_median_above: float = 22.0  # 万元/亩
    tax_per_mu_sigma_above: float = 0.85
    tax_per_mu_median_below: float = 6.0
    tax_per_mu_sigma_below: float = 1.0
    energy_tax_elasticity: float = 0.3  # energy per 亩 ∝ (tax per 亩)^this
    energy_sigma: float = 0.55
    above_energy_min_tce: float = 100.0
    above_energy_max_tce: float = 20_000.0
    missing_emission_share: float = 0.08  # 规上 firms absent from the emission table
    missing_tax_share: float = 0.005
    n_two_high_new: int = 5
    n_two_high_old: int = 4
    # faults
    invalid_geometry_share: float = 0.02
    sliver_share: float = 0.002
    duplicate_share: float = 0.002
    wrong_check_share: float = 0.01
    wrong_check_one_table_share: float = 0.15  # of the wrong codes: written wrong in one table only
    format_variant_share: float = 0.005


@dataclass(frozen=True)
class Industry:
    """A GB/T 4754-2017 class with its synthetic profile.

    ``tax_factor`` multiplies 亩均税收, ``energy_per_mu`` is tce per 亩 (calorific) at the
    median 亩均税收, ``carriers`` is the energy mix of 规上 firms (electricity, gas, coal,
    heat shares), ``emission_factor`` scales main-pollutant emissions per 万元 value added,
    ``words`` are name parts for firm names.
    """

    code: str
    name: str
    weight: float
    tax_factor: float
    energy_per_mu: float
    carriers: tuple[float, float, float, float]
    emission_factor: float
    words: tuple[str, ...]


_E = (1.0, 0.0, 0.0, 0.0)
_GAS = (0.85, 0.15, 0.0, 0.0)
_HEAT = (0.45, 0.1, 0.0, 0.45)
_DYE = (0.3, 0.1, 0.0, 0.6)
_KILN = (0.35, 0.2, 0.45, 0.0)

#: Ruian's industry mix (shares of firms) by 4-digit class, GB/T 4754-2017.
INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "3670", "汽车零部件及配件制造", 17.0, 1.0, 9, _GAS, 1.0, ("汽车部件", "汽配", "汽车零部件", "车业")
    ),
    Industry("3660", "汽车车身、挂车制造", 0.6, 1.0, 20, _GAS, 1.0, ("车身", "汽车工业")),
    Industry("3752", "摩托车零部件及配件制造", 6.0, 0.95, 16, _GAS, 1.0, ("摩托车配件", "摩配", "机车部件")),
    Industry("1952", "皮鞋制造", 7.5, 0.7, 8, _E, 1.5, ("鞋业", "皮鞋", "鞋材")),
    Industry("1959", "其他制鞋业", 2.0, 0.65, 8, _E, 1.5, ("鞋业", "鞋服")),
    Industry("1910", "皮革鞣制加工", 1.2, 0.6, 60, _HEAT, 0.15, ("皮革", "制革")),
    Industry("1922", "皮箱、包(袋)制造", 1.5, 0.7, 8, _E, 1.5, ("箱包", "皮具")),
    Industry("3467", "包装专用设备制造", 4.5, 1.25, 14, _E, 2.0, ("包装机械", "机械")),
    Industry("3542", "印刷专用设备制造", 2.0, 1.2, 14, _E, 2.0, ("印刷机械", "机械")),
    Industry("3552", "皮革、毛皮及其制品加工专用设备制造", 1.5, 1.1, 12, _E, 2.0, ("鞋机", "机械")),
    Industry("3531", "食品、酒、饮料及茶生产专用设备制造", 0.8, 1.1, 14, _E, 2.0, ("食品机械", "机械")),
    Industry("3443", "阀门和旋塞制造", 2.0, 1.0, 18, _GAS, 1.0, ("阀门", "流体设备")),
    Industry("3482", "紧固件制造", 1.8, 0.9, 20, _GAS, 1.0, ("紧固件", "标准件")),
    Industry("3451", "滚动轴承制造", 1.2, 1.0, 20, _GAS, 1.0, ("轴承",)),
    Industry("3441", "泵及真空设备制造", 1.2, 1.05, 16, _E, 1.0, ("泵业", "机电")),
    Industry("3489", "其他通用零部件制造", 2.0, 0.9, 18, _GAS, 1.0, ("机械", "精密机械", "五金")),
    Industry("3823", "配电开关控制设备制造", 2.2, 1.15, 10, _E, 2.0, ("电气", "电器")),
    Industry("3812", "电动机制造", 1.2, 1.05, 14, _E, 2.0, ("电机",)),
    Industry("3831", "电线、电缆制造", 0.9, 1.0, 18, _E, 2.0, ("电缆", "线缆")),
    Industry("3872", "照明灯具制造", 0.8, 0.9, 10, _E, 2.0, ("照明", "光电")),
    Industry("3899", "其他未列明电气机械及器材制造", 1.2, 1.0, 12, _E, 2.0, ("电器", "电子电器")),
    Industry("2929", "塑料零件及其他塑料制品制造", 3.0, 0.85, 28, _E, 1.0, ("塑料", "塑胶")),
    Industry("2925", "塑料人造革、合成革制造", 0.8, 0.8, 44, _HEAT, 0.4, ("合成革", "新材料")),
    Industry("2926", "塑料包装箱及容器制造", 1.0, 0.85, 28, _E, 1.0, ("塑业", "包装")),
    Industry("2913", "橡胶零件制造", 1.0, 0.9, 28, _GAS, 0.8, ("橡胶", "橡塑")),
    Industry("1752", "化纤织物染整精加工", 0.7, 0.6, 90, _DYE, 0.1, ("印染", "染整")),
    Industry("1713", "棉印染精加工", 0.4, 0.6, 90, _DYE, 0.1, ("印染",)),
    Industry("1751", "化纤织造加工", 1.2, 0.6, 24, _E, 1.0, ("纺织", "织造")),
    Industry("1781", "非织造布制造", 0.5, 0.65, 28, _HEAT, 0.6, ("无纺布", "非织造")),
    Industry("1830", "服饰制造", 1.5, 0.7, 6, _E, 2.0, ("服饰", "制衣")),
    Industry("1819", "其他机织服装制造", 1.0, 0.7, 6, _E, 2.0, ("服装", "制衣")),
    Industry("2720", "化学药品制剂制造", 0.6, 1.8, 50, _HEAT, 0.4, ("药业", "制药")),
    Industry("2710", "化学药品原料药制造", 0.3, 1.6, 90, _HEAT, 0.2, ("药业", "生物医药")),
    Industry("2740", "中成药生产", 0.3, 1.5, 30, _HEAT, 0.5, ("中药", "药业")),
    Industry("2770", "卫生材料及医药用品制造", 0.5, 1.2, 20, _E, 0.8, ("医疗用品", "卫材")),
    Industry("2614", "有机化学原料制造", 0.5, 1.2, 120, _HEAT, 0.2, ("化工",)),
    Industry("2641", "涂料制造", 0.5, 1.1, 50, _HEAT, 0.3, ("涂料", "化工")),
    Industry("2651", "初级形态塑料及合成树脂制造", 0.4, 1.1, 120, _HEAT, 0.2, ("树脂", "新材料")),
    Industry("2661", "化学试剂和助剂制造", 0.6, 1.15, 80, _HEAT, 0.25, ("化学", "助剂")),
    Industry("2662", "专项化学用品制造", 0.4, 1.2, 80, _HEAT, 0.25, ("化工", "新材料")),
    Industry("3021", "水泥制品制造", 0.6, 0.7, 90, _KILN, 0.3, ("建材", "水泥制品")),
    Industry("3022", "砼结构构件制造", 0.4, 0.7, 80, _KILN, 0.3, ("构件", "建材")),
    Industry("3031", "粘土砖瓦及建筑砌块制造", 0.4, 0.55, 140, _KILN, 0.2, ("新型建材", "砌块")),
    Industry("3360", "金属表面处理及热处理加工", 1.5, 0.8, 70, _GAS, 0.2, ("电镀", "表面处理", "热处理")),
    Industry("3311", "金属结构制造", 0.8, 0.9, 24, _E, 1.0, ("钢结构", "金属结构")),
    Industry("3351", "建筑、家具用金属配件制造", 1.0, 0.85, 18, _E, 1.0, ("五金", "金属制品")),
    Industry("2231", "纸和纸板容器制造", 1.5, 0.8, 30, _HEAT, 0.5, ("纸业", "包装")),
    Industry("2319", "包装装潢及其他印刷", 1.5, 0.95, 16, _E, 1.0, ("印刷", "印务", "彩印")),
    Industry("1392", "豆制品制造", 0.3, 0.8, 30, _GAS, 0.3, ("食品",)),
    Industry("1411", "糕点、面包制造", 0.4, 0.9, 24, _GAS, 0.5, ("食品", "食品工业")),
    Industry("3982", "电子电路制造", 0.6, 1.2, 28, _E, 0.8, ("电子", "电路")),
    Industry("3983", "敏感元件及传感器制造", 0.5, 1.3, 16, _E, 1.5, ("传感", "电子科技")),
    Industry("4011", "工业自动控制系统装置制造", 0.6, 1.3, 10, _E, 2.0, ("自动化", "仪表")),
    Industry("2110", "木质家具制造", 0.6, 0.75, 12, _E, 1.0, ("家具", "木业")),
)

#: Exempt utilities (豁免类型 公用事业): code, name, firm name, energy tce (calorific), carriers.
UTILITIES: tuple[tuple[str, str, str, float, tuple[float, float, float, float]], ...] = (
    ("4411", "火力发电", "瑞安市东新热电有限公司", 18_000.0, (0.08, 0.02, 0.9, 0.0)),
    ("4430", "热力生产和供应", "瑞安市汀田热力有限公司", 2_500.0, (0.1, 0.9, 0.0, 0.0)),
    ("4610", "自来水生产和供应", "瑞安市自来水有限公司", 1_800.0, (1.0, 0.0, 0.0, 0.0)),
    ("4620", "污水处理及其再生利用", "瑞安市江南污水处理有限公司", 1_200.0, (1.0, 0.0, 0.0, 0.0)),
)


@dataclass(frozen=True)
class ClusterSpec:
    """An industrial cluster around a real town seat: its share of parcels and favoured
    industries (4-digit code prefixes with weight multipliers)."""

    town: str
    weight: float
    boost: tuple[tuple[str, float], ...]


#: The clusters (11 of the 12 seats in ruian_industrial_areas.csv; 安阳 is the city centre).
CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec("塘下镇", 0.20, (("367", 2.5), ("375", 2.5), ("34", 1.5))),
    ClusterSpec("汀田街道", 0.10, (("367", 2.0), ("29", 1.5), ("22", 1.5))),
    ClusterSpec("莘塍街道", 0.10, (("367", 2.0), ("38", 2.5))),
    ClusterSpec("上望街道", 0.08, (("26", 5.0), ("27", 3.0), ("34", 1.5), ("17", 2.0))),
    ClusterSpec("东山街道", 0.14, (("3467", 4.0), ("35", 2.5), ("27", 2.0), ("38", 1.5), ("39", 2.0))),
    ClusterSpec("飞云街道", 0.08, (("195", 3.0), ("3467", 3.0), ("19", 2.0))),
    ClusterSpec("南滨街道", 0.07, (("34", 2.0), ("29", 2.5))),
    ClusterSpec("仙降街道", 0.09, (("195", 5.0), ("191", 4.0), ("192", 3.0), ("29", 2.0), ("3552", 3.0))),
    ClusterSpec("马屿镇", 0.07, (("17", 6.0), ("18", 3.0), ("30", 6.0))),
    ClusterSpec("陶山镇", 0.05, (("13", 8.0), ("14", 8.0), ("21", 4.0), ("18", 2.0), ("30", 2.0))),
    ClusterSpec("湖岭镇", 0.02, (("21", 4.0), ("33", 2.0), ("30", 3.0))),
)

#: Synthetic 地籍区 (town) codes used in 宗地代码 (subdistricts 0xx, towns 1xx).
SEAT_CODES: dict[str, int] = {
    "安阳街道": 1,
    "东山街道": 3,
    "上望街道": 4,
    "莘塍街道": 5,
    "汀田街道": 6,
    "飞云街道": 7,
    "仙降街道": 8,
    "南滨街道": 9,
    "塘下镇": 101,
    "马屿镇": 102,
    "陶山镇": 103,
    "湖岭镇": 104,
}

#: Parks: (name, cluster town, share of the cluster's area it covers).
PARKS: tuple[tuple[str, str, float], ...] = (
    ("瑞安经济开发区", "东山街道", 0.65),
    ("塘下汽摩配产业园", "塘下镇", 0.30),
    ("汀田小微企业园", "汀田街道", 0.06),
    ("莘塍汽配小微企业园", "莘塍街道", 0.07),
    ("飞云新材料小微企业园", "飞云街道", 0.07),
    ("仙降鞋业小微企业园", "仙降街道", 0.08),
    ("南滨智造小微企业园", "南滨街道", 0.08),
    ("马屿小微企业园", "马屿镇", 0.08),
    ("塘下鲍田小微企业园", "塘下镇", 0.04),
)

#: 工业用地控制线 per cluster: (cluster town, level, share of the cluster covered).
CONTROL_LINES: tuple[tuple[str, str, float], ...] = (
    ("塘下镇", "一级", 1.0),
    ("汀田街道", "一级", 1.0),
    ("莘塍街道", "一级", 1.0),
    ("上望街道", "二级", 1.0),
    ("东山街道", "一级", 1.0),
    ("飞云街道", "二级", 0.6),
    ("南滨街道", "二级", 1.0),
    ("仙降街道", "二级", 1.0),
    ("马屿镇", "二级", 0.7),
    ("陶山镇", "二级", 0.5),
)

#: Characters for firms' 字号 (trade names); all GBK.
NAME_CHARS = (
    "华瑞丰达鑫昌宏盛恒泰隆源捷凯新永金海东力通佳诚信明兴远博创宇正伟立豪顺安德宝光利天俊嘉和锦荣"
    "振飞祥益康腾骏亿胜弘奥威科邦驰鸿富强众旺星晨森美特欣志双环宁汇銮麒越图"
)
