"""Typed checks of the rule sections (pydantic): types, allowed ranges and cross-key constraints.

Rules stay flat ``{value, unit, source, status}`` entries (:mod:`ruian_land.rules`). The values of the
sections ``evaluation.*``, ``policy.*``, ``carbon.*`` and ``energy.*`` are nested by their dotted keys
(``evaluation.above.weight.tax_per_mu`` → ``above → weight → tax_per_mu``) and validated against the
models below every time a rule set is built (load, merge, override). A failure raises
:class:`~ruian_land.core.errors.RulesError` naming the rule key, the value given and the allowed range.

Every field is optional so that a partial rule set (a base without an evaluation preset) loads; the
code that needs a value asks for it with :meth:`EvaluationRules.require`, which names the missing key.
The ``evaluation`` section is closed (an unknown key is an error, to catch typos); the other sections
accept further keys that other stages add.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ruian_land.core import RulesError

__all__ = [
    "NON_NEGATIVE_OR_NULL",
    "Bands",
    "CarbonRules",
    "EnergyRules",
    "EvaluationRules",
    "LeasePenalty",
    "PolicyRules",
    "ScaleGroup",
    "VetoAction",
    "carbon_rules",
    "energy_rules",
    "evaluation_rules",
    "nest",
    "policy_rules",
    "validate_entries",
]

Fraction = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
#: What a true veto flag does to a class: cap at C, lower by one class, or set D.
VetoAction = Literal["not_ab", "down_one", "force_d"]
Group = Literal["above", "below"]

#: Scalar rules outside the typed sections that must be ≥ 0 or null (a negative floor means nothing).
NON_NEGATIVE_OR_NULL: tuple[str, ...] = ("scenario.tax_per_mu_min",)
#: Old keys and what replaced them (shown in the error of a preset that still uses them).
_RENAMED = {
    "evaluation.veto_not_ab": "evaluation.vetoes: {<flag>: not_ab}",
    "evaluation.veto_force_d": "evaluation.vetoes: {<flag>: force_d}",
}


class _Branch(dict):  # type: ignore[type-arg]
    """A mapping built from dotted keys (as opposed to a rule whose value is a mapping)."""


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Bands(_Closed):
    """Cumulative shares of the rated firms by rank: class X takes ranks up to ``X × n``."""

    A: Fraction
    B: Fraction
    C: Fraction
    D: Fraction

    @model_validator(mode="after")
    def _monotone(self) -> Bands:
        cuts = [self.A, self.B, self.C, self.D]
        if any(a > b for a, b in itertools.pairwise(cuts)):
            raise ValueError(f"shares {cuts} are not monotone within [0, 1] (allowed: 0 ≤ A ≤ B ≤ C ≤ D = 1)")
        if abs(self.D - 1.0) > 1e-12:
            raise ValueError(f"D must be 1.0, got {self.D} (D is the cumulative share of all firms)")
        return self

    def as_dict(self) -> dict[str, float]:
        """``{"A": …, "B": …, "C": …, "D": …}``."""
        return {"A": self.A, "B": self.B, "C": self.C, "D": self.D}


class LeasePenalty(_Closed):
    """Points deducted from a landlord's total: ``first`` for the first tenant, ``further`` for each other."""

    first: NonNegative
    further: NonNegative

    def points(self, tenants: int) -> float:
        """Deduction for ``tenants`` tenant firms (0 for none)."""
        return 0.0 if tenants <= 0 else self.first + (tenants - 1) * self.further


