"""Mark cells of a written workbook: overdue 挂图作战 nodes and breached clauses in red."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import openpyxl
from openpyxl.styles import Font, PatternFill

__all__ = ["RED_FILL", "RED_FONT", "mark_cells"]

RED_FONT = Font(color="C00000", bold=True)
RED_FILL = PatternFill(fill_type="solid", start_color="FFC7CE", end_color="FFC7CE")


def mark_cells(
    path: str | Path,
    sheet: str,
    *,
    values: Collection[str] = (),
    columns: Collection[str] = (),
) -> int:
    """Colour red (font and fill) the data cells of ``sheet`` whose text is one of ``values``,
    and the non-empty data cells under the headers ``columns``; the workbook is saved in place.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` written by :func:`ruian_land.export.write_workbook` (header in row 1).
    sheet : str
        Sheet name; a workbook without it is left as it is.
    values : collection of str
        Cell texts to mark (e.g. ``逾期``, ``节点逾期``).
    columns : collection of str
        Header texts (the Chinese headers) whose filled cells are marked.

    Returns
    -------
    int
        Cells marked.
    """
    wb = openpyxl.load_workbook(path)
    if sheet not in wb.sheetnames:
        return 0
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    marked_cols = {i for i, h in enumerate(header) if h in set(columns)}
    wanted = set(values)
    n = 0
    for row in ws.iter_rows(min_row=2):
        for j, cell in enumerate(row):
            v = cell.value
            if (isinstance(v, str) and v in wanted) or (j in marked_cols and v not in (None, "")):
                cell.font, cell.fill = RED_FONT, RED_FILL
                n += 1
    wb.save(path)
    return n
