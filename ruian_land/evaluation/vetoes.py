"""Vetoes after banding (step 8 of :mod:`ruian_land.evaluation.run`): the veto flags named in
``evaluation.vetoes`` and their actions, applied in the order down_one, not_ab, force_d.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from ruian_land.core import InputWarning
from ruian_land.evaluation import explain
from ruian_land.evaluation.inputs import bool_column
from ruian_land.evaluation.result import CLASSES
from ruian_land.rules import EvaluationRules

__all__ = ["apply_vetoes", "veto_flags"]

_C_CLASS = CLASSES.index("C")
_D_CLASS = CLASSES.index("D")
_VETO_ORDER = {"down_one": 0, "not_ab": 1, "force_d": 2}


def veto_flags(frame: pd.DataFrame, spec: EvaluationRules) -> list[tuple[str, str, pd.Series]]:
    """``(flag, action, hits)`` per rule of ``evaluation.vetoes``, applied in the order down_one, not_ab, force_d."""
    flags = []
    for flag, action in dict(spec.require("vetoes")).items():
        if flag not in frame.columns:
            warnings.warn(
                f"veto flag column '{flag}' (evaluation.vetoes) is absent: no firm is vetoed on it",
                InputWarning,
                stacklevel=4,
            )
            continue
        flags.append((flag, action, bool_column(frame, flag, required=False)))
    return sorted(flags, key=lambda f: _VETO_ORDER[f[1]])


def apply_vetoes(
    flags: list[tuple[str, str, pd.Series]],
    cls: pd.Series,
    reasons: dict[Any, list[explain.Reason]],
    idx: pd.Index,
) -> pd.Series:
    """Lower classes (integer 0=A … 3=D) of firms ``idx`` by their veto flags; add reasons."""
    out = cls.copy()
    for flag, action, hits in flags:
        hit = hits.loc[idx]
        for i in hit.index[hit]:
            before = int(out[i])
            after = {"down_one": min(before + 1, _D_CLASS), "not_ab": max(before, _C_CLASS)}.get(
                action, _D_CLASS
            )
            out[i] = after
            reasons[i].append(explain.veto_reason(flag, action, CLASSES[before] if after != before else None))
    return out