class ScaleGroup(_Closed):
    """Rules of one scale group (规上 ``above`` or 规下 ``below``)."""

    weight: dict[str, NonNegative] = Field(default_factory=dict)
    benchmark: dict[str, Positive | None] = Field(default_factory=dict)
    lease_penalty: LeasePenalty | None = None

    @field_validator("weight")
    @classmethod
    def _sum_100(cls, v: dict[str, float]) -> dict[str, float]:
        if v:
            total = math.fsum(v.values())
            if abs(total - 100.0) > 1e-9:
                raise ValueError(
                    f"weights sum to {total:g}, not 100 (allowed: each weight ≥ 0, together exactly 100)"
                )
        return v

    @model_validator(mode="after")
    def _benchmarks_have_weights(self) -> ScaleGroup:
        orphan = sorted(k for k, b in self.benchmark.items() if k not in self.weight and b is not None)
        if orphan:
            raise ValueError(
                f"[benchmark.{orphan[0]}] benchmarks for indicators without a weight: {orphan} "
                f"(allowed: indicators with a weight, {sorted(self.weight)}, or null)"
            )
        return self


class EvaluationRules(_Closed):
    """The ``evaluation.*`` section (亩均效益综合评价; RULES.md §2)."""

    above: ScaleGroup | None = None
    below: ScaleGroup | None = None
    bands: dict[Group, Bands] = Field(default_factory=dict)
    score_cap_ratio: Positive | None = None
    score_floor: NonNegative | None = None
    benchmark_mode: Literal["preset", "population_mean"] | None = None
    population_average: Literal["aggregate", "firm_mean"] | None = None
    missing_average_indicators: list[str] | None = None
    min_rated_area_mu: NonNegative | None = None
    new_firm_years: NonNegative | None = None
    new_firm_date_columns: list[str] | None = None
    land_grant_years: NonNegative | None = None
    tenant_takes_landlord_class: bool | None = None
    vetoes: dict[str, VetoAction] | None = None
    industry_group_digits: Annotated[int, Field(ge=0, le=4)] | None = None
    industry_group_min_firms: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _floor_below_cap(self) -> EvaluationRules:
        if self.score_floor is None or self.score_cap_ratio is None:
            return self
        for g in (self.above, self.below):
            for ind, w in (g.weight if g else {}).items():
                if self.score_floor > self.score_cap_ratio * w:
                    raise ValueError(
                        f"[score_floor] score_floor {self.score_floor:g} exceeds the cap {self.score_cap_ratio:g} × {w:g} "
                        f"of {ind} (allowed: floor ≤ cap ratio × every weight)"
                    )
        return self

    def require(self, name: str) -> Any:
        """Value of field ``name``; :class:`RulesError` naming ``evaluation.<name>`` when it is not set."""
        value = getattr(self, name)
        if value is None:
            raise RulesError(
                f"rule 'evaluation.{name}' is not defined",
                fix="load the base preset ruian_default (it defines every evaluation rule) or add the key",
            )
        return value

    def group(self, group: str) -> ScaleGroup:
        """Rules of scale group ``above`` or ``below`` (error when it has no weights)."""
        g = getattr(self, group)
        if g is None or not g.weight:
            raise RulesError(
                f"no evaluation.{group}.weight.* rules",
                fix="load an evaluation preset such as huangyan_2021, or the base ruian_default",
            )
        return g

    def group_bands(self, group: str) -> Bands:
        """Class bands of scale group ``group`` (error naming ``evaluation.bands.<group>`` when absent)."""
        if group not in self.bands:
            raise RulesError(
                f"rule 'evaluation.bands.{group}' is not defined", fix="add it (see ruian_default)"
            )
        return self.bands[group]  # type: ignore[index]


