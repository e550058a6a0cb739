"""Zonal built-up fraction with exact cell coverage (exactextract)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

from ruian_land.core import InputError, InputWarning
from ruian_land.rules import load_rules
from ruian_land.screening import assess, zonal, zonal_mean

RULES = load_rules()

X0, Y0 = 500_000.0, 3_070_020.0  # top-left corner of a 2 × 2 grid of 10 m cells (EPSG:4549)
GRID = np.array([[10, 20], [255, 40]], dtype="uint8")  # percent; 255 = nodata


def _write(path: Path, *, crs: str = "EPSG:4549", x0: float = X0, nodata: int | None = 255) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=2,
        height=2,
        count=1,
        dtype="uint8",
        crs=crs,
        transform=Affine(10.0, 0.0, x0, 0.0, -10.0, Y0),
        nodata=nodata,
    ) as dst:
        dst.write(GRID, 1)
    return path


def _parcels() -> gpd.GeoDataFrame:
    geoms = [
        box(X0 + 2, Y0 - 8, X0 + 4, Y0 - 6),  # 2 m × 2 m inside the 10 % cell
        box(X0 + 5, Y0 - 15, X0 + 15, Y0 - 5),  # a quarter of each cell; one quarter is nodata
        box(X0 + 1, Y0 - 19, X0 + 9, Y0 - 11),  # inside the nodata cell
        box(X0 + 5, Y0 - 10, X0 + 20, Y0),  # 5 m of the 10 % cell and 10 m of the 20 % cell
        box(X0 + 500, Y0, X0 + 510, Y0 + 10),  # off the raster
    ]
    return gpd.GeoDataFrame(
        {"parcel_id": list("abcde")}, geometry=geoms, crs="EPSG:4549", index=[5, 6, 7, 8, 9]
    )


def test_exact_coverage(tmp_path: Path) -> None:
    tif = _write(tmp_path / "b.tif")
    out = zonal_mean(_parcels(), tif)
    assert list(out.index) == [5, 6, 7, 8, 9]
    assert out.name == "built_up_fraction"
    assert out[5] == pytest.approx(0.10)  # smaller than a cell: that cell's value, not NaN
    assert out[6] == pytest.approx((10 + 20 + 40) / 3 / 100)  # nodata quarter ignored
    assert math.isnan(out[7])  # only nodata under it
    assert out[8] == pytest.approx((10 * 5 + 20 * 10) / 15 / 100)  # 16.67 %
    assert math.isnan(out[9])


def test_vectors_reprojected_to_raster_crs(tmp_path: Path) -> None:
    # the same grid written in the zone-prefixed CRS (EPSG:4528, false easting 40 500 000 m)
    tif = _write(tmp_path / "z.tif", crs="EPSG:4528", x0=X0 + 40_000_000)
    out = zonal_mean(_parcels(), tif)
    assert out[5] == pytest.approx(0.10)
    assert out[8] == pytest.approx(50 / 3 / 100)
    # and parcels given in lon/lat find the same cells
    out_ll = zonal_mean(_parcels().to_crs("EPSG:4326"), _write(tmp_path / "c.tif"))
    assert out_ll[5] == pytest.approx(0.10)
    assert out_ll[6] == pytest.approx(70 / 3 / 100, rel=1e-3)


def test_no_nodata_declared_warns(tmp_path: Path) -> None:
    tif = _write(tmp_path / "n.tif", nodata=None)
    with pytest.warns(InputWarning, match="no nodata"):
        out = zonal_mean(_parcels(), tif)
    assert out[7] == pytest.approx(2.55)  # 255 % counted as data when nodata is not declared


def test_missing_raster_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot open the raster"):
        zonal_mean(_parcels(), tmp_path / "missing.tif")


def test_sub_cell_parcels_straddling_cells_get_exact_weights(tmp_path: Path) -> None:
    tif = _write(tmp_path / "s.tif")
    parcels = gpd.GeoDataFrame(
        geometry=[
            box(X0 + 7, Y0 - 3, X0 + 11, Y0 - 1),  # 4 m × 2 m: 3 m over the 10 % cell, 1 m over the 20 % cell
            box(X0 + 8, Y0 - 12, X0 + 12, Y0 - 8),  # 4 m × 4 m on the corner of all four cells
            box(X0 + 9.9, Y0 - 0.2, X0 + 10.1, Y0 - 0.1),  # 0.2 m × 0.1 m: 0.02 m², half on each cell
        ],
        crs="EPSG:4549",
    )
    out = zonal_mean(parcels, tif)
    assert out[0] == pytest.approx((10 * 3 + 20 * 1) / 4 / 100)  # 12.5 %
    assert out[1] == pytest.approx((10 + 20 + 40) / 3 / 100)  # the nodata quarter ignored
    assert out[2] == pytest.approx(0.15)  # a few cm² still get their exact share, never NaN
    assert out.notna().all()


def test_split_over_processes_gives_the_same_means(tmp_path: Path) -> None:
    tif = _write(tmp_path / "b.tif")
    parcels = pd.concat([_parcels()] * 5, ignore_index=True)
    one = zonal_mean(parcels, tif, workers=1)
    three = zonal_mean(parcels, tif, workers=3)  # three slices, three forked processes
    pd.testing.assert_series_equal(one, three)
    assert int(one.notna().sum()) == 3 * 5  # parcels 5, 6 and 8 of each copy


def test_means_started_early_on_forked_processes_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tif = _write(tmp_path / "e.tif", nodata=None)
    parcels = pd.concat([_parcels()] * 4, ignore_index=True).set_axis(range(100, 120))
    with pytest.warns(InputWarning, match="no nodata"):
        want = zonal_mean(parcels, tif, workers=1)
    monkeypatch.setattr(zonal, "PARALLEL_MIN_PARCELS", 10)  # 20 parcels: three forked slices of 6-7
    monkeypatch.setattr(zonal, "cores", lambda: 3)
    pending = zonal.start_zonal_mean(parcels, tif)
    assert len(pending._jobs) == 3
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        got = pending()
    pd.testing.assert_series_equal(got, want)
    assert got.index.tolist() == list(range(100, 120)) and got[107] == pytest.approx(2.55)
    assert [str(w.message).count("no nodata") for w in seen] == [1]  # once, not once per process
    # an error of the caller before the means are needed: the forked part is stopped
    pending = zonal.start_zonal_mean(parcels, tif)
    pending.cancel()
    assert pending._jobs and not any(job._process.is_alive() for job in pending._jobs)
    # a bad raster: the same error as zonal_mean's
    with pytest.raises(InputError, match="cannot open the raster"):
        zonal.start_zonal_mean(parcels, tmp_path / "missing.tif")()


def test_screen_gives_the_same_parcels_with_the_means_started_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tif = _write(tmp_path / "f.tif")
    parcels = pd.concat([_parcels()] * 4, ignore_index=True)
    parcels["parcel_id"] = [f"P{i:02d}" for i in range(len(parcels))]
    parcels["land_use"] = "工业用地"
    parcels["area_m2"] = parcels.area
    firms = pd.DataFrame({"uscc": pd.Series([], dtype="str")})
    links = pd.DataFrame({"uscc": [], "parcel_id": [], "land_area_mu": [], "land_share": [], "tax_wan": []})
    args = dict(built_up=tif, as_of="2021-12-31")
    one = assess.screen(parcels, firms, links, RULES, **args).parcels
    monkeypatch.setattr(zonal, "PARALLEL_MIN_PARCELS", 10)
    monkeypatch.setattr(zonal, "cores", lambda: 2)
    two = assess.screen(parcels, firms, links, RULES, **args).parcels
    pd.testing.assert_frame_equal(one, two)
    assert two["built_up_fraction"].notna().sum() == 12
