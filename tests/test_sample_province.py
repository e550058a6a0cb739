"""The province-scale sample: the county tiled, codes re-coded, totals conserved."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet
import pytest
import shapely

from ruian_land.core import InputWarning, is_valid_uscc, normalise_uscc, uscc_check_char
from ruian_land.io import read_parcels
from ruian_land.pipeline import stages
from ruian_land.sample import Province, build_province, recode_uscc, tile_admin_codes, write_province
from ruian_land.sample.bulk import write_parcels_bulk, write_xlsx_rows
from ruian_land.sample.writers import write_parcels_shapefile, write_xlsx

SCALE, TILES = 0.05, 3


@pytest.fixture(scope="module")
def one() -> Province:
    return build_province(tiles=1, base_scale=SCALE)


@pytest.fixture(scope="module")
def three() -> Province:
    return build_province(tiles=TILES, base_scale=SCALE)


def _valid(codes: pd.Series) -> np.ndarray:
    return np.array([is_valid_uscc(c) for c in codes])


def test_recode_keeps_a_valid_code_valid_and_a_wrong_check_wrong_by_the_same_step() -> None:
    first17 = "91330381MA2AXR8H6"
    good = first17 + uscc_check_char(first17)
    assert is_valid_uscc(good)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    bad = first17 + alphabet[(alphabet.index(good[-1]) + 1) % 31]
    out = recode_uscc(pd.Series([good, bad, f" {good[:8]} {good[8:]}", None]), 2)
    assert out.iloc[:4].tolist()[:3] == [good, bad, f" {good[:8]} {good[8:]}"]
    moved_good, moved_bad, moved_spaced = out.iloc[4], out.iloc[5], out.iloc[6]
    assert moved_good[2:8] == tile_admin_codes(2)[1] == "335001"
    assert moved_good[8:17] == good[8:17]
    assert is_valid_uscc(moved_good)
    assert not is_valid_uscc(moved_bad)
    # the wrong one is still exactly one step from the right one
    assert alphabet.index(moved_bad[-1]) == (alphabet.index(moved_good[-1]) + 1) % 31
    assert moved_spaced == f" {moved_good[:8]} {moved_good[8:]}"
    assert pd.isna(out.iloc[7])


def test_counts_and_totals_are_tiles_times_the_county(one: Province, three: Province) -> None:
    assert three.tiles == TILES
    assert len(three.parcels) == TILES * len(one.parcels) == len(three.parcel_wkb)
    for name, table in one.tables.items():
        extra = 1 if name == "tax" else 0  # one 合计 row in either
        assert len(three.tables[name]) - extra == TILES * (len(table) - extra), name
    assert three.parcels["宗地面积"].sum() == pytest.approx(TILES * one.parcels["宗地面积"].sum())
    tax1, tax3 = one.tables["tax"], three.tables["tax"]

    def amount(t: pd.DataFrame) -> pd.Series:
        return pd.to_numeric(t["实缴税收(万元)"].astype(str).str.replace(",", ""), errors="coerce")

    assert tax3["纳税人识别号"].iloc[-1] == "合计"
    assert amount(tax3).iloc[-1] == pytest.approx(TILES * amount(tax1).iloc[-1], abs=0.01)
    assert amount(tax3).iloc[:-1].sum() == pytest.approx(amount(tax3).iloc[-1], abs=0.01)
    assert len(three.layers["towns"]) == TILES * len(one.layers["towns"])


def test_parcel_ids_and_codes_are_unique_across_tiles_and_faults_are_kept(
    one: Province, three: Province
) -> None:
    ids1, ids3 = one.parcels["宗地代码"], three.parcels["宗地代码"]
    assert ids3.nunique() == TILES * ids1.nunique()  # planted duplicates stay duplicates, within a tile
    assert set(ids3.str[:6]) == set(tile_admin_codes(TILES))
    reg1, reg3 = one.tables["registry"]["统一社会信用代码"], three.tables["registry"]["统一社会信用代码"]
    assert reg3.map(normalise_uscc).nunique() == TILES * reg1.map(normalise_uscc).nunique()
    for name, col in (
        ("registry", "统一社会信用代码"),
        ("tax", "纳税人识别号"),
        ("energy", "统一社会信用代码"),
    ):
        v1 = _valid(one.tables[name][col])
        v3 = _valid(three.tables[name][col])
        n = len(v1) - (name == "tax")
        assert v1.sum() < len(v1)  # the county has planted wrong check characters …
        for k in range(TILES):  # … and every tile has the same ones
            assert (v3[k * n : (k + 1) * n] == v1[:n]).all(), (name, k)


def _owners_outside_registry(p: Province) -> int:
    firms = set(p.tables["registry"]["统一社会信用代码"].map(normalise_uscc))
    owners = p.parcels["权利人代码"].map(normalise_uscc).dropna()
    return int((~owners.isin(firms)).sum())


def test_every_lease_and_owner_points_at_a_parcel_and_a_firm_of_its_tile(
    one: Province, three: Province
) -> None:
    parcels, leases, registry = three.parcels, three.tables["leases"], three.tables["registry"]
    assert set(leases["宗地代码"]) <= set(parcels["宗地代码"])
    # the county's planted one-table code faults leave a few owners outside the registry; the
    # province has exactly those, once per tile (a re-coding slip would add thousands)
    assert _owners_outside_registry(three) == TILES * _owners_outside_registry(one)
    assert _owners_outside_registry(one) < 0.05 * len(one.parcels)
    # a firm's town is its own tile's (suffix), as the towns layer names them
    assert set(registry["所在乡镇"].dropna()) <= set(three.layers["towns"]["名称"])


def test_written_variants_read_and_link_as_tiles_times_one(
    tmp_path: Path, one: Province, three: Province
) -> None:
    warnings.simplefilter("ignore", InputWarning)
    paths1 = write_province(one, tmp_path / "one")
    paths3 = write_province(three, tmp_path / "three")
    shp = read_parcels(paths3["mix:parcels"], encoding="gbk")
    pq = read_parcels(paths3["geoparquet:parcels"])
    assert len(shp) == len(pq) == len(three.parcels)
    assert shp["area_m2"].sum() == pytest.approx(pq["area_m2"].sum())
    assert shp["宗地代码"].tolist() == pq["宗地代码"].tolist()
    geo = json.loads(pyarrow.parquet.read_schema(paths3["geoparquet:parcels"]).metadata[b"geo"])
    assert geo["columns"]["geometry"]["geometry_types"] == sorted(set(pq.geom_type.dropna()))
    base = stages.ingest(paths1["geoparquet_project"])
    for project in (paths3["project"], paths3["geoparquet_project"]):
        ing = stages.ingest(project)
        assert len(ing.parcels) == TILES * len(base.parcels)
        assert len(ing.firms) == TILES * len(base.firms)
        linked, linked1 = ing.summary["enterprises_linked"], base.summary["enterprises_linked"]
        assert linked == TILES * linked1
        assert ing.parcels["area_mu"].sum() == pytest.approx(TILES * base.parcels["area_mu"].sum())


def _small_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "宗地代码": ["330381101002GB00001", "330381101002GB00002", "330381101002GB00003"],
            "权利人": ["瑞安市甲鞋业有限公司", None, "A&B <厂>"],
            "宗地面积": [4830.84, np.nan, 12.5],
            "供地日期": pd.to_datetime(["2019-03-01", None, "2020-12-31"]),
            "政府原因": ["是", "否", ""],
        }
    )


def test_bulk_dbf_reads_back_as_the_gdal_written_one(tmp_path: Path) -> None:
    frame = _small_frame()
    geoms = [shapely.box(520_000 + 300 * i, 3_070_000, 520_200 + 300 * i, 3_070_200) for i in range(3)]
    write_parcels_shapefile(gpd.GeoDataFrame(frame, geometry=geoms, crs=4549), tmp_path / "a" / "宗地.shp")
    write_parcels_bulk(frame, np.array(shapely.to_wkb(geoms), dtype=object), tmp_path / "b" / "宗地.shp")
    a = read_parcels(tmp_path / "a" / "宗地.shp", encoding="gbk")
    b = read_parcels(tmp_path / "b" / "宗地.shp", encoding="gbk")
    assert not (tmp_path / "b" / "宗地.cpg").exists()
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert b["权利人"].tolist()[::2] == ["瑞安市甲鞋业有限公司", "A&B <厂>"]
    assert b["area_mu"].round(9).tolist() == [60.0, 60.0, 60.0]


def test_bulk_xlsx_reads_back_as_the_xlsxwriter_one(tmp_path: Path) -> None:
    frame = _small_frame()
    write_xlsx(tmp_path / "a.xlsx", "表", frame, title="标题", text_columns=("宗地代码",))
    write_xlsx_rows(tmp_path / "b.xlsx", "表", frame, title="标题", text_columns=("宗地代码",))
    a = pd.read_excel(tmp_path / "a.xlsx", header=1, engine="openpyxl")
    b = pd.read_excel(tmp_path / "b.xlsx", header=1, engine="openpyxl")
    pd.testing.assert_frame_equal(a, b)
    assert b["供地日期"].iloc[2] == pd.Timestamp("2020-12-31")
    assert b["权利人"].iloc[2] == "A&B <厂>"


def test_same_seed_same_province_and_bad_tile_counts_refused(one: Province) -> None:
    again = build_province(tiles=1, base_scale=SCALE)
    pd.testing.assert_frame_equal(again.parcels, one.parcels)
    assert (again.parcel_wkb == one.parcel_wkb).all()
    pd.testing.assert_frame_equal(again.tables["registry"], one.tables["registry"])
    for bad in (0, 274):
        with pytest.raises(ValueError, match=r"tiles must be in 1\.\.273"):
            build_province(tiles=bad, base_scale=SCALE)
