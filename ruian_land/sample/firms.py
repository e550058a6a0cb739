"""Firms of the sample county: identities (统一社会信用代码, names, industries), who owns which
parcel, who leases part of whose parcel, and registry attributes (dates, exemptions, flags).

Ownership follows the parcels' spatial order, so a firm with several parcels holds
neighbouring ones, and 规上 firms tend to hold the larger parcels.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ruian_land.core import M2_PER_MU, USCC_ALPHABET, uscc_check_char
from ruian_land.sample.params import CLUSTERS, INDUSTRIES, NAME_CHARS, UTILITIES, SampleParams

__all__ = [
    "NEW_STATUSES",
    "assign_ownership",
    "assign_parcel_status",
    "identify",
    "industry_table",
    "make_leases",
    "org_check_char",
    "registry_attributes",
]

#: Parcel statuses of recently granted land (2017-2021).
NEW_STATUSES = ("idle_not_started", "idle_suspended", "under_construction", "not_yet_due")
_ABOVE_PROPENSITY = {"26": 2.0, "27": 2.5, "36": 1.3, "38": 1.3, "19": 0.7, "18": 0.6, "21": 0.5}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_WORDS: dict[str, tuple[str, ...]] = {i.code: i.words for i in INDUSTRIES}
_ORG_ALPHABET = USCC_ALPHABET  # organisation codes inside a USCC use the same alphabet


def industry_table() -> pd.DataFrame:
    """The industry profiles of :data:`~ruian_land.sample.params.INDUSTRIES` as a frame
    indexed by 4-digit code."""
    rows = [
        {
            "code": i.code,
            "name": i.name,
            "weight": i.weight,
            "tax_factor": i.tax_factor,
            "energy_per_mu": i.energy_per_mu,
            "carriers": i.carriers,
            "emission_factor": i.emission_factor,
            "words": i.words,
        }
        for i in INDUSTRIES
    ]
    return pd.DataFrame(rows).set_index("code")


def org_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True)
    )
    c9 = 11 - total % 11
    return "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))


def _make_uscc(rng: np.random.Generator, year: int, individual: bool, county: str) -> str:
    """A well-formed USCC (GB 32100-2015) with a GB 11714 organisation code inside."""
    if year >= 2016:
        body = "MA2" + "".join(rng.choice(list(_ORG_ALPHABET), 5))
    else:
        body = str(rng.choice(["14", "25", "60", "70", "73", "77"])) + "".join(
            rng.choice(list("0123456789"), 6)
        )
    first17 = ("92" if individual else "91") + county + body + org_check_char(body)
    return first17 + uscc_check_char(first17)


def assign_parcel_status(rng: np.random.Generator, parcels: pd.DataFrame, params: SampleParams) -> pd.Series:
    """Draw each parcel's status: developed, one of :data:`NEW_STATUSES`, or held by the
    state land reserve, a village collective or a non-manufacturing company."""
    shares = {
        "state_reserve": params.state_reserve_share,
        "collective": params.collective_share,
        "other_owner": params.other_owner_share,
        "idle_not_started": params.idle_not_started_share,
        "idle_suspended": params.idle_suspended_share,
        "under_construction": params.under_construction_share,
        "not_yet_due": params.not_yet_due_share,
    }
    n = len(parcels)
    status = np.full(n, "developed", dtype=object)
    order = rng.permutation(n)
    start = 0
    for name, share in shares.items():
        k = max(1, round(share * n))
        status[order[start : start + k]] = name
        start += k
    return pd.Series(status, index=parcels.index, name="status")


def _draw_industry(
    rng: np.random.Generator, ind: pd.DataFrame, cluster: int, above: bool, n: int = 1
) -> np.ndarray:
    boost = dict(CLUSTERS[cluster].boost) if cluster >= 0 else {}
    w = ind["weight"].to_numpy(dtype=float).copy()
    for j, code in enumerate(ind.index):
        for prefix, mult in boost.items():
            if code.startswith(prefix):
                w[j] *= mult
        if above:
            w[j] *= _ABOVE_PROPENSITY.get(code[:2], 1.0)
    return rng.choice(ind.index.to_numpy(), size=n, p=w / w.sum())


class _Names:
    """Unique, plausible firm names."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def firm(self, words: tuple[str, ...], above: bool, individual: bool, town: str) -> str:
        for _ in range(200):
            brand = "".join(self.rng.choice(list(NAME_CHARS), 2))
            word = str(self.rng.choice(list(words)))
            if individual:
                name = f"瑞安市{town}{brand}{word}厂"
            else:
                r = self.rng.random()
                prefix = "浙江" if (above and r < 0.25) or r < 0.05 else ("温州" if r < 0.1 else "瑞安市")
                suffix = "股份有限公司" if above and self.rng.random() < 0.12 else "有限公司"
                name = f"{prefix}{brand}{word}{suffix}"
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("could not make a unique firm name")  # pragma: no cover

    def other(self, kind: str) -> str:
        for _ in range(200):
            brand = "".join(self.rng.choice(list(NAME_CHARS), 2))
            name = f"瑞安市{brand}{kind}有限公司"
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("could not make a unique name")  # pragma: no cover


