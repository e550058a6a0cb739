"""Adjacency of site parcels and the splitting of large or sprawling merged areas into park-sized sites.

Merging every freed, idle and low-efficiency parcel within ``parks.adjacency_gap_m`` of another
gives connected components that can run for kilometres along a road (chains of parcels 15 m
apart). A 小微企业园 is typically 50–300 亩, so :func:`split_components` cuts a component into
pieces:

* a component larger than ``parks.max_site_area_mu`` is cut into ``k = ceil(area / max)``
  pieces of about equal area;
* a component with Polsby-Popper compactness below ``parks.min_compactness`` (sprawling) and
  at least twice ``parks.min_site_area_mu`` is cut in two.

The cut is a **recursive inertial bisection** (a standard graph-partition heuristic): the
parcels' centroids are projected on the principal axis of their area-weighted spread and cut
where the cumulative area reaches ``floor(k/2)/k`` of the total, so a chain is cut across its
length. Each side is then split again into its connected components *within the adjacency
graph* (a cut never glues together parcels that were not adjacent), and every piece is
examined again until it is small and compact enough or is a single parcel (a parcel is never
cut: a single parcel above the maximum stays one site and is reported). Every parcel ends up
in exactly one piece, so site areas add up to the component's area.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from ruian_land.core import map_slices, query_slices

__all__ = [
    "Compactness",
    "adjacency_graph",
    "label_members",
    "polsby_popper",
    "site_components",
    "split_components",
    "union_groups",
]

#: What :func:`split_components` calls for compactness: groups of parcel positions → one value each.
Compactness = Callable[[Sequence[np.ndarray]], np.ndarray]


def adjacency_graph(geoms: np.ndarray, gap_m: float) -> csr_matrix:
    """Sparse symmetric graph of parcels lying within ``gap_m`` of each other.

    Parameters
    ----------
    geoms : numpy.ndarray
        Valid, non-missing polygons in EPSG:4549 (n,).
    gap_m : float
        Largest distance in metres bridged between two parcels (``parks.adjacency_gap_m``);
        0 links only parcels that touch or overlap. Equivalent to buffering every parcel by
        ``gap_m / 2`` and testing intersection, without building the buffers (STRtree
        ``dwithin`` query in threads, :func:`ruian_land.core.query_slices`; no loop over all pairs).

    Returns
    -------
    scipy.sparse.csr_matrix
        (n, n) adjacency, 1 where two parcels are within the gap (diagonal included).
    """
    n = len(geoms)
    if n == 0:
        return csr_matrix((0, 0), dtype=np.int8)
    tree = shapely.STRtree(geoms)
    if gap_m > 0:
        left, right = query_slices(tree, geoms, predicate="dwithin", distance=gap_m)
    else:
        left, right = query_slices(tree, geoms, predicate="intersects")
    return coo_matrix((np.ones(left.size, dtype=np.int8), (left, right)), shape=(n, n)).tocsr()


def label_members(labels: np.ndarray, minlength: int = 0) -> list[np.ndarray]:
    """Positions of each label, ascending, from one sort.

    Parameters
    ----------
    labels : numpy.ndarray
        Non-negative integer labels (n,).
    minlength : int
        0: one entry per label present, in ascending label order
        (``[flatnonzero(labels == v) for v in unique(labels)]``); else one entry for every label
        ``0 .. max(minlength, max(labels) + 1) - 1``, empty arrays for labels not present.

    Returns
    -------
    list of numpy.ndarray
        Ascending positions into ``labels`` for each label.
    """
    order = np.argsort(labels, kind="stable")
    values, first = np.unique(labels[order], return_index=True)
    groups = np.split(order, first[1:])
    if not minlength:
        return groups
    out = [order[:0]] * max(minlength, int(values.max()) + 1 if len(values) else 0)
    for v, g in zip(values.tolist(), groups, strict=True):
        out[v] = g
    return out


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    """Renumber arbitrary integer labels 0..k-1 in order of first appearance."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return np.asarray(order[inverse], dtype=int)


def site_components(geoms: np.ndarray, gap_m: float) -> np.ndarray:
    """Label parcels that lie within ``gap_m`` of each other (transitively) with one site number.

    Parameters
    ----------
    geoms : numpy.ndarray
        Valid, non-missing polygons in EPSG:4549 (n,).
    gap_m : float
        Maximum distance in metres bridged between two parcels (``parks.adjacency_gap_m``).

    Returns
    -------
    numpy.ndarray
        Integer labels (n,), 0..k-1, in order of first appearance.
    """
    if len(geoms) == 0:
        return np.empty(0, dtype=int)
    _, labels = connected_components(adjacency_graph(geoms, gap_m), directed=False)
    return _first_appearance(labels)


