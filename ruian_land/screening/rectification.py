"""The 《高耗低效整治企业清单》 (plan §三(一)1): one row per firm and one per parcel, and summaries.

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
* :func:`screening_summary` – the screening by town or park (all parcels and firms);
  :func:`list_summary` – the tracked lists by town or park, with status counts, whole-list
  totals and the plan's picks as shares of the plan targets; :func:`progress` – the plan's picks
  against each plan target (200 exits, 300 upgrades, 1000 亩, 3万 tce) by status, the whole
  list beside them for reference only.

Frames carry canonical English column names; Chinese headers come from
:data:`ruian_land.core.columns.LABELS_ZH` at export time. ``attrs``: ``key`` (``uscc`` /
``parcel_id``), ``list_kind`` (``firm`` / ``parcel``), ``as_of`` (ISO date).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ruian_land.core import plain_texts, split_codes
from ruian_land.rules import RuleSet
from ruian_land.screening.idle import truthy

if TYPE_CHECKING:
    from ruian_land.screening.assess import Screening

__all__ = [
    "FIRM_LIST_COLUMNS",
    "FIRM_SHEET",
    "PARCEL_LIST_COLUMNS",
    "PARCEL_SHEET",
    "PLANNER_COLUMNS",
    "STATUSES",
    "STATUS_CLOSED",
    "STATUS_IN_PROGRESS",
    "STATUS_TODO",
    "TRACKING_COLUMNS",
    "field_checks",
    "firm_list",
    "list_summary",
    "parcel_list",
    "progress",
    "remedy_category",
    "screening_summary",
]

#: Closed-loop status (plan §三(一)1 闭环管理; §三(一)2 达标销号).
STATUS_TODO = "待整治"
STATUS_IN_PROGRESS = "整治中"
STATUS_CLOSED = "已销号"
STATUSES: tuple[str, ...] = (STATUS_TODO, STATUS_IN_PROGRESS, STATUS_CLOSED)

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


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "").map(lambda x: str(x).strip())


def _with_tracking(frame: pd.DataFrame, as_of: pd.Timestamp, key: str, kind: str) -> pd.DataFrame:
    out = frame.copy()
    out["status"] = STATUS_TODO
    out["remedy_plan"] = ""
    out["responsible_unit"] = _text(out["town"])
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
    class_d = _text(all_firms["eval_class"]) == "D"
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
            f["suggested_remedy"] = _text(f["uscc"].map(remedy))
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
    g = occ.groupby("parcel_id", sort=False)
    p["occupant_names"] = _text(p["parcel_id"].map(g["name"].agg(lambda s: ";".join(map(str, s)))))
    p["occupant_usccs"] = _text(p["parcel_id"].map(g["uscc"].agg(";".join)))
    p["main_class"] = _text(p["main_uscc"].map(f.set_index("uscc")["eval_class"]))
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


# ---------------------------------------------------------------------------------------
# summaries


def _groups(s: pd.Series, by: str) -> pd.Series:
    from ruian_land.screening.assess import OUTSIDE_PARKS, UNKNOWN_TOWN

    blank = UNKNOWN_TOWN if by == "town" else OUTSIDE_PARKS
    txt = _text(s)
    return txt.where(txt != "", blank)


def _group_col(by: str) -> str:
    if by not in ("town", "park"):
        raise ValueError(f"by must be 'town' or 'park', not {by!r}")
    return "town" if by == "town" else "park_name"


def _targets(rules: RuleSet) -> dict[str, float]:
    v = rules.value
    return {
        "freed_area_mu": float(v("targets.freed_area_mu")),
        "firms_exited": float(v("targets.firms_exited")),
        "firms_upgraded": float(v("targets.firms_upgraded")),
        "firms": float(v("targets.firms_exited")) + float(v("targets.firms_upgraded")),
        "freed_energy_tce": float(v("targets.freed_energy_tce")),
    }


def _num(frame: pd.DataFrame, col: str) -> pd.Series:
    """Numeric column (0 where missing or absent: rows of firms the plan does not pick)."""
    if col not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").fillna(0.0)


def _sum_where(values: pd.Series, mask: pd.Series, groups: pd.Series) -> pd.Series:
    return values.where(mask, 0.0).fillna(0.0).groupby(groups).sum()


def _finish(out: pd.DataFrame, by: str, int_cols: Sequence[str]) -> pd.DataFrame:
    out = out.fillna(0.0)
    for c in int_cols:
        out[c] = out[c].astype(int)
    out.loc["合计"] = out.sum(numeric_only=True)
    for c in int_cols:
        out[c] = out[c].astype(int)
    out.index.name = _group_col(by)
    return out


def screening_summary(screening: Screening, by: str = "town") -> pd.DataFrame:
    """Counts, 亩, tax and energy of the whole screening per town or park, with a total row.

    Parameters
    ----------
    screening : Screening
    by : {"town", "park"}
        Group by ``town`` (blank → 未标注乡镇) or ``park_name`` (blank → 园区外).

    Returns
    -------
    DataFrame
        Index (named ``town`` or ``park_name``) = group names plus ``合计``; columns ``parcels``,
        ``area_mu``,
        ``low_efficiency_parcels``, ``low_efficiency_area_mu``, ``idle_parcels``,
        ``idle_area_mu``, ``idle_fee_wan``, ``flagged_area_mu`` (low-efficiency or idle),
        ``flagged_firms``, ``two_high_firms``, ``flagged_tax_wan``, ``flagged_energy_tce``
        (当量值), and the shares of the plan targets (``targets.*``): ``share_of_area_target``,
        ``share_of_firm_target`` (flagged firms over firms_exited + firms_upgraded),
        ``share_of_energy_target``. ``attrs['targets']`` holds the targets used.

    Raises
    ------
    ValueError
        ``by`` is not ``town`` or ``park``.
    """
    col = _group_col(by)
    p, f = screening.parcels, screening.firms
    gp_key, gf_key = _groups(p[col], by), _groups(f[col], by)
    low, idle = p["is_low_efficiency"].astype(bool), p["is_idle"].astype(bool)
    gp = p.groupby(gp_key, sort=True)
    out = pd.DataFrame(
        {
            "parcels": gp.size(),
            "area_mu": gp["area_mu"].sum(),
            "low_efficiency_parcels": low.groupby(gp_key).sum(),
            "low_efficiency_area_mu": _sum_where(p["area_mu"], low, gp_key),
            "idle_parcels": idle.groupby(gp_key).sum(),
            "idle_area_mu": _sum_where(p["area_mu"], idle, gp_key),
            "idle_fee_wan": p["idle_fee_wan"].fillna(0.0).groupby(gp_key).sum(),
            "flagged_area_mu": _sum_where(p["area_mu"], low | idle, gp_key),
        }
    )
    flagged = f["flagged"].astype(bool)
    firm_part = pd.DataFrame(
        {
            "flagged_firms": flagged.groupby(gf_key).sum(),
            "two_high_firms": f["is_two_high"].astype(bool).groupby(gf_key).sum(),
            "flagged_tax_wan": _sum_where(f["tax_wan"], flagged, gf_key),
            "flagged_energy_tce": _sum_where(f["energy_tce_calorific"], flagged, gf_key),
        }
    )
    out = out.join(firm_part, how="outer")
    ints = ("parcels", "low_efficiency_parcels", "idle_parcels", "flagged_firms", "two_high_firms")
    out = _finish(out, by, ints)
    targets = _targets(screening.rules)
    out["share_of_area_target"] = out["flagged_area_mu"] / targets["freed_area_mu"]
    out["share_of_firm_target"] = out["flagged_firms"] / targets["firms"]
    out["share_of_energy_target"] = out["flagged_energy_tce"] / targets["freed_energy_tce"]
    out.attrs["targets"] = targets
    return out


def remedy_category(remedy: pd.Series, rules: RuleSet) -> pd.Series:
    """``exit`` / ``upgrade`` / ``""`` for remedy texts (关停退出 → exit, 改造提升 → upgrade …).

    Parameters
    ----------
    remedy : Series of str
        Remedy texts (planner's ``remedy_plan`` or the optimiser's ``suggested_remedy``).
    rules : RuleSet
        ``tracking.exit_remedies`` and ``tracking.upgrade_remedies`` (matched as substrings;
        exit wins when both match).

    Returns
    -------
    Series of str, same index.
    """
    exits = [str(x) for x in rules.value("tracking.exit_remedies")]
    ups = [str(x) for x in rules.value("tracking.upgrade_remedies")]

    def one(text: str) -> str:
        if any(x in text for x in exits):
            return "exit"
        if any(x in text for x in ups):
            return "upgrade"
        return ""

    return _text(remedy).map(one).astype(object)


def _firm_plan(firms: pd.DataFrame, rules: RuleSet) -> pd.Series:
    """Remedy category per firm row: the planner's ``remedy_plan``, else ``suggested_remedy``."""
    own = remedy_category(firms.get("remedy_plan", pd.Series("", index=firms.index)), rules)
    sug = remedy_category(firms.get("suggested_remedy", pd.Series("", index=firms.index)), rules)
    return own.where(own != "", sug)


