"""小微企业园 (small and micro enterprise park) candidate sites from freed and low-efficiency land.

Plan §三(一)5 asks for 5–6 new parks rated ≥ 3 stars (2–3 rated ≥ 4 stars) built on
存量低效用地 and old factories; plan §四(二) keeps freed industrial land inside the
工业用地控制线 industrial. :func:`candidate_sites` proposes sites:

1. **Merge.** Parcels among ``site_parcel_ids`` (freed ∪ idle ∪ low-efficiency) that lie
   within ``parks.adjacency_gap_m`` of each other (a road, a ditch, a sliver) form one
   connected component (STRtree ``dwithin`` pairs, ``scipy.sparse.csgraph``; see
   :mod:`ruian_land.parks.split`). Isolated parcels are components of one; a parcel inside
   another's hole is adjacent to it.
2. **Split.** A component larger than ``parks.max_site_area_mu`` (a typical 小微园 is
   50–300 亩) or sprawling (compactness below ``parks.min_compactness``) is cut by recursive
   inertial bisection into park-sized, connected pieces; each parcel stays in exactly one
   site, and ``component_id`` names the component a site was cut from.
3. **Measure.** Area is the sum of the parcels' areas (EPSG:4549); only the part inside the
   control lines counts as usable (``area_inside_mu``; area-weighted, never the centroid, see
   :mod:`ruian_land.control_lines`; ``sliver_parcels`` counts parcels whose inside share was
   snapped because a piece was a digitising sliver). Compactness is Polsby-Popper 4πA/P² of
   the dissolved site with gaps up to ``adjacency_gap_m`` closed. ``vacant_share`` is the
   share of the site's area already vacant or freed. Constraint rasters (e.g. slope) give the
   area-weighted mean under the site (:func:`ruian_land.screening.zonal.zonal_mean`).
4. **Filter.** A site qualifies when ``area_inside_mu ≥ parks.min_site_area_mu``,
   ``inside_share ≥ parks.min_inside_control_line``, ``compactness ≥ parks.min_compactness``
   and every raster mean ≤ its limit in ``parks.raster_max_mean`` (no raster data under the
   site: not checked, said so).
5. **Capacity, yield and star potential**: see :mod:`ruian_land.parks.capacity` (floor area at
   the planned FAR, firms, jobs, expected tax, rent at the Wenzhou cap, heuristic star
   potential from ``parks.star_criteria`` — assumptions, since numeric star cut-offs were
   not found).
6. **Score and rank.** ``score = 100 × Σ w_k c_k / Σ w_k`` with weights
   ``parks.score_weights`` and components in [0, 1]: ``area`` = min(1, usable area /
   ``parks.score_area_full_mu``); ``vacant_share``; ``compactness``; ``inside_line`` = inside
   share. Missing components count 0. Rank 1 = highest score (ties: larger usable area, then
   ``site_id``). The ``shortlisted`` sites are the best-ranked ones that together meet the
   plan's counts (:func:`ruian_land.parks.capacity.plan_shortlist`); :func:`~ruian_land.parks.explain.plan_shortfall`
   states any shortfall.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ruian_land.control_lines import control_line_overlay, polygonal_parts, working_geometries
from ruian_land.core import WORKING_CRS, InputError, InputWarning, is_in, m2_to_mu, mu_to_m2
from ruian_land.parks.capacity import plan_shortlist, site_capacity, star_criteria, star_potential
from ruian_land.parks.explain import WEIGHT_KEYS, explain_sites
from ruian_land.parks.split import (
    adjacency_graph,
    label_members,
    polsby_popper,
    site_components,
    split_components,
    union_groups,
)
from ruian_land.screening import zonal_mean

__all__ = ["SITE_COLUMNS", "candidate_sites", "site_components"]

#: Columns of the frame returned by :func:`candidate_sites` (CONTRACTS §2 ``parks``), in order.
#: With constraint rasters, ``<name>_mean`` columns follow ``explanation``.
SITE_COLUMNS: list[str] = [
    "site_id",
    "rank",
    "qualifies",
    "shortlisted",
    "potential_stars",
    "score",
    "area_mu",
    "area_inside_mu",
    "inside_share",
    "parcel_count",
    "parcel_ids",
    "town",
    "vacant_share",
    "compactness",
    "capacity_floor_m2",
    "capacity_firms",
    "expected_tax_wan",
    "jobs",
    "rent_wan",
    "component_id",
    "sliver_parcels",
    "explanation",
    "geometry",
]
_GRID_M = 0.01  # precision grid for unions and intersections, metres (geometry, not policy)
_INT_COLS = ("parcel_count", "capacity_firms", "jobs", "potential_stars", "sliver_parcels")


def _empty_sites(raster_cols: Iterable[str] = ()) -> gpd.GeoDataFrame:
    cols: dict[str, pd.Series] = {c: pd.Series(dtype="float64") for c in SITE_COLUMNS if c != "geometry"}
    for c in ("site_id", "parcel_ids", "town", "explanation", "component_id"):
        cols[c] = pd.Series(dtype="object")
    cols["rank"] = pd.Series(dtype="Int64")
    cols["qualifies"] = pd.Series(dtype="bool")
    cols["shortlisted"] = pd.Series(dtype="bool")
    for c in _INT_COLS:
        cols[c] = pd.Series(dtype="int64")
    extra = list(raster_cols)
    for c in extra:
        cols[c] = pd.Series(dtype="float64")
    frame = pd.DataFrame(cols)
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WORKING_CRS), crs=WORKING_CRS)
    return gdf[_column_order(extra)]


def _column_order(raster_cols: list[str]) -> list[str]:
    return [*SITE_COLUMNS[:-1], *raster_cols, "geometry"]


def _weights(rules: Any) -> dict[str, float]:
    raw = rules.value("parks.score_weights")
    if not isinstance(raw, Mapping) or set(raw) != set(WEIGHT_KEYS):
        raise InputError(
            f"rule parks.score_weights = {raw!r} must give weights for {list(WEIGHT_KEYS)}",
            path="rules",
            fix="write it as {area: …, vacant_share: …, compactness: …, inside_line: …}",
        )
    w = {k: float(raw[k]) for k in WEIGHT_KEYS}
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise InputError(
            f"rule parks.score_weights = {w} needs non-negative weights with a positive sum",
            path="rules",
            fix="use weights ≥ 0 that add up to more than 0",
        )
    return w


def _positive(rules: Any, key: str) -> float:
    value = float(rules.value(key))
    if not value > 0:
        raise InputError(f"rule {key} = {value:g} must be > 0", path="rules", fix="use a positive value")
    return value


def _raster_limits(rules: Any, rasters: Mapping[str, Any] | None) -> dict[str, float]:
    if not rasters:
        return {}
    limits = rules.value("parks.raster_max_mean")
    limits = dict(limits) if isinstance(limits, Mapping) else {}
    unknown = sorted(set(rasters) - set(limits))
    if unknown:
        raise InputError(
            f"constraint rasters {unknown} have no limit in rule parks.raster_max_mean ({sorted(limits)})",
            path="rules",
            fix="name the raster after a key of parks.raster_max_mean (e.g. slope_pct, slope_deg) "
            "or add a limit for it to the rules file",
        )
    return {str(k): float(limits[k]) for k in rasters}


def _id_set(ids: Iterable[Any] | None) -> set[str]:
    if ids is None:
        return set()
    if isinstance(ids, str):
        ids = [ids]
    return {str(x) for x in ids if x is not None and not (isinstance(x, float) and math.isnan(x))}


def candidate_sites(
    parcels: gpd.GeoDataFrame,
    site_parcel_ids: Iterable[Any],
    control_lines: gpd.GeoDataFrame | None,
    rules: Any,
    *,
    vacant_ids: Iterable[Any] | None = None,
    rasters: Mapping[str, str | Path | Any] | None = None,
    keep_all: bool = False,
    shortlist_only: bool = False,
) -> gpd.GeoDataFrame:
    """Merge contiguous freed / idle / low-efficiency parcels into 小微企业园 candidate sites.

    Parameters
    ----------
    parcels : GeoDataFrame
        All clean parcels (CONTRACTS §2 ``parcels``): ``parcel_id`` (str, unique),
        ``geometry``; ``town`` used when present. EPSG:4549 (other CRSs converted on a copy).
    site_parcel_ids : iterable of str
        ``parcel_id`` of the parcels that may form sites (freed ∪ idle ∪ low-efficiency).
        Unknown ids are skipped with an :class:`InputWarning`.
    control_lines : GeoDataFrame or None
        工业用地控制线 polygons. ``None`` (no layer) skips the inside-line test with an
        :class:`InputWarning`: the whole area counts as usable and ``inside_share`` is NaN.
    rules : RuleSet
        Reads ``parks.adjacency_gap_m``, ``parks.min_site_area_mu``,
        ``parks.max_site_area_mu``, ``parks.min_compactness``,
        ``parks.min_inside_control_line``, ``parks.raster_max_mean``, ``parks.score_weights``,
        ``parks.score_area_full_mu``, the capacity rules of
        :func:`ruian_land.parks.capacity.site_capacity`, ``parks.star_criteria``, the plan
        targets ``targets.micro_parks_3star`` / ``_4star`` and ``control_line.sliver_area_m2``
        (RULES.md §5; plan §三(一)5, §四(二)).
    vacant_ids : iterable of str, optional
        Parcels already vacant or freed (for ``vacant_share``). ``None``: unknown (NaN).
    rasters : mapping of str to raster, optional
        Constraint rasters by name (path or open rasterio dataset, any CRS), e.g.
        ``{"slope_pct": "slope.tif"}``. Each name needs a limit in ``parks.raster_max_mean``;
        the area-weighted mean under each site (raster units, ``<name>_mean`` column) must
        not exceed it.
    keep_all : bool
        Also return sites that fail the filters (``qualifies`` False, no rank or score).
    shortlist_only : bool
        Return only the shortlisted sites.

    Returns
    -------
    GeoDataFrame
        EPSG:4549, one row per site, columns :data:`SITE_COLUMNS` (plus ``<name>_mean`` per
        raster), sorted by ``rank`` (non-qualifying last); index 0..k-1. Geometry = union of
        the site's parcels. Areas in 亩 (``area_mu`` all, ``area_inside_mu`` inside the
        control lines), ``inside_share`` and ``vacant_share`` 0–1, ``compactness`` 0–1,
        ``capacity_floor_m2`` m², ``capacity_firms``, ``jobs``, ``expected_tax_wan`` and
        ``rent_wan`` 万元/year, ``potential_stars`` 0–5 (heuristic), ``shortlisted`` (bool),
        ``score`` 0–100, ``rank`` (Int64, 1 = best), ``parcel_ids`` (``;``-joined, sorted),
        ``component_id`` (merged area the site was cut from), ``sliver_parcels``,
        ``explanation`` (Chinese). Empty input gives an empty frame with these columns.

    Raises
    ------
    InputError
        ``parcels`` lacks ``parcel_id``/geometry or a CRS; malformed rules; a raster without
        a limit or that cannot be read.
    """
    gap = float(rules.value("parks.adjacency_gap_m"))
    min_area = float(rules.value("parks.min_site_area_mu"))
    max_area = _positive(rules, "parks.max_site_area_mu")
    min_compact = float(rules.value("parks.min_compactness"))
    full_area = _positive(rules, "parks.score_area_full_mu")
    weights = _weights(rules)
    limits = _raster_limits(rules, rasters)
    star_criteria(rules)  # validate early
    raster_cols = [f"{k}_mean" for k in limits]
    if "parcel_id" not in parcels.columns:
        raise InputError(
            "parcels have no 'parcel_id' column", path="parcels", column="parcel_id", fix="map 宗地代码"
        )
    wanted = _id_set(site_parcel_ids)
    if not wanted or parcels.empty:
        return _empty_sites(raster_cols)
    work = _site_parcels(parcels, wanted)
    if work.empty:
        return _empty_sites(raster_cols)
    lines_checked = control_lines is not None
    if control_lines is None:
        warnings.warn(
            "no 工业用地控制线 layer given: sites were not checked against the control lines",
            InputWarning,
            stacklevel=2,
        )
        work["inside_m2"] = work["area_m2"]
        work["sliver"] = False
    else:
        ov = control_line_overlay(work, control_lines, grid_size=_GRID_M, rules=rules)
        work["inside_m2"] = ov["inside_area_m2"].fillna(0.0).to_numpy()
        work["sliver"] = ov["sliver"].to_numpy()
    vac = _id_set(vacant_ids)
    work["vacant_m2"] = np.where(is_in(work["parcel_id"], vac), work["area_m2"], 0.0)
    _label(work, gap, max_area, min_compact, min_area)
    sites = _aggregate(work, gap, lines_checked, vacant_ids is not None)
    for name, raster in (rasters or {}).items():
        sites[f"{name}_mean"] = _raster_mean(sites, raster)
    sites = _qualify_and_score(sites, rules, limits, lines_checked, full_area, weights)
    sites = sites.join(site_capacity(sites, rules))
    sites["potential_stars"] = star_potential(sites, rules)
    why = plan_shortlist(sites, rules)
    sites["shortlisted"] = why.notna().to_numpy()
    sites["explanation"] = explain_sites(sites, why, rules, weights, limits, lines_checked)
    if not keep_all:
        sites = sites.loc[sites["qualifies"]]
    if shortlist_only:
        sites = sites.loc[sites["shortlisted"]]
    sites = sites.sort_values(["rank", "site_id"], na_position="last").reset_index(drop=True)
    for c in _INT_COLS:
        sites[c] = sites[c].astype("int64")
    return gpd.GeoDataFrame(sites, geometry="geometry", crs=WORKING_CRS)[_column_order(raster_cols)]


def _site_parcels(parcels: gpd.GeoDataFrame, wanted: set[str]) -> gpd.GeoDataFrame:
    """The wanted parcels with valid geometry in EPSG:4549 (``parcel_id``, ``town``, ``area_m2``)."""
    pid = parcels["parcel_id"].astype(str)
    sub = parcels.loc[is_in(pid, wanted)]
    unknown = wanted - set(pid)
    if unknown:
        warnings.warn(
            f"{len(unknown)} site parcel ids are not in the parcels layer and were skipped "
            f"(e.g. {sorted(unknown)[:3]})",
            InputWarning,
            stacklevel=3,
        )
    sub = sub.loc[~sub["parcel_id"].astype(str).duplicated().to_numpy()]
    geoms = polygonal_parts(working_geometries(sub, source="parcels"))
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if (~ok).any():
        warnings.warn(
            f"{int((~ok).sum())} site parcels have no geometry and were skipped",
            InputWarning,
            stacklevel=3,
        )
    sub, geoms = sub.loc[ok], geoms[ok]
    work = gpd.GeoDataFrame(
        {"parcel_id": sub["parcel_id"].astype(str).to_numpy()},
        geometry=gpd.GeoSeries(geoms, crs=WORKING_CRS),
        crs=WORKING_CRS,
    )
    work["town"] = sub["town"].to_numpy() if "town" in sub.columns else None
    work["area_m2"] = shapely.area(geoms)
    return work


def _label(work: gpd.GeoDataFrame, gap: float, max_area: float, min_compact: float, min_area: float) -> None:
    """Add ``component`` (merged area) and ``label`` (park-sized piece) to ``work`` in place."""
    geoms = np.asarray(work.geometry.values, dtype=object)
    graph = adjacency_graph(geoms, gap)
    comp = site_components(geoms, gap)
    cent = shapely.centroid(geoms)
    xy = np.column_stack([shapely.get_x(cent), shapely.get_y(cent)])

    def compactness(groups: Sequence[np.ndarray]) -> np.ndarray:
        return polsby_popper(union_groups(geoms, groups, grid_size=_GRID_M), gap)

    work["component"] = comp
    work["label"] = split_components(
        comp,
        graph,
        xy,
        work["area_m2"].to_numpy(dtype=float),
        compactness,
        max_area_m2=float(mu_to_m2(max_area)),
        min_compactness=min_compact,
        min_area_m2=float(mu_to_m2(min_area)),
    )


def _aggregate(work: gpd.GeoDataFrame, gap: float, lines_checked: bool, vacant_known: bool) -> pd.DataFrame:
    g = work.groupby("label", sort=True)
    members = label_members(work["label"].to_numpy())  # positions of each label, labels ascending
    sites = pd.DataFrame(
        {
            "area_m2": g["area_m2"].sum(),
            "inside_m2": g["inside_m2"].sum(),
            "vacant_m2": g["vacant_m2"].sum(),
            "parcel_count": g.size(),
            "sliver_parcels": g["sliver"].sum().astype(int),
            "parcel_ids": _joined_ids(work["parcel_id"].to_numpy(dtype=object), members),
            "first_id": g["parcel_id"].min(),
            "component": g["component"].first(),
        }
    )
    if work["town"].notna().any():
        town_area = work.groupby(["label", "town"])["area_m2"].sum().reset_index()
        town_area = town_area.sort_values(["label", "area_m2", "town"], ascending=[True, False, True])
        sites["town"] = town_area.drop_duplicates("label").set_index("label")["town"]
    else:
        sites["town"] = None
    # what dissolve(by="label") computes, the unions in threads
    sites["geometry"] = union_groups(np.asarray(work.geometry.values, dtype=object), members)
    sites["compactness"] = polsby_popper(np.asarray(sites["geometry"].to_numpy(), dtype=object), gap)
    sites["area_mu"] = m2_to_mu(sites["area_m2"].to_numpy())
    sites["area_inside_mu"] = m2_to_mu(sites["inside_m2"].to_numpy())
    area = sites["area_m2"].to_numpy()
    sites["inside_share"] = np.clip(sites["inside_m2"].to_numpy() / area, 0, 1) if lines_checked else np.nan
    sites["vacant_share"] = np.clip(sites["vacant_m2"].to_numpy() / area, 0, 1) if vacant_known else np.nan
    comp = work.groupby("component").agg(c_first=("parcel_id", "min"), c_area=("area_m2", "sum"))
    comp["pieces"] = work.groupby("component")["label"].nunique()
    comp = comp.sort_values("c_first")
    comp["component_id"] = [f"C{i + 1:03d}" for i in range(len(comp))]
    for c in ("component_id", "pieces", "c_area"):
        sites[c] = sites["component"].map(comp[c]).to_numpy()
    sites = sites.sort_values("first_id")
    sites["site_id"] = [f"S{i + 1:03d}" for i in range(len(sites))]
    return sites.reset_index(drop=True)


def _joined_ids(ids: np.ndarray, members: list[np.ndarray]) -> list[str]:
    """Each group's ids sorted and joined with ``;`` (aligned with ``members``)."""
    return [";".join(sorted(ids[idx].tolist())) for idx in members]


