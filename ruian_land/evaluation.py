"""亩均效益综合评价: scores, ranks, classes A/B/C/D, vetoes, exemptions and the levers tied to them.

Method (RULES.md §2; every number from the rule set):

1. **Status.** ``exempt`` when ``exempt_reason`` is filled in (公用事业, 政策性搬迁, 建设期 …) or the firm is
   younger than ``evaluation.new_firm_years`` at ``as_of`` (age from the first of
   ``evaluation.new_firm_date_columns`` that is known: 成立日期, else 投产日期). Otherwise ``unrated``
   when the firm has no linked land (``land_area_mu`` NaN or ≤ 0; 规上 or 规下), or is 规下 with
   ``land_area_mu < evaluation.min_rated_area_mu`` (plan §三(一)1). The rest are *rated*.
2. **Groups.** 规上 (``above_scale``) → ``above``, indicators/weights ``evaluation.above.weight.*``;
   规下 → ``below`` (``evaluation.below.weight.*``: 亩均税收 and 单位电耗税收, 50/50 in Huangyan).
3. **Benchmarks.** ``evaluation.benchmark_mode = preset``: ``evaluation.<group>.benchmark.<indicator>``;
   a null benchmark falls back to the population average. ``population_mean``: always the average.
   The population average is taken over the *rated* firms of the group with data: Σ numerator ÷ Σ
   denominator (``evaluation.population_average = aggregate``, how county averages are published), or
   the mean of firm values (``firm_mean``).
4. **Scores.** ``score = clip(value / benchmark × weight, score_floor, score_cap_ratio × weight)``.
   A missing value scores ``score_floor`` (0), except for indicators in
   ``evaluation.missing_average_indicators`` (单位排放增加值): a firm whose denominator is not reported
   (``emission_t`` NaN) gets the mean capped score of the rated firms of its group that have a value.
   ``score_total`` = Σ scores. Exempt and unrated firms get no score (NaN).
5. **Rank** within the group by ``score_total`` descending; exact ties by ``tax_per_mu`` descending (NaN
   last), then ``uscc`` ascending, then the index as text — independent of row order.
6. **Classes by rank.** With ``n`` rated firms and cumulative shares ``s_A ≤ s_B ≤ s_C ≤ s_D = 1``
   (``evaluation.bands.<group>``), the cumulative bounds are ``k_X = round_half_up(s_X × n)`` computed in
   decimal arithmetic on the shares as written (0.95 × 30 = 28.5 → 29); rank ``r`` (1 = best) gets the
   first class with ``k_X ≥ r``. Class counts equal ``k_A, k_B − k_A, k_C − k_B, n − k_C``
   (100 firms → 20/55/20/5; 10 firms → 2/6/2/0).
7. **Vetoes** after banding: a true flag in ``evaluation.veto_not_ab`` caps the class at C, one in
   ``evaluation.veto_force_d`` sets D. The vetoed firm keeps its rank and its band place is not passed
   on, so with vetoes A/B counts fall below the band sizes. Exempt firms stay exempt.
8. **Tenants** (``evaluation.tenant_takes_landlord_class``): a non-exempt 规下 firm with a
   ``landlord_uscc`` (column; or, when absent, the owner of the parcel it leases most of in
   ``occupancy.links``) whose landlord has a class A–D takes that class (then its own vetoes apply);
   this also gives a class to a small tenant that would be unrated. Its own score and rank are kept.
9. **Levers.** ``land_tax_relief`` = ``policy.land_tax_relief_A`` / ``_B`` for A / B, else 0
   (浙政办发〔2019〕62号); 碳效 columns from :func:`ruian_land.energy.carbon_efficiency`.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from ruian_land import explain
from ruian_land.config import ProjectConfig
from ruian_land.energy import carbon_efficiency, numeric_column
from ruian_land.errors import InputError, InputWarning, RulesError
from ruian_land.indicators import DEFINITIONS, INDICATORS, add_indicators, indicator_parts
from ruian_land.rules import RuleSet

__all__ = [
    "CLASSES",
    "EVAL_COLUMNS",
    "GROUPS",
    "STATUSES",
    "band_bounds",
    "class_counts",
    "evaluate",
    "group_weights",
]

#: Classes given by rank, best first.
CLASSES: tuple[str, ...] = ("A", "B", "C", "D")
#: Every value ``eval_class`` can take.
STATUSES: tuple[str, ...] = (*CLASSES, "exempt", "unrated")
#: Evaluation groups: 规上 and 规下.
GROUPS: tuple[str, ...] = ("above", "below")
#: Columns added by :func:`evaluate` (besides ``score_<indicator>`` for each indicator used).
EVAL_COLUMNS: tuple[str, ...] = (
    "eval_group",
    "score_total",
    "rank_in_group",
    "eval_class",
    "class_reason",
    "explanation",
    "land_tax_relief",
    "carbon_efficiency_L",
    "carbon_level",
    "carbon_k",
    "carbon_grade",
)
_C_CLASS = CLASSES.index("C")
_D_CLASS = CLASSES.index("D")


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
    weights = {k: float(v) for k, v in rules.section(f"evaluation.{group}.weight").items()}
    if not weights:
        raise RulesError(
            f"no evaluation.{group}.weight.* rules", fix="load an evaluation preset such as huangyan_2021"
        )
    unknown = [k for k in weights if k not in DEFINITIONS]
    if unknown:
        raise RulesError(
            f"evaluation.{group}.weight names unknown indicators {unknown}",
            fix=f"use indicators among {list(INDICATORS)}",
        )
    return weights


def band_bounds(n: int, bands: Mapping[str, float]) -> list[int]:
    """Cumulative rank bounds ``[k_A, k_B, k_C, k_D]`` of the classes for ``n`` rated firms.

    ``k_X = round_half_up(share_X × n)`` in decimal arithmetic on the shares as written, so
    ``0.95 × 30 = 28.5`` gives 29 (binary floats would give 28.499… → 28). ``k_D = n``.

    Parameters
    ----------
    n : int
        Number of rated firms in the group.
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