def list_summary(
    firms: pd.DataFrame, parcels: pd.DataFrame, rules: RuleSet, by: str = "town"
) -> pd.DataFrame:
    """The tracked lists per town or park: status counts, 亩, tax, energy and target shares.

    Parameters
    ----------
    firms, parcels : DataFrame
        :func:`firm_list` / :func:`parcel_list` output, usually after
        :func:`ruian_land.screening.tracking.merge_status` (rows no longer flagged included).
    rules : RuleSet
        ``targets.*``, ``tracking.*_remedies``.
    by : {"town", "park"}

    Returns
    -------
    DataFrame
        Index (named ``town`` or ``park_name``) = group names plus ``合计``; columns
        ``firms_listed``, ``firms_todo``,
        ``firms_in_progress``, ``firms_closed``, ``firms_no_longer_flagged`` (not flagged by this
        run and not 已销号), ``two_high_firms``, ``firms_exit_plan`` / ``firms_upgrade_plan``
        (remedy category of :func:`remedy_category`), whole-list totals that are *not* compared
        with the targets (``listed_tax_wan``, ``listed_energy_tce`` 当量值, ``parcels_listed``,
        ``listed_area_mu``, ``low_efficiency_area_mu``, ``idle_area_mu``, ``idle_fee_wan``,
        ``closed_area_mu``), the plan's picks (``plan_freed_area_mu`` = sum of
        ``suggested_freed_area_mu``, ``plan_closed_freed_area_mu`` of 已销号 firms,
        ``plan_energy_saved_tce`` = sum of ``suggested_energy_saved_tce``), and shares of the
        plan targets, all on the plan's picks: ``share_of_firm_target`` ((exit + upgrade
        plans) / (200 + 300)), ``share_of_exit_target``, ``share_of_upgrade_target``,
        ``share_of_area_target`` (plan 亩 / 1000), ``closed_share_of_area_target``,
        ``share_of_energy_target`` (plan tce / 30000). ``attrs['targets']``.

    Raises
    ------
    ValueError
        ``by`` is not ``town`` or ``park``.
    """
    col = _group_col(by)
    gf, gp = _groups(firms[col], by), _groups(parcels[col], by)
    fs, ps = _text(firms["status"]), _text(parcels["status"])
    on_list = firms.get("on_current_list", pd.Series(True, index=firms.index)).astype(bool)
    plan = _firm_plan(firms, rules)
    one_f = pd.Series(1, index=firms.index)
    area = pd.to_numeric(parcels["area_mu"], errors="coerce")
    plan_area = _num(firms, "suggested_freed_area_mu")
    firm_part = pd.DataFrame(
        {
            "firms_listed": one_f.groupby(gf).sum(),
            "firms_todo": (fs == STATUS_TODO).groupby(gf).sum(),
            "firms_in_progress": (fs == STATUS_IN_PROGRESS).groupby(gf).sum(),
            "firms_closed": (fs == STATUS_CLOSED).groupby(gf).sum(),
            "firms_no_longer_flagged": (~on_list & (fs != STATUS_CLOSED)).groupby(gf).sum(),
            "two_high_firms": firms["is_two_high"].map(truthy).groupby(gf).sum(),
            "firms_exit_plan": (plan == "exit").groupby(gf).sum(),
            "firms_upgrade_plan": (plan == "upgrade").groupby(gf).sum(),
            "listed_tax_wan": pd.to_numeric(firms["tax_wan"], errors="coerce").fillna(0.0).groupby(gf).sum(),
            "listed_energy_tce": pd.to_numeric(firms["energy_tce_calorific"], errors="coerce")
            .fillna(0.0)
            .groupby(gf)
            .sum(),
            "plan_freed_area_mu": plan_area.groupby(gf).sum(),
            "plan_closed_freed_area_mu": _sum_where(plan_area, fs == STATUS_CLOSED, gf),
            "plan_energy_saved_tce": _num(firms, "suggested_energy_saved_tce").groupby(gf).sum(),
        }
    )
    parcel_part = pd.DataFrame(
        {
            "parcels_listed": pd.Series(1, index=parcels.index).groupby(gp).sum(),
            "listed_area_mu": area.fillna(0.0).groupby(gp).sum(),
            "low_efficiency_area_mu": _sum_where(area, parcels["is_low_efficiency"].map(truthy), gp),
            "idle_area_mu": _sum_where(area, parcels["is_idle"].map(truthy), gp),
            "idle_fee_wan": pd.to_numeric(parcels["idle_fee_wan"], errors="coerce")
            .fillna(0.0)
            .groupby(gp)
            .sum(),
            "closed_area_mu": _sum_where(area, ps == STATUS_CLOSED, gp),
        }
    )
    out = firm_part.join(parcel_part, how="outer")
    ints = [c for c in out.columns if c.startswith(("firms_", "parcels_", "two_high"))]
    out = _finish(out, by, ints)
    t = _targets(rules)
    out["share_of_firm_target"] = (out["firms_exit_plan"] + out["firms_upgrade_plan"]) / t["firms"]
    out["share_of_exit_target"] = out["firms_exit_plan"] / t["firms_exited"]
    out["share_of_upgrade_target"] = out["firms_upgrade_plan"] / t["firms_upgraded"]
    out["share_of_area_target"] = out["plan_freed_area_mu"] / t["freed_area_mu"]
    out["closed_share_of_area_target"] = out["plan_closed_freed_area_mu"] / t["freed_area_mu"]
    out["share_of_energy_target"] = out["plan_energy_saved_tce"] / t["freed_energy_tce"]
    out.attrs["targets"] = t
    return out


