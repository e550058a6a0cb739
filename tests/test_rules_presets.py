"""Evaluation presets (RULES.md §2): shipped values, merge semantics, typed validation, YAML round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ruian_land.config import load_config
from ruian_land.core import RulesError
from ruian_land.rules import (
    Preset,
    RuleValue,
    available_presets,
    evaluation_rules,
    load_preset,
    load_rules,
    policy_rules,
)

SIX = (
    "tax_per_mu",
    "value_added_per_mu",
    "value_added_per_tce",
    "value_added_per_t_emission",
    "labour_productivity",
    "rd_intensity",
)


def test_shipped_evaluation_presets() -> None:
    assert {"ruian_default", "huangyan_2021", "huangyan_2022", "wenling_2022"} <= set(available_presets())
    for name in ("huangyan_2021", "huangyan_2022", "wenling_2022"):
        assert load_preset(name).kind == "evaluation"
    assert load_preset("ruian_default").kind == "base"


def test_huangyan_2022_weights_and_benchmarks() -> None:
    ev = evaluation_rules(load_rules(evaluation="huangyan_2022"))
    assert ev.above is not None and ev.below is not None
    assert ev.above.weight == dict(zip(SIX, (30, 20, 20, 10, 10, 10), strict=True))
    assert ev.above.benchmark == dict(zip(SIX, (24.097, 136.16, 2.694, 4929.81, 18.14, 0.0302), strict=True))
    assert ev.below.weight == {"tax_per_mu": 50, "tax_per_10k_kwh": 50}
    assert ev.below.benchmark == {"tax_per_mu": 11.5932, "tax_per_10k_kwh": 0.2352}
    # the method comes from the base: cap 1.5 × weight (Kaihua), floor 0, default bands 20/75/95
    assert (ev.score_cap_ratio, ev.score_floor) == (1.5, 0)
    assert ev.bands["above"].as_dict() == {"A": 0.2, "B": 0.75, "C": 0.95, "D": 1.0}


def test_wenling_2022_bands_and_lease_penalty() -> None:
    r = load_rules(evaluation="wenling_2022")
    ev = evaluation_rules(r)
    # 规上 A 20 / B to 80 / C to 95 / D 5; 规下 A 5 / B to 75 / C to 95 / D 5 (confirmed)
    assert ev.bands["above"].as_dict() == {"A": 0.20, "B": 0.80, "C": 0.95, "D": 1.0}
    assert ev.bands["below"].as_dict() == {"A": 0.05, "B": 0.75, "C": 0.95, "D": 1.0}
    assert r["evaluation.bands.below"].status == "confirmed"
    assert ev.above is not None and ev.below is not None
    assert ev.above.lease_penalty is not None and ev.below.lease_penalty is not None
    # 规上 landlord: −5 per tenant beyond the first → 1, 2, 3 tenants: 0, 5, 10
    assert [ev.above.lease_penalty.points(n) for n in (0, 1, 2, 3)] == [0, 0, 5, 10]
    # 规下 landlord: −10 for the first, −5 for each further → 10, 15, 20
    assert [ev.below.lease_penalty.points(n) for n in (0, 1, 2, 3)] == [0, 10, 15, 20]
    # no weights of its own: the Ruian default weights with population-average benchmarks
    assert ev.above.weight["tax_per_mu"] == 30 and ev.above.benchmark["tax_per_mu"] is None


def test_ruian_default_is_a_complete_method_to_copy() -> None:
    alone = load_rules(evaluation=None)
    assert dict(load_rules(evaluation="ruian_default")) == dict(alone)  # naming the base again is harmless
    ev = evaluation_rules(alone)
    assert ev.above is not None and set(ev.above.weight) == set(SIX)
    assert all(b is None for b in ev.above.benchmark.values())  # → population average
    assert ev.vetoes == {
        "safety_accident": "not_ab",
        "environmental_penalty": "not_ab",
        "energy_task_unmet": "not_ab",
        "tax_arrears": "force_d",
    }
    assert (ev.new_firm_years, ev.land_grant_years, ev.min_rated_area_mu) == (2, 3, 3)
    pol = policy_rules(alone)
    assert (pol.land_tax_relief_A, pol.land_tax_relief_B, pol.land_tax_relief_C) == (1.0, 0.8, 0.0)
    assert pol.elec_surcharge_yuan_per_kwh == [0.1, 0.3, 0.5]


def test_project_config_keeps_working(tmp_path: Path) -> None:
    cfg = load_config(Path(__file__).resolve().parents[1] / "data" / "project.yaml")
    assert (cfg.rules.base, cfg.rules.evaluation) == ("ruian_default", "huangyan_2021")
    assert cfg.load_rules().value("evaluation.above.benchmark.tax_per_mu") == 26.01
    own = tmp_path / "my_county.yaml"
    own.write_text(
        "name: my_county\nversion: '1'\nkind: evaluation\nrules:\n"
        "  evaluation.bands.above: {value: {A: 0.1, B: 0.7, C: 0.9, D: 1.0}, unit: share, source: x, status: user}\n",
        encoding="utf-8",
    )
    (tmp_path / "project.yaml").write_text(
        "rules: {base: ruian_default, evaluation: my_county.yaml}\n"
        "sources:\n  parcels: {path: p.shp}\n  registry: {path: r.xlsx}\n  tax: {path: t.csv}\n",
        encoding="utf-8",
    )
    rules = load_config(tmp_path / "project.yaml").load_rules()
    assert evaluation_rules(rules).bands["above"].A == 0.1


def test_a_preset_with_weights_replaces_the_whole_indicator_set(tmp_path: Path) -> None:
    entry = {"unit": "points", "source": "test county", "status": "user"}
    doc = {
        "name": "five",
        "version": "1",
        "kind": "evaluation",
        "rules": {
            "evaluation.above.weight.tax_per_mu": {"value": 40, **entry},
            "evaluation.above.weight.value_added_per_mu": {"value": 20, **entry},
            "evaluation.above.weight.value_added_per_tce": {"value": 20, **entry},
            "evaluation.above.weight.labour_productivity": {"value": 10, **entry},
            "evaluation.above.weight.rd_intensity": {"value": 10, **entry},
        },
    }
    path = tmp_path / "five.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    ev = evaluation_rules(load_rules(evaluation=path))
    assert ev.above is not None and ev.below is not None
    # the base's emission weight and all its 规上 benchmarks are gone; 规下 untouched
    assert ev.above.weight == {
        "tax_per_mu": 40,
        "value_added_per_mu": 20,
        "value_added_per_tce": 20,
        "labour_productivity": 10,
        "rd_intensity": 10,
    }
    assert ev.above.benchmark == {}
    assert ev.below.weight == {"tax_per_mu": 50, "tax_per_10k_kwh": 50}


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ({"evaluation.above.weight.tax_per_mu": 40}, "evaluation.above.weight.*", "together exactly 100"),
        ({"evaluation.above.weight.tax_per_mu": -10, "evaluation.above.weight.rd_intensity": 50},
         "evaluation.above.weight.tax_per_mu", "greater than or equal to 0"),
        ({"evaluation.bands.above": {"A": 0.5, "B": 0.4, "C": 0.95, "D": 1.0}},
         "evaluation.bands.above", "0 ≤ A ≤ B ≤ C ≤ D = 1"),
        ({"evaluation.bands.below": {"A": 0.1, "B": 0.7, "C": 0.9, "D": 0.95}}, "evaluation.bands.below", "D must be 1.0"),
        ({"evaluation.score_cap_ratio": 0}, "evaluation.score_cap_ratio", "greater than 0"),
        ({"evaluation.above.benchmark.tax_per_mu": -3}, "evaluation.above.benchmark.tax_per_mu", "greater than 0"),
        ({"evaluation.vetoes": {"tax_arrears": "shut"}}, "evaluation.vetoes", "'not_ab', 'down_one' or 'force_d'"),
        ({"evaluation.below.lease_penalty": {"first": -1, "further": 5}}, "evaluation.below.lease_penalty", "≥ 0"),
        ({"evaluation.score_floor": 20}, "evaluation.score_floor", "floor ≤ cap ratio × every weight"),
        ({"policy.land_tax_relief_B": 1.2}, "policy.land_tax_relief_B", "less than or equal to 1"),
        ({"policy.elec_surcharge_yuan_per_kwh": [0.3, 0.1]}, "policy.elec_surcharge_yuan_per_kwh", "non-decreasing"),
        ({"carbon.grade_k_max": [0.6, 0.5, 1.2, 2.0]}, "carbon.grade_k_max", "strictly increasing"),
        ({"energy.grid_factor": "mars"}, "energy.grid_factor", "zhejiang_2022"),
        ({"evaluation.industry_group_digits": 7}, "evaluation.industry_group_digits", "less than or equal to 4"),
        ({"evaluation.score_cap_raito": 2.0}, "evaluation.score_cap_raito", "score_cap_ratio"),
        ({"evaluation.veto_not_ab": ["safety_accident"]}, "evaluation.veto_not_ab", "evaluation.vetoes"),
    ],
)  # fmt: skip
def test_errors_name_the_key_and_the_allowed_range(override: dict, key: str, allowed: str) -> None:
    with pytest.raises(RulesError) as err:
        load_rules(overrides=override)
    text = str(err.value)
    assert f"'{key}'" in text
    assert allowed.replace("≥ 0", "greater than or equal to 0") in text


def test_error_in_a_preset_file_names_the_file(tmp_path: Path) -> None:
    doc = {
        "name": "bad",
        "version": "1",
        "kind": "evaluation",
        "rules": {
            "evaluation.score_cap_ratio": {"value": -1.5, "unit": "× weight", "source": "x", "status": "user"}
        },
    }
    path = tmp_path / "bad_county.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(evaluation=path)
    assert "bad_county.yaml" in str(err.value) and "evaluation.score_cap_ratio" in str(err.value)


def test_shipped_presets_round_trip_through_yaml(tmp_path: Path) -> None:
    for name in available_presets():
        preset = load_preset(name)
        path = tmp_path / f"{name}.yaml"
        path.write_text(preset.to_yaml(), encoding="utf-8")
        assert load_preset(path) == preset


def _entry(value: object, unit: str = "points") -> RuleValue:
    return RuleValue(value=value, unit=unit, source="hypothesis county", status="user")


@st.composite
def evaluation_presets(draw: st.DrawFn) -> Preset:
    """A random valid evaluation preset: weights summing to 100, monotone bands, positive caps …"""
    n = draw(st.integers(1, len(SIX)))
    inds = draw(st.permutations(SIX))[:n]
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1)))
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    rules: dict[str, RuleValue] = {}
    bench = st.one_of(st.none(), st.floats(1e-4, 1e5, allow_nan=False, allow_infinity=False))
    for ind, w in zip(inds, weights, strict=True):
        rules[f"evaluation.above.weight.{ind}"] = _entry(w)
        rules[f"evaluation.above.benchmark.{ind}"] = _entry(draw(bench), "indicator unit")
    shares = sorted(draw(st.lists(st.floats(0, 1), min_size=3, max_size=3)))
    rules["evaluation.bands.above"] = _entry(dict(zip("ABCD", [*shares, 1.0], strict=True)), "share")
    rules["evaluation.score_cap_ratio"] = _entry(draw(st.floats(1.0, 3.0)), "× weight")
    penalty = {"first": draw(st.floats(0, 20)), "further": draw(st.floats(0, 20))}
    rules["evaluation.above.lease_penalty"] = _entry(penalty, "points per tenant")
    rules["evaluation.vetoes"] = _entry(
        draw(st.dictionaries(st.sampled_from(["safety_accident", "tax_arrears", "energy_task_unmet"]),
                             st.sampled_from(["not_ab", "down_one", "force_d"]))),
        "flag",
    )  # fmt: skip
    return Preset(name="random", version=draw(st.text("0123456789.", min_size=1, max_size=6)), kind="evaluation",
                  description=draw(st.text(max_size=20)), rules=rules)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(preset=evaluation_presets())
def test_random_preset_round_trips_and_loads(
    preset: Preset, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("presets") / "random.yaml"
    path.write_text(preset.to_yaml(), encoding="utf-8")
    back = load_preset(path)
    assert back == preset  # unchanged through YAML, floats bit for bit
    rules = load_rules(evaluation=path)
    ev = evaluation_rules(rules)
    assert ev.above is not None
    assert ev.above.weight == {
        k.rsplit(".", 1)[1]: v.value for k, v in preset.rules.items() if ".weight." in k
    }  # the preset's own indicator set, none of the base's left over
    again = tmp_path_factory.mktemp("merged") / "merged.yaml"
    again.write_text(rules.to_yaml(name="merged"), encoding="utf-8")
    assert dict(load_rules(base=again, evaluation=None)) == dict(rules)
