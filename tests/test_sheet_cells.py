"""export.sheet_cells writes the cells pandas' to_excel writes (values, types, number formats)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from ruian_land.core import XLSX_OPTIONS
from ruian_land.export.sheet_cells import write_cells


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "宗地代码": pd.Series(["P1", "", None, "=1+1"], dtype="str"),
            "面积": [1.5, np.nan, np.inf, -np.inf],
            "户数": [1, 2, 3, 4],
            "可空整数": pd.array([1, None, 3, 4], dtype="Int64"),
            "是否": [True, False, True, False],
            "日期": pd.to_datetime(["2021-01-02", None, "2022-12-31", "2020-02-29"]),
            "混合": pd.Series([dt.date(2021, 5, 6), 7, "x", dt.timedelta(days=2)], dtype=object),
        }
    )


def _cells(path: Path) -> list[list[tuple[object, str, str]]]:
    ws = openpyxl.load_workbook(path)["表"]
    return [[(c.value, c.number_format, c.data_type) for c in row] for row in ws.iter_rows()]


def test_same_cells_as_to_excel(tmp_path: Path) -> None:
    kw = {"engine": "xlsxwriter", "date_format": "yyyy-mm-dd", "datetime_format": "yyyy-mm-dd"}
    with pd.ExcelWriter(tmp_path / "a.xlsx", engine_kwargs={"options": XLSX_OPTIONS}, **kw) as w:
        _frame().to_excel(w, sheet_name="表", index=False)
    with pd.ExcelWriter(tmp_path / "b.xlsx", engine_kwargs={"options": XLSX_OPTIONS}, **kw) as w:
        write_cells(w.book, w.book.add_worksheet("表"), _frame(), w.date_format, w.datetime_format)
    want, got = _cells(tmp_path / "a.xlsx"), _cells(tmp_path / "b.xlsx")
    assert got == want
    assert got[1][0] == ("P1", "General", "s") and got[2][0][0] is None  # "" stays blank
    assert got[4][0][0] == "=1+1" and got[3][1][0] == "inf"  # text, never a formula; inf as text
    assert got[1][5][1] == "yyyy-mm-dd"