def class_counts(evaluated: pd.DataFrame) -> dict[str, int]:
    """Number of firms per class: ``{A, B, C, D, exempt, unrated}`` (ints; zero when absent).

    Parameters
    ----------
    evaluated : DataFrame
        Output of :func:`evaluate` (reads ``eval_class``).
    """
    counts = evaluated["eval_class"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


# --------------------------------------------------------------------------- input checks


def _bool_column(frame: pd.DataFrame, column: str, *, required: bool) -> pd.Series:
    if column not in frame.columns:
        if required:
            raise InputError(
                f"column '{column}' is missing from the firm table",
                column=column,
                fix=f"supply '{column}' as True/False (see docs/CONTRACTS.md §2)",
            )
        return pd.Series(False, index=frame.index)
    raw = frame[column]
    if raw.dtype == bool:
        return raw
    ok = raw.isna() | raw.isin([True, False, 0, 1])
    if not ok.all() or (required and raw.isna().any()):
        pos = int(np.flatnonzero((~ok | raw.isna() if required else ~ok).to_numpy())[0])
        raise InputError(
            f"value {raw.iloc[pos]!r} is not True/False",
            column=column,
            row=f"{frame.index[pos]} (uscc {frame['uscc'].iloc[pos]})",
            fix="use True/False (是/否 and 规上/规下 are mapped when the registry is read)",
        )
    return raw.fillna(False).astype(bool)


def _check_firms(firms: pd.DataFrame) -> None:
    if not firms.index.is_unique:
        raise InputError(
            "the firm table's index has duplicates",
            fix="give one row per firm (reset_index or dedupe by uscc)",
        )
    if "uscc" not in firms.columns:
        raise InputError("column 'uscc' is missing from the firm table", column="uscc", fix="supply uscc")
    codes = firms["uscc"]
    dup = codes.notna() & codes.duplicated(keep=False)
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"uscc {codes.iloc[pos]} appears on more than one row",
            column="uscc",
            row=str(firms.index[pos]),
            fix="merge the rows of the same firm before evaluating",
        )


