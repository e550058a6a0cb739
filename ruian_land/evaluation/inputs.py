"""Inputs of the 亩均效益 evaluation: checks of the firm table, and values derived from occupancy.

* checks: one row per firm with a unique ``uscc``; booleans; dates;
* :func:`land_grant_dates`: when each firm got its land (land-grant exemption, RULES.md §2);
* :func:`landlords` and :func:`tenant_counts`: who leases from whom (tenant takes landlord's class;
  Wenling lease penalty), from a ``landlord_uscc`` column or from ``occupancy.links``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ruian_land.config import ProjectConfig
from ruian_land.core import InputError

__all__ = [
    "as_of_timestamp",
    "bool_column",
    "check_firms",
    "codes",
    "date_column",
    "land_grant_dates",
    "landlords",
    "tenant_counts",
]


def bool_column(frame: pd.DataFrame, column: str, *, required: bool) -> pd.Series:
    """``frame[column]`` as bool (NaN → False); an absent column is all False unless ``required``.

    Raises
    ------
    InputError
        Absent while required, a value that is not True/False/0/1, or a blank while required.
    """
    if column not in frame.columns:
        if required:
            raise InputError(
                f"column '{column}' is missing from the firm table",
                column=column,
                fix=f"supply '{column}' as True/False (see docs/CONTRACTS.md §2)",
            )
        return pd.Series(False, index=frame.index)
    raw = frame[column]
    if raw.dtype == bool:
        return raw
    ok = raw.isna() | raw.isin([True, False, 0, 1])
    if not ok.all() or (required and raw.isna().any()):
        pos = int(np.flatnonzero((~ok | raw.isna() if required else ~ok).to_numpy())[0])
        raise InputError(
            f"value {raw.iloc[pos]!r} is not True/False",
            column=column,
            row=f"{frame.index[pos]} (uscc {frame['uscc'].iloc[pos]})",
            fix="use True/False (是/否 and 规上/规下 are mapped when the registry is read)",
        )
    return raw.fillna(False).astype(bool)


def check_firms(firms: pd.DataFrame) -> None:
    """Check one row per firm: unique index, a ``uscc`` column without duplicates (InputError otherwise)."""
    if not firms.index.is_unique:
        raise InputError(
            "the firm table's index has duplicates",
            fix="give one row per firm (reset_index or dedupe by uscc)",
        )
    if "uscc" not in firms.columns:
        raise InputError("column 'uscc' is missing from the firm table", column="uscc", fix="supply uscc")
    codes = firms["uscc"]
    dup = codes.notna() & codes.duplicated(keep=False)
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"uscc {codes.iloc[pos]} appears on more than one row",
            column="uscc",
            row=str(firms.index[pos]),
            fix="merge the rows of the same firm before evaluating",
        )


def as_of_timestamp(as_of: Any) -> pd.Timestamp:
    """The evaluation date as a Timestamp; ``None`` → the project config's default ``evaluation_date``."""
    if as_of is None:
        as_of = ProjectConfig.model_fields["evaluation_date"].default
    try:
        return pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise InputError(f"as_of = {as_of!r} is not a date", fix="pass a date such as 2021-12-31") from None


def date_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """``frame[column]`` as datetime64[ns] (NaT when blank); InputError naming the column if unreadable."""
    try:
        return pd.to_datetime(frame[column], errors="raise").astype("datetime64[ns]")
    except (TypeError, ValueError):
        raise InputError(
            "dates could not be read", column=column, fix="use dates such as 2019-06-30 (blank if unknown)"
        ) from None


def codes(series: pd.Series) -> pd.Series:
    """Codes as stripped strings, blank → NA."""
    codes = series.astype("string").str.strip()
    return codes.mask(codes == "")


