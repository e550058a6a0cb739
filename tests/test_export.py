"""Exports: BOM csv with Chinese headers, xlsx sheets, gpkg round trip, shapefile field names."""

from __future__ import annotations

import csv
import io
import warnings

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from ruian_land import export, parks
from ruian_land.core import InputWarning
from ruian_land.export import writers
from ruian_land.rules import load_rules

X0, Y0 = 570_000.0, 3_083_000.0


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture
def candidates() -> gpd.GeoDataFrame:
    geoms = [box(X0 + i * 110, Y0, X0 + i * 110 + 100, Y0 + 100 + 50 * i) for i in range(4)]
    gdf = gpd.GeoDataFrame(
        {
            "parcel_id": [f"330381101002GB{k:05d}" for k in range(4)],
            "town": ["塘下镇", "塘下镇", "莘塍街道", None],
            "tax_per_mu": [3.5, np.nan, 8.25, 12.0],
            "is_low_efficiency": [True, False, True, False],
            "is_idle": [False, True, False, False],
            "reason_codes": ["TAX_LT_FLOOR;FAR_LT_MIN", "IDLE_NOT_STARTED", "PARK_TAX_LT_10", None],
            "reasons_zh": [
                "亩均税收低于5万元/亩；容积率低于1.0",
                "满一年未动工",
                "园区内亩均税收低于10万元/亩",
                None,
            ],
            "grant_date": pd.to_datetime(["2015-03-01", "2019-07-15", None, "2020-01-02"]),
            "year": pd.array([2021, 2022, None, 2023], dtype="Int64"),
            "remedy": ["exit", None, "upgrade", None],
            "remedy_zh": ["关停退出", None, "整治提升", None],
        },
        geometry=geoms,
        crs="EPSG:4549",
    )
    gdf["area_mu"] = gdf.area * 15 / 10_000  # 15, 22.5, 30, 37.5 亩
    return gdf


@pytest.fixture
def sites(candidates: gpd.GeoDataFrame, rules) -> gpd.GeoDataFrame:
    lines = gpd.GeoDataFrame(geometry=[box(X0 - 100, Y0 - 100, X0 + 1_000, Y0 + 1_000)], crs="EPSG:4549")
    return parks.candidate_sites(candidates, list(candidates["parcel_id"]), lines, rules)


