"""The leadership report (领导小组汇报) as one self-contained, printable HTML page.

:func:`build_report_html` assembles the page from the plain pieces of a finished run (the
``summary.json`` dict, the sites, parcels and firms, the rule table and the ledger summary);
:func:`write_report` writes it (UTF-8). The page has no script and loads nothing: styles are inline,
fonts are the reader's installed CJK fonts, figures are base64 PNG drawn by matplotlib (Agg), so it
opens offline and prints on A4.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ruian_land.report.format import MISSING, esc
from ruian_land.report.places import laggards_section, sites_section
from ruian_land.report.sections import (
    classes_section,
    header_section,
    quality_section,
    rules_section,
    targets_section,
)

__all__ = ["REPORT_CSS", "build_report_html", "write_report"]

#: The page's stylesheet (screen and A4 print); fonts are local CJK families only.
REPORT_CSS = """
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
html { background: #fff; }
body {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", sans-serif;
  font-size: 10.5pt; line-height: 1.5; color: #222; max-width: 180mm; margin: 0 auto; padding: 4mm 0;
}
h1 { font-size: 18pt; margin: 0 0 1mm; text-align: center; }
h2 { font-size: 13pt; border-bottom: 2px solid #b71c1c; padding-bottom: 1mm; margin: 6mm 0 2mm;
  page-break-after: avoid; break-after: avoid; }
h3 { font-size: 11pt; margin: 3mm 0 1mm; page-break-after: avoid; break-after: avoid; }
.subtitle { text-align: center; font-size: 12pt; margin: 0 0 3mm; }
dl.meta { display: flex; flex-wrap: wrap; justify-content: center; gap: 1mm 6mm; margin: 0 0 3mm; }
dl.meta div { display: flex; gap: 2mm; }
dl.meta dt { color: #666; }
dl.meta dd { margin: 0; font-weight: bold; }
.facts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 2mm; }
.fact { border: 1px solid #ddd; border-radius: 2mm; padding: 1.5mm; text-align: center; }
.fact b { display: block; font-size: 12pt; color: #b71c1c; }
.fact span { font-size: 9pt; color: #555; }
section, table, figure, header { page-break-inside: avoid; break-inside: avoid; }
section.long, section.long table { page-break-inside: auto; break-inside: auto; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 1mm 0 2mm; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: 1mm 0; }
th, td { border: 1px solid #bdbdbd; padding: 0.6mm 1.5mm; vertical-align: top; }
th { background: #f3f3f3; font-weight: bold; text-align: center; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.ok { color: #1b5e20; font-weight: bold; }
td.bad { color: #b71c1c; font-weight: bold; }
#rules-table { font-size: 7.5pt; table-layout: fixed; }
#rules-table td { overflow-wrap: anywhere; }
#rules-table [data-col="key"] { width: 26%; }
#rules-table [data-col="value"] { width: 16%; }
#rules-table [data-col="unit"] { width: 12%; }
#rules-table [data-col="status"] { width: 11%; }
#town-table td[data-col="name"], #park-table td[data-col="name"], td.ok, td.bad { white-space: nowrap; }
p.note { font-size: 9pt; color: #444; margin: 1mm 0; }
figure { margin: 2mm 0; text-align: center; }
figcaption { font-size: 8.5pt; color: #444; }
img { max-width: 100%; height: auto; }
.two-col { display: grid; grid-template-columns: 1fr 1.2fr; gap: 4mm; align-items: center; }
.site-maps { display: grid; grid-template-columns: 1fr 1fr; gap: 3mm; }
footer { margin-top: 6mm; font-size: 8pt; color: #777; border-top: 1px solid #ddd; padding-top: 1mm; }
"""


def build_report_html(
    *,
    summary: Mapping[str, Any],
    sites: gpd.GeoDataFrame,
    parcels: gpd.GeoDataFrame,
    firms: pd.DataFrame,
    rules_frame: pd.DataFrame,
    ledger_summary: Mapping[str, Mapping[str, Any]],
    towns: gpd.GeoDataFrame | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
    rectification_summary: Mapping[str, pd.DataFrame] | None = None,
    n_sites: int = 5,
    n_areas: int = 5,
) -> str:
    """The leadership report as one self-contained HTML page (Chinese, A4, no network).

    Sections: title (project, 评价年度); 一 目标对照; 二 亩均效益评价分类; 三 后进镇街与园区;
    四 小微企业园候选地块 (with a map of each); 五 数据质量; 六 规则及其状态.

    Parameters
    ----------
    summary : mapping
        The ``summary.json`` dict (``RunResult.summary``): project, year, class counts, scenario
        totals and targets.
    sites : GeoDataFrame
        小微企业园 candidate sites, EPSG:4549 (``site_id``, ``rank``, ``area_mu``, ``qualifies`` …).
    parcels : GeoDataFrame
        Clean parcels, EPSG:4549 (``town``, ``park_name``, ``area_mu``).
    firms : DataFrame
        One row per firm (``eval_class``, ``name``, ``town``, ``tax_wan``, ``land_area_mu``,
        ``tax_per_mu`` …).
    rules_frame : DataFrame
        ``RuleSet.to_frame()`` (``key``, ``value``, ``unit``, ``status``, ``source``).
    ledger_summary : mapping
        ``Ledger.summary()``: input → ``{rows_in, kept, repaired, rejected}``.
    towns, control_lines : GeoDataFrame, optional
        Town areas and 工业用地控制线, EPSG:4549 (drawn on the maps when given).
    rectification_summary : mapping of DataFrame, optional
        ``town``, ``park`` and ``progress`` summaries of the 整治清单.
    n_sites : int
        Candidate sites shown (best ranks first).
    n_areas : int
        Towns and parks listed as 后进.

    Returns
    -------
    str
        The HTML document.
    """
    rs = rectification_summary or {}
    body = [
        header_section(summary),
        targets_section(summary, rs.get("progress")),
        classes_section(summary, firms),
        laggards_section(rs, parcels, firms, top=n_areas),
        sites_section(sites, parcels, towns=towns, control_lines=control_lines, n=n_sites),
        quality_section(ledger_summary, summary),
        rules_section(rules_frame),
    ]
    project = summary.get("project") or MISSING
    title = f"{project} 领导小组汇报（{summary.get('data_year', MISSING)}年度）"
    footer = (
        "<footer>本报告由 ruian-land 根据本次运行结果自动生成，数字均取自 summary.json 及结果表；"
        "面积单位为亩，金额单位为万元，能耗单位为吨标准煤，二氧化碳单位为吨。</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{REPORT_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n{footer}\n</body>\n</html>\n"
    )


def write_report(
    path: str | Path,
    *,
    summary: Mapping[str, Any],
    sites: gpd.GeoDataFrame,
    parcels: gpd.GeoDataFrame,
    firms: pd.DataFrame,
    rules_frame: pd.DataFrame,
    ledger_summary: Mapping[str, Mapping[str, Any]],
    towns: gpd.GeoDataFrame | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
    rectification_summary: Mapping[str, pd.DataFrame] | None = None,
    n_sites: int = 5,
    n_areas: int = 5,
) -> Path:
    """Write the leadership report (:func:`build_report_html`) to ``path`` (UTF-8).

    Parameters
    ----------
    path : str or Path
        The HTML file to write (its folder is created).
    summary, sites, parcels, firms, rules_frame, ledger_summary, towns, control_lines, \
rectification_summary, n_sites, n_areas
        As for :func:`build_report_html`.

    Returns
    -------
    Path
        ``path``.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = build_report_html(
        summary=summary,
        sites=sites,
        parcels=parcels,
        firms=firms,
        rules_frame=rules_frame,
        ledger_summary=ledger_summary,
        towns=towns,
        control_lines=control_lines,
        rectification_summary=rectification_summary,
        n_sites=n_sites,
        n_areas=n_areas,
    )
    out.write_text(text, encoding="utf-8")
    return out
