"""Exact unit definitions (RULES.md §0) as named constants.

These are definitions of units, not policy numbers: policy numbers live in the
versioned rules files under :mod:`ruian_land.rules`.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

__all__ = [
    "KGCE_KJ",
    "M2_PER_MU",
    "MU_PER_HA",
    "MU_PER_KM2",
    "UNIT_WORDS",
    "YUAN_PER_WAN",
    "YUAN_PER_YI",
    "kwh_from_wan_kwh",
    "m2_to_mu",
    "mu_to_m2",
    "wan_from_yuan",
]

#: 1 亩 = 10000/15 m² exactly (RULES.md §0).
M2_PER_MU: float = float(Fraction(10000, 15))
#: 15 亩 = 1 ha.
MU_PER_HA: int = 15
#: 1 km² = 1500 亩.
MU_PER_KM2: int = 1500
#: 万元 = 10⁴ 元.
YUAN_PER_WAN: int = 10_000
#: 亿元 = 10⁸ 元.
YUAN_PER_YI: int = 100_000_000
#: 1 kgce = 29 307.6 kJ (GB/T 2589-2020).
KGCE_KJ: float = 29_307.6


#: Unit words a header may carry, per canonical unit (the suffix of a canonical column name:
#: ``elec_kwh`` → ``kwh``), with the factor that turns a value in that unit into the canonical
#: one (``用电(万度)`` → elec_kwh × 10 000). Keys are normalised as headers are (NFKC, lower case).
#: The schemas' own aliases (:mod:`ruian_land.core.schemas`) agree with this table (tested).
UNIT_WORDS: dict[str, dict[str, float]] = {
    "wan": {"万元": 1.0, "元": 1 / YUAN_PER_WAN, "千元": 0.1, "亿元": float(YUAN_PER_YI // YUAN_PER_WAN)},
    "kwh": {
        **dict.fromkeys(("千瓦时", "kwh", "度", "千瓦·时"), 1.0),
        **dict.fromkeys(("万千瓦时", "万kwh", "万度"), 1e4),
        **dict.fromkeys(("亿千瓦时", "亿kwh", "亿度"), 1e8),
        "mwh": 1e3,
        "兆瓦时": 1e3,
    },
    "m2": {
        **dict.fromkeys(("平方米", "m2", "m^2", "平米"), 1.0),
        "亩": M2_PER_MU,
        **dict.fromkeys(("公顷", "ha"), 1e4),
        **dict.fromkeys(("平方公里", "km2"), 1e6),
    },
    "mu": {
        "亩": 1.0,
        **dict.fromkeys(("平方米", "m2", "平米"), 15 / 10_000),
        **dict.fromkeys(("公顷", "ha"), float(MU_PER_HA)),
        **dict.fromkeys(("平方公里", "km2"), float(MU_PER_KM2)),
    },
    "t": {**dict.fromkeys(("吨", "t"), 1.0), **dict.fromkeys(("千克", "公斤", "kg"), 1e-3), "万吨": 1e4},
    "tce": {
        **dict.fromkeys(("吨标准煤", "吨标煤", "tce"), 1.0),
        **dict.fromkeys(("万吨标准煤", "万吨标煤", "万tce"), 1e4),
        **dict.fromkeys(("千克标准煤", "kgce"), 1e-3),
    },
    "m3": {**dict.fromkeys(("立方米", "m3", "方"), 1.0), **dict.fromkeys(("万立方米", "万m3", "万方"), 1e4)},
    "mj": {
        **dict.fromkeys(("兆焦", "mj"), 1.0),
        **dict.fromkeys(("百万千焦", "吉焦", "gj"), 1e3),
        **dict.fromkeys(("千焦", "kj"), 1e-3),
    },
}


def m2_to_mu(area_m2: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Convert square metres to 亩, exactly (``area_m2 * 15 / 10000``).

    Parameters
    ----------
    area_m2 : array_like
        Areas in m², any shape.

    Returns
    -------
    numpy.ndarray
        Areas in 亩, same shape. Computed as ``area_m2 * 15 / 10000`` so that a
        200 m × 200 m square gives exactly 60.
    """
    return np.asarray(area_m2, dtype=float) * 15.0 / 10_000.0


def mu_to_m2(area_mu: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Convert 亩 to square metres, exactly (``area_mu * 10000 / 15``)."""
    return np.asarray(area_mu, dtype=float) * 10_000.0 / 15.0


def wan_from_yuan(yuan: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Convert 元 to 万元."""
    return np.asarray(yuan, dtype=float) / YUAN_PER_WAN


def kwh_from_wan_kwh(wan_kwh: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Convert 万千瓦时 (10⁴ kWh) to kWh."""
    return np.asarray(wan_kwh, dtype=float) * 10_000.0
