"""Damaged and lying files, found before (and right after) a layer or table is read.

GDAL reads a truncated shapefile without complaint — the features past the cut come back with no
geometry — and a workbook named ``.xls`` that is really an ``.xlsx`` would be refused for its
name. The checks here read only file headers (a few hundred bytes), so they cost nothing at 1M
parcels:

* :func:`check_shapefile`: the ``.shp`` and ``.shx`` headers' file lengths against the files'
  sizes, the ``.shx`` record count against the ``.dbf`` header's, the ``.dbf`` size against its
  header (ESRI Shapefile Technical Description, July 1998, pp. 2–4 and 23–24; dBASE III
  header layout).
* :func:`sniff_format`: what a file is by its first bytes (zip/xlsx, OLE2/xls, SQLite/GeoPackage,
  shapefile, JSON, text), and :func:`check_suffix`, which refuses a file whose suffix and
  content disagree in a way the reader cannot take, naming both.
* :func:`check_features`: zero features, or every geometry empty or missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ruian_land.core import InputError

__all__ = [
    "SHP_FILE_CODE",
    "check_features",
    "check_shapefile",
    "check_suffix",
    "csv_cut_off",
    "sniff_format",
]

#: First four bytes of a .shp / .shx file, big-endian (ESRI whitepaper, p. 3).
SHP_FILE_CODE = 9994
_HEADER = 100

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_NAMES = {
    "zip": "a zip archive (an .xlsx workbook or a zipped shapefile)",
    "ole2": "an old-style Excel workbook (.xls, OLE2)",
    "sqlite": "a SQLite database (GeoPackage)",
    "shp": "a shapefile geometry file (.shp)",
    "json": "JSON text (GeoJSON)",
    "pdf": "a PDF document",
    "png": "a PNG image",
    "tiff": "a TIFF image",
    "html": "an HTML page (often a download error page)",
    "text": "plain text (CSV)",
    "binary": "an unknown binary format",
    "empty": "an empty file",
}
#: What each suffix may hold.
_ALLOWED: dict[str, set[str]] = {
    ".xlsx": {"zip"},
    ".xlsm": {"zip"},
    ".xls": {"ole2", "zip"},  # an .xlsx saved as .xls is read as what it is
    ".csv": {"text"},
    ".txt": {"text"},
    ".shp": {"shp"},
    ".gpkg": {"sqlite"},
    ".geojson": {"json"},
    ".json": {"json"},
    ".zip": {"zip"},
    ".tif": {"tiff"},
    ".tiff": {"tiff"},
}


def sniff_format(path: str | Path) -> str:
    """What a file is, by its first bytes.

    Returns
    -------
    str
        One of ``zip``, ``ole2``, ``sqlite``, ``shp``, ``json``, ``html``, ``text``, ``pdf``,
        ``png``, ``tiff``, ``binary``, ``empty``.
    """
    with Path(path).open("rb") as fh:
        head = fh.read(512)
    if not head:
        return "empty"
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    if len(head) >= 4 and int.from_bytes(head[:4], "big") == SHP_FILE_CODE:
        return "shp"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"{", b"["):
        return "json"
    if text[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return "binary"
    return "text"


def check_suffix(path: str | Path, *, source: str | None = None) -> str:
    """Refuse a file whose content does not match its suffix (when the reader cannot take it).

    Parameters
    ----------
    path : str or Path
        An input file.
    source : str, optional
        Name used in messages (default: the path).

    Returns
    -------
    str
        The sniffed format (see :func:`sniff_format`): an ``.xls`` holding an ``.xlsx`` returns
        ``zip`` so the caller reads it as ``.xlsx``.

    Raises
    ------
    InputError
        The file is empty, or its content is not what its suffix says (e.g. a PDF or an HTML
        error page named ``.xlsx``, a CSV named ``.shp``).
    """
    p = Path(path)
    kind = sniff_format(p)
    where = source or str(p)
    if kind == "empty":
        raise InputError("the file is empty (0 bytes)", path=where, fix="copy the file again from its source")
    allowed = _ALLOWED.get(p.suffix.lower())
    if allowed is not None and kind not in allowed:
        raise InputError(
            f"the file is named {p.suffix} but holds {_NAMES.get(kind, kind)}",
            path=where,
            fix="export it again in the format its name says, or rename it to the suffix of what it holds",
        )
    return kind


def _be32(b: bytes, at: int) -> int:
    return int.from_bytes(b[at : at + 4], "big")


def check_shapefile(shp: str | Path, *, source: str | None = None) -> None:
    """Check that a shapefile's ``.shp``, ``.shx`` and ``.dbf`` are whole and agree.

    Parameters
    ----------
    shp : str or Path
        The ``.shp`` file; its ``.shx`` and ``.dbf`` are looked up beside it (any case).
    source : str, optional
        Name used in messages.

    Raises
    ------
    InputError
        A file shorter (or longer) than its header says (truncated copy or download), a ``.shx``
        and ``.dbf`` holding different numbers of records, or a ``.shp`` that is not a shapefile.
        Each names the file and the fix (copy the whole set again).
    """
    p = Path(shp)
    where = source or str(p)
    fix = "copy the whole shapefile (.shp, .shx, .dbf, .prj, .cpg) again from its source; the file is damaged"
    parts = {f.suffix.lower(): f for f in p.parent.glob(p.stem + ".*") if f.stem == p.stem}
    shp_bytes = p.stat().st_size
    with p.open("rb") as fh:
        head = fh.read(_HEADER)
    if len(head) < _HEADER or _be32(head, 0) != SHP_FILE_CODE:
        raise InputError("the .shp file is not a shapefile (bad header)", path=where, fix=fix)
    declared = _be32(head, 24) * 2  # 16-bit words
    if shp_bytes < declared:
        raise InputError(
            f"the .shp file is shorter than its header says ({shp_bytes:,} bytes, header {declared:,}): "
            "it was cut off",
            path=where,
            fix=fix,
        )
    n_shx = None
    shx = parts.get(".shx")
    if shx is not None:
        shx_bytes = shx.stat().st_size
        with shx.open("rb") as fh:
            shx_head = fh.read(_HEADER)
        if len(shx_head) < _HEADER or _be32(shx_head, 0) != SHP_FILE_CODE:
            raise InputError("the .shx index is not a shapefile index (bad header)", path=str(shx), fix=fix)
        shx_declared = _be32(shx_head, 24) * 2
        if shx_bytes < shx_declared or (shx_declared - _HEADER) % 8:
            raise InputError(
                f"the .shx index is damaged ({shx_bytes:,} bytes, header {shx_declared:,})",
                path=str(shx),
                fix=fix,
            )
        n_shx = (shx_declared - _HEADER) // 8
    dbf = parts.get(".dbf")
    if dbf is not None:
        dbf_bytes = dbf.stat().st_size
        with dbf.open("rb") as fh:
            dbf_head = fh.read(32)
        if len(dbf_head) < 32:
            raise InputError("the .dbf table is cut off inside its header", path=str(dbf), fix=fix)
        n_dbf = int.from_bytes(dbf_head[4:8], "little")
        header_len = int.from_bytes(dbf_head[8:10], "little")
        record_len = int.from_bytes(dbf_head[10:12], "little")
        expected = header_len + n_dbf * record_len
        if dbf_bytes < expected:
            raise InputError(
                f"the .dbf table is shorter than its header says ({dbf_bytes:,} bytes for {n_dbf:,} records "
                f"of {record_len} bytes after a {header_len}-byte header, {expected:,} needed): it was cut off",
                path=str(dbf),
                fix=fix,
            )
        if n_shx is not None and n_shx != n_dbf:
            raise InputError(
                f"the .shx index lists {n_shx:,} shapes but the .dbf table {n_dbf:,} records: "
                "the files belong to different versions of the layer",
                path=where,
                fix=fix,
            )


def check_features(gdf: gpd.GeoDataFrame, *, source: str) -> None:
    """Refuse a layer with no features, or whose every geometry is empty or missing.

    Raises
    ------
    InputError
        Zero features; every geometry missing or empty (names the count and the fix).
    """
    if len(gdf) == 0:
        raise InputError(
            "the layer has no features",
            path=source,
            fix="check that the right file (and layer) is named; export the layer again",
        )
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bool(np.all(missing)):
        raise InputError(
            f"none of the {len(gdf):,} features has a geometry (all empty or missing)",
            path=source,
            fix="the geometry was lost in an export: export the layer again with its shapes",
        )


_CUT_NUMBER = re.compile(r"[-+]?(\d+\.|\d+(\.\d+)?[eE][-+]?|[-+.])")


def csv_cut_off(rows: list[list[str]]) -> str | None:
    """Why the last line of a CSV without a final line break looks cut off mid-row.

    Parameters
    ----------
    rows : list of list of str
        The file's rows as :func:`csv.reader` gives them (title and header rows included).

    Returns
    -------
    str or None
        The reason (fewer fields than the file's usual row, i.e. its most common width, or a
        last value that is a number cut short: ``12.``, ``3e``, ``-``), or None when the last
        line looks whole.

    >>> csv_cut_off([["代码", "税收"], ["A", "1.5"], ["B"]])
    'its last line has 1 of the 2 fields and no line break'
    """
    widths = [len(r) for r in rows[:-1] if any(c.strip() for c in r)]
    if not rows or not widths:
        return None
    usual = max(set(widths), key=widths.count)
    last = rows[-1]
    cell = next((c.strip() for c in reversed(last) if c.strip()), "")
    if len(last) < usual:
        return f"its last line has {len(last)} of the {usual} fields and no line break"
    if _CUT_NUMBER.fullmatch(cell):
        return f"its last value '{cell}' is a number cut short and there is no line break"
    return None
