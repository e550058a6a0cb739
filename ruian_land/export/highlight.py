"""Red cells in a workbook: overdue 挂图作战 nodes and breached clauses, marked as the sheet is written.

The marks are Excel conditional formats over the data rows (one rule per text, one per column),
written by xlsxwriter with the sheet: no second pass that opens and re-saves the workbook cell by
cell, and a planner who edits ``逾期`` away sees the red go too. Excel, WPS and LibreOffice show them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["RED_FILL_RGB", "RED_FONT_RGB", "Highlight", "add_highlights"]

#: Dark red text on a light red fill (Excel's own "light red fill with dark red text").
RED_FONT_RGB = "#C00000"
RED_FILL_RGB = "#FFC7CE"


@dataclass(frozen=True)
class Highlight:
    """Which data cells of a sheet to show in red.

    Attributes
    ----------
    values : collection of str
        Cell texts to mark wherever they are (e.g. ``逾期``, ``节点逾期``).
    columns : collection of str
        Canonical column names whose non-empty data cells are marked (e.g. ``shortfall``).
    """

    values: Collection[str] = ()
    columns: Collection[str] = ()


def add_highlights(
    book: Any, worksheet: Any, canonical: Sequence[str], n_rows: int, highlight: Highlight
) -> int:
    """Add the conditional formats of ``highlight`` to an xlsxwriter worksheet.

    Parameters
    ----------
    book, worksheet : xlsxwriter Workbook and Worksheet
        The sheet being written (header in row 1, data in rows 2..n_rows+1).
    canonical : sequence of str
        The canonical column names, in sheet order (``highlight.columns`` refers to them).
    n_rows : int
        Data rows; nothing is added to a sheet without any.
    highlight : Highlight
        What to mark.

    Returns
    -------
    int
        Conditional-format rules added.
    """
    if n_rows == 0 or not canonical:
        return 0
    red = book.add_format({"font_color": RED_FONT_RGB, "bold": True, "bg_color": RED_FILL_RGB})
    last_row, last_col = n_rows, len(canonical) - 1
    n = 0
    for text in highlight.values:
        quoted = '"' + str(text).replace('"', '""') + '"'
        worksheet.conditional_format(
            1, 0, last_row, last_col, {"type": "cell", "criteria": "==", "value": quoted, "format": red}
        )
        n += 1
    for col in highlight.columns:
        if col in canonical:
            j = list(canonical).index(col)
            worksheet.conditional_format(1, j, last_row, j, {"type": "no_blanks", "format": red})
            n += 1
    return n