class PolicyRules(_Open):
    """The ``policy.*`` section: differentiated policies tied to the class (plan §四(四))."""

    land_tax_relief_A: Fraction | None = None
    land_tax_relief_B: Fraction | None = None
    land_tax_relief_C: Fraction | None = None
    land_tax_relief_D: Fraction | None = None
    elec_surcharge_yuan_per_kwh: list[NonNegative] | None = None
    elec_surcharge_other_classes_yuan_per_kwh: dict[Literal["A", "B", "C"], NonNegative] | None = None

    @field_validator("elec_surcharge_yuan_per_kwh")
    @classmethod
    def _escalating(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and (not v or any(a > b for a, b in itertools.pairwise(v))):
            raise ValueError(
                f"{v} must list the D-class surcharge for 1, 2, 3 … consecutive D years, non-decreasing"
            )
        return v


class CarbonRules(_Open):
    """The ``carbon.*`` section: 碳效 levels and grades (DB33/T 1347-2023)."""

    low_carbon_max: Positive | None = None
    mid_carbon_max: Positive | None = None
    grade_k_max: list[Positive] | None = None
    industry_code_digits: Annotated[int, Field(ge=1, le=4)] | None = None

    @field_validator("grade_k_max")
    @classmethod
    def _increasing(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and (len(v) != 4 or any(a >= b for a, b in itertools.pairwise(v))):
            raise ValueError(f"{v} must give 4 strictly increasing K limits (grades 1-4; 5 above)")
        return v

    @model_validator(mode="after")
    def _levels(self) -> CarbonRules:
        if self.low_carbon_max and self.mid_carbon_max and self.mid_carbon_max <= self.low_carbon_max:
            raise ValueError(
                "[mid_carbon_max] mid_carbon_max must exceed low_carbon_max (低碳 ≤ low < 中碳 ≤ mid < 高碳)"
            )
        return self


class EnergyRules(_Open):
    """The ``energy.*`` section: conversion factors (GB/T 2589-2020) and CO₂ factors."""

    elec_kgce_per_kwh_calorific: Positive | None = None
    elec_kgce_per_kwh_primary: Positive | None = None
    elec_kgce_per_kwh_primary_by_year: dict[int, Positive] | None = None
    gas_kgce_per_m3: Positive | None = None
    coal_kgce_per_kg: Positive | None = None
    heat_kgce_per_mj: Positive | None = None
    grid_factors_t_per_mwh: dict[str, Positive] | None = None
    grid_factor: str | None = None
    coal_co2_t_per_tce: NonNegative | None = None
    gas_co2_kg_per_m3: NonNegative | None = None
    heat_co2_t_per_gj: NonNegative | None = None

    @model_validator(mode="after")
    def _grid_factor_named(self) -> EnergyRules:
        if self.grid_factor is not None and self.grid_factor not in (self.grid_factors_t_per_mwh or {}):
            raise ValueError(
                f"[grid_factor] grid_factor {self.grid_factor!r} is not in grid_factors_t_per_mwh "
                f"(allowed: {sorted(self.grid_factors_t_per_mwh or {})})"
            )
        return self


_SECTIONS: dict[str, type[BaseModel]] = {
    "evaluation": EvaluationRules,
    "policy": PolicyRules,
    "carbon": CarbonRules,
    "energy": EnergyRules,
}


def _error(key: str, message: str, fix: str) -> RulesError:
    err = RulesError(message, fix=fix)
    err.rule_key = key  # type: ignore[attr-defined]
    return err


def nest(flat: Mapping[str, Any], section: str) -> dict[str, Any]:
    """Nest the values of keys ``section.a.b`` as ``{"a": {"b": value}}``.

    Raises
    ------
    RulesError
        A key that is both a value and a prefix of other keys (``evaluation.above`` and
        ``evaluation.above.weight.x``).
    """
    out: dict[str, Any] = _Branch()
    prefix = section + "."
    for key in [k for k in flat if k.startswith(prefix)]:  # rules order (weights stay in file order)
        parts = key[len(prefix) :].split(".")
        node = out
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, _Branch())
            if not isinstance(child, _Branch):
                raise _error(
                    key,
                    f"rule '{key}' clashes with rule '{prefix}{'.'.join(parts[: depth + 1])}'",
                    "a key cannot be both a value and the start of other keys; rename one",
                )
            node = child
        if parts[-1] in node:
            raise _error(key, f"rule '{key}' is both a value and the start of other keys", "rename one")
        node[parts[-1]] = flat[key]
    return out


def _key_of(loc: tuple[Any, ...], section: str, keys: set[str]) -> tuple[str, str]:
    """The rule key an error location points at, and the path inside its value."""
    parts = [section, *(str(p) for p in loc)]
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in keys:
            return key, "".join(f"[{p}]" for p in parts[n:])
    key = ".".join(parts)
    if any(k.startswith(key + ".") for k in keys):
        return key + ".*", ""
    return key, ""


def _plain(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{key: value}`` from a rule set (entries with ``.value``) or a plain mapping."""
    return {
        k: (cast(Any, v).value if isinstance(v, BaseModel) and hasattr(v, "status") else v)
        for k, v in flat.items()
    }


def _section_model(flat: Mapping[str, Any], section: str) -> BaseModel:
    model = _SECTIONS[section]
    flat = _plain(flat)
    nested = nest(flat, section)
    try:
        return model.model_validate(nested)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        loc = tuple(err["loc"])
        named = re.match(r"\[([\w.]+)\] (.*)", msg, flags=re.DOTALL)
        if named:  # a model-level check names the field it is about
            loc, msg = (*loc, *named.group(1).split(".")), named.group(2)
        key, inner = _key_of(loc, section, set(flat))
        if err["type"] == "extra_forbidden":
            known = sorted(model.model_fields)
            fix = _RENAMED.get(key) or f"check the spelling; keys under {section}. are {known}"
            raise _error(key, f"unknown rule '{key}'", fix) from None
        given = flat.get(key, err.get("input"))
        more = f" ({len(exc.errors())} problems in all)" if len(exc.errors()) > 1 else ""
        raise _error(
            key,
            f"rule '{key}'{inner} = {given!r} is invalid: {msg}{more}",
            f"correct '{key}' in the rules file or the overrides",
        ) from None


def validate_entries(flat: Mapping[str, Any], units: Mapping[str, str] | None = None) -> None:
    """Validate a flat ``{key: value}`` rule set; raise :class:`RulesError` naming the first bad key.

    Parameters
    ----------
    flat : mapping
        Rule values by dotted key.
    units : mapping, optional
        Units by key: any scalar rule whose unit is ``fraction`` must lie in [0, 1].

    Raises
    ------
    RulesError
        The first bad key, e.g. ``scenario.tax_per_mu_min`` below 0 (:data:`NON_NEGATIVE_OR_NULL`).
    """
    for section in _SECTIONS:
        _section_model(flat, section)
    for key in NON_NEGATIVE_OR_NULL:
        val = flat.get(key)
        if val is not None and (not isinstance(val, int | float) or isinstance(val, bool) or val < 0):
            raise _error(
                key, f"rule '{key}' = {val!r} must be ≥ 0 or null", f"give '{key}' a value ≥ 0 or null (off)"
            )
    for key, unit in (units or {}).items():
        val = flat.get(key)
        if unit == "fraction" and isinstance(val, int | float) and not isinstance(val, bool):
            if not 0 <= float(val) <= 1:
                raise _error(key, f"rule '{key}' = {val} is a fraction outside [0, 1]", "use a value in 0…1")


def evaluation_rules(flat: Mapping[str, Any]) -> EvaluationRules:
    """The typed ``evaluation.*`` section of a rule set (or a flat ``{key: value}`` mapping)."""
    return _section_model(flat, "evaluation")  # type: ignore[return-value]


def policy_rules(flat: Mapping[str, Any]) -> PolicyRules:
    """The typed ``policy.*`` section of a rule set (or a flat ``{key: value}`` mapping)."""
    return _section_model(flat, "policy")  # type: ignore[return-value]


def carbon_rules(flat: Mapping[str, Any]) -> CarbonRules:
    """The typed ``carbon.*`` section of a rule set (or a flat ``{key: value}`` mapping)."""
    return _section_model(flat, "carbon")  # type: ignore[return-value]


def energy_rules(flat: Mapping[str, Any]) -> EnergyRules:
    """The typed ``energy.*`` section of a rule set (or a flat ``{key: value}`` mapping)."""
    return _section_model(flat, "energy")  # type: ignore[return-value]
