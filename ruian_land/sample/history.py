"""Earlier years' figures of the sample's 规上 firms (the optional ``firm_history`` source).

Each firm present in the statistics table gets its own yearly growth rate per measure, drawn
around a county mean, and its figures for the years before the data year are the data year's
divided back by that growth. A few firms have no row for the first year (they entered the 规上
list later), so the trajectory's balanced panel has something to leave out. The county means are
assumptions of the synthetic sample, not Ruian's history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["HISTORY_GROWTH", "SAMPLE_INVESTMENT_WAN", "history_table", "investment_table"]

#: Measure (column of the truth frame) → (file header, mean yearly growth, s.d. across firms).
HISTORY_GROWTH: dict[str, tuple[str, float, float]] = {
    "tax_wan": ("实缴税收(万元)", 0.06, 0.08),
    "value_added_wan": ("工业增加值(万元)", 0.07, 0.06),
    "revenue_wan": ("营业收入(万元)", 0.07, 0.06),
    "rd_wan": ("研发费用(万元)", 0.10, 0.10),
    "employees": ("年平均从业人员(人)", 0.01, 0.03),
}
#: Years before the data year written, and the share of firms missing from the first of them.
HISTORY_YEARS = 2
LATE_ENTRANT_SHARE = 0.08


def history_table(rng: np.random.Generator, firms: pd.DataFrame, codes: pd.Series, year: int) -> pd.DataFrame:
    """The 历年数据 table: one row per (firm, year) for the ``HISTORY_YEARS`` years before ``year``.

    Parameters
    ----------
    rng : numpy Generator
    firms : DataFrame
        The truth frame (index ``fid``; ``name`` and the columns of :data:`HISTORY_GROWTH`).
    codes : Series
        fid → the credit code as written in the statistics table (its index: the 规上 firms).
    year : int
        The data year.

    Returns
    -------
    DataFrame
        Chinese headers: 统一社会信用代码, 企业名称, 年度 and one column per measure; sorted by year,
        then as the statistics table.
    """
    f = firms.loc[codes.index]
    n = len(f)
    rates = {
        col: np.clip(rng.normal(mean, sd, n), -0.3, 0.5) for col, (_h, mean, sd) in HISTORY_GROWTH.items()
    }
    late = rng.random(n) < LATE_ENTRANT_SHARE
    parts = []
    for back in range(HISTORY_YEARS, 0, -1):
        keep = ~late if back == HISTORY_YEARS else np.ones(n, dtype=bool)
        part = pd.DataFrame(
            {
                "统一社会信用代码": codes.to_numpy()[keep],
                "企业名称": f["name"].to_numpy()[keep],
                "年度": year - back,
            }
        )
        for col, (header, _m, _s) in HISTORY_GROWTH.items():
            value = f[col].to_numpy(dtype=float) / (1.0 + rates[col]) ** back
            part[header] = (np.round(value).astype(np.int64) if col == "employees" else np.round(value, 2))[
                keep
            ]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


#: Synthetic 统计局 investment of the sample county by year (万元): 制造业投资(含技改), 工业投资,
#: 固定资产投资 — round figures of a county of Ruian's size, not Ruian's statistics.
SAMPLE_INVESTMENT_WAN: dict[int, tuple[float, float, float]] = {
    -2: (305_000.0, 352_000.0, 2_150_000.0),
    -1: (332_000.0, 371_000.0, 2_380_000.0),
    0: (376_000.0, 410_000.0, 2_600_000.0),
}


def investment_table(year: int, scale: float = 1.0) -> pd.DataFrame:
    """The 统计局 investment table (optional source ``investment``) for the data year and the
    two before it, scaled with the county (``scale``).

    Returns
    -------
    DataFrame
        年度, 制造业投资(含技改)(万元), 工业投资(万元), 固定资产投资(万元).
    """
    rows = [
        (year + k, *(round(v * scale) for v in vals)) for k, vals in sorted(SAMPLE_INVESTMENT_WAN.items())
    ]
    return pd.DataFrame(
        rows, columns=["年度", "制造业投资(含技改)(万元)", "工业投资(万元)", "固定资产投资(万元)"]
    )
