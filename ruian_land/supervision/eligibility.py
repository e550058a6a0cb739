"""Policy eligibility lists from the data already loaded, each row naming its rule's source:

- 保障性租赁住房 (plan §四(五)): 存量工业项目 in a park, or outside a park with 亩均效益 class A/B and
  ≥ 50 亩, may raise the share of land for office and living facilities from 7 % to 15 % and of
  floor area to 30 %: the 亩 and m² each firm may add;
- 提容增效 (plan §四(二)): own land below its industry FAR (screening's ``standard_far``), with the
  floor space it may add without a further land price;
- 差别化地价 (plan §四(二)): projects in 产业导向 with a high 亩均税收 and 土地利用率, whose land
  floor price may be set at ≥ 70 % of the minimum industrial price.

Every threshold is a ``supervision.*`` rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruian_land.core import is_in, join_by_group, join_unique, m2_to_mu
from ruian_land.rules import RuleSet

__all__ = ["far_uplift", "land_price_projects", "rental_housing"]

_HOUSING_SOURCE = "plan §四(五) (保障性租赁住房: 园区内存量工业项目, 或园区外A、B类且用地50亩以上)"
_FAR_SOURCE = "plan §四(二) (提容增效: 自有工业用地提高容积率不再增收土地价款)"
_PRICE_SOURCE = "plan §四(二) (差别化地价: 底价不低于工业用地最低价标准的70%)"


def _num(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[col], errors="coerce").astype(float)


def _own_links(
    links: pd.DataFrame | None, parcels: pd.DataFrame, screening_parcels: pd.DataFrame
) -> pd.DataFrame:
    """Own-tenure links with the parcel's area, floor area, park and FAR figures."""
    cols = ["uscc", "parcel_id", "land_area_m2", "land_area_mu"]
    if links is None or not len(links):
        return pd.DataFrame(columns=[*cols, "area_m2", "floor_area_m2", "in_park", "park_name"])
    lk = links.loc[links["tenure"].astype(str) == "own", cols].copy()
    lk["uscc"], lk["parcel_id"] = lk["uscc"].astype(str), lk["parcel_id"].astype(str)
    p = pd.DataFrame(
        {
            "parcel_id": parcels["parcel_id"].astype(str).to_numpy(),
            "area_m2": _num(parcels, "area_m2").to_numpy(),
            "floor_area_m2": _num(parcels, "floor_area_m2").to_numpy(),
        }
    ).drop_duplicates("parcel_id")
    s = screening_parcels
    sp = pd.DataFrame(
        {
            "parcel_id": s["parcel_id"].astype(str).to_numpy(),
            "in_park": s["in_park"].fillna(False).astype(bool).to_numpy()
            if "in_park" in s.columns
            else False,
            "park_name": s["park_name"].astype(object).to_numpy() if "park_name" in s.columns else None,
        }
    ).drop_duplicates("parcel_id")
    return lk.merge(p, on="parcel_id", how="left").merge(sp, on="parcel_id", how="left")


