"""Units and the CRS policy: exact 亩, definition-based CRS comparison, mislabel detection."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from ruian_land.core import WORKING_CRS, InputError, check_plausible, crs_equal, to_working, units

# A point in Ruian's eastern plain (Tangxia), in EPSG:4549 metres.
X0, Y0 = 570_000.0, 3_083_000.0

ESRI_GK_CM_120E = (
    'PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],'
    'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def test_mu_definition_is_exact() -> None:
    # RULES.md §0: 1 亩 = 10000/15 m²; 15 亩 = 1 ha; 1 km² = 1500 亩.
    assert units.m2_to_mu(10_000.0) == pytest.approx(15.0, rel=0, abs=1e-12)
    assert units.m2_to_mu(1_000_000.0) == pytest.approx(1500.0, rel=0, abs=1e-9)
    assert units.mu_to_m2(1.0) == pytest.approx(666.6666666666666, rel=1e-15)
    assert units.M2_PER_MU != 666.67


def test_200m_square_is_60_mu_in_epsg4549() -> None:
    gdf = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 200, Y0 + 200)], crs="EPSG:4549")
    area_mu = units.m2_to_mu(gdf.area.to_numpy())[0]
    assert abs(area_mu - 60.0) / 60.0 < 1e-9


def test_200m_square_from_epsg4490_is_60_mu_after_projection() -> None:
    # Build the square in EPSG:4549, express its 4 corners in EPSG:4490 (lon/lat) and project back:
    # the corners round-trip to < 1e-6 m, so the area is 60 亩 to < 1e-9 relative error.
    square = gpd.GeoSeries([box(X0, Y0, X0 + 200, Y0 + 200)], crs="EPSG:4549")
    lonlat = square.to_crs("EPSG:4490")
    back = to_working(gpd.GeoDataFrame(geometry=lonlat, crs="EPSG:4490"))
    area_mu = units.m2_to_mu(back.area.to_numpy())[0]
    assert abs(area_mu - 60.0) / 60.0 < 1e-9


def test_esri_wkt_cgcs2000_equals_epsg4549_by_definition() -> None:
    assert crs_equal(ESRI_GK_CM_120E, "EPSG:4549")
    assert crs_equal(ESRI_GK_CM_120E, WORKING_CRS)
    assert not crs_equal(ESRI_GK_CM_120E, "EPSG:4528")  # zone-prefixed variant differs
    assert not crs_equal("EPSG:4549", "EPSG:4326")


def test_zone_prefixed_input_is_converted() -> None:
    # EPSG:4528 = CGCS2000 zone 40 (CM 120E) with false easting 40 500 000 m.
    gdf = gpd.GeoDataFrame(geometry=[box(X0 + 40_000_000, Y0, X0 + 40_000_200, Y0 + 200)], crs="EPSG:4528")
    out = to_working(gdf)
    np.testing.assert_allclose(out.total_bounds, [X0, Y0, X0 + 200, Y0 + 200], atol=1e-6)


def test_eight_digit_easting_under_cm_crs_is_refused() -> None:
    gdf = gpd.GeoDataFrame(geometry=[box(X0 + 40_000_000, Y0, X0 + 40_000_200, Y0 + 200)], crs="EPSG:4549")
    with pytest.raises(InputError, match="mislabelled"):
        check_plausible(gdf, source="宗地.shp")


def test_six_digit_easting_under_zoned_crs_is_refused() -> None:
    gdf = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 200, Y0 + 200)], crs="EPSG:4528")
    with pytest.raises(InputError, match="mislabelled"):
        check_plausible(gdf, source="宗地.shp")


def test_coordinates_outside_zhejiang_are_refused() -> None:
    # Beijing in lon/lat.
    gdf = gpd.GeoDataFrame(geometry=[box(116.3, 39.9, 116.31, 39.91)], crs="EPSG:4490")
    with pytest.raises(InputError, match="outside Zhejiang"):
        to_working(gdf, source="points.csv")


def test_missing_crs_is_refused_with_fix() -> None:
    gdf = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 1, Y0 + 1)])
    with pytest.raises(InputError) as err:
        to_working(gdf, source="宗地.shp")
    assert "宗地.shp" in str(err.value) and "Fix:" in str(err.value)
