"""Validation and the ledger on a tiny project with faults planted by hand (ruian_land.validate)."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from ruian_land.config import load_config
from ruian_land.core import USCC_ALPHABET, InputWarning, Ledger, uscc_check_char
from ruian_land.io import load_inputs
from ruian_land.validate import normalise_parcel_id, validate_inputs

X0, Y0 = 520_000.0, 3_070_000.0


def code(n: int) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check character)."""
    first17 = f"91330381MA2{n:06d}"
    return first17 + uscc_check_char(first17)


def bad(n: int) -> str:
    """The same code with a wrong check character."""
    good = code(n)
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(good[-1]) + 1) % 31]
    return good[:-1] + wrong


A, B, C, D, E, F, X = (code(i) for i in range(1, 8))
E_BAD = bad(5)


def _xlsx(path: Path, rows: list[list], title: str | None = None) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    for r in rows:
        ws.append(r)
    wb.save(path)


def _sq(x: float, y: float, w: float, h: float) -> Polygon:
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def make_project(root: Path) -> Path:
    """Write a faulty sample project; the expected ledger is worked out in the tests below."""
    bowtie = Polygon([(X0 + 300, Y0), (X0 + 400, Y0 + 100), (X0 + 400, Y0), (X0 + 300, Y0 + 100)])
    parcels = gpd.GeoDataFrame(
        {
            "宗地代码": ["P001", "P002", "P003", "P001", "P004", "P004", "", "P005"],
            "权利人": ["甲公司", "乙公司", "丙公司", "甲公司", "丙公司", "丙公司", "无名", "丁公司"],
            "权利人代码": [A, B, C, A, C, C, "", bad(4)],
            "土地用途": ["工业用地"] * 8,
            "宗地面积": [40_000.0, 5_000.0, 1.0, 40_000.0, 20_000.0, 5_000.0, 1.0, 10_000.0],
        },
        geometry=[
            _sq(0, 0, 200, 200),  # 1 P001 kept, 60 亩
            bowtie,  # 2 P002 invalid → repaired (two triangles, 5 000 m²)
            None,  # 3 no geometry → rejected
            _sq(0, 0, 200, 200),  # 4 P001 again, same polygon → rejected duplicate
            _sq(500, 0, 100, 100),  # 5 P004 kept, recorded 20 000 vs 10 000 m² → noted
            _sq(500, 0, 100, 50),  # 6 P004 again, other polygon → rejected conflicting
            _sq(700, 0, 10, 10),  # 7 blank 宗地代码 → rejected
            _sq(800, 0, 100, 100),  # 8 P005 kept; owner code fails its check
        ],
        crs=4549,
    )
    parcels.to_file(root / "宗地.shp", encoding="gbk")
    (root / "宗地.cpg").unlink()
    reg_head = ["统一社会信用代码", "企业名称", "行业代码", "企业规模", "欠税"]
    _xlsx(
        root / "名录.xlsx",
        [
            reg_head,
            [A, "甲公司", "C1951", "规上", "否"],  # 1 (section letter removed → repaired)
            [B, "乙公司", 3311, "规下", None],  # 2
            [C, "丙公司", 3311, "规上", None],  # 3
            [D, "丁公司", 3411, "规下", None],  # 4
            [E_BAD, "戊公司", 3411, "规下", "是"],  # 5 check character wrong → kept, flagged
            [A, "甲公司", "C1951", "规上", "否"],  # 6 identical → rejected duplicate
            [B, "乙公司", 3312, "规下", None],  # 7 conflicting → rejected
            [None, "无码公司", 3311, "规下", None],  # 8 no code → rejected
            [F, "己公司", 1951, None, None],  # 9 kept; 规模 blank → noted
        ],
    )
    tax = (
        "纳税人识别号,纳税人名称,实缴税收(万元)\n"
        f"{A},甲公司,100\n"
        f'{B},乙公司,"1,200.5"\n'
        f"{C},丙公司,—\n"
        f"{X},外地公司,50\n"
        f"{A},甲公司,100\n"
        f"{B},乙公司,999\n"
        f"{E_BAD},戊公司,30\n"
        '合计,,"2,479.5"\n'
    )
    (root / "税收.csv").write_bytes(tax.encode("gbk"))
    _xlsx(
        root / "统计.xlsx",
        [
            ["统一社会信用代码", "单位详细名称", "工业增加值(万元)"],
            [A, "甲公司", 500],
            [B, "乙公司", 300],
            [X, "外", 1],
        ],
        title="2021年规上工业企业主要指标",
    )
    emis = f"统一社会信用代码,企业名称,化学需氧量(吨),二氧化硫(吨)\n{A},甲公司,1.0,2.0\n{B},乙有限公司,,\n"
    (root / "排放.csv").write_bytes(b"\xef\xbb\xbf" + emis.encode("utf-8"))
    _xlsx(
        root / "租赁.xlsx",
        [
            ["承租企业代码", "宗地代码", "出租方名称", "租用面积(平方米)"],
            [C, "P001", "甲公司", 5_000],  # 1 kept
            [B, "P999", "某", 100],  # 2 unknown parcel
            [X, "P001", "甲公司", 100],  # 3 unknown firm
            [C, "P004", "丙公司", 0],  # 4 area 0
            [A, "P001", "甲公司", 100],  # 5 A owns P001
        ],
    )
    (root / "project.yaml").write_text(
        "data_year: 2021\n"
        "sources:\n"
        "  parcels: {path: 宗地.shp, encoding: gbk}\n"
        "  registry: {path: 名录.xlsx}\n"
        "  tax: {path: 税收.csv, encoding: gbk}\n"
        "  statistics: {path: 统计.xlsx}\n"
        "  emissions: {path: 排放.csv}\n"
        "  leases: {path: 租赁.xlsx}\n",
        encoding="utf-8",
    )
    return root / "project.yaml"


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("proj")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        inputs = load_inputs(load_config(make_project(root)))
    return validate_inputs(inputs, Ledger())


