"""Project configuration: one YAML file names every source, its encoding, CRS, column
aliases and the rules presets (DESIGN §1).

Paths inside the file are relative to the file's own folder. Example (the sample county's
``data/project.yaml``)::

    name: 瑞安市样例县
    data_year: 2021
    evaluation_date: 2021-12-31
    rules: {base: ruian_default, evaluation: huangyan_2021}
    sources:
      parcels: {path: parcels/宗地.shp}
      tax: {path: enterprises/税收_税务局.csv, encoding: gbk}
      ...
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ruian_land.core import SCHEMAS, InputError, RulesError
from ruian_land.rules import RuleSet, load_rules

__all__ = [
    "DEFAULT_CONFIG",
    "MapConfig",
    "PrivacyConfig",
    "ProjectConfig",
    "RulesConfig",
    "ScenarioConfig",
    "SourceConfig",
    "SourceName",
    "TrackingConfig",
    "config_problems",
    "find_default_config",
    "load_config",
]

#: Where ``ruian-land run`` looks when no ``--config`` is given (relative to the CWD).
DEFAULT_CONFIG = Path("data") / "project.yaml"

SourceName = Literal[
    "parcels",
    "registry",
    "tax",
    "statistics",
    "energy",
    "emissions",
    "leases",
    "control_lines",
    "towns",
    "boundary",
    "built_up",
    "previous_classes",
    "points",
    "conversions",
    "compensations",
    "land_supply",
    "projects",
    "firm_history",
    "investment",
    "standard_land_contracts",
]
REQUIRED_SOURCES: tuple[str, ...] = ("parcels", "registry", "tax")


class SourceConfig(BaseModel):
    """One input file."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    encoding: str | None = Field(default=None, description="text encoding; wins over any detection")
    crs: str | None = Field(default=None, description="CRS when the file has none or a wrong one")
    sheet: str | int | None = None
    layer: str | None = None
    coords: Literal["cgcs2000", "wgs84", "gcj02", "bd09"] = Field(
        default="cgcs2000",
        description="coordinate system family of lon/lat inputs (AMap = gcj02, Baidu = bd09)",
    )
    engine: Literal["pyogrio", "fiona"] = Field(
        default="pyogrio", description="GDAL binding for vector layers (fiona needs ruian-land[fiona])"
    )
    duplicates: Literal["first", "last", "largest", "error"] | None = Field(
        default=None,
        description="parcels only: which feature of a duplicated 宗地代码 with different polygons is kept "
        "(first, last, the largest polygon) or error to refuse the layer; default first",
    )


class RulesConfig(BaseModel):
    """Which rules presets to load (see :func:`ruian_land.rules.load_rules`)."""

    model_config = ConfigDict(extra="forbid")

    base: str = "ruian_default"
    evaluation: str | None = "huangyan_2021"
    overrides: dict[str, Any] = Field(default_factory=dict)


class ScenarioConfig(BaseModel):
    """Switches for the 腾笼换鸟 scenario (targets themselves are rules)."""

    model_config = ConfigDict(extra="forbid")

    targets: list[str] = Field(
        default_factory=lambda: [
            "freed_area_mu",
            "freed_energy_tce",
            "co2_reduction_t",
            "firms_exited",
            "firms_upgraded",
        ]
    )
    objective: Literal["tax", "jobs", "mixed"] = "tax"
    protect_classes: list[str] | None = None
    remedies: list[str] | None = Field(
        default=None, description="remedies allowed (default: all in the rules)"
    )
    town_quotas: dict[str, float] | None = Field(default=None, description="minimum 亩 freed per town")
    budget_wan: float | None = Field(default=None, description="total one-off budget, 万元")
    partial_release: bool | None = Field(
        default=None, description="allow partial release of very large parcels"
    )
    phasing: Literal["auto", "milp", "heuristic"] | None = None
    compare: str | None = Field(
        default=None,
        description="YAML of named scenarios to compare (shipped: plan_2021_2023), written to out/scenario/",
    )


