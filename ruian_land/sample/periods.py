"""Two later snapshots of the sample county for ``ruian-land monitor`` (synthetic, issue 17).

The base tables are the 2021 county; the periods add only what changed (kept tiny):

* ``periods/2022Q2/整治清单.xlsx`` — the 整治清单 as the planners edited it by mid-2022: in every
  town the eight listed firms with the lowest 亩均税收 (owners of ≥ 3 亩) are being worked on,
  the first two closed (已销号, 关停退出), the next two 整治中 (改造提升), the rest 待整治;
  完成时限 2022-06-30 for the first four, 2022-09-30 for the rest; 责任单位 the town government.
* ``periods/2022Q4/`` — the tax table updated (same 所属年度) (every firm's tax × 1.06, 湖岭镇's × 0.85)
  and the list at the end of 2022: six of the eight closed (three exits, three upgrades), one
  整治中 and one still 待整治 past its 2022-09-30 deadline; in 湖岭镇 the two firms closed in Q2
  fail the re-check (复查未达标) and go back to 整治中, so 湖岭镇 regresses.
* ``monitor.yaml`` — the two periods.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from ruian_land.sample.writers import FIXED_DATE, write_csv

__all__ = ["PERIOD_FILES", "REGRESSING_TOWN", "write_periods"]

#: The files written, relative to the sample folder.
PERIOD_FILES = {
    "monitor": "monitor.yaml",
    "list_2022Q2": "periods/2022Q2/整治清单.xlsx",
    "tax_2022Q4": "periods/2022Q4/税收_税务局.csv",
    "list_2022Q4": "periods/2022Q4/整治清单.xlsx",
}
#: The town whose closed firms fail the re-check in 2022Q4.
REGRESSING_TOWN = "湖岭镇"
_PER_TOWN = 8

_MONITOR_YAML = """\
# Monitoring (赛马, 季度通报) of the sample county: two synthetic periods (see README.md).
# Run: ruian-land monitor -c data/monitor.yaml --out out/monitor
name: 瑞安市样例县 赛马监测
project: project.yaml
periods:
  - label: 2022Q2
    date: 2022-06-30
    rectification_list: periods/2022Q2/整治清单.xlsx
  - label: 2022Q4
    date: 2022-12-31
    sources:
      tax: {path: periods/2022Q4/税收_税务局.csv, encoding: gbk}
    rectification_list: periods/2022Q4/整治清单.xlsx
