"""The result of validation: :class:`Clean`, the validated frames of a project and the ledger that
explains them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ruian_land.core import Ledger

__all__ = ["Clean"]


@dataclass
class Clean:
    """Validated frames (CONTRACTS §2) and the ledger that explains them.

    Attributes
    ----------
    parcels : GeoDataFrame
        EPSG:4549, index ``0..n-1``, unique ``parcel_id``, valid Polygon/MultiPolygon geometry,
        ``area_m2``/``area_mu`` from the repaired geometry, ``geometry_repaired`` (bool),
        ``owner_uscc`` normalised and ``owner_uscc_valid`` (bool), ``source_row``.
    firms : DataFrame
        One row per registry ``uscc`` (unique), index ``0..n-1``: registry columns,
        ``industry_division``, ``uscc_valid``, the side tables' values (NaN when a firm is
        not in that table), ``emission_t``, ``in_tax``/``in_statistics``/``in_energy``/
        ``in_emissions`` (bool), ``source_row`` (registry row).
    leases : DataFrame
        ``uscc``, ``parcel_id``, ``leased_area_m2``, ``lessor_name``, ``name``, ``source_row``.
    control_lines, towns, boundary : GeoDataFrame or None
        Repaired layers (EPSG:4549); outlines delivered as lines are polygonized.
    points : GeoDataFrame or None
        Geocoded firm locations (:func:`ruian_land.validate.points.validate_points`), EPSG:4549.
    built_up : Path or None
        Raster path, unchanged.
    ledger : Ledger
        Every rejected, repaired or noted row.
    meta : dict
        :attr:`ruian_land.io.Inputs.meta`.
    """

    parcels: gpd.GeoDataFrame
    firms: pd.DataFrame
    leases: pd.DataFrame
    ledger: Ledger
    control_lines: gpd.GeoDataFrame | None = None
    towns: gpd.GeoDataFrame | None = None
    boundary: gpd.GeoDataFrame | None = None
    points: gpd.GeoDataFrame | None = None
    built_up: Path | None = None
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
