"""The result of the 亩均效益 evaluation: the classes and statuses a firm can get, the columns the
evaluation adds, :class:`Evaluation` (firms, score breakdown, benchmarks) and :func:`class_counts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ruian_land.evaluation.policies import POLICY_COLUMNS

__all__ = [
    "BREAKDOWN_COLUMNS",
    "CLASSES",
    "EVAL_COLUMNS",
    "GROUPS",
    "STATUSES",
    "Evaluation",
    "class_counts",
]

#: Classes given by rank, best first.
CLASSES: tuple[str, ...] = ("A", "B", "C", "D")
#: Every value ``eval_class`` can take.
STATUSES: tuple[str, ...] = (*CLASSES, "exempt", "unrated")
#: Evaluation (scale) groups: 规上 and 规下.
GROUPS: tuple[str, ...] = ("above", "below")
#: Columns added by :func:`ruian_land.evaluation.run.evaluate` (besides ``score_<indicator>`` for each indicator used).
EVAL_COLUMNS: tuple[str, ...] = (
    "eval_group",
    "eval_rank_group",
    "exempt_type",
    "tenant_count",
    "score_lease_penalty",
    "score_total",
    "rank_in_group",
    "eval_class",
    "class_reason",
    "explanation",
    *POLICY_COLUMNS,
)
#: Columns of :attr:`Evaluation.breakdown` (one row per rated firm and indicator).
BREAKDOWN_COLUMNS: tuple[str, ...] = (
    "uscc",
    "eval_group",
    "eval_rank_group",
    "indicator",
    "label_zh",
    "value",
    "unit",
    "benchmark",
    "benchmark_basis",
    "ratio",
    "weight",
    "raw_score",
    "cap",
    "score",
    "note",
)


@dataclass
class Evaluation:
    """Result of :func:`ruian_land.evaluation.run.evaluate_detailed`.

    Attributes
    ----------
    firms : DataFrame
        As returned by :func:`ruian_land.evaluation.run.evaluate`.
    breakdown : DataFrame
        One row per rated firm and indicator of its group, index = the firm's index in ``firms``,
        columns :data:`BREAKDOWN_COLUMNS`: indicator ``value`` and ``unit``, ``benchmark`` and
        ``benchmark_basis`` (``preset`` | ``population``), ``ratio`` = value ÷ benchmark, ``weight``,
        ``raw_score`` = ratio × weight, ``cap`` = cap ratio × weight, ``score`` (capped and floored),
        ``note`` (``capped`` | ``floored`` | ``missing`` | ``group_average`` | ``no_benchmark`` | blank).
    benchmarks : DataFrame
        One row per rank group and indicator: ``eval_group``, ``eval_rank_group``, ``indicator``,
        ``benchmark``, ``benchmark_basis``, ``weight``, ``cap``, ``n_rated``.
    """

    firms: pd.DataFrame
    breakdown: pd.DataFrame
    benchmarks: pd.DataFrame


def class_counts(evaluated: pd.DataFrame) -> dict[str, int]:
    """Number of firms per class: ``{A, B, C, D, exempt, unrated}`` (ints; zero when absent).

    Parameters
    ----------
    evaluated : DataFrame
        Output of :func:`ruian_land.evaluation.run.evaluate` (reads ``eval_class``).
    """
    counts = evaluated["eval_class"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}
