"""Ranking into classes (steps 2, 6 and 7 of :mod:`ruian_land.evaluation.run`): the rank group of
each firm (scale group, or scale group × industry), the rank within it (deterministic tie-breaks) and
the rank bounds of the classes A–D.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from ruian_land.core import InputWarning
from ruian_land.evaluation.inputs import codes
from ruian_land.evaluation.result import CLASSES
from ruian_land.rules import EvaluationRules

__all__ = ["band_bounds", "rank_firms", "rank_groups"]


def rank_groups(frame: pd.DataFrame, group: pd.Series, rated: pd.Series, spec: EvaluationRules) -> pd.Series:
    """Rank-group label per firm: ``above`` / ``below``, or ``above/33`` … with industry groups."""
    labels = group.astype("string")
    digits = int(spec.require("industry_group_digits"))
    if digits == 0:
        return labels
    if "industry_code" not in frame.columns:
        warnings.warn(
            "evaluation.industry_group_digits > 0 but the firm table has no industry_code: "
            "firms are ranked county-wide within 规上 / 规下",
            InputWarning,
            stacklevel=3,
        )
        return labels
    code = codes(frame["industry_code"]).str[:digits]
    labels = (labels + "/" + code.fillna("other")).astype("string")
    sizes = labels[rated].value_counts()
    small = labels.map(sizes).fillna(0).astype(int) < int(spec.require("industry_group_min_firms"))
    return labels.mask(small, group.astype("string") + "/other")


def rank_firms(frame: pd.DataFrame, total: pd.Series) -> pd.Series:
    """Rank 1..n: score desc, tax_per_mu desc (NaN last), uscc asc, index text asc."""
    keys = pd.DataFrame(
        {
            "score": total.astype("float64"),
            "tax": frame.loc[total.index, "tax_per_mu"].astype("float64").fillna(-math.inf),
            "uscc": frame.loc[total.index, "uscc"].astype("string").fillna(""),
            "idx": pd.Series([str(i) for i in total.index], index=total.index, dtype="string"),
        }
    )
    order = keys.sort_values(
        ["score", "tax", "uscc", "idx"], ascending=[False, False, True, True], kind="mergesort"
    ).index
    return pd.Series(np.arange(1, len(order) + 1), index=order).reindex(total.index)


def band_bounds(n: int, bands: Mapping[str, float]) -> list[int]:
    """Cumulative rank bounds ``[k_A, k_B, k_C, k_D]`` of the classes for ``n`` rated firms.

    ``k_X = round_half_up(share_X × n)`` in decimal arithmetic on the shares as written, so
    ``0.95 × 30 = 28.5`` gives 29 (binary floats would give 28.499… → 28). ``k_D = n``.

    Parameters
    ----------
    n : int
        Number of rated firms in the rank group.
    bands : mapping
        Cumulative shares for A, B, C, D (``evaluation.bands.<group>``).

    Returns
    -------
    list of int
        Non-decreasing bounds; class X has ``k_X − k_previous`` firms.
    """
    bounds = []
    for cls in CLASSES:
        exact = Decimal(str(bands[cls])) * n
        bounds.append(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    bounds[-1] = n
    return bounds