def test_ledger_balances_with_counts_worked_out_by_hand(clean):
    summary = clean.ledger.summary()
    assert summary == {
        "parcels": {"rows_in": 8, "kept": 4, "repaired": 1, "rejected": 4},
        "registry": {"rows_in": 9, "kept": 6, "repaired": 1, "rejected": 3},
        "tax": {"rows_in": 8, "kept": 4, "repaired": 0, "rejected": 4},
        "statistics": {"rows_in": 3, "kept": 2, "repaired": 0, "rejected": 1},
        "emissions": {"rows_in": 2, "kept": 2, "repaired": 0, "rejected": 0},
        "leases": {"rows_in": 5, "kept": 1, "repaired": 0, "rejected": 4},
    }
    for s in summary.values():
        assert s["rows_in"] == s["kept"] + s["rejected"]
    assert len(clean.parcels) == 4 and len(clean.firms) == 6 and len(clean.leases) == 1


def _events(clean, name):
    df = clean.ledger.to_frame()
    return df[df["input"] == name].set_index("row")


def test_parcels_repaired_rejected_and_noted(clean):
    p = clean.parcels
    assert p["parcel_id"].tolist() == ["P001", "P002", "P004", "P005"]
    assert p.index.tolist() == [0, 1, 2, 3] and p["parcel_id"].is_unique
    assert p["geometry"].is_valid.all() and set(p.geom_type) <= {"Polygon", "MultiPolygon"}
    # bowtie → two right triangles of 100 × 100 / 2 = 5 000 m² = 7.5 亩 together
    bow = p[p["parcel_id"] == "P002"].iloc[0]
    assert bow["geometry_repaired"] and bow["area_m2"] == pytest.approx(5_000.0)
    assert bow["area_mu"] == pytest.approx(7.5)
    assert p["geometry_repaired"].tolist() == [False, True, False, False]
    ev = _events(clean, "parcels")
    assert ev.loc[3, "problem"] == "missing_geometry" and ev.loc[4, "problem"] == "duplicate"
    assert ev.loc[6, "problem"] == "conflicting_duplicate" and ev.loc[7, "problem"] == "missing_id"
    assert "10,000.0 m² on row 5" in ev.loc[6, "detail"] and "5,000.0 m²" in ev.loc[6, "detail"]
    # recorded 20 000 m² vs polygon 10 000 m²: 50 % > 10 % → kept with a note
    assert ev.loc[5, "problem"] == "area_mismatch" and ev.loc[5, "action"] == "kept"
    assert p.loc[p["parcel_id"] == "P004", "area_mu"].item() == pytest.approx(15.0)
    assert p["owner_uscc_valid"].tolist() == [True, True, True, False]


