"""A province-sized sample (≈ 1 000 000 parcels): the sample county tiled over Zhejiang.

:func:`build_sample` draws every parcel and firm one by one and holds all its intermediate
frames, so it stops at ``MAX_SCALE`` (≈ 114 000 parcels, 13 GB). The province is instead the
county built once (``base_scale``, default 2: ≈ 9 400 parcels, 7 000 firms) and repeated
``tiles`` times on a grid of 37 km × 18.5 km cells (13 columns, up to 21 rows, all inside
:data:`ruian_land.core.ZHEJIANG_LONLAT_BOUNDS`):

* geometry shifted by the cell offset (``shapely.transform``, one call per tile), planted
  geometry faults kept as they are;
* the administrative-division part of every code re-coded per tile (tile 0 keeps ``330381``,
  tile ``k`` gets ``33`` + ``5000 + k``): characters 3-8 of the 统一社会信用代码 and the first
  six of the 宗地代码. The GB 32100-2015 check character is weighted-additive, so the new check
  character is the old one shifted by the weight of the change: a correct code stays correct, a
  planted wrong check character stays wrong by the same amount, and full-width, lower-case and
  spaced variants are rewritten in the same style;
* town, park, firm and lessor names suffixed ``(副本k+1)`` for tile ``k`` ≥ 1 (tile 0 unchanged);
* numbers unchanged, so every total is ``tiles`` × the county's (the tax 合计 row is summed anew).

Two variants share the control lines, towns, boundary and built-up raster: the bureau mix of
``data/`` (GBK shapefile, xlsx, CSV; ``project.yaml``) and ``geoparquet/`` (parcels as GeoParquet,
tables as UTF-8 CSV; ``geoparquet/project.yaml``). Deterministic for a seed.
"""

from __future__ import annotations

import gc
import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import rasterio
import shapely
from rasterio.transform import Affine
from rasterio.windows import Window

from ruian_land.core import USCC_ALPHABET, WORKING_CRS
from ruian_land.sample.bulk import write_parcels_bulk, write_xlsx_rows
from ruian_land.sample.generate import (
    _SHEETS,
    _STATS_TITLE,
    DEFAULT_SEED,
    FILES,
    SampleCounty,
    build_sample,
)
from ruian_land.sample.raster import NODATA
from ruian_land.sample.writers import write_csv, write_gpkg, write_utf8_shapefile

__all__ = [
    "MAX_TILES",
    "PARQUET_FILES",
    "TILED_SOURCES",
    "Province",
    "build_province",
    "generate_province",
    "recode_uscc",
    "tile_admin_codes",
    "write_geoparquet",
    "write_province",
]

_COLUMNS = 13
_ROWS = 21
#: Most tiles the grid holds inside Zhejiang's lon/lat box.
MAX_TILES = _COLUMNS * _ROWS
_CELL_X_M = 37_000.0
_CELL_Y_M = 18_500.0
_FIRST_COLUMN = 6  # tile 0 (the county in place) is the 7th column of the bottom row
_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}
_FULLWIDTH = {c: c + 0xFEE0 for c in range(ord("!"), ord("~") + 1)}

#: Source → path of the GeoParquet variant, relative to ``<out>/geoparquet/``.
PARQUET_FILES: dict[str, str] = {
    "parcels": "parcels/宗地.parquet",
    "registry": "enterprises/企业名录.csv",
    "tax": "enterprises/税收.csv",
    "statistics": "enterprises/统计.csv",
    "energy": "enterprises/能耗.csv",
    "emissions": "enterprises/排放.csv",
    "leases": "enterprises/厂房租赁.csv",
    **{k: f"../{FILES[k]}" for k in ("control_lines", "towns", "boundary", "built_up")},
}
# code, name, parcel-id and town/park columns of each table
_CODE_COLS = {
    "parcels": ["权利人代码"],
    "registry": ["统一社会信用代码"],
    "tax": ["纳税人识别号"],
    "statistics": ["统一社会信用代码"],
    "energy": ["统一社会信用代码"],
    "emissions": ["统一社会信用代码"],
    "leases": ["承租企业代码"],
}
_NAME_COLS = {
    "parcels": ["权利人", "所在乡镇", "园区名称"],
    "registry": ["企业名称", "所在乡镇"],
    "tax": ["纳税人名称"],
    "statistics": ["单位详细名称"],
    "energy": ["企业名称"],
    "emissions": ["企业名称"],
    "leases": ["承租企业名称", "出租方名称"],
}
_PARCEL_ID_COLS = {"parcels": ["宗地代码"], "leases": ["宗地代码"]}
_TAX_CODE, _TAX_AMOUNT = "纳税人识别号", "实缴税收(万元)"


