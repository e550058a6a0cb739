"""Texts of the 亩均效益 evaluation: class reasons (Chinese / English) and per-firm explanations.

Only wording lives here; every number shown comes from the evaluation (:mod:`ruian_land.evaluation`)
and the rule set. Labels come from :data:`ruian_land.core.labels.LABELS_ZH`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ruian_land.core import label_zh
from ruian_land.evaluation.indicators import DEFINITIONS

__all__ = [
    "EXEMPT_TYPES",
    "GROUP_ZH",
    "IndicatorScore",
    "Reason",
    "band_reason",
    "exempt_reason_text",
    "exempt_type_of",
    "explanation_text",
    "flag_label",
    "format_value",
    "join_reasons",
    "land_grant_reason",
    "lease_penalty_line",
    "new_firm_reason",
    "no_statistics_note",
    "no_tax_reason",
    "short_label",
    "small_firm_reason",
    "tenant_reason",
    "unlinked_reason",
    "veto_reason",
]

#: A reason as (Chinese, English) text.
Reason = tuple[str, str]

#: Chinese names of the evaluation groups.
GROUP_ZH = {"above": "规上", "below": "规下"}

#: Exemption types (``exempt_type`` column): code → (registry 豁免类型 text, English gloss).
EXEMPT_TYPES: dict[str, tuple[str, str]] = {
    "utility": ("公用事业", "public utility"),
    "new_firm": ("新设企业", "new firm"),
    "land_grant": ("供地不满年限", "land granted recently"),
    "construction": ("建设期", "under construction"),
    "relocation": ("政策性搬迁", "policy relocation"),
    "other": ("其他豁免", "other exemption"),
}
_EXEMPT_BY_TEXT = {zh: code for code, (zh, _) in EXEMPT_TYPES.items()}


def exempt_type_of(reason: str) -> str:
    """Exemption code of a registry 豁免类型 text (``公用事业`` → ``utility``; a code passes; else ``other``)."""
    text = reason.strip()
    if text in EXEMPT_TYPES:
        return text
    return _EXEMPT_BY_TEXT.get(text, "other")


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
    if name not in _SHORT:
        _SHORT[name] = re.sub(r"\s*\([^()]*\)$", "", label_zh(name))
    return _SHORT[name]


_SHORT: dict[str, str] = {}  # short_label per name (a handful of indicators, asked once per firm)


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


_VETO_TEXT = {
    "not_ab": ("否决: 不得评为A/B", "veto: {en}"),
    "down_one": ("降一档", "veto: {en} → down one class"),
    "force_d": ("直接评为D", "veto: {en} → D"),
}


def veto_reason(flag: str, action: str, was: str | None) -> Reason:
    """Reason of a veto, e.g. (``安全事故否决: 不得评为A/B (原A类)``, ``veto: safety accident (was A)``).

    ``action`` is ``not_ab``, ``down_one`` or ``force_d`` (rule ``evaluation.vetoes``); ``was`` the class
    it replaced (``None`` when the class did not change).
    """
    zh, en = flag_label(flag)
    zh_act, en_act = _VETO_TEXT[action]
    sep = "" if action == "not_ab" else ": "
    text_zh, text_en = f"{zh}{sep}{zh_act}", en_act.format(en=en)
    if was:
        return f"{text_zh} (原{was}类)", f"{text_en} (was {was})"
    return text_zh, text_en


def exempt_reason_text(reason: str) -> Reason:
    """(``豁免: 公用事业``, ``exempt: public utility``)."""
    code = exempt_type_of(reason)
    en = EXEMPT_TYPES[code][1] if code != "other" else reason
    return f"豁免: {reason}", f"exempt: {en}"


def land_grant_reason(years: float, date_text: str) -> Reason:
    """(``供地不满3年 (2020-05-01供地)``, ``exempt: land granted under 3 years ago (2020-05-01)``)."""
    return (
        f"供地不满{years:g}年 ({date_text}供地)",
        f"exempt: land granted under {years:g} years ago ({date_text})",
    )


def new_firm_reason(years: float, date_text: str) -> Reason:
    """(``新设企业: 不满2年 (2021-03-01起)``, ``exempt: new firm under 2 years (since 2021-03-01)``)."""
    return (
        f"新设企业: 不满{years:g}年 ({date_text}起)",
        f"exempt: new firm under {years:g} years (since {date_text})",
    )


def unlinked_reason() -> Reason:
    """Reason for a firm with no linked land."""
    return "未关联用地, 不参评", "not rated: no linked land"


def no_tax_reason(*, blank: bool = False) -> Reason:
    """Reason for a firm whose tax is missing: no row in the tax table (``缺少税收数据 / no tax
    record``), or a row with a blank tax cell (``blank``)."""
    if blank:
        return "缺少税收数据(税收表中为空), 不参评", "no tax value (blank in the tax table): not rated"
    return "缺少税收数据", "no tax record"


def no_statistics_note() -> Reason:
    """Note for a rated 规上 firm without statistics (its value-added indicators scored the floor)."""
    return (
        "缺少统计数据: 增加值等指标按最低分计",
        "no statistics record: value-added indicators scored the floor",
    )


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


def lease_penalty_line(tenants: int, points: float, first: float, further: float) -> str:
    """``出租厂房给3家企业: 扣12.00分 (首家10分, 其后每家5分)`` (Wenling lease penalty)."""
    return f"出租厂房给{tenants}家企业: 扣{points:.2f}分 (首家{first:g}分, 其后每家{further:g}分)"


def _group_text(group: str, rank_group: str | None) -> str:
    gz = GROUP_ZH.get(group, group)
    if not rank_group or rank_group == group:
        return gz
    industry = rank_group.split("/", 1)[1]
    return f"{gz}·{'其他行业' if industry == 'other' else '行业' + industry}"


def explanation_text(
    group: str,
    items: list[IndicatorScore],
    total: float,
    rank: int,
    n_rated: int,
    cls: str,
    reasons: list[Reason],
    *,
    penalty_line: str | None = None,
    rank_group: str | None = None,
) -> str:
    """Per-firm breakdown for map popups and exports, one line per indicator (``\\n``-separated).

    Lines: the head (group, total, rank), one line per indicator (value ÷ benchmark = ratio →
    capped score / weight), the lease penalty when there is one, and the class with its reasons.
    Example indicator line: ``亩均税收 26.01万元/亩 ÷ 基准26.01 = 1.00 → 30.00/30分``.
    """
    gz = GROUP_ZH.get(group, group)
    head = f"{_group_text(group, rank_group)}评价 综合得分 {total:.2f} (组内第{rank}/{n_rated}名)"
    lines = [head, *(_indicator_line(i, gz) for i in items)]
    if penalty_line:
        lines.append(penalty_line)
    lines.append(f"评级 {cls}: " + "; ".join(zh for zh, _ in reasons))
    return "\n".join(lines)
