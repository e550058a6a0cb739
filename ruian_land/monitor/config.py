"""The monitoring config (``monitor.yaml``): the periods to compare and the towns' and parks' quotas.

A period is one snapshot of the county: a project config (the sample county's
``project.yaml`` by default), optional source overrides for the tables that changed, and the
整治清单 the planners edited up to that period (carried over as ``ruian-land run --previous``
does). Example (the sample county's ``data/monitor.yaml``)::

    name: 瑞安市样例县 赛马监测
    project: project.yaml
    periods:
      - {label: 2022Q2, date: 2022-06-30, rectification_list: periods/2022Q2/整治清单.xlsx}
      - label: 2022Q4
        date: 2022-12-31
        sources: {tax: {path: periods/2022Q4/税收_税务局.csv, encoding: gbk}}
        rectification_list: periods/2022Q4/整治清单.xlsx
    quotas: {town: {塘下镇: 0.3, …}}      # optional; else shares by industrial land

Paths are relative to the monitoring file's folder.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ruian_land.config import ProjectConfig, SourceConfig, load_config
from ruian_land.core import InputError

__all__ = [
    "DEFAULT_MONITOR_CONFIG",
    "MonitorConfig",
    "PeriodConfig",
    "load_monitor_config",
    "period_project",
    "source_names",
]

#: Where ``ruian-land monitor`` looks when no ``--config`` is given (relative to the CWD).
DEFAULT_MONITOR_CONFIG = Path("data") / "monitor.yaml"


def source_names() -> list[str]:
    """The source names a project config accepts (``sources:`` keys of :class:`ProjectConfig`)."""
    literal = typing.get_args(ProjectConfig.model_fields["sources"].annotation)[0]
    return sorted(str(x) for x in typing.get_args(literal))


class PeriodConfig(BaseModel):
    """One snapshot: its label, its date, the tables that differ and the edited 整治清单."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(description="period label, e.g. 2022Q3 or 2023-05")
    date: dt.date = Field(description="the day the snapshot describes (end of the period)")
    project: Path | None = Field(
        default=None, description="project config of this period (default: the file's)"
    )
    sources: dict[str, SourceConfig] = Field(
        default_factory=dict, description="sources that replace the project's for this period"
    )
    rectification_list: Path | None = Field(
        default=None, description="整治清单.xlsx edited by the planners up to this period"
    )

    @field_validator("sources")
    @classmethod
    def _source_names(cls, v: dict[str, SourceConfig]) -> dict[str, SourceConfig]:
        allowed = source_names()
        for name in v:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ValueError(f"unknown source '{name}'{hint}; sources: {', '.join(allowed)}")
        return v

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        if not str(v).strip():
            raise ValueError("a period label must not be blank (e.g. 2022Q3)")
        return str(v).strip()


class MonitorConfig(BaseModel):
    """The periods to compare (oldest first after sorting by date) and the quotas of the 赛马 ranking."""

    model_config = ConfigDict(extra="forbid")

    name: str = "赛马监测"
    project: Path = Field(default=Path("project.yaml"), description="project config of every period")
    periods: list[PeriodConfig] = Field(min_length=1)
    quotas: dict[Literal["town", "park"], dict[str, float]] = Field(
        default_factory=dict,
        description="each town's / park's share (0-1) of every target; default: its share of industrial land",
    )
    root: Path = Path(".")
    path: Path | None = Field(default=None, description="the monitoring file (set when it is read)")

    @model_validator(mode="after")
    def _check(self) -> MonitorConfig:
        labels = [p.label for p in self.periods]
        dup = sorted({x for x in labels if labels.count(x) > 1})
        if dup:
            raise ValueError(f"period labels must be unique; repeated: {', '.join(dup)}")
        dates = [p.date for p in self.periods]
        if len(set(dates)) != len(dates):
            raise ValueError("two periods share a date; give each snapshot its own date")
        for kind, shares in self.quotas.items():
            bad = {k: v for k, v in shares.items() if not 0 <= float(v) <= 1}
            if bad:
                raise ValueError(f"quotas.{kind}: shares must be between 0 and 1, got {bad}")
            if sum(float(v) for v in shares.values()) > 1 + 1e-9:
                raise ValueError(f"quotas.{kind}: the shares add up to more than 1")
        self.periods = sorted(self.periods, key=lambda p: p.date)
        return self


