"""A new county from the command line: ``init`` → ``check`` → ``run``; ``check`` lists every problem.

Also the config's own errors (every bad key at once, with a "did you mean"), the two forms of a
``columns:`` alias, ``load_inputs`` given a path, ``--help`` in plain words, and exit codes.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

import ruian_land.cli.project_commands as cli_module
from ruian_land import load_inputs
from ruian_land.cli import app
from ruian_land.config import ProjectConfig, load_config
from ruian_land.core import InputError
from ruian_land.pipeline import check_project, write_project_template

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
needs_data = pytest.mark.skipif(not (DATA / "project.yaml").exists(), reason="sample county not generated")
runner = CliRunner()
MINIMAL = {"name": "x", "sources": {k: {"path": "a"} for k in ("parcels", "registry", "tax")}}


@pytest.fixture()
def county(tmp_path: Path) -> Path:
    """A copy of the sample county's files, without its project.yaml."""
    out = tmp_path / "平阳县"
    out.mkdir()
    for sub in ("parcels", "enterprises", "control_lines", "boundary", "raster"):
        shutil.copytree(DATA / sub, out / sub)
    (out / "boundary" / "瑞安市.gpkg").rename(
        out / "boundary" / "平阳县.gpkg"
    )  # init names it after the folder
    return out


@needs_data
def test_init_then_check_then_run_on_a_copy_of_the_sample(
    county: Path, tmp_path: Path, sample_run: tuple[Any, Path]
) -> None:
    res = runner.invoke(app, ["init", str(county)])
    assert res.exit_code == 0, res.output
    config = county / "project.yaml"
    text = config.read_text(encoding="utf-8")
    assert "name: 平阳县" in text and "# " in text  # named after the folder, commented
    assert "boundary: {path: boundary/平阳县.gpkg}" in text and "瑞安市" not in text
    assert "encoding: gbk" in text and "EPSG:4549" in text and "columns:" in text and "targets." in text
    res = runner.invoke(app, ["check", "--config", str(config)])
    assert res.exit_code == 0, res.output
    assert "OK" in res.output
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", "--config", str(config), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    expected = json.loads((sample_run[1] / "summary.json").read_text(encoding="utf-8"))
    for key in (
        "parcels_kept",
        "enterprises_linked",
        "class_counts",
        "low_efficiency_parcels",
        "idle_parcels",
    ):
        assert summary[key] == expected[key], key  # same files, same rules → the sample's figures
    assert summary["scenario"]["freed_area_mu"] == pytest.approx(expected["scenario"]["freed_area_mu"])
    # init refuses to overwrite the config without --force
    res = runner.invoke(app, ["init", str(county)])
    assert res.exit_code == 2 and "--force" in res.output


@needs_data
def test_check_lists_every_problem_at_once(county: Path) -> None:
    config = write_project_template(county)
    text = config.read_text(encoding="utf-8")
    text = text.replace("enterprises/税收_税务局.csv", "enterprises/税收.csv")  # a missing file
    text = text.replace("  energy: {path:", "  enrgy: {path:")  # a misspelt source
    text = text.replace("  base: ruian_default", "  bse: ruian_default")  # a misspelt key
    config.write_text(text, encoding="utf-8")
    book = county / "enterprises" / "统计_统计局.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[0]
    header_row = next(r for r in range(1, 5) if ws.cell(r, 1).value == "统一社会信用代码")
    ws.cell(header_row, 1).value = "信用代码X"  # the 统一社会信用代码 header is gone
    wb.save(book)

    found = check_project(config)
    assert not found.ok
    table = found.to_frame()
    assert len(table) == 4, table.to_string()
    problems = " | ".join(table["问题"])
    assert "unknown key 'rules.bse' (did you mean 'base'?)" in problems
    assert "unknown key 'sources.enrgy' (did you mean 'energy'?)" in problems
    assert "does not exist" in problems and table["文件"].str.endswith("税收.csv").any()
    stats = table[table["文件"].str.endswith("统计_统计局.xlsx")]
    assert stats["列或键"].tolist() == ["uscc"] and "信用代码X" in stats["问题"].iloc[0]
    assert (table["修改方法"] != "").all()

    res = runner.invoke(app, ["check", "--config", str(config)])
    assert res.exit_code == 2
    assert "4 problem(s)" in res.output and "Traceback" not in res.output


