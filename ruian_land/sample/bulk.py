"""Writers for the province-scale sample's large files, vectorised.

:func:`write_xlsx_rows` writes the cells :func:`ruian_land.sample.writers.write_xlsx` writes, the
sheet XML built with pandas string operations (xlsxwriter spends ~7 µs a cell: 70 s for the
registry of a million parcels); :func:`write_dbf` writes a shapefile's ``.dbf`` from fixed-width
numpy byte arrays (GDAL creates every text field 80 bytes wide and ``RESIZE`` then rewrites the
whole file: 100 s for a million parcels).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio.raw

from ruian_land.sample.writers import ESRI_WKT_4549, FIXED_DATE

__all__ = ["write_dbf", "write_parcels_bulk", "write_xlsx_rows"]


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PACKAGE = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_NS_PKG}"><Relationship Id="rId1" '
        f'Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_NS_PKG}">'
        f'<Relationship Id="rId1" Type="{_NS_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_NS_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    # style 0 default, 1 bold (title and header), 2 yyyy-mm-dd (dates)
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_NS_MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
        '</numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/>'
        '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/>'
        '<top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}


def _column_letter(j: int) -> str:
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def _escape(values: pd.Series) -> pd.Series:
    return (
        values.str.replace("&", "&amp;", regex=False)
        .str.replace("<", "&lt;", regex=False)
        .str.replace(">", "&gt;", regex=False)
    )


def _text_cells(ref: pd.Series, text: pd.Series, style: str = "") -> pd.Series:
    cells = (
        '<c r="'
        + ref
        + '"'
        + style
        + ' t="inlineStr"><is><t xml:space="preserve">'
        + _escape(text)
        + "</t></is></c>"
    )
    return cells.fillna("")


def _cells(col: pd.Series, ref: pd.Series, as_text: bool) -> pd.Series:
    """One column's cell XML, as :func:`write_xlsx` writes the values (blank: no cell)."""
    if pd.api.types.is_datetime64_any_dtype(col):
        days = (col.to_numpy(dtype="datetime64[D]") - np.datetime64("1899-12-30")).astype(np.int64)
        text = pd.Series(days.astype(str), index=ref.index, dtype="string").mask(col.isna().to_numpy())
        return ('<c r="' + ref + '" s="2"><v>' + text + "</v></c>").fillna("")
    if pd.api.types.is_bool_dtype(col):
        return _text_cells(
            ref, pd.Series(np.where(col.to_numpy(bool), "是", "否"), index=ref.index, dtype="string")
        )
    if not as_text and pd.api.types.is_numeric_dtype(col):
        values = col.to_numpy(dtype=float)
        text = pd.Series(values.astype(str), index=ref.index, dtype="string").mask(~np.isfinite(values))
        return ('<c r="' + ref + '"><v>' + text + "</v></c>").fillna("")
    text = (
        col
        if isinstance(col.dtype, pd.StringDtype)
        else pd.Series(col.to_numpy(dtype=object), index=ref.index)
    ).astype("string")
    return _text_cells(ref, text.mask(text == ""))