def test_firms_merge_and_duplicates_not_merged(clean):
    f = clean.firms.set_index("uscc")
    assert f.index.tolist() == [A, B, C, D, E_BAD, F] and f.index.is_unique
    assert f.loc[A, "tax_wan"] == 100.0 and f.loc[B, "tax_wan"] == 1200.5  # first B row, not 999
    assert np.isnan(f.loc[C, "tax_wan"]) and np.isnan(f.loc[F, "tax_wan"])
    assert bool(f.loc[C, "in_tax"]) and not bool(f.loc[F, "in_tax"])
    assert f.loc[E_BAD, "tax_wan"] == 30.0 and not f.loc[E_BAD, "uscc_valid"]
    assert f["uscc_valid"].tolist() == [True, True, True, True, False, True]
    assert f.loc[A, "value_added_wan"] == 500.0 and np.isnan(f.loc[C, "value_added_wan"])
    assert f.loc[A, "emission_t"] == 3.0 and np.isnan(f.loc[B, "emission_t"])
    assert np.isnan(f.loc[A, "elec_kwh"])  # no energy table in this project
    assert f.loc[A, "industry_code"] == "1951" and f.loc[A, "industry_division"] == "19"
    assert f.loc[B, "industry_code"] == "3311"  # the first B row, not the conflicting 3312
    assert f["above_scale"].tolist() == [True, False, True, False, False, False]
    assert f["tax_arrears"].tolist() == [False, False, False, False, True, False]
    tax = _events(clean, "tax")
    assert tax.loc[4, "problem"] == "unknown_firm" and tax.loc[5, "problem"] == "duplicate"
    assert tax.loc[6, "problem"] == "conflicting_duplicate"
    assert (
        "1200.5" in tax.loc[6, "detail"]
        and "999 (row 7)" in tax.loc[6, "detail"]  # data row 6 is line 7 of the CSV (header on line 1)
        and "not merged" in tax.loc[6, "detail"]
    )
    assert tax.loc[8, "problem"] == "totals_row" and tax.loc[8, "action"] == "rejected"
    reg = _events(clean, "registry")
    assert reg.loc[7, "problem"] == "conflicting_duplicate" and "3311" in reg.loc[7, "detail"]
    assert reg.loc[5, "problem"] == "uscc_check_failed" and reg.loc[5, "action"] == "kept"
    assert reg.loc[8, "problem"] == "missing_code" and reg.loc[1, "action"] == "repaired"
    emis = _events(clean, "emissions")
    assert emis.loc[2, "problem"] == "name_mismatch" and emis.loc[2, "action"] == "kept"


def test_leases_checked_against_parcels_and_firms(clean):
    assert clean.leases[["uscc", "parcel_id", "leased_area_m2"]].values.tolist() == [[C, "P001", 5000.0]]
    ev = _events(clean, "leases")
    assert [ev.loc[r, "problem"] for r in (2, 3, 4, 5)] == [
        "unknown_parcel",
        "unknown_firm",
        "bad_area",
        "self_lease",
    ]


