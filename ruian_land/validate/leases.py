"""Leases (租赁): each lease checked against the validated parcels and firms (blank codes, areas,
unknown parcels and firms, self-leases, duplicates).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ruian_land.core import Ledger, normalise_parcel_ids
from ruian_land.validate.rows import dedupe, ledger_value, uscc_column

__all__ = ["validate_leases"]


def validate_leases(
    leases: pd.DataFrame | None, parcels: gpd.GeoDataFrame, firms: pd.DataFrame, ledger: Ledger
) -> pd.DataFrame:
    """Check leases against the validated parcels and firms.

    Parameters
    ----------
    leases : DataFrame or None
        Mapped lease table (``uscc``, ``parcel_id``, ``leased_area_m2`` in m², ``source_row``).
    parcels, firms : frames
        Validated parcels (``parcel_id``, ``owner_uscc``) and firms (``uscc``).
    ledger : Ledger
        Receives events for input ``leases``.

    Returns
    -------
    DataFrame
        ``uscc``, ``parcel_id``, ``leased_area_m2``, ``lessor_name``, ``name``, ``source_row``
        (index ``0..n-1``). Rejected: blank codes, area missing or ≤ 0, unknown parcel, unknown
        firm, a lessee that owns the parcel, duplicates per (uscc, parcel_id).
    """
    cols = ["uscc", "parcel_id", "leased_area_m2", "lessor_name", "name", "source_row"]
    if leases is None or leases.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "leased_area_m2" else "str") for c in cols})
    df = uscc_column(leases, "leases", ledger, flag_invalid=False)
    df["parcel_id"] = normalise_parcel_ids(df["parcel_id"]).astype("str")
    owners = dict(
        zip(parcels["parcel_id"], parcels.get("owner_uscc", pd.Series(index=parcels.index)), strict=True)
    )
    firm_codes = set(firms["uscc"])
    keep = []
    rows = zip(
        df.index,
        df["source_row"].tolist(),
        df["parcel_id"].tolist(),
        df["uscc"].tolist(),
        df["leased_area_m2"].tolist(),
        strict=True,
    )
    for i, source_row, pid, code, area in rows:
        row = int(source_row)
        if pd.isna(pid):
            ledger.record("leases", row, "parcel_id", "missing_id", "rejected", "宗地代码 is blank")
        elif pd.isna(area) or area <= 0:
            ledger.record(
                "leases",
                row,
                "leased_area_m2",
                "bad_area",
                "rejected",
                f"leased area {ledger_value(area)} m² is not positive",
            )
        elif pid not in owners:
            ledger.record(
                "leases",
                row,
                "parcel_id",
                "unknown_parcel",
                "rejected",
                f"parcel {pid} is not among the valid parcels",
            )
        elif code not in firm_codes:
            ledger.record(
                "leases", row, "uscc", "unknown_firm", "rejected", f"lessee {code} is not in the registry"
            )
        elif owners[pid] == code:
            ledger.record(
                "leases",
                row,
                "uscc",
                "self_lease",
                "rejected",
                f"{code} owns parcel {pid}; a lease to itself adds nothing",
            )
        else:
            keep.append(i)
    df = dedupe(df.loc[keep], ["uscc", "parcel_id"], ["leased_area_m2", "lessor_name"], "leases", ledger)
    for c in cols:
        if c not in df.columns:
            df[c] = None
    return df[[*cols, *[c for c in df.columns if c not in cols]]].reset_index(drop=True)
