"""Faults planted in the sample county, as real deliveries have them.

* Geometry: self-intersecting bow-tie rings and spikes (≈ 2 % of parcels), thin slivers
  (≈ 0.2 %, extra records), exact duplicate records (same 宗地代码 and geometry, ≈ 0.2 %).
* Codes: ≈ 1 % of firms carry a wrong GB 32100-2015 check character, mostly in every table
  (the code was registered wrong) and sometimes in one table only (a typo there); ≈ 0.5 % are
  written in one table with full-width characters, lower case or spaces, which
  :func:`ruian_land.core.codes.normalise_uscc` repairs.

Every planted fault is listed in the returned truth frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ruian_land.core import USCC_ALPHABET
from ruian_land.sample.params import SampleParams

__all__ = ["TABLES", "code_faults", "geometry_faults", "to_fullwidth"]

#: Tables in which a firm's code is written.
TABLES = ("registry", "tax", "statistics", "energy", "emissions", "leases", "parcels")


def to_fullwidth(text: str) -> str:
    """ASCII letters and digits → full-width forms (U+FF10…); NFKC maps them back."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _bowtie(poly: shapely.Polygon, rng: np.random.Generator) -> shapely.Geometry | None:
    ring = np.asarray(poly.exterior.coords)[:-1]
    if len(ring) < 4:
        return None
    i = int(rng.integers(0, len(ring) - 1))
    ring[[i, i + 1]] = ring[[i + 1, i]]
    out = shapely.Polygon(ring)
    return None if out.is_valid else out


def _spike(poly: shapely.Polygon, rng: np.random.Generator) -> shapely.Geometry | None:
    ring = np.asarray(poly.exterior.coords)[:-1]
    i = int(rng.integers(0, len(ring)))
    p = ring[i]
    c = np.asarray(poly.centroid.coords[0])
    d = (p - c) / max(np.linalg.norm(p - c), 1e-9)
    tip = p + d * rng.uniform(15.0, 60.0)
    new = np.vstack([ring[: i + 1], tip, p, ring[i + 1 :]])
    out = shapely.Polygon(new)
    return None if out.is_valid else out


def _sliver(poly: shapely.Polygon, rng: np.random.Generator) -> shapely.Geometry:
    """A thin strip (0.2-0.6 m wide) along the longest edge of ``poly``, just outside it."""
    ring = np.asarray(poly.exterior.coords)
    seg = np.diff(ring, axis=0)
    k = int(np.argmax(np.hypot(seg[:, 0], seg[:, 1])))
    a, b = ring[k], ring[k + 1]
    line = shapely.LineString([a, b])
    w = rng.uniform(0.2, 0.6)
    strip = line.buffer(w, cap_style="flat")
    return shapely.difference(strip, poly.buffer(0.05)).buffer(0)


