"""``engine: fiona`` reads the same frame as the default pyogrio engine (design stack: fiona/pyogrio)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from ruian_land.config import SourceConfig
from ruian_land.core import InputError
from ruian_land.io import read_parcels

pytest.importorskip("fiona")

# 200 m × 200 m in EPSG:4549: 40 000 m² = 60 亩 exactly; 100 m × 200 m = 30 亩.
SQUARES = [box(520_000, 3_070_000, 520_200, 3_070_200), box(521_000, 3_070_000, 521_100, 3_070_200)]


def _shapefile(tmp_path: Path) -> Path:
    gdf = gpd.GeoDataFrame(
        {
            "宗地代码": ["330381101002GB00001", "330381101002GB00002"],
            "权利人": ["瑞安市甲鞋业有限公司", "乙"],
        },
        geometry=SQUARES,
        crs=4549,
    )
    path = tmp_path / "宗地.shp"
    gdf.to_file(path, encoding="gbk", engine="pyogrio")
    return path


def test_fiona_and_pyogrio_give_the_same_parcels(tmp_path: Path) -> None:
    shp = _shapefile(tmp_path)
    a = read_parcels(shp, encoding="gbk")
    b = read_parcels(shp, encoding="gbk", engine="fiona")
    assert list(b["area_mu"].round(9)) == [60.0, 30.0]
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")), check_dtype=False
    )
    assert a.geometry.geom_equals(b.geometry).all()
    assert b.loc[0, "权利人"] == "瑞安市甲鞋业有限公司"


def test_unknown_engine_is_refused_with_the_choices(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="pyogrio, fiona"):
        read_parcels(_shapefile(tmp_path), engine="arcpy")


def test_config_accepts_engine_and_refuses_others() -> None:
    assert SourceConfig(path=Path("x.shp"), engine="fiona").engine == "fiona"
    with pytest.raises(ValueError, match="engine"):
        SourceConfig(path=Path("x.shp"), engine="arcpy")  # type: ignore[arg-type]
