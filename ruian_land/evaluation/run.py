"""亩均效益综合评价, the entry points :func:`evaluate_detailed` and :func:`evaluate`: scores, ranks,
classes A/B/C/D, vetoes, exemptions, tenants and lease penalties.

Method (RULES.md §2; every number from the rule set, typed by :class:`ruian_land.rules.EvaluationRules`):

1. **Status.** ``exempt`` (with an ``exempt_type``) when ``exempt_reason`` is filled in (公用事业 →
   ``utility``, 政策性搬迁 → ``relocation``, 建设期 → ``construction``, 新设企业 → ``new_firm``, any other
   text → ``other``); when the firm is younger than ``evaluation.new_firm_years`` at ``as_of`` (age from
   the first known of ``evaluation.new_firm_date_columns``: 成立日期, else 投产日期) → ``new_firm``; or when
   its land was granted less than ``evaluation.land_grant_years`` before ``as_of`` → ``land_grant``
   (grant date: the firm column ``land_granted_date``, else the earliest ``grant_date`` of the parcels
   it owns, from ``occupancy.links`` and ``parcels``). Otherwise ``unrated`` when the firm has no linked
   land, is 规下 with ``land_area_mu < evaluation.min_rated_area_mu`` (plan §三(一)1), or its tax is not
   known (:func:`ruian_land.evaluation.status.missing_tax`: no row in the tax table or a blank cell;
   reason ``缺少税收数据 / no tax record``): a missing tax is missing data, never 0, so it is not ranked at the bottom. The rest are
   *rated*. A rated 规上 firm with no statistics record (``in_statistics`` False) keeps the missing-indicator
   rule of step 4 (its value-added indicators score the floor) and its ``class_reason`` says so.
2. **Groups.** 规上 (``above_scale``) → ``above`` with weights ``evaluation.above.weight.*``; 规下 →
   ``below`` (亩均税收 and 单位电耗税收, 50/50 in Huangyan). Firms are ranked within *rank groups*: the
   scale group, or, with ``evaluation.industry_group_digits = k > 0``, the scale group × the first k
   digits of ``industry_code`` (``above/33``); industries with fewer than
   ``evaluation.industry_group_min_firms`` rated firms, or no code, are pooled as ``above/other``.
3. **Benchmarks.** ``evaluation.benchmark_mode = preset``: ``evaluation.<group>.benchmark.<indicator>``;
   a null benchmark falls back to the population average. ``population_mean``: always the average.
   The population average is taken over the rated firms of the rank group with data: Σ numerator ÷
   Σ denominator (``evaluation.population_average = aggregate``, how county averages are published),
   or the mean of firm values (``firm_mean``).
4. **Scores.** ``score = clip(value / benchmark × weight, score_floor, score_cap_ratio × weight)``. A
   missing value scores ``score_floor``, except for indicators in ``evaluation.missing_average_indicators``
   (单位排放增加值): a firm whose denominator is not reported (``emission_t`` NaN) gets the mean capped
   score of the rated firms of its scale group that have a value (Huangyan: "the average 规上 score").
5. **Lease penalty.** ``score_total`` = Σ scores − penalty, where a landlord with ``n ≥ 1`` tenants loses
   ``first + (n − 1) × further`` points (``evaluation.<group>.lease_penalty``; Wenling: 规上 0 + 5 per
   further tenant, 规下 10 + 5). Tenants are the distinct firms leasing land on parcels the firm owns
   (``occupancy.links``), or naming it in a ``landlord_uscc`` column when ``firms`` has one.
6. **Rank** within the rank group by ``score_total`` descending; exact ties by ``tax_per_mu`` descending
   (NaN last), then ``uscc`` ascending, then the index as text: deterministic and independent of row order.
7. **Classes by rank.** With ``n`` rated firms in the rank group and cumulative shares ``s_A ≤ s_B ≤ s_C ≤
   s_D = 1`` (``evaluation.bands.<group>``), the bounds are ``k_X = round_half_up(s_X × n)`` computed in
   decimal arithmetic on the shares as written (0.95 × 30 = 28.5 → 29); rank ``r`` (1 = best) gets the first
   class with ``k_X ≥ r``. Class counts equal ``k_A, k_B − k_A, k_C − k_B, n − k_C`` (100 firms, default
   bands → 20/55/20/5; Wenling 规上 → 20/60/15/5, 规下 → 5/70/20/5).
8. **Vetoes** after banding, by ``evaluation.vetoes`` (boolean flag → action): every true ``down_one``
   flag lowers the class by one (D stays D), then a true ``not_ab`` flag caps it at C, then a true
   ``force_d`` flag sets D. A vetoed firm keeps its score and rank and its band place is not passed on,
   so with vetoes the A/B counts fall below the band sizes. Exempt firms stay exempt.
9. **Tenants** (``evaluation.tenant_takes_landlord_class``): a non-exempt 规下 firm whose landlord (the
   ``landlord_uscc`` column, or the owner of the parcel it leases most of) has a class A–D takes that
   class, then its own vetoes apply; this also gives a class to a small tenant that would be unrated,
   but not to a tenant whose tax is missing (it stays unrated until its tax is known).
10. **Policies** per firm (:func:`ruian_land.evaluation.policies.differentiated_policies`): 城镇土地使用税 relief,
    差别电价 by class and consecutive D years, 碳效 level and grade.

Where the steps live: status (1) :mod:`ruian_land.evaluation.status`; rank groups, ranks and
class bounds (2, 6, 7) :mod:`ruian_land.evaluation.ranking`; weights, benchmarks and scores (3, 4)
:mod:`ruian_land.evaluation.scoring`; vetoes (8) :mod:`ruian_land.evaluation.vetoes`; the result type
and its columns :mod:`ruian_land.evaluation.result`. This module runs them in order and writes the
explanations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import PARALLEL_MIN_ITEMS, cores, start_forked
from ruian_land.evaluation import explain
from ruian_land.evaluation.indicators import add_indicators
from ruian_land.evaluation.inputs import (
    as_of_timestamp,
    bool_column,
    check_firms,
    codes,
    land_grant_dates,
    landlords,
    tenant_counts,
)
from ruian_land.evaluation.policies import differentiated_policies
from ruian_land.evaluation.ranking import band_bounds, rank_firms, rank_groups
from ruian_land.evaluation.result import BREAKDOWN_COLUMNS, CLASSES, EVAL_COLUMNS, GROUPS, Evaluation
from ruian_land.evaluation.scoring import group_weights, score_group
from ruian_land.evaluation.status import firm_status, missing_tax
from ruian_land.evaluation.vetoes import apply_vetoes, veto_flags
from ruian_land.rules import EvaluationRules, RuleSet, evaluation_rules

__all__ = ["evaluate", "evaluate_detailed"]


def evaluate_detailed(
    firms: pd.DataFrame,
    rules: RuleSet,
    occupancy: Any = None,
    *,
    as_of: dt.date | str | pd.Timestamp | None = None,
    parcels: pd.DataFrame | None = None,
    previous_classes: pd.DataFrame | None = None,
    year: int | None = None,
) -> Evaluation:
    """Run the 亩均效益综合评价 (method in the module docstring) and keep the score breakdown.

    Parameters and errors as for :func:`evaluate`.

    Returns
    -------
    Evaluation
        ``firms`` (the :func:`evaluate` frame), ``breakdown`` (one row per rated firm and indicator)
        and ``benchmarks`` (one row per rank group and indicator).
    """
    check_firms(firms)
    when = as_of_timestamp(as_of)
    spec = evaluation_rules(rules)
    frame = add_indicators(firms.drop(columns=[c for c in EVAL_COLUMNS if c in firms.columns]), rules)
    above = bool_column(frame, "above_scale", required=True)
    group = pd.Series(np.where(above, "above", "below"), index=frame.index, dtype=object)
    status, etype, status_reasons = firm_status(
        frame, above, spec, when, land_grant_dates(frame, occupancy, parcels)
    )
    rated_mask = status == "rated"
    rank_group = rank_groups(frame, group, rated_mask, spec)
    tenants = tenant_counts(frame, occupancy)

    used_inds = list(dict.fromkeys(ind for g in GROUPS for ind in group_weights(rules, g)))
    scores = pd.DataFrame(
        np.nan, index=frame.index, columns=[f"score_{i}" for i in used_inds] + ["score_total"]
    )
    penalty = pd.Series(np.nan, index=frame.index, dtype="float64")
    rank = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    cls = pd.Series(-1, index=frame.index, dtype="int64")
    reasons: dict[Any, list[explain.Reason]] = {i: [] for i in frame.index}
    n_rated: dict[str, int] = {}
    parts: list[pd.DataFrame] = []
    bench_rows: list[dict[str, Any]] = []
    for g in GROUPS:
        members = frame.index[(group == g) & rated_mask]
        if not len(members):
            continue
        g_scores, g_parts, g_bench = score_group(frame, rules, spec, g, members, rank_group)
        parts.append(g_parts)
        bench_rows += g_bench
        lease = spec.group(g).lease_penalty
        pen = pd.Series([lease.points(int(n)) if lease else 0.0 for n in tenants[members]], index=members)
        g_scores["score_total"] -= pen
        penalty[members] = pen
        scores.loc[members, g_scores.columns] = g_scores
        bands = spec.group_bands(g).as_dict()
        for label in sorted(rank_group[members].unique()):
            idx = members[(rank_group[members] == label).to_numpy()]
            g_rank = rank_firms(frame, g_scores.loc[idx, "score_total"])
            rank[idx] = g_rank.to_numpy()
            n_rated[label] = len(idx)
            cls[idx] = np.searchsorted(
                np.asarray(band_bounds(len(idx), bands)), g_rank.to_numpy(), side="left"
            )
        member_cls = cls[members].to_numpy().tolist()
        by_class = {c: explain.band_reason(CLASSES[c], bands) for c in set(member_cls)}  # texts per class
        for i, c in zip(members, member_cls, strict=True):
            reasons[i].append(by_class[c])
        if g == "above" and "in_statistics" in frame.columns:
            no_stats = ~bool_column(frame.loc[members], "in_statistics", required=False)
            for i in no_stats.index[no_stats.to_numpy()]:
                reasons[i].append(explain.no_statistics_note())
    flags = veto_flags(frame, spec)
    cls = apply_vetoes(flags, cls, reasons, frame.index[rated_mask])

    if spec.require("tenant_takes_landlord_class"):
        landlord = landlords(frame, occupancy)
        own = pd.Series(cls.to_numpy(), index=codes(frame["uscc"]).to_numpy())
        own = own[(own.to_numpy() >= 0) & np.asarray(own.index.notna())]
        mapped = landlord.map(own)
        no_tax = missing_tax(frame) & (status == "unrated")
        took = frame.index[~above & (status != "exempt") & ~no_tax & mapped.notna().to_numpy()]
        took_cls = mapped.loc[took].to_numpy(dtype=float).astype(int)
        cls.loc[took] = took_cls
        status.loc[took] = "rated"
        for i, lord, c in zip(took, landlord.loc[took].tolist(), took_cls.tolist(), strict=True):
            reasons[i] = [explain.tenant_reason(str(lord), CLASSES[c])]
        cls = apply_vetoes(flags, cls, reasons, took)

    eval_class = pd.Series(
        [CLASSES[c] if c >= 0 else s for c, s in zip(cls.to_numpy(), status.to_numpy(), strict=True)],
        index=frame.index,
        dtype=object,
    )
    breakdown = (
        pd.concat(parts).reindex(columns=list(BREAKDOWN_COLUMNS))
        if parts
        else pd.DataFrame(columns=list(BREAKDOWN_COLUMNS))
    )
    explanation = _explanations(
        frame, spec, group, rank_group, breakdown, scores["score_total"], penalty, tenants, rank, n_rated,
        eval_class, reasons, status_reasons,
    )  # fmt: skip
    policies = differentiated_policies(
        frame.assign(eval_class=eval_class),
        rules,
        previous_classes=previous_classes,
        year=year if year is not None else when.year,
    )

    out = frame.copy()
    out["eval_group"] = group
    out["eval_rank_group"] = rank_group.where(rated_mask.to_numpy() & rank.notna().to_numpy()).astype(
        "string"
    )
    out["exempt_type"] = etype
    out["tenant_count"] = tenants
    out["score_lease_penalty"] = penalty
    for col in scores.columns:
        out[col] = scores[col].astype("float64")
    out["rank_in_group"] = rank
    out["eval_class"] = eval_class
    out["class_reason"] = pd.Series(
        [explain.join_reasons(reasons[i] or [status_reasons[i]]) for i in frame.index],
        index=frame.index,
        dtype=object,
    )
    out["explanation"] = explanation
    for col in policies.columns:
        out[col] = policies[col]
    benchmarks = pd.DataFrame(bench_rows)
    out.attrs["benchmarks"] = {
        label: {
            r["indicator"]: (r["benchmark"], r["benchmark_basis"] == "population") for _, r in rows.iterrows()
        }
        for label, rows in (benchmarks.groupby("eval_rank_group") if len(benchmarks) else [])
    }
    position = pd.Series(np.arange(len(frame)), index=frame.index)
    breakdown = breakdown.iloc[np.argsort(position[breakdown.index].to_numpy(), kind="stable")]
    return Evaluation(firms=out, breakdown=breakdown, benchmarks=benchmarks)


def _explanations(
    frame: pd.DataFrame,
    spec: EvaluationRules,
    group: pd.Series,
    rank_group: pd.Series,
    breakdown: pd.DataFrame,
    totals: pd.Series,
    penalty: pd.Series,
    tenants: pd.Series,
    rank: pd.Series,
    n_rated: dict[str, int],
    eval_class: pd.Series,
    reasons: dict[Any, list[explain.Reason]],
    status_reasons: dict[Any, explain.Reason],
) -> pd.Series:
    """The ``explanation`` column: a breakdown for rated firms, the class and its reasons for all."""
    floor = float(spec.score_floor or 0.0)
    bd = breakdown
    idx = frame.index
    # the breakdown as plain arrays, with each row's firm position: each process builds the
    # indicator items of the firms it writes
    at = pd.Index(idx).get_indexer(bd.index)
    columns = (
        bd.index.to_numpy(dtype=object),
        bd["indicator"].astype(str).to_numpy(dtype=object),
        bd["value"].astype(float).to_numpy(),
        bd["benchmark"].astype(float).to_numpy(),
        (bd["benchmark_basis"] == "population").to_numpy(dtype=bool),
        bd["weight"].astype(float).to_numpy(),
        bd["score"].astype(float).to_numpy(),
        bd["cap"].astype(float).to_numpy(),
        (bd["note"] == "group_average").to_numpy(dtype=bool),
    )
    items: dict[Any, list[explain.IndicatorScore]] = {}

    def build_items(start: int, stop: int) -> None:
        """``items`` of the firms at positions ``start:stop`` (breakdown order kept per firm)."""
        sel = np.flatnonzero((at >= start) & (at < stop))
        rows = zip(*(c[sel].tolist() for c in columns), strict=True)
        for i, name, value, bench, population, weight, score, cap, averaged in rows:
            items.setdefault(i, []).append(
                explain.IndicatorScore(name, value, bench, population, weight, score, cap, floor, averaged)
            )

    # plain lists, one entry per firm in frame order: no pandas lookup per firm
    ranks = rank.reindex(idx).tolist()
    groups = group.reindex(idx).astype(str).tolist()
    rank_groups = rank_group.reindex(idx).astype(str).tolist()
    total_l = totals.reindex(idx).tolist()
    penalty_l = penalty.reindex(idx).tolist()
    tenant_l = tenants.reindex(idx).tolist()
    classes = eval_class.reindex(idx).astype(str).tolist()
    lease_of: dict[str, Any] = {}  # per scale group, looked up when first needed (as before)

    def texts_of(start: int, stop: int) -> list[str]:
        """The explanations of the firms at positions ``start:stop``."""
        build_items(start, stop)
        return [text_at(k, idx[k]) for k in range(start, stop)]

    def text_at(k: int, i: Any) -> str:
        if i in items and not pd.isna(ranks[k]):
            g = groups[k]
            if g not in lease_of:
                lease_of[g] = spec.group(g).lease_penalty
            lease = lease_of[g]
            line = None
            if lease and float(penalty_l[k]) > 0:
                line = explain.lease_penalty_line(
                    int(tenant_l[k]), float(penalty_l[k]), lease.first, lease.further
                )
            return explain.explanation_text(
                g,
                items[i],
                float(total_l[k]),
                int(ranks[k]),
                n_rated[rank_groups[k]],
                classes[k],
                reasons[i],
                penalty_line=line,
                rank_group=rank_groups[k],
            )
        rs = reasons[i] or [status_reasons[i]]
        return f"评级 {classes[k]}: " + "; ".join(zh for zh, _ in rs)

    n = len(idx)
    if _split_explanations(n):  # the second half written by a forked process meanwhile
        half = n // 2
        rest = start_forked(lambda: texts_of(half, n))
        texts = texts_of(0, half) + rest()
    else:
        texts = texts_of(0, n)
    return pd.Series(texts, index=frame.index, dtype=object)


def _split_explanations(n: int) -> bool:
    """Write the explanations of ``n`` firms in two processes: two cores and enough firms."""
    return cores() >= 2 and n >= 5 * PARALLEL_MIN_ITEMS


def evaluate(
    firms: pd.DataFrame,
    rules: RuleSet,
    occupancy: Any = None,
    *,
    as_of: dt.date | str | pd.Timestamp | None = None,
    parcels: pd.DataFrame | None = None,
    previous_classes: pd.DataFrame | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Run the 亩均效益综合评价 on a firm table (method in the module docstring).

    Parameters
    ----------
    firms : DataFrame
        One row per firm, unique index (any), columns per docs/CONTRACTS.md §2: ``uscc`` (str, unique),
        ``above_scale`` (bool), ``land_area_mu`` (亩, NaN when unlinked), ``tax_wan`` and the other raw
        columns of :func:`ruian_land.evaluation.indicators.compute_indicators`; optional ``exempt_reason``,
        ``established_date`` / ``production_start_date`` / ``land_granted_date`` (dates), veto flags
        (bool, named in ``evaluation.vetoes``), ``industry_code``, ``landlord_uscc``, ``elec_kwh`` and
        ``land_use_tax_wan`` (policies). Energy and indicator columns already present are **used as
        given** (a planner's correction wins); absent ones are computed from the raw columns.
    rules : RuleSet
        A base preset merged with an evaluation preset (``evaluation.*``, ``policy.*``, ``carbon.*``,
        ``energy.*``).
    occupancy : link.Occupancy, optional
        Its ``links`` (``uscc``, ``parcel_id``, ``tenure``, ``land_area_m2``) give tenants' landlords and
        landlords' tenant counts (when ``firms`` has no ``landlord_uscc``) and the parcels each firm owns.
    as_of : date-like, optional
        Evaluation date for the new-firm and land-grant exemptions; default the project config's
        default ``evaluation_date`` (2021-12-31). The pipeline passes ``config.evaluation_date``.
    parcels : DataFrame, optional
        Parcels with ``parcel_id`` and ``grant_date``: with ``occupancy``, the land grant date of each
        owner (land-grant exemption) when ``firms`` has no ``land_granted_date``.
    previous_classes : DataFrame, optional
        Earlier years' classes (``uscc`` × year; see :mod:`ruian_land.evaluation.policies`) for the escalating
        electricity surcharge; without them no escalation.
    year : int, optional
        This evaluation's (data) year for ``previous_classes``; default ``as_of``'s year.

    Returns
    -------
    DataFrame
        A copy of ``firms`` (same index and row order) with energy and indicator columns added when
        absent, ``score_<indicator>`` for each indicator of either group (NaN outside the group and
        for exempt / unrated firms) and :data:`ruian_land.evaluation.result.EVAL_COLUMNS`: ``eval_group`` (above|below),
        ``eval_rank_group`` (``above``, or ``above/33`` with industry groups; NA when not ranked),
        ``exempt_type`` (utility|new_firm|land_grant|construction|relocation|other; NA otherwise),
        ``tenant_count`` (Int64), ``score_lease_penalty`` (points deducted), ``score_total`` (after the
        penalty), ``rank_in_group`` (Int64, 1 = best within the rank group), ``eval_class``
        (A|B|C|D|exempt|unrated), ``class_reason`` (``中文 / English``, reasons joined by ``; ``),
        ``explanation`` (one line per indicator, ``\\n``-separated) and the policy columns
        (:data:`ruian_land.evaluation.policies.POLICY_COLUMNS`). ``attrs["benchmarks"]`` holds
        ``{rank_group: {indicator: (benchmark, is_population_average)}}``.

    Raises
    ------
    InputError
        Duplicate index or uscc, missing ``uscc`` / ``above_scale`` / ``tax_wan`` / ``land_area_mu``,
        non-boolean flags, unreadable dates, non-numeric or negative quantities, malformed previous classes.
    RulesError
        Missing evaluation rules or weights for an unknown indicator.
    """
    return evaluate_detailed(
        firms,
        rules,
        occupancy,
        as_of=as_of,
        parcels=parcels,
        previous_classes=previous_classes,
        year=year,
    ).firms
