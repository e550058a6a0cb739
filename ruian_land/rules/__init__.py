"""Versioned rules presets: every policy number with value, unit, source and status.

A *rule set* is the merge of a base preset (``ruian_default``), an evaluation preset
(``huangyan_2021``, ``huangyan_2022`` …) and user overrides, in that order. Presets are
YAML files in this folder, or any path a project config names. Keys are flat and dotted
(``screening.park_clearance_tax_per_mu``); each entry is
``{value, unit, source, status}`` with status one of ``plan``, ``confirmed``,
``secondary`` or ``assumption`` (see RULES.md at the project's shared/domain).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ruian_land.errors import RulesError

__all__ = ["RuleSet", "RuleValue", "available_presets", "load_preset", "load_rules"]

Status = Literal["plan", "confirmed", "secondary", "assumption", "user"]


class RuleValue(BaseModel):
    """One rule number with its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Any
    unit: str
    source: str = Field(min_length=1)
    status: Status


class _PresetFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    kind: Literal["base", "evaluation", "overrides"]
    description: str = ""
    rules: dict[str, RuleValue]


class RuleSet(Mapping[str, RuleValue]):
    """An immutable mapping ``key -> RuleValue`` with the presets it came from.

    Use :meth:`value` to read a number; ``rules["key"]`` gives the full entry.
    """

    def __init__(self, entries: Mapping[str, RuleValue], presets: list[str]) -> None:
        self._entries = dict(entries)
        self.presets = list(presets)
        _check_consistency(self)

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
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _entry(key: str, raw: dict[str, Any], where: str) -> RuleValue:
    try:
        return RuleValue(**raw)
    except (ValidationError, TypeError) as exc:
        raise RulesError(
            f"rule '{key}' is malformed: {exc}",
            path=where,
            fix="give value, unit, source and status (plan|confirmed|secondary|assumption)",
        ) from None


def available_presets() -> list[str]:
    """Names of the presets shipped with the package."""
    files = resources.files(__name__).iterdir()
    return sorted(Path(str(f)).stem for f in files if str(f).endswith(".yaml"))


def _preset_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix in {".yaml", ".yml"}:
        if not p.exists():
            raise RulesError(f"rules file not found: {p}", path=p, fix="check the path")
        return p
    ref = resources.files(__name__).joinpath(f"{name_or_path}.yaml")
    if not ref.is_file():
        raise RulesError(
            f"unknown rules preset '{name_or_path}'",
            fix=f"use one of {available_presets()} or a path to a .yaml file",
        )
    return Path(str(ref))


def load_preset(name_or_path: str | Path) -> _PresetFile:
    """Read and validate one preset file (shipped name or path)."""
    path = _preset_path(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
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
        return _PresetFile(**raw)
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
        Evaluation preset merged on top (e.g. ``"huangyan_2021"``); ``None`` to skip.
    overrides : mapping, optional
        ``{key: value}`` or ``{key: {value, unit, source, status}}`` applied last.

    Returns
    -------
    RuleSet

    Raises
    ------
    RulesError
        Unknown preset, malformed entry, weights not summing to 100, bands not
        monotone, fractions outside [0, 1].
    """
    entries: dict[str, RuleValue] = {}
    names: list[str] = []
    for ref in (base, evaluation):
        if ref is None:
            continue
        preset = load_preset(ref)
        entries.update(preset.rules)
        names.append(f"{preset.name}@{preset.version}")
    rs = RuleSet(entries, names)
    if overrides:
        rs = rs.with_overrides(overrides)
    return rs


def _check_consistency(rs: RuleSet) -> None:
    entries = rs._entries
    for group in ("above", "below"):
        weights = {k: v.value for k, v in entries.items() if k.startswith(f"evaluation.{group}.weight.")}
        if weights:
            total = sum(float(w) for w in weights.values())
            if abs(total - 100.0) > 1e-9:
                raise RulesError(
                    f"evaluation.{group}.weight.* sum to {total:g}, not 100",
                    fix=f"adjust the weights {weights} so they sum to 100",
                )
            for k, w in weights.items():
                if float(w) < 0:
                    raise RulesError(f"rule '{k}' is negative ({w})", fix="weights must be ≥ 0")
            for ind in weights:
                bkey = f"evaluation.{group}.benchmark.{ind}"
                if bkey in entries and entries[bkey].value is not None and float(entries[bkey].value) <= 0:
                    raise RulesError(f"rule '{bkey}' must be > 0", fix="use a positive benchmark or null")
        bkey = f"evaluation.bands.{group}"
        if bkey in entries:
            bands = entries[bkey].value
            raw_cuts = [bands.get(c) for c in ("A", "B", "C", "D")] if isinstance(bands, dict) else []
            if len(raw_cuts) != 4 or any(c is None for c in raw_cuts):
                raise RulesError(f"rule '{bkey}' needs cumulative shares for A, B, C and D")
            cuts = [float(c) for c in raw_cuts if c is not None]
            if any(not 0 <= c <= 1 for c in cuts) or any(a > b for a, b in itertools.pairwise(cuts)):
                raise RulesError(
                    f"rule '{bkey}' = {bands} is not monotone within [0, 1]",
                    fix="give cumulative shares with A ≤ B ≤ C ≤ D = 1",
                )
            if abs(cuts[-1] - 1.0) > 1e-12:
                raise RulesError(f"rule '{bkey}': D must be 1.0 (got {cuts[-1]})")
    for k, v in entries.items():
        if v.unit == "fraction" and isinstance(v.value, int | float) and not 0 <= float(v.value) <= 1:
            raise RulesError(f"rule '{k}' = {v.value} is a fraction outside [0, 1]", fix="use 0…1")
