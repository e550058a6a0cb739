"""A new user's bad inputs: each must be refused with a message naming the file, the column and the
fix, or reported row by row in the ledger, never turned into a confident wrong result.

Tiny projects are written by the tests; end-to-end cases run on a copy of the bundled sample
county (``data/``) edited the way the tester did, or on the sample as it is.
"""

from __future__ import annotations

import csv
import io as _io
import shutil
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from shapely.geometry import Polygon, box
from typer.testing import CliRunner

from ruian_land import pipeline
from ruian_land.cli import app
from ruian_land.config import load_config
from ruian_land.core import (
    USCC_ALPHABET,
    InputError,
    InputWarning,
    Ledger,
    is_valid_uscc,
    map_columns,
    uscc_check_char,
)
from ruian_land.evaluation import energy, indicators
from ruian_land.io import load_inputs, parse_columns, read_parcels, read_table
from ruian_land.link import occupancy as link
from ruian_land.rules import load_rules
from ruian_land.sample import build_sample
from ruian_land.validate import check_tax_plausibility, validate_inputs

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PROJECT = DATA / "project.yaml"
RULES = load_rules()
X0, Y0 = 520_000.0, 3_070_000.0
needs_sample = pytest.mark.skipif(not PROJECT.exists(), reason="sample county data/ not generated")


def code(n: int) -> str:
    """A valid 统一社会信用代码 with letters (Excel keeps such codes as text)."""
    first17 = f"91330381MA2{n:06d}"
    return first17 + uscc_check_char(first17)


def digit_code(n: int) -> str:
    """A valid all-digit 统一社会信用代码 (the kind Excel turns into a number)."""
    while True:
        first17 = f"913303817{n:08d}"
        c = first17 + uscc_check_char(first17)
        if c.isdigit():
            return c
        n += 1


def wrong_check(c: str) -> str:
    """The same code with another check character."""
    return c[:-1] + USCC_ALPHABET[(USCC_ALPHABET.index(c[-1]) + 1) % 31]


def _csv(path: Path, rows: list[list[Any]]) -> None:
    buf = _io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8-sig")


def tiny_project(
    root: Path,
    *,
    registry: list[list[Any]] | None = None,
    tax: list[list[Any]] | None = None,
    parcels: gpd.GeoDataFrame | None = None,
    extra_sources: str = "",
) -> Path:
    """A project of three firms, each owning one 100 m × 100 m parcel (15 亩), unless overridden.
    The registry is written as CSV unless it is already a file in ``root``."""
    firms = [code(1), code(2), code(3)]
    if parcels is None:
        parcels = gpd.GeoDataFrame(
            {"宗地代码": ["P1", "P2", "P3"], "权利人代码": firms, "土地用途": ["工业用地"] * 3},
            geometry=[box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 100) for i in range(3)],
            crs=4549,
        )
    parcels.to_file(root / "宗地.shp", encoding="gbk")
    reg_head = ["统一社会信用代码", "企业名称", "行业代码", "企业规模"]
    if registry is None:
        registry = [[c, f"企业{i}", "3311", "规上"] for i, c in enumerate(firms, 1)]
    if not (root / "名录.xlsx").exists():
        _csv(root / "名录.csv", [reg_head, *registry])
    reg_file = "名录.xlsx" if (root / "名录.xlsx").exists() else "名录.csv"
    if tax is None:
        tax = [[c, f"企业{i}", 30.0 * i] for i, c in enumerate(firms, 1)]
    _csv(root / "税收.csv", [["纳税人识别号", "纳税人名称", "实缴税收(万元)"], *tax])
    (root / "project.yaml").write_text(
        "data_year: 2021\nsources:\n  parcels: {path: 宗地.shp}\n"
        f"  registry: {{path: {reg_file}}}\n  tax: {{path: 税收.csv}}\n{extra_sources}",
        encoding="utf-8",
    )
    return root / "project.yaml"


