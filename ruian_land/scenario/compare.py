"""Named 腾笼换鸟 scenarios from YAML, run side by side, compared in one table and one chart.

A scenario file (``ruian_land/rules/scenarios/*.yaml`` ships some) looks like::

    scenarios:
      - name: 计划目标
        description: plan §二 targets, least tax lost
        objective: tax                 # tax | jobs | mixed
        targets: {freed_area_mu: 1000, firms_upgraded: null}   # null = rule value; a list switches on
        protect_classes: [A, B]
        town_quotas: {塘下镇: 200}
        budget_wan: 50000
        remedies: [exit, vacate, relocate, upgrade]
        partial_release: false
        rules: {scenario.relocate_tax_kept: 0.5}                # rule overrides for this scenario

Every key but ``name`` is optional (default: the project's rules). The chart is a self-contained
SVG (no plotting library needed): for each scenario, how much of each target is reached, and the
county 规上 亩均税收 / 亩均增加值 after against the plan's 42 and 220.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ruian_land.core import InputError
from ruian_land.rules import RuleSet
from ruian_land.scenario.plan import optimise
from ruian_land.scenario.result import ScenarioResult
from ruian_land.scenario.targets import TARGET_KEYS, TARGET_LABELS
from ruian_land.screening import Screening

__all__ = [
    "ScenarioSpec",
    "compare_scenarios",
    "comparison_chart",
    "comparison_table",
    "load_specs",
    "shipped_scenario_files",
    "tax_change_text",
]


class ScenarioSpec(BaseModel):
    """One named scenario: what differs from the project's defaults."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    objective: Literal["tax", "jobs", "mixed"] = "tax"
    targets: list[str] | dict[str, float | None] | None = None
    protect_classes: list[str] | None = None
    town_quotas: dict[str, float] | None = None
    budget_wan: float | None = None
    remedies: list[str] | None = None
    partial_release: bool | None = None
    phasing: Literal["auto", "milp", "heuristic"] | None = None
    rules: dict[str, Any] = Field(default_factory=dict)


def shipped_scenario_files() -> list[Path]:
    """The scenario files shipped in ``ruian_land/rules/scenarios/``."""
    folder = resources.files("ruian_land.rules").joinpath("scenarios")
    if not folder.is_dir():
        return []
    return sorted(Path(str(f)) for f in folder.iterdir() if str(f).endswith((".yaml", ".yml")))


def load_specs(source: str | Path | Sequence[Mapping[str, Any] | ScenarioSpec]) -> list[ScenarioSpec]:
    """Read scenario specifications.

    Parameters
    ----------
    source : path, or sequence of mappings / ScenarioSpec
        A YAML file with a top-level ``scenarios:`` list, the name of a shipped file
        (``plan_2021_2023``), or the list itself.

    Returns
    -------
    list of ScenarioSpec

    Raises
    ------
    InputError
        File missing, not YAML, no ``scenarios`` list, a malformed entry (named by its position)
        or two scenarios with the same name.
    """
    path: Path | None = None
    if isinstance(source, str | Path):
        path = Path(source)
        if path.suffix not in (".yaml", ".yml"):
            shipped = {p.stem: p for p in shipped_scenario_files()}
            if str(source) not in shipped:
                raise InputError(
                    f"unknown scenario file {source!r}", fix=f"use a .yaml path or one of {sorted(shipped)}"
                )
            path = shipped[str(source)]
        if not path.exists():
            raise InputError("scenario file not found", path=path, fix="check the path")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise InputError(f"not valid YAML: {exc}", path=path, fix="fix the YAML syntax") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), list):
            raise InputError("a scenario file needs a top-level 'scenarios:' list", path=path,
                             fix="see ruian_land/rules/scenarios/plan_2021_2023.yaml")  # fmt: skip
        items: Sequence[Any] = raw["scenarios"]
    else:
        items = source
    specs: list[ScenarioSpec] = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, ScenarioSpec):
            specs.append(item)
            continue
        try:
            specs.append(ScenarioSpec(**dict(item)))
        except (ValidationError, TypeError) as exc:
            raise InputError(f"scenario {i} is malformed: {exc}", path=path, row=i,
                             fix="give name and only the keys listed in ruian_land.scenario.compare") from None  # fmt: skip
    names = [s.name for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"scenario names repeat: {dup}", path=path, fix="give every scenario its own name")
    return specs


