"""Excel workbooks as raw rows: each workbook opened once, by calamine (Rust) where it can.

``.xlsx`` / ``.xlsm`` (and an ``.xlsx`` saved under another suffix) are read with python-calamine:
sheet names, the sheet's cells and its merged ranges in one open, tens of times faster than
openpyxl. The cells are brought to what openpyxl gives (``None`` for an empty cell, ``datetime``
for a date, ``int`` for a whole number) so the rest of the reading is unchanged. openpyxl is used
only when calamine cannot open the file or gives no merged ranges (the two-row headers of the
bureaus' sheets need them). An old OLE2 ``.xls`` is read with xlrd (optional), which keeps its
merged ranges and date cells.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np

from ruian_land.core import InputError
from ruian_land.io.integrity import sniff_format
from ruian_land.io.textcells import type_codes

__all__ = ["EXCEL_SUFFIXES", "is_legacy_xls", "pick_sheet", "read_excel_rows", "sheet_heads"]

#: Suffixes read as Excel workbooks.
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
#: An inclusive merged range: first row, last row, first column, last column (0-based).
Merge = tuple[int, int, int, int]
_WHOLE = 2.0**53  # floats above this are not exact integers
_KIND: dict[type, int] = {float: 1, dt.date: 2}  # exact types: a datetime is not a date here


def is_legacy_xls(p: Path) -> bool:
    """An old OLE2 ``.xls`` by its content: an ``.xlsx`` saved under an ``.xls`` name is read as ``.xlsx``."""
    return p.suffix.lower() == ".xls" and sniff_format(p) == "ole2"


def pick_sheet(names: list[str], sheet: str | int | None, source: str) -> str:
    """The sheet's name: ``None`` → the first, an int → by 0-based position, a str → itself.

    Raises
    ------
    InputError
        No such sheet (lists the workbook's sheets).
    """
    if sheet is None:
        return names[0]
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
    elif sheet in names:
        return sheet
    raise InputError(
        f"sheet {sheet!r} not found; sheets: {names}", path=source, fix="name one of those sheets"
    )


def read_excel_rows(
    p: Path, sheet: str | int | None, source: str
) -> tuple[list[list[Any]], list[Merge], str]:
    """One sheet's cells (rows from the sheet's first row, ``None`` when empty), its merged
    ranges and its name; the workbook is opened once.

    Raises
    ------
    InputError
        The workbook cannot be opened (damaged, not a workbook), the sheet does not exist, or an
        old ``.xls`` without the ``xlrd`` package.
    """
    if is_legacy_xls(p):
        return _read_xls_rows(p, sheet, source)
    book = _calamine_book(p)
    if book is not None:
        name = pick_sheet(list(book.sheet_names), sheet, source)
        found = _calamine_rows(book, name)
        book.close()
        if found is not None:
            return found[0], found[1], name
    return _read_openpyxl_rows(p, sheet, source)


def sheet_heads(p: Path, rows: int, source: str) -> dict[str, list[list[Any]]]:
    """The first ``rows`` rows of every sheet, by sheet name in workbook order (for hints
    naming the sheets that hold a table); one open of the workbook.

    Raises
    ------
    InputError
        The workbook cannot be opened.
    """
    if is_legacy_xls(p):
        book = _open_xls(p, source, on_demand=True)
        out = {}
        for name in book.sheet_names():
            sh = book.sheet_by_name(name)
            out[name] = [sh.row_values(r) for r in range(min(sh.nrows, rows))]
        book.release_resources()
        return out
    cal = _calamine_book(p)
    if cal is not None:
        heads = {
            n: _normalise(cal.get_sheet_by_name(n).to_python(skip_empty_area=False, nrows=rows))
            for n in cal.sheet_names
        }
        cal.close()
        return heads
    wb = _openpyxl_book(p, source, read_only=True)
    try:
        return {n: [list(r) for r in wb[n].iter_rows(max_row=rows, values_only=True)] for n in wb.sheetnames}
    finally:
        wb.close()


# --- calamine ---------------------------------------------------------------------------------


def _calamine_book(p: Path) -> Any:
    """The workbook opened by calamine, or None when calamine cannot open it."""
    import python_calamine

    try:
        if p.suffix.lower() in {".xlsx", ".xlsm"}:
            return python_calamine.CalamineWorkbook.from_path(str(p))
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(p.read_bytes()))
    except Exception:  # CalamineError, ZipError, …: openpyxl gets to try, and names the problem
        return None


def _calamine_rows(book: Any, name: str) -> tuple[list[list[Any]], list[Merge]] | None:
    """A sheet's cells and merged ranges, or None when calamine gives no merged ranges."""
    sh = book.get_sheet_by_name(name)
    ranges = sh.merged_cell_ranges
    if ranges is None:
        return None
    merges = [(int(r0), int(r1), int(c0), int(c1)) for (r0, c0), (r1, c1) in ranges]
    return _normalise(sh.to_python(skip_empty_area=False)), merges


