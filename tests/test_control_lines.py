"""工业用地控制线 overlay: area-weighted shares, near-coincident edges, slivers, odd geometry.

Coordinates are EPSG:4549 metres near Tangxia (塘下镇); a 100 m × 100 m square is 10 000 m².
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import GeometryCollection, LineString, Point, Polygon, box

from ruian_land.control_lines import control_line_overlay, control_line_union, inside_share, polygonal_parts
from ruian_land.rules import load_rules

X0, Y0 = 570_000.0, 3_083_000.0


def _parcels(geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"parcel_id": [f"P{i}" for i in range(len(geoms))]}, geometry=geoms, crs="EPSG:4549"
    )


def _lines(*geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"L{i}" for i in range(len(geoms))]}, geometry=list(geoms), crs="EPSG:4549"
    )


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_inside_share_is_area_weighted_not_centroid() -> None:
    p = _parcels(
        [
            box(X0, Y0, X0 + 200, Y0 + 100),  # half inside (line ends at x = X0 + 100)
            box(X0 + 20, Y0, X0 + 60, Y0 + 100),  # wholly inside
            box(X0 + 500, Y0, X0 + 600, Y0 + 100),  # outside
            box(X0 - 60, Y0, X0 + 40, Y0 + 100),  # 40 % inside although centroid (X0-10) is outside
        ]
    )
    line = _lines(box(X0, Y0 - 50, X0 + 100, Y0 + 200))
    share = inside_share(p, line)
    assert share.index.equals(p.index)
    np.testing.assert_allclose(share.to_numpy(), [0.5, 1.0, 0.0, 0.4], atol=1e-9)


def test_overlapping_lines_are_unioned_and_missing_geometry_is_nan() -> None:
    p = _parcels([box(X0, Y0, X0 + 100, Y0 + 100), None])
    two = _lines(box(X0 - 10, Y0 - 10, X0 + 110, Y0 + 110), box(X0 - 20, Y0 - 20, X0 + 120, Y0 + 120))
    share = inside_share(p, two)
    assert share.iloc[0] == pytest.approx(1.0, abs=1e-12)  # not 2.0
    assert math.isnan(share.iloc[1])


def test_slivers_are_snapped_and_reported(rules) -> None:
    # 0.5 m² outside (0.005 m × 100 m) is below control_line.sliver_area_m2 = 1 m²: all inside.
    p = _parcels([box(X0, Y0, X0 + 100.005, Y0 + 100), box(X0 + 99.99, Y0 + 200, X0 + 120, Y0 + 300)])
    line = _lines(box(X0 - 5, Y0 - 5, X0 + 100, Y0 + 400))
    assert rules.value("control_line.sliver_area_m2") == 1.0
    ov = control_line_overlay(p, line, rules=rules)
    assert ov["inside_share"].iloc[0] == 1.0
    # second parcel: 0.01 m × 100 m = 1 m² inside is not below 1 m²: kept as a real piece
    assert ov["inside_area_m2"].iloc[1] == pytest.approx(1.0, abs=0.02)
    assert ov["sliver"].tolist() == [True, False]
    assert inside_share(p, line).attrs["slivers"] == [p.index[0]]


def test_near_coincident_edges_give_exact_shares(rules) -> None:
    # Edges digitised twice, a micrometre apart: the parcel inside is wholly inside, its
    # neighbour across the boundary wholly outside (the 1 µm overlap is 1e-4 m²).
    eps = 1e-6
    p = _parcels(
        [
            box(X0 + eps, Y0 + eps, X0 + 100 - eps, Y0 + 100 + eps),
            box(X0 + 100 - eps, Y0, X0 + 200, Y0 + 100),
        ]
    )
    line = _lines(box(X0, Y0, X0 + 100, Y0 + 100))
    ov = control_line_overlay(p, line, rules=rules)
    assert ov["inside_share"].tolist() == [1.0, 0.0]
    # two line polygons 1 mm apart are joined on the 1 cm grid: a parcel across the seam is all inside
    seam = _lines(box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100.001, Y0, X0 + 200, Y0 + 100))
    across = _parcels([box(X0 + 50, Y0 + 10, X0 + 150, Y0 + 90)])
    assert inside_share(across, seam).iloc[0] == 1.0
    assert len(control_line_union(seam)) == 1


def test_touching_points_lines_and_mixed_layers_never_crash(rules) -> None:
    # a parcel touching the line only at a corner, one along an edge, and a line layer with a
    # stray LineString and Point: only polygonal parts count.
    p = _parcels(
        [
            box(X0 + 100, Y0 + 100, X0 + 150, Y0 + 150),  # corner touch → a Point intersection
            box(X0 + 100, Y0, X0 + 150, Y0 + 100),  # edge touch → a LineString intersection
            Polygon([(X0, Y0), (X0 + 100, Y0), (X0, Y0 + 100)]),  # triangle, half the square
        ]
    )
    line = _lines(box(X0, Y0, X0 + 100, Y0 + 100), LineString([(X0, Y0), (X0 + 500, Y0)]), Point(X0, Y0))
    ov = control_line_overlay(p, line, rules=rules)
    assert ov["inside_area_m2"].tolist() == [0.0, 0.0, pytest.approx(5_000.0)]
    assert ov["inside_share"].tolist() == [0.0, 0.0, 1.0]
    assert not ov["sliver"].any()


def test_parcels_in_another_crs_are_measured_in_epsg_4549(rules) -> None:
    p = _parcels([box(X0, Y0, X0 + 200, Y0 + 100)]).to_crs("EPSG:4490")
    line = _lines(box(X0, Y0 - 50, X0 + 100, Y0 + 200))
    ov = control_line_overlay(p, line, rules=rules)
    # reprojection round trip: 20 000 m² within a few cm², half inside
    assert ov["area_m2"].iloc[0] == pytest.approx(20_000.0, rel=1e-6)
    assert ov["inside_share"].iloc[0] == pytest.approx(0.5, abs=1e-5)


def test_mixed_dimension_parcels_keep_their_polygonal_part(rules) -> None:
    # A ring with a 50 m spike is invalid; make_valid gives GEOMETRYCOLLECTION(POLYGON, LINESTRING),
    # which GEOS refuses to intersect ("mixed-dimension"): only the 100 m square counts.
    spike = Polygon(
        [
            (X0, Y0),
            (X0 + 100, Y0),
            (X0 + 100, Y0 + 100),
            (X0 + 150, Y0 + 100),
            (X0 + 100, Y0 + 100),
            (X0, Y0 + 100),
        ]
    )
    collection = GeometryCollection(
        [box(X0 + 300, Y0, X0 + 400, Y0 + 100), LineString([(X0 + 400, Y0), (X0 + 500, Y0)])]
    )
    p = _parcels([spike, collection, LineString([(X0, Y0), (X0 + 10, Y0)])])
    line = _lines(box(X0 - 10, Y0 - 10, X0 + 350, Y0 + 200))
    ov = control_line_overlay(p, line, rules=rules)
    np.testing.assert_allclose(ov["area_m2"], [10_000.0, 10_000.0, 0.0])
    np.testing.assert_allclose(ov["inside_share"].iloc[:2], [1.0, 0.5])
    assert math.isnan(ov["inside_share"].iloc[2])  # a line has no area: no share
    parts = polygonal_parts(np.array([collection, None], dtype=object))
    assert parts[0].geom_type == "Polygon" and parts[1] is None


def test_a_parcel_wholly_inside_keeps_its_own_area_off_the_grid(rules) -> None:
    # Corners off the 1 cm grid: overlaid on that grid the 250.0098 m sides would shrink to
    # 250.00 m (4.9 m² less, above the 1 m² sliver rule: a share of 0.99992). Wholly inside,
    # the parcel is measured by its own area: share exactly 1, no sliver.
    x, y = X0 + 10.0051, Y0 + 10.0051
    side = 250.0098
    p = _parcels([box(x, y, x + side, y + side)])
    line = _lines(box(X0, Y0, X0 + 1_000, Y0 + 1_000))
    ov = control_line_overlay(p, line, rules=rules)
    assert ov["inside_area_m2"].iloc[0] == ov["area_m2"].iloc[0] == pytest.approx(side * side)
    assert ov["inside_share"].iloc[0] == 1.0
    assert not ov["sliver"].iloc[0]
