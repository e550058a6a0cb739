"""Bureau tables (csv / xlsx / xls) as delivered: BOMs, GBK, title rows above the header,
merged two-row headers, 合计 rows.

:func:`read_table` returns the cells as read (text from CSV; text, numbers and datetimes from
Excel) under the detected header, plus ``source_row``; parsing to numbers, dates and flags
happens after column mapping (:mod:`ruian_land.io.parse`, :func:`ruian_land.io.load_inputs`).
"""

from __future__ import annotations

import csv
import io as _io
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import SCHEMAS, InputError, InputWarning, normalise_header
from ruian_land.io.encoding import EncodingChoice, detect_encoding
from ruian_land.io.excel import EXCEL_SUFFIXES, read_excel_rows, sheet_heads
from ruian_land.io.grid import classify_rows, expand_merges, to_grid
from ruian_land.io.integrity import check_suffix, csv_cut_off
from ruian_land.io.parse import _number, is_blank

__all__ = ["TOTALS_PATTERN", "known_aliases", "read_table", "sheet_hint"]

#: A cell that marks a totals / subtotals row (not a firm).
TOTALS_PATTERN = re.compile(
    r"^(合计|总计|小计|总合计|累计|本页合计|全(县|市|区)(合计|总计)|total|sum)[:：]?$", re.I
)
_NOTE_PATTERN = re.compile(r"^(注|备注|说明|制表|填表|数据来源|资料来源|单位负责人)")
_HEADER_SCAN_ROWS = 20


