"""Vector layers as delivered: shapefiles (GBK/UTF-8 DBF, ESRI .prj), GeoPackage, GeoJSON
(including DataV's bare JSON arrays of features), TopoJSON, zip, GeoParquet.

Everything is returned in the working CRS (EPSG:4549) with the source's own columns kept and a
1-based ``source_row``. GCJ-02 / BD-09 lon/lat (AMap, DataV, Baidu) are converted to WGS84
first when the caller says so (``coords=``, :mod:`ruian_land.core.coords`). Geometry is not
repaired here (that is :mod:`ruian_land.validate`).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import shape

from ruian_land.core import (
    OFFSET_SYSTEMS,
    InputError,
    InputWarning,
    crs_equal,
    frame_to_wgs84,
    m2_to_mu,
    to_working,
)
from ruian_land.io.encoding import EncodingChoice, choose_vector_encoding
from ruian_land.io.integrity import check_features, check_shapefile, check_suffix

__all__ = ["ENGINES", "GEOMETRY_STATUSES", "PARQUET_SUFFIXES", "read_layer", "read_parcels"]

#: Suffixes read as GeoParquet (``geopandas.read_parquet``; GDAL need not have the Parquet driver).
PARQUET_SUFFIXES: frozenset[str] = frozenset({".parquet", ".geoparquet"})


def _open_path(path: Path) -> str:
    if path.suffix.lower() == ".zip":
        return f"/vsizip/{path}"
    return str(path)


#: Files a shapefile cannot be read without, and what each holds.
_SHAPEFILE_PARTS = {
    ".dbf": "the attribute table (宗地代码, 权利人 … live there)",
    ".shx": "the index of the shapes",
}


def _check_shapefile_parts(p: Path, source: str) -> None:
    """Refuse a ``.shp`` whose ``.dbf`` or ``.shx`` is missing (any letter case), naming it."""
    present = {f.name.lower() for f in p.parent.iterdir()} if p.parent.is_dir() else set()
    missing = [ext for ext in _SHAPEFILE_PARTS if f"{p.stem}{ext}".lower() not in present]
    if not missing:
        return
    what = "; ".join(f"{p.stem}{ext} ({_SHAPEFILE_PARTS[ext]})" for ext in missing)
    raise InputError(
        f"the shapefile is incomplete: {what} {'is' if len(missing) == 1 else 'are'} missing next to it",
        path=source,
        fix="copy every file of the shapefile together (.shp, .shx, .dbf, .prj and .cpg if any, same "
        "name), or deliver it zipped or as a GeoPackage",
    )


def read_layer(
    path: str | Path,
    *,
    encoding: str | None = None,
    crs: Any = None,
    layer: str | int | None = None,
    add_area: bool = False,
    coords: str = "cgcs2000",
    engine: str = "pyogrio",
) -> gpd.GeoDataFrame:
    """Read any vector layer GDAL reads and return it in EPSG:4549.

    Parameters
    ----------
    path : str or Path
        ``.shp`` (with its ``.dbf``/``.shx``/``.prj``), ``.gpkg``, ``.geojson``/``.json``
        (a FeatureCollection, or a bare JSON array of Features as DataV files are),
        ``.topojson``, ``.zip`` holding a shapefile, ``.parquet``/``.geoparquet`` (GeoParquet,
        read with ``geopandas.read_parquet`` whatever the engine), or anything else pyogrio opens.
    encoding : str, optional
        Text encoding of the attributes. Wins over ``.cpg``, the DBF language byte and
        detection (:func:`ruian_land.io.encoding.choose_vector_encoding`); passed to pyogrio once.
    crs : str or pyproj.CRS, optional
        CRS of the coordinates as stored, for files with no ``.prj`` or a wrong one; wins over
        the file's own CRS (with an :class:`InputWarning` when they differ by definition).
    layer : str or int, optional
        Layer of a multi-layer source; default the first (with a warning naming the others).
    add_area : bool
        Add ``area_m2`` (shapely area in EPSG:4549) and ``area_mu`` (``units.m2_to_mu``).
    coords : {'cgcs2000', 'wgs84', 'gcj02', 'bd09'}
        Coordinate family of lon/lat data. ``gcj02`` (AMap, DataV) and ``bd09`` (Baidu) are
        converted to WGS84 with :func:`ruian_land.core.coords.frame_to_wgs84` before projecting; a
        file with no CRS is then taken as lon/lat (these systems are lon/lat by definition).
    engine : {'pyogrio', 'fiona'}
        The GDAL binding that reads the file: pyogrio (default, vectorised) or fiona (optional extra
        ``ruian-land[fiona]``). Both give the same frame; ``benchmarks/bench_read.py`` times them.

    Returns
    -------
    GeoDataFrame
        Index ``0..n-1`` in file order, CRS EPSG:4549, the source's columns (names decoded),
        ``source_row`` (1-based feature number), ``geometry`` (null geometries kept as None),
        and ``area_m2``/``area_mu`` when ``add_area`` (NaN for null geometry). ``attrs``
        holds ``encoding``, ``encoding_source``, ``encoding_reason``, ``source_crs``,
        ``coords`` and ``layer``.

    Raises
    ------
    InputError
        Missing file, a shapefile whose ``.dbf`` or ``.shx`` is missing, a file GDAL cannot
        open, an unknown ``crs``, no CRS and none given (the
        message says what the coordinates look like), implausible coordinates for the CRS
        (:func:`ruian_land.core.crs.check_plausible`), an encoding that cannot be decided, or
        ``gcj02``/``bd09`` declared for projected data.

    Warns
    -----
    InputWarning
        Detected encoding, overridden ``.cpg``/``.prj``, several layers, a bare JSON array.
    """
    p = Path(path)
    source = str(p)
    if not p.exists():
        raise InputError(
            "file not found",
            path=source,
            fix="check the path (and the sources section of the project config)",
        )
    if p.is_file():
        check_suffix(p, source=source)  # e.g. a CSV or an HTML error page named .shp / .gpkg
    if p.suffix.lower() == ".shp":
        _check_shapefile_parts(p, source)
        check_shapefile(p, source=source)  # cut off, or .shx / .dbf from another version
    offset = str(coords).lower() in OFFSET_SYSTEMS
    if crs is not None:
        crs = _user_crs(crs, source)
    features = _bare_feature_array(p, encoding, source)
    choice: EncodingChoice | None = None
    if features is not None:
        gdf = _from_features(features, source)
        layer = None
        choice = EncodingChoice(encoding or "utf-8", "explicit" if encoding else "json", "JSON text")
    elif p.suffix.lower() in PARQUET_SUFFIXES:
        gdf = _read_parquet(p, source)
        layer = None
        choice = EncodingChoice("utf-8", "parquet", "Parquet strings are UTF-8")
    else:
        choice = choose_vector_encoding(p, encoding, source=source)
        gdf, layer = _read_vector(p, choice, layer, source, _engine(engine, source))
    check_features(gdf, source=source)
    file_crs = gdf.crs
    if crs is not None:
        if file_crs is not None and not crs_equal(file_crs, crs):
            warnings.warn(
                f"{source}: the file says its CRS is '{file_crs.name}' but the config says '{crs}'; using '{crs}'",
                InputWarning,
                stacklevel=2,
            )
        gdf = gdf.set_crs(crs, allow_override=True)
    elif file_crs is None and offset:
        gdf = gdf.set_crs("EPSG:4326")  # GCJ-02 / BD-09 are lon/lat by definition
    elif file_crs is None:
        raise InputError(
            "the layer has no CRS (no .prj file or CRS metadata), so its coordinates cannot be placed"
            + _crs_hint(gdf),
            path=source,
            fix="add the .prj, or state the CRS for this source in the project config, e.g. "
            "crs: EPSG:4549 (CGCS2000 GK CM 120E metres) or crs: EPSG:4490 (CGCS2000 lon/lat)",
        )
    gdf = gdf.reset_index(drop=True)
    # Z values do not change planar area; drop them so repairs and overlays stay 2-D.
    if bool(shapely.has_z(gdf.geometry.values).any()):
        gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.values), crs=gdf.crs)
    if offset:
        gdf = frame_to_wgs84(gdf, coords, path=source)
    gdf = to_working(gdf, source=source)
    gdf["source_row"] = np.arange(1, len(gdf) + 1, dtype="int64")
    if add_area:
        for col in ("area_m2", "area_mu"):
            if col in gdf.columns and col != gdf.geometry.name:
                warnings.warn(
                    f"{source}: the source column '{col}' is replaced by the area computed from geometry",
                    InputWarning,
                    stacklevel=2,
                )
        gdf["area_m2"], gdf["geometry_status"] = _areas(gdf.geometry.to_numpy())
        gdf["area_mu"] = m2_to_mu(gdf["area_m2"].to_numpy())
    gdf.attrs.update(
        {
            "source": source,
            "encoding": None if choice is None else choice.encoding,
            "encoding_source": None if choice is None else choice.source,
            "encoding_reason": None if choice is None else choice.reason,
            "source_crs": _describe_crs(crs, file_crs, coords if offset else None),
            "coords": str(coords).lower(),
            "layer": layer,
        }
    )
    return gdf


def _read_vector(
    p: Path, choice: EncodingChoice | None, layer: str | int | None, source: str, engine: str = "pyogrio"
) -> tuple[gpd.GeoDataFrame, str | int | None]:
    """Read with pyogrio or fiona (first layer by default, with a warning when there are several)."""
    target = _open_path(p)
    if layer is None:
        try:
            layers = pyogrio.list_layers(target)
        except (DataSourceError, DataLayerError) as exc:
            raise _open_error(source, exc) from None
        if len(layers) > 1:
            warnings.warn(
                f"{source} has {len(layers)} layers {[str(x[0]) for x in layers]}; reading the first, "
                f"'{layers[0][0]}'. Name one with layer: in the project config",
                InputWarning,
                stacklevel=3,
            )
            layer = str(layers[0][0])
    kwargs: dict[str, Any] = {"layer": layer}
    if choice is not None:
        kwargs["encoding"] = choice.encoding
    try:
        gdf = _read(target, kwargs, source, engine)
    except UnicodeDecodeError as exc:
        enc = kwargs.get("encoding") or "utf-8"
        with tempfile.TemporaryDirectory() as tmp:
            patched = _trim_field_names(p, enc, Path(tmp))
            if patched is None:
                raise InputError(
                    f"the attributes do not decode as {enc!r}: {exc}",
                    path=source,
                    fix="state the right encoding (gbk or utf-8) for this source in the project config",
                ) from None
            gdf = _read(str(patched), kwargs, source, engine)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError("the layer has no geometry column", path=source, fix="give a spatial layer")
    return gdf, layer


def _read_parquet(p: Path, source: str) -> gpd.GeoDataFrame:
    """A GeoParquet file as a GeoDataFrame (its CRS from the ``geo`` metadata)."""
    try:
        gdf = gpd.read_parquet(p)
    except (ValueError, OSError) as exc:  # not Parquet, or Parquet without geometry metadata
        raise InputError(
            f"cannot read the file as GeoParquet: {exc}",
            path=source,
            fix="export the layer again as GeoParquet (geopandas to_parquet, GDAL Parquet driver) or as a GeoPackage",
        ) from None
    return gdf


def _bare_feature_array(p: Path, encoding: str | None, source: str) -> list[dict[str, Any]] | None:
    """The features of a ``.json``/``.geojson`` file that is a bare JSON array of Features
    (DataV / AMap downloads; GDAL refuses them), else None."""
    if p.suffix.lower() not in {".json", ".geojson"}:
        return None
    with p.open("rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"["):
        return None
    try:
        data = json.loads(p.read_bytes().decode(encoding or "utf-8-sig"))
    except (UnicodeDecodeError, LookupError, json.JSONDecodeError) as exc:
        raise InputError(
            f"not valid JSON: {exc}", path=source, fix="re-export the layer as GeoJSON or a shapefile"
        ) from None
    bad = next(
        (i for i, f in enumerate(data) if not (isinstance(f, dict) and f.get("type") == "Feature")), None
    )
    if bad is not None:
        raise InputError(
            "the file is a JSON array but its element is not a GeoJSON Feature",
            path=source,
            row=bad + 1,
            fix="give a GeoJSON FeatureCollection, or an array of {'type': 'Feature', ...} objects",
        )
    warnings.warn(
        f"{source} is a bare JSON array of {len(data)} features, not a GeoJSON FeatureCollection "
        "(GDAL cannot open it); read feature by feature. Its coordinates are taken as lon/lat "
        "(GeoJSON, RFC 7946)",
        InputWarning,
        stacklevel=3,
    )
    return list(data)


def _from_features(features: list[dict[str, Any]], source: str) -> gpd.GeoDataFrame:
    rows = []
    geoms = []
    for f in features:
        rows.append(dict(f.get("properties") or {}))
        g = f.get("geometry")
        geoms.append(None if not g else shape(g))
    gdf = gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")
    # nested properties (DataV's center/centroid arrays, parent objects) as JSON text, as GDAL does
    for col in gdf.columns:
        if col != gdf.geometry.name and gdf[col].map(lambda v: isinstance(v, dict | list)).any():
            gdf[col] = gdf[col].map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
            )
    return gdf


def _user_crs(crs: Any, source: str) -> Any:
    """The CRS a user stated, checked: an unknown code is a user mistake, not a crash."""
    try:
        CRS.from_user_input(crs)
    except CRSError as exc:
        raise InputError(
            f"unknown CRS {crs!r}: {exc}",
            path=source,
            fix="state the CRS as an EPSG code, e.g. crs: EPSG:4549 (CGCS2000 GK CM 120E), EPSG:4528 "
            "(zone-prefixed), EPSG:4490 (CGCS2000 lon/lat), or as WKT / a PROJ string",
        ) from None
    return crs


def _describe_crs(crs: Any, file_crs: Any, offset: str | None) -> str | None:
    """The CRS the coordinates were read in, as said by the config or the file."""
    name = str(crs) if crs is not None else (None if file_crs is None else str(file_crs.name))
    if offset is None:
        return name
    return f"{offset} lon/lat (converted to WGS84)" + (f", declared {name}" if name else "")


def _crs_hint(gdf: gpd.GeoDataFrame) -> str:
    """What the coordinates of a layer without CRS look like (for the error message)."""
    geoms = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if geoms.empty:
        return ""
    minx, miny, maxx, maxy = geoms.total_bounds
    span = f"x {minx:,.3f} to {maxx:,.3f}, y {miny:,.3f} to {maxy:,.3f}"
    if 70 <= minx and maxx <= 140 and 0 <= miny and maxy <= 56:
        return (
            f". The coordinates ({span}) look like lon/lat degrees in China: CGCS2000 (EPSG:4490), "
            "or GCJ-02 if they come from AMap/DataV (then also coords: gcj02)"
        )
    if 10_000_000 <= minx < 100_000_000 and 1_000_000 <= miny <= 6_500_000:
        return f". The coordinates ({span}) look like zone-prefixed Gauss-Krüger metres (e.g. EPSG:4528)"
    if 0 <= minx < 1_000_000 and 1_000_000 <= miny <= 6_500_000:
        return f". The coordinates ({span}) look like Gauss-Krüger metres (e.g. EPSG:4549)"
    return f". The coordinates ({span}) fit no usual Chinese CRS: ask the supplier for the .prj"


def read_parcels(
    path: str | Path,
    *,
    encoding: str | None = None,
    crs: Any = None,
    layer: str | int | None = None,
    coords: str = "cgcs2000",
    engine: str = "pyogrio",
) -> gpd.GeoDataFrame:
    """Read a 宗地 (parcel) layer as delivered, in EPSG:4549, with ``area_m2`` and ``area_mu``.

    Parameters
    ----------
    path : str or Path
        Any vector format GDAL reads (shapefile, GeoPackage, GeoJSON, zipped shapefile).
    encoding : str, optional
        Attribute encoding; wins over ``.cpg``, the DBF language byte and detection.
    crs : str or pyproj.CRS, optional
        CRS of the stored coordinates, for files with no ``.prj`` or a wrong one. An ESRI-WKT
        CGCS2000 ``.prj`` is recognised by definition (:func:`ruian_land.core.crs.crs_equal`).
    layer : str or int, optional
        Layer of a multi-layer source.
    coords : {'cgcs2000', 'wgs84', 'gcj02', 'bd09'}
        Coordinate family of lon/lat data (see :func:`read_layer`).
    engine : {'pyogrio', 'fiona'}
        The GDAL binding (see :func:`read_layer`).

    Returns
    -------
    GeoDataFrame
        One row per feature in file order (index ``0..n-1``), CRS EPSG:4549; the source
        columns under their own (decoded, Chinese) names; ``source_row`` (1-based feature
        number); ``area_m2`` (shapely planar area in EPSG:4549, m²) and ``area_mu``
        (``area_m2 * 15 / 10000``, 亩); ``geometry_status`` (:data:`GEOMETRY_STATUSES`):
        ``valid``; ``invalid`` (kept as read, repaired by :func:`ruian_land.validate.validate_inputs`,
        its area taken from ``shapely.make_valid`` so a self-intersecting ring never reads as
        0 亩); ``empty`` (area 0); ``missing`` (no geometry: area NaN).

    Raises
    ------
    InputError
        See :func:`read_layer`: missing file, no CRS, implausible coordinates, undecidable
        encoding.

    Examples
    --------
    A 200 m × 200 m square in EPSG:4549 reads as exactly 60 亩.
    """
    return read_layer(
        path, encoding=encoding, crs=crs, layer=layer, add_area=True, coords=coords, engine=engine
    )


#: ``geometry_status`` values of :func:`read_parcels`.
GEOMETRY_STATUSES: tuple[str, ...] = ("valid", "invalid", "empty", "missing")


def _areas(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Planar areas (m²) that are right for invalid rings too, and each geometry's status.

    A self-intersecting ring can have a shoelace area of 0 (a bow-tie's halves cancel); its area
    is taken from ``shapely.make_valid`` instead. Missing and empty geometries get NaN and 0.
    """
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    invalid = ~missing & ~empty & ~shapely.is_valid(geoms)
    area = np.asarray(shapely.area(geoms), dtype=float)
    if invalid.any():
        area[invalid] = np.asarray(shapely.area(shapely.make_valid(geoms[invalid])), dtype=float)
    status = np.select([missing, empty, invalid], ["missing", "empty", "invalid"], default="valid")
    return area, status.astype(object)