def _as_of(as_of: Any) -> pd.Timestamp:
    if as_of is None:
        as_of = ProjectConfig.model_fields["evaluation_date"].default
    try:
        return pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise InputError(f"as_of = {as_of!r} is not a date", fix="pass a date such as 2021-12-31") from None


def _date_column(frame: pd.DataFrame, column: str) -> pd.Series:
    try:
        return pd.to_datetime(frame[column], errors="raise")
    except (TypeError, ValueError):
        raise InputError(
            "dates could not be read", column=column, fix="use dates such as 2019-06-30 (blank if unknown)"
        ) from None


# --------------------------------------------------------------------------- status


def _status(
    frame: pd.DataFrame, above: pd.Series, rules: RuleSet, as_of: pd.Timestamp
) -> tuple[pd.Series, dict[Any, explain.Reason]]:
    """``rated`` / ``exempt`` / ``unrated`` per firm and the reason of the last two."""
    status = pd.Series("rated", index=frame.index, dtype=object)
    reasons: dict[Any, explain.Reason] = {}
    listed = (
        frame["exempt_reason"].astype("string").str.strip().fillna("")
        if "exempt_reason" in frame.columns
        else pd.Series("", index=frame.index, dtype="string")
    )
    for idx in listed.index[listed != ""]:
        status[idx] = "exempt"
        reasons[idx] = explain.exempt_reason_text(str(listed[idx]))
    years = float(rules.value("evaluation.new_firm_years"))
    date = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for col in rules.value("evaluation.new_firm_date_columns"):
        if col in frame.columns:
            date = date.fillna(_date_column(frame, col))
    young = date.notna() & (date + pd.DateOffset(months=round(years * 12)) > as_of)
    for idx in young.index[young & (status == "rated")]:
        status[idx] = "exempt"
        reasons[idx] = explain.new_firm_reason(years, f"{date[idx]:%Y-%m-%d}")
    land = numeric_column(frame, "land_area_mu", required=True, non_negative=True)
    min_mu = float(rules.value("evaluation.min_rated_area_mu"))
    unlinked = (land.isna() | (land <= 0)) & (status == "rated")
    small = ~above & (land < min_mu) & ~unlinked & (status == "rated")
    for idx in unlinked.index[unlinked]:
        status[idx] = "unrated"
        reasons[idx] = explain.unlinked_reason()
    for idx in small.index[small]:
        status[idx] = "unrated"
        reasons[idx] = explain.small_firm_reason(float(land[idx]), min_mu)
    return status, reasons


# --------------------------------------------------------------------------- scoring


def _fmean(values: pd.Series) -> float:
    """Mean independent of row order (exactly rounded sum)."""
    arr = values.dropna().to_numpy(dtype=float)
    return math.fsum(arr) / len(arr) if len(arr) else math.nan


def _benchmark(
    frame: pd.DataFrame, rules: RuleSet, group: str, indicator: str, members: pd.Index
) -> tuple[float, bool]:
    """Benchmark value and whether it is a population average."""
    mode = rules.value("evaluation.benchmark_mode")
    if mode not in ("preset", "population_mean"):
        raise RulesError(
            f"evaluation.benchmark_mode = {mode!r} is unknown", fix="use 'preset' or 'population_mean'"
        )
    key = f"evaluation.{group}.benchmark.{indicator}"
    preset = rules.value(key) if key in rules else None
    if mode == "preset" and preset is not None:
        return float(preset), False
    how = rules.value("evaluation.population_average")
    if how not in ("aggregate", "firm_mean"):
        raise RulesError(
            f"evaluation.population_average = {how!r} is unknown", fix="use 'aggregate' or 'firm_mean'"
        )
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
            stacklevel=3,
        )
        return math.nan, True
    return avg, True