def _normalise(rows: list[list[Any]]) -> list[list[Any]]:
    """calamine's cells as openpyxl gives them: ``''`` → None, ``date`` → ``datetime`` (midnight),
    a whole float → ``int`` (openpyxl reads ``<v>2000</v>`` as 2000). Vectorised over the sheet."""
    if not rows:
        return []
    width = max(len(r) for r in rows)
    cells = np.empty((len(rows), width), dtype=object)
    for i, r in enumerate(rows):  # ragged rows are padded with None
        cells[i, : len(r)] = r
    cells[cells == ""] = None
    kinds = type_codes(cells, _KIND, 0)
    floats = kinds == 1
    if floats.any():
        values = cells[floats].astype(float)
        whole = np.isfinite(values) & (np.abs(values) < _WHOLE) & (values == np.floor(values))
        picked = cells[floats]
        picked[whole] = values[whole].astype(np.int64).astype(object)
        cells[floats] = picked
    dates = kinds == 2
    if dates.any():
        cells[dates] = [dt.datetime(d.year, d.month, d.day) for d in cells[dates]]
    return cells.tolist()  # type: ignore[no-any-return]


# --- openpyxl and xlrd ------------------------------------------------------------------------


def _xlsx_source(p: Path) -> Any:
    """What openpyxl opens: the path, or the bytes of an .xlsx saved under another suffix
    (openpyxl refuses a path by its suffix, not its content)."""
    return p if p.suffix.lower() in {".xlsx", ".xlsm"} else io.BytesIO(p.read_bytes())


def _openpyxl_book(p: Path, source: str, **kwargs: Any) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(_xlsx_source(p), data_only=True, **kwargs)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise InputError(f"cannot open the workbook: {exc}", path=source, fix="re-save it as .xlsx") from None


def _read_openpyxl_rows(
    p: Path, sheet: str | int | None, source: str
) -> tuple[list[list[Any]], list[Merge], str]:
    wb = _openpyxl_book(p, source)  # not read-only: merged ranges need the full reader
    name = pick_sheet(list(wb.sheetnames), sheet, source)
    sh = wb[name]
    rows = [list(r) for r in sh.iter_rows(values_only=True)]
    merges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in sh.merged_cells.ranges]
    wb.close()
    return rows, merges, name


def _open_xls(p: Path, source: str, **kwargs: Any) -> Any:
    """Open a legacy .xls workbook with xlrd, turning its failures into :class:`InputError`."""
    try:
        import xlrd  # type: ignore[import-not-found]
    except ImportError:
        raise InputError(
            "reading old .xls workbooks needs the package xlrd, which is not installed",
            path=source,
            fix="open the file in Excel/WPS and save it as .xlsx, or `pip install xlrd`",
        ) from None
    try:
        return xlrd.open_workbook(str(p), **kwargs)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, … for damaged files
        raise InputError(f"cannot open the workbook: {exc}", path=source, fix="re-save it as .xlsx") from None


def _read_xls_rows(p: Path, sheet: str | int | None, source: str) -> tuple[list[list[Any]], list[Merge], str]:
    book = _open_xls(p, source, formatting_info=True)
    import xlrd  # present: _open_xls succeeded

    name = pick_sheet(book.sheet_names(), sheet, source)
    sh = book.sheet_by_name(name)
    # xlrd merge ranges are half-open (rlo, rhi, clo, chi); ours are inclusive
    merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
    rows: list[list[Any]] = []
    for r in range(sh.nrows):
        row: list[Any] = []
        for c in range(sh.ncols):
            cell = sh.cell(r, c)
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                row.append(None)
            else:
                row.append(cell.value)
        rows.append(row)
    return rows, merges, name
