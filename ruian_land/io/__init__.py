"""Ingest: read parcel layers and bureau tables as they arrive (DESIGN §1, §5; CONTRACTS §1–§2).

* :func:`read_parcels` / :func:`read_layer`: any vector format GDAL reads; encoding from the
  argument, ``.cpg``, DBF language byte or detection; CRS from the file or the argument;
  returned in EPSG:4549 with ``area_m2``, ``area_mu`` and ``source_row``.
* :func:`read_table`: csv / xlsx / xls with BOM, GBK, title rows, two-row headers, 合计 rows.
* :func:`read_points`: geocoded firm locations (经度/纬度 columns; GCJ-02/BD-09 converted).
* :func:`parse_numbers`, :func:`parse_dates`, :func:`parse_bool`, :func:`parse_text`: cell parsers.
* :func:`load_inputs`: every source of a project config, column-mapped and type-parsed.
"""

from __future__ import annotations

from ruian_land.io.encoding import EncodingChoice, detect_encoding
from ruian_land.io.inputs import FIRM_TABLES, Inputs, load_inputs, parse_columns
from ruian_land.io.parse import parse_bool, parse_dates, parse_numbers, parse_text
from ruian_land.io.points import read_points
from ruian_land.io.tables import read_table
from ruian_land.io.textcells import numeric_code_mask
from ruian_land.io.vector import read_layer, read_parcels

__all__ = [
    "FIRM_TABLES",
    "EncodingChoice",
    "Inputs",
    "detect_encoding",
    "load_inputs",
    "numeric_code_mask",
    "parse_bool",
    "parse_columns",
    "parse_dates",
    "parse_numbers",
    "parse_text",
    "read_layer",
    "read_parcels",
    "read_points",
    "read_table",
]
