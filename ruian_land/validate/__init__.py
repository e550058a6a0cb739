"""Stage 2, validation: geometry repair, code checks, firm tables merged, every row in the ledger."""

from __future__ import annotations

from ruian_land.core import Ledger, normalise_parcel_id
from ruian_land.validate.checks import (
    MISSING_RECORD_EFFECTS,
    PAST_DATE_COLUMNS,
    blank_future_dates,
    check_numeric_codes,
    check_tax_coverage,
    check_tax_plausibility,
    note_missing_records,
)
from ruian_land.validate.firms import FIRM_VALUE_COLUMNS, merge_firms
from ruian_land.validate.geometry import find_overlaps, repair_polygons
from ruian_land.validate.leases import validate_leases
from ruian_land.validate.parcels import validate_parcels
from ruian_land.validate.points import validate_points
from ruian_land.validate.result import Clean
from ruian_land.validate.rows import cell, dedupe, ledger_value, uscc_column
from ruian_land.validate.run import validate_inputs

__all__ = [
    "FIRM_VALUE_COLUMNS",
    "MISSING_RECORD_EFFECTS",
    "PAST_DATE_COLUMNS",
    "Clean",
    "Ledger",
    "blank_future_dates",
    "cell",
    "check_numeric_codes",
    "check_tax_coverage",
    "check_tax_plausibility",
    "dedupe",
    "find_overlaps",
    "ledger_value",
    "merge_firms",
    "normalise_parcel_id",
    "note_missing_records",
    "repair_polygons",
    "uscc_column",
    "validate_inputs",
    "validate_leases",
    "validate_parcels",
    "validate_points",
]