def _score_group(
    frame: pd.DataFrame, rules: RuleSet, group: str, members: pd.Index
) -> tuple[pd.DataFrame, dict[Any, list[explain.IndicatorScore]], dict[str, tuple[float, bool]]]:
    weights = group_weights(rules, group)
    cap_ratio = float(rules.value("evaluation.score_cap_ratio"))
    floor = float(rules.value("evaluation.score_floor"))
    averaged_inds = set(rules.value("evaluation.missing_average_indicators") or [])
    scores = pd.DataFrame(index=members, dtype="float64")
    items: dict[Any, list[explain.IndicatorScore]] = {i: [] for i in members}
    used: dict[str, tuple[float, bool]] = {}
    for ind, weight in weights.items():
        values = frame.loc[members, ind].astype("float64")
        bench, is_pop = _benchmark(frame, rules, group, ind, members)
        used[ind] = (bench, is_pop)
        cap = cap_ratio * weight
        score = (values / bench * weight).clip(lower=floor, upper=cap)
        score[values.isna() | math.isnan(bench)] = floor
        averaged = pd.Series(False, index=members)
        if ind in averaged_inds:
            den_col = DEFINITIONS[ind].denominator
            no_data = values.isna()
            if den_col in frame.columns:
                no_data &= frame.loc[members, den_col].isna()
            with_data = score[values.notna()]
            if no_data.any() and len(with_data):
                score[no_data] = _fmean(with_data)
                averaged = no_data
        scores[f"score_{ind}"] = score
        for i in members:
            items[i].append(
                explain.IndicatorScore(
                    ind,
                    float(values[i]),
                    bench,
                    is_pop,
                    weight,
                    float(score[i]),
                    cap,
                    floor,
                    bool(averaged[i]),
                )
            )
    scores["score_total"] = scores.sum(axis=1) if len(weights) else 0.0
    return scores, items, used


def _rank(frame: pd.DataFrame, total: pd.Series) -> pd.Series:
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


# --------------------------------------------------------------------------- classes


def _apply_vetoes(
    frame: pd.DataFrame,
    rules: RuleSet,
    cls: pd.Series,
    reasons: dict[Any, list[explain.Reason]],
    idx: pd.Index,
) -> pd.Series:
    """Cap classes (integer 0=A … 3=D) of firms ``idx`` by their veto flags; add reasons."""
    out = cls.copy()
    for key, target in (("evaluation.veto_not_ab", _C_CLASS), ("evaluation.veto_force_d", _D_CLASS)):
        for flag in rules.value(key) or []:
            if flag not in frame.columns:
                warnings.warn(
                    f"veto flag column '{flag}' ({key}) is absent: no firm is vetoed on it",
                    InputWarning,
                    stacklevel=3,
                )
                continue
            hit = _bool_column(frame, flag, required=False).loc[idx]
            for i in hit.index[hit]:
                was = CLASSES[out[i]] if out[i] < target else None
                out[i] = max(out[i], target)
                make = explain.veto_not_ab_reason if target == _C_CLASS else explain.veto_force_d_reason
                reasons[i].append(make(flag, was))
    return out


def _landlords(frame: pd.DataFrame, occupancy: Any) -> pd.Series | None:
    """Landlord uscc per firm: the ``landlord_uscc`` column, else derived from ``occupancy.links``."""
    if "landlord_uscc" in frame.columns:
        codes = frame["landlord_uscc"].astype("string").str.strip()
        return codes.mask(codes == "")
    links = getattr(occupancy, "links", None)
    if not isinstance(links, pd.DataFrame) or not {"uscc", "parcel_id", "tenure"} <= set(links.columns):
        return None
    owners = (
        links.loc[links["tenure"] == "own"]
        .sort_values(["parcel_id", "uscc"], kind="mergesort")
        .drop_duplicates("parcel_id")
        .set_index("parcel_id")["uscc"]
    )
    leases = links.loc[links["tenure"] == "lease"]
    area = "land_area_m2" if "land_area_m2" in leases.columns else "land_area_mu"
    keys = [area, "parcel_id"] if area in leases.columns else ["parcel_id"]
    asc = [False, True] if len(keys) == 2 else [True]
    first = leases.sort_values(keys, ascending=asc, kind="mergesort").drop_duplicates("uscc")
    landlord_of = pd.Series(first["parcel_id"].map(owners).to_numpy(), index=first["uscc"].to_numpy())
    return frame["uscc"].map(landlord_of).astype("string")


