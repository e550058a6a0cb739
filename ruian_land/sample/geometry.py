"""Geometry of the sample county: towns, industrial clusters, street blocks, parcels, parks
and 工业用地控制线, all in EPSG:4549 (metres).

Parcels are irregular: each cluster is cut into street blocks (a jittered, rotated grid's
Voronoi cells shrunk by half a road width), each block into parcels (Voronoi cells of a
jittered grid at the block's own parcel size), a few cells merged into L-shapes, most parcels
shrunk by a metre or two (gaps between plots) and their vertices jittered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ruian_land.core import M2_PER_MU, WORKING_CRS
from ruian_land.sample.params import CLUSTERS, CONTROL_LINES, PARKS, ClusterSpec, SampleParams

__all__ = [
    "Layout",
    "make_clusters",
    "make_control_lines",
    "make_layout",
    "make_parcels",
    "make_parks",
    "make_towns",
]

_MIN_PARCEL_MU = 1.2  # cells smaller than this are merged into a neighbour
_LARGE_MU = (50.0, 200.0)
_EDGE_FACTOR = 1.45  # cells cut by the block edge are smaller than the grid spacing


@dataclass
class Layout:
    """The county's geometry before attributes: towns, clusters, blocks, parcels, parks, lines."""

    towns: gpd.GeoDataFrame  # 名称, code, geometry
    clusters: gpd.GeoDataFrame  # town, weight, theta, road_half, geometry
    blocks: gpd.GeoDataFrame  # block_id, cluster, geometry (road-side edge)
    parcels: gpd.GeoDataFrame  # cluster, block_id, town, geometry (valid)
    parks: gpd.GeoDataFrame  # 名称, town, geometry
    control_lines: gpd.GeoDataFrame  # 名称, 级别, geometry


