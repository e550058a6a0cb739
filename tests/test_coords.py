"""GCJ-02 / BD-09 → WGS84 (ruian_land.core.coords) against published reference pairs, and the
conversion applied by the readers (read_layer/read_parcels ``coords=``, read_points)."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import box, mapping

from ruian_land.core import InputError, InputWarning, convert_geometries, convert_lonlat, frame_to_wgs84
from ruian_land.io import read_layer, read_parcels, read_points

GEOD = Geod(ellps="WGS84")

# Published pairs, (wgs_lat, wgs_lng, gcj_lat, gcj_lng): googollee/eviltransform (MIT)
# @ 3416646abc64972e899118271bd98030224d9d6c : python/test.py, list TESTS (Shanghai, Shenzhen,
# Beijing). Its own test requires the exact inverse to land within 0.5 m.
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]
# wandergis/coordtransform (MIT) @ 242324636adb54f9d1ef571035dc61f0ac8f0e8c : test/app.js (lng, lat):
# wgs84togcj02(116.404, 39.915) = [116.41024449916938, 39.91640428150164]
# gcj02tobd09(116.404, 39.915)  = [116.41036949371029, 39.92133699351021]
CT_WGS = (116.404, 39.915)
CT_GCJ_OF_WGS = (116.41024449916938, 39.91640428150164)
CT_GCJ = (116.404, 39.915)
CT_BD_OF_GCJ = (116.41036949371029, 39.92133699351021)

# A 200 m × 200 m square in EPSG:4549 in Ruian's eastern plain: 60 亩 exactly.
SQUARE = box(570_000, 3_083_000, 570_200, 3_083_200)
TO_LL = Transformer.from_crs(4549, 4326, always_xy=True)


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_gcj02_to_wgs84_matches_eviltransform_pairs_within_1_m():
    wlat, wlon, glat, glon = (np.array(c) for c in zip(*EVILTRANSFORM, strict=True))
    lon, lat = convert_lonlat(glon, glat, "gcj02")
    assert (_metres(lon, lat, wlon, wlat) < 1.0).all()
    # and forward: WGS84 → GCJ-02 reproduces the published GCJ values
    flon, flat = convert_lonlat(wlon, wlat, "gcj02", to="source")
    assert (_metres(flon, flat, glon, glat) < 1.0).all()
    # the offset itself is hundreds of metres, so the test can fail
    assert (_metres(glon, glat, wlon, wlat) > 100).all()


def test_gcj02_and_bd09_match_coordtransform_pairs_within_1_m():
    lon, lat = convert_lonlat([CT_GCJ_OF_WGS[0]], [CT_GCJ_OF_WGS[1]], "gcj02")
    assert _metres(lon, lat, [CT_WGS[0]], [CT_WGS[1]])[0] < 1.0
    # BD-09 (116.41037, 39.92134) is GCJ-02 (116.404, 39.915): both must give the same WGS84 point
    blon, blat = convert_lonlat([CT_BD_OF_GCJ[0]], [CT_BD_OF_GCJ[1]], "bd09")
    glon, glat = convert_lonlat([CT_GCJ[0]], [CT_GCJ[1]], "gcj02")
    assert _metres(blon, blat, glon, glat)[0] < 1.0
    # BD → GCJ → WGS is a ~1.2 km move in all (Baidu adds ~0.0065° / 0.006° to GCJ-02)
    assert 900 < _metres(blon, blat, [CT_BD_OF_GCJ[0]], [CT_BD_OF_GCJ[1]])[0] < 1_600


def test_convert_lonlat_keeps_nan_and_refuses_metres_and_unknown_systems():
    lon, lat = convert_lonlat([121.0, np.nan], [27.8, 27.8], "gcj02")
    assert np.isnan(lon[1]) and np.isfinite(lon[0]) and lat[1] == 27.8
    same = convert_lonlat([121.0], [27.8], "cgcs2000")
    assert same[0][0] == 121.0 and same[1][0] == 27.8
    with pytest.raises(InputError, match="not degrees"):
        convert_lonlat([570_000.0], [3_083_000.0], "gcj02")
    with pytest.raises(InputError, match="unknown coordinate system"):
        convert_lonlat([121.0], [27.8], "xian80")


def test_shared_vertices_stay_shared():
    # two adjacent 0.001° squares in GCJ-02: after conversion they still touch, without gap/overlap
    a, b = box(120.650, 27.780, 120.651, 27.781), box(120.651, 27.780, 120.652, 27.781)
    ca, cb = convert_geometries([a, b], "gcj02")
    assert shapely.touches(ca, cb) and shapely.area(shapely.intersection(ca, cb)) == 0.0
    assert shapely.union_all([ca, cb]).area == pytest.approx(ca.area + cb.area, rel=1e-12)


def _square_in(system: str):
    """SQUARE's corners in WGS84 lon/lat, then moved into ``system`` (as AMap/Baidu would)."""
    ll = shapely.transform(SQUARE, lambda xy: np.column_stack(TO_LL.transform(xy[:, 0], xy[:, 1])))
    return convert_geometries([ll], system, to="source")[0]


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_read_parcels_converts_offset_lonlat_back_onto_the_cadastre(tmp_path, system):
    poly = _square_in(system)
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"宗地代码": "G1"}, "geometry": mapping(poly)}],
    }
    path = tmp_path / f"{system}.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    gdf = read_parcels(path, coords=system)
    # back where it was to within 1 cm; 60 亩 to 1e-6 (the square went through lon/lat twice)
    assert gdf.geometry[0].bounds == pytest.approx(SQUARE.bounds, abs=0.01)
    assert gdf.loc[0, "area_mu"] == pytest.approx(60.0, rel=1e-6)
    assert gdf.attrs["coords"] == system and system in gdf.attrs["source_crs"]
    # read without saying so, the square sits hundreds of metres away (GCJ ~0.6 km, BD ~1.2 km here)
    raw = read_parcels(path)
    shift = shapely.distance(raw.geometry[0].centroid, SQUARE.centroid)
    assert 300 < shift < 2_000