def _problem(exc: ValidationError, path: Path) -> InputError:
    err = exc.errors()[0]
    key = ".".join(str(x) for x in err["loc"]) or "(top level)"
    if err.get("type") == "extra_forbidden":
        where = PeriodConfig if "periods" in err["loc"] else MonitorConfig
        close = difflib.get_close_matches(str(err["loc"][-1]), sorted(where.model_fields), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return InputError(f"unknown key '{key}'{hint}", path=path, fix=f"rename or remove '{key}'")
    if err.get("type") == "missing":
        return InputError(
            f"required key '{key}' missing",
            path=path,
            fix=f"add '{key}:'; each period needs label and date, e.g. {{label: 2022Q4, date: 2022-12-31}}",
        )
    return InputError(f"key '{key}': {err['msg']}", path=path, fix=f"correct the value of '{key}'")


def load_monitor_config(path: str | Path | None = None) -> MonitorConfig:
    """Read and validate a monitoring file.

    Parameters
    ----------
    path : str or Path, optional
        The YAML file; default :data:`DEFAULT_MONITOR_CONFIG` under the current folder.

    Returns
    -------
    MonitorConfig
        With ``root`` set to the file's folder and the periods sorted by date.

    Raises
    ------
    InputError
        Missing file, bad YAML, or a key that fails validation (the key and the fix are named).
    """
    p = Path(path) if path is not None else DEFAULT_MONITOR_CONFIG
    if not p.is_file():
        raise InputError(
            "monitoring config not found",
            path=p,
            fix="pass --config path/to/monitor.yaml (the sample county's is data/monitor.yaml)",
        )
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", path=p, fix="fix the YAML syntax") from None
    except ValueError as exc:  # a date YAML reads as one but cannot build (2022-13-31)
        raise InputError(
            f"a value is not a real date: {exc}",
            path=p,
            fix="write every date as YYYY-MM-DD, e.g. 2022-12-31",
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            "the monitoring config must be a YAML mapping with a periods: list",
            path=p,
            fix="see data/monitor.yaml for an example",
        )
    raw.setdefault("root", str(p.parent.resolve()))
    raw.setdefault("path", str(p))
    try:
        return MonitorConfig(**raw)
    except ValidationError as exc:
        raise _problem(exc, p) from None


def _resolved(root: Path, given: Path) -> Path:
    return given if given.is_absolute() else (root / given).resolve()


def period_project(monitor: MonitorConfig, period: PeriodConfig) -> tuple[ProjectConfig, Path | None]:
    """The project config of one period and the path of its edited 整治清单.

    Source overrides are resolved against the monitoring file's folder; the project's own
    path checks (inside the project folder unless ``allow_outside_paths``) still apply.

    Returns
    -------
    (ProjectConfig, Path or None)

    Raises
    ------
    InputError
        The project config or the 整治清单 named for the period does not exist or is malformed.
    """
    root = Path(monitor.root)
    cfg = load_config(_resolved(root, period.project or monitor.project))
    if period.sources:
        sources: dict[Any, SourceConfig] = dict(cfg.sources)
        for name, src in period.sources.items():
            sources[name] = src.model_copy(update={"path": _resolved(root, Path(src.path))})
        try:
            cfg = ProjectConfig.model_validate({**dict(cfg), "sources": sources})
        except ValidationError as exc:
            names = source_names()
            raise InputError(
                f"periods[{period.label}].sources: {exc.errors()[0]['msg']}",
                path=monitor.path or root,
                fix=f"name only sources a project has: {', '.join(names)}",
            ) from None
    listed: Path | None = None
    if period.rectification_list is not None:
        listed = _resolved(root, period.rectification_list)
        if not listed.is_file():
            raise InputError(
                f"the 整治清单 of period {period.label} is missing",
                path=listed,
                fix=f"correct periods[{period.label}].rectification_list, or remove it for a period with no edits",
            )
    for name, src in period.sources.items():
        if not _resolved(root, Path(src.path)).exists():
            raise InputError(
                f"the {name} table of period {period.label} is missing",
                path=_resolved(root, Path(src.path)),
                fix=f"correct periods[{period.label}].sources.{name}.path (relative to the monitoring file)",
            )
    return cfg, listed