@dataclass
class Province:
    """The tiled province in memory (files' Chinese headers, EPSG:4549).

    ``parcels`` holds the attribute columns and ``parcel_wkb`` the geometry as WKB (object
    array aligned with ``parcels``); the other frames are the county's tables repeated per tile.
    ``built_up`` is the county raster (repeated into the mosaic when written) with
    ``built_up_transform`` of tile 0, ``offsets`` the (dx, dy) metres of each tile and
    ``geometry_types`` the parcel geometry types present (for the GeoParquet metadata).
    """

    seed: int
    base_scale: float
    tiles: int
    evaluation_year: int
    parcels: pd.DataFrame
    parcel_wkb: np.ndarray
    tables: dict[str, pd.DataFrame]
    layers: dict[str, gpd.GeoDataFrame]
    built_up: np.ndarray
    built_up_transform: Affine
    offsets: np.ndarray
    geometry_types: tuple[str, ...] = ("Polygon",)


def tile_admin_codes(tiles: int) -> np.ndarray:
    """Six-digit division code of each tile: ``330381`` (Ruian) for tile 0, ``33`` + ``5000 + k``.

    Raises
    ------
    ValueError
        ``tiles`` is not in 1 … :data:`MAX_TILES`.
    """
    if not 1 <= tiles <= MAX_TILES:
        raise ValueError(f"tiles must be in 1..{MAX_TILES}, got {tiles}")
    return np.array(["330381"] + [f"33{5000 + k:04d}" for k in range(1, tiles)], dtype=object)


def _offsets(tiles: int) -> np.ndarray:
    k = np.arange(tiles)
    col, row = (k + _FIRST_COLUMN) % _COLUMNS, (k + _FIRST_COLUMN) // _COLUMNS
    return np.column_stack([(col - _FIRST_COLUMN) * _CELL_X_M, row * _CELL_Y_M])


def _suffixes(tiles: int) -> np.ndarray:
    return np.array([""] + [f"(副本{k + 1})" for k in range(1, tiles)], dtype=object)


def _digit_sum(codes6: pd.Series) -> np.ndarray:
    """Σ w_i d_i over characters 3-8 (the division code) of each code, mod 31."""
    total = np.zeros(len(codes6), dtype=np.int64)
    for i in range(6):
        total += _WEIGHTS[2 + i] * pd.to_numeric(codes6.str[i], errors="coerce").fillna(0).to_numpy(int)
    return total % 31


