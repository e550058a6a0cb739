"""What changed between two snapshots: parcels closed, newly or no longer low-efficiency, by town.

Vectorised over parcels: the firms' ``parcel_ids`` are split and exploded, never looped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruian_land.monitor.base import Snapshot
from ruian_land.screening import STATUS_CLOSED, UNKNOWN_TOWN

__all__ = ["CHANGE_KINDS", "changed_parcels", "town_changes"]

#: Change kinds of a parcel, in the map's drawing order (Chinese legend label, colour).
CHANGE_KINDS: dict[str, tuple[str, str]] = {
    "closed": ("本期销号企业用地", "#1b9e77"),
    "new_low_efficiency": ("新增低效用地", "#d95f02"),
    "no_longer_low_efficiency": ("不再低效", "#7570b3"),
}


def _closed_parcels(snap: Snapshot | None) -> set[str]:
    if snap is None or "parcel_ids" not in snap.firms.columns:
        return set()
    f = snap.firms
    closed = f["status"].astype(str) == STATUS_CLOSED
    ids = f.loc[closed, "parcel_ids"].astype(object).where(f.loc[closed, "parcel_ids"].notna(), "")
    parts = ids.astype(str).str.split(";").explode().str.strip()
    return set(parts[parts != ""])


def _flag(snap: Snapshot | None, col: str) -> pd.Series:
    if snap is None or col not in snap.parcels.columns:
        return pd.Series(dtype=bool)
    p = snap.parcels
    return (
        pd.Series(p[col].fillna(False).astype(bool).to_numpy(), index=p["parcel_id"].astype(str))
        .groupby(level=0)
        .any()
    )


def changed_parcels(latest: Snapshot, previous: Snapshot | None) -> pd.DataFrame:
    """The latest snapshot's parcels that changed since the previous one.

    Returns
    -------
    DataFrame or GeoDataFrame
        Rows of ``latest.parcels`` (geometry kept when present) with ``change`` (a key of
        :data:`CHANGE_KINDS`) and ``change_zh``; a parcel of a firm closed this period is
        ``closed`` whatever else changed. Empty for the first period.
    """
    p = latest.parcels
    if previous is None:
        out = p.iloc[0:0].copy()
        out["change"], out["change_zh"] = pd.Series(dtype=object), pd.Series(dtype=object)
        return out
    pid = p["parcel_id"].astype(str)
    now_low = pid.map(_flag(latest, "is_low_efficiency")).fillna(False).astype(bool)
    was_low = pid.map(_flag(previous, "is_low_efficiency"))
    newly_closed = _closed_parcels(latest) - _closed_parcels(previous)
    change = np.select(
        [pid.isin(newly_closed), now_low & (was_low == False), ~now_low & (was_low == True)],  # noqa: E712
        ["closed", "new_low_efficiency", "no_longer_low_efficiency"],
        default="",
    )
    out = p.loc[change != ""].copy()
    out["change"] = change[change != ""]
    out["change_zh"] = out["change"].map({k: v[0] for k, v in CHANGE_KINDS.items()})
    return out


def town_changes(latest: Snapshot, previous: Snapshot | None) -> pd.DataFrame:
    """Low-efficiency and idle land by town in the latest and the previous snapshot (亩).

    Returns
    -------
    DataFrame
        Index ``town``; ``low_efficiency_mu``, ``previous_low_efficiency_mu``,
        ``low_efficiency_change_mu``, ``idle_mu``, ``previous_idle_mu``, ``idle_change_mu``
        (previous columns NaN for the first period).
    """

    def by_town(snap: Snapshot | None) -> pd.DataFrame:
        if snap is None:
            return pd.DataFrame(columns=["low", "idle"], dtype=float)
        p = snap.parcels
        town = p["town"].astype(object).where(p["town"].notna(), UNKNOWN_TOWN).astype(str)
        area = pd.to_numeric(p["area_mu"], errors="coerce").fillna(0.0)
        frame = pd.DataFrame(
            {
                "low": area.where(p["is_low_efficiency"].fillna(False).astype(bool), 0.0),
                "idle": area.where(p["is_idle"].fillna(False).astype(bool), 0.0),
            }
        )
        return frame.groupby(town.to_numpy()).sum()

    now, before = by_town(latest), by_town(previous)
    towns = sorted(set(now.index) | set(before.index))
    out = pd.DataFrame(index=pd.Index(towns, name="town"))
    out["low_efficiency_mu"] = now["low"].reindex(towns).fillna(0.0)
    out["previous_low_efficiency_mu"] = before["low"].reindex(towns) if previous is not None else np.nan
    out["low_efficiency_change_mu"] = out["low_efficiency_mu"] - out["previous_low_efficiency_mu"]
    out["idle_mu"] = now["idle"].reindex(towns).fillna(0.0)
    out["previous_idle_mu"] = before["idle"].reindex(towns) if previous is not None else np.nan
    out["idle_change_mu"] = out["idle_mu"] - out["previous_idle_mu"]
    if previous is not None:
        out[["previous_low_efficiency_mu", "previous_idle_mu"]] = out[
            ["previous_low_efficiency_mu", "previous_idle_mu"]
        ].fillna(0.0)
        out["low_efficiency_change_mu"] = out["low_efficiency_mu"] - out["previous_low_efficiency_mu"]
        out["idle_change_mu"] = out["idle_mu"] - out["previous_idle_mu"]
    return out
