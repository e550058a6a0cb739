"""标准地 投资监管协议 compliance (plan §三(一)4: every new industrial grant is a 标准地 whose
投资监管协议 is to be enforced).

Each contract (optional source ``standard_land_contracts``) agrees floors for its parcel: 投资强度,
亩均税收, 亩均增加值 (万元/亩), 单位能耗增加值 (万元/tce, 等价值) and 容积率. Once 达产 is due
(the contract's 约定达产日期, else its grant date plus 达产年限) each agreed floor is compared with
the parcel's actual figure from the loaded data; a figure below its floor is a breach, listed with
its shortfall and the clause.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruian_land.core import is_in
from ruian_land.rules import RuleSet

__all__ = ["CLAUSES", "CONTRACT_STATUS_ZH", "add_months", "contract_compliance", "parcel_actuals"]

#: Clause key → (contract column, Chinese name, unit). Each is a floor: actual ≥ agreed.
CLAUSES: dict[str, tuple[str, str, str]] = {
    "investment_per_mu": ("agreed_investment_per_mu", "投资强度", "万元/亩"),
    "tax_per_mu": ("agreed_tax_per_mu", "亩均税收", "万元/亩"),
    "value_added_per_mu": ("agreed_value_added_per_mu", "亩均增加值", "万元/亩"),
    "value_added_per_tce": ("agreed_value_added_per_tce", "单位能耗增加值", "万元/吨标准煤"),
    "far": ("agreed_far", "容积率", ""),
}

#: Contract status → Chinese.
CONTRACT_STATUS_ZH: dict[str, str] = {
    "breach": "违约",
    "compliant": "履约",
    "no_data": "数据不足",
    "not_due": "未到达产期",
    "no_due_date": "无达产日期",
    "no_parcel": "无此宗地",
}

_SOURCE = "plan §三(一)4 (加强投资监管协议的监督管理); 投资监管协议约定值"


def _num(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[col], errors="coerce").astype(float)


def _per(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def parcel_actuals(
    parcels: pd.DataFrame,
    links: pd.DataFrame | None,
    firms: pd.DataFrame | None,
    screening_parcels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The actual 标准地 figures of every parcel, from the loaded data.

    Parameters
    ----------
    parcels : DataFrame
        Clean parcels: ``parcel_id``, ``area_mu``, optional ``town``, ``grant_date``,
        ``investment_done_wan`` (投资 made, 万元), ``floor_area_m2``, ``area_m2``.
    links : DataFrame or None
        Occupancy links: ``uscc``, ``parcel_id``, ``land_area_mu``, the allocated ``tax_wan``,
        ``value_added_wan`` and ``energy_tce_calorific`` of each firm on each parcel.
    firms : DataFrame or None
        ``uscc``, ``name``, ``energy_tce_calorific``, ``energy_tce_primary``: a link's primary
        (等价值) energy is its calorific energy times its firm's primary / calorific ratio.
    screening_parcels : DataFrame, optional
        ``parcel_id``, ``far`` (the FAR screening measured); else ``floor_area_m2 / area_m2``.

    Returns
    -------
    DataFrame
        One row per parcel (parcels' order): ``parcel_id``, ``town``, ``area_mu``,
        ``grant_date``, ``main_uscc``, ``main_name`` (largest occupant), ``tax_wan``,
        ``value_added_wan``, ``energy_tce_primary``, ``investment_done_wan`` and the actual
        ``investment_per_mu``, ``tax_per_mu``, ``value_added_per_mu`` (万元/亩),
        ``value_added_per_tce`` (万元/tce) and ``far``; NaN where the data has no figure
        (a parcel without occupants has no tax, not zero tax).
    """
    out = pd.DataFrame({"parcel_id": parcels["parcel_id"].astype(str).to_numpy()})
    out["town"] = parcels["town"].to_numpy() if "town" in parcels.columns else None
    out["area_mu"] = _num(parcels, "area_mu").to_numpy()
    out["grant_date"] = (
        pd.to_datetime(parcels["grant_date"], errors="coerce").to_numpy()
        if "grant_date" in parcels.columns
        else pd.NaT
    )
    sums = pd.DataFrame(index=pd.Index([], name="parcel_id"))
    main = pd.DataFrame(columns=["main_uscc", "main_name"])
    if links is not None and len(links):
        lk = links.assign(parcel_id=links["parcel_id"].astype(str), uscc=links["uscc"].astype(str))
        ratio = pd.Series(dtype=float)
        names = pd.Series(dtype=object)
        if firms is not None and len(firms):
            f = firms.drop_duplicates("uscc").set_index(firms.drop_duplicates("uscc")["uscc"].astype(str))
            ratio = _per(_num(f, "energy_tce_primary"), _num(f, "energy_tce_calorific"))
            names = f["name"] if "name" in f.columns else names
        lk["energy_tce_primary"] = _num(lk, "energy_tce_calorific") * lk["uscc"].map(ratio).astype(float)
        for col in ("tax_wan", "value_added_wan"):
            lk[col] = _num(lk, col)
        sums = lk.groupby("parcel_id")[["tax_wan", "value_added_wan", "energy_tce_primary"]].sum(min_count=1)
        biggest = lk.assign(_a=_num(lk, "land_area_mu").fillna(0.0)).sort_values(
            ["parcel_id", "_a", "uscc"], ascending=[True, False, True], kind="stable"
        )
        first = biggest.drop_duplicates("parcel_id").set_index("parcel_id")
        main = pd.DataFrame(
            {"main_uscc": first["uscc"], "main_name": first["uscc"].map(names).astype(object)}
        )
    for col in ("tax_wan", "value_added_wan", "energy_tce_primary"):
        out[col] = out["parcel_id"].map(sums[col]).astype(float) if col in sums.columns else np.nan
    out["main_uscc"] = out["parcel_id"].map(main["main_uscc"]).astype(object)
    out["main_name"] = out["parcel_id"].map(main["main_name"]).astype(object)
    out["investment_done_wan"] = _num(parcels, "investment_done_wan").to_numpy()
    out["investment_per_mu"] = _per(out["investment_done_wan"], out["area_mu"])
    out["tax_per_mu"] = _per(out["tax_wan"], out["area_mu"])
    out["value_added_per_mu"] = _per(out["value_added_wan"], out["area_mu"])
    out["value_added_per_tce"] = _per(out["value_added_wan"], out["energy_tce_primary"])
    far = _per(_num(parcels, "floor_area_m2"), _num(parcels, "area_m2")).to_numpy()
    if screening_parcels is not None and "far" in screening_parcels.columns:
        measured = pd.Series(
            _num(screening_parcels, "far").to_numpy(), index=screening_parcels["parcel_id"].astype(str)
        )
        measured = measured[~measured.index.duplicated()]
        far = out["parcel_id"].map(measured).astype(float).to_numpy()
    out["far"] = far
    return out