def polsby_popper(geoms: np.ndarray, gap_m: float) -> np.ndarray:
    """Polsby-Popper compactness 4πA/P² (0–1) of each geometry with gaps up to ``gap_m`` closed.

    The geometry is buffered by +gap/2 then −gap/2 (mitred joins), so a road between two
    parcels of a site is not counted as perimeter. A square scores π/4 ≈ 0.785, a circle 1.

    Parameters
    ----------
    geoms : numpy.ndarray
        Polygons in EPSG:4549 (n,).
    gap_m : float
        Gap closed before measuring, metres.

    Returns
    -------
    numpy.ndarray
        Float (n,), NaN for empty geometries.
    """
    closed = geoms
    if gap_m > 0:  # in threads from PARALLEL_MIN_ITEMS geometries (GEOS releases the GIL)
        grown = map_slices(shapely.buffer, geoms, distance=gap_m / 2, join_style="mitre")
        closed = map_slices(shapely.buffer, grown, distance=-gap_m / 2, join_style="mitre")
    area = shapely.area(closed)
    perim = shapely.length(closed)
    with np.errstate(invalid="ignore", divide="ignore"):
        pp = np.where(perim > 0, 4 * math.pi * area / perim**2, np.nan)
    return np.clip(pp, 0.0, 1.0)


def union_groups(
    geoms: np.ndarray, groups: Sequence[np.ndarray], *, grid_size: float | None = None
) -> np.ndarray:
    """The union of ``geoms[idx]`` for each ``idx`` of ``groups``.

    GEOS has no grouped union, so each group is one ``shapely.union_all`` call; the groups are
    split over threads (:func:`ruian_land.core.map_slices`, from ``PARALLEL_MIN_ITEMS`` groups:
    GEOS releases the GIL). Each union is identical to ``shapely.union_all(geoms[idx],
    grid_size=grid_size)``, as ``GeoDataFrame.dissolve`` computes it.

    Parameters
    ----------
    geoms : numpy.ndarray
        Geometries (n,), any CRS (the unions are in the same one).
    groups : sequence of numpy.ndarray
        m arrays of positions in ``geoms``.
    grid_size : float, optional
        Precision grid of the union (CRS units); None: full precision.

    Returns
    -------
    numpy.ndarray
        Object array (m,), aligned with ``groups``.
    """
    items = np.empty(len(groups), dtype=object)
    for k, idx in enumerate(groups):
        items[k] = idx

    def unite(chunk: np.ndarray) -> np.ndarray:
        out = np.empty(len(chunk), dtype=object)
        for k, idx in enumerate(chunk):
            out[k] = shapely.union_all(geoms[idx], grid_size=grid_size)
        return out

    return map_slices(unite, items)


def _cut(xy: np.ndarray, area: np.ndarray, fraction: float) -> np.ndarray:
    """Boolean mask of the parcels on the low side of an inertial cut at ``fraction`` of the area."""
    w = area / area.sum()
    centre = (xy * w[:, None]).sum(axis=0)
    d = xy - centre
    cov = (d * w[:, None]).T @ d
    _, vecs = np.linalg.eigh(cov)
    axis = vecs[:, -1]  # principal axis: largest spread
    proj = d @ axis
    order = np.lexsort((np.arange(len(proj)), proj))
    cum = np.cumsum(area[order])
    target = fraction * cum[-1]
    cut = int(np.searchsorted(cum, target))  # first position where cum ≥ target
    # of the prefixes with cut and cut + 1 parcels, take the one whose area is closer to the target
    below = cum[cut - 1] if cut else 0.0
    n_low = cut if abs(below - target) < abs(cum[cut] - target) else cut + 1
    n_low = min(max(n_low, 1), len(order) - 1)
    low = np.zeros(len(proj), dtype=bool)
    low[order[:n_low]] = True
    return low