def validated(project: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return validate_inputs(load_inputs(load_config(project)), Ledger())


def events(clean: Any, name: str, problem: str | None = None) -> pd.DataFrame:
    df = clean.ledger.to_frame()
    df = df[df["input"] == name]
    return df[df["problem"] == problem] if problem else df


def copy_data(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("raster", "source"))
    cfg = yaml.safe_load(PROJECT.read_text(encoding="utf-8"))
    cfg["sources"].pop("built_up", None)  # the raster is not needed to reach the checks
    (tmp_path / "data" / "project.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return tmp_path / "data"


def run_cli(project: Path, out: Path) -> Any:
    return CliRunner().invoke(app, ["run", "--config", str(project), "--out", str(out)])


def tax_rows(data: Path) -> tuple[list[str], list[list[str]]]:
    text = (data / "enterprises" / "税收_税务局.csv").read_text(encoding="gbk")
    rows = list(csv.reader(_io.StringIO(text)))
    return rows[0], rows[1:]


def write_tax(data: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = _io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    (data / "enterprises" / "税收_税务局.csv").write_bytes(buf.getvalue().encode("gbk"))


# --------------------------------------------------------------------------- 1. empty / mismatched


@needs_sample
def test_header_only_tax_file_exits_2_naming_the_file_and_fix(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    header, _ = tax_rows(data)
    write_tax(data, header, [])
    res = run_cli(data / "project.yaml", tmp_path / "out")
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "税收_税务局.csv" in text and "no data" in text and "Fix" in text
    assert not (tmp_path / "out" / "summary.json").exists()


@pytest.mark.parametrize("which", ["registry", "tax"])
def test_required_table_without_rows_is_refused(tmp_path: Path, which: str) -> None:
    kwargs: dict[str, Any] = {which: []}
    with pytest.raises(InputError, match=r"no data: 0") as err:
        validated(tiny_project(tmp_path, **kwargs))
    assert err.value.path is not None and err.value.path.endswith(
        "名录.csv" if which == "registry" else "税收.csv"
    )
    assert err.value.fix and f"sources: {which}: path:" in err.value.fix


def test_tax_table_matching_too_few_registry_firms_is_refused(tmp_path: Path) -> None:
    firms = [code(i) for i in range(1, 5)]
    registry = [[c, f"企业{i}", "3311", "规上"] for i, c in enumerate(firms)]
    # 1 of 4 registry firms (25 %) has a tax row: < qa.min_tax_match_share = 0.5
    with pytest.raises(InputError, match=r"only 1 of 4 registry firms \(25%\)") as err:
        validated(tiny_project(tmp_path, registry=registry, tax=[[firms[0], "x", 1.0], [code(9), "y", 2.0]]))
    assert err.value.column == "纳税人识别号" and "qa.min_tax_match_share" in str(err.value)
    # 2 of 4 = 50 % is not below the share: accepted
    clean = validated(tiny_project(tmp_path, registry=registry, tax=[[c, "x", 1.0] for c in firms[:2]]))
    assert clean.firms["in_tax"].tolist() == [True, True, False, False]
    assert RULES.value("qa.min_tax_match_share") == 0.5


# --------------------------------------------------------------------------- 2. tax in 元


def test_tax_plausibility_median_of_above_scale_firms_by_hand() -> None:
    firms = pd.DataFrame(
        {
            "above_scale": [True, True, True, False],
            "tax_wan": [10.0, 40.0, 90.0, 5000.0],
            "land_area_mu": [1.0, 2.0, 3.0, 1.0],  # 规上 亩均税收 10, 20, 30 → median 20
        }
    )
    assert check_tax_plausibility(firms, RULES) == pytest.approx(20.0)
    in_yuan = firms.assign(tax_wan=firms["tax_wan"] * 10_000)  # median 200 000 > 500
    meta = {"tax": {"path": "税收.csv", "source_columns": {"tax_wan": "实缴税收"}}}
    with pytest.raises(InputError, match=r"200,000\.0 万元/亩 over 3 firms") as err:
        check_tax_plausibility(in_yuan, RULES, meta=meta)
    assert err.value.path == "税收.csv" and err.value.column == "实缴税收"
    assert "look like 元" in str(err.value) and "实缴税收(元)" in str(err.value.fix)


@needs_sample
def test_tax_in_yuan_under_a_header_without_unit_is_refused_after_linking(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    header, rows = tax_rows(data)
    col = header.index("实缴税收(万元)")

    def in_yuan(rows: list[list[str]]) -> list[list[str]]:
        out = []
        for r in rows:
            r = list(r)
            if r[0] and r[0] != "合计" and r[col].strip():
                r[col] = f"{float(r[col].replace(',', '')) * 10_000:.0f}"
            out.append(r)
        return out

    header[col] = "实缴税收"
    write_tax(data, header, in_yuan(rows))

    def stages() -> float:
        cfg = load_config(data / "project.yaml")
        rules = cfg.load_rules()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InputWarning)
            clean = validate_inputs(load_inputs(cfg), Ledger(), rules=rules)
            firms = clean.firms.join(energy.energy_tce(clean.firms, rules))
            occ = link.link_firms_to_parcels(clean.parcels, firms, clean.leases, rules=rules)
            firms["land_area_mu"] = firms["uscc"].map(link.firm_land(occ)["land_area_mu"])
            firms = firms.join(indicators.compute_indicators(firms, rules))
        return check_tax_plausibility(firms, rules, meta=clean.meta)

    with pytest.raises(InputError, match="look like 元") as err:
        stages()
    assert err.value.path is not None and err.value.path.endswith("税收_税务局.csv")
    assert err.value.column == "实缴税收" and "states no unit" in str(err.value)
    # the fix it names works: 实缴税收(元) is read as 元, × 1e-4
    header[col] = "实缴税收(元)"
    write_tax(data, header, in_yuan(rows))
    fixed = read_table(data / "enterprises" / "税收_税务局.csv", encoding="gbk", kind="tax")
    parsed, _ = parse_columns(map_columns(fixed, "tax"), "tax")
    original = pd.to_numeric(pd.Series([r[col] for r in rows[:3]]).str.replace(",", ""))
    assert parsed["tax_wan"].iloc[:3].tolist() == pytest.approx(original.tolist(), abs=1e-4)


# --------------------------------------------------------------------------- 4. negative, blank, N/A


def test_negative_blank_and_na_taxes_are_in_the_ledger(tmp_path: Path) -> None:
    firms = [code(i) for i in range(1, 6)]
    registry = [[c, f"企业{i}", "3311", "规上"] for i, c in enumerate(firms)]
    tax = [[firms[0], "a", "-12.5"], [firms[1], "b", ""], [firms[2], "c", "N/A"], [firms[3], "d", "—"]]
    tax.append([firms[4], "e", "30"])
    clean = validated(tiny_project(tmp_path, registry=registry, tax=tax))
    f = clean.firms.set_index("uscc")
    assert f.loc[firms[0], "tax_wan"] == -12.5 and f.loc[firms[4], "tax_wan"] == 30.0
    assert f.loc[firms[1:4], "tax_wan"].isna().all()  # missing, never 0
    neg = events(clean, "tax", "negative_value")
    assert neg[["row", "file_row", "action"]].values.tolist() == [[1, 2, "kept"]]
    assert "negative value kept" in neg["detail"].iloc[0] and "-12.5" in neg["detail"].iloc[0]
    blank = events(clean, "tax", "missing_value")
    # one ledger row per blank cell; the CSV header is line 1, so data row k is line k + 1
    assert blank[["row", "file_row", "column", "action"]].values.tolist() == [
        [2, 3, "tax_wan", "kept"],
        [3, 4, "tax_wan", "kept"],
        [4, 5, "tax_wan", "kept"],
    ]
    assert "'N/A'" in blank["detail"].iloc[1] and "not 0" in blank["detail"].iloc[1]
    assert clean.ledger.summary()["tax"] == {"rows_in": 5, "kept": 5, "repaired": 0, "rejected": 0}


# --------------------------------------------------------------------------- 5. codes as numbers


@needs_sample
def test_registry_codes_stored_as_excel_numbers_are_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = data / "enterprises" / "企业名录_经信局.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["企业名录"]
    col = [c.value for c in ws[1]].index("统一社会信用代码") + 1
    n = 0
    for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
        if isinstance(cell.value, str) and cell.value.isdigit():
            cell.value = float(cell.value)  # what Excel keeps: 15 significant digits
            n += 1
    wb.save(path)
    assert n > 100
    with (
        pytest.raises(InputError, match=rf"{n} of the {n} digits-only codes") as err,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", InputWarning)
        pipeline.run_stages(data / "project.yaml")
    assert err.value.path is not None and err.value.path.endswith("企业名录_经信局.xlsx")
    assert err.value.column == "统一社会信用代码" and "text" in str(err.value.fix)


def test_scientific_notation_codes_refused_and_a_few_reported(tmp_path: Path) -> None:
    digits = [digit_code(10_000 * i) for i in range(1, 5)]
    assert all(c.isdigit() and is_valid_uscc(c) for c in digits)
    registry = [[c, f"企业{i}", "3311", "规上"] for i, c in enumerate(digits)]
    # every digits-only code of the tax table went through Excel: refused, naming the column
    tax = [[f"{float(c):.5E}", "x", 1.0] for c in digits]
    with pytest.raises(InputError, match=r"4 of the 4 digits-only codes in column '纳税人识别号'") as err:
        validated(tiny_project(tmp_path, registry=registry, tax=tax))
    assert err.value.path is not None and err.value.path.endswith("税收.csv")
    # one of four (25 % < qa.numeric_code_share_max): a warning and a ledger row, the rest links
    lost = digits[3][:15] + "000"  # 9.13303817…E+17 written out: the last three digits are gone
    assert not is_valid_uscc(lost)
    tax = [[c, "x", 1.0] for c in digits[:3]] + [[lost, "x", 1.0]]
    with pytest.warns(InputWarning, match="1 of the 4 digits-only codes"):
        clean = validate_inputs(load_inputs(load_config(tiny_project(tmp_path, registry=registry, tax=tax))))
    ev = events(clean, "tax", "code_stored_as_number")
    assert ev[["row", "file_row"]].values.tolist() == [[4, 5]]
    assert clean.firms["in_tax"].tolist() == [True, True, True, False]


# --------------------------------------------------------------------------- 6. check-character typos


def test_check_character_typos_are_reported_both_ways_not_merged(tmp_path: Path) -> None:
    a, b, c, d, e = (code(i) for i in range(1, 6))
    a_bad, c_bad = wrong_check(a), wrong_check(c)
    registry = [
        [a_bad, "甲公司", "3311", "规上"],
        [b, "乙公司", "3311", "规上"],
        [c, "丙公司", "3311", "规上"],
    ]
    registry += [[d, "丁公司", "3311", "规上"], [e, "戊公司", "3311", "规上"]]
    parcels = gpd.GeoDataFrame(
        {"宗地代码": ["P1", "P2", "P3"], "权利人代码": [a, b, c_bad], "土地用途": ["工业用地"] * 3},
        geometry=[box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 100) for i in range(3)],
        crs=4549,
    )
    # the registry has the typo for 甲 (tax right); the tax table has it for 丙 (registry right)
    tax = [[a, "甲公司", 10.0], [b, "乙公司", 20.0], [c_bad, "丙公司", 30.0], [d, "丁", 1.0], [e, "戊", 2.0]]
    clean = validated(tiny_project(tmp_path, registry=registry, tax=tax, parcels=parcels))
    ev = events(clean, "tax", "check_char_mismatch").set_index("row")
    assert ev["action"].tolist() == ["rejected", "rejected"]
    # registry data row 1 is line 2 of the CSV
    assert f"registry row 2 (甲公司) has {a_bad}" in ev.loc[1, "detail"]
    assert "correct the registry" in ev.loc[1, "detail"]
    assert f"registry row 4 (丙公司) has {c}" in ev.loc[3, "detail"]
    assert "correct this table" in ev.loc[3, "detail"]
    reg = events(clean, "registry", "check_char_mismatch").set_index("row")
    assert sorted(reg.index) == [1, 3] and f"tax row 2 has {a}" in reg.loc[1, "detail"]
    f = clean.firms.set_index("uscc")
    assert np.isnan(f.loc[a_bad, "tax_wan"]) and np.isnan(f.loc[c, "tax_wan"])  # not merged
    # parcels: P1 lists the right code a, the registry has a_bad; P3 lists c_bad
    led = clean.ledger
    link.link_firms_to_parcels(clean.parcels, clean.firms, clean.leases, led)
    par = events(clean, "parcels", "check_char_mismatch").set_index("row")
    assert sorted(par.index) == [1, 3]
    assert f"registry row 2 (甲公司) has {a_bad}" in par.loc[1, "detail"]
    assert "correct the parcel record" in par.loc[3, "detail"]


# --------------------------------------------------------------------------- 7. second sheet


def _two_sheet_registry(path: Path, first: list[list[Any]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    for r in first:
        ws.append(r)
    data = wb.create_sheet("企业名录")
    data.append(["统一社会信用代码", "企业名称", "行业代码", "企业规模"])
    for i, c in enumerate((code(1), code(2), code(3)), 1):
        data.append([c, f"企业{i}", "3311", "规上"])
    wb.save(path)


@pytest.mark.parametrize(
    "first",
    [
        [["本表由经信局提供，数据见第二页"]],  # no header row at all
        [["年份", "备注"], [2021, "全市企业名录"], [2020, "上年名录"]],  # another table
    ],
)
def test_data_on_second_sheet_names_the_sheets_and_suggests_sheet(tmp_path: Path, first: list) -> None:
    _two_sheet_registry(tmp_path / "名录.xlsx", first)
    project = tiny_project(tmp_path)
    with pytest.raises(InputError) as err:
        validated(project)
    text = str(err.value)
    assert "Read sheet '说明'" in text and "['说明', '企业名录']" in text
    assert "sheet(s) with the expected headers: ['企业名录']" in text
    assert err.value.fix is not None and "sheet: 企业名录" in err.value.fix
    # following the advice works
    project.write_text(
        project.read_text(encoding="utf-8").replace(
            "{path: 名录.xlsx}", "{path: 名录.xlsx, sheet: 企业名录}"
        ),
        encoding="utf-8",
    )
    assert len(validated(project).firms) == 3


# --------------------------------------------------------------------------- 8. missing sidecars


@needs_sample
def test_missing_dbf_exits_2_saying_the_file_is_missing(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    (data / "parcels" / "宗地.dbf").unlink()
    res = run_cli(data / "project.yaml", tmp_path / "out")
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "宗地.dbf" in text and "missing" in text and "parcel_id" not in text


def test_missing_shx_is_named(tmp_path: Path) -> None:
    gpd.GeoDataFrame({"宗地代码": ["P1"]}, geometry=[box(X0, Y0, X0 + 10, Y0 + 10)], crs=4549).to_file(
        tmp_path / "宗地.shp", encoding="gbk"
    )
    (tmp_path / "宗地.shx").unlink()
    with pytest.raises(InputError, match=r"宗地\.shx \(the index of the shapes\) is missing"):
        read_parcels(tmp_path / "宗地.shp")


# --------------------------------------------------------------------------- 9. ledger gaps


def test_codes_fixed_by_normalisation_count_as_repaired(tmp_path: Path) -> None:
    a, b, c = code(1), code(2), code(3)
    full_width = a.translate({ord(ch): ord(ch) + 0xFEE0 for ch in "0123456789"})
    tax = [[full_width, "x", 1.0], [b.lower(), "y", 2.0], [f"{c[:8]} {c[8:]}", "z", 3.0]]
    clean = validated(tiny_project(tmp_path, tax=tax))
    ev = events(clean, "tax", "code_repaired")
    assert ev[["row", "action"]].values.tolist() == [[1, "repaired"], [2, "repaired"], [3, "repaired"]]
    assert f"→ '{b}'" in ev["detail"].iloc[1]
    assert clean.ledger.summary()["tax"] == {"rows_in": 3, "kept": 3, "repaired": 3, "rejected": 0}
    assert clean.firms["tax_wan"].tolist() == [1.0, 2.0, 3.0]  # all three linked after repair


def test_sliver_parcels_rejected_unless_held(tmp_path: Path) -> None:
    firms = [code(1), code(2), code(3)]
    parcels = gpd.GeoDataFrame(
        {
            "宗地代码": ["P1", "P2", "S1", "S2"],
            "权利人代码": [firms[0], firms[1], "", firms[2]],
            "土地用途": ["工业用地"] * 4,
        },
        geometry=[
            box(X0, Y0, X0 + 100, Y0 + 100),
            box(X0 + 200, Y0, X0 + 210, Y0 + 5),  # 50 m²: not below qa.min_parcel_area_m2
            box(X0 + 300, Y0, X0 + 300.4, Y0 + 100),  # 40 m² strip, nobody holds it
            box(X0 + 400, Y0, X0 + 430, Y0 + 1),  # 30 m², held by 企业3
        ],
        crs=4549,
    )
    clean = validated(tiny_project(tmp_path, parcels=parcels))
    ev = events(clean, "parcels", "sliver_parcel").set_index("row")
    assert ev["action"].to_dict() == {3: "rejected", 4: "kept"}
    assert "40.0 m² < 50 m²" in ev.loc[3, "detail"] and "no holder" in ev.loc[3, "detail"]
    assert clean.parcels["parcel_id"].tolist() == ["P1", "P2", "S2"]
    assert clean.ledger.summary()["parcels"] == {"rows_in": 4, "kept": 3, "repaired": 0, "rejected": 1}


def test_file_row_is_the_row_a_planner_sees_in_excel(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2021年规上工业企业名录"])  # title row 1
    ws.append(["统一社会信用代码", "企业名称", "行业代码", "企业规模"])  # header row 2
    for i, c in enumerate((code(1), code(2), code(3), code(1)), 1):  # data rows 3..6
        ws.append([c, f"企业{i}", "3311", "规上"])
    wb.save(tmp_path / "名录.xlsx")
    clean = validated(tiny_project(tmp_path))
    dup = events(clean, "registry", "conflicting_duplicate")
    assert dup[["row", "file_row"]].values.tolist() == [[4, 6]]
    assert "also on row 3" in dup["detail"].iloc[0] and "(row 6)" in dup["detail"].iloc[0]
    paths = clean.ledger.write(tmp_path / "qa")
    issues = pd.read_csv(paths["issues"], encoding="utf-8-sig")
    assert issues.loc[
        issues["问题代码 problem"] == "conflicting_duplicate", "文件行号 file_row"
    ].tolist() == [6]


def test_table_read_keeps_the_sheet_and_first_data_line(tmp_path: Path) -> None:
    _two_sheet_registry(tmp_path / "名录.xlsx", [["说明"]])
    df = read_table(tmp_path / "名录.xlsx", sheet="企业名录", kind="registry")
    assert df.attrs["sheet"] == "企业名录" and df.attrs["first_data_line"] == 2


# --------------------------------------------------------------------------- 10. repaired areas


def test_repaired_parcel_area_is_compared_with_the_recorded_area(tmp_path: Path) -> None:
    firms = [code(1), code(2), code(3)]
    # a bow-tie over a 100 × 100 square: make_valid keeps two triangles of 2 500 m² each
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    parcels = gpd.GeoDataFrame(
        {
            "宗地代码": ["P1", "P2", "P3"],
            "权利人代码": firms,
            "土地用途": ["工业用地"] * 3,
            "宗地面积": [10_000.0, 5_200.0, 10_000.0],
        },
        geometry=[bowtie, Polygon([(X0 + 200, Y0), (X0 + 300, Y0 + 100), (X0 + 300, Y0), (X0 + 200, Y0 + 100)]),
                  box(X0 + 400, Y0, X0 + 500, Y0 + 100)],
        crs=4549,
    )  # fmt: skip
    clean = validated(tiny_project(tmp_path, parcels=parcels))
    ev = events(clean, "parcels").set_index("row")
    mismatch = ev[ev["problem"] == "repaired_area_mismatch"]
    # 5 000 vs 10 000 m²: −50 %, beyond qa.recorded_area_tolerance = 10 %
    assert mismatch.index.tolist() == [1]
    assert (
        mismatch["detail"]
        .iloc[0]
        .startswith("area after repair differs from recorded area; check the geometry")
    )
    assert "recorded 10,000.0 m², after repair 5,000.0 m² (-50.0%" in mismatch["detail"].iloc[0]
    # 5 000 vs 5 200 m²: −3.8 %, within: still recorded, both areas named
    within = ev[ev["problem"] == "repaired_area"]
    assert (
        within.index.tolist() == [2]
        and "recorded 5,200.0 m², after repair 5,000.0 m²" in within["detail"].iloc[0]
    )
    assert "area_mismatch" not in ev["problem"].tolist()  # one note per repaired parcel, not two
    # the polygon area is used, not silently switched to the recorded one
    assert clean.parcels.set_index("parcel_id")["area_m2"].round(3).to_dict() == {
        "P1": 5_000.0,
        "P2": 5_000.0,
        "P3": 10_000.0,
    }


# --------------------------------------------------------------------------- the sample county end to end


@pytest.fixture(scope="module")
def sample_truth(sample_run: Any) -> Any:
    return sample_run[0], build_sample().truth


def test_sample_firms_without_tax_are_unrated_and_not_closed(sample_truth: Any) -> None:
    result, truth = sample_truth
    firms = result.firms
    no_tax = firms.loc[~firms["in_tax"].astype(bool)]
    # the 20 planted absences, plus the firm whose registry code has the typo (its tax row is rejected)
    true_codes = set(truth.firms.loc[~truth.firms["in_tax_table"].astype(bool), "uscc"])
    assert len(true_codes) == 20 and true_codes <= set(no_tax["uscc"]) and len(no_tax) == 21
    assert set(no_tax["eval_class"]) <= {"unrated", "exempt"}
    assert no_tax["tax_wan"].isna().all()
    # every one not already unrated for another reason (no land; 规下 under 3 亩) says why
    land = no_tax["land_area_mu"]
    other = land.isna() | (
        ~no_tax["above_scale"].astype(bool) & (land < RULES.value("evaluation.min_rated_area_mu"))
    )
    assert (
        no_tax.loc[~other, "class_reason"].eq("缺少税收数据 / no tax record").all() and (~other).sum() >= 15
    )
    sel = result.scenario.selection
    assert not sel["uscc"].isin(no_tax["uscc"]).any()  # nobody closed at "tax lost 0"
    ev = result.ledger.to_frame()
    noted = ev[(ev["input"] == "tax") & (ev["problem"] == "no_tax_record")]
    assert len(noted) == 21 and all(any(u in d for d in noted["detail"]) for u in no_tax["uscc"])
    # their parcels: 亩均税收 not computed, DATA_MISSING instead of the tax rules
    links = result.occupancy.links
    pids = set(links.loc[links["uscc"].isin(no_tax["uscc"]), "parcel_id"])
    p = result.screening.parcels.set_index("parcel_id").loc[sorted(pids)]
    assert p["tax_per_mu"].isna().all() and p["reason_codes"].str.contains("DATA_MISSING").all()
    assert not p["reason_codes"].str.contains("TAX_LT|PARK_TAX").any()


def test_sample_ledger_lists_the_planted_code_and_geometry_faults(sample_truth: Any) -> None:
    result, truth = sample_truth
    ev = result.ledger.to_frame()
    cf = truth.code_faults
    # normalisation repairs: 9 in the tax table, 7 in energy, 2 in emissions (sample README: 18)
    norm = cf[cf["kind"].isin(["fullwidth", "lowercase", "spaces"])]
    repaired = ev[ev["problem"] == "code_repaired"]
    assert repaired["input"].value_counts().to_dict() == norm["table"].value_counts().to_dict()
    assert len(repaired) == 18 and (repaired["action"] == "repaired").all()
    # one-table check-character typos: each reported as probably the same firm
    typos = cf[(cf["kind"] == "wrong_check") & (cf["table"] != "all")]
    twin = ev[ev["problem"] == "check_char_mismatch"]
    for t in typos.itertuples():
        where = {"registry": ["registry", "tax", "energy"], "energy": ["energy"], "parcels": ["parcels"]}[
            t.table
        ]
        hit = twin[twin["input"].isin(where) & twin["detail"].str.contains(str(t.written))]
        assert len(hit) >= 1, t
    # the 10 slivers are rejected as such, and nothing else is
    slivers = set(truth.geometry_faults.loc[truth.geometry_faults["fault"] == "sliver", "parcel_id"])
    rej = ev[(ev["input"] == "parcels") & (ev["problem"] == "sliver_parcel")]
    assert len(rej) == 10 and (rej["action"] == "rejected").all()
    assert {d.split(":")[0] for d in rej["detail"]} == slivers
    assert not result.parcels["parcel_id"].isin(slivers).any()
    # each repaired polygon: recorded and repaired areas, a warning beyond 10 %
    parcels = result.parcels
    rep = parcels[parcels["geometry_repaired"]]
    area_ev = ev[(ev["input"] == "parcels") & ev["problem"].isin(["repaired_area", "repaired_area_mismatch"])]
    assert sorted(area_ev["row"]) == sorted(rep["source_row"])
    gap = (rep["area_m2"] - rep["recorded_area_m2"]).abs() / rep["recorded_area_m2"]
    far = set(rep.loc[gap > RULES.value("qa.recorded_area_tolerance"), "source_row"])
    assert set(area_ev.loc[area_ev["problem"] == "repaired_area_mismatch", "row"]) == far and len(far) > 0
    # rows in the ledger are the rows a planner sees: the tax CSV's header is line 1
    tax_ev = ev[ev["input"] == "tax"].dropna(subset=["row"])
    assert (tax_ev["file_row"] == tax_ev["row"] + 1).all()