def rental_housing(
    firms: pd.DataFrame,
    links: pd.DataFrame | None,
    parcels: pd.DataFrame,
    screening_parcels: pd.DataFrame,
    rules: RuleSet,
) -> pd.DataFrame:
    """Firms whose own industrial land may carry 宿舍型保障性租赁住房 (plan §四(五)).

    A firm's project is its own land (links with tenure ``own``). It qualifies when any of that
    land lies in a park (screening's ``in_park``), or, outside parks, when its class is in
    ``supervision.rental_housing_classes`` (A, B) and its own land is at least
    ``supervision.rental_housing_min_area_mu`` (50 亩; 49.9 does not, 50 does).

    Parameters
    ----------
    firms : DataFrame
        Evaluated firms: ``uscc``, ``name``, ``town``, ``eval_class``.
    links : DataFrame or None
        Occupancy links: ``uscc``, ``parcel_id``, ``tenure``, ``land_area_m2``, ``land_area_mu``.
    parcels : DataFrame
        Clean parcels: ``parcel_id``, ``area_m2``, ``floor_area_m2`` (a link gets the parcel's
        floor area in proportion to its land).
    screening_parcels : DataFrame
        ``parcel_id``, ``in_park``, ``park_name``.
    rules : RuleSet
        ``supervision.rental_housing_*``: classes, minimum area, the land share before (7 %) and
        after (15 %), the floor-area share after (30 %) and before (15 %, assumed).

    Returns
    -------
    DataFrame
        One row per qualifying firm (by ``uscc``): ``uscc``, ``name``, ``town``, ``eval_class``,
        ``in_park``, ``park_name``, ``parcel_ids`` (``;``-joined), ``land_mu``,
        ``floor_area_m2``, ``basis`` (which branch of the rule), ``land_cap_mu`` (15 % of the
        land), ``land_may_add_mu`` (15 % − 7 %), ``floor_cap_m2`` (30 % of the floor area),
        ``floor_may_add_m2`` (30 % − the share before), ``rule_source``.
    """
    v = rules.value
    classes = [str(c) for c in v("supervision.rental_housing_classes")]
    min_mu = float(v("supervision.rental_housing_min_area_mu"))
    land_after, land_before = (
        float(v("supervision.rental_housing_land_share")),
        float(v("supervision.rental_housing_land_share_before")),
    )
    floor_after, floor_before = (
        float(v("supervision.rental_housing_floor_share")),
        float(v("supervision.rental_housing_floor_share_before")),
    )
    lk = _own_links(links, parcels, screening_parcels)
    share = (_num(lk, "land_area_m2") / _num(lk, "area_m2").where(_num(lk, "area_m2") > 0)).clip(upper=1.0)
    lk["floor_m2"] = (_num(lk, "floor_area_m2") * share).fillna(0.0)
    lk["mu"] = _num(lk, "land_area_mu").fillna(0.0)
    lk["in_park"] = lk["in_park"].fillna(False).astype(bool)
    lk = lk.sort_values(["uscc", "parcel_id"], kind="stable")
    g = lk.groupby("uscc", sort=True)
    per = pd.DataFrame(
        {"land_mu": g["mu"].sum(), "floor_area_m2": g["floor_m2"].sum(), "in_park": g["in_park"].any()}
    )
    # the firm's parks (each once, in parcel order) and parcels, joined in Arrow (no call per firm)
    parks = join_unique(lk["uscc"], lk["park_name"], "；", text_only=True)
    per["park_name"] = parks.reindex(per.index, fill_value="").to_numpy(dtype=object)
    per["parcel_ids"] = (
        join_by_group(lk["uscc"], lk["parcel_id"], ";", sort=True).reindex(per.index).to_numpy(dtype=object)
    )
    f = firms.drop_duplicates("uscc").assign(uscc=lambda d: d["uscc"].astype(str))
    out = f[[c for c in ("uscc", "name", "town", "eval_class") if c in f.columns]].merge(
        per.reset_index(), on="uscc", how="inner"
    )
    cls = out["eval_class"].astype(str) if "eval_class" in out.columns else pd.Series("", index=out.index)
    outside = ~out["in_park"] & cls.isin(classes) & (out["land_mu"] >= min_mu)
    out = out.loc[(out["in_park"] | outside) & (out["land_mu"] > 0)].copy()
    cls = cls[out.index]
    out["basis"] = np.where(
        out["in_park"],
        "园区内存量工业项目",
        "园区外"
        + cls.astype(str)
        + "类、用地"
        + out["land_mu"].map("{:.1f}".format).astype(str)
        + f"亩(≥{min_mu:g}亩)",
    )
    out["land_cap_mu"] = out["land_mu"] * land_after
    out["land_may_add_mu"] = out["land_mu"] * max(land_after - land_before, 0.0)
    out["floor_cap_m2"] = out["floor_area_m2"] * floor_after
    out["floor_may_add_m2"] = out["floor_area_m2"] * max(floor_after - floor_before, 0.0)
    out["rule_source"] = _HOUSING_SOURCE
    return out.sort_values(["land_mu", "uscc"], ascending=[False, True], kind="stable").reset_index(drop=True)


