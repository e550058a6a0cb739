"""The parcel rules of the screening: low-efficiency land, idle land, exemptions, raster evidence.

See :mod:`ruian_land.screening.assess` for every rule and its source.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ruian_land.core import (
    LOW_EFFICIENCY_CODES,
    InputError,
    InputWarning,
    contains_any,
    fill_reason_texts,
    join_at,
    join_by_group,
    join_flags,
    m2_to_mu,
    map_by_key,
    reason_pairs,
)
from ruian_land.rules import RuleSet
from ruian_land.screening.base import (
    column_or,
    mapped_text,
    numeric,
    text_of,
)
from ruian_land.screening.idle import assess_idle
from ruian_land.screening.industry import industry_lookup
from ruian_land.screening.zonal import PendingMeans

__all__ = ["parcel_area_m2", "parcel_frame", "thresholds"]


_IDLE_CODES = ("IDLE_NOT_STARTED", "IDLE_SUSPENDED", "IDLE_RECOVERY", "GOV_DELAY", "IDLE_DATE_MISSING")


def parcel_area_m2(parcels: pd.DataFrame) -> pd.Series:
    """Parcel area in m² from ``area_m2``, else ``area_mu``, else the (projected) geometry."""
    if "area_m2" in parcels.columns:
        return numeric(parcels, "area_m2")
    if "area_mu" in parcels.columns:
        return numeric(parcels, "area_mu") * 10_000.0 / 15.0
    if "geometry" in parcels.columns:
        return pd.Series(np.asarray(parcels.geometry.area, dtype=float), index=parcels.index)
    raise InputError(
        "parcels have neither area_m2, area_mu nor a geometry",
        column="area_m2",
        fix="read parcels with ruian_land.io.read_parcels, which adds area_m2 and area_mu",
    )


def parcel_frame(
    parcels: pd.DataFrame,
    pid: pd.Series,
    lk: pd.DataFrame,
    ff: pd.DataFrame,
    rules: RuleSet,
    built_up: PendingMeans | None,
    day: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The parcel rules of :func:`ruian_land.screening.assess.screen` (module docstring there).

    Returns the parcel frame of :attr:`Screening.parcels` (same index as ``parcels``) and the
    detailed texts its occupants inherit: one row per (``parcel_id``, ``code``) with columns
    ``parcel_id``, ``code``, ``zh``, ``en``. ``built_up`` is the built-up means under way
    (:func:`~ruian_land.screening.zonal.start_zonal_mean`), finished where they are needed.
    """
    v = rules.value
    p = pd.DataFrame(index=parcels.index)
    p["parcel_id"] = pid
    p["town"] = text_of(column_or(parcels, "town", ""))
    p["park_name"] = text_of(column_or(parcels, "park_name", ""))
    p["land_use"] = text_of(column_or(parcels, "land_use", ""))
    area_m2 = parcel_area_m2(parcels)
    area_mu = (
        numeric(parcels, "area_mu")
        if "area_mu" in parcels.columns
        else pd.Series(m2_to_mu(area_m2), index=p.index)
    )
    p["area_mu"] = area_mu
    if "land_use" in parcels.columns:
        patterns = [str(x) for x in v("screening.land_uses")]
        p["is_industrial"] = contains_any(p["land_use"], patterns)
    else:
        warnings.warn(
            "parcels have no land_use column: all are screened as industrial", InputWarning, stacklevel=3
        )
        p["is_industrial"] = True
    p["in_park"] = p["park_name"] != ""

    # occupants: taxes summed per parcel, main occupant = largest land (then largest tax, then code)
    ex = map_by_key(
        lk["uscc"],
        ff.set_index("uscc"),
        [
            "tax_rules_exempt",
            "exemption_reasons",
            "eval_class",
            "industry_division",
            "industry_code",
            "eliminated",
            "industry_policy",
        ],
    )
    lk = lk.assign(
        _exempt=ex["tax_rules_exempt"].fillna(False).astype(bool),
        _exr=text_of(ex["exemption_reasons"].astype(object)),
        _class=ex["eval_class"],
        _div=ex["industry_division"],
        _code=ex["industry_code"],
        _elim=ex["eliminated"].fillna(False).astype(bool),
        _policy=ex["industry_policy"],
    )
    lk = lk.assign(_no_tax_code=lk["uscc"].where(lk["tax_wan"].isna(), ""))
    g = lk.groupby("parcel_id")
    occ = pd.DataFrame(
        {
            "occupant_count": g["uscc"].nunique(),
            "tax_wan": g["tax_wan"].sum(min_count=1),
            "all_exempt": g["_exempt"].all(),
        }
    )
    # occupants without a tax record: distinct codes, sorted; exemption reasons: distinct, in order
    no_tax_rows = lk.loc[lk["_no_tax_code"] != "", ["parcel_id", "_no_tax_code"]].drop_duplicates()
    no_tax_rows = no_tax_rows.sort_values("_no_tax_code", kind="stable")
    occ_no_tax = join_by_group(no_tax_rows["parcel_id"], no_tax_rows["_no_tax_code"], "、")
    exr_rows = lk.loc[lk["_exr"] != "", ["parcel_id", "_exr"]]
    exr_rows = exr_rows.assign(_exr=exr_rows["_exr"].str.split("、")).explode("_exr")
    exr_rows = exr_rows.loc[exr_rows["_exr"].notna() & (exr_rows["_exr"] != "")].drop_duplicates()
    occ_exr = join_by_group(exr_rows["parcel_id"], exr_rows["_exr"], "、")
    main = lk.sort_values(
        ["parcel_id", "land_area_mu", "tax_wan", "uscc"],
        ascending=[True, False, False, True],
        na_position="last",
    ).drop_duplicates("parcel_id")
    main = main.set_index("parcel_id")
    on_main = map_by_key(pid, main, ["uscc", "_code", "_div", "_class", "_elim", "_policy"])
    on_occ = map_by_key(pid, occ, ["occupant_count", "tax_wan", "all_exempt"])
    p["occupant_count"] = on_occ["occupant_count"].fillna(0).astype(int)
    p["main_uscc"] = text_of(on_main["uscc"].astype(object))
    p["main_industry_code"] = text_of(on_main["_code"].astype(object))
    missing_tax_uscc = mapped_text(pid, occ_no_tax)
    no_tax = missing_tax_uscc != ""  # an occupant's tax is unknown (≠ 0)
    p["tax_wan"] = on_occ["tax_wan"].astype(float).mask(no_tax)
    p["tax_per_mu"] = p["tax_wan"] / area_mu.where(area_mu > 0)
    # industry average: Σ tax / Σ land over linked firms of the division
    ok = ff["land_area_mu"].gt(0) & ff["tax_wan"].notna() & ff["industry_division"].notna()
    sums = ff.loc[ok].groupby("industry_division")[["tax_wan", "land_area_mu"]].sum()
    ind_avg = sums["tax_wan"] / sums["land_area_mu"]
    p["industry_tax_per_mu"] = on_main["_div"].map(ind_avg).astype(float)
    p["far"] = numeric(parcels, "floor_area_m2") / area_m2.where(area_m2 > 0)
    own_std = numeric(parcels, "standard_far" if "standard_far" in parcels.columns else "required_far")
    ind_std = industry_lookup(p["main_industry_code"], v("standard_land.far_by_industry"))
    p["standard_far"] = own_std.where(own_std > 0, ind_std)
    p["building_coverage"] = numeric(parcels, "footprint_m2") / area_m2.where(area_m2 > 0)
    p["built_up_fraction"] = built_up() if built_up is not None else np.nan

    occupied = p["occupant_count"] > 0
    far_min = float(v("screening.far_min"))
    special_tax = float(v("screening.exempt_special_far_tax_per_mu"))
    special = ((p["standard_far"] < far_min) & (p["tax_per_mu"] > special_tax)).fillna(False).astype(bool)
    all_exempt = on_occ["all_exempt"].fillna(False).astype(bool) & occupied
    p["tax_rules_exempt"] = all_exempt | special
    special_txt = f"标准地容积率要求低于{far_min:g}且亩均税收高于{special_tax:g}万元/亩"
    exr = mapped_text(pid, occ_exr).where(all_exempt, "").to_numpy(dtype=object)
    sp = special.to_numpy(dtype=bool)
    p["exemption_reasons"] = (
        exr
        + np.where(sp & (exr != ""), "、", "").astype(object)
        + np.where(sp, special_txt, "").astype(object)
    )

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
                "CLASS_D": ind & (on_main["_class"] == "D").fillna(False).astype(bool),
                "INDUSTRY_ELIMINATED": ind & on_main["_elim"].fillna(False).astype(bool),
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
        (numeric(parcels, "floor_area_m2") > 0)
        | (numeric(parcels, "footprint_m2") > 0)
        | (numeric(parcels, "developed_area_m2") > 0)
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
        industry_policy=on_main["_policy"],
        missing_tax_uscc=missing_tax_uscc,
    )
    pairs = reason_pairs(p["reason_codes"])
    zh, en = fill_reason_texts(pairs, values, thresholds(rules))
    p["reasons_zh"] = join_at(pairs["pos"], zh, p.index, "；")
    p["reasons_en"] = join_at(pairs["pos"], en, p.index, "; ")
    # the texts a parcel's occupants inherit, by parcel_id (a repeated parcel_id: its last row)
    last = ~p["parcel_id"].duplicated(keep="last").to_numpy()
    at = pairs["pos"].to_numpy()
    kept = last[at]
    parcel_texts = pd.DataFrame(
        {
            "parcel_id": p["parcel_id"].to_numpy(dtype=object)[at[kept]],
            "code": pairs["code"].to_numpy(dtype=object)[kept],
            "zh": zh[kept],
            "en": en[kept],
        }
    )
    return p, parcel_texts


def thresholds(rules: RuleSet) -> dict[str, dict[str, float]]:
    """The threshold quoted in each reason text, by reason code (from the rule set)."""
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
