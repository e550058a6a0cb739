"""Closed-loop status survives a re-run: write the list as the exporter does (Chinese headers),
edit it as a planner would, run again on new data, check what was kept.

Run 1 (2021-12-31), firms on 15 亩 parcels (see test_screening.py):
  A in a park at 6.2 万元/亩 (park clearance), B at 3.0 (tax floor), D 两高 (1500 tce, built 2019).
The planner sets A 整治中 with a remedy and a note and a column of their own (联系人), B 已销号,
D 整治中, and re-sorts the sheet (rows move: matching must be by code, not by row).
Run 2 (2022-12-31): A unchanged, B still at 3.0 (so still flagged though closed), D now uses
900 tce (no longer 两高, no longer flagged), E new at 2.0 万元/亩.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from test_screening import RULES, build, firm, parcel

from ruian_land.core import InputError
from ruian_land.export import chinese_headers, table_for_people
from ruian_land.screening import (
    FIRM_SHEET,
    NOTE_GONE,
    NOTE_NEW,
    NOTE_REFLAGGED,
    PARCEL_SHEET,
    firm_list,
    merge_status,
    parcel_list,
    read_list,
    screen,
)


def run(as_of: str, d_energy: float, with_e: bool) -> Any:
    parcels = [parcel("P1", park_name="开发区"), parcel("P2"), parcel("P5"), parcel("P6")]
    firms = [
        firm("A"),
        firm("B"),
        firm(
            "D",
            industry_code="2614",
            above_scale=True,
            project_built_year=2019,
            energy_tce_calorific=d_energy,
        ),
    ]
    links = [("A", "P1", 15.0, 93.0), ("B", "P2", 15.0, 45.0), ("D", "P5", 15.0, 300.0)]
    if with_e:
        firms.append(firm("E"))
        links.append(("E", "P6", 15.0, 30.0))
    for f in firms:
        f["value_added_wan"] = 1e5
    return screen(*build(parcels, firms, links), RULES, as_of=as_of)


def export_like_the_tool(frames: dict[str, pd.DataFrame], path: Path) -> Path:
    """What ruian_land.export writes: plain cells (是/否, dates), Chinese headers."""
    if path.suffix == ".csv":
        (frame,) = frames.values()
        t = table_for_people(frame)
        t.columns = chinese_headers(t.columns)
        t.to_csv(path, index=False, encoding="utf-8-sig")
        return path
    with pd.ExcelWriter(path, engine="xlsxwriter") as w:
        for sheet, frame in frames.items():
            t = table_for_people(frame, dates_as_text=False)
            t.columns = chinese_headers(t.columns)
            t.to_excel(w, sheet_name=sheet, index=False)
    return path


EDITS = {  # code → {Chinese header: new value}, as typed by the planner
    "A": {
        "整治状态": "整治中",
        "整治措施": "关停退出",
        "完成时限": "2022-06-30",
        "跟踪备注": "已约谈,拟关停",
        "联系人": "张三",
    },
    "B": {"整治状态": "已销号", "跟踪备注": "完成技改,达标销号"},
    "D": {"整治状态": " 整治中 "},  # stray spaces, as typed
}


def edit_xlsx(path: Path, sheet: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(1, len(header) + 1).value = "联系人"  # the planner's own column
    header.append("联系人")
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    rows.reverse()  # the planner re-sorts the sheet: row numbers change
    key = header.index("统一社会信用代码")
    for i, row in enumerate(rows, start=2):
        row += [None] * (len(header) - len(row))
        for col, value in EDITS.get(row[key], {}).items():
            row[header.index(col)] = value
        for j, value in enumerate(row, start=1):
            ws.cell(i, j).value = value
    wb.save(path)


def edit_csv(path: Path) -> None:
    t = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    t["联系人"] = ""
    for code, edits in EDITS.items():
        for col, value in edits.items():
            t.loc[t["统一社会信用代码"] == code, col] = value
    t.iloc[::-1].to_csv(path, index=False, encoding="utf-8-sig")


def check_merged(m: pd.DataFrame) -> None:
    assert m["uscc"].tolist() == ["E", "B", "A", "D"]  # run-2 order, then the row no longer flagged
    assert m["seq"].tolist() == [1, 2, 3, 4]
    r = m.set_index("uscc")
    a = r.loc["A"]
    assert (a["status"], a["remedy_plan"], a["deadline"]) == ("整治中", "关停退出", "2022-06-30")
    assert (a["planner_notes"], a["联系人"], a["tracking_note"]) == ("已约谈,拟关停", "张三", "")
    assert a["first_listed"] == pd.Timestamp("2021-12-31") and a["last_flagged"] == pd.Timestamp("2022-12-31")
    assert a["on_current_list"]
    b = r.loc["B"]
    assert (b["status"], b["planner_notes"], b["tracking_note"]) == (
        "已销号",
        "完成技改,达标销号",
        NOTE_REFLAGGED,
    )
    e = r.loc["E"]
    assert (e["status"], e["tracking_note"], e["联系人"]) == ("待整治", NOTE_NEW, "")
    assert e["first_listed"] == pd.Timestamp("2022-12-31")
    d = r.loc["D"]  # was 整治中, no longer flagged: kept with its last figures, never dropped
    assert (d["status"], d["tracking_note"], bool(d["on_current_list"])) == ("整治中", NOTE_GONE, False)
    assert d["tax_wan"] == pytest.approx(300.0) and bool(d["is_two_high"]) is True
    assert d["last_flagged"] == pd.Timestamp("2021-12-31")
    assert m.attrs["tracking"] == {"matched": 2, "new": 1, "no_longer_flagged": 1, "closed_but_flagged": 1}


def test_status_survives_a_rerun_through_the_exported_xlsx(tmp_path: Path) -> None:
    s1 = run("2021-12-31", 1500.0, with_e=False)
    fl1, pl1 = firm_list(s1), parcel_list(s1)
    assert fl1["uscc"].tolist() == ["B", "D", "A"]  # outside parks first, then 亩均税收
    # one workbook with another sheet first, as an export would have
    path = export_like_the_tool(
        {"候选清单": pl1.drop(columns="status"), FIRM_SHEET: fl1, PARCEL_SHEET: pl1}, tmp_path / "清单.xlsx"
    )
    edit_xlsx(path, FIRM_SHEET)
    fl2 = firm_list(run("2022-12-31", 900.0, with_e=True))
    assert fl2["uscc"].tolist() == ["E", "B", "A"]  # D is no longer flagged
    merged = merge_status(fl2, path)
    check_merged(merged)
    # the next quarter: re-export the merged list, run again on the same data: nothing changes
    # for the planner, D is still reported
    again = merge_status(fl2, export_like_the_tool({FIRM_SHEET: merged}, tmp_path / "清单2.xlsx"))
    assert again.set_index("uscc")["status"].to_dict() == {
        "B": "已销号",
        "E": "待整治",
        "A": "整治中",
        "D": "整治中",
    }
    assert again.set_index("uscc").loc["E", "tracking_note"] == ""  # no longer new
    assert again.set_index("uscc").loc["A", "联系人"] == "张三"


def test_status_survives_a_rerun_through_the_exported_csv(tmp_path: Path) -> None:
    s1 = run("2021-12-31", 1500.0, with_e=False)
    path = export_like_the_tool({"firms": firm_list(s1)}, tmp_path / "整治企业清单.csv")
    edit_csv(path)
    check_merged(merge_status(firm_list(run("2022-12-31", 900.0, with_e=True)), path))


def test_parcel_list_is_keyed_by_parcel_id(tmp_path: Path) -> None:
    s1 = run("2021-12-31", 1500.0, with_e=False)
    path = export_like_the_tool(
        {FIRM_SHEET: firm_list(s1), PARCEL_SHEET: parcel_list(s1)}, tmp_path / "l.xlsx"
    )
    wb = openpyxl.load_workbook(path)
    ws = wb[PARCEL_SHEET]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("宗地代码")].value == "P1":
            row[header.index("整治状态")].value = "整治中"
    wb.save(path)
    merged = merge_status(parcel_list(run("2022-12-31", 900.0, with_e=True)), path)
    r = merged.set_index("parcel_id")
    assert r.loc["P1", "status"] == "整治中" and r.loc["P6", "tracking_note"] == NOTE_NEW
    assert merged.attrs["tracking"]["matched"] == 2  # P1, P2


def test_first_run_and_frames(tmp_path: Path) -> None:
    fl = firm_list(run("2021-12-31", 1500.0, with_e=False))
    assert merge_status(fl, None).equals(fl)
    prev = fl.assign(status=["已销号", "整治中", "待整治"])[::-1]  # in memory, another row order
    merged = merge_status(fl, prev)
    assert merged["uscc"].tolist() == ["B", "D", "A"]
    assert merged["status"].tolist() == ["已销号", "整治中", "待整治"]


def _csv_with(tmp_path: Path, change: dict[str, Any]) -> Path:
    fl = firm_list(run("2021-12-31", 1500.0, with_e=False))
    path = export_like_the_tool({"f": fl}, tmp_path / "f.csv")
    t = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    for (row, col), value in change.items():
        t.loc[row, col] = value
    t.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_unknown_status_names_the_row(tmp_path: Path) -> None:
    path = _csv_with(tmp_path, {(1, "整治状态"): "完成"})
    with pytest.raises(InputError, match="完成") as err:
        merge_status(firm_list(run("2021-12-31", 1500.0, with_e=False)), path)
    assert err.value.row == 3 and err.value.column == "整治状态"  # header is line 1, data row 2 is line 3


def test_duplicate_code_is_an_input_error(tmp_path: Path) -> None:
    path = _csv_with(tmp_path, {(1, "统一社会信用代码"): "B"})
    with pytest.raises(InputError, match="appears 2 times"):
        merge_status(firm_list(run("2021-12-31", 1500.0, with_e=False)), path)


def test_wrong_list_is_an_input_error(tmp_path: Path) -> None:
    s = run("2021-12-31", 1500.0, with_e=False)
    path = export_like_the_tool({"p": parcel_list(s)}, tmp_path / "parcels.csv")
    with pytest.raises(InputError, match="统一社会信用代码") as err:
        merge_status(firm_list(s), path)
    # the fix is something a planner can do from the CLI (there is no sheet option)
    assert "整治清单.xlsx" in str(err.value.fix) and "整治企业清单" in str(err.value.fix)
    assert "sheet=" not in str(err.value.fix)
    book = export_like_the_tool({"其他": parcel_list(s)}, tmp_path / "other.xlsx")
    with pytest.raises(InputError, match="no sheet") as err:
        merge_status(firm_list(s), book)
    assert "sheet=" not in str(err.value.fix) and "整治清单.xlsx" in str(err.value.fix)
    assert read_list(path, key="parcel_id")["parcel_id"].tolist() == ["P2", "P1"]
