"""Stage 10, export: candidate lists and reports as xlsx, csv, GeoPackage and shapefile."""

from __future__ import annotations

from ruian_land.export.highlight import Highlight
from ruian_land.export.writers import (
    FORMATS,
    chinese_headers,
    shapefile_field_names,
    site_sheet,
    table_for_people,
    write_exports,
    write_table,
    write_workbook,
)

__all__ = [
    "FORMATS",
    "Highlight",
    "chinese_headers",
    "shapefile_field_names",
    "site_sheet",
    "table_for_people",
    "write_exports",
    "write_table",
    "write_workbook",
]
