"""Stage 8b, supervision (issue 17 items 4–6): 标准地 投资监管协议 compliance (plan §三(一)4),
挂图作战 on 1亿元+ manufacturing projects (§三(三)16) and policy eligibility lists — 保障性租赁住房
(§四(五)), 提容增效 and 差别化地价 (§四(二)) — from the data already loaded."""

from __future__ import annotations

from ruian_land.supervision.contracts import (
    CLAUSES,
    CONTRACT_STATUS_ZH,
    add_months,
    contract_compliance,
    parcel_actuals,
)
from ruian_land.supervision.eligibility import far_uplift, land_price_projects, rental_housing
from ruian_land.supervision.projects import NODE_STATE_ZH, NOT_STARTED_ZH, PROJECT_STATUS_ZH, project_nodes
from ruian_land.supervision.run import (
    SUPERVISION_SHEETS,
    Supervision,
    supervise,
    supervision_sheets,
    supervision_summary,
)

__all__ = [
    "CLAUSES",
    "CONTRACT_STATUS_ZH",
    "NODE_STATE_ZH",
    "NOT_STARTED_ZH",
    "PROJECT_STATUS_ZH",
    "SUPERVISION_SHEETS",
    "Supervision",
    "add_months",
    "contract_compliance",
    "far_uplift",
    "land_price_projects",
    "parcel_actuals",
    "project_nodes",
    "rental_housing",
    "supervise",
    "supervision_sheets",
    "supervision_summary",
]
