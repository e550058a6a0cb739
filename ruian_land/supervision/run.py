"""The supervision result (:class:`Supervision`), its ``summary.json`` block and its export sheets,
and :func:`supervise`, which builds it from the frames of the stages before."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ruian_land.core import PROJECT_NODES
from ruian_land.rules import RuleSet
from ruian_land.supervision.contracts import CONTRACT_STATUS_ZH, contract_compliance, parcel_actuals
from ruian_land.supervision.eligibility import far_uplift, land_price_projects, rental_housing
from ruian_land.supervision.projects import project_nodes

__all__ = ["SUPERVISION_SHEETS", "Supervision", "supervise", "supervision_sheets", "supervision_summary"]

#: Sheets of ``exports/监管清单.xlsx`` in order: sheet name → :class:`Supervision` attribute.
SUPERVISION_SHEETS: dict[str, str] = {
    "标准地履约": "breaches",
    "挂图作战": "projects",
    "保障性租赁住房": "rental_housing",
    "提容增效": "far_uplift",
    "差别化地价": "land_price",
}


@dataclass
class Supervision:
    """The supervision lists (issue 17 items 4–6).

    Attributes
    ----------
    as_of : Timestamp
        The date checked (the project's ``evaluation_date`` unless one was given).
    contracts, breaches : DataFrame
        :func:`~ruian_land.supervision.contracts.contract_compliance`: one row per 投资监管协议
        with its status; one row per clause in breach.
    projects, project_nodes : DataFrame
        :func:`~ruian_land.supervision.projects.project_nodes`: the 挂图作战 table (1亿元+ by
        default) and its long form.
    rental_housing, far_uplift, land_price : DataFrame
        The eligibility lists (:mod:`ruian_land.supervision.eligibility`).
    sources : dict
        Optional source name → whether the project has it (``standard_land_contracts``,
        ``projects``).
    min_investment_wan : float
        The 挂图作战 threshold used (万元).
    """

    as_of: pd.Timestamp
    contracts: pd.DataFrame
    breaches: pd.DataFrame
    projects: pd.DataFrame
    project_nodes: pd.DataFrame
    rental_housing: pd.DataFrame
    far_uplift: pd.DataFrame
    land_price: pd.DataFrame
    sources: dict[str, bool] = field(default_factory=dict)
    min_investment_wan: float = 0.0


def supervise(
    parcels: pd.DataFrame,
    links: pd.DataFrame | None,
    firms: pd.DataFrame,
    screening_parcels: pd.DataFrame,
    rules: RuleSet,
    as_of: pd.Timestamp | str,
    *,
    contracts: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    min_investment_wan: float | None = None,
) -> Supervision:
    """The 标准地 compliance list, the 挂图作战 table and the three eligibility lists.

    Parameters
    ----------
    parcels : DataFrame
        Clean parcels (``parcel_id``, ``area_mu``, ``area_m2``, ``town``, ``grant_date``,
        ``investment_done_wan``, ``floor_area_m2``); EPSG:4549 when a GeoDataFrame.
    links : DataFrame or None
        Occupancy links (``uscc``, ``parcel_id``, ``tenure``, ``land_area_m2``,
        ``land_area_mu``, allocated ``tax_wan``, ``value_added_wan``, ``energy_tce_calorific``).
    firms : DataFrame
        Evaluated firms (``uscc``, ``name``, ``town``, ``eval_class``, ``energy_tce_*``).
    screening_parcels : DataFrame
        :attr:`ruian_land.screening.Screening.parcels` (``far``, ``standard_far``, ``in_park``,
        ``park_name``, ``is_industrial``).
    rules : RuleSet
        ``supervision.*``, ``screening.strategic_emerging_prefixes``.
    as_of : Timestamp or str
        The date 达产 and project nodes are judged on (injected, never the clock).
    contracts, projects : DataFrame, optional
        The optional ``standard_land_contracts`` and ``projects`` tables (canonical columns);
        absent → empty lists and "no data" in the summary.
    min_investment_wan : float, optional
        挂图作战 threshold override (default ``supervision.projects_min_investment_wan``).

    Returns
    -------
    Supervision
    """
    at = pd.Timestamp(as_of)
    actuals = parcel_actuals(parcels, links, firms, screening_parcels)
    status, breaches = contract_compliance(contracts, actuals, at, rules)
    table, nodes = project_nodes(projects, at, rules, min_investment_wan=min_investment_wan)
    return Supervision(
        as_of=at,
        contracts=status,
        breaches=breaches,
        projects=table,
        project_nodes=nodes,
        rental_housing=rental_housing(firms, links, parcels, screening_parcels, rules),
        far_uplift=far_uplift(screening_parcels, links, parcels, firms),
        land_price=land_price_projects(projects, rules),
        sources={"standard_land_contracts": contracts is not None, "projects": projects is not None},
        min_investment_wan=float(
            rules.value("supervision.projects_min_investment_wan")
            if min_investment_wan is None
            else min_investment_wan
        ),
    )


def _no_data(source: str) -> str:
    return f"no data: needs {source}"


def supervision_summary(sv: Supervision) -> dict[str, Any]:
    """The ``summary.json`` ``supervision`` block: counts of each list (``"no data: needs
    <source>"`` for a list whose optional source the project lacks)."""
    out: dict[str, Any] = {"as_of": sv.as_of.date().isoformat()}
    if sv.sources.get("standard_land_contracts"):
        st = sv.contracts["status"].value_counts()
        out["standard_land"] = {
            "contracts": len(sv.contracts),
            "due": int(sv.contracts["due"].sum()) if "due" in sv.contracts.columns else 0,
            **{
                k: int(st.get(k, 0))
                for k in ("breach", "compliant", "no_data", "not_due", "no_due_date", "no_parcel")
            },
            "breach_clauses": len(sv.breaches),
            "by_clause": {
                str(k): int(n) for k, n in sv.breaches["clause"].value_counts().sort_index().items()
            },
        }
    else:
        out["standard_land"] = _no_data("standard_land_contracts")
    if sv.sources.get("projects"):
        p = sv.projects
        by_node = p["current_node_zh"].value_counts() if len(p) else pd.Series(dtype=int)
        out["projects"] = {
            "listed": len(p),
            "min_investment_wan": sv.min_investment_wan,
            "overdue": int((p["status"] == "overdue").sum()) if len(p) else 0,
            "overdue_nodes": int(p["overdue_count"].sum()) if len(p) else 0,
            "by_node": {
                zh: int(by_node.get(zh, 0)) for zh in ["", *PROJECT_NODES.values()] if by_node.get(zh, 0)
            },
        }
        lp = sv.land_price
        out["land_price"] = {"checked": len(lp), "qualify": int(lp["qualifies"].sum()) if len(lp) else 0}
    else:
        out["projects"] = _no_data("projects")
        out["land_price"] = _no_data("projects")
    rh = sv.rental_housing
    out["rental_housing"] = {
        "firms": len(rh),
        "in_park": int(rh["in_park"].sum()) if len(rh) else 0,
        "outside_park": int((~rh["in_park"].astype(bool)).sum()) if len(rh) else 0,
        "land_may_add_mu": round(float(rh["land_may_add_mu"].sum()), 2) if len(rh) else 0.0,
        "floor_may_add_m2": round(float(rh["floor_may_add_m2"].sum()), 0) if len(rh) else 0.0,
    }
    fu = sv.far_uplift
    out["far_uplift"] = {
        "parcels": len(fu),
        "area_mu": round(float(fu["area_mu"].sum()), 2) if len(fu) else 0.0,
        "added_floor_m2": round(float(fu["added_floor_m2"].sum()), 0) if len(fu) else 0.0,
    }
    return out


_SHEET_COLUMNS: dict[str, list[str]] = {
    "breaches": [
        "contract_id", "parcel_id", "name", "uscc", "town", "due_date", "contract_status_zh", "clause_zh",
        "agreed", "actual", "unit", "shortfall", "shortfall_share", "clause_text", "rule_source",
    ],
    "projects": [
        "project_id", "name", "industry", "investment_wan", "town", "parcel_id", "responsible_unit",
        "status_zh", "current_node_zh", "next_node_zh", "next_planned", "overdue_nodes_zh", "days_overdue",
        *[f"{k}_{s}" for k in PROJECT_NODES for s in ("planned", "actual", "state_zh")],
        "rule_source",
    ],
    "rental_housing": [
        "uscc", "name", "town", "eval_class", "in_park", "park_name", "parcel_ids", "land_mu", "floor_area_m2",
        "basis", "land_cap_mu", "land_may_add_mu", "floor_cap_m2", "floor_may_add_m2", "rule_source",
    ],
    "far_uplift": [
        "parcel_id", "uscc", "name", "town", "park_name", "area_mu", "far", "standard_far", "floor_area_m2",
        "added_floor_m2", "rule_source",
    ],
    "land_price": [
        "project_id", "name", "industry", "industry_code", "town", "parcel_id", "investment_wan", "land_mu",
        "tax_per_mu", "investment_per_mu", "priority_industry", "priority_basis", "qualifies", "floor_share",
        "basis", "rule_source",
    ],
}  # fmt: skip


#: Columns renamed in the sheets, where the frame's name has another label elsewhere.
_SHEET_RENAMES: dict[str, dict[str, str]] = {
    "projects": {"name": "project_name", "status_zh": "project_status_zh"},
    "land_price": {
        "name": "project_name",
        "tax_per_mu": "full_tax_per_mu",
        "qualifies": "land_price_qualifies",
    },
}


def _with_unknown_parcels(breaches: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    """The breaches (履约状态 违约) and, below them, the contracts whose 宗地代码 is not in the
    parcel layer (履约状态 无此宗地: nothing could be checked), so neither is missed."""
    out = breaches.assign(contract_status_zh=CONTRACT_STATUS_ZH["breach"])
    if "status" not in contracts.columns:
        return out
    unknown = contracts.loc[contracts["status"] == "no_parcel"]
    if not len(unknown):
        return out
    cols = [c for c in ("contract_id", "parcel_id", "name", "uscc") if c in unknown.columns]
    extra = unknown[cols].assign(
        contract_status_zh=CONTRACT_STATUS_ZH["no_parcel"],
        clause_text="宗地代码不在宗地图层中，未核查履约 (parcel code not in the parcel layer: not checked)",
        rule_source="plan §三(一)4 (加强投资监管协议的监督管理)",
    )
    return pd.concat([out, extra], ignore_index=True) if len(out) else extra.reset_index(drop=True)


def supervision_sheets(sv: Supervision) -> dict[str, pd.DataFrame]:
    """The frames of ``exports/监管清单.xlsx`` (:data:`SUPERVISION_SHEETS` order), each with the
    columns a reader needs (canonical names, ``core.LABELS_ZH`` gives the Chinese headers)."""
    out = {}
    for sheet, attr in SUPERVISION_SHEETS.items():
        frame = getattr(sv, attr)
        if attr == "breaches":
            frame = _with_unknown_parcels(frame, sv.contracts)
        cols = [c for c in _SHEET_COLUMNS[attr] if c in frame.columns]
        out[sheet] = frame[cols].rename(columns=_SHEET_RENAMES.get(attr, {})).reset_index(drop=True)
    return out
