"""The bad-input corpus (``tests/data/bad/``, made by its ``make_corpus.py``): each damaged or lying
file gets either a correct result that says what it found, or our error naming the file and the fix
— and from the CLI exit 2, never exit 0 on half the data and never a traceback.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ruian_land.cli import app
from ruian_land.core import InputError, InputWarning, Ledger
from ruian_land.io import read_parcels, read_table
from ruian_land.io.integrity import sniff_format
from ruian_land.pipeline import Project
from ruian_land.validate import blank_future_dates

BAD = Path(__file__).parent / "data" / "bad"
ROOT = Path(__file__).resolve().parents[1]
SHP = "宗地.shp"


def test_the_good_shapefile_reads_as_three_60_mu_parcels() -> None:
    gdf = read_parcels(BAD / "good_shapefile" / SHP)
    assert len(gdf) == 3
    np.testing.assert_allclose(gdf["area_mu"], 60.0)  # 200 m × 200 m = 40 000 m² = 60 亩
    assert gdf["geometry_status"].tolist() == ["valid"] * 3


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("truncated_shp", "the .shp file is shorter than its header says"),
        ("shx_dbf_disagree", "the .shx index lists 3 shapes but the .dbf table 2 records"),
        ("truncated_dbf", "the .dbf table is shorter than its header says"),
        ("csv_named_shp", "named .shp but holds plain text"),
        ("zero_features", "the layer has no features"),
    ],
)
def test_damaged_or_lying_shapefile_is_refused(case: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        read_parcels(BAD / case / SHP)
    assert message in str(info.value)
    assert info.value.path is not None and case in info.value.path  # names the file
    assert info.value.fix  # and says what to do


def test_all_geometries_missing_is_refused() -> None:
    with pytest.raises(InputError, match="none of the 2 features has a geometry"):
        read_parcels(BAD / "no_geometry.geojson", crs="EPSG:4549")


def test_bowtie_reads_with_its_real_area_and_null_geometry_is_marked() -> None:
    gdf = read_parcels(BAD / "bowtie_and_null" / SHP)
    assert gdf["geometry_status"].tolist() == ["valid", "invalid", "missing"]
    # the bow-tie's shoelace area is 0 (its halves cancel); make_valid gives two triangles of
    # base 200 m and height 100 m: 2 × 10 000 m² = 20 000 m² = 30 亩
    assert gdf["area_m2"].iloc[1] == pytest.approx(20_000.0)
    assert gdf["area_mu"].iloc[1] == pytest.approx(30.0)
    assert np.isnan(gdf["area_mu"].iloc[2])


def test_lying_cpg_is_overruled_by_the_bytes_with_a_note() -> None:
    with pytest.warns(InputWarning, match="the .cpg file says 'UTF-8'"):
        gdf = read_parcels(BAD / "lying_cpg" / SHP)
    assert gdf["权利人"].tolist()[0] == "瑞安市测试0有限公司"  # decoded as GBK, not mojibake
    assert gdf.attrs["encoding_source"] == "detected"


def test_lying_prj_is_refused_with_the_coordinates_it_saw() -> None:
    with pytest.raises(InputError, match=r"outside Zhejiang.*declared CRS.*probably wrong"):
        read_parcels(BAD / "lying_prj" / SHP)


def test_xlsx_saved_as_xls_is_read_by_its_content() -> None:
    assert sniff_format(BAD / "xlsx_named.xls") == "zip"
    table = read_table(BAD / "xlsx_named.xls", kind="registry")
    assert table["统一社会信用代码"].tolist() == ["91330381MA2H000001"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pdf_named.xlsx", "named .xlsx but holds a PDF document"),
        ("error_page.xlsx", "named .xlsx but holds an HTML page"),
        ("empty.csv", "the file is empty"),
    ],
)
def test_tables_that_are_not_what_they_say_are_refused(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_table(BAD / name)


@pytest.mark.skipif(not (ROOT / "data" / "project.yaml").exists(), reason="sample county not generated")
def test_run_on_a_truncated_sample_shapefile_exits_2_naming_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    shp = data / "parcels" / SHP
    shp.write_bytes(shp.read_bytes()[: shp.stat().st_size // 2])  # the copy stopped half-way
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", "--config", str(data / "project.yaml"), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "宗地.shp" in res.output and "shorter than its header says" in res.output
    assert "Traceback" not in res.output
    assert not (out / "summary.json").exists()  # nothing written from half the parcels


def test_corpus_is_what_its_generator_describes() -> None:
    cases = sorted(p.name for p in BAD.iterdir() if p.name not in {"make_corpus.py", "__pycache__"})
    assert cases == sorted(
        [
            "bowtie_and_null",
            "csv_named_shp",
            "empty.csv",
            "error_page.xlsx",
            "good_shapefile",
            "lying_cpg",
            "lying_prj",
            "no_geometry.geojson",
            "pdf_named.xlsx",
            "shx_dbf_disagree",
            "truncated_dbf",
            "truncated_shp",
            "xlsx_named.xls",
            "zero_features",
        ]
    )
    assert json.loads((BAD / "no_geometry.geojson").read_text(encoding="utf-8"))["features"]


@pytest.mark.skipif(not (ROOT / "data" / "project.yaml").exists(), reason="sample county not generated")
def test_absurd_tax_is_read_as_not_reported_with_a_ledger_entry(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    tax = data / "enterprises" / "税收_税务局.csv"
    with tax.open(encoding="gbk", newline="") as fh:
        rows = list(csv.reader(fh))
    uscc = rows[1][0]
    rows[1][3] = "1000000000000"  # 10¹² 万元 in 实缴税收(万元)
    with tax.open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(rows)
    ing = Project.from_config(data / "project.yaml").ingest()
    entries = ing.ledger.to_frame()
    hit = entries[(entries["input"] == "tax") & (entries["problem"] == "implausible_value")]
    assert len(hit) == 1 and hit["action"].iloc[0] == "repaired" and uscc in hit["detail"].iloc[0]
    assert np.isnan(ing.firms.set_index("uscc").loc[uscc, "tax_wan"])
    summary = ing.ledger.summary()["tax"]
    assert summary["rows_in"] == summary["kept"] + summary["rejected"]


def test_dates_of_past_events_after_the_evaluation_date_are_read_as_not_given() -> None:
    parcels = pd.DataFrame(
        {
            "source_row": [1, 2, 3],
            "grant_date": pd.to_datetime(["2019-05-01", "2201-03-01", None]),
            "agreed_start_date": pd.to_datetime(["2023-06-30"] * 3),  # a promise: may lie ahead
        }
    )
    ledger = Ledger()
    ledger.rows_in("parcels", 3)
    out = blank_future_dates(parcels, "parcels", pd.Timestamp("2021-12-31"), ledger)
    assert out["grant_date"].isna().tolist() == [False, True, True]
    assert out["agreed_start_date"].notna().all()
    assert parcels["grant_date"].notna().sum() == 2  # the input is not changed
    entries = ledger.to_frame()
    assert entries[["row", "column", "problem", "action"]].values.tolist() == [
        [2, "grant_date", "future_date", "repaired"]
    ]
    assert "2201-03-01" in entries["detail"].iloc[0]
