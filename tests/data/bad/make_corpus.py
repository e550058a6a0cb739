"""Write the bad-input corpus (tiny files; committed). Run: python3 tests/data/bad/make_corpus.py

Each file is one way a delivered file can be damaged or lie about itself; tests/test_bad_corpus.py
holds the expected outcome of each. Coordinates are EPSG:4549 metres near Ruian.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS
from shapely.geometry import Polygon, box

HERE = Path(__file__).resolve().parent
X0, Y0 = 520_000.0, 3_070_000.0


def _parcels(n: int = 3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "宗地代码": [f"330381101002GB{k:05d}" for k in range(n)],
            "权利人": [f"瑞安市测试{k}有限公司" for k in range(n)],
            "土地用途": ["工业用地"] * n,
        },
        geometry=[box(X0 + 300 * k, Y0, X0 + 300 * k + 200, Y0 + 200) for k in range(n)],
        crs="EPSG:4549",
    )


def _shp(frame: gpd.GeoDataFrame, name: str) -> Path:
    folder = HERE / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    path = folder / "宗地.shp"
    frame.to_file(path, encoding="gbk", engine="pyogrio")
    (folder / "宗地.cpg").unlink(missing_ok=True)
    (folder / "宗地.cpg").write_text("GBK", encoding="ascii")
    return path


def main() -> None:
    good = _shp(_parcels(), "good_shapefile")
    # 1. the .shp cut off in the middle of the second shape (a copy that stopped)
    cut = _shp(_parcels(), "truncated_shp")
    data = cut.read_bytes()
    cut.write_bytes(data[: 100 + 8 + 128 + 20])
    # 2. the .dbf from a two-parcel version beside a three-parcel .shp/.shx
    mix = _shp(_parcels(), "shx_dbf_disagree")
    two = _shp(_parcels(2), "two_parcels_tmp")
    shutil.copy(two.with_suffix(".dbf"), mix.with_suffix(".dbf"))
    shutil.rmtree(two.parent)
    # 3. the .dbf cut off inside its records
    dbf_cut = _shp(_parcels(), "truncated_dbf")
    raw = dbf_cut.with_suffix(".dbf").read_bytes()
    dbf_cut.with_suffix(".dbf").write_bytes(raw[: len(raw) - 150])
    # 4. a CSV saved under the shapefile's name
    lying = _shp(_parcels(), "csv_named_shp")
    lying.write_text("宗地代码,面积\n330381101002GB00000,60\n", encoding="utf-8")
    # 5. a layer with no features
    _shp(_parcels().iloc[:0], "zero_features")
    # 6. every geometry missing (a GeoJSON whose shapes were lost in an export)
    (HERE / "no_geometry.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": None,
                        "properties": {"宗地代码": f"330381101002GB0000{k}"},
                    }
                    for k in range(2)
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    # 7. a bow-tie (self-intersecting) parcel and a parcel with no geometry, beside a good one
    odd = _parcels()
    odd.loc[1, "geometry"] = Polygon(
        [(X0 + 300, Y0), (X0 + 500, Y0 + 200), (X0 + 500, Y0), (X0 + 300, Y0 + 200)]
    )
    odd.loc[2, "geometry"] = None
    _shp(odd, "bowtie_and_null")
    # 7b. a .cpg that says UTF-8 beside a GBK table; a .prj that says lon/lat beside metres
    cpg = _shp(_parcels(), "lying_cpg")
    cpg.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    prj = _shp(_parcels(), "lying_prj")
    prj.with_suffix(".prj").write_text(CRS.from_epsg(4490).to_wkt("WKT1_ESRI"), encoding="ascii")
    # 8. an .xlsx workbook saved under an .xls name (content decides)
    table = pd.DataFrame(
        {
            "统一社会信用代码": ["91330381MA2H000001"],
            "企业名称": ["瑞安市测试0有限公司"],
            "企业规模": ["规上"],
        }
    )
    table.to_excel(HERE / "xlsx_named.xls", index=False, engine="openpyxl")
    # 9. a PDF saved under an .xlsx name, 10. an empty (0-byte) csv, 11. an HTML error page as .csv
    (HERE / "pdf_named.xlsx").write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    )
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "error_page.xlsx").write_text(
        "<!DOCTYPE html><html><body>404 文件不存在</body></html>", encoding="utf-8"
    )
    print("wrote", sorted(p.name for p in HERE.iterdir() if p.name != Path(__file__).name), good)


if __name__ == "__main__":
    main()
