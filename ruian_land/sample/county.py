"""One clean replica of the sample county (before faults are planted): geometry, holders,
firms, leases and every figure, with English column names. :mod:`ruian_land.sample` plants
the faults and writes the bureaus' files from this."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity

from ruian_land.core import M2_PER_MU
from ruian_land.rules import RuleSet
from ruian_land.sample.boundary import seats_working
from ruian_land.sample.economy import firm_economics
from ruian_land.sample.firms import (
    NEW_STATUSES,
    assign_ownership,
    assign_parcel_status,
    identify,
    make_leases,
    registry_attributes,
)
from ruian_land.sample.geometry import Layout, make_layout
from ruian_land.sample.land import is_idle, parcel_buildings, parcel_dates, parcel_ids
from ruian_land.sample.params import SampleParams

__all__ = ["Replica", "build_replica", "firm_land"]


@dataclass
class Replica:
    """A clean county: ``parcels`` (GeoDataFrame, EPSG:4549, canonical names plus ``status``,
    ``owner_fid``, ``cluster``, ``block_id``, ``far``, ``coverage``, ``idle``), ``firms`` (index
    ``fid``, registry and economic columns), ``leases`` (``fid, parcel_id, leased_area_m2,
    lessor_name``), ``layout`` (towns, clusters, parks, control lines) and the outline."""

    parcels: gpd.GeoDataFrame
    firms: pd.DataFrame
    leases: pd.DataFrame
    layout: Layout
    outline: shapely.Geometry
    county_code: str


def _rng(seed: int, replica: int, stage: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, replica, stage]))


def firm_land(parcels: pd.DataFrame, leases: pd.DataFrame, mask: np.ndarray | None = None) -> pd.Series:
    """Land each firm occupies (m²): owned parcels minus leased-out area, plus leased area.

    Parameters
    ----------
    parcels : DataFrame
        ``owner_fid, area_m2`` (index = parcel position used by ``leases.parcel_index``).
    leases : DataFrame
        ``fid, parcel_index, leased_area_m2``.
    mask : ndarray of bool, optional
        Only count these parcels (e.g. the productive ones).
    """
    sel = parcels if mask is None else parcels[mask]
    own = sel[sel["owner_fid"] >= 0].groupby("owner_fid")["area_m2"].sum()
    ls = leases[leases["parcel_index"].isin(sel.index)]
    out_by_parcel = ls.groupby("parcel_index")["leased_area_m2"].sum()
    lessor = parcels.loc[out_by_parcel.index, "owner_fid"]
    leased_out = out_by_parcel.groupby(lessor.to_numpy()).sum()
    leased_in = ls.groupby("fid")["leased_area_m2"].sum()
    return own.sub(leased_out, fill_value=0).add(leased_in, fill_value=0)


def build_replica(
    seed: int,
    replica: int,
    scale: float,
    outline: shapely.Geometry,
    offset: tuple[float, float],
    params: SampleParams,
    rules: RuleSet,
    evaluation_date: dt.date,
    county_code: str,
) -> Replica:
    """Build one clean county (see :class:`Replica`).

    ``outline`` is Ruian's outline in EPSG:4549; the replica is built on it shifted by
    ``offset`` (dx, dy) metres (``(0, 0)`` for the county itself).
    """
    land = max(getattr(outline, "geoms", [outline]), key=lambda g: g.area)
    seats = seats_working(land)
    dx, dy = offset
    seats["x"] += dx
    seats["y"] += dy
    outline = shapely.affinity.translate(outline, dx, dy)
    layout = make_layout(_rng(seed, replica, 1), seats, outline, params, scale)
    p = layout.parcels
    p["area_m2"] = p.geometry.area
    cent = p.geometry.centroid
    p["cx"], p["cy"] = cent.x, cent.y
    p["status"] = assign_parcel_status(_rng(seed, replica, 2), p, params)
    firms, holders = assign_ownership(_rng(seed, replica, 3), p, params, scale)
    leases = make_leases(_rng(seed, replica, 4), firms, p.join(holders), holders)
    firms, holders = identify(_rng(seed, replica, 10), firms, p, holders, county_code)
    p = p.join(holders)
    dates = parcel_dates(_rng(seed, replica, 5), p["status"], evaluation_date, rules)
    p = p.join(dates)
    # land in use
    productive = ~p["status"].isin(NEW_STATUSES).to_numpy()
    land_all = firm_land(p, leases)
    land_prod = firm_land(p, leases, productive)
    first_grant = p[p["owner_fid"] >= 0].groupby("owner_fid")["grant_date"].min()
    building = p.loc[
        p["status"].isin(["under_construction", "not_yet_due"]) & (p["owner_fid"] >= 0), "owner_fid"
    ]
    building = pd.Index(building[firms.loc[building, "new_land"].to_numpy()].unique())
    reg = registry_attributes(
        _rng(seed, replica, 6),
        firms,
        first_grant,
        building,
        evaluation_date,
        int(rules.value("evaluation.new_firm_years")),
    )
    eco = firm_economics(_rng(seed, replica, 7), firms, reg, land_all, land_prod, params, rules, scale)
    firms = firms.drop(columns=["_year_hint"]).join(reg).join(eco)
    firms["land_m2"] = land_all.reindex(firms.index)
    firms["land_mu"] = firms["land_m2"] / M2_PER_MU
    firms["tax_per_mu"] = firms["tax_wan"] / firms["land_mu"]
    # buildings: low FAR more likely under low-tax holders
    owner_tpm = p["owner_fid"].map(firms["tax_per_mu"]).to_numpy(dtype=float)
    low_tax = np.nan_to_num(owner_tpm, nan=0.0) < 0.5 * params.tax_per_mu_median_below
    p = p.join(parcel_buildings(_rng(seed, replica, 8), p, low_tax, params, rules))
    rng9 = _rng(seed, replica, 9)
    dev = np.flatnonzero((p["status"] == "developed").to_numpy() & (p["owner_fid"] >= 0).to_numpy())
    n_check = max(1, round(params.field_check_share * len(p)))
    p["field_check"] = False
    p.loc[p.index[rng9.choice(dev, n_check, replace=False)], "field_check"] = True
    p["land_use"] = np.where(
        (p["status"] == "other_owner") & (rng9.random(len(p)) < 0.6)
        | (rng9.random(len(p)) < params.warehouse_share),
        "仓储用地",
        "工业用地",
    )
    p["recorded_area_m2"] = np.round(p["area_m2"] * (1 + rng9.normal(0, 0.004, len(p))), 2)
    p["parcel_id"] = parcel_ids(p, county_code)
    p["park_name"] = _park_names(p, layout.parks)
    p["idle"] = is_idle(p, evaluation_date, rules)
    leases = leases.assign(
        parcel_id=p["parcel_id"].to_numpy()[leases["parcel_index"].to_numpy()],
        lessor_name=p["owner_name"].to_numpy()[leases["parcel_index"].to_numpy()],
    )
    return Replica(p, firms, leases, layout, outline, county_code)


def _park_names(parcels: gpd.GeoDataFrame, parks: gpd.GeoDataFrame) -> pd.Series:
    """Park name of the park containing each parcel's centroid ("" outside parks)."""
    out = pd.Series("", index=parcels.index, dtype=object)
    pts = shapely.points(parcels["cx"].to_numpy(), parcels["cy"].to_numpy())
    for _, park in parks.iterrows():
        inside = shapely.contains(park.geometry, pts)
        out[inside & (out == "").to_numpy()] = park["名称"]
    return out
