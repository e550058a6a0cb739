"""Versioned rules presets: every policy number with value, unit, source and status.

A *rule set* is the merge of a base preset (``ruian_default``), an evaluation preset
(``huangyan_2021``, ``huangyan_2022``, ``wenling_2022`` …) and user overrides, in that order. Presets
are YAML files in this folder, or any path a project config names. Keys are flat and dotted
(``screening.park_clearance_tax_per_mu``); each entry is ``{value, unit, source, status}`` with
status one of ``plan``, ``confirmed``, ``secondary`` or ``assumption`` (see RULES.md at the
project's shared/domain).

The base ``ruian_default`` defines every rule, including a complete evaluation method (weights,
bands, cap, vetoes, exemptions; benchmarks null = population average) that a county copies and
edits. An evaluation preset only states what its source fixes: a later preset's key replaces the
earlier one, and a preset that gives any ``evaluation.<group>.weight.*`` replaces that group's whole
indicator set (weights *and* benchmarks), so indicators never mix across presets. Overrides
replace single keys.

Every merge is validated (:mod:`ruian_land.rules.schema`): weights ≥ 0 summing to 100, bands
monotone in [0, 1] with D = 1, caps and benchmarks > 0, fractions in [0, 1], veto actions among
``not_ab | down_one | force_d`` …; the error names the key, the value and the allowed range.
"""

from ruian_land.rules.loader import (
    CarbonRules,
    EnergyRules,
    EvaluationRules,
    PolicyRules,
    Preset,
    RuleSet,
    RuleValue,
    available_presets,
    carbon_rules,
    energy_rules,
    evaluation_rules,
    load_preset,
    load_rules,
    policy_rules,
)

__all__ = [
    "CarbonRules",
    "EnergyRules",
    "EvaluationRules",
    "PolicyRules",
    "Preset",
    "RuleSet",
    "RuleValue",
    "available_presets",
    "carbon_rules",
    "energy_rules",
    "evaluation_rules",
    "load_preset",
    "load_rules",
    "policy_rules",
]