def recode_uscc(written: pd.Series, tiles: int) -> pd.Series:
    """Codes as a table writes them, repeated per tile and moved to each tile's division code.

    Parameters
    ----------
    written : Series
        The county's codes as written (valid, wrong check character, full-width, lower case,
        spaced, blank), ``n`` rows.
    tiles : int
        Number of tiles (division codes from :func:`tile_admin_codes`).

    Returns
    -------
    Series
        ``n * tiles`` rows, tile-major (tile 0's ``n`` rows first, unchanged), index ``0..``.
        Characters 3-8 become the tile's division code and the check character is shifted by the
        weighted change, so its distance from the correct one is kept; the full-width, lower-case
        or spaced style of a code is kept. Codes that do not normalise to 18 characters with a
        six-digit division code are repeated unchanged.
    """
    admin = tile_admin_codes(tiles)
    n = len(written)
    text = pd.Series(written.to_numpy(dtype=object), dtype="string")
    canon = text.str.normalize("NFKC").str.replace(r"[\s\-_]", "", regex=True).str.upper()
    ok = canon.str.fullmatch(r"[0-9A-Z]{2}\d{6}[0-9A-Z]{10}").fillna(False).to_numpy(bool)
    check = canon.str[17].map(_VALUE).astype("float").to_numpy()
    ok &= np.isfinite(check)
    old_sum = _digit_sum(canon.str[2:8].fillna("000000"))
    new_sum = _digit_sum(pd.Series(admin, dtype="string"))
    tile = np.repeat(np.arange(tiles), n)
    shifted = (np.tile(np.nan_to_num(check).astype(np.int64) + old_sum, tiles) - new_sum[tile]) % 31
    alphabet = np.array(list(USCC_ALPHABET), dtype=object)
    new = (
        pd.Series(np.tile(canon.str[:2].to_numpy(dtype=object), tiles), dtype="string")
        + pd.Series(admin[tile], dtype="string")
        + pd.Series(np.tile(canon.str[8:17].to_numpy(dtype=object), tiles), dtype="string")
        + pd.Series(alphabet[shifted], dtype="string")
    )
    fullwidth = np.tile((text != text.str.normalize("NFKC")).fillna(False).to_numpy(bool), tiles)
    spaced = np.tile(text.str.contains(" ", regex=False).fillna(False).to_numpy(bool), tiles)
    lower = np.tile((text != text.str.upper()).fillna(False).to_numpy(bool), tiles) & ~fullwidth
    for mask, restyle in (
        (fullwidth, lambda v: v.str.translate(_FULLWIDTH)),
        (lower, lambda v: v.str.lower()),
        (spaced, lambda v: " " + v.str[:8] + " " + v.str[8:]),
    ):
        if mask.any():
            new[mask] = restyle(new[mask])
    repeated = pd.Series(np.tile(text.to_numpy(dtype=object), tiles), dtype="string")
    return repeated.mask(np.tile(ok, tiles), new)


def _repeat(frame: pd.DataFrame, tiles: int) -> tuple[pd.DataFrame, np.ndarray]:
    n = len(frame)
    out = frame.iloc[np.tile(np.arange(n), tiles)].reset_index(drop=True)
    return out, np.repeat(np.arange(tiles), n)


def _tile_table(name: str, frame: pd.DataFrame, tiles: int) -> pd.DataFrame:
    """The table repeated per tile with codes, parcel ids and names moved to each tile (text
    columns as pandas ``string``, blanks ``<NA>``)."""
    admin, sfx = tile_admin_codes(tiles), _suffixes(tiles)
    text = [c for c in frame.columns if frame[c].dtype == object and c != "geometry"]
    out, tile = _repeat(frame.astype(dict.fromkeys(text, "string")), tiles)
    for col in _CODE_COLS.get(name, []):
        out[col] = recode_uscc(frame[col], tiles)
    for col in _PARCEL_ID_COLS.get(name, []):
        pid = out[col].astype("string")
        digits = pid.str[:6].str.fullmatch(r"\d{6}").fillna(False).to_numpy(bool)
        moved = pd.Series(admin[tile], index=out.index, dtype="string") + pid.str[6:]
        out[col] = pid.mask(digits, moved)
    for col in _NAME_COLS.get(name, []):
        values = out[col].astype("string")
        blank = (values.isna() | (values == "")).to_numpy(bool)
        named = values + pd.Series(sfx[tile], index=out.index, dtype="string")
        out[col] = values.mask(~blank, named)
    return out