class PrivacyConfig(BaseModel):
    """Personal fields (:mod:`ruian_land.core.privacy`)."""

    model_config = ConfigDict(extra="forbid")

    mask_personal: bool = Field(
        default=True,
        description="mask 法定代表人 / 联系人 names, phone and ID numbers as soon as a table is read",
    )


class MapConfig(BaseModel):
    """Map rendering options."""

    model_config = ConfigDict(extra="forbid")

    offline: bool = True
    basemap: Literal["none", "osm", "tianditu", "xyz"] = "none"
    tianditu_key: str | None = None
    xyz_url: str | None = None


class TrackingConfig(BaseModel):
    """Closed-loop tracking of the 《高耗低效整治企业清单》 (plan §三(一)1)."""

    model_config = ConfigDict(extra="forbid")

    previous_list: Path | None = Field(
        default=None,
        description="整治清单.xlsx exported by an earlier run and edited by the planner; status, remedy, "
        "deadline and notes are carried over by code",
    )


class ProjectConfig(BaseModel):
    """A project: sources, rules, evaluation date. Paths are resolved against ``root``."""

    model_config = ConfigDict(extra="forbid")

    name: str = "ruian-land project"
    data_year: int = 2021
    evaluation_date: dt.date = dt.date(2021, 12, 31)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    sources: dict[SourceName, SourceConfig]
    columns: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict,
        description="extra header aliases per input kind: {kind: {canonical_column: [中文表头, …]}}; "
        "the reverse form {kind: {中文表头: canonical_column}} is accepted too, and "
        "{kind: {canonical_column: {header: 中文表头, scale: 10000}}} states the unit factor",
    )
    column_scales: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="unit factor per extra header {kind: {中文表头: factor}}; filled from the "
        "{header, scale} form under columns (a header naming its unit needs none)",
    )
    scenario: ScenarioConfig = Field(default_factory=ScenarioConfig)
    maps: MapConfig = Field(default_factory=MapConfig)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    allow_outside_paths: bool = Field(
        default=False,
        description="allow source paths outside the project folder (absolute, or through ..)",
    )
    root: Path = Path(".")

    @model_validator(mode="before")
    @classmethod
    def _stated_scales(cls, data: Any) -> Any:
        """Move ``{header: …, scale: …}`` aliases under ``columns`` into ``column_scales``."""
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
            return data
        scales: dict[str, dict[str, float]] = {
            k: dict(v) for k, v in (data.get("column_scales") or {}).items()
        }
        columns: dict[Any, Any] = {}
        for kind, mapping in data["columns"].items():
            if not isinstance(mapping, dict):
                columns[kind] = mapping
                continue
            columns[kind] = {}
            for key, value in mapping.items():
                items = value if isinstance(value, list) else [value]
                if not any(isinstance(x, dict) for x in items):
                    columns[kind][key] = value
                    continue
                headers = []
                for x in items:
                    if isinstance(x, dict):
                        header, scale = _stated(kind, key, x)
                        headers.append(header)
                        if scale is not None:
                            scales.setdefault(str(kind), {})[header] = scale
                    else:
                        headers.append(x)
                columns[kind][key] = headers
        return {**data, "columns": columns, "column_scales": scales}

    @field_validator("columns", mode="before")
    @classmethod
    def _aliases(cls, v: Any) -> Any:
        """Accept ``{kind: {canonical: [header, …]}}`` and ``{kind: {header: canonical}}``; refuse the rest.

        An unknown kind or a key that is neither a canonical column of that kind nor a header
        mapped onto one raises with the closest canonical names (never silently ignored).
        """
        if not isinstance(v, dict):
            return v
        out: dict[str, dict[str, list[str]]] = {}
        for kind, mapping in v.items():
            if kind not in SCHEMAS:
                close = difflib.get_close_matches(str(kind), sorted(SCHEMAS), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ValueError(f"unknown input kind '{kind}'{hint}; kinds: {', '.join(sorted(SCHEMAS))}")
            if not isinstance(mapping, dict):
                raise ValueError(
                    f"columns.{kind} must map a column to its headers, e.g. {{tax_wan: [实缴税额]}}"
                )
            fields = SCHEMAS[kind]
            merged: dict[str, list[str]] = {}
            for key, value in mapping.items():
                if key in fields:
                    headers = [value] if isinstance(value, str) else list(value or [])
                    merged.setdefault(str(key), []).extend(str(h) for h in headers)
                elif isinstance(value, str) and value in fields:  # reverse form: 中文表头: canonical
                    merged.setdefault(value, []).append(str(key))
                elif isinstance(value, list) and len(value) == 1 and value[0] in fields:
                    merged.setdefault(str(value[0]), []).append(str(key))
                else:
                    close = difflib.get_close_matches(
                        str(value if isinstance(value, str) else key), sorted(fields), n=3
                    )
                    raise ValueError(
                        f"columns.{kind}.{key}: '{key}' is not a column of {kind} and does not map a header "
                        f"onto one; write {{canonical: [header]}} (e.g. {{{close[0] if close else sorted(fields)[0]}: "
                        f"[{key}]}}); {kind} columns: {', '.join(sorted(fields))}"
                    )
            out[str(kind)] = merged
        return out

    @field_validator("sources")
    @classmethod
    def _required(cls, v: dict[str, SourceConfig]) -> dict[str, SourceConfig]:
        missing = [s for s in REQUIRED_SOURCES if s not in v]
        if missing:
            raise ValueError(f"sources {missing} are required")
        other = [k for k, s in v.items() if s.duplicates is not None and k != "parcels"]
        if other:  # only the parcel layer has a choice; elsewhere the key would be ignored
            raise ValueError(f"'duplicates' applies to sources.parcels only, not to {', '.join(other)}")
        return v

    def path(self, source: str) -> Path:
        """Absolute path of a source (``root / sources[source].path``).

        Raises
        ------
        InputError
            The path leads outside the project folder (absolute, or through ``..``) and the
            config does not say ``allow_outside_paths: true``.
        """
        given = Path(self.sources[source].path)  # type: ignore[index]
        full = (self.root / given).resolve()
        root = Path(self.root).resolve()
        if not self.allow_outside_paths and not full.is_relative_to(root):
            raise InputError(
                f"the {source} source path '{given}' leads outside the project folder ({root})",
                path=full,
                fix="move the file under the project folder and give a relative path, or add "
                "`allow_outside_paths: true` to the project config if that is intended",
            )
        return full

    def has(self, source: str) -> bool:
        """True when the project names this source."""
        return source in self.sources

    def load_rules(self) -> RuleSet:
        """Load the rule set this project names."""
        base = self.rules.base
        if base.endswith((".yaml", ".yml")):
            base = str((self.root / base).resolve())
        ev = self.rules.evaluation
        if ev is not None and ev.endswith((".yaml", ".yml")):
            ev = str((self.root / ev).resolve())
        rules = load_rules(base, ev)
        overrides = {k: _date_as_text(v) for k, v in (self.rules.overrides or {}).items()}
        known = set(rules)
        unknown = [k for k in overrides if k not in known]
        if unknown:  # a typo must not leave the shipped value in force silently
            hints = {k: difflib.get_close_matches(k, sorted(known), n=1) for k in unknown}
            text = "; ".join(f"'{k}' (did you mean '{h[0]}'?)" if h else f"'{k}'" for k, h in hints.items())
            raise InputError(
                f"unknown rule key(s) under rules.overrides: {text}",
                path=self.root / "project.yaml",
                fix="correct the key; `ruian-land rules ruian_default` lists every rule with its unit",
            )
        bad = [why for k, v in overrides.items() if (why := _override_problem(k, v, rules[k])) is not None]
        if bad:  # "abc" for a number would fail deep inside a stage (exit 1); name it here
            raise InputError(
                f"rules.overrides value(s) of the wrong type: {'; '.join(bad)}",
                path=self.root / "project.yaml",
                fix="give each override a value of the rule's type (a number for a threshold, "
                "true/false for a switch, a [list] for a list); `ruian-land rules ruian_default` lists "
                "every rule with its value and unit",
            )
        try:
            return load_rules(base, ev, overrides or None)
        except RulesError as exc:  # an override out of its range: name the file it is written in
            if exc.path is not None:
                raise
            raise RulesError(
                exc.detail, path=self.root / "project.yaml", column=exc.column, row=exc.row, fix=exc.fix
            ) from None


def _stated(kind: Any, key: Any, spec: dict[str, Any]) -> tuple[str, float | None]:
    """The header and the scale of a ``{header: …, scale: …}`` alias (scale None when not given)."""
    where = f"columns.{kind}.{key}"
    if set(spec) - {"header", "scale"} or not isinstance(spec.get("header"), str):
        raise ValueError(f"{where}: write {{header: 表头, scale: <factor>}} (got {spec})")
    scale = spec.get("scale")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0):
        raise ValueError(
            f"{where}: scale must be a positive number (e.g. 10000 for 万千瓦时 → kWh), got {scale!r}"
        )
    return spec["header"], None if scale is None else float(scale)


