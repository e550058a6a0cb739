"""Why each 小微企业园 candidate site ranks where it does (Chinese explanation text) and whether the
shortlist meets plan §三(一)5's counts (:func:`plan_shortfall`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import m2_to_mu

__all__ = ["WEIGHT_KEYS", "WEIGHT_ZH", "explain_sites", "plan_shortfall"]

WEIGHT_KEYS = ("area", "vacant_share", "compactness", "inside_line")
WEIGHT_ZH = {"area": "面积", "vacant_share": "腾空", "compactness": "紧凑度", "inside_line": "控制线"}


class _Row:
    """Attribute access to one record (keeps the explanation text readable)."""

    def __init__(self, rec: Mapping[Any, Any]) -> None:
        self.__dict__.update({str(k): v for k, v in rec.items()})

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - only for type checkers
        raise AttributeError(name)


def _pct(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{x * 100:.0f}%"


def explain_sites(
    sites: pd.DataFrame,
    why: pd.Series,
    rules: Any,
    weights: dict[str, float],
    limits: dict[str, float],
    lines_checked: bool,
) -> list[str]:
    gap = float(rules.value("parks.adjacency_gap_m"))
    min_area = float(rules.value("parks.min_site_area_mu"))
    max_area = float(rules.value("parks.max_site_area_mu"))
    min_inside = float(rules.value("parks.min_inside_control_line"))
    min_compact = float(rules.value("parks.min_compactness"))
    far = float(rules.value("parks.planned_far"))
    lo, hi = (float(v) for v in rules.value("parks.far_range"))
    unit = float(rules.value("parks.unit_floor_area_m2"))
    tax_per_mu = float(rules.value("parks.expected_tax_per_mu"))
    rent = float(rules.value("parks.rent_cap_yuan_m2_month"))
    total_w = sum(weights.values())
    out = []
    for rec, reason in zip(sites.to_dict("records"), why, strict=True):
        r = _Row(rec)
        parts = [f"{r.site_id}：由{r.parcel_count}宗地组成（相距不超过{gap:g}米的宗地视为相邻）"]
        if r.pieces > 1:
            parts.append(
                f"所在相邻地块群{r.component_id}共{m2_to_mu(r.c_area):.1f}亩，超过单个园区上限{max_area:g}亩"
                f"或形状狭长（紧凑度<{min_compact:g}），已按主轴递归二分拆成{r.pieces}处"
            )
        elif r.parcel_count == 1 and r.area_mu > max_area:
            parts.append(f"单宗地面积超过园区上限{max_area:g}亩，宗地不拆分")
        parts.append(f"总面积{r.area_mu:.1f}亩")
        if lines_checked:
            parts.append(
                f"工业用地控制线内{r.area_inside_mu:.1f}亩（{_pct(r.inside_share)}），"
                "控制线内腾出的工业用地须保持工业用途（计划§四(二)）"
            )
            if r.sliver_parcels:
                parts.append(f"{r.sliver_parcels}宗地与控制线边界的细碎图斑已按边界误差归并")
        else:
            parts.append("未提供工业用地控制线，未核对")
        parts.append(f"已腾空或空置比例{_pct(r.vacant_share)}")
        parts.append(f"紧凑度{r.compactness:.2f}")
        for name, limit in limits.items():
            mean = float(getattr(r, f"{name}_mean"))
            parts.append(
                f"{name}均值{mean:.2f}（上限{limit:g}）" if np.isfinite(mean) else f"{name}栅格未覆盖，未核对"
            )
        parts.append(
            f"按容积率{far:g}（规则范围{lo:g}–{hi:g}，对应{lo * r.capacity_floor_m2 / far:,.0f}–"
            f"{hi * r.capacity_floor_m2 / far:,.0f}平方米）可建建筑面积{r.capacity_floor_m2:,.0f}平方米，"
            f"约容纳{r.capacity_firms}家企业（每家{unit:g}平方米）、{r.jobs}个就业岗位，"
            f"预期税收{r.expected_tax_wan:,.0f}万元/年（{tax_per_mu:g}万元/亩），"
            f"按租金上限{rent:g}元/平方米·月满租年租金{r.rent_wan:,.0f}万元"
        )
        stars = int(r.potential_stars)
        parts.append(
            (f"按面积、建筑面积和亩均税收推定可达{stars}星级候选条件" if stars else "未达三星级候选条件")
            + "（星级数值门槛未见公开文件，parks.star_criteria为假设输入；评定另看运营管理和配套服务）"
        )
        if r.qualifies:
            terms = " + ".join(
                f"{weights[k] / total_w:.2f}×{WEIGHT_ZH[k]}{getattr(r, f'c_{k}'):.2f}" for k in WEIGHT_KEYS
            )
            parts.append(f"得分{r.score:.1f} = 100×({terms})，排名第{r.rank}")
            if reason == "rank":
                parts.append("按排名列入计划短名单")
            elif reason == "4star":
                parts.append("为满足四星级以上园区目标列入计划短名单")
        else:
            parts.append("未入选：" + "；".join(_failures(r, min_area, min_inside, min_compact, limits)))
        out.append("；".join(parts) + "。")
    return out


def _failures(
    r: _Row, min_area: float, min_inside: float, min_compact: float, limits: dict[str, float]
) -> list[str]:
    why = []
    if r.area_inside_mu < min_area - 1e-9:
        why.append(f"控制线内可用面积{r.area_inside_mu:.1f}亩 < 最小规模{min_area:g}亩")
    if np.isfinite(r.inside_share) and r.inside_share < min_inside - 1e-12:
        why.append(f"控制线内比例{_pct(r.inside_share)} < {_pct(min_inside)}")
    if r.compactness < min_compact - 1e-12:
        why.append(f"紧凑度{r.compactness:.2f} < {min_compact:g}")
    for name, limit in limits.items():
        mean = float(getattr(r, f"{name}_mean"))
        if mean > limit + 1e-12:
            why.append(f"{name}均值{mean:.2f} > {limit:g}")
    return why


def plan_shortfall(sites: pd.DataFrame, rules: Any) -> dict[str, Any]:
    """Compare the qualifying sites with the plan's 小微企业园 targets (≥ 3 and ≥ 4 stars).

    Parameters
    ----------
    sites : DataFrame
        Output of :func:`candidate_sites` (rows with ``qualifies`` False are not counted).
        Sites count towards a star target when their ``potential_stars`` reaches it; a
        frame without that column counts every qualifying site as 3-star and none as 4-star.
    rules : RuleSet
        Reads ``targets.micro_parks_3star`` ([min, max], plan §三(一)5: 新培育三星级以上
        小微企业园5-6个) and ``targets.micro_parks_4star`` (四星级以上2-3个).

    Returns
    -------
    dict
        ``qualifying_sites``, ``sites_3star`` and ``sites_4star`` (qualifying sites with that
        star potential), ``shortlisted``, ``shortlisted_3star``, ``shortlisted_4star``,
        ``target_3star_min``, ``target_3star_max``, ``target_4star_min``,
        ``target_4star_max``, ``shortfall`` (3-star sites missing to reach the minimum, ≥ 0),
        ``shortfall_4star``, ``meets_target`` (bool: both minimums reachable),
        ``qualifying_area_mu``, ``shortlisted_area_mu`` and ``message_zh``. Star potential
        is a heuristic on assumed thresholds (numeric cut-offs were not found); ratings
        also depend on operation and services: a site is a candidate, not a rated park.
    """
    lo3, hi3 = (int(v) for v in rules.value("targets.micro_parks_3star"))
    lo4, hi4 = (int(v) for v in rules.value("targets.micro_parks_4star"))
    q = sites.loc[sites["qualifies"].astype(bool)] if "qualifies" in sites.columns else sites
    stars = (
        q["potential_stars"].astype(int)
        if "potential_stars" in q.columns
        else pd.Series(3, index=q.index, dtype=int)
    )
    short = q["shortlisted"].astype(bool) if "shortlisted" in q.columns else pd.Series(False, index=q.index)
    n3, n4 = int((stars >= 3).sum()), int((stars >= 4).sum())
    s3, s4 = int((short & (stars >= 3)).sum()), int((short & (stars >= 4)).sum())
    area_col = q["area_inside_mu"] if "area_inside_mu" in q.columns else pd.Series(0.0, index=q.index)
    area = float(area_col.sum())
    short_area = float(area_col[short].sum())
    shortfall, shortfall4 = max(0, lo3 - n3), max(0, lo4 - n4)
    head = (
        f"符合选址条件的小微企业园候选地块{len(q)}处（控制线内合计{area:.1f}亩），"
        f"按假设星级门槛可达三星级以上{n3}处、四星级以上{n4}处"
    )
    if shortfall or shortfall4:
        gaps = []
        if shortfall:
            gaps.append(f"三星级以上缺口{shortfall}处")
        if shortfall4:
            gaps.append(f"四星级以上缺口{shortfall4}处")
        msg = (
            f"{head}，少于计划新培育三星级以上小微企业园{lo3}-{hi3}个、四星级以上{lo4}-{hi4}个的目标，"
            f"{'、'.join(gaps)}：需扩大腾退范围、利用旧厂房改造或调整选址规则。"
        )
    else:
        msg = (
            f"{head}；短名单{s3}处（其中四星级以上{s4}处，控制线内{short_area:.1f}亩）可支撑计划新培育"
            f"三星级以上小微企业园{lo3}-{hi3}个（其中四星级以上{lo4}-{hi4}个）的目标。"
        )
    msg += "星级门槛未见公开文件，按规则parks.star_criteria假设推定；评定另需运营管理和配套服务指标。"
    return {
        "qualifying_sites": len(q),
        "sites_3star": n3,
        "sites_4star": n4,
        "shortlisted": int(short.sum()),
        "shortlisted_3star": s3,
        "shortlisted_4star": s4,
        "target_3star_min": lo3,
        "target_3star_max": hi3,
        "target_4star_min": lo4,
        "target_4star_max": hi4,
        "shortfall": shortfall,
        "shortfall_4star": shortfall4,
        "meets_target": shortfall == 0 and shortfall4 == 0,
        "qualifying_area_mu": area,
        "shortlisted_area_mu": short_area,
        "message_zh": msg,
    }
