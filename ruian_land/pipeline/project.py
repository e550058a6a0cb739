"""One object for a project: its stages chain themselves and are cached.

::

    from ruian_land import Project
    project = Project.sample()            # or Project.from_config("my_county/project.yaml")
    project.evaluate().summary            # runs ingest first, once
    project.set_rules({"evaluation.bands.A": 0.25})   # re-runs evaluate and what follows, not ingest
    project.simulate().scenario.summary
    project.export("out")                 # the same files as `ruian-land run`

Each stage method returns the stage's result object (:mod:`ruian_land.pipeline.stage_results`)
and caches it; asking again returns the cached result until a rule or the config changes. The
methods call the very functions of :mod:`ruian_land.pipeline.stages` that ``ruian-land run``
calls, so a notebook walking the stages gives exactly the CLI's numbers.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ruian_land.config import ProjectConfig, load_config
from ruian_land.core import InputError, RulesError
from ruian_land.pipeline import stages
from ruian_land.pipeline.result import RunResult
from ruian_land.pipeline.stage_results import (
    EvaluateResult,
    IngestResult,
    MapResult,
    ParksResult,
    ScreenResult,
    SimulateResult,
    TrajectoryResult,
)
from ruian_land.pipeline.supervising import SuperviseResult
from ruian_land.pipeline.write import write_outputs, write_run_report
from ruian_land.rules import RuleSet
from ruian_land.sample import generate_sample

__all__ = ["FIRST_STAGE_OF_SECTION", "Project", "find_sample_config"]

#: The first stage that reads a rules section: changing a rule re-runs that stage and the later ones.
FIRST_STAGE_OF_SECTION: dict[str, str] = {
    "qa": "ingest",
    "link": "ingest",
    "energy": "ingest",
    "carbon": "evaluate",
    "evaluation": "evaluate",
    "policy": "evaluate",
    "screening": "screen",
    "idle": "screen",
    "two_high": "screen",
    "standard_land": "screen",
    "tracking": "simulate",
    "scenario": "simulate",
    "targets": "simulate",
    "trajectory": "trajectory",
    "reference": "trajectory",
    "parks": "parks",
    "control_line": "parks",
    "supervision": "map",  # the supervise stage is dropped with any invalidation (see invalidate)
    "maps": "map",
}
_ORDER: tuple[str, ...] = tuple(stages.STAGES)


def find_sample_config(start: str | Path | None = None) -> Path:
    """The bundled sample county's ``data/project.yaml``.

    Looks in ``start`` (default: the current folder) and its parents, as from a clone of the
    repository or its ``notebooks/`` folder; failing that, generates the sample county (fixed seed,
    byte-identical) once into ``$RUIAN_LAND_CACHE`` (default ``~/.cache/ruian-land/sample``).

    Returns
    -------
    Path
        The ``project.yaml`` path.
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "data" / "project.yaml"
        if candidate.is_file():
            return candidate
    cache = Path(os.environ.get("RUIAN_LAND_CACHE", Path.home() / ".cache" / "ruian-land")) / "sample"
    if not (cache / "project.yaml").is_file():
        generate_sample(cache)
    return cache / "project.yaml"


