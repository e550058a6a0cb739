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
from pathlib import Path

import numpy as np
import pandas as pd

from ruian_land.core import (
    InputError,
    InputWarning,
    is_in,
)
from ruian_land.rules import RuleSet
from ruian_land.screening.base import (
    numeric,
    text_of,
)
from ruian_land.screening.firm_rules import firm_attributes, firm_frame
from ruian_land.screening.parcel_rules import parcel_frame
from ruian_land.screening.result import Screening
from ruian_land.screening.zonal import start_zonal_mean

__all__ = ["screen"]


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


def _links_with_values(links: pd.DataFrame, firms: pd.DataFrame, parcel_ids: pd.Series) -> pd.DataFrame:
    lk = links.copy()
    lk["uscc"] = text_of(lk["uscc"])
    lk["parcel_id"] = text_of(lk["parcel_id"])
    unknown_parcel = ~is_in(lk["parcel_id"], parcel_ids)
    if unknown_parcel.any():
        warnings.warn(
            f"{int(unknown_parcel.sum())} occupancy link(s) name parcels not in the parcel layer "
            f"(e.g. {lk.loc[unknown_parcel, 'parcel_id'].iloc[0]!r}); they are ignored",
            InputWarning,
            stacklevel=3,
        )
        lk = lk.loc[~unknown_parcel]
    unknown_firm = ~is_in(lk["uscc"], firms["uscc"])
    if unknown_firm.any():
        warnings.warn(
            f"{int(unknown_firm.sum())} occupancy link(s) name firms not in the firm table "
            f"(e.g. {lk.loc[unknown_firm, 'uscc'].iloc[0]!r}); they count as non-exempt occupants",
            InputWarning,
            stacklevel=3,
        )
    share = numeric(lk, "land_share")
    fidx = firms.set_index("uscc")
    for col in ("tax_wan", "energy_tce_calorific", "value_added_wan"):
        if col not in lk.columns:
            total = (
                lk["uscc"].map(pd.to_numeric(fidx[col], errors="coerce")) if col in fidx.columns else np.nan
            )
            lk[col] = total * share
    lk["land_area_mu"] = numeric(lk, "land_area_mu")
    lk["tax_wan"] = numeric(lk, "tax_wan")
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
    as_of : date
        Date of the assessment (idle clocks, years in production) — the project's
        ``evaluation_date``. Required: the wall clock would give other figures every day.

    Returns
    -------
    Screening

    Raises
    ------
    InputError
        ``as_of`` is not given, a required column is missing, ``parcel_id`` or ``uscc`` is
        duplicated, the raster cannot be read.
    RulesError
        ``two_high.admission_energy_basis`` is neither ``calorific`` nor ``primary``.

    Warns
    -----
    InputWarning
        Links to unknown parcels (ignored) or firms; no ``land_use`` column; "两高" firms
        with no construction year.
    """
    if as_of is None:
        raise InputError(
            "screen needs the assessment date as_of (idle-land clocks and exemptions count to it)",
            fix="pass as_of=config.evaluation_date (what `ruian-land run` uses), e.g. as_of='2021-12-31'",
        )
    _check_inputs(parcels, firms, links)
    day = pd.Timestamp(as_of).normalize()
    # the raster means start first (on a forked process from 20 000 parcels): the rules below
    # do not need them until the built-up check
    means = start_zonal_mean(parcels, built_up) if built_up is not None else None
    try:
        firms = firms.copy()
        firms["uscc"] = text_of(firms["uscc"])
        pid = text_of(parcels["parcel_id"])
        lk = _links_with_values(links, firms, pid)
        ff = firm_attributes(firms, lk, rules, day)
        pp, parcel_texts = parcel_frame(parcels, pid, lk, ff, rules, means, day)
    finally:
        if means is not None:
            means.cancel()  # nothing when they were taken; else (an error above) stops them
    firm_out = firm_frame(ff, pp, lk, rules, parcel_texts)
    meta = {"built_up": None if built_up is None else str(built_up)}
    return Screening(parcels=pp, firms=firm_out, rules=rules, as_of=day, meta=meta)