def far_uplift(
    screening_parcels: pd.DataFrame,
    links: pd.DataFrame | None,
    parcels: pd.DataFrame,
    firms: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """提容增效 candidates (plan §四(二)): own industrial land built below its industry FAR.

    The FAR and its industry benchmark are the screening's (``far`` measured, ``standard_far``
    the parcel's 标准地 value or ``standard_land.far_by_industry``); the trajectory's 提容增效
    lever uses the same two columns. The plan's 民营企业 condition is not in the data: check it.

    Parameters
    ----------
    screening_parcels : DataFrame
        ``parcel_id``, ``town``, ``park_name``, ``area_mu``, ``is_industrial``, ``far``,
        ``standard_far``, ``main_uscc``.
    links : DataFrame or None
        Occupancy links (``tenure`` ``own`` marks own land).
    parcels : DataFrame
        Clean parcels: ``parcel_id``, ``area_m2``.
    firms : DataFrame, optional
        ``uscc``, ``name`` of the owners.

    Returns
    -------
    DataFrame
        One row per parcel with 0 < ``far`` < ``standard_far`` held by an owner: ``parcel_id``,
        ``uscc`` (the owner with most land on it), ``name``, ``town``, ``park_name``,
        ``area_mu``, ``far``, ``standard_far``, ``floor_area_m2`` (now, area × FAR),
        ``added_floor_m2`` (area × (standard − FAR)), ``rule_source``; most floor to add first.
    """
    s = screening_parcels
    lk = _own_links(links, parcels, s)
    owner = (
        lk.assign(_a=_num(lk, "land_area_m2").fillna(0.0))
        .sort_values(["parcel_id", "_a", "uscc"], ascending=[True, False, True], kind="stable")
        .drop_duplicates("parcel_id")
        .set_index("parcel_id")["uscc"]
    )
    far, std = _num(s, "far"), _num(s, "standard_far")
    industrial = s["is_industrial"].fillna(False).astype(bool) if "is_industrial" in s.columns else True
    pid = s["parcel_id"].astype(str)
    keep = industrial & (far > 0) & (std > far) & is_in(pid, owner.index)
    out = pd.DataFrame({"parcel_id": pid[keep]})
    out["uscc"] = out["parcel_id"].map(owner).astype(object)
    names = pd.Series(dtype=object)
    if firms is not None and "name" in firms.columns:
        f = firms.drop_duplicates("uscc")
        names = pd.Series(f["name"].to_numpy(), index=f["uscc"].astype(str))
    out["name"] = out["uscc"].map(names).astype(object)
    for col in ("town", "park_name"):
        out[col] = s.loc[keep, col].astype(object) if col in s.columns else None
    area = pd.Series(_num(parcels, "area_m2").to_numpy(), index=parcels["parcel_id"].astype(str))
    area = area[~area.index.duplicated()]
    area_m2 = out["parcel_id"].map(area).astype(float)
    out["area_mu"] = _num(s, "area_mu")[keep].fillna(
        pd.Series(m2_to_mu(area_m2.to_numpy()), index=area_m2.index)
    )
    out["far"], out["standard_far"] = far[keep], std[keep]
    out["floor_area_m2"] = area_m2 * out["far"]
    out["added_floor_m2"] = area_m2 * (out["standard_far"] - out["far"])
    out["rule_source"] = _FAR_SOURCE
    return out.sort_values(
        ["added_floor_m2", "parcel_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def _priority(projects: pd.DataFrame, rules: RuleSet) -> tuple[pd.Series, pd.Series]:
    """In 产业导向 (explicit column, else the code's prefix) and why."""
    code = (
        projects["industry_code"].astype(object).map(lambda c: "" if pd.isna(c) else str(c).strip())
        if "industry_code" in projects.columns
        else pd.Series("", index=projects.index, dtype=object)
    )
    strategic = tuple(str(x) for x in rules.value("screening.strategic_emerging_prefixes"))
    advanced = tuple(str(x) for x in rules.value("supervision.land_price_priority_prefixes"))
    code = code.str.replace(r"^[A-Za-z]", "", regex=True)
    is_se = code.str.startswith(strategic) & (code != "")
    is_am = code.str.startswith(advanced) & (code != "")
    by_code = is_se | is_am
    why = pd.Series(np.select([is_se, is_am], ["战略性新兴产业", "先进制造业"], ""), index=projects.index)
    if "priority_industry" in projects.columns:
        given = projects["priority_industry"].astype("boolean")
        flag = given.fillna(by_code).astype(bool)
        why = why.where(given.isna(), np.where(given.fillna(False), "符合产业导向(表中标明)", ""))
        return flag, why
    return by_code.astype(bool), why


def land_price_projects(projects: pd.DataFrame | None, rules: RuleSet) -> pd.DataFrame:
    """Projects whose land floor price may be ≥ 70 % of the minimum industrial price (plan §四(二)).

    A project qualifies when it is in 产业导向 (``priority_industry`` when given, else its
    ``industry_code`` starts with one of ``screening.strategic_emerging_prefixes`` or
    ``supervision.land_price_priority_prefixes``), its 亩均税收 at 达产 (``tax_at_full_wan /
    land_mu``) is at least ``supervision.land_price_min_tax_per_mu`` and its 投资强度
    (``investment_wan / land_mu``, the measure taken for 土地利用率) at least
    ``supervision.land_price_min_investment_per_mu``.

    Parameters
    ----------
    projects : DataFrame or None
        The ``projects`` table: ``name``, ``investment_wan``, ``land_mu``, ``tax_at_full_wan``,
        optional ``project_id``, ``industry``, ``industry_code``, ``priority_industry``,
        ``parcel_id``, ``town``.
    rules : RuleSet
        ``supervision.land_price_*``, ``screening.strategic_emerging_prefixes``.

    Returns
    -------
    DataFrame
        Every project (input order) with ``tax_per_mu``, ``investment_per_mu`` (万元/亩),
        ``priority_industry``, ``priority_basis``, ``qualifies``, ``floor_share`` (0.70 when it
        qualifies, NaN else), ``basis`` (what it misses, or why it qualifies) and
        ``rule_source``; empty when there is no table.
    """
    if projects is None or not len(projects):
        return pd.DataFrame(columns=["name", "qualifies", "floor_share", "basis", "rule_source"])
    v = rules.value
    min_tax, min_inv = (
        float(v("supervision.land_price_min_tax_per_mu")),
        float(v("supervision.land_price_min_investment_per_mu")),
    )
    p = projects.reset_index(drop=True)
    cols = [
        "project_id",
        "name",
        "industry",
        "industry_code",
        "town",
        "parcel_id",
        "investment_wan",
        "land_mu",
    ]
    out = p[[c for c in cols if c in p.columns]].copy()
    land = _num(p, "land_mu")
    out["tax_per_mu"] = _num(p, "tax_at_full_wan") / land.where(land > 0)
    out["investment_per_mu"] = _num(p, "investment_wan") / land.where(land > 0)
    flag, why = _priority(p, rules)
    out["priority_industry"], out["priority_basis"] = flag.to_numpy(), why.to_numpy()
    tax_ok = (out["tax_per_mu"] >= min_tax).fillna(False)
    inv_ok = (out["investment_per_mu"] >= min_inv).fillna(False)
    out["qualifies"] = out["priority_industry"] & tax_ok & inv_ok
    out["floor_share"] = np.where(out["qualifies"], float(v("supervision.land_price_floor_share")), np.nan)
    miss = pd.Series("", index=out.index, dtype=object)
    miss = miss + np.where(~out["priority_industry"], "不属产业导向；", "")
    miss = miss + np.where(~tax_ok, f"达产亩均税收<{min_tax:g}万元/亩；", "")
    miss = miss + np.where(~inv_ok, f"投资强度<{min_inv:g}万元/亩；", "")
    ok_text = out["priority_basis"].astype(str) + f"，达产亩均税收≥{min_tax:g}、投资强度≥{min_inv:g}万元/亩"
    out["basis"] = np.where(out["qualifies"], ok_text, miss.str.rstrip("；"))
    out["rule_source"] = _PRICE_SOURCE
    return out