def make_towns(seats: pd.DataFrame, outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """Synthetic town areas: Voronoi cells of the seats clipped to the outline.

    Parameters
    ----------
    seats : DataFrame
        ``name_zh, x, y`` in EPSG:4549.
    outline : shapely geometry
        County outline, EPSG:4549.

    Returns
    -------
    GeoDataFrame
        One row per seat (seat order), column ``名称``, EPSG:4549.
    """
    pts = shapely.multipoints(np.column_stack([seats["x"], seats["y"]]))
    cells = shapely.voronoi_polygons(pts, extend_to=outline.envelope.buffer(5000), ordered=True)
    geoms = [shapely.make_valid(shapely.intersection(c, outline)) for c in cells.geoms]
    geoms = [_polygonal(g) for g in geoms]
    return gpd.GeoDataFrame({"名称": seats["name_zh"].to_numpy()}, geometry=geoms, crs=WORKING_CRS)


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygon parts of a geometry (intersections may add lines or points)."""
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def _blob(rng: np.random.Generator, cx: float, cy: float, n: int) -> list[tuple[float, float, float]]:
    """Random discs (dx, dy, r) of unit size making an irregular blob."""
    out: list[tuple[float, float, float]] = [(0.0, 0.0, 1.0)]
    for _ in range(n - 1):
        ang = rng.uniform(0, 2 * math.pi)
        dist = rng.uniform(0.3, 0.9)
        out.append((dist * math.cos(ang), dist * math.sin(ang), rng.uniform(0.45, 0.8)))
    return out


def make_clusters(
    rng: np.random.Generator,
    seats: pd.DataFrame,
    towns: gpd.GeoDataFrame,
    land: shapely.Geometry,
    params: SampleParams,
    scale: float,
    specs: tuple[ClusterSpec, ...] = CLUSTERS,
) -> gpd.GeoDataFrame:
    """Industrial cluster polygons near the seats, inside their town cell and the land.

    Each cluster's area is its share of ``params.n_parcels * scale`` parcels at the expected
    parcel size divided by the fill factor. Returns columns ``town, weight, theta, road_half``.
    """
    mean_mu = params.parcel_median_mu * math.exp(0.5 * (params.parcel_sigma_block**2 + 0.09))
    total_m2 = params.n_parcels * scale * mean_mu * M2_PER_MU / params.fill_factor
    inner_land = land.buffer(-150.0)
    rows = []
    for spec in specs:
        seat = seats.loc[seats["name_zh"] == spec.town].iloc[0]
        cell = towns.loc[towns["名称"] == spec.town].geometry.iloc[0]
        area_in = shapely.intersection(cell.buffer(-120.0), inner_land)
        target = total_m2 * spec.weight
        # centre: 0.3-1.2 km from the seat, inside the cell
        for _ in range(50):
            ang, dist = rng.uniform(0, 2 * math.pi), rng.uniform(300, 1200)
            cx, cy = seat["x"] + dist * math.cos(ang), seat["y"] + dist * math.sin(ang)
            if area_in.buffer(-300.0).contains(shapely.Point(cx, cy)):
                break
        else:
            cx, cy = seat["x"], seat["y"]
        discs = _blob(rng, cx, cy, int(rng.integers(4, 8)))

        def clipped(
            radius: float,
            discs: list[tuple[float, float, float]] = discs,
            cx: float = cx,
            cy: float = cy,
            area_in: shapely.Geometry = area_in,
        ) -> shapely.Geometry:
            parts = [
                shapely.Point(cx + dx * radius, cy + dy * radius).buffer(r * radius, 16)
                for dx, dy, r in discs
            ]
            return _polygonal(shapely.intersection(shapely.union_all(parts), area_in))

        lo, hi = 50.0, 20_000.0
        for _ in range(40):
            mid = math.sqrt(lo * hi)
            if clipped(mid).area < target:
                lo = mid
            else:
                hi = mid
        geom = clipped(hi)
        if geom.geom_type == "MultiPolygon":  # keep the main part and parts near it
            geom = shapely.union_all([p for p in geom.geoms if p.area > 0.05 * geom.area])
        rows.append(
            {
                "town": spec.town,
                "weight": spec.weight,
                "theta": float(rng.uniform(0, math.pi / 2)),
                "road_half": float(rng.uniform(7.0, 12.0)),
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WORKING_CRS)


def _grid_points(
    rng: np.random.Generator, poly: shapely.Geometry, dx: float, dy: float, theta: float, jitter: float
) -> np.ndarray:
    """Points of a jittered grid (spacing dx × dy, rotated by theta) inside ``poly``."""
    cx, cy = poly.centroid.x, poly.centroid.y
    minx, miny, maxx, maxy = poly.bounds
    half = math.hypot(maxx - minx, maxy - miny) / 2 + max(dx, dy)
    u = np.arange(-half + rng.uniform(0, dx), half, dx)
    v = np.arange(-half + rng.uniform(0, dy), half, dy)
    uu, vv = np.meshgrid(u, v)
    uu = uu.ravel() + rng.uniform(-jitter, jitter, uu.size) * dx
    vv = vv.ravel() + rng.uniform(-jitter, jitter, vv.size) * dy
    c, s = math.cos(theta), math.sin(theta)
    x = cx + uu * c - vv * s
    y = cy + uu * s + vv * c
    keep = shapely.contains_xy(poly, x, y)
    return np.column_stack([x[keep], y[keep]])


def _voronoi_cells(points: np.ndarray, poly: shapely.Geometry) -> list[shapely.Geometry]:
    """Voronoi cells of ``points`` clipped to ``poly`` (polygonal parts only, non-empty)."""
    if len(points) < 2:
        return [poly]
    cells = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=poly, ordered=True)
    clipped = shapely.intersection(np.asarray(cells.geoms), poly)
    out = [_polygonal(g) for g in clipped]
    return [g for g in out if not g.is_empty and g.area > 1.0]


def _make_blocks(rng: np.random.Generator, cluster: pd.Series) -> list[shapely.Geometry]:
    sx, sy = rng.uniform(300, 430), rng.uniform(170, 260)
    pts = _grid_points(rng, cluster.geometry, sx, sy, cluster["theta"], 0.18)
    cells = _voronoi_cells(pts, cluster.geometry)
    blocks = shapely.buffer(np.asarray(cells, dtype=object), -cluster["road_half"], join_style="mitre")
    out: list[shapely.Geometry] = []
    for b in blocks:
        b = _polygonal(b)
        if b.is_empty:
            continue
        parts = b.geoms if b.geom_type == "MultiPolygon" else [b]
        out.extend(p for p in parts if p.area > 4_000.0)
    return out


def _merge_into_neighbour(cells: list[shapely.Geometry], i: int) -> bool:
    """Union cell i with the neighbour sharing the longest edge; False when it has none."""
    best, best_len = -1, 1.0
    bi = cells[i].boundary
    for j, c in enumerate(cells):
        if j == i or not cells[i].intersects(c):
            continue
        length = shapely.length(shapely.intersection(bi, c.boundary))
        if length > best_len:
            best, best_len = j, length
    if best < 0:
        return False
    merged = shapely.union(cells[i], cells[best])
    if merged.geom_type != "Polygon":
        return False
    cells[best] = merged
    del cells[i]
    return True


def _split_block(
    rng: np.random.Generator, block: shapely.Geometry, theta: float, params: SampleParams
) -> list[shapely.Geometry]:
    area_mu = block.area / M2_PER_MU
    if area_mu >= _LARGE_MU[0] and rng.random() < params.large_block_share * 4:
        n = max(1, math.ceil(area_mu / rng.uniform(*_LARGE_MU)))
        if n == 1:
            return [block]
        pts = np.column_stack(
            [
                rng.uniform(block.bounds[0], block.bounds[2], 200),
                rng.uniform(block.bounds[1], block.bounds[3], 200),
            ]
        )
        pts = pts[shapely.contains_xy(block, pts[:, 0], pts[:, 1])][:n]
        return _voronoi_cells(pts, block)
    target = (
        _EDGE_FACTOR
        * params.parcel_median_mu
        * M2_PER_MU
        * math.exp(rng.normal(0, params.parcel_sigma_block))
    )
    aspect = rng.uniform(1.0, 2.2)
    dx, dy = math.sqrt(target * aspect), math.sqrt(target / aspect)
    pts = _grid_points(rng, block, dx, dy, theta + rng.normal(0, 0.06), 0.22)
    cells = _voronoi_cells(pts, block)
    # merge slivers at the block edge, then a few random L-shapes
    i = 0
    while i < len(cells):
        if cells[i].area < _MIN_PARCEL_MU * M2_PER_MU and len(cells) > 1 and _merge_into_neighbour(cells, i):
            continue
        i += 1
    for _ in range(rng.binomial(len(cells), params.merge_share)):
        if len(cells) > 1:
            _merge_into_neighbour(cells, int(rng.integers(len(cells))))
    return cells


def _jitter(xy: np.ndarray, amp: float, salt: float) -> np.ndarray:
    """Deterministic per-coordinate jitter (same coordinate → same shift, so rings stay closed)."""
    r = np.round(xy, 3)
    h1 = np.sin(r[:, 0] * 12.9898 + r[:, 1] * 78.233 + salt) * 43758.5453
    h2 = np.sin(r[:, 0] * 39.3467 + r[:, 1] * 11.135 + salt) * 24634.6345
    return xy + amp * 2 * (np.column_stack([h1 - np.floor(h1), h2 - np.floor(h2)]) - 0.5)


def make_parcels(
    rng: np.random.Generator, clusters: gpd.GeoDataFrame, params: SampleParams
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Blocks and parcels of every cluster.

    Returns
    -------
    blocks : GeoDataFrame
        ``block_id, cluster, town, geometry``.
    parcels : GeoDataFrame
        ``cluster, block_id, town, geometry`` (valid polygons), ordered block by block and,
        within a block, along the block's long axis (neighbours are usually next in order).
    """
    block_rows: list[dict[str, object]] = []
    parcel_rows: list[dict[str, object]] = []
    salt = float(rng.uniform(0, 1000))
    for ci, cl in clusters.iterrows():
        for block in _make_blocks(rng, cl):
            bid = len(block_rows)
            block_rows.append({"block_id": bid, "cluster": ci, "town": cl["town"], "geometry": block})
            cells = _split_block(rng, block, cl["theta"], params)
            c, s = math.cos(cl["theta"]), math.sin(cl["theta"])
            order = np.argsort([g.centroid.x * c + g.centroid.y * s for g in cells])
            for k in order:
                parcel_rows.append({"cluster": ci, "block_id": bid, "town": cl["town"], "geometry": cells[k]})
    blocks = gpd.GeoDataFrame(block_rows, geometry="geometry", crs=WORKING_CRS)
    parcels = gpd.GeoDataFrame(parcel_rows, geometry="geometry", crs=WORKING_CRS)
    geoms = parcels.geometry.to_numpy()
    # gaps between plots: most parcels shrink by 0.5-3 m, the rest share edges
    shrink = np.where(rng.random(len(geoms)) < 0.6, rng.uniform(0.5, 3.0, len(geoms)), 0.0)
    shrunk = shapely.buffer(geoms, -shrink, join_style="mitre")
    shrunk = np.where(shrink > 0, shrunk, geoms)
    # digitising noise on parcels with a gap of 1.5 m or more
    wobble = shrink >= 1.5
    dense = shapely.segmentize(shrunk[wobble], 30.0)
    jittered = np.array(
        [shapely.transform(g, lambda xy: _jitter(xy, 0.6, salt)) for g in dense], dtype=object
    )
    ok = shapely.is_valid(jittered)
    tmp = shrunk[wobble]
    tmp[ok] = jittered[ok]
    shrunk[wobble] = tmp
    parcels = parcels.set_geometry(list(shrunk))
    valid = ~parcels.geometry.is_empty & parcels.geometry.is_valid & (parcels.geometry.area > 500.0)
    parcels = parcels[valid & parcels.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    return blocks, parcels.reset_index(drop=True)


def make_parks(
    rng: np.random.Generator,
    clusters: gpd.GeoDataFrame,
    blocks: gpd.GeoDataFrame,
    specs: tuple[tuple[str, str, float], ...] = PARKS,
) -> gpd.GeoDataFrame:
    """Park polygons (开发区, 产业园, 小微企业园): unions of whole street blocks around a centre,
    covering about the given share of their cluster. Parks in one cluster do not overlap."""
    rows = []
    used: set[int] = set()
    for name, town, share in specs:
        ci = clusters.index[clusters["town"] == town]
        if len(ci) == 0:
            continue
        cand = blocks[(blocks["cluster"] == ci[0]) & ~blocks["block_id"].isin(used)]
        if cand.empty:
            continue
        cent = cand.geometry.centroid
        start = cand.index[int(rng.integers(len(cand)))]
        d = cent.distance(cent.loc[start]).sort_values()
        target = share * clusters.geometry.loc[ci[0]].area
        picked: list[int] = []
        area = 0.0
        for idx in d.index:
            if area >= target and picked:
                break
            picked.append(idx)
            area += cand.geometry.loc[idx].area
        used.update(cand.loc[picked, "block_id"].tolist())
        road = clusters.loc[ci[0], "road_half"] + 1.0
        geom = shapely.union_all(cand.loc[picked].geometry.buffer(road, join_style="mitre").to_numpy())
        rows.append({"名称": name, "town": town, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WORKING_CRS)


def make_control_lines(
    rng: np.random.Generator,
    clusters: gpd.GeoDataFrame,
    specs: tuple[tuple[str, str, float], ...] = CONTROL_LINES,
) -> gpd.GeoDataFrame:
    """工业用地控制线: a smoothed outline of most clusters; for a share below 1, a straight cut
    leaves part of the cluster outside (parcels there straddle or lie outside the line)."""
    rows = []
    for town, level, share in specs:
        sel = clusters[clusters["town"] == town]
        if sel.empty:
            continue
        geom = sel.geometry.iloc[0].buffer(60.0).buffer(-20.0).simplify(15.0)
        if share < 1.0:
            ang = rng.uniform(0, 2 * math.pi)
            ux, uy = math.cos(ang), math.sin(ang)
            coords = shapely.get_coordinates(geom)
            proj = coords @ np.array([ux, uy])
            cen = geom.centroid
            c0 = cen.x * ux + cen.y * uy
            lo, hi = float(proj.min()), float(proj.max())
            big = 1e5
            cut = geom
            for _ in range(30):
                mid = (lo + hi) / 2
                # half-plane {p : p·u <= mid}
                cx, cy = cen.x + ux * (mid - c0), cen.y + uy * (mid - c0)
                half = shapely.Polygon(
                    [
                        (cx - uy * big, cy + ux * big),
                        (cx - uy * big - ux * big, cy + ux * big - uy * big),
                        (cx + uy * big - ux * big, cy - ux * big - uy * big),
                        (cx + uy * big, cy - ux * big),
                    ]
                )
                cut = _polygonal(shapely.intersection(geom, half))
                if cut.area < share * geom.area:
                    lo = mid
                else:
                    hi = mid
            geom = cut
        rows.append({"名称": f"{town}工业用地控制线", "级别": level, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WORKING_CRS)


def make_layout(
    rng: np.random.Generator,
    seats: pd.DataFrame,
    outline: shapely.Geometry,
    params: SampleParams,
    scale: float,
) -> Layout:
    """All geometry of one county replica (see :class:`Layout`)."""
    land = max(getattr(outline, "geoms", [outline]), key=lambda g: g.area)
    towns = make_towns(seats, outline)
    clusters = make_clusters(rng, seats, towns, land, params, scale)
    blocks, parcels = make_parcels(rng, clusters, params)
    parks = make_parks(rng, clusters, blocks)
    lines = make_control_lines(rng, clusters)
    return Layout(towns, clusters, blocks, parcels, parks, lines)