def geometry_faults(
    rng: np.random.Generator, parcels: pd.DataFrame, params: SampleParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plant invalid rings, slivers and duplicates.

    Parameters
    ----------
    parcels : GeoDataFrame
        Clean parcels (valid geometry), canonical columns, sorted as they will be written.

    Returns
    -------
    parcels : DataFrame
        With faulty geometries swapped in, sliver records and duplicate records inserted
        (new index 0..n-1); column ``fault`` in ``"" | bowtie | spike | sliver | duplicate``.
    truth : DataFrame
        ``parcel_id, fault, true_geometry`` for each planted fault.
    """
    out = parcels.copy()
    n = len(out)
    fault = np.full(n, "", dtype=object)
    truth = []
    k_invalid = max(1, round(params.invalid_geometry_share * n))
    done = 0
    geoms = out.geometry.to_numpy().copy()
    for i in rng.permutation(n):
        if done >= k_invalid:
            break
        g = geoms[i]
        if g.geom_type != "Polygon":
            continue
        kind = "bowtie" if rng.random() < 0.6 else "spike"
        bad = _bowtie(g, rng) if kind == "bowtie" else _spike(g, rng)
        if bad is None:
            continue
        truth.append({"parcel_id": out["parcel_id"].iat[i], "fault": kind, "true_geometry": g})
        geoms[i] = bad
        fault[i] = kind
        done += 1
    out["geometry"] = geoms
    out["fault"] = fault
    # slivers: new records next to a parcel, same 地籍子区, sequence from 90001
    k_sliver = max(1, round(params.sliver_share * n))
    rows = []
    for j, i in enumerate(rng.choice(n, size=k_sliver, replace=False)):
        base = parcels.iloc[i]
        if base.geometry.geom_type != "Polygon":
            continue
        s = _sliver(base.geometry, rng)
        if s.is_empty:
            continue
        rec: dict[str, object] = dict.fromkeys(out.columns)
        rec.update(
            {
                "parcel_id": f"{str(base['parcel_id'])[:14]}{90001 + j:05d}",
                "owner_name": "",
                "owner_uscc": "",
                "land_use": "工业用地",
                "recorded_area_m2": round(s.area, 2),
                "town": base["town"],
                "park_name": base["park_name"],
                "government_delay": False,
                "fault": "sliver",
                "geometry": s,
            }
        )
        rows.append(rec)
        truth.append({"parcel_id": rec["parcel_id"], "fault": "sliver", "true_geometry": s})
    # duplicates: exact copies inserted at random positions
    k_dup = max(1, round(params.duplicate_share * n))
    dup_idx = rng.choice(np.flatnonzero(out["fault"].to_numpy() == ""), size=k_dup, replace=False)
    dups = out.iloc[dup_idx].copy()
    for pid, g in zip(dups["parcel_id"], dups.geometry, strict=True):
        truth.append({"parcel_id": pid, "fault": "duplicate", "true_geometry": g})
    extra = pd.concat([pd.DataFrame(rows), dups.assign(fault="duplicate")], ignore_index=True)
    pos = np.sort(rng.integers(0, len(out) + 1, size=len(extra)))
    pieces, last = [], 0
    for e_i, p in enumerate(pos):
        pieces.append(out.iloc[last:p])
        pieces.append(extra.iloc[[e_i]])
        last = p
    pieces.append(out.iloc[last:])
    return pd.concat(pieces, ignore_index=True), pd.DataFrame(truth)


def code_faults(
    rng: np.random.Generator, firms: pd.DataFrame, present: dict[str, pd.Index], params: SampleParams
) -> tuple[dict[str, pd.Series], pd.DataFrame]:
    """Codes as each table writes them.

    Parameters
    ----------
    firms : DataFrame
        Index ``fid``, column ``uscc`` (the true, valid code) and ``utility``.
    present : dict
        For each name in :data:`TABLES`, the ``fid`` of the firms that appear in it.

    Returns
    -------
    written : dict of Series
        Per table: the code string written for each ``fid`` present.
    truth : DataFrame
        One row per fault: ``fid, true_uscc, table`` (``"all"`` when in every table),
        ``written, kind`` (``wrong_check | fullwidth | lowercase | spaces``).
    """
    written = {t: firms.loc[present[t], "uscc"].astype(object).copy() for t in TABLES}
    rows = []
    eligible = firms.index[firms["utility"] < 0].to_numpy()
    n_wrong = max(1, round(params.wrong_check_share * len(firms)))
    n_variant = max(1, round(params.format_variant_share * len(firms)))
    chosen = rng.choice(eligible, size=n_wrong + n_variant, replace=False)
    for j, fid in enumerate(chosen):
        code = str(firms.at[fid, "uscc"])
        tables_of = [t for t in TABLES if fid in present[t].values]
        if j < n_wrong:
            alt = [c for c in USCC_ALPHABET if c != code[-1]]
            bad = code[:-1] + str(rng.choice(alt))
            if rng.random() < params.wrong_check_one_table_share and len(tables_of) > 1:
                t = str(rng.choice(tables_of))
                written[t].loc[fid] = bad
                rows.append(
                    {"fid": fid, "true_uscc": code, "table": t, "written": bad, "kind": "wrong_check"}
                )
            else:
                for t in tables_of:
                    written[t].loc[fid] = bad
                rows.append(
                    {"fid": fid, "true_uscc": code, "table": "all", "written": bad, "kind": "wrong_check"}
                )
        else:
            choices = [t for t in tables_of if t not in ("registry", "parcels")] or tables_of
            t = str(rng.choice(choices))
            kinds = ["fullwidth", "spaces"] + (["lowercase"] if any(c.isalpha() for c in code) else [])
            kind = str(rng.choice(kinds))
            if kind == "fullwidth":
                w = to_fullwidth(code)
            elif kind == "lowercase":
                w = code.lower()
            else:
                w = f" {code[:8]} {code[8:]}"
            written[t].loc[fid] = w
            rows.append({"fid": fid, "true_uscc": code, "table": t, "written": w, "kind": kind})
    return written, pd.DataFrame(rows, columns=["fid", "true_uscc", "table", "written", "kind"])
