"""Stage 8, 小微企业园 candidate sites from contiguous freed / idle / low-efficiency land."""

from __future__ import annotations

from ruian_land.parks.capacity import STAR_KEYS, plan_shortlist, site_capacity, star_criteria, star_potential
from ruian_land.parks.explain import plan_shortfall
from ruian_land.parks.sites import SITE_COLUMNS, candidate_sites, site_components
from ruian_land.parks.split import adjacency_graph, polsby_popper, split_components

__all__ = [
    "SITE_COLUMNS",
    "STAR_KEYS",
    "adjacency_graph",
    "candidate_sites",
    "plan_shortfall",
    "plan_shortlist",
    "polsby_popper",
    "site_capacity",
    "site_components",
    "split_components",
    "star_criteria",
    "star_potential",
]