def _date_as_text(value: Any) -> Any:
    """An unquoted YAML date (``2023-12-31``, read as a date) as its ``YYYY-MM-DD`` text, the
    form date rules (``monitor.plan_end``) are shipped in; any other value unchanged."""
    if isinstance(value, dict) and "value" in value:
        return {**value, "value": _date_as_text(value["value"])}
    return value.isoformat() if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else value


def _override_problem(key: str, value: Any, rule: Any) -> str | None:
    """Why an override ``value`` does not fit the rule it replaces (None when it fits).

    The type is the shipped value's: bool → true/false, int/float → a number (not a bool, not
    text), list → a list, mapping → a mapping, text → text (one of the choices when the unit lists
    them, ``a | b``). A rule shipped without a value (null) takes null or, when its unit is a
    quantity (万元, firms …), a number.
    """
    given = value["value"] if isinstance(value, dict) and "value" in value else value
    shipped = rule.value
    unit_text = str(getattr(rule, "unit", "") or "")
    unit = f" (unit {unit_text})" if unit_text else ""
    choices = [c.strip() for c in unit_text.split("|")] if "|" in unit_text else []
    if shipped is None:
        if given is None or choices or unit_text.startswith(("name", "column")):
            return None
        ok, want = isinstance(given, (int, float)) and not isinstance(given, bool), f"a number{unit} or null"
    elif isinstance(shipped, str) and choices:
        ok, want = given in choices, f"one of {', '.join(choices)}"
    elif isinstance(shipped, bool):
        ok, want = isinstance(given, bool), "true or false"
    elif isinstance(shipped, (int, float)):
        ok, want = isinstance(given, (int, float)) and not isinstance(given, bool), f"a number{unit}"
    elif isinstance(shipped, (list, tuple)):
        ok, want = isinstance(given, list), f"a list, e.g. {list(shipped)!r}"
    elif isinstance(shipped, dict):
        ok, want = isinstance(given, dict), "a mapping {key: value}"
    elif isinstance(shipped, str):
        ok, want = isinstance(given, str), "text"
    else:
        return None
    return None if ok else f"'{key}': {given!r} is not {want}"


