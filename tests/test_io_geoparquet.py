"""GeoParquet parcels (``.parquet`` / ``.geoparquet``): read like any other vector layer."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from ruian_land.core import InputError
from ruian_land.io import read_parcels

# 200 m × 200 m in EPSG:4549: 40 000 m² = 60 亩 exactly; 100 m × 200 m = 30 亩.
SQUARES = [box(520_000, 3_070_000, 520_200, 3_070_200), box(521_000, 3_070_000, 521_100, 3_070_200)]
CODES = ["330381101002GB00001", "330381101002GB00002"]


def _frame(crs: object = 4549) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"宗地代码": CODES, "权利人": ["瑞安市甲鞋业有限公司", "乙"]}, geometry=SQUARES, crs=crs
    )


@pytest.mark.parametrize("suffix", [".parquet", ".geoparquet"])
def test_geoparquet_parcels_read_with_area_and_rows(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"宗地{suffix}"
    _frame().to_parquet(path)
    gdf = read_parcels(path)
    assert list(gdf["宗地代码"]) == CODES
    assert list(gdf["area_mu"].round(9)) == [60.0, 30.0]
    assert list(gdf["source_row"]) == [1, 2]
    assert gdf.crs.to_epsg() == 4549
    assert gdf.attrs["encoding_source"] == "parquet"


def test_geoparquet_in_lon_lat_is_projected(tmp_path: Path) -> None:
    path = tmp_path / "宗地.parquet"
    _frame().to_crs(4490).to_parquet(path)
    gdf = read_parcels(path)
    assert gdf.crs.to_epsg() == 4549
    assert gdf["area_mu"].round(3).tolist() == [60.0, 30.0]


def test_parquet_without_geometry_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "宗地.parquet"
    pd.DataFrame({"宗地代码": CODES}).to_parquet(path)
    with pytest.raises(InputError, match="GeoParquet"):
        read_parcels(path)


def test_a_csv_named_parquet_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "宗地.parquet"
    path.write_text("宗地代码\n330381101002GB00001\n", encoding="utf-8")
    with pytest.raises(InputError, match="GeoParquet"):
        read_parcels(path)
