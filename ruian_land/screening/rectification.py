"""The 《高耗低效整治企业清单》 (plan §三(一)1): one row per firm and one per parcel.

Plan §三(一)1 asks for a list of the 高耗低效 firms found by screening every 规上 manufacturing
firm and every 规下 one on 3 亩 or more, managed as a closed loop (清单管理, 闭环管理); §三(一)2
for a remedy per firm (一企一策) until it meets the standard and is struck off (达标销号).

* :func:`firm_list` – one row per flagged firm (:attr:`Screening.firms` ``flagged``): code,
  name, town, park, industry, scale, class, land, tax, energy, the reason codes with their plain
  Chinese and English names (``reason_names_zh`` / ``_en``) and the figures that triggered them
  (``reasons_zh`` / ``_en``, e.g. ``园区内亩均税收6.20万元/亩,低于10万元/亩``), and the
  tracking columns.
* :func:`parcel_list` – one row per low-efficiency or idle parcel, with its occupants, figures,
  idle fee and the same tracking columns.
* Tracking columns (:data:`TRACKING_COLUMNS`): ``status`` (待整治 / 整治中 / 已销号), the
  planner's ``remedy_plan``, ``responsible_unit`` (default the town: plan §三(一)1 makes the
  乡镇(街道) 责任主体), ``deadline`` and ``planner_notes``, then ``first_listed``,
  ``last_flagged``, ``on_current_list`` and ``tracking_note`` kept by
  :func:`ruian_land.screening.tracking.merge_status`, which carries the planner's edits over a re-run.
* Summaries of the screening and of these lists by town or park, and progress against the plan
  targets: :mod:`ruian_land.screening.summaries`.

Frames carry canonical English column names; Chinese headers come from
:data:`ruian_land.core.labels.LABELS_ZH` at export time. ``attrs``: ``key`` (``uscc`` /
``parcel_id``), ``list_kind`` (``firm`` / ``parcel``), ``as_of`` (ISO date).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruian_land.core import join_by_group, plain_texts, split_codes
from ruian_land.rules import RuleSet
from ruian_land.screening.base import STATUS_TODO, text_of
from ruian_land.screening.idle import truthy
from ruian_land.screening.result import Screening

__all__ = [
    "FIRM_LIST_COLUMNS",
    "FIRM_SHEET",
    "PARCEL_LIST_COLUMNS",
    "PARCEL_SHEET",
    "PLANNER_COLUMNS",
    "TRACKING_COLUMNS",
    "field_checks",
    "firm_list",
    "parcel_list",
]

#: Suggested sheet names when the lists are exported to one workbook.
FIRM_SHEET = "整治企业清单"
PARCEL_SHEET = "整治宗地清单"

#: Columns the planner edits; :func:`ruian_land.screening.tracking.merge_status` keeps them over a re-run.
PLANNER_COLUMNS: tuple[str, ...] = ("status", "remedy_plan", "responsible_unit", "deadline", "planner_notes")
#: Planner columns followed by the tracking columns the tool keeps.
TRACKING_COLUMNS: tuple[str, ...] = (
    *PLANNER_COLUMNS,
    "first_listed",
    "last_flagged",
    "on_current_list",
    "tracking_note",
)

FIRM_LIST_COLUMNS: tuple[str, ...] = (
    "seq",
    "uscc",
    "name",
    "town",
    "park_name",
    "industry_code",
    "industry_name",
    "above_scale",
    "eval_class",
    "land_area_mu",
    "parcel_ids",
    "tax_wan",
    "tax_per_mu",
    "value_added_wan",
    "energy_tce_calorific",
    "is_two_high",
    "reason_codes",
    "reason_names_zh",
    "reason_names_en",
    "reasons_zh",
    "reasons_en",
    "list_note",
    "suggested_remedy",
    "suggested_year",
    "suggested_freed_area_mu",
    "suggested_energy_saved_tce",
    *TRACKING_COLUMNS,
)

PARCEL_LIST_COLUMNS: tuple[str, ...] = (
    "seq",
    "parcel_id",
    "town",
    "park_name",
    "land_use",
    "area_mu",
    "occupant_names",
    "occupant_usccs",
    "occupant_count",
    "main_uscc",
    "main_class",
    "tax_wan",
    "tax_per_mu",
    "industry_tax_per_mu",
    "far",
    "standard_far",
    "building_coverage",
    "built_up_fraction",
    "is_low_efficiency",
    "is_idle",
    "idle_months",
    "idle_fee_wan",
    "idle_recovery",
    "reason_codes",
    "reason_names_zh",
    "reason_names_en",
    "reasons_zh",
    "reasons_en",
    "notes",
    *TRACKING_COLUMNS,
)


def _with_tracking(frame: pd.DataFrame, as_of: pd.Timestamp, key: str, kind: str) -> pd.DataFrame:
    out = frame.copy()
    out["status"] = STATUS_TODO
    out["remedy_plan"] = ""
    out["responsible_unit"] = text_of(out["town"])
    out["deadline"] = ""
    out["planner_notes"] = ""
    out["first_listed"] = as_of
    out["last_flagged"] = as_of
    out["on_current_list"] = True
    out["tracking_note"] = ""
    out["seq"] = np.arange(1, len(out) + 1)
    out.attrs.update({"key": key, "list_kind": kind, "as_of": as_of.date().isoformat()})
    return out


def _order(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.sort_values(
        ["town", "park_name", "tax_per_mu", key], ascending=True, na_position="last", kind="mergesort"
    ).reset_index(drop=True)


def _scope_note(f: pd.DataFrame, rules: RuleSet) -> pd.Series:
    """Note for listed rows outside the plan §三(一)1 scope (listed because class D)."""
    min_mu = float(rules.value("screening.below_scale_min_area_mu"))
    area = pd.to_numeric(f["land_area_mu"], errors="coerce")
    out_scope = ~f["in_scope"].astype(bool)
    small = out_scope & ~f["above_scale"].map(truthy).astype(bool) & ~(area >= min_mu)
    zh = pd.Series("", index=f.index, dtype=object)
    for i in f.index[small]:
        a = "未知" if pd.isna(area[i]) else f"{area[i]:.2f}"
        zh[i] = f"规下企业实际用地{a}亩,低于{min_mu:g}亩(方案§三(一)1筛查范围外),因评为D类列入"
    zh[out_scope & ~small] = "不在方案§三(一)1筛查范围(非制造业),因评为D类列入"
    return zh


def firm_list(screening: Screening, *, selection: pd.DataFrame | None = None) -> pd.DataFrame:
    """The firm rows of the 《高耗低效整治企业清单》: flagged firms and every class-D firm.

    Parameters
    ----------
    screening : Screening
        From :func:`ruian_land.screening.screen`; rows with ``firms.flagged``, plus every firm
        rated D (plan §三(一)1 lists the D-class firms) even outside the screening scope (规下
        below ``screening.below_scale_min_area_mu`` 亩): such rows say so in ``list_note``.
    selection : DataFrame, optional
        ``ScenarioResult.selection`` (``uscc``, ``remedy_zh``, ``year``, ``freed_area_mu``,
        ``energy_saved_tce``): fills ``suggested_remedy``, ``suggested_year``,
        ``suggested_freed_area_mu`` (亩 the plan frees through this firm) and
        ``suggested_energy_saved_tce`` (tce saved, 0 for firms the plan does not pick). These
        are the optimiser's proposal; the planner's own choice goes in ``remedy_plan``.

    Returns
    -------
    DataFrame
        Columns :data:`FIRM_LIST_COLUMNS` (index ``0..n-1``, sorted by town, park, 亩均税收,
        code; ``seq`` = 1..n): money in 万元, land in 亩, energy in tce (当量值); ``list_note``
        (Chinese) explains rows listed only because of class D. ``status`` is
        待整治, ``responsible_unit`` the town, ``first_listed`` / ``last_flagged`` the
        screening date. ``attrs``: ``key='uscc'``, ``list_kind='firm'``, ``as_of``.
    """
    all_firms = screening.firms
    class_d = text_of(all_firms["eval_class"]) == "D"
    f = all_firms.loc[all_firms["flagged"].astype(bool) | class_d].copy()
    f["reason_names_zh"] = plain_texts(f["reason_codes"], "zh")
    f["reason_names_en"] = plain_texts(f["reason_codes"], "en")
    f["list_note"] = _scope_note(f, screening.rules)
    f["suggested_remedy"] = ""
    f["suggested_year"] = np.nan
    f["suggested_freed_area_mu"] = 0.0
    f["suggested_energy_saved_tce"] = 0.0
    if selection is not None and len(selection):
        sel = selection.drop_duplicates("uscc").set_index("uscc")
        remedy = sel["remedy_zh"] if "remedy_zh" in sel.columns else sel.get("remedy")
        if remedy is not None:
            f["suggested_remedy"] = text_of(f["uscc"].map(remedy))
        if "year" in sel.columns:
            f["suggested_year"] = pd.to_numeric(f["uscc"].map(sel["year"]), errors="coerce")
        for src, dst in (
            ("freed_area_mu", "suggested_freed_area_mu"),
            ("energy_saved_tce", "suggested_energy_saved_tce"),
        ):
            if src in sel.columns:
                f[dst] = pd.to_numeric(f["uscc"].map(sel[src]), errors="coerce").fillna(0.0)
    out = _with_tracking(_order(f, "uscc"), screening.as_of, "uscc", "firm")
    return out[list(FIRM_LIST_COLUMNS)]


def parcel_list(screening: Screening) -> pd.DataFrame:
    """The parcel rows of the list: one row per low-efficiency or idle parcel.

    Parameters
    ----------
    screening : Screening
        From :func:`ruian_land.screening.screen`; rows with ``parcels.is_low_efficiency`` or
        ``parcels.is_idle``. Occupants are read from ``firms.parcel_ids``.

    Returns
    -------
    DataFrame
        Columns :data:`PARCEL_LIST_COLUMNS` (index ``0..n-1``, sorted by town, park, 亩均税收,
        code): ``occupant_names`` / ``occupant_usccs`` ``;``-joined (largest land first as in
        ``parcel_ids``), ``main_class`` the main occupant's class, areas in 亩, fee in 万元.
        ``attrs``: ``key='parcel_id'``, ``list_kind='parcel'``, ``as_of``.
    """
    p = screening.parcels
    p = p.loc[p["is_low_efficiency"].astype(bool) | p["is_idle"].astype(bool)].copy()
    f = screening.firms[["uscc", "name", "eval_class", "parcel_ids"]]
    occ = f.assign(parcel_id=f["parcel_ids"].map(split_codes)).explode("parcel_id")
    occ = occ.loc[occ["parcel_id"].notna()]
    p["occupant_names"] = text_of(p["parcel_id"].map(join_by_group(occ["parcel_id"], occ["name"])))
    p["occupant_usccs"] = text_of(p["parcel_id"].map(join_by_group(occ["parcel_id"], occ["uscc"])))
    p["main_class"] = text_of(p["main_uscc"].map(f.set_index("uscc")["eval_class"]))
    p["reason_names_zh"] = plain_texts(p["reason_codes"], "zh")
    p["reason_names_en"] = plain_texts(p["reason_codes"], "en")
    out = _with_tracking(_order(p, "parcel_id"), screening.as_of, "parcel_id", "parcel")
    return out[list(PARCEL_LIST_COLUMNS)]


def field_checks(screening: Screening) -> pd.DataFrame:
    """Parcels to check on site: recorded as built but the imagery shows almost no building.

    Returns
    -------
    DataFrame
        ``parcel_id``, ``town``, ``park_name``, ``area_mu``, ``far``, ``building_coverage``,
        ``built_up_fraction`` (the measured coverage-weighted fraction), ``reason_codes``,
        ``reasons_zh``, ``reasons_en`` for parcels with ``BUILT_UP_CHECK``, sorted by the
        fraction.
    """
    p = screening.parcels
    hit = p["reason_codes"].map(lambda s: "BUILT_UP_CHECK" in split_codes(s)).astype(bool)
    cols = ["parcel_id", "town", "park_name", "area_mu", "far", "building_coverage", "built_up_fraction"]
    out = p.loc[hit, [*cols, "reason_codes", "reasons_zh", "reasons_en"]]
    return out.sort_values(["built_up_fraction", "parcel_id"]).reset_index(drop=True)