# --------------------------------------------------------------------------- main


def evaluate(
    firms: pd.DataFrame,
    rules: RuleSet,
    occupancy: Any = None,
    *,
    as_of: dt.date | str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Run the 亩均效益综合评价 on a firm table (method in the module docstring).

    Parameters
    ----------
    firms : DataFrame
        One row per firm, unique index (any), columns per docs/CONTRACTS.md §2: ``uscc`` (str, unique),
        ``above_scale`` (bool), ``land_area_mu`` (亩, NaN when unlinked), ``tax_wan`` and the other raw
        columns of :func:`ruian_land.indicators.compute_indicators`; optional ``exempt_reason``,
        ``established_date`` / ``production_start_date`` (datetime64), veto flags (bool), ``industry_code``,
        ``landlord_uscc``. Energy and indicator columns already present are **used as given** (a
        planner's correction wins); absent ones are computed from the raw columns
        (:func:`ruian_land.indicators.add_indicators`).
    rules : RuleSet
        A base preset merged with an evaluation preset (``evaluation.*``, ``policy.land_tax_relief_*``,
        ``carbon.*``, ``energy.*``).
    occupancy : object, optional
        ``link.Occupancy``; its ``links`` (``uscc``, ``parcel_id``, ``tenure``, ``land_area_m2``) give
        tenants' landlords when ``firms`` has no ``landlord_uscc`` column.
    as_of : date-like, optional
        Evaluation date for the new-firm exemption; default the project config's default
        ``evaluation_date`` (2021-12-31). The pipeline passes ``config.evaluation_date``.

    Returns
    -------
    DataFrame
        A copy of ``firms`` (same index and row order) with energy and indicator columns added when
        absent, ``score_<indicator>`` for each indicator of either group (NaN outside the group and
        for exempt / unrated firms) and :data:`EVAL_COLUMNS`: ``eval_group`` (above|below),
        ``score_total``, ``rank_in_group`` (Int64, 1 = best), ``eval_class`` (A|B|C|D|exempt|unrated),
        ``class_reason`` (``中文 / English``, reasons joined by ``; ``), ``explanation`` (one line per
        indicator, ``\\n``-separated), ``land_tax_relief`` (fraction), ``carbon_efficiency_L``,
        ``carbon_level``, ``carbon_k``, ``carbon_grade``. ``attrs["benchmarks"]`` holds
        ``{group: {indicator: (benchmark, is_population_average)}}``.

    Raises
    ------
    InputError
        Duplicate index or uscc, missing ``uscc`` / ``above_scale`` / ``tax_wan`` / ``land_area_mu``,
        non-boolean flags, unreadable dates, non-numeric or negative quantities.
    RulesError
        Missing weights, unknown indicator or switch values.
    """
    _check_firms(firms)
    when = _as_of(as_of)
    frame = add_indicators(firms.drop(columns=[c for c in EVAL_COLUMNS if c in firms.columns]), rules)
    above = _bool_column(frame, "above_scale", required=True)
    group = pd.Series(np.where(above, "above", "below"), index=frame.index, dtype=object)
    status, status_reasons = _status(frame, above, rules, when)

    used_inds = list(dict.fromkeys(ind for g in GROUPS for ind in group_weights(rules, g)))
    scores = pd.DataFrame(
        np.nan, index=frame.index, columns=[f"score_{i}" for i in used_inds] + ["score_total"]
    )
    rank = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    cls = pd.Series(-1, index=frame.index, dtype="int64")
    reasons: dict[Any, list[explain.Reason]] = {i: [] for i in frame.index}
    items: dict[Any, list[explain.IndicatorScore]] = {}
    n_rated: dict[str, int] = {}
    benchmarks: dict[str, dict[str, tuple[float, bool]]] = {}
    for g in GROUPS:
        members = frame.index[(group == g) & (status == "rated")]
        n_rated[g] = len(members)
        if not len(members):
            benchmarks[g] = {}
            continue
        g_scores, g_items, benchmarks[g] = _score_group(frame, rules, g, members)
        items.update(g_items)
        scores.loc[members, g_scores.columns] = g_scores
        g_rank = _rank(frame, g_scores["score_total"])
        rank[members] = g_rank.to_numpy()
        bands = rules.value(f"evaluation.bands.{g}")
        bounds = np.asarray(band_bounds(len(members), bands))
        cls[members] = np.searchsorted(bounds, g_rank.to_numpy(), side="left")
        for i in members:
            reasons[i].append(explain.band_reason(CLASSES[cls[i]], bands))
    rated = frame.index[status == "rated"]
    cls = _apply_vetoes(frame, rules, cls, reasons, rated)

    if rules.value("evaluation.tenant_takes_landlord_class"):
        landlord = _landlords(frame, occupancy)
        if landlord is not None:
            own = pd.Series(cls.to_numpy(), index=frame["uscc"].astype("string").to_numpy())
            own = own[(own.to_numpy() >= 0) & np.asarray(own.index.notna())]
            mapped = landlord.map(own)
            tenants = frame.index[
                ~above & (status != "exempt") & mapped.notna() & (landlord != frame["uscc"].astype("string"))
            ]
            for i in tenants:
                cls[i] = int(mapped[i])
                status[i] = "rated"
                reasons[i] = [explain.tenant_reason(str(landlord[i]), CLASSES[cls[i]])]
            cls = _apply_vetoes(frame, rules, cls, reasons, tenants)

    eval_class = pd.Series(
        [CLASSES[c] if c >= 0 else s for c, s in zip(cls.to_numpy(), status.to_numpy(), strict=True)],
        index=frame.index,
        dtype=object,
    )
    class_reason = pd.Series(
        [explain.join_reasons(reasons[i] or [status_reasons[i]]) for i in frame.index],
        index=frame.index,
        dtype=object,
    )
    explanation = []
    totals: dict[Any, float] = scores["score_total"].astype("float64").to_dict()
    for i in frame.index:
        if i in items and not pd.isna(rank[i]):
            explanation.append(
                explain.explanation_text(
                    group[i],
                    items[i],
                    totals[i],
                    int(rank[i]),
                    n_rated[group[i]],
                    eval_class[i],
                    reasons[i],
                )
            )
        else:
            rs = reasons[i] or [status_reasons[i]]
            explanation.append(f"评级 {eval_class[i]}: " + "; ".join(zh for zh, _ in rs))
    relief = eval_class.map(
        {
            "A": float(rules.value("policy.land_tax_relief_A")),
            "B": float(rules.value("policy.land_tax_relief_B")),
        }
    ).fillna(0.0)
    carbon = carbon_efficiency(frame, rules)

    out = frame.copy()
    out["eval_group"] = group
    for col in scores.columns:
        out[col] = scores[col].astype("float64")
    out["rank_in_group"] = rank
    out["eval_class"] = eval_class
    out["class_reason"] = class_reason
    out["explanation"] = pd.Series(explanation, index=frame.index, dtype=object)
    out["land_tax_relief"] = relief.astype("float64")
    for col in carbon.columns:
        out[col] = carbon[col]
    out.attrs["benchmarks"] = benchmarks
    return out
