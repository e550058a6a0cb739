"""Fixes from a new user's adversarial run on a clean clone (each a tiny project or a config).

Every case here failed before its fix: a crash (exit 1), a silent wrong result, or a message that
pointed at a file the failed run does not write.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from test_bad_input import X0, Y0, _csv, code, events, run_cli, tiny_project, validated

from ruian_land.config import load_config
from ruian_land.core import InputError
from ruian_land.pipeline import write_project_template

# --------------------------------------------------------------------------- empty lease table


def test_run_with_an_empty_lease_table_and_no_town_column_exits_0(tmp_path: Path) -> None:
    """A lease table with headers and no rows means "no leases"; parcels without 所在乡镇/园区 are fine."""
    _csv(tmp_path / "租赁.csv", [["承租企业代码", "承租企业名称", "宗地代码", "租用面积(平方米)"]])
    project = tiny_project(tmp_path, extra_sources="  leases: {path: 租赁.csv}\n")
    res = run_cli(project, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "summary.json").exists()


# --------------------------------------------------------------------------- init


def test_init_names_the_boundary_after_the_project_folder(tmp_path: Path) -> None:
    text = write_project_template(tmp_path / "平阳县", name="平阳县 2022").read_text(encoding="utf-8")
    assert "boundary: {path: boundary/平阳县.gpkg}" in text
    assert "瑞安市" not in text  # the sample's file name is not every county's
    assert load_config(tmp_path / "平阳县" / "project.yaml").sources["boundary"].path == Path(
        "boundary/平阳县.gpkg"
    )


# --------------------------------------------------------------------------- rule overrides


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("screening.far_min: abc", r"'screening.far_min': 'abc' is not a number \(unit ratio\)"),
        ("screening.far_min: true", r"'screening.far_min': True is not a number"),
        ("scenario.budget_wan: 三亿", r"'scenario.budget_wan': '三亿' is not a number \(unit 万元\) or null"),
        ("scenario.phasing: fast", r"'scenario.phasing': 'fast' is not one of auto, milp, heuristic"),
        ("targets.years: 2021", r"'targets.years': 2021 is not a list, e.g. \[2021, 2022, 2023\]"),
    ],
)
def test_rule_override_of_the_wrong_type_exits_2_naming_key_value_and_type(
    tmp_path: Path, override: str, expected: str
) -> None:
    project = tiny_project(tmp_path)
    text = project.read_text(encoding="utf-8") + f"rules: {{overrides: {{{override}}}}}\n"
    project.write_text(text, encoding="utf-8")
    res = run_cli(project, tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert re.search(expected, res.output), res.output
    assert "rules.overrides" in res.output and not (tmp_path / "out").exists()


def test_rule_override_of_the_right_type_is_taken(tmp_path: Path) -> None:
    cfg = load_config(tiny_project(tmp_path))
    cfg.rules.overrides = {"screening.far_min": 2, "targets.years": [2022, 2023]}
    rules = cfg.load_rules()  # an int for a float rule is a number
    assert rules.value("screening.far_min") == 2 and rules.value("targets.years") == [2022, 2023]


# --------------------------------------------------------------------------- --out over the inputs


@pytest.mark.parametrize("where", ["enterprises", "enterprises/out", "."])
def test_out_folder_holding_a_configured_input_is_refused(tmp_path: Path, where: str) -> None:
    """``--out data/enterprises`` would be replaced as a whole, taking the bureaus' files with it."""
    root = tmp_path / "county"
    root.mkdir()
    project = tiny_project(root)
    (root / "enterprises").mkdir()
    (root / "税收.csv").rename(root / "enterprises" / "税收.csv")
    text = project.read_text(encoding="utf-8").replace("path: 税收.csv", "path: enterprises/税收.csv")
    project.write_text(text, encoding="utf-8")
    out = (root / where) if where != "." else tmp_path
    res = run_cli(project, out)
    if where == "enterprises/out":  # inside an input folder, holding none: fine
        assert res.exit_code == 0, res.output
        return
    assert res.exit_code == 2, res.output
    assert "holds" in res.output and "input file" in res.output and "--out out" in res.output
    assert (root / "enterprises" / "税收.csv").exists()


# --------------------------------------------------------------------------- duplicated 宗地代码


def _duplicated_parcels() -> gpd.GeoDataFrame:
    """P1 twice: a 100 m square (15 亩, feature 1) and a 200 m × 100 m one (30 亩, feature 2), then
    P1 a third time as a 50 m square (3.75 亩, feature 3); P2 once."""
    return gpd.GeoDataFrame(
        {
            "宗地代码": ["P1", "P1", "P1", "P2"],
            "权利人代码": [code(1), code(1), code(1), code(2)],
            "土地用途": ["工业用地"] * 4,
        },
        geometry=[
            box(X0, Y0, X0 + 100, Y0 + 100),
            box(X0, Y0, X0 + 200, Y0 + 100),
            box(X0, Y0, X0 + 50, Y0 + 50),
            box(X0 + 400, Y0, X0 + 500, Y0 + 100),
        ],
        crs=4549,
    )


def _with_duplicates(tmp_path: Path, choice: str | None) -> Path:
    project = tiny_project(tmp_path, parcels=_duplicated_parcels())
    if choice is not None:
        text = project.read_text(encoding="utf-8")
        project.write_text(text.replace("{path: 宗地.shp}", f"{{path: 宗地.shp, duplicates: {choice}}}"))
    return project


@pytest.mark.parametrize(
    ("choice", "kept_mu", "kept_row"),
    [(None, 15.0, 1), ("first", 15.0, 1), ("last", 3.75, 3), ("largest", 30.0, 2)],
)
def test_duplicated_parcel_code_keeps_the_configured_row(
    tmp_path: Path, choice: str | None, kept_mu: float, kept_row: int
) -> None:
    clean = validated(_with_duplicates(tmp_path, choice))
    p1 = clean.parcels[clean.parcels["parcel_id"] == "P1"]
    assert len(p1) == 1 and p1["area_mu"].iloc[0] == pytest.approx(kept_mu)
    assert int(p1["source_row"].iloc[0]) == kept_row
    rejected = events(clean, "parcels", "conflicting_duplicate")
    assert sorted(rejected["row"]) == sorted({1, 2, 3} - {kept_row})
    assert rejected["detail"].str.contains(f"kept row {kept_row}").all()


def test_duplicated_parcel_code_with_error_exits_2_naming_code_and_rows(tmp_path: Path) -> None:
    res = run_cli(_with_duplicates(tmp_path, "error"), tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert "宗地代码 P1 is on 3 features" in res.output and "宗地.shp" in res.output
    assert "duplicates: first | last | largest" in res.output


def test_duplicates_choice_on_another_source_is_refused(tmp_path: Path) -> None:
    project = tiny_project(tmp_path)
    text = project.read_text(encoding="utf-8").replace(
        "{path: 税收.csv}", "{path: 税收.csv, duplicates: last}"
    )
    project.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"'duplicates' applies to sources\.parcels only, not to tax"):
        load_config(project)
