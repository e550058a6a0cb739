"""The five remedies of plan §三(一)2 and their effects, read from the rules.

================  ========  ====================================================================
remedy            中文      effect (default rules; every share is a rule ``scenario.<remedy>_*``)
================  ========  ====================================================================
``exit``          关停退出  firm closes under law: land freed; tax, 增加值, jobs, energy all leave.
                            Only firms with a violation (``scenario.violation_columns``) when
                            ``scenario.exit_requires_violation`` (plan: 依法关停退出).
``vacate``        整体腾退  whole site vacated, firm closes or leaves the county: land freed and
                            re-usable; everything leaves; the land is bought back
                            (``vacate_cost_wan_per_mu``).
``relocate``      搬迁入园  firm moves into a 小微园: land freed and re-usable; 60 % of tax, 增加值
                            and jobs stay, 80 % of its energy moves with it; old site bought back.
``merge``         兼并重组  an acquirer takes the firm and its land: land counted as freed but
                            goes to the acquirer (``merge_land_reusable``); 90 % of tax and 增加值,
                            80 % of jobs and energy kept; at most ``merge_max_firms``.
``upgrade``       改造提升  land stays; energy −15 %, tax and 增加值 +10 %; programme cost.
================  ========  ====================================================================

Which remedies count as 淘汰 (``targets.firms_exited``) and as 整治提升 (``targets.firms_upgraded``)
is set by ``scenario.exit_counts`` / ``scenario.upgrade_counts`` (merge counts as 整治提升 by
default, like ``tracking.upgrade_remedies``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ruian_land.core import REMEDIES, InputError, InputWarning
from ruian_land.rules import RuleSet
from ruian_land.screening import truthy

__all__ = ["ALL_REMEDIES", "LAND_REMEDIES", "REMEDY_TEXT", "RemedyTable", "candidate_effects", "remedy_table"]

#: Every remedy the model knows, in plan order (关停退出 first, 改造提升 last).
ALL_REMEDIES: tuple[str, ...] = ("exit", "vacate", "relocate", "merge", "upgrade")
#: Remedies that take the firm off its land (the parcel can be freed).
LAND_REMEDIES: frozenset[str] = frozenset({"exit", "vacate", "relocate", "merge"})
#: identifier → (Chinese, English); the three of :data:`ruian_land.core.reasons.REMEDIES` plus two.
REMEDY_TEXT: dict[str, tuple[str, str]] = {
    "exit": REMEDIES["exit"],
    "vacate": ("整体腾退", "vacate the whole site (firm closes or leaves the county)"),
    "relocate": REMEDIES["relocate"],
    "merge": ("兼并重组", "merger into an acquirer (land goes to the acquirer)"),
    "upgrade": REMEDIES["upgrade"],
}


@dataclass(frozen=True)
class RemedyTable:
    """Effects of the enabled remedies (one entry per remedy, in :data:`ALL_REMEDIES` order).

    Attributes
    ----------
    names : tuple of str
        Enabled remedies.
    tax_kept, value_added_kept, jobs_kept, energy_kept : ndarray, shape (R,)
        Share of the firm's yearly figure that stays in the county (> 1 for a gain).
    cost_wan, cost_wan_per_mu : ndarray, shape (R,)
        One-off public cost per firm and per 亩 of the firm's land.
    max_firms : ndarray, shape (R,)
        Most firms per remedy over the plan period (``inf`` = no limit).
    frees_land, reusable, counts_exit, counts_upgrade : ndarray of bool, shape (R,)
    """

    names: tuple[str, ...]
    tax_kept: np.ndarray
    value_added_kept: np.ndarray
    jobs_kept: np.ndarray
    energy_kept: np.ndarray
    cost_wan: np.ndarray
    cost_wan_per_mu: np.ndarray
    max_firms: np.ndarray
    frees_land: np.ndarray
    reusable: np.ndarray
    counts_exit: np.ndarray
    counts_upgrade: np.ndarray

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame indexed by remedy (for reports)."""
        cols = [
            "tax_kept",
            "value_added_kept",
            "jobs_kept",
            "energy_kept",
            "cost_wan",
            "cost_wan_per_mu",
            "max_firms",
            "frees_land",
            "reusable",
            "counts_exit",
            "counts_upgrade",
        ]
        out = pd.DataFrame({c: getattr(self, c) for c in cols}, index=pd.Index(self.names, name="remedy"))
        out.insert(0, "remedy_zh", [REMEDY_TEXT[r][0] for r in self.names])
        return out


def _names(rules: RuleSet, key: str) -> list[str]:
    raw = rules.value(key)
    vals = [str(r) for r in (raw or [])]
    bad = [r for r in vals if r not in ALL_REMEDIES]
    if bad:
        raise InputError(f"{key} names unknown remedies {bad}", column=key, fix=f"use some of {ALL_REMEDIES}")
    return vals


def _fraction(rules: RuleSet, key: str, upper: float = 1.0) -> float:
    val = float(rules.value(key))
    if not np.isfinite(val) or val < 0 or val > upper:
        raise InputError(f"{key} = {val} must lie in [0, {upper:g}]", column=key)
    return val


