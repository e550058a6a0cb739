"""The 季度通报: one self-contained, printable (A4 landscape) Chinese HTML page of a monitoring result.

Built with the leadership report's pieces (:mod:`ruian_land.report`: its stylesheet, tables with
``data-value`` cells, sections and inlined figures), with a landscape page on top. No script,
nothing loaded from the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ruian_land.monitor.base import TARGETS
from ruian_land.monitor.charts import change_map, progress_chart, town_chart
from ruian_land.monitor.ranking import ranking_keys
from ruian_land.monitor.result import MonitorResult
from ruian_land.report import MISSING, REPORT_CSS, Cell, esc, format_share, section, table_html

__all__ = ["BULLETIN_CSS", "build_bulletin_html", "write_bulletin"]

#: The report's stylesheet turned to A4 landscape for the bulletin.
BULLETIN_CSS = (
    REPORT_CSS
    + """
@page { size: A4 landscape; margin: 12mm; }
body { max-width: 273mm; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; align-items: start; }
td.flag { color: #b71c1c; font-weight: bold; }
@media print { body { max-width: none; } a { color: inherit; text-decoration: none; } }
"""
)


def _text(v: object) -> str:
    return MISSING if v is None or (isinstance(v, float) and pd.isna(v)) or v == "" else str(v)


def _progress_cell(value: Any) -> Cell:
    """完成率: green when the pro-rated target is reached, red otherwise."""
    if value is None or pd.isna(value):
        return Cell(MISSING)
    v = float(value)
    return Cell(format_share(v), v, "num ok" if v >= 1 else "num bad")


def _targets_html(r: MonitorResult) -> str:
    t = r.targets[r.targets["period"] == r.periods[-1]]
    cols = [
        ("indicator", "指标"),
        ("unit", "单位"),
        ("target", "方案目标"),
        ("prorated_target", "时间进度目标"),
        ("achieved", "已完成(已销号)"),
        ("progress", "完成率(对时间进度)"),
        ("plan_share", "占方案目标"),
        ("change", "较上期增加"),
        ("in_progress", "整治中(未计入)"),
        ("measure", "计算口径"),
    ]
    rows = [
        [
            x.indicator,
            x.unit,
            Cell.number(x.target, 0),
            Cell.number(x.prorated_target, 1),
            Cell.number(x.achieved, 1),
            _progress_cell(x.progress),
            Cell.share(x.plan_share),
            Cell.number(x.change, 1),
            Cell.number(x.in_progress, 1),
            x.measure,
        ]
        for x in t.itertuples(index=False)
    ]
    elapsed = float(t["elapsed"].iloc[0]) if len(t) else float("nan")
    head = f'<p class="note">方案时间进度 {esc(format_share(elapsed))}(截至 {esc(str(t["date"].iloc[0]) if len(t) else MISSING)})。</p>'
    return head + table_html(cols, rows, keys=list(t["target_key"]), table_id="targets-table")


def _ranking_html(frame: pd.DataFrame, kind: str, r: MonitorResult, table_id: str) -> str:
    keys = ranking_keys(r.rules)
    cols = [
        ("rank", "名次"),
        ("name", kind),
        ("share", "分解比例"),
        *[(f"progress_{k}", f"{TARGETS[k][0]}进度") for k in keys],
        ("score", "得分"),
        ("previous_score", "上期得分"),
        ("previous_rank", "上期名次"),
        ("listed", "列入企业"),
        ("closed", "已销号"),
        ("flag", "通报约谈"),
        ("note", "说明"),
    ]
    rows = []
    for name, x in frame.iterrows():
        rows.append(
            [
                Cell(
                    "" if pd.isna(x["rank"]) else str(int(x["rank"])),
                    None if pd.isna(x["rank"]) else float(x["rank"]),
                    "num",
                ),
                str(name),
                Cell.share(x["share"]),
                *[Cell.share(x[f"progress_{k}"]) for k in keys],
                Cell.share(x["score"]),
                Cell.share(x["previous_score"]),
                Cell("" if pd.isna(x["previous_rank"]) else str(int(x["previous_rank"])), None, "num"),
                Cell.number(x["listed"], 0),
                Cell.number(x["closed"], 0),
                Cell(
                    _text(x["summon_reason"]) if x["summoned"] else "", None, "flag" if x["summoned"] else ""
                ),
                _text(x["note"]) if x["note"] else "",
            ]
        )
    if not rows:
        return f'<p class="note">没有可排名的{esc(kind)}。</p>'
    return table_html(cols, rows, keys=[str(n) for n in frame.index], table_id=table_id)


def _changes_html(r: MonitorResult) -> str:
    tc = r.town_changes
    cols = [
        ("town", "镇街"),
        ("low_efficiency_mu", "低效用地(亩)"),
        ("previous_low_efficiency_mu", "上期低效用地(亩)"),
        ("low_efficiency_change_mu", "增减(亩)"),
        ("idle_mu", "闲置土地(亩)"),
        ("idle_change_mu", "闲置增减(亩)"),
    ]
    rows = [[str(n), *[Cell.number(x[c], 1) for c, _ in cols[1:]]] for n, x in tc.iterrows()]
    table = table_html(cols, rows, keys=[str(n) for n in tc.index], table_id="change-table")
    counts = r.changes["change_zh"].value_counts() if len(r.changes) else pd.Series(dtype=int)
    text = ";".join(f"{k} {int(v)} 宗" for k, v in counts.items()) or "无"
    prev = r.periods[-2] if len(r.periods) > 1 else None
    lead = f"与上期({esc(prev)})相比: {esc(text)}。" if prev else "只有一期数据,无可比较的上期。"
    return f'<p class="note">{lead}</p><div class="charts"><figure>{change_map(r.changes, r.towns_geo)}</figure><div>{table}</div></div>'


def _overdue_html(r: MonitorResult) -> str:
    o = r.overdue
    undated = ""
    if len(r.undated):
        names = "、".join(f"{n}({d})" for n, d in zip(r.undated["name"], r.undated["deadline"], strict=True))
        undated = f'<p class="note">完成时限无法识别、未判断是否逾期的未销号企业 {len(r.undated)} 家: {esc(names)}。</p>'
    if o.empty:
        return (
            f'<p class="note">截至 {esc(r.as_of.isoformat())} 没有超过完成时限仍未销号的企业。</p>' + undated
        )
    cols = [
        ("responsible_unit", "责任单位"),
        ("name", "企业名称"),
        ("uscc", "统一社会信用代码"),
        ("town", "镇街"),
        ("status", "整治状态"),
        ("previous_status", "上期状态"),
        ("remedy_plan", "整治措施"),
        ("deadline", "完成时限"),
        ("days_overdue", "逾期天数"),
    ]
    rows = [
        [
            _text(x.responsible_unit),
            _text(x.name),
            x.uscc,
            _text(x.town),
            x.status,
            _text(x.previous_status),
            _text(x.remedy_plan),
            str(x.deadline),
            Cell.number(x.days_overdue, 0),
        ]
        for x in o.itertuples(index=False)
    ]
    stalled = int(o["status_unchanged"].sum())
    lead = (
        f'<p class="note">截至 {esc(r.as_of.isoformat())},{len(o)} 家企业超过完成时限仍未销号,'
        f"其中 {stalled} 家整治状态与上期相同(停滞)。</p>"
    )
    return lead + undated + table_html(cols, rows, keys=list(o["uscc"]), table_id="overdue-table")


def build_bulletin_html(result: MonitorResult) -> str:
    """The 季度通报 as one HTML document (Chinese, A4 landscape, no network, no script).

    Sections: 一 目标完成情况; 二 镇街赛马排名 (with the charts of progress over periods and by
    town); 三 园区赛马排名; 四 本期变化 (the map and the table by town); 五 逾期未销号事项 (with
    责任单位); 六 说明 (rules used, ties, missing data).

    Parameters
    ----------
    result : MonitorResult

    Returns
    -------
    str
    """
    r = result
    latest = r.periods[-1]
    prev = r.periods[-2] if len(r.periods) > 1 else MISSING
    title = f"{r.name} 季度通报({latest})"
    header = (
        f'<header><h1>{esc(title)}</h1><p class="subtitle">“腾笼换鸟、凤凰涅槃”攻坚行动 赛马比拼</p>'
        f'<dl class="meta"><div><dt>本期</dt><dd>{esc(latest)}</dd></div><div><dt>上期</dt><dd>{esc(prev)}</dd></div>'
        f"<div><dt>截至日期</dt><dd>{esc(r.as_of.isoformat())}</dd></div>"
        f"<div><dt>建议通报约谈</dt><dd>{esc('、'.join(map(str, r.towns.index[r.towns['summoned']])) or '无')}</dd></div></dl></header>"
    )
    charts = f'<div class="charts"><figure>{progress_chart(r.targets)}</figure><figure>{town_chart(r.towns)}</figure></div>'
    body = [
        header,
        section("targets", "一、目标完成情况", _targets_html(r)),
        section(
            "towns",
            "二、镇街赛马排名",
            charts + _ranking_html(r.towns, "镇街", r, "town-ranking"),
            cls="long",
        ),
        section("parks", "三、园区赛马排名", _ranking_html(r.parks, "园区", r, "park-ranking"), cls="long"),
        section("changes", "四、本期变化", _changes_html(r), cls="long"),
        section("overdue", "五、逾期未销号事项", _overdue_html(r), cls="long"),
        section("notes", "六、说明", "".join(f'<p class="note">{esc(n)}</p>' for n in r.notes)),
    ]
    footer = (
        "<footer>本通报由 ruian-land monitor 根据各期数据与整治清单自动生成;面积单位为亩,能耗单位为吨标准煤,"
        "二氧化碳单位为吨;数字与 通报.xlsx、monitor.json 一致。</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{BULLETIN_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n{footer}\n</body>\n</html>\n"
    )


def write_bulletin(result: MonitorResult, path: str | Path) -> Path:
    """Write :func:`build_bulletin_html` to ``path`` (UTF-8, parent folders created); returns it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_bulletin_html(result), encoding="utf-8")
    return out