def test_csv_has_bom_chinese_headers_and_clean_values(tmp_path, candidates) -> None:
    paths = export.write_exports(candidates, tmp_path, formats=("csv",))
    raw = paths["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["宗地代码", "所在乡镇", "亩均税收(万元/亩)", "低效用地"]
    assert "供地日期" in header and "面积(亩)" in header
    assert "整治方式 (remedy)" in header and "整治方式 (remedy_zh)" in header  # same label, told apart
    assert "geometry" not in header
    assert len(rows) == 1 + len(candidates)
    first = dict(zip(header, rows[1], strict=True))
    assert first["低效用地"] == "是" and first["闲置土地"] == "否"
    assert first["供地日期"] == "2015-03-01"
    assert first["实施年度"] == "2021"
    second = dict(zip(header, rows[2], strict=True))
    assert second["亩均税收(万元/亩)"] == "" and second["整治方式 (remedy)"] == ""
    assert rows[3][header.index("供地日期")] == ""  # NaT → empty


def test_xlsx_sheets_rows_and_frozen_header(tmp_path, candidates, sites, rules) -> None:
    assert len(sites) == 1  # the four parcels, 10 m apart, form one 105 亩 site
    paths = export.write_exports(candidates, tmp_path, sites=sites, formats=("xlsx",), rules=rules)
    wb = openpyxl.load_workbook(paths["xlsx"])
    assert wb.sheetnames == ["候选清单", "候选园区", "规则"]
    ws = wb["候选清单"]
    assert ws.max_row == 1 + len(candidates)
    assert ws.freeze_panes == "A2"
    assert ws["A1"].value == "宗地代码" and ws["A2"].value == "330381101002GB00000"
    header = [c.value for c in ws[1]]
    date_cell = ws.cell(row=2, column=header.index("供地日期") + 1)
    assert date_cell.is_date and date_cell.value.date().isoformat() == "2015-03-01"
    assert ws.column_dimensions["A"].width >= 19  # the 19-character parcel code fits
    assert wb["候选园区"].max_row == 2
    site_header = [c.value for c in wb["候选园区"][1]]
    assert {"候选园区编号", "排名", "控制线内面积(亩)", "宗地代码清单"} <= set(site_header)
    assert wb["规则"].max_row == 1 + len(rules)
    assert [c.value for c in wb["规则"][1]] == ["规则", "取值", "单位", "来源", "依据类别"]


def test_gpkg_round_trip_keeps_rows_area_and_english_names(tmp_path, candidates, sites) -> None:
    paths = export.write_exports(candidates, tmp_path, sites=sites, formats=("gpkg",))
    layers = dict(pyogrio.list_layers(paths["gpkg"]))
    assert set(layers) == {"candidates", "sites"}
    back = gpd.read_file(paths["gpkg"], layer="candidates")
    assert len(back) == len(candidates)
    assert back.crs.to_epsg() == 4549
    assert back["area_mu"].sum() == pytest.approx(105.0)  # 15 + 22.5 + 30 + 37.5
    assert (back.area * 15 / 10_000).sum() == pytest.approx(105.0)
    assert "parcel_id" in back.columns and "宗地代码" not in back.columns
    assert back["is_low_efficiency"].tolist() == [True, False, True, False]
    assert str(back["grant_date"].iloc[0])[:10] == "2015-03-01"
    s = gpd.read_file(paths["gpkg"], layer="sites")
    assert len(s) == 1 and s["area_mu"].iloc[0] == pytest.approx(105.0)


def test_shapefile_field_names_mapping_and_encoding(tmp_path, candidates) -> None:
    long = candidates.assign(reasons_zh="很长的原因说明" * 20)  # 420 bytes in UTF-8
    paths = export.write_exports(long, tmp_path, formats=("shp",))
    assert (tmp_path / "candidates.cpg").read_text().strip().upper() in {"UTF-8", "UTF8"}
    back = gpd.read_file(paths["shp"])
    names = [c for c in back.columns if c != "geometry"]
    assert all(len(c.encode()) <= 10 for c in names)
    assert "is_low_eff" in names and "reason_cod" in names
    assert back["town"].iloc[0] == "塘下镇"
    cut = back["reasons_zh"].iloc[0]
    assert 240 < len(cut.encode()) <= 254 and cut.startswith("很长的原因说明")  # DBF text limit
    mapping = paths["shp_fields"].read_text(encoding="utf-8").splitlines()
    assert mapping[0] == "short\tcolumn\tlabel_zh"
    assert "is_low_eff\tis_low_efficiency\t低效用地" in mapping
    assert len(back) == len(candidates)


def test_shapefile_field_names_are_unique() -> None:
    names = export.shapefile_field_names(["is_low_efficiency", "is_low_efficiency_x", "宗地代码", "a"])
    assert names == {
        "is_low_efficiency": "is_low_eff",
        "is_low_efficiency_x": "is_low_e_1",
        "宗地代码": "____",
        "a": "a",
    }


def test_plain_table_and_bad_format(tmp_path) -> None:
    plain = pd.DataFrame({"uscc": ["91330381MA2H000001"], "name": ["瑞安市测试有限公司"], "selected": [True]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = export.write_exports(plain, tmp_path, formats=("csv", "gpkg", "shp"))
    assert "shp" not in paths and any(issubclass(w.category, InputWarning) for w in caught)
    assert pd.read_csv(paths["csv"], encoding="utf-8-sig").columns.tolist() == [
        "统一社会信用代码",
        "企业名称",
        "纳入腾退方案",
    ]
    back = pyogrio.read_dataframe(paths["gpkg"], layer="candidates", read_geometry=False)
    assert back["uscc"].tolist() == ["91330381MA2H000001"]
    with pytest.raises(ValueError, match="unknown export formats"):
        export.write_exports(plain, tmp_path, formats=("pdf",))


def test_workbook_status_column_gets_a_drop_down(tmp_path) -> None:
    firms = pd.DataFrame({"uscc": ["A", "B", "C"], "status": ["待整治", "整治中", "已销号"]})
    parcels = pd.DataFrame({"parcel_id": ["P1"], "area_mu": [15.0], "status": ["待整治"]})
    allowed = ["待整治", "整治中", "已销号"]
    path = export.write_workbook(
        tmp_path / "l.xlsx",
        {"整治企业清单": firms, "整治宗地清单": parcels, "汇总": firms},
        choices={"整治企业清单": {"status": allowed}, "整治宗地清单": {"status": allowed, "absent": ["x"]}},
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["整治企业清单"]
    assert [c.value for c in ws[1]] == ["统一社会信用代码", "整治状态"]
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"待整治,整治中,已销号"'
    assert str(dv.sqref) == "B2:B4"  # the 3 data rows of the status column
    (dv,) = wb["整治宗地清单"].data_validations.dataValidation
    assert str(dv.sqref) == "C2"  # status is the 3rd column; the unknown column is skipped
    assert not wb["汇总"].data_validations.dataValidation  # no choices: no validation
    plain = export.write_workbook(tmp_path / "p.xlsx", {"整治企业清单": firms})
    assert not openpyxl.load_workbook(plain)["整治企业清单"].data_validations.dataValidation


def test_highlight_marks_overdue_texts_and_filled_columns_in_red(tmp_path):
    """Red conditional formats over the data rows: one per text, one per column; none on an empty sheet."""
    nodes = pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3"],
            "status": ["逾期", "正常", "节点逾期"],
            "shortfall": [1.5, np.nan, 0.2],
        }
    )
    path = export.write_workbook(
        tmp_path / "book.xlsx",
        {"挂图作战": nodes, "空": nodes.iloc[:0]},
        highlight={
            "挂图作战": export.Highlight(values=("逾期", "节点逾期"), columns=("shortfall", "absent")),
            "空": export.Highlight(values=("逾期",)),
        },
    )
    wb = openpyxl.load_workbook(path)
    rules = {
        str(cf.sqref): [(r.type, r.formula, r.dxf.font.color.rgb, r.dxf.fill.bgColor.rgb) for r in cf.rules]
        for cf in wb["挂图作战"].conditional_formatting
    }
    red = ("FFC00000", "FFFFC7CE")
    assert rules == {
        "A2:C4": [
            ("cellIs", ['"逾期"'], *red),
            ("cellIs", ['"节点逾期"'], *red),
        ],  # data rows 2..4, 3 columns
        "C2:C4": [("notContainsBlanks", ["LEN(TRIM(C2))>0"], *red)],  # shortfall; the absent column skipped
    }
    assert list(wb["空"].conditional_formatting) == []
    assert [c.value for c in wb["挂图作战"]["B"]][1:] == ["逾期", "正常", "节点逾期"]  # values untouched


def test_a_table_longer_than_a_sheet_continues_on_more_sheets(tmp_path, monkeypatch):
    """Beyond Excel's row limit (xlsxwriter drops those cells silently) the rows go on to name(2), …"""
    monkeypatch.setattr(writers, "EXCEL_DATA_ROWS", 3)
    frame = pd.DataFrame({"parcel_id": [f"P{i}" for i in range(7)], "area_mu": np.arange(7.0)})
    path = export.write_workbook(tmp_path / "long.xlsx", {"整治宗地清单": frame, "短": frame.iloc[:2]})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["整治宗地清单", "整治宗地清单(2)", "整治宗地清单(3)", "短"]
    ids = [c.value for name in wb.sheetnames[:3] for c in wb[name]["A"][1:]]
    assert ids == [f"P{i}" for i in range(7)]  # every row, in order, each sheet with its header
    assert all(wb[name]["A1"].value == wb["短"]["A1"].value for name in wb.sheetnames)
