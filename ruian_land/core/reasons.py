"""Reason codes of screening and remedies of the scenario: the one table of their texts.

Every flag raised by :mod:`ruian_land.screening` carries a stable code (``FAR_LT_MIN`` …).
Its Chinese and English wording, the level it applies to (``parcel`` or ``firm``), whether it
is *actionable* (puts a firm on the 《高耗低效整治企业清单》 and makes a parcel low-efficiency)
and its source live only here. Exports, maps and the CLI read the texts from this module.

Detailed texts are :meth:`str.format` templates filled from a row's values (``tax_per_mu``,
``far`` …) and the rule thresholds (``threshold``); when a value is missing the plain text
is used instead, so a template never fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "LOW_EFFICIENCY_CODES",
    "REASONS",
    "REMEDIES",
    "TAX_CODES",
    "Reason",
    "describe",
    "join_codes",
    "join_flags",
    "reason_text",
    "split_codes",
]

Level = Literal["parcel", "firm", "both"]


@dataclass(frozen=True)
class Reason:
    """One reason code.

    Attributes
    ----------
    code : str
        Stable identifier (upper-case ASCII).
    zh, en : str
        Plain text (no numbers).
    detail_zh, detail_en : str
        :meth:`str.format` templates with the measured value and the threshold.
    level : {"parcel", "firm", "both"}
        Where the rule is applied.
    actionable : bool
        True when the flag makes a parcel low-efficiency / idle or a firm a candidate for
        remedies; False for information and field checks.
    source : str
        Plan section or rule source.
    """

    code: str
    zh: str
    en: str
    detail_zh: str
    detail_en: str
    level: Level
    actionable: bool
    source: str


def _r(
    code: str,
    zh: str,
    en: str,
    detail_zh: str,
    detail_en: str,
    level: Level,
    actionable: bool,
    source: str,
) -> Reason:
    return Reason(code, zh, en, detail_zh, detail_en, level, actionable, source)


_TABLE: tuple[Reason, ...] = (
    _r(
        "PARK_TAX_LT_10",
        "园区内亩均税收低于10万元/亩",
        "in a park with tax per mu below 10 万元/亩",
        "园区内亩均税收{tax_per_mu:.2f}万元/亩,低于{threshold:g}万元/亩",
        "in a park, tax per mu {tax_per_mu:.2f} < {threshold:g} 万元/亩",
        "both",
        True,
        "plan §三(一)2 (园区内(包括小微园)亩均税收10万元以下低效企业全面出清)",
    ),
    _r(
        "TAX_LT_FLOOR",
        "亩均税收低于下限",
        "tax per mu below the floor",
        "亩均税收{tax_per_mu:.2f}万元/亩,低于下限{threshold:g}万元/亩",
        "tax per mu {tax_per_mu:.2f} < floor {threshold:g} 万元/亩",
        "parcel",
        True,
        "screening.tax_per_mu_floor (RULES.md §3, Dongyang)",
    ),
    _r(
        "TAX_LT_INDUSTRY_SHARE",
        "亩均税收低于行业平均水平的规定比例",
        "tax per mu below the set share of the industry average",
        "亩均税收{tax_per_mu:.2f}万元/亩,低于行业平均{industry_tax_per_mu:.2f}的{share:.0%}",
        "tax per mu {tax_per_mu:.2f} < {share:.0%} of the industry average {industry_tax_per_mu:.2f}",
        "parcel",
        True,
        "screening.industry_average_share (RULES.md §3, Dongyang / Jinhua)",
    ),
    _r(
        "FAR_LT_MIN",
        "容积率低于下限",
        "floor-area ratio below the minimum",
        "容积率{far:.2f},低于{threshold:g}",
        "FAR {far:.2f} < {threshold:g}",
        "parcel",
        True,
        "screening.far_min (RULES.md §3)",
    ),
    _r(
        "FAR_LT_STANDARD_SHARE",
        "容积率低于标准地要求的规定比例",
        "floor-area ratio below the set share of the 标准地 value",
        "容积率{far:.2f},低于标准地{standard_far:g}的{share:.0%}",
        "FAR {far:.2f} < {share:.0%} of the 标准地 value {standard_far:g}",
        "parcel",
        True,
        "screening.far_share_of_standard × the 标准地 FAR (parcel standard_far, else standard_land.far_by_industry; RULES.md §3, Jinhua / Taizhou)",
    ),
    _r(
        "COVERAGE_LT_MIN",
        "建筑系数低于下限",
        "building coverage below the minimum",
        "建筑系数{building_coverage:.0%},低于{threshold:.0%}",
        "building coverage {building_coverage:.0%} < {threshold:.0%}",
        "parcel",
        True,
        "screening.building_coverage_min (工业项目建设用地控制指标)",
    ),
    _r(
        "CLASS_D",
        "亩均效益评价D类",
        "rated D in the per-mu efficiency evaluation",
        "亩均效益评价D类",
        "rated D in the per-mu efficiency evaluation",
        "both",
        True,
        "RULES.md §3 (D class is low-efficiency)",
    ),
    _r(
        "IDLE_NOT_STARTED",
        "超过约定动工日期满一年未动工(闲置土地)",
        "not started one year after the agreed start date (idle land)",
        "约定动工日期后{idle_months:.0f}个月未动工",
        "not started {idle_months:.0f} months after the agreed start date",
        "parcel",
        True,
        "闲置土地处置办法 第二条",
    ),
    _r(
        "IDLE_SUSPENDED",
        "已动工但开发不足、中止开发建设满一年(闲置土地)",
        "started but under-developed and suspended for a year or more (idle land)",
        "中止开发建设{idle_months:.0f}个月",
        "construction suspended for {idle_months:.0f} months",
        "parcel",
        True,
        "闲置土地处置办法 第二条",
    ),
    _r(
        "IDLE_RECOVERY",
        "闲置满两年,依法无偿收回",
        "idle for two years or more: to be taken back without compensation",
        "闲置{idle_months:.0f}个月(满{threshold:g}个月),依法无偿收回",
        "idle {idle_months:.0f} months (≥ {threshold:g}): taken back without compensation",
        "parcel",
        True,
        "闲置土地处置办法 第十四条(二)",
    ),
    _r(
        "BUILT_UP_CHECK",
        "登记已建但影像建成比例低,需现场核查",
        "recorded as built but imagery shows little building: check on site",
        "登记已建,影像建成比例仅{built_up_fraction:.1%}(低于{threshold:.0%})",
        "recorded as built but built-up fraction {built_up_fraction:.1%} < {threshold:.0%}",
        "parcel",
        False,
        "screening.built_up_check_fraction (assumption)",
    ),
    _r(
        "TWO_HIGH_NEW",
        "2018年以来建设、年综合能耗1000吨标准煤以上的两高项目",
        "project built since 2018 using ≥ 1000 tce a year (两高)",
        "{project_built_year:.0f}年建成,年综合能耗{energy_tce:,.0f}吨标准煤(≥{threshold:g})",
        "built {project_built_year:.0f}, {energy_tce:,.0f} tce/yr (≥ {threshold:g})",
        "firm",
        True,
        "plan §三(一)3",
    ),
    _r(
        "TWO_HIGH_OLD",
        "2018年以前建设、年综合能耗5000吨标准煤以上的用能项目",
        "project built before 2018 using ≥ 5000 tce a year",
        "{project_built_year:.0f}年建成,年综合能耗{energy_tce:,.0f}吨标准煤(≥{threshold:g})",
        "built {project_built_year:.0f}, {energy_tce:,.0f} tce/yr (≥ {threshold:g})",
        "firm",
        True,
        "plan §三(一)3",
    ),
    _r(
        "TWO_HIGH_INDUSTRY",
        "属两高行业(煤电、石化、化工、钢铁、有色金属冶炼、建材)",
        "in a 两高 industry (coal power, petrochemicals, chemicals, steel, non-ferrous smelting, building materials)",
        "行业代码{industry_code}属两高行业",
        "industry code {industry_code} is a 两高 industry",
        "firm",
        False,
        "two_high.industry_divisions (MEE 2021)",
    ),
    _r(
        "ADMISSION_EXCEEDED",
        "单位增加值能耗超过新上项目准入值",
        "energy per value added above the admission limit for new projects",
        "单位增加值能耗{energy_per_value_added:.2f}吨标准煤/万元,高于准入值{threshold:g}",
        "{energy_per_value_added:.2f} tce per 万元 value added > admission limit {threshold:g}",
        "firm",
        False,
        "two_high.admission_tce_per_wan (Zhejiang 2022)",
    ),
    _r(
        "INDUSTRY_ELIMINATED",
        "属淘汰类或禁止类产业",
        "in an industry class listed for elimination or prohibited",
        "产业政策类别为{industry_policy}",
        "industry policy class {industry_policy}",
        "both",
        True,
        "screening.eliminated_industry_classes (RULES.md §3; 产业结构调整指导目录 淘汰类)",
    ),
    _r(
        "COMPLIANCE_CHECK",
        "有安全、环保或节能违法违规记录,需合规检查、限期整改",
        "safety, environmental or energy-saving breaches on record: compliance check and rectification",
        "有{violations_zh}记录,需合规检查、限期整改",
        "{violations_en} on record: compliance check and rectification",
        "firm",
        False,
        "plan §三(一)2 (合规检查 … 限期整改,逾期未整改或经整改仍未达标的依法关停退出)",
    ),
    _r(
        "IDLE_DATE_MISSING",
        "未动工但约定动工日期缺失,无法判定是否闲置",
        "not started and no agreed start date on record: idle status cannot be judged",
        "未动工但约定动工日期缺失,无法判定是否闲置",
        "not started and no agreed start date on record: idle status cannot be judged",
        "parcel",
        False,
        "闲置土地处置办法 第二条 (needs 约定动工开发日期)",
    ),
    _r(
        "DATA_MISSING",
        "缺少税收数据,待核实",
        "tax data missing: to be checked",
        "缺少税收数据(使用企业{missing_tax_uscc}),亩均税收未计算,待核实",
        "tax data missing (occupant {missing_tax_uscc}): tax per mu not computed, to be checked",
        "both",
        False,
        "missing data is not 0 (CONTRACTS: missing numbers are NaN): the tax rules are not applied to a "
        "parcel whose occupants' taxes are not all known",
    ),
    _r(
        "VACANT",
        "无使用企业",
        "no occupant on record",
        "无使用企业",
        "no occupant on record",
        "parcel",
        False,
        "occupancy links",
    ),
    _r(
        "GOV_DELAY",
        "政府原因或不可抗力造成动工延迟,不计闲置",
        "delay caused by government or force majeure: not counted as idle",
        "政府原因或不可抗力延误{gov_delay_months:.0f}个月,期间停止计算闲置时间",
        "government / force-majeure delay of {gov_delay_months:.0f} months: the idle clock stopped meanwhile",
        "parcel",
        False,
        "闲置土地处置办法 第八条",
    ),
)

#: All reason codes, in display order.
REASONS: dict[str, Reason] = {r.code: r for r in _TABLE}

#: Codes of the tax-based low-efficiency rules (the rules that need an occupant's tax). Which codes
#: the Jinhua exemptions switch off is the rule ``screening.exempt_codes``.
TAX_CODES: tuple[str, ...] = ("TAX_LT_FLOOR", "TAX_LT_INDUSTRY_SHARE")

#: Codes that make a parcel low-efficiency (``is_low_efficiency``).
LOW_EFFICIENCY_CODES: tuple[str, ...] = (
    "PARK_TAX_LT_10",
    "TAX_LT_FLOOR",
    "TAX_LT_INDUSTRY_SHARE",
    "FAR_LT_MIN",
    "FAR_LT_STANDARD_SHARE",
    "COVERAGE_LT_MIN",
    "CLASS_D",
    "INDUSTRY_ELIMINATED",
)

#: Remedies of plan §三(一)2 used by the scenario: identifier → (Chinese, English).
REMEDIES: dict[str, tuple[str, str]] = {
    "exit": ("关停退出", "exit (shut down, land vacated)"),
    "relocate": ("搬迁入园", "relocate into a park (land vacated)"),
    "upgrade": ("改造提升", "upgrade in place"),
    "recover": ("收回闲置土地", "idle land taken back"),
}


def reason_text(code: str, lang: str = "zh") -> str:
    """Plain text of one reason code (``lang`` ``"zh"`` or ``"en"``).

    Raises
    ------
    KeyError
        Unknown code.
    """
    r = REASONS[code]
    return r.zh if lang == "zh" else r.en


def describe(code: str, lang: str = "zh", values: Mapping[str, Any] | None = None) -> str:
    """Detailed text of a reason, filled from ``values`` (plain text if a value is missing).

    Parameters
    ----------
    code : str
        A key of :data:`REASONS`.
    lang : {"zh", "en"}
    values : mapping, optional
        Measured values and thresholds named as in the templates (``tax_per_mu``,
        ``threshold`` …).
    """
    r = REASONS[code]
    template = r.detail_zh if lang == "zh" else r.detail_en
    if values:
        try:
            clean = {k: v for k, v in values.items() if not _missing(v)}
            return template.format(**clean)
        except (KeyError, ValueError, TypeError):
            pass
    return reason_text(code, lang)


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float | np.floating) and not np.isfinite(v)


def join_codes(codes: Iterable[str]) -> str:
    """Join codes with ``;`` in :data:`REASONS` order, without duplicates."""
    order = {c: i for i, c in enumerate(REASONS)}
    uniq = {c for c in codes if c}
    return ";".join(sorted(uniq, key=lambda c: (order.get(c, len(order)), c)))


def split_codes(joined: object) -> list[str]:
    """Split a ``;``-joined code string (empty or missing → ``[]``)."""
    if not isinstance(joined, str) or not joined:
        return []
    return [c for c in joined.split(";") if c]


def join_flags(flags: pd.DataFrame) -> pd.Series:
    """``;``-join the names of the True columns of a boolean frame (in :data:`REASONS` order).

    Parameters
    ----------
    flags : DataFrame of bool
        One column per reason code.

    Returns
    -------
    Series of str, same index (``""`` where no flag is set).
    """
    order = [c for c in REASONS if c in flags.columns]
    out = pd.Series("", index=flags.index, dtype=object)
    for code in order:
        hit = flags[code].to_numpy(dtype=bool)
        out[hit] = out[hit] + ";" + code
    return out.str.lstrip(";")
