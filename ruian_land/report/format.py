"""Text and table helpers of the leadership report: number formats and escaped HTML tables.

Every string that comes from data goes through :func:`esc` (:func:`html.escape`), here and only
here: :func:`table_html` escapes each cell's text itself, so a section cannot forget it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["MISSING", "Cell", "esc", "format_number", "format_share", "table_html", "to_float"]

#: Shown for a missing or non-finite number.
MISSING = "—"


def esc(value: Any) -> str:
    """``value`` as text, HTML-escaped (quotes too); ``None`` becomes :data:`MISSING`.

    Parameters
    ----------
    value : Any
        Anything printable.

    Returns
    -------
    str
        Text safe inside an element or a quoted attribute.
    """
    return html.escape(MISSING if value is None else str(value), quote=True)


def to_float(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` (missing, NaN, infinite or not a number).

    Parameters
    ----------
    value : Any
        A number, a numeric string, ``None`` or a pandas missing value.

    Returns
    -------
    float or None
    """
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def format_number(value: Any, digits: int = 1) -> str:
    """A number with thousands separators and ``digits`` decimals (:data:`MISSING` when absent).

    Parameters
    ----------
    value : Any
        The number (``None`` / NaN give :data:`MISSING`).
    digits : int
        Decimals shown.

    Returns
    -------
    str
        For example ``format_number(1129.6898) == "1,129.7"``.
    """
    x = to_float(value)
    return MISSING if x is None else f"{x:,.{digits}f}"


def format_share(value: Any, digits: int = 1) -> str:
    """A fraction (0–1) as a percentage, for example ``0.1297`` → ``"13.0%"``.

    Parameters
    ----------
    value : Any
        The fraction (``None`` / NaN give :data:`MISSING`).
    digits : int
        Decimals of the percentage.

    Returns
    -------
    str
    """
    x = to_float(value)
    return MISSING if x is None else f"{100 * x:.{digits}f}%"


@dataclass(frozen=True)
class Cell:
    """One table cell: its text (escaped when rendered) and, for numbers, the raw value.

    Attributes
    ----------
    text : str
        What is shown (plain text, not HTML).
    value : float or None
        The unrounded number, written to ``data-value`` so a test or a reader can check it.
    cls : str
        CSS class (``"num"`` right-aligns; ``"ok"`` / ``"bad"`` colour a status).
    """

    text: str
    value: float | None = None
    cls: str = ""

    @classmethod
    def number(cls, value: Any, digits: int = 1) -> Cell:
        """A right-aligned number cell (see :func:`format_number`)."""
        return cls(format_number(value, digits), to_float(value), "num")

    @classmethod
    def share(cls, value: Any, digits: int = 1) -> Cell:
        """A right-aligned percentage cell (see :func:`format_share`)."""
        return cls(format_share(value, digits), to_float(value), "num")


def _cell_html(tag: str, col: str, cell: Cell | Any) -> str:
    if not isinstance(cell, Cell):
        cell = Cell(MISSING if cell is None else str(cell))
    attrs = f' data-col="{esc(col)}"'
    if cell.cls:
        attrs += f' class="{esc(cell.cls)}"'
    if cell.value is not None:
        attrs += f' data-value="{cell.value!r}"'
    return f"<{tag}{attrs}>{esc(cell.text)}</{tag}>"


def table_html(
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Cell | Any]],
    *,
    keys: Sequence[Any] | None = None,
    table_id: str = "",
    caption: str = "",
) -> str:
    """An HTML table with escaped headers and cells.

    Parameters
    ----------
    columns : sequence of (str, str)
        ``(column id, Chinese header)`` per column; the id goes to each cell's ``data-col``.
    rows : sequence of sequences
        One sequence of :class:`Cell` (or plain values, shown as text) per row.
    keys : sequence, optional
        A key per row, written to the row's ``data-key``.
    table_id : str
        The table's ``id``.
    caption : str
        A caption (plain text).

    Returns
    -------
    str
        The ``<table>`` element.
    """
    head = "".join(f'<th data-col="{esc(c)}">{esc(h)}</th>' for c, h in columns)
    body = []
    for i, row in enumerate(rows):
        key = "" if keys is None else f' data-key="{esc(keys[i])}"'
        cells = "".join(_cell_html("td", c, cell) for (c, _), cell in zip(columns, row, strict=True))
        body.append(f"<tr{key}>{cells}</tr>")
    ident = f' id="{esc(table_id)}"' if table_id else ""
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table{ident}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
