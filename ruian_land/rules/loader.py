"""Load, merge and validate rules presets into a :class:`RuleSet` (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ruian_land.core import RulesError
from ruian_land.rules.schema import (
    CarbonRules,
    EnergyRules,
    EvaluationRules,
    PolicyRules,
    carbon_rules,
    energy_rules,
    evaluation_rules,
    policy_rules,
    validate_entries,
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

#: libyaml's safe loader when available (30× faster than the pure-Python one, same results).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Status = Literal["plan", "confirmed", "secondary", "assumption", "user", "data"]


class RuleValue(BaseModel):
    """One rule number with its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Any
    unit: str
    source: str = Field(min_length=1)
    status: Status


class Preset(BaseModel):
    """One preset file: a header (name, version, kind, description) and its rules."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    kind: Literal["base", "evaluation", "overrides"]
    description: str = ""
    rules: dict[str, RuleValue]

    def to_yaml(self) -> str:
        """Serialise as YAML that :func:`load_preset` reads back to an equal preset."""
        doc = self.model_dump()
        return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


_PresetFile = Preset  # former private name


class RuleSet(Mapping[str, RuleValue]):
    """An immutable mapping ``key -> RuleValue`` with the presets it came from.

    Use :meth:`value` to read a number; ``rules["key"]`` gives the full entry.
    """

    def __init__(self, entries: Mapping[str, RuleValue], presets: list[str]) -> None:
        self._entries = dict(entries)
        self.presets = list(presets)
        validate_entries(
            {k: v.value for k, v in self._entries.items()}, {k: v.unit for k, v in self._entries.items()}
        )

    def __getitem__(self, key: str) -> RuleValue:
        try:
            return self._entries[key]
        except KeyError:
            close = [k for k in self._entries if k.split(".")[0] == key.split(".")[0]][:8]
            raise RulesError(
                f"rule '{key}' is not defined in presets {self.presets}",
                fix=f"add it to a rules file; keys in that section: {close}",
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def value(self, key: str) -> Any:
        """Return the value of rule ``key`` (raises :class:`RulesError` if absent)."""
        return self[key].value

    def section(self, prefix: str) -> dict[str, Any]:
        """Values of all rules under ``prefix.`` keyed by the rest of the key."""
        p = prefix.rstrip(".") + "."
        return {k[len(p) :]: v.value for k, v in self._entries.items() if k.startswith(p)}

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "user override") -> RuleSet:
        """Return a new rule set with some values replaced (status ``user``)."""
        entries = dict(self._entries)
        for key, val in overrides.items():
            if isinstance(val, Mapping) and "value" in val:
                entries[key] = _entry(key, dict(val), source)
            else:
                old = entries.get(key)
                unit = old.unit if old else ""
                entries[key] = RuleValue(value=val, unit=unit, source=source, status="user")
        return RuleSet(entries, [*self.presets, "overrides"])

    def to_frame(self) -> pd.DataFrame:
        """All rules as a table (key, value, unit, source, status), for exports and QA."""
        rows = [
            {"key": k, "value": v.value, "unit": v.unit, "source": v.source, "status": v.status}
            for k, v in sorted(self._entries.items())
        ]
        return pd.DataFrame(rows, columns=["key", "value", "unit", "source", "status"])

    def to_yaml(self, name: str = "custom", version: str = "1") -> str:
        """Serialise as a single preset file that :func:`load_preset` reads back unchanged."""
        doc = {
            "name": name,
            "version": version,
            "kind": "base",
            "description": "merged from " + ", ".join(self.presets),
            "rules": {k: v.model_dump() for k, v in self._entries.items()},
        }
        return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that double-quotes text holding NEL / LS / PS, which PyYAML's plain and
    single-quoted styles fold into spaces (so the YAML would not read back equal)."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = '"' if any(c in text for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def _entry(key: str, raw: dict[str, Any], where: str) -> RuleValue:
    try:
        return RuleValue(**raw)
    except (ValidationError, TypeError) as exc:
        raise RulesError(
            f"rule '{key}' is malformed: {exc}",
            path=where,
            fix="give value, unit, source and status (plan|confirmed|secondary|assumption|data)",
        ) from None


def available_presets() -> list[str]:
    """Names of the presets shipped with the package."""
    files = resources.files("ruian_land.rules").iterdir()
    return sorted(Path(str(f)).stem for f in files if str(f).endswith(".yaml"))


def _preset_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix in {".yaml", ".yml"}:
        if not p.exists():
            raise RulesError(f"rules file not found: {p}", path=p, fix="check the path")
        return p
    ref = resources.files("ruian_land.rules").joinpath(f"{name_or_path}.yaml")
    if not ref.is_file():
        raise RulesError(
            f"unknown rules preset '{name_or_path}'",
            fix=f"use one of {available_presets()} or a path to a .yaml file",
        )
    return Path(str(ref))


def load_preset(name_or_path: str | Path) -> Preset:
    """Read and validate one preset file (shipped name or path).

    Each entry is checked for ``value``, ``unit``, ``source`` and ``status``; ranges and cross-key
    constraints are checked when presets are merged (:func:`load_rules`).

    Raises
    ------
    RulesError
        Unknown name, missing file, bad YAML, malformed entry or header (the key and file are named).
    """
    path = _preset_path(name_or_path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # a safe loader
    except yaml.YAMLError as exc:
        raise RulesError(f"not valid YAML: {exc}", path=path, fix="fix the YAML syntax") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), dict):
        raise RulesError("a preset needs a 'rules:' mapping", path=path, fix="see ruian_default.yaml")
    for key, val in raw["rules"].items():
        if not isinstance(val, dict):
            raise RulesError(
                f"rule '{key}' must be a mapping with value, unit, source, status",
                path=path,
                fix="write it as {value: …, unit: …, source: …, status: …}",
            )
        _entry(key, val, str(path))
    try:
        return Preset(**raw)
    except ValidationError as exc:
        raise RulesError(f"preset header is malformed: {exc}", path=path) from None


def load_rules(
    base: str | Path = "ruian_default",
    evaluation: str | Path | None = "huangyan_2021",
    overrides: Mapping[str, Any] | None = None,
) -> RuleSet:
    """Load and merge rules presets.

    Parameters
    ----------
    base : str or Path
        Shipped preset name (e.g. ``"ruian_default"``) or path to a YAML file.
    evaluation : str or Path, optional
        Evaluation preset merged on top (``"huangyan_2021"``, ``"huangyan_2022"``, ``"wenling_2022"``);
        ``None`` (or the base's own name) for the base's evaluation method alone.
    overrides : mapping, optional
        ``{key: value}`` or ``{key: {value, unit, source, status}}`` applied last.

    Returns
    -------
    RuleSet

    Raises
    ------
    RulesError
        Unknown preset, malformed entry, a value outside its allowed range (weights not summing
        to 100, bands not monotone, caps or benchmarks ≤ 0, fractions outside [0, 1], unknown
        veto action …); the message names the key, the preset file and the allowed range.
    """
    entries: dict[str, RuleValue] = {}
    origin: dict[str, str] = {}
    names: list[str] = []
    for ref in (base, None if evaluation == base else evaluation):
        if ref is None:
            continue
        preset = load_preset(ref)
        for group in _groups_with_weights(preset.rules):
            for key in [k for k in entries if k.startswith((f"{group}.weight.", f"{group}.benchmark."))]:
                del entries[key]
        entries.update(preset.rules)
        origin.update(dict.fromkeys(preset.rules, str(_preset_path(ref))))
        names.append(f"{preset.name}@{preset.version}")
    try:
        rs = RuleSet(entries, names)
    except RulesError as exc:
        key = str(getattr(exc, "rule_key", "")).removesuffix(".*")
        where = origin.get(key) or next((p for k, p in origin.items() if k.startswith(key + ".")), None)
        if where is None or not key:
            raise
        raise RulesError(exc.detail, path=where, fix=exc.fix) from None
    if overrides:
        rs = rs.with_overrides(overrides)
    return rs


def _groups_with_weights(rules: Mapping[str, RuleValue]) -> set[str]:
    """``evaluation.<group>`` prefixes for which ``rules`` give weights."""
    return {k.rsplit(".weight.", 1)[0] for k in rules if k.startswith("evaluation.") and ".weight." in k}
