"""The stage API: a Project whose stages chain themselves, give exactly the numbers of
``ruian-land run``, are cached, re-run only what a rule change affects, and refuse wrong input
with the project's own error (never a KeyError from inside)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import ruian_land
from ruian_land import pipeline
from ruian_land.core import Ledger, StageInputError, require_columns
from ruian_land.io import read_parcels
from ruian_land.link import link_firms_to_parcels
from ruian_land.pipeline import stages
from ruian_land.rules import load_rules
from ruian_land.screening import screen
from ruian_land.validate import validate_parcels

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "data" / "project.yaml"

pytestmark = pytest.mark.skipif(not PROJECT.exists(), reason="sample county data/project.yaml not generated")


def _is_timing(key: Any) -> bool:
    """Timings and memory differ between runs: solver ``*_time_s`` and ``summary.json`` ``stages``."""
    return str(key).endswith("_time_s") or key == "stages"


def _untimed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if not _is_timing(k)}
    return value


@pytest.fixture(scope="module")
def project() -> pipeline.Project:
    p = ruian_land.Project.from_config(PROJECT)
    for step in (p.ingest, p.evaluate, p.screen, p.simulate, p.parks, p.map):
        step()
    return p


def test_top_package_exposes_the_stage_api() -> None:
    for name in ("Project", "read_parcels", "read_table", "load_inputs", "screen", "optimise", "run"):
        assert hasattr(ruian_land, name), name
    assert ruian_land.Project is pipeline.Project


def test_stage_by_stage_equals_ruian_land_run(project: pipeline.Project, sample_run: Any) -> None:
    result, out = sample_run
    # the figures the CLI wrote to summary.json, from the notebook's path through the stages
    assert _untimed(project.summary) == _untimed(result.summary)
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert project.summary["class_counts"] == written["class_counts"]
    assert project.evaluate().summary["class_counts"] == result.summary["class_counts"]
    assert project.screen().summary["idle_parcels"] == result.summary["idle_parcels"]
    freed = project.simulate().summary["scenario"]["freed_area_mu"]
    assert freed == pytest.approx(
        result.summary["scenario"]["freed_area_mu"], abs=1e-4
    )  # summary rounds to 4


def test_each_stage_alone_on_the_previous_result_equals_the_stage_inside_run(
    project: pipeline.Project, sample_run: Any
) -> None:
    result, _ = sample_run
    ing, ev = project.ingest(), project.evaluate()
    alone_ev = stages.evaluate(ing)
    pd.testing.assert_frame_equal(alone_ev.firms, result.firms)
    alone_scr = stages.screen(ing, ev)
    pd.testing.assert_frame_equal(alone_scr.screening.parcels, result.screening.parcels)
    pd.testing.assert_frame_equal(alone_scr.screening.firms, result.screening.firms)
    sim = project.simulate()
    pd.testing.assert_frame_equal(
        sim.scenario.selection.reset_index(drop=True), result.scenario.selection.reset_index(drop=True)
    )
    sited = stages.parks(ing, ev, project.screen(), sim)
    assert list(sited.sites["site_id"]) == list(result.sites["site_id"])
    assert sited.summary["park_candidates"] == result.summary["park_candidates"]


def test_stages_are_cached(project: pipeline.Project) -> None:
    assert project.ingest() is project.ingest()
    assert project.evaluate() is project.evaluate()


def test_a_rule_change_reruns_only_the_stages_it_affects() -> None:
    p = ruian_land.Project.from_config(PROJECT)
    ing, ev, scr = p.ingest(), p.evaluate(), p.screen()
    before = p.simulate().scenario.summary["freed_area_mu"]
    target = float(p.rules.value("targets.freed_area_mu"))
    p.set_rules({"targets.freed_area_mu": target / 2})
    # ingest data kept (same frames), evaluation and screening kept, the scenario solved again
    assert p.ingest().clean is ing.clean and p.evaluate() is ev and p.screen() is scr
    assert p.ingest().rules is p.rules
    after = p.simulate().scenario.summary
    assert after["target_area_mu"] == pytest.approx(target / 2)
    assert after["freed_area_mu"] <= before
    # an evaluation rule re-runs the evaluation, not the ingest
    p.set_rules({"evaluation.land_grant_years": 1})
    assert p.ingest().clean is ing.clean and p.evaluate() is not ev


def test_unknown_rule_key_is_refused_with_a_hint() -> None:
    p = ruian_land.Project.from_config(PROJECT)
    with pytest.raises(ruian_land.RulesError, match=re.escape("did you mean targets.freed_area_mu")):
        p.set_rules({"targets.freed_area_m": 500})


def test_a_stage_given_the_wrong_result_names_the_stage_to_run_first(project: pipeline.Project) -> None:
    ing = project.ingest()
    with pytest.raises(StageInputError, match="needs the result of the evaluate stage"):
        stages.screen(ing, ing)  # type: ignore[arg-type]
    with pytest.raises(StageInputError, match="run the ingest stage first"):
        stages.evaluate("data/project.yaml")  # type: ignore[arg-type]
    # a StageInputError is an InputError: the CLI turns it into exit 2
    assert issubclass(StageInputError, ruian_land.InputError)


def test_require_columns_names_every_missing_column_and_its_stage() -> None:
    frame = pd.DataFrame({"uscc": ["x"]})
    with pytest.raises(StageInputError) as info:
        require_columns(frame, ["uscc", "eval_class", "tax_per_mu"], frame_name="firms", stage="screen")
    text = str(info.value)
    assert "eval_class, tax_per_mu" in text and "evaluate" in text and "'firms'" in text
    require_columns(frame, ["uscc"], frame_name="firms", stage="screen")  # no error when present
    with pytest.raises(StageInputError, match="needs a table"):
        require_columns("not a frame", ["uscc"], frame_name="firms", stage="screen")  # type: ignore[arg-type]


def test_project_needs_a_config_not_a_string() -> None:
    with pytest.raises(ruian_land.InputError, match=re.escape("Project.from_config")):
        pipeline.Project("data/project.yaml")  # type: ignore[arg-type]


def test_find_sample_config_from_the_notebooks_folder() -> None:
    assert pipeline.find_sample_config(ROOT / "notebooks") == PROJECT


def test_validate_parcels_on_unmapped_columns_names_them_not_keyerror(tmp_path: Path) -> None:
    # the new-user trap: read_parcels keeps the Chinese headers; validating them directly
    # must say which columns are missing and how to map them, never KeyError: 'parcel_id'
    raw = read_parcels(ROOT / "data" / "parcels" / "宗地.shp", encoding="gb18030")
    with pytest.raises(StageInputError) as info:
        validate_parcels(raw.drop(columns="source_row"), Ledger(), load_rules())
    text = str(info.value)
    assert "parcel_id, source_row" in text and "map_columns" in text


def test_link_names_every_missing_column_of_the_leases(project: pipeline.Project) -> None:
    ing = project.ingest()
    leases = ing.clean.leases.drop(columns=["parcel_id", "leased_area_m2"])
    with pytest.raises(StageInputError, match="parcel_id, leased_area_m2"):
        link_firms_to_parcels(ing.parcels, ing.clean.firms, leases)


def test_screen_without_as_of_is_refused_not_counted_to_today(project: pipeline.Project) -> None:
    ing, ev = project.ingest(), project.evaluate()
    with pytest.raises(ruian_land.InputError, match="as_of"):
        screen(ing.parcels, ev.firms, ing.occupancy.links, ing.rules)