def test_ledger_files_are_bilingual_utf8_bom(clean, tmp_path):
    paths = clean.ledger.write(tmp_path / "qa", meta=clean.meta)
    raw = paths["issues"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    issues = pd.read_csv(paths["issues"], encoding="utf-8-sig")
    assert len(issues) == len(clean.ledger.events)
    assert "合计行，不是企业" in issues["问题"].tolist()
    # each problem names its file, row, column, what was found and what was done
    totals = issues[issues["问题代码 problem"] == "totals_row"].iloc[0]
    # data row 8 is line 9 of the CSV (header on line 1): file_row is what Excel shows
    assert totals["文件 file"].endswith("税收.csv") and totals["数据行 row"] == 8
    assert totals["文件行号 file_row"] == 9
    assert totals["处理 action"] == "rejected" and totals["说明 detail"] == "'合计' row, not a firm"
    summary = pd.read_csv(paths["summary"], encoding="utf-8-sig")
    assert summary.set_index("输入 input").loc["tax", "剔除 rejected"] == 4
    report = paths["report"].read_text(encoding="utf-8")
    assert "| 税收(税务局) (tax) | 8 | 4 | 0 | 4 |" in report


def test_ledger_rules():
    led = Ledger()
    led.rows_in("x", 3)
    led.record("x", 1, None, "invalid_geometry", "repaired")
    led.record("x", 1, None, "duplicate", "rejected")  # rejected wins over repaired
    led.record("x", 2, None, "area_mismatch", "kept")
    led.record("x", 2, None, "invalid_geometry", "repaired")
    assert led.summary()["x"] == {"rows_in": 3, "kept": 2, "repaired": 1, "rejected": 1}
    led.check_kept("x", 2)
    with pytest.raises(RuntimeError):
        led.check_kept("x", 3)
    with pytest.raises(ValueError):
        led.record("x", 1, None, "p", "dropped")
    led.record("y", 1, None, "p", "rejected")
    with pytest.raises(ValueError, match="never declared"):
        led.summary()


def test_normalise_parcel_id():
    assert normalise_parcel_id(" 330381101002gb00123 ") == "330381101002GB00123"
    assert normalise_parcel_id("３３０３８１") == "330381"
    assert normalise_parcel_id(12345.0) == "12345"
    assert normalise_parcel_id("  ") is None and normalise_parcel_id(None) is None


def test_repair_polygons_cases():
    from shapely import GeometryCollection, LineString, Point

    from ruian_land.validate import repair_polygons

    led = Ledger()
    led.rows_in("layer", 5)
    gdf = gpd.GeoDataFrame(
        {"source_row": [1, 2, 3, 4, 5]},
        geometry=[
            box(0, 0, 10, 10),  # valid: untouched
            Polygon(),  # empty → rejected
            GeometryCollection([box(0, 0, 10, 10), LineString([(20, 20), (30, 30)])]),  # line dropped
            Point(1, 1),  # not a polygon → rejected
            Polygon([(0, 0), (10, 10), (10, 0), (0, 10)]),  # bowtie: 2 × 25 m²
        ],
        crs=4549,
    )
    out = repair_polygons(gdf, "layer", led)
    assert out["source_row"].tolist() == [1, 3, 5]
    assert out["geometry_repaired"].tolist() == [False, True, True]
    assert out.area.tolist() == pytest.approx([100.0, 100.0, 50.0])
    assert [(e.row, e.problem) for e in led.events] == [
        (2, "missing_geometry"),
        (3, "dropped_parts"),
        (4, "not_polygon"),
        (5, "invalid_geometry"),
    ]
    assert led.summary()["layer"] == {"rows_in": 5, "kept": 3, "repaired": 2, "rejected": 2}


# --- geometry of parcels: holes, multipart, shared edges ------------------------------------------


def _parcels(ids: list[str], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"parcel_id": ids, "source_row": list(range(1, len(ids) + 1))}, geometry=geoms, crs=4549
    )