def find_default_config(cwd: Path | None = None) -> Path:
    """The default project file, ``data/project.yaml`` under ``cwd``.

    Raises
    ------
    InputError
        When it does not exist.
    """
    path = (cwd or Path.cwd()) / DEFAULT_CONFIG
    if not path.exists():
        raise InputError(
            "no project config given and the sample county's data/project.yaml is not here",
            path=path,
            fix="run from the repository root, or pass --config path/to/project.yaml",
        )
    return path


def load_config(path: str | Path | None = None) -> ProjectConfig:
    """Read and validate a project YAML file.

    Parameters
    ----------
    path : str or Path, optional
        The YAML file; default :data:`DEFAULT_CONFIG` under the current directory.

    Returns
    -------
    ProjectConfig
        With ``root`` set to the file's folder.

    Raises
    ------
    InputError
        Missing file, bad YAML, or a key that fails validation (the key is named).
    """
    p = Path(path) if path is not None else find_default_config()
    if not p.exists():
        raise InputError("project config not found", path=p, fix="check the --config path")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", path=p, fix="fix the YAML syntax") from None
    if raw == {}:
        raise InputError(
            "the project config is empty",
            path=p,
            fix="`ruian-land init DIR` writes a commented project config to start from",
        )
    if not isinstance(raw, dict):
        raise InputError("the config must be a YAML mapping", path=p, fix="see data/project.yaml")
    raw.setdefault("root", str(p.parent.resolve()))
    try:
        return ProjectConfig(**raw)
    except ValidationError as exc:
        problems = config_problems(exc, p)
        lines = "; ".join(e.detail for e in problems)
        raise InputError(
            f"{len(problems)} problem(s) in the project config: {lines}",
            path=p,
            fix=problems[0].fix or "correct those keys; `ruian-land init DIR` writes a commented example",
        ) from None


