"""Enterprise ↔ parcel occupancy (CONTRACTS §2 ``link``).

Owners are linked by code (parcel 权利人代码 == firm 统一社会信用代码, both normalised) and
occupy their parcel minus the area they lease out; tenants occupy their leased area. A firm's
totals (tax, value added, energy) are allocated to its parcels by land share, so they sum back
to the firm totals. Geocoded firm points can be linked spatially with
:func:`link_points_to_parcels`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ruian_land.core import (
    WORKING_CRS,
    InputError,
    KeyPositions,
    Ledger,
    crs_equal,
    is_in,
    m2_to_mu,
    normalise_parcel_ids,
    normalise_uscc_series,
    require_columns,
)
from ruian_land.link.notes import note_owner_codes, unlinked_firms
from ruian_land.rules import RuleSet, load_rules

__all__ = ["ALLOCATED_COLUMNS", "Occupancy", "firm_land", "link_firms_to_parcels", "link_points_to_parcels"]

#: Firm totals allocated to parcels by land share, when present in ``firms``.
ALLOCATED_COLUMNS: tuple[str, ...] = ("tax_wan", "energy_tce_calorific", "value_added_wan")
_LINK_COLUMNS = ["uscc", "parcel_id", "tenure", "land_area_m2", "land_area_mu", "land_share"]
#: Values of the rule ``link.lease_convention``.
_CONVENTIONS = ("split", "landlord")
#: Relative slack below which leased area is taken as equal to the parcel area (rounding).
_AREA_EPS = 1e-9


@dataclass
class Occupancy:
    """Who occupies which land.

    Attributes
    ----------
    links : DataFrame
        One row per firm per occupied parcel: ``uscc``, ``parcel_id``, ``tenure``
        (``own`` | ``lease`` | ``located``), ``land_area_m2``, ``land_area_mu``, ``land_share``
        (this row's share of the firm's land, summing to 1 per firm; for a firm holding no
        land under ``link.lease_convention: landlord``, its share of the leased area), and the
        allocated firm totals ``tax_wan``, ``energy_tce_calorific``, ``value_added_wan`` (those
        present in ``firms``).
    unlinked : DataFrame
        Firms with no land: ``uscc``, ``name``, ``reason_code``, ``reason``, ``reason_zh``
        (plus ``detail``).
    parcels : DataFrame
        One row per parcel: ``parcel_id``, ``area_m2``, ``leased_m2`` (declared leases, after
        any scaling, at most ``area_m2``), ``owner_m2`` (held by a registry owner),
        ``occupied_m2`` (held by any linked firm), ``vacant_m2``, ``lease_scale`` (1, or < 1
        when leases exceeded the parcel), ``occupants``.
    firms : DataFrame
        ``firms`` with ``land_area_mu`` (NaN when unlinked) and ``parcel_count`` (0).
    """

    links: pd.DataFrame
    unlinked: pd.DataFrame
    parcels: pd.DataFrame
    firms: pd.DataFrame


def link_firms_to_parcels(
    parcels: pd.DataFrame,
    firms: pd.DataFrame,
    leases: pd.DataFrame | None,
    ledger: Ledger | None = None,
    *,
    points: gpd.GeoDataFrame | None = None,
    rules: RuleSet | None = None,
) -> Occupancy:
    """Link firms to parcels by owner code, leases and (optionally) geocoded points, and
    allocate firm totals by land share.

    Parameters
    ----------
    parcels : DataFrame or GeoDataFrame
        Validated parcels: ``parcel_id`` (unique), ``area_m2`` (m², EPSG:4549), ``owner_uscc``,
        optionally ``owner_name``, ``source_row``, and ``geometry`` (needed with ``points``).
    firms : DataFrame
        Validated firms, unique ``uscc``; ``name``; any of :data:`ALLOCATED_COLUMNS`.
    leases : DataFrame or None
        Validated leases: ``uscc``, ``parcel_id``, ``leased_area_m2`` (m²), ``source_row``.
        Leases naming an unknown parcel or firm are ignored (validation rejects them).
    ledger : Ledger, optional
        Receives notes: leases scaled down where they exceed their parcel (input ``leases``),
        links made through an owner code that fails its check, owner codes not in the
        registry (input ``parcels``), owner codes differing from a registry code only in the
        check character (``check_char_mismatch`` on the parcel row and, when ``registry`` is
        declared, on the registry row: probably the same firm, not linked), links made or refused by location (input ``points``,
        whose ``rows_in`` must be declared); all with action ``kept``.
    points : GeoDataFrame, optional
        Validated geocoded firm points (``uscc``, ``source_row``, any CRS): a firm that no
        owner code or lease places is linked to the parcel its point falls on (rule
        ``link.point_mode``, radius ``link.point_max_distance_m``) and shares that parcel's
        vacant area with the other firms located there (tenure ``located``). A point on a
        parcel its owner occupies links nothing (reason ``located_on_occupied_parcel``: add
        a lease row). A point on another parcel than the firm's code links is noted.
    rules : RuleSet, optional
        ``link.lease_convention``, ``link.point_mode``, ``link.point_max_distance_m``;
        default :func:`ruian_land.rules.load_rules`.

    Returns
    -------
    Occupancy
        See :class:`Occupancy`. Conservation: per firm ``land_share`` sums to 1 and the
        allocated columns sum to the firm totals; per parcel the link areas never exceed
        ``area_m2`` and equal it when a registry owner is present. A firm total that is
        missing (NaN: e.g. no tax record) stays NaN on every link of the firm, never 0, so
        the allocated known totals sum to the known firm totals.

    Notes
    -----
    Several firms on one parcel and one firm on several parcels (RULES.md §3): each link
    carries its share of the firm's totals, so a parcel's tax is the sum over its occupants
    and a firm's land is the sum over its links. ``link.lease_convention`` says who holds the
    land of a leased part of a parcel with a registry owner:

    * ``split`` (default): the tenant holds its leased area, the owner the rest;
    * ``landlord``: the owner holds the whole parcel; tenants keep a link with 0 m² (their
      totals still sit on the parcel, split between their leases by leased area) and are
      judged by the landlord's land (the 出租方合并计算 practice).

    When the leases on a parcel add up to more than its area, each is scaled by
    ``area / leased_total`` (so tenants share the parcel in proportion to what they declared)
    and the owner holds nothing there (``split``).

    Raises
    ------
    StageInputError
        A frame lacks a column named above (all missing ones are listed, with the stage that makes
        them).
    InputError
        An unknown ``link.lease_convention``.
    """
    require_columns(parcels, ("parcel_id", "area_m2"), frame_name="parcels", stage="link_firms_to_parcels")
    require_columns(firms, ("uscc",), frame_name="firms", stage="link_firms_to_parcels")
    if leases is not None:
        require_columns(
            leases,
            ("uscc", "parcel_id", "leased_area_m2"),
            frame_name="leases",
            stage="link_firms_to_parcels",
        )
    rules = rules if rules is not None else load_rules()
    convention = str(rules.value("link.lease_convention"))
    if convention not in _CONVENTIONS:
        raise InputError(
            f"unknown link.lease_convention {convention!r}",
            fix=f"set the rule link.lease_convention to one of {list(_CONVENTIONS)}",
        )
    p = pd.DataFrame(
        {
            "parcel_id": normalise_parcel_ids(parcels["parcel_id"]),
            "area_m2": parcels["area_m2"].astype(float).to_numpy(),
            "owner_uscc": normalise_uscc_series(parcels["owner_uscc"]) if "owner_uscc" in parcels else None,
            "owner_name": parcels["owner_name"].to_numpy() if "owner_name" in parcels else None,
            "source_row": parcels["source_row"].to_numpy()
            if "source_row" in parcels
            else np.arange(1, len(parcels) + 1),
        }
    )
    f = firms.copy()
    f["uscc"] = normalise_uscc_series(f["uscc"])
    codes = f["uscc"].dropna()
    ids = KeyPositions(p["parcel_id"])
    lz = _lease_rows(p, ids, leases, codes, ledger)
    has_owner = is_in(p["owner_uscc"], codes)
    p["leased_m2"] = np.minimum(ids.take(lz.groupby("parcel_id")["weight_m2"].sum(), 0.0), p["area_m2"])
    if convention == "landlord":
        lz.loc[is_in(lz["parcel_id"], p.loc[has_owner, "parcel_id"]), "land_area_m2"] = 0.0
    tenant_m2 = ids.take(lz.groupby("parcel_id")["land_area_m2"].sum(), 0.0)
    owned = p[has_owner].copy()
    owned["land_area_m2"] = np.maximum(owned["area_m2"] - tenant_m2[has_owner], 0.0)
    owned["weight_m2"] = owned["land_area_m2"]
    if ledger is not None:
        note_owner_codes(p, f, ledger)
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "uscc": owned["owner_uscc"],
                    "parcel_id": owned["parcel_id"],
                    "tenure": "own",
                    "land_area_m2": owned["land_area_m2"],
                    "weight_m2": owned["weight_m2"],
                }
            ),
            lz[["uscc", "parcel_id", "land_area_m2", "weight_m2"]].assign(tenure="lease"),
        ],
        ignore_index=True,
    )
    rows = rows[(rows["land_area_m2"] > 0) | (rows["weight_m2"] > 0)]
    p["owner_m2"] = ids.take(owned.set_index("parcel_id")["land_area_m2"], 0.0)
    p["occupied_m2"] = p["owner_m2"] + tenant_m2
    located_refused: dict[str, str] = {}
    if points is not None and len(points):
        held: dict[str, set[str]] = {
            str(k): set(v) for k, v in rows.groupby("uscc")["parcel_id"].agg(set).items()
        }
        extra, located_refused = _located_rows(p, parcels, f, held, points, rules, ledger)
        rows = pd.concat([rows, extra], ignore_index=True)
        p["occupied_m2"] += ids.take(extra.groupby("parcel_id")["land_area_m2"].sum(), 0.0)
    p["vacant_m2"] = np.maximum(p["area_m2"] - p["occupied_m2"], 0.0)
    links = _aggregate_links(rows, f)
    p["occupants"] = ids.take(links.groupby("parcel_id").size(), 0.0).astype(int)
    parcel_use = p[
        [
            "parcel_id",
            "area_m2",
            "leased_m2",
            "owner_m2",
            "occupied_m2",
            "vacant_m2",
            "lease_scale",
            "occupants",
        ]
    ]
    land = firm_land(links)
    out_firms = firms.copy()
    codes_at = KeyPositions(f["uscc"])
    out_firms["land_area_mu"] = codes_at.take(land["land_area_mu"])
    out_firms["parcel_count"] = codes_at.take(land["parcel_count"], 0.0).astype(int)
    unlinked = unlinked_firms(f, set(links["uscc"].tolist()), p, located_refused)
    return Occupancy(
        links=links, unlinked=unlinked, parcels=parcel_use.reset_index(drop=True), firms=out_firms
    )


def _lease_rows(
    p: pd.DataFrame, ids: KeyPositions, leases: pd.DataFrame | None, codes: pd.Series, ledger: Ledger | None
) -> pd.DataFrame:
    """Lease rows with ``land_area_m2`` = ``weight_m2`` = the leased area, scaled down where the
    leases of a parcel exceed it; sets ``p['lease_scale']``."""
    if leases is not None and len(leases):
        lz = pd.DataFrame(
            {
                "uscc": normalise_uscc_series(leases["uscc"]).to_numpy(),
                "parcel_id": normalise_parcel_ids(leases["parcel_id"]).to_numpy(),
                "leased_area_m2": leases["leased_area_m2"].astype(float).to_numpy(),
                "source_row": leases["source_row"].to_numpy()
                if "source_row" in leases
                else np.arange(1, len(leases) + 1),
            }
        )
        lz = lz[
            is_in(lz["parcel_id"], p["parcel_id"])
            & is_in(lz["uscc"], codes)
            & (lz["leased_area_m2"] > 0).to_numpy()
        ]
    else:
        lz = pd.DataFrame({"uscc": [], "parcel_id": [], "leased_area_m2": [], "source_row": []})
    leased = lz.groupby("parcel_id")["leased_area_m2"].sum()
    raw = pd.Series(ids.take(leased, 0.0), index=p.index)
    over = raw > p["area_m2"] * (1 + _AREA_EPS)
    p["lease_scale"] = np.where(over, p["area_m2"] / raw.where(over, 1.0), 1.0)
    scale = lz["parcel_id"].map(pd.Series(p["lease_scale"].to_numpy(), index=p["parcel_id"].to_numpy()))
    lz = lz.assign(land_area_m2=lz["leased_area_m2"] * scale)
    lz["weight_m2"] = lz["land_area_m2"]
    if ledger is not None:
        for r in p.assign(raw=raw).loc[over].to_dict("records"):
            for lr in lz[lz["parcel_id"] == r["parcel_id"]].to_dict("records"):
                ledger.record(
                    "leases", int(lr["source_row"]), "leased_area_m2", "leases_exceed_parcel", "kept",
                    f"leases on parcel {r['parcel_id']} total {r['raw']:,.1f} m² > parcel "
                    f"{r['area_m2']:,.1f} m²; this lease {lr['leased_area_m2']:,.1f} m² counted as "
                    f"{lr['land_area_m2']:,.1f} m² (× {r['lease_scale']:.4f})",
                )  # fmt: skip
    return lz


def _aggregate_links(rows: pd.DataFrame, f: pd.DataFrame) -> pd.DataFrame:
    """One row per (firm, parcel), land shares and allocated totals."""
    tenures = ["own", "lease", "located"]  # the strongest tenure of a (firm, parcel) pair first
    rank = pd.Categorical(rows["tenure"], categories=tenures).codes
    if (rank < 0).any():
        raise ValueError(f"unknown tenure among {sorted(set(rows['tenure']) - set(tenures))}")
    links = (
        rows.assign(tenure=rank)
        .groupby(["uscc", "parcel_id"], as_index=False, sort=True)
        .agg(tenure=("tenure", "min"), land_area_m2=("land_area_m2", "sum"), weight_m2=("weight_m2", "sum"))
    )
    links["tenure"] = np.asarray(tenures, dtype=object)[links["tenure"].to_numpy()]
    links["land_area_mu"] = m2_to_mu(links["land_area_m2"].to_numpy())
    land = links.groupby("uscc")["land_area_m2"].transform("sum")
    weight = links.groupby("uscc")["weight_m2"].transform("sum")
    links["land_share"] = np.where(
        land > 0, links["land_area_m2"] / land.where(land > 0, 1.0), links["weight_m2"] / weight
    )
    firm_at = KeyPositions(f["uscc"])
    if firm_at.unique:  # one hash look-up of the link codes for every allocated column
        pos = firm_at.positions_of(links["uscc"])
        found = pos >= 0
    for col in ALLOCATED_COLUMNS:
        if col not in f.columns:
            continue
        if firm_at.unique:
            totals = f[col].to_numpy(dtype=float, na_value=np.nan)
            links[col] = np.where(found, totals[pos], np.nan) * links["land_share"].to_numpy()
        else:
            links[col] = links["uscc"].map(f.set_index("uscc")[col]).astype(float) * links["land_share"]
    return links[[*_LINK_COLUMNS, *[c for c in ALLOCATED_COLUMNS if c in links.columns]]].reset_index(
        drop=True
    )


def _located_rows(
    p: pd.DataFrame,
    parcels: pd.DataFrame,
    f: pd.DataFrame,
    held: dict[str, set[str]],
    points: gpd.GeoDataFrame,
    rules: RuleSet,
    ledger: Ledger | None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Links by location for firms without code or lease links (see link_firms_to_parcels)."""
    if not isinstance(parcels, gpd.GeoDataFrame):
        raise InputError(
            "linking geocoded points needs the parcel polygons", fix="pass the validated parcel GeoDataFrame"
        )
    mode = str(rules.value("link.point_mode"))
    pts = points.copy()
    pts["uscc"] = normalise_uscc_series(pts["uscc"])
    pts = pts[is_in(pts["uscc"], f["uscc"])]
    if "source_row" not in pts.columns:
        pts["source_row"] = np.arange(1, len(pts) + 1)
    par = parcels.assign(parcel_id=normalise_parcel_ids(parcels["parcel_id"]))
    hit = link_points_to_parcels(pts, par, mode, rules=rules)  # type: ignore[arg-type]
    pts = pts.assign(hit=hit["parcel_id"].to_numpy(), distance_m=hit["distance_m"].to_numpy())
    refused: dict[str, str] = {}
    vacant = dict(
        zip(p["parcel_id"].tolist(), np.maximum(p["area_m2"] - p["occupied_m2"], 0.0).tolist(), strict=True)
    )
    owner = dict(zip(p["parcel_id"].tolist(), p["owner_uscc"].tolist(), strict=True))
    new = pts[~is_in(pts["uscc"], held.keys()) & pts["hit"].notna().to_numpy()]
    new = new[~new["uscc"].duplicated()]
    rows = []
    for pid, group in new.groupby("hit", sort=True):
        free = float(vacant.get(pid, 0.0))
        for r in group.to_dict("records"):
            if free <= 0:
                refused[r["uscc"]] = (
                    f"its geocoded point lies on parcel {pid}, which its owner {owner.get(pid)} occupies: "
                    "add a lease row (厂房租赁) for it"
                )
                if ledger is not None:
                    ledger.record(
                        "points", int(r["source_row"]), "uscc", "located_on_occupied_parcel", "kept",
                        f"{r['uscc']}: point on parcel {pid}, occupied by its owner; not linked",
                    )  # fmt: skip
                continue
            share = free / len(group)
            rows.append(
                {
                    "uscc": r["uscc"],
                    "parcel_id": pid,
                    "tenure": "located",
                    "land_area_m2": share,
                    "weight_m2": share,
                }
            )
            if ledger is not None:
                ledger.record(
                    "points", int(r["source_row"]), "uscc", "located_by_point", "kept",
                    f"{r['uscc']} linked to parcel {pid} by location (mode {mode}, {r['distance_m']:,.1f} m); "
                    f"holds {share:,.1f} m² of its {free:,.1f} m² vacant area ({len(group)} firm(s) located there)",
                )  # fmt: skip
    if ledger is not None:
        _note_mismatches(pts[is_in(pts["uscc"], held.keys())], held, owner, ledger)
    extra = pd.DataFrame(rows, columns=["uscc", "parcel_id", "tenure", "land_area_m2", "weight_m2"])
    return extra, refused