def test_config_errors_are_listed_together_with_did_you_mean(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    config.write_text("name: x\nsourcs: {}\nrules: {bse: ruian_default}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(config)
    text = str(info.value)
    assert "3 problem(s)" in text
    assert "'rules.bse' (did you mean 'base'?)" in text
    assert "'sourcs' (did you mean 'sources'?)" in text
    assert "required key 'sources' missing" in text
    assert "column" not in text  # a config key is a key, not a column


def test_empty_config_says_so_and_points_at_init(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    config.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty.*ruian-land init"):
        load_config(config)
    res = runner.invoke(app, ["check", "--config", str(config)])
    assert res.exit_code == 2 and "empty" in res.output


@pytest.mark.parametrize(
    "aliases",
    [
        {"tax": {"tax_wan": ["实缴税额"]}},  # canonical: [headers]
        {"tax": {"tax_wan": "实缴税额"}},  # canonical: header
        {"tax": {"实缴税额": "tax_wan"}},  # header: canonical (the form planners write first)
        {"tax": {"实缴税额": ["tax_wan"]}},
    ],
)
def test_column_aliases_in_either_direction(aliases: dict) -> None:
    cfg = ProjectConfig(**MINIMAL, columns=aliases)
    assert cfg.columns == {"tax": {"tax_wan": ["实缴税额"]}}


def test_column_alias_that_maps_nothing_is_refused_not_ignored() -> None:
    with pytest.raises(ValueError, match=r"'税收合计' is not a column of tax.*tax_wan"):
        ProjectConfig(**MINIMAL, columns={"tax": {"税收合计": "税额"}})
    with pytest.raises(ValueError, match=r"unknown input kind 'taxes' \(did you mean 'tax'\?\)"):
        ProjectConfig(**MINIMAL, columns={"taxes": {"tax_wan": ["x"]}})


@needs_data
def test_load_inputs_takes_a_path() -> None:
    inputs = load_inputs(str(DATA / "project.yaml"))
    assert len(inputs.parcels) == 4938
    with pytest.raises(InputError, match="ProjectConfig or the path"):
        load_inputs(42)  # type: ignore[arg-type]


@needs_data
def test_sample_config_states_its_encoding_so_no_note_is_printed(tmp_path: Path) -> None:
    res = runner.invoke(app, ["check"])
    assert res.exit_code == 0
    assert "State the encoding" not in res.output


@pytest.mark.parametrize("command", ["run", "check", "init", "report", "sample", "rules"])
def test_help_is_plain_with_an_example(command: str) -> None:
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0
    assert "<bool>" not in res.output
    if command in {"run", "check", "init", "report"}:
        assert re.search(r"Examples?:\s+ruian-land " + command, res.output), res.output


def test_internal_error_exits_1_with_the_log_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(cli_module, "check_project", boom)
    res = runner.invoke(app, ["check"])
    assert res.exit_code == 1
    assert "Internal error" in res.output and ".log" in res.output and "Traceback" not in res.output
    log = Path(re.search(r"(\S+ruian-land-error-\S+\.log)", res.output).group(1))  # type: ignore[union-attr]
    assert "ZeroDivisionError" in log.read_text(encoding="utf-8")


@needs_data
def test_cli_report_writes_one_offline_page(tmp_path: Path, sample_run: tuple[Any, Path]) -> None:
    out = tmp_path / "汇报" / "report.html"
    res = runner.invoke(app, ["report", "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    summary = json.loads((sample_run[1] / "summary.json").read_text(encoding="utf-8"))
    assert summary["project"] in html and "@page" in html
    assert not re.search(r"""(src|href)=["']https?:""", html)


def test_misspelt_rule_override_in_the_config_is_refused(tmp_path: Path) -> None:
    cfg = ProjectConfig(**MINIMAL, root=str(tmp_path), rules={"overrides": {"targets.freed_are_mu": 1200}})
    with pytest.raises(
        InputError, match=r"'targets.freed_are_mu' \(did you mean 'targets.freed_area_mu'\?\)"
    ):
        cfg.load_rules()
    ok = ProjectConfig(**MINIMAL, root=str(tmp_path), rules={"overrides": {"targets.freed_area_mu": 1200}})
    assert ok.load_rules().value("targets.freed_area_mu") == 1200


def test_verbose_prints_each_stage_with_seconds_and_peak_memory(capsys: pytest.CaptureFixture[str]) -> None:
    from ruian_land.cli.app import print_timings

    usage = {
        "read": {"seconds": 1.234, "peak_rss_mb": 345.6, "peak_rss_increase_mb": 48.0},
        "write": {"seconds": 4.5, "peak_rss_mb": None, "peak_rss_increase_mb": None},
    }
    print_timings({"read": 1.234, "write": 4.5}, usage)
    out = capsys.readouterr().out
    assert "peak MB" in out and "1.23" in out and "346" in out and "48" in out
    assert "—" in out  # memory not recorded on this platform
    print_timings({"ingest": 2.0})  # a stage command without usage: seconds only
    assert "2.00" in capsys.readouterr().out


@needs_data
def test_check_reads_the_optional_project_tables(county: Path) -> None:
    config = write_project_template(county)
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        "  # projects: {path: enterprises/项目库_发改局.xlsx}", "  projects: {path: enterprises/项目.csv}"
    )
    text = text.replace(
        "  # standard_land_contracts: {path: enterprises/标准地监管协议.xlsx}",
        "  standard_land_contracts: {path: enterprises/协议.csv}",
    )
    assert (
        "  projects: {path: enterprises/项目.csv}" in text
        and "  standard_land_contracts: {path: enterprises/协议.csv}" in text
    )
    config.write_text(text, encoding="utf-8")
    (county / "enterprises" / "项目.csv").write_text(
        "项目名称,总投资(万元),用地面积(亩),落地年份,达产税收(万元),达产增加值(万元)\n"
        "甲,abc,50,2022,1000,5000\n乙,-120000,30,2023,800,4000\n",
        encoding="utf-8",
    )
    contracts = county / "enterprises" / "协议.csv"
    contracts.write_text("协议编号,约定投资强度\nC1,300\n", encoding="utf-8")  # no 宗地代码
    found = check_project(config)
    assert not found.ok
    table = found.to_frame()
    assert len(table) == 1, table.to_string()
    assert table["文件"].iloc[0].endswith("协议.csv") and table["列或键"].iloc[0] == "parcel_id"

    contracts.write_text("宗地代码,约定投资强度,出让日期\nNOPE-1,300,2021.13.01\n", encoding="utf-8")
    found = check_project(config)
    assert found.ok, found.to_frame().to_string()
    notes = " | ".join(found.notes)
    assert "2 problem(s) in projects" in notes and "1 row(s) left out" in notes
    assert "2 problem(s) in standard_land_contracts" in notes and "1 unknown 宗地代码" in notes
    assert found.ledger is not None and found.ledger.loc["projects", "rejected"] == 1


def test_brackets_in_an_error_are_printed_not_taken_as_markup(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    from ruian_land.cli.app import fail
    from ruian_land.core import InputError

    with pytest.raises(typer.Exit) as stop:
        fail(
            InputError(
                "'trajectory.ramp': 5 is not a list", fix="write a [list] for a list, e.g. [0.3, 0.7, 1.0]"
            )
        )
    assert stop.value.exit_code == 2
    err = capsys.readouterr().err
    assert "a [list] for a list" in err and "[0.3, 0.7, 1.0]" in err