def _raster_mean(sites: pd.DataFrame, raster: Any) -> np.ndarray:
    gdf = gpd.GeoDataFrame(geometry=gpd.GeoSeries(sites["geometry"].to_numpy(), crs=WORKING_CRS))
    return zonal_mean(gdf, raster, scale=1.0).to_numpy(dtype=float)


def _qualify_and_score(
    sites: pd.DataFrame,
    rules: Any,
    limits: dict[str, float],
    lines_checked: bool,
    full_area: float,
    weights: dict[str, float],
) -> pd.DataFrame:
    min_area = float(rules.value("parks.min_site_area_mu"))
    min_inside = float(rules.value("parks.min_inside_control_line"))
    min_compact = float(rules.value("parks.min_compactness"))
    ok = sites["area_inside_mu"].to_numpy() >= min_area - 1e-9
    if lines_checked:
        ok &= sites["inside_share"].to_numpy() >= min_inside - 1e-12
    ok &= sites["compactness"].to_numpy() >= min_compact - 1e-12
    for name, limit in limits.items():
        mean = sites[f"{name}_mean"].to_numpy(dtype=float)
        ok &= ~(mean > limit + 1e-12)  # NaN (no raster data under the site) passes, explained
    sites["qualifies"] = ok
    comp = pd.DataFrame(
        {
            "area": sites["area_inside_mu"] / full_area,
            "vacant_share": sites["vacant_share"],
            "compactness": sites["compactness"],
            "inside_line": sites["inside_share"],
        }
    ).fillna(0.0)
    comp = comp.clip(0.0, 1.0)
    total_w = sum(weights.values())
    score = sum(weights[k] * comp[k] for k in WEIGHT_KEYS) * 100.0 / total_w
    sites["score"] = np.where(ok, score, np.nan)
    for k in WEIGHT_KEYS:
        sites[f"c_{k}"] = comp[k]
    order = sites.loc[ok].sort_values(["score", "area_inside_mu", "site_id"], ascending=[False, False, True])
    rank = pd.Series(pd.NA, index=sites.index, dtype="Int64")
    rank.loc[order.index] = np.arange(1, len(order) + 1)
    sites["rank"] = rank
    return sites