def test_holes_and_multipart_parcels_survive_validation():
    from ruian_land.rules import load_rules
    from ruian_land.validate import validate_parcels

    shell = [(X0, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 200), (X0, Y0 + 200)]
    inner = [(X0 + 50, Y0 + 50), (X0 + 150, Y0 + 50), (X0 + 150, Y0 + 150), (X0 + 50, Y0 + 150)]
    # a hole reaching outside its shell (x 150..250): invalid; make_valid keeps shell minus hole
    stray = [(X0 + 150, Y0 + 50), (X0 + 250, Y0 + 50), (X0 + 250, Y0 + 150), (X0 + 150, Y0 + 150)]
    multi = MultiPolygon([_sq(1000, 0, 100, 100), _sq(1200, 0, 100, 100)])
    led = Ledger()
    led.rows_in("parcels", 3)
    out = validate_parcels(
        _parcels(
            ["H1", "H2", "M1"],
            [Polygon(shell, [inner]), shapely.affinity.translate(Polygon(shell, [stray]), 500), multi],
        ),
        led,
        load_rules(),
    )
    # 40 000 − 10 000 = 30 000 m² = 45 亩 (hole kept, not filled)
    assert out.loc[0, "area_m2"] == pytest.approx(30_000.0) and out.loc[0, "area_mu"] == pytest.approx(45.0)
    assert len(out.geometry[0].interiors) == 1 and not out.loc[0, "geometry_repaired"]
    # 40 000 − the 50 × 100 part of the stray hole inside the shell = 35 000 m² = 52.5 亩
    assert out.loc[1, "area_m2"] == pytest.approx(35_000.0) and out.loc[1, "area_mu"] == pytest.approx(52.5)
    assert out.loc[1, "geometry_repaired"]
    # one multipart parcel stays one row: 2 × 10 000 m² = 30 亩
    assert out.loc[2, "area_mu"] == pytest.approx(30.0) and out.geometry[2].geom_type == "MultiPolygon"
    assert [(e.row, e.problem, e.action) for e in led.events] == [
        (2, "invalid_geometry", "repaired"),
        (2, "repaired_area", "kept"),  # no recorded 宗地面积 to compare with
    ]
    # the stray hole's edge crosses the shell's edge at x = 200 (520 700 after the 500 m shift)
    assert led.events[0].detail.startswith("Self-intersection[520700 3070050]")


def test_near_coincident_edges_and_overlaps_are_reported_not_merged():
    from ruian_land.rules import load_rules
    from ruian_land.validate import validate_parcels

    led = Ledger()
    led.rows_in("parcels", 4)
    geoms = [
        _sq(0, 0, 200, 200),
        _sq(199.998, 0, 200, 200),  # shares a 0.002 m × 200 m = 0.4 m² sliver with P1
        _sq(0, 300, 200, 200),
        _sq(180, 300, 200, 200),  # overlaps P3 by 20 × 200 = 4 000 m²
    ]
    out = validate_parcels(_parcels(["P1", "P2", "P3", "P4"], geoms), led, load_rules())
    assert len(out) == 4  # all kept, areas as drawn
    assert out["area_m2"].tolist() == pytest.approx([40_000.0] * 4)
    ev = [(e.row, e.problem, e.action) for e in led.events]
    assert ev == [(2, "sliver_overlap", "kept"), (4, "overlap", "kept")]
    assert "0.400 m² sliver" in led.events[0].detail and "P1" in led.events[0].detail
    assert "by 4,000.0 m²" in led.events[1].detail and "P3 (row 3)" in led.events[1].detail
    assert led.summary()["parcels"] == {"rows_in": 4, "kept": 4, "repaired": 0, "rejected": 0}


def test_line_outlines_become_boundaries_but_never_parcels():
    from shapely import LineString, MultiLineString

    from ruian_land.validate import repair_polygons

    ring = LineString([(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)])
    island = LineString([(200, 0), (210, 0), (210, 10), (200, 10), (200, 0)])
    open_line = LineString([(300, 0), (400, 0)])
    gdf = gpd.GeoDataFrame(
        {"source_row": [1, 2]}, geometry=[MultiLineString([ring, island]), open_line], crs=4549
    )
    led = Ledger()
    led.rows_in("boundary", 2)
    out = repair_polygons(gdf, "boundary", led, polygonize_lines=True)
    assert out["source_row"].tolist() == [1] and out.area.tolist() == pytest.approx([10_100.0])
    assert [(e.row, e.problem) for e in led.events] == [(1, "polygonized"), (2, "not_polygon")]
    led.rows_in("parcels", 2)
    assert len(repair_polygons(gdf, "parcels", led)) == 0
