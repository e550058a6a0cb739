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
   plan's counts (:func:`ruian_land.parks.capacity.plan_shortlist`); :func:`plan_shortfall`
   states any shortfall.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ruian_land.control_lines import control_line_overlay, polygonal_parts, working_geometries
from ruian_land.core import WORKING_CRS, InputError, InputWarning, m2_to_mu, mu_to_m2
from ruian_land.parks.capacity import plan_shortlist, site_capacity, star_criteria, star_potential
from ruian_land.parks.split import (
    adjacency_graph,
    polsby_popper,
    site_components,
    split_components,
)

__all__ = ["SITE_COLUMNS", "candidate_sites", "plan_shortfall", "site_components"]

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

_WEIGHT_KEYS = ("area", "vacant_share", "compactness", "inside_line")
_WEIGHT_ZH = {"area": "面积", "vacant_share": "腾空", "compactness": "紧凑度", "inside_line": "控制线"}
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
    if not isinstance(raw, Mapping) or set(raw) != set(_WEIGHT_KEYS):
        raise InputError(
            f"rule parks.score_weights = {raw!r} must give weights for {list(_WEIGHT_KEYS)}",
            path="rules",
            fix="write it as {area: …, vacant_share: …, compactness: …, inside_line: …}",
        )
    w = {k: float(raw[k]) for k in _WEIGHT_KEYS}
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
    work["vacant_m2"] = np.where(work["parcel_id"].isin(vac), work["area_m2"], 0.0)
    _label(work, gap, max_area, min_compact, min_area)
    sites = _aggregate(work, gap, lines_checked, vacant_ids is not None)
    for name, raster in (rasters or {}).items():
        sites[f"{name}_mean"] = _raster_mean(sites, raster)
    sites = _qualify_and_score(sites, rules, limits, lines_checked, full_area, weights)
    sites = sites.join(site_capacity(sites, rules))
    sites["potential_stars"] = star_potential(sites, rules)
    why = plan_shortlist(sites, rules)
    sites["shortlisted"] = why.notna().to_numpy()
    sites["explanation"] = _explain(sites, why, rules, weights, limits, lines_checked)
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
    sub = parcels.loc[pid.isin(wanted).to_numpy()]
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

    def compactness(idx: np.ndarray) -> float:
        union = shapely.union_all(geoms[idx], grid_size=_GRID_M)
        return float(polsby_popper(np.array([union], dtype=object), gap)[0])

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
    sites = pd.DataFrame(
        {
            "area_m2": g["area_m2"].sum(),
            "inside_m2": g["inside_m2"].sum(),
            "vacant_m2": g["vacant_m2"].sum(),
            "parcel_count": g.size(),
            "sliver_parcels": g["sliver"].sum().astype(int),
            "parcel_ids": g["parcel_id"].agg(lambda s: ";".join(sorted(s))),
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
    dissolved = work[["label", "geometry"]].dissolve(by="label")
    sites["geometry"] = dissolved.geometry.reindex(sites.index)
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


def _raster_mean(sites: pd.DataFrame, raster: Any) -> np.ndarray:
    from ruian_land.screening import zonal_mean

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
    score = sum(weights[k] * comp[k] for k in _WEIGHT_KEYS) * 100.0 / total_w
    sites["score"] = np.where(ok, score, np.nan)
    for k in _WEIGHT_KEYS:
        sites[f"c_{k}"] = comp[k]
    order = sites.loc[ok].sort_values(["score", "area_inside_mu", "site_id"], ascending=[False, False, True])
    rank = pd.Series(pd.NA, index=sites.index, dtype="Int64")
    rank.loc[order.index] = np.arange(1, len(order) + 1)
    sites["rank"] = rank
    return sites


class _Row:
    """Attribute access to one record (keeps the explanation text readable)."""

    def __init__(self, rec: Mapping[Any, Any]) -> None:
        self.__dict__.update({str(k): v for k, v in rec.items()})

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - only for type checkers
        raise AttributeError(name)


def _pct(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{x * 100:.0f}%"


def _explain(
    sites: pd.DataFrame,
    why: pd.Series,
    rules: Any,
    weights: dict[str, float],
    limits: dict[str, float],
    lines_checked: bool,
) -> list[str]:
    gap = float(rules.value("parks.adjacency_gap_m"))
    min_area = float(rules.value("parks.min_site_area_mu"))
    max_area = float(rules.value("parks.max_site_area_mu"))
    min_inside = float(rules.value("parks.min_inside_control_line"))
    min_compact = float(rules.value("parks.min_compactness"))
    far = float(rules.value("parks.planned_far"))
    lo, hi = (float(v) for v in rules.value("parks.far_range"))
    unit = float(rules.value("parks.unit_floor_area_m2"))
    tax_per_mu = float(rules.value("parks.expected_tax_per_mu"))
    rent = float(rules.value("parks.rent_cap_yuan_m2_month"))
    total_w = sum(weights.values())
    out = []
    for rec, reason in zip(sites.to_dict("records"), why, strict=True):
        r = _Row(rec)
        parts = [f"{r.site_id}：由{r.parcel_count}宗地组成（相距不超过{gap:g}米的宗地视为相邻）"]
        if r.pieces > 1:
            parts.append(
                f"所在相邻地块群{r.component_id}共{m2_to_mu(r.c_area):.1f}亩，超过单个园区上限{max_area:g}亩"
                f"或形状狭长（紧凑度<{min_compact:g}），已按主轴递归二分拆成{r.pieces}处"
            )
        elif r.parcel_count == 1 and r.area_mu > max_area:
            parts.append(f"单宗地面积超过园区上限{max_area:g}亩，宗地不拆分")
        parts.append(f"总面积{r.area_mu:.1f}亩")
        if lines_checked:
            parts.append(
                f"工业用地控制线内{r.area_inside_mu:.1f}亩（{_pct(r.inside_share)}），"
                "控制线内腾出的工业用地须保持工业用途（计划§四(二)）"
            )
            if r.sliver_parcels:
                parts.append(f"{r.sliver_parcels}宗地与控制线边界的细碎图斑已按边界误差归并")
        else:
            parts.append("未提供工业用地控制线，未核对")
        parts.append(f"已腾空或空置比例{_pct(r.vacant_share)}")
        parts.append(f"紧凑度{r.compactness:.2f}")
        for name, limit in limits.items():
            mean = float(getattr(r, f"{name}_mean"))
            parts.append(
                f"{name}均值{mean:.2f}（上限{limit:g}）" if np.isfinite(mean) else f"{name}栅格未覆盖，未核对"
            )
        parts.append(
            f"按容积率{far:g}（规则范围{lo:g}–{hi:g}，对应{lo * r.capacity_floor_m2 / far:,.0f}–"
            f"{hi * r.capacity_floor_m2 / far:,.0f}平方米）可建建筑面积{r.capacity_floor_m2:,.0f}平方米，"
            f"约容纳{r.capacity_firms}家企业（每家{unit:g}平方米）、{r.jobs}个就业岗位，"
            f"预期税收{r.expected_tax_wan:,.0f}万元/年（{tax_per_mu:g}万元/亩），"
            f"按租金上限{rent:g}元/平方米·月满租年租金{r.rent_wan:,.0f}万元"
        )
        stars = int(r.potential_stars)
        parts.append(
            (f"按面积、建筑面积和亩均税收推定可达{stars}星级候选条件" if stars else "未达三星级候选条件")
            + "（星级数值门槛未见公开文件，parks.star_criteria为假设输入；评定另看运营管理和配套服务）"
        )
        if r.qualifies:
            terms = " + ".join(
                f"{weights[k] / total_w:.2f}×{_WEIGHT_ZH[k]}{getattr(r, f'c_{k}'):.2f}" for k in _WEIGHT_KEYS
            )
            parts.append(f"得分{r.score:.1f} = 100×({terms})，排名第{r.rank}")
            if reason == "rank":
                parts.append("按排名列入计划短名单")
            elif reason == "4star":
                parts.append("为满足四星级以上园区目标列入计划短名单")
        else:
            parts.append("未入选：" + "；".join(_failures(r, min_area, min_inside, min_compact, limits)))
        out.append("；".join(parts) + "。")
    return out


def _failures(
    r: _Row, min_area: float, min_inside: float, min_compact: float, limits: dict[str, float]
) -> list[str]:
    why = []
    if r.area_inside_mu < min_area - 1e-9:
        why.append(f"控制线内可用面积{r.area_inside_mu:.1f}亩 < 最小规模{min_area:g}亩")
    if np.isfinite(r.inside_share) and r.inside_share < min_inside - 1e-12:
        why.append(f"控制线内比例{_pct(r.inside_share)} < {_pct(min_inside)}")
    if r.compactness < min_compact - 1e-12:
        why.append(f"紧凑度{r.compactness:.2f} < {min_compact:g}")
    for name, limit in limits.items():
        mean = float(getattr(r, f"{name}_mean"))
        if mean > limit + 1e-12:
            why.append(f"{name}均值{mean:.2f} > {limit:g}")
    return why


def plan_shortfall(sites: pd.DataFrame, rules: Any) -> dict[str, Any]:
    """Compare the qualifying sites with the plan's 小微企业园 targets (≥ 3 and ≥ 4 stars).

    Parameters
    ----------
    sites : DataFrame
        Output of :func:`candidate_sites` (rows with ``qualifies`` False are not counted).
        Sites count towards a star target when their ``potential_stars`` reaches it; a
        frame without that column counts every qualifying site as 3-star and none as 4-star.
    rules : RuleSet
        Reads ``targets.micro_parks_3star`` ([min, max], plan §三(一)5: 新培育三星级以上
        小微企业园5-6个) and ``targets.micro_parks_4star`` (四星级以上2-3个).

    Returns
    -------
    dict
        ``qualifying_sites``, ``sites_3star`` and ``sites_4star`` (qualifying sites with that
        star potential), ``shortlisted``, ``shortlisted_3star``, ``shortlisted_4star``,
        ``target_3star_min``, ``target_3star_max``, ``target_4star_min``,
        ``target_4star_max``, ``shortfall`` (3-star sites missing to reach the minimum, ≥ 0),
        ``shortfall_4star``, ``meets_target`` (bool: both minimums reachable),
        ``qualifying_area_mu``, ``shortlisted_area_mu`` and ``message_zh``. Star potential
        is a heuristic on assumed thresholds (numeric cut-offs were not found); ratings
        also depend on operation and services: a site is a candidate, not a rated park.
    """
    lo3, hi3 = (int(v) for v in rules.value("targets.micro_parks_3star"))
    lo4, hi4 = (int(v) for v in rules.value("targets.micro_parks_4star"))
    q = sites.loc[sites["qualifies"].astype(bool)] if "qualifies" in sites.columns else sites
    stars = (
        q["potential_stars"].astype(int)
        if "potential_stars" in q.columns
        else pd.Series(3, index=q.index, dtype=int)
    )
    short = q["shortlisted"].astype(bool) if "shortlisted" in q.columns else pd.Series(False, index=q.index)
    n3, n4 = int((stars >= 3).sum()), int((stars >= 4).sum())
    s3, s4 = int((short & (stars >= 3)).sum()), int((short & (stars >= 4)).sum())
    area_col = q["area_inside_mu"] if "area_inside_mu" in q.columns else pd.Series(0.0, index=q.index)
    area = float(area_col.sum())
    short_area = float(area_col[short].sum())
    shortfall, shortfall4 = max(0, lo3 - n3), max(0, lo4 - n4)
    head = (
        f"符合选址条件的小微企业园候选地块{len(q)}处（控制线内合计{area:.1f}亩），"
        f"按假设星级门槛可达三星级以上{n3}处、四星级以上{n4}处"
    )
    if shortfall or shortfall4:
        gaps = []
        if shortfall:
            gaps.append(f"三星级以上缺口{shortfall}处")
        if shortfall4:
            gaps.append(f"四星级以上缺口{shortfall4}处")
        msg = (
            f"{head}，少于计划新培育三星级以上小微企业园{lo3}-{hi3}个、四星级以上{lo4}-{hi4}个的目标，"
            f"{'、'.join(gaps)}：需扩大腾退范围、利用旧厂房改造或调整选址规则。"
        )
    else:
        msg = (
            f"{head}；短名单{s3}处（其中四星级以上{s4}处，控制线内{short_area:.1f}亩）可支撑计划新培育"
            f"三星级以上小微企业园{lo3}-{hi3}个（其中四星级以上{lo4}-{hi4}个）的目标。"
        )
    msg += "星级门槛未见公开文件，按规则parks.star_criteria假设推定；评定另需运营管理和配套服务指标。"
    return {
        "qualifying_sites": len(q),
        "sites_3star": n3,
        "sites_4star": n4,
        "shortlisted": int(short.sum()),
        "shortlisted_3star": s3,
        "shortlisted_4star": s4,
        "target_3star_min": lo3,
        "target_3star_max": hi3,
        "target_4star_min": lo4,
        "target_4star_max": hi4,
        "shortfall": shortfall,
        "shortfall_4star": shortfall4,
        "meets_target": shortfall == 0 and shortfall4 == 0,
        "qualifying_area_mu": area,
        "shortlisted_area_mu": short_area,
        "message_zh": msg,
    }
