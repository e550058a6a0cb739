"""The firm rules of the screening: exemptions, 淘汰类 industries, "两高", admission energy, scope.

See :mod:`ruian_land.screening.assess` for every rule and its source.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ruian_land.core import (
    REASONS,
    InputWarning,
    RulesError,
    contains_any,
    fill_reason_texts,
    join_at,
    join_by_group,
    join_columns,
    join_flags,
    join_groups,
    reason_pairs,
    reason_text,
)
from ruian_land.rules import RuleSet
from ruian_land.screening.base import (
    STATUS_TODO,
    column_or,
    mapped_text,
    numeric,
    text_of,
    truthy_flags,
)
from ruian_land.screening.idle import whole_months_to
from ruian_land.screening.industry import industry_division, starts_with_any
from ruian_land.screening.parcel_rules import thresholds
from ruian_land.screening.result import FIRM_COLUMNS

__all__ = ["admission_energy", "firm_attributes", "firm_frame", "inherited_texts"]


_PARCEL_INFO_CODES = ("VACANT", "GOV_DELAY", "IDLE_DATE_MISSING", "DATA_MISSING")
_VIOLATIONS = {
    "safety_accident": ("安全生产事故", "safety accident"),
    "environmental_penalty": ("环境违法处罚", "environmental penalty"),
    "energy_task_unmet": ("节能任务未完成", "energy-saving task unmet"),
}


def firm_attributes(firms: pd.DataFrame, lk: pd.DataFrame, rules: RuleSet, day: pd.Timestamp) -> pd.DataFrame:
    """Per-firm attributes used by parcel and firm rules (same index as ``firms``)."""
    v = rules.value
    f = pd.DataFrame(index=firms.index)
    f["uscc"] = firms["uscc"]
    f["name"] = text_of(column_or(firms, "name", ""))
    f["industry_code"] = text_of(column_or(firms, "industry_code", ""))
    f["industry_name"] = text_of(column_or(firms, "industry_name", ""))
    f["industry_division"] = industry_division(column_or(firms, "industry_code"))
    f["above_scale"] = truthy_flags(column_or(firms, "above_scale", False))
    land_links = lk.groupby("uscc")["land_area_mu"].sum(min_count=1)
    land = numeric(firms, "land_area_mu")
    f["land_area_mu"] = land.where(land.notna(), f["uscc"].map(land_links))
    f["tax_wan"] = numeric(firms, "tax_wan")
    tpm = numeric(firms, "tax_per_mu")
    own_tpm = f["tax_wan"] / f["land_area_mu"].where(f["land_area_mu"] > 0)
    f["tax_per_mu"] = tpm.where(tpm.notna(), own_tpm)
    for col in ("value_added_wan", "energy_tce_calorific", "energy_tce_primary", "employees"):
        f[col] = numeric(firms, col)
    f["eval_class"] = text_of(column_or(firms, "eval_class", "")).replace("", "unrated")
    f["town"] = text_of(column_or(firms, "town", ""))

    # Jinhua exemptions (RULES.md §3)
    reason = text_of(column_or(firms, "exempt_reason", ""))
    f["exempt"] = (f["eval_class"] == "exempt") | (reason != "")
    years = float(v("screening.exempt_new_production_years"))
    start = pd.to_datetime(column_or(firms, "production_start_date"), errors="coerce")
    new = (whole_months_to(start, day) < years * 12).fillna(False).astype(bool)
    strategic = truthy_flags(column_or(firms, "strategic_emerging", False)) | starts_with_any(
        f["industry_code"], v("screening.strategic_emerging_prefixes")
    )
    f["strategic_emerging"] = strategic
    f["tax_rules_exempt"] = f["above_scale"] | new | f["exempt"] | strategic
    own_reason = reason.where(reason != "", "不参评").where(f["exempt"], "")
    parts = [
        _label_where(f["above_scale"], "规上企业"),
        _label_where(strategic, "战略性新兴产业"),
        _label_where(new, f"投产不满{years:g}年"),
        own_reason,
    ]
    f["exemption_reasons"] = join_columns(parts, "、", f.index)

    # 淘汰类 / 禁止类 industries and compliance records
    f["industry_policy"] = text_of(column_or(firms, "industry_policy", ""))
    classes = [str(c) for c in v("screening.eliminated_industry_classes")]
    f["eliminated"] = contains_any(f["industry_policy"], classes) | starts_with_any(
        f["industry_code"], v("screening.eliminated_industry_prefixes")
    )
    hits = {c: truthy_flags(column_or(firms, c, False)) for c in _VIOLATIONS}
    f["violations_zh"] = join_columns(
        [_label_where(hits[c], t[0]) for c, t in _VIOLATIONS.items()], "、", f.index
    )
    f["violations_en"] = join_columns(
        [_label_where(hits[c], t[1]) for c, t in _VIOLATIONS.items()], ", ", f.index
    )
    built = pd.to_numeric(column_or(firms, "project_built_year"), errors="coerce").astype(float)
    f["project_built_year"] = built.where(built.notna(), start.dt.year.astype(float))
    return f


def admission_energy(f: pd.DataFrame, rules: RuleSet) -> pd.Series:
    """The energy (tce) the admission test of ``two_high.admission_tce_per_wan`` is judged on."""
    basis = str(rules.value("two_high.admission_energy_basis"))
    if basis not in ("calorific", "primary"):
        raise RulesError(
            f"two_high.admission_energy_basis is {basis!r}",
            fix="use calorific (当量值) or primary (等价值)",
        )
    return f[f"energy_tce_{basis}"]


def inherited_texts(pairs: pd.DataFrame, parcel_texts: pd.DataFrame) -> pd.DataFrame:
    """The parcel reasons each firm inherits, with the parcel's figures and code.

    Parameters
    ----------
    pairs : DataFrame
        One row per (link, inherited code): ``uscc``, ``parcel_id``, ``code``, in link order.
    parcel_texts : DataFrame
        From :func:`~ruian_land.screening.parcel_rules.parcel_frame`: ``parcel_id``, ``code``,
        ``zh``, ``en`` (a parcel's detailed texts).

    Returns
    -------
    DataFrame
        One row per (``uscc``, ``code``) with ``zh`` / ``en``: the parcel texts with
        ``(宗地<parcel_id>)`` / `` (parcel <parcel_id>)`` appended, joined over the firm's parcels
        in link order with ``；`` / ``; ``; a parcel without a detailed text gives the plain text.
    """
    cols = ["uscc", "parcel_id", "code", "zh", "en"]
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    got = pairs[["uscc", "parcel_id", "code"]].merge(
        parcel_texts.drop_duplicates(["parcel_id", "code"], keep="last"), on=["parcel_id", "code"], how="left"
    )
    pid_arrow = pa.array(got["parcel_id"].astype(str).to_numpy(dtype=object), type=pa.large_string())
    key_s = got.groupby(["uscc", "code"], sort=False).ngroup()  # numbered in order of first appearance
    out = got.loc[~got.duplicated(["uscc", "code"]), ["uscc", "code"]].reset_index(drop=True)
    plain = {lang: {c: reason_text(c, lang) for c in got["code"].unique()} for lang in ("zh", "en")}
    for lang, sep, before in (("zh", "；", "(宗地"), ("en", "; ", " (parcel ")):  # one language at a time
        texts = got[lang].where(got[lang].notna(), got["code"].map(plain[lang])).to_numpy(dtype=object)
        big = pa.large_string()
        pieces = pc.binary_join_element_wise(  # "<text>(宗地<id>)" in one pass, in Arrow
            pa.array(texts, type=big),
            pa.scalar(before, big),
            pid_arrow,
            pa.scalar(")", big),
            pa.scalar("", big),
        )
        del texts
        labels, joined = join_groups(key_s, pieces, sep)
        del pieces
        col = np.empty(len(out), dtype=object)
        col[np.asarray(labels, dtype=np.int64)] = joined
        out[lang] = col
    return out


def _label_where(hit: pd.Series, label: str) -> pd.Series:
    """``label`` where ``hit``, else ``""``."""
    return pd.Series(np.where(hit.to_numpy(dtype=bool), label, ""), index=hit.index, dtype=object)


def firm_frame(
    ff: pd.DataFrame,
    pp: pd.DataFrame,
    lk: pd.DataFrame,
    rules: RuleSet,
    parcel_texts: pd.DataFrame,
) -> pd.DataFrame:
    """The firm rules: own reasons, inherited parcel reasons, scope and ``flagged``.

    Returns :attr:`Screening.firms` (columns :data:`FIRM_COLUMNS`, same index as ``ff``).
    """
    v = rules.value
    f = ff.copy()
    pinfo = pp.set_index("parcel_id")
    lk = lk.assign(_park=lk["parcel_id"].map(pinfo["park_name"]), _town=lk["parcel_id"].map(pinfo["town"]))
    lk_sorted = lk.sort_values(
        ["uscc", "land_area_mu", "parcel_id"], ascending=[True, False, True], na_position="last"
    )
    by_firm = lk_sorted.groupby("uscc", sort=False)
    main = by_firm.first()
    f["park_name"] = mapped_text(f["uscc"], main["_park"])
    f["town"] = f["town"].where(f["town"] != "", mapped_text(f["uscc"], main["_town"]))
    f["parcel_ids"] = mapped_text(f["uscc"], join_by_group(lk_sorted["uscc"], lk_sorted["parcel_id"]))
    in_park = lk.assign(_in=text_of(lk["_park"]) != "").groupby("uscc")["_in"].any()
    f["in_park"] = f["uscc"].map(in_park).fillna(False).astype(bool)

    # firm-level rules
    energy = f["energy_tce_calorific"]
    since = float(v("two_high.built_since_year"))
    built = f["project_built_year"]
    two_high_industry = starts_with_any(f["industry_code"], v("two_high.industry_divisions"))
    new_tier_industry = two_high_industry if bool(v("two_high.new_tier_requires_industry")) else True
    va = f["value_added_wan"]
    f["energy_per_value_added"] = admission_energy(f, rules) / va.where(va > 0)
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
    pairs = lk[["uscc", "parcel_id"]].assign(codes=mapped_text(lk["parcel_id"], pinfo["reason_codes"]))
    pairs = pairs.assign(code=pairs["codes"].str.split(";")).explode("code")
    pairs = pairs.loc[pairs["code"].notna() & (pairs["code"] != "") & ~pairs["code"].isin(_PARCEL_INFO_CODES)]
    exempt_firm = pairs["uscc"].map(f.set_index("uscc")["tax_rules_exempt"]).fillna(False).astype(bool)
    pairs = pairs.loc[~(exempt_firm & pairs["code"].isin([str(c) for c in v("screening.exempt_codes")]))]
    own_pairs = reason_pairs(own_codes)
    at = pd.DataFrame({"uscc": f["uscc"].to_numpy(dtype=object), "pos": np.arange(len(f))})
    inh_pairs = at.merge(pairs[["uscc", "code"]], on="uscc")[["pos", "code"]]
    code_pairs = _in_reason_order(pd.concat([own_pairs, inh_pairs], ignore_index=True))
    codes_txt = join_at(code_pairs["pos"], code_pairs["code"].to_numpy(dtype=object), f.index, ";")
    f["reason_codes"] = codes_txt.astype(str)

    manu_lo, manu_hi = (int(x) for x in v("screening.manufacturing_divisions"))
    div_num = pd.to_numeric(f["industry_division"], errors="coerce")
    manufacturing = div_num.between(manu_lo, manu_hi) | div_num.isna()
    big_enough = f["above_scale"] | (f["land_area_mu"] >= v("screening.below_scale_min_area_mu")).fillna(
        False
    )
    f["in_scope"] = (manufacturing & big_enough) | f["is_two_high"]
    actionable = [c for c, r in REASONS.items() if r.actionable]
    has_action = np.zeros(len(f), dtype=bool)
    has_action[code_pairs.loc[code_pairs["code"].isin(actionable), "pos"].to_numpy(dtype=np.int64)] = True
    f["flagged"] = f["in_scope"] & has_action
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
    # own codes quote the firm's figures; inherited ones the parcels' (else the plain text)
    own_hit = code_pairs.merge(own_pairs.assign(_own=True), on=["pos", "code"], how="left")["_own"]
    mine = own_hit.fillna(False).astype(bool).to_numpy()
    inh = code_pairs.loc[~mine].assign(uscc=f["uscc"].to_numpy(dtype=object)[code_pairs.loc[~mine, "pos"]])
    got = inh.merge(inherited_texts(pairs, parcel_texts), on=["uscc", "code"], how="left")
    found = got["zh"].notna().to_numpy()
    rows = np.flatnonzero(~mine)[found]
    filled = fill_reason_texts(code_pairs.loc[mine], values, thresholds(rules))
    for k, (lang, sep) in enumerate((("zh", "；"), ("en", "; "))):  # one language at a time (memory)
        plain = {c: reason_text(c, lang) for c in code_pairs["code"].unique()}
        texts = code_pairs["code"].map(plain).to_numpy(object)
        texts[mine] = filled[k]
        texts[rows] = got[lang].to_numpy(dtype=object)[found]
        f[f"reasons_{lang}"] = join_at(code_pairs["pos"], texts, f.index, sep)
        del texts
    return f[list(FIRM_COLUMNS)]


def _in_reason_order(pairs: pd.DataFrame) -> pd.DataFrame:
    """(``pos``, ``code``) pairs sorted by row, then by the order of :data:`REASONS`, deduplicated
    (as :func:`~ruian_land.core.reasons.join_codes` orders a row's codes)."""
    order = {c: i for i, c in enumerate(REASONS)}
    rank = pairs["code"].map(order).fillna(len(order)).astype(int)
    out = pairs.assign(_rank=rank).sort_values(["pos", "_rank", "code"], kind="stable")
    return out.drop_duplicates(["pos", "code"])[["pos", "code"]].reset_index(drop=True)