ENGINES: tuple[str, ...] = ("pyogrio", "fiona")


def _engine(engine: str, source: str) -> str:
    """Check the vector engine asked for: ``pyogrio`` (default) or ``fiona`` (optional extra)."""
    name = str(engine).lower()
    if name not in ENGINES:
        raise InputError(
            f"unknown vector engine {engine!r}", path=source, fix=f"use one of {', '.join(ENGINES)}"
        )
    if name == "fiona" and importlib.util.find_spec("fiona") is None:
        raise InputError(
            "engine: fiona was asked for but fiona is not installed",
            path=source,
            fix="pip install 'ruian-land[fiona]', or drop engine: (pyogrio is the default)",
        )
    return name


def _read(target: str, kwargs: dict[str, Any], source: str, engine: str = "pyogrio") -> Any:
    try:
        if engine == "fiona":
            return gpd.read_file(target, engine="fiona", **{k: v for k, v in kwargs.items() if v is not None})
        return pyogrio.read_dataframe(target, **kwargs)
    except (DataSourceError, DataLayerError) as exc:
        raise _open_error(source, exc) from None
    except OSError as exc:  # fiona's DriverError is an OSError subclass
        raise _open_error(source, exc) from None
    except LookupError as exc:
        raise InputError(
            f"unknown encoding: {exc}", path=source, fix="use an encoding such as gbk or utf-8"
        ) from None


