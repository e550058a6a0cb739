"""Rules presets (value/unit/source/status), their validation, and the project config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ruian_land.config import load_config
from ruian_land.core import InputError, RulesError
from ruian_land.rules import RuleSet, available_presets, load_preset, load_rules


def test_shipped_presets_load_and_carry_provenance() -> None:
    assert {"ruian_default", "huangyan_2021", "huangyan_2022"} <= set(available_presets())
    for name in available_presets():
        preset = load_preset(name)
        for key, entry in preset.rules.items():
            assert entry.source.strip(), key
            assert entry.unit is not None, key


def test_plan_targets_match_the_plan_text() -> None:
    r = load_rules()
    # plan §二: 1000 亩, 3万 tce, 6万 t CO2, 42 万元/亩, 220 万元/亩, 200 exits, 300 upgrades.
    assert r.value("targets.freed_area_mu") == 1000
    assert r.value("targets.freed_energy_tce") == 30_000
    assert r.value("targets.co2_reduction_t") == 60_000
    assert r.value("targets.tax_per_mu") == 42
    assert r.value("targets.value_added_per_mu") == 220
    assert (r.value("targets.firms_exited"), r.value("targets.firms_upgraded")) == (200, 300)
    assert r["targets.freed_area_mu"].status == "plan"
    assert r.value("screening.park_clearance_tax_per_mu") == 10


def test_huangyan_weights_and_benchmarks() -> None:
    r21, r22 = load_rules(evaluation="huangyan_2021"), load_rules(evaluation="huangyan_2022")
    w = r21.section("evaluation.above.weight")
    assert w == {
        "tax_per_mu": 30,
        "value_added_per_mu": 20,
        "value_added_per_tce": 20,
        "value_added_per_t_emission": 10,
        "labour_productivity": 10,
        "rd_intensity": 10,
    }
    assert r21.value("evaluation.above.benchmark.tax_per_mu") == 26.01
    assert r22.value("evaluation.above.benchmark.tax_per_mu") == 24.097
    assert r22.value("evaluation.below.benchmark.tax_per_10k_kwh") == 0.2352


def test_weights_not_summing_to_100_are_refused() -> None:
    with pytest.raises(RulesError, match="sum to 110"):
        load_rules(overrides={"evaluation.above.weight.tax_per_mu": 40})


def test_non_monotone_bands_are_refused() -> None:
    with pytest.raises(RulesError, match="monotone"):
        load_rules(overrides={"evaluation.bands.above": {"A": 0.5, "B": 0.4, "C": 0.95, "D": 1.0}})


def test_unknown_key_names_the_section() -> None:
    with pytest.raises(RulesError, match=r"targets\.freed_area_mu"):
        load_rules().value("targets.freed_area")


def test_override_marks_status_user_and_keeps_unit() -> None:
    r = load_rules(overrides={"targets.freed_area_mu": 1200})
    assert r.value("targets.freed_area_mu") == 1200
    assert r["targets.freed_area_mu"].status == "user"
    assert r["targets.freed_area_mu"].unit == "亩"


def test_rule_set_round_trips_through_yaml(tmp_path: Path) -> None:
    r = load_rules()
    path = tmp_path / "custom.yaml"
    path.write_text(r.to_yaml(name="custom"), encoding="utf-8")
    back = load_rules(base=path, evaluation=None)
    assert isinstance(back, RuleSet)
    assert dict(back) == dict(r)


def test_malformed_entry_names_key_and_file(tmp_path: Path) -> None:
    doc = {"name": "x", "version": "1", "kind": "base", "rules": {"a.b": {"value": 1, "unit": "m"}}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(base=path, evaluation=None)
    assert "a.b" in str(err.value) and "bad.yaml" in str(err.value)


def test_config_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text("sources:\n  parcels: {path: p.shp}\n  registry: {path: r.xlsx}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_config(path)
    assert "sources" in str(err.value) and "project.yaml" in str(err.value)
    path.write_text(
        "sources:\n  parcels: {path: p.shp}\n  registry: {path: r.xlsx}\n  tax: {path: t.csv, colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="colour"):
        load_config(path)


def test_config_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "project.yaml"
    path.write_text(
        "sources:\n  parcels: {path: p/宗地.shp}\n  registry: {path: r.xlsx}\n  tax: {path: t.csv}\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.path("parcels") == (tmp_path / "sub" / "p" / "宗地.shp").resolve()
    assert cfg.load_rules().value("targets.freed_area_mu") == 1000
