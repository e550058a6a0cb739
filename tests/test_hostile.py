"""Hostile content: a firm name that is a spreadsheet formula stays text in every CSV and xlsx.

OWASP "CSV Injection": text beginning with = + - @ (or a tab / carriage return) runs as a formula
when the file is opened in Excel or LibreOffice; xlsxwriter turns such strings into formulas
unless told not to.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ruian_land.core import Ledger, defuse_formulas, defuse_text
from ruian_land.export import write_table, write_workbook

EVIL = '=HYPERLINK("http://example.invalid/x","点我")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (EVIL, "'" + EVIL),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("瑞安市=公司", "瑞安市=公司"),  # only the first character matters
        ("", ""),
        (-5.0, -5.0),  # numbers are not text
        (None, None),
    ],
)
def test_defuse_text(value: object, expected: object) -> None:
    assert defuse_text(value) == expected


def test_defuse_formulas_touches_text_only_and_not_the_input() -> None:
    frame = pd.DataFrame({"name": [EVIL, "正常企业", None], "tax_wan": [-1.0, 2.0, 3.0]})
    out = defuse_formulas(frame)
    assert out["name"].tolist()[:2] == ["'" + EVIL, "正常企业"] and pd.isna(out["name"].iloc[2])
    assert out["name"].dtype == frame["name"].dtype
    assert out["tax_wan"].tolist() == [-1.0, 2.0, 3.0]
    assert frame["name"].iloc[0] == EVIL  # the input is unchanged


def test_csv_export_holds_the_name_as_text(tmp_path: Path) -> None:
    path = write_table(pd.DataFrame({"uscc": ["91330381MA2H000001"], "name": [EVIL]}), tmp_path / "e.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][1] == "'" + EVIL


def test_xlsx_export_holds_the_name_as_a_string_not_a_formula(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "w.xlsx", {"清单": pd.DataFrame({"name": [EVIL, "@cmd", "-1+2"]})})
    ws = openpyxl.load_workbook(path).worksheets[0]
    cells = [ws.cell(r, 1) for r in (2, 3, 4)]
    assert [c.value for c in cells] == [EVIL, "@cmd", "-1+2"]  # exactly the name, shown as typed
    assert all(c.data_type == "s" for c in cells)  # strings, not formulas ('f')


def test_qa_issues_csv_defuses_a_detail_quoting_the_name(tmp_path: Path) -> None:
    ledger = Ledger()
    ledger.rows_in("registry", 1)
    ledger.record("registry", 1, "name", "duplicate", "rejected", detail=EVIL)
    paths = ledger.write(tmp_path)
    with paths["issues"].open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert any(v == "'" + EVIL for row in rows for v in row.values())