def _codes(rng: np.random.Generator, years: np.ndarray, individual: np.ndarray, county: str) -> list[str]:
    used: set[str] = set()
    out = []
    for y, ind in zip(years, individual, strict=True):
        code = _make_uscc(rng, int(y), bool(ind), county)
        while code in used:
            code = _make_uscc(rng, int(y), bool(ind), county)
        used.add(code)
        out.append(code)
    return out


def assign_ownership(
    rng: np.random.Generator,
    parcels: pd.DataFrame,
    params: SampleParams,
    scale: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Create the firms and give each parcel its holder.

    Parameters
    ----------
    parcels : DataFrame
        ``cluster, town, area_m2, status`` in spatial order (index 0..n-1).

    Returns
    -------
    firms : DataFrame
        One row per firm (index ``fid``): ``above, role`` (owner | lessee | none),
        ``new_land, utility, cluster`` (-1 for lessees until :func:`make_leases`).
    holders : DataFrame
        Same index as ``parcels``: ``owner_fid`` (-1 when not a registry firm).
    """
    n_firms = max(20, round(params.n_firms * scale))
    n_above = max(4, round(params.n_above * scale))
    n_below = n_firms - n_above
    n_util = min(len(UTILITIES), max(1, round(len(UTILITIES) * scale)))
    n_less_a = round(n_above * params.lessee_share_above)
    n_less_b = round(n_below * params.lessee_share_below)
    n_none = max(1, round(n_firms * params.unlinked_share))
    status = parcels["status"].to_numpy()
    area_mu = parcels["area_m2"].to_numpy() / M2_PER_MU
    new_idx = np.flatnonzero(np.isin(status, NEW_STATUSES))
    n_new_firms = round(params.new_land_firm_share * len(new_idx))
    owners_a = n_above - n_less_a
    owners_b_est = n_below - n_less_b - n_none - n_new_firms

    # utilities take large developed parcels first
    dev = np.flatnonzero(status == "developed")
    big = dev[np.argsort(-area_mu[dev], kind="stable")][: 4 * n_util]
    util_parcels = rng.choice(big, size=n_util, replace=False)
    walk = np.array([i for i in dev if i not in set(util_parcels)])
    n_est_walk = owners_a - n_util + owners_b_est
    extras = len(walk) - n_est_walk
    if extras < 0:
        raise ValueError("too few parcels for the firms: raise n_parcels or lower n_firms")
    # parcels per established owner: 1 + extras spread with weight 5 (规上) : 1 (规下)
    kinds = np.array([True] * (owners_a - n_util) + [False] * owners_b_est)
    rng.shuffle(kinds)
    w = np.where(kinds, 5.0, 1.0)
    k = 1 + rng.multinomial(extras, w / w.sum())
    # walk the parcels in spatial order; pick the firm type by the run's first parcel size
    rel = (area_mu[walk] / params.parcel_median_mu) ** 1.0
    rel = rel / rel.mean()
    queues = {True: list(k[kinds]), False: list(k[~kinds])}
    owner_of = np.full(len(parcels), -1, dtype=int)
    firm_rows: list[dict[str, object]] = []
    pos = 0
    while pos < len(walk):
        qa, qb = sum(queues[True]), sum(queues[False])
        p_above = qa * rel[pos] / (qa * rel[pos] + qb) if qa + qb else 0.0
        above = bool(queues[True]) and (not queues[False] or rng.random() < p_above)
        kk = queues[above].pop()
        fid = len(firm_rows)
        run = walk[pos : pos + kk]
        owner_of[run] = fid
        firm_rows.append({"above": above, "role": "owner", "cluster": int(parcels["cluster"].iloc[run[0]])})
        pos += kk
    for j, pi in enumerate(util_parcels):
        owner_of[pi] = len(firm_rows)
        firm_rows.append(
            {"above": True, "role": "owner", "cluster": int(parcels["cluster"].iloc[pi]), "utility": j}
        )
    # recently granted parcels: new firms, or the owner of the nearest developed parcel
    new_order = rng.permutation(new_idx)
    cx = parcels["cx"].to_numpy()
    cy = parcels["cy"].to_numpy()
    for j, pi in enumerate(new_order):
        if j < n_new_firms:
            owner_of[pi] = len(firm_rows)
            firm_rows.append(
                {
                    "above": False,
                    "role": "owner",
                    "cluster": int(parcels["cluster"].iloc[pi]),
                    "new_land": True,
                }
            )
        else:
            same = walk[parcels["cluster"].to_numpy()[walk] == parcels["cluster"].iloc[pi]]
            pool = same if len(same) else walk
            near = pool[np.argmin((cx[pool] - cx[pi]) ** 2 + (cy[pool] - cy[pi]) ** 2)]
            owner_of[pi] = owner_of[near]
    # lessees and firms with no parcel
    weights = np.array([c.weight for c in CLUSTERS])
    for above, n in ((True, n_less_a), (False, n_less_b)):
        for _ in range(n):
            firm_rows.append({"above": above, "role": "lessee", "cluster": -1})
    for _ in range(n_none):
        firm_rows.append(
            {
                "above": False,
                "role": "none",
                "cluster": int(rng.choice(len(CLUSTERS), p=weights / weights.sum())),
            }
        )
    firms = pd.DataFrame(firm_rows)
    firms["utility"] = firms.get("utility", pd.Series(np.nan, index=firms.index)).fillna(-1).astype(int)
    firms["new_land"] = firms.get("new_land", pd.Series(False, index=firms.index)).fillna(False).astype(bool)
    firms.index.name = "fid"
    holders = pd.DataFrame({"owner_fid": owner_of}, index=parcels.index)
    return firms, holders


def identify(
    rng: np.random.Generator,
    firms: pd.DataFrame,
    parcels: pd.DataFrame,
    holders: pd.DataFrame,
    county: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Industries (by cluster), names and codes of the firms, and names and codes of the
    holders that are not registry firms.

    Call after :func:`make_leases` (lessees take the cluster and town of their parcel).

    Returns
    -------
    firms : DataFrame
        With ``industry_code, industry_name, individual, uscc, town, name`` added.
    holders : DataFrame
        With ``owner_name, owner_uscc`` added (``owner_uscc`` is ``""`` for state or
        collective holders).
    """
    ind = industry_table()
    names = _Names(rng)
    n = len(firms)
    util = firms["utility"].to_numpy(dtype=int)
    cluster = firms["cluster"].to_numpy(dtype=int)
    above = firms["above"].to_numpy(dtype=bool)
    codes = np.empty(n, dtype=object)
    for i in range(n):
        if util[i] >= 0:
            codes[i] = UTILITIES[util[i]][0]
        else:
            codes[i] = _draw_industry(rng, ind, int(cluster[i]), bool(above[i]))[0]
    firms["industry_code"] = codes
    util_names = {u[0]: u[1] for u in UTILITIES}
    firms["industry_name"] = [util_names.get(c) or ind.loc[c, "name"] for c in codes]
    individual = ~above & (rng.random(n) < 0.06) & (util < 0)
    firms["individual"] = individual
    year_guess = np.where(firms["new_land"].to_numpy(dtype=bool) | (rng.random(n) < 0.15), 2018, 2005)
    firms["uscc"] = _codes(rng, year_guess, individual, county)
    firms["_year_hint"] = year_guess
    # town (cluster of the first parcel; lessees got theirs from make_leases)
    first_parcel = holders.reset_index().groupby("owner_fid")["index"].min()
    town = firms["town"].copy() if "town" in firms else pd.Series([None] * n, index=firms.index, dtype=object)
    has = first_parcel.index[first_parcel.index >= 0]
    town.loc[has] = parcels["town"].to_numpy()[first_parcel.loc[has].to_numpy()]
    none_mask = firms["role"] == "none"
    town.loc[none_mask] = [CLUSTERS[c].town for c in firms.loc[none_mask, "cluster"]]
    firms["town"] = town
    towns: list[str] = [str(t) if isinstance(t, str) else "莘塍街道" for t in town]
    fnames: list[str] = []
    for i in range(n):
        if util[i] >= 0:
            fnames.append(UTILITIES[util[i]][2])
            names.used.add(UTILITIES[util[i]][2])
            continue
        words = _WORDS[codes[i]]
        fnames.append(names.firm(words, bool(above[i]), bool(individual[i]), _short(towns[i])))
    firms["name"] = fnames
    # holders' names and codes
    status = parcels["status"].to_numpy()
    ptown = parcels["town"].astype(str).tolist()
    owner_fid = holders["owner_fid"].to_numpy(dtype=int)
    uscc = firms["uscc"].tolist()
    owner_name = np.empty(len(parcels), dtype=object)
    owner_code = np.empty(len(parcels), dtype=object)
    villages = "东岙 林垟 陈岙 上垟 下埠 前池 后垟 沙堤 塘头 岭下 河口 西岸 南湖 北垟 仁岙 章岙".split()
    for i in range(len(parcels)):
        fid = owner_fid[i]
        if fid >= 0:
            owner_name[i] = fnames[fid]
            owner_code[i] = uscc[fid]
        elif status[i] == "state_reserve":
            owner_name[i], owner_code[i] = "瑞安市土地储备中心", ""
        elif status[i] == "collective":
            v = str(rng.choice(villages))
            owner_name[i], owner_code[i] = f"瑞安市{_short(ptown[i])}{v}村股份经济合作社", ""
        else:
            owner_name[i] = names.other(str(rng.choice(["物流", "贸易", "置业", "仓储", "实业"])))
            owner_code[i] = _make_uscc(rng, 2010, False, county)
    holders["owner_name"] = owner_name
    holders["owner_uscc"] = owner_code
    return firms, holders


def _short(town: str) -> str:
    """塘下镇 → 塘下, 汀田街道 → 汀田."""
    return town.removesuffix("街道").removesuffix("镇")


def make_leases(
    rng: np.random.Generator, firms: pd.DataFrame, parcels: pd.DataFrame, holders: pd.DataFrame
) -> pd.DataFrame:
    """Leases of lessee firms on parts of other firms' developed parcels.

    Each lease covers 10-45 % (规上: 30-60 %) of a parcel of at least 4 亩; the leased total
    on one parcel stays at or below 75 % of its area. Sets ``town`` and ``cluster`` of the
    lessees in ``firms`` (in place).

    Returns
    -------
    DataFrame
        ``fid, parcel_index, leased_area_m2`` (m², rounded to 0.01).
    """
    area = parcels["area_m2"].to_numpy()
    fid_owner = holders["owner_fid"].to_numpy()
    if "town" not in firms:
        firms["town"] = pd.Series([None] * len(firms), index=firms.index, dtype=object)
    util = firms["utility"].to_numpy()
    ok = (parcels["status"].to_numpy() == "developed") & (fid_owner >= 0) & (area / M2_PER_MU >= 4.0)
    ok &= np.array([util[f] < 0 if f >= 0 else False for f in fid_owner])
    cand = np.flatnonzero(ok)
    p = area[cand] / area[cand].sum()
    ptown = parcels["town"].astype(str).tolist()
    pcluster = parcels["cluster"].to_numpy(dtype=int)
    leased = np.zeros(len(parcels))
    rows = []
    for fid in firms.index[firms["role"] == "lessee"]:
        above = bool(firms.at[fid, "above"])
        for _ in range(100):
            pi = int(rng.choice(cand, p=p))
            share = rng.uniform(0.3, 0.6) if above else rng.uniform(0.1, 0.45)
            if leased[pi] + share * area[pi] <= 0.75 * area[pi]:
                break
        else:  # pragma: no cover - plenty of room in practice
            continue
        a = round(share * area[pi], 2)
        leased[pi] += a
        rows.append({"fid": fid, "parcel_index": pi, "leased_area_m2": a})
        firms.at[fid, "town"] = ptown[pi]
        firms.at[fid, "cluster"] = int(pcluster[pi])
    return pd.DataFrame(rows, columns=["fid", "parcel_index", "leased_area_m2"])


def _date(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=int(rng.integers(0, max(1, (hi - lo).days + 1))))


def registry_attributes(
    rng: np.random.Generator,
    firms: pd.DataFrame,
    first_grant: pd.Series,
    building: pd.Index,
    evaluation_date: dt.date,
    new_firm_years: int,
) -> pd.DataFrame:
    """Dates (成立, 投产, 项目建成年份), 豁免类型 and the veto flags of every firm.

    Parameters
    ----------
    firms : DataFrame
        From :func:`assign_ownership` (with ``new_land``, ``utility``, ``role``, ``above``).
    first_grant : Series
        Per ``fid``: grant date of the firm's earliest parcel (NaT when none).
    building : Index
        ``fid`` of new firms whose parcel is under construction or not yet due (建设期).
    evaluation_date : date
        Data year end.
    new_firm_years : int
        Firms younger than this (rule ``evaluation.new_firm_years``) are 新设企业.

    Returns
    -------
    DataFrame
        Same index: ``established_date, production_start_date, project_built_year,
        exempt_reason, safety_accident, environmental_penalty, energy_task_unmet, tax_arrears``.
    """
    n = len(firms)
    new_land = firms["new_land"].to_numpy(dtype=bool)
    hint = firms["_year_hint"].to_numpy(dtype=int)
    above = firms["above"].to_numpy(dtype=bool)
    grants = first_grant.reindex(firms.index)
    est: list[dt.date] = []
    prod: list[dt.date | None] = []
    for i in range(n):
        grant = grants.iloc[i]
        if new_land[i] and not pd.isna(grant):
            g = pd.Timestamp(grant).date()
            e = _date(rng, g - dt.timedelta(days=500), g - dt.timedelta(days=30))
        elif hint[i] >= 2016:
            e = _date(rng, dt.date(2016, 1, 1), dt.date(2021, 9, 30))
        elif above[i]:
            e = _date(rng, dt.date(1988, 1, 1), dt.date(2015, 9, 30))
        else:
            e = _date(rng, dt.date(1994, 1, 1), dt.date(2015, 9, 30))
        if not pd.isna(grant) and not new_land[i]:
            e = min(e, pd.Timestamp(grant).date() - dt.timedelta(days=60))
        est.append(e)
        if new_land[i]:
            prod.append(None)
        else:
            p = e + dt.timedelta(days=int(rng.integers(90, 540)))
            prod.append(min(p, evaluation_date - dt.timedelta(days=30)))
    out = pd.DataFrame(index=firms.index)
    out["established_date"] = pd.to_datetime(est)
    out["production_start_date"] = pd.to_datetime(pd.Series(prod, index=firms.index, dtype=object))
    built = out["production_start_date"].dt.year.astype("Float64")
    newer = rng.random(n) < 0.25
    later = np.array(
        [rng.integers(int(b), evaluation_date.year + 1) if not pd.isna(b) else 0 for b in built], dtype=float
    )
    built = built.where(~newer | built.isna(), later)
    out["project_built_year"] = built.astype("Int64")
    young = out["established_date"] > pd.Timestamp(evaluation_date) - pd.DateOffset(years=new_firm_years)
    exempt = np.full(n, "", dtype=object)
    exempt[firms["utility"].to_numpy() >= 0] = "公用事业"
    exempt[firms.index.isin(building) & (exempt == "")] = "建设期"
    exempt[young.to_numpy() & (exempt == "")] = "新设企业"
    relocate = rng.choice(np.flatnonzero(exempt == ""), size=max(1, round(n * 0.001)), replace=False)
    exempt[relocate] = "政策性搬迁"
    out["exempt_reason"] = exempt
    heavy = firms["industry_code"].str[:2].isin(["17", "19", "26", "27", "30", "33"]).to_numpy()
    out["safety_accident"] = rng.random(n) < 0.004
    out["environmental_penalty"] = rng.random(n) < np.where(heavy, 0.06, 0.01)
    out["energy_task_unmet"] = firms["above"].to_numpy() & (rng.random(n) < 0.02)
    out["tax_arrears"] = rng.random(n) < 0.008
    return out
