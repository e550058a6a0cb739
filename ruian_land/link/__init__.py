"""Stage 3, linking: which firm occupies which parcel (owners, tenants, geocoded points)."""

from __future__ import annotations

from ruian_land.link.occupancy import (
    ALLOCATED_COLUMNS,
    Occupancy,
    firm_land,
    link_firms_to_parcels,
    link_points_to_parcels,
)

__all__ = [
    "ALLOCATED_COLUMNS",
    "Occupancy",
    "firm_land",
    "link_firms_to_parcels",
    "link_points_to_parcels",
]
