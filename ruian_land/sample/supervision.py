"""The sample county's supervision tables (issue 17): the 发改局 project list for 挂图作战
(``enterprises/项目库_发改局.xlsx``) and the 标准地 投资监管协议 (``enterprises/标准地监管协议.xlsx``).

Both are drawn from the county's truth with their own random streams, so the other files stay
byte-identical. Contracts are agreed on recently granted parcels of 规上 owners: a compliant
contract agrees floors below what the parcel achieves, a breaching one agrees one or two floors
above it (what a planner should find). Projects have planned dates for the six life-cycle nodes
and actual dates for most nodes due by the evaluation date; the rest are overdue.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ruian_land.core import PROJECT_NODES

__all__ = ["CONTRACT_COUNT", "PROJECT_COUNT", "contract_table", "project_table"]

#: Contracts and projects written.
CONTRACT_COUNT = 30
PROJECT_COUNT = 12

_MU_PER_M2 = 15 / 10000
# the due contracts sit on parcels of owners paying at least this (万元/亩), as 标准地 grantees would
_DUE_MIN_TAX_PER_MU = 15.0
# (name stem, industry, GB/T 4754-2017 code, investment 万元, year landed, 万元/亩 intensity)
_PROJECTS: tuple[tuple[str, str, str, float, int, float], ...] = (
    ("新能源汽车电驱系统", "汽车零部件及配件制造", "3670", 260000, 2021, 560),
    ("高端智能装备产业园", "专用设备制造", "3599", 150000, 2020, 520),
    ("锂电池隔膜材料", "锂离子电池制造", "3841", 120000, 2022, 610),
    ("光伏组件智能工厂", "光伏设备及元器件制造", "3825", 105000, 2023, 480),
    ("汽车电子控制模块", "汽车零部件及配件制造", "3670", 68000, 2021, 470),
    ("智能泵阀", "泵及真空设备制造", "3441", 42000, 2021, 430),
    ("医疗器械精密部件", "医疗仪器设备及器械制造", "3581", 36000, 2022, 460),
    ("高分子新材料", "初级形态塑料及合成树脂制造", "2651", 28000, 2020, 380),
    ("时尚鞋业数字化车间", "皮鞋制造", "1952", 18000, 2021, 320),
    ("电气成套设备", "输配电及控制设备制造", "3823", 15000, 2022, 410),
    ("印刷包装机械技改", "印刷专用设备制造", "3542", 8600, 2021, 300),
    ("五金工具扩产", "手工具制造", "3322", 5200, 2023, 280),
)
_UNITS = ("市经信局", "市发改局", "市自然资源和规划局", "市住建局", "市投资促进服务中心")
# months from 招引落地 to each node (planned)
_NODE_MONTHS = (0, 4, 20, 23, 47, 53)


def _date(ts: pd.Timestamp) -> dt.date:
    return pd.Timestamp(ts).date()


def project_table(
    rng: np.random.Generator, parcels: pd.DataFrame, towns: list[str], evaluation_date: dt.date
) -> pd.DataFrame:
    """The 发改局 project list (Chinese headers, one row per project).

    Parameters
    ----------
    rng : Generator
        The projects' own stream.
    parcels : DataFrame
        Truth parcels (``parcel_id``, ``town``, ``status``): projects landed by the evaluation
        year sit on 储备 or newly granted parcels.
    towns : list of str
        Town names for projects without a parcel yet.
    evaluation_date : date
        Nodes planned before it lack an actual date now and then (overdue).

    Returns
    -------
    DataFrame
        项目编号, 项目名称, 行业, 行业代码, 总投资(万元), 用地面积(亩), 落地年份, 达产税收(万元),
        达产增加值(万元), 宗地代码, 乡镇, 责任单位 and 计划/实际<node>日期 for each node.
    """
    at = pd.Timestamp(evaluation_date)
    spare = parcels.loc[parcels["status"].isin(["state_reserve", "not_yet_due"])].sort_values("parcel_id")
    picks = spare.iloc[rng.permutation(len(spare))[: len(_PROJECTS)]].reset_index(drop=True)
    rows = []
    for i, (stem, industry, code, inv, year, intensity) in enumerate(_PROJECTS):
        land = round(inv / intensity, 1)
        landed = pd.Timestamp(year, int(rng.integers(2, 11)), int(rng.integers(1, 28)))
        has_parcel = year <= at.year and i < len(picks)
        town = picks.loc[i, "town"] if has_parcel else towns[int(rng.integers(len(towns)))]
        row: dict[str, object] = {
            "项目编号": f"RA{year}{i + 1:03d}",
            "项目名称": f"{stem}项目",
            "行业": industry,
            "行业代码": code,
            "总投资(万元)": float(inv),
            "用地面积(亩)": land,
            "落地年份": year,
            "达产税收(万元)": round(land * float(rng.uniform(24, 42)), 0),
            "达产增加值(万元)": round(land * float(rng.uniform(120, 210)), 0),
            "宗地代码": picks.loc[i, "parcel_id"] if has_parcel else None,
            "乡镇": town,
            "责任单位": _UNITS[i % len(_UNITS)],
        }
        # every third project due so far misses one node (overdue); the others meet them late or early
        skip = i % 3 == 0
        missed = False
        for (key, zh), months in zip(PROJECT_NODES.items(), _NODE_MONTHS, strict=True):
            planned = landed + pd.DateOffset(months=months)
            actual = planned + pd.Timedelta(days=int(rng.integers(-20, 75)))
            done = planned < at and actual <= at and not missed
            if done and skip and key != "landed":
                done, missed = False, True
            row[f"计划{zh}日期"] = _date(planned)
            row[f"实际{zh}日期"] = _date(actual) if done else None
            missed = missed or not done
        rows.append(row)
    return pd.DataFrame(rows)


def _menu(rng: np.random.Generator, n: int) -> np.ndarray:
    """Typical 标准地 floors (RULES.md §6): 投资强度, 亩均税收, 亩均增加值, 单位能耗增加值 (等价值), 容积率."""
    return np.column_stack(
        [
            rng.choice([300.0, 350.0, 400.0, 450.0], n),
            rng.choice([18.0, 22.6, 25.0, 30.0], n),
            rng.choice([100.0, 120.0, 130.0, 150.0], n),
            rng.choice([1.0, 1.2, 1.5], n),
            rng.choice([1.2, 1.5, 1.6], n),
        ]
    )


def contract_table(rng: np.random.Generator, parcels: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """The 标准地 投资监管协议 of :data:`CONTRACT_COUNT` recently granted parcels.

    22 contracts on parcels granted in 2015-2016 and built by 规上 owners (达产 due by 2021;
    a third agree one or two floors above what the parcel achieves, the rest below), 3 on idle
    parcels granted in 2017-2018 and 5 on parcels granted in 2020-2021 (达产 not yet due),
    the last two groups with typical 标准地 floors.

    Parameters
    ----------
    rng : Generator
        The contracts' own stream.
    parcels : DataFrame
        Truth parcels (``parcel_id``, ``grant_date``, ``owner_fid``, ``owner_name``,
        ``land_use``, ``status``, ``far``, ``area_m2``, ``investment_done_wan``).
    firms : DataFrame
        Truth firms by ``fid`` (``uscc``, ``above``, ``tax_wan``, ``value_added_wan``,
        ``land_mu``, ``energy_tce_calorific``).

    Returns
    -------
    DataFrame
        协议编号, 宗地代码, 受让人, 统一社会信用代码, 出让日期, 达产年限, 约定投资强度(万元/亩),
        约定亩均税收(万元/亩), 约定亩均增加值(万元/亩), 约定单位能耗增加值(万元/吨标准煤), 约定容积率.
    """
    owned = parcels.loc[(parcels["owner_fid"] >= 0) & (parcels["land_use"] == "工业用地")].sort_values(
        "parcel_id"
    )
    year = owned["grant_date"].dt.year
    f_all = firms.reindex(owned["owner_fid"].to_numpy())
    full_data = (
        f_all["above"].fillna(False).astype(bool).to_numpy()
        & (f_all["energy_tce_calorific"].fillna(0) > 0).to_numpy()
        & f_all["tax_wan"].notna().to_numpy()
        & f_all["value_added_wan"].notna().to_numpy()
        & (f_all["tax_wan"] / f_all["land_mu"] >= _DUE_MIN_TAX_PER_MU).to_numpy()
    )
    groups = (
        (year.between(2015, 2016).to_numpy() & (owned["status"] == "developed").to_numpy() & full_data, 22),
        (year.between(2017, 2018).to_numpy() & owned["status"].str.startswith("idle").to_numpy(), 3),
        (
            year.between(2020, 2021).to_numpy()
            & owned["status"].isin(["under_construction", "not_yet_due"]).to_numpy(),
            5,
        ),
    )
    picks = []
    for mask, count in groups:
        idx = np.flatnonzero(mask)
        picks.append(np.sort(idx[rng.permutation(len(idx))[:count]]))
    p = owned.iloc[np.concatenate(picks)].reset_index(drop=True)
    f = firms.reindex(p["owner_fid"].to_numpy()).reset_index(drop=True)
    n, n_due = len(p), len(picks[0])
    mu = p["area_m2"].to_numpy() * _MU_PER_M2
    firm_mu = f["land_mu"].to_numpy(dtype=float)
    truth = np.column_stack(
        [
            p["investment_done_wan"].to_numpy(dtype=float) / mu,
            f["tax_wan"].to_numpy(dtype=float) / firm_mu,
            f["value_added_wan"].to_numpy(dtype=float) / firm_mu,
            f["value_added_wan"].to_numpy(dtype=float) / f["energy_tce_calorific"].to_numpy(dtype=float),
            p["far"].to_numpy(dtype=float),
        ]
    )
    # a third of the due contracts breach one or two clauses; the rest agree floors below the truth
    breach = np.zeros((n, 5), dtype=bool)
    for k, i in enumerate(np.sort(rng.permutation(n_due)[: n_due // 3])):
        breach[i, rng.permutation(5)[: 1 + k % 2]] = True
    factor = np.where(breach, rng.uniform(1.2, 1.6, (n, 5)), rng.uniform(0.6, 0.9, (n, 5)))
    # 单位能耗增加值 is checked on the 等价值 basis (about a third of the 当量值 figure for power)
    factor[:, 3] *= np.where(breach[:, 3], 1.0, 0.3)
    agreed = np.where(np.arange(n)[:, None] < n_due, truth * factor, _menu(rng, n))
    years = np.where(np.arange(n) < n_due, np.where(rng.random(n) < 0.3, 2, 3), 3)
    return pd.DataFrame(
        {
            "协议编号": [f"瑞标地监〔{g.year}〕{i + 1:02d}号" for i, g in enumerate(p["grant_date"])],
            "宗地代码": p["parcel_id"].to_numpy(),
            "受让人": p["owner_name"].to_numpy(),
            "统一社会信用代码": f["uscc"].to_numpy(),
            "出让日期": [g.date() for g in p["grant_date"]],
            "达产年限": years,
            "约定投资强度(万元/亩)": np.round(agreed[:, 0], -1),
            "约定亩均税收(万元/亩)": np.round(agreed[:, 1], 1),
            "约定亩均增加值(万元/亩)": np.round(agreed[:, 2], 0),
            "约定单位能耗增加值(万元/吨标准煤)": np.round(agreed[:, 3], 2),
            "约定容积率": np.round(agreed[:, 4], 1),
        }
    )