def _run(
    spec: ScenarioSpec,
    screening: Screening,
    firms: pd.DataFrame,
    links: pd.DataFrame,
    parcels: pd.DataFrame,
    rules: RuleSet,
    control_lines: gpd.GeoDataFrame | None,
) -> ScenarioResult:
    known = set(rules.keys())
    unknown = [k for k in spec.rules if k not in known]
    if unknown:
        raise InputError(f"scenario {spec.name!r} overrides unknown rules {unknown}", column="rules",
                         fix="use keys of the rules file (e.g. scenario.relocate_tax_kept)")  # fmt: skip
    rs = rules.with_overrides(spec.rules, source=f"scenario {spec.name}") if spec.rules else rules
    return optimise(
        screening,
        firms,
        links,
        parcels,
        rs,
        targets=spec.targets,
        objective=spec.objective,
        protect_classes=spec.protect_classes,
        remedies=spec.remedies,
        town_quotas=spec.town_quotas,
        budget_wan=spec.budget_wan,
        partial_release=spec.partial_release,
        phasing=spec.phasing,
        control_lines=control_lines,
    )


def comparison_table(results: Mapping[str, ScenarioResult]) -> pd.DataFrame:
    """One row per scenario with the figures a planner compares.

    Returns
    -------
    DataFrame
        Index ``scenario``; columns ``status``, ``feasible``, the five achieved targets and
        ``share_<target>`` (achieved ÷ target, NaN if the target is off), ``tax_change_wan``
        (positive = more tax), ``value_added_change_wan`` (positive = more),, ``jobs_lost``, ``cost_wan``, ``tax_per_mu_before`` / ``_after``,
        ``value_added_per_mu_before`` / ``_after``, ``n_<remedy>`` counts, ``binding_targets``
        (``;``-joined), ``mip_gap``, ``solve_time_s``.
    """
    rows = []
    for name, res in results.items():
        s = res.summary
        row: dict[str, Any] = {"scenario": name, "status": res.status, "feasible": bool(s["feasible"])}
        for t in TARGET_KEYS:
            row[t] = float(s[t])
            tgt = s["targets"].get(t)
            row[f"share_{t}"] = float(s[t]) / tgt if tgt else float("nan")
        for k in ("tax_change_wan", "value_added_change_wan", "jobs_lost", "cost_wan", "tax_per_mu_before",
                  "tax_per_mu_after", "value_added_per_mu_before", "value_added_per_mu_after"):  # fmt: skip
            row[k] = float(s[k])
        for r, cnt in s["remedy_counts"].items():
            row[f"n_{r}"] = int(cnt)
        row["binding_targets"] = ";".join(s["binding_targets"])
        row["mip_gap"] = float(s["mip_gap"])
        row["solve_time_s"] = float(s["solve_time_s"])
        rows.append(row)
    out = pd.DataFrame(rows).set_index("scenario")
    n_cols = [c for c in out.columns if c.startswith("n_")]
    out[n_cols] = out[n_cols].fillna(0).astype(int)
    return out


def tax_change_text(change_wan: float) -> str:
    """Signed tax change in words: ``税收增加 1,809 万元/年`` (gain), ``税收减少 …`` (loss).

    Parameters
    ----------
    change_wan : float
        Yearly tax change, 万元/年; positive = more tax (``tax_change_wan``).
    """
    if round(change_wan) == 0:
        return "税收不变 (tax unchanged)"
    word, en = ("税收增加", "tax gained") if change_wan > 0 else ("税收减少", "tax lost")
    return f"{word} {abs(change_wan):,.0f} 万元/年 ({en})"


_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")


