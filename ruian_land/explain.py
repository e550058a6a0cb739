"""Texts of the 亩均效益 evaluation: class reasons (Chinese / English) and per-firm explanations.

Only wording lives here; every number shown comes from the evaluation (:mod:`ruian_land.evaluation`)
and the rule set. Labels come from :data:`ruian_land.columns.LABELS_ZH`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ruian_land.columns import label_zh
from ruian_land.indicators import DEFINITIONS

__all__ = [
    "GROUP_ZH",
    "IndicatorScore",
    "Reason",
    "band_reason",
    "exempt_reason_text",
    "explanation_text",
    "flag_label",
    "format_value",
    "join_reasons",
    "new_firm_reason",
    "short_label",
    "small_firm_reason",
    "tenant_reason",
    "unlinked_reason",
    "veto_force_d_reason",
    "veto_not_ab_reason",
]

#: A reason as (Chinese, English) text.
Reason = tuple[str, str]

#: Chinese names of the evaluation groups.
GROUP_ZH = {"above": "规上", "below": "规下"}

#: English glosses of the registry's 豁免类型 values (others are shown as given).
_EXEMPT_EN = {
    "公用事业": "public utility",
    "新设企业": "new firm",
    "政策性搬迁": "policy relocation",
    "建设期": "under construction",
}


@dataclass(frozen=True)
class IndicatorScore:
    """One indicator's contribution for one firm (input of :func:`explanation_text`)."""

    indicator: str
    value: float
    benchmark: float
    benchmark_is_population: bool
    weight: float
    score: float
    cap: float
    floor: float
    averaged: bool


def short_label(name: str) -> str:
    """Chinese label without its ``(unit)`` suffix: ``tax_per_mu`` → ``亩均税收``."""
    return re.sub(r"\s*\([^()]*\)$", "", label_zh(name))


def flag_label(flag: str) -> tuple[str, str]:
    """Chinese and English names of a veto flag column (``safety_accident`` → 安全事故, safety accident)."""
    return label_zh(flag), flag.replace("_", " ")


def format_value(value: float, unit: str) -> str:
    """Number with its unit for popups: fractions as %, ≥ 1 with 2 decimals, else 4 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "fraction":
        return f"{value * 100:.2f}%"
    text = f"{value:.2f}" if abs(value) >= 1 else f"{value:.4g}"
    return f"{text}{unit}"


def _pct(share: float) -> str:
    return f"{round(share * 100, 6):g}"


def band_reason(cls: str, bands: dict[str, float]) -> Reason:
    """Reason of a class given by rank, e.g. (``排名前20%``, ``top 20 %``) for A."""
    a, b, c = (float(bands[k]) for k in ("A", "B", "C"))
    if cls == "A":
        return f"排名前{_pct(a)}%", f"top {_pct(a)} %"
    if cls == "B":
        return f"排名{_pct(a)}%–{_pct(b)}%", f"rank {_pct(a)}–{_pct(b)} %"
    if cls == "C":
        return f"排名{_pct(b)}%–{_pct(c)}%", f"rank {_pct(b)}–{_pct(c)} %"
    return f"排名后{_pct(1 - c)}%", f"bottom {_pct(1 - c)} %"


def veto_not_ab_reason(flag: str, was: str | None) -> Reason:
    """(``安全事故否决: 不得评为A/B``, ``veto: safety accident``), noting the class it replaced."""
    zh, en = flag_label(flag)
    if was:
        return f"{zh}否决: 不得评为A/B (原{was}类)", f"veto: {en} (was {was})"
    return f"{zh}否决: 不得评为A/B", f"veto: {en}"


def veto_force_d_reason(flag: str, was: str | None) -> Reason:
    """(``欠税: 直接评为D``, ``veto: tax arrears → D``), noting the class it replaced."""
    zh, en = flag_label(flag)
    if was:
        return f"{zh}: 直接评为D (原{was}类)", f"veto: {en} → D (was {was})"
    return f"{zh}: 直接评为D", f"veto: {en} → D"


def exempt_reason_text(reason: str) -> Reason:
    """(``豁免: 公用事业``, ``exempt: public utility``)."""
    return f"豁免: {reason}", f"exempt: {_EXEMPT_EN.get(reason, reason)}"


def new_firm_reason(years: float, date_text: str) -> Reason:
    """(``新设企业: 不满2年 (2021-03-01起)``, ``exempt: new firm under 2 years (since 2021-03-01)``)."""
    return (
        f"新设企业: 不满{years:g}年 ({date_text}起)",
        f"exempt: new firm under {years:g} years (since {date_text})",
    )


def unlinked_reason() -> Reason:
    """Reason for a firm with no linked land."""
    return "未关联用地, 不参评", "not rated: no linked land"


def small_firm_reason(area_mu: float, min_mu: float) -> Reason:
    """Reason for a 规下 firm under the minimum area (plan §三(一)1)."""
    return (
        f"规下企业用地{area_mu:.2f}亩 < {min_mu:g}亩, 不在评价范围",
        f"not rated: below-scale firm on {area_mu:.2f} mu < {min_mu:g} mu",
    )


def tenant_reason(landlord: str, cls: str) -> Reason:
    """Reason for a 规下 tenant that takes its landlord's class."""
    return f"承租企业随出租方({landlord})评为{cls}类", f"tenant takes landlord's class ({landlord})"


def join_reasons(reasons: list[Reason]) -> str:
    """``zh / en`` per reason, reasons joined by ``; `` (the ``class_reason`` column)."""
    return "; ".join(f"{zh} / {en}" for zh, en in reasons)


def _indicator_line(item: IndicatorScore, group_zh: str) -> str:
    label = short_label(item.indicator)
    pts = f"{item.score:.2f}/{item.weight:g}分"
    if math.isnan(item.value):
        if item.averaged:
            return f"{label} 缺数据 → 取{group_zh}平均分 {pts}"
        return f"{label} 缺数据 → {pts}"
    unit = DEFINITIONS[item.indicator].unit
    if math.isnan(item.benchmark):
        return f"{label} {format_value(item.value, unit)}, 无基准 → {pts}"
    bench = format_value(item.benchmark, unit if unit == "fraction" else "")
    bench += "(组内平均)" if item.benchmark_is_population else ""
    ratio = item.value / item.benchmark
    note = ""
    if item.score >= item.cap and ratio * item.weight > item.cap:
        note = " (封顶)"
    elif item.score <= item.floor and ratio * item.weight < item.floor:
        note = " (保底)"
    return f"{label} {format_value(item.value, unit)} ÷ 基准{bench} = {ratio:.2f} → {pts}{note}"


def explanation_text(
    group: str,
    items: list[IndicatorScore],
    total: float,
    rank: int,
    n_rated: int,
    cls: str,
    reasons: list[Reason],
) -> str:
    """Per-firm breakdown for map popups and exports, one line per indicator (``\\n``-separated).

    Example line: ``亩均税收 26.01万元/亩 ÷ 基准26.01万元/亩 = 1.00 → 30.00/30分``.
    """
    gz = GROUP_ZH.get(group, group)
    head = f"{gz}评价 综合得分 {total:.2f} (组内第{rank}/{n_rated}名)"
    lines = [head, *(_indicator_line(i, gz) for i in items)]
    lines.append(f"评级 {cls}: " + "; ".join(zh for zh, _ in reasons))
    return "\n".join(lines)