def _trim_field_names(path: Path, encoding: str, tmp: Path) -> Path | None:
    """Copy a shapefile into ``tmp`` with DBF field names cut mid-character repaired.

    DBF field names have at most 10 bytes; GDAL and ArcGIS cut longer UTF-8 names inside a
    character (``宗地代码`` is 12 bytes), which no decoder accepts. The partial character is
    dropped (``宗地代``), with an :class:`InputWarning`. Returns None when nothing can be fixed.
    """
    if path.suffix.lower() not in {".shp", ".dbf"}:
        return None
    dbf = path.with_suffix(".dbf")
    if not dbf.exists():
        return None
    raw = bytearray(dbf.read_bytes())
    header_len = int.from_bytes(raw[8:10], "little")
    fixed = []
    pos = 32
    while pos + 32 <= header_len and raw[pos] != 0x0D:
        name = bytes(raw[pos : pos + 11]).split(b"\x00", 1)[0]
        try:
            name.decode(encoding)
        except UnicodeDecodeError:
            good = next((name[:-cut] for cut in (1, 2, 3) if _decodes_exactly(name[:-cut], encoding)), None)
            if good is None:
                return None
            raw[pos : pos + 11] = good.ljust(11, b"\x00")
            fixed.append(f"{good.decode(encoding)}")
        pos += 32
    if not fixed:
        return None
    stem = tmp / path.stem
    for suffix in (".shp", ".shx", ".prj", ".cpg"):
        src = path.with_suffix(suffix)
        if src.exists():
            shutil.copyfile(src, stem.with_suffix(suffix))
    stem.with_suffix(".dbf").write_bytes(bytes(raw))
    warnings.warn(
        f"{path}: DBF field names cut inside a character by the 10-byte limit; read as {fixed}. "
        "Add these names as aliases in the project config if they are not recognised",
        InputWarning,
        stacklevel=4,
    )
    return stem.with_suffix(".shp")


def _decodes_exactly(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return bool(data)


def _open_error(source: str, exc: Exception) -> InputError:
    text = str(exc)
    fix = "check that the file is a complete vector dataset"
    if source.lower().endswith(".shp"):
        fix = "a shapefile needs its .shp, .shx and .dbf side by side with the same name; re-export it"
    return InputError(f"GDAL cannot read this layer: {text}", path=source, fix=fix)
