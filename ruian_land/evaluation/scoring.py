"""Scores of one scale group (steps 3 and 4 of :mod:`ruian_land.evaluation.run`): the indicator
weights, the benchmark of each rank group (preset, or the population average), capped and floored
scores, and one breakdown row per firm and indicator.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import InputWarning, RulesError
from ruian_land.evaluation import explain
from ruian_land.evaluation.indicators import DEFINITIONS, INDICATORS, indicator_parts
from ruian_land.rules import EvaluationRules, RuleSet, evaluation_rules

__all__ = ["group_weights", "score_group"]


def group_weights(rules: RuleSet, group: str) -> dict[str, float]:
    """Indicator weights of one group, ``{indicator: points}`` in rules order.

    Parameters
    ----------
    rules : RuleSet
        Reads ``evaluation.<group>.weight.*``.
    group : {"above", "below"}

    Raises
    ------
    RulesError
        No weights for the group, or a weight for an indicator the toolkit does not compute.
    """
    weights = {k: float(v) for k, v in evaluation_rules(rules).group(group).weight.items()}
    unknown = [k for k in weights if k not in DEFINITIONS]
    if unknown:
        raise RulesError(
            f"evaluation.{group}.weight names unknown indicators {unknown}",
            fix=f"use indicators among {list(INDICATORS)}",
        )
    return weights


def _fmean(values: pd.Series) -> float:
    """Mean independent of row order (exactly rounded sum)."""
    arr = values.dropna().to_numpy(dtype=float)
    return math.fsum(arr) / len(arr) if len(arr) else math.nan


def _benchmark(
    frame: pd.DataFrame, rules: RuleSet, spec: EvaluationRules, group: str, indicator: str, members: pd.Index
) -> tuple[float, bool]:
    """Benchmark value and whether it is a population average (over ``members``)."""
    preset = spec.group(group).benchmark.get(indicator)
    if spec.require("benchmark_mode") == "preset" and preset is not None:
        return float(preset), False
    how = spec.require("population_average")
    d = DEFINITIONS[indicator]
    avg = math.nan
    if how == "aggregate" and d.numerator in frame.columns and d.denominator in frame.columns:
        num, den = indicator_parts(frame.loc[members], rules, indicator)
        ok = num.notna() & den.gt(0)
        if ok.any():
            avg = math.fsum(num[ok]) / math.fsum(den[ok])
    if math.isnan(avg):
        avg = _fmean(frame.loc[members, indicator])
    if not avg > 0:
        warnings.warn(
            f"no usable population average for {indicator} in group '{group}' ({avg}); "
            "every firm scores the floor on it",
            InputWarning,
            stacklevel=4,
        )
        return math.nan, True
    return avg, True


def score_group(
    frame: pd.DataFrame,
    rules: RuleSet,
    spec: EvaluationRules,
    group: str,
    members: pd.Index,
    rank_group: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """Scores (``score_<ind>``, ``score_total`` before penalty), breakdown rows and benchmark rows."""
    weights = group_weights(rules, group)
    cap_ratio = float(spec.require("score_cap_ratio"))
    floor = float(spec.require("score_floor"))
    averaged_inds = set(spec.require("missing_average_indicators"))
    rg = rank_group[members]
    labels = sorted(rg.unique())
    scores = pd.DataFrame(index=members, dtype="float64")
    parts: list[pd.DataFrame] = []
    bench_rows: list[dict[str, Any]] = []
    for ind, weight in weights.items():
        values = frame.loc[members, ind].astype("float64")
        bench = pd.Series(np.nan, index=members)
        pop = pd.Series(False, index=members)
        cap = cap_ratio * weight
        for label in labels:
            idx = rg.index[rg == label]
            b, is_pop = _benchmark(frame, rules, spec, group, ind, idx)
            bench[idx], pop[idx] = b, is_pop
            basis = "population" if is_pop else "preset"
            bench_rows.append(
                dict(
                    eval_group=group,
                    eval_rank_group=label,
                    indicator=ind,
                    benchmark=b,
                    benchmark_basis=basis,
                    weight=weight,
                    cap=cap,
                    n_rated=len(idx),
                )
            )
        raw = values / bench * weight
        score = raw.clip(lower=floor, upper=cap)
        score[values.isna() | bench.isna()] = floor
        averaged = pd.Series(False, index=members)
        if ind in averaged_inds:
            den_col = DEFINITIONS[ind].denominator
            no_data = values.isna()
            if den_col in frame.columns:
                no_data &= frame.loc[members, den_col].isna()
            with_data = score[values.notna() & bench.notna()]
            if no_data.any() and len(with_data):
                score[no_data] = _fmean(with_data)
                averaged = no_data
        scores[f"score_{ind}"] = score
        note = np.select(
            [averaged, values.isna(), bench.isna(), raw > cap, raw < floor],
            ["group_average", "missing", "no_benchmark", "capped", "floored"],
            "",
        )
        parts.append(
            pd.DataFrame(
                {
                    "uscc": frame.loc[members, "uscc"],
                    "eval_group": group,
                    "eval_rank_group": rg,
                    "indicator": ind,
                    "label_zh": explain.short_label(ind),
                    "value": values,
                    "unit": DEFINITIONS[ind].unit,
                    "benchmark": bench,
                    "benchmark_basis": np.where(pop, "population", "preset"),
                    "ratio": values / bench,
                    "weight": weight,
                    "raw_score": raw,
                    "cap": cap,
                    "score": score,
                    "note": note,
                },
                index=members,
            )
        )
    scores["score_total"] = scores.sum(axis=1) if len(weights) else 0.0
    return scores, pd.concat(parts), bench_rows
