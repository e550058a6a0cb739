"""Screening: low-efficiency land, idle land, "两高" firms and raster evidence.

Each rule is applied independently with its threshold from the rule set (``screening.*``,
``idle.*``, ``two_high.*``, ``standard_land.*``) and every reason found is kept as a stable code
from :mod:`ruian_land.core.reasons` (``;``-joined in ``reason_codes``, with ``reasons_zh`` /
``reasons_en`` texts that quote the measured value and the threshold).

Parcel rules (industrial and storage land, ``screening.land_uses``; RULES.md §3):

* ``PARK_TAX_LT_10`` – in a park (``park_name`` not blank) and 亩均税收 < ``screening.
  park_clearance_tax_per_mu`` (plan §三(一)2). Applies to **every** occupant, exempt or not:
  the plan clears all in-park firms below 10 万元/亩 "到2023年全市园区内(包括小微园)亩均税收
  10万元以下低效企业全面出清" without the Jinhua exemptions. (The plan says "10万元以下", which
  by Chinese legal usage could include 10 itself; RULES.md and the code name use "< 10".)
* ``TAX_LT_FLOOR`` – 亩均税收 < ``screening.tax_per_mu_floor``.
* ``TAX_LT_INDUSTRY_SHARE`` – 亩均税收 < ``screening.industry_average_share`` × the industry
  average. The industry is the 2-digit GB/T 4754 division of the parcel's *main occupant*
  (the firm with the largest land on it); the industry average is Σ tax / Σ land over all
  linked firms of that division (the way county averages are published).
* ``FAR_LT_MIN`` – 容积率 (floor area / parcel area) < ``screening.far_min``.
* ``FAR_LT_STANDARD_SHARE`` – 容积率 < ``screening.far_share_of_standard`` × the 标准地 FAR:
  the parcel's own ``standard_far`` (or ``required_far``) column, a 标准地 grant-contract value,
  else the main occupant's industry value in ``standard_land.far_by_industry`` (longest GB/T
  4754 code prefix); not applied when neither is known.
* ``COVERAGE_LT_MIN`` – 建筑系数 (footprint / area) < ``screening.building_coverage_min``.
* ``CLASS_D`` – the main occupant is rated D.
* ``INDUSTRY_ELIMINATED`` – the main occupant's ``industry_policy`` names a class of
  ``screening.eliminated_industry_classes`` (淘汰类 / 禁止类) or its industry code starts with
  one of ``screening.eliminated_industry_prefixes``.
* ``VACANT`` (information) – no occupant on record; the tax rules are then not applied
  (``tax_per_mu`` is NaN, not 0).
* ``DATA_MISSING`` (information) – an occupant's tax is unknown: ``tax_per_mu`` NaN, no tax rules
  (missing is never 0); also on the firm itself, not inherited by its co-occupants.

The parcel's 亩均税收 sums the (land-share allocated) taxes of all its occupants over the parcel
area (RULES.md §3: several firms on one parcel → sum their taxes; one firm on several parcels
→ each parcel judged on its own).

Jinhua exemptions (RULES.md §3) switch off the codes listed in ``screening.exempt_codes`` (the
land-efficiency criteria: tax floor and industry share, FAR, coverage). A firm is exempt when it
is 规上, strategic emerging (a truthy ``strategic_emerging`` column, or an industry code starting
with one of ``screening.strategic_emerging_prefixes``), in production for less than
``screening.exempt_new_production_years``, or rated ``exempt`` / given an ``exempt_reason``
(公用事业, 政策性搬迁 …). A parcel is exempt when all its occupants are, or when its 标准地 FAR is
below ``screening.far_min`` (a special-FAR industry) and its 亩均税收 exceeds
``screening.exempt_special_far_tax_per_mu``. ``exemption_reasons`` says which applied.

Idle land: :mod:`ruian_land.screening.idle` (all land uses). Raster: :mod:`ruian_land.screening.zonal`; a parcel
with buildings or development recorded but a built-up fraction below
``screening.built_up_check_fraction`` gets ``BUILT_UP_CHECK`` (a field check, not a
low-efficiency flag) with the measured fraction in its text.

Firm level: ``CLASS_D``, ``INDUSTRY_ELIMINATED``, "两高" (plan §三(一)3, on the 当量值 basis
``energy_tce_calorific``: ``TWO_HIGH_NEW`` built since ``two_high.built_since_year`` with ≥
``two_high.energy_tce_new`` tce in a 两高 industry when ``two_high.new_tier_requires_industry``;
``TWO_HIGH_OLD`` built before it with ≥ ``two_high.energy_tce_old`` tce, any industry),
``ADMISSION_EXCEEDED`` (energy per 万元 value added above ``two_high.admission_tce_per_wan``, on
``two_high.admission_energy_basis``), ``TWO_HIGH_INDUSTRY`` and ``COMPLIANCE_CHECK``
(information only), a firm-level ``PARK_TAX_LT_10`` on the firm's own 亩均税收 (the plan's
wording is about firms), plus the reasons of every parcel the firm occupies (the exempt codes
dropped for a firm that is itself exempt), each quoted with that parcel's figures. Scope (plan
§三(一)1): manufacturing firms (``screening.manufacturing_divisions``) that are 规上 or use ≥
``screening.below_scale_min_area_mu`` 亩; "两高" firms are screened whatever their size or
sector (plan §三(一)3); a firm with no industry code is kept in scope. ``is_two_high`` =
``TWO_HIGH_NEW`` or ``TWO_HIGH_OLD`` (the plan's assessment list; the construction year falls
back to the production start year). ``flagged`` = in scope with an actionable reason;
``status`` is ``待整治`` for flagged firms. The 《高耗低效整治企业清单》 with closed-loop status is
built from this by :mod:`ruian_land.screening.rectification` and :mod:`ruian_land.screening.tracking`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import (
    LOW_EFFICIENCY_CODES,
    REASONS,
    InputError,
    InputWarning,
    RulesError,
    describe,
    detailed_texts,
    join_codes,
    join_flags,
    m2_to_mu,
    split_codes,
    texts_by_code,
)
from ruian_land.rules import RuleSet
from ruian_land.screening.idle import assess_idle, truthy, whole_months
from ruian_land.screening.zonal import zonal_mean

__all__ = [
    "FIRM_COLUMNS",
    "OUTSIDE_PARKS",
    "STATUS_TODO",
    "UNKNOWN_TOWN",
    "Screening",
    "industry_division",
    "industry_lookup",
    "screen",
]

#: Status of a flagged firm on the 《高耗低效整治企业清单》 (plan §三(一)1: closed-loop list).
STATUS_TODO = "待整治"
#: Group label for parcels and firms outside any park in :meth:`Screening.summary`.
OUTSIDE_PARKS = "园区外"
#: Group label when the town is not recorded.
UNKNOWN_TOWN = "未标注乡镇"

_PARCEL_INFO_CODES = ("VACANT", "GOV_DELAY", "IDLE_DATE_MISSING", "DATA_MISSING")
_IDLE_CODES = ("IDLE_NOT_STARTED", "IDLE_SUSPENDED", "IDLE_RECOVERY", "GOV_DELAY", "IDLE_DATE_MISSING")
_VIOLATIONS = {
    "safety_accident": ("安全生产事故", "safety accident"),
    "environmental_penalty": ("环境违法处罚", "environmental penalty"),
    "energy_task_unmet": ("节能任务未完成", "energy-saving task unmet"),
}


@dataclass
class Screening:
    """Result of :func:`screen`.

    Attributes
    ----------
    parcels : DataFrame
        One row per parcel (same order as the input): ``parcel_id``, ``town``, ``park_name``,
        ``land_use``, ``area_mu``, ``is_industrial``, ``in_park``, ``occupant_count``,
        ``main_uscc``, ``main_industry_code``, ``tax_wan``, ``tax_per_mu`` (万元/亩),
        ``industry_tax_per_mu``, ``far``, ``standard_far``, ``building_coverage``,
        ``built_up_fraction``, ``tax_rules_exempt``, ``exemption_reasons``, ``is_low_efficiency``,
        ``is_idle``, ``idle_kind``, ``idle_months``, ``idle_clock_months``, ``idle_fee_wan``,
        ``idle_recovery``, ``reason_codes``, ``reasons_zh``, ``reasons_en``, ``notes``.
    firms : DataFrame
        One row per firm of the input (same order; filter on ``in_scope`` / ``flagged``):
        ``uscc``, ``name``, ``town`` (registry, else the main parcel's), ``park_name`` (main
        parcel's), ``industry_code``, ``industry_name``, ``industry_division``, ``above_scale``,
        ``land_area_mu``, ``tax_wan``, ``tax_per_mu``, ``value_added_wan``,
        ``energy_tce_calorific``, ``energy_tce_primary``, ``energy_per_value_added``,
        ``employees``, ``project_built_year``, ``eval_class``, ``exempt`` (rated exempt or an
        exempt_reason), ``tax_rules_exempt`` (Jinhua exemptions), ``exemption_reasons``,
        ``strategic_emerging``, ``industry_policy``, ``in_park``, ``parcel_ids``
        (``;``-joined), ``in_scope``, ``is_two_high``, ``reason_codes``, ``reasons_zh``,
        ``reasons_en``, ``flagged``, ``status``.
    rules : RuleSet
    as_of : Timestamp
    """

    parcels: pd.DataFrame
    firms: pd.DataFrame
    rules: RuleSet
    as_of: pd.Timestamp
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged_firms(self) -> pd.DataFrame:
        """Firms on the 《高耗低效整治企业清单》 (in scope with an actionable reason)."""
        return self.firms.loc[self.firms["flagged"]]

    def summary(self, by: str = "town") -> pd.DataFrame:
        """Counts, 亩, tax and energy per town or park, with a total row and target shares.

        See :func:`ruian_land.screening.rectification.screening_summary` (this method calls it).

        Parameters
        ----------
        by : {"town", "park"}

        Raises
        ------
        ValueError
            ``by`` is not ``town`` or ``park``.
        """
        from ruian_land.screening.rectification import screening_summary

        return screening_summary(self, by)


def industry_division(codes: pd.Series) -> pd.Series:
    """2-digit GB/T 4754 division (``"3311"`` → ``"33"``, ``"C3311"`` → ``"33"``); NaN when unknown."""
    txt = _industry_digits(codes)
    div = txt.str.slice(0, 2)
    return div.where(div.str.fullmatch(r"\d\d").fillna(False).astype(bool), other=np.nan)


def _industry_digits(codes: pd.Series) -> pd.Series:
    txt = codes.astype(object).where(codes.notna(), "").map(lambda x: str(x).strip().upper())
    return txt.str.replace(r"^[A-Z]+", "", regex=True).str.replace(r"\.0$", "", regex=True)


def industry_lookup(codes: pd.Series, table: Mapping[str, Any]) -> pd.Series:
    """Value of the longest key of ``table`` that starts each GB/T 4754 code.

    Parameters
    ----------
    codes : Series
        Industry codes (``"2921"``, ``"C2921"`` …), any index.
    table : mapping
        ``{code prefix: value}``, e.g. ``standard_land.far_by_industry``.

    Returns
    -------
    Series
        Same index; NaN where no key matches (or the code is missing).

    >>> industry_lookup(pd.Series(["2921", "2911", "5111"]), {"29": 0.9, "292": 1.0}).tolist()
    [1.0, 0.9, nan]
    """
    keys = sorted((str(k) for k in table), key=len, reverse=True)

    def one(code: str) -> float:
        for k in keys:
            if code and code.startswith(k):
                return float(table[k])
        return float("nan")

    return _industry_digits(codes).map(one).astype(float)


def _starts_with_any(codes: pd.Series, prefixes: Sequence[Any]) -> pd.Series:
    pre = tuple(str(x) for x in prefixes)
    digits = _industry_digits(codes)
    return digits.map(lambda c: bool(c) and bool(pre) and c.startswith(pre)).astype(bool)


# ---------------------------------------------------------------------------------------
# inputs


def _col(df: pd.DataFrame, name: str, default: Any = np.nan) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series(default, index=df.index)


def _num(df: pd.DataFrame, name: str) -> pd.Series:
    return pd.to_numeric(_col(df, name), errors="coerce").astype(float)


def _bool(s: pd.Series) -> pd.Series:
    return s.map(truthy).astype(bool)


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "").map(lambda x: str(x).strip())


def _map_text(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys.map(mapping)`` as text, ``""`` where there is no match."""
    return _text(keys.map(mapping).astype(object))


def _check_inputs(parcels: pd.DataFrame, firms: pd.DataFrame, links: pd.DataFrame) -> None:
    for frame, name, cols in (
        (parcels, "parcels", ("parcel_id",)),
        (firms, "firms", ("uscc",)),
        (links, "occupancy links", ("uscc", "parcel_id")),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise InputError(
                f"the {name} frame has no column(s) {missing}",
                column=", ".join(missing),
                fix="map the source columns with ruian_land.core.columns (see docs/CONTRACTS.md §2)",
            )
    for frame, name, key in ((parcels, "parcels", "parcel_id"), (firms, "firms", "uscc")):
        dup = frame[key][frame[key].duplicated()]
        if len(dup):
            raise InputError(
                f"{len(dup)} duplicate {key} value(s) in {name}, e.g. {dup.iloc[0]!r}",
                column=key,
                fix="validate the inputs first (ruian_land.validate) so each code appears once",
            )


def _parcel_area_m2(parcels: pd.DataFrame) -> pd.Series:
    if "area_m2" in parcels.columns:
        return _num(parcels, "area_m2")
    if "area_mu" in parcels.columns:
        return _num(parcels, "area_mu") * 10_000.0 / 15.0
    if "geometry" in parcels.columns:
        return pd.Series(np.asarray(parcels.geometry.area, dtype=float), index=parcels.index)
    raise InputError(
        "parcels have neither area_m2, area_mu nor a geometry",
        column="area_m2",
        fix="read parcels with ruian_land.io.read_parcels, which adds area_m2 and area_mu",
    )


def _links_with_values(links: pd.DataFrame, firms: pd.DataFrame, parcel_ids: pd.Series) -> pd.DataFrame:
    lk = links.copy()
    lk["uscc"] = _text(lk["uscc"])
    lk["parcel_id"] = _text(lk["parcel_id"])
    unknown_parcel = ~lk["parcel_id"].isin(set(parcel_ids))
    if unknown_parcel.any():
        warnings.warn(
            f"{int(unknown_parcel.sum())} occupancy link(s) name parcels not in the parcel layer "
            f"(e.g. {lk.loc[unknown_parcel, 'parcel_id'].iloc[0]!r}); they are ignored",
            InputWarning,
            stacklevel=3,
        )
        lk = lk.loc[~unknown_parcel]
    unknown_firm = ~lk["uscc"].isin(set(firms["uscc"]))
    if unknown_firm.any():
        warnings.warn(
            f"{int(unknown_firm.sum())} occupancy link(s) name firms not in the firm table "
            f"(e.g. {lk.loc[unknown_firm, 'uscc'].iloc[0]!r}); they count as non-exempt occupants",
            InputWarning,
            stacklevel=3,
        )
    share = _num(lk, "land_share")
    fidx = firms.set_index("uscc")
    for col in ("tax_wan", "energy_tce_calorific", "value_added_wan"):
        if col not in lk.columns:
            total = (
                lk["uscc"].map(pd.to_numeric(fidx[col], errors="coerce")) if col in fidx.columns else np.nan
            )
            lk[col] = total * share
    lk["land_area_mu"] = _num(lk, "land_area_mu")
    lk["tax_wan"] = _num(lk, "tax_wan")
    return lk


# ---------------------------------------------------------------------------------------
# main entry


def screen(
    parcels: pd.DataFrame,
    firms: pd.DataFrame,
    links: pd.DataFrame,
    rules: RuleSet,
    *,
    built_up: str | Path | None = None,
    as_of: dt.date | str | pd.Timestamp | None = None,
) -> Screening:
    """Screen parcels and firms: low-efficiency land, idle land, "两高", raster evidence.

    Parameters
    ----------
    parcels : GeoDataFrame
        One row per parcel, EPSG:4549 (areas are read from ``area_m2`` / ``area_mu``; the
        geometry is used only for the raster), canonical columns of docs/CONTRACTS.md §1
        (``parcel_id`` unique; missing optional columns count as missing values). Optional:
        ``standard_far`` (the parcel's 标准地 FAR), ``government_delay_months`` /
        ``government_delay_from`` / ``government_delay_to`` (see :mod:`ruian_land.screening.idle`).
    firms : DataFrame
        Evaluated firms, one row per ``uscc``: ``name``, ``industry_code``, ``above_scale``,
        ``production_start_date``, ``project_built_year``, ``tax_wan``, ``value_added_wan``,
        ``energy_tce_calorific``, ``land_area_mu``, ``tax_per_mu``, ``eval_class``,
        ``exempt_reason``; optional ``industry_name``, ``strategic_emerging`` (是/否),
        ``industry_policy`` (淘汰类 / 限制类 / 禁止类 …), ``safety_accident``,
        ``environmental_penalty``, ``energy_task_unmet``.
    links : DataFrame
        Occupancy, one row per firm per parcel: ``uscc``, ``parcel_id``, ``land_area_mu``,
        ``land_share``, ``tax_wan`` (allocated; computed from ``land_share`` if absent).
    rules : RuleSet
        ``screening.*``, ``idle.*``, ``two_high.*``, ``standard_land.far_by_industry``,
        ``targets.*``.
    built_up : path, optional
        Built-up GeoTIFF (0–100 %, nodata 255, any CRS); without it ``built_up_fraction`` is NaN.
    as_of : date, optional
        Date of the assessment (idle clocks, years in production); default today.

    Returns
    -------
    Screening

    Raises
    ------
    InputError
        A required column is missing, ``parcel_id`` or ``uscc`` is duplicated, the raster
        cannot be read.
    RulesError
        ``two_high.admission_energy_basis`` is neither ``calorific`` nor ``primary``.

    Warns
    -----
    InputWarning
        Links to unknown parcels (ignored) or firms; no ``land_use`` column; "两高" firms
        with no construction year.
    """
    _check_inputs(parcels, firms, links)
    day = pd.Timestamp(as_of if as_of is not None else dt.date.today()).normalize()
    firms = firms.copy()
    firms["uscc"] = _text(firms["uscc"])
    pid = _text(parcels["parcel_id"])
    lk = _links_with_values(links, firms, pid)
    ff = _firm_attributes(firms, lk, rules, day)
    pp, parcel_texts = _parcel_frame(parcels, pid, lk, ff, rules, built_up, day)
    firm_out = _firm_frame(ff, pp, lk, rules, parcel_texts)
    meta = {"built_up": None if built_up is None else str(built_up)}
    return Screening(parcels=pp, firms=firm_out, rules=rules, as_of=day, meta=meta)


def _firm_attributes(
    firms: pd.DataFrame, lk: pd.DataFrame, rules: RuleSet, day: pd.Timestamp
) -> pd.DataFrame:
    """Per-firm attributes used by parcel and firm rules (same index as ``firms``)."""
    v = rules.value
    f = pd.DataFrame(index=firms.index)
    f["uscc"] = firms["uscc"]
    f["name"] = _text(_col(firms, "name", ""))
    f["industry_code"] = _text(_col(firms, "industry_code", ""))
    f["industry_name"] = _text(_col(firms, "industry_name", ""))
    f["industry_division"] = industry_division(_col(firms, "industry_code"))
    f["above_scale"] = _bool(_col(firms, "above_scale", False))
    land_links = lk.groupby("uscc")["land_area_mu"].sum(min_count=1)
    land = _num(firms, "land_area_mu")
    f["land_area_mu"] = land.where(land.notna(), f["uscc"].map(land_links))
    f["tax_wan"] = _num(firms, "tax_wan")
    tpm = _num(firms, "tax_per_mu")
    own_tpm = f["tax_wan"] / f["land_area_mu"].where(f["land_area_mu"] > 0)
    f["tax_per_mu"] = tpm.where(tpm.notna(), own_tpm)
    for col in ("value_added_wan", "energy_tce_calorific", "energy_tce_primary", "employees"):
        f[col] = _num(firms, col)
    f["eval_class"] = _text(_col(firms, "eval_class", "")).replace("", "unrated")
    f["town"] = _text(_col(firms, "town", ""))

    # Jinhua exemptions (RULES.md §3)
    reason = _text(_col(firms, "exempt_reason", ""))
    f["exempt"] = (f["eval_class"] == "exempt") | (reason != "")
    years = float(v("screening.exempt_new_production_years"))
    start = pd.to_datetime(_col(firms, "production_start_date"), errors="coerce")
    new = (start.map(lambda s: whole_months(s, day)) < years * 12).fillna(False).astype(bool)
    strategic = _bool(_col(firms, "strategic_emerging", False)) | _starts_with_any(
        f["industry_code"], v("screening.strategic_emerging_prefixes")
    )
    f["strategic_emerging"] = strategic
    f["tax_rules_exempt"] = f["above_scale"] | new | f["exempt"] | strategic
    parts = pd.DataFrame(
        {
            "规上企业": f["above_scale"],
            "战略性新兴产业": strategic,
            f"投产不满{years:g}年": new,
        }
    )
    labels = [
        "、".join([*(str(k) for k, hit in row.items() if hit), *([r if r else "不参评"] if ex else [])])
        for row, ex, r in zip(parts.to_dict(orient="records"), f["exempt"], reason, strict=True)
    ]
    f["exemption_reasons"] = pd.Series(labels, index=f.index, dtype=object)

    # 淘汰类 / 禁止类 industries and compliance records
    f["industry_policy"] = _text(_col(firms, "industry_policy", ""))
    classes = [str(c) for c in v("screening.eliminated_industry_classes")]
    f["eliminated"] = f["industry_policy"].map(lambda t: any(c in t for c in classes)).astype(
        bool
    ) | _starts_with_any(f["industry_code"], v("screening.eliminated_industry_prefixes"))
    hits = {c: _bool(_col(firms, c, False)) for c in _VIOLATIONS}
    f["violations_zh"] = ["、".join(_VIOLATIONS[c][0] for c in _VIOLATIONS if hits[c].at[i]) for i in f.index]
    f["violations_en"] = [", ".join(_VIOLATIONS[c][1] for c in _VIOLATIONS if hits[c].at[i]) for i in f.index]
    built = pd.to_numeric(_col(firms, "project_built_year"), errors="coerce").astype(float)
    f["project_built_year"] = built.where(built.notna(), start.dt.year.astype(float))
    return f


def _parcel_frame(
    parcels: pd.DataFrame,
    pid: pd.Series,
    lk: pd.DataFrame,
    ff: pd.DataFrame,
    rules: RuleSet,
    built_up: str | Path | None,
    day: pd.Timestamp,
) -> tuple[pd.DataFrame, dict[Any, dict[str, tuple[str, str]]]]:
    v = rules.value
    p = pd.DataFrame(index=parcels.index)
    p["parcel_id"] = pid
    p["town"] = _text(_col(parcels, "town", ""))
    p["park_name"] = _text(_col(parcels, "park_name", ""))
    p["land_use"] = _text(_col(parcels, "land_use", ""))
    area_m2 = _parcel_area_m2(parcels)
    area_mu = (
        _num(parcels, "area_mu")
        if "area_mu" in parcels.columns
        else pd.Series(m2_to_mu(area_m2), index=p.index)
    )
    p["area_mu"] = area_mu
    if "land_use" in parcels.columns:
        patterns = [str(x) for x in v("screening.land_uses")]
        p["is_industrial"] = p["land_use"].map(lambda s: any(pt in s for pt in patterns)).astype(bool)
    else:
        warnings.warn(
            "parcels have no land_use column: all are screened as industrial", InputWarning, stacklevel=3
        )
        p["is_industrial"] = True
    p["in_park"] = p["park_name"] != ""

    # occupants: taxes summed per parcel, main occupant = largest land (then largest tax, then code)
    ex = ff.set_index("uscc")
    lk = lk.assign(
        _exempt=lk["uscc"].map(ex["tax_rules_exempt"]).fillna(False).astype(bool),
        _exr=_map_text(lk["uscc"], ex["exemption_reasons"]),
        _class=lk["uscc"].map(ex["eval_class"]),
        _div=lk["uscc"].map(ex["industry_division"]),
        _code=lk["uscc"].map(ex["industry_code"]),
        _elim=lk["uscc"].map(ex["eliminated"]).fillna(False).astype(bool),
        _policy=lk["uscc"].map(ex["industry_policy"]),
    )
    lk = lk.assign(_no_tax_code=lk["uscc"].where(lk["tax_wan"].isna(), ""))
    g = lk.groupby("parcel_id")
    occ = pd.DataFrame(
        {
            "occupant_count": g["uscc"].nunique(),
            "tax_wan": g["tax_wan"].sum(min_count=1),
            "no_tax_codes": g["_no_tax_code"].agg(lambda s: "、".join(sorted({x for x in s if x}))),
            "all_exempt": g["_exempt"].all(),
            "exr": g["_exr"].agg(
                lambda s: "、".join(dict.fromkeys(x for t in s for x in t.split("、") if x))
            ),
        }
    )
    main = lk.sort_values(
        ["parcel_id", "land_area_mu", "tax_wan", "uscc"],
        ascending=[True, False, False, True],
        na_position="last",
    ).drop_duplicates("parcel_id")
    main = main.set_index("parcel_id")
    p["occupant_count"] = pid.map(occ["occupant_count"]).fillna(0).astype(int)
    p["main_uscc"] = _map_text(pid, main["uscc"])
    p["main_industry_code"] = _map_text(pid, main["_code"])
    no_tax = _map_text(pid, occ["no_tax_codes"]) != ""  # an occupant's tax is unknown (≠ 0)
    p["tax_wan"] = pid.map(occ["tax_wan"]).astype(float).mask(no_tax)
    p["tax_per_mu"] = p["tax_wan"] / area_mu.where(area_mu > 0)
    # industry average: Σ tax / Σ land over linked firms of the division
    ok = ff["land_area_mu"].gt(0) & ff["tax_wan"].notna() & ff["industry_division"].notna()
    sums = ff.loc[ok].groupby("industry_division")[["tax_wan", "land_area_mu"]].sum()
    ind_avg = sums["tax_wan"] / sums["land_area_mu"]
    p["industry_tax_per_mu"] = pid.map(main["_div"]).map(ind_avg).astype(float)
    p["far"] = _num(parcels, "floor_area_m2") / area_m2.where(area_m2 > 0)
    own_std = _num(parcels, "standard_far" if "standard_far" in parcels.columns else "required_far")
    ind_std = industry_lookup(p["main_industry_code"], v("standard_land.far_by_industry"))
    p["standard_far"] = own_std.where(own_std > 0, ind_std)
    p["building_coverage"] = _num(parcels, "footprint_m2") / area_m2.where(area_m2 > 0)
    p["built_up_fraction"] = zonal_mean(parcels, built_up) if built_up is not None else np.nan

    occupied = p["occupant_count"] > 0
    far_min = float(v("screening.far_min"))
    special_tax = float(v("screening.exempt_special_far_tax_per_mu"))
    special = ((p["standard_far"] < far_min) & (p["tax_per_mu"] > special_tax)).fillna(False).astype(bool)
    all_exempt = pid.map(occ["all_exempt"]).fillna(False).astype(bool) & occupied
    p["tax_rules_exempt"] = all_exempt | special
    special_txt = f"标准地容积率要求低于{far_min:g}且亩均税收高于{special_tax:g}万元/亩"
    exr = _map_text(pid, occ["exr"]).where(all_exempt, "")
    p["exemption_reasons"] = [
        "、".join(x for x in (a, special_txt if s else "") if x) for a, s in zip(exr, special, strict=True)
    ]

    ind = p["is_industrial"]
    tpm = p["tax_per_mu"]
    flags = (
        pd.DataFrame(
            {
                "PARK_TAX_LT_10": ind
                & occupied
                & p["in_park"]
                & (tpm < v("screening.park_clearance_tax_per_mu")),
                "TAX_LT_FLOOR": ind & occupied & (tpm < v("screening.tax_per_mu_floor")),
                "TAX_LT_INDUSTRY_SHARE": ind
                & occupied
                & (tpm < float(v("screening.industry_average_share")) * p["industry_tax_per_mu"]),
                "FAR_LT_MIN": ind & (p["far"] < far_min),
                "FAR_LT_STANDARD_SHARE": ind
                & (p["far"] < float(v("screening.far_share_of_standard")) * p["standard_far"]),
                "COVERAGE_LT_MIN": ind & (p["building_coverage"] < v("screening.building_coverage_min")),
                "CLASS_D": ind & (pid.map(main["_class"]) == "D").fillna(False).astype(bool),
                "INDUSTRY_ELIMINATED": ind & pid.map(main["_elim"]).fillna(False).astype(bool),
                "DATA_MISSING": ind & occupied & no_tax,
                "VACANT": ind & ~occupied,
            },
            index=p.index,
        )
        .fillna(False)
        .astype(bool)
    )
    for code in {str(c) for c in v("screening.exempt_codes")} & set(flags.columns):
        flags[code] &= ~p["tax_rules_exempt"]
    recorded = (
        (_num(parcels, "floor_area_m2") > 0)
        | (_num(parcels, "footprint_m2") > 0)
        | (_num(parcels, "developed_area_m2") > 0)
    )
    flags["BUILT_UP_CHECK"] = recorded & (p["built_up_fraction"] < v("screening.built_up_check_fraction"))

    idle = assess_idle(parcels, rules, day)
    for code in _IDLE_CODES:
        flags[code] = idle["idle_codes"].str.contains(code, regex=False).to_numpy(dtype=bool)
    p["is_low_efficiency"] = flags[list(LOW_EFFICIENCY_CODES)].any(axis=1)
    for c in ("is_idle", "idle_kind", "idle_months", "idle_clock_months", "idle_fee_wan", "idle_recovery"):
        p[c] = idle[c]
    p["reason_codes"] = join_flags(flags)
    p["notes"] = idle["idle_note"].astype(object)
    values = p[["tax_per_mu", "industry_tax_per_mu", "far", "standard_far", "building_coverage"]].assign(
        built_up_fraction=p["built_up_fraction"],
        idle_months=p["idle_months"],
        gov_delay_months=idle["idle_stopped_months"],
        industry_policy=pid.map(main["_policy"]),
        missing_tax_uscc=_map_text(pid, occ["no_tax_codes"]),
    )
    by_code = texts_by_code(p["reason_codes"], values, _thresholds(rules))
    p["reasons_zh"], p["reasons_en"] = _join_texts(p["reason_codes"], by_code)
    by_pid = {p.at[i, "parcel_id"]: texts for i, texts in by_code.items()}
    return p, by_pid


def _join_texts(
    codes: pd.Series, by_code: Mapping[Any, Mapping[str, tuple[str, str]]]
) -> tuple[pd.Series, pd.Series]:
    zh = pd.Series("", index=codes.index, dtype=object)
    en = pd.Series("", index=codes.index, dtype=object)
    for idx, texts in by_code.items():
        zh.at[idx] = "；".join(t[0] for t in texts.values())
        en.at[idx] = "; ".join(t[1] for t in texts.values())
    return zh, en


def _thresholds(rules: RuleSet) -> dict[str, dict[str, float]]:
    v = rules.value
    return {
        "PARK_TAX_LT_10": {"threshold": float(v("screening.park_clearance_tax_per_mu"))},
        "TAX_LT_FLOOR": {"threshold": float(v("screening.tax_per_mu_floor"))},
        "TAX_LT_INDUSTRY_SHARE": {"share": float(v("screening.industry_average_share"))},
        "FAR_LT_MIN": {"threshold": float(v("screening.far_min"))},
        "FAR_LT_STANDARD_SHARE": {"share": float(v("screening.far_share_of_standard"))},
        "COVERAGE_LT_MIN": {"threshold": float(v("screening.building_coverage_min"))},
        "IDLE_RECOVERY": {"threshold": float(v("idle.recovery_months"))},
        "BUILT_UP_CHECK": {"threshold": float(v("screening.built_up_check_fraction"))},
        "TWO_HIGH_NEW": {"threshold": float(v("two_high.energy_tce_new"))},
        "TWO_HIGH_OLD": {"threshold": float(v("two_high.energy_tce_old"))},
        "ADMISSION_EXCEEDED": {"threshold": float(v("two_high.admission_tce_per_wan"))},
    }


def _admission_energy(f: pd.DataFrame, rules: RuleSet) -> pd.Series:
    basis = str(rules.value("two_high.admission_energy_basis"))
    if basis not in ("calorific", "primary"):
        raise RulesError(
            f"two_high.admission_energy_basis is {basis!r}",
            fix="use calorific (当量值) or primary (等价值)",
        )
    return f[f"energy_tce_{basis}"]


def _inherited_texts(
    pairs: pd.DataFrame, parcel_texts: Mapping[Any, Mapping[str, tuple[str, str]]]
) -> dict[str, dict[str, tuple[str, str]]]:
    """``{uscc: {code: (zh, en)}}``: each parcel's figures with the parcel code appended."""
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for uscc, pid, code in pairs[["uscc", "parcel_id", "code"]].itertuples(index=False, name=None):
        zh, en = parcel_texts.get(pid, {}).get(code, (describe(code, "zh"), describe(code, "en")))
        out.setdefault(uscc, {}).setdefault(code, []).append((f"{zh}(宗地{pid})", f"{en} (parcel {pid})"))
    return {
        u: {c: ("；".join(t[0] for t in ts), "; ".join(t[1] for t in ts)) for c, ts in codes.items()}
        for u, codes in out.items()
    }


def _firm_frame(
    ff: pd.DataFrame,
    pp: pd.DataFrame,
    lk: pd.DataFrame,
    rules: RuleSet,
    parcel_texts: Mapping[Any, Mapping[str, tuple[str, str]]],
) -> pd.DataFrame:
    v = rules.value
    f = ff.copy()
    pinfo = pp.set_index("parcel_id")
    lk = lk.assign(_park=lk["parcel_id"].map(pinfo["park_name"]), _town=lk["parcel_id"].map(pinfo["town"]))
    lk_sorted = lk.sort_values(
        ["uscc", "land_area_mu", "parcel_id"], ascending=[True, False, True], na_position="last"
    )
    by_firm = lk_sorted.groupby("uscc", sort=False)
    main = by_firm.first()
    f["park_name"] = _map_text(f["uscc"], main["_park"])
    f["town"] = f["town"].where(f["town"] != "", _map_text(f["uscc"], main["_town"]))
    f["parcel_ids"] = _map_text(f["uscc"], by_firm["parcel_id"].agg(";".join))
    in_park = lk.assign(_in=_text(lk["_park"]) != "").groupby("uscc")["_in"].any()
    f["in_park"] = f["uscc"].map(in_park).fillna(False).astype(bool)

    # firm-level rules
    energy = f["energy_tce_calorific"]
    since = float(v("two_high.built_since_year"))
    built = f["project_built_year"]
    two_high_industry = _starts_with_any(f["industry_code"], v("two_high.industry_divisions"))
    new_tier_industry = two_high_industry if bool(v("two_high.new_tier_requires_industry")) else True
    va = f["value_added_wan"]
    f["energy_per_value_added"] = _admission_energy(f, rules) / va.where(va > 0)
    own = (
        pd.DataFrame(
            {
                "PARK_TAX_LT_10": f["in_park"] & (f["tax_per_mu"] < v("screening.park_clearance_tax_per_mu")),
                "CLASS_D": f["eval_class"] == "D",
                "INDUSTRY_ELIMINATED": f["eliminated"],
                "TWO_HIGH_NEW": (built >= since)
                & (energy >= v("two_high.energy_tce_new"))
                & new_tier_industry,
                "TWO_HIGH_OLD": (built < since) & (energy >= v("two_high.energy_tce_old")),
                "TWO_HIGH_INDUSTRY": two_high_industry,
                "ADMISSION_EXCEEDED": f["energy_per_value_added"] > v("two_high.admission_tce_per_wan"),
                "COMPLIANCE_CHECK": f["violations_zh"] != "",
                "DATA_MISSING": f["tax_wan"].isna() & f["tax_per_mu"].isna(),
            },
            index=f.index,
        )
        .fillna(False)
        .astype(bool)
    )
    unknown_year = built.isna() & (energy >= v("two_high.energy_tce_new")) & ~own["TWO_HIGH_OLD"]
    if unknown_year.any():
        warnings.warn(
            f"{int(unknown_year.sum())} firm(s) use ≥ {v('two_high.energy_tce_new')} tce but have no "
            "project_built_year or production_start_date: the 两高 test by construction year was skipped "
            f"(e.g. {f.loc[unknown_year, 'uscc'].iloc[0]})",
            InputWarning,
            stacklevel=3,
        )
    f["is_two_high"] = own["TWO_HIGH_NEW"] | own["TWO_HIGH_OLD"]
    own_codes = join_flags(own)

    # parcel reasons inherited by every occupant (exempt codes dropped for exempt firms)
    pairs = lk[["uscc", "parcel_id"]].assign(codes=_map_text(lk["parcel_id"], pinfo["reason_codes"]))
    pairs = pairs.assign(code=pairs["codes"].map(split_codes)).explode("code")
    pairs = pairs.loc[pairs["code"].notna() & ~pairs["code"].isin(_PARCEL_INFO_CODES)]
    exempt_firm = pairs["uscc"].map(f.set_index("uscc")["tax_rules_exempt"]).fillna(False).astype(bool)
    pairs = pairs.loc[~(exempt_firm & pairs["code"].isin([str(c) for c in v("screening.exempt_codes")]))]
    inherited = pairs.groupby("uscc")["code"].agg(lambda s: join_codes(s))
    inh = _map_text(f["uscc"], inherited)
    f["reason_codes"] = [
        join_codes([*split_codes(a), *split_codes(b)]) for a, b in zip(own_codes, inh, strict=True)
    ]

    manu_lo, manu_hi = (int(x) for x in v("screening.manufacturing_divisions"))
    div_num = pd.to_numeric(f["industry_division"], errors="coerce")
    manufacturing = div_num.between(manu_lo, manu_hi) | div_num.isna()
    big_enough = f["above_scale"] | (f["land_area_mu"] >= v("screening.below_scale_min_area_mu")).fillna(
        False
    )
    f["in_scope"] = (manufacturing & big_enough) | f["is_two_high"]
    actionable = {c for c, r in REASONS.items() if r.actionable}
    has_action = f["reason_codes"].map(lambda s: any(c in actionable for c in split_codes(s)))
    f["flagged"] = f["in_scope"] & has_action.astype(bool)
    f["status"] = np.where(f["flagged"], STATUS_TODO, "")
    values = f[
        [
            "tax_per_mu",
            "project_built_year",
            "industry_code",
            "energy_per_value_added",
            "industry_policy",
            "violations_zh",
            "violations_en",
        ]
    ].assign(energy_tce=energy)
    extra = _inherited_texts(pairs, parcel_texts)
    by_index = {i: extra[u] for i, u in f["uscc"].items() if u in extra}
    f["reasons_zh"], f["reasons_en"] = detailed_texts(
        f["reason_codes"], values, _thresholds(rules), own_codes, by_index
    )
    return f[list(FIRM_COLUMNS)]


#: Columns of :attr:`Screening.firms`, in order.
FIRM_COLUMNS: tuple[str, ...] = (
    "uscc",
    "name",
    "town",
    "park_name",
    "industry_code",
    "industry_name",
    "industry_division",
    "above_scale",
    "land_area_mu",
    "tax_wan",
    "tax_per_mu",
    "value_added_wan",
    "energy_tce_calorific",
    "energy_tce_primary",
    "energy_per_value_added",
    "employees",
    "project_built_year",
    "eval_class",
    "exempt",
    "tax_rules_exempt",
    "exemption_reasons",
    "strategic_emerging",
    "industry_policy",
    "in_park",
    "parcel_ids",
    "in_scope",
    "is_two_high",
    "reason_codes",
    "reasons_zh",
    "reasons_en",
    "flagged",
    "status",
)