def comparison_chart(table: pd.DataFrame, targets: Mapping[str, float]) -> str:
    """The comparison as one self-contained SVG (text; the caller writes it).

    Grouped horizontal bars, one group per indicator (the five plan targets as % of the target;
    county 规上 亩均税收 and 亩均增加值 after as % of ``targets`` 42 / 220), one bar per scenario,
    with the 100 % line.

    Parameters
    ----------
    table : DataFrame
        From :func:`comparison_table`.
    targets : mapping
        ``tax_per_mu`` and ``value_added_per_mu`` targets (万元/亩).

    Returns
    -------
    str
        The SVG document (UTF-8 text).
    """
    groups: list[tuple[str, pd.Series]] = []
    for t in TARGET_KEYS:
        col = table[f"share_{t}"]
        if col.notna().any():
            groups.append((f"{TARGET_LABELS[t][0]} ({TARGET_LABELS[t][1]})", col * 100))
    groups.append(
        (
            f"规上亩均税收 after / {targets['tax_per_mu']:g}",
            table["tax_per_mu_after"] / targets["tax_per_mu"] * 100,
        )
    )
    groups.append((f"规上亩均增加值 after / {targets['value_added_per_mu']:g}",
                   table["value_added_per_mu_after"] / targets["value_added_per_mu"] * 100))  # fmt: skip
    names = list(table.index)
    bar, gap, left, width = 14, 18, 260, 420
    top = 60 + 18 * len(names)
    height = top + len(groups) * (len(names) * bar + gap) + 40
    vmax = max(150.0, float(np.nanmax([g.max() for _, g in groups] + [0.0])) if groups else 150.0)
    vmax = min(vmax, 400.0)
    sx = width / vmax
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{height}" '
           'font-family="sans-serif" font-size="12">',
           '<text x="10" y="20" font-size="15" font-weight="bold">腾笼换鸟 scenarios: share of each target reached (%)</text>']  # fmt: skip
    for i, nm in enumerate(names):
        y = 36 + 18 * i
        colour = _COLOURS[i % len(_COLOURS)]
        feas = "" if bool(table.loc[nm, "feasible"]) else " (targets not all met)"
        out.append(f'<rect x="10" y="{y}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="28" y="{y + 10}">{html.escape(str(nm))}{feas} — '
                   f'{tax_change_text(float(table.loc[nm, "tax_change_wan"]))}, '
                   f'cost {table.loc[nm, "cost_wan"]:,.0f} 万元</text>')  # fmt: skip
    y = top
    for label, vals in groups:
        out.append(f'<text x="10" y="{y + bar}" >{html.escape(label)}</text>')
        for i, nm in enumerate(names):
            val = float(vals.get(nm, np.nan))
            w = 0.0 if not np.isfinite(val) else min(val, vmax) * sx
            colour = _COLOURS[i % len(_COLOURS)]
            out.append(f'<rect x="{left}" y="{y + i * bar}" width="{w:.1f}" height="{bar - 2}" fill="{colour}">'
                       f"<title>{html.escape(str(nm))}: {val:.1f} %</title></rect>")  # fmt: skip
            txt = "—" if not np.isfinite(val) else f"{val:.0f} %"
            out.append(
                f'<text x="{left + w + 4:.1f}" y="{y + i * bar + bar - 4}" font-size="10">{txt}</text>'
            )
        y += len(names) * bar + gap
    x100 = left + 100 * sx
    out.append(
        f'<line x1="{x100:.1f}" y1="{top - 6}" x2="{x100:.1f}" y2="{y}" stroke="#000" stroke-dasharray="4,3"/>'
    )
    out.append(f'<text x="{x100 - 14:.1f}" y="{y + 14}" font-size="10">100 %</text>')
    out.append("</svg>")
    return "\n".join(out)


def compare_scenarios(
    specs: str | Path | Sequence[Mapping[str, Any] | ScenarioSpec],
    screening: Screening,
    firms: pd.DataFrame,
    links: pd.DataFrame,
    parcels: pd.DataFrame,
    rules: RuleSet,
    *,
    control_lines: gpd.GeoDataFrame | None = None,
) -> tuple[pd.DataFrame, str]:
    """Run several named scenarios on the same data and compare them.

    Parameters
    ----------
    specs : path or sequence
        Scenario file (see :func:`load_specs`) or the list of specifications.
    screening, firms, links, parcels, rules
        As for :func:`ruian_land.scenario.optimise`.
    control_lines : GeoDataFrame, optional
        工业用地控制线 for the re-use of freed land.

    Returns
    -------
    (DataFrame, str)
        :func:`comparison_table` (index = scenario name; ``table.attrs["results"]``: name →
        ScenarioResult) and the chart (:func:`comparison_chart`, SVG text). Nothing is written.

    Raises
    ------
    InputError
        A malformed specification or an unknown rule override.
    """
    results = {
        s.name: _run(s, screening, firms, links, parcels, rules, control_lines) for s in load_specs(specs)
    }
    table = comparison_table(results)
    tg = {"tax_per_mu": float(rules.value("targets.tax_per_mu")),
          "value_added_per_mu": float(rules.value("targets.value_added_per_mu"))}  # fmt: skip
    chart = comparison_chart(table, tg)
    table.attrs["results"] = results
    return table, chart