"""


def _unit(town: str) -> str:
    return f"{town}{'人民政府' if town.endswith('镇') else '办事处'}"


def _picked(truth_firms: pd.DataFrame) -> pd.DataFrame:
    """The eight lowest-yield owners of ≥ 3 亩 per town, with their place (0-7) in the town."""
    f = truth_firms
    ok = (f["role"] == "owner") & (f["land_mu"] >= 3) & (f["utility"] < 0) & f["tax_per_mu"].notna()
    f = f.loc[ok, ["uscc", "name", "town", "tax_per_mu"]].sort_values(["town", "tax_per_mu", "uscc"])
    f = f.groupby("town", sort=True).head(_PER_TOWN).copy()
    f["place"] = f.groupby("town").cumcount()
    return f.reset_index(drop=True)


def _list(picked: pd.DataFrame, period: str) -> pd.DataFrame:
    p = picked["place"].to_numpy()
    regress = (picked["town"] == REGRESSING_TOWN).to_numpy()
    if period == "2022Q2":
        status = np.select([p < 2, p < 4], ["已销号", "整治中"], "待整治")
        remedy = np.select([p < 2, p < 4], ["关停退出", "改造提升"], "")
        note = np.where(p < 2, "2022年6月验收销号", "")
    else:
        status = np.select([p < 6, p < 7], ["已销号", "整治中"], "待整治")
        remedy = np.select([np.isin(p, (0, 1, 4)), p < 6, p < 7], ["关停退出", "改造提升", "改造提升"], "")
        note = np.where(p < 6, "验收销号", "")
        q2 = _list(picked, "2022Q2")
        status = np.where(regress, q2["整治状态"], status)
        remedy = np.where(regress, q2["整治措施"], remedy)
        note = np.where(regress, q2["跟踪备注"], note)
        back = regress & (p < 2)
        status = np.where(back, "整治中", status)
        note = np.where(back, "复查未达标,重新整改", note)
    return pd.DataFrame(
        {
            "统一社会信用代码": picked["uscc"],
            "企业名称": picked["name"],
            "所在乡镇": picked["town"],
            "整治状态": status,
            "整治措施": remedy,
            "责任单位": picked["town"].map(_unit),
            "完成时限": np.where(p < 4, "2022-06-30", "2022-09-30"),
            "跟踪备注": note,
        }
    )


def _parcel_sheet(firm_sheet: pd.DataFrame, truth_parcels: pd.DataFrame) -> pd.DataFrame:
    owners = truth_parcels[["parcel_id", "owner_uscc"]].dropna()
    merged = owners.merge(firm_sheet, left_on="owner_uscc", right_on="统一社会信用代码", how="inner")
    merged = merged.sort_values("parcel_id", kind="mergesort")
    return pd.DataFrame(
        {
            "宗地代码": merged["parcel_id"].astype(str),
            "整治状态": merged["整治状态"],
            "责任单位": merged["责任单位"],
            "完成时限": merged["完成时限"],
        }
    )


def _write_book(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """All cells as text, fixed workbook properties: the same bytes on every run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties(
        {
            "created": dt.datetime.combine(FIXED_DATE, dt.time()),
            "author": "ruian_land.sample",
            "title": "整治清单",
        }
    )
    bold = wb.add_format({"bold": True})
    for name, frame in sheets.items():
        ws = wb.add_worksheet(name)
        for j, col in enumerate(frame.columns):
            ws.write_string(0, j, str(col), bold)
            ws.set_column(j, j, 22)
        for i, row in enumerate(frame.astype(str).itertuples(index=False), start=1):
            for j, value in enumerate(row):
                if value:
                    ws.write_string(i, j, value)
    wb.close()
    return path


def _tax_2022(tax: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    town = dict(zip(registry["统一社会信用代码"].astype(str), registry["所在乡镇"].astype(str), strict=False))
    out = tax.copy()
    body = out["纳税人识别号"].astype(str) != "合计"
    amount = pd.to_numeric(
        out["实缴税收(万元)"].astype(str).str.replace(",", "", regex=False), errors="coerce"
    )
    factor = np.where(out["纳税人识别号"].astype(str).map(town) == REGRESSING_TOWN, 0.85, 1.06)
    new = (amount * factor).round(2)
    new[~body] = round(float(new[body].sum()), 2)
    out["实缴税收(万元)"] = new.map(lambda x: f"{x:,.2f}")
    return out


def write_periods(county: object, out_dir: str | Path) -> dict[str, Path]:
    """Write the two monitoring periods of a sample county (:data:`PERIOD_FILES`) under ``out_dir``.

    Parameters
    ----------
    county : SampleCounty
        From :func:`ruian_land.sample.build_sample` (its ``truth``, ``tax``, ``registry``).
    out_dir : str or Path
        The sample folder.

    Returns
    -------
    dict
        Key of :data:`PERIOD_FILES` → path.
    """
    out = Path(out_dir)
    truth = county.truth  # type: ignore[attr-defined]
    picked = _picked(truth.firms)
    paths = {k: out / v for k, v in PERIOD_FILES.items()}
    for period in ("2022Q2", "2022Q4"):
        firms = _list(picked, period)
        _write_book(
            paths[f"list_{period}"],
            {"整治企业清单": firms, "整治宗地清单": _parcel_sheet(firms, truth.parcels)},
        )
    write_csv(_tax_2022(county.tax, county.registry), paths["tax_2022Q4"], "gbk")  # type: ignore[attr-defined]
    paths["monitor"].write_text(_MONITOR_YAML, encoding="utf-8", newline="\n")
    return paths