def _model_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at the parent of ``loc`` (for "did you mean")."""
    model: Any = ProjectConfig
    source_name_next = False
    for part in loc[:-1]:
        if source_name_next:  # sources.<name>.<key>: the name is free, the keys are SourceConfig's
            source_name_next = False
            continue
        if model is ProjectConfig and part == "sources":
            model, source_name_next = SourceConfig, True
            continue
        info = getattr(model, "model_fields", {}).get(part)
        candidates = (info.annotation, *typing.get_args(info.annotation)) if info is not None else ()
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return sorted(getattr(model, "model_fields", {}) or {})


def config_problems(exc: ValidationError, path: str | Path) -> list[InputError]:
    """Every problem of a config that failed validation, one :class:`InputError` each.

    A misspelt key gets the closest allowed key as a "did you mean"; a missing key says which
    section needs it.

    Parameters
    ----------
    exc : pydantic.ValidationError
        From ``ProjectConfig(**raw)``.
    path : str or Path
        The YAML file (named in each problem).

    Returns
    -------
    list of InputError
        In the order pydantic found them.
    """
    out: list[InputError] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(x) for x in loc) or "(top level)"
        kind = err.get("type", "")
        if loc and loc[-1] == "[key]":  # a key of a keyed mapping (sources: {name: …}) is not allowed
            bad = str(loc[-2]) if len(loc) > 1 else ""
            allowed = list(typing.get_args(SourceName)) if loc[0] == "sources" else []
            close = difflib.get_close_matches(bad, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
            where = ".".join(str(x) for x in loc[:-1])
            out.append(
                InputError(f"unknown key '{where}' ({hint})", path=path, fix=f"rename or remove '{where}'")
            )
        elif kind == "extra_forbidden":
            allowed = _model_keys(loc)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys here: {', '.join(allowed)}"
            out.append(
                InputError(f"unknown key '{key}' ({hint})", path=path, fix=f"rename or remove '{key}'")
            )
        elif kind == "missing":
            out.append(
                InputError(
                    f"required key '{key}' missing",
                    path=path,
                    fix=f"add '{key}:' (see `ruian-land init DIR` for a commented example)",
                )
            )
        else:
            out.append(
                InputError(f"key '{key}': {err['msg']}", path=path, fix=f"correct the value of '{key}'")
            )
    return out
