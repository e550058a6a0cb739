"""Fixes from a new user's adversarial run on a clean clone (each a tiny project or a config).

Every case here failed before its fix: a crash (exit 1), a silent wrong result, or a message that
pointed at a file the failed run does not write.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from test_bad_input import X0, Y0, _csv, code, events, run_cli, tiny_project, validated

from ruian_land.config import load_config
from ruian_land.core import (
    CLASS_DECIDING,
    SCHEMAS,
    InputError,
    InputWarning,
    Ledger,
    header_unit,
    map_columns,
)
from ruian_land.io import load_inputs, parse_columns
from ruian_land.pipeline import write_project_template
from ruian_land.rules import load_rules
from ruian_land.validate import validate_inputs


def validated_with_warnings(project: Path) -> Any:
    """:func:`validate_inputs` on a project, its InputWarnings left to the caller."""
    return validate_inputs(load_inputs(load_config(project)), Ledger())


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


def test_a_negative_tax_per_mu_floor_exits_2_naming_the_rule(tmp_path: Path) -> None:
    project = tiny_project(tmp_path)
    text = project.read_text(encoding="utf-8") + "rules: {overrides: {scenario.tax_per_mu_min: -5}}\n"
    project.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"'scenario.tax_per_mu_min' = -5 must be ≥ 0 or null"):
        load_config(project).load_rules()
    res = run_cli(project, tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert "scenario.tax_per_mu_min" in res.output and "Traceback" not in res.output
    assert load_rules().with_overrides({"scenario.tax_per_mu_min": 0}).value("scenario.tax_per_mu_min") == 0


@pytest.mark.parametrize(
    ("floor", "expected"),
    [
        (
            {"floor": 33.0, "reason": "imposed", "applied": True, "after": 33.02, "met": True, "binds": True},
            "33.00: imposed, after 33.02, binds",
        ),
        (
            {"floor": 42.0, "reason": "beyond reach", "applied": False, "reachable": 34.113, "after": 30.0},
            "42.00: beyond reach of the scenario's levers (LP bound 34.11): not imposed",
        ),
        (
            {"floor": 20.0, "reason": "already met", "applied": False, "before": 25.5, "met": True},
            "20.00: already met (before 25.50)",
        ),
        (None, None),
    ],
)
def test_the_console_summary_says_what_became_of_the_tax_per_mu_floor(
    floor: dict[str, Any] | None, expected: str | None
) -> None:
    from ruian_land.cli.app import console
    from ruian_land.cli.summary import floor_text, print_summary

    assert floor_text(floor) == expected
    sc = {
        "freed_area_mu": 1.0, "target_area_mu": 1.0, "freed_energy_tce": 0.0, "co2_reduction_t": 0.0,
        "firms_exited": 0, "firms_upgraded": 0, "feasible": True, "tax_per_mu_floor": floor,
    }  # fmt: skip
    s = {
        "project": "x", "scenario": sc, "class_counts": {}, "parcels_read": 1, "parcels_kept": 1,
        "parcels_rejected": 0, "enterprises_read": 1, "enterprises_linked": 1, "enterprises_unlinked": 0,
        "low_efficiency_parcels": 0, "idle_parcels": 0, "park_candidates": 0,
    }  # fmt: skip
    with console.capture() as cap:
        print_summary(s, Path("out"), 1.0, 1.0)
    shown = re.sub(r"\s+", " ", cap.get())
    assert ("亩均税收底线 (scenario.tax_per_mu_min)" in shown) == (floor is not None)
    if expected is not None:
        assert expected.split(":")[1].strip().split(",")[0] in shown


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


# --------------------------------------------------------------------------- a tax file cut mid-row


def _cut_tax(root: Path, keep_chars: int | None = None, *, tail: str | None = None) -> None:
    """Rewrite 税收.csv without its final line break: cut to ``keep_chars`` characters, or with its
    last line replaced by ``tail``."""
    text = (root / "税收.csv").read_text(encoding="utf-8-sig").rstrip("\n")
    if tail is not None:
        text = text.rsplit("\n", 1)[0] + "\n" + tail
    (root / "税收.csv").write_text(text[:keep_chars], encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("tail", "why"),
    [
        (f"{code(3)},企业3", "has 2 of the 3 fields"),  # cut before the tax column
        (f"{code(3)},企业3,9.", "'9.' is a number cut short"),  # cut inside 90.0
    ],
)
def test_tax_file_cut_mid_row_rejects_that_row_with_a_note(tmp_path: Path, tail: str, why: str) -> None:
    project = tiny_project(tmp_path)
    _cut_tax(tmp_path, tail=tail)
    with pytest.warns(InputWarning, match="ends mid-row"):
        clean = validated_with_warnings(project)
    cut = events(clean, "tax", "truncated_row")
    assert cut["row"].tolist() == [3] and cut["action"].tolist() == ["rejected"]
    assert cut["detail"].str.contains("file ends mid-row: truncated?", regex=False).all()
    assert cut["detail"].str.contains(why, regex=False).all()
    assert clean.firms.set_index("uscc").loc[code(3), "in_tax"] == False  # noqa: E712 - not a half row


def test_tax_file_without_final_line_break_but_whole_rows_is_read_whole(tmp_path: Path) -> None:
    project = tiny_project(tmp_path)
    _cut_tax(tmp_path)  # only the final "\n" removed: the last row is complete
    clean = validated_with_warnings(project)
    assert events(clean, "tax", "truncated_row").empty
    assert clean.firms["tax_wan"].tolist() == [30.0, 60.0, 90.0]


def test_tax_file_cut_in_half_says_truncated_not_wrong_file_and_no_qa_path(tmp_path: Path) -> None:
    firms = [code(i) for i in range(1, 5)]
    registry = [[c, f"企业{i}", "3311", "规上"] for i, c in enumerate(firms, 1)]
    project = tiny_project(
        tmp_path, registry=registry, tax=[[c, f"企业{i}", 10.0] for i, c in enumerate(firms, 1)]
    )
    text = (tmp_path / "税收.csv").read_text(encoding="utf-8-sig")
    _cut_tax(tmp_path, text.index(firms[1]) + 5)  # header, firm 1, and 5 characters of firm 2's code
    res = run_cli(project, tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert "ends mid-row" in res.output and "truncated" in res.output and "wrong one" not in res.output
    assert "qa/" not in res.output.split("Input error")[1]  # the failed run writes no qa/ files


def test_tax_coverage_error_names_firms_instead_of_an_unwritten_qa_file(tmp_path: Path) -> None:
    firms = [code(i) for i in range(1, 5)]
    registry = [[c, f"企业{i}", "3311", "规上"] for i, c in enumerate(firms, 1)]
    res = run_cli(tiny_project(tmp_path, registry=registry, tax=[[firms[0], "x", 1.0]]), tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert "wrong one" in res.output and "(e.g. 企业2, 企业3, 企业4)" in res.output
    assert "qa/" not in res.output


# --------------------------------------------------------------------------- units of user aliases


def _energy(header: str, value: str = "2") -> pd.DataFrame:
    return pd.DataFrame({"统一社会信用代码": [code(1)], header: [value], "source_row": [1]})


@pytest.mark.parametrize(
    ("kind", "canon", "header", "value", "expected"),
    [
        ("energy", "elec_kwh", "用电(万度)", "2", 20_000.0),  # 万度 = 万千瓦时
        ("energy", "elec_kwh", "用电（万kWh）", "2", 20_000.0),  # full-width brackets, mixed case
        ("energy", "elec_kwh", "用电(千瓦时)", "2", 2.0),
        ("tax", "tax_wan", "税款(元)", "125000", 12.5),  # 元 → 万元
        ("tax", "tax_wan", "税款元", "125000", 12.5),  # unit word without brackets
        ("leases", "leased_area_m2", "租地(亩)", "3", 2000.0),  # 3 亩 = 2000 m²
        ("conversions", "area_mu", "面积2(公顷)", "2", 30.0),  # 2 ha = 30 亩
    ],
)
def test_user_alias_takes_the_unit_its_header_names(
    kind: str, canon: str, header: str, value: str, expected: float
) -> None:
    required = {c: ["1"] for c, f in SCHEMAS[kind].items() if f.required and c != canon}
    frame = pd.DataFrame({**required, header: [value], "source_row": [1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)  # a header naming its unit needs no note
        mapped = map_columns(frame, kind, extra_aliases={canon: [header]}, keep_unmapped=False)
    note = [n for n in mapped.attrs["column_notes"] if n["problem"] == "unit_from_header"]
    parsed, _ = parse_columns(mapped, kind)
    assert parsed[canon].tolist() == [pytest.approx(expected)]
    assert len(note) == 1 and f"{canon} × {expected / float(value):g}" in note[0]["detail"]  # in the ledger


def test_user_alias_without_a_unit_is_read_in_the_field_unit_with_a_note() -> None:
    with pytest.warns(InputWarning, match=r"'用电' is mapped to elec_kwh .* names no unit .*scale: <factor>"):
        mapped = map_columns(
            _energy("用电"), "energy", source="能耗.csv", extra_aliases={"elec_kwh": ["用电"]}
        )
    assert parse_columns(mapped, "energy")[0]["elec_kwh"].tolist() == [2.0]
    notes = [n for n in mapped.attrs["column_notes"] if n["problem"] == "alias_without_unit"]
    assert [n["column"] for n in notes] == ["elec_kwh"]


def test_a_stated_scale_wins_and_bad_ones_are_refused(tmp_path: Path) -> None:
    project = tiny_project(tmp_path)
    text = project.read_text(encoding="utf-8").replace("实缴税收(万元)", "税款")
    (tmp_path / "税收.csv").write_text(
        (tmp_path / "税收.csv").read_text(encoding="utf-8-sig").replace("实缴税收(万元)", "税款"),
        encoding="utf-8-sig",
    )
    project.write_text(text + "columns: {tax: {tax_wan: {header: 税款, scale: 0.5}}}\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        tax = load_inputs(load_config(project)).tax
    assert tax["tax_wan"].tolist() == [15.0, 30.0, 45.0]  # 30, 60, 90 × 0.5
    project.write_text(text + "columns: {tax: {tax_wan: {header: 税款, scale: 万}}}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"columns\.tax\.tax_wan: scale must be a positive number"):
        load_config(project)


def test_unit_words_agree_with_the_schemas_aliases() -> None:
    checked = 0
    for kind, schema in SCHEMAS.items():
        for canon, fld in schema.items():
            for alias, scale in fld.aliases.items():
                found = header_unit(alias, canon)
                if found is not None:
                    assert found[1] == pytest.approx(scale), (kind, canon, alias)
                    checked += 1
    assert checked >= 40  # the table is exercised by most unit-bearing aliases


# --------------------------------------------------------------------------- renamed optional columns


def _registry_with(tmp_path: Path, header: str, extra: str = "") -> Path:
    project = tiny_project(tmp_path)
    rows = [["统一社会信用代码", "企业名称", "行业代码", "企业规模", header]]
    rows += [[code(i), f"企业{i}", "3311", "规上", "是" if i == 1 else "否"] for i in (1, 2, 3)]
    _csv(tmp_path / "名录.csv", rows)
    if extra:
        project.write_text(project.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return project


def test_renamed_veto_column_is_named_with_did_you_mean_and_listed_in_qa(tmp_path: Path) -> None:
    project = _registry_with(tmp_path, "环境违法处罚")
    res = run_cli(project, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert "did you mean: map 环境违法处罚 to environmental_penalty under columns:" in res.output
    listed = pd.read_csv(tmp_path / "out" / "qa" / "unused_columns.csv", encoding="utf-8-sig")
    reg = listed[listed["输入 input"] == "registry"]
    pairs = set(zip(reg["问题代码 problem"], reg["字段 column"], strict=True))
    assert ("unused_column", "环境违法处罚") in pairs
    assert ("optional_field_missing", "environmental_penalty") in pairs
    assert ("optional_field_missing", "exempt_reason") in pairs  # listed, but no similar header
    missing = reg.set_index("字段 column")["说明 detail"]
    assert "did you mean '环境违法处罚'" in missing["environmental_penalty"]
    report = (tmp_path / "out" / "qa" / "report.md").read_text(encoding="utf-8")
    row = next(line for line in report.splitlines() if line.startswith("| 企业名录(经信局) | 环境违法处罚 |"))
    assert "environmental_penalty" in row and "exempt_reason" in row


def test_mapped_veto_column_is_used_and_needs_no_note(tmp_path: Path) -> None:
    project = _registry_with(
        tmp_path, "环境违法处罚", "columns: {registry: {environmental_penalty: [环境违法处罚]}}\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        clean = validated_with_warnings(project)
    assert not [w for w in caught if "did you mean" in str(w.message)]
    assert clean.firms.set_index("uscc")["environmental_penalty"].to_dict() == {
        code(1): True,
        code(2): False,
        code(3): False,
    }
    assert events(clean, "registry", "unused_column").empty


def test_an_unrelated_extra_column_gives_no_did_you_mean(tmp_path: Path) -> None:
    project = _registry_with(tmp_path, "备注")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        clean = validated_with_warnings(project)
    assert not [w for w in caught if "did you mean" in str(w.message)]
    assert events(clean, "registry", "unused_column")["column"].tolist() == ["备注"]


def test_every_shipped_veto_flag_is_watched_for_renamed_headers() -> None:
    rules = load_rules()
    assert set(rules.value("evaluation.vetoes")) <= set(CLASS_DECIDING["registry"])
    assert "exempt_reason" in CLASS_DECIDING["registry"]


# --------------------------------------------------------------------------- optional tables' bad cells


def test_a_run_lists_the_bad_cells_of_the_optional_tables_in_qa_issues(tmp_path: Path) -> None:
    _csv(
        tmp_path / "协议.csv",
        [["宗地代码", "达产年限", "出让日期", "约定达产日期", "约定投资强度"],
         ["P1", "长期", "2021.13.01", "", 300], ["P2", 3, "2018-01-01", "9999-12-31", -250],
         ["P9", 3, "2018-01-01", "", 300]],
    )  # fmt: skip
    _csv(
        tmp_path / "项目.csv",
        [["项目名称", "总投资(万元)", "用地面积(亩)", "落地年份", "达产税收(万元)", "达产增加值(万元)", "宗地代码"],
         ["甲", -120000, 50, 2022, 1000, 5000, "P1"], ["乙", "abc", 30, 2023, 800, 4000, "P8"]],
    )  # fmt: skip
    extra = "  standard_land_contracts: {path: 协议.csv}\n  projects: {path: 项目.csv}\n"
    project = tiny_project(tmp_path, extra_sources=extra)
    res = run_cli(project, tmp_path / "out")
    assert res.exit_code == 0, res.output
    issues = pd.read_csv(tmp_path / "out" / "qa" / "issues.csv", encoding="utf-8-sig")
    mine = issues[issues["输入 input"].isin(["standard_land_contracts", "projects"])]
    got = sorted(zip(mine["输入 input"], mine["文件行号 file_row"], mine["问题代码 problem"], strict=True))
    assert got == [
        ("projects", 2, "negative_value"),
        ("projects", 3, "unknown_parcel"),
        ("projects", 3, "unparseable_value"),
        ("standard_land_contracts", 2, "unparseable_value"),  # 达产年限 长期
        ("standard_land_contracts", 2, "unparseable_value"),  # 出让日期 2021.13.01
        ("standard_land_contracts", 3, "negative_value"),
        ("standard_land_contracts", 3, "open_ended_date"),
        ("standard_land_contracts", 4, "unknown_parcel"),
    ]
    summary = pd.read_csv(tmp_path / "out" / "qa" / "ledger_summary.csv", encoding="utf-8-sig")
    row = summary.set_index("输入 input").loc["standard_land_contracts"]
    assert (row["读入行数 rows_in"], row["保留 kept"], row["剔除 rejected"]) == (3, 2, 1)
    assert "problem(s) in standard_land_contracts" in re.sub(r"\s+", " ", res.output)