def remedy_table(rules: RuleSet, enabled: Sequence[str] | None = None) -> RemedyTable:
    """Read the effects of the remedies from the rules.

    Parameters
    ----------
    rules : RuleSet
        ``scenario.remedies``, ``scenario.<remedy>_{tax,value_added,jobs,energy}_kept``,
        ``_cost_wan``, ``_cost_wan_per_mu``, ``_max_firms``; the upgrade uses
        ``upgrade_tax_gain``, ``upgrade_value_added_gain``, ``upgrade_energy_cut``; relocation
        ``relocate_energy_kept``; merge ``merge_land_reusable``; ``exit_counts`` / ``upgrade_counts``.
    enabled : sequence of str, optional
        Remedies switched on (default ``scenario.remedies``).

    Returns
    -------
    RemedyTable

    Raises
    ------
    InputError
        Unknown remedy names, shares outside their range, negative costs.
    """
    v = rules.value
    names = [
        r for r in ALL_REMEDIES if r in (_names(rules, "scenario.remedies") if enabled is None else enabled)
    ]
    if enabled is not None:
        bad = [r for r in enabled if r not in ALL_REMEDIES]
        if bad:
            raise InputError(f"unknown remedies {bad}", column="remedies", fix=f"use some of {ALL_REMEDIES}")
    exit_c, up_c = set(_names(rules, "scenario.exit_counts")), set(_names(rules, "scenario.upgrade_counts"))
    rows: dict[str, list[float]] = {
        k: [] for k in ("tax", "va", "jobs", "energy", "cost", "cost_mu", "cap", "reuse")
    }
    for r in names:
        if r == "upgrade":
            tax = 1.0 + _fraction(rules, "scenario.upgrade_tax_gain", 10.0)
            va = 1.0 + _fraction(rules, "scenario.upgrade_value_added_gain", 10.0)
            energy = 1.0 - _fraction(rules, "scenario.upgrade_energy_cut")
        else:
            tax = _fraction(rules, f"scenario.{r}_tax_kept")
            va = _fraction(rules, f"scenario.{r}_value_added_kept")
            energy = _fraction(rules, f"scenario.{r}_energy_kept")
        rows["tax"].append(tax)
        rows["va"].append(va)
        rows["energy"].append(energy)
        rows["jobs"].append(_fraction(rules, f"scenario.{r}_jobs_kept"))
        for key, name in (("cost", f"scenario.{r}_cost_wan"), ("cost_mu", f"scenario.{r}_cost_wan_per_mu")):
            val = float(v(name))
            if not np.isfinite(val) or val < 0:
                raise InputError(f"{name} = {val} must be ≥ 0", column=name)
            rows[key].append(val)
        cap = v(f"scenario.{r}_max_firms")
        rows["cap"].append(np.inf if cap is None else float(cap))
        rows["reuse"].append(
            float(r in LAND_REMEDIES and (r != "merge" or bool(v("scenario.merge_land_reusable"))))
        )
    return RemedyTable(
        names=tuple(names),
        tax_kept=np.asarray(rows["tax"], dtype=float),
        value_added_kept=np.asarray(rows["va"], dtype=float),
        jobs_kept=np.asarray(rows["jobs"], dtype=float),
        energy_kept=np.asarray(rows["energy"], dtype=float),
        cost_wan=np.asarray(rows["cost"], dtype=float),
        cost_wan_per_mu=np.asarray(rows["cost_mu"], dtype=float),
        max_firms=np.asarray(rows["cap"], dtype=float),
        frees_land=np.asarray([r in LAND_REMEDIES for r in names], dtype=bool),
        reusable=np.asarray(rows["reuse"], dtype=bool),
        counts_exit=np.asarray([r in exit_c for r in names], dtype=bool),
        counts_upgrade=np.asarray([r in up_c for r in names], dtype=bool),
    )


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[col], errors="coerce").astype(float)


def _firm_column(cand: pd.DataFrame, firms: pd.DataFrame, col: str) -> pd.Series | None:
    """Column ``col`` for the candidates: their own, else looked up in ``firms`` by uscc."""
    if col in cand.columns:
        return cand[col]
    if col in firms.columns and "uscc" in firms.columns:
        look = firms.drop_duplicates("uscc").set_index(firms.drop_duplicates("uscc")["uscc"].astype(str))[col]
        return cand["uscc"].astype(str).map(look)
    return None


@dataclass(frozen=True)
class CandidateEffects:
    """Per-candidate figures and the remedy effects, all aligned with the candidate rows.

    Attributes
    ----------
    tax, value_added, jobs, energy, co2, land : ndarray, shape (n,)
        Yearly tax (万元), 增加值 (万元), jobs, energy (tce), CO₂ (t) and land (亩) of each firm.
    eligible : ndarray of bool, shape (n, R)
        Whether remedy r may be applied to firm f.
    tax_lost, value_added_lost, jobs_lost, energy_saved, co2_saved, cost : ndarray, shape (n, R)
        Effect of each remedy on each firm (loss > 0; a gain is negative). ``cost`` is the one-off
        public cost in 万元.
    """

    tax: np.ndarray
    value_added: np.ndarray
    jobs: np.ndarray
    energy: np.ndarray
    co2: np.ndarray
    land: np.ndarray
    eligible: np.ndarray
    tax_lost: np.ndarray
    value_added_lost: np.ndarray
    jobs_lost: np.ndarray
    energy_saved: np.ndarray
    co2_saved: np.ndarray
    cost: np.ndarray


