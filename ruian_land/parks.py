"""小微企业园 (small and micro enterprise park) candidate sites from freed and low-efficiency land.

Plan §三(一)5 asks for 5–6 new parks rated ≥ 3 stars (2–3 rated ≥ 4 stars) built on
存量低效用地 and old factories; plan §四(二) keeps freed industrial land inside the
工业用地控制线 industrial. :func:`candidate_sites` proposes sites:

1. **Merge.** Parcels among ``site_parcel_ids`` (freed ∪ idle ∪ low-efficiency) that lie
   within ``parks.adjacency_gap_m`` of each other (a road, a ditch, a sliver) belong to one
   site: pairs come from an STRtree ``dwithin`` query (the same as buffering every parcel
   by gap/2 and testing intersection, without building the buffers) and sites are the
   connected components of that graph (``scipy.sparse.csgraph``). No loop over all pairs.
2. **Measure.** Area is the sum of the parcels' areas (EPSG:4549); only the part inside the
   control lines counts as usable (``area_inside_mu``; area-weighted, see
   :mod:`ruian_land.control_lines`). Compactness is Polsby-Popper 4πA/P² of the dissolved
   site with gaps up to ``adjacency_gap_m`` closed (buffer +gap/2 then −gap/2, mitred), so
   a road between two parcels is not counted as perimeter. ``vacant_share`` is the share
   of the site's area already vacant or freed.
3. **Filter.** A site qualifies when ``inside_share ≥ parks.min_inside_control_line`` and
   ``area_inside_mu ≥ parks.min_site_area_mu``.
4. **Capacity.** Floor area = ``parks.planned_far`` × usable area; firms = floor area /
   ``parks.unit_floor_area_m2``; jobs = floor area / 1000 × ``parks.jobs_per_1000m2``;
   expected tax = ``parks.expected_tax_per_mu`` × usable 亩 (万元 per year).
5. **Score and rank.** ``score = 100 × Σ w_k c_k / Σ w_k`` with weights
   ``parks.score_weights`` and components in [0, 1]: ``area`` = min(1, usable area /
   ``parks.score_area_full_mu``) (absolute, so one huge site does not squeeze the others);
   ``vacant_share``; ``compactness``; ``inside_line`` = inside share. Missing components
   count 0. Rank 1 = highest score (ties: larger usable
   area, then ``site_id``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ruian_land.control_lines import control_line_overlay, working_geometries
from ruian_land.crs import WORKING_CRS
from ruian_land.errors import InputError, InputWarning
from ruian_land.units import m2_to_mu

__all__ = ["SITE_COLUMNS", "candidate_sites", "plan_shortfall", "site_components"]

#: Columns of the frame returned by :func:`candidate_sites` (CONTRACTS §2 ``parks``), in order.
SITE_COLUMNS: list[str] = [
    "site_id",
    "rank",
    "qualifies",
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
    "explanation",
    "geometry",
]

_WEIGHT_KEYS = ("area", "vacant_share", "compactness", "inside_line")
_WEIGHT_ZH = {"area": "面积", "vacant_share": "腾空", "compactness": "紧凑度", "inside_line": "控制线"}
_GRID_M = 0.01  # precision grid for unions and intersections, metres (geometry, not policy)


def _empty_sites() -> gpd.GeoDataFrame:
    cols = {c: pd.Series(dtype="float64") for c in SITE_COLUMNS if c != "geometry"}
    for c in ("site_id", "parcel_ids", "town", "explanation"):
        cols[c] = pd.Series(dtype="object")
    cols["rank"] = pd.Series(dtype="Int64")
    cols["qualifies"] = pd.Series(dtype="bool")
    for c in ("parcel_count", "capacity_firms", "jobs"):
        cols[c] = pd.Series(dtype="int64")
    frame = pd.DataFrame(cols)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WORKING_CRS), crs=WORKING_CRS)[SITE_COLUMNS]


def site_components(geoms: np.ndarray, gap_m: float) -> np.ndarray:
    """Label parcels that lie within ``gap_m`` of each other (transitively) with one site number.

    Parameters
    ----------
    geoms : numpy.ndarray
        Valid, non-missing polygons in EPSG:4549 (n,).
    gap_m : float
        Maximum distance in metres bridged between two parcels (``parks.adjacency_gap_m``).
        Equivalent to buffering each parcel by ``gap_m / 2`` and merging those that touch.

    Returns
    -------
    numpy.ndarray
        Integer labels (n,), 0..k-1, in order of first appearance.
    """
    n = len(geoms)
    if n == 0:
        return np.empty(0, dtype=int)
    tree = shapely.STRtree(geoms)
    if gap_m > 0:
        left, right = tree.query(geoms, predicate="dwithin", distance=gap_m)
    else:
        left, right = tree.query(geoms, predicate="intersects")
    graph = coo_matrix((np.ones(left.size, dtype=np.int8), (left, right)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    # renumber by first appearance so labels are stable for a given parcel order
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    return np.asarray(order[labels], dtype=int)


def _polsby_popper(geoms: np.ndarray, gap_m: float) -> np.ndarray:
    closed = geoms
    if gap_m > 0:
        closed = shapely.buffer(
            shapely.buffer(geoms, gap_m / 2, join_style="mitre"), -gap_m / 2, join_style="mitre"
        )
    area = shapely.area(closed)
    perim = shapely.length(closed)
    with np.errstate(invalid="ignore", divide="ignore"):
        pp = np.where(perim > 0, 4 * math.pi * area / perim**2, np.nan)
    return np.clip(pp, 0.0, 1.0)


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
    keep_all: bool = False,
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
        ``parks.min_inside_control_line``, ``parks.planned_far``,
        ``parks.unit_floor_area_m2``, ``parks.jobs_per_1000m2``,
        ``parks.expected_tax_per_mu``, ``parks.score_weights``, ``parks.score_area_full_mu`` and
        ``control_line.sliver_area_m2`` (RULES.md §5; plan §三(一)5, §四(二)).
    vacant_ids : iterable of str, optional
        Parcels already vacant or freed (for ``vacant_share``). ``None``: unknown (NaN).
    keep_all : bool
        Also return sites that fail the filters (``qualifies`` False, no rank or score).

    Returns
    -------
    GeoDataFrame
        EPSG:4549, one row per site, columns :data:`SITE_COLUMNS`, sorted by ``rank``;
        index 0..k-1. Geometry = union of the site's parcels. Areas in 亩 (``area_mu`` all,
        ``area_inside_mu`` inside the control lines), ``inside_share`` and ``vacant_share``
        0–1, ``compactness`` 0–1, ``capacity_floor_m2`` m², ``capacity_firms``,
        ``jobs``, ``expected_tax_wan`` 万元/year, ``score`` 0–100, ``rank`` (Int64, 1 = best),
        ``parcel_ids`` (``;``-joined, sorted), ``explanation`` (Chinese). Empty input gives
        an empty frame with these columns.

    Raises
    ------
    InputError
        ``parcels`` lacks ``parcel_id``/geometry or a CRS; malformed score weights.
    """
    gap = float(rules.value("parks.adjacency_gap_m"))
    min_area = float(rules.value("parks.min_site_area_mu"))
    min_inside = float(rules.value("parks.min_inside_control_line"))
    weights = _weights(rules)
    if "parcel_id" not in parcels.columns:
        raise InputError(
            "parcels have no 'parcel_id' column", path="parcels", column="parcel_id", fix="map 宗地代码"
        )
    wanted = _id_set(site_parcel_ids)
    if not wanted or parcels.empty:
        return _empty_sites()
    pid = parcels["parcel_id"].astype(str)
    sub = parcels.loc[pid.isin(wanted).to_numpy()]
    unknown = wanted - set(pid)
    if unknown:
        warnings.warn(
            f"{len(unknown)} site parcel ids are not in the parcels layer and were skipped "
            f"(e.g. {sorted(unknown)[:3]})",
            InputWarning,
            stacklevel=2,
        )
    sub = sub.loc[~sub["parcel_id"].astype(str).duplicated().to_numpy()]
    geoms = working_geometries(sub, source="parcels")
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if (~ok).any():
        warnings.warn(
            f"{int((~ok).sum())} site parcels have no geometry and were skipped",
            InputWarning,
            stacklevel=2,
        )
    sub, geoms = sub.loc[ok], geoms[ok]
    if sub.empty:
        return _empty_sites()
    work = gpd.GeoDataFrame(
        {"parcel_id": sub["parcel_id"].astype(str).to_numpy()},
        geometry=gpd.GeoSeries(geoms, crs=WORKING_CRS),
        crs=WORKING_CRS,
    )
    work["town"] = sub["town"].to_numpy() if "town" in sub.columns else None
    work["area_m2"] = shapely.area(geoms)
    if control_lines is None:
        warnings.warn(
            "no 工业用地控制线 layer given: sites were not checked against the control lines",
            InputWarning,
            stacklevel=2,
        )
        work["inside_m2"] = work["area_m2"]
        lines_checked = False
    else:
        ov = control_line_overlay(work, control_lines, grid_size=_GRID_M, rules=rules)
        work["inside_m2"] = ov["inside_area_m2"].fillna(0.0).to_numpy()
        lines_checked = True
    vac = _id_set(vacant_ids)
    work["vacant_m2"] = np.where(work["parcel_id"].isin(vac), work["area_m2"], 0.0)
    work["label"] = site_components(geoms, gap)
    sites = _aggregate(work, gap, lines_checked, vacant_ids is not None)
    full_area = float(rules.value("parks.score_area_full_mu"))
    if full_area <= 0:
        raise InputError(
            f"rule parks.score_area_full_mu = {full_area} must be > 0",
            path="rules",
            fix="use a positive area in 亩",
        )
    sites = _qualify_and_score(sites, min_area, min_inside, weights, lines_checked, full_area)
    _capacity(sites, rules)
    sites["explanation"] = _explain(sites, rules, gap, min_area, min_inside, weights, lines_checked)
    if not keep_all:
        sites = sites.loc[sites["qualifies"]]
    sites = sites.sort_values(["rank", "site_id"], na_position="last").reset_index(drop=True)
    return gpd.GeoDataFrame(sites, geometry="geometry", crs=WORKING_CRS)[SITE_COLUMNS]


