"""The main job end to end on the bundled sample county, and the CLI's contract (DESIGN §3)."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from ruian_land import pipeline
from ruian_land.cli import app
from ruian_land.cli.summary import print_summary

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "data" / "project.yaml"
LAYER_NAMES = (
    "宗地: 亩均效益评价等级",
    "低效用地与闲置土地",
    "工业用地控制线",
    "小微企业园候选地块",
    "腾退方案 2021",
)

pytestmark = pytest.mark.skipif(not PROJECT.exists(), reason="sample county data/project.yaml not generated")


@pytest.fixture(scope="module")
def run_out(sample_run: tuple[pipeline.RunResult, Path]) -> tuple[pipeline.RunResult, Path]:
    return sample_run


def test_output_contract_files(run_out: tuple[pipeline.RunResult, Path]) -> None:
    _, out = run_out
    for rel in (
        "summary.json",
        "maps/overview.html",
        "exports/candidates.xlsx",
        "exports/candidates.csv",
        "exports/candidates.gpkg",
    ):
        assert (out / rel).is_file(), rel
    assert any((out / "qa").iterdir())
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in pipeline.SUMMARY_KEYS:
        assert key in summary, key
    for key in (
        "target_area_mu",
        "freed_area_mu",
        "freed_energy_tce",
        "co2_reduction_t",
        "firms_exited",
        "firms_upgraded",
        "tax_per_mu_before",
        "tax_per_mu_after",
        "feasible",
    ):
        assert key in summary["scenario"], key
    assert set(summary["class_counts"]) >= {"A", "B", "C", "D", "exempt"}


def test_summary_has_each_stage_seconds_and_peak_memory(run_out: tuple[pipeline.RunResult, Path]) -> None:
    result, out = run_out
    stages = json.loads((out / "summary.json").read_text(encoding="utf-8"))["stages"]
    expected = ["read", "validate", "link", "evaluate", "screen", "scenario", "lists"]
    expected += ["trajectory", "parks", "supervise", "map", "write"]
    assert list(stages) == expected  # run order; compare only with scenario.compare
    assert stages == result.stage_usage
    for name, row in stages.items():
        assert set(row) == {"seconds", "peak_rss_mb", "peak_rss_increase_mb"}, name
        assert row["seconds"] >= 0 and row["peak_rss_mb"] > 0 and row["peak_rss_increase_mb"] >= 0, name
        assert row["seconds"] == pytest.approx(result.timings_s[name], abs=1e-3), name
    peaks = [row["peak_rss_mb"] for row in stages.values()]
    assert peaks == sorted(peaks)  # a running high-water mark never falls
    # a stage's increase is how much it raised the mark: at most the step from the stage before
    # (less when the work between two stages, e.g. assembling the summary, raised it first)
    steps = [b - a for a, b in itertools.pairwise(peaks)]
    for row, step in zip(list(stages.values())[1:], steps, strict=True):
        assert row["peak_rss_increase_mb"] <= step + 0.11
    assert sum(row["peak_rss_increase_mb"] for row in stages.values()) <= peaks[-1]


def test_ledger_balances_for_every_input(run_out: tuple[pipeline.RunResult, Path]) -> None:
    result, out = run_out
    ledger = json.loads((out / "summary.json").read_text(encoding="utf-8"))["ledger"]
    assert {"parcels", "registry", "tax", "statistics", "energy", "emissions", "leases"} <= set(ledger)
    for name, row in ledger.items():
        assert row["rows_in"] == row["kept"] + row["rejected"], name
        assert 0 <= row["repaired"] <= row["kept"], name
    # The sample plants faults: some parcels are repaired and some rejected (duplicates).
    assert ledger["parcels"]["repaired"] > 0
    assert ledger["parcels"]["rejected"] > 0
    # The tax CSV's 合计 row is rejected as not a firm.
    assert ledger["tax"]["rejected"] >= 1
    assert len(result.parcels) == ledger["parcels"]["kept"]


def test_totals_conserved_through_linking(run_out: tuple[pipeline.RunResult, Path]) -> None:
    result, _ = run_out
    links, firms, parcels = result.occupancy.links, result.firms, result.parcels
    linked = firms[firms["uscc"].isin(links["uscc"])]
    assert links["tax_wan"].sum() == pytest.approx(linked["tax_wan"].fillna(0).sum(), rel=1e-9)
    assert links["land_area_mu"].sum() == pytest.approx(linked["land_area_mu"].sum(), rel=1e-9)
    occupied = parcels.set_index("parcel_id").loc[links["parcel_id"].unique(), "area_mu"]
    per_parcel = links.groupby("parcel_id")["land_area_mu"].sum()
    pd.testing.assert_series_equal(
        per_parcel.sort_index(), occupied.sort_index(), check_names=False, rtol=1e-9
    )


def test_summary_consistent_with_exports(run_out: tuple[pipeline.RunResult, Path]) -> None:
    result, out = run_out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    gpkg = gpd.read_file(out / "exports" / "candidates.gpkg", layer="candidates")
    csv = pd.read_csv(out / "exports" / "candidates.csv", encoding="utf-8-sig", dtype=str)
    xlsx = pd.read_excel(out / "exports" / "candidates.xlsx", sheet_name=0, dtype=str, engine="openpyxl")
    assert (out / "exports" / "candidates.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert len(gpkg) == len(csv) == len(xlsx) == summary["candidates"]
    selected = gpkg[gpkg["selected"].astype(bool)]
    assert len(selected) == summary["candidates_selected"]
    # Freed area in summary.json equals the sum over the selected parcels in the export.
    assert selected["area_mu"].sum() == pytest.approx(summary["scenario"]["freed_area_mu"], abs=1e-3)
    assert result.scenario.freed_parcels["area_mu"].sum() == pytest.approx(
        selected["area_mu"].sum(), rel=1e-9
    )
    assert summary["park_candidates"] == len(result.sites)
    # Chinese headers at the edge.
    assert "宗地代码" in csv.columns


def test_scenario_meets_the_plan_on_the_sample(run_out: tuple[pipeline.RunResult, Path]) -> None:
    sc = json.loads((run_out[1] / "summary.json").read_text(encoding="utf-8"))["scenario"]
    assert sc["target_area_mu"] == 1000
    assert sc["feasible"] is True
    assert sc["freed_area_mu"] >= 1000
    assert sc["freed_energy_tce"] >= 30_000
    assert sc["co2_reduction_t"] >= 60_000
    assert sc["firms_exited"] >= 200 and sc["firms_upgraded"] >= 300
    # Clearing low-yield firms and upgrading others raises the 规上 average; re-letting freed land
    # at the 标准地 minimum (18 万元/亩) is shown separately in tax_per_mu_after.
    assert sc["tax_per_mu_after_clearance_only"] > sc["tax_per_mu_before"]


def test_map_holds_each_named_layer(run_out: tuple[pipeline.RunResult, Path]) -> None:
    html = (run_out[1] / "maps" / "overview.html").read_bytes().decode("utf-8")
    for name in LAYER_NAMES:
        assert name in html, name
    # Offline by default: no script or stylesheet is fetched from the network.
    assert '<script src="http' not in html
    assert '<link rel="stylesheet" href="http' not in html


def test_cli_run_writes_out_and_prints_summary(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["run", "--config", str(PROJECT), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "freed land" in res.output
    assert (tmp_path / "o" / "summary.json").is_file()


def test_cli_missing_config_exits_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["run", "--config", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2
    assert "nope.yaml" in res.output
    assert "Traceback" not in res.output


def test_cli_missing_required_column_exits_2_naming_it(tmp_path: Path) -> None:
    # A copy of the sample project whose tax table lacks the tax column.
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    cfg = yaml.safe_load(PROJECT.read_text(encoding="utf-8"))
    tax_path = data / cfg["sources"]["tax"]["path"]
    enc = cfg["sources"]["tax"].get("encoding") or "gbk"
    text = tax_path.read_text(encoding=enc).replace("实缴税收(万元)", "备注")
    tax_path.write_text(text, encoding=enc)
    res = CliRunner().invoke(
        app, ["run", "--config", str(data / "project.yaml"), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2, res.output
    assert "tax_wan" in res.output and tax_path.name in res.output
    assert "Fix" in res.output
    assert "Traceback" not in res.output


def test_cli_config_folder_exits_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["run", "--config", str(tmp_path)])
    assert res.exit_code == 2, res.output
    assert "project.yaml" in res.output and "Traceback" not in res.output


def test_cli_out_is_a_file_exits_2_before_running(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("x", encoding="utf-8")
    res = CliRunner().invoke(app, ["run", "--config", str(PROJECT), "--out", str(target)])
    assert res.exit_code == 2, res.output
    assert "out.txt" in res.output


def test_cli_sample_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    (tmp_path / "project.yaml").write_text("mine", encoding="utf-8")
    res = CliRunner().invoke(app, ["sample", "--out", str(tmp_path), "--scale", "0.05"])
    assert res.exit_code == 2, res.output
    assert "--force" in res.output
    assert (tmp_path / "project.yaml").read_text(encoding="utf-8") == "mine"
    res = CliRunner().invoke(app, ["sample", "--out", str(tmp_path), "--scale", "0.05", "--force"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "project.yaml").read_text(encoding="utf-8") != "mine"


def test_rerun_keeps_planner_status_edits(run_out: tuple[pipeline.RunResult, Path], tmp_path: Path) -> None:
    # A planner marks one firm 整治中 with a note in the exported list; the next run keeps both (by code).
    import openpyxl

    result, out = run_out
    src = out / "exports" / "整治清单.xlsx"
    assert src.is_file()
    edited = tmp_path / "整治清单_edited.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb["整治企业清单"]
    headers = [c.value for c in ws[1]]
    code_col, status_col = headers.index("统一社会信用代码"), headers.index("整治状态")
    code = ws.cell(row=3, column=code_col + 1).value
    ws.cell(row=3, column=status_col + 1).value = "整治中"
    wb.save(edited)
    again = pipeline.run_stages(PROJECT, previous_list=edited)
    firms = again.rectification_firms.set_index("uscc")
    assert firms.loc[code, "status"] == "整治中"
    assert (firms["status"] == "整治中").sum() == 1
    assert len(again.rectification_firms) == len(result.rectification_firms)


def test_scenario_comparison_is_a_stage_result_and_written_with_names(
    run_out: tuple[pipeline.RunResult, Path], tmp_path: Path
) -> None:
    result, _ = run_out
    cfg = result.config.model_copy(deep=True)
    cfg.scenario.compare = "plan_2021_2023"
    compared = pipeline.run_stages(cfg)
    # the comparison is computed by the stages (a notebook sees it), not by the write step
    assert compared.comparison is not None and compared.comparison.index.is_unique
    assert len(compared.comparison) >= 2
    assert compared.comparison_svg is not None and compared.comparison_svg.lstrip().startswith("<svg")

    # the main scenario is not changed by comparing others beside it (solver timings aside)
    def untimed(summary: dict) -> dict:
        sc = {k: v for k, v in summary["scenario"].items() if not k.endswith("_time_s")}
        return {**{k: v for k, v in summary.items() if k != "stages"}, "scenario": sc}

    assert untimed(compared.summary) == untimed(result.summary)
    paths = pipeline.write_outputs(compared, tmp_path / "with")
    table = pd.read_csv(paths["scenario/comparison.csv"], encoding="utf-8-sig")
    assert table.columns[0] == "方案"
    assert list(table["方案"]) == list(compared.comparison.index)
    assert paths["scenario/comparison.svg"].read_text(encoding="utf-8") == compared.comparison_svg


def test_write_outputs_only_writes(run_out: tuple[pipeline.RunResult, Path], tmp_path: Path) -> None:
    # a config asking for a comparison does not make the write step solve anything: it writes what
    # the stages computed (here: no comparison), and the files match the result's frames
    result, _ = run_out
    cfg = result.config.model_copy(deep=True)
    cfg.scenario.compare = "plan_2021_2023"
    original, result.config = result.config, cfg
    try:
        paths = pipeline.write_outputs(result, tmp_path)
    finally:
        result.config = original
    assert "scenario/comparison.csv" not in paths and not (tmp_path / "scenario").exists()
    sheets = pd.read_excel(paths["exports/整治清单.xlsx"], sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["整治企业清单", "整治宗地清单", *pipeline.RECTIFICATION_SHEETS]
    assert len(sheets["乡镇汇总"]) == len(result.rectification_summary["town"])
    assert len(sheets["现场核查"]) == len(result.rectification_summary["field_checks"])
    evaluated = pd.read_csv(paths["exports/evaluation.csv"], encoding="utf-8-sig")
    assert len(evaluated) == len(result.evaluation_list) == len(result.firms)


def test_cli_tax_in_yuan_under_unitless_header_exits_2(tmp_path: Path) -> None:
    # A tax bureau export in 元 under a header with no unit: 亩均税收 would come out 10 000 × too high.
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    cfg = yaml.safe_load(PROJECT.read_text(encoding="utf-8"))
    tax_path = data / cfg["sources"]["tax"]["path"]
    tax = pd.read_csv(tax_path, encoding="gbk", dtype=str)
    values = pd.to_numeric(tax["实缴税收(万元)"].str.replace(",", ""), errors="coerce") * 10_000
    tax["实缴税收(万元)"] = values.round(2).astype(str)
    tax = tax.rename(columns={"实缴税收(万元)": "实缴税收"})
    tax.to_csv(tax_path, encoding="gbk", index=False)
    res = CliRunner().invoke(
        app, ["run", "--config", str(data / "project.yaml"), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2, res.output
    assert "元" in res.output and tax_path.name in res.output
    assert "Traceback" not in res.output


def test_control_line_books_from_optional_tables(tmp_path: Path) -> None:
    # Plan §四(二): 20 亩 converted out of industry in 2022 against 12 亩 of new industrial land in
    # 2021 (改一补一, ratio 1) leaves 8 亩 uncovered, so 占补平衡 does not hold; land supplied in 2022 is
    # 25 亩 industrial of 100 亩 (25 % < 30 %), in 2021 40 of 100 (40 % ≥ 30 %).
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "books").mkdir()
    pd.DataFrame(
        {
            "年度": [2022],
            "原用途": ["工业用地"],
            "新用途": ["商服用地"],
            "面积(亩)": [20.0],
            "控制线内比例": [1.0],
        }
    ).to_csv(data / "books" / "用途转换.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame({"年度": [2021], "用途": ["工业用地"], "面积(平方米)": [8000.0]}).to_csv(
        data / "books" / "补充工业用地.csv", index=False, encoding="utf-8-sig"
    )
    pd.DataFrame(
        {
            "年度": [2021, 2021, 2022, 2022],
            "土地用途": ["工业用地", "住宅用地", "工业用地", "住宅用地"],
            "出让面积(亩)": [40.0, 60.0, 25.0, 75.0],
        }
    ).to_csv(data / "books" / "土地出让.csv", index=False, encoding="utf-8-sig")
    cfg = yaml.safe_load(PROJECT.read_text(encoding="utf-8"))
    cfg["sources"]["conversions"] = {"path": "books/用途转换.csv"}
    cfg["sources"]["compensations"] = {"path": "books/补充工业用地.csv"}
    cfg["sources"]["land_supply"] = {"path": "books/土地出让.csv"}
    (data / "project.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    result = pipeline.run_stages(data / "project.yaml")
    books = result.summary["control_line"]
    assert books["balance_holds"] is False
    assert books["uncovered_mu"] == pytest.approx(8.0)  # 20 − 8000 m² × 15/10000 = 20 − 12
    assert books["supply_share_ok"] is False
    assert books["supply_years_below_floor"] == [2022]
    paths = pipeline.write_outputs(result, tmp_path / "out")
    assert pd.ExcelFile(paths["exports/占补平衡.xlsx"], engine="openpyxl").sheet_names == [
        "年度平衡",
        "转换明细",
        "补充明细",
        "工业用地供应占比",
    ]


def test_summary_table_survives_missing_figures(run_out: tuple[pipeline.RunResult, Path], capsys) -> None:  # type: ignore[no-untyped-def]
    # When no land is freed (e.g. remedies: [upgrade]) some projections are null in summary.json.
    summary = json.loads((run_out[1] / "summary.json").read_text(encoding="utf-8"))
    summary["scenario"]["reuse_tax_per_mu_needed"] = None
    summary["scenario"]["tax_per_mu_after"] = None
    print_summary(summary, run_out[1], 1.0, 100.0)
    assert "—" in capsys.readouterr().out