def _note_mismatches(
    pts: pd.DataFrame, held: dict[str, set[str]], owner: dict[Any, Any], ledger: Ledger
) -> None:
    """Note geocoded points of linked firms that fall on none of the parcels the firm holds."""
    for r in pts.to_dict("records"):
        mine = held.get(r["uscc"], set())
        if pd.notna(r["hit"]) and r["hit"] not in mine:
            ledger.record(
                "points", int(r["source_row"]), "uscc", "location_mismatch", "kept",
                f"{r['uscc']}: point on parcel {r['hit']} (owner {owner.get(r['hit'])}), but the firm is linked "
                f"to {sorted(mine)} by code or lease: check the geocode, a missing lease or the owner code",
            )  # fmt: skip


def firm_land(occupancy: Occupancy | pd.DataFrame) -> pd.DataFrame:
    """Firm-level land from the links.

    Parameters
    ----------
    occupancy : Occupancy or DataFrame
        An :class:`Occupancy` or its ``links`` frame.

    Returns
    -------
    DataFrame
        Index ``uscc`` (linked firms only): ``land_area_m2``, ``land_area_mu`` (sum of the
        firm's links), ``owned_area_mu``, ``leased_area_mu``, ``parcel_count`` (distinct parcels).
    """
    links = occupancy.links if isinstance(occupancy, Occupancy) else occupancy
    g = links.groupby("uscc")
    out = g[["land_area_m2", "land_area_mu"]].sum()
    codes = pd.Series(out.index, index=out.index)
    at = KeyPositions(codes)  # the sums of one tenure placed on the firms' rows, 0 elsewhere
    for tenure, col in (("own", "owned_area_mu"), ("lease", "leased_area_mu")):
        part = links[(links["tenure"] == tenure).to_numpy()].groupby("uscc")["land_area_mu"].sum()
        out[col] = at.take(part, 0.0)
    out["parcel_count"] = g["parcel_id"].nunique().to_numpy().astype(int)
    return out