def candidate_effects(
    cand: pd.DataFrame, firms: pd.DataFrame, table: RemedyTable, rules: RuleSet, land_mu: np.ndarray
) -> CandidateEffects:
    """Effects of every remedy on every candidate.

    Parameters
    ----------
    cand : DataFrame
        Candidates (n rows): ``uscc``, ``tax_wan``, ``value_added_wan``, ``employees`` and
        ``energy_tce_calorific`` / ``energy_tce_primary`` (basis ``scenario.energy_basis``); missing
        figures count as 0. ``co2_t`` and the violation columns are looked up in ``firms`` when
        absent from ``cand``.
    firms : DataFrame
        Evaluated firms by ``uscc`` (``co2_t``, ``safety_accident`` …).
    table : RemedyTable
    rules : RuleSet
        ``scenario.energy_basis``, ``scenario.co2_method``, ``energy.co2_t_per_tce_freed``,
        ``scenario.exit_requires_violation``, ``scenario.violation_columns``.
    land_mu : ndarray, shape (n,)
        Each candidate's land in 亩 (for the cost per 亩).

    Returns
    -------
    CandidateEffects

    Raises
    ------
    InputError
        Unknown ``scenario.energy_basis`` or ``scenario.co2_method``.

    Warns
    -----
    InputWarning
        ``co2_method`` ``firm`` without a ``co2_t`` figure for some firms (those use the plan ratio);
        exit restricted to violators but no violation column present (nobody may exit).
    """
    v = rules.value
    basis = str(v("scenario.energy_basis"))
    if basis not in ("calorific", "primary"):
        raise InputError(f"scenario.energy_basis = {basis!r}", column="scenario.energy_basis",
                         fix="use calorific or primary")  # fmt: skip
    tax = _num(cand, "tax_wan").fillna(0.0).to_numpy()
    va = _num(cand, "value_added_wan").fillna(0.0).to_numpy()
    jobs = _num(cand, "employees").fillna(0.0).to_numpy()
    energy = _num(cand, f"energy_tce_{basis}").fillna(0.0).clip(lower=0).to_numpy()
    ratio = float(v("energy.co2_t_per_tce_freed"))
    method = str(v("scenario.co2_method"))
    if method == "per_tce":
        co2 = energy * ratio
    elif method == "firm":
        raw = _firm_column(cand, firms, "co2_t")
        own = (
            pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
            if raw is not None
            else np.full(len(cand), np.nan)
        )
        missing = ~np.isfinite(own)
        if missing.any():
            warnings.warn(
                f"scenario.co2_method = firm but {int(missing.sum())} of {len(cand)} candidates have no co2_t; "
                f"their CO₂ is energy × {ratio} t/tce (energy.co2_t_per_tce_freed)",
                InputWarning,
                stacklevel=3,
            )
        co2 = np.where(missing, energy * ratio, own)
    else:
        raise InputError(f"scenario.co2_method = {method!r}", column="scenario.co2_method",
                         fix="use per_tce or firm")  # fmt: skip
    n, names = len(cand), table.names
    eligible = np.ones((n, len(names)), dtype=bool)
    if "exit" in names and bool(v("scenario.exit_requires_violation")):
        cols = [str(c) for c in v("scenario.violation_columns")]
        found = [c for c in cols if _firm_column(cand, firms, c) is not None]
        viol = np.zeros(n, dtype=bool)
        for c in found:
            col = _firm_column(cand, firms, c)
            assert col is not None
            viol |= col.map(truthy).to_numpy(dtype=bool)
        if not found and n:
            warnings.warn(
                f"scenario.exit_requires_violation is on but none of the violation columns {cols} is in the "
                "firm data: no firm may be shut (关停退出); the other remedies remain",
                InputWarning,
                stacklevel=3,
            )
        eligible[:, names.index("exit")] = viol
    keep = lambda a: a[None, :]  # noqa: E731 - (1, R) row for broadcasting
    return CandidateEffects(
        tax=tax,
        value_added=va,
        jobs=jobs,
        energy=energy,
        co2=co2,
        land=np.asarray(land_mu, dtype=float),
        eligible=eligible,
        tax_lost=tax[:, None] * (1 - keep(table.tax_kept)),
        value_added_lost=va[:, None] * (1 - keep(table.value_added_kept)),
        jobs_lost=jobs[:, None] * (1 - keep(table.jobs_kept)),
        energy_saved=energy[:, None] * (1 - keep(table.energy_kept)),
        co2_saved=co2[:, None] * (1 - keep(table.energy_kept)),
        cost=keep(table.cost_wan) + np.asarray(land_mu, dtype=float)[:, None] * keep(table.cost_wan_per_mu),
    )