def _amount(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(
        values.astype("string").str.replace(",", "", regex=False), errors="coerce"
    ).to_numpy()


def _tile_tax(tax: pd.DataFrame, tiles: int) -> pd.DataFrame:
    """Tax rows per tile and one 合计 row (the sum of all rows) at the end."""
    total_row = tax[_TAX_CODE].astype("string") == "合计"
    body = _tile_table("tax", tax[~total_row.to_numpy(bool)], tiles)
    total = float(np.nansum(_amount(body[_TAX_AMOUNT])))
    last = tax[total_row.to_numpy(bool)].iloc[-1:].copy()
    last[_TAX_AMOUNT] = f"{total:,.2f}"
    return pd.concat([body, last], ignore_index=True)


def _tile_layer(gdf: gpd.GeoDataFrame, box: shapely.Geometry, offsets: np.ndarray) -> list[np.ndarray]:
    """The layer's geometries clipped to the county cell, then shifted to each tile."""
    clipped = shapely.intersection(gdf.geometry.to_numpy(), box)
    return [shapely.transform(clipped, lambda xy, d=d: xy + d) for d in offsets]


def _tile_layers(
    county: SampleCounty, offsets: np.ndarray, box: shapely.Geometry
) -> dict[str, gpd.GeoDataFrame]:
    tiles = len(offsets)
    sfx, admin = _suffixes(tiles), tile_admin_codes(tiles)
    out = {}
    for name in ("control_lines", "towns", "boundary"):
        gdf = getattr(county, name)
        frame, tile = _repeat(gdf.drop(columns="geometry"), tiles)
        frame["名称"] = frame["名称"].astype(str) + sfx[tile]
        if name == "boundary":
            frame["行政代码"] = admin[tile]
        geoms = np.concatenate(_tile_layer(gdf, box, offsets))
        layer = gpd.GeoDataFrame(frame, geometry=geoms, crs=WORKING_CRS)
        out[name] = layer[~layer.geometry.is_empty].reset_index(drop=True)
    return out


def _tiles_for(parcels: int, base_count: int) -> int:
    n = max(1, round(parcels / base_count))
    if n > MAX_TILES:
        raise ValueError(
            f"{parcels:,} parcels need {n} tiles of {base_count:,}, more than the {MAX_TILES} the grid holds "
            "inside Zhejiang; ask for fewer parcels"
        )
    return n


def build_province(
    parcels: int = 1_000_000,
    *,
    seed: int = DEFAULT_SEED,
    base_scale: float = 2.0,
    tiles: int | None = None,
) -> Province:
    """Build the tiled province in memory.

    Parameters
    ----------
    parcels : int
        Parcel records wanted; the tile count is ``round(parcels / county records)`` (so the
        total is within half a county of it). Ignored when ``tiles`` is given.
    seed : int
        Seed of the county (:func:`ruian_land.sample.build_sample`).
    base_scale : float
        Scale of the county that is tiled (≤ 2: grown in place on the Ruian outline).
    tiles : int, optional
        Number of tiles (1 … :data:`MAX_TILES`).

    Returns
    -------
    Province

    Raises
    ------
    ValueError
        ``base_scale`` outside (0, 2], ``tiles`` outside 1 … :data:`MAX_TILES`, or more parcels
        than :data:`MAX_TILES` counties hold.
    """
    if not 0 < base_scale <= 2:
        raise ValueError(f"base_scale must be in (0, 2], got {base_scale}")
    if tiles is not None:
        tile_admin_codes(tiles)  # raises for a count outside 1 … MAX_TILES, before the county is built
    county = build_sample(seed=seed, scale=base_scale)
    n_tiles = tiles if tiles is not None else _tiles_for(parcels, len(county.parcels))
    offsets = _offsets(n_tiles)
    h, w = county.built_up.shape
    t = county.built_up_transform
    box = shapely.box(t.c, t.f + h * t.e, t.c + w * t.a, t.f)
    base_geoms = county.parcels.geometry.to_numpy()
    wkb = np.concatenate(
        [
            np.asarray(shapely.to_wkb(shapely.transform(base_geoms, lambda xy, d=d: xy + d)), dtype=object)
            for d in offsets
        ]
    )
    tables = {
        name: _tile_table(name, getattr(county, name), n_tiles)
        for name in ("registry", "statistics", "energy", "emissions", "leases")
    }
    tables["tax"] = _tile_tax(county.tax, n_tiles)
    attrs = _tile_table("parcels", pd.DataFrame(county.parcels.drop(columns="geometry")), n_tiles)
    province = Province(
        seed=seed,
        base_scale=base_scale,
        tiles=n_tiles,
        evaluation_year=county.evaluation_date.year,
        parcels=attrs,
        parcel_wkb=wkb,
        tables=tables,
        layers=_tile_layers(county, offsets, box),
        built_up=county.built_up,
        built_up_transform=county.built_up_transform,
        offsets=offsets,
        geometry_types=tuple(
            sorted(_TYPE_NAMES[int(i)] for i in np.unique(shapely.get_type_id(base_geoms)) if i >= 0)
        ),
    )
    del county
    gc.collect()
    return province


def _write_mosaic(province: Province, path: Path) -> Path:
    """One GeoTIFF holding the county raster at every tile's place (sparse: no blocks elsewhere)."""
    h, w = province.built_up.shape
    t = province.built_up_transform
    step_c, step_r = round(_CELL_X_M / t.a), round(_CELL_Y_M / -t.e)
    if w > step_c or h > step_r:  # the tiles would overlap (a county wider than its cell)
        raise ValueError(f"the county raster ({w}×{h} cells) does not fit a {step_c}×{step_r} tile cell")
    cols = np.round(province.offsets[:, 0] / t.a).astype(int)
    rows = np.round(province.offsets[:, 1] / -t.e).astype(int)
    c0, r_top = cols.min(), rows.max()
    width = int(cols.max() - c0 + step_c)
    height = int(r_top - rows.min() + step_r)
    transform = Affine(t.a, 0.0, t.c + c0 * t.a, 0.0, t.e, t.f - r_top * t.e)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    profile = {
        "driver": "GTiff",
        "height": height,
        "width": width,
        "count": 1,
        "dtype": "uint8",
        "crs": "EPSG:4549",
        "transform": transform,
        "nodata": NODATA,
        "compress": "deflate",
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "sparse_ok": True,
        "BIGTIFF": "IF_SAFER",
    }
    with rasterio.Env(GDAL_PAM_ENABLED="NO"), rasterio.open(path, "w", **profile) as dst:
        for c, r in zip(cols, rows, strict=True):
            window = Window(int(c - c0), int(r_top - r), w, h)
            dst.write(province.built_up, 1, window=window)
    return path


def _geo_metadata(geometry_types: tuple[str, ...]) -> dict[str, object]:
    return {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": list(geometry_types),
                "crs": json.loads(WORKING_CRS.to_json()),
            }
        },
    }