def link_points_to_parcels(
    points: gpd.GeoDataFrame,
    parcels: gpd.GeoDataFrame,
    mode: Literal["within", "largest_overlap", "nearest"] = "within",
    max_distance_m: float | None = None,
    *,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """Assign geocoded firm locations (points, or footprints) to parcels, one parcel each.

    Parameters
    ----------
    points : GeoDataFrame
        Firm locations, any CRS (converted to EPSG:4549); any index.
    parcels : GeoDataFrame
        Parcels with ``parcel_id``, any CRS (converted to EPSG:4549).
    mode : {'within', 'largest_overlap', 'nearest'}
        ``within``: the parcel covering the point (boundary included); ``largest_overlap``: for
        footprints, the parcel sharing the most area (points fall back to ``within``);
        ``nearest``: the closest parcel within ``max_distance_m`` (0 m when inside).
    max_distance_m : float, optional
        Search radius for ``nearest`` in metres; default rule ``link.point_max_distance_m``.
    rules : RuleSet, optional
        Default :func:`ruian_land.rules.load_rules`.

    Returns
    -------
    DataFrame
        Index of ``points``: ``parcel_id`` (missing when none qualifies) and ``distance_m``
        (0 for within/overlap). Ties (a point on a shared boundary, equal overlaps or
        distances) go to the lowest ``parcel_id``, so the result is deterministic.

    Raises
    ------
    InputError
        A layer without CRS, or an unknown mode.
    """
    if mode not in ("within", "largest_overlap", "nearest"):
        raise InputError(f"unknown link mode {mode!r}", fix="use 'within', 'largest_overlap' or 'nearest'")
    for name, layer in (("points", points), ("parcels", parcels)):
        if layer.crs is None:
            raise InputError(f"the {name} layer has no CRS", fix="set its CRS before linking")
    pts = points if crs_equal(points.crs, WORKING_CRS) else points.to_crs(WORKING_CRS)
    par = parcels if crs_equal(parcels.crs, WORKING_CRS) else parcels.to_crs(WORKING_CRS)
    par = par.sort_values("parcel_id", kind="stable").reset_index(drop=True)
    pids = par["parcel_id"].to_numpy()
    geoms = pts.geometry.values
    n = len(pts)
    best = np.full(n, -1)
    dist = np.full(n, np.nan)
    if mode == "nearest":
        radius = float(
            max_distance_m
            if max_distance_m is not None
            else (rules or load_rules()).value("link.point_max_distance_m")
        )
        (ip, jp), d = par.sindex.nearest(geoms, max_distance=radius, return_all=True, return_distance=True)
        for i, j, dd in sorted(zip(ip, jp, d, strict=True)):  # sorted: lowest parcel index (= id) first
            if best[i] < 0:
                best[i], dist[i] = j, dd
    else:
        ip, jp = par.sindex.query(geoms, predicate="intersects")
        score = np.zeros(len(ip))
        if mode == "largest_overlap":
            score = np.asarray(
                shapely.area(shapely.intersection(geoms[ip], par.geometry.values[jp])), dtype=float
            )
        order = np.lexsort((jp, -score, ip))
        for k in order:
            if best[ip[k]] < 0:
                best[ip[k]], dist[ip[k]] = jp[k], 0.0
    parcel_id = pd.Series([pids[j] if j >= 0 else None for j in best], index=pts.index, dtype="str")
    return pd.DataFrame({"parcel_id": parcel_id, "distance_m": pd.Series(dist, index=pts.index)})
