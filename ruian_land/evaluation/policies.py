"""Differentiated policies per firm, tied to the 亩均效益 class (plan §四(四); RULES.md §2, §4).

* **城镇土地使用税 relief** (浙政办发〔2019〕62号): share of the tax waived by class,
  ``policy.land_tax_relief_<A|B|C|D>`` (A 100 %, B 80 %, C and D none); exempt and unrated firms get
  none. With a ``land_use_tax_wan`` column (the tax the firm owes, 万元) the waived amount is given too.
* **差别电价** (Fenghua 2022): a D firm pays ``policy.elec_surcharge_yuan_per_kwh[n − 1]`` on each kWh,
  where ``n`` is the number of consecutive years it has been rated D up to this one (the last
  listed rate applies from then on: +0.1, +0.3, +0.5 元/kWh). A, B and C pay
  ``policy.elec_surcharge_other_classes_yuan_per_kwh`` (0 in Fenghua). ``n`` needs the previous
  years' classes; without them every D firm counts as D for the first time (no escalation).
  ``elec_surcharge_wan = elec_kwh × rate / 10⁴``.
* **碳效** (DB33/T 1347-2023): level and grade from :func:`ruian_land.evaluation.energy.carbon_efficiency`, with CO₂
  computed with the grid factor named by ``energy.grid_factor``.

Previous classes are a table of ``uscc`` × year → class, either *long* (columns ``uscc``, ``year``
and ``eval_class``) or *wide* (a ``uscc`` column or index, one column per year named by the year).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import InputError, wan_from_yuan
from ruian_land.evaluation.energy import CARBON_COLUMNS, carbon_efficiency, numeric_column
from ruian_land.rules import RuleSet, policy_rules

__all__ = [
    "POLICY_COLUMNS",
    "consecutive_d_years",
    "differentiated_policies",
    "previous_classes_long",
]

#: Columns returned by :func:`differentiated_policies`.
POLICY_COLUMNS: tuple[str, ...] = (
    "land_tax_relief",
    "land_tax_relief_wan",
    "consecutive_d_years",
    "elec_surcharge_yuan_per_kwh",
    "elec_surcharge_wan",
    *CARBON_COLUMNS,
)
_CLASSES = ("A", "B", "C", "D")
_VALID = {*_CLASSES, "exempt", "unrated"}
_CLASS_COLUMNS = ("eval_class", "class")


def _year_of(column: Any) -> int | None:
    text = str(column).strip()
    return int(text) if text.isdigit() and len(text) == 4 else None


def previous_classes_long(previous: pd.DataFrame) -> pd.DataFrame:
    """Normalise previous years' classes to a long table ``uscc``, ``year`` (int), ``eval_class``.

    Parameters
    ----------
    previous : DataFrame
        Long (``uscc``, ``year``, ``eval_class`` or ``class``) or wide (``uscc`` column or index, one
        column per year such as ``2019``, ``"2020"``). Blank classes are dropped.

    Returns
    -------
    DataFrame
        One row per firm and year, sorted by ``uscc`` and ``year``.

    Raises
    ------
    InputError
        Neither layout; a year that is not a 4-digit number; a class outside
        A/B/C/D/exempt/unrated; two different classes for the same firm and year.
    """
    fix_layout = "give columns uscc, year, eval_class, or a uscc column plus one column per year"
    cls_col = next((c for c in _CLASS_COLUMNS if c in previous.columns), None)
    if {"uscc", "year"} <= set(previous.columns) and cls_col is not None:
        long = previous[["uscc", "year", cls_col]].rename(columns={cls_col: "eval_class"})
    else:
        wide = previous.set_index("uscc") if "uscc" in previous.columns else previous
        years = {c: _year_of(c) for c in wide.columns}
        bad = [c for c, y in years.items() if y is None]
        if bad or not years:
            raise InputError(
                f"previous classes: column {bad[0] if bad else None!r} is not a year",
                column=str(bad[0] if bad else ""),
                fix=fix_layout,
            )
        long = (
            wide.rename(columns=years)
            .rename_axis(index="uscc")
            .melt(var_name="year", value_name="eval_class", ignore_index=False)
            .reset_index()
        )
    long = long.assign(
        uscc=long["uscc"].astype("string").str.strip(),
        eval_class=long["eval_class"].astype("string").str.strip(),
    )
    long = long[long["eval_class"].notna() & (long["eval_class"] != "") & long["uscc"].notna()]
    year = pd.to_numeric(long["year"].astype("string"), errors="coerce")
    if year.isna().any() or (year % 1 != 0).any():
        pos = int(np.flatnonzero((year.isna() | (year % 1 != 0)).to_numpy())[0])
        raise InputError(
            f"previous classes: year {long['year'].iloc[pos]!r} is not a year",
            column="year",
            row=str(long.index[pos]),
            fix="use 4-digit years such as 2020",
        )
    long = long.assign(year=year.astype("int64"))
    wrong = ~long["eval_class"].isin(_VALID)
    if wrong.any():
        pos = int(np.flatnonzero(wrong.to_numpy())[0])
        raise InputError(
            f"previous classes: class {long['eval_class'].iloc[pos]!r} of {long['uscc'].iloc[pos]} "
            f"in {long['year'].iloc[pos]} is not one of {sorted(_VALID)}",
            column="eval_class",
            row=str(long.index[pos]),
            fix="use A, B, C, D, exempt or unrated (blank when not evaluated)",
        )
    dedup = long.drop_duplicates(["uscc", "year", "eval_class"])
    clash = dedup.duplicated(["uscc", "year"], keep=False)
    if clash.any():
        first = dedup[clash].iloc[0]
        raise InputError(
            f"previous classes: {first['uscc']} has two different classes in {first['year']}",
            column="eval_class",
            fix="keep one class per firm and year",
        )
    return dedup.sort_values(["uscc", "year"], kind="mergesort").reset_index(drop=True)[
        ["uscc", "year", "eval_class"]
    ]


def consecutive_d_years(
    uscc: pd.Series, eval_class: pd.Series, year: int, previous: pd.DataFrame | None = None
) -> pd.Series:
    """Number of consecutive years each firm has been rated D, this year included.

    Parameters
    ----------
    uscc, eval_class : Series
        Same index: the firms' codes and this year's classes.
    year : int
        This evaluation's year; previous years are ``year − 1``, ``year − 2`` …
    previous : DataFrame, optional
        Previous classes (see :func:`previous_classes_long`); ``None`` counts every D firm as D for
        the first time.

    Returns
    -------
    Series of Int64, same index: 0 for firms not rated D this year, else 1 + the number of
    consecutive D years just before ``year`` (a year missing from ``previous`` ends the run).
    """
    is_d = eval_class.astype("string").eq("D").fillna(False).to_numpy(dtype=bool)
    out = pd.Series(np.where(is_d, 1, 0), index=uscc.index, dtype="Int64")
    if previous is None or not is_d.any():
        return out
    long = previous_classes_long(previous)
    d_years = set(
        zip(
            long.loc[long["eval_class"] == "D", "uscc"],
            long.loc[long["eval_class"] == "D", "year"],
            strict=True,
        )
    )
    codes = uscc.astype("string").str.strip()
    for i in uscc.index[is_d]:
        code, n = codes[i], 1
        while (code, int(year) - n) in d_years:
            n += 1
        out[i] = n
    return out


def differentiated_policies(
    evaluated: pd.DataFrame,
    rules: RuleSet,
    *,
    previous_classes: pd.DataFrame | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Land-use-tax relief, electricity surcharge and 碳效 of each evaluated firm (module docstring).

    Parameters
    ----------
    evaluated : DataFrame
        One row per firm: ``uscc``, ``eval_class`` (A|B|C|D|exempt|unrated); optional ``elec_kwh``
        (kWh), ``land_use_tax_wan`` (城镇土地使用税 owed, 万元), and the 碳效 inputs of
        :func:`ruian_land.evaluation.energy.carbon_efficiency` (``value_added_wan``, ``co2_t`` or the raw energy
        columns, ``industry_code``, ``above_scale``).
    rules : RuleSet
        ``policy.*``, ``carbon.*`` and ``energy.*`` rules.
    previous_classes : DataFrame, optional
        Earlier years' classes (layouts in the module docstring). Missing → no escalation.
    year : int, optional
        This evaluation's year; required when ``previous_classes`` is given.

    Returns
    -------
    DataFrame
        Same index as ``evaluated``, columns :data:`POLICY_COLUMNS`: ``land_tax_relief`` (fraction),
        ``land_tax_relief_wan`` (万元, NaN without ``land_use_tax_wan``), ``consecutive_d_years``
        (Int64), ``elec_surcharge_yuan_per_kwh`` (元/kWh), ``elec_surcharge_wan`` (万元; NaN when
        a surcharge applies but ``elec_kwh`` is missing), and the 碳效 columns.

    Raises
    ------
    InputError
        ``uscc`` or ``eval_class`` missing; ``previous_classes`` without ``year`` or malformed;
        non-numeric or negative ``elec_kwh`` / ``land_use_tax_wan``.

    Examples
    --------
    A D firm using 1 000 000 kWh, D also last year: rate 0.3 元/kWh → 300 000 元 = 30 万元.
    """
    missing_cols = [c for c in ("uscc", "eval_class") if c not in evaluated.columns]
    if missing_cols:
        raise InputError(
            f"column '{missing_cols[0]}' is missing from the evaluated firm table",
            column=missing_cols[0],
            fix="pass the output of ruian_land.evaluation.evaluate",
        )
    pol = policy_rules(rules)
    cls = evaluated["eval_class"].astype("string")
    relief_by_class = {c: getattr(pol, f"land_tax_relief_{c}") for c in _CLASSES}
    missing = [f"policy.land_tax_relief_{c}" for c, v in relief_by_class.items() if v is None]
    if missing:
        rules.value(missing[0])  # raises RulesError naming the key
    relief = cls.map(relief_by_class).astype("float64").fillna(0.0)
    owed = numeric_column(evaluated, "land_use_tax_wan", non_negative=True)

    if previous_classes is not None and year is None:
        raise InputError(
            "previous classes were given without the year of this evaluation",
            fix="pass year= (the data year of this evaluation, e.g. 2021)",
        )
    n_d = consecutive_d_years(evaluated["uscc"], cls, int(year or 0), previous_classes)
    d_rates = [float(x) for x in rules.value("policy.elec_surcharge_yuan_per_kwh")]
    other = dict(rules.value("policy.elec_surcharge_other_classes_yuan_per_kwh"))
    # numpy, writable: a Series mapped from Arrow-backed strings can hold a read-only buffer
    rates = cls.map({k: float(v) for k, v in other.items()}).astype("float64").fillna(0.0).to_numpy(copy=True)
    is_d = n_d.gt(0).fillna(False).to_numpy(dtype=bool)
    idx = np.minimum(n_d.fillna(0).to_numpy(dtype=int), len(d_rates)) - 1
    rates[is_d] = np.asarray(d_rates)[idx[is_d]]
    rate = pd.Series(rates, index=evaluated.index)
    elec = numeric_column(evaluated, "elec_kwh", non_negative=True)
    surcharge = pd.Series(wan_from_yuan(elec.to_numpy() * rate.to_numpy()), index=evaluated.index)
    surcharge[rate == 0] = 0.0

    out = pd.DataFrame(
        {
            "land_tax_relief": relief,
            "land_tax_relief_wan": owed * relief,
            "consecutive_d_years": n_d,
            "elec_surcharge_yuan_per_kwh": rate,
            "elec_surcharge_wan": surcharge,
        },
        index=evaluated.index,
    )
    carbon = carbon_efficiency(evaluated, rules)
    return pd.concat([out, carbon], axis=1)[list(POLICY_COLUMNS)]