def write_geoparquet(
    attrs: pd.DataFrame,
    wkb: np.ndarray,
    path: Path,
    geometry_types: tuple[str, ...] = ("Polygon",),
    row_group: int = 100_000,
) -> Path:
    """Write parcels as GeoParquet 1.0 (WKB geometry of ``geometry_types``, EPSG:4549) in row
    groups of ``row_group`` rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first = pa.Table.from_pandas(attrs.iloc[:1], preserve_index=False)
    schema = first.schema.append(pa.field("geometry", pa.binary()))
    schema = schema.with_metadata({b"geo": json.dumps(_geo_metadata(geometry_types)).encode()})
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for start in range(0, len(attrs), row_group):
            part = attrs.iloc[start : start + row_group]
            table = pa.Table.from_pandas(part, schema=schema.remove(len(schema) - 1), preserve_index=False)
            table = table.append_column("geometry", pa.array(wkb[start : start + row_group], pa.binary()))
            writer.write_table(table.replace_schema_metadata(schema.metadata))
    return path


#: The sources a province repeats tile by tile; the county's optional tables (firm_history,
#: investment, projects, standard_land_contracts) are left out of its project.yaml.
TILED_SOURCES: tuple[str, ...] = (
    "parcels", "registry", "tax", "statistics", "energy", "emissions", "leases",
    "control_lines", "towns", "boundary", "built_up",
)  # fmt: skip


def _project_yaml(province: Province, files: dict[str, str], encodings: dict[str, str]) -> str:
    shared = any(path.startswith("../") for path in files.values())
    lines = [
        f"# Province-scale sample: the sample county (seed {province.seed}, scale "
        f"{province.base_scale:g}) tiled {province.tiles} times (ruian_land.sample.province).",
        f"# Regenerate: python -m ruian_land.sample --province --tiles {province.tiles} "
        f"--base-scale {province.base_scale:g} --seed {province.seed} --out <folder>",
        "name: 浙江省样例(瑞安市样例县平铺)",
        f"data_year: {province.evaluation_year}",
        f"evaluation_date: {province.evaluation_year}-12-31",
        "rules: {base: ruian_default, evaluation: huangyan_2021}",
        *(["allow_outside_paths: true  # the layers shared with the mix variant"] if shared else []),
        "sources:",
    ]
    for name, path in files.items():
        if name not in TILED_SOURCES:  # the county's optional tables (history, projects …) are not tiled
            continue
        extra = [f"encoding: {encodings[name]}"] if name in encodings else []
        if name in _SHEETS and path.endswith(".xlsx"):
            extra.append(f"sheet: {_SHEETS[name]}")
        lines.append(f"  {name}: {{{', '.join([f'path: {path}', *extra])}}}")
    return "\n".join(lines) + "\n"


def write_province(
    province: Province, out_dir: str | Path, *, formats: tuple[str, ...] = ("mix", "geoparquet")
) -> dict[str, Path]:
    """Write the province: shared layers, then the ``mix`` and/or ``geoparquet`` variants.

    Parameters
    ----------
    province : Province
        From :func:`build_province`.
    out_dir : str or Path
        Folder (created). ``mix``: ``<out>/project.yaml`` and the files of
        :data:`ruian_land.sample.FILES`; ``geoparquet``: ``<out>/geoparquet/project.yaml`` and
        :data:`PARQUET_FILES` (shared layers referenced from ``<out>``).

    Returns
    -------
    dict of str to Path
        ``project`` / ``geoparquet_project`` and every file written, by ``<variant>:<source>``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    layers = province.layers
    paths["control_lines"] = out / FILES["control_lines"]
    write_utf8_shapefile(layers["control_lines"], paths["control_lines"])
    for name, layer in (("towns", "乡镇街道"), ("boundary", "浙江省样例")):
        paths[name] = write_gpkg(layers[name], out / FILES[name], layer)
    paths["built_up"] = _write_mosaic(province, out / FILES["built_up"])
    tables = province.tables
    if "mix" in formats:
        write_parcels_bulk(province.parcels, province.parcel_wkb, out / FILES["parcels"])
        paths["mix:parcels"] = out / FILES["parcels"]
        text = {
            "registry": ("统一社会信用代码", "行业代码"),
            "statistics": ("统一社会信用代码",),
            "energy": ("统一社会信用代码",),
            "leases": ("承租企业代码", "宗地代码"),
        }
        for name, cols in text.items():
            title = _STATS_TITLE.format(year=province.evaluation_year) if name == "statistics" else None
            paths[f"mix:{name}"] = write_xlsx_rows(
                out / FILES[name], _SHEETS[name], tables[name], title=title, text_columns=cols
            )
        paths["mix:tax"] = write_csv(tables["tax"], out / FILES["tax"], "gbk")
        paths["mix:emissions"] = write_csv(tables["emissions"], out / FILES["emissions"], "utf-8-sig")
        paths["project"] = out / "project.yaml"
        yaml_text = _project_yaml(province, FILES, {"parcels": "gbk", "tax": "gbk"})
        paths["project"].write_text(yaml_text, encoding="utf-8", newline="\n")
    if "geoparquet" in formats:
        gp = out / "geoparquet"
        paths["geoparquet:parcels"] = write_geoparquet(
            province.parcels, province.parcel_wkb, gp / PARQUET_FILES["parcels"], province.geometry_types
        )
        for name, frame in tables.items():
            paths[f"geoparquet:{name}"] = write_csv(frame, gp / PARQUET_FILES[name], "utf-8")
        paths["geoparquet_project"] = gp / "project.yaml"
        yaml_text = _project_yaml(province, PARQUET_FILES, {})
        paths["geoparquet_project"].write_text(yaml_text, encoding="utf-8", newline="\n")
    return paths


def generate_province(
    out_dir: str | Path,
    parcels: int = 1_000_000,
    *,
    seed: int = DEFAULT_SEED,
    base_scale: float = 2.0,
    tiles: int | None = None,
    formats: tuple[str, ...] = ("mix", "geoparquet"),
) -> dict[str, Path]:
    """:func:`build_province` then :func:`write_province` (see both)."""
    province = build_province(parcels, seed=seed, base_scale=base_scale, tiles=tiles)
    return write_province(province, out_dir, formats=formats)
