"""Ingest: encodings, CRS, areas, table quirks (ruian_land.io). Values worked out by hand."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Polygon, box

from ruian_land.core import InputError, InputWarning, map_columns
from ruian_land.io import (
    load_inputs,
    parse_bool,
    parse_columns,
    parse_dates,
    parse_numbers,
    read_parcels,
    read_table,
)
from ruian_land.io.encoding import detect_encoding, normalise_encoding

# A 200 m × 200 m square in EPSG:4549 near Ruian (120.2°E, 27.7°N): 40 000 m² = 60 亩 exactly.
SQUARE = box(520_000, 3_070_000, 520_200, 3_070_200)
OWNER = "瑞安市甲鞋业有限公司"


def _write_gbk(path: Path, geoms: list, crs: int | None = 4549, **cols) -> Path:
    data = cols or {"宗地代码": ["330381101002GB00001"], "权利人": [OWNER], "土地用途": ["工业用地"]}
    gdf = gpd.GeoDataFrame(data, geometry=geoms, crs=crs)
    gdf.to_file(path, encoding="gbk", engine="pyogrio")
    path.with_suffix(".cpg").unlink()  # as delivered: no .cpg
    return path


def _no_input_warnings():
    return warnings.catch_warnings(record=True)


# --- read_parcels -----------------------------------------------------------------------------


def test_gbk_shapefile_without_cpg_is_detected_and_square_is_60_mu(tmp_path):
    shp = _write_gbk(tmp_path / "宗地.shp", [SQUARE])
    assert open(shp.with_suffix(".dbf"), "rb").read()[29] == 0  # no language byte either
    with pytest.warns(InputWarning, match="GBK"):
        gdf = read_parcels(shp)
    assert list(gdf.columns[:3]) == ["宗地代码", "权利人", "土地用途"]  # Chinese field names decoded
    assert gdf.loc[0, "权利人"] == OWNER
    assert gdf.attrs["encoding_source"] == "detected"
    assert CRS.from_user_input(gdf.crs).equals(CRS.from_epsg(4549))
    assert abs(gdf.loc[0, "area_mu"] - 60.0) / 60.0 < 1e-9
    assert gdf.loc[0, "area_m2"] == pytest.approx(40_000.0, rel=1e-12)
    assert gdf.loc[0, "source_row"] == 1


def test_explicit_encoding_is_used_once_without_warning(tmp_path):
    shp = _write_gbk(tmp_path / "a.shp", [SQUARE])
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        gdf = read_parcels(shp, encoding="gbk")
    assert gdf.loc[0, "权利人"] == OWNER  # decoded once: a second decode would give mojibake
    assert gdf.attrs["encoding"] == "gbk" and gdf.attrs["encoding_source"] == "explicit"


def test_lying_cpg_is_overridden_by_explicit_encoding_and_caught_without_it(tmp_path):
    shp = _write_gbk(tmp_path / "a.shp", [SQUARE])
    shp.with_suffix(".cpg").write_text("UTF-8")
    assert read_parcels(shp, encoding="gbk").loc[0, "权利人"] == OWNER
    with pytest.warns(InputWarning, match=r"\.cpg file says 'UTF-8'"):
        gdf = read_parcels(shp)
    assert gdf.loc[0, "权利人"] == OWNER


def test_truthful_cpg_and_language_byte_are_used_silently(tmp_path):
    shp = _write_gbk(tmp_path / "a.shp", [SQUARE])
    shp.with_suffix(".cpg").write_text("GBK")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        assert read_parcels(shp).attrs["encoding_source"] == "cpg"
    shp.with_suffix(".cpg").unlink()
    dbf = bytearray(shp.with_suffix(".dbf").read_bytes())
    dbf[29] = 0x4D  # cp936 language driver
    shp.with_suffix(".dbf").write_bytes(bytes(dbf))
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        gdf = read_parcels(shp)
    assert gdf.attrs["encoding_source"] == "ldid" and gdf.loc[0, "权利人"] == OWNER


def test_square_written_in_lon_lat_reprojects_to_60_mu(tmp_path):
    # Build the square in EPSG:4549, move its vertices to EPSG:4490 (lon/lat), write, read back.
    # The reader reprojects vertices only, so the edges are straight again in EPSG:4549 and the
    # area is recovered up to the floating-point round trip through lon/lat (measured ≈ 3e-13).
    # The looser 1e-6 bound leaves room for other PROJ pipelines (e.g. densified or grid-based
    # transformations); a square built *in* lon/lat would not be a square in metres at all.
    to_ll = Transformer.from_crs(4549, 4490, always_xy=True)
    ll = shapely.transform(SQUARE, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
    shp = _write_gbk(tmp_path / "ll.shp", [ll], crs=4490)
    with pytest.warns(InputWarning):
        gdf = read_parcels(shp)
    assert abs(gdf.loc[0, "area_mu"] - 60.0) / 60.0 < 1e-6
    assert gdf.geometry[0].bounds == pytest.approx(SQUARE.bounds, abs=1e-6)


def test_esri_prj_of_cgcs2000_gk_is_recognised(tmp_path):
    shp = _write_gbk(tmp_path / "a.shp", [SQUARE])
    prj = shp.with_suffix(".prj").read_text()
    assert "CGCS2000_3_Degree_GK_CM_120E" in prj  # ESRI WKT, not EPSG WKT
    gdf = read_parcels(shp, encoding="gbk")
    assert gdf.geometry[0].bounds == SQUARE.bounds  # no reprojection happened


def test_missing_prj_is_refused_and_explicit_crs_accepted(tmp_path):
    shp = _write_gbk(tmp_path / "noprj.shp", [SQUARE])
    shp.with_suffix(".prj").unlink()
    with pytest.raises(InputError, match="no CRS") as err:
        read_parcels(shp, encoding="gbk")
    assert "noprj.shp" in str(err.value) and "EPSG:4549" in str(err.value)
    gdf = read_parcels(shp, encoding="gbk", crs="EPSG:4549")
    assert gdf.loc[0, "area_mu"] == pytest.approx(60.0, rel=1e-12)


def test_wrong_prj_is_caught_by_plausibility_and_explicit_crs_wins(tmp_path):
    # metres written under a lon/lat .prj: the coordinates cannot be degrees in Zhejiang
    gdf = gpd.GeoDataFrame({"宗地号": ["X1"]}, geometry=[SQUARE], crs=4490)
    gdf.to_file(tmp_path / "wrong.shp", encoding="utf-8")
    with pytest.raises(InputError, match="outside Zhejiang"):
        read_parcels(tmp_path / "wrong.shp")
    with pytest.warns(InputWarning, match="config says"):
        fixed = read_parcels(tmp_path / "wrong.shp", crs="EPSG:4549")
    assert fixed.loc[0, "area_mu"] == pytest.approx(60.0, rel=1e-12)


def test_utf8_field_names_cut_mid_character_are_repaired(tmp_path):
    # GDAL/ArcGIS cut DBF names at 10 bytes: 宗地代码 is 12 bytes in UTF-8 -> b"宗地代\xe7"
    gdf = gpd.GeoDataFrame({"宗地代码": ["X1"], "用途": ["工业用地"]}, geometry=[SQUARE], crs=4549)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gdf.to_file(tmp_path / "u.shp", encoding="utf-8")
    with pytest.warns(InputWarning, match="cut inside a character"):
        out = read_parcels(tmp_path / "u.shp")
    assert list(out.columns[:2]) == ["宗地代", "用途"] and out.loc[0, "用途"] == "工业用地"


def test_null_geometry_does_not_crash(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"宗地代码": ["A", "B"], "权利人": [OWNER, "乙"], "土地用途": ["工业用地", "工业用地"]},
        geometry=[SQUARE, None],
        crs=4549,
    )
    gdf.to_file(tmp_path / "n.gpkg")
    out = read_parcels(tmp_path / "n.gpkg")
    assert out.loc[0, "area_mu"] == pytest.approx(60.0)
    assert out.geometry[1] is None and np.isnan(out.loc[1, "area_mu"])
    assert out["source_row"].tolist() == [1, 2]


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(InputError, match="not found") as err:
        read_parcels(tmp_path / "nope.shp")
    assert "nope.shp" in str(err.value)


# --- encodings ------------------------------------------------------------------------------


def test_detection_refuses_ambiguous_and_undecodable_bytes():
    assert detect_encoding(["宗地面积瑞安".encode()], source="x").encoding == "utf-8"
    assert detect_encoding(["宗地面积瑞安".encode("gbk")], source="x").encoding == "gb18030"
    assert detect_encoding([b"plain"], source="x").source == "ascii"
    with pytest.raises(InputError, match="both"):
        detect_encoding(["瑞安".encode()], source="x")  # 6 bytes: valid UTF-8 and valid GBK
    with pytest.raises(InputError, match="neither"):
        detect_encoding([b"\xff\xfe\x80\x80\xff"], source="x")
    assert normalise_encoding("936") == "gbk" and normalise_encoding("ANSI 936") == "gbk"
    assert normalise_encoding("UTF-8") == "utf-8" and normalise_encoding("88591") == "iso8859-1"


# --- read_table -------------------------------------------------------------------------------

TAX_CSV = (
    "纳税人识别号,纳税人名称,所属年度,实缴税收(万元)\n"
    '91330381MA2000001X,瑞安市甲鞋业有限公司,2021,"1,234.56"\n'
    "91330381MA2000002X,瑞安市乙阀门有限公司,2021,—\n"
    "91330381MA2000003X,瑞安市丙汽配有限公司,2021,78.9\n"
    '合计,,,"1,313.46"\n'
)


def test_gbk_csv_with_thousands_dash_and_totals_row(tmp_path):
    path = tmp_path / "税收.csv"
    path.write_bytes(TAX_CSV.encode("gbk"))
    with pytest.warns(InputWarning, match="GBK"):
        df = read_table(path)
    assert list(df.columns) == ["纳税人识别号", "纳税人名称", "所属年度", "实缴税收(万元)", "source_row"]
    assert len(df) == 3 and df["source_row"].tolist() == [1, 2, 3]
    assert df.loc[1, "纳税人名称"] == "瑞安市乙阀门有限公司"
    assert df.attrs["dropped_rows"] == [
        {"row": 4, "problem": "totals_row", "detail": "'合计' row, not a firm"}
    ]
    assert df.attrs["rows_in"] == 4
    tax = parse_numbers(df["实缴税收(万元)"])
    assert tax[0] == 1234.56 and np.isnan(tax[1]) and tax[2] == 78.9
    assert tax.attrs["unparsed"] == []
    # explicit encoding wins and is not second-guessed
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        assert read_table(path, encoding="gbk").attrs["encoding_source"] == "explicit"


def test_csv_title_row_and_blank_parent_two_row_header(tmp_path):
    text = (
        "2021年排放统计表,,,\n"
        "统一社会信用代码,企业名称,排放量,\n"
        ",,化学需氧量(吨),氨氮(吨)\n"
        "91330381MA2000001X,甲,1.5,0.25\n"
    )
    path = tmp_path / "e.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    df = read_table(path)
    assert list(df.columns[:4]) == ["统一社会信用代码", "企业名称", "化学需氧量(吨)", "氨氮(吨)"]
    assert df.attrs["header_rows"] == [2, 3] and df.attrs["encoding_source"] == "bom"
    assert df.loc[0, "氨氮(吨)"] == "0.25"


def _energy_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "能耗"
    ws.append(["2021年规上工业企业能耗情况表", None, None, None, None])
    ws.merge_cells("A1:E1")
    ws.append(["统一社会信用代码", "企业名称", "能源消费", None, None])
    ws.append([None, None, "用电量(万千瓦时)", "天然气(万立方米)", "原煤(吨)"])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:E2")
    ws.append(["91330381MA2000001X", "瑞安市甲鞋业有限公司", 12.5, "—", 300])
    ws.append(["91330381MA2000002X", "瑞安市乙阀门有限公司", "1,050.2", 0.8, None])
    ws.append(["合计", None, 1062.7, 0.8, 300])
    wb.save(path)
    return path


def test_xlsx_title_row_and_merged_two_row_header(tmp_path):
    df = read_table(_energy_xlsx(tmp_path / "能耗.xlsx"))
    assert list(df.columns) == [
        "统一社会信用代码",
        "企业名称",
        "用电量(万千瓦时)",
        "天然气(万立方米)",
        "原煤(吨)",
        "source_row",
    ]
    assert df.attrs["header_rows"] == [2, 3] and df.attrs["first_data_line"] == 4
    assert len(df) == 2 and df.attrs["dropped_rows"][0]["row"] == 3
    mapped = map_columns(df, "energy", source="能耗.xlsx")
    parsed, issues = parse_columns(mapped, "energy")
    assert issues == []
    # 万千瓦时 × 10⁴ → kWh, 万立方米 × 10⁴ → m³
    assert parsed["elec_kwh"].tolist() == [125_000.0, 10_502_000.0]
    assert np.isnan(parsed.loc[0, "gas_m3"]) and parsed.loc[1, "gas_m3"] == 8_000.0
    assert parsed.loc[0, "coal_t"] == 300.0 and np.isnan(parsed.loc[1, "coal_t"])


def test_unknown_sheet_and_xls_without_reader(tmp_path):
    path = _energy_xlsx(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="sheet '表2' not found"):
        read_table(path, sheet="表2")
    assert len(read_table(path, sheet="能耗")) == 2
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    try:
        import xlrd  # noqa: F401
    except ImportError:
        with pytest.raises(InputError, match="xlsx"):
            read_table(tmp_path / "old.xls")


# --- cell parsers -----------------------------------------------------------------------------


def test_parse_numbers_dates_bools_by_hand():
    nums = parse_numbers(pd.Series(["1,234.5", "—", "-", "", "/", None, "（12）", "１２", "5%", "abc", 7]))
    expect = [1234.5, np.nan, np.nan, np.nan, np.nan, np.nan, -12.0, 12.0, 0.05, np.nan, 7.0]
    np.testing.assert_array_equal(nums.to_numpy(), np.array(expect))
    assert nums.attrs["unparsed"] == [9]
    dates = parse_dates(
        pd.Series(["2019-03-01", "2019/3/1", "2019年3月1日", "20190301", 43525, "2019.03", "x", None])
    )
    assert dates.dtype == "datetime64[ns]"
    assert dates[:5].tolist() == [pd.Timestamp("2019-03-01")] * 5  # 43525 = Excel serial of 2019-03-01
    assert dates[5] == pd.Timestamp("2019-03-01") and pd.isna(dates[6]) and pd.isna(dates[7])
    assert dates.attrs["unparsed"] == [6]
    flags = parse_bool(pd.Series(["是", "否", "Y", "n", 1, 0, "规上", "规下", "", "也许"]))
    assert flags.tolist() == [True, False, True, False, True, False, True, False, pd.NA, pd.NA]
    assert flags.attrs["unparsed"] == [9]


def test_parse_dates_reads_9999_12_31_as_no_date_not_a_crash():
    import datetime as dt

    cells = ["9999-12-31", dt.datetime(9999, 12, 31), "1600-01-01", "2021-05-06", "长期"]
    dates = parse_dates(pd.Series(cells))
    assert dates.isna().tolist() == [True, True, True, False, True]
    assert dates[3] == pd.Timestamp("2021-05-06")
    assert dates.attrs["open_ended"] == [0, 1]  # 长期 placeholders: no date
    assert dates.attrs["unparsed"] == [2, 4]  # 1600 and 长期 as words: unreadable


def test_parse_columns_notes_the_9999_placeholder_in_a_tiny_contract_table():
    raw = pd.DataFrame(
        {"宗地代码": ["A1", "A2"], "约定达产日期": ["9999-12-31", "2024-03-01"], "source_row": [1, 2]}
    )
    mapped = map_columns(raw, "standard_land_contracts", source="contracts.xlsx")
    parsed, issues = parse_columns(mapped, "standard_land_contracts")
    assert pd.isna(parsed["full_production_date"].iloc[0])
    assert parsed["full_production_date"].iloc[1] == pd.Timestamp("2024-03-01")
    [note] = [i for i in issues if i["problem"] == "open_ended_date"]
    assert note["row"] == 1 and note["column"] == "full_production_date" and note["action"] == "kept"
    assert "'9999-12-31'" in note["detail"] and "长期/no date" in note["detail"]


# --- load_inputs ------------------------------------------------------------------------------


def test_load_inputs_maps_parses_and_names_missing_files(tmp_path):
    from ruian_land.config import load_config

    _write_gbk(tmp_path / "宗地.shp", [SQUARE])
    (tmp_path / "税收.csv").write_bytes(TAX_CSV.encode("gbk"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "行业代码", "企业规模"])
    ws.append(["91330381MA2000001X", OWNER, 1951, "规上"])
    wb.save(tmp_path / "名录.xlsx")
    yaml = (
        "sources:\n"
        "  parcels: {path: 宗地.shp, encoding: gbk}\n"
        "  registry: {path: 名录.xlsx}\n"
        "  tax: {path: 税收.csv, encoding: gbk}\n"
    )
    (tmp_path / "project.yaml").write_text(yaml, encoding="utf-8")
    inputs = load_inputs(load_config(tmp_path / "project.yaml"))
    assert inputs.parcels.loc[0, "parcel_id"] == "330381101002GB00001"
    assert inputs.parcels.loc[0, "owner_name"] == OWNER and inputs.parcels.loc[0, "area_mu"] == 60.0
    assert inputs.registry.loc[0, "industry_code"] == "1951" and bool(inputs.registry.loc[0, "above_scale"])
    assert inputs.tax["tax_wan"].tolist()[0] == 1234.56 and np.isnan(inputs.tax.loc[1, "tax_wan"])
    assert inputs.tax["year"].tolist() == [2021, 2021, 2021]
    assert inputs.rows_in == {"parcels": 1, "registry": 1, "tax": 4}
    assert inputs.dropped[["input", "row", "problem"]].values.tolist() == [["tax", 4, "totals_row"]]
    (tmp_path / "project.yaml").write_text(yaml.replace("税收.csv", "税收2021.csv"), encoding="utf-8")
    with pytest.raises(InputError, match="sources: tax: path") as err:
        load_inputs(load_config(tmp_path / "project.yaml"))
    assert "税收2021.csv" in str(err.value)


@pytest.mark.filterwarnings("ignore::ruian_land.core.errors.InputWarning")
def test_load_inputs_missing_required_column_names_it(tmp_path):
    from ruian_land.config import load_config

    _write_gbk(tmp_path / "p.shp", [SQUARE])
    (tmp_path / "t.csv").write_text("纳税人识别号,税款\nX,1\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text(
        "统一社会信用代码,企业名称,行业代码,企业规模\nX,甲,1951,规上\n", encoding="utf-8"
    )
    (tmp_path / "project.yaml").write_text(
        "sources:\n  parcels: {path: p.shp, encoding: gbk}\n  registry: {path: r.csv}\n  tax: {path: t.csv}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="tax_wan") as err:
        load_inputs(load_config(tmp_path / "project.yaml"))
    assert "t.csv" in str(err.value)


def test_polygon_with_hole_area(tmp_path):
    # 200 × 200 square with a 100 × 100 hole: 30 000 m² = 45 亩
    poly = Polygon(
        SQUARE.exterior.coords,
        [[(520_050, 3_070_050), (520_150, 3_070_050), (520_150, 3_070_150), (520_050, 3_070_150)]],
    )
    gpd.GeoDataFrame({"宗地代码": ["H"]}, geometry=[poly], crs=4549).to_file(tmp_path / "h.gpkg")
    assert read_parcels(tmp_path / "h.gpkg").loc[0, "area_mu"] == pytest.approx(45.0, rel=1e-12)


# --- more delivery traps ----------------------------------------------------------------------------


def test_ambiguous_dbf_encoding_is_refused_until_stated(tmp_path):
    # "瑞安" in UTF-8 is 6 bytes that also decode as GBK (as "鐟炲畨"): too short to tell
    gdf = gpd.GeoDataFrame({"name": ["瑞安"]}, geometry=[SQUARE], crs=4549)
    gdf.to_file(tmp_path / "amb.shp", encoding="utf-8")
    (tmp_path / "amb.cpg").unlink()
    with pytest.raises(InputError, match="cannot tell the encoding") as err:
        read_parcels(tmp_path / "amb.shp")
    assert "encoding: gbk or encoding: utf-8" in str(err.value)
    assert read_parcels(tmp_path / "amb.shp", encoding="utf-8").loc[0, "name"] == "瑞安"
    assert read_parcels(tmp_path / "amb.shp", encoding="gbk").loc[0, "name"] == "鐟炲畨"  # as told, once


def test_bare_json_array_of_features(tmp_path):
    import json

    ll = gpd.GeoSeries([SQUARE], crs=4549).to_crs(4326).iloc[0]
    feats = [
        {
            "type": "Feature",
            "properties": {"name": "甲", "center": [120.6, 27.8]},
            "geometry": ll.__geo_interface__,
        }
    ]
    path = tmp_path / "datav.json"
    path.write_text(json.dumps(feats, ensure_ascii=False), encoding="utf-8")
    with pytest.warns(InputWarning, match="bare JSON array of 1 features"):
        gdf = read_parcels(path)
    assert gdf.loc[0, "name"] == "甲" and gdf.loc[0, "center"] == "[120.6, 27.8]"
    assert gdf.loc[0, "area_mu"] == pytest.approx(60.0, rel=1e-9)
    path.write_text(json.dumps([{"type": "Polygon"}]), encoding="utf-8")
    with pytest.raises(InputError, match="not a GeoJSON Feature"):
        read_parcels(path)


def test_multi_layer_source_warns_and_layer_picks(tmp_path):
    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame({"宗地代码": ["A"]}, geometry=[SQUARE], crs=4549).to_file(path, layer="宗地")
    small = box(520_000, 3_070_000, 520_100, 3_070_100)
    gpd.GeoDataFrame({"名称": ["园区"]}, geometry=[small], crs=4549).to_file(path, layer="园区")
    with pytest.warns(InputWarning, match=r"2 layers \['宗地', '园区'\]; reading the first"):
        first = read_parcels(path)
    assert first.loc[0, "area_mu"] == pytest.approx(60.0) and first.attrs["layer"] == "宗地"
    assert read_parcels(path, layer="园区").loc[0, "area_mu"] == pytest.approx(15.0)


@pytest.mark.parametrize(
    ("shift", "hint"),
    [(0, "Gauss-Krüger metres (e.g. EPSG:4549)"), (40_000_000, "zone-prefixed Gauss-Krüger metres")],
)
def test_missing_prj_error_says_what_the_coordinates_look_like(tmp_path, shift, hint):
    geom = shapely.affinity.translate(SQUARE, xoff=shift)
    shp = _write_gbk(tmp_path / "p.shp", [geom], crs=4549 if not shift else 4528)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(InputError, match=re.escape(hint)):
        read_parcels(shp, encoding="gbk")


def test_zone_prefixed_4528_prj_is_converted_to_4549(tmp_path):
    geom = shapely.affinity.translate(SQUARE, xoff=40_000_000)
    shp = _write_gbk(tmp_path / "z.shp", [geom], crs=4528)
    gdf = read_parcels(shp, encoding="gbk")
    assert gdf.geometry[0].bounds == pytest.approx(SQUARE.bounds, abs=1e-6)
    assert gdf.loc[0, "area_mu"] == pytest.approx(60.0, rel=1e-9)
    # the same 8-digit eastings under the CM CRS EPSG:4549: mislabelled, refused
    with pytest.raises(InputError, match="8 digits"), pytest.warns(InputWarning, match="zone 40"):
        read_parcels(shp, encoding="gbk", crs="EPSG:4549")


def test_one_zone_off_crs_is_refused_and_a_wider_layer_warns(tmp_path):
    # eastern-Ruian metres (120.72°E) declared as CGCS2000 CM 123E (EPSG:4550): land at ~123.72°E,
    # off Zhejiang. (Western Ruian, 120.2°E, would land at 123.2°E, still inside the generous box
    # that must keep Zhejiang's easternmost islands: such a shift is not detectable from lon/lat.)
    east = shapely.affinity.translate(SQUARE, xoff=50_000)
    gdf = gpd.GeoDataFrame({"宗地代码": ["A"]}, geometry=[east], crs=4550)
    with pytest.raises(InputError, match="outside Zhejiang"):
        read_parcels(_gpkg(tmp_path / "off.gpkg", gdf))
    # three Ruian squares and one in Fuzhou (119.3°E, 26.1°N): kept, with a warning naming 1 of 4
    fz = gpd.GeoSeries([box(119.30, 26.08, 119.31, 26.09)], crs=4490).to_crs(4549).iloc[0]
    geoms = [shapely.affinity.translate(SQUARE, xoff=300 * i) for i in range(3)] + [fz]
    wide = gpd.GeoDataFrame({"宗地代码": list("ABCD")}, geometry=geoms, crs=4549)
    with pytest.warns(InputWarning, match="1 of 4 features lie outside Zhejiang"):
        out = read_parcels(_gpkg(tmp_path / "wide.gpkg", wide))
    assert len(out) == 4


def _gpkg(path: Path, gdf: gpd.GeoDataFrame) -> Path:
    gdf.to_file(path)
    return path


def test_missing_required_column_lists_closest_headers():
    raw = pd.DataFrame({"纳税人识别号": ["X"], "实缴税额（万元）": ["1"], "备注": ["-"]})
    with pytest.raises(InputError) as err:
        map_columns(raw, "tax", source="税收.xlsx")
    msg = str(err.value)
    assert "税收.xlsx" in msg and "column 'tax_wan'" in msg
    assert "closest headers found: ['实缴税额（万元）'" in msg
    mapped = map_columns(raw, "tax", source="税收.xlsx", extra_aliases={"tax_wan": ["实缴税额(万元)"]})
    assert "tax_wan" in mapped.columns and mapped.attrs["source_columns"]["tax_wan"] == "实缴税额（万元）"


def test_units_in_headers_scale_after_parsing(tmp_path):
    text = '统一社会信用代码,企业名称,用电量（万千瓦时）,天然气(立方米)\nX1,甲,"1,234.5",—\nX2,乙,,8\n合计,,1234.5,8\n'
    path = tmp_path / "能耗.csv"
    path.write_bytes(text.encode("gbk"))
    df = read_table(path, encoding="gbk")
    parsed, issues = parse_columns(map_columns(df, "energy", source="能耗.csv"), "energy")
    # the blank 用电量 of data row 2 is reported (not reported ≠ 0); the optional gas column is not
    assert [(i["row"], i["column"], i["problem"]) for i in issues] == [(2, "elec_kwh", "missing_value")]
    assert len(parsed) == 2
    assert parsed.loc[0, "elec_kwh"] == 12_345_000.0 and np.isnan(parsed.loc[1, "elec_kwh"])
    assert np.isnan(parsed.loc[0, "gas_m3"]) and parsed.loc[1, "gas_m3"] == 8.0
    assert df.attrs["dropped_rows"][0]["problem"] == "totals_row"


def test_load_inputs_reads_a_points_source_and_converts_gcj02(tmp_path):
    from ruian_land.config import ProjectConfig, SourceConfig
    from ruian_land.core import convert_lonlat
    from ruian_land.validate import validate_inputs

    _write_gbk(tmp_path / "宗地.shp", [SQUARE])
    (tmp_path / "税收.csv").write_bytes(TAX_CSV.encode("gbk"))
    (tmp_path / "名录.csv").write_text(
        "统一社会信用代码,企业名称,行业代码,企业规模\n91330381MA2000001X,甲,1951,规上\n", encoding="utf-8-sig"
    )
    to_ll = Transformer.from_crs(4549, 4326, always_xy=True)
    lon, lat = convert_lonlat(*to_ll.transform([520_100.0], [3_070_100.0]), "gcj02", to="source")
    (tmp_path / "点位.csv").write_text(
        f"统一社会信用代码,经度,纬度\n91330381MA2000001X,{lon[0]:.8f},{lat[0]:.8f}\n"
        "91330381MA2000009X,,\n91330381MA2000001X,27.8,120.6\n",
        encoding="utf-8-sig",
    )
    src = {
        "parcels": SourceConfig(path=Path("宗地.shp"), encoding="gbk"),
        "registry": SourceConfig(path=Path("名录.csv")),
        "tax": SourceConfig(path=Path("税收.csv"), encoding="gbk"),
        # 'points' is not yet a SourceName in ProjectConfig: constructed without validation here
        "points": SourceConfig.model_construct(
            path=Path("点位.csv"), coords="gcj02", encoding=None, sheet=None
        ),
    }
    cfg = ProjectConfig.model_construct(sources=src, root=tmp_path, columns={}, data_year=2021)
    inputs = load_inputs(cfg)
    pts = inputs.points
    assert pts is not None and inputs.rows_in["points"] == 3 and inputs.meta["points"]["coords"] == "gcj02"
    assert pts.geometry[0].distance(shapely.Point(520_100, 3_070_100)) < 0.05
    clean = validate_inputs(inputs)
    led = clean.ledger.to_frame()
    ev = led[led["input"] == "points"].set_index("row")
    assert ev.loc[2, "problem"] == "missing_geometry"
    row3 = led[(led["input"] == "points") & (led["row"] == 3)]
    assert row3["problem"].tolist() == ["unparseable_value", "missing_geometry"]
    assert "look swapped" in row3["detail"].iloc[0] and row3["action"].tolist() == ["kept", "rejected"]
    assert row3["file"].iloc[0].endswith("点位.csv")
    assert clean.ledger.summary()["points"] == {"rows_in": 3, "kept": 1, "repaired": 0, "rejected": 2}
    assert clean.points is not None and clean.points["uscc"].tolist() == ["91330381MA2000001X"]


def test_xls_with_merged_two_row_header_when_xlrd_is_installed(tmp_path):
    pytest.importorskip("xlrd", reason="reading .xls needs the optional package xlrd")
    xlwt = pytest.importorskip("xlwt", reason="writing the .xls fixture needs xlwt (test-only)")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("能耗")
    ws.write_merge(0, 0, 0, 3, "2021年能耗表")
    ws.write_merge(1, 2, 0, 0, "统一社会信用代码")
    ws.write_merge(1, 2, 1, 1, "企业名称")
    ws.write_merge(1, 1, 2, 3, "能源消费")
    ws.write(2, 2, "用电量(万千瓦时)")
    ws.write(2, 3, "原煤(吨)")
    for c, v in enumerate(["91330381MA2000001X", "甲", 12.5, "—"]):
        ws.write(3, c, v)
    ws.write(4, 0, "合计")
    ws.write(4, 2, 12.5)
    wb.save(str(tmp_path / "能耗.xls"))
    df = read_table(tmp_path / "能耗.xls")
    assert df.attrs["header_rows"] == [2, 3] and df.attrs["dropped_rows"][0]["problem"] == "totals_row"
    parsed, _ = parse_columns(map_columns(df, "energy"), "energy")
    assert parsed["elec_kwh"].tolist() == [125_000.0] and np.isnan(parsed.loc[0, "coal_t"])


def test_unknown_crs_in_the_config_is_a_user_mistake(tmp_path):
    shp = _write_gbk(tmp_path / "p.shp", [SQUARE])
    with pytest.raises(InputError, match="unknown CRS 'EPSG:45490'") as err:
        read_parcels(shp, encoding="gbk", crs="EPSG:45490")
    assert "p.shp" in str(err.value) and "EPSG:4549" in str(err.value)


def test_load_inputs_reads_sources_without_a_schema_as_plain_tables(tmp_path):
    from ruian_land.config import ProjectConfig, SourceConfig

    _write_gbk(tmp_path / "宗地.shp", [SQUARE])
    (tmp_path / "税收.csv").write_bytes(TAX_CSV.encode("gbk"))
    (tmp_path / "名录.csv").write_text(
        "统一社会信用代码,企业名称,行业代码,企业规模\n91330381MA2000001X,甲,1951,规上\n", encoding="utf-8-sig"
    )
    (tmp_path / "上年等级.csv").write_bytes(
        "统一社会信用代码,评价等级\n91330381MA2000001X,D\n合计,1\n".encode("gbk")
    )
    src = {
        "parcels": SourceConfig(path=Path("宗地.shp"), encoding="gbk"),
        "registry": SourceConfig(path=Path("名录.csv")),
        "tax": SourceConfig(path=Path("税收.csv"), encoding="gbk"),
        "previous_classes": SourceConfig.model_construct(
            path=Path("上年等级.csv"), encoding="gbk", sheet=None
        ),
    }
    cfg = ProjectConfig.model_construct(sources=src, root=tmp_path, columns={}, data_year=2021)
    inputs = load_inputs(cfg)
    prev = inputs.other["previous_classes"]
    assert prev["评价等级"].tolist() == ["D"] and prev.attrs["dropped_rows"][0]["problem"] == "totals_row"
    assert inputs.meta["previous_classes"]["encoding"] == "gbk"
    assert "previous_classes" not in inputs.frames()


def test_parse_dates_column_wise_equals_the_cell_rule():
    """Texts and numbers are read column-wise (Arrow, numpy); every cell gets what the per-cell
    rule ``parse._date`` gives it, the unreadable and open-ended labels included, in order."""
    import datetime as dt

    from ruian_land.io.parse import _date

    cells = [
        "2019-03-01", "2019/3/1", "2019.3.1", "2019年3月1日", "2019年3月", "20190301", "2019-03",
        " 2019 - 3 - 1 ", "２０１９－０３－０１", "2019-02-30", "2019-13-01", "99991231", "9999-12-31",
        "1500-01-01", "0000-01-01", "abc", "", None, np.nan, "2019-3-1xyz", "2019-1-100", "2019-3-",
        20190301, 20190301.0, 43466, 43466.7, 0, -5, 1e12, np.inf, True, np.int16(5), np.float32(43466),
        dt.datetime(2019, 3, 1, 5), pd.Timestamp("1500-01-01"), dt.date(2020, 1, 1), "2262-04-11",
        "2262-04-12", "1677-12-31", "2261-12-31", "١٢٣٤-01-01", 21001231, 19000101, "2020-2-29", "2021-2-29",
    ]  # fmt: skip
    raw = pd.Series(cells, dtype=object, index=range(100, 100 + len(cells)))
    got = parse_dates(raw)
    expected, bad, far = [], [], []
    for label, value in raw.items():
        ts = _date(value)
        if ts is None:
            bad.append(label)
        elif not pd.isna(ts):
            try:
                ts = pd.Timestamp(ts).as_unit("ns")
            except (OverflowError, pd.errors.OutOfBoundsDatetime):
                (far if pd.Timestamp(ts).year >= 2262 else bad).append(label)
                ts = None
        expected.append(pd.NaT if ts is None or pd.isna(ts) else ts)
    want = pd.Series(expected, index=raw.index, dtype="datetime64[ns]")
    pd.testing.assert_series_equal(got, want, check_names=False)
    assert got.attrs["unparsed"] == bad and got.attrs["open_ended"] == far
    # worked by hand: Excel serial 43466 = 2019-01-01; 2019年3月 = the 1st; 30 February is no day
    assert got[100 + cells.index(43466)] == pd.Timestamp("2019-01-01")
    assert got[104] == pd.Timestamp("2019-03-01") and 109 in bad and far == [111, 112, 137]
