"""``ruian-land check``: validate a project config and every file it names, without the analysis.

Every problem is listed at once — the config's keys (each misspelt key with a "did you mean"),
the rules, each source file (missing, unreadable, wrong encoding or CRS, required columns not
found, the optional project tables — projects, standard_land_contracts, firm_history, investment …
— included) — each with file, column or row, and the fix. When every file reads, the ingest stage runs
(validate and link, seconds on a county) so the rows that would be rejected and the firms that
link to no parcel are reported too, as notes: they do not stop a run, they are in its ledger.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from ruian_land.config import ProjectConfig, config_problems, load_config
from ruian_land.core import SCHEMAS, InputError, InputWarning
from ruian_land.io import load_inputs
from ruian_land.pipeline.optional import read_optional
from ruian_land.pipeline.stages import ingest

__all__ = ["CheckReport", "check_project"]


@dataclass
class CheckReport:
    """What :func:`check_project` found.

    Attributes
    ----------
    config_path : Path
    problems : list of InputError
        Each stops a run (exit 2 from ``ruian-land check``); ``path``, ``column``, ``row`` and
        ``fix`` say where and what to do.
    notes : list of str
        Warnings while reading (e.g. an encoding guessed; an optional table's unreadable cells,
        refused rows and unknown 宗地代码) and the ledger's rejected rows per input: a run goes
        ahead with them.
    ledger : DataFrame or None
        ``rows_in`` / ``kept`` / ``rejected`` per input, when every file read.
    """

    config_path: Path
    problems: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ledger: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        """True when nothing stops a run."""
        return not self.problems

    def to_frame(self) -> pd.DataFrame:
        """One row per problem: 文件, 列或键, 行, 问题, 修改方法."""
        rows = [
            {
                "文件": p.path or str(self.config_path),
                "列或键": p.column or "",
                "行": "" if p.row is None else str(p.row),
                "问题": p.detail,
                "修改方法": p.fix or "",
            }
            for p in self.problems
        ]
        return pd.DataFrame(rows, columns=["文件", "列或键", "行", "问题", "修改方法"])


def _drop(raw: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Remove the offending key at ``loc`` from ``raw`` (so the rest can still be checked)."""
    keys = [k for k in loc if k != "[key]"]
    node: Any = raw
    for k in keys[:-1]:
        if not isinstance(node, dict) or k not in node:
            return False
        node = node[k]
    if isinstance(node, dict) and keys and keys[-1] in node:
        del node[keys[-1]]
        return True
    return False


def _config(path: Path, report: CheckReport) -> ProjectConfig | None:
    """The config; on failure every key's problem, and the config without the bad keys if possible."""
    try:
        return load_config(path)
    except InputError as exc:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            raw = None
        if not isinstance(raw, dict) or not raw:
            report.problems.append(exc)
            return None
        raw.setdefault("root", str(path.parent.resolve()))
        first = True
        for _ in range(20):  # drop the bad keys and re-validate, so the files can still be checked
            try:
                return ProjectConfig(**raw)
            except ValidationError as verr:
                if first:
                    report.problems.extend(config_problems(verr, path))
                    first = False
                if not any([_drop(raw, tuple(e["loc"])) for e in verr.errors()]):
                    return None
            except TypeError:
                break
        if first:
            report.problems.append(exc)
        return None


def check_project(path: str | Path | None = None) -> CheckReport:
    """Check a project config and every source it names; list every problem at once.

    Parameters
    ----------
    path : str or Path, optional
        The project YAML (default ``data/project.yaml`` under the current folder).

    Returns
    -------
    CheckReport
        ``ok`` is False when any problem would stop ``ruian-land run``. Never raises for a
        problem in the inputs: each is a row of the report.
    """
    p = Path(path) if path is not None else Path("data") / "project.yaml"
    report = CheckReport(p)
    cfg = _config(p, report)
    if cfg is None:
        return report
    try:
        rules = cfg.load_rules()
    except InputError as exc:
        report.problems.append(exc)
        rules = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        problems: list[InputError] = []
        inputs = load_inputs(cfg, problems=problems)
        for kind in [k for k in inputs.other if k in SCHEMAS]:  # projects, 标准地 contracts, history …
            try:  # the schema and parse path of the stages that read them; their cells are noted by ingest
                read_optional(inputs, cfg, kind)
            except InputError as exc:
                problems.append(exc)
        report.problems.extend(problems)
        if report.ok and rules is not None:
            try:
                ingested = ingest(cfg, rules=rules)
            except InputError as exc:
                report.problems.append(exc)
            else:
                ledger = pd.DataFrame(ingested.ledger.summary()).T
                report.ledger = ledger
                entries = ingested.ledger.to_frame()
                rejected = entries[entries["action"] == "rejected"]
                counts = rejected.groupby(["input_zh", "problem_zh"]).size()
                for (kind, problem), n in zip(counts.index.tolist(), counts.tolist(), strict=True):
                    report.notes.append(f"{kind}: {n} 行将被剔除 ({problem}); 详见运行后的 qa/")
                unlinked = ingested.summary["enterprises_unlinked"]
                if unlinked:
                    report.notes.append(f"{unlinked} 家企业未能关联到宗地 (见 qa/ 的 unlinked 记录)")
    seen: set[str] = set()
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, InputWarning) and text not in seen:
            seen.add(text)
            report.notes.insert(0, text)
    return report
