"""The land a 腾笼换鸟 scenario can free: freeable parcels, their occupants, idle vacant parcels.

A parcel is freeable when every occupant is a candidate; :class:`ScenarioParcels` is the frame
the model is built from and the results are read against.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ruian_land.control_lines import inside_share
from ruian_land.core import InputError
from ruian_land.scenario.candidates import numeric_column
from ruian_land.screening import Screening

__all__ = ["ScenarioParcels", "control_line_share", "parcel_table"]


def _parcel_attr(parcels: pd.DataFrame, screening: Screening, col: str) -> pd.Series:
    for src in (parcels, screening.parcels):
        if col in src.columns and "parcel_id" in src.columns:
            s = src.drop_duplicates("parcel_id")
            return pd.Series(s[col].to_numpy(), index=s["parcel_id"].astype(str))
    return pd.Series(dtype=object)


def control_line_share(parcels: pd.DataFrame, control_lines: gpd.GeoDataFrame | None) -> pd.Series:
    """Share of each parcel inside the 工业用地控制线 by parcel_id (NaN = unknown)."""
    if "inside_control_line_share" in parcels.columns:
        vals = pd.to_numeric(parcels["inside_control_line_share"], errors="coerce")
        return pd.Series(vals.to_numpy(), index=parcels["parcel_id"].astype(str))
    if control_lines is not None and isinstance(parcels, gpd.GeoDataFrame):
        vals = inside_share(parcels, control_lines)
        return pd.Series(vals.to_numpy(), index=parcels["parcel_id"].astype(str))
    return pd.Series(dtype=float)


@dataclass
class ScenarioParcels:
    """The scenario's parcel frame (built by :func:`parcel_table`)."""

    freeable: pd.DataFrame  # parcel_id, area_mu, town, far, n_occ
    pairs: pd.DataFrame  # parcel_id, uscc, land_area_mu, p (index), f (index)
    idle: pd.DataFrame  # parcel_id, area_mu, town, idle_recovery (taken back in the first year)


def parcel_table(
    screening: Screening, links: pd.DataFrame, parcels: pd.DataFrame, cand: pd.DataFrame
) -> ScenarioParcels:
    """Freeable occupied parcels (every occupant a candidate), their occupants, vacant idle parcels."""
    sp = screening.parcels
    area = pd.to_numeric(sp.set_index(sp["parcel_id"].astype(str))["area_mu"], errors="coerce")
    if "area_mu" in parcels.columns and "parcel_id" in parcels.columns:
        area = pd.to_numeric(parcels.set_index(parcels["parcel_id"].astype(str))["area_mu"], errors="coerce")
    area = area[~area.index.duplicated()]
    for col in ("uscc", "parcel_id"):
        if col not in links.columns:
            raise InputError("occupancy links lack a column", column=col, fix="pass link.Occupancy.links")
    lk = pd.DataFrame(
        {
            "parcel_id": links["parcel_id"].astype(str).to_numpy(),
            "uscc": links["uscc"].astype(str).to_numpy(),
            "land_area_mu": numeric_column(links, "land_area_mu").to_numpy(),
        }
    )
    lk = lk.loc[lk["parcel_id"].astype(object).isin(area.index.astype(object))].drop_duplicates(
        ["parcel_id", "uscc"]
    )
    f_index = pd.Series(np.arange(len(cand)), index=cand["uscc"])
    lk["is_cand"] = lk["uscc"].astype(object).isin(f_index.index.astype(object))
    all_cand = lk.groupby("parcel_id")["is_cand"].all()
    ids = sorted(all_cand.index[all_cand])
    pairs = (
        lk.loc[lk["parcel_id"].astype(object).isin(pd.Index(ids, dtype=object))]
        .sort_values(["parcel_id", "uscc"])
        .reset_index(drop=True)
    )
    freeable = pd.DataFrame({"parcel_id": ids})
    freeable["area_mu"] = freeable["parcel_id"].map(area).fillna(0.0).astype(float)
    town = _parcel_attr(parcels, screening, "town")
    freeable["town"] = freeable["parcel_id"].map(town).astype(object)
    freeable["far"] = pd.to_numeric(freeable["parcel_id"].map(_parcel_attr(parcels, screening, "far")),
                                    errors="coerce")  # fmt: skip
    freeable["n_occ"] = freeable["parcel_id"].map(pairs.groupby("parcel_id").size()).fillna(0).astype(int)
    pairs["p"] = pairs["parcel_id"].map(pd.Series(np.arange(len(ids)), index=ids)).astype(int)
    pairs["f"] = pairs["uscc"].map(f_index).astype(int)
    occupied = pd.Index(lk["parcel_id"].unique(), dtype=object)
    idle = sp.loc[
        sp["is_idle"].astype(bool) & ~sp["parcel_id"].astype(str).astype(object).isin(occupied), ["parcel_id"]
    ].copy()
    idle["parcel_id"] = idle["parcel_id"].astype(str)
    idle["area_mu"] = idle["parcel_id"].map(area).fillna(0.0).astype(float)
    idle["town"] = idle["parcel_id"].map(town).astype(object)
    due = _parcel_attr(parcels, screening, "idle_recovery")
    idle["idle_recovery"] = idle["parcel_id"].map(due).astype("boolean").fillna(False).astype(bool)
    idle = idle.sort_values("parcel_id").reset_index(drop=True)
    return ScenarioParcels(freeable, pairs, idle)