def _aggregate(work: gpd.GeoDataFrame, gap: float, lines_checked: bool, vacant_known: bool) -> pd.DataFrame:
    g = work.groupby("label", sort=True)
    sites = pd.DataFrame(
        {
            "area_m2": g["area_m2"].sum(),
            "inside_m2": g["inside_m2"].sum(),
            "vacant_m2": g["vacant_m2"].sum(),
            "parcel_count": g.size(),
            "parcel_ids": g["parcel_id"].agg(lambda s: ";".join(sorted(s))),
            "first_id": g["parcel_id"].min(),
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
    sites["compactness"] = _polsby_popper(np.asarray(sites["geometry"].to_numpy(), dtype=object), gap)
    sites["area_mu"] = m2_to_mu(sites["area_m2"].to_numpy())
    sites["area_inside_mu"] = m2_to_mu(sites["inside_m2"].to_numpy())
    area = sites["area_m2"].to_numpy()
    sites["inside_share"] = np.clip(sites["inside_m2"].to_numpy() / area, 0, 1) if lines_checked else np.nan
    sites["vacant_share"] = np.clip(sites["vacant_m2"].to_numpy() / area, 0, 1) if vacant_known else np.nan
    sites = sites.sort_values("first_id")
    sites["site_id"] = [f"S{i + 1:03d}" for i in range(len(sites))]
    return sites.reset_index(drop=True)


def _qualify_and_score(
    sites: pd.DataFrame,
    min_area: float,
    min_inside: float,
    weights: dict[str, float],
    lines_checked: bool,
    full_area: float,
) -> pd.DataFrame:
    ok = sites["area_inside_mu"].to_numpy() >= min_area - 1e-9
    if lines_checked:
        ok &= sites["inside_share"].to_numpy() >= min_inside - 1e-12
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


def _capacity(sites: pd.DataFrame, rules: Any) -> None:
    far = float(rules.value("parks.planned_far"))
    unit = float(rules.value("parks.unit_floor_area_m2"))
    jobs_per_1000 = float(rules.value("parks.jobs_per_1000m2"))
    tax_per_mu = float(rules.value("parks.expected_tax_per_mu"))
    floor = far * sites["inside_m2"].to_numpy()
    sites["capacity_floor_m2"] = floor
    sites["capacity_firms"] = np.floor(floor / unit + 1e-9).astype(int)
    sites["jobs"] = np.floor(floor / 1000.0 * jobs_per_1000 + 1e-9).astype(int)
    sites["expected_tax_wan"] = tax_per_mu * sites["area_inside_mu"].to_numpy()


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
    rules: Any,
    gap: float,
    min_area: float,
    min_inside: float,
    weights: dict[str, float],
    lines_checked: bool,
) -> list[str]:
    far = float(rules.value("parks.planned_far"))
    unit = float(rules.value("parks.unit_floor_area_m2"))
    tax_per_mu = float(rules.value("parks.expected_tax_per_mu"))
    total_w = sum(weights.values())
    out = []
    for rec in sites.to_dict("records"):
        r = _Row(rec)
        parts = [
            f"{r.site_id}：由{r.parcel_count}宗地组成（相距不超过{gap:g}米的宗地视为相邻）",
            f"总面积{r.area_mu:.1f}亩",
        ]
        if lines_checked:
            parts.append(
                f"工业用地控制线内{r.area_inside_mu:.1f}亩（{_pct(r.inside_share)}），"
                "控制线内腾出的工业用地须保持工业用途（计划§四(二)）"
            )
        else:
            parts.append("未提供工业用地控制线，未核对")
        parts.append(f"已腾空或空置比例{_pct(r.vacant_share)}")
        parts.append(f"紧凑度{r.compactness:.2f}")
        parts.append(
            f"按容积率{far:g}可建建筑面积{r.capacity_floor_m2:,.0f}平方米，约容纳{r.capacity_firms}家企业"
            f"（每家{unit:g}平方米）、{r.jobs}个就业岗位，预期税收{r.expected_tax_wan:,.0f}万元/年"
            f"（{tax_per_mu:g}万元/亩）"
        )
        if r.qualifies:
            terms = " + ".join(
                f"{weights[k] / total_w:.2f}×{_WEIGHT_ZH[k]}{getattr(r, f'c_{k}'):.2f}" for k in _WEIGHT_KEYS
            )
            parts.append(f"得分{r.score:.1f} = 100×({terms})，排名第{r.rank}")
        else:
            why = []
            if r.area_inside_mu < min_area - 1e-9:
                why.append(f"控制线内可用面积{r.area_inside_mu:.1f}亩 < 最小规模{min_area:g}亩")
            if lines_checked and r.inside_share < min_inside - 1e-12:
                why.append(f"控制线内比例{_pct(r.inside_share)} < {_pct(min_inside)}")
            parts.append("未入选：" + "；".join(why))
        out.append("；".join(parts) + "。")
    return out


def plan_shortfall(sites: pd.DataFrame, rules: Any) -> dict[str, Any]:
    """Compare the number of qualifying sites with the plan's 小微企业园 target.

    Parameters
    ----------
    sites : DataFrame
        Output of :func:`candidate_sites` (rows with ``qualifies`` False are not counted).
    rules : RuleSet
        Reads ``targets.micro_parks_3star`` ([min, max], plan §三(一)5: 新培育三星级以上
        小微企业园5-6个) and ``targets.micro_parks_4star``.

    Returns
    -------
    dict
        ``qualifying_sites``, ``target_3star_min``, ``target_3star_max``,
        ``target_4star_min``, ``target_4star_max``, ``shortfall`` (sites missing to reach
        the 3-star minimum, ≥ 0), ``meets_target`` (bool), ``qualifying_area_mu`` and
        ``message_zh``. Star ratings also depend on operation and services, which this
        toolkit does not assess: a site is a candidate, not a rated park.
    """
    lo3, hi3 = (int(v) for v in rules.value("targets.micro_parks_3star"))
    lo4, hi4 = (int(v) for v in rules.value("targets.micro_parks_4star"))
    if "qualifies" in sites.columns:
        q = sites.loc[sites["qualifies"].astype(bool)]
    else:
        q = sites
    n = len(q)
    area = float(q["area_inside_mu"].sum()) if "area_inside_mu" in q.columns and n else 0.0
    shortfall = max(0, lo3 - n)
    if shortfall:
        msg = (
            f"符合条件的小微企业园候选地块{n}处（控制线内合计{area:.1f}亩），少于计划新培育三星级以上"
            f"小微企业园{lo3}-{hi3}个的目标，缺口{shortfall}处：需扩大腾退范围、利用旧厂房改造或调整选址规则。"
        )
    else:
        msg = (
            f"符合条件的小微企业园候选地块{n}处（控制线内合计{area:.1f}亩），可支撑计划新培育三星级以上"
            f"小微企业园{lo3}-{hi3}个（其中四星级以上{lo4}-{hi4}个）的目标；星级评定另需运营管理和配套服务指标。"
        )
    return {
        "qualifying_sites": n,
        "target_3star_min": lo3,
        "target_3star_max": hi3,
        "target_4star_min": lo4,
        "target_4star_max": hi4,
        "shortfall": shortfall,
        "meets_target": shortfall == 0,
        "qualifying_area_mu": area,
        "message_zh": msg,
    }