def known_aliases(kind: str | None = None, extra: dict[str, list[str]] | None = None) -> set[str]:
    """Normalised header aliases of one schema (or all schemas), for header-row detection."""
    kinds = [kind] if kind in SCHEMAS else list(SCHEMAS)
    out = {normalise_header(a) for k in kinds for f in SCHEMAS[k].values() for a in f.aliases}
    for names in (extra or {}).values():
        out.update(normalise_header(a) for a in names)
    return out


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    kind: str | None = None,
    extra_aliases: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Read a csv / xlsx / xls table as a bureau delivers it.

    Parameters
    ----------
    path : str or Path
        ``.csv`` / ``.txt`` (comma, tab or semicolon), ``.xlsx`` / ``.xlsm``, or ``.xls``
        (needs the optional ``xlrd`` package).
    encoding : str, optional
        CSV text encoding; wins over the BOM and detection (applied once). Ignored for Excel.
    sheet : str or int, optional
        Excel sheet name or 0-based index; default the first sheet. When the sheet read has no
        header row or misses required columns, the error names the sheet read, lists the
        workbook's sheets and those holding the expected headers, and suggests ``sheet:``.
    kind : str, optional
        Key of :data:`ruian_land.core.schemas.SCHEMAS`; its aliases help find the header row
        (default: the aliases of every schema).
    extra_aliases : dict, optional
        Project-config aliases ``{canonical: [header, …]}``, also used to find the header.

    Returns
    -------
    DataFrame
        One row per data row below the header (blank rows, totals rows such as 合计/总计/小计,
        and trailing notes such as 注：… removed), index ``0..n-1``, object columns holding
        the cells as read (``None`` when empty), header texts as column names (two-row
        headers combined, e.g. ``能耗``/``用电量(万千瓦时)`` → ``用电量(万千瓦时)``), and
        ``source_row``: the 1-based number of the data row counted from the first row below
        the header (so data row 1 is the first one; blank rows take a number too).
        ``attrs``: ``source``, ``encoding``, ``encoding_source``, ``encoding_reason``,
        ``sheet`` (Excel: the sheet read), ``header_rows`` (1-based file rows used as header),
        ``first_data_line`` (1-based
        file row/line of data row 1), ``dropped_rows`` (list of dicts ``row``, ``problem``,
        ``detail``), ``rows_in`` (non-blank data rows, totals included).

    Raises
    ------
    InputError
        Missing file, unknown format, unknown sheet, undecidable encoding, no header row.

    Warns
    -----
    InputWarning
        Encoding detected (which and why), or an encoding given for an Excel file.
    """
    p = Path(path)
    source = str(p)
    if not p.exists():
        raise InputError(
            "file not found",
            path=source,
            fix="check the path (and the sources section of the project config)",
        )
    check_suffix(p, source=source)  # an empty file, a PDF or an error page named .xlsx …
    suffix = p.suffix.lower()
    merges: list[tuple[int, int, int, int]] = []
    choice: EncodingChoice | None = None
    sheet_read: str | None = None
    truncated: str | None = None  # CSV only: why the last line looks cut off
    if suffix in {".csv", ".txt", ".tsv"}:
        rows, choice, truncated = _read_csv_rows(p, encoding, source)
    elif suffix in _EXCEL:
        rows, merges, sheet_read = read_excel_rows(p, sheet, source)
    else:
        raise InputError(
            f"unknown table format '{suffix}'", path=source, fix="deliver the table as .xlsx, .xls or .csv"
        )
    if encoding and suffix not in {".csv", ".txt", ".tsv"}:
        warnings.warn(
            f"{source}: encoding '{encoding}' ignored for an Excel file", InputWarning, stacklevel=2
        )
    try:
        frame = _to_frame(rows, merges, source, known_aliases(kind, extra_aliases), truncated=truncated)
    except InputError as exc:
        if sheet_read is None:
            raise
        found = sheet_hint(p, sheet_read, kind, extra_aliases)
        raise InputError(
            f"{exc.detail.rstrip('.')}. {found[0]}" if found else exc.detail,
            path=source,
            fix=found[1] if found and found[1] else exc.fix,
        ) from None
    frame.attrs.update(
        {
            "source": source,
            "sheet": sheet_read,
            "encoding": None if choice is None else choice.encoding,
            "encoding_source": None if choice is None else choice.source,
            "encoding_reason": None if choice is None else choice.reason,
        }
    )
    return frame


# --- raw rows -------------------------------------------------------------------------------


def _read_csv_rows(
    p: Path, encoding: str | None, source: str
) -> tuple[list[list[Any]], EncodingChoice, str | None]:
    """The rows of a CSV, the encoding chosen and why the last line looks cut off (None if not)."""
    raw = p.read_bytes()
    if encoding:
        choice = EncodingChoice(encoding, "explicit", "stated by the user")
    elif raw.startswith(b"\xef\xbb\xbf"):
        choice = EncodingChoice("utf-8-sig", "bom", "the file starts with a UTF-8 byte-order mark")
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        choice = EncodingChoice("utf-16", "bom", "the file starts with a UTF-16 byte-order mark")
    else:
        choice = detect_encoding([raw], source=source, what="file's bytes")
        if choice.source == "detected":
            warnings.warn(
                f"{source}: no byte-order mark; read as {choice.encoding} because {choice.reason}. "
                "State the encoding in the project config to silence this",
                InputWarning,
                stacklevel=3,
            )
    try:
        text = raw.decode(choice.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(
            f"the file does not decode as '{choice.encoding}': {exc}",
            path=source,
            fix="state the right encoding (gbk or utf-8) for this source in the project config",
        ) from None
    text = text.lstrip("\ufeff")
    head = text[:20_000]
    try:
        dialect: Any = csv.Sniffer().sniff(head, delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if head.count("\t") > head.count(",") else ","
    rows = list(csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter))
    truncated = csv_cut_off(rows) if text and not text.endswith(("\n", "\r")) else None
    return rows, choice, truncated  # blank cells become None in to_grid


_EXCEL = EXCEL_SUFFIXES


def sheet_hint(
    path: str | Path,
    sheet_read: str | None,
    kind: str | None = None,
    extra_aliases: dict[str, list[str]] | None = None,
) -> tuple[str, str | None] | None:
    """Which sheets of a workbook hold the expected table, for error messages.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` / ``.xlsm`` / ``.xls`` workbook (other files: ``None``).
    sheet_read : str or None
        The sheet that was read (default: the first).
    kind, extra_aliases
        As for :func:`read_table`: the headers looked for (a sheet holds the table when one
        of its first rows names at least two known columns).

    Returns
    -------
    (str, str or None) or None
        A sentence naming the sheet read, the workbook's sheets and the sheets holding the
        expected headers, and a fix (``sheet: <name>`` for the project config) when another
        sheet holds them; ``None`` for a non-Excel file or an unreadable workbook.
    """
    p = Path(path)
    if p.suffix.lower() not in _EXCEL:
        return None
    try:
        heads = sheet_heads(p, _HEADER_SCAN_ROWS, str(p))
        names = list(heads)
        aliases = known_aliases(kind, extra_aliases)
        holding = [
            n
            for n, rows in heads.items()
            if any(sum(normalise_header(c) in aliases for c in r if c is not None) >= 2 for r in rows)
        ]
    except Exception:  # a hint must never hide the original error
        return None
    read = sheet_read if sheet_read is not None else (names[0] if names else None)
    others = [n for n in holding if n != read]
    text = f"Read sheet '{read}' of the workbook; its sheets: {names}; " + (
        f"sheet(s) with the expected headers: {holding}" if holding else "no sheet has the expected headers"
    )
    fix = (
        f"add `sheet: {others[0]}` to this source in the project config (sources: <name>: "
        f"{{path: {p.name}, sheet: {others[0]}}})"
        if others
        else None
    )
    return text, fix


# --- header, merges, totals ---------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _numeric_like(value: Any) -> bool:
    if value is None or is_blank(value):
        return False
    if hasattr(value, "year") and hasattr(value, "month"):
        return True
    return _number(value) is not None


def _find_header(rows: list[list[Any]], aliases: set[str], width: int) -> int:
    scan = rows[:_HEADER_SCAN_ROWS]
    hits = [sum(normalise_header(c) in aliases for c in r if c is not None) for r in scan]
    if hits and max(hits) >= 2:
        # the first row naming two known columns: a parent row of a two-row header comes first
        return next(i for i, n in enumerate(hits) if n >= 2)
    for i, r in enumerate(scan):
        cells = [c for c in r if c is not None and _cell_text(c)]
        if len(cells) >= max(2, (width + 1) // 2) and sum(not _numeric_like(c) for c in cells) >= 0.8 * len(
            cells
        ):
            return i
    if hits and max(hits) == 1:
        return hits.index(1)
    raise InputError(
        "no header row found in the first rows (a row of column names such as 统一社会信用代码)",
        fix="make sure the table has one row of column headers above the data",
    )


def _is_subheader(
    rows: list[list[Any]], h: int, merges: list[tuple[int, int, int, int]], aliases: set[str]
) -> bool:
    if h + 1 >= len(rows):
        return False
    parent, child = rows[h], rows[h + 1]
    cells = [c for c in child if c is not None and _cell_text(c)]
    if not cells or any(_numeric_like(c) for c in cells):
        return False
    merged_header = any(r0 <= h <= r1 and (c1 > c0 or r1 > r0) for r0, r1, c0, c1 in merges)
    fills_gap = any(
        (j >= len(parent) or parent[j] is None) and c is not None and _cell_text(c)
        for j, c in enumerate(child)
    )
    alias_hits = sum(normalise_header(c) in aliases for c in cells)
    return merged_header or (fills_gap and (alias_hits > 0 or len(cells) >= 2))


def _combine(parent: list[str], child: list[str], aliases: set[str]) -> list[str]:
    counts = Counter(c for c in child if c)
    names = []
    for p, c in zip(parent, child, strict=True):
        if not c or c == p:
            names.append(p)
            continue
        if not p:
            names.append(c)
            continue
        candidates = [f"{p}{c}", f"{p}({c})"]
        if counts[c] == 1:
            candidates.insert(0, c)
        hit = next((x for x in candidates if normalise_header(x) in aliases), None)
        names.append(hit or f"{p}{c}")
    return names


def _unique(names: Iterable[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for j, n in enumerate(names):
        name = n or f"unnamed_{j + 1}"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return out


def _to_frame(
    rows: list[list[Any]],
    merges: list[tuple[int, int, int, int]],
    source: str,
    aliases: set[str],
    *,
    truncated: str | None = None,
) -> pd.DataFrame:
    grid = to_grid(rows)
    # trim columns that are empty everywhere
    used = np.flatnonzero((~pd.isna(grid)).any(axis=0)) if grid.size else np.array([], dtype=int)
    if not len(used):
        raise InputError("the table is empty", path=source, fix="check that the right file/sheet was given")
    col_map = {int(j): k for k, j in enumerate(used)}
    grid = grid[:, used]
    merges = [
        (r0, r1, col_map.get(c0, 0), col_map.get(c1, len(used) - 1))
        for r0, r1, c0, c1 in merges
        if ((used >= c0) & (used <= c1)).any()
    ]
    width = len(used)
    view = grid[: _HEADER_SCAN_ROWS + 1].copy()
    expand_merges(view, merges, None)
    header_view = view.tolist()
    try:
        h = _find_header(header_view, aliases, width)
    except InputError as exc:
        raise InputError(exc.detail, path=source, fix=exc.fix) from None
    two_rows = _is_subheader(header_view, h, merges, aliases)
    header_end = h + (2 if two_rows else 1)
    expand_merges(grid, merges, header_end)
    parent = [_cell_text(c) for c in grid[h]]
    if two_rows:
        filled, last = [], ""
        for j, p in enumerate(parent):
            # a blank parent continues the group to its left (CSV has no merge information)
            last = p if p else (last if j > 0 else "")
            filled.append(last)
        names = _combine(filled, [_cell_text(c) for c in grid[h + 1]], aliases)
    else:
        names = parent
    columns = _unique(names)
    body = grid[header_end:]
    keep, dropped, rows_in = classify_rows(body, TOTALS_PATTERN.pattern, _NOTE_PATTERN.pattern)
    if truncated is not None and len(body) and keep[-1]:  # the half row at the end is not a firm's
        k = len(body)
        keep[-1] = False
        dropped.append(
            {"row": k, "problem": "truncated_row", "detail": f"file ends mid-row: truncated? ({truncated})"}
        )
        warnings.warn(
            f"{source}: the file ends mid-row ({truncated}): truncated? That row (line "
            f"{header_end + k}) is left out and listed in the ledger; ask for the whole file",
            InputWarning,
            stacklevel=4,
        )
    frame = pd.DataFrame(body[keep], columns=columns, dtype=object)
    frame["source_row"] = (np.flatnonzero(keep) + 1).astype("int64")  # blank rows take a number too
    frame.attrs.update(
        {
            "header_rows": list(range(h + 1, header_end + 1)),
            "first_data_line": header_end + 1,
            "dropped_rows": dropped,
            "rows_in": rows_in,
            "truncated": truncated if any(d["problem"] == "truncated_row" for d in dropped) else None,
        }
    )
    return frame
