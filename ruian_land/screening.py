"""Screening: low-efficiency land, idle land, "两高" firms and raster evidence.

Each rule is applied independently with its threshold from the rule set (``screening.*``,
``idle.*``, ``two_high.*``) and every reason found is kept as a stable code from
:mod:`ruian_land.reasons` (``;``-joined in ``reason_codes``, with ``reasons_zh`` /
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
* ``FAR_LT_STANDARD_SHARE`` – 容积率 < ``screening.far_share_of_standard`` × the 标准地 FAR
  (a ``standard_far`` column on the parcel if present, else ``standard_land.far_min``).
* ``COVERAGE_LT_MIN`` – 建筑系数 (footprint / area) < ``screening.building_coverage_min``.
* ``CLASS_D`` – the main occupant is rated D.
* ``VACANT`` (information) – no occupant on record; the tax rules are then not applied
  (``tax_per_mu`` is NaN, not 0).

The parcel's 亩均税收 sums the (land-share allocated) taxes of all its occupants over the parcel
area (RULES.md §3: several firms on one parcel → sum their taxes; one firm on several parcels
→ each parcel judged on its own).

Jinhua exemptions (RULES.md §3): a parcel whose occupants are *all* exempt is not flagged by
``TAX_LT_FLOOR`` / ``TAX_LT_INDUSTRY_SHARE``. A firm is exempt when it is 规上, has been in
production for less than ``screening.exempt_new_production_years``, is rated ``exempt``
(公用事业, 政策性搬迁 …) or is marked ``strategic_emerging`` (optional column). FAR rules are
waived for a parcel whose ``required_far`` (optional 标准地 column) is below
``screening.far_min`` while its 亩均税收 exceeds ``screening.exempt_special_far_tax_per_mu``.

Idle land: :mod:`ruian_land.idle` (all land uses). Raster: :mod:`ruian_land.zonal`; a parcel
with buildings recorded but a built-up fraction below ``screening.built_up_check_fraction``
gets ``BUILT_UP_CHECK`` (a field check, not a low-efficiency flag).

Firm level: ``CLASS_D``, "两高" (plan §三(一)3, on the 当量值 basis ``energy_tce_calorific``),
``ADMISSION_EXCEEDED`` and ``TWO_HIGH_INDUSTRY`` (information only), a firm-level
``PARK_TAX_LT_10`` on the firm's own 亩均税收 (the plan's wording is about firms), plus the
reasons of every parcel the firm occupies (the tax rules dropped for a firm that is itself
exempt). Scope (plan §三(一)1): manufacturing firms (``screening.manufacturing_divisions``)
that are 规上 or use ≥ ``screening.below_scale_min_area_mu`` 亩; "两高" firms are screened
whatever their size or sector (plan §三(一)3); a firm with no industry code is kept in scope.
``is_two_high`` = ``TWO_HIGH_NEW`` or ``TWO_HIGH_OLD`` (the plan's assessment list; the
construction year falls back to the production start year). ``flagged`` = in scope with an
actionable reason; ``status`` is ``待整治`` for flagged firms (the closed-loop list of plan
§三(一)1).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.errors import InputError, InputWarning
from ruian_land.idle import assess_idle, truthy, whole_months
from ruian_land.reasons import LOW_EFFICIENCY_CODES, REASONS, TAX_CODES, describe, join_codes
from ruian_land.rules import RuleSet
from ruian_land.units import m2_to_mu
from ruian_land.zonal import zonal_mean

__all__ = [
    "OUTSIDE_PARKS",
    "STATUS_TODO",
    "UNKNOWN_TOWN",
    "Screening",
    "industry_division",
    "screen",
]

#: Status of a flagged firm on the 《高耗低效整治企业清单》 (plan §三(一)1: closed-loop list).
STATUS_TODO = "待整治"
#: Group label for parcels and firms outside any park in :meth:`Screening.summary`.
OUTSIDE_PARKS = "园区外"
#: Group label when the town is not recorded.
UNKNOWN_TOWN = "未标注乡镇"

_PARCEL_INFO_CODES = ("VACANT", "GOV_DELAY")


@dataclass
class Screening:
    """Result of :func:`screen`.

    Attributes
    ----------
    parcels : DataFrame
        One row per parcel (same order as the input): ``parcel_id``, ``town``, ``park_name``,
        ``land_use``, ``area_mu``, ``is_industrial``, ``in_park``, ``occupant_count``,
        ``main_uscc``, ``tax_wan``, ``tax_per_mu`` (万元/亩), ``industry_tax_per_mu``, ``far``,
        ``building_coverage``, ``built_up_fraction``, ``tax_rules_exempt``,
        ``is_low_efficiency``, ``is_idle``, ``idle_kind``, ``idle_months``, ``idle_fee_wan``,
        ``idle_recovery``, ``reason_codes``, ``reasons_zh``, ``reasons_en``, ``notes``.
    firms : DataFrame
        One row per firm of the input (same order; filter on ``in_scope`` / ``flagged``):
        ``uscc``, ``name``, ``town`` (registry, else the main parcel's), ``park_name`` (main
        parcel's), ``industry_code``, ``industry_division``, ``above_scale``, ``land_area_mu``,
        ``tax_wan``, ``tax_per_mu``, ``value_added_wan``, ``energy_tce_calorific``,
        ``energy_tce_primary``, ``employees``, ``project_built_year``, ``eval_class``, ``exempt``
        (rated exempt or an exempt_reason), ``tax_rules_exempt`` (Jinhua exemptions),
        ``in_park``, ``parcel_ids`` (``;``-joined), ``in_scope``, ``is_two_high``,
        ``reason_codes``, ``reasons_zh``, ``reasons_en``, ``flagged``, ``status``.
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

        Parameters
        ----------
        by : {"town", "park"}

        Returns
        -------
        DataFrame
            Index = town / park name (``园区外`` for land outside parks) plus ``合计``; columns
            ``parcels``, ``area_mu``, ``low_efficiency_parcels``, ``low_efficiency_area_mu``,
            ``idle_parcels``, ``idle_area_mu``, ``idle_fee_wan``, ``flagged_area_mu``
            (low-efficiency or idle), ``flagged_firms``, ``two_high_firms``, ``flagged_tax_wan``,
            ``flagged_energy_tce``, and the shares of the plan targets (``targets.*``):
            ``share_of_area_target``, ``share_of_firm_target`` (flagged firms over
            firms_exited + firms_upgraded), ``share_of_energy_target``. ``attrs['targets']``
            holds the targets used.

        Raises
        ------
        ValueError
            ``by`` is not ``town`` or ``park``.
        """
        if by not in ("town", "park"):
            raise ValueError(f"by must be 'town' or 'park', not {by!r}")
        col = "town" if by == "town" else "park_name"
        blank = UNKNOWN_TOWN if by == "town" else OUTSIDE_PARKS
        p = self.parcels.assign(_g=_labels(self.parcels[col], blank))
        f = self.firms.assign(_g=_labels(self.firms[col], blank))
        flagged_land = p["is_low_efficiency"] | p["is_idle"]
        gp = p.groupby("_g", sort=True)
        out = pd.DataFrame(
            {
                "parcels": gp.size(),
                "area_mu": gp["area_mu"].sum(),
                "low_efficiency_parcels": gp["is_low_efficiency"].sum(),
                "low_efficiency_area_mu": p["area_mu"]
                .where(p["is_low_efficiency"], 0.0)
                .groupby(p["_g"])
                .sum(),
                "idle_parcels": gp["is_idle"].sum(),
                "idle_area_mu": p["area_mu"].where(p["is_idle"], 0.0).groupby(p["_g"]).sum(),
                "idle_fee_wan": gp["idle_fee_wan"].sum(),
                "flagged_area_mu": p["area_mu"].where(flagged_land, 0.0).groupby(p["_g"]).sum(),
            }
        )
        ff = f.loc[f["flagged"]]
        firm_part = pd.DataFrame(
            {
                "flagged_firms": ff.groupby("_g").size(),
                "two_high_firms": f.loc[f["is_two_high"]].groupby("_g").size(),
                "flagged_tax_wan": ff.groupby("_g")["tax_wan"].sum(),
                "flagged_energy_tce": ff.groupby("_g")["energy_tce_calorific"].sum(),
            }
        )
        out = out.join(firm_part, how="outer").fillna(0.0)
        for c in ("parcels", "low_efficiency_parcels", "idle_parcels", "flagged_firms", "two_high_firms"):
            out[c] = out[c].astype(int)
        out.loc["合计"] = out.sum(numeric_only=True)
        v = self.rules.value
        targets = {
            "freed_area_mu": float(v("targets.freed_area_mu")),
            "firms": float(v("targets.firms_exited")) + float(v("targets.firms_upgraded")),
            "freed_energy_tce": float(v("targets.freed_energy_tce")),
        }
        out["share_of_area_target"] = out["flagged_area_mu"] / targets["freed_area_mu"]
        out["share_of_firm_target"] = out["flagged_firms"] / targets["firms"]
        out["share_of_energy_target"] = out["flagged_energy_tce"] / targets["freed_energy_tce"]
        out.index.name = by
        out.attrs["targets"] = targets
        return out


def _labels(s: pd.Series, blank: str) -> pd.Series:
    txt = s.astype(object).where(s.notna(), "")
    txt = txt.map(lambda x: str(x).strip())
    return txt.where(txt != "", blank)


def industry_division(codes: pd.Series) -> pd.Series:
    """2-digit GB/T 4754 division (``"3311"`` → ``"33"``, ``"C3311"`` → ``"33"``); NaN when unknown."""
    txt = codes.astype(object).where(codes.notna(), "").map(lambda x: str(x).strip().upper())
    txt = txt.str.replace(r"^[A-Z]+", "", regex=True).str.replace(r"\.0$", "", regex=True)
    div = txt.str.slice(0, 2)
    return div.where(div.str.fullmatch(r"\d\d").fillna(False).astype(bool), other=np.nan)


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
                fix="map the source columns with ruian_land.columns (see docs/CONTRACTS.md §2)",
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
# texts


def _texts(
    codes: pd.Series, values: pd.DataFrame, thresholds: Mapping[str, Mapping[str, float]], detailed: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Chinese and English texts for ``;``-joined codes, detailed where ``detailed`` holds codes."""
    zh = pd.Series("", index=codes.index, dtype=object)
    en = pd.Series("", index=codes.index, dtype=object)
    has = codes != ""
    records: dict[Any, dict[Any, Any]] = values.loc[has].to_dict(orient="index")
    for idx in codes.index[has]:
        row = records[idx]
        own = set(str(detailed.at[idx]).split(";"))
        parts_zh: list[str] = []
        parts_en: list[str] = []
        for code in str(codes.at[idx]).split(";"):
            vals = {**row, **thresholds.get(code, {})} if code in own else None
            parts_zh.append(describe(code, "zh", vals))
            parts_en.append(describe(code, "en", vals))
        zh.at[idx] = "；".join(parts_zh)
        en.at[idx] = "; ".join(parts_en)
    return zh, en


def _join_flags(flags: pd.DataFrame) -> pd.Series:
    """``;``-join the names of the True columns of a boolean frame (columns in REASONS order)."""
    order = [c for c in REASONS if c in flags.columns]
    out = pd.Series("", index=flags.index, dtype=object)
    for code in order:
        hit = flags[code].to_numpy(dtype=bool)
        out[hit] = out[hit] + ";" + code
    return out.str.lstrip(";")


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
        (``parcel_id`` unique; missing optional columns count as missing values).
    firms : DataFrame
        Evaluated firms, one row per ``uscc``: ``name``, ``industry_code``, ``above_scale``,
        ``production_start_date``, ``project_built_year``, ``tax_wan``, ``value_added_wan``,
        ``energy_tce_calorific``, ``land_area_mu``, ``tax_per_mu``, ``eval_class``,
        ``exempt_reason`` (optional ``strategic_emerging``).
    links : DataFrame
        Occupancy, one row per firm per parcel: ``uscc``, ``parcel_id``, ``land_area_mu``,
        ``land_share``, ``tax_wan`` (allocated; computed from ``land_share`` if absent).
    rules : RuleSet
        ``screening.*``, ``idle.*``, ``two_high.*``, ``standard_land.far_min``, ``targets.*``.
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
    pp = _parcel_frame(parcels, pid, lk, ff, rules, built_up, day)
    firm_out = _firm_frame(ff, pp, lk, rules)
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
    f["industry_division"] = industry_division(_col(firms, "industry_code"))
    f["above_scale"] = _bool(_col(firms, "above_scale", False))
    land_links = lk.groupby("uscc")["land_area_mu"].sum(min_count=1)
    land = _num(firms, "land_area_mu")
    f["land_area_mu"] = land.where(land.notna(), f["uscc"].map(land_links))
    f["tax_wan"] = _num(firms, "tax_wan")
    tpm = _num(firms, "tax_per_mu")
    own_tpm = f["tax_wan"] / f["land_area_mu"].where(f["land_area_mu"] > 0)
    f["tax_per_mu"] = tpm.where(tpm.notna(), own_tpm)
    f["value_added_wan"] = _num(firms, "value_added_wan")
    f["energy_tce_calorific"] = _num(firms, "energy_tce_calorific")
    f["energy_tce_primary"] = _num(firms, "energy_tce_primary")
    f["employees"] = _num(firms, "employees")
    f["eval_class"] = _text(_col(firms, "eval_class", "")).replace("", "unrated")
    f["town"] = _text(_col(firms, "town", ""))
    reason = _text(_col(firms, "exempt_reason", ""))
    f["exempt"] = (f["eval_class"] == "exempt") | (reason != "")
    years = float(v("screening.exempt_new_production_years"))
    start = pd.to_datetime(_col(firms, "production_start_date"), errors="coerce")
    months = start.map(lambda s: whole_months(s, day))
    new = (months < years * 12).fillna(False).astype(bool)
    strategic = _bool(_col(firms, "strategic_emerging", False))
    f["tax_rules_exempt"] = f["above_scale"] | new | f["exempt"] | strategic
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
) -> pd.DataFrame:
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
        _class=lk["uscc"].map(ex["eval_class"]),
        _div=lk["uscc"].map(ex["industry_division"]),
    )
    g = lk.groupby("parcel_id")
    occ = pd.DataFrame(
        {
            "occupant_count": g["uscc"].nunique(),
            "tax_wan": g["tax_wan"].sum(min_count=1),
            "all_exempt": g["_exempt"].all(),
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
    p["tax_wan"] = pid.map(occ["tax_wan"]).astype(float)
    p["tax_per_mu"] = p["tax_wan"] / area_mu.where(area_mu > 0)
    # industry average: Σ tax / Σ land over linked firms of the division
    ok = ff["land_area_mu"].gt(0) & ff["tax_wan"].notna() & ff["industry_division"].notna()
    sums = ff.loc[ok].groupby("industry_division")[["tax_wan", "land_area_mu"]].sum()
    ind_avg = sums["tax_wan"] / sums["land_area_mu"]
    p["industry_tax_per_mu"] = pid.map(main["_div"]).map(ind_avg).astype(float)
    p["far"] = _num(parcels, "floor_area_m2") / area_m2.where(area_m2 > 0)
    p["building_coverage"] = _num(parcels, "footprint_m2") / area_m2.where(area_m2 > 0)
    p["built_up_fraction"] = zonal_mean(parcels, built_up) if built_up is not None else np.nan
    p["tax_rules_exempt"] = pid.map(occ["all_exempt"]).fillna(False).astype(bool)
    main_class = pid.map(main["_class"])

    occupied = p["occupant_count"] > 0
    ind = p["is_industrial"]
    std_far = _num(parcels, "standard_far")
    std_far = std_far.where(std_far > 0, float(v("standard_land.far_min")))
    req_far = _num(parcels, "required_far")
    far_exempt = (req_far < float(v("screening.far_min"))) & (
        p["tax_per_mu"] > float(v("screening.exempt_special_far_tax_per_mu"))
    )
    taxable = ind & occupied & ~p["tax_rules_exempt"]
    flags = (
        pd.DataFrame(
            {
                "PARK_TAX_LT_10": ind
                & occupied
                & p["in_park"]
                & (p["tax_per_mu"] < v("screening.park_clearance_tax_per_mu")),
                "TAX_LT_FLOOR": taxable & (p["tax_per_mu"] < v("screening.tax_per_mu_floor")),
                "TAX_LT_INDUSTRY_SHARE": taxable
                & (p["tax_per_mu"] < float(v("screening.industry_average_share")) * p["industry_tax_per_mu"]),
                "FAR_LT_MIN": ind & ~far_exempt & (p["far"] < v("screening.far_min")),
                "FAR_LT_STANDARD_SHARE": ind
                & ~far_exempt
                & (p["far"] < float(v("screening.far_share_of_standard")) * std_far),
                "COVERAGE_LT_MIN": ind & (p["building_coverage"] < v("screening.building_coverage_min")),
                "CLASS_D": ind & (main_class == "D").fillna(False).astype(bool),
                "VACANT": ind & ~occupied,
            },
            index=p.index,
        )
        .fillna(False)
        .astype(bool)
    )
    recorded = (_num(parcels, "floor_area_m2") > 0) | (_num(parcels, "footprint_m2") > 0)
    flags["BUILT_UP_CHECK"] = recorded & (p["built_up_fraction"] < v("screening.built_up_check_fraction"))

    idle = assess_idle(parcels, rules, day)
    for code in ("IDLE_NOT_STARTED", "IDLE_SUSPENDED", "IDLE_RECOVERY"):
        flags[code] = idle["idle_codes"].str.contains(code, regex=False).to_numpy(dtype=bool)
    p["is_low_efficiency"] = flags[list(LOW_EFFICIENCY_CODES)].any(axis=1)
    for c in ("is_idle", "idle_kind", "idle_months", "idle_fee_wan", "idle_recovery"):
        p[c] = idle[c]
    p["reason_codes"] = _join_flags(flags)
    p["notes"] = idle["idle_note"].astype(object)
    thresholds = _thresholds(rules)
    values = p[
        ["tax_per_mu", "industry_tax_per_mu", "far", "building_coverage", "built_up_fraction", "idle_months"]
    ]
    values = values.assign(standard_far=std_far)
    p["reasons_zh"], p["reasons_en"] = _texts(p["reason_codes"], values, thresholds, p["reason_codes"])
    return p


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


def _firm_frame(ff: pd.DataFrame, pp: pd.DataFrame, lk: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
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
    divisions = tuple(str(d) for d in v("two_high.industry_divisions"))
    va = f["value_added_wan"]
    f["energy_per_value_added"] = energy / va.where(va > 0)
    own = (
        pd.DataFrame(
            {
                "PARK_TAX_LT_10": f["in_park"] & (f["tax_per_mu"] < v("screening.park_clearance_tax_per_mu")),
                "CLASS_D": f["eval_class"] == "D",
                "TWO_HIGH_NEW": (built >= since) & (energy >= v("two_high.energy_tce_new")),
                "TWO_HIGH_OLD": (built < since) & (energy >= v("two_high.energy_tce_old")),
                "TWO_HIGH_INDUSTRY": f["industry_code"].map(lambda c: bool(c) and c.startswith(divisions)),
                "ADMISSION_EXCEEDED": f["energy_per_value_added"] > v("two_high.admission_tce_per_wan"),
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
    own_codes = _join_flags(own)

    # parcel reasons inherited by every occupant (tax rules dropped for exempt firms)
    pairs = lk[["uscc", "parcel_id"]].assign(codes=_map_text(lk["parcel_id"], pinfo["reason_codes"]))
    pairs = pairs.assign(code=pairs["codes"].str.split(";")).explode("code")
    pairs = pairs.loc[pairs["code"].notna() & (pairs["code"] != "") & ~pairs["code"].isin(_PARCEL_INFO_CODES)]
    exempt_firm = pairs["uscc"].map(f.set_index("uscc")["tax_rules_exempt"]).fillna(False).astype(bool)
    pairs = pairs.loc[~(exempt_firm & pairs["code"].isin(TAX_CODES))]
    inherited = pairs.groupby("uscc")["code"].agg(lambda s: join_codes(s))
    inh = _map_text(f["uscc"], inherited)
    f["reason_codes"] = [
        join_codes([*a.split(";"), *b.split(";")]) for a, b in zip(own_codes, inh, strict=True)
    ]

    manu_lo, manu_hi = (int(x) for x in v("screening.manufacturing_divisions"))
    div_num = pd.to_numeric(f["industry_division"], errors="coerce")
    manufacturing = div_num.between(manu_lo, manu_hi) | div_num.isna()
    big_enough = f["above_scale"] | (f["land_area_mu"] >= v("screening.below_scale_min_area_mu")).fillna(
        False
    )
    f["in_scope"] = (manufacturing & big_enough) | f["is_two_high"]
    actionable = {c for c, r in REASONS.items() if r.actionable}
    has_action = f["reason_codes"].map(lambda s: any(c in actionable for c in s.split(";") if c))
    f["flagged"] = f["in_scope"] & has_action.astype(bool)
    f["status"] = np.where(f["flagged"], STATUS_TODO, "")
    values = f[["tax_per_mu", "project_built_year", "industry_code", "energy_per_value_added"]].assign(
        energy_tce=energy
    )
    thresholds = _thresholds(rules)
    f["reasons_zh"], f["reasons_en"] = _texts(f["reason_codes"], values, thresholds, own_codes)
    cols = [
        "uscc",
        "name",
        "town",
        "park_name",
        "industry_code",
        "industry_division",
        "above_scale",
        "land_area_mu",
        "tax_wan",
        "tax_per_mu",
        "value_added_wan",
        "energy_tce_calorific",
        "energy_tce_primary",
        "employees",
        "project_built_year",
        "eval_class",
        "exempt",
        "tax_rules_exempt",
        "in_park",
        "parcel_ids",
        "in_scope",
        "is_two_high",
        "reason_codes",
        "reasons_zh",
        "reasons_en",
        "flagged",
        "status",
    ]
    return f[cols]