def test_offset_system_with_projected_crs_is_refused(tmp_path):
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[SQUARE], crs=4549)
    with pytest.raises(InputError, match="projected"):
        frame_to_wgs84(gdf, "gcj02", path="x.shp")
    path = tmp_path / "p.gpkg"
    gdf.to_file(path)
    with pytest.raises(InputError, match="lon/lat only"):
        read_layer(path, coords="gcj02")


def test_shapefile_without_prj_declared_gcj02_is_taken_as_lonlat(tmp_path):
    poly = _square_in("gcj02")
    shp = tmp_path / "amap.shp"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[poly], crs=4326).to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(InputError, match="lon/lat degrees in China"):
        read_layer(shp)  # without coords: refused, with a hint about what the numbers look like
    gdf = read_layer(shp, coords="gcj02", add_area=True)
    assert gdf.loc[0, "area_mu"] == pytest.approx(60.0, rel=1e-6)


def test_read_points_amap_geocodes_to_epsg4549(tmp_path):
    wgs = TO_LL.transform([570_100.0, 571_000.0], [3_083_100.0, 3_084_000.0])
    glon, glat = convert_lonlat(wgs[0], wgs[1], "gcj02", to="source")
    text = (
        "统一社会信用代码,企业名称,详细地址,经度,纬度\n"
        f"91330381MA2000001X,甲,塘下镇,{glon[0]:.8f},{glat[0]:.8f}\n"
        f"91330381MA2000002X,乙,塘下镇,{glon[1]:.8f},{glat[1]:.8f}\n"
        "91330381MA2000003X,丙,查无此址,,\n"
        "91330381MA2000004X,丁,塘下镇,东经120度,27.8\n"
    )
    path = tmp_path / "高德地理编码.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    pts = read_points(path, coords="gcj02")
    assert pts.crs.to_epsg() == 4549 and len(pts) == 4
    assert pts.geometry[0].x == pytest.approx(570_100.0, abs=0.05)
    assert pts.geometry[0].y == pytest.approx(3_083_100.0, abs=0.05)
    assert pts.geometry[1].distance(shapely.Point(571_000, 3_084_000)) < 0.05
    assert pts.geometry[2] is None and pts.geometry[3] is None
    assert pts["source_row"].tolist() == [1, 2, 3, 4]
    assert [(i["row"], i["column"]) for i in pts.attrs["issues"]] == [(4, "lon")]
    assert pts.attrs["coords"] == "gcj02"
    # as WGS84 (wrongly), the same table lands ~0.6 km off
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        raw = read_points(path, coords="wgs84")
    assert 300 < raw.geometry[0].distance(shapely.Point(570_100, 3_083_100)) < 1_000


def test_read_points_names_missing_coordinate_columns(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("统一社会信用代码,企业名称,经度坐标,北纬\nX,甲,120.6,27.8\n", encoding="utf-8")
    with pytest.raises(InputError, match="lon") as err:
        read_points(path, encoding="utf-8")
    assert "经度坐标" in str(err.value)  # the closest header is offered
