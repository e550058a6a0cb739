"""Named scenarios from YAML compared in one table and one SVG chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_scenario import RULES, six

from ruian_land.core import InputError
from ruian_land.scenario import compare_scenarios, load_specs, shipped_scenario_files, tax_change_text

SPECS = """
scenarios:
  - name: 搬迁入园
    remedies: [relocate]
    targets: {freed_area_mu: 10}
  - name: 关停
    remedies: [exit]
    targets: {freed_area_mu: 10}
  - name: 留九成税
    remedies: [relocate]
    targets: {freed_area_mu: 10}
    rules: {scenario.relocate_tax_kept: 0.9}
  - name: 要二十亩
    remedies: [relocate]
    targets: {freed_area_mu: 50}
"""


def test_compare_scenarios_table_and_chart(tmp_path: Path) -> None:
    # Six firms (9/10/8/2/6/4 亩, tax 9/12/16/8/30/40), 10 亩 target:
    # relocation loses 0.4 × 12 = 4.8 (F2); exit loses all: F2 12 beats F1 + F4 (17);
    # relocation keeping 90 %: 0.1 × 12 = 1.2. 50 亩 asked, 39 exist: 11 short.
    path = tmp_path / "specs.yaml"
    path.write_text(SPECS, encoding="utf-8")
    scr, f, lk, p = six()
    table, chart = compare_scenarios(path, scr, f, lk, p, RULES)
    assert list(table.index) == ["搬迁入园", "关停", "留九成税", "要二十亩"]
    assert table["tax_change_wan"].tolist()[:3] == pytest.approx([-4.8, -12.0, -1.2])
    assert table.loc["关停", "n_exit"] == 1 and table.loc["搬迁入园", "n_relocate"] == 1
    assert table.loc["搬迁入园", "share_freed_area_mu"] == pytest.approx(1.0)
    assert table.loc["要二十亩", "binding_targets"] == "freed_area_mu"
    assert not table.loc["要二十亩", "feasible"]
    assert table.loc["要二十亩", "freed_area_mu"] == pytest.approx(39.0)
    assert table.attrs["results"]["关停"].selection["uscc"].tolist() == ["F2"]
    root = ET.fromstring(chart)
    assert root.tag.endswith("svg")
    text = chart
    assert all(name in text for name in table.index) and "78 %" in text  # 39 of 50 亩
    # signed tax change for planners: a loss of 4.8 is −4.8 and reads 税收减少 5 万元/年
    assert table["tax_change_wan"].tolist()[:3] == pytest.approx([-4.8, -12.0, -1.2])
    assert "搬迁入园 — 税收减少 5 万元/年 (tax lost)" in text and "tax lost -" not in text


def test_tax_change_text_is_signed_in_words() -> None:
    assert tax_change_text(1808.77) == "税收增加 1,809 万元/年 (tax gained)"
    assert tax_change_text(-2600.0) == "税收减少 2,600 万元/年 (tax lost)"
    assert tax_change_text(0.2) == "税收不变 (tax unchanged)"


def test_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="scenario 1 is malformed"):
        load_specs([{"name": "x", "colour": "red"}])
    with pytest.raises(InputError, match="names repeat"):
        load_specs([{"name": "x"}, {"name": "x"}])
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: []", encoding="utf-8")
    with pytest.raises(InputError, match="'scenarios:' list"):
        load_specs(bad)
    scr, f, lk, p = six()
    with pytest.raises(InputError, match="unknown rules"):
        compare_scenarios([{"name": "x", "rules": {"scenario.nope": 1}}], scr, f, lk, p, RULES)


def test_shipped_scenarios_load() -> None:
    assert [p.name for p in shipped_scenario_files()] == ["plan_2021_2023.yaml"]
    specs = load_specs("plan_2021_2023")
    assert specs[0].name == "计划目标" and len(specs) == 7
    assert {s.objective for s in specs} == {"tax", "jobs"}
