"""Stage 5, screening: low-efficiency and idle land, 两高, raster evidence, the 整治清单 and its tracking.

Modules, bottom to top: ``base`` (statuses, group labels, column helpers), ``idle``, ``zonal``,
``industry``; ``summaries`` and ``result`` (the :class:`Screening` result); the rules
``parcel_rules`` and ``firm_rules``; ``assess`` (:func:`screen`); the 整治清单 ``rectification``
and ``tracking``.
"""

from __future__ import annotations

from ruian_land.screening.assess import screen
from ruian_land.screening.base import (
    OUTSIDE_PARKS,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_TODO,
    STATUSES,
    UNKNOWN_TOWN,
)
from ruian_land.screening.idle import IdleRules, IdleStatus, assess_idle, idle_status, truthy, whole_months
from ruian_land.screening.industry import industry_division, industry_lookup
from ruian_land.screening.rectification import (
    FIRM_LIST_COLUMNS,
    FIRM_SHEET,
    PARCEL_LIST_COLUMNS,
    PARCEL_SHEET,
    PLANNER_COLUMNS,
    TRACKING_COLUMNS,
    field_checks,
    firm_list,
    parcel_list,
)
from ruian_land.screening.result import FIRM_COLUMNS, Screening
from ruian_land.screening.summaries import list_summary, progress, remedy_category, screening_summary
from ruian_land.screening.tracking import NOTE_GONE, NOTE_NEW, NOTE_REFLAGGED, merge_status, read_list
from ruian_land.screening.zonal import PERCENT, zonal_mean

__all__ = [
    "FIRM_COLUMNS",
    "FIRM_LIST_COLUMNS",
    "FIRM_SHEET",
    "NOTE_GONE",
    "NOTE_NEW",
    "NOTE_REFLAGGED",
    "OUTSIDE_PARKS",
    "PARCEL_LIST_COLUMNS",
    "PARCEL_SHEET",
    "PERCENT",
    "PLANNER_COLUMNS",
    "STATUSES",
    "STATUS_CLOSED",
    "STATUS_IN_PROGRESS",
    "STATUS_TODO",
    "TRACKING_COLUMNS",
    "UNKNOWN_TOWN",
    "IdleRules",
    "IdleStatus",
    "Screening",
    "assess_idle",
    "field_checks",
    "firm_list",
    "idle_status",
    "industry_division",
    "industry_lookup",
    "list_summary",
    "merge_status",
    "parcel_list",
    "progress",
    "read_list",
    "remedy_category",
    "screen",
    "screening_summary",
    "truthy",
    "whole_months",
    "zonal_mean",
]
