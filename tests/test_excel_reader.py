"""The calamine (Rust) Excel reader gives what openpyxl gives, opens a workbook once, and falls
back to openpyxl where calamine cannot; the column-wise row classification (totals, notes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ruian_land.io import excel, grid, read_table
from ruian_land.io.tables import _NOTE_PATTERN, TOTALS_PATTERN

python_calamine = pytest.importorskip("python_calamine")


def _workbook(path: Path) -> Path:
    """A bureau sheet: a merged title, a merged two-row header, text / numbers / dates, 合计."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "能耗"
    ws.append(["2021年规上工业企业能耗情况表", None, None, None, None])
    ws.merge_cells("A1:E1")
    ws.append(["统一社会信用代码", "企业名称", "能源消费", None, "投产日期"])
    ws.append([None, None, "用电量(万千瓦时)", "原煤(吨)", None])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:D2")
    ws.merge_cells("E2:E3")
    ws.append(["91330381MA2000001X", "甲", 12.5, 300, dt.date(2019, 3, 1)])
    ws.append(["91330381MA2000002X", "乙", "1,050.2", 2**60, dt.datetime(2020, 1, 2, 8, 30)])
    ws.append([None, None, None, None, None])
    ws.append(["合　计", None, 1062.7, 300, None])
    wb.save(path)
    return path


def test_calamine_rows_equal_openpyxl_rows_cell_for_cell(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "能耗.xlsx")
    rows, merges, name = excel.read_excel_rows(path, None, str(path))
    ref_rows, ref_merges, ref_name = excel._read_openpyxl_rows(path, None, str(path))
    assert name == ref_name == "能耗"
    assert (
        sorted(merges)
        == sorted(ref_merges)
        == [(0, 0, 0, 4), (1, 1, 2, 3), (1, 2, 0, 0), (1, 2, 1, 1), (1, 2, 4, 4)]
    )
    ref = [r for r in ref_rows if any(c is not None for c in r)]
    got = [r for r in rows if any(c is not None for c in r)]
    assert got == ref
    assert [[type(c) for c in r] for r in got] == [[type(c) for c in r] for r in ref]
    assert got[3][3] == 300 and type(got[3][3]) is int  # openpyxl's int, not calamine's 300.0
    assert type(got[3][4]) is dt.datetime  # a date cell as openpyxl gives it
    assert type(got[4][3]) is float  # 2**60 is beyond a float's exact integers: kept a float


def test_read_table_opens_the_workbook_once_and_never_with_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "能耗.xlsx")
    opened: list[str] = []
    real = python_calamine.CalamineWorkbook.from_path
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", lambda p: opened.append(p) or real(p))

    def no_openpyxl(*_: Any, **__: Any) -> None:
        raise AssertionError("openpyxl should not be needed")

    monkeypatch.setattr(openpyxl, "load_workbook", no_openpyxl)
    df = read_table(path, sheet="能耗")
    assert opened == [str(path)]
    assert list(df.columns) == [
        "统一社会信用代码",
        "企业名称",
        "用电量(万千瓦时)",
        "原煤(吨)",
        "投产日期",
        "source_row",
    ]
    assert df["source_row"].tolist() == [1, 2]  # the blank row takes number 3, 合　计 is row 4
    assert df.attrs["dropped_rows"] == [
        {"row": 4, "problem": "totals_row", "detail": "'合 计' row, not a firm"}
    ]
    assert df.attrs["rows_in"] == 3


def test_openpyxl_reads_what_calamine_cannot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path / "能耗.xlsx")
    expected = read_table(path)

    class NoMerges:  # a reader that gives the cells but not the merged ranges
        sheet_names = ("能耗",)

        def get_sheet_by_name(self, name: str) -> Any:
            sheet = real(str(path)).get_sheet_by_name(name)
            return type("S", (), {"merged_cell_ranges": None, "to_python": sheet.to_python})()

        def close(self) -> None:
            pass

    real = python_calamine.CalamineWorkbook.from_path
    monkeypatch.setattr(excel, "_calamine_book", lambda p: NoMerges())
    pd.testing.assert_frame_equal(read_table(path), expected)  # two-row header found from the merges
    monkeypatch.setattr(excel, "_calamine_book", lambda p: None)  # calamine cannot open it
    pd.testing.assert_frame_equal(read_table(path), expected)


def test_classify_rows_finds_totals_and_notes_column_wise() -> None:
    body = grid.to_grid(
        [
            ["A1", "甲", 1.0],
            [None, "  ", None],  # blank (spaces only)
            ["ＴＯＴＡＬ：", None, 9.0],  # full-width, NFKC → TOTAL:
            ["注：数据来源统计局", None, None],
            ["A2", "注：不是备注行", 2.0],  # a note-like text in a data row is data
            ["小 计", "x", None],
        ]
    )
    keep, dropped, rows_in = grid.classify_rows(body, TOTALS_PATTERN.pattern, _NOTE_PATTERN.pattern)
    assert keep.tolist() == [True, False, False, False, True, False]
    assert rows_in == 5
    assert dropped == [
        {"row": 3, "problem": "totals_row", "detail": "'TOTAL:' row, not a firm"},
        {"row": 4, "problem": "note_row", "detail": "note '注:数据来源统计局'"},  # NFKC
        {"row": 6, "problem": "totals_row", "detail": "'小 计' row, not a firm"},
    ]
    assert body[1].tolist() == [None, None, None]


def test_expand_merges_fills_header_rows_always_and_text_below() -> None:
    cells = np.array([["a", None], [None, None], [5, None], [None, None]], dtype=object)
    grid.expand_merges(cells, [(0, 1, 0, 1), (2, 3, 0, 0)], header_end=2)
    assert cells.tolist() == [["a", "a"], ["a", "a"], [5, None], [None, None]]  # 5 is not copied down