def progress(firms: pd.DataFrame, parcels: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """The plan's picks against each plan target (plan §二), by closed-loop status.

    Every row uses one measure, the plan's picks: firms whose remedy (the planner's
    ``remedy_plan``, else the optimiser's ``suggested_remedy``) is an exit / upgrade; 亩 freed
    (``suggested_freed_area_mu``: each picked firm's share of the parcels the scenario frees);
    tce saved (``suggested_energy_saved_tce``). Status is the firm's. ``whole_list`` gives the
    whole list for reference (all listed firms; 亩 of listed parcels; 当量值 energy of listed
    firms) and is not compared with the target.

    Parameters
    ----------
    firms, parcels : DataFrame
        Tracked :func:`firm_list` / :func:`parcel_list` frames (firm rows without the
        ``suggested_*`` figures count 0 亩 / 0 tce).
    rules : RuleSet
        ``targets.firms_exited``, ``targets.firms_upgraded``, ``targets.freed_area_mu``,
        ``targets.freed_energy_tce``, ``tracking.*_remedies``.

    Returns
    -------
    DataFrame
        One row per target (index ``firms_exited``, ``firms_upgraded``, ``freed_area_mu``,
        ``freed_energy_tce``): ``indicator`` (Chinese), ``measure`` (what is counted, Chinese),
        ``unit``, ``target``, ``planned`` (the plan's picks), ``todo``, ``in_progress``,
        ``closed`` (same measure by status), ``planned_share`` = planned / target,
        ``closed_share`` = closed / target, ``whole_list`` (not compared with the target).
    """
    t = _targets(rules)
    fs = _text(firms["status"])
    plan = _firm_plan(firms, rules)
    one = pd.Series(1.0, index=firms.index)
    listed_area = float(pd.to_numeric(parcels["area_mu"], errors="coerce").fillna(0.0).sum())
    listed_energy = float(_num(firms, "energy_tce_calorific").sum())
    n_firms = float(len(firms))
    rows = {
        "firms_exited": (
            "淘汰落后产能企业",
            "整治方式为退出类的企业(规划师整治方式,否则方案建议)",
            "家",
            one.where(plan == "exit", 0.0),
            n_firms,
        ),
        "firms_upgraded": (
            "整治提升企业",
            "整治方式为提升类的企业(规划师整治方式,否则方案建议)",
            "家",
            one.where(plan == "upgrade", 0.0),
            n_firms,
        ),
        "freed_area_mu": (
            "腾出低效工业用地",
            "方案选定企业腾出的宗地面积",
            "亩",
            _num(firms, "suggested_freed_area_mu"),
            listed_area,
        ),
        "freed_energy_tce": (
            "腾出用能",
            "方案选定企业的节约能耗(当量值)",
            "吨标准煤",
            _num(firms, "suggested_energy_saved_tce"),
            listed_energy,
        ),
    }
    out = pd.DataFrame(
        [
            {
                "indicator": name,
                "measure": measure_zh,
                "unit": unit,
                "target": t[key],
                "planned": float(measure.sum()),
                "todo": float(measure[fs == STATUS_TODO].sum()),
                "in_progress": float(measure[fs == STATUS_IN_PROGRESS].sum()),
                "closed": float(measure[fs == STATUS_CLOSED].sum()),
                "whole_list": whole,
            }
            for key, (name, measure_zh, unit, measure, whole) in rows.items()
        ],
        index=pd.Index(list(rows), name="target_key"),
    )
    out["planned_share"] = out["planned"] / out["target"]
    out["closed_share"] = out["closed"] / out["target"]
    order = ["indicator", "measure", "unit", "target", "planned", "todo", "in_progress", "closed"]
    return out[[*order, "planned_share", "closed_share", "whole_list"]]