def land_grant_dates(firms: pd.DataFrame, occupancy: Any = None, parcels: Any = None) -> pd.Series:
    """Land grant date of each firm, for the land-grant exemption (``evaluation.land_grant_years``).

    Parameters
    ----------
    firms : DataFrame
        ``uscc``; optional ``land_granted_date`` (dates), which wins where filled in.
    occupancy : link.Occupancy, optional
        Its ``links`` (``uscc``, ``parcel_id``, ``tenure``) say which parcels each firm owns.
    parcels : DataFrame, optional
        ``parcel_id`` and ``grant_date`` (供地日期).

    Returns
    -------
    Series of datetime64[ns], same index as ``firms``: the ``land_granted_date`` column, else the
    earliest ``grant_date`` of the parcels the firm owns (a firm on old land that also got a new
    parcel is not exempt); NaT when unknown or when the firm only leases.
    """
    out = (
        date_column(firms, "land_granted_date")
        if "land_granted_date" in firms.columns
        else pd.Series(pd.NaT, index=firms.index, dtype="datetime64[ns]")
    )
    links = getattr(occupancy, "links", None)
    if (
        isinstance(links, pd.DataFrame)
        and {"uscc", "parcel_id", "tenure"} <= set(links.columns)
        and isinstance(parcels, pd.DataFrame)
        and {"parcel_id", "grant_date"} <= set(parcels.columns)
    ):
        granted = pd.to_datetime(
            parcels.drop_duplicates("parcel_id").set_index("parcel_id")["grant_date"], errors="coerce"
        ).astype("datetime64[ns]")
        own = links.loc[links["tenure"] == "own", ["uscc", "parcel_id"]]
        earliest = own.assign(d=own["parcel_id"].map(granted)).groupby("uscc")["d"].min()
        out = out.fillna(firms["uscc"].map(earliest).astype("datetime64[ns]"))
    return out


def _lease_pairs(firms: pd.DataFrame, occupancy: Any) -> pd.DataFrame | None:
    """Tenant → landlord pairs (``tenant``, ``landlord``, ``parcel_id``, ``area``), or None when unknown."""
    cols = ["tenant", "landlord", "parcel_id", "area"]
    if "landlord_uscc" in firms.columns:
        pairs = pd.DataFrame(
            {
                "tenant": codes(firms["uscc"]),
                "landlord": codes(firms["landlord_uscc"]),
                "parcel_id": "",
                "area": np.nan,
            }
        )
    else:
        links = getattr(occupancy, "links", None)
        if not isinstance(links, pd.DataFrame) or not {"uscc", "parcel_id", "tenure"} <= set(links.columns):
            return None
        owners = (
            links.loc[links["tenure"] == "own"]
            .sort_values(["parcel_id", "uscc"], kind="mergesort")
            .drop_duplicates("parcel_id")
            .set_index("parcel_id")["uscc"]
        )
        leases = links.loc[links["tenure"] == "lease"]
        area = next((c for c in ("land_area_m2", "land_area_mu") if c in leases.columns), None)
        pairs = pd.DataFrame(
            {
                "tenant": codes(leases["uscc"]),
                "landlord": codes(leases["parcel_id"].map(owners)),
                "parcel_id": leases["parcel_id"].astype("string"),
                "area": leases[area].astype("float64") if area else np.nan,
            }
        )
    keep = pairs["landlord"].notna() & pairs["tenant"].notna() & (pairs["landlord"] != pairs["tenant"])
    return pairs.loc[keep, cols].reset_index(drop=True)


def landlords(firms: pd.DataFrame, occupancy: Any = None) -> pd.Series:
    """Landlord ``uscc`` of each tenant firm (NA for firms that lease from nobody).

    Parameters
    ----------
    firms : DataFrame
        ``uscc``; optional ``landlord_uscc``, which is used as given when present.
    occupancy : link.Occupancy, optional
        Otherwise its ``links``: the owner of the parcel the firm leases most of (ties: smallest
        ``parcel_id``).

    Returns
    -------
    Series of string, same index as ``firms``.
    """
    pairs = _lease_pairs(firms, occupancy)
    if pairs is None or pairs.empty:
        return pd.Series(pd.NA, index=firms.index, dtype="string")
    ordered = pairs.sort_values(
        ["area", "parcel_id"], ascending=[False, True], kind="mergesort", na_position="last"
    )
    first: pd.Series = ordered.drop_duplicates("tenant").set_index("tenant")["landlord"]
    return codes(firms["uscc"]).map(first).astype("string")


def tenant_counts(firms: pd.DataFrame, occupancy: Any = None) -> pd.Series:
    """Number of distinct tenant firms of each firm (its land leased to others), for the lease penalty.

    Parameters
    ----------
    firms : DataFrame
        ``uscc``; with a ``landlord_uscc`` column the tenants are the firms naming it.
    occupancy : link.Occupancy, optional
        Otherwise the firms with a ``lease`` link on a parcel this firm owns (``own`` link).

    Returns
    -------
    Series of Int64, same index as ``firms`` (0 when none or unknown).
    """
    pairs = _lease_pairs(firms, occupancy)
    out = pd.Series(0, index=firms.index, dtype="Int64")
    if pairs is None or pairs.empty:
        return out
    counts = pairs.drop_duplicates(["landlord", "tenant"]).groupby("landlord").size()
    return codes(firms["uscc"]).map(counts).fillna(0).astype("Int64")