def write_xlsx_rows(
    path: str | Path,
    sheet: str,
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    text_columns: Iterable[str] = (),
    chunk: int = 50_000,
) -> Path:
    """:func:`write_xlsx`'s cells for hundreds of thousands of rows, fast.

    The sheet XML is built with vectorised string operations ``chunk`` rows at a time and
    streamed into the zip (inline strings, no shared-string table; bold title and header, dates
    as serial numbers formatted ``yyyy-mm-dd``, booleans as 是/否, blanks for None/NaN/""); the
    zip members carry :data:`FIXED_DATE`, so the bytes depend on ``frame`` only.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = set(text_columns)
    letters = [_column_letter(j) for j in range(len(frame.columns))]
    row0 = 2 if title else 1
    last = f"{letters[-1] if letters else 'A'}{row0 + len(frame)}"
    widths = "".join(
        f'<col min="{j + 1}" max="{j + 1}" width="{max(10, min(40, 2 * len(str(n)) + 2))}" customWidth="1"/>'
        for j, n in enumerate(frame.columns)
    )
    head = []
    if title:
        head.append(_row_xml(1, [("A1", title)]))
    head.append(_row_xml(row0, [(f"{c}{row0}", str(n)) for c, n in zip(letters, frame.columns, strict=True)]))
    stamp = (FIXED_DATE.year, FIXED_DATE.month, FIXED_DATE.day, 0, 0, 0)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, body in _PACKAGE.items():
            z.writestr(zipfile.ZipInfo(name, stamp), _XML_HEAD + body)
        workbook = f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><sheets><sheet name="{_xml_text(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        z.writestr(zipfile.ZipInfo("xl/workbook.xml", stamp), _XML_HEAD + workbook)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        for attr in ("_compresslevel", "compress_level"):  # the name before / from Python 3.13
            if attr in zipfile.ZipInfo.__slots__:
                setattr(info, attr, 1)
        with z.open(info, "w", force_zip64=True) as fh:
            fh.write(
                (f'{_XML_HEAD}<worksheet xmlns="{_NS_MAIN}"><dimension ref="A1:{last}"/>'
                 f"<cols>{widths}</cols><sheetData>{''.join(head)}").encode()
            )  # fmt: skip
            for start in range(0, len(frame), chunk):
                part = frame.iloc[start : start + chunk]
                rows = pd.Series(
                    np.arange(row0 + 1 + start, row0 + 1 + start + len(part)).astype(str), dtype="string"
                )
                xml = '<row r="' + rows + '">'
                for j, name in enumerate(frame.columns):
                    col = part[name].reset_index(drop=True)
                    xml = xml + _cells(col, letters[j] + rows, str(name) in text)
                fh.write(("".join((xml + "</row>").tolist())).encode())
            fh.write(b"</sheetData></worksheet>")
    return out


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _row_xml(row: int, cells: list[tuple[str, str]]) -> str:
    body = "".join(
        f'<c r="{ref}" s="1" t="inlineStr"><is><t xml:space="preserve">{_xml_text(v)}</t></is></c>'
        for ref, v in cells
    )
    return f'<row r="{row}">{body}</row>'


def _padded(values: np.ndarray, width: int) -> np.ndarray:
    """A bytes array (``S``) as an ``(n, width)`` uint8 array, space-padded."""
    arr = np.ascontiguousarray(values.astype(f"S{width}")).view(np.uint8).reshape(len(values), width)
    return np.where(arr == 0, 32, arr).astype(np.uint8)


def _encoded(text: pd.Series, encoding: str) -> np.ndarray:
    """Each value encoded (blank for missing), as one ``S`` array: the column is joined with NUL,
    encoded once and split again (NUL never occurs in GBK or UTF-8 text)."""
    values = text.fillna("").astype(str).tolist()
    return np.array(
        "\x00".join(values).encode(encoding).split(b"\x00") if values else [], dtype=object
    ).astype(bytes)


def _dbf_field(col: pd.Series, encoding: str) -> tuple[str, int, int, np.ndarray]:
    """(type, width, decimals, ``(n, width)`` bytes) of one DBF column: dates → D (YYYYMMDD),
    float → N (shortest repr, right-aligned), else C (left-aligned, ``encoding``)."""
    n = len(col)
    if pd.api.types.is_datetime64_any_dtype(col):
        day = col.to_numpy(dtype="datetime64[D]")
        year = day.astype("datetime64[Y]").astype(np.int64) + 1970
        month = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
        dom = (day - day.astype("datetime64[M]")).astype(np.int64) + 1
        text = (year * 10_000 + month * 100 + dom).astype("S8")
        text[np.isnat(day)] = b""
        return "D", 8, 0, _padded(text, 8)
    if pd.api.types.is_float_dtype(col) or pd.api.types.is_integer_dtype(col):
        values = col.to_numpy(dtype=float)
        text = values.astype("S32")
        text[~np.isfinite(values)] = b""
        lengths = np.char.str_len(text)
        dot = np.char.find(text, b".")
        decimals = int(np.max(np.where(dot >= 0, lengths - dot - 1, 0), initial=0))
        width = int(max(1, min(24, lengths.max(initial=1))))
        kind_decimals = max(1, decimals) if pd.api.types.is_float_dtype(col) else 0
        return "N", width, kind_decimals, _padded(np.char.rjust(text, width), width)
    raw = _encoded(pd.Series(col.to_numpy(dtype=object)), encoding) if n else np.array([], dtype="S1")
    width = int(max(1, min(254, np.char.str_len(raw).max(initial=1))))
    return "C", width, 0, _padded(raw, width)


def write_dbf(frame: pd.DataFrame, path: str | Path, encoding: str = "gbk") -> Path:
    """Write ``frame`` as a dBASE III table (types as GDAL writes them: text C, float N, dates D;
    widths from the longest value, header date :data:`FIXED_DATE`, language byte 0).

    Raises
    ------
    ValueError
        A field name longer than 10 bytes in ``encoding``.
    """
    fields = [(str(name), *_dbf_field(frame[name], encoding)) for name in frame.columns]
    n = len(frame)
    record = 1 + sum(f[2] for f in fields)
    header = bytearray(32)
    header[0] = 3
    header[1:4] = bytes([FIXED_DATE.year - 1900, FIXED_DATE.month, FIXED_DATE.day])
    header[4:8] = n.to_bytes(4, "little")
    header[8:10] = (32 + 32 * len(fields) + 1).to_bytes(2, "little")
    header[10:12] = record.to_bytes(2, "little")
    for name, kind, width, decimals, _ in fields:
        raw = name.encode(encoding)
        if len(raw) > 10:
            raise ValueError(f"DBF field name {name!r} is longer than 10 bytes in {encoding}")
        desc = bytearray(32)
        desc[: len(raw)] = raw
        desc[11] = ord(kind)
        desc[16], desc[17] = width, decimals
        header += desc
    header += b"\r"
    body = np.full((n, record), 32, dtype=np.uint8)
    at = 1
    for _, _, width, _, data in fields:
        body[:, at : at + width] = data
        at += width
    out = Path(path)
    with out.open("wb") as fh:
        fh.write(bytes(header))
        fh.write(body.tobytes())
        fh.write(b"\x1a")
    return out


def write_parcels_bulk(frame: pd.DataFrame, wkb: np.ndarray, path: str | Path) -> list[Path]:
    """The 宗地 shapefile as :func:`ruian_land.sample.writers.write_parcels_shapefile` writes it
    (GBK DBF, no .cpg, language byte 0, ESRI-WKT .prj), the geometry by GDAL, the ``.dbf`` by
    :func:`write_dbf`. ``wkb`` is aligned with ``frame`` (attribute columns only)."""
    shp = Path(path)
    shp.parent.mkdir(parents=True, exist_ok=True)
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        shp.with_suffix(ext).unlink(missing_ok=True)
    pyogrio.raw.write(
        str(shp),
        wkb,
        field_data=[np.zeros(len(wkb), dtype=np.int32)],
        fields=["id"],
        geometry_type="Polygon",
        crs="EPSG:4549",
        driver="ESRI Shapefile",
    )
    write_dbf(frame, shp.with_suffix(".dbf"), "gbk")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    shp.with_suffix(".prj").write_text(ESRI_WKT_4549, encoding="ascii")
    return [shp.with_suffix(e) for e in (".shp", ".shx", ".dbf", ".prj")]