class Project:
    """A county's project: its config, its rules and the cached result of every stage.

    Parameters
    ----------
    config : ProjectConfig
        The project config (:func:`ruian_land.config.load_config`).
    previous_list : str or Path, optional
        An edited 整治清单 of an earlier run, carried over by the simulate stage.

    Attributes
    ----------
    config : ProjectConfig
    rules : RuleSet
        The rules every stage uses (the config's preset, plus :meth:`set_rules` overrides).
    """

    def __init__(self, config: ProjectConfig, *, previous_list: str | Path | None = None) -> None:
        if not isinstance(config, ProjectConfig):
            raise InputError(
                f"Project needs a ProjectConfig, got {type(config).__name__}",
                fix="use Project.from_config(path) for a YAML file, or Project.sample()",
            )
        self.config = config
        self.rules: RuleSet = config.load_rules()
        self.previous_list = previous_list
        self._results: dict[str, Any] = {}

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_config(
        cls, path: str | Path | None = None, *, previous_list: str | Path | None = None
    ) -> Project:
        """A project from its YAML config (``None``: ``data/project.yaml`` under the current folder).

        Raises
        ------
        InputError
            The file is missing or malformed (names the key and the fix).
        """
        return cls(load_config(path), previous_list=previous_list)

    @classmethod
    def sample(cls) -> Project:
        """The bundled sample county (see :func:`find_sample_config`)."""
        return cls.from_config(find_sample_config())

    def __repr__(self) -> str:
        done = [s for s in _ORDER if s in self._results]
        return f"Project({self.config.name!r}, rules={self.rules.presets}, stages done={done})"

    # -- caching --------------------------------------------------------------------------
    def invalidate(self, stage: str = "ingest") -> None:
        """Forget the cached result of ``stage`` and of every later stage.

        Raises
        ------
        ValueError
            ``stage`` is not one of ``ingest, evaluate, screen, simulate, trajectory, parks, map``.
        """
        if stage not in _ORDER:
            raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(_ORDER)}")
        for name in _ORDER[_ORDER.index(stage) :]:
            self._results.pop(name, None)
        self._results.pop("supervise", None)  # reads ingest … screen; not a run-folder stage
        if _ORDER.index(stage) <= _ORDER.index("simulate"):
            for key in [k for k in self._results if k.startswith("compare:")]:
                del self._results[key]

    def set_rules(self, overrides: Mapping[str, Any], source: str = "notebook override") -> RuleSet:
        """Change rules (``{"evaluation.bands.A": 0.25}``) and re-run only the stages they affect.

        The earliest stage reading a changed section (:data:`FIRST_STAGE_OF_SECTION`) and the ones
        after it are invalidated; earlier cached results are kept and carry the new rules on.

        Returns
        -------
        RuleSet
            The new rules.

        Raises
        ------
        RulesError
            An unknown key (with the closest known key as a hint).
        """
        known = set(self.rules)
        unknown = [str(k) for k in overrides if k not in known]
        if unknown:
            hints = {k: difflib.get_close_matches(k, sorted(known), n=1) for k in unknown}
            text = "; ".join(f"{k} (did you mean {h[0]}?)" if h else k for k, h in hints.items())
            raise RulesError(
                f"unknown rule key(s): {text}",
                fix="`ruian-land rules ruian_default` lists every key with its value, unit and source",
            )
        self.rules = self.rules.with_overrides(overrides, source=source)
        first = min(
            (_ORDER.index(FIRST_STAGE_OF_SECTION.get(str(k).split(".")[0], "ingest")) for k in overrides),
            default=len(_ORDER),
        )
        if first < len(_ORDER):
            self.invalidate(_ORDER[first])
        ingested = self._results.get("ingest")
        if ingested is not None:
            self._results["ingest"] = dataclasses.replace(ingested, rules=self.rules)
        return self.rules

    def _cached(self, name: str, make: Any) -> Any:
        if name not in self._results:
            self._results[name] = make()
        return self._results[name]

    # -- the stages -----------------------------------------------------------------------
    def ingest(self) -> IngestResult:
        """Read, validate and link the inputs (:func:`ruian_land.pipeline.stages.ingest`)."""
        return self._cached("ingest", lambda: stages.ingest(self.config, rules=self.rules))  # type: ignore[no-any-return]

    def evaluate(self) -> EvaluateResult:
        """亩均效益综合评价 (:func:`ruian_land.pipeline.stages.evaluate`)."""
        return self._cached("evaluate", lambda: stages.evaluate(self.ingest()))  # type: ignore[no-any-return]

    def screen(self) -> ScreenResult:
        """Low-efficiency and idle land, 两高 (:func:`ruian_land.pipeline.stages.screen`)."""
        return self._cached("screen", lambda: stages.screen(self.ingest(), self.evaluate()))  # type: ignore[no-any-return]

    def simulate(self) -> SimulateResult:
        """The 腾笼换鸟 scenario and the 整治清单 (:func:`ruian_land.pipeline.stages.simulate`)."""
        return self._cached(  # type: ignore[no-any-return]
            "simulate",
            lambda: stages.simulate(
                self.ingest(), self.evaluate(), self.screen(), previous_list=self.previous_list
            ),
        )

    def compare(self, source: str | Path | None = None) -> tuple[pd.DataFrame, str]:
        """Named scenarios side by side (:func:`ruian_land.pipeline.stages.compare`).

        ``source``: a shipped scenario file (``plan_2021_2023``) or a YAML path; default the
        config's ``scenario.compare``. Cached per source until a rule changes.
        """
        key = f"compare:{source}"
        if key not in self._results:
            self._results[key] = stages.compare(self.ingest(), self.evaluate(), self.screen(), source)
        return self._results[key]  # type: ignore[no-any-return]

    def trajectory(self) -> TrajectoryResult:
        """The three-year path of plan §二 (:func:`ruian_land.pipeline.stages.trajectory`)."""
        return self._cached(  # type: ignore[no-any-return]
            "trajectory",
            lambda: stages.trajectory(self.ingest(), self.evaluate(), self.screen(), self.simulate()),
        )

    def parks(self) -> ParksResult:
        """小微企业园 sites and the candidate list (:func:`ruian_land.pipeline.stages.parks`)."""
        return self._cached(  # type: ignore[no-any-return]
            "parks", lambda: stages.parks(self.ingest(), self.evaluate(), self.screen(), self.simulate())
        )

    def supervise(self) -> SuperviseResult:
        """标准地履约, 挂图作战 and the eligibility lists (:func:`ruian_land.pipeline.stages.supervise`)."""
        return self._cached(  # type: ignore[no-any-return]
            "supervise", lambda: stages.supervise(self.ingest(), self.evaluate(), self.screen())
        )

    def map(self) -> MapResult:
        """The overview map (:func:`ruian_land.pipeline.stages.make_map`)."""
        return self._cached(  # type: ignore[no-any-return]
            "map",
            lambda: stages.make_map(
                self.ingest(), self.evaluate(), self.screen(), self.simulate(), self.parks(), self.supervise()
            ),
        )

    def result(self) -> RunResult:
        """Every stage (cached ones reused) assembled as the :class:`RunResult` of ``ruian-land run``."""
        return stages.assemble(
            self.ingest(),
            self.evaluate(),
            self.screen(),
            self.simulate(),
            self.parks(),
            self.map(),
            self.trajectory(),
            self.supervise(),
        )

    @property
    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` dict of the run (runs the stages not yet run)."""
        return self.result().summary

    def export(self, out_dir: str | Path = "out", *, offline: bool | None = None) -> dict[str, Path]:
        """Write the output contract (DESIGN §3) under ``out_dir``, as ``ruian-land run`` does.

        Returns
        -------
        dict
            Name → path of every file written.
        """
        return write_outputs(self.result(), out_dir, offline=offline)

    def report(self, path: str | Path = "out/report.html") -> Path:
        """Write the leadership report (:func:`ruian_land.pipeline.write_run_report`); returns its path."""
        return write_run_report(self.result(), path)