def add_months(dates: pd.Series, months: pd.Series) -> pd.Series:
    """``dates`` plus whole ``months`` each (the day clipped to the month's end); NaT where either
    is missing. Vectorised; index of ``dates``."""
    d = pd.to_datetime(dates, errors="coerce")
    m = pd.to_numeric(months, errors="coerce").round()
    ok = d.notna() & m.notna()
    out = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns]")
    if not ok.any():
        return out
    dd, mm = d[ok], m[ok].astype(int)
    total = dd.dt.year * 12 + (dd.dt.month - 1) + mm
    first = pd.to_datetime(pd.DataFrame({"year": total // 12, "month": total % 12 + 1, "day": 1}))
    day = np.minimum(dd.dt.day.to_numpy(), first.dt.days_in_month.to_numpy())
    out[ok] = (first + pd.to_timedelta(day - 1, unit="D")).to_numpy()
    return out


def _due_dates(c: pd.DataFrame, grant: pd.Series, rules: RuleSet) -> pd.Series:
    default = float(rules.value("supervision.contract_full_production_years"))
    years = _num(c, "full_production_years").fillna(default)
    by_grant = add_months(grant, years * 12)
    given = (
        pd.to_datetime(c["full_production_date"], errors="coerce")
        if "full_production_date" in c.columns
        else pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns]")
    )
    return given.astype("datetime64[ns]").fillna(by_grant)


def contract_compliance(
    contracts: pd.DataFrame | None,
    actuals: pd.DataFrame,
    as_of: pd.Timestamp | str,
    rules: RuleSet,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check each 投资监管协议 against its parcel's actual figures once 达产 is due.

    Parameters
    ----------
    contracts : DataFrame or None
        The ``standard_land_contracts`` table (canonical columns, ``core.SCHEMAS``):
        ``parcel_id``, optional ``contract_id``, ``name``, ``uscc``, ``grant_date``,
        ``full_production_years``, ``full_production_date`` and the agreed floors
        ``agreed_investment_per_mu``, ``agreed_tax_per_mu``, ``agreed_value_added_per_mu``
        (万元/亩), ``agreed_value_added_per_tce`` (万元/tce), ``agreed_far``; optional
        ``actual_investment_wan`` (wins over the parcel's ``investment_done_wan``).
    actuals : DataFrame
        :func:`parcel_actuals` (one row per parcel).
    as_of : Timestamp or str
        The date checked (the project's ``evaluation_date``, or one given: never the clock).
        A contract is due when its 达产 date is on or before it.
    rules : RuleSet
        ``supervision.contract_clauses`` (clauses checked), ``supervision.
        contract_full_production_years`` (达产年限 when the contract gives none).

    Returns
    -------
    contracts : DataFrame
        One row per contract (input order): ``contract_id``, ``parcel_id``, ``name`` (the
        contract's, else the parcel's main occupant), ``uscc``, ``town``, ``area_mu``,
        ``due_date``, ``due``, the ``agreed_*`` and ``actual_*`` figures of each clause,
        ``breach_count``, ``breach_clauses_zh`` (``；``-joined), ``status``
        (:data:`CONTRACT_STATUS_ZH` keys; ``no_parcel`` 无此宗地 for a 宗地代码 not in ``actuals``) and
        ``status_zh``.
    breaches : DataFrame
        One row per contract and clause in breach: ``contract_id``, ``parcel_id``, ``name``,
        ``uscc``, ``town``, ``due_date``, ``clause``, ``clause_zh``, ``unit``, ``agreed``,
        ``actual``, ``shortfall`` (agreed − actual, > 0), ``shortfall_share`` (of agreed),
        ``clause_text`` and ``rule_source``. Empty (with these columns) when none.
    """
    clause_keys = [k for k in rules.value("supervision.contract_clauses") if k in CLAUSES]
    breach_cols = [
        "contract_id", "parcel_id", "name", "uscc", "town", "due_date", "clause", "clause_zh", "unit",
        "agreed", "actual", "shortfall", "shortfall_share", "clause_text", "rule_source",
    ]  # fmt: skip
    if contracts is None or not len(contracts):
        status_cols = ["contract_id", "parcel_id", "name", "uscc", "town", "due_date", "status", "status_zh"]
        return pd.DataFrame(columns=status_cols), pd.DataFrame(columns=breach_cols)
    at = pd.Timestamp(as_of)
    c = contracts.reset_index(drop=True).copy()
    c["parcel_id"] = c["parcel_id"].astype(str).str.strip()
    act = actuals.drop_duplicates("parcel_id").set_index("parcel_id")
    out = pd.DataFrame({"parcel_id": c["parcel_id"]})
    out.insert(
        0,
        "contract_id",
        c["contract_id"].astype(object) if "contract_id" in c.columns else c["parcel_id"].astype(object),
    )
    own_name = (
        c["name"].astype(object) if "name" in c.columns else pd.Series(None, index=c.index, dtype=object)
    )
    out["name"] = own_name.where(own_name.notna(), c["parcel_id"].map(act["main_name"]))
    own_uscc = (
        c["uscc"].astype(object) if "uscc" in c.columns else pd.Series(None, index=c.index, dtype=object)
    )
    out["uscc"] = own_uscc.where(own_uscc.notna(), c["parcel_id"].map(act["main_uscc"]))
    out["town"] = c["parcel_id"].map(act["town"]).astype(object)
    out["area_mu"] = c["parcel_id"].map(act["area_mu"]).astype(float)
    grant = (
        pd.to_datetime(c["grant_date"], errors="coerce")
        if "grant_date" in c.columns
        else pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns]")
    )
    grant = grant.fillna(pd.to_datetime(c["parcel_id"].map(act["grant_date"]), errors="coerce"))
    out["due_date"] = _due_dates(c, grant, rules)
    out["due"] = (out["due_date"] <= at).fillna(False).astype(bool)
    invest = _num(c, "actual_investment_wan")
    rows, flags, missing = [], [], []
    for key in clause_keys:  # five clauses, vectorised over the contracts
        col, zh, unit = CLAUSES[key]
        agreed = _num(c, col)
        actual = c["parcel_id"].map(act[key]).astype(float)
        if key == "investment_per_mu":
            actual = _per(invest, out["area_mu"]).fillna(actual)
        out[f"agreed_{key}"], out[f"actual_{key}"] = agreed, actual
        checked = out["due"] & agreed.notna()
        breach = checked & actual.notna() & (actual < agreed)
        flags.append(breach.rename(key))
        missing.append((checked & actual.isna()).rename(key))
        if breach.any():
            b = out.loc[breach, ["contract_id", "parcel_id", "name", "uscc", "town", "due_date"]].copy()
            b["clause"], b["clause_zh"], b["unit"] = key, f"约定{zh}", unit
            b["agreed"], b["actual"] = agreed[breach], actual[breach]
            b["shortfall"] = b["agreed"] - b["actual"]
            b["shortfall_share"] = b["shortfall"] / b["agreed"].where(b["agreed"] != 0)
            b["clause_text"] = (
                f"约定{zh}≥" + b["agreed"].map("{:g}".format).astype(str) + f"{unit}，实际"
                + b["actual"].map("{:.2f}".format).astype(str) + unit
            )  # fmt: skip
            b["rule_source"] = _SOURCE
            rows.append(b)
    fl = pd.concat(flags, axis=1) if flags else pd.DataFrame(index=out.index)
    miss = pd.concat(missing, axis=1) if missing else pd.DataFrame(index=out.index)
    out["breach_count"] = fl.sum(axis=1).astype(int)
    joined = pd.Series("", index=out.index, dtype=object)
    for key in fl.columns:
        joined = joined + np.where(fl[key], CLAUSES[key][1] + "；", "")
    out["breach_clauses_zh"] = joined.str.rstrip("；")
    status = np.select(
        [
            ~is_in(c["parcel_id"], act.index),  # a 宗地代码 the parcel layer lacks: nothing to check
            out["due_date"].isna(),
            ~out["due"],
            out["breach_count"] > 0,
            miss.any(axis=1),
        ],
        ["no_parcel", "no_due_date", "not_due", "breach", "no_data"],
        "compliant",
    )
    out["status"] = status
    out["status_zh"] = out["status"].map(CONTRACT_STATUS_ZH)
    breaches = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=breach_cols)
    if len(breaches):
        breaches = breaches.sort_values(["parcel_id", "clause"], kind="stable").reset_index(drop=True)
    return out, breaches[breach_cols]
