"""Stage 6, 工业用地控制线: overlays with the control line and the 占补平衡 / supply-share books."""

from __future__ import annotations

from ruian_land.control_lines.balance import (
    BalanceLedger,
    balance_ledger,
    industrial_supply_share,
    is_industrial_use,
)
from ruian_land.control_lines.overlay import (
    control_line_overlay,
    control_line_union,
    inside_share,
    polygonal_parts,
    working_geometries,
)

__all__ = [
    "BalanceLedger",
    "balance_ledger",
    "control_line_overlay",
    "control_line_union",
    "industrial_supply_share",
    "inside_share",
    "is_industrial_use",
    "polygonal_parts",
    "working_geometries",
]