def split_components(
    labels: np.ndarray,
    graph: csr_matrix,
    centroids: np.ndarray,
    area_m2: np.ndarray,
    compactness: Compactness,
    *,
    max_area_m2: float,
    min_compactness: float,
    min_area_m2: float,
) -> np.ndarray:
    """Split components that are too large or sprawling into park-sized pieces.

    Parameters
    ----------
    labels : numpy.ndarray
        Component label of each parcel (n,), from :func:`site_components`.
    graph : scipy.sparse.csr_matrix
        (n, n) adjacency of the same parcels (:func:`adjacency_graph`).
    centroids : numpy.ndarray
        (n, 2) parcel centroids, EPSG:4549 metres.
    area_m2 : numpy.ndarray
        Parcel areas (n,), m².
    compactness : callable
        ``compactness(groups) -> ndarray``: for each array of parcel positions in ``groups``,
        the Polsby-Popper compactness of the union of those parcels (gaps closed, see
        :func:`polsby_popper`), aligned with ``groups``. Called once for every input component
        that may need it (so it can work on all of them at once), then per piece of a cut.
    max_area_m2 : float
        Largest piece area (``parks.max_site_area_mu`` in m²).
    min_compactness : float
        Pieces below this compactness are halved (``parks.min_compactness``) …
    min_area_m2 : float
        … when their area is at least twice this (``parks.min_site_area_mu`` in m²).

    Returns
    -------
    numpy.ndarray
        New labels (n,), 0..m-1 in order of first appearance; every parcel keeps exactly one
        label and pieces never mix parcels of different input components. Fragments below
        ``min_area_m2`` left by a cut rejoin an adjacent piece when that stays within the
        limits (see :func:`_merge_fragments`).
    """
    n = len(labels)
    out = np.full(n, -1, dtype=int)
    if n == 0:
        return out
    next_label = 0
    stack: list[tuple[np.ndarray, float | None]] = list(
        zip(
            *_known_compactness(label_members(labels), area_m2, compactness, max_area_m2, min_area_m2),
            strict=True,
        )
    )
    while stack:
        idx, known = stack.pop()
        total = float(area_m2[idx].sum())
        k = 1
        if len(idx) > 1:
            if total > max_area_m2:
                k = max(2, math.ceil(total / max_area_m2))
            elif (
                total >= 2 * min_area_m2
                and (known if known is not None else float(compactness([idx])[0])) < min_compactness
            ):
                k = 2
        if k == 1 or total <= 0:
            out[idx] = next_label
            next_label += 1
            continue
        low = _cut(centroids[idx], area_m2[idx], (k // 2) / k)
        for side in (idx[low], idx[~low]):
            sub = graph[side][:, side]
            n_comp, sub_labels = connected_components(sub, directed=False)
            stack.extend((side[sub_labels == c], None) for c in range(n_comp))
    _merge_fragments(out, labels, graph, area_m2, compactness, max_area_m2, min_compactness, min_area_m2)
    return _first_appearance(out)


def _known_compactness(
    members: list[np.ndarray],
    area_m2: np.ndarray,
    compactness: Compactness,
    max_area_m2: float,
    min_area_m2: float,
) -> tuple[list[np.ndarray], list[float | None]]:
    """The input components and, for those the first pass tests for compactness (several
    parcels, between twice the minimum and the maximum area), their compactness in one call."""
    sizes = np.fromiter((len(idx) for idx in members), dtype=np.int64, count=len(members))
    totals = np.array([float(area_m2[idx].sum()) for idx in members])
    test = np.flatnonzero((sizes > 1) & (totals <= max_area_m2) & (totals >= 2 * min_area_m2))
    known: list[float | None] = [None] * len(members)
    if test.size:
        for i, c in zip(test.tolist(), compactness([members[i] for i in test]).tolist(), strict=True):
            known[i] = float(c)
    return members, known


def _merge_fragments(
    out: np.ndarray,
    labels: np.ndarray,
    graph: csr_matrix,
    area_m2: np.ndarray,
    compactness: Compactness,
    max_area_m2: float,
    min_compactness: float,
    min_area_m2: float,
) -> None:
    """Give pieces below the minimum area back to an adjacent piece of the same component.

    A cut leaves small fragments that could not form a site on their own. Smallest first,
    a fragment joins the smallest adjacent piece of its component for which the union stays
    within ``max_area_m2`` and does not become sprawling (compactness ≥ ``min_compactness``,
    unless the piece was already below it). ``out`` is changed in place.
    """
    coo = graph.tocoo()
    same = (labels[coo.row] == labels[coo.col]) & (coo.row != coo.col)
    rows, cols = coo.row[same], coo.col[same]
    # each parcel's neighbours in its component (CSR by row) and each piece's parcels (ascending):
    # a fragment's look-ups cost its own parcels' edges, not a scan of every parcel and edge
    by_row = np.argsort(rows, kind="stable")
    nbr = cols[by_row]
    start = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(out)))])
    members = dict(enumerate(label_members(out, minlength=int(out.max()) + 1)))
    piece_area = np.bincount(out, weights=area_m2)
    while True:
        merged_any = False
        order = np.argsort(piece_area, kind="stable")
        for frag in (int(p) for p in order if 0 < piece_area[p] < min_area_m2):
            if not 0 < piece_area[frag] < min_area_m2:
                continue  # grew or vanished in this pass
            own = members[frag]
            edges = np.concatenate([nbr[start[i] : start[i + 1]] for i in own.tolist()])
            neighbours = {int(x) for x in out[edges]} - {frag}
            for target in sorted(neighbours, key=lambda x: (piece_area[x], x)):
                if piece_area[frag] + piece_area[target] > max_area_m2:
                    continue
                merged = np.sort(np.concatenate([own, members[target]]))
                if (
                    float(compactness([merged])[0])
                    < min_compactness
                    <= float(compactness([members[target]])[0])
                ):
                    continue
                out[own] = target
                members[target] = merged
                members[frag] = own[:0]
                piece_area[target] += piece_area[frag]
                piece_area[frag] = 0.0
                merged_any = True
                break
        if not merged_any:
            return
