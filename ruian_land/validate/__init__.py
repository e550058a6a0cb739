"""Stage 2, validation: geometry repair, code checks, firm tables merged, every row in the ledger."""

from __future__ import annotations

from ruian_land.validate.checks import (
    MISSING_RECORD_EFFECTS,
    check_numeric_codes,
    check_tax_coverage,
    check_tax_plausibility,
    note_missing_records,
)
from ruian_land.validate.clean import (
    FIRM_VALUE_COLUMNS,
    Clean,
    Ledger,
    merge_firms,
    normalise_parcel_id,
    repair_polygons,
    validate_inputs,
    validate_leases,
    validate_parcels,
    validate_points,
)
from ruian_land.validate.geometry import find_overlaps

__all__ = [
    "FIRM_VALUE_COLUMNS",
    "MISSING_RECORD_EFFECTS",
    "Clean",
    "Ledger",
    "check_numeric_codes",
    "check_tax_coverage",
    "check_tax_plausibility",
    "find_overlaps",
    "merge_firms",
    "normalise_parcel_id",
    "note_missing_records",
    "repair_polygons",
    "validate_inputs",
    "validate_leases",
    "validate_parcels",
    "validate_points",
]
