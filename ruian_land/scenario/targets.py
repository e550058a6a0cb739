"""What a 腾笼换鸟 scenario aims at: the plan targets, their labels, objectives and town quotas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ruian_land.core import InputError
from ruian_land.rules import RuleSet

__all__ = ["OBJECTIVES", "TARGET_KEYS", "TARGET_LABELS", "resolve_quotas", "resolve_targets"]

#: Targets the scenario knows, in the order of plan §二.
TARGET_KEYS: tuple[str, ...] = (
    "freed_area_mu",
    "freed_energy_tce",
    "co2_reduction_t",
    "firms_exited",
    "firms_upgraded",
)
OBJECTIVES: tuple[str, ...] = ("tax", "jobs", "mixed")

#: Target → (Chinese label, English label, unit).
TARGET_LABELS: dict[str, tuple[str, str, str]] = {
    "freed_area_mu": ("腾出低效工业用地", "freed industrial land", "亩"),
    "freed_energy_tce": ("腾出用能", "energy freed", "tce"),
    "co2_reduction_t": ("减碳", "CO₂ reduction", "t"),
    "firms_exited": ("淘汰落后产能企业", "firms exited", "家"),
    "firms_upgraded": ("整治提升企业", "firms upgraded", "家"),
}


def resolve_targets(
    targets: Sequence[str] | Mapping[str, float | None] | None, rules: RuleSet
) -> dict[str, float]:
    """Active targets and their values.

    Parameters
    ----------
    targets : None, sequence of names, or mapping name → value
        ``None``: all of :data:`TARGET_KEYS` from ``targets.*``; a sequence switches on only
        those (values from the rules); a mapping gives values (``None`` = rule value).
    rules : RuleSet

    Returns
    -------
    dict
        name → value (units: 亩, tce, t CO₂, firms, firms).

    Raises
    ------
    InputError
        Unknown target name or negative value.
    """
    if targets is None:
        names: dict[str, float | None] = dict.fromkeys(TARGET_KEYS)
    elif isinstance(targets, Mapping):
        names = dict(targets)
    else:
        names = dict.fromkeys(targets)
    out: dict[str, float] = {}
    for name, val in names.items():
        if name not in TARGET_KEYS:
            raise InputError(
                f"unknown scenario target {name!r}",
                column="scenario.targets",
                fix=f"use some of {list(TARGET_KEYS)}",
            )
        value = float(rules.value(f"targets.{name}") if val is None else val)
        if not np.isfinite(value) or value < 0:
            raise InputError(f"target {name} = {value} must be ≥ 0", column="scenario.targets")
        out[name] = value
    return out


def resolve_quotas(quotas: Mapping[str, float] | None, rules: RuleSet) -> dict[str, float]:
    """Town → minimum freed 亩 (``scenario.town_quota_mu`` unless given); :class:`InputError` if negative."""
    raw = rules.value("scenario.town_quota_mu") if quotas is None else quotas
    out = {}
    for town, q in dict(raw or {}).items():
        val = float(q)
        if not np.isfinite(val) or val < 0:
            raise InputError(f"town quota {town}: {q} must be ≥ 0 亩", column="scenario.town_quota_mu")
        out[str(town)] = val
    return out
